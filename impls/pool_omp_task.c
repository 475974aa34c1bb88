/*
 * pool_omp_task.c — OpenMP tasks (libgomp). OpenMP creates tasks only from
 * a thread of a parallel region's team, so the pool is a thread running
 * `parallel num_threads(workers + 1)`, whose `single` thread is a
 * dispatcher: it takes the futures submitted from outside (a pthread
 * mutex + cond list) and turns each into an `omp task` that the other
 * `workers` threads run. A task submitting a task creates it directly, and
 * waits with taskwait / taskyield, which run other tasks meanwhile, so
 * nested waits work. External waiters block on the future's mutex + cond.
 *
 * libgomp runs a task inline (undeferred, in the creating thread) once
 * its queue holds more than 64 x team-size tasks: a long stream of
 * submits is then partly run by the dispatcher itself.
 */
#include "pool_impl.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <omp.h>

struct fut {
	struct ci_cq_link link;	/* first: completion list */
	struct fut *next;
	ci_task_fn fn;
	void *arg, *result;
	void *cq;
	atomic_int done;
	pthread_mutex_t m;
	pthread_cond_t c;
	bool waiting;
};

struct pool {
	pthread_mutex_t m;
	pthread_cond_t c;
	struct fut *head, *tail;
	bool stop;
	unsigned workers;
	pthread_t thread;
};

/* The pool whose team the calling thread belongs to (set in every task). */
static _Thread_local struct pool *self;

static void run(struct pool *p, struct fut *f)
{
	self = p;
	void *r = f->fn(f->arg);
	void *cq = f->cq;
	pthread_mutex_lock(&f->m);
	f->result = r;
	atomic_store_explicit(&f->done, 1, memory_order_release);
	if (f->waiting)
		pthread_cond_broadcast(&f->c);
	pthread_mutex_unlock(&f->m);
	if (cq != NULL)
		ci_cq_push(cq, &f->link);
}

static void spawn(struct pool *p, struct fut *f)
{
#pragma omp task firstprivate(p, f)
	run(p, f);
}

static void *team_main(void *arg)
{
	struct pool *p = arg;
#pragma omp parallel num_threads(p->workers + 1)
	{
#pragma omp single
		{
			self = p;
			pthread_mutex_lock(&p->m);
			for (;;) {
				while (p->head == NULL && !p->stop)
					pthread_cond_wait(&p->c, &p->m);
				struct fut *f = p->head;
				if (f == NULL)
					break;
				p->head = p->tail = NULL;
				pthread_mutex_unlock(&p->m);
				while (f != NULL) {
					struct fut *n = f->next;
					spawn(p, f);
					f = n;
				}
				pthread_mutex_lock(&p->m);
			}
			pthread_mutex_unlock(&p->m);
		}	/* the implicit barrier runs what is left */
	}
	return NULL;
}

static int init(void *pp, unsigned workers)
{
	struct pool *p = pp;
	p->head = p->tail = NULL;
	p->stop = false;
	p->workers = workers;
	pthread_mutex_init(&p->m, NULL);
	pthread_cond_init(&p->c, NULL);
	int rc = pthread_create(&p->thread, NULL, team_main, p);
	if (rc != 0) {
		pthread_cond_destroy(&p->c);
		pthread_mutex_destroy(&p->m);
	}
	return rc;
}

static void destroy(void *pp)
{
	struct pool *p = pp;
	pthread_mutex_lock(&p->m);
	p->stop = true;
	pthread_cond_signal(&p->c);
	pthread_mutex_unlock(&p->m);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->c);
	pthread_mutex_destroy(&p->m);
}

static int submit_cq(struct pool *p, void *cq, struct fut *f, ci_task_fn fn, void *arg)
{
	f->fn = fn;
	f->arg = arg;
	f->cq = cq;
	f->next = NULL;
	f->waiting = false;
	atomic_store_explicit(&f->done, 0, memory_order_relaxed);
	pthread_mutex_init(&f->m, NULL);
	pthread_cond_init(&f->c, NULL);
	if (self == p && omp_in_parallel()) {
		spawn(p, f);	/* a task of the team: create it here */
		return 0;
	}
	pthread_mutex_lock(&p->m);
	if (p->stop) {
		pthread_mutex_unlock(&p->m);
		return EPIPE;
	}
	bool was_empty = p->head == NULL;
	if (p->tail != NULL)
		p->tail->next = f;
	else
		p->head = f;
	p->tail = f;
	if (was_empty)
		pthread_cond_signal(&p->c);
	pthread_mutex_unlock(&p->m);
	return 0;
}

static int submit(void *p, void *f, ci_task_fn fn, void *arg)
{
	return submit_cq(p, NULL, f, fn, arg);
}

static int wait(void *pp, void *ff, void **result)
{
	struct pool *p = pp;
	struct fut *f = ff;
	if (self == p && omp_in_parallel()) {
		/* In the team: run other tasks until f is done. */
		while (!atomic_load_explicit(&f->done, memory_order_acquire)) {
#pragma omp taskwait
			if (!atomic_load_explicit(&f->done, memory_order_acquire)) {
#pragma omp taskyield
			}
		}
	}
	pthread_mutex_lock(&f->m);
	while (!atomic_load_explicit(&f->done, memory_order_acquire)) {
		f->waiting = true;
		pthread_cond_wait(&f->c, &f->m);
	}
	pthread_mutex_unlock(&f->m);
	if (result != NULL)
		*result = f->result;
	return 0;
}

static int submit_to(void *p, void *c, void *f, ci_task_fn fn, void *arg)
{
	ci_cq_add(c);
	int rc = submit_cq(p, c, f, fn, arg);
	if (rc != 0)
		ci_cq_cancel(c);
	return rc;
}

const struct ci_pool_ops ci_pool_omp_task = {
	.name = "omp_task",
	.pool_size = sizeof(struct pool),
	.future_size = sizeof(struct fut),
	.completion_size = sizeof(struct ci_cq),
	.no_nested = NULL,
	.init = init,
	.destroy = destroy,
	.submit = submit,
	.wait = wait,
	.completion_init = ci_cq_init,
	.completion_destroy = ci_cq_destroy,
	.submit_to = submit_to,
	.next = ci_cq_next_future,
};
