// shim.cpp — the C interface to Google Benchmark declared in shim.h.
//
// The only C++ in contend. Everything here is a thin forwarding layer; the
// per-iteration work stays in the caller's C loop (see shim.h, "Cost").

#include "shim.h"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#ifndef CTB_GB_VERSION
#define CTB_GB_VERSION "unknown"
#endif

// The C flag values are Google Benchmark's.
static_assert(CTB_COUNTER_RATE == static_cast<unsigned>(benchmark::Counter::kIsRate), "flag");
static_assert(CTB_COUNTER_AVG_THREADS == static_cast<unsigned>(benchmark::Counter::kAvgThreads),
	      "flag");
static_assert(CTB_COUNTER_ITER_INVARIANT ==
		      static_cast<unsigned>(benchmark::Counter::kIsIterationInvariant),
	      "flag");
static_assert(CTB_COUNTER_AVG_ITERATIONS ==
		      static_cast<unsigned>(benchmark::Counter::kAvgIterations),
	      "flag");
static_assert(CTB_COUNTER_INVERT == static_cast<unsigned>(benchmark::Counter::kInvert), "flag");

namespace {

// What a registration remembers: the C function, its data, its arg names.
struct Registration {
	ctb_fn fn;
	void *user;
	std::vector<std::string> arg_names;
};

}  // namespace

// The opaque state handed to C: the Google Benchmark state plus the
// registration it runs for (for named arguments).
struct ctb_state {
	benchmark::State *st;
	const Registration *reg;
};

static std::size_t registered;

extern "C" {

bool ctb_keep_running_batch(ctb_state *s, uint64_t n)
{
	return s->st->KeepRunningBatch(static_cast<benchmark::IterationCount>(n));
}

uint64_t ctb_max_iterations(const ctb_state *s)
{
	return static_cast<uint64_t>(s->st->max_iterations);
}

uint64_t ctb_iterations(const ctb_state *s)
{
	return static_cast<uint64_t>(s->st->iterations());
}

int ctb_thread_index(const ctb_state *s) { return s->st->thread_index(); }
int ctb_threads(const ctb_state *s) { return s->st->threads(); }

int64_t ctb_arg(const ctb_state *s, int i) { return s->st->range(static_cast<std::size_t>(i)); }

int64_t ctb_arg_named(const ctb_state *s, const char *name, int64_t def)
{
	const std::vector<std::string> &names = s->reg->arg_names;
	for (std::size_t i = 0; i < names.size(); i++)
		if (names[i] == name)
			return s->st->range(i);
	return def;
}

void ctb_counter(ctb_state *s, const char *name, double value, unsigned flags)
{
	s->st->counters[name] =
		benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(flags));
}

void ctb_set_iteration_time(ctb_state *s, double seconds) { s->st->SetIterationTime(seconds); }

void ctb_skip_with_error(ctb_state *s, const char *msg) { s->st->SkipWithError(msg); }

bool ctb_error_occurred(const ctb_state *s) { return s->st->error_occurred(); }

void ctb_set_label(ctb_state *s, const char *label) { s->st->SetLabel(label); }

void ctb_pause_timing(ctb_state *s) { s->st->PauseTiming(); }
void ctb_resume_timing(ctb_state *s) { s->st->ResumeTiming(); }

bool ctb_register(const char *name, ctb_fn fn, void *user, const struct ctb_reg_opts *o)
{
	// Registrations live as long as the program (Google Benchmark keeps
	// pointers to the benchmark objects until exit).
	Registration *reg = new Registration{fn, user, {}};
	benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
		name, [reg](benchmark::State &st) {
			ctb_state s{&st, reg};
			reg->fn(&s, reg->user);
		});
	if (b == nullptr)
		return false;
	registered++;
	if (o == nullptr)
		return true;
	if (o->manual_time)
		b->UseManualTime();
	if (o->min_time > 0)
		b->MinTime(o->min_time);
	if (o->iterations > 0)
		b->Iterations(static_cast<benchmark::IterationCount>(o->iterations));
	if (o->repetitions > 0)
		b->Repetitions(o->repetitions);
	if (o->nargs > 0) {
		std::vector<int64_t> args(o->args, o->args + o->nargs);
		b->Args(args);
		if (o->arg_names != nullptr) {
			std::vector<std::string> names;
			for (int i = 0; i < o->nargs; i++)
				names.emplace_back(o->arg_names[i]);
			reg->arg_names = names;
			b->ArgNames(names);
		}
	}
	for (int i = 0; i < o->nthreads; i++)
		b->Threads(o->threads[i]);
	return true;
}

}  // extern "C"

// The native half of shim/overhead: the same empty loop as the C half
// (one compiler barrier per iteration, so neither loop can be deleted),
// written the way Google Benchmark users write it.
static double native_loop_ns = -1.0;

