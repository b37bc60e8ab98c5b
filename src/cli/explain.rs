//! `logreg explain`: one example's forward and backward pass through the neuron's graph.

use anyhow::Result;
use clap::Args;
use logreg::graph::Neuron;
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
    /// Which data row to explain, counting from 1 (the header is not a row).
    #[arg(long, value_name = "K")]
    pub row: usize,
    /// Print the computation graph as Graphviz DOT instead (render it with
    /// `dot -Tsvg -o graph.svg`): forward values on the nodes, backward derivatives on the edges.
    #[arg(long)]
    pub dot: bool,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run(args: ExplainArgs) -> Result<ExitCode> {
    let model = Model::load(&args.model)?;
    let (x, y) = super::labelled_data(&args.data, args.format, &model, "the backward pass")?;
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
    let neuron = Neuron::new(&xi, y, &model.weights, model.bias);
    let t = neuron.trace();
    let label = model.labels.decode(y > 0.5);
    let mut out = std::io::stdout().lock();
    if args.dot {
        out.write_all(logreg::graph_dot::to_dot(&neuron, &model.feature_names, label).as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "row {} of {}: label {label:?}, so y = {y}",
        args.row,
        args.data.display()
    )?;
    writeln!(out)?;
    writeln!(out, "forward")?;
    let width = model
        .feature_names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0);
    for (j, name) in model.feature_names.iter().enumerate() {
        writeln!(
            out,
            "  x{:<3} {name:<width$} = {:>14}   w{:<3} = {:>14}",
            j + 1,
            significant(xi[j]),
            j + 1,
            significant(model.weights[j])
        )?;
    }
    writeln!(out, "  b = {}", significant(model.bias))?;
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
    for (j, name) in model.feature_names.iter().enumerate() {
        writeln!(
            out,
            "  dw{:<3} {name:<width$} = x{}·dz = {:>14}",
            j + 1,
            j + 1,
            significant(t.dw[j])
        )?;
    }
    writeln!(out, "  db = dz = {}", significant(t.db))?;
    writeln!(out)?;
    writeln!(
        out,
        "prediction: {:?} (a {} 0.5)",
        model.labels.decode(t.a >= 0.5),
        if t.a >= 0.5 { "≥" } else { "<" }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// v with seven significant digits: fixed-point between 1e-3 and 1e7, else in e-notation, so
/// that a loss of 1e-12 does not print as 0.000000.
fn significant(v: f64) -> String {
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
