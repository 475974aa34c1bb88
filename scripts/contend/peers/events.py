"""contend.peers.events — event ping-pong, broadcast and timed wait on threading.Event."""

# Each worker is one function with its loop written out, and the methods
# it calls bound to locals before the loop: in CPython a shared helper
# called per operation costs about as much as a event operation itself,
# so the workloads repeat these few lines instead of sharing them.

import threading
import time

from .common import CFG
from .team import ThreadResult, _timed_control


def wl_event_pingpong(duration):
    stop = threading.Event()
    ping, pong = threading.Event(), threading.Event()
    halt = [False]

    def driver():
        is_set = stop.is_set
        now = time.perf_counter_ns
        samples = []
        app = samples.append
        s_set, p_wait, p_clear = ping.set, pong.wait, pong.clear
        ops = 0
        t_first = now()
        while not is_set():
            t = now()
            s_set()
            p_wait()
            p_clear()
            app(now() - t)
            ops += 1
        t_last = now()
        halt[0] = True
        ping.set()
        return ThreadResult(ops, samples, t_first, t_last)

    def echo():
        now = time.perf_counter_ns
        p_wait, p_clear, q_set = ping.wait, ping.clear, pong.set
        ops = 0
        t_first = t_last = now()
        while True:
            p_wait()
            if halt[0]:
                break
            p_clear()
            q_set()
            ops += 1
            t_last = now()
        return ThreadResult(ops, [], t_first, t_last)

    def finish(results):
        a, b = results[0].ops, results[1].ops
        err = None
        if a != b:
            err = "ping-pong round trips disagree: driver %d, echo %d" % (a, b)
        return a, err, {}

    return [driver, echo], _timed_control(stop, duration), finish


def wl_event_broadcast(n, duration):
    """Rounds alternate between two events: a waiter that woke in round r
    may wait for round r+1 at once, since go[(r+1)%2] was cleared before
    round r began (after every waiter of round r-1 had acknowledged)."""
    stop = threading.Event()
    go = (threading.Event(), threading.Event())
    cv = threading.Condition(threading.Lock())
    woke = [0]
    last_wake = [0]
    halt = [False]
    waiters = n - 1

    def setter():
        is_set = stop.is_set
        now = time.perf_counter_ns
        samples = []
        app = samples.append
        r = 0
        t_first = now()
        while not is_set():
            go[(r + 1) & 1].clear()
            t = now()
            go[r & 1].set()
            with cv:
                target = (r + 1) * waiters
                while woke[0] < target:
                    cv.wait()
                lat = last_wake[0] - t
                last_wake[0] = 0
            app(lat)
            r += 1
        t_last = now()
        halt[0] = True
        go[0].set()
        go[1].set()
        return ThreadResult(r, samples, t_first, t_last, role=0)

    def waiter():
        now = time.perf_counter_ns
        r = 0
        t_first = t_last = now()
        while True:
            go[r & 1].wait()
            t = now()
            if halt[0]:
                break
            with cv:
                if t > last_wake[0]:
                    last_wake[0] = t
                woke[0] += 1
                if woke[0] % waiters == 0:
                    cv.notify()
            t_last = t
            r += 1
        return ThreadResult(r, [], t_first, t_last, role=1)

    def finish(results):
        rounds = results[0].ops
        err = None
        bad = [i for i, res in enumerate(results[1:], 1) if res.ops != rounds]
        if bad:
            err = "waiter %d woke %d times in %d broadcasts" % (
                bad[0], results[bad[0]].ops, rounds)
        return rounds, err, {}

    return [setter] + [waiter] * waiters, _timed_control(stop, duration), finish


def wl_event_timed(n, duration):
    stop = threading.Event()
    never = threading.Event()
    timeout_ns = CFG["timed_wait_ns"]

    def job():
        wait = never.wait
        tmo = timeout_ns / 1e9
        is_set = stop.is_set
        now = time.perf_counter_ns
        samples = []
        app = samples.append
        ops = 0
        t_first = now()
        while not is_set():
            t = now()
            got = wait(tmo)
            d = now() - t
            if got:
                return ThreadResult(ops, samples, t_first, now(),
                                    error="Event.wait(timeout) returned True on an event "
                                          "nobody set")
            if d < timeout_ns:
                return ThreadResult(ops, samples, t_first, now(),
                                    error="Event.wait(timeout) returned after %d ns < %d ns"
                                          % (d, timeout_ns))
            app(d - timeout_ns)
            ops += 1
        return ThreadResult(ops, samples, t_first, now())

    def finish(results):
        return sum(r.ops for r in results), None, {}

    return [job] * n, _timed_control(stop, duration), finish
