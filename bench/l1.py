"""L1 / elastic-net logistic regression (issue 14): logreg against LIBLINEAR, glum, skglm and
scikit-learn, side by side, on the same data and the same objective.

    J(w, b) = (1/m) Σ_i log(1 + exp(−s_i (w·x_i + b))) + λ1 ‖w‖₁ + (λ2/2) ‖w‖²,

raw features (logreg runs with --no-standardize, so its penalty is on the raw weights), bias not
penalised. logreg runs as

    logreg train DATA -o MODEL --l1 λ1 --l2 λ2 --no-standardize --tol 1e-9 --quiet --json

(only when `logreg train --help` lists --l1; otherwise its row is skipped and the table has the
peers alone). How each peer is told J is in bench/l1_peers.py's docstring. Every tool is a
process of its own (peak RSS from os.wait4), run after its input file has been read through once
(page cache). Every solution is then re-scored under J in float64 (scipy CSR for LIBSVM files,
never densified) in a separate process; J* is the smallest J of any tool and of a reference
refinement of the best one (projected Newton on its support with fixed signs, plus the
off-support coordinates that violate the optimality conditions; l1_peers.refine), and the
support of that reference is the one every tool's support is compared with.

Cases: a data set × its two λ1 values (chosen to select about 10% and about 1% of the features,
see LAMBDAS) × each λ2 of --l2 (default 0: pure L1; LIBLINEAR and scikit-learn's liblinear are
skipped when λ2 > 0).

  dense    1,000,000 × 100 (CSV, `logreg generate --seed 1`); --quick: 100,000 × 100
  sparse   500,000 × 50,000 at density 0.002 (LIBSVM); --quick: 50,000 × 5,000 at 0.02
  austen   bag of words of Jane Austen's novels, 9,058 paragraphs × 7,449 terms (raw counts),
           Pride & Prejudice against the other five (bench/text_data.R, from janeaustenr)
  austen-xK  the same rows repeated K times (--austen-copies, default 55: 498,190 rows); J and
           its minimiser are those of austen, so the λ1 are too

Columns: fit s (the solver alone: logreg's report.seconds; the peers' time around fit/train,
after reading, after any conversion to the tool's own format, and after skglm's numba warm-up);
×logreg (fit s / logreg's fit s); (J−J*)/J*; KKT/λ1 (the largest distance of 0 from the
subdifferential of J over all coordinates and the bias, divided by λ1: 1 means a coordinate is
off by a whole λ1, the size a wrong normalisation of the objective would give); nnz (non-zero
weights); support diff (features whose zero/non-zero status differs from the reference's);
peak RSS of the tool's process.

Usage (bench/l1.sh prepares the environment and passes --logreg):
  python bench/l1.py --logreg target/release/logreg [--quick] [--datasets dense sparse austen]
      [--tools "logreg liblinear liblinear-official glum skglm sklearn-liblinear sklearn-saga"]
      [--l2 0 1e-4] [--lambdas 1e-4 1e-3] [--repeat N] [--tool-timeout S]
  python bench/l1.py report bench/results/l1-<UTC>.json      # the tables of a past run
A tool may carry its tolerance: "skglm:1e-6 skglm:1e-8" gives two rows. Output: the tables on
stdout and in bench/results/l1-latest.md, everything measured (minus the weights) in
bench/results/l1-<UTC>.json.

Notes from the first runs (2 shared cores; see the load-average line under each table):
- LIBLINEAR's multi-core build accepts -m for -s 6 and -R for -s 6, but `-m 2` was erratic on
  this machine: 0.56 s to 42 s for the same fit (50,000 × 5,000, λ1 = 1.2e-4) with libgomp's
  default spinning, a steady 2.6 s with OMP_WAIT_POLICY=passive, 0.75 s with -m 1 and 0.62 s
  for the official single-threaded build. Both builds are in the default list; --repeat 3
  (the fastest fit counts) takes the worst outliers out.
- glum's irls-cd allocates the dense (n+1)² Hessian up front (glum/_solvers.py): 20 GB at
  n = 50,000, so it is skipped there (--glum-max-hessian-gb); at n = 7,449 (austen) it used
  3.6 GB and 40–90 s.
- scikit-learn's saga needs many epochs on raw counts (austen: 200 epochs, still 1.3 above J*
  relative) and is by far the slowest on the generated data; --tool-timeout bounds it.
- skglm's numba compilation (8–13 s) is excluded by an untimed warm-up fit.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "l1_peers.py")

# Default tolerance of each tool (its own criterion; see l1_peers.py).
TOLERANCES = {
    "logreg": 1e-9,          # certified relative gap (J − J*)/J*
    "liblinear": 1e-6,       # -e: ‖∇^S f‖_∞ ≤ e·min(pos, neg)/m·‖∇^S f(0)‖_∞
    "liblinear-official": 1e-6,  # the same, the single-threaded build
    "glum": 1e-8,            # gradient_tol: Σ |min-norm subgradient|
    "skglm": 1e-8,           # tol: max subgradient distance
    "sklearn-saga": 1e-6,    # tol: max |Δw| / max |w| per epoch
    "sklearn-liblinear": 1e-6,  # tol = LIBLINEAR's -e
}
TOOLS = ["logreg", "liblinear", "liblinear-official", "glum", "skglm", "sklearn-liblinear",
         "sklearn-saga"]
L1_ONLY = {"liblinear", "liblinear-official", "sklearn-liblinear"}
MAX_ITER = {"sklearn-saga": 200, "sklearn-liblinear": 1000, "glum": 1000, "skglm": 50,
            "liblinear": 1000, "liblinear-official": 1000}

# λ1 values found with `l1_peers.py lambdas DATA --fractions 0.1 0.01` (skglm path from
# λ_max = ‖Xᵀ(y − ȳ)‖_∞/m, bisection in log λ, rounded): (λ1, non-zeros it selected there).
LAMBDAS = {
    # 1,000,000 × 100: λ_max = 0.08957
    "m1000000_n100_s1.csv": [(0.045, 10), (0.089, 1)],
    # 100,000 × 100: λ_max = 0.08953
    "m100000_n100_s1.csv": [(0.045, 10), (0.089, 1)],
    # 500,000 × 50,000 @ 0.002: λ_max = 1.767e-4
    "m500000_n50000_p0.002_s1.svm": [(1.2e-5, 4981), (4.1e-5, 475)],
    # 50,000 × 5,000 @ 0.02: λ_max = 1.334e-3
    "m50000_n5000_p0.02_s1.svm": [(1.2e-4, 488), (3.8e-4, 52)],
    # austen, 9,058 × 7,449: λ_max = 0.1145
    "austen_pp.svm": [(1e-4, 774), (1.8e-3, 75)],
}


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def warm(path):
    """Reads a file through once so every tool starts with it in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def run_measured(cmd, timeout, env=None):
    """(exit code or None on timeout, wall s, peak RSS MB, stdout, stderr) of cmd."""
    out = tempfile.TemporaryFile("w+")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env, text=True,
                            start_new_session=True)
    timed_out = []

    def kill():
        timed_out.append(True)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    timer.cancel()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read()
    out.close()
    code = None if timed_out else proc.returncode
    if code not in (0, None):
        log(f"command failed ({code}): {shlex.join(cmd)}\n{err[-2000:]}")
    return code, wall, usage.ru_maxrss / 1024.0, text, err


