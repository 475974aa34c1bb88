/*
 * alloc.c — the library's one allocation point, with a fault-injection
 * hook for the tests (declared in internal.h).
 *
 * Only ct_queue_init and ct_ring_init allocate (DESIGN: never on a fast
 * path), so the two atomics below cost nothing that matters. The hook is
 * private: no public header declares it, and it is not exported from the
 * shared library; the tests link the static one.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

/*
 * Allocations still allowed before ct__alloc starts failing; negative: no
 * limit (the default). Relaxed: tests set it while no other thread
 * allocates; the counter only needs atomicity, not ordering.
 */
static atomic_long alloc_budget = -1;

/* Blocks returned by ct__alloc and not yet passed to ct__free. */
static atomic_long alloc_live;

void *ct__alloc(size_t size)
{
	long budget = atomic_load_explicit(&alloc_budget, memory_order_relaxed);
	while (budget >= 0) {
		if (budget == 0)
			return NULL;
		/* Relaxed: see alloc_budget. On failure budget is reloaded. */
		if (atomic_compare_exchange_weak_explicit(&alloc_budget, &budget, budget - 1,
							  memory_order_relaxed,
							  memory_order_relaxed))
			break;
	}
	void *p = malloc(size);
	if (p != NULL)
		atomic_fetch_add_explicit(&alloc_live, 1, memory_order_relaxed);
	return p;
}

void ct__free(void *p)
{
	if (p == NULL)
		return;
	atomic_fetch_sub_explicit(&alloc_live, 1, memory_order_relaxed);
	free(p);
}

void ct__set_alloc_fail(long after_n)
{
	atomic_store_explicit(&alloc_budget, after_n < 0 ? -1 : after_n, memory_order_relaxed);
}

long ct__alloc_live(void)
{
	return atomic_load_explicit(&alloc_live, memory_order_relaxed);
}
