/*
 * rl_event.cpp — Relacy check of ct_event (lib/src/event.c): the flag,
 * the waiters bit and the generation, with a short spin (CT_EVENT_SPIN
 * from meson.build). Properties: what the setter wrote before set() is
 * visible, without a data race, to every waiter that returns true and to
 * a reader that sees is_set(); waiters parked before a set return even if
 * the event is cleared at once (generation); nobody is
 * left parked; a timed wait that returns false saw no set that happened
 * before it began.
 */
#include "relacy_run.hpp"

#include "event.c"

/* A setter, a blocking waiter and a poller of is_set. */
struct event_set_wait_test : rl::test_suite<event_set_wait_test, 3>, ct_rl_base {
	ct_event e;
	rl::var<int> data;

	void before()
	{
		ct_event_init(&e);
		data($) = 0;
	}

	void thread(unsigned idx)
	{
		if (idx == 0) {
			data($) = 42;
			ct_event_set(&e);
		} else if (idx == 1) {
			ct_event_wait(&e);
			RL_ASSERT(data($) == 42);
		} else {
			while (!ct_event_is_set(&e))
				rl::yield(1, $);
			RL_ASSERT(data($) == 42);
		}
	}

	void after() { check_nobody_parked(); }
};

/* set then clear at once while both waiters are parked: the generation
 * releases them although the flag is already clear again. (A waiter that
 * only starts after the clear blocks, by contract: hence "parked".) */
struct event_generation_test : rl::test_suite<event_generation_test, 3>, ct_rl_base {
	ct_event e;
	rl::var<int> data;

	void before()
	{
		ct_event_init(&e);
		data($) = 0;
	}

	void thread(unsigned idx)
	{
		if (idx == 0) {
			/* The model's count of parked threads (read only to
			 * steer the schedule; the event is not told). */
			while (kernel.parked != 2)
				rl::yield(1, $);
			data($) = 7;
			ct_event_set(&e);
			ct_event_clear(&e);
		} else {
			ct_event_wait(&e);
			RL_ASSERT(data($) == 7);
		}
	}

	void after() { check_nobody_parked(); }
};

/* Timed waits: false only if no set happened before the wait began;
 * true only with the setter's data visible. */
struct event_timed_test : rl::test_suite<event_timed_test, 2>, ct_rl_base {
	ct_event e;
	rl::atomic<int> done;
	rl::var<int> data;

	void before()
	{
		ct_event_init(&e);
		done($).store(0, rl::mo_relaxed);
		data($) = 0;
	}

	void thread(unsigned idx)
	{
		if (idx == 0) {
			data($) = 5;
			ct_event_set(&e);
			done($).store(1, rl::mo_release);
		} else {
			int before_wait = done($).load(rl::mo_acquire);
			bool got = ct_event_wait_for(&e, 1000);
			if (before_wait)
				RL_ASSERT(got);
			if (got)
				RL_ASSERT(data($) == 5);
		}
	}

	void after() { check_nobody_parked(); }
};

int main(int argc, char **argv)
{
	return ct_rl_main(argc, argv, "event",
			  {ct_rl_make<event_set_wait_test>("set_wait_isset"),
			   ct_rl_make<event_generation_test>("set_clear_generation"),
			   ct_rl_make<event_timed_test>("timed", true)});
}
