"""scripts/targets — contend's performance targets, measured in one run.

Usage: scripts/targets RUN_DIR [--place POLICY] [--help]

Reads a run folder written by scripts/sweep (gb/*.json, meta.json) and
prints, as a markdown table, every performance target of
docs/performance.md: contend's primitive against its peer *in that same
run*, same placement (default compact), as the ratio of the medians over
the run's repetitions. Thread counts are the run's PUs, 2x and 4x PUs.
Then blocking against spinning: for ct_queue and ct_ring, `mode:block`
against the same primitive's `mode:try` (ops/s >= 0.9x, lower cpu/op)
over every pc shape, capacity, thread count and placement of the run
(whatever --place says). Then, for each row of the first table, the
contend-bench filter that measures exactly it.

Ratios: time and latency rows are contend / peer (below 1: contend
faster); ops/s rows are contend / peer (above 1: contend faster); p99 and
cpu/op are contend / peer (below 1: contend better). A row whose peer has
no result (it failed or was not built) says so.

Exit status: 0 table printed (whether targets are met or not); 2 bad
usage or an unusable run folder. Standard library only.
"""
import math
import operator
import os
import re
import sys

from . import io as cio, results as cr

PROG = "scripts/targets"


class Missing(Exception):
    """A benchmark the row needs has no result in the run."""


def median(run, key, metric):
    inst = run.instances.get(key)
    v = inst.median(metric) if inst is not None else None
    if v is None:
        raise Missing(key)
    return v


def best_peer(run, t, peers, workload, n, metric, better):
    """(peer, median metric) of the best of peers ((family, peer) pairs) by
    better(a, b): operator.gt where higher is better, operator.lt where
    lower is; None when none of them ran."""
    best = None
    for fam, peer in peers:
        try:
            v = median(run, t.key(fam, peer, workload, n), metric)
        except Missing:
            continue
        if best is None or better(v, best[1]):
            best = (peer, v)
    return best


def ratio_to_best(run, t, impl, workload, n, metric, best, what):
    """A ratio for Table.add: impl's ((family, name)) median metric over
    best[1] (best_peer's); Missing(what) when no peer ran."""
    def ratio():
        if best is None:
            raise Missing(what)
        return median(run, t.key(impl[0], impl[1], workload, n), metric) / best[1]
    return ratio


def fmt(v):
    if 0.95 <= v < 1.05:
        return "%.3f" % v       # near the usual bounds: enough digits to see the side
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


class Table:
    def __init__(self, run, place):
        self.run = run
        self.place = place
        self.rows = []

    def key(self, family, impl, workload, threads):
        return "%s/%s/%s/threads:%d/place:%s" % (family, impl, workload, threads, self.place)

    def add(self, primitive, workload, target, checks, filt, note=""):
        """checks: list of (label, value function, bound, 'le'|'ge')."""
        measured, met = [], True
        for label, fn, bound, sense in checks:
            try:
                v = fn()
            except Missing as e:
                what = e.args[0].split("/")[1] if "/" in e.args[0] else e.args[0]
                measured.append(("%s no result (%s)" % (label, what)).strip())
                met = None if met is not False else False
                continue
            except ZeroDivisionError:
                measured.append(("%s peer measured 0" % label).strip())
                met = None if met is not False else False
                continue
            ok = v <= bound if sense == "le" else v >= bound
            measured.append(("%s %s" % (label, fmt(v))).strip())
            if not ok:
                met = False
        verdict = "yes" if met else "**no**" if met is False else "n/a"
        self.rows.append((primitive, workload, target, ", ".join(measured), note, verdict, filt))

    def ratio(self, family, a, b, workload, threads, metric):
        return lambda: (median(self.run, self.key(family, a, workload, threads), metric)
                        / median(self.run, self.key(family, b, workload, threads), metric))


