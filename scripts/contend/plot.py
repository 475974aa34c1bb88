"""contend.plot — csv/, plots/ and report.md of a run folder.

regenerate(run_dir) reads gb/*.json and meta.json (contend.results), writes
the flat tables under csv/, draws every figure with the gnuplot programs in
the repository's plots/*.gp (one per kind of figure; data passed as CSV
files and variables, through contend.gnuplot), and writes report.md.
"""

import math
import re
import os
import sys

from . import io as cio, results as cr, tables as ct
from .gnuplot import (PLOTDIR, find as find_gnuplot, program as gp_program,
                      run_parallel as gnuplot_run_parallel, script as gp_script)
from .report import write_report


# Per figure, contend's lines come first (red, thicker); peers follow in
# distinguishable colours.
PALETTE = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
           "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#000000", "#393b79",
           "#ad494a", "#637939", "#8c6d31", "#7b4173")

PLACE_ORDER = ("none", "compact", "scatter")

# Columns of the per-figure data files csv/fig-*.csv.
FIG_COLUMNS = ("row", "shape", "place", "impl", "threads", "workload", "reps", "ops_per_s",
               "ops_lo", "ops_hi", "p50_ns", "p90_ns", "p99_ns", "p999_ns",
               "max_ns", "fairness", "cpu_per_op_ns", "real_time_ns", "lost_pct")

PERCENTILES = (("p50_ns", "p50"), ("p99_ns", "p99"), ("p999_ns", "p99.9"))

HOW_TO_READ = {
    "throughput": "Operations per second of all threads together (higher is better) "
                  "against threads on a log2 axis, one panel per placement policy{bars}{pus}.",
    "latency": "Sampled per-operation latency (lower is better, log scale) at the median, "
               "99th and 99.9th percentile: the further p99.9 lies above p50, the more "
               "unevenly waits are spread.",
    "fairness": "Jain's index over per-thread operation counts: 1 means every thread got "
                "the same share, 1/threads means one thread did all the work.",
    "cpu": "CPU time burnt per completed operation (lower is better, log scale): "
           "waiters that spin instead of parking show up here, most of all once threads "
           "outnumber PUs.",
    "c2c": "{what} of one cache line between the two PUs of each cell (ns, lower is "
           "better), a fresh line per pair: the physical floor of any handoff between "
           "those PUs.",
    "counter": "Left: increments per second of one shared counter under each protection; "
               "right: the share of increments the unsynchronized counter lost to the "
               "read-modify-write race — what the locks pay for.",
}


def local_colors(impls):
    """Colours of one figure's implementations (contend's first: red)."""
    return {impl: PALETTE[n % len(PALETTE)] for n, impl in enumerate(impls)}


def place_key(p):
    return (PLACE_ORDER.index(p) if p in PLACE_ORDER else len(PLACE_ORDER), p)


def place_label(inst):
    return inst.place if inst.place is not None else "default"

class Figure:
    """One figure to draw: a gnuplot program, its variables, its caption."""

    def __init__(self, kind, stem, program, variables, title, caption):
        self.kind = kind
        self.stem = stem            # file name without extension
        self.program = program      # plots/<program>.gp
        self.vars = variables
        self.title = title
        self.caption = caption
        self.missing = []           # sentences: series left out and why
        self.error = None           # gnuplot failure, if any
        self.drawn = []             # file names written


def _rate_unit(vmax):
    for div, unit in ((1e9, "Gops/s"), (1e6, "Mops/s"), (1e3, "kops/s")):
        if vmax >= div:
            return div, unit
    return 1.0, "ops/s"


def _yrange(vals, logy, zero=False):
    vals = [v for v in vals if v is not None and math.isfinite(v) and (v > 0 or not logy)]
    if not vals:
        return (1.0, 10.0) if logy else (0.0, 1.0)
    lo, hi = min(vals), max(vals)
    if logy:
        lo = 10 ** math.floor(math.log10(lo))
        hi = 10 ** math.ceil(math.log10(hi))
        if hi <= lo:
            hi = lo * 10
        return lo, hi
    top = hi * 1.08 if hi > 0 else 1.0
    return (0.0 if zero or lo >= 0 else lo * 1.08), top


