"""L1 / elastic-net peers of logreg, the scorer under logreg's J, and the search for λ1.

Every tool is asked for the minimiser of logreg's objective on the raw features,

    J(w, b) = (1/m) Σ_i log(1 + exp(−s_i (w·x_i + b))) + λ1 ‖w‖₁ + (λ2/2) ‖w‖²,   s_i = ±1,

bias unpenalised, and then re-scored under J in float64 (scipy CSR for sparse data, never
densified). How each peer is told J (C = 1/(m λ1) for the LIBLINEAR family):

- liblinear: LIBLINEAR `-s 6 -c C -B 1 -R -e E` (L1-regularised LR, newGLMNET). It minimises
  ‖w‖₁ + C Σ_i loss_i = J/λ1; `-R` leaves the weight of the constant feature that `-B 1` adds
  unpenalised, so that weight is b. λ2 must be 0 (it has no elastic net). The multi-core build
  (`liblinear-multicore` 2.50.0, module `liblinear` in DIR, see --liblinear-multicore-dir)
  runs with `-m T`; it accepts -m for -s 6 (its check lists -s 0, 1, 2, 3, 5, 6, 11, 21).
  Stop: ‖∇^S f‖_∞ ≤ E·min(#pos, #neg)/m·‖∇^S f(0)‖_∞ (minimum-norm subgradient).
- glum: GeneralizedLinearRegressor(family="binomial", alpha=λ1+λ2, l1_ratio=λ1/(λ1+λ2),
  solver="irls-cd", fit_intercept=True, scale_predictors=False, gradient_tol=T). glum 3.4.1
  minimises deviance/(2 Σ s_i) + α ρ ‖w‖₁ + (α (1−ρ)/2) ‖w‖², and the binomial deviance is
  2 × the log loss, so this is exactly J (the scorer checks it: a solution of a differently
  normalised objective shows up as a KKT violation of order λ1). Stop: Σ_i |min-norm
  subgradient_i| ≤ T. X goes in as a tabmat matrix built before the timer (CSC for sparse).
- skglm: SparseLogisticRegression(alpha=λ1+λ2, l1_ratio=λ1/(λ1+λ2), tol=T, fit_intercept=True)
  = ProxNewton on Logistic() + L1_plus_L2: (1/m) Σ loss + α ρ ‖w‖₁ + (α (1−ρ)/2) ‖w‖² = J.
  skglm 0.5 fits the unpenalised intercept on sparse (CSC) input too: ProxNewton has its own
  intercept step for dense and sparse X, and the Logistic datafit has `intercept_update_step`
  for AndersonCD (on a small CSC problem at tol 1e-10 the two gave intercepts within 3e-7).
  skglm wants CSC; the conversion from CSR is done before the timer. Stop: max subgradient
  distance ≤ T (absolute: against a small λ1 it is a looser request than it looks). numba
  compiles on first use: one untimed warm-up fit on the first 200 rows comes first.
- sklearn-saga: LogisticRegression(solver="saga", C=1/(m (λ1+λ2)), l1_ratio=λ1/(λ1+λ2)):
  C Σ loss + ρ ‖w‖₁ + ((1−ρ)/2) ‖w‖² = J/(λ1+λ2). (scikit-learn 1.8 deprecated `penalty`;
  l1_ratio alone says l1 / elastic net.) Stop: max |Δw| / max |w| ≤ tol over an epoch.
- sklearn-liblinear: LogisticRegression(solver="liblinear", C=1/(m λ1), l1_ratio=1,
  intercept_scaling=S): LIBLINEAR -s 6 *without* -R: the intercept is S × the weight of a
  constant column of value S, and that weight is penalised, so its objective is J + λ1 |b|/S
  (hence a large S: 1e4 by default; at S = 100 its solutions stayed 1e-6 above J* on the dense
  data, at 1e4 about 1e-10). λ2 must be 0. Its own copy of X into LIBLINEAR's format happens
  inside fit, so it is in its fit time.

Usage:
  l1_peers.py TOOL DATA --l1 L1 --l2 L2 --tol T --out RESULT.json [--threads K]
              [--features N] [--max-iter K] [--intercept-scaling S]
  l1_peers.py score DATA L1 L2 SOLUTIONS.json OUT.json [--no-refine]
  l1_peers.py lambdas DATA --fractions 0.1 0.01 [--l2 L2] [--features N]
TOOL: liblinear | liblinear-official | glum | skglm | sklearn-saga | sklearn-liblinear
(liblinear-official: the single-threaded build from liblinear-official, same options, no -m)
"""

