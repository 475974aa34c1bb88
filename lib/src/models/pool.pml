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
 *   end: assertion at each take).
 * - Tasks that never return: with two workers or more, one worker may stay
 *   in a task for good (ghost `blocked`; it counts as finished). The other
 *   workers must still get every other task: a pool must behave as its
 *   number of threads, whatever its tasks do.
 * - Progress: LTL `terminates` under weak fairness.
 *
 * Modelling notes
 * - The queue is two counts: `inbox` (tasks pushed by submits, a
 *   lock-free stack in pool.c) and `queued` (tasks drained into the FIFO,
 *   under the pool lock); the handshake reads only the counts. A submit's
 *   push is one step (inbox++, a seq_cst CAS). Under the lock (`plock`),
 *   a worker whose FIFO is empty drains: the exchange that empties the
 *   inbox and the seq_cst store that adds to queued are two steps, so an
 *   idle worker may look between them and see neither; then it takes the
 *   head (queued--).
 * - Each access to inbox, queued, shut, spinning, sleepers and wake_seq
 *   is one step. The ones that decide (submit: the push, then spinning,
 *   then sleepers; worker: sleepers++, then inbox, queued and shut) are
 *   seq_cst in pool.c, so spin's interleavings (sequential consistency)
 *   are exact for them. pop's relaxed peek only skips the lock when it
 *   sees nothing; the worker then goes on to the seq_cst re-check, so
 *   reading a stale empty queue is a path spin explores.
 * - Waiters that take their own future back (work inlining) and cancel
 *   are not modelled here: they only remove tasks (rl_pool checks them
 *   over the real code).
 * - The spin loop's probes (CT_POOL_SPIN after pauses, then up to
 *   CT_POOL_YIELD_SPIN after a sched_yield each, within CT_POOL_YIELD_NS;
 *   only the yields for a worker confined to one CPU: the same loop) are
 *   one probe that spin may place anywhere in the window (or none: it
 *   found nothing); only its result is used after the loop.
 * - Spurious futex returns: futex.pml's budget (SPURIOUS).
 * - maybe_wake's three loads and CAS, and the token clear on the way out
 *   of idle(), are seq_cst in pool.c; `waking` is one bit here.
 *
 * Bug switches (spin -DBUG_...), each one a plausible wrong edit:
 *   BUG_CHECK_FIRST  the worker re-checks the queue before announcing itself
 *                    in sleepers (pool.c idle(): the two swapped): a submit
 *                    between them sees no sleeper and wakes nobody
 *   BUG_SEQ_LATE     the worker reads wake_seq after its re-check (the
 *                    first load of idle() moved down): a wake in between
 *                    is not seen by the futex compare
 *   BUG_SPIN_TRUST   a spinner that found nothing parks without the
 *                    re-check ("it just looked"): a submit that saw it
 *                    spinning did not wake anybody
 *   BUG_SUB_EARLY    submit reads sleepers before its push (the wake
 *                    decision moved above the push)
 *   BUG_NO_PASS      a worker that takes a task and sees more queued does
 *                    not pass a wake on: a submit that found a wake in
 *                    flight (waking) woke nobody, and the woken worker
 *                    stays in a task that never returns
 *   BUG_RECHECK_INBOX the worker's re-check looks at the inbox only, not
 *                    at queued: a worker that drained two tasks and
 *                    stays in the first (it never returns) found no
 *                    sleeper when it passed a wake on; the other worker,
 *                    announced after that, parks over the second
 *   BUG_STALE_TOKEN  the worker parks without looking at `waking`: a
 *                    submit that decided to wake from a sleeper count that
 *                    has gone stale (that worker saw the task and left)
 *                    sets the token for nobody; a worker that announced
 *                    after the wake parks, and later submits, seeing the
 *                    token, wake no one
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
#ifdef BUG_STALE_TOKEN
#define WAKING_CHECK 1		/* BUG: parks whatever waking says */
#else
#define WAKING_CHECK (waking == 0)
#endif

#include "futex.pml"


byte inbox;		/* ct_pool.inbox: tasks pushed, not yet drained */
byte queued;		/* ct_pool.queued: tasks in the FIFO */
bit plock;		/* ct_pool.lock (drain and take) */
bit shut;		/* ct_pool.shut */
bit spinning;		/* ct_pool.spinning */
bit waking;		/* ct_pool.waking: a wake is on its way */
bit blocked;		/* ghost: a worker is stuck in its task for good */
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

