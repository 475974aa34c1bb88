/*
 * spin.h — how the adapters of peers without blocking or timed
 * operations wait (ck_ring, Boost.Lockfree queue, and the timed modes of
 * oneTBB's concurrent_bounded_queue). C and C++.
 *
 * Such a peer is measured spinning, as its users run it: no parking is
 * added. The loop is the one a careful user writes and the one the
 * harness's own try mode uses (ctb_poll_pause in harness.h): a pause per
 * failed poll, and a sched_yield every CT_SPIN_YIELD_EVERY polls
 * (ct__spin_pause in lib/src/relax.h), so that a spinning waiter cannot
 * starve the thread it waits for when threads outnumber CPUs. Its CPU
 * cost shows in cpu_per_op_ns.
 *
 * Timed waits spin until an absolute CLOCK_MONOTONIC deadline; the clock
 * is read every CI_SPIN_CLOCK_EVERY polls (a read costs tens of ns on a
 * VM), so a timed wait may overshoot by that many polls.
 */
#ifndef CI_SPIN_H
#define CI_SPIN_H

#include <errno.h>
#include <stdint.h>

#include "relax.h"

#define CI_SPIN_CLOCK_EVERY 16u

/*
 * Call once per failed poll of a timed wait (after ct__spin_pause);
 * true once the deadline has passed.
 */
static inline int ci_spin_expired(uint32_t spins, uint64_t deadline)
{
	return spins % CI_SPIN_CLOCK_EVERY == 0 && ct__now_ns() >= deadline;
}

/*
 * The blocking (timed = 0) and timed put/get of a spinning peer: polls the
 * peer's own try operation (try_put(q, item), or try_get(q, slot) when
 * try_put is NULL; each returns 0, EAGAIN, or a final errno such as EPIPE)
 * until it stops returning EAGAIN. Timed: the deadline is computed after
 * the first failure; past it, ETIMEDOUT.
 */
static inline int ci_spin(int (*try_put)(void *q, void *item),
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
			until = ct__deadline(timeout_ns);
		ct__spin_pause(&spins);
		if (timed && ci_spin_expired(spins, until))
			return ETIMEDOUT;
	}
}

#endif
