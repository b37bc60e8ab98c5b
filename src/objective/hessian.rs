//! The Hessian of J at a fixed point, applied matrix-free:
//!
//!   H v = (1/S) Σ_i s_i (C_i ⊗ x̃_i x̃_iᵀ) v + λ·(c_j v_kj on weights, 0 on biases),
//!
//! in one pass over X: for each row, u_ik = x̃_i·v_k (the K dot products of the forward pass),
//! then t_i = (s_i/S) C_i u_i, then Hv_k += t_ik x̃_i. For K = 1, C_i = a_i(1 − a_i) and the
//! pass keeps D_i = s_i a_i(1 − a_i)/S per row. For K > 1, C_i = diag(a_i) − a_i a_iᵀ, so
//! (s_i/S) C_i u = p ⊙ u − p (a·u) with p = s_i a_i / S, and a·u = (p·u)/(Σ_k p_k) since
//! Σ_k a_ik = 1: the pass keeps p (K values per row), nothing else.

use super::{BLOCK, factor, transpose};
use crate::data::Design;
use crate::loss::{self, Loss};
use crate::parallel;
use crate::standardize::Standardization;

/// H at a fixed point (see the module docs).
pub struct Hessian<'a> {
    pub(super) x: &'a dyn Design,
    pub(super) loss: Loss,
    /// The curvature of each row, K values per row, row by row.
    pub(super) d: Vec<f64>,
    pub(super) diagonal: Vec<f64>,
    /// One neuron: the logits z_i + b at the point (empty for K neurons).
    pub(super) logits: Vec<f64>,
    pub(super) l2: f64,
    pub(super) penalty: Option<&'a [f64]>,
    pub(super) scaling: &'a Standardization,
}

impl Hessian<'_> {
    /// H·v in one pass over X (u = X̃v, then X̃ᵀ(C u)).
    pub fn apply(&self, v: &[f64]) -> Vec<f64> {
        let outputs = self.loss.outputs();
        let n = self.x.n_features();
        assert_eq!(v.len(), outputs * (n + 1), "v of the wrong size");
        // Each direction on the raw scale: the linear part of the standardisation map.
        let mut u = Vec::with_capacity(outputs * n);
        let mut ub = Vec::with_capacity(outputs);
        for block in v.chunks_exact(n + 1) {
            let (uk, bk) = self.scaling.to_raw(block);
            u.extend(uk);
            ub.push(bk);
        }
        let rows = self.d.len() / outputs;
        let (acc, accb) = match self.loss {
            Loss::Binomial => self.binomial(rows, &u, ub[0]),
            Loss::Multinomial { .. } => {
                let (acc, accb) = self.multinomial(rows, &transpose(&u, outputs, n), &ub);
                (transpose(&acc, n, outputs), accb)
            }
        };
        let mut hv = Vec::with_capacity(v.len());
        for k in 0..outputs {
            let from = hv.len();
            hv.extend_from_slice(&acc[k * n..(k + 1) * n]);
            hv.push(accb[k]);
            self.scaling.pull_back(&mut hv[from..]);
            for (j, (h, vj)) in hv[from..from + n]
                .iter_mut()
                .zip(&v[from..from + n])
                .enumerate()
            {
                *h += self.l2 * factor(self.penalty, j) * vj;
            }
        }
        hv
    }

    /// X̃ᵀ D X̃ u for one neuron: the raw sums (n weights, 1 bias).
    fn binomial(&self, rows: usize, u: &[f64], ub: f64) -> (Vec<f64>, Vec<f64>) {
        let (x, d, n) = (self.x, &self.d, self.x.n_features());
        parallel::map_reduce(
            rows,
            |rows| {
                let mut acc = vec![0.0; n];
                let mut accb = vec![0.0];
                let mut t = [0.0; BLOCK];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK).min(rows.end);
                    let t = &mut t[..end - start];
                    x.dots(start..end, u, t);
                    for (tr, dr) in t.iter_mut().zip(&d[start..end]) {
                        *tr = (*tr + ub) * dr;
                    }
                    accb[0] += loss::block::sum(t);
                    x.add_rows(start..end, t, &mut acc);
                    start = end;
                }
                (acc, accb)
            },
            |(a, ab), (p, pb)| (parallel::add_into(a, p), parallel::add_into(ab, pb)),
        )
    }

    /// Σ_i (s_i/S) (C_i ⊗ x̃_i x̃_iᵀ) u for K neurons, with `ut` feature by feature: the raw
    /// sums, n × K feature by feature, and K biases.
    fn multinomial(&self, rows: usize, ut: &[f64], ub: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let (x, d, n, k) = (self.x, &self.d, self.x.n_features(), ub.len());
        parallel::map_reduce(
            rows,
            |rows| {
                let mut acc = vec![0.0; n * k];
                let mut accb = vec![0.0; k];
                let mut t = vec![0.0; k * BLOCK];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK).min(rows.end);
                    let t = &mut t[..k * (end - start)];
                    x.dots_k(start..end, ut, k, t);
                    let c = &d[k * start..k * end];
                    for (tr, pr) in t.chunks_exact_mut(k).zip(c.chunks_exact(k)) {
                        let (mut pu, mut ps) = (0.0, 0.0);
                        for ((tk, p), b) in tr.iter_mut().zip(pr).zip(ub) {
                            *tk += b;
                            pu += p * *tk;
                            ps += p;
                        }
                        let mean = if ps > 0.0 { pu / ps } else { 0.0 };
                        for (tk, p) in tr.iter_mut().zip(pr) {
                            *tk = p * (*tk - mean);
                        }
                    }
                    super::add_columns(t, k, &mut accb);
                    x.add_rows_k(start..end, t, k, &mut acc);
                    start = end;
                }
                (acc, accb)
            },
            |(a, ab), (p, pb)| (parallel::add_into(a, p), parallel::add_into(ab, pb)),
        )
    }

    /// The curvature of each row: D_i = s_i a_i(1 − a_i)/S for K = 1, p_ik = s_i a_ik/S (K per
    /// row) for K > 1.
    pub fn curvature(&self) -> &[f64] {
        &self.d
    }

    /// The logits z_i + b of one neuron at the point, which the pass computed anyway; None
    /// for K neurons.
    pub fn logits(&self) -> Option<&[f64]> {
        (!self.logits.is_empty() || self.d.is_empty()).then_some(&self.logits[..])
    }

    /// The diagonal of H (for a Jacobi preconditioner).
    pub fn diagonal(&self) -> &[f64] {
        &self.diagonal
    }
}
