/*
 * stress_queue.c — many-thread checks of the bounded queues: the rows of
 * the queue table (impls/). Usage: stress_queue [--peers | NAME...];
 * without arguments, libcontend's rows and ct_ring+delays; --peers, every
 * peer row built; or the rows named. A check that needs what a row does
 * not guarantee (impls.h flags) is skipped for it, and says so.
 *
 * 1. Transfer: P producers and C consumers, P:C in {1:1, 4:1, 1:4, 4:4},
 *    capacity in {1, 2, 64}, in three modes (blocking put/get; try_ with
 *    sched_yield on EAGAIN; timed _for with short timeouts, retried on
 *    ETIMEDOUT). Producers put numbered items, then the main thread closes
 *    the queue and consumers stop at EPIPE. Checked: every item delivered
 *    exactly once (a shared bitmap), each consumer sees each producer's
 *    items in increasing order (per-producer FIFO), the checksum of all
 *    items, and nothing returned after EPIPE.
 *    Before closing, the main thread waits for every item to be delivered:
 *    items left in the queue while every consumer sleeps (a lost wakeup)
 *    fail the test instead of being rescued by close's wake-all.
 * 2. Lockstep (rows with an exact capacity and a size): 4 producers and 4 consumers, each allowed one operation
 *    at a time by the main thread, so a thread that got its item (or slot)
 *    does not come back for the next one. Each round: 4 consumers park on
 *    an empty queue, then 4 producers put one item each; later 4 producers
 *    park on a full queue (capacity 4), then 4 consumers get one item
 *    each. Every parked thread must be woken: one that is not (a lost
 *    wakeup, or a wakeup spent on a thread that no longer needs it and not
 *    passed on) stalls the round, and the stall fails the test.
 * 3. Timeouts (rows with an exact capacity): a timed waiter A (get_for / put_for of 1 ms) and a blocking
 *    waiter B both wait while the main thread makes one item (or slot)
 *    available near A's deadline. If A times out it must not have taken
 *    the wakeup with it: B must get the item. A stall fails the test.
 * 4. Close races (rows whose close is exact; (a) needs a size too):
 *    producers put until EPIPE while close happens (a) with
 *    every producer blocked on a full queue and no consumer yet, (b) with
 *    consumers running, after a random delay. Each producer counts its
 *    successful puts; consumers must get exactly those items, once each.
 * 5. In-flight close (ct_ring+delays only): a put has claimed a slot but not
 *    filled it when close happens, and two consumers are parked. Neither
 *    may return EPIPE before the item arrives; then one gets it and the
 *    other must be woken for EPIPE.
 *
 * Besides the library's queues, everything runs on "ct_ring+delays": a
 * test-only copy of ring.c (ring_delayed.h) with random yields and sleeps
 * between claiming a slot and filling or freeing it (CT_RING_TEST_DELAY),
 * so that the windows the parking protocol must survive are hit often.
 * Rows that spin inside the implementation (CI_SPINS) run with at most
 * max(2, allowed PUs) threads in all.
 *
 * Soak mode (scripts/soak): with the environment variable CT_SOAK_SEED set
 * to a number, main runs a selection drawn from that seed instead of the
 * fixed matrix: for each implementation a few transfers with random
 * producer and consumer counts (1-4 each), capacity, mode and item count,
 * the timed mode's two timeouts drawn too, then lockstep, timeouts and
 * close races with random modes, all with the checks above. The same seed
 * draws the same selection (thread timing aside). Without it, nothing
 * changes.
 *
 * The last line is a machine-readable total of what was checked:
 *     TOTAL items=N ops=N timeouts=N closes=N
 * (items delivered and checked, queue calls made, ETIMEDOUT returns seen,
 * closes). Exits 1 with a message on the first violation; a hang trips
 * the watchdog.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "test_impls.h"
#include "test_util.h"

/* ---- ring.c again, with delays injected, as the row "ct_ring+delays" ---- */

static _Thread_local uint64_t delay_rng;

/* A put that must stop right after claiming its slot (see in_flight_close). */
struct hold {
	atomic_int claimed;	/* set by the holder once its slot is claimed */
	atomic_int release;	/* set by the main thread to let it finish */
};
static _Thread_local struct hold *delay_hold;

/* The hook of the test-only ring.c (ring_delayed.h): 1 in 16 claims
 * yields the CPU, 1 in 512 sleeps 200 us; a holder waits. */
void ct_test_ring_delay(void);
void ct_test_ring_delay(void)
{
	if (delay_hold) {
		struct hold *h = delay_hold;
		delay_hold = NULL;
		atomic_store(&h->claimed, 1);
		while (!atomic_load(&h->release))
			test_sleep_ns(10 * 1000);
		return;
	}
	if (delay_rng == 0)
		delay_rng = (uint64_t)(uintptr_t)&delay_rng | 1;
	delay_rng ^= delay_rng << 13;
	delay_rng ^= delay_rng >> 7;
	delay_rng ^= delay_rng << 17;
	if (delay_rng % 512 == 0)
		test_sleep_ns(200 * 1000);
	else if (delay_rng % 16 == 0)
		sched_yield();
}

