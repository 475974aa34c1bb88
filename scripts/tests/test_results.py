#!/usr/bin/python3
"""JSON -> records -> CSV and report, on the fixture runs (scripts suite)."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
sys.path.insert(0, SCRIPTS)
from contend import host as chost, meta as cmeta, plot as contend_plot, results as cr, tables as ct  # noqa: E402

FIX = os.path.join(HERE, "fixtures")
RUN_A = os.path.join(FIX, "run-a")
BAD = os.path.join(FIX, "bad")
PY = sys.executable


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class TempRun(unittest.TestCase):
    """Each test works on a copy of a fixture run (fixtures stay clean)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="contend-test-")
        self.run_dir = os.path.join(self.tmp, "intel-xeon-2pu-linux", "20261125-002126")
        shutil.copytree(RUN_A, self.run_dir)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def add_gb(self, name, src):
        shutil.copy(src, os.path.join(self.run_dir, "gb", name))


class NameTest(unittest.TestCase):
    def test_full_name(self):
        n = cr.parse_name("queue/ct_ring/pc:2x2/cap:16/mode:block/threads:4/place:scatter")
        self.assertEqual((n.family, n.impl, n.workload, n.threads, n.place),
                         ("queue", "ct_ring", "pc:2x2/cap:16/mode:block", 4, "scatter"))

    def test_google_benchmark_suffixes_dropped(self):
        for suffix in ("/manual_time", "/real_time", "/repeats:3/manual_time",
                       "/min_time:0.100/manual_time"):
            n = cr.parse_name("mutex/ct_mutex/cs_ns:50/threads:4/place:cpus:0,2" + suffix)
            self.assertEqual(n.key, "mutex/ct_mutex/cs_ns:50/threads:4/place:cpus:0,2")
            self.assertEqual(n.place, "cpus:0,2")
            self.assertEqual(n.threads, 4)

    def test_no_threads_token_uses_google_benchmark_threads(self):
        n = cr.parse_name("shim/batch_loop", gb_threads=1)
        self.assertEqual((n.family, n.impl, n.threads, n.place, n.workload),
                         ("shim", "batch_loop", 1, None, "-"))

    def test_gb_threads_suffix(self):
        n = cr.parse_name("event/ct_event/pingpong/threads:2/place:compact/threads:1")
        self.assertEqual(n.key, "event/ct_event/pingpong/threads:2/place:compact")
        self.assertEqual(n.threads, 2)

    def test_figure_groups(self):
        fg = ct.figure_group
        # Producer/consumer shapes become line styles, cap a row of panels.
        self.assertEqual(fg(["pc:4x4", "cap:16", "mode:block"]), ("pc/mode:block", "cap:16", "PxP"))
        self.assertEqual(fg(["pc:1x7", "cap:1", "mode:try"]), ("pc/mode:try", "cap:1", "1xC"))
        self.assertEqual(fg(["pc:7x1", "cap:1", "mode:try"])[2], "Px1")
        self.assertEqual(fg(["pc:2x3", "cap:1"])[2], "2x3")
        # A workload kind without a row parameter becomes the row.
        self.assertEqual(fg(["pingpong"]), ("-", "pingpong", "-"))
        self.assertEqual(fg(["pingpong", "cap:16"]), ("pingpong", "cap:16", "-"))
        self.assertEqual(fg(["cs_ns:50"]), ("-", "cs_ns:50", "-"))
        self.assertEqual(fg([]), ("-", "-", "-"))
        self.assertEqual(sorted(["cap:1024", "cap:16", "cap:1"], key=ct.row_key),
                         ["cap:1", "cap:16", "cap:1024"])

    def test_platform_slug(self):
        self.assertEqual(chost.platform_slug("AMD EPYC 7R13 Processor", 2, "Linux"),
                         "amd-epyc-7r13-2pu-linux")
        self.assertEqual(chost.platform_slug("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz",
                                          96, "Linux"), "intel-xeon-platinum-8375c-96pu-linux")
        self.assertEqual(chost.platform_slug(None, 1, "Linux"), "unknown-1pu-linux")


