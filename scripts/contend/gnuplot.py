"""contend.gnuplot — the one way the scripts drive gnuplot: a script (the
variables, then `load` of a program in plots/*.gp) piped to gnuplot's
standard input. scripts/plot draws a run's figures with it, scripts/compare
its overlays."""

import os
import shutil
import subprocess

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
    try:
        # File names go to gnuplot as the bytes they are, UTF-8 or not.
        p = subprocess.run([gnuplot], input=text.encode("utf-8", "surrogateescape"),
                           cwd=cwd, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    return p.returncode, p.stderr.decode("utf-8", "replace")


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
