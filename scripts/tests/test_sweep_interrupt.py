#!/usr/bin/python3
"""scripts/sweep interrupted at random points, then --resume (scripts suite).

Against the real contend-bench ($CONTEND_BENCH; skipped, exit 77, when it
is not set or not built): one uninterrupted reference sweep of a few small
families (plus python-peers), then CONTEND_INTERRUPT_TRIALS trials
(default 6) that each start the same sweep and, after a random delay (each
in its own slice of the run's length: startup, steps, report), send it
SIGINT the way a terminal's Ctrl-C does (to its process group) or SIGTERM
(to its pid), alternately.
After each interrupt: exit status 130, meta.json parses and marks no step
running, every step marked ok has its gb/<step>.json with every planned
benchmark and every repetition, no temp file is left anywhere. Some trials
interrupt the --resume once more. The last --resume must exit 0 with every
step ok, the results finished before the interrupts byte-identical (not
rerun, not lost), the same benchmarks as the reference run, and report.md
and csv/ present.

The random delays come from one seed, printed first; rerun a failure with
CONTEND_INTERRUPT_SEED=<seed>.
"""
import glob
import hashlib
import json
import os
import random
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
PY = sys.executable
EXE = os.environ.get("CONTEND_BENCH", "")
HAVE_BENCH = bool(EXE) and os.path.isfile(EXE) and os.access(EXE, os.X_OK)
SKIP_WHY = ("CONTEND_BENCH is not set" if not EXE else
            "CONTEND_BENCH=%s is not built" % EXE)

# About 7 s uninterrupted on the 2-PU VM: four contend-bench steps and a
# python-peers step (its JSON is written only at the end).
FILTER = "^(c2c|atomic|rmutex|event)/"
REPS = 2
SETTINGS = ["--filter", FILTER, "--duration", "0.03", "--repetitions", str(REPS),
            "--threads", "1,2", "--place", "compact"]
TRIALS = int(os.environ.get("CONTEND_INTERRUPT_TRIALS") or 6)
SEED = int(os.environ.get("CONTEND_INTERRUPT_SEED") or random.SystemRandom().randrange(1 << 31))
# After a signal the sweep must be gone within this many seconds (it kills
# the running benchmark and writes meta.json).
EXIT_WITHIN = 30
RUN_TIMEOUT = 120
# A finished sweep may still be exiting when the signal lands: exit 0 is
# fine if it was gone within this many seconds of the signal.
LATE_SIGNAL_S = 0.5


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def keys_of(doc):
    return {cr.parse_name(b.get("run_name") or b["name"]).key for b in doc["benchmarks"]}


