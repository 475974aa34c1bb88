/*
 * queue_impls.h — the bounded queues behind one table of function
 * pointers, so that the unit and stress programs run every check on every
 * implementation. A new queue is a set of adapters plus one row.
 */
#ifndef CT_QUEUE_IMPLS_H
#define CT_QUEUE_IMPLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <contend/queue.h>
#include <contend/ring.h>

struct queue_impl {
	const char *name;
	size_t obj_size;		/* bytes of the object */
	size_t max_capacity;		/* largest capacity init accepts */
	bool pow2;			/* capacity rounded up to a power of two */
	int (*init)(void *q, size_t capacity);
	void (*destroy)(void *q);
	int (*put)(void *q, void *item);
	int (*try_put)(void *q, void *item);
	int (*put_for)(void *q, void *item, uint64_t timeout_ns);
	int (*get)(void *q, void **item);
	int (*try_get)(void *q, void **item);
	int (*get_for)(void *q, void **item, uint64_t timeout_ns);
	void (*close)(void *q);
	size_t (*size)(const void *q);
	size_t (*capacity)(const void *q);
};

/* ct_queue */
static int a_queue_init(void *q, size_t c) { return ct_queue_init(q, c); }
static void a_queue_destroy(void *q) { ct_queue_destroy(q); }
static int a_queue_put(void *q, void *it) { return ct_queue_put(q, it); }
static int a_queue_try_put(void *q, void *it) { return ct_queue_try_put(q, it); }
static int a_queue_put_for(void *q, void *it, uint64_t t) { return ct_queue_put_for(q, it, t); }
static int a_queue_get(void *q, void **it) { return ct_queue_get(q, it); }
static int a_queue_try_get(void *q, void **it) { return ct_queue_try_get(q, it); }
static int a_queue_get_for(void *q, void **it, uint64_t t) { return ct_queue_get_for(q, it, t); }
static void a_queue_close(void *q) { ct_queue_close(q); }
static size_t a_queue_size(const void *q) { return ct_queue_size(q); }
static size_t a_queue_capacity(const void *q) { return ct_queue_capacity(q); }

/* ct_ring */
static int a_ring_init(void *q, size_t c) { return ct_ring_init(q, c); }
static void a_ring_destroy(void *q) { ct_ring_destroy(q); }
static int a_ring_put(void *q, void *it) { return ct_ring_put(q, it); }
static int a_ring_try_put(void *q, void *it) { return ct_ring_try_put(q, it); }
static int a_ring_put_for(void *q, void *it, uint64_t t) { return ct_ring_put_for(q, it, t); }
static int a_ring_get(void *q, void **it) { return ct_ring_get(q, it); }
static int a_ring_try_get(void *q, void **it) { return ct_ring_try_get(q, it); }
static int a_ring_get_for(void *q, void **it, uint64_t t) { return ct_ring_get_for(q, it, t); }
static void a_ring_close(void *q) { ct_ring_close(q); }
static size_t a_ring_size(const void *q) { return ct_ring_size(q); }
static size_t a_ring_capacity(const void *q) { return ct_ring_capacity(q); }

static const struct queue_impl queue_impls[] = {
	{ "ct_queue", sizeof(ct_queue), CT_QUEUE_CAPACITY_MAX, false,
	  a_queue_init, a_queue_destroy, a_queue_put, a_queue_try_put, a_queue_put_for,
	  a_queue_get, a_queue_try_get, a_queue_get_for, a_queue_close, a_queue_size,
	  a_queue_capacity },
	{ "ct_ring", sizeof(ct_ring), CT_RING_CAPACITY_MAX, true,
	  a_ring_init, a_ring_destroy, a_ring_put, a_ring_try_put, a_ring_put_for,
	  a_ring_get, a_ring_try_get, a_ring_get_for, a_ring_close, a_ring_size,
	  a_ring_capacity },
};

#define QUEUE_IMPL_COUNT (sizeof queue_impls / sizeof queue_impls[0])

/*
 * A fresh object of impl, initialized with capacity (CHECKed to succeed);
 * cache-line aligned, as a caller embedding it would align it.
 */
static inline void *queue_new(const struct queue_impl *impl, size_t capacity)
{
	size_t bytes = (impl->obj_size + CT_CACHE_LINE - 1) / CT_CACHE_LINE * CT_CACHE_LINE;
	void *q = aligned_alloc(CT_CACHE_LINE, bytes);
	if (!q || impl->init(q, capacity) != 0) {
		fprintf(stderr, "%s: cannot create a queue of capacity %zu\n", impl->name, capacity);
		exit(1);
	}
	return q;
}

static inline void queue_free(const struct queue_impl *impl, void *q)
{
	impl->destroy(q);
	free(q);
}

#endif
