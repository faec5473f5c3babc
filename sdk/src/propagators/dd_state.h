/* The Datadog view of a trace that does not fit in a span context: sampling priority, origin and
 * `_dd.p.*` propagation tags. It travels inside the span context's trace state as the `dd=` member
 * (`s:<priority>;o:<origin>;p:<parent hex>;t.<tag>:<value>`), so the W3C and the Datadog
 * propagators read and write one shared record and the two views of a trace agree. */
#ifndef OTELC_DD_STATE_H
#define OTELC_DD_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "otelc/span_context.h"
#include "otelc/trace_state.h"

#define OTELC__DD_MAX_TAGS 16
#define OTELC__DD_MAX_KEY 64    /* tag name without the "_dd.p." prefix */
#define OTELC__DD_MAX_VALUE 128 /* tag values and origin */
/* Datadog tracers refuse x-datadog-tags longer than this (DD_TRACE_X_DATADOG_TAGS_MAX_LENGTH). */
#define OTELC__DD_TAGS_MAX_HEADER 512

typedef struct otelc__dd_tag {
    char key[OTELC__DD_MAX_KEY + 1]; /* e.g. "dm" for _dd.p.dm */
    char value[OTELC__DD_MAX_VALUE + 1];
} otelc__dd_tag;

typedef struct otelc__dd_info {
    bool has_priority;
    int priority;
    bool has_origin;
    char origin[OTELC__DD_MAX_VALUE + 1];
    char parent[17]; /* "p:" last Datadog parent id in hex, "" when absent */
    size_t tag_count;
    otelc__dd_tag tags[OTELC__DD_MAX_TAGS];
} otelc__dd_info;

/* Fills info from the `dd` member of ts (zeroed when there is none). */
void otelc__dd_info_from_trace_state(const otelc_trace_state *ts, otelc__dd_info *info);
/* Adds or replaces a tag (key without the "_dd.p." prefix); false when full or too long. */
bool otelc__dd_info_add_tag(otelc__dd_info *info, const char *key, size_t kn, const char *value, size_t vn);
/* The priority to send for these flags: the recorded one when it agrees with the sampled flag,
 * otherwise 1 (sampled) or 0 (dropped) so that priority and flag never contradict. */
int otelc__dd_priority_for(const otelc__dd_info *info, uint8_t trace_flags);
/* New trace state = ts with the `dd` member rebuilt from info, first in the list (the W3C rule for a
 * vendor updating its member). Returns NULL on OOM; a member over 256 bytes loses trailing fields. */
otelc_trace_state *otelc__dd_info_to_trace_state(const otelc_trace_state *ts, const otelc__dd_info *info);

#endif
