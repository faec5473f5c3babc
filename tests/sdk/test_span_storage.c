/* Packed span storage (sdk/src/span.c, intern.c): attributes beyond the inline buffer, replaced values
 * keeping their position, long and indirect values, keys that cannot be interned, reused key buffers,
 * long and renamed span names, the public view, and views built by the batch processor at export. */
#include "test_util.h"

#include <stdatomic.h>
#include <stdio.h>

CAPTURE_FIXTURE()

static const otelc_attr *find(const otelc_span_data *d, const char *k) {
    return otelc_attrs_find(d->attributes, d->attribute_count, k);
}

/* 100 attributes: most go to overflow chunks; all come back in insertion order with their values. */
static void test_many_attributes_in_order(void **state) {
    (void)state;
    otelc_span *s = otelc_tracer_start_span(g_t, "many", NULL);
    char key[32], val[32];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "key.%03d", i);
        if (i % 3 == 0) {
            snprintf(val, sizeof val, "value-%d", i);
            otelc_span_set_attr_str(s, key, val);
        } else if (i % 3 == 1) {
            otelc_span_set_attr_int(s, key, i * 1000);
        } else {
            otelc_span_set_attr_double(s, key, i + 0.5);
        }
    }
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->attribute_count, 100);
    assert_int_equal(d->dropped_attributes_count, 0);
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "key.%03d", i);
        assert_string_equal(d->attributes[i].key, key);
        const otelc_value *v = &d->attributes[i].value;
        if (i % 3 == 0) {
            snprintf(val, sizeof val, "value-%d", i);
            assert_int_equal(v->type, OTELC_VALUE_STRING);
            assert_int_equal(v->len, strlen(val));
            assert_string_equal(v->u.s, val);
        } else if (i % 3 == 1) {
            assert_int_equal(v->type, OTELC_VALUE_INT);
            assert_int_equal(v->u.i, i * 1000);
        } else {
            assert_int_equal(v->type, OTELC_VALUE_DOUBLE);
            assert_true(v->u.d == i + 0.5);
        }
    }
    assert_string_equal(d->name, "many");
    capture_release(&g_cap);
}

/* Replacing a value keeps the key's position and the count, whatever the old and new sizes. */
static void test_replace_keeps_position(void **state) {
    (void)state;
    otelc_span *s = otelc_tracer_start_span(g_t, "replace", NULL);
    otelc_span_set_attr_str(s, "a", "short");
    otelc_span_set_attr_int(s, "b", 1);
    otelc_span_set_attr_bool(s, "c", false);
    char longv[300];
    memset(longv, 'L', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    otelc_span_set_attr_str(s, "a", longv);               /* string grows: new record */
    otelc_span_set_attr_str(s, "b", "now a string");      /* int -> string */
    otelc_span_set_attr_double(s, "c", 2.5);              /* scalar -> scalar in place */
    otelc_span_set_attr_str(s, "a", "s");                 /* and shrinks again */
    int64_t arr[3] = {7, 8, 9};
    otelc_span_set_attribute(s, "b", otelc_value_int_array(arr, 3)); /* string -> array (indirect) */
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->attribute_count, 3);
    assert_string_equal(d->attributes[0].key, "a");
    assert_string_equal(d->attributes[0].value.u.s, "s");
    assert_int_equal(d->attributes[0].value.len, 1);
    assert_string_equal(d->attributes[1].key, "b");
    assert_int_equal(d->attributes[1].value.type, OTELC_VALUE_INT_ARRAY);
    assert_int_equal(d->attributes[1].value.len, 3);
    assert_int_equal(d->attributes[1].value.u.ia[2], 9);
    assert_string_equal(d->attributes[2].key, "c");
    assert_int_equal(d->attributes[2].value.type, OTELC_VALUE_DOUBLE);
    assert_true(d->attributes[2].value.u.d == 2.5);
    capture_release(&g_cap);
}

