//! Subcommands of the `logreg` binary, one module each, each an `XArgs` and a `run`.

mod demo;
mod eval;
mod explain;
mod generate;
mod output;
mod predict;
mod train;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Logistic regression as a neural network: train, predict, evaluate and explain one neuron.
#[derive(Debug, Parser)]
#[command(name = "logreg", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, global = true, value_name = "N")]
    threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model on a CSV file and save it.
    Train(train::TrainArgs),
    /// Predict the label (and probability) of every row of a CSV file.
    Predict(predict::PredictArgs),
    /// Measure a model on labelled data: accuracy, precision, recall, F1, log loss, ROC AUC.
    Eval(eval::EvalArgs),
    /// Show one example's forward and backward pass through the neuron.
    Explain(explain::ExplainArgs),
    /// Train on the embedded Wisconsin breast-cancer data and show the lesson end to end.
    Demo(demo::DemoArgs),
    /// Write synthetic data drawn from a known logistic model (CSV, or LIBSVM when sparse).
    Generate(generate::GenerateArgs),
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    if let Some(threads) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global()
            .map_err(|e| anyhow::anyhow!("cannot start {threads} threads: {e}"))?;
    }
    match cli.command {
        Command::Train(args) => train::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Generate(args) => generate::run(args),
    }
}

/// Was this error a write to a closed pipe (as in `logreg predict ... | head`)?
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