import argparse
import json
import os
import sys
import time

import numpy as np


# ----------------------------------------------------------------------------- data

def read(path, features=None):
    """X (float64: ndarray from a CSV with a `label` column, or CSR from LIBSVM), y in {0, 1},
    and the read time."""
    if path.endswith(".csv"):
        import pandas as pd

        start = time.perf_counter()
        frame = pd.read_csv(path, dtype=np.float64, engine="c")
        y = frame.pop("label").to_numpy()
        x = frame.to_numpy(dtype=np.float64)
        del frame
    else:
        from sklearn.datasets import load_svmlight_file

        start = time.perf_counter()
        x, y = load_svmlight_file(path, dtype=np.float64, n_features=features)
        x.sort_indices()
        if x.nnz < 2**31:  # scikit-learn 1.9 returns int64 indices; its solvers want int32
            x.indices = x.indices.astype(np.int32)
            x.indptr = x.indptr.astype(np.int32)
    return x, (y > 0).astype(np.float64), time.perf_counter() - start


def rho_alpha(l1, l2):
    return l1 + l2, (l1 / (l1 + l2) if l1 + l2 > 0 else 1.0)


# ----------------------------------------------------------------------------- peers

def import_liblinear(multicore_dir):
    """The multi-core LIBLINEAR module when it is in multicore_dir, else the official one."""
    if multicore_dir and os.path.isdir(os.path.join(multicore_dir, "liblinear")):
        sys.path.insert(0, multicore_dir)
    from liblinear import liblinear as ll
    from liblinear import liblinearutil

    multicore = "multicore" in os.path.dirname(ll.__file__)
    return ll, liblinearutil, ("liblinear-multicore 2.50.0" if multicore
                               else "liblinear-official 2.50.0")


def fit_liblinear(x, y, l1, l2, tol, threads, multicore_dir, max_iter):
    if l2 != 0:
        raise SystemExit("liblinear -s 6 has no L2 term: λ2 must be 0")
    import scipy.sparse as sp

    ll, util, build = import_liblinear(multicore_dir)
    m, n = x.shape
    start = time.perf_counter()
    csr = x if sp.issparse(x) else sp.csr_matrix(x)
    problem = ll.problem(np.where(y > 0, 1.0, -1.0), csr)
    convert = time.perf_counter() - start
    del csr
    options = f"-s 6 -c {1.0 / (l1 * m)!r} -B 1 -R -e {tol!r}"
    if "multicore" in build:
        options += f" -m {threads}"
    elif threads != 1:
        threads = 1  # the official build is single-threaded
    param = ll.parameter(options)
    lines = []
    param.print_func = ll.PRINT_STRING_FUN(lambda s: lines.append(s.decode()))
    start = time.perf_counter()
    model = util.train(problem, param)
    seconds = time.perf_counter() - start
    w = np.array([model.get_decfun_coef(j + 1) for j in range(n)])
    b = model.get_decfun_bias()
    if model.get_labels()[0] != 1:  # the decision value is for the first label it saw
        w, b = -w, -b
    log = "".join(lines)
    # newGLMNET logs "iter  k  #CD cycles ..." per outer (Newton) iteration.
    iterations = sum(1 for line in log.splitlines() if line.startswith("iter"))
    return {"weights": w, "bias": float(b), "fit_seconds": seconds, "convert_seconds": convert,
            "iterations": iterations or None, "threads": threads,
            "warning": "max iterations" if "reaching max number" in log else None,
            "build": build, "options": options, "log_tail": log[-400:]}


