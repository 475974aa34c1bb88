#!/usr/bin/python3
"""Tests of scripts/python-peers: names, Google Benchmark JSON, counters,
checks that fire, bad input, placement from contend-bench --plan (its
golden table, and this machine when contend-bench is built).

Runs the script with tiny durations (a few seconds in all). Standard
library only: /usr/bin/python3 -m unittest scripts/tests/test_python_peers.py
"""

import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "python-peers")
PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

COUNTERS = ("ops_per_s", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns", "fairness",
            "cpu_per_op_ns", "ctx_switches_per_op", "misplaced", "tail_frac")
NAME_RE = re.compile(
    r"^(counter/cpython_r?lock"
    r"|mutex/cpython_lock/cs_ns:\d+"
    r"|rmutex/cpython_rlock/depth:\d+"
    r"|event/cpython_event/(pingpong|broadcast|timed_wait)"
    r"|queue/cpython_queue/(pc:\d+x\d+/cap:\d+/mode:(block|try|timed)"
    r"|pairs/cap:\d+|pingpong/cap:\d+)"
    r"|pool/cpython_pool/(empty|roundtrip/gap_us:\d+|forkjoin|as_completed/tasks:\d+|fib:\d+"
    r"|work_ns:\d+))"
    r"/threads:(?P<threads>\d+)/place:(none|compact|scatter|cpus:[0-9,-]+)$")


def load_module():
    """The python-peers package, its modules' names in one namespace."""
    sys.path.insert(0, os.path.join(HERE, ".."))
    import types
    from contend import host
    from contend.peers import benches, cli, common, output, placement, team
    ns = types.SimpleNamespace()
    for mod in (host, common, team, placement, benches, output, cli):
        ns.__dict__.update({k: v for k, v in vars(mod).items() if not k.startswith("__")})
    return ns


def run(args, env=None, timeout=300):
    e = dict(os.environ)
    e.pop("CONTEND_PEERS_INJECT", None)
    if env:
        e.update(env)
    return subprocess.run([PY, SCRIPT] + args, capture_output=True, text=True,
                          timeout=timeout, env=e)


