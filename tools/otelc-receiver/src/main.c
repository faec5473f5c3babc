/* otelc-receiver: see what your program sends. Listens for OTLP/HTTP on loopback and prints each
 * trace as an indented tree (or JSON lines), and can inject failures to test exporters' retries. */
#include <errno.h>
#include <signal.h>
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "server.h"

static rcv_server *g_server;

typedef struct out_cfg {
    FILE *out;
    int json;
    long exit_after;
    unsigned seen;
} out_cfg;

static bool on_request(rcv_request *req, const rcv_http_info *info, void *ud) {
    out_cfg *o = ud;
    (void)info;
    if (o->json) rcv_print_json_lines(o->out, req);
    else rcv_print_tree(o->out, req);
    if (o->exit_after > 0 && ++o->seen >= (unsigned long)o->exit_after) rcv_server_stop(g_server);
    return false;
}

static void on_signal(int sig) {
    (void)sig;
    if (g_server) rcv_server_stop(g_server);
}

static void usage(FILE *f) {
    fputs("usage: otelc-receiver [options]\n"
          "  --port N            listen port (default 4318; 0 = pick a free one and print it)\n"
          "  --host ADDR         loopback IPv4 listen address, 127.x.x.x (default 127.0.0.1)\n"
          "  --port-file PATH    write the port number to PATH once listening\n"
          "  --format tree|json  indented trace trees (default) or one JSON object per span per line\n"
          "  --output PATH       write output to PATH instead of stdout\n"
          "  --fail N            answer the first N requests with --fail-status (default 503)\n"
          "  --fail-status CODE  status for injected failures\n"
          "  --retry-after SEC   send Retry-After with injected failures\n"
          "  --partial N         report N rejected spans (partial_success) in every successful answer\n"
          "  --max-body BYTES    largest accepted body (default 16777216)\n"
          "  --exit-after N      exit after N decoded requests\n", f);
}

static int num(const char *opt, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || errno || *end || end == v || n < lo || n > hi) {
        fprintf(stderr, "otelc-receiver: %s needs a number between %ld and %ld\n", opt, lo, hi);
        return -1;
    }
    *out = n;
    return 0;
}

int main(int argc, char **argv) {
    rcv_server_options so;
    rcv_server_options_init(&so);
    out_cfg oc = {stdout, 0, 0, 0};
    const char *port_file = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n = 0;
        int used = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--port")) {
            if (num(a, v, 0, 65535, &n)) return 2;
            so.port = (int)n;
        } else if (!strcmp(a, "--host") && v) {
            /* A developer tool that answers anyone who connects: loopback addresses only. */
            struct in_addr ia;
            struct in6_addr ia6;
            bool loop4 = inet_pton(AF_INET, v, &ia) == 1 && (ntohl(ia.s_addr) >> 24) == 127;
            bool loop6 = inet_pton(AF_INET6, v, &ia6) == 1 && IN6_IS_ADDR_LOOPBACK(&ia6);
            if (!loop4 && !loop6) {
                fprintf(stderr, "otelc-receiver: --host must be a loopback address (127.x.x.x or ::1), not \"%s\"\n", v);
                return 2;
            }
            so.host = v;
        } else if (!strcmp(a, "--port-file") && v) {
            port_file = v;
        } else if (!strcmp(a, "--output") && v) {
            output = v;
        } else if (!strcmp(a, "--format") && v) {
            if (strcmp(v, "tree") && strcmp(v, "json")) {
                fprintf(stderr, "otelc-receiver: --format is tree or json\n");
                return 2;
            }
            oc.json = !strcmp(v, "json");
        } else if (!strcmp(a, "--fail")) {
            if (num(a, v, 0, 1000000, &n)) return 2;
            so.fail_first = (int)n;
        } else if (!strcmp(a, "--fail-status")) {
            if (num(a, v, 100, 599, &n)) return 2;
            so.fail_status = (int)n;
        } else if (!strcmp(a, "--retry-after")) {
            if (num(a, v, 0, 86400, &n)) return 2;
            so.retry_after_s = (int)n;
        } else if (!strcmp(a, "--partial")) {
            if (num(a, v, 0, 1000000000, &n)) return 2;
            so.partial_rejected = n;
        } else if (!strcmp(a, "--max-body")) {
            if (num(a, v, 1024, 1L << 30, &n)) return 2;
            so.max_body = (size_t)n;
        } else if (!strcmp(a, "--exit-after")) {
            if (num(a, v, 1, 1000000000, &n)) return 2;
            oc.exit_after = n;
        } else {
            fprintf(stderr, "otelc-receiver: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
        i += used; /* every option takes one value */
    }
    if (output && !(oc.out = fopen(output, "w"))) {
        fprintf(stderr, "otelc-receiver: cannot open %s: %s\n", output, strerror(errno));
        return 1;
    }
    so.on_request = on_request;
    so.user_data = &oc;
    char err[256];
    g_server = rcv_server_create(&so, err, sizeof err);
    if (!g_server) {
        fprintf(stderr, "otelc-receiver: %s\n", err);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    int port = rcv_server_port(g_server);
    if (port_file) {
        /* Written to a temporary name and renamed, so a script polling for the file never reads half. */
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *pf = fopen(tmp, "w");
        if (!pf || fprintf(pf, "%d\n", port) < 0 || fclose(pf) != 0 || rename(tmp, port_file) != 0) {
            fprintf(stderr, "otelc-receiver: cannot write port file %s: %s\n", port_file, strerror(errno));
            rcv_server_destroy(g_server);
            return 1;
        }
    }
    fprintf(stderr, "otelc-receiver: listening on http://%s:%d/v1/traces\n", so.host, port);
    rcv_server_run(g_server);
    rcv_server_destroy(g_server);
    if (oc.out != stdout) fclose(oc.out);
    return 0;
}
