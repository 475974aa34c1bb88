/*
 * table.c — the implementation tables (see impls.h).
 *
 * One line per implementation. Each row is defined in its library's file
 * (contend.c for contend, <peer>.c for a peer); the references here are
 * weak, so a row whose file meson did not build (its dependency was not
 * found) is a null pointer, skipped by the tests and workloads and listed
 * in contend-bench's context as missing. (Users link impls/ whole, so a
 * weak reference alone keeps every built row.)
 */
#include "impls.h"
#include "pool_impl.h"

#include <stdio.h>
#include <string.h>

#define CI_WEAK __attribute__((weak))

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

#define DECL_LOCK(n) extern const struct ci_lock_ops ci_lock_##n CI_WEAK;
#define DECL_RLOCK(n) extern const struct ci_rlock_ops ci_rlock_##n CI_WEAK;
#define DECL_EVENT(n) extern const struct ci_event_ops ci_event_##n CI_WEAK;
#define DECL_QUEUE(n) extern const struct ci_queue_ops ci_queue_##n CI_WEAK;
LOCK_ROWS(DECL_LOCK)
RLOCK_ROWS(DECL_RLOCK)
EVENT_ROWS(DECL_EVENT)
QUEUE_ROWS(DECL_QUEUE)

#define PTR_LOCK(n) &ci_lock_##n,
#define PTR_RLOCK(n) &ci_rlock_##n,
#define PTR_EVENT(n) &ci_event_##n,
#define PTR_QUEUE(n) &ci_queue_##n,
#define NAME(n) #n,

const struct ci_lock_ops *const ci_lock_table[] = { LOCK_ROWS(PTR_LOCK) };
const size_t ci_lock_table_len = sizeof(ci_lock_table) / sizeof(ci_lock_table[0]);
const struct ci_rlock_ops *const ci_rlock_table[] = { RLOCK_ROWS(PTR_RLOCK) };
const size_t ci_rlock_table_len = sizeof(ci_rlock_table) / sizeof(ci_rlock_table[0]);
const struct ci_event_ops *const ci_event_table[] = { EVENT_ROWS(PTR_EVENT) };
const size_t ci_event_table_len = sizeof(ci_event_table) / sizeof(ci_event_table[0]);
const struct ci_queue_ops *const ci_queue_table[] = { QUEUE_ROWS(PTR_QUEUE) };
const size_t ci_queue_table_len = sizeof(ci_queue_table) / sizeof(ci_queue_table[0]);

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
	for (size_t i = 0; i < ci_lock_table_len; i++)
		if ((ci_lock_table[i] != NULL) == present)
			append(buf, len, lock_names[i]);
	for (size_t i = 0; i < ci_rlock_table_len; i++)
		if ((ci_rlock_table[i] != NULL) == present)
			append(buf, len, rlock_names[i]);
	for (size_t i = 0; i < ci_event_table_len; i++)
		if ((ci_event_table[i] != NULL) == present)
			append(buf, len, event_names[i]);
	for (size_t i = 0; i < ci_queue_table_len; i++)
		if ((ci_queue_table[i] != NULL) == present)
			append(buf, len, queue_names[i]);
	for (size_t i = 0; i < ci_pool_table_len; i++)
		if ((ci_pool_table[i] != NULL) == present)
			append(buf, len, ci_pool_names[i]);
}

void ci_impls_missing(char *buf, size_t len) { list(buf, len, false); }
void ci_impls_present(char *buf, size_t len) { list(buf, len, true); }
