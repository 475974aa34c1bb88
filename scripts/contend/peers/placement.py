"""contend.peers.placement — where python-peers' workers run.

The PU of every worker comes from contend-bench --plan (bench/placement:
hwloc's topology, golden-tested), so CPython's threads sit exactly where
contend-bench puts its own: compact fills SMT siblings, then cores of one
L3 and package; scatter spreads over packages, NUMA nodes, L3s and cores as
hwloc_distrib does. cpus:LIST is the explicit list and none binds nothing;
more threads than PUs wrap around. The contend-bench used is
$CONTEND_BENCH, else build/bench/contend-bench of this checkout.
"""

import os
import re
import subprocess
import threading

from ..host import cpulist, parse_cpu_list, read_first, REPO

PLANNED = ("compact", "scatter")      # the policies contend-bench computes


class PlanError(Exception):
    """contend-bench --plan missing or failing; str() is one line."""


def contend_bench():
    """Path of the contend-bench that plans; PlanError if there is none."""
    exe = os.environ.get("CONTEND_BENCH") or os.path.join(REPO, "build", "bench",
                                                          "contend-bench")
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        raise PlanError("placement needs contend-bench --plan, and %s is not an executable "
                        "(build it: meson setup build && ninja -C build; or set CONTEND_BENCH)"
                        % exe)
    return exe


def plan_command(threads, places):
    return [contend_bench(), "--plan", "--threads=" + ",".join(str(t) for t in threads),
            "--place=" + ",".join(places)]


def run_plan(threads, places):
    """contend-bench --plan's text for these thread counts and policies."""
    cmd = plan_command(threads, places)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise PlanError("%s --plan did not run: %s" % (cmd[0], e))
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["exit status %d" % p.returncode])[-1]
        raise PlanError("%s --plan failed: %s" % (cmd[0], last))
    return p.stdout


_BLOCK = re.compile(r"^place:(\S+) threads:(\d+)$")
_ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$")


def parse_plan(text):
    """{(policy, threads): [PU of thread 0, 1, ...]} from --plan's text
    (thread PU core L3 NUMA package rows; 'not bound' blocks map to [])."""
    out = {}
    cur = None
    for line in text.splitlines():
        m = _BLOCK.match(line)
        if m:
            cur = out.setdefault((m.group(1), int(m.group(2))), [])
            continue
        m = _ROW.match(line)
        if m and cur is not None:
            cur.append(int(m.group(2)))
    return out


class Placement:
    """The allowed PUs and the PU of each worker per policy and team size."""

    def __init__(self, allowed=None):
        if allowed is None:
            allowed = os.sched_getaffinity(0)
        self.allowed = sorted(allowed)
        self._plans = {}

    def prepare(self, pairs):
        """Asks contend-bench once for every (policy, threads) it computes."""
        pairs = {(p, t) for p, t in pairs if p in PLANNED and (p, t) not in self._plans}
        if not pairs:
            return
        places = sorted({p for p, _ in pairs}, key=PLANNED.index)
        threads = sorted({t for _, t in pairs})
        plans = parse_plan(run_plan(threads, places))
        for key in pairs:
            if len(plans.get(key, ())) != key[1]:
                raise PlanError("contend-bench --plan printed no placement for place:%s "
                                "threads:%d" % key)
            self._plans[key] = plans[key]

    def plan(self, policy, nthreads):
        """PU for each worker (-1 = not bound)."""
        if policy == "none":
            return [-1] * nthreads
        if policy.startswith("cpus:"):
            lst = parse_cpu_list(policy[5:])
            return [lst[i % len(lst)] for i in range(nthreads)]
        self.prepare([(policy, nthreads)])
        return list(self._plans[(policy, nthreads)])

    def describe(self):
        return cpulist(self.allowed)


def current_cpu():
    """CPU the calling thread last ran on (field 39 of its stat), or -1."""
    text = read_first("/proc/thread-self/stat")
    if text is None:
        text = read_first("/proc/self/task/%d/stat" % threading.get_native_id())
    if not text:
        return -1
    try:
        return int(text[text.rindex(")") + 2:].split()[36])
    except (ValueError, IndexError):
        return -1
