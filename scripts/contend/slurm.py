"""scripts/sweep-slurm — one scripts/sweep per node type through Slurm,
gathered into one results root and compared.

Usage: scripts/sweep-slurm TARGET... [options] [sweep options]
       scripts/sweep-slurm --help

  TARGET           NAME=PARTITION[:CONSTRAINT]: a node type, e.g.
                   icx=cpu:icelake or grace=arm. NAME (letters, digits,
                   '.', '_', '-') names the job, its script and its output;
                   CONSTRAINT is sbatch's --constraint (node features).

Each target gets one `sbatch --exclusive` job on one whole node of its
partition (with --repeat N, one job array of N tasks). The batch step runs
the ordinary scripts/sweep on that node, without srun, so contend's hwloc
pinning sees the whole node. The sweep writes into a temp folder next to
the job's output; when it has finished, the run folder is renamed into
RESULTS/<platform>/<run-id>/, so the shared results root never holds a
half-written run. meta.json gets a "slurm" entry: job id, node, partition,
constraint, the CPU mask the job may use and the node's PU count, with a
warning when the mask is smaller than the node.

sweep-slurm then waits for every job (polling squeue; accounting is not
needed), printing a line when a target is queued, running, done or failed
(with the reason: Slurm's job state and the last line of the job's
output). A failed or cancelled job does not lose the others' results.
When every job has ended, scripts/compare runs over all gathered runs (the
first target is the baseline) and writes RESULTS/slurm/<id>/compare/.

Options:
  --out DIR        results root (default: results/ of this checkout); it
                   and the checkout must be on a file system every node
                   sees at the same path
  --repeat N       N runs per target (a job array; each task one node)
  --sbatch OPTION  one more sbatch option for every job, e.g.
                   --sbatch=--time=1:00:00 --sbatch=--account=proj
                   (repeatable)
  --poll S         seconds between squeue polls (default 10)
  --print          write the job scripts and print them; submit nothing
  -h, --help       this text

Sweep options, passed to scripts/sweep on every node: --quick, --full,
--filter REGEX, --repetitions N, --processes N, --duration S, --threads LIST,
--place LIST, --step-timeout S, --no-peers, --bench PATH. Without --bench
each job builds contend-bench on its node (scripts/deps, then meson into
${TMPDIR:-/tmp}/contend-build-<job>, removed afterwards), since node types
may differ in CPU and compiler; with --bench every node runs that binary.

What lands where (RESULTS = --out):
  RESULTS/<platform>/<run-id>/     each node's run, as scripts/sweep leaves it
  RESULTS/slurm/<id>/jobs/         NAME.sh (the job script), NAME-<job>.out
                                   (its output), NAME-<job>.json (its result)
  RESULTS/slurm/<id>/compare/      scripts/compare --out: compare.md, CSV, figures
  RESULTS/slurm/<id>/summary.json  targets, jobs, states, runs

Ctrl-C stops waiting but leaves the jobs running: their runs still land in
RESULTS/<platform>/; the comparison can be made later with scripts/compare.

Exit status: 0 every job gathered a clean run and the comparison was
written; 1 a job failed or was cancelled, a sweep was not clean, or the
comparison failed (everything gathered is kept); 2 bad usage, an unknown
partition or constraint, Slurm not installed or not reachable; 130
interrupted.

(Internal: the job scripts end with
`scripts/sweep-slurm --job-gather TMP RESULTS STATUS SWEEP_EXIT`.)
"""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from .io import atomic_write_json, atomic_write_text
from .slurm_job import job_gather
from .slurm_watch import Task, Waiter, last_line, out, run_cmd, say
from .sweep_step import rel

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SCRIPTS)

NAME_RX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PARTITION_RX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# sbatch --constraint: features joined by & | , with [ ] ( ) * and counts.
CONSTRAINT_RX = re.compile(r"^[A-Za-z0-9._\-&|,*\[\]()!]+$")
FEATURE_RX = re.compile(r"^[A-Za-z0-9._-]+$")

