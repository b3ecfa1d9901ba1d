#!/usr/bin/python3
"""Loading a model is linear in its layers (issue 16, item 6): the work
(instructions counted by valgrind's callgrind, deterministic) and the memory
(peak resident set) of `imcsim models FILE` grow by about 2x when the layers
double, not 4x. Three sizes cancel the constant start-up cost: the growth
from N to 2N must be at most 2.5 times the growth from N/2 to N.

The models chain linear layers and, every third layer, an add of two earlier
layers named in `inputs:`, so name lookups and the topological sort are
exercised (both were quadratic: 20,000 layers took 16 s).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

IMCSIM = os.path.join(os.environ["IMC_BIN"], "imcsim")


def model(n):
    out = ["name: deep", "input: {features: 16}", "layers:"]
    for i in range(n):
        if i % 3 == 2:
            out.append(f"  - {{name: l{i}, type: add, inputs: [l{i - 1}, l{i - 2}]}}")
        else:
            out.append(f"  - {{name: l{i}, type: linear, out_features: 16}}")
    return "\n".join(out) + "\n"


def instructions(path, work):
    out = os.path.join(work, "cg.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", IMCSIM,
                    "models", path], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(out) as f:
        m = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
    return int(m.group(1))


def peak_kb(path):
    p = subprocess.Popen([IMCSIM, "models", path], stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    if status:
        raise RuntimeError(f"imcsim models {path} failed ({status})")
    return ru.ru_maxrss


def growth(name, f, sizes, paths, limit=2.5):
    v = [f(paths[n]) for n in sizes]
    a, b = v[1] - v[0], v[2] - v[1]
    ratio = b / a if a > 0 else float("inf")
    ok = ratio <= limit
    print(f"{'ok' if ok else 'FAIL'}: {name} for {sizes[0]}, {sizes[1]}, {sizes[2]} layers: "
          f"{v[0]}, {v[1]}, {v[2]}; growth ratio {ratio:.2f} (linear 2, quadratic 4, "
          f"limit {limit})")
    return ok


def main():
    if not shutil.which("valgrind"):
        print("SKIP: valgrind is not installed (apt-get install valgrind)")
        return 77
    work = tempfile.mkdtemp(prefix="imc-scaling.")
    try:
        paths = {}
        for n in (2000, 4000, 8000, 10000, 20000, 40000):
            paths[n] = os.path.join(work, f"deep{n}.yaml")
            with open(paths[n], "w") as f:
                f.write(model(n))
        ok = growth("instructions", lambda p: instructions(p, work), (2000, 4000, 8000), paths)
        ok &= growth("peak memory (KB)", peak_kb, (10000, 20000, 40000), paths)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
