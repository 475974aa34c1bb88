/*
 * contend/pool.h — a thread pool with futures (Python's ThreadPoolExecutor).
 *
 * Overview
 * ========
 * ct_pool runs tasks (`void *fn(void *arg)`) on a fixed set of worker
 * threads. ct_pool_submit queues a task and returns at once; the caller's
 * ct_future is the task's node in the queue, so submitting never blocks and
 * never allocates. The future then tells whether the task finished
 * (ct_future_done), lets the caller cancel it while it is still queued
 * (ct_future_cancel) and returns its result (ct_future_wait). A
 * ct_completion collects futures in the order they finish (Python's
 * as_completed); ct_pool_map runs a function over an array.
 *
 *     ct_pool p;
 *     ct_future f;
 *     void *r;
 *     ct_pool_init(&p, 0);                       // one worker per allowed CPU
 *     ct_pool_submit(&p, &f, work, arg);
 *     if (ct_future_wait(&f, &r) == 0) use(r);   // ECANCELED: cancelled
 *     ct_pool_destroy(&p);                       // waits for queued tasks
 *
 * Guarantees
 * ==========
 * - Every task whose submit returned 0 runs exactly once, unless it is
 *   cancelled first (ct_future_cancel returned true, or shutdown with
 *   cancel_pending while it was still queued); then it never runs.
 *   Workers start tasks in submission order (one FIFO queue), except that
 *   a waiter may run the task it waits for ahead of older ones (below);
 *   tasks finish in any order.
 * - ct_future_wait returns once the task has returned (0, *result = its
 *   return value) or was cancelled (ECANCELED). ct_future_wait on a task
 *   that no worker has started yet runs it in the waiting thread (so a
 *   task may run on the thread that waits for it, not only on a worker);
 *   ct_future_wait_for never does (it could not keep its timeout). What
 *   the task wrote happens before the return of a wait (or a ct_future_done that returns true, or
 *   a ct_completion_next that returns the future) that observes it done.
 *   Everything the submitter wrote before ct_pool_submit happens before the
 *   task starts.
 * - Nested waits: ct_future_wait (and _wait_for) called by a worker of the
 *   future's own pool runs other queued tasks while the future is not done,
 *   so tasks that submit tasks and wait for them (fork-join, recursive
 *   divide and conquer) never deadlock, whatever the number of workers.
 *   This holds whenever a task waits only for futures submitted after it
 *   started (its children, their children); a task waiting for its own
 *   parent deadlocks, as in any pool. A task run this way runs on the
 *   waiter's stack: recursion depth grows with the nesting. A worker's
 *   ct_future_wait_for may return later than its timeout by the length of
 *   a task it ran meanwhile. Waits from threads outside the pool run no
 *   other task (at most the awaited one, above). CPython's executor
 *   deadlocks on nested waits once every worker waits.
 * - Cancellation (Python semantics): ct_future_cancel succeeds only while
 *   the task is queued; the future is then done at once, waits return
 *   ECANCELED and a completion it was submitted to returns it.
 * - Shutdown: ct_pool_shutdown(p, wait, cancel_pending) makes every later
 *   submit return EPIPE (also from inside tasks), cancels the queued tasks
 *   if cancel_pending, else lets the workers run them; with wait it returns
 *   once every worker has exited (all tasks done). Idempotent. Called by a
 *   worker of the pool it does not wait (it would wait for itself).
 * - Idle workers spin briefly (bounded; one worker per pool at a time):
 *   ~40 us of pauses, then ~120 us (when nothing else wants the CPU) of
 *   sched_yields that leave the CPU to the threads that would queue work,
 *   then park on a futex (or the portable parking lot): an idle pool uses
 *   no CPU after ~0.2 ms, and its workers are parked after at most ~0.5 ms
 *   of yields plus a time slice where busy threads share their CPU. A
 *   worker that may run on one CPU only (a pool started by a thread
 *   pinned to one CPU: the workers inherit its mask) skips the pauses, so
 *   it does not hold up the threads that share its CPU.
 * - Thread safety: every function may be called concurrently from any
 *   thread, including from tasks, except ct_pool_init/ct_pool_destroy and
 *   ct_completion_init/_destroy, which need exclusive access. A future may
 *   be waited for by several threads at once. ct_pool_destroy must not be
 *   called by a worker of the pool.
 * - Lifetimes: a future must stay valid (not freed, not resubmitted) from
 *   submit until a wait on it has returned 0 or ECANCELED or done() has
 *   returned true, or, for a future submitted to a completion, until
 *   ct_completion_next has returned it. A completion must outlive the
 *   futures submitted to it until they are returned. After that the
 *   future may be reused for another submit.
 * - Allocation: only ct_pool_init (the thread table) and ct_pool_map (a
 *   window of futures) allocate. No function sets errno or prints.
 *
 * Implementation notes
 * ====================
 * Queue: two parts, both made of the callers' futures. A submit pushes
 * its future onto the inbox, a lock-free stack (`next`; one CAS on a
 * cache line of its own, the shutdown flag in its low bit), and takes no
 * lock: a stream of submits no longer meets the workers on the pool
 * lock. Under the pool lock (a ct_mutex) a worker whose FIFO is empty
 * drains the inbox with one exchange and links its futures, oldest
 * first, at the end of a doubly linked FIFO (`prev`/`next`); `queued`
 * counts them. Every locked look for a given future (cancel, a waiter
 * taking its future back, shutdown) drains first, and a worker drains
 * when the FIFO is empty, so tasks start in submission order and cancel
 * unlinks a queued future in O(1); the pool never touches a cancelled
 * future again.
 *
 * Taking a task: the one move out of PENDING is a CAS on the future's
 * state (to RUNNING for a worker or a waiter, to CANCELLED for cancel and
 * shutdown), so a task is run or cancelled once whoever races. A worker
 * unlinks the FIFO's head, then takes it; if a waiter took it first, the
 * worker leaves it alone. A waiter that takes its future unlinks it
 * before it runs it: with one CAS on the inbox and no lock when the future
 * is still the inbox's top (no ABA: a taken future cannot be pushed
 * again, so while it is the top its `next` is what it was), else under
 * the lock. A future becomes final only once it is out of the queue, so
 * it may be reused then.
 *
 * Parking (the handshake model-checked in lib/src/models/pool.pml): an
 * idle worker first tries to become the pool's one spinner (`spinning`
 * 0 -> 1) and probes the queue for CT_POOL_SPIN pauses (~40 us), then
 * after each of CT_POOL_YIELD_SPIN sched_yields (~120 us when nothing else
 * wants the CPU); when its affinity is one CPU, only after the yields:
 * there a pause-spin only delays the submitter sharing that CPU, and a
 * woken worker that found the queue nearly empty spun its whole budget
 * before the submitter could run again (docs/performance.md, "Thread
 * pool"); then it reads the
 * futex word `wake_seq`, announces itself in `sleepers` and re-reads
 * the queue (the inbox, then `queued`), the shutdown flag and `waking`
 * before parking on the value of `wake_seq` it read. A submit pushes the
 * future and wakes one parked worker (bump `wake_seq`, futex wake) only when no
 * worker spins, some sleep, and no wake is already on its way (`waking`
 * 0 -> 1; every worker leaving the idle path clears it). A worker that
 * takes a task and sees more queued passes a wake on the same way, so a
 * submit skipped because of a wake in flight is covered, and a worker
 * stuck in a long task never holds up the others. So a stream of submits
 * costs one wake system call per worker wake-up, not one per submit. The
 * push, the drain (its exchange and its store of `queued`), the announce,
 * the token and the loads that decide are seq_cst, so either the submit
 * (or the worker that drained) sees the sleeper or the sleeper sees the
 * task (store-buffering): no task is left queued while a worker sleeps.
 *
 * Waiting: an untimed wait on a future that is still queued takes it
 * (above), out of the queue, and runs it in the waiting thread (work
 * inlining, as TBB's and .NET's waits do): the task runs exactly once either way, without the
 * wake-up of a worker in the path. Otherwise a worker of the pool runs
 * other queued tasks; then any waiter spins briefly and parks on the
 * future's state.
 *
 * Futures: `state` is a futex word: CT_FUTURE_PENDING (queued),
 * _RUNNING, _DONE, _CANCELLED in the low bits, CT_FUTURE_WAITERS (a waiter
 * may be parked: the finisher must wake) and CT_FUTURE_WAKING (the
 * finisher is still waking: the future is not released yet). The finisher
 * stores the result, moves the state to DONE (release) and, when WAITERS
 * was on, to DONE|WAKING, wakes and only then clears WAKING (release):
 * after that last store it never touches the future again, so a waiter
 * may free it as soon as it sees the final state. PENDING -> RUNNING and
 * PENDING -> CANCELLED are the one CAS of taking a task, so a cancel, a
 * worker and a waiter cannot both win; a cancel moves it to
 * CANCELLED | WAKING and unlinks it before it makes it final.
 *
 * Completions: a ct_mutex-protected FIFO of finished futures (`cnext`,
 * the queue link reused: a future is queued on its completion only once
 * it has left the pool's queue),
 * the number of futures submitted and not yet returned, and a futex word
 * bumped on every push. A finisher queues the future and moves it to its
 * final state inside the completion's lock, so ct_completion_next never
 * returns a future that is not done.
 *
 * Memory (x86-64): ct_future 64 bytes (one cache line when 64-aligned:
 * the worker that runs a task then touches one line of its submitter's),
 * ct_completion 40, ct_pool 256 (four cache lines when the pool is
 * 64-byte aligned: the submitters' inbox, the workers' lock and FIFO, the
 * idle handshake, the rest) plus one pthread_t per worker.
 */
