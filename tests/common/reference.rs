//! An independent float64 reference for J: Newton's method with the exact Hessian, solved by a
//! Cholesky factorisation, written here from the formulas and sharing no code with the library.
//!
//! The problem is the library's J on the values the library stored (f32 or f64), in the
//! coordinates u = (w̃, b̃) of the standardised features x̃_j = (x_j − μ_j)/s_j:
//!
//!   J(u) = (1/m) Σ_i ℓ(x̃_iᵀw̃ + b̃, y_i) + (λ/2) Σ_j c_j w̃_j²,
//!
//! where c_j = 1 when the penalty is on the standardised weights and c_j = 1/s_j² when it is on
//! the raw weights w_j = w̃_j/s_j (training without standardisation). The raw model is then
//! w = w̃/s, b = b̃ − w·μ. μ and s are the population mean and standard deviation of each column
//! (sparse storage: μ = 0 and s the standard deviation, as the library's scaling); a constant
//! column gets s = 1.
//!
//! With sample weights s_i (`cost_weighted`, `optimum_weighted`) the mean (1/m) Σ_i becomes
//! Σ_i s_i (·) / Σ_i s_i, for μ and s too, as in the library ([`Problem::scaling_weighted`]). The second half
//! of the file is the same for K classes (multinomial softmax, `multinomial_optimum`): see the
//! comment there.

#![allow(dead_code)]
#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

/// ℓ(z, y) = log(1 + e^z) − y·z, finite for every z.
pub fn loss(z: f64, y: f64) -> f64 {
    let softplus = if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    };
    softplus - y * z
}

/// σ(z) without overflow.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// A dense copy of a training problem.
pub struct Problem {
    pub x: Vec<Vec<f64>>,
    pub y: Vec<f64>,
    pub sparse: bool,
}

impl Problem {
    pub fn from_dataset(data: &logreg::Dataset) -> Self {
        let d = data.design();
        Problem {
            x: (0..d.n_rows()).map(|i| d.row_values(i)).collect(),
            y: data.y.clone(),
            sparse: d.is_sparse(),
        }
    }

    pub fn rows(&self) -> usize {
        self.x.len()
    }

    pub fn features(&self) -> usize {
        self.x.first().map_or(0, Vec::len)
    }

    /// Column means and scales (see the module docs).
    pub fn scaling(&self) -> (Vec<f64>, Vec<f64>) {
        self.scaling_weighted(None)
    }

    /// The same with row weights s_i: μ = Σ s_i x_i / Σ s_i, σ² = Σ s_i (x_i − μ)² / Σ s_i, so a
    /// row of integer weight k counts k times, as in the library.
    pub fn scaling_weighted(&self, weights: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
        let n = self.features();
        let s: Vec<f64> = match weights {
            Some(w) => w.to_vec(),
            None => vec![1.0; self.rows()],
        };
        let m: f64 = s.iter().sum();
        let mut mean = vec![0.0; n];
        let mut scale = vec![1.0; n];
        for j in 0..n {
            let mu = self.x.iter().zip(&s).map(|(r, w)| w * r[j]).sum::<f64>() / m;
            let var = self
                .x
                .iter()
                .zip(&s)
                .map(|(r, w)| w * (r[j] - mu).powi(2))
                .sum::<f64>()
                / m;
            // Sparse columns: a spread below the rounding of E[x²] is a constant column; dense
            // ones: a spread within the rounding of the mean.
            let square = self
                .x
                .iter()
                .zip(&s)
                .map(|(r, w)| w * r[j] * r[j])
                .sum::<f64>()
                / m;
            let constant = var <= 0.0
                || (self.sparse && var <= 1e-12 * square)
                || (!self.sparse && var <= (1e-11 * mu).powi(2));
            scale[j] = if constant { 1.0 } else { var.sqrt() };
            if !self.sparse {
                mean[j] = mu;
            }
        }
        (mean, scale)
    }
}

/// The optimum of J for one penalty.
pub struct Optimum {
    /// Raw-scale weights and bias.
    pub weights: Vec<f64>,
    pub bias: f64,
    /// J*.
    pub cost: f64,
    pub iterations: usize,
}

/// J of raw (w, b) on `problem`, with the penalty as the library defines it.
pub fn cost(problem: &Problem, l2: f64, standardize: bool, weights: &[f64], bias: f64) -> f64 {
    cost_weighted(problem, l2, standardize, None, weights, bias)
}

