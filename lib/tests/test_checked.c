/*
 * test_checked.c — linked against the checked build of libcontend: misuse
 * must abort at once with a one-line message, never hang.
 *
 * Each case runs in a child process whose stderr is captured; the parent
 * kills a child that is still alive after 10 s (that would be the hang the
 * checked build exists to prevent) and fails.
 */
#include <sys/wait.h>

#include <contend/cond.h>
#include <contend/mutex.h>
#include <contend/rmutex.h>

#include "test_util.h"

static ct_mutex m = CT_MUTEX_INIT;
static ct_cond c = CT_COND_INIT;

static void self_deadlock(void)
{
	ct_mutex_lock(&m);
	ct_mutex_lock(&m);
}

static void self_deadlock_timed(void)
{
	ct_mutex_lock(&m);
	(void)ct_mutex_lock_for(&m, 60000000000u);
}

static void unlock_unlocked(void)
{
	ct_mutex_unlock(&m);
}

static void *lock_and_keep(void *arg)
{
	(void)arg;
	ct_mutex_lock(&m);
	return NULL;
}

static void unlock_not_owner(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, lock_and_keep, NULL) == 0);
	test_join(&t, 1);
	ct_mutex_unlock(&m);
}

static void cond_wait_unlocked(void)
{
	ct_cond_wait(&c, &m);
}

static void cond_wait_for_unlocked(void)
{
	(void)ct_cond_wait_for(&c, &m, 60000000000u);
}

static void cond_wait_not_owner(void)
{
	pthread_t t;
	CHECK(pthread_create(&t, NULL, lock_and_keep, NULL) == 0);
	test_join(&t, 1);
	ct_cond_wait(&c, &m);
}

static void correct_use(void)
{
	ct_rmutex r = CT_RMUTEX_INIT;
	ct_mutex_lock(&m);
	ct_mutex_unlock(&m);
	CHECK(ct_mutex_trylock(&m));
	ct_mutex_unlock(&m);
	ct_rmutex_lock(&r);
	ct_rmutex_lock(&r);
	CHECK_EQ(ct_rmutex_unlock(&r), 0);
	CHECK_EQ(ct_rmutex_unlock(&r), 0);
	CHECK_EQ(ct_rmutex_unlock(&r), EPERM);	/* rmutex reports, never aborts */
	ct_mutex_lock(&m);
	CHECK_EQ(ct_cond_wait_for(&c, &m, 1000), ETIMEDOUT);	/* held: waits */
	ct_mutex_unlock(&m);
}

/* Runs fn in a child; returns its wait status, stderr text in buf. */
static int run_child(void (*fn)(void), char *buf, size_t len)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		fn();
		_exit(0);
	}
	close(fds[1]);
	int status = 0;
	uint64_t t0 = test_now_ns();
	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (test_now_ns() - t0 > 10000000000u) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "child still running after 10 s: hang instead of abort\n");
			exit(1);
		}
		test_sleep_ns(1000000);
	}
	ssize_t n = read(fds[0], buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	return status;
}

/*
 * Under an emulator (meson's exe_wrapper in cross builds, which sets
 * CT_TEST_EMULATOR), qemu-user adds exactly one line of its own after the
 * library's when the child aborts; drop that line and nothing else.
 */
static void drop_emulator_line(char *buf)
{
	static const char qemu_line[] = "qemu: uncaught target signal 6 (Aborted)";
	const char *emu = getenv("CT_TEST_EMULATOR");
	if (emu == NULL || emu[0] == '\0')
		return;
	char *nl = strchr(buf, '\n');
	if (nl != NULL && strncmp(nl + 1, qemu_line, sizeof qemu_line - 1) == 0 &&
	    strchr(nl + 1, '\n') == nl + 1 + strlen(nl + 1) - 1)
		nl[1] = '\0';
}

static void expect_abort_on(const char *name, void (*fn)(void), const char *op,
			    const char *what, const void *obj)
{
	char buf[1024], addr[32];
	int status = run_child(fn, buf, sizeof buf);
	drop_emulator_line(buf);
	printf("%s: %s", name, buf[0] ? buf : "(no message)\n");
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK(strstr(buf, op) != NULL);
	CHECK(strstr(buf, what) != NULL);
	snprintf(addr, sizeof addr, "%p", (void *)&m);
	CHECK(strstr(buf, addr) != NULL);	/* names the mutex */
	if (obj != NULL) {
		snprintf(addr, sizeof addr, "%p", obj);
		CHECK(strstr(buf, addr) != NULL);	/* and the cond */
	}
	CHECK(strstr(buf, "thread ") != NULL);	/* and the thread */
	CHECK(strchr(buf, '\n') == buf + strlen(buf) - 1);	/* one line */
}

static void expect_abort(const char *name, void (*fn)(void), const char *op, const char *what)
{
	expect_abort_on(name, fn, op, what, NULL);
}

int main(void)
{
	char buf[1024];
	expect_abort("self-deadlock", self_deadlock, "ct_mutex_lock", "self-deadlock");
	expect_abort("self-deadlock (lock_for)", self_deadlock_timed, "ct_mutex_lock_for",
		     "self-deadlock");
	expect_abort("unlock of unlocked mutex", unlock_unlocked, "ct_mutex_unlock", "does not hold");
	expect_abort("unlock by non-owner", unlock_not_owner, "ct_mutex_unlock", "does not hold");
	expect_abort_on("cond wait, mutex unlocked", cond_wait_unlocked, "ct_cond_wait:",
			"does not hold the mutex", &c);
	expect_abort_on("cond wait_for, mutex unlocked", cond_wait_for_unlocked,
			"ct_cond_wait_for:", "does not hold the mutex", &c);
	expect_abort_on("cond wait, mutex held by another thread", cond_wait_not_owner,
			"ct_cond_wait:", "does not hold the mutex", &c);

	int status = run_child(correct_use, buf, sizeof buf);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(buf[0], '\0');
	printf("correct use: no abort, no message\n");
	return 0;
}
