/*
 * wait_relacy.h — atomics, fences and parking for the Relacy build.
 *
 * Private, C++ only, included by wait.h when CT_RELACY is defined: the
 * Relacy checks (lib/tests/relacy) compile the library's own .c files as
 * C++ against Relacy (Debian relacy-dev), which explores thread
 * interleavings and the weak behaviours the C11/C++11 memory model allows.
 * The sources keep their C11 spelling; this header gives those names
 * Relacy meanings, each operation carrying Relacy's `$` (the caller's file
 * and line, since these are macros):
 *
 *   _Atomic(T)                          rl::atomic<T>
 *   atomic_load_explicit(p, mo), ...    p->load(mo, $), ...
 *   atomic_thread_fence(mo)             rl::atomic_thread_fence(mo, $)
 *   memory_order_*                      rl::mo_*
 *   atomic_int, atomic_long             plain counters, not checked (event.c's
 *                                       spin permits: static, so they cannot be
 *                                       Relacy objects, and they order nothing)
 *
 * Parking is a model of Linux futex(2) built from Relacy's own mutex and
 * condition variable ("the kernel"), with the same guarantees wait.h
 * promises, and no more: a waiter announces itself (the futex hash
 * bucket's waiter count), then a full fence, then reads the word under the
 * kernel lock; ct__wake does a full fence and skips the kernel when no
 * waiter is announced, as futex_wake does, so a wake with nobody parked
 * orders nothing. A timed wait times out by a nondeterministic choice
 * (rl::rand) or by Relacy's own timed wait; the clock (ct__now_ns) says
 * nondeterministically whether the deadline has passed (and once it has,
 * it stays passed). A waiter returns only when woken or timed out (the
 * real backends may also return spuriously; the callers loop either way).
 * Thread ids are Relacy's thread indexes + 1; the pause hint is rl::yield.
 * The model's state (ct_rl_kernel) belongs to the running test: Relacy
 * threads are fibers of one OS thread, so thread-locals are shared.
 *
 * Seeded bugs: built with -DCT_RL_BUG=NAME, CT_SEEDED(NAME, order) in the
 * sources is memory_order_relaxed (see wait.h and docs/reliability.md).
 */
#ifndef CONTEND_WAIT_RELACY_H
#define CONTEND_WAIT_RELACY_H

#ifndef __cplusplus
#error "wait_relacy.h is for the Relacy build, which compiles the sources as C++"
#endif

#include <relacy/relacy.hpp>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define memory_order_relaxed rl::mo_relaxed
#define memory_order_consume rl::mo_consume
#define memory_order_acquire rl::mo_acquire
#define memory_order_release rl::mo_release
#define memory_order_acq_rel rl::mo_acq_rel
#define memory_order_seq_cst rl::mo_seq_cst

#define _Atomic(T) rl::atomic<T>
/* Layout assertions are about the C build (rl::atomic is larger). */
#define _Static_assert(cond, msg) static_assert(true, msg)

#define atomic_init(p, v) ((p)->store((v), rl::mo_relaxed, $))
#define atomic_load_explicit(p, mo) ((p)->load((mo), $))
#define atomic_store_explicit(p, v, mo) ((p)->store((v), (mo), $))
#define atomic_exchange_explicit(p, v, mo) ((p)->exchange((v), (mo), $))
#define atomic_fetch_add_explicit(p, v, mo) ((p)->fetch_add((v), (mo), $))
#define atomic_fetch_sub_explicit(p, v, mo) ((p)->fetch_sub((v), (mo), $))
#define atomic_fetch_or_explicit(p, v, mo) ((p)->fetch_or((v), (mo), $))
#define atomic_fetch_and_explicit(p, v, mo) ((p)->fetch_and((v), (mo), $))
#define atomic_compare_exchange_weak_explicit(p, e, d, s, f) \
	((p)->compare_exchange_weak(*(e), (d), (s), $, (f), $))
#define atomic_compare_exchange_strong_explicit(p, e, d, s, f) \
	((p)->compare_exchange_strong(*(e), (d), (s), $, (f), $))
