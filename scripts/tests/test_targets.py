#!/usr/bin/python3
"""scripts/targets against the fixture run (fixtures/run-a, 2 PUs).

The fixture's ratios are known from make_fixtures.py (± 4 % jitter per
row): ct_mutex / pthread_mutex at cs_ns:50 = 230/210, ct_mutex / ck_mcs at
8 threads = (230/8) / (150/200), ct_queue / pthread_queue = 4.5/4.2,
ct_queue / cpython_queue = 7.5. What the fixture lacks (4 threads,
rmutex, event, ring, shim) must read 'no result', never a number.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = os.path.join(os.path.dirname(HERE), "targets")
RUN = os.path.join(HERE, "fixtures", "run-a")


def targets(*args):
    p = subprocess.run([sys.executable, TARGETS] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def row(out, workload):
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 6 and cells[1] == workload:
            return cells
    raise AssertionError("no row %r in:\n%s" % (workload, out))


def num(text, label):
    m = re.search(r"%s ([0-9.]+)" % label, text)
    assert m, (label, text)
    return float(m.group(1))


class TargetsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rc, cls.out, cls.err = targets(RUN)

    def test_exit_status(self):
        self.assertEqual(self.rc, 0, self.err)
        self.assertEqual(self.err, "")

    def test_mutex_ratios(self):
        r = row(self.out, "cs_ns:50, 2 threads: ops/s, p99, cpu/op vs pthread_mutex")
        self.assertAlmostEqual(num(r[3], "ops"), 230 / 210, delta=0.1)
        self.assertAlmostEqual(num(r[3], "p99"), 210 / 230, delta=0.1)
        self.assertEqual(r[5], "yes")

    def test_ck_spinlock(self):
        r = row(self.out, "cs_ns:50, 8 threads (4×PUs): ops/s vs ck_mcs")
        self.assertAlmostEqual(float(r[3]), (230 / 8) / (150 / 200), delta=3)
        self.assertEqual(r[5], "yes")

    def test_queue_vs_pthread_and_cpython(self):
        r = row(self.out, "pc:1x1 cap 1024 block: ops/s vs pthread_queue, vs cpython_queue")
        self.assertAlmostEqual(num(r[3], "pthread"), 4.5 / 4.2, delta=0.1)
        self.assertAlmostEqual(num(r[3], "cpython"), 7.5, delta=0.7)
        self.assertEqual(r[5], "**no**")     # 7.5 < 20

    def test_missing_is_said_not_guessed(self):
        for wl in ("cs_ns:50, 4 threads: ops/s, p99, cpu/op vs pthread_mutex",
                   "depth 1, uncontended (time)", "ping-pong round trip (time)",
                   "empty loop: ns/iteration over native"):
            r = row(self.out, wl)
            self.assertIn("no result", r[3], wl)
            self.assertEqual(r[5], "n/a", wl)
        r = row(self.out, "cs_ns:0, 2 threads: ops/s, p99, cpu/op vs pthread_mutex")
        self.assertIn("no result", r[3])

    def test_block_vs_try_without_try_rows(self):
        # The fixture has mode:block rows only: said, not guessed.
        self.assertIn("| ct_queue | no result (no cell with both modes) |", self.out)
        self.assertIn("| ct_ring | no result (no cell with both modes) |", self.out)

    def test_block_vs_try(self):
        # A run with ct_ring block and try rows whose ratios are known:
        # pc:1x1 cap 1 at 2 threads 0.5x (cpu higher), pc:2x2 cap 16 at 4
        # threads 1.0x (cpu lower), a block row without its try (ignored).
        sys.path.insert(0, HERE)
        import make_fixtures as mf
        rng = random.Random(1)
        rows, fam = [], 0
        for pc, cap, n, place, mode, ops, cpu in (
                ("1x1", 1, 2, "compact", "block", 1e6, 500.0),
                ("1x1", 1, 2, "compact", "try", 2e6, 400.0),
                ("2x2", 16, 4, "none", "block", 3e6, 100.0),
                ("2x2", 16, 4, "none", "try", 3e6, 200.0),
                ("4x4", 16, 8, "none", "block", 9e6, 10.0)):
            name = "ring/ct_ring/pc:%s/cap:%d/mode:%s/threads:%d/place:%s" % (
                pc, cap, mode, n, place)
            rows += [mf.row(name, fam, 0, 3, k, ops, rng,
                            extra={"ops_per_s": ops, "cpu_per_op_ns": cpu}) for k in range(3)]
            fam += 1
        with tempfile.TemporaryDirectory() as d:
            run = os.path.join(d, "run")
            shutil.copytree(RUN, run)
            with open(os.path.join(run, "gb", "ring.json"), "w") as f:
                json.dump({"context": mf.CONTEXT, "benchmarks": rows}, f)
            rc, out, err = targets(run)
        self.assertEqual(rc, 0, err)
        self.assertIn("| ct_ring | 1 / 2 | 1 / 2 | 0.71× | 0.50× (pc:1x1 cap 1, 2 threads, "
                      "compact) |", out)
        self.assertIn("| ct_queue | no result (no cell with both modes) |", out)

    def test_filters_listed(self):
        self.assertIn("`^mutex/(ct\\|pthread)_mutex/cs_ns:50/threads:2/place:compact$`",
                      self.out)
        self.assertIn("--benchmark_repetitions=5", self.out)

    def test_other_placement(self):
        rc, out, err = targets(RUN, "--place", "scatter")
        self.assertEqual(rc, 0, err)
        r = row(out, "cs_ns:50, 8 threads (4×PUs): ops/s vs ck_mcs")
        self.assertIn("no result", r[3])     # failed in the fixture

    def test_bad_usage(self):
        for args, text in (([], "expected one run folder"),
                           (["/nonexistent/run"], "no such run folder"),
                           ([RUN, "--place", "bogus"], "no result with that placement"),
                           ([RUN, "--bogus"], "unknown argument '--bogus'")):
            rc, out, err = targets(*args)
            self.assertEqual(rc, 2, args)
            self.assertEqual(len(err.strip().splitlines()), 1, (args, err))
            self.assertIn(text, err, args)
            self.assertEqual(out, "", args)


if __name__ == "__main__":
    unittest.main()
