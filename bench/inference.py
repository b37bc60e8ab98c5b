"""Statistical inference (issue 16): logreg's fit + summary (coefficients and their nonrobust
standard errors) against statsmodels' Logit and glum, on the maximum-likelihood model
(no penalty). Started by bench/inference.sh.

The model, for every tool: unpenalised logistic regression with an intercept on the raw
features, the standard errors the square roots of the diagonal of the inverse information,
(X~' W X~)^-1 with X~ = [1, X] and W = diag(p(1 - p)) at the MLE.

- logreg: `logreg train DATA --target label --l2 0 --summary --json -o M` (L-BFGS fit, then
  refinement Newton steps in f64, the Hessian, its Cholesky and the table). "fit + summary"
  is `report.seconds + summary_seconds`; "read" is `load_seconds`; end to end is the wall
  time of the process. `logreg summary M DATA --json` (the summary of an existing model, a
  process of its own, read included) is timed as a separate row.
- statsmodels: pandas.read_csv (read), sm.add_constant (prep), then
  `sm.Logit(y, X).fit(method="newton", tol=T, disp=0)`, `res.summary()` and `res.bse`
  (fit + summary). summary() also fits the constant-only model for the likelihood-ratio
  test and the pseudo R^2, as logreg's table does.
- glum: pandas.read_csv (read), `frame.to_numpy()` (prep), then
  `GeneralizedLinearRegressor(family="binomial", alpha=0, fit_intercept=True, solver=S,
  gradient_tol=T).fit(X, y)` and `.covariance_matrix(X, y, robust=False, dispersion=1.0)`
  (fit + summary). glum's constructor defaults to robust=True (a sandwich), so robust=False
  asks for the nonrobust covariance; dispersion=1 is the binomial's, where glum would
  otherwise estimate a Pearson dispersion; and glum multiplies the inverse information by
  m/(m - p) (p = features + 1), which is undone after the timing (a scalar). The covariance
  glum gives by default with robust=False (Pearson dispersion, m/(m - p)) is also computed,
  untimed, and its agreement reported as "glum as is".

Agreement: each tool's coefficients and standard errors are matched to logreg's by name
("const" is the intercept) and reported as max_j |a_j - b_j| / |b_j| (the target: <= 1e-6),
and, for the estimates, also as max_j |a_j - b_j| / se_j (in standard errors).

Subcommands (each tool runs as its own process, so its peak RSS is its own):

    inference.py bench --logreg L --data FILE [FILE ...] [--repeat 3] [--sm-python P]
    inference.py statsmodels DATA --out OUT.json [--tol 1e-8]
    inference.py glum DATA --solver irls-cd|lbfgs [--gradient-tol T] --out OUT.json
    inference.py report RAW.json
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------
# The peers (each in its own process)


def read_frame(path):
    import pandas as pd

    frame = pd.read_csv(path, engine="c")
    y = frame.pop("label").to_numpy().astype("float64")
    return frame, y


def cmd_statsmodels(args):
    import numpy as np
    import statsmodels.api as sm

    start = time.perf_counter()
    frame, y = read_frame(args.data)
    read = time.perf_counter() - start
    t = time.perf_counter()
    x = sm.add_constant(frame.astype(np.float64), prepend=True, has_constant="add")
    prep = time.perf_counter() - t
    del frame
    t = time.perf_counter()
    kw = {} if args.tol is None else {"tol": args.tol}
    res = sm.Logit(y, x).fit(method="newton", disp=0, maxiter=100, **kw)
    fit = time.perf_counter() - t
    text = str(res.summary())
    bse = res.bse
    total = time.perf_counter() - t
    result = {"read_seconds": read, "prep_seconds": prep, "fit_seconds": fit,
              "fit_summary_seconds": total, "end_to_end_seconds": time.perf_counter() - start,
              "iterations": int(res.mle_retvals["iterations"]),
              "converged": bool(res.mle_retvals["converged"]),
              "names": list(res.params.index), "estimates": [float(v) for v in res.params],
              "std_errors": [float(v) for v in bse], "summary_chars": len(text)}
    with open(args.out, "w") as f:
        json.dump(result, f)


def cmd_glum(args):
    import numpy as np
    from glum import GeneralizedLinearRegressor

    start = time.perf_counter()
    frame, y = read_frame(args.data)
    read = time.perf_counter() - start
    t = time.perf_counter()
    names = list(frame.columns)
    x = frame.to_numpy(dtype=np.float64)
    prep = time.perf_counter() - t
    del frame
    model = GeneralizedLinearRegressor(
        family="binomial", alpha=0.0, fit_intercept=True, solver=args.solver,
        gradient_tol=args.gradient_tol, max_iter=args.max_iter)
    t = time.perf_counter()
    model.fit(x, y)
    fit = time.perf_counter() - t
    cov = model.covariance_matrix(x, y, robust=False, dispersion=1.0)
    total = time.perf_counter() - t
    m, p = x.shape[0], x.shape[1] + 1
    se = np.sqrt(np.diag(cov) * (m - p) / m)  # undo glum's m/(m - p)
    cov_default = model.covariance_matrix(x, y, robust=False)  # Pearson dispersion, m/(m - p)
    result = {"read_seconds": read, "prep_seconds": prep, "fit_seconds": fit,
              "fit_summary_seconds": total, "end_to_end_seconds": time.perf_counter() - start,
              "iterations": int(model.n_iter_),
              "names": ["const"] + names,
              "estimates": [float(model.intercept_)] + [float(v) for v in model.coef_],
              "std_errors": [float(v) for v in se],
              "std_errors_as_is": [float(v) for v in np.sqrt(np.diag(cov_default))]}
    with open(args.out, "w") as f:
        json.dump(result, f)


# ---------------------------------------------------------------------------------------------
# The driver


def warm(*paths):
    """Reads files through once so each tool starts with them in the page cache."""
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass


def run_measured(cmd, timeout=None):
    """Runs cmd; returns (exit code or None if killed at `timeout`, wall s, CPU s, peak RSS MB,
    stdout)."""
    import threading

    out = tempfile.TemporaryFile("w+")
    err = tempfile.TemporaryFile("w+")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if timer:
        timer.cancel()
        if wall >= timeout and code < 0:
            code = None
    out.seek(0)
    err.seek(0)
    text, errtext = out.read(), err.read()
    if code != 0:
        sys.stderr.write(f"command failed ({code}): {shlex.join(cmd)}\n{errtext[-3000:]}\n")
    return code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, text


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    return (max(values) - min(values)) / statistics.median(values)


def logreg_run(args, data, model):
    cmd = [args.logreg, "train", data, "--target", "label", "--l2", "0", "--summary", "--json",
           "-o", model]
    warm(data)
    code, wall, cpu, rss, text = run_measured(cmd, timeout=args.tool_timeout)
    if code != 0:
        raise SystemExit("logreg train failed")
    out = json.loads(text)
    rows = out["summary"]["tables"][0]["coefficients"]
    rep = out["report"]
    return {"tool": "logreg", "end_to_end_seconds": wall, "cpu_seconds": cpu, "rss_mb": rss,
            "read_seconds": out["load_seconds"], "fit_seconds": rep["seconds"],
            "summary_seconds": out["summary_seconds"],
            "fit_summary_seconds": rep["seconds"] + out["summary_seconds"],
            "iterations": rep["iterations"], "termination": rep["termination"],
            "passes": rep["evaluations"]["passes"],
            "refinement": out["summary"].get("refinement"), "rows": out["rows"],
            "names": [r["name"] for r in rows], "estimates": [r["estimate"] for r in rows],
            "std_errors": [r["std_error"] for r in rows], "command": shlex.join(cmd)}


def logreg_summary_run(args, data, model):
    cmd = [args.logreg, "summary", model, data, "--json"]
    warm(data)
    code, wall, cpu, rss, text = run_measured(cmd, timeout=args.tool_timeout)
    if code != 0:
        raise SystemExit("logreg summary failed")
    rows = json.loads(text)["summary"]["tables"][0]["coefficients"]
    return {"tool": "logreg-summary", "end_to_end_seconds": wall, "cpu_seconds": cpu,
            "rss_mb": rss, "names": [r["name"] for r in rows],
            "estimates": [r["estimate"] for r in rows],
            "std_errors": [r["std_error"] for r in rows], "command": shlex.join(cmd)}


def python_run(args, tool, data, workdir):
    out = os.path.join(workdir, "peer.json")
    if os.path.exists(out):
        os.remove(out)
    if tool.startswith("statsmodels"):
        cmd = [args.sm_python, __file__, "statsmodels", data, "--out", out]
        if args.sm_tol is not None:
            cmd += ["--tol", repr(args.sm_tol)]
    else:
        _, solver, tol = tool.split(":")
        cmd = [sys.executable, __file__, "glum", data, "--solver", solver, "--out", out]
        if tol != "default":
            cmd += ["--gradient-tol", tol]
    warm(data)
    code, wall, cpu, rss, _ = run_measured(cmd, timeout=args.tool_timeout)
    if code is None:
        return {"tool": tool, "timed_out": True, "process_seconds": wall, "cpu_seconds": cpu,
                "rss_mb": rss, "command": shlex.join(cmd)}
    if code != 0:
        return None
    with open(out) as f:
        r = json.load(f)
    r.update(tool=tool, rss_mb=rss, process_seconds=wall, cpu_seconds=cpu,
             command=shlex.join(cmd))
    return r


def agreement(run, ref):
    """Max relative differences to logreg's (ref) estimates and standard errors, by name."""
    index = {n: j for j, n in enumerate(ref["names"])}
    if sorted(run["names"]) != sorted(ref["names"]):
        raise SystemExit(f"{run['tool']}: names differ from logreg's")
    est, se, in_se, se_as_is = 0.0, 0.0, 0.0, 0.0
    worst_est = worst_se = None
    for k, n in enumerate(run["names"]):
        j = index[n]
        b, s = ref["estimates"][j], ref["std_errors"][j]
        d = abs(run["estimates"][k] - b) / abs(b)
        if d > est:
            est, worst_est = d, n
        in_se = max(in_se, abs(run["estimates"][k] - b) / s)
        d = abs(run["std_errors"][k] - s) / s
        if d > se:
            se, worst_se = d, n
        if "std_errors_as_is" in run:
            se_as_is = max(se_as_is, abs(run["std_errors_as_is"][k] - s) / s)
    out = {"estimate_rel": est, "estimate_worst": worst_est, "estimate_in_se": in_se,
           "std_error_rel": se, "std_error_worst": worst_se}
    if "std_errors_as_is" in run:
        out["std_error_as_is_rel"] = se_as_is
    return out


