//! `logreg report`: one self-contained HTML page with the model, its fit, its metrics on
//! labelled data and every plot inline.

use anyhow::{Context, Result};
use clap::Args;
use logreg::model::Multiclass;
use logreg::report::{Evaluation, FitRecord, Report};
use logreg::{Model, metrics, plot};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// Data laid out like the training file, with its target column.
    pub data: PathBuf,
    /// Where to write the page (atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The fit record: `fit.json` from `logreg train --plot DIR`, or the output of
    /// `logreg train --json`. Adds the fit report and the cost curve.
    #[arg(long, value_name = "FILE")]
    pub fit: Option<PathBuf>,
    /// Predict the positive class when its probability is at least T.
    #[arg(
        long,
        value_name = "T",
        default_value_t = 0.5,
        allow_negative_numbers = true
    )]
    pub threshold: f64,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    super::check_threshold(args.threshold)?;
    let model = Model::load(&args.model)?;
    let fit: Option<FitRecord> = match &args.fit {
        Some(path) => {
            let text = std::fs::read(path)
                .with_context(|| format!("cannot read the fit record {}", path.display()))?;
            Some(serde_json::from_slice(&text).with_context(|| {
                format!(
                    "{}: not a fit record (the JSON of `logreg train --json` or fit.json)",
                    path.display()
                )
            })?)
        }
        None => None,
    };
    let (x, y) = super::labelled_data(&args.data, args.format, &model, "the report")?;
    let mut figures = Vec::new();
    if let Some(f) = &fit {
        figures.push(plot::cost_figure(
            &f.report.history,
            &f.validation,
            &f.report.solver,
        ));
    }
    let binary;
    let multiclass;
    let metrics = if model.multiclass == Multiclass::Binary {
        binary = metrics::evaluate(&y, &model.logits(x.design()), args.threshold);
        figures.extend(plot::evaluation_figures(&model, x.design(), &y));
        Evaluation::Binary(&binary)
    } else {
        if args.threshold != 0.5 {
            super::say!(
                "logreg: warning: --threshold applies to two classes only; each row gets its most probable of the {} classes",
                model.classes()
            );
        }
        let logp = model.log_probabilities(x.design());
        multiclass = metrics::evaluate_multiclass(&y, &logp, model.classes(), None);
        figures.extend(plot::multiclass_figures(&model, &y, &logp, &multiclass));
        Evaluation::Multiclass(&multiclass)
    };
    let page = Report {
        model: &model,
        model_source: args.model.display().to_string(),
        data_source: args.data.display().to_string(),
        metrics,
        fit: fit.as_ref(),
        figures,
    }
    .to_html()?;
    logreg::model::write_atomically(&args.output, page.as_bytes())
        .with_context(|| format!("cannot write the report to {}", args.output.display()))?;
    super::say!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}
