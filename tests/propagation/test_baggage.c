/* W3C Baggage: the baggage API (get/set/remove/iterate, limits) and the header codec
 * (percent-encoding, properties, malformed members, size limits), from the W3C Baggage examples. */
#include <stdlib.h>

#include "prop_test.h"

static void test_api(void **state) {
    (void)state;
    otelc_baggage *a = otelc_baggage_set(NULL, "user", "alice", NULL);
    otelc_baggage *b = otelc_baggage_set(a, "tier", "gold", "ttl=30");
    otelc_baggage *c = otelc_baggage_set(b, "user", "bob", NULL); /* replace */
    assert_int_equal(otelc_baggage_count(c), 2);
    assert_string_equal(otelc_baggage_get(c, "user"), "bob");
    assert_string_equal(otelc_baggage_get(a, "user"), "alice"); /* immutable */
    const char *n, *v, *p;
    assert_int_equal(otelc_baggage_entry(b, 1, &n, &v, &p), OTELC_OK);
    assert_string_equal(n, "tier");
    assert_string_equal(v, "gold");
    assert_string_equal(p, "ttl=30");
    assert_int_equal(otelc_baggage_entry(b, 2, &n, &v, &p), OTELC_ERR_NOT_FOUND);
    otelc_baggage *d = otelc_baggage_remove(c, "tier");
    assert_int_equal(otelc_baggage_count(d), 1);
    assert_null(otelc_baggage_get(d, "tier"));
    assert_null(otelc_baggage_remove(d, "user")); /* empty result */
    assert_null(otelc_baggage_set(NULL, "", "x", NULL));
    assert_null(otelc_baggage_set(NULL, "bad key", "x", NULL)); /* not a token */
    assert_null(otelc_baggage_set(NULL, "k", "x", "a,b"));      /* ',' would split the list */
    otelc_baggage_release(a);
    otelc_baggage_release(b);
    otelc_baggage_release(c);
    otelc_baggage_release(d);
}

static void test_api_limits(void **state) {
    (void)state;
    otelc_baggage *bag = NULL;
    char name[16];
    for (int i = 0; i < OTELC_BAGGAGE_MAX_ENTRIES; i++) {
        snprintf(name, sizeof name, "k%d", i);
        otelc_baggage *next = otelc_baggage_set(bag, name, "v", NULL);
        assert_non_null(next);
        otelc_baggage_release(bag);
        bag = next;
    }
    assert_null(otelc_baggage_set(bag, "one-more", "v", NULL));
    otelc_baggage *replaced = otelc_baggage_set(bag, "k0", "w", NULL); /* replacing stays within 180 */
    assert_non_null(replaced);
    otelc_baggage_release(replaced);
    otelc_baggage_release(bag);

    char *big = malloc(OTELC_BAGGAGE_MAX_ENTRY_BYTES + 1);
    memset(big, 'x', OTELC_BAGGAGE_MAX_ENTRY_BYTES);
    big[OTELC_BAGGAGE_MAX_ENTRY_BYTES - 2] = '\0'; /* "k=" + value = 4096 bytes */
    otelc_baggage *ok = otelc_baggage_set(NULL, "k", big, NULL);
    assert_non_null(ok);
    big[OTELC_BAGGAGE_MAX_ENTRY_BYTES - 2] = 'x';
    big[OTELC_BAGGAGE_MAX_ENTRY_BYTES - 1] = '\0';
    assert_null(otelc_baggage_set(NULL, "k", big, NULL));
    /* total: 4096 + 1 + 4002 fits in 8192; a third entry does not */
    big[4000] = '\0';
    otelc_baggage *two = otelc_baggage_set(ok, "j", big, NULL);
    assert_non_null(two);
    assert_null(otelc_baggage_set(two, "i", big, NULL));
    otelc_baggage_release(two);
    otelc_baggage_release(ok);
    free(big);
}

typedef struct bg_case {
    const char *header;
    const char *expect; /* entries as "name=value[;props]|..." after decoding, "" for none */
} bg_case;

static void describe(const otelc_baggage *b, char *out, size_t size) {
    out[0] = '\0';
    for (size_t i = 0; i < otelc_baggage_count(b); i++) {
        const char *n, *v, *p;
        otelc_baggage_entry(b, i, &n, &v, &p);
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s=%s%s%s", i ? "|" : "", n, v, p ? ";" : "", p ? p : "");
    }
}

static void test_extract_table(void **state) {
    (void)state;
    static const bg_case cases[] = {
        {"key1=value1,key2=value2", "key1=value1|key2=value2"},
        {" key1 = value1 ,\tkey2=value2 ", "key1=value1|key2=value2"},
        {"key1=value1;property1;property2, key2 = value2, key3=value3; propertyKey=propertyValue",
         "key1=value1;property1;property2|key2=value2|key3=value3;propertyKey=propertyValue"},
        {"userId=alice,serverNode=DF%2028,isProduction=false", "userId=alice|serverNode=DF 28|isProduction=false"},
        {"key=%20va%2clue%25", "key= va,lue%"},
        {"k=caf%C3%A9", "k=caf\xc3\xa9"},
        {"k=", "k="},                      /* empty value is allowed */
        {"a=1,bad,b=2", "a=1|b=2"},        /* malformed members are skipped one by one */
        {"a=1,=2,b=2", "a=1|b=2"},
        {"a=1,k(ey=v,b=2", "a=1|b=2"},      /* '(' is not a token character */
        {"a=val ue,b=2", "b=2"},           /* space inside a value must be encoded */
        {"a=%zz,b=%0", ""},                 /* bad escapes */
        {"a=%00", ""},                      /* NUL cannot be a value byte */
        {"a=x\"y", ""},                     /* '\"' is outside baggage-octet */
        {"a=1,a=2", "a=2"},                 /* the last one wins */
        {",,,", ""},
        {"", ""},
    };
    otelc_propagator *p = otelc_propagator_baggage();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        carrier c;
        carrier_init(&c);
        carrier_add(&c, "baggage", cases[i].header);
        otelc_context *ctx = extract_from(p, &c);
        char got[512];
        describe(otelc_context_get_baggage(ctx), got, sizeof got);
        if (strcmp(got, cases[i].expect) != 0) fail_msg("case %zu \"%s\": got \"%s\"", i, cases[i].header, got);
        otelc_span_context sc = otelc_context_get_span_context(ctx);
        assert_false(otelc_span_context_is_valid(&sc));
        otelc_context_release(ctx);
        carrier_free(&c);
    }
    otelc_propagator_destroy(p);
}

