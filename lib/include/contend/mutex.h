/*
 * contend/mutex.h — a small, fast, non-recursive mutex.
 *
 * Overview
 * ========
 * ct_mutex is a 8-byte mutual-exclusion lock. Uncontended lock and unlock
 * are one atomic read-modify-write each and never enter the kernel. A thread
 * that finds the lock held spins briefly (bounded, with the CPU's pause
 * hint), then parks in the kernel (Linux futex) or in the portable parking
 * lot, so a blocked thread uses no CPU.
 *
 * Guarantees
 * ==========
 * - Mutual exclusion; lock/unlock give acquire/release ordering: everything
 *   written before ct_mutex_unlock is visible after the next acquisition.
 * - Not FIFO: an arriving thread may take the lock ahead of a woken one
 *   ("barging"), which keeps throughput high under contention. Starvation
 *   is possible in theory, not observed in practice (see the bench's
 *   `fairness` counter).
 * - Not recursive: locking a mutex the caller already holds deadlocks
 *   (use ct_rmutex). Checked builds (-Dchecked=true) abort instead, with a
 *   one-line message naming the operation, the mutex and the thread; they
 *   also abort on unlock by a thread that does not hold the mutex.
 * - Any thread may call any function concurrently, except _init and
 *   _destroy, which need exclusive access. Unlock must be called by the
 *   owner (undefined otherwise; checked builds abort).
 *
 * Implementation notes
 * ====================
 * `state` takes three values (Drepper, "Futexes Are Tricky", mutex #3):
 *
 *   CT_MUTEX_UNLOCKED   0  free
 *   CT_MUTEX_LOCKED     1  held, nobody parked: unlock is a plain exchange
 *   CT_MUTEX_CONTENDED  2  held, threads may be parked: unlock must wake one
 *
 * Lock: CAS 0->1 (acquire). Failing that, spin for a bounded number of
 * pause iterations (meson option mutex_spin: 400 by default, 0 parks at
 * once like glibc), probing the state with a relaxed load at exponentially
 * growing gaps (1, 2, 4, ... pauses, up to meson option mutex_probe_gap,
 * 128 by default) and trying the CAS when it reads 0; a lost CAS ends the
 * spin. Then exchange(2) (acquire) and park while the exchange returns
 * non-zero. A thread that parked always reacquires with state 2, so a
 * later unlock wakes the next parked thread. Unlock: exchange(0)
 * (release); if it returned 2, wake one.
 *
 * `owner` is the kernel thread id of the holder in checked builds and 0
 * otherwise (default builds never touch it). Memory: 8 bytes.
 */
#ifndef CONTEND_MUTEX_H
#define CONTEND_MUTEX_H

#include <stdbool.h>
#include <stdint.h>
#include <contend/api.h>
#include <contend/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_mutex {
	ct_atomic_u32 state;	/* CT_MUTEX_UNLOCKED / _LOCKED / _CONTENDED */
	ct_atomic_u32 owner;	/* checked builds: holder's thread id, 0 = none */
} ct_mutex;

enum {
	CT_MUTEX_UNLOCKED = 0,
	CT_MUTEX_LOCKED = 1,
	CT_MUTEX_CONTENDED = 2,
};

/* Static initializer: `ct_mutex m = CT_MUTEX_INIT;` equals ct_mutex_init. */
#define CT_MUTEX_INIT { 0, 0 }

/* Initializes an unlocked mutex. */
CT_API void ct_mutex_init(ct_mutex *m);

/* Destroys an unlocked mutex. Nothing to free; provided for symmetry. */
CT_API void ct_mutex_destroy(ct_mutex *m);

/* Acquires the mutex, blocking as long as needed. */
CT_API void ct_mutex_lock(ct_mutex *m);

/* Acquires the mutex if it is free. Returns true if acquired. Never blocks. */
CT_API bool ct_mutex_trylock(ct_mutex *m);

/*
 * Acquires the mutex, waiting at most timeout_ns nanoseconds (relative,
 * measured on CLOCK_MONOTONIC; 0 = try once).
 * Returns 0 (acquired) or ETIMEDOUT (not acquired).
 */
CT_API int ct_mutex_lock_for(ct_mutex *m, uint64_t timeout_ns);

/* Releases the mutex; wakes one parked thread if any. Caller must own it. */
CT_API void ct_mutex_unlock(ct_mutex *m);

#ifdef __cplusplus
}
#endif

#endif
