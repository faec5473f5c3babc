/* quickstart: a small order-processing job instrumented with otelc.
 *
 * Configured only from the OpenTelemetry environment variables, e.g.
 *   OTEL_SERVICE_NAME=shop OTEL_TRACES_EXPORTER=console ./quickstart 3
 *   OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 ./quickstart
 * The optional argument is how many orders (top-level operations) to process (default 3, at most 100000).
 *
 * It shows: nested spans through the active-span scope, attributes of every type, an event, a link to
 * the previous order's trace, and an error recorded as an exception with an ERROR status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otelc/otelc.h"
#include "otelc/setup.h"

static otelc_tracer *tracer;

static void sleep_us(long us) {
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

/* A child operation: its parent is whatever span is active on this thread. */
static int check_stock(int order_id) {
    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.kind = OTELC_SPAN_KIND_CLIENT;
    otelc_span *span = otelc_tracer_start_span(tracer, "SELECT inventory", &o);
    otelc_span_set_attr_str(span, "db.system", "postgresql");
    otelc_span_set_attr_str(span, "db.statement", "SELECT qty FROM inventory WHERE sku = $1");
    otelc_span_set_attr_int(span, "db.rows_returned", 1);
    sleep_us(200 + (order_id % 3) * 100);
    otelc_span_end(span, 0);
    return 1;
}

/* Fails for every third order, to show an exception and an ERROR status. */
static int charge_card(int order_id, double amount) {
    otelc_span *span = otelc_tracer_start_span(tracer, "charge_card", NULL);
    otelc_span_set_attr_double(span, "payment.amount", amount);
    otelc_span_set_attr_str(span, "payment.currency", "EUR");
    int ok = order_id % 3 != 2;
    sleep_us(300);
    if (!ok) {
        otelc_attr extra[] = {otelc_attr_int("payment.attempt", 1)};
        otelc_span_record_exception(span, "PaymentDeclined", "card declined by issuer", NULL, extra, 1);
        otelc_span_set_status(span, OTELC_STATUS_ERROR, "card declined");
    } else {
        otelc_span_set_status(span, OTELC_STATUS_OK, NULL);
    }
    otelc_span_end(span, 0);
    return ok;
}

/* A top-level operation: a new trace per order, linked to the previous order's trace. */
static otelc_span_context process_order(int order_id, const otelc_span_context *previous) {
    const char *skus[] = {"sku-1001", "sku-2002"};
    const int64_t quantities[] = {2, 1};
    const double prices[] = {9.99, 24.5};
    const bool gift[] = {false, true};

    otelc_link_options link;
    memset(&link, 0, sizeof link);
    otelc_attr link_attrs[] = {otelc_attr_str("link.reason", "previous order in batch")};
    otelc_attr start_attrs[] = {otelc_attr_int("order.id", order_id), otelc_attr_bool("order.express", order_id % 2 == 0)};
    otelc_span_start_options o;
    otelc_span_start_options_init(&o);
    o.kind = OTELC_SPAN_KIND_SERVER;
    o.root = true;
    o.attributes = start_attrs;
    o.attribute_count = 2;
    if (previous) {
        link.context = *previous;
        link.attributes = link_attrs;
        link.attribute_count = 1;
        o.links = &link;
        o.link_count = 1;
    }
    otelc_span *order = otelc_tracer_start_span(tracer, "process_order", &o);
    otelc_span_set_attribute(order, "order.skus", otelc_value_str_array(skus, 2));
    otelc_span_set_attribute(order, "order.quantities", otelc_value_int_array(quantities, 2));
    otelc_span_set_attribute(order, "order.prices", otelc_value_double_array(prices, 2));
    otelc_span_set_attribute(order, "order.gift_wrap", otelc_value_bool_array(gift, 2));

    otelc_scope scope = otelc_scope_enter(order); /* children below use `order` as their parent */
    check_stock(order_id);
    otelc_attr ev[] = {otelc_attr_str("validation.rules", "stock,fraud"), otelc_attr_int("validation.ms", 1)};
    otelc_span_add_event(order, "order.validated", ev, 2, 0);
    double amount = quantities[0] * prices[0] + quantities[1] * prices[1];
    int paid = charge_card(order_id, amount);
    otelc_span_set_attr_str(order, "order.outcome", paid ? "paid" : "payment_failed");
    if (!paid) otelc_span_set_status(order, OTELC_STATUS_ERROR, "payment failed");
    otelc_scope_exit(scope);

    otelc_span_context sc = otelc_span_get_context(order);
    sc.trace_state = NULL; /* only the ids are kept past the span's end */
    otelc_span_end(order, 0);
    return sc;
}

int main(int argc, char **argv) {
    long orders = 3;
    if (argc > 1) {
        char *end;
        orders = strtol(argv[1], &end, 10);
        if (*end || orders < 1 || orders > 100000) {
            fprintf(stderr, "usage: %s [orders 1..100000]\n", argv[0]);
            return 2;
        }
    }
    otelc_sdk sdk;
    otelc_error err;
    otelc_sdk_options opts;
    otelc_sdk_options_init(&opts);
    if (otelc_sdk_setup(&opts, &sdk, &err) != OTELC_OK) {
        fprintf(stderr, "quickstart: tracing setup failed: %s (continuing without tracing)\n", err.message);
    }
    tracer = otelc_get_tracer("otelc.examples.quickstart", OTELC_VERSION_STRING, NULL);

    otelc_span_context previous;
    for (long i = 0; i < orders; i++) previous = process_order((int)i, i ? &previous : NULL);

    otelc_status st = otelc_sdk_teardown(&sdk, 10000);
    if (st != OTELC_OK) fprintf(stderr, "quickstart: shutdown: %s\n", otelc_status_str(st));
    printf("quickstart: processed %ld orders\n", orders);
    return 0;
}
