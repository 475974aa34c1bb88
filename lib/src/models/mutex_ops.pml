/*
 * mutex_ops.pml — the ct_mutex protocol (lib/src/mutex.c, documented in
 * lib/include/contend/mutex.h) as Promela inlines, included by mutex.pml
 * and cond.pml. Each step names the C statement it stands for.
 *
 * Modelling notes
 * - One atomic step per atomic RMW on m->state. Every access to `state` is
 *   to that one location and all RMWs on it are totally ordered, so spin's
 *   interleaving semantics is exact for the protocol; what it does not
 *   model is the ordering of *other* memory (acquire/release publication
 *   of the critical section), which the protocol does not rely on for
 *   correctness of the state machine.
 * - lock_slow's probes (exponential backoff, at most CT_MUTEX_SPIN pauses)
 *   are one load-then-CAS attempt: a failed probe changes nothing, a lost
 *   CAS ends the spin, and spin may place the one attempt
 *   anywhere, so K attempts reach exactly the states one attempt reaches.
 * - `holders` is a ghost counter (not in the C code): the number of
 *   threads that acquired and have not yet released, updated in the same
 *   atomic step as the RMW that acquires or releases.
 * - ct_rmutex's inner mutex runs internal.h's ct__mutex_lock_inline and
 *   ct__mutex_unlock_inline, which ct_mutex_lock and ct_mutex_unlock call
 *   too (their default-build paths are exactly those).
 * - ct_mutex_trylock and ct_mutex_lock_for(m, 0) are try_acquire alone
 *   (mutex.c:128, :137-139): the first step of the modelled lock_for.
 *
 * Inlines use the including proctype's locals `got` (bool), `contended`
 * (bool), `ret` (byte) and its parameter `me`.
 *
 * Bug switches (spin -DBUG_...), each one a plausible wrong edit:
 *   BUG_NOWAKE         unlock never wakes (internal.h:67 dropped)
 *   BUG_WOKEN_CAS      a woken thread retries with try_acquire (CAS 0->1,
 *                      state LOCKED) before exchange(2): the next unlock
 *                      does not know others are still parked
 *   BUG_ACQ_ON_LOCKED  park loop tests `== CONTENDED` instead of
 *                      `!= UNLOCKED` (mutex.c:78-80): taking LOCKED for free
 */
#ifndef MUTEX_OPS_PML
#define MUTEX_OPS_PML

#include "futex.pml"

#define UNLOCKED  0	/* CT_MUTEX_UNLOCKED */
#define LOCKED    1	/* CT_MUTEX_LOCKED */
#define CONTENDED 2	/* CT_MUTEX_CONTENDED */

byte state = UNLOCKED;	/* ct_mutex.state */
byte holders;		/* ghost: threads holding the mutex */

/* ct__mutex_try_acquire (internal.h:45-53): CAS UNLOCKED -> LOCKED, acquire */
inline try_acquire()
{
	atomic {
		if
		:: state == UNLOCKED -> state = LOCKED; holders++; got = true
		:: else -> got = false
		fi
	}
}

/*
 * park_until_acquired (mutex.c:76-85). may_timeout: the deadline is not
 * CT_DEADLINE_NONE. Leaves ret = OK (acquired) or ETIMEDOUT.
 */
inline park_until_acquired(may_timeout)
{
	do
	:: /* mutex.c:78-80: atomic_exchange(&m->state, CONTENDED) != UNLOCKED */
		atomic {
#ifdef BUG_ACQ_ON_LOCKED
			got = (state != CONTENDED);
#else
			got = (state == UNLOCKED);
#endif
			state = CONTENDED;
			if :: got -> holders++ :: else -> skip fi
		}
		if
		:: got -> ret = OK; break		/* mutex.c:84: return 0 */
		:: else -> skip
		fi;
		/* mutex.c:81: ct__wait(&m->state, CT_MUTEX_CONTENDED, deadline) */
		futex_wait(FA_MUTEX, state, CONTENDED, may_timeout, ret);
		if
		:: ret == ETIMEDOUT -> break		/* mutex.c:82: return ETIMEDOUT */
		:: else -> skip
		fi;
#ifdef BUG_WOKEN_CAS
		try_acquire();
		if
		:: got -> ret = OK; break
		:: else -> skip
		fi
#endif
	od;
	got = false
}

/* lock_slow (mutex.c:100-117): the bounded spin, then park. */
inline lock_slow(may_timeout)
{
	/* mutex.c:109-111: relaxed load == UNLOCKED, then try_acquire */
	if
	:: state == UNLOCKED -> try_acquire()
	:: else -> got = false
	fi;
	if
	:: got -> ret = OK; got = false		/* mutex.c:112: return 0 (a lost CAS breaks out: park) */
	:: else -> park_until_acquired(may_timeout)	/* mutex.c:116 */
	fi
}

/* ct_mutex_lock (mutex.c:119-124, internal.h:55-59) */
inline mutex_lock()
{
	try_acquire();				/* internal.h:57 */
	if
	:: got -> got = false
	:: else -> lock_slow(false)		/* internal.h:58, mutex.c:157 */
	fi;
	ret = OK
}

/* ct_mutex_lock_for (mutex.c:134-143) with a finite timeout; ret = OK or ETIMEDOUT */
inline mutex_lock_for()
{
	try_acquire();				/* mutex.c:137 */
	if
	:: got -> ret = OK; got = false
	:: else -> lock_slow(true)		/* mutex.c:138 */
	fi
}

/* ct_mutex_unlock (mutex.c:145-153, internal.h:61-68) */
inline mutex_unlock()
{
	/* internal.h:64-66: atomic_exchange(&m->state, UNLOCKED) == CONTENDED, release */
	atomic {
		holders--;
		contended = (state == CONTENDED);
		state = UNLOCKED
	}
	if
	:: contended ->
#ifndef BUG_NOWAKE
		futex_wake_one(FA_MUTEX);	/* internal.h:67, mutex.c:162: ct__wake(&m->state, 1) */
#endif
		contended = false
	:: else -> skip
	fi
}

/* ct__mutex_relock (mutex.c:165-170): park_until_acquired, no spinning, no deadline */
inline mutex_relock()
{
	park_until_acquired(false)		/* mutex.c:168 */
}

#endif
