//! `--plot DIR`: writing the figures of [`logreg::plot`] after training or evaluation, and the
//! fit record that `logreg report --fit` reads.

use anyhow::{Context, Result};
use logreg::Trained;
use logreg::data::Design;
use logreg::plot::{self, Figure, Format};
use std::path::Path;

/// Both formats: PNG to look at, SVG to zoom into and search.
pub const FORMATS: &[Format] = &[Format::Png, Format::Svg];

/// Writes `figures` into `dir` and, unless `quiet`, lists them on stderr.
pub fn write(dir: &Path, figures: &[Figure], quiet: bool) -> Result<()> {
    let written = plot::write_figures(dir, figures, FORMATS)
        .with_context(|| format!("cannot write the plots to {}", dir.display()))?;
    if !quiet {
        for path in written {
            super::say!("wrote {}", path.display());
        }
    }
    Ok(())
}

/// The cost curve of a fit, and `fit.json` (the fit report and validation checks).
pub fn training(dir: &Path, trained: &Trained, quiet: bool) -> Result<()> {
    write(
        dir,
        &[plot::cost_figure(
            &trained.report.history,
            &trained.validation,
            &trained.report.solver,
        )],
        quiet,
    )?;
    let fit = serde_json::json!({
        "report": trained.report,
        "validation": trained.validation,
    });
    let path = dir.join("fit.json");
    let mut text = serde_json::to_vec_pretty(&fit)?;
    text.push(b'\n');
    logreg::model::write_atomically(&path, &text)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if !quiet {
        super::say!("wrote {}", path.display());
    }
    Ok(())
}

/// ROC, precision–recall, calibration, weights and (two features) the decision boundary.
pub fn evaluation(
    dir: &Path,
    model: &logreg::Model,
    x: &dyn Design,
    y: &[f64],
    quiet: bool,
) -> Result<()> {
    write(dir, &plot::evaluation_figures(model, x, y), quiet)
}

/// The figures of a multiclass evaluation: the confusion matrix, the per-class ROC curves
/// and the largest weights (see [`plot::multiclass_figures`]).
pub fn multiclass_evaluation(
    dir: &Path,
    model: &logreg::Model,
    y: &[f64],
    log_probabilities: &[f64],
    metrics: &logreg::metrics::MulticlassMetrics,
    quiet: bool,
) -> Result<()> {
    write(
        dir,
        &plot::multiclass_figures(model, y, log_probabilities, metrics),
        quiet,
    )
}
