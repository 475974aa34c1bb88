/* spin.c — the per-thread yield budget of spin.h's waits. */
#include "spin.h"

_Thread_local uint32_t ct__spin_budget_ns = CT__SPIN_BUDGET_MAX;
