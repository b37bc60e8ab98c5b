//! Training end to end: standardise, pick the starting point, run a solver, watch a validation
//! set, and express the result as a raw-scale [`Model`].
//!
//! θ₀ is zero (the lesson's initialisation, where J = ln 2 exactly) or, with
//! [`Init::Random`], small uniform weights in [−0.01, 0.01) drawn from the seed. With a
//! validation set and `patience = Some(k)`, validation accuracy is measured every
//! `check_every` iterations and training stops once k checks in a row fail to beat the best
//! accuracy so far (the lesson's "stop when accuracy does not improve"); the last weights are
//! kept.

use crate::data::{Dataset, Precision};
use crate::error::{Error, Result};
use crate::metrics;
use crate::model::{FORMAT, FORMAT_VERSION, Model, TrainingSummary};
use crate::objective::Objective;
use crate::rng::SplitMix64;
use crate::separation::{self, SeparationKind, Unchecked};
use crate::solver::{
    Control, FitReport, GradientDescent, Lbfgs, Observer, Progress, Solution, Stopping,
    Termination, TrustRegion,
};
use crate::standardize::Standardization;
use serde::{Deserialize, Serialize};

/// The default `tol`, chosen on the real-data corpus (`tests/corpus.rs`): with it every
/// solver that reports `converged` was within 1e-8 (relative) of J* and within 1e-5 of every
/// optimal probability.
pub const DEFAULT_TOL: f64 = 1e-12;

/// Which method minimises J.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// Picks per problem (see [`Solver::resolve`]).
    Auto,
    /// The lesson's batch gradient descent.
    Gd,
    /// Trust-region Newton-CG (LIBLINEAR's TRON).
    Newton,
    /// Limited-memory BFGS with a strong-Wolfe line search.
    Lbfgs,
}

impl Solver {
    pub fn name(self) -> &'static str {
        match self {
            Solver::Auto => "auto",
            Solver::Gd => "gd",
            Solver::Newton => "newton",
            Solver::Lbfgs => "lbfgs",
        }
    }

    /// The method `Auto` stands for on data stored densely or sparsely. Dense: L-BFGS, whose
    /// iteration is one fused pass; on the dense benchmarks it needed fewer passes, and less
    /// time, than trust-region Newton, whose passes also accumulate the Hessian's diagonal.
    /// Sparse: trust-region Newton, LIBLINEAR's choice for wide sparse data, where its
    /// Hessian-vector products cost O(non-zeros) and J is often ill-conditioned.
    pub fn resolve(self, sparse: bool) -> Solver {
        match self {
            Solver::Auto if sparse => Solver::Newton,
            Solver::Auto => Solver::Lbfgs,
            other => other,
        }
    }
}

/// The starting point θ₀.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    Zeros,
    Random { seed: u64 },
}

/// Everything `train` needs to know. [`TrainOptions::default`] documents the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub solver: Solver,
    /// λ, the L2 penalty on the (standardised) weights. Default 1e-4.
    pub l2: f64,
    /// α for gradient descent. Default 0.1.
    pub learning_rate: f64,
    /// Default 1000.
    pub max_iterations: usize,
    /// Converged once the certified bound on the relative objective gap (J − J*)/J* is at
    /// most this (see [`crate::solver`]). Default 1e-9.
    pub tol: f64,
    /// Standardise features (default on).
    pub standardize: bool,
    pub init: Init,
    /// Stop after this many validation checks without a better accuracy (needs a validation
    /// set). Default off.
    pub patience: Option<usize>,
    /// Iterations between validation checks. Default 100.
    pub check_every: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            solver: Solver::Auto,
            l2: 1e-4,
            learning_rate: 0.1,
            max_iterations: 1000,
            tol: DEFAULT_TOL,
            standardize: true,
            init: Init::Zeros,
            patience: None,
            check_every: 100,
        }
    }
}

/// One validation check.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ValidationPoint {
    pub iteration: usize,
    /// J's data term (mean log loss) on the validation rows.
    pub cost: f64,
    pub accuracy: f64,
}

/// A trained model with its fit report and validation curve.
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: Model,
    pub report: FitReport,
    pub validation: Vec<ValidationPoint>,
    /// With λ = 0: why the separation check could not be made, if it could not.
    pub separation_unchecked: Option<Unchecked>,
}

impl TrainOptions {
    fn check(&self) -> Result<()> {
        let bad = |name, value: f64, reason| {
            Err(Error::InvalidParameter {
                name,
                value: value.to_string(),
                reason,
            })
        };
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return bad("l2", self.l2, "must be a finite number ≥ 0");
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad(
                "learning rate",
                self.learning_rate,
                "must be a finite number > 0",
            );
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return bad("tol", self.tol, "must be a finite number ≥ 0");
        }
        if self.check_every == 0 {
            return bad("check interval", 0.0, "must be at least 1");
        }
        Ok(())
    }
}

/// The raw-scale model for standardised parameters θ.
fn model_at(
    data: &Dataset,
    scaling: &Standardization,
    standardized: bool,
    theta: &[f64],
    l2: f64,
) -> Model {
    let (weights, bias) = scaling.to_raw(theta);
    Model {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        feature_names: data.feature_names.clone(),
        weights,
        bias,
        target: data.target.clone(),
        labels: data.labels.clone(),
        standardization: standardized.then(|| scaling.clone()),
        training: TrainingSummary {
            solver: String::new(),
            l2,
            rows: data.n_rows(),
            precision: if data.design().precision() == "f64" {
                Precision::F64
            } else {
                Precision::F32
            },
            iterations: 0,
            cost: f64::NAN,
            gradient_norm: f64::NAN,
            termination: Termination::MaxIterations,
            gap_bound: None,
            separation: None,
        },
    }
}

