/*
 * event.pml — model check of the ct_event protocol (lib/src/event.c,
 * documented in lib/include/contend/event.h): one word holding the flag,
 * the waiters bit and a generation, over the futex model (futex.pml).
 * Each step names the C statement (event.c line) it stands for.
 *
 * Threads: NS setters (threads 0 .. NS-1, default 1) and NT - NS waiters
 * (NS .. NT-1). Each setter runs ROUNDS rounds of ct_event_set, each but
 * the last followed by ct_event_clear (default 2: set, clear, set): a set
 * is cleared again while the waiters it released have not yet run, and
 * the event ends set, so every wait must return. Each waiter calls
 * ct_event_wait WAITS times (default 1); with TIMED, waiter NS uses
 * ct_event_wait_for instead (its deadline may pass at any moment).
 * Run by check.sh; by hand, e.g. one setter, two waiters:
 *
 *   spin -a -DNT=3 event.pml && gcc -DSAFETY -DNOCLAIM -o pan pan.c && ./pan
 *   spin -a -DNT=3 event.pml && gcc -o pan pan.c && ./pan -a -f
 *
 * Properties (the ghost `nsets` counts the sets that changed the word,
 * i.e. found the event clear; a waiter notes it as `st` in the step of its
 * first load, the start of its wait)
 * - No lost wakeup (Python semantics, event.h): every thread waiting when
 *   a set is called returns true, even if a clear follows at once. (a) A
 *   waiter that a set has released (nsets != st) never parks again: an
 *   assertion in the step that would enqueue it (FUTEX_PARK_HOOK); parking
 *   would make it wait for a later set that may never come. (b) When no
 *   statement can run (spin's `timeout`), every thread has finished (init
 *   monitor; the event ends set, so nobody may stay parked); the safety
 *   run's invalid-end-state check says the same.
 * - No spurious true: a wait that returns true after its first load found
 *   the event clear does so only if a set happened since (assertion in the
 *   step that decides it).
 * - Timed: ct_event_wait_for returns false only if no set happened between
 *   the start of the wait and the load that decided false (event.c:234,
 *   "one more look"). This implies Python's rule, that a set called while
 *   the thread waits (before its deadline fired: tst, noted in the timeout
 *   step, FUTEX_TIMEOUT_HOOK) releases it.
 * - Invariant: the flag and the waiters bit are never on together (a
 *   waiter's CAS only succeeds on a clear word; set turns the bit off), as
 *   asserted at clear's CAS. So clear keeping the waiters bit is moot:
 *   clearing it too (ALT_CLEAR_WAITERS) is no bug.
 * - Progress: LTL `terminates`, <> (every thread finished), under weak
 *   fairness (pan -a -f).
 * - At the end: the event is set, nobody is parked.
 *
 * Modelling notes
 * - One atomic step per access to e->state (load, CAS). It is the only
 *   shared location of the protocol; all accesses to one atomic location
 *   are coherent (one modification order, each thread's reads follow it),
 *   so spin's interleaving semantics is exact for it. Not modelled: the
 *   acquire/release publication of the user's data (event.h), which the
 *   state machine does not depend on. Local decisions ride in the atomic
 *   step of the access they follow; ghost updates in the step that decides
 *   them.
 * - The word is a byte with the C layout: SET bit 0, WAITERS bit 1, the
 *   generation in bits 2-7 (GEN_MASK). A run has at most NS * ROUNDS <= 63
 *   sets, so the generation never comes back to a value a waiter noted;
 *   the C's 30 bits wrap only after 2^30 sets, which a waiter would have
 *   to sleep through (event.h). The wrap itself is shown by BUG_GEN_WRAP.
 * - compare_exchange_weak: a spurious failure reloads the value it already
 *   had and goes round again, like a lost CAS on an unchanged word: it
 *   adds no state, so the CASes are modelled strong.
 * - The spinner permit (spin_slot_take: process-wide counts of spinners
 *   and of woken waiters not yet running) only decides whether the
 *   waiter spins: spin chooses. The spin loop's
 *   CT_EVENT_SPIN probes are one probe: a probe writes nothing, the loop
 *   leaves on the first one that sees a release, and only the last probe's
 *   value is used after the loop, so K probes reach exactly the states of
 *   the one probe that spin may place anywhere (or none: no permit, or
 *   event_spin=0).
 * - The deadline of a timed wait passes nondeterministically: ct__wait
 *   may return ETIMEDOUT whenever the waiter is enqueued (futex.pml).
 *   ct_event_wait_for(e, 0) is ct_event_is_set, one load: not modelled.
 *
 * Bug switches (spin -DBUG_...), each one a plausible wrong edit:
 *   BUG_NOWAKE        set never wakes (event.c:164-165 dropped)
 *   BUG_SET_STORE     set is a load and a plain store of the next value
 *                     instead of the CAS loop (event.c:143-163): a waiter's
 *                     CAS between the two sets WAITERS, the store erases
 *                     it and set does not wake the parked waiter
 *   BUG_NO_GEN        released() tests only the flag (event.c:190): a
 *                     waiter released by a set that is cleared before the
 *                     waiter runs waits again (Python semantics broken)
 *   BUG_NO_ANNOUNCE   the waiter parks on the value it loaded without
 *                     setting WAITERS first (event.c:226-232 dropped): set
 *                     sees no waiter, wakes nobody
 *   BUG_NO_RECHECK    a timed wait returns false as soon as ct__wait times
 *                     out, without the last load (event.c:234-237): a set
 *                     that came while it was parked, before its deadline
 *                     fired but before the wake reached it, is lost to it
 *                     (checked against Python's rule: no set came before
 *                     the deadline fired, tst == st)
 *   BUG_GEN_WRAP      a one-bit generation (it wraps after 2 sets): a
 *                     waiter that sleeps through set, clear, set, clear
 *                     sees its generation again (needs ROUNDS >= 3)
 * Alternatives that are no bugs (spin finds no violation; not in check.sh):
 *   ALT_CLEAR_WAITERS clear also clears WAITERS (never on while SET)
 *   ALT_WAIT_STALE    after its CAS the waiter parks on the value without
 *                     WAITERS (event.c:231 dropped): ct__wait returns at
 *                     once (the word differs), the reload sees the bit on
 *                     and the next round parks on the right value
 */