/// J with sample weights s_i (1 for every row when None): the data term is
/// Σ_i s_i ℓ_i / Σ_i s_i, on the weighted scaling of [`Problem::scaling_weighted`].
pub fn cost_weighted(
    problem: &Problem,
    l2: f64,
    standardize: bool,
    sample_weights: Option<&[f64]>,
    weights: &[f64],
    bias: f64,
) -> f64 {
    let (_, scale) = problem.scaling_weighted(sample_weights);
    let s = row_weights(problem, sample_weights);
    let total: f64 = s.iter().sum();
    let data: f64 = problem
        .x
        .iter()
        .zip(&problem.y)
        .zip(&s)
        .map(|((row, &y), &s)| s * loss(dot(row, weights) + bias, y))
        .sum::<f64>()
        / total;
    // Standardised weights are w̃ = w·s; the penalty is on w̃, or on w itself.
    let penalty: f64 = weights
        .iter()
        .zip(&scale)
        .map(|(w, s)| if standardize { (w * s).powi(2) } else { w * w })
        .sum();
    data + 0.5 * l2 * penalty
}

/// Probabilities of raw (w, b).
pub fn probabilities(problem: &Problem, weights: &[f64], bias: f64) -> Vec<f64> {
    problem
        .x
        .iter()
        .map(|row| sigmoid(dot(row, weights) + bias))
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The sample weights s_i, checked (one per row, finite, ≥ 0, with a positive sum), or 1 for
/// every row. With weights of 1, Σ s_i ℓ_i / Σ s_i is bit for bit the unweighted mean.
fn row_weights(problem: &Problem, sample_weights: Option<&[f64]>) -> Vec<f64> {
    match sample_weights {
        None => vec![1.0; problem.rows()],
        Some(s) => {
            assert_eq!(s.len(), problem.rows(), "one sample weight per row");
            assert!(
                s.iter().all(|v| v.is_finite() && *v >= 0.0),
                "sample weights must be finite and ≥ 0"
            );
            assert!(s.iter().sum::<f64>() > 0.0, "sample weights sum to 0");
            s.to_vec()
        }
    }
}

/// Minimises J by Newton's method with a backtracking line search, until the Newton decrement
/// stops shrinking. None if J has no minimum to find (a singular Hessian).
pub fn optimum(problem: &Problem, l2: f64, standardize: bool) -> Option<Optimum> {
    optimum_weighted(problem, l2, standardize, None)
}

/// [`optimum`] with sample weights (see [`cost_weighted`]); None is the unweighted J.
pub fn optimum_weighted(
    problem: &Problem,
    l2: f64,
    standardize: bool,
    sample_weights: Option<&[f64]>,
) -> Option<Optimum> {
    let (mean, scale) = problem.scaling_weighted(sample_weights);
    let sw = row_weights(problem, sample_weights);
    let total: f64 = sw.iter().sum();
    let n = problem.features();
    let penalty: Vec<f64> = scale
        .iter()
        .map(|s| if standardize { 1.0 } else { 1.0 / (s * s) })
        .collect();
    let xt: Vec<Vec<f64>> = problem
        .x
        .iter()
        .map(|row| {
            let mut r: Vec<f64> = (0..n).map(|j| (row[j] - mean[j]) / scale[j]).collect();
            r.push(1.0);
            r
        })
        .collect();
    let dim = n + 1;
    // The non-zero coordinates of each row (sparse data stay sparse: they are not centred).
    let nonzeros: Vec<Vec<usize>> = xt
        .iter()
        .map(|r| (0..dim).filter(|&p| r[p] != 0.0).collect())
        .collect();
    let j_of = |u: &[f64]| -> f64 {
        let data: f64 = xt
            .iter()
            .zip(&problem.y)
            .zip(&sw)
            .map(|((r, &y), &s)| s * loss(dot(r, u), y))
            .sum::<f64>()
            / total;
        data + 0.5 * l2 * (0..n).map(|j| penalty[j] * u[j] * u[j]).sum::<f64>()
    };
    let mut u = vec![0.0; dim];
    let mut cost = j_of(&u);
    let mut iterations = 0;
    let mut best_decrement = f64::INFINITY;
    for _ in 0..200 {
        let mut g = vec![0.0; dim];
        let mut h = vec![vec![0.0; dim]; dim];
        for (((r, nz), &y), &s) in xt.iter().zip(&nonzeros).zip(&problem.y).zip(&sw) {
            let a = sigmoid(dot(r, &u));
            let d = s * (a * (1.0 - a));
            for (k, &p) in nz.iter().enumerate() {
                g[p] += s * (a - y) * r[p];
                if d > 0.0 {
                    let dr = d * r[p];
                    // nz is increasing: q ≤ p for the first k + 1 entries.
                    for &q in &nz[..=k] {
                        h[p][q] += dr * r[q];
                    }
                }
            }
        }
        for p in 0..dim {
            g[p] /= total;
            for q in 0..=p {
                h[p][q] /= total;
            }
            if p < n {
                g[p] += l2 * penalty[p] * u[p];
                h[p][p] += l2 * penalty[p];
            }
        }
        let step = cholesky_solve(&h, &g)?;
        // Newton decrement gᵀH⁻¹g: twice the predicted decrease.
        let decrement = dot(&g, &step);
        // Done at the rounding floor, or once the decrement, already tiny, stops shrinking.
        let converged = decrement.is_nan() || decrement <= 1e-30 * cost;
        let stagnant = decrement >= best_decrement && decrement < 1e-20 * cost;
        if converged || stagnant {
            break;
        }
        best_decrement = best_decrement.min(decrement);
        let mut t = 1.0;
        let mut moved = false;
        for _ in 0..60 {
            let trial: Vec<f64> = u.iter().zip(&step).map(|(a, s)| a - t * s).collect();
            let c = j_of(&trial);
            if c <= cost - 1e-4 * t * decrement || (c <= cost && decrement < 1e-18 * cost) {
                u = trial;
                moved = c < cost || decrement < 1e-24;
                cost = c;
                break;
            }
            t *= 0.5;
        }
        iterations += 1;
        if !moved {
            break;
        }
    }
    let weights: Vec<f64> = (0..n).map(|j| u[j] / scale[j]).collect();
    let bias = u[n] - dot(&weights, &mean);
    Some(Optimum {
        cost: cost_weighted(problem, l2, standardize, sample_weights, &weights, bias),
        weights,
        bias,
        iterations,
    })
}

/// Solves H s = g for symmetric positive definite H given by its lower triangle. None when H is
/// not positive definite to working precision.
fn cholesky_solve(h: &[Vec<f64>], g: &[f64]) -> Option<Vec<f64>> {
    let dim = g.len();
    let mut l = vec![vec![0.0; dim]; dim];
    for p in 0..dim {
        for q in 0..=p {
            let mut s = h[p][q];
            for k in 0..q {
                s -= l[p][k] * l[q][k];
            }
            if p == q {
                if s.is_nan() || s <= 1e-14 * h[p][p].abs().max(1e-300) {
                    return None;
                }
                l[p][p] = s.sqrt();
            } else {
                l[p][q] = s / l[q][q];
            }
        }
    }
    let mut z = vec![0.0; dim];
    for p in 0..dim {
        let s: f64 = g[p] - (0..p).map(|k| l[p][k] * z[k]).sum::<f64>();
        z[p] = s / l[p][p];
    }
    let mut s = vec![0.0; dim];
    for p in (0..dim).rev() {
        let t: f64 = z[p] - (p + 1..dim).map(|k| l[k][p] * s[k]).sum::<f64>();
        s[p] = t / l[p][p];
    }
    Some(s)
}

// ---------------------------------------------------------------------------------------------
// K classes: multinomial (softmax) logistic regression, with optional sample weights.
// ---------------------------------------------------------------------------------------------
//
// With y_i ∈ {0, …, K − 1} (stored as f64 in `Problem::y`) and sample weights s_i (1 when
// None), in the same standardised coordinates as above (the same μ, s and c_j, weighted by s_i
// like the data term),
//
//   J(ũ) = Σ_i s_i L_i / Σ_i s_i + (λ/2) Σ_k Σ_j c_j w̃_kj²,
//   L_i = log Σ_k exp(z_ik) − z_i,y_i,   z_ik = x̃_iᵀw̃_k + b̃_k,
//
// with one weight vector and one bias per class (the symmetric parameterisation). The raw model
// is w_k = w̃_k/s, b_k = b̃_k − w_k·μ. J does not change when one vector (v, c) is added to
// every (w̃_k, b̃_k), except through the penalty on v: the biases are never determined, nor the
// weights at λ = 0, and at λ > 0 the optimum has Σ_k w̃_kj = 0. So the reference minimises J
// over the centred parameters Σ_k ũ_k = 0, which contain the minimum norm (centred) optimum:
// the free parameters are ũ_0 … ũ_{K−2}, with ũ_{K−1} = −Σ_{k<K−1} ũ_k. In them the gradient
// is g_k − g_{K−1} and the Hessian Mᵀ H M, M = [I; −1ᵀ] ⊗ I, where the full exact Hessian is
//
//   H = Σ_i (s_i/Σs) (diag(a_i) − a_i a_iᵀ) ⊗ x̃_i x̃_iᵀ + I_K ⊗ diag(λ c_j, 0),
//
// a_i = softmax(z_i), x̃_i = [x̃_i, 1]: Mᵀ H M is positive definite exactly when J has a unique
// centred minimum. Centring commutes with the raw map (Σ_k w_k = Σ_k w̃_k/s, and then
// Σ_k b_k = Σ_k b̃_k), so the raw solution is centred as well.

/// The optimum of the multinomial J for one penalty.
pub struct MultiOptimum {
    /// Raw-scale weights, one vector per class (K × n), centred: Σ_k w_kj = 0.
    pub weights: Vec<Vec<f64>>,
    /// Raw-scale biases, one per class, centred: Σ_k b_k = 0.
    pub biases: Vec<f64>,
    /// J*.
    pub cost: f64,
    pub iterations: usize,
}

/// The class of each row: `problem.y` as indices below `classes`.
fn class_indices(problem: &Problem, classes: usize) -> Vec<usize> {
    assert!(classes >= 2, "at least two classes");
    problem
        .y
        .iter()
        .map(|&y| {
            assert!(
                y >= 0.0 && y.fract() == 0.0 && (y as usize) < classes,
                "label {y} is not a class index below {classes}"
            );
            y as usize
        })
        .collect()
}

/// L = log Σ_k exp(z_k) − z_y, finite for every z, and accurate when it is tiny (a row that is
/// classified with a wide margin): with z_max the largest, L = (z_max − z_y) +
/// log1p(Σ_{k ≠ argmax} exp(z_k − z_max)).
pub fn softmax_loss(z: &[f64], y: usize) -> f64 {
    let (top, z_max) =
        z.iter()
            .copied()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |(i, best), (k, v)| {
                if v > best { (k, v) } else { (i, best) }
            });
    let rest: f64 = z
        .iter()
        .enumerate()
        .filter(|&(k, _)| k != top)
        .map(|(_, &v)| (v - z_max).exp())
        .sum();
    (z_max - z[y]) + rest.ln_1p()
}