/* The test-only copy's functions (ct_ring_* renamed by ring_delayed.h). */
int delayed_ring_init(ct_ring *r, size_t capacity);
void delayed_ring_destroy(ct_ring *r);
int delayed_ring_put(ct_ring *r, void *item);
int delayed_ring_try_put(ct_ring *r, void *item);
int delayed_ring_put_for(ct_ring *r, void *item, uint64_t timeout_ns);
int delayed_ring_get(ct_ring *r, void **item);
int delayed_ring_try_get(ct_ring *r, void **item);
int delayed_ring_get_for(ct_ring *r, void **item, uint64_t timeout_ns);
void delayed_ring_close(ct_ring *r);
size_t delayed_ring_size(const ct_ring *r);
size_t delayed_ring_capacity(const ct_ring *r);

static int a_dring_init(void *q, size_t c) { return delayed_ring_init(q, c); }
static void a_dring_destroy(void *q) { delayed_ring_destroy(q); }
static int a_dring_put(void *q, void *it) { return delayed_ring_put(q, it); }
static int a_dring_try_put(void *q, void *it) { return delayed_ring_try_put(q, it); }
static int a_dring_put_for(void *q, void *it, uint64_t t) { return delayed_ring_put_for(q, it, t); }
static int a_dring_get(void *q, void **it) { return delayed_ring_get(q, it); }
static int a_dring_try_get(void *q, void **it) { return delayed_ring_try_get(q, it); }
static int a_dring_get_for(void *q, void **it, uint64_t t) { return delayed_ring_get_for(q, it, t); }
static void a_dring_close(void *q) { delayed_ring_close(q); }
static size_t a_dring_size(const void *q) { return delayed_ring_size(q); }
static size_t a_dring_capacity(const void *q) { return delayed_ring_capacity(q); }

static const struct ci_queue_ops delayed_ring_impl = {
	.name = "ct_ring+delays",
	.family = "ring",
	.flags = CI_Q_EXACT_CAP | CI_Q_POW2 | CI_Q_EXACT_CLOSE,
	.obj_size = sizeof(ct_ring),
	.max_capacity = CT_RING_CAPACITY_MAX,
	.init = a_dring_init,
	.destroy = a_dring_destroy,
	.put = a_dring_put,
	.try_put = a_dring_try_put,
	.put_for = a_dring_put_for,
	.get = a_dring_get,
	.try_get = a_dring_try_get,
	.get_for = a_dring_get_for,
	.close = a_dring_close,
	.size = a_dring_size,
	.capacity = a_dring_capacity,
};

/* ---- the checks ---------------------------------------------------------- */

enum { MAX_THREADS = 4 };

/* Items per transfer configuration, and the producers' cap in close races. */
#define TRANSFER_ITEMS SCALED(16000)
#define CLOSE_ROUNDS SCALED(50)
#define CLOSE_MAX_PER_PRODUCER 50000u
#define LOCKSTEP_ROUNDS SCALED(300)
#define TIMEOUT_ROUNDS SCALED(150)
#define IN_FLIGHT_ROUNDS SCALED(20)

/* No delivery for this long while items are queued fails the test. */
#define STALL_NS (3ull * 1000 * 1000 * 1000)

/* Timeouts of the timed mode: short ones make waiters time out while
 * wakeups are in flight; long ones make them park for real. (Soak mode
 * draws them; the main thread sets them before any thread starts.) */
static uint64_t timed_mode_timeouts_ns[] = { 20 * 1000, 1000 * 1000 };

/* Items per transfer configuration (soak mode draws it). */
static uint64_t transfer_items = TRANSFER_ITEMS;

/* What was checked, for the TOTAL line; main thread only, after joins. */
static struct {
	uint64_t items, ops, timeouts, closes;
} totals;

/* One thread's queue calls and ETIMEDOUT returns. */
struct counts {
	uint64_t ops, timeouts;
};

enum mode { MODE_BLOCK, MODE_TRY, MODE_TIMED, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = { "block", "try", "timed" };

struct run {
	const struct ci_queue_ops *impl;
	void *q;
	enum mode mode;
	int producers, consumers;
	uint64_t per_producer;		/* transfer: items per producer */
	_Atomic uint64_t *seen;		/* bit p * per_producer + s: item (p, s) got */
	_Atomic uint64_t delivered;	/* items got, all consumers together */
	_Atomic uint64_t accepted;	/* successful puts, all producers together */
	bool lockstep;			/* threads wait for the allowances below
					 * (set before they start, then constant) */
	_Atomic uint64_t put_allow;	/* lockstep: puts each producer may have done */
	_Atomic uint64_t get_allow;	/* lockstep: gets each consumer may have done */
};

/* Lockstep: waits until *allow > done (polling; main raises *allow). */
static void lockstep_wait(const struct run *run, _Atomic uint64_t *allow, uint64_t done)
{
	/* Acquire: pairs with main's release increment (nothing else is
	 * published through it; it just keeps the order obvious). */
	while (run->lockstep && atomic_load_explicit(allow, memory_order_acquire) <= done)
		test_sleep_ns(10 * 1000);
}

struct producer {
	struct run *run;
	int id;
	uint64_t put;			/* items put successfully */
	struct counts n;
};

struct consumer {
	struct run *run;
	uint64_t got;			/* items received */
	uint64_t sum;			/* sum of item values received */
	uint64_t next[MAX_THREADS];	/* per producer: lowest sequence still allowed */
	struct counts n;
};

static void fail(const struct run *run, const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "%s %d:%d mode:%s: %s (%" PRIu64 ", %" PRIu64 ")\n", run->impl->name,
		run->producers, run->consumers, mode_names[run->mode], what, a, b);
	exit(1);
}

