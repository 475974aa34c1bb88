/*
 * main.c — contend-bench: command line, context, registration, run.
 *
 * Every value is checked before anything runs or any file is written: a
 * bad one gets one line on stderr naming the flag and the value, and exit
 * status 2. Google Benchmark's --benchmark_* flags pass through; one it
 * does not recognize is rejected the same way.
 */
#include "cli.h"
#include "harness.h"
#include "impls.h"
#include "revision.h"

#include <contend/contend.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CTB_HWLOC_VERSION
#define CTB_HWLOC_VERSION "unknown"
#endif

#define PROG "contend-bench"
#define MAX_PLACES 64

/* --help, in parts (each under the 4095 characters ISO C asks compilers to take). */
static const char *const usage[] = {
	"Usage: " PROG " [OPTIONS] [--benchmark_*...]\n"
	"\n"
	"Runs contend's synchronization primitives (and the peers built in) across\n"
	"thread counts and CPU placements; Google Benchmark reports the results.\n"
	"Benchmark names: family/impl/param:value/threads:N/place:POLICY.\n"
	"\n"
	"Workloads (--threads gives t, --place the policy):\n"
	"  mutex/IMPL/cs_ns:0|50|1000      lock, critical section, unlock (t = 1:\n"
	"                                  uncontended; cs_ns > 0 adds --outside-ns)\n"
	"  rmutex/IMPL/depth:1|4|16        nested lock/unlock\n"
	"  event/IMPL/pingpong             round trip between 2 threads\n"
	"  event/IMPL/broadcast            set until the last of t-1 waiters wakes\n"
	"  event/IMPL/timed_wait           latency = overshoot past the timeout\n"
	"  queue|ring/IMPL/pc:PxC/cap:1|16|1024/mode:block|try|timed\n"
	"                                  P producers, C consumers (1x1, Nx1, 1xN, NxN)\n"
	"  queue|ring/IMPL/pairs/cap:C     each thread puts, then gets\n"
	"  queue|ring/IMPL/pingpong/cap:C  round trip through two queues (2 threads)\n"
	"  atomic/fetch_add|cas/line:shared|private\n"
	"  counter/racy|atomic|LOCK        the lost-update race (counter lost_updates)\n"
	"  c2c/roundtrip|oneway            cache-line transfer for every pair of\n"
	"                                  allowed PUs (when 2 is among --threads;\n"
	"                                  the pair is the placement: place:cpus:A,B)\n"
	"  shim/overhead/native|shim       the C shim's cost per iteration\n"
	"\n",
	"Options:\n"
	"  --threads=LIST     thread counts, e.g. 1,2,4 or 1-8 (each 1..4096);\n"
	"                     default: powers of two up to 4x the allowed PUs\n"
	"  --place=LIST       placement policies: none, compact, scatter, cpus:LIST\n"
	"                     (e.g. cpus:0,2,4 or cpus:0-3); default none,compact,scatter\n"
	"  --duration=S       minimum measured time per benchmark in seconds (Google\n"
	"                     Benchmark's min_time; default 0.05); an explicit\n"
	"                     --benchmark_min_time wins\n"
	"  --topology=SRC     with --plan: FILE.xml (hwloc export) or synthetic:DESC,\n"
	"                     e.g. synthetic:\"pack:2 numa:2 core:8 pu:2\"\n"
	"  --plan             print the PU, core, L3, NUMA node and package of every\n"
	"                     thread for each policy and thread count; run nothing\n"
	"  --list             list the benchmark names (honours --benchmark_filter)\n"
	"  --sample=N         time 1 operation in N for the latency percentiles\n"
	"                     (0 = off); default: automatic, so that sampling costs\n"
	"                     at most about 2% of each thread's time\n"
	"  --outside-ns=N     mutex with cs_ns > 0: work between acquisitions (default 100)\n"
	"  --timed-wait-ns=N  event timed_wait: the timeout (default 50000)\n"
	"  --watchdog=S       a benchmark whose workers make no progress for S seconds\n"
	"                     (and 20x the expected time; default 120) is stopped and\n"
	"                     reported as an error (error_occurred); its threads are\n"
	"                     abandoned, the run goes on, and the exit status is 1\n"
	"  -h, --help         this text\n"
	"  --benchmark_filter=REGEX\n"
	"                     run the benchmarks whose names contain a match of the\n"
	"                     POSIX extended REGEX (a leading - excludes them instead;\n"
	"                     applied by contend-bench to the exact names)\n"
	"  --benchmark_*      the rest go to Google Benchmark (--benchmark_out=FILE,\n"
	"                     --benchmark_out_format=json, --benchmark_repetitions=N, ...)\n"
	"\n",
	"Results: real_time is wall nanoseconds per operation over all threads; the\n"
	"CPU column is the Google Benchmark thread's, which only drives the workers.\n"
	"Counters: ops_per_s; p50_ns p90_ns p99_ns p999_ns max_ns (sampled operation\n"
	"latencies, timer overhead subtracted); fairness (Jain's index over per-thread\n"
	"op counts, 1 = fair); cpu_per_op_ns and ctx_switches_per_op (worker threads);\n"
	"misplaced (workers found off their PU); tail_frac (share of the measured time\n"
	"in which not every worker was running). Some families add counters\n"
	"(counter: lost_updates; atomic: cas_retries_per_op). The label gives the\n"
	"NUMA node of the object under test (mem_node:N) and says unpinned(...) when\n"
	"this machine refuses thread binding (the run goes on unbound).\n"
	"\n"
	"Environment: CTB_WORK_NS_PER_ITER=NS (0 < NS < 1000) sets the busy-work loop's\n"
	"nanoseconds per iteration (the critical sections of cs_ns > 0, the work of\n"
	"work_ns) instead of timing it at start-up; scripts/sweep passes the first\n"
	"process's work_loop_ns_per_iter to every later one.\n"
	"\n"
	"Exit status: 0 ok (also when no benchmark matches the filter), 1 failure:\n"
	"a benchmark reported an error (an invariant check failed, init failed, or\n"
	"--watchdog stopped it; the others still ran), or the result file could not\n"
	"be written; 2 bad usage.\n",
};

static void bad(const char *flag, const char *value, const char *why)
{
	if (value != NULL)
		fprintf(stderr, PROG ": %s=%s: %s\n", flag, value, why);
	else
		fprintf(stderr, PROG ": %s: %s\n", flag, why);
	exit(2);
}

/*
 * The --benchmark_out file must be creatable before anything runs: Google
 * Benchmark itself only says "invalid file name" and exits 1 for a missing
 * folder, a folder, or a read-only one (access() reports EROFS even to root).
 */
static void check_out_file(const char *out)
{
	struct stat st;
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		bad("--benchmark_out", out, "is a folder; expected a file name");
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", out);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir ? 1 : 0] = '\0';
	if (access(dir, W_OK | X_OK) != 0) {
		char why[PATH_MAX + 64];
		snprintf(why, sizeof(why), "cannot write in %s: %s", dir, strerror(errno));
		bad("--benchmark_out", out, why);
	}
}

/* Value of "--name=value" if arg is that flag; NULL otherwise; dies on "--name". */
static const char *value_of(const char *arg, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	if (arg[n] == '\0')
		bad(name, NULL, "needs a value (use NAME=VALUE)");
	return NULL;
}

static bool known_format(const char *f)
{
	return strcmp(f, "console") == 0 || strcmp(f, "json") == 0 || strcmp(f, "csv") == 0;
}

/* Google Benchmark's boolean spellings: 1 true, 0 false, -1 neither. */
static int truth(const char *v)
{
	static const char *const yes[] = { "", "1", "true", "True", "TRUE", "yes", "Yes", "YES",
					   "t", "T", "y", "Y", "on", "On", "ON" };
	static const char *const no[] = { "0", "false", "False", "FALSE", "no", "No", "NO",
					  "f", "F", "n", "N", "off", "Off", "OFF" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcmp(v, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcmp(v, no[i]) == 0)
			return 0;
	return -1;
}

static void join_ints(char *buf, size_t len, const int *v, int n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d", i ? "," : "", v[i]);
}

/* A context key whose value is printf-formatted. */
static void contextf(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void contextf(const char *key, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctb_add_context(key, buf);
}

static void add_context(const char *place_arg)
{
	char buf[4096];
	ctb_add_context("contend_version", ct_version());
	ctb_add_context("contend_revision", CTB_REVISION);
	ctb_add_context("contend_options", CTB_CONTEND_OPTIONS);
	snprintf(buf, sizeof(buf), "%s; %s",
#if defined(__clang__)
		 "clang " __clang_version__,
#elif defined(__GNUC__)
		 "gcc " __VERSION__,
#else
		 "unknown C compiler",
#endif
		 ctb_cxx_compiler());
	ctb_add_context("compiler", buf);
	ctb_add_context("hwloc_version", CTB_HWLOC_VERSION);
	ctb_add_context("benchmark_version", ctb_benchmark_version());
	ctb_add_context("policies", place_arg);
	join_ints(buf, sizeof(buf), ctb_cfg.threads, ctb_cfg.nthreads);
	ctb_add_context("thread_counts", buf);
	pl_allowed_string(ctb_cfg.topo, buf, sizeof(buf));
	ctb_add_context("allowed_pus", buf);
	contextf("allowed_pu_count", "%d", ctb_cfg.npus);
	contextf("timer_overhead_ns", "%.1f", ctb_cfg.timer_ns);
	contextf("timer_correction_ns", "%llu", (unsigned long long)ctb_cfg.timer_correction_ns);
	if (ctb_cfg.bind_refused == 0)
		ctb_add_context("binding", "ok");
	else
		contextf("binding", "refused (%s): workers run unpinned",
			 strerror(ctb_cfg.bind_refused));
	if (ctb_cfg.sample < 0)
		ctb_add_context("latency_sampling", "auto (<= ~2% of thread time)");
	else if (ctb_cfg.sample == 0)
		ctb_add_context("latency_sampling", "off");
	else
		contextf("latency_sampling", "1 in %ld", ctb_cfg.sample);
	contextf("duration_s", "%g", ctb_cfg.duration);
	contextf("outside_ns", "%llu", (unsigned long long)ctb_cfg.outside_ns);
	contextf("timed_wait_ns", "%llu", (unsigned long long)ctb_cfg.timed_wait_ns);
	contextf("work_loop_ns_per_iter", "%.3f", ctb_cfg.work_ns_per_iter);
	ctb_add_context("work_loop_source",
			ctb_cfg.work_ns_given > 0 ? "CTB_WORK_NS_PER_ITER" : "measured");
	ci_impls_present(buf, sizeof(buf));
	ctb_add_context("impls", buf);
	ci_impls_missing(buf, sizeof(buf));
	ctb_add_context("impls_missing", buf[0] ? buf : "none");
}

/* ---- the command line ---------------------------------------------------- */

/* What the command line said, before any value is checked. */
struct args {
	const char *threads, *place, *duration, *topology, *sample, *outside, *timed, *watchdog;
	bool plan, list;
	/* The --benchmark_* values the reporters need (last one wins, as in Google Benchmark). */
	const char *format, *out_format, *out, *color, *tabular, *filter, *min_time, *list_tests;
	int user_gb_first;		/* argv index of the first --benchmark_*, -1 none */
};

/*
 * The flags. A value flag is --name=VALUE (its value lands in the field at
 * `value`); a switch is --name alone (sets the bool at `set`). The
 * --benchmark_* ones listed are read here and, except the filter and
 * list_tests, passed on to Google Benchmark with every other --benchmark_*.
 */
struct flag {
	const char *name;
	size_t value;		/* offsetof(struct args, field) of a value flag */
	size_t set;		/* offsetof(struct args, field) of a switch */
	bool is_switch;
};

#define VALUE(n, field) { n, offsetof(struct args, field), 0, false }
#define SWITCH(n, field) { n, 0, offsetof(struct args, field), true }

static const struct flag flags[] = {
	VALUE("--threads", threads),
	VALUE("--place", place),
	VALUE("--duration", duration),
	VALUE("--topology", topology),
	VALUE("--sample", sample),
	VALUE("--outside-ns", outside),
	VALUE("--timed-wait-ns", timed),
	VALUE("--watchdog", watchdog),
	SWITCH("--plan", plan),
	SWITCH("--list", list),
	VALUE("--benchmark_format", format),
	VALUE("--benchmark_out_format", out_format),
	VALUE("--benchmark_out", out),
	VALUE("--benchmark_color", color),
	VALUE("--benchmark_counters_tabular", tabular),
	VALUE("--benchmark_filter", filter),
	VALUE("--benchmark_min_time", min_time),
	VALUE("--benchmark_list_tests", list_tests),
};

static bool is_gb_flag(const char *arg) { return strncmp(arg, "--benchmark_", 12) == 0; }

/* Fills a from argv (exit 0 for --help, 2 for an unknown flag or argument). */
static void parse_args(int argc, char **argv, struct args *a)
{
	*a = (struct args){ .format = "console", .out_format = "json", .color = "auto",
			    .tabular = "false", .user_gb_first = -1 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			for (size_t u = 0; u < sizeof(usage) / sizeof(usage[0]); u++)
				fputs(usage[u], stdout);
			exit(0);
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		bool known = false;
		if (is_gb_flag(arg) && a->user_gb_first < 0)
			a->user_gb_first = i;
		for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]) && !known; f++) {
			if (flags[f].is_switch) {
				if ((known = strcmp(arg, flags[f].name) == 0))
					*(bool *)((char *)a + flags[f].set) = true;
			} else {
				const char *v = value_of(arg, flags[f].name);
				if ((known = v != NULL))
					*(const char **)((char *)a + flags[f].value) = v;
			}
		}
		if (known || is_gb_flag(arg))
			continue;	/* other --benchmark_* flags: Google Benchmark's to judge */
		if (arg[0] == '-')
			bad(arg, NULL, "unknown flag (try --help)");
		bad(arg, NULL, "unexpected argument (try --help)");
	}
	/* Empty values are caught by their parsers below ("--threads=" included). */
}

/*
 * A number flag, parsed into the one destination given when the flag was
 * given: seconds (a positive number), or an unsigned integer min..max
 * into u64 or lng. A bad value is exit 2 with `why`.
 */
struct number {
	const char *flag;
	const char *value;
	double *seconds;
	uint64_t *u64;
	long *lng;
	unsigned long long min, max;
	const char *why;
};

static void parse_numbers(const struct number *n, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (n[i].value == NULL)
			continue;
		if (n[i].seconds != NULL) {
			if (!ctb_parse_seconds(n[i].value, n[i].seconds))
				bad(n[i].flag, n[i].value, n[i].why);
			continue;
		}
		unsigned long long u;
		if (!ctb_parse_uint(n[i].value, n[i].max, &u) || u < n[i].min)
			bad(n[i].flag, n[i].value, n[i].why);
		if (n[i].lng != NULL)
			*n[i].lng = (long)u;
		else
			*n[i].u64 = u;
	}
}

/* The values that need no topology; fills ctb_cfg and the output options. */
static void check_values(struct args *a, struct ctb_output *o)
{
	if (!known_format(a->format))
		bad("--benchmark_format", a->format, "expected console, json or csv");
	if (!known_format(a->out_format))
		bad("--benchmark_out_format", a->out_format, "expected console, json or csv");
	if (a->out != NULL && *a->out == '\0')
		bad("--benchmark_out", a->out, "expected a file name");
	if (a->out != NULL)
		check_out_file(a->out);
	int use_color = truth(a->color);
	if (use_color < 0) {
		if (strcmp(a->color, "auto") != 0)
			bad("--benchmark_color", a->color, "expected true, false or auto");
		const char *term = getenv("TERM");
		use_color = isatty(STDOUT_FILENO) && term != NULL && strcmp(term, "dumb") != 0;
	}
	if (a->list_tests != NULL) {
		int lt = truth(a->list_tests);
		if (lt < 0)
			bad("--benchmark_list_tests", a->list_tests, "expected true or false");
		a->list |= lt == 1;
	}
	char rerr[200];
	if (!ctb_set_filter(a->filter, rerr, sizeof(rerr)))
		bad("--benchmark_filter", a->filter, rerr);
	int use_tabular = truth(a->tabular);
	if (use_tabular < 0)
		bad("--benchmark_counters_tabular", a->tabular, "expected true or false");
	const char *positive = "expected a positive number of seconds";
	const struct number numbers[] = {
		{ "--duration", a->duration, .seconds = &ctb_cfg.duration, .why = positive },
		/* Google Benchmark's own min_time wins over --duration: checked the same way. */
		{ "--benchmark_min_time", a->min_time, .seconds = &ctb_cfg.duration, .why = positive },
		{ "--sample", a->sample, .lng = &ctb_cfg.sample, .max = 1u << 30,
		  .why = "expected an integer 0..1073741824 (0 = off)" },
		{ "--outside-ns", a->outside, .u64 = &ctb_cfg.outside_ns, .max = 1000000000ull,
		  .why = "expected nanoseconds 0..1000000000" },
		{ "--watchdog", a->watchdog, .seconds = &ctb_cfg.watchdog_s, .why = positive },
		{ "--timed-wait-ns", a->timed, .u64 = &ctb_cfg.timed_wait_ns, .min = 1,
		  .max = 10000000000ull, .why = "expected nanoseconds 1..10000000000" },
	};
	parse_numbers(numbers, sizeof(numbers) / sizeof(numbers[0]));
	*o = (struct ctb_output){
		.format = a->format,
		.out_format = a->out_format,
		.file = a->out != NULL,
		.color = use_color != 0,
		.tabular = use_tabular != 0,
	};
}

/*
 * Loads this machine's topology (and --topology's, for --plan only), then
 * the thread counts and placements. Returns the topology to plan on.
 */
static hwloc_topology_t load_topology(const struct args *a)
{
	char err[256];
	ctb_cfg.topo = pl_load(NULL, err, sizeof(err));
	if (ctb_cfg.topo == NULL) {
		fprintf(stderr, PROG ": cannot load this machine's topology: %s\n", err);
		exit(1);
	}
	hwloc_topology_t topo = ctb_cfg.topo;
	if (a->topology != NULL) {
		if (*a->topology == '\0')
			bad("--topology", a->topology, "expected FILE.xml or synthetic:DESC");
		topo = pl_load(a->topology, err, sizeof(err));
		if (topo == NULL)
			bad("--topology", a->topology, err);
		if (!a->plan)
			bad("--topology", a->topology,
			    "only valid with --plan (benchmarks run on this machine)");
	}
	ctb_cfg.npus = pl_allowed_count(topo);
	if (ctb_cfg.npus < 1) {
		fprintf(stderr, PROG ": no allowed PUs in the topology\n");
		exit(1);
	}
	return topo;
}

/* --threads and --place (defaults from the allowed PUs); returns the --place text used. */
static const char *threads_and_places(const struct args *a, hwloc_topology_t topo)
{
	if (a->threads != NULL) {
		ctb_cfg.nthreads = ctb_parse_threads(a->threads, CTB_MAX_THREADS, ctb_cfg.threads);
		if (ctb_cfg.nthreads == 0)
			bad("--threads", a->threads,
			    "expected thread counts 1..4096 such as 1,2,4 or 1-8");
	} else {
		for (int t = 1; t <= 4 * ctb_cfg.npus && t <= CTB_MAX_THREADS; t *= 2)
			ctb_cfg.threads[ctb_cfg.nthreads++] = t;
	}

	static char place_texts[MAX_PLACES][64];
	static struct pl_policy places[MAX_PLACES];
	char err[256];
	const char *places_used = a->place != NULL ? a->place : "none,compact,scatter";
	int ntexts = ctb_split_places(places_used, place_texts, MAX_PLACES);
	if (ntexts < 0)
		bad("--place", places_used,
		    "expected policies none, compact, scatter or cpus:LIST, comma-separated");
	for (int i = 0; i < ntexts; i++) {
		bool dup = false;
		for (int j = 0; j < ctb_cfg.nplaces; j++)
			dup |= strcmp(places[j].name, place_texts[i]) == 0;
		if (dup)
			continue;
		if (!pl_parse(topo, place_texts[i], &places[ctb_cfg.nplaces], err, sizeof(err)))
			bad("--place", places_used, err);
		ctb_cfg.nplaces++;
	}
	ctb_cfg.places = places;
	return places_used;
}

