"""contend_results — read contend run folders; shared by sweep, plot and compare.

A run folder (DESIGN "Results") holds Google Benchmark JSON in gb/*.json and
a meta.json. This module turns the JSON into records and flat tables and
never looks at code: it reads result files only. Standard library only.

Names follow `family/impl/param:value/.../threads:N/place:POLICY`; Google
Benchmark may append its own suffixes (`/manual_time`, `/repeats:N`, ...),
which are dropped here, so `Instance.key` is stable across runs and
platforms.

Errors in input files raise ResultsError whose message is one line that
names the file; the command-line scripts print it and exit 2.
"""

import csv
import errno
import io
import json
import math
import os
import re
import signal
import stat
import statistics
import sys
import tempfile

# Counters every contend benchmark reports (DESIGN "Numbers"), in table order.
COUNTERS = ("ops_per_s", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns",
            "fairness", "cpu_per_op_ns", "ctx_switches_per_op", "misplaced",
            "tail_frac")

# Top-level keys of a Google Benchmark run object that are not user counters.
GB_KEYS = frozenset((
    "name", "family_index", "per_family_instance_index", "run_name",
    "run_type", "repetitions", "repetition_index", "threads", "iterations",
    "real_time", "cpu_time", "time_unit", "aggregate_name", "aggregate_unit",
    "error_occurred", "error_message", "label", "big_o", "rms",
    "complexity_n", "manual_time", "skipped", "skip_message"))

# Suffixes Google Benchmark appends to a registered name.
_GB_SUFFIX = re.compile(
    r"^(manual_time|real_time|process_time|min_time:.*|min_warmup_time:.*|"
    r"repeats:\d+|iterations:\d+)$")

FAMILY_ORDER = ("c2c", "atomic", "counter", "mutex", "rmutex", "event",
                "queue", "ring", "pool", "shim")

_TIME_UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# Two-sided 95 % Student t quantiles for 1..30 degrees of freedom.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262,
        2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101,
        2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052,
        2.048, 2.045, 2.042)


# A Google Benchmark JSON file is a few MB even for a long sweep; anything
# this big is not one (and is refused before it is read into memory).
MAX_JSON_BYTES = 256 << 20

# Errors of a write that started and could not finish (the disk filled
# up): exit status 1. Any other OSError means the place itself is unusable
# (missing, read-only, not a folder): bad usage, exit status 2.
WRITE_FAILED_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


class ResultsError(Exception):
    """A result file or folder that cannot be used; str() is one line."""


# ---------------------------------------------------------------- files

def os_error_status(e):
    """Exit status for an OSError met while writing results: 1 or 2."""
    return 1 if e.errno in WRITE_FAILED_ERRNOS else 2


def os_error_text(e, default=""):
    """One line for an OSError: 'FILE: reason'."""
    return "%s: %s" % (e.filename or default, e.strerror or e)


def printable(text):
    """text made valid UTF-8: the undecodable bytes of a file name (which
    Python carries as surrogate escapes) become \\xNN, other lone
    surrogates \\uNNNN."""
    return _SURROGATE.sub(_escape_surrogate, text)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape_surrogate(m):
    c = ord(m.group())
    return "\\x%02x" % (c - 0xdc00) if 0xdc80 <= c <= 0xdcff else "\\u%04x" % c


def safe_stdio():
    """Lets stdout and stderr print file names that are not UTF-8 (their
    original bytes go out) instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape" if enc == "utf8" else "backslashreplace")


def read_limited(path, limit=MAX_JSON_BYTES):
    """The bytes of a regular file of at most limit bytes; ResultsError
    (naming the file) for anything else: a FIFO or device would block or
    never end."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ResultsError("%s: not a regular file" % path)
        if st.st_size > limit:
            raise ResultsError("%s: too large (%d MiB; a result file is at most %d MiB)"
                               % (path, st.st_size >> 20, limit >> 20))
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except OSError as e:
        raise ResultsError("%s: cannot read: %s" % (path, e.strerror or e))


def atomic_write_bytes(path, data):
    """Writes data to path via a temp file in the same folder + rename.

    SIGINT and SIGTERM are held back while the file is written, so an
    interrupt never leaves a half-written file or a stray temp file.
    An OSError names path (not the temp file), whatever step failed.
    """
    folder = os.path.dirname(os.path.abspath(path))
    old = _block_signals()
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as e:
        raise OSError(e.errno, e.strerror, path) from None
    finally:
        _restore_signals(old)


