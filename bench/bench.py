"""logreg against scikit-learn and LIBLINEAR on the same data and the same objective J.

Started by bench/run.sh (which prepares the virtual environment and the release build). For each
case it generates the data with `logreg generate` (once; files are kept in bench/data), runs every
tool as its own process, measures its fit time, end-to-end time and peak RSS, evaluates each
solution under our J in f64 (objective.py), and prints a markdown table.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OBJECTIVE = os.path.join(HERE, "objective.py")
FULL_CASES = ["100000x100:1e-4", "100000x100:1e-6", "1000000x100:1e-4", "1000000x100:1e-6"]
QUICK_CASES = ["100000x100:1e-4", "100000x100:1e-6"]
PEERS = ["sklearn-lbfgs", "sklearn-newton-cg", "sklearn-newton-cholesky", "liblinear"]


def parse_case(text):
    """'MxN[@P]:LAMBDA' -> (rows, features, density, lambda)."""
    shape, l2 = text.split(":")
    density = 1.0
    if "@" in shape:
        shape, p = shape.split("@")
        density = float(p)
    rows, features = (int(v) for v in shape.lower().split("x"))
    return rows, features, density, float(l2)


def data_path(args, rows, features, density):
    ext = "csv" if density >= 1.0 else "svm"
    tag = f"m{rows}_n{features}" + ("" if density >= 1.0 else f"_p{density:g}")
    return os.path.join(args.data_dir, f"{tag}_s{args.seed}.{ext}")


def run_measured(cmd, env=None):
    """Runs cmd; returns (exit code, wall seconds, peak RSS in MB, stdout text)."""
    out = tempfile.TemporaryFile("w+")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env, text=True)
    # Drain stderr before waiting, so a chatty tool cannot fill the pipe and block.
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    text = out.read()
    out.close()
    if proc.returncode != 0:
        sys.stderr.write(f"command failed ({proc.returncode}): {shlex.join(cmd)}\n{err}\n")
    elif err.strip():
        sys.stderr.write(err)
    return proc.returncode, wall, usage.ru_maxrss / 1024.0, text


def run_logreg(args, solver, data, l2, workdir):
    model = os.path.join(workdir, f"logreg-{solver}.json")
    cmd = [args.logreg, "train", data, "-o", model, "--solver", solver, "--l2", repr(l2),
           "--no-standardize", "--tol", repr(args.tol), "--quiet", "--json"]
    cmd += shlex.split(args.logreg_args)
    code, wall, rss, text = run_measured(cmd)
    if code != 0:
        return None
    report = json.loads(text)["report"]
    with open(model) as f:
        saved = json.load(f)
    return {
        "tool": f"logreg {solver}",
        "weights": saved["weights"],
        "bias": saved["bias"],
        "fit_seconds": report["seconds"],
        "end_to_end_seconds": wall,
        "rss_mb": rss,
        "iterations": report["iterations"],
        "passes": report["evaluations"]["passes"],
        "termination": report["termination"],
    }


def run_peer(args, peer, data, l2, tol, workdir):
    out = os.path.join(workdir, f"{peer}.json")
    cmd = [sys.executable, os.path.join(HERE, "peers.py"), peer, data, "--l2", repr(l2),
           "--tol", repr(tol), "--out", out, "--dtype", args.peer_dtype]
    code, wall, rss, _ = run_measured(cmd)
    if code != 0:
        return None
    with open(out) as f:
        result = json.load(f)
    result.update(tool=peer, rss_mb=rss, process_seconds=wall, passes=None)
    return result


def best_of(runs):
    """Fastest fit and end-to-end of repeated runs, largest RSS; the solution of the last."""
    runs = [r for r in runs if r is not None]
    if not runs:
        return None
    best = dict(runs[-1])
    for key in ("fit_seconds", "end_to_end_seconds"):
        best[key] = min(r[key] for r in runs)
    best["rss_mb"] = max(r["rss_mb"] for r in runs)
    return best


def bandwidth(args, rows, features):
    """Best time of one plain parallel read of rows x features values of logreg's precision."""
    precision = "f64" if "f64" in args.logreg_args else "f32"
    cmd = [args.bandwidth, str(rows), str(features), "20", precision]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "—"


