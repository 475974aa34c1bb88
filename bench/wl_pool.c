/*
 * wl_pool.c — thread pools with futures: ct_pool and its peers, every row
 * of impls/pool_impl.h. threads:<w> is the pool's number of workers; the
 * harness team is one thread, the external submitter, bound by the
 * placement policy as thread 0 of w + 1. The pool's own workers are the
 * implementation's threads, which the harness cannot bind one by one: they
 * are placed as threads 1..w of the same policy, as a set. setup binds the
 * submitter to the union of those PUs while the pool starts its workers,
 * so they inherit that mask, then binds it back (compact, 2 PUs: 1 worker
 * on the PU beside the submitter's, 2 or more workers over both PUs).
 * oneTBB's process-wide workers keep the mask they were started with
 * (docs/performance.md, "Thread pool").
 *
 *   pool/<impl>/empty/threads:<w>/place:<p>
 *       A stream of no-op tasks with futures from the one submitter, at
 *       most WINDOW in flight (the oldest is waited for before the next
 *       submit). An op is one task; the latency is the submit call.
 *   pool/<impl>/roundtrip/gap_us:<g>/threads:<w>/place:<p>
 *       The submitter sleeps g us (the pool goes idle: park/wake cost shows
 *       from a few tens of us on), then submits one no-op task and waits
 *       for it. An op is one task; the latency is submit -> wait returned.
 *       At least RT_SAMPLES round trips per run (below).
 *   pool/<impl>/forkjoin/threads:<w>/place:<p>
 *       Submit w no-op tasks (one per worker), wait for all; an op is one
 *       round, the latency its time.
 *   pool/<impl>/as_completed/tasks:64/threads:<w>/place:<p>
 *       Submit 64 tasks that busy-work a random 1-100 us each to a
 *       completion, take them back with next() until ENOENT. An op is one
 *       round; the latency recorded (every task) is the lag from the end
 *       of the task's work to the consumer getting its future.
 *   pool/<impl>/fib:<n>/threads:<w>/place:<p>
 *       fib(n) as tasks: each task submits fib(n-1), computes fib(n-2)
 *       itself the same way and waits for the child (tasks that wait for
 *       tasks). An op is one fib(n), checked; the latency its time. Rows
 *       whose nested waits deadlock are recorded as failed, with the
 *       reason ("unsupported: ...").
 *   pool/<impl>/work_ns:<n>/threads:<w>/place:<p>
 *       As empty, each task busy-working n ns: the grain at which the pool
 *       stops mattering.
 *
 * cpu_per_op_ns and ctx_switches_per_op count the whole process
 * (CLOCK_PROCESS_CPUTIME_ID, getrusage) over each batch: the pool's
 * workers are not team threads. Every task's result is checked.
 */
#include "harness.h"
#include "pool_impl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

enum { K_EMPTY, K_ROUNDTRIP, K_FORKJOIN, K_ASCOMPLETED, K_FIB, K_WORK };

/* Futures in flight for empty / work_ns (and the most forkjoin needs). */
#define WINDOW 1024
#define AC_TASKS 64
#define FIB_N 18

static const int64_t gaps_us[] = { 0, 10, 50, 1000 };

/*
 * Round trips per run at least, whatever --duration asks (ctb_bench
 * min_ops): with --duration 0.02 a gap-1000 row measured ~20 round trips
 * and its p50 moved by half between repetitions. Costs ~0.2 s per run of
 * a gap-1000 row (each round trip ~1.06 ms: the gap and nanosleep's 50 us
 * timer slack).
 */
#define RT_SAMPLES 200
static const int64_t works_ns[] = { 100, 1000, 10000 };

/* Objects: the pool, the completion, WINDOW futures, AC_TASKS args. */
struct ac_arg {
	uint64_t iters;		/* busy work */
	uint64_t finished;	/* ctb_now_ns() at the end of the work */
	uint64_t id;
};

static size_t up64(size_t n) { return (n + 63) / 64 * 64; }

static const struct ci_pool_ops *ops_of(const struct ctb_bench *b) { return b->impl; }

static void *pool_of(struct ctb_team *t) { return t->obj; }

