//! `logreg explain`: one example's forward and backward pass through the neuron's graph.

use super::output::significant;
use anyhow::Result;
use clap::Args;
use logreg::graph::Neuron;
use logreg::graph_dot::{ClassExample, Shown};
use logreg::{Error, Model};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// Data laid out like the training file, with its target column.
    pub data: PathBuf,
    #[command(flatten)]
    pub read: super::table::ReadArgs,
    /// Which data row to explain, counting from 1 (the header is not a row).
    #[arg(long, value_name = "K")]
    pub row: usize,
    /// Print the computation graph as Graphviz DOT instead (render it with
    /// `dot -Tsvg -o graph.svg`): forward values on the nodes, backward derivatives on the edges.
    #[arg(long)]
    pub dot: bool,
    /// Show only the K features of largest contribution |w_j·x_j| to z (for K neurons: largest
    /// over the neurons), largest first, and the rest summed as "… N others" [default: every
    /// feature, in file order].
    #[arg(long, value_name = "K", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub top: Option<usize>,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run(args: ExplainArgs) -> Result<ExitCode> {
    let model = Model::load(&args.model)?;
    let (x, y) = super::labelled_data(
        &args.data,
        args.format,
        &model,
        "the backward pass",
        args.read.options(),
    )?;
    let rows = x.design().n_rows();
    if args.row == 0 || args.row > rows {
        return Err(Error::RowOutOfRange {
            path: args.data.clone(),
            row: args.row,
            rows,
        }
        .into());
    }
    let y = y[args.row - 1];
    let xi = x.design().row_values(args.row - 1);
    if model.multiclass != logreg::model::Multiclass::Binary {
        return explain_classes(&args, &model, &xi, y as usize);
    }
    let w = &model.weights[0];
    let neuron = Neuron::new(&xi, y, w, model.bias[0]);
    let t = neuron.trace();
    let label = model.labels.decode(y > 0.5);
    let contribution: Vec<f64> = xi.iter().zip(w).map(|(x, w)| (w * x).abs()).collect();
    let shown = Shown::of(&contribution, args.top);
    let mut out = std::io::stdout().lock();
    if args.dot {
        let dot = logreg::graph_dot::to_dot(&neuron, &model.feature_names, label, &shown);
        out.write_all(dot.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "row {} of {}: label {label:?}, so y = {y}",
        args.row,
        args.data.display()
    )?;
    writeln!(out)?;
    match top_note(&shown, "|w_j·x_j|") {
        Some(note) => writeln!(out, "forward ({note})")?,
        None => writeln!(out, "forward")?,
    }
    let width = model
        .feature_names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0);
    for &j in &shown.features {
        let name = &model.feature_names[j];
        writeln!(
            out,
            "  x{:<3} {name:<width$} = {:>14}   w{:<3} = {:>14}   w·x = {:>14}",
            j + 1,
            significant(xi[j]),
            j + 1,
            significant(w[j]),
            significant(w[j] * xi[j])
        )?;
    }
    if !shown.others.is_empty() {
        let sum: f64 = shown.others.iter().map(|&j| w[j] * xi[j]).sum();
        writeln!(
            out,
            "  {}: Σ w_j·x_j = {}",
            shown.others_name(),
            significant(sum)
        )?;
    }
    writeln!(out, "  b = {}", significant(model.bias[0]))?;
    writeln!(out, "  z = w·x + b = {}", significant(t.z))?;
    writeln!(
        out,
        "  a = σ(z) = 1/(1 + e^(−z)) = {}",
        probability(t.z, t.a)
    )?;
    writeln!(
        out,
        "  L(a, y) = −(y·log a + (1 − y)·log(1 − a)) = {}",
        significant(t.loss)
    )?;
    writeln!(out)?;
    writeln!(out, "backward")?;
    writeln!(
        out,
        "  da = dL/da = −y/a + (1 − y)/(1 − a) = {}",
        significant(t.da)
    )?;
    writeln!(
        out,
        "  dz = dL/dz = da·a(1 − a) = a − y = {}",
        significant(t.dz)
    )?;
    for &j in &shown.features {
        let name = &model.feature_names[j];
        writeln!(
            out,
            "  dw{:<3} {name:<width$} = x{}·dz = {:>14}",
            j + 1,
            j + 1,
            significant(t.dw[j])
        )?;
    }
    if !shown.others.is_empty() {
        writeln!(out, "  {}: dw_j = x_j·dz each", shown.others_name())?;
    }
    writeln!(out, "  db = dz = {}", significant(t.db))?;
    writeln!(out)?;
    let threshold = model.decision_threshold();
    writeln!(
        out,
        "prediction: {:?} (a {} {threshold}{})",
        model.labels.decode(t.a >= threshold),
        if t.a >= threshold { "≥" } else { "<" },
        if model.threshold.is_some() {
            ", the model's threshold"
        } else {
            ""
        }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// The K-neuron graph of one example: K logits z_k = w_k·x + b_k, then softmax (or, one-vs-rest,
/// K sigmoids normalised), the loss −log a_y, and the backward pass dz_k = a_k − y_k,
/// dw_k = x·dz_k, db_k = dz_k.
#[allow(clippy::needless_range_loop)] // c indexes z, a and the labels together, as the formulas do
fn explain_classes(args: &ExplainArgs, model: &Model, xi: &[f64], y: usize) -> Result<ExitCode> {
    let k = model.classes();
    let z: Vec<f64> = model
        .weights
        .iter()
        .zip(&model.bias)
        .map(|(w, b)| w.iter().zip(xi).map(|(w, x)| w * x).sum::<f64>() + b)
        .collect();
    let logp = logreg::model::log_probabilities(model.multiclass, &z, k);
    let a: Vec<f64> = logp.iter().map(|l| l.exp()).collect();
    let loss = -logp[y];
    let ovr = model.multiclass == logreg::model::Multiclass::Ovr;
    // Feature j's largest contribution |w_kj·x_j| over the neurons.
    let contribution: Vec<f64> = (0..xi.len())
        .map(|j| {
            model
                .weights
                .iter()
                .map(|w| (w[j] * xi[j]).abs())
                .fold(0.0, f64::max)
        })
        .collect();
    let shown = Shown::of(&contribution, args.top);
    let mut out = std::io::stdout().lock();
    if args.dot {
        let example = ClassExample {
            feature_names: &model.feature_names,
            x: xi,
            weights: &model.weights,
            classes: &model.labels.classes,
            z: &z,
            a: &a,
            y,
            ovr,
        };
        out.write_all(logreg::graph_dot::classes_to_dot(&example, &shown).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let label = model.labels.label(y);
    writeln!(
        out,
        "row {} of {}: label {label:?}, so y = {y} (one-hot: y_k = 1 for k = {y}, else 0)",
        args.row,
        args.data.display()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "forward ({k} neurons, one per class, all seeing the same x{})",
        top_note(&shown, "max_k |w_kj·x_j|").map_or(String::new(), |note| format!("; {note}"))
    )?;
    let width = model
        .feature_names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0);
    for &j in &shown.features {
        let name = &model.feature_names[j];
        writeln!(
            out,
            "  x{:<3} {name:<width$} = {:>14}",
            j + 1,
            significant(xi[j])
        )?;
    }
    if !shown.others.is_empty() {
        let sums: Vec<String> = (0..k)
            .map(|c| {
                let sum: f64 = shown
                    .others
                    .iter()
                    .map(|&j| model.weights[c][j] * xi[j])
                    .sum();
                format!("Σ w{c}j·x_j = {}", significant(sum))
            })
            .collect();
        writeln!(out, "  {}: {}", shown.others_name(), sums.join(", "))?;
    }
    for c in 0..k {
        writeln!(
            out,
            "  z{c} = w{c}·x + b{c} = {}   ({:?})",
            significant(z[c]),
            model.labels.label(c)
        )?;
    }
    if ovr {
        writeln!(
            out,
            "  a_k = σ(z_k)/Σ_l σ(z_l)   (one-vs-rest: each neuron fitted alone)"
        )?;
    } else {
        writeln!(out, "  a_k = softmax(z)_k = e^(z_k)/Σ_l e^(z_l)")?;
    }
    for c in 0..k {
        writeln!(out, "  a{c} = {}", significant(a[c]))?;
    }
    writeln!(out, "  L = −log a_y = −log a{y} = {}", significant(loss))?;
    writeln!(out)?;
    writeln!(out, "backward")?;
    if ovr {
        writeln!(
            out,
            "  each neuron k has its own loss L_k = −(y_k log σ(z_k) + (1 − y_k) log(1 − σ(z_k))), so"
        )?;
        writeln!(out, "  dz_k = σ(z_k) − y_k")?;
        for c in 0..k {
            let yk = f64::from(u8::from(c == y));
            writeln!(out, "  dz{c} = {}", significant(logreg::loss::dz(z[c], yk)))?;
        }
    } else {
        writeln!(out, "  dz_k = dL/dz_k = a_k − y_k")?;
        for c in 0..k {
            let yk = f64::from(u8::from(c == y));
            writeln!(out, "  dz{c} = {}", significant(a[c] - yk))?;
        }
    }
    writeln!(
        out,
        "  dw_k = x·dz_k, db_k = dz_k (each neuron's weights move with its own dz)"
    )?;
    writeln!(out)?;
    let best = model.predict(&logp)[0];
    writeln!(
        out,
        "prediction: {:?} (the largest a_k: a{best} = {})",
        model.labels.label(best),
        significant(a[best])
    )?;
    Ok(ExitCode::SUCCESS)
}

/// What the forward pass lists, when `--top` cut it: "the 5 of 30 features with the largest
/// |w_j·x_j|, largest first; the other 25 summed".
fn top_note(shown: &Shown, by: &str) -> Option<String> {
    if shown.others.is_empty() {
        return None;
    }
    Some(format!(
        "the {} of {} features with the largest {by}, largest first; the other {} summed",
        shown.features.len(),
        shown.features.len() + shown.others.len(),
        shown.others.len()
    ))
}

/// a = σ(z), written as 1 − σ(−z) when it is within 1e-6 of 1, so that the digits that matter
/// show.
fn probability(z: f64, a: f64) -> String {
    let rest = logreg::loss::sigmoid(-z);
    if rest == 0.0 {
        // Below f64's range: 1 − a = σ(−z) ≈ e^(−z).
        format!("1 − e^(−{})", significant(z))
    } else if rest < 1e-6 {
        format!("1 − {rest:.6e}")
    } else {
        significant(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_significant_digits() {
        assert_eq!(significant(0.5), "0.5000000");
        assert_eq!(significant(123.456789), "123.4568");
        assert_eq!(significant(1.5e-12), "1.500000e-12");
        assert_eq!(significant(-2.5e8), "-2.500000e8");
        assert_eq!(significant(0.0), "0");
        assert_eq!(probability(0.0, 0.5), "0.5000000");
        assert_eq!(
            probability(40.0, 1.0),
            format!("1 − {:.6e}", (-40f64).exp())
        );
    }
}