/* maybe_wake() (pool.c): one wake in flight at a time. Locals: sp, sl. */
inline maybe_wake()
{
	sp = spinning;			/* seq_cst loads */
	if
	:: sp == 0 -> sl = sleepers
	:: else -> sl = 0
	fi;
	if
	:: sl > 0 ->
		atomic {		/* CAS waking 0 -> 1 */
			if
			:: waking == 0 -> waking = 1; sl = 1
			:: else -> sl = 0
			fi
		};
		if
		:: sl == 1 -> wake_one()
		:: else -> skip
		fi
	:: else -> skip
	fi
}

/* submit() (pool.c): push onto the inbox (a seq_cst CAS), then decide. */
proctype submitter(byte me)
{
	byte i, sl;
	bit sp;

	do
	:: i < ITEMS ->
#ifdef BUG_SUB_EARLY
		sl = sleepers;		/* BUG: decided before the push */
		inbox++;
		sp = spinning;
		if
		:: sp == 0 && sl > 0 -> wake_one()
		:: else -> skip
		fi;
#else
		inbox++;		/* seq_cst CAS */
		maybe_wake();
#endif
		i++
	:: else -> break
	od;
	if
	:: me == 0 ->
		/* ghost: every task taken (see the header), then shutdown */
		taken == TOTAL;
		/* shutdown: close and drain the inbox (empty here: every
		 * task was taken), then shut, seq_cst */
		shut = 1;
		wake_all()
	:: else -> skip
	fi;
	done++
}

/* worker_main() and idle() (pool.c). */
proctype worker(byte me)
{
	byte seq, ret, sl, k, ib, q;
	bit found, role, sp, got;

loop:
	/* pop(): relaxed peek, then under the lock: drain the inbox if the
	 * FIFO is empty (the exchange, then the seq_cst store of queued:
	 * two steps, an idle worker may look in between), take the head */
	if
	:: inbox > 0 || queued > 0 ->
		atomic { plock == 0 -> plock = 1 };
		if
		:: queued == 0 ->
			atomic { k = inbox; inbox = 0 };
			d_step { queued = queued + k; k = 0 }
		:: else -> skip
		fi;
		if
		:: queued > 0 -> queued--; taken++; assert(taken <= TOTAL); got = 1
		:: else -> got = 0
		fi;
		plock = 0;
#ifndef BUG_NO_PASS
		/* more queued: pass a wake on (worker_main; has_work_sc: the
		 * inbox, then queued) */
		ib = inbox;
		q = queued;
		if
		:: d_step { got == 1 && (ib > 0 || q > 0) -> ib = 0; q = 0 }; maybe_wake()
		:: else -> d_step { ib = 0; q = 0 }
		fi;
#endif
		/* the task: returns, or (one worker, if another exists) never */
		if
		:: atomic { got == 1 && blocked == 0 && NT - NSUB > 1 -> blocked = 1 }; goto finish
		:: else -> skip
		fi;
		goto loop
	:: else -> skip
	fi;
	/* worker_main: shut down and nothing queued: exit */
	if
	:: shut == 1 && inbox == 0 && queued == 0 -> goto finish
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
		/* the probes: one look at the queue or shut anywhere, or none */
		if
		:: found = (inbox > 0 || queued > 0 || shut == 1)
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
	:: inbox == 0 && queued == 0 && shut == 0 ->
		sleepers++;		/* BUG: announced after the check */
		futex_wait(FA_POOL, wake_seq, seq, false, ret)
	:: else -> sleepers++
	fi;
#elif defined(BUG_SEQ_LATE)
	sleepers++;
	if
	:: inbox == 0 && queued == 0 && shut == 0 ->
		seq = wake_seq;		/* BUG: read after the check */
		futex_wait(FA_POOL, wake_seq, seq, false, ret)
	:: else -> skip
	fi;
#else
	seq = wake_seq;			/* acquire load, first */
	sleepers++;			/* seq_cst RMW: announce */
	/* seq_cst re-checks: work (the inbox, then queued: two loads),
	 * shutdown, or a wake in flight that may have been meant for a
	 * worker gone already (then do not park: the token is cleared below
	 * and the next submit wakes again) */
	ib = inbox;
#ifdef BUG_RECHECK_INBOX
	q = 0;				/* BUG: the FIFO forgotten */
#else
	q = queued;
#endif
	if
	:: d_step { ib == 0 && q == 0 && shut == 0 && WAKING_CHECK -> ib = 0; q = 0 };
		futex_wait(FA_POOL, wake_seq, seq, false, ret)
	:: else -> d_step { ib = 0; q = 0 }
	fi;
#endif
	sleepers--;
	waking = 0;			/* seq_cst store, woken or not */
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
		assert(taken == TOTAL && inbox == 0 && queued == 0)
	:: timeout ->
		/* nothing can move and not everyone finished: a task queued
		 * while the workers sleep, or a worker left parked */
		assert(done == NT)		/* lost wakeup */
	fi
}
