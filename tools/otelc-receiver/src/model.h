/* The receiver's decoded form of one ExportTraceServiceRequest: resources, scopes and spans as linked
 * lists, all allocated from one arena owned by the request (rcv_request_free releases everything).
 * Strings are NUL-terminated copies (len gives the byte length; they may contain NULs from the wire). */
#ifndef OTELC_RECEIVER_MODEL_H
#define OTELC_RECEIVER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rcv_type {
    RCV_NONE = 0, RCV_STRING, RCV_BOOL, RCV_INT, RCV_DOUBLE, RCV_ARRAY, RCV_KVLIST, RCV_BYTES
} rcv_type;

typedef struct rcv_kv rcv_kv;
typedef struct rcv_attrs {
    rcv_kv *head, *tail;
    uint32_t count;
} rcv_attrs;

typedef struct rcv_value {
    rcv_type type;
    char *s; /* STRING, BYTES */
    uint32_t len;
    bool b;
    int64_t i;
    double d;
    struct rcv_value *items_head, *items_tail; /* ARRAY */
    uint32_t item_count;
    rcv_attrs kvlist; /* KVLIST */
    struct rcv_value *next;
} rcv_value;

struct rcv_kv {
    char *key;
    rcv_value value;
    rcv_kv *next;
};

typedef struct rcv_resource {
    rcv_attrs attrs;
    uint32_t dropped_attributes_count;
    char *schema_url;
    struct rcv_resource *next;
} rcv_resource;

typedef struct rcv_scope {
    char *name, *version, *schema_url;
    rcv_attrs attrs;
    uint32_t dropped_attributes_count;
    rcv_resource *resource;
    struct rcv_scope *next;
} rcv_scope;

typedef struct rcv_event {
    uint64_t time_unix_nano;
    char *name;
    rcv_attrs attrs;
    uint32_t dropped_attributes_count;
    struct rcv_event *next;
} rcv_event;

typedef struct rcv_link {
    uint8_t trace_id[16], span_id[8];
    char *trace_state;
    rcv_attrs attrs;
    uint32_t dropped_attributes_count;
    uint32_t flags;
    struct rcv_link *next;
} rcv_link;

typedef struct rcv_span {
    uint8_t trace_id[16], span_id[8], parent_span_id[8];
    bool has_parent;
    char *trace_state;
    uint32_t flags;
    char *name;
    int kind;
    uint64_t start_time_unix_nano, end_time_unix_nano;
    rcv_attrs attrs;
    uint32_t dropped_attributes_count;
    rcv_event *events_head, *events_tail;
    uint32_t event_count, dropped_events_count;
    rcv_link *links_head, *links_tail;
    uint32_t link_count, dropped_links_count;
    int status_code;
    char *status_message;
    rcv_scope *scope;
    rcv_resource *resource;
    struct rcv_span *next;
} rcv_span;

typedef struct rcv_arena rcv_arena;

typedef struct rcv_request {
    rcv_arena *arena;
    rcv_resource *resources_head, *resources_tail;
    rcv_scope *scopes_head, *scopes_tail;
    rcv_span *spans_head, *spans_tail;
    uint32_t span_count;
} rcv_request;

/* A new empty request whose arena may grow to at most limit bytes; NULL on OOM. */
rcv_request *rcv_request_new(size_t limit);
void rcv_request_free(rcv_request *r);
/* Arena allocation (zeroed); NULL when the limit is reached. */
void *rcv_alloc(rcv_request *r, size_t size);
char *rcv_strdup_n(rcv_request *r, const char *s, size_t n);

/* Decoders: fill r from a body; on failure return false with a one-line reason in err. */
bool rcv_decode_protobuf(rcv_request *r, const uint8_t *data, size_t len, char *err, size_t err_size);
bool rcv_decode_json(rcv_request *r, const char *data, size_t len, char *err, size_t err_size);

/* Lookups for printing and tests. */
const rcv_kv *rcv_attrs_find(const rcv_attrs *a, const char *key);
const char *rcv_resource_service(const rcv_resource *res);

#endif
