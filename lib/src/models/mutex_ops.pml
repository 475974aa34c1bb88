/*
 * mutex_ops.pml — the ct_mutex protocol (lib/src/mutex.c and the inline
 * fast paths in lib/src/internal.h, documented in
 * lib/include/contend/mutex.h) as Promela inlines, included by mutex.pml
 * and cond.pml. Each step names the C statement it stands for.
 *
 * Modelling notes
 * - x86-TSO for the one store that may be delayed: unlock's releasing
 *   store of UNLOCKED (internal.h ct__mutex_unlock_inline) is followed by
 *   the load of the parking lot's waiter count with only a compiler fence
 *   between (ct__fence_light, membarrier registered), so the store may
 *   still sit in the thread's store buffer (sb[me] = 1) while the load
 *   runs. The thread itself reads its own pending value (STATE_OWN),
 *   everyone else the old one. The buffer drains at any moment
 *   (DRAIN_MAYBE), at the thread's next locked instruction (a CAS, the
 *   waiter count's add/sub), on entering the kernel (futex wait/wake: the
 *   system call and the futex code's full barrier), at the end of the
 *   unlock call (a simplification: the bug this model is for needs the
 *   load to run while the store is buffered, which it can), and at every
 *   parker's membarrier (mutex.c park_until_acquired: ct__fence_heavy, a
 *   full barrier on every CPU running a thread of the process).
 * - `mwaiters` and `mfenced` are the parking-lot slot of this one mutex
 *   (internal.h ct__mutex_lot_word: CT__LOT_COUNT and CT__LOT_FENCED of
 *   one word, read together). Its RMWs are locked instructions. The
 *   credit heuristic is a nondeterministic choice: a recheck that finds
 *   nobody counted may or may not clear FENCED. The mutex's `slow` hint,
 *   which picks unlock's path (plain store or exchange), is a free
 *   choice: the protocol is correct whatever the hint says.
 * - A full fence (atomic_thread_fence seq_cst) drains the thread's own
 *   buffer.
 * - lock_slow's probes (the spin's, one every CT_MUTEX_PROBE_GAP pauses
 *   for CT_MUTEX_SPIN pauses, and the yield phase's, one after each
 *   sched_yield, -Dmutex_yield) are one load-then-CAS attempt: a failed
 *   probe changes nothing, and spin may place the one attempt anywhere,
 *   so K attempts reach exactly the states one attempt reaches.
 * - `holders` is a ghost counter (not in the C code): the number of
 *   threads that acquired and have not yet released, updated in the same
 *   atomic step as the access that acquires or releases.
 * - ct_rmutex's inner mutex runs internal.h's ct__mutex_lock_inline and
 *   ct__mutex_unlock_inline, which ct_mutex_lock and ct_mutex_unlock call
 *   too (their default-build paths are exactly those).
 * - ct_mutex_trylock and ct_mutex_lock_for(m, 0) are try_acquire alone:
 *   the first step of the modelled lock_for.
 *
 * Inlines use the including proctype's locals `got` (bool), `contended`
 * (bool), `ret` (byte) and its parameter `me`.
 *
 * Bug switches (spin -DBUG_...), each one a plausible wrong edit:
 *   BUG_NOWAKE         unlock never wakes (ct__mutex_wake dropped)
 *   BUG_NO_MEMBARRIER  the parker does not run ct__fence_heavy after
 *                      announcing itself in an unfenced slot: it can
 *                      miss an unlock whose store is still buffered while
 *                      that unlock misses its announcement
 *   BUG_EARLY_WAITERS  the plain-store unlock loads the slot before its
 *                      store
 *   BUG_NO_RECHECK     the plain-store unlock, finding the slot busy
 *                      after its store, looks at the count without a
 *                      full fence: a parker that found the slot FENCED
 *                      skipped the heavy fence, and the one that set
 *                      FENCED ran its membarrier before our store
 *   BUG_WOKEN_CAS      a woken thread retries with try_acquire (CAS 0->1,
 *                      state LOCKED) before exchange(2): the next unlock
 *                      does not know others are still parked
 *   BUG_ACQ_ON_LOCKED  park loop tests `!= CONTENDED` instead of
 *                      `== UNLOCKED`: taking LOCKED for free
 *
 * HANDOVER (spin -DHANDOVER): -Dmutex_handover=N (mutex.c ask, grant,
 * await_grant, retract). `want` and `granted` are the WANTED and GRANTED
 * bits of ct_mutex.slow (the hint bit is not modelled: the unlock's path
 * is a free choice anyway); asked[t]: thread t holds the request. A
 * locker whose probe found the mutex held may ask (or not: its budget may
 * end first); the asker polls for the grant and for UNLOCKED, then
 * retracts. The busy unlock grants instead of releasing when it finds a
 * request and read LOCKED; a parker's exchange may make the state
 * CONTENDED between that read and the grant's CAS, as in C. A grant
 * moves the ghost `holders` from the granter to the asker in one step.
 * Its own bug switches:
 *   BUG_GRANT_RELEASES the granting unlock also stores UNLOCKED: a
 *                      barging lock takes the mutex the asker now owns
 *   BUG_RETRACT_BLIND  retract clears WANTED without looking for GRANTED:
 *                      a grant that came first is lost with the mutex
 *                      held by nobody, and everyone parks
 *
 * DIRECT (spin -DDIRECT): the direct-park mutex of -Dmutex_spin=0
 * (internal.h, mutex.c park_direct): no spin, no parking lot, unlock
 * always the exchange. Its own bug switch:
 *   BUG_DIRECT_WAIT_HELD  park_direct's pre-check parks on any held word
 *                      (the futex compares the value it read) instead of
 *                      only on CONTENDED: a parker on LOCKED has not told
 *                      unlock to wake anyone
 */