def logreg_has_l1(binary):
    if not binary or not os.path.exists(binary):
        return False
    text = subprocess.run([binary, "train", "--help"], capture_output=True, text=True).stdout
    return "--l1" in text


# ----------------------------------------------------------------------------- data

def data_file(args, name):
    """(path, rows, features, density, kind) of a data set name, generating it if missing."""
    os.makedirs(args.data_dir, exist_ok=True)
    if name in ("dense", "sparse"):
        rows, features, density = {
            ("dense", False): (1_000_000, 100, 1.0), ("dense", True): (100_000, 100, 1.0),
            ("sparse", False): (500_000, 50_000, 0.002), ("sparse", True): (50_000, 5_000, 0.02),
        }[(name, args.quick)]
        ext = "csv" if density >= 1.0 else "svm"
        tag = f"m{rows}_n{features}" + ("" if density >= 1.0 else f"_p{density:g}")
        path = os.path.join(args.data_dir, f"{tag}_s{args.seed}.{ext}")
        if not os.path.exists(path):
            # The same call as bench/bench.py's, so the files are shared with it.
            subprocess.run([args.logreg, "generate", "--rows", str(rows), "--features",
                            str(features), "--density", repr(density), "--seed", str(args.seed),
                            "-o", path], check=True)
        return path, rows, features, density
    if name.startswith("austen"):
        base = os.path.join(args.data_dir, "austen_pp.svm")
        if not os.path.exists(base):
            subprocess.run(["Rscript", os.path.join(HERE, "text_data.R"), base], check=True)
        with open(os.path.splitext(base)[0] + ".vocab.txt") as f:
            features = sum(1 for _ in f)
        with open(base, "rb") as f:
            lines = f.readlines()
        if name == "austen":
            return base, len(lines), features, None
        copies = int(name[len("austen-x"):]) if name.startswith("austen-x") else args.austen_copies
        path = os.path.join(args.data_dir, f"austen_pp_x{copies}.svm")
        if not os.path.exists(path):
            with open(path + ".part", "wb") as f:
                for _ in range(copies):
                    f.writelines(lines)
            os.replace(path + ".part", path)
        return path, len(lines) * copies, features, None
    raise SystemExit(f"unknown data set {name}")