def fit_glum(x, y, l1, l2, tol, threads, max_iter):
    import scipy.sparse as sp
    import tabmat
    from glum import GeneralizedLinearRegressor

    alpha, rho = rho_alpha(l1, l2)
    start = time.perf_counter()
    mat = tabmat.SparseMatrix(x.tocsc()) if sp.issparse(x) else tabmat.DenseMatrix(x)
    convert = time.perf_counter() - start
    model = GeneralizedLinearRegressor(
        family="binomial", alpha=alpha, l1_ratio=rho, solver="irls-cd", fit_intercept=True,
        scale_predictors=False, gradient_tol=tol, max_iter=max_iter)
    start = time.perf_counter()
    model.fit(mat, y)
    seconds = time.perf_counter() - start
    return {"weights": np.asarray(model.coef_, dtype=np.float64), "bias": float(model.intercept_),
            "fit_seconds": seconds, "convert_seconds": convert,
            "iterations": int(model.n_iter_), "threads": threads,
            "options": f"alpha={alpha!r}, l1_ratio={rho!r}, gradient_tol={tol!r}"}


def fit_skglm(x, y, l1, l2, tol, threads, max_iter):
    import skglm
    from skglm import SparseLogisticRegression

    alpha, rho = rho_alpha(l1, l2)

    def make():
        return SparseLogisticRegression(alpha=alpha, l1_ratio=rho, tol=tol, max_iter=max_iter,
                                        fit_intercept=True)

    import scipy.sparse as sp

    # skglm works on columns: CSC, or a Fortran-ordered array (made here, before the timer;
    # it would convert CSR to CSC inside fit otherwise).
    start = time.perf_counter()
    x = x.tocsc() if sp.issparse(x) else np.asfortranarray(x)
    convert = time.perf_counter() - start
    # numba compiles on first call: warm up on a slice of the same type, untimed.
    k = min(200, x.shape[0])
    yk = y[:k].copy()
    yk[0], yk[-1] = 0.0, 1.0
    start = time.perf_counter()
    make().fit(x[:k] if sp.issparse(x) else np.asfortranarray(x[:k]), yk)
    jit = time.perf_counter() - start
    model = make()
    start = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - start
    w = np.asarray(model.coef_, dtype=np.float64).ravel()
    b = float(np.ravel(model.intercept_)[0])
    if list(model.classes_) != [0.0, 1.0]:
        raise SystemExit(f"skglm: unexpected classes {model.classes_}")
    return {"weights": w, "bias": b, "fit_seconds": seconds, "jit_seconds": jit,
            "convert_seconds": convert,
            "iterations": int(np.ravel(model.n_iter_)[0]) if hasattr(model, "n_iter_") else None,
            "threads": threads, "build": f"skglm {skglm.__version__}",
            "options": f"alpha={alpha!r}, l1_ratio={rho!r}, tol={tol!r}"}


def fit_sklearn(solver, x, y, l1, l2, tol, max_iter, intercept_scaling):
    from sklearn.linear_model import LogisticRegression

    m = x.shape[0]
    if solver == "liblinear":
        if l2 != 0:
            raise SystemExit("sklearn liblinear: λ2 must be 0")
        kwargs = {"C": 1.0 / (m * l1), "l1_ratio": 1.0, "intercept_scaling": intercept_scaling}
    else:
        alpha, rho = rho_alpha(l1, l2)
        kwargs = {"C": 1.0 / (m * alpha), "l1_ratio": rho}
    model = LogisticRegression(solver=solver, tol=tol, max_iter=max_iter, fit_intercept=True,
                               **kwargs)
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        model.fit(x, y)
        seconds = time.perf_counter() - start
    warned = [str(c.message).splitlines()[0] for c in caught]
    return {"weights": model.coef_[0].astype(np.float64), "bias": float(model.intercept_[0]),
            "fit_seconds": seconds, "iterations": int(np.max(model.n_iter_)), "threads": 1,
            "warning": "; ".join(sorted(set(warned)))[:200] or None,
            "options": ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + f", tol={tol!r}"}


