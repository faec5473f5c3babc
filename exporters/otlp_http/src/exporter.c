/* The OTLP/HTTP exporter: one libcurl easy handle per exporter, so the connection to the collector is
 * kept alive and reused across batches. export() runs on the batch worker: encode (reusing the same
 * buffers every time), optionally gzip, POST, and retry 429/502/503/504 and connection failures with
 * exponential backoff and jitter, honouring Retry-After, all inside one deadline of timeout_ms.
 * Shutdown wakes a retry sleep and aborts a transfer in flight, so it never waits for a dead collector. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "otelc/log.h"
#include "otelc/sdk/counters.h"
#include "otelc/sdk/fork.h"
#include "otlp_internal.h"

#define RESPONSE_MAX (64 * 1024) /* bytes of a response body we keep; the rest is read and dropped */
#define MAX_SOCKS 4 /* sockets of one handle tracked for a fork child (one connection, a racing connect) */

typedef struct otlp_exporter {
    otelc_otlp_http_options o;
    CURL *curl;
    struct curl_slist *headers;
    otelc__otlp_buf body, zbody, response;
    char retry_after[64];
    atomic_bool shutdown;
    pthread_mutex_t lock; /* guards the retry sleep against shutdown's wake-up */
    pthread_cond_t wake;
    unsigned jitter_seed;
    bool partial_reported;
    /* fork(): the handle's connection is the parent's (one socket, one TLS session), so a child must never
     * write to it; see otlp_after_fork and retire_parent_handle. */
    otelc_fork_hook *fork_hook;
    curl_socket_t socks[MAX_SOCKS]; /* the handle's open sockets (CURL_SOCKET_BAD: free), from callbacks */
    bool in_export;        /* inside otlp_export (the exporting thread's; read in a fork child) */
    bool forked;           /* set in a fork child until the parent's handle is retired */
    bool forked_in_export; /* the fork landed inside an export: the handle and buffers may be mid-update */
    CURL *abandoned;       /* such a handle, kept reachable, never used or cleaned up */
} otlp_exporter;

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- libcurl callbacks (called on the exporting thread, inside curl_easy_perform) ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud) {
    otlp_exporter *e = ud;
    size_t n = size * nmemb;
    size_t room = RESPONSE_MAX > e->response.len ? RESPONSE_MAX - e->response.len : 0;
    otelc__otlp_buf_append(&e->response, p, n < room ? n : room);
    return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud) {
    otlp_exporter *e = ud;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && !strncasecmp(p, name, sizeof name - 1)) {
        size_t v = n - (sizeof name - 1);
        if (v >= sizeof e->retry_after) v = sizeof e->retry_after - 1;
        memcpy(e->retry_after, p + sizeof name - 1, v);
        e->retry_after[v] = 0;
    }
    return n;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    otlp_exporter *e = ud;
    return atomic_load_explicit(&e->shutdown, memory_order_relaxed) ? 1 : 0; /* non-zero aborts */
}

/* ---- partial success ---- */

static void handle_partial_success(otlp_exporter *e) {
    int64_t rejected = 0;
    char msg[256] = "";
    if (e->response.len == 0) return;
    if (e->o.protocol == OTELC_OTLP_HTTP_JSON) {
        cJSON *root = cJSON_ParseWithLength((const char *)e->response.data, e->response.len);
        cJSON *ps = root ? cJSON_GetObjectItemCaseSensitive(root, "partialSuccess") : NULL;
        cJSON *r = ps ? cJSON_GetObjectItemCaseSensitive(ps, "rejectedSpans") : NULL;
        cJSON *m = ps ? cJSON_GetObjectItemCaseSensitive(ps, "errorMessage") : NULL;
        if (cJSON_IsString(r)) rejected = strtoll(r->valuestring, NULL, 10);
        else if (cJSON_IsNumber(r)) rejected = (int64_t)r->valuedouble;
        if (cJSON_IsString(m)) snprintf(msg, sizeof msg, "%s", m->valuestring);
        cJSON_Delete(root);
    } else {
        if (!otelc__otlp_decode_partial_success(e->response.data, e->response.len, &rejected, msg, sizeof msg))
            return;
    }
    if (rejected > 0) otelc_sdk_counter_add(OTELC_COUNTER_SPANS_REJECTED, (uint64_t)rejected);
    if ((rejected > 0 || msg[0]) && !e->partial_reported) {
        e->partial_reported = true; /* reported once: a collector that rejects some spans does so on every batch */
        otelc_log(OTELC_LOG_WARN, "otlp: collector rejected %lld span(s): %s (further partial successes are only counted)",
                  (long long)rejected, msg[0] ? msg : "(no message)");
    }
}

