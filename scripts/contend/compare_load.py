"""contend.compare_load — what scripts/compare reads: runs and platform
folders (through contend.results), their meta data (contend.meta), the
per-repetition samples and the c2c floor; the metrics compared."""

import re
import statistics
from pathlib import Path

from . import meta as cmeta, results as cr, tables as ctables
from .gnuplot import PLOTDIR

PROG = 'compare'
PLOTS = Path(PLOTDIR)

WIDTH = 100             # terminal table width
MIN_REPETITIONS = 3     # below this: no test, no interval
DEFAULT_ALPHA = 0.05
BOOTSTRAP_SAMPLES = 4000
CI_LEVEL = 0.95
DEFAULT_FIGURES = 40    # overlay figures in --out, biggest change first


class Metric:
    def __init__(self, key, label, unit, higher_is_better, title):
        self.key = key
        self.label = label          # short, for tables
        self.unit = unit            # 'ops/s', 'ns' or ''
        self.higher_is_better = higher_is_better
        self.title = title          # for figures and markdown


METRICS = [
    Metric('ops_per_s', 'ops/s', 'ops/s', True, 'throughput (ops/s)'),
    Metric('p99_ns', 'p99', 'ns', False, 'p99 latency (ns)'),
    Metric('fairness', 'fairness', '', True, "fairness (Jain's index)"),
    Metric('cpu_per_op_ns', 'cpu/op', 'ns', False, 'CPU time per op (ns)'),
]
METRIC_BY_KEY = {m.key: m for m in METRICS}

# Core-to-core benchmarks (the physical floor). contend-bench names them
# c2c/roundtrip/threads:2/place:cpus:A,B (and c2c/oneway/..., not a round
# trip); the floor is the median over pairs of distinct PUs of the first of
# C2C_VALUES each round-trip benchmark reports (an op is one round trip).
# Adjust here if the harness's names change.
C2C_FAMILY = 'c2c'
C2C_FLOOR = re.compile(r'^c2c/roundtrip(?:/|$)')
C2C_PAIR = re.compile(r'(?:^|/)(?:place:cpus|pus?|pair):(\d+)[-_,](\d+)(?:/|$)')
C2C_VALUES = ('p50_ns', 'real_time_ns')

# Workloads whose team size is part of the workload: in the normalized view
# they are matched by exact name.
FIXED_TEAM = re.compile(r'(?:^|/)(?:pingpong|pc:\d+x\d+)(?:/|$)')
THREADS = re.compile(r'(?:^|/)threads:(\d+)(?=/|$)')



class InputError(Exception):
    """Bad usage or bad input: one line, exit status 2."""


# ---------------------------------------------------------------------------
# Loading runs: an adapter over contend.results (the loader shared with
# scripts/sweep and scripts/plot), which reads gb/*.json and meta.json.
# This section adds what comparisons need: platform folders, the meta data
# shown in the header, per-repetition samples and the c2c floor.
# ---------------------------------------------------------------------------

class Bench:
    """One benchmark of one run: per-repetition samples of each value."""

    def __init__(self, name, samples):
        self.name = name
        self.samples = samples      # value key -> [float], one per repetition

    @property
    def threads(self):
        return threads_of(self.name)


class Run:
    def __init__(self, path, label):
        self.path = path            # the run folder
        self.label = label          # A, B, C ...
        self.note = ''              # e.g. "newest of 3 runs"
        self.meta = {}
        self.context = {}
        self.benchmarks = {}        # name -> Bench (successful ones)
        self.failed = {}            # name -> error message
        self.platform = ''
        self.run_id = ''
        self.pus = None
        self.pus_source = ''
        self.date = ''
        self.revision = ''
        self.compiler = ''
        self.gb_version = ''
        self.contend_options = ''   # libcontend's meson options (mutex_spin=...)
        self.repetitions = 0
        self.floor_ns = None        # median c2c round trip
        self.floor_pairs = 0
        self.headline = None        # report.md's headline rows (--headline only)

    @property
    def name(self):
        return f'{self.platform}/{self.run_id}'


def threads_of(name):
    m = THREADS.search(name)
    return int(m.group(1)) if m else None


def _is_run_dir(path):
    return (path / 'gb').is_dir()


def resolve_run_dir(arg):
    """A run folder, or the newest run of a platform folder."""
    path = Path(arg)
    if not path.exists():
        raise InputError(f'{arg}: no such folder')
    if not path.is_dir():
        raise InputError(f'{arg}: not a folder (give a run folder results/<platform>/<run-id>)')
    if _is_run_dir(path):
        return path, ''
    runs = sorted(p for p in path.iterdir() if p.is_dir() and _is_run_dir(p))
    if runs:
        note = f'newest of {len(runs)} runs' if len(runs) > 1 else ''
        return runs[-1], note
    raise InputError(f'{arg}: no gb/*.json (not a run folder)')


# The values a comparison reads from each repetition.
SAMPLE_KEYS = tuple(m.key for m in METRICS) + ('p50_ns', 'real_time_ns')


