/*
 * adapters.h — one table of implementations per kind of primitive.
 *
 * Every workload reaches the primitive under test only through these
 * structs of function pointers, so contend and its peers run the same code,
 * under the same names and counters. Objects are opaque bytes: the harness
 * allocates `size` bytes (aligned to a cache line, on the NUMA node of
 * worker 0) and calls init/destroy on them.
 *
 * Adding an implementation ("a peer")
 * ===================================
 * 1. Write bench/impl_<peer>.c (or .cpp, with the row inside extern "C")
 *    defining one row, e.g.
 *        const struct ctb_lock_ops ctb_lock_ck_mcs = { .name = "ck_mcs", ... };
 * 2. Add the row to the table in adapters.c (declared CTB_PEER there: a
 *    weak reference, null when the file is not linked in), and the file
 *    with its dependency to the `peer_impls` list in bench/meson.build,
 *    which compiles it only when meson finds the dependency.
 * The rows of the peers named in DESIGN are already in the tables. A row
 * whose file was not built is skipped and listed in the run's context
 * (`impls_missing`), never a build failure.
 *
 * Rules every row follows
 * =======================
 * - init returns 0 or a positive errno; destroy is called only after a
 *   successful init and with nobody inside the object.
 * - Blocking calls may spin, park or both, as the implementation does in
 *   real use (a peer that spins is measured spinning; its cpu_per_op_ns
 *   shows it). Timeouts are relative nanoseconds.
 * - Return values follow contend's API (queue.h): 0, EAGAIN, ETIMEDOUT,
 *   EPIPE.
 */
#ifndef CTB_ADAPTERS_H
#define CTB_ADAPTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A mutual-exclusion lock (non-recursive). */
struct ctb_lock_ops {
	const char *name;		/* implementation name, used in benchmark names */
	size_t size;			/* bytes of one lock */
	int (*init)(void *l);
	void (*destroy)(void *l);
	void (*lock)(void *l);
	void (*unlock)(void *l);
};

/* A recursive lock: the owner may lock again; unlock as often. */
struct ctb_rlock_ops {
	const char *name;
	size_t size;
	int (*init)(void *l);
	void (*destroy)(void *l);
	void (*lock)(void *l);
	int (*unlock)(void *l);	/* 0, or EPERM when the caller does not hold it */
};

/* An event flag (Python's threading.Event). */
struct ctb_event_ops {
	const char *name;
	size_t size;
	int (*init)(void *e);
	void (*destroy)(void *e);
	void (*set)(void *e);		/* sets the flag, wakes every waiter */
	void (*clear)(void *e);
	void (*wait)(void *e);		/* until set */
	bool (*wait_for)(void *e, uint64_t timeout_ns);	/* true = set */
};

/* A bounded multi-producer/multi-consumer queue of non-NULL pointers. */
struct ctb_queue_ops {
	const char *name;
	const char *family;		/* "queue" (lock-based) or "ring" (lock-free) */
	size_t size;
	int (*init)(void *q, size_t capacity);	/* 0, EINVAL, ENOMEM */
	void (*destroy)(void *q);
	int (*put)(void *q, void *item);		/* 0, EPIPE */
	int (*try_put)(void *q, void *item);		/* 0, EAGAIN, EPIPE */
	int (*put_for)(void *q, void *item, uint64_t timeout_ns); /* 0, ETIMEDOUT, EPIPE */
	int (*get)(void *q, void **item);		/* 0, EPIPE */
	int (*try_get)(void *q, void **item);		/* 0, EAGAIN, EPIPE */
	int (*get_for)(void *q, void **item, uint64_t timeout_ns); /* 0, ETIMEDOUT, EPIPE */
	void (*close)(void *q);	/* NULL when the implementation has no close */
};

/*
 * The tables. Entries may be NULL (a peer that was not built): iterate
 * over all n and skip NULLs.
 */
extern const struct ctb_lock_ops *const ctb_lock_table[];
extern const size_t ctb_lock_table_len;
extern const struct ctb_rlock_ops *const ctb_rlock_table[];
extern const size_t ctb_rlock_table_len;
extern const struct ctb_event_ops *const ctb_event_table[];
extern const size_t ctb_event_table_len;
extern const struct ctb_queue_ops *const ctb_queue_table[];
extern const size_t ctb_queue_table_len;

/* Names of rows that are in the tables but were not built, comma-separated. */
void ctb_impls_missing(char *buf, size_t len);
/* Names of rows that were built, comma-separated. */
void ctb_impls_present(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
