/*
 * wait_futex.c — the Linux parking backend: futex(2), process-private.
 *
 * FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a wait
 * that is interrupted and retried never stretches its timeout.
 * The library never changes errno: every syscall saves and restores it.
 */
#include <errno.h>
#include <stdbool.h>
#include <sched.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "wait.h"

static long futex(_Atomic(uint32_t) *addr, int op, uint32_t val, const struct timespec *ts,
		  _Atomic(uint32_t) *addr2, uint32_t val3, int *err)
{
	int saved = errno;
	long r = syscall(SYS_futex, (uint32_t *)addr, op | FUTEX_PRIVATE_FLAG, val, ts,
			 (uint32_t *)addr2, val3);
	*err = r == -1 ? errno : 0;
	errno = saved;
	return r;
}

/*
 * Timed waits and the timer slack. Linux fires a sleeping thread's timer
 * anywhere between its deadline and the deadline plus the thread's timer
 * slack (50 us by default; none for real-time and deadline threads), and
 * on an idle CPU that means at the end: a 50 us wait on the reference VM
 * returned ~70 us past its timeout (slack, then the wake-up). So a timed
 * wait asks the kernel for deadline - slack, which the timer then fires
 * at the deadline at the latest, and spends what is left when it fires
 * early (another interrupt came in the window) yielding and polling the
 * word, at most one slack of CPU. Never early: ETIMEDOUT only once the
 * deadline has passed. Measured (docs/performance.md, "Timed waits ask
 * for the deadline minus the slack"): event/ct_event/timed_wait overshoot
 * p50 69 -> 19 us, cpu/op level.
 *
 * The slack is read with prctl (~1.3 us here, as much as the rest of a
 * timed wait's CPU), so it is cached per thread and read again every
 * SLACK_REREAD timed waits: a thread that changes its own slack is
 * followed within that many waits.
 */
#define SLACK_REREAD 64u

struct slack_cache {
	uint64_t ns;		/* the thread's timer slack; 0 for real-time and deadline threads */
	uint32_t left;		/* timed waits until the next read; 0: read now */
};

static _Thread_local struct slack_cache slack_cache;

static uint64_t timer_slack_ns(void)
{
	struct slack_cache *c = &slack_cache;
	if (c->left == 0) {
		int saved = errno;
		long r = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
		/* The low byte: the kernel may OR in SCHED_RESET_ON_FORK;
		 * -1 (an error) reads as no real-time policy. */
		int policy = sched_getscheduler(0) & 0xff;
		errno = saved;
		bool realtime = policy == SCHED_FIFO || policy == SCHED_RR;
#ifdef SCHED_DEADLINE
		realtime = realtime || policy == SCHED_DEADLINE;
#endif
		c->ns = r > 0 && !realtime ? (uint64_t)r : 0;
		c->left = SLACK_REREAD;
	}
	c->left--;
	return c->ns;
}

int ct__wait(_Atomic(uint32_t) *addr, uint32_t expected, uint64_t deadline_ns)
{
	struct timespec ts;
	int err = 0;

	if (deadline_ns == CT_DEADLINE_NONE) {
		futex(addr, FUTEX_WAIT_BITSET, expected, NULL, NULL, FUTEX_BITSET_MATCH_ANY, &err);
		/* EAGAIN (value differed) and EINTR are spurious returns. */
		return 0;
	}
	/* Always the futex, also when wake_by has passed: the kernel arms
	 * the timer for [wake_by, wake_by + slack] and, with no interrupt
	 * in between, fires it at the end, the deadline (skipping the call
	 * there made every 50 us wait a 50 us spin). */
	uint64_t slack = timer_slack_ns();
	uint64_t wake_by = deadline_ns > slack ? deadline_ns - slack : 0;
	ts.tv_sec = (time_t)(wake_by / 1000000000u);
	ts.tv_nsec = (long)(wake_by % 1000000000u);
	futex(addr, FUTEX_WAIT_BITSET, expected, &ts, NULL, FUTEX_BITSET_MATCH_ANY, &err);
	if (err != ETIMEDOUT)
		return 0;	/* woken, or spurious (EAGAIN, EINTR) */
	/* The rest of the slack: poll the word (acquire, as the callers'
	 * own re-checks) between yields until the deadline; a word that
	 * changed is a wake, also with the deadline passed (as the futex
	 * would compare it first). */
	for (;;) {
		if (atomic_load_explicit(addr, memory_order_acquire) != expected)
			return 0;
		if (ct__now_ns() >= deadline_ns)
			return ETIMEDOUT;
		ct__yield();
	}
}

int ct__wake(_Atomic(uint32_t) *addr, int32_t n)
{
	int err;
	long woken = futex(addr, FUTEX_WAKE, (uint32_t)n, NULL, NULL, 0, &err);
	return woken > 0 ? (int)woken : 0;
}

_Thread_local uint32_t ct__self_id;

uint32_t ct__self_slow(void)
{
	int saved = errno;
	ct__self_id = (uint32_t)syscall(SYS_gettid);
	errno = saved;
	return ct__self_id;
}

void ct__yield(void)
{
	int saved = errno;
	sched_yield();
	errno = saved;
}

atomic_int ct__fence_asymmetric;
static atomic_int fence_tried;	/* 0 until the first registration attempt */

void ct__fence_heavy_init(void)
{
	/* Relaxed: a racing second attempt only registers again (idempotent). */
	if (atomic_load_explicit(&fence_tried, memory_order_relaxed))
		return;
	atomic_store_explicit(&fence_tried, 1, memory_order_relaxed);
	int saved = errno;
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0)
		/* Relaxed: see ct__fence_light; registration is process-wide
		 * and done before any thread can see the 1. */
		atomic_store_explicit(&ct__fence_asymmetric, 1, memory_order_relaxed);
	errno = saved;
}

/*
 * Registered when the library is loaded, so that unlocks and ring
 * notifiers skip their fence from the start, also for objects that were
 * statically initialized (CT_MUTEX_INIT) and never went through an init
 * function. Those that do also call ct__fence_heavy_init: harmless.
 */
#if defined(__GNUC__)
__attribute__((constructor)) static void fence_heavy_init_at_load(void)
{
	ct__fence_heavy_init();
}
#endif

int ct__fence_heavy(void)
{
	/*
	 * Always the system call, whatever ct__fence_asymmetric reads here:
	 * a notifier that skipped its fence read 1, so registration was done
	 * before its load; if ours failed (EPERM: not registered yet) it ran
	 * before that, and the full fence below made our waiters++ visible
	 * before it.
	 */
	int saved = errno;
	long r = syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	int err = r == 0 ? 0 : errno;
	errno = saved;
	if (err != 0)
		atomic_thread_fence(memory_order_seq_cst);
	return err;
}