def atomic_write_text(path, text):
    atomic_write_bytes(path, printable(text).encode("utf-8"))


def atomic_write_json(path, obj):
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def atomic_rename(src, dst):
    """Moves a finished temp file into place (same file system)."""
    old = _block_signals()
    try:
        os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
        os.replace(src, dst)
    finally:
        _restore_signals(old)


def _block_signals():
    if not hasattr(signal, "pthread_sigmask"):
        return None
    try:
        return signal.pthread_sigmask(signal.SIG_BLOCK,
                                      {signal.SIGINT, signal.SIGTERM})
    except (OSError, ValueError):
        return None


def _restore_signals(old):
    if old is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def csv_text(header, rows):
    """CSV text for rows (dicts or sequences); None and NaN become empty."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        if isinstance(row, dict):
            row = [row.get(h) for h in header]
        w.writerow([_csv_cell(v) for v in row])
    return out.getvalue()


def _csv_cell(v):
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return ""
        return repr(v) if abs(v) >= 1e-4 or v == 0 else "%.6e" % v
    return v


# ------------------------------------------------------------ Google Benchmark

def load_gb(path):
    """Loads and validates one Google Benchmark JSON file.

    Returns the parsed object. Raises ResultsError naming the file when it
    is empty, not UTF-8, not JSON (e.g. truncated) or not Google Benchmark
    output (an object with a 'context' object and a 'benchmarks' list).
    What a newer Google Benchmark adds (a higher json_schema_version, new
    keys, new run types) is ignored: the fields known here are read.
    """
    raw = read_limited(path)
    if not raw.strip():
        raise ResultsError("%s: empty file" % path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ResultsError("%s: not UTF-8 text (byte %d)" % (path, e.start))
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ResultsError("%s: not valid JSON (%s at line %d column %d; truncated?)"
                           % (path, e.msg, e.lineno, e.colno))
    except RecursionError:
        raise ResultsError("%s: not valid JSON (nested too deeply)" % path)
    if re.search(r"\\u[dD][89a-fA-F]", text):
        # \uD800-\uDFFF escapes that are not a surrogate pair decode to
        # strings no UTF-8 output can hold.
        try:
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ResultsError("%s: not valid Unicode (a \\u escape of a lone surrogate)"
                               % path)
    if (not isinstance(doc, dict) or not isinstance(doc.get("benchmarks"), list)
            or not isinstance(doc.get("context"), dict)):
        raise ResultsError("%s: not Google Benchmark JSON (expected an object with "
                           "a 'context' object and a 'benchmarks' list)" % path)
    for i, b in enumerate(doc["benchmarks"]):
        if not isinstance(b, dict) or not isinstance(b.get("name"), str):
            raise ResultsError("%s: not Google Benchmark JSON (benchmarks[%d] has no "
                               "'name')" % (path, i))
        unit = b.get("time_unit", "ns")
        if unit not in _TIME_UNIT_NS:
            raise ResultsError("%s: benchmarks[%d] (%s): unknown time_unit %r"
                               % (path, i, b["name"], unit))
    return doc


def salvage_truncated(text):
    """Recovers the finished benchmarks of a Google Benchmark JSON file cut
    short (the benchmark was killed): Google Benchmark writes each run as it
    finishes. Returns the parsed object, or None if nothing can be saved.
    """
    start = text.find('"benchmarks": [')
    if start < 0:
        return None
    end = text.rfind("\n    }")
    while end > start:
        try:
            doc = json.loads(text[:end + 6] + "\n  ]\n}\n")
        except json.JSONDecodeError:
            end = text.rfind("\n    }", start, end)
            continue
        if isinstance(doc, dict) and doc.get("benchmarks"):
            return doc
        return None
    return None


class Name:
    """A parsed benchmark name."""

    __slots__ = ("key", "family", "impl", "params", "threads", "place")

    def __init__(self, key, family, impl, params, threads, place):
        self.key = key            # name without Google Benchmark's suffixes
        self.family = family
        self.impl = impl
        self.params = params      # workload tokens, e.g. ["pc:2x2", "cap:16"]
        self.threads = threads    # int or None
        self.place = place        # str or None

    @property
    def workload(self):
        return "/".join(self.params) if self.params else "-"

    def __repr__(self):
        return "Name(%r)" % self.key


def parse_name(name, gb_threads=None):
    """Splits a benchmark name into family, impl, workload, threads, place.

    Google Benchmark's own suffixes are dropped. A name without a
    `threads:` token takes Google Benchmark's thread count; one without a
    `place:` token gets place None.
    """
    parts = name.split("/")
    while len(parts) > 1 and _GB_SUFFIX.match(parts[-1]):
        parts.pop()
    # Google Benchmark's own ->Threads(n) suffix, after place:.
    gb_suffix_threads = None
    if (len(parts) > 2 and parts[-1].startswith("threads:")
            and any(p.startswith("threads:") for p in parts[2:-1])):
        gb_suffix_threads = parts.pop()
    key = "/".join(parts)
    family = parts[0]
    impl = parts[1] if len(parts) > 1 else "-"
    threads = None
    place = None
    params = []
    for tok in parts[2:]:
        if tok.startswith("threads:") and threads is None:
            try:
                threads = int(tok[8:])
                continue
            except ValueError:
                pass
        if tok.startswith("place:") and place is None:
            place = tok[6:]
            continue
        params.append(tok)
    if threads is None:
        if gb_suffix_threads is not None:
            threads = int(gb_suffix_threads[8:])
        elif isinstance(gb_threads, int):
            threads = gb_threads
    return Name(key, family, impl, params, threads, place)


def _num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and math.isfinite(v):
        return float(v)
    return None


class Instance:
    """One benchmark instance (one name) with its repetitions."""

    def __init__(self, name, source):
        self.name = name          # Name
        self.sources = [source]   # gb files it came from
        self.reps = []            # list of dict metric -> float
        self.errors = []          # error messages of failed repetitions
        self.aggregates = {}      # aggregate_name -> dict metric -> float

    key = property(lambda self: self.name.key)
    family = property(lambda self: self.name.family)
    impl = property(lambda self: self.name.impl)
    workload = property(lambda self: self.name.workload)
    threads = property(lambda self: self.name.threads)
    place = property(lambda self: self.name.place)

    @property
    def ok(self):
        return bool(self.reps) or "mean" in self.aggregates

    def values(self, metric):
        """Per-repetition values of a metric (empty if never reported)."""
        vals = [r[metric] for r in self.reps if r.get(metric) is not None]
        if not vals and "mean" in self.aggregates:
            v = self.aggregates["mean"].get(metric)
            if v is not None:
                vals = [v]
        return vals

    def stat(self, metric):
        """Summary of a metric: dict mean, sd, lo, hi, n (None if absent).

        lo/hi is the 95 % confidence interval of the mean (Student t) when
        there are at least two repetitions; with Google Benchmark's
        aggregates only, mean ± t·stddev/sqrt(n) from those; else mean.
        """
        vals = self.values(metric)
        if not vals:
            return None
        n = len(vals)
        mean = statistics.fmean(vals)
        sd = statistics.stdev(vals) if n > 1 else None
        if n == 1 and not self.reps and "stddev" in self.aggregates:
            sd = self.aggregates["stddev"].get(metric)
            n = int(self.aggregates.get("_n", 1))
        half = None
        if sd is not None and n > 1:
            half = t95(n - 1) * sd / math.sqrt(n)
        return {"mean": mean, "sd": sd, "n": n,
                "lo": mean - half if half is not None else mean,
                "hi": mean + half if half is not None else mean}

    def mean(self, metric):
        s = self.stat(metric)
        return s["mean"] if s else None


def t95(df):
    if df < 1:
        return float("nan")
    return _T95[df - 1] if df <= len(_T95) else 1.96


def _metrics_of(b):
    unit = _TIME_UNIT_NS[b.get("time_unit", "ns")]
    m = {}
    real = _num(b.get("real_time"))
    cpu = _num(b.get("cpu_time"))
    m["real_time_ns"] = real * unit if real is not None else None
    m["cpu_time_ns"] = cpu * unit if cpu is not None else None
    m["iterations"] = _num(b.get("iterations"))
    for k, v in b.items():
        if k in GB_KEYS:
            continue
        v = _num(v)
        if v is not None:
            m[k] = v
    return m


def lost_counter(metrics):
    """Name of the lost-updates counter in a metrics dict, or None."""
    for k in metrics:
        if "lost" in k:
            return k
    return None


def _derive(m, aggregate=None):
    """Adds derived metrics: ops_per_s when absent, lost_pct."""
    if m.get("ops_per_s") is None and aggregate in (None, "mean", "median"):
        rt = m.get("real_time_ns")
        if rt:
            m["ops_per_s_derived"] = 1e9 / rt
    lk = lost_counter(m)
    if lk is not None and aggregate in (None, "mean", "median"):
        v = m[lk]
        if re.search(r"(frac|fraction|ratio)$", lk):
            m["lost_pct"] = 100.0 * v
        elif re.search(r"(pct|percent)$", lk):
            m["lost_pct"] = v
        elif m.get("iterations"):
            m["lost_pct"] = 100.0 * v / m["iterations"]
    return m


class Run:
    """Everything read from one run folder (or a list of gb files)."""

    def __init__(self, path=None):
        self.path = path
        self.meta = {}
        self.contexts = {}        # file -> context
        self.instances = {}       # key -> Instance, in file order
        self.files = []

    @property
    def platform(self):
        p = self.meta.get("platform")
        if p:
            return p
        if self.path:
            return os.path.basename(os.path.dirname(os.path.abspath(self.path)))
        return "unknown"

    @property
    def pus(self):
        host = self.meta.get("host") or {}
        if isinstance(host.get("pus"), int):
            return host["pus"]
        for ctx in self.contexts.values():
            if isinstance(ctx.get("num_cpus"), int):
                return ctx["num_cpus"]
        return None

    def add_file(self, path):
        doc = load_gb(path)
        rel = os.path.relpath(path, self.path) if self.path else path
        self.files.append(rel)
        self.contexts[rel] = doc["context"]
        for b in doc["benchmarks"]:
            self._add(b, rel)

    def _add(self, b, source):
        run_type = b.get("run_type", "iteration")
        if run_type not in ("iteration", "aggregate"):
            return      # a kind of row a newer Google Benchmark may add
        raw = b.get("run_name") if run_type == "aggregate" and b.get("run_name") else b["name"]
        if run_type == "aggregate" and not b.get("run_name"):
            agg = b.get("aggregate_name", "")
            if agg and raw.endswith("_" + agg):
                raw = raw[:-len(agg) - 1]
        nm = parse_name(raw, b.get("threads"))
        inst = self.instances.get(nm.key)
        if inst is None:
            inst = self.instances[nm.key] = Instance(nm, source)
        elif source not in inst.sources:
            inst.sources.append(source)
        if b.get("error_occurred") or b.get("skipped"):
            msg = b.get("error_message") or b.get("skip_message") or "error"
            inst.errors.append(str(msg))
            return
        if run_type == "aggregate":
            agg = b.get("aggregate_name")
            if agg:
                inst.aggregates[agg] = _derive(_metrics_of(b), agg)
                if isinstance(b.get("repetitions"), int):
                    inst.aggregates["_n"] = b["repetitions"]
            return
        inst.reps.append(_derive(_metrics_of(b)))

    def select(self, family=None):
        return [i for i in self.instances.values() if family is None or i.family == family]

    def families(self):
        fams = []
        for i in self.instances.values():
            if i.family not in fams:
                fams.append(i.family)
        return sorted(fams, key=family_sort_key)

    def impls(self):
        """All implementation names, contend's first, then peers, sorted."""
        names = {i.impl for i in self.instances.values()}
        return sorted(names, key=lambda s: (not is_contend(s), s))


