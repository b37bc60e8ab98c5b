//! `logreg eval`: a model's metrics on labelled data.

use super::{output, plotting};
use anyhow::Result;
use clap::Args;
use logreg::{Model, metrics};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// Data laid out like the training file, with its target column.
    pub data: PathBuf,
    #[command(flatten)]
    pub read: super::table::ReadArgs,
    /// Two classes: predict the positive class when its probability is at least T (0 < T < 1),
    /// for accuracy, precision, recall, F1 and the confusion matrix [default: the model's
    /// stored threshold, else 0.5].
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// Weigh each row by this column of the data (weighted metrics).
    #[arg(long, value_name = "COLUMN")]
    pub sample_weight: Option<String>,
    /// Print the metrics as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write ROC, precision-recall, calibration and weight plots (PNG and SVG) into this
    /// folder, and the decision boundary for two-feature data; for K classes the confusion
    /// heatmap, one-vs-rest ROC curves per class and the largest weights.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run(args: EvalArgs) -> Result<ExitCode> {
    super::check_threshold(args.threshold)?;
    if args.sample_weight.is_some() && logreg::data::source::is_stdin(&args.data) {
        // The weights are read in a second pass over the file, which a pipe cannot give.
        return Err(logreg::Error::InvalidParameter {
            name: "sample weight",
            value: "-".into(),
            reason: "needs the data in a file: standard input can be read only once",
        }
        .into());
    }
    let mut model = Model::load(&args.model)?;
    let threshold = super::decision_threshold(args.threshold, &model)?;
    let format = super::FormatArg::resolve(args.format);
    if let Some(column) = &args.sample_weight {
        // The weight column is not a feature: the file may hold it besides them.
        model.training.sample_weight = Some(column.clone());
    }
    let (x, y) =
        super::labelled_data(&args.data, args.format, &model, "eval", args.read.options())?;
    let weights = match &args.sample_weight {
        Some(column) => Some(logreg::data::load_weights(&args.data, format, column)?),
        None => None,
    };
    let mut out = std::io::stdout().lock();
    if model.multiclass != logreg::model::Multiclass::Binary {
        let logp = model.log_probabilities(x.design());
        let m = metrics::evaluate_multiclass(&y, &logp, model.classes(), weights.as_deref());
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&m)?)?;
        } else {
            output::write_multiclass_metrics(&mut out, &m, &model.labels)?;
        }
        if let Some(dir) = &args.plot {
            plotting::multiclass_evaluation(dir, &model, &y, &logp, &m, args.json)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let m =
        metrics::evaluate_weighted(&y, &model.logits(x.design()), threshold, weights.as_deref());
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&m)?)?;
    } else {
        output::write_metrics(&mut out, &m, &model.labels)?;
    }
    if let Some(dir) = &args.plot {
        plotting::evaluation(dir, &model, x.design(), &y, args.json)?;
    }
    Ok(ExitCode::SUCCESS)
}
