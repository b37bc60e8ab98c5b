//! Training end to end, in three steps: prepare (the classes, the row weights, the
//! standardisation), fit (a solver on one objective: one sigmoid neuron, K softmax neurons, or
//! K one-vs-rest sigmoid neurons one after another on the same preparation), and finish (the
//! raw-scale [`Model`]).
//!
//! Row weights are the data's sample weights times the class weights: `balanced` gives class c
//! the weight S/(K·S_c), S_c the total sample weight of its rows (scikit-learn's
//! n/(K·n_c) when every row weighs 1).
//!
//! θ₀ is zero (the lesson's initialisation, where J = ln 2 exactly) or, with
//! [`Init::Random`], small uniform weights in [−0.01, 0.01) drawn from the seed. With a
//! validation set and `patience = Some(k)`, validation accuracy is measured every
//! `check_every` iterations and training stops once k checks in a row fail to beat the best
//! accuracy so far (the lesson's "stop when accuracy does not improve"); the last weights are
//! kept.

use crate::data::{Dataset, Precision};
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::metrics;
use crate::model::{ClassFit, FORMAT, FORMAT_VERSION, Model, Multiclass, TrainingSummary};
use crate::objective::{self, Objective};
use crate::rng::SplitMix64;
use crate::separation::{Separation, SeparationKind, Unchecked};
use crate::solver::{
    Control, CoordinateDescent, FitReport, GradientDescent, Lbfgs, Minimizer, Observer, Progress,
    Solution, Stopping, Termination, TrustRegion,
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
    /// Newton iterations with coordinate descent on the quadratic model (newGLMNET,
    /// LIBLINEAR's `-s 6`): the solver for an L1 penalty, which it keeps exact.
    Cd,
}

impl Solver {
    pub fn name(self) -> &'static str {
        match self {
            Solver::Auto => "auto",
            Solver::Gd => "gd",
            Solver::Newton => "newton",
            Solver::Lbfgs => "lbfgs",
            Solver::Cd => "cd",
        }
    }

    /// Can the method minimise a J with an L1 term? Only coordinate descent: the others need
    /// a smooth J.
    pub fn handles_l1(self) -> bool {
        matches!(self, Solver::Auto | Solver::Cd)
    }

    /// The method `Auto` stands for on data stored densely or sparsely, for `outputs` neurons.
    /// Dense: L-BFGS, whose iteration is one fused pass; on the dense benchmarks it needed fewer
    /// passes, and less time, than trust-region Newton, whose passes also accumulate the
    /// Hessian's diagonal. Sparse, one neuron: trust-region Newton, LIBLINEAR's choice for wide
    /// sparse data, where its Hessian-vector products cost O(non-zeros) and J is often
    /// ill-conditioned. Sparse, K softmax neurons: L-BFGS again (on 100,000 × 20,000 sparse rows
    /// with K = 20, it needed 303 passes where trust-region Newton needed 729). With an L1
    /// term: coordinate descent, the one method that handles it.
    pub fn resolve(self, sparse: bool, outputs: usize, l1: bool) -> Solver {
        match self {
            Solver::Auto if l1 => Solver::Cd,
            Solver::Auto if sparse && outputs == 1 => Solver::Newton,
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
    /// λ₂, the L2 penalty (λ₂/2)‖w‖² on the (standardised) weights. Default 1e-4.
    pub l2: f64,
    /// λ₁, the L1 penalty λ₁‖w‖₁ on the same weights. Default 0.
    pub l1: f64,
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
    /// How K ≥ 3 classes are modelled (two classes are one sigmoid neuron unless multinomial
    /// is asked for). Default auto: multinomial.
    pub multiclass: MulticlassChoice,
    /// Weights per class, multiplying the sample weights. Default none.
    pub class_weight: Option<ClassWeight>,
    /// Where the data's sample weights came from (recorded in the model).
    pub sample_weight: Option<String>,
}

/// `--multiclass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MulticlassChoice {
    /// Two classes: binary; more: multinomial.
    Auto,
    /// K softmax neurons (also for two classes).
    Multinomial,
    /// K one-vs-rest sigmoid neurons (two classes: the binary model).
    Ovr,
}

