"""contend.gnuplot — the one way the scripts drive gnuplot: a script (the
variables, then `load` of a program in plots/*.gp) piped to gnuplot's
standard input. scripts/plot draws a run's figures with it, scripts/compare
its overlays."""

import os
import shutil
import subprocess
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLOTDIR = os.path.join(REPO, "plots")


def gp_str(s):
    """A gnuplot string expression for s: single-quoted parts, and a line
    break as "\\n" between them (a script line cannot hold one)."""
    return '."\\n".'.join("'" + part.replace("'", "''") + "'" for part in str(s).split("\n"))


def gp_vars(d):
    """'a=1; b='x'' for a dict of variables (bools as 0/1)."""
    out = []
    for k, v in d.items():
        if isinstance(v, bool):
            v = int(v)
        if isinstance(v, (int, float)):
            out.append("%s=%s" % (k, repr(float(v)) if isinstance(v, float) else v))
        else:
            out.append("%s=%s" % (k, gp_str(v)))
    return "; ".join(out)


def program(name):
    """Path of plots/<name>.gp."""
    return os.path.join(PLOTDIR, name + ".gp")


def script(variables, prog):
    """The script that sets variables (a dict, or lines already written) and
    loads the gnuplot program prog (a path)."""
    head = gp_vars(variables) if isinstance(variables, dict) else "\n".join(variables)
    return "%s\nload %s\n" % (head, gp_str(prog))


def find(gnuplot=None):
    """The gnuplot to run, or None when it is not installed."""
    return gnuplot or shutil.which("gnuplot")


def run(text, gnuplot="gnuplot", cwd=None, timeout=None):
    """Runs one script; returns (exit status, stderr text). A gnuplot that
    cannot start or does not finish in time gives (None, the reason)."""
    return run_parallel([(text, cwd)], gnuplot, parallel=1, timeout=timeout)[0]


def run_parallel(jobs, gnuplot="gnuplot", parallel=2, timeout=None):
    """Runs [(text, cwd)], up to `parallel` gnuplots at once; returns
    [(exit status, stderr text)] in the jobs' order, (None, the reason)
    for a gnuplot that cannot start or does not finish within timeout
    seconds (it is killed).

    No threads: the calling thread starts the processes and polls them.
    A thread pool there could hang an interrupted sweep (a Ctrl-C that
    lands while the main thread holds one of the pool's locks leaves it
    held, and the exit then waits for a worker that never finishes).
    Whatever ends this early (KeyboardInterrupt included) kills the
    gnuplots still running before it propagates."""
    results = [None] * len(jobs)
    tmp = tempfile.mkdtemp(prefix="contend-gnuplot-")
    running = {}        # job index -> (process, stderr file, start time)
    nxt = 0
    try:
        while nxt < len(jobs) or running:
            while nxt < len(jobs) and len(running) < max(1, parallel):
                text, cwd = jobs[nxt]
                path = os.path.join(tmp, "%d.gp" % nxt)
                with open(path, "wb") as f:
                    # File names go to gnuplot as the bytes they are.
                    f.write(text.encode("utf-8", "surrogateescape"))
                err = open(os.path.join(tmp, "%d.err" % nxt), "w+b")
                try:
                    with open(path, "rb") as src:
                        p = subprocess.Popen([gnuplot], stdin=src, stdout=subprocess.DEVNULL,
                                             stderr=err, cwd=cwd)
                except OSError as e:
                    err.close()
                    results[nxt] = (None, str(e))
                else:
                    running[nxt] = (p, err, time.monotonic())
                nxt += 1
            for i in list(running):
                p, err, t0 = running[i]
                rc = p.poll()
                if rc is None and timeout is not None and time.monotonic() - t0 > timeout:
                    p.kill()
                    p.wait()
                    rc, why = None, "gnuplot did not finish within %g s" % timeout
                elif rc is None:
                    continue
                else:
                    err.seek(0)
                    why = err.read().decode("utf-8", "replace")
                err.close()
                del running[i]
                results[i] = (rc, why)
            if running:
                time.sleep(0.01)
    finally:
        for p, err, _ in running.values():
            if p.poll() is None:
                p.kill()
            p.wait()
            err.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def run_all(scripts, gnuplot="gnuplot"):
    """Runs [(name, script)] in one gnuplot; on error, one by one.
    Returns 'name: last error line' for each that failed."""
    rc, _ = run("".join(s for _, s in scripts), gnuplot)
    if rc == 0:
        return []
    failures = []
    for name, text in scripts:
        rc, err = run(text, gnuplot)
        if rc != 0:
            msg = [line for line in err.splitlines() if line.strip()]
            failures.append("%s: %s" % (name, msg[-1] if msg else "gnuplot failed"))
    return failures
