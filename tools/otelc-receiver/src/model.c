/* Arena for decoded requests: one chunk list per request, so a malformed or hostile request can never
 * leak or exceed its budget, and freeing is one walk. */
#include <stdlib.h>
#include <string.h>

#include "model.h"

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
} chunk;

struct rcv_arena {
    chunk *head;
    size_t total, limit;
};

rcv_request *rcv_request_new(size_t limit) {
    rcv_request *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->arena = calloc(1, sizeof *r->arena);
    if (!r->arena) {
        free(r);
        return NULL;
    }
    r->arena->limit = limit;
    return r;
}

void rcv_request_free(rcv_request *r) {
    if (!r) return;
    for (chunk *c = r->arena->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(r->arena);
    free(r);
}

void *rcv_alloc(rcv_request *r, size_t size) {
    rcv_arena *a = r->arena;
    size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    if (size > a->limit) return NULL;
    chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > 65536 ? size : 65536;
        if (a->total + cap > a->limit) return NULL;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        a->total += cap;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *rcv_strdup_n(rcv_request *r, const char *s, size_t n) {
    char *p = rcv_alloc(r, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = 0;
    return p;
}

const rcv_kv *rcv_attrs_find(const rcv_attrs *a, const char *key) {
    for (const rcv_kv *kv = a->head; kv; kv = kv->next)
        if (!strcmp(kv->key, key)) return kv;
    return NULL;
}

const char *rcv_resource_service(const rcv_resource *res) {
    const rcv_kv *kv = res ? rcv_attrs_find(&res->attrs, "service.name") : NULL;
    return kv && kv->value.type == RCV_STRING ? kv->value.s : "(unknown service)";
}
