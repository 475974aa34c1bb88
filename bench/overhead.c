/*
 * overhead.c — what the C shim costs per iteration.
 *
 *   shim/overhead/native   empty loop written natively in C++
 *                          (`for (auto _ : state)`, in shim.cpp)
 *   shim/overhead/shim     the same loop in C through ctb_keep_running_batch
 *
 * Both loops run one compiler barrier per iteration, so neither can be
 * optimized away and they do the same work. The C one reports, besides
 * its own time, the native loop's time per iteration (native_ns, when
 * shim/overhead/native ran first in this process), the difference
 * (overhead_ns: the shim's cost per iteration) and shim_ns / native_ns
 * (ratio). Target: overhead_ns < 0.5.
 */
#include "harness.h"

#define BATCH 1024

static void shim_loop(ctb_state *st, void *user)
{
	(void)user;
	uint64_t t0 = ctb_now_ns();
	while (ctb_keep_running_batch(st, BATCH))
		for (int i = 0; i < BATCH; i++)
			__asm__ __volatile__("" ::: "memory");
	uint64_t t1 = ctb_now_ns();
	uint64_t it = ctb_iterations(st);
	if (it == 0)
		return;
	double shim = (double)(t1 - t0) / (double)it;
	double native = ctb_native_loop_ns();
	ctb_counter(st, "shim_ns", shim, CTB_COUNTER_DEFAULT);
	if (native >= 0) {
		ctb_counter(st, "native_ns", native, CTB_COUNTER_DEFAULT);
		ctb_counter(st, "overhead_ns", shim - native, CTB_COUNTER_DEFAULT);
		ctb_counter(st, "ratio", native > 0 ? shim / native : 0, CTB_COUNTER_DEFAULT);
	}
}

void ctb_register_overhead(void)
{
	/* The shim half needs the native half for its ratio: select both or neither. */
	if (!ctb_selected("shim/overhead/native") && !ctb_selected("shim/overhead/shim"))
		return;
	ctb_register_native_loop("shim/overhead/native");
	ctb_register("shim/overhead/shim", shim_loop, NULL, NULL);
}
