/*
 * tour.h — what every program of the threading tour shares: info() is
 * Python's `logging.info` with `format="%(asctime)s: %(message)s"` and
 * `datefmt="%H:%M:%S"`, sleep_ms() is `time.sleep`, start_thread() is
 * `threading.Thread(target=fn, args=(arg,)).start()`, arg_long() reads a
 * number from the command line.
 */
#ifndef CONTEND_EXAMPLES_TOUR_H
#define CONTEND_EXAMPLES_TOUR_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * One line "HH:MM:SS: message" on stdout, local time. One printf per line
 * (stdio locks the stream, so lines of different threads never mix), then
 * a flush, so the log is complete even if the program aborts.
 */
static inline void info(const char *fmt, ...)
{
	char stamp[16], msg[256];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	strftime(stamp, sizeof stamp, "%H:%M:%S", localtime_r(&now, &tm));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	printf("%s: %s\n", stamp, msg);
	fflush(stdout);
}

/* time.sleep(ms / 1000.0); nanosleep restarts after a signal. */
static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* pthread_create(t, NULL, fn, (void *)arg), or exit(1) with one line. */
static inline void start_thread(pthread_t *t, void *(*fn)(void *), long arg)
{
	int rc = pthread_create(t, NULL, fn, (void *)(intptr_t)arg);
	if (rc != 0) {
		fprintf(stderr, "pthread_create: %s\n", strerror(rc));
		exit(1);
	}
}

/* The number s spells, if it is a whole decimal number in [lo, hi]; else -1. */
static inline long arg_long(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return (errno == 0 && end != s && *end == '\0' && v >= lo && v <= hi) ? v : -1;
}

#endif
