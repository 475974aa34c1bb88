"""contend.compare_stats — rows of a comparison: significance (Mann-Whitney U),
bootstrap intervals, the c2c floor column, family summaries."""

import math
import statistics
import sys
import zlib

from .compare_load import (BOOTSTRAP_SAMPLES, C2C_FAMILY, CI_LEVEL, METRICS, MIN_REPETITIONS,
                           PROG, InputError, family_of, index_run, run_warnings, threads_of)


class Row:
    """One benchmark, one metric, one run compared with the baseline."""

    def __init__(self, key, metric, base, other, base_name, other_name):
        self.key = key
        self.family = family_of(key)
        self.metric = metric
        self.base, self.other = base, other
        self.base_name, self.other_name = base_name, other_name
        a = base.benchmarks[base_name].samples[metric.key]
        x = other.benchmarks[other_name].samples[metric.key]
        self.a, self.x = a, x
        self.a_mean = statistics.fmean(a)
        self.x_mean = statistics.fmean(x)
        self.ratio = self.x_mean / self.a_mean if self.a_mean > 0 and self.x_mean > 0 else None
        self.ci = None
        self.p = None
        self.enough = min(len(a), len(x)) >= MIN_REPETITIONS
        self.floor_ratio = None
        self.a_floor = self.x_floor = None   # values in c2c round trips (latency metrics)

    @property
    def base_threads(self):
        return threads_of(self.base_name)

    @property
    def other_threads(self):
        return threads_of(self.other_name)

    @property
    def change(self):
        return abs(math.log(self.ratio)) if self.ratio else -1.0

    def significant(self, alpha):
        return self.p is not None and self.p < alpha

    def verdict(self, alpha):
        if not self.enough:
            return 'not enough repetitions'
        if not self.significant(alpha) or self.ratio is None or self.ratio == 1:
            return 'n.s.'
        better = (self.ratio > 1) == self.metric.higher_is_better
        return f'{self.other.label} {"better" if better else "worse"}'


def _stats():
    try:
        import numpy
        from scipy.stats import mannwhitneyu
    except ImportError:
        print(f'{PROG}: needs python3-scipy (apt-get install python3-scipy)', file=sys.stderr)
        sys.exit(1)
    return numpy, mannwhitneyu


def assess(row):
    """Mann-Whitney U and a bootstrap interval of the ratio of means."""
    if not row.enough or row.ratio is None:
        return
    np, mannwhitneyu = _stats()
    a = np.asarray(row.a, dtype=float)
    x = np.asarray(row.x, dtype=float)
    if np.all(a == a[0]) and np.all(x == a[0]):
        row.p = 1.0
    else:
        row.p = float(mannwhitneyu(x, a, alternative='two-sided').pvalue)
        if not math.isfinite(row.p):
            row.p = 1.0
    seed = zlib.crc32(f'{row.key}|{row.metric.key}|{row.other.label}'.encode())
    rng = np.random.default_rng(seed)
    ma = a[rng.integers(0, len(a), (BOOTSTRAP_SAMPLES, len(a)))].mean(axis=1)
    mx = x[rng.integers(0, len(x), (BOOTSTRAP_SAMPLES, len(x)))].mean(axis=1)
    ok = ma > 0
    if ok.any():
        tail = (1 - CI_LEVEL) / 2 * 100
        lo, hi = np.percentile(mx[ok] / ma[ok], [tail, 100 - tail])
        row.ci = (float(lo), float(hi))


def min_possible_p(n1, n2):
    """The smallest two-sided p an exact Mann-Whitney U test can give."""
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def apply_floor(row):
    """The floor column: the ratio in units of each platform's c2c round trip."""
    fa, fx = row.base.floor_ns, row.other.floor_ns
    if not fa or not fx or row.ratio is None:
        return
    if row.family == C2C_FAMILY:
        return
    if (row.base_threads or 1) < 2 or (row.other_threads or 1) < 2:
        return
    if row.metric.key == 'p99_ns':
        row.floor_ratio = row.ratio / (fx / fa)
        row.a_floor, row.x_floor = row.a_mean / fa, row.x_mean / fx
    elif row.metric.key == 'ops_per_s':
        row.floor_ratio = row.ratio * (fx / fa)


