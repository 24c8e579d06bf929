#!/usr/bin/env python3
"""The core's layering, as docs/architecture.md documents it: the rows of its module table, in order, are
the order of crc's core modules, and a module may include (use) only modules before it. Reads every
crc/lib/*.c and crc/include/crc/*.h of SOURCE_DIR, and fails naming each include of a later module, each
module the table does not list, and each row that names no module there.
Usage: check-layers.py SOURCE_DIR"""
import os
import re
import sys


def documented_order(src):
    text = open(os.path.join(src, "docs", "architecture.md"), encoding="utf-8").read()
    section = text.split("## Modules", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z_0-9]+)` \|", section, re.M)


def includes(path):
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r'\s*#\s*include\s+"crc/([a-z_0-9]+)\.h"', line)
        if m:
            yield n, m.group(1)


def main():
    src = sys.argv[1]
    order = documented_order(src)
    rank = {name: i for i, name in enumerate(order)}
    lib, inc = os.path.join(src, "crc", "lib"), os.path.join(src, "crc", "include", "crc")
    files = [os.path.join(lib, f) for f in sorted(os.listdir(lib)) if f.endswith(".c")]
    files += [os.path.join(inc, f) for f in sorted(os.listdir(inc)) if f.endswith(".h")]
    modules = {os.path.splitext(os.path.basename(f))[0] for f in files}
    problems = []
    for name in sorted(modules - set(rank)):
        problems.append(f"module '{name}' is not in docs/architecture.md's module table")
    for name in order:
        if name not in modules:
            problems.append(f"docs/architecture.md lists module '{name}', which crc/lib does not have")
    for f in files:
        me = os.path.splitext(os.path.basename(f))[0]
        for line, used in includes(f):
            if used == me or me not in rank or used not in rank:
                continue
            if rank[used] > rank[me]:
                problems.append(f"{os.path.relpath(f, src)}:{line}: {me} includes {used}, which comes after it "
                                f"in the documented order")
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"{len(modules)} modules, each using only the ones before it ({' < '.join(order)})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