/* Strings longer than a record holds go to the extension; the value-length limit still applies. */
static void test_long_values(void **state) {
    (void)state;
    size_t n = 100000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    otelc_span *s = otelc_tracer_start_span(g_t, "long", NULL);
    otelc_span_set_attr_str(s, "big", big);
    big[0] = 'y'; /* copied, not borrowed */
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    const otelc_attr *a = find(d, "big");
    assert_non_null(a);
    assert_int_equal(a->value.len, n);
    assert_int_equal(a->value.u.s[0], 'x');
    assert_int_equal(a->value.u.s[n], '\0');
    capture_release(&g_cap);
    free(big);
}

/* A key too long to intern is copied; setting it again through another buffer replaces it. */
static void test_long_key_not_interned(void **state) {
    (void)state;
    char k1[300], k2[300];
    memset(k1, 'k', sizeof k1 - 1);
    k1[sizeof k1 - 1] = '\0';
    memcpy(k2, k1, sizeof k1);
    otelc_span *s = otelc_tracer_start_span(g_t, "longkey", NULL);
    otelc_span_set_attr_int(s, k1, 1);
    otelc_span_set_attr_str(s, "other", "o");
    otelc_span_set_attr_int(s, k2, 2);
    memset(k1, 'z', sizeof k1 - 1);
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->attribute_count, 2);
    assert_int_equal(strlen(d->attributes[0].key), 299);
    assert_int_equal(d->attributes[0].key[0], 'k');
    assert_int_equal(d->attributes[0].value.u.i, 2);
    capture_release(&g_cap);
}

/* The key cache is keyed by the caller's pointer: a reused buffer must not alias another key. */
static void test_reused_key_buffer(void **state) {
    (void)state;
    char key[16];
    otelc_span *s = otelc_tracer_start_span(g_t, "reuse", NULL);
    strcpy(key, "first.key");
    otelc_span_set_attr_int(s, key, 1);
    strcpy(key, "second.key");
    otelc_span_set_attr_int(s, key, 2);
    strcpy(key, "first.key");
    otelc_span_set_attr_int(s, key, 3);
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_int_equal(d->attribute_count, 2);
    assert_string_equal(d->attributes[0].key, "first.key");
    assert_int_equal(d->attributes[0].value.u.i, 3);
    assert_string_equal(d->attributes[1].key, "second.key");
    assert_int_equal(d->attributes[1].value.u.i, 2);
    capture_release(&g_cap);
}

/* More distinct keys than the intern table holds: the rest are copied per span, nothing is lost. */
static void test_intern_table_exhaustion(void **state) {
    (void)state;
    char key[48];
    for (int span = 0; span < 20; span++) {
        otelc_span *s = otelc_tracer_start_span(g_t, "keys", NULL);
        for (int i = 0; i < 100; i++) {
            snprintf(key, sizeof key, "exhaust.%d.%d", span, i);
            otelc_span_set_attr_int(s, key, span * 100 + i);
        }
        otelc_span_end(s, 0);
        const otelc_span_data *d = capture_last(&g_cap);
        assert_int_equal(d->attribute_count, 100);
        for (int i = 0; i < 100; i++) {
            snprintf(key, sizeof key, "exhaust.%d.%d", span, i);
            assert_string_equal(d->attributes[i].key, key);
            assert_int_equal(d->attributes[i].value.u.i, span * 100 + i);
        }
        capture_release(&g_cap);
    }
}

/* Names: one longer than the inline buffer, renames to longer and shorter names after attributes. */
static void test_names(void **state) {
    (void)state;
    char longname[400];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    otelc_span *s = otelc_tracer_start_span(g_t, longname, NULL);
    otelc_span_set_attr_str(s, "k", "v");
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&g_cap);
    assert_string_equal(d->name, longname);
    assert_string_equal(find(d, "k")->value.u.s, "v");

    s = otelc_tracer_start_span(g_t, "short", NULL);
    otelc_span_set_attr_str(s, "a", "0123456789012345678901234567890123456789");
    otelc_span_update_name(s, "a somewhat longer name than before");
    otelc_span_set_attr_str(s, "b", "0123456789012345678901234567890123456789");
    otelc_span_update_name(s, "x");
    otelc_span_set_attr_str(s, "c", "0123456789012345678901234567890123456789");
    otelc_span_update_name(s, longname);
    otelc_span_update_name(s, "final");
    otelc_span_end(s, 0);
    d = capture_last(&g_cap);
    assert_string_equal(d->name, "final");
    assert_int_equal(d->attribute_count, 3);
    for (int i = 0; i < 3; i++) assert_string_equal(d->attributes[i].value.u.s, "0123456789012345678901234567890123456789");
    capture_release(&g_cap);
}

