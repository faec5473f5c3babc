/* Resources: attribute lists owned as one block, the default resource detected at start, and
 * OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"
#include "otelc/sdk/resource.h"
#include "otelc/span_context.h"

struct otelc_resource {
    otelc_attr *attrs;
    size_t count;
    char *schema_url;
};

static void free_attr(otelc_attr *a) {
    otelc_free((void *)a->key);
    if (a->value.type == OTELC_VALUE_STRING) otelc_free((void *)a->value.u.s);
    if (a->value.type == OTELC_VALUE_STRING_ARRAY) {
        for (uint32_t j = 0; j < a->value.len; j++) otelc_free((void *)a->value.u.sa[j]);
    }
    if (a->value.type >= OTELC_VALUE_STRING_ARRAY) otelc_free((void *)a->value.u.ia);
}

void otelc_resource_destroy(otelc_resource *r) {
    if (!r) return;
    for (size_t i = 0; i < r->count; i++) free_attr(&r->attrs[i]);
    otelc_free(r->attrs);
    otelc_free(r->schema_url);
    otelc_free(r);
}

static bool copy_attr(otelc_attr *d, const otelc_attr *s) {
    memset(d, 0, sizeof *d);
    d->key = otelc_strdup(s->key);
    d->value = s->value;
    d->value.u.ia = NULL;
    if (!d->key) return false;
    switch (s->value.type) {
    case OTELC_VALUE_STRING:
        return (d->value.u.s = otelc_strndup(s->value.u.s, s->value.len)) != NULL;
    case OTELC_VALUE_STRING_ARRAY: {
        char **a = otelc_calloc(s->value.len ? s->value.len : 1, sizeof *a);
        d->value.u.sa = (const char *const *)a;
        if (!a) { d->value.len = 0; return false; }
        for (uint32_t j = 0; j < s->value.len; j++)
            if (!(a[j] = otelc_strdup(s->value.u.sa[j] ? s->value.u.sa[j] : ""))) { d->value.len = j; return false; }
        return true;
    }
    case OTELC_VALUE_BOOL_ARRAY:
    case OTELC_VALUE_INT_ARRAY:
    case OTELC_VALUE_DOUBLE_ARRAY: {
        size_t el = s->value.type == OTELC_VALUE_BOOL_ARRAY ? sizeof(bool) : 8;
        void *a = otelc_malloc(s->value.len ? s->value.len * el : 1);
        if (!a) return false;
        if (s->value.len) memcpy(a, s->value.u.ia, s->value.len * el);
        d->value.u.ia = a;
        return true;
    }
    default:
        d->value.u = s->value.u;
        return true;
    }
}

/* Appends or replaces (same key) into r; r->attrs has room for `cap`. */
static bool put(otelc_resource *r, size_t cap, const otelc_attr *a) {
    if (!a->key || !*a->key || a->value.type == OTELC_VALUE_NONE) return true;
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->attrs[i].key, a->key) == 0) {
            otelc_attr n;
            if (!copy_attr(&n, a)) { free_attr(&n); return false; }
            free_attr(&r->attrs[i]);
            r->attrs[i] = n;
            return true;
        }
    }
    if (r->count == cap) return false;
    if (!copy_attr(&r->attrs[r->count], a)) { free_attr(&r->attrs[r->count]); return false; }
    r->count++;
    return true;
}

otelc_resource *otelc_resource_create(const otelc_attr *attrs, size_t count, const char *schema_url) {
    otelc_resource *r = otelc_calloc(1, sizeof *r);
    if (!r) return NULL;
    r->attrs = otelc_calloc(count ? count : 1, sizeof *r->attrs);
    r->schema_url = otelc_strdup(schema_url ? schema_url : "");
    if (!r->attrs || !r->schema_url) { otelc_resource_destroy(r); return NULL; }
    for (size_t i = 0; attrs && i < count; i++)
        if (!put(r, count, &attrs[i])) { otelc_resource_destroy(r); return NULL; }
    return r;
}

