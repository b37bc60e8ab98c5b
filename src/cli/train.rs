//! `logreg train`: fit a model to a CSV file and save it atomically.

use super::{output, plotting, progress};
use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use logreg::data::split;
use logreg::data::{LoadOptions, Schema};
use logreg::model::ValidationSplit;
use logreg::train::MulticlassChoice;
use logreg::{Dataset, Init, Precision, Solver, Termination, TrainOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SolverArg {
    /// cd with --l1; otherwise L-BFGS for dense data, trust-region Newton for sparse data
    /// (L-BFGS for K softmax neurons).
    Auto,
    /// The lesson's batch gradient descent (uses --learning-rate).
    Gd,
    /// Trust-region Newton with conjugate gradients (LIBLINEAR's TRON).
    Newton,
    /// Limited-memory BFGS with a strong-Wolfe line search.
    Lbfgs,
    /// Newton steps with coordinate descent on the quadratic model (newGLMNET, LIBLINEAR's
    /// -s 6): the solver for --l1.
    Cd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MulticlassArg {
    Auto,
    Multinomial,
    Ovr,
}

/// `--class-weight balanced` or `LABEL=W,...`.
pub fn parse_class_weight(spec: &str) -> Result<logreg::train::ClassWeight> {
    if spec == "balanced" {
        return Ok(logreg::train::ClassWeight::Balanced);
    }
    let mut pairs = Vec::new();
    for part in spec.split(',') {
        let Some((label, weight)) = part.rsplit_once('=') else {
            return Err(super::usage(format!(
                "--class-weight {spec:?}: expected `balanced` or LABEL=W,... (for example yes=5,no=1)"
            )));
        };
        let w: f64 = weight.trim().parse().map_err(|_| {
            super::usage(format!(
                "--class-weight {spec:?}: {weight:?} is not a number"
            ))
        })?;
        if !(w > 0.0 && w.is_finite()) {
            return Err(super::usage(format!(
                "--class-weight {spec:?}: the weight of {label:?} must be a finite number > 0"
            )));
        }
        pairs.push((label.trim().to_owned(), w));
    }
    Ok(logreg::train::ClassWeight::Given(pairs))
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InitArg {
    /// All weights and the bias start at 0 (J = ln 2).
    Zeros,
    /// Small uniform weights in [−0.01, 0.01) from --seed.
    Random,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PrecisionArg {
    F32,
    F64,
}

impl From<PrecisionArg> for Precision {
    fn from(p: PrecisionArg) -> Self {
        match p {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
        }
    }
}

/// The data-reading options shared by `train` and `demo`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Training data: CSV with a header row, LIBSVM, or Parquet.
    pub data: PathBuf,
    /// Where to write the model (JSON). An existing file is replaced only on success.
    #[arg(short, long, value_name = "MODEL")]
    pub output: PathBuf,
    /// The target column [default: `label` if present, else the last column].
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// The label value that is the positive class (y = 1) of two classes [default: the larger
    /// number, or the later string in byte order].
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Two classes: store this decision threshold in the model (0 < T < 1), so that `predict`,
    /// `eval` and `report` label a row positive when its probability is at least T [default:
    /// none stored: 0.5].
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// How three or more classes are modelled: auto (multinomial), multinomial (K softmax
    /// neurons, also for two classes), or ovr (K one-vs-rest sigmoid neurons).
    #[arg(long, value_enum, default_value = "auto")]
    pub multiclass: MulticlassArg,
    /// A target with more distinct values than this is an error (it looks continuous).
    #[arg(long, value_name = "N", default_value_t = logreg::data::DEFAULT_MAX_CLASSES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=logreg::data::MAX_CLASSES_LIMIT as u64))]
    pub max_classes: usize,
    /// The CSV or Parquet column of row weights (not a feature). An integer weight k counts the
    /// row k times; 0 leaves it out.
    #[arg(long, value_name = "COLUMN", conflicts_with = "sample_weight_file")]
    pub sample_weight: Option<String>,
    /// Row weights from a file of one number per line (for LIBSVM data).
    #[arg(long, value_name = "FILE")]
    pub sample_weight_file: Option<PathBuf>,
    /// Only these columns are features, in this order (CSV, Parquet): `--features age,income`.
    /// The file's other columns (an id, a date) are ignored, and files for the model may hold
    /// them.
    #[arg(
        long,
        value_name = "A,B,...",
        value_delimiter = ',',
        conflicts_with = "ignore"
    )]
    pub features: Option<Vec<String>>,
    /// Columns that are not features (CSV, Parquet): `--ignore id,date`. Files for the model may
    /// hold them.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub ignore: Vec<String>,
    #[command(flatten)]
    pub encode: super::table::EncodeArgs,
    /// The CSV field separator: one character, or `tab` [default: told from the header line,
    /// the most frequent of `,` `;` tab `|` outside quotes].
    #[arg(long, value_name = "C", value_parser = super::table::parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Class weights, multiplying the sample weights: `balanced` (class c weighs
    /// S/(K·S_c)) or LABEL=W,... (classes not named weigh 1).
    #[arg(long, value_name = "SPEC")]
    pub class_weight: Option<String>,
    #[command(flatten)]
    pub fit: FitArgs,
    /// Hold out this fraction of rows (stratified by class) for validation.
    #[arg(
        long,
        value_name = "F",
        conflicts_with = "validation",
        allow_negative_numbers = true
    )]
    pub validation_fraction: Option<f64>,
    /// Validation data in a separate file laid out like the training file.
    #[arg(long, value_name = "FILE")]
    pub validation: Option<PathBuf>,
    /// Stop when validation accuracy has not improved for K checks (one check every
    /// --log-every iterations). Needs a validation set.
    #[arg(long, value_name = "K", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub patience: Option<usize>,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    pub quiet: bool,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
    /// Print the fit report as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Treat a fit that did not converge (iteration limit, separable data, stalled) as an
    /// error: exit 1 and write no model.
    #[arg(long)]
    pub strict: bool,
    /// Write the cost curve (PNG and SVG) and fit.json into this folder.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Also print the model's statistical summary on the training data (as `logreg
    /// summary`), which is then read in f64; with the options below.
    #[arg(long)]
    pub summary: bool,
    #[command(flatten)]
    pub inference: super::summary::InferenceArgs,
}

