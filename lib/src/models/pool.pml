/*
 * pool.pml — model check of ct_pool's idle-worker park / submit handshake
 * (lib/src/pool.c: submit, idle, worker_main, ct_pool_shutdown; documented
 * in lib/include/contend/pool.h), over the futex model (futex.pml).
 *
 * Threads: NSUB submitters (threads 0 .. NSUB-1, default 1) and NT - NSUB
 * workers. Each submitter submits ITEMS tasks (default 2). Submitter 0
 * then waits until every task has been taken by a worker (a ghost count,
 * not a pool operation: like stress_pool's "idle wakeups", a task left
 * queued while every worker sleeps must fail the check, not be rescued by
 * shutdown's wake-all), then shuts the pool down; workers exit once shut
 * and the queue is empty.
 *
 *   spin -a -DNT=3 pool.pml && gcc -DSAFETY -DNOCLAIM -o pan pan.c && ./pan
 *   spin -a -DNT=3 pool.pml && gcc -o pan pan.c && ./pan -a -f
 *
 * Properties
 * - No lost wakeup: when no statement can run (spin's `timeout`), every
 *   thread has finished (init monitor), so no task stays queued while the
 *   workers sleep, and shutdown releases every parked worker. The safety
 *   run's invalid-end-state check says the same.
 * - Exactly once: every task is taken by one worker (taken == TOTAL at the
 *   end, pending never negative: assertion at each take).
 * - Progress: LTL `terminates` under weak fairness.
 *
 * Modelling notes
 * - The queue is its length `pending`: the FIFO links are under the pool
 *   lock, and the handshake reads only the count. A take (pop: lock,
 *   unlink, pending--) is one atomic step, as is a submit's link +
 *   pending++ (both under the lock in pool.c).
 * - Each access to pending, shut, spinning, sleepers and wake_seq is one
 *   step. The ones that decide (submit: pending++, then spinning, then
 *   sleepers; worker: sleepers++, then pending and shut) are seq_cst in
 *   pool.c, so spin's interleavings (sequential consistency) are exact for
 *   them. pop's relaxed peek at pending only skips the lock when it reads
 *   0; the worker then goes on to the seq_cst re-check, so reading stale
 *   0 is a path spin explores (the peek is modelled as a separate load).
 * - The spin loop's CT_POOL_SPIN probes are one probe that spin may place
 *   anywhere in the window (or none: it found nothing); only its result
 *   is used after the loop.
 * - Spurious futex returns: futex.pml's budget (SPURIOUS).
 *
 * Bug switches (spin -DBUG_...), each one a plausible wrong edit:
 *   BUG_CHECK_FIRST  the worker re-checks pending before announcing itself
 *                    in sleepers (pool.c idle(): the two swapped): a submit
 *                    between them sees no sleeper and wakes nobody
 *   BUG_SEQ_LATE     the worker reads wake_seq after its re-check (the
 *                    first load of idle() moved down): a wake in between
 *                    is not seen by the futex compare
 *   BUG_SPIN_TRUST   a spinner that found nothing parks without the
 *                    re-check ("it just looked"): a submit that saw it
 *                    spinning did not wake anybody
 *   BUG_SUB_EARLY    submit reads sleepers before it increments pending
 *                    (the wake decision moved above the link)
 */
#ifndef NT
#define NT 3
#endif
#ifndef NSUB
#define NSUB 1		/* submitters; workers: NT - NSUB */
#endif
#ifndef ITEMS
#define ITEMS 2		/* tasks per submitter */
#endif
#define TOTAL (NSUB * ITEMS)

#include "futex.pml"


byte pending;		/* ct_pool.pending: queued tasks */
bit shut;		/* ct_pool.shut */
bit spinning;		/* ct_pool.spinning */
byte sleepers;		/* ct_pool.sleepers */
byte wake_seq;		/* ct_pool.wake_seq (futex word) */
byte taken;		/* ghost: tasks taken by workers */
byte done;		/* threads finished */

ltl terminates { <> (done == NT) }

