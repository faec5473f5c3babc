/* Console exporter: one line per span in a stable, greppable format (docs/console-format.md):
 *
 *   span <trace_id> <span_id> parent=<span_id|-> kind=<kind> name="<name>" start=<unix_ns>
 *        duration_us=<n> status=<UNSET|OK|ERROR>[:"<description>"] attrs={k=v, ...}
 *        events=[<name>@+<us>us{k=v}, ...] links=[<trace_id>:<span_id>{k=v}, ...] scope=<name>
 *
 * (on one line). Strings are double-quoted with \" \\ \n \t and control bytes escaped, so one span is always
 * one line whatever its content. */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otelc/exporters/console.h"
#include "otelc/log.h"
#include "otelc/sdk/fork.h"

typedef struct out {
    char *buf;
    size_t size, len; /* len counts every byte the full line needs, even past size */
} out;

static void put(out *o, const char *s, size_t n) {
    if (o->len < o->size) {
        size_t room = o->size - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void putf(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(out *o, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Escapes \" \\ \n \t and other control bytes, so that nothing a span carries can break its line.
 * Bytes from 0x80 up pass through: UTF-8 text stays readable. */
static void put_escaped(out *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') { put(o, "\\", 1); put(o, (const char *)&s[i], 1); }
        else if (c == '\n') put(o, "\\n", 2);
        else if (c == '\t') put(o, "\\t", 2);
        else if (c < 0x20 || c == 0x7f) putf(o, "\\x%02x", c);
        else put(o, (const char *)&s[i], 1);
    }
}

static void put_quoted(out *o, const char *s, size_t n) {
    put(o, "\"", 1);
    put_escaped(o, s, n);
    put(o, "\"", 1);
}

/* Shortest of %.15g / %.17g that reads back as the same double, so 9.99 prints as 9.99. */
static void put_double(out *o, double d) {
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.15g", d);
    if (strtod(tmp, NULL) != d) snprintf(tmp, sizeof tmp, "%.17g", d);
    put(o, tmp, strlen(tmp));
}

static void put_value(out *o, const otelc_value *v) {
    switch (v->type) {
    case OTELC_VALUE_STRING: put_quoted(o, v->u.s, v->len); break;
    case OTELC_VALUE_BOOL: put(o, v->u.b ? "true" : "false", v->u.b ? 4 : 5); break;
    case OTELC_VALUE_INT: putf(o, "%" PRId64, v->u.i); break;
    case OTELC_VALUE_DOUBLE: put_double(o, v->u.d); break;
    default: {
        put(o, "[", 1);
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) put(o, ",", 1);
            if (v->type == OTELC_VALUE_STRING_ARRAY) put_quoted(o, v->u.sa[i], strlen(v->u.sa[i]));
            else if (v->type == OTELC_VALUE_BOOL_ARRAY) put(o, v->u.ba[i] ? "true" : "false", v->u.ba[i] ? 4 : 5);
            else if (v->type == OTELC_VALUE_INT_ARRAY) putf(o, "%" PRId64, v->u.ia[i]);
            else if (v->type == OTELC_VALUE_DOUBLE_ARRAY) put_double(o, v->u.da[i]);
        }
        put(o, "]", 1);
    }
    }
}

static void put_attrs(out *o, const otelc_attr *a, uint32_t n, uint32_t dropped) {
    put(o, "{", 1);
    for (uint32_t i = 0; i < n; i++) {
        if (i) put(o, ", ", 2);
        put_escaped(o, a[i].key, strlen(a[i].key));
        put(o, "=", 1);
        put_value(o, &a[i].value);
    }
    if (dropped) putf(o, "%s+%u dropped", n ? ", " : "", dropped);
    put(o, "}", 1);
}

static const char *kind_name(otelc_span_kind k) {
    switch (k) {
    case OTELC_SPAN_KIND_SERVER: return "server";
    case OTELC_SPAN_KIND_CLIENT: return "client";
    case OTELC_SPAN_KIND_PRODUCER: return "producer";
    case OTELC_SPAN_KIND_CONSUMER: return "consumer";
    default: return "internal";
    }
}

int otelc_console_format_span(const otelc_span_data *s, char *buf, size_t size) {
    out o = {buf, buf ? size : 0, 0};
    char tid[33], sid[17], pid[17];
    otelc_hex_encode(s->context.trace_id, 16, tid);
    otelc_hex_encode(s->context.span_id, 8, sid);
    otelc_hex_encode(s->parent_span_id, 8, pid);
    putf(&o, "span %s %s parent=%s kind=%s name=", tid, sid, s->has_parent ? pid : "-", kind_name(s->kind));
    put_quoted(&o, s->name, strlen(s->name));
    uint64_t dur = s->end_time_unix_nano >= s->start_time_unix_nano ? s->end_time_unix_nano - s->start_time_unix_nano : 0;
    putf(&o, " start=%" PRIu64 " duration_us=%" PRIu64 " status=", s->start_time_unix_nano, dur / 1000);
    put(&o, s->status_code == OTELC_STATUS_OK ? "OK" : s->status_code == OTELC_STATUS_ERROR ? "ERROR" : "UNSET",
        s->status_code == OTELC_STATUS_OK ? 2 : s->status_code == OTELC_STATUS_ERROR ? 5 : 5);
    if (s->status_code == OTELC_STATUS_ERROR && s->status_description && *s->status_description) {
        put(&o, ":", 1);
        put_quoted(&o, s->status_description, strlen(s->status_description));
    }
    put(&o, " attrs=", 7);
    put_attrs(&o, s->attributes, s->attribute_count, s->dropped_attributes_count);
    put(&o, " events=[", 9);
    for (uint32_t i = 0; i < s->event_count; i++) {
        const otelc_event_data *e = &s->events[i];
        if (i) put(&o, ", ", 2);
        put_escaped(&o, e->name, strlen(e->name));
        int64_t off = (int64_t)(e->time_unix_nano - s->start_time_unix_nano) / 1000;
        putf(&o, "@%+" PRId64 "us", off);
        put_attrs(&o, e->attributes, e->attribute_count, e->dropped_attributes_count);
    }
    if (s->dropped_events_count) putf(&o, "%s+%u dropped", s->event_count ? ", " : "", s->dropped_events_count);
    put(&o, "] links=[", 9);
    for (uint32_t i = 0; i < s->link_count; i++) {
        const otelc_link_data *l = &s->links[i];
        char lt[33], ls[17];
        otelc_hex_encode(l->context.trace_id, 16, lt);
        otelc_hex_encode(l->context.span_id, 8, ls);
        putf(&o, "%s%s:%s", i ? ", " : "", lt, ls);
        put_attrs(&o, l->attributes, l->attribute_count, l->dropped_attributes_count);
    }
    if (s->dropped_links_count) putf(&o, "%s+%u dropped", s->link_count ? ", " : "", s->dropped_links_count);
    put(&o, "] scope=", 8);
    const char *scope = s->scope && s->scope->name ? s->scope->name : "";
    put_escaped(&o, scope, strlen(scope));
    if (buf && size) buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

typedef struct console {
    FILE *out;
    pthread_mutex_t lock;
    char *line;
    size_t cap;
    otelc_fork_hook *fork_hook;
} console;

/* In a fork child: a parent thread may have held the lock in the middle of an export (a write to a
 * slow pipe, say); the child's exports would wait on it for ever. (glibc resets the FILE's own lock.)
 * Then the line buffer may be mid-realloc too: start a new one (the old one is left to the parent). */
static void console_after_fork(void *self) {
    console *c = self;
    if (!otelc_fork_reset_mutex(&c->lock)) return;
    c->line = NULL;
    c->cap = 0;
}

static otelc_export_result console_export(void *self, const otelc_span_data *const *spans, size_t n) {
    console *c = self;
    otelc_export_result r = OTELC_EXPORT_SUCCESS;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < n; i++) {
        int need = otelc_console_format_span(spans[i], c->line, c->cap);
        if ((size_t)need >= c->cap) {
            char *bigger = otelc_realloc(c->line, (size_t)need + 1);
            if (!bigger) { r = OTELC_EXPORT_FAILURE; continue; }
            c->line = bigger;
            c->cap = (size_t)need + 1;
            otelc_console_format_span(spans[i], c->line, c->cap);
        }
        if (fprintf(c->out, "%s\n", c->line) < 0) r = OTELC_EXPORT_FAILURE;
    }
    fflush(c->out);
    pthread_mutex_unlock(&c->lock);
    return r;
}

static otelc_status console_flush(void *self, uint32_t timeout_ms) {
    (void)timeout_ms;
    console *c = self;
    pthread_mutex_lock(&c->lock);
    int rc = fflush(c->out);
    pthread_mutex_unlock(&c->lock);
    return rc == 0 ? OTELC_OK : OTELC_ERR_IO;
}

static void console_destroy(void *self) {
    console *c = self;
    otelc_fork_hook_remove(c->fork_hook);
    pthread_mutex_destroy(&c->lock);
    otelc_free(c->line);
    otelc_free(c);
}

static const otelc_exporter_ops console_ops = {.name = "console", .export_spans = console_export, .force_flush = console_flush, .destroy = console_destroy};

otelc_exporter *otelc_console_exporter_create(FILE *f) {
    console *c = otelc_calloc(1, sizeof *c);
    if (!c) return NULL;
    c->out = f ? f : stdout;
    c->cap = 1024;
    c->line = otelc_malloc(c->cap);
    if (!c->line) { otelc_free(c); return NULL; }
    pthread_mutex_init(&c->lock, NULL);
    c->fork_hook = otelc_fork_hook_add(console_after_fork, c);
    return otelc_exporter_create(&console_ops, c);
}