/* A small deterministic generator for delays and timings. */
static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Item values are 1 + the bit index, never NULL. */
static void *item_encode(const struct run *run, int producer, uint64_t seq)
{
	return (void *)(uintptr_t)((uint64_t)producer * run->per_producer + seq + 1);
}

/*
 * One put of item (slot == NULL) or get into slot, in run's mode, retried
 * on EAGAIN (try) and ETIMEDOUT (timed); counts calls and timeouts.
 */
static int queue_op(const struct run *run, void *item, void **slot, unsigned *turn,
		    struct counts *n)
{
	const struct ci_queue_ops *q = run->impl;
	int rc;
	switch (run->mode) {
	case MODE_BLOCK:
		n->ops++;
		return slot ? q->get(run->q, slot) : q->put(run->q, item);
	case MODE_TRY:
		while (n->ops++, (rc = slot ? q->try_get(run->q, slot) : q->try_put(run->q, item)) == EAGAIN)
			sched_yield();
		return rc;
	default:
		do {
			uint64_t t = timed_mode_timeouts_ns[(*turn)++ % 2];
			n->ops++;
			rc = slot ? q->get_for(run->q, slot, t) : q->put_for(run->q, item, t);
			n->timeouts += rc == ETIMEDOUT;
		} while (rc == ETIMEDOUT);
		return rc;
	}
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	struct run *run = p->run;
	unsigned turn = (unsigned)p->id;

	for (uint64_t s = 0; s < run->per_producer; s++) {
		lockstep_wait(run, &run->put_allow, s);
		int rc = queue_op(run, item_encode(run, p->id, s), NULL, &turn, &p->n);
		if (rc == EPIPE)
			break;
		if (rc != 0)
			fail(run, "put returned", (uint64_t)rc, s);
		p->put++;
		/* Relaxed: a progress count for the main thread. */
		atomic_fetch_add_explicit(&run->accepted, 1, memory_order_relaxed);
	}
	return NULL;
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct run *run = c->run;
	unsigned turn = 0;
	void *item;
	int rc;

	for (;;) {
		lockstep_wait(run, &run->get_allow, c->got);
		if ((rc = queue_op(run, NULL, &item, &turn, &c->n)) != 0)
			break;
		uint64_t v = (uint64_t)(uintptr_t)item;
		uint64_t total = (uint64_t)run->producers * run->per_producer;
		if (v == 0 || v > total)
			fail(run, "got an item never put", v, total);
		uint64_t bit = v - 1;
		int p = (int)(bit / run->per_producer);
		uint64_t s = bit % run->per_producer;
		if (s < c->next[p])
			fail(run, "producer's items out of order (producer, seq)", (uint64_t)p, s);
		c->next[p] = s + 1;
		/* Relaxed: the RMW itself detects a second delivery; the
		 * main thread reads the bitmap after joining every thread. */
		uint64_t mask = (uint64_t)1 << (bit % 64);
		if (atomic_fetch_or_explicit(&run->seen[bit / 64], mask, memory_order_relaxed) & mask)
			fail(run, "item delivered twice (producer, seq)", (uint64_t)p, s);
		c->got++;
		c->sum += v;
		/* Relaxed: a progress count for the main thread's stall
		 * check; the items' data is checked after the joins. */
		atomic_fetch_add_explicit(&run->delivered, 1, memory_order_relaxed);
	}
	if (rc != EPIPE)
		fail(run, "get returned", (uint64_t)rc, 0);
	/* Once drained and closed, it stays so. */
	if (run->impl->try_get(run->q, &item) != EPIPE)
		fail(run, "try_get after EPIPE did not return EPIPE", 0, 0);
	return NULL;
}

static _Atomic uint64_t *bitmap_new(uint64_t bits)
{
	_Atomic uint64_t *b = calloc((size_t)(bits / 64 + 1), sizeof *b);
	CHECK(b);
	return b;
}

/*
 * After every thread joined: consumers got exactly the items with
 * sequence numbers below each producer's count, once each.
 */
static void check_delivery(struct run *run, struct producer *prod, struct consumer *cons)
{
	uint64_t got = 0, sum = 0, want = 0, want_sum = 0;

	for (int i = 0; i < run->consumers; i++) {
		got += cons[i].got;
		sum += cons[i].sum;
	}
	for (int p = 0; p < run->producers; p++) {
		for (uint64_t s = 0; s < run->per_producer; s++) {
			uint64_t bit = (uint64_t)p * run->per_producer + s;
			bool put = s < prod[p].put;
			bool seen = (atomic_load(&run->seen[bit / 64]) >> (bit % 64)) & 1;
			if (put != seen)
				fail(run, put ? "item put but never got (producer, seq)"
					      : "item got but never put (producer, seq)",
				     (uint64_t)p, s);
		}
		want += prod[p].put;
		want_sum += prod[p].put * ((uint64_t)p * run->per_producer) +
			    prod[p].put * (prod[p].put + 1) / 2;
	}
	if (got != want)
		fail(run, "items got != items put", got, want);
	if (sum != want_sum)
		fail(run, "checksum of items got != of items put", sum, want_sum);
	if (run->impl->size != NULL && run->impl->size(run->q) != 0)
		fail(run, "size of a drained queue", run->impl->size(run->q), 0);
	totals.items += got;
	totals.closes++;
	for (int i = 0; i < run->consumers; i++)
		totals.ops += cons[i].n.ops, totals.timeouts += cons[i].n.timeouts;
	for (int p = 0; p < run->producers; p++)
		totals.ops += prod[p].n.ops, totals.timeouts += prod[p].n.timeouts;
}