#ifndef NT
#define NT 2
#endif
#ifndef NS
#define NS 1		/* setters; waiters: NT - NS */
#endif
#ifndef ROUNDS
#define ROUNDS 2	/* per setter: set, (clear, set) * (ROUNDS - 1) */
#endif
#ifndef WAITS
#define WAITS 1		/* waits per waiter */
#endif
#ifndef TIMED
#define TIMED 0		/* waiter NS uses ct_event_wait_for */
#endif

/* futex.pml runs these in the step that enqueues a waiter (a waiter that
 * a set released, nsets != st, must not park again: no lost wakeup) and
 * in the step where a timed wait's deadline fires (tst: the sets so far) */
#define FUTEX_PARK_HOOK assert(nsets == st)
#define FUTEX_TIMEOUT_HOOK tst = nsets

#include "futex.pml"

#define EV_SET     1	/* CT_EVENT_SET */
#define EV_WAITERS 2	/* CT_EVENT_WAITERS */
#define GEN_ONE    4	/* CT_EVENT_GEN_ONE */
#ifdef BUG_GEN_WRAP
#define GEN_MASK   4	/* BUG: one generation bit */
#else
#define GEN_MASK   252	/* EV_GEN_MASK: bits 2-7 */
#endif

byte state;		/* ct_event.state */
byte nsets;		/* ghost: sets that found the event clear */
byte done;		/* threads finished */

ltl terminates { <> (done == NT) }

/* released(s, gen) (event.c:188-191) */
#ifdef BUG_NO_GEN
#define RELEASED ((s & EV_SET) != 0)
#else
#define RELEASED ((s & EV_SET) != 0 || (s & GEN_MASK) != gen)
#endif

/* ct_event_set (event.c:138-166). Locals: s, w. */
inline ev_set()
{
	s = state;				/* event.c:140: load, relaxed */
#ifdef BUG_SET_STORE
	if
	:: s & EV_SET -> w = false		/* already set: return */
	:: else ->
		atomic {	/* BUG: plain store of the value computed from the load */
			state = ((s + GEN_ONE) & GEN_MASK) | EV_SET;
			nsets++;
			w = ((s & EV_WAITERS) != 0)
		}
	fi;
#else
	do
	:: s & EV_SET -> w = false; break	/* event.c:148-152: already set (a release RMW), return */
	:: else ->
		atomic {	/* event.c:155-163: CAS s -> next, release */
			if
			:: state == s ->
				state = ((s + GEN_ONE) & GEN_MASK) | EV_SET;
				nsets++;
				w = ((s & EV_WAITERS) != 0);
				break
			:: else -> s = state		/* lost: s = the current value */
			fi
		}
	od;
#endif
	if
	:: w ->
#ifndef BUG_NOWAKE
		futex_wake_all(FA_EVENT);	/* event.c:164-165: ct__wake(&e->state, CT_WAKE_ALL) */
#endif
		w = false
	:: else -> skip
	fi;
	s = 0
}