def lambdas_for(args, path):
    if args.lambdas:
        return [(v, None) for v in args.lambdas]
    key = os.path.basename(path)
    if key.startswith("austen_pp_x"):
        key = "austen_pp.svm"  # the same J
    values = LAMBDAS.get(key)
    if not values:
        raise SystemExit(f"no recorded λ1 for {key}: pass --lambdas, or find them with "
                         f"`l1_peers.py lambdas {path}`")
    return values


# ----------------------------------------------------------------------------- tools

def parse_tools(text):
    out = []
    for spec in text.split():
        tool, _, tol = spec.partition(":")
        if tool not in TOLERANCES:
            raise SystemExit(f"unknown tool {tool} (one of {', '.join(TOOLS)})")
        out.append((tool, float(tol) if tol else TOLERANCES[tool]))
    return out


def run_logreg(args, data, features, l1, l2, tol, workdir):
    model = os.path.join(workdir, "logreg-model.json")
    cmd = [args.logreg, "train", data, "-o", model, "--l1", repr(l1), "--l2", repr(l2),
           "--no-standardize", "--tol", repr(tol), "--quiet", "--json"]
    cmd += shlex.split(args.logreg_args)
    warm(data)
    code, wall, rss, text, _ = run_measured(cmd, args.tool_timeout)
    if code is None:
        return {"tool": "logreg", "tol": tol, "timed_out": True, "rss_mb": rss,
                "process_seconds": wall}
    if code != 0:
        return None
    output = json.loads(text)
    report = output["report"]
    with open(model) as f:
        saved = json.load(f)
    w, b = saved["weights"], saved["bias"]
    if w and isinstance(w[0], list):
        w = w[0]
    if isinstance(b, list):
        b = b[0]
    return {
        "tool": "logreg", "tol": tol, "command": shlex.join(cmd),
        "weights": list(w) + [0.0] * (features - len(w)), "bias": b,
        "fit_seconds": report["seconds"], "read_seconds": output.get("load_seconds"),
        "end_to_end_seconds": wall, "process_seconds": wall, "rss_mb": rss,
        "iterations": report.get("iterations"),
        "passes": (report.get("evaluations") or {}).get("passes"),
        "termination": report.get("termination"), "reported_cost": report.get("cost"),
        "solver": report.get("solver"), "gap_bound": report.get("gap_bound"),
        "lambda_max": (saved.get("training") or {}).get("lambda_max"), "threads": os.cpu_count(),
    }


