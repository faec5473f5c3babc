/* Certificate and key files are parsed with mbedtls when the exporter is created, so a typo in a path
 * or a truncated PEM is reported once, naming the file, instead of as an opaque TLS failure on every
 * export. libcurl (with its own TLS backend) still does the handshake; this is validation only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "otlp_internal.h"

static otelc_status check_readable(const char *what, const char *path, otelc_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return otelc_error_set(err, OTELC_ERR_IO, "otlp: %s file \"%s\": %s", what, path, strerror(errno));
    fclose(f);
    return OTELC_OK;
}

otelc_status otelc__otlp_check_cert(const char *what, const char *path, otelc_error *err) {
    otelc_status st = check_readable(what, path, err);
    if (st != OTELC_OK) return st;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int rc = mbedtls_x509_crt_parse_file(&crt, path);
    mbedtls_x509_crt_free(&crt);
    if (rc != 0) {
        char msg[128];
        mbedtls_strerror(rc, msg, sizeof msg);
        /* rc > 0 means some certificates of a bundle parsed and rc did not. */
        return otelc_error_set(err, OTELC_ERR_PARSE, "otlp: %s file \"%s\" is not a valid PEM/DER certificate%s: %s",
                               what, path, rc > 0 ? " bundle" : "", rc > 0 ? "some entries failed to parse" : msg);
    }
    return OTELC_OK;
}

otelc_status otelc__otlp_check_key(const char *what, const char *path, otelc_error *err) {
    otelc_status st = check_readable(what, path, err);
    if (st != OTELC_OK) return st;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = mbedtls_pk_parse_keyfile(&pk, path, NULL);
    mbedtls_pk_free(&pk);
    if (rc != 0) {
        char msg[128];
        mbedtls_strerror(rc, msg, sizeof msg);
        return otelc_error_set(err, OTELC_ERR_PARSE, "otlp: %s file \"%s\" is not a valid private key: %s", what, path, msg);
    }
    return OTELC_OK;
}
