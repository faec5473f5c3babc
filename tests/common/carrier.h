/* A test carrier: an ordered list of HTTP-style headers with case-insensitive lookup. Repeated headers
 * are returned joined with "," as an HTTP stack would. Values are copied with exact lengths so the
 * propagators can be checked for reads past the value (ASan catches them: values are not padded). */
#ifndef TEST_CARRIER_H
#define TEST_CARRIER_H

#include <stddef.h>

#include "otelc/propagation.h"

#define CARRIER_MAX 32

struct handed {
    struct handed *next;
    char text[];
};

typedef struct carrier {
    size_t count;
    char *keys[CARRIER_MAX];
    char *values[CARRIER_MAX];
    /* Values handed out by get stay valid until carrier_free (the getter contract: for the whole
     * extract call). */
    struct handed *handed;
} carrier;

void carrier_init(carrier *c);
void carrier_free(carrier *c);
/* Appends a header (keeps earlier ones with the same name). */
void carrier_add(carrier *c, const char *key, const char *value);
/* Value of key (joined when repeated, NUL-terminated), or NULL; valid until carrier_free. */
const char *carrier_value(carrier *c, const char *key);
otelc_carrier_getter carrier_getter(carrier *c);
otelc_carrier_setter carrier_setter(carrier *c);

#endif