/* ---- export ---- */

static otelc_status encode(otlp_exporter *e, const otelc_span_data *const *spans, size_t n, const uint8_t **out,
                           size_t *out_len) {
    e->body.len = 0;
    e->body.failed = 0;
    if (e->o.protocol == OTELC_OTLP_HTTP_JSON) {
        otelc_status st = otelc__otlp_json_encode(spans, n, &e->body);
        if (st != OTELC_OK) return st;
    } else {
        int size = otelc_otlp_encoded_size(spans, n);
        if (size < 0) return (otelc_status)size;
        if (!otelc__otlp_buf_reserve(&e->body, (size_t)size)) return OTELC_ERR_NO_MEMORY;
        int w = otelc_otlp_encode_traces(spans, n, e->body.data, e->body.cap);
        if (w < 0) return (otelc_status)w;
        e->body.len = (size_t)w;
    }
    *out = e->body.data;
    *out_len = e->body.len;
    if (e->o.compression == OTELC_OTLP_COMPRESSION_GZIP) {
        otelc_status st = otelc__otlp_gzip(e->body.data, e->body.len, &e->zbody);
        if (st != OTELC_OK) return st;
        *out = e->zbody.data;
        *out_len = e->zbody.len;
    }
    return OTELC_OK;
}

static bool retryable_status(long code) { return code == 429 || code == 502 || code == 503 || code == 504; }

static bool retryable_curl(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return true;
    default: return false;
    }
}

/* Sleeps up to ms unless shutdown is requested; returns false if woken by shutdown. */
static bool backoff_sleep(otlp_exporter *e, uint64_t ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->lock);
    while (!atomic_load(&e->shutdown)) {
        if (pthread_cond_timedwait(&e->wake, &e->lock, &ts) != 0) break;
    }
    bool ok = !atomic_load(&e->shutdown);
    pthread_mutex_unlock(&e->lock);
    return ok;
}

static bool reopen_after_fork(otlp_exporter *e);
static otelc_export_result export_spans(otlp_exporter *e, const otelc_span_data *const *spans, size_t n);

static otelc_export_result otlp_export(void *self, const otelc_span_data *const *spans, size_t n) {
    otlp_exporter *e = self;
    if (atomic_load(&e->shutdown)) return OTELC_EXPORT_FAILURE;
    if (n == 0) return OTELC_EXPORT_SUCCESS;
    if (__builtin_expect(e->forked || !e->curl, 0) && !reopen_after_fork(e)) return OTELC_EXPORT_FAILURE;
    e->in_export = true;
    otelc_export_result r = export_spans(e, spans, n);
    e->in_export = false;
    return r;
}

