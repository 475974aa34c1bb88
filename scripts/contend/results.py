"""contend.results — read contend run folders; shared by sweep, plot and compare.

A run folder (DESIGN "Results") holds Google Benchmark JSON in gb/*.json (or
gb/*.json.gz) and a meta.json. This module turns the JSON into records
(contend.tables makes the flat tables of them) and
never looks at code: it reads result files only (scipy for the Student t
quantile of confidence intervals).

Names follow `family/impl/param:value/.../threads:N/place:POLICY`; Google
Benchmark may append its own suffixes (`/manual_time`, `/repeats:N`, ...),
which are dropped here, so `Instance.key` is stable across runs and
platforms.

Errors in input files raise ResultsError whose message is one line that
names the file; the command-line scripts print it and exit 2.
"""

import json
import math
import os
import re
import statistics

from . import meta as cmeta
from .io import ResultsError, read_json_bytes, read_limited

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

    def median(self, metric):
        """Median over the repetitions (with Google Benchmark's aggregates
        only: its median, else its mean); None if never reported. Unlike
        the mean, one repetition that measured something else (a lock
        benchmark in which one thread ran alone) cannot move it."""
        vals = [r[metric] for r in self.reps if r.get(metric) is not None]
        if vals:
            return statistics.median(vals)
        v = self.aggregates.get("median", {}).get(metric)
        return v if v is not None else self.mean(metric)


def t95(df):
    """Two-sided 95 % Student t quantile for df degrees of freedom, to three
    decimals (as printed in tables: intervals do not need more)."""
    if df < 1:
        return float("nan")
    if df not in _T95:
        from scipy.stats import t as student_t     # slow to import: only when needed
        _T95[df] = round(float(student_t.ppf(0.975, df)), 3)
    return _T95[df]


_T95 = {}


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
        p = cmeta.recorded(self.meta, "platform")
        if p:
            return p
        if self.path:
            return os.path.basename(os.path.dirname(os.path.abspath(self.path)))
        return "unknown"

    @property
    def pus(self):
        pus = cmeta.recorded(self.meta, "pus")
        if isinstance(pus, int):
            return pus
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


# Result files of a run folder: gb/*.json, or gb/*.json.gz (how the
# committed reference runs keep them small).
GB_FILE_SUFFIXES = (".json", ".json.gz")


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
        meta = read_json_bytes(meta_path, read_limited(meta_path), "meta.json")
        if not isinstance(meta, dict):
            raise ResultsError("%s: meta.json is not a JSON object" % meta_path)
        run.meta = meta
    gb = os.path.join(path, "gb")
    files = sorted(f for f in os.listdir(gb) if f.endswith(GB_FILE_SUFFIXES)) \
        if os.path.isdir(gb) else []
    if not files:
        raise ResultsError("%s: no gb/*.json result files" % path)
    for f in files:
        run.add_file(os.path.join(gb, f))
    return run


# ------------------------------------------------------------ flat tables
