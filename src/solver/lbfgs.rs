//! Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", 2nd ed., Algorithm 7.4).
//!
//! The inverse Hessian is approximated from the last `memory` pairs s_k = θ_{k+1} − θ_k and
//! y_k = ∇J_{k+1} − ∇J_k. The direction d = −H_k ∇J is computed by the two-loop recursion with
//! the initial scaling H⁰ = γI, γ = sᵀy / yᵀy, and the step length by a strong-Wolfe line
//! search (which guarantees sᵀy > 0, so the approximation stays positive definite). One
//! iteration usually costs a single fused J-and-∇J pass over the data.
//!
//! The model behind d predicts a decrease of −½∇Jᵀd, L-BFGS's own estimate of the gap; when it
//! is small enough, the gap is certified by CG with the true Hessian (see [`super`]).

use super::line_search::strong_wolfe;
use super::{GapEstimate, Observer, Run, Solution, Stopping, dot, norm};
use crate::objective::Objective;
use std::collections::VecDeque;

/// L-BFGS with a strong-Wolfe line search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lbfgs {
    /// Number of (s, y) pairs kept.
    pub memory: usize,
    pub stopping: Stopping,
}

/// One curvature pair with ρ = 1/(yᵀs).
struct Pair {
    s: Vec<f64>,
    y: Vec<f64>,
    rho: f64,
}

/// d = −H∇J by the two-loop recursion.
fn direction(gradient: &[f64], pairs: &VecDeque<Pair>) -> Vec<f64> {
    let mut q = gradient.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for p in pairs.iter().rev() {
        let alpha = p.rho * dot(&p.s, &q);
        for (qi, yi) in q.iter_mut().zip(&p.y) {
            *qi -= alpha * yi;
        }
        alphas.push(alpha);
    }
    if let Some(last) = pairs.back() {
        let gamma = dot(&last.s, &last.y) / dot(&last.y, &last.y);
        for qi in &mut q {
            *qi *= gamma;
        }
    }
    for (p, alpha) in pairs.iter().zip(alphas.iter().rev()) {
        let beta = p.rho * dot(&p.y, &q);
        for (qi, si) in q.iter_mut().zip(&p.s) {
            *qi += (alpha - beta) * si;
        }
    }
    q.iter().map(|v| -v).collect()
}

impl Lbfgs {
    /// Minimises `objective` from `theta`.
    pub fn minimize(
        &self,
        objective: &Objective,
        mut theta: Vec<f64>,
        observer: &mut Observer,
    ) -> Solution {
        let mut run = Run::new(self.stopping, objective, observer).taking_newton_steps();
        let mut eval = objective.evaluate(&theta);
        run.count_pass(true, true);
        let mut pairs: VecDeque<Pair> = VecDeque::with_capacity(self.memory);
        let mut iteration = 0;
        let termination = loop {
            let mut d = direction(&eval.gradient, &pairs);
            if dot(&d, &eval.gradient) >= 0.0 {
                // Lost descent (rounding in a long memory): restart from steepest descent.
                pairs.clear();
                d = eval.gradient.iter().map(|g| -g).collect();
            }
            // Without pairs, d = −∇J carries no curvature: no estimate.
            let estimate = if pairs.is_empty() {
                GapEstimate::Unknown
            } else {
                GapEstimate::Hint(-0.5 * dot(&d, &eval.gradient))
            };
            if let Some(t) = run.accept(iteration, &eval, &theta, estimate) {
                break t;
            }
            // After a failed check of the gap, its truncated Newton step is the better
            // direction. The first step has no curvature information: a unit move in θ.
            let alpha = if let Some(newton) = run.take_newton_step() {
                d = newton;
                1.0
            } else if pairs.is_empty() {
                (1.0 / norm(&d)).min(1.0)
            } else {
                1.0
            };
            // Keep the curvature on the way when the next iterate will probably be checked.
            let ahead = match estimate {
                GapEstimate::Hint(hint) => run.check_ahead(hint, eval.cost),
                _ => false,
            };
            let Some(step) = strong_wolfe(objective, &mut run, &theta, &eval, &d, alpha, ahead)
            else {
                break run.stalled(&theta, &eval);
            };
            let s: Vec<f64> = step.theta.iter().zip(&theta).map(|(a, b)| a - b).collect();
            let y: Vec<f64> = step
                .eval
                .gradient
                .iter()
                .zip(&eval.gradient)
                .map(|(a, b)| a - b)
                .collect();
            let sy = dot(&s, &y);
            if sy > 1e-12 * norm(&s) * norm(&y) {
                if pairs.len() == self.memory {
                    pairs.pop_front();
                }
                pairs.push_back(Pair {
                    s,
                    y,
                    rho: 1.0 / sy,
                });
            }
            theta = step.theta;
            eval = step.eval;
            run.offer_hessian(step.hessian);
            iteration += 1;
        };
        run.finish("lbfgs", termination, iteration, &eval, theta)
    }
}
