/*
 * test_impls.h — the correctness programs' side of impls/impls.h: the
 * tables of contend's and its peers' implementations, so that every check
 * runs on every row it applies to (rows lacking what a check needs, by
 * their flags, are skipped).
 */
#ifndef CT_TEST_IMPLS_H
#define CT_TEST_IMPLS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <contend/queue.h>
#include <contend/ring.h>

#include "impls.h"

/*
 * A fresh object of impl, initialized with capacity (exits on failure);
 * cache-line aligned, as a caller embedding it would align it.
 */
static inline void *queue_new(const struct ci_queue_ops *impl, size_t capacity)
{
	size_t bytes = (impl->obj_size + CT_CACHE_LINE - 1) / CT_CACHE_LINE * CT_CACHE_LINE;
	void *q = aligned_alloc(CT_CACHE_LINE, bytes);
	if (!q || impl->init(q, capacity) != 0) {
		fprintf(stderr, "%s: cannot create a queue of capacity %zu\n", impl->name, capacity);
		exit(1);
	}
	return q;
}

static inline void queue_free(const struct ci_queue_ops *impl, void *q)
{
	impl->destroy(q);
	free(q);
}

/* The next of libcontend's own queue rows (CI_OWN) from index *i (start at 0); NULL after the last. */
static inline const struct ci_queue_ops *next_own_queue(size_t *i)
{
	while (*i < ci_queue_table_len) {
		const struct ci_queue_ops *q = ci_queue_table[(*i)++];
		if (q != NULL && (q->flags & CI_OWN))
			return q;
	}
	return NULL;
}

/*
 * Which rows a program runs on, from its arguments: none = contend's own
 * rows (CI_OWN); "--peers" = every built row that is not contend's; else
 * the rows named.
 */
static inline bool impl_selected(int argc, char **argv, const char *name, unsigned flags)
{
	if (argc < 2)
		return (flags & CI_OWN) != 0;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0 ||
		    (strcmp(argv[i], "--peers") == 0 && !(flags & CI_OWN)))
			return true;
	return false;
}

#endif
