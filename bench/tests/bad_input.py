#!/usr/bin/env python3
"""bench-smoke: contend-bench rejects bad input.

Usage: bad_input.py EXE CASE

Each CASE runs contend-bench with one bad input and asserts what must
happen. By default: exit status 2, exactly one line on stderr naming the
flag and the value, and no result file created (every case passes a
--benchmark_out file). Cases about the result file itself say otherwise:
a read-only folder or a missing one is bad usage (2), a disk that fills
up while the results are written is a failed run (1, one line naming
--benchmark_out, no partial file left), and a file name that is not UTF-8
is an ordinary name (0, the file is written).

Read-only and full folders are made in a private mount namespace
(`unshare -m`, root): a read-only bind mount and a small tmpfs filled up,
seen by no other process. Without that, read-only falls back to chmod 0555
when not root (root ignores it) and the full-disk case is skipped.
Exit 0 pass, 1 fail, 77 skip. Standard library only; the table in
docs/reliability.md shows each case and what contend-bench said
(scripts/tests/bad_inputs_table.py).
"""
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

NOT_UTF8 = os.fsdecode(b"r\xffsult\xfe.json")
# A short run for the cases that must get as far as writing results.
QUICK = ["--benchmark_filter=^shim/overhead/native$", "--duration=0.001", "--threads=1",
         "--place=none", "--benchmark_format=json"]


def command(exe):
    """The command that runs exe: meson's exe wrapper first (an emulator
    such as qemu-user in cross builds, MESON_EXE_WRAPPER), if any."""
    return shlex.split(os.environ.get("MESON_EXE_WRAPPER", "")) + [exe]


def cases(tmp):
    """name: dict(args, flag, value, and optionally: what (the bad input in
    words), env (variables set for the run), status, out (the result file;
    default tmp/out.json), mount
    ('ro' or 'full': out's folder is read-only or full), written (the
    result file must exist: True for inputs that are not errors))."""
    corrupt = os.path.join(tmp, "corrupt.xml")
    empty = os.path.join(tmp, "empty.xml")
    huge = os.path.join(tmp, "huge.xml")
    ro = os.path.join(tmp, "ro")
    full = os.path.join(tmp, "full")
    missing_dir = os.path.join(tmp, "no-such-folder", "out.json")
    not_utf8_topo = os.path.join(tmp, os.fsdecode(b"topo\xff.xml"))

    def c(args, flag, value, **kw):
        return dict(args=args, flag=flag, value=value, **kw)

    def work_ns(v):
        return c(QUICK, "CTB_WORK_NS_PER_ITER", v, env={"CTB_WORK_NS_PER_ITER": v},
                 what="`CTB_WORK_NS_PER_ITER=%s` in the environment" % v)
    return {
        "threads_zero": c(["--threads=0"], "--threads", "0"),
        "threads_negative": c(["--threads=-3"], "--threads", "-3"),
        "threads_word": c(["--threads=abc"], "--threads", "abc"),
        "threads_empty": c(["--threads="], "--threads", ""),
        "threads_open_range": c(["--threads=1-"], "--threads", "1-"),
        "threads_too_many": c(["--threads=4097"], "--threads", "4097"),
        "threads_reversed": c(["--threads=8-2"], "--threads", "8-2"),
        "place_bogus": c(["--place=bogus"], "--place", "bogus"),
        "place_no_such_cpu": c(["--place=cpus:99"], "--place", "cpus:99"),
        "place_empty": c(["--place="], "--place", ""),
        "duration_zero": c(["--duration=0"], "--duration", "0"),
        "duration_negative": c(["--duration=-1"], "--duration", "-1"),
        "duration_word": c(["--duration=soon"], "--duration", "soon"),
        "topology_missing": c(["--topology=/missing.xml", "--plan"], "--topology", "/missing.xml"),
        "topology_corrupt": c(["--topology=" + corrupt, "--plan"], "--topology", corrupt,
                              what="`--topology=FILE --plan`, FILE corrupt XML"),
        "topology_empty": c(["--topology=" + empty, "--plan"], "--topology", empty,
                            what="`--topology=FILE --plan`, FILE empty"),
        "topology_huge": c(["--topology=" + huge, "--plan"], "--topology", huge,
                           what="`--topology=FILE --plan`, FILE 64 MiB of zero bytes"),
        "topology_folder": c(["--topology=" + tmp, "--plan"], "--topology", tmp,
                             what="`--topology=DIR --plan` (a folder)"),
        "topology_not_utf8": c(["--topology=" + not_utf8_topo, "--plan"], "--topology",
                               not_utf8_topo,
                               what="`--topology=FILE --plan`, FILE missing, name not UTF-8"),
        "topology_without_plan": c(["--topology=synthetic:pack:1 core:2 pu:1"], "--topology",
                                   "synthetic:pack:1 core:2 pu:1"),
        "unknown_flag": c(["--bogus"], "--bogus", ""),
        "unknown_benchmark_flag": c(["--benchmark_bogus=1"], "--benchmark_bogus", "1"),
        "bad_benchmark_format": c(["--benchmark_format=xml"], "--benchmark_format", "xml"),
        "stray_argument": c(["mutex"], "mutex", ""),
        "sample_word": c(["--sample=often"], "--sample", "often"),
        "bad_filter": c(["--benchmark_filter=("], "--benchmark_filter", "("),
        "watchdog_zero": c(["--watchdog=0"], "--watchdog", "0"),
        "out_missing_folder": c(QUICK, "--benchmark_out", missing_dir, out=missing_dir,
                                what="`--benchmark_out=FILE` in a folder that does not exist"),
        "out_is_folder": c(QUICK, "--benchmark_out", tmp, out=tmp,
                           what="`--benchmark_out=DIR` (a folder)"),
        "out_read_only": c(QUICK, "--benchmark_out", os.path.join(ro, "out.json"),
                           out=os.path.join(ro, "out.json"), mount="ro",
                           what="`--benchmark_out=FILE` in a read-only folder"),
        "out_disk_full": c(QUICK, "--benchmark_out", os.path.join(full, "out.json"),
                           out=os.path.join(full, "out.json"), mount="full", status=1,
                           what="`--benchmark_out=FILE` on a full disk (64 KiB tmpfs)"),
        "out_not_utf8": c(QUICK, "--benchmark_out", None, out=os.path.join(tmp, NOT_UTF8),
                          status=0, written=True,
                          what="`--benchmark_out=FILE`, FILE's name not UTF-8 (not an error)"),
        # The busy-work calibration given by scripts/sweep (--help,
        # "Environment"): a number of ns above 0 and below 1000.
        "work_ns_zero": work_ns("0"),
        "work_ns_negative": work_ns("-1"),
        "work_ns_word": work_ns("fast"),
        "work_ns_too_big": work_ns("1000"),
        "work_ns_nan": work_ns("nan"),
    }


