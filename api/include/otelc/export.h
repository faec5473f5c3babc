/* Symbol export and small portability macros shared by every otelc header. */
#ifndef OTELC_EXPORT_H
#define OTELC_EXPORT_H

#if defined(_WIN32)
#  define OTELC_API
#elif defined(__GNUC__)
#  define OTELC_API __attribute__((visibility("default")))
#else
#  define OTELC_API
#endif

#define OTELC_VERSION_MAJOR 0
#define OTELC_VERSION_MINOR 1
#define OTELC_VERSION_PATCH 0
#define OTELC_VERSION_STRING "0.1.0"

#ifdef __cplusplus
#  define OTELC_BEGIN_DECLS extern "C" {
#  define OTELC_END_DECLS }
#else
#  define OTELC_BEGIN_DECLS
#  define OTELC_END_DECLS
#endif

#endif
