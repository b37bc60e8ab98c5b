"""Real tables (issue 13): logreg on a CSV with text columns and empty cells, against a
scikit-learn Pipeline and glum, on the same objective. Started by bench/tables.sh.

The objective, for every tool (glmnet's convention, logreg's default):

    J(w, b) = (1/m) sum_i log(1 + exp(-s_i (w~.x~_i + b))) + (lambda/2) ||w~||^2,   s_i = 2y_i - 1

on the encoded features x (numeric columns with empty cells filled by the column's mean over
the rows that have it; one indicator per level of each text column, an empty cell being the
level "(missing)", every level kept) standardised as x~_j = (x_j - mu_j)/sd_j with the
population mean and standard deviation of the encoded column (indicators included), the bias
unpenalised. Centring only moves the bias (b~ = b + sum_j w~_j mu_j / sd_j), so the minimum
of J is the same with or without it: the scoring below divides each column by sd_j and does
not centre, which keeps the 1,000,000 x 1,473 one-hot matrix sparse.

- logreg: `logreg train DATA -o M --missing mean --l2 lambda`: exactly J (README, "train").
- scikit-learn: pandas.read_csv, then Pipeline(ColumnTransformer([numeric: SimpleImputer(mean)
  + StandardScaler(); text: SimpleImputer(constant "(missing)") + OneHotEncoder(
  handle_unknown="ignore") + StandardScaler(with_mean=False)]), LogisticRegression(C)) with
  C = 1/(lambda m): scikit-learn minimises C sum_i loss_i + ||w||^2/2 = C m J. StandardScaler
  divides by the population sd (ddof 0) whether it centres or not, so its penalty is J's.
- glum: GeneralizedLinearRegressor(family="binomial", alpha=lambda, l1_ratio=0,
  scale_predictors=True) on the tabmat SplitMatrix of the same encoded frame (numeric columns
  filled with their means, text columns as pandas categoricals, "(missing)" a category,
  drop_first=False): glum minimises deviance/(2m) + (alpha/2)||w~||^2 with binomial deviance
  2 sum_i loss_i, on predictors scaled to sd 1 (population, weights summing to 1): J again.

Every solution is mapped back to raw weights by feature name ("x1", "cat1=c1_3",
"cat1=(missing)") and scored by `score` below: numpy/scipy f64 on the encoded matrix built here
from the file, independent of the tools. J* is the least of every tool's J and of a
trust-region Newton-CG refinement of the best one (objective.reference_sparse).

Subcommands (each tool runs as its own process, so its peak RSS is its own):

    tables.py bench --logreg L --data FILE [--lambdas 1e-4 ...] [--repeat 3] [--big-gb 5]
    tables.py sklearn DATA --l2 L --tol T --out OUT.json [--pickle P]
    tables.py sklearn-predict DATA PIPELINE.pkl --out OUT.json
    tables.py glum DATA --l2 L --solver lbfgs|irls-cd [--gradient-tol T] --out OUT.json
    tables.py score DATA --l2 L SOLUTIONS.json OUT.json
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
MISSING = "(missing)"


# ---------------------------------------------------------------------------------------------
# The tools (each in its own process)


def read_frame(path):
    """The CSV through pandas (C engine): feature frame, y (0/1), numeric and text columns."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(path, engine="c")
    y = (frame.pop("label").to_numpy() > 0).astype(np.float64)
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    text = [c for c in frame.columns if c not in numeric]
    return frame, y, numeric, text


def sklearn_pipeline(numeric, text, l2, m, tol, max_iter):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    prep = ColumnTransformer([
        ("num", Pipeline([("impute", SimpleImputer(strategy="mean")),
                          ("scale", StandardScaler())]), numeric),
        ("cat", Pipeline([("impute", SimpleImputer(strategy="constant", fill_value=MISSING)),
                          ("onehot", OneHotEncoder(handle_unknown="ignore")),
                          ("scale", StandardScaler(with_mean=False))]), text),
    ])
    model = LogisticRegression(C=1.0 / (l2 * m), solver="lbfgs", tol=tol, max_iter=max_iter)
    return Pipeline([("prep", prep), ("clf", model)])


