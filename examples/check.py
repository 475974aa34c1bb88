#!/usr/bin/env python3
"""Runs one example program and checks its log for the pattern's invariant.

usage: check.py CHECK [--checked] -- PROGRAM [ARGS...]

CHECK names the invariant (single_thread_join, race, deadlock, ...; see
CHECKS below). The program's stdout and stderr are read as one stream;
every line must be a log line "HH:MM:SS: message" (a sanitizer report or a
stray message fails the check), except the one abort line of a checked
deadlock. What is checked is what the pattern promises (every thread
finished, lost updates without the lock and none with it, every item
consumed exactly once, the checked self-deadlock aborted naming the mutex),
never how long anything took - with one exception asked for by the pattern:
the checked self-deadlock must abort within a second of the second lock.

--checked: the program is linked against a checked libcontend (owner
tracking), so deadlock must abort instead of timing out.
Exit status: 0 when the invariant holds, 1 when not, 2 for bad usage.
"""
import collections
import re
import signal
import subprocess
import sys
import threading
import time

LOG = re.compile(r"^\d\d:\d\d:\d\d: (.*)$")
RUN_TIMEOUT_S = 60  # a hang is a failure, not a stuck test run


class Fail(Exception):
    pass


def need(cond, what):
    if not cond:
        raise Fail(what)


def run(argv):
    """Returns (lines as (monotonic time, text), exit time, returncode)."""
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, errors="replace")
    except OSError as e:
        raise Fail(f"cannot run {argv[0]}: {e.strerror}")
    timer = threading.Timer(RUN_TIMEOUT_S, proc.kill)
    timer.start()
    lines = []
    for line in proc.stdout:
        lines.append((time.monotonic(), line.rstrip("\n")))
        print(line, end="")
    rc = proc.wait()
    end = time.monotonic()
    timer.cancel()
    need(rc != -signal.SIGKILL, f"still running after {RUN_TIMEOUT_S} s: killed")
    return lines, end, rc


def messages(lines, allow_other=0):
    """The log messages; at most allow_other lines may be something else."""
    msgs, other = [], []
    for _, text in lines:
        m = LOG.match(text)
        if m:
            msgs.append(m.group(1))
        else:
            other.append(text)
    if len(other) > allow_other:
        raise Fail(f"not a log line: {other[allow_other]!r}")
    return msgs, other


def index(msgs, text):
    need(text in msgs, f"missing line {text!r}")
    need(msgs.count(text) == 1, f"line {text!r} appears {msgs.count(text)} times")
    return msgs.index(text)


def before(msgs, a, b):
    need(index(msgs, a) < index(msgs, b), f"{a!r} does not come before {b!r}")


def threads_finished(msgs, prefix="Thread", start="starting", end="finishing"):
    """Every thread that logged start also logged end, after it, once each."""
    started = [m for m in msgs if re.fullmatch(rf"{prefix} \d+: {start}", m)]
    need(started, f"no '{prefix} N: {start}' line")
    for s in started:
        before(msgs, s, s.replace(start, end))
    return len(started)


def ok_exit(rc):
    need(rc == 0, f"exit status {rc}, expected 0")


