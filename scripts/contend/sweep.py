"""scripts/sweep — install, build, run contend-bench over thread counts and
placements, and leave a self-describing result folder with figures.

Usage: scripts/sweep [--quick | --full] [--filter REGEX] [--out DIR]
                     [--repetitions N] [--processes N] [--duration S]
                     [--threads LIST] [--place LIST] [--step-timeout S]
                     [--bench PATH] [--no-peers]
       scripts/sweep --resume RUN_DIR [--bench PATH]

  --quick          default: every family, threads 1, PUs and 4xPUs, places
                   compact and scatter, one repetition; at most 3 minutes on
                   a 2-PU machine
  --full           threads 1..4xPUs, places none, compact and scatter,
                   5 repetitions (confidence intervals); under 30 minutes
                   on a 2-PU machine
  --filter REGEX   only benchmarks whose name matches (Python re.search)
  --out DIR        results root (default: results/); the run goes to
                   DIR/<platform>/<run-id>/
  --repetitions N  Google Benchmark repetitions per benchmark
  --processes N    run each contend-bench step as N processes, one after
                   the other, each with --repetitions, and pool their
                   repetitions (medians and intervals over all N x R): a
                   mode that holds for a whole process (where memory
                   landed, which CPU runs which thread) then weighs as one
                   of N; default 1; takes N times as long (the duration
                   is fitted to one process per step); a later process
                   that runs past the step's time limit is stopped, and
                   what it had not finished keeps the earlier processes'
                   repetitions (the step is marked partial)
  --duration S     minimum measured seconds per benchmark (default: fitted
                   to the profile's time budget)
  --threads LIST, --place LIST   override the profile (contend-bench syntax)
  --step-timeout S a benchmark that reports nothing for S seconds hangs:
                   it is killed and recorded as failed (default: fitted to
                   the duration, 5 s and up)
  --bench PATH     use this contend-bench; skips scripts/deps and the build
  --no-peers       leave out the scripts/python-peers step
  --resume RUN_DIR run only the steps of RUN_DIR that have no gb/<step>.json
                   yet (interrupted or failed outright), with the settings
                   recorded in its meta.json; refused while another
                   scripts/sweep is still running in RUN_DIR

Steps: scripts/deps, meson setup/ninja into build/ (release), then one
contend-bench run per benchmark family (gb/<family>.json), and
scripts/python-peers as one more step when it exists. Then csv/, plots/ and
report.md (as scripts/plot does). A benchmark that crashes, or reports
nothing within the time limit, is recorded as failed and the step goes on
without it; after a hang, the same implementation is skipped at that thread
count and above for the rest of the step (spinning locks collapse once
threads outnumber PUs). Ctrl-C keeps every finished step and prints how to
resume. Before each step, when the run has a c2c/roundtrip row, the line
round trip between the first two PUs is measured again (~0.3 s): meta.json
keeps it per step (c2c_p50_ns), report.md shows it, and both the report
and the end of the output warn when it moved by 1.5x or more during the
run (on a VM the host may move the vCPUs: contended rows of different
steps then measured different machines); the report's headline names the
steps 1.5x or more away from the run's median.

Exit status: 0 all steps ran and every benchmark of contend (and of the
baselines: atomic, racy counter, c2c, shim) has its result; a peer's
failures do not count (spinning peers that never finish once threads
outnumber PUs are expected here: they are recorded as failed and listed
in the report). 1 a step or the build failed, a contend benchmark failed
or did not finish (the report still lists what ran), or the disk filled
up (the finished steps are kept: --resume once there is room); 2 bad
usage, or an --out folder that cannot be written; 130 interrupted.
"""

import fcntl
import json
import os
import platform
import re
import shlex
import shutil
import signal
import sys
import tempfile
import time
from .slurm_job import add_job_facts
from . import host as chost, io as cio, meta as cmeta, plot as cplot, report as creport
from . import results as cr
from .host import (allowed_cpus, cpu_model_fallback, git_info, host_info, libraries,
                   run_quiet, toolchain, topology_counts)
from .sweep_step import (REPO, Interrupted, Sweep, UsageError, fmt_time, kill_group, rel, say,
                         shell_join, step_cost)
from .host import cpulist, hwloc_mask  # noqa: F401 (the tests use them from here)
from .sweep_step import ere_escape, exact_regex  # noqa: F401

