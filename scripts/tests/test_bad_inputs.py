#!/usr/bin/python3
"""Every bad input tried against scripts/sweep, plot, compare and
python-peers, one case each (scripts suite).

A case is a function registered with @case(tool, what): it builds its bad
input in a fresh temporary folder, runs the tool, and checks what must
happen. For bad usage or unusable input: exit status 2, exactly one line
on stderr naming the problem, nothing on stdout, nothing written. When the
disk fills up while results are written: exit status 1, one line, no
partial file, and (sweep) every finished step kept. Never a Python
traceback. Inputs that are odd but not wrong (file names that are not
UTF-8, JSON from a newer Google Benchmark) must just work.

Read-only and full folders are private mounts (`unshare -m`, as root): a
read-only bind mount, or a small tmpfs holding a copy of the folder's
files, filled up with a ballast file; no other process sees them. Without
mounts, read-only falls back to chmod 0555 when not root (root ignores
it), and the other cases are skipped, saying why.

The same cases make the table in docs/reliability.md
(scripts/tests/bad_inputs_table.py), and DocTest checks that the table
lists exactly the cases here and in bench/tests/bad_input.py.

    /usr/bin/python3 scripts/tests/test_bad_inputs.py [BadInputTest | DocTest]
"""
import csv
import glob
import importlib.machinery
import io
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.dirname(HERE)
ROOT = os.path.dirname(SCRIPTS)
sys.path.insert(0, SCRIPTS)
from contend import io as cio, results as cr  # noqa: E402

PY = sys.executable
TOOLS = {t: os.path.join(SCRIPTS, t) for t in ("sweep", "plot", "compare", "python-peers")}
FIX = os.path.join(HERE, "fixtures")
RUN_A = os.path.join(FIX, "run-a")
BAD = os.path.join(FIX, "bad")
CMP = os.path.join(FIX, "compare")
CMP_A = os.path.join(CMP, "synth-a-2pu", "run1")
CMP_B = os.path.join(CMP, "synth-b-4pu", "run1")
CMP_BAD = os.path.join(CMP, "bad")
FAKE = os.path.join(HERE, "fake_bench.py")
DOC = os.path.join(ROOT, "docs", "reliability.md")
BENCH_CASES = os.path.join(ROOT, "bench", "tests", "bad_input.py")
BENCH_MESON = os.path.join(ROOT, "bench", "tests", "meson.build")
NOT_UTF8 = os.fsdecode(b"r\xffn\xfe")     # a file name that is not UTF-8


class Case:
    def __init__(self, name, tool, what, fn):
        self.name, self.tool, self.what, self.fn = name, tool, what, fn

    @property
    def test(self):
        return "test_bad_inputs.py::test_" + self.name


CASES = []


def case(tool, what):
    """Registers fn(t) as a case of tool; what: the bad input, in words."""
    def register(fn):
        assert not any(c.name == fn.__name__ for c in CASES), fn.__name__
        CASES.append(Case(fn.__name__, tool, what, fn))
        return fn
    return register


# ------------------------------------------------------------ sandbox

# In a private mount namespace: $1 the folder, $2 ro (bind-mounted
# read-only), full (a tmpfs of $3 holding a copy of $4, filled up) or tmpfs
# (the same, not filled); then the command. A tmpfs vanishes with the
# namespace, so its files are copied back into $4 afterwards. Exit 97:
# mounting is not possible here.
SANDBOX_SH = r'''
d=$1 mode=$2 size=$3 snap=$4; shift 4
if [ "$mode" = ro ]; then
    mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 97
    exec "$@"
fi
mount -t tmpfs -o "size=$size" contend-test "$d" || exit 97
cp -a "$snap/." "$d/" || exit 98
if [ "$mode" = full ]; then cat /dev/zero > "$d/.ballast" 2>/dev/null; fi
"$@"; rc=$?
rm -f "$d/.ballast"
rm -rf "$snap" && mkdir "$snap" && cp -a "$d/." "$snap/"
exit $rc
'''

_can_mount = None


