"""Sweep machinery: spec -> manifest of points, one point -> one result file,
all result files -> one merged CSV. scripts/sweep drives it through GNU
parallel; the Slurm script and parallel's remote hosts call this file's
`point` and `merge` subcommands, so every path leads through the same code.

OUTDIR layout:
  sweep.json    manifest: command, imcsim path, columns, every point's argv
  ids           one point id per line (parallel's input)
  joblog        parallel's --joblog (what --resume reads)
  points/ID.json  result of point ID (renamed into place when complete)
  points/ID.err   JSON {exit_code, error, argv, stderr_tail} of a failed point
  points/ID.stderr  what a successful point printed on stderr (warnings), if anything
  points/ID.time  {wall_s, cpu_s} of imcsim for that point (host time, not a result)
  results.csv   one row per point, by id; failed.csv the failed/missing ones
"""
import csv
import io
import itertools
import json
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from yamlpos import Map, Scalar, Seq, SpecError, parse  # noqa: E402

COMMANDS = ("run", "compile", "arch", "noc")
TOP_KEYS = ("command", "arch", "model", "models", "batch", "set", "grid", "points", "timeout_s")
MANIFEST_VERSION = 1


def closest(word, names):
    """Closest name by edit distance, if close enough to be a typo."""
    def dist(a, b):
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]
    best = min(names, key=lambda n: dist(word, n))
    return best if dist(word, best) <= max(2, len(word) // 3) else None


class _Spec:
    def __init__(self, path):
        self.path = path

    def err(self, node, what, expected=None):
        raise SpecError(self.path, node.line, node.col, what, expected)

    def scalar(self, node, what):
        if not isinstance(node, Scalar) or node.is_null():
            self.err(node, f"{what} must be a single value", what)
        return node.text

    def integer(self, node, what, lo=1):
        text = self.scalar(node, what)
        try:
            v = int(text, 10)
        except ValueError:
            self.err(node, f"'{text}' is not an integer", what)
        if v < lo:
            self.err(node, f"{what} {v} is out of range", f"an integer >= {lo}")
        return v

    def values(self, node, what):
        """A scalar or a non-empty flow/block list of scalars."""
        if isinstance(node, Seq):
            if not node.items:
                self.err(node, f"empty list for {what}", "at least one value")
            return [self.scalar(v, f"a value of {what}") for v in node.items]
        return [self.scalar(node, what)]

    def mapping(self, node, what, expected=None):
        if not isinstance(node, Map):
            self.err(node, f"{what} must be a mapping",
                     expected or f"'{what}:' followed by indented 'key: value' lines")
        return node


def load_spec(path):
    """Parse and validate a spec; returns the manifest dict (without imcsim)."""
    s = _Spec(path)
    root = parse(path)
    if root is None:
        raise SpecError(path, 1, 1, "empty spec", "at least 'arch:' or 'command: noc'")
    s.mapping(root, "the spec", "'key: value' lines")
    for k, _ in root.items:
        if k.text not in TOP_KEYS:
            hint = closest(k.text, TOP_KEYS)
            s.err(k, f"unknown key '{k.text}'" + (f"; did you mean '{hint}'?" if hint else ""),
                  "one of " + ", ".join(TOP_KEYS))
    cmd_node = root.get("command")
    command = s.scalar(cmd_node, "command") if cmd_node else "run"
    if command not in COMMANDS:
        s.err(cmd_node, f"unknown command '{command}'", "run, compile, arch or noc")

    def forbid(key, why):
        if root.get(key) is not None:
            k = next(k for k, _ in root.items if k.text == key)
            s.err(k, f"'{key}' does not apply to command '{command}'", why)

    archs = [None]
    if command in ("run", "compile", "arch"):
        node = root.get("arch")
        if node is None:
            raise SpecError(path, root.line, root.col, f"missing 'arch' (command '{command}')",
                            "'arch: NAME' (a preset) or 'arch: FILE.yaml'")
        archs = []
        for v in node.items if isinstance(node, Seq) else [node]:
            arch = s.scalar(v, "an architecture name or file")
            if "/" in arch or arch.endswith((".yaml", ".yml")):
                arch = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), arch))
                if not os.path.isfile(arch):
                    s.err(v, f"architecture file '{arch}' does not exist", "an existing file")
            archs.append(arch)
        if not archs:
            s.err(node, "empty list for arch", "at least one architecture")
    else:
        forbid("arch", "topology and traffic flags in 'set:'/'grid:'")

    models, batches = [None], [None]
    if command in ("run", "compile"):
        m1, m2 = root.get("model"), root.get("models")
        if m1 is not None and m2 is not None:
            s.err(m2, "both 'model' and 'models'", "one of them")
        if m1 is None and m2 is None:
            raise SpecError(path, root.line, root.col, "missing 'model' (command 'run')",
                            "'model: NAME' or 'models: [A, B]'")
        models = s.values(m1 if m1 is not None else m2, "a model name")
        if command == "compile":
            forbid("batch", "it only with 'command: run'")
        elif root.get("batch") is not None:
            node = root.get("batch")
            items = node.items if isinstance(node, Seq) else [node]
            if isinstance(node, Seq) and not items:
                s.err(node, "empty list for batch", "at least one value")
            batches = [str(s.integer(v, "a batch size")) for v in items]
    else:
        for k in ("model", "models", "batch"):
            forbid(k, "them only with 'command: run' or 'compile'")

    fixed = {}
    if root.get("set") is not None:
        for k, v in s.mapping(root.get("set"), "set").items:
            fixed[k.text] = s.scalar(v, f"the value of '{k.text}'")

    grid_keys, grid_vals, pos = [], [], {}
    if root.get("grid") is not None:
        for k, v in s.mapping(root.get("grid"), "grid").items:
            if k.text in fixed:
                s.err(k, f"'{k.text}' is both in 'set' and in 'grid'", "each parameter in one place")
            grid_keys.append(k.text)
            grid_vals.append(s.values(v, f"'{k.text}'"))
            pos[k.text] = k

    listed, list_keys = [{}], []
    if root.get("points") is not None:
        node = root.get("points")
        if not isinstance(node, Seq) or not node.items:
            s.err(node, "'points' must be a non-empty list", "'- {key: value, ...}' items")
        listed = []
        for item in node.items:
            s.mapping(item, "a point", "'- key: value' or '- {key: value, ...}'")
            p = {}
            for k, v in item.items:
                if k.text in fixed or k.text in pos:
                    s.err(k, f"'{k.text}' is also in '{'set' if k.text in fixed else 'grid'}'",
                          "each parameter in one place")
                p[k.text] = s.scalar(v, f"the value of '{k.text}'")
                if k.text not in list_keys:
                    list_keys.append(k.text)
            listed.append(p)

    timeout = None
    if root.get("timeout_s") is not None:
        timeout = s.integer(root.get("timeout_s"), "timeout_s in seconds")

    params = list(fixed) + list_keys + grid_keys
    points = []
    for arch, model, batch, lp, combo in itertools.product(archs, models, batches, listed,
                                                           itertools.product(*grid_vals)):
        p = dict(fixed)
        p.update(lp)
        p.update(zip(grid_keys, combo))
        points.append({"id": len(points), "arch": arch, "model": model, "batch": batch,
                       "params": {k: p[k] for k in params if k in p}})
    return {"version": MANIFEST_VERSION, "spec": os.path.abspath(path), "command": command,
            "params": params, "timeout_s": timeout, "points": points}


