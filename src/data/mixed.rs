//! Numeric columns and categorical columns in one design: glum's split matrix (`tabmat`).
//!
//! A categorical column with L levels stands for L indicator features, x_ij = 1 when row i has
//! level j and 0 otherwise, but it is stored as one level index per row (a u32 code), never as
//! the m × L block. The kernels read the code:
//!
//! - z_i = x_i,numeric · w_numeric + Σ_blocks w_(offset + code_i): one gather per block;
//! - ∇ += Σ_i c_i x_i: g_(offset + code_i) += c_i, one scatter per block;
//! - the diagonal sums Σ_i c_i (x_ij − s_j)² of the indicator j, with S_j = Σ_(code_i = j) c_i
//!   and T = Σ_i c_i, are (1 − s_j)² S_j + s_j² (T − S_j): the rows with the level contribute
//!   (1 − s_j)², every other row s_j². So centring (standardisation) costs no density.
//!
//! A row whose code is [`NO_LEVEL`] has all indicators 0: a level unseen in training, or the
//! reference level when the first one is dropped. A column with 10,000 levels costs one u32 per
//! row and one gather and one scatter per row and pass, as a sparse column would.

use super::{Design, Features};
use std::ops::Range;

/// The code of a row with no indicator set.
pub const NO_LEVEL: u32 = u32::MAX;

/// One categorical column: its indicators are features `offset .. offset + levels` of the
/// design.
#[derive(Debug, Clone, PartialEq)]
pub struct Codes {
    pub offset: usize,
    pub levels: usize,
    /// One per row: the level index in 0..levels, or [`NO_LEVEL`].
    pub codes: Vec<u32>,
}

impl Codes {
    /// The feature index of row i's indicator, if it has one.
    #[inline]
    fn feature(&self, i: usize) -> Option<usize> {
        let c = self.codes[i];
        (c != NO_LEVEL).then(|| self.offset + c as usize)
    }
}

/// Numeric features first (columns 0 .. n₀, any storage), then each categorical block.
#[derive(Debug, Clone, PartialEq)]
pub struct MixedMatrix {
    numeric: Features,
    blocks: Vec<Codes>,
    features: usize,
}

impl MixedMatrix {
    /// `numeric` (m × n₀) beside `blocks`, which must be laid out one after another from n₀ and
    /// have m codes each, every code below its block's level count or [`NO_LEVEL`].
    pub fn new(numeric: Features, blocks: Vec<Codes>) -> Self {
        let m = numeric.design().n_rows();
        let mut next = numeric.design().n_features();
        for b in &blocks {
            assert_eq!(b.offset, next, "categorical blocks one after another");
            assert_eq!(b.codes.len(), m, "one code per row");
            debug_assert!(
                b.codes
                    .iter()
                    .all(|&c| c == NO_LEVEL || (c as usize) < b.levels)
            );
            next += b.levels;
        }
        MixedMatrix {
            numeric,
            blocks,
            features: next,
        }
    }

    pub fn numeric(&self) -> &Features {
        &self.numeric
    }

    pub fn blocks(&self) -> &[Codes] {
        &self.blocks
    }

