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
    /// Four consecutive values widened to f64 lanes.
    ///
    /// # Safety
    /// `p..p + 4` must be readable and the CPU must have AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn load4(p: *const Self) -> std::arch::x86_64::__m256d;
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
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load4(p: *const Self) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::{_mm_loadu_ps, _mm256_cvtps_pd};
        // SAFETY: forwarded to the caller.
        unsafe { _mm256_cvtps_pd(_mm_loadu_ps(p)) }
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
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load4(p: *const Self) -> std::arch::x86_64::__m256d {
        // SAFETY: forwarded to the caller.
        unsafe { std::arch::x86_64::_mm256_loadu_pd(p) }
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

/// Partial sums of the dot product: lane k adds the products at positions ≡ k (mod 16).
const LANES: usize = 16;

/// x · w with sixteen partial sums combined in a fixed tree, then the tail: the same numbers,
/// in the same order, as the AVX2 version in `wide`, so both give identical results.
#[inline(always)]
pub fn dot<T: Element>(x: &[T], w: &[f64]) -> f64 {
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
    let v: [f64; 4] = std::array::from_fn(|k| (acc[k] + acc[8 + k]) + (acc[4 + k] + acc[12 + k]));
    ((v[0] + v[1]) + (v[2] + v[3])) + tail
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

/// The same kernels written with AVX2 intrinsics, chosen at run time. The arithmetic and its
/// order are those of the portable [`dot`] and [`axpy`] (no fused multiply-add), so results are
/// identical on every machine.
#[cfg(target_arch = "x86_64")]
mod wide {
    use super::{DenseMatrix, Element, LANES};
    use std::arch::x86_64::*;
    use std::ops::Range;

    #[target_feature(enable = "avx2")]
    fn dot<T: Element>(x: &[T], w: &[f64]) -> f64 {
        let n = x.len().min(w.len());
        let body = n / LANES * LANES;
        let (xp, wp) = (x.as_ptr(), w.as_ptr());
        let mut acc = [_mm256_setzero_pd(); 4];
        let mut i = 0;
        while i < body {
            for (q, a) in acc.iter_mut().enumerate() {
                // SAFETY: i + 4q + 4 ≤ body ≤ n, within both slices; the CPU has AVX2.
                let (xv, wv) = unsafe {
                    (
                        T::load4(xp.add(i + 4 * q)),
                        _mm256_loadu_pd(wp.add(i + 4 * q)),
                    )
                };
                *a = _mm256_add_pd(*a, _mm256_mul_pd(xv, wv));
            }
            i += LANES;
        }
        let mut tail = 0.0;
        for j in body..n {
            tail += x[j].to_f64() * w[j];
        }
        // acc[q] lane k is the portable acc[4q + k].
        let v = _mm256_add_pd(_mm256_add_pd(acc[0], acc[2]), _mm256_add_pd(acc[1], acc[3]));
        let mut l = [0.0; 4];
        // SAFETY: l has room for four lanes.
        unsafe { _mm256_storeu_pd(l.as_mut_ptr(), v) };
        ((l[0] + l[1]) + (l[2] + l[3])) + tail
    }

    #[target_feature(enable = "avx2")]
    fn axpy<T: Element>(c: f64, x: &[T], g: &mut [f64]) {
        let n = x.len().min(g.len());
        let body = n / 4 * 4;
        let cv = _mm256_set1_pd(c);
        let (xp, gp) = (x.as_ptr(), g.as_mut_ptr());
        let mut j = 0;
        while j < body {
            // SAFETY: j + 4 ≤ body ≤ n, within both slices; the CPU has AVX2.
            unsafe {
                let sum = _mm256_add_pd(
                    _mm256_loadu_pd(gp.add(j)),
                    _mm256_mul_pd(cv, T::load4(xp.add(j))),
                );
                _mm256_storeu_pd(gp.add(j), sum);
            }
            j += 4;
        }
        for k in body..n {
            g[k] += c * x[k].to_f64();
        }
    }

    /// Which cache lines of a row to prefetch: `dots` asks for the first half, `add_rows` for
    /// the rest.
    #[derive(Clone, Copy)]
    enum Half {
        First,
        Second,
    }

    /// Prefetches into L2 one half of the cache lines of row `i` of `x` (nothing past the last
    /// row).
    #[inline(always)]
    fn prefetch_half_row<T: Element>(x: &DenseMatrix<T>, i: usize, half: Half) {
        if let Some(next) = x.values.get(i * x.cols..(i + 1) * x.cols) {
            let bytes = std::mem::size_of_val(next);
            let middle = bytes.div_ceil(128) * 64;
            let lines = match half {
                Half::First => 0..middle,
                Half::Second => middle..bytes,
            };
            let base = next.as_ptr().cast::<i8>();
            for offset in lines.step_by(64) {
                // SAFETY: the address lies inside `next`; prefetching never faults.
                unsafe { _mm_prefetch::<_MM_HINT_T1>(base.add(offset)) };
            }
        }
    }

    /// Computes a block's dot products while asking for the first half of each row one block
    /// ahead to be fetched into L2; `add_rows` asks for the second halves. The memory reads of
    /// the next block then overlap both phases of this one, at about the rate one core can
    /// sustain, instead of bursting during one phase. L2, not L1 (`_MM_HINT_T1`, not `T0`): a
    /// block of wide rows is larger than L1, and pulling it into L1 evicted the block being
    /// worked on. Measured on a Zen 4 VM with `--example kernels`, 1,000,000 × 100, two threads:
    /// fused pass 25–28 ms prefetching into L1 during `add_rows` only, 19–25 ms into L2, 18–18.4
    /// ms (against 18.8–20.5 in the same interleaved runs) with the halves split across phases;
    /// no prefetch at all was slower than any of them.
    #[target_feature(enable = "avx2")]
    pub fn dots<T: Element>(x: &DenseMatrix<T>, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
        let ahead = rows.len();
        for (o, i) in out.iter_mut().zip(rows) {
            prefetch_half_row(x, i + ahead, Half::First);
            *o = dot(x.row(i), w);
        }
    }

    /// Also asks for the second half of each row one block ahead (see [`dots`]) to be fetched
    /// into L2.
    #[target_feature(enable = "avx2")]
    pub fn add_rows<T: Element>(
        x: &DenseMatrix<T>,
        rows: Range<usize>,
        coef: &[f64],
        g: &mut [f64],
    ) {
        let ahead = rows.len();
        for (&c, i) in coef.iter().zip(rows) {
            prefetch_half_row(x, i + ahead, Half::Second);
            if c != 0.0 {
                axpy(c, x.row(i), g);
            }
        }
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
    #[cfg(target_arch = "x86_64")]
    fn avx2_kernels_are_bit_identical_to_portable_ones() {
        if !std::is_x86_feature_detected!("avx2") {
            return;
        }
        let (m, n) = (7, 53);
        let values: Vec<f32> = (0..m * n)
            .map(|k| ((k * 7919) % 997) as f32 / 97.0 - 5.0)
            .collect();
        let x = DenseMatrix::from_row_major(values, m, n);
        let w: Vec<f64> = (0..n).map(|j| (j as f64).sin()).collect();
        let (mut a, mut b) = (vec![0.0; m], vec![0.0; m]);
        dots(&x, 0..m, &w, &mut a);
        // SAFETY: AVX2 detected above.
        unsafe { wide::dots(&x, 0..m, &w, &mut b) };
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        let coef: Vec<f64> = (0..m).map(|i| i as f64 * 0.37 - 1.0).collect();
        let (mut ga, mut gb) = (vec![0.5; n], vec![0.5; n]);
        add_rows(&x, 0..m, &coef, &mut ga);
        // SAFETY: AVX2 detected above.
        unsafe { wide::add_rows(&x, 0..m, &coef, &mut gb) };
        assert_eq!(ga, gb);
    }

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