def prepare(tmp):
    with open(os.path.join(tmp, "corrupt.xml"), "w") as f:
        f.write("<?xml version=\"1.0\"?>\n<topology><object type=\"Machine\"><<<garbage\n")
    open(os.path.join(tmp, "empty.xml"), "w").close()
    with open(os.path.join(tmp, "huge.xml"), "wb") as f:
        f.truncate(64 << 20)        # sparse: takes no disk space
    os.mkdir(os.path.join(tmp, "ro"))
    os.mkdir(os.path.join(tmp, "full"))


# In the private mount namespace: $1 the folder, $2 ro|full, $3 a file that
# gets the folder's listing after the command (a tmpfs vanishes with the
# namespace); then the command. Exit 97: mounting is not possible here.
MOUNT_SH = r'''
d=$1 mode=$2 listing=$3; shift 3
if [ "$mode" = ro ]; then
    mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 97
else
    mount -t tmpfs -o size=64k contend-test "$d" || exit 97
    cat /dev/zero > "$d/.ballast" 2>/dev/null
fi
"$@"; rc=$?
rm -f "$d/.ballast"
ls -A "$d" > "$listing"
exit $rc
'''


def can_mount(tmp):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = os.path.join(tmp, "probe")
    os.makedirs(probe, exist_ok=True)
    p = subprocess.run(["unshare", "-m", "sh", "-c",
                        'mount -t tmpfs -o size=4k contend-probe "$1"', "sh", probe],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p.returncode == 0


def run_case(exe, name, tmp):
    """Runs one case in tmp. Returns (problems, status, first stderr line);
    problems is None when the case cannot run here (skip: the reason in
    the line)."""
    prepare(tmp)
    table = cases(tmp)
    case = table[name]
    if name == "place_no_such_cpu" and hasattr(os, "sched_getaffinity") \
            and 99 in os.sched_getaffinity(0):
        return None, None, "this machine has CPU 99"
    out = case.get("out", os.path.join(tmp, "out.json"))
    cmd = command(exe) + case["args"] + ["--benchmark_out=" + out]
    listing = os.path.join(tmp, "listing")
    mount = case.get("mount")
    if mount and can_mount(tmp):
        cmd = ["unshare", "-m", "sh", "-c", MOUNT_SH, "sh", os.path.dirname(out), mount,
               listing] + cmd
    elif mount == "ro" and os.geteuid() != 0:
        os.chmod(os.path.dirname(out), 0o555)
        mount = None
    elif mount:
        return None, None, "cannot mount a %s folder here (needs root and unshare -m)" % (
            "read-only" if mount == "ro" else "full")
    env = dict(os.environ)
    env.pop("CTB_WORK_NS_PER_ITER", None)   # only the cases that set it
    env.update(case.get("env", {}))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, env=env)
    err = p.stderr.decode("utf-8", "surrogateescape")
    if mount and p.returncode == 97:
        return None, None, "cannot mount here: " + err.strip()
    status = case.get("status", 2)
    problems = []
    if p.returncode != status:
        problems.append(f"exit status {p.returncode}, expected {status}")
    lines = err.splitlines()
    if status == 0:
        if "Traceback" in err or p.returncode < 0:
            problems.append(f"crashed: {err!r}")
    elif len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr, expected 1: {err!r}")
    elif case["flag"] not in lines[0] or (case["value"] and case["value"] not in lines[0]):
        problems.append(f"stderr does not name {case['flag']} and {case['value']!r}: "
                        f"{lines[0]!r}")
    if mount:
        with open(listing) as f:
            exists = os.path.basename(out) in f.read().split()
    else:
        exists = os.path.isfile(out)
    if case.get("written"):
        if not exists:
            problems.append("no result file was written")
        else:
            try:
                with open(out, encoding="utf-8") as f:
                    json.load(f)
            except ValueError as e:
                problems.append(f"the result file is not JSON: {e}")
    elif exists:
        problems.append("a result file was written")
    if mount == "ro" or (mount is None and case.get("mount") == "ro"):
        os.chmod(os.path.dirname(out), 0o755)
    first = lines[0] if lines and status != 0 else (
        "result file written" if exists else "")
    return problems, p.returncode, first


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    exe, name = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        known = cases(tmp)
        if name not in known:
            print(f"unknown case {name}; cases: {' '.join(sorted(known))}", file=sys.stderr)
            return 2
        problems, status, line = run_case(exe, name, tmp)
    if problems is None:
        print(f"skip {name}: {line}")
        return 77
    for msg in problems:
        print(f"FAIL {name}: {msg}")
    if not problems:
        print(f"ok {name}: {line}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
