/*
 * wait.h — the parking backend every blocking primitive in contend uses.
 *
 * Private. The library is written against a futex-like "wait on an address"
 * interface; meson picks one backend file (option `wait`):
 *
 *   wait_futex.c     Linux futex(2): FUTEX_WAIT_BITSET with an absolute
 *                    CLOCK_MONOTONIC deadline, FUTEX_WAKE.
 *   wait_portable.c  any POSIX system: a hashed parking lot of waiter
 *                    records, each blocked on its own pthread mutex + cond
 *                    (CLOCK_MONOTONIC), with the same two operations.
 *
 * Both backends give the same guarantees, which the primitives rely on:
 *
 *  - ct__wait(addr, expected, deadline) blocks only if *addr == expected at
 *    the moment the caller is enqueued, checked atomically with respect to
 *    ct__wake on the same address. So "store a new value, then
 *    wake" can never be lost by a waiter that read the old value.
 *  - It may return spuriously (0); callers always re-check their condition.
 *  - The waker's store before ct__wake happens-before the woken thread's
 *    return from ct__wait (the backends synchronize through the kernel or
 *    a lock), but callers still use acquire loads on the words they check.
 *
 * This header is also how the sources reach atomics: C11 <stdatomic.h> in
 * library builds; in the Relacy build (lib/tests/relacy, the sources
 * compiled as C++ with CT_RELACY defined) wait_relacy.h maps the same C11
 * names onto Relacy's rl::atomic and fences, and models the three
 * operations above (and the clock, the thread id, the pause hint).
 */
#ifndef CONTEND_WAIT_H
#define CONTEND_WAIT_H

#ifdef CT_RELACY
#include "wait_relacy.h"
#else
#include <stdatomic.h>
#endif
#include <stdint.h>

/*
 * CT_SEEDED(BUG, order): `order`, except in the Relacy variant built with
 * -DCT_RL_BUG=BUG, where it is memory_order_relaxed: the seeded ordering
 * bugs the Relacy suite must catch (docs/reliability.md).
 */
#ifndef CT_SEEDED
#define CT_SEEDED(bug, order) (order)
#endif

#ifdef CT_RELACY
/* No deadline: wait until woken (the clock is wait_relacy.h's model). */
#define CT_DEADLINE_NONE UINT64_MAX
#else
#include "relax.h"	/* ct__cpu_relax, ct__now_ns, ct__deadline, CT_DEADLINE_NONE */
#endif

/* Wake every waiter. */
#define CT_WAKE_ALL INT32_MAX

/*
 * Blocks while *addr == expected, until woken or until the absolute
 * CLOCK_MONOTONIC time deadline_ns (CT_DEADLINE_NONE: no deadline).
 * Returns 0 (woken, value differed, or spurious) or ETIMEDOUT, which
 * only once the deadline has passed. The futex backend may spend the
 * last timer slack before the deadline polling *addr between yields
 * (wait_futex.c): a waker's FUTEX_WAKE then finds nobody queued, and
 * the changed word is the wake.
 */
int ct__wait(_Atomic(uint32_t) *addr, uint32_t expected, uint64_t deadline_ns);

/*
 * Wakes up to n threads blocked on addr (n >= 1; CT_WAKE_ALL for all).
 * Returns how many it woke (each returns 0 from its ct__wait).
 */
int ct__wake(_Atomic(uint32_t) *addr, int32_t n);

#ifndef CT_RELACY
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

/* Whether ct__fence_light is only a compiler fence. Relaxed: only ever
 * goes 0 -> 1, and a 1 seen here means every parker's ct__fence_heavy
 * runs membarrier. */
static inline int ct__fence_is_asymmetric(void)
{
	return atomic_load_explicit(&ct__fence_asymmetric, memory_order_relaxed);
}

/* The notifier's half: between its store and its load of the waiters word. */
static inline void ct__fence_light(void)
{
	if (ct__fence_is_asymmetric())
		atomic_signal_fence(memory_order_seq_cst);
	else
		atomic_thread_fence(memory_order_seq_cst);
}

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

#endif /* !CT_RELACY */

#endif
