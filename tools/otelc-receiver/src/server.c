/* The receiver's HTTP/1.1 server: one thread, poll() over the listening socket, a self-pipe for stop,
 * and up to MAX_CONN keep-alive connections. Each connection buffers one request at a time (headers
 * bounded by MAX_HEADER, body by max_body); idle connections are closed after IDLE_MS so a silent
 * client cannot hold a slot forever. Only Content-Length bodies are accepted (what OTLP exporters send). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <pb_encode.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "server.h"

#define MAX_CONN 32
#define MAX_HEADER (16 * 1024)
#define IDLE_MS 30000

typedef struct conn {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    uint64_t last_ms;
} conn;

struct rcv_server {
    rcv_server_options o;
    int listen_fd;
    int port;
    int stop_pipe[2];
    conn conns[MAX_CONN];
    atomic_uint requests;
    atomic_uint connections;
    int failed_so_far;
};

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void rcv_server_options_init(rcv_server_options *o) {
    memset(o, 0, sizeof *o);
    o->host = "127.0.0.1";
    o->port = 4318;
    o->max_body = 16u << 20;
    o->fail_status = 503;
    o->retry_after_s = -1;
}

rcv_server *rcv_server_create(const rcv_server_options *o, char *err, size_t err_size) {
    rcv_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    s->o = *o;
    if (!s->o.host) s->o.host = "127.0.0.1";
    if (!s->o.max_body) s->o.max_body = 16u << 20;
    if (!s->o.log) s->o.log = stderr;
    for (int i = 0; i < MAX_CONN; i++) s->conns[i].fd = -1;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    /* An IPv4 or an IPv6 address (a literal: no name lookup). */
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    bool ok = o->port >= 0 && o->port <= 65535;
    if (ok && inet_pton(AF_INET, s->o.host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)o->port);
        len = sizeof *a4;
    } else if (ok && inet_pton(AF_INET6, s->o.host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)o->port);
        len = sizeof *a6;
    } else {
        snprintf(err, err_size, "invalid listen address %s:%d (IPv4 or IPv6 address, port 0-65535)", s->o.host, o->port);
        free(s);
        return NULL;
    }
    s->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (s->listen_fd < 0 || setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(s->listen_fd, (struct sockaddr *)&ss, len) != 0 || listen(s->listen_fd, 64) != 0 ||
        pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, err_size, "cannot listen on %s:%d: %s", s->o.host, o->port, strerror(errno));
        rcv_server_destroy(s);
        return NULL;
    }
    len = sizeof ss;
    getsockname(s->listen_fd, (struct sockaddr *)&ss, &len);
    s->port = ntohs(ss.ss_family == AF_INET6 ? a6->sin6_port : a4->sin_port);
    atomic_init(&s->requests, 0);
    atomic_init(&s->connections, 0);
    return s;
}

int rcv_server_port(const rcv_server *s) { return s->port; }
unsigned rcv_server_requests(const rcv_server *s) { return atomic_load(&((rcv_server *)s)->requests); }
unsigned rcv_server_connections(const rcv_server *s) { return atomic_load(&((rcv_server *)s)->connections); }

void rcv_server_stop(rcv_server *s) {
    char c = 1;
    ssize_t w = write(s->stop_pipe[1], &c, 1);
    (void)w;
}

static void conn_close(conn *c) {
    if (c->fd >= 0) close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

void rcv_server_destroy(rcv_server *s) {
    if (!s) return;
    for (int i = 0; i < MAX_CONN; i++) conn_close(&s->conns[i]);
    if (s->listen_fd >= 0) close(s->listen_fd);
    if (s->stop_pipe[0] >= 0) close(s->stop_pipe[0]);
    if (s->stop_pipe[1] >= 0) close(s->stop_pipe[1]);
    free(s);
}

/* Writes all of p (the socket is non-blocking: wait for room, at most 5 s in total). */
static bool send_all(int fd, const void *p, size_t n) {
    const char *c = p;
    uint64_t deadline = now_ms() + 5000;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w > 0) {
            c += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
        uint64_t now = now_ms();
        if (now >= deadline) return false;
        struct pollfd pfd = {fd, POLLOUT, 0};
        poll(&pfd, 1, (int)(deadline - now));
    }
    return true;
}