class Proc:
    """One scripts/sweep run in its own session (process group), as a shell
    would start it; stdout and stderr go to files."""

    def __init__(self, args, logdir, tag):
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_BENCH_")}
        # A sweep that hangs is sent SIGABRT first (wait()): faulthandler
        # then writes every thread's traceback to its stderr.
        env["PYTHONFAULTHANDLER"] = "1"
        self.err_path = os.path.join(logdir, tag + ".err")
        self.out_path = os.path.join(logdir, tag + ".out")
        self.args = args
        with open(self.out_path, "wb") as so, open(self.err_path, "wb") as se:
            self.p = subprocess.Popen([PY, SWEEP] + args, stdout=so, stderr=se,
                                      stdin=subprocess.DEVNULL, env=env,
                                      start_new_session=True)
        self.t0 = time.monotonic()
        self.signalled = None
        self.exited = None

    def interrupt(self, sig, delay):
        """Sends sig delay seconds after the start unless the sweep ended
        before; returns the exit status."""
        try:
            self.p.wait(timeout=max(0.0, self.t0 + delay - time.monotonic()))
        except subprocess.TimeoutExpired:
            if sig == signal.SIGINT:
                os.killpg(self.p.pid, sig)      # Ctrl-C: the whole foreground group
            else:
                self.p.send_signal(sig)         # kill PID / a service manager
            self.signalled = time.monotonic()
        return self.wait(EXIT_WITHIN if self.signalled else RUN_TIMEOUT)

    def wait(self, timeout=RUN_TIMEOUT):
        try:
            rc = self.p.wait(timeout=timeout)
            self.exited = time.monotonic()
            return rc
        except subprocess.TimeoutExpired:
            # Where it hangs: faulthandler's tracebacks land in stderr.
            self.p.send_signal(signal.SIGABRT)
            try:
                self.p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            os.killpg(self.p.pid, signal.SIGKILL)
            self.p.wait()
            raise AssertionError("scripts/sweep %s did not exit within %d s%s\n%s" % (
                " ".join(self.args), timeout, " of the signal" if self.signalled else "",
                self.stderr()))

    def stderr(self):
        with open(self.err_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def elapsed(self):
        return time.monotonic() - self.t0


@unittest.skipUnless(HAVE_BENCH, SKIP_WHY)
class InterruptedSweepTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="contend-sweep-int-")
        cls.plan = None         # step name -> planned benchmark keys
        cls.ref_keys = None
        cls.ref_seconds = None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # ------------------------------------------------------------ helpers
    def start(self, args, out, tag):
        return Proc(args, out, tag)

    def fresh(self, out, tag):
        return self.start(["--bench", EXE, "--out", out] + SETTINGS, out, tag)

    def run_dir(self, out):
        ds = [d for d in glob.glob(os.path.join(out, "*", "*")) if os.path.isdir(d)]
        self.assertLessEqual(len(ds), 1, ds)
        return ds[0] if ds else None

    def no_temp_files(self, out, ctx):
        left = [os.path.relpath(os.path.join(r, f), out)
                for r, dirs, files in os.walk(out) for f in files + dirs
                if f.startswith(".tmp")]
        self.assertEqual(left, [], "%s: temp files left behind" % ctx)

    def check_step_file(self, d, name, ctx):
        """gb/<name>.json is Google Benchmark JSON with every planned
        benchmark, REPS repetitions each, and no error."""
        path = os.path.join(d, "gb", name + ".json")
        self.assertTrue(os.path.exists(path), "%s: step %s is ok but %s is missing"
                        % (ctx, name, path))
        try:
            doc = cr.load_gb(path)
        except cr.ResultsError as e:
            self.fail("%s: %s" % (ctx, e))
        want = set(self.plan[name])
        self.assertEqual(keys_of(doc), want, "%s: gb/%s.json" % (ctx, name))
        errors = [b["name"] for b in doc["benchmarks"] if b.get("error_occurred")]
        self.assertEqual(errors, [], "%s: gb/%s.json has failed benchmarks" % (ctx, name))
        reps = {}
        for b in doc["benchmarks"]:
            if b.get("run_type", "iteration") == "iteration":
                k = cr.parse_name(b.get("run_name") or b["name"]).key
                reps[k] = reps.get(k, 0) + 1
        self.assertEqual(reps, {k: REPS for k in want}, "%s: repetitions in gb/%s.json"
                         % (ctx, name))
        return doc

    def snapshot(self, d):
        gb = os.path.join(d, "gb")
        if not os.path.isdir(gb):
            return {}
        return {f: sha256(os.path.join(gb, f)) for f in sorted(os.listdir(gb))}

    def check_interrupted(self, proc, rc, out, ctx):
        """After a signal: exit status, run folder consistency. Returns the
        run folder (None: interrupted before it held anything) and the
        snapshot of its finished results."""
        err = proc.stderr()
        d = self.run_dir(out)
        self.no_temp_files(out, ctx)
        if rc == 0:
            # The signal came after the sweep had ended, or while Python was
            # already exiting from a finished run (then it is gone within
            # LATE_SIGNAL_S of the signal; a sweep that ignored a signal
            # would run on for longer).
            if proc.signalled is not None:
                self.assertLess(proc.exited - proc.signalled, LATE_SIGNAL_S,
                                "%s: exit 0 after a signal\n%s" % (ctx, err))
            self.check_complete(d, ctx)
            return d, self.snapshot(d)
        self.assertIsNotNone(proc.signalled, "%s: exit %s without a signal\n%s" % (ctx, rc, err))
        has_meta = d is not None and os.path.exists(os.path.join(d, "meta.json"))
        if rc in (1, -signal.SIGINT, -signal.SIGTERM) and "scripts/sweep" not in err \
                and not re.search(r'File "[^"]*/scripts/', err):
            # The interpreter itself was still starting, before the first
            # line of scripts/sweep (whose handlers exit 130 from there on):
            # Python dies of the signal, or stops with "Fatal Python error"
            # and a traceback through its own startup modules. Nothing of
            # the sweep ran; the caller checks the results unchanged.
            return (d, self.snapshot(d)) if d is not None else (None, {})
        if rc in (-signal.SIGINT, -signal.SIGTERM):
            # Python itself was still starting (imports, before the sweep's
            # handlers exist) or already shutting down after a finished
            # run: it dies of the signal, as any program would.
            if d is None:
                return None, {}
            if not err.strip():
                # A --resume's Python still starting (its SIGTERM handler
                # is the first thing main() installs, before any output):
                # it did nothing; the caller checks the results unchanged.
                return d, self.snapshot(d)
            if "Traceback" not in err and os.path.exists(os.path.join(d, "report.md")):
                self.check_complete(d, ctx + " (signal at exit)")
                return d, self.snapshot(d)
        self.assertEqual(rc, 130, "%s: exit status after a signal\n%s" % (ctx, err))
        self.assertNotIn("Traceback", err, ctx)
        if not has_meta:
            self.assertIn("interrupted before any result was written", err, ctx)
            self.assertIsNone(d, "%s: a run folder without meta.json is left: %s" % (ctx, d))
            return None, {}
        with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        self.assertIn("continue with: scripts/sweep --resume ", err, ctx)
        self.assertIn("interrupted", meta, ctx)
        statuses = {s["name"]: s.get("status") for s in meta.get("steps", [])}
        self.assertNotIn("running", statuses.values(), ctx)
        for name, st in statuses.items():
            self.assertIn(st, ("ok", "interrupted"), "%s: step %s: %s" % (ctx, name, st))
            if st == "ok":
                self.check_step_file(d, name, ctx)
        # Every result file belongs to a finished step, and is whole.
        for f in sorted(os.listdir(os.path.join(d, "gb"))):
            self.assertTrue(f.endswith(".json"), "%s: unexpected gb/%s" % (ctx, f))
            self.assertEqual(statuses.get(f[:-5]), "ok",
                             "%s: gb/%s without an ok step in meta.json" % (ctx, f))
        return d, self.snapshot(d)

    def check_complete(self, d, ctx):
        self.assertIsNotNone(d, ctx)
        with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        self.assertEqual(sorted(s["name"] for s in meta["steps"]), sorted(self.plan), ctx)
        self.assertEqual({s["status"] for s in meta["steps"]}, {"ok"}, ctx)
        self.assertIn("finished", meta, ctx)
        keys = set()
        for name in self.plan:
            keys |= keys_of(self.check_step_file(d, name, ctx))
        self.assertEqual(keys, self.ref_keys, ctx)
        for f in ("report.md", os.path.join("csv", "results.csv")):
            self.assertTrue(os.path.getsize(os.path.join(d, f)) > 0, "%s: %s" % (ctx, f))
        return meta

    def resume(self, d, out, tag, sig=None, delay=None):
        proc = self.start(["--resume", d, "--bench", EXE], out, tag)
        rc = proc.interrupt(sig, delay) if sig else proc.wait()
        return proc, rc

    # ------------------------------------------------------------ tests
    def reference(self):
        out = os.path.join(self.tmp, "reference")
        os.makedirs(out)
        proc = self.fresh(out, "sweep")
        rc = proc.wait()
        self.ref_seconds = proc.elapsed()
        err = proc.stderr()
        self.assertEqual(rc, 0, err)
        d = self.run_dir(out)
        with open(os.path.join(d, "meta.json"), encoding="utf-8") as f:
            meta = json.load(f)
        type(self).plan = {s["name"]: s["names"] for s in meta["plan"]}
        self.assertIn("python-peers", self.plan)
        self.assertGreaterEqual(len(self.plan), 4)
        type(self).ref_keys = set(k for names in self.plan.values() for k in names)
        self.check_complete(d, "reference")
        self.no_temp_files(out, "reference")
        print("reference sweep: %d steps, %d benchmarks, %.1f s"
              % (len(self.plan), len(self.ref_keys), self.ref_seconds), file=sys.stderr)

    def test_interrupt_and_resume(self):
        print("seed %d (rerun with CONTEND_INTERRUPT_SEED=%d), %d trials"
              % (SEED, SEED, TRIALS), file=sys.stderr, flush=True)
        rng = random.Random(SEED)
        self.reference()
        span = self.ref_seconds
        # Stratified: each trial draws its delay from its own slice of the
        # run, in shuffled order, so that startup, planning, the steps and
        # the report all get hit in every test run.
        slices = list(range(TRIALS))
        rng.shuffle(slices)
        for i in range(TRIALS):
            sig = signal.SIGINT if i % 2 == 0 else signal.SIGTERM
            delay = rng.uniform(slices[i], slices[i] + 1) * span / TRIALS
            again = i % 3 == 2           # interrupt the resume once more
            again_sig = signal.SIGTERM if sig == signal.SIGINT else signal.SIGINT
            again_delay = rng.uniform(0.0, span * 0.8)
            ctx = "seed %d trial %d (%s at %.2f s%s)" % (
                SEED, i, sig.name, delay,
                ", resume %s at %.2f s" % (again_sig.name, again_delay) if again else "")
            with self.subTest(trial=i):
                self.trial(i, ctx, sig, delay, again_sig if again else None, again_delay)

    def trial(self, i, ctx, sig, delay, again_sig, again_delay):
        out = os.path.join(self.tmp, "trial%s" % i)
        os.makedirs(out)
        t0 = time.monotonic()
        proc = self.fresh(out, "sweep")
        rc = proc.interrupt(sig, delay)
        d, snap = self.check_interrupted(proc, rc, out, ctx + ", after the interrupt")
        what = "exit %d, %d results kept" % (rc, len(snap))
        if d is None:
            print("%s: %s; nothing to resume" % (ctx, what), file=sys.stderr, flush=True)
            return
        if again_sig and rc != 0:
            proc, rc2 = self.resume(d, out, "resume1", again_sig, again_delay)
            d2, snap2 = self.check_interrupted(proc, rc2, out,
                                               ctx + ", after the interrupted resume")
            self.assertEqual(d2, d, ctx)
            for f, h in snap.items():
                self.assertEqual(snap2.get(f), h, "%s: gb/%s changed or lost by the "
                                 "interrupted resume" % (ctx, f))
            snap = snap2
            what += "; resume exit %d, %d results kept" % (rc2, len(snap))
        proc, rc = self.resume(d, out, "resume")
        err = proc.stderr()
        self.assertEqual(rc, 0, "%s: --resume\n%s" % (ctx, err))
        self.assertNotIn("Traceback", err, ctx)
        self.no_temp_files(out, ctx + ", after --resume")
        meta = self.check_complete(d, ctx + ", after --resume")
        self.assertTrue(meta.get("resumed"), ctx)
        final = self.snapshot(d)
        for f, h in snap.items():
            self.assertEqual(final.get(f), h, "%s: gb/%s finished before the interrupt "
                             "was rerun or lost by --resume" % (ctx, f))
        print("%s: %s; resumed in %.1f s; trial %.1f s"
              % (ctx, what, proc.elapsed(), time.monotonic() - t0), file=sys.stderr, flush=True)


if __name__ == "__main__":
    if not HAVE_BENCH:
        print("SKIP: %s (meson passes the built contend-bench)" % SKIP_WHY)
        sys.exit(77)
    unittest.main(verbosity=2)
