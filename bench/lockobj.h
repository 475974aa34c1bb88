/*
 * lockobj.h — the object of the lock workloads (mutex, rmutex, counter):
 * the lock of a row of the lock or recursive-lock table (or none) on its
 * first cache line(s), then one 64-bit word on a line of its own, which
 * the workloads change under the lock.
 */
#ifndef CTB_LOCKOBJ_H
#define CTB_LOCKOBJ_H

#include <stdio.h>

#include "harness.h"
#include "impls.h"

enum ctb_lock_kind { CTB_NO_LOCK, CTB_LOCK, CTB_RLOCK };

/* Bytes of the lock part: impl is a ci_lock_ops or ci_rlock_ops row. */
static inline size_t ctb_lockobj_lock_bytes(const void *impl, enum ctb_lock_kind kind)
{
	size_t s = kind == CTB_LOCK ? ((const struct ci_lock_ops *)impl)->obj_size
		 : kind == CTB_RLOCK ? ((const struct ci_rlock_ops *)impl)->obj_size
				     : 0;
	return (s + 63) / 64 * 64;
}

static inline size_t ctb_lockobj_size(const void *impl, enum ctb_lock_kind kind)
{
	return ctb_lockobj_lock_bytes(impl, kind) + 64;
}

/* The word after the lock. */
static inline atomic_uint_fast64_t *ctb_lockobj_word(struct ctb_team *t, enum ctb_lock_kind kind)
{
	return (atomic_uint_fast64_t *)((char *)t->obj +
					ctb_lockobj_lock_bytes(t->bench->impl, kind));
}

/* Zeroes the word and inits the lock; 0, or the row's error with err set. */
static inline int ctb_lockobj_init(struct ctb_team *t, enum ctb_lock_kind kind, char *err,
				   size_t len)
{
	const void *impl = t->bench->impl;
	int rc = 0;
	atomic_store_explicit(ctb_lockobj_word(t, kind), 0, memory_order_relaxed);
	if (kind == CTB_LOCK)
		rc = ((const struct ci_lock_ops *)impl)->init(t->obj);
	else if (kind == CTB_RLOCK)
		rc = ((const struct ci_rlock_ops *)impl)->init(t->obj);
	if (rc != 0)
		snprintf(err, len, "lock init failed: error %d", rc);
	return rc;
}

/* Destroys the lock; returns the word's final value. */
static inline uint64_t ctb_lockobj_destroy(struct ctb_team *t, enum ctb_lock_kind kind)
{
	const void *impl = t->bench->impl;
	uint64_t v = atomic_load_explicit(ctb_lockobj_word(t, kind), memory_order_relaxed);
	if (kind == CTB_LOCK)
		((const struct ci_lock_ops *)impl)->destroy(t->obj);
	else if (kind == CTB_RLOCK)
		((const struct ci_rlock_ops *)impl)->destroy(t->obj);
	return v;
}

/*
 * Load, add one, store: relaxed, so an update is lost when nothing
 * excludes the other threads (no C data race; the lock, where there is
 * one, orders the accesses).
 */
static inline void ctb_racy_inc(atomic_uint_fast64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

#endif
