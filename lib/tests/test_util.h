/*
 * test_util.h — helpers shared by the correctness programs.
 *
 * CHECK() is always on (never compiled out like assert() under NDEBUG) and
 * exits non-zero with the file, line and expression on failure. Every test
 * also arms a watchdog alarm so that a hang fails the test instead of
 * stalling the suite.
 */
#ifndef CT_TEST_UTIL_H
#define CT_TEST_UTIL_H

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relax.h"

#ifndef CT_TEST_SCALE
#define CT_TEST_SCALE 10
#endif

/* n scaled by the build's stress_scale option (10 = as written). */
#define SCALED(n) ((uint64_t)(n) * CT_TEST_SCALE / 10 ? (uint64_t)(n) * CT_TEST_SCALE / 10 : 1)

#define CHECK(expr)                                                        \
	do {                                                               \
		if (!(expr)) {                                             \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #expr);                          \
			exit(1);                                           \
		}                                                          \
	} while (0)

#define CHECK_EQ(a, b)                                                     \
	do {                                                               \
		long long ct_a_ = (long long)(a), ct_b_ = (long long)(b);  \
		if (ct_a_ != ct_b_) {                                      \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
				__FILE__, __LINE__, #a, #b, ct_a_, ct_b_); \
			exit(1);                                           \
		}                                                          \
	} while (0)

/* CLOCK_MONOTONIC nanoseconds (the library's clock, lib/src/relax.h). */
static inline uint64_t test_now_ns(void) { return ct__now_ns(); }

/*
 * A timed wait that took dt for a timeout of timeout_ns returned late by
 * a bug (a missed deadline, a wait that restarts its timeout) rather than
 * by scheduling: beyond 10x the timeout plus 250 ms. The absolute slack is
 * for loaded machines (meson runs tests side by side on 2 CPUs, where a
 * woken thread waits tens of ms for a CPU); the lower bound, never early,
 * is checked exactly by the callers.
 */
static inline int test_too_late(uint64_t dt, uint64_t timeout_ns)
{
	return dt >= 10 * timeout_ns + 250000000u;
}

static inline void test_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void test_watchdog_fired(int sig)
{
	(void)sig;
	static const char msg[] = "test watchdog: no completion within the time limit (hang?)\n";
	ssize_t r = write(2, msg, sizeof msg - 1);
	(void)r;
	_exit(3);
}

/* Fails the test (exit 3) if it is still running after `seconds`. */
static inline void test_watchdog(unsigned seconds)
{
	signal(SIGALRM, test_watchdog_fired);
	alarm(seconds);
}

/* Starts n threads running fn(arg_i) where arg_i = base + i * stride. */
static inline void test_spawn(pthread_t *t, int n, void *(*fn)(void *), void *base, size_t stride)
{
	for (int i = 0; i < n; i++)
		CHECK(pthread_create(&t[i], NULL, fn, (char *)base + (size_t)i * stride) == 0);
}

static inline void test_join(pthread_t *t, int n)
{
	for (int i = 0; i < n; i++)
		CHECK(pthread_join(t[i], NULL) == 0);
}

#endif