/*
 * Waits until *count (delivered or accepted) reaches target. Failing to
 * make progress for STALL_NS means items (or free slots) sit in the queue
 * while the threads that want them sleep: a lost wakeup.
 */
static void wait_count(const struct run *run, _Atomic uint64_t *count, uint64_t target,
		       const char *what)
{
	uint64_t last = atomic_load(count), since = test_now_ns();
	for (;;) {
		uint64_t now_count = atomic_load(count);
		if (now_count >= target)
			return;
		uint64_t now = test_now_ns();
		if (now_count != last) {
			last = now_count;
			since = now;
		} else if (now - since > STALL_NS) {
			fail(run, what, now_count, target);
		}
		test_sleep_ns(20 * 1000);
	}
}

static void wait_delivered(struct run *run, uint64_t target)
{
	wait_count(run, &run->delivered, target,
		   "items stranded while consumers sleep: lost wakeup? (got, want)");
}

static void wait_accepted(struct run *run, uint64_t target)
{
	wait_count(run, &run->accepted, target,
		   "free slots stranded while producers sleep: lost wakeup? (put, want)");
}

static void run_threads(struct run *run, struct producer *prod, pthread_t *pt,
			struct consumer *cons, pthread_t *ct)
{
	for (int i = 0; i < run->producers; i++) {
		prod[i] = (struct producer){ .run = run, .id = i };
		CHECK(pthread_create(&pt[i], NULL, producer_main, &prod[i]) == 0);
	}
	for (int i = 0; i < run->consumers; i++) {
		cons[i] = (struct consumer){ .run = run };
		CHECK(pthread_create(&ct[i], NULL, consumer_main, &cons[i]) == 0);
	}
}

/* ---- 1. transfer ---------------------------------------------------------- */

static void transfer(const struct ci_queue_ops *impl, int producers, int consumers,
		     size_t capacity, enum mode mode)
{
	struct run run = {
		.impl = impl, .mode = mode, .producers = producers, .consumers = consumers,
		.per_producer = transfer_items / (uint64_t)producers,
	};
	struct producer prod[MAX_THREADS];
	struct consumer cons[MAX_THREADS];
	pthread_t pt[MAX_THREADS], ct[MAX_THREADS];

	run.q = queue_new(impl, capacity);
	run.seen = bitmap_new((uint64_t)producers * run.per_producer);
	uint64_t t0 = test_now_ns();
	run_threads(&run, prod, pt, cons, ct);
	test_join(pt, producers);
	for (int i = 0; i < producers; i++)
		if (prod[i].put != run.per_producer)
			fail(&run, "producer stopped early (producer, items)", (uint64_t)i, prod[i].put);
	wait_delivered(&run, (uint64_t)producers * run.per_producer);
	impl->close(run.q);
	test_join(ct, consumers);
	double secs = (double)(test_now_ns() - t0) / 1e9;
	check_delivery(&run, prod, cons);
	printf("%-14s pc:%dx%d cap:%-3zu mode:%-5s items:%" PRIu64 " %.3f s\n", impl->name,
	       producers, consumers, capacity, mode_names[mode],
	       (uint64_t)producers * run.per_producer, secs);
	free(run.seen);
	queue_free(impl, run.q);
}

/* ---- 2. lockstep ---------------------------------------------------------- */

/* Raises a lockstep allowance by one for every thread of that side. */
static void lockstep_allow(_Atomic uint64_t *allow)
{
	/* Release: see lockstep_wait. */
	atomic_fetch_add_explicit(allow, 1, memory_order_release);
}

/* Time for the threads just allowed to reach the queue and park. */
#define LOCKSTEP_PARK_NS (200 * 1000)

/* See 2. in the comment at the top. */
static void lockstep(const struct ci_queue_ops *impl, enum mode mode)
{
	enum { N = 4 };		/* producers = consumers = capacity */
	struct run run = {
		.impl = impl, .mode = mode, .producers = N, .consumers = N,
		.per_producer = 3 * LOCKSTEP_ROUNDS, .lockstep = true,
	};
	struct producer prod[N];
	struct consumer cons[N];
	pthread_t pt[N], ct[N];

	run.q = queue_new(impl, N);
	CHECK_EQ(impl->capacity(run.q), N);
	run.seen = bitmap_new((uint64_t)N * run.per_producer);
	uint64_t t0 = test_now_ns();
	run_threads(&run, prod, pt, cons, ct);
	for (uint64_t r = 0; r < LOCKSTEP_ROUNDS; r++) {
		uint64_t base = 3 * N * r;	/* items put (and got) before round r */
		/* Consumers park on the empty queue; producers put one each. */
		lockstep_allow(&run.get_allow);
		test_sleep_ns(LOCKSTEP_PARK_NS);
		lockstep_allow(&run.put_allow);
		wait_delivered(&run, base + N);
		/* Producers fill the queue, then park on it full... */
		lockstep_allow(&run.put_allow);
		wait_accepted(&run, base + 2 * N);
		CHECK_EQ(impl->size(run.q), N);
		lockstep_allow(&run.put_allow);
		test_sleep_ns(LOCKSTEP_PARK_NS);
		/* ...until consumers take one each. */
		lockstep_allow(&run.get_allow);
		wait_delivered(&run, base + 2 * N);
		wait_accepted(&run, base + 3 * N);
		/* Empty it for the next round. */
		lockstep_allow(&run.get_allow);
		wait_delivered(&run, base + 3 * N);
	}
	/* Producers are done; consumers' next get meets the close: EPIPE. */
	test_join(pt, N);
	lockstep_allow(&run.get_allow);
	impl->close(run.q);
	test_join(ct, N);
	check_delivery(&run, prod, cons);
	printf("%-14s lockstep pc:%dx%d cap:%d mode:%-5s rounds:%" PRIu64 " %.3f s\n",
	       impl->name, N, N, N, mode_names[mode], (uint64_t)LOCKSTEP_ROUNDS,
	       (double)(test_now_ns() - t0) / 1e9);
	free(run.seen);
	queue_free(impl, run.q);
}

