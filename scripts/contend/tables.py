"""contend.tables — flat tables (csv/), figure grouping and the headline
table of a run (a contend.results.Run)."""

import math
import re

from .results import (COUNTERS, family_sort_key, is_contend, is_peer,
                      lost_counter, NOT_IN_HEADLINE)

TABLE_COLUMNS = (
    ["name", "family", "impl", "workload", "threads", "place", "reps", "errors",
     "error_message", "real_time_ns", "cpu_time_ns",
     "ops_per_s", "ops_per_s_sd", "ops_per_s_lo", "ops_per_s_hi"]
    + [c for c in COUNTERS if c != "ops_per_s"]
    + ["lost_updates", "lost_pct", "iterations", "source"])


OPS = "_ops"   # stands for ops_metric(inst) in lists of metrics


def ops_metric(inst):
    """The throughput metric an instance has: ops_per_s or derived."""
    return "ops_per_s" if inst.values("ops_per_s") else "ops_per_s_derived"


def instance_row(inst):
    row = {"name": inst.key, "family": inst.family, "impl": inst.impl,
           "workload": inst.workload, "threads": inst.threads,
           "place": inst.place if inst.place is not None else "",
           "reps": len(inst.reps) or (inst.aggregates.get("_n") if inst.ok else 0),
           "errors": len(inst.errors),
           "error_message": inst.errors[0] if inst.errors else "",
           "source": ";".join(inst.sources)}
    ops = inst.stat(ops_metric(inst))
    if ops:
        row.update(ops_per_s=ops["mean"], ops_per_s_sd=ops["sd"],
                   ops_per_s_lo=ops["lo"], ops_per_s_hi=ops["hi"])
    for m in ("real_time_ns", "cpu_time_ns", "iterations", "lost_pct") + COUNTERS[1:]:
        row[m] = inst.mean(m)
    lk = None
    for r in inst.reps or [inst.aggregates.get("mean", {})]:
        lk = lk or lost_counter(r)
    row["lost_updates"] = inst.mean(lk) if lk else None
    return row


def extra_counters(run):
    """User counters beyond the documented ones (kept in results.csv)."""
    known = set(TABLE_COLUMNS) | {"ops_per_s_derived"}
    extra = set()
    for inst in run.instances.values():
        for r in inst.reps:
            extra.update(k for k in r if k not in known and "lost" not in k)
    return sorted(extra)


def results_table(run):
    """(header, rows) of csv/results.csv: one row per benchmark instance."""
    extra = extra_counters(run)
    header = TABLE_COLUMNS + extra
    rows = []
    for inst in sorted(run.instances.values(), key=instance_sort_key):
        row = instance_row(inst)
        for e in extra:
            row[e] = inst.mean(e)
        rows.append(row)
    return header, rows


def repetitions_table(run):
    """(header, rows) of csv/repetitions.csv: one row per repetition."""
    metrics = []
    for inst in run.instances.values():
        for r in inst.reps:
            for k in r:
                if k not in metrics:
                    metrics.append(k)
    first = ["real_time_ns", "cpu_time_ns", "iterations"] + list(COUNTERS)
    metrics = [m for m in first if m in metrics] + sorted(m for m in metrics if m not in first)
    header = ["name", "family", "impl", "workload", "threads", "place", "repetition"] + metrics
    rows = []
    for inst in sorted(run.instances.values(), key=instance_sort_key):
        for i, r in enumerate(inst.reps):
            row = {"name": inst.key, "family": inst.family, "impl": inst.impl,
                   "workload": inst.workload, "threads": inst.threads,
                   "place": inst.place or "", "repetition": i}
            row.update(r)
            rows.append(row)
    return header, rows


def instance_sort_key(inst):
    return (family_sort_key(inst.family), inst.workload, inst.place or "",
            (not is_contend(inst.impl)), inst.impl, inst.threads or 0)


# ------------------------------------------------------------ grouping

def pc_shape(tok):
    """Shape of a `pc:PxC` token: PxP (balanced), 1xC, Px1, else PxC as is;
    None for other tokens."""
    m = re.match(r"^pc:(\d+)x(\d+)$", tok)
    if not m:
        return None
    p, c = int(m.group(1)), int(m.group(2))
    return "PxP" if p == c else "1xC" if p == 1 else "Px1" if c == 1 else "%dx%d" % (p, c)


# Workload parameters that become rows of panels in a figure (the first
# one a workload has), so that e.g. every queue capacity shares a figure.
ROW_PARAMS = ("cap", "cs_ns", "depth", "line", "gap_us", "work_ns", "tasks")


def figure_group(params):
    """(group, row, shape) of a workload.

    group names one figure; row one line of panels in it: the first of
    ROW_PARAMS the workload has, else a leading workload kind without a
    value (pingpong, broadcast, ...), else '-'; shape the producer/consumer
    shape of a `pc:PxC` token ('-' if none), drawn as a line style so that
    P + C = threads lines up on the threads axis.
    """
    row = "-"
    shape = "-"
    rest = []
    for tok in params:
        k = tok.split(":", 1)[0]
        sh = pc_shape(tok)
        if sh is not None and shape == "-":
            shape = sh
            rest.append("pc")
        elif row == "-" and k in ROW_PARAMS:
            row = tok
        else:
            rest.append(tok)
    if row == "-" and rest and ":" not in rest[0] and rest[0] != "pc":
        row = rest.pop(0)
    return ("/".join(rest) if rest else "-"), row, shape


def group_workload(params):
    """The figure group of a workload (see figure_group)."""
    return figure_group(params)[0]


def row_key(row):
    """Sort key of row values: numeric where the value is a number."""
    k, _, v = row.partition(":")
    try:
        return (k, 0, float(v), "")
    except ValueError:
        return (k, 1, 0.0, v)


