"""K-class logreg against scikit-learn (multinomial) and LIBLINEAR (one-vs-rest), side by side.

Issue 12's benchmark. Two kinds of case, each run in one process so the ratios are measured side
by side on the same machine state:

dense  MxNxK:λ      `logreg generate --rows M --features N --classes K --seed 1` (CSV). Tools:
                    logreg multinomial (`--solver auto` and `--solver newton`, default
                    standardisation) and scikit-learn LogisticRegression(solver="lbfgs")
                    (multinomial, C = 1/(λm)) on the same standardised features. Every solution
                    is scored under logreg's J in numpy f64,

                      J = (1/m) Σ_i [log Σ_k exp(z_ik) − z_i,y_i] + (λ/2) Σ_k ‖w̃_k‖²,

                    z = X̃ W̃ᵀ + b̃, X̃ the columns standardised with their f64 mean and
                    population standard deviation, biases unpenalised. logreg's raw-scale model
                    (W, b) maps to W̃ = W·diag(s), b̃ = b + W μ. scikit-learn minimises m·J on X̃
                    (its 1/(2C) = λm/2), so its coef_ is W̃ directly. Each scikit-learn tol in
                    --sklearn-tols is a separate fit. Floors for logreg's time per pass: one
                    plain parallel read of the f32 matrix (examples/bandwidth.rs) and one numpy
                    X̃ W̃ᵀ in f32 (then cast to f64), the K dot products of every row; also the
                    product X̃ᵀ G a gradient needs, and 2mnK FLOPs at that measured speed.

sparse MxNxK@P:λ    `logreg generate ... --classes K --density P` (LIBSVM, labels 0..K−1). Tools:
                    logreg `--multiclass ovr --no-standardize` (K binary fits), LIBLINEAR `-s 0
                    -c 1/(λm) -B 1 -R -e E` (one-vs-rest for K > 2; -R leaves the bias weight
                    unpenalised) on the raw features (LIBLINEAR cannot standardise, so logreg
                    runs with --no-standardize to have the same optima), once per E in
                    --liblinear-eps and per thread count in --liblinear-threads (the
                    liblinear-multicore build's `-m T` when it is importable, see below), and
                    logreg multinomial `--no-standardize` beside them (another objective: only
                    its own report is shown). Per class k the binary J of logreg,

                      J_k = (1/m) Σ_i log(1 + exp(−s_ik (w_k·x_i + b_k))) + (λ/2) ‖w_k‖²,

                    s_ik = +1 if y_i = k else −1, is evaluated in scipy CSR f64 for every
                    one-vs-rest solution; J*_k is the smallest any tool reached, and the table
                    shows the largest and the median (J_k − J*_k)/J*_k over the K classes.

Times: logreg's fit time is `report.seconds` of `train --json` (the solver alone), its load time
`load_seconds`; scikit-learn's is around `.fit`, LIBLINEAR's around `train` (not the conversion
to its own format). logreg runs --repeat times (alternating solvers); the table shows the median
and the spread (max/min); each peer runs once per setting unless --peer-repeat says more. Every
file is read once into the page cache before each tool runs.

LIBLINEAR's multi-core build (`liblinear-multicore` on PyPI) installs the same module name,
`liblinear`, as `liblinear-official`, so it cannot share the environment: it is looked for in
--liblinear-multicore-dir (default bench/.venv/liblinear-multicore, where
`pip install --no-deps --target DIR liblinear-multicore==2.50.0` puts it; bench/multiclass.sh
does this) and then the official single-threaded one is used for thread count 1 only.

Usage (bench/multiclass.sh prepares the environment and the build, then runs this):
  python bench/multiclass.py --logreg target/release/logreg \
      --bandwidth target/release/examples/bandwidth \
      --dense 1000000x100x10:1e-4 --sparse 500000x50000x20@0.002:1e-4
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def warm(path):
    """Reads a file through once, so every tool starts with it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def parse_case(text):
    """'MxNxK[@P]:λ' -> (rows, features, classes, density, λ)."""
    shape, l2 = text.split(":")
    density = 1.0
    if "@" in shape:
        shape, p = shape.split("@")
        density = float(p)
    rows, features, classes = (int(v) for v in shape.lower().split("x"))
    return rows, features, classes, density, float(l2)


