#!/usr/bin/python3
"""A stand-in for contend-bench that scripts/sweep can drive in tests.

Speaks the same flags (--list, --plan, --threads, --place, --duration and the
--benchmark_* ones the sweep uses), prints Google Benchmark-style console
lines and writes Google Benchmark 1.7.1-shaped JSON incrementally (as the
real JSON reporter does, so a killed run leaves a truncated file).

Misbehaviour on demand, for tests (environment, regexes on names):
  FAKE_BENCH_HANG   matching benchmarks never finish
  FAKE_BENCH_HANG_LATER  the same, only in processes after the first
                    (counted with FAKE_BENCH_RUN_SCALE, which it needs)
  FAKE_BENCH_CRASH  matching benchmarks abort the process
  FAKE_BENCH_ERROR  matching benchmarks report error_occurred
  FAKE_BENCH_SLEEP  seconds each benchmark takes (default: --duration)
  FAKE_BENCH_LOG    file to append each invocation's argv to
  FAKE_BENCH_WORK_LOG  file: each running process appends the
                    CTB_WORK_NS_PER_ITER it was given ("-": none); without
                    it a process "times" its busy work at 0.3 + 0.01 x the
                    lines already there (ns per iteration)
  FAKE_BENCH_RUN_SCALE  file: each invocation appends a line to it and
                    multiplies every throughput by the number of lines
                    (1 for the first process, 2 for the next, ...)
  FAKE_BENCH_AGGREGATES  set: with repetitions > 1, write Google
                    Benchmark's mean/median/stddev/cv entries too
  FAKE_BENCH_FILL   matching benchmarks first fill the disk: they write
                    FAKE_BENCH_FILL_FILE until no space is left
  FAKE_BENCH_C2C    "P1,P2,...": also a c2c/roundtrip row (the sweep's
                    probe before each step), whose p50_ns is P1 in the
                    first process that runs it, P2 in the next, ... (the
                    last one after that); FAKE_BENCH_C2C_STATE: the file
                    that counts those processes
A write that fails (disk full) gets one line on stderr and exit status 1.
"""
import json
import os
import re
import sys
import time

IMPLS = {
    "c2c": ["line"],
    "counter": ["racy", "atomic", "ct_mutex", "pthread_mutex"],
    "mutex": ["ct_mutex", "pthread_mutex"],
    "queue": ["ct_queue", "pthread_queue"],
}
BASE_OPS = {"racy": 9e8, "atomic": 1.5e8, "ct_mutex": 1.2e8, "pthread_mutex": 1e8,
            "ct_queue": 4.5e6, "pthread_queue": 4e6, "line": 2.1e6}


def parse_list(text):
    out = []
    for part in text.split(","):
        if "-" in part and part[0].isdigit():
            a, b = part.split("-")
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part) if part.isdigit() else part)
    return out


def count_process(path):
    """Appends this process to the count kept in path; returns the count
    (1 for the first process)."""
    with open(path, "a") as f:
        f.write("run\n")
    with open(path) as f:
        return len(f.readlines())


