/*
 * ring.c — ct_ring: Vyukov-style bounded MPMC array ring with parking.
 *
 * See contend/ring.h for the contract, the slot sequence numbers, the
 * close flag and the parking protocol with its no-lost-wakeup argument.
 *
 * Every atomic access here is memory_order_seq_cst, on purpose: the
 * parking protocol is a store-buffer pattern ("make progress possible,
 * then read `waiters`" against "waiters++, then look for progress") whose
 * correctness needs these accesses in one total order. The comment at each
 * access names the accesses of other threads it pairs with. The Relacy
 * check rl_ring fails (data race or lost wakeup) with any of the six
 * accesses marked CT_SEEDED(RING_...) relaxed, and with the publishing
 * or the freeing store release instead of seq_cst; the others each pass
 * it alone when relaxed (docs/reliability.md says why they stay).
 *
 * Who writes what:
 *   cells[i].seq   producers (publish: 2p -> 2p + 1) and consumers
 *                  (free: 2p + 1 -> 2(p + cap)), each only after winning
 *                  the CAS on tail / head for position p
 *   cells[i].item  the producer that claimed the slot's position
 *   tail           producers (CAS +1), ct_ring_close (OR CT_RING_CLOSED)
 *   head           consumers (CAS +1)
 *   ec.waiters     parking threads (+1 before the last check, -1 after)
 *   ec.seq         notifiers and close (+1 before waking)
 */
#include <errno.h>
#include <stdbool.h>

#include <contend/ring.h>

#include "internal.h"
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
	r->cells = cells;
	r->mask = (uint64_t)cap - 1;
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
static int ring_put_once(ct_ring *r, void *item, uint64_t *pos_out)
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
				/* seq_cst (release at least): publishes item to
				 * the consumer of pos; ordered before our load of
				 * not_empty.waiters in ring_after_put. */
				atomic_store_explicit(&cell->seq, seq_full_of(pos),
						      CT_SEEDED(RING_PUB_REL, memory_order_seq_cst));
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
 * or EPIPE (closed and drained).
 */
static int ring_get_once(ct_ring *r, void **item, uint64_t *pos_out)
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
				/* seq_cst (release at least): hands the slot to
				 * the producer one lap later, after our read of
				 * item; ordered before our not_full.waiters load. */
				atomic_store_explicit(&cell->seq, seq_free_for(pos + r->mask + 1),
						      CT_SEEDED(RING_FREE_REL, memory_order_seq_cst));
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
 * Wakes n threads parked on ec. The bump is seq_cst and sequenced after
 * the caller's progress (publish / free / close): a parker whose key load
 * sees the bump then also sees that progress in its re-check; one whose
 * key is older is not put to sleep by ct__wait, or is woken here.
 */
static void ec_notify(ct_ring_ec *ec, int32_t n)
{
	atomic_fetch_add_explicit(&ec->seq, 1, memory_order_seq_cst);
	ct__wake(&ec->seq, n);
}

/* seq_cst: pairs with the parker's seq_cst waiters++ (see ring_wait). */
static inline bool ec_has_waiters(ct_ring_ec *ec)
{
	return atomic_load_explicit(&ec->waiters, CT_SEEDED(RING_NOTIFY_SC, memory_order_seq_cst)) != 0;
}

/* After a successful put at position pos. */
static void ring_after_put(ct_ring *r, uint64_t pos)
{
	/* The item at pos may be what a parked consumer waits for. */
	if (ec_has_waiters(&r->not_empty))
		ec_notify(&r->not_empty, 1);
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
			ec_notify(&r->not_full, 1);
	}
}

/* After a successful get at position pos. */
static void ring_after_get(ct_ring *r, uint64_t pos)
{
	/* The slot we freed may be what a parked producer waits for. */
	if (ec_has_waiters(&r->not_full))
		ec_notify(&r->not_full, 1);
	if (!ec_has_waiters(&r->not_empty))
		return;
	uint64_t next = pos + 1;
	/* seq_cst: pairs with close's OR (a closed ring we just drained
	 * must release every parked consumer: they return EPIPE). */
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_seq_cst);
	if ((tail & CT_RING_CLOSED) && (tail & RING_POS_MASK) <= next) {
		ec_notify(&r->not_empty, CT_WAKE_ALL);
		return;
	}
	/*
	 * Baton: head moved onto a slot that may already hold an item (its
	 * producer notified while our slot was still being filled, and the
	 * consumer it woke found nothing). seq_cst: pairs with that
	 * producer's publishing store and its not_empty.waiters load.
	 */
	uint64_t seq = atomic_load_explicit(&r->cells[next & r->mask].seq, memory_order_seq_cst);
	if (seq == seq_full_of(next))
		ec_notify(&r->not_empty, 1);
}

/* ---- blocking ---------------------------------------------------------- */

