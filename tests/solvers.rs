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
            ..TrainingCsv::default()
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
    // Converged means the bound on the relative gap met the tolerance, and the bound holds.
    let bound = trained.report.gap_bound.unwrap();
    assert!(
        bound <= 1e-9 && gap <= bound.max(1e-15),
        "gap {gap:e}, bound {bound:e}"
    );
}

#[test]
fn too_large_a_learning_rate_is_reported_as_divergence() {
    let data = breast_cancer();
    let options = TrainOptions {
        solver: Solver::Gd,
        learning_rate: 50.0,
        standardize: false,
        ..TrainOptions::default()
    };
    let trained = logreg::train(&data, None, &options, &mut no_observer()).unwrap();
    assert_eq!(trained.report.termination, Termination::Diverged);
    assert!(trained.report.iterations < 10);
}

/// The breast-cancer data split 70/30, stratified, seed 1: (training, validation).
fn breast_cancer_split() -> (Dataset, Dataset) {
    let data = breast_cancer();
    let split = logreg::data::split::stratified(&data.y, 0.3, 1).unwrap();
    (
        data.select_rows(&split.train),
        data.select_rows(&split.validation),
    )
}

#[test]
fn early_stopping_on_validation_accuracy() {
    let (train, validation) = breast_cancer_split();
    let options = TrainOptions {
        solver: Solver::Gd,
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

/// J* for standardised breast-cancer data at λ = 1e-4, produced like
/// [`BREAST_CANCER_OPTIMUM_L2_1E2`] (scikit-learn 1.9.1, newton-cholesky, tol 1e-14).
const BREAST_CANCER_OPTIMUM_L2_1E4: f64 = 0.04261937303109118;

fn exact_options(solver: Solver, l2: f64) -> TrainOptions {
    TrainOptions {
        solver,
        l2,
        tol: 1e-8,
        max_iterations: 1000,
        ..TrainOptions::default()
    }
}

#[test]
fn newton_and_lbfgs_reach_the_independent_optimum_and_agree() {
    let data = breast_cancer();
    for (l2, optimum) in [
        (1e-2, BREAST_CANCER_OPTIMUM_L2_1E2),
        (1e-4, BREAST_CANCER_OPTIMUM_L2_1E4),
    ] {
        let mut costs = Vec::new();
        for solver in [Solver::Newton, Solver::Lbfgs, Solver::Auto] {
            let r = logreg::train(&data, None, &exact_options(solver, l2), &mut no_observer())
                .unwrap()
                .report;
            assert_eq!(
                r.termination,
                Termination::Converged,
                "{solver:?} at λ = {l2}"
            );
            let bound = r.gap_bound.unwrap();
            assert!(bound <= 1e-8, "{solver:?} at λ = {l2}: bound {bound:e}");
            let gap = (r.cost - optimum) / optimum;
            assert!(
                gap.abs() <= 1e-6,
                "{solver:?} at λ = {l2}: relative gap {gap:e}"
            );
            costs.push(r.cost);
        }
        let spread = costs
            .iter()
            .fold(0.0f64, |a, c| a.max((c - costs[0]).abs()))
            / costs[0];
        // Each is within tol = 1e-8 of J*, so of each other within twice that.
        assert!(spread <= 2e-8, "solvers disagree by {spread:e}");
    }
}

#[test]
fn newton_needs_few_passes() {
    // The point of a second-order method: the exact optimum in tens of passes, not thousands.
    let data = breast_cancer();
    let r = logreg::train(
        &data,
        None,
        &exact_options(Solver::Newton, 1e-4),
        &mut no_observer(),
    )
    .unwrap()
    .report;
    assert!(r.iterations <= 30, "{} iterations", r.iterations);
    assert!(
        r.evaluations.passes <= 300,
        "{} passes",
        r.evaluations.passes
    );
    assert!(r.evaluations.hessian_vector > 0);
}

#[test]
fn separable_data_without_penalty_stops_with_a_diagnosis() {
    // The Wisconsin data are linearly separable: with λ = 0 the weights would grow forever.
    let data = breast_cancer();
    for solver in [Solver::Newton, Solver::Lbfgs] {
        let options = TrainOptions {
            solver,
            l2: 0.0,
            max_iterations: 100_000,
            learning_rate: 0.5,
            ..TrainOptions::default()
        };
        let r = logreg::train(&data, None, &options, &mut no_observer())
            .unwrap()
            .report;
        assert_eq!(r.termination, Termination::Separable, "{solver:?}");
        assert!(r.iterations < 100_000);
    }
}

/// A synthetic problem large enough to span many row tasks: x ~ U(−1, 1), y from a known
/// logistic model, all from one seed.
fn synthetic(m: usize, n: usize, precision: Precision) -> Dataset {
    let mut rng = logreg::rng::SplitMix64::new(42);
    let w: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let mut values = Vec::with_capacity(m * n);
    let mut y = Vec::with_capacity(m);
    for _ in 0..m {
        let x: Vec<f64> = (0..n).map(|_| 2.0 * rng.next_f64() - 1.0).collect();
        let z: f64 = x.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + 0.5;
        y.push(f64::from(u8::from(
            rng.next_f64() < logreg::loss::sigmoid(z),
        )));
        values.extend(x);
    }
    let features = match precision {
        Precision::F32 => logreg::Features::Dense32(logreg::data::DenseMatrix::from_row_major(
            values.iter().map(|&v| v as f32).collect(),
            m,
            n,
        )),
        Precision::F64 => {
            logreg::Features::Dense64(logreg::data::DenseMatrix::from_row_major(values, m, n))
        }
    };
    Dataset {
        source: "synthetic".into(),
        features,
        y,
        weights: None,
        feature_names: (1..=n).map(|j| format!("x{j}")).collect(),
        target: "label".into(),
        labels: logreg::data::LabelMap::binary("0", "1"),
        ignored: Vec::new(),
        encoding: None,
        dropped_rows: 0,
    }
}

#[test]
fn the_thread_count_does_not_change_the_model() {
    let data = synthetic(40_000, 12, Precision::F32);
    assert!(logreg::parallel::task_ranges(data.n_rows()).len() > 1);
    let fit = |threads: usize, solver: Solver| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            logreg::train(
                &data,
                None,
                &exact_options(solver, 1e-4),
                &mut no_observer(),
            )
            .unwrap()
        })
    };
    for solver in [Solver::Newton, Solver::Lbfgs] {
        let (one, two, three) = (fit(1, solver), fit(2, solver), fit(3, solver));
        let bits = |t: &logreg::Trained| {
            t.model
                .weights
                .iter()
                .flatten()
                .map(|w| w.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&one), bits(&two), "{solver:?}: 1 vs 2 threads");
        assert_eq!(bits(&one), bits(&three), "{solver:?}: 1 vs 3 threads");
        assert_eq!(one.model.bias[0].to_bits(), two.model.bias[0].to_bits());
        assert_eq!(one.report.history, two.report.history);
    }
}