# scripts/sweep's options: those that take a value, and flags.
SWEEP_VALUE_OPTS = ("--filter", "--repetitions", "--processes", "--duration", "--threads",
                    "--place", "--step-timeout", "--bench")
SWEEP_FLAGS = ("--quick", "--full", "--no-peers")


class UsageError(Exception):
    """One line on stderr, exit status 2."""


# ------------------------------------------------------------ arguments

class Target:
    def __init__(self, name, partition, constraint):
        self.name = name
        self.partition = partition
        self.constraint = constraint
        self.script = None
        self.job = None         # the sbatch job id (array job id for arrays)
        self.tasks = []         # Task

    def describe(self):
        return "partition %s%s" % (self.partition, ", constraint %s" % self.constraint
                                   if self.constraint else "")

    def record(self):
        return {"name": self.name, "partition": self.partition, "constraint": self.constraint,
                "script": self.script, "job": self.job,
                "tasks": [t.record() for t in self.tasks]}


def parse_target(arg):
    if "=" not in arg:
        raise UsageError("target '%s' is not NAME=PARTITION[:CONSTRAINT]" % arg)
    name, rest = arg.split("=", 1)
    partition, _, constraint = rest.partition(":")
    if not NAME_RX.match(name):
        raise UsageError("target '%s': NAME '%s' must be letters, digits, '.', '_' or '-'"
                         % (arg, name))
    if not PARTITION_RX.match(partition):
        raise UsageError("target '%s': '%s' is not a partition name" % (arg, partition))
    if ":" in rest and not CONSTRAINT_RX.match(constraint):
        raise UsageError("target '%s': '%s' is not a node-feature constraint" % (arg, constraint))
    return Target(name, partition, constraint or None)


def parse_args(argv):
    opts = {"targets": [], "out": None, "repeat": 1, "sbatch": [], "poll": 10.0,
            "print": False, "sweep": []}
    it = iter(argv)
    for a in it:
        if a in ("-h", "--help"):
            try:
                print(__doc__.strip(), flush=True)
            except BrokenPipeError:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        key, val = a, None
        if a.startswith("--") and "=" in a:
            key, val = a.split("=", 1)

        def value():
            if val is not None:
                return val
            try:
                return next(it)
            except StopIteration:
                raise UsageError("%s needs a value" % key)
        if key == "--print" and val is None:
            opts["print"] = True
        elif key == "--out":
            opts["out"] = value()
        elif key == "--repeat":
            v = value()
            if not re.match(r"^[0-9]+$", v) or not 1 <= int(v) <= 1000:
                raise UsageError("--repeat '%s' is not a number of runs (1 to 1000)" % v)
            opts["repeat"] = int(v)
        elif key == "--sbatch":
            v = value()
            if not v.startswith("-") or any(c in v for c in "\n\r\0"):
                raise UsageError("--sbatch '%s' is not one sbatch option like --time=1:00:00" % v)
            opts["sbatch"].append(v)
        elif key == "--poll":
            v = value()
            try:
                p = float(v)
            except ValueError:
                p = -1.0
            if not 0.1 <= p <= 3600:
                raise UsageError("--poll '%s' is not a number of seconds (0.1 to 3600)" % v)
            opts["poll"] = p
        elif key in SWEEP_FLAGS and val is None:
            opts["sweep"].append(a)
        elif key in SWEEP_VALUE_OPTS:
            v = value()
            if key == "--bench":
                if not (os.path.isfile(v) and os.access(v, os.X_OK)):
                    raise UsageError("--bench '%s' is not an executable file" % v)
                v = os.path.abspath(v)
            if key == "--filter":
                try:
                    re.compile(v)
                except re.error as e:
                    raise UsageError("--filter '%s' is not a regular expression: %s" % (v, e))
            opts["sweep"] += [key, v]
        elif key in ("--resume",):
            raise UsageError("--resume is scripts/sweep's: resume a run on its node with "
                             "scripts/sweep --resume RUN_DIR")
        elif a.startswith("-"):
            raise UsageError("unknown option '%s'" % a)
        else:
            opts["targets"].append(parse_target(a))
    if not opts["targets"]:
        raise UsageError("no target: give NAME=PARTITION[:CONSTRAINT] (see --help)")
    seen = set()
    for t in opts["targets"]:
        if t.name in seen:
            raise UsageError("target name '%s' is given twice" % t.name)
        seen.add(t.name)
    if "--quick" in opts["sweep"] and "--full" in opts["sweep"]:
        raise UsageError("--quick and --full exclude each other")
    return opts


