#!/usr/bin/env python3
"""bench-smoke: a benchmark that reports an invariant failure.

Usage: violation_check.py EXE

The hidden family selftest/violation (bench/wl_selftest.c, registered only
with CTB_TEST_VIOLATION set) calls ctb_fail as a workload does when it
finds an item lost or a counter wrong. Checks: each of its benchmarks is
an error entry carrying the message, the benchmarks around it still ran
and have results, stderr counts the errors in one line, and the exit
status is 1; without the variable the family does not exist and a clean
run exits 0. Exit 0 pass, 1 fail. Standard library only.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

FILTER = "^(mutex/ct_mutex/cs_ns:0|selftest/violation|rmutex/ct_rmutex/depth:1)/"
ARGS = ["--threads=1,2", "--place=none", "--duration=0.01", "--watchdog=20",
        "--benchmark_format=json"]


def command(exe):
    """The command that runs exe: meson's exe wrapper first (an emulator
    such as qemu-user in cross builds, MESON_EXE_WRAPPER), if any."""
    return shlex.split(os.environ.get("MESON_EXE_WRAPPER", "")) + [exe]


def run(exe, env_extra, out):
    env = dict(os.environ)
    env.pop("CTB_TEST_VIOLATION", None)
    env.update(env_extra)
    return subprocess.run(command(exe) + ["--benchmark_filter=" + FILTER, "--benchmark_out=" + out] + ARGS,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env, timeout=120)


def main():
    exe = sys.argv[1]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "v.json")
        p = run(exe, {"CTB_TEST_VIOLATION": "1"}, out)
        if p.returncode != 1:
            problems.append(f"exit status {p.returncode}, want 1")
        lines = [l for l in p.stderr.splitlines() if "reported errors" in l]
        if lines != ["contend-bench: 2 benchmarks reported errors (error_occurred)"]:
            problems.append(f"stderr: {p.stderr!r}")
        with open(out) as f:
            runs = json.load(f)["benchmarks"]
        names = [b["name"] for b in runs]
        for t in (1, 2):
            name = f"selftest/violation/threads:{t}/place:none"
            b = next((b for b in runs if b["name"] == name), None)
            if b is None or not b.get("error_occurred") or \
                    "invariant violated on purpose" not in b.get("error_message", ""):
                problems.append(f"{name}: not an error entry with the message: {b}")
        good = [b for b in runs if not b["name"].startswith("selftest/")]
        if len(good) != 4 or any(b.get("error_occurred") or "ops_per_s" not in b for b in good):
            problems.append(f"the other benchmarks did not all run: {names}")
        if names.index("rmutex/ct_rmutex/depth:1/threads:1/place:none") < \
                names.index("selftest/violation/threads:2/place:none"):
            problems.append(f"unexpected order: {names}")
        p = run(exe, {}, out)
        if p.returncode != 0:
            problems.append(f"without CTB_TEST_VIOLATION: exit status {p.returncode}: {p.stderr}")
        with open(out) as f:
            if any(b["name"].startswith("selftest/") for b in json.load(f)["benchmarks"]):
                problems.append("selftest/violation runs without CTB_TEST_VIOLATION")
    for m in problems:
        print("FAIL " + m)
    if not problems:
        print("ok: an invariant failure is an error entry, the run goes on, exit status 1")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
