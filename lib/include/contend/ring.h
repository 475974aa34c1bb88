/*
 * contend/ring.h — lock-free bounded MPMC ring that parks blocked callers.
 *
 * Overview
 * ========
 * ct_ring is a bounded multi-producer/multi-consumer FIFO of `void *` items
 * with the same API and close semantics as ct_queue (minus task_done/join),
 * built as an array ring with a sequence number per slot (Dmitry Vyukov's
 * bounded MPMC queue). A put or get that finds room or an item costs one
 * compare-and-swap on a shared index plus one store to the slot, and takes
 * no lock. A put on a full ring or a get on an empty one spins briefly
 * (bounded), then parks (Linux futex, or the portable parking lot) on an
 * eventcount until a get or a put makes progress possible, so blocked
 * callers use no CPU. The capacity is rounded up to a power of two.
 *
 *     ct_ring r;
 *     ct_ring_init(&r, 1000);          // capacity 1024
 *     producer:  ct_ring_put(&r, item);  ...  ct_ring_close(&r);
 *     consumer:  while (ct_ring_get(&r, &item) == 0)
 *                        work(item);     // EPIPE: closed and drained
 *
 * Guarantees
 * ==========
 * - Every item put (put returned 0) is returned by exactly one get, also
 *   after close: gets drain what is left and return EPIPE only once the
 *   ring is closed *and* every put that succeeded has been taken.
 * - FIFO by slot: items come out in the order their puts claimed a slot, so
 *   each producer's items stay in its own order. A put that has claimed a
 *   slot but not yet filled it holds up the gets behind it (they wait;
 *   try_get returns EAGAIN even if later slots are already filled). So the
 *   ring is not linearizable in the strict sense, and it is lock-free for
 *   each side only as long as no claimer is suspended mid-operation (as
 *   every array ring of this kind).
 * - try_put/try_get never block or spin; EAGAIN means "full"/"empty" as
 *   seen by that attempt.
 * - Blocking: a blocked caller spins (bounded: ~3 us of pauses, then
 *   sched_yield rounds for a per-thread budget of 20 us to 1 ms that
 *   shrinks when spinning did not pay off, and starts over while the other
 *   side keeps moving, up to 256 rounds), then parks; wakeups are never
 *   lost (see the protocol below). Not FIFO among waiters.
 * - Thread safety: every function may be called concurrently with every
 *   other, from any thread, except _init and _destroy, which need exclusive
 *   access (no thread inside or blocked in a ring function).
 * - No allocation after ct_ring_init. No function sets errno or prints.
 *
 * Threads that stop
 * =================
 * No ct_ring function is a cancellation point: pthread_cancel does not
 * release a thread blocked in put or get; the request stays pending until
 * the thread reaches a cancellation point outside the library. An item
 * changes hands when get returns 0, so a consumer that records the item
 * before its next cancellation point loses none. A consumer that stops
 * calling get mid-stream (returns, or is cancelled between calls) leaves
 * the rest to the other consumers: no item is lost. A producer that stops
 * mid-stream has put exactly the items whose puts returned 0; after close,
 * consumers get exactly those, then EPIPE. To release threads blocked in
 * put or get, close the ring. Asynchronous cancellation inside a ring
 * function is undefined: a put stopped between claiming and filling its
 * slot would hold up every get behind it forever.
 *
 * Implementation notes
 * ====================
 * Slots. cells[i] holds `seq` and `item`. With cap = mask + 1 slots, slot i
 * serves positions i, i + cap, i + 2 cap, ... and its seq says whose turn
 * it is:
 *
 *   seq == 2p       the slot is free for the put claiming position p
 *   seq == 2p + 1   the slot holds the item put at position p
 *
 * (Vyukov uses p and p + 1; doubling keeps "holds the item of p" apart
 * from "free for p + cap" when cap is 1.) `tail` is the next position to
 * put (plus CT_RING_CLOSED once closed), `head` the next position to get;
 * both only grow (2^63 puts, centuries, before a wrap). A put reads
 * cells[tail & mask].seq: equal to 2 tail, it claims the position by CAS
 * tail -> tail + 1, writes the item and publishes it with seq = 2 tail + 1;
 * below that, the slot still holds the item put one lap earlier: the ring
 * is full. A get mirrors this with head and seq == 2 head + 1, then sets
 * seq = 2 (head + cap) to hand the slot to the put one lap later. `item`
 * is a plain field: its write happens-before its read through the seq
 * store/load pair, and the read happens-before the next lap's write.
 *
 * Closing. ct_ring_close sets CT_RING_CLOSED in `tail` (atomic OR), so no
 * put can claim a position afterwards (its CAS from the flag-less value
 * fails) and the final tail T is fixed. A get at position head returns
 * EPIPE only if the flag is set and head == T; if head < T the put of that
 * position has claimed it and will publish, so the get waits for it.
 * Before the OR, close sets `closed`, a copy of the flag on the read-only
 * cache line: consumers look there first and read `tail` (the producers'
 * hot line) only once it is set, so a get that finds the ring empty, or
 * that passes the baton, does not take tail's line from the producer.
 * A get that reads `closed` clear comes before close's store in the total
 * order, hence before close's wake-all: if it then parks, that wake
 * reaches it; a drain that it skipped is close's own wake.
 *
 * Memory ordering. Every ring atomic is memory_order_seq_cst except each
 * operation's one slot store (publish or free), a release store. The
 * parking protocol is a store-buffer (Dekker) pattern between "publish an
 * item, then look for parked consumers" and "register as parked, then
 * look for an item"; a full barrier after the release store would cost
 * every put and get a locked instruction (an xchg on x86-64: 1.7x
 * ck_ring's CPU per put+get, uncontended). Instead the barrier is
 * asymmetric: the notifier has only a compiler fence there, and a thread
 * that registers to park runs membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)
 * (a full barrier on every CPU running one of the process's threads)
 * between its `waiters++` and its re-check, so either the notifier's load
 * sees the registration or the re-check sees the store. Where membarrier
 * cannot be registered (other kernels, seccomp, the portable backend),
 * notifiers use a full fence instead. A notify that finds a parker runs a
 * full fence before it reads the eventcount (see SIGNALED below).
 * ring.pml models the delayed store (x86-TSO store buffers) and the
 * membarrier, with a seeded bug without the latter.
 *
 * Parking protocol (consumers; producers mirror it with "room" for "item",
 * not_full for not_empty, tail for head). Each side has an eventcount:
 * `seq` (the futex word: an epoch in steps of 2, bumped by every notify
 * that wakes, plus bit 0, SIGNALED) and `waiters` (threads
 * registered to park).
 *
 *   wait:    spin (tries); then waiters++; key = seq; if key has the
 *            SIGNALED bit, clear it; try again; if that fails,
 *            ct__wait(&seq, key, deadline); clear SIGNALED if set;
 *            waiters--; repeat from the top (so a thread that was woken, or
 *            timed out, always tries once more before it gives up).
 *   notify:  after every successful put: if not_empty.waiters > 0 and
 *            SIGNALED is clear: seq += 2 with SIGNALED set (one CAS), wake
 *            1 (a get likewise notifies not_full). SIGNALED set means a
 *            wake is on its way that no waiter has seen yet: the thread it
 *            woke (or the next to register) clears it and tries again, so
 *            further notifies until then make no system call.
 *   baton:   after every successful get: if not_empty.waiters > 0 and the
 *            slot now at head already holds an item: notify (as above);
 *            if the ring is closed and now drained: seq += 2, wake all.
 *   close:   set the flag, then seq += 2 and wake all, on both sides.
 *
 * Why no wakeup is lost. Say consumer C registered, read its key and failed
 * its try. An item becomes gettable in one of two ways: a put fills the
 * slot at head, or a get moves head onto a slot that was already filled
 * (its producer notified while an earlier slot was claimed but still
 * empty, so the consumer it woke found nothing and parked again). Take the
 * publishing store (as seen once the asymmetric barrier above orders it),
 * or the head CAS, in the total order of seq_cst operations. If it comes before C's `waiters++`, C's try (after it) sees
 * the item. If after, the put's (or the baton's) load of `waiters` sees C
 * and notifies: if the bump follows C's key read, ct__wait does not sleep
 * or is woken; if C's key read already saw the bump, C's try (after it)
 * saw the item. A notify wakes one parked thread, maybe not C; but a
 * woken thread always tries again, and if it finds nothing, a get took
 * the item and passed the baton (or the next slot is not filled yet, and
 * its put will notify). A notify that finds SIGNALED set (the CAS
 * after its waiters load) skips: a thread clears SIGNALED only after it
 * saw the bump that set it, then tries again, so that try comes after the
 * skipped notify's progress in the total order and takes it, or takes an
 * earlier item and passes the baton; a bump that found no sleeper leaves
 * SIGNALED for the next registering waiter to clear (a notify does nothing
 * while waiters == 0 anyway). lib/src/models/ring.pml checks this with a
 * seeded bug (a woken waiter that does not clear it). A timed waiter whose deadline passes as it is
 * woken still tries once more, so it cannot swallow the wakeup. Close
 * wakes everyone; a get still waiting for a put that claimed its slot
 * before the close parks again, and the get that takes the last item of a
 * closed ring wakes everyone for EPIPE. With nobody parked, waiters == 0
 * and put/get make no system call.
 *
 * Memory: sizeof(ct_ring) is 4 * CT_CACHE_LINE = 256 bytes (the read-only
 * fields and `closed`, tail, head and the two eventcounts each on their own cache
 * line), plus CT_RING_SLOT_SIZE = 16 bytes per slot (seq + item), allocated
 * by ct_ring_init.
 */