def run_peer(args, tool, data, features, l1, l2, tol, workdir):
    out = os.path.join(workdir, f"{tool}.json")
    cmd = [sys.executable, PEERS, tool, data, "--l1", repr(l1), "--l2", repr(l2),
           "--tol", repr(tol), "--out", out, "--threads", str(args.threads),
           "--max-iter", str(MAX_ITER[tool]), "--intercept-scaling", repr(args.intercept_scaling)]
    if not data.endswith(".csv"):
        cmd += ["--features", str(features)]
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = str(args.threads)
    warm(data)
    code, wall, rss, _, _ = run_measured(cmd, args.tool_timeout, env)
    if code is None:
        return {"tool": tool, "tol": tol, "timed_out": True, "rss_mb": rss, "process_seconds": wall}
    if code != 0:
        return None
    with open(out) as f:
        result = json.load(f)
    result.update(tool=tool, tol=tol, rss_mb=rss, process_seconds=wall)
    result["weights"] = result["weights"] + [0.0] * (features - len(result["weights"]))
    return result


def best_of(runs):
    """Fastest fit of repeated runs, largest RSS; the solution of the last that finished."""
    done = [r for r in runs if r and not r.get("timed_out")]
    if not done:
        return next((r for r in runs if r), None)
    best = dict(done[-1])
    best["fit_seconds"] = min(r["fit_seconds"] for r in done)
    best["fit_seconds_all"] = [r["fit_seconds"] for r in done]
    best["rss_mb"] = max(r["rss_mb"] for r in done)
    return best


def skip_reason(args, tool, l2, features, have_logreg):
    if tool == "logreg" and not have_logreg:
        return "this logreg has no --l1"
    if tool in L1_ONLY and l2 > 0:
        return "no elastic net (λ2 must be 0)"
    if tool == "glum" and (features + 1) ** 2 * 8 > args.glum_max_hessian_gb * 1e9:
        return (f"glum's IRLS keeps a dense (n+1)² Hessian: {(features + 1) ** 2 * 8 / 1e9:.0f} GB "
                f"at n = {features:,} (> --glum-max-hessian-gb {args.glum_max_hessian_gb:g})")
    return None


def run_case(args, name, path, rows, features, density, l1, expected_nnz, l2, have_logreg):
    log(f"case {name} λ1 = {l1:g} λ2 = {l2:g}: {path}")
    load_before = os.getloadavg()
    results, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="logreg-l1-") as workdir:
        for tool, tol in args.tools:
            reason = skip_reason(args, tool, l2, features, have_logreg)
            if reason:
                skipped.append({"tool": tool, "tol": tol, "reason": reason})
                log(f"  {tool}: skipped ({reason})")
                continue
            runs = []
            for _ in range(args.repeat):
                if tool == "logreg":
                    r = run_logreg(args, path, features, l1, l2, tol, workdir)
                else:
                    r = run_peer(args, tool, path, features, l1, l2, tol, workdir)
                runs.append(r)
                if r is None or r.get("timed_out"):
                    break
            r = best_of(runs)
            if r is None:
                skipped.append({"tool": tool, "tol": tol, "reason": "failed (see the log)"})
                continue
            results.append(r)
            if r.get("timed_out"):
                log(f"  {tool} (tol {tol:g}): timed out after {args.tool_timeout:g} s")
            else:
                log(f"  {tool} (tol {tol:g}): fit {r['fit_seconds']:.3f} s, "
                    f"{r.get('iterations')} iterations, {r['rss_mb']:.0f} MB")
        finished = [r for r in results if not r.get("timed_out")]
        scored = None
        if finished:
            solutions = os.path.join(workdir, "solutions.json")
            scores = os.path.join(workdir, "scores.json")
            with open(solutions, "w") as f:
                json.dump([{"weights": r["weights"], "bias": r["bias"]} for r in finished], f)
            cmd = [sys.executable, PEERS, "score", path, repr(l1), repr(l2), solutions, scores]
            if args.no_refine:
                cmd.append("--no-refine")
            start = time.perf_counter()
            subprocess.run(cmd, check=True)
            with open(scores) as f:
                scored = json.load(f)
            scored["seconds"] = time.perf_counter() - start
            for r, s in zip(finished, scored["scores"]):
                r.update(cost=s["cost"], kkt=s["kkt"], nnz=s["nnz"], support_diff=s["support_diff"],
                         gap=(s["cost"] - scored["j_star"]) / scored["j_star"])
    for r in results:
        r.pop("weights", None)
    return {
        "data_set": name, "data": os.path.relpath(path, os.path.dirname(HERE)), "rows": rows,
        "features": features, "density": density, "l1": l1, "l2": l2,
        "expected_nnz": expected_nnz, "j_star": scored and scored["j_star"],
        "positives": scored and scored["positives"],
        "reference": scored and scored.get("reference"), "support_from": scored and scored["support_from"],
        "best_nnz": scored and scored["best_nnz"], "score_seconds": scored and scored["seconds"],
        "results": results, "skipped": skipped,
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }


# ----------------------------------------------------------------------------- tables

def fmt(value, spec, none="—"):
    return none if value is None else format(value, spec)


def ratio_text(v):
    return f"{v:.2f}" if v >= 0.1 else f"{v:.2g}"


def label(r):
    return f"{r['tool']}"


def table(case):
    shape = f"{case['rows']:,} × {case['features']:,}"
    if case["density"] is not None and case["density"] < 1.0:
        shape += f", density {case['density']:g}"
    name = {"dense": "dense", "sparse": "sparse"}.get(case["data_set"], case["data_set"])
    head = (f"### {name} {shape} (`{case['data']}`), λ1 = {case['l1']:g}, λ2 = {case['l2']:g}"
            + (f"  (J* = {case['j_star']:.12f}, {case['best_nnz']:,} non-zeros)" if case["j_star"] else ""))
    out = [head, "",
           "| tool | tol | threads | fit s | ×logreg | (J−J*)/J* | KKT/λ1 | nnz | support diff | "
           "iterations | peak RSS MB | read s | note |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    base = next((r for r in case["results"] if r["tool"] == "logreg" and not r.get("timed_out")),
                None)
    for r in case["results"]:
        if r.get("timed_out"):
            out.append(f"| {label(r)} | {r['tol']:g} | | timed out | | | | | | | "
                       f"{r['rss_mb']:.0f} | | killed after {r['process_seconds']:.0f} s |")
            continue
        notes = []
        if r["tool"] == "logreg":
            notes.append(f"{r.get('solver')}: {r.get('termination')}, {r.get('passes')} passes")
            if r.get("gap_bound") is not None:
                notes.append(f"its gap bound {r['gap_bound']:.1e}")
            if r.get("reported_cost") is not None and abs(r["reported_cost"] - r["cost"]) > 1e-9 * r["cost"]:
                notes.append(f"its J {r['reported_cost']:.12g} ≠ rescored")
        if r.get("build"):
            notes.append(r["build"])
        if r.get("warning"):
            notes.append(r["warning"])
        if r.get("convert_seconds"):
            notes.append(f"convert {r['convert_seconds']:.2f} s")
        if r.get("jit_seconds"):
            notes.append(f"numba warm-up {r['jit_seconds']:.1f} s")
        ratio = (ratio_text(r["fit_seconds"] / base["fit_seconds"])
                 if base and base["fit_seconds"] else "—")
        out.append(
            f"| {label(r)} | {r['tol']:g} | {r.get('threads', '')} | {r['fit_seconds']:.3f} | {ratio} "
            f"| {r['gap']:.1e} | {r['kkt'] / case['l1']:.1e} | {r['nnz']:,} | {r['support_diff']:,} "
            f"| {fmt(r.get('iterations'), 'd')} | {r['rss_mb']:.0f} | {fmt(r.get('read_seconds'), '.2f')} "
            f"| {'; '.join(notes)} |")
    for s in case["skipped"]:
        out.append(f"| {s['tool']} | {s['tol']:g} | | skipped | | | | | | | | | {s['reason']} |")
    load = case.get("load_average")
    if load:
        out.append(f"\nLoad average (1, 5, 15 min) before the case "
                   f"{', '.join(f'{v:.2f}' for v in load['before'])}, after "
                   f"{', '.join(f'{v:.2f}' for v in load['after'])}.")
    ref = case.get("reference")
    if ref:
        out.append(f"\nReference (refined from the best tool's solution, {ref['seconds']:.1f} s): "
                   f"J = {ref['cost']:.15f}, KKT/λ1 = {ref['kkt'] / case['l1']:.1e}, "
                   f"{ref['nnz']:,} non-zeros; supports are compared with the {case['support_from']}'s.")
    return "\n".join(out)


