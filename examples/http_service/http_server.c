/* The example's HTTP/1.1 server; see http_server.h. Every read is bounded (head size, header count,
 * body size, a receive timeout), so a slow or hostile client costs one thread for a few seconds at
 * most and never unbounded memory. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "http_server.h"

#define MAX_CONNECTIONS 32

typedef struct server {
    http_handler handler;
    void *user_data;
    atomic_int active;
} server;

typedef struct conn {
    server *srv;
    int fd;
} conn;

static const char *get_header(void *carrier, const char *key, size_t *len) {
    http_request *req = carrier;
    size_t hits = 0, total = 0, first = 0;
    for (size_t i = 0; i < req->header_count; i++)
        if (!strcasecmp(req->headers[i].name, key)) {
            if (!hits) first = i;
            total += req->headers[i].value_len + (hits ? 1 : 0);
            hits++;
        }
    if (!hits) return NULL;
    if (hits == 1) {
        *len = req->headers[first].value_len;
        return req->headers[first].value;
    }
    if (req->joined_count == HTTP_MAX_HEADERS) return NULL;
    char *j = malloc(total + 1);
    if (!j) return NULL;
    size_t pos = 0;
    hits = 0;
    for (size_t i = 0; i < req->header_count; i++)
        if (!strcasecmp(req->headers[i].name, key)) {
            if (hits++) j[pos++] = ',';
            memcpy(j + pos, req->headers[i].value, req->headers[i].value_len);
            pos += req->headers[i].value_len;
        }
    j[pos] = '\0';
    req->joined[req->joined_count++] = j;
    *len = pos;
    return j;
}

otelc_carrier_getter http_request_getter(http_request *req) { return (otelc_carrier_getter){get_header, req}; }

void http_respond(http_response *resp, int status, const char *content_type, const char *text) {
    free(resp->body);
    resp->status = status;
    resp->content_type = content_type;
    resp->body_len = strlen(text);
    resp->body = malloc(resp->body_len + 1);
    if (resp->body) memcpy(resp->body, text, resp->body_len + 1);
    else resp->body_len = 0;
}

static const char *reason(int status) {
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void send_response(int fd, const http_response *r) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     r->status, reason(r->status), r->content_type ? r->content_type : "text/plain", r->body_len);
    write_all(fd, head, (size_t)n);
    if (r->body_len) write_all(fd, r->body, r->body_len);
}

/* Parses the head in place (NUL-terminating fields). Returns an HTTP status on error, 0 on success. */
static int parse_head(char *head, http_request *req) {
    char *line_end = strstr(head, "\r\n");
    if (!line_end) return 400;
    *line_end = '\0';
    char *sp1 = strchr(head, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) return 400;
    *sp1 = *sp2 = '\0';
    req->method = head;
    req->path = sp1 + 1;
    char *q = strchr(sp1 + 1, '?');
    req->query = "";
    if (q) {
        *q = '\0';
        req->query = q + 1;
    }
    char *p = line_end + 2;
    while (*p) {
        char *e = strstr(p, "\r\n");
        if (!e) return 400;
        *e = '\0';
        if (e == p) break;
        char *colon = strchr(p, ':');
        if (!colon || colon == p) return 400;
        if (req->header_count == HTTP_MAX_HEADERS) return 431;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t') v++;
        size_t vl = strlen(v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
        v[vl] = '\0';
        req->headers[req->header_count++] = (http_header){p, v, vl};
        p = e + 2;
    }
    return 0;
}

static void *serve(void *arg) {
    conn *c = arg;
    struct timeval tv = {5, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char *buf = malloc(HTTP_MAX_HEAD + 1);
    char *body = NULL;
    http_request req;
    memset(&req, 0, sizeof req);
    http_response resp = {0, NULL, NULL, 0};
    int status = 0;
    size_t got = 0;
    char *end = NULL;
    while (buf && !end) {
        if (got == HTTP_MAX_HEAD) {
            status = 431;
            break;
        }
        ssize_t n = recv(c->fd, buf + got, HTTP_MAX_HEAD - got, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) continue;
            status = -1; /* client went away or timed out: nothing to answer */
            break;
        }
        if (memchr(buf + got, '\0', (size_t)n)) { /* no NUL in a request head: and strstr would miss the end */
            status = 400;
            break;
        }
        got += (size_t)n;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (!buf) status = 503;
    if (status == 0) {
        size_t head_len = (size_t)(end - buf) + 4;
        end[2] = '\0'; /* keep the last header's CRLF for the parser, drop the blank line */
        status = parse_head(buf, &req);
        size_t clen = 0;
        for (size_t i = 0; status == 0 && i < req.header_count; i++)
            if (!strcasecmp(req.headers[i].name, "content-length")) {
                char *e;
                unsigned long long v = strtoull(req.headers[i].value, &e, 10);
                if (*e || v > HTTP_MAX_BODY) status = v > HTTP_MAX_BODY ? 413 : 400;
                clen = (size_t)v;
            }
        if (status == 0) {
            body = malloc(clen + 1);
            size_t have = got - head_len;
            if (have > clen) have = clen;
            if (body) memcpy(body, buf + head_len, have);
            while (body && have < clen) {
                ssize_t n = recv(c->fd, body + have, clen - have, 0);
                if (n <= 0) {
                    if (n < 0 && errno == EINTR) continue;
                    status = -1;
                    break;
                }
                have += (size_t)n;
            }
            if (!body) status = 503;
            if (status == 0) {
                body[clen] = '\0';
                req.body = body;
                req.body_len = clen;
                c->srv->handler(&req, &resp, c->srv->user_data);
            }
        }
    }
    if (status > 0) http_respond(&resp, status, "text/plain", reason(status));
    if (status >= 0) send_response(c->fd, &resp);
    free(resp.body);
    for (size_t i = 0; i < req.joined_count; i++) free(req.joined[i]);
    free(body);
    free(buf);
    close(c->fd);
    atomic_fetch_sub(&c->srv->active, 1);
    free(c);
    return NULL;
}

int http_server_run(unsigned short port, http_handler handler, void *user_data, volatile int *stop) {
    /* Static so that a request thread outliving the drain below still points at valid memory. */
    static server srv;
    srv.handler = handler;
    srv.user_data = user_data;
    atomic_store(&srv.active, 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only, by design */
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 64) < 0) {
        close(fd);
        return -1;
    }
    /* A receive timeout on the listener lets the loop notice *stop without relying on signals. */
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (!*stop) {
        int cfd = accept(fd, NULL, NULL);
        if (cfd < 0) continue; /* timeout, EINTR: re-check stop */
        if (atomic_load(&srv.active) >= MAX_CONNECTIONS) {
            http_response busy = {0, NULL, NULL, 0};
            http_respond(&busy, 503, "text/plain", "busy");
            send_response(cfd, &busy);
            free(busy.body);
            close(cfd);
            continue;
        }
        conn *c = malloc(sizeof *c);
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (c) {
            c->srv = &srv;
            c->fd = cfd;
            atomic_fetch_add(&srv.active, 1);
        }
        if (!c || pthread_create(&th, &attr, serve, c) != 0) {
            if (c) atomic_fetch_sub(&srv.active, 1);
            free(c);
            close(cfd);
        }
        pthread_attr_destroy(&attr);
    }
    close(fd);
    /* Let in-flight requests finish (they are bounded by the receive timeouts). */
    for (int i = 0; i < 200 && atomic_load(&srv.active) > 0; i++) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}
