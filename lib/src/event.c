/*
 * event.c — ct_event: flag + generation under a ct_mutex, ct_cond to wait.
 * Semantics and ordering are in contend/event.h.
 */
#include <errno.h>

#include <contend/event.h>

#include "internal.h"
#include "wait.h"

void ct_event_init(ct_event *e)
{
	ct_mutex_init(&e->lock);
	ct_cond_init(&e->cond);
	atomic_init(&e->flag, 0);
	e->generation = 0;
}

void ct_event_destroy(ct_event *e)
{
	ct_cond_destroy(&e->cond);
	ct_mutex_destroy(&e->lock);
}

void ct_event_set(ct_event *e)
{
	ct_mutex_lock(&e->lock);
	if (!atomic_load_explicit(&e->flag, memory_order_relaxed)) {
		/* Release: what the setter wrote before set() is visible to a
		 * thread whose acquire load sees the flag. */
		atomic_store_explicit(&e->flag, 1, memory_order_release);
		e->generation++;
		ct_cond_broadcast(&e->cond);
	}
	ct_mutex_unlock(&e->lock);
}

void ct_event_clear(ct_event *e)
{
	ct_mutex_lock(&e->lock);
	atomic_store_explicit(&e->flag, 0, memory_order_relaxed);
	ct_mutex_unlock(&e->lock);
}

bool ct_event_is_set(const ct_event *e)
{
	return atomic_load_explicit(&((ct_event *)e)->flag, memory_order_acquire) != 0;
}

static bool wait_until(ct_event *e, uint64_t deadline)
{
	if (ct_event_is_set(e))
		return true;
	ct_mutex_lock(&e->lock);
	uint32_t generation = e->generation;
	bool released = false;
	for (;;) {
		/* A set since we arrived releases us even if cleared again. */
		released = atomic_load_explicit(&e->flag, memory_order_relaxed) ||
			   e->generation != generation;
		if (released)
			break;
		if (ct__cond_wait_until(&e->cond, &e->lock, deadline) == ETIMEDOUT) {
			released = atomic_load_explicit(&e->flag, memory_order_relaxed) ||
				   e->generation != generation;
			break;
		}
	}
	ct_mutex_unlock(&e->lock);
	return released;
}

void ct_event_wait(ct_event *e)
{
	wait_until(e, CT_DEADLINE_NONE);
}

bool ct_event_wait_for(ct_event *e, uint64_t timeout_ns)
{
	if (timeout_ns == 0)
		return ct_event_is_set(e);
	return wait_until(e, ct__deadline(timeout_ns));
}
