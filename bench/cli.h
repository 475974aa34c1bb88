/*
 * cli.h — contend-bench's own command-line values (the parsers are pure
 * functions, so bad input is rejected before anything runs).
 */
#ifndef CTB_CLI_H
#define CTB_CLI_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parses a thread-count list: comma-separated items, each N or A-B with
 * 1 <= A <= B <= max. Fills out[] sorted and without duplicates (at most
 * max entries) and returns how many; 0 on any syntax or range error.
 */
int ctb_parse_threads(const char *s, int max, int *out);

/*
 * Splits a --place list into policy texts: commas separate policies,
 * except that the numbers and ranges after "cpus:" belong to it
 * ("none,cpus:0,2,compact" is none | cpus:0,2 | compact). Returns the
 * number of texts written to out[] (each NUL-terminated, at most outlen-1
 * characters), or -1 on an empty item or too many / too long items.
 */
int ctb_split_places(const char *s, char out[][64], int maxout);

/* Parses a positive, finite number of seconds (at most 1e6). */
bool ctb_parse_seconds(const char *s, double *out);

/* Parses a non-negative integer no larger than max. */
bool ctb_parse_uint(const char *s, unsigned long long max, unsigned long long *out);

#endif
