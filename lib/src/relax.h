/*
 * relax.h — what every waiter in the project uses: the CPU's spin-wait
 * hint and the monotonic clock. Private (never installed); the library,
 * impls/ and bench/ include it, from C and C++.
 */
#ifndef CONTEND_RELAX_H
#define CONTEND_RELAX_H

#include <sched.h>
#include <stdint.h>
#include <time.h>

/* One iteration of a spin-wait loop (the CPU's pause/yield hint). */
static inline void ct__cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * A polling waiter's back-off: call once per failed poll (*spins starts at
 * 0). Pauses, and yields the CPU every CT_SPIN_YIELD_EVERY polls, so that
 * a spinning waiter cannot starve the thread it waits for when threads
 * outnumber CPUs.
 */
#define CT_SPIN_YIELD_EVERY 256u

static inline void ct__spin_pause(uint32_t *spins)
{
	if (++*spins % CT_SPIN_YIELD_EVERY != 0)
		ct__cpu_relax();
	else
		sched_yield();
}

/* No deadline: wait until woken. */
#define CT_DEADLINE_NONE UINT64_MAX

/* Current CLOCK_MONOTONIC time in nanoseconds. */
static inline uint64_t ct__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* now + timeout_ns, saturating at CT_DEADLINE_NONE. */
static inline uint64_t ct__deadline(uint64_t timeout_ns)
{
	uint64_t now = ct__now_ns();
	return timeout_ns >= CT_DEADLINE_NONE - now ? CT_DEADLINE_NONE : now + timeout_ns;
}

#endif