def point_argv(man, pt, json_path):
    """argv of one point; json_path is None for commands that print JSON."""
    exe, cmd, params = man["imcsim"], man["command"], pt["params"]
    if cmd == "run":
        argv = [exe, "run", "--arch", pt["arch"], "--model", pt["model"]]
        for k, v in params.items():
            argv += ["--set", f"{k}={v}"]
        if pt["batch"] is not None:
            argv += ["--batch", pt["batch"]]
        return argv + ["--json", json_path]
    if cmd == "compile":
        argv = [exe, "compile", "--arch", pt["arch"], "--model", pt["model"], "--json"]
        for k, v in params.items():
            argv += ["--set", f"{k}={v}"]
        return argv
    if cmd == "arch":
        argv = [exe, "arch", "show", pt["arch"], "--json"]
        for k, v in params.items():
            argv += ["--set", f"{k}={v}"]
        return argv
    argv = [exe, "noc"]
    for k, v in params.items():
        if v in ("true", "false"):  # switches such as lookahead: true
            argv += [f"--{k}"] if v == "true" else []
        else:
            argv += [f"--{k}", v]
    return argv + ["--json"]


def _write_atomic(path, text):
    tmp = f"{os.path.dirname(path)}/.{os.path.basename(path)}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_manifest(outdir):
    with open(os.path.join(outdir, "sweep.json"), encoding="utf-8") as f:
        return json.load(f)


def run_point(outdir, pid):
    """Run point pid unless its outcome (result or failure) is already
    recorded; returns imcsim's exit status. --retry-failed removes the
    failure records first."""
    man = load_manifest(outdir)
    pt = man["points"][pid]
    pdir = os.path.join(outdir, "points")
    done, errf = os.path.join(pdir, f"{pid}.json"), os.path.join(pdir, f"{pid}.err")
    if os.path.exists(done):
        return 0
    if os.path.exists(errf):
        with open(errf, encoding="utf-8") as f:
            return json.load(f)["exit_code"]
    tmp = os.path.join(pdir, f".{pid}.json.tmp{os.getpid()}")
    argv = point_argv(man, pt, tmp if man["command"] == "run" else None)
    t0, ru0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        # libsystemc prints its banner on stdout, ahead of the JSON, unless told not to
        env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=man["timeout_s"], env=env)
        rc, out, err = r.returncode, r.stdout, r.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        rc, out, err = 124, b"", f"timed out after {man['timeout_s']} s"
    except OSError as e:
        rc, out, err = 127, b"", f"cannot run {argv[0]}: {e.strerror}"
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # host time of the point, beside (never in) the deterministic results
    _write_atomic(os.path.join(pdir, f"{pid}.time"), json.dumps(
        {"wall_s": round(time.monotonic() - t0, 3),
         "cpu_s": round(ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime, 3)}) + "\n")
    if rc == 0:
        try:
            if man["command"] == "run":
                with open(tmp, "rb") as f:
                    out = f.read()
            if not isinstance(json.loads(out), dict):
                raise ValueError("not a JSON object")
            if man["command"] != "run":
                with open(tmp, "wb") as f:
                    f.write(out)
            if err.strip():  # warnings of a successful point (e.g. a lossy ADC)
                _write_atomic(os.path.join(pdir, f"{pid}.stderr"), err)
            os.replace(tmp, done)
            if os.path.exists(errf):
                os.unlink(errf)
            return 0
        except (OSError, ValueError) as e:
            rc, err = 1, f"exit 0 but no valid JSON result ({e})\n" + err
    if os.path.exists(tmp):
        os.unlink(tmp)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    # the last "error:" line says more than trailing notes or progress
    errs = [ln for ln in lines if "error" in ln] or lines
    _write_atomic(errf, json.dumps({"exit_code": rc, "error": errs[-1] if errs else "",
                                    "argv": argv, "stderr_tail": lines[-20:]}, indent=1) + "\n")
    return rc