/* Names of every length from 0 to 130 (the inline buffer is about 120 bytes), each rename followed by a
 * short attribute: a name placed in the buffer never overwrites records, records never overwrite the
 * name, and the buffer space of a name moved out is used again. */
static void test_name_and_records_share_buf(void **state) {
    (void)state;
    /* Literal keys: after the first span the thread's intern cache knows them, so the attribute fast
     * path writes the records (a reused key buffer would always take the general path). */
    static const char *const keys[] = {"k00", "k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09",
                                       "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19"};
    char name[160], key[16], val[16];
    for (int first = 0; first < 131; first += 13) {
        memset(name, 'a', (size_t)first);
        name[first] = '\0';
        otelc_span *s = otelc_tracer_start_span(g_t, name, NULL);
        int n = 0;
        for (int len = 0; len <= 130; len += 7, n++) {
            memset(name, (char)('b' + n % 20), (size_t)len);
            name[len] = '\0';
            otelc_span_update_name(s, name);
            snprintf(val, sizeof val, "v%d", n * 7);
            if (n % 2) otelc_span_set_attr_str(s, keys[n], val);
            else otelc_span_set_attr_int(s, keys[n], n * 7);
            /* Every second step checks the name survives the record just added. */
            if (n % 2 == 0) {
                otelc_span_data *v = otelc_span_data_view(s);
                assert_non_null(v);
                assert_string_equal(v->name, name);
                otelc_span_data_free(v);
            }
        }
        otelc_span_end(s, 0);
        const otelc_span_data *d = capture_last(&g_cap);
        assert_string_equal(d->name, name);
        assert_int_equal(d->attribute_count, n);
        for (int i = 0; i < n; i++) {
            snprintf(key, sizeof key, "k%02d", i);
            assert_string_equal(d->attributes[i].key, key);
            if (i % 2) {
                snprintf(val, sizeof val, "v%d", i * 7);
                assert_string_equal(d->attributes[i].value.u.s, val);
            } else {
                assert_int_equal(d->attributes[i].value.u.i, i * 7);
            }
        }
        capture_release(&g_cap);
    }
}

/* Long names leave little room in the inline buffer: the first attributes of the span (keys the intern
 * cache knows, so the fast path handles them) must go to the overflow instead of over the name. */
static void test_fast_path_respects_name(void **state) {
    (void)state;
    static const char *const keys[] = {"fp.a", "fp.b", "fp.c", "fp.d"};
    char name[128];
    for (int round = 0; round < 2; round++) { /* the first round fills the intern cache */
        for (int len = 80; len <= 119; len++) {
            memset(name, 'n', (size_t)len);
            name[len] = '\0';
            otelc_span *s = otelc_tracer_start_span(g_t, name, NULL);
            for (int i = 0; i < 4; i++) otelc_span_set_attr_int(s, keys[i], len * 10 + i);
            otelc_span_end(s, 0);
            const otelc_span_data *d = capture_last(&g_cap);
            assert_string_equal(d->name, name);
            assert_int_equal(d->attribute_count, 4);
            for (int i = 0; i < 4; i++) {
                assert_string_equal(d->attributes[i].key, keys[i]);
                assert_int_equal(d->attributes[i].value.u.i, len * 10 + i);
            }
            capture_release(&g_cap);
        }
    }
}

/* A raised count limit and thousands of keys: past INDEX_MIN attributes the span looks keys up in its
 * index (built from the records, then kept up to date by appends and replacements). Every key stays
 * unique, replaced values keep their position, nothing is dropped. */
