#!/usr/bin/python3
"""scripts/sweep-slurm against a real one-node Slurm cluster (suites
scripts and slurm).

The test starts its own cluster in a temp folder: munged with its own key,
socket, pid and log files; slurmctld -D and slurmd -D -N localhost on free
loopback ports, with SLURM_CONF pointing at a minimal slurm.conf
(proctrack/linuxproc, task/affinity, select/cons_tres, no accounting,
FIFO scheduling) whose one node, with the machine's CPUs, is in two
partitions standing for two node types. Then sweep-slurm runs tiny sweeps
(two counter benchmarks, 0.01 s each) on three targets, one of which the
test cancels while it is queued, and on one target with --repeat 2 (a job
array) without --bench, so that each job builds contend-bench on the node. Every daemon, and any job process left, is stopped by its pid
whatever happens (finally, atexit, SIGTERM/SIGINT/SIGHUP).

Needs root (slurmd launches jobs; skipped, saying so, otherwise) and the
Debian packages slurmctld, slurmd, slurm-client and munge, which
scripts/deps installs: without them the test fails. Uses CONTEND_BENCH
(set by meson) when built, else tests/fake_bench.py. About a minute.
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
sys.path.insert(0, SCRIPTS)
from contend import slurm_job as cs  # noqa: E402

SWEEP_SLURM = os.path.join(SCRIPTS, "sweep-slurm")
FAKE = os.path.join(HERE, "fake_bench.py")
PY = sys.executable
BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "sinfo", "squeue", "scontrol", "scancel")
SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def which(name):
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Cluster:
    """munged, slurmctld and slurmd of a one-node cluster in a temp folder."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="contend-slurm-")
        os.chmod(self.dir, 0o755)      # munged wants its socket folder searchable
        self.conf = os.path.join(self.dir, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)
        self.procs = []                 # (name, Popen), started order
        self.stopped = False

    def path(self, *p):
        return os.path.join(self.dir, *p)

    def start(self):
        d = self.path
        for sub in ("munge", "state", "spool"):
            os.makedirs(d(sub))
            os.chmod(d(sub), 0o755)
        with open(d("munge", "munge.key"), "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(d("munge", "munge.key"), 0o400)
        sock = d("munge", "munge.socket")
        self.spawn("munged", [which("munged"), "-F", "--socket=" + sock,
                              "--key-file=" + d("munge", "munge.key"),
                              "--pid-file=" + d("munge", "munged.pid"),
                              "--log-file=" + d("munge", "munged.log"),
                              "--seed-file=" + d("munge", "munged.seed")])
        self.wait_for(lambda: os.path.exists(sock), 20, "munged's socket")
        ctld_port, d_port = free_ports(2)
        node = self.node_line()
        conf = """\
ClusterName=contendtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={sock}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
StateSaveLocation={state}
SlurmdSpoolDir={spool}
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 {node} Features=typea State=UNKNOWN
PartitionName=fast Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=slow Nodes=localhost MaxTime=INFINITE State=UP
""".format(ctld_port=ctld_port, d_port=d_port, sock=sock, state=d("state"),
           spool=d("spool"), dir=self.dir, node=node)
        with open(self.conf, "w") as f:
            f.write(conf)
        self.spawn("slurmctld", [which("slurmctld"), "-D"])
        self.spawn("slurmd", [which("slurmd"), "-D", "-N", "localhost"])
        self.wait_for(lambda: self.sinfo_state() == "idle", 90, "the node to be idle")

    def node_line(self):
        """CPUs, boards, sockets, cores and threads as slurmd sees them."""
        try:
            p = subprocess.run([which("slurmd"), "-C"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, timeout=30, env=self.env)
            first = p.stdout.splitlines()[0] if p.stdout else ""
        except (OSError, subprocess.TimeoutExpired):
            first = ""
        keep = [w for w in first.split() if re.match(
            r"^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=\d+$", w)]
        return " ".join(keep) or "CPUs=%d" % (os.cpu_count() or 1)

    def spawn(self, name, cmd):
        log = open(self.path(name + ".out"), "wb")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=self.env, cwd=self.dir)
        log.close()
        self.procs.append((name, p))
        return p

    def sinfo_state(self):
        p = self.run(["sinfo", "-h", "-n", "localhost", "-o", "%T"])
        return p.stdout.split()[0].strip("*~#") if p.returncode == 0 and p.stdout.split() else None

    def run(self, cmd, timeout=30):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  timeout=timeout, env=self.env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(cmd, 124, "", "timeout")

    def wait_for(self, cond, seconds, what):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for name, p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError("%s exited (status %s) while waiting for %s:\n%s"
                                       % (name, p.returncode, what, self.logs()))
            if cond():
                return
            time.sleep(0.2)
        raise RuntimeError("no %s within %d s:\n%s" % (what, seconds, self.logs()))

    def logs(self):
        text = []
        for f in ("munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log", "slurmd.log"):
            try:
                with open(self.path(f), errors="replace") as fh:
                    text.append("--- %s\n%s" % (f, "".join(fh.readlines()[-15:])))
            except OSError:
                pass
        return "\n".join(text)

    def our_leftovers(self):
        """Pids of processes that inherited this cluster's SLURM_CONF (job
        steps, slurmstepd) other than the daemons: started by this test."""
        mine = ("SLURM_CONF=" + self.conf).encode()
        daemons = {p.pid for _, p in self.procs}
        pids = []
        for e in os.listdir("/proc"):
            if not e.isdigit() or int(e) in daemons or int(e) == os.getpid():
                continue
            try:
                with open("/proc/%s/environ" % e, "rb") as f:
                    if mine in f.read().split(b"\0"):
                        pids.append(int(e))
            except OSError:
                pass
        return pids

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        ctld = dict(self.procs).get("slurmctld")
        if ctld is not None and ctld.poll() is None:
            self.run(["scancel", "--full", "-u", str(os.getuid())], timeout=15)
            end = time.monotonic() + 15
            while time.monotonic() < end:
                p = self.run(["squeue", "-h", "-o", "%i"], timeout=10)
                if p.returncode != 0 or not p.stdout.strip():
                    break
                time.sleep(0.3)
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            left = self.our_leftovers()
            for pid in left:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            if left:
                time.sleep(1)
        if os.environ.get("CONTEND_SLURM_KEEP"):
            print("cluster folder kept: %s" % self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


CLUSTER = None


def stop_cluster():
    if CLUSTER is not None:
        CLUSTER.stop()


def on_signal(signum, frame):
    stop_cluster()
    sys.exit(128 + signum)


def bench_args():
    exe = os.environ.get("CONTEND_BENCH")
    if not (exe and os.access(exe, os.X_OK)):
        exe = FAKE
    return ["--bench", exe, "--filter", "^counter/(atomic|ct_mutex)/", "--threads", "1,2",
            "--place", "compact", "--duration", "0.01", "--no-peers"]


def load(path):
    with open(path) as f:
        return json.load(f)


def read(path):
    with open(path) as f:
        return f.read()


class SweepSlurmTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        global CLUSTER
        CLUSTER = Cluster()
        try:
            CLUSTER.start()
        except BaseException:
            stop_cluster()
            raise
        cls.cluster = CLUSTER

    @classmethod
    def tearDownClass(cls):
        stop_cluster()

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="results-", dir=self.cluster.dir)

    def sweep_slurm(self, args, timeout=240, env=None):
        p = subprocess.run([PY, SWEEP_SLURM] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout,
                           env=dict(self.cluster.env, **(env or {})),
                           stdin=subprocess.DEVNULL, cwd=self.root)
        return p.returncode, p.stdout, p.stderr

    def session(self):
        (s,) = os.listdir(os.path.join(self.root, "slurm"))
        return os.path.join(self.root, "slurm", s)

    def check_run(self, run_dir, target, partition, constraint, job):
        self.assertTrue(run_dir.startswith(self.root + os.sep), run_dir)
        self.assertEqual(os.path.dirname(os.path.dirname(run_dir)), self.root)
        meta = load(os.path.join(run_dir, "meta.json"))
        self.assertEqual(meta["run_id"], os.path.basename(run_dir))
        self.assertEqual(meta["platform"], os.path.basename(os.path.dirname(run_dir)))
        self.assertTrue(meta.get("finished"))
        s = meta["slurm"]
        self.assertEqual(s["target"], target)
        self.assertEqual(s["partition"], partition)
        self.assertEqual(s["constraint"], constraint)
        self.assertEqual(s["node"], "localhost")
        self.assertEqual(s["cluster"], "contendtest")
        self.assertEqual(s["array_job_id"] + "_" + s["array_task_id"] if "_" in job
                         else s["job_id"], job)
        self.assertRegex(s["cpu_mask"], r"^[0-9][0-9,\-]*$")
        self.assertGreaterEqual(s["node_pus"], s["cpu_mask_pus"])
        self.assertTrue(os.path.exists(os.path.join(run_dir, "report.md")))
        self.assertTrue(os.listdir(os.path.join(run_dir, "gb")))

    def test_usage_errors(self):
        cases = [
            (["a=nosuch"], r"unknown partition 'nosuch'"),
            (["a=fast:nofeature"], r"no node of partition fast has feature 'nofeature'"),
            (["a"], r"not NAME=PARTITION"),
            (["a=fast", "a=slow"], r"given twice"),
            (["a=fast", "--repeat", "0"], r"--repeat"),
            (["a=fast", "--resume", "x"], r"--resume"),
            (["a=fast", "--bogus"], r"unknown option '--bogus'"),
            ([], r"no target"),
        ]
        for args, rx in cases:
            rc, out, err = self.sweep_slurm(args + ["--out", self.root])
            self.assertEqual(rc, 2, (args, err))
            self.assertEqual(len(err.strip().splitlines()), 1, (args, err))
            self.assertRegex(err, rx)
        self.assertFalse(os.path.exists(os.path.join(self.root, "slurm")))
        # No Slurm on PATH: one line, exit 2.
        env = dict(self.cluster.env, PATH="/nonexistent")
        p = subprocess.run([PY, SWEEP_SLURM, "a=fast", "--out", self.root], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertRegex(p.stderr, r"^scripts/sweep-slurm: Slurm is not installed here "
                                   r"\(no sbatch on PATH\)")
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        rc, out, err = self.sweep_slurm(["--help"])
        self.assertEqual(rc, 0)
        self.assertIn("NAME=PARTITION[:CONSTRAINT]", out)

    def test_print(self):
        rc, out, err = self.sweep_slurm(["a=fast:typea", "b=slow", "--print", "--repeat", "3",
                                         "--sbatch=--time=10", "--out", self.root] + bench_args())
        self.assertEqual(rc, 0, err)
        jobs = os.path.join(self.session(), "jobs")
        self.assertEqual(sorted(os.listdir(jobs)), ["a.sh", "b.sh"])
        a = read(os.path.join(jobs, "a.sh"))
        self.assertIn(a, out)
        for line in ("#SBATCH --partition=fast", "#SBATCH --constraint=typea",
                     "#SBATCH --exclusive", "#SBATCH --array=0-2", "#SBATCH --time=10"):
            self.assertIn(line + "\n", a)
        self.assertNotIn("srun", a.replace("(no\n# srun)", ""))
        self.assertIn("/sweep --out", a)
        self.assertNotIn("--constraint", read(os.path.join(jobs, "b.sh")))
        q = self.cluster.run(["squeue", "-h"])
        self.assertEqual(q.stdout.strip(), "", "--print submitted something")

    def test_targets_gathered_compared_and_one_cancelled(self):
        p = subprocess.Popen([PY, SWEEP_SLURM, "a=fast:typea", "b=slow", "c=slow", "--poll",
                              "0.5", "--out", self.root] + bench_args(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=self.cluster.env, stdin=subprocess.DEVNULL, cwd=self.root)
        try:
            # The node is exclusive and scheduling FIFO: a runs, b and c
            # queue behind it. Cancel c while it is queued.
            cancelled = None
            end = time.monotonic() + 60
            while cancelled is None and time.monotonic() < end and p.poll() is None:
                q = self.cluster.run(["squeue", "-h", "-n", "contend-c", "-o", "%i|%T"])
                for line in q.stdout.split():
                    jid, state = line.split("|")
                    if state == "PENDING":
                        self.cluster.run(["scancel", jid])
                        cancelled = jid
                time.sleep(0.1)
            out, err = p.communicate(timeout=240)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertIsNotNone(cancelled, "job c was never seen queued")
        self.assertEqual(p.returncode, 1, out + err)     # c failed
        summary = load(os.path.join(self.session(), "summary.json"))
        self.assertEqual(summary["state"], "finished")
        by = {t["name"]: t for t in summary["targets"]}
        self.assertEqual(by["c"]["tasks"][0]["job"], cancelled)
        self.assertEqual(by["c"]["tasks"][0]["state"], "failed")
        self.assertIn("cancelled", by["c"]["tasks"][0]["reason"])
        self.assertRegex(out, r"\[c\] job %s: failed on .*cancelled while queued" % cancelled)
        for name, part, cons in (("a", "fast", "typea"), ("b", "slow", None)):
            (task,) = by[name]["tasks"]
            self.assertEqual(task["state"], "done", task)
            self.assertEqual(task["sweep_exit"], 0)
            self.check_run(task["run_dir"], name, part, cons, task["job"])
            self.assertRegex(out, r"\[%s\] job %s: queued" % (name, task["job"])
                             if name == "b" else r"\[a\] job %s: " % task["job"])
            self.assertRegex(out, r"\[%s\] job %s: done on localhost" % (name, task["job"]))
            self.assertTrue(os.path.exists(os.path.join(
                self.session(), "jobs", "%s-%s.out" % (name, task["job"]))))
        runs = summary["runs"]
        self.assertEqual(runs, [by["a"]["tasks"][0]["run_dir"], by["b"]["tasks"][0]["run_dir"]])
        self.assertEqual(summary["compare"], os.path.join(self.session(), "compare"))
        md = read(os.path.join(summary["compare"], "compare.md"))
        for r in runs:
            self.assertIn(os.path.basename(r), md)
        self.assertTrue(os.path.exists(os.path.join(summary["compare"], "compare.csv")))
        self.assertIn("comparison: ", out)
        # Nothing half-written is left in the results root.
        leftovers = [f for f in os.listdir(self.session()) if f.startswith(".tmp")]
        self.assertEqual(leftovers, [])
        self.assertEqual(sorted(os.listdir(self.root)),
                         sorted({"slurm"} | {os.path.basename(os.path.dirname(r)) for r in runs}))

    def test_repeat_is_a_job_array_built_on_the_node(self):
        # Without --bench each job builds contend-bench in $TMPDIR on its node.
        tmpdir = tempfile.mkdtemp(prefix="tmp-", dir=self.cluster.dir)
        args = bench_args()
        del args[:2]
        rc, out, err = self.sweep_slurm(["a=fast", "--repeat", "2", "--poll", "0.5",
                                         "--out", self.root] + args, env={"TMPDIR": tmpdir})
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(os.listdir(tmpdir), [], "a job left its build folder")
        summary = load(os.path.join(self.session(), "summary.json"))
        (t,) = summary["targets"]
        jid = t["job"]
        self.assertEqual([x["job"] for x in t["tasks"]], [jid + "_0", jid + "_1"])
        for x in t["tasks"]:
            self.assertEqual(x["state"], "done")
            self.check_run(x["run_dir"], "a", "fast", None, x["job"])
            bench = load(os.path.join(x["run_dir"], "meta.json"))["bench"]
            self.assertIn(os.path.join(os.path.basename(tmpdir), "contend-build-" + x["job"]),
                          bench)
        self.assertEqual(len(set(summary["runs"])), 2)
        self.assertTrue(os.path.exists(os.path.join(summary["compare"], "compare.md")))
        self.assertIn("2 of 2 jobs done", out)


class JobFactsTest(unittest.TestCase):
    """The meta.json facts and the job's gather step, without a cluster."""

    def test_facts(self):
        self.assertIsNone(cs.job_facts(env={}))
        env = {"SLURM_JOB_ID": "7", "SLURMD_NODENAME": "n1", "SLURM_JOB_PARTITION": "p",
               "CONTEND_SLURM_TARGET": "t", "CONTEND_SLURM_CONSTRAINT": "icx"}
        f = cs.job_facts(env=env, node_pus=4, allowed={0, 1, 2, 3})
        self.assertEqual((f["job_id"], f["node"], f["partition"], f["target"], f["constraint"],
                          f["cpu_mask"], f["cpu_mask_pus"], f["node_pus"]),
                         ("7", "n1", "p", "t", "icx", "0-3", 4, 4))
        self.assertNotIn("warning", f)
        f = cs.job_facts(env=env, node_pus=4, allowed={0, 2})
        self.assertEqual(f["cpu_mask"], "0,2")
        self.assertRegex(f["warning"], r"may use 2 of the node's 4 PUs \(0,2\)")

    def test_gather(self):
        d = tempfile.mkdtemp(prefix="contend-gather-")
        try:
            root = os.path.join(d, "results")
            os.makedirs(os.path.join(root, "plat", "20260101-000000"))

            def make(tmp, finished):
                run = os.path.join(tmp, "plat", "20260101-000000")
                os.makedirs(run)
                meta = {"run_id": "20260101-000000", "platform": "plat"}
                if finished:
                    meta["finished"] = "x"
                with open(os.path.join(run, "meta.json"), "w") as f:
                    json.dump(meta, f)
                return run

            tmp = os.path.join(d, ".tmp-a-1")
            make(tmp, True)
            rc = cs.job_gather(tmp, root, os.path.join(d, "a-1.json"), 0)
            self.assertEqual(rc, 0)
            st = load(os.path.join(d, "a-1.json"))
            self.assertEqual(st["run_dir"], os.path.join(root, "plat", "20260101-000000-2"))
            self.assertEqual(load(os.path.join(st["run_dir"], "meta.json"))["run_id"],
                             "20260101-000000-2")
            self.assertFalse(os.path.exists(tmp))
            tmp = os.path.join(d, ".tmp-b-2")
            run = make(tmp, False)
            rc = cs.job_gather(tmp, root, os.path.join(d, "b-2.json"), 130)
            self.assertEqual(rc, 130)
            st = load(os.path.join(d, "b-2.json"))
            self.assertIsNone(st["run_dir"])
            self.assertEqual(st["kept"], run)
            self.assertTrue(os.path.exists(run))
        finally:
            shutil.rmtree(d, ignore_errors=True)


def main():
    missing = [b for b in BINARIES if not which(b)]
    if missing:
        print("FAIL: Slurm is not installed: no %s (scripts/deps installs slurmctld slurmd "
              "slurm-client munge)" % ", ".join(missing), file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("SKIP: a one-node Slurm cluster needs root (slurmd launches the jobs)",
              file=sys.stderr)
        return 77
    atexit.register(stop_cluster)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        prog = unittest.main(exit=False, verbosity=2)
    finally:
        stop_cluster()
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
