"""contend.slurm_watch — scripts/sweep-slurm's side of the queue: asking
Slurm (squeue, scontrol), and waiting for the jobs, printing a line as a
target is queued, running, done or failed, with the reason."""

import os
import re
import subprocess
import sys
import time

from .slurm_job import read_json
from .sweep_step import fmt_time, rel

PROG = "scripts/sweep-slurm"

# Slurm job states that are final (squeue shows some of them for a while).
FINAL_STATES = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED", "SPECIAL_EXIT"}


def say(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)


def out(msg):
    print(msg, flush=True)


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

