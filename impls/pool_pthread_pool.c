/*
 * pool_pthread_pool.c — the textbook pool: one FIFO of tasks under a
 * pthread mutex, idle workers waiting on a condition variable, each future
 * a done flag with its own mutex + condition variable. A worker that waits
 * for a future blocks its thread, so tasks waiting for tasks deadlock once
 * every worker waits (no_nested).
 */
#include "pool_impl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct fut {
	struct ci_cq_link link;	/* first: completion list */
	struct fut *next;
	ci_task_fn fn;
	void *arg, *result;
	void *cq;
	pthread_mutex_t m;
	pthread_cond_t c;
	bool done;
};

struct pool {
	pthread_mutex_t m;
	pthread_cond_t nonempty;
	struct fut *head, *tail;
	bool stop;
	unsigned n;
	pthread_t *t;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	pthread_mutex_lock(&p->m);
	for (;;) {
		while (p->head == NULL && !p->stop)
			pthread_cond_wait(&p->nonempty, &p->m);
		struct fut *f = p->head;
		if (f == NULL)
			break;	/* stopped and drained */
		p->head = f->next;
		if (p->head == NULL)
			p->tail = NULL;
		pthread_mutex_unlock(&p->m);
		void *r = f->fn(f->arg);
		void *cq = f->cq;
		pthread_mutex_lock(&f->m);
		f->result = r;
		f->done = true;
		pthread_cond_broadcast(&f->c);
		pthread_mutex_unlock(&f->m);
		if (cq != NULL)
			ci_cq_push(cq, &f->link);
		pthread_mutex_lock(&p->m);
	}
	pthread_mutex_unlock(&p->m);
	return NULL;
}

static int init(void *pp, unsigned workers)
{
	struct pool *p = pp;
	p->head = p->tail = NULL;
	p->stop = false;
	p->n = 0;
	p->t = malloc(workers * sizeof(pthread_t));
	if (p->t == NULL)
		return ENOMEM;
	pthread_mutex_init(&p->m, NULL);
	pthread_cond_init(&p->nonempty, NULL);
	for (unsigned i = 0; i < workers; i++) {
		int rc = pthread_create(&p->t[i], NULL, worker, p);
		if (rc != 0) {
			pthread_mutex_lock(&p->m);
			p->stop = true;
			pthread_cond_broadcast(&p->nonempty);
			pthread_mutex_unlock(&p->m);
			for (unsigned j = 0; j < i; j++)
				pthread_join(p->t[j], NULL);
			free(p->t);
			return rc;
		}
	}
	p->n = workers;
	return 0;
}

static void destroy(void *pp)
{
	struct pool *p = pp;
	pthread_mutex_lock(&p->m);
	p->stop = true;
	pthread_cond_broadcast(&p->nonempty);
	pthread_mutex_unlock(&p->m);
	for (unsigned i = 0; i < p->n; i++)
		pthread_join(p->t[i], NULL);
	free(p->t);
	pthread_cond_destroy(&p->nonempty);
	pthread_mutex_destroy(&p->m);
}

static int submit_cq(struct pool *p, void *cq, struct fut *f, ci_task_fn fn, void *arg)
{
	f->fn = fn;
	f->arg = arg;
	f->cq = cq;
	f->done = false;
	f->next = NULL;
	pthread_mutex_init(&f->m, NULL);
	pthread_cond_init(&f->c, NULL);
	pthread_mutex_lock(&p->m);
	if (p->stop) {
		pthread_mutex_unlock(&p->m);
		return EPIPE;
	}
	if (p->tail != NULL)
		p->tail->next = f;
	else
		p->head = f;
	p->tail = f;
	pthread_cond_signal(&p->nonempty);
	pthread_mutex_unlock(&p->m);
	return 0;
}

static int submit(void *p, void *f, ci_task_fn fn, void *arg)
{
	return submit_cq(p, NULL, f, fn, arg);
}

static int wait(void *p, void *ff, void **result)
{
	(void)p;
	struct fut *f = ff;
	pthread_mutex_lock(&f->m);
	while (!f->done)
		pthread_cond_wait(&f->c, &f->m);
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

const struct ci_pool_ops ci_pool_pthread_pool = {
	.name = "pthread_pool",
	.pool_size = sizeof(struct pool),
	.future_size = sizeof(struct fut),
	.completion_size = sizeof(struct ci_cq),
	.no_nested = "a worker waiting for a future blocks its thread: tasks that wait for "
		     "tasks deadlock once every worker waits",
	.init = init,
	.destroy = destroy,
	.submit = submit,
	.wait = wait,
	.completion_init = ci_cq_init,
	.completion_destroy = ci_cq_destroy,
	.submit_to = submit_to,
	.next = ci_cq_next_future,
};
