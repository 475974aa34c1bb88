/*
 * ring.c — ct_ring: Vyukov-style bounded MPMC array ring with parking.
 *
 * See contend/ring.h for the contract, the slot sequence numbers, the
 * close flag and the parking protocol with its no-lost-wakeup argument.
 *
 * Every atomic access here is memory_order_seq_cst, on purpose, except
 * the slot stores that publish and free (release): the parking protocol
 * is a store-buffer pattern ("make progress possible, then read
 * `waiters`" against "waiters++, then look for progress") whose
 * correctness needs these accesses in one total order; for the release
 * stores the asymmetric fences of wait.h (ct__fence_light /
 * ct__fence_heavy) restore it. The comment at each access names the
 * accesses of other threads it pairs with. The Relacy check rl_ring
 * (which models the asymmetric pair as two full fences, wait_relacy.h)
 * fails, with a data race or a lost wakeup, with any of the accesses
 * marked CT_SEEDED(RING_...) relaxed; docs/reliability.md says why the
 * others stay seq_cst.
 *
 * Who writes what:
 *   cells[i].seq   producers (publish: 2p -> 2p + 1) and consumers
 *                  (free: 2p + 1 -> 2(p + cap)), each only after winning
 *                  the CAS on tail / head for position p
 *   cells[i].item  the producer that claimed the slot's position
 *   tail           producers (CAS +1), ct_ring_close (OR CT_RING_CLOSED)
 *   head           consumers (CAS +1)
 *   ec.waiters     parking threads (+1 before the last check, -1 after)
 *   ec.seq         notifiers and close (epoch +2 before waking; a
 *                  notify-one also sets EC_SIGNALED), waiters (clear
 *                  EC_SIGNALED once they have seen the epoch)
 */
#include <errno.h>
#include <stdbool.h>

#include <contend/ring.h>

#include "internal.h"
#include "spin.h"
#include "wait.h"

_Static_assert(sizeof(ct_ring_cell) == CT_RING_SLOT_SIZE, "slot size");
_Static_assert(sizeof(ct_ring) == 4 * CT_CACHE_LINE, "ring layout");
_Static_assert((CT_RING_CAPACITY_MAX & (CT_RING_CAPACITY_MAX - 1)) == 0,
	       "CT_RING_CAPACITY_MAX is a power of two");

/*
 * Fault injection for tests: lib/tests builds a test-only copy of this
 * file (ring_delayed.h) with CT_RING_TEST_DELAY defined to sometimes
 * yield or sleep, which widens the windows (a slot claimed but not yet
 * filled or freed) that the parking protocol must survive. Library
 * builds leave it empty.
 */
#ifndef CT_RING_TEST_DELAY
#define CT_RING_TEST_DELAY() ((void)0)
#endif

/* The hot path inline, the blocking loop out of line (ring_op). */
#if defined(__GNUC__)
#define RING_INLINE inline __attribute__((always_inline))
#define RING_NOINLINE __attribute__((noinline))
#else
#define RING_INLINE inline
#define RING_NOINLINE
#endif

/* A spinning get looks for close at every 16th poll (and before parking). */
#define RING_CLOSE_CHECK_MASK 15u

/* A parker whose membarrier failed after registration re-checks this often. */
#define RING_UNPAIRED_PARK_NS 1000000u

static inline uint64_t ring_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The position part of `tail`. */
#define RING_POS_MASK (~CT_RING_CLOSED)

/* A slot's seq when it is free for the put of position pos. */
static inline uint64_t seq_free_for(uint64_t pos)
{
	return 2 * pos;
}

/* A slot's seq when it holds the item put at position pos. */
static inline uint64_t seq_full_of(uint64_t pos)
{
	return 2 * pos + 1;
}

/* How a slot's seq compares with the one the caller needs (wrap-safe). */
static inline int64_t seq_diff(uint64_t seq, uint64_t want)
{
	return (int64_t)(seq - want);
}

