#!/usr/bin/python3
"""scripts/sweep end to end (scripts suite).

Against tests/fake_bench.py (always): layout of the run folder, filters,
a hanging and a crashing benchmark, Ctrl-C / SIGTERM and --resume, bad
usage. Against the real contend-bench (when meson passes CONTEND_BENCH):
a tiny filter and duration, end to end.
"""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
sys.path.insert(0, SCRIPTS)
from contend import results as cr  # noqa: E402

SWEEP = os.path.join(SCRIPTS, "sweep")
FAKE = os.path.join(HERE, "fake_bench.py")
PY = sys.executable


def sweep(args, env=None, timeout=300):
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("FAKE_BENCH_"):
            del e[k]
    e.update(env or {})
    p = subprocess.run([PY, SWEEP] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, env=e, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def run_dirs(root):
    return sorted(glob.glob(os.path.join(root, "*", "*")))


class FakeSweepTest(unittest.TestCase):
    def setUp(self):
        self.out = tempfile.mkdtemp(prefix="contend-sweep-")

    def tearDown(self):
        shutil.rmtree(self.out, ignore_errors=True)

    def fake(self, *extra, env=None):
        return sweep(["--bench", FAKE, "--no-peers", "--out", self.out, "--duration", "0.001",
                      "--threads", "1,2"] + list(extra), env=env)

    def load_meta(self, d):
        with open(os.path.join(d, "meta.json")) as f:
            return json.load(f)

    def test_layout(self):
        rc, out, err = self.fake()
        self.assertEqual(rc, 0, err)
        (d,) = run_dirs(self.out)
        platform = os.path.basename(os.path.dirname(d))
        self.assertRegex(platform, r"^[a-z0-9-]+-\d+pu-[a-z]+$")
        self.assertRegex(os.path.basename(d), r"^\d{8}-\d{6}")
        self.assertEqual(sorted(os.listdir(os.path.join(d, "gb"))),
                         ["c2c.json", "counter.json", "mutex.json", "queue.json"])
        for f in glob.glob(os.path.join(d, "gb", "*.json")):
            cr.load_gb(f)
        for f in ("meta.json", "report.md", "csv/results.csv", "csv/repetitions.csv"):
            self.assertTrue(os.path.exists(os.path.join(d, f)), f)
        if shutil.which("lstopo"):
            self.assertTrue(os.path.exists(os.path.join(d, "topology.xml")))
        if shutil.which("gnuplot"):
            self.assertTrue(glob.glob(os.path.join(d, "plots", "throughput-*.png")))
        meta = self.load_meta(d)
        self.assertEqual(meta["platform"], platform)
        self.assertEqual(meta["profile"], "quick")
        self.assertEqual(meta["settings"]["threads"], "1,2")
        self.assertEqual(meta["settings"]["places"], "compact,scatter")
        for k in ("cpu_model", "pus", "allowed_pus", "kernel", "os"):
            self.assertIn(k, meta["host"])
        self.assertEqual([s["status"] for s in meta["steps"]], ["ok"] * 4)
        self.assertTrue(any("--benchmark_filter=^mutex/" in c for c in meta["commands"]))
        # Not a TTY: one line per step, then the headline and the report.
        self.assertEqual(len(re.findall(r"^\[\d/4\] ", err, re.M)), 4, err)
        self.assertIn("report: ", out)
        self.assertIn("contend / best peer", out)
        out.encode("ascii")  # the terminal table is plain ASCII
        self.assertEqual([f for f in os.listdir(d) if f.startswith(".tmp")], [])

    def test_filter(self):
        log = os.path.join(self.out, "argv.log")
        rc, out, err = self.fake("--filter", "ct_mutex/.*threads:2", env={"FAKE_BENCH_LOG": log})
        self.assertEqual(rc, 0, err)
        (d,) = run_dirs(self.out)
        self.assertEqual(sorted(f for f in os.listdir(os.path.join(d, "gb"))
                                if f.endswith(".json")), ["counter.json", "mutex.json"])
        run = cr.load_run(d)
        self.assertEqual(sorted(run.instances), [
            "counter/ct_mutex/threads:2/place:compact", "counter/ct_mutex/threads:2/place:scatter",
            "mutex/ct_mutex/cs_ns:0/threads:2/place:compact",
            "mutex/ct_mutex/cs_ns:0/threads:2/place:scatter"])

    def test_hang_and_crash_recorded_and_sweep_goes_on(self):
        env = {"FAKE_BENCH_HANG": "mutex/pthread_mutex/cs_ns:0/threads:2/place:compact",
               "FAKE_BENCH_CRASH": "queue/ct_queue/.*scatter",
               "FAKE_BENCH_ERROR": "counter/atomic/threads:2/place:scatter"}
        rc, out, err = self.fake("--step-timeout", "2", env=env)
        self.assertEqual(rc, 1, err)
        (d,) = run_dirs(self.out)
        meta = self.load_meta(d)
        st = {s["name"]: s for s in meta["steps"]}
        self.assertEqual(st["c2c"]["status"], "ok")
        self.assertEqual(st["counter"]["status"], "ok")     # an error row is a result
        self.assertEqual(st["counter"]["errors"], 1)
        self.assertEqual(st["mutex"]["status"], "partial")
        self.assertIn("killed by scripts/sweep", st["mutex"]["message"])
        self.assertEqual(st["queue"]["status"], "partial")
        self.assertIn("SIGABRT", st["queue"]["message"])
        run = cr.load_run(d)
        hung = run.instances["mutex/pthread_mutex/cs_ns:0/threads:2/place:compact"]
        self.assertFalse(hung.ok)
        self.assertIn("no result within", hung.errors[0])
        # The rest of the step ran, except the hung implementation at as
        # many threads or more (recorded as skipped, with the reason).
        self.assertTrue(run.instances["mutex/pthread_mutex/cs_ns:0/threads:1/place:scatter"].ok)
        twin = run.instances["mutex/pthread_mutex/cs_ns:0/threads:2/place:scatter"]
        self.assertFalse(twin.ok)
        self.assertIn("skipped: mutex/pthread_mutex/cs_ns:0/threads:2/place:compact did not "
                      "finish", twin.errors[0])
        self.assertTrue(all(i.ok for i in run.instances.values() if i.impl == "ct_mutex"))
        self.assertEqual(len([i for i in run.instances.values() if i.family == "mutex"]), 8)
        self.assertEqual(len([i for i in run.instances.values() if not i.ok]), 4)
        # Console output is kept for the steps that went wrong only.
        self.assertEqual(sorted(f for f in os.listdir(os.path.join(d, "gb")) if f.endswith(".log")),
                         ["counter.log", "mutex.log", "queue.log"])
        with open(os.path.join(d, "report.md")) as f:
            md = f.read()
        self.assertIn("## Failures", md)
        self.assertIn("partial", md)

    def test_busy_work_calibration_shared(self):
        # The first contend-bench process times the busy-work loop; every
        # later one, the restart past a hang included, is given its figure.
        wlog = os.path.join(self.out, "work.log")
        env = {"FAKE_BENCH_HANG": "mutex/pthread_mutex/cs_ns:0/threads:2/place:compact",
               "FAKE_BENCH_WORK_LOG": wlog}
        rc, out, err = self.fake("--step-timeout", "2", env=env)
        self.assertEqual(rc, 0, err)        # the hang is a peer's
        with open(wlog) as f:
            given = f.read().split()
        self.assertGreater(len(given), 3)       # a process per step, and the restart
        self.assertEqual(given[0], "-")
        self.assertEqual(set(given[1:]), {"0.300"})
        (d,) = run_dirs(self.out)
        for path in glob.glob(os.path.join(d, "gb", "*.json")):
            ctx = cr.load_gb(path)["context"]
            self.assertEqual(ctx["work_loop_ns_per_iter"], "0.300", path)
        # --resume adopts the figure of the steps that ran.
        meta_path = os.path.join(d, "meta.json")
        os.unlink(os.path.join(d, "gb", "queue.json"))
        rc, out, err = sweep(["--resume", d, "--bench", FAKE],
                             env={"FAKE_BENCH_WORK_LOG": wlog})
        with open(wlog) as f:
            resumed = f.read().split()[len(given):]
        self.assertTrue(resumed, err)
        self.assertEqual(set(resumed), {"0.300"}, err)
        self.assertTrue(os.path.exists(meta_path))

    def c2c_sweep(self, p50s):
        """A fake sweep whose c2c/roundtrip row reads p50s (FAKE_BENCH_C2C)
        in turn: its output, error output, run folder and report."""
        rc, out, err = self.fake(env={"FAKE_BENCH_C2C": p50s, "FAKE_BENCH_C2C_STATE":
                                      os.path.join(self.out, "c2c.state")})
        self.assertEqual(rc, 0, err)
        (d,) = run_dirs(self.out)
        with open(os.path.join(d, "report.md")) as f:
            return out, err, d, f.read()

    def test_c2c_probe_before_each_step(self):
        # Before each step the sweep measures the line round trip between
        # the first two PUs (the plan's first c2c/roundtrip row); the
        # report shows each figure and warns when they moved by 1.5x.
        out, err, d, report = self.c2c_sweep("470,999,480,95,470")
        steps = self.load_meta(d)["steps"]
        self.assertEqual([s["name"] for s in steps], ["c2c", "counter", "mutex", "queue"])
        # Probes are the 1st, 3rd, 4th and 5th processes that run the row;
        # the c2c step itself is the 2nd (its 999 is no probe's).
        self.assertEqual([s.get("c2c_p50_ns") for s in steps], [470, 480, 95, 470])
        self.assertIn("| c2c p50 before |", report)
        self.assertIn("| mutex | ok |", report)
        self.assertRegex(report, r"\| mutex \| ok \|[^\n]*\| 95 ns \|")
        self.assertIn("moved during the run, from 95 ns (before mutex) to 480 ns (before counter)",
                      report)
        # Under the headline: the step that ran at an outlying cost (95 ns
        # against the median of the four probes, 470), and no other.
        headline = report[report.index("## Headline"):report.index("## Platform")]
        self.assertIn("**Measured under another cost of sharing a line:** step `mutex` (95 ns), "
                      "against a median of 470 ns over the run's steps", headline)
        self.assertNotIn("`counter` (", headline)
        self.assertIn("warning: The cache-line round trip between the first two PUs moved",
                      out)
        self.assertIn("c2c p50 before it 95 ns", err)

    def test_c2c_probe_steady_and_absent(self):
        # Figures within 1.5x of each other: shown, no warning. A bench
        # without the row (the default fake): no probe, no column.
        out, err, d, report = self.c2c_sweep("470,400,470,600")
        self.assertIn("| c2c p50 before |", report)
        self.assertNotIn("moved during the run", report)
        self.assertNotIn("Measured under another cost", report)
        self.assertNotIn("warning:", out)
        shutil.rmtree(d)
        rc, out, err = self.fake()
        self.assertEqual(rc, 0, err)
        (d,) = run_dirs(self.out)
        self.assertFalse(any("c2c_p50_ns" in s for s in self.load_meta(d)["steps"]))
        with open(os.path.join(d, "report.md")) as f:
            self.assertNotIn("c2c p50 before", f.read())

    def test_peer_failures_alone_do_not_fail_the_sweep(self):
        # A spinning peer that never finishes is recorded and listed, and
        # the sweep still exits 0; one failed contend row makes it 1, even
        # as an error entry in an otherwise complete step.
        env = {"FAKE_BENCH_HANG": "mutex/pthread_mutex/cs_ns:0/threads:2/place:compact"}
        rc, out, err = self.fake("--step-timeout", "2", env=env)
        self.assertEqual(rc, 0, err)
        self.assertIn("failed benchmarks: 0 of contend and the harness, 2 of peers", out)
        (d,) = run_dirs(self.out)
        st = {s["name"]: s for s in self.load_meta(d)["steps"]}
        self.assertEqual(st["mutex"]["status"], "partial")
        self.assertEqual((st["mutex"]["errors"], st["mutex"]["peer_errors"]), (2, 2))
        shutil.rmtree(self.out)
        os.makedirs(self.out)
        env = {"FAKE_BENCH_ERROR": "mutex/ct_mutex/cs_ns:0/threads:2/place:compact"}
        rc, out, err = self.fake(env=env)
        self.assertEqual(rc, 1, err)
        self.assertIn("failed benchmarks: 1 of contend and the harness (exit status 1), 0 of peers",
                      out)
        # Benchmarks, not repetitions: 3 error entries are one failed
        # benchmark, as report.md counts them.
        shutil.rmtree(self.out)
        os.makedirs(self.out)
        rc, out, err = self.fake("--repetitions", "3", env=env)
        self.assertEqual(rc, 1, err)
        self.assertIn("failed benchmarks: 1 of contend and the harness (exit status 1), 0 of peers",
                      out)
        (d,) = run_dirs(self.out)
        st = {s["name"]: s for s in self.load_meta(d)["steps"]}
        self.assertEqual((st["mutex"]["errors"], st["mutex"]["peer_errors"]), (1, 0))
        with open(os.path.join(d, "report.md")) as f:
            self.assertRegex(f.read(), r"benchmarks in \d+ result files; 1 failed\.")

    def test_processes_pool_repetitions(self):
        # --processes 3 --repetitions 2: three contend-bench runs per step,
        # their 6 repetitions pooled (Google Benchmark's per-process
        # aggregates left out); a benchmark that hung in the first process
        # is not run again.
        log = os.path.join(self.out, "argv.log")
        env = {"FAKE_BENCH_LOG": log, "FAKE_BENCH_RUN_SCALE": os.path.join(self.out, "runs"),
               "FAKE_BENCH_AGGREGATES": "1",
               "FAKE_BENCH_HANG": "mutex/pthread_mutex/cs_ns:0/threads:2/place:compact"}
        rc, out, err = self.fake("--filter", "^mutex/", "--processes", "3", "--repetitions", "2",
                                 "--step-timeout", "2", env=env)
        self.assertEqual(rc, 0, err)
        self.assertIn("x 2 in 3 processes", err)
        (d,) = run_dirs(self.out)
        meta = self.load_meta(d)
        self.assertEqual(meta["settings"]["processes"], 3)
        (step,) = meta["steps"]
        # The first process is restarted once past the hang.
        self.assertEqual(len(step["commands"]), 4, step["commands"])
        with open(log) as f:
            ran = [json.loads(l) for l in f]
        hung = "mutex/pthread_mutex/cs_ns:0/threads:2/place:compact"
        twin = "mutex/pthread_mutex/cs_ns:0/threads:2/place:scatter"
        for argv in ran[2:]:
            flt = next(a for a in argv if a.startswith("--benchmark_filter="))
            self.assertNotIn(hung, flt.replace("\\", ""))
            self.assertNotIn(twin, flt.replace("\\", ""))
        with open(os.path.join(d, "gb", "mutex.json")) as f:
            doc = json.load(f)
        self.assertFalse([b for b in doc["benchmarks"] if b.get("run_type") == "aggregate"])
        name = "mutex/ct_mutex/cs_ns:0/threads:2/place:compact"
        mine = [b for b in doc["benchmarks"] if b["run_name"].startswith(name + "/")]
        self.assertEqual(sorted(b["repetition_index"] for b in mine), list(range(6)))
        run = cr.load_run(d)
        inst = run.instances[name]
        self.assertEqual(len(inst.reps), 6)
        # 1.2e8 / 2 threads x (1 + 0.01 r) x the invocation's number: it ran
        # in invocations 1, 3 and 4 (2 is the first process's restart past
        # the hang), so the median of 1, 1.01, 3, 3.03, 4, 4.04 (x 6e7).
        self.assertAlmostEqual(inst.median("ops_per_s"), 6e7 * 3.015, delta=1.0)
        self.assertFalse(run.instances[hung].ok)
        self.assertFalse(run.instances[twin].ok)
        self.assertEqual(len(run.instances[hung].errors), 1)
        with open(os.path.join(d, "report.md")) as f:
            self.assertIn("each in 3 processes, pooled", f.read())

    def test_processes_later_overrun_keeps_results(self):
        # --processes 2, and the second process hangs until the step's time
        # limit: the benchmarks it had not finished keep the first
        # process's results (not error entries, not a failed sweep); the
        # step is partial and says so.
        env = {"FAKE_BENCH_RUN_SCALE": os.path.join(self.out, "runs"),
               "FAKE_BENCH_HANG_LATER": "mutex/pthread_mutex/cs_ns:0/threads:1/",
               "CONTEND_SWEEP_STEP_LIMIT": "4"}
        rc, out, err = self.fake("--filter", "^mutex/", "--processes", "2",
                                 "--step-timeout", "60", env=env)
        self.assertEqual(rc, 0, err)
        (d,) = run_dirs(self.out)
        (step,) = self.load_meta(d)["steps"]
        self.assertEqual(step["status"], "partial", step)
        self.assertIn("reached in process 2 of 2", step["message"])
        self.assertEqual(step["errors"], 0, step)
        run = cr.load_run(d)
        self.assertTrue(run.instances)
        reps = sorted(len(inst.reps) for inst in run.instances.values() if inst.ok)
        self.assertEqual(len(reps), len(run.instances), "a benchmark failed")
        self.assertEqual(reps[0], 1, reps)     # cut off in the second process
        self.assertEqual(reps[-1], 2, reps)    # finished in both

    def interrupt_and_resume(self, sig):
        e = dict(os.environ, FAKE_BENCH_SLEEP="0.08")
        p = subprocess.Popen([PY, SWEEP, "--bench", FAKE, "--no-peers", "--out", self.out,
                              "--duration",
                              "0.001", "--threads", "1,2"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=e)
        # Wait until the first steps are done, then interrupt mid-step.
        deadline = time.time() + 60
        while time.time() < deadline:
            ds = run_dirs(self.out)
            if ds and os.path.exists(os.path.join(ds[0], "gb", "counter.json")):
                break
            time.sleep(0.05)
        time.sleep(0.3)
        p.send_signal(sig)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, err)
        (d,) = run_dirs(self.out)
        self.assertIn("scripts/sweep --resume ", err)
        finished = sorted(f for f in os.listdir(os.path.join(d, "gb")) if f.endswith(".json"))
        self.assertIn("counter.json", finished)
        self.assertNotIn("queue.json", finished)
        for f in finished:
            cr.load_gb(os.path.join(d, "gb", f))       # intact
        self.assertEqual([f for f in os.listdir(d) if f.startswith(".tmp")], [])
        meta = self.load_meta(d)
        self.assertIn("interrupted", [s["status"] for s in meta["steps"]])
        # Resume: only what is missing runs.
        log = os.path.join(self.out, "argv.log")
        rc, out, err = sweep(["--resume", d, "--bench", FAKE], env={"FAKE_BENCH_LOG": log})
        self.assertEqual(rc, 0, err)
        with open(log) as f:
            ran = [json.loads(l) for l in f]
        filters = [a for argv in ran for a in argv if a.startswith("--benchmark_filter=")]
        for fam in finished:
            self.assertNotIn("--benchmark_filter=^%s/" % fam[:-5], filters)
        self.assertIn("--benchmark_filter=^queue/", filters)
        meta = self.load_meta(d)
        self.assertEqual([s["name"] for s in meta["steps"]], ["c2c", "counter", "mutex", "queue"])
        self.assertEqual({s["status"] for s in meta["steps"]}, {"ok"})
        self.assertTrue(os.path.exists(os.path.join(d, "report.md")))

    def test_sigint_then_resume(self):
        self.interrupt_and_resume(signal.SIGINT)

    def test_sigterm_then_resume(self):
        self.interrupt_and_resume(signal.SIGTERM)

    # Bad usage, unusable input, read-only and full disks: test_bad_inputs.py.

    def test_help(self):
        rc, out, err = sweep(["--help"])
        self.assertEqual(rc, 0)
        self.assertIn("--resume RUN_DIR", out)


def load_sweep_module():
    from contend import sweep as mod
    return mod


class SweepUnitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sw = load_sweep_module()

    def test_interrupt_before_resume_began(self):
        # A signal while --resume still loads meta.json or builds (before it
        # takes the folder over) leaves the folder as it was and says how to
        # go on; it is not "interrupted before any result was written".
        import contextlib
        import io
        d = tempfile.mkdtemp(prefix="contend-resume-")
        try:
            with open(os.path.join(d, "meta.json"), "w") as f:
                f.write('{"kept": true}')
            run = self.sw.run

            def interrupted(sw, opts):
                raise KeyboardInterrupt()
            self.sw.run = interrupted
            err = io.StringIO()
            old_term = signal.getsignal(signal.SIGTERM)
            try:
                with contextlib.redirect_stderr(err):
                    rc = self.sw.main(["--resume", d, "--bench", FAKE])
            finally:
                self.sw.run = run
                signal.signal(signal.SIGTERM, old_term)
            self.assertEqual(rc, 130, err.getvalue())
            self.assertIn("continue with: scripts/sweep --resume ", err.getvalue())
            self.assertNotIn("before any result was written", err.getvalue())
            self.assertEqual(os.listdir(d), ["meta.json"])
            with open(os.path.join(d, "meta.json")) as f:
                self.assertEqual(f.read(), '{"kept": true}')
        finally:
            shutil.rmtree(d)

    def test_profiles(self):
        sw = self.sw
        self.assertEqual(sw.profile_threads("quick", 2), "1,2,8")
        self.assertEqual(sw.profile_threads("quick", 1), "1,4")
        self.assertEqual(sw.profile_threads("full", 2), "1,2,3,4,5,6,7,8")
        full64 = [int(t) for t in sw.profile_threads("full", 64).split(",")]
        self.assertEqual((full64[0], full64[-1]), (1, 256))
        self.assertIn(64, full64)
        self.assertIn(65, full64)
        self.assertEqual(sw.profile_places("quick"), "compact,scatter")
        self.assertEqual(sw.profile_places("full"), "none,compact,scatter")

    def test_duration_fits_budget(self):
        sw = self.sw
        steps = [{"kind": "bench", "benchmarks": 400}, {"kind": "peers", "benchmarks": 150}]
        for profile, reps in (("quick", 1), ("full", 5)):
            d = sw.fit_duration(profile, steps, reps)
            lo, hi = sw.DURATION_LIMITS[profile]
            self.assertTrue(lo <= d <= hi, d)
            total = sum(sw.step_cost(s, reps, d) for s in steps)
            self.assertLess(total, sw.BUDGET[profile] * 1.05)

    def test_filters(self):
        sw = self.sw
        self.assertEqual(sw.ere_escape("a.b(c)|d+e*f?[g]{h}^$\\"),
                         "a\\.b\\(c\\)\\|d\\+e\\*f\\?\\[g\\]\\{h\\}\\^\\$\\\\")
        rx = sw.exact_regex(["mutex/ct_mutex/cs_ns:0/threads:1/place:cpus:0,1"])
        self.assertTrue(re.search(rx, "mutex/ct_mutex/cs_ns:0/threads:1/place:cpus:0,1/manual_time"))
        self.assertFalse(re.search(rx, "mutex/ct_mutex/cs_ns:0/threads:1/place:cpus:0,12"))

    def test_hwloc_mask(self):
        self.assertEqual(self.sw.hwloc_mask("0x00000005"), {0, 2})
        self.assertEqual(self.sw.hwloc_mask("0x00000001,0x00000000"), {32})
        self.assertEqual(self.sw.cpulist([0, 1, 2, 5, 7, 8]), "0-2,5,7-8")

    @unittest.skipUnless(shutil.which("lstopo"), "lstopo not installed")
    def test_topology_counts_synthetic(self):
        d = tempfile.mkdtemp()
        try:
            xml = os.path.join(d, "t.xml")
            subprocess.run(["lstopo", "--input", "pack:2 l3:1 core:2 pu:2", "--of", "xml", "-f",
                            xml], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            all_ = self.sw.topology_counts(xml)
            self.assertEqual((all_["pus"], all_["cores"], all_["packages"], all_["l3_caches"]),
                             (8, 4, 2, 2))
            # A run restricted to two PUs of one core is a 2-PU platform.
            part = self.sw.topology_counts(xml, {0, 1})
            self.assertEqual((part["pus"], part["cores"], part["packages"], part["pus_total"]),
                             (2, 1, 1, 8))
        finally:
            shutil.rmtree(d)


@unittest.skipUnless(os.environ.get("CONTEND_BENCH") and os.access(
    os.environ.get("CONTEND_BENCH", ""), os.X_OK), "contend-bench not built")
class RealBenchTest(unittest.TestCase):
    def test_tiny_sweep(self):
        exe = os.environ["CONTEND_BENCH"]
        p = subprocess.run([exe, "--list", "--threads=1,2", "--place=compact"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = [l.split()[0] for l in p.stdout.splitlines()
                 if l.strip() and re.match(r"^[a-z0-9_]+/\S+$", l.split()[0])]
        pick = [n for n in names if n.startswith("mutex/")][:2] or names[:2]
        self.assertTrue(pick, p.stdout)
        flt = "^(%s)$" % "|".join(re.escape(cr.parse_name(n).key) for n in pick)
        out = tempfile.mkdtemp(prefix="contend-sweep-real-")
        try:
            rc, so, se = sweep(["--bench", exe, "--no-peers", "--out", out, "--filter", flt,
                                "--duration",
                                "0.01", "--threads", "1,2", "--place", "compact"], timeout=300)
            self.assertEqual(rc, 0, se)
            (d,) = run_dirs(out)
            run = cr.load_run(d)
            self.assertEqual(sorted(run.instances), sorted(cr.parse_name(n).key for n in pick))
            for inst in run.instances.values():
                self.assertTrue(inst.ok, inst.errors)
                self.assertTrue(inst.values("ops_per_s"), inst.key)
            self.assertTrue(os.path.exists(os.path.join(d, "report.md")))
            if shutil.which("gnuplot"):
                self.assertTrue(glob.glob(os.path.join(d, "plots", "throughput-*.png")))
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
