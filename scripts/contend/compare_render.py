"""contend.compare_render — a comparison as a terminal table, markdown and CSV."""

import math
import textwrap

from . import io as cio
from .compare_load import CI_LEVEL, METRIC_BY_KEY, METRICS, WIDTH, threads_of


# ---------------------------------------------------------------------------
# Formatting.
# ---------------------------------------------------------------------------

def sig(x, digits=3):
    if x is None or not math.isfinite(x):
        return '-'
    if x == 0:
        return '0'
    if abs(x) >= 10 ** digits:
        return f'{x:.0f}'
    s = f'{x:#.{digits}g}'
    if 'e' in s:
        return f'{x:.{digits - 1}e}'
    return s.rstrip('.')


def fmt_value(metric, v):
    if v is None:
        return '-'
    if metric.unit == 'ns':
        for div, unit in ((1e9, 's'), (1e6, 'ms'), (1e3, 'us')):
            if abs(v) >= div:
                return f'{sig(v / div)}{unit}'
        return f'{sig(v)}ns'
    if metric.unit == 'ops/s':
        for div, unit in ((1e9, 'G'), (1e6, 'M'), (1e3, 'k')):
            if abs(v) >= div:
                return f'{sig(v / div)}{unit}'
        return sig(v)
    return sig(v)


def fmt_ns(v):
    return fmt_value(METRIC_BY_KEY['p99_ns'], v) if v else '-'


def fmt_p(p):
    if p is None:
        return '-'
    return '<0.001' if p < 0.001 else f'{p:.3f}'


def fmt_ci(ci):
    return f'[{sig(ci[0])}, {sig(ci[1])}]' if ci else '-'


def fit(line, width=WIDTH):
    return line if len(line) <= width else line[:width - 3] + '...'


def wrap(text, indent='   '):
    """Prose for the terminal: wrapped at WIDTH, continuation lines indented."""
    return textwrap.wrap(text, WIDTH, subsequent_indent=indent, break_long_words=True,
                         break_on_hyphens=False)


def run_lines(run):
    first = f'{run.label}  {run.name}'
    if run.note:
        first += f'  ({run.note})'
    bits = [run.date or 'date ?',
            f'rev {run.revision}' if run.revision else 'rev ?',
            run.compiler or 'compiler ?',
            f'{run.pus} PU{"s" if run.pus != 1 else ""}' if run.pus else 'PUs ?',
            f'Google Benchmark {run.gb_version}' if run.gb_version else 'Google Benchmark ?',
            f'{run.repetitions} repetition{"s" if run.repetitions != 1 else ""}']
    return [first, '   ' + ', '.join(bits), f'   {run.path}']


def floor_line(cmp):
    parts = []
    for r in cmp.runs:
        if r.floor_ns:
            parts.append(f'{r.label} {fmt_ns(r.floor_ns)} ({r.floor_pairs} '
                         f'pair{"s" if r.floor_pairs != 1 else ""})')
        else:
            parts.append(f'{r.label} none (no c2c benchmarks)')
    return 'physical floor, median c2c round trip: ' + ', '.join(parts)


def ratio_name(cmp):
    names = '/'.join(o.label for o in cmp.others)
    return f'{names} vs {cmp.base.label}' if len(cmp.others) > 1 else f'{names}/{cmp.base.label}'


