/*
 * contend/mutex.h — a small, fast, non-recursive mutex.
 *
 * Overview
 * ========
 * ct_mutex is a 8-byte mutual-exclusion lock. An uncontended lock is one
 * atomic compare-and-swap, an unlock a plain store and a load (no atomic
 * read-modify-write, as a test-and-set spinlock's); neither enters the
 * kernel. A thread
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
 * `state` is CT_MUTEX_UNLOCKED (0) or CT_MUTEX_LOCKED (1). Whether anyone
 * is parked is not in the mutex: a process-wide table of 512 waiter
 * counts (the "parking lot", one cache line each, indexed by a hash of
 * the mutex's address) counts the threads on the slow path of every
 * mutex that hashes to the slot.
 *
 * Lock: CAS 0->1 (acquire). Failing that, spin for a bounded number of
 * pause iterations (meson option mutex_spin: 400 by default, 0 parks at
 * once like glibc), probing the state with a relaxed load at exponentially
 * growing gaps (1, 2, 4, ... pauses, up to meson option mutex_probe_gap,
 * 128 by default) and trying the CAS when it reads 0; a lost CAS ends the
 * spin. Then park: increment the slot's count, run an asymmetric heavy
 * fence (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): a full barrier on
 * every CPU running a thread of the process), then loop { CAS 0->1;
 * futex-wait while state is 1 }, and decrement the count once acquired
 * (or timed out).
 *
 * Unlock: store 0 (release), a compiler fence, then load the slot's
 * count; if non-zero, wake one parked thread. The store and the load are
 * the store-buffer pattern against a parker's increment and CAS: without
 * a barrier the unlock's store could still sit in its CPU's store buffer
 * while its load misses the increment, and the parker would sleep on a
 * free mutex. The parker's membarrier runs that barrier on the unlocking
 * CPU for it (Folly's and liburcu's asymmetric fence), so the common path
 * pays nothing. Where membarrier is unavailable (old kernels, seccomp,
 * the portable backend) the unlock runs a full fence instead: correct,
 * and as costly as an atomic exchange.
 *
 * Freeing: after its releasing store, unlock reads only the parking lot
 * (never the mutex), and may call futex-wake on the mutex's address,
 * which is harmless after the memory is freed, as with glibc. So a mutex
 * may be destroyed and freed by the next thread that acquires it.
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
	ct_atomic_u32 state;	/* CT_MUTEX_UNLOCKED / CT_MUTEX_LOCKED */
	ct_atomic_u32 owner;	/* checked builds: holder's thread id, 0 = none */
} ct_mutex;

enum {
	CT_MUTEX_UNLOCKED = 0,
	CT_MUTEX_LOCKED = 1,
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
