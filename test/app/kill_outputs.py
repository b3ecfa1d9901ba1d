#!/usr/bin/python3
"""kill -9 at any point of `imcsim run --json --csv --timeline` never leaves a
torn set that its manifest shows complete (issue 16, item 3).

The directory starts with a complete set from run A (batch 1). Run B
(batch 2) writes the same outputs and is killed:
- at every step of writing and publishing its outputs (each 512-byte buffer
  of the JSON, the removal of A's manifest, each rename, the manifest), by
  the test hook IMC_TEST_KILL_AT=k (app/outputs.h);
- at random instants from outside (SIGKILL), so the simulation and the
  timeline the engine writes are hit too.
After each kill the manifest check (scripts/lib/runmanifest.py) says either
"complete", and then the files are exactly A's or exactly B's, or "torn".
"""
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC = os.environ["IMC_SRC"]
IMCSIM = os.path.join(os.environ["IMC_BIN"], "imcsim")
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import runmanifest  # noqa: E402

FILES = ["r.json", "t.json", "csv/layers.csv", "csv/tiles.csv"]
MANIFEST = "csv/manifest.json"
env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
failures = 0


def argv(batch):
    return [IMCSIM, "run", "--arch", "isaac", "--model", "lenet5", "--batch", str(batch),
            "--json", "r.json", "--csv", "csv", "--timeline", "t.json", "--quiet"]


def digest(d):
    out = {}
    for f in FILES:
        try:
            with open(os.path.join(d, f), "rb") as fh:
                out[f] = hashlib.sha256(fh.read()).hexdigest()
        except FileNotFoundError:
            out[f] = None
    return out


def verdict(d, sets, what):
    """'A', 'B' or 'torn'; a failure when complete but neither A nor B."""
    global failures
    ok, why, _ = runmanifest.check(os.path.join(d, MANIFEST))
    if not ok:
        return "torn"
    got = digest(d)
    for name, want in sets.items():
        if got == want:
            return name
    failures += 1
    print(f"FAIL: {what}: the manifest says complete but the files mix runs: {got}")
    return "mixed"


def main():
    work = tempfile.mkdtemp(prefix="imc-kill.")
    try:
        a, b = os.path.join(work, "A"), os.path.join(work, "B")
        for d, batch in ((a, 1), (b, 2)):
            os.makedirs(d)
            subprocess.run(argv(batch), cwd=d, env=env, check=True, stderr=subprocess.DEVNULL)
        sets = {"A": digest(a), "B": digest(b)}
        if sets["A"] == sets["B"] or None in sets["A"].values():
            print("FAIL: runs A and B must write 4 different files")
            return 1
        run = os.path.join(work, "run")

        def reset():
            shutil.rmtree(run, ignore_errors=True)
            shutil.copytree(a, run)

        reset()
        r = subprocess.run(argv(2), cwd=run, env=dict(env, IMC_TEST_KILL_AT="count"),
                           stderr=subprocess.PIPE, text=True)
        steps = int(r.stderr.split("IMC_TEST_KILL_AT: ")[1].split()[0])
        seen = {}
        for k in range(1, steps + 1):
            reset()
            r = subprocess.run(argv(2), cwd=run, env=dict(env, IMC_TEST_KILL_AT=str(k)),
                               stderr=subprocess.DEVNULL)
            if r.returncode != -signal.SIGKILL:
                print(f"FAIL: step {k} of {steps}: not killed (status {r.returncode})")
                return 1
            v = verdict(run, sets, f"killed at step {k} of {steps}")
            seen[v] = seen.get(v, 0) + 1
        # every prefix of the publication: A until A's manifest goes, torn
        # while the files move, never B before its manifest is written
        reset()
        subprocess.run(argv(2), cwd=run, env=env, check=True, stderr=subprocess.DEVNULL)
        if verdict(run, sets, "no kill") != "B":
            print("FAIL: an uninterrupted run B does not end complete")
            return 1
        if not seen.get("A") or not seen.get("torn"):
            print(f"FAIL: expected complete-A and torn states among the steps, got {seen}")
            return 1
        print(f"ok: killed at each of {steps} steps: {seen}")

        # random instants, including the simulation and the timeline
        t0 = time.monotonic()
        subprocess.run(argv(2), cwd=run, env=env, check=True, stderr=subprocess.DEVNULL)
        span = time.monotonic() - t0
        rng = random.Random(3)
        seen = {}
        for i in range(int(os.environ.get("KILL_ROUNDS", "25"))):
            reset()
            p = subprocess.Popen(argv(2), cwd=run, env=env, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, span * 1.2))
            p.send_signal(signal.SIGKILL)
            p.wait()
            v = verdict(run, sets, f"random kill {i}")
            seen[v] = seen.get(v, 0) + 1
        print(f"ok: killed at random instants (run of {span:.2f} s): {seen}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