def build(run, place):
    t = Table(run, place)
    pus = run.pus or 1
    counts = [pus, 2 * pus, 4 * pus]
    esc = lambda s: s.replace("|", "\\|")
    pl = "/place:%s$" % place

    t.add("ct_mutex", "uncontended lock+unlock (time)", "≤ 1.05",
          [("", t.ratio("mutex", "ct_mutex", "pthread_mutex", "cs_ns:0", 1, "real_time_ns"),
            1.05, "le")],
          "^mutex/(ct|pthread)_mutex/cs_ns:0/threads:1" + pl)
    for cs in (0, 50):
        for n in counts:
            wl = "cs_ns:%d" % cs
            t.add("ct_mutex", "cs_ns:%d, %d threads: ops/s, p99, cpu/op vs pthread_mutex" % (cs, n),
                  "≥ 1, ≤ 1, ≤ 1.2",
                  [("ops", t.ratio("mutex", "ct_mutex", "pthread_mutex", wl, n, "ops_per_s"), 1, "ge"),
                   ("p99", t.ratio("mutex", "ct_mutex", "pthread_mutex", wl, n, "p99_ns"), 1, "le"),
                   ("cpu", t.ratio("mutex", "ct_mutex", "pthread_mutex", wl, n, "cpu_per_op_ns"),
                    1.2, "le")],
                  "^mutex/(ct|pthread)_mutex/%s/threads:%d%s" % (wl, n, pl))
    n = counts[-1]
    for cs in (0, 50):
        wl = "cs_ns:%d" % cs
        for peer in ("ck_ticket", "ck_mcs", "ck_fas"):
            t.add("ct_mutex", "cs_ns:%d, %d threads (4×PUs): ops/s vs %s" % (cs, n, peer), "≥ 5",
                  [("", t.ratio("mutex", "ct_mutex", peer, wl, n, "ops_per_s"), 5, "ge")],
                  "^mutex/(ct_mutex|%s)/%s/threads:%d%s" % (peer, wl, n, pl))
    for d in (1, 4):
        t.add("ct_rmutex", "depth %d, uncontended (time)" % d, "≤ 1.0",
              [("", t.ratio("rmutex", "ct_rmutex", "pthread_rmutex", "depth:%d" % d, 1,
                            "real_time_ns"), 1.0, "le")],
              "^rmutex/(ct|pthread)_rmutex/depth:%d/threads:1%s" % (d, pl))
    t.add("ct_event", "ping-pong round trip (time)", "≤ 0.5",
          [("", t.ratio("event", "ct_event", "pthread_event", "pingpong", 2, "real_time_ns"),
            0.5, "le")],
          "^event/(ct|pthread)_event/pingpong/threads:2" + pl)
    for n in counts:
        t.add("ct_event", "broadcast to %d waiter%s (p50 time to the last wake)"
              % (n - 1, "" if n == 2 else "s"), "≤ 1.0",
              [("", t.ratio("event", "ct_event", "pthread_event", "broadcast", n, "p50_ns"),
                1.0, "le")],
              "^event/(ct|pthread)_event/broadcast/threads:%d%s" % (n, pl))
    for k in (1, 2, pus, 2 * pus):
        wl = "pc:%dx%d/cap:1024/mode:block" % (k, k)
        n = 2 * k
        if any(r[1].startswith("pc:%dx%d " % (k, k)) for r in t.rows):
            continue
        best = best_peer(run, t, (("ring", "ck_ring"), ("ring", "boost_queue"),
                                  ("queue", "tbb_bounded_queue")), wl, n, "ops_per_s", operator.gt)
        vs_best = ratio_to_best(run, t, ("ring", "ct_ring"), wl, n, "ops_per_s", best,
                                "ring/lock-free peers")
        t.add("ct_ring", "pc:%dx%d cap 1024 block: ops/s vs best of ck_ring, boost, tbb" % (k, k),
              "≥ 1", [("", vs_best, 1, "ge")],
              "^(ring|queue)/(ct_ring|ck_ring|boost_queue|tbb_bounded_queue)/%s/threads:%d%s"
              % (wl, n, pl), note="best: %s" % best[0] if best else "")
        t.add("ct_queue", "pc:%dx%d cap 1024 block: ops/s vs pthread_queue, vs cpython_queue"
              % (k, k), "≥ 1, ≥ 20",
              [("pthread", t.ratio("queue", "ct_queue", "pthread_queue", wl, n, "ops_per_s"),
                1, "ge"),
               ("cpython", t.ratio("queue", "ct_queue", "cpython_queue", wl, n, "ops_per_s"),
                20, "ge")],
              "^queue/(ct|pthread)_queue/%s/threads:%d%s" % (wl, n, pl))

    # ct_pool: vs the best C/C++ pool peer of the same run.
    pool_peers = ("pthread_pool", "tbb_task_group", "omp_task", "glib_pool", "asio_pool")

    def best_pool(workload, n, metric, better):
        return best_peer(run, t, [("pool", p) for p in pool_peers], workload, n, metric, better)

    for n in counts:
        bp = best_pool("empty", n, "ops_per_s", operator.gt)

        def pool_vs(metric, bp=bp, n=n):
            if bp is None:
                raise Missing("pool/C and C++ peers")
            return (median(run, t.key("pool", "ct_pool", "empty", n), metric)
                    / median(run, t.key("pool", bp[0], "empty", n), metric))
        t.add("ct_pool", "empty, %d workers: tasks/s and cpu/task vs the best C/C++ pool" % n,
              "≥ 1.5, ≤ 1",
              [("ops", lambda f=pool_vs: f("ops_per_s"), 1.5, "ge"),
               ("cpu", lambda f=pool_vs: f("cpu_per_op_ns"), 1, "le")],
              "^pool/[a-z_]+/empty/threads:%d%s" % (n, pl),
              note="best: %s" % bp[0] if bp else "")
        for g in (0, 10, 50, 1000):
            wl = "roundtrip/gap_us:%d" % g
            bl = best_pool(wl, n, "p50_ns", operator.lt)
            rt_vs = ratio_to_best(run, t, ("pool", "ct_pool"), wl, n, "p50_ns", bl,
                                  "pool/C and C++ peers")
            t.add("ct_pool", "roundtrip gap %d us, %d workers: p50 vs the best C/C++ pool" % (g, n),
                  "≤ 1", [("", rt_vs, 1, "le")],
                  "^pool/[a-z_]+/%s/threads:%d%s" % (wl, n, pl),
                  note="best: %s" % bl[0] if bl else "")
        t.add("ct_pool", "empty, %d workers: tasks/s vs cpython_pool" % n, "≥ 50",
              [("", t.ratio("pool", "ct_pool", "cpython_pool", "empty", n, "ops_per_s"), 50, "ge")],
              "^pool/(ct|cpython)_pool/empty/threads:%d%s" % (n, pl))

    def shim_gap():
        s = run.instances.get("shim/overhead/shim")
        nat = run.instances.get("shim/overhead/native")
        gap = (s.median("real_time_ns") if s is not None else None,
               nat.median("real_time_ns") if nat is not None else None)
        if None in gap:
            raise Missing("shim/overhead")
        return gap[0] - gap[1]
    t.add("shim", "empty loop: ns/iteration over native", "< 0.5 ns",
          [("", shim_gap, 0.5, "le")], "^shim/")
    return t, [esc(r[6]) for r in t.rows]


