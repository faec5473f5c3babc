/* Built-in samplers and OTEL_TRACES_SAMPLER. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "otelc/sdk/sampler.h"

struct otelc_sampler {
    const otelc_sampler_ops *ops;
    void *impl;
};

otelc_sampler *otelc_sampler_create(const otelc_sampler_ops *ops, void *impl) {
    if (!ops || !ops->should_sample) {
        if (ops && ops->destroy) ops->destroy(impl);
        return NULL;
    }
    otelc_sampler *s = otelc_malloc(sizeof *s);
    if (!s) {
        if (ops->destroy) ops->destroy(impl);
        return NULL;
    }
    s->ops = ops;
    s->impl = impl;
    return s;
}

otelc_sampling_result otelc_sampler_should_sample(const otelc_sampler *s, const otelc_sampling_params *params) {
    otelc_sampling_result r = {OTELC_SAMPLING_DROP, NULL, 0, NULL};
    if (!s || !params) return r;
    return s->ops->should_sample(s->impl, params);
}

int otelc_sampler_describe(const otelc_sampler *s, char *buf, size_t size) {
    if (!s || !buf || !size) return OTELC_ERR_INVALID_ARGUMENT;
    if (!s->ops->describe) return snprintf(buf, size, "CustomSampler");
    return s->ops->describe(s->impl, buf, size);
}

void otelc_sampler_destroy(otelc_sampler *s) {
    if (!s) return;
    if (s->ops->destroy) s->ops->destroy(s->impl);
    otelc_free(s);
}

/* ---- AlwaysOn / AlwaysOff ---- */

static otelc_sampling_result on_sample(void *self, const otelc_sampling_params *p) {
    (void)self; (void)p;
    otelc_sampling_result r = {OTELC_SAMPLING_RECORD_AND_SAMPLE, NULL, 0, NULL};
    return r;
}
static int on_describe(void *self, char *b, size_t n) { (void)self; return snprintf(b, n, "AlwaysOnSampler"); }
static otelc_sampling_result off_sample(void *self, const otelc_sampling_params *p) {
    (void)self; (void)p;
    otelc_sampling_result r = {OTELC_SAMPLING_DROP, NULL, 0, NULL};
    return r;
}
static int off_describe(void *self, char *b, size_t n) { (void)self; return snprintf(b, n, "AlwaysOffSampler"); }
static const otelc_sampler_ops always_on_ops = {on_sample, on_describe, NULL};
static const otelc_sampler_ops always_off_ops = {off_sample, off_describe, NULL};

otelc_sampler *otelc_sampler_always_on(void) { return otelc_sampler_create(&always_on_ops, NULL); }
otelc_sampler *otelc_sampler_always_off(void) { return otelc_sampler_create(&always_off_ops, NULL); }

/* ---- TraceIdRatioBased ---- */

typedef struct ratio_sampler {
    double ratio;
    uint64_t threshold; /* rejection threshold over 56 bits of randomness: sampled when R >= threshold */
} ratio_sampler;

static otelc_sampling_result ratio_sample(void *self, const otelc_sampling_params *p) {
    ratio_sampler *rs = self;
    uint64_t r = 0;
    for (int i = 9; i < 16; i++) r = (r << 8) | p->trace_id[i];
    otelc_sampling_result res = {r >= rs->threshold ? OTELC_SAMPLING_RECORD_AND_SAMPLE : OTELC_SAMPLING_DROP,
                                 NULL, 0, NULL};
    return res;
}
static int ratio_describe(void *self, char *b, size_t n) {
    return snprintf(b, n, "TraceIdRatioBased{%g}", ((ratio_sampler *)self)->ratio);
}
static void ratio_destroy(void *self) { otelc_free(self); }
static const otelc_sampler_ops ratio_ops = {ratio_sample, ratio_describe, ratio_destroy};

otelc_sampler *otelc_sampler_trace_id_ratio(double ratio) {
    if (isnan(ratio) || ratio < 0) ratio = 0;
    if (ratio > 1) ratio = 1;
    ratio_sampler *rs = otelc_malloc(sizeof *rs);
    if (!rs) return NULL;
    rs->ratio = ratio;
    const double two56 = 72057594037927936.0; /* 2^56 */
    rs->threshold = (uint64_t)llround((1.0 - ratio) * two56);
    return otelc_sampler_create(&ratio_ops, rs);
}

/* ---- ParentBased ---- */

typedef struct parent_sampler {
    otelc_sampler *root, *remote_sampled, *remote_not_sampled, *local_sampled, *local_not_sampled;
} parent_sampler;

