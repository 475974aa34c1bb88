"""contend.host — facts about this machine: CPU model, PUs, topology counts
from an hwloc export, OS, toolchain, library versions, the platform slug."""

import json
import os
import platform
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def run_quiet(cmd, timeout=60, **kw):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, **kw)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, "", str(e)


def cpulist(cpus):
    """[0, 1, 2, 3, 8] -> '0-3,8'."""
    cpus = sorted(set(cpus))
    out = []
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)


def hwloc_mask(text):
    """A set of PU numbers from an hwloc cpuset string '0xffffffff,0x3'."""
    if not text:
        return set()
    bits = int("".join(part.replace("0x", "").rjust(8, "0") for part in text.split(",")) or "0",
               16)
    return {i for i in range(bits.bit_length()) if bits >> i & 1}


def topology_counts(xml_path, allowed=None):
    """Object counts and CPU model from an hwloc XML export, counting only
    objects that hold an allowed PU (the process's affinity: a run under
    `taskset -c 0` is a 1-PU platform). pus_total counts every PU."""
    info = {}
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return info
    counts = {}
    total_pus = 0
    model = None
    for obj in root.iter("object"):
        t = obj.get("type")
        if t == "PU":
            total_pus += 1
        cpus = hwloc_mask(obj.get("cpuset"))
        if allowed is not None and cpus and not cpus & allowed:
            continue
        # hwloc 1 names caches "Cache" with a depth attribute.
        if t == "Cache" and obj.get("depth") == "3":
            t = "L3Cache"
        counts[t] = counts.get(t, 0) + 1
        if model is None:
            for inf in obj.findall("info"):
                if inf.get("name") == "CPUModel":
                    model = inf.get("value")
    info.update(pus=counts.get("PU"), cores=counts.get("Core"),
                packages=counts.get("Package") or counts.get("Socket"),
                numa_nodes=counts.get("NUMANode") or 1, l3_caches=counts.get("L3Cache", 0),
                pus_total=total_pus)
    if model:
        info["cpu_model"] = model
    return info


def allowed_cpus():
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return set(range(os.cpu_count() or 1))


def cpu_model_fallback():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def os_pretty():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "%s %s" % (platform.system(), platform.release())


def read_first(path):
    try:
        with open(path) as f:
            return f.read().strip() or None
    except OSError:
        return None


def virtualization():
    if shutil.which("systemd-detect-virt"):
        rc, out, _ = run_quiet(["systemd-detect-virt"], timeout=10)
        v = out.strip()
        if v:
            return v
    rc, out, _ = run_quiet(["lscpu"], timeout=10)
    m = re.search(r"Hypervisor vendor:\s*(\S+)", out)
    return m.group(1) if m else None


def host_info(run_dir):
    allowed = sorted(allowed_cpus())
    host = topology_counts(os.path.join(run_dir, "topology.xml"), set(allowed))
    if not host.get("pus"):
        host["pus"] = len(allowed)
    host.setdefault("cpu_model", cpu_model_fallback())
    host["allowed_pus"] = cpulist(allowed)
    if host.get("cores"):
        host["smt"] = max(1, host["pus"] // host["cores"])
    host["os"] = os_pretty()
    host["system"] = platform.system()
    host["kernel"] = platform.release()
    host["machine"] = platform.machine()
    host["governor"] = read_first("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    host["virtualization"] = virtualization()
    return host


def toolchain(build_dir):
    tc = {"python": platform.python_version()}
    intro = os.path.join(build_dir, "meson-info", "intro-compilers.json") if build_dir else None
    try:
        with open(intro) as f:
            comp = json.load(f)
        c = comp.get("host", {}).get("c") or {}
        cxx = comp.get("host", {}).get("cpp") or {}
        if c:
            tc["compiler"] = "%s %s" % (c.get("id"), c.get("full_version") or c.get("version"))
        if cxx:
            tc["cxx_compiler"] = "%s %s" % (cxx.get("id"), cxx.get("version"))
    except (OSError, TypeError, ValueError):
        rc, out, _ = run_quiet(["cc", "--version"], timeout=10)
        if rc == 0 and out:
            tc["compiler"] = out.splitlines()[0]
    rc, out, _ = run_quiet(["meson", "--version"], timeout=20)
    if rc == 0:
        tc["meson"] = out.strip()
    return tc


DEB_LIBS = (("google_benchmark", "libbenchmark-dev"), ("hwloc", "libhwloc-dev"),
            ("concurrency_kit", "libck-dev"), ("onetbb", "libtbb-dev"),
            ("boost", "libboost-dev"), ("gnuplot", "gnuplot-nox"))


def libraries():
    libs = {}
    if not shutil.which("dpkg-query"):
        return libs
    for key, pkg in DEB_LIBS:
        rc, out, _ = run_quiet(["dpkg-query", "-W", "-f=${Version}", pkg], timeout=20)
        if rc == 0 and out.strip():
            libs[key] = out.strip()
    return libs


def git_info():
    rc, rev, _ = run_quiet(["git", "-C", REPO, "rev-parse", "HEAD"], timeout=20)
    if rc != 0:
        return {}
    info = {"revision": rev.strip()}
    rc, desc, _ = run_quiet(["git", "-C", REPO, "describe", "--always", "--dirty"], timeout=20)
    if rc == 0:
        info["describe"] = desc.strip()
    rc, st, _ = run_quiet(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                          timeout=20)
    info["dirty"] = bool(st.strip()) if rc == 0 else None
    return info

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


def parse_cpu_list(text):
    """'0-3,8' -> [0, 1, 2, 3, 8]; raises ValueError."""
    out = []
    for item in text.split(","):
        lo, sep, hi = item.partition("-")
        if not lo.isdigit() or (sep and not hi.isdigit()):
            raise ValueError(item)
        a, b = int(lo), int(hi) if sep else int(lo)
        if b < a:
            raise ValueError(item)
        out.extend(range(a, b + 1))
    return out




def _int_or(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default



def caches():
    out = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    kinds = {"Data": "Data", "Instruction": "Instruction", "Unified": "Unified"}
    for idx in range(16):
        d = "%s/index%d" % (base, idx)
        typ = read_first(d + "/type")
        if typ is None:
            break
        size = read_first(d + "/size") or "0"
        m = re.match(r"(\d+)([KMG]?)", size)
        mult = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}[m.group(2)] if m else 0
        shared = read_first(d + "/shared_cpu_list")
        try:
            sharing = len(parse_cpu_list(shared)) if shared else 1
        except ValueError:
            sharing = 1
        out.append({"type": kinds.get(typ, typ), "level": _int_or(read_first(d + "/level"), 0),
                    "size": int(m.group(1)) * mult if m else 0, "num_sharing": sharing})
    return out


def mhz():
    text = read_first("/proc/cpuinfo") or ""
    m = re.search(r"^cpu MHz\s*:\s*([0-9.]+)", text, re.M)
    if m:
        return int(round(float(m.group(1))))
    khz = _int_or(read_first("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"), 0)
    return khz // 1000


def scaling():
    gov = read_first("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return gov is not None and gov != "performance"


def revision():
    """git describe of the checkout holding this script, or 'unknown'."""
    try:
        p = subprocess.run(["git", "-C", REPO,
                            "describe", "--always", "--dirty"],
                           capture_output=True, text=True, timeout=5)
        return p.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