static void *completion_of(struct ctb_team *t)
{
	return (char *)t->obj + up64(ops_of(t->bench)->pool_size);
}

static void *fut(struct ctb_team *t, size_t i)
{
	const struct ci_pool_ops *o = ops_of(t->bench);
	return (char *)t->obj + up64(o->pool_size) + up64(o->completion_size) +
	       i * up64(o->future_size);
}

static struct ac_arg *ac_args(struct ctb_team *t)
{
	return fut(t, WINDOW);
}

static size_t obj_size(const struct ctb_bench *b)
{
	const struct ci_pool_ops *o = ops_of(b);
	return up64(o->pool_size) + up64(o->completion_size) + WINDOW * up64(o->future_size) +
	       up64(AC_TASKS * sizeof(struct ac_arg));
}

/* shared[] words. */
enum { SH_CPU, SH_CSW };

/*
 * The pool's workers are placed as the policy's threads 1..w (the
 * submitter is thread 0): the submitter binds itself to the union of
 * their PUs while init starts them, so they inherit that mask, then binds
 * back to its own PU. Unbound runs (place:none, binding refused) leave
 * every mask alone. Returns 0 or an errno (message in err).
 */
static int init_placed(struct ctb_team *t, char *err, size_t len)
{
	const struct ci_pool_ops *o = ops_of(t->bench);
	int workers = (int)t->bench->p[1];
	const struct ctb_worker *sub = &t->w[0];
	bool bound = sub->pu >= 0 && ctb_cfg.bind_refused == 0 && sub->bind_err == 0;
	int *pus = bound ? malloc(sizeof(int) * (size_t)(workers + 1)) : NULL;
	if (bound && (pus == NULL || pl_plan(ctb_cfg.topo, t->bench->place, workers + 1, pus) != 0)) {
		int why = pus == NULL ? ENOMEM : EINVAL;
		free(pus);
		snprintf(err, len, "%s: cannot plan %d workers' PUs: %s", o->name, workers,
			 strerror(why));
		return why;
	}
	int rc = bound ? pl_bind_self_set(ctb_cfg.topo, pus + 1, workers) : 0;
	free(pus);
	if (rc != 0) {
		snprintf(err, len, "%s: binding for the workers failed: %s", o->name, strerror(rc));
		return rc;
	}
	rc = o->init(pool_of(t), (unsigned)workers);
	if (bound) {
		bool mis = false;
		int brc = pl_bind_self(ctb_cfg.topo, sub->pu, &mis);
		if (brc != 0 && rc == 0) {
			o->destroy(pool_of(t));
			snprintf(err, len, "%s: binding the submitter back failed: %s", o->name,
				 strerror(brc));
			return brc;
		}
	}
	if (rc != 0)
		snprintf(err, len, "%s: init with %d workers failed: %s", o->name, workers,
			 strerror(rc));
	return rc;
}

static int setup(struct ctb_team *t, char *err, size_t len)
{
	const struct ci_pool_ops *o = ops_of(t->bench);
	int rc = init_placed(t, err, len);
	if (rc != 0)
		return rc;
	rc = o->completion_init(completion_of(t));
	if (rc != 0) {
		o->destroy(pool_of(t));
		snprintf(err, len, "%s: completion init failed: %s", o->name, strerror(rc));
		return rc;
	}
	return 0;
}

static int teardown(struct ctb_team *t, char *err, size_t len)
{
	(void)err;
	(void)len;
	const struct ci_pool_ops *o = ops_of(t->bench);
	o->completion_destroy(completion_of(t));
	o->destroy(pool_of(t));
	return 0;
}

static void *noop(void *arg) { return arg; }

static uint64_t work_iters_arg;
static void *work_task(void *arg)
{
	ctb_work_iters(work_iters_arg);
	return arg;
}

static void *ac_task(void *arg)
{
	struct ac_arg *a = arg;
	ctb_work_iters(a->iters);
	a->finished = ctb_now_ns();
	return (void *)(uintptr_t)a->id;
}

/* fib: the node of one task, on its parent's stack. */
struct fib_arg {
	const struct ci_pool_ops *o;
	void *pool;
	long n;
};

static long fib_run(const struct ci_pool_ops *o, void *pool, long n);

