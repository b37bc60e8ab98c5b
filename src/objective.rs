//! The vectorised cost J of the lesson and its derivatives, each in one pass over X.
//!
//! For m examples with labels y_i ∈ {0, 1} and parameters θ = (w, b):
//!
//! - forward:  z_i = w·x_i + b, a_i = σ(z_i)
//! - cost:     J(w, b) = (1/m) Σ_i L(a_i, y_i) + (λ/2)‖w‖²     (the bias is not penalised)
//! - backward: dz_i = a_i − y_i, dw = (1/m) Xᵀ dz + λw, db = (1/m) Σ_i dz_i
//! - Hessian:  H = (1/m) X̃ᵀ D X̃ + λ·diag(1, …, 1, 0), D = diag(a_i(1 − a_i)), x̃_i = (x_i, 1)
//!
//! The loss is computed from the logit (see [`crate::loss`]) and everything is summed in f64.
//! Each pass runs over the fixed row tasks of [`crate::parallel`], so the result does not depend
//! on the number of threads. Within a task, rows are taken in small blocks: z for a block is
//! computed, then the block is read again for Xᵀdz while it is still in cache, so a pass reads X
//! from memory once. A Newton solver's pass also keeps D and the Hessian's diagonal (for the
//! preconditioner) from the same z, so the curvature costs no extra pass.
//!
//! θ lives in standardised coordinates (see [`crate::standardize`]); the data are raw, so each
//! pass first maps θ to raw (w, b) and pulls the raw gradient back. The solvers always work in
//! these coordinates, also when the user trains "without standardisation": then only the
//! penalty changes, to the raw weights, (λ/2)‖w‖² = (λ/2) Σ_j (θ_j/s_j)² (see
//! [`Objective::penalize_raw_weights`]). A diagonal change of variables and a shift of the bias
//! change neither J nor its minimiser, only the conditioning the solvers see: raw columns in
//! dollars next to 0/1 dummies converge in about as many passes as standardised ones.

use crate::data::Design;
use crate::loss;
use crate::parallel;
use crate::standardize::Standardization;

/// Rows per block inside a task: small enough that a block of wide dense rows stays in L2.
const BLOCK: usize = loss::block::MAX_BLOCK;

/// J and ∇J at one point. `gradient` has n + 1 entries, the last being ∂J/∂b.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub cost: f64,
    pub gradient: Vec<f64>,
    /// Rows on the wrong side of (or on) the decision boundary: y_i = 1 with z_i ≤ 0, or y_i = 0
    /// with z_i ≥ 0. Zero with λ = 0 means the classes are separated and J has no minimum.
    pub misclassified: usize,
}

/// D (per row) and the Hessian's diagonal, from a Newton pass.
type Curvature = (Vec<f64>, Vec<f64>);

/// The regularised cross-entropy cost over a dataset.
#[derive(Clone, Copy)]
pub struct Objective<'a> {
    x: &'a dyn Design,
    y: &'a [f64],
    l2: f64,
    /// c_j in the penalty (λ/2) Σ_j c_j θ_j²; None: every c_j = 1.
    penalty: Option<&'a [f64]>,
    scaling: &'a Standardization,
}

/// What a pass should compute besides the loss gradient.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// J and ∇J.
    CostAndGradient,
    /// ∇J only (no per-row logarithms).
    Gradient,
    /// J only.
    Cost,
    /// J, ∇J, and the curvature D with the Hessian's diagonal.
    Newton,
    /// J, ∇J and the curvature D, with the Hessian's diagonal only estimated (see
    /// [`Objective::evaluate_with_curvature`]).
    Curvature,
}

/// Sums over a set of rows.
struct Partial {
    loss: f64,
    /// Σ dz·x on the raw scale.
    dw: Vec<f64>,
    /// Σ dz.
    db: f64,
    /// Σ D (x − μ)² on the raw scale, for the Hessian's diagonal.
    hw: Vec<f64>,
    /// Σ D.
    hb: f64,
    misclassified: usize,
    /// a(1 − a)/m for each row, in row order: one piece per task, so that adding partials
    /// moves the pieces instead of copying every D once per level of the reduction tree.
    d: Vec<Vec<f64>>,
}

