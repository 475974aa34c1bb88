/*
 * team.h — the worker team (team.c), as the run loop (run.c) drives it.
 * Private to contend-bench; workloads see only struct ctb_team.
 */
#ifndef CTB_TEAM_H
#define CTB_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

enum team_cmd { CMD_NONE, CMD_SETUP, CMD_BATCH, CMD_TEARDOWN, CMD_EXIT };

/* A team: the public part workloads see, and the driver's own. */
struct team_impl {
	struct ctb_team pub;
	pthread_t *threads;
	atomic_int live;		/* workers that count as arrivals */
	bool spin;			/* waiters may spin before parking */
	uint64_t watchdog_ns;		/* the current command's limit */
	uint64_t stalled_ns;		/* how long it made no progress, once hung */
	int cmd;			/* written by the driver before a release */
	int status;			/* SETUP/TEARDOWN result from worker 0 */
	char err[256];			/* its reason */
	CTB_ALIGNED atomic_uint gen;	/* release word (see the top of team.c) */
	CTB_ALIGNED atomic_uint arrived; /* workers done with the current command */
	atomic_uint done;		/* == gen once all arrived */
	CTB_ALIGNED atomic_int failed;	/* ctb_fail was called this run */
	char fail_msg[256];		/* written once by the first ctb_fail */
};

/*
 * The team of benchmark b: the one already running it, or a new one (the
 * previous team ends). NULL with a reason in err when it cannot start.
 */
struct team_impl *ctb_team_for(struct ctb_bench *b, char *err, size_t errlen);

/* Runs one command on the team and waits for it; false: the watchdog
 * found it hung (the caller must then ctb_team_abandon it). */
bool ctb_team_command(struct team_impl *ti, int cmd);

/*
 * Gives up on a hung team (see "Watchdog" in team.c) during command
 * `what`; err gets the reason, which also goes to stderr.
 */
void ctb_team_abandon(struct team_impl *ti, const char *what, char *err, size_t errlen);

#endif
