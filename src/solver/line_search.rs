//! A line search satisfying the strong Wolfe conditions (Nocedal & Wright, "Numerical
//! Optimization", 2nd ed., Algorithms 3.5 and 3.6).
//!
//! Along θ + α·d with φ(α) = J(θ + α·d) it finds α with
//!
//! - sufficient decrease: φ(α) ≤ φ(0) + c₁·α·φ'(0)
//! - curvature:           |φ'(α)| ≤ c₂·|φ'(0)|
//!
//! by bracketing, then zooming with safeguarded cubic interpolation. Every trial point costs one
//! fused J-and-∇J pass, and the accepted point's evaluation is returned for the next iteration.

use super::{Run, dot};
use crate::objective::{Evaluation, Objective};

const C1: f64 = 1e-4;
const C2: f64 = 0.9;
const MAX_EVALUATIONS: usize = 30;

/// An accepted step.
pub struct Step {
    pub theta: Vec<f64>,
    pub eval: Evaluation,
}

/// One trial point.
struct Trial {
    alpha: f64,
    phi: f64,
    dphi: f64,
    theta: Vec<f64>,
    eval: Evaluation,
}

fn trial(objective: &Objective, run: &mut Run, theta: &[f64], d: &[f64], alpha: f64) -> Trial {
    let point: Vec<f64> = theta.iter().zip(d).map(|(t, di)| t + alpha * di).collect();
    let eval = objective.evaluate(&point);
    run.count_pass(true, true);
    Trial {
        alpha,
        phi: eval.cost,
        dphi: dot(&eval.gradient, d),
        theta: point,
        eval,
    }
}

/// The minimiser of the cubic through (a, φa, φ'a) and (b, φb, φ'b), kept inside the middle 80%
/// of the interval; bisection when the cubic has no usable minimum.
fn cubic(a: &Trial, b: &Trial) -> f64 {
    let (lo, hi) = (a.alpha.min(b.alpha), a.alpha.max(b.alpha));
    let d1 = a.dphi + b.dphi - 3.0 * (a.phi - b.phi) / (a.alpha - b.alpha);
    let radicand = d1 * d1 - a.dphi * b.dphi;
    let mut alpha = f64::NAN;
    if radicand >= 0.0 {
        let d2 = (b.alpha - a.alpha).signum() * radicand.sqrt();
        alpha = b.alpha - (b.alpha - a.alpha) * (b.dphi + d2 - d1) / (b.dphi - a.dphi + 2.0 * d2);
    }
    let margin = 0.1 * (hi - lo);
    if alpha.is_finite() {
        alpha.clamp(lo + margin, hi - margin)
    } else {
        0.5 * (lo + hi)
    }
}

/// Searches along the descent direction `d` from θ (where J = `eval.cost`), starting at
/// `alpha`. Returns None when no acceptable step is found.
pub fn strong_wolfe(
    objective: &Objective,
    run: &mut Run,
    theta: &[f64],
    eval: &Evaluation,
    d: &[f64],
    alpha: f64,
) -> Option<Step> {
    let phi0 = eval.cost;
    let dphi0 = dot(&eval.gradient, d);
    if dphi0.is_nan() || dphi0 >= 0.0 {
        return None;
    }
    let sufficient = |t: &Trial| t.phi <= phi0 + C1 * t.alpha * dphi0;
    let curvature = |t: &Trial| t.dphi.abs() <= -C2 * dphi0;
    let done = |t: Trial| {
        Some(Step {
            theta: t.theta,
            eval: t.eval,
        })
    };

    let mut previous = Trial {
        alpha: 0.0,
        phi: phi0,
        dphi: dphi0,
        theta: theta.to_vec(),
        eval: eval.clone(),
    };
    let mut alpha = alpha;
    let mut evaluations = 0;
    // Bracketing: grow α until the interval (previous, current) must hold an acceptable step.
    let (mut lo, mut hi) = loop {
        let current = trial(objective, run, theta, d, alpha);
        evaluations += 1;
        if !current.phi.is_finite()
            || !sufficient(&current)
            || (evaluations > 1 && current.phi >= previous.phi)
        {
            break (previous, current);
        }
        if curvature(&current) {
            return done(current);
        }
        if current.dphi >= 0.0 {
            break (current, previous);
        }
        if evaluations >= MAX_EVALUATIONS {
            return done(current);
        }
        alpha = current.alpha * 2.0;
        previous = current;
    };
    // Zoom: lo satisfies sufficient decrease and has the lower φ; the minimiser lies between.
    while evaluations < MAX_EVALUATIONS {
        let alpha = if hi.phi.is_finite() {
            cubic(&lo, &hi)
        } else {
            0.5 * (lo.alpha + hi.alpha)
        };
        let current = trial(objective, run, theta, d, alpha);
        evaluations += 1;
        if !current.phi.is_finite() || !sufficient(&current) || current.phi >= lo.phi {
            hi = current;
        } else {
            if curvature(&current) {
                return done(current);
            }
            if current.dphi * (hi.alpha - lo.alpha) >= 0.0 {
                hi = lo;
            }
            lo = current;
        }
        if (hi.alpha - lo.alpha).abs() <= 1e-12 * lo.alpha.abs().max(1e-300) {
            break;
        }
    }
    // Out of evaluations: take the best point with sufficient decrease, if any.
    (lo.alpha > 0.0).then_some(Step {
        theta: lo.theta,
        eval: lo.eval,
    })
}
