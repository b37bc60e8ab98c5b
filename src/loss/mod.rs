//! Stable scalar kernels of the neuron: the sigmoid and the loss computed from the logit.
//!
//! With a = σ(z) = 1 / (1 + e^(−z)) the lesson's loss is
//! L(a, y) = −(y·log a + (1 − y)·log(1 − a)). Written in the logit z it is
//!
//! - y = 1: L = −log σ(z)       = log(1 + e^(−z))
//! - y = 0: L = −log(1 − σ(z))  = log(1 + e^(z))
//!
//! so L = softplus(−z) or softplus(z), and softplus(t) = log(1 + e^t) is evaluated as
//! `max(t, 0) + ln_1p(e^(−|t|))`, which never overflows and keeps full relative precision for
//! both tails (LIBLINEAR's `l2r_lr_fun::C_times_loss` uses the same branch on the sign).
//! Computing `log(sigmoid(z))` instead gives −inf once σ(z) rounds to 0 (z ≲ −745).
//!
//! The derivative of L with respect to z is dz = a − y, the lesson's backward step.
//!
//! [`block`] computes the same for a block of logits with vectorisable polynomials; the
//! training passes use it. [`multinomial`] is the K-neuron layer (softmax), and [`Loss`] says
//! which of the two an objective uses.

pub mod block;
pub mod multinomial;

/// The output layer and its loss: what turns the logits of a row into a loss and dz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// One sigmoid neuron, y ∈ {0, 1}: the lesson's L (this module, and [`block`]).
    Binomial,
    /// K softmax neurons, y ∈ {0, …, K − 1}: L = log Σ_k e^(z_k) − z_y ([`multinomial`]).
    Multinomial { classes: usize },
}

impl Loss {
    /// Neurons, each with its own weight vector and bias: 1, or K.
    pub fn outputs(self) -> usize {
        match self {
            Loss::Binomial => 1,
            Loss::Multinomial { classes } => classes,
        }
    }
}

/// σ(z) = 1 / (1 + e^(−z)), evaluated without overflow for any finite z.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// softplus(t) = log(1 + e^t), exact to rounding for every finite t.
#[inline]
pub fn log1p_exp(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

/// The cross-entropy loss L(σ(z), y) for a label y ∈ {0, 1}, computed from the logit z.
#[inline]
pub fn loss_from_logit(z: f64, y: f64) -> f64 {
    if y > 0.5 { log1p_exp(-z) } else { log1p_exp(z) }
}

/// dz = dL/dz = σ(z) − y, for y = 1 written −σ(−z), so that it keeps its digits where σ(z)
/// rounds to 1 (at z = 40, −4.2e-18 rather than 0).
#[inline]
pub fn dz(z: f64, y: f64) -> f64 {
    if y == 1.0 {
        -sigmoid(-z)
    } else {
        sigmoid(z) - y
    }
}

/// a = σ(z) and, if `with_loss`, L(a, y), sharing one exponential e^(−|z|): the form the
/// training passes use. Returns (a, L), with L = 0 when not asked for.
#[inline(always)]
pub fn forward(z: f64, y: f64, with_loss: bool) -> (f64, f64) {
    let e = (-z.abs()).exp();
    let a = if z >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    let loss = if with_loss {
        // softplus(±z) = max(±z, 0) + ln(1 + e^(−|z|))
        let t = if y > 0.5 { -z } else { z };
        t.max(0.0) + e.ln_1p()
    } else {
        0.0
    };
    (a, loss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dz_keeps_its_digits_where_a_rounds_to_one() {
        assert_eq!(sigmoid(40.0), 1.0);
        let expected = (-40f64).exp() / (1.0 + (-40f64).exp());
        assert_eq!(dz(40.0, 1.0), -expected);
        assert!(dz(40.0, 1.0) < 0.0);
        assert_eq!(dz(-40.0, 0.0), expected);
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn loss_is_finite_and_correct_at_large_logits() {
        for &z in &[40.0, 800.0, 1e4] {
            // Correct prediction: L = log(1 + e^(−z)) ≈ e^(−z), tiny but not lost.
            let right = loss_from_logit(z, 1.0);
            assert!(right.is_finite() && right >= 0.0);
            let expected = (-z).exp();
            assert!(close(right, expected, 1e-12) || (expected == 0.0 && right == 0.0));
            assert!(close(loss_from_logit(-z, 0.0), right, 0.0));
            // Wrong prediction: L = log(1 + e^z) ≈ z, no overflow.
            let wrong = loss_from_logit(z, 0.0);
            assert!(close(wrong, z, 1e-15), "L(z = {z}, y = 0) = {wrong}");
            assert!(close(loss_from_logit(-z, 1.0), z, 1e-15));
        }
        // e^(−40) is representable: the small loss keeps its relative precision.
        assert!(close(
            loss_from_logit(40.0, 1.0),
            4.248354255291589e-18,
            1e-12
        ));
    }

    #[test]
    fn fused_forward_matches_the_separate_kernels() {
        for &z in &[
            -1e4, -800.0, -40.0, -3.0, -0.5, 0.0, 0.5, 3.0, 40.0, 800.0, 1e4,
        ] {
            for &y in &[0.0, 1.0] {
                let (a, l) = forward(z, y, true);
                assert!(close(a, sigmoid(z), 1e-15) || a == sigmoid(z));
                assert!(close(l, loss_from_logit(z, y), 1e-15) || l == loss_from_logit(z, y));
            }
        }
    }

    #[test]
    fn loss_at_zero_is_ln_2() {
        assert!(close(
            loss_from_logit(0.0, 1.0),
            std::f64::consts::LN_2,
            1e-15
        ));
        assert!(close(
            loss_from_logit(0.0, 0.0),
            std::f64::consts::LN_2,
            1e-15
        ));
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        assert_eq!(sigmoid(1e4), 1.0);
        assert_eq!(sigmoid(-1e4), 0.0);
        assert!(close(sigmoid(-800.0), 0.0, 0.0) && sigmoid(-40.0) > 0.0);
        assert_eq!(sigmoid(0.0), 0.5);
        // dz = a − y stays in [−1, 1] at every extreme.
        for &z in &[-1e4, -800.0, -40.0, 40.0, 800.0, 1e4] {
            for &y in &[0.0, 1.0] {
                let d = dz(z, y);
                assert!(d.is_finite() && (-1.0..=1.0).contains(&d));
            }
        }
    }

    #[test]
    fn loss_matches_the_lesson_formula_where_that_formula_is_safe() {
        for &z in &[-5.0, -0.3, 0.7, 3.0] {
            let a = sigmoid(z);
            for &y in &[0.0, 1.0] {
                let lesson = -(y * a.ln() + (1.0 - y) * (1.0 - a).ln());
                assert!(close(loss_from_logit(z, y), lesson, 1e-12));
            }
        }
    }
}
