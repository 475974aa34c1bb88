/* pool_ct_pool.c — contend's ct_pool (lib/include/contend/pool.h). */
#include "pool_impl.h"

#include <contend/pool.h>

static int init(void *p, unsigned workers) { return ct_pool_init(p, workers); }
static void destroy(void *p) { ct_pool_destroy(p); }

static int submit(void *p, void *f, ci_task_fn fn, void *arg)
{
	return ct_pool_submit(p, f, fn, arg);
}

static int wait(void *p, void *f, void **result)
{
	(void)p;
	return ct_future_wait(f, result);
}

static int c_init(void *c) { return ct_completion_init(c); }
static void c_destroy(void *c) { ct_completion_destroy(c); }

static int submit_to(void *p, void *c, void *f, ci_task_fn fn, void *arg)
{
	return ct_pool_submit_to(p, c, f, fn, arg);
}

static int next(void *c, void **f)
{
	ct_future *g;
	int rc = ct_completion_next(c, &g);
	if (rc == 0)
		*f = g;
	return rc;
}

const struct ci_pool_ops ci_pool_ct_pool = {
	.name = "ct_pool",
	.pool_size = sizeof(ct_pool),
	.future_size = sizeof(ct_future),
	.completion_size = sizeof(ct_completion),
	.no_nested = NULL,
	.init = init,
	.destroy = destroy,
	.submit = submit,
	.wait = wait,
	.completion_init = c_init,
	.completion_destroy = c_destroy,
	.submit_to = submit_to,
	.next = next,
};
