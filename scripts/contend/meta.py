"""contend.meta — the one accessor for what a run folder says about itself.

A run folder's meta.json (written by scripts/sweep, schema contend-run/1)
and the Google Benchmark context of its gb/*.json (written by contend-bench
and python-peers) are read here only. FIELDS says where today's writers put
each fact; LEGACY lists the other spellings that run folders from earlier
versions (or other tools) used, matched at any depth with '-', '.' and ' '
read as '_'. Read a fact with value(meta, context, field).
"""

import re

SCHEMA = "contend-run/1"

# field -> (path in meta.json, key in the benchmark context)
FIELDS = {
    "platform": (("platform",), None),
    "pu_list": (("host", "allowed_pus"), "allowed_pus"),    # "0-1", [0, 1]
    "pus": (("host", "pus"), "allowed_pu_count"),
    "date": (("started",), "date"),
    "revision": (("git", "revision"), "contend_revision"),
    "compiler": (("toolchain", "compiler"), "compiler"),
    # libcontend's meson options, as contend-bench was built (its context only)
    "contend_options": (None, "contend_options"),
    "gb_version": (("libraries", "google_benchmark"), "benchmark_version"),
    "cpu_model": (("host", "cpu_model"), None),
    "run_id": (("run_id",), None),
}

# Every spelling of a field, best first, in meta.json or the context of a
# run folder of any version; the first that holds a usable value wins.
LEGACY = {
    'platform': ('platform', 'platform_slug', 'slug'),
    'pu_list': ('allowed_pus', 'pus_allowed', 'allowed_cpus', 'cpus_allowed'),
    'pus': ('allowed_pu_count', 'n_allowed_pus', 'pus', 'pu_count', 'num_pus', 'n_pus',
            'nr_pus'),
    'date': ('started', 'started_at', 'start_time', 'date', 'start', 'timestamp',
             'created', 'created_at', 'finished'),
    'revision': ('git_revision', 'contend_revision', 'contend_git_revision', 'contend_git',
                 'revision', 'git_rev', 'git_commit', 'git_sha', 'commit', 'git'),
    'compiler': ('compiler', 'c_compiler', 'cc', 'compiler_version'),
    'contend_options': ('contend_options',),
    'gb_version': ('google_benchmark_version', 'benchmark_version',
                   'gbench_version', 'gb_version', 'google_benchmark',
                   'googlebenchmark', 'libbenchmark', 'libbenchmark_dev',
                   'benchmark'),
    'cpu_model': ('cpu_model',),
    'run_id': ('run_id',),
}
# In Google Benchmark's own context (1.8+), library_version is its version.
CONTEXT_ONLY = {'gb_version': ('library_version',)}


def _at(obj, path):
    for k in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(k)
    return obj


def recorded(meta, field):
    """A field where today's meta.json has it (no other spelling), or None."""
    path = FIELDS[field][0]
    return _at(meta, path) if path and isinstance(meta, dict) else None


def value(meta, context, field, accept=None, sources=("meta", "context")):
    """A fact of a run: field (a key of FIELDS) read through accept (default
    text), from meta.json first, then the benchmark context. None if absent."""
    accept = accept or text
    where, ctx_key = FIELDS[field]
    for source in sources:
        obj = meta if source == "meta" else context
        if not isinstance(obj, dict):
            continue
        path = where if source == "meta" else (ctx_key,) if ctx_key else None
        if path:
            v = accept(_at(obj, path))
            if v is not None:
                return v
        names = LEGACY[field] + (CONTEXT_ONLY.get(field, ()) if source == "context" else ())
        v = _lookup(obj, names, accept)
        if v is not None:
            return v
    return None


def _norm_key(k):
    return re.sub(r'[-\s.]+', '_', str(k).strip().lower())


def _flatten(obj, depth=0):
    """(normalized key, value, depth) of every entry of nested dicts."""
    if isinstance(obj, dict) and depth < 6:
        for k, v in obj.items():
            yield _norm_key(k), v, depth
            yield from _flatten(v, depth + 1)


def _lookup(obj, names, accept):
    found = {}
    for key, value, depth in _flatten(obj):
        if key in names:
            v = accept(value)
            if v is not None:
                rank = (names.index(key), depth)
                if key not in found or rank < found[key][0]:
                    found[key] = (rank, v)
    if not found:
        return None
    return min(found.values(), key=lambda t: t[0])[1]


def text(v):
    if isinstance(v, (str, int, float)) and not isinstance(v, bool) and str(v).strip():
        return str(v).strip()
    if isinstance(v, dict):     # e.g. {"name": "gcc", "version": "12.2.0"}
        parts = [str(v[k]) for k in ('name', 'id', 'version') if isinstance(v.get(k), (str, int))]
        return ' '.join(parts) or None
    return None


def dated(v):
    s = text(v)
    return s if s and re.match(r'\d{4}-\d\d-\d\d', s) else None


def versioned(v):
    s = text(v)
    return s if s and re.search(r'\d+\.\d+', s) else None


def count_pus(v):
    """A PU count: 4 or "4"."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if v > 0 else None
    if isinstance(v, str) and re.fullmatch(r'\s*\d+\s*', v):
        return int(v) or None
    return None


def count_pu_list(v):
    """The number of PUs in a list: [0, 1, 2, 3], "0-3,6" or "0" (one PU)."""
    if isinstance(v, list):
        return len(v) or None
    if isinstance(v, str):
        s = v.strip()
        if re.fullmatch(r'\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*', s):
            n = 0
            for part in s.split(','):
                lo, _, hi = part.partition('-')
                n += (int(hi) - int(lo) + 1) if hi else 1
            return n or None
    return None
