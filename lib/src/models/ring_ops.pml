/*
 * ring_ops.pml — the ct_ring protocol (lib/src/ring.c, documented in
 * lib/include/contend/ring.h) as Promela inlines over the futex model
 * (futex.pml), included by ring.pml. Each step names the C function and
 * statement (ring.c line) it stands for.
 *
 * State
 * - tail/closed are the one word r->tail: position and CT_RING_CLOSED; every
 *   access to them (load, CAS, fetch_or) is one atomic step on both.
 * - cseq[i]/citem[i] are r->cells[i].seq/.item, CAP slots (1 or 2).
 *   Positions stay small (a few items per run), so no wrap: seq_diff is a
 *   plain comparison.
 * - ecseq[s]/ecwait[s] are the eventcounts, s = NE (r->not_empty) or NF
 *   (r->not_full); threads park on futex address FA_NOT_EMPTY + s.
 *
 * Modelling notes
 * - One step per seq_cst access (load, store, CAS, RMW) and per plain
 *   access to cell->item; every ring atomic is seq_cst (ring.c), so
 *   spin's interleaving semantics is exact for them. The item write and
 *   read are separate steps between the CAS that claims a position and the
 *   seq store that publishes / frees it: the "claimed, not yet filled"
 *   window is explored.
 * - An `if` whose guards read a shared variable is one load: the guards
 *   are evaluated together in one state. Local computation and decisions
 *   ride in an `atomic` with the shared access before (or after) them, so
 *   that spin stores states only between shared accesses; never are two
 *   shared accesses in one atomic step. Ghost updates (the includer's
 *   hooks below) ride in the step that decides them.
 * - ring_wait's CT_RING_SPIN tries are one try: a failed ring_put_once /
 *   ring_get_once writes nothing, and spin may place the one try anywhere,
 *   so K failed tries reach exactly the states one does. The weak CAS's
 *   spurious failure is a failed try too (reloads the same value).
 * - The deadline of a timed call passes nondeterministically: at the
 *   deadline check (ring.c:390) spin chooses "passed" or "not yet"; a
 *   ct__wait that timed out (futex.pml) means it has passed (`expired`).
 * - ct_ring_try_put / try_get / _for(0) are ring_*_once + ring_after_*:
 *   the first try of ring_wait followed by its `done:` path. ct_ring_put /
 *   get / _for try once inline before ring_wait (ring_op): a failed try
 *   writes nothing, so that is ring_wait's first try again.
 * - ring_after_put / _get look at both waiters counts inline first and
 *   run the sequence below only if one is non-zero: two loads that read 0
 *   are the sequence's own first loads, so the early return is one of its
 *   paths, and the model's loads (one step each) cover it.
 *
 * Inlines use the including proctype's parameter `me` and locals `pos`,
 * `pc` (bool), `rc`, `key`, `wret`, `item`, `timed` (bool), `expired`
 * (bool), `reg` (bool), `nw` (bool).
 *
 * Bug switches (spin -DBUG_...), each one a plausible wrong edit:
 *   BUG_NO_BATON       ring_after_get never passes the baton to another
 *                      consumer (ring.c:343-345 dropped)
 *   BUG_EARLY_WAITERS  the put loads not_empty.waiters before its
 *                      publishing seq store (ring.c:301 moved above :154)
 *   BUG_NO_RETRY       a woken (or timed-out) waiter checks its deadline
 *                      right after ct__wait and leaves with ETIMEDOUT
 *                      without trying again (ring.c:390-391 moved below
 *                      :413)
 *   BUG_SIG_NOCLEAR    a waiter returning from ct__wait does not clear
 *                      EC_SIGNALED (ring.c:415-416 dropped): the notify
 *                      it was woken by stays "on its way", later notifies
 *                      skip, and a parked thread sleeps through an item
 *   BUG_NO_MEMBARRIER  the parker does not run ct__fence_heavy after
 *                      waiters++ (ring.c:404-406 dropped): a notifier's
 *                      release store still in its store buffer when it
 *                      loads waiters == 0 is missed by the parker's re-check
 *   BUG_CLOSE_NOWAKE   ct_ring_close sets the flag and wakes nobody
 *                      (ring.c:493-494 dropped)
 *   BUG_NO_DRAIN_WAKE  ring_after_get does not wake everyone when it
 *                      drains a closed ring (ring.c:332-335 dropped)
 *   BUG_FLAG_LATE      ct_ring_close sets r->closed after its wake-all
 *                      instead of before its OR: a get that read it clear
 *                      and skipped the drain wake, or parked, may come
 *                      after that wake-all
 */