def report(measured, header):
    body = []
    for case in measured:
        body += [table(case), ""]
    return "\n".join(header + [""] + body)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "report":
        with open(sys.argv[2]) as f:
            saved = json.load(f)
        print(report(saved["cases"], saved.get("header", [])))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logreg", default=os.path.join(os.path.dirname(HERE), "target", "release",
                                                         "logreg"))
    parser.add_argument("--quick", action="store_true",
                        help="100,000 × 100 dense and 50,000 × 5,000 sparse instead of the full sizes")
    parser.add_argument("--datasets", nargs="+", default=["dense", "sparse", "austen"],
                        help="dense, sparse, austen, austen-xK (K copies of austen's rows)")
    parser.add_argument("--tools", default=" ".join(TOOLS),
                        help="space separated, each TOOL or TOOL:TOL; the first logreg is the "
                             "base of ×logreg")
    parser.add_argument("--lambdas", type=float, nargs="+",
                        help="λ1 values for every data set instead of the recorded ones")
    parser.add_argument("--l2", type=float, nargs="+", default=[0.0], help="λ2 values (cases)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads of the peers that have them (glum's OpenMP, LIBLINEAR's -m); "
                             "logreg uses its default, one per core")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the fastest fit counts")
    parser.add_argument("--tool-timeout", type=float, default=600.0,
                        help="seconds before a tool's process is killed")
    parser.add_argument("--glum-max-hessian-gb", type=float, default=4.0,
                        help="skip glum where its dense (n+1)² Hessian would be larger")
    parser.add_argument("--intercept-scaling", type=float, default=1e4,
                        help="scikit-learn liblinear's intercept_scaling (its bias is penalised)")
    parser.add_argument("--austen-copies", type=int, default=55)
    parser.add_argument("--no-refine", action="store_true", help="J* = the best tool's J")
    parser.add_argument("--logreg-args", default="", help="extra arguments for logreg train")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    args.tools = parse_tools(args.tools)
    have_logreg = any(t == "logreg" for t, _ in args.tools) and logreg_has_l1(args.logreg)
    if any(t == "logreg" for t, _ in args.tools) and not have_logreg:
        log(f"{args.logreg}: no --l1 in `train --help`; logreg is skipped")

    started = datetime.datetime.now(datetime.timezone.utc)
    measured = []
    for name in args.datasets:
        path, rows, features, density = data_file(args, name)
        for l1, expected in lambdas_for(args, path):
            for l2 in args.l2:
                measured.append(run_case(args, name, path, rows, features, density, l1, expected,
                                         l2, have_logreg))
    versions = peer_versions()
    header = [
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} CPUs), "
        f"command: `{shlex.join(['bench/l1.py'] + sys.argv[1:])}`",
        f"logreg: `train DATA -o M --l1 λ1 --l2 λ2 --no-standardize --tol T --quiet --json "
        f"{args.logreg_args}`".rstrip() + ("" if have_logreg else " (not run: no --l1)")
        + f"; peers: {versions}; peer threads {args.threads}.",
    ]
    text = report(measured, header)
    print(text)
    os.makedirs(args.results_dir, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(args.results_dir, f"l1-{stamp}.json"), "w") as f:
        json.dump({"started": stamp, "argv": sys.argv[1:], "header": header, "cases": measured},
                  f, indent=1)
    with open(os.path.join(args.results_dir, "l1-latest.md"), "w") as f:
        f.write(text + "\n")


def peer_versions():
    code = ("import importlib.metadata as m\n"
            "names = ['scikit-learn', 'glum', 'tabmat', 'skglm', 'numba', 'liblinear-official',"
            " 'numpy', 'scipy', 'pandas']\n"
            "out = []\n"
            "for n in names:\n"
            "    try: out.append(f'{n} {m.version(n)}')\n"
            "    except Exception: pass\n"
            "print(', '.join(out))\n")
    text = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
    mc = os.path.join(HERE, ".venv", "liblinear-multicore", "liblinear")
    if os.path.isdir(mc):
        text += ", liblinear-multicore 2.50.0"
    return text


if __name__ == "__main__":
    main()