static void *fib_task(void *arg)
{
	struct fib_arg *a = arg;
	return (void *)(intptr_t)fib_run(a->o, a->pool, a->n);
}

static long fib_run(const struct ci_pool_ops *o, void *pool, long n)
{
	if (n < 2)
		return n;
	_Alignas(64) unsigned char f[CI_POOL_FUTURE_MAX];
	struct fib_arg child = { o, pool, n - 1 };
	if (o->submit(pool, f, fib_task, &child) != 0)
		return -1;
	long b = fib_run(o, pool, n - 2);
	void *r = NULL;
	if (o->wait(pool, f, &r) != 0 || b < 0 || (intptr_t)r < 0)
		return -1;
	return b + (long)(intptr_t)r;
}

static long fib_ref(long n)
{
	long a = 0, b = 1;
	for (long i = 0; i < n; i++) {
		long c = a + b;
		a = b;
		b = c;
	}
	return a;
}

/* A stream of tasks, at most WINDOW in flight (empty, work_ns). */
static void stream(struct ctb_worker *w, ci_task_fn fn)
{
	struct ctb_team *t = w->team;
	const struct ci_pool_ops *o = ops_of(t->bench);
	void *pool = pool_of(t);
	uint64_t head = w->round, tail = w->aux;	/* submitted, waited (running counts) */
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			if (head - tail == WINDOW) {
				void *r;
				int rc = o->wait(pool, fut(t, tail % WINDOW), &r);
				if (rc != 0 || (uint64_t)(uintptr_t)r != tail) {
					ctb_fail(t, "%s: task %llu: wait %d, result %p", o->name,
						 (unsigned long long)tail, rc, r);
					return;
				}
				tail++;
			}
			int rc;
			CTB_TIMED(w, rc = o->submit(pool, fut(t, head % WINDOW), fn,
						    (void *)(uintptr_t)head));
			if (rc != 0) {
				ctb_fail(t, "%s: submit: %s", o->name, strerror(rc));
				return;
			}
			head++;
		}
		w->ops += k;
	}
	/* The batch ends with nothing in flight. */
	for (; tail < head; tail++) {
		void *r;
		int rc = o->wait(pool, fut(t, tail % WINDOW), &r);
		if (rc != 0 || (uint64_t)(uintptr_t)r != tail) {
			ctb_fail(t, "%s: task %llu: wait %d, result %p", o->name,
				 (unsigned long long)tail, rc, r);
			return;
		}
	}
	w->round = w->aux = head;
}

static void sleep_us(int64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void roundtrip(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_pool_ops *o = ops_of(t->bench);
	void *pool = pool_of(t), *f = fut(t, 0);
	const int64_t gap = t->bench->p[2];
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			if (gap > 0)
				sleep_us(gap);
			uint64_t t0 = ctb_now_ns();
			void *r = NULL;
			int rc = o->submit(pool, f, noop, (void *)(uintptr_t)(i + 1));
			if (rc == 0)
				rc = o->wait(pool, f, &r);
			uint64_t t1 = ctb_now_ns();
			if (rc != 0 || (uintptr_t)r != i + 1) {
				ctb_fail(t, "%s: roundtrip: rc %d, result %p", o->name, rc, r);
				return;
			}
			ctb_record(w, t1 - t0);
		}
		w->ops += k;
	}
}

static void forkjoin(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_pool_ops *o = ops_of(t->bench);
	void *pool = pool_of(t);
	const uint64_t n = (uint64_t)t->bench->p[1];
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			uint64_t t0 = ctb_now_ns();
			for (uint64_t j = 0; j < n; j++) {
				int rc = o->submit(pool, fut(t, j), noop, (void *)(uintptr_t)(j + 1));
				if (rc != 0) {
					ctb_fail(t, "%s: submit: %s", o->name, strerror(rc));
					return;
				}
			}
			for (uint64_t j = 0; j < n; j++) {
				void *r = NULL;
				if (o->wait(pool, fut(t, j), &r) != 0 || (uintptr_t)r != j + 1) {
					ctb_fail(t, "%s: forkjoin: task %llu result %p", o->name,
						 (unsigned long long)j, r);
					return;
				}
			}
			ctb_record(w, ctb_now_ns() - t0);
		}
		w->ops += k;
	}
}

