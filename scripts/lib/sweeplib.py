"""Sweep machinery: spec -> manifest of the grid, one point -> one result file,
all result files -> one merged CSV. scripts/sweep drives it through GNU
parallel; the Slurm script and parallel's remote hosts call this file's
`point`, `task` and `merge` subcommands, so every path leads through the same
code.

The grid is never built in memory: the manifest holds its axes (architectures,
models, batches, listed points, grid values) and point i is computed from i
(point_at), so a 10^12-point grid costs what its spec costs.

OUTDIR layout:
  sweep.json    manifest: command, imcsim path, columns, the axes of the grid
  .lock         held (flock) by the sweep using OUTDIR, and by its jobs
  joblog        parallel's --joblog (what --resume reads)
  points/ID.json  result of point ID (renamed into place when complete)
  points/ID.err   JSON {exit_code, error, argv, stderr_tail} of a failed point
  points/ID.stderr  what a successful point printed on stderr (warnings), if anything
  points/ID.time  {wall_s, cpu_s} of imcsim for that point (host time, not a result)
  results.csv   one row per point, by id; failed.csv the failed/missing ones
"""
import csv
import ctypes
import fcntl
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from yamlpos import Map, Scalar, Seq, SpecError, parse  # noqa: E402

COMMANDS = ("run", "compile", "arch", "noc")
TOP_KEYS = ("command", "arch", "model", "models", "batch", "set", "grid", "points", "timeout_s")
MANIFEST_VERSION = 2


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
    axes = {"arch": archs, "model": models, "batch": batches, "fixed": fixed,
            "listed": listed, "grid_keys": grid_keys, "grid_vals": grid_vals}
    n = len(archs) * len(models) * len(batches) * len(listed)
    for v in grid_vals:
        n *= len(v)
    return {"version": MANIFEST_VERSION, "spec": os.path.abspath(path), "command": command,
            "params": params, "timeout_s": timeout, "axes": axes, "n_points": n}


def point_at(man, pid):
    """Point pid of the grid: arch x model x batch x listed x grid, the last
    grid key fastest (itertools.product's order), computed from pid alone."""
    ax = man["axes"]
    if not 0 <= pid < man["n_points"]:
        raise IndexError(f"point {pid} is not in 0..{man['n_points'] - 1}")
    rest, combo = pid, []
    for vals in reversed(ax["grid_vals"]):
        rest, k = divmod(rest, len(vals))
        combo.append(vals[k])
    combo.reverse()
    rest, li = divmod(rest, len(ax["listed"]))
    rest, bi = divmod(rest, len(ax["batch"]))
    ai, mi = divmod(rest, len(ax["model"]))
    p = dict(ax["fixed"])
    p.update(ax["listed"][li])
    p.update(zip(ax["grid_keys"], combo))
    return {"id": pid, "arch": ax["arch"][ai], "model": ax["model"][mi],
            "batch": ax["batch"][bi], "params": {k: p[k] for k in man["params"] if k in p}}


def iter_points(man):
    """Every point in id order, one at a time."""
    for pid in range(man["n_points"]):
        yield point_at(man, pid)


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
    with _AtomicText(path) as f:
        f.write(text)


class ManifestError(Exception):
    pass


def load_manifest(outdir):
    path = os.path.join(outdir, "sweep.json")
    try:
        with open(path, encoding="utf-8") as f:
            man = json.load(f)
    except (OSError, ValueError) as e:
        raise ManifestError(f"cannot read {path}: {e}") from None
    if not isinstance(man, dict) or man.get("version") != MANIFEST_VERSION:
        raise ManifestError(f"{path} was written by another version of scripts/sweep "
                            "(expected a sweep started with --force)")
    return man