static void native_loop(benchmark::State &state)
{
	auto t0 = std::chrono::steady_clock::now();
	for (auto _ : state)
		benchmark::ClobberMemory();
	auto t1 = std::chrono::steady_clock::now();
	if (state.iterations() > 0)
		native_loop_ns = std::chrono::duration<double, std::nano>(t1 - t0).count() /
				 static_cast<double>(state.iterations());
}

extern "C" {

void ctb_register_native_loop(const char *name)
{
	if (benchmark::RegisterBenchmark(name, native_loop) != nullptr)
		registered++;
}

size_t ctb_registered_count(void) { return registered; }

double ctb_native_loop_ns(void) { return native_loop_ns; }

void ctb_add_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }

void ctb_initialize(int *argc, char **argv) { benchmark::Initialize(argc, argv); }

bool ctb_report_unrecognized(int argc, char **argv)
{
	return benchmark::ReportUnrecognizedArguments(argc, argv);
}

size_t ctb_run(void) { return benchmark::RunSpecifiedBenchmarks(); }

}  // extern "C"

namespace {

// A reporter that forwards to a standard one after removing the time-type
// suffix ("/manual_time") from every run's name.
class ExactNameReporter : public benchmark::BenchmarkReporter {
public:
	explicit ExactNameReporter(std::unique_ptr<benchmark::BenchmarkReporter> inner)
		: inner_(std::move(inner)) {}

	bool ReportContext(const Context &context) override
	{
		// Google Benchmark sets this reporter's streams; the inner one uses them.
		inner_->SetOutputStream(&GetOutputStream());
		inner_->SetErrorStream(&GetErrorStream());
		Context c = context;
		const std::size_t suffix = std::strlen("/manual_time");
		if (c.name_field_width > suffix + 10)
			c.name_field_width -= suffix;
		return inner_->ReportContext(c);
	}

	void ReportRuns(const std::vector<Run> &runs) override;

	void Finalize() override
	{
		inner_->Finalize();
		GetOutputStream().flush();
		check();
	}

	// The stream's first failure (a full disk): the file is not whole.
	void check()
	{
		if (!GetOutputStream() && failed_errno_ == 0)
			failed_errno_ = errno != 0 ? errno : EIO;
	}
	int failed_errno() const { return failed_errno_; }

private:
	std::unique_ptr<benchmark::BenchmarkReporter> inner_;
	int failed_errno_ = 0;
};

void ExactNameReporter::ReportRuns(const std::vector<Run> &runs)
{
	std::vector<Run> renamed = runs;
	for (Run &r : renamed)
		r.run_name.time_type.clear();
	inner_->ReportRuns(renamed);
	check();
}

static int out_errno = 0;	// the file reporter's first write error, for ctb_out_errno

std::unique_ptr<benchmark::BenchmarkReporter> make_reporter(const char *format, bool console_color,
							    bool tabular)
{
	std::string f = format != nullptr ? format : "console";
	if (f == "json")
		return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::JSONReporter);
	if (f == "csv") {
		// Deprecated upstream, but still what --benchmark_format=csv means.
		BENCHMARK_DISABLE_DEPRECATED_WARNING
		return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::CSVReporter);
		BENCHMARK_RESTORE_DEPRECATED_WARNING
	}
	int opts = benchmark::ConsoleReporter::OO_None;
	if (console_color)
		opts |= benchmark::ConsoleReporter::OO_Color;
	if (tabular)
		opts |= benchmark::ConsoleReporter::OO_Tabular;
	return std::unique_ptr<benchmark::BenchmarkReporter>(new benchmark::ConsoleReporter(
		static_cast<benchmark::ConsoleReporter::OutputOptions>(opts)));
}

}  // namespace

extern "C" {

size_t ctb_run_exact_names(const struct ctb_output *o)
{
	ExactNameReporter display(make_reporter(o->format, o->color, o->tabular));
	if (!o->file)
		return benchmark::RunSpecifiedBenchmarks(&display);
	ExactNameReporter file(make_reporter(o->out_format, false, o->tabular));
	size_t n = benchmark::RunSpecifiedBenchmarks(&display, &file);
	out_errno = file.failed_errno();
	return n;
}

int ctb_out_errno(void) { return out_errno; }

void ctb_shutdown(void) { benchmark::Shutdown(); }

int ctb_main(int argc, char **argv)
{
	ctb_initialize(&argc, argv);
	if (ctb_report_unrecognized(argc, argv))
		return 2;
	ctb_run();
	ctb_shutdown();
	return 0;
}

const char *ctb_benchmark_version(void) { return CTB_GB_VERSION; }

const char *ctb_cxx_compiler(void)
{
#if defined(__clang__)
	return "clang " __clang_version__;
#elif defined(__GNUC__)
	return "g++ " __VERSION__;
#else
	return "unknown";
#endif
}

}  // extern "C"
