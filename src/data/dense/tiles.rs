//! The K-column kernels of dense storage, register-blocked: a tile of rows × classes at a time,
//! with AVX2 and FMA.
//!
//! For a block of rows r (row i = rows.start + r), K classes and the weights stored feature by
//! feature, wt\[j·K + c\] = w_c,j (see [`Design::dots_k`](crate::data::Design::dots_k)):
//!
//! - `dots_k`:     out\[r·K + c\] = x_r · w_c = Σ_j x_rj · w_c,j   (the K logits of each row)
//! - `add_rows_k`: g\[j·K + c\] += Σ_r coef\[r·K + c\] · x_rj      (Xᵀdz for K columns)
//!
//! **Summation order.** Exactly that of the trait's defaults, K passes of the one-vector kernels
//! (`dots`, `add_rows`), so the results are bit-identical to them, and so to the portable
//! fallback, on every machine: each x_r · w_c is summed as [`super::dot`] sums it (eight partial
//! sums over the groups of four positions, each product added with a fused multiply-add, then
//! a fixed tree and the tail), and each g\[j·K + c\] receives s = Σ_r coef\[r·K + c\] · x_rj summed
//! from 0 in row order, one fused multiply-add per row, then g\[j·K + c\] += s. Only the order in
//! which the independent sums are worked on changes, never the operations inside one sum.
//!
//! **Tiles.** The one-vector kernels read each row K times per kernel and, for f32 storage,
//! widen each value to f64 K times. Here a tile of sums stays in registers while each value
//! loaded serves several of them:
//!
//! - `dots_k` widens [`ROWS`] = 4 rows into an f64 buffer in L1 (each value converted once)
//!   and computes their dot products with [`CLASSES`] = 3 weight vectors at once (the weights
//!   transposed once per block into K contiguous vectors). `dot`'s eight partial sums are two
//!   independent sets of four (the even and the odd groups of positions), so the tile sweeps
//!   the row twice, once per set: 4 × 3 = 12 accumulators, seven loads per twelve fused
//!   multiply-adds, against four rows × one vector in `dots` (ten loads per eight). Classes
//!   left over take 4 × 2 and 4 × 1 tiles.
//! - `add_rows_k` takes the block's rows in groups of [`GROUP`] = 32 and, for a tile of
//!   [`COLUMNS`] = 3 columns × [`VECTORS`] = 3 vectors of four classes, keeps the 3 × 3 vectors
//!   of sums in registers over the group's rows: per row, three loads of coef (the classes
//!   padded to a multiple of four, K′ = 4⌈K/4⌉, with zeros) and three broadcasts of x_rj
//!   (widened from the storage as they are loaded) feed nine fused multiply-adds; the sums
//!   live in a zeroed n × K′ buffer between groups (exact: a stored f64 is the f64) and are
//!   added into g at the end. Each value of x is converted once for up to twelve classes, and
//!   a group's rows (32 × n values) stay in L1 while its tiles sweep the columns. Classes and
//!   columns left over take smaller tiles.
//!
//! Measured on a Zen 4 VM, one thread, 2,048 × 100 in L2, K = 10, interleaved with the
//! defaults in one process (`--example class_kernels`, medians of two busy runs): f32 storage
//! `dots_k` 0.086–0.089 → 0.069–0.070 ns and `add_rows_k` 0.082–0.083 → 0.065 ns per element
//! and class, f64 storage 0.13 → 0.067 and 0.135–0.138 → 0.058–0.059 ns. Larger tiles do not
//! fit the sixteen registers: 4 columns × 3 vectors in `add_rows_k` (twelve sums, three coef
//! vectors and a broadcast) spilled one sum to the stack and ran at 0.10 ns; `dots_k` with
//! both sets of partial sums at once fitted 3 rows × 2 classes (0.075 ns) or 2 × 2 (0.087 ns);
//! broadcasting x with the classes in the lanes (one sum per output, not the order of `dot`)
//! ran at 0.116 ns.
//!
//! The next block's rows are prefetched into L2 as the one-vector kernels do (the first half of
//! their lines during `dots_k`, the rest during `add_rows_k`).

