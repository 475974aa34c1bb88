/*
 * pool_table.c — the pool rows (pool_impl.h) and the completion list the
 * peers share. References are weak: a row whose file meson did not build
 * (its dependency is missing) is NULL, skipped and listed as missing.
 */
#include "pool_impl.h"

#include <errno.h>
#include <pthread.h>

#define CI_WEAK __attribute__((weak))

#define POOL_ROWS(X) \
	X(ct_pool) \
	X(pthread_pool) \
	X(tbb_task_group) \
	X(omp_task) \
	X(glib_pool) \
	X(asio_pool)

#define DECL(n) extern const struct ci_pool_ops ci_pool_##n CI_WEAK;
POOL_ROWS(DECL)
#define PTR(n) &ci_pool_##n,
#define NAME(n) #n,
const struct ci_pool_ops *const ci_pool_table[] = { POOL_ROWS(PTR) };
const size_t ci_pool_table_len = sizeof(ci_pool_table) / sizeof(ci_pool_table[0]);
const char *const ci_pool_names[] = { POOL_ROWS(NAME) };

int ci_cq_init(void *p)
{
	struct ci_cq *q = p;
	q->head = q->tail = NULL;
	q->outstanding = 0;
	int rc = pthread_mutex_init(&q->m, NULL);
	if (rc == 0 && (rc = pthread_cond_init(&q->c, NULL)) != 0)
		pthread_mutex_destroy(&q->m);
	return rc;
}

void ci_cq_destroy(void *p)
{
	struct ci_cq *q = p;
	pthread_cond_destroy(&q->c);
	pthread_mutex_destroy(&q->m);
}

void ci_cq_add(void *p)
{
	struct ci_cq *q = p;
	pthread_mutex_lock(&q->m);
	q->outstanding++;
	pthread_mutex_unlock(&q->m);
}

void ci_cq_cancel(void *p)
{
	struct ci_cq *q = p;
	pthread_mutex_lock(&q->m);
	q->outstanding--;
	pthread_cond_broadcast(&q->c);
	pthread_mutex_unlock(&q->m);
}

void ci_cq_push(void *p, struct ci_cq_link *l)
{
	struct ci_cq *q = p;
	l->next = NULL;
	pthread_mutex_lock(&q->m);
	if (q->tail != NULL)
		q->tail->next = l;
	else
		q->head = l;
	q->tail = l;
	/* Signalled under the lock: the consumer may destroy q once it has
	 * the last future, and this thread touches nothing after unlock. */
	pthread_cond_signal(&q->c);
	pthread_mutex_unlock(&q->m);
}

int ci_cq_next(void *p, struct ci_cq_link **l)
{
	struct ci_cq *q = p;
	int rc = 0;
	pthread_mutex_lock(&q->m);
	while (q->head == NULL && q->outstanding > 0)
		pthread_cond_wait(&q->c, &q->m);
	if (q->head == NULL) {
		rc = ENOENT;
	} else {
		*l = q->head;
		q->head = q->head->next;
		if (q->head == NULL)
			q->tail = NULL;
		q->outstanding--;
	}
	pthread_mutex_unlock(&q->m);
	return rc;
}

int ci_cq_next_future(void *c, void **fut)
{
	struct ci_cq_link *l;
	int rc = ci_cq_next(c, &l);
	if (rc == 0)
		*fut = l;	/* the link is the future's first member */
	return rc;
}