/// How to fit: solver, objective and stopping rule.
#[derive(Debug, Args)]
pub struct FitArgs {
    #[arg(long, value_enum, default_value = "auto")]
    pub solver: SolverArg,
    /// α, the gradient descent step size (--solver gd only).
    #[arg(
        long,
        value_name = "ALPHA",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    pub learning_rate: f64,
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_iterations: usize,
    /// Converged once the certified bound on the relative gap to the optimum, (J − J*)/J*, is
    /// at most T.
    #[arg(
        long,
        value_name = "T",
        default_value_t = logreg::train::DEFAULT_TOL,
        allow_negative_numbers = true
    )]
    pub tol: f64,
    /// λ₂, the L2 penalty (λ₂/2)‖w‖² on the standardised weights [default: 1e-4, or 0 with
    /// --l1].
    #[arg(
        long,
        value_name = "LAMBDA",
        conflicts_with = "c",
        allow_negative_numbers = true
    )]
    pub l2: Option<f64>,
    /// λ₁, the L1 penalty λ₁‖w‖₁ on the standardised weights (lasso; with --l2, the elastic
    /// net) [default: 0].
    #[arg(
        long,
        value_name = "LAMBDA",
        conflicts_with = "c",
        allow_negative_numbers = true
    )]
    pub l1: Option<f64>,
    /// Inverse penalty as in scikit-learn and LIBLINEAR: λ₂ = 1/(C·m), m training rows; with
    /// --l1-ratio r, λ₁ = r/(C·m) and λ₂ = (1 − r)/(C·m).
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    pub c: Option<f64>,
    /// The L1 share r of the penalty given by --c (scikit-learn's l1_ratio, glmnet's alpha):
    /// 0 is L2 only, 1 is L1 only [default: 0].
    #[arg(long, value_name = "R", requires = "c", allow_negative_numbers = true)]
    pub l1_ratio: Option<f64>,
    /// Starting weights.
    #[arg(long, value_enum, default_value = "zeros")]
    pub init: InitArg,
    /// Seed for --init random and --validation-fraction.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Train on the raw features (no standardisation).
    #[arg(long)]
    pub no_standardize: bool,
    /// Print the cost, and check the validation set if any, every K iterations (0: never
    /// print, and check every 100).
    #[arg(long, value_name = "K", default_value_t = 100)]
    pub log_every: usize,
    /// How feature values are stored in memory (sums are always f64).
    #[arg(long, value_enum, default_value = "f32")]
    pub precision: PrecisionArg,
}

