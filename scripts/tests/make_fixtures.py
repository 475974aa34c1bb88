#!/usr/bin/python3
"""Writes the fixture run folders under fixtures/ (deterministic).

The JSON mimics Google Benchmark 1.7.1 output of contend-bench on a 2-PU
machine: a context object, iteration rows with counters as top-level keys,
mean/median/stddev/cv aggregate rows when repeated, '/manual_time' name
suffixes, a failed benchmark (error_occurred) and one benchmark without
latency counters. Run it after changing it; the output is committed.
"""
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")

CONTEXT = {
    "date": "2026-11-25T00:21:26+00:00", "host_name": "vm",
    "executable": "build/bench/contend-bench", "num_cpus": 2, "mhz_per_cpu": 2600,
    "cpu_scaling_enabled": False,
    "caches": [{"type": "Data", "level": 1, "size": 49152, "num_sharing": 1},
               {"type": "Unified", "level": 2, "size": 2097152, "num_sharing": 1},
               {"type": "Unified", "level": 3, "size": 503316480, "num_sharing": 2}],
    "load_avg": [0.06, 0.07, 0.03], "library_build_type": "release",
    "contend_version": "0.1.0", "contend_git": "0123abc", "compiler": "gcc 12.2.0",
    "hwloc_version": "2.9.0", "benchmark_version": "1.7.1", "policies": "compact,scatter",
    "allowed_pus": "0-1", "timer_overhead_ns": "21.5",
}


def row(name, fam_idx, inst_idx, reps, rep, ops, rng, counters=True, drop=(), extra=None):
    jitter = 1.0 + rng.uniform(-0.04, 0.04)
    ops = ops * jitter
    real = 1e9 / ops
    b = {"name": name + "/manual_time", "family_index": fam_idx,
         "per_family_instance_index": inst_idx, "run_name": name + "/manual_time",
         "run_type": "iteration", "repetitions": reps, "repetition_index": rep,
         "threads": 1, "iterations": int(ops * 0.05), "real_time": real,
         "cpu_time": real * 1.1, "time_unit": "ns"}
    if counters:
        c = {"cpu_per_op_ns": real * 1.8, "ctx_switches_per_op": 0.001,
             "fairness": 0.97, "max_ns": real * 400, "misplaced": 0.0,
             "ops_per_s": ops, "p50_ns": real * 1.5, "p90_ns": real * 3,
             "p999_ns": real * 40, "p99_ns": real * 9, "tail_frac": 0.002}
        if extra:
            c.update(extra)
        for k in sorted(c):
            if k not in drop:
                b[k] = c[k]
    return b


def aggregates(rows):
    out = []
    base = rows[0]
    keys = [k for k in base if isinstance(base[k], float) or k == "iterations"]
    for agg in ("mean", "median", "stddev", "cv"):
        b = {"name": base["run_name"] + "_" + agg, "family_index": base["family_index"],
             "per_family_instance_index": base["per_family_instance_index"],
             "run_name": base["run_name"], "run_type": "aggregate",
             "repetitions": base["repetitions"], "threads": 1, "aggregate_name": agg,
             "aggregate_unit": "percentage" if agg == "cv" else "time",
             "iterations": len(rows)}
        for k in keys:
            if k == "iterations":
                continue
            vals = [r[k] for r in rows]
            mean = sum(vals) / len(vals)
            sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
            b[k] = {"mean": mean, "median": sorted(vals)[len(vals) // 2],
                    "stddev": sd, "cv": sd / mean if mean else 0.0}[agg]
        b["time_unit"] = "ns"
        # Google Benchmark orders: real_time, cpu_time, time_unit, counters.
        out.append(b)
    return out


def failed(name, fam_idx, inst_idx, reps, rep, msg):
    return {"name": name + "/manual_time", "family_index": fam_idx,
            "per_family_instance_index": inst_idx, "run_name": name + "/manual_time",
            "run_type": "iteration", "repetitions": reps, "repetition_index": rep,
            "threads": 1, "error_occurred": True, "error_message": msg,
            "iterations": 1, "real_time": 0.0, "cpu_time": 0.0, "time_unit": "ns"}


def write(path, benchmarks, context=CONTEXT):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=2)
        f.write("\n")