def check_single_thread_join(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    threads_finished(msgs)
    before(msgs, "Main    : wait for the thread to finish", "Main    : all done")
    before(msgs, "Thread 1: finishing", "Main    : all done")  # join waited
    return "thread 1 joined before 'all done'"


def check_single_thread_nojoin(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    index(msgs, "Main    : all done")
    threads_finished(msgs)  # pthread_exit in main: the process waited for it
    return "thread 1 finished although main did not join it"


def check_daemon_thread_daemon(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    before(msgs, "Thread 1: starting", "Main    : all done")
    need("Thread 1: finishing" not in msgs, "the daemon thread finished: exit did not end it")
    need(msgs[-1:] == ["Main    : all done"], "'Main    : all done' is not the last line")
    return "the process ended without waiting for the daemon thread"


def check_daemon_thread_join(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    threads_finished(msgs)
    before(msgs, "Thread 1: finishing", "Main    : all done")
    return "the joined daemon thread finished before 'all done'"


def check_multithreading(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    n = threads_finished(msgs)
    for i in range(n):
        before(msgs, f"Main    : create and start thread {i}.", f"Thread {i}: starting")
        before(msgs, f"Thread {i}: finishing", f"Main    : thread {i} done")
    return f"{n} threads started, finished, each joined after it finished"


def check_thread_pool(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    heads = ["Main    : map", "Main    : submit", "Main    : as_completed", "Main    : all done"]
    at = [index(msgs, h) for h in heads]
    need(at == sorted(at), "rounds out of order")
    total = 0
    for r, (a, b) in enumerate(zip(at, at[1:])):
        seg = msgs[a + 1:b]
        n = threads_finished(seg)
        need(sum(m.startswith("Thread ") for m in seg) == 2 * n, "a task ran in the wrong round")
        results = [m for m in seg if m.startswith("Main    : ")]
        need(len(results) == n, f"round {heads[r]!r}: {len(results)} results for {n} tasks")
        for i in range(n):
            if r == 0:  # map: results in argument order
                need(results[i] == f"Main    : map result {i}: {i * i}", f"map result {i}")
            elif r == 1:  # futures waited in submission order
                need(results[i] == f"Main    : future {i} result: {i * i}", f"future {i}")
            else:  # as_completed: each once, after its task finished
                before(seg, f"Thread {i}: finishing", f"Main    : completed {i} result: {i * i}")
        total += n
    return f"{total} tasks in 3 rounds, every result right and returned once"


def check_race(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    ends = {}
    for m in msgs:
        x = re.fullmatch(r"Testing (unlocked|locked) update\. Ending value is (\d+) "
                         r"\(expected (\d+)\)\.", m)
        if x:
            ends[x.group(1)] = (int(x.group(2)), int(x.group(3)))
    need(set(ends) == {"unlocked", "locked"}, "missing an 'Ending value' line")
    for run_ in ("unlocked", "locked"):
        seg_start = index(msgs, f"Testing {run_} update. Starting value is 0.")
        seg = msgs[seg_start:]
        seg = seg[:next(i for i, m in enumerate(seg) if m.startswith(f"Testing {run_} update. E"))]
        threads_finished(seg, start="starting update", end="finishing update")
    (lost_v, expect), (locked_v, expect2) = ends["unlocked"], ends["locked"]
    need(expect == expect2 and expect > 1, "inconsistent expected totals")
    need(lost_v < expect, f"no update lost without the lock ({lost_v} of {expect})")
    need(locked_v == expect, f"the locked count is {locked_v}, expected {expect}")
    return f"unlocked {lost_v} of {expect} (updates lost), locked {locked_v} of {expect}"


def check_deadlock(lines, end, rc, checked):
    msgs, other = messages(lines, allow_other=1 if checked else 0)
    index(msgs, "Main    : acquired ct_rmutex twice (depth 2)")
    second = [(t, LOG.match(s).group(1)) for t, s in lines
              if LOG.match(s) and "before second acquire of ct_mutex" in s]
    need(len(second) == 1, "no 'before second acquire of ct_mutex' line")
    t_second, text = second[0]
    addr = text.rsplit(" ", 1)[1]
    timed_out = [m for m in msgs if "second acquire of ct_mutex timed out (ETIMEDOUT)" in m]
    if not checked:
        ok_exit(rc)
        need(timed_out, "the second lock did not time out")
        need(msgs[-1:] == timed_out[:1], "lines after the timeout")
        return "ct_rmutex re-entered; the second ct_mutex lock timed out instead of hanging"
    need(rc == -signal.SIGABRT, f"exit status {rc}, expected SIGABRT (-{int(signal.SIGABRT)})")
    need(not timed_out, "a checked build timed out instead of aborting")
    need(len(other) == 1, "no abort message")
    line = other[0]
    for part in ("ct_mutex_lock_for", "self-deadlock", f"mutex {addr}", "thread "):
        need(part in line, f"abort message {line!r} lacks {part!r}")
    need(msgs[-1:] == [text], "log lines after the second lock")
    took = end - t_second
    need(took < 1.0, f"aborted {took:.2f} s after the second lock, not within 1 s")
    return f"ct_rmutex re-entered; the checked ct_mutex aborted naming mutex {addr}"


def exactly_once(produced, consumed):
    need(produced, "nothing produced")
    need(len(set(produced)) == len(produced), "a message was produced twice")
    dup = [m for m, c in collections.Counter(consumed).items() if c > 1]
    need(not dup, f"consumed more than once: {dup[:5]}")
    lost = set(produced) - set(consumed)
    need(not lost, f"produced, never consumed: {sorted(lost)[:5]}")
    extra = set(consumed) - set(produced)
    need(not extra, f"consumed, never produced: {sorted(extra)[:5]}")


def check_pipeline_lock(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    produced = [m.split(": ", 1)[1] for m in msgs if m.startswith("Producer got message: ")]
    consumed = [m.split(": ", 1)[1] for m in msgs if m.startswith("Consumer storing message: ")]
    need(produced, "nothing produced")
    need(produced == consumed, f"consumed {consumed} differs from produced {produced}")
    before(msgs, "Producer: sent the sentinel. Exiting", "Main    : all done")
    before(msgs, "Consumer: got the sentinel. Exiting", "Main    : all done")
    return f"{len(produced)} messages handed over one by one, in order"


def queue_pipeline(msgs, stop_line):
    produced = [int(m.rsplit(" ", 1)[1]) for m in msgs
                if re.fullmatch(r"Producer \d+ got message: \d+", m)]
    consumed = [int(re.fullmatch(r"Consumer \d+ storing message: (\d+) \(size=\d+\)", m).group(1))
                for m in msgs if m.startswith("Consumer ") and " storing " in m]
    exactly_once(produced, consumed)
    producers = [m for m in msgs if re.fullmatch(rf"Producer \d+{stop_line}", m)]
    consumers = [m for m in msgs if re.fullmatch(r"Consumer \d+: queue closed and drained\. Exiting",
                                                 m)]
    need(producers and consumers, "a producer or a consumer did not exit")
    need(msgs[-1:] == ["Main    : all done"], "'Main    : all done' is not the last line")
    for p in producers:  # no producer produced after it exited
        name = p.split(" ")[1]
        after = msgs[msgs.index(p):]
        need(not any(m.startswith(f"Producer {name} got") for m in after),
             f"producer {name} produced after it exited")
    return (f"{len(produced)} messages, {len(producers)} producers, {len(consumers)} consumers, "
            "each message consumed exactly once")


def check_pipeline_queue(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    summary = queue_pipeline(msgs, r": done\. Exiting")
    close = index(msgs, "Main    : producers done, closing the queue")
    need(all(msgs.index(m) < close for m in msgs if re.fullmatch(r"Producer \d+: done\. Exiting", m)),
         "the queue was closed before every producer was done")
    return summary


def check_event(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    summary = queue_pipeline(msgs, r" received event\. Exiting")
    setat = index(msgs, "Main    : about to set event")
    need(all(msgs.index(m) > setat for m in msgs if " received event" in m),
         "a producer stopped before the event was set")
    return summary


def check_task_done(lines, end, rc, checked):
    ok_exit(rc)
    msgs, _ = messages(lines)
    done = index(msgs, "Main    : All work completed")
    working = [int(m.rsplit(" ", 1)[1]) for m in msgs if re.fullmatch(r"Thread \d+: Working on \d+", m)]
    finished = [(i, int(m.rsplit(" ", 1)[1])) for i, m in enumerate(msgs)
                if re.fullmatch(r"Thread \d+: Finished \d+", m)]
    need(sorted(working) == list(range(len(working))) and working, "items worked on: not 0..N-1 once each")
    need(sorted(f for _, f in finished) == sorted(working), "not every item finished exactly once")
    need(all(i < done for i, _ in finished), "'All work completed' before every item finished")
    exits = [m for m in msgs if re.fullmatch(r"Thread \d+: queue closed\. Exiting", m)]
    need(exits and all(msgs.index(m) > done for m in exits), "workers did not exit after the join")
    return f"{len(working)} items, each processed once before join returned; {len(exits)} workers exited"


CHECKS = {name[len("check_"):]: fn for name, fn in globals().items() if name.startswith("check_")}


def main(argv):
    if "--" not in argv or argv.index("--") < 1 or argv.index("--") == len(argv) - 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    sep = argv.index("--")
    opts, prog = argv[:sep], argv[sep + 1:]
    checked = "--checked" in opts
    names = [o for o in opts if o != "--checked"]
    if len(names) != 1 or names[0] not in CHECKS:
        print(f"check.py: unknown check {' '.join(names)!r} (one of: {', '.join(CHECKS)})",
              file=sys.stderr)
        return 2
    try:
        lines, end, rc = run(prog)
        summary = CHECKS[names[0]](lines, end, rc, checked)
    except Fail as e:
        print(f"check {names[0]}: FAILED: {e}")
        return 1
    print(f"check {names[0]}: OK: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
