/* See harness.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

static bool keep(rcv_request *req, const rcv_http_info *info, void *ud) {
    harness *h = ud;
    pthread_mutex_lock(&h->lock);
    bool kept = false;
    if (h->count < HARNESS_MAX_REQ) {
        int i = h->count++;
        h->reqs[i] = req;
        snprintf(h->headers[i], sizeof h->headers[i], "%s", info->headers);
        snprintf(h->content_type[i], sizeof h->content_type[i], "%s", info->content_type);
        h->wire_bytes[i] = info->wire_bytes;
        kept = true;
    }
    h->spans += req->span_count;
    pthread_mutex_unlock(&h->lock);
    return kept;
}

static void *serve(void *arg) {
    rcv_server_run(((harness *)arg)->server);
    return NULL;
}

void harness_start(harness *h, const rcv_server_options *o) {
    memset(h, 0, sizeof *h);
    rcv_server_options so;
    if (o) so = *o;
    else rcv_server_options_init(&so);
    so.port = 0;
    so.on_request = keep;
    so.user_data = h;
    char err[256];
    h->server = rcv_server_create(&so, err, sizeof err);
    assert_non_null(h->server);
    pthread_mutex_init(&h->lock, NULL);
    const char *host = so.host ? so.host : "127.0.0.1";
    if (strchr(host, ':')) snprintf(h->url, sizeof h->url, "http://[%s]:%d/v1/traces", host, rcv_server_port(h->server));
    else snprintf(h->url, sizeof h->url, "http://%s:%d/v1/traces", host, rcv_server_port(h->server));
    assert_int_equal(pthread_create(&h->thread, NULL, serve, h), 0);
}

void harness_stop(harness *h) {
    rcv_server_stop(h->server);
    pthread_join(h->thread, NULL);
    rcv_server_destroy(h->server);
    for (int i = 0; i < h->count; i++) rcv_request_free(h->reqs[i]);
    pthread_mutex_destroy(&h->lock);
}

int harness_count(harness *h) {
    pthread_mutex_lock(&h->lock);
    int n = h->count;
    pthread_mutex_unlock(&h->lock);
    return n;
}

unsigned harness_spans(harness *h) {
    pthread_mutex_lock(&h->lock);
    unsigned n = h->spans;
    pthread_mutex_unlock(&h->lock);
    return n;
}

int harness_closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}
