//! L1 and elastic net by newGLMNET (Yuan, Ho & Lin, "An improved GLMNET for L1-regularized
//! logistic regression", JMLR 2012; LIBLINEAR's `-s 6`): Newton iterations whose quadratic
//! model is minimised by coordinate descent, with the L1 term kept exact.
//!
//! J(θ) = f(θ) + λ₁ Σ_k Σ_j p_j |θ_kj|, f the smooth J of [`crate::objective`] (data term and
//! L2 penalty, either loss, with row weights), p_j = 1 on standardised weights or 1/s_j to put
//! the penalty on the raw ones (p_j = √c_j of the L2 factors). The biases are not penalised.
//! One iteration at θ, with g = ∇f(θ) and the curvature of one pass:
//!
//! 1. The working set: the weights that are non-zero or violate optimality at zero
//!    (|g_kj| > λ₁p_j), and the biases. Every other weight stays at 0 this iteration (glmnet's
//!    and LIBLINEAR's shrinking); the full gradient brings it back the moment it violates.
//! 2. Coordinate descent on q(d) = gᵀd + ½dᵀHd + λ₁ Σ p_j |θ_j + d_j| over the working set,
//!    each coordinate minimised exactly (a soft threshold), sweeping the non-zeros until they
//!    settle and then the whole set again, until the largest violation of q's optimality is
//!    below η times that of J (η ≤ 0.1, falling with it, so the steps become Newton steps).
//!    H is held in one of two forms ([`quadratic`]): for one neuron on dense data the working
//!    set's (|W| + 1)² Hessian, one faer product per pass, after which a coordinate costs
//!    O(|W|); otherwise a column view of X ([`crate::data::columns`]) and X̃d kept per row, so
//!    that a coordinate costs its column's entries.
//! 3. A backtracking line search on J (Armijo, σ = 0.01, halving t) along d; each trial is one
//!    pass that also gives the next iteration's gradient and curvature.
//!
//! Convergence is certified by the duality gap of [`super::duality`]: J(θ) − J* ≤ gap at any
//! θ, so `converged` means the relative gap (J − J*)/J* ≤ tol is proven, as for the smooth
//! solvers. The check costs two passes, so it is made once the decrease the last model
//! predicted is within a factor 10⁴ of the target (the steps converge superlinearly near the
//! end), and after a failed check only once that prediction has fallen tenfold more.

mod quadratic;

use super::duality::{self, Penalty};
use super::{GapEstimate, Observer, Run, Solution, Stopping, Termination};
use crate::data::columns::Columns;
use crate::objective::{Evaluation, Objective};
use quadratic::{ColumnModel, Coordinate, GramModel, Quadratic};

/// Armijo's sufficient-decrease constant.
const SIGMA: f64 = 0.01;
/// Halvings of the step before the line search gives up.
const MAX_HALVINGS: usize = 30;
/// Steps in a row whose decrease is below the rounding of J.
const MAX_UNJUDGED: usize = 3;
/// A certificate is computed once the predicted decrease is within this factor of the target.
const CHECK: f64 = 1e4;
/// A feature whose |∂_j f| exceeds this share of λ₁p_j joins the column view early.
const MARGIN: f64 = 0.5;
/// The widest working set held as a dense Hessian.
const GRAM_LIMIT: usize = 2048;

/// newGLMNET (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoordinateDescent {
    /// λ₁ ≥ 0.
    pub l1: f64,
    pub stopping: Stopping,
    /// Most coordinate-descent sweeps per Newton iteration.
    pub max_sweeps: usize,
}

