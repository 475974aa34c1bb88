/*
 * pool.c — ct_pool: worker threads, a lock-free inbox of the callers'
 * futures drained into a locked FIFO, spin-then-futex parking, futures
 * with helping waits, completions.
 * The protocols and their guarantees are in contend/pool.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <contend/pool.h>

#include "internal.h"
#include "wait.h"

/*
 * Probes of the queue (has_work) by the idle worker that holds the
 * spinning role before it parks. Each is one relaxed load plus a pause (~10 ns on the
 * reference VM): ~40 us, longer than a futex wake-up there (~20 us round
 * trip), so a stream of submits finds a worker awake and pays no wake.
 */
#ifndef CT_POOL_SPIN
#define CT_POOL_SPIN 4000
#endif

/*
 * Pauses the spinning worker lets pass between seeing a task queued and
 * going for it (then it looks again): the submitter of a task often waits
 * for it at once, and its wait takes a still-queued task back and runs it
 * inline, on its own cache lines. A worker that went straight for it
 * raced the submitter for the inbox and the future, and when it won the
 * round trip paid two cross-CPU line transfers: roundtrip gap 0 p50 was
 * 40, 80, 210 or 360 ns from one process to the next, 40 ns in every
 * process with 48 (~0.5-1 us); `empty`, `forkjoin`, `fib:18` and
 * `work_ns:1000` did not lose (docs/performance.md, "ct_pool's spinning
 * worker lets the submitter take its task back").
 * The Relacy build skips it: a pause is a scheduling point of the model.
 */
#ifndef CT_POOL_GRACE
#ifdef CT_RELACY
#define CT_POOL_GRACE 0
#else
#define CT_POOL_GRACE 48
#endif
#endif

/*
 * Probes by the spinning worker after its pause-spin, each after a
 * sched_yield (~0.2 us when nothing else wants that CPU); the only probes
 * of a worker that may run on one CPU only. A pause-spin there only keeps
 * the threads that share the CPU (the submitter, when the pool was started
 * by a thread pinned to one CPU: its workers inherit the mask) from
 * queueing the work it waits for; a yield hands them the CPU and finds
 * their tasks on its return. As it takes no CPU from them, the yields
 * widen the window: ~120 us alone, past a short sleep of the submitter
 * (nanosleep's default 50 us timer slack makes a 10 us sleep ~60 us and a
 * 50 us one ~110 us), so its next submit needs no wake: roundtrip gap 10
 * p50 ~1 us -> ~0.17 us at 200 -> 600 probes on one CPU. After the
 * pause-spin on several CPUs the same 600 yields took gap 10 / 50 p50 from
 * ~1.3 / ~0.9 us to ~0.3 / ~0.6 us and, with fewer parks and wakes,
 * raised `empty`, `fib:18` and `forkjoin` at 2-8 workers 1.5-2.4x
 * (docs/performance.md, "ct_pool's spinner yields before it parks").
 */
#ifndef CT_POOL_YIELD_SPIN
#define CT_POOL_YIELD_SPIN 600
#endif

/*
 * The longest the yields go on, in wall time (ns): alone they end after
 * ~120 us; where busy threads share the CPU each yield may last a time
 * slice (600 took ~0.9 s beside one busy thread), so the worker parks
 * after about this long plus one slice.
 */
#ifndef CT_POOL_YIELD_NS
#define CT_POOL_YIELD_NS 500000u
#endif

/* Probes of a future's state by a waiter before it parks (~4 us). */
#ifndef CT_FUTURE_SPIN
#define CT_FUTURE_SPIN 400
#endif

/* One cache line on LP64 (pool.h): next and cnext share a word. */
_Static_assert(sizeof(void *) != 8 || sizeof(ct_future) == 64, "ct_future is 64 bytes");

/* Futures ct_pool_map keeps in flight (one allocation). */
#define MAP_WINDOW 1024

enum {
	F_PENDING = CT_FUTURE_PENDING,
	F_RUNNING = CT_FUTURE_RUNNING,
	F_DONE = CT_FUTURE_DONE,
	F_CANCELLED = CT_FUTURE_CANCELLED,
	F_MASK = CT_FUTURE_STATE_MASK,
	F_WAITERS = CT_FUTURE_WAITERS,
	F_WAKING = CT_FUTURE_WAKING,
};

/* The pool whose worker the calling thread is (NULL: not a worker). */
#ifdef CT_RELACY
/* Relacy threads are fibers of one OS thread: one slot per thread. */
static ct_pool *ct_rl_self_pools[64];
#define self_pool ct_rl_self_pools[ct__self()]
#else
static _Thread_local ct_pool *self_pool;
#endif

