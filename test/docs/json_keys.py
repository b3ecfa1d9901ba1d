#!/usr/bin/env python3
"""Every key a run's JSON and CSV files carry is documented in docs/stats.md.

usage: json_keys.py BIN_DIR SOURCE_DIR

Runs `imcsim run` (LeNet-5 on isaac, with --json and --csv) and `imcsim
estimate` (the LSTM, whose `recurrence` object is not null), then looks each
key up in docs/stats.md: the keys of the entries of `layers[]`, `tiles[]`
and `estimate.layers[]` in their own section's table, every other key
anywhere in the file as `key`, `parent.key` or inside a `{a,b}` group, and
the CSV headers in the lines that list them. Prints each key it cannot find
and exits 1 if there is one (a field added without its documentation).
`functional` (docs/functional.md) needs a data set and is not run here.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

# arrays of objects whose entries' keys have a section of their own
SECTIONS = {"layers[]": "## `layers[]`", "tiles[]": "## `tiles[]`",
            "estimate.layers[]": "## `estimate.layers[]`"}


def section(doc, title):
    start = doc.find(title + "\n")
    if start < 0:
        return None
    end = doc.find("\n## ", start + len(title))
    return doc[start:] if end < 0 else doc[start:end]


def documented_names(text):
    """Names in backticks, with dotted paths and {a,b} groups split up."""
    names = set()
    for tick in re.findall(r"`([^`]+)`", text):
        for part in re.split(r"[.\s/]", tick):
            part = part.strip()
            if part.startswith("{") and part.endswith("}"):
                names.update(p.strip() for p in part[1:-1].split(","))
            names.add(part.rstrip("[]"))
    return names


def walk(obj, path, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((path, k))
            walk(v, f"{path}.{k}" if path else k, out)
    elif isinstance(obj, list):
        for x in obj[:2]:
            walk(x, path + "[]", out)


def main():
    bindir, src = sys.argv[1], sys.argv[2]
    imcsim = os.path.join(bindir, "imcsim")
    doc = open(os.path.join(src, "docs", "stats.md"), encoding="utf-8").read()
    everywhere = documented_names(doc)
    missing = []
    with tempfile.TemporaryDirectory() as tmp:
        run_json = os.path.join(tmp, "run.json")
        subprocess.run([imcsim, "run", "--arch", "isaac", "--model", "lenet5", "--batch", "2",
                        "--quiet", "--json", run_json, "--csv", tmp], check=True)
        est = subprocess.run([imcsim, "estimate", "--arch", "isaac", "--model", "lstm", "--json", "-"],
                             check=True, capture_output=True, text=True).stdout
        keys = []
        walk(json.load(open(run_json, encoding="utf-8")), "", keys)
        walk({"estimate": json.loads(est)}, "", keys)
        for parent, key in keys:
            if parent in SECTIONS:
                text = section(doc, SECTIONS[parent])
                if text is None:
                    missing.append(f"{parent}: no section {SECTIONS[parent]!r}")
                elif key not in documented_names(text):
                    missing.append(f"{parent}.{key} (not in {SECTIONS[parent]!r})")
            elif key not in everywhere:
                missing.append(f"{parent + '.' if parent else ''}{key}")
        for csv in ("layers.csv", "tiles.csv"):
            header = open(os.path.join(tmp, csv), encoding="utf-8").readline().strip()
            if f"`DIR/{csv}`: `{header}`" not in doc:
                missing.append(f"{csv} header {header!r} (not as listed in the CSV section)")
    for m in sorted(set(missing)):
        print(f"docs/stats.md: missing: {m}")
    print(f"{len(keys)} keys checked, {len(set(missing))} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