static otelc_export_result export_spans(otlp_exporter *e, const otelc_span_data *const *spans, size_t n) {
    uint64_t deadline = now_ms() + e->o.timeout_ms;
    const uint8_t *payload;
    size_t len;
    otelc_status st = encode(e, spans, n, &payload, &len);
    if (st != OTELC_OK) {
        otelc_log(OTELC_LOG_ERROR, "otlp: cannot encode %zu span(s): %s", n, otelc_status_str(st));
        return OTELC_EXPORT_FAILURE;
    }
    curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, (const char *)payload);
    curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);

    double backoff = e->o.retry_initial_ms;
    for (unsigned attempt = 0;; attempt++) {
        uint64_t now = now_ms();
        if (now >= deadline) {
            otelc_log(OTELC_LOG_WARN, "otlp: export of %zu span(s) to %s timed out after %u ms", n, e->o.endpoint,
                      e->o.timeout_ms);
            return OTELC_EXPORT_FAILURE;
        }
        e->response.len = 0;
        e->response.failed = 0;
        e->retry_after[0] = 0;
        curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, (long)(deadline - now));
        CURLcode rc = curl_easy_perform(e->curl);
        long code = 0;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
            otelc_sdk_counter_add(OTELC_COUNTER_EXPORT_BYTES, len);
            if (code >= 200 && code < 300) {
                handle_partial_success(e);
                return OTELC_EXPORT_SUCCESS;
            }
            if (!retryable_status(code)) {
                otelc_log(OTELC_LOG_WARN, "otlp: %s answered HTTP %ld (not retryable); %zu span(s) dropped: %.*s",
                          e->o.endpoint, code, n, (int)(e->response.len > 200 ? 200 : e->response.len),
                          e->response.data ? (const char *)e->response.data : "");
                return OTELC_EXPORT_FAILURE;
            }
        } else if (atomic_load(&e->shutdown)) {
            return OTELC_EXPORT_FAILURE;
        } else if (!retryable_curl(rc)) {
            otelc_log(OTELC_LOG_WARN, "otlp: export to %s failed: %s; %zu span(s) dropped", e->o.endpoint,
                      curl_easy_strerror(rc), n);
            return OTELC_EXPORT_FAILURE;
        }
        /* Retryable: the server's Retry-After wins over our own backoff; jitter spreads reconnecting
         * clients so a recovering collector is not hit by all of them at once. */
        int64_t wait = code ? otelc__otlp_retry_after_ms(e->retry_after, (int64_t)time(NULL)) : -1;
        if (wait < 0) {
            double jitter = 0.8 + 0.4 * ((double)rand_r(&e->jitter_seed) / (double)RAND_MAX);
            wait = (int64_t)(backoff * jitter);
            backoff *= 1.5;
            if (backoff > e->o.retry_max_ms) backoff = e->o.retry_max_ms;
        }
        now = now_ms();
        if (now + (uint64_t)wait >= deadline) {
            otelc_log(OTELC_LOG_WARN, "otlp: export to %s failed (%s) and the next retry would pass the %u ms "
                      "timeout; %zu span(s) dropped", e->o.endpoint, code ? "HTTP error" : curl_easy_strerror(rc),
                      e->o.timeout_ms, n);
            return OTELC_EXPORT_FAILURE;
        }
        otelc_sdk_counter_add(OTELC_COUNTER_EXPORT_RETRIES, 1);
        if (code) otelc_log(OTELC_LOG_DEBUG, "otlp: HTTP %ld, retry %u in %lld ms", code, attempt + 1, (long long)wait);
        else otelc_log(OTELC_LOG_DEBUG, "otlp: %s, retry %u in %lld ms", curl_easy_strerror(rc), attempt + 1, (long long)wait);
        if (!backoff_sleep(e, (uint64_t)wait)) return OTELC_EXPORT_FAILURE;
    }
}

static otelc_status otlp_flush(void *self, uint32_t timeout_ms) {
    (void)self;
    (void)timeout_ms;
    return OTELC_OK; /* nothing is buffered here: every export completes (or fails) before returning */
}

static otelc_status otlp_shutdown(void *self, uint32_t timeout_ms) {
    otlp_exporter *e = self;
    pthread_mutex_lock(&e->lock);
    atomic_store(&e->shutdown, true);
    pthread_cond_broadcast(&e->wake);
    pthread_mutex_unlock(&e->lock);
    return OTELC_OK;
}

