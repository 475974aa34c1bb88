/*
 * team.c — the team of worker threads of one benchmark: start-up, the
 * barrier between the driver and the workers, and the watchdog (see
 * harness.h for the whole engine; run.c drives a team through a run).
 *
 * Synchronization between the driver (the Google Benchmark thread) and a
 * team of n workers
 * =====================================================================
 * `gen` is the release word. The driver writes everything a command needs
 * (cmd, budget, per-run worker fields), sets `arrived` to 0, then stores
 * gen + 1 with release ordering and wakes every parked worker. A worker
 * waits until gen differs from the last value it saw (acquire), so it sees
 * the command's inputs. When a worker has finished the command it
 * increments `arrived` (acq_rel); the one that brings it to n stores the
 * generation into `done` (release) and wakes the driver, which waits until
 * done == gen (acquire) and so sees every worker's results. Between the
 * last arrival and the next release no worker touches the team, so the
 * driver may read and reset worker fields freely there.
 *
 * Waiting spins briefly only when the team plus the driver fit on the
 * allowed PUs; otherwise waiters park at once, so an oversubscribed team
 * never burns CPU at the barrier.
 *
 * Watchdog
 * ========
 * While it waits for a command, the driver watches the team's progress
 * (budget claims and arrivals, which only grow during a command). No
 * progress for --watchdog seconds (and 20 times the batch's expected time)
 * is a hang: the driver gives up on the team (ctb_team_abandon), reports
 * the benchmark as an error (error_occurred / error_message in the results,
 * and one line on stderr) and the run goes on with the next benchmark,
 * which gets a fresh team. The stuck workers cannot be reclaimed, since
 * they may be blocked inside the object under test: their threads are
 * detached and left where they are, and the team's memory, the object
 * included, is leaked rather than freed under them. Workers that spin
 * rather than block keep a CPU busy for the rest of the run. Later runs of
 * a benchmark that hung (repetitions) are skipped with an error at once,
 * and contend-bench exits with status 1 at the end.
 */
#include "team.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "wait.h"	/* lib/src: ct__wait, ct__wake */

/* Spins of a waiter before it parks (when spinning is allowed). */
#define WAIT_SPINS 200

static struct team_impl *impl_of(struct ctb_team *t)
{
	return (struct team_impl *)((char *)t - offsetof(struct team_impl, pub));
}

void ctb_fail(struct ctb_team *t, const char *fmt, ...)
{
	struct team_impl *ti = impl_of(t);
	int expected = 0;
	/* Only the winner writes fail_msg; the driver reads it after the barrier. */
	if (!atomic_compare_exchange_strong_explicit(&ti->failed, &expected, 1,
						     memory_order_relaxed, memory_order_relaxed))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ti->fail_msg, sizeof(ti->fail_msg), fmt, ap);
	va_end(ap);
}