/// `--class-weight`.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassWeight {
    /// S/(K·S_c) for class c (see the module docs).
    Balanced,
    /// The weight of each named class; classes not named weigh 1.
    Given(Vec<(String, f64)>),
}

impl ClassWeight {
    /// As written on the command line.
    pub fn spec(&self) -> String {
        match self {
            ClassWeight::Balanced => "balanced".into(),
            ClassWeight::Given(pairs) => pairs
                .iter()
                .map(|(l, w)| format!("{l}={w}"))
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            solver: Solver::Auto,
            l2: 1e-4,
            l1: 0.0,
            learning_rate: 0.1,
            max_iterations: 1000,
            tol: DEFAULT_TOL,
            standardize: true,
            init: Init::Zeros,
            patience: None,
            check_every: 100,
            multiclass: MulticlassChoice::Auto,
            class_weight: None,
            sample_weight: None,
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
    /// With λ₁ > 0 (and the zero start): λ_max, the smallest λ₁ at which every weight is 0
    /// (see [`crate::solver::coordinate_descent::lambda_max`]); for one-vs-rest the largest
    /// over the classes.
    pub lambda_max: Option<f64>,
}

/// What every fit on one dataset shares: the classes, the row weights and the coordinates.
pub struct Prepared<'d> {
    pub data: &'d Dataset,
    /// How the classes are modelled.
    pub method: Multiclass,
    /// s_i (sample times class weights); None: all 1.
    pub weights: Option<Vec<f64>>,
    /// The weight of each class, when class weights were asked for.
    pub class_weights: Option<Vec<f64>>,
    /// λ₁.
    pub l1: f64,
    pub scaling: Standardization,
    /// c_j = 1/s_j² for a penalty on the raw weights (standardisation off).
    raw_penalty: Option<Vec<f64>>,
    l2: f64,
}

impl<'d> Prepared<'d> {
    /// Neurons: 1 for the binary model, K otherwise.
    pub fn outputs(&self) -> usize {
        match self.method {
            Multiclass::Binary => 1,
            _ => self.data.labels.len(),
        }
    }