def run_case(args, case, log):
    rows, features, density, l2 = parse_case(case)
    data = data_path(args, rows, features, density)
    if not os.path.exists(data):
        os.makedirs(args.data_dir, exist_ok=True)
        subprocess.run([args.logreg, "generate", "--rows", str(rows), "--features",
                        str(features), "--density", repr(density), "--seed", str(args.seed),
                        "-o", data], check=True)
    log(f"case {case}: {data}")
    # The data are read and scored in child processes only: Linux carries a parent's peak RSS
    # into each child it starts (across exec), so a driver holding X would inflate every tool's.
    counts = json.loads(subprocess.run([sys.executable, OBJECTIVE, "count", data], check=True,
                                       capture_output=True, text=True).stdout)
    m, positives = counts["rows"], counts["positives"]
    # LIBLINEAR stops at ||grad f|| <= e * min(pos, neg)/m * ||grad f(0)||: choose e so that its
    # relative tolerance equals logreg's.
    liblinear_eps = args.tol * m / min(positives, m - positives)
    results = []
    with tempfile.TemporaryDirectory(prefix="logreg-bench-") as workdir:
        for solver in args.solvers:
            r = best_of([run_logreg(args, solver, data, l2, workdir) for _ in range(args.repeat)])
            if r:
                results.append(r)
                log(f"  {r['tool']}: fit {r['fit_seconds']:.3f} s, {r['iterations']} iterations")
        for peer in args.peers:
            tol = liblinear_eps if peer == "liblinear" else args.sklearn_tol
            r = best_of([run_peer(args, peer, data, l2, tol, workdir) for _ in range(args.repeat)])
            if r:
                results.append(r)
                log(f"  {peer}: fit {r['fit_seconds']:.3f} s, {r['iterations']} iterations")
        solutions = os.path.join(workdir, "solutions.json")
        scores = os.path.join(workdir, "scores.json")
        with open(solutions, "w") as f:
            json.dump([{"weights": r["weights"], "bias": r["bias"]} for r in results], f)
        subprocess.run([sys.executable, OBJECTIVE, "score", data, repr(l2), solutions, scores],
                       check=True)
        with open(scores) as f:
            scored = json.load(f)
    j_star, gnorm = scored["j_star"], scored["gradient_norm"]
    for r, c in zip(results, scored["costs"]):
        r["cost"] = c
        r["gap"] = (c - j_star) / j_star
    probe = bandwidth(args, rows, features) if density >= 1.0 else None
    return {
        "case": case,
        "rows": rows,
        "features": features,
        "density": density,
        "l2": l2,
        "data": os.path.relpath(data, os.path.dirname(HERE)),
        "positives": positives,
        "j_star": j_star,
        "reference_gradient_norm": gnorm,
        "liblinear_eps": liblinear_eps,
        "bandwidth": probe,
        "results": results,
    }


