"""contend.peers.cli — python-peers' command line: flags, --plan, --list, the run."""

import math
import os
import re
import sys

from ..host import cpulist, parse_cpu_list
from ..io import atomic_write_text, os_error_status
from .benches import all_benchmarks, gb_rows, run_trial
from .common import CFG, DEFAULT_DURATION, DEFAULT_PLACES, MAX_THREADS, PROG, UsageError
from .output import Console, context_banner, json_document, make_context
from .placement import Placement, PlanError, plan_command
from .team import Busy, Team, measure_timer, probe_binding

USAGE = """\
Usage: python-peers [OPTIONS] [--benchmark_*...]

Runs contend-bench's workloads on CPython's threading.Lock, RLock, Event and
queue.Queue, and writes Google Benchmark 1.7.1 JSON with contend-bench's
names and counters (scripts/contend/peers/__init__.py says how each is measured).
Names: family/cpython_*/param:value/threads:N/place:POLICY.

Options:
  --threads=LIST     thread counts, e.g. 1,2,4 or 1-8 (each 1..4096);
                     default: powers of two up to 4x the allowed CPUs
  --place=LIST       placement policies: none, compact, scatter, cpus:LIST
                     (e.g. cpus:0,2,4 or cpus:0-3); default none,compact,scatter
  --duration=S       measured seconds per repetition (default 0.2: CPython is
                     slow, and every benchmark costs about this much per
                     repetition); an explicit --benchmark_min_time wins
  --sample=N         time about 1 operation in N of the chunked workloads
                     (0 = report no latencies); default 64 for locks, 32 for
                     queues; ping-pong, broadcast and timed_wait time every one
  --outside-ns=N     mutex with cs_ns > 0: work between acquisitions (default 100)
  --timed-wait-ns=N  event timed_wait: the timeout (default 50000)
  --plan             print the PU, core, L3, NUMA node and package of every
                     thread for each policy and thread count (contend-bench
                     --plan's table, which places the workers); run nothing
  --list             list the benchmark names (honours --benchmark_filter)
  -h, --help         this text
  --benchmark_filter=REGEX        names to run (leading '-': names not to run)
  --benchmark_repetitions=N       repetitions; N > 1 adds mean, median,
                                  stddev and cv rows as Google Benchmark does
  --benchmark_out=FILE            JSON to FILE (written whole at the end)
  --benchmark_out_format=json
  --benchmark_format=console|json what goes to stdout
  --benchmark_min_time=S          the same as --duration
  --benchmark_report_aggregates_only[=BOOL], --benchmark_display_aggregates_only[=BOOL]
  --benchmark_list_tests[=BOOL]   the same as --list
  --benchmark_color=..., --benchmark_counters_tabular=...  accepted, ignored

The console table goes to stdout when it is a terminal or when there is no
--benchmark_out; the context banner goes to stderr, as Google Benchmark does.

Exit status: 0 ok, 1 failure (a benchmark reported an error, or the disk
filled up before --benchmark_out was written), 2 bad usage.
"""



def _bad(flag, value, why):
    """A UsageError whose line names the flag and its value."""
    return UsageError("%s=%s: %s" % (flag, value, why) if value is not None
                      else "%s: %s" % (flag, why))


def _bool_flag(flag, value):
    if value is None or value.lower() in ("true", "1", "yes", "on", "t", "y"):
        return True
    if value.lower() in ("false", "0", "no", "off", "f", "n"):
        return False
    raise _bad(flag, value, "expected true or false")


def parse_threads(value):
    """'1,2,4-6' -> [1, 2, 4, 5, 6] (sorted, unique); UsageError if bad."""
    out = set()
    for item in value.split(","):
        lo, sep, hi = item.partition("-")
        ok = lo.isdigit() and (not sep or hi.isdigit()) and len(lo) <= 9 and len(hi) <= 9
        a = int(lo) if ok else 0
        b = int(hi) if ok and sep else a
        if not ok or a < 1 or b < a or b > MAX_THREADS:
            raise _bad("--threads", value,
                       "expected thread counts 1..%d such as 1,2,4 or 1-8" % MAX_THREADS)
        out.update(range(a, b + 1))
    return sorted(out)


def parse_places(value, topo):
    """'none,cpus:0,2,compact' -> ['none', 'cpus:0,2', 'compact']: the
    numbers and ranges after cpus: belong to it, as in contend-bench."""
    items = []
    for tok in value.split(","):
        if items and items[-1].startswith("cpus:") and re.fullmatch(r"\d+(-\d+)?", tok):
            items[-1] += "," + tok
        else:
            items.append(tok)
    out = []
    for p in items:
        if p in ("none", "compact", "scatter"):
            pass
        elif p.startswith("cpus:"):
            try:
                cpus = parse_cpu_list(p[5:])
            except ValueError:
                raise _bad("--place", value, "bad CPU list in '%s' (expected e.g. cpus:0,2,4 "
                                             "or cpus:0-3)" % p)
            bad = [c for c in cpus if c not in topo.allowed]
            if bad:
                raise _bad("--place", value, "CPU %d is not an allowed PU (allowed: %s)"
                           % (bad[0], cpulist(topo.allowed)))
        else:
            raise _bad("--place", value, "expected policies none, compact, scatter or "
                                         "cpus:LIST, comma-separated")
        if p not in out:
            out.append(p)
    return out