impl FitArgs {
    /// The library's options for `rows` training rows.
    pub fn options(&self, rows: usize, patience: Option<usize>) -> Result<TrainOptions> {
        let (l1, l2) = match (self.l1, self.l2, self.c) {
            (_, _, Some(c)) if !(c > 0.0 && c.is_finite()) => {
                return Err(super::usage(format!(
                    "--c must be a positive number, not {c}"
                )));
            }
            (_, _, Some(c)) => {
                let r = self.l1_ratio.unwrap_or(0.0);
                if !(0.0..=1.0).contains(&r) {
                    return Err(super::usage(format!(
                        "--l1-ratio must be between 0 and 1, not {r}"
                    )));
                }
                logreg::train::penalties_from_c(c, r, rows)
            }
            (Some(l1), l2, None) => (l1, l2.unwrap_or(0.0)),
            (None, Some(l2), None) => (0.0, l2),
            (None, None, None) => (0.0, TrainOptions::default().l2),
        };
        Ok(TrainOptions {
            solver: match self.solver {
                SolverArg::Auto => Solver::Auto,
                SolverArg::Gd => Solver::Gd,
                SolverArg::Newton => Solver::Newton,
                SolverArg::Lbfgs => Solver::Lbfgs,
                SolverArg::Cd => Solver::Cd,
            },
            l1,
            l2,
            learning_rate: self.learning_rate,
            max_iterations: self.max_iterations,
            tol: self.tol,
            standardize: !self.no_standardize,
            init: match self.init {
                InitArg::Zeros => Init::Zeros,
                InitArg::Random => Init::Random { seed: self.seed },
            },
            patience,
            // "Never print" is no reason to check the validation set at every iteration.
            check_every: match self.log_every {
                0 => TrainOptions::default().check_every,
                k => k,
            },
            ..TrainOptions::default()
        })
    }
}

pub fn run(args: TrainArgs) -> Result<ExitCode> {
    if args.patience.is_some() && args.validation.is_none() && args.validation_fraction.is_none() {
        return Err(super::usage(
            "--patience needs a validation set (--validation FILE or --validation-fraction F)"
                .into(),
        ));
    }
    let class_weight = args
        .class_weight
        .as_deref()
        .map(parse_class_weight)
        .transpose()?;
    // Every option is checked before any data is read (--c again once the rows are known).
    args.fit.options(1, args.patience)?.check()?;
    super::check_threshold(args.threshold)?;
    check_summary(&args)?;
    let options = LoadOptions {
        format: super::FormatArg::resolve(args.format),
        target: args.target.as_deref(),
        positive: args.positive.as_deref(),
        precision: args.fit.precision.into(),
        max_classes: args.max_classes,
        sample_weight: args.sample_weight.as_deref(),
        selection: logreg::data::Selection {
            features: args.features.as_deref(),
            ignore: &args.ignore,
        },
        encode: args.encode.options(args.fit.l2 == Some(0.0)),
        delimiter: args.delimiter,
    };
    progress::catch_interrupt();
    let bars = progress::bars_wanted(args.quiet, args.json);
    let started = Instant::now();
    let mut options = options;
    let ignore_with_cluster;
    if args.summary {
        // Standard errors on the data as written, not on f32 roundings of it.
        options.precision = logreg::Precision::F64;
        if let Some(c) = &args.inference.cluster
            && !args.ignore.contains(c)
        {
            // The cluster column groups the rows; it is not a feature.
            ignore_with_cluster = [args.ignore.clone(), vec![c.clone()]].concat();
            options.selection.ignore = &ignore_with_cluster;
        }
    }
    let mut all = progress::loading(&args.data, bars, || {
        logreg::data::load_training(&args.data, &options)
    })?;
    if let Some(file) = &args.sample_weight_file {
        all.weights = Some(logreg::data::read_weight_file(file, all.n_rows())?);
    }
    // --summary reads the data in f64; the fit runs on the f32 storage asked for (half the
    // memory traffic per pass), the summary's Newton steps then finish on the f64 values.
    let narrowed = match (&all.features, args.summary, args.fit.precision) {
        (logreg::Features::Dense64(x), true, PrecisionArg::F32) => {
            x.to_f32().map(logreg::Features::Dense32)
        }
        _ => None,
    };
    let load_seconds = started.elapsed().as_secs_f64();
    if all.dropped_rows > 0 && !args.quiet {
        super::say!(
            "{}: left out {} of {} rows with a missing numeric cell (--missing drop)",
            args.data.display(),
            all.dropped_rows,
            all.dropped_rows + all.n_rows()
        );
    }
    if args.threshold.is_some()
        && (all.labels.len() != 2 || matches!(args.multiclass, MulticlassArg::Multinomial))
    {
        let k = all.labels.len();
        let how = if k == 2 {
            " with --multiclass multinomial"
        } else {
            ""
        };
        return Err(super::usage(format!(
            "--threshold applies to models of two classes only: {k} classes{how} are modelled by {k} neurons, and each row gets its most probable class"
        )));
    }
    let (data, validation, split) = match (args.validation_fraction, &args.validation) {
        (Some(f), _) => {
            let s = split::stratified(&all.y, f, args.fit.seed)?;
            let recorded = ValidationSplit::Fraction {
                fraction: f,
                seed: args.fit.seed,
                training_rows: s.train.len(),
                validation_rows: s.validation.len(),
            };
            let parts = (all.select_rows(&s.train), all.select_rows(&s.validation));
            // The parts are copies: free the whole before fitting (one copy of the data, not
            // two).
            drop(all);
            (parts.0, Some(parts.1), Some(recorded))
        }
        (None, Some(path)) => {
            let schema = Schema {
                feature_names: &all.feature_names,
                target: &all.target,
                labels: &all.labels,
                sample_weight: args.sample_weight.as_deref(),
                ignored: &all.ignored,
                encoding: all.encoding.as_ref(),
            };
            let loaded = logreg::data::load_matching(
                path,
                options.format,
                &schema,
                options.precision,
                logreg::data::ReadOptions {
                    strict: false,
                    delimiter: args.delimiter,
                },
            )?;
            super::table::warn_unseen(path, &loaded.unseen);
            let (features, y) = (loaded.features, loaded.y);
            let Some(y) = y else {
                bail!(
                    "{}: no target column {:?} in the validation data",
                    path.display(),
                    all.target
                );
            };
            let v = Dataset {
                source: path.clone(),
                features,
                y,
                weights: None,
                ..all.clone_schema()
            };
            let recorded = ValidationSplit::File {
                path: path.display().to_string(),
                rows: v.n_rows(),
            };
            (all, Some(v), Some(recorded))
        }
        (None, None) => (all, None, None),
    };
    let mut options = args.fit.options(data.n_rows(), args.patience)?;
    options.multiclass = match args.multiclass {
        MulticlassArg::Auto => MulticlassChoice::Auto,
        MulticlassArg::Multinomial => MulticlassChoice::Multinomial,
        MulticlassArg::Ovr => MulticlassChoice::Ovr,
    };
    options.class_weight = class_weight;
    options.sample_weight = match (&args.sample_weight, &args.sample_weight_file) {
        (Some(column), _) => Some(column.clone()),
        (None, Some(file)) => Some(file.display().to_string()),
        (None, None) => None,
    };
    let validation = validation.map(|v| (v, split.expect("a split for every validation set")));
    fit_and_save(
        &args,
        &options,
        &data,
        narrowed,
        validation.as_ref(),
        load_seconds,
    )
}

