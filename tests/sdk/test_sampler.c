/* Samplers: built-ins, the TraceIdRatioBased rule, ParentBased delegates, OTEL_TRACES_SAMPLER(_ARG),
 * and a user sampler adding attributes and trace state. */
#include "test_util.h"

#include <math.h>
#include <stdio.h>

static otelc_sampling_params params(const uint8_t *trace_id, const otelc_span_context *parent) {
    otelc_sampling_params p;
    memset(&p, 0, sizeof p);
    p.trace_id = trace_id;
    p.parent = parent;
    p.name = "s";
    p.kind = OTELC_SPAN_KIND_INTERNAL;
    return p;
}

/* A trace id whose randomness (last 7 bytes) is r. */
static void trace_id_with(uint8_t id[16], uint64_t r) {
    memset(id, 0x5a, 16);
    for (int i = 15; i >= 9; i--) {
        id[i] = (uint8_t)(r & 0xff);
        r >>= 8;
    }
}

static uint64_t xs_state = 0x9e3779b97f4a7c15ull;
static uint64_t xs(void) { /* deterministic test PRNG */
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return xs_state;
}

static otelc_sampling_decision decide(const otelc_sampler *s, const uint8_t *tid, const otelc_span_context *parent) {
    otelc_sampling_params p = params(tid, parent);
    otelc_sampling_result r = otelc_sampler_should_sample(s, &p);
    otelc_trace_state_release(r.trace_state);
    return r.decision;
}

static void describe_is(const otelc_sampler *s, const char *want) {
    char buf[512];
    int n = otelc_sampler_describe(s, buf, sizeof buf);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
}

