//! The real-data corpus (`tests/fixtures/corpus/`, with the repository's two data files): every
//! solver, with and without standardisation, at λ ∈ {1e-2, 1e-4, 1e-6}, and at λ = 0 where the
//! maximum-likelihood estimate exists, against the independent float64 reference of
//! `common/reference.rs`. A fit that says `converged` must be within 1e-8 (relative) of J* and
//! within 1e-5 of every optimal probability; the exact solvers must say `converged`; separated
//! data at λ = 0 must come back `separable` or `quasi_separable`.
//!
//! `cargo test --release --test corpus -- --nocapture` prints the whole table.

mod common;

use common::reference::{self, Problem};
use logreg::data::{Format, LoadOptions};
use logreg::solver::{Control, Progress};
use logreg::{Dataset, Precision, Solver, Termination, TrainOptions};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One dataset of the corpus, as listed in MANIFEST.tsv.
struct Case {
    file: PathBuf,
    format: Format,
    target: Option<String>,
    positive: String,
    /// `none`, `complete` or `quasi`: the truth at λ = 0.
    separation: String,
}

fn manifest() -> Vec<Case> {
    let dir = Path::new(ROOT).join("tests/fixtures/corpus");
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("the corpus manifest");
    let mut cases: Vec<Case> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Case {
                file: dir.join(f[0]),
                format: if f[1] == "libsvm" {
                    Format::LibSvm
                } else {
                    Format::Csv
                },
                target: (!f[2].is_empty()).then(|| f[2].to_string()),
                positive: f[3].to_string(),
                separation: f[4].to_string(),
            }
        })
        .collect();
    cases.push(Case {
        file: Path::new(ROOT).join("data/breast_cancer.csv"),
        format: Format::Csv,
        target: Some("diagnosis".into()),
        positive: "malignant".into(),
        separation: "complete".into(),
    });
    cases.push(Case {
        file: Path::new(ROOT).join("data/heart_scale.svm"),
        format: Format::LibSvm,
        target: None,
        positive: "1".into(),
        separation: "none".into(),
    });
    cases
}

