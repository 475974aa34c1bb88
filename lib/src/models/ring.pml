/*
 * ring.pml — model check of the ct_ring cell-sequence + parking protocol
 * (lib/src/ring.c; the inlines in ring_ops.pml name each C statement),
 * over the futex model (futex.pml).
 *
 * Threads: NT = NP + NC threads that may park, numbered producers first
 * (0 .. NP-1), then consumers (NP .. NT-1); with CLOSE, one more thread
 * (the closer, never parks) calls ct_ring_close once, at any moment.
 *
 * - Producer p puts IPP items, p * IPP + 1 .. p * IPP + IPP, with
 *   ct_ring_put. With TIMED_PUT, producer 0 uses ct_ring_put_for until one
 *   of its puts times out; it then puts the same item again with
 *   ct_ring_put. A put that returns EPIPE ends the producer: its item was
 *   not put.
 * - Without CLOSE, each consumer calls ct_ring_get for its fixed share of
 *   the NP * IPP items (SHARE below), so every get has an item that is or
 *   will be put for it. With CLOSE, consumers call ct_ring_get until it
 *   returns EPIPE. With TIMED_GET, consumer 0 (thread NP) uses
 *   ct_ring_get_for, and when a get times out it leaves for good (if it
 *   is the only consumer: it gets again with ct_ring_get); without
 *   CLOSE the consumers then share the items by reservation instead (a
 *   consumer reserves one unit of `quota` before each get; the timed one
 *   gives its unit back when it leaves), so a wakeup the timed consumer
 *   swallowed would stay lost: the check for BUG_NO_RETRY. (A lost wakeup
 *   of a timed waiter alone is a late timeout, not a hang: the untimed
 *   threads are the ones the "no lost wakeup" check watches.)
 *
 * Run by check.sh; by hand, e.g. 2 producers, 1 consumer, capacity 1:
 *
 *   spin -a -DNT=3 -DNP=2 -DCAP=1 ring.pml && gcc -DSAFETY -DNOCLAIM -o pan pan.c && ./pan
 *   spin -a -DNT=3 -DNP=2 -DCAP=1 ring.pml && gcc -o pan pan.c && ./pan -a -f
 *
 * Properties
 * - No item lost or duplicated: a get asserts that the item it read is a
 *   real one (not 0: never written) and that no get returned it before
 *   (`got`); at the end every item is got exactly as often as it was put
 *   (`putok`: 1 if its put returned 0, 0 if the put failed with EPIPE).
 * - EPIPE only after drain: ring_get_once asserts, in the step that
 *   decides EPIPE, that head == tail (every claimed position taken).
 * - FIFO by slot: the head CAS that claims a position for a get asserts
 *   that the item in the slot comes after every item of the same producer
 *   claimed before (`lastc`), so each producer's items come out in the
 *   order it put them.
 * - No lost wakeup: the `init` monitor asserts, when no statement of any
 *   thread can run (spin's `timeout`), that every thread finished: nobody
 *   is parked for ever while an item it could take (every get of a
 *   consumer has an item that is or will be put for it, see above) or a
 *   slot it could fill exists; the safety run's invalid-end-state check
 *   says the same.
 * - Progress: LTL `terminates`, <> (every thread finished), under weak
 *   fairness (pan -a -f): no livelock either.
 * - At the end: the eventcounts have no waiters, nobody is parked, and
 *   without CLOSE every item was put (tail == NP * IPP).
 *
 * Not checked here: ct_ring_size, try_put/try_get as separate calls (they
 * are the first try of ring_wait plus its notification, see ring_ops.pml).
 */
#ifndef NT
#define NT 3
#endif
#ifndef NP
#define NP 1		/* producers; consumers: NT - NP */
#endif
#ifndef IPP		/* items per producer: 2 items in all by default */
#if NP > 1
#define IPP 1
#else
#define IPP 2
#endif
#endif
#ifndef CLOSE
#define CLOSE 0		/* a closer thread races with everyone */
#endif
#ifndef TIMED_PUT
#define TIMED_PUT 0	/* producer 0 uses ct_ring_put_for */
#endif
#ifndef TIMED_GET
#define TIMED_GET 0	/* consumer 0 uses ct_ring_get_for */
#endif