def data_file(args, rows, features, classes, density):
    """Generates the case's data once (kept in --data-dir) and returns its path."""
    sparse = density < 1.0
    name = f"m{rows}_n{features}_k{classes}" + (f"_p{density:g}" if sparse else "")
    path = os.path.join(args.data_dir, f"{name}_s{args.seed}.{'svm' if sparse else 'csv'}")
    if not os.path.exists(path):
        os.makedirs(args.data_dir, exist_ok=True)
        cmd = [args.logreg, "generate", "--rows", str(rows), "--features", str(features),
               "--classes", str(classes), "--seed", str(args.seed), "-o", path, "--quiet"]
        if sparse:
            cmd += ["--density", repr(density)]
        log("generating", path)
        subprocess.run(cmd, check=True)
    return path


def run_logreg(args, data, l2, extra):
    """One `logreg train --json`: its report, load time, wall time and saved model."""
    warm(data)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "m.json")
        cmd = [args.logreg, "train", data, "-o", model_path, "--l2", repr(l2), "--tol",
               repr(args.tol), "--json", "--quiet"] + extra
        start = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        wall = time.perf_counter() - start
        with open(model_path) as f:
            model = json.load(f)
    output = json.loads(out)
    report = output["report"]
    return {
        "command": " ".join(["logreg"] + cmd[1:3] + ["-o", "M"] + cmd[5:]),
        "fit_seconds": report["seconds"],
        "load_seconds": output["load_seconds"],
        "wall_seconds": wall,
        "iterations": report["iterations"],
        "passes": report["evaluations"]["passes"],
        "termination": report["termination"],
        "gap_bound": report.get("gap_bound"),
        "solver": report["solver"],
        "cost": report["cost"],
        "model": model,
    }


def repeated_logreg(args, data, l2, variants):
    """Runs each (name, extra args) variant --repeat times, alternating; keeps every run."""
    runs = {name: [] for name, _ in variants}
    for r in range(args.repeat):
        for name, extra in variants:
            result = run_logreg(args, data, l2, extra)
            log(f"  {name} run {r + 1}: fit {result['fit_seconds']:.3f} s, "
                f"{result['passes']} passes, {result['termination']}")
            runs[name].append(result)
    return runs


def summary(runs):
    """Median fit time and spread of repeated runs; the last run's model and counts."""
    times = [r["fit_seconds"] for r in runs]
    last = dict(runs[-1])
    last["fit_seconds"] = statistics.median(times)
    last["fit_min"], last["fit_max"] = min(times), max(times)
    last["spread"] = max(times) / min(times)
    last["runs"] = len(runs)
    last["fit_all"] = times
    return last


def class_index(model):
    """logreg's class order (its labels) as integers 0..K−1 of the data."""
    return [int(float(c)) for c in model["classes"]]


# ---------------------------------------------------------------------------------------------
# Dense: multinomial J on standardised features


def multinomial_cost(xs, y, w, b, l2):
    """J on the standardised X̃ (f64) for standardised weights W̃ (K × n) and biases b̃ (K)."""
    z = xs @ w.T
    z += b
    top = z.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    loss = lse - z[np.arange(len(y)), y]
    return float(loss.mean() + 0.5 * l2 * np.sum(w * w))


def logreg_standardised(model, mean, scale):
    """logreg's raw-scale (W, b), rows in class order 0..K−1, mapped to W̃ = W s, b̃ = b + W μ."""
    order = np.argsort(class_index(model))
    w = np.asarray(model["weights"], dtype=np.float64)[order]
    b = np.asarray(model["bias"], dtype=np.float64)[order]
    return w * scale, b + w @ mean


