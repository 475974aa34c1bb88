/*
 * stress_handoff.c — no lost wakeups in ct_cond and ct_event.
 *
 * 1. Ping-pong: two threads hand a token back and forth through a ct_cond
 *    10^5 times (each handoff needs a wakeup; one lost wakeup hangs, which
 *    the watchdog turns into a failure).
 * 2. Many-to-many: 3 producers signal tickets, 3 consumers wait for them,
 *    with timed waits mixed in; exactly every ticket is consumed.
 * 3. Events: two events ping-pong 10^4 times with set/clear, through the
 *    event table (impls/): ct_event by default; with arguments
 *    (`--peers`, or row names) only this part runs, on the rows selected.
 * 4. Broadcast rounds: 6 waiters, a broadcast per round; every waiter must
 *    observe every round.
 *
 * Soak mode (scripts/soak): with CT_SOAK_SEED set to a number, the counts
 * of 1-4 and the consumers' timed-wait timeout are drawn from it instead.
 * The last line is a machine-readable total:
 *     TOTAL items=N ops=N timeouts=N closes=0
 * (items: tickets consumed; ops: handoffs, tickets, event round trips and
 * broadcast wakeups checked; timeouts: ETIMEDOUT returns of the timed
 * waits).
 */
#include <contend/cond.h>
#include <contend/event.h>

#include "test_impls.h"
#include "test_util.h"

static ct_mutex m = CT_MUTEX_INIT;
static ct_cond c = CT_COND_INIT;
static long turn;		/* under m: whose turn (parity) */
static long handoffs;

static void *pingpong(void *arg)
{
	long me = (long)(intptr_t)arg;
	for (;;) {
		ct_mutex_lock(&m);
		while (turn % 2 != me && turn < handoffs)
			ct_cond_wait(&c, &m);
		if (turn >= handoffs) {
			ct_mutex_unlock(&m);
			return NULL;
		}
		turn++;
		ct_cond_signal(&c);
		ct_mutex_unlock(&m);
	}
}

enum { PRODUCERS = 3, CONSUMERS = 3 };
static ct_cond tickets_cond = CT_COND_INIT;
static long tickets, consumed, produced_done;
static long tickets_each;
static uint64_t ticket_wait_ns = 200000;
static uint64_t ticket_timeouts;	/* under m */

static void *produce(void *arg)
{
	(void)arg;
	for (long i = 0; i < tickets_each; i++) {
		ct_mutex_lock(&m);
		tickets++;
		ct_cond_signal(&tickets_cond);
		ct_mutex_unlock(&m);
		if (i % 64 == 0)
			sched_yield();
	}
	ct_mutex_lock(&m);
	produced_done++;
	ct_cond_broadcast(&tickets_cond);
	ct_mutex_unlock(&m);
	return NULL;
}

static void *consume(void *arg)
{
	long *mine = arg;
	ct_mutex_lock(&m);
	for (long i = 0;; i++) {
		while (tickets == 0 && produced_done < PRODUCERS) {
			if (i % 2)
				ct_cond_wait(&tickets_cond, &m);
			else if (ct_cond_wait_for(&tickets_cond, &m, ticket_wait_ns) == ETIMEDOUT)
				ticket_timeouts++;
		}
		if (tickets == 0)
			break;
		tickets--;
		consumed++;
		(*mine)++;
	}
	ct_mutex_unlock(&m);
	return NULL;
}

static long event_rounds;

/* Two events of one row, handed back and forth. */
struct event_pair {
	const struct ci_event_ops *ops;
	void *ping, *pong;
};

static void *event_ponger(void *arg)
{
	struct event_pair *e = arg;
	for (long i = 0; i < event_rounds; i++) {
		e->ops->wait(e->ping);
		e->ops->clear(e->ping);
		e->ops->set(e->pong);
	}
	return NULL;
}

static void *event_new(const struct ci_event_ops *ops)
{
	size_t bytes = (ops->obj_size + CT_CACHE_LINE - 1) / CT_CACHE_LINE * CT_CACHE_LINE;
	void *e = aligned_alloc(CT_CACHE_LINE, bytes);
	CHECK(e != NULL);
	CHECK_EQ(ops->init(e), 0);
	return e;
}

/* 3: event_rounds round trips through two events of row ops. */
static void event_pingpong(const struct ci_event_ops *ops)
{
	struct event_pair e = { ops, event_new(ops), event_new(ops) };
	pthread_t t;
	uint64_t t0 = test_now_ns();
	CHECK(pthread_create(&t, NULL, event_ponger, &e) == 0);
	for (long i = 0; i < event_rounds; i++) {
		ops->set(e.ping);
		ops->wait(e.pong);
		ops->clear(e.pong);
	}
	test_join(&t, 1);
	printf("%s ping-pong: %ld round trips, %.2f s\n",
	       (ops->flags & CI_OWN) ? "event" : ops->name, event_rounds,
	       (double)(test_now_ns() - t0) / 1e9);
	ops->destroy(e.ping);
	ops->destroy(e.pong);
	free(e.ping);
	free(e.pong);
}