#ifndef MUTEX_OPS_PML
#define MUTEX_OPS_PML

#include "futex.pml"

#define UNLOCKED  0	/* CT_MUTEX_UNLOCKED */
#define LOCKED    1	/* CT_MUTEX_LOCKED */
#define CONTENDED 2	/* CT_MUTEX_CONTENDED */

byte state = UNLOCKED;	/* ct_mutex.state, in memory */
byte mwaiters;		/* the parking lot's slot for m: count */
bit mfenced;		/* ... and CT__LOT_FENCED */
bit mold;		/* scratch: the FENCED bit a parker's RMW returned */
bit sb[NT];		/* thread t's store of UNLOCKED is still buffered */
byte holders;		/* ghost: threads holding the mutex */
byte mbt;		/* membarrier_all's loop index (0 between steps) */
#ifdef HANDOVER
bit want;		/* ct_mutex.slow & CT__MUTEX_WANTED */
bit granted;		/* ct_mutex.slow & CT__MUTEX_GRANTED */
bit asked[NT];		/* thread t holds the request */
bit sawlocked[NT];	/* grant: thread t read state == LOCKED */
#endif

#define STATE_OWN	(sb[me] -> UNLOCKED : state)
#define DRAIN_OWN	if \
			:: sb[me] -> state = UNLOCKED; sb[me] = 0 \
			:: else \
			fi
#define DRAIN_MAYBE	if :: atomic { DRAIN_OWN } :: skip fi

/* membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): drains every store buffer */
inline membarrier_all()
{
	atomic {
		mbt = 0;
		do
		:: mbt < NT ->
			if
			:: sb[mbt] -> state = UNLOCKED; sb[mbt] = 0
			:: else
			fi;
			mbt++
		:: else -> mbt = 0; break
		od
	}
}

/* ct__mutex_try_acquire (internal.h): CAS UNLOCKED -> LOCKED, acquire */
inline try_acquire()
{
	atomic {
		DRAIN_OWN;			/* a locked instruction */
		if
		:: state == UNLOCKED -> state = LOCKED; holders++; got = true
		:: else -> got = false
		fi
	}
}

/*
 * park_until_acquired (mutex.c), with announce. may_timeout: the deadline
 * is not CT_DEADLINE_NONE. Leaves ret = OK (acquired) or ETIMEDOUT.
 */