fn load(case: &Case, precision: Precision) -> Dataset {
    let options = LoadOptions {
        format: Some(case.format),
        target: case.target.as_deref(),
        positive: Some(&case.positive),
        precision,
        ..LoadOptions::default()
    };
    logreg::data::load_training(&case.file, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", case.file.display()))
}

/// One fit measured against the reference.
struct Row {
    dataset: String,
    solver: &'static str,
    standardize: bool,
    l2: f64,
    termination: Termination,
    gap: f64,
    dp: f64,
    bound: f64,
}

const SOLVERS: [Solver; 3] = [Solver::Auto, Solver::Newton, Solver::Lbfgs];

fn fit(data: &Dataset, solver: Solver, l2: f64, standardize: bool) -> logreg::Trained {
    let options = TrainOptions {
        solver,
        l2,
        standardize,
        ..TrainOptions::default()
    };
    logreg::train(data, None, &options, &mut |_: &Progress| Control::Continue).unwrap()
}

fn measure(case: &Case, precision: Precision) -> (Vec<Row>, Vec<String>) {
    let data = load(case, precision);
    let problem = Problem::from_dataset(&data);
    let name = case.file.file_name().unwrap().to_string_lossy().to_string();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for standardize in [true, false] {
        for l2 in [1e-2, 1e-4, 1e-6, 0.0] {
            let separated = case.separation != "none";
            let optimum = if l2 == 0.0 && separated {
                None
            } else {
                Some(
                    reference::optimum(&problem, l2, standardize).unwrap_or_else(|| {
                        panic!("{name}: the reference found no optimum at λ = {l2}")
                    }),
                )
            };
            for solver in SOLVERS {
                let trained = fit(&data, solver, l2, standardize);
                let model = &trained.model;
                let report = &trained.report;
                let (gap, dp) = match &optimum {
                    Some(opt) => {
                        let j = reference::cost(
                            &problem,
                            l2,
                            standardize,
                            &model.weights[0],
                            model.bias[0],
                        );
                        let p =
                            reference::probabilities(&problem, &model.weights[0], model.bias[0]);
                        let q = reference::probabilities(&problem, &opt.weights, opt.bias);
                        let dp = p
                            .iter()
                            .zip(&q)
                            .map(|(a, b)| (a - b).abs())
                            .fold(0.0, f64::max);
                        ((j - opt.cost) / opt.cost, dp)
                    }
                    None => (f64::NAN, f64::NAN),
                };
                let row = Row {
                    dataset: format!("{name} ({precision:?})"),
                    solver: solver.name(),
                    standardize,
                    l2,
                    termination: report.termination,
                    gap,
                    dp,
                    bound: report.gap_bound.unwrap_or(f64::NAN),
                };
                let what = format!(
                    "{} {} std={} λ={}: {:?}, gap {:.1e}, |Δp| {:.1e}",
                    row.dataset, row.solver, standardize, l2, row.termination, gap, dp
                );
                if let Some(opt) = &optimum {
                    let optimal = gap <= 1e-8 && dp <= 1e-5;
                    // J is evaluated here on the raw scale, by the library in its own
                    // coordinates: allow for the rounding of z in each, about 1e-15 of the
                    // size of its terms, |b| + Σ_j |w_j x_j| (an error δz in z moves the loss
                    // by at most |δz|).
                    let size = problem
                        .x
                        .iter()
                        .map(|r| {
                            r.iter()
                                .zip(&model.weights[0])
                                .map(|(x, w)| (x * w).abs())
                                .sum::<f64>()
                        })
                        .sum::<f64>()
                        / problem.rows() as f64
                        + model.bias[0].abs();
                    let noise = 1e-15 * (1.0 + size) / opt.cost;
                    if row.termination == Termination::Converged {
                        if !optimal {
                            failures.push(format!("converged but not optimal: {what}"));
                        } else if gap > row.bound + noise {
                            failures.push(format!(
                                "the gap exceeds its bound {:.1e}: {what}",
                                row.bound
                            ));
                        }
                    } else if solver != Solver::Lbfgs || !optimal {
                        // `auto` and Newton must converge; L-BFGS alone may run out of
                        // iterations on an ill-conditioned J, but not far from the optimum.
                        failures.push(format!("not converged: {what}"));
                    }
                } else {
                    let expected = if case.separation == "complete" {
                        Termination::Separable
                    } else {
                        Termination::QuasiSeparable
                    };
                    if row.termination != expected {
                        failures.push(format!("separation not reported as {expected:?}: {what}"));
                    }
                }
                rows.push(row);
            }
        }
    }
    (rows, failures)
}

#[test]
fn every_solver_reaches_the_reference_optimum_on_real_data() {
    let mut all = Vec::new();
    let mut failures = Vec::new();
    for case in manifest() {
        for precision in [Precision::F32, Precision::F64] {
            let started = std::time::Instant::now();
            let (rows, f) = measure(&case, precision);
            eprintln!(
                "{} ({precision:?}): {:.2} s",
                case.file.display(),
                started.elapsed().as_secs_f64()
            );
            all.extend(rows);
            failures.extend(f);
        }
    }
    eprintln!(
        "{:<40} {:<7} {:<5} {:>6} {:<16} {:>9} {:>9} {:>9}",
        "dataset", "solver", "std", "λ", "termination", "gap", "|Δp|", "bound"
    );
    for r in &all {
        eprintln!(
            "{:<40} {:<7} {:<5} {:>6} {:<16} {:>9.1e} {:>9.1e} {:>9.1e}",
            r.dataset,
            r.solver,
            r.standardize,
            r.l2,
            format!("{:?}", r.termination),
            r.gap,
            r.dp,
            r.bound
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
