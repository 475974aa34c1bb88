/*
 * contend/mutex.h — a small, fast, non-recursive mutex.
 *
 * Overview
 * ========
 * ct_mutex is a 12-byte mutual-exclusion lock. An uncontended lock is one
 * atomic compare-and-swap; an uncontended unlock is a plain store and two
 * loads (no atomic read-modify-write, as a test-and-set spinlock's; on
 * x86-64 also two stores to the caller's stack, which make the next
 * lock's compare-and-swap cheaper there: lib/src/internal.h);
 * neither enters the kernel. A thread that finds the lock held spins
 * briefly (bounded, with the CPU's pause hint), then yields its CPU a
 * bounded number of times (sched_yield), then parks in the kernel (Linux
 * futex) or in the portable parking lot, so a thread blocked for long
 * uses no CPU.
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
 *   CT_MUTEX_LOCKED     1  held
 *   CT_MUTEX_CONTENDED  2  held, threads may be parked: unlock must wake one
 *
 * Outside the mutex, a process-wide table of 512 cache-line slots (the
 * "parking lot", indexed by a hash of the mutex's address) counts, per
 * slot, the threads parked or about to park on the mutexes that hash to
 * it, plus a FENCED flag (below). `slow` is a per-mutex hint, used only
 * by builds without yields (meson -Dmutex_yield=0): set by a locker that
 * finds the mutex held, cleared after a while by unlocks.
 *
 * Lock: CAS 0->1 (acquire). Failing that, spin for a bounded number of
 * pause iterations (meson option mutex_spin: 400 by default; 0 builds
 * the direct-park mutex below), probing the state with a relaxed load
 * every meson option mutex_probe_gap pauses (128 by default: 3 probes)
 * and trying the CAS when it reads 0 (without yields, a lost CAS ends the
 * spin). Then the yield phase
 * (meson option mutex_yield: 100 rounds by default, 0 = none):
 * sched_yield, then the same probe (load; CAS when it reads 0), so that
 * where threads outnumber CPUs the holder gets the CPU, and where they
 * do not the holder runs on alone without a wake to pay. Then Drepper's
 * loop: exchange(2) (acquire), and park while it returns non-zero;
 * before the first park, announce: count in the slot, then a fence. The
 * first parker of a quiet slot sets FENCED and runs the heavy fence
 * (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): a full barrier on every
 * CPU running a thread of the process, ~16 us on the reference VM);
 * parkers that find FENCED set run a plain full fence.
 *
 * Unlock, two paths chosen by the `slow` hint (the protocol is correct
 * whichever is taken; the spin model checks it with a free choice; with
 * yields, the default, the hint is never set and unlock takes the
 * second):
 * - `slow` set: exchange(0) (release); if it returned 2, wake one. The
 *   locked write hands the line to a spinning locker at once.
 * - otherwise: store 0 (release), a compiler fence, then load the slot;
 *   if it is not quiet (someone counted, or FENCED), a full fence, then
 *   wake one if anyone is counted. The store and the slot load are the
 *   store-buffer pattern against a parker's announce and exchange:
 *   without a barrier the store could sit in the CPU's store buffer while
 *   the load misses the announcement, and the parker would sleep on a
 *   free mutex. The parker's membarrier runs that barrier for the unlock
 *   (Folly's and liburcu's asymmetric fence), so the common path pays
 *   nothing; once FENCED is set, the unlock's own full fence does. A
 *   thread clears FENCED (if nobody is counted) after 2^20 such full
 *   fences, so membarriers stay rare.
 * Where membarrier is unavailable (old kernels, seccomp, the portable
 * backend) the compiler fence is a full fence: correct, and as costly as
 * an atomic exchange.
 *
 * Freeing: after its releasing store, unlock reads only the parking lot
 * (never the mutex) and may call futex-wake on the mutex's address, which
 * is harmless after the memory is freed, as with glibc. So the next
 * thread to acquire a mutex may destroy and free it.
 *
 * Hand-over (meson -Dmutex_handover=N, N = 100 by default; 0 builds the
 * barging mutex without it): a locker whose spin has run N pauses asks
 * for the mutex at its next probe (its first probe comes after N pauses
 * when N is below the probe gap, as by default: a WANTED bit in `slow`,
 * one asker at a time, set by CAS) and then polls for it every 8 pauses
 * at most. An unlock that finds the
 * request while the state reads LOCKED (nobody parked) does not release:
 * it turns WANTED into GRANTED (release) and returns, so the asker owns
 * the mutex and a barging lock finds it held. The asker takes GRANTED
 * (acquire), or withdraws its request by CAS when its spin ends; a
 * failed withdrawal means it was granted. So a holder that re-locks at
 * once runs on for one probe gap, not for as long as its re-locks win
 * the line: a lower p99 behind critical sections (docs/performance.md,
 * "the hand-over by default").
 *
 * Built with meson -Dmutex_spin=0, ct_mutex is the direct-park mutex
 * instead (lib/src/internal.h): glibc's protocol, no spinning, no
 * parking lot, unlock always the exchange, and `slow` counts
 * acquisitions; about level with glibc behind empty critical sections,
 * half the default's speed uncontended (docs/performance.md).
 *
 * `owner` is the kernel thread id of the holder in checked builds and 0
 * otherwise (default builds never touch it). Memory: 12 bytes.
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
	ct_atomic_u32 slow;	/* bit 0: lockers found it held lately (a hint,
				 * -Dmutex_yield=0 only);
				 * -Dmutex_handover: bits 1-2, a locker's request
				 * and its grant; -Dmutex_spin=0: an acquisition
				 * count */
	ct_atomic_u32 owner;	/* checked builds: holder's thread id, 0 = none */
} ct_mutex;

enum {
	CT_MUTEX_UNLOCKED = 0,
	CT_MUTEX_LOCKED = 1,
	CT_MUTEX_CONTENDED = 2,
};

/* Static initializer: `ct_mutex m = CT_MUTEX_INIT;` equals ct_mutex_init. */
#define CT_MUTEX_INIT { 0, 0, 0 }

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
