"""contend.sweep_step — scripts/sweep's steps: deps, build, the plan (one
step per benchmark family, plus python-peers), running each step with its
watchdog, and meta.json; the helpers they share with contend.sweep."""

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time

from . import io as cio, results as cr
from .host import run_quiet

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # scripts/

REPO = os.path.dirname(HERE)
PROG = "scripts/sweep"
# Wall seconds one benchmark takes: a per second of --duration and
# repetition (Google Benchmark's iteration search runs it several times;
# python-peers runs one window) plus b fixed (team start, pinning, JSON).
# Measured on the 2-PU VM.
STEP_COST = {"bench": (2.6, 0.01), "peers": (1.1, 0.03)}
RUN_FACTOR = STEP_COST["bench"][0]
class Interrupted(BaseException):
    """SIGTERM, raised like KeyboardInterrupt: no 'except Exception'
    (the report's catch-all for bugs) may take it for an error."""


class UsageError(Exception):
    pass


def say(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)


def shell_join(cmd):
    return " ".join(shlex.quote(str(c)) for c in cmd)


def rel(path):
    r = os.path.relpath(path, os.getcwd())
    return path if r.startswith("../..") else r


def fmt_time(s):
    s = max(0, int(round(s)))
    return "%d:%02d" % (s // 60, s % 60) if s < 3600 else "%d:%02d:%02d" % (
        s // 3600, (s % 3600) // 60, s % 60)


# ------------------------------------------------------------------ args

def kill_group(p):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(p.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            p.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            continue


def hang_twins(culprit, names):
    """The benchmarks of names with the culprit's family and implementation
    and at least its thread count."""
    c = cr.parse_name(culprit)
    out = []
    for x in names:
        n = cr.parse_name(x)
        if (n.family, n.impl) == (c.family, c.impl) and (n.threads or 0) >= (c.threads or 0):
            out.append(x)
    return out


def exit_text(rc):
    if rc is None:
        return "did not finish"
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "exited with status %d" % rc


def error_entry(name, why, reps):
    return {"name": name, "family_index": -1, "per_family_instance_index": 0,
            "run_name": name, "run_type": "iteration", "repetitions": reps,
            "repetition_index": 0, "threads": 1, "error_occurred": True,
            "error_message": why, "iterations": 0, "real_time": 0.0, "cpu_time": 0.0,
            "time_unit": "ns"}


def ere_escape(s):
    """Escapes s for a POSIX extended regular expression (Google
    Benchmark's --benchmark_filter)."""
    return re.sub(r"([.\[\]{}()\\*+?^$|])", r"\\\1", s)


def exact_regex(names):
    return "^(%s)(/.*)?$" % "|".join(ere_escape(n) for n in names)


# ------------------------------------------------------------------ profiles

def step_cost(step, reps, duration):
    """Expected wall seconds of a step: (a, b) per benchmark, a * duration
    * reps + b."""
    a, b = STEP_COST.get(step["kind"], STEP_COST["bench"])
    n = step.get("benchmarks") or 10
    return n * (a * reps * duration + b) + 0.3


def step_processes(step, settings):
    """How many contend-bench processes run the step, one after the other
    (--processes; python-peers runs once)."""
    return (settings.get("processes") or 1) if step["kind"] == "bench" else 1


def pooled(benchmarks, pass_i, passes, reps):
    """The entries of process pass_i (of passes, reps repetitions each) for
    the step's JSON: with one process, as written; with several, their
    repetitions numbered on (process pass_i's first is pass_i * reps) and
    Google Benchmark's per-process aggregates left out: the report's
    medians and intervals are then over every process's repetitions."""
    if passes == 1:
        return list(benchmarks)
    out = []
    for b in benchmarks:
        if b.get("run_type") == "aggregate":
            continue
        b = dict(b)
        b["repetition_index"] = int(b.get("repetition_index") or 0) + pass_i * reps
        b["repetitions"] = reps * passes
        out.append(b)
    return out


def pass_progress(progress, step, pass_i, passes):
    """progress, counting over every process of the step."""
    if passes == 1:
        return progress
    total = step.get("benchmarks")
    view = dict(step, benchmarks=total * passes if total else None)
    done_before = pass_i * (total or 0)

    def shown(k, n, _step, done, current, elapsed):
        progress(k, n, view, done + done_before, current, elapsed)
    return shown


# ------------------------------------------------------------------ build

class Sweep:
    def __init__(self, opts):
        self.opts = opts
        self.tty = sys.stderr.isatty()
        self.commands = []
        self.t0 = time.monotonic()
        self.meta = None
        self.run_dir = None
        self.child = None
        self.failed = False
        self.step = None        # the step whose result meta.json does not hold yet
        # What a new run leaves before its meta.json exists: removed if it
        # is interrupted then (there is nothing to resume).
        self.scratch = []
        self.held = None        # the signal mask before run_step blocked them
        self.lock_fd = None     # the run folder's lock (sweep.lock_run_dir)
        # The run's busy-work calibration (contend-bench's
        # work_loop_ns_per_iter), taken from its first contend-bench
        # process and given to every later one (CTB_WORK_NS_PER_ITER), so
        # that all rows spin the same critical sections: timed anew, the
        # three processes of one step read 0.292, 0.273 and 0.520 ns.
        self.work_ns = None

    def adopt_work_calibration(self, context):
        """Keeps the first contend-bench context's work_loop_ns_per_iter."""
        if self.work_ns is not None or not isinstance(context, dict):
            return
        v = context.get("work_loop_ns_per_iter")
        try:
            if v is not None and 0 < float(v) < 1000:
                self.work_ns = str(v)
        except (TypeError, ValueError):
            pass

    def log_cmd(self, cmd):
        self.commands.append(shell_join(cmd))

    def deps(self):
        deps = os.path.join(HERE, "deps")
        if not os.path.exists(deps):
            return
        cmd = [deps]
        self.log_cmd(["scripts/deps"])
        rc = subprocess.call(cmd)
        if rc != 0:
            raise SystemExit(self.fail("scripts/deps failed (exit %d): install the packages "
                                       "it names, or pass --bench PATH" % rc))

    def build(self):
        build = os.path.join(REPO, "build")
        if not os.path.exists(os.path.join(build, "build.ninja")):
            cmd = ["meson", "setup", "build", "--buildtype=release"]
            self._run_build(cmd, "configuring build/")
        else:
            want = {"buildtype": "release", "b_sanitize": "none", "checked": False}
            have = {}
            try:
                with open(os.path.join(build, "meson-info", "intro-buildoptions.json")) as f:
                    for o in json.load(f):
                        if o.get("name") in want:
                            have[o["name"]] = o.get("value")
            except (OSError, ValueError):
                pass
            wrong = [k for k in want if k in have and have[k] != want[k]]
            if wrong:
                say("build/ is configured with %s; reconfiguring for a release build"
                    % ", ".join("%s=%s" % (k, have[k]) for k in wrong))
                cmd = ["meson", "configure", "build"] + [
                    "-D%s=%s" % (k, str(want[k]).lower()) for k in wrong]
                self._run_build(cmd, "reconfiguring build/")
        cmd = ["ninja", "-C", "build", "bench/contend-bench"]
        self._run_build(cmd, "building contend-bench")
        return os.path.join(build, "bench", "contend-bench")

    def _run_build(self, cmd, what):
        self.log_cmd(cmd)
        if self.tty:
            sys.stderr.write("%s: %s ...\r" % (PROG, what))
            sys.stderr.flush()
        rc, out, err = run_quiet(cmd, timeout=3600, cwd=REPO)
        if self.tty:
            sys.stderr.write("\r\x1b[K")
        if rc != 0:
            text = (out + err).strip().splitlines()
            for line in text[-25:]:
                print("  " + line, file=sys.stderr)
            hint = ""
            if "unknown target" in (out + err):
                hint = " (meson left contend-bench out: is Google Benchmark or hwloc missing?)"
            raise SystemExit(self.fail("%s failed: %s%s" % (what, shell_join(cmd), hint)))

    def fail(self, msg):
        say(msg)
        return 1

    # -------------------------------------------------------------- plan
    def list_names(self, exe, settings, peers=False):
        cmd = [exe, "--list", "--threads=" + settings["threads"],
               "--place=" + settings["places"]]
        rc, out, err = run_quiet(cmd, timeout=120, cwd=REPO)
        if rc != 0:
            if peers:
                return None
            line = (err.strip().splitlines() or ["exit status %d" % rc])[-1]
            if self.opts.get("bench"):
                raise UsageError("--bench %s: %s --list failed: %s" % (self.opts["bench"],
                                                                        rel(exe), line))
            raise SystemExit(self.fail("%s --list failed: %s" % (rel(exe), line)))
        names = []
        seen = set()
        for line in out.splitlines():
            tok = line.strip().split()[0] if line.strip() else ""
            if re.match(r"^[A-Za-z0-9_.\-]+/[^\s]+$", tok):
                key = cr.parse_name(tok).key
                if key not in seen:
                    seen.add(key)
                    names.append(key)
        return names

    def plan(self, exe, settings):
        names = self.list_names(exe, settings)
        if not names:
            raise SystemExit(self.fail("%s --list printed no benchmark" % rel(exe)))
        flt = settings.get("filter")
        if flt:
            rx = re.compile(flt)
            names = [n for n in names if rx.search(n)]
            if not names:
                raise UsageError("no benchmark matches --filter '%s' (see %s --list)"
                                 % (flt, rel(exe)))
        by_fam = {}
        for n in names:
            by_fam.setdefault(n.split("/", 1)[0], []).append(n)
        steps = []
        for fam in sorted(by_fam, key=cr.family_sort_key):
            steps.append({"name": fam, "kind": "bench", "family": fam,
                          "benchmarks": len(by_fam[fam]), "names": by_fam[fam]})
        peers = os.path.join(HERE, "python-peers")
        if os.path.exists(peers) and not settings.get("no_peers"):
            pnames = self.list_names(peers, settings, peers=True)
            if pnames is not None and flt:
                pnames = [n for n in pnames if re.search(flt, n)]
            if pnames is None or pnames:
                steps.append({"name": "python-peers", "kind": "peers",
                              "benchmarks": len(pnames) if pnames else None, "names": pnames})
        return steps

    # -------------------------------------------------------------- run
    def step_command(self, exe, settings, step, out_path, names):
        """The contend-bench command of a step; names: the benchmarks this
        invocation must run (None: all the step has)."""
        duration = settings["duration"]
        cap = (settings.get("family_duration_cap") or {}).get(step.get("family"))
        if cap is not None:
            duration = min(duration, cap)
        cmd = [exe, "--threads=" + settings["threads"], "--place=" + settings["places"],
               "--duration=%g" % duration]
        whole = names is None or len(names) == len(step.get("names") or ())
        if whole and not settings.get("filter"):
            if step["kind"] == "bench":
                cmd.append("--benchmark_filter=^%s/" % ere_escape(step["family"]))
        elif names:
            cmd.append("--benchmark_filter=" + exact_regex(names))
        elif settings.get("filter"):
            cmd.append("--benchmark_filter=" + settings["filter"])
        if settings["repetitions"] > 1:
            cmd.append("--benchmark_repetitions=%d" % settings["repetitions"])
        cmd += ["--benchmark_out=" + out_path, "--benchmark_out_format=json"]
        return cmd

    def probe_name(self):
        """The row the sweep measures before each step: the plan's first
        c2c/roundtrip benchmark (the run's first two PUs), or None."""
        for s in (self.meta or {}).get("plan") or []:
            for n in s.get("names") or []:
                if n.startswith("c2c/roundtrip/"):
                    return n
        return None

    def probe_c2c(self, exe):
        """The cache-line round trip between the run's first two PUs,
        measured now: p50 in ns, the median of 3 short repetitions (~0.3 s).
        The c2c step measures it once; on a VM whose host moves its vCPUs
        the cost of sharing a line can change during a run, and with it
        every contended row (docs/performance.md, the reference run's
        queue family). None when the run has no such row or the probe
        fails: the step runs all the same."""
        name = self.probe_name()
        if name is None:
            return None
        fd, out = tempfile.mkstemp(prefix="contend-c2c-probe-", suffix=".json")
        os.close(fd)
        cmd = [exe, "--threads=2", "--place=compact", "--duration=0.02",
               "--benchmark_repetitions=3", "--benchmark_filter=" + exact_regex([name]),
               "--benchmark_out=" + out, "--benchmark_out_format=json"]
        env = dict(os.environ, CTB_WORK_NS_PER_ITER=self.work_ns) if self.work_ns else None
        try:
            rc, _, _ = run_quiet(cmd, timeout=30, cwd=REPO, env=env)
            if rc != 0:
                return None
            gb = cr.load_gb(out)
        except cio.ResultsError:
            return None
        finally:
            cio.unlink_quietly(out)
        vals = sorted(b["p50_ns"] for b in gb.get("benchmarks", [])
                      if isinstance(b, dict) and b.get("run_type") == "iteration"
                      and not b.get("error_occurred")
                      and isinstance(b.get("p50_ns"), (int, float)))
        return round(vals[len(vals) // 2], 1) if vals else None

    def expected_seconds(self, step, settings):
        return step_cost(step, settings["repetitions"], settings["duration"]) * \
            step_processes(step, settings)

    def run_step(self, exe, settings, step, k, n, progress):
        """Runs one step, restarting past a benchmark that hangs or crashes.
        Returns the step record for meta.json."""
        run_dir = self.run_dir
        final = os.path.join(run_dir, "gb", step["name"] + ".json")
        tmp = os.path.join(run_dir, ".tmp-gb-%s.json" % step["name"])
        names = step.get("names")
        remaining = list(names) if names else None
        reps = settings["repetitions"]
        passes = step_processes(step, settings)
        # A benchmark (one repetition) that reports nothing for bench_limit
        # seconds hangs; a step that runs past step_limit is stopped.
        bench_limit = settings.get("step_timeout") or (
            5.0 + 20.0 * reps * settings["duration"] * RUN_FACTOR)
        step_limit = max(120.0, 3.0 * self.expected_seconds(step, settings) + 60.0,
                         2.0 * bench_limit)
        if os.environ.get("CONTEND_SWEEP_STEP_LIMIT"):   # tests: a short step limit
            step_limit = float(os.environ["CONTEND_SWEEP_STEP_LIMIT"])
        record = {"name": step["name"], "status": "running", "benchmarks": step.get("benchmarks"),
                  "errors": 0, "started": time.strftime("%Y-%m-%dT%H:%M:%S"), "commands": []}
        context = None
        results = []
        killed = []
        log_lines = []
        t_step = time.monotonic()
        zero_progress = 0
        message = None
        for pass_i in range(passes):
            # Every process runs what has not failed in an earlier one (a
            # benchmark that hung or crashed there has its error entry).
            if pass_i > 0:
                if time.monotonic() - t_step >= step_limit:
                    message = "step time limit (%.0f s) reached after %d of %d processes" % (
                        step_limit, pass_i, passes)
                    break
                gone = {x for x, _ in killed}
                remaining = [x for x in names if x not in gone] if names else None
                if names and not remaining:
                    break
                zero_progress = 0
            shown_progress = pass_progress(progress, step, pass_i, passes)
            while True:
                invoke_names = remaining
                program = os.path.join(HERE, "python-peers") if step["kind"] == "peers" else exe
                self.bench_exe = exe
                cmd = self.step_command(program, settings, step, tmp, invoke_names)
                shown = [c if not c.startswith("--benchmark_out=") else
                         "--benchmark_out=gb/%s.json" % step["name"] for c in cmd]
                shown[0] = rel(shown[0])
                record["commands"].append(shell_join(shown))
                self.log_cmd(shown)
                cio.unlink_quietly(tmp)
                rc, hung, seen, lines = self._invoke(cmd, step, k, n, shown_progress, bench_limit,
                                                     invoke_names, t_step, t_step + step_limit)
                log_lines.extend(lines)
                doc = None
                try:
                    doc = cr.load_gb(tmp)
                except cio.ResultsError:
                    try:
                        with open(tmp, encoding="utf-8", errors="replace") as f:
                            doc = cr.salvage_truncated(f.read())
                    except OSError:
                        doc = None
                cio.unlink_quietly(tmp)
                got = set()
                if doc:
                    context = context or doc.get("context")
                    if step["kind"] != "peers":
                        self.adopt_work_calibration(doc.get("context"))
                    results.extend(pooled(doc.get("benchmarks", []), pass_i, passes, reps))
                    got = {cr.parse_name(b.get("run_name") or b["name"]).key
                           for b in doc["benchmarks"]}
                complete = doc is not None and not hung and (
                    remaining is None or all(x in got for x in remaining))
                if complete or (rc == 0 and not hung):
                    if doc is None:
                        message = "%s wrote no valid JSON" % os.path.basename(program)
                    elif rc != 0:
                        # python-peers exits 1 when a benchmark failed; its
                        # JSON has every result, the error rows included.
                        record["exit_status"] = rc
                    break
                # A hang or crash: name the benchmark that was running.
                over = time.monotonic() - t_step >= step_limit
                why = ("no result within %.0f s; killed by scripts/sweep" % bench_limit if hung
                       else "%s %s" % (os.path.basename(program), exit_text(rc)))
                if over and pass_i > 0:
                    # A later process ran out of the step's time: what it
                    # had not finished keeps the earlier processes' results
                    # (fewer repetitions, no error).
                    message = ("step time limit (%.0f s) reached in process %d of %d; the "
                               "benchmarks it had not finished keep the earlier processes' "
                               "results" % (step_limit, pass_i + 1, passes))
                    break
                if over:
                    why = "step time limit (%.0f s) reached; killed by scripts/sweep" % step_limit
                if remaining is None:
                    message = why
                    break
                done = got | seen
                left = [x for x in remaining if x not in got]
                if not left:
                    break
                culprit = next((x for x in left if x not in done), left[0])
                # Benchmarks the console reported but the JSON lacks ran before
                # the culprit; re-run them rather than lose them.
                killed.append((culprit, why))
                remaining = [x for x in left if x != culprit]
                if hung and not over:
                    # An implementation that hangs at T threads (spinning locks
                    # collapse once threads outnumber PUs) is not run at T or
                    # more threads in the rest of this step.
                    skip = hang_twins(culprit, remaining)
                    for x in skip:
                        killed.append((x, "skipped: %s did not finish within %.0f s"
                                       % (culprit, bench_limit)))
                    remaining = [x for x in remaining if x not in skip]
                    zero_progress = 0
                else:
                    zero_progress = zero_progress + 1 if not (got or seen) else 0
                if zero_progress >= 2 or over or not remaining:
                    for x in remaining:
                        killed.append((x, "not run: %s" % (why if over else
                                                           "%s failed repeatedly (%s)"
                                                           % (os.path.basename(program), why))))
                    remaining = []
                    break
            if message:
                break
        seconds = time.monotonic() - t_step
        if names and results:
            have = {cr.parse_name(b.get("run_name") or b["name"]).key for b in results}
            have.update(x for x, _ in killed)
            for x in names:
                if x not in have:
                    killed.append((x, "no result: %s did not report it"
                                   % os.path.basename(program)))
        for name, why in killed:
            results.append(error_entry(name, why, reps))
        # Failed benchmarks, not failed entries: a benchmark that fails
        # has one error entry per repetition, and report.md counts names.
        failed = {}
        for b in results:
            if b.get("error_occurred"):
                n = cr.parse_name(b.get("run_name") or b["name"])
                failed[n.key] = n
        errors = len(failed)
        # A peer's failures (spinning locks that never finish once threads
        # outnumber PUs) are recorded and reported, but only contend's own
        # rows, the baselines and the harness fail the sweep.
        peer_errors = sum(1 for n in failed.values() if cr.is_peer(n.impl))
        record.update(seconds=round(seconds, 2), errors=errors, peer_errors=peer_errors)
        # The step's files and its record in meta.json land together: an
        # interrupt waits from here until run() has written meta.json.
        self.held = cio._block_signals()
        # The console output repeats the JSON: kept only where something
        # went wrong, to tell what.
        if log_lines and (killed or message or errors or record.get("exit_status")):
            cio.atomic_write_text(os.path.join(run_dir, "gb", step["name"] + ".log"),
                                 "".join(log_lines))
        if results:
            cio.atomic_write_json(final, {"context": context or {}, "benchmarks": results})
            record["status"] = "ok" if not killed and not message else "partial"
        else:
            record["status"] = "failed"
            message = message or "no results"
        if killed:
            record["message"] = "%d benchmark%s killed or not run: %s" % (
                len(killed), "" if len(killed) == 1 else "s", killed[0][1])
        if message:
            record["message"] = message + ("; " + record["message"] if killed else "")
            tail = [l.strip() for l in log_lines if l.strip()][-1:]
            if tail and record["status"] == "failed":
                record["message"] += " - last output: " + tail[0][:200]
        return record

    def _invoke(self, cmd, step, k, n, progress, bench_limit, names, t_step, deadline):
        """Runs one contend-bench process; returns (rc, hung, seen, lines).

        A process that printed a result line (Google Benchmark's console
        prints one per benchmark) and then stays silent for bench_limit
        hangs; contend-bench prints its first line within bench_limit too.
        A program that prints no progress (python-peers writes its JSON at
        the end) only meets the deadline."""
        lines = []
        seen = set()
        wanted = set(names) if names else None
        state = {"last": time.monotonic(), "done": 0}
        lock = threading.Lock()
        try:
            # python-peers places its workers with this sweep's contend-bench
            # --plan; contend-bench spins the run's calibrated busy work.
            env = None
            if step["kind"] == "peers" and getattr(self, "bench_exe", None):
                env = dict(os.environ, CONTEND_BENCH=os.path.abspath(self.bench_exe))
            elif step["kind"] != "peers" and self.work_ns is not None:
                env = dict(os.environ, CTB_WORK_NS_PER_ITER=self.work_ns)
            p = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        except OSError as e:
            return 127, False, seen, ["cannot run %s: %s\n" % (cmd[0], e)]
        self.child = p

        def reader():
            for raw in iter(p.stdout.readline, b""):
                line = raw.decode("utf-8", "replace")
                tok = line.split(None, 1)[0] if line.strip() else ""
                with lock:
                    lines.append(line)
                    if "/" in tok:
                        key = cr.parse_name(tok).key
                        if wanted is None or key in wanted:
                            state["last"] = time.monotonic()
                            if key not in seen:
                                seen.add(key)
                                state["done"] = len(seen)
            p.stdout.close()

        th = threading.Thread(target=reader, daemon=True)
        hung = False
        try:
            # Inside the try: a signal while the reader starts (slow on a
            # loaded machine) still stops the child, which would otherwise
            # go on writing its temp file after the sweep has cleaned up.
            th.start()
            while True:
                try:
                    p.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    pass
                with lock:
                    idle = time.monotonic() - state["last"]
                    done = state["done"]
                current = None
                if names:
                    current = next((x for x in names if x not in seen), None)
                progress(k, n, step, done, current, time.monotonic() - t_step)
                watched = step["kind"] == "bench" or done > 0
                if (watched and idle > bench_limit) or time.monotonic() > deadline:
                    hung = True
                    kill_group(p)
                    p.wait()
                    break
        except BaseException:
            kill_group(p)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            raise
        finally:
            th.join(timeout=5)
            self.child = None
        return p.returncode, hung, seen, lines

    # -------------------------------------------------------------- meta
    def write_meta(self):
        self.meta["commands"] = list(self.commands)
        cio.atomic_write_json(os.path.join(self.run_dir, "meta.json"), self.meta)