#define NC (NT - NP)
#define TOTAL (NP * IPP)
#define NPROC (NT + CLOSE)
/* without CLOSE or TIMED_GET, consumer c (thread NP + c) gets a fixed
 * share: TOTAL / NC, one more for the first TOTAL % NC consumers */
#define SHARE(t) (TOTAL / NC + (((t) - NP) < TOTAL % NC -> 1 : 0))

bit got[TOTAL + 1];	/* ghost: item i returned by a get */
bit putok[TOTAL + 1];	/* ghost: the put of item i returned 0 */

byte lastc[NP];		/* ghost: the last item of producer p claimed by a get */

/* ghost updates done in the step that decides them (ring_ops.pml) */
#define RING_PUT_OK	putok[item] = 1
#define CLAIMED		citem[pos % CAP]
#define RING_GET_CLAIM	assert(CLAIMED > lastc[(CLAIMED - 1) / IPP]);	/* FIFO */ \
			lastc[(CLAIMED - 1) / IPP] = CLAIMED
#define RING_GOT_ITEM	assert(item != 0 && got[item] == 0); got[item] = 1	/* no duplicate */

#include "ring_ops.pml"

byte quota = TOTAL;	/* ghost: items not yet reserved (TIMED_GET, no CLOSE) */
bool tres;		/* ghost: the timed consumer holds a reservation */
byte done;		/* threads finished */

ltl terminates { <> (done == NPROC) }

proctype producer(byte me)
{
	byte pos, rc, key, wret, item, k;
	bool pc, nw, reg, expired, timed = (TIMED_PUT && me == 0);

	do
	:: k < IPP ->
		item = me * IPP + k + 1;
		ring_wait(PUT, NF);		/* ct_ring_put / ct_ring_put_for */
		if
		:: rc == OK -> k++		/* putok[item] set at the publish */
		:: rc == EPIPE -> break		/* closed: this item was not put */
		:: rc == ETIMEDOUT -> timed = false	/* again, with ct_ring_put */
		fi;
		rc = OK
	:: else -> break
	od;
	item = 0;
	k = 0;
	done++
}

proctype consumer(byte me)
{
	byte pos, rc, key, wret, item, n;
	bool pc, nw, reg, expired, timed = (TIMED_GET && me == NP);

	do
#if CLOSE
	:: ring_wait(GET, NE);			/* ct_ring_get / ct_ring_get_for */
#elif TIMED_GET
	:: atomic { quota > 0 -> quota--; tres = tres || timed };	/* reserve one item */
		ring_wait(GET, NE);		/* ct_ring_get / ct_ring_get_for */
#else
	:: n < SHARE(me) ->			/* this consumer's share of the items */
		ring_wait(GET, NE);		/* ct_ring_get */
		n++;
#endif
		if
		:: rc == OK ->			/* got[item] set at the read */
			atomic { item = 0; tres = tres && !timed }
		:: rc == ETIMEDOUT && NC > 1 ->	/* gives up and leaves */
			atomic { quota = quota + (1 - CLOSE); tres = false };
			break
		:: rc == ETIMEDOUT && NC == 1 ->	/* the only consumer: again, with ct_ring_get */
			atomic { quota = quota + (1 - CLOSE); tres = false; timed = false }
		:: rc == EPIPE -> break		/* closed and drained */
		fi;
		rc = OK
#if !CLOSE && TIMED_GET
	:: atomic { quota == 0 && !tres } -> break	/* all reserved, none can come back */
#elif !CLOSE
	:: else -> break
#endif
	od;
	rc = OK;
	n = 0;
	done++
}

proctype closer()
{
	bool pc;

	ring_close();				/* ct_ring_close */
	done++
}

init {
	byte t;

	atomic {
		ring_init();
		do
		:: t < NP -> run producer(t); t++
		:: t >= NP && t < NT -> run consumer(t); t++
		:: else -> break
		od;
#if CLOSE
		run closer();
#endif
		t = 0
	}
	if
	:: done == NPROC ->
		d_step {
			do
			:: t < TOTAL ->
				t++;
				assert(got[t] == putok[t])	/* no item lost or duplicated */
			:: else -> break
			od
		};
		assert(ecwait[NE] == 0 && ecwait[NF] == 0);
		assert(head == tail && (CLOSE || tail == TOTAL))
	:: timeout ->
		/* nothing can move and not everyone finished: somebody is
		 * parked while the item / the slot it waits for is there */
		assert(done == NPROC)	/* lost wakeup */
	fi
}
