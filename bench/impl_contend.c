/*
 * impl_contend.c — contend's own rows in the adapter tables: ct_mutex,
 * ct_rmutex, ct_event, ct_queue, ct_ring. Each wrapper only converts the
 * opaque pointer (calling through a cast function pointer would be
 * undefined behaviour).
 */
#include "adapters.h"

#include <contend/contend.h>

/* ct_mutex */
static int mutex_init(void *l) { ct_mutex_init(l); return 0; }
static void mutex_destroy(void *l) { ct_mutex_destroy(l); }
static void mutex_lock(void *l) { ct_mutex_lock(l); }
static void mutex_unlock(void *l) { ct_mutex_unlock(l); }

const struct ctb_lock_ops ctb_lock_ct_mutex = {
	.name = "ct_mutex",
	.size = sizeof(ct_mutex),
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

const struct ctb_rlock_ops ctb_rlock_ct_rmutex = {
	.name = "ct_rmutex",
	.size = sizeof(ct_rmutex),
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

const struct ctb_event_ops ctb_event_ct_event = {
	.name = "ct_event",
	.size = sizeof(ct_event),
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

const struct ctb_queue_ops ctb_queue_ct_queue = {
	.name = "ct_queue",
	.family = "queue",
	.size = sizeof(ct_queue),
	.init = queue_init,
	.destroy = queue_destroy,
	.put = queue_put,
	.try_put = queue_try_put,
	.put_for = queue_put_for,
	.get = queue_get,
	.try_get = queue_try_get,
	.get_for = queue_get_for,
	.close = queue_close,
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

const struct ctb_queue_ops ctb_queue_ct_ring = {
	.name = "ct_ring",
	.family = "ring",
	.size = sizeof(ct_ring),
	.init = ring_init,
	.destroy = ring_destroy,
	.put = ring_put,
	.try_put = ring_try_put,
	.put_for = ring_put_for,
	.get = ring_get,
	.try_get = ring_try_get,
	.get_for = ring_get_for,
	.close = ring_close,
};
