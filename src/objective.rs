//! The vectorised cost J of the lesson and its gradient, in one pass over X.
//!
//! For m examples with labels y_i ∈ {0, 1} and parameters θ = (w, b):
//!
//! - forward:  z_i = w·x_i + b, a_i = σ(z_i)
//! - cost:     J(w, b) = (1/m) Σ_i L(a_i, y_i) + (λ/2)‖w‖²     (the bias is not penalised)
//! - backward: dz_i = a_i − y_i, dw = (1/m) Xᵀ dz + λw, db = (1/m) Σ_i dz_i
//!
//! The loss is computed from the logit (see [`crate::loss`]) and everything is summed in f64.
//! The pass runs over the fixed row tasks of [`crate::parallel`], so the result does not depend
//! on the number of threads. Within a task, rows are taken in small blocks: z for a block is
//! computed, then the block is read again for Xᵀdz while it is still in cache.
//!
//! θ lives in standardised coordinates (see [`crate::standardize`]); the data are raw, so each
//! pass first maps θ to raw (w, b) and pulls the raw gradient back. With standardisation off the
//! map is the identity.
//!
//! The Hessian of J is H = (1/m) X̃ᵀ D X̃ + λ·diag(1, …, 1, 0) with D = diag(a_i(1 − a_i)), over
//! the augmented rows x̃_i = (x_i, 1); [`Hessian`] applies it to a vector without forming it.

use crate::data::Design;
use crate::loss;
use crate::parallel;
use crate::standardize::Standardization;

/// Rows per block inside a task: small enough that a block of a wide dense row set stays in L2.
const BLOCK: usize = 256;

/// J and ∇J at one point. `gradient` has n + 1 entries, the last being ∂J/∂b.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub cost: f64,
    pub gradient: Vec<f64>,
}

/// The regularised cross-entropy cost over a dataset.
#[derive(Clone, Copy)]
pub struct Objective<'a> {
    x: &'a dyn Design,
    y: &'a [f64],
    l2: f64,
    scaling: &'a Standardization,
}

/// Sums over a set of rows: the loss, Σ dz·x (raw scale) and Σ dz.
struct Partial {
    loss: f64,
    dw: Vec<f64>,
    db: f64,
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
        Objective { x, y, l2, scaling }
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
        0.5 * self.l2 * theta[..n].iter().map(|w| w * w).sum::<f64>()
    }

    /// One pass: the loss sum (if `with_loss`) and, if `with_gradient`, Σ dz·x and Σ dz.
    fn pass(&self, w: &[f64], b: f64, with_loss: bool, with_gradient: bool) -> Partial {
        let n = w.len();
        let (x, y) = (self.x, self.y);
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
                };
                let mut z = [0.0; BLOCK];
                let mut dz = [0.0; BLOCK];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK).min(rows.end);
                    let len = end - start;
                    x.dots(start..end, w, &mut z[..len]);
                    for k in 0..len {
                        let zk = z[k] + b;
                        let yk = y[start + k];
                        if with_loss {
                            part.loss += loss::loss_from_logit(zk, yk);
                        }
                        dz[k] = loss::dz(zk, yk);
                    }
                    if with_gradient {
                        part.db += dz[..len].iter().sum::<f64>();
                        x.add_rows(start..end, &dz[..len], &mut part.dw);
                    }
                    start = end;
                }
                part
            },
            |mut acc, part| {
                acc.loss += part.loss;
                acc.db += part.db;
                for (a, p) in acc.dw.iter_mut().zip(&part.dw) {
                    *a += p;
                }
                acc
            },
        )
    }

    /// J(θ) without the gradient.
    pub fn cost(&self, theta: &[f64]) -> f64 {
        let (w, b) = self.scaling.to_raw(theta);
        let part = self.pass(&w, b, true, false);
        part.loss / self.rows() as f64 + self.penalty(theta)
    }

    /// J(θ) and ∇J(θ) in one pass.
    pub fn evaluate(&self, theta: &[f64]) -> Evaluation {
        Evaluation {
            cost: 0.0,
            gradient: Vec::new(),
        }
        .fill(self, theta, true)
    }

    /// ∇J(θ) alone, skipping the per-row logarithms of the loss.
    pub fn gradient(&self, theta: &[f64]) -> Vec<f64> {
        Evaluation {
            cost: f64::NAN,
            gradient: Vec::new(),
        }
        .fill(self, theta, false)
        .gradient
    }

    /// The Hessian at θ, as an operator.
    pub fn hessian(&self, theta: &[f64]) -> Hessian<'a> {
        let (w, b) = self.scaling.to_raw(theta);
        let m = self.rows();
        let x = self.x;
        let mut d = vec![0.0; m];
        let tasks = parallel::task_ranges(m);
        // Each row's curvature a(1 − a)/m depends on that row only: no reduction, any order.
        use rayon::prelude::*;
        let mut slices = Vec::with_capacity(tasks.len());
        let mut rest = d.as_mut_slice();
        for r in &tasks {
            let (head, tail) = rest.split_at_mut(r.len());
            slices.push((r.clone(), head));
            rest = tail;
        }
        slices.into_par_iter().for_each(|(rows, out)| {
            x.dots(rows.clone(), &w, out);
            for v in out.iter_mut() {
                let a = loss::sigmoid(*v + b);
                *v = a * (1.0 - a) / m as f64;
            }
        });
        Hessian {
            x,
            d,
            l2: self.l2,
            scaling: self.scaling,
        }
    }
}

