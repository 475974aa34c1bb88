/*
 * contend/contend.h — everything in libcontend.
 *
 * Conventions shared by every primitive:
 *  - Objects are caller-allocated; each has _init/_destroy and, where it
 *    makes sense, a static initializer (CT_MUTEX_INIT, ...).
 *  - Timeouts are relative nanoseconds measured on CLOCK_MONOTONIC
 *    (uint64_t timeout_ns), like Python's timeout= argument; 0 means "try
 *    once", UINT64_MAX means "forever" (deadlines saturate: such a wait
 *    never returns ETIMEDOUT).
 *  - Errors are returned as positive errno values. The library never sets
 *    errno, never prints (except the checked-build abort message), and never
 *    allocates on a fast path (only ct_queue_init / ct_ring_init,
 *    ct_pool_init and ct_pool_map allocate).
 *  - No function is a cancellation point: pthread_cancel does not release
 *    a thread blocked in the library (the request stays pending until the
 *    thread reaches a cancellation point of its own). Release blocked
 *    threads by making progress possible, or with ct_queue_close /
 *    ct_ring_close; cancel a thread only outside library calls. Asynchronous
 *    cancellation (PTHREAD_CANCEL_ASYNCHRONOUS) inside a call is undefined.
 */
#ifndef CONTEND_CONTEND_H
#define CONTEND_CONTEND_H

#include <contend/api.h>
#include <contend/mutex.h>
#include <contend/cond.h>
#include <contend/rmutex.h>
#include <contend/event.h>
#include <contend/queue.h>
#include <contend/ring.h>
#include <contend/pool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library version, "MAJOR.MINOR.PATCH". */
CT_API const char *ct_version(void);

#ifdef __cplusplus
}
#endif

#endif