static const char *reason(int code) {
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

static bool respond(conn *c, int code, const char *ctype, const void *body, size_t len, int retry_after, bool close_conn) {
    char head[512];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s", code,
                     reason(code), ctype, len, close_conn ? "Connection: close\r\n" : "");
    if (retry_after >= 0) n += snprintf(head + n, sizeof head - (size_t)n, "Retry-After: %d\r\n", retry_after);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    return send_all(c->fd, head, (size_t)n) && (!len || send_all(c->fd, body, len));
}

/* A 4xx with one line of explanation, also logged as one line. */
static bool bad(rcv_server *s, conn *c, int code, const char *why, bool close_conn) {
    char line[320];
    int n = snprintf(line, sizeof line, "%s\n", why);
    fprintf(s->o.log, "otelc-receiver: %d %s\n", code, why);
    fflush(s->o.log);
    return respond(c, code, "text/plain", line, (size_t)(n < (int)sizeof line ? n : (int)sizeof line - 1), -1, close_conn);
}

static bool encode_msg(pb_ostream_t *stream, const pb_field_t *field, void *const *arg) {
    const char *m = *arg;
    return pb_encode_tag_for_field(stream, field) && pb_encode_string(stream, (const pb_byte_t *)m, strlen(m));
}

static bool respond_ok(rcv_server *s, conn *c, bool json) {
    int64_t rej = s->o.partial_rejected;
    if (json) {
        char body[160];
        int n = rej > 0 ? snprintf(body, sizeof body, "{\"partialSuccess\":{\"rejectedSpans\":\"%lld\",\"errorMessage\":"
                                   "\"rejected by otelc-receiver for testing\"}}", (long long)rej)
                        : snprintf(body, sizeof body, "{}");
        return respond(c, 200, "application/json", body, (size_t)n, -1, false);
    }
    uint8_t body[160];
    size_t n = 0;
    if (rej > 0) {
        opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse resp =
            opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_init_zero;
        resp.has_partial_success = true;
        resp.partial_success.rejected_spans = rej;
        resp.partial_success.error_message.funcs.encode = encode_msg;
        resp.partial_success.error_message.arg = (void *)"rejected by otelc-receiver for testing";
        pb_ostream_t out = pb_ostream_from_buffer(body, sizeof body);
        if (pb_encode(&out, opentelemetry_proto_collector_trace_v1_ExportTraceServiceResponse_fields, &resp))
            n = out.bytes_written;
    }
    return respond(c, 200, "application/x-protobuf", body, n, -1, false);
}

/* Inflates gzip or zlib data (auto-detected) into a new buffer of at most max bytes. */
static uint8_t *inflate_body(const uint8_t *in, size_t n, size_t max, size_t *out_len, const char **why) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) {
        *why = "cannot initialise zlib";
        return NULL;
    }
    size_t cap = n * 4 + 1024 < max ? n * 4 + 1024 : max;
    uint8_t *out = malloc(cap + 1);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    int rc = Z_OK;
    size_t used = 0;
    while (out) {
        z.next_out = out + used;
        z.avail_out = (uInt)(cap - used);
        rc = inflate(&z, Z_NO_FLUSH);
        used = cap - z.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) break;
        if (z.avail_out == 0) {
            if (cap >= max) {
                rc = Z_MEM_ERROR;
                *why = "decompressed body exceeds the size limit";
                break;
            }
            size_t ncap = cap * 2 < max ? cap * 2 : max;
            uint8_t *nb = realloc(out, ncap + 1);
            if (!nb) break;
            out = nb;
            cap = ncap;
        } else if (z.avail_in == 0) {
            rc = Z_DATA_ERROR; /* input ended before the stream did */
            break;
        }
    }
    inflateEnd(&z);
    if (!out || rc != Z_STREAM_END) {
        if (!*why) *why = "body is not valid gzip/deflate data";
        free(out);
        return NULL;
    }
    *out_len = used;
    return out;
}

