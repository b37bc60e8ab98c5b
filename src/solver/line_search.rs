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
//! When the caller expects to check the gap at the next iterate, the trial passes also keep the
//! curvature ([`Objective::evaluate_with_curvature`], at about the cost of a plain pass), so the
//! check needs no pass of its own.

use super::{Run, dot};
use crate::objective::{Evaluation, Hessian, Objective};

const C1: f64 = 1e-4;
const C2: f64 = 0.9;
const MAX_EVALUATIONS: usize = 30;

/// An accepted step, with the Hessian there when the search kept the curvature.
pub struct Step<'a> {
    pub theta: Vec<f64>,
    pub eval: Evaluation,
    pub hessian: Option<Hessian<'a>>,
}

/// One trial point.
struct Trial<'a> {
    alpha: f64,
    phi: f64,
    dphi: f64,
    theta: Vec<f64>,
    eval: Evaluation,
    hessian: Option<Hessian<'a>>,
}

impl<'a> Trial<'a> {
    fn step(self) -> Step<'a> {
        Step {
            theta: self.theta,
            eval: self.eval,
            hessian: self.hessian,
        }
    }
}

fn trial<'a>(
    objective: &Objective<'a>,
    run: &mut Run,
    theta: &[f64],
    d: &[f64],
    alpha: f64,
    curvature: bool,
) -> Trial<'a> {
    let point: Vec<f64> = theta.iter().zip(d).map(|(t, di)| t + alpha * di).collect();
    let (eval, hessian) = if curvature {
        let (eval, hessian) = objective.evaluate_with_curvature(&point);
        (eval, Some(hessian))
    } else {
        (objective.evaluate(&point), None)
    };
    run.count_pass(true, true);
    Trial {
        alpha,
        phi: eval.cost,
        dphi: dot(&eval.gradient, d),
        theta: point,
        eval,
        hessian,
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
/// `alpha`; with `keep_curvature`, every trial is a Newton pass. Returns None when no
/// acceptable step is found.
pub fn strong_wolfe<'a>(
    objective: &Objective<'a>,
    run: &mut Run,
    theta: &[f64],
    eval: &Evaluation,
    d: &[f64],
    alpha: f64,
    keep_curvature: bool,
) -> Option<Step<'a>> {
    let phi0 = eval.cost;
    let dphi0 = dot(&eval.gradient, d);
    if dphi0.is_nan() || dphi0 >= 0.0 {
        return None;
    }
    let sufficient = |t: &Trial| t.phi <= phi0 + C1 * t.alpha * dphi0;
    let curvature = |t: &Trial| t.dphi.abs() <= -C2 * dphi0;
    let done = |t: Trial<'a>| Some(t.step());

    let mut previous = Trial {
        alpha: 0.0,
        phi: phi0,
        dphi: dphi0,
        theta: theta.to_vec(),
        eval: eval.clone(),
        hessian: None,
    };
    let mut alpha = alpha;
    let mut evaluations = 0;
    // Bracketing: grow α until the interval (previous, current) must hold an acceptable step.
    let (mut lo, mut hi) = loop {
        let current = trial(objective, run, theta, d, alpha, keep_curvature);
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
        let current = trial(objective, run, theta, d, alpha, keep_curvature);
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
    (lo.alpha > 0.0).then(|| lo.step())
}