def names(threads, places):
    out = []
    if os.environ.get("FAKE_BENCH_C2C") and 2 in threads:
        out.append("c2c/roundtrip/threads:2/place:cpus:0,1")
    for a, b in ((0, 1), (1, 0)):
        out.append("c2c/line/pair:%d-%d/threads:2/place:cpus:%d,%d" % (a, b, a, b))
    for fam in ("counter", "mutex", "queue"):
        for impl in IMPLS[fam]:
            for p in places:
                if fam == "queue":
                    for t in sorted({2, max(2, threads[-1] // 2 * 2)}):
                        out.append("queue/%s/pc:%dx%d/cap:16/mode:block/threads:%d/place:%s"
                                   % (impl, t // 2, t // 2, t, p))
                    continue
                for t in threads:
                    param = "cs_ns:0/" if fam == "mutex" else ""
                    out.append("%s/%s/%sthreads:%d/place:%s" % (fam, impl, param, t, p))
    return out


def main(argv):
    opts = {"threads": "1,2", "place": "compact", "duration": "0.01",
            "benchmark_repetitions": "1"}
    listing = plan = False
    for a in argv:
        if a == "--list":
            listing = True
            continue
        if a == "--plan":
            plan = True
            continue
        m = re.match(r"^--([a-z_]+)=(.*)$", a)
        if not m:
            print("contend-bench: unknown argument '%s'" % a, file=sys.stderr)
            return 2
        opts[m.group(1)] = m.group(2)
    log = os.environ.get("FAKE_BENCH_LOG")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps(argv) + "\n")
    threads = parse_list(opts["threads"])
    places = opts["place"].split(",")
    if plan:        # contend-bench --plan's layout: the allowed PUs in order
        pus = sorted(os.sched_getaffinity(0))
        for p in places:
            for t in threads:
                print("\nplace:%s threads:%d" % (p, t))
                print("  thread    PU  core    L3  NUMA  package")
                for i in range(t):
                    print("  %6d %5d %5d %5d %5d %8d" % (i, pus[i % len(pus)], 0, 0, 0, 0))
        return 0
    all_names = names(threads, places)
    flt = opts.get("benchmark_filter")
    if flt:
        all_names = [n for n in all_names if re.search(flt, n + "/manual_time")]
    if listing:
        for n in all_names:
            print(n)
        return 0
    reps = int(opts["benchmark_repetitions"])
    scale = 1
    scale_file = os.environ.get("FAKE_BENCH_RUN_SCALE")
    if scale_file:
        scale = count_process(scale_file)
    sleep = float(os.environ.get("FAKE_BENCH_SLEEP", opts["duration"]))
    out = opts.get("benchmark_out")
    f = open(out, "w") if out else None
    ctx = {"date": time.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "host_name": "fake",
           "executable": sys.argv[0], "num_cpus": 2, "mhz_per_cpu": 2600,
           "cpu_scaling_enabled": False, "caches": [], "load_avg": [0, 0, 0],
           "library_build_type": "release", "contend_version": "fake"}
    # The busy-work calibration: CTB_WORK_NS_PER_ITER, or "timed" anew,
    # a different figure in every process (FAKE_BENCH_WORK_LOG counts them
    # and records what each one was given).
    given = os.environ.get("CTB_WORK_NS_PER_ITER")
    wlog = os.environ.get("FAKE_BENCH_WORK_LOG")
    nproc = 0
    if wlog:
        if os.path.exists(wlog):
            with open(wlog) as wf:
                nproc = len(wf.readlines())
        with open(wlog, "a") as wf:
            wf.write((given or "-") + "\n")
    ctx["work_loop_ns_per_iter"] = given or "%.3f" % (0.3 + 0.01 * nproc)
    ctx["work_loop_source"] = "CTB_WORK_NS_PER_ITER" if given else "measured"
    if f:
        f.write('{\n  "context": %s,\n  "benchmarks": [\n' % json.dumps(ctx, indent=2)
                .replace("\n", "\n  "))
        f.flush()
    print("Benchmark  Time  CPU  Iterations UserCounters...", flush=True)
    first = True
    c2c_p50 = None
    if any(n.startswith("c2c/roundtrip/") for n in all_names):
        k = count_process(os.environ["FAKE_BENCH_C2C_STATE"])
        seq = [float(x) for x in os.environ["FAKE_BENCH_C2C"].split(",")]
        c2c_p50 = seq[min(k, len(seq)) - 1]
    misbehaviours = [("FAKE_BENCH_HANG", "hang"), ("FAKE_BENCH_CRASH", "crash")]
    if scale > 1:   # a process after the first
        misbehaviours.append(("FAKE_BENCH_HANG_LATER", "hang"))
    for fi, n in enumerate(all_names):
        for env, action in misbehaviours:
            rx = os.environ.get(env)
            if rx and re.search(rx, n):
                if action == "hang":
                    while True:
                        time.sleep(1)
                sys.stdout.flush()
                os.abort()
        frx = os.environ.get("FAKE_BENCH_FILL")
        if frx and re.search(frx, n):
            fill_disk(os.environ["FAKE_BENCH_FILL_FILE"])
        time.sleep(sleep)
        impl = n.split("/")[1]
        t = int(re.search(r"threads:(\d+)", n).group(1))
        rows = []
        erx = os.environ.get("FAKE_BENCH_ERROR")
        for r in range(reps):
            b = {"name": n + "/manual_time", "family_index": fi, "per_family_instance_index": 0,
                 "run_name": n + "/manual_time", "run_type": "iteration", "repetitions": reps,
                 "repetition_index": r, "threads": 1}
            if erx and re.search(erx, n):
                b.update(error_occurred=True, error_message="fake failure", iterations=1,
                         real_time=0.0, cpu_time=0.0, time_unit="ns")
            else:
                ops = BASE_OPS.get(impl, 1e7) / (1 if t == 1 else t) * (1 + 0.01 * r) * scale
                rt = 1e9 / ops
                b.update(iterations=int(ops * 0.01), real_time=rt, cpu_time=rt * 1.2,
                         time_unit="ns", cpu_per_op_ns=rt * 1.5, ctx_switches_per_op=0.0,
                         fairness=0.95, max_ns=rt * 100, misplaced=0.0, ops_per_s=ops,
                         p50_ns=rt, p90_ns=rt * 2, p999_ns=rt * 20, p99_ns=rt * 5,
                         tail_frac=0.001)
                if impl == "racy":
                    b["lost_updates"] = 0.0 if t == 1 else b["iterations"] * 0.3
                if impl == "roundtrip":
                    b["p50_ns"] = c2c_p50
            rows.append(b)
            line = "%s/manual_time %10.1f ns %10.1f ns %10d" % (n, b["real_time"],
                                                                  b["cpu_time"], b["iterations"])
            print(line if not b.get("error_occurred") else
                  "%s/manual_time ERROR OCCURRED: 'fake failure'" % n, flush=True)
        ok = [b for b in rows if not b.get("error_occurred")]
        if os.environ.get("FAKE_BENCH_AGGREGATES") and reps > 1 and ok:
            for agg in ("mean", "median", "stddev", "cv"):
                a = dict(ok[0], name="%s/manual_time_%s" % (n, agg), run_type="aggregate",
                         aggregate_name=agg, aggregate_unit="time")
                a.pop("repetition_index", None)
                rows.append(a)
        if f:
            for b in rows:
                f.write(("" if first else ",\n") + "    " +
                        json.dumps(b, indent=2).replace("\n", "\n    "))
                first = False
            f.flush()
    if f:
        f.write("\n  ]\n}\n")
        f.close()
    return 0


def fill_disk(path):
    """Writes path until the file system holding it is full."""
    block = b"\0" * 65536
    with open(path, "ab", buffering=0) as f:
        while True:
            try:
                f.write(block)
            except OSError:
                if len(block) == 1:
                    return
                block = block[:len(block) // 2]


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as e:
        print("contend-bench: %s: %s" % (e.filename or "--benchmark_out", e.strerror),
              file=sys.stderr)
        sys.exit(1)