def floors(args, x32, k, passes_hint=None):
    """Plain read of the f32 matrix, and numpy's X W^T (f32 -> f64) and X^T G, best of reps."""
    rows, features = x32.shape
    out = subprocess.run([args.bandwidth, str(rows), str(features), "20", "f32"], check=True,
                         capture_output=True, text=True).stdout
    read = json.loads(out)
    rng = np.random.default_rng(0)
    w32 = rng.standard_normal((k, features)).astype(np.float32)
    g32 = rng.standard_normal((rows, k)).astype(np.float32)
    forward, backward = [], []
    for _ in range(args.floor_reps):
        start = time.perf_counter()
        z = (x32 @ w32.T).astype(np.float64)
        forward.append(time.perf_counter() - start)
        start = time.perf_counter()
        grad = x32.T @ g32
        backward.append(time.perf_counter() - start)
    del z, grad
    flops = 2.0 * rows * features * k
    return {
        "read_seconds": read["best_seconds"],
        "reps": args.floor_reps,
        "bandwidth_probe": read,
        "numpy_forward_seconds": min(forward),
        "numpy_backward_seconds": min(backward),
        "forward_gflops": flops / min(forward) / 1e9,
        "flops_per_matmul": flops,
    }


def sklearn_multinomial(xs, y, l2, tol, max_iter):
    from sklearn.linear_model import LogisticRegression

    m = xs.shape[0]
    model = LogisticRegression(C=1.0 / (l2 * m), solver="lbfgs", tol=tol, max_iter=max_iter)
    start = time.perf_counter()
    model.fit(xs, y)
    seconds = time.perf_counter() - start
    order = np.argsort(model.classes_)
    return {
        "fit_seconds": seconds,
        "iterations": int(np.max(model.n_iter_)),
        "w": model.coef_[order],
        "b": model.intercept_[order],
    }


def dense_case(args, case):
    rows, features, classes, _, l2 = parse_case(case)
    data = data_file(args, rows, features, classes, 1.0)
    log(f"dense {case}: {data}")
    variants = [(f"logreg {s}", ["--solver", s]) for s in args.solvers]
    runs = {k: summary(v) for k, v in repeated_logreg(args, data, l2, variants).items()}

    import pandas as pd

    warm(data)
    start = time.perf_counter()
    frame = pd.read_csv(data, dtype=np.float64, engine="c")
    y = frame.pop("label").to_numpy().astype(np.int64)
    x = frame.to_numpy(dtype=np.float64)
    del frame
    read = time.perf_counter() - start
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    x -= mean
    x /= scale  # x is X̃ from here on
    log(f"  pandas read {read:.1f} s")

    tools = {}
    for name, r in runs.items():
        w, b = logreg_standardised(r["model"], mean, scale)
        tools[name] = dict(r, J=multinomial_cost(x, y, w, b, l2))
        del tools[name]["model"]
    for tol in args.sklearn_tols:
        name = f"sklearn lbfgs tol={tol:g}"
        fits = []
        for _ in range(args.peer_repeat):
            fits.append(sklearn_multinomial(x, y, l2, tol, args.max_iter))
            log(f"  {name}: fit {fits[-1]['fit_seconds']:.1f} s, {fits[-1]['iterations']} it")
        times = [f["fit_seconds"] for f in fits]
        fit = fits[-1]
        tools[name] = {
            "command": f"LogisticRegression(C=1/(λm), solver='lbfgs', tol={tol:g}, "
                       f"max_iter={args.max_iter}).fit(X̃, y)",
            "fit_seconds": statistics.median(times), "spread": max(times) / min(times),
            "fit_all": times, "iterations": fit["iterations"], "passes": None,
            "termination": "max_iter" if fit["iterations"] >= args.max_iter else "tol",
            "J": multinomial_cost(x, y, fit["w"], fit["b"], l2),
        }
    best = min(t["J"] for t in tools.values())
    for t in tools.values():
        t["gap"] = (t["J"] - best) / best
    fl = floors(args, x.astype(np.float32), classes)
    return {"case": case, "data": data, "rows": rows, "features": features,
            "classes": classes, "l2": l2, "pandas_read_seconds": read, "J_best": best,
            "tools": tools, "floors": fl}


