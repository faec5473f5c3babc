/* See fixture.h. Three spans: a full one and a child under scope A, one more under scope B. */
#include <string.h>

#include "fixture.h"
#include "otelc/trace_state.h"

static const char *const str_arr[] = {"x", "", "zz"};
static const bool bool_arr[] = {true, false};
static const int64_t int_arr[] = {-1, 0, 9007199254740993LL};
static const double dbl_arr[] = {0.5, -2.25};

void fixture_init(fixture *f) {
    memset(f, 0, sizeof *f);
    otelc_attr ra[] = {otelc_attr_str("service.name", "fixture-svc"), otelc_attr_int("pid", 42)};
    f->resource = otelc_resource_create(ra, 2, "https://opentelemetry.io/schemas/1.24.0");
    f->ts = otelc_trace_state_parse("vendor=a1,other=b2", strlen("vendor=a1,other=b2"));
    f->link_ts = otelc_trace_state_parse("lk=v", 4);

    f->scope_attrs[0] = otelc_attr_str("scope.attr", "s");
    f->scope_a = (otelc_instrumentation_scope){"lib.a", "1.2.3", "https://example.com/schema", f->scope_attrs, 1};
    f->scope_b = (otelc_instrumentation_scope){"lib.b", "", "", NULL, 0};

    f->attrs[0] = otelc_attr_str("http.method", "GET");
    f->attrs[1] = otelc_attr_bool("ok", true);
    f->attrs[2] = otelc_attr_int("neg", -7);
    f->attrs[3] = otelc_attr_double("ratio", 0.125);
    f->attrs[4] = otelc_attr_make("strs", otelc_value_str_array(str_arr, 3));
    f->attrs[5] = otelc_attr_make("bools", otelc_value_bool_array(bool_arr, 2));
    f->attrs[6] = otelc_attr_make("ints", otelc_value_int_array(int_arr, 3));
    f->attrs[7] = otelc_attr_make("dbls", otelc_value_double_array(dbl_arr, 2));

    f->event_attrs[0] = otelc_attr_str("exception.message", "boom \"quoted\"\n");
    f->events[0] = (otelc_event_data){"exception", 1700000000000000500ull, f->event_attrs, 1, 2};
    f->events[1] = (otelc_event_data){"plain", 1700000000000000600ull, NULL, 0, 0};

    f->link_attrs[0] = otelc_attr_int("link.n", 3);
    memset(&f->links[0], 0, sizeof f->links[0]);
    for (int i = 0; i < 16; i++) f->links[0].context.trace_id[i] = (uint8_t)(0xa0 + i);
    for (int i = 0; i < 8; i++) f->links[0].context.span_id[i] = (uint8_t)(0xb0 + i);
    f->links[0].context.trace_flags = 1;
    f->links[0].context.is_remote = true;
    f->links[0].context.trace_state = f->link_ts;
    f->links[0].attributes = f->link_attrs;
    f->links[0].attribute_count = 1;
    f->links[0].dropped_attributes_count = 4;

    otelc_span_data *s = &f->spans[0];
    for (int i = 0; i < 16; i++) s->context.trace_id[i] = (uint8_t)(i + 1);
    for (int i = 0; i < 8; i++) s->context.span_id[i] = (uint8_t)(0x11 + i);
    s->context.trace_flags = 1;
    s->context.trace_state = f->ts;
    for (int i = 0; i < 8; i++) s->parent_span_id[i] = (uint8_t)(0x21 + i);
    s->has_parent = true;
    s->parent_is_remote = true;
    s->kind = OTELC_SPAN_KIND_CLIENT;
    s->status_code = OTELC_STATUS_ERROR;
    s->status_description = "it failed";
    s->name = "GET /orders";
    s->start_time_unix_nano = 1700000000000000000ull;
    s->end_time_unix_nano = 1700000000012345678ull;
    s->attributes = f->attrs;
    s->attribute_count = 8;
    s->dropped_attributes_count = 5;
    s->events = f->events;
    s->event_count = 2;
    s->dropped_events_count = 6;
    s->links = f->links;
    s->link_count = 1;
    s->dropped_links_count = 7;
    s->resource = f->resource;
    s->scope = &f->scope_a;

    /* Child of span 0, same scope; minimal fields. */
    otelc_span_data *c = &f->spans[1];
    memcpy(c->context.trace_id, s->context.trace_id, 16);
    for (int i = 0; i < 8; i++) c->context.span_id[i] = (uint8_t)(0x31 + i);
    c->context.trace_flags = 1;
    memcpy(c->parent_span_id, s->context.span_id, 8);
    c->has_parent = true;
    c->kind = OTELC_SPAN_KIND_INTERNAL;
    c->status_description = "";
    c->name = "child";
    c->start_time_unix_nano = s->start_time_unix_nano + 1000;
    c->end_time_unix_nano = s->start_time_unix_nano + 2000;
    c->resource = f->resource;
    c->scope = &f->scope_a;

    /* Root span under scope B, placed between the two A spans to exercise grouping. */
    otelc_span_data *b = &f->spans[2];
    for (int i = 0; i < 16; i++) b->context.trace_id[i] = (uint8_t)(0xc0 + i);
    for (int i = 0; i < 8; i++) b->context.span_id[i] = (uint8_t)(0xd0 + i);
    b->context.trace_flags = 1;
    b->kind = OTELC_SPAN_KIND_SERVER;
    b->status_code = OTELC_STATUS_OK;
    b->status_description = "";
    b->name = "other";
    b->start_time_unix_nano = 5;
    b->end_time_unix_nano = 9;
    b->resource = f->resource;
    b->scope = &f->scope_b;

    f->ptrs[0] = &f->spans[0];
    f->ptrs[1] = &f->spans[2];
    f->ptrs[2] = &f->spans[1];
}

void fixture_free(fixture *f) {
    otelc_resource_destroy(f->resource);
    otelc_trace_state_release(f->ts);
    otelc_trace_state_release(f->link_ts);
}