otelc_resource *otelc_resource_merge(const otelc_resource *base, const otelc_resource *extra) {
    size_t cap = (base ? base->count : 0) + (extra ? extra->count : 0);
    otelc_resource *r = otelc_resource_create(NULL, 0, NULL);
    if (!r) return NULL;
    otelc_free(r->attrs);
    r->attrs = otelc_calloc(cap ? cap : 1, sizeof *r->attrs);
    /* The spec: the updating resource's schema URL wins when set, else the base's. */
    const char *schema = extra && extra->schema_url[0] ? extra->schema_url : base ? base->schema_url : "";
    otelc_free(r->schema_url);
    r->schema_url = otelc_strdup(schema);
    if (!r->attrs || !r->schema_url) { otelc_resource_destroy(r); return NULL; }
    for (size_t i = 0; base && i < base->count; i++)
        if (!put(r, cap, &base->attrs[i])) { otelc_resource_destroy(r); return NULL; }
    for (size_t i = 0; extra && i < extra->count; i++)
        if (!put(r, cap, &extra->attrs[i])) { otelc_resource_destroy(r); return NULL; }
    return r;
}

const otelc_attr *otelc_resource_attributes(const otelc_resource *r, size_t *count) {
    if (count) *count = r ? r->count : 0;
    return r ? r->attrs : NULL;
}

const char *otelc_resource_schema_url(const otelc_resource *r) { return r ? r->schema_url : ""; }

const char *otelc_resource_get_str(const otelc_resource *r, const char *key) {
    const otelc_attr *a = r ? otelc_attrs_find(r->attrs, r->count, key) : NULL;
    return a && a->value.type == OTELC_VALUE_STRING ? a->value.u.s : NULL;
}

/* ---- OTEL_RESOURCE_ATTRIBUTES ---- */

/* Percent-decodes [s, s+n) into out (size n+1). Returns false on a malformed escape. */
static bool pct_decode(const char *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            uint8_t b;
            if (n - i < 3 || !otelc_hex_decode(s + i + 1, 1, &b, true)) return false;
            out[o++] = (char)b;
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return true;
}

static void trim(const char **s, size_t *n) {
    while (*n && isspace((unsigned char)**s)) { (*s)++; (*n)--; }
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* Parses "k1=v1,k2=v2" into r (room for cap). A malformed entry is skipped with one diagnostic. */
static void parse_env_attributes(otelc_resource *r, size_t cap, const char *text) {
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        const char *k = p, *v = eq ? eq + 1 : NULL;
        size_t kn = eq ? (size_t)(eq - p) : n, vn = eq ? n - kn - 1 : 0;
        trim(&k, &kn);
        if (v) trim(&v, &vn);
        if (n == 0 || (kn == 0 && !eq)) {
            /* empty member: tolerated */
        } else if (!eq || kn == 0) {
            otelc_log(OTELC_LOG_WARN, "OTEL_RESOURCE_ATTRIBUTES: entry \"%.*s\" is not key=value; skipped", (int)n, p);
        } else {
            char *kd = otelc_malloc(kn + 1), *vd = otelc_malloc(vn + 1);
            if (kd && vd && pct_decode(k, kn, kd) && pct_decode(v, vn, vd) && *kd) {
                otelc_attr a = otelc_attr_str(kd, vd);
                put(r, cap, &a);
            } else if (kd && vd) {
                otelc_log(OTELC_LOG_WARN, "OTEL_RESOURCE_ATTRIBUTES: entry \"%.*s\" has a bad percent-encoding; skipped",
                          (int)n, p);
            }
            otelc_free(kd);
            otelc_free(vd);
        }
        if (!end) break;
        p = end + 1;
    }
}

/* ---- detection ---- */

