/*
 * busy-neighbours.c — ct_mutex lockers beside threads that never block:
 * how long a lock waits when its CPU is shared with busy threads, the
 * case in which a yield may last a time slice (lib/src/mutex.c,
 * yield_rounds). Not part of the build; docs/performance.md ("The yield
 * phase") quotes it.
 *
 * Two lockers, pinned to CPUs 0 and 1, loop: lock, hold HOLD_NS
 * (busy-waiting on the clock), unlock, wait GAP_NS; BUSY threads spin
 * on a counter, pinned alternately to CPUs 0 and 1. Prints the lock
 * calls completed and the percentiles of the time each lock call took.
 *
 * Build against a libcontend build directory B and run:
 *   cc -O2 -Ilib/include -o /tmp/busy docs/experiments/busy-neighbours.c \
 *       B/lib/libcontend.a -lpthread
 *   /tmp/busy BUSY HOLD_NS GAP_NS [SECONDS]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <contend/mutex.h>

#define LOCKERS 2
#define MAX_SAMPLES 4000000

static ct_mutex mutex = CT_MUTEX_INIT;
static atomic_int stop;
static long hold_ns, gap_ns;
static double *samples[LOCKERS];
static long counts[LOCKERS];

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *busy(void *arg)
{
	pin((int)(long)arg % 2);
	volatile unsigned long spins = 0;
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		spins++;
	return NULL;
}

static void *locker(void *arg)
{
	long id = (long)arg;
	pin((int)id % 2);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		double t0 = now_ns();
		ct_mutex_lock(&mutex);
		double t1 = now_ns();
		while (now_ns() - t1 < (double)hold_ns)
			;
		ct_mutex_unlock(&mutex);
		if (counts[id] < MAX_SAMPLES)
			samples[id][counts[id]++] = t1 - t0;
		double t2 = now_ns();
		while (now_ns() - t2 < (double)gap_ns)
			;
	}
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: %s BUSY HOLD_NS GAP_NS [SECONDS]\n", argv[0]);
		return 2;
	}
	int nbusy = atoi(argv[1]);
	hold_ns = atol(argv[2]);
	gap_ns = atol(argv[3]);
	double seconds = argc == 5 ? atof(argv[4]) : 1.0;
	if (nbusy < 0 || nbusy > 64 || hold_ns < 0 || gap_ns < 0 || seconds <= 0) {
		fprintf(stderr, "%s: BUSY 0-64, HOLD_NS and GAP_NS >= 0, SECONDS > 0\n", argv[0]);
		return 2;
	}
	pthread_t threads[64 + LOCKERS];
	int n = 0;
	for (long i = 0; i < nbusy; i++)
		pthread_create(&threads[n++], NULL, busy, (void *)i);
	for (long i = 0; i < LOCKERS; i++) {
		samples[i] = malloc(MAX_SAMPLES * sizeof(double));
		if (samples[i] == NULL) {
			perror("malloc");
			return 1;
		}
		pthread_create(&threads[n++], NULL, locker, (void *)i);
	}
	struct timespec run = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	nanosleep(&run, NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);

	long total = 0;
	for (int i = 0; i < LOCKERS; i++)
		total += counts[i];
	double *all = malloc((size_t)(total > 0 ? total : 1) * sizeof(double));
	if (all == NULL) {
		perror("malloc");
		return 1;
	}
	long k = 0;
	for (int i = 0; i < LOCKERS; i++)
		for (long j = 0; j < counts[i]; j++)
			all[k++] = samples[i][j];
	if (total == 0) {
		printf("busy=%d locks=0\n", nbusy);
		return 1;
	}
	qsort(all, (size_t)total, sizeof(double), by_value);
	printf("busy=%d hold=%ldns gap=%ldns locks=%ld wait p50=%.1fus p99=%.1fus "
	       "p99.9=%.1fus max=%.1fus\n",
	       nbusy, hold_ns, gap_ns, total, all[total / 2] / 1e3, all[total * 99 / 100] / 1e3,
	       all[total * 999 / 1000] / 1e3, all[total - 1] / 1e3);
	return 0;
}
