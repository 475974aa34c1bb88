#!/usr/bin/python3
"""Every relative link in README.md and docs/ (markdown links and images)
resolves to a file git tracks: figures are linked, not copied, and a file
that was moved or dropped (results/, docs/compare-*) leaves no dead link."""

import glob
import os
import re
import subprocess
import unittest
from urllib.parse import unquote

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LINK = re.compile(r"!?\[[^\]]*\]\(\s*(?:<([^>]+)>|([^)\s]+))(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def tracked():
    """Files git tracks (None outside a git checkout)."""
    try:
        p = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    return set(p.stdout.decode("utf-8", "surrogateescape").split("\0")) - {""}


def links(path):
    """(line number, target) of every relative link in a markdown file."""
    with open(path, encoding="utf-8") as f:
        text = FENCE.sub(lambda m: "\n" * m.group().count("\n"), f.read())
    for m in LINK.finditer(text):
        target = m.group(1) or m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue        # http:, mailto:, an anchor in the same file
        yield text.count("\n", 0, m.start()) + 1, unquote(target.split("#", 1)[0])


class LinkTest(unittest.TestCase):
    def test_relative_links_resolve_to_tracked_files(self):
        files = tracked()
        docs = [os.path.join(ROOT, "README.md")] + sorted(
            glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))
        dirs = {os.path.dirname(f) for f in files or ()}
        checked, broken = 0, []
        for doc in docs:
            for line, target in links(doc):
                rel = os.path.relpath(os.path.normpath(os.path.join(os.path.dirname(doc),
                                                                    target)), ROOT)
                checked += 1
                if files is None:
                    ok = os.path.exists(os.path.join(ROOT, rel))
                else:
                    ok = rel in files or any(d == rel or d.startswith(rel + "/") for d in dirs)
                if not ok:
                    broken.append("%s:%d: %s" % (os.path.relpath(doc, ROOT), line, target))
        self.assertGreater(checked, 10)
        self.assertEqual(broken, [], "links to files that are not tracked:\n" + "\n".join(broken))

    def test_finds_links(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write("a [x](docs/a.md#top) ![i](p.png) [w](https://e.org) [s](#h)\n"
                    "```\n[not](a link)\n```\n[y](<b c.md>)\n")
        try:
            self.assertEqual(list(links(f.name)), [(1, "docs/a.md"), (1, "p.png"), (5, "b c.md")])
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