#ifndef CONTEND_POOL_H
#define CONTEND_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <contend/api.h>
#include <contend/atomic.h>
#include <contend/mutex.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A task: returns its result, handed to ct_future_wait. */
typedef void *(*ct_task_fn)(void *arg);

struct ct_pool;
struct ct_completion;

/* One submitted task. Contents are private; caller-allocated. */
typedef struct ct_future {
	union {
		struct ct_future *next;	/* pool queue, under the pool lock */
		struct ct_future *cnext; /* once dequeued: the completion's
					  * done list, under its lock */
	};
	struct ct_future *prev;		/* pool queue, under the pool lock */
	ct_task_fn fn;
	void *arg;
	void *result;			/* written by the worker before DONE */
	struct ct_pool *pool;
	struct ct_completion *completion; /* NULL: plain submit */
	ct_atomic_u32 state;		/* CT_FUTURE_* */
	uint32_t linked;		/* in the pool's FIFO (under the pool lock) */
} ct_future;

/* ct_future.state: one of the first four, plus flag bits. */
enum {
	CT_FUTURE_PENDING = 0,		/* queued: cancel may take it */
	CT_FUTURE_RUNNING = 1,		/* dequeued by a worker */
	CT_FUTURE_DONE = 2,		/* returned; result valid */
	CT_FUTURE_CANCELLED = 3,	/* will never run */
	CT_FUTURE_STATE_MASK = 3,
	CT_FUTURE_WAITERS = 4,		/* a waiter may be parked on state */
	CT_FUTURE_WAKING = 8,		/* finisher still waking: not released */
};