class LoadTest(unittest.TestCase):
    def test_empty_file(self):
        with self.assertRaises(cr.ResultsError) as c:
            cr.load_gb(os.path.join(BAD, "empty.json"))
        self.assertIn("empty.json: empty file", str(c.exception))

    def test_foreign_json(self):
        with self.assertRaises(cr.ResultsError) as c:
            cr.load_gb(os.path.join(BAD, "foreign.json"))
        self.assertIn("foreign.json: not Google Benchmark JSON", str(c.exception))

    def test_truncated_json(self):
        with self.assertRaises(cr.ResultsError) as c:
            cr.load_gb(os.path.join(BAD, "truncated.json"))
        msg = str(c.exception)
        self.assertIn("truncated.json: not valid JSON", msg)
        self.assertNotIn("\n", msg)

    def test_salvage_truncated(self):
        with open(os.path.join(BAD, "truncated.json")) as f:
            doc = cr.salvage_truncated(f.read())
        self.assertIsNotNone(doc)
        self.assertGreater(len(doc["benchmarks"]), 3)
        self.assertTrue(all("name" in b for b in doc["benchmarks"]))

    def test_not_utf8_and_unknown_unit(self):
        d = tempfile.mkdtemp()
        try:
            p = os.path.join(d, "x.json")
            with open(p, "wb") as f:
                f.write(b'{"context": {}, "benchmarks": [{"name": "\xff"}]}')
            with self.assertRaises(cr.ResultsError):
                cr.load_gb(p)
            with open(p, "w") as f:
                json.dump({"context": {}, "benchmarks": [
                    {"name": "a/b/threads:1", "time_unit": "fortnights", "real_time": 1}]}, f)
            with self.assertRaises(cr.ResultsError) as c:
                cr.load_gb(p)
            self.assertIn("time_unit", str(c.exception))
        finally:
            shutil.rmtree(d)

    def test_run_records(self):
        run = cr.load_run(RUN_A)
        self.assertEqual(run.platform, "intel-xeon-2pu-linux")
        self.assertEqual(run.pus, 2)
        self.assertEqual(run.families(), ["c2c", "counter", "mutex", "queue"])
        self.assertEqual(run.impls()[:3], ["ct_mutex", "ct_queue", "atomic"])
        inst = run.instances["mutex/ct_mutex/cs_ns:50/threads:2/place:compact"]
        self.assertEqual(len(inst.reps), 3)
        self.assertEqual(set(inst.aggregates) - {"_n"}, {"mean", "median", "stddev", "cv"})
        s = inst.stat("ops_per_s")
        self.assertEqual(s["n"], 3)
        self.assertLess(s["lo"], s["mean"])
        self.assertGreater(s["hi"], s["mean"])
        failed = run.instances["mutex/ck_mcs/cs_ns:50/threads:8/place:scatter"]
        self.assertFalse(failed.ok)
        self.assertEqual(failed.errors[0], "watchdog: no progress for 5 s")
        racy = run.instances["counter/racy/threads:2/place:compact"]
        self.assertAlmostEqual(racy.mean("lost_pct"), 40.0, places=6)

    def test_missing_folder_and_no_gb(self):
        with self.assertRaises(cr.ResultsError):
            cr.load_run(os.path.join(FIX, "nope"))
        with self.assertRaises(cr.ResultsError) as c:
            cr.load_run(BAD)
        self.assertIn("no gb/*.json", str(c.exception))

    def test_aggregates_only(self):
        """--benchmark_report_aggregates_only output still gives means."""
        with open(os.path.join(RUN_A, "gb", "mutex.json")) as f:
            doc = json.load(f)
        doc["benchmarks"] = [b for b in doc["benchmarks"] if b.get("run_type") == "aggregate"]
        run = cr.Run()
        for b in doc["benchmarks"]:
            run._add(b, "x")
        inst = run.instances["mutex/ct_mutex/cs_ns:50/threads:2/place:compact"]
        s = inst.stat("ops_per_s")
        self.assertEqual(s["n"], 3)
        self.assertLess(s["lo"], s["mean"])


