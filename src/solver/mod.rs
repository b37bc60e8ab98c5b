//! Solvers: each minimises the same J of [`crate::objective`] and returns a [`FitReport`].
//!
//! Every solver calls an observer after each iteration with the current cost, so the caller
//! can log the lesson's cost curve, stop early on a validation set, or stop on Ctrl-C.
//! Termination is data, not an error: the caller decides what a non-converged or diverged fit
//! means.
//!
//! # What `converged` means
//!
//! A solver reports [`Termination::Converged`] only when a bound on the relative objective gap
//! (J(θ) − J*)/J* is at most `tol`, and the report states that bound ([`FitReport::gap_bound`]).
//! The bound comes from the Newton decrement δ² = ∇JᵀH⁻¹∇J: J − J* = ½δ² for the quadratic
//! model of J at θ, and for the logistic loss, whose third derivative is bounded by its
//! second (|ℓ'''| ≤ ℓ''; Bach, "Self-concordant analysis for logistic regression", EJS 2010),
//! the two agree to first order in the size of the Newton step once the decrement is small.
//! δ² is computed by preconditioned conjugate gradients on H s = −∇J, whose energy −∇Jᵀs rises
//! to δ² from below, plus an estimate of the increments still to come (see [`cg`]); so
//! the gap is bounded by ½(E + remaining), and relative to J* by that over J − ½(E + remaining).
//! Unlike ‖∇J‖ ≤ tol·‖∇J(θ₀)‖, this does not depend on the units of the features or on how
//! small J* is: it was met far from the optimum on raw columns in dollars and on separable data
//! with a small λ.
//!
//! Trust-region Newton gets the decrement from the CG it runs anyway (the certificate at θ_k
//! bounds the gap at θ_{k+1} too, because an accepted step lowers J). L-BFGS and gradient
//! descent get it from a separate solve, only when a free estimate of the gap says it may
//! pass: L-BFGS's own model, −½∇Jᵀd for its direction d, and for gradient descent the
//! geometric continuation of its last two decreases of J. After a failed check the estimate
//! must fall by the factor by which it was too optimistic before the next one, and L-BFGS takes
//! the check's CG step, a truncated Newton step, as its next direction: on ill-conditioned data
//! (the breast-cancer data at λ = 1e-6) L-BFGS alone did not reach the tolerance in 1,000
//! iterations.

pub mod cg;
pub mod coordinate_descent;
mod duality;
pub mod gradient_descent;
pub mod lbfgs;
mod line_search;
pub mod trust_region;

pub use coordinate_descent::CoordinateDescent;
pub use gradient_descent::GradientDescent;
pub use lbfgs::Lbfgs;
pub use trust_region::TrustRegion;

use crate::objective::{Evaluation, Hessian, Objective};
use cg::{Cg, CgEnd};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The one interface of every method: minimise J from θ₀, calling the observer after each
/// iteration, and say how it went. The objective is the only thing a method sees of the data,
/// the loss and the penalty.
pub trait Minimizer {
    fn minimize(
        &self,
        objective: &Objective,
        theta0: Vec<f64>,
        observer: &mut Observer,
    ) -> Solution;
}

macro_rules! minimizer {
    ($($method:ty),*) => {$(
        impl Minimizer for $method {
            fn minimize(
                &self,
                objective: &Objective,
                theta0: Vec<f64>,
                observer: &mut Observer,
            ) -> Solution {
                <$method>::minimize(self, objective, theta0, observer)
            }
        }
    )*};
}

minimizer!(CoordinateDescent, GradientDescent, Lbfgs, TrustRegion);

/// When to stop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    pub max_iterations: usize,
    /// The certified relative objective gap: stop once (J − J*)/J* ≤ tol is shown.
    pub tol: f64,
}