inline park_until_acquired(may_timeout)
{
	/* mutex.c announce: old = fetch_add(lot, 1), a locked instruction */
	atomic { DRAIN_OWN; mwaiters++; mold = mfenced }
	if
	:: !mold ->
		mfenced = 1;			/* announce: fetch_or(lot, FENCED) */
#ifndef BUG_NO_MEMBARRIER
		membarrier_all()		/* announce: ct__fence_heavy() */
#else
		skip
#endif
	:: else -> skip				/* announce: a full fence (own buffer: empty) */
	fi;
	mold = 0;
	do
	:: /* mutex.c: exchange(&m->state, CONTENDED) != UNLOCKED, acquire */
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
		:: got -> ret = OK; break
		:: else -> skip
		fi;
		/* mutex.c: ct__wait(&m->state, CT_MUTEX_CONTENDED, deadline) */
		futex_wait(FA_MUTEX, state, CONTENDED, may_timeout, ret);
		if
		:: ret == ETIMEDOUT -> break		/* mutex.c: rc = ETIMEDOUT */
		:: else -> skip
		fi;
#ifdef BUG_WOKEN_CAS
		try_acquire();
		if
		:: got -> ret = OK; break
		:: else -> skip
		fi
#else
		skip
#endif
	od;
	mwaiters--;				/* mutex.c: fetch_sub(lot, 1) */
	got = false
}

#ifdef DIRECT
/* park_direct (mutex.c): glibc's pre-check, then exchange(CONTENDED) and
 * park until it returns UNLOCKED. Leaves ret = OK or ETIMEDOUT. */
inline lock_slow(may_timeout)
{
	mold = state;			/* relaxed load: the pre-check */
#ifdef BUG_DIRECT_WAIT_HELD
	if
	:: mold != UNLOCKED -> futex_wait(FA_MUTEX, state, mold, may_timeout, ret)
	:: else -> ret = OK
	fi;
#else
	if
	:: mold == CONTENDED -> futex_wait(FA_MUTEX, state, CONTENDED, may_timeout, ret)
	:: else -> ret = OK
	fi;
#endif
	mold = 0;
	do
	:: ret == ETIMEDOUT -> break
	:: else ->
		/* exchange(&m->state, CONTENDED) == UNLOCKED, acquire */
		atomic {
			got = (state == UNLOCKED);
			state = CONTENDED;
			if :: got -> holders++ :: else -> skip fi
		}
		if
		:: got -> ret = OK; break
		:: else -> futex_wait(FA_MUTEX, state, CONTENDED, may_timeout, ret)
		fi
	od;
	got = false
}
#else
#ifdef HANDOVER
/* mutex.c retract: false (got) if an unlock granted first, a locked RMW */
inline retract()
{
	atomic {
		DRAIN_OWN;
#ifndef BUG_RETRACT_BLIND
		if
		:: granted -> granted = 0; got = true	/* take_grant */
		:: else -> want = 0
		fi;
#else
		want = 0;
#endif
		asked[me] = 0
	}
}

/* mutex.c await_grant: polls for the grant and for UNLOCKED, then retracts */
inline await_grant()
{
	do
	:: granted ->			/* load(slow) & GRANTED, acquire */
		atomic { DRAIN_OWN; granted = 0; asked[me] = 0; got = true };	/* take_grant */
		break
	:: STATE_OWN == UNLOCKED ->	/* load(state) == UNLOCKED */
		try_acquire();
		if
		:: got ->
			/* retract must find no grant (mutex.c: abort) */
			atomic { DRAIN_OWN; assert(!granted); want = 0; asked[me] = 0 }
		:: else -> retract()	/* lost the CAS: break, retract */
		fi;
		break
	:: true ->			/* budget spent */
		retract();
		break
	od
}
#endif