# ---------------------------------------------------------------------------------------------
# Sparse: one-vs-rest, per-class binary J on the raw features


def ovr_costs(x, y, w, b, l2):
    """J_k for every class k (rows of W in class order 0..K−1), raw features, CSR f64."""
    z = np.asarray(x @ w.T) + b
    k = w.shape[0]
    s = np.where(y[:, None] == np.arange(k)[None, :], 1.0, -1.0)
    loss = np.logaddexp(0.0, -s * z).mean(axis=0)
    return loss + 0.5 * l2 * np.sum(w * w, axis=1)


def import_liblinear(args, threads):
    """The liblinear module to use for this thread count, and its name: the multi-core build
    (from --liblinear-multicore-dir) when present, else the official one for 1 thread only."""
    directory = args.liblinear_multicore_dir
    if directory and os.path.isdir(os.path.join(directory, "liblinear")):
        if directory not in sys.path:
            sys.path.insert(0, directory)
        from liblinear import liblinear as ll
        from liblinear import liblinearutil

        if "multicore" in os.path.dirname(ll.__file__):
            return ll, liblinearutil, "liblinear-multicore 2.50.0"
    if threads != 1:
        return None, None, None
    from liblinear import liblinear as ll
    from liblinear import liblinearutil

    return ll, liblinearutil, "liblinear-official 2.50.0"


def liblinear_ovr(args, x, y, classes, l2, eps, threads):
    ll, util, build = import_liblinear(args, threads)
    if ll is None:
        return None
    m, n = x.shape
    start = time.perf_counter()
    problem = ll.problem(y.astype(np.float64), x)
    convert = time.perf_counter() - start
    options = f"-s 0 -c {1.0 / (l2 * m)!r} -B 1 -R -e {eps!r}"
    if "multicore" in build:
        options += f" -m {threads}"
    param = ll.parameter(options)
    lines = []
    param.print_func = ll.PRINT_STRING_FUN(lambda s: lines.append(s.decode()))
    start = time.perf_counter()
    model = util.train(problem, param)
    seconds = time.perf_counter() - start
    nr_class, nr_feature = model.get_nr_class(), model.get_nr_feature()
    # w is (nr_feature + 1 bias row) × nr_class, row-major; the bias is its last row × model.bias.
    raw = np.ctypeslib.as_array(model.w, shape=((nr_feature + 1) * nr_class,))
    raw = raw.reshape(nr_feature + 1, nr_class)
    labels = [int(v) for v in model.get_labels()[:nr_class]]
    order = np.argsort(labels)
    w = np.zeros((classes, n))
    w[:, :nr_feature] = raw[:nr_feature].T[order]
    b = raw[nr_feature][order] * model.bias
    text = "".join(lines)
    return {
        "command": f"liblinearutil.train(problem, '{options}')  [{build}]",
        "build": build,
        "threads": threads,
        "fit_seconds": seconds,
        "convert_seconds": convert,
        "iterations": sum(1 for line in text.splitlines() if line.startswith("iter")),
        "passes": None,
        "termination": "-e reached" if "WARNING" not in text else "WARNING in log",
        "w": w,
        "b": b,
    }