/* With arguments: part 3 only, on the event rows they select. */
static int event_rows_main(int argc, char **argv)
{
	long rows = 0;
	for (size_t i = 0; i < ci_event_table_len; i++) {
		const struct ci_event_ops *ops = ci_event_table[i];
		if (ops != NULL && impl_selected(argc, argv, ops->name, ops->flags)) {
			event_pingpong(ops);
			rows++;
		}
	}
	if (rows == 0) {
		printf("stress_handoff: no event row selected (not built?)\n");
		return 77;
	}
	printf("TOTAL items=0 ops=%ld timeouts=0 closes=0\n", 2 * event_rounds * rows);
	return 0;
}

enum { BWAITERS = 6 };
static ct_cond round_cond = CT_COND_INIT;
static long round_no, rounds, seen_total, arrived;

static void *round_waiter(void *arg)
{
	(void)arg;
	ct_mutex_lock(&m);
	for (long seen = 0; seen < rounds;) {
		arrived++;
		ct_cond_broadcast(&c);	/* tell the driver we are waiting */
		long r = round_no;
		while (round_no == r)
			ct_cond_wait(&round_cond, &m);
		seen++;
		seen_total++;
	}
	ct_mutex_unlock(&m);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[8];
	test_watchdog(100);
	handoffs = (long)SCALED(100000);
	tickets_each = (long)SCALED(30000);
	event_rounds = (long)SCALED(10000);
	rounds = (long)SCALED(2000);
	const char *soak = getenv("CT_SOAK_SEED");
	if (soak != NULL && *soak != '\0') {
		uint64_t seed = strtoull(soak, NULL, 0), rng = seed * 0x9e3779b97f4a7c15u | 1;
		/* Each count between a quarter and twice its default. */
		long *counts[] = { &handoffs, &tickets_each, &event_rounds, &rounds };
		for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
			rng = rng * 6364136223846793005u + 1442695040888963407u;
			long d = *counts[i];
			*counts[i] = d / 4 + 1 + (long)((rng >> 33) % (uint64_t)(7 * d / 4));
		}
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		ticket_wait_ns = 1000 + (rng >> 33) % 1000000;
		printf("soak seed %" PRIu64 ": handoffs %ld, tickets %ld x %d, event rounds %ld, "
		       "broadcast rounds %ld, timed wait %" PRIu64 " ns\n", seed, handoffs,
		       tickets_each, PRODUCERS, event_rounds, rounds, ticket_wait_ns);
	}
	if (argc > 1)
		return event_rows_main(argc, argv);

	/* 1 */
	uint64_t t0 = test_now_ns();
	for (long i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, pingpong, (void *)(intptr_t)i) == 0);
	test_join(t, 2);
	CHECK_EQ(turn, handoffs);
	printf("cond ping-pong: %ld handoffs, %.2f s\n", handoffs, (double)(test_now_ns() - t0) / 1e9);

	/* 2 */
	long per_consumer[CONSUMERS] = { 0 };
	t0 = test_now_ns();
	for (int i = 0; i < CONSUMERS; i++)
		CHECK(pthread_create(&t[i], NULL, consume, &per_consumer[i]) == 0);
	for (int i = 0; i < PRODUCERS; i++)
		CHECK(pthread_create(&t[CONSUMERS + i], NULL, produce, NULL) == 0);
	test_join(t, CONSUMERS + PRODUCERS);
	CHECK_EQ(consumed, PRODUCERS * tickets_each);
	CHECK_EQ(tickets, 0);
	printf("cond tickets: %ld signalled, %ld consumed (%ld/%ld/%ld), %.2f s\n",
	       PRODUCERS * tickets_each, consumed, per_consumer[0], per_consumer[1], per_consumer[2],
	       (double)(test_now_ns() - t0) / 1e9);

	/* 3 */
	for (size_t i = 0; i < ci_event_table_len; i++)
		if (ci_event_table[i] != NULL && (ci_event_table[i]->flags & CI_OWN))
			event_pingpong(ci_event_table[i]);

	/* 4 */
	t0 = test_now_ns();
	test_spawn(t, BWAITERS, round_waiter, NULL, 0);
	ct_mutex_lock(&m);
	for (long r = 0; r < rounds; r++) {
		while (arrived < BWAITERS)
			ct_cond_wait(&c, &m);
		arrived = 0;
		round_no++;
		ct_cond_broadcast(&round_cond);
	}
	ct_mutex_unlock(&m);
	test_join(t, BWAITERS);
	CHECK_EQ(seen_total, BWAITERS * rounds);
	printf("broadcast rounds: %ld rounds x %d waiters all released, %.2f s\n", rounds, BWAITERS,
	       (double)(test_now_ns() - t0) / 1e9);
	printf("TOTAL items=%ld ops=%ld timeouts=%" PRIu64 " closes=0\n", consumed,
	       handoffs + consumed + 2 * event_rounds + seen_total, ticket_timeouts);
	return 0;
}