def check_slurm():
    missing = [t for t in ("sbatch", "sinfo", "squeue", "scontrol") if not shutil.which(t)]
    if missing:
        raise UsageError("Slurm is not installed here (no %s on PATH); install the Slurm "
                         "client commands (Debian: slurm-client) or run scripts/sweep on "
                         "each machine" % missing[0])


def check_targets(targets, lenient=False):
    """Every partition exists (sinfo -h -p P lists it) and a plain-word
    constraint is a feature of one of its nodes. lenient (--print): when
    Slurm does not answer, say so and check nothing."""
    for t in targets:
        rc, so, se = run_cmd(["sinfo", "-h", "-p", t.partition, "-o", "%P|%f"])
        if rc != 0 and lenient:
            say("partitions not checked (%s)" % last_line(se, "sinfo exit status %d" % rc))
            return
        if rc != 0:
            raise UsageError("cannot ask Slurm about partition %s: %s"
                             % (t.partition, last_line(se, "sinfo exit status %d" % rc)))
        parts = set()
        features = set()
        for line in so.splitlines():
            if "|" not in line:
                continue
            p, f = line.split("|", 1)
            parts.add(p.strip().rstrip("*"))
            features.update(x for x in re.split(r"[,\s]+", f.strip()) if x and x != "(null)")
        if t.partition not in parts:
            raise UsageError("target %s: unknown partition '%s' (sinfo -s lists them)"
                             % (t.name, t.partition))
        if t.constraint and FEATURE_RX.match(t.constraint) and t.constraint not in features:
            raise UsageError("target %s: no node of partition %s has feature '%s' (it has: %s)"
                             % (t.name, t.partition, t.constraint,
                                ", ".join(sorted(features)) or "none"))


# ------------------------------------------------------------ job scripts

def job_script(t, opts, root, session):
    """The sbatch script of target t."""
    jobs = os.path.join(session, "jobs")
    array = opts["repeat"] > 1
    ident = "%A_%a" if array else "%j"
    lines = ["#!/bin/bash",
             "#SBATCH --job-name=contend-%s" % t.name,
             "#SBATCH --partition=%s" % t.partition]
    if t.constraint:
        lines.append("#SBATCH --constraint=%s" % t.constraint)
    lines += ["#SBATCH --exclusive",
              "#SBATCH --nodes=1",
              "#SBATCH --ntasks=1"]
    if array:
        lines.append("#SBATCH --array=0-%d" % (opts["repeat"] - 1))
    lines += ["#SBATCH --output=%s" % os.path.join(jobs, "%s-%s.out" % (t.name, ident)),
              "#SBATCH --chdir=%s" % REPO]
    lines += ["#SBATCH %s" % o for o in opts["sbatch"]]
    q = shlex.quote
    sweep_args = " ".join(q(a) for a in opts["sweep"])
    lines += [
        "#",
        "# contend: scripts/sweep on one whole node of partition %s%s (target %s)."
        % (t.partition, " with constraint %s" % t.constraint if t.constraint else "", t.name),
        "# Written by scripts/sweep-slurm; the batch step itself runs the sweep (no",
        "# srun), so the sweep's hwloc pinning sees every PU of the node. The run is",
        "# written into a temp folder and renamed into %s/<platform>/<run-id>/." % root,
        "set -u",
        "export CONTEND_SLURM_TARGET=%s" % q(t.name),
        "export CONTEND_SLURM_CONSTRAINT=%s" % q(t.constraint or ""),
        "export CONTEND_SLURM_SESSION=%s" % q(session),
        'id=${SLURM_ARRAY_JOB_ID:+${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}}',
        'id=${id:-$SLURM_JOB_ID}',
        "tmp=%s/.tmp-%s-$id" % (q(session), t.name),
        'mkdir -p "$tmp" || exit 1',
        'echo "contend: target %s, job $id on node ${SLURMD_NODENAME:-?} ($(hostname)), '
        'partition ${SLURM_JOB_PARTITION:-?}"' % t.name,
    ]
    if "--bench" in opts["sweep"]:
        lines.append("%s --out \"$tmp\" %s" % (q(os.path.join(SCRIPTS, "sweep")), sweep_args))
    else:
        lines += [
            "# contend-bench is built on the node: node types may differ in CPU and compiler.",
            'build=${TMPDIR:-/tmp}/contend-build-$id',
            'trap \'rm -rf "$build"\' EXIT',
            "%s || { echo \"contend: scripts/deps failed\"; exit 1; }"
            % q(os.path.join(SCRIPTS, "deps")),
            'meson setup "$build" %s --buildtype=release >/dev/null &&' % q(REPO),
            '    ninja -C "$build" bench/contend-bench >"$tmp/build.log" 2>&1 ||',
            '    { tail -25 "$tmp/build.log"; echo "contend: building contend-bench failed"; '
            'exit 1; }',
            "%s --out \"$tmp\" --bench \"$build/bench/contend-bench\" %s"
            % (q(os.path.join(SCRIPTS, "sweep")), sweep_args),
        ]
    lines += [
        "rc=$?",
        "%s --job-gather \"$tmp\" %s %s/%s-$id.json $rc"
        % (q(os.path.join(SCRIPTS, "sweep-slurm")), q(root), q(jobs), t.name),
        "",
    ]
    return "\n".join(lines)