def flatten(obj, prefix="", out=None):
    """Nested scalars as dotted keys, in the object's order; lists are left out."""
    out = {} if out is None else out
    for k, v in obj.items():
        key = prefix + k
        if isinstance(v, dict):
            flatten(v, key + ".", out)
        elif not isinstance(v, list):
            out[key] = v
    return out


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def merge(outdir):
    """Write results.csv and failed.csv; returns (ok, failed, missing)."""
    man = load_manifest(outdir)
    pdir = os.path.join(outdir, "points")
    fixed_cols = ["point", "status"]
    if man["command"] == "run":
        fixed_cols += ["arch", "model", "batch"]
    elif man["command"] == "compile":
        fixed_cols += ["arch", "model"]
    elif man["command"] == "arch":
        fixed_cols += ["arch"]
    fixed_cols += man["params"]
    rows, result_cols, seen = [], [], set(fixed_cols)
    failed = []
    counts = {"ok": 0, "failed": 0, "missing": 0}
    for pt in man["points"]:
        pid = pt["id"]
        row = {"point": pid, "arch": pt["arch"], "model": pt["model"], "batch": pt["batch"]}
        row.update(pt["params"])
        res = {}
        try:
            with open(os.path.join(pdir, f"{pid}.json"), encoding="utf-8") as f:
                # numbers keep imcsim's own text: no float round trip in the CSV
                res = flatten(json.load(f, parse_float=str, parse_int=str))
            row["status"] = "ok"
        except FileNotFoundError:
            try:
                with open(os.path.join(pdir, f"{pid}.err"), encoding="utf-8") as f:
                    e = json.load(f)
                row["status"] = "failed"
                failed.append((pid, "failed", e["exit_code"], e["error"]))
            except FileNotFoundError:
                row["status"] = "missing"
                failed.append((pid, "missing", "", "not run (interrupted? use --resume)"))
        counts[row["status"]] += 1
        for k, v in res.items():
            col = k if k not in fixed_cols else "result." + k
            if col in ("result.arch", "result.model", "result.batch"):
                continue  # already the point's own columns
            if col not in seen:
                seen.add(col)
                result_cols.append(col)
            row[col] = v
        rows.append(row)
    cols = fixed_cols + result_cols
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for row in rows:
        w.writerow([cell(row.get(c)) for c in cols])
    _write_atomic(os.path.join(outdir, "results.csv"), buf.getvalue())
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["point", "status", "exit_code", "error", "arch", "model"] + man["params"])
    for pid, status, rc, msg in failed:
        pt = man["points"][pid]
        w.writerow([pid, status, rc, msg, cell(pt["arch"]), cell(pt["model"])] +
                   [pt["params"].get(k, "") for k in man["params"]])
    _write_atomic(os.path.join(outdir, "failed.csv"), buf.getvalue())
    return counts["ok"], counts["failed"], counts["missing"]


def host_time(outdir):
    """(wall, cpu) seconds summed over the points that recorded them."""
    wall = cpu = 0.0
    pdir = os.path.join(outdir, "points")
    for name in os.listdir(pdir):
        if name.endswith(".time"):
            with open(os.path.join(pdir, name), encoding="utf-8") as f:
                t = json.load(f)
            wall, cpu = wall + t["wall_s"], cpu + t["cpu_s"]
    return wall, cpu


def main(argv):
    if len(argv) == 3 and argv[0] == "point":
        return run_point(argv[1], int(argv[2]))
    if len(argv) == 2 and argv[0] == "merge":
        ok, bad, missing = merge(argv[1])
        print(f"sweep: {ok + bad + missing} points: {ok} ok, {bad} failed, {missing} missing; "
              f"{os.path.join(argv[1], 'results.csv')}", file=sys.stderr)
        return 0 if bad + missing == 0 else 1
    print("usage: sweeplib.py point OUTDIR ID | merge OUTDIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
