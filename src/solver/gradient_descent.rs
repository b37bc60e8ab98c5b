//! Batch gradient descent, exactly as the lesson teaches it.
//!
//! Repeat over the whole batch: compute J and (dw, db) in one forward and backward pass, then
//! step w ← w − α·dw, b ← b − α·db. For a convex J with an L-Lipschitz gradient every step with
//! α < 2/L lowers J, so a rise in J (or a non-finite J) means α is too large: the solver stops
//! with [`Termination::Diverged`] instead of running away.

use super::{
    Control, Evaluations, FitReport, Observer, Progress, Solution, Stopping, Termination, norm,
};
use crate::objective::Objective;
use std::time::Instant;

/// Relative rise of J that counts as divergence rather than rounding noise near the optimum.
const RISE_TOLERANCE: f64 = 1e-10;

/// Gradient descent with a fixed learning rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientDescent {
    /// α.
    pub learning_rate: f64,
    pub stopping: Stopping,
}

impl GradientDescent {
    /// Minimises `objective` from `theta`.
    pub fn minimize(
        &self,
        objective: &Objective,
        mut theta: Vec<f64>,
        observer: &mut Observer,
    ) -> Solution {
        let started = Instant::now();
        let alpha = self.learning_rate;
        let mut evaluations = Evaluations::default();
        let mut eval = objective.evaluate(&theta);
        evaluations.function += 1;
        evaluations.gradient += 1;
        evaluations.passes += 1;
        let initial_gradient_norm = norm(&eval.gradient);
        let mut gradient_norm = initial_gradient_norm;
        let mut history = vec![eval.cost];
        let mut iteration = 0;
        let mut termination = match observer(&Progress {
            iteration,
            cost: eval.cost,
            gradient_norm,
            theta: &theta,
        }) {
            Control::Stop(t) => Some(t),
            Control::Continue => None,
        };
        let termination = loop {
            if let Some(t) = termination {
                break t;
            }
            if !eval.cost.is_finite() {
                break Termination::Diverged;
            }
            if gradient_norm <= self.stopping.tol * initial_gradient_norm {
                break Termination::Converged;
            }
            if iteration >= self.stopping.max_iterations {
                break Termination::MaxIterations;
            }
            // w ← w − α·dw, b ← b − α·db
            for (t, g) in theta.iter_mut().zip(&eval.gradient) {
                *t -= alpha * g;
            }
            iteration += 1;
            let previous = eval.cost;
            eval = objective.evaluate(&theta);
            evaluations.function += 1;
            evaluations.gradient += 1;
            evaluations.passes += 1;
            gradient_norm = norm(&eval.gradient);
            history.push(eval.cost);
            if !eval.cost.is_finite() || eval.cost > previous + RISE_TOLERANCE * previous.abs() {
                break Termination::Diverged;
            }
            termination = match observer(&Progress {
                iteration,
                cost: eval.cost,
                gradient_norm,
                theta: &theta,
            }) {
                Control::Stop(t) => Some(t),
                Control::Continue => None,
            };
        };
        Solution {
            theta,
            report: FitReport {
                solver: "gd".into(),
                termination,
                iterations: iteration,
                cost: eval.cost,
                gradient_norm,
                initial_gradient_norm,
                history,
                evaluations,
                seconds: started.elapsed().as_secs_f64(),
            },
        }
    }
}