impl CoordinateDescent {
    /// Minimises J = f + λ₁‖Pw‖₁ from θ₀.
    pub fn minimize(
        &self,
        objective: &Objective,
        theta0: Vec<f64>,
        observer: &mut Observer,
    ) -> Solution {
        let n = objective.features();
        let outputs = objective.outputs();
        let root: Option<Vec<f64>> = objective
            .penalty_factors()
            .map(|c| c.iter().map(|c| c.sqrt()).collect());
        let penalty = Penalty {
            l1: self.l1,
            p: root.as_deref(),
        };
        let mut run = Run::new(self.stopping, objective, observer);
        if self.l1 > 0.0 {
            run = run.bounded();
        }
        let mut theta = theta0;
        let (mut eval, mut hessian) = objective.evaluate_with_curvature(&theta);
        run.count_pass(true, true);
        // From the intercept-only fit (zero weights), this first gradient gives λ_max.
        let zero_weights = theta
            .iter()
            .enumerate()
            .all(|(at, &w)| at % (n + 1) == n || w == 0.0);
        let top = zero_weights.then(|| lambda_max(objective, &eval.gradient, penalty.p));
        let mut cost = eval.cost + penalty.norm(&theta, n);
        let mut columns: Option<Columns> = None;
        let mut predicted = f64::INFINITY;
        let mut check_below = f64::INFINITY;
        let mut first_violation = None;
        let mut iteration = 0;
        let mut unjudged = 0;
        let mut previous_violation = f64::INFINITY;
        let mut gap_per_violation: Option<f64> = None;
        loop {
            let mut estimate = GapEstimate::Unknown;
            if predicted <= CHECK * run.gap_target(cost) && predicted <= check_below {
                let c = certify(objective, &mut run, &theta, &hessian, penalty);
                let v = largest(&reported(&c.eval, &c.theta, c.cost, penalty, n).gradient);
                (theta, eval, hessian, cost) = (c.theta, c.eval, c.hessian, c.cost);
                estimate = GapEstimate::Bound(c.gap);
                // The gap is about proportional to the optimality violation (see
                // `duality`): remember by how much, to solve later models no more exactly
                // than the certificate needs.
                if v > 0.0 && c.gap > 0.0 {
                    gap_per_violation = Some(c.gap / v);
                }
                check_below = 0.1 * predicted;
            }
            let shown = reported(&eval, &theta, cost, penalty, n);
            if let Some(t) = run.accept(iteration, &shown, &theta, estimate) {
                let mut solution = run.finish("cd", t, iteration, &shown, theta);
                solution.report.lambda_max = top;
                return solution;
            }
            let violation = largest(&shown.gradient);
            let first = *first_violation.get_or_insert(violation);
            let eta = 0.1 * (violation / first).sqrt().min(1.0);
            // The working set, class by class: weights then the bias.
            let mut coords = Vec::new();
            for k in 0..outputs {
                let at = k * (n + 1);
                for j in 0..n {
                    let (w, g) = (theta[at + j], eval.gradient[at + j]);
                    if w != 0.0 || g.abs() > penalty.l1(j) {
                        coords.push(Coordinate {
                            class: k,
                            feature: Some(j),
                        });
                    }
                }
                coords.push(Coordinate {
                    class: k,
                    feature: None,
                });
            }
            let index = |c: &Coordinate| c.class * (n + 1) + c.feature.unwrap_or(n);
            let start: Vec<f64> = coords.iter().map(|c| theta[index(c)]).collect();
            let gradient: Vec<f64> = coords.iter().map(|c| eval.gradient[index(c)]).collect();
            let l1: Vec<f64> = coords
                .iter()
                .map(|c| c.feature.map_or(0.0, |j| penalty.l1(j)))
                .collect();
            let width = coords.len();
            let dense_gram = outputs == 1 && !objective.design().is_sparse() && width <= GRAM_LIMIT;
            let mut model: Box<dyn Quadratic> = if dense_gram {
                run.count_pass(false, false);
                Box::new(GramModel::new(
                    objective,
                    hessian.curvature(),
                    &coords,
                    &gradient,
                ))
            } else {
                // The view holds the working set's columns; it grows (one sweep over X) when
                // a feature enters that it does not hold.
                let wanted: Vec<usize> = coords.iter().filter_map(|c| c.feature).collect();
                let missing = match &columns {
                    None => true,
                    Some(v) => wanted.iter().any(|&j| !v.holds(j)),
                };
                if missing {
                    // With a margin (|g_j| above half of λ₁p_j): the features about to enter
                    // come along, so that the view is rarely built again (each build is a
                    // sweep over X).
                    let mut all: Vec<usize> = columns
                        .as_ref()
                        .map_or(Vec::new(), |v| v.features().to_vec());
                    all.extend(&wanted);
                    for c in 0..outputs {
                        let at = c * (n + 1);
                        all.extend(
                            (0..n)
                                .filter(|&j| eval.gradient[at + j].abs() > MARGIN * penalty.l1(j)),
                        );
                    }
                    all.sort_unstable();
                    all.dedup();
                    columns = Some(Columns::new(objective.design(), &all));
                }
                let view = columns.as_ref().expect("built above");
                Box::new(ColumnModel::new(
                    objective,
                    view,
                    hessian.curvature(),
                    coords.clone(),
                    &gradient,
                ))
            };
            // η times the violation, but no smaller than a third of the violation at which
            // the certificate should pass.
            let needed = gap_per_violation.map_or(0.0, |r| run.gap_target(cost) / r);
            let tolerance = (eta * violation).max(needed / 3.0);
            let (d, model_change) =
                quadratic::descend(model.as_mut(), &start, &l1, tolerance, self.max_sweeps);
            drop(model);
            predicted = -model_change;
            // The line search's slope: gᵀd + λ₁(‖θ + d‖ − ‖θ‖).
            let mut slope = 0.0;
            for i in 0..width {
                slope += gradient[i] * d[i] + l1[i] * ((start[i] + d[i]).abs() - start[i].abs());
            }
            iteration += 1;
            // A decrease below the rounding of J cannot be judged by the line search. There
            // the step is tiny and the quadratic model exact: it is taken if J does not rise
            // beyond rounding (a few times in a row at most), since the certificate needs the
            // optimality conditions met to more digits than J can show.
            let judged = -slope > 1e-15 * cost.abs();
            // Such steps go on while they lower the optimality violation; a few that do not
            // are allowed before the solver gives up.
            let progressing = violation < previous_violation;
            previous_violation = violation;
            unjudged = if judged || progressing {
                0
            } else {
                unjudged + 1
            };
            let mut accepted = false;
            if d.iter().any(|&v| v != 0.0) && slope < 0.0 && unjudged <= MAX_UNJUDGED {
                let mut t = 1.0;
                for _ in 0..MAX_HALVINGS {
                    // θ_j + d_j soft-thresholded to 0 is exactly 0 at t = 1 (x + (−x) = 0).
                    let mut trial = theta.clone();
                    for (c, dc) in coords.iter().zip(&d) {
                        trial[index(c)] += t * dc;
                    }
                    let (e, h) = objective.evaluate_with_curvature(&trial);
                    run.count_pass(true, true);
                    let c = e.cost + penalty.norm(&trial, n);
                    let rounding = 4.0 * f64::EPSILON * cost.abs();
                    if c <= cost + SIGMA * t * slope || (!judged && c <= cost + rounding) {
                        (theta, eval, hessian, cost) = (trial, e, h, c);
                        accepted = true;
                        break;
                    }
                    if !judged {
                        break;
                    }
                    t *= 0.5;
                }
            }
            if !accepted {
                // No progress possible from here: certify or give up.
                let c = certify(objective, &mut run, &theta, &hessian, penalty);
                let shown = reported(&c.eval, &c.theta, c.cost, penalty, n);
                let termination = if run.bound(c.gap, c.cost) {
                    Termination::Converged
                } else {
                    Termination::Stalled
                };
                run.record(c.cost);
                let mut solution = run.finish("cd", termination, iteration, &shown, c.theta);
                solution.report.lambda_max = top;
                return solution;
            }
        }
    }
}