/* ---- 3. timed waiter vs blocking waiter ---------------------------------- */

enum side { SIDE_GET, SIDE_PUT };

struct timeout_run {
	const struct ci_queue_ops *impl;
	void *q;
	enum side side;			/* which side A and B wait on */
	_Atomic uint64_t a_allow;	/* rounds A may start */
	_Atomic uint64_t a_started;	/* rounds A started */
	_Atomic uint64_t a_start_ns;	/* when A started its latest timed op */
	_Atomic uint64_t a_rounds;	/* rounds A finished */
	_Atomic uint64_t b_allow;	/* round B may start in */
	_Atomic uint64_t moved;		/* items moved by A and B together */
	uint64_t a_moved, b_moved;	/* each thread's own */
};

#define TIMEOUT_WAIT_NS (1000 * 1000ull)

static int timeout_op(struct timeout_run *t, bool timed)
{
	void *item = t;
	if (t->side == SIDE_GET)
		return timed ? t->impl->get_for(t->q, &item, TIMEOUT_WAIT_NS) : t->impl->get(t->q, &item);
	return timed ? t->impl->put_for(t->q, item, TIMEOUT_WAIT_NS) : t->impl->put(t->q, item);
}

static void *timeout_a_main(void *arg)
{
	struct timeout_run *t = arg;
	for (uint64_t r = 0; r < TIMEOUT_ROUNDS; r++) {
		while (atomic_load(&t->a_allow) <= r)
			test_sleep_ns(10 * 1000);
		atomic_store(&t->a_start_ns, test_now_ns());
		atomic_store(&t->a_started, r + 1);
		int rc = timeout_op(t, true);
		if (rc == 0) {
			t->a_moved++;
			atomic_fetch_add(&t->moved, 1);
		} else if (rc != ETIMEDOUT) {
			fprintf(stderr, "%s: timed op returned %d\n", t->impl->name, rc);
			exit(1);
		}
		atomic_store(&t->a_rounds, r + 1);
	}
	return NULL;
}

static void *timeout_b_main(void *arg)
{
	struct timeout_run *t = arg;
	uint64_t round = 0;
	for (;;) {
		/* Start only in a round later than the one of our last
		 * success, once A has started: A parks first. */
		while (atomic_load(&t->b_allow) <= round)
			test_sleep_ns(10 * 1000);
		int rc = timeout_op(t, false);
		if (rc == EPIPE)
			break;
		if (rc != 0) {
			fprintf(stderr, "%s: blocking op returned %d\n", t->impl->name, rc);
			exit(1);
		}
		round = atomic_load(&t->b_allow);
		t->b_moved++;
		atomic_fetch_add(&t->moved, 1);
	}
	return NULL;
}

