/*
 * rl_mutex.cpp — Relacy check of ct_mutex (lib/src/mutex.c): the CAS fast
 * path, the probe/spin loop (short: CT_MUTEX_SPIN from meson.build), park
 * and wake, trylock and timed lock. Property: mutual exclusion with no
 * data race on what the lock protects (an rl::var), every increment
 * counted, nobody parked at the end (no lost wakeup: Relacy also reports
 * a thread blocked forever as a deadlock).
 */
#include "relacy_run.hpp"

#include "mutex.c"

/* Three threads, each locking twice through a different entry point. */
struct mutex_lock_test : rl::test_suite<mutex_lock_test, 3>, ct_rl_base {
	ct_mutex m;
	rl::var<int> data;
	rl::var<int> held;	/* 1 while someone holds m */
	int acquired[3];

	void before()
	{
		ct_mutex_init(&m);
		data($) = 0;
		held($) = 0;
	}

	void critical()
	{
		RL_ASSERT(held($) == 0);
		held($) = 1;
		data($) = data($) + 1;
		held($) = 0;
	}

	void thread(unsigned idx)
	{
		acquired[idx] = 0;
		for (int i = 0; i < 2; i++) {
			bool got = true;
			if (idx == 0)
				ct_mutex_lock(&m);
			else if (idx == 1)
				got = ct_mutex_trylock(&m) || (ct_mutex_lock(&m), true);
			else
				got = ct_mutex_lock_for(&m, 1000) == 0;
			if (!got)
				continue;
			critical();
			acquired[idx]++;
			ct_mutex_unlock(&m);
		}
	}

	void after()
	{
		RL_ASSERT(data($) == acquired[0] + acquired[1] + acquired[2]);
		RL_ASSERT(acquired[0] == 2 && acquired[1] == 2);
		RL_ASSERT(atomic_load_explicit(&m.state, memory_order_relaxed) == CT_MUTEX_UNLOCKED);
		check_nobody_parked();
	}
};

/* Two threads, a message passed through the lock (release/acquire). */
struct mutex_handoff_test : rl::test_suite<mutex_handoff_test, 2>, ct_rl_base {
	ct_mutex m;
	rl::var<int> msg;
	rl::var<int> ready;

	void before()
	{
		ct_mutex_init(&m);
		msg($) = 0;
		ready($) = 0;
	}

	void thread(unsigned idx)
	{
		if (idx == 0) {
			ct_mutex_lock(&m);
			msg($) = 42;
			ready($) = 1;
			ct_mutex_unlock(&m);
		} else {
			for (;;) {
				ct_mutex_lock(&m);
				int r = ready($);
				if (r)
					RL_ASSERT(msg($) == 42);
				ct_mutex_unlock(&m);
				if (r)
					break;
				rl::yield(1, $);
			}
		}
	}

	void after() { check_nobody_parked(); }
};

int main(int argc, char **argv)
{
	return ct_rl_main(argc, argv, "mutex",
			  {ct_rl_make<mutex_lock_test>("lock_trylock_timed"),
			   ct_rl_make<mutex_handoff_test>("handoff", true)});
}