def run_a():
    rng = random.Random(5)
    d = os.path.join(FIX, "run-a")
    gb = os.path.join(d, "gb")
    threads = (1, 2, 8)
    places = ("compact", "scatter")
    # c2c: one pair each way, pinned explicitly.
    bs = []
    for n, (a, b) in enumerate(((0, 1), (1, 0))):
        name = "c2c/line/pair:%d-%d/threads:2/place:cpus:%d,%d" % (a, b, a, b)
        bs.append(row(name, n, 0, 1, 0, 1e9 / 480.0, rng))
    write(os.path.join(gb, "c2c.json"), bs)

    # counter: racy loses updates; atomic and two locks.
    bs = []
    fam = 0
    for impl, ops1 in (("racy", 900e6), ("atomic", 150e6), ("ct_mutex", 120e6),
                       ("pthread_mutex", 90e6)):
        for p in places:
            for t in threads:
                name = "counter/%s/threads:%d/place:%s" % (impl, t, p)
                ops = ops1 / (1 if t == 1 else 3.0)
                extra = {"lost_updates": 0.0}
                if impl == "racy":
                    extra = {"lost_updates": 0.0 if t == 1 else ops * 0.05 * 0.4}
                r = row(name, fam, 0, 1, 0, ops, rng, extra=extra)
                if impl == "racy" and t > 1:
                    r["lost_updates"] = r["iterations"] * 0.4
                bs.append(r)
                fam += 1
    write(os.path.join(gb, "counter.json"), bs)

    # mutex: 3 repetitions with aggregates; one failure; one without latency.
    bs = []
    fam = 0
    for impl, ops1 in (("ct_mutex", 230e6), ("pthread_mutex", 210e6), ("ck_mcs", 150e6)):
        for p in places:
            for t in threads:
                name = "mutex/%s/cs_ns:50/threads:%d/place:%s" % (impl, t, p)
                ops = ops1 / (1 if t == 1 else 8.0 if impl != "ck_mcs" else (12.0 if t == 2 else 200.0))
                if impl == "ck_mcs" and t == 8 and p == "scatter":
                    rows = [failed(name, fam, 0, 3, k, "watchdog: no progress for 5 s")
                            for k in range(3)]
                    bs.extend(rows)
                else:
                    drop = ("p50_ns", "p90_ns", "p99_ns", "p999_ns") if impl == "ck_mcs" else ()
                    rows = [row(name, fam, 0, 3, k, ops, rng, drop=drop) for k in range(3)]
                    bs.extend(rows)
                    bs.extend(aggregates(rows))
                fam += 1
    write(os.path.join(gb, "mutex.json"), bs)

    # queue: producer/consumer shapes, a cpython peer.
    bs = []
    fam = 0
    for impl, ops1 in (("ct_queue", 4.5e6), ("pthread_queue", 4.2e6), ("cpython_queue", 0.6e6)):
        for p in places:
            for pc in ((1, 1), (4, 4)):
                t = pc[0] + pc[1]
                name = "queue/%s/pc:%dx%d/cap:1024/mode:block/threads:%d/place:%s" % (
                    impl, pc[0], pc[1], t, p)
                bs.append(row(name, fam, 0, 1, 0, ops1 / (1 if t == 2 else 2.0), rng))
                fam += 1
    write(os.path.join(gb, "queue.json"), bs)

    meta = {
        "schema": "contend-run/1", "run_id": "20261125-002126",
        "platform": "intel-xeon-2pu-linux", "profile": "quick",
        "started": "2026-11-25T00:21:26", "finished": "2026-11-25T00:23:40",
        "settings": {"threads": [1, 2, 8], "places": ["compact", "scatter"],
                     "duration": 0.05, "repetitions": 3, "filter": None},
        "host": {"cpu_model": "Intel(R) Xeon(R) Processor", "pus": 2, "cores": 2,
                 "packages": 1, "numa_nodes": 1, "smt": 1, "l3_caches": 1,
                 "allowed_pus": "0-1", "os": "Debian GNU/Linux 12 (bookworm)",
                 "kernel": "6.1.0", "governor": None, "virtualization": "KVM"},
        "toolchain": {"compiler": "cc (Debian 12.2.0-14) 12.2.0", "meson": "1.0.1",
                      "python": "3.11.2"},
        "libraries": {"Google Benchmark": "1.7.1-1", "hwloc": "2.9.0-1"},
        "git": {"revision": "0123abc", "dirty": False},
        "commands": ["build/bench/contend-bench --threads=1,2,8 --place=compact,scatter "
                     "--duration=0.05 --benchmark_filter=^mutex/ --benchmark_repetitions=3 "
                     "--benchmark_out=gb/mutex.json --benchmark_out_format=json"],
        "steps": [{"name": s, "status": "ok", "benchmarks": 1, "seconds": 10.0}
                  for s in ("c2c", "counter", "mutex", "queue")],
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


def bad():
    d = os.path.join(FIX, "bad")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "empty.json"), "w").close()
    with open(os.path.join(d, "foreign.json"), "w") as f:
        json.dump({"name": "contend", "version": "0.1.0", "dependencies": {}}, f, indent=2)
    with open(os.path.join(FIX, "run-a", "gb", "mutex.json")) as f:
        text = f.read()
    with open(os.path.join(d, "truncated.json"), "w") as f:
        f.write(text[:len(text) // 2])


if __name__ == "__main__":
    run_a()
    bad()
