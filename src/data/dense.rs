//! Dense row-major feature storage, f32 or f64, with the two kernels every solver needs.
//!
//! For a block of rows i the kernels compute
//!
//! - `dots`:     out_i = x_i · w                       (the forward pass, z without b)
//! - `add_rows`: g += Σ_i c_i · x_i                     (the backward pass, Xᵀ(a − y) for c = a − y)
//!
//! All arithmetic is in f64 whatever the storage type, each product added with one rounding (a
//! fused multiply-add). The dot product keeps eight partial sums, combined in a fixed order, so
//! it vectorises while the result stays the same on every machine and thread count.
//!
//! The AVX2 kernels work on four rows at once: `dots` loads each stretch of w once for the four
//! rows and keeps eight independent chains of additions in flight, `add_rows` loads and stores
//! each stretch of g once for four rows. On a Zen 4 core, with a block in L2, that took the two
//! kernels from ~0.105 to ~0.08 ns per element each (one row at a time, multiply then add),
//! and a fused J + ∇J pass over 1,000,000 × 100 f32 on two threads from 19–26 ms to 16–19 ms
//! (`--example kernels`, interleaved runs).
//!
//! K neurons (the multinomial model) get their own register-blocked kernels, [`Design::dots_k`]
//! and [`Design::add_rows_k`] for K columns at once, in `tiles` (AVX2 and FMA, K ≥ 8; otherwise
//! the trait's defaults): the same sums in the same order as K calls of `dots` and `add_rows`,
//! so the same bits.

use super::Design;
use std::ops::Range;

#[cfg(target_arch = "x86_64")]
mod tiles;

/// A storage element type: f32 (the default, half the memory traffic) or f64.
pub trait Element: Copy + Send + Sync + Default + std::fmt::Debug + 'static {
    /// Name used in messages and model files.
    const NAME: &'static str;
    fn to_f64(self) -> f64;
    /// Converts a parsed value, or `None` if it does not fit (f32 overflow).
    fn from_f64(v: f64) -> Option<Self>;
    /// A matrix of this element type as [`super::Features`].
    fn into_features(m: DenseMatrix<Self>) -> super::Features
    where
        Self: Sized;
    /// Four consecutive values widened to f64 lanes.
    ///
    /// # Safety
    /// `p..p + 4` must be readable and the CPU must have AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn load4(p: *const Self) -> std::arch::x86_64::__m256d;
    /// The value at `p` widened to f64 in all four lanes.
    ///
    /// # Safety
    /// `p` must be readable and the CPU must have AVX.
    #[cfg(target_arch = "x86_64")]
    unsafe fn broadcast(p: *const Self) -> std::arch::x86_64::__m256d;
}

impl Element for f32 {
    const NAME: &'static str = "f32";
    fn into_features(m: DenseMatrix<Self>) -> super::Features {
        super::Features::Dense32(m)
    }
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    /// None also below f32's smallest normal number (about 1.2e-38), where a value would lose
    /// its digits or become 0 without a word.
    fn from_f64(v: f64) -> Option<Self> {
        let x = v as f32;
        (x.is_finite() && (v == 0.0 || x.abs() >= f32::MIN_POSITIVE)).then_some(x)
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn load4(p: *const Self) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::{_mm_loadu_ps, _mm256_cvtps_pd};
        // SAFETY: forwarded to the caller.
        unsafe { _mm256_cvtps_pd(_mm_loadu_ps(p)) }
    }
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn broadcast(p: *const Self) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::{_mm_broadcast_ss, _mm256_cvtps_pd};
        // SAFETY: forwarded to the caller.
        unsafe { _mm256_cvtps_pd(_mm_broadcast_ss(&*p)) }
    }
}

impl Element for f64 {
    const NAME: &'static str = "f64";
    fn into_features(m: DenseMatrix<Self>) -> super::Features {
        super::Features::Dense64(m)
    }
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
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn broadcast(p: *const Self) -> std::arch::x86_64::__m256d {
        // SAFETY: forwarded to the caller.
        unsafe { std::arch::x86_64::_mm256_broadcast_sd(&*p) }
    }
}

