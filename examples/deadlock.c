/*
 * deadlock — a thread that locks a lock it already holds.
 *
 * Python:
 *     l = threading.Lock()
 *     l.acquire()
 *     l.acquire()         # hangs forever: Lock is not re-entrant
 *     r = threading.RLock()
 *     r.acquire()
 *     r.acquire()         # fine: RLock counts its owner's acquisitions
 *
 * ct_rmutex is RLock: the same thread may lock it again, and unlocks it
 * as often as it locked it. ct_mutex is Lock: a second lock by its holder
 * can never succeed. A default build would hang there forever like Python
 * (ct_mutex records no owner, so it cannot notice); a checked build
 * (meson -Dchecked=true) records owners and aborts at once with one line on
 * stderr naming the operation, the mutex address and the thread.
 *
 * So that a default build shows the deadlock without hanging, the second
 * lock here is ct_mutex_lock_for with a 1 s timeout: the checked build
 * aborts on it exactly as on ct_mutex_lock; the default build reports
 * ETIMEDOUT after 1 s, where ct_mutex_lock would have waited forever.
 *
 * Usage: deadlock   (exit 0 in a default build; SIGABRT in a checked one)
 */
#include <errno.h>
#include <stdio.h>

#include <contend/mutex.h>
#include <contend/rmutex.h>

#include "tour.h"

#define SECOND_NS 1000000000u

static ct_rmutex r = CT_RMUTEX_INIT;
static ct_mutex l = CT_MUTEX_INIT;

int main(void)
{
	info("Main    : before first acquire of ct_rmutex %p", (void *)&r);
	ct_rmutex_lock(&r);
	info("Main    : before second acquire of ct_rmutex %p", (void *)&r);
	if (ct_rmutex_lock_for(&r, SECOND_NS) != 0) {
		fprintf(stderr, "deadlock: ct_rmutex refused its own holder\n");
		return 1;
	}
	info("Main    : acquired ct_rmutex twice (depth %u)", ct_rmutex_depth(&r));
	ct_rmutex_unlock(&r);
	ct_rmutex_unlock(&r);	/* as many unlocks as locks */

	info("Main    : before first acquire of ct_mutex %p", (void *)&l);
	ct_mutex_lock(&l);
	info("Main    : before second acquire of ct_mutex %p", (void *)&l);
	int rc = ct_mutex_lock_for(&l, SECOND_NS);	/* checked build: aborts here */
	if (rc == 0) {
		fprintf(stderr, "deadlock: ct_mutex acquired twice by one thread\n");
		return 1;
	}
	info("Main    : second acquire of ct_mutex timed out (%s): ct_mutex_lock would wait forever",
	     rc == ETIMEDOUT ? "ETIMEDOUT" : "?");
	ct_mutex_unlock(&l);
	return 0;
}
