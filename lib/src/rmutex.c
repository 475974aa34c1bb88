/*
 * rmutex.c — ct_rmutex: ct_mutex plus owner id and depth.
 * Ordering notes are in contend/rmutex.h.
 */
#include <errno.h>

#include <contend/rmutex.h>

#include "internal.h"
#include "wait.h"

#ifndef CT_CHECKED
#define CT_CHECKED 0
#endif

/* The inner mutex: inline fast paths, except in checked builds, where
 * ct_mutex_lock/unlock track its owner. */
static inline void inner_lock(ct_mutex *m)
{
	if (CT_CHECKED)
		ct_mutex_lock(m);
	else
		ct__mutex_lock_inline(m);
}

static inline void inner_unlock(ct_mutex *m)
{
	if (CT_CHECKED)
		ct_mutex_unlock(m);
	else
		ct__mutex_unlock_inline(m);
}

void ct_rmutex_init(ct_rmutex *r)
{
	ct_mutex_init(&r->lock);
	atomic_init(&r->owner, 0);
	r->depth = 0;
}

void ct_rmutex_destroy(ct_rmutex *r)
{
	ct_mutex_destroy(&r->lock);
}

/* Relaxed: only this thread ever stores its own id into owner. */
static bool held_by(const ct_rmutex *r, uint32_t self)
{
	return atomic_load_explicit(&((ct_rmutex *)r)->owner, memory_order_relaxed) == self;
}

static void acquired(ct_rmutex *r, uint32_t self)
{
	atomic_store_explicit(&r->owner, self, memory_order_relaxed);
	r->depth = 1;
}

void ct_rmutex_lock(ct_rmutex *r)
{
	uint32_t self = ct__self();

	if (held_by(r, self)) {
		r->depth++;
		return;
	}
	inner_lock(&r->lock);
	acquired(r, self);
}

bool ct_rmutex_trylock(ct_rmutex *r)
{
	uint32_t self = ct__self();

	if (held_by(r, self)) {
		r->depth++;
		return true;
	}
	if (!ct_mutex_trylock(&r->lock))
		return false;
	acquired(r, self);
	return true;
}

int ct_rmutex_lock_for(ct_rmutex *r, uint64_t timeout_ns)
{
	uint32_t self = ct__self();

	if (held_by(r, self)) {
		r->depth++;
		return 0;
	}
	if (ct_mutex_lock_for(&r->lock, timeout_ns) != 0)
		return ETIMEDOUT;
	acquired(r, self);
	return 0;
}

int ct_rmutex_unlock(ct_rmutex *r)
{
	if (!held_by(r, ct__self()))
		return EPERM;
	if (--r->depth == 0) {
		atomic_store_explicit(&r->owner, 0, memory_order_relaxed);
		inner_unlock(&r->lock);	/* release: publishes depth/owner too */
	}
	return 0;
}

unsigned ct_rmutex_depth(const ct_rmutex *r)
{
	return held_by(r, ct__self()) ? r->depth : 0;
}
