/*
 * contend/event.h — a one-bit event flag (Python's threading.Event).
 *
 * Overview
 * ========
 * An event is set or clear. ct_event_set sets it and wakes every thread
 * waiting for it; ct_event_clear resets it; waiters block until it is set.
 * The whole event is one 32-bit word: no lock, so set, clear, is_set and a
 * wait on a set event are a load or one compare-and-swap, and a set wakes
 * all parked waiters with one system call (they run in parallel; none of
 * them has a lock to queue on afterwards).
 *
 * Guarantees
 * ==========
 * - Every thread waiting when ct_event_set is called returns, even if the
 *   event is cleared again before it gets to run (Python semantics: a
 *   waiter released by set stays released). This is implemented with a
 *   generation counter bumped by each set.
 * - ct_event_wait_for returns the flag it observed: true if the event was
 *   set (or a set released this waiter), false on timeout. It may return
 *   a few microseconds after a very short timeout (the spin below). A
 *   wait that parks never returns before its timeout, and returns after
 *   it by about the kernel's wake-up time: Linux fires a timer up to the
 *   thread's timer slack after its deadline (50 us by default, so that
 *   wakeups batch), so on Linux a timed wait asks for its deadline minus
 *   the slack and, when the timer fires early, yields until the deadline
 *   (at most one slack of CPU; the slack is read with prctl once every
 *   64 timed waits of a thread). Measured on the project's 2-PU VM after
 *   a 50 us timeout: p50 19 us late, where pthread_cond_timedwait returns
 *   70 us late (docs/performance.md, "Timed waits ask for the deadline
 *   minus the slack"). The same holds for every timed wait of the
 *   library (lock_for, cond wait_for, the queues' and the pool's
 *   timeouts); the portable backend (meson -Dwait=portable) returns up
 *   to the slack late, as pthread_cond_timedwait.
 * - Data written before ct_event_set is visible to a thread that sees the
 *   event set (is_set returning true, or a wait returning true).
 * - All functions may be called concurrently from any thread, except
 *   _init/_destroy.
 *
 * Implementation notes
 * ====================
 * `state` holds CT_EVENT_SET (bit 0), CT_EVENT_WAITERS (bit 1: a thread
 * may be parked) and a generation counter in bits 2-31 that each set
 * finding the event clear bumps (wrapping; a waiter would have to sleep
 * through 2^30 sets to miss one).
 *
 *   set:   CAS state -> (generation + 1) | SET, WAITERS cleared (release);
 *          if WAITERS was on, wake every thread parked on `state`.
 *   clear: CAS SET off (generation unchanged).
 *   wait:  load (acquire); return if SET. Else remember the generation,
 *          spin up to `event_spin` probes (meson option, default 400,
 *          ~4 us here; 0 parks at once; none when a waiter is already
 *          parked, nor beyond one spinner per CPU, counting as busy the
 *          CPUs that waiters just woken by a set are about to take) for
 *          SET or a new generation; then
 *          CAS the WAITERS bit on and park on exactly that value,
 *          re-checking after every wake-up. A set ordered before the CAS
 *          makes the CAS (or the park) fail; one ordered after it sees
 *          WAITERS and wakes: no wakeup is lost.
 *
 * Memory: 4 bytes.
 */
#ifndef CONTEND_EVENT_H
#define CONTEND_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <contend/api.h>
#include <contend/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_event {
	ct_atomic_u32 state;	/* CT_EVENT_SET | CT_EVENT_WAITERS | generation */
} ct_event;

enum {
	CT_EVENT_SET = 1,	/* the flag */
	CT_EVENT_WAITERS = 2,	/* a waiter may be parked: set must wake */
	CT_EVENT_GEN_ONE = 4,	/* the generation's lowest bit */
};

#define CT_EVENT_INIT { 0 }

/* Initializes a clear event. */
CT_API void ct_event_init(ct_event *e);

/* Destroys an event nobody waits on. */
CT_API void ct_event_destroy(ct_event *e);

/* Sets the flag and wakes every waiter. */
CT_API void ct_event_set(ct_event *e);

/* Clears the flag. Waiters already released by a set are not affected. */
CT_API void ct_event_clear(ct_event *e);

/* The flag (acquire load; never blocks). */
CT_API bool ct_event_is_set(const ct_event *e);

/* Blocks until the event is set. */
CT_API void ct_event_wait(ct_event *e);

/*
 * Blocks until the event is set or timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC) pass. Returns true if set, false on timeout.
 */
CT_API bool ct_event_wait_for(ct_event *e, uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif
