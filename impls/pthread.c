/*
 * pthread.c — glibc pthreads peers: what a C programmer writes
 * without contend.
 *
 *   pthread_mutex           default pthread_mutex_t
 *   pthread_mutex_adaptive  PTHREAD_MUTEX_ADAPTIVE_NP (spins a while first;
 *                           glibc only, else the default kind)
 *   pthread_rmutex          PTHREAD_MUTEX_RECURSIVE
 *   pthread_event           textbook event: mutex + condition variable on
 *                           CLOCK_MONOTONIC + flag + generation (a waiter
 *                           released by a set stays released, as in Python)
 *   pthread_queue           textbook bounded queue: one mutex, two condition
 *                           variables (not_empty, not_full), a ring buffer
 *                           and a closed flag, with contend's return values
 *
 * Each is one row of the implementation tables (impls.h).
 */
#include "impls.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

/* Absolute CLOCK_MONOTONIC deadline timeout_ns from now (capped at ~100 years). */
static struct timespec deadline(uint64_t timeout_ns)
{
	const uint64_t cap = 100ull * 365 * 24 * 3600 * 1000000000ull;
	if (timeout_ns > cap)
		timeout_ns = cap;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t ns = (uint64_t)ts.tv_nsec + timeout_ns % 1000000000u;
	ts.tv_sec += (time_t)(timeout_ns / 1000000000u + ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	return ts;
}

static int monotonic_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int rc = pthread_condattr_init(&a);
	if (rc != 0)
		return rc;
	rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return rc;
}

/* ---- mutexes ------------------------------------------------------------ */

static int mutex_init_kind(void *l, int kind)
{
	pthread_mutexattr_t a;
	int rc = pthread_mutexattr_init(&a);
	if (rc != 0)
		return rc;
	rc = pthread_mutexattr_settype(&a, kind);
	if (rc == 0)
		rc = pthread_mutex_init(l, &a);
	pthread_mutexattr_destroy(&a);
	return rc;
}

static int mutex_init(void *l) { return pthread_mutex_init(l, NULL); }
static int adaptive_init(void *l)
{
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
	return mutex_init_kind(l, PTHREAD_MUTEX_ADAPTIVE_NP);
#else
	return pthread_mutex_init(l, NULL);
#endif
}
static int recursive_init(void *l) { return mutex_init_kind(l, PTHREAD_MUTEX_RECURSIVE); }
static void mutex_destroy(void *l) { pthread_mutex_destroy(l); }
static void mutex_lock(void *l) { pthread_mutex_lock(l); }
static void mutex_unlock(void *l) { pthread_mutex_unlock(l); }
static int mutex_unlock_rc(void *l) { return pthread_mutex_unlock(l); }

const struct ci_lock_ops ci_lock_pthread_mutex = {
	.name = "pthread_mutex",
	.obj_size = sizeof(pthread_mutex_t),
	.init = mutex_init,
	.destroy = mutex_destroy,
	.lock = mutex_lock,
	.unlock = mutex_unlock,
};

const struct ci_lock_ops ci_lock_pthread_mutex_adaptive = {
	.name = "pthread_mutex_adaptive",
	.obj_size = sizeof(pthread_mutex_t),
	.init = adaptive_init,
	.destroy = mutex_destroy,
	.lock = mutex_lock,
	.unlock = mutex_unlock,
};

const struct ci_rlock_ops ci_rlock_pthread_rmutex = {
	.name = "pthread_rmutex",
	.obj_size = sizeof(pthread_mutex_t),
	.init = recursive_init,
	.destroy = mutex_destroy,
	.lock = mutex_lock,
	.unlock = mutex_unlock_rc,
};

/* ---- event ---------------------------------------------------------------- */

struct pevent {
	pthread_mutex_t m;
	pthread_cond_t c;	/* broadcast by set */
	int flag;		/* under m */
	unsigned gen;		/* under m: sets that found the flag clear */
};

static int event_init(void *p)
{
	struct pevent *e = p;
	int rc = pthread_mutex_init(&e->m, NULL);
	if (rc != 0)
		return rc;
	rc = monotonic_cond_init(&e->c);
	if (rc != 0) {
		pthread_mutex_destroy(&e->m);
		return rc;
	}
	e->flag = 0;
	e->gen = 0;
	return 0;
}

static void event_destroy(void *p)
{
	struct pevent *e = p;
	pthread_cond_destroy(&e->c);
	pthread_mutex_destroy(&e->m);
}

static void event_set(void *p)
{
	struct pevent *e = p;
	pthread_mutex_lock(&e->m);
	if (!e->flag) {
		e->flag = 1;
		e->gen++;
	}
	pthread_cond_broadcast(&e->c);
	pthread_mutex_unlock(&e->m);
}

static void event_clear(void *p)
{
	struct pevent *e = p;
	pthread_mutex_lock(&e->m);
	e->flag = 0;
	pthread_mutex_unlock(&e->m);
}

static void event_wait(void *p)
{
	struct pevent *e = p;
	pthread_mutex_lock(&e->m);
	unsigned g = e->gen;
	while (!e->flag && e->gen == g)
		pthread_cond_wait(&e->c, &e->m);
	pthread_mutex_unlock(&e->m);
}

static bool event_wait_for(void *p, uint64_t timeout_ns)
{
	struct pevent *e = p;
	struct timespec until = deadline(timeout_ns);
	pthread_mutex_lock(&e->m);
	unsigned g = e->gen;
	while (!e->flag && e->gen == g)
		if (pthread_cond_timedwait(&e->c, &e->m, &until) == ETIMEDOUT)
			break;
	bool set = e->flag || e->gen != g;
	pthread_mutex_unlock(&e->m);
	return set;
}