BLOCK_TRY = re.compile(r"^(?:queue|ring)/(ct_queue|ct_ring)/(pc:\d+x\d+)/cap:(\d+)/"
                       r"mode:(block|try)/threads:(\d+)/place:(.+)$")
BLOCK_TRY_MIN = 0.9


def block_vs_try(run):
    """{primitive: summary} over the cells (pc shape, capacity, threads,
    placement) where both modes of the primitive have a result: n, met
    (block >= BLOCK_TRY_MIN x try ops/s), cpu (block's cpu/op lower),
    geomean (block / try), worst ((ratio, cell))."""
    cells = {}
    for key, inst in run.instances.items():
        m = BLOCK_TRY.match(key)
        ops = inst.median("ops_per_s") if m else None
        if ops is None:
            continue
        cell = (m.group(1), m.group(2), int(m.group(3)), int(m.group(5)), m.group(6))
        cells.setdefault(cell, {})[m.group(4)] = (ops, inst.median("cpu_per_op_ns"))
    out = {}
    for cell in sorted(cells):
        modes = cells[cell]
        if "block" not in modes or "try" not in modes:
            continue
        (bo, bc), (to, tc) = modes["block"], modes["try"]
        if bo <= 0 or to <= 0:
            continue
        r = bo / to
        s = out.setdefault(cell[0], {"n": 0, "met": 0, "cpu": 0, "logs": [], "worst": None})
        s["n"] += 1
        s["met"] += r >= BLOCK_TRY_MIN
        s["cpu"] += bc is not None and tc is not None and bc < tc
        s["logs"].append(math.log(r))
        if s["worst"] is None or r < s["worst"][0]:
            s["worst"] = (r, cell)
    for s in out.values():
        s["geomean"] = math.exp(sum(s["logs"]) / len(s["logs"]))
    return out