static void test_extract_limits(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_baggage();
    /* 200 members: only the first 180 are kept */
    char *h = malloc(200 * 12);
    h[0] = '\0';
    for (int i = 0; i < 200; i++) sprintf(h + strlen(h), "%sk%d=%d", i ? "," : "", i, i);
    carrier c;
    carrier_init(&c);
    carrier_add(&c, "baggage", h);
    otelc_context *ctx = extract_from(p, &c);
    assert_int_equal(otelc_baggage_count(otelc_context_get_baggage(ctx)), OTELC_BAGGAGE_MAX_ENTRIES);
    assert_string_equal(otelc_baggage_get(otelc_context_get_baggage(ctx), "k179"), "179");
    otelc_context_release(ctx);
    carrier_free(&c);
    free(h);

    /* an over-long member is dropped, the others kept; the total is capped at 8192 bytes */
    size_t n = 3 * 4000 + 5000 + 100;
    h = malloc(n);
    strcpy(h, "small=1,huge=");
    memset(h + strlen(h), 'x', 5000);
    h[13 + 5000] = '\0';
    for (int i = 0; i < 3; i++) {
        size_t len = strlen(h);
        sprintf(h + len, ",b%d=", i);
        len = strlen(h);
        memset(h + len, 'y', 3990);
        h[len + 3990] = '\0';
    }
    carrier_init(&c);
    carrier_add(&c, "baggage", h);
    ctx = extract_from(p, &c);
    const otelc_baggage *b = otelc_context_get_baggage(ctx);
    assert_non_null(otelc_baggage_get(b, "small"));
    assert_null(otelc_baggage_get(b, "huge"));
    assert_non_null(otelc_baggage_get(b, "b0"));
    assert_non_null(otelc_baggage_get(b, "b1"));
    assert_null(otelc_baggage_get(b, "b2"));
    otelc_context_release(ctx);
    carrier_free(&c);
    free(h);
    otelc_propagator_destroy(p);
}

static void test_inject(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_baggage();
    otelc_baggage *b1 = otelc_baggage_set(NULL, "userId", "alice", NULL);
    otelc_baggage *b2 = otelc_baggage_set(b1, "node", "DF 28,x=%y;\"caf\xc3\xa9\"", "prop1;k=v");
    otelc_context *ctx = otelc_context_create(NULL, b2);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_string_equal(carrier_value(&c, "baggage"), "userId=alice,node=DF%2028%2Cx=%25y%3B%22caf%C3%A9%22;prop1;k=v");
    /* and back */
    otelc_context *back = extract_from(p, &c);
    const otelc_baggage *bb = otelc_context_get_baggage(back);
    assert_string_equal(otelc_baggage_get(bb, "node"), "DF 28,x=%y;\"caf\xc3\xa9\"");
    const char *n, *v, *props;
    assert_int_equal(otelc_baggage_entry(bb, 1, &n, &v, &props), OTELC_OK);
    assert_string_equal(props, "prop1;k=v");
    otelc_context_release(back);
    carrier_free(&c);
    otelc_context_release(ctx);

    /* no baggage: no header */
    ctx = otelc_context_create(NULL, NULL);
    carrier_init(&c);
    s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_int_equal(c.count, 0);
    carrier_free(&c);
    otelc_context_release(ctx);
    otelc_baggage_release(b1);
    otelc_baggage_release(b2);
    otelc_propagator_destroy(p);
}

/* An entry that fits the API limit before encoding but not after is left out of the header. */
static void test_inject_encoded_overflow(void **state) {
    (void)state;
    otelc_propagator *p = otelc_propagator_baggage();
    char *v = malloc(2001);
    memset(v, ' ', 2000); /* each space becomes %20: 6000 bytes encoded */
    v[2000] = '\0';
    otelc_baggage *b1 = otelc_baggage_set(NULL, "wide", v, NULL);
    otelc_baggage *b2 = otelc_baggage_set(b1, "k", "v", NULL);
    otelc_context *ctx = otelc_context_create(NULL, b2);
    carrier c;
    carrier_init(&c);
    otelc_carrier_setter s = carrier_setter(&c);
    otelc_propagator_inject(p, ctx, &s);
    assert_string_equal(carrier_value(&c, "baggage"), "k=v");
    carrier_free(&c);
    otelc_context_release(ctx);
    otelc_baggage_release(b1);
    otelc_baggage_release(b2);
    free(v);
    otelc_propagator_destroy(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_api_limits),
        cmocka_unit_test(test_extract_table),
        cmocka_unit_test(test_extract_limits),
        cmocka_unit_test(test_inject),
        cmocka_unit_test(test_inject_encoded_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