/// The certificate at θ, its passes counted: the logits come with θ's pass for one neuron,
/// K neurons need a pass of their own; then one pass at the refitted θ.
fn certify<'a>(
    objective: &Objective<'a>,
    run: &mut Run<'_, '_, 'a>,
    theta: &[f64],
    hessian: &crate::objective::Hessian,
    penalty: Penalty,
) -> duality::Certificate<'a> {
    if hessian.logits().is_none() {
        run.count_pass(false, false);
    }
    let c = duality::certify(objective, theta, hessian.logits(), penalty);
    run.count_pass(true, true);
    c
}

/// The evaluation a report and an observer see: J with the L1 term, and the minimum-norm
/// subgradient of J in place of ∇f.
fn reported(eval: &Evaluation, theta: &[f64], cost: f64, penalty: Penalty, n: usize) -> Evaluation {
    let gradient = theta
        .iter()
        .zip(&eval.gradient)
        .enumerate()
        .map(|(at, (&w, &g))| {
            let j = at % (n + 1);
            if j == n {
                g
            } else {
                quadratic::violation(g, w, penalty.l1(j))
            }
        })
        .collect();
    Evaluation {
        cost,
        gradient,
        misclassified: eval.misclassified,
    }
}

/// ‖v‖_∞.
fn largest(v: &[f64]) -> f64 {
    v.iter().map(|x| x.abs()).fold(0.0, f64::max)
}

/// The optimum at λ₁ ≥ λ_max: zero weights, the biases of the intercept-only fit (found from
/// the logits of zero weights, so without a pass over X).
pub fn intercept_only(objective: &Objective) -> Vec<f64> {
    let (n, k) = (objective.features(), objective.outputs());
    let mut theta = vec![0.0; objective.dim()];
    let z = vec![0.0; objective.rows() * k];
    for (c, b) in duality::bias_shift(objective, &z).iter().enumerate() {
        theta[c * (n + 1) + n] = *b;
    }
    theta
}

/// λ_max, the smallest λ₁ at which every weight of the optimum is 0, from the gradient `g` of
/// f at [`intercept_only`]'s θ: max_kj |∂f/∂θ_kj| / p_j there, where the L2 term's gradient is
/// 0 (glmnet's λ_max; for one neuron ‖X̃ᵀ(y − ȳ)‖_∞/S on the penalty's scale).
/// `p` holds the L1 factors p_j (None: all 1).
pub fn lambda_max(objective: &Objective, g: &[f64], p: Option<&[f64]>) -> f64 {
    let (n, k) = (objective.features(), objective.outputs());
    let mut top: f64 = 0.0;
    for c in 0..k {
        for j in 0..n {
            let p = p.map_or(1.0, |p| p[j]);
            let gj = g[c * (n + 1) + j].abs();
            if gj > 0.0 {
                top = top.max(gj / p);
            }
        }
    }
    top
}