impl Stopping {
    /// The absolute gap J − J* that makes the relative gap at most `tol` when J(θ) = `cost`:
    /// g/(J − g) ≤ tol ⟺ g ≤ tol·J/(1 + tol).
    fn gap_target(&self, cost: f64) -> f64 {
        self.tol * cost / (1.0 + self.tol)
    }
}

/// The bound on (J − J*)/J* that an absolute gap bound `gap` gives at J = `cost`.
fn relative_gap(gap: f64, cost: f64) -> f64 {
    if gap < cost {
        gap / (cost - gap)
    } else {
        f64::INFINITY
    }
}

/// Why a solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Termination {
    /// The certified bound on the relative objective gap reached the tolerance.
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
    /// λ = 0 and the classes are completely separated (a hyperplane puts every row on its
    /// correct side): J has no finite minimum, it keeps falling as the weights grow.
    Separable,
    /// λ = 0 and the classes are quasi-completely separated: some rows, not all, are predicted
    /// perfectly along a direction in which J keeps falling, so the maximum-likelihood
    /// estimate does not exist (those coefficients diverge).
    QuasiSeparable,
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
            Termination::QuasiSeparable => {
                "stopped: the classes are quasi-completely separated and λ = 0, so J has no \
                 minimum"
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

impl std::ops::Add for Evaluations {
    type Output = Evaluations;

    /// The counts of two runs together.
    fn add(self, other: Evaluations) -> Evaluations {
        Evaluations {
            function: self.function + other.function,
            gradient: self.gradient + other.gradient,
            hessian_vector: self.hessian_vector + other.hessian_vector,
            passes: self.passes + other.passes,
        }
    }
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
    /// ‖∇J(θ₀)‖.
    pub initial_gradient_norm: f64,
    /// The bound on the relative objective gap (J − J*)/J* at the returned θ (see the module
    /// docs), from the last check; None when no check was made.
    pub gap_bound: Option<f64>,
    /// With λ = 0: the separation the linear program of [`crate::separation`] found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separation: Option<crate::separation::Separation>,
    /// With an L1 penalty, from a start at the intercept-only fit: λ_max, the smallest λ₁ at
    /// which every weight is 0 (see [`coordinate_descent::lambda_max`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_max: Option<f64>,
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

impl Solution {
    /// This run continued by `next`, which started from this run's θ: counts and times add
    /// up, the history goes on (without repeating the shared point), and `next` has the last
    /// word on θ and termination.
    pub fn then(self, next: Solution) -> Solution {
        let (a, b) = (self.report, next.report);
        let mut history = a.history;
        history.extend(b.history.iter().skip(1));
        Solution {
            theta: next.theta,
            report: FitReport {
                solver: format!("{}+{}", a.solver, b.solver),
                iterations: a.iterations + b.iterations,
                initial_gradient_norm: a.initial_gradient_norm,
                gap_bound: b.gap_bound.or(a.gap_bound),
                history,
                evaluations: a.evaluations + b.evaluations,
                seconds: a.seconds + b.seconds,
                ..b
            },
        }
    }
}

/// ‖v‖₂.
pub fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// What a solver knows about the gap J(θ) − J* at an iterate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum GapEstimate {
    /// Nothing.
    Unknown,
    /// A free estimate, not a bound: worth a check by CG when it is small enough.
    Hint(f64),
    /// A bound from the decrement (trust-region Newton's own CG).
    Bound(f64),
}

/// A failed check whose decrement is at most this multiple of the target was close (see
/// [`Run::check`]).
const CLOSE: f64 = 1e6;

/// A hint within this factor of the target makes a check at the next iterate likely (the
/// solvers that check converge superlinearly at the end).
const AHEAD: f64 = 30.0;

/// Iterations over which a hint must fall tenfold for the solver not to count as slow.
const SLOW: usize = 10;

/// The Jacobi preconditioner: the Hessian's diagonal, kept away from zero.
pub(crate) fn jacobi(hessian: &Hessian) -> Vec<f64> {
    hessian.diagonal().iter().map(|v| v.max(1e-12)).collect()
}

/// The bookkeeping every solver shares: counts, the cost history, the stopping rule and the
/// observer.
pub(crate) struct Run<'o, 'p, 'a> {
    started: Instant,
    pub evaluations: Evaluations,
    history: Vec<f64>,
    observer: &'o mut Observer<'p>,
    stopping: Stopping,
    objective: &'o Objective<'a>,
    initial_gradient_norm: f64,
    /// The last bound on the relative gap.
    gap_bound: Option<f64>,
    /// By how much hints have under-estimated the gap so far (at least 1).
    optimism: f64,
    /// The step −H⁻¹∇J (approximately) that the last failed check computed.
    newton_step: Option<Vec<f64>>,
    /// A check failed close to the target: check at every iterate from now on.
    close: bool,
    /// Does the solver take the Newton steps of failed checks ([`Run::take_newton_step`])?
    /// Only then are checks made early and, once close, at every iterate.
    takes_newton_steps: bool,
    /// The hints so far, one per iteration.
    hints: Vec<f64>,
    /// The Hessian at the iterate about to be accepted, if the solver has it.
    hessian: Option<Hessian<'a>>,
    /// J has a minimum whatever the data (an L1 term): no separation test.
    bounded: bool,
}