static void timeouts(const struct ci_queue_ops *impl, enum side side, uint64_t *rng)
{
	struct timeout_run t = { .impl = impl, .side = side };
	/* Only for fail()'s message: who waits on which side. */
	struct run names = { .impl = impl, .mode = MODE_TIMED, .producers = 1, .consumers = 2 };
	pthread_t a, b;
	void *item = &t;

	if (side == SIDE_PUT)
		names = (struct run){ .impl = impl, .mode = MODE_TIMED, .producers = 2, .consumers = 1 };
	t.q = queue_new(impl, 1);
	if (side == SIDE_PUT)
		CHECK_EQ(impl->put(t.q, item), 0);	/* full: A and B wait for room */
	CHECK(pthread_create(&a, NULL, timeout_a_main, &t) == 0);
	CHECK(pthread_create(&b, NULL, timeout_b_main, &t) == 0);
	uint64_t t0 = test_now_ns();
	for (uint64_t r = 0; r < TIMEOUT_ROUNDS; r++) {
		atomic_fetch_add(&t.a_allow, 1);
		while (atomic_load(&t.a_started) <= r)
			test_sleep_ns(10 * 1000);
		uint64_t start = atomic_load(&t.a_start_ns);
		test_sleep_ns(TIMEOUT_WAIT_NS / 10);
		atomic_fetch_add(&t.b_allow, 1);
		/* Act between 0.75 and 1.25 timeouts after A started: sleep
		 * most of the way, then yield-spin (sleeps overshoot). */
		uint64_t at = start + TIMEOUT_WAIT_NS * 3 / 4 + xorshift(rng) % (TIMEOUT_WAIT_NS / 2);
		uint64_t now = test_now_ns();
		if (at > now + TIMEOUT_WAIT_NS / 4)
			test_sleep_ns(at - now - TIMEOUT_WAIT_NS / 4);
		while (test_now_ns() < at)
			sched_yield();
		if (side == SIDE_GET)
			CHECK_EQ(impl->put(t.q, item), 0);
		else
			CHECK_EQ(impl->get(t.q, &item), 0);
		wait_count(&names, &t.moved, r + 1,
			   "a waiter slept through an available item/slot while a timed "
			   "waiter left: wakeup swallowed? (moved, want)");
		while (atomic_load(&t.a_rounds) <= r)
			test_sleep_ns(10 * 1000);
	}
	atomic_store(&t.b_allow, UINT64_MAX);
	impl->close(t.q);
	CHECK(pthread_join(a, NULL) == 0);
	CHECK(pthread_join(b, NULL) == 0);
	CHECK_EQ(t.a_moved + t.b_moved, TIMEOUT_ROUNDS);
	totals.items += TIMEOUT_ROUNDS;
	totals.ops += 2 * TIMEOUT_ROUNDS + t.b_moved + 1;	/* A, main, B (+ its EPIPE) */
	totals.timeouts += TIMEOUT_ROUNDS - t.a_moved;
	totals.closes++;
	printf("%-14s timeouts side:%s rounds:%" PRIu64 " (timed waiter won %" PRIu64 ") %.3f s\n",
	       impl->name, side == SIDE_GET ? "get" : "put", (uint64_t)TIMEOUT_ROUNDS, t.a_moved,
	       (double)(test_now_ns() - t0) / 1e9);
	queue_free(impl, t.q);
}

/* ---- 4. close races ------------------------------------------------------ */

/*
 * (a) Producers blocked on a full queue when it closes: all get EPIPE and
 * together put exactly `capacity` items, which consumers started after the
 * close then drain. (b) Close races running producers and consumers.
 */
static void close_race(const struct ci_queue_ops *impl, enum mode mode, bool consumers_first,
		       uint64_t *rng)
{
	enum { PRODUCERS = 4, CONSUMERS = 2, CAPACITY = 2 };
	struct run run = {
		.impl = impl, .mode = mode, .producers = PRODUCERS, .consumers = CONSUMERS,
		.per_producer = CLOSE_MAX_PER_PRODUCER,
	};
	struct producer prod[PRODUCERS];
	struct consumer cons[CONSUMERS];
	pthread_t pt[PRODUCERS], ct[CONSUMERS];

	run.q = queue_new(impl, CAPACITY);
	run.seen = bitmap_new((uint64_t)PRODUCERS * run.per_producer);
	if (consumers_first) {
		/* (b) everyone running; close after 0 to 2 ms. */
		run_threads(&run, prod, pt, cons, ct);
		test_sleep_ns(xorshift(rng) % (2 * 1000 * 1000));
		impl->close(run.q);
		test_join(pt, PRODUCERS);
		test_join(ct, CONSUMERS);
	} else {
		/* (a) producers only: they fill the queue and block. */
		run.consumers = 0;
		run_threads(&run, prod, pt, cons, ct);
		size_t cap = impl->capacity(run.q);
		while (impl->size(run.q) < cap)
			sched_yield();
		test_sleep_ns(1000 * 1000);	/* let them block (or spin) */
		impl->close(run.q);
		test_join(pt, PRODUCERS);
		uint64_t put = 0;
		for (int i = 0; i < PRODUCERS; i++)
			put += prod[i].put;
		if (put != cap)
			fail(&run, "puts into a full queue before close", put, cap);
		run.consumers = CONSUMERS;
		for (int i = 0; i < CONSUMERS; i++) {
			cons[i] = (struct consumer){ .run = &run };
			CHECK(pthread_create(&ct[i], NULL, consumer_main, &cons[i]) == 0);
		}
		test_join(ct, CONSUMERS);
	}
	check_delivery(&run, prod, cons);
	free(run.seen);
	queue_free(impl, run.q);
}

/* ---- 5. close while a put is between claiming and filling its slot ------- */

struct in_flight {
	const struct ci_queue_ops *impl;
	void *q;
	struct hold hold;
	int put_rc;
	int get_rc[2];
	void *got[2];
	_Atomic uint64_t finished;	/* consumers returned */
};

static void *in_flight_put(void *arg)
{
	struct in_flight *f = arg;
	delay_hold = &f->hold;
	f->put_rc = f->impl->put(f->q, f);
	return NULL;
}

static void *in_flight_get0(void *arg)
{
	struct in_flight *f = arg;
	f->get_rc[0] = f->impl->get(f->q, &f->got[0]);
	atomic_fetch_add(&f->finished, 1);
	return NULL;
}

static void *in_flight_get1(void *arg)
{
	struct in_flight *f = arg;
	f->get_rc[1] = f->impl->get_for(f->q, &f->got[1], 60ull * 1000 * 1000 * 1000);
	atomic_fetch_add(&f->finished, 1);
	return NULL;
}

