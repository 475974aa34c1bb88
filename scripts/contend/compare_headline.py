"""contend.compare_headline — scripts/compare --headline: each run's headline
(report.md's: contend ÷ its hardest peer per family at 1, PUs and 4xPUs
threads, with the p99 and cpu/op guardrails) side by side, the band over
the runs, and in how many of them each cell meets the bar."""

from . import io as cio
from .compare_load import WIDTH, run_warnings
from .compare_render import wrap

# The bar a headline cell meets (issue 13): contend's ops/s at least the
# peer's, its p99 at most the peer's, its cpu/op at most 1.2x the peer's.
BAR_OPS, BAR_P99, BAR_CPU = 1.0, 1.0, 1.2


def cells(runs):
    """[((family, label), [headline row or None, one per run])], in the
    order the runs list them (report.md's order); cells with a ratio in
    no run (baseline families such as atomic) are left out."""
    order, by_key = [], {}
    for i, run in enumerate(runs):
        for h in run.headline:
            key = (h['family'], h['label'])
            if key not in by_key:
                by_key[key] = [None] * len(runs)
                order.append(key)
            by_key[key][i] = h
    return [(k, by_key[k]) for k in order
            if any(h is not None and h.get('ratio') is not None for h in by_key[k])]


def fmt(v):
    """A ratio: two decimals, three next to 1 (where the bar is), one from 10 up."""
    if v >= 10:
        return '%.1f' % v
    return '%.3f' % v if 0.99 <= v < 1.01 else '%.2f' % v


def misses(h):
    """What a measured cell misses of the bar: a string of 'o' (ops/s),
    'p' (p99), 'c' (cpu/op); '' when it meets it; None when the cell has no
    ratio (no contend or no peer). A guardrail neither side reported is
    not held against the cell."""
    if h is None or h.get('ratio') is None:
        return None
    out = ''
    if h['ratio'] < BAR_OPS:
        out += 'o'
    if h.get('p99') is not None and h['p99'] > BAR_P99:
        out += 'p'
    if h.get('cpu') is not None and h['cpu'] > BAR_CPU:
        out += 'c'
    return out


def _band(row):
    vals = [h['ratio'] for h in row if h is not None and h.get('ratio') is not None]
    return (min(vals), max(vals)) if vals else None


def _met(row):
    ms = [misses(h) for h in row]
    measured = [m for m in ms if m is not None]
    return sum(1 for m in measured if m == ''), len(measured)


def _threads(key, row):
    family, label = key
    ts = sorted({h['threads'] for h in row if h is not None})
    return label if label == '1' else '%s (%s)' % (label, ','.join(str(t) for t in ts))


def render_terminal(runs):
    out = ['headline: contend / its hardest peer per family (report.md\'s Headline), per run;',
           'met: ops/s >= %gx, p99 <= %gx and cpu/op <= %gx the peer\'s; a cell that misses'
           % (BAR_OPS, BAR_P99, BAR_CPU),
           'is marked o (ops/s), p (p99), c (cpu/op) where the runs fit the width', '']
    for r in runs:
        out.append('%s  %s' % (r.label, r.path))
    for w in run_warnings(runs):
        out.extend(wrap('warning: ' + w, '         '))
    out.append('')
    # Each run's column holds the ratio and its misses; with too many runs
    # for the width, the ratio alone (the met column still counts misses).
    col = 11 if 22 + 11 * len(runs) + 16 <= WIDTH else 7
    head = '%-8s %-12s ' % ('family', 'threads') + ''.join(
        '%-*s' % (col, r.label) for r in runs) + '%-12s %s' % ('band', 'met')
    out.append(head[:WIDTH])
    for key, row in cells(runs):
        vals = []
        for h in row:
            m = misses(h)
            if m is None:
                vals.append('-')
            else:
                vals.append(('%s %s' % (fmt(h['ratio']), m if col > 7 else '')).rstrip())
        band = _band(row)
        met, n = _met(row)
        line = '%-8s %-12s ' % (key[0], _threads(key, row)[:12]) + ''.join(
            '%-*s' % (col, v) for v in vals) + '%-12s %s' % (
            '%s-%s' % (fmt(band[0]), fmt(band[1])) if band else '-',
            '%d/%d' % (met, n) if n else '-')
        out.append(line[:WIDTH])
    return '\n'.join(out) + '\n'


def render_markdown(runs):
    out = ['# contend headline, run by run', '',
           'Each cell: contend ÷ its hardest peer (ops/s, geometric mean over the family\'s '
           'workloads, report.md\'s Headline), then p99 and cpu/op ÷ the same peer. *Met*: '
           'ops/s ≥ %g×, p99 ≤ %g× and cpu/op ≤ %g× in that run.' % (BAR_OPS, BAR_P99, BAR_CPU),
           '']
    out.append('| run | folder |')
    out.append('|---|---|')
    for r in runs:
        out.append('| %s | `%s` |' % (r.label, r.path))
    out.append('')
    for w in run_warnings(runs):
        out.append('> **Warning:** %s\n' % w)
    out.append('| family | threads | ' + ' | '.join(r.label for r in runs) + ' | band | met |')
    out.append('|---|---|' + '---|' * len(runs) + '---|---|')
    for key, row in cells(runs):
        vals = []
        for h in row:
            if misses(h) is None:
                vals.append('—')
                continue
            bits = ['p99 %.2f' % h['p99'] if h.get('p99') is not None else None,
                    'cpu %.2f' % h['cpu'] if h.get('cpu') is not None else None]
            g = ', '.join(b for b in bits if b)
            v = '%s× %s%s' % (fmt(h['ratio']), h['best_peer'], ' (%s)' % g if g else '')
            vals.append('**%s**' % v if misses(h) else v)
        band = _band(row)
        met, n = _met(row)
        out.append('| %s | %s | %s | %s | %s |' % (
            key[0], _threads(key, row), ' | '.join(vals),
            '%s–%s×' % (fmt(band[0]), fmt(band[1])) if band else '—',
            '%d of %d' % (met, n) if n else '—'))
    out.append('')
    out.append('Bold: the cell misses the bar in that run.')
    return '\n'.join(out) + '\n'


CSV_FIELDS = ['family', 'threads_label', 'run', 'run_folder', 'threads', 'contend', 'peer',
              'ratio', 'p99_ratio', 'cpu_ratio', 'met', 'misses']


def render_csv(runs):
    rows = []
    for key, row in cells(runs):
        for run, h in zip(runs, row):
            if h is None:
                continue
            m = misses(h)
            rows.append([key[0], key[1], run.label, str(run.path), h['threads'],
                         h.get('best_ct'), h.get('best_peer'), h.get('ratio'), h.get('p99'),
                         h.get('cpu'), None if m is None else int(m == ''), m])
    return cio.csv_text(CSV_FIELDS, rows)