static void retire_parent_handle(otlp_exporter *e);

static void otlp_destroy(void *self) {
    otlp_exporter *e = self;
    if (!e) return;
    otelc_fork_hook_remove(e->fork_hook);
    if (e->forked) retire_parent_handle(e); /* a fork child that never exported */
    if (e->curl) curl_easy_cleanup(e->curl);
    /* e->abandoned (a fork child only) is not cleaned up: see retire_parent_handle. */
    curl_slist_free_all(e->headers);
    otelc__otlp_buf_free(&e->body);
    otelc__otlp_buf_free(&e->zbody);
    otelc__otlp_buf_free(&e->response);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->lock);
    otelc_free(e);
}

static const otelc_exporter_ops otlp_ops = {
    .name = "otlp", .export_spans = otlp_export, .force_flush = otlp_flush, .shutdown = otlp_shutdown, .destroy = otlp_destroy,
};

/* ---- create ---- */

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc;
/* curl_global_init is process-wide and not reference counted in old libcurls: done once, never undone. */
static void curl_init_once(void) { g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static otelc_status validate(const otelc_otlp_http_options *o, otelc_error *err) {
    if (o->protocol == OTELC_OTLP_GRPC)
        return otelc_error_set(err, OTELC_ERR_UNSUPPORTED, "otlp: protocol grpc is not supported (OTLP/HTTP only: "
                               "use http/protobuf or http/json and the collector's port 4318)");
    if (o->protocol != OTELC_OTLP_HTTP_PROTOBUF && o->protocol != OTELC_OTLP_HTTP_JSON)
        return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: unknown protocol %d", (int)o->protocol);
    if (o->compression != OTELC_OTLP_COMPRESSION_NONE && o->compression != OTELC_OTLP_COMPRESSION_GZIP)
        return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: unknown compression %d", (int)o->compression);
    if (!memchr(o->endpoint, 0, sizeof o->endpoint) || !memchr(o->headers, 0, sizeof o->headers) ||
        !memchr(o->certificate, 0, sizeof o->certificate) || !memchr(o->client_certificate, 0, sizeof o->client_certificate) ||
        !memchr(o->client_key, 0, sizeof o->client_key))
        return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: an option string is not NUL-terminated");
    if (strncasecmp(o->endpoint, "http://", 7) && strncasecmp(o->endpoint, "https://", 8))
        return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: endpoint \"%s\" must start with http:// or https://",
                               o->endpoint);
    if (o->timeout_ms == 0) return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: timeout_ms must be > 0");
    if (!!o->client_certificate[0] != !!o->client_key[0])
        return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: client certificate and client key must be given together");
    otelc_status st;
    if (o->certificate[0] && (st = otelc__otlp_check_cert("certificate", o->certificate, err)) != OTELC_OK) return st;
    if (o->client_certificate[0] &&
        (st = otelc__otlp_check_cert("client certificate", o->client_certificate, err)) != OTELC_OK)
        return st;
    if (o->client_key[0] && (st = otelc__otlp_check_key("client key", o->client_key, err)) != OTELC_OK) return st;
    return OTELC_OK;
}

static otelc_status setup_handle(otlp_exporter *e, otelc_error *err);

static otelc_status setup_curl(otlp_exporter *e, otelc_error *err) {
    const otelc_otlp_http_options *o = &e->o;
    otelc_status st = otelc__otlp_parse_headers(o->headers, &e->headers, err);
    if (st != OTELC_OK) return st;
    const char *fixed[] = {
        o->protocol == OTELC_OTLP_HTTP_JSON ? "Content-Type: application/json" : "Content-Type: application/x-protobuf",
        o->compression == OTELC_OTLP_COMPRESSION_GZIP ? "Content-Encoding: gzip" : NULL,
        "Expect:", /* no 100-continue round trip for large bodies */
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        if (!fixed[i]) continue;
        struct curl_slist *l = curl_slist_append(e->headers, fixed[i]);
        if (!l) return otelc_error_set(err, OTELC_ERR_NO_MEMORY, "otlp: out of memory");
        e->headers = l;
    }
    return setup_handle(e, err);
}