def render_terminal(cmp, top=None):
    out = []
    others = ' and '.join(o.label for o in cmp.others)
    out.append(fit(f'contend compare: {others} against baseline {cmp.base.label}'))
    for run in cmp.runs:
        for line in run_lines(run):
            out.extend(wrap(line, '     '))
    for w in cmp.warnings():
        out.extend(wrap(f'warning: {w}', '         '))
    out.extend(wrap(cmp.view_line()))
    out.extend(wrap(floor_line(cmp)))
    r = 'X' if len(cmp.others) > 1 else cmp.others[0].label
    out.extend(wrap(f'ratio = {r}/{cmp.base.label} of the means; 95% CI by bootstrap; '
                    f'p: Mann-Whitney U, two-sided; alpha = {cmp.alpha:g}; '
                    'floor = the ratio after dividing each platform\'s p99 (multiplying its '
                    'ops/s) by its own c2c round trip'))
    out.append('')

    multi = len(cmp.others) > 1
    a = cmp.base.label
    b = 'X' if multi else cmp.others[0].label
    # indent 2 | run 3 (several runs) | metric 8 | A 9 | X 9 | ratio 7 | floor 7 |
    # CI 18 | p 7 | verdict 10
    def line(run, metric, va, vx, ratio, floor, ci, p, verdict):
        s = '  ' + (f'{run:<4}' if multi else '')
        s += f'{metric:<8} {va:>9} {vx:>9} {ratio:>7} {floor:>7}  '
        if ci is None:      # "not enough repetitions" spans CI, p, verdict
            s += verdict
        else:
            s += f'{ci:<18} {p:>7}  {verdict}'
        return fit(s.rstrip())
    out.append(line('run', 'metric', a, b, f'{b}/{a}', 'floor', f'{int(CI_LEVEL * 100)}% CI',
                    'p', 'verdict'))
    out.append('-' * min(WIDTH, len(out[-1]) + 4))
    groups = cmp.groups()
    shown = groups if top is None else groups[:top]
    for key, rows in shown:
        head = key
        if cmp.view == 'normalized':
            counts = []
            for run in cmp.runs:
                t = next((threads_of(r.base_name if run is cmp.base else r.other_name)
                          for r in rows if run is cmp.base or r.other is run), None)
                if t is not None:
                    counts.append(f'{run.label} {t}')
            if counts:
                head += f'  (threads: {", ".join(counts)})'
        out.append(fit(head))
        for row in rows:
            verdict = row.verdict(cmp.alpha)
            out.append(line(row.other.label, row.metric.label,
                            fmt_value(row.metric, row.a_mean), fmt_value(row.metric, row.x_mean),
                            sig(row.ratio), sig(row.floor_ratio),
                            None if not row.enough else fmt_ci(row.ci), fmt_p(row.p), verdict))
    if top is not None and len(groups) > top:
        out.append(f'... {len(groups) - top} more benchmarks (--top)')
    out.append('')
    out.extend(render_families_terminal(cmp))
    for line in not_compared_lines(cmp, limit=3):
        out.extend(wrap(line))
    return '\n'.join(out) + '\n'


def render_families_terminal(cmp):
    fams = cmp.families()
    if not fams:
        return []
    multi = len(cmp.others) > 1
    out = [fit(f'geometric mean of {ratio_name(cmp)} per family  '
               '(+better -worse: significant rows, of n rows)')]
    head = f'{"family":<12}' + (f'{"run":<4}' if multi else '')
    head += ''.join(f'{m.label:<21}' for m in METRICS)
    out.append(fit(head.rstrip()))
    for other, fam, cells in fams:
        s = f'{fit(fam, 11):<12}' + (f'{other.label:<4}' if multi else '')
        for m in METRICS:
            if m.key in cells:
                gm, n, better, worse = cells[m.key]
                s += f'{sig(gm) + f" +{better} -{worse} /{n}":<21}'
            else:
                s += f'{"-":<21}'
        out.append(fit(s.rstrip()))
    return out


def not_compared_lines(cmp, limit=None):
    out = []
    for run in cmp.runs:
        names = cmp.only_in.get(run.label, [])
        if names:
            shown = names if limit is None else names[:limit]
            more = f', ... {len(names) - len(shown)} more' if len(shown) < len(names) else ''
            out.append(f'only in {run.label} ({len(names)}): {", ".join(shown)}{more}')
        if run.failed:
            names = sorted(run.failed)
            shown = names if limit is None else names[:limit]
            more = f', ... {len(names) - len(shown)} more' if len(shown) < len(names) else ''
            out.append(f'failed in {run.label} ({len(names)}): '
                       + ', '.join(f'{n} ({run.failed[n]})' for n in shown) + more)
    return out


def _md(s):
    return str(s).replace('|', '\\|')


