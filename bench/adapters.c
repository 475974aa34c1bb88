/*
 * adapters.c — the implementation tables (see adapters.h).
 *
 * One line per implementation. Each row is defined in its own file
 * (impl_contend.c for contend, impl_<peer>.c for a peer); the references
 * here are weak, so a row whose file meson did not build (its dependency
 * was not found) is a null pointer, skipped by the workloads and listed in
 * the run's context as missing.
 */
#include "adapters.h"
#include "pool_impl.h"

#include <stdio.h>
#include <string.h>

#define CTB_PEER __attribute__((weak))

/* Rows, in the order benchmarks are registered. */
#define LOCK_ROWS(X) \
	X(ct_mutex) \
	X(pthread_mutex) \
	X(pthread_mutex_adaptive) \
	X(ck_ticket) \
	X(ck_mcs) \
	X(ck_fas) \
	X(tbb_spin_mutex) \
	X(tbb_queuing_mutex)

#define RLOCK_ROWS(X) \
	X(ct_rmutex) \
	X(pthread_rmutex)

#define EVENT_ROWS(X) \
	X(ct_event) \
	X(pthread_event)

#define QUEUE_ROWS(X) \
	X(ct_queue) \
	X(ct_ring) \
	X(pthread_queue) \
	X(ck_ring) \
	X(tbb_bounded_queue) \
	X(boost_queue)

#define DECL_LOCK(n) extern const struct ctb_lock_ops ctb_lock_##n CTB_PEER;
#define DECL_RLOCK(n) extern const struct ctb_rlock_ops ctb_rlock_##n CTB_PEER;
#define DECL_EVENT(n) extern const struct ctb_event_ops ctb_event_##n CTB_PEER;
#define DECL_QUEUE(n) extern const struct ctb_queue_ops ctb_queue_##n CTB_PEER;
LOCK_ROWS(DECL_LOCK)
RLOCK_ROWS(DECL_RLOCK)
EVENT_ROWS(DECL_EVENT)
QUEUE_ROWS(DECL_QUEUE)

#define PTR_LOCK(n) &ctb_lock_##n,
#define PTR_RLOCK(n) &ctb_rlock_##n,
#define PTR_EVENT(n) &ctb_event_##n,
#define PTR_QUEUE(n) &ctb_queue_##n,
#define NAME(n) #n,

const struct ctb_lock_ops *const ctb_lock_table[] = { LOCK_ROWS(PTR_LOCK) };
const size_t ctb_lock_table_len = sizeof(ctb_lock_table) / sizeof(ctb_lock_table[0]);
const struct ctb_rlock_ops *const ctb_rlock_table[] = { RLOCK_ROWS(PTR_RLOCK) };
const size_t ctb_rlock_table_len = sizeof(ctb_rlock_table) / sizeof(ctb_rlock_table[0]);
const struct ctb_event_ops *const ctb_event_table[] = { EVENT_ROWS(PTR_EVENT) };
const size_t ctb_event_table_len = sizeof(ctb_event_table) / sizeof(ctb_event_table[0]);
const struct ctb_queue_ops *const ctb_queue_table[] = { QUEUE_ROWS(PTR_QUEUE) };
const size_t ctb_queue_table_len = sizeof(ctb_queue_table) / sizeof(ctb_queue_table[0]);

static const char *const lock_names[] = { LOCK_ROWS(NAME) };
static const char *const rlock_names[] = { RLOCK_ROWS(NAME) };
static const char *const event_names[] = { EVENT_ROWS(NAME) };
static const char *const queue_names[] = { QUEUE_ROWS(NAME) };

static void append(char *buf, size_t len, const char *name)
{
	size_t used = strlen(buf);
	if (used + strlen(name) + 2 > len)
		return;
	snprintf(buf + used, len - used, "%s%s", used ? "," : "", name);
}

static void list(char *buf, size_t len, bool present)
{
	buf[0] = '\0';
	for (size_t i = 0; i < ctb_lock_table_len; i++)
		if ((ctb_lock_table[i] != NULL) == present)
			append(buf, len, lock_names[i]);
	for (size_t i = 0; i < ctb_rlock_table_len; i++)
		if ((ctb_rlock_table[i] != NULL) == present)
			append(buf, len, rlock_names[i]);
	for (size_t i = 0; i < ctb_event_table_len; i++)
		if ((ctb_event_table[i] != NULL) == present)
			append(buf, len, event_names[i]);
	for (size_t i = 0; i < ctb_queue_table_len; i++)
		if ((ctb_queue_table[i] != NULL) == present)
			append(buf, len, queue_names[i]);
	for (size_t i = 0; i < cti_pool_table_len; i++)
		if ((cti_pool_table[i] != NULL) == present)
			append(buf, len, cti_pool_names[i]);
}

void ctb_impls_missing(char *buf, size_t len) { list(buf, len, false); }
void ctb_impls_present(char *buf, size_t len) { list(buf, len, true); }
