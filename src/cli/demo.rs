//! `logreg demo`: the lesson end to end on the Wisconsin breast-cancer data built into the
//! binary: gradient descent lowering the cost, then metrics on a held-out split.

use super::{output, plotting, progress};
use anyhow::Result;
use clap::Args;
use logreg::data::csv::{self, CsvFile, TrainingCsv};
use logreg::data::split;
use logreg::{Init, Precision, Solver, TrainOptions, metrics};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Wisconsin Diagnostic Breast Cancer (569 rows, 30 features), as shipped in scikit-learn.
const BREAST_CANCER: &[u8] = include_bytes!("../../data/breast_cancer.csv");

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// α for gradient descent.
    #[arg(long, value_name = "ALPHA", default_value_t = 0.5)]
    learning_rate: f64,
    #[arg(long, value_name = "N", default_value_t = 2000)]
    max_iterations: usize,
    /// Fraction of rows held out for the final metrics (stratified).
    #[arg(
        long,
        value_name = "F",
        default_value_t = 0.2,
        allow_negative_numbers = true
    )]
    test_fraction: f64,
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Write the cost curve, the cost above the optimum J − J*, and the ROC, precision-recall,
    /// calibration and weight plots on the held-out rows (PNG and SVG) into this folder.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
}

pub fn run(args: DemoArgs) -> Result<ExitCode> {
    let name = Path::new("breast_cancer.csv (built in)");
    let file = CsvFile::from_static(name, BREAST_CANCER)?;
    let all = csv::training_dataset(
        file,
        &TrainingCsv {
            target: Some("diagnosis"),
            positive: Some("malignant"),
            precision: Precision::F64,
            max_classes: logreg::data::DEFAULT_MAX_CLASSES,
            sample_weight: None,
            selection: Default::default(),
            encode: Default::default(),
            delimiter: None,
        },
    )?;
    let s = split::stratified(&all.y, args.test_fraction, args.seed)?;
    let (train, test) = (all.select_rows(&s.train), all.select_rows(&s.validation));
    let options = TrainOptions {
        solver: Solver::Gd,
        learning_rate: args.learning_rate,
        max_iterations: args.max_iterations,
        init: Init::Zeros,
        ..TrainOptions::default()
    };
    let mut out = std::io::stdout();
    writeln!(
        out,
        "Wisconsin breast cancer: {} rows × {} features; training on {}, testing on {} held-out rows",
        all.n_rows(),
        all.n_features(),
        train.n_rows(),
        test.n_rows()
    )?;
    writeln!(
        out,
        "one neuron: z = w·x + b, a = σ(z); gradient descent with α = {}, λ = {}, standardised features\n",
        options.learning_rate, options.l2
    )?;
    progress::catch_interrupt();
    let mut log = |p: &logreg::solver::Progress| {
        if p.iteration.is_multiple_of(100) {
            // A closed pipe is reported by the next write after training.
            let _ = writeln!(
                std::io::stdout(),
                "iteration {}: cost {:.6}",
                p.iteration,
                p.cost
            );
        }
        if progress::interrupted() {
            logreg::solver::Control::Stop(logreg::Termination::Interrupted)
        } else {
            logreg::solver::Control::Continue
        }
    };
    // The held-out rows double as a validation set, so the cost plot shows both curves.
    let trained = logreg::train(&train, Some(&test), &options, &mut log)?;
    if trained.report.termination == logreg::Termination::Interrupted {
        super::say!(
            "logreg: {}",
            progress::interrupted_message(&trained.report, "no plots written")
        );
        return Ok(ExitCode::from(progress::INTERRUPTED_EXIT));
    }
    writeln!(out, "\n{}", output::fit_summary(&trained.report))?;
    // The same J, solved to the optimum by trust-region Newton.
    let exact = TrainOptions {
        solver: Solver::Newton,
        tol: 1e-10,
        ..options.clone()
    };
    let newton = logreg::train(&train, None, &exact, &mut |_: &logreg::solver::Progress| {
        logreg::solver::Control::Continue
    })?;
    writeln!(out, "{}", output::fit_summary(&newton.report))?;
    writeln!(
        out,
        "gradient descent's cost is {:.2e} (relative) above the exact optimum J* = {:.6}",
        (trained.report.cost - newton.report.cost) / newton.report.cost,
        newton.report.cost
    )?;
    let m = metrics::evaluate(&test.y, &trained.model.logits(test.design()), 0.5);
    let mut out = out.lock();
    writeln!(
        out,
        "\nheld-out metrics of the gradient-descent model (positive class: {}):",
        all.labels.positive()
    )?;
    output::write_metrics(&mut out, &m, &all.labels)?;
    drop(out);
    if let Some(dir) = &args.plot {
        plotting::training(dir, &trained, false)?;
        // How far gradient descent is from J*, which the Newton solve found.
        plotting::write(
            dir,
            &[logreg::plot::gap_figure(
                &trained.report.history,
                newton.report.cost,
                &trained.report.solver,
            )],
            false,
        )?;
        plotting::evaluation(dir, &trained.model, test.design(), &test.y, false)?;
    }
    Ok(ExitCode::SUCCESS)
}
