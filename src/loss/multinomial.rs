//! The K-neuron output layer for a block of rows: softmax and the multinomial cross-entropy,
//! both from the logits.
//!
//! Each of K neurons sees the same x: z_k = w_k·x + b_k. The outputs are
//! a_k = softmax(z)_k = e^(z_k) / Σ_l e^(z_l), and for a row of class y the loss is
//!
//!   L = −log a_y = log Σ_l e^(z_l) − z_y,
//!
//! whose derivative is again the lesson's dz_k = a_k − [y = k]. Both are computed with the
//! largest logit M taken out first: log Σ_l e^(z_l) = M + ln_1p(Σ_{l ≠ top} e^(z_l − M)), every
//! exponent ≤ 0, so nothing overflows, and a dominant class's tiny loss (e^(−40) at a margin of
//! 40) keeps its digits instead of rounding to 0. With K = 2, L is the binomial loss of
//! z_1 − z_0 (tested).
//!
//! A block's logits are stored row by row: z\[r·K + k\] for row r of the block, as the data's
//! K-neuron kernel (`Design::dots_k`) writes them.

use super::block::{exp_nonpositive, sum};

/// For the rows of a block with logits z\[r·K + k\] (without the biases `b`, K = `b.len()`),
/// labels `y` (class indices) and weights `weights` (1 when None): writes a\[r·K + k\] = a_k of
/// row r and returns Σ_r s_r L_r if `with_loss` (else 0), and the rows of non-zero weight on
/// the wrong side of (or on) a decision boundary: the true class's logit not strictly above
/// every other's. `losses` holds at least one value per row.
pub fn forward(
    z: &[f64],
    b: &[f64],
    y: &[f64],
    weights: Option<&[f64]>,
    a: &mut [f64],
    losses: &mut [f64],
    with_loss: bool,
) -> (f64, usize) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA.
        return unsafe { forward_avx2(z, b, y, weights, a, losses, with_loss) };
    }
    forward_portable(z, b, y, weights, a, losses, with_loss)
}

/// [`forward`] compiled for AVX2 and FMA: the exponential's multiply-adds become single
/// instructions instead of calls (the same correctly rounded results).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn forward_avx2(
    z: &[f64],
    b: &[f64],
    y: &[f64],
    weights: Option<&[f64]>,
    a: &mut [f64],
    losses: &mut [f64],
    with_loss: bool,
) -> (f64, usize) {
    forward_portable(z, b, y, weights, a, losses, with_loss)
}