def sklearn_raw_solution(pipe, numeric, text):
    """The fitted pipeline's weights on the raw encoded features, by name, and its bias."""
    prep = pipe.named_steps["prep"]
    clf = pipe.named_steps["clf"]
    coef = clf.coef_.ravel()
    bias = float(clf.intercept_[0])
    num = prep.named_transformers_["num"].named_steps["scale"]
    cat = prep.named_transformers_["cat"]
    onehot, cat_scale = cat.named_steps["onehot"], cat.named_steps["scale"]
    names, weights = [], []
    k = 0
    for j, c in enumerate(numeric):
        w = coef[k] / num.scale_[j]
        bias -= w * num.mean_[j]
        names.append(c)
        weights.append(float(w))
        k += 1
    for c, levels in zip(text, onehot.categories_):
        for level in levels:
            names.append(f"{c}={level}")
            weights.append(float(coef[k] / cat_scale.scale_[k - len(numeric)]))
            k += 1
    assert k == len(coef)
    return names, weights, bias


def cmd_sklearn(args):
    import pickle

    import sklearn.compose, sklearn.impute, sklearn.linear_model, sklearn.pipeline  # noqa: F401
    import sklearn.preprocessing  # noqa: F401  (imports are not timed)

    start = time.perf_counter()
    frame, y, numeric, text = read_frame(args.data)
    read = time.perf_counter() - start
    pipe = sklearn_pipeline(numeric, text, args.l2, len(y), args.tol, args.max_iter)
    t = time.perf_counter()
    pipe.fit(frame, y)
    fit = time.perf_counter() - t
    total = time.perf_counter() - start
    # The transform alone (not counted in any column), to tell the solver from the encoding.
    t = time.perf_counter()
    pipe.named_steps["prep"].transform(frame)
    transform = time.perf_counter() - t
    names, weights, bias = sklearn_raw_solution(pipe, numeric, text)
    if args.pickle:
        with open(args.pickle, "wb") as f:
            pickle.dump(pipe, f)
    result = {"read_seconds": read, "fit_seconds": fit, "end_to_end_seconds": total,
              "transform_seconds": transform,
              "iterations": int(pipe.named_steps["clf"].n_iter_[0]),
              "names": names, "weights": weights, "bias": bias}
    with open(args.out, "w") as f:
        json.dump(result, f)


def cmd_sklearn_predict(args):
    import pickle

    with open(args.pipeline, "rb") as f:
        pipe = pickle.load(f)
    start = time.perf_counter()
    frame, _, _, _ = read_frame(args.data)
    read = time.perf_counter() - start
    labels = pipe.predict(frame)
    total = time.perf_counter() - start
    with open(args.out, "w") as f:
        json.dump({"read_seconds": read, "seconds": total, "rows": int(len(labels)),
                   "positive": int((labels > 0).sum())}, f)


def glum_frame(path):
    """The frame glum fits: numeric columns filled with their means, text columns as pandas
    categoricals with "(missing)" a category."""
    frame, y, numeric, text = read_frame(path)
    for c in numeric:
        frame[c] = frame[c].fillna(frame[c].mean())
    for c in text:
        frame[c] = frame[c].fillna(MISSING).astype("category")
    return frame, y


def cmd_glum(args):
    import tabmat
    from glum import GeneralizedLinearRegressor

    start = time.perf_counter()
    frame, y = glum_frame(args.data)
    read = time.perf_counter() - start
    t = time.perf_counter()
    x = tabmat.from_df(frame, drop_first=False, categorical_format="{name}={category}")
    convert = time.perf_counter() - t
    del frame
    model = GeneralizedLinearRegressor(
        family="binomial", alpha=args.l2, l1_ratio=0.0, solver=args.solver,
        scale_predictors=True, fit_intercept=True, gradient_tol=args.gradient_tol,
        max_iter=args.max_iter)
    t = time.perf_counter()
    model.fit(x, y)
    fit = time.perf_counter() - t
    result = {"read_seconds": read, "convert_seconds": convert, "fit_seconds": fit,
              "end_to_end_seconds": time.perf_counter() - start,
              "iterations": int(model.n_iter_),
              "names": list(x.get_names(type="column")),
              "weights": [float(v) for v in model.coef_], "bias": float(model.intercept_)}
    with open(args.out, "w") as f:
        json.dump(result, f)


# ---------------------------------------------------------------------------------------------
# The independent score


