//! Weighted Gram matrices Bᵀ diag(d) B of dense row blocks, the costly sum behind the
//! information matrix of [`crate::inference`] and the working-set Hessian of
//! [`crate::solver::coordinate_descent`].
//!
//! A caller fills a row-major block of rows (BLOCK_ROWS at a time, so it stays in L2) and the
//! block is multiplied by faer on one thread (the callers run one block per task of
//! [`crate::parallel`], whose fixed reduction tree makes the sum independent of the thread
//! count; faer's own threads busy-wait when another process holds a core). With d ≥ 0 the
//! product is CᵀC for C = diag(√d) B: one copy, and only the lower triangle multiplied;
//! otherwise Bᵀ (diag(d) B).

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Par};

/// Rows per block (200 KB of f64 at 50 columns).
pub(crate) const BLOCK_ROWS: usize = 512;

/// The lower triangle of Σ_r d_r b_r b_rᵀ, summed block by block.
pub(crate) struct Gram {
    q: usize,
    pub(crate) sum: Mat<f64>,
    b: Vec<f64>,
    a: Vec<f64>,
}

impl Gram {
    /// A zero sum of q × q.
    pub(crate) fn new(q: usize) -> Self {
        Gram {
            q,
            sum: Mat::zeros(q, q),
            b: Vec::new(),
            a: Vec::new(),
        }
    }

    /// The width q of the rows.
    pub(crate) fn q(&self) -> usize {
        self.q
    }

    /// Adds `len` rows with weights `d` (one per row) that `fill` writes row-major into a
    /// len × q buffer.
    pub(crate) fn add_block(&mut self, len: usize, d: &[f64], fill: impl FnOnce(&mut [f64])) {
        let q = self.q;
        let positive = d.iter().all(|&v| v >= 0.0);
        self.b.resize(len * q, 0.0);
        fill(&mut self.b[..len * q]);
        if !positive {
            self.a.resize(len * q, 0.0);
            self.a[..len * q].copy_from_slice(&self.b[..len * q]);
        }
        for (row, &dr) in self.b[..len * q].chunks_exact_mut(q).zip(d) {
            let f = if positive { dr.sqrt() } else { dr };
            for v in row {
                *v *= f;
            }
        }
        let b = MatRef::from_row_major_slice(&self.b[..len * q], len, q);
        if positive {
            triangular::matmul(
                &mut self.sum,
                BlockStructure::TriangularLower,
                Accum::Add,
                b.transpose(),
                BlockStructure::Rectangular,
                b,
                BlockStructure::Rectangular,
                1.0,
                Par::Seq,
            );
        } else {
            let a = MatRef::from_row_major_slice(&self.a[..len * q], len, q);
            faer::linalg::matmul::matmul(
                &mut self.sum,
                Accum::Add,
                a.transpose(),
                b,
                1.0,
                Par::Seq,
            );
        }
    }
}

/// The lower triangle copied onto the upper one (the sums keep the lower triangle only).
pub(crate) fn mirrored(mut m: Mat<f64>) -> Mat<f64> {
    for r in 0..m.nrows() {
        for c in r + 1..m.ncols() {
            m[(r, c)] = m[(c, r)];
        }
    }
    m
}

/// A square matrix as a row-major vector.
pub(crate) fn to_row_major(m: &Mat<f64>) -> Vec<f64> {
    let q = m.nrows();
    let mut out = vec![0.0; q * q];
    for r in 0..q {
        for c in 0..q {
            out[r * q + c] = m[(r, c)];
        }
    }
    out
}
