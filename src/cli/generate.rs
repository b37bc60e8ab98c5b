//! `logreg generate`: write synthetic data from a known logistic model (see
//! [`logreg::synthetic`] for the maths), deterministic per seed.

use anyhow::{Context, Result};
use clap::Args;
use logreg::data::Format;
use logreg::synthetic::{Spec, gzipped, log_spaced_levels};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of rows (examples), m.
    #[arg(long, value_name = "M")]
    pub rows: usize,
    /// Number of numeric features x1, …, xn (0 is allowed with --categorical).
    #[arg(long, value_name = "N")]
    pub features: usize,
    /// Fraction of non-zero features; below 1 the rows are sparse, unit-norm, tf-idf-like and
    /// the file is LIBSVM.
    #[arg(long, value_name = "P", default_value_t = 1.0)]
    pub density: f64,
    /// Add K categorical (text) columns cat1, …, catK after x1, …, xN: LEVELS levels each, or
    /// LO-HI for levels spread log-uniformly from LO (cat1) to HI (catK), e.g. 5:10-1000 gives
    /// 10, 32, 100, 316, 1000. Levels are named c1_0, c1_1, …, with Zipf popularity (some are
    /// rare) and one effect each, together as much of the logit's variance as x. CSV only.
    #[arg(long, value_name = "K:LEVELS", value_parser = parse_categorical)]
    pub categorical: Option<Categorical>,
    /// Leave each feature cell (numeric or categorical, never the label) empty with
    /// probability P, after the label is drawn from the complete row. CSV only.
    #[arg(long, value_name = "P", default_value_t = 0.0)]
    pub missing: f64,
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
    /// Where to write the data (replaced only when complete). The name sets the format: .csv is
    /// CSV; .svm, .libsvm or .svmlight is LIBSVM (dense rows too); either may end in .gz
    /// (gzip-compressed); any other name is CSV for dense rows and LIBSVM for sparse ones.
    /// Errors: sparse rows (--density < 1) as .csv, --categorical or --missing as LIBSVM, and
    /// Parquet (generate writes CSV or LIBSVM only).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Also write the true model (weights, bias, level effects) as JSON here.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--categorical K:LEVELS`: the levels of each of the K columns.
#[derive(Debug, Clone)]
pub struct Categorical(Vec<usize>);

fn parse_categorical(text: &str) -> std::result::Result<Categorical, String> {
    let example = "expected K:LEVELS or K:LO-HI, such as 5:10 or 5:10-1000";
    let (columns, levels) = text.split_once(':').ok_or(example)?;
    let number = |s: &str| s.trim().parse::<usize>().map_err(|_| example.to_string());
    let columns = number(columns)?;
    if columns == 0 {
        return Err("K must be at least 1 column".into());
    }
    let (lo, hi) = match levels.split_once('-') {
        Some((lo, hi)) => (number(lo)?, number(hi)?),
        None => (number(levels)?, number(levels)?),
    };
    if lo == 0 {
        return Err("a column needs at least 1 level".into());
    }
    if hi < lo {
        return Err(format!("the range {lo}-{hi} runs backwards"));
    }
    if columns == 1 && lo != hi {
        return Err("a range LO-HI needs at least 2 columns (give one column one number)".into());
    }
    Ok(Categorical(log_spaced_levels(columns, lo, hi)))
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
        categorical: args.categorical.map(|c| c.0).unwrap_or_default(),
        missing: args.missing,
    };
    spec.validate()?;
    let format = spec.format_for(&args.output)?;
    let gzip = gzipped(&args.output);
    let start = Instant::now();
    let summary = spec
        .write(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    if let Some(path) = &args.truth {
        let mut json = serde_json::json!({
            "seed": spec.seed,
            "rows": spec.rows,
            "features": spec.features,
            "density": spec.density,
            "scale": spec.scale,
            "model": spec.true_model(),
        });
        // Only when given, so that files of the earlier flags keep their bytes.
        if !spec.categorical.is_empty() {
            json["categorical"] = serde_json::json!(spec.categorical);
        }
        if spec.missing > 0.0 {
            json["missing"] = serde_json::json!(spec.missing);
        }
        let mut bytes = serde_json::to_vec_pretty(&json)?;
        bytes.push(b'\n');
        logreg::model::write_atomically(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !args.quiet {
        let categorical = match spec.categorical.len() {
            0 => String::new(),
            k => format!(" + {k} categorical"),
        };
        let missing = match summary.missing {
            0 => String::new(),
            m => format!(", {m} cells empty"),
        };
        super::say!(
            "wrote {} rows × {} features{categorical} ({}, {} non-zeros{missing}, {}) to {} in {:.2} s ({:.0} MB{})",
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
            match format {
                Format::LibSvm => "LIBSVM",
                _ => "CSV",
            },
            args.output.display(),
            seconds,
            summary.bytes as f64 / 1e6,
            if gzip { " before compression" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
