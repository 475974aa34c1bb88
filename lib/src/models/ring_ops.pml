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
 *   deadline check (ring.c:364) spin chooses "passed" or "not yet"; a
 *   ct__wait that timed out (futex.pml) means it has passed (`expired`).
 * - ct_ring_try_put / try_get / _for(0) are ring_*_once + ring_after_*:
 *   the first try of ring_wait followed by its `done:` path.
 *
 * Inlines use the including proctype's parameter `me` and locals `pos`,
 * `pc` (bool), `rc`, `key`, `wret`, `item`, `timed` (bool), `expired`
 * (bool), `reg` (bool), `nw` (bool).
 *
 * Bug switches (spin -DBUG_...), each one a plausible wrong edit:
 *   BUG_NO_BATON       ring_after_get never passes the baton to another
 *                      consumer (ring.c:317-319 dropped)
 *   BUG_EARLY_WAITERS  the put loads not_empty.waiters before its
 *                      publishing seq store (ring.c:277 moved above :140)
 *   BUG_NO_RETRY       a woken (or timed-out) waiter checks its deadline
 *                      right after ct__wait and leaves with ETIMEDOUT
 *                      without trying again (ring.c:364-365 moved below
 *                      :315)
 *   BUG_SIG_NOCLEAR    a waiter returning from ct__wait does not clear
 *                      EC_SIGNALED (ring.c:382-383 dropped): the notify
 *                      it was woken by stays "on its way", later notifies
 *                      skip, and a parked thread sleeps through an item
 *   BUG_CLOSE_NOWAKE   ct_ring_close sets the flag and wakes nobody
 *                      (ring.c:460-461 dropped)
 *   BUG_NO_DRAIN_WAKE  ring_after_get does not wake everyone when it
 *                      drains a closed ring (ring.c:306-309 dropped)
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
byte head;		/* ct_ring.head */
byte cseq[CAP];		/* cells[i].seq: 2p free for position p, 2p+1 holds its item */
byte citem[CAP];	/* cells[i].item */
byte ecseq[2];		/* not_empty.seq, not_full.seq: the futex words */
byte ecwait[2];		/* not_empty.waiters, not_full.waiters */
bit ecsig[2];		/* EC_SIGNALED, bit 0 of the futex word: ecseq is the
			 * epoch above it (the word is 2 * ecseq + ecsig) */

/* ct_ring_init (ring.c:85-96): slot i free for position i */
inline ring_init()
{
	byte ri;
	do
	:: ri < CAP -> cseq[ri] = 2 * ri; ri++
	:: else -> break
	od;
	ri = 0
}

/*
 * ec_notify_one(ec) (ring.c:232-243). The load of seq and the CAS loop
 * are one step: the CAS only succeeds on the value just loaded, and a
 * failed CAS reloads and tests again, so the loop as a whole is "if
 * SIGNALED is set, return; else set it and bump the epoch" at the
 * instant of the successful CAS (or of the load that saw the flag).
 */
inline ec_notify_one(s)
{
	if
	:: atomic { ecsig[s] -> skip }	/* ring.c:236-239: a wake is on its way */
	:: atomic { !ecsig[s] ->	/* ring.c:240: CAS seq -> (seq + 2) | SIGNALED */
		ecseq[s]++; ecsig[s] = 1 };
		futex_wake_one(FA_NOT_EMPTY + s)	/* ring.c:242: ct__wake(&ec->seq, 1) */
	fi
}

/* ec_notify_all(ec) (ring.c:246-251): the flag is left as it is */
inline ec_notify_all(s)
{
	ecseq[s]++;			/* ring.c:249: fetch_add(&ec->seq, 2) */
	futex_wake_all(FA_NOT_EMPTY + s)	/* ring.c:250: ct__wake(&ec->seq, CT_WAKE_ALL) */
}

/*
 * ring_wait (ring.c:339-399) for side s (PUT: producers, eventcount
 * ec = NF; GET: consumers, ec = NE), with ring_once, ring_put_once /
 * ring_get_once and ring_after_put / ring_after_get written out in it:
 * rc = OK, EPIPE or (only if `timed`) ETIMEDOUT on return. The blocking
 * ct_ring_put/get and ct_ring_put_for/get_for are this.
 *
 * Control flow is written with gotos so that each step is one access to
 * shared memory together with the local decisions that follow it (see the
 * modelling notes): `reg` says whether the thread is registered
 * (waiters++ done, ring.c:373-387), i.e. which try of ring.c's loop this
 * is, and where a try that ends goes:
 *   RW_SUCCESS(after)  return 0 from the try: done (ring.c:359-361 / :387-388)
 *   RW_EPIPE           return EPIPE from the try: the same
 *   RW_EAGAIN          return EAGAIN: the deadline check and waiters++
 *                      (ring.c:364-373), or, registered, ct__wait (:380)
 * Labels must be unique in a proctype: use ring_wait once per proctype.
 */