#ifndef CONTEND_RING_H
#define CONTEND_RING_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <contend/api.h>
#include <contend/atomic.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One slot: seq says whose turn it is (see above), item is the payload. */
typedef struct ct_ring_cell {
	ct_atomic_u64 seq;
#ifdef CT_RELACY
	ct_rl_plain<void *> item;	/* Relacy build: accesses checked for races */
#else
	void *item;
#endif
} ct_ring_cell;

/* An eventcount: threads park on `seq` while `waiters` counts them. */
typedef struct ct_ring_ec {
	ct_atomic_u32 seq;	/* futex word: epoch (+2 per notify) | SIGNALED (bit 0) */
	ct_atomic_u32 waiters;	/* threads between registering and leaving */
} ct_ring_ec;

typedef struct ct_ring {
	/* Set by init, then only read. */
	ct_ring_cell *cells;	/* mask + 1 slots */
	uint64_t mask;		/* capacity - 1; capacity is a power of two */
	/* 1 once closed (set by close before the flag in tail), read by gets
	 * before they read tail: written once, so this line stays shared. */
	ct_atomic_u32 closed;
	char pad0[CT_CACHE_LINE - sizeof(ct_ring_cell *) - sizeof(uint64_t) - sizeof(uint32_t)];
	/* Next position to put, | CT_RING_CLOSED once closed. Only grows:
	 * producers CAS it +1 (never once the flag is set), close ORs the flag. */
	ct_atomic_u64 tail;
	char pad1[CT_CACHE_LINE - sizeof(uint64_t)];
	/* Next position to get; head <= tail. Consumers CAS it +1. */
	ct_atomic_u64 head;
	char pad2[CT_CACHE_LINE - sizeof(uint64_t)];
	/* Read (waiters) by every operation; written only by threads that
	 * park (waiters) and by notifies, which happen only when they do. */
	ct_ring_ec not_empty;	/* consumers park here */
	ct_ring_ec not_full;	/* producers park here */
	char pad3[CT_CACHE_LINE - 2 * 2 * sizeof(uint32_t)];	/* 2 ct_ring_ec */
} ct_ring;