static void in_flight_close(const struct ci_queue_ops *impl)
{
	const uint64_t settle = 20 * 1000 * 1000;
	/* Only for fail()'s message. */
	struct run names = { .impl = impl, .mode = MODE_BLOCK, .producers = 1, .consumers = 2 };
	uint64_t t0 = test_now_ns();

	for (uint64_t r = 0; r < IN_FLIGHT_ROUNDS; r++) {
		struct in_flight f = { .impl = impl };
		pthread_t p, c[2];
		f.q = queue_new(impl, 2);
		CHECK(pthread_create(&c[0], NULL, in_flight_get0, &f) == 0);
		CHECK(pthread_create(&c[1], NULL, in_flight_get1, &f) == 0);
		test_sleep_ns(settle);		/* both park on the empty ring */
		CHECK(pthread_create(&p, NULL, in_flight_put, &f) == 0);
		while (!atomic_load(&f.hold.claimed))
			test_sleep_ns(10 * 1000);
		impl->close(f.q);
		test_sleep_ns(settle);		/* woken by close, they must wait on */
		if (atomic_load(&f.finished) != 0)
			fail(&names, "get returned before the put in flight at close arrived", 0, 0);
		atomic_store(&f.hold.release, 1);
		CHECK(pthread_join(p, NULL) == 0);
		CHECK_EQ(f.put_rc, 0);
		wait_count(&names, &f.finished, 2,
			   "consumer asleep on a closed, drained ring (returned, want)");
		test_join(c, 2);
		int winner = f.get_rc[0] == 0 ? 0 : 1;
		CHECK_EQ(f.get_rc[winner], 0);
		CHECK(f.got[winner] == &f);
		CHECK_EQ(f.get_rc[1 - winner], EPIPE);
		totals.items++;
		totals.ops += 3;
		totals.closes++;
		queue_free(impl, f.q);
	}
	printf("%-14s in-flight close rounds:%" PRIu64 " %.3f s\n", impl->name,
	       (uint64_t)IN_FLIGHT_ROUNDS, (double)(test_now_ns() - t0) / 1e9);
}

static void print_totals(void)
{
	printf("TOTAL items=%" PRIu64 " ops=%" PRIu64 " timeouts=%" PRIu64 " closes=%" PRIu64 "\n",
	       totals.items, totals.ops, totals.timeouts, totals.closes);
}

/* Threads a row may run with in all (see CI_SPINS at the top). */
static int thread_limit(const struct ci_queue_ops *impl)
{
	if (!(impl->flags & CI_SPINS))
		return 1 << 20;
	long pus = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		pus = CPU_COUNT(&set);
	return pus > 2 ? (int)pus : 2;
}

static void skipped(const struct ci_queue_ops *impl, const char *check, const char *why)
{
	printf("%-14s %s: skipped (%s)\n", impl->name, check, why);
}

static bool close_wakes_all(const struct ci_queue_ops *impl, const char *check)
{
	if (impl->flags & CI_Q_CLOSE_WAKES_ALL)
		return true;
	skipped(impl, check, "close does not wake several blocked callers");
	return false;
}

static bool can_lockstep(const struct ci_queue_ops *impl)
{
	if (!close_wakes_all(impl, "lockstep"))
		return false;
	if (!(impl->flags & CI_Q_EXACT_CAP) || impl->size == NULL) {
		skipped(impl, "lockstep", "needs an exact capacity and a size");
		return false;
	}
	if (thread_limit(impl) < 8) {
		skipped(impl, "lockstep", "8 threads of a spinning row on fewer PUs");
		return false;
	}
	return true;
}

static bool can_timeouts(const struct ci_queue_ops *impl)
{
	if (!close_wakes_all(impl, "timeouts"))
		return false;
	if (!(impl->flags & CI_Q_EXACT_CAP)) {
		skipped(impl, "timeouts", "needs an exact capacity");
		return false;
	}
	return true;
}

static bool can_close_race(const struct ci_queue_ops *impl, bool consumers_first)
{
	if (!(impl->flags & CI_Q_EXACT_CLOSE)) {
		skipped(impl, "close races", "close is not exact against puts in flight");
		return false;
	}
	if (!consumers_first && impl->size == NULL) {
		skipped(impl, "close races (a)", "needs a size");
		return false;
	}
	if (thread_limit(impl) < 6) {
		skipped(impl, "close races", "6 threads of a spinning row on fewer PUs");
		return false;
	}
	return true;
}

