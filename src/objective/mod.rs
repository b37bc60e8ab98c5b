//! The vectorised cost J of the lesson and its derivatives, each in one pass over X, for one
//! sigmoid neuron or K softmax neurons, with or without row weights.
//!
//! For m examples with weights s_i ≥ 0 (all 1 by default), S = Σ_i s_i, and K neurons that all
//! see x_i (K = 1 for the binary model), with parameters θ = (w_1, b_1, …, w_K, b_K):
//!
//! - forward:  z_ik = w_k·x_i + b_k, a_i = σ(z_i) (K = 1) or softmax(z_i) (see [`crate::loss`])
//! - cost:     J(θ) = (1/S) Σ_i s_i L(a_i, y_i) + (λ/2) Σ_k ‖w_k‖²   (biases are not penalised)
//! - backward: dz_ik = s_i (a_ik − [y_i = k]), dw_k = (1/S) Σ_i dz_ik x_i + λ w_k,
//!   db_k = (1/S) Σ_i dz_ik
//! - Hessian:  H = (1/S) Σ_i s_i (C_i ⊗ x̃_i x̃_iᵀ) + λ·(1 on weights, 0 on biases), with
//!   x̃_i = (x_i, 1) and C_i = a_i(1 − a_i) for K = 1, C_i = diag(a_i) − a_i a_iᵀ for K > 1.
//!
//! θ is laid out neuron by neuron, each weight vector followed by its bias (scikit-learn's
//! convention in `LinearModelLoss`), so the binary model's θ = (w, b) is the case K = 1.
//! Integer weights give exactly the J of the data with each row repeated s_i times (weight 0:
//! the row left out), because S and every sum count the row s_i times.
//!
//! One pass per call: the loss ([`crate::loss::Loss`]) is the only part that knows the output
//! layer; this module owns the linear part (the K dot products per row, Xᵀdz, the penalty, the
//! weights). The loss is computed from the logits (see [`crate::loss`]) and everything is summed
//! in f64. Each pass runs over the fixed row tasks of [`crate::parallel`], so the result does
//! not depend on the number of threads. Within a task, rows are taken in small blocks: the K
//! logits of a block are computed, then the block is read again for Xᵀdz while it is still in
//! cache, so a pass reads X from memory once. A Newton solver's pass also keeps the curvature
//! C_i and the Hessian's diagonal (for the preconditioner) from the same z, so the curvature
//! costs no extra pass.
//!
//! θ lives in standardised coordinates (see [`crate::standardize`]); the data are raw, so each
//! pass first maps every neuron's θ_k to raw (w_k, b_k) and pulls the raw gradient back. The
//! solvers always work in these coordinates, also when the user trains "without
//! standardisation": then only the penalty changes, to the raw weights,
//! (λ/2)‖w‖² = (λ/2) Σ_j (θ_j/s_j)² (see [`Objective::penalize_raw_weights`]). A diagonal
//! change of variables and a shift of the bias change neither J nor its minimiser, only the
//! conditioning the solvers see: raw columns in dollars next to 0/1 dummies converge in about
//! as many passes as standardised ones.
//!
//! With K > 1 and λ = 0, J does not change when one vector is added to every w_k (and one
//! number to every b_k): softmax depends only on differences of logits. The gradient is always
//! orthogonal to those directions, so the solvers never need to move along them; the fit
//! centres the result afterwards ([`center`]). With λ > 0 the weights of the optimum are
//! centred already (the penalty is smallest there), and the biases are centred by the fit.

mod hessian;

pub use hessian::Hessian;

use crate::data::Design;
use crate::loss::{self, Loss};
use crate::parallel;
use crate::standardize::Standardization;
use std::ops::Range;

/// Rows per block inside a task: small enough that a block of wide dense rows stays in L2.
const BLOCK: usize = loss::block::MAX_BLOCK;

