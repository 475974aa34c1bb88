#!/usr/bin/env python3
"""bench-smoke: the watchdog stops a hung benchmark and the run goes on.

Usage: watchdog_check.py CONTEND_BENCH

With CTB_TEST_DEADLOCK=1, contend-bench registers the hidden family
selftest/deadlock (bench/wl_selftest.c), whose workers deadlock at once,
between the mutex and rmutex families. Checked, with --watchdog=1:

  1. The run finishes (in bounded time) with exit status 1, and stderr
     names every selftest benchmark with a watchdog line.
  2. The JSON result has an error entry (error_occurred, an error_message
     starting "watchdog: no progress") for each selftest benchmark, and
     normal entries (no error, iterations, real_time > 0) for every other
     one, including those that ran after the hang.
  3. With --benchmark_repetitions=2 the second repetition of a hung
     benchmark is skipped at once with an error, not run into the watchdog
     again; the others run both repetitions.
  4. Without CTB_TEST_DEADLOCK the family does not exist (--list).

Exit status: 0 pass, 1 fail (one line per problem). Standard library only.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

FILTER = "^(mutex/ct_mutex/cs_ns:0|selftest/deadlock|rmutex/ct_rmutex/depth:1)/"
ARGS = ["--place=none", "--duration=0.01", "--watchdog=1", "--benchmark_filter=" + FILTER]
# Each hung benchmark costs about the watchdog's second (parked in slices):
# generous for a loaded 2-CPU machine, far below a hang.
TIME_LIMIT = 90

problems = []


def command(exe):
    """The command that runs exe: meson's exe wrapper first (an emulator
    such as qemu-user in cross builds, MESON_EXE_WRAPPER), if any."""
    return shlex.split(os.environ.get("MESON_EXE_WRAPPER", "")) + [exe]


def fail(msg):
    problems.append(msg)


def run(exe, args, deadlock=True):
    env = dict(os.environ)
    if deadlock:
        env["CTB_TEST_DEADLOCK"] = "1"
    else:
        env.pop("CTB_TEST_DEADLOCK", None)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        t0 = time.monotonic()
        try:
            p = subprocess.run(command(exe) + args + ["--benchmark_out=" + out,
                                               "--benchmark_out_format=json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env, timeout=TIME_LIMIT)
        except subprocess.TimeoutExpired:
            fail(f"{' '.join(args)}: no end within {TIME_LIMIT} s: the watchdog did not "
                 f"stop the hung benchmark")
            return None, None
        secs = time.monotonic() - t0
        try:
            with open(out) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            fail(f"{' '.join(args)}: result file unreadable: {e}; stderr: {p.stderr[-300:]}")
            data = None
    print(f"{' '.join(args)}: exit {p.returncode} in {secs:.1f} s")
    return p, data


def is_selftest(name):
    return name.startswith("selftest/deadlock/")


def check_normal(b):
    name = b.get("name", "?")
    if b.get("error_occurred"):
        fail(f"{name}: failed although it does not hang: {b.get('error_message')}")
    elif not (b.get("iterations", 0) >= 1 and b.get("real_time", 0) > 0):
        fail(f"{name}: no measurement (iterations {b.get('iterations')}, "
             f"real_time {b.get('real_time')})")


def single(exe):
    p, data = run(exe, ["--threads=1,2"] + ARGS)
    if p is None:
        return
    if p.returncode != 1:
        fail(f"exit status {p.returncode}, want 1 (a benchmark was stopped by the watchdog)")
    if data is None:
        return
    benches = data.get("benchmarks", [])
    names = [b.get("name", "") for b in benches]
    want_hung = [f"selftest/deadlock/threads:{t}/place:none" for t in (1, 2)]
    want_ok = [f"{f}/threads:{t}/place:none" for f in ("mutex/ct_mutex/cs_ns:0",
                                                       "rmutex/ct_rmutex/depth:1")
               for t in (1, 2)]
    for n in want_hung + want_ok:
        if names.count(n) != 1:
            fail(f"{n}: {names.count(n)} entries in the results, want 1")
    for b in benches:
        name = b.get("name", "")
        if is_selftest(name):
            msg = b.get("error_message", "")
            if not b.get("error_occurred") or not msg.startswith("watchdog: no progress"):
                fail(f"{name}: want an error entry from the watchdog, got "
                     f"error_occurred={b.get('error_occurred')} message={msg!r}")
            line = f"contend-bench: {name}: watchdog: no progress"
            if line not in p.stderr:
                fail(f"{name}: stderr lacks the line {line!r}")
        else:
            check_normal(b)
    # The run went on after the hang: results after the last selftest entry.
    last_hung = max((i for i, n in enumerate(names) if is_selftest(n)), default=-1)
    after = [n for n in names[last_hung + 1:] if n.startswith("rmutex/")]
    if last_hung >= 0 and len(after) != 2:
        fail(f"after the hung benchmarks the run reported {after}, want the 2 rmutex runs")
    if "stopped by the watchdog" not in p.stderr:
        fail("stderr lacks the final count of benchmarks stopped by the watchdog")
    print(f"{len(benches)} entries: {len(want_hung)} stopped by the watchdog, "
          f"{len(benches) - len(want_hung)} measured")


def repetitions(exe):
    p, data = run(exe, ["--threads=2", "--benchmark_repetitions=2"] + ARGS)
    if p is None or data is None:
        return
    if p.returncode != 1:
        fail(f"repetitions: exit status {p.returncode}, want 1")
    runs = [b for b in data.get("benchmarks", []) if b.get("run_type") == "iteration"]
    hung = [b for b in runs if is_selftest(b.get("name", ""))]
    msgs = [b.get("error_message", "") for b in hung]
    if len(hung) != 2 or not all(b.get("error_occurred") for b in hung):
        fail(f"repetitions: want 2 error entries for the hung benchmark, got {msgs}")
    elif not (msgs[0].startswith("watchdog: no progress") and
              msgs[1].startswith("skipped: stopped by the watchdog in an earlier run")):
        fail(f"repetitions: the second run of a hung benchmark was not skipped: {msgs}")
    others = [b for b in runs if not is_selftest(b.get("name", ""))]
    if len(others) != 4:
        fail(f"repetitions: {len(others)} runs of the other benchmarks, want 2 x 2")
    for b in others:
        check_normal(b)


def hidden(exe):
    env = dict(os.environ)
    env.pop("CTB_TEST_DEADLOCK", None)
    p = subprocess.run(command(exe) + ["--list", "--threads=1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, env=env, timeout=60)
    if p.returncode != 0:
        fail(f"--list: exit status {p.returncode}: {p.stderr.strip()}")
    if "selftest/" in p.stdout:
        fail("the selftest family is listed without CTB_TEST_DEADLOCK")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exe = sys.argv[1]
    single(exe)
    repetitions(exe)
    hidden(exe)
    for p in problems:
        print("FAIL: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