int ct_ring_init(ct_ring *r, size_t capacity)
{
	if (capacity == 0 || capacity > CT_RING_CAPACITY_MAX)
		return EINVAL;
	size_t cap = 1;
	while (cap < capacity)
		cap <<= 1;
	ct_ring_cell *cells = ct__alloc(cap * sizeof *cells);
	if (!cells)
		return ENOMEM;
	/* atomic_init: init has exclusive access; publishing r to other
	 * threads is the caller's job (thread creation, a release store). */
	for (size_t i = 0; i < cap; i++) {
		atomic_init(&cells[i].seq, seq_free_for(i));
		cells[i].item = NULL;
	}
	/* Registers membarrier once per process, before r is shared. */
	ct__fence_heavy_init();
	r->cells = cells;
	r->mask = (uint64_t)cap - 1;
	atomic_init(&r->closed, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->head, 0);
	atomic_init(&r->not_empty.seq, 0);
	atomic_init(&r->not_empty.waiters, 0);
	atomic_init(&r->not_full.seq, 0);
	atomic_init(&r->not_full.waiters, 0);
	return 0;
}

void ct_ring_destroy(ct_ring *r)
{
	ct__free(r->cells);
	r->cells = NULL;
}

/* ---- the lock-free core: one attempt, no notification ---------------- */

/*
 * Tries once to put item. Returns 0 (and the position used in *pos),
 * EAGAIN (the slot at tail still holds the item of the previous lap: full)
 * or EPIPE (closed).
 */
static RING_INLINE int ring_put_once(ct_ring *r, void *item, uint64_t *pos_out)
{
	/* seq_cst: a parked producer's re-check; pairs with the consumers'
	 * free store + not_full.waiters load (see ring_after_get). */
	uint64_t pos = atomic_load_explicit(&r->tail, memory_order_seq_cst);
	for (;;) {
		if (pos & CT_RING_CLOSED)
			return EPIPE;
		ct_ring_cell *cell = &r->cells[pos & r->mask];
		/* seq_cst (acquire at least): pairs with the consumer's store
		 * that freed the slot, so its read of the old item happens
		 * before our write of the new one. */
		uint64_t seq = atomic_load_explicit(&cell->seq, CT_SEEDED(RING_PUT_ACQ, memory_order_seq_cst));
		int64_t diff = seq_diff(seq, seq_free_for(pos));
		if (diff == 0) {
			/* seq_cst: claims position pos against the other
			 * producers; fails if close set CT_RING_CLOSED, so no
			 * position is claimed after close. On failure pos is
			 * reloaded with the current tail. */
			if (atomic_compare_exchange_weak_explicit(&r->tail, &pos, pos + 1,
								  memory_order_seq_cst,
								  memory_order_seq_cst)) {
				CT_RING_TEST_DELAY();
				cell->item = item;
				/* Release: publishes item to the consumer of pos.
				 * Ordered before our load of not_empty.waiters in
				 * ring_after_put by ct__fence_light there, paired
				 * with the parker's ct__fence_heavy. */
				atomic_store_explicit(&cell->seq, seq_full_of(pos),
						      CT_SEEDED(RING_PUB_REL, memory_order_release));
				*pos_out = pos;
				return 0;
			}
		} else if (diff < 0) {
			return EAGAIN;
		} else {
			/* Another producer took pos: look at the new tail. */
			pos = atomic_load_explicit(&r->tail, memory_order_seq_cst);
		}
	}
}

/*
 * Tries once to get an item. Returns 0 (item in *item, position in *pos),
 * EAGAIN (the slot at head is empty, or claimed by a put still filling it)
 * or EPIPE (closed and drained). With check_closed false, an empty slot is
 * EAGAIN without a look at tail: a spinning consumer polls only the slot
 * it waits for, instead of taking tail's cache line from the producer at
 * every poll; ring_wait checks for close every few polls and before it
 * parks.
 */