enum ring_side { RING_PUT, RING_GET };

static int ring_once(ct_ring *r, enum ring_side side, void **item, uint64_t *pos)
{
	return side == RING_PUT ? ring_put_once(r, *item, pos) : ring_get_once(r, item, pos);
}

/*
 * The blocking put/get: spin (bounded), then park on the side's eventcount
 * until the operation succeeds, the ring is closed (EPIPE) or deadline_ns
 * passes (ETIMEDOUT; CT_DEADLINE_NONE: never). For RING_PUT, *item is the
 * item to put. Notifies on success.
 */
static int ring_wait(ct_ring *r, enum ring_side side, void **item, uint64_t deadline_ns)
{
	ct_ring_ec *ec = side == RING_PUT ? &r->not_full : &r->not_empty;
	uint64_t pos = 0;
	int rc;

	for (;;) {
		/* Spin first: the first try after a wakeup is here too, so a
		 * thread that was woken always retries before it can give up
		 * or park again (it never swallows a notify). */
		for (unsigned i = 1;; i++) {
			rc = ring_once(r, side, item, &pos);
			if (rc != EAGAIN)
				goto done;
			if (i == CT_RING_SPIN)
				break;
			ct__cpu_relax();
		}
		if (deadline_ns != CT_DEADLINE_NONE && ct__now_ns() >= deadline_ns)
			return ETIMEDOUT;

		/* seq_cst: the parker's half of the store-buffer pattern; the
		 * notifier publishes then loads waiters, we register then
		 * re-check (see ec_has_waiters and ring.h). */
		atomic_fetch_add_explicit(&ec->waiters, 1, CT_SEEDED(RING_PARK_SC, memory_order_seq_cst));
		/* seq_cst: read before the re-check; a notify after it changes
		 * seq, so ct__wait below does not sleep through it. */
		uint32_t key = atomic_load_explicit(&ec->seq, memory_order_seq_cst);
		rc = ring_once(r, side, item, &pos);
		if (rc == EAGAIN)
			(void)ct__wait(&ec->seq, key, deadline_ns);
		/* seq_cst: leaving before our own notification (below) keeps
		 * us from waking for ourselves; any order would be correct. */
		atomic_fetch_sub_explicit(&ec->waiters, 1, memory_order_seq_cst);
		if (rc != EAGAIN)
			goto done;
	}
done:
	if (rc == 0) {
		if (side == RING_PUT)
			ring_after_put(r, pos);
		else
			ring_after_get(r, pos);
	}
	return rc;
}

/* ---- public API -------------------------------------------------------- */

int ct_ring_try_put(ct_ring *r, void *item)
{
	uint64_t pos;
	int rc = ring_put_once(r, item, &pos);
	if (rc == 0)
		ring_after_put(r, pos);
	return rc;
}

int ct_ring_put(ct_ring *r, void *item)
{
	return ring_wait(r, RING_PUT, &item, CT_DEADLINE_NONE);
}

int ct_ring_put_for(ct_ring *r, void *item, uint64_t timeout_ns)
{
	if (timeout_ns == 0) {
		int rc = ct_ring_try_put(r, item);
		return rc == EAGAIN ? ETIMEDOUT : rc;
	}
	return ring_wait(r, RING_PUT, &item, ct__deadline(timeout_ns));
}

int ct_ring_try_get(ct_ring *r, void **item)
{
	uint64_t pos;
	int rc = ring_get_once(r, item, &pos);
	if (rc == 0)
		ring_after_get(r, pos);
	return rc;
}

int ct_ring_get(ct_ring *r, void **item)
{
	return ring_wait(r, RING_GET, item, CT_DEADLINE_NONE);
}

int ct_ring_get_for(ct_ring *r, void **item, uint64_t timeout_ns)
{
	if (timeout_ns == 0) {
		int rc = ct_ring_try_get(r, item);
		return rc == EAGAIN ? ETIMEDOUT : rc;
	}
	return ring_wait(r, RING_GET, item, ct__deadline(timeout_ns));
}

void ct_ring_close(ct_ring *r)
{
	/* seq_cst: after this no put can claim a position (their CAS
	 * expects the flag clear), and every later re-check of a parker
	 * sees the flag. Pairs with the tail loads in the once functions. */
	uint64_t old = atomic_fetch_or_explicit(&r->tail, CT_RING_CLOSED, memory_order_seq_cst);
	if (old & CT_RING_CLOSED)
		return;	/* the first close did the wakeups */
	/* Unconditional: close is rare and terminal. Puts all fail now;
	 * gets re-check, drain, or park again until the last pending put
	 * publishes (its notify and the drain's wake-all release them). */
	ec_notify(&r->not_full, CT_WAKE_ALL);
	ec_notify(&r->not_empty, CT_WAKE_ALL);
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