static void test_many_keys_index(void **state) {
    (void)state;
    enum { N = 3000 };
    setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "5000", 1);
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, NULL);
    unsetenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT");
    otelc_tracer *t = test_tracer(tp);
    otelc_span *s = otelc_tracer_start_span(t, "big", NULL);
    char key[32], val[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "big.%04d", i);
        otelc_span_set_attr_int(s, key, i);
    }
    for (int i = 0; i < N; i += 3) { /* replaced by a string: a new record, the old one dies */
        snprintf(key, sizeof key, "big.%04d", i);
        snprintf(val, sizeof val, "s%d", i);
        otelc_span_set_attr_str(s, key, val);
    }
    for (int i = 1; i < N; i += 3) { /* replaced in place */
        snprintf(key, sizeof key, "big.%04d", i);
        otelc_span_set_attr_int(s, key, -i);
    }
    for (int i = 0; i < N; i += 3) { /* a string record replaced again, by an int */
        snprintf(key, sizeof key, "big.%04d", i);
        if (i % 2) otelc_span_set_attr_int(s, key, 7 * i);
    }
    otelc_span_end(s, 0);
    const otelc_span_data *d = capture_last(&c);
    assert_int_equal(d->attribute_count, N);
    assert_int_equal(d->dropped_attributes_count, 0);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "big.%04d", i);
        assert_string_equal(d->attributes[i].key, key);
        const otelc_value *v = &d->attributes[i].value;
        if (i % 3 == 0 && i % 2) {
            assert_int_equal(v->type, OTELC_VALUE_INT);
            assert_int_equal(v->u.i, 7 * i);
        } else if (i % 3 == 0) {
            snprintf(val, sizeof val, "s%d", i);
            assert_int_equal(v->type, OTELC_VALUE_STRING);
            assert_string_equal(v->u.s, val);
        } else {
            assert_int_equal(v->type, OTELC_VALUE_INT);
            assert_int_equal(v->u.i, i % 3 == 1 ? -i : i);
        }
    }
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

static void test_view_of_non_sdk_span(void **state) {
    (void)state;
    assert_null(otelc_span_data_view(NULL));
    assert_null(otelc_span_data_view(otelc_span_noop()));
    otelc_span_data_free(NULL);
}

/* Through the batch processor the view is built on the worker at export: the exporter sees every
 * attribute, event and status. */
typedef struct check_exporter {
    pthread_mutex_t lock;
    size_t spans, good;
} check_exporter;

static otelc_export_result check_export(void *self, const otelc_span_data *const *spans, size_t n) {
    check_exporter *c = self;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < n; i++) {
        const otelc_span_data *d = spans[i];
        c->spans++;
        const otelc_attr *idx = otelc_attrs_find(d->attributes, d->attribute_count, "index");
        const otelc_attr *str = otelc_attrs_find(d->attributes, d->attribute_count, "http.request.method");
        bool ok = d->attribute_count == 2 && idx && str && strcmp(str->value.u.s, "GET") == 0 &&
                  d->event_count == 1 && strcmp(d->events[0].name, "ev") == 0 &&
                  d->status_code == OTELC_STATUS_ERROR && strcmp(d->status_description, "bad") == 0 &&
                  strcmp(d->name, "batched") == 0 && d->end_time_unix_nano >= d->start_time_unix_nano;
        if (ok) c->good++;
    }
    pthread_mutex_unlock(&c->lock);
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_exporter_ops check_ops = {.name = "check", .export_spans = check_export};

static void test_batch_views(void **state) {
    (void)state;
    check_exporter c = {PTHREAD_MUTEX_INITIALIZER, 0, 0};
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_export_batch_size = 64;
    otelc_error err;
    otelc_processor *bp = otelc_batch_processor_create(otelc_exporter_create(&check_ops, &c), &bo, &err);
    assert_non_null(bp);
    otelc_tracer_provider *tp = provider_with(bp, NULL);
    otelc_tracer *t = test_tracer(tp);
    for (int i = 0; i < 300; i++) {
        otelc_span *s = otelc_tracer_start_span(t, "batched", NULL);
        otelc_span_set_attr_str(s, "http.request.method", "GET");
        otelc_span_set_attr_int(s, "index", i);
        otelc_span_add_event(s, "ev", NULL, 0, 0);
        otelc_span_set_status(s, OTELC_STATUS_ERROR, "bad");
        otelc_span_end(s, 0);
    }
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 10000), OTELC_OK);
    otelc_tracer_provider_destroy(tp);
    assert_int_equal(c.spans, 300);
    assert_int_equal(c.good, 300);
}

