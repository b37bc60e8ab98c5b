//! Compressed sparse rows: f32 (or f64) values, u32 column indices, f64 sums.
//!
//! Row i holds the pairs (indices\[k\], values\[k\]) for k in indptr\[i\]..indptr\[i + 1\], columns in
//! increasing order. The kernels touch only the stored entries:
//!
//! - `dots`:     out_i = Σ_k values\[k\]·w\[indices[k\]]
//! - `add_rows`: g\[indices[k\]] += c_i·values\[k\]
//!
//! so a pass costs O(non-zeros), never O(rows × features). Standardisation of sparse data
//! scales without centering (see [`crate::standardize`]), which keeps zeros zero.

use super::Design;
use super::dense::Element;
use std::ops::Range;

/// An m × n sparse matrix in CSR form.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix<T> {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<T>,
    cols: usize,
}

impl<T: Element> CsrMatrix<T> {
    /// Builds a matrix from its parts. The parts must be consistent (checked): `indptr` starts
    /// at 0, never decreases and ends at `indices.len() == values.len()`; indices in a row are
    /// strictly increasing and below `cols`.
    pub fn from_parts(indptr: Vec<usize>, indices: Vec<u32>, values: Vec<T>, cols: usize) -> Self {
        assert_eq!(indptr.first(), Some(&0), "indptr starts at 0");
        assert_eq!(*indptr.last().unwrap(), indices.len(), "indptr ends at nnz");
        assert_eq!(indices.len(), values.len(), "one value per index");
        for r in indptr.windows(2) {
            assert!(r[0] <= r[1], "indptr never decreases");
            let row = &indices[r[0]..r[1]];
            assert!(
                row.windows(2).all(|p| p[0] < p[1]),
                "indices increase within a row"
            );
            assert!(
                row.last().is_none_or(|&j| (j as usize) < cols),
                "index below cols"
            );
        }
        CsrMatrix {
            indptr,
            indices,
            values,
            cols,
        }
    }

    /// The stored entries of row i.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[T]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// Row i's stored entries as (column, value), in column order.
    #[inline(always)]
    fn entries(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (idx, val) = self.row(i);
        idx.iter().zip(val).map(|(&j, v)| (j as usize, v.to_f64()))
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, rows: &[usize]) -> Self {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for &i in rows {
            let (idx, val) = self.row(i);
            indices.extend_from_slice(idx);
            values.extend_from_slice(val);
            indptr.push(indices.len());
        }
        CsrMatrix {
            indptr,
            indices,
            values,
            cols: self.cols,
        }
    }

