//! Batch gradient descent, exactly as the lesson teaches it.
//!
//! Repeat over the whole batch: compute J and (dw, db) in one forward and backward pass, then
//! step w ← w − α·dw, b ← b − α·db. For a convex J with an L-Lipschitz gradient every step with
//! α < 2/L lowers J, so a rise in J (or a non-finite J) means α is too large: the solver stops
//! with [`Termination::Diverged`] instead of running away.
//!
//! Near the optimum the decreases of J shrink geometrically, by a ratio ρ close to 1, so the
//! gap left is about the sum of the decreases still to come, Δ_k·ρ/(1 − ρ): the estimate that
//! decides when to certify the gap by CG (see [`super`]).

use super::{GapEstimate, Observer, Run, Solution, Stopping, Termination};
use crate::objective::Objective;

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
        let mut run = Run::new(self.stopping, objective, observer);
        let alpha = self.learning_rate;
        let mut eval = objective.evaluate(&theta);
        run.count_pass(true, true);
        let mut iteration = 0;
        // The last two decreases of J.
        let (mut before, mut last) = (f64::NAN, f64::NAN);
        let termination = loop {
            let ratio = last / before;
            let estimate = if (0.0..1.0).contains(&ratio) {
                GapEstimate::Hint(last * ratio / (1.0 - ratio))
            } else {
                GapEstimate::Unknown
            };
            if let Some(t) = run.accept(iteration, &eval, &theta, estimate) {
                break t;
            }
            // w ← w − α·dw, b ← b − α·db
            for (t, g) in theta.iter_mut().zip(&eval.gradient) {
                *t -= alpha * g;
            }
            iteration += 1;
            let previous = eval.cost;
            eval = objective.evaluate(&theta);
            run.count_pass(true, true);
            if eval.cost > previous + RISE_TOLERANCE * previous.abs() {
                run.record(eval.cost);
                break Termination::Diverged;
            }
            (before, last) = (last, previous - eval.cost);
        };
        run.finish("gd", termination, iteration, &eval, theta)
    }
}
