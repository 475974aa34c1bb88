/*
 * rl_pool.cpp — Relacy check of ct_pool (lib/src/pool.c) over the real
 * ct_mutex: the submit / park / wake handshake of the idle workers
 * (spinning role, sleepers, the `waking` token, wake_seq), futures (the
 * final state's release and the waiters' acquire, the WAITERS/WAKING
 * park, work inlining by an untimed wait), cancel racing a worker's
 * start, shutdown(wait) over queued tasks, and completions.
 *
 * The workers are real: ct_pool_init's pthread_create is Relacy's (a
 * dynamic Relacy thread running worker_main); pthread_join is Relacy's
 * join. A task writes its result into an rl::var before it returns, so a
 * waiter that reads it without the pool's ordering is a data race.
 * Properties: every task runs exactly once (or, cancelled, never), its
 * result is visible to whoever sees it finished, a timed wait times out
 * only on an unfinished task, every future comes out of a completion
 * once, all threads finish (no lost wakeup: a task queued while every
 * worker parks is still run) and nobody is parked at the end.
 */
#include "relacy_run.hpp"

#include <contend/pool.h>
void *ct__alloc(size_t size)
{
	return malloc(size);
}
void ct__free(void *p)
{
	free(p);
}

/* Relacy's pthread_join insists on a result pointer; pool.c passes NULL. */
#undef pthread_join
#define pthread_join(th, res) ct_rl_join(th)
static inline int ct_rl_join(rl::rl_pthread_t th)
{
	void *r;
	return rl::rl_pthread_join(th, &r, $);
}

/* Spins short enough that the parking paths are reached. */
#define CT_POOL_SPIN 2
#define CT_POOL_YIELD_SPIN 1
#define CT_FUTURE_SPIN 2

#include "mutex.c"
#include "pool.c"

/* A task's argument: what it writes, where, and how often it ran. */
struct task {
	rl::var<int> out;	/* the result, written by the task */
	int value;
	int runs;		/* plain: the threads are fibers of one OS thread */
};

static void *task_fn(void *arg)
{
	task *t = static_cast<task *>(arg);
	t->out($) = t->value;
	t->runs++;
	return t;
}

/* Base of the pool scenarios: per-thread self_pool slots cleared. */
struct pool_base : ct_rl_base {
	pool_base() { memset(ct_rl_self_pools, 0, sizeof ct_rl_self_pools); }
};

/* The result of a finished future: returned pointer and the task's write. */
static void check_result(ct_future *f, int rc, void *r, task *t)
{
	RL_ASSERT(rc == 0);
	RL_ASSERT(r == t);
	RL_ASSERT(t->out($) == t->value);	/* a race without the ordering */
	RL_ASSERT(t->runs == 1);
	RL_ASSERT(ct_future_done(f));
}

/*
 * Two workers park and wake while the owner submits two tasks to a
 * completion and takes them back from it: the completion's next() does
 * not run tasks itself, so a lost wakeup (both workers parked with a task
 * queued) is a deadlock. Every future comes out once; a timed wait on a
 * future the completion returned does not time out.
 */
struct submit_park_test : rl::test_suite<submit_park_test, 1>, pool_base {
	static const rl::thread_id_t dynamic_thread_count = 2;
	ct_pool p;
	ct_completion c;
	ct_future f[2];
	task t[2];

	void thread(unsigned)
	{
		RL_ASSERT(ct_pool_init(&p, 2) == 0);
		RL_ASSERT(ct_completion_init(&c) == 0);
		for (int i = 0; i < 2; i++) {
			t[i].value = 10 + i;
			t[i].runs = 0;
			RL_ASSERT(ct_pool_submit_to(&p, &c, &f[i], task_fn, &t[i]) == 0);
		}
		bool seen[2] = {false, false};
		for (int i = 0; i < 2; i++) {
			ct_future *g;
			RL_ASSERT(ct_completion_next(&c, &g) == 0);
			int k = (int)(g - f);
			RL_ASSERT(k >= 0 && k < 2 && !seen[k]);
			seen[k] = true;
			void *r;
			int rc = ct_future_wait_for(g, &r, 1000);
			check_result(g, rc, r, &t[k]);
		}
		ct_future *g;
		RL_ASSERT(ct_completion_next(&c, &g) == ENOENT);
		ct_pool_shutdown(&p, true, false);
	}

	void after()
	{
		check_nobody_parked();
		ct_completion_destroy(&c);
		ct_pool_destroy(&p);
	}
};

/*
 * One worker; the owner waits for a task with a timeout (a timeout only
 * while the task is unfinished), then without (which may run the task
 * itself, work inlining) and for a second task with ct_future_wait only.
 */
struct wait_test : rl::test_suite<wait_test, 1>, pool_base {
	static const rl::thread_id_t dynamic_thread_count = 1;
	ct_pool p;
	ct_future f[2];
	task t[2];

	void thread(unsigned)
	{
		RL_ASSERT(ct_pool_init(&p, 1) == 0);
		for (int i = 0; i < 2; i++) {
			t[i].value = 20 + i;
			t[i].runs = 0;
			RL_ASSERT(ct_pool_submit(&p, &f[i], task_fn, &t[i]) == 0);
		}
		void *r = nullptr;
		int rc = ct_future_wait_for(&f[0], &r, 1000);
		RL_ASSERT(rc == 0 || rc == ETIMEDOUT);
		if (rc == 0)
			check_result(&f[0], rc, r, &t[0]);
		else
			RL_ASSERT(r == nullptr);
		rc = ct_future_wait(&f[0], &r);
		check_result(&f[0], rc, r, &t[0]);
		rc = ct_future_wait(&f[1], &r);
		check_result(&f[1], rc, r, &t[1]);
		ct_pool_shutdown(&p, true, false);
	}

