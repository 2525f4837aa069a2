/* hvtrace: export macro and version. */
#ifndef HVTRACE_API_H
#define HVTRACE_API_H

#if defined(HVT_BUILDING_SHARED) && defined(__GNUC__)
#define HVT_API __attribute__((visibility("default")))
#else
#define HVT_API
#endif

#define HVT_VERSION_MAJOR 0
#define HVT_VERSION_MINOR 1
#define HVT_VERSION_PATCH 0
#define HVT_VERSION_STRING "0.1.0"

#endif
