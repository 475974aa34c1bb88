/* cli.c — parsers for contend-bench's own flags (see cli.h). */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Reads a decimal number of at most 9 digits at *p; false if none. */
static bool number(const char **p, long *out)
{
	const char *s = *p;
	long v = 0;
	int digits = 0;
	while (isdigit((unsigned char)*s)) {
		if (++digits > 9)
			return false;
		v = v * 10 + (*s - '0');
		s++;
	}
	if (digits == 0)
		return false;
	*p = s;
	*out = v;
	return true;
}

int ctb_parse_threads(const char *s, int max, int *out)
{
	if (s == NULL || *s == '\0')
		return 0;
	char *seen = calloc((size_t)max + 1, 1);
	if (seen == NULL)
		return 0;
	const char *p = s;
	for (;;) {
		long a, b;
		if (!number(&p, &a))
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			if (!number(&p, &b))
				goto bad;
		}
		if (a < 1 || b < a || b > max)
			goto bad;
		for (long v = a; v <= b; v++)
			seen[v] = 1;
		if (*p == '\0')
			break;
		if (*p != ',')
			goto bad;
		p++;
	}
	int n = 0;
	for (int v = 1; v <= max; v++)
		if (seen[v])
			out[n++] = v;
	free(seen);
	return n;
bad:
	free(seen);
	return 0;
}

/* True if item is a CPU number or range ("3", "0-7"). */
static bool cpu_item(const char *item, size_t len)
{
	size_t i = 0;
	while (i < len && isdigit((unsigned char)item[i]))
		i++;
	if (i == 0)
		return false;
	if (i == len)
		return true;
	if (item[i] != '-')
		return false;
	size_t j = ++i;
	while (i < len && isdigit((unsigned char)item[i]))
		i++;
	return i > j && i == len;
}

int ctb_split_places(const char *s, char out[][64], int maxout)
{
	if (s == NULL || *s == '\0')
		return -1;
	int n = 0;
	const char *p = s;
	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return -1;
		bool extends = n > 0 && strncmp(out[n - 1], "cpus:", 5) == 0 && cpu_item(p, len);
		if (extends) {
			size_t used = strlen(out[n - 1]);
			if (used + 1 + len >= 64)
				return -1;
			out[n - 1][used] = ',';
			memcpy(out[n - 1] + used + 1, p, len);
			out[n - 1][used + 1 + len] = '\0';
		} else {
			if (n == maxout || len >= 64)
				return -1;
			memcpy(out[n], p, len);
			out[n][len] = '\0';
			n++;
		}
		if (end == NULL)
			break;
		p = end + 1;
	}
	return n;
}

bool ctb_parse_seconds(const char *s, double *out)
{
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v <= 0 || v > 1e6)
		return false;
	*out = v;
	return true;
}

bool ctb_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	if (s == NULL || !isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}
