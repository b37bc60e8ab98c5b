//! Standardisation folded into the model, so the data are never copied or changed.
//!
//! With column means μ_j and standard deviations s_j of the training rows, the standardised
//! feature is x̃_j = (x_j − μ_j)/s_j. The solvers work with weights w̃ on x̃, and the L2 penalty
//! applies to w̃ (as glmnet and Spark do). Because
//!
//!   w̃·x̃ + b̃ = Σ_j (w̃_j/s_j)·x_j + (b̃ − Σ_j w̃_j μ_j/s_j),
//!
//! the same model on the raw scale has w_j = w̃_j/s_j and b = b̃ − Σ_j w_j μ_j. The objective
//! evaluates z on the raw data with (w, b) and pulls gradients back by the chain rule:
//! ∂J/∂w̃_j = (∂J/∂w_j − μ_j·∂J/∂b)/s_j and ∂J/∂b̃ = ∂J/∂b. Sparse data stay sparse this way.
//! A constant column (s_j = 0) gets s_j = 1 and is marked constant: its standardised value is
//! 0 for every row, so it carries no information, and its weight is held at exactly 0 (the
//! map sends it to w_j = 0, and its gradient is 0). Pulling its gradient back by
//! (∂J/∂w_j − μ_j·∂J/∂b) would otherwise subtract two sums of size |μ_j|·Σ|dz|: for a constant
//! column of 1.7e12 their rounding moved the weight, and the bias by −9e9 to compensate, so
//! that prediction on the f64 values of a column stored in f32 for training was off by 200 in z.
//!
//! Sparse data are scaled without centering (μ_j taken as 0, s_j the column's standard
//! deviation), as scikit-learn's `StandardScaler(with_mean=False)` does: centering would make
//! every zero non-zero. For sparse columns the variance is E\[x²\] − E\[x\]², from one pass.

use crate::data::Design;
use crate::parallel;
use serde::{Deserialize, Serialize};

/// The standard deviation for a variance, or 1 for a constant column.
fn scale_from_variance(variance: f64) -> f64 {
    if is_constant(variance) {
        1.0
    } else {
        variance.sqrt()
    }
}

/// A variance of a constant column (zero, or not a usable number).
fn is_constant(variance: f64) -> bool {
    let sd = variance.max(0.0).sqrt();
    !(sd > 0.0 && sd.is_finite())
}

/// Column means and scales; the affine map between standardised and raw parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
    /// Columns with no spread in the training rows (empty: none). Not written to model files.
    #[serde(default, skip_serializing)]
    pub constant: Vec<bool>,
}

impl Standardization {
    /// Means and (population) standard deviations of the columns of `x`, in two passes for
    /// accuracy, each reduced in a fixed order.
    pub fn fit(x: &dyn Design) -> Self {
        Self::fit_weighted(x, None)
    }

    /// The same moments with row weights s_i ≥ 0: μ_j = Σ s_i x_ij / Σ s_i and
    /// σ_j² = Σ s_i (x_ij − μ_j)² / Σ s_i, so an integer weight k counts a row k times and a
    /// weight of 0 leaves it out (glmnet standardises with the weights too).
    pub fn fit_weighted(x: &dyn Design, weights: Option<&[f64]>) -> Self {
        let (m, n) = (x.n_rows(), x.n_features());
        let ones;
        let s: &[f64] = match weights {
            Some(s) => s,
            None => {
                ones = vec![1.0; m];
                &ones
            }
        };
        let total: f64 =
            parallel::map_reduce(m, |rows| crate::loss::block::sum(&s[rows]), |a, b| a + b);
        if x.is_sparse() {
            let (sums, squares) = parallel::map_reduce(
                m,
                |rows| {
                    let (mut g, mut q) = (vec![0.0; n], vec![0.0; n]);
                    x.add_rows(rows.clone(), &s[rows.clone()], &mut g);
                    x.add_squared_rows(rows.clone(), &s[rows], None, &mut q);
                    (g, q)
                },
                |(a, b), (c, d)| (parallel::add_into(a, c), parallel::add_into(b, d)),
            );
            let scale = sums
                .iter()
                .zip(&squares)
                .map(|(g, q)| {
                    let (mean, square) = (g / total, q / total);
                    // A spread below rounding noise of E[x²] is a constant column.
                    let variance = square - mean * mean;
                    scale_from_variance(if variance > 1e-12 * square {
                        variance
                    } else {
                        0.0
                    })
                })
                .collect();
            return Standardization {
                mean: vec![0.0; n],
                scale,
                // An all-zero sparse column stays zero without centring: nothing to hold.
                constant: Vec::new(),
            };
        }
        let sums = parallel::map_reduce(
            m,
            |rows| {
                let mut g = vec![0.0; n];
                x.add_rows(rows.clone(), &s[rows], &mut g);
                g
            },
            parallel::add_into,
        );
        let mean: Vec<f64> = sums.iter().map(|g| g / total).collect();
        let squares = parallel::map_reduce(
            m,
            |rows| {
                let mut g = vec![0.0; n];
                x.add_squared_rows(rows.clone(), &s[rows], Some(&mean), &mut g);
                g
            },
            parallel::add_into,
        );
        // A spread within the rounding of the mean (the weighted mean of a constant column need
        // not round back to the constant) is a constant column.
        let variances: Vec<f64> = squares
            .iter()
            .zip(&mean)
            .map(|(q, mu)| {
                let v = q / total;
                if v <= (1e-11 * mu).powi(2) { 0.0 } else { v }
            })
            .collect();
        Standardization {
            mean,
            scale: variances.iter().map(|&v| scale_from_variance(v)).collect(),
            constant: variances.iter().map(|&v| is_constant(v)).collect(),
        }
    }

