//! `logreg generate`: write synthetic data from a known logistic model (see
//! [`logreg::synthetic`] for the maths), deterministic per seed.

use anyhow::{Context, Result};
use clap::Args;
use logreg::synthetic::Spec;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of rows (examples), m.
    #[arg(long, value_name = "M")]
    pub rows: usize,
    /// Number of features, n.
    #[arg(long, value_name = "N")]
    pub features: usize,
    /// Fraction of non-zero features; below 1 the rows are sparse, unit-norm, tf-idf-like and
    /// the file is LIBSVM.
    #[arg(long, value_name = "P", default_value_t = 1.0)]
    pub density: f64,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Standard deviation of the true logit w*·x (larger: easier to separate).
    #[arg(long, value_name = "SD", default_value_t = 2.0)]
    pub scale: f64,
    /// The true bias b*.
    #[arg(
        long,
        value_name = "B",
        default_value_t = 0.25,
        allow_negative_numbers = true
    )]
    pub bias: f64,
    /// Classes K: 2 gives labels 0/1 (±1 in LIBSVM) from σ(w*·x + b*); 3 or more gives labels
    /// 0, …, K − 1 drawn from softmax(z), z_k = w*_k·x, with K true weight vectors.
    #[arg(long, value_name = "K", default_value_t = 2)]
    pub classes: usize,
    /// Digits after the decimal point of every value.
    #[arg(long, value_name = "D", default_value_t = 6)]
    pub decimals: u32,
    /// Where to write the data (replaced only when complete).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Also write the true model (weights, bias) as JSON here.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: GenerateArgs) -> Result<ExitCode> {
    let spec = Spec {
        rows: args.rows,
        features: args.features,
        density: args.density,
        seed: args.seed,
        scale: args.scale,
        bias: args.bias,
        decimals: args.decimals,
        classes: args.classes,
    };
    spec.validate()?;
    let start = Instant::now();
    let summary = spec
        .write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = &args.truth {
        let json = serde_json::json!({
            "seed": spec.seed,
            "rows": spec.rows,
            "features": spec.features,
            "density": spec.density,
            "scale": spec.scale,
            "model": spec.true_model(),
        });
        let mut bytes = serde_json::to_vec_pretty(&json)?;
        bytes.push(b'\n');
        logreg::model::write_atomically(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !args.quiet {
        super::say!(
            "wrote {} rows × {} features ({}, {} non-zeros, {}) to {} in {:.2} s ({:.0} MB)",
            summary.rows,
            summary.features,
            if spec.classes > 2 {
                format!(
                    "{} classes, {} not of class 0",
                    spec.classes, summary.positives
                )
            } else {
                format!("{} positive", summary.positives)
            },
            summary.nonzeros,
            if spec.is_sparse() { "LIBSVM" } else { "CSV" },
            args.output.display(),
            seconds,
            summary.bytes as f64 / 1e6
        );
    }
    Ok(ExitCode::SUCCESS)
}