/* The handle's sockets (one connection; a second while a dual-stack connect races), so that a fork child
 * can point them at /dev/null without asking the handle. */
static int on_sockopt(void *self, curl_socket_t fd, curlsocktype purpose) {
    (void)purpose;
    otlp_exporter *e = self;
    for (size_t i = 0; i < MAX_SOCKS; i++) {
        if (e->socks[i] == CURL_SOCKET_BAD) {
            e->socks[i] = fd;
            break;
        }
    }
    return CURL_SOCKOPT_OK;
}
static int on_close_socket(void *self, curl_socket_t fd) {
    otlp_exporter *e = self;
    for (size_t i = 0; i < MAX_SOCKS; i++)
        if (e->socks[i] == fd) e->socks[i] = CURL_SOCKET_BAD;
    return close(fd);
}

static void forget_sockets(otlp_exporter *e) {
    for (size_t i = 0; i < MAX_SOCKS; i++) e->socks[i] = CURL_SOCKET_BAD;
}

/* A new easy handle with every option (the header list is built once, by setup_curl). */
static otelc_status setup_handle(otlp_exporter *e, otelc_error *err) {
    const otelc_otlp_http_options *o = &e->o;
    e->curl = curl_easy_init();
    if (!e->curl) return otelc_error_set(err, OTELC_ERR_NO_MEMORY, "otlp: curl_easy_init failed");
    CURL *c = e->curl;
    CURLcode rc = CURLE_OK;
#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val)
    SET(CURLOPT_URL, o->endpoint);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_HTTPHEADER, e->headers);
    SET(CURLOPT_USERAGENT, "otelc/" OTELC_VERSION_STRING);
    SET(CURLOPT_NOSIGNAL, 1L); /* we run on a worker thread: no SIGALRM-based DNS timeouts */
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, e);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, e);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, e);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)o->timeout_ms);
    SET(CURLOPT_SOCKOPTFUNCTION, on_sockopt);
    SET(CURLOPT_SOCKOPTDATA, e);
    SET(CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    SET(CURLOPT_CLOSESOCKETDATA, e);
    if (o->certificate[0]) SET(CURLOPT_CAINFO, o->certificate);
    if (o->client_certificate[0]) SET(CURLOPT_SSLCERT, o->client_certificate);
    if (o->client_key[0]) SET(CURLOPT_SSLKEY, o->client_key);
#undef SET
    if (rc == CURLE_OK) rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc != CURLE_OK) return otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: libcurl rejected an option: %s",
                                               curl_easy_strerror(rc));
    return OTELC_OK;
}

/* In the child of fork(): a parent thread may have held the lock (a retry sleep), and the handle's
 * kept-alive connection is shared with the parent. */
static void otlp_after_fork(void *self) {
    otlp_exporter *e = self;
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->wake, NULL);
    e->forked = true;
    e->forked_in_export = e->in_export;
    e->in_export = false;
}

/* In a fork child: the parent's connection must receive nothing from the child, so its socket (the
 * child's copy of the descriptor) is first pointed at /dev/null. Then the handle is cleaned up (a TLS
 * close_notify or a FIN goes nowhere) unless the fork landed inside an export: then the handle and the
 * buffers may be mid-update and are left as they are (leaked in the child; the buffers start empty). */
