/*
 * hist.h — log-linear latency histogram (HDR-style).
 *
 * Values are nanoseconds (uint64_t). Values below 2 * CTB_HIST_SUB are
 * counted exactly; above, each power of two [2^e, 2^(e+1)) is split into
 * CTB_HIST_SUB equal buckets, so a bucket is at most 1/CTB_HIST_SUB = 1.6 %
 * of its lower bound wide and a value reported as its bucket's midpoint is
 * within 0.8 % of the truth. The whole uint64_t range is covered.
 *
 * One histogram per worker thread, written only by that thread while a
 * trial runs and merged by the driver afterwards (the trial barrier orders
 * the two), so no field is atomic.
 */
#ifndef CTB_HIST_H
#define CTB_HIST_H

#include <stdint.h>

#define CTB_HIST_SUB_BITS 6
#define CTB_HIST_SUB (1u << CTB_HIST_SUB_BITS)	/* buckets per power of two */
/* Exact buckets 0..SUB-1, then one group of SUB buckets per exponent 6..63. */
#define CTB_HIST_BUCKETS ((64 - CTB_HIST_SUB_BITS + 1) * CTB_HIST_SUB)

struct ctb_hist {
	uint64_t count;			/* values recorded */
	uint64_t max;			/* largest value recorded, exact */
	uint64_t b[CTB_HIST_BUCKETS];
};

static inline unsigned ctb_hist_index(uint64_t v)
{
	if (v < CTB_HIST_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);	/* >= SUB_BITS */
	unsigned shift = e - CTB_HIST_SUB_BITS;
	/* (v >> shift) is in [SUB, 2 SUB): group e - SUB_BITS + 1, offset below. */
	return (shift + 1) * CTB_HIST_SUB + (unsigned)(v >> shift) - CTB_HIST_SUB;
}

static inline void ctb_hist_add(struct ctb_hist *h, uint64_t v)
{
	h->b[ctb_hist_index(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

void ctb_hist_clear(struct ctb_hist *h);

/* dst += src. */
void ctb_hist_merge(struct ctb_hist *dst, const struct ctb_hist *src);

/* Smallest and largest value that land in bucket i. */
uint64_t ctb_hist_bucket_low(unsigned i);
uint64_t ctb_hist_bucket_high(unsigned i);

/*
 * The q-quantile (0 < q <= 1): the midpoint of the bucket holding the
 * ceil(q * count)-th smallest value, never above max. 0 if empty.
 */
double ctb_hist_quantile(const struct ctb_hist *h, double q);

#endif
