/* fork() while another thread is inside an export: the simple processor's lock and the console
 * exporter's lock are held by a thread that does not exist in the child; their fork hooks
 * (otelc/sdk/fork.h) let the child export anyway. The export is held up by writing to a full pipe. The
 * child reports through its exit status; SIGALRM ends it if it hangs. Also: hooks run in the child in
 * the order added, a removed hook no longer runs, and otelc_fork_reset_mutex tells a held lock from a
 * free one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "otelc/exporters/console.h"
#include "otelc/sdk/fork.h"
#include "otelc/sdk/processor.h"
#include "otelc/sdk/provider.h"
#include "otelc/trace.h"

static otelc_tracer *g_tracer;
static atomic_int g_writer_tid;

static void *end_one(void *name) {
    atomic_store(&g_writer_tid, (int)syscall(SYS_gettid));
    otelc_span_end(otelc_tracer_start_span(g_tracer, name, NULL), 0);
    return NULL;
}

/* Waits (up to 10 s) until thread tid sleeps: end_one's thread only sleeps in its blocked write, holding
 * the simple processor's and the console exporter's locks. */
static bool wait_until_sleeping(int tid) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    for (int i = 0; i < 10000; i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f) fclose(f);
        buf[n] = '\0';
        const char *rp = strrchr(buf, ')'); /* the state follows the command name in parentheses */
        if (rp && rp[1] == ' ' && rp[2] == 'S') return true;
        usleep(1000);
    }
    return false;
}

/* Fills the pipe so that the next write blocks. */
static void fill_pipe(int fd) {
    int fl = fcntl(fd, F_GETFL);
    assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
    char junk[4096];
    memset(junk, '.', sizeof junk);
    while (write(fd, junk, sizeof junk) > 0) {}
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(fcntl(fd, F_SETFL, fl), 0);
}

static void test_fork_during_console_export(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    fill_pipe(p[1]);
    FILE *w = fdopen(p[1], "w");
    assert_non_null(w);
    otelc_processor *proc = otelc_simple_processor_create(otelc_console_exporter_create(w));
    assert_non_null(proc);
    otelc_tracer_provider_options o;
    otelc_tracer_provider_options_init(&o);
    o.processors = &proc;
    o.processor_count = 1;
    otelc_tracer_provider *tp = otelc_tracer_provider_create(&o, NULL);
    assert_non_null(tp);
    g_tracer = otelc_tracer_provider_get_tracer(tp, NULL);

    pthread_t th;
    atomic_store(&g_writer_tid, 0);
    assert_int_equal(pthread_create(&th, NULL, end_one, "parent-span"), 0);
    while (!atomic_load(&g_writer_tid)) usleep(1000);
    assert_true(wait_until_sleeping(atomic_load(&g_writer_tid))); /* blocked writing, holding both locks */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        alarm(10);
        end_one("child-span"); /* blocks on the full pipe until the parent drains it */
        _exit(0);
    }
    /* Drain until the child is done and the thread's write completed. */
    char out[1 << 16];
    size_t len = 0;
    int status = -1;
    for (int rounds = 0; rounds < 2000 && status == -1; rounds++) {
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, 10) > 0) {
            char buf[4096];
            ssize_t r = read(p[0], buf, sizeof buf);
            for (ssize_t i = 0; i < r; i++)
                if (buf[i] != '.' && len < sizeof out - 1) out[len++] = buf[i];
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) status = st;
    }
    /* Whatever the child's writes left in the pipe. */
    struct pollfd pf = {p[0], POLLIN, 0};
    while (poll(&pf, 1, 50) > 0) {
        char buf[4096];
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; i++)
            if (buf[i] != '.' && len < sizeof out - 1) out[len++] = buf[i];
    }
    out[len] = '\0';
    pthread_join(th, NULL);
    assert_true(WIFEXITED(status)); /* not killed by SIGALRM: the child did not hang on a lock */
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(out, "child-span"));
    assert_int_equal(otelc_tracer_provider_shutdown(tp, 5000), OTELC_OK);
    otelc_tracer_provider_destroy(tp);
    fclose(w);
    close(p[0]);
}

static char g_order[8];
static void mark(void *c) { strncat(g_order, c, 1); }

static void test_hooks_order_and_removal(void **state) {
    (void)state;
    assert_null(otelc_fork_hook_add(NULL, NULL));
    otelc_fork_hook *a = otelc_fork_hook_add(mark, "a");
    otelc_fork_hook *b = otelc_fork_hook_add(mark, "b");
    otelc_fork_hook *c = otelc_fork_hook_add(mark, "c");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    otelc_fork_hook_remove(b);
    otelc_fork_hook_remove(NULL);
    g_order[0] = '\0';
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(strcmp(g_order, "ac") == 0 ? 0 : 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_string_equal(g_order, ""); /* hooks run in the child only */
    otelc_fork_hook_remove(a);
    otelc_fork_hook_remove(c);
}

/* otelc_fork_reset_mutex: true (and the lock usable) in the child for a lock another thread held, false
 * for a free one. */
static pthread_mutex_t g_held = PTHREAD_MUTEX_INITIALIZER, g_free = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_go = PTHREAD_MUTEX_INITIALIZER;
static void *hold(void *arg) {
    (void)arg;
    pthread_mutex_lock(&g_held);
    pthread_mutex_lock(&g_go); /* until the test lets go */
    pthread_mutex_unlock(&g_go);
    pthread_mutex_unlock(&g_held);
    return NULL;
}

static void test_reset_mutex(void **state) {
    (void)state;
    assert_false(otelc_fork_reset_mutex(NULL));
    pthread_mutex_lock(&g_go);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, hold, NULL), 0);
    while (pthread_mutex_trylock(&g_held) == 0) { /* wait until the thread holds it */
        pthread_mutex_unlock(&g_held);
        usleep(1000);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(10);
        int ok = otelc_fork_reset_mutex(&g_held) && pthread_mutex_lock(&g_held) == 0 &&
                 !otelc_fork_reset_mutex(&g_free) && pthread_mutex_lock(&g_free) == 0;
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    pthread_mutex_unlock(&g_go);
    pthread_join(th, NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fork_during_console_export),
        cmocka_unit_test(test_hooks_order_and_removal),
        cmocka_unit_test(test_reset_mutex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
