"""contend.peers.team — a team of pinned worker threads reused across
trials, timer calibration, calibrated busy work, and the helpers the
workloads share (chunk lengths, the stop timer, Jain's index)."""

import errno
import os
import random
import resource
import threading
import time
import traceback

from .common import CFG
from .placement import current_cpu

def measure_timer():
    """(median, minimum) ns of back-to-back time.perf_counter_ns() pairs."""
    now = time.perf_counter_ns
    for _ in range(1000):
        now()
    deltas = []
    for _ in range(20001):
        a = now()
        b = now()
        deltas.append(b - a)
    deltas.sort()
    return float(deltas[len(deltas) // 2]), deltas[0]


class Busy:
    """Calibrated busy work: `for _ in range(k): pass` costs about a + b*k ns."""

    def __init__(self):
        now = time.perf_counter_ns
        outer = range(20000)

        def cost(r):
            t = now()
            for _ in outer:
                for _ in r:
                    pass
            return (now() - t) / len(outer)

        def empty():
            t = now()
            for _ in outer:
                pass
            return (now() - t) / len(outer)

        # Fastest of a few timings of each: the least disturbed by other load.
        k = 200
        e = min(empty() for _ in range(5))
        c0 = min(cost(range(0)) for _ in range(5))
        ck = min(cost(range(k)) for _ in range(5))
        self.a = max(0.0, c0 - e)
        self.b = max(0.01, (ck - c0) / k)

    def range_for(self, ns):
        """A range whose loop takes about ns (None for 0)."""
        if ns <= 0:
            return None
        return range(max(0, round((ns - self.a) / self.b)))

    def describe(self):
        return "for _ in range(k): pass ~ %.1f + %.2f*k ns" % (self.a, self.b)


def probe_binding(topo):
    """0 if a thread may bind itself to an allowed CPU, else the errno."""
    result = [0]

    def probe():
        try:
            os.sched_setaffinity(0, {topo.allowed[0]})
        except OSError as e:
            result[0] = e.errno or errno.EINVAL

    t = threading.Thread(target=probe, name="bind-probe")
    t.start()
    t.join()
    return result[0]


# -------------------------------------------------------------------- team

class ThreadResult:
    """What one worker reports for one trial."""

    __slots__ = ("ops", "samples", "t_first", "t_last", "extra", "error", "role",
                 "cpu_ns", "csw")

    def __init__(self, ops=0, samples=None, t_first=0, t_last=0, extra=None, error=None,
                 role=0):
        self.ops = ops
        self.samples = samples if samples is not None else []
        self.t_first = t_first      # perf_counter_ns when it started working
        self.t_last = t_last        # ... and when it stopped
        self.extra = extra or {}    # workload checks
        self.error = error
        self.role = role            # fairness group
        self.cpu_ns = 0
        self.csw = 0


class TrialTimeout(Exception):
    pass


def _thread_csw():
    ru = resource.getrusage(resource.RUSAGE_THREAD)
    return ru.ru_nvcsw + ru.ru_nivcsw


class Team:
    """Worker threads pinned once, reused for every trial of one benchmark."""

    def __init__(self, cpus):
        self.n = len(cpus)
        self.cpus = cpus
        self.ready = threading.Barrier(self.n + 1)
        self.start_b = threading.Barrier(self.n + 1)
        self.end_b = threading.Barrier(self.n + 1)
        self.jobs = None
        self.results = [None] * self.n
        self.bind_err = [0] * self.n         # errno of a refused binding
        self.misplaced_at = [False] * self.n  # read back elsewhere, at any time
        self.broken = False
        self.threads = [threading.Thread(target=self._main, args=(i, cpu), daemon=True,
                                         name="peer-%d" % i)
                        for i, cpu in enumerate(cpus)]
        for t in self.threads:
            t.start()
        self.ready.wait()

    def bound(self, i):
        return self.cpus[i] >= 0 and not CFG["bind_refused"] and not self.bind_err[i]

    def _main(self, i, cpu):
        if cpu >= 0 and not CFG["bind_refused"]:
            try:
                os.sched_setaffinity(0, {cpu})
                # The kernel moves the caller before returning: read it back.
                self.misplaced_at[i] = (os.sched_getaffinity(0) != {cpu}
                                        or current_cpu() not in (cpu, -1))
            except OSError as e:
                self.bind_err[i] = e.errno or errno.EINVAL
        self.ready.wait()
        while True:
            try:
                self.start_b.wait()
            except threading.BrokenBarrierError:
                return
            jobs = self.jobs
            if jobs is None:
                return
            c0 = time.thread_time_ns()
            s0 = _thread_csw()
            try:
                res = jobs[i]()
            except BaseException as e:     # reported as the run's error
                res = ThreadResult(error="worker %d: %s" % (
                    i, "".join(traceback.format_exception_only(type(e), e)).strip()))
            res.cpu_ns = time.thread_time_ns() - c0
            res.csw = _thread_csw() - s0
            self.results[i] = res
            if self.bound(i) and current_cpu() not in (cpu, -1):
                self.misplaced_at[i] = True
            try:
                self.end_b.wait()
            except threading.BrokenBarrierError:
                return

    def run(self, jobs, control, limit_s):
        """Runs jobs[i]() on worker i and control() here; returns the results."""
        self.jobs = jobs
        self.results = [None] * self.n
        self.start_b.wait()
        control()
        try:
            self.end_b.wait(timeout=limit_s)
        except threading.BrokenBarrierError:
            self.broken = True
            raise TrialTimeout()
        return self.results

    def misplaced(self):
        return sum(1 for m in self.misplaced_at if m)

    def bind_failure(self):
        """One line about the first worker whose binding failed, or None."""
        for i in range(self.n):
            if self.bind_err[i]:
                return "binding worker %d to PU %d failed: %s" % (
                    i, self.cpus[i], os.strerror(self.bind_err[i]))
        return None

    def close(self):
        if self.broken:
            return          # stuck workers are daemons; abandon them
        self.jobs = None
        try:
            self.start_b.wait(timeout=5)
        except threading.BrokenBarrierError:
            return
        for t in self.threads:
            t.join(timeout=5)


# ---------------------------------------------------------------- workloads
#
# Each workload builds fresh primitives for one trial and returns
# (jobs, control, finish): jobs[i]() runs on worker i and returns a
# ThreadResult; control() runs on the main thread during the window;
# finish(results) returns (ops, error or None, extra counters).

def jain(counts, roles=None):
    """Jain's index, each count divided by the mean of its role first."""
    if roles is None:
        roles = [0] * len(counts)
    mean = {}
    for role in set(roles):
        group = [c for c, r in zip(counts, roles) if r == role]
        mean[role] = sum(group) / len(group)
    xs = [c / mean[r] for c, r in zip(counts, roles) if mean[r] > 0]
    s2 = sum(x * x for x in xs)
    if not xs or s2 == 0:
        return 1.0
    return sum(xs) ** 2 / (len(xs) * s2)


def _every(default):
    s = CFG["sample"]
    return s if s > 0 else default


def _chunks(every):
    """64 chunk lengths (less the timed first operation), uniform in
    [every/2, 3*every/2]: sampling cannot lock step with a periodic workload."""
    rng = random.Random(threading.get_native_id())
    lo = max(1, every // 2)
    return [range(rng.randint(lo, lo + every) - 1) for _ in range(64)]


def _timed_control(stop, duration):
    def control():
        time.sleep(duration)
        stop.set()
    return control