def run_tool(args):
    x, y, read_seconds = read(args.data, args.features)
    if args.tool in ("liblinear", "liblinear-official"):
        multicore = args.liblinear_multicore_dir if args.tool == "liblinear" else None
        result = fit_liblinear(x, y, args.l1, args.l2, args.tol, args.threads, multicore,
                               args.max_iter)
    elif args.tool == "glum":
        result = fit_glum(x, y, args.l1, args.l2, args.tol, args.threads, args.max_iter)
    elif args.tool == "skglm":
        result = fit_skglm(x, y, args.l1, args.l2, args.tol, args.threads, args.max_iter)
    elif args.tool in ("sklearn-saga", "sklearn-liblinear"):
        result = fit_sklearn(args.tool.split("-", 1)[1], x, y, args.l1, args.l2, args.tol,
                             args.max_iter, args.intercept_scaling)
    else:
        raise SystemExit(f"unknown tool {args.tool}")
    result["read_seconds"] = read_seconds
    result["weights"] = [float(v) for v in result["weights"]]
    with open(args.out, "w") as f:
        json.dump(result, f)


# ----------------------------------------------------------------------------- scoring

def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def smooth_parts(x, y, w, b, l2):
    """Mean log loss + (λ2/2)‖w‖², its gradient in w and in b, and σ(z)(1 − σ(z))."""
    z = x @ w + b
    s = 2.0 * y - 1.0
    a = sigmoid(z)
    r = a - y
    m = x.shape[0]
    loss = float(np.mean(np.logaddexp(0.0, -s * z)) + 0.5 * l2 * (w @ w))
    gw = np.asarray(x.T @ r).ravel() / m + l2 * w
    return loss, gw, float(r.mean()), a * (1.0 - a)


def kkt(gw, gb, w, l1):
    """max over coordinates of the distance of 0 from the subdifferential of J."""
    on = w != 0
    viol = np.where(on, np.abs(gw + l1 * np.sign(w)), np.maximum(np.abs(gw) - l1, 0.0))
    return float(max(viol.max(initial=0.0), abs(gb)))