/*
 * Spinning waiters of futures, process-wide, at most one per online CPU
 * (as ct_event: extra spinners only take CPU from the thread they wait for).
 */
static atomic_int spinners;
static atomic_int max_spinners;		/* 0 until first needed */

static bool spin_slot_take(void)
{
	int max = atomic_load_explicit(&max_spinners, memory_order_relaxed);
	if (max == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		max = n > 1 ? (int)n : 1;
		atomic_store_explicit(&max_spinners, max, memory_order_relaxed);
	}
	/* Relaxed: a counter of permits; it orders nothing. */
	if (atomic_fetch_add_explicit(&spinners, 1, memory_order_relaxed) < max)
		return true;
	atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
	return false;
}

static void spin_slot_give(void)
{
	atomic_fetch_sub_explicit(&spinners, 1, memory_order_relaxed);
}

static void lock(ct_mutex *m)
{
#ifdef CT_CHECKED
	ct_mutex_lock(m);
#else
	ct__mutex_lock_inline(m);
#endif
}

static void unlock(ct_mutex *m)
{
#ifdef CT_CHECKED
	ct_mutex_unlock(m);
#else
	ct__mutex_unlock_inline(m);
#endif
}

/* ---- futures ------------------------------------------------------------ */

/* Released: final state (done or cancelled) and the finisher is gone. */
static bool final(uint32_t s)
{
	return (s & F_MASK) >= F_DONE && !(s & F_WAKING);
}

/* Moves f from `from` (queued or running) to DONE or CANCELLED, wakes. */
static void set_final(ct_future *f, uint32_t st)
{
	uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
	uint32_t next;
	do {
		next = st | ((s & F_WAITERS) ? F_WAKING : 0);
		/* Release: the result (and the task's writes) are visible to a
		 * waiter whose acquire load reads the final state (relaxed:
		 * rl_pool's data race, POOL_FINAL_REL). */
	} while (!atomic_compare_exchange_weak_explicit(&f->state, &s, next,
							CT_SEEDED(POOL_FINAL_REL, memory_order_release),
							memory_order_relaxed));
	if (next & F_WAKING) {
		ct__wake(&f->state, CT_WAKE_ALL);
		/* Release: the last touch of f. A waiter seeing this value may
		 * free f at once; nothing below reads it. No rl_pool scenario
		 * fails relaxed (the CAS's release reaches the waiter through
		 * this same-thread store, a C11 release sequence); kept for
		 * the hand-off of f (docs/reliability.md). */
		atomic_store_explicit(&f->state, st, memory_order_release);
	}
}

/*
 * Finishes f with result r as DONE or CANCELLED. With a completion, f is
 * queued there and made final under the completion's lock: a consumer
 * gets it only once final, and the completion is not touched after the
 * unlock (a consumer may destroy it then).
 */
static void finish(ct_future *f, void *r, uint32_t st)
{
	ct_completion *c = f->completion;
	f->result = r;
	if (c == NULL) {
		set_final(f, st);
		return;
	}
	lock(&c->lock);
	f->cnext = NULL;
	if (c->tail != NULL)
		c->tail->cnext = f;
	else
		c->head = f;
	c->tail = f;
	set_final(f, st);
	/* Relaxed: the lock orders the list; seq only breaks a park. */
	atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
	if (c->waiters > 0)
		ct__wake(&c->seq, 1);
	unlock(&c->lock);
}

/* Runs a dequeued future. */
static void run(ct_future *f)
{
	finish(f, f->fn(f->arg), F_DONE);
}

/* ---- the queue (under p->lock) ----------------------------------------- */

/*
 * Writes f->next of a future that may be in the queue: relaxed atomic,
 * because a waiter that took its future reads that future's next without
 * the lock (unlink_taken(); it uses the value only if its CAS shows the
 * future never left the inbox, which no write here can have happened to).
 */
static void set_next(ct_future *f, ct_future *n)
{
	__atomic_store_n(&f->next, n, __ATOMIC_RELAXED);
}

static void unlink_locked(ct_pool *p, ct_future *f)
{
	if (f->prev != NULL)
		set_next(f->prev, f->next);
	else
		p->head = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	else
		p->tail = f->prev;
	f->linked = 0;
	/* A load and a store, not an RMW: every write of queued is under
	 * p->lock. Relaxed: a decrement can make no worker miss a task (the
	 * increments that matter are drain()'s seq_cst store). */
	atomic_store_explicit(&p->queued,
			      atomic_load_explicit(&p->queued, memory_order_relaxed) - 1,
			      memory_order_relaxed);
}

/* The inbox's flag: the pool is shut, submits fail. */
#define INBOX_CLOSED ((uintptr_t)1)

/* Relaxed peek: anything submitted and not yet taken (in the inbox or the
 * FIFO)? A stale false is harmless where it is used (below). */
static bool has_work(ct_pool *p)
{
	return (atomic_load_explicit(&p->inbox, memory_order_relaxed) & ~INBOX_CLOSED) != 0 ||
	       atomic_load_explicit(&p->queued, memory_order_relaxed) != 0;
}

/*
 * As has_work, seq_cst: the loads that decide to park or to exit (idle,
 * worker_main). The inbox first: a future moves from the inbox to the FIFO
 * (drain), so one read after the other cannot miss one that stays put.
 */
static bool has_work_sc(ct_pool *p)
{
	return (atomic_load_explicit(&p->inbox, memory_order_seq_cst) & ~INBOX_CLOSED) != 0 ||
	       atomic_load_explicit(&p->queued, memory_order_seq_cst) != 0;
}

/*
 * Moves the inbox's futures to the end of the FIFO, oldest first (under
 * p->lock). Every locked look for a given future (unlink_taken, cancel,
 * shutdown) drains first, so a PENDING future is in the FIFO then; pop
 * drains when the FIFO is empty.
 */
static void drain(ct_pool *p)
{
	uintptr_t top = atomic_load_explicit(&p->inbox, memory_order_relaxed);
	/* seq_cst: acquire for the futures' fields (the submits' release);
	 * sequentially consistent with the re-check of an idle worker, which
	 * reads the inbox before queued (has_work_sc). Keeps the flag. An
	 * empty inbox (at the first look, or emptied meanwhile by a waiter
	 * that took its future back from the top, unlink_taken()) leaves the
	 * FIFO as it is. */
	do {
		if ((top & ~INBOX_CLOSED) == 0)
			return;
	} while (!atomic_compare_exchange_weak_explicit(&p->inbox, &top, top & INBOX_CLOSED,
							memory_order_seq_cst, memory_order_relaxed));
	/* The stack is newest first: reverse it into prev/next links. */
	ct_future *f = (ct_future *)(top & ~INBOX_CLOSED), *newer = NULL, *newest = f;
	uint32_t n = 0;
	while (f != NULL) {
		ct_future *older = f->next;
		set_next(f, newer);
		f->prev = older;
		f->linked = 1;
		newer = f;
		f = older;
		n++;
	}
	/* newer: the oldest */
	newer->prev = p->tail;
	if (p->tail != NULL)
		set_next(p->tail, newer);
	else
		p->head = newer;
	p->tail = newest;
	/*
	 * seq_cst: an idle worker whose re-check read the inbox after the
	 * exchange above and queued before this store parks; this worker
	 * then sees the futures it moved (its own store) and, after its
	 * take, passes a wake on (worker_main) with seq_cst loads of the
	 * handshake that see that worker's announce (store buffering;
	 * pool.pml, BUG_RECHECK_INBOX for the re-check's side). rl_pool
	 * passes with this store relaxed alone: kept, docs/reliability.md.
	 */
	atomic_store_explicit(&p->queued, atomic_load_explicit(&p->queued, memory_order_relaxed) + n,
			      memory_order_seq_cst);
}

/*
 * Moves f from PENDING to `to` (RUNNING: the caller runs it; CANCELLED |
 * WAKING: the caller cancels it), keeping the WAITERS bit: true if the
 * caller won. The one transition out of PENDING, so a task is run or
 * cancelled once, whoever races (workers, waiters, cancel, shutdown).
 * Acquire: a waiter that wins runs fn(arg), written before the submit's
 * release store of PENDING.
 */
static bool take(ct_future *f, uint32_t to)
{
	uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
	while ((s & F_MASK) == F_PENDING) {
		if (atomic_compare_exchange_weak_explicit(&f->state, &s, (s & F_WAITERS) | to,
							  memory_order_acquire, memory_order_relaxed))
			return true;
	}
	return false;
}

/*
 * Takes the oldest queued future that nobody has taken yet and marks it
 * RUNNING; NULL if none. Futures taken meanwhile by a waiter (which then
 * runs them) are unlinked and left alone.
 */
static ct_future *pop(ct_pool *p)
{
	/* Relaxed peek: an empty queue is common for idle workers and
	 * helpers; a task queued right after is seen on the next look. */
	if (!has_work(p))
		return NULL;
	lock(&p->lock);
	ct_future *f;
	for (;;) {
		if (p->head == NULL)
			drain(p);
		f = p->head;
		if (f == NULL)
			break;
		unlink_locked(p, f);
		/* f's waiter may have taken it: then it runs it, and f is
		 * not touched after the unlock (its waiter waits for the
		 * lock before f can be final, unlink_taken()). */
		if (take(f, F_RUNNING))
			break;
	}
	unlock(&p->lock);
	return f;
}