/// Fits a model to `data`, calling `observer` after every iteration.
pub fn train(
    data: &Dataset,
    validation: Option<&Dataset>,
    options: &TrainOptions,
    observer: &mut Observer,
) -> Result<Trained> {
    options.check()?;
    if let Some(v) = validation
        && v.feature_names != data.feature_names
    {
        return Err(Error::FeatureMismatch {
            path: v.source.clone(),
            reason: "the validation data's columns differ from the training data's".into(),
        });
    }
    let n = data.n_features();
    // The solvers always work on standardised coordinates; without standardisation only the
    // penalty moves, to the raw weights (see `objective`).
    let scaling = Standardization::fit(data.design());
    let scaling = if options.standardize {
        scaling
    } else {
        scaling.for_raw_penalty(options.l2)
    };
    let raw_penalty = scaling.raw_penalty();
    let mut objective = Objective::new(data.design(), &data.y, options.l2, &scaling);
    if !options.standardize {
        objective = objective.penalize_raw_weights(&raw_penalty);
    }
    let theta0 = match options.init {
        Init::Zeros => vec![0.0; n + 1],
        Init::Random { seed } => {
            let mut rng = SplitMix64::new(seed);
            (0..=n).map(|_| 0.02 * rng.next_f64() - 0.01).collect()
        }
    };

    // With λ = 0, J may have no minimum: decide exactly, before fitting.
    let separation = if options.l2 == 0.0 {
        separation::detect(data.design(), &data.y, &scaling)
    } else {
        Ok(None)
    };

    let mut points = Vec::new();
    let mut best = f64::NEG_INFINITY;
    let mut stale = 0;
    let check = |theta: &[f64], iteration: usize, points: &mut Vec<ValidationPoint>| {
        let v = validation.expect("checks need validation data");
        let model = model_at(data, &scaling, options.standardize, theta, options.l2);
        let m = metrics::evaluate(&v.y, &model.logits(v.design()), 0.5);
        let point = ValidationPoint {
            iteration,
            cost: m.log_loss,
            accuracy: m.accuracy,
        };
        points.push(point);
        point
    };
    let mut watch = |p: &Progress| -> Control {
        if validation.is_some() && p.iteration.is_multiple_of(options.check_every) {
            let point = check(p.theta, p.iteration, &mut points);
            if point.accuracy > best {
                best = point.accuracy;
                stale = 0;
            } else {
                stale += 1;
            }
            if options.patience.is_some_and(|k| stale >= k) {
                return Control::Stop(Termination::EarlyStopped);
            }
        }
        observer(p)
    };
    let stopping = Stopping {
        max_iterations: options.max_iterations,
        tol: options.tol,
    };
    let first = options.solver.resolve(data.design().is_sparse());
    let mut solution = minimize(first, options, stopping, &objective, theta0, &mut watch);
    let separated = matches!(separation, Ok(Some(_)));
    // `auto` does not settle for a method that failed where the other may succeed.
    if options.solver == Solver::Auto
        && !separated
        && matches!(
            solution.report.termination,
            Termination::Stalled | Termination::MaxIterations
        )
    {
        let other = if first == Solver::Lbfgs {
            Solver::Newton
        } else {
            Solver::Lbfgs
        };
        let offset = solution.report.iterations;
        // The second method's iteration 0 is the first one's last iterate: not shown twice.
        let mut continued = |p: &Progress| -> Control {
            if p.iteration == 0 {
                return Control::Continue;
            }
            watch(&Progress {
                iteration: p.iteration + offset,
                ..*p
            })
        };
        let theta = solution.theta.clone();
        let second = minimize(other, options, stopping, &objective, theta, &mut continued);
        solution = solution.then(second);
    }
    if let Ok(Some(found)) = &separation {
        let report = &mut solution.report;
        if !matches!(
            report.termination,
            Termination::Interrupted | Termination::EarlyStopped | Termination::Diverged
        ) {
            report.termination = match found.kind {
                SeparationKind::Complete => Termination::Separable,
                SeparationKind::Quasi => Termination::QuasiSeparable,
            };
        }
        report.separation = Some(found.clone());
    }
    // The last validation check is at the final iterate.
    if validation.is_some()
        && points.last().map(|p| p.iteration) != Some(solution.report.iterations)
    {
        check(&solution.theta, solution.report.iterations, &mut points);
    }
    let report = solution.report;
    let mut model = model_at(
        data,
        &scaling,
        options.standardize,
        &solution.theta,
        options.l2,
    );
    model.training.solver = report.solver.clone();
    model.training.iterations = report.iterations;
    model.training.cost = report.cost;
    model.training.gradient_norm = report.gradient_norm;
    model.training.termination = report.termination;
    model.training.gap_bound = report.gap_bound;
    model.training.separation = report.separation.clone();
    Ok(Trained {
        model,
        report,
        validation: points,
        separation_unchecked: separation.err(),
    })
}

/// Runs one method.
fn minimize(
    solver: Solver,
    options: &TrainOptions,
    stopping: Stopping,
    objective: &Objective,
    theta0: Vec<f64>,
    watch: &mut Observer,
) -> Solution {
    match solver {
        Solver::Gd => GradientDescent {
            learning_rate: options.learning_rate,
            stopping,
        }
        .minimize(objective, theta0, watch),
        Solver::Lbfgs => Lbfgs {
            memory: 10,
            stopping,
        }
        .minimize(objective, theta0, watch),
        Solver::Newton | Solver::Auto => TrustRegion {
            stopping,
            max_cg_iterations: 1000,
        }
        .minimize(objective, theta0, watch),
    }
}
