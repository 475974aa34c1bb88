/*
 * pool_asio_pool.cpp — Boost.Asio's thread_pool of `workers` threads;
 * each submit posts a handler that fulfils a std::promise, and the future
 * is its std::future (what asio::use_future gives an async operation). A
 * worker waiting for a future blocks its thread (no_nested).
 */
#include "pool_impl.h"

#include <cerrno>
#include <future>
#include <new>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace {

struct fut {
	ci_cq_link link;	// first: completion list
	void *cq;
	std::future<void *> *fu;
	alignas(std::future<void *>) unsigned char fu_mem[sizeof(std::future<void *>)];
};

struct pool {
	boost::asio::thread_pool *tp;
	alignas(boost::asio::thread_pool) unsigned char tp_mem[sizeof(boost::asio::thread_pool)];
};

int init(void *pp, unsigned workers)
{
	pool *p = static_cast<pool *>(pp);
	try {
		p->tp = new (p->tp_mem) boost::asio::thread_pool(workers);
	} catch (...) {
		return EAGAIN;
	}
	return 0;
}

void destroy(void *pp)
{
	pool *p = static_cast<pool *>(pp);
	p->tp->join();
	p->tp->~thread_pool();
}

int submit_cq(void *pp, void *cq, void *ff, ci_task_fn fn, void *arg)
{
	pool *p = static_cast<pool *>(pp);
	fut *f = static_cast<fut *>(ff);
	f->cq = cq;
	try {
		std::promise<void *> pr;
		f->fu = new (f->fu_mem) std::future<void *>(pr.get_future());
		boost::asio::post(*p->tp, [f, fn, arg, pr = std::move(pr)]() mutable {
			void *cq = f->cq;
			pr.set_value(fn(arg));
			if (cq != nullptr)
				ci_cq_push(cq, &f->link);
		});
	} catch (...) {
		return ENOMEM;
	}
	return 0;
}

int submit(void *p, void *f, ci_task_fn fn, void *arg)
{
	return submit_cq(p, nullptr, f, fn, arg);
}

int wait(void *, void *ff, void **result)
{
	fut *f = static_cast<fut *>(ff);
	void *r = f->fu->get();
	f->fu->~future();
	if (result != nullptr)
		*result = r;
	return 0;
}

int submit_to(void *p, void *c, void *f, ci_task_fn fn, void *arg)
{
	ci_cq_add(c);
	int rc = submit_cq(p, c, f, fn, arg);
	if (rc != 0)
		ci_cq_cancel(c);
	return rc;
}

int next(void *c, void **ff)
{
	ci_cq_link *l;
	int rc = ci_cq_next(c, &l);
	if (rc == 0) {
		fut *f = reinterpret_cast<fut *>(l);
		f->fu->~future();	// ready: set before the push
		*ff = f;
	}
	return rc;
}

} // namespace

extern "C" const struct ci_pool_ops ci_pool_asio_pool = {
	"asio_pool",
	sizeof(pool),
	sizeof(fut),
	sizeof(ci_cq),
	"a worker waiting for a future blocks its thread: tasks that wait for "
	"tasks deadlock once every worker waits",
	init,
	destroy,
	submit,
	wait,
	ci_cq_init,
	ci_cq_destroy,
	submit_to,
	next,
};
