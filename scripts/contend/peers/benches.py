"""contend.peers.benches — the benchmark list, one trial, Google Benchmark rows."""

import statistics

import numpy

from .common import CAPS, CFG, CS_NS, DEPTHS, MODES, TRIAL_GRACE_S
from .events import wl_event_broadcast, wl_event_pingpong, wl_event_timed
from .locks import wl_lock
from .pools import pool_benchmarks
from .queues import wl_queue_pairs, wl_queue_pc, wl_queue_pingpong
from .team import TrialTimeout, jain


class Bench:
    """One benchmark: its name and how to build a trial."""

    def __init__(self, family, impl, params, threads, place, build):
        self.family = family
        self.name = "/".join([family, impl] + params +
                             ["threads:%d" % threads, "place:%s" % place])
        self.threads = threads
        self.place = place
        self.build = build          # build(duration) -> (jobs, control, finish)


def pc_shapes(t):
    """Producer counts of the P:C shapes for t threads (contend-bench's)."""
    if t == 2:
        return [1]
    if t > 2:
        return [t - 1, 1] + ([t // 2] if t % 2 == 0 else [])
    return []


def all_benchmarks(threads, places, busy):
    """Every benchmark, in contend-bench's registration order."""
    out = []

    def add(family, impl, params, t, p, build):
        out.append(Bench(family, impl, params, t, p, build))

    for impl, rec in (("cpython_lock", False), ("cpython_rlock", True)):
        for t in threads:
            for p in places:
                add("counter", impl, [], t, p,
                    lambda d, t=t, rec=rec: wl_lock(t, d, busy, recursive=rec, counter=True))
    for cs in CS_NS:
        for t in threads:
            for p in places:
                add("mutex", "cpython_lock", ["cs_ns:%d" % cs], t, p,
                    lambda d, t=t, cs=cs: wl_lock(t, d, busy, cs_ns=cs))
    for depth in DEPTHS:
        for t in threads:
            for p in places:
                add("rmutex", "cpython_rlock", ["depth:%d" % depth], t, p,
                    lambda d, t=t, depth=depth: wl_lock(t, d, busy, recursive=True,
                                                        depth=depth))
    for t in threads:
        for p in places:
            if t == 2:
                add("event", "cpython_event", ["pingpong"], 2, p, wl_event_pingpong)
            if t >= 2:
                add("event", "cpython_event", ["broadcast"], t, p,
                    lambda d, t=t: wl_event_broadcast(t, d))
            add("event", "cpython_event", ["timed_wait"], t, p,
                lambda d, t=t: wl_event_timed(t, d))
    for t in threads:
        for p in places:
            for cap in CAPS:
                for pr in pc_shapes(t):
                    for mode in MODES:
                        add("queue", "cpython_queue",
                            ["pc:%dx%d" % (pr, t - pr), "cap:%d" % cap, "mode:%s" % mode],
                            t, p, lambda d, t=t, pr=pr, cap=cap, mode=mode:
                                wl_queue_pc(d, pr, t - pr, cap, mode))
                add("queue", "cpython_queue", ["pairs", "cap:%d" % cap], t, p,
                    lambda d, t=t, cap=cap: wl_queue_pairs(t, d, cap))
                if t == 2:
                    add("queue", "cpython_queue", ["pingpong", "cap:%d" % cap], 2, p,
                        lambda d, cap=cap: wl_queue_pingpong(d, cap))
    out += pool_benchmarks(threads, places, busy, Bench)
    return out


def percentile(sorted_xs, q):
    """Nearest-rank percentile of a sorted list (0 if empty)."""
    if not len(sorted_xs):
        return 0.0
    return float(numpy.quantile(sorted_xs, q, method="inverted_cdf"))


def run_trial(bench, team, duration):
    """One repetition: a dict with ops, real_time, cpu_time, counters, or error."""
    fail = team.bind_failure()
    if fail:
        return {"error": fail}
    jobs, control, finish = bench.build(duration)
    try:
        results = team.run(jobs, control, duration + TRIAL_GRACE_S)
    except TrialTimeout:
        return {"error": "the trial did not end within %.0f s (a worker is stuck)"
                         % (duration + TRIAL_GRACE_S)}
    errs = [r.error for r in results if r is None or r.error]
    if errs:
        return {"error": errs[0] or "a worker returned nothing"}
    ops, err, extra = finish(results)
    firsts = [r.t_first for r in results]
    lasts = [r.t_last for r in results]
    window = max(lasts) - min(firsts)
    if err is None and (ops <= 0 or window <= 0):
        err = "no operation completed in the %g s window" % duration
    if err is not None:
        return {"error": err, "ops": max(ops, 0)}
    if CFG["sample"] == 0:
        samples = []
    else:
        c = CFG["correction_ns"]
        samples = sorted(s - c if s > c else 0 for r in results for s in r.samples)
    tail = (max(firsts) - min(firsts)) + (max(lasts) - min(lasts))
    cpu_per_op = sum(r.cpu_ns for r in results) / ops
    counters = {
        "ops_per_s": ops * 1e9 / window,
        "p50_ns": percentile(samples, 0.50),
        "p90_ns": percentile(samples, 0.90),
        "p99_ns": percentile(samples, 0.99),
        "p999_ns": percentile(samples, 0.999),
        "max_ns": float(samples[-1]) if samples else 0.0,
        "fairness": jain([r.ops for r in results], [r.role for r in results]),
        "cpu_per_op_ns": cpu_per_op,
        "ctx_switches_per_op": sum(r.csw for r in results) / ops,
        "misplaced": float(team.misplaced()),
        "tail_frac": min(1.0, tail / window),
    }
    counters.update(extra)
    return {"ops": ops, "real_time": window / ops, "cpu_time": cpu_per_op,
            "counters": counters}


# ---------------------------------------------------------- Google Benchmark

def _stat_rows(base, reps):
    """mean/median/stddev/cv rows as Google Benchmark 1.7.1 computes them
    (over the repetitions without an error, when there are two or more)."""
    ok = [r for r in reps if "error" not in r]
    if len(ok) < 2:
        return []
    keys = sorted(ok[0]["counters"])

    def cv(v):
        m = statistics.fmean(v)
        return statistics.stdev(v) / m if m else 0.0     # 0/0: 0, not NaN

    rows = []
    for agg, fn, unit in (("mean", statistics.fmean, "time"),
                          ("median", statistics.median, "time"),
                          ("stddev", statistics.stdev, "time"),
                          ("cv", cv, "percentage")):
        row = dict(base)
        row["name"] = base["run_name"] + "_" + agg
        row["run_type"] = "aggregate"
        row["aggregate_name"] = agg
        row["aggregate_unit"] = unit
        row["iterations"] = len(ok)
        row["real_time"] = float(fn([r["real_time"] for r in ok]))
        row["cpu_time"] = float(fn([r["cpu_time"] for r in ok]))
        row["counters"] = {k: float(fn([r["counters"].get(k, 0.0) for r in ok]))
                           for k in keys}
        rows.append(row)
    return rows


def gb_rows(bench, family_index, reps, label):
    """(iteration rows, aggregate rows) of one benchmark."""
    base = {"name": bench.name, "family_index": family_index,
            "per_family_instance_index": 0, "run_name": bench.name,
            "repetitions": len(reps), "threads": 1, "label": label}
    rows = []
    for i, r in enumerate(reps):
        row = dict(base)
        row["run_type"] = "iteration"
        row["repetition_index"] = i
        if "error" in r:
            row["error"] = r["error"]
            row["iterations"] = r.get("ops", 0)
            row["real_time"] = 0.0
            row["cpu_time"] = 0.0
            row["counters"] = {}
        else:
            row["iterations"] = r["ops"]
            row["real_time"] = r["real_time"]
            row["cpu_time"] = r["cpu_time"]
            row["counters"] = r["counters"]
        rows.append(row)
    return rows, _stat_rows(base, reps)
