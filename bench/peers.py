"""Fit one peer on one data file and write its solution and timings as JSON.

Run as its own process by bench.py, so that its peak RSS (taken with os.wait4 by the caller) is
that of this peer alone. Every peer minimises the same objective as logreg,

    J(w, b) = (1/m) sum_i log(1 + exp(-s_i (w.x_i + b))) + (lambda/2) ||w||^2,  s_i = +-1,

with the bias unpenalised:

- scikit-learn LogisticRegression(C = 1/(lambda m), l2, fit_intercept=True): its objective is
  exactly J (sklearn >= 1.1 scales the loss by 1/m and the penalty by 1/(C m));
- LIBLINEAR -s 0 -c C -B 1 -R: minimises (1/2)||w||^2 + C sum_i loss_i = J/lambda; -R leaves the
  bias (the weight of the constant feature added by -B 1) unpenalised.

Usage: peers.py TOOL DATA --l2 L --tol T --out RESULT.json [--max-iter K] [--dtype float64]
TOOL: sklearn-lbfgs | sklearn-newton-cg | sklearn-newton-cholesky | liblinear
For LIBLINEAR, --tol is its -e (the caller converts logreg's relative tolerance).
"""

import argparse
import json
import time


def read_csv(path, dtype):
    """X, y (0/1) and the read time, from a CSV with a `label` column, through pandas."""
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_csv(path, dtype=dtype, engine="c")
    y = frame.pop("label").to_numpy()
    x = frame.to_numpy(dtype=dtype)
    del frame
    return x, (y > 0).astype(float), time.perf_counter() - start


def read_libsvm(path, dtype):
    from sklearn.datasets import load_svmlight_file

    start = time.perf_counter()
    x, y = load_svmlight_file(path, dtype=dtype)
    return x, (y > 0).astype(float), time.perf_counter() - start


def sklearn_fit(solver, x, y, l2, tol, max_iter):
    from sklearn.linear_model import LogisticRegression

    m = x.shape[0]
    model = LogisticRegression(
        C=1.0 / (l2 * m),
        solver=solver,
        tol=tol,
        max_iter=max_iter,
        fit_intercept=True,
    )
    start = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - start
    # classes_ is sorted, so classes_[1] = 1 is the positive class: the sign is ours.
    return {
        "weights": model.coef_[0].tolist(),
        "bias": float(model.intercept_[0]),
        "iterations": int(model.n_iter_[0]),
        "fit_seconds": seconds,
    }


def liblinear_fit(x, y, l2, eps):
    import numpy as np
    import scipy.sparse as sp
    from liblinear import liblinear as ll
    from liblinear import liblinearutil

    m = x.shape[0]
    # A dense ndarray would be converted row by row in Python; CSR goes through the fast path.
    # The conversion is part of LIBLINEAR's cost of reading data, not of its fit.
    start = time.perf_counter()
    csr = x if sp.issparse(x) else sp.csr_matrix(x)
    signs = np.where(y > 0, 1.0, -1.0)
    problem = ll.problem(signs, csr)
    convert = time.perf_counter() - start
    del csr
    param = ll.parameter(f"-s 0 -c {1.0 / (l2 * m)!r} -e {eps!r} -B 1 -R")
    lines = []
    # Count Newton iterations from LIBLINEAR's own log ("iter  1 f ...").
    param.print_func = ll.PRINT_STRING_FUN(lambda s: lines.append(s.decode()))
    start = time.perf_counter()
    model = liblinearutil.train(problem, param)
    seconds = time.perf_counter() - start
    n = x.shape[1]
    w = [model.get_decfun_coef(j + 1) for j in range(n)]
    b = model.get_decfun_bias()
    # The decision value is for the first label LIBLINEAR saw; make it the positive class.
    if model.get_labels()[0] != 1:
        w, b = [-v for v in w], -b
    log = "".join(lines)
    return {
        "weights": w,
        "bias": b,
        "iterations": sum(1 for line in log.splitlines() if line.startswith("iter")),
        "fit_seconds": seconds,
        "convert_seconds": convert,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool")
    parser.add_argument("data")
    parser.add_argument("--l2", type=float, required=True)
    parser.add_argument("--tol", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-iter", type=int, default=10_000)
    parser.add_argument("--dtype", default="float64")
    args = parser.parse_args()

    sparse = not args.data.endswith(".csv")
    x, y, read = (read_libsvm if sparse else read_csv)(args.data, args.dtype)
    if args.tool.startswith("sklearn-"):
        result = sklearn_fit(args.tool[len("sklearn-"):], x, y, args.l2, args.tol, args.max_iter)
    elif args.tool == "liblinear":
        result = liblinear_fit(x, y, args.l2, args.tol)
    else:
        parser.error(f"unknown tool {args.tool}")
    result["read_seconds"] = read
    # End to end from the file: read, any conversion, fit (not interpreter start or imports).
    result["end_to_end_seconds"] = read + result.get("convert_seconds", 0.0) + result["fit_seconds"]
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
