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
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OBJECTIVE = os.path.join(HERE, "objective.py")
DENSE_CASES = ["100000x100:1e-4", "100000x100:1e-6", "1000000x100:1e-4", "1000000x100:1e-6"]
SPARSE_CASES = ["500000x50000@0.002:1e-4", "500000x50000@0.002:1e-6"]
FULL_CASES = DENSE_CASES + SPARSE_CASES
QUICK_CASES = ["100000x100:1e-4", "100000x100:1e-6"]
PEERS = ["sklearn-lbfgs", "sklearn-newton-cg", "sklearn-newton-cholesky", "liblinear"]
# newton-cg/-cholesky are left out of sparse cases: -cholesky forms the dense (n+1)^2 Hessian.
SPARSE_PEERS = ["sklearn-lbfgs", "liblinear", "liblinear-dual", "liblinear-cli", "vw"]


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


def warm(*paths):
    """Reads files through once so every tool starts with them in the page cache: this machine
    reclaims cold page-cache pages within minutes (DAMON), and a tool run after a long peer would
    otherwise pay for disk reads the others did not."""
    for path in paths:
        if path and os.path.exists(path):
            with open(path, "rb") as f:
                while f.read(1 << 24):
                    pass


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
    warm(data)
    model = os.path.join(workdir, f"logreg-{solver}.json")
    cmd = [args.logreg, "train", data, "-o", model, "--solver", solver, "--l2", repr(l2),
           "--no-standardize", "--tol", repr(args.tol), "--quiet", "--json"]
    cmd += shlex.split(args.logreg_args)
    code, wall, rss, text = run_measured(cmd)
    if code != 0:
        return None
    output = json.loads(text)
    report = output["report"]
    with open(model) as f:
        saved = json.load(f)
    return {
        "tool": f"logreg {solver}",
        "weights": saved["weights"],
        "bias": saved["bias"],
        "fit_seconds": report["seconds"],
        "read_seconds": output["load_seconds"],
        "end_to_end_seconds": wall,
        "rss_mb": rss,
        "iterations": report["iterations"],
        "passes": report["evaluations"]["passes"],
        "termination": report["termination"],
    }


def run_peer(args, peer, data, l2, tol, workdir, features=None):
    out = os.path.join(workdir, f"{peer}.json")
    cmd = [sys.executable, os.path.join(HERE, "peers.py"), peer, data, "--l2", repr(l2),
           "--tol", repr(tol), "--out", out, "--dtype", args.peer_dtype,
           "--reader", args.liblinear_reader, "--vw-passes", str(args.vw_passes)]
    if features is not None:
        cmd += ["--features", str(features)]
    warm(data, os.path.splitext(data)[0] + ".vw" if peer == "vw" else None)
    code, wall, rss, _ = run_measured(cmd)
    if code != 0:
        return None
    with open(out) as f:
        result = json.load(f)
    result.update(tool=peer, rss_mb=rss, process_seconds=wall, passes=None)
    return result


def liblinear_cli_regularizes_bias_option(binary):
    """Whether this LIBLINEAR `train` knows -R (2.40 and later; Debian 12 ships 2.3.0)."""
    usage = subprocess.run([binary], capture_output=True, text=True)
    return "-R" in usage.stdout + usage.stderr


def run_liblinear_cli(args, data, l2, m, eps, workdir):
    """LIBLINEAR's command-line `train` on the LIBSVM file: end to end only (it reports no fit
    time). -R when this build has it; otherwise its bias is penalised (the gap column shows it)."""
    model = os.path.join(workdir, "liblinear-cli.model")
    cmd = [args.liblinear_cli, "-s", "0", "-c", repr(1.0 / (l2 * m)), "-e", repr(eps), "-B", "1"]
    if liblinear_cli_regularizes_bias_option(args.liblinear_cli):
        cmd.append("-R")
    warm(data)
    code, wall, rss, text = run_measured(cmd + [data, model])
    if code != 0:
        return None
    with open(model) as f:
        lines = f.read().split("\n")
    header = dict(line.split(" ", 1) for line in lines[:lines.index("w")])
    values = [float(v) for v in lines[lines.index("w") + 1:] if v.strip()]
    w, b = values[:-1], values[-1]
    if header["label"].split()[0] != "1":  # the weights are for the first label LIBLINEAR saw
        w, b = [-v for v in w], -b
    return {
        "tool": "liblinear-cli" + ("" if "-R" in cmd else " (bias penalised)"),
        "weights": w,
        "bias": b,
        "fit_seconds": None,
        "read_seconds": None,
        "end_to_end_seconds": wall,
        "rss_mb": rss,
        "iterations": sum(1 for line in text.splitlines() if line.startswith("iter")),
        "passes": None,
    }


