/*
 * stress_counter.c — the read-modify-write race, with and without locks.
 *
 * N threads each increment a shared counter M times. Under ct_mutex (lock,
 * trylock-spin and lock_for entry points) and ct_rmutex the total must be
 * exactly N x M, or the test fails. The same loop without a lock (relaxed
 * load then store: a race on the value, not a C data race) is run and its
 * lost updates reported: the scheduler may happen not to interleave, so
 * that count is informational only.
 *
 * With arguments (`--peers`, or row names), the same race runs instead on
 * the rows of the lock and recursive-lock tables (impls/) selected:
 * --peers takes every peer built. Each must keep exactly N x M; a
 * recursive lock is taken twice per increment. Rows that spin inside the
 * implementation (CI_SPINS) run with at most max(2, allowed PUs) threads.
 *
 * Soak mode (scripts/soak): with CT_SOAK_SEED set to a number, the thread
 * count (1-8), the increments per thread and lock_for's timeout are drawn
 * from it instead. The last line is a machine-readable total:
 *     TOTAL items=0 ops=N timeouts=N closes=0
 * (ops: increments checked under a lock; timeouts: ETIMEDOUT returns of
 * ct_mutex_lock_for).
 */
#include <contend/mutex.h>
#include <contend/rmutex.h>

#include "test_impls.h"
#include "test_util.h"

enum { MAX_THREADS = 8 };
static int threads = 4;
static uint64_t lock_for_ns = 1000;
static atomic_ulong lock_for_timeouts;

enum mode { RACY, MUTEX, MUTEX_TRY, MUTEX_FOR, RMUTEX };
static const char *const mode_name[] = { "unsynchronized", "ct_mutex_lock", "ct_mutex_trylock",
					 "ct_mutex_lock_for", "ct_rmutex_lock (depth 2)" };

static ct_mutex m = CT_MUTEX_INIT;
static ct_rmutex r = CT_RMUTEX_INIT;
static atomic_long racy;
static long counter;
static long per_thread;
static enum mode mode;
static pthread_barrier_t start;

static void *run(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < per_thread; i++) {
		switch (mode) {
		case RACY:
			atomic_store_explicit(&racy, atomic_load_explicit(&racy, memory_order_relaxed) + 1,
					      memory_order_relaxed);
			break;
		case MUTEX:
			ct_mutex_lock(&m);
			counter++;
			ct_mutex_unlock(&m);
			break;
		case MUTEX_TRY:
			while (!ct_mutex_trylock(&m))
				sched_yield();
			counter++;
			ct_mutex_unlock(&m);
			break;
		case MUTEX_FOR: {
			unsigned long timeouts = 0;
			while (ct_mutex_lock_for(&m, lock_for_ns) != 0)
				timeouts++;
			if (timeouts)
				atomic_fetch_add_explicit(&lock_for_timeouts, timeouts,
							  memory_order_relaxed);
			counter++;
			ct_mutex_unlock(&m);
			break;
		}
		case RMUTEX:
			ct_rmutex_lock(&r);
			ct_rmutex_lock(&r);
			counter++;
			CHECK_EQ(ct_rmutex_unlock(&r), 0);
			CHECK_EQ(ct_rmutex_unlock(&r), 0);
			break;
		}
	}
	return NULL;
}

/* ---- the rows of the tables ------------------------------------------- */

struct row_run {
	const struct ci_lock_ops *lock;		/* or */
	const struct ci_rlock_ops *rlock;
	void *obj;
	/* Changed under obj with a relaxed load, then store: an update is
	 * lost if mutual exclusion fails. Atomics (ordered by the lock) so
	 * that ThreadSanitizer stays quiet for locks whose atomics it cannot
	 * see (ck's are inline assembly). */
	atomic_long count;
	atomic_int bad;				/* rlock unlock returned nonzero */
};