# Families that measure the machine or the harness, not primitives.
NOT_IN_HEADLINE = ("c2c", "shim")
# Reference points of a family, not competing implementations: never the
# "best peer" contend is compared with (they may still be the fastest).
BASELINE_IMPLS = ("racy", "atomic", "fetch_add", "cas", "native", "overhead")


def is_peer(impl):
    return not impl.startswith("ct_") and impl not in BASELINE_IMPLS


def family_sort_key(f):
    return (FAMILY_ORDER.index(f) if f in FAMILY_ORDER else len(FAMILY_ORDER), f)


def is_contend(impl):
    return impl.startswith("ct_")


def load_run(path):
    """Reads a run folder: meta.json (optional) and every gb/*.json.

    Raises ResultsError (one line, naming the file or folder) for a
    missing folder, a folder without gb/*.json, or any unusable file.
    """
    if not os.path.isdir(path):
        raise ResultsError("%s: no such run folder" % path)
    run = Run(path)
    meta_path = os.path.join(path, "meta.json")
    if os.path.exists(meta_path):
        try:
            meta = json.loads(read_limited(meta_path).decode("utf-8"))
        except (ValueError, RecursionError) as e:
            raise ResultsError("%s: unreadable meta.json: %s" % (meta_path, e))
        if not isinstance(meta, dict):
            raise ResultsError("%s: meta.json is not a JSON object" % meta_path)
        run.meta = meta
    gb = os.path.join(path, "gb")
    files = sorted(f for f in os.listdir(gb) if f.endswith(".json")) if os.path.isdir(gb) else []
    if not files:
        raise ResultsError("%s: no gb/*.json result files" % path)
    for f in files:
        run.add_file(os.path.join(gb, f))
    return run