static void as_completed(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_pool_ops *o = ops_of(t->bench);
	void *pool = pool_of(t), *c = completion_of(t);
	struct ac_arg *args = ac_args(t);
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			for (int j = 0; j < AC_TASKS; j++) {
				w->rng ^= w->rng << 13;
				w->rng ^= w->rng >> 7;
				w->rng ^= w->rng << 17;
				args[j].iters = ctb_work_iters_for(1000 + w->rng % 99001);
				args[j].finished = 0;
				args[j].id = (uint64_t)j + 1;
				int rc = o->submit_to(pool, c, fut(t, (size_t)j), ac_task, &args[j]);
				if (rc != 0) {
					ctb_fail(t, "%s: submit_to: %s", o->name, strerror(rc));
					return;
				}
			}
			uint64_t seen = 0;
			int got = 0;
			void *f;
			while (o->next(c, &f) == 0) {
				uint64_t now = ctb_now_ns();
				size_t j = ((size_t)((char *)f - (char *)fut(t, 0))) /
					   up64(o->future_size);
				if (j >= AC_TASKS || f != fut(t, j) || (seen >> j & 1) ||
				    args[j].finished == 0) {
					ctb_fail(t, "%s: as_completed returned a bad future", o->name);
					return;
				}
				seen |= 1ull << j;
				got++;
				ctb_record_raw(w, now > args[j].finished ? now - args[j].finished : 0);
			}
			if (got != AC_TASKS) {
				ctb_fail(t, "%s: as_completed returned %d of %d futures", o->name, got,
					 AC_TASKS);
				return;
			}
		}
		w->ops += k;
	}
}

static void fib(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	const struct ci_pool_ops *o = ops_of(t->bench);
	void *pool = pool_of(t), *f = fut(t, 0);
	const long n = (long)t->bench->p[2], want = fib_ref(n);
	struct fib_arg root = { o, pool, n };
	uint64_t k;
	while ((k = ctb_claim(w)) != 0) {
		for (uint64_t i = 0; i < k; i++) {
			uint64_t t0 = ctb_now_ns();
			void *r = NULL;
			int rc = o->submit(pool, f, fib_task, &root);
			if (rc == 0)
				rc = o->wait(pool, f, &r);
			if (rc != 0 || (long)(intptr_t)r != want) {
				ctb_fail(t, "%s: fib(%ld) = %ld, want %ld (rc %d)", o->name, n,
					 (long)(intptr_t)r, want, rc);
				return;
			}
			ctb_record(w, ctb_now_ns() - t0);
		}
		w->ops += k;
	}
}

static uint64_t process_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t process_csw(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_nvcsw + ru.ru_nivcsw);
}

static void batch(struct ctb_worker *w)
{
	struct ctb_team *t = w->team;
	uint64_t c0 = process_cpu_ns(), s0 = process_csw();
	switch (t->bench->p[0]) {
	case K_EMPTY:
		stream(w, noop);
		break;
	case K_WORK:
		work_iters_arg = t->work_iters;
		stream(w, work_task);
		break;
	case K_ROUNDTRIP:
		roundtrip(w);
		break;
	case K_FORKJOIN:
		forkjoin(w);
		break;
	case K_ASCOMPLETED:
		as_completed(w);
		break;
	default:
		fib(w);
		break;
	}
	/* One team thread: only worker 0 writes these. */
	atomic_fetch_add_explicit(&t->shared[SH_CPU], process_cpu_ns() - c0, memory_order_relaxed);
	atomic_fetch_add_explicit(&t->shared[SH_CSW], process_csw() - s0, memory_order_relaxed);
}

/* The whole process's CPU and context switches replace the team's. */
static void report(struct ctb_team *t, ctb_state *st)
{
	double ops = (double)t->w[0].ops;
	if (ops <= 0)
		return;
	double cpu = (double)atomic_load_explicit(&t->shared[SH_CPU], memory_order_relaxed);
	double csw = (double)atomic_load_explicit(&t->shared[SH_CSW], memory_order_relaxed);
	ctb_counter(st, "cpu_per_op_ns", cpu / ops, CTB_COUNTER_DEFAULT);
	ctb_counter(st, "ctx_switches_per_op", csw / ops, CTB_COUNTER_DEFAULT);
}