static RING_INLINE int ring_get_once(ct_ring *r, void **item, uint64_t *pos_out,
				    bool check_closed)
{
	/* seq_cst: a parked consumer's re-check; pairs with the baton's head
	 * CAS + not_empty.waiters load (see ring_after_get). */
	uint64_t pos = atomic_load_explicit(&r->head, memory_order_seq_cst);
	for (;;) {
		ct_ring_cell *cell = &r->cells[pos & r->mask];
		/* seq_cst (acquire at least): pairs with the producer's
		 * publishing store, making its item write visible to us. */
		uint64_t seq = atomic_load_explicit(&cell->seq, CT_SEEDED(RING_GET_ACQ, memory_order_seq_cst));
		int64_t diff = seq_diff(seq, seq_full_of(pos));
		if (diff == 0) {
			/* seq_cst: claims position pos against the other
			 * consumers; ordered before the baton's waiters load. */
			if (atomic_compare_exchange_weak_explicit(&r->head, &pos, pos + 1,
								  memory_order_seq_cst,
								  memory_order_seq_cst)) {
				*item = cell->item;
				CT_RING_TEST_DELAY();
				/* Release: hands the slot to the producer one lap
				 * later, after our read of item. Ordered before
				 * our not_full.waiters load by ct__fence_light in
				 * ring_after_get. */
				atomic_store_explicit(&cell->seq, seq_free_for(pos + r->mask + 1),
						      CT_SEEDED(RING_FREE_REL, memory_order_release));
				*pos_out = pos;
				return 0;
			}
		} else if (diff < 0) {
			/*
			 * Nothing published at pos, so head == pos still (head
			 * cannot pass an unpublished slot). seq_cst: pairs with
			 * close's OR. Closed with tail == pos: no put claimed
			 * pos and none ever will: drained. Closed with tail >
			 * pos: a put owns pos and will publish it.
			 */
			if (!check_closed)
				return EAGAIN;
			/* seq_cst: set by close before its OR; clear, the
			 * ring was open when we found pos empty (ring.h). */
			if (!atomic_load_explicit(&r->closed, memory_order_seq_cst))
				return EAGAIN;
			uint64_t tail = atomic_load_explicit(&r->tail, memory_order_seq_cst);
			if ((tail & CT_RING_CLOSED) && (tail & RING_POS_MASK) <= pos)
				return EPIPE;
			return EAGAIN;
		} else {
			/* Another consumer took pos: look at the new head. */
			pos = atomic_load_explicit(&r->head, memory_order_seq_cst);
		}
	}
}

/* ---- notification ------------------------------------------------------ */

/*
 * ec->seq is an epoch (bumped by EC_EPOCH per notify) plus the flag
 * EC_SIGNALED: "a notify-one has bumped the epoch and woken a thread, and
 * no waiter has seen that bump yet". While it is set, a notify-one does
 * nothing: the thread it woke (or a waiter that registers later) clears
 * the flag and tries the ring again, after the progress of every notify
 * that found the flag set, so it finds that progress (or a thread that
 * took it passes the baton). Without it, every put while a woken consumer
 * is still being scheduled (~20 us on a VM) made a FUTEX_WAKE system call.
 * Waiters park with the flag clear in their key.
 */
enum { EC_SIGNALED = 1u, EC_EPOCH = 2u };

/*
 * Wakes one thread parked on ec, unless a wake is already on its way.
 * The CAS is seq_cst and sequenced after the caller's progress (publish /
 * free) and its waiters load: a parker whose key load sees the new epoch
 * then also sees that progress in its re-check; one whose key is older is
 * not put to sleep by ct__wait, or is woken here.
 */
static void ec_notify_one(ct_ring_ec *ec)
{
	/*
	 * A full fence (only here, where a parker is registered): our
	 * publish / free store is a release store that may still be in the
	 * store buffer after ct__fence_light, and a skip below is only safe
	 * if the waiter that clears the flag afterwards sees that store.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	/* seq_cst: see above; a set flag means a waiter will clear it and
	 * re-check after this load (see ec_clear_signaled). */
	uint32_t s = atomic_load_explicit(&ec->seq, memory_order_seq_cst);
	do {
		if (s & EC_SIGNALED)
			return;
	} while (!atomic_compare_exchange_weak_explicit(&ec->seq, &s, (s + EC_EPOCH) | EC_SIGNALED,
							memory_order_seq_cst, memory_order_seq_cst));
	ct__wake(&ec->seq, 1);
}