#ifndef RING_OPS_PML
#define RING_OPS_PML

#include "futex.pml"

#ifndef CAP
#define CAP 1
#endif

#define EPIPE 3		/* beside futex.pml's OK, ETIMEDOUT, EAGAIN */

/* Ghost hooks for the includer: run in the step that publishes a put's
 * item (from then on the put returns 0), in the step that claims a
 * position for a get (the head CAS; the slot holds the item of pos) and in
 * the step that reads a get's item (the get returns it). */
#ifndef RING_PUT_OK
#define RING_PUT_OK skip
#endif
#ifndef RING_GET_CLAIM
#define RING_GET_CLAIM skip
#endif
#ifndef RING_GOT_ITEM
#define RING_GOT_ITEM skip
#endif

#define NE 0		/* r->not_empty: consumers park here */
#define NF 1		/* r->not_full: producers park here */
#define PUT 0		/* RING_PUT */
#define GET 1		/* RING_GET */

byte tail;		/* ct_ring.tail, position part */
bool closed;		/* ct_ring.tail & CT_RING_CLOSED */
bool cflag;		/* ct_ring.closed: set by close before its OR */
byte head;		/* ct_ring.head */
byte cseq[CAP];		/* cells[i].seq: 2p free for position p, 2p+1 holds its item */
byte citem[CAP];	/* cells[i].item */
byte ecseq[2];		/* not_empty.seq, not_full.seq: the futex words */
byte ecwait[2];		/* not_empty.waiters, not_full.waiters */

/*
 * Store buffers (x86-TSO) for the one store that may be delayed: a put's
 * publishing store and a get's freeing store are memory_order_release
 * (ring.c:154, :199), and only a compiler fence (ct__fence_light,
 * ring.c:299 / :323) separates them from the waiters loads that follow.
 * So the store may still sit in the thread's store buffer while it loads
 * waiters and the next cell: pcell[t] is that slot + 1 (0: empty), pval[t]
 * the value; the thread itself reads its own pending value (SEQ_OWN), the
 * others the old one. The buffer drains at any moment (DRAIN_MAYBE), at
 * the thread's next RMW (the waiters decrement, a notify's CAS or
 * fetch_add: locked instructions drain it), at the end of the call, and
 * at every parker's membarrier (ring.c:404-406, ct__fence_heavy: a full
 * barrier on every CPU running a thread of the process).
 */
byte pcell[NPROC];
byte pval[NPROC];
byte mbt;		/* membarrier_all's loop index (0 between steps) */
#define SEQ_OWN(i)	(pcell[me] == (i) + 1 -> pval[me] : cseq[i])
#define DRAIN_OWN	if \
			:: pcell[me] != 0 -> cseq[pcell[me] - 1] = pval[me]; pcell[me] = 0 \
			:: else \
			fi
#define DRAIN_MAYBE	if :: atomic { DRAIN_OWN } :: skip fi
bit ecsig[2];		/* EC_SIGNALED, bit 0 of the futex word: ecseq is the
			 * epoch above it (the word is 2 * ecseq + ecsig) */

/* ct_ring_init (ring.c:96-109): slot i free for position i */
inline ring_init()
{
	byte ri;
	do
	:: ri < CAP -> cseq[ri] = 2 * ri; ri++
	:: else -> break
	od;
	ri = 0
}

/* membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): drains every store buffer */
inline membarrier_all()
{
	atomic {
		mbt = 0;
		do
		:: mbt < NPROC ->
			if
			:: pcell[mbt] != 0 -> cseq[pcell[mbt] - 1] = pval[mbt]; pcell[mbt] = 0
			:: else
			fi;
			mbt++
		:: else -> mbt = 0; break
		od
	}
}

/*
 * ec_notify_one(ec) (ring.c:247-265). The load of seq and the CAS loop
 * are one step: the CAS only succeeds on the value just loaded, and a
 * failed CAS reloads and tests again, so the loop as a whole is "if
 * SIGNALED is set, return; else set it and bump the epoch" at the
 * instant of the successful CAS (or of the load that saw the flag).
 */