impl<'o, 'p, 'a> Run<'o, 'p, 'a> {
    pub fn new(
        stopping: Stopping,
        objective: &'o Objective<'a>,
        observer: &'o mut Observer<'p>,
    ) -> Self {
        Run {
            started: Instant::now(),
            evaluations: Evaluations::default(),
            history: Vec::new(),
            observer,
            stopping,
            objective,
            initial_gradient_norm: f64::NAN,
            gap_bound: None,
            optimism: 1.0,
            newton_step: None,
            close: false,
            takes_newton_steps: false,
            hints: Vec::new(),
            hessian: None,
            bounded: false,
        }
    }

    /// J has a minimum whatever the data: the separation test is skipped.
    pub fn bounded(self) -> Self {
        Run {
            bounded: true,
            ..self
        }
    }

    /// The Hessian at the iterate of the next [`Run::accept`], for its check (which then
    /// needs no pass of its own).
    pub fn offer_hessian(&mut self, hessian: Option<Hessian<'a>>) {
        self.hessian = hessian;
    }

    /// Will the next iterate probably be checked, given the hint here? Then the solver may
    /// compute its curvature on the way ([`Run::offer_hessian`]).
    pub fn check_ahead(&self, hint: f64, cost: f64) -> bool {
        let target = self.gap_target(cost);
        (self.takes_newton_steps && self.close) || hint * self.optimism <= AHEAD * target
    }

    /// The solver takes the Newton steps of failed checks.
    pub fn taking_newton_steps(self) -> Self {
        Run {
            takes_newton_steps: true,
            ..self
        }
    }

    /// The absolute gap below which θ counts as converged at J = `cost`.
    pub fn gap_target(&self, cost: f64) -> f64 {
        self.stopping.gap_target(cost)
    }

    /// Records `gap`, a bound on J − J* at J = `cost`, and says whether it meets the tolerance.
    pub fn bound(&mut self, gap: f64, cost: f64) -> bool {
        let relative = relative_gap(gap, cost);
        self.gap_bound = Some(relative);
        relative <= self.stopping.tol
    }