const struct ci_event_ops ci_event_pthread_event = {
	.name = "pthread_event",
	.obj_size = sizeof(struct pevent),
	.init = event_init,
	.destroy = event_destroy,
	.set = event_set,
	.clear = event_clear,
	.wait = event_wait,
	.wait_for = event_wait_for,
};

/* ---- bounded queue -------------------------------------------------------- */

/* Every field under m. Items live in buf[(head + i) % cap], i < count. */
struct pqueue {
	pthread_mutex_t m;
	pthread_cond_t not_empty;	/* getters wait; signalled by put */
	pthread_cond_t not_full;	/* putters wait; signalled by get */
	void **buf;
	size_t cap, head, count;
	int closed;
};

#define PQUEUE_CAPACITY_MAX (((size_t)-1) / sizeof(void *))

static int queue_init(void *p, size_t cap)
{
	struct pqueue *q = p;
	if (cap == 0 || cap > PQUEUE_CAPACITY_MAX)
		return EINVAL;
	q->buf = malloc(cap * sizeof(void *));
	if (q->buf == NULL)
		return ENOMEM;
	int rc = pthread_mutex_init(&q->m, NULL);
	if (rc == 0 && (rc = monotonic_cond_init(&q->not_empty)) != 0)
		pthread_mutex_destroy(&q->m);
	if (rc == 0 && (rc = monotonic_cond_init(&q->not_full)) != 0) {
		pthread_cond_destroy(&q->not_empty);
		pthread_mutex_destroy(&q->m);
	}
	if (rc != 0) {
		free(q->buf);
		return rc;
	}
	q->cap = cap;
	q->head = q->count = 0;
	q->closed = 0;
	return 0;
}

static void queue_destroy(void *p)
{
	struct pqueue *q = p;
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->m);
	free(q->buf);
}

/* With m held and room: append, wake a getter. */
static void push(struct pqueue *q, void *item)
{
	q->buf[(q->head + q->count) % q->cap] = item;
	q->count++;
	pthread_cond_signal(&q->not_empty);
}

/* With m held and an item: remove the oldest, wake a putter. */
static void *pop(struct pqueue *q)
{
	void *item = q->buf[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	pthread_cond_signal(&q->not_full);
	return item;
}

/* until == NULL: no deadline. */
static int put_until(struct pqueue *q, void *item, const struct timespec *until, bool wait)
{
	int rc = 0;
	pthread_mutex_lock(&q->m);
	while (!q->closed && q->count == q->cap) {
		if (!wait) {
			rc = EAGAIN;
			break;
		}
		if (until == NULL) {
			pthread_cond_wait(&q->not_full, &q->m);
		} else if (pthread_cond_timedwait(&q->not_full, &q->m, until) == ETIMEDOUT) {
			if (!q->closed && q->count == q->cap)
				rc = ETIMEDOUT;
			break;
		}
	}
	if (q->closed)
		rc = EPIPE;
	else if (rc == 0)
		push(q, item);
	pthread_mutex_unlock(&q->m);
	return rc;
}

static int get_until(struct pqueue *q, void **item, const struct timespec *until, bool wait)
{
	int rc = 0;
	pthread_mutex_lock(&q->m);
	while (!q->closed && q->count == 0) {
		if (!wait) {
			rc = EAGAIN;
			break;
		}
		if (until == NULL) {
			pthread_cond_wait(&q->not_empty, &q->m);
		} else if (pthread_cond_timedwait(&q->not_empty, &q->m, until) == ETIMEDOUT) {
			if (!q->closed && q->count == 0)
				rc = ETIMEDOUT;
			break;
		}
	}
	if (q->count > 0) {
		*item = pop(q);
		rc = 0;
	} else if (q->closed) {
		rc = EPIPE;
	}
	pthread_mutex_unlock(&q->m);
	return rc;
}

static int queue_put(void *q, void *it) { return put_until(q, it, NULL, true); }
static int queue_try_put(void *q, void *it) { return put_until(q, it, NULL, false); }
static int queue_put_for(void *q, void *it, uint64_t ns)
{
	struct timespec until = deadline(ns);
	return put_until(q, it, &until, true);
}
static int queue_get(void *q, void **it) { return get_until(q, it, NULL, true); }
static int queue_try_get(void *q, void **it) { return get_until(q, it, NULL, false); }
static int queue_get_for(void *q, void **it, uint64_t ns)
{
	struct timespec until = deadline(ns);
	return get_until(q, it, &until, true);
}

static void queue_close(void *p)
{
	struct pqueue *q = p;
	pthread_mutex_lock(&q->m);
	q->closed = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->m);
}

static size_t queue_size(const void *p)
{
	struct pqueue *q = (struct pqueue *)p;
	pthread_mutex_lock(&q->m);
	size_t n = q->count;
	pthread_mutex_unlock(&q->m);
	return n;
}

static size_t queue_capacity(const void *p) { return ((const struct pqueue *)p)->cap; }

const struct ci_queue_ops ci_queue_pthread_queue = {
	.name = "pthread_queue",
	.family = "queue",
	.flags = CI_Q_EXACT_CAP | CI_Q_EXACT_CLOSE | CI_Q_CLOSE_WAKES_ALL,
	.obj_size = sizeof(struct pqueue),
	.max_capacity = PQUEUE_CAPACITY_MAX,
	.init = queue_init,
	.destroy = queue_destroy,
	.put = queue_put,
	.try_put = queue_try_put,
	.put_for = queue_put_for,
	.get = queue_get,
	.try_get = queue_try_get,
	.get_for = queue_get_for,
	.close = queue_close,
	.size = queue_size,
	.capacity = queue_capacity,
};