SCHEMA = cmeta.SCHEMA

# Time budgets for the benchmark steps (seconds, whole machine). The quick
# profile must end within 3 minutes including deps check, build, topology
# and figures; the full one within 30.
BUDGET = {"quick": 125.0, "full": 1500.0}
DURATION_LIMITS = {"quick": (0.01, 0.5), "full": (0.02, 2.0)}
# The quick profile's --duration cap for families with many benchmarks
# whose operations are long anyway (pool: ~400 benchmarks of up to a few
# ms per operation), unless --duration is given.
QUICK_FAMILY_DURATION_CAP = {"pool": 0.02}


def parse_args(argv):
    opts = {"profile": None, "filter": None, "out": None, "repetitions": None,
            "processes": None, "duration": None, "threads": None, "place": None,
            "step_timeout": None, "bench": None, "resume": None, "no_peers": False}
    it = iter(argv)
    takes = {"--filter": "filter", "--out": "out", "--repetitions": "repetitions",
             "--processes": "processes",
             "--duration": "duration", "--threads": "threads", "--place": "place",
             "--step-timeout": "step_timeout", "--bench": "bench", "--resume": "resume"}
    for a in it:
        if a in ("-h", "--help"):
            print(__doc__.strip())
            sys.exit(0)
        if a == "--no-peers":
            opts["no_peers"] = True
            continue
        if a in ("--quick", "--full"):
            p = a[2:]
            if opts["profile"] and opts["profile"] != p:
                raise UsageError("--quick and --full exclude each other")
            opts["profile"] = p
            continue
        key, val = a, None
        if "=" in a and a.startswith("--"):
            key, val = a.split("=", 1)
        if key in takes:
            if val is None:
                try:
                    val = next(it)
                except StopIteration:
                    raise UsageError("%s needs a value" % key)
            opts[takes[key]] = val
            continue
        raise UsageError("unknown argument '%s'" % a)
    if opts["filter"] is not None:
        try:
            re.compile(opts["filter"])
        except re.error as e:
            raise UsageError("--filter '%s' is not a regular expression: %s" % (opts["filter"], e))
    for k, conv, lo in (("repetitions", int, 1), ("processes", int, 1),
                        ("duration", float, 1e-6),
                        ("step_timeout", float, 1.0)):
        if opts[k] is not None:
            try:
                v = conv(opts[k])
            except ValueError:
                v = None
            if v is None or v < lo or v != v or v == float("inf"):
                raise UsageError("--%s '%s' is not a %s" % (
                    k.replace("_", "-"), opts[k],
                    "positive integer" if conv is int else "positive number of seconds"))
            opts[k] = v
    for k in ("threads", "place"):
        if opts[k] is not None and not re.match(r"^[A-Za-z0-9:,\-]+$", opts[k]):
            raise UsageError("--%s '%s' is not a list like 1,2,4 / compact,scatter" % (k, opts[k]))
    if opts["resume"]:
        clash = [k for k in ("profile", "filter", "out", "repetitions", "processes", "duration",
                             "threads", "place") if opts[k] is not None]
        if clash:
            raise UsageError("--resume takes its settings from RUN_DIR/meta.json; drop --%s"
                             % clash[0].replace("_", "-"))
    if opts["bench"] and not os.access(opts["bench"], os.X_OK):
        raise UsageError("--bench '%s' is not an executable file" % opts["bench"])
    return opts


# ------------------------------------------------------------------ host