def can_mount():
    global _can_mount
    if _can_mount is None:
        _can_mount = False
        if os.geteuid() == 0 and shutil.which("unshare"):
            with tempfile.TemporaryDirectory() as d:
                p = subprocess.run(["unshare", "-m", "sh", "-c",
                                    'mount -t tmpfs -o size=4k contend-probe "$1"', "sh", d],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _can_mount = p.returncode == 0
    return _can_mount


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err
        self.lines = [l for l in err.splitlines() if l.strip()]


class Checker(unittest.TestCase):
    """What a case gets: a temporary folder, a way to run the tools, and
    checks that also record what happened (for the table)."""

    maxDiff = None

    def runTest(self):     # lets bad_inputs_table.py make one
        pass

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="contend-bad-")
        self.outcome = None
        self._restore = []

    def tearDown(self):
        for path, mode in self._restore:
            os.chmod(path, mode)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def mkdir(self, *parts):
        p = self.path(*parts)
        os.makedirs(p, exist_ok=True)
        return p

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return p

    def small_run(self, name="run", gb=("mutex.json",)):
        """A copy of the fixture run with only some of its gb files."""
        d = self.mkdir(name, "gb")
        for f in gb:
            shutil.copy(os.path.join(RUN_A, "gb", f), d)
        shutil.copy(os.path.join(RUN_A, "meta.json"), os.path.dirname(d))
        return os.path.dirname(d)

    def call(self, tool, *args, env=None, mount=None, cwd=None, timeout=300):
        """Runs a tool; mount=(mode, folder[, size]) runs it with folder
        read-only ('ro'), on a full tmpfs ('full') or on a small one
        ('tmpfs'); afterwards folder holds what the tool left there."""
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("FAKE_BENCH_") and k != "CONTEND_PEERS_INJECT"}
        e["PYTHONIOENCODING"] = "utf-8"     # strict, as in a UTF-8 locale
        e.update(env or {})
        cmd = [PY, TOOLS[tool]] + [str(a) for a in args]
        snap = None
        if mount:
            mode, folder = mount[0], mount[1]
            size = mount[2] if len(mount) > 2 else "256k"
            if can_mount():
                snap = folder + ".snapshot"
                if mode != "ro":
                    shutil.copytree(folder, snap, symlinks=True)
                cmd = ["unshare", "-m", "sh", "-c", SANDBOX_SH, "sh", folder, mode, size,
                       snap] + cmd
            elif mode == "ro" and os.geteuid() != 0:
                self._restore.append((folder, os.stat(folder).st_mode & 0o7777))
                os.chmod(folder, 0o555)
            else:
                self.skipTest("needs a private %s mount (root and unshare -m)" % (
                    "read-only" if mode == "ro" else "tmpfs"))
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, env=e, cwd=cwd, timeout=timeout)
        out = p.stdout.decode("utf-8", "surrogateescape")
        err = p.stderr.decode("utf-8", "surrogateescape")
        if snap and p.returncode in (97, 98):
            self.skipTest("cannot mount here: " + err.strip())
        if snap and mount[0] != "ro":
            shutil.rmtree(folder)
            os.rename(snap, folder)
        self.assertNotIn("Traceback", err, "a Python traceback")
        return Result(p.returncode, out, err)

    def fails(self, r, status, pattern, quiet=True, last=False):
        """Exit status, exactly one stderr line matching pattern (last:
        the last line, after progress lines), nothing on stdout (quiet)."""
        line = r.lines[-1] if r.lines else ""
        self.outcome = (r.rc, line)
        self.assertEqual(r.rc, status, r.err)
        if last:
            self.assertTrue(r.lines, "nothing on stderr")
        else:
            self.assertEqual(len(r.lines), 1, "expected one line on stderr: %r" % r.err)
        self.assertRegex(line, pattern)
        if quiet:
            self.assertEqual(r.out, "", "stdout")

    def works(self, r, note):
        """Exit status 0; note says what was checked (for the table)."""
        self.outcome = (r.rc, note)
        self.assertEqual(r.rc, 0, r.err)

    def unchanged(self, folder, before):
        self.assertEqual(listing(folder), before, "files were added or removed")

    def no_temp_files(self, folder):
        left = [p for p in listing(folder) if os.path.basename(p).startswith((".tmp", ".ballast"))]
        self.assertEqual(left, [], "temporary files left behind")


def listing(folder):
    out = []
    for d, dirs, files in os.walk(folder):
        for f in dirs + files:
            out.append(os.path.relpath(os.path.join(d, f), folder))
    return sorted(out)


# ------------------------------------------------------------ sweep

def sweep_args(t, *extra, out=None):
    return ["--bench", FAKE, "--no-peers", "--out", out or t.path("res"), "--duration", "0.001",
            "--threads", "1,2"] + list(extra)


def _sweep_usage(name, args, pattern, what):
    def fn(t):
        t.fails(t.call("sweep", *args), 2, pattern)
    fn.__name__ = name
    case("sweep", what)(fn)