/// J and ∇J at one point. `gradient` has K(n + 1) entries laid out as θ.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub cost: f64,
    pub gradient: Vec<f64>,
    /// Rows (of non-zero weight) on the wrong side of (or on) a decision boundary: for K = 1,
    /// y_i = 1 with z_i ≤ 0 or y_i = 0 with z_i ≥ 0; for K > 1, some other class's logit at
    /// least the true class's. Zero with λ = 0 means the classes are separated and J has no
    /// minimum.
    pub misclassified: usize,
}

/// The curvature per row (see [`Hessian`]) and the Hessian's diagonal, from a Newton pass.
/// (one neuron only) the logits z_i + b, which the pass had anyway.
type Curvature = (Vec<f64>, Vec<f64>, Vec<f64>);

/// The regularised cross-entropy cost over a dataset.
#[derive(Clone, Copy)]
pub struct Objective<'a> {
    x: &'a dyn Design,
    y: &'a [f64],
    loss: Loss,
    /// s_i; None: every s_i = 1.
    weights: Option<&'a [f64]>,
    /// S = Σ_i s_i (m without weights).
    total: f64,
    l2: f64,
    /// c_j in the penalty (λ/2) Σ_k Σ_j c_j θ_kj²; None: every c_j = 1.
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
    /// J, ∇J, and the curvature with the Hessian's diagonal.
    Newton,
    /// J, ∇J and the curvature, with the Hessian's diagonal only estimated (see
    /// [`Objective::evaluate_with_curvature`]).
    Curvature,
}

impl Want {
    /// Does the pass sum the per-row losses?
    fn loss(self) -> bool {
        self != Want::Gradient
    }

    /// Does it sum the gradient?
    fn gradient(self) -> bool {
        self != Want::Cost
    }

    /// Does it sum the Hessian's exact diagonal?
    fn diagonal(self) -> bool {
        self == Want::Newton
    }

    /// Does it keep the per-row curvature?
    fn curvature(self) -> bool {
        matches!(self, Want::Newton | Want::Curvature)
    }
}

/// Sums over a set of rows; per-neuron vectors are laid out neuron by neuron.
struct Partial {
    loss: f64,
    /// Σ dz_k·x on the raw scale, K × n.
    dw: Vec<f64>,
    /// Σ dz_k, K.
    db: Vec<f64>,
    /// Σ c_ik (x − μ)² on the raw scale, K × n, for the Hessian's diagonal (c_ik: the diagonal
    /// of s_i C_i / S).
    hw: Vec<f64>,
    /// Σ c_ik, K.
    hb: Vec<f64>,
    misclassified: usize,
    /// The curvature of each row (see [`Hessian`]), in the layout of the blocks: one piece per
    /// task, so that adding partials moves the pieces instead of copying every row's curvature
    /// once per level of the reduction tree.
    d: Vec<Vec<f64>>,
    /// One neuron's logits z_i + b, in the same pieces, when the curvature is kept.
    z: Vec<Vec<f64>>,
}

impl Partial {
    /// Adds the sums; appends the curvature's pieces (`self` holds the earlier rows, see
    /// [`parallel::map_reduce`]).
    fn add(mut self, other: Partial) -> Partial {
        self.d.extend(other.d);
        self.z.extend(other.z);
        self.loss += other.loss;
        self.misclassified += other.misclassified;
        for (a, p) in [
            (&mut self.dw, &other.dw),
            (&mut self.db, &other.db),
            (&mut self.hw, &other.hw),
            (&mut self.hb, &other.hb),
        ] {
            for (a, p) in a.iter_mut().zip(p) {
                *a += p;
            }
        }
        self
    }
}

/// S = Σ s_i, summed in the fixed order of the passes.
pub fn total_weight(weights: &[f64]) -> f64 {
    parallel::map_reduce(
        weights.len(),
        |rows| loss::block::sum(&weights[rows]),
        |a, b| a + b,
    )
}