def available(args, peer):
    if peer == "liblinear-cli":
        return bool(args.liblinear_cli) and shutil.which(args.liblinear_cli) is not None
    if peer == "vw":
        return subprocess.run([sys.executable, "-c", "import vowpalwabbit"],
                              capture_output=True).returncode == 0
    return True


def best_of(runs):
    """Fastest fit and end-to-end of repeated runs, largest RSS; the solution of the last."""
    runs = [r for r in runs if r is not None]
    if not runs:
        return None
    best = dict(runs[-1])
    for key in ("fit_seconds", "end_to_end_seconds", "read_seconds"):
        values = [r.get(key) for r in runs if r.get(key) is not None]
        best[key] = min(values) if values else None
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


def num(value, fmt):
    return "—" if value is None else format(value, fmt)


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
    sparse = density < 1.0
    peers = args.sparse_peers if sparse else args.peers
    vw_convert = None
    for peer in list(peers):
        if not available(args, peer):
            log(f"  {peer}: not available here, skipped (see bench/README.md)")
            peers = [p for p in peers if p != peer]
    if "vw" in peers:
        text = os.path.splitext(data)[0] + ".vw"
        if not os.path.exists(text):
            vw_convert = json.loads(subprocess.run(
                [sys.executable, os.path.join(HERE, "peers.py"), "to-vw", data, text],
                check=True, capture_output=True, text=True).stdout)["seconds"]
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
        for peer in peers:
            tol = {"liblinear": liblinear_eps, "liblinear-dual": args.dual_eps,
                   "vw": args.vw_termination}.get(peer, args.sklearn_tol)
            if peer == "liblinear-cli":
                runs = [run_liblinear_cli(args, data, l2, m, liblinear_eps, workdir)
                        for _ in range(args.repeat)]
            else:
                runs = [run_peer(args, peer, data, l2, tol, workdir, features if sparse else None)
                        for _ in range(args.repeat)]
            r = best_of(runs)
            if r:
                results.append(r)
                log(f"  {r['tool']}: fit {num(r['fit_seconds'], '.3f')} s, end to end "
                    f"{r['end_to_end_seconds']:.3f} s, {r['iterations']} iterations")
        solutions = os.path.join(workdir, "solutions.json")
        scores = os.path.join(workdir, "scores.json")
        with open(solutions, "w") as f:
            # A LIBSVM file need not use its last column: pad every w to the case's width.
            json.dump([{"weights": list(r["weights"]) + [0.0] * (features - len(r["weights"])),
                        "bias": r["bias"]} for r in results], f)
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
        "nnz": counts.get("nnz"),
        # logreg's CSR: f32 values + u32 column indices per non-zero, usize row pointers.
        "csr_bytes": counts["nnz"] * 8 + (m + 1) * 8 if sparse else None,
        "vw_convert_seconds": vw_convert,
        "bandwidth": probe,
        "results": results,
    }