inline ec_notify_one(s)
{
	atomic { DRAIN_OWN };		/* ring.c:255: atomic_thread_fence(seq_cst) */
	if
	:: atomic { ecsig[s] -> skip }	/* ring.c:258-261: a wake is on its way */
	:: atomic { !ecsig[s] ->	/* ring.c:262: CAS seq -> (seq + 2) | SIGNALED */
		DRAIN_OWN; ecseq[s]++; ecsig[s] = 1 };
		futex_wake_one(FA_NOT_EMPTY + s)	/* ring.c:264: ct__wake(&ec->seq, 1) */
	fi
}

/* ec_notify_all(ec) (ring.c:268-273): the flag is left as it is */
inline ec_notify_all(s)
{
	ecseq[s]++;			/* ring.c:271: fetch_add(&ec->seq, 2) (callers with a
					 * pending store drain it just before: DRAIN_OWN) */
	futex_wake_all(FA_NOT_EMPTY + s)	/* ring.c:272: ct__wake(&ec->seq, CT_WAKE_ALL) */
}

/*
 * ring_wait (ring.c:365-432) for side s (PUT: producers, eventcount
 * ec = NF; GET: consumers, ec = NE), with ring_once, ring_put_once /
 * ring_get_once and ring_after_put / ring_after_get written out in it:
 * rc = OK, EPIPE or (only if `timed`) ETIMEDOUT on return. The blocking
 * ct_ring_put/get and ct_ring_put_for/get_for are this.
 *
 * Control flow is written with gotos so that each step is one access to
 * shared memory together with the local decisions that follow it (see the
 * modelling notes): `reg` says whether the thread is registered
 * (waiters++ done, ring.c:399-420), i.e. which try of ring.c's loop this
 * is, and where a try that ends goes:
 *   RW_SUCCESS(after)  return 0 from the try: done (ring.c:385-387 / :420-421)
 *   RW_EPIPE           return EPIPE from the try: the same
 *   RW_EAGAIN          return EAGAIN: the deadline check and waiters++
 *                      (ring.c:390-399), or, registered, ct__wait (:380)
 * Labels must be unique in a proctype: use ring_wait once per proctype.
 */
#define RW_SUCCESS(after) if :: reg -> goto rw_leave :: else -> goto after fi
#define RW_EPIPE	  if :: reg -> goto rw_leave :: else -> goto rw_out fi
#define RW_EAGAIN	  if :: reg -> goto rw_park :: else -> goto rw_eagain fi

