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

A file block (an architecture, a model) is checked when the line before its
fence says how: `<!-- doc-check: CMD -->` runs the shell command CMD in the
scratch directory with the block's text in the file `block.yaml`, and CMD
must succeed.

usage: doc_examples.py IMCSIM_BIN_DIR REPO_ROOT [FILE...]
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
DOC_CHECK = re.compile(r"<!-- doc-check: (.*) -->\s*$")


def blocks(path):
    """(line, body, check): the blocks to run (check None: a `$ imcsim` one)."""
    text = open(path, encoding="utf-8").read()
    for m in FENCE.finditer(text):
        body, line = m.group(1), text.count("\n", 0, m.start()) + 1
        before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = DOC_CHECK.match(before.strip())
        if mark:
            yield line, body, mark.group(1)
        elif body.startswith("$ imcsim "):
            yield line + 1, body, None


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
            for line, body, how in blocks(os.path.join(root, rel)):
                if how:  # a file block: the command that loads it must succeed
                    with open(os.path.join(tmp, "block.yaml"), "w", encoding="utf-8") as f:
                        f.write(body)
                    r = subprocess.run(how, shell=True, cwd=tmp, env=env, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                    if r.returncode != 0:
                        failures.append(f"{rel}:{line}: the block fails its check `{how}` "
                                        f"(exit status {r.returncode}):\n{r.stdout.rstrip()}")
                    checked += 1
                    continue
                for cmd, shown in split(body.splitlines()):
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
    print(f"doc_examples: {checked} commands and blocks run, {len(failures)} differ from their docs")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
