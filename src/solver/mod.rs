//! Solvers: each minimises the same J of [`crate::objective`] and returns a [`FitReport`].
//!
//! Every solver stops when ‖∇J(θ)‖ ≤ tol·‖∇J(θ₀)‖ (converged) or after `max_iterations`, and
//! calls an observer after each iteration with the current cost, so the caller can log the
//! lesson's cost curve, stop early on a validation set, or stop on Ctrl-C. Termination is data,
//! not an error: the caller decides what a non-converged or diverged fit means.

pub mod gradient_descent;
pub mod lbfgs;
mod line_search;
pub mod trust_region;

pub use gradient_descent::GradientDescent;
pub use lbfgs::Lbfgs;
pub use trust_region::TrustRegion;

use crate::objective::Evaluation;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// When to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    pub max_iterations: usize,
    /// Relative gradient tolerance: stop once ‖∇J‖ ≤ tol·‖∇J(θ₀)‖.
    pub tol: f64,
}

/// Why a solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// The gradient norm reached the tolerance: θ is the optimum to that precision.
    Converged,
    /// The iteration limit came first.
    MaxIterations,
    /// The cost rose or stopped being finite (for gradient descent: the learning rate is too
    /// large).
    Diverged,
    /// Validation accuracy stopped improving for `patience` checks.
    EarlyStopped,
    /// The user interrupted training.
    Interrupted,
    /// λ = 0 and every training row is on its correct side of the boundary: J has no finite
    /// minimum (it keeps falling as the weights grow), so the solver stopped.
    Separable,
    /// The solver could not make progress (a line search or trust region collapsed) before the
    /// tolerance: θ is as close to the optimum as floating point allowed.
    Stalled,
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Termination::Converged => "converged",
            Termination::MaxIterations => "reached the iteration limit",
            Termination::Diverged => "diverged",
            Termination::EarlyStopped => "stopped early (validation accuracy stopped improving)",
            Termination::Interrupted => "interrupted",
            Termination::Separable => {
                "stopped: the classes are linearly separable and λ = 0, so J has no minimum"
            }
            Termination::Stalled => "stalled (no further progress possible in floating point)",
        })
    }
}

/// How many times each kind of quantity was computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluations {
    /// Cost values (alone or with a gradient).
    pub function: usize,
    pub gradient: usize,
    pub hessian_vector: usize,
    /// Full passes over X (a fused cost-and-gradient pass counts once).
    pub passes: usize,
}

/// What a fit did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    pub solver: String,
    pub termination: Termination,
    pub iterations: usize,
    /// J at the returned θ.
    pub cost: f64,
    /// ‖∇J‖ at the returned θ.
    pub gradient_norm: f64,
    /// ‖∇J(θ₀)‖, the scale of the stopping rule.
    pub initial_gradient_norm: f64,
    /// J after each iteration, starting with J(θ₀) at iteration 0.
    pub history: Vec<f64>,
    pub evaluations: Evaluations,
    /// Wall time of the solver, in seconds.
    pub seconds: f64,
}

/// The state after one iteration, as shown to an observer.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub iteration: usize,
    pub cost: f64,
    pub gradient_norm: f64,
    pub theta: &'a [f64],
}

/// An observer's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    Stop(Termination),
}

/// Called after every iteration (and once at iteration 0).
pub type Observer<'o> = dyn FnMut(&Progress) -> Control + 'o;

/// The minimiser and how it was found.
#[derive(Debug, Clone)]
pub struct Solution {
    pub theta: Vec<f64>,
    pub report: FitReport,
}

/// ‖v‖₂.
pub fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// The bookkeeping every solver shares: counts, the cost history, the stopping rule and the
/// observer.
pub(crate) struct Run<'o, 'p> {
    started: Instant,
    pub evaluations: Evaluations,
    history: Vec<f64>,
    observer: &'o mut Observer<'p>,
    stopping: Stopping,
    l2: f64,
    initial_gradient_norm: f64,
}

impl<'o, 'p> Run<'o, 'p> {
    pub fn new(stopping: Stopping, l2: f64, observer: &'o mut Observer<'p>) -> Self {
        Run {
            started: Instant::now(),
            evaluations: Evaluations::default(),
            history: Vec::new(),
            observer,
            stopping,
            l2,
            initial_gradient_norm: f64::NAN,
        }
    }

    /// Counts one fused pass that computed J (if `cost`) and ∇J.
    pub fn count_pass(&mut self, cost: bool, gradient: bool) {
        self.evaluations.passes += 1;
        self.evaluations.function += usize::from(cost);
        self.evaluations.gradient += usize::from(gradient);
    }

    /// Counts one Hessian-vector product (one pass).
    pub fn count_hessian_vector(&mut self) {
        self.evaluations.passes += 1;
        self.evaluations.hessian_vector += 1;
    }

    /// Records the accepted iterate `theta` after `iteration` iterations and decides whether to
    /// stop: not finite, converged, separable, the observer's word, or the iteration limit.
    /// ‖∇J(θ₀)‖ (NaN before the first `accept`).
    pub fn initial_gradient_norm(&self) -> f64 {
        self.initial_gradient_norm
    }

    pub fn accept(
        &mut self,
        iteration: usize,
        eval: &Evaluation,
        theta: &[f64],
    ) -> Option<Termination> {
        let gradient_norm = norm(&eval.gradient);
        if iteration == 0 {
            self.initial_gradient_norm = gradient_norm;
        }
        self.record(eval.cost);
        if !eval.cost.is_finite() || !gradient_norm.is_finite() {
            return Some(Termination::Diverged);
        }
        if gradient_norm <= self.stopping.tol * self.initial_gradient_norm {
            return Some(Termination::Converged);
        }
        if self.l2 == 0.0 && eval.misclassified == 0 {
            return Some(Termination::Separable);
        }
        let progress = Progress {
            iteration,
            cost: eval.cost,
            gradient_norm,
            theta,
        };
        if let Control::Stop(t) = (self.observer)(&progress) {
            return Some(t);
        }
        (iteration >= self.stopping.max_iterations).then_some(Termination::MaxIterations)
    }

    /// Adds a cost to the history without the stopping checks (for a final, rejected step).
    pub fn record(&mut self, cost: f64) {
        self.history.push(cost);
    }

    /// The solution and its report.
    pub fn finish(
        self,
        solver: &str,
        termination: Termination,
        iterations: usize,
        eval: &Evaluation,
        theta: Vec<f64>,
    ) -> Solution {
        Solution {
            theta,
            report: FitReport {
                solver: solver.into(),
                termination,
                iterations,
                cost: eval.cost,
                gradient_norm: norm(&eval.gradient),
                initial_gradient_norm: self.initial_gradient_norm,
                history: self.history,
                evaluations: self.evaluations,
                seconds: self.started.elapsed().as_secs_f64(),
            },
        }
    }
}

/// a·b.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