/* Futures finished, in completion order (as_completed). Private contents. */
typedef struct ct_completion {
	ct_mutex lock;
	ct_atomic_u32 seq;		/* futex: bumped on every push */
	uint32_t waiters;		/* threads parked on seq (under lock) */
	ct_future *head, *tail;		/* finished, not yet returned (under lock) */
	size_t outstanding;		/* submitted, not yet returned (under lock) */
} ct_completion;

/* Padding between the pool's cache lines (none in the Relacy build). */
#ifdef CT_RELACY
#define CT_POOL_PAD_(name, n)
#else
#define CT_POOL_PAD_(name, n) char name[n];
#endif

/* The pool. Private contents; caller-allocated (64-byte aligned: its
 * parts then sit on cache lines of their own). */
typedef struct ct_pool {
	/* The submitters' line: futures submitted since the last drain, a
	 * stack through `next` (newest first), | 1 once the pool is shut. */
	ct_atomic_uptr inbox;
	CT_POOL_PAD_(pad0, CT_CACHE_LINE - sizeof(uintptr_t))
	/* The workers' line. */
	ct_mutex lock;			/* guards head, tail, the futures' links */
	ct_atomic_u32 queued;		/* futures in head..tail (written under lock) */
	ct_future *head, *tail;		/* drained futures, FIFO */
	ct_atomic_u32 shut;		/* 1 once shut down (written under lock) */
	CT_POOL_PAD_(pad1, CT_CACHE_LINE - sizeof(ct_mutex) - 2 * sizeof(uint32_t) - 2 * sizeof(void *))
	/* The idle workers' handshake. */
	ct_atomic_u32 spinning;		/* 1 while an idle worker spins */
	ct_atomic_u32 sleepers;		/* idle workers announced to park */
	ct_atomic_u32 waking;		/* 1: a wake is on its way to a worker */
	ct_atomic_u32 wake_seq;		/* futex the idle workers park on */
	CT_POOL_PAD_(pad2, CT_CACHE_LINE - 4 * sizeof(uint32_t))
	ct_atomic_u32 live;		/* workers not yet exited (futex) */
	unsigned nworkers;
	void *threads;			/* pthread_t[nworkers], NULL once joined */
} ct_pool;