/*
 * Waits until f, which the caller took (take), is out of the queue: in
 * the inbox still, in the FIFO, or unlinked already by a worker that
 * found it taken. Before f becomes final: a final future may be reused.
 * If f is the inbox's top, one CAS takes it out without the lock (the
 * waiter's own lines only: submit-then-wait, a task waiting for the
 * child it pushed last). No ABA: f, taken and not final, cannot be
 * pushed again, so if the CAS finds f on top, f never left the inbox
 * and its next is still the one read (what lies below f leaves only by
 * a drain, which takes f too, or by its own waiter, with f on top).
 */
static void unlink_taken(ct_future *f)
{
	ct_pool *p = f->pool;
	/* Acquire: f's next, written before its push; every write of the
	 * inbox is an RMW, so any later value carries that release. The
	 * CAS relaxed: the inbox only loses a task nobody else may run. */
	uintptr_t top = atomic_load_explicit(&p->inbox, memory_order_acquire);
	if (top == (uintptr_t)f) {
		uintptr_t below = (uintptr_t)__atomic_load_n(&f->next, __ATOMIC_RELAXED);
		if (atomic_compare_exchange_strong_explicit(&p->inbox, &top, below,
							    memory_order_relaxed,
							    memory_order_relaxed))
			return;
	}
	lock(&p->lock);
	if (!f->linked)
		drain(p);	/* in the inbox, or unlinked by a worker */
	if (f->linked)
		unlink_locked(p, f);
	unlock(&p->lock);
}

/* Runs a future its waiter took while it was still queued: out of the
 * queue first, so that workers do not find it there meanwhile. */
static void run_taken(ct_future *f)
{
	unlink_taken(f);
	run(f);
}

/* Wakes one parked idle worker (n = 1) or all. */
static void wake_workers(ct_pool *p, int32_t n)
{
	/* Relaxed (was release; rl_pool passes either way): wake_seq only
	 * breaks a park. The queue is read under p->lock, the park decision
	 * is the push/sleepers handshake, and a bump after a worker read
	 * wake_seq fails its futex compare (the kernel orders that). */
	atomic_fetch_add_explicit(&p->wake_seq, 1, memory_order_relaxed);
	ct__wake(&p->wake_seq, n);
}

/*
 * Called after a submit's push or after a worker took a
 * task and saw more queued: wakes one parked worker unless a worker is
 * spinning (it takes the task) or a wake is already on its way (`waking`:
 * the woken worker clears it and, once it has taken a task, calls this
 * again if more are queued). One wake system call per wake-up, not one per
 * submit while the woken worker is still getting to a CPU.
 */
static void maybe_wake(ct_pool *p)
{
	/* seq_cst loads: see idle() and worker_main(). Relaxed, the spinning
	 * or the sleepers load deadlocks rl_pool (submit_park: a lost
	 * wakeup); the waking load and CAS pass relaxed one at a time and
	 * stay seq_cst (docs/reliability.md). */
	if (atomic_load_explicit(&p->spinning, memory_order_seq_cst) != 0 ||
	    atomic_load_explicit(&p->sleepers, memory_order_seq_cst) == 0 ||
	    atomic_load_explicit(&p->waking, memory_order_seq_cst) != 0)
		return;
	uint32_t zero = 0;
	if (atomic_compare_exchange_strong_explicit(&p->waking, &zero, 1, memory_order_seq_cst,
						    memory_order_relaxed))
		wake_workers(p, 1);
}

/* ---- workers ------------------------------------------------------------ */

/* seq_cst: read after a task may have been queued (worker_main's exit
 * check, idle's re-check): shutdown drains the inbox into the FIFO
 * before it stores shut, so this must be at least acquire. rl_pool does not
 * fail relaxed (docs/reliability.md). */
static bool is_shut(const ct_pool *p)
{
	return atomic_load_explicit(&((ct_pool *)p)->shut, memory_order_seq_cst) != 0;
}

/* The spinning worker's probe: work queued, or the pool shut down.
 * Relaxed: it only ends the spin; idle() re-checks with seq_cst. */
static bool has_work_or_shut(ct_pool *p)
{
	return has_work(p) || atomic_load_explicit(&p->shut, memory_order_relaxed) != 0;
}

/*
 * Idle: spin (if the role is free), then park until a submit or shutdown.
 * The spin pauses between its first CT_POOL_SPIN probes, then yields
 * between CT_POOL_YIELD_SPIN more; one_cpu: this worker may run on one
 * CPU only (no pauses: it yields between every probe).
 */