for _n, _a, _p, _w in (
        ("sweep_unknown_flag", ["--bogus"], r"unknown argument '--bogus'", "`--bogus`"),
        ("sweep_flag_without_value", ["--out"], r"--out needs a value",
         "`--out` with no value"),
        ("sweep_filter_not_regex", ["--filter", "("], r"not a regular expression",
         "`--filter '('`"),
        ("sweep_repetitions_zero", ["--repetitions", "0"], r"--repetitions '0'",
         "`--repetitions 0`"),
        ("sweep_processes_word", ["--processes", "two"], r"--processes 'two'",
         "`--processes two`"),
        ("sweep_duration_word", ["--duration", "abc"], r"--duration 'abc'",
         "`--duration abc`"),
        ("sweep_threads_not_a_list", ["--threads", "1;2"], r"--threads '1;2' is not a list",
         "`--threads '1;2'`"),
        ("sweep_quick_and_full", ["--quick", "--full"], r"exclude each other",
         "`--quick --full`"),
        ("sweep_resume_with_profile", ["--resume", "/nonexistent/run", "--full"],
         r"drop --profile", "`--resume DIR --full`"),
        ("sweep_resume_missing", ["--resume", "/nonexistent/run"], r"cannot use",
         "`--resume DIR`, DIR missing"),
        ("sweep_bench_missing", ["--bench", "/nonexistent/contend-bench"],
         r"not an executable", "`--bench FILE`, FILE missing")):
    _sweep_usage(_n, _a, _p, _w)


@case("sweep", "`--filter` that matches no benchmark")
def sweep_filter_matches_nothing(t):
    t.fails(t.call("sweep", *sweep_args(t, "--filter", "^nothing-like-this")), 2,
            r"no benchmark matches --filter")
    t.assertEqual(os.listdir(t.path("res")), [], "no run folder is left behind")


@case("sweep", "`--resume DIR`, DIR/meta.json truncated")
def sweep_resume_truncated_meta(t):
    t.write("run/meta.json", '{"schema": "contend-run/1", "settings": {"threads": "1,')
    t.fails(t.call("sweep", "--resume", t.path("run"), "--bench", FAKE), 2,
            r"cannot use .*meta\.json")