def render_markdown(cmp, figures=None, skipped_figures=0):
    out = []
    others = ', '.join(o.label for o in cmp.others)
    out.append(f'# contend compare: {others} against {cmp.base.label}\n')
    out.append('| run | platform | run id | date | revision | compiler | PUs | '
               'Google Benchmark | repetitions | c2c round trip | folder |')
    out.append('|---|---|---|---|---|---|---|---|---|---|---|')
    for r in cmp.runs:
        out.append('| ' + ' | '.join(_md(v) for v in (
            r.label, r.platform, r.run_id + (f' ({r.note})' if r.note else ''), r.date or '?',
            r.revision or '?', r.compiler or '?',
            f'{r.pus} ({r.pus_source})' if r.pus else '?', r.gb_version or '?',
            r.repetitions, fmt_ns(r.floor_ns) if r.floor_ns else 'no c2c',
            f'`{r.path}`')) + ' |')
    out.append('')
    for w in cmp.warnings():
        out.append(f'> **Warning:** {w}\n')
    out.append(f'*{cmp.view_line()[0].upper() + cmp.view_line()[1:]}.* Ratios are of the means '
               f'over repetitions; the interval is a {int(CI_LEVEL * 100)} % bootstrap '
               'interval of the ratio; p is a two-sided Mann-Whitney U test; verdicts use '
               f'alpha = {cmp.alpha:g}. The *floor* column is the ratio after dividing each '
               'platform\'s p99 latency (multiplying its throughput) by its own core-to-core '
               'round trip, for benchmarks with two or more threads: near 1 there means the '
               'difference is the interconnect\'s, not the primitive\'s.\n')

    fams = cmp.families()
    if fams:
        out.append(f'## Per family: geometric mean of {ratio_name(cmp)}\n')
        out.append('Each cell: geometric mean of the ratios, then how many rows are '
                   'significantly better / worse, of how many.\n')
        out.append('| family | run | ' + ' | '.join(
            f'{m.label} ({"higher" if m.higher_is_better else "lower"} is better)'
            for m in METRICS) + ' |')
        out.append('|---|---|' + '---|' * len(METRICS))
        for other, fam, cells in fams:
            vals = []
            for m in METRICS:
                if m.key in cells:
                    gm, n, better, worse = cells[m.key]
                    vals.append(f'{sig(gm)} ({better} better, {worse} worse, of {n})')
                else:
                    vals.append('-')
            out.append(f'| {_md(fam)} | {other.label}/{cmp.base.label} | '
                       + ' | '.join(vals) + ' |')
        out.append('')

    if figures:
        out.append('## Figures\n')
        out.append('Per family the geometric mean of the ratios, then one figure per '
                   'benchmark series (a workload, implementation and placement against '
                   'the thread count), biggest change first: one line per run, same axes; '
                   'error bars span the repetitions (minimum to maximum).\n')
        for rel, caption in figures:
            out.append(f'![{_md(caption)}]({rel})\n')
        if skipped_figures:
            out.append(f'{skipped_figures} more series changed less and are not drawn '
                       '(`--figures N` or `--figures all` draws more).\n')

    out.append('## Benchmarks, biggest change first\n')
    a = cmp.base.label
    out.append(f'| benchmark | metric | threads | {a} | value | ratio to {a} | floor | '
               f'{int(CI_LEVEL * 100)} % CI | p | verdict |')
    out.append('|---|---|---|---|---|---|---|---|---|---|')
    for row in cmp.rows:
        threads = f'{row.base_threads or "-"} / {row.other_threads or "-"}'
        out.append('| ' + ' | '.join(_md(v) for v in (
            f'`{row.key}`', row.metric.label, threads, fmt_value(row.metric, row.a_mean),
            f'{row.other.label} {fmt_value(row.metric, row.x_mean)}', sig(row.ratio),
            sig(row.floor_ratio), fmt_ci(row.ci) if row.enough else '-',
            fmt_p(row.p), row.verdict(cmp.alpha))) + ' |')
    out.append('')
    lines = not_compared_lines(cmp)
    if lines:
        out.append('## Not compared\n')
        out.extend(f'- {_md(line)}' for line in lines)
        out.append('')
    return '\n'.join(out)


CSV_FIELDS = ['view', 'benchmark', 'family', 'metric', 'higher_is_better',
              'base', 'base_run', 'other', 'other_run',
              'base_name', 'other_name', 'base_threads', 'other_threads',
              'base_n', 'other_n', 'base_mean', 'other_mean',
              'ratio', 'ci_low', 'ci_high', 'p_value', 'significant', 'verdict',
              'base_floor_ns', 'other_floor_ns', 'base_in_floors', 'other_in_floors',
              'floor_ratio']


def render_csv(cmp):
    rows = []
    for r in cmp.rows:
        rows.append([
            cmp.view, r.key, r.family, r.metric.key, int(r.metric.higher_is_better),
            cmp.base.label, cmp.base.name, r.other.label, r.other.name,
            r.base_name, r.other_name, r.base_threads, r.other_threads,
            len(r.a), len(r.x), r.a_mean, r.x_mean,
            r.ratio, r.ci[0] if r.ci else None, r.ci[1] if r.ci else None,
            r.p, ('yes' if r.significant(cmp.alpha) else 'no') if r.enough else None,
            r.verdict(cmp.alpha), cmp.base.floor_ns, r.other.floor_ns,
            r.a_floor, r.x_floor, r.floor_ratio])
    return cio.csv_text(CSV_FIELDS, rows)


FAMILY_CSV_FIELDS = ['view', 'family', 'base', 'other', 'metric', 'geomean_ratio', 'rows',
                     'significantly_better', 'significantly_worse']


def render_families_csv(cmp):
    rows = []
    for other, fam, cells in cmp.families():
        for m in METRICS:
            if m.key in cells:
                gm, n, better, worse = cells[m.key]
                rows.append([cmp.view, fam, cmp.base.label, other.label, m.key,
                             gm, n, better, worse])
    return cio.csv_text(FAMILY_CSV_FIELDS, rows)


# ---------------------------------------------------------------------------