def render_block_vs_try(run):
    out = ["Blocking against spinning: `mode:block` ops/s ≥ %.1f× the same primitive's "
           "`mode:try`, with lower cpu/op; every pc shape, capacity, thread count and "
           "placement of the run (medians of its repetitions):" % BLOCK_TRY_MIN, ""]
    out.append("| primitive | cells block ≥ %.1f× try | cells with lower cpu/op | "
               "geometric mean block ÷ try | worst cell |" % BLOCK_TRY_MIN)
    out.append("|---|---|---|---|---|")
    bt = block_vs_try(run)
    for prim in ("ct_queue", "ct_ring"):
        s = bt.get(prim)
        if s is None:
            out.append("| %s | no result (no cell with both modes) | | | |" % prim)
            continue
        r, (_, pc, cap, n, place) = s["worst"]
        out.append("| %s | %d / %d | %d / %d | %s× | %s× (%s cap %d, %d threads, %s) |"
                   % (prim, s["met"], s["n"], s["cpu"], s["n"], fmt(s["geomean"]), fmt(r),
                      pc, cap, n, place))
    return out


def render(run, place, t, filters):
    out = []
    out.append("| primitive | workload | target | measured | note | met |")
    out.append("|---|---|---|---|---|---|")
    for r in t.rows:
        out.append("| %s | %s | %s | %s | %s | %s |" % r[:6])
    out.append("")
    out.extend(render_block_vs_try(run))
    out.append("")
    threads = sorted({1, 2} | {(run.pus or 1) * m for m in (1, 2, 4)})
    out.append("Reproduce a row (same machine, one run, medians of 5 repetitions):")
    out.append("")
    out.append("```sh")
    out.append("build/bench/contend-bench --place=%s --threads=%s --benchmark_repetitions=5 \\"
               % (place, ",".join(str(n) for n in threads)))
    out.append("    --benchmark_filter='FILTER'")
    out.append("```")
    out.append("")
    out.append("(cpython_queue and cpython_pool rows come from scripts/python-peers with the same filter.)")
    out.append("")
    out.append("| row | FILTER |")
    out.append("|---|---|")
    for i, (r, f) in enumerate(zip(t.rows, filters), 1):
        out.append("| %d. %s, %s | `%s` |" % (i, r[0], r[1], f))
    return "\n".join(out)


def main(argv):
    place = "compact"
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a == "--place" and i + 1 < len(argv):
            place = argv[i + 1]
            i += 2
            continue
        if a.startswith("--place="):
            place = a.split("=", 1)[1]
        elif a.startswith("-"):
            print("%s: unknown argument '%s' (try --help)" % (PROG, a), file=sys.stderr)
            return 2
        else:
            args.append(a)
        i += 1
    if len(args) != 1:
        print("%s: expected one run folder (try --help)" % PROG, file=sys.stderr)
        return 2
    cio.safe_stdio()
    try:
        run = cr.load_run(args[0])
    except cr.ResultsError as e:
        print("%s: %s" % (PROG, e), file=sys.stderr)
        return 2
    if not any(inst.place == place for inst in run.instances.values()):
        print("%s: --place %s: no result with that placement in %s" % (PROG, place, args[0]),
              file=sys.stderr)
        return 2
    t, filters = build(run, place)
    try:
        print(render(run, place, t, filters))
        sys.stdout.flush()
    except BrokenPipeError:     # scripts/targets RUN | head
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def cli(argv):
    sys.exit(main(argv))