#define atomic_thread_fence(mo) rl::atomic_thread_fence((mo), $)
#define atomic_signal_fence(mo) ((void)0)

/* Plain counters with the atomic interface (see the table above). */
template <typename T>
struct ct_rl_counter {
	T v;
	T load(rl::memory_order, rl::debug_info_param) const { return v; }
	void store(T x, rl::memory_order, rl::debug_info_param) { v = x; }
	T fetch_add(T x, rl::memory_order, rl::debug_info_param) { T o = v; v += x; return o; }
	T fetch_sub(T x, rl::memory_order, rl::debug_info_param) { T o = v; v -= x; return o; }
	bool compare_exchange_weak(T &e, T d, rl::memory_order, rl::debug_info_param,
				   rl::memory_order, rl::debug_info_param)
	{
		if (v != e) {
			e = v;
			return false;
		}
		v = d;
		return true;
	}
	bool compare_exchange_strong(T &e, T d, rl::memory_order s, rl::debug_info_param i,
				     rl::memory_order f, rl::debug_info_param j)
	{
		return compare_exchange_weak(e, d, s, i, f, j);
	}
};
typedef ct_rl_counter<int> atomic_int;
typedef ct_rl_counter<long> atomic_long;

/* ---- seeded ordering bugs ----------------------------------------------- */

#ifdef CT_RL_BUG
#define CT_RL_STR_(x) #x
#define CT_RL_STR(x) CT_RL_STR_(x)
/* Set when a site named by CT_RL_BUG ran: a variant whose site never runs
 * is reported as such, not as caught. */
inline bool ct_rl_seeded_ran;
static inline bool ct_rl_seeded(const char *bug)
{
	if (strcmp(bug, CT_RL_STR(CT_RL_BUG)) != 0)
		return false;
	ct_rl_seeded_ran = true;
	return true;
}
#define CT_SEEDED(bug, order) (ct_rl_seeded(#bug) ? rl::mo_relaxed : (order))
#endif

/* ---- thread id, pause, clock -------------------------------------------- */

static inline uint32_t ct__self(void)
{
	return (uint32_t)rl::thread_index() + 1;
}

static inline void ct__cpu_relax(void)
{
	rl::yield(1, $);
}

static inline void ct__yield(void)
{
	rl::yield(1, $);
}

/*
 * The asymmetric fence pair (wait.h). membarrier runs a full barrier on
 * every CPU running a thread of the process, so the pair orders like two
 * full fences, which is what the model runs: a check of ring.c's release
 * publish/free stores then needs both halves (docs/reliability.md). The
 * "membarrier failed" branch is never taken here.
 */
static inline void ct__fence_heavy_init(void) {}
static inline int ct__fence_is_asymmetric(void) { return 0; }
static inline int ct__fence_heavy(void)
{
	(rl::atomic_thread_fence)(rl::mo_seq_cst, $);
	return 0;
}
static inline void ct__fence_light(void)
{
	(rl::atomic_thread_fence)(rl::mo_seq_cst, $);
}

/* ---- the futex model ---------------------------------------------------- */

struct ct_rl_waiter {
	rl::atomic<uint32_t> *addr;	/* the word it waits on */
	bool woken;
	ct_rl_waiter *next;
	rl::condition_variable cv;
};

/* One per Relacy test (a member of the test suite: Relacy objects live in
 * its executions); the test points ct_rl_kernel::current at it in before(). */
struct ct_rl_kernel {
	rl::mutex lock;			/* the hash bucket lock */
	rl::atomic<int> pending;	/* threads inside ct__wait: futex_wake's hint */
	rl::atomic<uint32_t> mutex_lot_word;	/* the mutex parking lot: one slot */
	ct_rl_waiter *queue = nullptr;	/* parked threads, FIFO; under lock */
	int parked = 0;			/* length of queue */
	bool passed[64] = {};		/* per thread: its deadline has passed */

