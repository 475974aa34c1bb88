"""contend.peers.pools — CPython's ThreadPoolExecutor (cpython_pool) on
contend-bench's pool workloads (bench/wl_pool.c)."""

import collections
import concurrent.futures
import random
import resource
import threading
import time

from .team import ThreadResult, _timed_control

# cpython_pool: concurrent.futures.ThreadPoolExecutor(max_workers=w) under
# contend-bench's pool workloads (bench/wl_pool.c), one function each. The
# team is one thread, the submitter (Bench.team = 1); threads:<w> is
# max_workers. cpu_per_op_ns and ctx_switches_per_op count the whole
# process (the executor's threads are not team threads), as wl_pool.c does.

POOL_GAPS_US = (0, 10, 50, 1000)
POOL_WORK_NS = (100, 1000, 10000)
POOL_WINDOW = 1024          # futures in flight (empty, work_ns)
POOL_AC_TASKS = 64
POOL_FIB_N = 18
# Round trips per trial at least, whatever the duration (bench/wl_pool.c's
# RT_SAMPLES, through its ctb_bench min_ops): a short trial of a gap-1000
# row would otherwise time a handful of round trips.
POOL_RT_SAMPLES = 200
POOL_NO_NESTED = ("unsupported: a ThreadPoolExecutor worker waiting for a future blocks "
                  "its thread: tasks that wait for tasks deadlock once every worker waits")


def _pool_noop(x=None):
    return x


def _pool_trial(w, duration, step, min_ops=0):
    """One trial: step(ex, samples) runs ops on a fresh executor until the
    window ends (and at least min_ops have run) and returns how many; the
    process's CPU and context switches replace the team's."""
    stop = threading.Event()

    def job():
        ex = concurrent.futures.ThreadPoolExecutor(max_workers=w)
        samples = []
        c0, ru0 = time.process_time_ns(), resource.getrusage(resource.RUSAGE_SELF)
        now = time.perf_counter_ns
        ops, t_first = 0, now()
        try:
            while not stop.is_set() or ops < min_ops:
                ops += step(ex, samples)
        finally:
            ex.shutdown(wait=True)
        t_last = now()
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        csw = (ru1.ru_nvcsw + ru1.ru_nivcsw) - (ru0.ru_nvcsw + ru0.ru_nivcsw)
        return ThreadResult(ops, samples, t_first, t_last,
                            extra={"_cpu": time.process_time_ns() - c0, "_csw": csw})

    def finish(results):
        r = results[0]
        r.cpu_ns, r.csw = r.extra.pop("_cpu"), r.extra.pop("_csw")
        return r.ops, None, {}

    return [job], _timed_control(stop, duration), finish


def wl_pool_stream(w, duration, task):
    """empty / work_ns: a stream of tasks, at most POOL_WINDOW in flight;
    the latency is the submit call (one per chunk of 64)."""
    inflight = collections.deque()

    def step(ex, samples):
        now = time.perf_counter_ns
        for i in range(64):
            if len(inflight) == POOL_WINDOW:
                inflight.popleft().result()
            if i == 0:
                t = now()
                inflight.append(ex.submit(task))
                samples.append(now() - t)
            else:
                inflight.append(ex.submit(task))
        return 64

    jobs, control, finish = _pool_trial(w, duration, step)
    job = jobs[0]

    def drained():
        r = job()
        while inflight:     # the executor has shut down: all done
            inflight.popleft().result()
        return r

    return [drained], control, finish


def wl_pool_roundtrip(w, duration, gap_us):
    def step(ex, samples):
        if gap_us:
            time.sleep(gap_us * 1e-6)
        t = time.perf_counter_ns()
        ex.submit(_pool_noop, 1).result()
        samples.append(time.perf_counter_ns() - t)
        return 1

    return _pool_trial(w, duration, step, min_ops=POOL_RT_SAMPLES)


def wl_pool_forkjoin(w, duration):
    def step(ex, samples):
        t = time.perf_counter_ns()
        for f in [ex.submit(_pool_noop, i) for i in range(w)]:
            f.result()
        samples.append(time.perf_counter_ns() - t)
        return 1

    return _pool_trial(w, duration, step)


def wl_pool_as_completed(w, duration, busy):
    """64 tasks of 1-100 us; the latency is each one's lag from the end of its
    work to as_completed yielding it."""
    rng = random.Random(1)
    finished = [0] * POOL_AC_TASKS

    def task(i, r):
        if r is not None:
            for _ in r:
                pass
        finished[i] = time.perf_counter_ns()
        return i

    def step(ex, samples):
        fs = [ex.submit(task, i, busy.range_for(rng.randint(1000, 100000)))
              for i in range(POOL_AC_TASKS)]
        got = 0
        for f in concurrent.futures.as_completed(fs):
            samples.append(max(0, time.perf_counter_ns() - finished[f.result()]))
            got += 1
        if got != POOL_AC_TASKS:
            raise RuntimeError("as_completed returned %d of %d" % (got, POOL_AC_TASKS))
        return 1

    return _pool_trial(w, duration, step)


def wl_pool_unsupported(reason):
    """fib: tasks that wait for tasks; the executor deadlocks, so the row is
    an error with the reason (contend-bench does the same for such rows)."""
    def job():
        return ThreadResult(error=reason)

    return [job], (lambda: None), (lambda results: (0, reason, {}))


def pool_benchmarks(threads, places, busy, Bench):
    """The pool rows, in contend-bench's order (wl_pool.c)."""
    out = []

    def add(params, t, p, build):
        b = Bench("pool", "cpython_pool", params, t, p, build)
        b.team = 1
        out.append(b)

    for t in threads:
        for p in places:
            add(["empty"], t, p, lambda d, t=t: wl_pool_stream(t, d, _pool_noop))
            for g in POOL_GAPS_US:
                add(["roundtrip", "gap_us:%d" % g], t, p,
                    lambda d, t=t, g=g: wl_pool_roundtrip(t, d, g))
            add(["forkjoin"], t, p, lambda d, t=t: wl_pool_forkjoin(t, d))
            add(["as_completed", "tasks:%d" % POOL_AC_TASKS], t, p,
                lambda d, t=t: wl_pool_as_completed(t, d, busy))
            add(["fib:%d" % POOL_FIB_N], t, p, lambda d: wl_pool_unsupported(POOL_NO_NESTED))
            for ns in POOL_WORK_NS:
                add(["work_ns:%d" % ns], t, p,
                    lambda d, t=t, ns=ns: wl_pool_stream(t, d, _pool_work(busy.range_for(ns))))
    return out


def _pool_work(r):
    def work():
        for _ in r:
            pass
    return work