def _gp_num(v):
    """A number gnuplot reads back from a word list (no exponent: gnuplot
    turns '1e+06' into 1)."""
    s = ("%.12f" % v).rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


class Plotter:
    """Builds the figures and report of one run."""

    def __init__(self, run, svg=False):
        self.run = run
        self.svg = svg
        self.impls = run.impls()
        self.figures = []
        self.sections = []          # (family, group, [figures], notes)
        self.csv_files = {}         # rel path -> text
        self.pus = run.pus

    # ----------------------------------------------------------- data
    def _series_words(self, impls):
        return {"impls": " ".join(impls),
                "colors": " ".join(local_colors(impls)[i] for i in impls),
                "widths": " ".join("2.5" if cr.is_contend(i) else "1.5" for i in impls)}

    def build(self):
        run = self.run
        header, rows = ct.results_table(run)
        self.csv_files["csv/results.csv"] = cio.csv_text(header, rows)
        header, rows = ct.repetitions_table(run)
        self.csv_files["csv/repetitions.csv"] = cio.csv_text(header, rows)
        hl = ct.headline(run)
        self.headline = hl
        self.csv_files["csv/headline.csv"] = cio.csv_text(
            ["family", "label", "threads", "workloads", "best", "best_ct", "best_peer",
             "ratio", "wins", "p99", "cpu"], hl)
        self.workloads = ct.workload_table(run)
        for fam in run.families():
            insts = run.select(fam)
            if fam == "c2c":
                self._c2c(insts)
                continue
            groups = {}
            for i in insts:
                g, row, shape = ct.figure_group(i.name.params)
                groups.setdefault(g, []).append((row, shape, i))
            for g in sorted(groups):
                self._group(fam, g, groups[g])

    def _layout(self, nrows, ncols, keys, panel_h=280, panel_w=400):
        """Figure size and margins: the panels, the title above, the key in
        a column of its own on the right (never over the data).
        keys: the key's entry titles."""
        longest = max([len(k) for k in keys] or [8])
        key_px = 100 + 8 * longest
        width = 95 + panel_w * ncols + key_px
        top_px, bottom_px = 80, 62
        height = max(top_px + panel_h * nrows + bottom_px, top_px + 22 * len(keys) + 40)
        return {"width": width, "height": height,
                "left": round(95.0 / width, 4),
                "right": round(1 - key_px / float(width), 4),
                "keyx": round(1 - (key_px - 12) / float(width), 4),
                "bottom": round(bottom_px / float(height), 4),
                "top": round(1 - top_px / float(height), 4)}

    def _group(self, fam, group, members):
        gslug = ct.slug(group) if group != "-" else "all"
        insts = [i for _, _, i in members]
        rowof = {id(i): row for row, _, i in members}
        shapeof = {id(i): shape for _, shape, i in members}
        data_rel = "csv/fig-%s-%s.csv" % (ct.slug(fam), gslug)
        rows = []
        for i in sorted(insts, key=lambda i: (ct.row_key(rowof[id(i)]),
                                              ct.shape_key(shapeof[id(i)]),
                                              place_key(place_label(i)), i.impl, i.threads or 0)):
            if not i.ok or i.threads is None:
                continue
            ops = i.stat(ct.ops_metric(i))
            rows.append({
                "row": rowof[id(i)], "shape": shapeof[id(i)], "place": place_label(i),
                "impl": i.impl,
                "threads": i.threads, "workload": i.workload, "reps": ops["n"] if ops else 0,
                "ops_per_s": ops["mean"] if ops else None,
                "ops_lo": ops["lo"] if ops else None, "ops_hi": ops["hi"] if ops else None,
                "p50_ns": i.mean("p50_ns"), "p90_ns": i.mean("p90_ns"),
                "p99_ns": i.mean("p99_ns"), "p999_ns": i.mean("p999_ns"),
                "max_ns": i.mean("max_ns"), "fairness": i.mean("fairness"),
                "cpu_per_op_ns": i.mean("cpu_per_op_ns"),
                "real_time_ns": i.mean("real_time_ns"), "lost_pct": i.mean("lost_pct")})
        self.csv_files[data_rel] = cio.csv_text(FIG_COLUMNS, rows)

        rowvals = sorted({rowof[id(i)] for i in insts}, key=ct.row_key)
        shapes = sorted({shapeof[id(i)] for i in insts}, key=ct.shape_key)
        places = sorted({place_label(i) for i in insts}, key=place_key)
        impls = [m for m in self.impls if any(i.impl == m for i in insts)]
        threads = sorted({i.threads for i in insts if i.threads is not None})
        notes = []
        for i in insts:
            if not i.ok:
                notes.append("`%s` failed: %s" % (i.key, i.errors[0] if i.errors else "no result"))
            elif i.errors:
                notes.append("`%s`: %d of its repetitions failed (%s)"
                             % (i.key, len(i.errors), i.errors[0]))
        figs = []
        self.sections.append((fam, group, figs, notes))
        if not rows or not threads:
            notes.append("no usable results: no figure drawn")
            return
        tmin, tmax = threads[0], threads[-1]
        common = {
            "datafile": data_rel, "places": " ".join(places), "rows": " ".join(rowvals),
            "shapes": " ".join(shapes), "shapelabels": " ".join(
                "-" if s == "-" else "pc:" + s for s in shapes),
            "xmin": tmin / 1.35, "xmax": tmax * 1.35,
            "xtics": ",".join(str(t) for t in threads),
            "pus": self.pus if self.pus and tmin <= self.pus < tmax else 0,
        }
        common.update(self._series_words(impls))
        label = "%s %s" % (fam, group) if group != "-" else fam
        if len(rowvals) > 1 and ":" in rowvals[0]:
            label += " by %s" % rowvals[0].split(":", 1)[0]
        elif len(rowvals) > 1:
            label += " (%s)" % ", ".join(rowvals)
        elif rowvals != ["-"]:
            label += " " + rowvals[0]
        shape_keys = ["pc:" + s for s in shapes] if shapes != ["-"] else []
        base = dict(common, **self._layout(len(rowvals), len(places), impls + shape_keys))
        platform = self.run.platform

        def per_row(col_lo, col_hi, logy, zero, scale=1.0):
            lo, hi = [], []
            for rv in rowvals:
                vals = [r[c] / scale for r in rows if r["row"] == rv for c in (col_lo, col_hi)
                        if r[c] is not None]
                a, b = _yrange(vals, logy, zero)
                lo.append(_gp_num(a))
                hi.append(_gp_num(b))
            return " ".join(lo), " ".join(hi)

        def series_missing(metrics):
            """Series (impl at place) without any value of the metrics,
            merged into one sentence per implementation and reason."""
            reasons = {}
            for impl in impls:
                for p in places:
                    sel = [i for i in insts if i.impl == impl and place_label(i) == p]
                    if not sel:
                        continue
                    if not any(i.ok for i in sel):
                        why = "failed"
                    else:
                        lacking = [m for m in metrics if not any(
                            i.values(ct.ops_metric(i) if m == ct.OPS else m)
                            for i in sel if i.ok)]
                        if not lacking:
                            continue
                        why = "no %s counter%s" % (", ".join(lacking),
                                                   "s" if len(lacking) > 1 else "")
                    reasons.setdefault((impl, why), []).append(p)
            return ["%s at place%s %s (%s)" % (impl, "s" if len(ps) > 1 else "", ", ".join(ps), why)
                    for (impl, why), ps in reasons.items()]

        # Throughput.
        pos = [r[c] for r in rows for c in ("ops_lo", "ops_hi") if r[c]]
        logy = bool(pos) and max(pos) / min(pos) > 30
        # Log scale: ops/s with 1k/1M/1G tic labels; linear: a unit that
        # keeps the tic labels short.
        if logy:
            div, unit, yformat = 1.0, "ops/s", "%.0s%c"
        else:
            div, unit = _rate_unit(max(pos) if pos else 1.0)
            yformat = "%g"
        ymins, ymaxs = per_row("ops_lo", "ops_hi", logy, True, div)
        errbars = any(r["reps"] and r["reps"] > 1 for r in rows)
        fig = Figure("throughput", "throughput-%s-%s" % (ct.slug(fam), gslug), "throughput",
                     dict(base, col="ops_per_s", collo="ops_lo", colhi="ops_hi",
                          yscale=div, ylabel="throughput (%s%s)" % (unit, ", log scale" if logy else ""),
                          logy=logy, ymins=ymins, ymaxs=ymaxs, errbars=errbars, yformat=yformat,
                          figtitle="%s — %s: throughput vs threads" % (platform, label)),
                     "Throughput — %s" % label,
                     HOW_TO_READ["throughput"].format(
                         bars="; error bars are 95 % confidence intervals over repetitions"
                         if errbars else "",
                         pus="; the dashed line marks %d PUs, past it threads outnumber PUs"
                         % self.pus if common["pus"] else ""))
        fig.missing = series_missing([ct.OPS])
        figs.append(fig)

        if fam == "counter":
            self._counter(gslug, base, rows, impls, figs, label, logy, div, unit,
                          ymins.split()[0], ymaxs.split()[0], yformat)

        # Latency percentiles: one dash pattern per percentile.
        pcols = [c for c, _ in PERCENTILES if any(r[c] for r in rows)]
        if pcols:
            lmins, lmaxs = per_row(pcols[0], pcols[-1], True, False)
            fig = Figure("latency", "latency-%s-%s" % (ct.slug(fam), gslug), "latency",
                         dict(common, **dict(self._layout(len(rowvals), len(places),
                                                          impls + ["p99.9"] * len(pcols)
                                                          + shape_keys),
                                             pcols=" ".join(pcols),
                                             plabels=" ".join(dict(PERCENTILES)[c] for c in pcols),
                                             ylabel="latency (ns, log scale)",
                                             ymins=lmins, ymaxs=lmaxs,
                                             figtitle="%s — %s: latency percentiles vs threads"
                                             % (platform, label))),
                         "Latency percentiles — %s" % label, HOW_TO_READ["latency"])
            fig.missing = series_missing(pcols)
            figs.append(fig)
        else:
            notes.append("latency figure not drawn: no benchmark reported p50_ns/p99_ns/p999_ns")

        # Fairness: meaningless with one thread.
        if tmax > 1 and any(r["fairness"] is not None for r in rows):
            n = len(rowvals)
            fig = Figure("fairness", "fairness-%s-%s" % (ct.slug(fam), gslug), "fairness",
                         dict(base, ymins=" ".join(["0"] * n), ymaxs=" ".join(["1.05"] * n),
                              figtitle="%s — %s: fairness vs threads" % (platform, label)),
                         "Fairness — %s" % label, HOW_TO_READ["fairness"])
            fig.missing = series_missing(["fairness"])
            figs.append(fig)
        elif tmax > 1:
            notes.append("fairness figure not drawn: no benchmark reported fairness")

        # CPU per operation.
        if any(r["cpu_per_op_ns"] for r in rows):
            cmins, cmaxs = per_row("cpu_per_op_ns", "cpu_per_op_ns", True, False)
            fig = Figure("cpu", "cpu-%s-%s" % (ct.slug(fam), gslug), "cpu",
                         dict(base, ymins=cmins, ymaxs=cmaxs,
                              figtitle="%s — %s: CPU time per operation vs threads"
                              % (platform, label)),
                         "CPU per operation — %s" % label, HOW_TO_READ["cpu"])
            fig.missing = series_missing(["cpu_per_op_ns"])
            figs.append(fig)
        else:
            notes.append("CPU-per-operation figure not drawn: no benchmark reported cpu_per_op_ns")
        self.figures.extend(figs)

    def _counter(self, gslug, base, rows, impls, figs, label, logy, div, unit, ymin, ymax,
                 yformat):
        lossimpls = [m for m in impls if any(r["impl"] == m and (r["lost_pct"] or 0) > 0
                                             for r in rows)]
        lmax = max([r["lost_pct"] for r in rows if r["lost_pct"] is not None] or [1.0])
        nplace = len(base["places"].split())
        lay = self._layout(nplace, 2, impls, panel_h=300, panel_w=440)
        fig = Figure("counter", "counter-lost-%s" % gslug, "counter",
                     dict(base, **dict(lay, col="ops_per_s", yscale=div,
                                       ylabel="increments (%s%s)" % (unit, ", log scale"
                                                                     if logy else ""),
                                       logy=logy, ymin=float(ymin), ymax=float(ymax),
                                       yformat=yformat,
                                       lossimpls=" ".join(lossimpls),
                                       losscolors=" ".join(local_colors(impls)[m]
                                                           for m in lossimpls),
                                       lmax=min(100.0, max(1.0, lmax * 1.15)),
                                       figtitle="%s — %s: lost updates next to locked counters"
                                       % (self.run.platform, label))),
                     "Lost updates — %s" % label, HOW_TO_READ["counter"])
        if not lossimpls:
            fig.missing.append("no implementation lost updates (or none reported lost_updates)")
        figs.append(fig)

    def _c2c(self, insts):
        by = {}
        for i in insts:
            by.setdefault((i.impl, place_label(i) if i.place and not i.place.startswith("cpus:")
                           else "-"), []).append(i)
        for (impl, p), sel in sorted(by.items()):
            cells = {}
            notes = []
            for i in sel:
                pair = c2c_pair(i)
                if pair is None:
                    notes.append("`%s`: no PU pair in its name; left out" % i.key)
                    continue
                if not i.ok:
                    notes.append("`%s` failed: %s" % (i.key, i.errors[0] if i.errors else "?"))
                    continue
                v = c2c_value(i)
                if v is not None:
                    cells[pair] = v
            figs = []
            group = impl if p == "-" else "%s/%s" % (impl, p)
            self.sections.append(("c2c", group, figs, notes))
            if not cells:
                notes.append("no usable round trips: no heatmap drawn")
                continue
            pus = sorted({a for a, _ in cells} | {b for _, b in cells})
            pos = {pu: n for n, pu in enumerate(pus)}
            rows = [{"ia": pos[a], "ib": pos[b], "a": a, "b": b, "ns": v}
                    for (a, b), v in sorted(cells.items())]
            # Symmetric: fill the mirror cell where only one direction ran.
            for (a, b), v in sorted(cells.items()):
                if (b, a) not in cells:
                    rows.append({"ia": pos[b], "ib": pos[a], "a": b, "b": a, "ns": v})
            stem = "c2c-%s" % ct.slug(group)
            rel = "csv/%s.csv" % stem
            self.csv_files[rel] = cio.csv_text(["ia", "ib", "a", "b", "ns"], rows)
            n = len(pus)
            step = 1 if n <= 32 else int(math.ceil(n / 32.0))
            tics = "(" + ", ".join("'%d' %d" % (pu, pos[pu]) for pu in pus[::step]) + ")"
            side = min(1400, max(560, 60 * n + 240))
            vals = [r["ns"] for r in rows]
            what = ("one-way handoff" if "oneway" in impl or "one_way" in impl
                    else "round trip" if "round" in impl or "rtt" in impl
                    else "time per handoff (%s)" % impl)
            fig = Figure("c2c", stem, "c2c",
                         {"datafile": rel, "n": n, "tics": tics, "labels": int(n <= 24),
                          "vmax": max(vals),
                          "cblabel": "%s (ns)" % what, "width": side + 200, "height": side,
                          "figtitle": "%s — core-to-core %s\nmin %.0f ns, max %.0f ns"
                          % (self.run.platform, what, min(vals), max(vals))},
                         "Core-to-core %s — %s" % (what, group),
                         HOW_TO_READ["c2c"].format(what=what[0].upper() + what[1:]))
            if n > 24:
                fig.caption += " Values are printed in the cells only up to 24 PUs; see %s." % rel
            figs.append(fig)
            self.figures.append(fig)

    # ----------------------------------------------------------- output
    def write_csv(self, run_dir):
        csv_dir = os.path.join(run_dir, "csv")
        os.makedirs(csv_dir, exist_ok=True)
        for f in os.listdir(csv_dir):
            if f.endswith(".csv") and ("csv/" + f) not in self.csv_files:
                os.unlink(os.path.join(csv_dir, f))
        for rel, text in self.csv_files.items():
            cio.atomic_write_text(os.path.join(run_dir, rel), text)

    def draw(self, run_dir, jobs=None, gnuplot="gnuplot"):
        """Draws every figure with gnuplot; returns the failures."""
        plots = os.path.join(run_dir, "plots")
        os.makedirs(plots, exist_ok=True)
        exts = ["png"] + (["svg"] if self.svg else [])
        wanted = {"%s.%s" % (f.stem, e) for f in self.figures for e in exts}
        for f in os.listdir(plots):
            if f.endswith((".png", ".svg")) and f not in wanted:
                os.unlink(os.path.join(plots, f))
        tasks = [(f, e) for f in self.figures for e in exts]
        jobs = jobs or min(8, max(2, os.cpu_count() or 2))
        run_dir = os.path.abspath(run_dir)
        tmps = [os.path.join(run_dir, ".tmp-plot-%s.%s" % (f.stem, e)) for f, e in tasks]
        scripts = [(gp_script(dict(f.vars, term=e, outfile=tmp, plotdir=PLOTDIR),
                               gp_program(f.program)), run_dir)
                   for (f, e), tmp in zip(tasks, tmps)]
        try:
            done = gnuplot_run_parallel(scripts, gnuplot, parallel=jobs, timeout=120)
            for (fig, ext), tmp, (rc, err) in zip(tasks, tmps, done):
                err = self._finish_one(run_dir, fig, ext, tmp, rc, err)
                if err:
                    fig.error = err
                else:
                    fig.drawn.append("plots/%s.%s" % (fig.stem, ext))
        finally:
            # Interrupted or not, no half-drawn figure stays behind.
            for tmp in tmps:
                cio.unlink_quietly(tmp)
        return [f for f in self.figures if f.error]

    @staticmethod
    def _finish_one(run_dir, fig, ext, tmp, rc, err):
        """Moves a drawn figure into plots/; returns the error, or None."""
        if rc is None:
            return "gnuplot did not run: %s" % err
        # gnuplot warns (exit 0) about series without points: not failures.
        if rc != 0 or not os.path.exists(tmp) or os.path.getsize(tmp) == 0:
            msg = " ".join(l.strip() for l in err.splitlines() if l.strip())[-300:]
            return "gnuplot failed (%s): %s" % (fig.program, msg or "no output")
        cio.atomic_rename(tmp, os.path.join(run_dir, "plots", "%s.%s" % (fig.stem, ext)))
        return None