def load_run(arg, label, headline=False):
    """The run folder (or a platform folder's newest run) arg as a Run;
    headline: also its report.md headline (--headline; ~0.4 s for a full
    run, so only when asked)."""
    run_dir, note = resolve_run_dir(arg)
    try:
        loaded = cr.load_run(str(run_dir))
    except cr.ResultsError as e:
        raise InputError(str(e))
    run = Run(run_dir, label)
    run.note = note
    run.meta = loaded.meta
    run.context = next(iter(loaded.contexts.values()), {})
    for key, inst in loaded.instances.items():
        if not inst.ok:
            run.failed[key] = inst.errors[0] if inst.errors else 'no result'
            continue
        samples = {}
        for k in SAMPLE_KEYS:
            vals = inst.values(k)
            if not vals and k == 'ops_per_s':
                vals = inst.values('ops_per_s_derived')
            if vals:
                samples[k] = vals
        run.benchmarks[key] = Bench(key, samples)
    if not run.benchmarks:
        raise InputError(f'{arg}: no successful benchmark in gb/*.json')
    describe_run(run, loaded)
    run.floor_ns, run.floor_pairs = c2c_floor(run)
    if headline:
        run.headline = ctables.headline(loaded)
    return run


def run_warnings(runs):
    """What makes the runs' figures less comparable, whatever is compared:
    Google Benchmark versions or contend build options that differ."""
    out = []
    versions = {r.label: r.gb_version for r in runs}
    known = {v for v in versions.values() if v}
    if len(known) > 1:
        listed = ', '.join(f'{k} {v}' for k, v in versions.items() if v)
        out.append(f'Google Benchmark versions differ ({listed}): its time semantics '
                   'changed between releases, so compare real_time with care')
    missing = [k for k, v in versions.items() if not v]
    if missing and known:
        out.append(f'Google Benchmark version unknown for {", ".join(missing)}')
    options = {r.label: r.contend_options for r in runs}
    if len({v for v in options.values() if v}) > 1:
        listed = '; '.join(f'{k} {v}' for k, v in options.items() if v)
        out.append(f'contend build options differ ({listed}): the contend rows of these '
                   'runs measured different code (mutex_spin=0 builds the direct-park '
                   'ct_mutex)')
    return out


def meta_value(run, field, accept=None):
    """A fact of the run: meta.json first, then its benchmark context."""
    return cmeta.value(run.meta, run.context, field, accept)


def _short_date(s):
    m = re.match(r'(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)', s or '')
    return f'{m.group(1)} {m.group(2)}' if m else (s or '')


def _version(s):
    m = re.search(r'\d+\.\d+(?:\.\d+)?', s or '')
    return m.group(0) if m else (s or '')


def describe_run(run, loaded):
    run.platform = loaded.platform
    if not run.platform or '/' in run.platform or len(run.platform) > 60:
        run.platform = run.path.resolve().parent.name
    run.run_id = run.path.resolve().name
    # The PUs the run could use: allowed PUs (taskset, cgroups) when
    # meta.json records them, else the shared loader's count (meta.json's
    # host.pus, then Google Benchmark's num_cpus).
    for source, where in (('meta.json', 'meta'), ('benchmark context', 'context')):
        pus = (cmeta.value(run.meta, run.context, 'pu_list', cmeta.count_pu_list, (where,))
               or cmeta.value(run.meta, run.context, 'pus', cmeta.count_pus, (where,)))
        if pus:
            run.pus, run.pus_source = pus, source
            break
    else:
        if loaded.pus:
            run.pus, run.pus_source = loaded.pus, 'num_cpus'
    run.date = _short_date(meta_value(run, 'date', cmeta.dated) or '')
    rev = meta_value(run, 'revision') or ''
    run.revision = rev[:12] if re.fullmatch(r'[0-9a-f]{13,}', rev) else rev
    git = run.meta.get('git')
    if run.revision and isinstance(git, dict) and git.get('dirty'):
        run.revision += ' (dirty)'
    run.compiler = meta_value(run, 'compiler') or ''
    run.gb_version = _version(meta_value(run, 'gb_version', cmeta.versioned) or '')
    run.contend_options = meta_value(run, 'contend_options') or ''
    reps = [len(b.samples.get('real_time_ns', b.samples.get('ops_per_s', [])))
            for b in run.benchmarks.values()]
    run.repetitions = max(reps) if reps else 0


def c2c_floor(run):
    values = []
    for name, bench in run.benchmarks.items():
        if not C2C_FLOOR.search(name):
            continue
        m = C2C_PAIR.search(name)
        if m and m.group(1) == m.group(2):
            continue
        for key in C2C_VALUES:
            if bench.samples.get(key):
                values.append(statistics.median(bench.samples[key]))
                break
    if not values:
        return None, 0
    return statistics.median(values), len(values)


def family_of(name):
    return name.split('/', 1)[0]


# ---------------------------------------------------------------------------
# Matching and statistics.
# ---------------------------------------------------------------------------

def thread_classes(threads, pus):
    """The normalized labels of a thread count on a platform with pus PUs."""
    labels = []
    if threads == 1:
        labels.append('1')
    if pus and pus % 2 == 0 and threads == pus // 2:
        labels.append('PUs/2')
    if pus and threads == pus:
        labels.append('PUs')
    if pus and threads == 2 * pus:
        labels.append('2xPUs')
    return labels


def match_keys(name, run, view):
    """The keys under which a benchmark is matched across runs."""
    if view == 'threads' or family_of(name) == C2C_FAMILY or FIXED_TEAM.search(name):
        return [name]
    m = THREADS.search(name)
    if not m:
        return [name]
    t = int(m.group(1))
    start, end = m.span(1)
    return [name[:start] + label + name[end:] for label in thread_classes(t, run.pus)]


def index_run(run, view, pattern):
    index = {}
    for name in run.benchmarks:
        if pattern and not pattern.search(name):
            continue
        for key in match_keys(name, run, view):
            index[key] = name
    return index
