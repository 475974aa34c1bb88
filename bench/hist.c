/* hist.c — log-linear histogram: see hist.h. */
#include "hist.h"

#include <math.h>
#include <string.h>

void ctb_hist_clear(struct ctb_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void ctb_hist_merge(struct ctb_hist *dst, const struct ctb_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < CTB_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t ctb_hist_bucket_low(unsigned i)
{
	if (i < CTB_HIST_SUB)
		return i;
	unsigned group = i / CTB_HIST_SUB;	/* >= 1 */
	uint64_t m = CTB_HIST_SUB + i % CTB_HIST_SUB;
	return m << (group - 1);
}

uint64_t ctb_hist_bucket_high(unsigned i)
{
	if (i < CTB_HIST_SUB)
		return i;
	unsigned group = i / CTB_HIST_SUB;
	return ctb_hist_bucket_low(i) + ((uint64_t)1 << (group - 1)) - 1;
}

double ctb_hist_quantile(const struct ctb_hist *h, double q)
{
	if (h->count == 0)
		return 0;
	double r = ceil(q * (double)h->count);
	uint64_t rank = r < 1 ? 1 : (uint64_t)r;
	if (rank > h->count)
		rank = h->count;
	uint64_t seen = 0;
	for (unsigned i = 0; i < CTB_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			double lo = (double)ctb_hist_bucket_low(i);
			double hi = (double)ctb_hist_bucket_high(i);
			double mid = (lo + hi) / 2;
			return mid > (double)h->max ? (double)h->max : mid;
		}
	}
	return (double)h->max;
}
