/* fork() support for exporters and processors.
 *
 * In the child of fork() only the forking thread exists: a lock that another thread of the parent held
 * at that moment (an exporter writing a batch, a processor serialising exports) stays locked for ever,
 * and the child's first export waits on it. The SDK's own state is reset in the child (batch queues are
 * emptied, its workers restart lazily); an exporter or processor registers a hook to re-create its own
 * locks and condition variables there, and to put whatever they guarded back into a usable state. */
#ifndef OTELC_SDK_FORK_H
#define OTELC_SDK_FORK_H

#include <pthread.h>
#include <stdbool.h>

#include "otelc/export.h"

OTELC_BEGIN_DECLS

typedef struct otelc_fork_hook otelc_fork_hook;

/* Runs in_child(arg) in the child of every later fork() (not vfork(), posix_spawn() or _Fork()), after
 * the SDK has reset its own state, in the order hooks were added. The hook runs before fork() returns in
 * the child, so it should only re-create primitives (pthread_mutex_init, pthread_cond_init) and reset
 * fields, not take locks, allocate, or add or remove hooks. Returns the hook (owned by the SDK until
 * removed) or NULL when in_child is NULL or memory is short. Thread-safe, but not from a
 * pthread_atfork handler. */
OTELC_API otelc_fork_hook *otelc_fork_hook_add(void (*in_child)(void *arg), void *arg);

/* Removes a hook, once, before arg goes away (a processor's or exporter's destroy); NULL, or a hook
 * already removed, does nothing. Thread-safe, but not from a hook or a pthread_atfork handler. */
OTELC_API void otelc_fork_hook_remove(otelc_fork_hook *hook);

/* For use inside a hook: when *lock is locked in the child (a thread of the parent held it as fork()
 * ran, and no thread can unlock it now), re-creates it with default attributes and returns true, since
 * what it guarded may be half-updated; returns false, leaving it as it is, when it was free. It cannot
 * tell the forking thread's own locks from a vanished thread's: do not fork() while holding a lock
 * that a hook resets. */
OTELC_API bool otelc_fork_reset_mutex(pthread_mutex_t *lock);

OTELC_END_DECLS

#endif
