//! Solvers reach the optimum of J: the lesson's gradient descent step by step against a plain
//! reference loop, and to the optimum computed independently by scikit-learn.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

use logreg::data::csv::{self, TrainingCsv};
use logreg::solver::{Control, GradientDescent, Progress, Stopping};
use logreg::standardize::Standardization;
use logreg::{Dataset, Init, Objective, Precision, Solver, Termination, TrainOptions};
use std::path::Path;

fn breast_cancer() -> Dataset {
    csv::read_training(
        Path::new("data/breast_cancer.csv"),
        &TrainingCsv {
            target: Some("diagnosis"),
            positive: Some("malignant"),
            precision: Precision::F64,
        },
    )
    .unwrap()
}

fn no_observer() -> impl FnMut(&Progress) -> Control {
    |_: &Progress| Control::Continue
}

/// The lesson's loop, written as plainly as possible: per-example forward, backward, average.
fn reference_costs(x: &[Vec<f64>], y: &[f64], alpha: f64, iterations: usize) -> Vec<f64> {
    let (m, n) = (x.len(), x[0].len());
    let (mut w, mut b) = (vec![0.0; n], 0.0);
    let mut costs = Vec::new();
    for _ in 0..=iterations {
        let (mut cost, mut dw, mut db) = (0.0, vec![0.0; n], 0.0);
        for i in 0..m {
            let z: f64 = (0..n).map(|j| w[j] * x[i][j]).sum::<f64>() + b;
            let a = 1.0 / (1.0 + (-z).exp());
            cost += -(y[i] * a.ln() + (1.0 - y[i]) * (1.0 - a).ln());
            let dz = a - y[i];
            for j in 0..n {
                dw[j] += x[i][j] * dz;
            }
            db += dz;
        }
        costs.push(cost / m as f64);
        for j in 0..n {
            w[j] -= alpha * dw[j] / m as f64;
        }
        b -= alpha * db / m as f64;
    }
    costs
}

#[test]
fn gradient_descent_matches_the_reference_loop_from_ln_2() {
    let data = breast_cancer();
    // Raw features of moderate size: the first four columns, scaled down to keep a raw-scale
    // descent stable.
    let rows: Vec<Vec<f64>> = (0..data.n_rows())
        .map(|i| {
            data.design().row_values(i)[..4]
                .iter()
                .map(|v| v / 100.0)
                .collect()
        })
        .collect();
    let x = logreg::data::DenseMatrix::from_row_major(rows.concat(), rows.len(), 4);
    let identity = Standardization::identity(4);
    let objective = Objective::new(&x, &data.y, 0.0, &identity);
    let gd = GradientDescent {
        learning_rate: 0.05,
        stopping: Stopping {
            max_iterations: 200,
            tol: 0.0,
        },
    };
    let solution = gd.minimize(&objective, vec![0.0; 5], &mut no_observer());
    let history = &solution.report.history;
    // J(0, 0) = (1/m) Σ ln 2 = ln 2, up to the rounding of the sum.
    assert!(
        (history[0] - std::f64::consts::LN_2).abs() < 1e-14,
        "J(0) = {}",
        history[0]
    );
    let reference = reference_costs(&rows, &data.y, 0.05, 200);
    assert_eq!(history.len(), reference.len());
    for (k, (a, b)) in history.iter().zip(&reference).enumerate() {
        assert!((a - b).abs() <= 1e-12 * b, "iteration {k}: {a} vs {b}");
    }
    assert!(
        history.windows(2).all(|p| p[1] < p[0]),
        "the cost falls at every step"
    );
}

/// J* for standardised breast-cancer data, λ = 1e-2, from scikit-learn 1.9.1:
/// `LogisticRegression(C=1/(λ·569), solver="newton-cholesky", tol=1e-14)` fitted to
/// `(X − X.mean(0)) / X.std(0)`, then J = mean(logaddexp(0, z) − y·z) + λ/2·‖w‖².
const BREAST_CANCER_OPTIMUM_L2_1E2: f64 = 0.09959137548470547;

#[test]
fn gradient_descent_reaches_the_independent_optimum() {
    let data = breast_cancer();
    let options = TrainOptions {
        solver: Solver::Gd,
        l2: 1e-2,
        learning_rate: 0.5,
        max_iterations: 50_000,
        tol: 1e-9,
        ..TrainOptions::default()
    };
    let trained = logreg::train(&data, None, &options, &mut no_observer()).unwrap();
    assert_eq!(trained.report.termination, Termination::Converged);
    let gap = (trained.report.cost - BREAST_CANCER_OPTIMUM_L2_1E2) / BREAST_CANCER_OPTIMUM_L2_1E2;
    assert!(gap.abs() <= 1e-6, "relative gap {gap:e}");
    assert!(trained.report.gradient_norm <= 1e-9 * trained.report.initial_gradient_norm);
}

#[test]
fn too_large_a_learning_rate_is_reported_as_divergence() {
    let data = breast_cancer();
    let options = TrainOptions {
        learning_rate: 50.0,
        standardize: false,
        ..TrainOptions::default()
    };
    let trained = logreg::train(&data, None, &options, &mut no_observer()).unwrap();
    assert_eq!(trained.report.termination, Termination::Diverged);
    assert!(trained.report.iterations < 10);
}

#[test]
fn early_stopping_on_validation_accuracy() {
    let data = breast_cancer();
    let split = logreg::data::split::stratified(&data.y, 0.3, 1).unwrap();
    let (train, validation) = (
        data.select_rows(&split.train),
        data.select_rows(&split.validation),
    );
    let options = TrainOptions {
        learning_rate: 0.5,
        max_iterations: 100_000,
        tol: 0.0,
        patience: Some(3),
        check_every: 10,
        ..TrainOptions::default()
    };
    let trained = logreg::train(&train, Some(&validation), &options, &mut no_observer()).unwrap();
    assert_eq!(trained.report.termination, Termination::EarlyStopped);
    let checks = &trained.validation;
    assert!(checks.len() >= 4 && trained.report.iterations < 100_000);
    // The last three checks did not beat the best accuracy before them.
    let best_before = checks[..checks.len() - 3]
        .iter()
        .map(|c| c.accuracy)
        .fold(0.0, f64::max);
    assert!(
        checks[checks.len() - 3..]
            .iter()
            .all(|c| c.accuracy <= best_before)
    );
}

#[test]
fn random_initialisation_is_seeded() {
    let data = breast_cancer();
    let options = |seed| TrainOptions {
        max_iterations: 5,
        init: Init::Random { seed },
        ..TrainOptions::default()
    };
    let run = |seed| {
        logreg::train(&data, None, &options(seed), &mut no_observer())
            .unwrap()
            .model
            .weights
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}
