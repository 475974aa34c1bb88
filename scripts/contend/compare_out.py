"""contend.compare_out — compare --out: overlay figures (gnuplot) and the output folder."""

import math
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from . import gnuplot, io as cio, tables as ct
from .gnuplot import gp_str
from .compare_load import C2C_FAMILY, FIXED_TEAM, METRICS, PLOTS, THREADS, InputError
from .compare_render import ratio_name, render_csv, render_families_csv, render_markdown, sig


# Figures: data files and gnuplot (plots/compare.gp, plots/compare_families.gp).
# ---------------------------------------------------------------------------

def series_of(name):
    """The benchmark's name without its threads component (one figure each)."""
    return THREADS.sub('', name, count=1)


def _dat(v):
    return '?' if v is None or not math.isfinite(v) else repr(float(v))


def relative_x(cmp, series):
    """Whether a figure's x axis is threads / PUs (the normalized view, except
    for fixed teams, which that view matches by name)."""
    return cmp.view == 'normalized' and not FIXED_TEAM.search(series)


def overlay_figures(cmp):
    """[(series, {run: [(x, {metric: (mean, lo, hi)})]})] for matched series."""
    change = {}     # series -> its biggest change: figures in that order
    for r in cmp.rows:
        if r.family != C2C_FAMILY and r.base_threads is not None:
            s = series_of(r.base_name)
            change[s] = max(change.get(s, -1.0), r.change)
    figs = []
    for series in sorted(change, key=lambda s: (-change[s], s)):
        per_run = {}
        for run in cmp.runs:
            points = []
            for name, bench in run.benchmarks.items():
                t = bench.threads
                if t is None or series_of(name) != series:
                    continue
                x = t / run.pus if relative_x(cmp, series) and run.pus else t
                vals = {}
                for m in METRICS:
                    s = bench.samples.get(m.key)
                    if s:
                        vals[m.key] = (statistics.fmean(s), min(s), max(s))
                points.append((x, vals))
            if points:
                per_run[run] = sorted(points, key=lambda p: p[0])
        if len(per_run) >= 2:
            figs.append((series, per_run))
    return figs


def write_overlay_data(path, cmp, per_run):
    lines = ['# x ' + ' '.join(f'{m.key}_mean {m.key}_min {m.key}_max' for m in METRICS)]
    for run in cmp.runs:
        lines.append(f'# {run.label}: {run.name}')
        for x, vals in per_run.get(run, []):
            cols = [_dat(x)]
            for m in METRICS:
                cols.extend(_dat(v) for v in vals.get(m.key, (None, None, None)))
            lines.append(' '.join(cols))
        if not per_run.get(run):
            lines.append(' '.join(['?'] * (1 + 3 * len(METRICS))))
        lines.extend(['', ''])
    write_text(path, '\n'.join(lines) + '\n')


def overlay_script(cmp, series, per_run, datafile, outfile):
    panels = []
    for i, m in enumerate(METRICS):
        ys = [v for pts in per_run.values() for _, vals in pts
              for v in vals.get(m.key, ())[:1]]
        if not ys:
            continue
        log = m.unit in ('ns', 'ops/s') and all(y > 0 for y in ys)
        better = 'higher' if m.higher_is_better else 'lower'
        panels.append((2 + 3 * i, f'{m.title}, {better} is better', int(log)))
    if not panels:
        return None
    xlabel = 'threads / PUs' if relative_x(cmp, series) else 'threads'
    s = [f'datafile = {gp_str(datafile)}', f'outfile = {gp_str(outfile)}',
         f'figtitle = {gp_str(series + "  (" + ratio_name(cmp) + ", " + cmp.view + " view)")}',
         f'xlabel = {gp_str(xlabel)}', f'nruns = {len(cmp.runs)}', f'npanels = {len(panels)}']
    for i, run in enumerate(cmp.runs, 1):
        pus = f' ({run.pus} PU{"s" if run.pus != 1 else ""})' if run.pus else ''
        s.append(f'runtitle{i} = {gp_str(run.label + ": " + run.name + pus)}')
    for k, (col, title, log) in enumerate(panels, 1):
        s.append(f'panelcol{k} = {col}; paneltitle{k} = {gp_str(title)}; panellog{k} = {log}')
    return gnuplot.script(s, PLOTS / 'compare.gp')