/// softmax(z) without overflow.
pub fn softmax(z: &[f64]) -> Vec<f64> {
    let z_max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|&v| (v - z_max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|v| v / sum).collect()
}

/// The K scores z_k = x·w_k + b_k of one raw row.
fn scores(row: &[f64], weights: &[Vec<f64>], biases: &[f64]) -> Vec<f64> {
    weights
        .iter()
        .zip(biases)
        .map(|(w, b)| dot(row, w) + b)
        .collect()
}

/// The multinomial J of raw (w_k, b_k), k < `classes`, on `problem`, with the penalty as the
/// library defines it (on the standardised weights w̃_kj = w_kj·s_j, or on w_kj itself).
pub fn multinomial_cost(
    problem: &Problem,
    classes: usize,
    l2: f64,
    standardize: bool,
    sample_weights: Option<&[f64]>,
    weights: &[Vec<f64>],
    biases: &[f64],
) -> f64 {
    assert_eq!(weights.len(), classes, "one weight vector per class");
    assert_eq!(biases.len(), classes, "one bias per class");
    let (_, scale) = problem.scaling_weighted(sample_weights);
    let y = class_indices(problem, classes);
    let s = row_weights(problem, sample_weights);
    let total: f64 = s.iter().sum();
    let data: f64 = problem
        .x
        .iter()
        .zip(&y)
        .zip(&s)
        .map(|((row, &y), &s)| s * softmax_loss(&scores(row, weights, biases), y))
        .sum::<f64>()
        / total;
    let penalty: f64 = weights
        .iter()
        .flat_map(|w| w.iter().zip(&scale))
        .map(|(w, s)| if standardize { (w * s).powi(2) } else { w * w })
        .sum();
    data + 0.5 * l2 * penalty
}

