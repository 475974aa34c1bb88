#!/usr/bin/python3
"""gnuplot on the fixture run: every expected figure exists and is a valid
PNG (and SVG with --svg) (scripts suite)."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
RUN_A = os.path.join(HERE, "fixtures", "run-a")

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