/* The bit of `tail` that marks a closed ring (positions stay below it). */
#define CT_RING_CLOSED ((uint64_t)1 << 63)

/* Bytes per slot. */
#define CT_RING_SLOT_SIZE 16

/* The largest capacity accepted: a power of two whose slots fit in half the address space. */
#define CT_RING_CAPACITY_MAX \
	(((size_t)1 << (sizeof(size_t) * CHAR_BIT - 1)) / CT_RING_SLOT_SIZE)

/*
 * Initializes an empty, open ring with room for `capacity` items rounded up
 * to a power of two, and allocates its slots. Returns 0, EINVAL (capacity
 * is 0 or above CT_RING_CAPACITY_MAX) or ENOMEM (r is left uninitialized).
 */
CT_API int ct_ring_init(ct_ring *r, size_t capacity);

/* Frees the slots. Items still in the ring are dropped (not freed). */
CT_API void ct_ring_destroy(ct_ring *r);

/*
 * Appends item, blocking (spin, then park) while the ring is full.
 * Returns 0, or EPIPE if the ring is closed (before or while blocked).
 */
CT_API int ct_ring_put(ct_ring *r, void *item);

/* Appends item if there is room. Never blocks. Returns 0, EAGAIN (full), EPIPE (closed). */
CT_API int ct_ring_try_put(ct_ring *r, void *item);

/*
 * As ct_ring_put, waiting at most timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC; 0 = try once, UINT64_MAX = forever). Returns 0,
 * ETIMEDOUT (still full at the deadline) or EPIPE (closed).
 */
CT_API int ct_ring_put_for(ct_ring *r, void *item, uint64_t timeout_ns);

/*
 * Removes the oldest item into *item, blocking (spin, then park) while the
 * ring is empty. Returns 0, or EPIPE once the ring is closed and drained
 * (*item untouched).
 */
CT_API int ct_ring_get(ct_ring *r, void **item);

/*
 * Removes the oldest item if it is there. Never blocks. Returns 0, EAGAIN
 * (empty, or the oldest slot is claimed by a put still filling it) or EPIPE
 * (closed and drained).
 */
CT_API int ct_ring_try_get(ct_ring *r, void **item);

/*
 * As ct_ring_get, waiting at most timeout_ns nanoseconds (relative,
 * CLOCK_MONOTONIC; 0 = try once, UINT64_MAX = forever). Returns 0,
 * ETIMEDOUT (nothing to get by the deadline) or EPIPE (closed and drained).
 */
CT_API int ct_ring_get_for(ct_ring *r, void **item, uint64_t timeout_ns);

/* Closes the ring (idempotent) and wakes every blocked put and get. See above. */
CT_API void ct_ring_close(ct_ring *r);

/*
 * Items in the ring (claimed by puts and not yet taken by gets): a snapshot,
 * 0 <= size <= capacity, stale at once.
 */
CT_API size_t ct_ring_size(const ct_ring *r);

/* The real capacity: the one asked for, rounded up to a power of two. */
CT_API size_t ct_ring_capacity(const ct_ring *r);

#ifdef __cplusplus
}
#endif

#endif