# ------------------------------------------------------------ flat tables

TABLE_COLUMNS = (
    ["name", "family", "impl", "workload", "threads", "place", "reps", "errors",
     "error_message", "real_time_ns", "cpu_time_ns",
     "ops_per_s", "ops_per_s_sd", "ops_per_s_lo", "ops_per_s_hi"]
    + [c for c in COUNTERS if c != "ops_per_s"]
    + ["lost_updates", "lost_pct", "iterations", "source"])


OPS = "_ops"   # stands for ops_metric(inst) in lists of metrics


def ops_metric(inst):
    """The throughput metric an instance has: ops_per_s or derived."""
    return "ops_per_s" if inst.values("ops_per_s") else "ops_per_s_derived"


def instance_row(inst):
    row = {"name": inst.key, "family": inst.family, "impl": inst.impl,
           "workload": inst.workload, "threads": inst.threads,
           "place": inst.place if inst.place is not None else "",
           "reps": len(inst.reps) or (inst.aggregates.get("_n") if inst.ok else 0),
           "errors": len(inst.errors),
           "error_message": inst.errors[0] if inst.errors else "",
           "source": ";".join(inst.sources)}
    ops = inst.stat(ops_metric(inst))
    if ops:
        row.update(ops_per_s=ops["mean"], ops_per_s_sd=ops["sd"],
                   ops_per_s_lo=ops["lo"], ops_per_s_hi=ops["hi"])
    for m in ("real_time_ns", "cpu_time_ns", "iterations", "lost_pct") + COUNTERS[1:]:
        row[m] = inst.mean(m)
    lk = None
    for r in inst.reps or [inst.aggregates.get("mean", {})]:
        lk = lk or lost_counter(r)
    row["lost_updates"] = inst.mean(lk) if lk else None
    return row


