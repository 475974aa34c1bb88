/*
 * contend/rmutex.h — recursive (re-entrant) mutex.
 *
 * Overview
 * ========
 * The owning thread may lock a ct_rmutex again without deadlocking; it is
 * released when unlocked as many times as it was locked (Python's
 * threading.RLock). Built on ct_mutex plus an owner thread id and a depth.
 *
 * Guarantees
 * ==========
 * - Same ordering and blocking behaviour as ct_mutex for the first (outer)
 *   acquisition; nested lock/unlock by the owner touch no shared cache line
 *   other than the rmutex itself and never block.
 * - ct_rmutex_unlock by a thread that does not hold it (including on an
 *   unlocked rmutex) returns EPERM and changes nothing, in every build.
 * - All functions may be called concurrently from any thread, except
 *   _init/_destroy.
 *
 * Implementation notes
 * ====================
 * `owner` is the holder's thread id (0 = none). Only the holder writes it
 * (after acquiring `lock`, and 0 before releasing `lock`); other threads
 * read it relaxed only to compare with their own id, which can never match
 * a stale value of theirs, so relaxed ordering suffices. `depth` is read
 * and written only by the holder. Memory: 20 bytes.
 */
#ifndef CONTEND_RMUTEX_H
#define CONTEND_RMUTEX_H

#include <stdbool.h>
#include <stdint.h>
#include <contend/api.h>
#include <contend/atomic.h>
#include <contend/mutex.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_rmutex {
	ct_mutex lock;		/* held while depth > 0 */
	ct_atomic_u32 owner;	/* holder's thread id, 0 = none */
	uint32_t depth;		/* nesting depth; holder-only */
} ct_rmutex;

#define CT_RMUTEX_INIT { CT_MUTEX_INIT, 0, 0 }

CT_API void ct_rmutex_init(ct_rmutex *r);

/* Destroys an unlocked rmutex. */
CT_API void ct_rmutex_destroy(ct_rmutex *r);

/* Acquires r, or increments the depth if the caller already holds it. */
CT_API void ct_rmutex_lock(ct_rmutex *r);

/* As ct_rmutex_lock but never blocks. Returns true if acquired/nested. */
CT_API bool ct_rmutex_trylock(ct_rmutex *r);

/*
 * As ct_rmutex_lock, waiting at most timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC). Returns 0 (acquired or nested) or ETIMEDOUT.
 */
CT_API int ct_rmutex_lock_for(ct_rmutex *r, uint64_t timeout_ns);

/*
 * Decrements the caller's depth; releases r when it reaches 0.
 * Returns 0, or EPERM if the caller does not hold r (nothing changes).
 */
CT_API int ct_rmutex_unlock(ct_rmutex *r);

/* The caller's nesting depth: 0 if it does not hold r. */
CT_API unsigned ct_rmutex_depth(const ct_rmutex *r);

#ifdef __cplusplus
}
#endif

#endif