def c2c_pair(inst):
    """(a, b) PU OS indexes of a core-to-core benchmark, from its workload
    tokens (`pair:0-1`, `pus:0,1`, `a:0/b:1`, `from:0/to:1`) or from an
    explicit placement `cpus:0,1`."""
    kv = {}
    for tok in inst.name.params:
        k, _, v = tok.partition(":")
        kv[k] = v
        m = re.match(r"^(?:[a-z_]*:)?(\d+)[-x,_>](\d+)$", tok)
        if m:
            return int(m.group(1)), int(m.group(2))
    for a, b in (("a", "b"), ("from", "to"), ("src", "dst"), ("pu_a", "pu_b"), ("cpu_a", "cpu_b")):
        if kv.get(a, "").isdigit() and kv.get(b, "").isdigit():
            return int(kv[a]), int(kv[b])
    if inst.place and inst.place.startswith("cpus:"):
        m = re.match(r"^cpus:(\d+),(\d+)$", inst.place)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def c2c_value(inst):
    """Round trip in ns: a round-trip counter if the benchmark has one,
    else wall time per operation (one operation = one round trip)."""
    for r in inst.reps[:1] or [inst.aggregates.get("mean", {})]:
        for k in r:
            if re.search(r"(round_trip|rtt)", k):
                return inst.mean(k)
    return inst.mean("real_time_ns")