SHAPE_ORDER = ("-", "PxP", "1xC", "Px1")


def shape_key(shape):
    return (SHAPE_ORDER.index(shape) if shape in SHAPE_ORDER else len(SHAPE_ORDER), shape)


def slug(text):
    s = re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-")
    return s or "x"


# ------------------------------------------------------------ headline

def _geomean(vals):
    vals = [v for v in vals if v and v > 0]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def headline_thread_counts(pus):
    pus = pus or 1
    out = []
    for label, t in (("1", 1), ("PUs", pus), ("4xPUs", 4 * pus)):
        if all(t != x for _, x in out):
            out.append((label, t))
    return out


def headline(run):
    """The headline table: per family, best implementation at 1 thread, at
    PUs threads and at 4xPUs threads, and contend's ratio to the best peer.

    Every figure of an instance is the median over its repetitions (as in
    the targets table): a mean would let one repetition that measured
    something else, such as a lock benchmark in which one thread ran alone
    (fairness 0.5), decide a cell. Per workload and implementation the
    best placement counts. Across a family's workloads implementations are
    scored by the geometric mean of their throughput relative to the
    workload's best; `ratio` is the geometric mean over workloads of best
    contend / best peer throughput. The guardrails `p99` and `cpu` are the
    geometric means, over the same workloads (where both report the
    counter), of contend's p99 and cpu/op over the peer's, each at the
    placement of its best throughput.
    Implementations that lose updates (the racy counter) are not eligible.
    Returns a list of dicts.
    """
    rows = []
    for fam in run.families():
        if fam in NOT_IN_HEADLINE:
            continue
        insts = [i for i in run.select(fam) if i.ok]
        lossy = lossy_impls(insts)
        insts = [i for i in insts if i.impl not in lossy]
        for label, t in headline_thread_counts(run.pus):
            best = {}   # workload -> impl -> (ops, place, instance)
            for i in insts:
                if i.threads != t:
                    continue
                ops = i.median(ops_metric(i))
                if ops is None:
                    continue
                w = best.setdefault(i.workload, {})
                if i.impl not in w or ops > w[i.impl][0]:
                    w[i.impl] = (ops, i.place, i)
            row = {"family": fam, "label": label, "threads": t, "workloads": len(best),
                   "best": None, "best_ops": None, "best_ct": None, "best_peer": None,
                   "ratio": None, "wins": None, "p99": None, "cpu": None}
            rows.append(row)
            if not best:
                continue
            score = {}
            for w, impls in best.items():
                top = max(v[0] for v in impls.values())
                for impl, (ops, _, _) in impls.items():
                    score.setdefault(impl, []).append(ops / top)
            n = len(best)
            # Rank by the geometric mean, but an implementation measured in
            # only some workloads ranks after those measured in all.
            ranked = sorted(score, key=lambda k: (len(score[k]) < n, -_geomean(score[k]), k))
            row["best"] = ranked[0]
            if n == 1:
                (w,) = best
                row["best_ops"] = best[w][ranked[0]][0]
                row["workload"] = w
            cts = [k for k in ranked if is_contend(k)]
            peers = [k for k in ranked if is_peer(k)]
            row["best_ct"] = cts[0] if cts else None
            row["best_peer"] = peers[0] if peers else None
            if cts and peers:
                ratios = [impls[cts[0]][0] / impls[peers[0]][0]
                          for impls in best.values()
                          if cts[0] in impls and peers[0] in impls]
                row["ratio"] = _geomean(ratios)
                row["wins"] = "%d/%d" % (sum(r > 1 for r in ratios), len(ratios))
                for key, metric in (("p99", "p99_ns"), ("cpu", "cpu_per_op_ns")):
                    row[key] = _geomean([
                        _div(impls[cts[0]][2].median(metric),
                             impls[peers[0]][2].median(metric))
                        for impls in best.values()
                        if cts[0] in impls and peers[0] in impls])
    return rows


def _div(a, b):
    """a / b, or None where either is missing or not positive."""
    return a / b if a and b and a > 0 and b > 0 else None


def lossy_impls(insts):
    """Implementations that lost updates anywhere (the racy counter): not
    eligible as 'best', even where they happened to lose none."""
    return {i.impl for i in insts if (i.mean("lost_pct") or 0) > 0}


def workload_table(run):
    """Per family, workload and thread count: the best implementation (at
    its best placement) and contend's best against the best peer."""
    cells = {}
    lossy = lossy_impls(run.instances.values())
    for i in run.instances.values():
        if not i.ok or i.family == "c2c" or i.impl in lossy:
            continue
        ops = i.mean(ops_metric(i))
        if ops is None:
            continue
        c = cells.setdefault((i.family, i.workload, i.threads), {})
        if i.impl not in c or ops > c[i.impl]:
            c[i.impl] = ops
    rows = []
    for (fam, w, t), c in sorted(cells.items(), key=lambda kv: (family_sort_key(kv[0][0]),
                                                                 kv[0][1], kv[0][2] or 0)):
        best = max(c, key=c.get)
        cts = [k for k in c if is_contend(k)]
        peers = [k for k in c if is_peer(k)]
        ct = max(cts, key=c.get) if cts else None
        peer = max(peers, key=c.get) if peers else None
        rows.append({"family": fam, "workload": w, "threads": t, "best": best,
                     "best_ops": c[best], "best_ct": ct, "best_peer": peer,
                     "ratio": c[ct] / c[peer] if ct and peer else None})
    return rows


def fmt_rate(v):
    if v is None:
        return "—"
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return "%.3g %sops/s" % (v / div, unit)
    return "%.3g ops/s" % v


def fmt_ratio(v):
    return "—" if v is None else "%.2f×" % v


# ------------------------------------------------------------ platform