def refine(x, y, l1, l2, w0, b0, rounds=30, newton_steps=50, log=None):
    """A reference solution: projected Newton on the support (signs fixed, so the L1 term is
    linear there), with an Armijo search that clips coordinates crossing zero to zero, then
    adds the off-support coordinates that violate |g_j| ≤ λ1 and repeats. Newton directions
    come from conjugate gradients with Hessian-vector products, X_S^T D X_S v / m + λ2 v (no
    |S|² matrix). Every point it visits is feasible, so its J is an upper bound on the optimum
    like any tool's. Returns (w, b, J, kkt) of the best point seen."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import LinearOperator, cg

    m, n = x.shape
    xc = x.tocsc() if sp.issparse(x) else x
    w, b = np.array(w0, dtype=np.float64), float(b0)
    loss, gw, gb, d = smooth_parts(x, y, w, b, l2)
    j = loss + l1 * np.abs(w).sum()
    for _ in range(rounds):
        j_round = j
        support = np.flatnonzero(w)
        off = np.flatnonzero(w == 0)
        violators = off[np.abs(gw[off]) > l1]
        if violators.size:
            # Add the worst violators (at most 10% of the support, at least 10).
            k = max(10, support.size // 10)
            support = np.union1d(support, violators[np.argsort(-np.abs(gw[violators]))[:k]])
        signs = np.sign(w[support])
        fresh = signs == 0
        signs[fresh] = -np.sign(gw[support][fresh])
        xs = xc[:, support]
        for _ in range(newton_steps):
            g = np.append(gw[support] + l1 * signs, gb)
            if np.abs(g).max() <= 1e-16:
                break

            def hv(v, xs=xs, d=d):
                u = d * (xs @ v[:-1] + v[-1])
                return np.append(np.asarray(xs.T @ u).ravel() / m + l2 * v[:-1], u.sum() / m)

            op = LinearOperator((support.size + 1,) * 2, matvec=hv, dtype=np.float64)
            p, _ = cg(op, -g, rtol=1e-10, maxiter=max(200, 2 * support.size))
            theta = np.append(w[support], b)
            t, accepted = 1.0, False
            while t > 1e-10:
                trial = theta + t * p
                ws = trial[:-1]
                ws[np.sign(ws) != signs] = 0.0  # clipped at zero: stays in the orthant
                wt = w.copy()
                wt[support] = ws
                lt, gwt, gbt, dt = smooth_parts(x, y, wt, trial[-1], l2)
                jt = lt + l1 * np.abs(wt).sum()
                if jt <= j + 1e-4 * min(0.0, g @ (trial - theta)):
                    accepted = True
                    break
                t *= 0.5
            if not accepted or jt >= j:
                break
            w, b, j, gw, gb, d = wt, float(trial[-1]), jt, gwt, gbt, dt
        viol = kkt(gw, gb, w, l1)
        if log:
            log(f"    refine: |S| = {np.count_nonzero(w)}, J = {j:.16f}, KKT = {viol:.2e}")
        off = np.flatnonzero(w == 0)
        if j >= j_round and not (np.abs(gw[off]) > l1).any():
            break
    return w, b, j, kkt(gw, gb, w, l1)


def score(args):
    with open(args.solutions) as f:
        solutions = json.load(f)
    n = max(len(s["weights"]) for s in solutions)
    x, y, _ = read(args.data, n if not args.data.endswith(".csv") else None)
    n = x.shape[1]
    rows = []
    for s in solutions:
        w = np.zeros(n)
        w[:len(s["weights"])] = s["weights"]
        loss, gw, gb, _ = smooth_parts(x, y, w, s["bias"], args.l2)
        rows.append({"cost": loss + args.l1 * np.abs(w).sum(), "kkt": kkt(gw, gb, w, args.l1),
                     "nnz": int(np.count_nonzero(w)), "w": w})
    best = min(range(len(rows)), key=lambda i: rows[i]["cost"])
    ref = None
    if not args.no_refine:
        start = time.perf_counter()
        rw, rb, rj, rk = refine(x, y, args.l1, args.l2, rows[best]["w"], solutions[best]["bias"],
                                log=lambda t: print(t, file=sys.stderr, flush=True))
        ref = {"cost": rj, "kkt": rk, "nnz": int(np.count_nonzero(rw)),
               "seconds": time.perf_counter() - start, "w": rw}
    j_star = min([r["cost"] for r in rows] + ([ref["cost"]] if ref else []))
    support = np.flatnonzero(ref["w"] if ref and ref["cost"] <= rows[best]["cost"] else rows[best]["w"])
    base = np.zeros(n, dtype=bool)
    base[support] = True
    out = {"j_star": j_star, "best": best, "best_nnz": int(base.sum()),
           "support_from": "reference" if ref and ref["cost"] <= rows[best]["cost"] else "best tool",
           "rows": m_rows(x), "features": n, "positives": int(y.sum()),
           "scores": [{"cost": r["cost"], "kkt": r["kkt"], "nnz": r["nnz"],
                       "support_diff": int(np.count_nonzero((r["w"] != 0) != base))} for r in rows]}
    if ref:
        out["reference"] = {k: v for k, v in ref.items() if k != "w"}
    with open(args.out, "w") as f:
        json.dump(out, f)


def m_rows(x):
    return int(x.shape[0])


# ----------------------------------------------------------------------------- λ search

def lambdas(args):
    """λ_max = ‖Xᵀ(y − ȳ)‖_∞/m (the smallest λ1 at which w = 0 is optimal, with the bias free),
    then a warm-started skglm path down from it, and bisection in log λ, to the λ1 whose
    solution has round(f·n) non-zero weights for each fraction f; printed rounded to two
    significant digits, with the count each rounded value gives. skglm's tol (its largest
    subgradient violation) is --rel-tol × λ1: an absolute one too loose for a small λ1 leaves
    warm-started supports where they were."""
    from skglm import SparseLogisticRegression

    x, y, _ = read(args.data, args.features)
    m, n = x.shape
    lam_max = float(np.abs(np.asarray(x.T @ (y - y.mean())).ravel()).max() / m)
    model = SparseLogisticRegression(alpha=lam_max, max_iter=50, fit_intercept=True,
                                     warm_start=True)
    seen = {}

    def nnz_at(lam):
        if lam not in seen:
            alpha, rho = rho_alpha(lam, args.l2)
            model.set_params(alpha=alpha, l1_ratio=rho, tol=args.rel_tol * lam)
            start = time.perf_counter()
            model.fit(x, y)
            seen[lam] = int(np.count_nonzero(model.coef_))
            print(f"  λ1 = {lam:.4g} ({lam / lam_max:.4g} λ_max): {seen[lam]} non-zeros "
                  f"({time.perf_counter() - start:.1f} s)", file=sys.stderr, flush=True)
        return seen[lam]

    out = {"data": args.data, "rows": m, "features": n, "lambda_max": lam_max, "l2": args.l2,
           "targets": []}
    hi = lam_max  # nnz(hi) < target
    for frac in sorted(args.fractions):
        target = max(1, round(frac * n))
        lo = hi
        while nnz_at(lo) < target:
            hi, lo = lo, lo * args.step
        for _ in range(args.bisections):
            if abs(nnz_at(lo) - target) <= args.slack * target:
                break
            mid = float(np.sqrt(lo * hi))
            if nnz_at(mid) >= target:
                lo = mid
            else:
                hi = mid
        cand = lo if abs(nnz_at(lo) - target) <= abs(nnz_at(hi) - target) else hi
        # The shortest rounding (2 to 4 significant digits) that keeps the count as close.
        for digits in (2, 3, 4):
            rounded = float(f"{cand:.{digits}g}")
            if abs(nnz_at(rounded) - target) <= max(abs(nnz_at(cand) - target), args.slack * target):
                break
        out["targets"].append({"fraction": frac, "target_nnz": target, "lambda1": rounded,
                               "nnz": nnz_at(rounded), "fraction_of_lambda_max": rounded / lam_max})
    print(json.dumps(out, indent=1))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "score":
        p = argparse.ArgumentParser(prog="l1_peers.py score")
        p.add_argument("cmd")
        p.add_argument("data")
        p.add_argument("l1", type=float)
        p.add_argument("l2", type=float)
        p.add_argument("solutions")
        p.add_argument("out")
        p.add_argument("--no-refine", action="store_true")
        score(p.parse_args())
        return
    if len(sys.argv) > 1 and sys.argv[1] == "lambdas":
        p = argparse.ArgumentParser(prog="l1_peers.py lambdas")
        p.add_argument("cmd")
        p.add_argument("data")
        p.add_argument("--fractions", type=float, nargs="+", default=[0.1, 0.01])
        p.add_argument("--l2", type=float, default=0.0)
        p.add_argument("--features", type=int)
        p.add_argument("--rel-tol", type=float, default=1e-4,
                       help="skglm's tol as a multiple of λ1")
        p.add_argument("--step", type=float, default=0.5)
        p.add_argument("--bisections", type=int, default=8)
        p.add_argument("--slack", type=float, default=0.05)
        lambdas(p.parse_args())
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("tool")
    p.add_argument("data")
    p.add_argument("--l1", type=float, required=True)
    p.add_argument("--l2", type=float, default=0.0)
    p.add_argument("--tol", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--features", type=int)
    p.add_argument("--max-iter", type=int, default=1000)
    p.add_argument("--intercept-scaling", type=float, default=1e4)
    p.add_argument("--liblinear-multicore-dir",
                   default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".venv",
                                        "liblinear-multicore"))
    run_tool(p.parse_args())


if __name__ == "__main__":
    main()
