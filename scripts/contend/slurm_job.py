"""contend.slurm_job — the job's side of scripts/sweep-slurm, what runs on
the node: the "slurm" facts a sweep inside a Slurm job adds to meta.json,
and --job-gather, which moves the finished run into the shared results
root and writes the job's status file."""

import errno
import os
import shutil
import socket
import time

from . import io as cio, meta as cmeta
from .host import allowed_cpus, cpulist


def read_json(path):
    """The JSON object in path, or None (missing, unreadable, not an object)."""
    try:
        v = cio.read_json(path)
    except cio.ResultsError:
        return None
    return v if isinstance(v, dict) else None


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
        allowed = allowed_cpus()
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
            if name != (cmeta.recorded(meta, "run_id") or rid):
                meta["run_id"] = name
                cio.atomic_write_json(os.path.join(src, "meta.json"), meta)
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
    cio.atomic_write_json(status_path, status)
    if status["run_dir"]:
        print("contend: run %s (scripts/sweep exit status %d)" % (status["run_dir"], sweep_rc),
              flush=True)
    else:
        print("contend: %s" % status.get("message"), flush=True)
    return rc

