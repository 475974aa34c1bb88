#!/usr/bin/python3
"""Tests of scripts/compare on synthetic run folders (fixtures/compare/).

The fixtures are written by fixtures/compare/make_fixtures.py, whose
EXPECTED table holds the ratios the comparison must find. Run with
`python3 -m unittest scripts/tests/test_compare.py` or through meson
(`meson test --suite scripts`).
"""

import csv
import importlib.machinery
import importlib.util
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COMPARE = ROOT / 'scripts' / 'compare'
FIX = HERE / 'fixtures' / 'compare'
A = FIX / 'synth-a-2pu' / 'run1'
A2 = FIX / 'synth-a-2pu' / 'run2'
B = FIX / 'synth-b-4pu' / 'run1'
WIDTH = 100


def _load(name, path):
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


fixtures = _load('compare_fixtures', FIX / 'make_fixtures.py')


def run(*args):
    """Runs scripts/compare; returns (status, stdout, stderr)."""
    p = subprocess.run([str(COMPARE)] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def find_gb_compare():
    """Google Benchmark's compare.py from Debian's libbenchmark-tools."""
    candidates = []
    try:
        out = subprocess.run(['dpkg', '-L', 'libbenchmark-tools'], capture_output=True,
                             text=True, timeout=30).stdout
        candidates += [line for line in out.splitlines() if line.endswith('/compare.py')]
    except (OSError, subprocess.SubprocessError):
        pass
    candidates.append('/usr/share/benchmark/compare.py')
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


class CompareCase(unittest.TestCase):
    cache = {}

    @classmethod
    def compare(cls, *args):
        key = tuple(str(a) for a in args)
        if key not in cls.cache:
            cls.cache[key] = run(*args)
        return cls.cache[key]

    def ok(self, *args):
        status, out, err = self.compare(*args)
        self.assertEqual(status, 0, f'compare {args} failed: {err}')
        return out, err

    def rows(self, *args):
        out, _ = self.ok(*args, '--csv')
        return {(r['benchmark'], r['metric'], r['other']): r for r in csv_rows(out)}


class KnownRatios(CompareCase):
    """The ratios designed into the fixtures appear in the CSV."""

    def test_expected_ratios(self):
        for view in ('threads', 'normalized'):
            rows = self.rows(A, B, '--view', view)
            for (v, key, metric), ratio in fixtures.EXPECTED.items():
                if v != view:
                    continue
                with self.subTest(view=view, benchmark=key, metric=metric):
                    row = rows.get((key, metric, 'B'))
                    self.assertIsNotNone(row, f'{key} {metric} missing in the {view} view')
                    self.assertAlmostEqual(float(row['ratio']), ratio, places=9)
                    self.assertEqual(row['view'], view)

    def test_significant_difference(self):
        rows = self.rows(A, B)
        key = 'mutex/ct_mutex/cs_ns:50/threads:2/place:scatter'
        for metric, verdict in (('ops_per_s', 'B better'), ('p99_ns', 'B better'),
                                ('cpu_per_op_ns', 'B worse')):
            with self.subTest(metric=metric):
                r = rows[(key, metric, 'B')]
                self.assertEqual((r['base_n'], r['other_n']), ('5', '5'))
                self.assertLess(float(r['p_value']), 0.01)
                self.assertEqual(r['significant'], 'yes')
                self.assertEqual(r['verdict'], verdict)
                lo, hi = float(r['ci_low']), float(r['ci_high'])
                self.assertLess(lo, float(r['ratio']))
                self.assertGreater(hi, float(r['ratio']))
                self.assertFalse(lo <= 1 <= hi, 'a significant change has a CI without 1')
        r = rows[('mutex/pthread_mutex/cs_ns:50/threads:2/place:scatter', 'ops_per_s', 'B')]
        self.assertEqual(r['verdict'], 'B worse')

    def test_no_difference(self):
        rows = self.rows(A, B)
        for key, metric in (('mutex/pthread_mutex/cs_ns:50/threads:2/place:scatter',
                             'cpu_per_op_ns'),
                            ('mutex/ct_mutex/cs_ns:50/threads:2/place:scatter', 'fairness')):
            with self.subTest(benchmark=key, metric=metric):
                r = rows[(key, metric, 'B')]
                self.assertAlmostEqual(float(r['ratio']), 1.0, places=9)
                self.assertGreater(float(r['p_value']), 0.5)
                self.assertEqual(r['significant'], 'no')
                self.assertEqual(r['verdict'], 'n.s.')
                self.assertLessEqual(float(r['ci_low']), 1.0)
                self.assertGreaterEqual(float(r['ci_high']), 1.0)

    def test_not_enough_repetitions(self):
        rows = self.rows(A, B)
        r = rows[('queue/ct_queue/pairs/cap:16/threads:2/place:scatter', 'ops_per_s', 'B')]
        self.assertEqual((r['base_n'], r['other_n']), ('2', '2'))
        self.assertAlmostEqual(float(r['ratio']), 1.5)
        self.assertEqual(r['verdict'], 'not enough repetitions')
        self.assertEqual((r['p_value'], r['ci_low'], r['significant']), ('', '', ''))
        out, _ = self.ok(A, B)
        block = out.split('queue/ct_queue/pairs/cap:16/threads:2/place:scatter\n', 1)[1]
        self.assertRegex(block.splitlines()[0], r'^\s+ops/s .*1\.50 .*not enough repetitions$')

    def test_three_repetitions_are_tested_but_cannot_reach_alpha(self):
        rows = self.rows(A, B)
        r = rows[('counter/atomic/threads:2/place:scatter', 'ops_per_s', 'B')]
        self.assertEqual((r['base_n'], r['other_n']), ('3', '3'))
        self.assertAlmostEqual(float(r['p_value']), 0.1)
        self.assertEqual(r['verdict'], 'n.s.')
        out, _ = self.ok(A, B)
        self.assertIn('with 3 repetitions Mann-Whitney U cannot go below p = 0.1', out)

    def test_physical_floor(self):
        rows = self.rows(A, B)
        key = 'event/ct_event/pingpong/threads:2/place:scatter'
        p99 = rows[(key, 'p99_ns', 'B')]
        self.assertAlmostEqual(float(p99['base_floor_ns']), 480.0)
        self.assertAlmostEqual(float(p99['other_floor_ns']), 120.0)
        self.assertAlmostEqual(float(p99['ratio']), 0.5)
        # 4800 ns = 10 round trips on A, 2400 ns = 20 on B: B is faster, but
        # twice as far from its own floor.
        self.assertAlmostEqual(float(p99['base_in_floors']), 10.0)
        self.assertAlmostEqual(float(p99['other_in_floors']), 20.0)
        self.assertAlmostEqual(float(p99['floor_ratio']), 2.0)
        ops = rows[(key, 'ops_per_s', 'B')]
        self.assertAlmostEqual(float(ops['floor_ratio']), 0.5)
        # No floor for single-thread benchmarks, fairness or CPU cost.
        self.assertEqual(rows[('mutex/ct_mutex/cs_ns:50/threads:1/place:scatter',
                               'ops_per_s', 'B')]['floor_ratio'], '')
        self.assertEqual(rows[(key, 'cpu_per_op_ns', 'B')]['floor_ratio'], '')
        out, _ = self.ok(A, B)
        self.assertIn('A 480ns (1 pair), B 120ns (6 pairs)', out)

    def test_normalized_view_matches_relative_thread_counts(self):
        rows = self.rows(A, B, '--view', 'normalized')
        r = rows[('mutex/ct_mutex/cs_ns:50/threads:PUs/place:scatter', 'ops_per_s', 'B')]
        self.assertEqual((r['base_threads'], r['other_threads']), ('2', '4'))
        r = rows[('mutex/ct_mutex/cs_ns:50/threads:2xPUs/place:scatter', 'ops_per_s', 'B')]
        self.assertEqual((r['base_threads'], r['other_threads']), ('4', '8'))
        # A fixed team (pingpong) is matched by its name in either view.
        self.assertIn(('event/ct_event/pingpong/threads:2/place:scatter', 'p99_ns', 'B'), rows)
        out, _ = self.ok(A, B, '--view', 'normalized')
        self.assertIn('view: normalized', out)
        self.assertIn('mutex/ct_mutex/cs_ns:50/threads:PUs/place:scatter  (threads: A 2, B 4)',
                      out)
        out, _ = self.ok(A, B)
        self.assertIn('view: threads (benchmarks matched by exact name)', out)

    def test_family_geometric_means(self):
        out, _ = self.ok(A, B)
        # mutex ops/s: ratios 2, 2, 2 and 0.8 -> (6.4)^(1/4) = 1.59; three
        # significantly better, one worse.
        line = next(l for l in out.splitlines() if l.startswith('mutex '))
        self.assertRegex(line, r'^mutex\s+1\.59 \+3 -1 /4\s')
        with tempfile.TemporaryDirectory() as tmp:
            status, _, err = run(A, B, '--out', Path(tmp) / 'cmp')
            self.assertIn(status, (0, 1), err)
            fams = csv_rows((Path(tmp) / 'cmp' / 'families.csv').read_text())
        r = next(r for r in fams if r['family'] == 'mutex' and r['metric'] == 'ops_per_s')
        self.assertAlmostEqual(float(r['geomean_ratio']), 6.4 ** 0.25)
        self.assertEqual((r['rows'], r['significantly_better'], r['significantly_worse']),
                         ('4', '3', '1'))

    def test_same_platform_before_after(self):
        rows = self.rows(A, A2)
        changed = rows[('mutex/ct_mutex/cs_ns:50/threads:2/place:scatter', 'ops_per_s', 'B')]
        self.assertAlmostEqual(float(changed['ratio']), 1.1)
        self.assertEqual(changed['verdict'], 'B better')
        others = [r for k, r in rows.items() if r is not changed and r['verdict'] != 'n.s.'
                  and r['verdict'] != 'not enough repetitions']
        self.assertEqual(others, [], 'only the one designed change is significant')
        out, _ = self.ok(A, A2)
        self.assertNotIn('Google Benchmark versions differ', out)
        self.assertIn('rev aaaaaaaaaaaa', out)
        self.assertIn('rev cccccccccccc', out)


class TerminalTable(CompareCase):
    def test_width_and_header(self):
        for args in ((A, B), (A, B, A2), (A, B, '--view', 'normalized'), (A, A2)):
            with self.subTest(args=args):
                out, _ = self.ok(*args)
                for line in out.splitlines():
                    self.assertLessEqual(len(line), WIDTH, line)
        out, _ = self.ok(A, B)
        for needle in ('A  synth-a-2pu/run1', 'B  synth-b-4pu/run1', '2025-01-01 12:00',
                       '2025-02-02 08:30', 'rev aaaaaaaaaaaa', 'rev bbbbbbbbbbbb',
                       'gcc 12.2.0', 'clang 16.0.6', '2 PUs', '4 PUs',
                       'Google Benchmark 1.7.1', 'Google Benchmark 1.8.3'):
            self.assertIn(needle, out)
        self.assertRegex(out, r'warning: Google Benchmark versions differ \(A 1\.7\.1, '
                              r'B 1\.8\.3\)')

    def test_sorted_by_biggest_change(self):
        out, _ = self.ok(A, B)
        rows = self.rows(A, B)
        change = {}
        for (key, _, _), r in rows.items():
            c = abs(math.log(float(r['ratio'])))
            change[key] = max(change.get(key, 0.0), c)
        headings = [l for l in out.splitlines() if l in change]
        self.assertEqual(sorted(headings), sorted(change), 'every benchmark has a heading')
        biggest = [change[h] for h in headings]
        self.assertEqual(biggest, sorted(biggest, reverse=True))
        self.assertTrue(headings[0].startswith('c2c/'), headings[0])

    def test_three_runs(self):
        out, _ = self.ok(A, B, A2)
        self.assertIn('B and C against baseline A', out)
        self.assertRegex(out, r'\n  C   ops/s .* C better\n')
        rows = self.rows(A, B, A2)
        self.assertIn(('mutex/ct_mutex/cs_ns:50/threads:2/place:scatter', 'ops_per_s', 'C'),
                      rows)

    def test_not_compared_and_failed(self):
        out, _ = self.ok(A, B)
        self.assertIn('only in A (1): rmutex/ct_rmutex/depth:4/threads:1/place:scatter', out)
        self.assertIn('failed in B (1): queue/ct_queue/pc:1x1/cap:1/mode:block/threads:2/'
                      'place:scatter (timed out after 60 s)', ' '.join(out.split()))

    def test_platform_folder_takes_newest_run(self):
        out, _ = self.ok(FIX / 'synth-a-2pu', B)
        self.assertIn('A  synth-a-2pu/run2  (newest of 2 runs)', out)

    def test_top(self):
        out, _ = self.ok(A, B, '--top', '2')
        benchmarks = {key for key, _, _ in self.rows(A, B)}
        self.assertIn(f'... {len(benchmarks) - 2} more benchmarks (--top)', out)
        self.assertEqual(len([l for l in out.splitlines() if l in benchmarks]), 2)

    def test_filter(self):
        rows = self.rows(A, B, '--filter', '^mutex/ct_mutex/')
        self.assertEqual({k[0].split('/')[1] for k in rows}, {'ct_mutex'})


class Formats(CompareCase):
    def test_markdown(self):
        out, _ = self.ok(A, B, '--markdown')
        self.assertTrue(out.startswith('# contend compare: B against A'))
        self.assertIn('| A | synth-a-2pu | run1 | 2025-01-01 12:00 | aaaaaaaaaaaa | gcc 12.2.0 |',
                      out)
        self.assertIn('> **Warning:** Google Benchmark versions differ', out)
        self.assertIn('| `mutex/ct_mutex/cs_ns:50/threads:2/place:scatter` | ops/s | 2 / 2 | '
                      '8.00M | B 16.0M | 2.00 |', out)
        self.assertIn('| mutex | B/A | 1.59 (3 better, 1 worse, of 4) |', out)
        self.assertNotIn('![', out, 'figures only with --out')

    def test_csv(self):
        out, err = self.ok(A, B, '--csv')
        rows = csv_rows(out)
        self.assertEqual(list(rows[0].keys())[:4], ['view', 'benchmark', 'family', 'metric'])
        self.assertEqual(len({r['metric'] for r in rows}), 4)
        self.assertIn('Google Benchmark versions differ', err)


def is_png(path):
    data = path.read_bytes()
    return data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR' and len(data) > 1000


@unittest.skipIf(shutil.which('gnuplot') is None, 'gnuplot not installed: figures not tested')
class OutputFolder(unittest.TestCase):
    def test_out_dir(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / 'cmp'
            status, stdout, err = run(A, B, A2, '--out', out)
            self.assertEqual(status, 0, err)
            self.assertIn('contend compare', stdout)
            for name in ('compare.md', 'compare.csv', 'families.csv'):
                self.assertTrue((out / name).is_file(), name)
            md = (out / 'compare.md').read_text()
            figures = re.findall(r'!\[[^\]]*\]\(([^)]+)\)', md)
            self.assertIn('figures/families.png', figures)
            self.assertIn('figures/mutex-ct_mutex-cs_ns-50-place-scatter.png', figures)
            self.assertGreaterEqual(len(figures), 6)
            for rel in figures:
                self.assertTrue(is_png(out / rel), f'{rel} is not a PNG')
            pngs = sorted(p.name for p in (out / 'figures').iterdir())
            self.assertEqual(pngs, sorted(Path(f).name for f in figures))
            self.assertEqual(len(csv_rows((out / 'compare.csv').read_text())),
                             len(csv_rows(run(A, B, A2, '--csv')[1])))
            # Written again, the folder is replaced: no stale figures.
            (out / 'figures' / 'stale.png').write_bytes(b'x')
            status, _, err = run(A, B, '--out', out, '--filter', '^mutex/')
            self.assertEqual(status, 0, err)
            self.assertFalse((out / 'figures' / 'stale.png').exists())
            self.assertEqual([p.name for p in Path(tmp).iterdir()], ['cmp'],
                             'no temporary folders left behind')

    def test_figure_limit_and_normalized_axes(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / 'cmp'
            status, _, err = run(A, B, '--view', 'normalized', '--out', out, '--figures', '1')
            self.assertEqual(status, 0, err)
            md = (out / 'compare.md').read_text()
            figures = re.findall(r'!\[[^\]]*\]\(([^)]+)\)', md)
            # The families figure, then the series that changed most.
            self.assertEqual(figures, ['figures/families.png',
                                       'figures/mutex-ct_mutex-cs_ns-50-place-scatter.png'])
            self.assertRegex(md, r'\d+ more series changed less and are not drawn')
            # Normalized view: x is threads / PUs, so A's 1, 2, 4 threads on
            # 2 PUs sit at 0.5, 1, 2 and B's 1 .. 8 threads on 4 PUs at 0.25 .. 2.
            blocks = (out / 'data' / 'mutex-ct_mutex-cs_ns-50-place-scatter.dat') \
                .read_text().split('\n\n\n')
            xs = [[float(l.split()[0]) for l in b.splitlines() if l and l[0] != '#']
                  for b in blocks if b.strip()]
            self.assertEqual(xs, [[0.5, 1.0, 2.0], [0.25, 0.5, 1.0, 2.0]])


# Bad input (exit 2, one line, nothing written), read-only and full --out
# folders: scripts/tests/test_bad_inputs.py.


class PuFallback(unittest.TestCase):
    def test_num_cpus_when_meta_json_is_missing(self):
        with tempfile.TemporaryDirectory() as tmp:
            run_dir = Path(tmp) / 'plat' / 'r1'
            shutil.copytree(A / 'gb', run_dir / 'gb')
            status, out, err = run(run_dir, B, '--view', 'normalized', '--markdown')
            self.assertEqual(status, 0, err)
            self.assertIn('| A | plat | r1 | 2025-01-01 12:00 | ? | ? | 2 (num_cpus) |', out)
            # meta.json's 4 PUs win over B's num_cpus of 8.
            self.assertIn('| 4 (meta.json) |', out)


class BuildOptions(unittest.TestCase):
    def test_different_contend_options_warn(self):
        with tempfile.TemporaryDirectory() as tmp:
            runs = []
            for name, spin in (('r1', 400), ('r2', 0)):
                run_dir = Path(tmp) / 'plat' / name
                shutil.copytree(A, run_dir)
                for gb in (run_dir / 'gb').glob('*.json'):    # as contend-bench records it
                    doc = json.loads(gb.read_text())
                    doc['context']['contend_options'] = (
                        'mutex_spin=%d mutex_probe_gap=128 event_spin=400 wait=futex' % spin)
                    gb.write_text(json.dumps(doc))
                runs.append(run_dir)
            status, out, err = run(runs[0], runs[1], '--markdown')
            self.assertEqual(status, 0, err)
            self.assertIn('> **Warning:** contend build options differ (A mutex_spin=400 '
                          'mutex_probe_gap=128 event_spin=400 wait=futex; B mutex_spin=0', out)
            status, out, err = run(runs[0], A, '--markdown')   # A records none: no warning
            self.assertEqual(status, 0, err)
            self.assertNotIn('build options differ', out)
            # --headline warns too: in its table, or on stderr beside CSV.
            status, out, err = run('--headline', runs[0], runs[1])
            self.assertEqual(status, 0, err)
            self.assertIn('warning: contend build options differ (A mutex_spin=400', out)
            self.assertTrue(all(len(l) <= WIDTH for l in out.splitlines()))
            status, out, err = run('--headline', runs[0], runs[1], '--markdown')
            self.assertIn('> **Warning:** contend build options differ (A mutex_spin=400', out)
            status, out, err = run('--headline', runs[0], runs[1], '--csv')
            self.assertEqual(status, 0, err)
            self.assertIn('compare: warning: contend build options differ', err)
            self.assertNotIn('warning', out)
            status, out, err = run('--headline', runs[0], A)
            self.assertNotIn('build options differ', out + err)


class Headline(unittest.TestCase):
    """--headline: each run's report.md headline side by side, band, bar met."""

    def test_band_and_bar(self):
        with tempfile.TemporaryDirectory() as tmp:
            slow = Path(tmp) / 'plat' / 'slow'
            shutil.copytree(A, slow)
            for gb in (slow / 'gb').glob('*.json'):    # ct_mutex at half its throughput
                doc = json.loads(gb.read_text())
                for b in doc['benchmarks']:
                    if b['name'].startswith('mutex/ct_mutex/') and 'ops_per_s' in b:
                        b['ops_per_s'] *= 0.5
                gb.write_text(json.dumps(doc))
            status, out, err = run('--headline', A, A2, slow, '--csv')
            self.assertEqual(status, 0, err)
            rows = {(r['family'], r['threads_label'], r['run']): r for r in csv_rows(out)}
            for label, ratio, met, misses in (('A', 1.6, '1', ''), ('B', 1.76, '1', ''),
                                              ('C', 0.8, '0', 'o')):
                with self.subTest(run=label):
                    r = rows[('mutex', 'PUs', label)]
                    self.assertAlmostEqual(float(r['ratio']), ratio, places=6)
                    self.assertAlmostEqual(float(r['p99_ratio']), 0.5, places=6)
                    self.assertEqual((r['contend'], r['peer']), ('ct_mutex', 'pthread_mutex'))
                    self.assertEqual((r['met'], r['misses']), (met, misses))
            # A cell with a ratio in no run (no peer at 1 thread here) is left out.
            self.assertNotIn(('mutex', '1', 'A'), rows)
            status, out, err = run('--headline', A, A2, slow)
            self.assertEqual(status, 0, err)
            line = next(l for l in out.splitlines() if l.startswith('mutex    PUs'))
            self.assertRegex(line, r'1\.60 +1\.76 +0\.80 o +0\.80-1\.76 +2/3$')
            self.assertTrue(all(len(l) <= WIDTH for l in out.splitlines()))
            self.assertNotIn('atomic', out)
            status, out, err = run('--headline', A, slow, '--markdown')
            self.assertEqual(status, 0, err)
            self.assertIn('| mutex | PUs (2) | 1.60× pthread_mutex (p99 0.50, cpu 0.67) | '
                          '**0.80× pthread_mutex (p99 0.50, cpu 0.67)** | 0.80–1.60× | 1 of 2 |',
                          out)

    def test_usage(self):
        status, out, err = run('--headline', A, A2, '--top', '3')
        self.assertEqual(status, 2)
        self.assertIn('--headline takes runs and --markdown or --csv only', err)


class Helpers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        sys.path.insert(0, str(ROOT / 'scripts'))
        import types
        from contend import compare_load, compare_render, compare_stats, meta
        cls.m = types.SimpleNamespace()
        for mod in (meta, compare_load, compare_stats, compare_render):
            cls.m.__dict__.update(vars(mod))

    def test_thread_classes(self):
        tc = self.m.thread_classes
        self.assertEqual(tc(1, 1), ['1', 'PUs'])
        self.assertEqual(tc(2, 1), ['2xPUs'])
        self.assertEqual(tc(1, 2), ['1', 'PUs/2'])
        self.assertEqual(tc(2, 2), ['PUs'])
        self.assertEqual(tc(4, 2), ['2xPUs'])
        self.assertEqual(tc(3, 8), [])
        self.assertEqual(tc(1, 3), ['1'])

    def test_count_pus(self):
        c = self.m.count_pus
        self.assertEqual([c(4), c('4'), c(0), c(True), c('x'), c('0-1')],
                         [4, 4, None, None, None, None])
        c = self.m.count_pu_list
        self.assertEqual([c([0, 1]), c('0-3,6'), c('0'), c('5'), c([]), c('x'), c(2)],
                         [2, 5, 1, 1, None, None, None])

    def test_min_possible_p(self):
        self.assertAlmostEqual(self.m.min_possible_p(3, 3), 0.1)
        self.assertLess(self.m.min_possible_p(4, 4), 0.05)

    def test_formatting(self):
        sig, fv, M = self.m.sig, self.m.fmt_value, self.m.METRIC_BY_KEY
        self.assertEqual([sig(2.0), sig(0.5), sig(12.34), sig(1234.5)],
                         ['2.00', '0.500', '12.3', '1234'])
        self.assertEqual(fv(M['ops_per_s'], 16e6), '16.0M')
        self.assertEqual(fv(M['p99_ns'], 2400), '2.40us')
        self.assertEqual(fv(M['fairness'], 0.98), '0.980')

    def test_fixed_team_keeps_its_name(self):
        class R:
            pus = 4
        mk = self.m.match_keys
        self.assertEqual(mk('queue/q/pc:1x1/cap:1/mode:block/threads:2/place:x', R, 'normalized'),
                         ['queue/q/pc:1x1/cap:1/mode:block/threads:2/place:x'])
        self.assertEqual(mk('mutex/m/cs_ns:0/threads:4/place:x', R, 'normalized'),
                         ['mutex/m/cs_ns:0/threads:PUs/place:x'])
        self.assertEqual(mk('mutex/m/cs_ns:0/threads:3/place:x', R, 'normalized'), [])


class GoogleBenchmarkCompare(unittest.TestCase):
    """The run folders' JSON stays readable by Google Benchmark's compare.py."""

    def test_gb_compare_reads_two_runs(self):
        tool = find_gb_compare()
        if tool is None:
            self.skipTest('compare.py not found (install libbenchmark-tools)')
        python = '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else sys.executable
        probe = subprocess.run([python, '-c', 'import scipy'], capture_output=True)
        if probe.returncode != 0:
            self.skipTest(f'{python} has no scipy, which compare.py needs')
        for base, other in ((A, A2), (A, B)):
            with self.subTest(base=base.name, other=other.parent.name):
                p = subprocess.run([python, tool, '--no-color', 'benchmarks',
                                    base / 'gb' / 'main.json', other / 'gb' / 'main.json'],
                                   capture_output=True, text=True, timeout=120)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn('mutex/ct_mutex/cs_ns:50/threads:2/place:scatter', p.stdout)
                self.assertIn('U Test', p.stdout)


if __name__ == '__main__':
    unittest.main(verbosity=2)