static otelc_sampling_result parent_sample(void *self, const otelc_sampling_params *p) {
    parent_sampler *ps = self;
    const otelc_sampler *d;
    if (!p->parent || !otelc_span_context_is_valid(p->parent)) d = ps->root;
    else if (p->parent->is_remote)
        d = (p->parent->trace_flags & OTELC_TRACE_FLAGS_SAMPLED) ? ps->remote_sampled : ps->remote_not_sampled;
    else
        d = (p->parent->trace_flags & OTELC_TRACE_FLAGS_SAMPLED) ? ps->local_sampled : ps->local_not_sampled;
    return otelc_sampler_should_sample(d, p);
}
static int parent_describe(void *self, char *b, size_t n) {
    parent_sampler *ps = self;
    char parts[5][96];
    otelc_sampler *all[5] = {ps->root, ps->remote_sampled, ps->remote_not_sampled, ps->local_sampled,
                             ps->local_not_sampled};
    for (int i = 0; i < 5; i++) otelc_sampler_describe(all[i], parts[i], sizeof parts[i]);
    return snprintf(b, n, "ParentBased{root=%s,remoteParentSampled=%s,remoteParentNotSampled=%s,"
                          "localParentSampled=%s,localParentNotSampled=%s}",
                    parts[0], parts[1], parts[2], parts[3], parts[4]);
}
static void parent_destroy(void *self) {
    parent_sampler *ps = self;
    otelc_sampler_destroy(ps->root);
    otelc_sampler_destroy(ps->remote_sampled);
    otelc_sampler_destroy(ps->remote_not_sampled);
    otelc_sampler_destroy(ps->local_sampled);
    otelc_sampler_destroy(ps->local_not_sampled);
    otelc_free(ps);
}
static const otelc_sampler_ops parent_ops = {parent_sample, parent_describe, parent_destroy};

otelc_sampler *otelc_sampler_parent_based(otelc_sampler *root, otelc_sampler *remote_sampled,
                                          otelc_sampler *remote_not_sampled, otelc_sampler *local_sampled,
                                          otelc_sampler *local_not_sampled) {
    parent_sampler *ps = otelc_calloc(1, sizeof *ps);
    if (ps) {
        ps->root = root ? root : otelc_sampler_always_on();
        ps->remote_sampled = remote_sampled ? remote_sampled : otelc_sampler_always_on();
        ps->remote_not_sampled = remote_not_sampled ? remote_not_sampled : otelc_sampler_always_off();
        ps->local_sampled = local_sampled ? local_sampled : otelc_sampler_always_on();
        ps->local_not_sampled = local_not_sampled ? local_not_sampled : otelc_sampler_always_off();
    }
    if (!ps || !ps->root || !ps->remote_sampled || !ps->remote_not_sampled || !ps->local_sampled ||
        !ps->local_not_sampled) {
        if (ps) parent_destroy(ps);
        else {
            otelc_sampler_destroy(root); otelc_sampler_destroy(remote_sampled);
            otelc_sampler_destroy(remote_not_sampled); otelc_sampler_destroy(local_sampled);
            otelc_sampler_destroy(local_not_sampled);
        }
        return NULL;
    }
    return otelc_sampler_create(&parent_ops, ps);
}

/* ---- OTEL_TRACES_SAMPLER ---- */

static double ratio_arg(void) {
    double ratio = 1.0;
    char buf[64];
    const char *arg = otelc__env_word("OTEL_TRACES_SAMPLER_ARG", buf, sizeof buf);
    if (!arg) return ratio;
    double v;
    if (!otelc__parse_double(arg, &v) || v < 0 || v > 1) {
        otelc_log(OTELC_LOG_WARN, "OTEL_TRACES_SAMPLER_ARG=\"%s\" is not a ratio in [0, 1]; using 1.0", arg);
        return ratio;
    }
    return v;
}

otelc_sampler *otelc__sampler_from_env(void) {
    char buf[64];
    const char *v = otelc__env_word("OTEL_TRACES_SAMPLER", buf, sizeof buf);
    if (!v || !strcasecmp(v, "parentbased_always_on"))
        return otelc_sampler_parent_based(otelc_sampler_always_on(), NULL, NULL, NULL, NULL);
    if (!strcasecmp(v, "always_on")) return otelc_sampler_always_on();
    if (!strcasecmp(v, "always_off")) return otelc_sampler_always_off();
    if (!strcasecmp(v, "traceidratio")) return otelc_sampler_trace_id_ratio(ratio_arg());
    if (!strcasecmp(v, "parentbased_always_off"))
        return otelc_sampler_parent_based(otelc_sampler_always_off(), NULL, NULL, NULL, NULL);
    if (!strcasecmp(v, "parentbased_traceidratio"))
        return otelc_sampler_parent_based(otelc_sampler_trace_id_ratio(ratio_arg()), NULL, NULL, NULL, NULL);
    otelc_log(OTELC_LOG_WARN,
              "OTEL_TRACES_SAMPLER=\"%s\" is not supported (always_on, always_off, traceidratio, "
              "parentbased_always_on, parentbased_always_off, parentbased_traceidratio); using "
              "parentbased_always_on", v);
    return otelc_sampler_parent_based(otelc_sampler_always_on(), NULL, NULL, NULL, NULL);
}