def table(case):
    out = []
    shape = f"{case['rows']:,} × {case['features']}"
    if case["density"] < 1.0:
        shape += f", density {case['density']:g}"
    out.append(f"### {shape}, λ = {case['l2']:g}  (J* = {case['j_star']:.10f})\n")
    out.append("| tool | parse s | fit s | fit ×logreg | end-to-end s | e2e ×logreg | peak RSS MB | "
               "RSS ×logreg | iterations | passes | s/pass ÷ read | (J−J*)/J* |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    results = case["results"]
    base = next((r for r in results if r["tool"].startswith("logreg")), None)
    probe = case["bandwidth"]
    for r in results:
        per_pass = "—"
        if r.get("passes") and probe:
            per_pass = f"{r['fit_seconds'] / r['passes'] / probe['best_seconds']:.2f}"
        out.append(
            f"| {r['tool']} | {num(r.get('read_seconds'), '.2f')} "
            f"| {num(r['fit_seconds'], '.3f')} | {ratio(r['fit_seconds'], base and base['fit_seconds'])} "
            f"| {r['end_to_end_seconds']:.2f} | {ratio(r['end_to_end_seconds'], base and base['end_to_end_seconds'])} "
            f"| {r['rss_mb']:.0f} | {ratio(r['rss_mb'], base and base['rss_mb'])} "
            f"| {num(r['iterations'], 'd')} | {r['passes'] if r.get('passes') is not None else '—'} | {per_pass} "
            f"| {r['gap']:.1e} |")
    if probe:
        out.append(f"\nPlain read of the same {probe['precision']} bytes ({probe['bytes'] / 1e6:.0f} MB, "
                   f"{probe['threads']} threads): {probe['best_seconds'] * 1e3:.1f} ms "
                   f"({probe['gb_per_s']:.1f} GB/s).")
    if case.get("csr_bytes"):
        out.append(f"\n{case['nnz']:,} non-zeros; logreg's CSR (f32 values, u32 indices, usize row "
                   f"pointers) = {case['csr_bytes'] / 1e6:.0f} MB.")
    if case.get("vw_convert_seconds") is not None:
        out.append(f"LIBSVM → VW text conversion (once, not in any column): "
                   f"{case['vw_convert_seconds']:.1f} s.")
    return "\n".join(out)


def targets(case):
    """The issue's targets for this case, as measured ratios (logreg = the first solver)."""
    results = case["results"]
    base = next((r for r in results if r["tool"].startswith("logreg")), None)
    peers = [r for r in results if not r["tool"].startswith("logreg")]
    if not base or not peers:
        return ""
    lines = []
    if case["density"] < 1.0:
        return sparse_targets(case, base, peers)
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


def sparse_targets(case, base, peers):
    """Issue 4: fit vs LIBLINEAR -s 0, end to end vs the LIBLINEAR CLI, parse vs scikit-learn,
    peak RSS / CSR size."""
    lines = []
    find = lambda prefix: next((r for r in peers if r["tool"].startswith(prefix)), None)  # noqa: E731
    lib = next((r for r in peers if r["tool"] == "liblinear"), None)
    if lib:
        lines.append(f"- fit: liblinear -s 0 / {base['tool']} = "
                     f"{lib['fit_seconds'] / base['fit_seconds']:.2f}× (target ≥ 3× at λ = 1e-6)")
    cli = find("liblinear-cli")
    if cli:
        lines.append(f"- end to end: {cli['tool']} `train` / {base['tool']} = "
                     f"{cli['end_to_end_seconds'] / base['end_to_end_seconds']:.2f}× (target ≥ 5×)")
    elif lib:
        lines.append(f"- end to end: liblinear (python svm_read_problem + train, proxy for the CLI) "
                     f"/ {base['tool']} = {lib['end_to_end_seconds'] / base['end_to_end_seconds']:.2f}×"
                     f" (target ≥ 5× against the CLI)")
    sk = find("sklearn-lbfgs")
    if sk and sk.get("read_seconds"):
        lines.append(f"- parse: scikit-learn load_svmlight_file / {base['tool']} (its reported load time) "
                     f"= {sk['read_seconds'] / base['read_seconds']:.2f}× (target ≥ 10×)")
    if case.get("csr_bytes"):
        lines.append(f"- peak RSS: {base['tool']} / its CSR = "
                     f"{base['rss_mb'] * 2**20 / case['csr_bytes']:.2f}× "
                     f"({base['rss_mb']:.0f} MB / {case['csr_bytes'] / 2**20:.0f} MiB)")
    loose = [r["tool"] for r in [base] + peers if r["gap"] > 1e-6]
    if loose:
        lines.append("- relative gap above 1e-6: " + ", ".join(loose))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logreg", required=True, help="the logreg binary")
    parser.add_argument("--bandwidth", required=True, help="the bandwidth example binary")
    parser.add_argument("--quick", action="store_true", help="only the 100,000 × 100 cases")
    parser.add_argument("--sparse", action="store_true",
                        help="only the sparse 500,000 × 50,000 @ 0.002 cases")
    parser.add_argument("--dense", action="store_true", help="only the dense cases")
    parser.add_argument("--cases", nargs="+", help="cases as MxN[@DENSITY]:LAMBDA")
    parser.add_argument("--solvers", default=os.environ.get("LOGREG_SOLVERS", "auto newton lbfgs"),
                        help="logreg solvers, space separated; the first is the baseline of ratios")
    parser.add_argument("--peers", default=" ".join(PEERS),
                        help="peers of dense cases, space separated")
    parser.add_argument("--sparse-peers", default=" ".join(SPARSE_PEERS),
                        help="peers of sparse cases, space separated")
    parser.add_argument("--liblinear-cli", default=shutil.which("liblinear-train") or "",
                        help="LIBLINEAR's command-line train (Debian: liblinear-train)")
    parser.add_argument("--liblinear-reader", default="svm_read_problem",
                        help="LIBSVM reader of the python LIBLINEAR peers: svm_read_problem "
                             "(LIBLINEAR's own, pure Python) or sklearn (load_svmlight_file)")
    parser.add_argument("--dual-eps", type=float, default=1e-3,
                        help="-e of LIBLINEAR -s 7 (maximal dual violation; not comparable)")
    parser.add_argument("--vw-passes", type=int, default=200, help="VW --passes (upper bound)")
    parser.add_argument("--vw-termination", type=float, default=1e-9, help="VW --termination")
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
    args.sparse_peers = args.sparse_peers.split()
    cases = args.cases or (QUICK_CASES if args.quick else SPARSE_CASES if args.sparse
                           else DENSE_CASES if args.dense else FULL_CASES)

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
        f"logreg's tolerance; sparse: LIBLINEAR `-s 7 -B 1 -e {args.dual_eps:g}`, reader "
        f"{args.liblinear_reader}; VW `--bfgs --passes {args.vw_passes} --termination "
        f"{args.vw_termination:g} --l2 λm`.",
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
