/*
 * contend/event.h — a one-bit event flag (Python's threading.Event).
 *
 * Overview
 * ========
 * An event is set or clear. ct_event_set sets it and wakes every thread
 * waiting for it; ct_event_clear resets it; waiters block until it is set.
 * Built on ct_mutex + ct_cond, so a broadcast to many waiters wakes them one
 * at a time through the mutex (no thundering herd), and the flag is also
 * kept in an atomic so ct_event_is_set and waits on a set event take no lock.
 *
 * Guarantees
 * ==========
 * - Every thread waiting when ct_event_set is called returns, even if the
 *   event is cleared again before it gets to run (Python semantics: a
 *   waiter released by set stays released). This is implemented with a
 *   generation counter bumped by each set.
 * - ct_event_wait_for returns the flag it observed: true if the event was
 *   set (or a set released this waiter), false on timeout.
 * - All functions may be called concurrently from any thread, except
 *   _init/_destroy.
 *
 * Implementation notes
 * ====================
 * `flag` (0/1) is written only under `lock`, with release ordering, and read
 * with acquire ordering without the lock by is_set and the fast path of the
 * waits, so data written before ct_event_set is visible to a thread that
 * sees the flag set. `generation` is written and read under `lock` only.
 * Memory: 40 bytes.
 */
#ifndef CONTEND_EVENT_H
#define CONTEND_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <contend/atomic.h>
#include <contend/cond.h>
#include <contend/mutex.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_event {
	ct_mutex lock;
	ct_cond cond;
	ct_atomic_u32 flag;	/* 1 = set */
	uint32_t generation;	/* number of set() calls that found it clear */
} ct_event;

#define CT_EVENT_INIT { CT_MUTEX_INIT, CT_COND_INIT, 0, 0 }

/* Initializes a clear event. */
void ct_event_init(ct_event *e);

/* Destroys an event nobody waits on. */
void ct_event_destroy(ct_event *e);

/* Sets the flag and wakes every waiter. */
void ct_event_set(ct_event *e);

/* Clears the flag. Waiters already released by a set are not affected. */
void ct_event_clear(ct_event *e);

/* The flag (acquire load; never blocks). */
bool ct_event_is_set(const ct_event *e);

/* Blocks until the event is set. */
void ct_event_wait(ct_event *e);

/*
 * Blocks until the event is set or timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC) pass. Returns true if set, false on timeout.
 */
bool ct_event_wait_for(ct_event *e, uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif
