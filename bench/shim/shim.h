/*
 * shim.h — Google Benchmark, seen from C.
 *
 * Overview
 * ========
 * contend-bench is written in C; Google Benchmark is C++. This header is the
 * whole interface between them: an opaque benchmark state, the batched
 * keep-running loop, thread index/count, named arguments, counters with
 * Google Benchmark's flags, skip-with-error, labels, manual iteration time,
 * custom context, registration of a C function pointer with user data, an
 * argument list and thread counts, and the steps of a benchmark `main`.
 * shim.cpp is the only C++ in the project.
 *
 * Cost
 * ====
 * Every call crosses one out-of-line function, so the loop is batched:
 *
 *     while (ctb_keep_running_batch(st, n))
 *             for (uint64_t i = 0; i < n; i++)
 *                     op();
 *
 * costs one call per n operations. The shim/overhead benchmarks
 * compare this loop with Google Benchmark's native `for (auto _ : state)`
 * in the same binary.
 *
 * Threads
 * =======
 * ctb_state belongs to the Google Benchmark thread running the function;
 * only that thread may call functions taking it. ctb_add_context and the
 * registration functions must be called before ctb_run.
 */
#ifndef CTB_SHIM_H
#define CTB_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One running benchmark (wraps benchmark::State). Opaque. */
typedef struct ctb_state ctb_state;

/* The benchmark body: called once per Google Benchmark run (trial). */
typedef void (*ctb_fn)(ctb_state *st, void *user);

/*
 * Counter flags: the values of benchmark::Counter::Flags (checked in
 * shim.cpp). CTB_COUNTER_RATE divides by the run's time as Google
 * Benchmark 1.7.1 measures it: manual time for manual_time benchmarks,
 * otherwise the CPU time of the benchmark thread (not wall time).
 */
#define CTB_COUNTER_DEFAULT 0u
#define CTB_COUNTER_RATE (1u << 0)		/* kIsRate */
#define CTB_COUNTER_AVG_THREADS (1u << 1)	/* kAvgThreads */
#define CTB_COUNTER_ITER_INVARIANT (1u << 2)	/* kIsIterationInvariant */
#define CTB_COUNTER_AVG_ITERATIONS (1u << 3)	/* kAvgIterations */
#define CTB_COUNTER_INVERT (1u << 31)		/* kInvert */

/*
 * Runs the next batch of n iterations: returns true while the benchmark
 * wants more (the caller then performs exactly n iterations), false when
 * done or after an error. The last batch may overshoot max_iterations;
 * ctb_iterations counts what really ran.
 */
bool ctb_keep_running_batch(ctb_state *st, uint64_t n);

/* Iterations Google Benchmark asked for in this run. */
uint64_t ctb_max_iterations(const ctb_state *st);

/* Iterations run so far (valid inside and after the loop). */
uint64_t ctb_iterations(const ctb_state *st);

/* Index of the calling Google Benchmark thread, and their number. */
int ctb_thread_index(const ctb_state *st);
int ctb_threads(const ctb_state *st);

/* The i-th argument, or the one registered under `name` (def if none). */
int64_t ctb_arg(const ctb_state *st, int i);
int64_t ctb_arg_named(const ctb_state *st, const char *name, int64_t def);

/* Sets (replaces) a user counter; flags are CTB_COUNTER_*. */
void ctb_counter(ctb_state *st, const char *name, double value, unsigned flags);

/* Reports the wall time of the batch just run (needs manual_time). */
void ctb_set_iteration_time(ctb_state *st, double seconds);

/* Marks the run failed with msg; the loop ends at the next keep-running. */
void ctb_skip_with_error(ctb_state *st, const char *msg);
bool ctb_error_occurred(const ctb_state *st);

/* A free-text label shown next to the result. */
void ctb_set_label(ctb_state *st, const char *label);

/* Pause / resume Google Benchmark's own timers (not used with manual time). */
void ctb_pause_timing(ctb_state *st);
void ctb_resume_timing(ctb_state *st);

/* Registration options; zero-initialize, then set what you need. */
struct ctb_reg_opts {
	bool manual_time;		/* UseManualTime() */
	double min_time;		/* MinTime(s) if > 0 */
	uint64_t iterations;		/* Iterations(n) if > 0 */
	int repetitions;		/* Repetitions(n) if > 0 */
	const int64_t *args;		/* one argument set, nargs values */
	const char *const *arg_names;	/* nargs names, or NULL (names appear in the name) */
	int nargs;
	const int *threads;		/* Threads(t) for each; none: one thread */
	int nthreads;
};

/*
 * Registers a benchmark called `name` running fn(state, user). With no
 * args and no thread counts, the name is used exactly as given (Google
 * Benchmark appends "/arg:value" and "/threads:N" otherwise). opts may be
 * NULL. Returns false if Google Benchmark rejected it.
 */
bool ctb_register(const char *name, ctb_fn fn, void *user, const struct ctb_reg_opts *opts);

/*
 * Registers the native C++ half of the shim overhead comparison:
 * `<name>` runs an empty `for (auto _ : state)` loop and remembers its
 * time per iteration for ctb_native_loop_ns.
 */
void ctb_register_native_loop(const char *name);

/* ns per iteration of the last native loop run, or a negative value if none ran. */
double ctb_native_loop_ns(void);

/* Benchmarks registered so far (ctb_register and ctb_register_native_loop). */
size_t ctb_registered_count(void);

/* Adds a key/value to the "context" of every report. */
void ctb_add_context(const char *key, const char *value);

/* The steps of main, separately so the caller can check its own flags. */
void ctb_initialize(int *argc, char **argv);	/* parses and removes --benchmark_* flags */
bool ctb_report_unrecognized(int argc, char **argv); /* true (and prints) if any remain */
size_t ctb_run(void);				/* runs what matches the filter */

/*
 * Output settings for ctb_run_exact_names (the --benchmark_* values the
 * caller parsed: Google Benchmark 1.7.1 does not expose its flags).
 */
struct ctb_output {
	const char *format;	/* display: "console", "json" or "csv" */
	const char *out_format;	/* --benchmark_out file: same choices */
	bool file;		/* --benchmark_out was given */
	bool color;		/* console colours */
	bool tabular;		/* --benchmark_counters_tabular */
};

/*
 * As ctb_run, but reports every run under exactly the registered name:
 * Google Benchmark appends "/manual_time" (or "/real_time") to the names
 * of such benchmarks; these reporters drop it, on screen and in the file.
 * Returns the number of benchmarks run.
 */
size_t ctb_run_exact_names(const struct ctb_output *o);

/* After ctb_run_exact_names: 0 if the --benchmark_out file was written
 * whole, else the errno of the first failed write (e.g. ENOSPC). */
int ctb_out_errno(void);

void ctb_shutdown(void);

/* All four: initialize, reject leftovers (returns 2), run, shut down (0). */
int ctb_main(int argc, char **argv);

/* The Google Benchmark version the shim was built against (from meson). */
const char *ctb_benchmark_version(void);

/* The C++ compiler that built the shim. */
const char *ctb_cxx_compiler(void);

#ifdef __cplusplus
}
#endif

#endif