static void idle(ct_pool *p, bool one_cpu)
{
	uint32_t zero = 0;
	const int pauses = one_cpu ? 0 : CT_POOL_SPIN;
	const int spin = pauses + CT_POOL_YIELD_SPIN;
	/* seq_cst CAS: takes the role that the submit's spinning load reads;
	 * rl_pool passes with it relaxed alone (the store below is caught). */
	if (spin > 0 &&
	    atomic_compare_exchange_strong_explicit(&p->spinning, &zero, 1, memory_order_seq_cst,
						    memory_order_relaxed)) {
		bool found = false;
		uint64_t yield_end = 0;
		for (int i = 0; i < spin && !found; i++) {
			if (i >= pauses) {
				/* The yields' window is wall time too: where other
				 * threads want this CPU each yield may last a time
				 * slice, and the role held that long would keep
				 * submits from waking the parked workers. */
				uint64_t now = ct__now_ns();
				if (i == pauses)
					yield_end = now + CT_POOL_YIELD_NS;
				else if (now >= yield_end)
					break;
				sched_yield();
			} else {
				ct__cpu_relax();
			}
			found = has_work_or_shut(p);
			if (found && CT_POOL_GRACE > 0) {
				for (int k = 0; k < CT_POOL_GRACE; k++)
					ct__cpu_relax();
				found = has_work_or_shut(p);
				/* The grace's pauses count against the pause-spin,
				 * which stays ~CT_POOL_SPIN pauses long in all; the
				 * yields' window is wall time already. */
				if (i < pauses)
					i = i + CT_POOL_GRACE < pauses ? i + CT_POOL_GRACE : pauses - 1;
			}
		}
		/* seq_cst: a submit that read spinning == 1 did not wake
		 * anyone; its push is then ordered before
		 * this store, so the re-check below sees it. (Relaxed:
		 * rl_pool deadlocks, submit_park.) */
		atomic_store_explicit(&p->spinning, 0, memory_order_seq_cst);
		if (found)
			return;
	}
	/* Read the futex word first: a wake after this read changes it.
	 * Relaxed (was acquire): wake_seq publishes nothing (wake_workers). */
	uint32_t seq = atomic_load_explicit(&p->wake_seq, memory_order_relaxed);
	/* seq_cst announce, then seq_cst re-check: with the submit's seq_cst
	 * push and load of sleepers, one of the two sees
	 * the other (store buffering). The announce relaxed: rl_pool
	 * deadlocks (POOL_SLEEP_SC); the re-check loads pass relaxed one at
	 * a time (the wake_seq futex compare covers one alone), kept. */
	atomic_fetch_add_explicit(&p->sleepers, 1, CT_SEEDED(POOL_SLEEP_SC, memory_order_seq_cst));
	/* Nor park while a wake is in flight (waking): it may have been
	 * decided from a count that included a worker gone since, and the
	 * worker it was meant for may be this one, announced after the wake
	 * was sent. The clear below then lets the next submit wake again. */
	if (!has_work_sc(p) && !is_shut(p) &&
	    atomic_load_explicit(&p->waking, memory_order_seq_cst) == 0)
		ct__wait(&p->wake_seq, seq, CT_DEADLINE_NONE);
	atomic_fetch_sub_explicit(&p->sleepers, 1, memory_order_relaxed);
	/*
	 * Every announced worker clears the token on its way out, woken or
	 * not, so a token never outlives the sleepers it was meant for.
	 * seq_cst: a submit that saw waking == 1 did not wake anyone; its
	 * push is ordered before this store, so this
	 * worker's next take (or its next idle re-check) sees that task, and
	 * a take that leaves more queued passes a wake on (worker_main).
	 * rl_pool passes with it relaxed alone (docs/reliability.md).
	 */
	atomic_store_explicit(&p->waking, 0, memory_order_seq_cst);
}

static unsigned allowed_cpus(void);

static void *worker_main(void *arg)
{
	ct_pool *p = arg;
	self_pool = p;
#ifdef CT_RELACY
	const bool one_cpu = false;	/* the pause-spin; the protocol is the same */
#else
	const bool one_cpu = allowed_cpus() == 1;
#endif
	for (;;) {
		ct_future *f = pop(p);
		if (f != NULL) {
			/* More queued: pass a wake on (see maybe_wake). seq_cst:
			 * the waking store-buffer pattern (idle()); rl_pool
			 * passes with it relaxed alone. */
			if (has_work_sc(p))
				maybe_wake(p);
			run(f);
			continue;
		}
		/* Shut down and nothing queued (the queue read after shut:
		 * submits after shut fail, so nothing can come). seq_cst
		 * as is_shut; rl_pool passes with it relaxed alone. */
		if (is_shut(p) && !has_work_sc(p))
			break;
		idle(p, one_cpu);
	}
	/* Release: the tasks this worker ran happen before a shutdown(wait)
	 * that sees live reach 0 (relaxed: rl_pool's shutdown_wait data
	 * race, POOL_LIVE_REL). */
	if (atomic_fetch_sub_explicit(&p->live, 1, CT_SEEDED(POOL_LIVE_REL, memory_order_release)) == 1)
		ct__wake(&p->live, CT_WAKE_ALL);
	return NULL;
}

