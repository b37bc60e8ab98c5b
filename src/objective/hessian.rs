//! The Hessian of J at a fixed point, applied matrix-free:
//!
//!   H v = (1/S) Σ_i s_i (C_i ⊗ x̃_i x̃_iᵀ) v + λ·(c_j v_kj on weights, 0 on biases),
//!
//! in one pass over X: for each row, u_ik = x̃_i·v_k (the K dot products of the forward pass),
//! then t_i = (s_i/S) C_i u_i, then Hv_k += t_ik x̃_i. For K = 1, C_i = a_i(1 − a_i) and the
//! pass keeps D_i = s_i a_i(1 − a_i)/S per row. For K > 1, C_i = diag(a_i) − a_i a_iᵀ, so
//! (s_i/S) C_i u = p ⊙ u − p (a·u) with p = s_i a_i / S, and a·u = (p·u)/(Σ_k p_k) since
//! Σ_k a_ik = 1: the pass keeps p (K values per row), nothing else.

use super::{BLOCK, factor};
use crate::data::Design;
use crate::loss::{self, Loss};
use crate::parallel;
use crate::standardize::Standardization;

/// H at a fixed point (see the module docs).
pub struct Hessian<'a> {
    pub(super) x: &'a dyn Design,
    pub(super) loss: Loss,
    /// The curvature of each row, K values per row, block by block as the passes cut the rows:
    /// the block of rows r₀..r₀ + len holds K·len values from K·r₀ on, neuron by neuron.
    pub(super) d: Vec<f64>,
    pub(super) diagonal: Vec<f64>,
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
        let x = self.x;
        let d = &self.d;
        let rows = d.len() / outputs;
        let (acc, accb) = parallel::map_reduce(
            rows,
            |rows| {
                let mut acc = vec![0.0; outputs * n];
                let mut accb = vec![0.0; outputs];
                let mut t = vec![0.0; outputs * BLOCK];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK).min(rows.end);
                    let len = end - start;
                    let c = &d[outputs * start..outputs * end];
                    for k in 0..outputs {
                        let tk = &mut t[k * BLOCK..][..len];
                        x.dots(start..end, &u[k * n..(k + 1) * n], tk);
                        for r in tk.iter_mut() {
                            *r += ub[k];
                        }
                    }
                    match self.loss {
                        Loss::Binomial => {
                            for (tr, dr) in t[..len].iter_mut().zip(c) {
                                *tr *= dr;
                            }
                        }
                        Loss::Multinomial { .. } => {
                            for r in 0..len {
                                let (mut pu, mut ps) = (0.0, 0.0);
                                for k in 0..outputs {
                                    let p = c[k * len + r];
                                    pu += p * t[k * BLOCK + r];
                                    ps += p;
                                }
                                let mean = if ps > 0.0 { pu / ps } else { 0.0 };
                                for k in 0..outputs {
                                    let tk = &mut t[k * BLOCK + r];
                                    *tk = c[k * len + r] * (*tk - mean);
                                }
                            }
                        }
                    }
                    for k in 0..outputs {
                        let tk = &t[k * BLOCK..][..len];
                        accb[k] += loss::block::sum(tk);
                        x.add_rows(start..end, tk, &mut acc[k * n..(k + 1) * n]);
                    }
                    start = end;
                }
                (acc, accb)
            },
            |(a, ab), (p, pb)| (parallel::add_into(a, p), parallel::add_into(ab, pb)),
        );
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

    /// The diagonal of H (for a Jacobi preconditioner).
    pub fn diagonal(&self) -> &[f64] {
        &self.diagonal
    }
}
