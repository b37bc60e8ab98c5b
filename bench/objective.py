"""Our J in numpy (f64), and a tight reference optimum J* by Newton's method.

    J(w, b) = (1/m) sum_i log(1 + exp(-s_i z_i)) + (lambda/2) ||w||^2,  z_i = w.x_i + b, s_i = 2y_i - 1

gradient: dw = X^T (a - y) / m + lambda w, db = mean(a - y), a = sigma(z);
Hessian:  H = X~^T D X~ / m + lambda diag(1, ..., 1, 0), D = diag(a (1 - a)), x~_i = (x_i, 1).

The reference solver is plain damped Newton on these formulas (a Cholesky solve of the (n+1)^2
system, backtracking on J), started from the best solution any tool found, run until the
gradient norm stops shrinking. It is independent of every tool under test.

Sparse (LIBSVM) data stay in scipy.sparse CSR throughout (never densified), and the reference
there avoids the (n+1)^2 Hessian (n = 50,000 would be 20 GB): scipy's trust-ncg with exact
Hessian-vector products, X~^T D (X~ v) / m + lambda v, from the best solution any tool found, to a
gradient norm of 1e-13 or 200 iterations. J* = min(that, every tool's J).
"""

import numpy as np


def load(path, features=None):
    """X (f64, dense or CSR) and y (0/1) from a CSV with a `label` column or a LIBSVM file."""
    if path.endswith(".csv"):
        import pandas as pd

        frame = pd.read_csv(path, dtype=np.float64, engine="c")
        y = frame.pop("label").to_numpy()
        x = frame.to_numpy(dtype=np.float64)
    else:
        from sklearn.datasets import load_svmlight_file

        x, y = load_svmlight_file(path, dtype=np.float64, n_features=features)
    return x, (y > 0).astype(np.float64)


def _loss_terms(z, y):
    """log(1 + exp(-s z)) computed from the logit, stable for any z."""
    s = 2.0 * y - 1.0
    return np.logaddexp(0.0, -s * z)


def cost(x, y, w, b, l2):
    w = np.asarray(w, dtype=np.float64)
    z = x @ w + b
    return float(np.mean(_loss_terms(z, y)) + 0.5 * l2 * (w @ w))


def _evaluate(x, y, theta, l2):
    w, b = theta[:-1], theta[-1]
    z = x @ w + b
    a = 0.5 * (1.0 + np.tanh(0.5 * z))  # sigma(z) without overflow
    m = x.shape[0]
    r = a - y
    g = np.empty_like(theta)
    g[:-1] = (x.T @ r) / m + l2 * w
    g[-1] = r.mean()
    j = float(np.mean(_loss_terms(z, y)) + 0.5 * l2 * (w @ w))
    return j, g, a * (1.0 - a)


def _hessian(x, d, l2):
    m, n = x.shape
    h = np.empty((n + 1, n + 1))
    if hasattr(x, "multiply"):  # sparse
        xd = x.multiply(d[:, None]).tocsr()
        h[:n, :n] = (x.T @ xd).toarray()
        h[:n, n] = np.asarray(xd.sum(axis=0)).ravel()
    else:
        # In row blocks, so the temporary D X stays small.
        h[:n, :n] = 0.0
        h[:n, n] = 0.0
        for start in range(0, m, 65536):
            xb = x[start:start + 65536]
            xd = xb * d[start:start + 65536, None]
            h[:n, :n] += xb.T @ xd
            h[:n, n] += xd.sum(axis=0)
    h[n, :n] = h[:n, n]
    h[n, n] = d.sum()
    h /= m
    h[np.arange(n), np.arange(n)] += l2
    return h


