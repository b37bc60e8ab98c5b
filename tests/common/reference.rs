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
        let (m, n) = (self.rows() as f64, self.features());
        let mut mean = vec![0.0; n];
        let mut scale = vec![1.0; n];
        for j in 0..n {
            let mu = self.x.iter().map(|r| r[j]).sum::<f64>() / m;
            let var = self.x.iter().map(|r| (r[j] - mu).powi(2)).sum::<f64>() / m;
            // Sparse columns: a spread below the rounding of E[x²] is a constant column.
            let square = self.x.iter().map(|r| r[j] * r[j]).sum::<f64>() / m;
            let constant = var <= 0.0 || (self.sparse && var <= 1e-12 * square);
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
    let (_, scale) = problem.scaling();
    let data: f64 = problem
        .x
        .iter()
        .zip(&problem.y)
        .map(|(row, &y)| loss(dot(row, weights) + bias, y))
        .sum::<f64>()
        / problem.rows() as f64;
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

/// Minimises J by Newton's method with a backtracking line search, until the Newton decrement
/// stops shrinking. None if J has no minimum to find (a singular Hessian).
pub fn optimum(problem: &Problem, l2: f64, standardize: bool) -> Option<Optimum> {
    let (mean, scale) = problem.scaling();
    let (m, n) = (problem.rows(), problem.features());
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
            .map(|(r, &y)| loss(dot(r, u), y))
            .sum::<f64>()
            / m as f64;
        data + 0.5 * l2 * (0..n).map(|j| penalty[j] * u[j] * u[j]).sum::<f64>()
    };
    let mut u = vec![0.0; dim];
    let mut cost = j_of(&u);
    let mut iterations = 0;
    let mut best_decrement = f64::INFINITY;
    for _ in 0..200 {
        let mut g = vec![0.0; dim];
        let mut h = vec![vec![0.0; dim]; dim];
        for ((r, nz), &y) in xt.iter().zip(&nonzeros).zip(&problem.y) {
            let a = sigmoid(dot(r, &u));
            let d = a * (1.0 - a);
            for (k, &p) in nz.iter().enumerate() {
                g[p] += (a - y) * r[p];
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
            g[p] /= m as f64;
            for q in 0..=p {
                h[p][q] /= m as f64;
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
        cost: self::cost(problem, l2, standardize, &weights, bias),
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
