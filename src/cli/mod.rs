//! Subcommands of the `logreg` binary, one module each, each an `XArgs` and a `run`.

/// Writes one line to stderr, like `eprintln!`, but a closed or full stderr is not a panic:
/// the message is dropped, as a closed stdout is not an error either.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub(crate) use say;

mod demo;
mod eval;
mod explain;
mod generate;
mod output;
mod plotting;
mod predict;
mod progress;
mod report;
mod show;
pub mod signals;
mod summary;
pub mod table;
mod train;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Logistic regression as a neural network: train, predict, evaluate and explain one neuron.
#[derive(Debug, Parser)]
#[command(name = "logreg", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model on a data file (CSV, LIBSVM, Parquet) and save it.
    Train(Box<train::TrainArgs>),
    /// Predict the label (and probability) of every row of a data file.
    Predict(predict::PredictArgs),
    /// Measure a model on labelled data: accuracy, precision, recall, F1, log loss, ROC AUC.
    Eval(eval::EvalArgs),
    /// Show one example's forward and backward pass through the neuron.
    Explain(explain::ExplainArgs),
    /// Train on the embedded Wisconsin breast-cancer data and show the lesson end to end.
    Demo(demo::DemoArgs),
    /// Write one self-contained HTML page: model, fit, metrics and plots.
    Report(report::ReportArgs),
    /// Write synthetic data drawn from a known logistic model (CSV, or LIBSVM when sparse).
    Generate(generate::GenerateArgs),
    /// Print what a model file holds: classes, features, the weights ranked by |w_j·s_j|,
    /// bias, threshold and how it was trained.
    Show(show::ShowArgs),
    /// Statistical inference: standard errors, z, p-values, intervals and odds ratios per
    /// coefficient, likelihood statistics, robust and clustered covariances, Wald tests, Firth.
    Summary(Box<summary::SummaryArgs>),
    /// The likelihood-ratio test between two nested models fitted to the same data.
    Lrtest(summary::LrtestArgs),
}

/// `--format`: the data file's format, when its name does not say.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Csv,
    Libsvm,
    Parquet,
}

impl FormatArg {
    pub fn resolve(format: Option<FormatArg>) -> Option<logreg::data::Format> {
        format.map(|f| match f {
            FormatArg::Csv => logreg::data::Format::Csv,
            FormatArg::Libsvm => logreg::data::Format::LibSvm,
            FormatArg::Parquet => logreg::data::Format::Parquet,
        })
    }
}

/// Features and true labels of a file for `model`; `purpose` says why labels are needed.
/// Levels of categorical columns that training did not see get a warning, or with
/// `read.strict` an error.
pub fn labelled_data(
    path: &std::path::Path,
    format: Option<FormatArg>,
    model: &logreg::Model,
    purpose: &str,
    read: logreg::data::ReadOptions,
) -> Result<(logreg::Features, Vec<f64>)> {
    let data = logreg::data::load_for_model(path, FormatArg::resolve(format), model, read)?;
    table::warn_unseen(path, &data.unseen);
    let (x, y) = (data.features, data.y);
    let Some(y) = y else {
        anyhow::bail!(
            "{}: no target column {:?}: {purpose} needs the true labels",
            path.display(),
            model.target
        );
    };
    Ok((x, y))
}

/// The most worker threads `--threads` starts; more only cost memory and start-up time.
const MAX_THREADS: usize = 256;

/// A usage error found after the arguments were parsed: exit code 2, like clap's own.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A usage error with this message.
pub fn usage(message: String) -> anyhow::Error {
    anyhow::Error::new(Usage(message))
}

/// The exit code of a failed run: 2 for usage errors (ours, and parameters the library
/// rejects), 1 for everything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let misused = err.chain().any(|e| {
        e.downcast_ref::<Usage>().is_some()
            || matches!(
                e.downcast_ref::<logreg::Error>(),
                Some(logreg::Error::InvalidParameter { .. })
            )
    });
    if misused { 2 } else { 1 }
}

/// The error and its causes in one line, `a: b: c`, leaving out a cause whose text the line
/// already holds (an I/O error names its file and then repeats its cause as its source).
pub fn message(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}

/// `--threshold` must be a probability strictly between 0 and 1 (at 0 or 1 every row, or
/// almost none, would be positive).
pub fn check_threshold(threshold: Option<f64>) -> Result<()> {
    match threshold {
        Some(t) if !(t > 0.0 && t < 1.0) => Err(usage(format!(
            "--threshold must be between 0 and 1 (exclusive), not {t}"
        ))),
        _ => Ok(()),
    }
}

/// The decision threshold for `model`: `--threshold` when given, else the model's own (see
/// [`logreg::Model::decision_threshold`]). A model of K classes labels each row with its most probable
/// class, so `--threshold` is a usage error for it.
pub fn decision_threshold(threshold: Option<f64>, model: &logreg::Model) -> Result<f64> {
    check_threshold(threshold)?;
    match threshold {
        Some(_) if model.multiclass != logreg::model::Multiclass::Binary => Err(usage(format!(
            "--threshold applies to models of two classes only: this {} model of {} classes labels each row with its most probable class",
            model.multiclass.name(),
            model.classes()
        ))),
        Some(t) => Ok(t),
        None => Ok(model.decision_threshold()),
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    if let Some(mut threads) = cli.threads {
        if threads > MAX_THREADS {
            say!(
                "logreg: note: --threads {threads} is more than {MAX_THREADS}; using {MAX_THREADS}"
            );
            threads = MAX_THREADS;
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {threads} threads: {e}"))?;
    }
    match cli.command {
        Command::Train(args) => train::run(*args),
        Command::Predict(args) => predict::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Report(args) => report::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Show(args) => show::run(args),
        Command::Summary(args) => summary::run(*args),
        Command::Lrtest(args) => summary::run_lrtest(args),
    }
}

/// Was this error a write to a closed pipe (as in `logreg predict ... | head`)?
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