def reference(x, y, l2, start, max_iterations=50):
    """(J*, w*, b*, gradient norm) by Newton's method from `start` = (w, b)."""
    theta = np.append(np.asarray(start[0], dtype=np.float64), start[1])
    j, g, d = _evaluate(x, y, theta, l2)
    for _ in range(max_iterations):
        step = np.linalg.solve(_hessian(x, d, l2), -g)
        t = 1.0
        while t > 1e-10:
            trial = theta + t * step
            jt, gt, dt = _evaluate(x, y, trial, l2)
            if jt <= j + 1e-4 * t * (g @ step):
                break
            t *= 0.5
        else:
            break
        if np.linalg.norm(gt) >= np.linalg.norm(g) and jt >= j:
            break
        theta, j, g, d = trial, jt, gt, dt
        if np.linalg.norm(g) <= 1e-15 * max(1.0, j):
            break
    return j, theta[:-1], theta[-1], float(np.linalg.norm(g))


def reference_sparse(x, y, l2, start, max_iterations=200):
    """(J*, w*, b*, gradient norm) by trust-region Newton-CG (Hessian-vector products only)."""
    from scipy.optimize import minimize

    m, n = x.shape
    cache = {}

    def fun(theta):
        j, g, d = _evaluate(x, y, theta, l2)
        cache["d"] = d
        return j, g

    def hessp(theta, v):
        d = cache["d"] if "d" in cache else _evaluate(x, y, theta, l2)[2]
        u = d * (x @ v[:-1] + v[-1])
        out = np.empty_like(v)
        out[:-1] = (x.T @ u) / m + l2 * v[:-1]
        out[-1] = u.sum() / m
        return out

    def hessp_exact(theta, v):
        # trust-ncg calls hessp at the current iterate after fun; recompute if it asks elsewhere.
        if cache.get("theta") is None or not np.array_equal(cache["theta"], theta):
            cache["theta"] = theta.copy()
            cache["d"] = _evaluate(x, y, theta, l2)[2]
        return hessp(theta, v)

    theta0 = np.append(np.asarray(start[0], dtype=np.float64), start[1])
    result = minimize(fun, theta0, jac=True, hessp=hessp_exact, method="trust-ncg",
                      options={"gtol": 1e-13, "maxiter": max_iterations})
    j, g, _ = _evaluate(x, y, result.x, l2)
    return j, result.x[:-1], result.x[-1], float(np.linalg.norm(g))


def count_libsvm(path):
    """Rows, positive labels and non-zeros of a LIBSVM file, streamed (no matrix)."""
    rows = positives = nnz = 0
    with open(path, "rb") as f:
        for line in f:
            rows += 1
            if float(line[:line.index(b" ")] if b" " in line else line) > 0:
                positives += 1
            nnz += line.count(b":")
    return {"rows": rows, "positives": positives, "nnz": nnz}


def main():
    """Scores solutions in a process of its own, so the driver stays small (see bench.py).

    objective.py count DATA            -> {"rows", "positives"}
    objective.py score DATA L2 IN OUT  -> IN: [{"weights", "bias"}, ...]; OUT: costs, J*
    """
    import json
    import sys

    if sys.argv[1] == "count":
        if sys.argv[2].endswith(".csv"):
            import pandas as pd

            y = pd.read_csv(sys.argv[2], usecols=["label"], engine="c")["label"].to_numpy()
        else:
            print(json.dumps(count_libsvm(sys.argv[2])))
            return
        print(json.dumps({"rows": int(len(y)), "positives": int((y > 0).sum())}))
        return
    data, l2, solutions, out = sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
    with open(solutions) as f:
        solutions = json.load(f)
    sparse = not data.endswith(".csv")
    x, y = load(data, len(solutions[0]["weights"]) if sparse else None)
    costs = [cost(x, y, s["weights"], s["bias"], l2) for s in solutions]
    best = solutions[int(np.argmin(costs))]
    j_ref, _, _, gnorm = (reference_sparse if sparse else reference)(
        x, y, l2, (best["weights"], best["bias"]))
    with open(out, "w") as f:
        json.dump({"costs": costs, "j_star": min(j_ref, min(costs)), "gradient_norm": gnorm}, f)


if __name__ == "__main__":
    main()
