/*
 * rl_queue.cpp — Relacy check of ct_queue (lib/src/queue.c) over the real
 * ct_mutex and ct_cond: the waiter accounting (getters/putters and the
 * wakeups already on their way) that decides when to signal, close, and
 * task_done/join. Capacity 1: producers block while full, the consumer
 * while empty. Properties: every item exactly once and in order per
 * producer, payloads free of data races, EPIPE only after the drain,
 * join returns only when every item is done, nobody parked at the end.
 */
#include "relacy_run.hpp"
#include "rl_timed.hpp"

#include <contend/queue.h>
void *ct__alloc(size_t size)
{
	return malloc(size);
}
void ct__free(void *p)
{
	free(p);
}

#include "mutex.c"
#include "cond.c"
#include "queue.c"

struct payload {
	rl::var<int> v;
};

/* Two producers (2 items each), a consumer that gets until EPIPE after
 * the last producer closes, and task_done/join. */
struct queue_test : rl::test_suite<queue_test, 3>, ct_rl_base {
	ct_queue q;
	payload items[2][2];
	rl::atomic<int> producers_left;
	int got;

	void before()
	{
		RL_ASSERT(ct_queue_init(&q, 1) == 0);
		producers_left($).store(2, rl::mo_relaxed);
	}

	void thread(unsigned idx)
	{
		if (idx < 2) {
			for (int i = 0; i < 2; i++) {
				items[idx][i].v($) = (int)idx * 100 + i;
				RL_ASSERT(ct_queue_put(&q, &items[idx][i]) == 0);
			}
			if (producers_left($).fetch_sub(1, rl::mo_acq_rel) == 1) {
				ct_queue_join(&q);	/* every item done */
				ct_queue_close(&q);
			}
		} else {
			int next[2] = {0, 0};
			void *item;
			int rc;
			got = 0;
			while ((rc = ct_queue_get(&q, &item)) == 0) {
				int v = static_cast<payload *>(item)->v($);
				int p = v / 100, i = v % 100;
				RL_ASSERT(p >= 0 && p < 2 && i == next[p]);
				next[p]++;
				got++;
				RL_ASSERT(ct_queue_task_done(&q) == 0);
			}
			RL_ASSERT(rc == EPIPE);
		}
	}

	void after()
	{
		RL_ASSERT(got == 4);	/* EPIPE only after the drain */
		RL_ASSERT(ct_queue_task_done(&q) == EINVAL);
		check_nobody_parked();
		ct_queue_destroy(&q);
	}
};

/* Timed get and put on a full/empty queue of capacity 1: a timeout
 * loses no item (rl_timed.hpp). */
struct queue_ops {
	typedef ct_queue type;
	static int init(ct_queue *q, size_t n) { return ct_queue_init(q, n); }
	static void destroy(ct_queue *q) { ct_queue_destroy(q); }
	static int put_for(ct_queue *q, void *x, uint64_t t) { return ct_queue_put_for(q, x, t); }
	static int get_for(ct_queue *q, void **x, uint64_t t) { return ct_queue_get_for(q, x, t); }
	static int try_get(ct_queue *q, void **x) { return ct_queue_try_get(q, x); }
};

int main(int argc, char **argv)
{
	return ct_rl_main(argc, argv, "queue",
			  {ct_rl_make<queue_test>("put_get_close_join"),
			   ct_rl_make<ct_rl_timed_test<queue_ops>>("timed")});
}
