/* test_event.c — ct_event: set/clear/is_set, broadcast to N, timeouts. */
#include <contend/event.h>

#include <errno.h>
#include <stdio.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/syscall.h>
#include <unistd.h>

#include "test_util.h"
#include "wait.h"	/* lib/src: ct__wait, ct__wake (the parking backend) */

enum { WAITERS = 8 };

static ct_event ev = CT_EVENT_INIT;
static atomic_int released;
static atomic_int entered;		/* waiters about to call wait */
static atomic_int tids[WAITERS];	/* their kernel thread ids (0: not yet) */

/* Records the caller's kernel thread id, so the test can see it sleep. */
static void enter(void)
{
	atomic_store(&tids[atomic_fetch_add(&entered, 1)], (int)syscall(SYS_gettid));
}

static void *waiter(void *arg)
{
	(void)arg;
	enter();
	ct_event_wait(&ev);
	atomic_fetch_add(&released, 1);
	return NULL;
}

static void *timed_waiter(void *arg)
{
	bool *out = arg;
	enter();
	*out = ct_event_wait_for(&ev, 10000000000u);
	atomic_fetch_add(&released, 1);
	return NULL;
}

/* Whether thread `tid` of this process is asleep (state S in /proc). */
static bool asleep(pid_t tid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	/* "tid (comm) S ...": the state follows the last ')'. */
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

/*
 * Until all n threads are parked: each has entered and sleeps (it has
 * nothing left to sleep in but the futex it waits on), and with
 * `on_event` the event shows a parked waiter. Then each event waiter has
 * read the generation it waits on, so a set releases it.
 */
static void wait_for_parked(int n, bool on_event)
{
	uint64_t t0 = test_now_ns();
	for (;;) {
		bool all = atomic_load(&entered) == n &&
			   (!on_event || (atomic_load(&ev.state) & CT_EVENT_WAITERS) != 0);
		for (int i = 0; all && i < n; i++)
			all = atomic_load(&tids[i]) != 0 && asleep((pid_t)atomic_load(&tids[i]));
		if (all)
			break;
		CHECK(test_now_ns() - t0 < 5000000000u);
		test_sleep_ns(100000);
	}
	for (int i = 0; i < n; i++)
		atomic_store(&tids[i], 0);
	atomic_store(&entered, 0);
}

/*
 * The backend's ct__wake reports how many threads it woke: ct_event_set
 * counts them as waiters on their way to a CPU (event.c waking_add), so
 * that fewer threads spin meanwhile.
 */
static _Atomic(uint32_t) word;

static void *word_waiter(void *arg)
{
	(void)arg;
	enter();
	while (atomic_load(&word) == 0)
		ct__wait(&word, 0, CT_DEADLINE_NONE);
	atomic_fetch_add(&released, 1);
	return NULL;
}

static void test_wake_counts(void)
{
	pthread_t t[WAITERS];
	enum { SOME = 3 };

	atomic_store(&released, 0);
	CHECK_EQ(ct__wake(&word, CT_WAKE_ALL), 0);	/* nobody parked */
	test_spawn(t, WAITERS, word_waiter, NULL, 0);
	wait_for_parked(WAITERS, false);
	atomic_store(&word, 1);
	CHECK_EQ(ct__wake(&word, SOME), SOME);
	CHECK_EQ(ct__wake(&word, CT_WAKE_ALL), WAITERS - SOME);
	test_join(t, WAITERS);
	CHECK_EQ(atomic_load(&released), WAITERS);
	CHECK_EQ(ct__wake(&word, CT_WAKE_ALL), 0);
	printf("ct__wake: woke %d, then %d, of %d parked\n", SOME, WAITERS - SOME, WAITERS);
}

/*
 * Timed waits shorter than, and about as long as, the thread's timer
 * slack: the futex backend asks the kernel for deadline - slack and spends
 * the rest yielding (wait_futex.c), so these run its every path: the
 * timer firing at the deadline, firing early (slack 1 ns, which the
 * thread's cached slack learns only after some waits), and a deadline
 * already past when the wait starts. Never early; false on a clear event.
 */
static void test_short_timeouts(void)
{
	static const uint64_t timeouts[] = { 0, 1000, 10000, 50000, 200000 };
#ifdef __linux__
	static const unsigned long slacks[] = { 0 /* the default */, 1, 1000000 };
	const size_t nslacks = sizeof slacks / sizeof slacks[0];
#else
	const size_t nslacks = 1;
#endif
	for (size_t k = 0; k < nslacks; k++) {
#ifdef __linux__
		CHECK_EQ(prctl(PR_SET_TIMERSLACK, slacks[k], 0, 0, 0), 0);
#endif
		for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
			uint64_t worst = 0;
			for (int rep = 0; rep < 80; rep++) {
				uint64_t t0 = test_now_ns();
				bool r = ct_event_wait_for(&ev, timeouts[i]);
				uint64_t dt = test_now_ns() - t0;
				CHECK(!r);
				CHECK(dt >= timeouts[i]);
				CHECK(!test_too_late(dt, timeouts[i]));
				worst = dt > worst ? dt : worst;
			}
			printf("slack %zu: event_wait_for(%" PRIu64 " ns) x80: false, longest %" PRIu64
			       " ns\n", k, timeouts[i], worst);
		}
	}
#ifdef __linux__
	CHECK_EQ(prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0), 0);