def _seconds(flag, value):
    v = value[:-1] if value.endswith("s") and flag == "--benchmark_min_time" else value
    try:
        d = float(v)
    except ValueError:
        d = float("nan")
    if not (math.isfinite(d) and 0 < d <= 1e6):
        raise _bad(flag, value, "expected a positive number of seconds")
    return d


def _uint(flag, value, lo, hi, why):
    if not re.fullmatch(r"\d{1,12}", value) or not lo <= int(value) <= hi:
        raise _bad(flag, value, why)
    return int(value)


VALUE_FLAGS = frozenset((
    "--threads", "--place", "--duration", "--sample", "--outside-ns", "--timed-wait-ns",
    "--topology", "--benchmark_filter", "--benchmark_out", "--benchmark_out_format",
    "--benchmark_format", "--benchmark_repetitions", "--benchmark_min_time"))
BOOL_FLAGS = frozenset((
    "--list", "--plan", "--benchmark_list_tests", "--benchmark_report_aggregates_only",
    "--benchmark_display_aggregates_only", "--benchmark_counters_tabular",
    "--benchmark_color"))


def parse_args(argv, topo):
    """Every value checked before anything runs; UsageError on the first bad one."""
    opts = {"threads": None, "places": None, "duration": DEFAULT_DURATION,
            "min_time": None, "sample": -1, "outside_ns": 100, "timed_wait_ns": 50000,
            "filter": None, "negate": False, "out": None, "format": "console", "reps": 1,
            "list": False, "plan": False, "help": False, "report_aggr": False,
            "display_aggr": False}
    place_text = None
    for arg in argv:
        if arg in ("-h", "--help"):
            opts["help"] = True
            continue
        flag, eq, value = arg.partition("=")
        if not eq:
            value = None
        if not arg.startswith("-"):
            raise _bad(arg, None, "unexpected argument (try --help)")
        if flag not in VALUE_FLAGS and flag not in BOOL_FLAGS:
            raise _bad(flag, None, "unknown flag (try --help)")
        if value is None and flag in VALUE_FLAGS:
            raise _bad(flag, None, "needs a value (use NAME=VALUE)")
        if flag == "--threads":
            opts["threads"] = parse_threads(value)
        elif flag == "--place":
            place_text = value
        elif flag == "--duration":
            opts["duration"] = _seconds(flag, value)
        elif flag == "--benchmark_min_time":
            opts["min_time"] = _seconds(flag, value)
        elif flag == "--sample":
            opts["sample"] = _uint(flag, value, 0, 1 << 30,
                                   "expected an integer 0..1073741824 (0 = off)")
        elif flag == "--outside-ns":
            opts["outside_ns"] = _uint(flag, value, 0, 10 ** 9,
                                       "expected nanoseconds 0..1000000000")
        elif flag == "--timed-wait-ns":
            opts["timed_wait_ns"] = _uint(flag, value, 1, 10 ** 10,
                                          "expected nanoseconds 1..10000000000")
        elif flag == "--topology":
            raise _bad(flag, value, "not supported by python-peers (it runs on this "
                                    "machine; contend-bench --plan --topology=... plans others)")
        elif flag == "--benchmark_filter":
            pat = value
            if pat.startswith("-"):
                opts["negate"], pat = True, pat[1:]
            try:
                opts["filter"] = re.compile(pat)
            except re.error as e:
                raise _bad(flag, value, "not a regular expression (%s)" % e)
        elif flag == "--benchmark_out":
            folder = os.path.dirname(os.path.abspath(value)) if value else ""
            if not value or os.path.isdir(value):
                raise _bad(flag, value, "expected a file name")
            if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
                raise _bad(flag, value, "folder %s does not exist or is not writable" % folder)
            opts["out"] = value
        elif flag == "--benchmark_out_format":
            if value != "json":
                raise _bad(flag, value, "python-peers writes json only")
        elif flag == "--benchmark_format":
            if value not in ("console", "json"):
                raise _bad(flag, value, "expected console or json")
            opts["format"] = value
        elif flag == "--benchmark_repetitions":
            opts["reps"] = _uint(flag, value, 1, 100000, "expected an integer 1..100000")
        elif flag == "--benchmark_report_aggregates_only":
            opts["report_aggr"] = _bool_flag(flag, value)
        elif flag == "--benchmark_display_aggregates_only":
            opts["display_aggr"] = _bool_flag(flag, value)
        elif flag in ("--list", "--benchmark_list_tests"):
            if flag == "--list" and value is not None:
                raise _bad(flag, value, "takes no value")
            opts["list"] = _bool_flag(flag, value)
        elif flag == "--plan":
            if value is not None:
                raise _bad(flag, value, "takes no value")
            opts["plan"] = True
        elif flag == "--benchmark_color":
            if value is not None and value.lower() not in (
                    "auto", "true", "false", "yes", "no", "1", "0", "on", "off"):
                raise _bad(flag, value, "expected auto, true or false")
        elif flag == "--benchmark_counters_tabular":
            _bool_flag(flag, value)
    opts["places"] = parse_places(place_text if place_text is not None else DEFAULT_PLACES,
                                  topo)
    if opts["min_time"] is not None:
        opts["duration"] = opts["min_time"]
    if opts["threads"] is None:
        limit = min(4 * len(topo.allowed), MAX_THREADS)
        opts["threads"] = [1 << i for i in range(limit.bit_length()) if (1 << i) <= limit]
    return opts