    /// The identity map (standardisation off).
    pub fn identity(n: usize) -> Self {
        Standardization {
            mean: vec![0.0; n],
            scale: vec![1.0; n],
            constant: Vec::new(),
        }
    }

    /// Raw-scale (w, b) from standardised θ = (w̃, b̃).
    pub fn to_raw(&self, theta: &[f64]) -> (Vec<f64>, f64) {
        let n = self.mean.len();
        let w: Vec<f64> = theta[..n]
            .iter()
            .zip(&self.scale)
            .enumerate()
            .map(|(j, (w, s))| if self.is_constant(j) { 0.0 } else { w / s })
            .collect();
        let shift: f64 = w.iter().zip(&self.mean).map(|(w, mu)| w * mu).sum();
        (w, theta[n] - shift)
    }

    /// Standardised θ = (w̃, b̃) from raw-scale (w, b): the inverse of [`Self::to_raw`].
    pub fn from_raw(&self, w: &[f64], b: f64) -> Vec<f64> {
        let shift: f64 = w.iter().zip(&self.mean).map(|(w, mu)| w * mu).sum();
        let mut theta: Vec<f64> = w.iter().zip(&self.scale).map(|(w, s)| w * s).collect();
        theta.push(b + shift);
        theta
    }

    /// Pulls a raw-scale gradient (∂/∂w, ∂/∂b) back to standardised coordinates, in place.
    pub fn pull_back(&self, gradient: &mut [f64]) {
        let n = self.mean.len();
        let gb = gradient[n];
        for (j, ((g, mu), s)) in gradient[..n]
            .iter_mut()
            .zip(&self.mean)
            .zip(&self.scale)
            .enumerate()
        {
            *g = if self.is_constant(j) {
                0.0
            } else {
                (*g - mu * gb) / s
            };
        }
    }

    /// The coordinates for a fit whose penalty (λ/2)‖w‖² is on the raw weights: centred as
    /// these, but each column scaled by t_j = √(s_j² + 4λ) instead of s_j, so that every
    /// diagonal entry of the Hessian at the start (where D = ¼), ¼·s_j²/t_j² + λ/t_j², is ¼.
    /// Scaling by s_j alone leaves the penalty's curvature λ/s_j² on the diagonal, which on
    /// raw columns of very different spreads made L-BFGS crawl.
    pub fn for_raw_penalty(&self, l2: f64) -> Standardization {
        Standardization {
            mean: self.mean.clone(),
            scale: self
                .scale
                .iter()
                .map(|s| (s * s + 4.0 * l2).sqrt())
                .collect(),
            constant: self.constant.clone(),
        }
    }

    /// c_j = 1/s_j², the factors that put the penalty (λ/2) Σ_j c_j θ_j² on the raw weights
    /// w_j = θ_j/s_j (see [`crate::objective::Objective::penalize_raw_weights`]).
    pub fn raw_penalty(&self) -> Vec<f64> {
        self.scale.iter().map(|s| 1.0 / (s * s)).collect()
    }

    /// Is column j constant in the training rows (its weight held at 0)?
    fn is_constant(&self, j: usize) -> bool {
        self.constant.get(j).copied().unwrap_or(false)
    }

    /// Is this the identity map?
    pub fn is_identity(&self) -> bool {
        self.mean.iter().all(|&m| m == 0.0) && self.scale.iter().all(|&s| s == 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DenseMatrix;

    #[test]
    fn moments_and_round_trip() {
        let x = DenseMatrix::from_row_major(vec![1.0, 5.0, 3.0, 5.0, 5.0, 5.0], 3, 2);
        let s = Standardization::fit(&x);
        assert_eq!(s.mean, vec![3.0, 5.0]);
        assert!((s.scale[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.scale[1], 1.0, "constant column");
        assert_eq!(s.constant, vec![false, true]);
        // The constant column's weight is held at 0, whatever θ says.
        let theta = vec![0.5, -2.0, 0.25];
        let (w, b) = s.to_raw(&theta);
        assert_eq!(w[1], 0.0);
        let back = s.from_raw(&w, b);
        for (a, c) in [theta[0], 0.0, theta[2]].iter().zip(&back) {
            assert!((a - c).abs() < 1e-15);
        }
        // Its gradient too.
        let mut g = vec![1.0, 1.0, 1.0];
        s.pull_back(&mut g);
        assert_eq!(g[1], 0.0);
    }
}
