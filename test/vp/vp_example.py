#!/usr/bin/python3
"""The example virtual platform (examples/vp, docs/vp.md) against imcsim run.

Installs the build into a fresh prefix under the build tree, builds the
example with `pkg-config --cflags --libs imcsim systemc`, compiles the digits
CNN's image, and checks:
  - the platform's outputs equal `imcsim run --functional --outputs` for the
    same model and image (two images of the digits test split);
  - its interrupt time equals start + DMA(image) + DMA(input) + the run's time
    (`imcsim run` with chip.offchip.host_io=preloaded: total_cycles at the
    clock) + DMA(output), each DMA time derived here from the memory's
    latency and time per byte and the accelerator's 4096-byte bursts; with
    two quanta (the time must not depend on it), and with DMI (bursts after
    the first cost the memory's quoted DMI latency);
  - two accelerators started together give what one gives alone.
Environment: IMC_SRC, IMC_BIN (build/bin), IMC_FUNC_DATA (digits fixture).
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

SRC, BIN, DATA = os.environ["IMC_SRC"], os.environ["IMC_BIN"], os.environ["IMC_FUNC_DATA"]
BUILD = os.path.dirname(BIN)
IMCSIM = os.path.join(BIN, "imcsim")
fails = 0


def check(what, ok, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + what + (": " + detail if detail else ""))
    fails += 0 if ok else 1


def run(*cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode:
        print(p.stdout, p.stderr)
        sys.exit(f"{cmd[0]} failed with status {p.returncode}")
    return p.stdout


def parse(out):
    """acc<i>.<key> lines of the platform into {i: {key: value}}."""
    r = {}
    for line in out.splitlines():
        if not line.startswith("acc"):
            continue
        k, _, v = line.partition(" ")
        i, _, key = k[3:].partition(".")
        if key in ("output", "class"):
            idx, _, rest = v.partition(" ")
            r.setdefault(int(i), {}).setdefault(key, {})[int(idx)] = rest
        else:
            r.setdefault(int(i), {})[key] = v
    return r


def bursts(n, burst=4096):
    return [min(burst, n - o) for o in range(0, n, burst)]


tmp = tempfile.mkdtemp(prefix="imc_vp_")
try:
    prefix = os.path.join(BUILD, "vp_prefix_example")
    shutil.rmtree(prefix, ignore_errors=True)
    run("cmake", "--install", BUILD, "--prefix", prefix)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    platform = os.path.join(tmp, "vp_platform")
    make = ["make", "-s", "-C", os.path.join(SRC, "examples", "vp"), "OUT=" + platform]
    if os.environ.get("IMC_OOT_FLAGS"):  # a sanitized libimcsim: its users link the runtimes too
        make.append("CXXFLAGS=-O2 -Wall -Wextra " + os.environ["IMC_OOT_FLAGS"])
    run(*make, env=env)

    cnn, test = os.path.join(DATA, "cnn.onnx"), os.path.join(DATA, "digits_test.imcd")
    image = os.path.join(tmp, "cnn.img")
    run(IMCSIM, "compile", "--arch", "isaac", "--model", cnn, "--image", image, "--calib", test)

    # The reference: the functional run's outputs for image K (a data set
    # whose first sample is K; calibration always the first 32 of the split).
    def reference_outputs(k):
        one = os.path.join(tmp, f"one{k}")
        run("/usr/bin/python3", "-c", f"""
import numpy as np
d = np.load('{os.path.join(DATA, 'digits_test.npz')}')
np.savez('{one}.npz', x=d['x'][{k}:{k}+1], y=d['y'][{k}:{k}+1])""")
        run("/usr/bin/python3", os.path.join(SRC, "scripts", "make-dataset"), one + ".npz", "-o", one + ".imcd")
        out = os.path.join(tmp, f"out{k}.txt")
        run(IMCSIM, "run", "--arch", "isaac", "--model", cnn, "--functional", "--data", one + ".imcd",
            "--calib", test, "--outputs", out, "--quiet")
        return [float(x) for x in open(out).read().split()]

    res = json.loads(run(IMCSIM, "run", "--arch", "isaac", "--model", cnn, "--set",
                         "chip.offchip.host_io=preloaded", "--json", "-"))
    compute_ps = math.floor(res["total_cycles"] * 1000.0 / res["clock_ghz"] + 0.5)
    lat_ps, per_byte_ps, start_ps = 50000, 125, 1000000  # the example's defaults
    size = os.path.getsize(image)
    n_in, n_out = 64 * 4, 10 * 4

    def dma_ps(n, dmi=False, first=False):
        """n bytes in bursts: each a transaction (latency + bytes x time per
        byte) or, once DMI is granted (by the job's first transaction), one
        DMI access at the memory's quoted latency (a 4096-byte transaction)."""
        b = bursts(n)
        if dmi:
            return (lat_ps + b[0] * per_byte_ps if first else lat_ps + 4096 * per_byte_ps) + \
                (len(b) - 1) * (lat_ps + 4096 * per_byte_ps)
        return sum(lat_ps + x * per_byte_ps for x in b)

    outputs = set()
    for dmi in (False, True):
        expect = dma_ps(size, dmi, True) + dma_ps(n_in, dmi) + compute_ps + dma_ps(n_out, dmi)
        for q in ("1000", "10"):
            args = [platform, "--image", image, "--data", test, "--quantum-ns", q] + (["--dmi"] if dmi else [])
            r = parse(run(*args))[0]
            outputs.add(r["output"][0])
            got = int(r["interrupt_ps"]) - int(r["start_ps"])
            check(f"interrupt time, quantum {q} ns{' DMI' if dmi else ''}", got == expect and int(r["start_ps"]) == start_ps,
                  f"{got} ps after the start = DMA image {dma_ps(size, dmi, True)} + input {dma_ps(n_in, dmi)} + "
                  f"run {compute_ps} ({res['total_cycles']} cycles at {res['clock_ghz']} GHz) + output "
                  f"{dma_ps(n_out, dmi)} = {expect} ps")
    check("the same outputs with and without DMI, whatever the quantum", len(outputs) == 1)
    check("counters are the run's", int(r["cycles"]) == res["total_cycles"] and int(r["macs"]) == res["macs"]
          and int(r["adc_conversions"]) == res["adc_conversions"] and int(r["inferences"]) == 1,
          f"{r['cycles']} cycles, {r['macs']} MACs, {r['adc_conversions']} ADC conversions")
    for k in (0, 5):
        ref = reference_outputs(k)
        r = parse(run(platform, "--image", image, "--data", test, "--index", str(k)))[0]
        got = [float(x) for x in r["output"][0].split()]
        check(f"image {k}: outputs equal imcsim run --functional", got == ref and len(ref) == 10,
              " ".join("%.6g" % x for x in got))
    one = parse(run(platform, "--image", image, "--data", test, "--batch", "3"))[0]
    two = parse(run(platform, "--image", image, "--data", test, "--batch", "3", "--accelerators", "2"))
    check("two accelerators give what one gives alone", two[0] == one and two[1] == one,
          f"interrupts at {two[0]['interrupt_ps']} and {two[1]['interrupt_ps']} ps, alone {one['interrupt_ps']} ps")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
print(f"{fails} failure(s)")
sys.exit(1 if fails else 0)