def extra_counters(run):
    """User counters beyond the documented ones (kept in results.csv)."""
    known = set(TABLE_COLUMNS) | {"ops_per_s_derived"}
    extra = set()
    for inst in run.instances.values():
        for r in inst.reps:
            extra.update(k for k in r if k not in known and "lost" not in k)
    return sorted(extra)


def results_table(run):
    """(header, rows) of csv/results.csv: one row per benchmark instance."""
    extra = extra_counters(run)
    header = TABLE_COLUMNS + extra
    rows = []
    for inst in sorted(run.instances.values(), key=instance_sort_key):
        row = instance_row(inst)
        for e in extra:
            row[e] = inst.mean(e)
        rows.append(row)
    return header, rows


def repetitions_table(run):
    """(header, rows) of csv/repetitions.csv: one row per repetition."""
    metrics = []
    for inst in run.instances.values():
        for r in inst.reps:
            for k in r:
                if k not in metrics:
                    metrics.append(k)
    first = ["real_time_ns", "cpu_time_ns", "iterations"] + list(COUNTERS)
    metrics = [m for m in first if m in metrics] + sorted(m for m in metrics if m not in first)
    header = ["name", "family", "impl", "workload", "threads", "place", "repetition"] + metrics
    rows = []
    for inst in sorted(run.instances.values(), key=instance_sort_key):
        for i, r in enumerate(inst.reps):
            row = {"name": inst.key, "family": inst.family, "impl": inst.impl,
                   "workload": inst.workload, "threads": inst.threads,
                   "place": inst.place or "", "repetition": i}
            row.update(r)
            rows.append(row)
    return header, rows


