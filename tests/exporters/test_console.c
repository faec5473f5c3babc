/* Console exporter: the exact line format (docs/console-format.md) for a span built by hand, escaping
 * that keeps any span on one line, the size contract of otelc_console_format_span, and export to a FILE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "otelc/exporters/console.h"

static otelc_span_data sample_span(otelc_attr *attrs, otelc_event_data *ev, otelc_link_data *link,
                                   otelc_instrumentation_scope *scope) {
    otelc_span_data d;
    memset(&d, 0, sizeof d);
    for (int i = 0; i < 16; i++) d.context.trace_id[i] = (uint8_t)(0x10 + i);
    for (int i = 0; i < 8; i++) d.context.span_id[i] = (uint8_t)(0xa0 + i);
    d.context.trace_flags = 1;
    for (int i = 0; i < 8; i++) d.parent_span_id[i] = (uint8_t)(1 + i);
    d.has_parent = true;
    d.kind = OTELC_SPAN_KIND_SERVER;
    d.status_code = OTELC_STATUS_ERROR;
    d.status_description = "bad \"input\"";
    d.name = "GET /orders";
    d.start_time_unix_nano = 1700000000000000000ull;
    d.end_time_unix_nano = 1700000000001500000ull; /* 1500 us */
    d.attributes = attrs;
    d.attribute_count = 3;
    d.dropped_attributes_count = 2;
    d.events = ev;
    d.event_count = 1;
    d.links = link;
    d.link_count = 1;
    d.scope = scope;
    return d;
}

static void test_exact_line(void **state) {
    (void)state;
    static const int64_t ints[] = {1, -2};
    otelc_attr attrs[3] = {
        otelc_attr_str("http.method", "GET"),
        otelc_attr_double("ratio", 9.99),
        otelc_attr_make("ids", otelc_value_int_array(ints, 2)),
    };
    otelc_attr ev_attrs[1] = {otelc_attr_bool("retry", true)};
    otelc_event_data ev = {"cache.miss", 1700000000000250000ull, ev_attrs, 1, 0};
    otelc_link_data link;
    memset(&link, 0, sizeof link);
    link.context.trace_id[15] = 0xff;
    link.context.span_id[7] = 0xee;
    otelc_instrumentation_scope scope = {"shop.http", "1.0", "", NULL, 0};
    otelc_span_data d = sample_span(attrs, &ev, &link, &scope);
    char buf[1024];
    int n = otelc_console_format_span(&d, buf, sizeof buf);
    const char *want =
        "span 101112131415161718191a1b1c1d1e1f a0a1a2a3a4a5a6a7 parent=0102030405060708 kind=server "
        "name=\"GET /orders\" start=1700000000000000000 duration_us=1500 status=ERROR:\"bad \\\"input\\\"\" "
        "attrs={http.method=\"GET\", ratio=9.99, ids=[1,-2], +2 dropped} "
        "events=[cache.miss@+250us{retry=true}] "
        "links=[000000000000000000000000000000ff:00000000000000ee{}] scope=shop.http";
    assert_string_equal(buf, want);
    assert_int_equal(n, (int)strlen(want));
}

static void test_escaping_keeps_one_line(void **state) {
    (void)state;
    otelc_attr attrs[3] = {
        otelc_attr_str("key\nwith newline", "value\twith\ttabs"),
        otelc_attr_str("ctl", "\x01\x7f"),
        otelc_attr_str("utf8", "caf\xc3\xa9"),
    };
    otelc_event_data ev = {"ev\"ent\n", 1700000000000000000ull, NULL, 0, 0};
    otelc_link_data link;
    memset(&link, 0, sizeof link);
    otelc_instrumentation_scope scope = {"sco\npe", "", "", NULL, 0};
    otelc_span_data d = sample_span(attrs, &ev, &link, &scope);
    d.name = "multi\nline \\ name";
    char buf[2048];
    otelc_console_format_span(&d, buf, sizeof buf);
    assert_null(strchr(buf, '\n'));
    assert_non_null(strstr(buf, "name=\"multi\\nline \\\\ name\""));
    assert_non_null(strstr(buf, "key\\nwith newline=\"value\\twith\\ttabs\""));
    assert_non_null(strstr(buf, "ctl=\"\\x01\\x7f\""));
    assert_non_null(strstr(buf, "utf8=\"caf\xc3\xa9\""));
    assert_non_null(strstr(buf, "events=[ev\\\"ent\\n@+0us{}]"));
    assert_non_null(strstr(buf, "scope=sco\\npe"));
}

static void test_size_contract(void **state) {
    (void)state;
    otelc_span_data d = sample_span(NULL, NULL, NULL, NULL);
    d.attribute_count = d.event_count = d.link_count = 0;
    d.dropped_attributes_count = 0;
    char full[512];
    int need = otelc_console_format_span(&d, full, sizeof full);
    assert_true(need > 0 && (size_t)need < sizeof full);
    char small[16];
    int again = otelc_console_format_span(&d, small, sizeof small);
    assert_int_equal(again, need);             /* returns the full length, like snprintf */
    assert_int_equal(strlen(small), sizeof small - 1); /* truncated and terminated */
    assert_memory_equal(small, full, sizeof small - 1);
    assert_int_equal(otelc_console_format_span(&d, NULL, 0), need);
}

static void test_export_writes_lines(void **state) {
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    otelc_exporter *e = otelc_console_exporter_create(f);
    assert_non_null(e);
    otelc_span_data a = sample_span(NULL, NULL, NULL, NULL), b = a;
    a.attribute_count = a.event_count = a.link_count = 0;
    b = a;
    b.name = "second";
    const otelc_span_data *spans[2] = {&a, &b};
    assert_int_equal(otelc_exporter_export(e, spans, 2), OTELC_EXPORT_SUCCESS);
    assert_int_equal(otelc_exporter_force_flush(e, 100), OTELC_OK);
    rewind(f);
    char line[1024];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(strncmp(line, "span ", 5), 0);
        lines++;
    }
    assert_int_equal(lines, 2);
    otelc_exporter_shutdown(e, 100);
    otelc_exporter_destroy(e);
    fclose(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_line),
        cmocka_unit_test(test_escaping_keeps_one_line),
        cmocka_unit_test(test_size_contract),
        cmocka_unit_test(test_export_writes_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