def encode(path):
    """(X~ CSR f64 with each column divided by its population sd, y, names, sd), built from
    the file with numpy and scipy alone."""
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp

    frame, y, numeric, text = read_frame(path)
    m = len(y)
    names, blocks, sds = [], [], []
    for c in numeric:
        v = frame[c].to_numpy(dtype=np.float64)
        v = np.where(np.isnan(v), np.nanmean(v), v)
        sd = v.std()
        names.append(c)
        sds.append(sd)
        blocks.append(sp.csr_matrix((v / sd)[:, None]))
    for c in text:
        codes, levels = pd.factorize(frame[c].fillna(MISSING), sort=True)
        counts = np.bincount(codes, minlength=len(levels)).astype(np.float64)
        p = counts / m
        sd = np.sqrt(p * (1.0 - p))
        names += [f"{c}={level}" for level in levels]
        sds.extend(sd)
        blocks.append(sp.csr_matrix((1.0 / sd[codes], (np.arange(m), codes)),
                                    shape=(m, len(levels))))
    x = sp.hstack(blocks, format="csr")
    return x, y, names, np.asarray(sds)


def cmd_score(args):
    import numpy as np

    import objective

    with open(args.solutions) as f:
        solutions = json.load(f)
    x, y, names, sd = encode(args.data)
    index = {n: j for j, n in enumerate(names)}
    costs, thetas = [], []
    for s in solutions:
        w = np.zeros(len(names))
        unknown = [n for n in s["names"] if n not in index]
        if unknown:
            raise SystemExit(f"{s['tool']}: features the encoding does not have: {unknown[:5]}")
        for n, v in zip(s["names"], s["weights"]):
            w[index[n]] = v * sd[index[n]]  # raw weight -> weight of the standardised column
        thetas.append((w, s["bias"]))
        costs.append(objective.cost(x, y, w, s["bias"], args.l2))
    best = int(np.argmin(costs))
    j_ref, _, _, gnorm = objective.reference_sparse(x, y, args.l2, thetas[best])
    j_star = min(j_ref, min(costs))
    with open(args.out, "w") as f:
        json.dump({"tools": [s["tool"] for s in solutions], "costs": costs, "j_star": j_star,
                   "j_reference": j_ref, "reference_gradient_norm": gnorm,
                   "gaps": [(c - j_star) / j_star for c in costs],
                   "features": len(names)}, f)


# ---------------------------------------------------------------------------------------------
# The driver


def warm(*paths):
    """Reads files through once so each tool starts with them in the page cache."""
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass


def run_measured(cmd, stdout=None, timeout=None):
    """Runs cmd; returns (exit code, wall s, CPU s (user + sys), peak RSS MB, stdout, stderr).
    Past `timeout` seconds the command is killed and its exit code is None."""
    import threading

    out = tempfile.TemporaryFile("w+") if stdout is None else stdout
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
    timer = threading.Timer(timeout, proc.kill) if timeout else None
    if timer:
        timer.start()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if timer:
        timer.cancel()
        if timeout and wall >= timeout and code < 0:
            return None, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, "", err
    text = ""
    if stdout is None:
        out.seek(0)
        text = out.read()
        out.close()
    if code != 0:
        sys.stderr.write(f"command failed ({code}): {shlex.join(cmd)}\n{err}\n")
    return code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, text, err


