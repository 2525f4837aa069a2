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

/* Options structs (writer, reader, replay) start with `size_t sz`, the
 * caller's sizeof, and may grow at their end. The rule, libbpf's: a library
 * accepts an older caller's smaller struct (missing fields take their
 * defaults) and a newer caller's larger one only if every field it does not
 * know is zero (else HVT_E_INVAL). Zero always means "the default", so
 * designated initializers are all a caller needs:
 *   struct hvt_writer_opts o = HVT_OPTS(hvt_writer_opts, .zstd_level = 3);
 * Fields not named are zero (C99), and so is any padding of an automatic
 * compound literal copied this way on the compilers we support. */
#define HVT_OPTS(TYPE, ...) ((struct TYPE){ .sz = sizeof(struct TYPE), __VA_ARGS__ })

#endif
