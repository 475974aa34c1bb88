#!/usr/bin/env python3
"""bench-smoke: run contend-bench briefly and check what it wrote.

Usage: bench_check.py EXE MODE [--expect-impls=A,B,...] [contend-bench arguments...]

MODE
  smoke:FAMILY   run the arguments (plus a --benchmark_out JSON file); every
                 benchmark must belong to FAMILY, have succeeded, be named
                 family/impl/.../threads:N/place:POLICY, carry every counter
                 with a sane value, and the context must carry the keys.
                 With --expect-impls, each of those implementations must
                 have run at least one benchmark (a built peer whose rows
                 never ran fails).
  list           --list: names only, exact (no /manual_time), exit 0.
  plan           --plan: a table, exit 0, and no result file written.

Exit status: 0 pass, 1 fail (with one line per problem), 77 skip.
Standard library only.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

COUNTERS = ["ops_per_s", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns",
            "fairness", "cpu_per_op_ns", "ctx_switches_per_op", "misplaced",
            "tail_frac"]
CONTEXT = ["contend_version", "contend_revision", "contend_options", "compiler",
           "hwloc_version", "benchmark_version", "policies", "allowed_pus",
           "timer_overhead_ns", "binding", "impls"]
NAME = re.compile(r"^(?P<family>[a-z0-9]+)/(?P<impl>[a-z0-9_]+)(/[a-z0-9_]+(:[0-9a-zx]+)?)*"
                  r"/threads:(?P<threads>[0-9]+)/place:(?P<place>none|compact|scatter|cpus:[0-9,-]+)$")
# The workload names DESIGN fixes, per family.
SHAPES = {
    "mutex": re.compile(r"^mutex/\w+/cs_ns:(0|50|1000)/threads:\d+/place:\S+$"),
    "rmutex": re.compile(r"^rmutex/\w+/depth:(1|4|16)/threads:\d+/place:\S+$"),
    "event": re.compile(r"^event/\w+/(pingpong/threads:2|broadcast/threads:\d+|timed_wait/threads:\d+)/place:\S+$"),
    "queue": re.compile(r"^queue/\w+/(pc:\d+x\d+/cap:\d+/mode:(block|try|timed)|pairs/cap:\d+|pingpong/cap:\d+)/threads:\d+/place:\S+$"),
    "ring": re.compile(r"^ring/\w+/(pc:\d+x\d+/cap:\d+/mode:(block|try|timed)|pairs/cap:\d+|pingpong/cap:\d+)/threads:\d+/place:\S+$"),
    "atomic": re.compile(r"^atomic/(fetch_add|cas)/line:(shared|private)/threads:\d+/place:\S+$"),
    "counter": re.compile(r"^counter/\w+/threads:\d+/place:\S+$"),
    "c2c": re.compile(r"^c2c/(roundtrip|oneway)/threads:2/place:cpus:\d+,\d+$"),
    "pool": re.compile(r"^pool/\w+/(empty|roundtrip/gap_us:(0|10|50|1000)|forkjoin|as_completed/tasks:64"
                       r"|fib:\d+|work_ns:(100|1000|10000))/threads:\d+/place:\S+$"),
}

problems = []


def command(exe):
    """The command that runs exe: meson's exe wrapper first (an emulator
    such as qemu-user in cross builds, MESON_EXE_WRAPPER), if any."""
    return shlex.split(os.environ.get("MESON_EXE_WRAPPER", "")) + [exe]


def fail(msg):
    problems.append(msg)


def run(exe, args, timeout=170):
    return subprocess.run(command(exe) + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def check_bench(b, family):
    name = b.get("name", "?")
    if b.get("error_occurred"):
        # A pool row that cannot run a workload (nested waits) says so.
        if family == "pool" and str(b.get("error_message", "")).startswith("unsupported: "):
            return
        fail(f"{name}: failed: {b.get('error_message')}")
        return
    if family == "shim":
        if name == "shim/overhead/shim":
            for k in ("shim_ns", "native_ns", "overhead_ns", "ratio"):
                if k not in b:
                    fail(f"{name}: counter {k} missing")
        return
    m = NAME.match(name)
    if not m:
        fail(f"{name}: name does not follow family/impl/param:value/threads:N/place:POLICY")
        return
    if m.group("family") != family:
        fail(f"{name}: not in family {family}")
    shape = SHAPES.get(family)
    if shape and not shape.match(name):
        fail(f"{name}: not one of the {family} workload names")
    if b.get("run_name") != name:
        fail(f"{name}: run_name {b.get('run_name')!r} differs")
    threads = int(m.group("threads"))
    for k in COUNTERS:
        if k not in b:
            fail(f"{name}: counter {k} missing")
            return
    if not b.get("real_time", 0) > 0:
        fail(f"{name}: real_time {b.get('real_time')} not positive")
        return
    if not b["iterations"] >= 1:
        fail(f"{name}: no iterations")
    # ops_per_s and real_time are two views of one measurement.
    rt = b["real_time"] * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    if abs(b["ops_per_s"] * rt / 1e9 - 1) > 0.01:
        fail(f"{name}: ops_per_s {b['ops_per_s']} disagrees with real_time {rt} ns")
    q = [b[k] for k in ("p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns")]
    if any(v < 0 for v in q) or q != sorted(q):
        fail(f"{name}: percentiles not ordered: {q}")
    if q[-1] <= 0:
        fail(f"{name}: no latency sample (max_ns {q[-1]})")
    if not 0 < b["fairness"] <= 1 + 1e-9:
        fail(f"{name}: fairness {b['fairness']} outside (0, 1]")
    if threads == 1 and abs(b["fairness"] - 1) > 1e-9:
        fail(f"{name}: one thread but fairness {b['fairness']}")
    if not b["cpu_per_op_ns"] > 0:
        fail(f"{name}: cpu_per_op_ns {b['cpu_per_op_ns']} not positive")
    if b["ctx_switches_per_op"] < 0:
        fail(f"{name}: ctx_switches_per_op negative")
    if b["misplaced"] != int(b["misplaced"]) or not 0 <= b["misplaced"] <= threads:
        fail(f"{name}: misplaced {b['misplaced']} not in 0..{threads}")
    if not 0 <= b["tail_frac"] <= 1:
        fail(f"{name}: tail_frac {b['tail_frac']} outside [0, 1]")
    if family == "counter":
        lost = b.get("lost_updates")
        if lost is None:
            fail(f"{name}: counter lost_updates missing")
        elif m.group("impl") != "racy" and lost != 0:
            fail(f"{name}: {lost} lost updates")
    if family == "atomic" and "cas_retries_per_op" not in b:
        fail(f"{name}: counter cas_retries_per_op missing")


def smoke(exe, family, args, expect=()):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        p = run(exe, args + ["--benchmark_out=" + out, "--benchmark_out_format=json"])
        if p.returncode != 0:
            fail(f"exit status {p.returncode}; stderr: {p.stderr.strip()[-500:]}")
            return
        try:
            with open(out) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            fail(f"result file unreadable: {e}")
            return
    ctx = data.get("context", {})
    for k in CONTEXT:
        if not ctx.get(k):
            fail(f"context key {k} missing")
    if ctx.get("benchmark_version") not in (None, "unknown") and \
            not re.match(r"^\d+\.\d+", ctx.get("benchmark_version", "")):
        fail(f"benchmark_version {ctx.get('benchmark_version')!r} is not a version")
    benches = data.get("benchmarks", [])
    if not benches:
        fail("no benchmark ran")
    if os.environ.get("CTB_TEST_BIND_REFUSED"):
        # Binding refused (simulated): the run goes on unpinned and says so.
        if not ctx.get("binding", "").startswith("refused"):
            fail(f"binding refused but context says {ctx.get('binding')!r}")
        for b in benches:
            if "/place:none" not in b["name"] and "unpinned" not in b.get("label", ""):
                fail(f"{b['name']}: binding refused but the label does not say unpinned")
    for b in benches:
        check_bench(b, family)
    ran = set()
    for b in benches:
        m = NAME.match(b.get("name", ""))
        if m:
            ran.add(m.group("impl"))
    for impl in expect:
        if impl not in ran:
            fail(f"{impl}: built (context impls: {ctx.get('impls')}) but no {family} "
                 f"benchmark of it ran")
    print(f"{len(benches)} benchmarks checked; implementations: {', '.join(sorted(ran))}")


def list_mode(exe, args):
    p = run(exe, ["--list"] + args)
    if p.returncode != 0:
        fail(f"--list: exit status {p.returncode}: {p.stderr.strip()}")
        return
    names = [line for line in p.stdout.splitlines() if line]
    if not names:
        fail("--list printed no names")
    for n in names:
        if "manual_time" in n or not (NAME.match(n) or n.startswith("shim/overhead/")):
            fail(f"--list: bad name {n!r}")
    print(f"{len(names)} names listed")


def plan(exe, args):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        p = run(exe, args + ["--plan", "--benchmark_out=" + out])
        if p.returncode != 0:
            fail(f"--plan: exit status {p.returncode}: {p.stderr.strip()}")
        if os.path.exists(out):
            fail("--plan wrote a result file")
    for pol in ("none", "compact", "scatter"):
        if pol not in p.stdout:
            fail(f"--plan: policy {pol} missing from the table")
    print(p.stdout.strip().splitlines()[0] if p.stdout.strip() else "(empty plan)")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    expect = []
    for a in [a for a in args if a.startswith("--expect-impls=")]:
        expect += [i for i in a.split("=", 1)[1].split(",") if i]
        args.remove(a)
    if mode.startswith("smoke:"):
        smoke(exe, mode[6:], args, expect)
    elif mode == "list":
        list_mode(exe, args)
    elif mode == "plan":
        plan(exe, args)
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
