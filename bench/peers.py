"""Fit one peer on one data file and write its solution and timings as JSON.

Run as its own process by bench.py, so that its peak RSS (taken with os.wait4 by the caller) is
that of this peer alone. Every peer minimises the same objective as logreg,

    J(w, b) = (1/m) sum_i log(1 + exp(-s_i (w.x_i + b))) + (lambda/2) ||w||^2,  s_i = +-1,

with the bias unpenalised:

- scikit-learn LogisticRegression(C = 1/(lambda m), l2, fit_intercept=True): its objective is
  exactly J (sklearn >= 1.1 scales the loss by 1/m and the penalty by 1/(C m));
- LIBLINEAR -s 0 -c C -B 1 -R: minimises (1/2)||w||^2 + C sum_i loss_i = J/lambda; -R leaves the
  bias (the weight of the constant feature added by -B 1) unpenalised;
- LIBLINEAR -s 7 -c C -B 1 (dual coordinate descent): the same, except that LIBLINEAR refuses -R
  for -s 7 ("-R option supported only for solver L2R_LR, L2R_L2LOSS_SVC, ..."), so its bias is
  penalised like a weight; its solution is scored under J all the same;
- Vowpal Wabbit --loss_function logistic --bfgs --l2 (lambda m): VW's batch objective is the SUM
  of the losses plus (l2/2)||w||^2, i.e. m J when l2 = lambda m.

Usage: peers.py TOOL DATA --l2 L --tol T --out RESULT.json [--max-iter K] [--dtype float64]
                [--features N] [--reader svm_read_problem|sklearn] [--vw-passes K]
TOOL: sklearn-lbfgs | sklearn-newton-cg | sklearn-newton-cholesky | liblinear | liblinear-dual | vw
       peers.py to-vw DATA.svm OUT.vw   (LIBSVM -> VW text, labels +-1, feature names = indices)
For LIBLINEAR, --tol is its -e (the caller converts logreg's relative tolerance for -s 0; for
-s 7 it is the dual's maximal violation). For VW, --tol is its --termination.
"""

import argparse
import json
import os
import sys
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


def read_libsvm(path, dtype, features=None):
    """scikit-learn's load_svmlight_file: X as CSR."""
    from sklearn.datasets import load_svmlight_file

    start = time.perf_counter()
    x, y = load_svmlight_file(path, dtype=dtype, n_features=features)
    return x, (y > 0).astype(float), time.perf_counter() - start


def read_libsvm_liblinear(path, features=None):
    """LIBLINEAR's own Python reader, liblinearutil.svm_read_problem (pure Python), as CSR."""
    import scipy.sparse as sp
    from liblinear import liblinearutil

    start = time.perf_counter()
    y, x = liblinearutil.svm_read_problem(path, return_scipy=True)
    if features is not None and x.shape[1] < features:
        x = sp.csr_matrix((x.data, x.indices, x.indptr), shape=(x.shape[0], features))
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


def liblinear_fit(x, y, l2, eps, solver="-s 0 -B 1 -R"):
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
    param = ll.parameter(f"{solver} -c {1.0 / (l2 * m)!r} -e {eps!r}")
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
        # -s 0 logs one "iter" line per Newton step; -s 7 ends with "optimization finished, #iter".
        "iterations": sum(1 for line in log.splitlines() if line.startswith("iter"))
        or next((int(line.rsplit("=", 1)[1]) for line in log.splitlines()
                 if "#iter" in line), None),
        "fit_seconds": seconds,
        "convert_seconds": convert,
    }


def to_vw(src, dst):
    """LIBSVM -> VW text: '+1 3:0.5 7:0.1' -> '1 | 3:0.5 7:0.1' (feature names are the indices)."""
    start = time.perf_counter()
    with open(src, "rb") as f, open(dst + ".part", "wb") as g:
        for line in f:
            label, _, rest = line.partition(b" ")
            g.write((b"1 | " if float(label) > 0 else b"-1 | ") + rest)
    os.replace(dst + ".part", dst)
    return time.perf_counter() - start


