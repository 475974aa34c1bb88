"""contend.peers.queues — queue.Queue(maxsize=N): producers and consumers, pairs, ping-pong."""

# Each worker is one function with its loop written out, and the methods
# it calls bound to locals before the loop: in CPython a shared helper
# called per operation costs about as much as a queue operation itself,
# so the workloads repeat these few lines instead of sharing them.

import os
import queue
import threading
import time

from .common import QUEUE_EVERY, TIMED_TIMEOUT_S
from .team import ThreadResult, _chunks, _every, _timed_control


def wl_queue_pc(duration, producers, consumers, cap, mode):
    """Producer p puts p, p+P, p+2P, ...; consumers sum what they get. The
    last producer to stop puts one sentinel (None) per consumer."""
    stop = threading.Event()
    q = queue.Queue(maxsize=cap)
    left = [producers]
    left_lock = threading.Lock()
    every = _every(QUEUE_EVERY)
    drop = _inject_drop()
    Full, Empty = queue.Full, queue.Empty
    T = TIMED_TIMEOUT_S

    def producer_done():
        with left_lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            for _ in range(consumers):
                q.put(None)         # after every item: FIFO

    def make_producer(p):
        def job():
            is_set = stop.is_set
            now = time.perf_counter_ns
            samples = []
            app = samples.append
            rests, k = _chunks(every), 0
            v, step, total, ops = p, producers, 0, 0
            t_first = now()
            try:
                if mode == "block":
                    put = q.put
                    while not is_set():
                        t = now()
                        put(v)
                        app(now() - t)
                        total += v
                        v += step
                        rest = rests[k & 63]
                        k += 1
                        for _ in rest:
                            put(v)
                            total += v
                            v += step
                        ops += len(rest) + 1
                else:
                    if mode == "try":
                        put_nowait = q.put_nowait

                        def put(x):
                            while True:
                                try:
                                    put_nowait(x)
                                    return True
                                except Full:
                                    if is_set():
                                        return False
                    else:
                        qput = q.put

                        def put(x):
                            while True:
                                try:
                                    qput(x, True, T)
                                    return True
                                except Full:
                                    if is_set():
                                        return False
                    running = True
                    while running and not is_set():
                        t = now()
                        if not put(v):
                            break
                        app(now() - t)
                        total += v
                        v += step
                        ops += 1
                        rest = rests[k & 63]
                        k += 1
                        for _ in rest:
                            if not put(v):
                                running = False
                                break
                            total += v
                            v += step
                            ops += 1
                t_last = now()
            finally:
                producer_done()
            return ThreadResult(ops, samples, t_first, t_last,
                                {"sum": total, "count": ops}, role=0)
        return job

    def consumer():
        now = time.perf_counter_ns
        samples = []
        app = samples.append
        rests, k = _chunks(every), 0
        total, ops = 0, 0
        if mode == "block":
            get = q.get
        elif mode == "try":
            get_nowait = q.get_nowait

            def get():
                while True:
                    try:
                        return get_nowait()
                    except Empty:
                        pass
        else:
            qget = q.get

            def get():
                while True:
                    try:
                        return qget(True, T)
                    except Empty:
                        pass
        t_first = now()
        while True:
            t = now()
            x = get()
            d = now() - t
            if x is None:
                break
            app(d)
            total += x
            ops += 1
            rest = rests[k & 63]
            k += 1
            for _ in rest:
                x = get()
                if x is None:
                    break
                total += x
                ops += 1
            else:
                continue
            break
        t_last = now()
        if drop and ops:
            total -= 1
        return ThreadResult(ops, samples, t_first, t_last, {"sum": total, "count": ops},
                            role=1)

    def finish(results):
        prod = [r for r in results if r.role == 0]
        cons = [r for r in results if r.role == 1]
        put_n = sum(r.extra["count"] for r in prod)
        got_n = sum(r.extra["count"] for r in cons)
        put_s = sum(r.extra["sum"] for r in prod)
        got_s = sum(r.extra["sum"] for r in cons)
        err = None
        if put_n != got_n or put_s != got_s:
            err = ("items lost or duplicated: %d put, %d got, checksums %d/%d"
                   % (put_n, got_n, put_s, got_s))
        elif q.qsize():
            err = "%d items left in the queue after the trial" % q.qsize()
        return got_n, err, {}

    jobs = [make_producer(p) for p in range(producers)] + [consumer] * consumers
    return jobs, _timed_control(stop, duration), finish


