/*
 * impls.h — one table of implementations per kind of primitive, shared by
 * the correctness programs (lib/tests/) and contend-bench (bench/).
 *
 * Every test and every workload reaches the primitive under test only
 * through these structs of function pointers, so contend and its peers run
 * the same code, under the same names. Objects are opaque bytes: the caller
 * allocates `obj_size` bytes (aligned to a cache line) and calls
 * init/destroy on them.
 *
 * Adding an implementation ("a peer")
 * ===================================
 * 1. Write impls/<library>.c (or .cpp, with the rows inside extern "C")
 *    defining one row per primitive, e.g.
 *        const struct ci_lock_ops ci_lock_ck_mcs = { .name = "ck_mcs", ... };
 * 2. Add the row's name to its list in impls/table.c (a weak reference,
 *    null when the file is not linked in), and the file with its
 *    dependency to the `impl_peers` list in impls/meson.build, which
 *    compiles it only when meson finds the dependency.
 * A row whose file was not built is skipped by every user and listed in
 * contend-bench's context (`impls_missing`), never a build failure.
 *
 * Rules every row follows
 * =======================
 * - init returns 0 or a positive errno; destroy is called only after a
 *   successful init and with nobody inside the object.
 * - Blocking calls may spin, park or both, as the implementation does in
 *   real use (a peer that spins is measured spinning; its cpu_per_op_ns
 *   shows it; CI_SPINS says so). Timeouts are relative nanoseconds.
 * - Return values follow contend's API (queue.h): 0, EAGAIN, ETIMEDOUT,
 *   EPIPE.
 * - `flags` tells what a row guarantees beyond that contract (CI_* below);
 *   a test that needs more skips the rows without the flag.
 */
#ifndef CI_IMPLS_H
#define CI_IMPLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Row flags. */
enum {
	/* libcontend's own row: its allocation goes through the library's
	 * fault-injection hook and its limits are the documented ones. */
	CI_OWN = 1u << 0,
	/* Blocked callers spin inside the implementation without yielding:
	 * with more threads than PUs a preempted holder stalls the others
	 * for a time slice, so tests run such rows with at most one thread
	 * per allowed PU. */
	CI_SPINS = 1u << 1,
	/* Queue: capacity() is exactly the capacity asked for (rounded up to
	 * a power of two with CI_Q_POW2). */
	CI_Q_EXACT_CAP = 1u << 2,
	CI_Q_POW2 = 1u << 3,
	/* Queue: close is linearizable with puts: once a get has returned
	 * EPIPE no put succeeds, so every item put is got. Rows without it
	 * close with a flag that a put already past its check may miss (the
	 * harness closes them only with no put in flight). */
	CI_Q_EXACT_CLOSE = 1u << 4,
	/* Queue: close wakes every caller blocked in put or get, however
	 * many (rows without it are closed only with at most one caller
	 * blocked). */
	CI_Q_CLOSE_WAKES_ALL = 1u << 5,
};

/* A mutual-exclusion lock (non-recursive). */
struct ci_lock_ops {
	const char *name;		/* implementation name, used in benchmark names */
	unsigned flags;			/* CI_* */
	size_t obj_size;		/* bytes of one lock */
	int (*init)(void *l);
	void (*destroy)(void *l);
	void (*lock)(void *l);
	void (*unlock)(void *l);
};

/* A recursive lock: the owner may lock again; unlock as often. */
struct ci_rlock_ops {
	const char *name;
	unsigned flags;
	size_t obj_size;
	int (*init)(void *l);
	void (*destroy)(void *l);
	void (*lock)(void *l);
	int (*unlock)(void *l);	/* 0, or EPERM when the caller does not hold it */
};

/* An event flag (Python's threading.Event). */
struct ci_event_ops {
	const char *name;
	unsigned flags;
	size_t obj_size;
	int (*init)(void *e);
	void (*destroy)(void *e);
	void (*set)(void *e);		/* sets the flag, wakes every waiter */
	void (*clear)(void *e);
	void (*wait)(void *e);		/* until set */
	bool (*wait_for)(void *e, uint64_t timeout_ns);	/* true = set */
};

/* A bounded multi-producer/multi-consumer queue of non-NULL pointers. */
struct ci_queue_ops {
	const char *name;
	const char *family;		/* "queue" (lock-based) or "ring" (lock-free) */
	unsigned flags;
	size_t obj_size;
	size_t max_capacity;		/* largest capacity init accepts */
	int (*init)(void *q, size_t capacity);	/* 0, EINVAL, ENOMEM */
	void (*destroy)(void *q);
	int (*put)(void *q, void *item);		/* 0, EPIPE */
	int (*try_put)(void *q, void *item);		/* 0, EAGAIN, EPIPE */
	int (*put_for)(void *q, void *item, uint64_t timeout_ns); /* 0, ETIMEDOUT, EPIPE */
	int (*get)(void *q, void **item);		/* 0, EPIPE */
	int (*try_get)(void *q, void **item);		/* 0, EAGAIN, EPIPE */
	int (*get_for)(void *q, void **item, uint64_t timeout_ns); /* 0, ETIMEDOUT, EPIPE */
	void (*close)(void *q);	/* NULL when the implementation has no close */
	size_t (*size)(const void *q);		/* items queued; NULL when not known */
	size_t (*capacity)(const void *q);	/* items it holds when full */
};

/*
 * The tables. Entries may be NULL (a peer that was not built): iterate
 * over all n and skip NULLs.
 */
extern const struct ci_lock_ops *const ci_lock_table[];
extern const size_t ci_lock_table_len;
extern const struct ci_rlock_ops *const ci_rlock_table[];
extern const size_t ci_rlock_table_len;
extern const struct ci_event_ops *const ci_event_table[];
extern const size_t ci_event_table_len;
extern const struct ci_queue_ops *const ci_queue_table[];
extern const size_t ci_queue_table_len;

/* Names of rows that are in the tables but were not built, comma-separated. */
void ci_impls_missing(char *buf, size_t len);
/* Names of rows that were built, comma-separated. */
void ci_impls_present(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
