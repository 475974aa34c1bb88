/*
 * contend/queue.h — bounded, lock-based FIFO queue (Python's queue.Queue).
 *
 * Overview
 * ========
 * ct_queue is a bounded multi-producer/multi-consumer FIFO of `void *`
 * items with the semantics of CPython's `queue.Queue(maxsize=N)`: put blocks
 * while the queue is full, get blocks while it is empty, both have a
 * non-blocking (try_) and a timed (_for) form, and task_done/join let a
 * producer wait until every item it put has been processed. close replaces
 * the sentinel-value pattern for shutting consumers down.
 *
 * Built from one ct_mutex and three ct_conds (not_full, not_empty,
 * all_tasks_done) around a circular buffer allocated by ct_queue_init. It is
 * the simple, predictable baseline; ct_ring (ring.h) is the lock-free one.
 *
 *     ct_queue q;
 *     ct_queue_init(&q, 64);
 *     producer:  ct_queue_put(&q, item);          ...  ct_queue_close(&q);
 *     consumer:  while (ct_queue_get(&q, &item) == 0) {
 *                        work(item);
 *                        ct_queue_task_done(&q);
 *                }                                // EPIPE: closed, drained
 *     owner:     ct_queue_join(&q);               // every item processed
 *
 * Guarantees
 * ==========
 * - Linearizable: every operation takes effect at one instant while it
 *   holds the mutex. Strict FIFO: items come out in the order their puts
 *   took the mutex (so each producer's items stay in its own order).
 * - Every item put (put returned 0) is returned by exactly one get, also
 *   after close: gets drain what is left, and return EPIPE only once the
 *   queue is closed *and* empty.
 * - Blocking: a blocked put/get first spins with the mutex released
 *   (bounded, as ct_ring: ~3 us of pauses, then sched_yield rounds for a
 *   per-thread budget of 20 us to 1 ms that shrinks when spinning did not
 *   pay off; a spin that saw the queue change but lost the item or slot to
 *   another thread spins on, up to 256 rounds in all), then parks (no CPU
 *   used) and is woken by the operation that
 *   makes progress possible; join parks at once. Not FIFO among waiters:
 *   an arriving thread may take a slot or an item ahead of a woken one.
 * - Thread safety: every function may be called concurrently with every
 *   other, from any thread, except _init and _destroy, which need exclusive
 *   access (no thread may be inside or blocked in a queue function).
 * - No allocation after ct_queue_init. No function sets errno or prints.
 *
 * close
 * =====
 * ct_queue_close is idempotent. It wakes every thread blocked in put or get:
 * puts (blocked or later) return EPIPE; gets return the remaining items,
 * then EPIPE. It does not release ct_queue_join: as in Python's
 * `Queue.shutdown(immediate=False)`, join still waits until task_done has
 * been called for every item put, which the consumers draining the queue
 * can still do.
 *
 * Threads that stop
 * =================
 * No ct_queue function is a cancellation point: pthread_cancel does not
 * release a thread blocked in put, get or join; the request stays pending
 * until the thread reaches a cancellation point outside the library. An
 * item changes hands when get returns 0, so a consumer that records the
 * item before its next cancellation point loses none. A consumer that
 * stops calling get mid-stream (returns, or is cancelled between calls)
 * leaves the rest to the other consumers: no item is lost. A producer that
 * stops mid-stream has put exactly the items whose puts returned 0; after
 * close, consumers get exactly those, then EPIPE. To release threads
 * blocked in put or get, close the queue. Asynchronous cancellation inside
 * a queue function is undefined (it may leave the mutex held).
 *
 * Implementation notes
 * ====================
 * All fields except `count` and `closed` are read and written only under
 * `lock`, so they need no atomics. `count` and `closed` are written under
 * `lock` (relaxed stores: the mutex orders them for the other lock
 * holders) and read without it, with relaxed loads, only by ct_queue_size
 * (approximate anyway) and by a blocked put/get spinning with the lock
 * released, which only stops spinning on what it sees and then re-checks
 * under the lock (a spinner is not counted in getters/putters, so a change
 * made meanwhile signalled nobody). Items live in
 * buf[(head + i) % capacity], i < count.
 *
 * The waiting counts (`getters`, `putters`, `joiners`) record how many
 * threads are blocked on each condition, and `getters_woken` and
 * `putters_woken` how many of those a signal is already on its way to: a
 * put signals not_empty only when getters > getters_woken (and so on). So
 * the uncontended path makes no cond call at all, and while a woken getter
 * is still being scheduled (~20 us on a VM), further puts do not wake it
 * again with a system call each. A waiter that returns from its wait
 * takes one off the woken count (if not zero) — even one that timed out
 * or woke spuriously, which can only make later puts wake more, never
 * fewer, than needed. A waiter always re-checks the queue under the mutex
 * after a wakeup (timed out or not) before it gives up, so a signal
 * delivered to a waiter whose timeout fires at the same moment is never
 * lost: that waiter takes the slot or item itself.
 *
 * Memory: sizeof(ct_queue) is 104 bytes on LP64, plus sizeof(void *) (8
 * bytes) per slot in the buffer allocated by ct_queue_init.
 */