impl Partial {
    /// Adds the sums; appends D's pieces (`self` holds the earlier rows, see
    /// [`parallel::map_reduce`]).
    fn add(mut self, other: Partial) -> Partial {
        self.d.extend(other.d);
        self.loss += other.loss;
        self.db += other.db;
        self.hb += other.hb;
        self.misclassified += other.misclassified;
        for (a, p) in self.dw.iter_mut().zip(&other.dw) {
            *a += p;
        }
        for (a, p) in self.hw.iter_mut().zip(&other.hw) {
            *a += p;
        }
        self
    }
}

impl<'a> Objective<'a> {
    /// J over rows of `x` with labels `y` (0 or 1), penalty λ = `l2`, in the coordinates of
    /// `scaling`.
    pub fn new(x: &'a dyn Design, y: &'a [f64], l2: f64, scaling: &'a Standardization) -> Self {
        assert_eq!(x.n_rows(), y.len(), "one label per row");
        assert_eq!(
            x.n_features(),
            scaling.mean.len(),
            "scaling for another width"
        );
        Objective {
            x,
            y,
            l2,
            penalty: None,
            scaling,
        }
    }

    /// The same J with the penalty on given multiples of θ's weights: (λ/2) Σ_j c_j θ_j².
    /// With c_j = 1/s_j² (see [`Standardization::raw_penalty`]) the penalty is on the raw
    /// weights w_j = θ_j/s_j.
    pub fn penalize_raw_weights(self, c: &'a [f64]) -> Self {
        assert_eq!(c.len(), self.dim() - 1, "one penalty factor per weight");
        Objective {
            penalty: Some(c),
            ..self
        }
    }

    /// c_j of the penalty for weight j.
    fn penalty_factor(&self, j: usize) -> f64 {
        factor(self.penalty, j)
    }

    /// Number of parameters, n + 1.
    pub fn dim(&self) -> usize {
        self.x.n_features() + 1
    }

    pub fn rows(&self) -> usize {
        self.y.len()
    }

    pub fn l2(&self) -> f64 {
        self.l2
    }

    pub fn scaling(&self) -> &Standardization {
        self.scaling
    }

    fn penalty(&self, theta: &[f64]) -> f64 {
        let n = self.dim() - 1;
        let sum: f64 = match self.penalty {
            None => theta[..n].iter().map(|w| w * w).sum(),
            Some(c) => theta[..n].iter().zip(c).map(|(w, c)| c * w * w).sum(),
        };
        0.5 * self.l2 * sum
    }

