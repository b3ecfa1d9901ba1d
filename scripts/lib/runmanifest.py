#!/usr/bin/python3
"""Check the manifest of an imcsim command's outputs (docs/run.md, "Outputs
and the manifest").

usage: runmanifest.py MANIFEST     (or: import runmanifest; runmanifest.check(path))

A set is complete when the manifest exists, parses, and every file it lists
has the size and SHA-256 it records. Anything else is torn: no manifest (a
run killed while publishing), a file missing, or a file from another run.
Prints "complete RUN_ID (N files)" or "torn: REASON"; exit 0 complete,
1 torn, 2 usage.
"""
import hashlib
import json
import os
import sys

FORMAT = "imcsim-manifest/1"


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def check(manifest):
    """(True, run_id, [paths]) for a complete set, (False, reason, []) else."""
    try:
        with open(manifest, encoding="utf-8") as f:
            m = json.load(f)
    except FileNotFoundError:
        return False, f"no manifest {manifest}", []
    except (OSError, ValueError) as e:
        return False, f"unreadable manifest {manifest}: {e}", []
    if not isinstance(m, dict) or m.get("format") != FORMAT or not isinstance(m.get("files"), list):
        return False, f"{manifest} is not an {FORMAT} manifest", []
    base = os.path.dirname(os.path.abspath(manifest))
    paths = []
    for e in m["files"]:
        path = os.path.join(base, e["path"])  # an absolute path stays as it is
        paths.append(path)
        try:
            size = os.path.getsize(path)
        except OSError:
            return False, f"{e['role']} file {path} is missing", paths
        if size != e["bytes"] or _sha256(path) != e["sha256"]:
            return False, f"{e['role']} file {path} is not the one the manifest lists", paths
    return True, m.get("run_id", ""), paths


def main(argv):
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    ok, what, paths = check(argv[0])
    print(f"complete {what} ({len(paths)} files)" if ok else f"torn: {what}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