/* ---- the pool ----------------------------------------------------------- */

static unsigned allowed_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return (unsigned)n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static void join_all(ct_pool *p, unsigned n)
{
	pthread_t *t = p->threads;
	for (unsigned i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

int ct_pool_init(ct_pool *p, unsigned workers)
{
	if (workers > CT_POOL_MAX_WORKERS)
		return EINVAL;
	if (workers == 0)
		workers = allowed_cpus();
	if (workers > CT_POOL_MAX_WORKERS)
		workers = CT_POOL_MAX_WORKERS;
	ct_mutex_init(&p->lock);
	p->head = p->tail = NULL;
	atomic_init(&p->inbox, 0);
	atomic_init(&p->queued, 0);
	atomic_init(&p->shut, 0);
	atomic_init(&p->spinning, 0);
	atomic_init(&p->sleepers, 0);
	atomic_init(&p->wake_seq, 0);
	atomic_init(&p->waking, 0);
	atomic_init(&p->live, workers);
	p->nworkers = workers;
	p->threads = ct__alloc(workers * sizeof(pthread_t));
	if (p->threads == NULL)
		return ENOMEM;
	pthread_t *t = p->threads;
	for (unsigned i = 0; i < workers; i++) {
		int rc = pthread_create(&t[i], NULL, worker_main, p);
		if (rc != 0) {
			/* Stop the ones started: they see shut and exit
			 * (seq_cst as in ct_pool_shutdown; not reached by
			 * rl_pool). */
			atomic_fetch_sub_explicit(&p->live, workers - i, memory_order_relaxed);
			atomic_store_explicit(&p->shut, 1, memory_order_seq_cst);
			wake_workers(p, CT_WAKE_ALL);
			join_all(p, i);
			ct__free(p->threads);
			p->threads = NULL;
			return EAGAIN;
		}
	}
	return 0;
}

void ct_pool_shutdown(ct_pool *p, bool wait, bool cancel_pending)
{
	lock(&p->lock);
	/* Close the inbox (later submits see the flag and fail), then move
	 * what it holds to the FIFO before shut is set: a worker that reads
	 * shut then sees those futures (seq_cst, drain's store of queued). */
	atomic_fetch_or_explicit(&p->inbox, INBOX_CLOSED, memory_order_seq_cst);
	drain(p);
	/* seq_cst: read by idle workers' re-check and exit check (see
	 * idle(), is_shut); rl_pool passes with it relaxed alone (the lock
	 * and the wake_seq bump below order it for a parked worker). */
	atomic_store_explicit(&p->shut, 1, memory_order_seq_cst);
	if (cancel_pending) {
		while (p->head != NULL) {
			ct_future *f = p->head;
			unlink_locked(p, f);
			/* Unless a waiter took it (it runs it): cancel. */
			if (take(f, F_CANCELLED | F_WAKING))
				finish(f, NULL, F_CANCELLED);
		}
	}
	unlock(&p->lock);
	wake_workers(p, CT_WAKE_ALL);
	if (!wait || self_pool == p)
		return;
	for (;;) {
		/* Acquire: pairs with each worker's release decrement
		 * (relaxed: rl_pool's shutdown_wait data race, POOL_LIVE_ACQ). */
		uint32_t n = atomic_load_explicit(&p->live, CT_SEEDED(POOL_LIVE_ACQ, memory_order_acquire));
		if (n == 0)
			break;
		ct__wait(&p->live, n, CT_DEADLINE_NONE);
	}
}

void ct_pool_destroy(ct_pool *p)
{
	ct_pool_shutdown(p, true, false);
	if (p->threads != NULL) {
		join_all(p, p->nworkers);
		ct__free(p->threads);
		p->threads = NULL;
	}
	ct_mutex_destroy(&p->lock);
}

unsigned ct_pool_workers(const ct_pool *p)
{
	return p->nworkers;
}

static int submit(ct_pool *p, ct_future *f, ct_task_fn fn, void *arg)
{
	f->fn = fn;
	f->arg = arg;
	f->result = NULL;
	f->pool = p;
	f->linked = 0;
	/* Release: fn and arg, for a waiter that takes f (take()); the
	 * workers get them through the push below. Not done, also when
	 * this returns EPIPE (pool.h). */
	atomic_store_explicit(&f->state, F_PENDING, memory_order_release);
	uintptr_t top = atomic_load_explicit(&p->inbox, memory_order_relaxed);
	do {
		if (top & INBOX_CLOSED)
			return EPIPE;
		f->next = (ct_future *)top;
		/* seq_cst: the submit side of the park handshake (see idle());
		 * release for f's fields (drain's acquire). */
	} while (!atomic_compare_exchange_weak_explicit(&p->inbox, &top, (uintptr_t)f,
							memory_order_seq_cst, memory_order_relaxed));
	maybe_wake(p);
	return 0;
}

int ct_pool_submit(ct_pool *p, ct_future *f, ct_task_fn fn, void *arg)
{
	f->completion = NULL;
	return submit(p, f, fn, arg);
}

int ct_pool_submit_to(ct_pool *p, ct_completion *c, ct_future *f, ct_task_fn fn, void *arg)
{
	f->completion = c;
	/* Counted before it can finish; uncounted if the submit fails. */
	lock(&c->lock);
	c->outstanding++;
	unlock(&c->lock);
	int rc = submit(p, f, fn, arg);
	if (rc != 0) {
		lock(&c->lock);
		c->outstanding--;
		if (c->outstanding == 0 && c->head == NULL && c->waiters > 0) {
			/* A consumer waiting for this one: it is ENOENT now. */
			atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
			ct__wake(&c->seq, CT_WAKE_ALL);
		}
		unlock(&c->lock);
	}
	return rc;
}

/* Acquire: the task's writes (relaxed: rl_pool's wait_for_timeouts data
 * race). */
bool ct_future_done(const ct_future *f)
{
	return final(atomic_load_explicit(&((ct_future *)f)->state, memory_order_acquire));
}

bool ct_future_cancel(ct_future *f)
{
	/* Relaxed (was acquire): cancel's answer publishes nothing (a
	 * cancelled task has no result; false promises none); rl_pool's
	 * cancel scenario passes either way. */
	uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
	if ((s & F_MASK) == F_CANCELLED)
		return true;
	if ((s & F_MASK) != F_PENDING)
		return false;
	ct_pool *p = f->pool;
	bool cancelled = false;
	lock(&p->lock);
	drain(p);
	/* Under the lock, drained: a future still PENDING is in the FIFO
	 * (a worker that unlinks a future takes it first, or finds it
	 * taken). CANCELLED | WAKING until final: a waiter does not return
	 * (and free f) while it is still linked. */
	if (take(f, F_CANCELLED | F_WAKING)) {
		unlink_locked(p, f);
		finish(f, NULL, F_CANCELLED);
		cancelled = true;
	} else if ((atomic_load_explicit(&f->state, memory_order_relaxed) & F_MASK) == F_CANCELLED) {
		cancelled = true;	/* a shutdown cancelled it meanwhile */
	}
	unlock(&p->lock);
	return cancelled;
}

/* The outcome of a future in its final state s. */
static int outcome(ct_future *f, uint32_t s, void **result)
{
	if ((s & F_MASK) == F_CANCELLED)
		return ECANCELED;
	if (result != NULL)
		*result = f->result;
	return 0;
}

static int wait_until(ct_future *f, void **result, uint64_t deadline)
{
	/* Acquire on every load that may see the final state: pairs with
	 * set_final's release (relaxed: rl_pool's data race, POOL_WAIT_ACQ). */
	uint32_t s = atomic_load_explicit(&f->state, CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire));
	if (final(s))
		return outcome(f, s, result);
	/* Still queued: run it here rather than wait for a worker to get to
	 * it (work inlining; any waiter, worker or not). Untimed waits only:
	 * a timed wait cannot bound the task's length. */
	if (deadline == CT_DEADLINE_NONE && (s & F_MASK) == F_PENDING && take(f, F_RUNNING)) {
		run_taken(f);
		s = atomic_load_explicit(&f->state, CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire));
	}
	ct_pool *helper = self_pool != NULL && self_pool == f->pool ? self_pool : NULL;
	bool spun = false;
	for (;;) {
		if (final(s))
			return outcome(f, s, result);
		if (s & F_WAKING) {
			/* Final, the finisher is still in its wake: a few us. */
			sched_yield();
			s = atomic_load_explicit(&f->state, CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire));
			continue;
		}
		if (deadline != CT_DEADLINE_NONE && ct__now_ns() >= deadline)
			return ETIMEDOUT;
		if (helper != NULL) {
			/* A worker of f's pool: run queued tasks (maybe f). */
			ct_future *g = pop(helper);
			if (g != NULL) {
				run(g);
				s = atomic_load_explicit(&f->state, CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire));
				continue;
			}
		}
		if (!spun) {
			spun = true;
			if (CT_FUTURE_SPIN > 0 && spin_slot_take()) {
				for (int i = 0; i < CT_FUTURE_SPIN; i++) {
					ct__cpu_relax();
					s = atomic_load_explicit(&f->state, CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire));
					if ((s & F_MASK) >= F_DONE)
						break;
					if (helper != NULL && has_work(helper))
						break;
				}
				spin_slot_give();
				continue;
			}
		}
		/* Announce a parked waiter, then park on exactly that value: a
		 * finisher either sees WAITERS (and wakes) or changed the value
		 * first (the CAS or the wait fails). */
		if (!(s & F_WAITERS)) {
			if (!atomic_compare_exchange_weak_explicit(&f->state, &s, s | F_WAITERS,
								   CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire),
								   CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire)))
				continue;
			s |= F_WAITERS;
		}
		ct__wait(&f->state, s, deadline);
		s = atomic_load_explicit(&f->state, CT_SEEDED(POOL_WAIT_ACQ, memory_order_acquire));
		/* A helper goes round again: new tasks may be queued. */
		spun = helper == NULL;
	}
}