bool ctb_failed(const struct ctb_team *t)
{
	const struct team_impl *ti =
		(const struct team_impl *)((const char *)t - offsetof(struct team_impl, pub));
	return atomic_load_explicit(&ti->failed, memory_order_relaxed) != 0;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_csw(void)
{
	struct rusage ru;
#ifdef RUSAGE_THREAD
	if (getrusage(RUSAGE_THREAD, &ru) != 0)
		return 0;
#else
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
#endif
	return (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
}

/* Worker side: wait for a generation other than `seen`. */
static unsigned wait_release(struct team_impl *ti, unsigned seen)
{
	unsigned g;
	if (ti->spin) {
		for (int i = 0; i < WAIT_SPINS; i++) {
			g = atomic_load_explicit(&ti->gen, memory_order_acquire);
			if (g != seen)
				return g;
			ct__cpu_relax();
		}
	}
	while ((g = atomic_load_explicit(&ti->gen, memory_order_acquire)) == seen)
		ct__wait(&ti->gen, seen, CT_DEADLINE_NONE);
	return g;
}

/* Worker side: this worker is done with generation g. */
static void arrive(struct team_impl *ti, unsigned g)
{
	/* acq_rel: the last arriver's release below carries every worker's writes. */
	if (atomic_fetch_add_explicit(&ti->arrived, 1, memory_order_acq_rel) + 1 ==
	    (unsigned)atomic_load_explicit(&ti->live, memory_order_relaxed)) {
		atomic_store_explicit(&ti->done, g, memory_order_release);
		ct__wake(&ti->done, CT_WAKE_ALL);
	}
}

/*
 * What the team has visibly done during the current command: budget
 * claims and arrivals, which only grow until the next command. Relaxed:
 * compared only with an earlier value of itself.
 */
static uint64_t team_progress(struct team_impl *ti)
{
	return (uint64_t)atomic_load_explicit(&ti->pub.claimed[0], memory_order_relaxed) +
	       (uint64_t)atomic_load_explicit(&ti->pub.claimed[1], memory_order_relaxed) +
	       atomic_load_explicit(&ti->arrived, memory_order_relaxed);
}

/*
 * Driver side: wait until every worker arrived for generation g. Returns
 * false if the team made no progress for the watchdog's limit: a hang (see
 * "Watchdog" at the top); the caller must then abandon the team.
 */
static bool wait_done(struct team_impl *ti, unsigned g)
{
	if (ti->spin) {
		for (int i = 0; i < WAIT_SPINS; i++) {
			if (atomic_load_explicit(&ti->done, memory_order_acquire) == g)
				return true;
			ct__cpu_relax();
		}
	}
	uint64_t dog = (uint64_t)(ctb_cfg.watchdog_s * 1e9);
	uint64_t limit = ti->watchdog_ns > dog ? ti->watchdog_ns : dog;
	/* Park in slices short enough to notice a short --watchdog in time. */
	uint64_t slice_ns = limit / 4 < 1000000000u ? limit / 4 : 1000000000u;
	if (slice_ns < 1000000u)
		slice_ns = 1000000u;
	uint64_t last = team_progress(ti), since = ctb_now_ns();
	for (;;) {
		unsigned d = atomic_load_explicit(&ti->done, memory_order_acquire);
		if (d == g)
			return true;
		ct__wait(&ti->done, d, ct__deadline(slice_ns));
		uint64_t now = ctb_now_ns(), p = team_progress(ti);
		if (p != last) {
			last = p;
			since = now;
		} else if (now - since > limit &&
			   atomic_load_explicit(&ti->done, memory_order_acquire) != g) {
			ti->stalled_ns = now - since;
			return false;
		}
	}
}

/* Driver side: run one command on the team and wait for it (false: hung). */
bool ctb_team_command(struct team_impl *ti, int cmd)
{
	ti->cmd = cmd;
	atomic_store_explicit(&ti->arrived, 0, memory_order_relaxed);
	unsigned g = atomic_load_explicit(&ti->gen, memory_order_relaxed) + 1;
	/* Release: publishes cmd, arrived = 0 and the per-run inputs. */
	atomic_store_explicit(&ti->gen, g, memory_order_release);
	ct__wake(&ti->gen, CT_WAKE_ALL);
	return wait_done(ti, g);
}

static bool bound(const struct ctb_worker *w)
{
	return w->pu >= 0 && ctb_cfg.bind_refused == 0 && w->bind_err == 0;
}

static void *worker_main(void *arg)
{
	struct ctb_worker *w = arg;
	struct team_impl *ti = impl_of(w->team);
	struct ctb_team *t = &ti->pub;

	if (w->pu >= 0 && ctb_cfg.bind_refused == 0) {
		bool mis = false;
		w->bind_err = pl_bind_self(ctb_cfg.topo, w->pu, &mis);
		w->misplaced = mis;
	}
	/* First touch after binding: the histogram lives near its writer. */
	w->hist = aligned_alloc(64, (sizeof(struct ctb_hist) + 63) / 64 * 64);
	if (w->hist != NULL)
		ctb_hist_clear(w->hist);
	if (w->index == 0) {
		int node = -1;
		t->obj = pl_alloc_near(ctb_cfg.topo, bound(w) ? w->pu : -1, t->obj_len, &node);
		if (t->obj != NULL)
			memset(t->obj, 0, t->obj_len);
		t->mem_node = node;
	}
	unsigned seen = 0;
	arrive(ti, seen);

	for (;;) {
		seen = wait_release(ti, seen);
		const struct ctb_workload *wl = t->bench->wl;
		switch (ti->cmd) {
		case CMD_SETUP:
			if (w->index == 0)
				ti->status = wl->setup(t, ti->err, sizeof(ti->err));
			break;
		case CMD_TEARDOWN:
			if (w->index == 0)
				ti->status = wl->teardown(t, ti->err, sizeof(ti->err));
			break;
		case CMD_BATCH: {
			uint64_t c0 = thread_cpu_ns();
			uint64_t s0 = thread_csw();
			w->t_start = ctb_now_ns();
			wl->batch(w);
			w->t_end = ctb_now_ns();
			w->cpu_ns += thread_cpu_ns() - c0;
			w->csw += thread_csw() - s0;
			if (bound(w) && sched_getcpu() != w->pu)
				w->misplaced = true;
			break;
		}
		case CMD_EXIT:
			return NULL;
		default:
			break;
		}
		arrive(ti, seen);
	}
}

static void team_destroy(struct team_impl *ti)
{
	if (ti == NULL)
		return;
	int live = atomic_load_explicit(&ti->live, memory_order_relaxed);
	if (live > 0) {
		ti->cmd = CMD_EXIT;
		unsigned g = atomic_load_explicit(&ti->gen, memory_order_relaxed) + 1;
		atomic_store_explicit(&ti->gen, g, memory_order_release);
		ct__wake(&ti->gen, CT_WAKE_ALL);
		for (int i = 0; i < live; i++)
			pthread_join(ti->threads[i], NULL);
	}
	struct ctb_team *t = &ti->pub;
	if (t->obj != NULL)
		pl_free(ctb_cfg.topo, t->obj, t->obj_len);
	if (t->w != NULL)
		for (int i = 0; i < t->n; i++)
			free(t->w[i].hist);
	free(t->w);
	free(ti->threads);
	free(ti);
}

static struct team_impl *current;	/* the team of the benchmark running now */
static int watchdog_stops;		/* teams abandoned by the watchdog */

/*
 * Gives up on a team that made no progress for the watchdog's limit (see
 * "Watchdog" at the top) during command `what`: its threads are detached
 * and left where they are, and the team, its workers' records and the
 * object under test are leaked on purpose (a stuck worker may still touch
 * them). The benchmark is marked hung; err gets the reason, which also
 * goes to stderr.
 */
void ctb_team_abandon(struct team_impl *ti, const char *what, char *err, size_t errlen)
{
	int live = atomic_load_explicit(&ti->live, memory_order_relaxed);
	for (int i = 0; i < live; i++)
		pthread_detach(ti->threads[i]);
	struct ctb_bench *b = ti->pub.bench;
	b->hung = true;
	watchdog_stops++;
	if (current == ti)
		current = NULL;
	snprintf(err, errlen,
		 "watchdog: no progress in %s for %.1f s (deadlock or lost wakeup?); "
		 "benchmark stopped, its %d worker thread%s abandoned",
		 what, (double)ti->stalled_ns * 1e-9, live, live == 1 ? "" : "s");
	fprintf(stderr, "contend-bench: %s: %s\n", b->name, err);
}

int ctb_watchdog_stops(void)
{
	return watchdog_stops;
}

static struct team_impl *team_create(struct ctb_bench *b, char *err, size_t errlen)
{
	struct team_impl *ti = aligned_alloc(64, (sizeof(*ti) + 63) / 64 * 64);
	if (ti == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memset(ti, 0, sizeof(*ti));
	struct ctb_team *t = &ti->pub;
	t->bench = b;
	t->n = b->nthreads;
	t->mem_node = -1;
	t->obj_len = b->wl->obj_size(b);
	if (t->obj_len < 64)
		t->obj_len = 64;
	t->obj_len = (t->obj_len + 63) / 64 * 64;
	ti->spin = t->n + 1 <= ctb_cfg.npus;
	atomic_init(&ti->gen, 0);
	atomic_init(&ti->arrived, 0);
	atomic_init(&ti->done, UINT_MAX);
	t->w = aligned_alloc(64, sizeof(struct ctb_worker) * (size_t)t->n);
	ti->threads = calloc((size_t)t->n, sizeof(pthread_t));
	if (t->w == NULL || ti->threads == NULL) {
		snprintf(err, errlen, "out of memory for %d workers", t->n);
		team_destroy(ti);
		return NULL;
	}
	memset(t->w, 0, sizeof(struct ctb_worker) * (size_t)t->n);
	for (int i = 0; i < t->n; i++) {
		struct ctb_worker *w = &t->w[i];
		w->team = t;
		w->index = i;
		w->pu = b->pus[i];
		w->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
	}
	/* Workers count arrivals against `live`: set it to n first, lower it on failure. */
	atomic_init(&ti->live, t->n);
	int started = 0, rc = 0;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (; started < t->n; started++) {
		rc = pthread_create(&ti->threads[started], &attr, worker_main, &t->w[started]);
		if (rc != 0)
			break;
	}
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		/* The started ones arrive against `live`; none has arrived for all yet. */
		snprintf(err, errlen, "cannot start worker %d of %d: %s", started, t->n, strerror(rc));
		/* Let them finish start-up: they arrive for generation 0 against `started`. */
		atomic_store_explicit(&ti->live, started, memory_order_relaxed);
		if (started > 0) {
			/*
			 * A worker may already have compared against the old `live`;
			 * wait until every started one arrived, whichever way.
			 */
			while (atomic_load_explicit(&ti->arrived, memory_order_acquire) < (unsigned)started)
				sched_yield();
		}
		team_destroy(ti);
		return NULL;
	}
	if (!wait_done(ti, 0)) {
		ctb_team_abandon(ti, "start-up", err, errlen);
		return NULL;
	}
	for (int i = 0; i < t->n; i++) {
		if (t->w[i].hist == NULL) {
			snprintf(err, errlen, "out of memory for histograms");
			team_destroy(ti);
			return NULL;
		}
	}
	if (t->obj == NULL) {
		snprintf(err, errlen, "cannot allocate %zu bytes for the object under test",
			 t->obj_len);
		team_destroy(ti);
		return NULL;
	}
	return ti;
}

struct team_impl *ctb_team_for(struct ctb_bench *b, char *err, size_t errlen)
{
	if (current != NULL && current->pub.bench == b)
		return current;
	team_destroy(current);
	current = team_create(b, err, errlen);
	return current;
}

void ctb_teams_finish(void)
{
	team_destroy(current);
	current = NULL;
}