static void bump(atomic_long *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static void *run_row(void *arg)
{
	struct row_run *r = arg;
	pthread_barrier_wait(&start);
	for (long i = 0; i < per_thread; i++) {
		if (r->lock != NULL) {
			r->lock->lock(r->obj);
			bump(&r->count);
			r->lock->unlock(r->obj);
		} else {
			r->rlock->lock(r->obj);
			r->rlock->lock(r->obj);
			bump(&r->count);
			if (r->rlock->unlock(r->obj) != 0 || r->rlock->unlock(r->obj) != 0)
				atomic_store(&r->bad, 1);
		}
	}
	return NULL;
}

static int row_threads(unsigned flags)
{
	if (!(flags & CI_SPINS))
		return threads;
	cpu_set_t set;
	long pus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
							       : sysconf(_SC_NPROCESSORS_ONLN);
	if (pus < 2)
		pus = 2;
	return threads < pus ? threads : (int)pus;
}

/* One row: n threads, per_thread increments each; returns increments checked. */
static uint64_t check_row(const char *name, unsigned flags, size_t obj_size,
			  const struct ci_lock_ops *lock, const struct ci_rlock_ops *rlock)
{
	pthread_t t[MAX_THREADS];
	struct row_run r = { .lock = lock, .rlock = rlock };
	int n = row_threads(flags);
	r.obj = aligned_alloc(CT_CACHE_LINE, (obj_size + CT_CACHE_LINE - 1) / CT_CACHE_LINE * CT_CACHE_LINE);
	CHECK(r.obj != NULL);
	CHECK_EQ(lock ? lock->init(r.obj) : rlock->init(r.obj), 0);
	CHECK(pthread_barrier_init(&start, NULL, (unsigned)n) == 0);
	uint64_t t0 = test_now_ns();
	test_spawn(t, n, run_row, &r, 0);
	test_join(t, n);
	double secs = (double)(test_now_ns() - t0) / 1e9;
	pthread_barrier_destroy(&start);
	long want = n * per_thread;
	long got = atomic_load(&r.count);
	printf("%-26s %ld of %ld increments kept, %d threads%s, %.2f s\n", name, got, want, n,
	       rlock ? " (depth 2)" : "", secs);
	CHECK_EQ(got, want);
	CHECK_EQ(atomic_load(&r.bad), 0);
	if (lock)
		lock->destroy(r.obj);
	else
		rlock->destroy(r.obj);
	free(r.obj);
	return (uint64_t)want;
}

static int rows_main(int argc, char **argv)
{
	uint64_t checked = 0;
	int rows = 0;
	for (size_t i = 0; i < ci_lock_table_len; i++) {
		const struct ci_lock_ops *l = ci_lock_table[i];
		if (l != NULL && impl_selected(argc, argv, l->name, l->flags)) {
			checked += check_row(l->name, l->flags, l->obj_size, l, NULL);
			rows++;
		}
	}
	for (size_t i = 0; i < ci_rlock_table_len; i++) {
		const struct ci_rlock_ops *l = ci_rlock_table[i];
		if (l != NULL && impl_selected(argc, argv, l->name, l->flags)) {
			checked += check_row(l->name, l->flags, l->obj_size, NULL, l);
			rows++;
		}
	}
	if (rows == 0) {
		printf("stress_counter: no lock row selected (not built?)\n");
		return 77;
	}
	printf("TOTAL items=0 ops=%" PRIu64 " timeouts=0 closes=0\n", checked);
	return 0;
}

int main(int argc, char **argv)
{
	pthread_t t[MAX_THREADS];
	uint64_t checked = 0;
	test_watchdog(100);
	per_thread = (long)SCALED(200000);
	if (argc > 1)
		return rows_main(argc, argv);
	const char *soak = getenv("CT_SOAK_SEED");
	if (soak != NULL && *soak != '\0') {
		uint64_t seed = strtoull(soak, NULL, 0), rng = seed * 0x9e3779b97f4a7c15u | 1;
		rng ^= rng >> 29;
		threads = 1 + (int)(rng % MAX_THREADS);
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		per_thread = (long)(SCALED(400000) / (uint64_t)threads / 4 +
				    (rng >> 33) % (SCALED(400000) / (uint64_t)threads));
		rng = rng * 6364136223846793005u + 1442695040888963407u;
		lock_for_ns = 100 + (rng >> 33) % 100000;
		printf("soak seed %" PRIu64 ": %d threads, %ld increments each, lock_for %" PRIu64
		       " ns\n", seed, threads, per_thread, lock_for_ns);
	}
	CHECK(pthread_barrier_init(&start, NULL, (unsigned)threads) == 0);

	for (mode = RACY; mode <= RMUTEX; mode++) {
		counter = 0;
		atomic_store(&racy, 0);
		uint64_t t0 = test_now_ns();
		test_spawn(t, threads, run, NULL, 0);
		test_join(t, threads);
		double s = (double)(test_now_ns() - t0) / 1e9;
		long want = threads * per_thread;
		if (mode == RACY) {
			long got = atomic_load(&racy);
			printf("%-26s %ld of %ld increments kept, %ld lost updates (%.1f%%), %.2f s\n",
			       mode_name[mode], got, want, want - got, 100.0 * (double)(want - got) / (double)want, s);
			CHECK(got > 0 && got <= want);
		} else {
			printf("%-26s %ld of %ld increments kept, %.2f s\n", mode_name[mode], counter, want, s);
			CHECK_EQ(counter, want);
			CHECK_EQ(m.state, CT_MUTEX_UNLOCKED);
			checked += (uint64_t)want;
		}
	}
	pthread_barrier_destroy(&start);
	printf("TOTAL items=0 ops=%" PRIu64 " timeouts=%lu closes=0\n", checked,
	       atomic_load(&lock_for_timeouts));
	return 0;
}
