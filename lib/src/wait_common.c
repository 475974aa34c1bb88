/* wait_common.c — clock helpers shared by both parking backends. */
#include <time.h>

#include "wait.h"

uint64_t ct__now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t ct__deadline(uint64_t timeout_ns)
{
	uint64_t now = ct__now_ns();
	return timeout_ns >= CT_DEADLINE_NONE - now ? CT_DEADLINE_NONE : now + timeout_ns;
}

#include "spin.h"

_Thread_local uint32_t ct__spin_budget_ns = CT__SPIN_BUDGET_MAX;
