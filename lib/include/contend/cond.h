/*
 * contend/cond.h — condition variable for ct_mutex.
 *
 * Overview
 * ========
 * ct_cond lets threads holding a ct_mutex wait until another thread changes
 * shared state and signals. The usual loop applies:
 *
 *     ct_mutex_lock(&m);
 *     while (!ready)
 *         ct_cond_wait(&c, &m);
 *     ...
 *     ct_mutex_unlock(&m);
 *
 * Guarantees
 * ==========
 * - No lost wakeups: a thread that waits (having checked its predicate under
 *   the mutex) is woken by any signal/broadcast issued after the signaler
 *   changed the predicate under the same mutex.
 * - Spurious wakeups are possible (a waiter may return although nobody
 *   signalled it, e.g. when a signal races with another waiter's arrival);
 *   always re-check the predicate.
 * - ct_cond_signal wakes at least one waiter if any are waiting;
 *   ct_cond_broadcast wakes all current waiters.
 * - signal/broadcast may be called with or without the mutex held, from any
 *   thread, concurrently with each other and with waits. All waiters of one
 *   ct_cond must use the same ct_mutex at the same time.
 *
 * Broadcast
 * =========
 * Broadcast wakes every waiter (as glibc's condition variable does since
 * 2.25; earlier versions requeued waiters onto the mutex). The woken
 * threads then contend for the mutex: each spins briefly, then parks on
 * it, and one acquires per unlock.
 *
 * Implementation notes
 * ====================
 * `seq` counts signals (wrapping). A waiter registers in `waiters`, reads
 * `seq`, unlocks the mutex and parks while `seq` is unchanged.
 * signal/broadcast increment `seq` and enter the kernel only if `waiters`
 * is non-zero, so signalling with nobody waiting costs one atomic add and
 * one load. Because the waiter registered before releasing the mutex, and
 * the signaler changed the predicate after acquiring it, the signaler's
 * load of `waiters` cannot miss the waiter (the mutex orders them, so
 * these accesses are relaxed), and the waiter's park cannot miss the new
 * `seq` (the parking backend compares it atomically).
 * Memory: 8 bytes.
 */
#ifndef CONTEND_COND_H
#define CONTEND_COND_H

#include <stdint.h>
#include <contend/api.h>
#include <contend/atomic.h>
#include <contend/mutex.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_cond {
	ct_atomic_u32 seq;	/* signal sequence number, wraps */
	ct_atomic_u32 waiters;	/* threads between registering and returning */
} ct_cond;

/* Static initializer: `ct_cond c = CT_COND_INIT;` equals ct_cond_init. */
#define CT_COND_INIT { 0, 0 }

CT_API void ct_cond_init(ct_cond *c);

/* Destroys a condition variable nobody waits on. */
CT_API void ct_cond_destroy(ct_cond *c);

/*
 * Atomically releases m (which the caller must hold) and waits for a signal;
 * reacquires m before returning. May return spuriously. Checked builds
 * (-Dchecked=true) abort with a one-line message naming the operation,
 * the cond, the mutex and the thread when the caller does not hold m
 * (also ct_cond_wait_for).
 */
CT_API void ct_cond_wait(ct_cond *c, ct_mutex *m);

/*
 * As ct_cond_wait, waiting at most timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC). m is held again on return in every case.
 * Returns 0 (woken, possibly spuriously) or ETIMEDOUT.
 */
CT_API int ct_cond_wait_for(ct_cond *c, ct_mutex *m, uint64_t timeout_ns);

/* Wakes at least one waiter, if any. */
CT_API void ct_cond_signal(ct_cond *c);

/* Wakes every current waiter (one now, the rest as the mutex frees up). */
CT_API void ct_cond_broadcast(ct_cond *c);

#ifdef __cplusplus
}
#endif

#endif