/* Wakes every thread parked on ec (close, drain of a closed ring). */
static void ec_notify_all(ct_ring_ec *ec)
{
	/* seq_cst: as ec_notify_one; the flag is left as it is. */
	atomic_fetch_add_explicit(&ec->seq, EC_EPOCH, memory_order_seq_cst);
	ct__wake(&ec->seq, CT_WAKE_ALL);
}

/*
 * A waiter that has seen the epoch (its key, or its return from ct__wait)
 * clears the flag before it tries the ring again: later notifies wake
 * again. Returns the word with the flag clear. seq_cst: the clear comes
 * before the caller's re-check in the total order.
 */
static uint32_t ec_clear_signaled(ct_ring_ec *ec, uint32_t s)
{
	if (s & EC_SIGNALED)
		s = atomic_fetch_and_explicit(&ec->seq, ~(uint32_t)EC_SIGNALED,
					      memory_order_seq_cst);
	return s & ~(uint32_t)EC_SIGNALED;
}

/* seq_cst: pairs with the parker's seq_cst waiters++ (see ring_wait);
 * rl_ring passes relaxed, the fence pair orders it; kept: a plain mov on x86. */
static inline bool ec_has_waiters(ct_ring_ec *ec)
{
	return atomic_load_explicit(&ec->waiters, memory_order_seq_cst) != 0;
}

/* ring_after_put once a waiter was seen: loads the waiters again. */
static void ring_after_put_slow(ct_ring *r, uint64_t pos)
{
	/* The item at pos may be what a parked consumer waits for. */
	if (ec_has_waiters(&r->not_empty))
		ec_notify_one(&r->not_empty);
	/*
	 * Baton: if tail moved onto a slot that is already free (consumers
	 * free slots out of order), a producer parked on the slot we just
	 * filled may have been woken, found nothing, and parked again.
	 * seq_cst load: pairs with the consumers' freeing store and their
	 * not_full.waiters load, as the put/consumer pair above.
	 */
	if (ec_has_waiters(&r->not_full)) {
		uint64_t next = pos + 1;
		uint64_t seq = atomic_load_explicit(&r->cells[next & r->mask].seq,
						    memory_order_seq_cst);
		if (seq == seq_free_for(next))
			ec_notify_one(&r->not_full);
	}
}

/* ring_after_get once a waiter was seen: loads the waiters again. */
static void ring_after_get_slow(ct_ring *r, uint64_t pos)
{
	/* The slot we freed may be what a parked producer waits for. */
	if (ec_has_waiters(&r->not_full))
		ec_notify_one(&r->not_full);
	if (!ec_has_waiters(&r->not_empty))
		return;
	uint64_t next = pos + 1;
	/* seq_cst: pairs with close's store of `closed` and its OR (a closed
	 * ring we just drained must release every parked consumer: they
	 * return EPIPE). `closed` clear: close's own wake-all comes later. */
	if (atomic_load_explicit(&r->closed, memory_order_seq_cst)) {
		uint64_t tail = atomic_load_explicit(&r->tail, memory_order_seq_cst);
		if ((tail & CT_RING_CLOSED) && (tail & RING_POS_MASK) <= next) {
			ec_notify_all(&r->not_empty);
			return;
		}
	}
	/*
	 * Baton: head moved onto a slot that may already hold an item (its
	 * producer notified while our slot was still being filled, and the
	 * consumer it woke found nothing). seq_cst: pairs with that
	 * producer's publishing store and its not_empty.waiters load.
	 */
	uint64_t seq = atomic_load_explicit(&r->cells[next & r->mask].seq, memory_order_seq_cst);
	if (seq == seq_full_of(next))
		ec_notify_one(&r->not_empty);
}

/*
 * After a successful put / get at position pos. With nobody registered on
 * either side (the common case) both are two loads, inline. Otherwise the
 * _slow function runs the whole sequence, its loads again later ones:
 * loads that read 0 here are the ones the _slow function begins with, so
 * skipping it then is what it would have done.
 */
static RING_INLINE void ring_after_put(ct_ring *r, uint64_t pos)
{
	/* Our publishing store before the waiters loads (see wait.h). */
	ct__fence_light();
	if (ec_has_waiters(&r->not_empty) || ec_has_waiters(&r->not_full))
		ring_after_put_slow(r, pos);
}

