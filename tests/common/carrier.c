/* Test carrier; see carrier.h. The getter returns a heap copy of exactly len bytes without a NUL
 * so that an extractor reading one byte too far trips AddressSanitizer. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "carrier.h"

void carrier_init(carrier *c) { memset(c, 0, sizeof *c); }

void carrier_free(carrier *c) {
    for (size_t i = 0; i < c->count; i++) {
        free(c->keys[i]);
        free(c->values[i]);
    }
    while (c->handed) {
        struct handed *h = c->handed;
        c->handed = h->next;
        free(h);
    }
    memset(c, 0, sizeof *c);
}

void carrier_add(carrier *c, const char *key, const char *value) {
    if (c->count == CARRIER_MAX) abort();
    c->keys[c->count] = strdup(key);
    c->values[c->count] = strdup(value);
    c->count++;
}

static const char *lookup(carrier *c, const char *key, size_t *len) {
    size_t total = 0, hits = 0;
    for (size_t i = 0; i < c->count; i++)
        if (!strcasecmp(c->keys[i], key)) {
            total += strlen(c->values[i]) + (hits ? 1 : 0);
            hits++;
        }
    if (!hits) return NULL;
    struct handed *h = malloc(sizeof *h + (total ? total : 1));
    h->next = c->handed;
    c->handed = h;
    char *out = h->text;
    size_t pos = 0;
    hits = 0;
    for (size_t i = 0; i < c->count; i++)
        if (!strcasecmp(c->keys[i], key)) {
            if (hits++) out[pos++] = ',';
            size_t n = strlen(c->values[i]);
            memcpy(out + pos, c->values[i], n);
            pos += n;
        }
    *len = total;
    return out;
}

const char *carrier_value(carrier *c, const char *key) {
    size_t len;
    const char *v = lookup(c, key, &len);
    if (!v) return NULL;
    /* Hand the caller a NUL-terminated copy for string comparisons. */
    struct handed *h = malloc(sizeof *h + len + 1);
    memcpy(h->text, v, len);
    h->text[len] = '\0';
    h->next = c->handed;
    c->handed = h;
    return h->text;
}

static const char *get_cb(void *carrier_ptr, const char *key, size_t *len) { return lookup(carrier_ptr, key, len); }

static void set_cb(void *carrier_ptr, const char *key, const char *value) {
    carrier *c = carrier_ptr;
    for (size_t i = 0; i < c->count; i++)
        if (!strcasecmp(c->keys[i], key)) {
            free(c->values[i]);
            c->values[i] = strdup(value);
            return;
        }
    carrier_add(c, key, value);
}

otelc_carrier_getter carrier_getter(carrier *c) { return (otelc_carrier_getter){get_cb, c}; }
otelc_carrier_setter carrier_setter(carrier *c) { return (otelc_carrier_setter){set_cb, c}; }