class GzipTest(TempRun):
    """A committed reference run keeps gb/*.json gzip-compressed: it loads,
    and plots to the same tables, as the plain JSON does."""

    def test_same_run(self):
        import gzip
        plain = cr.load_run(self.run_dir)
        gb = os.path.join(self.run_dir, "gb")
        for f in os.listdir(gb):
            p = os.path.join(gb, f)
            with open(p, "rb") as src, gzip.open(p + ".gz", "wb") as dst:
                dst.write(src.read())
            os.unlink(p)
        packed = cr.load_run(self.run_dir)
        self.assertEqual(list(packed.instances), list(plain.instances))
        self.assertEqual([f + ".gz" for f in plain.files], packed.files)
        for k, inst in plain.instances.items():
            self.assertEqual(packed.instances[k].reps, inst.reps)

    def test_corrupt_gzip(self):
        p = os.path.join(self.run_dir, "gb", "x.json.gz")
        with open(p, "wb") as f:
            f.write(b"\x1f\x8b not gzip")
        with self.assertRaises(cr.ResultsError) as c:
            cr.load_run(self.run_dir)
        self.assertIn("x.json.gz", str(c.exception))


class MetaTest(unittest.TestCase):
    """One accessor for meta.json and the context; old spellings still read."""

    def test_current_layout(self):
        meta = {"host": {"allowed_pus": "0-3", "pus": 4}, "started": "2026-11-25T03:34:21+0000",
                "git": {"revision": "4d84a40e2ec3", "dirty": False},
                "toolchain": {"compiler": "gcc 12"}, "libraries": {"google_benchmark": "1.7.1-1"}}
        v = cmeta.value
        self.assertEqual(v(meta, {}, "pu_list", cmeta.count_pu_list), 4)
        self.assertEqual(v(meta, {}, "revision"), "4d84a40e2ec3")
        self.assertEqual(v(meta, {}, "date", cmeta.dated), "2026-11-25T03:34:21+0000")
        self.assertEqual(v(meta, {}, "gb_version", cmeta.versioned), "1.7.1-1")
        self.assertEqual(cmeta.recorded(meta, "pus"), 4)

    def test_legacy_and_context(self):
        old = {"platform_slug": "x-2pu-linux", "build": {"git_commit": "abc123"},
               "cpus_allowed": [0, 1]}
        ctx = {"contend_revision": "def456", "library_version": "v1.8.3", "compiler": "cc 12"}
        v = cmeta.value
        self.assertEqual(v(old, ctx, "platform"), "x-2pu-linux")
        self.assertEqual(v(old, ctx, "revision"), "abc123")     # meta.json first
        self.assertEqual(v({}, ctx, "revision"), "def456")
        self.assertEqual(v(old, ctx, "pu_list", cmeta.count_pu_list), 2)
        self.assertEqual(v(old, ctx, "gb_version", cmeta.versioned), "v1.8.3")
        self.assertEqual(v(old, ctx, "compiler"), "cc 12")
        self.assertIsNone(v({}, {}, "compiler"))

    def test_contend_options(self):
        """The library options a run measured, as contend-bench recorded them
        in its context; the report's platform table shows them."""
        spin0 = "mutex_spin=0 mutex_probe_gap=128 event_spin=400 wait=futex"
        self.assertEqual(cmeta.value({}, {"contend_options": spin0}, "contend_options"), spin0)
        self.assertIsNone(cmeta.value({}, {}, "contend_options"))
        from contend import report as creport
        meta = {"toolchain": {"compiler": "gcc 12"}}
        self.assertIn("| contend build options | %s |" % spin0, creport._meta_table(meta, spin0))
        self.assertNotIn("contend build options", creport._meta_table(meta))

    def test_contend_options_from_the_run_contexts(self):
        from contend import report as creport
        spin0 = "mutex_spin=0 mutex_probe_gap=128 event_spin=400 wait=futex"
        run = cr.Run()
        run.contexts = {"gb/mutex.json": {"contend_options": spin0},
                        "gb/counter.json": {"contend_options": spin0},
                        "gb/python-peers.json": {}}
        self.assertEqual(creport._contend_options(run), spin0)
        run.contexts["gb/ring.json"] = {"contend_options": "mutex_spin=400"}
        self.assertEqual(creport._contend_options(run), "mutex_spin=0 mutex_probe_gap=128 "
                         "event_spin=400 wait=futex; mutex_spin=400")
        self.assertIsNone(creport._contend_options(cr.Run()))