def time_v(cmd):
    """Runs cmd under /usr/bin/time -v: (wall s, CPU s, peak RSS MB)."""
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {shlex.join(cmd)}\n{proc.stderr}")
    fields = dict(line.strip().rsplit(": ", 1) for line in proc.stderr.splitlines()
                  if line.startswith("\t") and ": " in line)
    clock = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
    wall = sum(float(v) * 60 ** k for k, v in enumerate(reversed(clock)))
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    return wall, cpu, int(fields["Maximum resident set size (kbytes)"]) / 1024.0


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """(max - min)/median, the noise of repeated timings."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    return (max(values) - min(values)) / statistics.median(values)


def summary(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return {"median": med(values), "spread": spread(values), "values": values}


def logreg_train(args, data, l2, model, extra=()):
    cmd = [args.logreg, "train", data, "-o", model, "--missing", "mean", "--l2", repr(l2),
           "--quiet", "--json"] + list(extra)
    warm(data)
    code, wall, cpu, rss, text, _ = run_measured(cmd)
    if code != 0:
        raise SystemExit("logreg train failed")
    out = json.loads(text)
    with open(model) as f:
        saved = json.load(f)
    return {"tool": "logreg", "end_to_end_seconds": wall, "cpu_seconds": cpu, "rss_mb": rss,
            "rows": out["rows"], "read_seconds": out["load_seconds"], "fit_seconds": out["report"]["seconds"],
            "iterations": out["report"]["iterations"],
            "passes": out["report"]["evaluations"]["passes"],
            "termination": out["report"]["termination"], "gap_bound": out["report"].get("gap_bound"),
            "names": saved["feature_names"], "weights": saved["weights"][0],
            "bias": saved["bias"][0], "command": shlex.join(cmd)}


def python_tool(args, tool, data, l2, workdir, extra=()):
    out = os.path.join(workdir, f"{tool}.json")
    if tool == "sklearn":
        cmd = [sys.executable, __file__, "sklearn", data, "--l2", repr(l2),
               "--tol", repr(args.sklearn_tol), "--out", out] + list(extra)
    else:
        solver, tol = tool.split(":")[1:]
        cmd = [sys.executable, __file__, "glum", data, "--l2", repr(l2), "--solver", solver,
               "--gradient-tol", tol, "--out", out]
    warm(data)
    code, wall, cpu, rss, _, _ = run_measured(cmd, timeout=args.tool_timeout)
    if code is None:
        return {"tool": tool, "timed_out": True, "process_seconds": wall, "cpu_seconds": cpu,
                "rss_mb": rss, "command": shlex.join(cmd)}
    if code != 0:
        return None
    with open(out) as f:
        result = json.load(f)
    result.update(tool=tool, rss_mb=rss, process_seconds=wall, cpu_seconds=cpu,
                  command=shlex.join(cmd))
    return result


def make_big(src, dst, copies):
    """The header of src, then its data rows `copies` times."""
    with open(src, "rb") as f:
        header = f.readline()
        body = f.read()
    with open(dst, "wb") as f:
        f.write(header)
        for _ in range(copies):
            f.write(body)
    return len(header) + copies * len(body)


def versions(args):
    def pip_version(name):
        try:
            from importlib.metadata import version
            return version(name)
        except Exception:
            return None

    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = next((l.split(":", 1)[1].strip() for l in lscpu.splitlines()
                  if l.startswith("Model name")), platform.processor())
    logreg = subprocess.run([args.logreg, "--version"], capture_output=True, text=True).stdout
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "logreg": logreg.strip(), "commit": commit,
            **{n: pip_version(n) for n in ("numpy", "pandas", "scipy", "scikit-learn", "glum",
                                            "tabmat", "pyarrow")}}


def cmd_bench(args):
    os.makedirs(args.results, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    raw_path = os.path.join(args.results, f"tables-{stamp}.json")
    log_path = os.path.join(args.results, f"tables-{stamp}.log")
    logf = open(log_path, "w")

    def log(text):
        print(text, flush=True)
        logf.write(text + "\n")
        logf.flush()

    data = args.data
    size = os.path.getsize(data)
    raw = {"data": data, "bytes": size, "versions": versions(args), "cases": [],
           "argv": sys.argv}
    log(f"tables: {data} ({size / 1e6:.1f} MB), {raw['versions']}")
    work = tempfile.mkdtemp(prefix="tables-", dir=args.results)
    glums = [f"glum:{s}:{t}" for s in args.glum_solvers.split() for t in args.glum_tols.split()]

    def save():
        with open(raw_path, "w") as f:
            json.dump(raw, f, indent=1)

    model_for_predict = None
    pipeline_for_predict = os.path.join(work, "pipeline.pkl")
    for l2 in args.lambdas:
        case = {"l2": l2, "runs": {}}
        raw["cases"].append(case)
        tools = ["logreg"] + (["sklearn"] if not args.no_sklearn else []) + glums
        runs = {t: [] for t in tools}
        timed_out = set()
        for rep in range(args.repeat):
            for tool in tools:
                if tool in timed_out:
                    continue
                if tool == "logreg":
                    model = os.path.join(work, f"logreg-{l2:g}.json")
                    r = logreg_train(args, data, l2, model)
                    if model_for_predict is None:
                        model_for_predict = model
                else:
                    extra = ()
                    if tool == "sklearn" and l2 == args.lambdas[0] and rep == args.repeat - 1:
                        extra = ("--pickle", pipeline_for_predict)
                    r = python_tool(args, tool, data, l2, work, extra)
                if r is None:
                    continue
                if r.get("timed_out"):
                    timed_out.add(tool)
                    runs[tool].append(r)
                    log(f"λ={l2:g} round {rep + 1} {tool}: killed after {args.tool_timeout:g} s; "
                        "not run again at this λ")
                    continue
                r["round"] = rep
                raw.setdefault("rows", r.get("rows"))
                runs[tool].append(r)
                log(f"λ={l2:g} round {rep + 1} {tool}: " + ", ".join(
                    f"{k} {r[k]:.3f}" if isinstance(r.get(k), float) else f"{k} {r.get(k)}"
                    for k in ("end_to_end_seconds", "process_seconds", "read_seconds",
                              "fit_seconds", "cpu_seconds", "rss_mb", "iterations")
                    if r.get(k) is not None))
        # Score the last solution of each tool.
        solutions = [dict(done[-1], tool=t) for t in tools
                     if (done := [r for r in runs[t] if not r.get("timed_out")])]
        sol_path = os.path.join(work, f"solutions-{l2:g}.json")
        with open(sol_path, "w") as f:
            json.dump([{k: s[k] for k in ("tool", "names", "weights", "bias")}
                       for s in solutions], f)
        score_path = os.path.join(work, f"score-{l2:g}.json")
        t = time.perf_counter()
        subprocess.run([sys.executable, __file__, "score", data, "--l2", repr(l2), sol_path,
                        score_path], check=True)
        with open(score_path) as f:
            score = json.load(f)
        log(f"λ={l2:g} score ({time.perf_counter() - t:.0f} s): J* = {score['j_star']:.12f}, "
            + ", ".join(f"{t} {g:.2e}" for t, g in zip(score["tools"], score["gaps"])))
        for tool in tools:
            case["runs"][tool] = [{k: v for k, v in r.items() if k not in ("names", "weights")}
                                  for r in runs[tool]]
        case["score"] = score
        save()

    # CSV parse throughput: logreg's load seconds, all threads and one.
    loads = {"all": [], "1": []}
    for rep in range(args.repeat):
        for threads in ("all", "1"):
            extra = ["--max-iterations", "0"] + ([] if threads == "all" else ["--threads", "1"])
            r = logreg_train(args, data, args.lambdas[0], os.path.join(work, "load.json"), extra)
            loads[threads].append({"read_seconds": r["read_seconds"],
                                   "end_to_end_seconds": r["end_to_end_seconds"],
                                   "cpu_seconds": r["cpu_seconds"], "rss_mb": r["rss_mb"]})
            log(f"load (threads {threads}) round {rep + 1}: {r['read_seconds']:.3f} s, "
                f"{size / 1e6 / r['read_seconds']:.0f} MB/s")
    raw["load"] = loads
    save()

    # Predict on the 1M file: logreg predict (to a file) vs the scikit-learn pipeline.
    predicts = {"logreg": [], "sklearn": []}
    pred_out = os.path.join(work, "pred.csv")
    for rep in range(args.repeat):
        warm(data)
        code, wall, cpu, rss, _, _ = run_measured(
            [args.logreg, "predict", model_for_predict, data, "-o", pred_out])
        predicts["logreg"].append({"seconds": wall, "cpu_seconds": cpu, "rss_mb": rss})
        log(f"predict (whole file) round {rep + 1} logreg: {wall:.3f} s, {rss:.0f} MB")
        if os.path.exists(pipeline_for_predict):
            out = os.path.join(work, "sklearn-predict.json")
            warm(data)
            code, wall, cpu, rss, _, _ = run_measured(
                [sys.executable, __file__, "sklearn-predict", data, pipeline_for_predict,
                 "--out", out])
            with open(out) as f:
                r = json.load(f)
            r.update(process_seconds=wall, cpu_seconds=cpu, rss_mb=rss)
            predicts["sklearn"].append(r)
            log(f"predict (whole file) round {rep + 1} sklearn: {r['seconds']:.3f} s "
                f"(read {r['read_seconds']:.3f}), {rss:.0f} MB")
    raw["predict_1m"] = predicts
    save()

    # Streaming predict on a big file.
    if args.big_gb > 0:
        big = os.path.join(os.path.dirname(data), "tables_big.csv")
        copies = max(1, round(args.big_gb * 1e9 / size))
        t = time.perf_counter()
        big_bytes = make_big(data, big, copies)
        log(f"big: {copies} copies of the data rows, {big_bytes / 1e9:.2f} GB "
            f"({time.perf_counter() - t:.0f} s to write)")
        stream = {"bytes": big_bytes, "copies": copies, "dev_null": [], "file": []}
        big_out = os.path.join(os.path.dirname(data), "tables_big_pred.csv")
        try:
            for rep in range(args.repeat):
                for target in ("dev_null", "file"):
                    warm(big)
                    out = "/dev/null" if target == "dev_null" else big_out
                    cmd = [args.logreg, "predict", model_for_predict, big, "-o", out]
                    wall, cpu, rss = time_v(cmd)
                    stream[target].append({"seconds": wall, "cpu_seconds": cpu, "rss_mb": rss,
                                           "mb_per_s": big_bytes / 1e6 / wall})
                    log(f"stream round {rep + 1} -o {out}: {wall:.2f} s, "
                        f"{big_bytes / 1e6 / wall:.0f} MB/s, peak RSS {rss:.0f} MB, CPU {cpu:.1f} s")
        finally:
            if not args.keep_big:
                for p in (big, big_out):
                    if os.path.exists(p):
                        os.remove(p)
        raw["stream"] = stream
        save()

    table = report(raw)
    log(table)
    latest = os.path.join(args.results, "tables-latest.md")
    with open(latest, "w") as f:
        f.write(table + "\n")
    log(f"raw results: {raw_path}; table: {latest}")


def fmt(value, spec=".2f"):
    return "—" if value is None else format(value, spec)


def round_ratio(tool, runs, base, key):
    """This tool's time / logreg's time in each round (each round runs every tool once, one
    after another, so the two were measured minutes apart at most): "median (lo–hi)"."""
    if tool == "logreg":
        return "1.00"
    by_round = {r["round"]: r[key] for r in base if r.get(key) is not None}
    ratios = [r[key] / by_round[r["round"]] for r in runs
              if r.get(key) is not None and r.get("round") in by_round]
    if not ratios:
        return "—"
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}"
    return f"{med(ratios):.2f} ({min(ratios):.1f}–{max(ratios):.1f})"


def report(raw):
    """The markdown table of medians (and their spread) and ratios."""
    size_mb = raw["bytes"] / 1e6
    lines = []
    for case in raw["cases"]:
        l2, runs, score = case["l2"], case["runs"], case["score"]
        gaps = dict(zip(score["tools"], score["gaps"]))
        base = runs["logreg"]
        lines += [f"#### λ = {l2:g}  (J* = {score['j_star']:.10f})", "",
                  "Times: median of the rounds ± (max − min)/median; ×logreg: the median of the "
                  "per-round ratios (their range).", "",
                  "| tool | end-to-end s | ×logreg | read s | fit s | ×logreg fit | CPU s | "
                  "peak RSS MB | iterations | (J−J*)/J* |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for tool, rs in runs.items():
            name = tool.replace("glum:", "glum ").replace(":", " tol ")
            if any(r.get("timed_out") for r in rs):
                lines.append(f"| {name} | killed after {rs[-1]['process_seconds']:.0f} s "
                             "(did not finish) | | | | | | | | |")
            rs = [r for r in rs if not r.get("timed_out")]
            if not rs:
                continue
            e2e = [r.get("end_to_end_seconds") for r in rs]
            fit = [r.get("fit_seconds") for r in rs]
            read = [r.get("read_seconds") for r in rs]
            e2e_m, fit_m = med(e2e), med(fit)
            lines.append(
                f"| {name} | {fmt(e2e_m)} ±{fmt(100 * (spread(e2e) or 0), '.0f')}% | "
                f"{round_ratio(tool, rs, base, 'end_to_end_seconds')} | "
                f"{fmt(med(read))} | {fmt(fit_m, '.3f')} "
                f"±{fmt(100 * (spread(fit) or 0), '.0f')}% | "
                f"{round_ratio(tool, rs, base, 'fit_seconds')} | "
                f"{fmt(med([r['cpu_seconds'] for r in rs]), '.1f')} | "
                f"{fmt(max(r['rss_mb'] for r in rs), '.0f')} | {rs[-1].get('iterations')} | "
                f"{gaps.get(tool, float('nan')):.1e} |")
        lines.append("")
    if "load" in raw:
        for threads, rs in raw["load"].items():
            s = [r["read_seconds"] for r in rs]
            lines.append(f"- load (logreg, {threads} threads, `--max-iterations 0`): "
                         f"{fmt(med(s), '.3f')} s ±{fmt(100 * (spread(s) or 0), '.0f')}% = "
                         f"{size_mb / med(s):.0f} MB/s ({size_mb:.0f} MB)")
    if "predict_1m" in raw:
        p = raw["predict_1m"]
        lg = med([r["seconds"] for r in p["logreg"]])
        line = (f"- predict {raw.get('rows', 0):,} rows: logreg {lg:.2f} s ±"
                f"{100 * (spread([r['seconds'] for r in p['logreg']]) or 0):.0f}%")
        if p["sklearn"]:
            sk = med([r["seconds"] for r in p["sklearn"]])
            ratios = [b["seconds"] / a["seconds"] for a, b in zip(p["logreg"], p["sklearn"])]
            line += (f", scikit-learn (read_csv + pipeline.predict) {sk:.2f} s ±"
                     f"{100 * (spread([r['seconds'] for r in p['sklearn']]) or 0):.0f}% "
                     f"(read {med([r['read_seconds'] for r in p['sklearn']]):.2f} s): "
                     f"×{med(ratios):.1f} ({min(ratios):.1f}–{max(ratios):.1f}) per round")
        lines.append(line)
    if "stream" in raw:
        st = raw["stream"]
        for target in ("dev_null", "file"):
            rs = st[target]
            if rs:
                lines.append(
                    f"- streaming predict, {st['bytes'] / 1e9:.2f} GB ({st['copies']} copies), "
                    f"-o {'/dev/null' if target == 'dev_null' else 'a file'}: "
                    f"{med([r['seconds'] for r in rs]):.1f} s ±"
                    f"{100 * (spread([r['seconds'] for r in rs]) or 0):.0f}% = "
                    f"{med([r['mb_per_s'] for r in rs]):.0f} MB/s, peak RSS "
                    f"{max(r['rss_mb'] for r in rs):.0f} MB")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--logreg", required=True)
    b.add_argument("--data", required=True)
    b.add_argument("--lambdas", type=float, nargs="+", default=[1e-4])
    b.add_argument("--repeat", type=int, default=3)
    b.add_argument("--sklearn-tol", type=float, default=1e-6)
    b.add_argument("--no-sklearn", action="store_true")
    b.add_argument("--glum-solvers", default="lbfgs irls-cd")
    b.add_argument("--glum-tols", default="1e-4 1e-8",
                   help="glum gradient_tol values (1e-4 is its default)")
    b.add_argument("--tool-timeout", type=float, default=300,
                   help="a Python tool's run is killed after this many seconds, and that tool "
                        "is not run again at that λ")
    b.add_argument("--big-gb", type=float, default=5.0, help="0: no streaming test")
    b.add_argument("--keep-big", action="store_true")
    b.add_argument("--results", default=os.path.join(HERE, "results"))
    s = sub.add_parser("sklearn")
    s.add_argument("data")
    s.add_argument("--l2", type=float, required=True)
    s.add_argument("--tol", type=float, default=1e-6)
    s.add_argument("--max-iter", type=int, default=10000)
    s.add_argument("--out", required=True)
    s.add_argument("--pickle")
    sp = sub.add_parser("sklearn-predict")
    sp.add_argument("data")
    sp.add_argument("pipeline")
    sp.add_argument("--out", required=True)
    g = sub.add_parser("glum")
    g.add_argument("data")
    g.add_argument("--l2", type=float, required=True)
    g.add_argument("--solver", required=True)
    g.add_argument("--gradient-tol", type=float, default=None)
    g.add_argument("--max-iter", type=int, default=1000)
    g.add_argument("--out", required=True)
    rp = sub.add_parser("report", help="print the table of a raw results file again")
    rp.add_argument("raw")
    sc = sub.add_parser("score")
    sc.add_argument("data")
    sc.add_argument("--l2", type=float, required=True)
    sc.add_argument("solutions")
    sc.add_argument("out")
    args = p.parse_args()
    {"bench": cmd_bench, "sklearn": cmd_sklearn, "sklearn-predict": cmd_sklearn_predict,
     "glum": cmd_glum, "score": cmd_score,
     "report": lambda a: print(report(json.load(open(a.raw))))}[args.command](args)


if __name__ == "__main__":
    main()