	void after()
	{
		check_nobody_parked();
		ct_pool_destroy(&p);
	}
};

/*
 * ct_future_done and a zero timeout (polls), then timed waits only (they
 * never run the task themselves): each may park
 * with WAITERS set and be woken by the finisher (WAKING) or time out; a
 * timeout loses nothing, the untimed wait after two of them gets the
 * result.
 */
struct wait_for_test : rl::test_suite<wait_for_test, 1>, pool_base {
	static const rl::thread_id_t dynamic_thread_count = 1;
	ct_pool p;
	ct_future f;
	task t;

	void thread(unsigned)
	{
		RL_ASSERT(ct_pool_init(&p, 1) == 0);
		t.value = 30;
		t.runs = 0;
		RL_ASSERT(ct_pool_submit(&p, &f, task_fn, &t) == 0);
		/* Polls: done() or a zero timeout seeing it finished sees the
		 * task's write too. */
		if (ct_future_done(&f))
			RL_ASSERT(t.out($) == t.value);
		void *r = nullptr;
		int rc = ct_future_wait_for(&f, &r, 0);
		if (rc == 0)
			check_result(&f, rc, r, &t);
		RL_ASSERT(rc == 0 || (rc == ETIMEDOUT && r == nullptr));
		rc = ETIMEDOUT;
		for (int i = 0; i < 2 && rc == ETIMEDOUT; i++) {
			rc = ct_future_wait_for(&f, &r, 1000);
			RL_ASSERT(rc == 0 || (rc == ETIMEDOUT && r == nullptr));
		}
		if (rc == ETIMEDOUT)
			rc = ct_future_wait(&f, &r);
		check_result(&f, rc, r, &t);
		ct_pool_shutdown(&p, true, false);
	}

	void after()
	{
		check_nobody_parked();
		ct_pool_destroy(&p);
	}
};

/*
 * Cancel races the worker's start: a cancelled task never runs, a task
 * that ran is not reported cancelled. The second task is left to a
 * shutdown that cancels what is still queued.
 */
struct cancel_test : rl::test_suite<cancel_test, 1>, pool_base {
	static const rl::thread_id_t dynamic_thread_count = 1;
	ct_pool p;
	ct_future f[2];
	task t[2];

	void thread(unsigned)
	{
		RL_ASSERT(ct_pool_init(&p, 1) == 0);
		for (int i = 0; i < 2; i++) {
			t[i].value = 40 + i;
			t[i].runs = 0;
			RL_ASSERT(ct_pool_submit(&p, &f[i], task_fn, &t[i]) == 0);
		}
		bool cancelled = ct_future_cancel(&f[0]);
		void *r = nullptr;
		int rc = ct_future_wait(&f[0], &r);
		if (cancelled) {
			RL_ASSERT(rc == ECANCELED);
			RL_ASSERT(ct_future_cancel(&f[0]));
		} else {
			check_result(&f[0], rc, r, &t[0]);
		}
		ct_pool_shutdown(&p, true, true);
		rc = ct_future_wait(&f[1], &r);
		if (rc == ECANCELED) {
			RL_ASSERT(t[1].runs == 0);
		} else {
			check_result(&f[1], rc, r, &t[1]);
		}
		RL_ASSERT(ct_pool_submit(&p, &f[0], task_fn, &t[0]) == EPIPE);
	}

	void after()
	{
		RL_ASSERT(t[0].runs <= 1);
		check_nobody_parked();
		ct_pool_destroy(&p);
	}
};

/*
 * shutdown(wait) with queued tasks and no future waited for: each ran
 * exactly once, and its write is visible once the shutdown returns (the
 * workers' release decrement of live, the shutdown's acquire).
 */
struct shutdown_test : rl::test_suite<shutdown_test, 1>, pool_base {
	static const rl::thread_id_t dynamic_thread_count = 1;
	ct_pool p;
	ct_future f[2];
	task t[2];

	void thread(unsigned)
	{
		RL_ASSERT(ct_pool_init(&p, 1) == 0);
		for (int i = 0; i < 2; i++) {
			t[i].value = 50 + i;
			t[i].runs = 0;
			RL_ASSERT(ct_pool_submit(&p, &f[i], task_fn, &t[i]) == 0);
		}
		ct_pool_shutdown(&p, true, false);
		for (int i = 0; i < 2; i++) {
			RL_ASSERT(t[i].runs == 1);
			RL_ASSERT(t[i].out($) == t[i].value);
		}
	}

	void after()
	{
		check_nobody_parked();
		ct_pool_destroy(&p);
	}
};

int main(int argc, char **argv)
{
	return ct_rl_main(argc, argv, "pool",
			  /* shutdown_wait first: it is the one that catches the
			   * POOL_LIVE_ variants, wait_wait_for the POOL_FINAL_REL
			   * and POOL_WAIT_ACQ ones (a variant stops at its first
			   * failure). */
			  {ct_rl_make<shutdown_test>("shutdown_wait", true),
			   ct_rl_make<wait_test>("wait_wait_for"),
			   ct_rl_make<submit_park_test>("submit_park_completion"),
			   ct_rl_make<wait_for_test>("wait_for_timeouts"),
			   ct_rl_make<cancel_test>("cancel_vs_start", true)});
}