def versions(args):
    def py_versions(python, names):
        code = ("import json, importlib.metadata as m, platform\n"
                "v = {'python': platform.python_version()}\n"
                f"for n in {names!r}:\n"
                "    try: v[n] = m.version(n)\n"
                "    except Exception: v[n] = None\n"
                "print(json.dumps(v))")
        out = subprocess.run([python, "-c", code], capture_output=True, text=True).stdout
        return json.loads(out) if out else {}

    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((l.split(":", 1)[1].strip() for l in lscpu.splitlines()
                  if l.startswith("Model name")), platform.processor())
    logreg = subprocess.run([args.logreg, "--version"], capture_output=True, text=True).stdout
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", HERE, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"cpu": model, "cores": os.cpu_count(), "logreg": logreg.strip(), "commit": commit,
            "tracked_changes": bool(dirty),
            "glum_python": {"path": sys.executable,
                            **py_versions(sys.executable, ["numpy", "pandas", "scipy", "glum",
                                                           "tabmat"])},
            "statsmodels_python": {"path": args.sm_python,
                                   **py_versions(args.sm_python, ["numpy", "pandas", "scipy",
                                                                  "statsmodels"])}}


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def cmd_bench(args):
    os.makedirs(args.results, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    raw_path = os.path.join(args.results, f"inference-{stamp}.json")
    log_path = os.path.join(args.results, f"inference-{stamp}.log")
    logf = open(log_path, "w")

    def log(text):
        print(text, flush=True)
        logf.write(text + "\n")
        logf.flush()

    raw = {"versions": versions(args), "argv": sys.argv, "uptime_before": uptime(),
           "cases": []}
    log(f"inference: {raw['uptime_before']}; {json.dumps(raw['versions'])}")

    def save():
        with open(raw_path, "w") as f:
            json.dump(raw, f, indent=1)

    work = tempfile.mkdtemp(prefix="inference-", dir=args.results)
    glums = [f"glum:{s}:{t}" for s in args.glum_solvers.split() for t in args.glum_tols.split()]
    tools = ["logreg", "logreg-summary", "statsmodels"] + glums
    for data in args.data:
        case = {"data": data, "bytes": os.path.getsize(data), "runs": {t: [] for t in tools}}
        raw["cases"].append(case)
        timed_out = set()
        warm(data)
        model = os.path.join(work, "model.json")
        for rnd in range(args.repeat):
            ref = None
            for tool in tools:
                if tool in timed_out:
                    continue
                if tool == "logreg":
                    r = logreg_run(args, data, model)
                    ref = r
                    case.setdefault("rows", r["rows"])
                    case.setdefault("features", len(r["names"]) - 1)
                elif tool == "logreg-summary":
                    r = logreg_summary_run(args, data, model)
                else:
                    r = python_run(args, tool, data, work)
                if r is None:
                    continue
                r["round"] = rnd
                r["loadavg_after"] = loadavg()
                if r.get("timed_out"):
                    timed_out.add(tool)
                    log(f"{os.path.basename(data)} round {rnd + 1} {tool}: killed after "
                        f"{args.tool_timeout:g} s; not run again")
                    case["runs"][tool].append(r)
                    continue
                if tool != "logreg":
                    r["agreement"] = agreement(r, ref)
                log(f"{os.path.basename(data)} round {rnd + 1} {tool}: " + ", ".join(
                    f"{k} {r[k]:.3f}" if isinstance(r.get(k), float) else f"{k} {r.get(k)}"
                    for k in ("end_to_end_seconds", "read_seconds", "prep_seconds",
                              "fit_seconds", "summary_seconds", "fit_summary_seconds",
                              "cpu_seconds", "rss_mb", "iterations", "loadavg_after")
                    if r.get(k) is not None)
                    + (f", agreement {json.dumps(r['agreement'])}" if "agreement" in r else ""))
                case["runs"][tool].append(r)
                save()
    raw["uptime_after"] = uptime()
    save()
    shutil.rmtree(work, ignore_errors=True)
    table = report(raw)
    log(table)
    log(f"raw results: {raw_path}")


def fmt(value, spec=".2f"):
    return "—" if value is None else format(value, spec)


def ratio(runs, base, key, base_key=None):
    """Per-round peer / logreg: "median (lo–hi)"."""
    base_key = base_key or key
    by_round = {r["round"]: r[base_key] for r in base if r.get(base_key) is not None}
    ratios = [r[key] / by_round[r["round"]] for r in runs
              if r.get(key) is not None and r["round"] in by_round]
    if not ratios:
        return "—", None
    if len(ratios) == 1:
        return f"{ratios[0]:.1f}", ratios
    return f"**{med(ratios):.1f}** ({min(ratios):.1f}–{max(ratios):.1f})", ratios


def timed(rs, key, spec=".2f"):
    v = [r.get(key) for r in rs if r.get(key) is not None]
    if not v:
        return "—"
    s = spread(v)
    return fmt(med(v), spec) + ("" if s is None else f" ±{100 * s:.0f}%")


def report(raw):
    lines = [f"uptime before: {raw.get('uptime_before')}",
             f"uptime after: {raw.get('uptime_after')}", ""]
    for case in raw["cases"]:
        runs = case["runs"]
        base = runs["logreg"]
        lines += [f"#### {case.get('rows', 0):,} × {case.get('features')} "
                  f"({os.path.basename(case['data'])}, {case['bytes'] / 1e6:.0f} MB)", "",
                  "| tool | fit + summary s | ×logreg | fit s | summary s | read s | prep s | "
                  "end-to-end s | ×logreg e2e | peak RSS MB | iterations | "
                  "max rel. diff estimate | max rel. diff std error |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for tool, rs in runs.items():
            name = tool.replace("glum:", "glum ").replace(":", ", tol ")
            if any(r.get("timed_out") for r in rs):
                lines.append(f"| {name} | killed after {rs[-1]['process_seconds']:.0f} s | "
                             + "| " * 11)
            rs = [r for r in rs if not r.get("timed_out")]
            if not rs:
                continue
            if tool == "logreg":
                fs_ratio, e2e_ratio = "1.00", "1.00"
            elif tool == "logreg-summary":
                fs_ratio, e2e_ratio = "—", "—"
            else:
                fs_ratio = ratio(rs, base, "fit_summary_seconds")[0]
                e2e_ratio = ratio(rs, base, "end_to_end_seconds")[0]
            ag = [r["agreement"] for r in rs if "agreement" in r]
            est = fmt(max(a["estimate_rel"] for a in ag), ".1e") if ag else "—"
            se = fmt(max(a["std_error_rel"] for a in ag), ".1e") if ag else "—"
            if ag and "std_error_as_is_rel" in ag[0]:
                se += f" (as is {max(a['std_error_as_is_rel'] for a in ag):.1e})"
            its = sorted({r.get("iterations") for r in rs if r.get("iterations") is not None})
            lines.append(
                f"| {name} | {timed(rs, 'fit_summary_seconds', '.3f')} | {fs_ratio} | "
                f"{timed(rs, 'fit_seconds', '.3f')} | {timed(rs, 'summary_seconds', '.3f')} | "
                f"{timed(rs, 'read_seconds')} | {timed(rs, 'prep_seconds')} | "
                f"{timed(rs, 'end_to_end_seconds')} | {e2e_ratio} | "
                f"{max(r['rss_mb'] for r in rs):.0f} | "
                f"{'/'.join(str(i) for i in its) or '—'} | {est} | {se} |")
        lines.append("")
    return "\n".join(lines)


def cmd_report(args):
    with open(args.raw) as f:
        print(report(json.load(f)))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--logreg", required=True)
    b.add_argument("--data", nargs="+", required=True)
    b.add_argument("--repeat", type=int, default=3)
    b.add_argument("--sm-python", default=sys.executable,
                   help="the Python that has statsmodels")
    b.add_argument("--sm-tol", type=float, default=None,
                   help="statsmodels Logit.fit(method='newton') tol (default: its own, 1e-8)")
    b.add_argument("--glum-solvers", default="irls-cd lbfgs")
    b.add_argument("--glum-tols", default="default 1e-8",
                   help="glum gradient_tol values ('default': glum's own, 1e-4)")
    b.add_argument("--tool-timeout", type=float, default=600)
    b.add_argument("--results", default=os.path.join(HERE, "results"))
    s = sub.add_parser("statsmodels")
    s.add_argument("data")
    s.add_argument("--tol", type=float, default=None)
    s.add_argument("--out", required=True)
    g = sub.add_parser("glum")
    g.add_argument("data")
    g.add_argument("--solver", required=True)
    g.add_argument("--gradient-tol", type=float, default=None)
    g.add_argument("--max-iter", type=int, default=100)
    g.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("raw")
    args = p.parse_args()
    {"bench": cmd_bench, "statsmodels": cmd_statsmodels, "glum": cmd_glum,
     "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    main()