static const char *header(char *headers, const char *name, char *val, size_t val_size) {
    size_t nl = strlen(name);
    for (char *line = headers; line && *line;) {
        char *end = strstr(line, "\r\n");
        if (!end) break;
        if ((size_t)(end - line) > nl && !strncasecmp(line, name, nl) && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t n = (size_t)(end - v);
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
            if (n >= val_size) n = val_size - 1;
            memcpy(val, v, n);
            val[n] = 0;
            return val;
        }
        line = end + 2;
    }
    val[0] = 0;
    return NULL;
}

/* Handles the complete request at the start of c->buf (headers end at hdr_len, body follows).
 * Returns false when the connection must be closed. */
static bool handle(rcv_server *s, conn *c, size_t hdr_len, size_t body_len) {
    char *h = (char *)c->buf;
    h[hdr_len - 2] = 0; /* keep the last header's CRLF, cut the blank line */
    char *line_end = strstr(h, "\r\n");
    if (!line_end) return bad(s, c, 400, "malformed request line", true) && false;
    *line_end = 0;
    char *headers = line_end + 2;
    char method[16], path[256];
    if (sscanf(h, "%15s %255s HTTP/1.%*d", method, path) != 2) return bad(s, c, 400, "malformed request line", true) && false;
    char *q = strchr(path, '?');
    if (q) *q = 0;
    char ctype[128], cenc[64], conn_hdr[64];
    header(headers, "Content-Type", ctype, sizeof ctype);
    header(headers, "Content-Encoding", cenc, sizeof cenc);
    header(headers, "Connection", conn_hdr, sizeof conn_hdr);
    bool close_after = !strcasecmp(conn_hdr, "close");
    const uint8_t *body = c->buf + hdr_len;

    if (strcmp(path, "/v1/traces") != 0) return bad(s, c, 404, "only /v1/traces is served", close_after) && !close_after;
    if (strcmp(method, "POST") != 0) return bad(s, c, 405, "use POST", close_after) && !close_after;
    char *semi = strchr(ctype, ';');
    if (semi) *semi = 0;
    bool json = !strcasecmp(ctype, "application/json");
    if (!json && strcasecmp(ctype, "application/x-protobuf") && strcasecmp(ctype, "application/protobuf"))
        return bad(s, c, 415, "Content-Type must be application/x-protobuf or application/json", close_after) && !close_after;

    atomic_fetch_add(&s->requests, 1);
    if (s->failed_so_far < s->o.fail_first) {
        s->failed_so_far++;
        const char *msg = "failure injected by otelc-receiver --fail\n";
        return respond(c, s->o.fail_status, "text/plain", msg, strlen(msg), s->o.retry_after_s, close_after) && !close_after;
    }

    uint8_t *plain = NULL;
    size_t plain_len = body_len;
    if (cenc[0] && strcasecmp(cenc, "identity")) {
        if (strcasecmp(cenc, "gzip") && strcasecmp(cenc, "deflate"))
            return bad(s, c, 415, "Content-Encoding must be gzip, deflate or identity", close_after) && !close_after;
        const char *why = NULL;
        plain = inflate_body(body, body_len, s->o.max_body, &plain_len, &why);
        if (!plain) return bad(s, c, 400, why, close_after) && !close_after;
        body = plain;
    }
    char err[200];
    /* Decoded form: bounded by a multiple of the body (pointers and list nodes per field) plus slack. */
    rcv_request *req = rcv_request_new(plain_len * 16 + (1u << 20));
    bool ok = req && (json ? rcv_decode_json(req, (const char *)body, plain_len, err, sizeof err)
                           : rcv_decode_protobuf(req, body, plain_len, err, sizeof err));
    if (!req) snprintf(err, sizeof err, "out of memory");
    bool keep = false;
    if (ok) {
        rcv_http_info info = {method, path, ctype, cenc, headers, body_len};
        if (s->o.on_request) keep = s->o.on_request(req, &info, s->o.user_data);
    }
    if (!keep) rcv_request_free(req);
    free(plain);
    if (!ok) {
        char why[240];
        snprintf(why, sizeof why, "cannot decode %s request: %s", json ? "JSON" : "protobuf", err);
        return bad(s, c, 400, why, close_after) && !close_after;
    }
    return respond_ok(s, c, json) && !close_after;
}

