"""Figures 7-9 of scripts/figures: accuracy from the functional model (docs/functional.md).

The digits networks are trained once into WORK/func_data by test/func/train_digits.py
(deterministic, CPU); each point is one `imcsim run --functional` on the 360-image test
split (calibrated on 32 training images), run in parallel, its JSON kept in
WORK/figN/points/ and its row in WORK/figN/results.csv. A point whose file exists is not
run again with --resume.
"""
import csv
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import matplotlib.ticker

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

BITS8 = ["precision.weight_bits=8", "precision.act_bits=8"]


def imcsim():
    return os.environ.get("IMCSIM") or os.path.join(ROOT, "build", "bin", "imcsim")


def data_dir(work):
    d = os.path.join(work, "func_data")
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "test", "func", "train_digits.py"), d],
                   check=True, stdout=subprocess.DEVNULL)
    return d


def run_points(name, work, points, jobs, quick, resume):
    """points: dicts with arch, sets (list), seed; returns rows (dicts) in order."""
    data = data_dir(work)
    out = os.path.join(work, name)
    os.makedirs(os.path.join(out, "points"), exist_ok=True)

    def one(i_pt):
        i, pt = i_pt
        path = os.path.join(out, "points", f"{i:04d}.json")
        if not (resume and os.path.exists(path)):
            argv = [imcsim(), "run", "--arch", pt["arch"], "--model",
                    os.path.join(data, pt.get("model", "cnn") + ".onnx"), "--functional",
                    "--data", os.path.join(data, "digits_test.imcd"),
                    "--calib", os.path.join(data, "digits_train.imcd"),
                    "--seed", str(pt.get("seed", 1)), "--quiet", "--json", path + ".tmp"]
            if quick:
                argv += ["--limit", "120"]
            for s in pt["sets"]:
                argv += ["--set", s]
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode:
                return dict(pt, status="failed", error=(r.stderr.strip().splitlines() or ["?"])[-1])
            os.replace(path + ".tmp", path)
        with open(path) as f:
            j = json.load(f)
        fn = j["functional"]
        return dict(pt, status="ok", top1=fn["top1"], agreement_int=fn["agreement_int"],
                    clipped_fraction=fn["adc_clipped"] / max(1, fn["adc_conversions"]),
                    rel_rmse=fn["layers"][-1]["rel_rmse"],
                    dynamic_j=j["energy_j"]["dynamic"] / max(1, j["batch"]),
                    energy_j=j["energy_per_inference_j"])

    t0 = time.time()
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as ex:
        rows = list(ex.map(one, enumerate(points)))
    keys = sorted({k for r in rows for k in r if k != "sets"})
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["sets"] + keys)
        w.writeheader()
        for r in rows:
            w.writerow(dict(r, sets=" ".join(r["sets"])))
    bad = [r for r in rows if r["status"] != "ok"]
    print(f"figures: {name}: {len(rows)} points in {time.time() - t0:.1f} s"
          + (f", {len(bad)} failed: {bad[0]['error']}" if bad else ""), file=sys.stderr)
    return rows


