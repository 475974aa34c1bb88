"""scripts/soak — run the stress programs and a mixed benchmark load in a
loop, with random parameters, checking every invariant.

Usage: scripts/soak --minutes N [--seed S] [--build DIR] [--verbose] [--help]

Until N minutes have passed (fractions allowed; the run in progress then
finishes), repeatedly runs one of, drawn at random:

  stress_queues, stress_counter, stress_handoff, test_faults
      (DIR/lib/tests/) with CT_SOAK_SEED=<run seed>: each draws its thread
      counts, capacities, modes, item counts and timeouts from that seed
      and checks its invariants (exactly-once delivery, per-producer FIFO,
      checksums, no lost wakeup, exact counters, documented return
      values), exiting non-zero on the first violation. Each prints a
      "TOTAL items=N ops=N timeouts=N closes=N [faults=N]" line, summed here.
  contend-bench (DIR/bench/, when built): 2-6 benchmarks drawn from the
      mutex, rmutex, event, queue, ring, counter and atomic families, at
      random thread counts (1 to 2x the allowed CPUs; spinning peers only
      up to the CPU count), placements and a tiny --duration, with
      --watchdog=30. Checked: exit status 0, every benchmark reported,
      none with error_occurred (the workloads checksum every queue item
      and count every critical section), lost_updates 0 under every lock.

Every violation is printed with a command that reproduces that run (its
seed included); after 20 the soak stops early. At the end: the totals and
one machine-readable line

  SOAK minutes=M seed=S runs=N items=N ops=N timeouts=N closes=N faults=N
       benchmarks=N bench_ops=N bench_items=N violations=N

(items: queue items delivered and checked, ops: operations checked,
timeouts: ETIMEDOUT returns seen, closes: queue closes, faults: injected
faults, from the programs' TOTAL lines; benchmarks / bench_ops /
bench_items: contend-bench results, their operations (iterations) and the
items of the queue and ring ones). On a terminal a progress line is kept.

Options:
  --minutes N   how long to run (required; > 0)
  --seed S      master seed (default: random, printed); run k's seed and
                choices derive from it, so a seed replays the same choices
  --build DIR   meson build folder (default: build)
  --verbose     one line per run

Exit status: 0 no violation, 1 violations (or nothing could run), 2 bad
usage. Standard library only.
"""
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # scripts/
REPO = os.path.dirname(HERE)
PROG = "scripts/soak"

STRESS = ["stress_queues", "stress_counter", "stress_handoff", "test_faults"]
# Relative weights of what a run is.
WEIGHTS = {"stress_queues": 3, "stress_counter": 1, "stress_handoff": 1, "test_faults": 2,
           "contend-bench": 3}
TOTAL_KEYS = ["items", "ops", "timeouts", "closes", "faults"]
BENCH_FAMILIES = {"mutex", "rmutex", "event", "queue", "ring", "counter", "atomic"}
# Peers that spin without yielding: oversubscribed, a batch can take very
# long (a preempted holder stalls the rest for a time slice).
SPINNERS = re.compile(r"^(ck_|tbb_spin|tbb_queuing|boost_)")
RUN_TIMEOUT = 300       # seconds: a run still going after this hangs
BENCH_WATCHDOG = 30
MAX_VIOLATIONS = 20     # then stop early: enough reproducers to start from