    fn numeric_width(&self) -> usize {
        self.numeric.design().n_features()
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> MixedMatrix {
        let blocks = self
            .blocks
            .iter()
            .map(|b| Codes {
                codes: indices.iter().map(|&i| b.codes[i]).collect(),
                ..*b
            })
            .collect();
        MixedMatrix::new(self.numeric.select_rows(indices), blocks)
    }

    /// The numeric part stored sparse when at most `threshold` of it is non-zero.
    pub fn sparsify_numeric_if_below(self, threshold: f64) -> MixedMatrix {
        MixedMatrix {
            numeric: self.numeric.sparsify_if_below(threshold),
            ..self
        }
    }

    /// Stored entries: the numeric part's and one per row and block.
    pub fn stored(&self) -> f64 {
        let d = self.numeric.design();
        self.numeric.density() * (d.n_rows() * d.n_features()) as f64
            + (d.n_rows() * self.blocks.len()) as f64
    }

    /// z_(i,c) += w_(offset + code_i, c) for each block and each of the K classes (weights stored
    /// feature by feature, `wt[j·K + c]`): the indicators' part of x_i · w_c, one gather per row.
    fn add_block_dots(&self, rows: Range<usize>, wt: &[f64], k: usize, out: &mut [f64]) {
        for b in &self.blocks {
            for (z, i) in out.chunks_exact_mut(k).zip(rows.clone()) {
                if let Some(j) = b.feature(i) {
                    for (zc, wc) in z.iter_mut().zip(&wt[j * k..(j + 1) * k]) {
                        *zc += wc;
                    }
                }
            }
        }
    }

    /// g_(offset + code_i, c) += coef_(i,c) for each block and each of the K classes: the
    /// indicators' part of Σ_i coef_i x_i, one scatter per row.
    fn add_block_rows(&self, rows: Range<usize>, coef: &[f64], k: usize, g: &mut [f64]) {
        for b in &self.blocks {
            for (cr, i) in coef.chunks_exact(k).zip(rows.clone()) {
                if let Some(j) = b.feature(i) {
                    for (gc, c) in g[j * k..(j + 1) * k].iter_mut().zip(cr) {
                        *gc += c;
                    }
                }
            }
        }
    }

    /// For each block, h_j += (1 − s_j)² S_j + s_j² (T − S_j) for its indicators j, with the
    /// per-level sums S of `coef` (class c of K at `level·K + c`) and T the total per class.
    fn add_block_squares(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        k: usize,
        shift: Option<&[f64]>,
        h: &mut [f64],
    ) {
        let mut total = vec![0.0; k];
        for r in 0..rows.len() {
            for c in 0..k {
                total[c] += coef[r * k + c];
            }
        }
        for b in &self.blocks {
            let mut sums = vec![0.0; b.levels * k];
            for (r, i) in rows.clone().enumerate() {
                let code = b.codes[i];
                if code != NO_LEVEL {
                    for c in 0..k {
                        sums[code as usize * k + c] += coef[r * k + c];
                    }
                }
            }
            for level in 0..b.levels {
                let j = b.offset + level;
                let s = shift.map_or(0.0, |s| s[j]);
                for c in 0..k {
                    let with = sums[level * k + c];
                    let hit = 1.0 - s;
                    h[j * k + c] += hit * hit * with + s * s * (total[c] - with);
                }
            }
        }
    }
}

impl Design for MixedMatrix {
    fn n_rows(&self) -> usize {
        self.numeric.design().n_rows()
    }

    fn n_features(&self) -> usize {
        self.features
    }

    fn dots(&self, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
        let n0 = self.numeric_width();
        self.numeric.design().dots(rows.clone(), &w[..n0], out);
        self.add_block_dots(rows, w, 1, out);
    }

    fn add_rows(&self, rows: Range<usize>, coef: &[f64], g: &mut [f64]) {
        let n0 = self.numeric_width();
        self.numeric
            .design()
            .add_rows(rows.clone(), coef, &mut g[..n0]);
        self.add_block_rows(rows, coef, 1, g);
    }

    fn add_squared_rows(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
    ) {
        let n0 = self.numeric_width();
        self.numeric.design().add_squared_rows(
            rows.clone(),
            coef,
            shift.map(|s| &s[..n0]),
            &mut g[..n0],
        );
        self.add_block_squares(rows, coef, 1, shift, g);
    }

    fn add_rows_and_squares(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        curvature: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
        h: &mut [f64],
    ) {
        let n0 = self.numeric_width();
        self.numeric.design().add_rows_and_squares(
            rows.clone(),
            coef,
            curvature,
            shift.map(|s| &s[..n0]),
            &mut g[..n0],
            &mut h[..n0],
        );
        self.add_block_rows(rows.clone(), coef, 1, g);
        self.add_block_squares(rows, curvature, 1, shift, h);
    }

    fn dots_k(&self, rows: Range<usize>, wt: &[f64], k: usize, out: &mut [f64]) {
        let n0 = self.numeric_width();
        self.numeric
            .design()
            .dots_k(rows.clone(), &wt[..n0 * k], k, out);
        self.add_block_dots(rows, wt, k, out);
    }

    fn add_rows_k(&self, rows: Range<usize>, coef: &[f64], k: usize, g: &mut [f64]) {
        let n0 = self.numeric_width();
        self.numeric
            .design()
            .add_rows_k(rows.clone(), coef, k, &mut g[..n0 * k]);
        self.add_block_rows(rows, coef, k, g);
    }

    fn add_squares_k(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        k: usize,
        shift: Option<&[f64]>,
        h: &mut [f64],
    ) {
        let n0 = self.numeric_width();
        self.numeric.design().add_squares_k(
            rows.clone(),
            coef,
            k,
            shift.map(|s| &s[..n0]),
            &mut h[..n0 * k],
        );
        self.add_block_squares(rows, coef, k, shift, h);
    }

    fn row_values(&self, i: usize) -> Vec<f64> {
        let mut row = self.numeric.design().row_values(i);
        row.resize(self.features, 0.0);
        for b in &self.blocks {
            if let Some(j) = b.feature(i) {
                row[j] = 1.0;
            }
        }
        row
    }

    fn for_each_nonzero(&self, i: usize, f: &mut dyn FnMut(usize, f64)) {
        self.numeric.design().for_each_nonzero(i, f);
        for b in &self.blocks {
            if let Some(j) = b.feature(i) {
                f(j, 1.0);
            }
        }
    }