#[inline(always)]
fn forward_portable(
    z: &[f64],
    b: &[f64],
    y: &[f64],
    weights: Option<&[f64]>,
    a: &mut [f64],
    losses: &mut [f64],
    with_loss: bool,
) -> (f64, usize) {
    let k = b.len();
    let len = y.len();
    assert!(
        z.len() >= len * k && a.len() >= len * k && losses.len() >= len,
        "block of the wrong size"
    );
    debug_assert!(weights.is_none_or(|s| s.len() == len));
    let mut wrong_rows = 0;
    for r in 0..len {
        let (zr, ar) = (&z[r * k..(r + 1) * k], &mut a[r * k..(r + 1) * k]);
        // The largest logit (its first class) and the runner-up, equal to it on a tie.
        let (mut top, mut second, mut first) = (f64::NEG_INFINITY, f64::NEG_INFINITY, 0);
        for (c, (zc, bc)) in zr.iter().zip(b).enumerate() {
            let v = zc + bc;
            if v > top {
                second = top;
                top = v;
                first = c;
            } else if v > second {
                second = v;
            }
        }
        let label = y[r] as usize;
        let wrong = first != label || second >= top;
        wrong_rows += usize::from(wrong && weights.is_none_or(|s| s[r] != 0.0));
        // rest = Σ over the classes but the (first) largest of e^(z_k − M), so that
        // log Σ_l e^(z_l − M) = ln_1p(rest) keeps its digits when the largest class dominates.
        for ((ac, zc), bc) in ar.iter_mut().zip(zr).zip(b) {
            *ac = exp_nonpositive(zc + bc - top);
        }
        // The largest term is e^0 = 1: left out of the sum (exactly), then put back.
        ar[first] = 0.0;
        let rest: f64 = ar.iter().sum();
        ar[first] = 1.0;
        let inv = 1.0 / (1.0 + rest);
        for ac in ar.iter_mut() {
            *ac *= inv;
        }
        if with_loss {
            debug_assert!(label < k, "a class index beyond the classes");
            // L = (M − z_y) + ln_1p(rest).
            let l = (top - (zr[label] + b[label])) + rest.ln_1p();
            losses[r] = weights.map_or(l, |s| s[r] * l);
        }
    }
    let loss = if with_loss { sum(&losses[..len]) } else { 0.0 };
    (loss, wrong_rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loss from the definition, for moderate logits.
    fn naive(z: &[f64], y: usize) -> (Vec<f64>, f64) {
        let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
        let s: f64 = e.iter().sum();
        (e.iter().map(|v| v / s).collect(), -(e[y] / s).ln())
    }

    #[test]
    fn softmax_and_loss_match_the_definition_and_stay_finite() {
        let rows = [[0.5, -1.0, 2.0], [3.0, 3.0, -2.0], [-0.25, 0.0, 0.25]];
        let b = [0.1, -0.2, 0.3];
        let y = [2.0, 0.0, 1.0];
        let z = rows.concat();
        let mut a = vec![0.0; z.len()];
        let mut losses = [0.0; 3];
        let (total, _) = forward(&z, &b, &y, None, &mut a, &mut losses, true);
        let mut expected = 0.0;
        for (r, row) in rows.iter().enumerate() {
            let with_bias: Vec<f64> = row.iter().zip(&b).map(|(z, b)| z + b).collect();
            let (p, l) = naive(&with_bias, y[r] as usize);
            expected += l;
            for k in 0..3 {
                assert!((a[r * 3 + k] - p[k]).abs() < 1e-15);
            }
        }
        assert!((total - expected).abs() < 1e-14 * expected);
        // Logits of ±800 neither overflow nor lose the small loss.
        let z = [800.0, -800.0, 0.0, -800.0];
        let mut a = [0.0; 4];
        let (l, wrong) = forward(
            &z,
            &[0.0, 0.0],
            &[0.0, 1.0],
            None,
            &mut a,
            &mut losses,
            true,
        );
        // Row 0: class 0 wins by 1600, L ≈ 0; row 1: class 1 loses by 800, L ≈ 800.
        assert!((l - 800.0).abs() < 1e-9);
        assert_eq!(a[0], 1.0);
        assert_eq!(wrong, 1);
    }

    #[test]
    fn two_classes_give_the_binomial_loss_of_the_difference() {
        let mut losses = [0.0; 1];
        for &d in &[-40.0, -3.0, 0.0, 0.7, 40.0, 700.0] {
            for y in [0.0, 1.0] {
                // z_0 = 0, z_1 = d: a_1 = σ(d), L = binomial L(σ(d), y).
                let mut a = [0.0; 2];
                let (l, _) = forward(
                    &[0.0, d],
                    &[0.0, 0.0],
                    &[y],
                    None,
                    &mut a,
                    &mut losses,
                    true,
                );
                let binomial = super::super::loss_from_logit(d, y);
                assert!(
                    (l - binomial).abs() <= 1e-14 * binomial.max(1e-300),
                    "d = {d}, y = {y}: {l} vs {binomial}"
                );
                assert!((a[1] - super::super::sigmoid(d)).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn weights_scale_the_loss_and_zero_weights_are_not_misclassified() {
        // Class 0's logits (1, 2) beat class 1's (0, 0) on both rows.
        let z = [1.0, 0.0, 2.0, 0.0];
        let b = [0.0, 0.0];
        let y = [0.0, 0.0];
        let mut a = [0.0; 4];
        let mut losses = [0.0; 2];
        let (one, right) = forward(&z, &b, &y, None, &mut a, &mut losses, true);
        let (weighted, _) = forward(&z, &b, &y, Some(&[2.0, 2.0]), &mut a, &mut losses, true);
        assert!((weighted - 2.0 * one).abs() < 1e-15);
        assert_eq!(right, 0);
        let wrong = |y: &[f64], s: Option<&[f64]>| {
            forward(&z, &b, y, s, &mut [0.0; 4], &mut [0.0; 2], false).1
        };
        assert_eq!(wrong(&[1.0, 1.0], None), 2);
        assert_eq!(wrong(&[1.0, 1.0], Some(&[0.0, 1.0])), 1);
        // A tie is on the boundary: wrong whichever class is the label.
        let tie = [1.0, 1.0];
        assert_eq!(
            forward(&tie, &b, &[0.0], None, &mut [0.0; 2], &mut [0.0; 1], false).1,
            1
        );
        assert_eq!(
            forward(&tie, &b, &[1.0], None, &mut [0.0; 2], &mut [0.0; 1], false).1,
            1
        );
    }
}
