/*
 * peer_spin.h — how the adapters of peers without blocking or timed
 * operations wait (ck_ring, Boost.Lockfree queue, and the timed modes of
 * oneTBB's concurrent_bounded_queue). C and C++.
 *
 * Such a peer is measured spinning, as its users run it: no parking is
 * added. The loop is the one a careful user writes and the one the
 * harness's own try mode uses (ctb_poll_pause in harness.h): a pause per
 * failed poll, and a sched_yield every CTB_PEER_YIELD_EVERY polls, so that
 * a spinning waiter cannot starve the thread it waits for when threads
 * outnumber CPUs. Its CPU cost shows in cpu_per_op_ns.
 *
 * Timed waits spin until an absolute CLOCK_MONOTONIC deadline; the clock
 * is read every CTB_PEER_CLOCK_EVERY polls (a read costs tens of ns on a
 * VM), so a timed wait may overshoot by that many polls.
 */
#ifndef CTB_PEER_SPIN_H
#define CTB_PEER_SPIN_H

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>

#define CTB_PEER_YIELD_EVERY 256u
#define CTB_PEER_CLOCK_EVERY 16u

static inline void ctb_peer_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Call once per failed poll; *spins starts at 0. */
static inline void ctb_peer_pause(uint32_t *spins)
{
	if (++*spins % CTB_PEER_YIELD_EVERY != 0)
		ctb_peer_relax();
	else
		sched_yield();
}

static inline uint64_t ctb_peer_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Absolute deadline timeout_ns from now, saturating. */
static inline uint64_t ctb_peer_deadline(uint64_t timeout_ns)
{
	uint64_t now = ctb_peer_now_ns();
	return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

/*
 * Call once per failed poll of a timed wait (after ctb_peer_pause);
 * true once the deadline has passed.
 */
static inline int ctb_peer_expired(uint32_t spins, uint64_t deadline)
{
	return spins % CTB_PEER_CLOCK_EVERY == 0 && ctb_peer_now_ns() >= deadline;
}

/*
 * The blocking (timed = 0) and timed put/get of a spinning peer: polls the
 * peer's own try operation (try_put(q, item), or try_get(q, slot) when
 * try_put is NULL; each returns 0, EAGAIN, or a final errno such as EPIPE)
 * until it stops returning EAGAIN. Timed: the deadline is computed after
 * the first failure; past it, ETIMEDOUT.
 */
static inline int ctb_peer_spin(int (*try_put)(void *q, void *item),
				int (*try_get)(void *q, void **slot), void *q, void *item,
				void **slot, int timed, uint64_t timeout_ns)
{
	uint64_t until = 0;	/* 0 = not computed yet */
	uint32_t spins = 0;
	for (;;) {
		int rc = try_put ? try_put(q, item) : try_get(q, slot);
		if (rc != EAGAIN)
			return rc;
		if (timed && until == 0)
			until = ctb_peer_deadline(timeout_ns);
		ctb_peer_pause(&spins);
		if (timed && ctb_peer_expired(spins, until))
			return ETIMEDOUT;
	}
}

#endif