def usage(msg):
    print("%s: %s (try --help)" % (PROG, msg), file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    opts = {"minutes": None, "seed": None, "build": "build", "verbose": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(__doc__.strip())
            sys.exit(0)
        if a == "--verbose":
            opts["verbose"] = True
            i += 1
            continue
        name, eq, val = a.partition("=")
        if name not in ("--minutes", "--seed", "--build"):
            usage("unknown argument '%s'" % a)
        if not eq:
            if i + 1 >= len(argv):
                usage("%s needs a value" % name)
            val = argv[i + 1]
            i += 1
        i += 1
        if name == "--minutes":
            try:
                m = float(val)
            except ValueError:
                m = -1
            if not (0 < m <= 100000):
                usage("--minutes=%s: expected a positive number of minutes" % val)
            opts["minutes"] = m
        elif name == "--seed":
            try:
                s = int(val, 0)
            except ValueError:
                s = -1
            if not 0 <= s < 2 ** 63:
                usage("--seed=%s: expected an integer 0..2^63-1" % val)
            opts["seed"] = s
        else:
            if not val:
                usage("--build: expected a folder")
            opts["build"] = val
    if opts["minutes"] is None:
        usage("--minutes is required")
    return opts


def rel(path):
    """path relative to the current folder when that is shorter (for commands shown)."""
    r = os.path.relpath(path)
    return r if len(r) < len(path) else path


class Soak:
    def __init__(self, opts):
        self.opts = opts
        build = opts["build"]
        if not os.path.isabs(build):
            # Relative to the current folder if it is there, else to the repository.
            build = build if os.path.isdir(build) else os.path.join(REPO, build)
        if not os.path.isdir(build):
            usage("--build=%s: no such folder (build first: meson setup build && "
                  "ninja -C build)" % opts["build"])
        self.build = build
        self.seed = opts["seed"] if opts["seed"] is not None else random.SystemRandom().randrange(2 ** 63)
        self.programs = {}
        for p in STRESS:
            path = os.path.join(build, "lib", "tests", p)
            if os.access(path, os.X_OK):
                self.programs[p] = path
        bench = os.path.join(build, "bench", "contend-bench")
        self.bench = bench if os.access(bench, os.X_OK) else None
        self.npus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        self.names = []
        self.totals = {k: 0 for k in TOTAL_KEYS}
        self.bench_totals = {"benchmarks": 0, "bench_ops": 0, "bench_items": 0}
        self.runs = {}
        self.violations = []
        self.tty = sys.stderr.isatty()
        self.start = time.monotonic()
        self.last_note = self.start

    # ------------------------------------------------------------ set-up
    def list_benchmarks(self):
        """Names contend-bench would run, for the families soaked."""
        top = max(2, 2 * self.npus)
        cmd = [self.bench, "--list", "--threads=1-%d" % top, "--place=none,compact,scatter"]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            self.violation(None, "contend-bench --list failed: %s" % e, cmd)
            return
        if p.returncode != 0:
            self.violation(None, "contend-bench --list: exit status %d: %s"
                           % (p.returncode, p.stderr.strip()[-300:]), cmd)
            return
        for line in p.stdout.splitlines():
            parts = line.strip().split("/")
            if len(parts) < 4 or parts[0] not in BENCH_FAMILIES:
                continue
            m = re.search(r"/threads:(\d+)/place:(\w+)$", line.strip())
            if not m:
                continue
            threads = int(m.group(1))
            if SPINNERS.match(parts[1]) and threads > self.npus:
                continue
            self.names.append((line.strip(), threads, m.group(2)))

    # ------------------------------------------------------------ output
    def elapsed(self):
        return time.monotonic() - self.start

    def clear(self):
        if self.tty:
            sys.stderr.write("\r\033[K")

    def progress(self, current=""):
        if not self.tty:
            now = time.monotonic()
            if now - self.last_note >= 60:
                self.last_note = now
                print("%s: %s" % (PROG, self.status_line()), flush=True)
            return
        line = self.status_line()
        if current:
            line += " | " + current
        cols = 120
        try:
            cols = os.get_terminal_size(sys.stderr.fileno()).columns
        except OSError:
            pass
        sys.stderr.write("\r\033[K" + line[:cols - 1])
        sys.stderr.flush()

    def status_line(self):
        e = self.elapsed()
        total = self.opts["minutes"] * 60
        return ("[%d:%02d/%d:%02d] runs %d, items %s, ops %s, timeouts %s, closes %s, "
                "benchmarks %d, violations %d"
                % (e // 60, e % 60, total // 60, total % 60, sum(self.runs.values()),
                   human(self.totals["items"] + self.bench_totals["bench_items"]),
                   human(self.totals["ops"] + self.bench_totals["bench_ops"]),
                   human(self.totals["timeouts"]), human(self.totals["closes"]),
                   self.bench_totals["benchmarks"], len(self.violations)))

    def violation(self, k, what, cmd, env=None, output=""):
        repro = " ".join("%s=%s" % (a, shlex.quote(b)) for a, b in (env or {}).items())
        repro = (repro + " " if repro else "") + " ".join(shlex.quote(rel(c) if i == 0 else c)
                                                          for i, c in enumerate(cmd))
        tag = "run %d" % k if k is not None else "set-up"
        self.violations.append((tag, what, repro))
        self.clear()
        print("VIOLATION (%s, soak seed %d): %s\n  reproduce: %s" % (tag, self.seed, what, repro),
              file=sys.stderr)
        tail = [l for l in output.strip().splitlines() if l.strip()][-8:]
        for l in tail:
            print("  | " + l[:300], file=sys.stderr)
        sys.stderr.flush()

    # ------------------------------------------------------------ runs
    def execute(self, cmd, env, current):
        """Runs cmd (stdout and stderr together), refreshing the progress
        line; returns (exit status or None if it ran past RUN_TIMEOUT and
        was killed, output)."""
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
        t0 = time.monotonic()
        try:
            while True:
                try:
                    out, _ = p.communicate(timeout=0.5)
                    return p.returncode, out.decode("utf-8", "replace")
                except subprocess.TimeoutExpired:
                    if time.monotonic() - t0 > RUN_TIMEOUT:
                        p.kill()
                        out, _ = p.communicate()
                        return None, out.decode("utf-8", "replace")
                    self.progress(current)
        except BaseException:
            p.kill()
            p.wait()
            raise

    def run_stress(self, k, name, run_seed):
        cmd = [self.programs[name]]
        env = {"CT_SOAK_SEED": str(run_seed)}
        rc, out = self.execute(cmd, env, "run %d: %s" % (k, name))
        if rc is None:
            self.violation(k, "%s did not finish within %d s (hang)" % (name, RUN_TIMEOUT),
                           cmd, env, out)
            return
        if rc != 0:
            self.violation(k, "%s exited with status %d" % (name, rc), cmd, env, out)
            return
        totals = None
        for line in out.splitlines():
            if line.startswith("TOTAL "):
                totals = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        if totals is None:
            self.violation(k, "%s printed no TOTAL line" % name, cmd, env, out)
            return
        for key in TOTAL_KEYS:
            try:
                self.totals[key] += int(totals.get(key, 0))
            except ValueError:
                self.violation(k, "%s: bad TOTAL value %s=%r" % (name, key, totals[key]),
                               cmd, env, out)
        if self.opts["verbose"]:
            self.clear()
            print("run %d: %s seed %d: ok, %s" % (k, name, run_seed,
                                                 " ".join("%s=%s" % kv for kv in totals.items())))

    def run_bench(self, k, rng):
        picked = []
        for _ in range(rng.randint(2, 6)):
            picked.append(rng.choice(self.names))
        picked = sorted(set(picked))
        threads = sorted({t for _, t, _ in picked})
        places = sorted({p for _, _, p in picked})
        duration = rng.choice(["0.002", "0.005", "0.01", "0.02"])
        names = [n for n, _, _ in picked]
        regex = "^(%s)$" % "|".join(ere_escape(n) for n in names)
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            out = os.path.join(tmp, "out.json")
            cmd = [self.bench, "--threads=" + ",".join(map(str, threads)),
                   "--place=" + ",".join(places), "--duration=" + duration,
                   "--watchdog=%d" % BENCH_WATCHDOG, "--benchmark_filter=" + regex]
            full = cmd + ["--benchmark_out=" + out, "--benchmark_out_format=json"]
            rc, output = self.execute(full, None, "run %d: contend-bench" % k)
            if rc is None:
                self.violation(k, "contend-bench did not finish within %d s" % RUN_TIMEOUT, cmd,
                               None, output)
                return
            data = None
            try:
                with open(out) as f:
                    data = json.load(f)
            except (OSError, ValueError) as e:
                self.violation(k, "contend-bench wrote no readable JSON (%s), exit status %d"
                               % (e, rc), cmd, None, output)
                return
        if rc != 0:
            self.violation(k, "contend-bench exited with status %d" % rc, cmd, None, output)
        seen = set()
        for b in data.get("benchmarks", []):
            name = b.get("run_name") or b.get("name", "?")
            seen.add(name)
            if b.get("error_occurred"):
                self.violation(k, "%s: error: %s" % (name, b.get("error_message")), cmd,
                               None, output)
                continue
            if not b.get("iterations", 0) >= 1:
                self.violation(k, "%s: no iterations" % name, cmd, None, output)
                continue
            fam, impl = name.split("/")[:2]
            if fam == "counter" and impl != "racy" and b.get("lost_updates", 0) != 0:
                self.violation(k, "%s: %s lost updates under a lock" % (name, b["lost_updates"]),
                               cmd, None, output)
            self.bench_totals["benchmarks"] += 1
            self.bench_totals["bench_ops"] += int(b["iterations"])
            if fam in ("queue", "ring"):
                self.bench_totals["bench_items"] += int(b["iterations"])
        for n in names:
            if n not in seen:
                self.violation(k, "%s: no result reported" % n, cmd, None, output)
        if self.opts["verbose"]:
            self.clear()
            print("run %d: contend-bench %d benchmarks, duration %s: ok" % (k, len(names), duration))

    def loop(self):
        if self.bench:
            self.list_benchmarks()
        kinds = [p for p in STRESS if p in self.programs]
        if self.bench and self.names:
            kinds.append("contend-bench")
        missing = [p for p in STRESS if p not in self.programs]
        print("%s: seed %d, %g minutes, build %s, %d CPUs" % (PROG, self.seed, self.opts["minutes"],
                                                             rel(self.build), self.npus), flush=True)
        if missing:
            print("%s: not built, skipped: %s" % (PROG, ", ".join(missing)), flush=True)
        if "contend-bench" not in kinds:
            print("%s: contend-bench not built (or lists nothing): no benchmark load" % PROG,
                  flush=True)
        if not kinds:
            print("%s: nothing to run in %s (build first)" % (PROG, rel(self.build)),
                  file=sys.stderr)
            return 1
        deadline = self.start + self.opts["minutes"] * 60
        k = 0
        while time.monotonic() < deadline:
            rng = random.Random((self.seed * 1000003 + k) % (2 ** 63))
            kind = rng.choices(kinds, weights=[WEIGHTS[x] for x in kinds])[0]
            run_seed = rng.randrange(2 ** 62)
            self.progress("run %d: %s" % (k, kind))
            if kind == "contend-bench":
                self.run_bench(k, rng)
            else:
                self.run_stress(k, kind, run_seed)
            self.runs[kind] = self.runs.get(kind, 0) + 1
            k += 1
            if len(self.violations) >= MAX_VIOLATIONS:
                self.clear()
                print("%s: %d violations: stopping early" % (PROG, len(self.violations)),
                      file=sys.stderr)
                break
        self.clear()
        return 0

    def report(self):
        minutes = self.elapsed() / 60
        print("%s: %.1f minutes, seed %d, %d runs (%s)" % (
            PROG, minutes, self.seed, sum(self.runs.values()),
            ", ".join("%s %d" % kv for kv in sorted(self.runs.items())) or "none"))
        t = self.totals
        print("  stress programs: %d items, %d operations, %d timeouts, %d closes, "
              "%d faults injected" % (t["items"], t["ops"], t["timeouts"], t["closes"],
                                      t["faults"]))
        b = self.bench_totals
        print("  contend-bench: %d benchmarks, %d operations, %d queue/ring items"
              % (b["benchmarks"], b["bench_ops"], b["bench_items"]))
        print("  violations: %d" % len(self.violations))
        for tag, what, repro in self.violations:
            print("    %s: %s\n      reproduce: %s" % (tag, what, repro))
        print("SOAK minutes=%.2f seed=%d runs=%d items=%d ops=%d timeouts=%d closes=%d faults=%d "
              "benchmarks=%d bench_ops=%d bench_items=%d violations=%d"
              % (minutes, self.seed, sum(self.runs.values()), t["items"], t["ops"],
                 t["timeouts"], t["closes"], t["faults"], b["benchmarks"], b["bench_ops"],
                 b["bench_items"], len(self.violations)), flush=True)


def human(n):
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= div:
            return "%.1f%s" % (n / div, unit)
    return str(n)


def ere_escape(s):
    """Escapes s for a POSIX extended regular expression."""
    return re.sub(r"([.\[\]{}()\\*+?^$|])", r"\\\1", s)


def main(argv):
    opts = parse_args(argv)
    soak = Soak(opts)
    try:
        rc = soak.loop()
    except KeyboardInterrupt:
        soak.clear()
        print("%s: interrupted" % PROG, file=sys.stderr)
        soak.report()
        return 130
    soak.report()
    if rc:
        return rc
    return 1 if soak.violations else 0


def cli(argv):
    sys.exit(main(argv))
