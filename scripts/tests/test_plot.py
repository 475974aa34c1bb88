#!/usr/bin/python3
"""gnuplot on the fixture run: every expected figure exists and is a valid
PNG (and SVG with --svg) (scripts suite)."""
import glob
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import unittest
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
RUN_A = os.path.join(HERE, "fixtures", "run-a")
sys.path.insert(0, SCRIPTS)
from contend import gnuplot as cgnuplot  # noqa: E402
from contend import plot as cplot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Every figure the fixture run must produce: kind-family-workload.
EXPECTED = [
    "c2c-line",
    "throughput-counter-all", "counter-lost-all", "latency-counter-all",
    "fairness-counter-all", "cpu-counter-all",
    "throughput-mutex-all", "latency-mutex-all", "fairness-mutex-all", "cpu-mutex-all",
    "throughput-queue-pc-mode-block", "latency-queue-pc-mode-block",
    "fairness-queue-pc-mode-block", "cpu-queue-pc-mode-block",
]


def png_check(path):
    """Magic bytes, then every chunk's CRC, ending in IEND; returns (w, h)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != PNG_MAGIC:
        raise AssertionError("%s: not a PNG (magic bytes)" % path)
    pos = 8
    size = None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(ctype + body) & 0xffffffff != crc:
            raise AssertionError("%s: bad CRC in %r chunk" % (path, ctype))
        if ctype == b"IHDR":
            size = struct.unpack(">II", body[:8])
        pos += 12 + length
        if ctype == b"IEND":
            return size
    raise AssertionError("%s: PNG without IEND (truncated)" % path)


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed (scripts/deps installs it)")
class GnuplotTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="contend-plot-")
        cls.run_dir = os.path.join(cls.tmp, "run")
        shutil.copytree(RUN_A, cls.run_dir)
        cls.proc = subprocess.run([sys.executable, os.path.join(SCRIPTS, "plot"), cls.run_dir,
                                   "--svg"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, timeout=300)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_exit_status(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertEqual(self.proc.stdout.strip(), os.path.join(self.run_dir, "report.md"))

    def test_expected_pngs_valid(self):
        plots = os.path.join(self.run_dir, "plots")
        for stem in EXPECTED:
            path = os.path.join(plots, stem + ".png")
            self.assertTrue(os.path.exists(path), "missing %s.png" % stem)
            w, h = png_check(path)
            self.assertGreaterEqual(w, 500, stem)
            self.assertGreaterEqual(h, 400, stem)

    def test_no_unexpected_figures_or_temp_files(self):
        pngs = sorted(f[:-4] for f in os.listdir(os.path.join(self.run_dir, "plots"))
                      if f.endswith(".png"))
        self.assertEqual(pngs, sorted(EXPECTED))
        self.assertEqual([f for f in os.listdir(self.run_dir) if f.startswith(".tmp")], [])

    def test_svg(self):
        for stem in EXPECTED:
            path = os.path.join(self.run_dir, "plots", stem + ".svg")
            with open(path, "rb") as f:
                head = f.read(400)
            self.assertIn(b"<svg", head, stem)

    def test_titles_name_platform(self):
        # The platform is in each figure's title (checked in the SVG text).
        for stem in EXPECTED:
            with open(os.path.join(self.run_dir, "plots", stem + ".svg"), encoding="utf-8") as f:
                self.assertIn("intel-xeon-2pu-linux", f.read(), stem)

    def test_redraw_removes_stale(self):
        stale = os.path.join(self.run_dir, "plots", "throughput-gone.png")
        with open(stale, "wb") as f:
            f.write(PNG_MAGIC)
        p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "plot"), self.run_dir, "--svg"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        self.assertEqual(p.returncode, 0)
        self.assertFalse(os.path.exists(stale))


@unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed (scripts/deps installs it)")
class ReportFailureCountTest(unittest.TestCase):
    """report.md's first count: a benchmark with no result counts as failed;
    one with a result whose other repetition failed is counted apart, as
    the Failures list names both."""

    def test_partly_failed_benchmark_counted_apart(self):
        tmp = tempfile.mkdtemp(prefix="contend-report-")
        self.addCleanup(shutil.rmtree, tmp, True)
        run_dir = os.path.join(tmp, "run")
        shutil.copytree(RUN_A, run_dir)
        path = os.path.join(run_dir, "gb", "mutex.json")
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        rows = data["benchmarks"]
        # The last repetition of the first benchmark fails; its others stand.
        name = rows[0]["run_name"]
        reps = [b for b in rows if b.get("run_name") == name and b.get("run_type") == "iteration"]
        self.assertGreater(len(reps), 1)
        reps[-1].update(error_occurred=True, error_message="fake: this repetition failed")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f)
        p = subprocess.run([sys.executable, os.path.join(SCRIPTS, "plot"), run_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(run_dir, "report.md"), encoding="utf-8") as f:
            report = f.read()
        m = re.search(r"^\d+ benchmarks in \d+ result files; (\d+) failed\.(.*)$", report, re.M)
        self.assertIsNotNone(m, report[:400])
        self.assertEqual(m.group(1), "1", m.group(0))  # the fixture's own failure
        self.assertEqual(m.group(2), " 1 more has a result but failed in some repetition "
                         "(listed under Failures).")
        key = name[:-len("/manual_time")] if name.endswith("/manual_time") else name
        self.assertRegex(report, r"\n- `%s`: fake: this repetition failed\n" % re.escape(key))


class RunParallelTest(unittest.TestCase):
    """contend.gnuplot.run_parallel with a fake gnuplot (a shell script):
    results in order, a timeout, a program that cannot start, and an
    interrupt that leaves no process, temp folder or half-drawn figure."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="contend-gp-")
        self.fake = os.path.join(self.tmp, "gnuplot")
        # Reads its script from stdin; "sleep N" in it sleeps; "fail" fails;
        # "draw PATH" writes PATH. Records its pid.
        with open(self.fake, "w") as f:
            f.write('#!/bin/sh\necho $$ >> "%s/pids"\n'
                    'while read -r cmd arg; do\n'
                    '  case "$cmd" in\n'
                    '    sleep) sleep "$arg" ;;\n'
                    '    fail) echo "bad plot" >&2; exit 3 ;;\n'
                    '    draw) echo x > "$arg" ;;\n'
                    '  esac\n'
                    'done\n' % self.tmp)
        os.chmod(self.fake, 0o755)
        # run_parallel's temp folders go to a folder of this test's own, so
        # that another program's (a concurrent test run's) cannot count.
        self.saved_tempdir = tempfile.tempdir
        tempfile.tempdir = os.path.join(self.tmp, "tmp")
        os.mkdir(tempfile.tempdir)

    def tearDown(self):
        tempfile.tempdir = self.saved_tempdir
        shutil.rmtree(self.tmp, ignore_errors=True)

    def temp_folders(self):
        return set(glob.glob(os.path.join(tempfile.gettempdir(), "contend-gnuplot-*")))

    def pids(self):
        with open(os.path.join(self.tmp, "pids")) as f:
            return [int(x) for x in f.read().split()]

    def test_results_in_order(self):
        before = self.temp_folders()
        jobs = [("sleep 0.2\n", self.tmp), ("fail\n", self.tmp), ("draw %s/a\n" % self.tmp, None),
                ("\n", self.tmp)]
        res = cgnuplot.run_parallel(jobs, self.fake, parallel=2)
        self.assertEqual([r[0] for r in res], [0, 3, 0, 0])
        self.assertIn("bad plot", res[1][1])
        self.assertTrue(os.path.exists(os.path.join(self.tmp, "a")))
        self.assertEqual(self.temp_folders(), before)

    def test_timeout_and_missing_program(self):
        t0 = time.monotonic()
        (rc, why), = cgnuplot.run_parallel([("sleep 30\n", self.tmp)], self.fake, timeout=0.3)
        self.assertIsNone(rc)
        self.assertIn("did not finish within 0.3 s", why)
        self.assertLess(time.monotonic() - t0, 10)
        (rc, why), = cgnuplot.run_parallel([("\n", self.tmp)], os.path.join(self.tmp, "none"))
        self.assertIsNone(rc)
        self.assertIn("No such file", why)

    def test_interrupt_stops_everything(self):
        before = self.temp_folders()

        def alarm(signum, frame):
            raise KeyboardInterrupt()
        old = signal.signal(signal.SIGALRM, alarm)
        t0 = time.monotonic()
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            with self.assertRaises(KeyboardInterrupt):
                cgnuplot.run_parallel([("sleep 30\n", self.tmp)] * 5, self.fake, parallel=2)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        self.assertLess(time.monotonic() - t0, 10)
        pids = self.pids()
        self.assertEqual(len(pids), 2)         # the queued three never started
        for pid in pids:                       # both killed and reaped
            with self.assertRaises(ProcessLookupError):
                os.kill(pid, 0)
        self.assertEqual(self.temp_folders(), before)

    def test_interrupted_draw_leaves_no_temp_figure(self):
        run_dir = os.path.join(self.tmp, "run")
        os.makedirs(run_dir)

        class Fig:
            def __init__(self, stem):
                self.stem, self.program, self.error, self.drawn = stem, "line", None, []
                self.vars = {}
        plotter = cplot.Plotter.__new__(cplot.Plotter)
        plotter.svg = False
        plotter.figures = [Fig("a"), Fig("b")]
        real = cgnuplot.script

        def slow_script(variables, prog):
            # Writes the temp figure, then sleeps: an interrupt finds it half-done.
            return "draw %s\nsleep 30\n" % variables["outfile"]
        cplot.gp_script = slow_script

        def alarm(signum, frame):
            raise KeyboardInterrupt()
        old = signal.signal(signal.SIGALRM, alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.5)
            with self.assertRaises(KeyboardInterrupt):
                plotter.draw(run_dir, gnuplot=self.fake)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
            cplot.gp_script = real
        left = [f for f in os.listdir(run_dir) if f.startswith(".tmp")]
        self.assertEqual(left, [])
        self.assertEqual(os.listdir(os.path.join(run_dir, "plots")), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
