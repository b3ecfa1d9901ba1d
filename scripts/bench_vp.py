#!/usr/bin/python3
"""scripts/bench vp: host time of the example virtual platform (examples/vp)
against `imcsim run` for the same work. Prints figures; not a test.

  digits CNN (functional outputs + timing), batch N: vp_platform with the
      image and N digits vs `imcsim run --functional --data (N digits) --batch N`
  resnet18 (timing only, a zoo model without weights), batch 1: vp_platform
      with its image vs `imcsim run --model resnet18`
both runs with --set chip.offchip.host_io=preloaded, as the accelerator's
engine runs (its DMA puts the inputs in place of the off-chip link).

Best and median wall time and least CPU time of --reps runs each, and the
overhead (platform / run - 1) on the best wall and the least CPU times. The digits data and CNN come from
build/func_data (test/func/train_digits.py, trained once and cached).
usage: scripts/bench vp [--reps N] [--batch N]
"""
import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
BUILD = os.path.join(ROOT, "build")
IMCSIM = os.path.join(BUILD, "bin", "imcsim")
PLATFORM = os.path.join(BUILD, "bench", "vp_platform")
DATA = os.path.join(BUILD, "func_data")
# The accelerator's engine runs with the inputs in the tiles (the DMA put them
# there): the same work is imcsim run with the same setting.
PRELOADED = ["--set", "chip.offchip.host_io=preloaded"]


def timed(cmd, reps):
    """Best and median wall time, least CPU time (user + system of the
    process and every process it waited for: the platform's engine runs in
    forked processes)."""
    walls, cpus = [], []
    for _ in range(reps):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    return min(walls), statistics.median(walls), min(cpus)


def main():
    ap = argparse.ArgumentParser(description="host time of the example VP vs imcsim run")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    a = ap.parse_args()
    if not os.path.exists(os.path.join(DATA, "reference.json")):
        subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "test", "func", "train_digits.py"), DATA],
                       check=True)
    os.environ["SYSTEMC_DISABLE_COPYRIGHT_MESSAGE"] = "1"
    tmp = tempfile.mkdtemp(prefix="imc_bench_vp_")
    cnn, test = os.path.join(DATA, "cnn.onnx"), os.path.join(DATA, "digits_test.imcd")
    sub = os.path.join(tmp, "sub")
    subprocess.run(["/usr/bin/python3", "-c", f"""
import numpy as np
d = np.load('{os.path.join(DATA, 'digits_test.npz')}')
np.savez('{sub}.npz', x=d['x'][:{a.batch}], y=d['y'][:{a.batch}])"""], check=True)
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "make-dataset"), sub + ".npz", "-o",
                    sub + ".imcd"], check=True, stdout=subprocess.DEVNULL)
    cases = []
    img = os.path.join(tmp, "cnn.img")
    subprocess.run([IMCSIM, "compile", "--arch", "isaac", "--model", cnn, "--image", img, "--calib", sub + ".imcd"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cases.append((f"digits cnn, batch {a.batch}",
                  [PLATFORM, "--image", img, "--data", sub + ".imcd", "--batch", str(a.batch)],
                  [IMCSIM, "run", "--arch", "isaac", "--model", cnn, "--functional", "--data", sub + ".imcd",
                   "--batch", str(a.batch), "--quiet"] + PRELOADED))
    img = os.path.join(tmp, "resnet18.img")
    subprocess.run([IMCSIM, "compile", "--arch", "isaac", "--model", "resnet18", "--image", img],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cases.append(("resnet18, batch 1", [PLATFORM, "--image", img],
                  [IMCSIM, "run", "--arch", "isaac", "--model", "resnet18", "--quiet"] + PRELOADED))
    print(f"{'work':<20} {'vp_wall_s':>9} {'(median)':>9} {'vp_cpu_s':>9} {'run_wall_s':>10} {'(median)':>9} "
          f"{'run_cpu_s':>9} {'overhead_wall':>13} {'overhead_cpu':>12}")
    for name, vp, run in cases:
        pb, pm, pc = timed(vp, a.reps)
        rb, rm, rc = timed(run, a.reps)
        print(f"{name:<20} {pb:>9.3f} {pm:>9.3f} {pc:>9.3f} {rb:>10.3f} {rm:>9.3f} {rc:>9.3f} "
              f"{100 * (pb / rb - 1):>12.1f}% {100 * (pc / rc - 1):>11.1f}%", flush=True)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    sys.exit(main())