def wl_queue_pairs(n, duration, cap):
    stop = threading.Event()
    q = queue.Queue(maxsize=cap)
    every = _every(QUEUE_EVERY)
    drop = _inject_drop()

    def make(i):
        def job():
            put, get = q.put, q.get
            is_set = stop.is_set
            now = time.perf_counter_ns
            samples = []
            app = samples.append
            rests, k = _chunks(every), 0
            v, ps, gs, ops = i, 0, 0, 0
            t_first = now()
            while not is_set():
                t = now()
                put(v)
                x = get()
                app(now() - t)
                ps += v
                gs += x
                v += n
                rest = rests[k & 63]
                k += 1
                for _ in rest:
                    put(v)
                    x = get()
                    ps += v
                    gs += x
                    v += n
                ops += len(rest) + 1
            t_last = now()
            if drop and ops:
                gs -= 1
            return ThreadResult(ops, samples, t_first, t_last, {"put": ps, "got": gs})
        return job

    def finish(results):
        ops = sum(r.ops for r in results)
        ps = sum(r.extra["put"] for r in results)
        gs = sum(r.extra["got"] for r in results)
        err = None
        if ps != gs:
            err = "items lost or duplicated: %d put+get pairs, checksums %d/%d" % (ops, ps, gs)
        elif q.qsize():
            err = "%d items left in the queue after the trial" % q.qsize()
        return ops, err, {}

    return [make(i) for i in range(n)], _timed_control(stop, duration), finish


def wl_queue_pingpong(duration, cap):
    stop = threading.Event()
    there = queue.Queue(maxsize=cap)
    back = queue.Queue(maxsize=cap)
    drop = _inject_drop()

    def driver():
        put, get = there.put, back.get
        is_set = stop.is_set
        now = time.perf_counter_ns
        samples = []
        app = samples.append
        ops, bad, v = 0, 0, 0
        t_first = now()
        while not is_set():
            t = now()
            put(v)
            x = get()
            app(now() - t)
            if x != v:
                bad += 1
            v += 1
            ops += 1
        t_last = now()
        put(None)
        return ThreadResult(ops, samples, t_first, t_last, {"bad": bad})

    def echo():
        get, put = there.get, back.put
        now = time.perf_counter_ns
        ops, total = 0, 0
        t_first = t_last = now()
        while True:
            x = get()
            if x is None:
                break
            total += x
            put(x)
            ops += 1
            t_last = now()
        if drop and ops:
            total -= 1
        return ThreadResult(ops, [], t_first, t_last, {"sum": total})

    def finish(results):
        a, b = results[0], results[1]
        want = a.ops * (a.ops - 1) // 2
        err = None
        if a.extra["bad"] or a.ops != b.ops or b.extra["sum"] != want:
            err = ("items lost or duplicated: %d round trips, %d echoed, checksum %d/%d, "
                   "%d came back wrong" % (a.ops, b.ops, want, b.extra["sum"],
                                           a.extra["bad"]))
        elif there.qsize() or back.qsize():
            err = "items left in the ping-pong queues after the trial"
        return a.ops, err, {}

    return [driver, echo], _timed_control(stop, duration), finish


# -------------------------------------------------------------- benchmarks


def _inject_drop():
    return os.environ.get("CONTEND_PEERS_INJECT") == "queue-drop"