inline ring_wait(s, ec)
{
	reg = false;	/* (a label may not open an inline) */
rw_try:		/* ring.c:384 / :411: rc = ring_once(...) (ring.c:352-357) */
	if
	:: atomic {		/* ring_put_once, ring.c:130: pos = load tail */
		s == PUT -> pos = tail; pc = closed; rc = EAGAIN;
		if
		:: pc -> pc = false; rc = EPIPE; RW_EPIPE	/* ring.c:132-133: closed */
		:: else
		fi
	   }
	   do
	   /* ring.c:138: load cell->seq; ring.c:139: diff vs seq_free_for(pos) */
	   :: atomic { rc == EAGAIN && cseq[pos % CAP] < 2 * pos ->	/* ring.c:158-159: full */
			RW_EAGAIN }
	   :: rc == EAGAIN && cseq[pos % CAP] > 2 * pos ->
		atomic {	/* ring.c:162: taken by another put: reload tail */
			pos = tail; pc = closed;
			if
			:: pc -> pc = false; rc = EPIPE; RW_EPIPE	/* ring.c:132-133 */
			:: else
			fi
		}
	   :: rc == EAGAIN && cseq[pos % CAP] == 2 * pos ->
		atomic {	/* ring.c:145: CAS tail pos -> pos + 1 */
			if
			:: !closed && tail == pos -> tail++; rc = OK
			:: else ->	/* CLOSED set or tail moved: pos = tail */
				pos = tail; pc = closed;
				if
				:: pc -> pc = false; rc = EPIPE; RW_EPIPE	/* ring.c:132-133 */
				:: else
				fi
			fi
		}
	   :: atomic { rc == OK -> citem[pos % CAP] = item }	/* ring.c:149: cell->item = item */
#ifdef BUG_EARLY_WAITERS
		/* BUG: ring_after_put's load of not_empty.waiters (ring.c:301)
		 * done before the publishing store */
		nw = (ecwait[NE] != 0);
#endif
		atomic {
			/* ring.c:154: store seq_full_of(pos), release: buffered */
			pcell[me] = pos % CAP + 1; pval[me] = 2 * pos + 1;
			RING_PUT_OK;			/* ghost: this put returns 0 */
			RW_SUCCESS(rw_after_put)	/* ring.c:156: return 0 */
		}
	   od
	:: atomic { s == GET -> pos = head; rc = EAGAIN }	/* ring_get_once, ring.c:180: pos = load head */
	   do
	   /* ring.c:185: load cell->seq; ring.c:186: diff vs seq_full_of(pos) */
	   :: rc == EAGAIN && cseq[pos % CAP] == 2 * pos + 1 ->
		atomic {	/* ring.c:190: CAS head pos -> pos + 1, reloading pos */
			if
			:: head == pos -> head++; rc = OK; RING_GET_CLAIM
			:: else -> pos = head
			fi
		}
	   :: rc == EAGAIN && cseq[pos % CAP] < 2 * pos + 1 ->	/* ring.c:204: diff < 0 */
		if		/* ring_get_once: load r->closed */
		:: atomic { !cflag -> RW_EAGAIN }	/* clear: EAGAIN, tail unread */
		:: cflag ->
		atomic {	/* ring.c:214: load tail */
			if
			:: closed && tail <= pos ->	/* ring.c:215-216: closed and drained */
				/* EPIPE only once closed and drained: every
				 * claimed position has been taken */
				assert(head == tail);
				rc = EPIPE; RW_EPIPE
			:: else -> RW_EAGAIN		/* ring.c:217 */
			fi
		}
		fi
	   :: rc == EAGAIN && cseq[pos % CAP] > 2 * pos + 1 ->
		pos = head		/* ring.c:220: taken by another get: reload head */
	   :: atomic {
			rc == OK ->
			item = citem[pos % CAP];	/* ring.c:193: *item = cell->item */
			RING_GOT_ITEM			/* ghost: this get returns item */
		};
		atomic {
			/* ring.c:199: store seq_free_for(pos + cap), release: buffered */
			pcell[me] = pos % CAP + 1; pval[me] = 2 * (pos + CAP);
			RW_SUCCESS(rw_after_get)	/* ring.c:202: return 0 */
		}
	   od
	fi;

rw_eagain:	/* the spin failed (not registered) */
	if	/* ring.c:390-391: the deadline has passed: return ETIMEDOUT */
	:: atomic { timed -> rc = ETIMEDOUT; expired = false; goto rw_out }
	:: atomic { !expired ->		/* not yet (or CT_DEADLINE_NONE) */
		ecwait[ec]++; reg = true }	/* ring.c:399: fetch_add(&ec->waiters, 1) */
	fi;
#ifndef BUG_NO_MEMBARRIER
	membarrier_all();		/* ring.c:404: ct__fence_heavy() */
#endif
	atomic {				/* ring.c:409: key = load ec->seq */
		key = ecseq[ec];
		if
		:: ecsig[ec] -> skip		/* ring.c:410, :283: SIGNALED: clear it */
		:: else -> goto rw_try
		fi
	};
	atomic {	/* ring.c:284-286: key = fetch_and(&ec->seq, ~SIGNALED) without it */
		key = ecseq[ec]; ecsig[ec] = 0; goto rw_try
	};

rw_park:	/* registered, the try failed: ring.c:413: ct__wait(&ec->seq, key, park_deadline) */
	futex_wait(FA_NOT_EMPTY + ec, 2 * ecseq[ec] + ecsig[ec], 2 * key, timed, wret);
#ifndef BUG_SIG_NOCLEAR
	atomic { pc = ecsig[ec] };	/* ring.c:415-416: load ec->seq: SIGNALED? */
	atomic {			/* ring.c:283-285: then fetch_and(~SIGNALED) */
		if
		:: pc -> ecsig[ec] = 0
		:: else
		fi;
		pc = false
	};
#endif
	atomic {
		ecwait[ec]--;			/* ring.c:420: fetch_sub(&ec->waiters, 1) */
		reg = false; key = 0;
		expired = expired || (wret == ETIMEDOUT); wret = OK;
#ifdef BUG_NO_RETRY
		/* BUG: the deadline is checked here, before trying again */
		if
		:: timed -> rc = ETIMEDOUT; expired = false; goto rw_out
		:: !expired
		fi;
#endif
		goto rw_try			/* ring.c:421-422: rc == EAGAIN: loop */
	};

rw_leave:	/* registered, the try returned 0 or EPIPE */
	atomic {
		DRAIN_OWN;			/* a locked RMW drains the buffer */
		ecwait[ec]--;			/* ring.c:420: fetch_sub(&ec->waiters, 1) */
		reg = false; key = 0;
		if				/* ring.c:421-422: goto done */
		:: rc == OK && s == PUT -> goto rw_after_put
		:: rc == OK && s == GET -> goto rw_after_get
		:: else -> goto rw_out
		fi
	};

rw_after_put:	/* ring.c:424-429: done, rc == 0: ring_after_put (ring.c:296-317) */
	DRAIN_MAYBE;
#ifdef BUG_EARLY_WAITERS
	if
	:: nw -> nw = false; ec_notify_one(NE)
	:: else
	fi;
#else
	if			/* ring.c:301: load not_empty.waiters != 0 */
	:: ecwait[NE] != 0 -> ec_notify_one(NE)	/* ring.c:302 */
	:: else
	fi;
#endif
	DRAIN_MAYBE;
	if			/* ring.c:310: load not_full.waiters != 0 */
	:: ecwait[NF] != 0 ->
		if		/* ring.c:312-314: load cells[pos + 1].seq == seq_free_for(pos + 1) */
		:: SEQ_OWN((pos + 1) % CAP) == 2 * (pos + 1) -> ec_notify_one(NF)	/* ring.c:315 */
		:: else
		fi
	:: else
	fi;
	goto rw_out;

rw_after_get:	/* ring.c:424-429: done, rc == 0: ring_after_get (ring.c:320-346) */
	DRAIN_MAYBE;
	if			/* ring.c:325: load not_full.waiters != 0 */
	:: ecwait[NF] != 0 -> ec_notify_one(NF)	/* ring.c:326 */
	:: else
	fi;
	DRAIN_MAYBE;
	if			/* ring.c:327: load not_empty.waiters */
	:: ecwait[NE] == 0			/* ring.c:328: return */
	:: else ->
		if		/* ring_after_get: load r->closed; set: load tail */
		:: cflag -> skip
		:: else -> goto rw_baton	/* clear: close's wake-all is to come */
		fi;
		if		/* ring.c:332: load tail; ring.c:333: closed and drained? */
		:: closed && tail <= pos + 1 ->
#ifndef BUG_NO_DRAIN_WAKE
			atomic { DRAIN_OWN };	/* the fetch_add below is locked */
			ec_notify_all(NE)	/* ring.c:334: wake all, they return EPIPE */
#else
			skip			/* BUG: nobody woken */
#endif
		:: else ->
rw_baton:
#ifndef BUG_NO_BATON
			if	/* ring.c:343-344: load cells[pos + 1].seq == seq_full_of(pos + 1) */
			:: SEQ_OWN((pos + 1) % CAP) == 2 * (pos + 1) + 1 ->
				ec_notify_one(NE)	/* ring.c:345: the baton */
			:: else
			fi
#else
			skip			/* BUG: no baton */
#endif
		fi
	fi;

rw_out:		/* ring.c:431: return rc */
	atomic { DRAIN_OWN; pos = 0 }	/* (drains in finite time) */
}

/* ct_ring_close (ring.c:482-495) */
inline ring_close()
{
#ifndef BUG_FLAG_LATE
	cflag = true;				/* ct_ring_close: store r->closed = 1 */
#endif
	atomic { pc = closed; closed = true }	/* ring.c:487: fetch_or(&r->tail, CT_RING_CLOSED) */
	if
	:: pc					/* ring.c:488-489: already closed */
	:: else ->
#ifndef BUG_CLOSE_NOWAKE
		ec_notify_all(NF);		/* ring.c:493 */
		ec_notify_all(NE)		/* ring.c:494 */
#else
		skip				/* BUG: nobody woken */
#endif
	fi;
#ifdef BUG_FLAG_LATE
	cflag = true;				/* BUG: r->closed set after the wake-all */
#endif
	pc = false
}

#endif