impl Evaluation {
    fn fill(mut self, objective: &Objective, theta: &[f64], with_loss: bool) -> Self {
        let o = objective;
        let n = o.dim() - 1;
        let (w, b) = o.scaling.to_raw(theta);
        let part = o.pass(&w, b, with_loss, true);
        let inv_m = 1.0 / o.rows() as f64;
        let mut gradient: Vec<f64> = part.dw.iter().map(|g| g * inv_m).collect();
        gradient.push(part.db * inv_m);
        o.scaling.pull_back(&mut gradient);
        for (g, w) in gradient[..n].iter_mut().zip(&theta[..n]) {
            *g += o.l2 * w;
        }
        if with_loss {
            self.cost = part.loss * inv_m + o.penalty(theta);
        }
        self.gradient = gradient;
        self
    }
}

/// H = (1/m) X̃ᵀ D X̃ + λ·diag(1, …, 1, 0) at a fixed point, applied matrix-free.
pub struct Hessian<'a> {
    x: &'a dyn Design,
    /// a_i(1 − a_i)/m per row.
    d: Vec<f64>,
    l2: f64,
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
                    accb += t[..len].iter().sum::<f64>();
                    x.add_rows(start..end, &t[..len], &mut acc);
                    start = end;
                }
                (acc, accb)
            },
            |(a, ab), (p, pb)| (parallel::add_into(a, p), ab + pb),
        );
        hv.push(hb);
        self.scaling.pull_back(&mut hv);
        for (h, vj) in hv[..n].iter_mut().zip(&v[..n]) {
            *h += self.l2 * vj;
        }
        hv
    }

    /// The diagonal of H (for a Jacobi preconditioner), in one pass.
    pub fn diagonal(&self) -> Vec<f64> {
        let n = self.scaling.mean.len();
        let x = self.x;
        let d = &self.d;
        let mean = &self.scaling.mean;
        // H̃_jj = (1/s_j²) Σ_i D_i (x_ij − μ_j)², H̃_bb = Σ_i D_i.
        let (mut diag, db) = parallel::map_reduce(
            d.len(),
            |rows| {
                let mut acc = vec![0.0; n];
                x.add_squared_rows(rows.clone(), &d[rows.clone()], mean, &mut acc);
                (acc, d[rows].iter().sum::<f64>())
            },
            |(a, ab), (p, pb)| (parallel::add_into(a, p), ab + pb),
        );
        for (h, s) in diag.iter_mut().zip(&self.scaling.scale) {
            *h = *h / (s * s) + self.l2;
        }
        diag.push(db);
        diag
    }
}