static RING_INLINE void ring_after_get(ct_ring *r, uint64_t pos)
{
	/* Our freeing store before the waiters loads (see wait.h). */
	ct__fence_light();
	if (ec_has_waiters(&r->not_full) || ec_has_waiters(&r->not_empty))
		ring_after_get_slow(r, pos);
}

/* ---- blocking ---------------------------------------------------------- */

enum ring_side { RING_PUT, RING_GET };

static int ring_once(ct_ring *r, enum ring_side side, void **item, uint64_t *pos,
		     bool check_closed)
{
	return side == RING_PUT ? ring_put_once(r, *item, pos)
				: ring_get_once(r, item, pos, check_closed);
}

/* After a successful operation of side at position pos. */
static RING_INLINE void ring_after(ct_ring *r, enum ring_side side, uint64_t pos)
{
	if (side == RING_PUT)
		ring_after_put(r, pos);
	else
		ring_after_get(r, pos);
}

/*
 * One try and, on success, its notification: try_put / try_get, and the
 * first step of every put / get. side is a constant at every call, so
 * each caller keeps only its own half.
 */
static RING_INLINE int ring_try(ct_ring *r, enum ring_side side, void **item)
{
	uint64_t pos;
	int rc = ring_once(r, side, item, &pos, true);
	if (rc == 0)
		ring_after(r, side, pos);
	return rc;
}

/*
 * The blocking put/get: spin (bounded), then park on the side's eventcount
 * until the operation succeeds, the ring is closed (EPIPE) or deadline_ns
 * passes (ETIMEDOUT; CT_DEADLINE_NONE: never). For RING_PUT, *item is the
 * item to put. Notifies on success.
 */
static RING_NOINLINE int ring_wait(ct_ring *r, enum ring_side side, void **item,
				   uint64_t deadline_ns)
{
	ct_ring_ec *ec = side == RING_PUT ? &r->not_full : &r->not_empty;
	/* What the other side advances: gets free slots, puts fill them. */
	const ct_atomic_u64 *watched = side == RING_PUT ? &r->head : &r->tail;
	uint64_t pos = 0;
	int rc;

	for (;;) {
		/*
		 * Spin first (ct__spin_*: pause-spin with backoff, then yield
		 * rounds for the thread's learned budget). The first try after
		 * a wakeup is here too, so a thread that was woken always
		 * retries before it can give up or park again (it never
		 * swallows a notify).
		 */
		struct ct__spin sp;
		ct__spin_start(&sp);
		for (;;) {
			bool check_closed = (ct__spin_polls(&sp) & RING_CLOSE_CHECK_MASK) ==
					    RING_CLOSE_CHECK_MASK;
			rc = ring_once(r, side, item, &pos, check_closed);
			if (rc != EAGAIN) {
				ct__spin_done(&sp);
				goto done;
			}
			int next = ct__spin_next_watch(&sp, deadline_ns, watched);
			if (next == CT__SPIN_TIMEDOUT)
				return ETIMEDOUT;
			if (next == CT__SPIN_PARK)
				break;
		}

		/* seq_cst: the parker's half of the store-buffer pattern (see
		 * ec_has_waiters and ring.h); rl_ring passes relaxed, the fence
		 * pair orders it; kept: the same lock xadd on x86. */
		atomic_fetch_add_explicit(&ec->waiters, 1, memory_order_seq_cst);
		/* Notifiers order their publish/free store before their
		 * waiters load only with a compiler fence (ct__fence_light):
		 * the barrier on their CPUs is ours to run. */
		uint64_t park_deadline = deadline_ns;
		if (ct__fence_heavy() != 0 && ct__fence_is_asymmetric())
			park_deadline = ring_min(deadline_ns, ct__deadline(RING_UNPAIRED_PARK_NS));
		/* seq_cst: read before the re-check; a notify after it changes
		 * seq, so ct__wait below does not sleep through it. */
		uint32_t key = atomic_load_explicit(&ec->seq, memory_order_seq_cst);
		key = ec_clear_signaled(ec, key);
		rc = ring_once(r, side, item, &pos, true);
		if (rc == EAGAIN) {
			(void)ct__wait(&ec->seq, key, park_deadline);
			/* seq_cst: we may be the thread a notify woke. */
			(void)ec_clear_signaled(ec, atomic_load_explicit(&ec->seq,
									 memory_order_seq_cst));
		}
		/* seq_cst: leaving before our own notification (below) keeps
		 * us from waking for ourselves; any order would be correct. */
		atomic_fetch_sub_explicit(&ec->waiters, 1, memory_order_seq_cst);
		if (rc != EAGAIN)
			goto done;
	}
done:
	if (rc == 0)
		ring_after(r, side, pos);
	return rc;
}

