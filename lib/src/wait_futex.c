/*
 * wait_futex.c — the Linux parking backend: futex(2), process-private.
 *
 * FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so a wait
 * that is interrupted and retried never stretches its timeout.
 * The library never changes errno: every syscall saves and restores it.
 */
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
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

int ct__wait(_Atomic(uint32_t) *addr, uint32_t expected, uint64_t deadline_ns)
{
	struct timespec ts, *tsp = NULL;
	int err;

	if (deadline_ns != CT_DEADLINE_NONE) {
		ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
		ts.tv_nsec = (long)(deadline_ns % 1000000000u);
		tsp = &ts;
	}
	futex(addr, FUTEX_WAIT_BITSET, expected, tsp, NULL, FUTEX_BITSET_MATCH_ANY, &err);
	/* EAGAIN (value differed) and EINTR are spurious returns. */
	return err == ETIMEDOUT ? ETIMEDOUT : 0;
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