    /// The objective of one fit: labels `y` under `loss`.
    pub fn objective<'a>(&'a self, y: &'a [f64], loss: Loss) -> Objective<'a> {
        let mut objective =
            Objective::new(self.data.design(), y, self.l2, &self.scaling).with_loss(loss);
        if let Some(s) = &self.weights {
            objective = objective.weighted(s);
        }
        if let Some(c) = &self.raw_penalty {
            objective = objective.penalize_raw_weights(c);
        }
        objective
    }
}

/// (λ₁, λ₂) for scikit-learn's C and l1_ratio r on `rows` rows: its J, C Σ L + r‖w‖₁ +
/// ((1 − r)/2)‖w‖², divided by C·m, is this J with λ₁ = r/(C·m), λ₂ = (1 − r)/(C·m).
pub fn penalties_from_c(c: f64, l1_ratio: f64, rows: usize) -> (f64, f64) {
    let scale = c * rows as f64;
    (l1_ratio / scale, (1.0 - l1_ratio) / scale)
}

/// Step 1: the classes, row weights and standardisation of `data` for `options`.
pub fn prepare<'d>(data: &'d Dataset, options: &TrainOptions) -> Result<Prepared<'d>> {
    let k = data.labels.len();
    let method = match (options.multiclass, k) {
        (MulticlassChoice::Multinomial, _) => Multiclass::Multinomial,
        (_, 2) => Multiclass::Binary,
        (MulticlassChoice::Ovr, _) => Multiclass::Ovr,
        (MulticlassChoice::Auto, _) => Multiclass::Multinomial,
    };
    if method == Multiclass::Ovr && options.patience.is_some() {
        return Err(Error::InvalidParameter {
            name: "patience",
            value: options.patience.unwrap_or_default().to_string(),
            reason: "early stopping watches one fit; one-vs-rest makes K of them",
        });
    }
    let source = options
        .sample_weight
        .as_deref()
        .unwrap_or("(sample weights)");
    if let Some(s) = &data.weights {
        crate::data::check_weights(&data.source, source, s)?;
    }
    // Total sample weight per class.
    let mut totals = vec![0.0; k];
    for (i, &y) in data.y.iter().enumerate() {
        totals[y as usize] += data.weights.as_ref().map_or(1.0, |s| s[i]);
    }
    let class_weights = match &options.class_weight {
        None => None,
        Some(ClassWeight::Balanced) => {
            let all: f64 = totals.iter().sum();
            Some(
                totals
                    .iter()
                    .map(|&t| if t > 0.0 { all / (k as f64 * t) } else { 0.0 })
                    .collect::<Vec<f64>>(),
            )
        }
        Some(ClassWeight::Given(pairs)) => {
            let mut w = vec![1.0; k];
            for (label, weight) in pairs {
                let c = data
                    .labels
                    .encode(label)
                    .ok_or_else(|| Error::UnknownClass {
                        option: "--class-weight",
                        label: label.clone(),
                        classes: data.labels.listed(),
                    })?;
                w[c as usize] = *weight;
            }
            Some(w)
        }
    };
    if let Some(c) = totals.iter().position(|&t| t <= 0.0) {
        return Err(Error::BadWeight {
            path: data.source.clone(),
            row: 0,
            column: source.to_owned(),
            reason: format!(
                "class {:?} has total weight 0: it has no rows that count",
                data.labels.label(c)
            ),
        });
    }
    let weights = match (&data.weights, &class_weights) {
        (None, None) => None,
        (s, c) => Some(
            data.y
                .iter()
                .enumerate()
                .map(|(i, &y)| {
                    s.as_ref().map_or(1.0, |s| s[i]) * c.as_ref().map_or(1.0, |c| c[y as usize])
                })
                .collect(),
        ),
    };
    // The solvers always work on standardised coordinates; without standardisation only the
    // penalty moves, to the raw weights (see `objective`).
    let scaling = Standardization::fit_weighted(data.design(), weights.as_deref());
    let (scaling, raw_penalty) = if options.standardize {
        (scaling, None)
    } else {
        let scaling = scaling.for_raw_penalty(options.l2);
        let c = scaling.raw_penalty();
        (scaling, Some(c))
    };
    Ok(Prepared {
        data,
        method,
        weights,
        class_weights,
        scaling,
        raw_penalty,
        l2: options.l2,
        l1: options.l1,
    })
}