impl<'a> Objective<'a> {
    /// The binary J over rows of `x` with labels `y` (0 or 1), penalty λ = `l2`, in the
    /// coordinates of `scaling`, every row of weight 1.
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
            loss: Loss::Binomial,
            weights: None,
            total: y.len() as f64,
            l2,
            penalty: None,
            scaling,
        }
    }

    /// The same J with another output layer: for [`Loss::Multinomial`], `y` holds class
    /// indices 0, …, K − 1.
    pub fn with_loss(self, loss: Loss) -> Self {
        debug_assert!(self.y.iter().all(|&y| (y as usize) < loss.outputs().max(2)));
        Objective { loss, ..self }
    }

    /// The same J with row weights s_i ≥ 0 (finite, not all 0: checked by the caller).
    pub fn weighted(self, weights: &'a [f64]) -> Self {
        assert_eq!(weights.len(), self.y.len(), "one weight per row");
        let total = total_weight(weights);
        assert!(total > 0.0, "the weights sum to a positive number");
        Objective {
            weights: Some(weights),
            total,
            ..self
        }
    }

    /// The same J with the penalty on given multiples of θ's weights: (λ/2) Σ_j c_j θ_j².
    /// With c_j = 1/s_j² (see [`Standardization::raw_penalty`]) the penalty is on the raw
    /// weights w_j = θ_j/s_j.
    pub fn penalize_raw_weights(self, c: &'a [f64]) -> Self {
        assert_eq!(c.len(), self.features(), "one penalty factor per weight");
        Objective {
            penalty: Some(c),
            ..self
        }
    }

    /// c_j of the penalty for weight j.
    fn penalty_factor(&self, j: usize) -> f64 {
        factor(self.penalty, j)
    }

    /// n, the features.
    pub fn features(&self) -> usize {
        self.x.n_features()
    }

    /// K, the neurons (1 for the binary model).
    pub fn outputs(&self) -> usize {
        self.loss.outputs()
    }

    /// The output layer.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// Number of parameters, K(n + 1).
    pub fn dim(&self) -> usize {
        self.outputs() * (self.features() + 1)
    }

    pub fn rows(&self) -> usize {
        self.y.len()
    }

    /// S = Σ_i s_i.
    pub fn total_weight(&self) -> f64 {
        self.total
    }

    pub fn l2(&self) -> f64 {
        self.l2
    }

    pub fn scaling(&self) -> &'a Standardization {
        self.scaling
    }

    /// X, the raw data.
    pub fn design(&self) -> &'a dyn Design {
        self.x
    }

    /// y: 0/1 labels (binary) or class indices.
    pub fn labels(&self) -> &'a [f64] {
        self.y
    }

    /// s_i, or None when every row weighs 1.
    pub fn row_weights(&self) -> Option<&'a [f64]> {
        self.weights
    }

    /// c_j of the L2 penalty (λ/2) Σ_j c_j θ_j², or None when every c_j = 1.
    pub fn penalty_factors(&self) -> Option<&'a [f64]> {
        self.penalty
    }

    /// The logits z_ik = θ_k·x̃_i (m × K, row by row), in one pass.
    pub fn logits(&self, theta: &[f64]) -> Vec<f64> {
        let (w, b) = self.to_raw(theta);
        let k = self.outputs();
        let wt = (k > 1).then(|| transpose(&w, k, self.features()));
        let mut z = vec![0.0; self.rows() * k];
        let tasks = parallel::task_ranges(self.rows());
        let mut pieces: Vec<&mut [f64]> = Vec::with_capacity(tasks.len());
        let mut rest = &mut z[..];
        for t in &tasks {
            let (piece, tail) = rest.split_at_mut(t.len() * k);
            pieces.push(piece);
            rest = tail;
        }
        use rayon::prelude::*;
        pieces.into_par_iter().zip(tasks).for_each(|(out, rows)| {
            match &wt {
                None => self.x.dots(rows, &w, out),
                Some(wt) => self.x.dots_k(rows, wt, k, out),
            }
            for row in out.chunks_exact_mut(k) {
                for (z, b) in row.iter_mut().zip(&b) {
                    *z += b;
                }
            }
        });
        z
    }

    /// With λ = 0, does J have no minimum? Decided exactly by the linear programs of
    /// [`crate::separation`] over the rows of non-zero weight (weights do not change which
    /// directions separate), for either loss.
    pub fn separation(
        &self,
    ) -> Result<Option<crate::separation::Separation>, crate::separation::Unchecked> {
        let kept: Vec<usize> = match self.weights {
            Some(s) => (0..s.len()).filter(|&i| s[i] > 0.0).collect(),
            None => (0..self.rows()).collect(),
        };
        let classes = match self.loss {
            Loss::Binomial => None,
            Loss::Multinomial { classes } => Some(classes),
        };
        crate::separation::detect_in(self.x, self.y, classes, self.scaling, kept)
    }

    /// Does `eval` show that J has no minimum: λ = 0 and no row on the wrong side of a
    /// decision boundary? (The solvers' own test, free at every iterate.)
    pub fn separated(&self, eval: &Evaluation) -> bool {
        self.l2 == 0.0 && eval.misclassified == 0
    }

    /// Every neuron's raw (w_k, b_k) from θ: K × n weights and K biases.
    pub fn to_raw(&self, theta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = self.features();
        let mut w = Vec::with_capacity(self.outputs() * n);
        let mut b = Vec::with_capacity(self.outputs());
        for block in theta.chunks_exact(n + 1) {
            let (wk, bk) = self.scaling.to_raw(block);
            w.extend(wk);
            b.push(bk);
        }
        (w, b)
    }

    fn penalty(&self, theta: &[f64]) -> f64 {
        let n = self.features();
        let sum: f64 = theta
            .chunks_exact(n + 1)
            .map(|block| match self.penalty {
                None => block[..n].iter().map(|w| w * w).sum::<f64>(),
                Some(c) => block[..n].iter().zip(c).map(|(w, c)| c * w * w).sum(),
            })
            .sum();
        0.5 * self.l2 * sum
    }

    /// One pass over X at raw (w, b) (K × n weights, K biases). For one neuron the sums are
    /// laid out as θ; for K neurons `dw` and `hw` are feature by feature (n × K, see
    /// [`Design::dots_k`]), as the K-neuron kernels accumulate them.
    fn pass(&self, w: &[f64], b: &[f64], want: Want) -> Partial {
        let (n, outputs) = (self.features(), self.outputs());
        let (with_gradient, newton) = (want.gradient(), want.diagonal());
        let sized = |yes: bool, len: usize| if yes { vec![0.0; len] } else { Vec::new() };
        // K neurons read the weights feature by feature: wt[j·K + k] = w_k,j.
        let wt = (outputs > 1).then(|| transpose(w, outputs, n));
        parallel::map_reduce(
            self.rows(),
            |rows| {
                let mut part = Partial {
                    loss: 0.0,
                    dw: sized(with_gradient, outputs * n),
                    db: vec![0.0; outputs],
                    hw: sized(newton, outputs * n),
                    hb: vec![0.0; outputs],
                    misclassified: 0,
                    d: Vec::new(),
                    z: Vec::new(),
                };
                match &wt {
                    None => self.binomial_task(rows, w, b[0], want, &mut part),
                    Some(wt) => self.multinomial_task(rows, wt, b, want, &mut part),
                }
                part
            },
            Partial::add,
        )
    }

    /// Centred coordinates need the shift; uncentred (sparse) ones keep zeros zero.
    fn shift(&self) -> Option<&[f64]> {
        (!self.scaling.mean.iter().all(|&m| m == 0.0)).then_some(&self.scaling.mean[..])
    }

    /// One task of a pass for one sigmoid neuron.
    fn binomial_task(&self, rows: Range<usize>, w: &[f64], b: f64, want: Want, part: &mut Partial) {
        let (x, y, weights) = (self.x, self.y, self.weights);
        let (with_loss, with_gradient) = (want.loss(), want.gradient());
        let (newton, curvature_wanted) = (want.diagonal(), want.curvature());
        let inv_total = 1.0 / self.total;
        let shift = self.shift();
        let mut z = [0.0; BLOCK];
        let mut dz = [0.0; BLOCK];
        // D_i = s_i a_i (1 − a_i) / S.
        let mut diagonal = [0.0; BLOCK];
        let mut d = Vec::with_capacity(if curvature_wanted { rows.len() } else { 0 });
        let mut logits = Vec::with_capacity(if curvature_wanted { rows.len() } else { 0 });
        let mut start = rows.start;
        while start < rows.end {
            let end = (start + BLOCK).min(rows.end);
            let len = end - start;
            let (z, dz) = (&mut z[..len], &mut dz[..len]);
            x.dots(start..end, w, z);
            if curvature_wanted {
                logits.extend(z.iter().map(|z| z + b));
            }
            let yb = &y[start..end];
            let sb = weights.map(|s| &s[start..end]);
            // dz starts as a = σ(z) and becomes s·(a − y).
            part.loss += loss::block::forward(z, b, yb, sb, dz, with_loss);
            for k in 0..len {
                let zk = z[k] + b;
                let wrong = (yb[k] > 0.5) != (zk > 0.0) || zk == 0.0;
                let counted = sb.is_none_or(|s| s[k] != 0.0);
                part.misclassified += usize::from(wrong && counted);
            }
            if curvature_wanted {
                for k in 0..len {
                    diagonal[k] = dz[k] * (1.0 - dz[k]) * inv_total;
                }
                if let Some(s) = sb {
                    for (c, s) in diagonal[..len].iter_mut().zip(s) {
                        *c *= s;
                    }
                }
                d.extend_from_slice(&diagonal[..len]);
                part.hb[0] += loss::block::sum(&diagonal[..len]);
            }
            for k in 0..len {
                dz[k] -= yb[k];
            }
            if let Some(s) = sb {
                for (g, s) in dz.iter_mut().zip(s) {
                    *g *= s;
                }
            }
            if with_gradient {
                part.db[0] += loss::block::sum(dz);
            }
            if newton {
                let (dw, hw) = (&mut part.dw, &mut part.hw);
                x.add_rows_and_squares(start..end, dz, &diagonal[..len], shift, dw, hw);
            } else if with_gradient {
                x.add_rows(start..end, dz, &mut part.dw);
            }
            start = end;
        }
        if curvature_wanted {
            part.d.push(d);
            part.z.push(logits);
        }
    }

    /// One task of a pass for K softmax neurons, with the K-neuron kernels: z (row by row, K
    /// per row) from `wt` (feature by feature), then dz, and Xᵀdz into n × K sums.
    fn multinomial_task(
        &self,
        rows: Range<usize>,
        wt: &[f64],
        b: &[f64],
        want: Want,
        part: &mut Partial,
    ) {
        let (x, y, weights) = (self.x, self.y, self.weights);
        let k = b.len();
        let (with_loss, with_gradient) = (want.loss(), want.gradient());
        let (newton, curvature_wanted) = (want.diagonal(), want.curvature());
        let inv_total = 1.0 / self.total;
        let shift = self.shift();
        let mut z = vec![0.0; k * BLOCK];
        let mut dz = vec![0.0; k * BLOCK];
        // The diagonal of s_i C_i / S, p_ik (1 − a_ik), for the Hessian's diagonal.
        let mut diagonal = vec![0.0; if curvature_wanted { k * BLOCK } else { 0 }];
        let mut losses = [0.0; BLOCK];
        let mut d = Vec::with_capacity(if curvature_wanted { k * rows.len() } else { 0 });
        let mut start = rows.start;
        while start < rows.end {
            let end = (start + BLOCK).min(rows.end);
            let len = end - start;
            let (z, dz) = (&mut z[..k * len], &mut dz[..k * len]);
            x.dots_k(start..end, wt, k, z);
            let yb = &y[start..end];
            let sb = weights.map(|s| &s[start..end]);
            // dz starts as a = softmax(z) and becomes s·(a − y).
            let (l, wrong) = loss::multinomial::forward(z, b, yb, sb, dz, &mut losses, with_loss);
            part.loss += l;
            part.misclassified += wrong;
            if curvature_wanted {
                // Keep p_ik = s_i a_ik / S (the Hessian needs a_i and s_i/S; Σ_k p_ik = s_i/S
                // recovers the second), and the diagonal p_ik (1 − a_ik).
                let from = d.len();
                d.extend(dz.iter().map(|a| a * inv_total));
                if let Some(s) = sb {
                    for (p, s) in d[from..].chunks_exact_mut(k).zip(s) {
                        for p in p {
                            *p *= s;
                        }
                    }
                }
                let c = &mut diagonal[..k * len];
                for ((c, p), a) in c.iter_mut().zip(&d[from..]).zip(dz.iter()) {
                    *c = p * (1.0 - a);
                }
                add_columns(c, k, &mut part.hb);
            }
            for (r, &label) in yb.iter().enumerate() {
                dz[r * k + label as usize] -= 1.0;
            }
            if let Some(s) = sb {
                for (g, s) in dz.chunks_exact_mut(k).zip(s) {
                    for g in g {
                        *g *= s;
                    }
                }
            }
            if with_gradient {
                add_columns(dz, k, &mut part.db);
                x.add_rows_k(start..end, dz, k, &mut part.dw);
            }
            if newton {
                x.add_squares_k(start..end, &diagonal[..k * len], k, shift, &mut part.hw);
            }
            start = end;
        }
        if curvature_wanted {
            part.d.push(d);
        }
    }

    /// J(θ) without the gradient.
    pub fn cost(&self, theta: &[f64]) -> f64 {
        let (w, b) = self.to_raw(theta);
        let part = self.pass(&w, &b, Want::Cost);
        part.loss / self.total + self.penalty(theta)
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
    /// H̃_jj ≈ D̄_k + λc_j, H̃_bb = D̄_k with D̄_k = (1/S) Σ_i s_i C_i,kk, which is what it is
    /// when the curvature does not vary with x̃_j² (standardised columns have mean square at
    /// most 1). Good enough for a preconditioner where CG needs only a few steps; trust-region
    /// Newton keeps the exact one.
    pub fn evaluate_with_curvature(&self, theta: &[f64]) -> (Evaluation, Hessian<'a>) {
        self.operator(theta, Want::Curvature)
    }

    fn operator(&self, theta: &[f64], want: Want) -> (Evaluation, Hessian<'a>) {
        let (eval, curvature) = self.finish(theta, want);
        let (d, diagonal, logits) = curvature.expect("this pass computes the curvature");
        let hessian = Hessian {
            x: self.x,
            loss: self.loss,
            d,
            diagonal,
            logits,
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

    /// The evaluation at θ, and for Newton passes the curvature and the Hessian's diagonal.
    fn finish(&self, theta: &[f64], want: Want) -> (Evaluation, Option<Curvature>) {
        assert_eq!(theta.len(), self.dim(), "θ of the wrong size");
        let (n, outputs) = (self.features(), self.outputs());
        let (w, b) = self.to_raw(theta);
        let part = self.pass(&w, &b, want);
        let inv_total = 1.0 / self.total;
        let mut gradient = Vec::with_capacity(self.dim());
        // K neurons' sums come feature by feature (n × K): back to neuron by neuron.
        let (dw, hw) = if outputs > 1 {
            (
                transpose(&part.dw, n, outputs),
                transpose(&part.hw, n, outputs),
            )
        } else {
            (part.dw, part.hw)
        };
        for k in 0..outputs {
            let from = gradient.len();
            if want == Want::Cost {
                gradient.resize(from + n + 1, f64::NAN);
                continue;
            }
            gradient.extend(dw[k * n..(k + 1) * n].iter().map(|g| g * inv_total));
            gradient.push(part.db[k] * inv_total);
            self.scaling.pull_back(&mut gradient[from..]);
            for (j, (g, w)) in gradient[from..from + n]
                .iter_mut()
                .zip(&theta[from..from + n])
                .enumerate()
            {
                *g += self.l2 * self.penalty_factor(j) * w;
            }
        }
        let cost = if want == Want::Gradient {
            f64::NAN
        } else {
            part.loss * inv_total + self.penalty(theta)
        };
        // H̃_jj = (1/s_j²) Σ_i c_ik (x_ij − μ_j)² + λc_j, H̃_bb = Σ_i c_ik, neuron by neuron.
        let diagonal = (want == Want::Newton).then(|| {
            let mut diag = Vec::with_capacity(self.dim());
            for k in 0..outputs {
                diag.extend(
                    hw[k * n..(k + 1) * n]
                        .iter()
                        .zip(&self.scaling.scale)
                        .enumerate()
                        .map(|(j, (h, s))| h / (s * s) + self.l2 * self.penalty_factor(j)),
                );
                diag.push(part.hb[k]);
            }
            diag
        });
        let estimated = (want == Want::Curvature).then(|| {
            let mut diag = Vec::with_capacity(self.dim());
            for k in 0..outputs {
                diag.extend((0..n).map(|j| part.hb[k] + self.l2 * self.penalty_factor(j)));
                diag.push(part.hb[k]);
            }
            diag
        });
        let newton = diagonal
            .or(estimated)
            .map(|diag| (part.d.concat(), diag, part.z.concat()));
        let eval = Evaluation {
            cost,
            gradient,
            misclassified: part.misclassified,
        };
        (eval, newton)
    }
}

/// The transpose of a rows × cols matrix stored by rows (empty stays empty).
pub(crate) fn transpose(v: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    if v.is_empty() {
        return Vec::new();
    }
    let mut t = vec![0.0; v.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = v[r * cols + c];
        }
    }
    t
}

/// sums\[k\] += Σ_r v\[r·K + k\] over the rows of a block, each column summed in row order.
pub(crate) fn add_columns(v: &[f64], k: usize, sums: &mut [f64]) {
    let mut block = vec![0.0; k];
    for row in v.chunks_exact(k) {
        for (s, x) in block.iter_mut().zip(row) {
            *s += x;
        }
    }
    for (s, b) in sums.iter_mut().zip(&block) {
        *s += b;
    }
}

/// c_j of a penalty given as factors, or 1 when there are none.
fn factor(penalty: Option<&[f64]>, j: usize) -> f64 {
    penalty.map_or(1.0, |c| c[j])
}

/// Centres K > 1 neurons' raw parameters (K × n weights, K biases) across the neurons: every
/// weight minus its mean over the neurons, and the same for the biases. Softmax, and so J's
/// data term, does not change; the penalty is smallest there. For K = 1, nothing changes.
pub fn center(weights: &mut [f64], biases: &mut [f64]) {
    let outputs = biases.len();
    if outputs < 2 {
        return;
    }
    let n = weights.len() / outputs;
    for j in 0..n {
        let mean = (0..outputs).map(|k| weights[k * n + j]).sum::<f64>() / outputs as f64;
        for k in 0..outputs {
            weights[k * n + j] -= mean;
        }
    }
    let mean = biases.iter().sum::<f64>() / outputs as f64;
    for b in biases.iter_mut() {
        *b -= mean;
    }
}
