//! `logreg predict`: label (and optionally the probability of) every row of a CSV file.

use anyhow::{Context, Result};
use clap::Args;
use logreg::Model;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// Data laid out like the training file; its target column, if present, is ignored.
    pub data: PathBuf,
    /// A level of a categorical column that training did not see is an error naming the row
    /// and value (default: a warning, and the row's indicators for that column are all 0).
    #[arg(long)]
    pub strict: bool,
    /// Write the predictions here (atomically) instead of to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add a column with the probability of the positive class (two classes), or one column
    /// `probability_<label>` per class, in class order.
    #[arg(long)]
    pub proba: bool,
    /// Two classes: label a row positive when its probability is at least T (0 < T < 1)
    /// [default: the model's stored threshold, else 0.5].
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run(args: PredictArgs) -> Result<ExitCode> {
    super::check_threshold(args.threshold)?;
    let model = Model::load(&args.model)?;
    let threshold = super::decision_threshold(args.threshold, &model)?;
    let data = logreg::data::load_for_model(
        &args.data,
        super::FormatArg::resolve(args.format),
        &model,
        args.strict,
    )?;
    super::table::warn_unseen(&args.data, &data.unseen);
    let x = data.features;
    let mut text = Vec::new();
    if model.multiclass == logreg::model::Multiclass::Binary {
        let a = model.probabilities(x.design());
        text.reserve(a.len() * 24);
        if args.proba {
            writeln!(text, "prediction,probability")?;
        } else {
            writeln!(text, "prediction")?;
        }
        for p in a {
            let label = model.labels.decode(p >= threshold);
            if args.proba {
                writeln!(text, "{},{}", quote(label), p)?;
            } else {
                writeln!(text, "{}", quote(label))?;
            }
        }
    } else {
        let logp = model.log_probabilities(x.design());
        let k = model.classes();
        write!(text, "prediction")?;
        if args.proba {
            for label in &model.labels.classes {
                write!(text, ",{}", quote(&format!("probability_{label}")))?;
            }
        }
        writeln!(text)?;
        for (row, c) in logp.chunks_exact(k).zip(model.predict(&logp)) {
            write!(text, "{}", quote(model.labels.label(c)))?;
            if args.proba {
                for lp in row {
                    write!(text, ",{}", lp.exp())?;
                }
            }
            writeln!(text)?;
        }
    }
    match &args.output {
        Some(path) => logreg::model::write_atomically(path, &text)
            .with_context(|| format!("cannot write predictions to {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A CSV field, quoted if it holds a comma, quote or line break.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