def lock_outdir(outdir):
    """An exclusive lock on OUTDIR for as long as the returned descriptor (or
    a process it is passed to) is open; None when another sweep holds it."""
    fd = os.open(os.path.join(outdir, ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def die_with_parent(sig=signal.SIGTERM):
    """preexec_fn for a child that must not outlive this process, even when
    this process is killed with SIGKILL (Linux PR_SET_PDEATHSIG)."""
    parent = os.getpid()
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def arm():
        prctl(1, int(sig))  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl
            os.kill(os.getpid(), sig)
    return arm


def describe_failure(rc, lines):
    """(exit code, error line) of a failed point: a signal says so; else the
    last line that reports an error, else the last line, else the status."""
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        why = " (out of memory?)" if -rc == signal.SIGKILL else ""
        return 128 - rc, f"error: imcsim was killed by {name} (signal {-rc}){why}"
    errs = [ln for ln in lines if "error" in ln]
    if errs:
        return rc, errs[-1]
    return rc, f"error: imcsim exited with status {rc}" + (f"; last words: {lines[-1]}"
                                                          if lines else " and printed nothing")


def run_point(outdir, pid):
    """Run point pid unless its outcome (result or failure) is already
    recorded; returns imcsim's exit status. --retry-failed removes the
    failure records first."""
    return run_one(load_manifest(outdir), outdir, pid)


def run_one(man, outdir, pid):
    pt = point_at(man, pid)
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
                           timeout=man["timeout_s"], env=env,
                           preexec_fn=die_with_parent(signal.SIGKILL))
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
    code, msg = describe_failure(rc, lines)
    _write_atomic(errf, json.dumps({"exit_code": code, "error": msg,
                                    "argv": argv, "stderr_tail": lines[-20:]}, indent=1) + "\n")
    return code


def run_task(outdir, task, tasks):
    """Slurm array task `task` of `tasks`: its contiguous share of the points."""
    man = load_manifest(outdir)
    n = man["n_points"]
    rc = 0
    for pid in range(task * n // tasks, (task + 1) * n // tasks):
        rc = max(rc, 1 if run_one(man, outdir, pid) else 0)
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
    """Write results.csv and failed.csv; returns (ok, failed, missing). Rows
    stream through a temporary file: memory holds the columns, not the rows."""
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
    result_cols, seen = [], set(fixed_cols)
    counts = {"ok": 0, "failed": 0, "missing": 0}
    fbuf = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
    fw = csv.writer(fbuf, lineterminator="\n")
    fw.writerow(["point", "status", "exit_code", "error", "arch", "model"] + man["params"])
    rows = tempfile.TemporaryFile("w+", encoding="utf-8")
    for pt in iter_points(man):
        pid = pt["id"]
        row = {"point": pid, "arch": pt["arch"], "model": pt["model"], "batch": pt["batch"]}
        row.update(pt["params"])
        res, failed = {}, None
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
                failed = ("failed", e["exit_code"], e["error"])
            except FileNotFoundError:
                row["status"] = "missing"
                failed = ("missing", "", "not run (interrupted? use --resume)")
        counts[row["status"]] += 1
        if failed:
            fw.writerow([pid, failed[0], failed[1], failed[2], cell(pt["arch"]),
                         cell(pt["model"])] + [pt["params"].get(k, "") for k in man["params"]])
        for k, v in res.items():
            col = k if k not in fixed_cols else "result." + k
            if col in ("result.arch", "result.model", "result.batch"):
                continue  # already the point's own columns
            if col not in seen:
                seen.add(col)
                result_cols.append(col)
            row[col] = v
        rows.write(json.dumps(row) + "\n")
    cols = fixed_cols + result_cols
    rows.seek(0)
    with _AtomicText(os.path.join(outdir, "results.csv")) as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(cols)
        for line in rows:
            row = json.loads(line)
            w.writerow([cell(row.get(c)) for c in cols])
    rows.close()
    fbuf.seek(0)
    with _AtomicText(os.path.join(outdir, "failed.csv")) as out:
        for chunk in iter(lambda: fbuf.read(1 << 16), ""):
            out.write(chunk)
    fbuf.close()
    return counts["ok"], counts["failed"], counts["missing"]


class _AtomicText:
    """A text file written beside its destination and renamed into place."""

    def __init__(self, path):
        self.path = path
        self.tmp = f"{os.path.dirname(path)}/.{os.path.basename(path)}.tmp{os.getpid()}"

    def __enter__(self):
        self.f = open(self.tmp, "w", encoding="utf-8", newline="")
        return self.f

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.f.flush()
            os.fsync(self.f.fileno())
        self.f.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
        return False


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
    try:
        if len(argv) == 3 and argv[0] == "point":
            return run_point(argv[1], int(argv[2]))
        if len(argv) == 4 and argv[0] == "task":
            return run_task(argv[1], int(argv[2]), int(argv[3]))
        if len(argv) == 2 and argv[0] == "merge":
            ok, bad, missing = merge(argv[1])
            print(f"sweep: {ok + bad + missing} points: {ok} ok, {bad} failed, {missing} "
                  f"missing; {os.path.join(argv[1], 'results.csv')}", file=sys.stderr)
            return 0 if bad + missing == 0 else 1
    except ManifestError as e:
        print(f"sweep: error: {e}", file=sys.stderr)
        return 2
    print("usage: sweeplib.py point OUTDIR ID | task OUTDIR I N | merge OUTDIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
