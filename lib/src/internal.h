/* internal.h — functions shared between the primitives' .c files. */
#ifndef CONTEND_INTERNAL_H
#define CONTEND_INTERNAL_H

#include <contend/cond.h>
#include <contend/mutex.h>

/*
 * Acquires m on the slow path, in the CONTENDED state, without spinning:
 * used by threads returning from a cond wait, which may have been requeued
 * onto m's wait queue and must keep the chain of wakeups going.
 */
void ct__mutex_relock(ct_mutex *m);

/*
 * ct_cond_wait with an absolute CLOCK_MONOTONIC deadline
 * (CT_DEADLINE_NONE: none). Returns 0 or ETIMEDOUT; m is held on return.
 */
int ct__cond_wait_until(ct_cond *c, ct_mutex *m, uint64_t deadline_ns);

#endif