class CsvTest(TempRun):
    def test_results_csv(self):
        contend_plot.regenerate(self.run_dir, gnuplot="/nonexistent/gnuplot")
        rows = read_csv(os.path.join(self.run_dir, "csv", "results.csv"))
        by = {r["name"]: r for r in rows}
        self.assertEqual(len(rows), 2 + 24 + 18 + 12)
        r = by["mutex/ct_mutex/cs_ns:50/threads:2/place:compact"]
        self.assertEqual((r["family"], r["impl"], r["workload"], r["threads"], r["place"],
                          r["reps"], r["errors"]),
                         ("mutex", "ct_mutex", "cs_ns:50", "2", "compact", "3", "0"))
        self.assertLess(float(r["ops_per_s_lo"]), float(r["ops_per_s"]))
        # The failed benchmark: a row with its error and no numbers.
        f = by["mutex/ck_mcs/cs_ns:50/threads:8/place:scatter"]
        self.assertEqual((f["reps"], f["errors"], f["ops_per_s"]), ("0", "3", ""))
        self.assertEqual(f["error_message"], "watchdog: no progress for 5 s")
        # The missing counter: empty cells, the rest present.
        m = by["mutex/ck_mcs/cs_ns:50/threads:2/place:compact"]
        self.assertEqual(m["p99_ns"], "")
        self.assertNotEqual(m["fairness"], "")
        # Units: real_time is in ns, ops_per_s consistent with it.
        self.assertAlmostEqual(1e9 / float(r["real_time_ns"]) / float(r["ops_per_s"]), 1, 1)
        reps = read_csv(os.path.join(self.run_dir, "csv", "repetitions.csv"))
        self.assertEqual(sum(1 for x in reps if x["name"] == r["name"]), 3)
        fig = read_csv(os.path.join(self.run_dir, "csv", "fig-mutex-all.csv"))
        self.assertEqual(list(fig[0].keys()), list(contend_plot.FIG_COLUMNS))
        # Sorted by place, impl, threads: each series is contiguous.
        keys = [(x["place"], x["impl"]) for x in fig]
        self.assertEqual(keys, sorted(keys, key=lambda k: (
            contend_plot.place_key(k[0]), k[1])))
        c2c = read_csv(os.path.join(self.run_dir, "csv", "c2c-line.csv"))
        self.assertEqual(sorted((x["a"], x["b"]) for x in c2c), [("0", "1"), ("1", "0")])

    def test_headline(self):
        run = cr.load_run(self.run_dir)
        rows = {(r["family"], r["threads"]): r for r in ct.headline(run)}
        m1 = rows[("mutex", 1)]
        self.assertEqual((m1["best"], m1["best_ct"], m1["best_peer"]),
                         ("ct_mutex", "ct_mutex", "pthread_mutex"))
        self.assertAlmostEqual(m1["ratio"], 230 / 210.0, delta=0.08)
        # Guardrails: p99 and cpu/op of the same pair, where reported.
        self.assertGreater(m1["p99"], 0)
        self.assertGreater(m1["cpu"], 0)
        # The racy counter loses updates: never "best", even at 1 thread.
        for t in (1, 2, 8):
            self.assertNotEqual(rows[("counter", t)]["best"], "racy")
        self.assertIsNone(rows[("queue", 1)]["best"])
        self.assertEqual(rows[("queue", 8)]["best"], "ct_queue")
        self.assertEqual(sorted({r["threads"] for r in rows.values()}), [1, 2, 8])


    def test_headline_uses_medians(self):
        # One repetition per placement of the peer 20x faster (as when one
        # thread of a lock benchmark ran alone): the mean would make it the
        # best; the median, which the headline reads, does not move.
        path = os.path.join(self.run_dir, "gb", "mutex.json")
        with open(path) as f:
            doc = json.load(f)
        for b in doc["benchmarks"]:
            if (b["name"].startswith("mutex/pthread_mutex/") and "/threads:1/" in b["name"]
                    and b.get("run_type") == "iteration" and b.get("repetition_index") == 0):
                b["ops_per_s"] *= 20
        with open(path, "w") as f:
            json.dump(doc, f)
        run = cr.load_run(self.run_dir)
        m1 = {(r["family"], r["threads"]): r for r in ct.headline(run)}[("mutex", 1)]
        self.assertEqual((m1["best"], m1["best_peer"]), ("ct_mutex", "pthread_mutex"))
        self.assertAlmostEqual(m1["ratio"], 230 / 210.0, delta=0.08)