#ifndef CONTEND_QUEUE_H
#define CONTEND_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <contend/api.h>
#include <contend/atomic.h>
#include <contend/cond.h>
#include <contend/mutex.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_queue {
	ct_mutex lock;		/* protects every field below but `count` reads */
	ct_cond not_empty;	/* getters wait here; signalled by put */
	ct_cond not_full;	/* putters wait here; signalled by get */
	ct_cond all_tasks_done;	/* joiners wait here; broadcast when unfinished hits 0 */
	void **buf;		/* capacity slots, allocated by ct_queue_init */
	size_t capacity;	/* fixed at init, >= 1 */
	size_t head;		/* slot of the oldest item */
	ct_atomic_size count;	/* items in buf; written under lock, read by size() */
	size_t unfinished;	/* items put minus task_done calls */
	ct_atomic_u32 closed;	/* 1 once ct_queue_close ran; written under lock */
	uint32_t getters;	/* threads blocked on not_empty */
	uint32_t putters;	/* threads blocked on not_full */
	uint32_t joiners;	/* threads blocked on all_tasks_done */
	uint32_t getters_woken;	/* getters a signal is on its way to (<= getters) */
	uint32_t putters_woken;	/* putters a signal is on its way to (<= putters) */
} ct_queue;

/* The largest capacity ct_queue_init accepts (the buffer must fit in memory). */
#define CT_QUEUE_CAPACITY_MAX ((size_t)PTRDIFF_MAX / sizeof(void *))

/*
 * Initializes an empty, open queue holding at most `capacity` items and
 * allocates its buffer. Returns 0, EINVAL (capacity is 0 or above
 * CT_QUEUE_CAPACITY_MAX) or ENOMEM (q is left uninitialized).
 */
CT_API int ct_queue_init(ct_queue *q, size_t capacity);

/* Frees the buffer. Items still queued are dropped (they are not freed). */
CT_API void ct_queue_destroy(ct_queue *q);

/*
 * Appends item, blocking while the queue is full.
 * Returns 0, or EPIPE if the queue is closed (before or while blocked).
 */
CT_API int ct_queue_put(ct_queue *q, void *item);

/* Appends item if there is room. Never blocks. Returns 0, EAGAIN (full), EPIPE (closed). */
CT_API int ct_queue_try_put(ct_queue *q, void *item);

/*
 * As ct_queue_put, waiting at most timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC; 0 = try once, UINT64_MAX = forever). Returns 0,
 * ETIMEDOUT (still full at the deadline) or EPIPE (closed).
 */
CT_API int ct_queue_put_for(ct_queue *q, void *item, uint64_t timeout_ns);

/*
 * Removes the oldest item into *item, blocking while the queue is empty.
 * Returns 0, or EPIPE once the queue is closed and empty (*item untouched).
 */
CT_API int ct_queue_get(ct_queue *q, void **item);

/* Removes the oldest item if any. Never blocks. Returns 0, EAGAIN (empty), EPIPE (closed and empty). */
CT_API int ct_queue_try_get(ct_queue *q, void **item);

/*
 * As ct_queue_get, waiting at most timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC; 0 = try once, UINT64_MAX = forever). Returns 0,
 * ETIMEDOUT (still empty at the deadline) or EPIPE (closed and empty).
 */
CT_API int ct_queue_get_for(ct_queue *q, void **item, uint64_t timeout_ns);

/* Closes the queue (idempotent) and wakes every blocked put and get. See above. */
CT_API void ct_queue_close(ct_queue *q);

/* Items in the queue: a snapshot, 0 <= size <= capacity, stale at once. */
CT_API size_t ct_queue_size(const ct_queue *q);

/* The capacity given to ct_queue_init. */
CT_API size_t ct_queue_capacity(const ct_queue *q);

/*
 * Marks one item taken by a get as processed (Python's Queue.task_done).
 * Returns 0, or EINVAL if called more times than items were put.
 */
CT_API int ct_queue_task_done(ct_queue *q);

/*
 * Blocks until task_done has been called once for every item ever put
 * (returns at once if that is already so). Not released by ct_queue_close.
 */
CT_API void ct_queue_join(ct_queue *q);

#ifdef __cplusplus
}
#endif

#endif
