//! `logreg summary` (and `train --summary`): standard errors, z, p-values, intervals and odds
//! ratios per coefficient, the model's likelihood statistics, and Wald tests; `logreg lrtest`:
//! the likelihood-ratio test between nested models. The statistics live in
//! [`logreg::inference`].

use anyhow::{Result, bail};
use clap::Args;
use logreg::inference::{self, Covariance, LrTest, Summary, WaldTest};
use logreg::{Features, Model};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `--cov`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CovArg {
    Nonrobust,
    #[value(name = "HC0", alias = "hc0")]
    Hc0,
    #[value(name = "HC1", alias = "hc1")]
    Hc1,
    #[value(name = "HC2", alias = "hc2")]
    Hc2,
    #[value(name = "HC3", alias = "hc3")]
    Hc3,
    Cluster,
}

/// The options of a summary, shared by `summary` and `train --summary`.
#[derive(Debug, Args)]
pub struct InferenceArgs {
    /// The covariance of the estimate: nonrobust (the inverse information), the sandwiches HC0,
    /// HC1, HC2, HC3 (R sandwich's vcovHC), or cluster (needs --cluster).
    #[arg(
        long = "cov",
        value_enum,
        default_value = "nonrobust",
        value_name = "TYPE"
    )]
    pub cov: CovArg,
    /// The column whose values group the rows into clusters (with --cov cluster).
    #[arg(long, value_name = "COLUMN")]
    pub cluster: Option<String>,
    /// Intervals at 1 − ALPHA.
    #[arg(long, default_value_t = 0.05, value_name = "ALPHA")]
    pub alpha: f64,
    /// A Wald test of linear restrictions, such as "x1 = 0, x2 = x3" (names in backticks when
    /// they hold spaces or + - * = ,); may be given more than once.
    #[arg(long = "test", value_name = "RESTRICTIONS")]
    pub tests: Vec<String>,
    /// For a penalised model (λ > 0): the sandwich covariance of the penalised estimator,
    /// labelled as such (it is not the textbook standard errors).
    #[arg(long)]
    pub penalized_covariance: bool,
    /// Firth's bias-reduced estimates (binary models), finite under separation, with profile
    /// penalised-likelihood intervals.
    #[arg(long)]
    pub firth: bool,
    /// With --firth: Wald intervals instead of profile ones.
    #[arg(long, requires = "firth")]
    pub wald_intervals: bool,
}

