/*
 * test_spin.c — unit checks of spin.h, the waits of ct_ring and ct_queue
 * before they park: the yield budget ends a wait whose partners do not
 * move, and starts a new window, up to CT__SPIN_WATCH_ROUNDS yields, for
 * one whose partners move (the watched word changed, or the caller lost a
 * race: ct__spin_lost). Single-threaded: the "partner" is this thread
 * changing the watched word between polls.
 */
#include <stdbool.h>

#include "spin.h"
#include "test_util.h"

/* How a wait ended, and how many rounds of yields it took. */
struct ended {
	int how;		/* CT__SPIN_PARK or CT__SPIN_TIMEDOUT */
	unsigned yields;	/* rounds of the yield phase */
};

enum partner { STILL, MOVING, LOSING };

/*
 * Polls until the spin says park or time out; the partner moves the
 * watched word at every poll (MOVING), or the caller reports a lost race
 * at every poll (LOSING), or neither (STILL).
 */
static struct ended wait_until_park(enum partner partner, uint64_t deadline_ns)
{
	ct_atomic_u64 word;
	atomic_init(&word, 0);
	struct ct__spin sp;
	ct__spin_start(&sp);
	for (;;) {
		if (partner == MOVING)
			atomic_fetch_add_explicit(&word, 1, memory_order_relaxed);
		if (partner == LOSING)
			ct__spin_lost(&sp);
		int next = ct__spin_next_watch(&sp, deadline_ns, &word);
		if (next != CT__SPIN_AGAIN)
			return (struct ended){ next, sp.yields };
	}
}

int main(void)
{
	test_watchdog(60);

	/* Nobody moves: the budget's first window ends the wait, and a wait
	 * that parks halves the budget (to the minimum, at most). */
	ct__spin_budget_ns = 4 * CT__SPIN_BUDGET_MIN;
	struct ended e = wait_until_park(STILL, CT_DEADLINE_NONE);
	CHECK_EQ(e.how, CT__SPIN_PARK);
	CHECK(e.yields < CT__SPIN_WATCH_ROUNDS);
	CHECK_EQ(ct__spin_budget_ns, 2 * CT__SPIN_BUDGET_MIN);

	/* The partner moves: windows start over until the wait has yielded
	 * CT__SPIN_WATCH_ROUNDS times, then it parks. */
	ct__spin_budget_ns = CT__SPIN_BUDGET_MIN;
	e = wait_until_park(MOVING, CT_DEADLINE_NONE);
	CHECK_EQ(e.how, CT__SPIN_PARK);
	CHECK(e.yields >= CT__SPIN_WATCH_ROUNDS);
	CHECK_EQ(ct__spin_budget_ns, CT__SPIN_BUDGET_MIN);

	/* A lost race counts as the partner's move. */
	e = wait_until_park(LOSING, CT_DEADLINE_NONE);
	CHECK_EQ(e.how, CT__SPIN_PARK);
	CHECK(e.yields >= CT__SPIN_WATCH_ROUNDS);

	/* The plain wait (ct_queue's) watches no word; lost races extend it. */
	struct ct__spin sp;
	ct__spin_start(&sp);
	while (ct__spin_next(&sp, CT_DEADLINE_NONE) == CT__SPIN_AGAIN)
		ct__spin_lost(&sp);
	CHECK(sp.yields >= CT__SPIN_WATCH_ROUNDS);
	ct__spin_start(&sp);
	while (ct__spin_next(&sp, CT_DEADLINE_NONE) == CT__SPIN_AGAIN)
		continue;
	CHECK(sp.yields < CT__SPIN_WATCH_ROUNDS);

	/* A deadline ends a moving wait too: before the rounds run out. */
	ct__spin_budget_ns = CT__SPIN_BUDGET_MIN;
	e = wait_until_park(MOVING, ct__deadline(100 * 1000));
	CHECK_EQ(e.how, CT__SPIN_TIMEDOUT);

	printf("spin: ok\n");
	return 0;
}
