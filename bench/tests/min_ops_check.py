#!/usr/bin/env python3
"""bench-smoke: a workload's min_ops outweighs a short --duration.

Usage: min_ops_check.py EXE

Runs pool/ct_pool/roundtrip/gap_us:1000 (RT_SAMPLES = 200 round trips per
run at least, bench/wl_pool.c) with --duration=0.001 and 2 repetitions.
Each round trip sleeps 1000 us first, so each repetition lasts at least
0.2 s however few iterations Google Benchmark asks for; without min_ops it
would measure a handful. Checks the elapsed time, and that the reported
time per iteration is the time per round trip (the harness scales the
time of its extra ops back to Google Benchmark's iteration count).

Exit status: 0 pass, 1 fail (one line per problem), 77 skip.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_check import command  # noqa: E402  (meson's exe wrapper, if any)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    exe = sys.argv[1]
    name = "pool/ct_pool/roundtrip/gap_us:1000/threads:1/place:none"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.json")
        t0 = time.monotonic()
        p = subprocess.run(command(exe) + ["--threads=1", "--place=none", "--duration=0.001",
                            "--benchmark_repetitions=2", "--watchdog=20",
                            "--benchmark_filter=^%s$" % name,
                            "--benchmark_out=" + out, "--benchmark_out_format=json"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        elapsed = time.monotonic() - t0
        if p.returncode != 0:
            print("contend-bench exited %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            return 1
        with open(out) as f:
            runs = [b for b in json.load(f)["benchmarks"] if b.get("run_type") == "iteration"]
    problems = []
    if [b["name"] for b in runs] != [name, name]:
        problems.append("expected 2 runs of %s, got %s" % (name, [b["name"] for b in runs]))
    if elapsed < 0.4:
        problems.append("2 repetitions took %.3f s: fewer than 200 round trips of 1 ms each" % elapsed)
    for b in runs:
        per_op_ms = b["real_time"] * {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        if not 1.0 <= per_op_ms <= 20.0:
            problems.append("time per iteration %.3f ms, not one round trip after a 1 ms gap" % per_op_ms)
        if not 0 < b.get("ops_per_s", 0) <= 1000:
            problems.append("ops_per_s %s with a 1 ms gap per op" % b.get("ops_per_s"))
    for line in problems:
        print("FAIL: " + line)
    if not problems:
        print("ok  %s: 2 repetitions in %.2f s (>= 200 round trips each)" % (name, elapsed))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