#![allow(clippy::needless_range_loop)] // index loops over tiles and lanes, unrolled by the compiler

use super::wide::{Half, prefetch_half_rows, sum_of_one, sums_of_four, tail_sums};
use super::{DenseMatrix, Element};
use crate::objective::transpose;
use std::arch::x86_64::*;
use std::ops::Range;

/// The fewest classes for which the tiles are used (the storage's `dots_k` and `add_rows_k`
/// fall back to the trait's defaults below, with the same bits). Measured as in the module
/// docs, new ÷ old: K = 8, 10, 17: `dots_k` 0.75, 0.79, 0.64 and `add_rows_k` 0.74, 0.79, 0.80;
/// K = 3 and 5: `add_rows_k` 1.43 and 1.22 (one or two vectors of classes, mostly padding or
/// too few sums in flight) and whole passes 1.2–1.4 on a busy machine.
pub(super) const MIN_CLASSES: usize = 8;

/// Rows whose dot products `dots_k` computes together (each stretch of w loaded once for them).
const ROWS: usize = 4;
/// Weight vectors `dots_k` takes together (each stretch of a row loaded once for them).
const CLASSES: usize = 3;
/// Rows of a group in `add_rows_k`: its sums are loaded from and stored to L1 once per group.
const GROUP: usize = 32;
/// Columns `add_rows_k` sums together.
const COLUMNS: usize = 3;
/// Vectors of four classes `add_rows_k` sums together.
const VECTORS: usize = 3;
// The tiles `add_rows_k` instantiates.
const _: () = assert!(COLUMNS <= 3 && VECTORS <= 3);

/// Writes row `i` of `x` into `wide` as f64.
///
/// # Safety
/// The CPU must have AVX2 (inlined into a function that enables it).
#[inline(always)]
unsafe fn widen_row<T: Element>(x: &DenseMatrix<T>, i: usize, wide: &mut [f64]) {
    let row = x.row(i);
    assert_eq!(row.len(), wide.len(), "a buffer of the row's length");
    let body = row.len() / 4 * 4;
    for j in (0..body).step_by(4) {
        // SAFETY: j + 4 ≤ body ≤ the row's and the buffer's length; AVX2 by the caller.
        unsafe { _mm256_storeu_pd(wide.as_mut_ptr().add(j), T::load4(row.as_ptr().add(j))) };
    }
    for j in body..row.len() {
        wide[j] = row[j].to_f64();
    }
}

/// out\[r·K + c\] = x_{rows.start + r} · w_c for a block of rows (see the module docs).
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) fn dots_k<T: Element>(
    x: &DenseMatrix<T>,
    rows: Range<usize>,
    wt: &[f64],
    k: usize,
    out: &mut [f64],
) {
    let n = x.cols;
    assert!(
        wt.len() == n * k && out.len() == rows.len() * k,
        "K weights per feature and K outputs per row"
    );
    // w[c·n + j] = w_c,j: each weight vector contiguous.
    let w = transpose(wt, n, k);
    let mut wide = vec![0.0; ROWS * n];
    let ahead = rows.len();
    let mut i = rows.start;
    let mut tiles = out.chunks_exact_mut(ROWS * k);
    for o in &mut tiles {
        prefetch_half_rows(x, i + ahead..i + ahead + ROWS, Half::First);
        for (r, buffer) in wide.chunks_exact_mut(n.max(1)).enumerate() {
            // SAFETY: this function enables AVX2.
            unsafe { widen_row(x, i + r, &mut buffer[..n]) };
        }
        let block: [&[f64]; ROWS] = std::array::from_fn(|r| &wide[r * n..(r + 1) * n]);
        dots_by_classes(block, &w, k, o);
        i += ROWS;
    }
    for o in tiles.into_remainder().chunks_exact_mut(k) {
        prefetch_half_rows(x, i + ahead..i + ahead + 1, Half::First);
        // SAFETY: this function enables AVX2.
        unsafe { widen_row(x, i, &mut wide[..n]) };
        dots_by_classes([&wide[..n]], &w, k, o);
        i += 1;
    }
}