impl TrainOptions {
    /// Checks every option's domain (train does this first; a caller may do it before loading
    /// any data, so that a bad option costs no read).
    pub fn check(&self) -> Result<()> {
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
        if !(self.l1 >= 0.0 && self.l1.is_finite()) {
            return bad("l1", self.l1, "must be a finite number ≥ 0");
        }
        if self.solver == Solver::Cd && self.l1 == 0.0 && self.l2 == 0.0 {
            return Err(Error::InvalidParameter {
                name: "solver",
                value: "cd".into(),
                reason: "certifies its optimum by a duality gap, which needs a penalty \
                         (λ₁ or λ₂ > 0); without one use newton or lbfgs",
            });
        }
        if self.l1 > 0.0 && !self.solver.handles_l1() {
            return Err(Error::InvalidParameter {
                name: "solver",
                value: self.solver.name().into(),
                reason: "needs a smooth J and λ₁ > 0 makes it non-smooth: the solvers that \
                         accept an L1 penalty are cd and auto",
            });
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
        if let Some(ClassWeight::Given(pairs)) = &self.class_weight
            && let Some((_, w)) = pairs.iter().find(|(_, w)| !(*w > 0.0 && w.is_finite()))
        {
            return bad("class weight", *w, "must be a finite number > 0");
        }
        Ok(())
    }
}

/// Step 3: the raw-scale model for standardised parameters θ (one block of n + 1 per neuron).
fn model_at(prepared: &Prepared, options: &TrainOptions, theta: &[f64]) -> Model {
    let data = prepared.data;
    let n = data.n_features();
    let mut weights = Vec::new();
    let mut biases = Vec::new();
    for block in theta.chunks_exact(n + 1) {
        let (w, b) = prepared.scaling.to_raw(block);
        weights.extend(w);
        biases.push(b);
    }
    if prepared.method == Multiclass::Multinomial {
        if prepared.l1 > 0.0 {
            // An L1 optimum is not centred across the classes (the penalty is not smallest
            // there), and centring would undo its zeros: only the free biases are centred.
            objective::center(&mut [], &mut biases);
        } else {
            objective::center(&mut weights, &mut biases);
        }
    }
    Model {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        feature_names: data.feature_names.clone(),
        ignored: data.ignored.clone(),
        encoding: data.encoding.clone(),
        target: data.target.clone(),
        labels: data.labels.clone(),
        multiclass: prepared.method,
        weights: (0..biases.len())
            .map(|k| weights[k * n..(k + 1) * n].to_vec())
            .collect(),
        bias: biases,
        threshold: None,
        standardization: options.standardize.then(|| prepared.scaling.clone()),
        training: TrainingSummary {
            solver: String::new(),
            l2: options.l2,
            l1: options.l1,
            lambda_max: None,
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
            sample_weight: data.weights.as_ref().map(|_| {
                options
                    .sample_weight
                    .clone()
                    .unwrap_or_else(|| "(sample weights)".into())
            }),
            class_weight: options.class_weight.as_ref().map(ClassWeight::spec),
            class_weights: prepared.class_weights.clone(),
            per_class: Vec::new(),
            data: None,
            validation: None,
        },
    }
}

/// Validation log loss and accuracy of `model` on `v`.
fn validate(model: &Model, v: &Dataset) -> (f64, f64) {
    if model.multiclass == Multiclass::Binary {
        let m = metrics::evaluate(&v.y, &model.logits(v.design()), 0.5);
        (m.log_loss, m.accuracy)
    } else {
        let logp = model.log_probabilities(v.design());
        let m = metrics::evaluate_multiclass(&v.y, &logp, model.classes(), None);
        (m.log_loss, m.accuracy)
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
    let prepared = prepare(data, options)?;
    let mut points = Vec::new();
    let check = |theta: &[f64], iteration: usize, points: &mut Vec<ValidationPoint>| {
        let v = validation.expect("checks need validation data");
        let (cost, accuracy) = validate(&model_at(&prepared, options, theta), v);
        let point = ValidationPoint {
            iteration,
            cost,
            accuracy,
        };
        points.push(point);
        point
    };
    let (fitted, per_class) = match prepared.method {
        Multiclass::Binary | Multiclass::Multinomial => {
            let loss = match prepared.method {
                Multiclass::Binary => Loss::Binomial,
                _ => Loss::Multinomial {
                    classes: data.labels.len(),
                },
            };
            let mut best = f64::NEG_INFINITY;
            let mut stale = 0;
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
            let fitted = fit(&prepared, &data.y, loss, options, 0, &mut watch);
            (fitted, Vec::new())
        }
        Multiclass::Ovr => ovr(&prepared, options, observer),
    };
    let Fitted {
        solution,
        separation,
        lambda_max,
    } = fitted;
    // The last validation check is at the final iterate.
    if validation.is_some()
        && points.last().map(|p| p.iteration) != Some(solution.report.iterations)
    {
        check(&solution.theta, solution.report.iterations, &mut points);
    }
    let report = solution.report;
    let mut model = model_at(&prepared, options, &solution.theta);
    model.training.solver = report.solver.clone();
    model.training.iterations = report.iterations;
    model.training.cost = report.cost;
    model.training.gradient_norm = report.gradient_norm;
    model.training.termination = report.termination;
    model.training.gap_bound = report.gap_bound;
    model.training.separation = report.separation.clone();
    model.training.per_class = per_class;
    model.training.lambda_max = lambda_max;
    Ok(Trained {
        model,
        report,
        validation: points,
        separation_unchecked: separation.err(),
        lambda_max,
    })
}

/// Step 2: one fit of labels `y` under `loss`, from θ₀ (as `options.init` says), with the
/// exact separation check at λ = 0. `offset` is added to the iteration
/// numbers the observer sees.
fn fit(
    prepared: &Prepared,
    y: &[f64],
    loss: Loss,
    options: &TrainOptions,
    offset: usize,
    watch: &mut Observer,
) -> Fitted {
    let objective = prepared.objective(y, loss);
    let dim = objective.dim();
    // With λ₁ > 0 the zero start is the optimum at λ₁ ≥ λ_max (zero weights, fitted biases),
    // whose gradient gives the solver λ_max.
    let at_max =
        (prepared.l1 > 0.0).then(|| crate::solver::coordinate_descent::intercept_only(&objective));
    let theta0 = match options.init {
        Init::Zeros => at_max.unwrap_or_else(|| vec![0.0; dim]),
        Init::Random { seed } => {
            let mut rng = SplitMix64::new(seed);
            (0..dim).map(|_| 0.02 * rng.next_f64() - 0.01).collect()
        }
    };
    // With λ = 0, J may have no minimum: decide exactly, before fitting.
    let separation = if options.l2 > 0.0 || prepared.l1 > 0.0 {
        Ok(None)
    } else {
        objective.separation()
    };
    let stopping = Stopping {
        max_iterations: options.max_iterations,
        tol: options.tol,
    };
    let mut shifted = |p: &Progress| -> Control {
        watch(&Progress {
            iteration: p.iteration + offset,
            ..*p
        })
    };
    let first = options.solver.resolve(
        prepared.data.design().is_sparse(),
        objective.outputs(),
        prepared.l1 > 0.0,
    );
    let mut solution = minimize(
        first,
        prepared.l1,
        options,
        stopping,
        &objective,
        theta0,
        &mut shifted,
    );
    let separated = matches!(separation, Ok(Some(_)));
    // `auto` does not settle for a method that failed where the other may succeed.
    if options.solver == Solver::Auto
        && first != Solver::Cd
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
        let before = solution.report.iterations;
        // The second method's iteration 0 is the first one's last iterate: not shown twice.
        let mut continued = |p: &Progress| -> Control {
            if p.iteration == 0 {
                return Control::Continue;
            }
            shifted(&Progress {
                iteration: p.iteration + before,
                ..*p
            })
        };
        let theta = solution.theta.clone();
        let second = minimize(
            other,
            prepared.l1,
            options,
            stopping,
            &objective,
            theta,
            &mut continued,
        );
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
    let lambda_max = solution.report.lambda_max;
    Fitted {
        solution,
        separation,
        lambda_max,
    }
}

/// What one fit gives.
struct Fitted {
    solution: Solution,
    separation: std::result::Result<Option<Separation>, Unchecked>,
    lambda_max: Option<f64>,
}

/// One-vs-rest: K binary fits on the shared preparation, one after another (each pass is
/// parallel and deterministic, so the result does not depend on the thread count). The joint
/// J is the sum of the K binary J's (each neuron's own), so the report sums costs, counts and
/// times, takes the worst termination and the largest gap bound, and chains the cost curves.
fn ovr(
    prepared: &Prepared,
    options: &TrainOptions,
    observer: &mut Observer,
) -> (Fitted, Vec<ClassFit>) {
    let data = prepared.data;
    let mut theta = Vec::new();
    let mut fits = Vec::new();
    let mut per_class = Vec::new();
    let mut unchecked = None;
    let mut lambda_max: Option<f64> = None;
    let mut offset = 0;
    for k in 0..data.labels.len() {
        let y: Vec<f64> = data
            .y
            .iter()
            .map(|&c| f64::from(u8::from(c as usize == k)))
            .collect();
        let Fitted {
            solution,
            separation,
            lambda_max: top,
        } = fit(prepared, &y, Loss::Binomial, options, offset, observer);
        if let Some(top) = top {
            lambda_max = Some(lambda_max.map_or(top, |l| l.max(top)));
        }
        offset += solution.report.iterations;
        if let Err(e) = separation {
            unchecked.get_or_insert(e);
        }
        let r = &solution.report;
        per_class.push(ClassFit {
            class: data.labels.label(k).to_owned(),
            iterations: r.iterations,
            cost: r.cost,
            termination: r.termination,
            gap_bound: r.gap_bound,
        });
        theta.extend_from_slice(&solution.theta);
        let stop = matches!(r.termination, Termination::Interrupted);
        fits.push(solution.report);
        if stop {
            break;
        }
    }
    let worst = fits
        .iter()
        .map(|r| r.termination)
        .find(|t| *t != Termination::Converged)
        .unwrap_or(Termination::Converged);
    let gap_bound = fits
        .iter()
        .map(|r| r.gap_bound)
        .try_fold(0.0f64, |a, g| g.map(|g| a.max(g)));
    let evaluations = fits
        .iter()
        .fold(crate::solver::Evaluations::default(), |a, r| {
            a + r.evaluations
        });
    // The first neuron's fit that did not converge speaks for the report's separation.
    let first = fits
        .iter()
        .find(|r| r.termination != Termination::Converged);
    let report = FitReport {
        // Every method the neurons' fits used (under auto, some may switch), in first use.
        solver: format!("ovr({})", {
            let mut used: Vec<&str> = Vec::new();
            for r in &fits {
                if !used.contains(&r.solver.as_str()) {
                    used.push(&r.solver);
                }
            }
            used.join("|")
        }),
        termination: worst,
        iterations: fits.iter().map(|r| r.iterations).sum(),
        cost: fits.iter().map(|r| r.cost).sum(),
        gradient_norm: fits
            .iter()
            .map(|r| r.gradient_norm.powi(2))
            .sum::<f64>()
            .sqrt(),
        initial_gradient_norm: fits
            .iter()
            .map(|r| r.initial_gradient_norm.powi(2))
            .sum::<f64>()
            .sqrt(),
        gap_bound,
        separation: first.and_then(|r| r.separation.clone()),
        lambda_max,
        history: fits
            .iter()
            .flat_map(|r| r.history.iter().copied())
            .collect(),
        evaluations,
        seconds: fits.iter().map(|r| r.seconds).sum(),
    };
    // An interrupted run keeps the classes it finished; the rest stay at θ₀ = 0.
    theta.resize(data.labels.len() * (data.n_features() + 1), 0.0);
    let solution = Solution { theta, report };
    let fitted = Fitted {
        solution,
        separation: unchecked.map_or(Ok(None), Err),
        lambda_max,
    };
    (fitted, per_class)
}

/// Runs one method.
fn minimize(
    solver: Solver,
    l1: f64,
    options: &TrainOptions,
    stopping: Stopping,
    objective: &Objective,
    theta0: Vec<f64>,
    watch: &mut Observer,
) -> Solution {
    let method: Box<dyn Minimizer> = match solver {
        Solver::Gd => Box::new(GradientDescent {
            learning_rate: options.learning_rate,
            stopping,
        }),
        Solver::Lbfgs => Box::new(Lbfgs {
            memory: 10,
            stopping,
        }),
        Solver::Cd => Box::new(CoordinateDescent {
            l1,
            stopping,
            max_sweeps: 100,
        }),
        Solver::Newton | Solver::Auto => Box::new(TrustRegion {
            stopping,
            max_cg_iterations: 1000,
        }),
    };
    method.minimize(objective, theta0, watch)
}
