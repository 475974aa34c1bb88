/*
 * harness_test.c — the harness's pure parts: the log-linear histogram
 * (bucket bounds, relative error, quantiles) and the command-line parsers.
 * Exits 1 on the first violated expectation, naming it.
 */
#include "cli.h"
#include "hist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define EXPECT(cond, ...)                                              \
	do {                                                           \
		if (!(cond)) {                                         \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                  \
			fputc('\n', stderr);                           \
			failures++;                                    \
		}                                                      \
	} while (0)

static void test_buckets(void)
{
	/* The buckets tile the whole uint64_t range, in order. */
	uint64_t next = 0;
	for (unsigned i = 0; i < CTB_HIST_BUCKETS; i++) {
		uint64_t lo = ctb_hist_bucket_low(i), hi = ctb_hist_bucket_high(i);
		EXPECT(lo == next, "bucket %u starts at %llu, expected %llu", i,
		       (unsigned long long)lo, (unsigned long long)next);
		EXPECT(hi >= lo, "bucket %u empty", i);
		EXPECT(ctb_hist_index(lo) == i && ctb_hist_index(hi) == i,
		       "bucket %u bounds map to %u/%u", i, ctb_hist_index(lo), ctb_hist_index(hi));
		/* Values sharing a bucket differ by at most 1/64 of the smallest (exact below 128). */
		if (lo > 0)
			EXPECT((double)(hi - lo) / (double)lo <= 1.0 / 64,
			       "bucket %u spans %.4f of its low bound", i, (double)(hi - lo) / (double)lo);
		if (lo < 128)
			EXPECT(hi == lo, "bucket %u (below 128) is not exact", i);
		next = hi + 1;
		if (next == 0)	/* wrapped: the last bucket ends at UINT64_MAX */
			EXPECT(i == CTB_HIST_BUCKETS - 1, "range ends early at bucket %u", i);
	}
	EXPECT(ctb_hist_index(UINT64_MAX) == CTB_HIST_BUCKETS - 1, "UINT64_MAX not in the last bucket");
}

static void test_quantiles(void)
{
	static struct ctb_hist h;
	ctb_hist_clear(&h);
	EXPECT(ctb_hist_quantile(&h, 0.5) == 0, "empty histogram median not 0");
	/* 1..100000: quantile q is about q * 100000, within 1 % (the bucket error). */
	for (uint64_t v = 1; v <= 100000; v++)
		ctb_hist_add(&h, v);
	const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double got = ctb_hist_quantile(&h, qs[i]), want = qs[i] * 100000;
		EXPECT(fabs(got / want - 1) < 0.01, "q%.3f = %.1f, want about %.1f", qs[i], got, want);
	}
	EXPECT(h.max == 100000 && h.count == 100000, "max/count wrong");
	EXPECT(ctb_hist_quantile(&h, 1.0) <= 100000, "q1 above max");
	/* Merge: two halves make the whole. */
	static struct ctb_hist a, b;
	ctb_hist_clear(&a);
	ctb_hist_clear(&b);
	for (uint64_t v = 1; v <= 100000; v++)
		ctb_hist_add(v % 2 ? &a : &b, v);
	ctb_hist_merge(&a, &b);
	EXPECT(memcmp(&a, &h, sizeof(h)) == 0, "merged halves differ from the whole");
	/* Small values are exact. */
	ctb_hist_clear(&h);
	for (int i = 0; i < 10; i++)
		ctb_hist_add(&h, 7);
	EXPECT(ctb_hist_quantile(&h, 0.5) == 7, "exact small value lost");
}

static void test_threads(void)
{
	int out[4096];
	int n = ctb_parse_threads("1,2,4", 4096, out);
	EXPECT(n == 3 && out[0] == 1 && out[1] == 2 && out[2] == 4, "1,2,4 -> %d items", n);
	n = ctb_parse_threads("1-8", 4096, out);
	EXPECT(n == 8 && out[7] == 8, "1-8 -> %d items", n);
	n = ctb_parse_threads("4,1-2,2", 4096, out);
	EXPECT(n == 3 && out[0] == 1 && out[2] == 4, "4,1-2,2 not sorted/deduplicated (%d)", n);
	EXPECT(ctb_parse_threads("4096", 4096, out) == 1, "4096 rejected");
	const char *bad[] = { "", "0", "-3", "abc", "1-", "-", "1,", ",1", "4097", "8-2",
			      "1,,2", "1 2", "2x", "1-9999999999", "+1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(ctb_parse_threads(bad[i], 4096, out) == 0, "'%s' accepted", bad[i]);
}

static void test_places(void)
{
	char out[8][64];
	int n = ctb_split_places("none,cpus:0,2,4,compact", out, 8);
	EXPECT(n == 3 && strcmp(out[1], "cpus:0,2,4") == 0 && strcmp(out[2], "compact") == 0,
	       "split gave %d", n);
	n = ctb_split_places("cpus:0-3,scatter", out, 8);
	EXPECT(n == 2 && strcmp(out[0], "cpus:0-3") == 0, "cpus range split gave %d", n);
	n = ctb_split_places("2,none", out, 8);
	EXPECT(n == 2 && strcmp(out[0], "2") == 0, "a bare number is its own item (%d)", n);
	EXPECT(ctb_split_places("", out, 8) < 0, "empty accepted");
	EXPECT(ctb_split_places("none,,compact", out, 8) < 0, "empty item accepted");
	EXPECT(ctb_split_places("a,b,c", out, 2) < 0, "too many accepted");
}

static void test_numbers(void)
{
	double d;
	unsigned long long u;
	EXPECT(ctb_parse_seconds("0.05", &d) && d == 0.05, "0.05");
	EXPECT(ctb_parse_seconds("2", &d) && d == 2, "2");
	const char *bad[] = { "", "0", "-1", "abc", "1e400", "nan", "inf", " 1", "1s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(!ctb_parse_seconds(bad[i], &d), "seconds '%s' accepted", bad[i]);
	EXPECT(ctb_parse_uint("0", 10, &u) && u == 0, "uint 0");
	EXPECT(!ctb_parse_uint("11", 10, &u), "uint above max accepted");
	EXPECT(!ctb_parse_uint("-1", 10, &u), "negative uint accepted");
}

int main(void)
{
	test_buckets();
	test_quantiles();
	test_threads();
	test_places();
	test_numbers();
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	puts("harness_test: ok");
	return 0;
}