	ct_rl_kernel() : pending(0), mutex_lot_word(0) {}

	static inline ct_rl_kernel *current;

	void enqueue(ct_rl_waiter *w)
	{
		ct_rl_waiter **pp = &queue;
		while (*pp)
			pp = &(*pp)->next;
		w->next = nullptr;
		*pp = w;
		parked++;
	}

	void remove(ct_rl_waiter *w)
	{
		for (ct_rl_waiter **pp = &queue; *pp; pp = &(*pp)->next) {
			if (*pp == w) {
				*pp = w->next;
				parked--;
				return;
			}
		}
	}

	/* Wakes up to n waiters on addr; returns how many. Lock held. */
	int wake_locked(rl::atomic<uint32_t> *addr, int32_t n)
	{
		int woken = 0;
		ct_rl_waiter **pp = &queue;
		while (*pp && woken < n) {
			ct_rl_waiter *w = *pp;
			if (w->addr == addr) {
				*pp = w->next;
				parked--;
				w->woken = true;
				w->cv.notify_one($);
				woken++;
			} else {
				pp = &w->next;
			}
		}
		return woken;
	}
};

/*
 * The clock. ct__deadline returns 1 for any finite timeout; ct__now_ns
 * returns 0 (the caller's deadline has not passed) or 1 (it has): a
 * nondeterministic choice, until the deadline has passed for this thread
 * (a 1 was returned or a wait timed out), after which it stays 1 until
 * the thread's next ct__deadline, as a real clock would.
 */
static inline uint64_t ct__deadline(uint64_t timeout_ns)
{
	if (timeout_ns == UINT64_MAX)
		return UINT64_MAX;
	ct_rl_kernel::current->passed[rl::thread_index()] = false;
	return 1;
}

static inline uint64_t ct__now_ns(void)
{
	bool &passed = ct_rl_kernel::current->passed[rl::thread_index()];
	if (!passed && rl::rand(2))
		passed = true;
	return passed;
}

inline int ct__wait(rl::atomic<uint32_t> *addr, uint32_t expected, uint64_t deadline_ns)
{
	ct_rl_kernel &k = *ct_rl_kernel::current;
	int r = 0;

	k.lock.lock($);
	k.pending.fetch_add(1, rl::mo_relaxed, $);
	/* futex_wait: waiter count, full barrier, then the value read. */
	(rl::atomic_thread_fence)(rl::mo_seq_cst, $);
	if (addr->load(rl::mo_relaxed, $) != expected) {
		k.pending.fetch_sub(1, rl::mo_relaxed, $);
		k.lock.unlock($);
		return 0;
	}
	if (deadline_ns != UINT64_MAX && (k.passed[rl::thread_index()] || rl::rand(2))) {
		k.passed[rl::thread_index()] = true;
		k.pending.fetch_sub(1, rl::mo_relaxed, $);
		k.lock.unlock($);
		return ETIMEDOUT;
	}
	ct_rl_waiter w;
	w.addr = addr;
	w.woken = false;
	k.enqueue(&w);
	while (!w.woken) {
		if (deadline_ns == UINT64_MAX) {
			w.cv.wait(k.lock, $);
		} else if (!w.cv.wait_for(k.lock, 1, $) && !w.woken) {
			k.remove(&w);
			k.passed[rl::thread_index()] = true;
			r = ETIMEDOUT;
			break;
		}
	}
	k.pending.fetch_sub(1, rl::mo_relaxed, $);
	k.lock.unlock($);
	return r;
}

inline int ct__wake(rl::atomic<uint32_t> *addr, int32_t n)
{
	ct_rl_kernel &k = *ct_rl_kernel::current;

	/* futex_wake: full barrier, then skip the bucket if nobody waits. */
	(rl::atomic_thread_fence)(rl::mo_seq_cst, $);
	if (k.pending.load(rl::mo_relaxed, $) == 0)
		return 0;
	k.lock.lock($);
	int woken = k.wake_locked(addr, n);
	k.lock.unlock($);
	return woken;
}

#endif