/*
 * put/get that may block: one try first, inline (the uncontended case:
 * no spin state, no loop), then ring_wait, which tries again before it
 * spins or parks. timeout_ns as the _for calls (UINT64_MAX: none); the
 * deadline is computed, with a clock read, only if the try fails.
 */
static RING_INLINE int ring_op(ct_ring *r, enum ring_side side, void **item, uint64_t timeout_ns)
{
	int rc = ring_try(r, side, item);
	if (rc != EAGAIN)
		return rc;
	return ring_wait(r, side, item,
			 timeout_ns == UINT64_MAX ? CT_DEADLINE_NONE : ct__deadline(timeout_ns));
}

/* ---- public API -------------------------------------------------------- */

int ct_ring_try_put(ct_ring *r, void *item)
{
	return ring_try(r, RING_PUT, &item);
}

int ct_ring_put(ct_ring *r, void *item)
{
	return ring_op(r, RING_PUT, &item, UINT64_MAX);
}

int ct_ring_put_for(ct_ring *r, void *item, uint64_t timeout_ns)
{
	if (timeout_ns == 0) {
		int rc = ct_ring_try_put(r, item);
		return rc == EAGAIN ? ETIMEDOUT : rc;
	}
	return ring_op(r, RING_PUT, &item, timeout_ns);
}

int ct_ring_try_get(ct_ring *r, void **item)
{
	return ring_try(r, RING_GET, item);
}

int ct_ring_get(ct_ring *r, void **item)
{
	return ring_op(r, RING_GET, item, UINT64_MAX);
}

int ct_ring_get_for(ct_ring *r, void **item, uint64_t timeout_ns)
{
	if (timeout_ns == 0) {
		int rc = ct_ring_try_get(r, item);
		return rc == EAGAIN ? ETIMEDOUT : rc;
	}
	return ring_op(r, RING_GET, item, timeout_ns);
}

void ct_ring_close(ct_ring *r)
{
	/* seq_cst, before the OR: a get that reads `closed` set reads the
	 * flag in tail too; one that reads it clear is woken below. */
	atomic_store_explicit(&r->closed, 1, memory_order_seq_cst);
	/* seq_cst: after this no put can claim a position (their CAS
	 * expects the flag clear), and every later re-check of a parker
	 * sees the flag. Pairs with the tail loads in the once functions. */
	uint64_t old = atomic_fetch_or_explicit(&r->tail, CT_RING_CLOSED, memory_order_seq_cst);
	if (old & CT_RING_CLOSED)
		return;	/* the first close did the wakeups */
	/* Unconditional: close is rare and terminal. Puts all fail now;
	 * gets re-check, drain, or park again until the last pending put
	 * publishes (its notify and the drain's wake-all release them). */
	ec_notify_all(&r->not_full);
	ec_notify_all(&r->not_empty);
}

size_t ct_ring_size(const ct_ring *r)
{
	/* seq_cst loads, head first: tail only grows and head never passes
	 * it, so the tail read later is >= the head read here. Clamped
	 * anyway, and to the capacity (both may move between the loads). */
	uint64_t head = atomic_load_explicit(&r->head, memory_order_seq_cst);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_seq_cst) & RING_POS_MASK;
	if (tail <= head)
		return 0;
	uint64_t n = tail - head;
	return n > r->mask ? (size_t)r->mask + 1 : (size_t)n;
}

size_t ct_ring_capacity(const ct_ring *r)
{
	return (size_t)r->mask + 1;
}