class RunTest(unittest.TestCase):
    """One real run of a cross-section of every family, two repetitions."""

    FILTER = (r"^(counter/|mutex/cpython_lock/cs_ns:(0|50)/|rmutex/cpython_rlock/depth:4/"
              r"|event/|queue/cpython_queue/(pc:1x1/cap:16/|pairs/cap:1/|pingpong/cap:16/))")

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "peers.json")
        cls.proc = run(["--threads=1,2", "--place=none,compact", "--duration=0.02",
                        "--benchmark_repetitions=2", "--benchmark_filter=" + cls.FILTER,
                        "--benchmark_out=" + cls.out, "--benchmark_out_format=json"])
        with open(cls.out) as f:
            cls.doc = json.load(f)
        cls.listed = run(["--list", "--threads=1,2", "--place=none,compact",
                          "--benchmark_filter=" + cls.FILTER]).stdout.split()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_exit_status(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)

    def test_context(self):
        ctx = self.doc["context"]
        for key in ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "caches",
                    "library_build_type", "python_version", "implementation", "policies",
                    "allowed_pus", "timer_overhead_ns"):
            self.assertIn(key, ctx)
        self.assertIsInstance(ctx["num_cpus"], int)
        self.assertIsInstance(ctx["caches"], list)
        self.assertEqual(ctx["policies"], "none,compact")
        self.assertTrue(ctx["python_version"].startswith("3."))
        self.assertGreater(float(ctx["timer_overhead_ns"]), 0)

    def iterations(self):
        return [b for b in self.doc["benchmarks"] if b["run_type"] == "iteration"]

    def test_names_are_the_listed_ones(self):
        names = []
        for b in self.iterations():
            if b["name"] not in names:
                names.append(b["name"])
        self.assertEqual(names, self.listed)
        for n in names:
            m = NAME_RE.match(n)
            self.assertTrue(m, n)
        self.assertIn("mutex/cpython_lock/cs_ns:0/threads:2/place:compact", names)
        self.assertIn("queue/cpython_queue/pc:1x1/cap:16/mode:block/threads:2/place:none", names)
        self.assertIn("event/cpython_event/pingpong/threads:2/place:none", names)
        # Families in order, each name once per family index.
        fam = [n.split("/")[0] for n in names]
        self.assertEqual(fam, sorted(fam, key=("counter", "mutex", "rmutex", "event",
                                               "queue").index))

    def test_iteration_rows(self):
        rows = self.iterations()
        self.assertEqual(len(rows), 2 * len(self.listed))
        for b in rows:
            with self.subTest(name=b["name"]):
                self.assertNotIn("error_occurred", b, b.get("error_message"))
                self.assertEqual(b["run_name"], b["name"])
                self.assertEqual(b["threads"], 1)
                self.assertEqual(b["repetitions"], 2)
                self.assertIn(b["repetition_index"], (0, 1))
                self.assertEqual(b["per_family_instance_index"], 0)
                self.assertEqual(b["time_unit"], "ns")
                self.assertGreater(b["iterations"], 0)
                self.assertGreater(b["real_time"], 0)
                for c in COUNTERS:
                    self.assertIn(c, b)
                    self.assertTrue(math.isfinite(b[c]))
                self.assertAlmostEqual(b["ops_per_s"] * b["real_time"] / 1e9, 1.0, places=6)
                self.assertGreater(b["fairness"], 0)
                self.assertLessEqual(b["fairness"], 1.0 + 1e-9)
                self.assertGreaterEqual(b["tail_frac"], 0)
                self.assertLessEqual(b["tail_frac"], 1)
                self.assertLessEqual(b["p50_ns"], b["p90_ns"])
                self.assertLessEqual(b["p90_ns"], b["p99_ns"])
                self.assertLessEqual(b["p99_ns"], b["p999_ns"])
                self.assertLessEqual(b["p999_ns"], b["max_ns"])
                self.assertGreater(b["p50_ns"], 0)
                if not b.get("label"):      # binding worked: nothing misplaced
                    self.assertEqual(b["misplaced"], 0)
                if "/threads:1/" in b["name"]:
                    self.assertEqual(b["tail_frac"], 0)
                    self.assertEqual(b["fairness"], 1)
                if b["name"].startswith("counter/"):
                    self.assertEqual(b["lost_updates"], 0)

    def test_family_indices(self):
        seen = {}
        for b in self.doc["benchmarks"]:
            seen.setdefault(b["family_index"], set()).add(b["run_name"])
        self.assertEqual(sorted(seen), list(range(len(self.listed))))
        for names in seen.values():
            self.assertEqual(len(names), 1)

    def test_aggregates(self):
        aggs = [b for b in self.doc["benchmarks"] if b["run_type"] == "aggregate"]
        self.assertEqual(len(aggs), 4 * len(self.listed))
        for b in aggs:
            with self.subTest(name=b["name"]):
                self.assertEqual(b["name"], b["run_name"] + "_" + b["aggregate_name"])
                self.assertIn(b["aggregate_name"], ("mean", "median", "stddev", "cv"))
                self.assertEqual(b["aggregate_unit"],
                                 "percentage" if b["aggregate_name"] == "cv" else "time")
                self.assertEqual(b["iterations"], 2)
                self.assertNotIn("repetition_index", b)
                for c in COUNTERS:
                    self.assertIn(c, b)
        # mean is the mean of the two repetitions
        by = {}
        for b in self.iterations():
            by.setdefault(b["name"], []).append(b["real_time"])
        for b in aggs:
            if b["aggregate_name"] == "mean":
                reps = by[b["run_name"]]
                self.assertAlmostEqual(b["real_time"], sum(reps) / 2, delta=1e-9 * b["real_time"])

    def test_gb_layout(self):
        with open(self.out) as f:
            text = f.read()
        self.assertTrue(text.startswith('{\n  "context": {\n    "date": '))
        self.assertIn('\n  "benchmarks": [\n    {\n      "name": ', text)
        # Google Benchmark 1.7.1's key order in each run object.
        first = json.loads(text)["benchmarks"][0]
        self.assertEqual(list(first)[:8], ["name", "family_index", "per_family_instance_index",
                                           "run_name", "run_type", "repetitions",
                                           "repetition_index", "threads"])
        self.assertEqual(list(first)[8:12], ["iterations", "real_time", "cpu_time",
                                             "time_unit"])


