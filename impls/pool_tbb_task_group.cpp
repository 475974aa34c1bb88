/*
 * pool_tbb_task_group.cpp — oneTBB: a task_arena of `workers` worker
 * threads (plus a slot for the submitting thread), each future its own
 * tbb::task_group holding one task. Waiting is task_group::wait inside the
 * arena, which runs other tasks of the arena meanwhile (work stealing), so
 * nested waits work; an external waiter helps too.
 */
#include "pool_impl.h"

#include <cerrno>
#include <new>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

namespace {

struct fut {
	ci_cq_link link;	// first: completion list
	void *result;
	void *cq;
	tbb::task_arena *arena;
	tbb::task_group *tg;
	alignas(tbb::task_group) unsigned char tg_mem[sizeof(tbb::task_group)];
};

struct pool {
	tbb::task_arena *arena;
	tbb::global_control *limit;
	alignas(tbb::task_arena) unsigned char arena_mem[sizeof(tbb::task_arena)];
	alignas(tbb::global_control) unsigned char limit_mem[sizeof(tbb::global_control)];
};

int init(void *pp, unsigned workers)
{
	pool *p = static_cast<pool *>(pp);
	p->limit = nullptr;
	try {
		// oneTBB starts at most default_concurrency() - 1 workers in the
		// whole process (1 on 2 PUs), whatever the arena asks: without
		// this control a pool of 8 ran on 1 worker. The control raises
		// the process's limit to the arena's size while the pool lives.
		p->limit = new (p->limit_mem) tbb::global_control(
			tbb::global_control::max_allowed_parallelism, static_cast<size_t>(workers) + 1);
		// workers + 1 slots, one reserved for the submitting thread.
		p->arena = new (p->arena_mem) tbb::task_arena(static_cast<int>(workers) + 1, 1);
		p->arena->initialize();
	} catch (...) {
		if (p->limit != nullptr)
			p->limit->~global_control();
		return EAGAIN;
	}
	return 0;
}

void destroy(void *pp)
{
	pool *p = static_cast<pool *>(pp);
	p->arena->~task_arena();
	p->limit->~global_control();
}

int submit_cq(void *pp, void *cq, void *ff, ci_task_fn fn, void *arg)
{
	pool *p = static_cast<pool *>(pp);
	fut *f = static_cast<fut *>(ff);
	f->cq = cq;
	f->arena = p->arena;
	f->tg = new (f->tg_mem) tbb::task_group();
	p->arena->execute([f, fn, arg] {
		f->tg->run([f, fn, arg] {
			f->result = fn(arg);
			if (f->cq != nullptr)
				ci_cq_push(f->cq, &f->link);
		});
	});
	return 0;
}

int submit(void *p, void *f, ci_task_fn fn, void *arg)
{
	return submit_cq(p, nullptr, f, fn, arg);
}

int wait(void *pp, void *ff, void **result)
{
	pool *p = static_cast<pool *>(pp);
	fut *f = static_cast<fut *>(ff);
	p->arena->execute([f] { f->tg->wait(); });
	f->tg->~task_group();
	if (result != nullptr)
		*result = f->result;
	return 0;
}

int submit_to(void *p, void *c, void *f, ci_task_fn fn, void *arg)
{
	ci_cq_add(c);
	return submit_cq(p, c, f, fn, arg);
}

int next(void *c, void **ff)
{
	ci_cq_link *l;
	int rc = ci_cq_next(c, &l);
	if (rc == 0) {
		fut *f = reinterpret_cast<fut *>(l);
		// The task may still be leaving its body: wait ends the group.
		f->arena->execute([f] { f->tg->wait(); });
		f->tg->~task_group();
		*ff = f;
	}
	return rc;
}

} // namespace

extern "C" const struct ci_pool_ops ci_pool_tbb_task_group = {
	"tbb_task_group",
	sizeof(pool),
	sizeof(fut),
	sizeof(ci_cq),
	nullptr,
	init,
	destroy,
	submit,
	wait,
	ci_cq_init,
	ci_cq_destroy,
	submit_to,
	next,
};