@case("sweep", "`--resume DIR` while another scripts/sweep still runs in DIR")
def sweep_resume_while_running(t):
    out = t.path("out")
    e = {k: v for k, v in os.environ.items() if not k.startswith("FAKE_BENCH_")}
    e["FAKE_BENCH_SLEEP"] = "0.2"
    first = subprocess.Popen([PY, TOOLS["sweep"], "--bench", FAKE, "--no-peers", "--out", out,
                              "--duration", "0.001", "--threads", "1,2"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=e)
    try:
        deadline = time.time() + 60
        run = None
        while time.time() < deadline and run is None:
            found = glob.glob(os.path.join(out, "*", "*", "meta.json"))
            run = os.path.dirname(found[0]) if found else None
            time.sleep(0.05)
        t.assertIsNotNone(run, "the first sweep wrote no meta.json")
        t.fails(t.call("sweep", "--resume", run, "--bench", FAKE, timeout=60), 2,
                r"another scripts/sweep is still running in it")
        t.assertIsNone(first.poll(), "the first sweep ended before the resume was tried")
    finally:
        first.kill()
        first.wait()


@case("sweep", "`--resume DIR`, DIR/meta.json a FIFO (would block)")
def sweep_resume_meta_fifo(t):
    t.mkdir("run")
    os.mkfifo(t.path("run", "meta.json"))
    t.fails(t.call("sweep", "--resume", t.path("run"), "--bench", FAKE, timeout=60), 2,
            r"meta\.json: not a regular file")


@case("sweep", "`--bench FILE`, FILE executable but not a program")
def sweep_bench_not_a_program(t):
    exe = t.write("contend-bench", b"\x7fELF\x02garbage" * 10)
    os.chmod(exe, 0o755)
    t.fails(t.call("sweep", *sweep_args(t)[2:], "--bench", exe), 2,
            r"--bench .*--list failed: .*Exec format error")
    t.assertEqual(os.listdir(t.path("res")), [], "no run folder is left behind")


@case("sweep", "`--out DIR`, DIR a file")
def sweep_out_is_file(t):
    t.write("res", "not a folder\n")
    t.fails(t.call("sweep", *sweep_args(t)), 2, r"--out .*res: cannot write there")


@case("sweep", "`--out DIR` on a read-only file system")
def sweep_out_read_only(t):
    ro = t.mkdir("ro")
    t.fails(t.call("sweep", *sweep_args(t, out=os.path.join(ro, "res")), mount=("ro", ro)), 2,
            r"--out .*: cannot write there: (Read-only file system|Permission denied)")
    t.assertEqual(os.listdir(ro), [])


@case("sweep", "`--out DIR` on a full disk")
def sweep_out_full(t):
    full = t.mkdir("full")
    t.fails(t.call("sweep", *sweep_args(t, out=os.path.join(full, "res")),
                  mount=("full", full)), 2,
            r"--out .*: cannot write there: No space left on device")
    t.assertEqual(listing(full), ["res"], "only the (empty) folder asked for")


@case("sweep", "disk fills up during the 4th of 4 steps, then `--resume`")
def sweep_disk_full_mid_run(t):
    disk = t.mkdir("disk")
    r = t.call("sweep", *sweep_args(t, out=os.path.join(disk, "res")),
              env={"FAKE_BENCH_FILL": "^queue/",
                   "FAKE_BENCH_FILL_FILE": os.path.join(disk, ".ballast")},
              mount=("tmpfs", disk, "2m"))
    t.fails(r, 1, r"^scripts/sweep: cannot write .*: No space left on device; finished steps "
                  r"are kept: scripts/sweep --resume \S+ once there is room$", last=True)
    t.assertEqual(len([l for l in r.lines if "No space left" in l]), 1, r.err)
    (d,) = glob.glob(os.path.join(disk, "res", "*", "*"))
    t.no_temp_files(disk)
    gb = sorted(f for f in os.listdir(os.path.join(d, "gb")) if f.endswith(".json"))
    t.assertEqual(gb, ["c2c.json", "counter.json", "mutex.json"])
    for f in gb:
        cr.load_gb(os.path.join(d, "gb", f))        # whole
    with open(os.path.join(d, "meta.json")) as f:
        meta = json.load(f)
    t.assertEqual([s["status"] for s in meta["steps"][:3]], ["ok"] * 3)
    # Room again: --resume runs the step that was lost, and only that one.
    log = t.path("argv.log")
    r2 = t.call("sweep", "--resume", d, "--bench", FAKE, env={"FAKE_BENCH_LOG": log})
    t.assertEqual(r2.rc, 0, r2.err)
    with open(log) as f:
        filters = [a for l in f for a in json.loads(l) if a.startswith("--benchmark_filter")]
    t.assertEqual(filters, ["--benchmark_filter=^queue/"])
    with open(os.path.join(d, "meta.json")) as f:
        t.assertEqual({s["status"] for s in json.load(f)["steps"]}, {"ok"})


@case("sweep", "`--out DIR`, DIR's name not UTF-8 (not an error)")
def sweep_out_not_utf8(t):
    out = t.path(NOT_UTF8)
    r = t.call("sweep", *sweep_args(t, out=out))
    (d,) = glob.glob(os.path.join(out, "*", "*"))
    t.works(r, "run complete, report.md written, its path printed")
    t.assertTrue(os.path.exists(os.path.join(d, "report.md")))
    t.assertIn("report: ", r.out)
    t.assertIn(NOT_UTF8, r.out)


# ------------------------------------------------------------ plot

@case("plot", "no RUN_DIR")
def plot_no_arguments(t):
    t.fails(t.call("plot"), 2, r"missing RUN_DIR")


@case("plot", "`--bogus RUN_DIR`")
def plot_unknown_flag(t):
    t.fails(t.call("plot", "--bogus", t.small_run()), 2, r"unknown option '--bogus'")


@case("plot", "two RUN_DIRs")
def plot_two_run_folders(t):
    t.fails(t.call("plot", t.small_run("a"), t.small_run("b")), 2, r"one RUN_DIR expected")


@case("plot", "RUN_DIR missing")
def plot_missing_folder(t):
    t.fails(t.call("plot", t.path("nowhere")), 2, r"nowhere: no such run folder")


@case("plot", "RUN_DIR without gb/")
def plot_no_gb(t):
    d = t.mkdir("run")
    shutil.copy(os.path.join(RUN_A, "meta.json"), d)
    t.fails(t.call("plot", d), 2, r"run: no gb/\*\.json result files")
    t.assertEqual(os.listdir(d), ["meta.json"])


def _plot_bad_gb(name, what, data, pattern):
    """plot on a run with one more gb file holding data: nothing written."""
    def fn(t):
        d = t.small_run()
        before = sorted(listing(d) + ["gb/zz.json"])
        if callable(data):
            data(os.path.join(d, "gb", "zz.json"))
        else:
            t.write(os.path.join(d, "gb", "zz.json"), data)
        t.fails(t.call("plot", d, timeout=60), 2, pattern)
        t.unchanged(d, before)
    fn.__name__ = name
    case("plot", what)(fn)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _sparse(size):
    def make(path):
        with open(path, "wb") as f:
            f.truncate(size)
    return make


def _newer_gb():
    """mutex.json as a newer Google Benchmark might write it."""
    with open(os.path.join(RUN_A, "gb", "mutex.json")) as f:
        doc = json.load(f)
    doc["context"].update(json_schema_version=99, library_version="v9.9.9",
                          new_context_key={"nested": [1, 2]})
    for b in doc["benchmarks"]:
        b["new_field"] = "text"
        b["new_object"] = {"a": 1}
    extra = dict(doc["benchmarks"][0], run_type="a_new_kind_of_row",
                 name="mutex/ct_mutex/cs_ns:50/threads:1/place:compact_something")
    doc["benchmarks"].append(extra)
    return doc


for _n, _w, _d, _p in (
        ("plot_empty_json", "gb/*.json empty", b"", r"zz\.json: empty file"),
        ("plot_foreign_json", "gb/*.json other JSON", _read(os.path.join(BAD, "foreign.json")),
         r"zz\.json: not Google Benchmark JSON"),
        ("plot_truncated_json", "gb/*.json truncated", _read(os.path.join(BAD, "truncated.json")),
         r"zz\.json: not valid JSON \(.*truncated\?\)"),
        ("plot_not_utf8_json", "gb/*.json with bytes that are not UTF-8",
         b'{"context": {}, "benchmarks": [{"name": "mutex/\xff\xfe/threads:1"}]}',
         r"zz\.json: not UTF-8 text \(byte \d+\)"),
        ("plot_lone_surrogate_json", "gb/*.json with a `\\ud800` escape in a name",
         b'{"context": {}, "benchmarks": [{"name": "mutex/\\ud800/threads:1"}]}',
         r"zz\.json: not valid Unicode"),
        ("plot_deeply_nested_json", "gb/*.json nested 100000 deep",
         b"[" * 100000 + b"]" * 100000, r"zz\.json: not valid JSON \(nested too deeply\)"),
        ("plot_huge_json", "gb/*.json of 300 MiB", _sparse(300 << 20),
         r"zz\.json: too large \(300 MiB"),
        ("plot_device_json", "gb/*.json a link to /dev/zero (endless)",
         lambda p: os.symlink("/dev/zero", p), r"zz\.json: not a regular file"),
        ("plot_unknown_time_unit", "gb/*.json with `time_unit` \"fortnights\"",
         json.dumps({"context": {}, "benchmarks": [{"name": "mutex/x/threads:1",
                                                    "time_unit": "fortnights",
                                                    "real_time": 1}]}),
         r"zz\.json: benchmarks\[0\] .*unknown time_unit 'fortnights'")):
    _plot_bad_gb(_n, _w, _d, _p)


@case("plot", "meta.json corrupt")
def plot_corrupt_meta(t):
    d = t.small_run()
    t.write(os.path.join(d, "meta.json"), '{"platform": ')
    before = listing(d)
    t.fails(t.call("plot", d), 2, r"meta\.json: unreadable meta\.json")
    t.unchanged(d, before)


@case("plot", "gb/*.json from a newer Google Benchmark (`json_schema_version` 99, new keys, "
              "a new row type)")
def plot_newer_gb(t):
    d = t.small_run()
    with open(os.path.join(d, "gb", "mutex.json"), "w") as f:
        json.dump(_newer_gb(), f)
    r = t.call("plot", d)
    t.works(r, "the fields it knows are read; new keys and row types ignored")
    with open(os.path.join(RUN_A, "gb", "mutex.json")) as f:
        names = {cr.parse_name(b.get("run_name") or b["name"]).key
                 for b in json.load(f)["benchmarks"]}
    with open(os.path.join(d, "csv", "results.csv"), newline="") as f:
        rows = [row["name"] for row in csv.DictReader(f)]
    t.assertEqual(sorted(rows), sorted(names))


@case("plot", "RUN_DIR's name not UTF-8 (not an error)")
def plot_not_utf8_folder(t):
    d = t.small_run(NOT_UTF8)
    r = t.call("plot", d)
    t.works(r, "figures and report.md written, its path printed")
    t.assertEqual(r.out.strip(), os.path.join(d, "report.md"))


@case("plot", "a gb/*.json whose name is not UTF-8 (not an error)")
def plot_not_utf8_file_name(t):
    d = t.small_run()
    os.rename(os.path.join(d, "gb", "mutex.json"), os.path.join(d, "gb", NOT_UTF8 + ".json"))
    r = t.call("plot", d)
    t.works(r, "read; the name shows as `r\\xffn\\xfe.json` in csv/results.csv")
    with open(os.path.join(d, "csv", "results.csv"), encoding="utf-8") as f:
        t.assertIn("gb/r\\xffn\\xfe.json", f.read())


@case("plot", "RUN_DIR on a read-only file system")
def plot_read_only(t):
    d = t.small_run()
    before = listing(d)
    t.fails(t.call("plot", d, mount=("ro", d)), 2,
            r"run/csv: (Read-only file system|Permission denied)$")
    t.unchanged(d, before)


@case("plot", "RUN_DIR on a full disk")
def plot_disk_full(t):
    d = t.small_run()
    r = t.call("plot", d, mount=("full", d))
    t.fails(r, 1, r"run/csv/results\.csv: No space left on device$")
    t.no_temp_files(d)
    t.assertEqual([f for f in listing(d) if not f.startswith("gb/")], ["csv", "gb", "meta.json"],
                  "nothing but an empty csv/")
    cr.load_gb(os.path.join(d, "gb", "mutex.json"))


# ------------------------------------------------------------ compare

def compare_fails(t, args, pattern):
    """compare's bad input: 2, one line 'compare: ...', nothing written."""
    before = listing(t.tmp)
    t.fails(t.call("compare", *args, "--out", t.path("cmp")), 2, r"^compare: " + pattern)
    t.unchanged(t.tmp, before)


def _compare_bad(name, what, args, pattern):
    def fn(t):
        compare_fails(t, args(t) if callable(args) else args, pattern)
    fn.__name__ = name
    case("compare", what)(fn)


for _n, _w, _a, _p in (
        ("compare_no_run", "no run", [], r"need at least two runs to compare, got 0"),
        ("compare_single_run", "one run", [CMP_A], r"need at least two runs to compare, got 1"),
        ("compare_missing_folder", "a run folder that does not exist",
         [CMP_A, os.path.join(CMP, "no-such-run")], r".*no-such-run: no such folder"),
        ("compare_folder_without_gb", "a folder without gb/",
         [CMP_A, os.path.join(CMP_BAD, "no-gb")], r".*no-gb: no gb/\*\.json"),
        ("compare_gb_without_json", "a gb/ without *.json",
         [CMP_A, os.path.join(CMP_BAD, "empty-gb")], r".*empty-gb.*no gb/\*\.json"),
        ("compare_truncated_json", "gb/*.json truncated",
         [CMP_A, os.path.join(CMP_BAD, "truncated")],
         r".*truncated/gb/main\.json: not valid JSON.*truncated"),
        ("compare_not_gb_json", "gb/*.json other JSON",
         [os.path.join(CMP_BAD, "not-gb"), CMP_A],
         r".*not-gb/gb/main\.json: not Google Benchmark JSON"),
        ("compare_nothing_in_common", "runs without a benchmark in common",
         [CMP_A, os.path.join(CMP_BAD, "disjoint")],
         r"no benchmark in common between A .* and B "),
        ("compare_nothing_after_filter", "`--filter` that leaves nothing in common",
         [CMP_A, CMP_B, "--filter", "^nothing"], r"no benchmark in common"),
        ("compare_bad_view", "`--view sideways`", [CMP_A, CMP_B, "--view", "sideways"],
         r".*--view.*sideways"),
        ("compare_bad_alpha", "`--alpha 2`", [CMP_A, CMP_B, "--alpha", "2"],
         r"--alpha 2\.0: must be between 0 and 1"),
        ("compare_filter_not_regex", "`--filter '('`", [CMP_A, CMP_B, "--filter", "("],
         r"--filter .*bad regular expression"),
        ("compare_top_zero", "`--top 0`", [CMP_A, CMP_B, "--top", "0"],
         r"--top 0: must be at least 1"),
        ("compare_bad_figures", "`--figures many`", [CMP_A, CMP_B, "--figures", "many"],
         r"--figures many: a number or \"all\""),
        ("compare_markdown_and_csv", "`--markdown --csv`",
         [CMP_A, CMP_B, "--markdown", "--csv"], r".*not allowed with argument")):
    _compare_bad(_n, _w, _a, _p)


def _run_with_gb(t, name, data):
    """A copy of run A with gb/main.json replaced by data."""
    d = t.path(name)
    shutil.copytree(CMP_A, d)
    path = os.path.join(d, "gb", "main.json")
    os.unlink(path)
    if callable(data):
        data(path)
    else:
        t.write(path, data)
    return d


@case("compare", "gb/*.json with bytes that are not UTF-8")
def compare_not_utf8_json(t):
    d = _run_with_gb(t, "run", _read(os.path.join(CMP_A, "gb", "main.json")).replace(
        b"ct_mutex", b"ct_mu\xfftex", 1))
    compare_fails(t, [CMP_A, d], r".*run/gb/main\.json: not UTF-8 text \(byte \d+\)")


@case("compare", "gb/*.json of 300 MiB")
def compare_huge_json(t):
    d = _run_with_gb(t, "run", _sparse(300 << 20))
    compare_fails(t, [CMP_A, d], r".*run/gb/main\.json: too large \(300 MiB")


@case("compare", "`--out DIR`, DIR holds other files")
def compare_out_foreign_folder(t):
    t.write("cmp/precious.txt", "keep me")
    t.fails(t.call("compare", CMP_A, CMP_B, "--out", t.path("cmp")), 2,
            r"^compare: --out .*cmp: folder exists and is not a compare output")
    t.assertEqual(listing(t.tmp), ["cmp", "cmp/precious.txt"])


@case("compare", "gb/*.json from a newer Google Benchmark (`json_schema_version` 2, new keys, "
                 "a new row type)")
def compare_newer_gb(t):
    with open(os.path.join(CMP_B, "gb", "main.json")) as f:
        doc = json.load(f)
    doc["context"].update(json_schema_version=2, new_context_key=[1, {"x": None}])
    for b in doc["benchmarks"]:
        b["new_field"] = {"unit": "ns"}
    doc["benchmarks"].append(dict(doc["benchmarks"][0], run_type="a_new_kind_of_row"))
    d = t.path("newer")
    shutil.copytree(CMP_B, d)
    with open(os.path.join(d, "gb", "main.json"), "w") as f:
        json.dump(doc, f)
    r = t.call("compare", CMP_A, d, "--csv")
    t.works(r, "compared as usual; new keys and row types ignored")
    usual = t.call("compare", CMP_A, CMP_B, "--csv")

    def rows(text):
        return [(x["benchmark"], x["metric"], x["ratio"]) for x in csv.DictReader(
            io.StringIO(text))]
    t.assertEqual(rows(r.out), rows(usual.out))
    t.assertTrue(rows(r.out))


@case("compare", "`--headline` with an option of the per-benchmark tables (`--top 3`)")
def compare_headline_with_top(t):
    compare_fails(t, ["--headline", CMP_A, CMP_B, "--top", "3"],
                  r"--headline takes runs and --markdown or --csv only$")


@case("compare", "a run folder whose name is not UTF-8 (not an error)")
def compare_not_utf8_run_folder(t):
    d = t.path("plat", NOT_UTF8)
    shutil.copytree(CMP_A, d)
    r = t.call("compare", d, CMP_B, "--markdown")
    t.works(r, "compared; the name is printed as it is")
    t.assertIn(NOT_UTF8, r.out)


@case("compare", "`--out DIR`, DIR's name not UTF-8 (not an error)")
def compare_out_not_utf8(t):
    out = t.path(NOT_UTF8)
    r = t.call("compare", CMP_A, CMP_B, "--out", out, "--figures", "1")
    t.works(r, "compare.md, CSV and figures written")
    for f in ("compare.md", "compare.csv", "families.csv"):
        t.assertTrue(os.path.isfile(os.path.join(out, f)), f)
    if shutil.which("gnuplot"):
        t.assertTrue(os.path.isfile(os.path.join(out, "figures", "families.png")))


@case("compare", "`--out DIR` on a read-only file system")
def compare_out_read_only(t):
    ro = t.mkdir("ro")
    t.fails(t.call("compare", CMP_A, CMP_B, "--out", os.path.join(ro, "cmp"), mount=("ro", ro)),
            2, r"^compare: .*ro/cmp: (Read-only file system|Permission denied)$")
    t.assertEqual(os.listdir(ro), [])


@case("compare", "`--out DIR` on a full disk")
def compare_out_disk_full(t):
    full = t.mkdir("full")
    r = t.call("compare", CMP_A, CMP_B, "--out", os.path.join(full, "cmp"), mount=("full", full))
    t.fails(r, 1, r"^compare: .*full/cmp: No space left on device$")
    t.assertEqual(os.listdir(full), [], "no temporary folder left behind")


# ------------------------------------------------------------ python-peers

PEERS_QUICK = ["--threads=1", "--place=none", "--duration=0.01",
               "--benchmark_filter=^mutex/cpython_lock/cs_ns:0/"]


def _peers_bad(name, arg, flag, value):
    def fn(t):
        out = t.path("o.json")
        args = [arg, "--benchmark_out=" + out]
        if not arg.startswith(("--duration", "--benchmark_filter")):
            args[1:1] = ["--duration=0.01", "--benchmark_filter=^mutex/"]
        t.fails(t.call("python-peers", *args), 2,
                r"^python-peers: " + re.escape(flag) + r"\b.*" + re.escape(value))
        t.assertFalse(os.path.exists(out))
    fn.__name__ = name
    case("python-peers", "`%s`" % arg)(fn)


for _n, _a, _f, _v in (
        ("peers_threads_zero", "--threads=0", "--threads", "0"),
        ("peers_threads_reversed", "--threads=4-2", "--threads", "4-2"),
        ("peers_threads_word", "--threads=two", "--threads", "two"),
        ("peers_place_unknown", "--place=diagonal", "--place", "diagonal"),
        ("peers_place_no_such_cpu", "--place=cpus:99999", "--place", "cpus:99999"),
        ("peers_duration_negative", "--duration=-1", "--duration", "-1"),
        ("peers_duration_word", "--duration=soon", "--duration", "soon"),
        ("peers_filter_not_regex", "--benchmark_filter=(", "--benchmark_filter", "("),
        ("peers_repetitions_zero", "--benchmark_repetitions=0", "--benchmark_repetitions", "0"),
        ("peers_out_format_csv", "--benchmark_out_format=csv", "--benchmark_out_format", "csv"),
        ("peers_sample_negative", "--sample=-1", "--sample", "-1"),
        ("peers_outside_ns_float", "--outside-ns=1e3", "--outside-ns", "1e3"),
        ("peers_timed_wait_zero", "--timed-wait-ns=0", "--timed-wait-ns", "0"),
        ("peers_topology", "--topology=x.xml", "--topology", "x.xml"),
        ("peers_unknown_flag", "--frobnicate=1", "--frobnicate", ""),
        ("peers_stray_argument", "mutex", "mutex", "unexpected argument")):
    _peers_bad(_n, _a, _f, _v)


@case("python-peers", "`--benchmark_out=FILE` in a folder that does not exist")
def peers_out_missing_folder(t):
    out = t.path("no-such-folder", "o.json")
    t.fails(t.call("python-peers", *PEERS_QUICK, "--benchmark_out=" + out), 2,
            r"--benchmark_out=.*: folder .* does not exist or is not writable")


@case("python-peers", "`--benchmark_out=DIR` (a folder)")
def peers_out_is_folder(t):
    t.fails(t.call("python-peers", *PEERS_QUICK, "--benchmark_out=" + t.tmp), 2,
            r"--benchmark_out=.*: expected a file name")


@case("python-peers", "`--benchmark_out=FILE` in a read-only folder")
def peers_out_read_only(t):
    ro = t.mkdir("ro")
    t.fails(t.call("python-peers", *PEERS_QUICK, "--benchmark_out=" + os.path.join(ro, "o.json"),
                  mount=("ro", ro)), 2, r"--benchmark_out=.*: folder .* is not writable")
    t.assertEqual(os.listdir(ro), [])


@case("python-peers", "`--benchmark_out=FILE` on a full disk")
def peers_out_disk_full(t):
    full = t.mkdir("full")
    r = t.call("python-peers", *PEERS_QUICK, "--benchmark_out=" + os.path.join(full, "o.json"),
              mount=("full", full))
    t.fails(r, 1, r"--benchmark_out=.*o\.json: cannot write: No space left on device$",
            quiet=False)
    t.assertEqual(os.listdir(full), [], "no partial file")


@case("python-peers", "`--benchmark_out=FILE`, FILE's name not UTF-8 (not an error)")
def peers_out_not_utf8(t):
    out = t.path(NOT_UTF8 + ".json")
    r = t.call("python-peers", *PEERS_QUICK, "--benchmark_out=" + out)
    t.works(r, "results written")
    with open(out) as f:
        t.assertTrue(json.load(f)["benchmarks"])


@case("python-peers", "`--benchmark_filter` that matches nothing (not an error)")
def peers_filter_matches_nothing(t):
    out = t.path("o.json")
    r = t.call("python-peers", "--benchmark_filter=^nothing/", "--benchmark_out=" + out)
    t.works(r, "says `no benchmark matches`; writes nothing")
    t.assertIn("no benchmark matches", r.err)
    t.assertFalse(os.path.exists(out))


# ------------------------------------------------------------ tests

class BadInputTest(Checker):
    """One test per case (test_<case name>)."""


for _c in CASES:
    setattr(BadInputTest, "test_" + _c.name, lambda self, c=_c: c.fn(self))


def load_bench_cases():
    """bench/tests/bad_input.py, the contend-bench cases."""
    loader = importlib.machinery.SourceFileLoader("bench_bad_input", BENCH_CASES)
    spec = importlib.util.spec_from_loader("bench_bad_input", loader)
    mod = importlib.util.module_from_spec(spec)
    old, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        loader.exec_module(mod)
    finally:
        sys.dont_write_bytecode = old
    return mod


def bench_case_names():
    with tempfile.TemporaryDirectory() as d:
        return list(load_bench_cases().cases(d))


def doc_tests():
    """The test column of the table under '## Bad input' in the doc."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Bad input", 1)[1].split("\n## ", 1)[0]
    rows = [l for l in section.splitlines() if re.match(r"^\|\s*\d+\s*\|", l)]
    tests = []
    for row in rows:
        m = re.search(r"`((?:bench-smoke::bad-|test_bad_inputs\.py::test_)\w+)`\s*\|\s*$", row)
        tests.append(m.group(1) if m else row)
    return tests


class DocTest(unittest.TestCase):
    """docs/reliability.md lists every case, and only them: regenerate
    the table with scripts/tests/bad_inputs_table.py --write."""

    def test_doc_lists_every_case(self):
        listed = doc_tests()
        want = (["bench-smoke::bad-" + n for n in bench_case_names()]
                + [c.test for c in CASES])
        self.assertEqual(sorted(set(listed) - set(want)), [],
                         "rows in the doc that are no test")
        self.assertEqual(sorted(set(want) - set(listed)), [],
                         "cases missing from the doc (run bad_inputs_table.py --write)")
        self.assertEqual(len(listed), len(want), "row count")

    def test_meson_runs_every_bench_case(self):
        with open(BENCH_MESON) as f:
            text = f.read()
        block = text.split("bad_inputs = [", 1)[1].split("]", 1)[0]
        meson = re.findall(r"'(\w+)'", block)
        self.assertEqual(sorted(meson), sorted(bench_case_names()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
