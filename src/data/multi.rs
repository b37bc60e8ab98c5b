//! The K-neuron kernels: K dot products per row, and the K-column accumulation of the backward
//! pass, reading each row once.
//!
//! With the K weight vectors stored feature by feature, wt\[j·K + k\] = w_k,j, a row's logits are
//!
//!   z_k = Σ_j x_j · wt\[j·K + k\]      (for every stored entry x_j of the row, all K at once)
//!
//! and the backward pass adds g\[j·K + k\] += x_j · dz_k. Each entry of the row is read once and
//! meets a contiguous run of K weights, so the row is not read K times and the inner loop over
//! k vectorises for dense and sparse rows alike. Sums run over the entries in column order, one
//! rounding per product and per addition, in the same order on every machine.

use std::ops::Range;

/// z\[r·K + k\] = x_r · w_k for the rows `rows` given by `entries(i)` (their stored entries as
/// (column, value), in column order).
#[inline(always)]
pub(crate) fn dots<I: Iterator<Item = (usize, f64)>>(
    rows: Range<usize>,
    entries: impl Fn(usize) -> I,
    wt: &[f64],
    k: usize,
    out: &mut [f64],
) {
    debug_assert_eq!(out.len(), rows.len() * k, "K outputs per row");
    for (o, i) in out.chunks_exact_mut(k).zip(rows) {
        o.fill(0.0);
        for (j, x) in entries(i) {
            let w = &wt[j * k..j * k + k];
            for (o, w) in o.iter_mut().zip(w) {
                *o += x * w;
            }
        }
    }
}

/// g\[j·K + k\] += Σ_r coef\[r·K + k\] · x_rj.
#[inline(always)]
pub(crate) fn add_rows<I: Iterator<Item = (usize, f64)>>(
    rows: Range<usize>,
    entries: impl Fn(usize) -> I,
    coef: &[f64],
    k: usize,
    g: &mut [f64],
) {
    debug_assert_eq!(coef.len(), rows.len() * k, "K coefficients per row");
    for (c, i) in coef.chunks_exact(k).zip(rows) {
        for (j, x) in entries(i) {
            let gj = &mut g[j * k..j * k + k];
            for (g, c) in gj.iter_mut().zip(c) {
                *g += x * c;
            }
        }
    }
}

/// h\[j·K + k\] += Σ_r coef\[r·K + k\] · (x_rj − shift_j)² over every column j (`entries` must
/// give every column, zeros included, when there is a shift).
#[inline(always)]
pub(crate) fn add_squares<I: Iterator<Item = (usize, f64)>>(
    rows: Range<usize>,
    entries: impl Fn(usize) -> I,
    coef: &[f64],
    k: usize,
    shift: Option<&[f64]>,
    h: &mut [f64],
) {
    debug_assert_eq!(coef.len(), rows.len() * k, "K coefficients per row");
    for (c, i) in coef.chunks_exact(k).zip(rows) {
        for (j, x) in entries(i) {
            let d = x - shift.map_or(0.0, |s| s[j]);
            let d2 = d * d;
            let hj = &mut h[j * k..j * k + k];
            for (h, c) in hj.iter_mut().zip(c) {
                *h += c * d2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::data::{CsrMatrix, DenseMatrix, Design};

    #[test]
    fn fused_kernels_match_one_class_at_a_time() {
        let (m, n, k) = (7, 5, 3);
        let values: Vec<f64> = (0..m * n)
            .map(|v| {
                if v % 3 == 0 {
                    0.0
                } else {
                    (v as f64 * 0.37).sin()
                }
            })
            .collect();
        let dense = DenseMatrix::from_row_major(values, m, n);
        let sparse = CsrMatrix::from_dense(&dense);
        let wt: Vec<f64> = (0..n * k).map(|v| (v as f64 * 0.11).cos()).collect();
        let coef: Vec<f64> = (0..m * k).map(|v| (v as f64 * 0.7).sin()).collect();
        let shift: Vec<f64> = (0..n).map(|j| 0.1 * j as f64).collect();
        for x in [&dense as &dyn Design, &sparse] {
            let mut z = vec![0.0; m * k];
            x.dots_k(0..m, &wt, k, &mut z);
            let mut g = vec![0.0; n * k];
            x.add_rows_k(0..m, &coef, k, &mut g);
            let mut h = vec![0.0; n * k];
            let s = (!x.is_sparse()).then_some(&shift[..]);
            x.add_squares_k(0..m, &coef, k, s, &mut h);
            for c in 0..k {
                let w: Vec<f64> = (0..n).map(|j| wt[j * k + c]).collect();
                let mut zc = vec![0.0; m];
                x.dots(0..m, &w, &mut zc);
                let cc: Vec<f64> = (0..m).map(|r| coef[r * k + c]).collect();
                let mut gc = vec![0.0; n];
                x.add_rows(0..m, &cc, &mut gc);
                let mut hc = vec![0.0; n];
                x.add_squared_rows(0..m, &cc, s, &mut hc);
                for r in 0..m {
                    assert!((z[r * k + c] - zc[r]).abs() < 1e-14);
                }
                for j in 0..n {
                    assert!((g[j * k + c] - gc[j]).abs() < 1e-14);
                    assert!((h[j * k + c] - hc[j]).abs() < 1e-13);
                }
            }
        }
    }
}
