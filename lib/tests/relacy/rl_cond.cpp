/*
 * rl_cond.cpp — Relacy check of ct_cond (lib/src/cond.c) over the real
 * ct_mutex: signal, broadcast (wakes all; they relock m), timed wait.
 * Properties: the predicate and the data it guards (rl::vars) are only
 * touched with the mutex held, without data races; the mutex is held
 * whenever a wait returns; every waiter of a signalled or broadcast
 * predicate returns (no lost wakeup, nobody parked at the end); a timed
 * wait that gave up saw the predicate false.
 */
#include "relacy_run.hpp"

#include "mutex.c"
#include "cond.c"

/* Two consumers, one producer signalling once per item. */
struct cond_signal_test : rl::test_suite<cond_signal_test, 3>, ct_rl_base {
	ct_mutex m;
	ct_cond c;
	rl::var<int> items;

	void before()
	{
		ct_mutex_init(&m);
		ct_cond_init(&c);
		items($) = 0;
	}

	void thread(unsigned idx)
	{
		if (idx == 0) {
			for (int i = 0; i < 2; i++) {
				ct_mutex_lock(&m);
				items($) = items($) + 1;
				ct_mutex_unlock(&m);
				ct_cond_signal(&c);
			}
		} else {
			ct_mutex_lock(&m);
			while (items($) == 0)
				ct_cond_wait(&c, &m);
			items($) = items($) - 1;
			ct_mutex_unlock(&m);
		}
	}

	void after()
	{
		RL_ASSERT(items($) == 0);
		check_nobody_parked();
	}
};

/* Two waiters, one broadcast: both woken, both relock m (one parks on it). */
struct cond_broadcast_test : rl::test_suite<cond_broadcast_test, 3>, ct_rl_base {
	ct_mutex m;
	ct_cond c;
	rl::var<int> ready;
	rl::var<int> data;

	void before()
	{
		ct_mutex_init(&m);
		ct_cond_init(&c);
		ready($) = 0;
		data($) = 0;
	}

	void thread(unsigned idx)
	{
		if (idx == 0) {
			ct_mutex_lock(&m);
			data($) = 9;
			ready($) = 1;
			ct_mutex_unlock(&m);
			ct_cond_broadcast(&c);
		} else {
			ct_mutex_lock(&m);
			while (!ready($))
				ct_cond_wait(&c, &m);
			RL_ASSERT(data($) == 9);
			data($) = data($) + 0;	/* a write: races if m were not held */
			ct_mutex_unlock(&m);
		}
	}

	void after()
	{
		RL_ASSERT(atomic_load_explicit(&m.state, memory_order_relaxed) == CT_MUTEX_UNLOCKED);
		check_nobody_parked();
	}
};

/* A timed waiter that gives up on ETIMEDOUT; a signaller. */
struct cond_timed_test : rl::test_suite<cond_timed_test, 2>, ct_rl_base {
	ct_mutex m;
	ct_cond c;
	rl::var<int> ready;

	void before()
	{
		ct_mutex_init(&m);
		ct_cond_init(&c);
		ready($) = 0;
	}

	void thread(unsigned idx)
	{
		if (idx == 0) {
			ct_mutex_lock(&m);
			ready($) = 1;
			ct_mutex_unlock(&m);
			ct_cond_signal(&c);
		} else {
			ct_mutex_lock(&m);
			while (!ready($)) {
				if (ct_cond_wait_for(&c, &m, 1000) == ETIMEDOUT) {
					ready($) = ready($);	/* m held: no race */
					break;
				}
			}
			ct_mutex_unlock(&m);
		}
	}

	void after() { check_nobody_parked(); }
};

int main(int argc, char **argv)
{
	return ct_rl_main(argc, argv, "cond",
			  {ct_rl_make<cond_signal_test>("signal"),
			   ct_rl_make<cond_broadcast_test>("broadcast"),
			   ct_rl_make<cond_timed_test>("timed", true)});
}