    /// One pass over X at raw (w, b).
    fn pass(&self, w: &[f64], b: f64, want: Want) -> Partial {
        let n = w.len();
        let (x, y) = (self.x, self.y);
        let with_loss = want != Want::Gradient;
        let with_gradient = want != Want::Cost;
        let newton = want == Want::Newton;
        let curvature_wanted = newton || want == Want::Curvature;
        let inv_m = 1.0 / self.rows() as f64;
        // Centred coordinates need the shift; uncentred (sparse) ones keep zeros zero.
        let shift =
            (!self.scaling.mean.iter().all(|&m| m == 0.0)).then_some(&self.scaling.mean[..]);
        parallel::map_reduce(
            self.rows(),
            |rows| {
                let mut part = Partial {
                    loss: 0.0,
                    dw: if with_gradient {
                        vec![0.0; n]
                    } else {
                        Vec::new()
                    },
                    db: 0.0,
                    hw: if newton { vec![0.0; n] } else { Vec::new() },
                    hb: 0.0,
                    misclassified: 0,
                    d: Vec::new(),
                };
                let mut z = [0.0; BLOCK];
                let mut dz = [0.0; BLOCK];
                let mut curvature = [0.0; BLOCK];
                let mut d = Vec::with_capacity(if curvature_wanted { rows.len() } else { 0 });
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK).min(rows.end);
                    let len = end - start;
                    x.dots(start..end, w, &mut z[..len]);
                    let yb = &y[start..end];
                    // dz starts as a = σ(z) and becomes a − y.
                    part.loss += loss::block::forward(&z[..len], b, yb, &mut dz[..len], with_loss);
                    for k in 0..len {
                        let zk = z[k] + b;
                        let wrong = (yb[k] > 0.5) != (zk > 0.0) || zk == 0.0;
                        part.misclassified += usize::from(wrong);
                    }
                    if curvature_wanted {
                        for k in 0..len {
                            curvature[k] = dz[k] * (1.0 - dz[k]) * inv_m;
                        }
                    }
                    for k in 0..len {
                        dz[k] -= yb[k];
                    }
                    if with_gradient {
                        part.db += loss::block::sum(&dz[..len]);
                    }
                    if curvature_wanted {
                        part.hb += loss::block::sum(&curvature[..len]);
                    }
                    if newton {
                        x.add_rows_and_squares(
                            start..end,
                            &dz[..len],
                            &curvature[..len],
                            shift,
                            &mut part.dw,
                            &mut part.hw,
                        );
                    } else if with_gradient {
                        x.add_rows(start..end, &dz[..len], &mut part.dw);
                    }
                    if curvature_wanted {
                        d.extend_from_slice(&curvature[..len]);
                    }
                    start = end;
                }
                if curvature_wanted {
                    part.d.push(d);
                }
                part
            },
            Partial::add,
        )
    }

    /// J(θ) without the gradient.
    pub fn cost(&self, theta: &[f64]) -> f64 {
        let (w, b) = self.scaling.to_raw(theta);
        let part = self.pass(&w, b, Want::Cost);
        part.loss / self.rows() as f64 + self.penalty(theta)
    }

    /// J(θ) and ∇J(θ) in one pass.
    pub fn evaluate(&self, theta: &[f64]) -> Evaluation {
        self.finish(theta, Want::CostAndGradient).0
    }

    /// ∇J(θ) alone, skipping the per-row logarithms of the loss.
    pub fn gradient(&self, theta: &[f64]) -> Vec<f64> {
        self.finish(theta, Want::Gradient).0.gradient
    }

    /// J(θ), ∇J(θ) and the Hessian at θ, in one pass.
    pub fn evaluate_with_hessian(&self, theta: &[f64]) -> (Evaluation, Hessian<'a>) {
        self.operator(theta, Want::Newton)
    }

    /// J(θ), ∇J(θ) and the Hessian at θ in one pass that costs about as much as
    /// [`Objective::evaluate`]: the Hessian's diagonal is not summed but estimated as
    /// H̃_jj ≈ D̄ + λc_j, H̃_bb = D̄ with D̄ = (1/m) Σ_i D_i, which is what it is when D does not
    /// vary with x̃_j² (standardised columns have mean square at most 1). Good enough for a
    /// preconditioner where CG needs only a few steps; trust-region Newton keeps the exact one.
    pub fn evaluate_with_curvature(&self, theta: &[f64]) -> (Evaluation, Hessian<'a>) {
        self.operator(theta, Want::Curvature)
    }

    fn operator(&self, theta: &[f64], want: Want) -> (Evaluation, Hessian<'a>) {
        let (eval, curvature) = self.finish(theta, want);
        let (d, diagonal) = curvature.expect("this pass computes the curvature");
        let hessian = Hessian {
            x: self.x,
            d,
            diagonal,
            l2: self.l2,
            penalty: self.penalty,
            scaling: self.scaling,
        };
        (eval, hessian)
    }

    /// The Hessian at θ, as an operator.
    pub fn hessian(&self, theta: &[f64]) -> Hessian<'a> {
        self.evaluate_with_hessian(theta).1
    }

    /// The evaluation at θ, and for Newton passes D and the Hessian's diagonal.
    fn finish(&self, theta: &[f64], want: Want) -> (Evaluation, Option<Curvature>) {
        let n = self.dim() - 1;
        let (w, b) = self.scaling.to_raw(theta);
        let part = self.pass(&w, b, want);
        let inv_m = 1.0 / self.rows() as f64;
        let mut gradient: Vec<f64> = part.dw.iter().map(|g| g * inv_m).collect();
        gradient.push(part.db * inv_m);
        self.scaling.pull_back(&mut gradient);
        for (j, (g, w)) in gradient[..n].iter_mut().zip(&theta[..n]).enumerate() {
            *g += self.l2 * self.penalty_factor(j) * w;
        }
        let cost = if want == Want::Gradient {
            f64::NAN
        } else {
            part.loss * inv_m + self.penalty(theta)
        };
        // H̃_jj = (1/s_j²) Σ_i D_i (x_ij − μ_j)² + λ, H̃_bb = Σ_i D_i.
        let diagonal = (want == Want::Newton).then(|| {
            let mut diag: Vec<f64> = part
                .hw
                .iter()
                .zip(&self.scaling.scale)
                .enumerate()
                .map(|(j, (h, s))| h / (s * s) + self.l2 * self.penalty_factor(j))
                .collect();
            diag.push(part.hb);
            diag
        });
        let estimated = (want == Want::Curvature).then(|| {
            let mut diag: Vec<f64> = (0..n)
                .map(|j| part.hb + self.l2 * self.penalty_factor(j))
                .collect();
            diag.push(part.hb);
            diag
        });
        let newton = diagonal.or(estimated).map(|diag| (part.d.concat(), diag));
        let eval = Evaluation {
            cost,
            gradient,
            misclassified: part.misclassified,
        };
        (eval, newton)
    }
}