def families_figure(cmp, datafile, outfile):
    fams = cmp.families()
    if not fams:
        return None
    names = sorted({fam for _, fam, _ in fams})
    lines = ['# family_index family ' + ' '.join(m.key for m in METRICS)]
    for other in cmp.others:
        lines.append(f'# {other.label}/{cmp.base.label}')
        for i, fam in enumerate(names):
            cells = next((c for o, f, c in fams if o is other and f == fam), {})
            lines.append(f'{i} {fam} ' + ' '.join(
                _dat(cells[m.key][0]) if m.key in cells else '?' for m in METRICS))
        lines.extend(['', ''])
    write_text(datafile, '\n'.join(lines) + '\n')
    s = [f'datafile = {gp_str(datafile)}', f'outfile = {gp_str(outfile)}',
         'figtitle = ' + gp_str(f'geometric mean of {ratio_name(cmp)} per family '
                                f'({cmp.view} view)'),
         f'nothers = {len(cmp.others)}', f'nfamilies = {len(names)}',
         'familytics = ' + gp_str('(' + ', '.join(
             f'{gp_str(fam)} {i}' for i, fam in enumerate(names)) + ')')]
    for i, other in enumerate(cmp.others, 1):
        title = f'{other.label}/{cmp.base.label}: {other.name} / {cmp.base.name}'
        s.append(f'othertitle{i} = {gp_str(title)}')
    k = 0
    for i, m in enumerate(METRICS):
        ratios = [c[m.key][0] for _, _, c in fams if m.key in c]
        if not ratios:
            continue
        k += 1
        better = 'higher' if m.higher_is_better else 'lower'
        lo, hi = min(ratios + [1.0]) / 1.3, max(ratios + [1.0]) * 1.3
        tics = ', '.join(sig(t) for t in ratio_tics(lo, hi))
        title = f'{m.label}: ratio {ratio_name(cmp)}, {better} is better'
        s.append(f'panelcol{k} = {3 + i}; paneltitle{k} = {gp_str(title)}; '
                 f'panelmin{k} = {lo!r}; panelmax{k} = {hi!r}; '
                 f'paneltics{k} = {gp_str("(" + tics + ")")}')
    s.append(f'npanels = {k}')
    return gnuplot.script(s, PLOTS / 'compare_families.gp')


def ratio_tics(lo, hi):
    """A few readable tics for a logarithmic ratio axis from lo to hi."""
    decades = [10.0 ** e for e in range(-6, 7)]
    halves = sorted({m * d for d in decades for m in (1, 2, 5)})
    fine = sorted(set(halves) | {0.8, 0.9, 1.1, 1.25, 1.5})
    for ladder in (decades, halves, fine):
        tics = [t for t in ladder if lo <= t <= hi]
        if len(tics) >= 3 or ladder is fine:
            return tics
    return [1.0]


def write_text(path, text):
    """UTF-8 text; a folder name that is not UTF-8 shows as \\xNN."""
    Path(path).write_text(cio.printable(text), encoding='utf-8')


def write_out_dir(cmp, out, max_figures=None):
    """Builds DIR in a temporary sibling, then swaps it in. -> failures."""
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise InputError(f'--out {out}: exists and is not a folder')
        if any(out.iterdir()) and not (out / 'compare.md').exists():
            raise InputError(f'--out {out}: folder exists and is not a compare output '
                             '(no compare.md); give a new or empty folder')
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f'.{out.name}.tmp-', dir=out.parent))
        try:
            failures = _fill_out_dir(cmp, tmp, max_figures)
            os.chmod(tmp, 0o755)
            if out.exists():
                old = Path(tempfile.mkdtemp(prefix=f'.{out.name}.old-', dir=out.parent))
                os.rename(out, old / 'x')
                os.rename(tmp, out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    except OSError as e:    # named after DIR, not the temporary sibling
        raise OSError(e.errno, e.strerror, str(out)) from None
    return failures


def _fill_out_dir(cmp, d, max_figures=None):
    (d / 'data').mkdir()
    (d / 'figures').mkdir()
    write_text(d / 'compare.csv', render_csv(cmp))
    write_text(d / 'families.csv', render_families_csv(cmp))
    scripts, figures, failures = [], [], []
    text = families_figure(cmp, str(d / 'data' / 'families.dat'),
                           str(d / 'figures' / 'families.png'))
    if text:
        scripts.append(('families.png', text))
        figures.append(('figures/families.png', 'geometric mean of the ratios per family'))
    used = set()
    overlays = overlay_figures(cmp)
    skipped = 0
    if max_figures is not None and len(overlays) > max_figures:
        skipped = len(overlays) - max_figures
        overlays = overlays[:max_figures]
    for series, per_run in overlays:
        base = ct.slug(series)
        name, n = base, 2
        while name in used:
            name, n = f'{base}-{n}', n + 1
        used.add(name)
        dat = d / 'data' / f'{name}.dat'
        write_overlay_data(dat, cmp, per_run)
        text = overlay_script(cmp, series, per_run, str(dat), str(d / 'figures' / f'{name}.png'))
        if text:
            scripts.append((f'{name}.png', text))
            figures.append((f'figures/{name}.png', series))
    if scripts:
        if gnuplot.find() is None:
            failures.append('gnuplot not found: figures not drawn')
        else:
            failures.extend(gnuplot.run_all(scripts))
    drawn = [(rel, cap) for rel, cap in figures if (d / rel).is_file() and (d / rel).stat().st_size]
    write_text(d / 'compare.md', render_markdown(cmp, drawn, skipped))
    return failures


# ---------------------------------------------------------------------------