static char *read_file(const char *path, size_t max, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = otelc_malloc(max + 1);
    if (!buf) { fclose(f); return NULL; }
    size_t n = fread(buf, 1, max, f);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

static const char *arch_name(const char *machine) {
    if (!strcmp(machine, "x86_64")) return "amd64";
    if (!strcmp(machine, "aarch64")) return "arm64";
    if (!strcmp(machine, "i686") || !strcmp(machine, "i386")) return "x86";
    if (!strncmp(machine, "arm", 3)) return "arm32";
    if (!strcmp(machine, "ppc64le") || !strcmp(machine, "ppc64")) return "ppc64";
    if (!strcmp(machine, "s390x")) return "s390x";
    return machine;
}

otelc_resource *otelc_resource_default(void) {
    enum { CAP = 64 };
    otelc_resource *r = otelc_resource_create(NULL, 0, NULL);
    if (!r) return NULL;
    otelc_free(r->attrs);
    r->attrs = otelc_calloc(CAP, sizeof *r->attrs);
    if (!r->attrs) { otelc_resource_destroy(r); return NULL; }

    char exe_path[4096] = "";
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    if (n > 0) exe_path[n] = '\0';
    const char *exe_name = strrchr(exe_path, '/') ? strrchr(exe_path, '/') + 1 : exe_path;

    char service[4200];
    snprintf(service, sizeof service, "unknown_service:%s", exe_name[0] ? exe_name : "c");
    otelc_attr a;
    a = otelc_attr_str("service.name", service); put(r, CAP, &a);
    a = otelc_attr_str("telemetry.sdk.name", "otelc"); put(r, CAP, &a);
    a = otelc_attr_str("telemetry.sdk.language", "c"); put(r, CAP, &a);
    a = otelc_attr_str("telemetry.sdk.version", OTELC_VERSION_STRING); put(r, CAP, &a);
    a = otelc_attr_int("process.pid", (int64_t)getpid()); put(r, CAP, &a);
    if (exe_name[0]) { a = otelc_attr_str("process.executable.name", exe_name); put(r, CAP, &a); }
    if (exe_path[0]) { a = otelc_attr_str("process.executable.path", exe_path); put(r, CAP, &a); }
    size_t cl = 0;
    char *cmd = read_file("/proc/self/cmdline", 4096, &cl);
    if (cmd && cl) {
        for (size_t i = 0; i + 1 < cl; i++) if (cmd[i] == '\0') cmd[i] = ' ';
        a = otelc_attr_str("process.command_line", cmd); put(r, CAP, &a);
    }
    otelc_free(cmd);
    a = otelc_attr_str("process.runtime.name", "c"); put(r, CAP, &a);
#if defined(__clang__)
    a = otelc_attr_str("process.runtime.description", "clang " __clang_version__); put(r, CAP, &a);
#elif defined(__GNUC__)
    a = otelc_attr_str("process.runtime.description", "gcc " __VERSION__); put(r, CAP, &a);
#endif
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) == 0 && host[0]) { a = otelc_attr_str("host.name", host); put(r, CAP, &a); }
    struct utsname u;
    if (uname(&u) == 0) {
        a = otelc_attr_str("host.arch", arch_name(u.machine)); put(r, CAP, &a);
        char desc[600];
        snprintf(desc, sizeof desc, "%s %s", u.sysname, u.release);
        a = otelc_attr_str("os.description", desc); put(r, CAP, &a);
        char lower[65];
        size_t i = 0;
        for (; u.sysname[i] && i < sizeof lower - 1; i++) lower[i] = (char)tolower((unsigned char)u.sysname[i]);
        lower[i] = '\0';
        a = otelc_attr_str("os.type", lower); put(r, CAP, &a);
        a = otelc_attr_str("os.version", u.release); put(r, CAP, &a);
    }

    const char *env_attrs = otelc__env("OTEL_RESOURCE_ATTRIBUTES");
    if (env_attrs) parse_env_attributes(r, CAP, env_attrs);
    char svc_buf[512];
    const char *svc = otelc__env_word("OTEL_SERVICE_NAME", svc_buf, sizeof svc_buf);
    if (svc) { a = otelc_attr_str("service.name", svc); put(r, CAP, &a); }
    return r;
}
