#!/usr/bin/env python3
"""Every key of imcsim's JSON outputs is documented in the doc of its format.

usage: json_keys.py BIN_DIR SOURCE_DIR

Runs each command below on a small case and looks every key of its JSON up
in its doc: the keys of an array's entries where the doc has a section for
that array (docs/stats.md's `layers[]`, `tiles[]`, `estimate.layers[]`) in
that section, every other key anywhere in the doc as `key`, `parent.key`,
inside a `{a,b}` group, under a `parent.*` wildcard, or as a `prefix_<name>`
template; the run's CSV headers in the lines that list them. Prints each key it cannot find and
exits 1 if there is one (a field added without its documentation).
With IMC_FUNC_DATA set (the digits fixture of test/func), a functional run
of the digits CNN is checked too, against docs/functional.md.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SECTIONS = {"layers[]": "## `layers[]`", "tiles[]": "## `tiles[]`",
            "estimate.layers[]": "## `estimate.layers[]`"}


def section(doc, title):
    start = doc.find(title + "\n")
    if start < 0:
        return None
    end = doc.find("\n## ", start + len(title))
    return doc[start:] if end < 0 else doc[start:end]


def documented_names(text):
    """Names in backticks, with dotted paths, `a/b` and {a,b} groups split up."""
    names = set()
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # fenced blocks: not key lists
    for tick in re.findall(r"`([^`]+)`", text):
        alts = tick.split("/")
        # `p50_/p95_/max_latency`: the prefixes share the last one's rest
        rest = alts[-1].split("_", 1)[1] if "_" in alts[-1] else ""
        for alt in alts:
            if alt.endswith("_") and rest:
                alt += rest
            for group in re.findall(r"\{([^}]*)\}", alt):
                names.update(p.strip() for p in group.split(","))
            for part in re.split(r"[.\s]", re.sub(r"\{[^}]*\}", "", alt)):
                names.add(part.strip().rstrip("[]"))
    return names


def wildcards(text):
    """Parents whose keys the doc describes together: `parent.*`."""
    return {w.rstrip("[]") for w in re.findall(r"`([\w\[\]]+)\.\*`", text)}


def walk(obj, path, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((path, k))
            walk(v, f"{path}.{k}" if path else k, out)
    elif isinstance(obj, list):
        for x in obj[:2]:
            walk(x, path + "[]", out)


def check(doc_path, obj, prefix=""):
    doc = open(doc_path, encoding="utf-8").read()
    everywhere, wild = documented_names(doc), wildcards(doc)
    # names made from data: `ce_extra_<name>` stands for ce_extra_ + any name
    patterns = [re.compile("".join(".+" if part.startswith("<") else re.escape(part)
                                   for part in re.split(r"(<[^>]+>)", n)))
                for n in everywhere if re.search(r"\w<[^>]+>|<[^>]+>\w", n)]
    keys, missing = [], []
    walk(obj, "", keys)
    for parent, key in keys:
        full = f"{parent}.{key}" if parent else key
        if parent in SECTIONS and SECTIONS[parent] in doc:
            if key not in documented_names(section(doc, SECTIONS[parent])):
                missing.append(f"{full} (not in {SECTIONS[parent]!r})")
        elif parent in SECTIONS and doc_path.endswith("stats.md"):
            missing.append(f"{parent}: no section {SECTIONS[parent]!r}")
        elif (key not in everywhere and parent.split(".")[-1].rstrip("[]") not in wild
              and not any(p.fullmatch(key) for p in patterns)):
            missing.append(full)
    return len(keys), [f"{os.path.basename(doc_path)}: {prefix}{m}" for m in missing]


def main():
    bindir, src = sys.argv[1], sys.argv[2]
    imcsim = os.path.join(bindir, "imcsim")
    docs = os.path.join(src, "docs")

    def out(*args):
        return json.loads(subprocess.run([imcsim, *args], check=True, capture_output=True,
                                         text=True).stdout)

    n, missing = 0, []
    with tempfile.TemporaryDirectory() as tmp:
        run_json = os.path.join(tmp, "run.json")
        subprocess.run([imcsim, "run", "--arch", "isaac", "--model", "lenet5", "--batch", "2",
                        "--quiet", "--json", run_json, "--csv", tmp], check=True)
        subprocess.run([imcsim, "compile", "--arch", "isaac", "--model", "lenet5", "-o",
                        os.path.join(tmp, "tr")], check=True, capture_output=True)
        cases = [
            ("stats.md", json.load(open(run_json, encoding="utf-8")), ""),
            # the LSTM: its `recurrence` object is not null
            ("stats.md", {"estimate": out("estimate", "--arch", "isaac", "--model", "lstm",
                                          "--json", "-")}, ""),
            ("compiler.md", out("compile", "--arch", "isaac", "--model", "lenet5", "--json"),
             "compile --json: "),
            # PUMA: CE and tile extras
            ("arch-format.md", out("arch", "show", "puma", "--json"), "arch show --json: "),
            ("trace-format.md", out("trace", "stats", os.path.join(tmp, "tr"), "--json"),
             "trace stats --json: "),
            ("noc.md", out("noc", "--json"), "noc --json: "),
        ]
        data = os.environ.get("IMC_FUNC_DATA")
        if data:
            func_json = os.path.join(tmp, "func.json")
            subprocess.run([imcsim, "run", "--arch", "isaac", "--model",
                            os.path.join(data, "cnn.onnx"), "--functional", "--data",
                            os.path.join(data, "digits_test.imcd"), "--limit", "20", "--quiet",
                            "--json", func_json], check=True)
            cases.append(("functional.md",
                          {"functional": json.load(open(func_json, encoding="utf-8"))["functional"]},
                          "run --functional: "))
        for doc, obj, prefix in cases:
            k, m = check(os.path.join(docs, doc), obj, prefix)
            n += k
            missing += m
        stats = open(os.path.join(docs, "stats.md"), encoding="utf-8").read()
        for csv in ("layers.csv", "tiles.csv"):
            header = open(os.path.join(tmp, csv), encoding="utf-8").readline().strip()
            if f"`DIR/{csv}`: `{header}`" not in stats:
                missing.append(f"stats.md: {csv} header {header!r} (not as listed)")
    for m in sorted(set(missing)):
        print(f"missing: {m}")
    print(f"{n} keys checked, {len(set(missing))} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