int ct_future_wait(ct_future *f, void **result)
{
	return wait_until(f, result, CT_DEADLINE_NONE);
}

int ct_future_wait_for(ct_future *f, void **result, uint64_t timeout_ns)
{
	if (timeout_ns == 0) {
		/* Acquire: as wait_until (relaxed: rl_pool's
		 * wait_for_timeouts data race). */
		uint32_t s = atomic_load_explicit(&f->state, memory_order_acquire);
		return final(s) ? outcome(f, s, result) : ETIMEDOUT;
	}
	return wait_until(f, result, ct__deadline(timeout_ns));
}

int ct_pool_map(ct_pool *p, ct_task_fn fn, void *const args[], void *results[], size_t n)
{
	if (is_shut(p))
		return EPIPE;
	if (n == 0)
		return 0;
	size_t window = n < MAP_WINDOW ? n : MAP_WINDOW;
	/* Cache-line aligned: each future on a line of its own (LP64). */
	char *block = ct__alloc(window * sizeof(ct_future) + CT_CACHE_LINE - 1);
	if (block == NULL)
		return ENOMEM;
	ct_future *fs = (ct_future *)(((uintptr_t)block + CT_CACHE_LINE - 1) &
				      ~(uintptr_t)(CT_CACHE_LINE - 1));
	int rc = 0;
	for (size_t base = 0; base < n && rc == 0; base += window) {
		size_t m = n - base < window ? n - base : window;
		size_t sent = 0;
		for (; sent < m; sent++) {
			rc = ct_pool_submit(p, &fs[sent], fn, args != NULL ? args[base + sent] : NULL);
			if (rc != 0)
				break;
		}
		for (size_t i = 0; i < sent; i++) {
			int w = ct_future_wait(&fs[i], results != NULL ? &results[base + i] : NULL);
			if (w != 0 && rc == 0)
				rc = w;
		}
	}
	ct__free(block);
	return rc;
}