#[test]
fn f32_and_f64_storage_agree_to_single_precision() {
    let (d32, d64) = (
        synthetic(5_000, 8, Precision::F32),
        synthetic(5_000, 8, Precision::F64),
    );
    let fit = |d: &Dataset| {
        logreg::train(
            d,
            None,
            &exact_options(Solver::Newton, 1e-4),
            &mut no_observer(),
        )
        .unwrap()
    };
    let (a, b) = (fit(&d32), fit(&d64));
    // The data differ by f32 rounding (relative 6e-8), so the optima differ at that level.
    assert!((a.report.cost - b.report.cost).abs() <= 1e-6 * b.report.cost);
    for (wa, wb) in a.model.weights[0].iter().zip(&b.model.weights[0]) {
        assert!((wa - wb).abs() <= 1e-5 * (1.0 + wb.abs()), "{wa} vs {wb}");
    }
}

fn corpus(file: &str, target: &str, positive: &str) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(file);
    let options = logreg::data::LoadOptions {
        format: None,
        target: Some(target),
        positive: Some(positive),
        precision: Precision::F64,
        ..Default::default()
    };
    logreg::data::load_training(&path, &options).unwrap()
}

#[test]
fn every_iteration_is_recorded_and_observed_once() {
    // Breast-cancer data at a small λ, raw or from a random start, made trust-region Newton
    // reject steps (each rejection used to repeat an iteration in the history).
    let data = breast_cancer();
    let cases = [
        (1e-8, true, Init::Zeros),
        (1e-6, false, Init::Random { seed: 0 }),
        (1e-2, false, Init::Random { seed: 0 }),
    ];
    for solver in [Solver::Newton, Solver::Lbfgs, Solver::Gd, Solver::Auto] {
        for (l2, standardize, init) in cases {
            let options = TrainOptions {
                solver,
                l2,
                standardize,
                init,
                learning_rate: 0.5,
                ..TrainOptions::default()
            };
            let mut seen = Vec::new();
            let trained = logreg::train(&data, None, &options, &mut |p: &Progress| {
                seen.push(p.iteration);
                Control::Continue
            })
            .unwrap();
            let r = &trained.report;
            let expected: Vec<usize> = (0..=r.iterations).collect();
            // The observer is not called at the final, certified iterate of a stop.
            assert!(
                seen == expected || seen == expected[..expected.len() - 1],
                "{solver:?}: observed {seen:?} for {} iterations",
                r.iterations
            );
            assert_eq!(r.history.len(), r.iterations + 1, "{solver:?}");
        }
    }
}