/* Processes every complete request buffered on c. Returns false to close the connection. */
static bool drain(rcv_server *s, conn *c) {
    for (;;) {
        if (c->len < 4) return true;
        uint8_t *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (!end) {
            if (c->len > MAX_HEADER) return bad(s, c, 431, "request headers too large", true) && false;
            return true;
        }
        size_t hdr_len = (size_t)(end - c->buf) + 4;
        if (hdr_len > MAX_HEADER) return bad(s, c, 431, "request headers too large", true) && false;
        char saved = (char)c->buf[hdr_len - 1];
        c->buf[hdr_len - 1] = 0;
        char cl[32], te[32];
        header((char *)c->buf, "Content-Length", cl, sizeof cl);
        header((char *)c->buf, "Transfer-Encoding", te, sizeof te);
        c->buf[hdr_len - 1] = (uint8_t)saved;
        if (te[0]) return bad(s, c, 411, "chunked bodies are not supported; send Content-Length", true) && false;
        char *cl_end;
        unsigned long long body_len = cl[0] ? strtoull(cl, &cl_end, 10) : 0;
        if (cl[0] && (*cl_end || cl[0] == '-')) return bad(s, c, 400, "bad Content-Length", true) && false;
        if (body_len > s->o.max_body) return bad(s, c, 413, "body exceeds the size limit", true) && false;
        if (c->len < hdr_len + body_len) {
            /* Make room for the whole body now, so reads can go straight into place. */
            size_t need = hdr_len + (size_t)body_len + 1;
            if (need > c->cap) {
                uint8_t *nb = realloc(c->buf, need);
                if (!nb) return false;
                c->buf = nb;
                c->cap = need;
            }
            return true;
        }
        size_t total = hdr_len + (size_t)body_len;
        if (!handle(s, c, hdr_len, (size_t)body_len)) return false;
        memmove(c->buf, c->buf + total, c->len - total);
        c->len -= total;
    }
}

static bool conn_read(rcv_server *s, conn *c) {
    for (;;) {
        if (c->cap - c->len < 4096) {
            size_t limit = s->o.max_body + MAX_HEADER + 4096;
            size_t ncap = c->cap ? c->cap * 2 : 8192;
            if (ncap > limit) ncap = limit;
            if (ncap <= c->cap) return bad(s, c, 413, "request too large", true) && false;
            uint8_t *nb = realloc(c->buf, ncap);
            if (!nb) return false;
            c->buf = nb;
            c->cap = ncap;
        }
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
        if (r > 0) {
            c->len += (size_t)r;
            c->last_ms = now_ms();
            if (!drain(s, c)) return false;
            continue;
        }
        if (r == 0) return false;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
}

static void accept_all(rcv_server *s) {
    for (;;) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        conn *slot = NULL;
        for (int i = 0; i < MAX_CONN && !slot; i++)
            if (s->conns[i].fd < 0) slot = &s->conns[i];
        if (!slot) {
            close(fd); /* full: the client retries */
            continue;
        }
        slot->fd = fd;
        slot->last_ms = now_ms();
        atomic_fetch_add(&s->connections, 1);
    }
}

void rcv_server_run(rcv_server *s) {
    struct pollfd pfds[MAX_CONN + 2];
    conn *owners[MAX_CONN + 2];
    for (;;) {
        int n = 0;
        pfds[n++] = (struct pollfd){s->stop_pipe[0], POLLIN, 0};
        pfds[n++] = (struct pollfd){s->listen_fd, POLLIN, 0};
        uint64_t now = now_ms();
        for (int i = 0; i < MAX_CONN; i++) {
            conn *c = &s->conns[i];
            if (c->fd < 0) continue;
            if (now - c->last_ms > IDLE_MS) {
                conn_close(c);
                continue;
            }
            owners[n] = c;
            pfds[n++] = (struct pollfd){c->fd, POLLIN, 0};
        }
        int rc = poll(pfds, (nfds_t)n, 1000);
        if (rc < 0 && errno != EINTR) return;
        if (pfds[0].revents) return;
        if (pfds[1].revents & POLLIN) accept_all(s);
        for (int i = 2; i < n; i++)
            if (pfds[i].revents && !conn_read(s, owners[i])) conn_close(owners[i]);
    }
}