/* ---- completions -------------------------------------------------------- */

int ct_completion_init(ct_completion *c)
{
	ct_mutex_init(&c->lock);
	atomic_init(&c->seq, 0);
	c->waiters = 0;
	c->head = c->tail = NULL;
	c->outstanding = 0;
	return 0;
}

void ct_completion_destroy(ct_completion *c)
{
	ct_mutex_destroy(&c->lock);
}

static int next_until(ct_completion *c, ct_future **out, uint64_t deadline)
{
	lock(&c->lock);
	for (;;) {
		ct_future *f = c->head;
		if (f != NULL) {
			c->head = f->cnext;
			if (c->head == NULL)
				c->tail = NULL;
			c->outstanding--;
			unlock(&c->lock);
			*out = f;
			return 0;
		}
		if (c->outstanding == 0) {
			unlock(&c->lock);
			return ENOENT;
		}
		if (deadline == 0 || (deadline != CT_DEADLINE_NONE && ct__now_ns() >= deadline)) {
			unlock(&c->lock);
			return ETIMEDOUT;
		}
		/* Read under the lock: a push after the unlock bumps it, so
		 * the wait below returns at once. */
		uint32_t seq = atomic_load_explicit(&c->seq, memory_order_relaxed);
		c->waiters++;
		unlock(&c->lock);
		ct__wait(&c->seq, seq, deadline);
		lock(&c->lock);
		c->waiters--;
	}
}

int ct_completion_next(ct_completion *c, ct_future **f)
{
	return next_until(c, f, CT_DEADLINE_NONE);
}

int ct_completion_next_for(ct_completion *c, ct_future **f, uint64_t timeout_ns)
{
	return next_until(c, f, timeout_ns == 0 ? 0 : ct__deadline(timeout_ns));
}