/// out\[r·K + c\] = rows\[r\] · w_c for every class, [`CLASSES`] weight vectors at a time
/// (`w` holds them one after another).
#[target_feature(enable = "avx2,fma")]
fn dots_by_classes<const R: usize>(rows: [&[f64]; R], w: &[f64], k: usize, out: &mut [f64]) {
    let n = rows[0].len();
    let vector = |c: usize| &w[c * n..(c + 1) * n];
    let mut c = 0;
    while c + CLASSES <= k {
        dots_tile::<R, CLASSES>(rows, std::array::from_fn(|i| vector(c + i)), c, k, out);
        c += CLASSES;
    }
    // The classes left over, two at a time, then one.
    while c + 2 <= k {
        dots_tile::<R, 2>(rows, [vector(c), vector(c + 1)], c, k, out);
        c += 2;
    }
    if c < k {
        dots_tile::<R, 1>(rows, [vector(c)], c, k, out);
    }
}

/// Half of the partial sums of [`super::dot`] for R rows and C weight vectors: acc\[r\]\[c\]
/// lane l is s_{4h+l}, the sum over the groups of four positions q ≡ h (mod 2), each product
/// added with a fused multiply-add, in order. The two halves are independent sums, so taking
/// them one after the other gives the bits of taking them together (as `dots` does) with half
/// the registers: a tile twice as large, each stretch of w loaded once for more rows.
///
/// # Safety
/// The CPU must have AVX2 and FMA (inlined into a function that enables them). Lengths are
/// asserted.
#[inline(always)]
unsafe fn half_sums<const R: usize, const C: usize>(
    rows: [&[f64]; R],
    w: [&[f64]; C],
    h: usize,
) -> [[__m256d; C]; R] {
    let n = w[0].len();
    assert!(
        rows.iter().all(|x| x.len() == n) && w.iter().all(|w| w.len() == n),
        "rows of the wrong length"
    );
    // SAFETY: the caller guarantees AVX2.
    let mut acc = [[unsafe { _mm256_setzero_pd() }; C]; R];
    let mut j = 4 * h;
    while j + 4 <= n {
        // In the loads below j + 4 ≤ n, the length of each row and each w_c (asserted).
        // SAFETY: the caller guarantees AVX2.
        let mut wv = [unsafe { _mm256_setzero_pd() }; C];
        for c in 0..C {
            // SAFETY: within w_c (above); AVX2 by the caller.
            wv[c] = unsafe { _mm256_loadu_pd(w[c].as_ptr().add(j)) };
        }
        for r in 0..R {
            // SAFETY: within the row (above); AVX2 by the caller.
            let xv = unsafe { _mm256_loadu_pd(rows[r].as_ptr().add(j)) };
            for c in 0..C {
                // SAFETY: AVX2 and FMA by the caller.
                acc[r][c] = unsafe { _mm256_fmadd_pd(xv, wv[c], acc[r][c]) };
            }
        }
        j += 8;
    }
    acc
}

/// out\[r·K + c0 + c\] = rows\[r\] · w\[c\] for an R × C tile, each exactly as [`super::dot`].
#[target_feature(enable = "avx2,fma")]
fn dots_tile<const R: usize, const C: usize>(
    rows: [&[f64]; R],
    w: [&[f64]; C],
    c0: usize,
    k: usize,
    out: &mut [f64],
) {
    const MAX: usize = 16;
    assert!(
        R * C <= MAX && c0 + C <= k && out.len() == R * k,
        "a tile of the block"
    );
    // SAFETY: this function enables AVX2 and FMA.
    let acc = unsafe { [half_sums(rows, w, 0), half_sums(rows, w, 1)] };
    let tails = tail_sums(rows, w);
    // The tile's sums flattened, (r, c) at r·C + c.
    let mut v = [_mm256_setzero_pd(); MAX];
    let mut t = [0.0; MAX];
    for r in 0..R {
        for c in 0..C {
            v[r * C + c] = _mm256_add_pd(acc[0][r][c], acc[1][r][c]);
            t[r * C + c] = tails[r][c];
        }
    }
    let mut sums = [0.0; MAX];
    let four = R * C / 4 * 4;
    for q in (0..four).step_by(4) {
        let s = sums_of_four(
            [v[q], v[q + 1], v[q + 2], v[q + 3]],
            [t[q], t[q + 1], t[q + 2], t[q + 3]],
        );
        sums[q..q + 4].copy_from_slice(&s);
    }
    for q in four..R * C {
        sums[q] = sum_of_one(v[q], t[q]);
    }
    for r in 0..R {
        out[r * k + c0..r * k + c0 + C].copy_from_slice(&sums[r * C..(r + 1) * C]);
    }
}

