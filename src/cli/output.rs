//! Shared printing: the lesson's cost log, fit summaries and metric tables.

use logreg::metrics::Metrics;
use logreg::separation::{Separation, Unchecked};
use logreg::{FitReport, Termination, Trained};
use std::io::Write;

/// v with seven significant digits: fixed-point between 1e-3 and 1e7, else in e-notation, so
/// that a loss of 1e-12 does not print as 0.000000.
pub fn significant(v: f64) -> String {
    let size = v.abs();
    if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if (1e-3..1e7).contains(&size) {
        let decimals = (6 - size.log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.6e}")
    }
}

/// One line saying how the fit ended.
pub fn fit_summary(report: &FitReport) -> String {
    format!(
        "{} {} after {} iterations ({} passes over the data): cost {:.6}, {}, gradient norm {:.3e}, {:.3} s",
        report.solver,
        report.termination,
        report.iterations,
        report.evaluations.passes,
        report.cost,
        gap_phrase(report.gap_bound),
        report.gradient_norm,
        report.seconds
    )
}

/// The names of selected features, the first 20 of them and how many more.
pub fn selected_names(model: &logreg::Model, selected: &[usize]) -> String {
    const SHOWN: usize = 20;
    let mut names: Vec<&str> = selected
        .iter()
        .take(SHOWN)
        .map(|&j| model.feature_names[j].as_str())
        .collect();
    let more = selected.len().saturating_sub(SHOWN);
    let tail = format!("… and {more} more");
    if more > 0 {
        names.push(&tail);
    }
    if names.is_empty() {
        "none (every weight is 0)".into()
    } else {
        names.join(", ")
    }
}

/// With λ₁ > 0, ", λ₁ = 0.01: 9 of 30 features selected"; otherwise nothing.
pub fn l1_phrase(model: &logreg::Model) -> String {
    if model.training.l1 > 0.0 {
        format!(
            ", λ₁ = {}: {} of {} features selected",
            model.training.l1,
            model.selected_features().len(),
            model.feature_names.len()
        )
    } else {
        String::new()
    }
}

/// With λ₁ ≥ λ_max, the warning that every weight is 0.
pub fn l1_warning(trained: &logreg::Trained) -> Option<String> {
    let top = trained.lambda_max?;
    let l1 = trained.model.training.l1;
    (l1 >= top).then(|| {
        format!(
            "λ₁ = {l1} is at least λ_max = {top:.6e}, the smallest λ₁ at which every weight is 0: \
             the model predicts from the bias alone; try λ₁ below λ_max"
        )
    })
}

/// "relative gap ≤ 3.1e-12", or that no bound was computed.
pub fn gap_phrase(bound: Option<f64>) -> String {
    match bound {
        Some(b) if b.is_finite() => format!("relative gap to the optimum ≤ {b:.1e}"),
        _ => "gap to the optimum not bounded".into(),
    }
}

/// The names of the diverging coefficients of a separation, cut to a readable length.
pub fn diverging(separation: &Separation, names: &[String]) -> String {
    let mut list: Vec<&str> = separation
        .diverging
        .iter()
        .map(|&j| names.get(j).map_or("?", String::as_str))
        .collect();
    if separation.bias_diverges {
        list.push("(bias)");
    }
    logreg::data::some_of(&list)
}

/// A warning for a fit that stopped before the tolerance, or None. `names` are the features'.
pub fn fit_warning(trained: &Trained, names: &[String], learning_rate: f64) -> Option<String> {
    let warning = one_fit_warning(trained, names, learning_rate)?;
    // One-vs-rest: say which neurons' fits the warning is about.
    let unfinished: Vec<String> = trained
        .model
        .training
        .per_class
        .iter()
        .filter(|c| c.termination != Termination::Converged)
        .map(|c| {
            let t = serde_json::to_value(c.termination).unwrap_or_default();
            format!(
                "{} ({})",
                logreg::data::cut(&c.class),
                t.as_str().unwrap_or("")
            )
        })
        .collect();
    Some(if unfinished.is_empty() {
        warning
    } else {
        let names: Vec<&str> = unfinished.iter().map(String::as_str).collect();
        format!(
            "one-vs-rest: the fit of {} against the rest did not converge; the first: {warning}",
            logreg::data::some_of(&names)
        )
    })
}

