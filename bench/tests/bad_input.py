#!/usr/bin/env python3
"""bench-smoke: contend-bench rejects bad input.

Usage: bad_input.py EXE CASE

Each CASE runs contend-bench with one bad value (plus a --benchmark_out
file) and asserts: exit status 2, exactly one line on stderr naming the flag
and the value, and no result file created. Exit 0 pass, 1 fail, 77 skip.
Standard library only.
"""
import os
import subprocess
import sys
import tempfile


def cases(tmp):
    corrupt = os.path.join(tmp, "corrupt.xml")
    with open(corrupt, "w") as f:
        f.write("<?xml version=\"1.0\"?>\n<topology><object type=\"Machine\"><<<garbage\n")
    return {
        # name: (arguments, the flag and the value the message must show)
        "threads_zero": (["--threads=0"], "--threads", "0"),
        "threads_negative": (["--threads=-3"], "--threads", "-3"),
        "threads_word": (["--threads=abc"], "--threads", "abc"),
        "threads_empty": (["--threads="], "--threads", ""),
        "threads_open_range": (["--threads=1-"], "--threads", "1-"),
        "threads_too_many": (["--threads=4097"], "--threads", "4097"),
        "threads_reversed": (["--threads=8-2"], "--threads", "8-2"),
        "place_bogus": (["--place=bogus"], "--place", "bogus"),
        "place_no_such_cpu": (["--place=cpus:99"], "--place", "cpus:99"),
        "place_empty": (["--place="], "--place", ""),
        "duration_zero": (["--duration=0"], "--duration", "0"),
        "duration_negative": (["--duration=-1"], "--duration", "-1"),
        "duration_word": (["--duration=soon"], "--duration", "soon"),
        "topology_missing": (["--topology=/missing.xml", "--plan"], "--topology", "/missing.xml"),
        "topology_corrupt": (["--topology=" + corrupt, "--plan"], "--topology", corrupt),
        "topology_without_plan": (["--topology=synthetic:pack:1 core:2 pu:1"], "--topology",
                                  "synthetic:pack:1 core:2 pu:1"),
        "unknown_flag": (["--bogus"], "--bogus", ""),
        "unknown_benchmark_flag": (["--benchmark_bogus=1"], "--benchmark_bogus", "1"),
        "bad_benchmark_format": (["--benchmark_format=xml"], "--benchmark_format", "xml"),
        "stray_argument": (["mutex"], "mutex", ""),
        "sample_word": (["--sample=often"], "--sample", "often"),
        "bad_filter": (["--benchmark_filter=("], "--benchmark_filter", "("),
        "watchdog_zero": (["--watchdog=0"], "--watchdog", "0"),
    }


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, name = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        table = cases(tmp)
        if name not in table:
            print(f"unknown case {name}; cases: {' '.join(sorted(table))}", file=sys.stderr)
            return 2
        args, flag, value = table[name]
        if name == "place_no_such_cpu" and hasattr(os, "sched_getaffinity") \
                and 99 in os.sched_getaffinity(0):
            print("skip: this machine has CPU 99")
            return 77
        out = os.path.join(tmp, "out.json")
        p = subprocess.run([exe] + args + ["--benchmark_out=" + out], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        problems = []
        if p.returncode != 2:
            problems.append(f"exit status {p.returncode}, expected 2")
        lines = p.stderr.splitlines()
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr, expected 1: {p.stderr!r}")
        elif flag not in lines[0] or (value and value not in lines[0]):
            problems.append(f"stderr does not name {flag} and {value!r}: {lines[0]!r}")
        if os.path.exists(out):
            problems.append("a result file was written")
    for msg in problems:
        print(f"FAIL {name}: {msg}")
    if not problems:
        print(f"ok {name}: {lines[0]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
