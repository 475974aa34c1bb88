/*
 * impls/pool_impl.h — one operation table for thread pools with futures:
 * ct_pool and its peers, used by the benchmark family `pool`
 * (bench/wl_pool.c) and usable by tests alike.
 *
 * Objects are opaque bytes the caller allocates (aligned to a cache line):
 * `pool_size` for a pool, `future_size` for a future (at most
 * CI_POOL_FUTURE_MAX, so a task can keep one on its stack),
 * `completion_size` for a completion (as_completed).
 *
 * Rules every row follows
 * =======================
 * - init returns 0 or a positive errno; destroy runs what is queued, joins
 *   the workers, and is called only after a successful init.
 * - submit never waits for a task; it returns 0 (or EPIPE after destroy
 *   began). The future must stay valid until waited for, or returned by
 *   a completion.
 * - wait returns once the task has run, with its result.
 * - submit_to queues the future on a completion when the task finishes;
 *   next returns finished futures in completion order, ENOENT once every
 *   future submitted to the completion has been returned.
 * - no_nested: NULL if a task may submit tasks and wait for them (nested
 *   waits do not deadlock, whatever the number of workers); otherwise the
 *   reason why not, and the workloads that need it (fib) are recorded as
 *   unsupported for that row instead of run.
 *
 * Adding a pool: write impls/pool_<name>.c (or .cpp, row inside extern
 * "C") defining `const struct ci_pool_ops ci_pool_<name>`, add it to
 * POOL_ROWS in impls/pool_table.c and, with its dependency, to
 * impls/meson.build.
 */
#ifndef CI_POOL_IMPL_H
#define CI_POOL_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void *(*ci_task_fn)(void *arg);

/* Largest future of any row (bytes). */
#define CI_POOL_FUTURE_MAX 256

struct ci_pool_ops {
	const char *name;		/* implementation name, used in benchmark names */
	size_t pool_size, future_size, completion_size;
	const char *no_nested;		/* NULL: nested waits work; else why not */
	int (*init)(void *pool, unsigned workers);
	void (*destroy)(void *pool);
	int (*submit)(void *pool, void *fut, ci_task_fn fn, void *arg);
	int (*wait)(void *pool, void *fut, void **result);
	int (*completion_init)(void *c);
	void (*completion_destroy)(void *c);
	int (*submit_to)(void *pool, void *c, void *fut, ci_task_fn fn, void *arg);
	int (*next)(void *c, void **fut);		/* 0, ENOENT */
};

/* The table; entries may be NULL (a peer that was not built). */
extern const struct ci_pool_ops *const ci_pool_table[];
extern const size_t ci_pool_table_len;
extern const char *const ci_pool_names[];

/*
 * Shared by the peers that have no completion of their own: a finished
 * future is pushed on a pthread mutex + cond list. `link` points into the
 * future's own storage (the peer embeds a struct ci_cq_link).
 */
struct ci_cq_link {
	struct ci_cq_link *next;
};
struct ci_cq {
	pthread_mutex_t m;
	pthread_cond_t c;
	struct ci_cq_link *head, *tail;
	size_t outstanding;	/* submitted, not yet returned */
};
int ci_cq_init(void *c);
void ci_cq_destroy(void *c);
void ci_cq_add(void *c);			/* one more future submitted to c */
void ci_cq_cancel(void *c);			/* ... whose submit failed */
void ci_cq_push(void *c, struct ci_cq_link *l);	/* it finished */
int ci_cq_next(void *c, struct ci_cq_link **l);	/* 0, ENOENT */
/* ci_cq_next for a peer whose future starts with its struct ci_cq_link:
 * the `next` row of the table. */
int ci_cq_next_future(void *c, void **fut);

#ifdef __cplusplus
}
#endif

#endif
