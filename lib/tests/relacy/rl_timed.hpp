/*
 * rl_timed.hpp — the timed scenario both bounded queues share: on a queue
 * of capacity 1, a producer makes two timed puts while a consumer makes
 * two timed gets. Every call returns 0 or ETIMEDOUT, a timeout loses no
 * item (what was put is got or still queued), the items are read without
 * a race, and nobody is left parked. Ops names the queue's type and calls
 * (rl_queue.cpp: ct_queue, rl_ring.cpp: ct_ring).
 */
#ifndef CT_RL_TIMED_HPP
#define CT_RL_TIMED_HPP

#include "relacy_run.hpp"

template <typename Ops>
struct ct_rl_timed_test : rl::test_suite<ct_rl_timed_test<Ops>, 2>, ct_rl_base {
	typename Ops::type q;
	struct item {
		rl::var<int> v;
	} items[2];
	int put_ok, got;

	void before() { RL_ASSERT(Ops::init(&q, 1) == 0); }

	void thread(unsigned idx)
	{
		if (idx == 0) {
			put_ok = 0;
			for (int i = 0; i < 2; i++) {
				items[i].v($) = i;
				int rc = Ops::put_for(&q, &items[i], 1000);
				RL_ASSERT(rc == 0 || rc == ETIMEDOUT);
				put_ok += rc == 0;
			}
		} else {
			got = 0;
			for (int i = 0; i < 2; i++) {
				void *it;
				int rc = Ops::get_for(&q, &it, 1000);
				RL_ASSERT(rc == 0 || rc == ETIMEDOUT);
				if (rc == 0) {
					(void)static_cast<item *>(it)->v($);
					got++;
				}
			}
		}
	}

	void after()
	{
		void *it;
		int left = 0;
		while (Ops::try_get(&q, &it) == 0)
			left++;
		RL_ASSERT(got + left == put_ok);
		check_nobody_parked();
		Ops::destroy(&q);
	}
};

#endif