class ReportTest(TempRun):
    def test_report(self):
        path, plotter, problems = contend_plot.regenerate(self.run_dir,
                                                          gnuplot="/nonexistent/gnuplot")
        with open(path) as f:
            md = f.read()
        self.assertIn("# contend results — intel-xeon-2pu-linux", md)
        self.assertIn("## Headline", md)
        self.assertIn("| mutex | 1 | `ct_mutex`", md)
        self.assertIn("## Platform", md)
        self.assertIn("Intel(R) Xeon(R) Processor", md)
        self.assertIn("## What ran", md)
        self.assertIn("--benchmark_repetitions=3", md)
        # Missing series are said so; failures listed.
        self.assertIn("ck_mcs at places compact, scatter (no p50_ns, p99_ns, p999_ns counters)", md)
        self.assertIn("`mutex/ck_mcs/cs_ns:50/threads:8/place:scatter` failed: watchdog", md)
        self.assertIn("## Failures", md)
        # Figures could not be drawn: said so, not silently dropped.
        self.assertIn("not drawn", md)
        self.assertTrue(problems)

    def test_report_figures_and_sentences(self):
        if not shutil.which("gnuplot"):
            self.skipTest("gnuplot not installed")
        path, plotter, problems = contend_plot.regenerate(self.run_dir)
        self.assertEqual(problems, [])
        with open(path) as f:
            md = f.read()
        for f in plotter.figures:
            self.assertIn("(plots/%s.png)" % f.stem, md)
            self.assertTrue(os.path.exists(os.path.join(self.run_dir, "plots", f.stem + ".png")))
        # One sentence on how to read each figure.
        for kind in ("throughput", "latency", "fairness", "cpu", "c2c", "counter"):
            text = contend_plot.HOW_TO_READ[kind]
            fragment = max(re.split(r"\{[^}]*\}", text), key=len)[:40]
            self.assertIn(fragment, md)
        self.assertIn("![hwloc topology", md) if os.path.exists(
            os.path.join(self.run_dir, "topology.png")) else None


class PlotCliTest(TempRun):
    def plot(self, *args):
        p = subprocess.run([PY, os.path.join(SCRIPTS, "plot")] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return p.returncode, p.stdout, p.stderr

    # Bad usage and unusable input (exit 2, one line): test_bad_inputs.py.

    def test_help(self):
        self.assertEqual(self.plot("--help")[0], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
