/*
 * pool_glib_pool.c — GLib's GThreadPool (exclusive: `workers` threads of
 * its own), with futures added here: a done flag under a GMutex, waiters
 * on a GCond. A worker waiting for a future blocks its thread (no_nested).
 */
#include "pool_impl.h"

#include <errno.h>

#include <glib.h>

struct fut {
	struct ci_cq_link link;	/* first: completion list */
	ci_task_fn fn;
	void *arg, *result;
	void *cq;
	GMutex m;
	GCond c;
	gboolean done;
};

struct pool {
	GThreadPool *tp;
};

static void run(gpointer data, gpointer user)
{
	(void)user;
	struct fut *f = data;
	void *r = f->fn(f->arg);
	void *cq = f->cq;
	g_mutex_lock(&f->m);
	f->result = r;
	f->done = TRUE;
	g_cond_broadcast(&f->c);
	g_mutex_unlock(&f->m);
	if (cq != NULL)
		ci_cq_push(cq, &f->link);
}

static int init(void *pp, unsigned workers)
{
	struct pool *p = pp;
	GError *err = NULL;
	p->tp = g_thread_pool_new(run, NULL, (gint)workers, TRUE, &err);
	if (p->tp == NULL) {
		g_clear_error(&err);
		return EAGAIN;
	}
	return 0;
}

static void destroy(void *pp)
{
	struct pool *p = pp;
	g_thread_pool_free(p->tp, FALSE, TRUE);	/* run what is queued, wait */
}

static int submit_cq(struct pool *p, void *cq, struct fut *f, ci_task_fn fn, void *arg)
{
	f->fn = fn;
	f->arg = arg;
	f->cq = cq;
	f->done = FALSE;
	g_mutex_init(&f->m);
	g_cond_init(&f->c);
	return g_thread_pool_push(p->tp, f, NULL) ? 0 : EPIPE;
}

static int submit(void *p, void *f, ci_task_fn fn, void *arg)
{
	return submit_cq(p, NULL, f, fn, arg);
}

static int wait(void *p, void *ff, void **result)
{
	(void)p;
	struct fut *f = ff;
	g_mutex_lock(&f->m);
	while (!f->done)
		g_cond_wait(&f->c, &f->m);
	g_mutex_unlock(&f->m);
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

const struct ci_pool_ops ci_pool_glib_pool = {
	.name = "glib_pool",
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
