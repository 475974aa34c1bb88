/*
 * cond.pml — model check of ct_cond wait/signal/broadcast
 * (lib/src/cond.c, documented in lib/include/contend/cond.h),
 * over the ct_mutex model (mutex_ops.pml) and the futex model (futex.pml).
 *
 * Threads: NT-1 waiters run the documented usage
 *
 *     ct_mutex_lock(&m); while (!pred) ct_cond_wait(&c, &m); ...; ct_mutex_unlock(&m);
 *
 * (waiter 0 uses ct_cond_wait_for: each of its waits may time out, at most
 * once in the run) and one signaller runs
 *
 *     ct_mutex_lock(&m); pred = 1; [wake]; ct_mutex_unlock(&m); [wake];
 *     ct_mutex_lock(&m); ct_mutex_unlock(&m);
 *
 * where [wake] is ct_cond_broadcast, issued either under the mutex or after
 * unlocking it (spin explores both). With one waiter (NT=2) the signaller
 * may use ct_cond_signal instead (spin explores both). The final
 * lock/unlock round lets the signaller barge (CAS 0->1) among the woken
 * waiters' relocks.
 *
 * Properties
 * - Mutual exclusion on m, as in mutex.pml (label `cs`; the relock after a
 *   wait counts as an acquisition).
 * - No lost wakeup: when nothing can move (spin's `timeout`), every thread
 *   has finished (init monitor); the safety run's invalid-end-state check
 *   says the same. In particular no woken waiter sleeps on a free mutex.
 * - Every waiter eventually returns: LTL `terminates`, <> (all threads
 *   finished), with weak fairness (pan -a -f). Since the signaller always
 *   sets pred and wakes, this is "the broadcast/signal reaches everyone".
 *
 * Modelling notes: interleaving semantics (sequential consistency). The
 * C code's counters are relaxed: the mutex and the parking backend order
 * what matters, which the Relacy check (lib/tests/relacy/rl_cond.cpp)
 * checks under the C11 memory model. The waiters decrement is a plain
 * step. The mutex underneath is mutex_ops.pml's, with its store buffers.
 *
 * Bug switches (spin -DBUG_...):
 *   BUG_SEQ_AFTER_UNLOCK the waiter reads seq after unlocking the mutex
 *                       (cond.c moved below :175)
 *   BUG_BROADCAST_ONE   broadcast wakes one waiter, not all (needs 2
 *                       waiters)
 *   BUG_SIGNAL_EARLY_LOAD signal loads waiters before incrementing seq;
 *                       harmless under the documented usage in this
 *                       (sequentially consistent) model: not a check
 */
#ifndef NT
#define NT 3
#endif
#ifndef TIMED
#define TIMED 1		/* waiter 0 uses ct_cond_wait_for */
#endif

#include "mutex_ops.pml"

#define SIGNALLER (NT - 1)

byte seq;		/* ct_cond.seq */
byte waiters;		/* ct_cond.waiters */
bool pred;		/* the user's predicate, under m */
byte done;		/* threads finished */

ltl terminates { <> (done == NT) }

/* ct__cond_wait_until (cond.c); ret = OK or ETIMEDOUT */
inline cond_wait(may_timeout)
{
	waiters++;		/* cond.c: fetch_add(&c->waiters, 1), relaxed */
#ifndef BUG_SEQ_AFTER_UNLOCK
	myseq = seq;		/* cond.c: load c->seq, relaxed */
#endif
	mutex_unlock();		/* cond.c: ct_mutex_unlock(m) */
#ifdef BUG_SEQ_AFTER_UNLOCK
	myseq = seq;
#endif
	/* cond.c: ct__wait(&c->seq, seq, deadline) */
	futex_wait(FA_SEQ, seq, myseq, may_timeout, wret);
	myseq = 0;
	waiters--;		/* cond.c ct__cond_wait_until: fetch_sub(&c->waiters, 1) */
	mutex_lock()		/* cond.c: ct_mutex_lock(m) */
}

/* ct_cond_signal (cond.c) */
inline cond_signal()
{
#ifdef BUG_SIGNAL_EARLY_LOAD
	contended = (waiters != 0);
	seq++;
	if
	:: contended -> futex_wake_one(FA_SEQ); contended = false
	:: else -> skip
	fi
#else
	seq++;			/* cond.c: fetch_add(&c->seq, 1), relaxed */
	if			/* cond.c: load c->waiters, relaxed */
	:: waiters != 0 -> futex_wake_one(FA_SEQ)	/* cond.c */
	:: else -> skip
	fi
#endif
}

/* ct_cond_broadcast (cond.c) */
inline cond_broadcast()
{
	seq++;				/* cond.c: fetch_add(&c->seq, 1), relaxed */
	if				/* cond.c: load c->waiters, relaxed */
	:: waiters != 0 ->
#ifdef BUG_BROADCAST_ONE
		futex_wake_one(FA_SEQ)
#else
		futex_wake_all(FA_SEQ)	/* cond.c: ct__wake(&c->seq, CT_WAKE_ALL) */
#endif
	:: else -> skip
	fi
}

/* wake = broadcast, or (one waiter only) optionally signal */
inline wake_waiters()
{
	if
	:: cond_broadcast()
	:: NT == 2 -> cond_signal()
	fi
}

proctype waiter(byte me)
{
	bool got, contended, may_timeout = (TIMED && me == 0);
	byte ret, wret, myseq;

	mutex_lock();				/* user: ct_mutex_lock(&m) */
	do
	:: pred -> break			/* user: while (!pred) */
	:: else ->
		cond_wait(may_timeout);		/* ct_cond_wait / ct_cond_wait_for */
		if
		:: wret == ETIMEDOUT -> may_timeout = false	/* at most one timeout */
		:: else -> skip
		fi;
		wret = OK
	od;
cs:	assert(holders == 1);			/* mutual exclusion */
	mutex_unlock();				/* user: ct_mutex_unlock(&m) */
	done++
}

proctype signaller(byte me)
{
	bool got, contended, inside;
	byte ret, myseq;

	mutex_lock();				/* user: ct_mutex_lock(&m) */
cs:	assert(holders == 1);
	pred = true;
	if					/* wake under the mutex, or after */
	:: inside = true; wake_waiters()
	:: inside = false
	fi;
	mutex_unlock();
	if
	:: !inside -> wake_waiters()
	:: else -> skip
	fi;
	inside = false;
	mutex_lock();				/* a later, unrelated critical section */
cs2:	assert(holders == 1);
	mutex_unlock();
	done++
}

init {
	byte t;

	atomic {
		do
		:: t < SIGNALLER -> run waiter(t); t++
		:: else -> break
		od;
		run signaller(SIGNALLER)
	}
	if
	:: done == NT ->
		assert(state == UNLOCKED && holders == 0 && waiters == 0)
	:: timeout ->
		/* nothing can move, not everyone finished: a lost wakeup */
		assert(done == NT)
	fi
}
