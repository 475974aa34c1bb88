/*
 * rl_ring.cpp — Relacy check of ct_ring (lib/src/ring.c): per-cell
 * sequence numbers, parking of full and empty callers, close and drain,
 * timed get. Capacity 2, so producers lap the ring and park while full.
 * Properties: each item delivered exactly once, in order per producer;
 * the item slot and the payload behind each item free of data races (the
 * slot is an rl::var in this build); EPIPE only once every item put is
 * gotten; a timed get that times out loses no item; nobody left parked.
 */
#include <memory>

#include "relacy_run.hpp"
#include "rl_timed.hpp"

/* ct__alloc/ct__free for ring.c (alloc.c's fault injection is not part of
 * the protocol): construct the cells, which hold Relacy objects. Relacy
 * redefines `new`, hence std::uninitialized_default_construct_n. */
#include <contend/ring.h>
void *ct__alloc(size_t size)
{
	size_t n = size / sizeof(ct_ring_cell);
	char *raw = static_cast<char *>(malloc(size + 16));
	*reinterpret_cast<size_t *>(raw) = n;
	ct_ring_cell *cells = reinterpret_cast<ct_ring_cell *>(raw + 16);
	std::uninitialized_default_construct_n(cells, n);
	return cells;
}
void ct__free(void *p)
{
	if (!p)
		return;
	char *raw = static_cast<char *>(p) - 16;
	std::destroy_n(static_cast<ct_ring_cell *>(p), *reinterpret_cast<size_t *>(raw));
	free(raw);
}

#include "ring.c"

struct payload {
	rl::var<int> v;
};

enum { ITEMS = 2, PRODUCERS = 2 };

/* Two producers, ITEMS each; one consumer; blocking put/get. */
struct ring_mpsc_test : rl::test_suite<ring_mpsc_test, 3>, ct_rl_base {
	ct_ring r;
	payload items[PRODUCERS][ITEMS];

	void before() { RL_ASSERT(ct_ring_init(&r, 2) == 0); }

	void thread(unsigned idx)
	{
		if (idx < PRODUCERS) {
			for (int i = 0; i < ITEMS; i++) {
				items[idx][i].v($) = (int)idx * 100 + i;
				RL_ASSERT(ct_ring_put(&r, &items[idx][i]) == 0);
			}
		} else {
			int next[PRODUCERS] = {0, 0};
			for (int n = 0; n < PRODUCERS * ITEMS; n++) {
				void *item;
				RL_ASSERT(ct_ring_get(&r, &item) == 0);
				int v = static_cast<payload *>(item)->v($);
				int p = v / 100, i = v % 100;
				RL_ASSERT(p >= 0 && p < PRODUCERS);
				RL_ASSERT(i == next[p]);	/* exactly once, in order */
				next[p]++;
			}
		}
	}

	void after()
	{
		void *item;
		RL_ASSERT(ct_ring_try_get(&r, &item) == EAGAIN);
		check_nobody_parked();
		ct_ring_destroy(&r);
	}
};

/* One producer puts then closes; two consumers drain until EPIPE. */
struct ring_close_test : rl::test_suite<ring_close_test, 3>, ct_rl_base {
	ct_ring r;
	payload items[3];
	int got[2];

	void before() { RL_ASSERT(ct_ring_init(&r, 2) == 0); }

	void thread(unsigned idx)
	{
		if (idx == 0) {
			for (int i = 0; i < 3; i++) {
				items[i].v($) = i;
				RL_ASSERT(ct_ring_put(&r, &items[i]) == 0);
			}
			ct_ring_close(&r);
			RL_ASSERT(ct_ring_put(&r, &items[0]) == EPIPE);
		} else {
			int c = idx - 1;
			got[c] = 0;
			void *item;
			int rc;
			while ((rc = ct_ring_get(&r, &item)) == 0) {
				(void)static_cast<payload *>(item)->v($);
				got[c]++;
			}
			RL_ASSERT(rc == EPIPE);
		}
	}

	void after()
	{
		/* EPIPE only after the drain: every item was gotten. */
		RL_ASSERT(got[0] + got[1] == 3);
		check_nobody_parked();
		ct_ring_destroy(&r);
	}
};

/* A timed get and a timed put racing: a timeout loses nothing (rl_timed.hpp). */
struct ring_ops {
	typedef ct_ring type;
	static int init(ct_ring *r, size_t n) { return ct_ring_init(r, n); }
	static void destroy(ct_ring *r) { ct_ring_destroy(r); }
	static int put_for(ct_ring *r, void *x, uint64_t t) { return ct_ring_put_for(r, x, t); }
	static int get_for(ct_ring *r, void **x, uint64_t t) { return ct_ring_get_for(r, x, t); }
	static int try_get(ct_ring *r, void **x) { return ct_ring_try_get(r, x); }
};

int main(int argc, char **argv)
{
	return ct_rl_main(argc, argv, "ring",
			  {ct_rl_make<ring_mpsc_test>("mpsc_full_empty"),
			   ct_rl_make<ring_close_test>("close_drain"),
			   ct_rl_make<ct_rl_timed_test<ring_ops>>("timed", true)});
}
