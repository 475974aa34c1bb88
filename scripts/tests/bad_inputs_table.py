#!/usr/bin/python3
"""Runs every bad-input case and prints the table of docs/reliability.md.

Usage: /usr/bin/python3 scripts/tests/bad_inputs_table.py [--bench PATH] [--write]

The cases are bench/tests/bad_input.py's (contend-bench, meson suite
bench-smoke) and scripts/tests/test_bad_inputs.py's (the scripts); each row
shows the exit status and stderr line each one actually gave.
  --bench PATH  contend-bench to run (default: $CONTEND_BENCH, else
                build/bench/contend-bench)
  --write       put the table into docs/reliability.md (between its
                bad-inputs markers) instead of printing it
Exit status: 0 every case passed; 1 some did not (their rows say how; the
table is printed or written all the same); 2 bad usage.
"""
import os
import re
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import test_bad_inputs as tb  # noqa: E402

BEGIN = "<!-- bad-inputs:begin (scripts/tests/bad_inputs_table.py --write) -->"
END = "<!-- bad-inputs:end -->"
WIDTH = 160


def shorten(text, tmp=None):
    text = tb.cio.printable(text)
    if tmp:
        text = text.replace(os.path.realpath(tmp), "$TMP").replace(tmp, "$TMP")
    text = text.replace(tb.FIX + "/", "fixtures/").replace(tb.ROOT + "/", "")
    # A sweep's run folder: named after the machine and the time.
    text = re.sub(r"/[a-z0-9-]+/\d{8}-\d{6}(-\d+)?\b", "/PLATFORM/RUN-ID", text)
    text = text.replace("`", "'").replace("|", "\\|")
    return text if len(text) <= WIDTH else text[:WIDTH - 1] + "…"


def observed(status, line, tmp):
    return "exit %s: `%s`" % (status, shorten(line, tmp)) if line else "exit %s" % status


def bench_rows(exe):
    mod = tb.load_bench_cases()
    with tempfile.TemporaryDirectory() as d:
        table = mod.cases(d)
    for name, c in table.items():
        what = c.get("what") or "`%s`" % " ".join(c["args"]).replace("`", "'")
        with tempfile.TemporaryDirectory() as tmp:
            if not os.access(exe, os.X_OK):
                problems, status, line = None, None, "%s not built" % exe
            else:
                problems, status, line = mod.run_case(exe, name, tmp)
            if problems is None:
                seen, ok = "skipped: " + shorten(line), True
            elif problems:
                seen, ok = "**fails**: %s; %s" % (shorten(problems[0], tmp),
                                                  observed(status, line, tmp)), False
            else:
                seen, ok = observed(status, line, tmp), True
        yield "contend-bench", what, seen, "bench-smoke::bad-" + name, ok


def script_rows():
    for c in tb.CASES:
        t = tb.Checker()
        t.setUp()
        try:
            c.fn(t)
            seen, ok = observed(*(t.outcome or ("?", "")), t.tmp), True
        except unittest.SkipTest as e:
            seen, ok = "skipped: " + shorten(str(e), t.tmp), True
        except AssertionError as e:
            msg = str(e).strip().splitlines()[-1] if str(e).strip() else "assertion failed"
            seen = "**fails**: " + shorten(msg, t.tmp)
            if t.outcome:
                seen += "; " + observed(*t.outcome, t.tmp)
            ok = False
        finally:
            t.tearDown()
        tool = c.tool if c.tool == "python-peers" else "scripts/" + c.tool
        yield tool, c.what, seen, c.test, ok


def main(argv):
    exe = os.environ.get("CONTEND_BENCH") or os.path.join(tb.ROOT, "build", "bench",
                                                          "contend-bench")
    write = False
    it = iter(argv)
    for a in it:
        if a == "--bench":
            exe = next(it, None)
        elif a.startswith("--bench="):
            exe = a.split("=", 1)[1]
        elif a == "--write":
            write = True
        elif a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        else:
            print("bad_inputs_table.py: unknown argument '%s' (try --help)" % a, file=sys.stderr)
            return 2
    if not exe:
        print("bad_inputs_table.py: --bench needs a value", file=sys.stderr)
        return 2
    exe = os.path.abspath(exe)
    lines = ["| # | tool | bad input | observed: exit status and the stderr line "
             "(shortened) | test |", "|---|---|---|---|---|"]
    failed = []
    counts = {}
    rows = list(bench_rows(exe)) + list(script_rows())
    for i, (tool, what, seen, test, ok) in enumerate(rows, 1):
        lines.append("| %d | %s | %s | %s | `%s` |" % (i, tool, what, seen, test))
        counts[tool] = counts.get(tool, 0) + 1
        if not ok:
            failed.append(test)
    table = "\n".join(lines) + "\n"
    if write:
        with open(tb.DOC, encoding="utf-8") as f:
            doc = f.read()
        if BEGIN not in doc or END not in doc:
            print("bad_inputs_table.py: %s has no %s ... %s markers" % (tb.DOC, BEGIN, END),
                  file=sys.stderr)
            return 2
        head, rest = doc.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        tb.cio.atomic_write_text(tb.DOC, head + BEGIN + "\n" + table + END + tail)
    else:
        sys.stdout.write(table)
    print("%d cases: %s; %d failed%s" % (
        len(rows), ", ".join("%s %d" % kv for kv in counts.items()), len(failed),
        (": " + " ".join(failed)) if failed else ""), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
