/* hvtrace: record-and-replay execution tracer for hardware-virtualized vCPUs.
 * The one header a user includes. */
#ifndef HVTRACE_HVTRACE_H
#define HVTRACE_HVTRACE_H

#include "hvtrace/api.h"
#include "hvtrace/error.h"
#include "hvtrace/event.h"
#include "hvtrace/writer.h"
#include "hvtrace/reader.h"
#include "hvtrace/meta.h"

#endif