/// g\[j·K + c\] += Σ_r coef\[r·K + c\] · x_{rows.start + r, j} for a block of rows (see the
/// module docs).
///
/// # Safety
/// The CPU must have AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) fn add_rows_k<T: Element>(
    x: &DenseMatrix<T>,
    rows: Range<usize>,
    coef: &[f64],
    k: usize,
    g: &mut [f64],
) {
    let (n, len) = (x.cols, rows.len());
    assert!(
        coef.len() == len * k && g.len() == n * k,
        "K coefficients per row and K sums per feature"
    );
    // Classes padded to whole vectors: coef and the sums with K′ = 4⌈K/4⌉ lanes per row and
    // per feature, the padding 0.
    let kp = k.div_ceil(4) * 4;
    let mut padded = vec![0.0; len * kp];
    for (p, c) in padded.chunks_exact_mut(kp).zip(coef.chunks_exact(k)) {
        p[..k].copy_from_slice(c);
    }
    let mut sums = vec![0.0; n * kp];
    let mut start = 0;
    while start < len {
        let count = (len - start).min(GROUP);
        let i = rows.start + start;
        prefetch_half_rows(x, i + len..i + len + count, Half::Second);
        let group = Group {
            x: &x.values[i * n..(i + count) * n],
            coef: &padded[start * kp..(start + count) * kp],
            n,
            kp,
        };
        let mut j = 0;
        while j < n {
            let columns = (n - j).min(COLUMNS);
            let mut v = 0;
            while v < kp / 4 {
                let vectors = (kp / 4 - v).min(VECTORS);
                // Every pair (columns, vectors) of a tile of at most COLUMNS columns and
                // VECTORS vectors of classes.
                let tile = match (columns, vectors) {
                    (3, 3) => add_tile::<T, 3, 3>,
                    (3, 2) => add_tile::<T, 3, 2>,
                    (3, 1) => add_tile::<T, 3, 1>,
                    (2, 3) => add_tile::<T, 2, 3>,
                    (2, 2) => add_tile::<T, 2, 2>,
                    (2, 1) => add_tile::<T, 2, 1>,
                    (1, 3) => add_tile::<T, 1, 3>,
                    (1, 2) => add_tile::<T, 1, 2>,
                    (1, 1) => add_tile::<T, 1, 1>,
                    _ => unreachable!("a tile within COLUMNS × VECTORS"),
                };
                tile(&group, j, v, &mut sums);
                v += vectors;
            }
            j += columns;
        }
        start += count;
    }
    for (g, s) in g.chunks_exact_mut(k).zip(sums.chunks_exact(kp)) {
        for (g, s) in g.iter_mut().zip(s) {
            *g += s;
        }
    }
}

/// A group of rows of `add_rows_k`, x\[r·n + j\], and their padded coefficients,
/// coef\[r·K′ + c\].
struct Group<'a, T> {
    x: &'a [T],
    coef: &'a [f64],
    n: usize,
    kp: usize,
}

