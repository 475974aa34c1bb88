"""contend.peers.output — the JSON document (Google Benchmark 1.7.1 layout), its context, the console table."""

import datetime
import os
import platform
import socket
import sys
import sysconfig

from ..io import json_text
from ..host import caches, cpulist, mhz, revision, scaling
from .common import CFG, IMPLS, LOCK_EVERY, QUEUE_EVERY


def json_row(row):
    """One benchmark object, its keys in the order Google Benchmark 1.7.1 writes them."""
    kv = [("name", row["name"]), ("family_index", row["family_index"]),
          ("per_family_instance_index", row["per_family_instance_index"]),
          ("run_name", row["run_name"]), ("run_type", row["run_type"]),
          ("repetitions", row["repetitions"])]
    if row["run_type"] != "aggregate":
        kv.append(("repetition_index", row["repetition_index"]))
    kv.append(("threads", row["threads"]))
    if row["run_type"] == "aggregate":
        kv += [("aggregate_name", row["aggregate_name"]),
               ("aggregate_unit", row["aggregate_unit"])]
    if "error" in row:
        kv += [("error_occurred", True), ("error_message", row["error"])]
    kv += [("iterations", int(row["iterations"])), ("real_time", float(row["real_time"])),
           ("cpu_time", float(row["cpu_time"])), ("time_unit", "ns")]
    kv += [(k, float(row["counters"][k])) for k in sorted(row["counters"])]
    if row.get("label"):
        kv.append(("label", row["label"]))
    return dict(kv)


def json_document(context, rows):
    """The whole file: strict JSON (a NaN or infinity is written as 0)."""
    return json_text({"context": context, "benchmarks": [json_row(r) for r in rows]})


def make_context(opts, topo, timer_ns, busy):
    """Google Benchmark's context, then contend-bench's keys, then Python's."""
    try:
        load = list(os.getloadavg())
    except OSError:
        load = [0.0, 0.0, 0.0]
    s = CFG["sample"]
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": sys.argv[0],
        "num_cpus": os.cpu_count() or 1,
        "mhz_per_cpu": mhz(),
        "cpu_scaling_enabled": scaling(),
        "caches": caches(),
        "load_avg": load,
        "library_build_type": "debug" if sysconfig.get_config_var("Py_DEBUG") else "release",
        "contend_revision": revision(),
        "policies": ",".join(opts["places"]),
        "thread_counts": ",".join(str(t) for t in opts["threads"]),
        "allowed_pus": cpulist(topo.allowed),
        "allowed_pu_count": str(len(topo.allowed)),
        "timer_overhead_ns": "%.1f" % timer_ns,
        "timer_correction_ns": "%d" % CFG["correction_ns"],
        "binding": ("ok" if not CFG["bind_refused"] else
                    "refused (%s): workers run unpinned" % os.strerror(CFG["bind_refused"])),
        "latency_sampling": ("off" if s == 0 else "1 in %d (chunked workloads)" % s if s > 0
                             else "1 in ~%d (locks), ~%d (queues); every ping-pong, broadcast"
                                  " and timed wait" % (LOCK_EVERY, QUEUE_EVERY)),
        "duration_s": "%g" % opts["duration"],
        "outside_ns": "%d" % CFG["outside_ns"],
        "timed_wait_ns": "%d" % CFG["timed_wait_ns"],
        "work_loop_ns_per_iter": "%.3f" % busy.b,
        "impls": ",".join(IMPLS),
        "impls_missing": "none",
        "python_version": platform.python_version(),
        "implementation": "%s %s (%s)" % (platform.python_implementation(),
                                          platform.python_version(),
                                          ", ".join(platform.python_build())),
        "python_executable": sys.executable,
        "gil_switch_interval_s": "%g" % sys.getswitchinterval(),
        "topology_source": "hwloc, through contend-bench --plan (compact, scatter)",
        "timer": "time.perf_counter_ns (CLOCK_MONOTONIC)",
        "busy_loop": busy.describe(),
    }


# ------------------------------------------------------------------ console

_BIG = "kMGTPEZY"
_SMALL = "munpfazy"


def human(v):
    """Google Benchmark's HumanReadableNumber (base 1000)."""
    sign = "-" if v < 0 else ""
    v = abs(v)
    big, small = 1.1 * 1000, 1.1
    if v > big:
        scaled = v
        for unit in _BIG:
            scaled /= 1000
            if scaled <= big:
                return "%s%g%s" % (sign, scaled, unit)
    elif v < small and v < 0.01 and v != 0:
        scaled = v
        for unit in _SMALL:
            scaled *= 1000
            if scaled >= small:
                return "%s%g%s" % (sign, scaled, unit)
    return "%s%g" % (sign, v)


def _fmt_time(t):
    if t < 1.0:
        return "%10.3f" % t
    if t < 10.0:
        return "%10.2f" % t
    if t < 100.0:
        return "%10.1f" % t
    if t > 9999999999:
        return "%1.4e" % t
    return "%10.0f" % t


class Console:
    def __init__(self, stream, width):
        self.out = stream
        self.width = width
        self.header_done = False

    def header(self):
        s = "%-*s %13s %15s %12s UserCounters..." % (self.width, "Benchmark", "Time", "CPU",
                                                     "Iterations")
        line = "-" * len(s)
        self.out.write("%s\n%s\n%s\n" % (line, s, line))

    def row(self, row):
        if not self.header_done:
            self.header()
            self.header_done = True
        name = "%-*s " % (self.width, row["name"])
        if "error" in row:
            self.out.write("%sERROR OCCURRED: '%s'\n" % (name, row["error"]))
            self.out.flush()
            return
        pct = row.get("aggregate_unit") == "percentage"
        if pct:
            times = "%10.2f %-4s %10.2f %-4s " % (row["real_time"] * 100, "%",
                                                 row["cpu_time"] * 100, "%")
        else:
            times = "%s %-4s %s %-4s " % (_fmt_time(row["real_time"]), "ns",
                                          _fmt_time(row["cpu_time"]), "ns")
        cs = []
        for k in sorted(row["counters"]):
            v = row["counters"][k]
            cs.append(" %s=%s" % (k, ("%.2f%%" % (v * 100)) if pct else human(v)))
        label = (" " + row["label"]) if row.get("label") else ""
        self.out.write("%s%s%10d%s%s\n" % (name, times, row["iterations"], "".join(cs), label))
        self.out.flush()


def context_banner(ctx, stream):
    stream.write("%s\nRunning %s\nRun on (%d X %d MHz CPU s)\nCPU Caches:\n"
                 % (ctx["date"], ctx["executable"], ctx["num_cpus"], ctx["mhz_per_cpu"]))
    for c in ctx["caches"]:
        n = max(1, ctx["num_cpus"] // max(1, c["num_sharing"]))
        stream.write("  L%d %s %d KiB (x%d)\n" % (c["level"], c["type"], c["size"] // 1024, n))
    stream.write("Load Average: %s\n" % ", ".join("%.2f" % x for x in ctx["load_avg"]))
    std = ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu",
           "cpu_scaling_enabled", "caches", "load_avg", "library_build_type")
    for k, v in ctx.items():
        if k not in std:
            stream.write("%s: %s\n" % (k, v))
    stream.flush()


# -------------------------------------------------------------- arguments