    /// Only the columns `keep` (increasing), renumbered 0, 1, …: entries of other columns are
    /// dropped.
    pub fn select_columns(&self, keep: &[usize]) -> Self {
        assert!(keep.windows(2).all(|p| p[0] < p[1]), "columns increase");
        let mut at = vec![u32::MAX; self.cols];
        for (k, &j) in keep.iter().enumerate() {
            at[j] = k as u32;
        }
        let mut indptr = Vec::with_capacity(self.indptr.len());
        indptr.push(0);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for i in 0..self.indptr.len() - 1 {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let k = at[j as usize];
                if k != u32::MAX {
                    indices.push(k);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        CsrMatrix {
            indptr,
            indices,
            values,
            cols: keep.len(),
        }
    }

    /// The same matrix with `cols` columns (at least as many as it has).
    pub fn with_cols(mut self, cols: usize) -> Self {
        assert!(cols >= self.cols, "cannot drop columns");
        self.cols = cols;
        self
    }

    /// A dense matrix's non-zero entries in CSR form.
    pub fn from_dense(dense: &super::DenseMatrix<T>) -> Self {
        let (rows, cols) = (dense.n_rows(), dense.n_features());
        let mut indptr = Vec::with_capacity(rows + 1);
        indptr.push(0);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for i in 0..rows {
            for (j, &v) in dense.row(i).iter().enumerate() {
                if v.to_f64() != 0.0 {
                    indices.push(j as u32);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        CsrMatrix {
            indptr,
            indices,
            values,
            cols,
        }
    }
}

/// w\[j\] for a stored column index j, without a bounds check (a good part of a gather's cost).
///
/// # Safety
/// j < w.len(). The kernels meet it thus: every stored index is below the matrix's `cols`
/// (checked when the matrix is built, and `cols` never shrinks), and they assert once that their
/// vectors have at least `cols` entries.
#[inline(always)]
unsafe fn gather(w: &[f64], j: u32) -> f64 {
    debug_assert!((j as usize) < w.len());
    // SAFETY: j < w.len() by the caller.
    unsafe { *w.get_unchecked(j as usize) }
}

/// g\[j\] for a stored column index j, for adding into, without a bounds check.
///
/// # Safety
/// j < g.len(), as for [`gather`].
#[inline(always)]
unsafe fn scatter(g: &mut [f64], j: u32) -> &mut f64 {
    debug_assert!((j as usize) < g.len());
    // SAFETY: j < g.len() by the caller.
    unsafe { g.get_unchecked_mut(j as usize) }
}

impl<T: Element> Design for CsrMatrix<T> {
    fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    fn stored(&self) -> usize {
        self.nnz()
    }

    fn columns_of(&self, slot: &[u32], width: usize) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
        super::columns::by_columns(self.n_rows(), slot, width, |i| self.entries(i))
    }

    fn n_features(&self) -> usize {
        self.cols
    }

    fn dots(&self, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
        assert!(w.len() >= self.cols, "w shorter than a row");
        debug_assert_eq!(out.len(), rows.len(), "one output per row");
        for (o, i) in out.iter_mut().zip(rows) {
            let (idx, val) = self.row(i);
            // Four partial sums in a fixed order: the gathers overlap instead of waiting on
            // one chain of additions.
            let mut acc = [0.0f64; 4];
            let (ic, vc) = (idx.chunks_exact(4), val.chunks_exact(4));
            let mut tail = 0.0;
            for (&j, v) in ic.remainder().iter().zip(vc.remainder()) {
                // SAFETY: a stored index j < cols ≤ w.len() (asserted above).
                tail += v.to_f64() * unsafe { gather(w, j) };
            }
            for (jj, vv) in ic.zip(vc) {
                for k in 0..4 {
                    // SAFETY: a stored index < cols ≤ w.len() (asserted above).
                    acc[k] += vv[k].to_f64() * unsafe { gather(w, jj[k]) };
                }
            }
            *o = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail;
        }
    }

    fn add_rows(&self, rows: Range<usize>, coef: &[f64], g: &mut [f64]) {
        assert!(g.len() >= self.cols, "g shorter than a row");
        debug_assert_eq!(coef.len(), rows.len(), "one coefficient per row");
        for (&c, i) in coef.iter().zip(rows) {
            if c != 0.0 {
                let (idx, val) = self.row(i);
                for (&j, v) in idx.iter().zip(val) {
                    // SAFETY: a stored index j < cols ≤ g.len() (asserted above).
                    *unsafe { scatter(g, j) } += c * v.to_f64();
                }
            }
        }
    }

    fn add_squared_rows(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
    ) {
        debug_assert_eq!(coef.len(), rows.len(), "one coefficient per row");
        debug_assert!(
            shift.is_none_or(|s| s.len() == g.len()),
            "one shift per column"
        );
        // Σ c (x − s)² = Σ c x² − 2s Σ c x + s² Σ c; the zeros contribute only the last term.
        if let Some(s) = shift {
            let total: f64 = coef.iter().sum();
            for (gj, sj) in g.iter_mut().zip(s) {
                *gj += sj * sj * total;
            }
        }
        for (&c, i) in coef.iter().zip(rows) {
            let (idx, val) = self.row(i);
            for (&j, v) in idx.iter().zip(val) {
                let (x, sj) = (v.to_f64(), shift.map_or(0.0, |s| s[j as usize]));
                g[j as usize] += c * (x * x - 2.0 * sj * x);
            }
        }
    }

    /// Without a shift, both sums share one sweep over each row's entries.
    fn add_rows_and_squares(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        curvature: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
        h: &mut [f64],
    ) {
        if shift.is_some() {
            return super::add_rows_then_squares(self, rows, coef, curvature, shift, g, h);
        }
        assert!(
            g.len() >= self.cols && h.len() >= self.cols,
            "sums shorter than a row"
        );
        debug_assert_eq!(coef.len(), rows.len(), "one coefficient per row");
        debug_assert_eq!(curvature.len(), rows.len(), "one curvature per row");
        for ((&c, &d), i) in coef.iter().zip(curvature).zip(rows) {
            let (idx, val) = self.row(i);
            for (&j, v) in idx.iter().zip(val) {
                let x = v.to_f64();
                // SAFETY: a stored index j < cols ≤ g.len(), h.len() (asserted above).
                unsafe {
                    *scatter(g, j) += c * x;
                    *scatter(h, j) += d * (x * x);
                }
            }
        }
    }

    fn dots_k(&self, rows: Range<usize>, wt: &[f64], k: usize, out: &mut [f64]) {
        assert!(wt.len() >= self.cols * k && out.len() >= rows.len() * k);
        super::multi::dots(rows, |i| self.entries(i), wt, k, out)
    }

    fn add_rows_k(&self, rows: Range<usize>, coef: &[f64], k: usize, g: &mut [f64]) {
        assert!(g.len() >= self.cols * k && coef.len() >= rows.len() * k);
        super::multi::add_rows(rows, |i| self.entries(i), coef, k, g)
    }

    /// Without a shift, one sweep over each row's entries (the zeros add nothing).
    fn add_squares_k(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        k: usize,
        shift: Option<&[f64]>,
        h: &mut [f64],
    ) {
        if shift.is_some() {
            // Every column, zeros included: one class at a time.
            return super::squares_one_class_at_a_time(self, rows, coef, k, shift, h);
        }
        assert!(h.len() >= self.cols * k && coef.len() >= rows.len() * k);
        super::multi::add_squares(rows, |i| self.entries(i), coef, k, None, h)
    }

    fn row_values(&self, i: usize) -> Vec<f64> {
        let mut dense = vec![0.0; self.cols];
        let (idx, val) = self.row(i);
        for (&j, v) in idx.iter().zip(val) {
            dense[j as usize] = v.to_f64();
        }
        dense
    }

    fn for_each_nonzero(&self, i: usize, f: &mut dyn FnMut(usize, f64)) {
        let (idx, val) = self.row(i);
        for (&j, v) in idx.iter().zip(val) {
            f(j as usize, v.to_f64());
        }
    }

    fn precision(&self) -> &'static str {
        T::NAME
    }

    fn is_sparse(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DenseMatrix;

    #[test]
    fn kernels_match_the_dense_matrix() {
        let values = vec![0.0, 2.0, 0.0, 1.0, 0.0, 0.0, -3.0, 0.5, 4.0];
        let dense = DenseMatrix::from_row_major(values, 3, 3);
        let sparse = CsrMatrix::from_dense(&dense);
        assert_eq!(sparse.nnz(), 5);
        let w = [0.5, -1.0, 2.0];
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        dense.dots(0..3, &w, &mut a);
        sparse.dots(0..3, &w, &mut b);
        assert_eq!(a, b);
        let c = [1.0, -2.0, 0.5];
        let (mut ga, mut gb) = (vec![0.0; 3], vec![0.0; 3]);
        dense.add_rows(0..3, &c, &mut ga);
        sparse.add_rows(0..3, &c, &mut gb);
        assert_eq!(ga, gb);
        let shift = [0.25, 1.0, -1.0];
        for s in [None, Some(&shift[..])] {
            let (mut ha, mut hb) = (vec![0.0; 3], vec![0.0; 3]);
            dense.add_squared_rows(0..3, &c, s, &mut ha);
            sparse.add_squared_rows(0..3, &c, s, &mut hb);
            for (x, y) in ha.iter().zip(&hb) {
                assert!((x - y).abs() < 1e-12);
            }
        }
        let d = [0.25, 0.5, 2.0];
        for s in [None, Some(&shift[..])] {
            let (mut g, mut h) = (vec![1.0; 3], vec![-1.0; 3]);
            sparse.add_rows_and_squares(0..3, &c, &d, s, &mut g, &mut h);
            let (mut g_apart, mut h_apart) = (vec![1.0; 3], vec![-1.0; 3]);
            sparse.add_rows(0..3, &c, &mut g_apart);
            sparse.add_squared_rows(0..3, &d, s, &mut h_apart);
            assert_eq!((g, h), (g_apart, h_apart), "shift {s:?}");
        }
        assert_eq!(sparse.row_values(2), vec![-3.0, 0.5, 4.0]);
    }
}
