/*
 * mutex.pml — model check of the ct_mutex lock/unlock/park protocol
 * (lib/src/mutex.c; the inlines in mutex_ops.pml name each C statement).
 *
 * NT threads (2 or 3) each run ITER rounds of lock; critical section;
 * unlock. Thread 0 uses ct_mutex_lock_for with a finite timeout (its park
 * may time out; then it skips the critical section), the others
 * ct_mutex_lock. Run by check.sh; by hand:
 *
 *   spin -a -DNT=3 mutex.pml && gcc -DSAFETY -DNOCLAIM -o pan pan.c && ./pan
 *   spin -a -DNT=3 mutex.pml && gcc -o pan pan.c && ./pan -a -f
 *
 * Properties
 * - Mutual exclusion: assert at the critical section that this thread is
 *   the only holder (label `cs`).
 * - No lost wakeup: the `init` monitor asserts, when no statement of any
 *   thread can run (spin's `timeout`), that some thread holds the mutex,
 *   i.e. nobody is parked for ever while the mutex is free. spin's own
 *   invalid-end-state check (safety run) reports the same situation.
 * - Progress: LTL `terminates`, <> (every thread finished its rounds),
 *   checked with weak fairness (pan -a -f): no deadlock, no livelock (an
 *   endless park/wake cycle without anyone finishing).
 * - At the end: the mutex is UNLOCKED, nobody holds it.
 *
 * Not a property: FIFO/starvation freedom (mutex.h: barging is allowed).
 */
#ifndef NT
#define NT 2
#endif
#ifndef ITER
#define ITER 2
#endif
#ifndef TIMED
#define TIMED 1		/* thread 0 uses ct_mutex_lock_for */
#endif

#include "mutex_ops.pml"

byte done;		/* threads that finished all rounds */

ltl terminates { <> (done == NT) }

proctype thread(byte me)
{
	bool got, contended;
	byte ret, i;

	do
	:: i < ITER ->
		if
		:: TIMED && me == 0 -> mutex_lock_for()
		:: else -> mutex_lock()
		fi;
		if
		:: ret == OK ->
cs:			assert(holders == 1);	/* mutual exclusion */
			mutex_unlock()
		:: else -> skip			/* ETIMEDOUT: not acquired */
		fi;
		ret = OK;
		i++
	:: else -> break
	od;
	done++
}

init {
	byte t;

	atomic {
		do
		:: t < NT -> run thread(t); t++
		:: else -> break
		od
	}
	if
	:: done == NT ->
		assert(state == UNLOCKED && holders == 0)
	:: timeout ->
		/* nothing can move and not everyone finished: somebody is
		 * parked; there must be a holder who will unlock (there never
		 * is: a holder can always move), else it is a lost wakeup */
		assert(holders > 0)	/* lost wakeup: parked while the mutex is free */
	fi
}
