#!/usr/bin/env python3
"""The command examples in README.md and docs/*.md are real output.

Every fenced block whose first line is `$ imcsim ...` runs again: its commands
in order, the blocks of a file in order in one scratch directory (a block may
read what an earlier one wrote), with this build's imcsim first on PATH. Each
output line the block shows must appear in what its command prints (standard
output and error together), in the same order; a line `...` stands for lines
left out. A command may fail only where its block shows the error. Blocks
that start with another command (scripts/bench, scripts/make-dataset) show
host times or need inputs made elsewhere and are not run.

usage: doc_examples.py IMCSIM_BIN_DIR REPO_ROOT [FILE...]
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(path):
    text = open(path, encoding="utf-8").read()
    for m in FENCE.finditer(text):
        body = m.group(1)
        if body.startswith("$ imcsim "):
            yield text.count("\n", 0, m.start()) + 2, body.splitlines()


def split(lines):
    """[(command, [shown output lines])] of one block."""
    steps = []
    for ln in lines:
        if ln.startswith("$ "):
            steps.append((ln[2:], []))
        else:
            steps[-1][1].append(ln.rstrip())
    return steps


def check(where, shown, got):
    """Each shown line (but `...`) in got, in order; the first that is not."""
    out = [ln.rstrip() for ln in got.splitlines()]
    i = 0
    for ln in shown:
        if ln.strip() == "..." or not ln.strip():
            continue
        while i < len(out) and out[i] != ln:
            i += 1
        if i == len(out):
            return f"{where}: shown line not in the output (in order):\n  {ln!r}"
        i += 1
    return None


def main():
    bindir, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    files = sys.argv[3:] or ["README.md"] + sorted(
        os.path.join("docs", f) for f in os.listdir(os.path.join(root, "docs")) if f.endswith(".md"))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ["PATH"], LC_ALL="C")
    failures, checked = [], 0
    for rel in files:
        # one scratch directory a file: a block may read what an earlier one wrote
        with tempfile.TemporaryDirectory() as tmp:
            for line, body in blocks(os.path.join(root, rel)):
                for cmd, shown in split(body):
                    where = f"{rel}:{line}: $ {cmd}"
                    r = subprocess.run(cmd, shell=True, cwd=tmp, env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                    shows_error = any("error: " in ln for ln in shown)
                    if r.returncode != 0 and not shows_error:
                        failures.append(f"{where}: exit status {r.returncode}")
                        break
                    bad = check(where, shown, r.stdout)
                    if bad:
                        failures.append(bad)
                    checked += 1
    for f in failures:
        print(f)
    print(f"doc_examples: {checked} commands run, {len(failures)} differ from their docs")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