/* ct_event_clear (event.c:168-178). Local: s. */
inline ev_clear()
{
	s = state;				/* event.c:170: load, relaxed */
	do
	:: !(s & EV_SET) -> break		/* event.c:174: clear already */
	:: else ->
		atomic {	/* event.c:175: CAS s -> s & ~SET, relaxed */
			if
			:: state == s ->
				assert(!(state & EV_WAITERS));	/* never SET and WAITERS */
#ifdef ALT_CLEAR_WAITERS
				state = s & ~(EV_SET | EV_WAITERS);
#else
				state = s & ~EV_SET;
#endif
				break
			:: else -> s = state
			fi
		}
	od;
	s = 0
}

/*
 * The decisions at the top of wait_until's loop (event.c:218-221), made
 * in the step of the load that gave s: released -> return true; else
 * timed out -> return false; else go on (fin stays false).
 */
inline decide()
{
	if
	:: RELEASED ->
		assert(nsets != st);	/* no spurious true */
		res = true; fin = true
	:: !RELEASED && timed_out ->
		assert(st == nsets);	/* timed: false only if no set released it */
		res = false; fin = true
	:: else -> skip
	fi
}

/*
 * wait_until (event.c:193-239), for ct_event_wait (timed false) and
 * ct_event_wait_for (timed true, finite timeout). Sets res. Locals: s,
 * gen, st, tst, wret, res, fin, timed, timed_out.
 */
inline ev_wait()
{
	atomic {	/* event.c:196-200: load, acquire; set: return true */
		s = state;
		st = nsets;
		gen = s & GEN_MASK;
		res = ((s & EV_SET) != 0);
		fin = res
	}
	if
	:: fin -> goto ev_out
	:: else -> skip
	fi;
	if
	:: /* event.c:203-213: a spinner permit (taken only while WAITERS is off:
	    * a subset of what this free choice covers): the probes (one, see above) */
		atomic {
			s = state;			/* event.c:206 */
			decide()			/* event.c:208-213 (timed_out is false) */
		};
		if
		:: fin -> goto ev_out
		:: else -> skip
		fi
	:: skip		/* no permit (or event_spin=0): park at once */
	fi;
ev_loop:	/* event.c:217: for (;;), after the checks of :218-221 */
#ifndef BUG_NO_ANNOUNCE
	if
	:: !(s & EV_WAITERS) ->
		atomic {	/* event.c:226-231: CAS s -> s | WAITERS, acquire */
			if
			:: state == s ->
				state = s | EV_WAITERS;
#ifndef ALT_WAIT_STALE
				s = s | EV_WAITERS	/* event.c:231 */
#endif
			:: else ->
				s = state;		/* lost: s = the current value */
				decide();		/* event.c:230: continue */
				if
				:: fin -> goto ev_out
				:: else -> goto ev_loop
				fi
			fi
		}
	:: else -> skip
	fi;
#endif
	/* event.c:233: ct__wait(&e->state, s, deadline) */
	futex_wait(FA_EVENT, state, s, timed, wret);
#ifdef BUG_NO_RECHECK
	if
	:: atomic { wret == ETIMEDOUT ->	/* BUG: return false at once */
		wret = OK;
		/* Python's rule (weaker than the C's, see above): false only
		 * if no set came before the deadline fired */
		assert(tst == st);
		res = false;
		goto ev_out }
	:: else -> skip
	fi;
#endif
	atomic {	/* event.c:234-237: note the timeout; load, acquire */
		timed_out = timed_out || (wret == ETIMEDOUT);
		wret = OK;
		s = state;
		decide()
	}
	if
	:: fin -> goto ev_out
	:: else -> goto ev_loop
	fi;
ev_out:
	atomic { s = 0; gen = 0; st = 0; tst = 0; fin = false; timed_out = false }
}

proctype setter(byte me)
{
	byte s, i;
	bool w;

	do
	:: i < ROUNDS ->
		ev_set();			/* ct_event_set */
		if
		:: i + 1 < ROUNDS -> ev_clear()	/* ct_event_clear */
		:: else -> skip			/* the last set stays */
		fi;
		i++
	:: else -> break
	od;
	i = 0;
	done++
}

proctype waiter(byte me)
{
	byte s, gen, st, tst, wret, i;
	bool res, fin, timed_out, timed = (TIMED && me == NS);

	do
	:: i < WAITS ->
		ev_wait();			/* ct_event_wait / ct_event_wait_for */
		res = false;
		i++
	:: else -> break
	od;
	i = 0;
	done++
}

init {
	byte t;

	atomic {
		do
		:: t < NS -> run setter(t); t++
		:: t >= NS && t < NT -> run waiter(t); t++
		:: else -> break
		od;
		t = 0
	}
	if
	:: done == NT ->
		d_step {
			do
			:: t < NT -> assert(parked[t] == FA_NONE); t++
			:: else -> break
			od
		};
		assert(state & EV_SET)		/* the last set stays */
	:: timeout ->
		/* nothing can move and not everyone finished: a waiter is
		 * parked although the event is set (it ends set) */
		assert(done == NT)		/* lost wakeup */
	fi
}