impl InferenceArgs {
    pub fn options(&self) -> Result<inference::Options> {
        let covariance = match self.cov {
            CovArg::Nonrobust => Covariance::Nonrobust,
            CovArg::Hc0 => Covariance::HC0,
            CovArg::Hc1 => Covariance::HC1,
            CovArg::Hc2 => Covariance::HC2,
            CovArg::Hc3 => Covariance::HC3,
            CovArg::Cluster => Covariance::Cluster,
        };
        if covariance == Covariance::Cluster && self.cluster.is_none() {
            return Err(super::usage("--cov cluster needs --cluster COLUMN".into()));
        }
        if self.cluster.is_some() && covariance != Covariance::Cluster {
            return Err(super::usage(
                "--cluster is for --cov cluster (give both)".into(),
            ));
        }
        Ok(inference::Options {
            covariance,
            alpha: self.alpha,
            penalized: self.penalized_covariance,
            firth: self.firth,
            wald_intervals: self.wald_intervals,
        })
    }
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// The data it was trained on (laid out like the training file, with the target).
    pub data: PathBuf,
    #[command(flatten)]
    pub inference: InferenceArgs,
    #[command(flatten)]
    pub read: super::table::ReadArgs,
    /// Frequency weights from this column of the data [default: the model's weight column].
    #[arg(long, value_name = "COLUMN", conflicts_with = "sample_weight_file")]
    pub sample_weight: Option<String>,
    /// Frequency weights from a file of one number per row (LIBSVM data).
    #[arg(long, value_name = "FILE")]
    pub sample_weight_file: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// The data's format [default: from the file name].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run(args: SummaryArgs) -> Result<ExitCode> {
    let options = args.inference.options()?;
    let mut model = Model::load(&args.model)?;
    if logreg::data::source::is_stdin(&args.data)
        && (args.sample_weight.is_some() || args.inference.cluster.is_some())
    {
        bail!("a summary with weights or clusters reads the data twice: give a file, not -");
    }
    let format = super::FormatArg::resolve(args.format);
    let recorded = model.training.sample_weight.clone();
    if let Some(column) = &args.sample_weight {
        model.training.sample_weight = Some(column.clone());
    }
    allow_column(&mut model, args.inference.cluster.as_deref());
    let (x, y) = super::labelled_data(
        &args.data,
        args.format,
        &model,
        "summary",
        args.read.options(),
    )?;
    let weights = match (&args.sample_weight, &args.sample_weight_file, recorded) {
        (Some(column), _, _) => Some(logreg::data::load_weights(&args.data, format, column)?),
        (None, Some(file), _) => Some(logreg::data::read_weight_file(file, y.len())?),
        (None, None, Some(_)) => recorded_weights(&args.data, format, &model)?,
        (None, None, None) => None,
    };
    let clusters = load_clusters(&args.data, format, args.inference.cluster.as_deref())?;
    let data = inference::Data {
        x: &x,
        y: &y,
        weights: weights.as_deref(),
        clusters: clusters.as_ref(),
    };
    let summary = inference::summarize(&model, &data, &options)?;
    let tests = wald_tests(&summary, &args.inference.tests)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = serde_json::json!({"summary": summary, "tests": tests});
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    } else {
        write_summary(&mut out, &summary, &model, &args.data, &tests)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The frequency weights of the column `model` was trained with, read from `data` (None when it
/// was trained without); a file that lacks the column is an error that says how to give them.
pub fn recorded_weights(
    data: &Path,
    format: Option<logreg::data::Format>,
    model: &Model,
) -> Result<Option<Vec<f64>>> {
    let Some(recorded) = &model.training.sample_weight else {
        return Ok(None);
    };
    let weights = logreg::data::load_weights(data, format, recorded).map_err(|e| {
        anyhow::anyhow!(
            "{e}\nthe model was trained with the sample weights {recorded:?}: give them with \
             --sample-weight COLUMN or --sample-weight-file FILE"
        )
    })?;
    Ok(Some(weights))
}

/// Lets a file for `model` hold `column` besides the features (as eval does for weights).
pub fn allow_column(model: &mut Model, column: Option<&str>) {
    if let Some(c) = column
        && !model.feature_names.iter().any(|f| f == c)
        && !model.ignored.iter().any(|f| f == c)
        && model.training.sample_weight.as_deref() != Some(c)
    {
        model.ignored.push(c.to_string());
    }
}

/// The clusters of `column`, if one is named.
pub fn load_clusters(
    data: &Path,
    format: Option<logreg::data::Format>,
    column: Option<&str>,
) -> Result<Option<inference::Clusters>> {
    let Some(column) = column else {
        return Ok(None);
    };
    let (ids, count) = logreg::data::load_groups(data, format, column)?;
    Ok(Some(inference::Clusters {
        column: column.to_string(),
        ids,
        count,
    }))
}

/// Every `--test`.
pub fn wald_tests(summary: &Summary, tests: &[String]) -> Result<Vec<WaldTest>> {
    Ok(tests
        .iter()
        .map(|t| inference::wald(summary, t))
        .collect::<logreg::Result<Vec<_>>>()?)
}

/// A number in a column of the table: four decimals, or three significant digits in
/// exponent form when it is very large or very small.
fn num(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

fn p_value(p: f64) -> String {
    if p == 0.0 {
        // Below the smallest f64 (about 1e-308): the statistic is enormous.
        "<1e-308".into()
    } else if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

/// The summary as text, statsmodels' layout.
pub fn write_summary(
    out: &mut dyn Write,
    s: &Summary,
    model: &Model,
    data: &Path,
    tests: &[WaldTest],
) -> std::io::Result<()> {
    let kind = match model.multiclass {
        logreg::model::Multiclass::Binary => "binary logistic regression".to_string(),
        logreg::model::Multiclass::Multinomial => format!(
            "multinomial logistic regression, {} classes against the reference {:?}",
            model.classes(),
            model.labels.label(0)
        ),
        logreg::model::Multiclass::Ovr => format!(
            "one-vs-rest logistic regression: {} binary fits",
            model.classes()
        ),
    };
    writeln!(out, "{kind}: {} (training: {})", s.method, s.training)?;
    writeln!(
        out,
        "data {} ({} rows), target {:?}, covariance {}",
        data.display(),
        s.rows,
        model.target,
        s.covariance
    )?;
    let width = s
        .tables
        .iter()
        .flat_map(|t| t.coefficients.iter().map(|c| c.name.chars().count()))
        .max()
        .unwrap_or(5)
        .max(5);
    let level = format!("{:.1}%", 100.0 * (1.0 - s.alpha));
    for (k, table) in s.tables.iter().enumerate() {
        let fit = &s.fits[k.min(s.fits.len() - 1)];
        if k < s.fits.len() {
            writeln!(out)?;
            if let Some(class) = table.class.as_ref().filter(|_| s.fits.len() > 1) {
                writeln!(out, "class {class:?} against the rest")?;
            }
            writeln!(
                out,
                "observations {}   df model {}   df resid {}",
                fit.observations, fit.df_model, fit.df_resid
            )?;
            write!(
                out,
                "log-likelihood {}   null {}",
                num(fit.log_likelihood),
                num(fit.null_log_likelihood)
            )?;
            if let (Some(lr), Some(p)) = (fit.lr_chi2, fit.lr_p_value) {
                write!(
                    out,
                    "   LR χ² {} (df {}, p {})",
                    num(lr),
                    fit.df_model,
                    p_value(p)
                )?;
            }
            if let Some(pl) = fit.penalized_log_likelihood {
                write!(out, "   penalised {}", num(pl))?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "pseudo R² {}   AIC {}   BIC {}   deviance {}",
                num(fit.pseudo_r2),
                num(fit.aic),
                num(fit.bic),
                num(fit.deviance)
            )?;
            let r = &s.refinement[k];
            let how = if fit.penalized_log_likelihood.is_some() {
                format!(
                    "Firth's fit, {} steps from the intercept-only start",
                    r.newton_steps
                )
            } else {
                format!(
                    "{} Newton steps on these data from the model file's estimate",
                    r.newton_steps
                )
            };
            writeln!(
                out,
                "estimate: {how} (largest change from the model file {:.1e}, gradient {:.1e})",
                r.largest_change, r.gradient_norm
            )?;
        }
        writeln!(out)?;
        if let (Some(class), 1) = (&table.class, s.fits.len()) {
            writeln!(out, "class {class:?}:")?;
        }
        writeln!(
            out,
            "{:<width$} {:>10} {:>10} {:>8} {:>8} {:>21} {:>10} {:>21}",
            "",
            "coef",
            "std err",
            "z",
            "P>|z|",
            format!("{level} interval"),
            "odds ratio",
            format!("{level} interval"),
        )?;
        for c in &table.coefficients {
            writeln!(
                out,
                "{:<width$} {:>10} {:>10} {:>8} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10}",
                c.name,
                num(c.estimate),
                num(c.std_error),
                format!("{:.3}", c.z),
                p_value(c.p_value),
                num(c.ci_low),
                num(c.ci_high),
                num(c.odds_ratio),
                num(c.odds_ratio_low),
                num(c.odds_ratio_high),
            )?;
        }
    }
    for t in tests {
        writeln!(out)?;
        writeln!(
            out,
            "Wald test of {}: χ² {} (df {}), p {}",
            t.restrictions,
            num(t.statistic),
            t.df,
            p_value(t.p_value)
        )?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct LrtestArgs {
    /// The smaller model (its features among the bigger one's).
    pub small: PathBuf,
    /// The bigger model.
    pub big: PathBuf,
    /// The data both were trained on.
    pub data: PathBuf,
    #[command(flatten)]
    pub read: super::table::ReadArgs,
    /// Print the test as JSON.
    #[arg(long)]
    pub json: bool,
    /// The data's format [default: from the file name].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run_lrtest(args: LrtestArgs) -> Result<ExitCode> {
    if logreg::data::source::is_stdin(&args.data) {
        bail!("lrtest reads the data once per model: give a file, not -");
    }
    let small = Model::load(&args.small)?;
    let mut big = Model::load(&args.big)?;
    // The bigger model's file has the smaller one's columns and more: the smaller reads it
    // with the extra columns allowed.
    let mut small_reader = small.clone();
    for f in &big.feature_names {
        if !small.feature_names.contains(f) {
            allow_column(&mut small_reader, Some(f));
        }
    }
    for f in &small.ignored {
        allow_column(&mut big, Some(f));
    }
    let read = |m: &Model| -> Result<(Features, Vec<f64>)> {
        super::labelled_data(&args.data, args.format, m, "lrtest", args.read.options())
    };
    let (xs, ys) = read(&small_reader)?;
    let (xb, yb) = read(&big)?;
    let format = super::FormatArg::resolve(args.format);
    let (ws, wb) = (
        recorded_weights(&args.data, format, &small)?,
        recorded_weights(&args.data, format, &big)?,
    );
    let data_small = inference::Data {
        x: &xs,
        y: &ys,
        weights: ws.as_deref(),
        clusters: None,
    };
    let data_big = inference::Data {
        x: &xb,
        y: &yb,
        weights: wb.as_deref(),
        clusters: None,
    };
    let test: LrTest = inference::lr_test((&small, &data_small), (&big, &data_big))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&test)?)?;
    } else {
        writeln!(
            out,
            "likelihood-ratio test of {} within {}: χ² {} (df {}), p {}  (log-likelihoods {} and {})",
            args.small.display(),
            args.big.display(),
            num(test.statistic),
            test.df,
            p_value(test.p_value),
            num(test.small_log_likelihood),
            num(test.big_log_likelihood)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