/* Google Benchmark's flags: ours first so the user's explicit ones win. */
static void init_google_benchmark(int argc, char **argv, const struct args *a)
{
	/* Google Benchmark's argv: program, our min_time, then the user's --benchmark_*. */
	char **gb_argv = calloc((size_t)argc + 3, sizeof(char *));
	int gb_argc = 0;
	if (gb_argv == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	static char min_time[64];
	gb_argv[gb_argc++] = argv[0];
	snprintf(min_time, sizeof(min_time), "--benchmark_min_time=%.9g", ctb_cfg.duration);
	gb_argv[gb_argc++] = min_time;
	if (a->list)
		gb_argv[gb_argc++] = (char *)"--benchmark_list_tests=true";
	if (a->user_gb_first > 0)
		for (int i = a->user_gb_first; i < argc; i++)
			if (is_gb_flag(argv[i]) && value_of(argv[i], "--benchmark_filter") == NULL &&
			    value_of(argv[i], "--benchmark_list_tests") == NULL)
				gb_argv[gb_argc++] = argv[i];
	gb_argv[gb_argc] = NULL;
	ctb_initialize(&gb_argc, gb_argv);
	if (gb_argc > 1)
		bad(gb_argv[1], NULL, "unknown flag or bad value (try --help)");
}

static void register_all(void)
{
	ctb_register_overhead();
	ctb_register_c2c();
	ctb_register_atomic();
	ctb_register_counter();
	ctb_register_mutex();
#ifdef CTB_SELFTEST
	/* Test build only (CTB_TEST_DEADLOCK): between two families, so that
	 * its test sees benchmarks run before and after the one that hangs. */
	ctb_register_selftest();
#endif
	ctb_register_rmutex();
	ctb_register_event();
	ctb_register_queue();
	ctb_register_pool();
}

/* CTB_WORK_NS_PER_ITER (--help, "Environment"): a number of ns, or exit 2. */
static void check_work_env(void)
{
	const char *v = getenv("CTB_WORK_NS_PER_ITER");
	if (v == NULL || *v == '\0')
		return;
	char *end;
	errno = 0;
	double ns = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(ns > 0 && ns < 1000))
		bad("CTB_WORK_NS_PER_ITER", v, "not a number of nanoseconds above 0 and below 1000");
	ctb_cfg.work_ns_given = ns;
}

int main(int argc, char **argv)
{
	struct args a;
	struct ctb_output o;
	parse_args(argc, argv, &a);
	check_values(&a, &o);
	check_work_env();
	hwloc_topology_t topo = load_topology(&a);
	const char *places_used = threads_and_places(&a, topo);
	if (a.plan) {
		pl_print_plan(stdout, topo, ctb_cfg.places, ctb_cfg.nplaces, ctb_cfg.threads,
				    ctb_cfg.nthreads);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	init_google_benchmark(argc, argv, &a);
	if (a.list)
		ctb_list_mode = true;
	else
		ctb_calibrate();
	register_all();

	if (ctb_registered_count() == 0) {
		fprintf(stderr, PROG ": no benchmark matches%s%s\n",
			a.filter ? " --benchmark_filter=" : "", a.filter ? a.filter : "");
		return 0;
	}
	add_context(places_used);
	if (a.list)
		ctb_run();	/* --benchmark_list_tests: prints the names */
	else
		ctb_run_exact_names(&o);
	ctb_teams_finish();
	ctb_shutdown();
	if (a.out != NULL && ctb_out_errno() != 0) {
		/* A full disk: no partial result file stays behind. */
		unlink(a.out);
		fprintf(stderr, PROG ": --benchmark_out=%s: cannot write: %s\n", a.out,
			strerror(ctb_out_errno()));
		return 1;
	}
	/* Every watchdog stop is also one of the errors. */
	int stops = ctb_watchdog_stops(), errors = ctb_bench_errors();
	if (stops > 0)
		fprintf(stderr, PROG ": %d benchmark%s stopped by the watchdog (reported as errors)\n",
			stops, stops == 1 ? "" : "s");
	if (errors > stops)
		fprintf(stderr, PROG ": %d benchmark%s reported errors (error_occurred)\n",
			errors - stops, errors - stops == 1 ? "" : "s");
	return errors > 0 ? 1 : 0;
}
