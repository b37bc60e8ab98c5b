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
//! A block's logits are stored class by class: z\[k·stride + r\] for row r of the block, so
//! each neuron's logits come straight from one call of the data's `dots` kernel.

use super::block::{exp_nonpositive, sum};

/// For the `len` rows of a block with logits z\[k·stride + r\] (without the biases `b`), labels
/// `y` (class indices) and weights `weights` (1 when None): writes a\[k·stride + r\] = a_k of
/// row r and returns Σ_r s_r L_r if `with_loss`, else 0. `scratch` holds at least 2·`len`
/// values.
#[allow(clippy::too_many_arguments)]
pub fn forward(
    z: &[f64],
    stride: usize,
    len: usize,
    b: &[f64],
    y: &[f64],
    weights: Option<&[f64]>,
    a: &mut [f64],
    scratch: &mut [f64],
    with_loss: bool,
) -> f64 {
    let classes = b.len();
    assert!(
        len <= stride.min(super::block::MAX_BLOCK)
            && y.len() == len
            && z.len() >= classes * stride
            && a.len() >= z.len()
            && classes <= usize::from(u16::MAX),
        "block of the wrong size"
    );
    debug_assert!(weights.is_none_or(|s| s.len() == len));
    let (top, rest) = scratch[..2 * len].split_at_mut(len);
    let mut first = [0u16; super::block::MAX_BLOCK];
    top.fill(f64::NEG_INFINITY);
    for (k, bk) in b.iter().enumerate() {
        let zk = &z[k * stride..k * stride + len];
        for r in 0..len {
            let v = zk[r] + bk;
            if v > top[r] {
                top[r] = v;
                first[r] = k as u16;
            }
        }
    }
    // rest = Σ over the classes but the (first) largest of e^(z_k − M), so that
    // log Σ_l e^(z_l − M) = ln_1p(rest) keeps its digits when the largest class dominates.
    rest.fill(0.0);
    for (k, bk) in b.iter().enumerate() {
        let zk = &z[k * stride..k * stride + len];
        let ak = &mut a[k * stride..k * stride + len];
        for r in 0..len {
            let e = exp_nonpositive(zk[r] + bk - top[r]);
            ak[r] = e;
            if first[r] as usize != k {
                rest[r] += e;
            }
        }
    }
    for k in 0..classes {
        for (ar, t) in a[k * stride..k * stride + len].iter_mut().zip(&*rest) {
            *ar /= 1.0 + t;
        }
    }
    if !with_loss {
        return 0.0;
    }
    // L_r = (M_r − z_y) + ln_1p(rest_r).
    for r in 0..len {
        let k = y[r] as usize;
        debug_assert!(k < classes, "a class index beyond the classes");
        let zy = z[k * stride + r] + b[k];
        let l = (top[r] - zy) + rest[r].ln_1p();
        top[r] = match weights {
            Some(s) => s[r] * l,
            None => l,
        };
    }
    sum(top)
}

/// The rows of a block on the wrong side of a decision boundary: the true class's logit is not
/// strictly above every other class's. Rows of weight 0 do not count.
pub fn misclassified(
    z: &[f64],
    stride: usize,
    len: usize,
    b: &[f64],
    y: &[f64],
    weights: Option<&[f64]>,
) -> usize {
    let mut wrong = 0;
    for r in 0..len {
        if weights.is_some_and(|s| s[r] == 0.0) {
            continue;
        }
        let k = y[r] as usize;
        let zy = z[k * stride + r] + b[k];
        let beaten = (0..b.len()).any(|l| l != k && z[l * stride + r] + b[l] >= zy);
        wrong += usize::from(beaten);
    }
    wrong
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
        // Three rows, three classes, stored class by class with a stride of 4.
        let rows = [[0.5, -1.0, 2.0], [3.0, 3.0, -2.0], [-0.25, 0.0, 0.25]];
        let b = [0.1, -0.2, 0.3];
        let y = [2.0, 0.0, 1.0];
        let stride = 4;
        let mut z = vec![0.0; 3 * stride];
        for (r, row) in rows.iter().enumerate() {
            for k in 0..3 {
                z[k * stride + r] = row[k];
            }
        }
        let mut a = vec![0.0; z.len()];
        let mut scratch = vec![0.0; 8];
        let total = forward(&z, stride, 3, &b, &y, None, &mut a, &mut scratch, true);
        let mut expected = 0.0;
        for (r, row) in rows.iter().enumerate() {
            let with_bias: Vec<f64> = row.iter().zip(&b).map(|(z, b)| z + b).collect();
            let (p, l) = naive(&with_bias, y[r] as usize);
            expected += l;
            for k in 0..3 {
                assert!((a[k * stride + r] - p[k]).abs() < 1e-15);
            }
        }
        assert!((total - expected).abs() < 1e-14 * expected);
        // Logits of ±800 neither overflow nor lose the small loss.
        let z = vec![800.0, 0.0, -800.0, -800.0];
        let mut a = vec![0.0; 4];
        let l = forward(
            &z,
            2,
            2,
            &[0.0, 0.0],
            &[0.0, 1.0],
            None,
            &mut a,
            &mut scratch,
            true,
        );
        assert!(l.is_finite());
        // Row 0: class 0 wins by 1600, L ≈ 0; row 1: class 1 loses by 800, L ≈ 800.
        assert!((l - 800.0).abs() < 1e-9);
        assert_eq!(a[0], 1.0);
    }

    #[test]
    fn two_classes_give_the_binomial_loss_of_the_difference() {
        let mut scratch = vec![0.0; 4];
        for &d in &[-40.0, -3.0, 0.0, 0.7, 40.0, 700.0] {
            for y in [0.0, 1.0] {
                // z_0 = 0, z_1 = d: a_1 = σ(d), L = binomial L(σ(d), y).
                let z = [0.0, d];
                let mut a = [0.0; 2];
                let l = forward(
                    &z,
                    1,
                    1,
                    &[0.0, 0.0],
                    &[y],
                    None,
                    &mut a,
                    &mut scratch,
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
        let z = [1.0, 2.0, 0.0, 0.0];
        let b = [0.0, 0.0];
        let y = [0.0, 0.0];
        let mut a = [0.0; 4];
        let mut scratch = vec![0.0; 4];
        let one = forward(&z, 2, 2, &b, &y, None, &mut a, &mut scratch, true);
        let weighted = forward(
            &z,
            2,
            2,
            &b,
            &y,
            Some(&[2.0, 2.0]),
            &mut a,
            &mut scratch,
            true,
        );
        assert!((weighted - 2.0 * one).abs() < 1e-15);
        // Class 0's logits (1, 2) beat class 1's (0, 0) on both rows.
        assert_eq!(misclassified(&z, 2, 2, &b, &[1.0, 1.0], None), 2);
        assert_eq!(
            misclassified(&z, 2, 2, &b, &[1.0, 1.0], Some(&[0.0, 1.0])),
            1
        );
        assert_eq!(misclassified(&z, 2, 2, &b, &y, None), 0);
    }
}