/* Soak mode: a selection drawn from seed (see the top of the file). */
static int soak_main(uint64_t seed, const struct ci_queue_ops *const *impls, size_t nimpls,
		     bool with_delays)
{
	static const size_t caps[] = { 1, 2, 3, 4, 7, 16, 64, 1000 };
	uint64_t rng = seed * 0x9e3779b97f4a7c15u | 1;

	/* Timed mode: one timeout of 1-100 us, one of 0.1-2 ms. */
	timed_mode_timeouts_ns[0] = 1000 + xorshift(&rng) % (100 * 1000);
	timed_mode_timeouts_ns[1] = 100 * 1000 + xorshift(&rng) % (1900 * 1000);
	printf("soak seed %" PRIu64 ": timed-mode timeouts %" PRIu64 " ns, %" PRIu64 " ns\n", seed,
	       timed_mode_timeouts_ns[0], timed_mode_timeouts_ns[1]);
	for (size_t i = 0; i < nimpls; i++) {
		const struct ci_queue_ops *impl = impls[i];
		int limit = thread_limit(impl), side = limit < MAX_THREADS ? limit / 2 : MAX_THREADS;
		for (int k = 0; k < 4; k++) {
			int producers = 1 + (int)(xorshift(&rng) % (uint64_t)side);
			int consumers = 1 + (int)(xorshift(&rng) % (uint64_t)side);
			size_t cap = caps[xorshift(&rng) % (sizeof caps / sizeof caps[0])];
			enum mode mode = (enum mode)(xorshift(&rng) % MODE_COUNT);
			if (mode == MODE_BLOCK && consumers > 1 && !(impl->flags & CI_Q_CLOSE_WAKES_ALL))
				mode = MODE_TRY;
			transfer_items = TRANSFER_ITEMS / 4 + xorshift(&rng) % (2 * TRANSFER_ITEMS);
			transfer(impl, producers, consumers, cap, mode);
		}
		bool lock = xorshift(&rng) % 2;
		enum mode lock_mode = xorshift(&rng) % 2 ? MODE_BLOCK : MODE_TIMED;
		if (lock && can_lockstep(impl))
			lockstep(impl, lock_mode);
		enum side to_side = xorshift(&rng) % 2 ? SIDE_GET : SIDE_PUT;
		if (can_timeouts(impl))
			timeouts(impl, to_side, &rng);
		enum mode mode = (enum mode)(xorshift(&rng) % MODE_COUNT);
		if (!can_close_race(impl, true))
			continue;
		uint64_t t0 = test_now_ns(), rounds = 1 + CLOSE_ROUNDS / 5;
		for (uint64_t r = 0; r < rounds; r++) {
			bool first = xorshift(&rng) % 2;
			if (first || impl->size != NULL)
				close_race(impl, mode, first, &rng);
		}
		printf("%-14s close races mode:%-5s rounds:%" PRIu64 " %.3f s\n", impl->name,
		       mode_names[mode], rounds, (double)(test_now_ns() - t0) / 1e9);
	}
	if (with_delays && xorshift(&rng) % 2)
		in_flight_close(&delayed_ring_impl);
	printf("stress_queue: ok (soak seed %" PRIu64 ")\n", seed);
	print_totals();
	return 0;
}

int main(int argc, char **argv)
{
	static const int pc[][2] = { { 1, 1 }, { 4, 1 }, { 1, 4 }, { 4, 4 } };
	static const size_t caps[] = { 1, 2, 64 };
	const struct ci_queue_ops *impls[32];
	size_t nimpls = 0;
	uint64_t rng = 0x9e3779b97f4a7c15u;

	for (size_t i = 0; i < ci_queue_table_len; i++) {
		const struct ci_queue_ops *impl = ci_queue_table[i];
		if (impl != NULL && impl_selected(argc, argv, impl->name, impl->flags) &&
		    nimpls < sizeof impls / sizeof impls[0] - 1)
			impls[nimpls++] = impl;
	}
	bool with_delays = impl_selected(argc, argv, delayed_ring_impl.name, CI_OWN);
	if (with_delays)
		impls[nimpls++] = &delayed_ring_impl;
	if (nimpls == 0) {
		printf("stress_queue: no queue row selected (not built?)\n");
		return 77;
	}

	test_watchdog(110);
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *soak = getenv("CT_SOAK_SEED");
	if (soak != NULL && *soak != '\0')
		return soak_main(strtoull(soak, NULL, 0), impls, nimpls, with_delays);
	for (size_t i = 0; i < nimpls; i++) {
		const struct ci_queue_ops *impl = impls[i];
		int limit = thread_limit(impl);
		for (size_t k = 0; k < sizeof pc / sizeof pc[0]; k++) {
			if (pc[k][0] + pc[k][1] > limit) {
				printf("%-14s pc:%dx%d: skipped (a spinning row, %d PUs)\n", impl->name,
				       pc[k][0], pc[k][1], limit);
				continue;
			}
			for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++)
				for (int m = 0; m < MODE_COUNT; m++)
					if (m != MODE_BLOCK || pc[k][1] == 1 ||
					    (impl->flags & CI_Q_CLOSE_WAKES_ALL))
						transfer(impl, pc[k][0], pc[k][1], caps[c], (enum mode)m);
			if (pc[k][1] > 1 && !(impl->flags & CI_Q_CLOSE_WAKES_ALL))
				skipped(impl, "mode:block with several consumers",
					"close does not wake several blocked callers");
		}
		if (can_lockstep(impl)) {
			lockstep(impl, MODE_BLOCK);
			lockstep(impl, MODE_TIMED);
		}
		if (can_timeouts(impl)) {
			timeouts(impl, SIDE_GET, &rng);
			timeouts(impl, SIDE_PUT, &rng);
		}
		if (!can_close_race(impl, true))
			continue;
		bool blocked_first = can_close_race(impl, false);
		for (int m = 0; m < MODE_COUNT; m++) {
			uint64_t t0 = test_now_ns(), rounds = 0;
			for (uint64_t r = 0; r < CLOSE_ROUNDS; r++) {
				if (blocked_first) {
					close_race(impl, (enum mode)m, false, &rng);
					rounds++;
				}
				close_race(impl, (enum mode)m, true, &rng);
				rounds++;
			}
			printf("%-14s close races mode:%-5s rounds:%" PRIu64 " %.3f s\n", impl->name,
			       mode_names[m], rounds, (double)(test_now_ns() - t0) / 1e9);
		}
	}
	if (with_delays)
		in_flight_close(&delayed_ring_impl);
	printf("stress_queue: ok\n");
	print_totals();
	return 0;
}