/* export_batch: views are built only for the spans asked for, once each, and stay valid (and stable)
 * for the whole call; otelc_span_batch_all returns the same views. */
typedef struct lazy_exporter {
    size_t batches, spans, checked, same, bad;
} lazy_exporter;

static otelc_export_result lazy_export(void *self, otelc_span_batch *batch) {
    lazy_exporter *x = self;
    size_t n = otelc_span_batch_count(batch);
    x->batches++;
    x->spans += n;
    if (otelc_span_batch_get(batch, n) != NULL) x->bad++;
    /* Only every other span is looked at, and the first twice. */
    const otelc_span_data *first = n ? otelc_span_batch_get(batch, 0) : NULL;
    for (size_t i = 0; i < n; i += 2) {
        const otelc_span_data *d = otelc_span_batch_get(batch, i);
        const otelc_attr *a = d ? otelc_attrs_find(d->attributes, d->attribute_count, "index") : NULL;
        if (!a || strcmp(d->name, "lazy") != 0) x->bad++;
        x->checked++;
    }
    if (n && otelc_span_batch_get(batch, 0) == first && first->attribute_count == 2 &&
        strcmp(first->attributes[1].key, "index") == 0)
        x->same++;
    const otelc_span_data *const *all = otelc_span_batch_all(batch);
    if (n && (!all || all[0] != first)) x->bad++;
    for (size_t i = 0; i < n; i++)
        if (!all[i] || all[i]->attribute_count != 2) x->bad++;
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_exporter_ops lazy_ops = {.name = "lazy", .export_batch = lazy_export};

static void test_export_batch_lazy_views(void **state) {
    (void)state;
    lazy_exporter x = {0, 0, 0, 0, 0};
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    bo.max_export_batch_size = 50;
    otelc_error err;
    otelc_processor *bp = otelc_batch_processor_create(otelc_exporter_create(&lazy_ops, &x), &bo, &err);
    assert_non_null(bp);
    otelc_tracer_provider *tp = provider_with(bp, NULL);
    otelc_tracer *t = test_tracer(tp);
    for (int i = 0; i < 120; i++) {
        otelc_span *s = otelc_tracer_start_span(t, "lazy", NULL);
        otelc_span_set_attr_str(s, "kind.of", "thing");
        otelc_span_set_attr_int(s, "index", i);
        otelc_span_end(s, 0);
    }
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 10000), OTELC_OK);
    otelc_tracer_provider_destroy(tp);
    assert_int_equal(x.spans, 120);
    assert_true(x.batches >= 3);
    assert_int_equal(x.same, x.batches);
    assert_int_equal(x.bad, 0);
}

/* otelc_exporter_export with views given reaches an export_batch exporter; an exporter with neither
 * export function is refused; NULL batches are answered safely. */
static otelc_export_result count_batch(void *self, otelc_span_batch *batch) {
    size_t *seen = self;
    for (size_t i = 0; i < otelc_span_batch_count(batch); i++)
        if (otelc_span_batch_get(batch, i)) (*seen)++;
    return otelc_span_batch_all(batch) ? OTELC_EXPORT_SUCCESS : OTELC_EXPORT_FAILURE;
}

static void test_export_batch_with_given_views(void **state) {
    (void)state;
    size_t seen = 0;
    static const otelc_exporter_ops ops = {.name = "count", .export_batch = count_batch};
    otelc_exporter *e = otelc_exporter_create(&ops, &seen);
    assert_non_null(e);
    otelc_span_data d[3];
    memset(d, 0, sizeof d);
    const otelc_span_data *views[3] = {&d[0], &d[1], &d[2]};
    assert_int_equal(otelc_exporter_export(e, views, 3), OTELC_EXPORT_SUCCESS);
    assert_int_equal(seen, 3);
    assert_int_equal(otelc_exporter_export(e, NULL, 2), OTELC_EXPORT_FAILURE);
    otelc_exporter_destroy(e);
    static const otelc_exporter_ops none = {.name = "none"};
    assert_null(otelc_exporter_create(&none, NULL));
    assert_int_equal(otelc_span_batch_count(NULL), 0);
    assert_null(otelc_span_batch_get(NULL, 0));
    assert_null(otelc_span_batch_all(NULL));
}