def profile_threads(profile, pus):
    if profile == "quick":
        ts = {1, pus, 4 * pus}
    else:
        top = 4 * pus
        if top <= 16:
            ts = set(range(1, top + 1))
        else:
            ts = {1 << i for i in range(0, top.bit_length()) if (1 << i) <= top}
            ts |= {max(1, pus // 2), pus, pus + 1, 2 * pus, 3 * pus, 4 * pus}
    return ",".join(str(t) for t in sorted(ts))


def profile_places(profile):
    return "compact,scatter" if profile == "quick" else "none,compact,scatter"


def fit_duration(profile, steps, reps):
    """The --duration that fits the profile's budget (of one process per
    step: --processes N takes N times as long)."""
    fixed = sum(step_cost(s, reps, 0.0) for s in steps)
    per_second = sum(step_cost(s, reps, 1.0) for s in steps) - fixed
    lo, hi = DURATION_LIMITS[profile]
    d = (BUDGET[profile] - fixed) / max(1e-9, per_second)
    d = min(hi, max(lo, d))
    return float("%.2g" % d)


def lock_run_dir(path, flag):
    """Holds an exclusive lock on the run folder for this process's
    lifetime (flock on the folder itself: nothing is written into it), so
    that a --resume cannot run in a folder another scripts/sweep is still
    writing. Returns the descriptor to keep open."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise UsageError("%s %s: %s" % (flag, path, e.strerror or e))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UsageError("%s %s: another scripts/sweep is still running in it; let it finish "
                         "(or stop it: Ctrl-C keeps its finished steps), then resume"
                         % (flag, rel(path)))
    except OSError:
        pass    # a file system without locks: go on unguarded
    return fd


def new_run_dir(root, slug):
    base = os.path.join(root, slug)
    rid = time.strftime("%Y%m%d-%H%M%S")
    path = os.path.join(base, rid)
    i = 2
    while os.path.exists(path):
        path = os.path.join(base, "%s-%d" % (rid, i))
        i += 1
    os.makedirs(os.path.join(path, "gb"))
    return path, os.path.basename(path)


# ------------------------------------------------------------------ main

def writable_folder(path, flag):
    """Creates path if needed and writes a byte there (then removes it), so
    a read-only, full or missing place is a usage error before anything
    runs; raises UsageError naming the flag and the reason."""
    # Signals wait until the probe is gone: an interrupt leaves none behind.
    old = cio._block_signals()
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".tmp-probe-", dir=path)
        try:
            os.write(fd, b"x")
            os.fsync(fd)
        finally:
            os.close(fd)
            cio.unlink_quietly(probe)
    except OSError as e:
        raise UsageError("%s %s: cannot write there: %s" % (flag, path, e.strerror or e))
    finally:
        cio._restore_signals(old)


def discard_empty_run(sw):
    """Removes a new run folder that holds no result yet (a usage error
    found once it existed, e.g. a --filter that matches nothing)."""
    if not sw.run_dir or sw.opts["resume"]:
        return
    gb = os.path.join(sw.run_dir, "gb")
    if os.path.isdir(gb) and any(f.endswith(".json") for f in os.listdir(gb)):
        return
    shutil.rmtree(sw.run_dir, ignore_errors=True)
    try:
        os.rmdir(os.path.dirname(sw.run_dir))     # the platform folder, if now empty
    except OSError:
        pass
    sw.run_dir = None


def main(argv):
    cio.safe_stdio()
    try:
        opts = parse_args(argv)
    except UsageError as e:
        say("%s (try --help)" % e)
        return 2
    sw = Sweep(opts)

    def on_term(signum, frame):
        raise Interrupted()
    try:
        # Until here scripts/sweep's early handlers exit at once (nothing
        # written yet); from here an interrupt is handled below.
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        return run(sw, opts)
    except UsageError as e:
        discard_empty_run(sw)
        say(str(e))
        return 2
    except OSError as e:
        # A write failed (the disk filled up): every finished step's file
        # is whole (written with temp file + rename) and stays. The step
        # it happened in goes, so that --resume runs it again (its errors
        # may be the full disk's).
        where = ""
        if sw.run_dir and sw.step:
            for ext in (".json", ".log"):
                cio.unlink_quietly(os.path.join(sw.run_dir, "gb", sw.step + ext))
        if sw.run_dir:
            where = "; finished steps are kept: scripts/sweep --resume %s once there is room" \
                % shlex.quote(rel(sw.run_dir))
        say("cannot write %s%s" % (cio.os_error_text(e), where))
        return cio.os_error_status(e)
    except (KeyboardInterrupt, Interrupted):
        if sw.child is not None and sw.child.poll() is None:
            # The signal came between starting a step's program and
            # watching it: stop it and drop what it began to write.
            kill_group(sw.child)
            if sw.run_dir and sw.step:
                cio.unlink_quietly(os.path.join(sw.run_dir, ".tmp-gb-%s.json" % sw.step))
        if sw.tty:
            sys.stderr.write("\r\x1b[K")
        if sw.run_dir and sw.meta is not None:
            for s in sw.meta.get("steps", []):
                if s.get("status") == "running":
                    s["status"] = "interrupted"
            sw.meta["interrupted"] = time.strftime("%Y-%m-%dT%H:%M:%S")
            # The write is atomic and signals wait until it is done.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            try:
                sw.write_meta()
            except OSError as e:
                say("cannot write %s" % cio.os_error_text(e))
            done = sum(1 for s in sw.meta.get("steps", []) if s.get("status") in ("ok", "partial"))
            total = len(sw.meta.get("plan") or sw.meta.get("steps", []))
            say("interrupted; %d of %d steps are finished and kept in %s"
                % (done, total, rel(sw.run_dir)))
            say("continue with: scripts/sweep --resume %s" % shlex.quote(rel(sw.run_dir)))
        elif opts["resume"]:
            # A --resume stopped before it took the folder over (loading its
            # meta.json, deps, the build): nothing in it has changed.
            say("interrupted before the resume began; %s is as it was" % rel(opts["resume"]))
            say("continue with: scripts/sweep --resume %s" % shlex.quote(rel(opts["resume"])))
        else:
            # A new run folder without meta.json cannot be resumed.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            for p in sw.scratch:
                if os.path.isdir(p):
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    cio.unlink_quietly(p)
            say("interrupted before any result was written")
        return 130


def run(sw, opts):
    resume = opts["resume"]
    meta = None
    if resume:
        meta_path = os.path.join(resume, "meta.json")
        try:
            meta = json.loads(cio.read_limited(meta_path).decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("schema") != SCHEMA:
                raise ValueError("not a contend sweep meta.json")
        except cio.ResultsError as e:
            raise UsageError("--resume %s: cannot use %s" % (resume, e))
        except (ValueError, RecursionError) as e:
            raise UsageError("--resume %s: cannot use %s: %s" % (resume, meta_path,
                                                                getattr(e, "strerror", None) or e))
        writable_folder(resume, "--resume")
        sw.lock_fd = lock_run_dir(resume, "--resume")
    # 1. deps and build (or a given binary).
    build_dir = None
    if opts["bench"]:
        exe = os.path.abspath(opts["bench"])
    else:
        sw.deps()
        exe = sw.build()
        build_dir = os.path.join(REPO, "build")
        if not os.access(exe, os.X_OK):
            return sw.fail("the build made no %s" % rel(exe))
    bench_dir = os.path.dirname(os.path.dirname(exe)) if build_dir is None else build_dir

    # 2. the run folder, topology and platform.
    if resume:
        sw.run_dir = os.path.abspath(resume)
        sw.meta = meta
        sw.commands = list(meta.get("commands") or [])
        settings = meta["settings"]
        rev = git_info().get("revision")
        if rev and meta.get("git", {}).get("revision") not in (None, rev):
            say("warning: %s was started at revision %s, this is %s; results will mix them"
                % (rel(resume), meta["git"]["revision"][:12], rev[:12]))
        meta.setdefault("resumed", []).append(time.strftime("%Y-%m-%dT%H:%M:%S"))
    else:
        root = os.path.abspath(opts["out"] or os.path.join(REPO, "results"))
        # The platform slug needs the topology: export it first into the
        # results root, then move it into the run folder.
        writable_folder(root, "--out")
        host = None
        topo_tmp = os.path.join(root, ".tmp-topology-%d.xml" % os.getpid())
        sw.scratch = [topo_tmp]
        have_xml = export_topology(sw, topo_tmp, "xml")
        allowed = allowed_cpus()
        counts = topology_counts(topo_tmp, allowed) if have_xml else {}
        model = counts.get("cpu_model") or cpu_model_fallback()
        pus = counts.get("pus") or len(allowed)
        slug = chost.platform_slug(model, pus, platform.system())
        sw.run_dir, run_id = new_run_dir(root, slug)
        sw.lock_fd = lock_run_dir(sw.run_dir, "--out")
        sw.scratch.append(sw.run_dir)
        if have_xml:
            cio.atomic_rename(topo_tmp, os.path.join(sw.run_dir, "topology.xml"))
        png_tmp = os.path.join(sw.run_dir, ".tmp-topology.png")
        if have_xml and export_topology(sw, png_tmp, "png"):
            cio.atomic_rename(png_tmp, os.path.join(sw.run_dir, "topology.png"))
        host = host_info(sw.run_dir)
        profile = opts["profile"] or "quick"
        settings = {
            "threads": opts["threads"] or profile_threads(profile, host["pus"]),
            "places": opts["place"] or profile_places(profile),
            "repetitions": opts["repetitions"] or (5 if profile == "full" else 1),
            "processes": opts["processes"] or 1,
            "duration": opts["duration"], "filter": opts["filter"],
            "step_timeout": opts["step_timeout"], "no_peers": opts["no_peers"],
        }
        if profile == "quick" and opts["duration"] is None:
            settings["family_duration_cap"] = dict(QUICK_FAMILY_DURATION_CAP)
        sw.meta = {
            "schema": SCHEMA, "run_id": run_id, "platform": slug, "profile": profile,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "sweep_command": shell_join(["scripts/sweep"] + sys.argv[1:]),
            "settings": settings, "host": host, "toolchain": toolchain(build_dir or bench_dir),
            "libraries": libraries(), "git": git_info(), "bench": rel(exe),
            "commands": [], "steps": [],
        }
        add_job_facts(sw.meta, say)     # inside a Slurm job: job id, node, CPU mask
        sw.write_meta()

    if opts["step_timeout"]:
        settings["step_timeout"] = opts["step_timeout"]

    # 3. the plan: one step per family (+ python peers). A run interrupted
    # while it was planning has none yet: it is planned now.
    if resume and "plan" in meta:
        steps = meta.get("plan") or []
        gb = os.path.join(sw.run_dir, "gb")
        ran = {s["name"] for s in steps if os.path.exists(os.path.join(gb, s["name"] + ".json"))}
        # The steps that ran set the run's busy-work calibration.
        for s in steps:
            if s["name"] in ran and s.get("kind") != "peers":
                try:
                    sw.adopt_work_calibration(
                        cr.load_gb(os.path.join(gb, s["name"] + ".json")).get("context"))
                except cio.ResultsError:
                    pass
        todo = [s for s in steps if s["name"] not in ran]
        recs = {r["name"]: r for r in meta.get("steps", [])}
        for s in todo:
            recs.pop(s["name"], None)
        meta["steps"] = [recs[s["name"]] for s in steps if s["name"] in recs]
        if not todo:
            say("nothing left to run in %s; redrawing" % rel(sw.run_dir))
    else:
        steps = sw.plan(exe, settings)
        if settings["duration"] is None:
            settings["duration"] = fit_duration(sw.meta["profile"], steps, settings["repetitions"])
        sw.meta["plan"] = steps
        todo = steps
        sw.write_meta()

    total_expected = sum(sw.expected_seconds(s, settings) for s in todo)
    nbench = sum(s.get("benchmarks") or 0 for s in todo)
    procs = settings.get("processes") or 1
    say("%d step%s, %d benchmarks, threads %s, places %s, %g s each x %d%s; about %s; into %s"
        % (len(todo), "" if len(todo) == 1 else "s", nbench, settings["threads"],
           settings["places"], settings["duration"], settings["repetitions"],
           " in %d processes" % procs if procs > 1 else "",
           fmt_time(total_expected), rel(sw.run_dir)))

    # 4. run the steps.
    t_run = time.monotonic()
    done_expected = [0.0]
    done_actual = [0.0]

    def eta(step_expected, step_elapsed, left_expected):
        # Measured / expected so far, pulled towards 1 while little has run.
        prior = 30.0
        ratio = (done_actual[0] + prior) / (done_expected[0] + prior)
        ratio = min(5.0, max(0.3, ratio))
        return max(0.0, step_expected * ratio - step_elapsed) + left_expected * ratio

    left = list(todo)
    for k, step in enumerate(todo, 1):
        left.pop(0)
        step_expected = sw.expected_seconds(step, settings)
        left_expected = sum(sw.expected_seconds(s, settings) for s in left)

        def progress(k, n, step, done, current, step_elapsed):
            if not sw.tty:
                return
            total = step.get("benchmarks")
            line = "[%d/%d] %s %s/%s  elapsed %s  ETA %s  %s" % (
                k, n, step["name"], done, total if total else "?",
                fmt_time(time.monotonic() - sw.t0),
                fmt_time(eta(step_expected, step_elapsed, left_expected)), current or "")
            width = shutil.get_terminal_size((100, 20)).columns - 1
            sys.stderr.write("\r\x1b[K" + line[:width])
            sys.stderr.flush()

        # The line round trip now: the report shows how it moved.
        c2c = sw.probe_c2c(exe)
        rec = {"name": step["name"], "status": "running"}
        sw.meta["steps"].append(rec)
        sw.write_meta()
        sw.step = step["name"]
        try:
            result = sw.run_step(exe, settings, step, k, len(todo), progress)
        finally:
            cio.unlink_quietly(os.path.join(sw.run_dir, ".tmp-gb-%s.json" % step["name"]))
        rec.clear()
        rec.update(result)
        if c2c is not None:
            rec["c2c_p50_ns"] = c2c
        sw.write_meta()
        cio._restore_signals(sw.held)    # held back since run_step wrote gb/
        sw.held = None
        sw.step = None
        done_expected[0] += step_expected
        done_actual[0] += result.get("seconds", 0)
        if sw.tty:
            sys.stderr.write("\r\x1b[K")
        extra = ""
        if result.get("errors"):
            extra = ", %d failed" % result["errors"]
        if result["status"] not in ("ok",):
            extra += " - %s" % result.get("message", "")
        if c2c is not None:
            extra += "; c2c p50 before it %g ns" % c2c
        if result["status"] == "failed" or result.get("errors", 0) > result.get("peer_errors", 0):
            sw.failed = True
        print("[%d/%d] %-12s %-8s %s benchmarks%s, %s (elapsed %s, ETA %s)" % (
            k, len(todo), step["name"], result["status"],
            result.get("benchmarks") if result.get("benchmarks") is not None else "?", extra,
            fmt_time(result.get("seconds", 0)), fmt_time(time.monotonic() - sw.t0),
            fmt_time(eta(0, 0, left_expected))), file=sys.stderr, flush=True)

    sw.meta["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    sw.meta["bench_seconds"] = round(time.monotonic() - t_run, 1)
    sw.write_meta()

    # 5. tables, figures, report.
    try:
        report, plotter, problems = cplot.regenerate(sw.run_dir)
    except cio.ResultsError as e:
        say("no report: %s" % e)
        return 1
    except OSError:
        raise   # the disk filled up: one line from main()
    except Exception as e:  # a bug: keep the results, say how to redraw
        import traceback
        traceback.print_exc()
        say("drawing the report failed (%s: %s); the results are kept: scripts/plot %s"
            % (type(e).__name__, e, shlex.quote(rel(sw.run_dir))))
        return 1
    for f in problems:
        say("figure %s: %s" % (f.stem, f.error))
    print("")
    print(creport.headline_terminal(plotter.headline))
    print("")
    failed = [s for s in sw.meta["steps"] if s.get("status") != "ok"]
    if failed:
        print("not clean: " + ", ".join("%s (%s)" % (s["name"], s["status"]) for s in failed))
    peers = sum(s.get("peer_errors", 0) for s in sw.meta["steps"])
    own = sum(s.get("errors", 0) - s.get("peer_errors", 0) for s in sw.meta["steps"])
    if peers or own:
        print("failed benchmarks: %d of contend and the harness%s, %d of peers (the report "
              "lists each with its reason)" % (own, " (exit status 1)" if own else "", peers))
    drift = creport.c2c_drift(sw.meta["steps"])
    if drift:
        print("warning: " + drift)
    print("report: %s" % rel(report))
    print("total %s" % fmt_time(time.monotonic() - sw.t0))
    return 1 if (sw.failed or problems) else 0


def export_topology(sw, path, fmt):
    if not shutil.which("lstopo") and not shutil.which("lstopo-no-graphics"):
        return False
    tool = "lstopo" if shutil.which("lstopo") else "lstopo-no-graphics"
    cmd = [tool, "--of", fmt, "-f", path]
    rc, out, err = run_quiet(cmd, timeout=60)
    shown = [tool, "--of", fmt, "topology." + fmt]
    sw.log_cmd(shown)
    if rc != 0 or not os.path.exists(path) or os.path.getsize(path) == 0:
        cio.unlink_quietly(path)
        say("%s failed: %s" % (shell_join(shown), (err.strip().splitlines() or ["?"])[-1]))
        return False
    return True


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def cli(argv):
    sys.exit(main(argv))