static void retire_parent_handle(otlp_exporter *e) {
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (size_t i = 0; nul >= 0 && i < MAX_SOCKS; i++)
        if (e->socks[i] != CURL_SOCKET_BAD) dup2(nul, (int)e->socks[i]);
    if (nul >= 0) close(nul);
    CURL *old = e->curl;
    e->curl = NULL;
    if (e->forked_in_export) {
        e->abandoned = old;
        memset(&e->body, 0, sizeof e->body);
        memset(&e->zbody, 0, sizeof e->zbody);
        memset(&e->response, 0, sizeof e->response);
    } else if (old) {
        curl_easy_cleanup(old); /* closes the sockets (now /dev/null) through on_close_socket */
    }
    forget_sockets(e);
    e->forked = false;
    e->forked_in_export = false;
}

/* First export in a fork child: retire the parent's handle and open a new one. */
static bool reopen_after_fork(otlp_exporter *e) {
    if (e->forked) retire_parent_handle(e);
    otelc_error err;
    memset(&err, 0, sizeof err);
    if (setup_handle(e, &err) != OTELC_OK) {
        otelc_log(OTELC_LOG_WARN, "otlp: cannot open a new connection after fork: %s", err.message);
        if (e->curl) curl_easy_cleanup(e->curl);
        e->curl = NULL;
        return false; /* tried again at the next export */
    }
    otelc_log(OTELC_LOG_DEBUG, "otlp: new connection handle after fork()");
    return true;
}

otelc_exporter *otelc_otlp_http_exporter_create(const otelc_otlp_http_options *opts, otelc_error *err) {
    otelc_otlp_http_options defaults;
    if (!opts) {
        otelc_otlp_http_options_init(&defaults);
        opts = &defaults;
    } else if (opts->struct_size < sizeof *opts) {
        otelc_error_set(err, OTELC_ERR_INVALID_ARGUMENT, "otlp: options struct_size %zu is smaller than %zu (fill with "
                        "otelc_otlp_http_options_init)", opts->struct_size, sizeof *opts);
        return NULL;
    }
    if (validate(opts, err) != OTELC_OK) return NULL;
    pthread_once(&g_curl_once, curl_init_once);
    if (g_curl_init_rc != CURLE_OK) {
        otelc_error_set(err, OTELC_ERR_INTERNAL, "otlp: curl_global_init failed: %s", curl_easy_strerror(g_curl_init_rc));
        return NULL;
    }
    otlp_exporter *e = otelc_calloc(1, sizeof *e);
    if (!e) {
        otelc_error_set(err, OTELC_ERR_NO_MEMORY, "otlp: out of memory");
        return NULL;
    }
    e->o = *opts;
    e->o.struct_size = sizeof e->o;
    if (e->o.retry_initial_ms == 0) e->o.retry_initial_ms = 1;
    if (e->o.retry_max_ms < e->o.retry_initial_ms) e->o.retry_max_ms = e->o.retry_initial_ms;
    e->jitter_seed = (unsigned)((uintptr_t)e ^ (uintptr_t)time(NULL));
    atomic_init(&e->shutdown, false);
    forget_sockets(e);
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->wake, NULL);
    if (setup_curl(e, err) != OTELC_OK) {
        otlp_destroy(e);
        return NULL;
    }
    /* Without the hook (out of memory) a fork child would share the parent's connection. */
    e->fork_hook = otelc_fork_hook_add(otlp_after_fork, e);
    otelc_exporter *ex = otelc_exporter_create(&otlp_ops, e); /* destroys e on failure */
    if (!ex) otelc_error_set(err, OTELC_ERR_NO_MEMORY, "otlp: out of memory");
    return ex;
}

/* ---- factory ---- */

static otelc_exporter *factory(otelc_error *err) { return otelc_otlp_http_exporter_create(NULL, err); }

static pthread_once_t g_register_once = PTHREAD_ONCE_INIT;
static otelc_status g_register_status;
static void register_once(void) { g_register_status = otelc_exporter_factory_register("otlp", factory); }

otelc_status otelc_otlp_http_register(void) {
    pthread_once(&g_register_once, register_once);
    return g_register_status;
}