#[test]
fn the_last_validation_check_is_at_the_final_iterate() {
    let (train, validation) = breast_cancer_split();
    // Newton converges long before the first check after iteration 0.
    let options = TrainOptions {
        solver: Solver::Newton,
        check_every: 100,
        ..TrainOptions::default()
    };
    let trained = logreg::train(&train, Some(&validation), &options, &mut no_observer()).unwrap();
    let iterations: Vec<usize> = trained.validation.iter().map(|c| c.iteration).collect();
    assert_eq!(iterations, vec![0, trained.report.iterations]);
    assert!(trained.report.iterations > 0 && trained.report.iterations < 100);
}

#[test]
fn raw_columns_converge_in_about_as_many_passes_as_standardised_ones() {
    // Dollars (balance ~1e3, income ~1e4) beside a 0/1 dummy; glucose, pressure, ages; weights
    // in pounds. The solvers work in scaled coordinates either way.
    for (data, what) in [
        (corpus("default_islp.csv", "default", "1"), "Default"),
        (corpus("pima_mass.csv", "diabetes", "1"), "Pima"),
        (corpus("birthwt_mass.csv", "low", "1"), "birthwt"),
    ] {
        for solver in [Solver::Lbfgs, Solver::Newton] {
            for l2 in [1e-2, 1e-4] {
                let passes = |standardize| {
                    let options = TrainOptions {
                        solver,
                        l2,
                        standardize,
                        ..TrainOptions::default()
                    };
                    let r = logreg::train(&data, None, &options, &mut no_observer())
                        .unwrap()
                        .report;
                    assert_eq!(r.termination, Termination::Converged, "{what} {solver:?}");
                    r.evaluations.passes
                };
                let (raw, standardised) = (passes(false), passes(true));
                assert!(
                    raw as f64 <= 1.3 * standardised as f64 + 2.0,
                    "{what} {solver:?} λ = {l2}: {raw} passes raw, {standardised} standardised"
                );
            }
        }
    }
}

#[test]
fn auto_switches_when_its_first_method_runs_out_of_iterations() {
    // Raw breast-cancer data at λ = 1e-6: L-BFGS needs hundreds of iterations, Newton a few
    // dozen. With 60 allowed, `auto` (L-BFGS on dense data) goes on with Newton.
    let data = breast_cancer();
    let options = |solver| TrainOptions {
        solver,
        l2: 1e-6,
        standardize: false,
        max_iterations: 60,
        ..TrainOptions::default()
    };
    let fit = |solver| {
        logreg::train(&data, None, &options(solver), &mut no_observer())
            .unwrap()
            .report
    };
    assert_eq!(fit(Solver::Lbfgs).termination, Termination::MaxIterations);
    let auto = fit(Solver::Auto);
    assert_eq!(auto.solver, "lbfgs+newton");
    assert_eq!(auto.termination, Termination::Converged);
    assert!(auto.gap_bound.unwrap() <= 1e-12);
    assert_eq!(auto.history.len(), auto.iterations + 1);
}