def instance_sort_key(inst):
    return (family_sort_key(inst.family), inst.workload, inst.place or "",
            (not is_contend(inst.impl)), inst.impl, inst.threads or 0)


# ------------------------------------------------------------ grouping

def pc_shape(tok):
    """Shape of a `pc:PxC` token: PxP (balanced), 1xC, Px1, else PxC as is;
    None for other tokens."""
    m = re.match(r"^pc:(\d+)x(\d+)$", tok)
    if not m:
        return None
    p, c = int(m.group(1)), int(m.group(2))
    return "PxP" if p == c else "1xC" if p == 1 else "Px1" if c == 1 else "%dx%d" % (p, c)


# Workload parameters that become rows of panels in a figure (the first
# one a workload has), so that e.g. every queue capacity shares a figure.
ROW_PARAMS = ("cap", "cs_ns", "depth", "line", "gap_us", "work_ns", "tasks")


def figure_group(params):
    """(group, row, shape) of a workload.

    group names one figure; row one line of panels in it: the first of
    ROW_PARAMS the workload has, else a leading workload kind without a
    value (pingpong, broadcast, ...), else '-'; shape the producer/consumer
    shape of a `pc:PxC` token ('-' if none), drawn as a line style so that
    P + C = threads lines up on the threads axis.
    """
    row = "-"
    shape = "-"
    rest = []
    for tok in params:
        k = tok.split(":", 1)[0]
        sh = pc_shape(tok)
        if sh is not None and shape == "-":
            shape = sh
            rest.append("pc")
        elif row == "-" and k in ROW_PARAMS:
            row = tok
        else:
            rest.append(tok)
    if row == "-" and rest and ":" not in rest[0] and rest[0] != "pc":
        row = rest.pop(0)
    return ("/".join(rest) if rest else "-"), row, shape


def group_workload(params):
    """The figure group of a workload (see figure_group)."""
    return figure_group(params)[0]


def row_key(row):
    """Sort key of row values: numeric where the value is a number."""
    k, _, v = row.partition(":")
    try:
        return (k, 0, float(v), "")
    except ValueError:
        return (k, 1, 0.0, v)


SHAPE_ORDER = ("-", "PxP", "1xC", "Px1")


def shape_key(shape):
    return (SHAPE_ORDER.index(shape) if shape in SHAPE_ORDER else len(SHAPE_ORDER), shape)


def slug(text):
    s = re.sub(r"[^A-Za-z0-9_.]+", "-", text).strip("-")
    return s or "x"


# ------------------------------------------------------------ headline

def _geomean(vals):
    vals = [v for v in vals if v and v > 0]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def headline_thread_counts(pus):
    pus = pus or 1
    out = []
    for label, t in (("1", 1), ("PUs", pus), ("4xPUs", 4 * pus)):
        if all(t != x for _, x in out):
            out.append((label, t))
    return out