/// Trains, writes the model and reports; `validation` is the validation set with where it came
/// from (both recorded in the model, with the training file's name), `load_seconds` the time
/// the training file took to read (reported with `--json`).
fn fit_and_save(
    args: &TrainArgs,
    options: &TrainOptions,
    data: &Dataset,
    narrowed: Option<logreg::Features>,
    validation: Option<&(Dataset, ValidationSplit)>,
    load_seconds: f64,
) -> Result<ExitCode> {
    // The rows to fit on: `data`, or its f32 copy (train --summary).
    let fit_copy = narrowed.map(|features| Dataset {
        source: data.source.clone(),
        features,
        y: data.y.clone(),
        weights: data.weights.clone(),
        feature_names: data.feature_names.clone(),
        target: data.target.clone(),
        labels: data.labels.clone(),
        ignored: data.ignored.clone(),
        encoding: data.encoding.clone(),
        dropped_rows: data.dropped_rows,
    });
    let fitted = fit_copy.as_ref().unwrap_or(data);
    let quiet = args.quiet;
    let bars = progress::bars_wanted(quiet, args.json);
    let mut watch = progress::Watch::new(options.max_iterations, args.fit.log_every, quiet, bars);
    let mut trained = logreg::train(fitted, validation.map(|(v, _)| v), options, &mut |p| {
        watch.observe(p)
    })?;
    watch.finish();
    trained.model.training.data = Some(args.data.display().to_string());
    trained.model.threshold = args.threshold;
    trained.model.training.validation = validation.map(|(_, split)| split.clone());
    let validation = validation.map(|(v, _)| v);
    let report = &trained.report;
    // (A Ctrl-C after the fit's last check still means: write nothing.)
    if report.termination == Termination::Interrupted || progress::interrupted() {
        super::say!(
            "logreg: {}",
            progress::interrupted_message(report, "no model written")
        );
        return Ok(ExitCode::from(progress::INTERRUPTED_EXIT));
    }
    if report.termination == Termination::Diverged {
        bail!(
            "{}",
            output::divergence_message(report, options.learning_rate)
        );
    }
    let warning = output::fit_warning(&trained, &data.feature_names, options.learning_rate);
    if let (true, Some(w)) = (args.strict, &warning) {
        bail!("{w} (--strict: no model written)");
    }
    // (Before the model is written: a summary that cannot be made leaves nothing behind.)
    let summary_started = Instant::now();
    let summary = args
        .summary
        .then(|| summarize(args, &trained.model, data))
        .transpose()?;
    let summary_seconds = summary_started.elapsed().as_secs_f64();
    trained
        .model
        .save(&args.output)
        .with_context(|| format!("cannot write the model to {}", args.output.display()))?;
    if let Some(dir) = &args.plot {
        plotting::training(dir, &trained, quiet || args.json)?;
    }
    // The model and the plots are in place together, before anything says so.
    logreg::outputs::commit()?;
    if let Some(w) = warning {
        super::say!("logreg: warning: {w}");
    }
    if let Some(w) = output::l1_warning(&trained) {
        super::say!("logreg: warning: {w}");
    }
    if let Some(note) = output::separation_note(&trained) {
        super::say!("logreg: {note}");
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::json!({
            "model": args.output,
            "rows": data.n_rows(),
            "features": data.n_features(),
            "classes": data.labels.len(),
            "multiclass": trained.model.multiclass,
            "l2": options.l2,
            "l1": options.l1,
            "lambda_max": trained.lambda_max,
            "selected_features": trained.model.selected_features().len(),
            "load_seconds": load_seconds,
            "report": report,
            "validation": trained.validation,
            "summary": summary.as_ref().map(|(s, _)| s),
            "summary_seconds": summary.as_ref().map(|_| summary_seconds),
            "tests": summary.as_ref().map(|(_, t)| t),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    } else if !quiet {
        writeln!(
            out,
            "trained on {} rows × {} features{} (λ = {}{}): {}",
            data.n_rows(),
            data.n_features(),
            output::classes_phrase(&trained.model),
            options.l2,
            output::l1_phrase(&trained.model),
            output::fit_summary(report)
        )?;
        if let Some(v) = validation.and_then(|_| trained.validation.last()) {
            writeln!(
                out,
                "validation ({} rows): accuracy {:.4}, log loss {:.4}",
                validation.map_or(0, Dataset::n_rows),
                v.accuracy,
                v.cost
            )?;
        }
        writeln!(out, "model written to {}", args.output.display())?;
    }
    if let (Some((s, tests)), false) = (&summary, args.json) {
        writeln!(out)?;
        super::summary::write_summary(&mut out, s, &trained.model, &args.data, tests)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary options need --summary, and a summary needs every training row of the file.
fn check_summary(args: &TrainArgs) -> Result<()> {
    let i = &args.inference;
    let asked = !i.tests.is_empty()
        || i.cluster.is_some()
        || i.firth
        || i.penalized_covariance
        || !matches!(i.cov, super::summary::CovArg::Nonrobust);
    if asked && !args.summary {
        return Err(super::usage(
            "--cov, --cluster, --test, --firth and --penalized-covariance are summary options: \
             add --summary"
                .into(),
        ));
    }
    if args.summary {
        i.options()?;
        if args.validation_fraction.is_some() || args.validation.is_some() {
            return Err(super::usage(
                "--summary describes the fit on all of the training file: leave out \
                 --validation and --validation-fraction"
                    .into(),
            ));
        }
        if i.cluster.is_some() && logreg::data::source::is_stdin(&args.data) {
            return Err(super::usage(
                "--cluster reads the data twice: give a file, not -".into(),
            ));
        }
    }
    Ok(())
}

/// The summary of the model just trained, on its training data, with the Wald tests asked.
fn summarize(
    args: &TrainArgs,
    model: &logreg::Model,
    data: &Dataset,
) -> Result<(logreg::inference::Summary, Vec<logreg::inference::WaldTest>)> {
    let format = super::FormatArg::resolve(args.format);
    let clusters =
        super::summary::load_clusters(&args.data, format, args.inference.cluster.as_deref())?;
    let view = logreg::inference::Data {
        x: &data.features,
        y: &data.y,
        weights: data.weights.as_deref(),
        clusters: clusters.as_ref(),
    };
    let s = logreg::inference::summarize(model, &view, &args.inference.options()?)?;
    let tests = super::summary::wald_tests(&s, &args.inference.tests)?;
    Ok((s, tests))
}