/* Most workers a pool may have. */
#define CT_POOL_MAX_WORKERS 4096u

/*
 * Starts `workers` threads (0: one per CPU the calling thread may run on,
 * sched_getaffinity). Returns 0, EINVAL (more than CT_POOL_MAX_WORKERS),
 * ENOMEM (no memory for the thread table) or EAGAIN (a thread could not be
 * created; the ones already started are stopped).
 */
CT_API int ct_pool_init(ct_pool *p, unsigned workers);

/*
 * Shuts the pool down if still open (wait, no cancel: every queued task
 * runs), joins the workers and frees the thread table. Not from a worker.
 */
CT_API void ct_pool_destroy(ct_pool *p);

/*
 * Queues fn(arg) with f as its node. Returns 0, or EPIPE once the pool
 * has been shut down (f is then not queued and not done). Never blocks
 * (a CAS loop on the inbox; no lock) and never allocates.
 */
CT_API int ct_pool_submit(ct_pool *p, ct_future *f, ct_task_fn fn, void *arg);

/*
 * Runs fn(args[i]) for i < n on the pool (args may be NULL: every arg is
 * NULL) and stores the results in results[i] in order (results may be
 * NULL). Returns once all have run: 0; EPIPE if the pool is (or gets) shut
 * down, after waiting for those already submitted; ECANCELED if a
 * shutdown with cancel_pending cancelled some; ENOMEM. Allocates a window
 * of at most 1024 futures. Nested calls from a task are safe (their waits
 * help, see above).
 */
CT_API int ct_pool_map(ct_pool *p, ct_task_fn fn, void *const args[], void *results[], size_t n);

/*
 * Python's shutdown(wait, cancel_futures): later submits return EPIPE;
 * cancel_pending cancels every queued task (their futures become done,
 * ECANCELED); wait returns once every worker has exited (ignored when
 * called by a worker of p). Idempotent: a later call may still cancel or
 * wait.
 */
CT_API void ct_pool_shutdown(ct_pool *p, bool wait, bool cancel_pending);

/* Number of worker threads. */
CT_API unsigned ct_pool_workers(const ct_pool *p);

/* True once the task has finished or was cancelled (acquire; never blocks). */
CT_API bool ct_future_done(const ct_future *f);

/*
 * Cancels the task if it is still queued: returns true if it had not
 * started and never will (also when it was cancelled before), false if
 * it is running or finished.
 */
CT_API bool ct_future_cancel(ct_future *f);

/*
 * Waits for the task: 0 (*result = its return value, if result is not
 * NULL) or ECANCELED. A worker of the future's pool runs queued tasks
 * while it waits.
 */
CT_API int ct_future_wait(ct_future *f, void **result);

/*
 * As ct_future_wait, at most timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC; 0: look once): 0, ETIMEDOUT or ECANCELED.
 */
CT_API int ct_future_wait_for(ct_future *f, void **result, uint64_t timeout_ns);

/* Initializes an empty completion. Returns 0 (ENOMEM is reserved). */
CT_API int ct_completion_init(ct_completion *c);

/* Destroys a completion no future is still submitted to. */
CT_API void ct_completion_destroy(ct_completion *c);

/*
 * As ct_pool_submit; when the task finishes or is cancelled, f is queued
 * on c. Returns 0 or EPIPE (then f is not counted by c).
 */
CT_API int ct_pool_submit_to(ct_pool *p, ct_completion *c, ct_future *f, ct_task_fn fn, void *arg);

/*
 * Returns the next finished (or cancelled) future, in completion order,
 * waiting for one if needed: 0 (*f set), or ENOENT once every future
 * submitted to c has been returned (as_completed is over; a later
 * submit_to starts a new round).
 */
CT_API int ct_completion_next(ct_completion *c, ct_future **f);

/* As ct_completion_next, waiting at most timeout_ns: 0, ETIMEDOUT, ENOENT. */
CT_API int ct_completion_next_for(ct_completion *c, ct_future **f, uint64_t timeout_ns);

#ifdef __cplusplus
}
#endif

#endif
