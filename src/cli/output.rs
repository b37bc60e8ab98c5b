//! Shared printing: the lesson's cost log, fit summaries and metric tables.

use logreg::metrics::Metrics;
use logreg::{FitReport, Termination};
use std::io::Write;

/// One line saying how the fit ended.
pub fn fit_summary(report: &FitReport) -> String {
    format!(
        "{} {} after {} iterations ({} passes over the data): cost {:.6}, gradient norm {:.3e} ({:.1e} of the start), {:.3} s",
        report.solver,
        report.termination,
        report.iterations,
        report.evaluations.passes,
        report.cost,
        report.gradient_norm,
        report.gradient_norm / report.initial_gradient_norm.max(f64::MIN_POSITIVE),
        report.seconds
    )
}

/// A warning for a fit that stopped before the tolerance, or None.
pub fn fit_warning(report: &FitReport, learning_rate: f64) -> Option<String> {
    match report.termination {
        Termination::MaxIterations => Some(format!(
            "warning: {} stopped at the iteration limit ({}) before reaching the tolerance; \
             raise --max-iterations{}",
            report.solver,
            report.iterations,
            if report.solver == "gd" {
                format!(" or the learning rate ({learning_rate})")
            } else {
                String::new()
            }
        )),
        Termination::Separable => Some(format!(
            "warning: the training classes are linearly separable and λ = 0, so J has no minimum: \
             the weights would grow without bound. Stopped after {} iterations with every row \
             classified correctly; use --l2 > 0 for a well-defined model",
            report.iterations
        )),
        Termination::Stalled => Some(format!(
            "warning: {} could not reduce J further in floating point before the tolerance \
             (gradient norm {:.3e}); the model is as close to the optimum as rounding allows",
            report.solver, report.gradient_norm
        )),
        Termination::Converged
        | Termination::Diverged
        | Termination::EarlyStopped
        | Termination::Interrupted => None,
    }
}

/// The message for a diverged fit: for gradient descent a rising cost names the learning rate;
/// a cost or gradient that overflowed from the start names the data.
pub fn divergence_message(report: &FitReport, learning_rate: f64) -> String {
    let n = report.history.len();
    let (before, after) = if n >= 2 {
        (report.history[n - 2], report.history[n - 1])
    } else {
        (f64::NAN, report.history.last().copied().unwrap_or(f64::NAN))
    };
    let overflow = !after.is_finite() || !report.gradient_norm.is_finite();
    if report.solver == "gd" && !(overflow && n <= 1) {
        format!(
            "gradient descent diverged at iteration {}: the cost went from {before:.6} to {after:.6}. \
             The learning rate {learning_rate} is too large; try --learning-rate {}",
            report.iterations,
            learning_rate / 10.0
        )
    } else {
        format!(
            "{} stopped at iteration {}: the cost or its gradient is not a finite number \
             (cost {after}, gradient norm {}). A feature of extreme magnitude (|x| near 1e150 or \
             more) overflows f64 arithmetic; rescale it",
            report.solver, report.iterations, report.gradient_norm
        )
    }
}

/// The metrics as an aligned table.
pub fn write_metrics(
    out: &mut impl Write,
    m: &Metrics,
    labels: &logreg::data::LabelMap,
) -> std::io::Result<()> {
    writeln!(out, "rows        {}", m.rows)?;
    writeln!(out, "threshold   {}", m.threshold)?;
    writeln!(out, "accuracy    {:.4}", m.accuracy)?;
    writeln!(out, "precision   {:.4}", m.precision)?;
    writeln!(out, "recall      {:.4}", m.recall)?;
    writeln!(out, "f1          {:.4}", m.f1)?;
    writeln!(out, "log loss    {:.4}", m.log_loss)?;
    match m.roc_auc {
        Some(auc) => writeln!(out, "roc auc     {auc:.4}")?,
        None => writeln!(out, "roc auc     undefined (one class only)")?,
    }
    let c = &m.confusion;
    let (neg, pos) = (&labels.negative, &labels.positive);
    let width = neg.len().max(pos.len()).max(6);
    writeln!(out, "confusion matrix (rows: actual, columns: predicted)")?;
    writeln!(out, "  {:>width$}  {:>width$}  {:>width$}", "", neg, pos)?;
    writeln!(
        out,
        "  {:>width$}  {:>width$}  {:>width$}",
        neg, c.true_negative, c.false_positive
    )?;
    writeln!(
        out,
        "  {:>width$}  {:>width$}  {:>width$}",
        pos, c.false_negative, c.true_positive
    )?;
    Ok(())
}