class ConsoleTest(unittest.TestCase):
    def test_table(self):
        p = run(["--threads=1", "--duration=0.01",
                 "--benchmark_filter=^mutex/cpython_lock/cs_ns:0/"])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        self.assertRegex(lines[1], r"^Benchmark +Time +CPU +Iterations UserCounters\.\.\.$")
        self.assertTrue(set(lines[0]) == {"-"} and lines[0] == lines[2])
        self.assertRegex(lines[3], r"^mutex/cpython_lock/cs_ns:0/threads:1/place:none +"
                                   r"[0-9.]+ ns +[0-9.]+ ns +\d+ .*ops_per_s=")
        self.assertIn("Run on (", p.stderr)

    def test_pool_roundtrip_min_samples(self):
        # A 0.01 s trial of gap-1000 round trips (~1.1 ms each) times ~9 of
        # them; the row runs POOL_RT_SAMPLES at least, as contend-bench's.
        sys.path.insert(0, os.path.join(HERE, ".."))
        from contend.peers import pools
        p = run(["--threads=1", "--place=none", "--duration=0.01",
                 "--benchmark_filter=^pool/cpython_pool/roundtrip/gap_us:1000/",
                 "--benchmark_format=json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = json.loads(p.stdout)["benchmarks"]
        self.assertEqual(len(rows), 1)
        self.assertGreaterEqual(rows[0]["iterations"], pools.POOL_RT_SAMPLES)
        self.assertGreaterEqual(pools.POOL_RT_SAMPLES, 100)


class ErrorTest(unittest.TestCase):
    def test_checksum_mismatch_is_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "o.json")
            p = run(["--threads=2", "--place=none", "--duration=0.02",
                     "--benchmark_repetitions=2",
                     "--benchmark_filter=^queue/cpython_queue/(pc:1x1/cap:16/mode:block"
                     "|pairs/cap:1/|pingpong/cap:1/)", "--benchmark_out=" + out],
                    env={"CONTEND_PEERS_INJECT": "queue-drop"})
            self.assertEqual(p.returncode, 1, p.stderr)
            with open(out) as f:
                doc = json.load(f)
        rows = doc["benchmarks"]
        self.assertEqual(len(rows), 6)     # 3 names x 2 repetitions, no aggregates
        for b in rows:
            self.assertIs(b["error_occurred"], True)
            self.assertRegex(b["error_message"], r"checksum")


# Bad values, unwritable, read-only and full --benchmark_out, a filter that
# matches nothing: scripts/tests/test_bad_inputs.py.


class ListTest(unittest.TestCase):
    def test_list(self):
        p = run(["--list", "--threads=1-3", "--place=none,cpus:0"])
        self.assertEqual(p.returncode, 0, p.stderr)
        names = p.stdout.split()
        self.assertEqual(len(names), len(set(names)))
        for n in names:
            self.assertTrue(NAME_RE.match(n), n)
            threads = int(NAME_RE.match(n).group("threads"))
            m = re.search(r"/pc:(\d+)x(\d+)/", n)
            if m:
                self.assertEqual(int(m.group(1)) + int(m.group(2)), threads)
        self.assertIn("mutex/cpython_lock/cs_ns:1000/threads:3/place:cpus:0", names)
        self.assertIn("queue/cpython_queue/pc:1x2/cap:1024/mode:timed/threads:3/place:none",
                      names)
        self.assertIn("queue/cpython_queue/pingpong/cap:1/threads:2/place:none", names)
        self.assertIn("event/cpython_event/broadcast/threads:3/place:none", names)
        self.assertNotIn("event/cpython_event/broadcast/threads:1/place:none", names)
        p = run(["--list", "--threads=1,4"])
        self.assertFalse([n for n in p.stdout.split() if "pingpong" in n])

    def test_help(self):
        p = run(["--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("--benchmark_out", p.stdout)


class UnitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = load_module()

    def test_plan_from_contend_bench(self):
        """Placement reads contend-bench --plan's table (bench/placement's
        golden output: the same text the real program prints)."""
        golden = os.path.join(HERE, "..", "..", "bench", "placement", "tests", "plan_golden.txt")
        with open(golden) as f:
            text = f.read()
        plans = self.m.parse_plan(text)
        self.assertEqual(plans[("compact", 4)], [0, 1, 2, 3])
        self.assertEqual(plans[("scatter", 4)], [0, 8, 16, 24])
        self.assertEqual(plans[("none", 4)], [])
        for (policy, n), pus in plans.items():
            if policy != "none":
                self.assertEqual(len(pus), n, (policy, n))

    def test_policies(self):
        topo = self.m.Placement(allowed=[0, 1, 2, 3])
        self.assertEqual(topo.plan("none", 3), [-1, -1, -1])
        self.assertEqual(topo.plan("cpus:3,1", 3), [3, 1, 3])
        topo._plans[("scatter", 2)] = [0, 2]
        self.assertEqual(topo.plan("scatter", 2), [0, 2])

    def test_plan_on_this_machine(self):
        """compact and scatter as contend-bench places them, when it is built."""
        try:
            self.m.contend_bench()
        except self.m.PlanError as e:
            self.skipTest(str(e))
        topo = self.m.Placement()
        n = len(topo.allowed)
        for policy in ("compact", "scatter"):
            pus = topo.plan(policy, 2 * n)
            self.assertEqual(len(pus), 2 * n)
            self.assertEqual(sorted(set(pus)), topo.allowed)    # every PU, wrapped once
            self.assertEqual(pus[n:], pus[:n])

    def test_missing_contend_bench(self):
        p = run(["--threads=1", "--place=compact", "--duration=0.01",
                 "--benchmark_filter=^mutex/cpython_lock/cs_ns:0/"],
                env={"CONTEND_BENCH": "/nonexistent/contend-bench"})
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("contend-bench", p.stderr)
        self.assertEqual(p.stdout, "")

    def test_parse_places(self):
        topo = self.m.Placement(allowed=[0, 1, 2, 3])
        self.assertEqual(self.m.parse_places("none,cpus:0,2,compact,cpus:1-3", topo),
                         ["none", "cpus:0,2", "compact", "cpus:1-3"])
        with self.assertRaises(self.m.UsageError):
            self.m.parse_places("cpus:0,9", topo)

    def test_parse_threads(self):
        self.assertEqual(self.m.parse_threads("1,2,4"), [1, 2, 4])
        self.assertEqual(self.m.parse_threads("1-3,8"), [1, 2, 3, 8])
        for bad in ("", "0", "1,", "a", "3-1", "1-"):
            with self.assertRaises(self.m.UsageError):
                self.m.parse_threads(bad)

    def test_statistics(self):
        self.assertAlmostEqual(self.m.jain([5, 5, 5]), 1.0)
        self.assertAlmostEqual(self.m.jain([1, 0, 0, 0]), 0.25)
        xs = list(range(1, 1001))
        self.assertEqual(self.m.percentile(xs, 0.5), 500)
        self.assertEqual(self.m.percentile(xs, 0.99), 990)
        self.assertEqual(self.m.percentile(xs, 0.999), 999)
        self.assertEqual(self.m.percentile([], 0.5), 0.0)

    def test_human(self):
        self.assertEqual(self.m.human(1.5e6), "1.5M")
        self.assertEqual(self.m.human(0.99), "0.99")
        self.assertEqual(self.m.human(123), "123")
        self.assertEqual(self.m.human(12.9048e-9), "12.9048n")
        self.assertEqual(self.m.human(0), "0")

    def test_aggregates_skip_errors(self):
        bench = self.m.Bench("mutex", "cpython_lock", ["cs_ns:0"], 2, "none", None)
        ok = {"ops": 10, "real_time": 2.0, "cpu_time": 1.0, "counters": {"ops_per_s": 5e8}}
        ok2 = {"ops": 10, "real_time": 4.0, "cpu_time": 3.0, "counters": {"ops_per_s": 2.5e8}}
        rows, aggs = self.m.gb_rows(bench, 0, [ok, {"error": "x"}, ok2], "")
        self.assertEqual([r.get("error") for r in rows], [None, "x", None])
        self.assertEqual([a["aggregate_name"] for a in aggs], ["mean", "median", "stddev", "cv"])
        self.assertEqual(aggs[0]["real_time"], 3.0)
        self.assertEqual(aggs[0]["iterations"], 2)
        self.assertAlmostEqual(aggs[3]["real_time"], math.sqrt(2) / 3)
        rows, aggs = self.m.gb_rows(bench, 0, [ok, {"error": "x"}], "")
        self.assertEqual(aggs, [])


if __name__ == "__main__":
    unittest.main()
