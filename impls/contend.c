/*
 * contend.c — contend's own rows in the implementation tables: ct_mutex,
 * ct_rmutex, ct_event, ct_queue, ct_ring. Each wrapper only converts the
 * opaque pointer (calling through a cast function pointer would be
 * undefined behaviour).
 */
#include "impls.h"

#include <contend/contend.h>

/* ct_mutex */
static int mutex_init(void *l) { ct_mutex_init(l); return 0; }
static void mutex_destroy(void *l) { ct_mutex_destroy(l); }
static void mutex_lock(void *l) { ct_mutex_lock(l); }
static void mutex_unlock(void *l) { ct_mutex_unlock(l); }

const struct ci_lock_ops ci_lock_ct_mutex = {
	.name = "ct_mutex",
	.flags = CI_OWN,
	.obj_size = sizeof(ct_mutex),
	.init = mutex_init,
	.destroy = mutex_destroy,
	.lock = mutex_lock,
	.unlock = mutex_unlock,
};

/* ct_rmutex */
static int rmutex_init(void *l) { ct_rmutex_init(l); return 0; }
static void rmutex_destroy(void *l) { ct_rmutex_destroy(l); }
static void rmutex_lock(void *l) { ct_rmutex_lock(l); }
static int rmutex_unlock(void *l) { return ct_rmutex_unlock(l); }

const struct ci_rlock_ops ci_rlock_ct_rmutex = {
	.name = "ct_rmutex",
	.flags = CI_OWN,
	.obj_size = sizeof(ct_rmutex),
	.init = rmutex_init,
	.destroy = rmutex_destroy,
	.lock = rmutex_lock,
	.unlock = rmutex_unlock,
};

/* ct_event */
static int event_init(void *e) { ct_event_init(e); return 0; }
static void event_destroy(void *e) { ct_event_destroy(e); }
static void event_set(void *e) { ct_event_set(e); }
static void event_clear(void *e) { ct_event_clear(e); }
static void event_wait(void *e) { ct_event_wait(e); }
static bool event_wait_for(void *e, uint64_t ns) { return ct_event_wait_for(e, ns); }

const struct ci_event_ops ci_event_ct_event = {
	.name = "ct_event",
	.flags = CI_OWN,
	.obj_size = sizeof(ct_event),
	.init = event_init,
	.destroy = event_destroy,
	.set = event_set,
	.clear = event_clear,
	.wait = event_wait,
	.wait_for = event_wait_for,
};

/* ct_queue */
static int queue_init(void *q, size_t cap) { return ct_queue_init(q, cap); }
static void queue_destroy(void *q) { ct_queue_destroy(q); }
static int queue_put(void *q, void *it) { return ct_queue_put(q, it); }
static int queue_try_put(void *q, void *it) { return ct_queue_try_put(q, it); }
static int queue_put_for(void *q, void *it, uint64_t ns) { return ct_queue_put_for(q, it, ns); }
static int queue_get(void *q, void **it) { return ct_queue_get(q, it); }
static int queue_try_get(void *q, void **it) { return ct_queue_try_get(q, it); }
static int queue_get_for(void *q, void **it, uint64_t ns) { return ct_queue_get_for(q, it, ns); }
static void queue_close(void *q) { ct_queue_close(q); }
static size_t queue_size(const void *q) { return ct_queue_size(q); }
static size_t queue_capacity(const void *q) { return ct_queue_capacity(q); }

const struct ci_queue_ops ci_queue_ct_queue = {
	.name = "ct_queue",
	.family = "queue",
	.flags = CI_OWN | CI_Q_EXACT_CAP | CI_Q_EXACT_CLOSE | CI_Q_CLOSE_WAKES_ALL,
	.obj_size = sizeof(ct_queue),
	.max_capacity = CT_QUEUE_CAPACITY_MAX,
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

/* ct_ring */
static int ring_init(void *q, size_t cap) { return ct_ring_init(q, cap); }
static void ring_destroy(void *q) { ct_ring_destroy(q); }
static int ring_put(void *q, void *it) { return ct_ring_put(q, it); }
static int ring_try_put(void *q, void *it) { return ct_ring_try_put(q, it); }
static int ring_put_for(void *q, void *it, uint64_t ns) { return ct_ring_put_for(q, it, ns); }
static int ring_get(void *q, void **it) { return ct_ring_get(q, it); }
static int ring_try_get(void *q, void **it) { return ct_ring_try_get(q, it); }
static int ring_get_for(void *q, void **it, uint64_t ns) { return ct_ring_get_for(q, it, ns); }
static void ring_close(void *q) { ct_ring_close(q); }
static size_t ring_size(const void *q) { return ct_ring_size(q); }
static size_t ring_capacity(const void *q) { return ct_ring_capacity(q); }

const struct ci_queue_ops ci_queue_ct_ring = {
	.name = "ct_ring",
	.family = "ring",
	.flags = CI_OWN | CI_Q_EXACT_CAP | CI_Q_EXACT_CLOSE | CI_Q_CLOSE_WAKES_ALL | CI_Q_POW2,
	.obj_size = sizeof(ct_ring),
	.max_capacity = CT_RING_CAPACITY_MAX,
	.init = ring_init,
	.destroy = ring_destroy,
	.put = ring_put,
	.try_put = ring_try_put,
	.put_for = ring_put_for,
	.get = ring_get,
	.try_get = ring_try_get,
	.get_for = ring_get_for,
	.close = ring_close,
	.size = ring_size,
	.capacity = ring_capacity,
};