    fn precision(&self) -> &'static str {
        self.numeric.design().precision()
    }

    fn is_sparse(&self) -> bool {
        self.numeric.design().is_sparse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DenseMatrix;

    /// Two numeric columns and blocks of 3 and 2 levels (one row with no level), beside the
    /// same matrix written out with its indicators.
    fn pair() -> (MixedMatrix, DenseMatrix<f64>) {
        let numeric = vec![1.5, -2.0, 0.0, 3.0, 4.0, 0.5, -1.0, 2.0];
        let a = [0, 2, 1, 2];
        let b = [1, NO_LEVEL, 0, 1];
        let mixed = MixedMatrix::new(
            Features::Dense64(DenseMatrix::from_row_major(numeric.clone(), 4, 2)),
            vec![
                Codes {
                    offset: 2,
                    levels: 3,
                    codes: a.to_vec(),
                },
                Codes {
                    offset: 5,
                    levels: 2,
                    codes: b.to_vec(),
                },
            ],
        );
        let mut dense = Vec::new();
        for i in 0..4 {
            dense.extend_from_slice(&numeric[2 * i..2 * i + 2]);
            let mut ind = [0.0; 5];
            ind[a[i] as usize] = 1.0;
            if b[i] != NO_LEVEL {
                ind[3 + b[i] as usize] = 1.0;
            }
            dense.extend_from_slice(&ind);
        }
        (mixed, DenseMatrix::from_row_major(dense, 4, 7))
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-12 * (1.0 + y.abs()), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn every_kernel_matches_the_indicators_written_out() {
        let (mixed, dense) = pair();
        assert_eq!(mixed.n_features(), 7);
        let w = [0.3, -0.7, 1.0, 2.0, -3.0, 0.25, 0.5];
        let coef = [0.5, -1.0, 2.0, 0.25];
        let shift = [0.1, 0.2, 0.25, 0.5, 0.25, 0.3, 0.6];
        let (mut z1, mut z2) = (vec![0.0; 3], vec![0.0; 3]);
        mixed.dots(1..4, &w, &mut z1);
        dense.dots(1..4, &w, &mut z2);
        close(&z1, &z2);
        for s in [None, Some(&shift[..])] {
            let (mut g1, mut h1, mut g2, mut h2) =
                (vec![0.0; 7], vec![0.0; 7], vec![0.0; 7], vec![0.0; 7]);
            mixed.add_rows_and_squares(0..4, &coef, &coef, s, &mut g1, &mut h1);
            dense.add_rows(0..4, &coef, &mut g2);
            dense.add_squared_rows(0..4, &coef, s, &mut h2);
            close(&g1, &g2);
            close(&h1, &h2);
            let mut h3 = vec![0.0; 7];
            mixed.add_squared_rows(0..4, &coef, s, &mut h3);
            close(&h3, &h2);
        }
        // K = 2 classes.
        let wt: Vec<f64> = w.iter().flat_map(|&v| [v, -2.0 * v]).collect();
        let coef2: Vec<f64> = coef.iter().flat_map(|&v| [v, v * v]).collect();
        let (mut z1, mut z2) = (vec![0.0; 8], vec![0.0; 8]);
        mixed.dots_k(0..4, &wt, 2, &mut z1);
        crate::data::dots_one_class_at_a_time(&dense, 0..4, &wt, 2, &mut z2);
        close(&z1, &z2);
        let (mut g1, mut g2) = (vec![0.0; 14], vec![0.0; 14]);
        mixed.add_rows_k(0..4, &coef2, 2, &mut g1);
        crate::data::rows_one_class_at_a_time(&dense, 0..4, &coef2, 2, &mut g2);
        close(&g1, &g2);
        let (mut h1, mut h2) = (vec![0.0; 14], vec![0.0; 14]);
        mixed.add_squares_k(0..4, &coef2, 2, Some(&shift), &mut h1);
        crate::data::squares_one_class_at_a_time(&dense, 0..4, &coef2, 2, Some(&shift), &mut h2);
        close(&h1, &h2);
        for i in 0..4 {
            close(&mixed.row_values(i), &dense.row_values(i));
            let (mut a, mut b) = (Vec::new(), Vec::new());
            mixed.for_each_nonzero(i, &mut |j, v| a.push((j, v)));
            dense.for_each_nonzero(i, &mut |j, v| b.push((j, v)));
            assert_eq!(a, b);
        }
        let picked = mixed.select_rows(&[3, 1]);
        close(&picked.row_values(0), &dense.row_values(3));
        close(&picked.row_values(1), &dense.row_values(1));
    }
}
