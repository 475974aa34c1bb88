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
--filter REGEX, --repetitions N, --duration S, --threads LIST, --place LIST,
--step-timeout S, --no-peers, --bench PATH. Without --bench each job builds
contend-bench on its node (scripts/deps, then meson into
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

import errno
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PROG = "scripts/sweep-slurm"
SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SCRIPTS)

NAME_RX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PARTITION_RX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# sbatch --constraint: features joined by & | , with [ ] ( ) * and counts.
CONSTRAINT_RX = re.compile(r"^[A-Za-z0-9._\-&|,*\[\]()!]+$")
FEATURE_RX = re.compile(r"^[A-Za-z0-9._-]+$")

# scripts/sweep's options: those that take a value, and flags.
SWEEP_VALUE_OPTS = ("--filter", "--repetitions", "--duration", "--threads", "--place",
                    "--step-timeout", "--bench")
SWEEP_FLAGS = ("--quick", "--full", "--no-peers")

# Slurm job states that are final (squeue shows some of them for a while).
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"}


class UsageError(Exception):
    """One line on stderr, exit status 2."""


def say(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)


def out(msg):
    print(msg, flush=True)


def rel(path):
    r = os.path.relpath(path, os.getcwd())
    return path if r.startswith("../..") else r


def fmt_time(s):
    s = max(0, int(round(s)))
    return "%d:%02d" % (s // 60, s % 60) if s < 3600 else "%d:%02d:%02d" % (
        s // 3600, (s % 3600) // 60, s % 60)


def cpulist(cpus):
    cpus = sorted(cpus)
    parts = []
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        parts.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(parts)


def atomic_write_text(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_json(path, obj):
    atomic_write_text(path, json.dumps(obj, indent=2) + "\n")


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            v = json.load(f)
        return v if isinstance(v, dict) else None
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------ meta.json facts

def job_facts(env=None, node_pus=None, allowed=None):
    """What a run inside a Slurm job records about the job, or None outside
    one: job id (and array ids), target, node, partition, constraint, the
    CPU mask this process may use and the node's PU count; "warning" when
    the mask is smaller than the node."""
    env = os.environ if env is None else env
    job = env.get("SLURM_JOB_ID") or env.get("SLURM_JOBID")
    if not job:
        return None
    if allowed is None:
        try:
            allowed = set(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            allowed = set(range(os.cpu_count() or 1))
    if not node_pus:
        node_pus = os.cpu_count() or len(allowed)
    facts = {"job_id": job}
    for key, var in (("array_job_id", "SLURM_ARRAY_JOB_ID"),
                     ("array_task_id", "SLURM_ARRAY_TASK_ID"),
                     ("target", "CONTEND_SLURM_TARGET"),
                     ("session", "CONTEND_SLURM_SESSION"),
                     ("cluster", "SLURM_CLUSTER_NAME"),
                     ("node", "SLURMD_NODENAME"),
                     ("partition", "SLURM_JOB_PARTITION"),
                     ("cpus_on_node", "SLURM_CPUS_ON_NODE")):
        if env.get(var):
            facts[key] = env[var]
    constraint = env.get("CONTEND_SLURM_CONSTRAINT") or env.get("SLURM_JOB_CONSTRAINTS")
    facts["constraint"] = constraint or None
    facts["hostname"] = socket.gethostname()
    facts["cpu_mask"] = cpulist(allowed)
    facts["cpu_mask_pus"] = len(allowed)
    facts["node_pus"] = node_pus
    if len(allowed) < node_pus:
        facts["warning"] = (
            "Slurm job %s may use %d of the node's %d PUs (%s): the run measures a "
            "%d-PU slice, not the node (submit with --exclusive)"
            % (job, len(allowed), node_pus, facts["cpu_mask"], len(allowed)))
    return facts


def add_job_facts(meta, warn):
    """Adds job_facts() to a sweep's meta.json dict as "slurm" when the sweep
    runs inside a Slurm job, and passes a smaller-than-the-node warning to
    warn(message). The node's PU count is the topology's (host.pus_total)."""
    host = meta.get("host") or {}
    facts = job_facts(node_pus=host.get("pus_total"))
    if facts is None:
        return None
    meta["slurm"] = facts
    if facts.get("warning"):
        warn("warning: " + facts["warning"])
    return facts


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


# ------------------------------------------------------------ Slurm queries

def run_cmd(cmd, timeout=60):
    """(rc, stdout, stderr); rc 127 when the command cannot run."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"))
    except subprocess.TimeoutExpired:
        return 124, "", "%s did not answer within %d s" % (cmd[0], timeout)
    except OSError as e:
        return 127, "", "%s: %s" % (cmd[0], e.strerror or e)


def last_line(text, default=""):
    lines = [l.strip() for l in (text or "").splitlines() if l.strip()]
    return lines[-1] if lines else default


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


def scontrol_job(key):
    """JobState, Reason, ExitCode and NodeList of a job Slurm still knows,
    or None (no accounting needed: slurmctld forgets a job MinJobAge
    seconds after it ends)."""
    rc, so, _ = run_cmd(["scontrol", "show", "job", key], timeout=30)
    if rc != 0:
        return None
    info = {}
    for k in ("JobState", "Reason", "ExitCode", "NodeList"):
        m = re.search(r"(?:^|\s)%s=(\S+)" % k, so)
        if m:
            info[k] = m.group(1)
    return info or None


def squeue(uid):
    """{task key: (state, reason, nodes)} of this user's jobs (array tasks
    one by one), or None when squeue fails."""
    rc, so, se = run_cmd(["squeue", "-h", "-r", "-u", str(uid), "-o", "%i|%T|%r|%N"],
                         timeout=60)
    if rc != 0:
        return None, last_line(se, "squeue exit status %d" % rc)
    jobs = {}
    for line in so.splitlines():
        f = line.strip().split("|")
        if len(f) >= 4:
            jobs[f[0]] = (f[1], f[2], f[3])
    return jobs, None


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


# ------------------------------------------------------------ the job's end

def job_gather(tmp, root, status_path, sweep_rc):
    """Runs at the end of a job: renames the finished run folder from tmp
    into root/<platform>/<run-id>/ (a new run id if that one is taken) and
    writes the job's status file. Returns the job's exit status."""
    status = {"sweep_exit": sweep_rc, "node": os.environ.get("SLURMD_NODENAME"),
              "hostname": socket.gethostname(), "job": os.environ.get("SLURM_JOB_ID"),
              "ended": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "run_dir": None, "kept": None}
    runs = []
    if os.path.isdir(tmp):
        for plat in sorted(os.listdir(tmp)):
            pdir = os.path.join(tmp, plat)
            if not os.path.isdir(pdir) or plat.startswith("."):
                continue
            for rid in sorted(os.listdir(pdir)):
                if os.path.isfile(os.path.join(pdir, rid, "meta.json")):
                    runs.append((plat, rid))
    rc = sweep_rc
    if not runs:
        status["message"] = "scripts/sweep left no run folder (exit status %d)" % sweep_rc
        rc = rc or 1
    for plat, rid in runs:
        src = os.path.join(tmp, plat, rid)
        meta = read_json(os.path.join(src, "meta.json")) or {}
        if not meta.get("finished"):
            # Interrupted or failed part-way: not a run for the shared root.
            status["kept"] = src
            status["message"] = ("the sweep did not finish (exit status %d); its partial run "
                                 "is kept in %s (scripts/sweep --resume can finish it)"
                                 % (sweep_rc, src))
            rc = rc or 1
            continue
        dst_dir = os.path.join(root, plat)
        os.makedirs(dst_dir, exist_ok=True)
        n = 1
        while True:
            name = rid if n == 1 else "%s-%d" % (rid, n)
            dst = os.path.join(dst_dir, name)
            if name != meta.get("run_id", rid):
                meta["run_id"] = name
                atomic_write_json(os.path.join(src, "meta.json"), meta)
            if not os.path.exists(dst):
                try:
                    os.rename(src, dst)
                    break
                except OSError as e:
                    if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                        raise
            n += 1
        status["run_dir"] = dst
        status["platform"] = plat
        status["run_id"] = name
    if status["kept"] is None:
        shutil.rmtree(tmp, ignore_errors=True)
    atomic_write_json(status_path, status)
    if status["run_dir"]:
        print("contend: run %s (scripts/sweep exit status %d)" % (status["run_dir"], sweep_rc),
              flush=True)
    else:
        print("contend: %s" % status.get("message"), flush=True)
    return rc


# ------------------------------------------------------------ waiting

class Task:
    """One job, or one task of a job array."""

    def __init__(self, target, key, session):
        self.target = target
        self.key = key                  # "12" or "12_3"
        self.out_path = os.path.join(session, "jobs", "%s-%s.out" % (target.name, key))
        self.status_path = os.path.join(session, "jobs", "%s-%s.json" % (target.name, key))
        self.state = "SUBMITTED"
        self.shown = None
        self.node = None
        self.started = None
        self.final = None               # "done", "failed"
        self.reason = None
        self.result = None              # the job's status file

    def record(self):
        r = {"job": self.key, "state": self.final or self.state.lower(), "node": self.node,
             "output": self.out_path}
        if self.reason:
            r["reason"] = self.reason
        if self.result:
            r.update(run_dir=self.result.get("run_dir"), sweep_exit=self.result.get("sweep_exit"))
            if self.result.get("kept"):
                r["kept"] = self.result["kept"]
        return r


def output_tail(path):
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 8192))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    return last_line(text) or None


class Waiter:
    def __init__(self, targets, opts, session):
        self.targets = targets
        self.opts = opts
        self.session = session
        self.tasks = [t for tg in targets for t in tg.tasks]
        self.uid = os.getuid()
        self.squeue_error = None

    def label(self, task):
        return "[%s] job %s" % (task.target.name, task.key)

    def poll(self):
        jobs, err = squeue(self.uid)
        if jobs is None:
            if err != self.squeue_error:
                say("squeue failed (%s); trying again" % err)
            self.squeue_error = err
            return
        if self.squeue_error:
            say("squeue answers again")
            self.squeue_error = None
        for task in self.tasks:
            if task.final:
                continue
            st = jobs.get(task.key)
            if st is None:
                # Gone from the queue (sbatch returned once slurmctld had
                # queued it, so it was there): the job has ended.
                self.finish(task, None)
                continue
            state, reason, nodes = st
            if state in FINAL_STATES:
                self.finish(task, state)
                continue
            if nodes:
                task.node = nodes
            if state == "RUNNING" and task.started is None:
                task.started = time.monotonic()
            self.show(task, state, reason)

    def show(self, task, state, reason):
        key = (state, reason if state == "PENDING" else None)
        if task.shown == key:
            return
        task.shown = key
        task.state = state
        if state == "PENDING":
            out("%s: queued%s" % (self.label(task), " (%s)" % reason
                                  if reason and reason != "None" else ""))
        elif state == "RUNNING":
            out("%s: running on %s" % (self.label(task), task.node or "?"))
        elif state == "COMPLETING":
            pass
        else:
            out("%s: %s%s" % (self.label(task), state.lower(),
                              " (%s)" % reason if reason and reason != "None" else ""))

    def finish(self, task, state):
        # The job's own status file says how the sweep went; Slurm's state
        # says how the job ended when the job died before writing it.
        info = scontrol_job(task.key) or {}
        state = info.get("JobState") or state
        if state in (None, "COMPLETED"):
            # A shared file system may show the job's status file a moment later.
            deadline = time.monotonic() + 10
            while not os.path.exists(task.status_path) and time.monotonic() < deadline:
                time.sleep(0.2)
        task.result = read_json(task.status_path)
        if info.get("NodeList") and info["NodeList"] != "(null)":
            task.node = info["NodeList"]
        took = ""
        if task.started is not None:
            took = " in %s" % fmt_time(time.monotonic() - task.started)
        res = task.result
        if res and res.get("run_dir"):
            task.node = res.get("node") or task.node
            clean = res.get("sweep_exit") == 0
            task.final = "done" if clean else "not clean"
            if not clean:
                task.reason = "scripts/sweep exit status %s (its report lists what failed)" \
                    % res.get("sweep_exit")
            out("%s: %s on %s%s -> %s%s" % (
                self.label(task), task.final, task.node or "?", took, rel(res["run_dir"]),
                "" if clean else " (%s)" % task.reason))
            return
        task.final = "failed"
        why = []
        if state:
            words = {"CANCELLED": "cancelled", "TIMEOUT": "time limit reached",
                     "NODE_FAIL": "node failure", "OUT_OF_MEMORY": "out of memory",
                     "PREEMPTED": "preempted", "BOOT_FAIL": "node did not boot",
                     "DEADLINE": "deadline reached", "FAILED": "failed",
                     "COMPLETED": "completed"}
            w = words.get(state, state.lower())
            if state == "CANCELLED" and task.started is None and \
                    info.get("NodeList") in (None, "", "(null)"):
                w += " while queued"
            why.append(w)
            if info.get("Reason") and info["Reason"] != "None":
                why.append("reason %s" % info["Reason"])
            if info.get("ExitCode") and info["ExitCode"] != "0:0":
                why.append("exit code %s" % info["ExitCode"])
        else:
            why.append("ended; Slurm no longer knows the job (no accounting needed, none read)")
        if res and res.get("message"):
            why.append(res["message"])
        partial = os.path.join(self.session, ".tmp-%s-%s" % (task.target.name, task.key))
        if not res and os.path.isdir(partial):
            why.append("partial files kept in %s" % rel(partial))
        tail = output_tail(task.out_path)
        if tail:
            why.append("last output: %s" % tail[:200])
        elif not os.path.exists(task.out_path):
            why.append("no output file %s" % rel(task.out_path))
        task.reason = "; ".join(why)
        out("%s: failed on %s: %s" % (self.label(task), task.node or "no node", task.reason))

    def wait(self):
        while True:
            self.poll()
            if all(t.final for t in self.tasks):
                return
            time.sleep(self.opts["poll"])


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