/// sums\[j·K′ + c\] ← Σ_r coef\[r·K′ + c\] · x_rj over the group's rows, each sum continued in
/// row order with one fused multiply-add per row, for the J columns from j0 and the 4V classes
/// from 4·v0: J × V vectors of sums in registers for the whole group.
///
/// # Safety
/// The CPU must have AVX2 and FMA (inlined into a function that enables them). Bounds are
/// asserted.
#[target_feature(enable = "avx2,fma")]
fn add_tile<T: Element, const J: usize, const V: usize>(
    group: &Group<T>,
    j0: usize,
    v0: usize,
    sums: &mut [f64],
) {
    let (n, kp) = (group.n, group.kp);
    let count = group.coef.len() / kp;
    assert!(
        j0 + J <= n && 4 * (v0 + V) <= kp && group.x.len() == count * n && sums.len() == n * kp,
        "a tile of the group"
    );
    let (xp, cp, sp) = (group.x.as_ptr(), group.coef.as_ptr(), sums.as_mut_ptr());
    // In the loads and stores below, (j0 + a)·K′ + 4(v0 + v) + 4 ≤ n·K′ = sums.len(),
    // r·K′ + 4(v0 + v) + 4 ≤ count·K′ = coef.len() and r·n + j0 + a < count·n = x.len()
    // (asserted, with r < count, a < J, v < V).
    let mut acc = [[_mm256_setzero_pd(); V]; J];
    for a in 0..J {
        for v in 0..V {
            // SAFETY: within sums (above); this function enables AVX2.
            acc[a][v] = unsafe { _mm256_loadu_pd(sp.add((j0 + a) * kp + 4 * (v0 + v))) };
        }
    }
    for r in 0..count {
        let mut cv = [_mm256_setzero_pd(); V];
        for v in 0..V {
            // SAFETY: within coef (above); this function enables AVX2.
            cv[v] = unsafe { _mm256_loadu_pd(cp.add(r * kp + 4 * (v0 + v))) };
        }
        for a in 0..J {
            // SAFETY: within x (above); this function enables AVX2.
            let xv = unsafe { T::broadcast(xp.add(r * n + j0 + a)) };
            for v in 0..V {
                acc[a][v] = _mm256_fmadd_pd(cv[v], xv, acc[a][v]);
            }
        }
    }
    for a in 0..J {
        for v in 0..V {
            // SAFETY: within sums (above); this function enables AVX2.
            unsafe { _mm256_storeu_pd(sp.add((j0 + a) * kp + 4 * (v0 + v)), acc[a][v]) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{axpy, dot};
    use super::*;
    use crate::data::Design;

    /// A matrix of `rows` × `n` values with an irregular pattern of signs and sizes.
    fn matrix<T: Element>(rows: usize, n: usize) -> DenseMatrix<T> {
        let values = (0..rows * n)
            .map(|v| T::from_f64(((v * 7919) % 997) as f64 / 97.0 - 5.0).unwrap())
            .collect();
        DenseMatrix::from_row_major(values, rows, n)
    }

    /// Every (classes, features, rows) of the cases: tails of the class tiles (2, 3: one tile;
    /// 5, 17: a remainder; 8, 10: the benchmark's), of the groups of four columns (1, 3, 7) and of
    /// the row tiles (1, 3, 4, 5, 33).
    fn cases() -> impl Iterator<Item = (usize, usize, usize)> {
        [2, 3, 5, 8, 10, 17].into_iter().flat_map(|k| {
            [1, 3, 7, 100]
                .into_iter()
                .flat_map(move |n| [1, 3, 4, 5, 33].into_iter().map(move |m| (k, n, m)))
        })
    }

    /// A check of the kernels on one case (a trait, for a method generic over the storage).
    trait Check {
        fn check<T: Element>(&self, case: Case<T>);
    }

    /// The rows `rows` of `x` with K = `k` classes, described by `name`.
    struct Case<'a, T> {
        x: &'a DenseMatrix<T>,
        rows: Range<usize>,
        k: usize,
        name: &'a str,
    }

    /// `check` on every case, f32 and f64 storage. The block starts at row 2 of a matrix with
    /// rows after it (the kernels prefetch past the block).
    fn for_each_case(check: &impl Check) {
        for (k, n, m) in cases() {
            let case = format!("K = {k}, n = {n}, {m} rows");
            check.check(Case {
                x: &matrix::<f32>(m + 5, n),
                rows: 2..2 + m,
                k,
                name: &format!("{case}, f32"),
            });
            check.check(Case {
                x: &matrix::<f64>(m + 5, n),
                rows: 2..2 + m,
                k,
                name: &format!("{case}, f64"),
            });
        }
    }

    fn weights(n: usize, k: usize) -> Vec<f64> {
        (0..n * k).map(|v| (v as f64 * 0.37).sin()).collect()
    }

    fn coefficients(m: usize, k: usize) -> Vec<f64> {
        (0..m * k).map(|v| (v as f64 * 0.11).cos() - 0.3).collect()
    }

    #[test]
    fn k_column_kernels_match_a_naive_f64_sum() {
        struct Naive;
        impl Check for Naive {
            fn check<T: Element>(&self, case: Case<T>) {
                let Case {
                    x,
                    rows,
                    k,
                    name: case,
                } = case;
                let x: &dyn Design = x;
                let (m, n) = (rows.len(), x.n_features());
                let (wt, coef) = (weights(n, k), coefficients(m, k));
                let mut z = vec![0.0; m * k];
                x.dots_k(rows.clone(), &wt, k, &mut z);
                let mut g: Vec<f64> = (0..n * k).map(|v| v as f64 * 0.5).collect();
                let g0 = g.clone();
                x.add_rows_k(rows.clone(), &coef, k, &mut g);
                let xs: Vec<Vec<f64>> = rows.clone().map(|i| x.row_values(i)).collect();
                // |error| ≤ 1e-13 · Σ |terms| (the kernels only reorder sums of at most 100 terms).
                let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-13 * scale;
                for (r, xr) in xs.iter().enumerate() {
                    for c in 0..k {
                        let terms = (0..n).map(|j| xr[j] * wt[j * k + c]);
                        let scale = terms.clone().map(f64::abs).sum::<f64>();
                        let naive = terms.sum::<f64>();
                        assert!(close(z[r * k + c], naive, scale), "dots_k, {case}");
                    }
                }
                for j in 0..n {
                    for c in 0..k {
                        let terms = xs.iter().enumerate().map(|(r, xr)| coef[r * k + c] * xr[j]);
                        let scale = g0[j * k + c].abs() + terms.clone().map(f64::abs).sum::<f64>();
                        let naive = g0[j * k + c] + terms.sum::<f64>();
                        assert!(close(g[j * k + c], naive, scale), "add_rows_k, {case}");
                    }
                }
            }
        }
        for_each_case(&Naive);
    }

    #[test]
    fn tiled_kernels_are_bit_identical_to_portable_one_class_at_a_time() {
        if !(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")) {
            return;
        }
        struct Bits;
        impl Check for Bits {
            fn check<T: Element>(&self, case: Case<T>) {
                let Case {
                    x,
                    rows,
                    k,
                    name: case,
                } = case;
                let (m, n) = (rows.len(), x.cols);
                let (wt, coef) = (weights(n, k), coefficients(m, k));
                let bits = |v: &[f64]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                // The portable kernels, one class at a time (the trait's defaults without AVX2).
                let mut expected = vec![0.0; m * k];
                for c in 0..k {
                    let w: Vec<f64> = (0..n).map(|j| wt[j * k + c]).collect();
                    for (r, i) in rows.clone().enumerate() {
                        expected[r * k + c] = dot(x.row(i), &w);
                    }
                }
                let mut z = vec![0.0; m * k];
                // SAFETY: AVX2 and FMA detected above.
                unsafe { dots_k(x, rows.clone(), &wt, k, &mut z) };
                assert_eq!(bits(&z), bits(&expected), "dots_k, {case}");
                let g0: Vec<f64> = (0..n * k).map(|v| (v as f64 * 0.3).sin()).collect();
                let mut expected = g0.clone();
                for c in 0..k {
                    let mut one = vec![0.0; n];
                    for (r, i) in rows.clone().enumerate() {
                        axpy(coef[r * k + c], x.row(i), &mut one);
                    }
                    for (j, v) in one.iter().enumerate() {
                        expected[j * k + c] += v;
                    }
                }
                let mut g = g0.clone();
                // SAFETY: AVX2 and FMA detected above.
                unsafe { add_rows_k(x, rows.clone(), &coef, k, &mut g) };
                assert_eq!(bits(&g), bits(&expected), "add_rows_k, {case}");
            }
        }
        for_each_case(&Bits);
    }
}
