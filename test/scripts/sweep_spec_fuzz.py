#!/usr/bin/python3
"""Property and mutation tests of the sweep-spec parser (scripts/lib).

1. Generated specs: random valid specs (architectures, models, batches, set,
   points and grid with keys and values that need YAML quoting) load, and
   the points they expand to are exactly the product the spec describes, in
   the documented order, each with every parameter it should have.
2. Mutations: every valid spec, and the shipped specs, mutated at random
   (bytes flipped, lines dropped or repeated, YAML tokens inserted: anchors,
   aliases, merge keys, tags, tabs, flow brackets, documents, NUL, non-UTF-8)
   either load, with the same invariants, or fail with a SpecError of the
   form 'FILE:LINE:COL: error: ...' pointing into the file: never another
   exception (a traceback), never a hang.

Deterministic (seeded); SWEEP_FUZZ_ROUNDS=N runs longer (default 500).
"""
import itertools
import os
import random
import sys
import tempfile
import time

SRC = os.environ.get("IMC_SRC") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "scripts", "lib"))
import sweeplib  # noqa: E402
from yamlpos import SpecError  # noqa: E402

ROUNDS = int(os.environ.get("SWEEP_FUZZ_ROUNDS", "500"))
rng = random.Random(16)
tmp = tempfile.mkdtemp(prefix="imc-spec-fuzz.")
failures = 0


def fail(msg, text):
    global failures
    failures += 1
    if failures <= 5:
        print(f"FAIL: {msg}\n--- spec:\n{text}\n---", file=sys.stderr)


