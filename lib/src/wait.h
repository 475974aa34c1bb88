/*
 * wait.h — the parking backend every blocking primitive in contend uses.
 *
 * Private. The library is written against a futex-like "wait on an address"
 * interface; meson picks one backend file (option `wait`):
 *
 *   wait_futex.c     Linux futex(2): FUTEX_WAIT_BITSET with an absolute
 *                    CLOCK_MONOTONIC deadline, FUTEX_WAKE, FUTEX_CMP_REQUEUE.
 *   wait_portable.c  any POSIX system: a hashed parking lot of waiter
 *                    records, each blocked on its own pthread mutex + cond
 *                    (CLOCK_MONOTONIC), with the same three operations.
 *
 * Both backends give the same guarantees, which the primitives rely on:
 *
 *  - ct__wait(addr, expected, deadline) blocks only if *addr == expected at
 *    the moment the caller is enqueued, checked atomically with respect to
 *    ct__wake / ct__requeue on the same address. So "store a new value, then
 *    wake" can never be lost by a waiter that read the old value.
 *  - It may return spuriously (0); callers always re-check their condition.
 *  - The waker's store before ct__wake happens-before the woken thread's
 *    return from ct__wait (the backends synchronize through the kernel or
 *    a lock), but callers still use acquire loads on the words they check.
 */
#ifndef CONTEND_WAIT_H
#define CONTEND_WAIT_H

#include <stdatomic.h>
#include <stdint.h>

/* No deadline: wait until woken. */
#define CT_DEADLINE_NONE UINT64_MAX

/* Wake every waiter. */
#define CT_WAKE_ALL INT32_MAX

/*
 * Blocks while *addr == expected, until woken or until the absolute
 * CLOCK_MONOTONIC time deadline_ns (CT_DEADLINE_NONE: no deadline).
 * Returns 0 (woken, value differed, or spurious) or ETIMEDOUT.
 */
int ct__wait(_Atomic(uint32_t) *addr, uint32_t expected, uint64_t deadline_ns);

/* Wakes up to n threads blocked on addr (n >= 1; CT_WAKE_ALL for all). */
void ct__wake(_Atomic(uint32_t) *addr, int32_t n);

/*
 * If *from == expected: wakes one thread blocked on `from` and moves every
 * other one to wait on `to` (they are woken by a later ct__wake(to, ...)).
 * Returns 0, or EAGAIN (and does nothing) if *from != expected, or another
 * errno if the backend could not requeue (callers then wake everyone).
 */
int ct__requeue(_Atomic(uint32_t) *from, uint32_t expected, _Atomic(uint32_t) *to);

/*
 * Gives the CPU to another runnable thread, if any (sched_yield): a
 * spinning waiter calls it between bursts of polls, so that on an
 * oversubscribed CPU the thread it waits for gets to run.
 */
void ct__yield(void);

/*
 * Asymmetric fences (liburcu's and Folly's pattern). A notifier that
 * stores, then loads a "waiters" word with only a compiler fence between
 * (ct__fence_light) is ordered against a parker that increments waiters,
 * then calls ct__fence_heavy, then re-checks: ct__fence_heavy runs a full
 * barrier on every CPU running a thread of this process
 * (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)), so either the
 * notifier's load sees the increment or the parker's re-check sees the
 * store. ct__fence_heavy_init registers the process once
 * (MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED); until it has succeeded
 * (never, without membarrier: the portable backend, old kernels, seccomp)
 * ct__fence_light is a full fence, so the pair stays correct either way.
 */
#if defined(__GNUC__)
__attribute__((visibility("hidden")))
#endif
extern atomic_int ct__fence_asymmetric;	/* 1 once membarrier is registered */

/* Registers the process for ct__fence_heavy (idempotent; cheap after the first call). */
void ct__fence_heavy_init(void);

/*
 * The parker's half. Returns 0, or an errno if no membarrier ran (it then
 * runs a full fence itself). A nonzero return while ct__fence_asymmetric
 * is 1 (membarrier failed after registration: not seen in practice) leaves
 * a notifier's skipped fence unpaired: the caller then parks with a short
 * timeout and re-checks.
 */
int ct__fence_heavy(void);

/* The notifier's half: between its store and its load of the waiters word. */
static inline void ct__fence_light(void)
{
	/* Relaxed: only ever goes 0 -> 1, and a 1 seen here means every
	 * parker's ct__fence_heavy runs membarrier. */
	if (atomic_load_explicit(&ct__fence_asymmetric, memory_order_relaxed))
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
}

/* Current CLOCK_MONOTONIC time in nanoseconds. */
uint64_t ct__now_ns(void);

/* now + timeout_ns, saturating at CT_DEADLINE_NONE. */
uint64_t ct__deadline(uint64_t timeout_ns);

/*
 * A small nonzero id for the calling thread (the kernel tid on Linux).
 * The id is cached in a thread-local (initial-exec: one %fs-relative load,
 * no __tls_get_addr call, also in the shared library); the first call of
 * each thread fills it in.
 */
#if defined(__GNUC__)
__attribute__((visibility("hidden"), tls_model("initial-exec")))
#endif
extern _Thread_local uint32_t ct__self_id;

uint32_t ct__self_slow(void);

static inline uint32_t ct__self(void)
{
	uint32_t id = ct__self_id;
	return id != 0 ? id : ct__self_slow();
}

/* One iteration of a spin-wait loop (the CPU's pause/yield hint). */
static inline void ct__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

#endif
