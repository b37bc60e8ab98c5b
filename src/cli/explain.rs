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
            "  x{:<3} {name:<width$} = {:>14.6}   w{:<3} = {:>12.6}",
            j + 1,
            xi[j],
            j + 1,
            model.weights[j]
        )?;
    }
    writeln!(out, "  b = {:.6}", model.bias)?;
    writeln!(out, "  z = w·x + b = {:.6}", t.z)?;
    writeln!(out, "  a = σ(z) = 1/(1 + e^(−z)) = {:.6}", t.a)?;
    writeln!(
        out,
        "  L(a, y) = −(y·log a + (1 − y)·log(1 − a)) = {:.6}",
        t.loss
    )?;
    writeln!(out)?;
    writeln!(out, "backward")?;
    writeln!(out, "  da = dL/da = −y/a + (1 − y)/(1 − a) = {:.6}", t.da)?;
    writeln!(out, "  dz = dL/dz = da·a(1 − a) = a − y = {:.6}", t.dz)?;
    for (j, name) in model.feature_names.iter().enumerate() {
        writeln!(
            out,
            "  dw{:<3} {name:<width$} = x{}·dz = {:>12.6}",
            j + 1,
            j + 1,
            t.dw[j]
        )?;
    }
    writeln!(out, "  db = dz = {:.6}", t.db)?;
    writeln!(out)?;
    writeln!(
        out,
        "prediction: {:?} (a {} 0.5)",
        model.labels.decode(t.a >= 0.5),
        if t.a >= 0.5 { "≥" } else { "<" }
    )?;
    Ok(ExitCode::SUCCESS)
}
