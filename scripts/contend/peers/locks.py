"""contend.peers.locks — counter, mutex and rmutex on threading.Lock and RLock."""

# Each worker is one function with its loop written out, and the methods
# it calls bound to locals before the loop: in CPython a shared helper
# called per operation costs about as much as a lock operation itself,
# so the workloads repeat these few lines instead of sharing them.

import threading
import time

from .common import CFG, LOCK_EVERY
from .team import ThreadResult, _chunks, _every, _timed_control


def wl_lock(n, duration, busy, cs_ns=0, recursive=False, depth=1, counter=False):
    """mutex, rmutex and counter: one op is one (outermost) lock hold."""
    stop = threading.Event()
    lock = threading.RLock() if recursive else threading.Lock()
    cell = [0]
    cs = busy.range_for(cs_ns)
    out = busy.range_for(CFG["outside_ns"]) if cs_ns > 0 else None
    every = _every(LOCK_EVERY)

    def job():
        acq, rel = lock.acquire, lock.release
        is_set = stop.is_set
        now = time.perf_counter_ns
        samples = []
        app = samples.append
        rests, k = _chunks(every), 0
        d = range(depth)
        ops = 0
        c = cell
        t_first = now()
        if counter:
            while not is_set():
                t = now()
                acq()
                c[0] += 1
                rel()
                app(now() - t)
                rest = rests[k & 63]
                k += 1
                for _ in rest:
                    acq()
                    c[0] += 1
                    rel()
                ops += len(rest) + 1
        elif depth > 1:
            while not is_set():
                t = now()
                for _ in d:
                    acq()
                for _ in d:
                    rel()
                app(now() - t)
                rest = rests[k & 63]
                k += 1
                for _ in rest:
                    for _ in d:
                        acq()
                    for _ in d:
                        rel()
                ops += len(rest) + 1
        elif cs is None:
            while not is_set():
                t = now()
                acq()
                rel()
                app(now() - t)
                rest = rests[k & 63]
                k += 1
                for _ in rest:
                    acq()
                    rel()
                ops += len(rest) + 1
        else:
            r_cs = cs
            r_out = out or ()
            while not is_set():
                t = now()
                acq()
                for _ in r_cs:
                    pass
                rel()
                app(now() - t)
                for _ in r_out:
                    pass
                rest = rests[k & 63]
                k += 1
                for _ in rest:
                    acq()
                    for _ in r_cs:
                        pass
                    rel()
                    for _ in r_out:
                        pass
                ops += len(rest) + 1
        return ThreadResult(ops, samples, t_first, now())

    def finish(results):
        ops = sum(r.ops for r in results)
        err = None
        extra = {}
        if lock.acquire(blocking=False):
            lock.release()
        else:
            err = "the lock is still held after the trial"
        if counter:
            lost = ops - cell[0]
            extra["lost_updates"] = float(lost)
            if lost and err is None:
                err = "lost updates: %d increments, counter %d" % (ops, cell[0])
        return ops, err, extra

    return [job] * n, _timed_control(stop, duration), finish