/// c_j of a penalty given as factors, or 1 when there are none.
fn factor(penalty: Option<&[f64]>, j: usize) -> f64 {
    penalty.map_or(1.0, |c| c[j])
}

/// H = (1/m) X̃ᵀ D X̃ + λ·diag(1, …, 1, 0) at a fixed point, applied matrix-free.
pub struct Hessian<'a> {
    x: &'a dyn Design,
    /// a_i(1 − a_i)/m per row.
    d: Vec<f64>,
    diagonal: Vec<f64>,
    l2: f64,
    penalty: Option<&'a [f64]>,
    scaling: &'a Standardization,
}

impl Hessian<'_> {
    /// H·v in one pass over X (u = X̃v, then X̃ᵀ(D u)).
    pub fn apply(&self, v: &[f64]) -> Vec<f64> {
        let n = v.len() - 1;
        // The direction on the raw scale: the linear part of the standardisation map.
        let (u, ub) = self.scaling.to_raw(v);
        let x = self.x;
        let d = &self.d;
        let (mut hv, hb) = parallel::map_reduce(
            d.len(),
            |rows| {
                let mut acc = vec![0.0; n];
                let mut accb = 0.0;
                let mut t = [0.0; BLOCK];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK).min(rows.end);
                    let len = end - start;
                    x.dots(start..end, &u, &mut t[..len]);
                    for k in 0..len {
                        t[k] = (t[k] + ub) * d[start + k];
                    }
                    accb += loss::block::sum(&t[..len]);
                    x.add_rows(start..end, &t[..len], &mut acc);
                    start = end;
                }
                (acc, accb)
            },
            |(a, ab), (p, pb)| (parallel::add_into(a, p), ab + pb),
        );
        hv.push(hb);
        self.scaling.pull_back(&mut hv);
        for (j, (h, vj)) in hv[..n].iter_mut().zip(&v[..n]).enumerate() {
            *h += self.l2 * factor(self.penalty, j) * vj;
        }
        hv
    }

    /// The diagonal of H (for a Jacobi preconditioner).
    pub fn diagonal(&self) -> &[f64] {
        &self.diagonal
    }
}