/// Why the finite value `v` (written `shown` in the file) cannot be stored as `T`, once
/// [`Element::from_f64`] has refused it: too large, or (f32) too small.
pub(crate) fn unstorable<T: Element>(v: f64, shown: &str) -> String {
    if v.abs() < 1.0 {
        format!(
            "{shown} is too small for {} storage (below about 1.2e-38 it would lose its digits or become 0; use --precision f64)",
            T::NAME
        )
    } else {
        format!(
            "{shown} is too large for {} storage (use --precision f64)",
            T::NAME
        )
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

    /// The values, row after row.
    pub fn into_values(self) -> Vec<T> {
        self.values
    }

    /// The same matrix stored in f32 (rounded to nearest), or None if a value does not fit
    /// ([`Element::from_f64`]).
    pub fn to_f32(&self) -> Option<DenseMatrix<f32>> {
        use rayon::prelude::*;
        let values: Option<Vec<f32>> = self
            .values
            .par_iter()
            .map(|v| f32::from_f64(v.to_f64()))
            .collect();
        Some(DenseMatrix::from_row_major(values?, self.rows, self.cols))
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

/// Rows taken together by the AVX2 kernels: `dots` shares each load of w among them and
/// `add_rows` loads and stores each stretch of g once for all of them.
const ROWS_AT_ONCE: usize = 4;

/// x · w in a fixed order that both the portable and the AVX2 kernels follow, so they give
/// identical results: the full groups of four positions are summed into eight partial sums
/// (group q into sums 4(q mod 2) … 4(q mod 2) + 3, one per position in the group), each product
/// added with one rounding (a fused multiply-add); the positions after the last full group go
/// into a ninth sum in order; then v_k = s_k + s_{4+k} and the result is
/// ((v_0 + v_1) + (v_2 + v_3)) + tail.
#[inline(always)]
pub fn dot<T: Element>(x: &[T], w: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), w.len(), "x and w of one length");
    let mut acc = [0.0f64; 8];
    let xs = x.chunks_exact(4);
    let ws = w.chunks_exact(4);
    let (x_tail, w_tail) = (xs.remainder(), ws.remainder());
    for (q, (xc, wc)) in xs.zip(ws).enumerate() {
        let s = &mut acc[4 * (q % 2)..4 * (q % 2) + 4];
        for k in 0..4 {
            s[k] = xc[k].to_f64().mul_add(wc[k], s[k]);
        }
    }
    let mut tail = 0.0;
    for (xv, wv) in x_tail.iter().zip(w_tail) {
        tail = xv.to_f64().mul_add(*wv, tail);
    }
    let v: [f64; 4] = std::array::from_fn(|k| acc[k] + acc[4 + k]);
    ((v[0] + v[1]) + (v[2] + v[3])) + tail
}

/// g += c · x, each entry with one rounding.
#[inline(always)]
pub fn axpy<T: Element>(c: f64, x: &[T], g: &mut [f64]) {
    debug_assert_eq!(x.len(), g.len(), "x and g of one length");
    for (gj, xj) in g.iter_mut().zip(x) {
        *gj = c.mul_add(xj.to_f64(), *gj);
    }
}

#[inline(always)]
fn dots<T: Element>(x: &DenseMatrix<T>, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
    debug_assert_eq!(out.len(), rows.len(), "one output per row");
    for (o, i) in out.iter_mut().zip(rows) {
        *o = dot(x.row(i), w);
    }
}

/// g += Σ_i c_i · x_i, row after row (rows with c_i = 0 too, as the AVX2 version does).
#[inline(always)]
fn add_rows<T: Element>(x: &DenseMatrix<T>, rows: Range<usize>, coef: &[f64], g: &mut [f64]) {
    debug_assert_eq!(coef.len(), rows.len(), "one coefficient per row");
    for (&c, i) in coef.iter().zip(rows) {
        axpy(c, x.row(i), g);
    }
}

/// The same kernels written with AVX2 and FMA intrinsics, chosen at run time. The arithmetic
/// and its order are those of the portable [`dot`] and [`axpy`] (a fused multiply-add is
/// correctly rounded wherever it is computed), so results are identical on every machine.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::needless_range_loop)] // index loops over rows and lanes, unrolled by the compiler
mod wide {
    use super::{DenseMatrix, Element, ROWS_AT_ONCE};
    use std::arch::x86_64::*;
    use std::ops::Range;

    /// The partial sums of [`super::dot`] for R rows and C weight vectors:
    /// acc\[r\]\[c\]\[h\] lane l is s_{4h+l} of row r with w_c. Returns them with the tails.
    /// Each stretch of a w_c is loaded once for the R rows and each stretch of a row once for
    /// the C vectors.
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA (inlined into a function that enables them). Lengths are
    /// asserted, so no other condition is left to the caller.
    #[inline(always)]
    pub(super) unsafe fn partial_sums<T: Element, const R: usize, const C: usize>(
        rows: [&[T]; R],
        w: [&[f64]; C],
    ) -> ([[[__m256d; 2]; C]; R], [[f64; C]; R]) {
        let n = w[0].len();
        assert!(
            rows.iter().all(|x| x.len() == n) && w.iter().all(|w| w.len() == n),
            "rows of the wrong length"
        );
        let groups = n / 4;
        let mut wp = [std::ptr::null::<f64>(); C];
        for c in 0..C {
            wp[c] = w[c].as_ptr();
        }
        let mut xp = [std::ptr::null::<T>(); R];
        for r in 0..R {
            xp[r] = rows[r].as_ptr();
        }
        // In the loads below every offset 4q + 3 < 4·groups ≤ n, within each w_c and each row.
        // SAFETY: the caller guarantees AVX2.
        let mut acc = [[[unsafe { _mm256_setzero_pd() }; 2]; C]; R];
        let mut q = 0;
        while q + 1 < groups {
            // SAFETY: q + 1 < groups; AVX2 and FMA by the caller.
            unsafe {
                add_group(xp, wp, 4 * q, &mut acc, 0);
                add_group(xp, wp, 4 * q + 4, &mut acc, 1);
            }
            q += 2;
        }
        if q < groups {
            // SAFETY: q < groups; AVX2 and FMA by the caller.
            unsafe { add_group(xp, wp, 4 * q, &mut acc, 0) };
        }
        (acc, tail_sums(rows, w))
    }

    /// The ninth sums of [`super::dot`] for R rows and C weight vectors: the positions after the
    /// last full group of four, in order.
    #[inline(always)]
    pub(super) fn tail_sums<T: Element, const R: usize, const C: usize>(
        rows: [&[T]; R],
        w: [&[f64]; C],
    ) -> [[f64; C]; R] {
        let n = w[0].len();
        let mut tails = [[0.0; C]; R];
        for r in 0..R {
            for c in 0..C {
                for j in n / 4 * 4..n {
                    tails[r][c] = rows[r][j].to_f64().mul_add(w[c][j], tails[r][c]);
                }
            }
        }
        tails
    }

    /// Adds positions j … j + 3 of every row times every w_c into the partial sums 4h … 4h + 3
    /// (acc\[r\]\[c\]\[h\]), each stretch of w_c loaded once.
    ///
    /// # Safety
    /// j + 4 must be within every row and every w_c; the CPU must have AVX2 and FMA (inlined
    /// into a function that enables them).
    #[inline(always)]
    unsafe fn add_group<T: Element, const R: usize, const C: usize>(
        xp: [*const T; R],
        wp: [*const f64; C],
        j: usize,
        acc: &mut [[[__m256d; 2]; C]; R],
        h: usize,
    ) {
        // SAFETY: the caller guarantees AVX2.
        let mut wv = [unsafe { _mm256_setzero_pd() }; C];
        for c in 0..C {
            // SAFETY: j + 3 is within w_c (by the caller); AVX2 by the caller.
            wv[c] = unsafe { _mm256_loadu_pd(wp[c].add(j)) };
        }
        for r in 0..R {
            // SAFETY: j + 3 is within row r (by the caller); AVX2 by the caller.
            let xv = unsafe { T::load4(xp[r].add(j)) };
            for c in 0..C {
                // SAFETY: AVX2 and FMA by the caller.
                acc[r][c][h] = unsafe { _mm256_fmadd_pd(xv, wv[c], acc[r][c][h]) };
            }
        }
    }

    /// Four dot products from their partial sums (v\[i\] lane l = s_l + s_{4+l}) and tails,
    /// each ((v_0 + v_1) + (v_2 + v_3)) + tail as [`super::dot`] adds them; the four horizontal
    /// sums are done together.
    #[inline(always)]
    pub(super) fn sums_of_four(v: [__m256d; 4], tails: [f64; 4]) -> [f64; 4] {
        // SAFETY: the function this is inlined into enables AVX2 (every caller does).
        unsafe {
            // [v0_0 + v0_1, v1_0 + v1_1, v0_2 + v0_3, v1_2 + v1_3], and the same for 2 and 3.
            let h01 = _mm256_hadd_pd(v[0], v[1]);
            let h23 = _mm256_hadd_pd(v[2], v[3]);
            let low = _mm256_permute2f128_pd::<0x20>(h01, h23);
            let high = _mm256_permute2f128_pd::<0x31>(h01, h23);
            let mut l = [0.0; 4];
            _mm256_storeu_pd(l.as_mut_ptr(), _mm256_add_pd(low, high));
            std::array::from_fn(|i| l[i] + tails[i])
        }
    }

    /// One dot product from its partial sums (v lane l = s_l + s_{4+l}) and tail, added as
    /// [`super::dot`] adds them.
    #[inline(always)]
    pub(super) fn sum_of_one(v: __m256d, tail: f64) -> f64 {
        let mut l = [0.0; 4];
        // SAFETY: l has room for four lanes; the function this is inlined into enables AVX
        // (every caller does).
        unsafe { _mm256_storeu_pd(l.as_mut_ptr(), v) };
        ((l[0] + l[1]) + (l[2] + l[3])) + tail
    }

    /// Four rows' dot products, each exactly as [`super::dot`]; the four horizontal sums are
    /// done together.
    #[target_feature(enable = "avx2,fma")]
    fn dot4<T: Element>(rows: [&[T]; 4], w: &[f64], out: &mut [f64]) {
        debug_assert_eq!(out.len(), 4, "one output per row");
        // SAFETY: this function enables AVX2 and FMA.
        let (acc, tails) = unsafe { partial_sums(rows, [w]) };
        let v = std::array::from_fn(|r| _mm256_add_pd(acc[r][0][0], acc[r][0][1]));
        out.copy_from_slice(&sums_of_four(v, std::array::from_fn(|r| tails[r][0])));
    }

    /// One row's dot product, exactly as [`super::dot`].
    #[target_feature(enable = "avx2,fma")]
    fn dot1<T: Element>(x: &[T], w: &[f64]) -> f64 {
        // SAFETY: this function enables AVX2 and FMA.
        let ([[[a, b]]], [[tail]]) = unsafe { partial_sums([x], [w]) };
        sum_of_one(_mm256_add_pd(a, b), tail)
    }

    /// g += c_0 x_0 + … + c_{R−1} x_{R−1}, each entry of g loaded and stored once:
    /// g_j ← fma(c_{R−1}, x_{R−1,j}, … fma(c_0, x_0j, g_j)), the same roundings in the same order
    /// as adding the rows one after another with [`super::axpy`].
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA (inlined into a function that enables them). Lengths are
    /// asserted.
    #[inline(always)]
    unsafe fn add_rows_of<T: Element, const R: usize>(
        rows: [&[T]; R],
        coef: &[f64],
        g: &mut [f64],
    ) {
        let n = g.len();
        assert!(
            coef.len() == R && rows.iter().all(|x| x.len() == n),
            "rows of the wrong length"
        );
        let body = n / 4 * 4;
        let gp = g.as_mut_ptr();
        let mut xp = [std::ptr::null::<T>(); R];
        // SAFETY: the caller guarantees AVX2.
        let mut cv = [unsafe { _mm256_setzero_pd() }; R];
        for r in 0..R {
            xp[r] = rows[r].as_ptr();
            // SAFETY: the caller guarantees AVX2.
            cv[r] = unsafe { _mm256_set1_pd(coef[r]) };
        }
        let mut j = 0;
        while j < body {
            // SAFETY: j + 4 ≤ body ≤ n, within g and every row (asserted); AVX2 and FMA by the
            // caller.
            unsafe {
                let mut sum = _mm256_loadu_pd(gp.add(j));
                for r in 0..R {
                    sum = _mm256_fmadd_pd(cv[r], T::load4(xp[r].add(j)), sum);
                }
                _mm256_storeu_pd(gp.add(j), sum);
            }
            j += 4;
        }
        for j in body..n {
            for r in 0..R {
                g[j] = coef[r].mul_add(rows[r][j].to_f64(), g[j]);
            }
        }
    }

    /// g += Σ_r c_r x_r and h += Σ_r d_r (x_r − μ)² over R ≤ 4 rows (μ = `shift`, or 0), each
    /// entry of g and h loaded and stored once; per entry the same operations in the same order
    /// as [`super::axpy`] and the portable `add_squared_rows`, row after row:
    /// g ← fma(c, x, g), h ← h + (d·(x − μ))·(x − μ). (No fused multiply-add for h: the portable
    /// `add_squared_rows` also serves standardisation, where a call to libm's `fma` per entry
    /// would not vectorise.)
    ///
    /// # Safety
    /// The CPU must have AVX2 and FMA (inlined into a function that enables them). Lengths are
    /// asserted.
    #[inline(always)]
    unsafe fn add_rows_and_squares_of<T: Element, const R: usize>(
        rows: [&[T]; R],
        coef: &[f64],
        curvature: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
        h: &mut [f64],
    ) {
        let n = g.len();
        assert!(
            coef.len() == R
                && curvature.len() == R
                && h.len() == n
                && shift.is_none_or(|s| s.len() == n)
                && rows.iter().all(|x| x.len() == n),
            "rows of the wrong length"
        );
        let body = n / 4 * 4;
        let (gp, hp) = (g.as_mut_ptr(), h.as_mut_ptr());
        let mut xp = [std::ptr::null::<T>(); R];
        // SAFETY: the caller guarantees AVX2.
        let mut cv = [unsafe { _mm256_setzero_pd() }; R];
        // SAFETY: as above.
        let mut dv = [unsafe { _mm256_setzero_pd() }; R];
        for r in 0..R {
            xp[r] = rows[r].as_ptr();
            // SAFETY: the caller guarantees AVX2.
            cv[r] = unsafe { _mm256_set1_pd(coef[r]) };
            // SAFETY: as above.
            dv[r] = unsafe { _mm256_set1_pd(curvature[r]) };
        }
        let mut j = 0;
        while j < body {
            // SAFETY: j + 4 ≤ body ≤ n, within g, h, the shift and every row (asserted); AVX2
            // and FMA by the caller.
            unsafe {
                let mut gs = _mm256_loadu_pd(gp.add(j));
                let mut hs = _mm256_loadu_pd(hp.add(j));
                let mu = match shift {
                    Some(s) => _mm256_loadu_pd(s.as_ptr().add(j)),
                    None => _mm256_setzero_pd(),
                };
                for r in 0..R {
                    let xv = T::load4(xp[r].add(j));
                    gs = _mm256_fmadd_pd(cv[r], xv, gs);
                    let d = _mm256_sub_pd(xv, mu);
                    hs = _mm256_add_pd(hs, _mm256_mul_pd(_mm256_mul_pd(dv[r], d), d));
                }
                _mm256_storeu_pd(gp.add(j), gs);
                _mm256_storeu_pd(hp.add(j), hs);
            }
            j += 4;
        }
        for j in body..n {
            let mu = shift.map_or(0.0, |s| s[j]);
            for r in 0..R {
                let x = rows[r][j].to_f64();
                g[j] = coef[r].mul_add(x, g[j]);
                let d = x - mu;
                h[j] += curvature[r] * d * d;
            }
        }
    }

    /// A Newton pass's backward step for a block: [`add_rows`]' sums and the Hessian diagonal's
    /// Σ d_i (x_i − μ)² in one sweep, four rows at a time, with the same prefetching.
    #[target_feature(enable = "avx2,fma")]
    pub fn add_rows_and_squares<T: Element>(
        x: &DenseMatrix<T>,
        rows: Range<usize>,
        coef: &[f64],
        curvature: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
        h: &mut [f64],
    ) {
        let ahead = rows.len();
        let mut i = rows.start;
        assert_eq!(coef.len(), curvature.len(), "one curvature per row");
        debug_assert_eq!(coef.len(), rows.len(), "one coefficient per row");
        let mut cs = coef.chunks_exact(ROWS_AT_ONCE);
        let mut ds = curvature.chunks_exact(ROWS_AT_ONCE);
        for (c, d) in (&mut cs).zip(&mut ds) {
            prefetch_half_rows(x, i + ahead..i + ahead + ROWS_AT_ONCE, Half::Second);
            let block = [x.row(i), x.row(i + 1), x.row(i + 2), x.row(i + 3)];
            // SAFETY: this function enables AVX2 and FMA.
            unsafe { add_rows_and_squares_of(block, c, d, shift, g, h) };
            i += ROWS_AT_ONCE;
        }
        for (c, d) in cs.remainder().chunks(1).zip(ds.remainder().chunks(1)) {
            prefetch_half_rows(x, i + ahead..i + ahead + 1, Half::Second);
            // SAFETY: this function enables AVX2 and FMA.
            unsafe { add_rows_and_squares_of([x.row(i)], c, d, shift, g, h) };
            i += 1;
        }
    }

    /// Which cache lines of a row to prefetch: `dots` asks for the first half, `add_rows` for
    /// the rest.
    #[derive(Clone, Copy)]
    pub(super) enum Half {
        First,
        Second,
    }

    /// Prefetches into L2 one half of the cache lines that hold rows `rows` (clipped to the
    /// matrix): the first half of the lines, or the rest.
    #[inline(always)]
    pub(super) fn prefetch_half_rows<T: Element>(
        x: &DenseMatrix<T>,
        rows: Range<usize>,
        half: Half,
    ) {
        let row_bytes = x.cols * std::mem::size_of::<T>();
        let total = std::mem::size_of_val(&x.values[..]);
        let base = x.values.as_ptr().cast::<i8>();
        let address = base as usize;
        let start = address + (rows.start * row_bytes).min(total);
        let end = address + (rows.end * row_bytes).min(total);
        let (first, last) = (start / 64, end.div_ceil(64));
        let middle = first + (last - first).div_ceil(2);
        let lines = match half {
            Half::First => first..middle,
            Half::Second => middle..last,
        };
        for line in lines {
            let at = base.wrapping_add(line * 64).wrapping_sub(address);
            // SAFETY: prefetching never faults, whatever the address; `at` is never dereferenced.
            unsafe { _mm_prefetch::<_MM_HINT_T1>(at) };
        }
    }

    /// Computes a block's dot products, four rows at a time, while asking for the first half
    /// of the lines of the same rows one block ahead to be fetched into L2; `add_rows` asks for
    /// the second halves. The memory reads of the next block then overlap both phases of this
    /// one, at about the rate one core can sustain, instead of bursting during one phase. L2,
    /// not L1 (`_MM_HINT_T1`, not `T0`): a block of wide rows is larger than L1. Measured on a
    /// Zen 4 VM, 1,000,000 × 100 f32, two threads, J + ∇J passes interleaved in one process
    /// (median of 30): no prefetch 36 ms, `T0` 25 ms, `T1` per row 20–21 ms, `T1` over each
    /// four rows' contiguous lines (this code, fewer instructions) 16.5–18 ms; one, two or four
    /// blocks ahead and blocks of 64 or 128 rows made no clear difference.
    #[target_feature(enable = "avx2,fma")]
    pub fn dots<T: Element>(x: &DenseMatrix<T>, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
        debug_assert_eq!(out.len(), rows.len(), "one output per row");
        let ahead = rows.len();
        let mut i = rows.start;
        let mut groups = out.chunks_exact_mut(ROWS_AT_ONCE);
        for o in &mut groups {
            prefetch_half_rows(x, i + ahead..i + ahead + ROWS_AT_ONCE, Half::First);
            dot4([x.row(i), x.row(i + 1), x.row(i + 2), x.row(i + 3)], w, o);
            i += ROWS_AT_ONCE;
        }
        for o in groups.into_remainder() {
            prefetch_half_rows(x, i + ahead..i + ahead + 1, Half::First);
            *o = dot1(x.row(i), w);
            i += 1;
        }
    }

    /// Adds the block's rows into g four at a time, asking for the second half of each row one
    /// block ahead (see [`dots`]) to be fetched into L2.
    #[target_feature(enable = "avx2,fma")]
    pub fn add_rows<T: Element>(
        x: &DenseMatrix<T>,
        rows: Range<usize>,
        coef: &[f64],
        g: &mut [f64],
    ) {
        debug_assert_eq!(coef.len(), rows.len(), "one coefficient per row");
        let ahead = rows.len();
        let mut i = rows.start;
        let mut groups = coef.chunks_exact(ROWS_AT_ONCE);
        for c in &mut groups {
            prefetch_half_rows(x, i + ahead..i + ahead + ROWS_AT_ONCE, Half::Second);
            let block = [x.row(i), x.row(i + 1), x.row(i + 2), x.row(i + 3)];
            // SAFETY: this function enables AVX2 and FMA.
            unsafe { add_rows_of(block, c, g) };
            i += ROWS_AT_ONCE;
        }
        for c in groups.remainder().chunks(1) {
            prefetch_half_rows(x, i + ahead..i + ahead + 1, Half::Second);
            // SAFETY: this function enables AVX2 and FMA.
            unsafe { add_rows_of([x.row(i)], c, g) };
            i += 1;
        }
    }
}

/// Do the K-column tiles serve K classes here: enough classes, and a CPU with AVX2 and FMA?
#[cfg(target_arch = "x86_64")]
fn tiled(k: usize) -> bool {
    k >= tiles::MIN_CLASSES
        && std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("fma")
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
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { wide::dots(self, rows, w, out) };
        }
        dots(self, rows, w, out)
    }

    fn add_rows(&self, rows: Range<usize>, coef: &[f64], g: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { wide::add_rows(self, rows, coef, g) };
        }
        add_rows(self, rows, coef, g)
    }

    fn dots_k(&self, rows: Range<usize>, wt: &[f64], k: usize, out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if tiled(k) {
            // SAFETY: the CPU has AVX2 and FMA (`tiled`).
            return unsafe { tiles::dots_k(self, rows, wt, k, out) };
        }
        super::dots_one_class_at_a_time(self, rows, wt, k, out)
    }

    fn add_rows_k(&self, rows: Range<usize>, coef: &[f64], k: usize, g: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        if tiled(k) {
            // SAFETY: the CPU has AVX2 and FMA (`tiled`).
            return unsafe { tiles::add_rows_k(self, rows, coef, k, g) };
        }
        super::rows_one_class_at_a_time(self, rows, coef, k, g)
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
        debug_assert_eq!(coef.len(), rows.len(), "one coefficient per row");
        debug_assert!(
            g.len() == self.cols && shift.len() == self.cols,
            "one sum per column"
        );
        for (&c, i) in coef.iter().zip(rows) {
            for ((gj, xj), s) in g.iter_mut().zip(self.row(i)).zip(shift) {
                let d = xj.to_f64() - s;
                *gj += c * d * d;
            }
        }
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
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has AVX2 and FMA.
            return unsafe { wide::add_rows_and_squares(self, rows, coef, curvature, shift, g, h) };
        }
        super::add_rows_then_squares(self, rows, coef, curvature, shift, g, h);
    }

    fn row_values(&self, i: usize) -> Vec<f64> {
        self.row(i).iter().map(|v| v.to_f64()).collect()
    }

    fn gather(&self, rows: Range<usize>, cols: &[usize], out: &mut [f64]) {
        let width = cols.len();
        for (r, i) in rows.enumerate() {
            let (row, out) = (self.row(i), &mut out[r * width..(r + 1) * width]);
            for (o, &j) in out.iter_mut().zip(cols) {
                *o = row[j].to_f64();
            }
        }
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
        if !(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")) {
            return;
        }
        // Every remainder: rows mod 4 (groups of four rows), columns mod 8 (pairs of column
        // groups) and mod 4 (the scalar tail); f32 and f64 storage.
        fn check<T: Element>(m: usize, n: usize) {
            let values: Vec<T> = (0..m * n)
                .map(|k| T::from_f64(((k * 7919) % 997) as f64 / 97.0 - 5.0).unwrap())
                .collect();
            let x = DenseMatrix::from_row_major(values, m, n);
            let w: Vec<f64> = (0..n).map(|j| (j as f64).sin()).collect();
            let (mut a, mut b) = (vec![0.0; m], vec![0.0; m]);
            dots(&x, 0..m, &w, &mut a);
            // SAFETY: AVX2 and FMA detected above.
            unsafe { wide::dots(&x, 0..m, &w, &mut b) };
            let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "dots, {m} × {n} {}", T::NAME);
            let coef: Vec<f64> = (0..m).map(|i| i as f64 * 0.37 - 1.0).collect();
            let (mut ga, mut gb) = (vec![0.5; n], vec![0.5; n]);
            add_rows(&x, 0..m, &coef, &mut ga);
            // SAFETY: AVX2 and FMA detected above.
            unsafe { wide::add_rows(&x, 0..m, &coef, &mut gb) };
            assert_eq!(bits(&ga), bits(&gb), "add_rows, {m} × {n} {}", T::NAME);
            let curvature: Vec<f64> = (0..m).map(|i| 0.25 / (i as f64 + 1.0)).collect();
            let mu: Vec<f64> = (0..n).map(|j| (j as f64 * 0.7).cos()).collect();
            for shift in [None, Some(&mu[..])] {
                let (mut ga, mut ha) = (vec![0.5; n], vec![0.25; n]);
                x.add_rows(0..m, &coef, &mut ga);
                x.add_squared_rows(0..m, &curvature, shift, &mut ha);
                let (mut gb, mut hb) = (vec![0.5; n], vec![0.25; n]);
                // SAFETY: AVX2 and FMA detected above.
                unsafe {
                    wide::add_rows_and_squares(&x, 0..m, &coef, &curvature, shift, &mut gb, &mut hb)
                };
                assert_eq!(bits(&ga), bits(&gb), "fused g, {m} × {n} {}", T::NAME);
                assert_eq!(bits(&ha), bits(&hb), "fused h, {m} × {n} {}", T::NAME);
            }
        }
        for m in 1..=9 {
            for n in (1..=17).chain([53, 100]) {
                check::<f32>(m, n);
                check::<f64>(m, n);
            }
        }
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