def selected(benches, opts):
    f = opts["filter"]
    if f is None:
        return benches
    return [b for b in benches if bool(f.search(b.name)) != opts["negate"]]


def print_plan(opts, stream):
    """contend-bench --plan's table for these thread counts and policies."""
    cmd = plan_command(opts["threads"], opts["places"])
    stream.flush()
    os.execv(cmd[0], cmd)


# -------------------------------------------------------------------- main

def main(argv):
    for stream in (sys.stdout, sys.stderr):     # file names that are not UTF-8
        enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if enc == "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape")
    topo = Placement()
    try:
        opts = parse_args(argv, topo)
    except UsageError as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        return 2
    if opts["help"]:
        sys.stdout.write(USAGE)
        return 0
    if opts["plan"]:
        try:
            print_plan(opts, sys.stdout)
        except (PlanError, OSError) as e:
            sys.stderr.write("%s: --plan: %s\n" % (PROG, e))
            return 2
        return 0
    CFG["sample"] = opts["sample"]
    CFG["outside_ns"] = opts["outside_ns"]
    CFG["timed_wait_ns"] = opts["timed_wait_ns"]

    busy = None if opts["list"] else Busy()
    benches = selected(all_benchmarks(opts["threads"], opts["places"], busy), opts)
    if opts["list"]:
        for b in benches:
            sys.stdout.write(b.name + "\n")
        return 0
    if not benches:
        sys.stderr.write("%s: no benchmark matches --benchmark_filter; nothing to run\n"
                         % PROG)
        return 0

    try:
        topo.prepare((b.place, b.threads) for b in benches)
    except PlanError as e:
        sys.stderr.write("%s: %s\n" % (PROG, e))
        return 2
    timer_ns, CFG["correction_ns"] = measure_timer()
    CFG["bind_refused"] = probe_binding(topo)
    context = make_context(opts, topo, timer_ns, busy)
    console = None
    if opts["format"] == "console" and (opts["out"] is None or sys.stdout.isatty()):
        width = max(len(b.name) for b in benches) + (7 if opts["reps"] > 1 else 0)
        console = Console(sys.stdout, width)
        context_banner(context, sys.stderr)

    rows = []
    failed = False
    for fam_idx, bench in enumerate(benches):
        team = Team(topo.plan(bench.place, getattr(bench, "team", bench.threads)))
        try:
            reps = [run_trial(bench, team, opts["duration"]) for _ in range(opts["reps"])]
        finally:
            team.close()
        label = ""
        if bench.place != "none" and CFG["bind_refused"]:
            label = "unpinned(%s)" % os.strerror(CFG["bind_refused"])
        it_rows, agg_rows = gb_rows(bench, fam_idx, reps, label)
        failed = failed or any("error" in r and not r["error"].startswith("unsupported: ")
                               for r in it_rows)
        if console:
            for r in ([] if opts["display_aggr"] and agg_rows else it_rows) + agg_rows:
                console.row(r)
        rows.extend(([] if opts["report_aggr"] and agg_rows else it_rows) + agg_rows)

    doc = json_document(context, rows)
    if opts["format"] == "json":
        sys.stdout.write(doc)
    if opts["out"]:
        try:
            atomic_write_text(opts["out"], doc)
        except OSError as e:
            # Checked writable before the run, so the disk filled up (or the
            # folder changed under us): one line, and no partial file.
            sys.stderr.write("%s: --benchmark_out=%s: cannot write: %s\n"
                             % (PROG, opts["out"], e.strerror or e))
            return os_error_status(e)
    return 1 if failed else 0


def cli(argv):
    try:
        sys.exit(main(argv))
    except KeyboardInterrupt:
        sys.stderr.write("%s: interrupted; nothing written\n" % PROG)
        os._exit(130)
    except BrokenPipeError:
        os._exit(1)