/// The warning for a fit (for one-vs-rest, about the first neuron whose fit did not converge).
fn one_fit_warning(trained: &Trained, names: &[String], learning_rate: f64) -> Option<String> {
    let report = &trained.report;
    match report.termination {
        Termination::MaxIterations => Some(format!(
            "{} stopped at the iteration limit ({}) before the gap to the optimum was \
             certified ({}); raise --max-iterations{}{}",
            report.solver,
            report.iterations,
            gap_phrase(report.gap_bound),
            if report.solver == "gd" {
                format!(" or the learning rate ({learning_rate})")
            } else {
                String::new()
            },
            match &trained.separation_unchecked {
                Some(why) => format!(
                    ". With λ = 0 the classes may be separated, so that J has no minimum; \
                     that was not checked: {}",
                    unchecked(why)
                ),
                None => String::new(),
            }
        )),
        Termination::Separable => Some(match &report.separation {
            Some(s) if !s.direction => format!(
                "the training classes are completely separated (a hyperplane puts all \
                 {} rows on their correct side) and λ = 0, so J has no minimum: the weights \
                 would grow without bound. Stopped after {} iterations; use --l2 > 0 for a \
                 well-defined model",
                s.rows, report.iterations
            ),
            Some(s) => format!(
                "the training classes are completely separated (a hyperplane puts all \
                 {} rows on their correct side) and λ = 0, so J has no minimum and these \
                 coefficients diverge: {}. Stopped after {} iterations; use --l2 > 0 for a \
                 well-defined model",
                s.rows,
                diverging(s, names),
                report.iterations
            ),
            None => format!(
                "the training classes are linearly separable and λ = 0, so J has no \
                 minimum: the weights would grow without bound. Stopped after {} iterations \
                 with every row classified correctly; use --l2 > 0 for a well-defined model",
                report.iterations
            ),
        }),
        Termination::QuasiSeparable => report.separation.as_ref().map(|s| {
            format!(
                "the training classes are quasi-completely separated and λ = 0: {} of \
                 {} rows are predicted perfectly along a direction in which J keeps falling, so \
                 the maximum-likelihood estimate does not exist and these coefficients diverge: \
                 {}. The model is where {} stopped after {} iterations; use --l2 > 0, or drop \
                 or merge those features",
                s.rows_separated,
                s.rows,
                diverging(s, names),
                report.solver,
                report.iterations
            )
        }),
        Termination::Stalled => Some(format!(
            "{} could not reduce J further in floating point before the gap to the \
             optimum was certified ({}); the model is as close to the optimum as rounding allows",
            report.solver,
            gap_phrase(report.gap_bound)
        )),
        Termination::Converged
        | Termination::Diverged
        | Termination::EarlyStopped
        | Termination::Interrupted => None,
    }
}

/// A note for a converged fit at λ = 0 whose data could not be checked for separation.
pub fn separation_note(trained: &Trained) -> Option<String> {
    let why = trained.separation_unchecked.as_ref()?;
    (trained.report.termination == Termination::Converged).then(|| {
        format!(
            "note: λ = 0 and the data were not checked for separation ({}): if they are \
             quasi-completely separated, the maximum-likelihood estimate does not exist \
             although the fit converged",
            unchecked(why)
        )
    })
}