def vw_fit(data, features, l2, termination, passes):
    """VW's L-BFGS on the VW text twin of DATA (see to_vw).

    Two runs in this process: the first parses the text and writes VW's binary cache (end to end);
    the second reads only that cache (fit; VW's fastest way to feed its passes). Both use
    --holdout_off (VW otherwise holds out every 10th example when it makes several passes)."""
    import vowpalwabbit

    m = sum(1 for _ in open(data, "rb"))
    text = os.path.splitext(data)[0] + ".vw"
    cache = text + ".cache"
    # Feature i (1-based LIBSVM index, name "i" in the default namespace) lands on hash i; the
    # constant on 11650396 mod 2^bits. Take enough bits that no two of them collide.
    bits = max(18, (features + 2).bit_length() + 1)
    while (11650396 % (1 << bits)) <= features + 1:
        bits += 1
    common = ["--loss_function", "logistic", "--bfgs", "--passes", str(passes), "--holdout_off",
              "--l2", repr(l2 * m), "--termination", repr(termination), "-b", str(bits),
              "--cache_file", cache, "--quiet"]
    if os.path.exists(cache):
        os.remove(cache)
    start = time.perf_counter()
    ws = vowpalwabbit.Workspace(arg_list=common + ["-d", text])
    end_to_end = time.perf_counter() - start
    ws.finish()
    start = time.perf_counter()
    ws = vowpalwabbit.Workspace(arg_list=common)
    seconds = time.perf_counter() - start
    space = ws.hash_space(" ")
    index = [ws.hash_feature(str(j + 1), space) for j in range(features)]
    constant = 11650396 & ((1 << bits) - 1)
    if len(set(index + [constant])) != features + 1:
        raise SystemExit("vw: hashed feature indices collide")
    w = [ws.get_weight(i) for i in index]
    b = ws.get_weight(constant)
    ws.finish()
    os.remove(cache)
    return {
        "weights": w,
        "bias": b,
        "iterations": None,
        "fit_seconds": seconds,
        "end_to_end_seconds": end_to_end,
        # VW parses while it makes its first pass and the passes dominate both runs, so the
        # text-vs-cache difference is too noisy to call its parse time: none is reported.
        "read_seconds": None,
    }


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "to-vw":
        print(json.dumps({"seconds": to_vw(sys.argv[2], sys.argv[3])}))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool")
    parser.add_argument("data")
    parser.add_argument("--l2", type=float, required=True)
    parser.add_argument("--tol", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-iter", type=int, default=10_000)
    parser.add_argument("--dtype", default="float64")
    parser.add_argument("--features", type=int, help="columns of a LIBSVM file")
    parser.add_argument("--reader", default="svm_read_problem",
                        help="LIBSVM reader of the LIBLINEAR peers: svm_read_problem or sklearn")
    parser.add_argument("--vw-passes", type=int, default=200)
    args = parser.parse_args()

    if args.tool == "vw":
        result = vw_fit(args.data, args.features, args.l2, args.tol, args.vw_passes)
        with open(args.out, "w") as f:
            json.dump(result, f)
        return
    sparse = not args.data.endswith(".csv")
    if not sparse:
        x, y, read = read_csv(args.data, args.dtype)
    elif args.tool.startswith("liblinear") and args.reader == "svm_read_problem":
        x, y, read = read_libsvm_liblinear(args.data, args.features)
    else:
        x, y, read = read_libsvm(args.data, args.dtype, args.features)
    if args.tool.startswith("sklearn-"):
        result = sklearn_fit(args.tool[len("sklearn-"):], x, y, args.l2, args.tol, args.max_iter)
    elif args.tool == "liblinear":
        result = liblinear_fit(x, y, args.l2, args.tol)
    elif args.tool == "liblinear-dual":
        result = liblinear_fit(x, y, args.l2, args.tol, solver="-s 7 -B 1")
    else:
        parser.error(f"unknown tool {args.tool}")
    result["read_seconds"] = read
    # End to end from the file: read, any conversion, fit (not interpreter start or imports).
    result["end_to_end_seconds"] = read + result.get("convert_seconds", 0.0) + result["fit_seconds"]
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
