/*
 * contend/contend.h — everything in libcontend.
 *
 * Conventions shared by every primitive:
 *  - Objects are caller-allocated; each has _init/_destroy and, where it
 *    makes sense, a static initializer (CT_MUTEX_INIT, ...).
 *  - Timeouts are relative nanoseconds measured on CLOCK_MONOTONIC
 *    (uint64_t timeout_ns), like Python's timeout= argument; 0 means "try
 *    once", UINT64_MAX means "forever" in practice.
 *  - Errors are returned as positive errno values. The library never sets
 *    errno, never prints (except the checked-build abort message), and never
 *    allocates on a fast path (only ct_queue_init / ct_ring_init allocate).
 */
#ifndef CONTEND_CONTEND_H
#define CONTEND_CONTEND_H

#include <contend/mutex.h>
#include <contend/cond.h>
#include <contend/rmutex.h>
#include <contend/event.h>
#include <contend/queue.h>
#include <contend/ring.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library version, "MAJOR.MINOR.PATCH". */
const char *ct_version(void);

#ifdef __cplusplus
}
#endif

#endif