/// Why the separation check was not made, in words.
fn unchecked(why: &Unchecked) -> String {
    match why {
        Unchecked::TooLarge => format!(
            "the data have more than {} rows × (features + 1) for the linear program",
            logreg::separation::MAX_ENTRIES
        ),
        Unchecked::Solver(reason) => format!("the linear program failed ({reason})"),
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
    let table = match &m.weighted_confusion {
        Some(w) => {
            writeln!(
                out,
                "weights     {} in all",
                m.weight_total.unwrap_or(f64::NAN)
            )?;
            vec![
                vec![w.true_negative, w.false_positive],
                vec![w.false_negative, w.true_positive],
            ]
        }
        None => vec![
            vec![c.true_negative as f64, c.false_positive as f64],
            vec![c.false_negative as f64, c.true_positive as f64],
        ],
    };
    write_confusion(out, &table, labels)
}

/// A K × K confusion matrix (rows: actual, columns: predicted), labelled with the classes.
fn write_confusion(
    out: &mut impl Write,
    table: &[Vec<f64>],
    labels: &logreg::data::LabelMap,
) -> std::io::Result<()> {
    let names: Vec<String> = labels
        .classes
        .iter()
        .map(|l| logreg::data::cut(l))
        .collect();
    let cells: Vec<Vec<String>> = table
        .iter()
        .map(|row| row.iter().map(|&v| significant_count(v)).collect())
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .chain(cells.iter().flatten().map(String::len))
        .max()
        .unwrap_or(0)
        .max(6);
    writeln!(out, "confusion matrix (rows: actual, columns: predicted)")?;
    write!(out, "  {:>width$}", "")?;
    for n in &names {
        write!(out, "  {n:>width$}")?;
    }
    writeln!(out)?;
    for (n, row) in names.iter().zip(&cells) {
        write!(out, "  {n:>width$}")?;
        for v in row {
            write!(out, "  {v:>width$}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// A count as an integer when it is one, else with four decimals (weighted counts).
fn significant_count(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

/// The multiclass metrics as an aligned table.
pub fn write_multiclass_metrics(
    out: &mut impl Write,
    m: &logreg::metrics::MulticlassMetrics,
    labels: &logreg::data::LabelMap,
) -> std::io::Result<()> {
    let opt = |v: Option<f64>| v.map_or("undefined".to_owned(), |a| format!("{a:.4}"));
    writeln!(out, "rows        {}", m.rows)?;
    if let Some(total) = m.weight_total {
        writeln!(out, "weights     {total} in all")?;
    }
    writeln!(out, "classes     {}", m.classes)?;
    writeln!(out, "accuracy    {:.4}", m.accuracy)?;
    writeln!(out, "log loss    {:.4}", m.log_loss)?;
    writeln!(
        out,
        "roc auc     {} (one-vs-rest, macro)",
        opt(m.macro_roc_auc)
    )?;
    let names: Vec<String> = labels
        .classes
        .iter()
        .map(|l| logreg::data::cut(l))
        .collect();
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(12);
    writeln!(
        out,
        "  {:<width$}  precision  recall  f1      support  roc auc",
        "class"
    )?;
    for (n, c) in names.iter().zip(&m.per_class) {
        writeln!(
            out,
            "  {n:<width$}  {:<9.4}  {:<6.4}  {:<6.4}  {:<7}  {}",
            c.precision,
            c.recall,
            c.f1,
            significant_count(c.support),
            opt(c.roc_auc)
        )?;
    }
    for (name, a) in [
        ("macro avg", &m.macro_average),
        ("weighted avg", &m.weighted_average),
    ] {
        writeln!(
            out,
            "  {name:<width$}  {:<9.4}  {:<6.4}  {:<6.4}",
            a.precision, a.recall, a.f1
        )?;
    }
    write_confusion(out, &m.confusion, labels)
}

/// ", K classes (multinomial)" for a multiclass model, nothing for a binary one.
pub fn classes_phrase(model: &logreg::Model) -> String {
    match model.multiclass {
        logreg::model::Multiclass::Binary => String::new(),
        m => format!(", {} classes ({})", model.classes(), m.name()),
    }
}