static void test_always_on_off(void **state) {
    (void)state;
    otelc_sampler *on = otelc_sampler_always_on(), *off = otelc_sampler_always_off();
    uint8_t tid[16];
    trace_id_with(tid, 1);
    assert_int_equal(decide(on, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    assert_int_equal(decide(off, tid, NULL), OTELC_SAMPLING_DROP);
    describe_is(on, "AlwaysOnSampler");
    describe_is(off, "AlwaysOffSampler");
    /* NULLs */
    otelc_sampling_params p = params(tid, NULL);
    assert_int_equal(otelc_sampler_should_sample(NULL, &p).decision, OTELC_SAMPLING_DROP);
    assert_int_equal(otelc_sampler_should_sample(on, NULL).decision, OTELC_SAMPLING_DROP);
    char b[8];
    assert_true(otelc_sampler_describe(NULL, b, sizeof b) < 0);
    assert_true(otelc_sampler_describe(on, NULL, 0) < 0);
    otelc_sampler_destroy(NULL);
    assert_null(otelc_sampler_create(NULL, NULL));
    otelc_sampler_destroy(on);
    otelc_sampler_destroy(off);
}

static void test_ratio_rule(void **state) {
    (void)state;
    const uint64_t two56 = 1ull << 56;
    otelc_sampler *zero = otelc_sampler_trace_id_ratio(0.0), *one = otelc_sampler_trace_id_ratio(1.0);
    otelc_sampler *half = otelc_sampler_trace_id_ratio(0.5);
    uint8_t tid[16];
    /* Boundaries of the spec rule: sampled iff R >= T, T = (1 - ratio) * 2^56. */
    trace_id_with(tid, two56 - 1);
    assert_int_equal(decide(zero, tid, NULL), OTELC_SAMPLING_DROP);
    assert_int_equal(decide(one, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    assert_int_equal(decide(half, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    trace_id_with(tid, 0);
    assert_int_equal(decide(one, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    assert_int_equal(decide(half, tid, NULL), OTELC_SAMPLING_DROP);
    trace_id_with(tid, two56 / 2);
    assert_int_equal(decide(half, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    trace_id_with(tid, two56 / 2 - 1);
    assert_int_equal(decide(half, tid, NULL), OTELC_SAMPLING_DROP);
    /* The first 9 bytes do not matter. */
    trace_id_with(tid, two56 / 2);
    memset(tid, 0, 9);
    assert_int_equal(decide(half, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    describe_is(half, "TraceIdRatioBased{0.5}");
    describe_is(zero, "TraceIdRatioBased{0}");
    describe_is(one, "TraceIdRatioBased{1}");

    /* Over many random ids: 0 samples none, 1 all, 0.5 about half (a bound of many sigmas). */
    enum { N = 20000 };
    int n_zero = 0, n_one = 0, n_half = 0;
    for (int i = 0; i < N; i++) {
        uint64_t a = xs(), b = xs();
        memcpy(tid, &a, 8);
        memcpy(tid + 8, &b, 8);
        n_zero += decide(zero, tid, NULL) == OTELC_SAMPLING_RECORD_AND_SAMPLE;
        n_one += decide(one, tid, NULL) == OTELC_SAMPLING_RECORD_AND_SAMPLE;
        otelc_sampling_decision d = decide(half, tid, NULL);
        n_half += d == OTELC_SAMPLING_RECORD_AND_SAMPLE;
        assert_int_equal(decide(half, tid, NULL), d); /* same trace id, same decision */
    }
    assert_int_equal(n_zero, 0);
    assert_int_equal(n_one, N);
    assert_in_range(n_half, N / 2 - 700, N / 2 + 700); /* sigma ~ 71 */
    otelc_sampler_destroy(zero);
    otelc_sampler_destroy(one);
    otelc_sampler_destroy(half);
}

static void test_ratio_monotonic_and_clamped(void **state) {
    (void)state;
    const double ratios[] = {0.0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0};
    enum { R = sizeof ratios / sizeof ratios[0], N = 2000 };
    otelc_sampler *s[R];
    for (int i = 0; i < R; i++) s[i] = otelc_sampler_trace_id_ratio(ratios[i]);
    for (int n = 0; n < N; n++) {
        uint8_t tid[16];
        uint64_t a = xs(), b = xs();
        memcpy(tid, &a, 8);
        memcpy(tid + 8, &b, 8);
        bool prev = false;
        for (int i = 0; i < R; i++) {
            bool now = decide(s[i], tid, NULL) == OTELC_SAMPLING_RECORD_AND_SAMPLE;
            assert_true(now || !prev); /* sampled at a ratio => sampled at every higher ratio */
            prev = now;
        }
    }
    for (int i = 0; i < R; i++) otelc_sampler_destroy(s[i]);
    /* out-of-range ratios clamp; NaN is 0 */
    otelc_sampler *neg = otelc_sampler_trace_id_ratio(-3), *big = otelc_sampler_trace_id_ratio(7),
                  *nan_ = otelc_sampler_trace_id_ratio(NAN);
    describe_is(neg, "TraceIdRatioBased{0}");
    describe_is(big, "TraceIdRatioBased{1}");
    describe_is(nan_, "TraceIdRatioBased{0}");
    uint8_t tid[16];
    trace_id_with(tid, (1ull << 56) - 1);
    assert_int_equal(decide(nan_, tid, NULL), OTELC_SAMPLING_DROP);
    trace_id_with(tid, 0);
    assert_int_equal(decide(big, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    otelc_sampler_destroy(neg);
    otelc_sampler_destroy(big);
    otelc_sampler_destroy(nan_);
}

/* A user sampler that records which delegate was asked, tags spans and sets trace state. */
typedef struct tag_sampler {
    const char *tag;
    otelc_sampling_decision decision;
    int calls;
    otelc_attr attrs[1];
    bool set_trace_state;
    bool *destroyed;
} tag_sampler;
static otelc_sampling_result tag_sample(void *self, const otelc_sampling_params *p) {
    (void)p;
    tag_sampler *t = self;
    t->calls++;
    t->attrs[0] = otelc_attr_str("sampler.tag", t->tag);
    otelc_sampling_result r = {t->decision, t->attrs, 1, NULL};
    if (t->set_trace_state) {
        const otelc_trace_state *parent_ts = p->parent ? p->parent->trace_state : NULL;
        r.trace_state = otelc_trace_state_set(parent_ts, "sampler", t->tag);
    }
    return r;
}
static int tag_describe(void *self, char *b, size_t n) { return snprintf(b, n, "Tag{%s}", ((tag_sampler *)self)->tag); }
static void tag_destroy(void *self) {
    tag_sampler *t = self;
    if (t->destroyed) *t->destroyed = true;
}
static const otelc_sampler_ops tag_ops = {tag_sample, tag_describe, tag_destroy};
static const otelc_sampler_ops tag_ops_nodesc = {tag_sample, NULL, NULL};

static void test_parent_based_delegates(void **state) {
    (void)state;
    tag_sampler t[5] = {
        {"root", OTELC_SAMPLING_RECORD_AND_SAMPLE, 0, {{0}}, false, NULL},
        {"rs", OTELC_SAMPLING_RECORD_ONLY, 0, {{0}}, false, NULL},
        {"rn", OTELC_SAMPLING_DROP, 0, {{0}}, false, NULL},
        {"ls", OTELC_SAMPLING_RECORD_AND_SAMPLE, 0, {{0}}, false, NULL},
        {"ln", OTELC_SAMPLING_RECORD_ONLY, 0, {{0}}, false, NULL},
    };
    bool destroyed[5] = {false};
    otelc_sampler *d[5];
    for (int i = 0; i < 5; i++) {
        t[i].destroyed = &destroyed[i];
        d[i] = otelc_sampler_create(&tag_ops, &t[i]);
    }
    otelc_sampler *pb = otelc_sampler_parent_based(d[0], d[1], d[2], d[3], d[4]);
    assert_non_null(pb);
    uint8_t tid[16];
    trace_id_with(tid, 12345);
    otelc_span_context parent;
    memset(&parent, 0, sizeof parent);
    memset(parent.trace_id, 1, 16);
    memset(parent.span_id, 2, 8);
    struct { bool remote; uint8_t flags; int want; otelc_sampling_decision dec; } cases[] = {
        {true, 1, 1, OTELC_SAMPLING_RECORD_ONLY},
        {true, 0, 2, OTELC_SAMPLING_DROP},
        {false, 1, 3, OTELC_SAMPLING_RECORD_AND_SAMPLE},
        {false, 0, 4, OTELC_SAMPLING_RECORD_ONLY},
        {false, 3, 3, OTELC_SAMPLING_RECORD_AND_SAMPLE}, /* other flag bits do not matter */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        parent.is_remote = cases[c].remote;
        parent.trace_flags = cases[c].flags;
        int before = t[cases[c].want].calls;
        assert_int_equal(decide(pb, tid, &parent), cases[c].dec);
        assert_int_equal(t[cases[c].want].calls, before + 1);
    }
    assert_int_equal(decide(pb, tid, NULL), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    assert_int_equal(t[0].calls, 1);
    /* an invalid parent counts as no parent */
    otelc_span_context bad;
    memset(&bad, 0, sizeof bad);
    bad.trace_flags = 0;
    assert_int_equal(decide(pb, tid, &bad), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    assert_int_equal(t[0].calls, 2);
    describe_is(pb, "ParentBased{root=Tag{root},remoteParentSampled=Tag{rs},remoteParentNotSampled=Tag{rn},"
                    "localParentSampled=Tag{ls},localParentNotSampled=Tag{ln}}");
    otelc_sampler_destroy(pb);
    for (int i = 0; i < 5; i++) assert_true(destroyed[i]);

    /* defaults */
    otelc_sampler *def = otelc_sampler_parent_based(NULL, NULL, NULL, NULL, NULL);
    describe_is(def, "ParentBased{root=AlwaysOnSampler,remoteParentSampled=AlwaysOnSampler,"
                     "remoteParentNotSampled=AlwaysOffSampler,localParentSampled=AlwaysOnSampler,"
                     "localParentNotSampled=AlwaysOffSampler}");
    parent.is_remote = true;
    parent.trace_flags = 0;
    assert_int_equal(decide(def, tid, &parent), OTELC_SAMPLING_DROP);
    parent.trace_flags = 1;
    assert_int_equal(decide(def, tid, &parent), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    parent.is_remote = false;
    assert_int_equal(decide(def, tid, &parent), OTELC_SAMPLING_RECORD_AND_SAMPLE);
    parent.trace_flags = 0;
    assert_int_equal(decide(def, tid, &parent), OTELC_SAMPLING_DROP);
    otelc_sampler_destroy(def);
}

static void clear_sampler_env(void) {
    unsetenv("OTEL_TRACES_SAMPLER");
    unsetenv("OTEL_TRACES_SAMPLER_ARG");
}

typedef struct fixed_ids {
    uint64_t r;
} fixed_ids;
static void fixed_trace_id(uint8_t out[16], void *ud) { trace_id_with(out, ((fixed_ids *)ud)->r); }
static void fixed_span_id(uint8_t out[8], void *ud) { (void)ud; memset(out, 7, 8); }

/* Root decision of a provider built from the environment, for a trace id with randomness r. */
static bool root_sampled(otelc_tracer_provider *tp, fixed_ids *ids, uint64_t r) {
    ids->r = r;
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.root = true;
    otelc_span *s = otelc_tracer_start_span(test_tracer(tp), "root", &so);
    bool sampled = otelc_span_is_recording(s) && (otelc_span_get_context(s).trace_flags & 1);
    otelc_span_end(s, 0);
    return sampled;
}
static bool child_of_unsampled_sampled(otelc_tracer_provider *tp) {
    otelc_span_context parent;
    memset(&parent, 0, sizeof parent);
    memset(parent.trace_id, 9, 16);
    memset(parent.span_id, 2, 8);
    parent.is_remote = true;
    otelc_context *ctx = otelc_context_create_remote(&parent, NULL);
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.parent = ctx;
    otelc_span *s = otelc_tracer_start_span(test_tracer(tp), "child", &so);
    bool sampled = otelc_span_is_recording(s);
    otelc_span_end(s, 0);
    otelc_context_release(ctx);
    return sampled;
}

static otelc_tracer_provider *env_provider(fixed_ids *ids, int *logs) {
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    otelc_id_generator gen = {fixed_trace_id, fixed_span_id, ids};
    o.id_generator = &gen; /* copied */
    logs_start(OTELC_LOG_WARN);
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&o, NULL);
    logs_stop();
    *logs = logs_count();
    assert_non_null(tp);
    return tp;
}

static void test_env_samplers(void **state) {
    (void)state;
    const uint64_t rmax = (1ull << 56) - 1, rmid = (1ull << 56) / 4; /* rmid sampled at ratio >= 0.75 */
    struct {
        const char *sampler, *arg;
        bool root_r0, root_rmid, root_rmax, child_of_unsampled;
        int logs;
        const char *desc;
    } cases[] = {
        {NULL, NULL, true, true, true, false, 0, "ParentBased{root=AlwaysOnSampler"},
        {"always_on", NULL, true, true, true, true, 0, "AlwaysOnSampler"},
        {"always_off", NULL, false, false, false, false, 0, "AlwaysOffSampler"},
        {"ALWAYS_ON", NULL, true, true, true, true, 0, "AlwaysOnSampler"},
        {"traceidratio", "0.5", false, false, true, false, 0, "TraceIdRatioBased{0.5}"},
        {"traceidratio", "0.8", false, true, true, false, 0, "TraceIdRatioBased{0.8}"},
        {"traceidratio", NULL, true, true, true, true, 0, "TraceIdRatioBased{1}"},
        {"traceidratio", "1.5", true, true, true, true, 1, "TraceIdRatioBased{1}"},
        {"traceidratio", "-0.1", true, true, true, true, 1, "TraceIdRatioBased{1}"},
        {"traceidratio", "half", true, true, true, true, 1, "TraceIdRatioBased{1}"},
        {"traceidratio", "0", false, false, false, false, 0, "TraceIdRatioBased{0}"},
        {"parentbased_always_on", NULL, true, true, true, false, 0, "ParentBased{root=AlwaysOnSampler"},
        {"parentbased_always_off", NULL, false, false, false, false, 0, "ParentBased{root=AlwaysOffSampler"},
        {"parentbased_traceidratio", "0.5", false, false, true, false, 0, "ParentBased{root=TraceIdRatioBased{0.5}"},
        {"parentbased_traceidratio", "nan", true, true, true, false, 1, "ParentBased{root=TraceIdRatioBased{1}"},
        {"jaeger_remote", NULL, true, true, true, false, 1, "ParentBased{root=AlwaysOnSampler"},
        {"bogus", "0.1", true, true, true, false, 1, "ParentBased{root=AlwaysOnSampler"},
        {"  always_off", NULL, false, false, false, false, 0, "AlwaysOffSampler"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clear_sampler_env();
        if (cases[i].sampler) setenv("OTEL_TRACES_SAMPLER", cases[i].sampler, 1);
        if (cases[i].arg) setenv("OTEL_TRACES_SAMPLER_ARG", cases[i].arg, 1);
        fixed_ids ids = {0};
        int logs = 0;
        otelc_tracer_provider *tp = env_provider(&ids, &logs);
        clear_sampler_env();
        char msg[128];
        snprintf(msg, sizeof msg, "case %zu (%s, %s)", i, cases[i].sampler ? cases[i].sampler : "unset",
                 cases[i].arg ? cases[i].arg : "unset");
        print_message("%s\n", msg);
        assert_int_equal(logs, cases[i].logs);
        assert_int_equal(root_sampled(tp, &ids, 0), cases[i].root_r0);
        assert_int_equal(root_sampled(tp, &ids, rmid), cases[i].root_rmid);
        assert_int_equal(root_sampled(tp, &ids, rmax), cases[i].root_rmax);
        assert_int_equal(child_of_unsampled_sampled(tp), cases[i].child_of_unsampled);
        otelc_tracer_provider_destroy(tp);
    }
}

static void test_user_sampler_attributes_and_trace_state(void **state) {
    (void)state;
    tag_sampler ts = {"mine", OTELC_SAMPLING_RECORD_AND_SAMPLE, 0, {{0}}, true, NULL};
    otelc_sampler *s = otelc_sampler_create(&tag_ops, &ts);
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, s);
    otelc_tracer *t = test_tracer(tp);
    /* parent with its own trace state */
    otelc_span_context parent;
    memset(&parent, 0, sizeof parent);
    memset(parent.trace_id, 3, 16);
    memset(parent.span_id, 4, 8);
    parent.is_remote = true;
    parent.trace_flags = 1;
    parent.trace_state = otelc_trace_state_parse("up=stream", 9);
    otelc_context *ctx = otelc_context_create_remote(&parent, NULL);
    otelc_trace_state_release(parent.trace_state);
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.parent = ctx;
    otelc_span *sp = otelc_tracer_start_span(t, "x", &so);
    otelc_span_context sc = otelc_span_get_context(sp);
    assert_string_equal(otelc_trace_state_get(sc.trace_state, "sampler"), "mine");
    assert_string_equal(otelc_trace_state_get(sc.trace_state, "up"), "stream");
    otelc_span_end(sp, 0);
    const otelc_span_data *d = capture_last(&c);
    const otelc_attr *a = otelc_attrs_find(d->attributes, d->attribute_count, "sampler.tag");
    assert_non_null(a);
    assert_string_equal(a->value.u.s, "mine");
    assert_string_equal(otelc_trace_state_get(d->context.trace_state, "sampler"), "mine");
    /* RECORD_ONLY: recording but not sampled; DROP: non-recording but valid context with trace state */
    ts.decision = OTELC_SAMPLING_RECORD_ONLY;
    sp = otelc_tracer_start_span(t, "ro", &so);
    assert_true(otelc_span_is_recording(sp));
    assert_false(otelc_span_get_context(sp).trace_flags & OTELC_TRACE_FLAGS_SAMPLED);
    otelc_span_end(sp, 0);
    assert_false(capture_last(&c)->context.trace_flags & OTELC_TRACE_FLAGS_SAMPLED);
    ts.decision = OTELC_SAMPLING_DROP;
    counter_snap cs;
    snap(&cs);
    sp = otelc_tracer_start_span(t, "drop", &so);
    assert_false(otelc_span_is_recording(sp));
    sc = otelc_span_get_context(sp);
    assert_true(otelc_span_context_is_valid(&sc));
    assert_memory_equal(sc.trace_id, parent.trace_id, 16);
    assert_memory_not_equal(sc.span_id, parent.span_id, 8);
    assert_false(sc.trace_flags & OTELC_TRACE_FLAGS_SAMPLED);
    assert_string_equal(otelc_trace_state_get(sc.trace_state, "sampler"), "mine");
    otelc_span_end(sp, 0);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_NOT_SAMPLED), 1);
    assert_int_equal(delta(&cs, OTELC_COUNTER_SPANS_STARTED), 0);
    otelc_context_release(ctx);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);

    /* describe falls back for samplers without one */
    tag_sampler t2 = {"n", OTELC_SAMPLING_DROP, 0, {{0}}, false, NULL};
    otelc_sampler *s2 = otelc_sampler_create(&tag_ops_nodesc, &t2);
    char buf[64];
    assert_true(otelc_sampler_describe(s2, buf, sizeof buf) > 0);
    otelc_sampler_destroy(s2);
}

typedef struct seen_sampler {
    char name[16];
    otelc_span_kind kind;
    size_t nattrs, nlinks;
    bool had_parent;
} seen_sampler;
static otelc_sampling_result seen_sample(void *self, const otelc_sampling_params *p) {
    seen_sampler *s = self;
    strncpy(s->name, p->name, sizeof s->name - 1);
    s->kind = p->kind;
    s->nattrs = p->attribute_count;
    s->nlinks = p->link_count;
    s->had_parent = p->parent != NULL;
    otelc_sampling_result r = {OTELC_SAMPLING_RECORD_AND_SAMPLE, NULL, 0, NULL};
    return r;
}
static const otelc_sampler_ops seen_ops = {seen_sample, NULL, NULL};

static void test_sampler_sees_start_inputs(void **state) {
    (void)state;
    seen_sampler seen;
    memset(&seen, 0, sizeof seen);
    capture c;
    capture_init(&c);
    otelc_tracer_provider *tp = capture_provider(&c, otelc_sampler_create(&seen_ops, &seen));
    otelc_attr attrs[2] = {otelc_attr_int("a", 1), otelc_attr_int("b", 2)};
    otelc_link_options links[1];
    memset(links, 0, sizeof links);
    memset(links[0].context.trace_id, 1, 16);
    memset(links[0].context.span_id, 1, 8);
    otelc_span_start_options so;
    otelc_span_start_options_init(&so);
    so.kind = OTELC_SPAN_KIND_CLIENT;
    so.attributes = attrs;
    so.attribute_count = 2;
    so.links = links;
    so.link_count = 1;
    otelc_span_end(otelc_tracer_start_span(test_tracer(tp), "inputs", &so), 0);
    assert_string_equal(seen.name, "inputs");
    assert_int_equal(seen.kind, OTELC_SPAN_KIND_CLIENT);
    assert_int_equal(seen.nattrs, 2);
    assert_int_equal(seen.nlinks, 1);
    assert_false(seen.had_parent);
    capture_release(&c);
    otelc_tracer_provider_destroy(tp);
    capture_fini(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_always_on_off),
        cmocka_unit_test(test_ratio_rule),
        cmocka_unit_test(test_ratio_monotonic_and_clamped),
        cmocka_unit_test(test_parent_based_delegates),
        cmocka_unit_test(test_env_samplers),
        cmocka_unit_test(test_user_sampler_attributes_and_trace_state),
        cmocka_unit_test(test_sampler_sees_start_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
