"""contend.report — a run folder's report.md and the headline tables."""

import os
import re
import statistics

from . import io as cio, meta as cmeta, tables as ct
from .gnuplot import REPO

def _md_escape(s):
    return str(s).replace("|", "\\|")


def headline_markdown(rows, pus):
    out = ["| family | threads | best implementation | contend's best | best peer "
           "| contend ÷ peer | p99 ÷ peer | cpu/op ÷ peer |",
           "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t = "%d (%s)" % (r["threads"], r["label"]) if r["label"] != "1" else "1"
        if not r["best"]:
            out.append("| %s | %s | not measured | | | | | |" % (r["family"], t))
            continue
        best = "`%s`" % r["best"]
        if r.get("best_ops"):
            best += " %s" % ct.fmt_rate(r["best_ops"])
        ratio = ct.fmt_ratio(r["ratio"])
        if r["ratio"] is not None and r.get("wins"):
            ratio += " (faster in %s workloads)" % r["wins"]
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["family"], t, best, "`%s`" % r["best_ct"] if r["best_ct"] else "—",
            "`%s`" % r["best_peer"] if r["best_peer"] else "—", ratio,
            ct.fmt_ratio(r.get("p99")), ct.fmt_ratio(r.get("cpu"))))
    return "\n".join(out)


def headline_terminal(rows):
    """The headline table for a terminal (under 100 columns)."""
    # ASCII only: terminals and CI logs of any locale.
    lines = ["%-8s %-10s %-36s %s" % ("family", "threads", "best", "contend / best peer")]
    for r in rows:
        t = "%d" % r["threads"] + ("" if r["label"] == "1" else " (%s)" % r["label"])
        if not r["best"]:
            lines.append("%-8s %-10s %s" % (r["family"], t, "not measured"))
            continue
        best = r["best"] + (" " + ct.fmt_rate(r["best_ops"]) if r.get("best_ops") else "")
        if r["ratio"] is not None:
            cmp_ = "%.2fx %s vs %s" % (r["ratio"], r["best_ct"], r["best_peer"])
        elif r["best_ct"]:
            cmp_ = "%s (no peer)" % r["best_ct"]
        else:
            cmp_ = "-"
        lines.append(("%-8s %-10s %-36s %s" % (r["family"], t, best[:36], cmp_))[:99])
    return "\n".join(lines)


def _contend_options(run):
    """The library options contend-bench recorded it was built with, one
    entry per distinct build among the run's files (python-peers' records
    none), or None."""
    found = {cmeta.value(run.meta, ctx, "contend_options") for ctx in run.contexts.values()}
    return "; ".join(sorted(v for v in found if v)) or None


def _meta_table(meta, contend_options=None):
    host = meta.get("host") or {}
    tool = meta.get("toolchain") or {}
    libs = meta.get("libraries") or {}
    git = meta.get("git") or {}
    rows = []

    def add(k, v):
        if v not in (None, "", {}, []):
            rows.append("| %s | %s |" % (k, _md_escape(v)))

    add("CPU", host.get("cpu_model"))
    if host.get("pus") is not None:
        total = host.get("pus_total")
        add("PUs / cores / packages / NUMA nodes", "%s / %s / %s / %s%s" % (
            host.get("pus"), host.get("cores", "?"), host.get("packages", "?"),
            host.get("numa_nodes", "?"),
            " (the run's share; the machine has %s PUs)" % total
            if total and total != host.get("pus") else ""))
    add("SMT (PUs per core)", host.get("smt"))
    add("L3 caches", host.get("l3_caches"))
    add("allowed PUs", host.get("allowed_pus"))
    add("OS", host.get("os"))
    add("kernel", host.get("kernel"))
    add("virtualization", host.get("virtualization"))
    add("frequency governor", host.get("governor") or "not readable")
    add("compiler", tool.get("compiler"))
    add("contend build options", contend_options)
    add("meson / python", " / ".join(x for x in (tool.get("meson"), tool.get("python")) if x))
    for k in sorted(libs):
        add(k, libs[k])
    if git:
        add("git revision", "%s%s" % (git.get("revision", "?"), " (uncommitted changes)"
                                      if git.get("dirty") else ""))
    if not rows:
        return "meta.json is missing or empty: the platform is unknown."
    return "| | |\n|---|---|\n" + "\n".join(rows)


def short_command(cmd):
    """A command with a long exact-name --benchmark_filter shortened."""
    def repl(m):
        n = m.group(1).count("|") + 1
        return "'--benchmark_filter=^(…%d names…)(/.*)?$'" % n
    return re.sub(r"'--benchmark_filter=\^\(([^']{150,})\)\(/\.\*\)\?\$'", repl, cmd)


def _gb_file(run, step):
    """gb/STEP.json, or gb/STEP.json.gz where the run keeps it compressed."""
    name = "gb/%s.json" % step
    return name + ".gz" if name + ".gz" in run.files else name