/* Out of memory for the attribute views at export: the exporter's view has no attributes and counts
 * them as dropped, and the span itself is left as it was (a processor holding it still sees them all).
 * Views never write the span: others may be reading it at the same time. */
static atomic_bool g_fail_blocks;
static void *failing_malloc(size_t n, void *ud) {
    (void)ud;
    /* The worker's attribute blocks are the only allocations of at least 2048 attributes here. */
    if (atomic_load(&g_fail_blocks) && n >= 2048 * sizeof(otelc_attr)) return NULL;
    return malloc(n ? n : 1);
}
static void *plain_realloc(void *p, size_t n, void *ud) { (void)ud; return realloc(p, n ? n : 1); }
static void plain_free(void *p, void *ud) { (void)ud; free(p); }

static otelc_export_result oom_export(void *self, otelc_span_batch *batch) {
    lazy_exporter *x = self;
    for (size_t i = 0; i < otelc_span_batch_count(batch); i++) {
        const otelc_span_data *d = otelc_span_batch_get(batch, i);
        x->spans++;
        if (d->attribute_count != 0 || d->dropped_attributes_count != 3 || strcmp(d->name, "oom") != 0) x->bad++;
    }
    return OTELC_EXPORT_SUCCESS;
}
static const otelc_exporter_ops oom_ops = {.name = "oom", .export_batch = oom_export};

static void test_view_out_of_memory_leaves_span_alone(void **state) {
    (void)state;
    static const otelc_allocator alloc = {failing_malloc, plain_realloc, plain_free, NULL};
    otelc_set_allocator(&alloc);
    lazy_exporter x = {0, 0, 0, 0, 0};
    capture cap;
    capture_init(&cap);
    otelc_batch_options bo;
    otelc_batch_options_init(&bo);
    otelc_error err;
    otelc_processor *procs[2] = {otelc_processor_create(&capture_ops, &cap),
                                 otelc_batch_processor_create(otelc_exporter_create(&oom_ops, &x), &bo, &err)};
    assert_non_null(procs[0]);
    assert_non_null(procs[1]);
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    o.processors = procs;
    o.processor_count = 2;
    o.sampler = otelc_sampler_always_on();
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&o, &err);
    assert_non_null(tp);
    otelc_tracer *t = test_tracer(tp);
    atomic_store(&g_fail_blocks, true);
    for (int i = 0; i < 10; i++) {
        otelc_span *s = otelc_tracer_start_span(t, "oom", NULL);
        otelc_span_set_attr_int(s, "a", i);
        otelc_span_set_attr_str(s, "b", "bee");
        otelc_span_set_attr_double(s, "c", 0.5);
        otelc_span_end(s, 0);
    }
    assert_int_equal(otelc_tracer_provider_force_flush(tp, 10000), OTELC_OK);
    atomic_store(&g_fail_blocks, false);
    assert_int_equal(x.spans, 10);
    assert_int_equal(x.bad, 0);
    assert_int_equal(cap.count, 10);
    for (size_t i = 0; i < cap.count; i++) {
        otelc_span_data *d = otelc_span_data_view(cap.spans[i]);
        assert_non_null(d);
        assert_int_equal(d->attribute_count, 3);
        assert_int_equal(d->dropped_attributes_count, 0);
        otelc_span_data_free(d);
    }
    capture_release(&cap);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&cap);
    otelc_set_allocator(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        /* Before test_intern_table_exhaustion: their keys must be interned for the fast path. */
        cmocka_unit_test_setup_teardown(test_name_and_records_share_buf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fast_path_respects_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_attributes_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_keeps_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_key_not_interned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reused_key_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intern_table_exhaustion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test(test_many_keys_index),
        cmocka_unit_test(test_view_of_non_sdk_span),
        cmocka_unit_test(test_batch_views),
        cmocka_unit_test(test_export_batch_lazy_views),
        cmocka_unit_test(test_export_batch_with_given_views),
        cmocka_unit_test(test_view_out_of_memory_leaves_span_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