    /// Bounds the gap at θ by a separate CG solve with the Hessian at θ (one pass for the
    /// curvature, one per CG step), stopping as soon as the decrement is known to be below the
    /// target, or once the residual has fallen tenfold: then the check failed, but its step is
    /// a truncated Newton step with the forcing term of trust-region Newton's first iterations,
    /// which the caller may take ([`Run::take_newton_step`]). Returns the bound on J − J*, or
    /// None if the check failed; `hint` is the estimate that asked for the check.
    fn check(&mut self, theta: &[f64], eval: &Evaluation, hint: f64) -> Option<f64> {
        let hessian = match self.hessian.take() {
            Some(hessian) => hessian,
            None => {
                self.count_pass(false, false);
                self.objective.evaluate_with_curvature(theta).1
            }
        };
        let target = self.gap_target(eval.cost);
        let cg = Cg {
            // More steps than dimensions: in floating point, CG on an ill-conditioned H needs them.
            max_iterations: (4 * theta.len()).clamp(50, 500),
            residual_tolerance: 0.1 * norm(&eval.gradient),
            region: None,
            energy_target: Some(2.0 * target),
        };
        let m = jacobi(&hessian);
        let mut products = 0;
        let info = cg.solve(&hessian, &eval.gradient, &m, || products += 1);
        for _ in 0..products {
            self.count_hessian_vector();
        }
        let gap = 0.5 * info.decrement();
        let solved = matches!(info.end, CgEnd::Below | CgEnd::Residual);
        if self.bound(if solved { gap } else { f64::INFINITY }, eval.cost) {
            return Some(gap);
        }
        // The bound is at least ½E: the hint was too optimistic by at least that factor.
        if hint > 0.0 {
            self.optimism = self.optimism.max(0.5 * info.energy / hint);
        }
        // Within a few Newton steps of the target (the decrement falls about quadratically
        // along them): from now on every iterate is checked, and its step offered.
        self.close |= 0.5 * info.energy <= CLOSE * target;
        if info.energy > 0.0 {
            self.newton_step = Some(info.s);
        }
        None
    }

    /// Is the hint falling slowly (less than tenfold over the last [`SLOW`] iterations)? Then
    /// the solver converges only linearly, and Newton steps from a check, made early, help.
    fn slow(&self) -> bool {
        let n = self.hints.len();
        n > SLOW && self.hints[n - 1] > 0.1 * self.hints[n - 1 - SLOW]
    }

    /// At a point where the solver can make no more progress: Converged if a check certifies
    /// the gap there, else Stalled.
    pub fn stalled(&mut self, theta: &[f64], eval: &Evaluation) -> Termination {
        match self.check(theta, eval, 0.0) {
            Some(_) => Termination::Converged,
            None => Termination::Stalled,
        }
    }

    /// The (truncated) Newton step of the last failed check, once: a failed check has done
    /// most of the work of a Newton iteration, and a solver may take that step next.
    pub fn take_newton_step(&mut self) -> Option<Vec<f64>> {
        self.newton_step.take()
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

    /// `estimate` is what the solver knows of the gap at θ (see [`GapEstimate`]).
    pub fn accept(
        &mut self,
        iteration: usize,
        eval: &Evaluation,
        theta: &[f64],
        estimate: GapEstimate,
    ) -> Option<Termination> {
        let gradient_norm = norm(&eval.gradient);
        if iteration == 0 {
            self.initial_gradient_norm = gradient_norm;
        }
        self.record(eval.cost);
        if !eval.cost.is_finite() || !gradient_norm.is_finite() {
            return Some(Termination::Diverged);
        }
        let converged = match estimate {
            GapEstimate::Unknown => false,
            GapEstimate::Bound(gap) => self.bound(gap, eval.cost),
            GapEstimate::Hint(hint) => {
                self.hints.push(hint);
                let target = self.gap_target(eval.cost);
                let early = self.takes_newton_steps
                    && (self.close || (self.slow() && hint * self.optimism <= CLOSE * target));
                let due = early || hint * self.optimism <= target;
                due && self.check(theta, eval, hint).is_some()
            }
        };
        // An offered Hessian belongs to this iterate only.
        self.hessian = None;
        if converged {
            return Some(Termination::Converged);
        }
        if !self.bounded && self.objective.separated(eval) {
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
                gap_bound: self.gap_bound,
                separation: None,
                lambda_max: None,
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