#endif
	/* The parking backend itself: ETIMEDOUT only at or past the deadline,
	 * also with the word unchanged throughout. */
	_Atomic(uint32_t) word = 0;
	for (int rep = 0; rep < 50; rep++) {
		uint64_t deadline = test_now_ns() + 30000;
		int rc;
		while ((rc = ct__wait(&word, 0, deadline)) == 0)
			;
		CHECK_EQ(rc, ETIMEDOUT);
		CHECK(test_now_ns() >= deadline);
	}
}

int main(void)
{
	pthread_t t[WAITERS];
	bool results[WAITERS];
	test_watchdog(50);

	/* Flag semantics. */
	CHECK(!ct_event_is_set(&ev));
	ct_event_set(&ev);
	CHECK(ct_event_is_set(&ev));
	ct_event_set(&ev);			/* idempotent */
	CHECK(ct_event_is_set(&ev));
	ct_event_wait(&ev);			/* set: returns at once */
	CHECK(ct_event_wait_for(&ev, 0));
	CHECK(ct_event_wait_for(&ev, 1000));
	ct_event_clear(&ev);
	CHECK(!ct_event_is_set(&ev));
	ct_event_clear(&ev);
	CHECK(!ct_event_is_set(&ev));
	CHECK(!ct_event_wait_for(&ev, 0));

	/* wait_for on a clear event: false after >= timeout, not late (test_too_late). */
	const uint64_t timeouts[] = { 1000000, 30000000 };
	for (size_t i = 0; i < 2; i++) {
		uint64_t t0 = test_now_ns();
		bool r = ct_event_wait_for(&ev, timeouts[i]);
		uint64_t dt = test_now_ns() - t0;
		printf("event_wait_for(%" PRIu64 " ns): %s after %" PRIu64 " ns\n", timeouts[i],
		       r ? "true" : "false", dt);
		CHECK(!r);
		CHECK(dt >= timeouts[i]);
		CHECK(!test_too_late(dt, timeouts[i]));
	}

	/* One set releases all N waiters. */
	test_spawn(t, WAITERS, waiter, NULL, 0);
	wait_for_parked(WAITERS, true);
	CHECK_EQ(atomic_load(&released), 0);
	ct_event_set(&ev);
	test_join(t, WAITERS);
	CHECK_EQ(atomic_load(&released), WAITERS);

	/* set immediately followed by clear still releases every waiter that
	 * was waiting (Python semantics), and wait_for reports true. */
	ct_event_clear(&ev);
	atomic_store(&released, 0);
	for (int i = 0; i < WAITERS; i++)
		CHECK(pthread_create(&t[i], NULL, timed_waiter, &results[i]) == 0);
	wait_for_parked(WAITERS, true);
	ct_event_set(&ev);
	ct_event_clear(&ev);
	test_join(t, WAITERS);
	CHECK_EQ(atomic_load(&released), WAITERS);
	for (int i = 0; i < WAITERS; i++)
		CHECK(results[i]);
	CHECK(!ct_event_is_set(&ev));

	printf("ct_event: %d waiters released by one set, twice\n", WAITERS);
	test_wake_counts();
	test_short_timeouts();
	ct_event_destroy(&ev);
	return 0;
}