/* wake_workers(p, n) (pool.c): bump the futex word, then wake. */
inline wake_one()
{
	wake_seq++;
	futex_wake_one(FA_POOL)
}

inline wake_all()
{
	wake_seq++;
	futex_wake_all(FA_POOL)
}

/* submit() (pool.c): link + pending++ under the lock, then decide. */
proctype submitter(byte me)
{
	byte i, sl;
	bit sp;

	do
	:: i < ITEMS ->
#ifdef BUG_SUB_EARLY
		sl = sleepers;		/* BUG: decided before the link */
		pending++;
		sp = spinning;
#else
		pending++;		/* seq_cst RMW, under the lock */
		sp = spinning;		/* seq_cst load */
		if
		:: sp == 0 -> sl = sleepers	/* seq_cst load */
		:: else -> sl = 0
		fi;
#endif
		if
		:: sp == 0 && sl > 0 -> wake_one()
		:: else -> skip
		fi;
		i++
	:: else -> break
	od;
	if
	:: me == 0 ->
		/* ghost: every task taken (see the header), then shutdown */
		taken == TOTAL;
		shut = 1;		/* under the lock, seq_cst */
		wake_all()
	:: else -> skip
	fi;
	done++
}

/* worker_main() and idle() (pool.c). */
proctype worker(byte me)
{
	byte seq, ret;
	bit found, role;

loop:
	/* pop(): relaxed peek, then take under the lock */
	if
	:: pending > 0 ->
		atomic {
			if
			:: pending > 0 -> pending--; taken++; assert(taken <= TOTAL)
			:: else -> skip
			fi
		};
		goto loop
	:: else -> skip
	fi;
	/* worker_main: shut down and nothing queued: exit */
	if
	:: shut == 1 && pending == 0 -> goto finish
	:: else -> skip
	fi;
	/* idle(): try the spinning role (CAS 0 -> 1) */
	atomic {
		if
		:: spinning == 0 -> spinning = 1; role = 1
		:: else -> role = 0
		fi
	};
	found = 0;
	if
	:: role == 1 ->
		/* the probes: one load of pending or shut anywhere, or none */
		if
		:: found = (pending > 0 || shut == 1)
		:: found = 0
		fi;
		spinning = 0;		/* seq_cst store */
		if
		:: found == 1 -> goto loop
		:: else -> skip
		fi
	:: else -> skip
	fi;
#if defined(BUG_SPIN_TRUST)
	if
	:: role == 1 ->
		seq = wake_seq;
		sleepers++;
		futex_wait(FA_POOL, wake_seq, seq, false, ret);
		sleepers--;
		goto loop
	:: else -> skip
	fi;
#endif
#if defined(BUG_CHECK_FIRST)
	seq = wake_seq;
	if
	:: pending == 0 && shut == 0 ->
		sleepers++;		/* BUG: announced after the check */
		futex_wait(FA_POOL, wake_seq, seq, false, ret)
	:: else -> sleepers++
	fi;
#elif defined(BUG_SEQ_LATE)
	sleepers++;
	if
	:: pending == 0 && shut == 0 ->
		seq = wake_seq;		/* BUG: read after the check */
		futex_wait(FA_POOL, wake_seq, seq, false, ret)
	:: else -> skip
	fi;
#else
	seq = wake_seq;			/* acquire load, first */
	sleepers++;			/* seq_cst RMW: announce */
	if
	:: pending == 0 && shut == 0 ->	/* seq_cst re-check */
		futex_wait(FA_POOL, wake_seq, seq, false, ret)
	:: else -> skip
	fi;
#endif
	sleepers--;
	goto loop;
finish:
	done++
}

init {
	byte t;

	atomic {
		do
		:: t < NSUB -> run submitter(t); t++
		:: t >= NSUB && t < NT -> run worker(t); t++
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
		assert(taken == TOTAL && pending == 0)
	:: timeout ->
		/* nothing can move and not everyone finished: a task queued
		 * while the workers sleep, or a worker left parked */
		assert(done == NT)		/* lost wakeup */
	fi
}