def new_session(root):
    base = os.path.join(root, "slurm")
    sid = time.strftime("%Y%m%d-%H%M%S")
    path = os.path.join(base, sid)
    i = 2
    while True:
        try:
            os.makedirs(path)
            break
        except FileExistsError:
            path = os.path.join(base, "%s-%d" % (sid, i))
            i += 1
    os.makedirs(os.path.join(path, "jobs"))
    return path


# ------------------------------------------------------------ main

def submit(t, session):
    rc, so, se = run_cmd(["sbatch", "--parsable", t.script], timeout=120)
    jid = so.strip().split(";")[0] if rc == 0 else ""
    if rc != 0 or not re.match(r"^[0-9]+$", jid):
        return None, last_line(se, "sbatch exit status %d" % rc)
    return jid, None


def write_summary(session, targets, runs, compare_dir, state):
    atomic_write_json(os.path.join(session, "summary.json"), {
        "schema": "contend-slurm/1", "session": os.path.basename(session), "state": state,
        "command": " ".join(shlex.quote(a) for a in ["scripts/sweep-slurm"] + sys.argv[1:]),
        "targets": [t.record() for t in targets],
        "runs": runs, "compare": compare_dir})


def run(opts):
    targets = opts["targets"]
    if not opts["print"]:
        check_slurm()
    if not opts["print"] or shutil.which("sinfo"):
        check_targets(targets, lenient=opts["print"])
    root = os.path.abspath(opts["out"] or os.path.join(REPO, "results"))
    for what, path in (("--out", root), ("the checkout", REPO)):
        if re.search(r"[\s%]", path):
            raise UsageError("%s %s: a path with white space or '%%' cannot go into an "
                             "#SBATCH line; use another folder" % (what, path))
    try:
        os.makedirs(root, exist_ok=True)
        session = new_session(root)
    except OSError as e:
        raise UsageError("--out %s: cannot write there: %s" % (root, e.strerror or e))
    for t in targets:
        t.script = os.path.join(session, "jobs", t.name + ".sh")
        atomic_write_text(t.script, job_script(t, opts, root, session))
        os.chmod(t.script, 0o755)
    if opts["print"]:
        for t in targets:
            out("# ---- %s" % rel(t.script))
            with open(t.script) as f:
                out(f.read())
        say("%d job script%s written to %s; nothing submitted (sbatch SCRIPT submits one)"
            % (len(targets), "" if len(targets) == 1 else "s", rel(os.path.join(session, "jobs"))))
        return 0

    out("contend on Slurm: %d target%s, %d run%s each; results into %s, jobs and comparison in %s"
        % (len(targets), "" if len(targets) == 1 else "s", opts["repeat"],
           "" if opts["repeat"] == 1 else "s", rel(root), rel(session)))
    failed_submit = False
    for t in targets:
        jid, err = submit(t, session)
        if jid is None:
            failed_submit = True
            out("[%s] not submitted: %s" % (t.name, err))
            continue
        t.job = jid
        keys = [jid] if opts["repeat"] == 1 else ["%s_%d" % (jid, i)
                                                  for i in range(opts["repeat"])]
        t.tasks = [Task(t, k, session) for k in keys]
        out("[%s] job %s submitted (%s%s)" % (t.name, jid, t.describe(),
                                              ", array of %d" % opts["repeat"]
                                              if opts["repeat"] > 1 else ""))
    write_summary(session, targets, [], None, "waiting")
    waiter = Waiter(targets, opts, session)
    try:
        waiter.wait()
    except KeyboardInterrupt:
        live = [t.key for t in waiter.tasks if not t.final]
        write_summary(session, targets, [], None, "interrupted")
        say("interrupted; jobs %s keep running (scancel %s stops them); their runs still "
            "land in %s/<platform>/" % (" ".join(live) or "-", " ".join(
                sorted({k.split("_")[0] for k in live})) or "-", rel(root)))
        return 130

    runs = []
    labels = []
    for t in targets:
        for task in t.tasks:
            if task.result and task.result.get("run_dir"):
                runs.append(task.result["run_dir"])
                labels.append("%s (job %s)" % (t.name, task.key))
    bad = failed_submit or any(task.final != "done" for task in waiter.tasks)
    compare_dir = None
    status = 1 if bad else 0
    if len(runs) >= 2:
        compare_dir = os.path.join(session, "compare")
        cmd = [os.path.join(SCRIPTS, "compare")] + runs + ["--out", compare_dir]
        out("")
        for i, (r, lab) in enumerate(zip(runs, labels)):
            out("%s = %s: %s" % (chr(ord("A") + i) if i < 26 else str(i), lab, rel(r)))
        try:
            rc = subprocess.call(cmd, stdin=subprocess.DEVNULL)
        except OSError as e:
            rc = 127
            say("cannot run scripts/compare: %s" % (e.strerror or e))
        if rc != 0 or not os.path.exists(os.path.join(compare_dir, "compare.md")):
            say("scripts/compare exit status %d: %s" % (rc, " ".join(shlex.quote(c) for c in cmd)))
            status = 1
            if not os.path.exists(os.path.join(compare_dir, "compare.md")):
                compare_dir = None
    elif runs:
        out("one run gathered: nothing to compare")
    else:
        out("no run gathered")
    write_summary(session, targets, runs, compare_dir, "finished")
    out("")
    ok = sum(1 for task in waiter.tasks if task.final == "done")
    out("%d of %d job%s done; runs in %s" % (
        ok, len(waiter.tasks), "" if len(waiter.tasks) == 1 else "s",
        ", ".join(rel(r) for r in runs) or "-"))
    if compare_dir:
        out("comparison: %s" % rel(os.path.join(compare_dir, "compare.md")))
    out("jobs, outputs and summary.json: %s" % rel(session))
    return status


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--job-gather"]:
        if len(argv) != 5 or not re.match(r"^-?[0-9]+$", argv[4]):
            say("--job-gather TMP RESULTS STATUS SWEEP_EXIT")
            return 2
        try:
            return job_gather(argv[1], argv[2], argv[3], int(argv[4]))
        except OSError as e:
            say("gathering the run failed: %s: %s" % (e.filename or "", e.strerror or e))
            return 1

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    try:
        opts = parse_args(argv)
        return run(opts)
    except UsageError as e:
        say(str(e))
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except OSError as e:
        say("%s: %s" % (e.filename or "error", e.strerror or e))
        return 1