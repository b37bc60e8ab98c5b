//! Dense row-major feature storage, f32 or f64, with the two kernels every solver needs.
//!
//! For a block of rows i the kernels compute
//!
//! - `dots`:     out_i = x_i · w                       (the forward pass, z without b)
//! - `add_rows`: g += Σ_i c_i · x_i                     (the backward pass, Xᵀ(a − y) for c = a − y)
//!
//! All arithmetic is in f64 whatever the storage type. The dot product keeps eight partial sums,
//! combined in a fixed order, so the compiler can vectorise it while the result stays the same
//! on every machine and thread count.

use super::Design;
use std::ops::Range;

/// A storage element type: f32 (the default, half the memory traffic) or f64.
pub trait Element: Copy + Send + Sync + Default + std::fmt::Debug + 'static {
    /// Name used in messages and model files.
    const NAME: &'static str;
    fn to_f64(self) -> f64;
    /// Converts a parsed value, or `None` if it does not fit (f32 overflow).
    fn from_f64(v: f64) -> Option<Self>;
}

impl Element for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn from_f64(v: f64) -> Option<Self> {
        let x = v as f32;
        x.is_finite().then_some(x)
    }
}

impl Element for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    fn from_f64(v: f64) -> Option<Self> {
        v.is_finite().then_some(v)
    }
}

/// An m × n matrix stored by rows.
#[derive(Debug, Clone, PartialEq)]
pub struct DenseMatrix<T> {
    values: Vec<T>,
    rows: usize,
    cols: usize,
}

impl<T: Element> DenseMatrix<T> {
    /// Wraps row-major `values`; `values.len()` must be `rows * cols`.
    pub fn from_row_major(values: Vec<T>, rows: usize, cols: usize) -> Self {
        assert_eq!(values.len(), rows * cols, "dense matrix of the wrong size");
        DenseMatrix { values, rows, cols }
    }

    /// Row i as a slice.
    #[inline]
    pub fn row(&self, i: usize) -> &[T] {
        &self.values[i * self.cols..(i + 1) * self.cols]
    }

    /// (non-zero entries, all entries).
    pub fn count_nonzero(&self) -> (usize, usize) {
        (
            self.values.iter().filter(|v| v.to_f64() != 0.0).count(),
            self.values.len(),
        )
    }

    /// The rows at `indices`, in that order, as a new matrix.
    pub fn select_rows(&self, indices: &[usize]) -> Self {
        let mut values = Vec::with_capacity(indices.len() * self.cols);
        for &i in indices {
            values.extend_from_slice(self.row(i));
        }
        DenseMatrix::from_row_major(values, indices.len(), self.cols)
    }
}

/// x · w with eight partial sums added in a fixed order.
#[inline(always)]
pub fn dot<T: Element>(x: &[T], w: &[f64]) -> f64 {
    const LANES: usize = 8;
    let mut acc = [0.0f64; LANES];
    let xs = x.chunks_exact(LANES);
    let ws = w.chunks_exact(LANES);
    let (x_tail, w_tail) = (xs.remainder(), ws.remainder());
    for (xc, wc) in xs.zip(ws) {
        for k in 0..LANES {
            acc[k] += xc[k].to_f64() * wc[k];
        }
    }
    let mut tail = 0.0;
    for (xv, wv) in x_tail.iter().zip(w_tail) {
        tail += xv.to_f64() * wv;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// g += c · x.
#[inline(always)]
pub fn axpy<T: Element>(c: f64, x: &[T], g: &mut [f64]) {
    for (gj, xj) in g.iter_mut().zip(x) {
        *gj += c * xj.to_f64();
    }
}

#[inline(always)]
fn dots<T: Element>(x: &DenseMatrix<T>, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
    for (o, i) in out.iter_mut().zip(rows) {
        *o = dot(x.row(i), w);
    }
}

#[inline(always)]
fn add_rows<T: Element>(x: &DenseMatrix<T>, rows: Range<usize>, coef: &[f64], g: &mut [f64]) {
    for (&c, i) in coef.iter().zip(rows) {
        if c != 0.0 {
            axpy(c, x.row(i), g);
        }
    }
}

/// The same kernels compiled for AVX2, chosen at run time. The arithmetic and its order are
/// the same as the portable versions (no fused multiply-add), so results are identical.
#[cfg(target_arch = "x86_64")]
mod wide {
    use super::{DenseMatrix, Element};
    use std::ops::Range;

    #[target_feature(enable = "avx2")]
    pub fn dots<T: Element>(x: &DenseMatrix<T>, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
        super::dots(x, rows, w, out)
    }

    #[target_feature(enable = "avx2")]
    pub fn add_rows<T: Element>(
        x: &DenseMatrix<T>,
        rows: Range<usize>,
        coef: &[f64],
        g: &mut [f64],
    ) {
        super::add_rows(x, rows, coef, g)
    }
}

impl<T: Element> Design for DenseMatrix<T> {
    fn n_rows(&self) -> usize {
        self.rows
    }

    fn n_features(&self) -> usize {
        self.cols
    }

    fn dots(&self, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { wide::dots(self, rows, w, out) };
        }
        dots(self, rows, w, out)
    }

    fn add_rows(&self, rows: Range<usize>, coef: &[f64], g: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { wide::add_rows(self, rows, coef, g) };
        }
        add_rows(self, rows, coef, g)
    }

    fn add_squared_rows(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
    ) {
        let zeros;
        let shift = match shift {
            Some(s) => s,
            None => {
                zeros = vec![0.0; self.cols];
                &zeros
            }
        };
        for (&c, i) in coef.iter().zip(rows) {
            for ((gj, xj), s) in g.iter_mut().zip(self.row(i)).zip(shift) {
                let d = xj.to_f64() - s;
                *gj += c * d * d;
            }
        }
    }

    fn row_values(&self, i: usize) -> Vec<f64> {
        self.row(i).iter().map(|v| v.to_f64()).collect()
    }

    fn for_each_nonzero(&self, i: usize, f: &mut dyn FnMut(usize, f64)) {
        for (j, v) in self.row(i).iter().enumerate() {
            if v.to_f64() != 0.0 {
                f(j, v.to_f64());
            }
        }
    }

    fn precision(&self) -> &'static str {
        T::NAME
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive_sum_for_every_tail_length() {
        for n in 0..20 {
            let x: Vec<f64> = (0..n).map(|j| j as f64 * 0.5 - 2.0).collect();
            let w: Vec<f64> = (0..n).map(|j| 1.0 / (j as f64 + 1.0)).collect();
            let naive: f64 = x.iter().zip(&w).map(|(a, b)| a * b).sum();
            assert!((dot(&x, &w) - naive).abs() < 1e-12, "n = {n}");
        }
    }
}
