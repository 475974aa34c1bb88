#!/usr/bin/python3
"""Extracts the first ```c block of README.md, so the example is compiled
and run as a test: the README cannot drift from the API."""
import sys

src, dst = sys.argv[1], sys.argv[2]
with open(src, encoding="utf-8") as f:
    text = f.read()
start = text.find("```c\n")
if start < 0:
    sys.exit(f"{src}: no ```c block found")
end = text.find("```", start + 5)
with open(dst, "w", encoding="utf-8") as f:
    f.write(text[start + 5:end])