def sparse_case(args, case):
    rows, features, classes, density, l2 = parse_case(case)
    data = data_file(args, rows, features, classes, density)
    log(f"sparse {case}: {data}")
    variants = [("logreg ovr", ["--multiclass", "ovr", "--no-standardize"]),
                ("logreg multinomial", ["--multiclass", "multinomial", "--no-standardize"])]
    runs = {k: summary(v) for k, v in repeated_logreg(args, data, l2, variants).items()}

    from sklearn.datasets import load_svmlight_file

    warm(data)
    start = time.perf_counter()
    x, y = load_svmlight_file(data, dtype=np.float64, n_features=features)
    read = time.perf_counter() - start
    y = y.astype(np.int64)
    log(f"  load_svmlight_file {read:.1f} s")
    counts = np.bincount(y, minlength=classes)

    tools, costs = {}, {}
    r = runs["logreg ovr"]
    order = np.argsort(class_index(r["model"]))
    w = np.asarray(r["model"]["weights"], dtype=np.float64)[order]
    b = np.asarray(r["model"]["bias"], dtype=np.float64)[order]
    costs["logreg ovr"] = ovr_costs(x, y, w, b, l2)
    tools["logreg ovr"] = {k: v for k, v in r.items() if k != "model"}
    mult = {k: v for k, v in runs["logreg multinomial"].items() if k != "model"}
    for threads in args.liblinear_threads:
        for eps in args.liblinear_eps:
            fits = []
            for _ in range(args.peer_repeat):
                fit = liblinear_ovr(args, x, y, classes, l2, eps, threads)
                if fit is None:
                    break
                fits.append(fit)
                log(f"  liblinear -e {eps:g} -m {threads}: fit {fit['fit_seconds']:.1f} s, "
                    f"{fit['iterations']} Newton iterations in all")
            if not fits:
                log(f"  liblinear with {threads} threads: no multi-core build; skipped")
                continue
            name = f"liblinear -e {eps:g}, {threads} thread{'s' if threads > 1 else ''}"
            times = [f["fit_seconds"] for f in fits]
            fit = fits[-1]
            costs[name] = ovr_costs(x, y, fit.pop("w"), fit.pop("b"), l2)
            tools[name] = dict(fit, fit_seconds=statistics.median(times),
                               spread=max(times) / min(times), fit_all=times)
    best = np.min(np.vstack(list(costs.values())), axis=0)
    for name, j in costs.items():
        gaps = (j - best) / best
        tools[name].update(J_classes=j.tolist(), gap_max=float(gaps.max()),
                           gap_median=float(np.median(gaps)), J_sum=float(j.sum()),
                           gap_sum=float((j.sum() - best.sum()) / best.sum()))
    return {"case": case, "data": data, "rows": rows, "features": features,
            "classes": classes, "density": density, "l2": l2, "nnz": int(x.nnz),
            "class_counts": counts.tolist(), "svmlight_read_seconds": read,
            "J_best_classes": best.tolist(), "tools": tools, "logreg_multinomial": mult}


# ---------------------------------------------------------------------------------------------
# Tables


def fmt(value, spec):
    return "—" if value is None else format(value, spec)


def dense_table(result):
    tools = result["tools"]
    ref = tools[next(iter(tools))]["fit_seconds"]
    fl = result["floors"]
    lines = [f"### Dense {result['rows']:,} × {result['features']}, K = {result['classes']}, "
             f"λ = {result['l2']:g} (multinomial, standardised)", "",
             "| tool | fit s (median) | ÷ first logreg | spread max/min | iterations | passes "
             "| s/pass | termination | (J−J*)/J* |", "|---|---|---|---|---|---|---|---|---|"]
    for name, t in tools.items():
        per_pass = t["fit_seconds"] / t["passes"] if t.get("passes") else None
        lines.append(f"| {name} | {t['fit_seconds']:.3f} | {t['fit_seconds'] / ref:.2f} | "
                     f"{t['spread']:.2f} | {t['iterations']} | {fmt(t.get('passes'), 'd')} | "
                     f"{fmt(per_pass, '.4f')} | {t['termination']} | {t['gap']:.2e} |")
    read = fl["read_seconds"]
    lines += ["", f"J* = {result['J_best']:.12f} (best of the tools). Floors per pass: plain f32 "
              f"read {read:.4f} s (examples/bandwidth.rs, best of 20); numpy X̃ W̃ᵀ f32→f64 "
              f"{fl['numpy_forward_seconds']:.4f} s ({fl['forward_gflops']:.1f} GFLOP/s for "
              f"2mnK = {fl['flops_per_matmul'] / 1e9:.2f} GFLOP), X̃ᵀ G f32 "
              f"{fl['numpy_backward_seconds']:.4f} s (best of {fl['reps']})."]
    for name, t in tools.items():
        if name.startswith("logreg") and t.get("passes"):
            per_pass = t["fit_seconds"] / t["passes"]
            lines.append(f"- {name}: s/pass ÷ read = {per_pass / read:.2f}, ÷ numpy forward = "
                         f"{per_pass / fl['numpy_forward_seconds']:.2f}, ÷ (forward + X̃ᵀG) = "
                         f"{per_pass / (fl['numpy_forward_seconds'] + fl['numpy_backward_seconds']):.2f}")
    return "\n".join(lines)