class Comparison:
    def __init__(self, runs, view, alpha, pattern=None):
        self.runs = runs
        self.base = runs[0]
        self.others = runs[1:]
        self.view = view
        self.alpha = alpha
        self.rows = []
        self.only_in = {}       # label -> [names] of benchmarks not matched
        base_index = index_run(self.base, view, pattern)
        matched_base = set()
        for other in self.others:
            index = index_run(other, view, pattern)
            common = sorted(set(base_index) & set(index))
            if not common:
                raise InputError(f'no benchmark in common between {self.base.label} '
                                 f'({self.base.path}) and {other.label} ({other.path})'
                                 + (f' in the {view} view' if view != 'threads' else ''))
            matched_other = set()
            for key in common:
                bn, on = base_index[key], index[key]
                matched_base.add(bn)
                matched_other.add(on)
                for metric in METRICS:
                    if metric.key in self.base.benchmarks[bn].samples and \
                            metric.key in other.benchmarks[on].samples:
                        row = Row(key, metric, self.base, other, bn, on)
                        assess(row)
                        apply_floor(row)
                        self.rows.append(row)
            self.only_in[other.label] = sorted(set(index.values()) - matched_other)
        self.only_in[self.base.label] = sorted(set(base_index.values()) - matched_base)
        self.rows.sort(key=lambda r: (-r.change, r.key, METRICS.index(r.metric), r.other.label))

    def groups(self):
        """Rows grouped by benchmark, groups in order of their biggest change."""
        groups = {}
        for row in self.rows:
            groups.setdefault(row.key, []).append(row)
        for rows in groups.values():
            rows.sort(key=lambda r: (METRICS.index(r.metric), r.other.label))
        return sorted(groups.items(), key=lambda kv: (-max(r.change for r in kv[1]), kv[0]))

    def families(self):
        """Geometric mean of the ratios per family, metric and run."""
        out = []
        fams = sorted({r.family for r in self.rows})
        for other in self.others:
            for fam in fams:
                cells = {}
                for metric in METRICS:
                    rows = [r for r in self.rows if r.family == fam and r.metric is metric
                            and r.other is other and r.ratio]
                    if not rows:
                        continue
                    gm = math.exp(statistics.fmean(math.log(r.ratio) for r in rows))
                    better = sum(1 for r in rows if r.verdict(self.alpha).endswith('better'))
                    worse = sum(1 for r in rows if r.verdict(self.alpha).endswith('worse'))
                    cells[metric.key] = (gm, len(rows), better, worse)
                if cells:
                    out.append((other, fam, cells))
        return out

    def warnings(self):
        out = run_warnings(self.runs)
        low = [r for r in self.rows if r.enough
               and min_possible_p(len(r.a), len(r.x)) >= self.alpha]
        if low:
            n = min(min(len(r.a), len(r.x)) for r in low)
            p = min_possible_p(n, n)
            out.append(f'with {n} repetitions Mann-Whitney U cannot go below p = {p:.2g}, '
                       f'so those rows cannot be significant at alpha = {self.alpha:g}: '
                       'use 5 or more repetitions')
        if any(not r.enough for r in self.rows):
            out.append(f'rows with fewer than {MIN_REPETITIONS} repetitions on a side: '
                       'ratio only, "not enough repetitions" for a test')
        return out

    def view_line(self):
        if self.view == 'threads':
            return 'view: threads (benchmarks matched by exact name)'
        pus = ', '.join(f'{r.label} {r.pus}' for r in self.runs)
        return ('view: normalized (threads:1, PUs/2, PUs, 2xPUs relative to each '
                f'platform\'s PUs: {pus}; fixed teams and c2c matched by name)')
