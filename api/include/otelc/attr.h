/* Attribute values: a typed value and a key/value pair. Plain value types meant to be built on the
 * stack (the otelc_attr_* constructors) and passed to span calls, which copy what they keep.
 * Thread-safety: the constructors are pure functions; a value only borrows what it points to, so it is
 * as shareable as that memory. */
#ifndef OTELC_ATTR_H
#define OTELC_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "otelc/export.h"

OTELC_BEGIN_DECLS

typedef enum otelc_value_type {
    OTELC_VALUE_NONE = 0,
    OTELC_VALUE_STRING = 1,
    OTELC_VALUE_BOOL = 2,
    OTELC_VALUE_INT = 3,
    OTELC_VALUE_DOUBLE = 4,
    OTELC_VALUE_STRING_ARRAY = 5,
    OTELC_VALUE_BOOL_ARRAY = 6,
    OTELC_VALUE_INT_ARRAY = 7,
    OTELC_VALUE_DOUBLE_ARRAY = 8
} otelc_value_type;

/* A typed value. For STRING, `len` is the byte length (the text need not be NUL-terminated on
 * input; values handed out by the SDK always are). For arrays, `len` is the element count. */
typedef struct otelc_value {
    otelc_value_type type;
    uint32_t len;
    union {
        const char *s;
        bool b;
        int64_t i;
        double d;
        const char *const *sa; /* each element NUL-terminated */
        const bool *ba;
        const int64_t *ia;
        const double *da;
    } u;
} otelc_value;

typedef struct otelc_attr {
    const char *key; /* NUL-terminated, non-empty */
    otelc_value value;
} otelc_attr;

static inline otelc_value otelc_value_str(const char *s) {
    otelc_value v; v.type = OTELC_VALUE_STRING; v.len = s ? (uint32_t)strlen(s) : 0; v.u.s = s ? s : ""; return v;
}
static inline otelc_value otelc_value_strn(const char *s, size_t n) {
    otelc_value v; v.type = OTELC_VALUE_STRING; v.len = s ? (uint32_t)n : 0; v.u.s = s ? s : ""; return v;
}
static inline otelc_value otelc_value_bool(bool b) {
    otelc_value v; v.type = OTELC_VALUE_BOOL; v.len = 0; v.u.b = b; return v;
}
static inline otelc_value otelc_value_int(int64_t i) {
    otelc_value v; v.type = OTELC_VALUE_INT; v.len = 0; v.u.i = i; return v;
}
static inline otelc_value otelc_value_double(double d) {
    otelc_value v; v.type = OTELC_VALUE_DOUBLE; v.len = 0; v.u.d = d; return v;
}
static inline otelc_value otelc_value_str_array(const char *const *a, size_t n) {
    otelc_value v; v.type = OTELC_VALUE_STRING_ARRAY; v.len = (uint32_t)n; v.u.sa = a; return v;
}
static inline otelc_value otelc_value_bool_array(const bool *a, size_t n) {
    otelc_value v; v.type = OTELC_VALUE_BOOL_ARRAY; v.len = (uint32_t)n; v.u.ba = a; return v;
}
static inline otelc_value otelc_value_int_array(const int64_t *a, size_t n) {
    otelc_value v; v.type = OTELC_VALUE_INT_ARRAY; v.len = (uint32_t)n; v.u.ia = a; return v;
}
static inline otelc_value otelc_value_double_array(const double *a, size_t n) {
    otelc_value v; v.type = OTELC_VALUE_DOUBLE_ARRAY; v.len = (uint32_t)n; v.u.da = a; return v;
}

static inline otelc_attr otelc_attr_make(const char *key, otelc_value v) {
    otelc_attr a; a.key = key; a.value = v; return a;
}
#define otelc_attr_str(k, s) otelc_attr_make((k), otelc_value_str(s))
#define otelc_attr_bool(k, b) otelc_attr_make((k), otelc_value_bool(b))
#define otelc_attr_int(k, i) otelc_attr_make((k), otelc_value_int(i))
#define otelc_attr_double(k, d) otelc_attr_make((k), otelc_value_double(d))

OTELC_END_DECLS
#endif