def sparse_table(result):
    tools = result["tools"]
    ref = tools["logreg ovr"]["fit_seconds"]
    lines = [f"### Sparse {result['rows']:,} × {result['features']:,} @ {result['density']:g} "
             f"({result['nnz']:,} non-zeros), K = {result['classes']}, λ = {result['l2']:g} "
             "(raw features)", "",
             "| tool | fit s (median) | ÷ logreg ovr | spread max/min | iterations | passes "
             "| termination | max_k (J_k−J*_k)/J*_k | median_k | (ΣJ_k−ΣJ*_k)/ΣJ*_k |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, t in tools.items():
        lines.append(f"| {name} | {t['fit_seconds']:.3f} | {t['fit_seconds'] / ref:.2f} | "
                     f"{t['spread']:.2f} | {t['iterations']} | {fmt(t.get('passes'), 'd')} | "
                     f"{t['termination']} | {t['gap_max']:.2e} | {t['gap_median']:.2e} | "
                     f"{t['gap_sum']:.2e} |")
    mu = result["logreg_multinomial"]
    lines += ["", f"logreg multinomial (`--no-standardize`, its own J): fit {mu['fit_seconds']:.3f} s "
              f"({mu['fit_seconds'] / ref:.2f} × logreg ovr, spread {mu['spread']:.2f}), "
              f"{mu['iterations']} iterations, {mu['passes']} passes, {mu['termination']}, "
              f"gap bound {fmt(mu.get('gap_bound'), '.1e')}, solver {mu['solver']}.",
              f"logreg ovr load_seconds {tools['logreg ovr']['load_seconds']:.2f} s; "
              f"class sizes {min(result['class_counts']):,}–{max(result['class_counts']):,}."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logreg", required=True)
    parser.add_argument("--bandwidth", required=True, help="target/release/examples/bandwidth")
    parser.add_argument("--dense", nargs="*", default=[], help="cases MxNxK:λ")
    parser.add_argument("--sparse", nargs="*", default=[], help="cases MxNxK@P:λ")
    parser.add_argument("--solvers", nargs="+", default=["auto", "newton"],
                        help="logreg solvers of the dense cases")
    parser.add_argument("--tol", type=float, default=1e-6, help="logreg's --tol (gap bound)")
    parser.add_argument("--sklearn-tols", type=float, nargs="+", default=[1e-6, 1e-8])
    parser.add_argument("--max-iter", type=int, default=10_000, help="scikit-learn's max_iter")
    parser.add_argument("--liblinear-eps", type=float, nargs="+", default=[1e-3, 1e-4])
    parser.add_argument("--liblinear-threads", type=int, nargs="+", default=[2])
    parser.add_argument("--liblinear-multicore-dir",
                        default=os.path.join(HERE, ".venv", "liblinear-multicore"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each logreg variant")
    parser.add_argument("--peer-repeat", type=int, default=1, help="runs of each peer setting")
    parser.add_argument("--floor-reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()

    results, tables = [], []
    for case in args.dense:
        results.append(dense_case(args, case))
        tables.append(dense_table(results[-1]))
        print(tables[-1] + "\n", flush=True)
    for case in args.sparse:
        results.append(sparse_case(args, case))
        tables.append(sparse_table(results[-1]))
        print(tables[-1] + "\n", flush=True)
    os.makedirs(args.results_dir, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(args.results_dir, f"multiclass-{stamp}.json"), "w") as f:
        json.dump({"argv": sys.argv, "results": results}, f, indent=1, default=str)
    with open(os.path.join(args.results_dir, "multiclass-latest.md"), "w") as f:
        f.write("\n\n".join(tables) + "\n")


if __name__ == "__main__":
    main()