def lossless(bpc):
    """The isaac preset's lossless ADC bits at bpc bits per cell (1-bit DACs, 128 rows,
    flipped columns, a unit column): docs/arch-format.md."""
    cells = (2 ** bpc - 1) * 128
    top = max(cells // 2, 128)
    return top.bit_length()


def fig7(plt, work, jobs, quick, resume):
    """Accuracy vs ADC bits at 1, 2, 4 bits per cell (isaac, 8-bit CNN)."""
    bits = range(2, 11) if not quick else (3, 5, 7, 8, 10)
    pts = [{"arch": "isaac", "bpc": b, "adc": n, "mode": mode,
            "sets": BITS8 + [f"device.bits_per_cell={b}", f"adc.bits={n}", f"adc.lsb={lsb}"]}
           for mode, lsb in (("saturating (adc.lsb 1)", 1), ("full range (adc.lsb 0)", 0))
           for b in (1, 2, 4) for n in bits]
    rows = run_points("fig7_adc_accuracy", work, pts, jobs, quick, resume)
    fig, axs = plt.subplots(1, 2, figsize=(11, 4), layout="constrained", sharey=True)
    for ax, mode in zip(axs, dict.fromkeys(p["mode"] for p in pts)):
        for i, b in enumerate((1, 2, 4)):
            rs = [r for r in rows if r["mode"] == mode and r["bpc"] == b and r["status"] == "ok"]
            ax.plot([r["adc"] for r in rs], [100 * r["top1"] for r in rs], marker="os^"[i],
                    label=f"{b} bit{'s' if b > 1 else ''}/cell (lossless {lossless(b)} b)")
        ax.axhline(10, color="grey", ls=":", lw=1)
        ax.set_title(f"ADC {mode}", fontsize=9)
        ax.set_xlabel("ADC resolution (bits)")
        ax.legend(fontsize=7)
    axs[0].set_ylabel("top-1 accuracy (%)")
    fig.suptitle("Digits CNN, 8-bit weights and inputs, on the ISAAC-like preset: accuracy vs ADC bits")
    return fig, rows


def fig8(plt, work, jobs, quick, resume):
    """Accuracy vs device variation and vs stuck-at rate (isaac, 8-bit CNN, 3 seeds)."""
    sig = (0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2) if not quick else (0, 0.05, 0.2)
    stuck = (0, 0.001, 0.003, 0.01, 0.03, 0.1) if not quick else (0, 0.01, 0.1)
    seeds = (1, 2, 3) if not quick else (1,)
    pts = []
    for b in (1, 2):
        base = BITS8 + [f"device.bits_per_cell={b}"]
        pts += [{"arch": "isaac", "panel": "variation", "bpc": b, "x": s, "seed": k,
                 "sets": base + ["nonideal.variation=true", f"device.variation_sigma={s}"]}
                for s in sig for k in seeds]
        pts += [{"arch": "isaac", "panel": "stuck", "bpc": b, "x": p, "seed": k,
                 "sets": base + ["nonideal.stuck_at=true", f"device.stuck_on_rate={p / 2}",
                                 f"device.stuck_off_rate={p / 2}"]}
                for p in stuck for k in seeds]
    rows = run_points("fig8_devices", work, pts, jobs, quick, resume)
    fig, axs = plt.subplots(1, 2, figsize=(11, 4), layout="constrained", sharey=True)
    for ax, panel, xl in ((axs[0], "variation", "device-to-device variation σ (relative)"),
                          (axs[1], "stuck", "stuck-at rate (half ON, half OFF)")):
        for i, b in enumerate((1, 2)):
            xs = sorted({r["x"] for r in rows if r["panel"] == panel})
            mean, lo, hi = [], [], []
            for x in xs:
                v = [100 * r["top1"] for r in rows if r["panel"] == panel and r["bpc"] == b
                     and r["x"] == x and r["status"] == "ok"]
                mean.append(sum(v) / len(v) if v else float("nan"))
                lo.append(min(v) if v else float("nan"))
                hi.append(max(v) if v else float("nan"))
            ax.plot(xs, mean, marker="os"[i], label=f"{b} bit{'s' if b > 1 else ''}/cell")
            ax.fill_between(xs, lo, hi, alpha=0.2)
        ax.set_xscale("symlog", linthresh=0.01 if panel == "variation" else 0.001)
        ax.axhline(10, color="grey", ls=":", lw=1)
        ax.set_xlabel(xl)
        ax.legend(fontsize=7, title=f"mean and range of {len(seeds)} seeds", title_fontsize=7)
    axs[0].set_ylabel("top-1 accuracy (%)")
    fig.suptitle("Digits CNN, 8-bit, on the ISAAC-like preset: accuracy vs device non-idealities")
    return fig, rows


def fig9(plt, work, jobs, quick, resume):
    """Accuracy vs dynamic energy per inference over cell bits, ADC bits and precision."""
    precs = (4, 6, 8) if not quick else (4, 8)
    adcs = (4, 5, 6, 7, 8, 9, 10) if not quick else (5, 8, 10)
    pts = [{"arch": "isaac", "bpc": b, "adc": n, "prec": p,
            "sets": [f"precision.weight_bits={p}", f"precision.act_bits={p}",
                     f"device.bits_per_cell={b}", f"adc.bits={n}", "adc.lsb=0"]}
           for p in precs for b in (1, 2, 4) if p % b == 0 for n in adcs]
    rows = [r for r in run_points("fig9_tradeoff", work, pts, jobs, quick, resume)
            if r["status"] == "ok"]
    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    for i, p in enumerate(precs):
        for j, b in enumerate((1, 2, 4)):
            rs = [r for r in rows if r["prec"] == p and r["bpc"] == b]
            if rs:
                ax.scatter([1e9 * r["dynamic_j"] for r in rs], [100 * r["top1"] for r in rs],
                           marker="os^"[j], color=f"C{i}", s=28, alpha=0.8,
                           label=f"{p}-bit, {b} b/cell")
    front, best = [], -1.0
    for r in sorted(rows, key=lambda r: r["dynamic_j"]):
        if r["top1"] > best:
            best = r["top1"]
            front.append(r)
    ax.step([1e9 * r["dynamic_j"] for r in front], [100 * r["top1"] for r in front],
            where="post", color="k", lw=1, label="Pareto front")
    ax.set_xscale("log")
    fmt = matplotlib.ticker.FormatStrFormatter("%g")
    ax.xaxis.set_major_formatter(fmt)
    ax.xaxis.set_minor_formatter(fmt)
    ax.tick_params(axis="x", which="minor", labelsize=7)
    ax.set_xlabel("dynamic energy per inference (nJ)")
    ax.set_ylabel("top-1 accuracy (%)")
    ax.legend(fontsize=6, ncol=2)
    ax.set_title("Digits CNN on ISAAC-like crossbars: weight/input bits x bits per cell x ADC bits "
                 "(full-range ADC)", fontsize=8)
    return fig, rows
