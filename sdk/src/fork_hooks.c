/* Hooks run in the child of fork() for exporters and processors (otelc/sdk/fork.h). The registry is a
 * list under one mutex, which fork_prepare takes so that fork() never copies it half-updated; the
 * child handler (batch.c's, registered once by otelc__fork_init) runs the hooks after the SDK's own
 * reset. */
#include <pthread.h>

#include "internal.h"
#include "otelc/sdk/fork.h"

struct otelc_fork_hook {
    void (*in_child)(void *arg);
    void *arg;
    otelc_fork_hook *next;
};

static pthread_mutex_t g_hooks_lock = PTHREAD_MUTEX_INITIALIZER;
static otelc_fork_hook *g_hooks, *g_hooks_tail;

otelc_fork_hook *otelc_fork_hook_add(void (*in_child)(void *arg), void *arg) {
    if (!in_child) return NULL;
    otelc__fork_init();
    otelc_fork_hook *h = otelc_malloc(sizeof *h);
    if (!h) return NULL;
    h->in_child = in_child;
    h->arg = arg;
    h->next = NULL;
    pthread_mutex_lock(&g_hooks_lock);
    if (g_hooks_tail) g_hooks_tail->next = h;
    else g_hooks = h;
    g_hooks_tail = h;
    pthread_mutex_unlock(&g_hooks_lock);
    return h;
}

void otelc_fork_hook_remove(otelc_fork_hook *hook) {
    if (!hook) return;
    bool found = false;
    pthread_mutex_lock(&g_hooks_lock);
    otelc_fork_hook *prev = NULL;
    for (otelc_fork_hook *h = g_hooks; h; prev = h, h = h->next) {
        if (h != hook) continue;
        if (prev) prev->next = h->next;
        else g_hooks = h->next;
        if (g_hooks_tail == h) g_hooks_tail = prev;
        found = true;
        break;
    }
    pthread_mutex_unlock(&g_hooks_lock);
    if (found) otelc_free(hook); /* a hook removed twice, or not ours, is left alone */
}

bool otelc_fork_reset_mutex(pthread_mutex_t *lock) {
    if (!lock) return false;
    if (pthread_mutex_trylock(lock) == 0) {
        pthread_mutex_unlock(lock);
        return false;
    }
    pthread_mutex_init(lock, NULL);
    return true;
}

void otelc__fork_hooks_prepare(void) { pthread_mutex_lock(&g_hooks_lock); }
void otelc__fork_hooks_parent(void) { pthread_mutex_unlock(&g_hooks_lock); }

void otelc__fork_hooks_child(void) {
    pthread_mutex_init(&g_hooks_lock, NULL); /* held by fork_prepare in the parent's forking thread */
    for (otelc_fork_hook *h = g_hooks; h; h = h->next) h->in_child(h->arg);
}
