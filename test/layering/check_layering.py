#!/usr/bin/python3
"""Check the include layering of the source tree (docs/architecture.md):

    base <- arch <- components, noc, workloads <- traces <- sim <- app

Every `#include "..."` in a source file of these folders is resolved to the
folder that holds the header (next to the including file first, else by the
header's path anywhere in those folders). An include may only reach the same
folder or a lower one; components, noc and workloads do not include each
other; and the folders' include graph has no cycle. Angle-bracket includes
(system headers) are not checked; a quoted include found nowhere is reported
(a header that moved).

usage: check_layering.py [ROOT]   (default: the repository holding this file)
Prints one line per problem, `file:line: error: ...`; exit 1 if any, else 0.
"""
import os
import re
import sys

LEVELS = {"base": 0, "arch": 1, "components": 2, "noc": 2, "workloads": 2,
          "traces": 3, "sim": 4, "app": 5}
SOURCES = (".c", ".h", ".cpp", ".hpp", ".cc")
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def sources(root):
    for top in sorted(LEVELS):
        for d, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for f in sorted(files):
                if f.endswith(SOURCES):
                    yield os.path.join(d, f)


def folder_of(root, path):
    return os.path.relpath(path, root).split(os.sep)[0]


def index_headers(root):
    """Relative header path (and each of its suffixes) -> the files that match."""
    idx = {}
    for p in sources(root):
        parts = os.path.relpath(p, root).split(os.sep)
        for k in range(1, len(parts)):
            idx.setdefault("/".join(parts[k:]), []).append(p)
    return idx


def resolve(root, idx, src, name):
    here = os.path.normpath(os.path.join(os.path.dirname(src), name))
    if os.path.isfile(here):
        return [here]
    return idx.get(os.path.normpath(name), [])


def find_cycle(edges):
    """A cycle in {folder: {folder: where}} as a list of folders, or None."""
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(edges.get(n, {})):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                c = visit(m)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if not state.get(n):
            c = visit(n)
            if c:
                return c
    return None


def check(root):
    idx = index_headers(root)
    problems, edges = [], {}
    for src in sources(root):
        rel = os.path.relpath(src, root)
        a = folder_of(root, src)
        with open(src, encoding="utf-8", errors="replace") as f:
            for ln, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                name = m.group(1)
                hits = resolve(root, idx, src, name)
                folders = sorted({folder_of(root, h) for h in hits})
                if not hits:
                    problems.append(f"{rel}:{ln}: error: includes \"{name}\", found in none of "
                                    f"{', '.join(sorted(LEVELS))} (expected a header of the tree)")
                    continue
                if len(folders) > 1:
                    problems.append(f"{rel}:{ln}: error: includes \"{name}\", which is in "
                                    f"{' and '.join(folders)} (expected one header of that name)")
                    continue
                b = folders[0]
                if b == a:
                    continue
                edges.setdefault(a, {}).setdefault(b, f"{rel}:{ln}")
                if LEVELS[b] > LEVELS[a]:
                    problems.append(f"{rel}:{ln}: error: {a}/ includes \"{name}\" from {b}/, a "
                                    f"higher folder (expected base <- arch <- components, noc, "
                                    f"workloads <- traces <- sim <- app)")
                elif LEVELS[b] == LEVELS[a]:
                    problems.append(f"{rel}:{ln}: error: {a}/ includes \"{name}\" from {b}/ "
                                    f"(expected components, noc and workloads not to include "
                                    f"each other)")
    cycle = find_cycle(edges)
    if cycle:
        hops = ", ".join(f"{x} -> {y} ({edges[x][y]})" for x, y in zip(cycle, cycle[1:]))
        problems.append(f"error: the folders include each other in a cycle: {hops}")
    return problems


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    problems = check(root)
    for p in problems:
        print(p)
    if not problems:
        n = sum(1 for _ in sources(root))
        print(f"layering: {n} sources, no include against the layers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
