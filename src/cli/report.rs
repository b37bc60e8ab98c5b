//! `logreg report`: one self-contained HTML page with the model, its fit, its metrics on
//! labelled data and every plot inline.

use anyhow::{Context, Result};
use clap::Args;
use logreg::model::Multiclass;
use logreg::report::{self, Evaluation, FitRecord, Report};
use logreg::standardize::Standardization;
use logreg::{Model, metrics, plot};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// Data laid out like the training file, with its target column.
    pub data: PathBuf,
    #[command(flatten)]
    pub read: super::table::ReadArgs,
    /// Where to write the page (atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The fit record: `fit.json` from `logreg train --plot DIR`, or the output of
    /// `logreg train --json`. Adds the fit report and the cost curve.
    #[arg(long, value_name = "FILE")]
    pub fit: Option<PathBuf>,
    /// Two classes: predict the positive class when its probability is at least T (0 < T < 1)
    /// [default: the model's stored threshold, else 0.5].
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
    /// Add the statistical summary (as `logreg summary`) on the training rows.
    #[arg(long)]
    pub summary: bool,
    #[command(flatten)]
    pub inference: super::summary::InferenceArgs,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    super::check_threshold(args.threshold)?;
    let mut model = Model::load(&args.model)?;
    super::summary::allow_column(&mut model, args.inference.cluster.as_deref());
    let threshold = super::decision_threshold(args.threshold, &model)?;
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
    let (x, y) = super::labelled_data(
        &args.data,
        args.format,
        &model,
        "the report",
        args.read.options(),
    )?;
    // The training and validation rows apart, when the model records how they were split.
    let parts = report::parts(&model, &args.data, &y);
    let rows_of = |part: &report::Part| -> (Option<logreg::Features>, Vec<f64>) {
        match &part.indices {
            Some(rows) => (
                Some(x.select_rows(rows)),
                rows.iter().map(|&i| y[i]).collect(),
            ),
            None => (None, y.clone()),
        }
    };
    let selected: Vec<(Option<logreg::Features>, Vec<f64>)> = parts.iter().map(rows_of).collect();
    let design = |p: usize| selected[p].0.as_ref().unwrap_or(&x).design();
    // The plots on the validation rows where there are some, else on the one part.
    let shown = parts.len() - 1;
    let scales = match &model.standardization {
        Some(s) => report::FeatureScales {
            scale: s.scale.clone(),
            source: "s_j is the standard deviation of feature j in the training rows, as the model's standardisation records it.".into(),
        },
        None => report::FeatureScales {
            scale: Standardization::fit(design(0)).scale,
            source: format!(
                "the model was trained without standardisation and records no scales, so s_j is the standard deviation of feature j in {}, computed here.",
                parts[0].rows
            ),
        },
    };
    let mut figures = Vec::new();
    if let Some(f) = &fit {
        figures.push(plot::cost_figure(
            &f.report.history,
            &f.validation,
            &f.report.solver,
        ));
    }
    let mut binary = Vec::new();
    let mut multiclass = Vec::new();
    if model.multiclass == Multiclass::Binary {
        for (p, (_, y)) in selected.iter().enumerate() {
            binary.push(metrics::evaluate(y, &model.logits(design(p)), threshold));
        }
        figures.extend(plot::evaluation_figures(
            &model,
            design(shown),
            &selected[shown].1,
        ));
    } else {
        let mut logps = Vec::new();
        for (p, (_, y)) in selected.iter().enumerate() {
            let logp = model.log_probabilities(design(p));
            multiclass.push(metrics::evaluate_multiclass(
                y,
                &logp,
                model.classes(),
                None,
            ));
            logps.push(logp);
        }
        figures.extend(plot::multiclass_figures(
            &model,
            &selected[shown].1,
            &logps[shown],
            &multiclass[shown],
        ));
    }
    let measured = parts
        .iter()
        .enumerate()
        .map(|(p, part)| report::Measured {
            heading: part.heading.clone(),
            rows: part.rows.clone(),
            metrics: match model.multiclass {
                Multiclass::Binary => Evaluation::Binary(&binary[p]),
                _ => Evaluation::Multiclass(&multiclass[p]),
            },
        })
        .collect();
    let summary = if args.summary {
        let options = args.inference.options()?;
        let weights = super::summary::recorded_weights(
            &args.data,
            super::FormatArg::resolve(args.format),
            &model,
        )?;
        let weights = match (&parts[0].indices, weights) {
            (Some(rows), Some(w)) => Some(rows.iter().map(|&i| w[i]).collect::<Vec<f64>>()),
            (_, w) => w,
        };
        let clusters = super::summary::load_clusters(
            &args.data,
            super::FormatArg::resolve(args.format),
            args.inference.cluster.as_deref(),
        )?;
        let data = logreg::inference::Data {
            x: selected[0].0.as_ref().unwrap_or(&x),
            y: &selected[0].1,
            weights: weights.as_deref(),
            clusters: clusters.as_ref(),
        };
        Some(logreg::inference::summarize(&model, &data, &options).map_err(|e| e.to_string()))
    } else {
        None
    };
    let page = Report {
        model: &model,
        model_source: args.model.display().to_string(),
        data_source: args.data.display().to_string(),
        metrics: measured,
        plots_on: parts[shown].heading.clone(),
        scales,
        fit: fit.as_ref(),
        figures,
        summary: summary.as_ref().map(|s| s.as_ref().map_err(Clone::clone)),
    }
    .to_html()?;
    logreg::model::write_atomically(&args.output, page.as_bytes())
        .with_context(|| format!("cannot write the report to {}", args.output.display()))?;
    super::say!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}