def _fmt_secs(s):
    if s is None:
        return ""
    s = int(round(s))
    return "%d:%02d" % (s // 60, s % 60)


def _probe(step):
    v = step.get("c2c_p50_ns") if isinstance(step, dict) else None
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 else None


def _probes(steps):
    """(step name, c2c p50 ns) of every step that has a probe."""
    got = [(s.get("name"), _probe(s)) for s in steps]
    return [(n, v) for n, v in got if v is not None]


# Probes this far apart (max / min) mean the steps measured different machines.
C2C_DRIFT = 1.5


def c2c_outliers(steps):
    """The steps whose line round trip (measured before each) lies
    C2C_DRIFT or more from the run's median, either way, and that
    median: [(step, ns)], median; ([], None) without two probes."""
    got = _probes(steps)
    if len(got) < 2:
        return [], None
    mid = statistics.median(v for _, v in got)
    return [(n, v) for n, v in got if v >= C2C_DRIFT * mid or v * C2C_DRIFT <= mid], mid


def c2c_drift(steps):
    """A warning when the line round trip measured before the steps moved
    by C2C_DRIFT or more during the run (a VM whose host moved its vCPUs,
    another job on the machine), else None."""
    got = _probes(steps)
    if len(got) < 2:
        return None
    lo = min(got, key=lambda x: x[1])
    hi = max(got, key=lambda x: x[1])
    if hi[1] < C2C_DRIFT * lo[1]:
        return None
    return ("The cache-line round trip between the first two PUs moved during the run, "
            "from %g ns (before %s) to %g ns (before %s): steps measured under different "
            "costs of sharing a line, so compare contended rows across those steps with "
            "care, and rerun the step (scripts/sweep --filter) to check a surprising one."
            % (lo[1], lo[0], hi[1], hi[0]))


def write_report(run_dir, plotter, gnuplot_note=None):
    run = plotter.run
    meta = run.meta
    out = []
    out.append("# contend results — %s" % run.platform)
    out.append("")
    rid = meta.get("run_id") or os.path.basename(os.path.abspath(run_dir))
    bits = ["run `%s`" % rid]
    if meta.get("started"):
        bits.append("started %s" % meta["started"])
    if meta.get("profile"):
        bits.append("profile `%s`" % meta["profile"])
    settings = meta.get("settings") or {}
    if settings.get("duration") is not None:
        bits.append("%s s per benchmark" % settings["duration"])
    if settings.get("repetitions"):
        bits.append("%s repetition%s" % (settings["repetitions"],
                                         "" if settings["repetitions"] == 1 else "s"))
    if (settings.get("processes") or 1) > 1:
        bits.append("each in %d processes, pooled" % settings["processes"])
    out.append(", ".join(bits) + ".")
    out.append("")
    nbench = len(run.instances)
    nfail = sum(1 for i in run.instances.values() if not i.ok)
    # Listed under Failures too: a result, but an error in some repetition.
    npart = sum(1 for i in run.instances.values() if i.ok and i.errors)
    line = "%d benchmarks in %d result files; %d failed." % (nbench, len(run.files), nfail)
    if npart:
        line += (" %d more %s a result but failed in some repetition%s (listed under "
                 "Failures)." % (npart, "has" if npart == 1 else "have", "" if npart == 1 else "s"))
    out.append(line)
    out.append("")

    out.append("## Headline")
    out.append("")
    out.append("Per family, the implementation with the highest throughput at 1 thread, at "
               "as many threads as PUs, and at four times that (oversubscribed). Every "
               "figure of a benchmark is its median over the repetitions. Each "
               "implementation counts at its best placement; across a family's workloads "
               "implementations are ranked by the geometric mean of their throughput relative "
               "to each workload's best, and *contend ÷ peer* is the geometric mean of contend's "
               "best (`ct_*`) over the best peer (above 1: contend is faster). Implementations "
               "that lose updates are not ranked; baselines (`atomic`, `racy`, `fetch_add`, "
               "`cas`) may rank best but are not peers. The guardrails *p99 ÷ peer* and "
               "*cpu/op ÷ peer* are the geometric means over the same workloads of contend's "
               "p99 latency and CPU time per operation over the peer's (below 1: contend "
               "is better), each at the placement of its best throughput.")
    out.append("")
    out.append(headline_markdown(plotter.headline, run.pus))
    out.append("")
    steps = meta.get("steps") or []
    odd, mid = c2c_outliers(steps)
    if odd:
        out.append("**Measured under another cost of sharing a line:** %s, against a median "
                   "of %g ns over the run's steps (the c2c round trip just before each step, "
                   "What ran): the rows of %s compare implementations within %s, not with "
                   "other families or runs." % (
                       ", ".join("step `%s` (%g ns)" % (n, v) for n, v in odd), mid,
                       "that step" if len(odd) == 1 else "those steps",
                       "it" if len(odd) == 1 else "each step"))
        out.append("")

    out.append("## Platform")
    out.append("")
    out.append(_meta_table(meta, _contend_options(run)))
    out.append("")
    if os.path.exists(os.path.join(run_dir, "topology.png")):
        out.append("![hwloc topology of the machine](topology.png)")
        out.append("")
        out.append("The machine as hwloc sees it (lstopo): packages, caches, cores and PUs with "
                   "their OS indexes, which the `place:` policies and the heatmap use. "
                   "`topology.xml` holds the same for `contend-bench --topology`.")
        out.append("")

    out.append("## What ran")
    out.append("")
    cmds = meta.get("commands") or []
    if meta.get("sweep_command"):
        out.append("Started as `%s`; it ran:" % meta["sweep_command"])
        out.append("")
    if cmds:
        out.append("```")
        out.extend(short_command(c) for c in cmds)
        out.append("```")
        if any(short_command(c) != c for c in cmds):
            out.append("")
            out.append("Filters listing benchmark names are shortened here; `meta.json` has "
                       "every command in full.")
        out.append("")
    if steps:
        probes = [_probe(s) for s in steps]
        probed = any(v is not None for v in probes)
        out.append("| step | status | benchmarks | errors | time |%s result |"
                   % (" c2c p50 before |" if probed else ""))
        out.append("|---|---|---|---|---|%s---|" % ("---|" if probed else ""))
        for s, v in zip(steps, probes):
            out.append("| %s | %s | %s | %s | %s |%s %s |" % (
                s.get("name"), s.get("status"), s.get("benchmarks", ""),
                s.get("errors", "") if s.get("errors") else "",
                _fmt_secs(s.get("seconds")),
                (" %s |" % ("%g ns" % v if v is not None else "")) if probed else "",
                "`%s`" % _gb_file(run, s.get("name")) if s.get("status") in ("ok", "partial")
                else _md_escape(s.get("message", ""))))
        out.append("")
        drift = c2c_drift(steps)
        if probed:
            out.append("*c2c p50 before*: the cache-line round trip between the run's first "
                       "two PUs, measured just before the step (`c2c/roundtrip`, 3 short "
                       "repetitions).")
            out.append("")
        if drift:
            out.append("**%s**" % drift)
            out.append("")
    if not cmds and not steps:
        out.append("Result files: " + ", ".join("`%s`" % f for f in run.files))
        out.append("")

    out.append("## Figures")
    out.append("")
    if gnuplot_note:
        out.append("**%s**" % gnuplot_note)
        out.append("")
    last_fam = None
    for fam, group, figs, notes in plotter.sections:
        if fam != last_fam:
            out.append("### %s" % fam)
            out.append("")
            last_fam = fam
        if group != "-":
            out.append("#### %s · %s" % (fam, group))
            out.append("")
        for f in figs:
            img = [d for d in f.drawn if d.endswith(".png")]
            if img:
                out.append("![%s](%s)" % (f.title, img[0]))
                out.append("")
                out.append("*%s.* %s" % (f.title, f.caption))
            else:
                out.append("*%s* — not drawn: %s" % (f.title, f.error or "gnuplot unavailable"))
            if f.missing:
                out.append("Not shown (no data): %s." % "; ".join(f.missing))
            out.append("")
        shown = notes if len(notes) <= 6 else notes[:5]
        for n in shown:
            out.append("- %s" % n)
        if len(shown) < len(notes):
            out.append("- … and %d more (see Failures below)" % (len(notes) - len(shown)))
        if notes:
            out.append("")

    if plotter.workloads:
        out.append("## All workloads")
        out.append("")
        out.append("Best implementation per workload and thread count (best placement), and "
                   "contend's best over the best peer.")
        out.append("")
        out.append("| family | workload | threads | best | throughput | contend ÷ peer |")
        out.append("|---|---|---|---|---|---|")
        for r in plotter.workloads:
            ratio = ct.fmt_ratio(r["ratio"])
            if r["ratio"] is not None:
                ratio += " (`%s` vs `%s`)" % (r["best_ct"], r["best_peer"])
            out.append("| %s | %s | %s | `%s` | %s | %s |" % (
                r["family"], _md_escape(r["workload"]), r["threads"], r["best"],
                ct.fmt_rate(r["best_ops"]), ratio))
        out.append("")

    failed = [i for i in run.instances.values() if i.errors]
    bad_steps = [s for s in steps if s.get("status") not in ("ok",)]
    if failed or bad_steps:
        out.append("## Failures")
        out.append("")
        for s in bad_steps:
            out.append("- step `%s`: %s%s" % (s.get("name"), s.get("status"),
                                              ": " + s["message"] if s.get("message") else ""))
        for i in failed:
            out.append("- `%s`: %s%s" % (i.key, i.errors[0],
                                          "" if i.ok else " (no result)"))
        out.append("")

    out.append("## Files")
    out.append("")
    where = os.path.relpath(os.path.abspath(run_dir), REPO)
    if where.startswith(".."):
        where = "RUN_DIR"
    out.append("`gb/*.json` Google Benchmark output (one file per step; `gb/*.log` the console "
               "output of steps where something failed); `csv/results.csv` one row per benchmark (means and 95 % intervals), "
               "`csv/repetitions.csv` every repetition, `csv/fig-*.csv` the data of each figure; "
               "`plots/` the figures; `meta.json` platform, settings and commands. Redraw with "
               "`scripts/plot " + where + "`.")
    out.append("")
    path = os.path.join(run_dir, "report.md")
    cio.atomic_write_text(path, "\n".join(out))
    return path