/// The class probabilities softmax(x_i·w_k + b_k) of raw (w_k, b_k): one row of K per row.
pub fn softmax_probabilities(
    problem: &Problem,
    weights: &[Vec<f64>],
    biases: &[f64],
) -> Vec<Vec<f64>> {
    problem
        .x
        .iter()
        .map(|row| softmax(&scores(row, weights, biases)))
        .collect()
}

/// Minimises the multinomial J over the centred parameters by Newton's method with the exact
/// Hessian and a backtracking line search, until the Newton decrement stops shrinking (the
/// binary [`optimum`]'s rule). None when J has no minimum: the reduced Hessian becomes singular
/// to working precision, or the iterations run out, or the line search stalls far from a
/// stationary point, as on separated data at λ = 0.
pub fn multinomial_optimum(
    problem: &Problem,
    classes: usize,
    l2: f64,
    standardize: bool,
    sample_weights: Option<&[f64]>,
) -> Option<MultiOptimum> {
    let k_all = classes;
    let y = class_indices(problem, k_all);
    let sw = row_weights(problem, sample_weights);
    let total: f64 = sw.iter().sum();
    let (mean, scale) = problem.scaling_weighted(sample_weights);
    let n = problem.features();
    let p = n + 1; // per class: n weights, then the bias
    let free = k_all - 1; // classes with free parameters; the last is minus their sum
    let dim = free * p;
    let penalty: Vec<f64> = (0..p)
        .map(|j| {
            if j == n {
                0.0
            } else if standardize {
                l2
            } else {
                l2 / (scale[j] * scale[j])
            }
        })
        .collect();
    let xt: Vec<Vec<f64>> = problem
        .x
        .iter()
        .map(|row| {
            let mut r: Vec<f64> = (0..n).map(|j| (row[j] - mean[j]) / scale[j]).collect();
            r.push(1.0);
            r
        })
        .collect();
    // The K × p full parameters of the free ones.
    let full = |v: &[f64]| -> Vec<Vec<f64>> {
        let mut u: Vec<Vec<f64>> = v.chunks(p).map(<[f64]>::to_vec).collect();
        let last: Vec<f64> = (0..p)
            .map(|q| -u.iter().map(|uk| uk[q]).sum::<f64>())
            .collect();
        u.push(last);
        u
    };
    let row_scores =
        |u: &[Vec<f64>], r: &[f64]| -> Vec<f64> { u.iter().map(|uk| dot(r, uk)).collect() };
    let j_of = |v: &[f64]| -> f64 {
        let u = full(v);
        let data: f64 = xt
            .iter()
            .zip(&y)
            .zip(&sw)
            .filter(|&(_, &s)| s > 0.0)
            .map(|((r, &y), &s)| s * softmax_loss(&row_scores(&u, r), y))
            .sum::<f64>()
            / total;
        let pen: f64 = u
            .iter()
            .map(|uk| (0..p).map(|q| penalty[q] * uk[q] * uk[q]).sum::<f64>())
            .sum();
        data + 0.5 * pen
    };
    let mut v = vec![0.0; dim];
    let mut cost = j_of(&v);
    let mut iterations = 0;
    let mut best_decrement = f64::INFINITY;
    let mut converged = false;
    for _ in 0..300 {
        let u = full(&v);
        // Full gradient (K × p), then the reduced one.
        let mut gf = vec![vec![0.0; p]; k_all];
        let mut h = vec![vec![0.0; dim]; dim];
        let mut reduced = vec![vec![0.0; free]; free];
        for ((r, &y), &s) in xt.iter().zip(&y).zip(&sw) {
            if s == 0.0 {
                continue;
            }
            let a = softmax(&row_scores(&u, r));
            for k in 0..k_all {
                let e = s * (a[k] - if k == y { 1.0 } else { 0.0 });
                for (gq, rq) in gf[k].iter_mut().zip(r) {
                    *gq += e * rq;
                }
            }
            // D = diag(a) − a aᵀ, and R = Mᵀ D M: R_kl = D_kl − D_k,K−1 − D_K−1,l + D_K−1,K−1.
            let d = |k: usize, l: usize| -> f64 {
                if k == l {
                    a[k] * (1.0 - a[k])
                } else {
                    -a[k] * a[l]
                }
            };
            let last = k_all - 1;
            for k in 0..free {
                for l in 0..=k {
                    reduced[k][l] = s * (d(k, l) - d(k, last) - d(last, l) + d(last, last));
                }
            }
            // The lower triangle, R_kl x̃x̃ᵀ: block (k, l) with l < k whole, block (k, k) with
            // q' ≤ q. (Dense: zeros of sparse rows are added too; the sets are small.)
            for k in 0..free {
                for l in 0..=k {
                    let c = reduced[k][l];
                    if c == 0.0 {
                        continue;
                    }
                    for q in 0..p {
                        let cq = c * r[q];
                        let cols = if l == k { q + 1 } else { p };
                        let row = &mut h[k * p + q][l * p..l * p + cols];
                        for (hv, rv) in row.iter_mut().zip(&r[..cols]) {
                            *hv += cq * rv;
                        }
                    }
                }
            }
        }
        for k in 0..k_all {
            for q in 0..p {
                gf[k][q] = gf[k][q] / total + penalty[q] * u[k][q];
            }
        }
        let g: Vec<f64> = (0..free)
            .flat_map(|k| (0..p).map(move |q| (k, q)))
            .map(|(k, q)| gf[k][q] - gf[k_all - 1][q])
            .collect();
        for a in 0..dim {
            for b in 0..=a {
                h[a][b] /= total;
            }
            // The penalty: Mᵀ (I_K ⊗ Λ) M = (I + 1 1ᵀ) ⊗ Λ.
            let q = a % p;
            for l in 0..=a / p {
                h[a][l * p + q] += if l == a / p { 2.0 } else { 1.0 } * penalty[q];
            }
        }
        let step = cholesky_solve(&h, &g)?;
        let decrement = dot(&g, &step);
        let done = decrement.is_nan() || decrement <= 1e-30 * cost;
        let stagnant = decrement >= best_decrement && decrement < 1e-20 * cost;
        if done || stagnant {
            converged = !decrement.is_nan();
            break;
        }
        best_decrement = best_decrement.min(decrement);
        let mut t = 1.0;
        let mut moved = false;
        for _ in 0..60 {
            let trial: Vec<f64> = v.iter().zip(&step).map(|(a, s)| a - t * s).collect();
            let c = j_of(&trial);
            // Armijo, or, in the quadratic region (a decrement under 1e-12·J, a predicted
            // decrease that J cannot resolve), the full step unless J grew beyond its
            // rounding: one more step gains the last digits of the coefficients.
            let floor = t == 1.0 && decrement < 1e-12 * cost && c <= cost * (1.0 + 1e-14);
            if c <= cost - 1e-4 * t * decrement || floor {
                v = trial;
                moved = true;
                cost = c;
                break;
            }
            t *= 0.5;
        }
        iterations += 1;
        if !moved {
            // No decrease to be found: the optimum, if the decrement is already tiny.
            converged = decrement < 1e-14 * cost;
            break;
        }
    }
    if !converged {
        return None;
    }
    let u = full(&v);
    let mut weights: Vec<Vec<f64>> = u
        .iter()
        .map(|uk| (0..n).map(|j| uk[j] / scale[j]).collect())
        .collect();
    let mut biases: Vec<f64> = u
        .iter()
        .zip(&weights)
        .map(|(uk, wk)| uk[n] - dot(wk, &mean))
        .collect();
    // Centre once more on the raw scale, against the rounding of the maps above.
    for j in 0..n {
        let c = weights.iter().map(|w| w[j]).sum::<f64>() / k_all as f64;
        for w in &mut weights {
            w[j] -= c;
        }
    }
    let c = biases.iter().sum::<f64>() / k_all as f64;
    for b in &mut biases {
        *b -= c;
    }
    Some(MultiOptimum {
        cost: multinomial_cost(
            problem,
            k_all,
            l2,
            standardize,
            sample_weights,
            &weights,
            &biases,
        ),
        weights,
        biases,
        iterations,
    })
}
