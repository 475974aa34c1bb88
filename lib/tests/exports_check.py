#!/usr/bin/env python3
"""exports_check.py NM LIBCONTEND_SO HEADER_DIR

The shared library exports exactly the documented public API: every
symbol that `nm -D --defined-only` lists must be a function declared with
CT_API in a public header (HEADER_DIR/*.h), and every such function must
be exported. The allowed list is read from the headers, so a new public
function is picked up without editing this test. Exit 0, or 1 naming each
stray or missing symbol.
"""
import pathlib
import re
import subprocess
import sys

# A prototype: CT_API, a return type, then ct_name( ... possibly over lines.
PROTO = re.compile(r"\bCT_API\b[^;{}()]*?\b(ct_[A-Za-z0-9_]+)\s*\(")


def public_names(header_dir):
    names = set()
    for h in sorted(pathlib.Path(header_dir).glob("*.h")):
        names.update(PROTO.findall(h.read_text()))
    return names


def exported(nm, lib):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms.add(parts[2].split("@")[0])
    return syms


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    nm, lib, header_dir = sys.argv[1:]
    allowed = public_names(header_dir)
    if not allowed:
        print(f"exports_check: no CT_API prototype found in {header_dir}", file=sys.stderr)
        return 1
    syms = exported(nm, lib)
    stray = sorted(syms - allowed)
    missing = sorted(allowed - syms)
    for s in stray:
        print(f"exported but not a public CT_API function: {s}")
    for s in missing:
        print(f"public CT_API function not exported: {s}")
    print(f"exports_check: {len(syms)} exported, {len(allowed)} public, "
          f"{len(stray)} stray, {len(missing)} missing")
    return 1 if stray or missing else 0


if __name__ == "__main__":
    sys.exit(main())
