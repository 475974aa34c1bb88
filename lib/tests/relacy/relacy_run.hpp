/*
 * relacy_run.hpp — the driver every Relacy check shares.
 *
 * A check is one C++ file that includes the library's real .c files (they
 * reach atomics and parking through wait.h, which in this build is
 * wait_relacy.h) and defines Relacy test suites over them. Its main()
 * calls ct_rl_main with a table of scenarios; each runs under Relacy's
 * random scheduler (and, where the table says so, a context-bounded full
 * search).
 *
 * Usage: rl_PROTOCOL [--iterations N] [--expect-bug] [--history]
 *   --history: collect and print the interleaving of a failure (slower).
 *   Without --expect-bug: exit 0 when every scenario passed, 1 otherwise
 *   (Relacy prints the failing interleaving).
 *   With --expect-bug (the seeded variants, built with -DCT_RL_BUG=NAME):
 *   exit 0 when some scenario failed (the bug was caught), 1 when all
 *   passed or the seeded site never ran.
 */
#ifndef CT_RELACY_RUN_HPP
#define CT_RELACY_RUN_HPP

/* Standard headers first: Relacy redefines new/delete as macros. */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "wait.h"

struct ct_rl_scenario {
	const char *name;
	/* Runs the scenario with these params; returns Relacy's verdict. */
	std::function<bool(rl::test_params &)> run;
	/* Extra: a context-bounded full search (small scenarios only). */
	bool full_search;
};

template <typename T>
ct_rl_scenario ct_rl_make(const char *name, bool full_search = false)
{
	return {name, [](rl::test_params &p) { return rl::simulate<T>(p); }, full_search};
}

/* Base of every test: owns the futex model's kernel for one execution. */
struct ct_rl_base {
	ct_rl_kernel kernel;
	ct_rl_base() { ct_rl_kernel::current = &kernel; }
	/* No lost wakeup: nobody is still parked once every thread is done. */
	void check_nobody_parked() { RL_ASSERT(kernel.parked == 0); }
};

static inline int ct_rl_main(int argc, char **argv, const char *protocol,
			     const std::vector<ct_rl_scenario> &scenarios)
{
	unsigned long iterations = 200000;
	bool expect_bug = false;
	bool history = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
			char *end;
			iterations = strtoul(argv[++i], &end, 10);
			if (*end || iterations == 0) {
				fprintf(stderr, "%s: --iterations: bad value '%s'\n", argv[0], argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--history") == 0) {
			history = true;
		} else if (strcmp(argv[i], "--expect-bug") == 0) {
			expect_bug = true;
		} else {
			fprintf(stderr, "usage: %s [--iterations N] [--expect-bug] [--history]\n", argv[0]);
			return 2;
		}
	}
#ifdef CT_RL_BUG
	const char *bug = CT_RL_STR(CT_RL_BUG);
#else
	const char *bug = nullptr;
#endif
	int failed = 0;
	for (const ct_rl_scenario &s : scenarios) {
		for (int pass = 0; pass < (s.full_search ? 2 : 1); pass++) {
			rl::test_params p;
			std::ostringstream out;
			p.iteration_count = iterations;
			p.output_stream = expect_bug ? &out : &std::cout;
			p.progress_stream = &out;
			p.progress_output_period = 1000000;
			/* output_history without collect_history: no replay
			 * (Relacy's replay of a failure needs --history). */
			p.output_history = true;
			p.collect_history = history;
			if (pass == 1) {
				p.search_type = rl::fair_context_bound_scheduler_type;
				p.context_bound = 2;
				p.iteration_count = 0;	/* all of them */
			}
			const char *how = pass == 1 ? "context-bound search" : "random";
			bool ok = s.run(p);
			printf("%s/%s (%s): %s after %llu iterations%s%s\n", protocol, s.name, how,
			       ok ? "passed" : "FAILED", (unsigned long long)p.stop_iteration,
			       ok ? "" : ": ", ok ? "" : rl::test_result_str(p.test_result));
			failed += !ok;
			if (!ok && expect_bug)
				break;
		}
		if (failed && expect_bug)
			break;
	}
	if (!expect_bug)
		return failed ? 1 : 0;
#ifdef CT_RL_BUG
	if (!ct_rl_seeded_ran) {
		printf("%s: seeded bug %s: its site never ran: NOT caught\n", protocol, bug);
		return 1;
	}
#endif
	printf("%s: seeded bug %s: %s\n", protocol, bug ? bug : "(none)",
	       failed ? "caught" : "NOT caught (every scenario passed)");
	return failed ? 0 : 1;
}

#endif