# --------------------------------------------------------------- report


def regenerate(run_dir, svg=False, gnuplot=None):
    """Rewrites csv/, plots/ and report.md of a run folder.

    Returns (report_path, plotter, problems): problems lists figures that
    could not be drawn. Raises cio.ResultsError for unusable input.
    """
    run = cr.load_run(run_dir)
    run_dir = os.path.abspath(run_dir)
    p = Plotter(run, svg=svg)
    p.build()
    p.write_csv(run_dir)
    gp = find_gnuplot(gnuplot)
    note = None
    problems = []
    if not gp:
        note = "gnuplot is not installed (scripts/deps installs gnuplot-nox): no figures drawn."
        problems = list(p.figures)
        for f in p.figures:
            f.error = "gnuplot not installed"
    else:
        problems = p.draw(run_dir, gnuplot=gp)
    path = write_report(run_dir, p, note)
    return path, p, problems


USAGE = """scripts/plot — redraw a run folder's tables, figures and report.

Usage: scripts/plot RUN_DIR [--svg] [--help]

Reads RUN_DIR/gb/*.json (Google Benchmark JSON) and RUN_DIR/meta.json and
rewrites RUN_DIR/csv/*.csv, RUN_DIR/plots/*.png (with --svg also *.svg,
drawn by the gnuplot programs in plots/*.gp) and RUN_DIR/report.md.

Exit status: 0 done; 1 some figure could not be drawn (the report says
which), or the disk filled up while writing; 2 bad usage, unusable input
or a run folder that cannot be written (one line names the file). Every
file is written whole (temp file + rename) or not at all."""


def usage(msg):
    print("scripts/plot: %s (try --help)" % msg, file=sys.stderr)
    sys.exit(2)


def main(argv):
    """scripts/plot."""
    cio.safe_stdio()
    svg = False
    run_dir = None
    for a in argv:
        if a in ("-h", "--help"):
            print(USAGE)
            return 0
        if a == "--svg":
            svg = True
        elif a.startswith("-"):
            usage("unknown option '%s'" % a)
        elif run_dir is None:
            run_dir = a
        else:
            usage("one RUN_DIR expected, got '%s' too" % a)
    if run_dir is None:
        usage("missing RUN_DIR")
    try:
        report, plotter, problems = regenerate(run_dir, svg=svg)
    except cr.ResultsError as e:
        print("scripts/plot: %s" % e, file=sys.stderr)
        return 2
    except OSError as e:
        print("scripts/plot: %s" % cio.os_error_text(e, run_dir), file=sys.stderr)
        return cio.os_error_status(e)
    for f in problems:
        print("scripts/plot: %s: %s" % (f.stem, f.error), file=sys.stderr)
    print(report)
    return 1 if problems else 0


def cli(argv):
    cio.run_main(main, argv)