/* lock_slow (mutex.c): the bounded spin and yield phase, then park. */
inline lock_slow(may_timeout)
{
	/* mutex.c lock_slow: relaxed load == UNLOCKED, then try_acquire */
	if
	:: STATE_OWN == UNLOCKED -> try_acquire()
	:: else -> got = false
	fi;
#ifdef HANDOVER
	/* held (or a lost CAS, which in C ends the spin: a superset): ask,
	 * or let the budget end first */
	if
	:: !got ->
		atomic {	/* ask: CAS WANTED when neither bit is set */
			DRAIN_OWN;
			if
			:: !want && !granted -> want = 1; asked[me] = 1
			:: else -> skip
			fi
		};
		if
		:: asked[me] -> await_grant()
		:: else -> skip
		fi
	:: !got -> skip
	:: got -> skip
	fi;
#endif
	if
	:: got -> ret = OK; got = false		/* return 0 (a lost CAS breaks out: park) */
	:: else -> park_until_acquired(may_timeout)
	fi
}
#endif

/* ct_mutex_lock (mutex.c, internal.h ct__mutex_lock_inline) */
inline mutex_lock()
{
	try_acquire();
	if
	:: got -> got = false
	:: else -> lock_slow(false)		/* ct__mutex_lock_slow */
	fi;
	ret = OK
}

/* ct_mutex_lock_for (mutex.c) with a finite timeout; ret = OK or ETIMEDOUT */
inline mutex_lock_for()
{
	try_acquire();
	if
	:: got -> ret = OK; got = false
	:: else -> lock_slow(true)
	fi
}

/* ct_mutex_unlock (mutex.c, internal.h ct__mutex_unlock_inline) */
inline mutex_unlock()
{
	if
#ifndef DIRECT
	:: true ->	/* internal.h: the `slow` hint is 0 (a free choice: any hint is correct) */
#ifdef BUG_EARLY_WAITERS
		contended = (mwaiters != 0);
#endif
		/* internal.h: store(&m->state, UNLOCKED, release): buffered */
		atomic { holders--; sb[me] = 1 }
		DRAIN_MAYBE;
		/* internal.h: ct__fence_light() (a compiler fence), then
		 * load(lot) != 0: mutex.c ct__mutex_unlock_recheck */
#ifndef BUG_EARLY_WAITERS
		if
		:: mwaiters != 0 || mfenced ->
#ifndef BUG_NO_RECHECK
			atomic { DRAIN_OWN };	/* recheck: atomic_thread_fence(seq_cst) */
#endif
			contended = (mwaiters != 0);	/* recheck: load(lot) & COUNT */
			if		/* out of credit: CAS(lot, FENCED, 0) */
			:: atomic { mwaiters == 0 && mfenced -> mfenced = 0 }
			:: skip
			fi
		:: else -> skip
		fi
#else
		skip
#endif
#endif
	:: true ->	/* the hint is 1 (DIRECT: the only path) */
#ifdef HANDOVER
		/* mutex.c grant: load(slow) & WANTED, load(state) == LOCKED */
		sawlocked[me] = (want && state == LOCKED);
		/* ... then CAS(slow, WANTED -> GRANTED), release: fails once
		 * the request is retracted */
		atomic {
			DRAIN_OWN;
			if
			:: sawlocked[me] && want ->
				want = 0; granted = 1;	/* holders: to the asker */
#ifdef BUG_GRANT_RELEASES
				state = UNLOCKED;
#endif
				contended = false
			:: else -> sawlocked[me] = 0
			fi
		};
		if
		:: sawlocked[me] -> sawlocked[me] = 0	/* granted: return */
		:: else ->
#endif
		/* mutex.c ct__mutex_unlock_busy (DIRECT: internal.h
		 * ct__mutex_unlock_inline): exchange(&m->state, UNLOCKED)
		 * == CONTENDED, release, a locked instruction */
		atomic {
			DRAIN_OWN;
			holders--;
			contended = (state == CONTENDED);
			state = UNLOCKED
		}
#ifdef HANDOVER
		fi
#endif
	fi;
	if
	:: contended ->
#ifndef BUG_NOWAKE
		atomic { DRAIN_OWN; futex_wake_one(FA_MUTEX) }	/* ct__mutex_wake: ct__wake(&m->state, 1) */
#endif
		contended = false
	:: else -> skip
	fi;
	atomic { DRAIN_OWN }			/* the end of the call (see above) */
}

#endif