static int setup_work(struct ctb_team *t, char *err, size_t len)
{
	if (t->bench->p[0] == K_WORK)
		t->work_iters = ctb_work_iters_for((uint64_t)t->bench->p[2]);
	return setup(t, err, len);
}

static const struct ctb_workload wl = {
	.family = "pool",
	.obj_size = obj_size,
	.setup = setup_work,
	.batch = batch,
	.teardown = teardown,
	.report = report,
};

/* A benchmark a row cannot run: an error entry with the reason, not a run. */
static void unsupported(ctb_state *st, void *user)
{
	ctb_skip_with_error(st, user);
}

static void add_unsupported(const char *name, const char *why)
{
	if (!ctb_selected(name))
		return;
	char *msg = malloc(strlen(why) + 16);
	if (msg == NULL)
		return;
	sprintf(msg, "unsupported: %s", why);
	struct ctb_reg_opts ro = { .manual_time = !ctb_list_mode };
	ctb_register(name, unsupported, msg, &ro);
}

void ctb_register_pool(void)
{
	for (size_t r = 0; r < ci_pool_table_len; r++) {
		const struct ci_pool_ops *o = ci_pool_table[r];
		if (o == NULL)
			continue;
		if (o->future_size > CI_POOL_FUTURE_MAX) {
			fprintf(stderr, "contend-bench: %s: future of %zu bytes > CI_POOL_FUTURE_MAX\n",
				o->name, o->future_size);
			continue;
		}
		for (int ti = 0; ti < ctb_cfg.nthreads; ti++) {
			int n = ctb_cfg.threads[ti];
			for (int pi = 0; pi < ctb_cfg.nplaces; pi++) {
				const struct pl_policy *pl = &ctb_cfg.places[pi];
				int64_t p[4] = { K_EMPTY, n, 0, 0 };
				ctb_bench_add(&wl, o, p, 1, pl, "pool/%s/empty/threads:%d/place:%s",
					      o->name, n, pl->name);
				for (size_t g = 0; g < sizeof gaps_us / sizeof gaps_us[0]; g++) {
					int64_t pr[4] = { K_ROUNDTRIP, n, gaps_us[g], 0 };
					struct ctb_bench *b = ctb_bench_add(
						&wl, o, pr, 1, pl,
						"pool/%s/roundtrip/gap_us:%lld/threads:%d/place:%s",
						o->name, (long long)gaps_us[g], n, pl->name);
					if (b != NULL)
						b->min_ops = RT_SAMPLES;
				}
				if (n <= WINDOW) {
					int64_t pf[4] = { K_FORKJOIN, n, 0, 0 };
					ctb_bench_add(&wl, o, pf, 1, pl,
						      "pool/%s/forkjoin/threads:%d/place:%s", o->name, n,
						      pl->name);
				}
				int64_t pa[4] = { K_ASCOMPLETED, n, AC_TASKS, 0 };
				ctb_bench_add(&wl, o, pa, 1, pl,
					      "pool/%s/as_completed/tasks:%d/threads:%d/place:%s",
					      o->name, AC_TASKS, n, pl->name);
				char name[192];
				snprintf(name, sizeof name, "pool/%s/fib:%d/threads:%d/place:%s",
					 o->name, FIB_N, n, pl->name);
				if (o->no_nested != NULL) {
					add_unsupported(name, o->no_nested);
				} else {
					int64_t pb[4] = { K_FIB, n, FIB_N, 0 };
					ctb_bench_add(&wl, o, pb, 1, pl, "%s", name);
				}
				for (size_t g = 0; g < sizeof works_ns / sizeof works_ns[0]; g++) {
					int64_t pw[4] = { K_WORK, n, works_ns[g], 0 };
					ctb_bench_add(&wl, o, pw, 1, pl,
						      "pool/%s/work_ns:%lld/threads:%d/place:%s", o->name,
						      (long long)works_ns[g], n, pl->name);
				}
			}
		}
	}
}