#define RW_SUCCESS(after) if :: reg -> goto rw_leave :: else -> goto after fi
#define RW_EPIPE	  if :: reg -> goto rw_leave :: else -> goto rw_out fi
#define RW_EAGAIN	  if :: reg -> goto rw_park :: else -> goto rw_eagain fi

inline ring_wait(s, ec)
{
	reg = false;	/* (a label may not open an inline) */
rw_try:		/* ring.c:358 / :378: rc = ring_once(...) (ring.c:326-331) */
	if
	:: atomic {		/* ring_put_once, ring.c:117: pos = load tail */
		s == PUT -> pos = tail; pc = closed; rc = EAGAIN;
		if
		:: pc -> pc = false; rc = EPIPE; RW_EPIPE	/* ring.c:119-120: closed */
		:: else
		fi
	   }
	   do
	   /* ring.c:125: load cell->seq; ring.c:126: diff vs seq_free_for(pos) */
	   :: atomic { rc == EAGAIN && cseq[pos % CAP] < 2 * pos ->	/* ring.c:144-145: full */
			RW_EAGAIN }
	   :: rc == EAGAIN && cseq[pos % CAP] > 2 * pos ->
		atomic {	/* ring.c:148: taken by another put: reload tail */
			pos = tail; pc = closed;
			if
			:: pc -> pc = false; rc = EPIPE; RW_EPIPE	/* ring.c:119-120 */
			:: else
			fi
		}
	   :: rc == EAGAIN && cseq[pos % CAP] == 2 * pos ->
		atomic {	/* ring.c:132: CAS tail pos -> pos + 1 */
			if
			:: !closed && tail == pos -> tail++; rc = OK
			:: else ->	/* CLOSED set or tail moved: pos = tail */
				pos = tail; pc = closed;
				if
				:: pc -> pc = false; rc = EPIPE; RW_EPIPE	/* ring.c:119-120 */
				:: else
				fi
			fi
		}
	   :: atomic { rc == OK -> citem[pos % CAP] = item }	/* ring.c:136: cell->item = item */
#ifdef BUG_EARLY_WAITERS
		/* BUG: ring_after_put's load of not_empty.waiters (ring.c:277)
		 * done before the publishing store */
		nw = (ecwait[NE] != 0);
#endif
		atomic {
			cseq[pos % CAP] = 2 * pos + 1;	/* ring.c:140: store seq_full_of(pos) */
			RING_PUT_OK;			/* ghost: this put returns 0 */
			RW_SUCCESS(rw_after_put)	/* ring.c:142: return 0 */
		}
	   od
	:: atomic { s == GET -> pos = head; rc = EAGAIN }	/* ring_get_once, ring.c:166: pos = load head */
	   do
	   /* ring.c:171: load cell->seq; ring.c:172: diff vs seq_full_of(pos) */
	   :: rc == EAGAIN && cseq[pos % CAP] == 2 * pos + 1 ->
		atomic {	/* ring.c:176: CAS head pos -> pos + 1, reloading pos */
			if
			:: head == pos -> head++; rc = OK; RING_GET_CLAIM
			:: else -> pos = head
			fi
		}
	   :: rc == EAGAIN && cseq[pos % CAP] < 2 * pos + 1 ->	/* ring.c:189: diff < 0 */
		atomic {	/* ring.c:199: load tail */
			if
			:: closed && tail <= pos ->	/* ring.c:200-201: closed and drained */
				/* EPIPE only once closed and drained: every
				 * claimed position has been taken */
				assert(head == tail);
				rc = EPIPE; RW_EPIPE
			:: else -> RW_EAGAIN		/* ring.c:202 */
			fi
		}
	   :: rc == EAGAIN && cseq[pos % CAP] > 2 * pos + 1 ->
		pos = head		/* ring.c:205: taken by another get: reload head */
	   :: atomic {
			rc == OK ->
			item = citem[pos % CAP];	/* ring.c:179: *item = cell->item */
			RING_GOT_ITEM			/* ghost: this get returns item */
		};
		atomic {
			cseq[pos % CAP] = 2 * (pos + CAP);	/* ring.c:184: store seq_free_for(pos + cap) */
			RW_SUCCESS(rw_after_get)	/* ring.c:187: return 0 */
		}
	   od
	fi;

rw_eagain:	/* the spin failed (not registered) */
	if	/* ring.c:364-365: the deadline has passed: return ETIMEDOUT */
	:: atomic { timed -> rc = ETIMEDOUT; expired = false; goto rw_out }
	:: atomic { !expired ->		/* not yet (or CT_DEADLINE_NONE) */
		ecwait[ec]++; reg = true }	/* ring.c:373: fetch_add(&ec->waiters, 1) */
	fi;
	atomic {				/* ring.c:376: key = load ec->seq */
		key = ecseq[ec];
		if
		:: ecsig[ec] -> skip		/* ring.c:377, :261: SIGNALED: clear it */
		:: else -> goto rw_try
		fi
	};
	atomic {	/* ring.c:262-264: key = fetch_and(&ec->seq, ~SIGNALED) without it */
		key = ecseq[ec]; ecsig[ec] = 0; goto rw_try
	};

rw_park:	/* registered, the try failed: ring.c:380: ct__wait(&ec->seq, key, deadline_ns) */
	futex_wait(FA_NOT_EMPTY + ec, 2 * ecseq[ec] + ecsig[ec], 2 * key, timed, wret);
#ifndef BUG_SIG_NOCLEAR
	atomic { pc = ecsig[ec] };	/* ring.c:382-383: load ec->seq: SIGNALED? */
	atomic {			/* ring.c:261-263: then fetch_and(~SIGNALED) */
		if
		:: pc -> ecsig[ec] = 0
		:: else
		fi;
		pc = false
	};
#endif
	atomic {
		ecwait[ec]--;			/* ring.c:387: fetch_sub(&ec->waiters, 1) */
		reg = false; key = 0;
		expired = expired || (wret == ETIMEDOUT); wret = OK;
#ifdef BUG_NO_RETRY
		/* BUG: the deadline is checked here, before trying again */
		if
		:: timed -> rc = ETIMEDOUT; expired = false; goto rw_out
		:: !expired
		fi;
#endif
		goto rw_try			/* ring.c:388-389: rc == EAGAIN: loop */
	};

rw_leave:	/* registered, the try returned 0 or EPIPE */
	atomic {
		ecwait[ec]--;			/* ring.c:387: fetch_sub(&ec->waiters, 1) */
		reg = false; key = 0;
		if				/* ring.c:388-389: goto done */
		:: rc == OK && s == PUT -> goto rw_after_put
		:: rc == OK && s == GET -> goto rw_after_get
		:: else -> goto rw_out
		fi
	};

rw_after_put:	/* ring.c:391-396: done, rc == 0: ring_after_put (ring.c:274-293) */
#ifdef BUG_EARLY_WAITERS
	if
	:: nw -> nw = false; ec_notify_one(NE)
	:: else
	fi;
#else
	if			/* ring.c:277: load not_empty.waiters != 0 */
	:: ecwait[NE] != 0 -> ec_notify_one(NE)	/* ring.c:278 */
	:: else
	fi;
#endif
	if			/* ring.c:286: load not_full.waiters != 0 */
	:: ecwait[NF] != 0 ->
		if		/* ring.c:288-290: load cells[pos + 1].seq == seq_free_for(pos + 1) */
		:: cseq[(pos + 1) % CAP] == 2 * (pos + 1) -> ec_notify_one(NF)	/* ring.c:291 */
		:: else
		fi
	:: else
	fi;
	goto rw_out;

rw_after_get:	/* ring.c:391-396: done, rc == 0: ring_after_get (ring.c:296-320) */
	if			/* ring.c:299: load not_full.waiters != 0 */
	:: ecwait[NF] != 0 -> ec_notify_one(NF)	/* ring.c:300 */
	:: else
	fi;
	if			/* ring.c:301: load not_empty.waiters */
	:: ecwait[NE] == 0			/* ring.c:302: return */
	:: else ->
		if		/* ring.c:306: load tail; ring.c:307: closed and drained? */
		:: closed && tail <= pos + 1 ->
#ifndef BUG_NO_DRAIN_WAKE
			ec_notify_all(NE)	/* ring.c:308: wake all, they return EPIPE */
#else
			skip			/* BUG: nobody woken */
#endif
		:: else ->
#ifndef BUG_NO_BATON
			if	/* ring.c:317-318: load cells[pos + 1].seq == seq_full_of(pos + 1) */
			:: cseq[(pos + 1) % CAP] == 2 * (pos + 1) + 1 ->
				ec_notify_one(NE)	/* ring.c:319: the baton */
			:: else
			fi
#else
			skip			/* BUG: no baton */
#endif
		fi
	fi;

rw_out:		/* ring.c:398: return rc */
	pos = 0
}

/* ct_ring_close (ring.c:449-462) */
inline ring_close()
{
	atomic { pc = closed; closed = true }	/* ring.c:454: fetch_or(&r->tail, CT_RING_CLOSED) */
	if
	:: pc					/* ring.c:455-456: already closed */
	:: else ->
#ifndef BUG_CLOSE_NOWAKE
		ec_notify_all(NF);		/* ring.c:460 */
		ec_notify_all(NE)		/* ring.c:461 */
#else
		skip				/* BUG: nobody woken */
#endif
	fi;
	pc = false
}

#endif