def table(case):
    out = []
    shape = f"{case['rows']:,} × {case['features']}"
    if case["density"] < 1.0:
        shape += f", density {case['density']:g}"
    out.append(f"### {shape}, λ = {case['l2']:g}  (J* = {case['j_star']:.10f})\n")
    out.append("| tool | fit s | fit ×logreg | end-to-end s | e2e ×logreg | peak RSS MB | "
               "RSS ×logreg | iterations | passes | s/pass ÷ read | (J−J*)/J* |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = case["results"]
    base = next((r for r in results if r["tool"].startswith("logreg")), None)
    probe = case["bandwidth"]
    for r in results:
        per_pass = "—"
        if r.get("passes") and probe:
            per_pass = f"{r['fit_seconds'] / r['passes'] / probe['best_seconds']:.2f}"
        out.append(
            f"| {r['tool']} | {r['fit_seconds']:.3f} | {ratio(r['fit_seconds'], base and base['fit_seconds'])} "
            f"| {r['end_to_end_seconds']:.2f} | {ratio(r['end_to_end_seconds'], base and base['end_to_end_seconds'])} "
            f"| {r['rss_mb']:.0f} | {ratio(r['rss_mb'], base and base['rss_mb'])} "
            f"| {r['iterations']} | {r['passes'] if r.get('passes') is not None else '—'} | {per_pass} "
            f"| {r['gap']:.1e} |")
    if probe:
        out.append(f"\nPlain read of the same {probe['precision']} bytes ({probe['bytes'] / 1e6:.0f} MB, "
                   f"{probe['threads']} threads): {probe['best_seconds'] * 1e3:.1f} ms "
                   f"({probe['gb_per_s']:.1f} GB/s).")
    return "\n".join(out)


def targets(case):
    """The issue's targets for this case, as measured ratios (logreg = the first solver)."""
    results = case["results"]
    base = next((r for r in results if r["tool"].startswith("logreg")), None)
    peers = [r for r in results if not r["tool"].startswith("logreg")]
    if not base or not peers:
        return ""
    lines = []
    fastest = min(peers, key=lambda r: r["fit_seconds"])
    lines.append(f"- fit: fastest peer ({fastest['tool']}) / {base['tool']} = "
                 f"{fastest['fit_seconds'] / base['fit_seconds']:.2f}×")
    lbfgs = next((r for r in peers if r["tool"] == "sklearn-lbfgs"), None)
    if lbfgs:
        lines.append(f"- end to end: sklearn-lbfgs (pandas read + fit) / {base['tool']} (process "
                     f"wall) = {lbfgs['end_to_end_seconds'] / base['end_to_end_seconds']:.2f}×")
    exact = [r for r in peers if r["gap"] <= 1e-6] or peers
    leanest = min(exact, key=lambda r: r["rss_mb"])
    lines.append(f"- peak RSS: {base['tool']} / leanest exact peer ({leanest['tool']}) = "
                 f"{base['rss_mb'] / leanest['rss_mb'] * 100:.0f}%")
    if base.get("passes") and case["bandwidth"]:
        lines.append(f"- time per pass / plain read = "
                     f"{base['fit_seconds'] / base['passes'] / case['bandwidth']['best_seconds']:.2f}×")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logreg", required=True, help="the logreg binary")
    parser.add_argument("--bandwidth", required=True, help="the bandwidth example binary")
    parser.add_argument("--quick", action="store_true", help="only the 100,000 × 100 cases")
    parser.add_argument("--cases", nargs="+", help="cases as MxN[@DENSITY]:LAMBDA")
    parser.add_argument("--solvers", default=os.environ.get("LOGREG_SOLVERS", "auto newton lbfgs"),
                        help="logreg solvers, space separated; the first is the baseline of ratios")
    parser.add_argument("--peers", default=" ".join(PEERS), help="peers, space separated")
    parser.add_argument("--tol", type=float, default=1e-6,
                        help="logreg's relative gradient tolerance (LIBLINEAR's -e is matched to it)")
    parser.add_argument("--sklearn-tol", type=float, default=1e-6, help="scikit-learn's tol")
    parser.add_argument("--logreg-args", default=os.environ.get("LOGREG_ARGS", ""),
                        help="extra arguments for logreg train")
    parser.add_argument("--peer-dtype", default="float64", help="dtype peers read the CSV into")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the fastest counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", default=os.path.join(HERE, "data"))
    parser.add_argument("--results-dir", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    args.solvers = args.solvers.split()
    args.peers = args.peers.split()
    cases = args.cases or (QUICK_CASES if args.quick else FULL_CASES)

    def log(text):
        print(text, file=sys.stderr, flush=True)

    started = datetime.datetime.now(datetime.timezone.utc)
    measured = [run_case(args, case, log) for case in cases]
    # run.sh passes --logreg and --bandwidth first; the rest is what its user typed.
    command = " ".join(["bench/run.sh"] + ([shlex.join(sys.argv[5:])] if sys.argv[5:] else []))
    header = [
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} CPUs), "
        f"command: `{command}`",
        f"logreg: `train --no-standardize --tol {args.tol:g} {args.logreg_args}`; scikit-learn tol "
        f"{args.sklearn_tol:g}, {args.peer_dtype}; LIBLINEAR `-s 0 -B 1 -R -e E` with E matched to "
        f"logreg's tolerance.",
        "",
    ]
    body = []
    for case in measured:
        body += [table(case), "", targets(case), ""]
    report = "\n".join(header + body)
    print(report)
    os.makedirs(args.results_dir, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    with open(os.path.join(args.results_dir, f"{stamp}.json"), "w") as f:
        slim = [{**c, "results": [{k: v for k, v in r.items() if k != "weights"}
                                  for r in c["results"]]} for c in measured]
        json.dump({"started": stamp, "argv": sys.argv[1:], "cases": slim}, f, indent=1)
    with open(os.path.join(args.results_dir, "latest.md"), "w") as f:
        f.write(report + "\n")


if __name__ == "__main__":
    main()