def headline(run):
    """The headline table: per family, best implementation at 1 thread, at
    PUs threads and at 4xPUs threads, and contend's ratio to the best peer.

    Per workload and implementation the best placement counts. Across a
    family's workloads implementations are scored by the geometric mean of
    their throughput relative to the workload's best; `ratio` is the
    geometric mean over workloads of best contend / best peer throughput.
    Implementations that lose updates (the racy counter) are not eligible.
    Returns a list of dicts.
    """
    rows = []
    for fam in run.families():
        if fam in NOT_IN_HEADLINE:
            continue
        insts = [i for i in run.select(fam) if i.ok]
        lossy = lossy_impls(insts)
        insts = [i for i in insts if i.impl not in lossy]
        for label, t in headline_thread_counts(run.pus):
            best = {}   # workload -> impl -> (ops, place)
            for i in insts:
                if i.threads != t:
                    continue
                ops = i.mean(ops_metric(i))
                if ops is None:
                    continue
                w = best.setdefault(i.workload, {})
                if i.impl not in w or ops > w[i.impl][0]:
                    w[i.impl] = (ops, i.place)
            row = {"family": fam, "label": label, "threads": t, "workloads": len(best),
                   "best": None, "best_ops": None, "best_ct": None, "best_peer": None,
                   "ratio": None, "wins": None}
            rows.append(row)
            if not best:
                continue
            score = {}
            for w, impls in best.items():
                top = max(v[0] for v in impls.values())
                for impl, (ops, _) in impls.items():
                    score.setdefault(impl, []).append(ops / top)
            n = len(best)
            # Rank by the geometric mean, but an implementation measured in
            # only some workloads ranks after those measured in all.
            ranked = sorted(score, key=lambda k: (len(score[k]) < n, -_geomean(score[k]), k))
            row["best"] = ranked[0]
            if n == 1:
                (w,) = best
                row["best_ops"] = best[w][ranked[0]][0]
                row["workload"] = w
            cts = [k for k in ranked if is_contend(k)]
            peers = [k for k in ranked if is_peer(k)]
            row["best_ct"] = cts[0] if cts else None
            row["best_peer"] = peers[0] if peers else None
            if cts and peers:
                ratios = [impls[cts[0]][0] / impls[peers[0]][0]
                          for impls in best.values()
                          if cts[0] in impls and peers[0] in impls]
                row["ratio"] = _geomean(ratios)
                row["wins"] = "%d/%d" % (sum(r > 1 for r in ratios), len(ratios))
    return rows


def lossy_impls(insts):
    """Implementations that lost updates anywhere (the racy counter): not
    eligible as 'best', even where they happened to lose none."""
    return {i.impl for i in insts if (i.mean("lost_pct") or 0) > 0}


def workload_table(run):
    """Per family, workload and thread count: the best implementation (at
    its best placement) and contend's best against the best peer."""
    cells = {}
    lossy = lossy_impls(run.instances.values())
    for i in run.instances.values():
        if not i.ok or i.family == "c2c" or i.impl in lossy:
            continue
        ops = i.mean(ops_metric(i))
        if ops is None:
            continue
        c = cells.setdefault((i.family, i.workload, i.threads), {})
        if i.impl not in c or ops > c[i.impl]:
            c[i.impl] = ops
    rows = []
    for (fam, w, t), c in sorted(cells.items(), key=lambda kv: (family_sort_key(kv[0][0]),
                                                                 kv[0][1], kv[0][2] or 0)):
        best = max(c, key=c.get)
        cts = [k for k in c if is_contend(k)]
        peers = [k for k in c if is_peer(k)]
        ct = max(cts, key=c.get) if cts else None
        peer = max(peers, key=c.get) if peers else None
        rows.append({"family": fam, "workload": w, "threads": t, "best": best,
                     "best_ops": c[best], "best_ct": ct, "best_peer": peer,
                     "ratio": c[ct] / c[peer] if ct and peer else None})
    return rows


def fmt_rate(v):
    if v is None:
        return "—"
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            return "%.3g %sops/s" % (v / div, unit)
    return "%.3g ops/s" % v


def fmt_ratio(v):
    return "—" if v is None else "%.2f×" % v


# ------------------------------------------------------------ platform

def platform_slug(cpu_model, pus, system):
    """Short platform name: CPU model words, PU count and OS, e.g.
    'amd-epyc-7r13-2pu-linux'."""
    model = (cpu_model or "unknown").lower()
    model = re.sub(r"\((r|tm|c)\)", " ", model)
    model = re.sub(r"@.*$", " ", model)
    words = [w for w in re.split(r"[^a-z0-9]+", model) if w]
    drop = {"cpu", "processor", "with", "radeon", "graphics", "genuine",
            "authentic", "genuineintel", "authenticamd", "core", "eight",
            "six", "quad", "dual", "mobile", "family", "model", "stepping",
            "gen", "th"}
    words = [w for w in words if w not in drop and not re.match(r"^\d+core$", w)
             and not re.match(r"^\d+(st|nd|rd|th)$", w)]
    # "Intel Core i7-8700" keeps i7-8700; keep the first four words.
    name = "-".join(words[:4]) or "unknown"
    sysname = re.sub(r"[^a-z0-9]+", "", (system or "unknown").lower()) or "unknown"
    return "%s-%dpu-%s" % (name, int(pus or 0), sysname)