def q(s):
    """A YAML double-quoted scalar for any text (what the generator writes)."""
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif not c.isprintable():
            out.append(f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


WORDS = ["6", "0.5", "true", "null", "~", "a: b", "#x", "x#y", "[1]", "{a: 1}", "- x",
         "'s'", '"d"', "é", "tab\there", "two\nlines", "x;touch P;", " lead", "trail ",
         "*alias", "&anchor", "!!str", "%", "@", "`", "0x10", "1e3", "-1"]


def word():
    return rng.choice(WORDS) if rng.random() < 0.4 else "".join(
        rng.choice("abcdefghijklmnop0123456789._-") for _ in range(rng.randint(1, 8)))


def generate():
    """A valid spec as text and what it must expand to."""
    archs = rng.sample(["isaac", "puma", "my arch.yaml"], rng.randint(1, 3))
    models = rng.sample(["lenet5", "vgg8", "mlp_l4", "resnet18"], rng.randint(1, 3))
    batches = [None] if rng.random() < 0.4 else [str(b) for b in rng.sample(range(1, 9), rng.randint(1, 2))]
    keys = [f"k{i}.{word()}" for i in range(rng.randint(0, 7))]
    keys = list(dict.fromkeys(keys))
    rng.shuffle(keys)
    n_set = rng.randint(0, len(keys))
    set_keys, rest = keys[:n_set], keys[n_set:]
    n_grid = rng.randint(0, len(rest))
    grid_keys, point_keys = rest[:n_grid], rest[n_grid:]
    fixed = {k: word() for k in set_keys}
    grid = {k: [word() for _ in range(rng.randint(1, 3))] for k in grid_keys}
    listed = [{k: word() for k in point_keys if rng.random() < 0.7} for _ in
              range(rng.randint(1, 3))] if point_keys else [{}]
    lines = []
    flow = rng.random() < 0.5
    if len(archs) == 1 and rng.random() < 0.5:
        lines.append(f"arch: {q(archs[0])}")
    elif flow:
        lines.append("arch: [" + ", ".join(q(a) for a in archs) + "]")
    else:
        lines.append("arch:")
        lines += [f"  - {q(a)}  # a comment" for a in archs]
    lines.append(("models: [" + ", ".join(q(m) for m in models) + "]") if len(models) > 1 or flow
                 else f"model: {q(models[0])}")
    if batches != [None]:
        lines.append("batch: [" + ", ".join(batches) + "]")
    if fixed:
        lines.append("set:")
        lines += [f"  {q(k)}: {q(v)}" for k, v in fixed.items()]
    if point_keys:
        lines.append("points:")
        for p in listed:
            lines.append("  - {" + ", ".join(f"{q(k)}: {q(v)}" for k, v in p.items()) + "}")
    if grid:
        lines.append("grid:")
        for k, vs in grid.items():
            lines.append(f"  {q(k)}: [" + ", ".join(q(v) for v in vs) + "]")
    in_points = list(dict.fromkeys(k for p in listed for k in p))  # first appearance
    params = set_keys + in_points + grid_keys
    return "\n".join(lines) + "\n", (archs, models, batches, fixed, listed, grid, params)


def spec_path(text):
    path = os.path.join(tmp, "spec.yaml")
    with open(path, "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return path


def invariants(man, text):
    """What holds for any spec that loads."""
    ax = man["axes"]
    n = len(ax["arch"]) * len(ax["model"]) * len(ax["batch"]) * len(ax["listed"])
    for v in ax["grid_vals"]:
        n *= len(v)
    if man["n_points"] != n or n < 1:
        fail(f"n_points {man['n_points']} != product {n}", text)
        return
    for pid in {0, n // 2, n - 1}:
        pt = sweeplib.point_at(man, pid)
        if pt["id"] != pid or set(pt["params"]) - set(man["params"]):
            fail(f"point {pid} malformed: {pt}", text)
        man.setdefault("imcsim", "imcsim")
        argv = sweeplib.point_argv(man, pt, "OUT.json")
        if not all(isinstance(a, str) for a in argv):
            fail(f"argv of point {pid} has non-strings: {argv}", text)


def try_load(text, what):
    path = spec_path(text)
    try:
        man = sweeplib.load_spec(path)
    except SpecError as e:
        msg = str(e)
        nlines = (text.count(b"\n") if isinstance(text, bytes) else text.count("\n")) + 1
        ok = msg.startswith(f"{path}:") and ": error: " in msg and \
            1 <= e.line <= nlines + 1 and e.col >= 1
        if not ok:
            fail(f"{what}: badly formed error '{msg}' (lines {nlines})", text)
        return None
    except Exception as e:  # noqa: BLE001 - any other exception is the bug
        fail(f"{what}: {type(e).__name__}: {e}", text)
        return None
    invariants(man, text)
    return man


def check_generated(text, want):
    archs, models, batches, fixed, listed, grid, params = want
    man = try_load(text, "generated spec")
    if man is None:
        fail("a valid generated spec did not load", text)
        return
    exp = []
    for a, m, b, lp, combo in itertools.product(archs, models, batches, listed,
                                                itertools.product(*grid.values())):
        p = dict(fixed)
        p.update(lp)
        p.update(zip(grid, combo))
        exp.append((a, m, b, p))
    got = [(os.path.basename(p["arch"]) if "/" in (p["arch"] or "") else p["arch"],
            p["model"], p["batch"], p["params"]) for p in sweeplib.iter_points(man)]
    exp = [(a, m, b, p) for a, m, b, p in exp]
    if got != exp:
        fail(f"points differ from the product: got {got[:3]}..., want {exp[:3]}...", text)
    if man["params"] != params:
        fail(f"params {man['params']} != {params}", text)


TOKENS = [b":", b": ", b"- ", b"[", b"]", b"{", b"}", b",", b"&a ", b"*a", b"<<: *a\n",
          b"!!python/object:os.system ", b"!!str ", b"\t", b"---\n", b"...\n", b"#", b"'",
          b'"', b"\\", b"\x00", b"\xff\xfe", b"\xc3", b"\n", b"  ", b"? ", b"|\n", b">\n",
          b"%YAML 1.1\n", b"grid:\n", b"points:\n", b"set: {", b"timeout_s: 0\n",
          b"command: noc\n", b"batch: [0]\n", b"arch: /nonexistent.yaml\n", b"[" * 50,
          b"a: &x [*x]\n"]


def mutate(b):
    b = bytearray(b)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 1:
            b[i:i] = rng.choice(TOKENS)
        elif op == 2 and b:
            del b[i:i + rng.randint(1, 8)]
        elif op == 3:
            lines = bytes(b).split(b"\n")
            j = rng.randrange(len(lines))
            lines.insert(j, lines[j])
            b = bytearray(b"\n".join(lines))
        elif op == 4:
            lines = bytes(b).split(b"\n")
            del lines[rng.randrange(len(lines))]
            b = bytearray(b"\n".join(lines))
        else:
            b[i:i] = rng.choice(TOKENS) * rng.randint(1, 3)
    return bytes(b)


def main():
    os.makedirs(tmp, exist_ok=True)
    with open(os.path.join(tmp, "my arch.yaml"), "w") as f:
        f.write("base: isaac\n")
    seeds = []
    for root in ("scripts/specs", "scripts/specs/quick"):
        d = os.path.join(SRC, root)
        seeds += [open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))
                  if n.endswith(".yaml")]
    t0 = time.monotonic()
    worst = 0.0
    # hostile shapes no mutation is likely to reach: deep nesting, an alias
    # inside itself, an alias bomb (10^9 values once expanded)
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n" for i in range(1, 9))
    for text in ("arch: isaac\nmodel: " + "[" * 3000 + "\n",
                 "arch: isaac\nmodel: &a [lenet5, *a]\n",
                 "arch: isaac\nmodel: lenet5\nset: {x: 1}\n" + bomb.replace("a", "grid_", 0)):
        t = time.monotonic()
        if try_load(text, "hostile spec") is not None:
            fail("a hostile spec loaded", text[:200])
        worst = max(worst, time.monotonic() - t)
    for _ in range(ROUNDS):
        text, want = generate()
        check_generated(text, want)
        seeds.append(text.encode("utf-8"))
        for _ in range(2):
            m = mutate(rng.choice(seeds))
            t = time.monotonic()
            try_load(m, "mutated spec")
            worst = max(worst, time.monotonic() - t)
    took = time.monotonic() - t0
    print(f"sweep_spec_fuzz: {ROUNDS} generated and {2 * ROUNDS} mutated specs in {took:.1f} s "
          f"(slowest {worst * 1000:.0f} ms), {failures} failures")
    return 1 if failures or worst > 10 else 0


if __name__ == "__main__":
    sys.exit(main())
