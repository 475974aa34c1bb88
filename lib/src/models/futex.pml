/*
 * futex.pml — model of the parking backend (lib/src/wait.h), included by
 * mutex_ops.pml (mutex.pml, cond.pml), ring_ops.pml and event.pml.
 *
 * Each thread t is parked on at most one futex address; parked[t] names it
 * (FA_NONE: not parked). The set of threads with parked[t] == a is the wait
 * queue of address a. The operations keep the guarantees wait.h promises
 * and both backends (wait_futex.c, wait_portable.c) implement:
 *
 *  - futex_wait compares the word and enqueues in one atomic step, so a
 *    "store, then wake" by another thread cannot fall between the check
 *    and the enqueue (wait.h: "blocks only if *addr == expected").
 *  - A wake dequeues; a dequeued thread returns 0 even if its deadline has
 *    passed meanwhile: a timeout fires only while still enqueued (the
 *    kernel's "woken and unqueued wins"; wait_portable.c's "a wake is never
 *    swallowed"). BUG_SWALLOW breaks exactly this.
 *  - Which waiter a wake picks is chosen by spin (every choice is explored):
 *    the model assumes no FIFO order.
 *  - Spurious returns (EINTR): at most SPURIOUS in the whole run, so that
 *    they cannot hide a lost wakeup by waking every parked thread for ever.
 *  - Hooks for the includer (event.pml), if it defines them before the
 *    #include: FUTEX_PARK_HOOK runs in the step that enqueues a thread,
 *    FUTEX_TIMEOUT_HOOK in the step where its timeout fires.
 *
 * Inlines expect the including proctype to have a parameter `me` (thread
 * index 0..NT-1). Supports NT <= 4.
 */
#ifndef FUTEX_PML
#define FUTEX_PML

#if NT > 4
#error "futex.pml: wake choices are spelled out for at most 4 threads"
#endif

#ifndef SPURIOUS
#define SPURIOUS 1
#endif

#define FA_NONE  0	/* not parked */
#define FA_MUTEX 1	/* &m->state */
#define FA_SEQ   2	/* &c->seq */
#define FA_NOT_EMPTY 3	/* &r->not_empty.seq (ring.pml) */
#define FA_NOT_FULL  4	/* &r->not_full.seq (ring.pml) */
#define FA_EVENT     5	/* &e->state (event.pml) */
#define FA_POOL      6	/* &p->wake_seq (pool.pml) */

/* ct__wait results */
#define OK        0
#define ETIMEDOUT 1
#define EAGAIN    2

byte parked[NT];		/* the wait queues: address thread t waits on */
byte spurious = SPURIOUS;	/* spurious returns left in this run */

/*
 * ct__wait(addr, expected, deadline) (wait.h; wait_futex.c ct__wait,
 * wait_portable.c ct__wait). `word` is the variable at addr. Sets ret to
 * OK or ETIMEDOUT; may_timeout is false for CT_DEADLINE_NONE.
 */
inline futex_wait(addr, word, expected, may_timeout, ret)
{
	/* compare and enqueue atomically (FUTEX_WAIT under the hash-bucket
	 * lock; wait_portable.c:114-124 under the bucket lock) */
	atomic {
		if
		:: word == expected ->
#ifdef FUTEX_PARK_HOOK
			FUTEX_PARK_HOOK;
#endif
			parked[me] = addr
		:: else -> skip		/* EAGAIN: returns 0 at once */
		fi
	}
	/* blocked until dequeued by a wake, a timeout or a spurious return */
	if
	:: parked[me] == FA_NONE -> ret = OK
	:: atomic { may_timeout && parked[me] != FA_NONE ->
#ifdef FUTEX_TIMEOUT_HOOK
			FUTEX_TIMEOUT_HOOK;
#endif
			parked[me] = FA_NONE; ret = ETIMEDOUT }
	:: atomic { spurious > 0 && parked[me] != FA_NONE ->
			parked[me] = FA_NONE; spurious--; ret = OK }
#ifdef BUG_SWALLOW
	/* BUG: a thread already dequeued by a wake may still report its
	 * timeout, so the wake it consumed is lost to everyone else. */
	:: atomic { may_timeout && parked[me] == FA_NONE -> ret = ETIMEDOUT }
#endif
	fi
}

/* ct__wake(addr, 1): dequeue one waiter of addr, if any; spin picks which. */
inline futex_wake_one(addr)
{
	atomic {
		if
		:: parked[0] == addr -> parked[0] = FA_NONE
		:: parked[1] == addr -> parked[1] = FA_NONE
#if NT > 2
		:: parked[2] == addr -> parked[2] = FA_NONE
#endif
#if NT > 3
		:: parked[3] == addr -> parked[3] = FA_NONE
#endif
		:: else -> skip
		fi
	}
}

/* ct__wake(addr, CT_WAKE_ALL) */
inline futex_wake_all(addr)
{
	d_step {
		if :: parked[0] == addr -> parked[0] = FA_NONE :: else -> skip fi;
		if :: parked[1] == addr -> parked[1] = FA_NONE :: else -> skip fi;
#if NT > 2
		if :: parked[2] == addr -> parked[2] = FA_NONE :: else -> skip fi;
#endif
#if NT > 3
		if :: parked[3] == addr -> parked[3] = FA_NONE :: else -> skip fi;
#endif
		skip
	}
}

#endif
