//! Solvers: each minimises the same J of [`crate::objective`] and returns a [`FitReport`].
//!
//! Every solver stops when ‖∇J(θ)‖ ≤ tol·‖∇J(θ₀)‖ (converged) or after `max_iterations`, and
//! calls an observer after each iteration with the current cost, so the caller can log the
//! lesson's cost curve, stop early on a validation set, or stop on Ctrl-C. Termination is data,
//! not an error: the caller decides what a non-converged or diverged fit means.

pub mod gradient_descent;

pub use gradient_descent::GradientDescent;

use serde::{Deserialize, Serialize};

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
}

impl std::fmt::Display for Termination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Termination::Converged => "converged",
            Termination::MaxIterations => "reached the iteration limit",
            Termination::Diverged => "diverged",
            Termination::EarlyStopped => "stopped early (validation accuracy stopped improving)",
            Termination::Interrupted => "interrupted",
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
