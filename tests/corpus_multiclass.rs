//! The multiclass and weighted half of the real-data corpus (`tests/fixtures/corpus/
//! MULTICLASS.tsv`): the library's multinomial fits, with the files' sample weights, against the
//! independent float64 reference of `common/reference.rs`, at λ ∈ {1e-2, 1e-4} and at λ = 0
//! where the maximum-likelihood estimate exists; one-vs-rest against K binary fits; integer
//! weights against the expanded files. A fit that says `converged` must be within 1e-8
//! (relative) of J* and within 1e-5 of every optimal probability, and the exact solvers must
//! say `converged`.
//!
//! `cargo test --release --test corpus_multiclass -- --nocapture` prints every fit.

mod common;

use common::reference::{self, Problem};
use logreg::data::LoadOptions;
use logreg::model::Multiclass;
use logreg::solver::{Control, Progress};
use logreg::train::MulticlassChoice;
use logreg::{Dataset, Precision, Solver, Termination, TrainOptions};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One dataset of MULTICLASS.tsv.
struct Case {
    file: PathBuf,
    target: String,
    classes: usize,
    separation: String,
    weight: Option<String>,
    labels: Vec<String>,
}

fn manifest() -> Vec<Case> {
    let dir = Path::new(ROOT).join("tests/fixtures/corpus");
    let text = std::fs::read_to_string(dir.join("MULTICLASS.tsv")).expect("the manifest");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            Case {
                file: dir.join(f[0]),
                target: f[2].into(),
                classes: f[3].parse().unwrap(),
                separation: f[4].into(),
                weight: (!f[6].is_empty()).then(|| f[6].to_string()),
                labels: f[7].split(',').map(String::from).collect(),
            }
        })
        .collect()
}

fn load(case: &Case) -> Dataset {
    let options = LoadOptions {
        target: Some(&case.target),
        precision: Precision::F64,
        sample_weight: case.weight.as_deref(),
        ..LoadOptions::default()
    };
    logreg::data::load_training(&case.file, &options)
        .unwrap_or_else(|e| panic!("{}: {e}", case.file.display()))
}

fn fit(data: &Dataset, solver: Solver, l2: f64, multiclass: MulticlassChoice) -> logreg::Trained {
    let options = TrainOptions {
        solver,
        l2,
        multiclass,
        ..TrainOptions::default()
    };
    logreg::train(data, None, &options, &mut |_: &Progress| Control::Continue).unwrap()
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn multinomial_fits_reach_the_reference_optimum() {
    let mut failures = Vec::new();
    for case in manifest() {
        let data = load(&case);
        let name = case.file.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(data.labels.classes, case.labels, "{name}: class order");
        let problem = Problem::from_dataset(&data);
        let weights = data.weights.as_deref();
        let k = case.classes;
        for l2 in [1e-2, 1e-4, 0.0] {
            if l2 == 0.0 && case.separation != "none" {
                // The linear program finds the separation before any fit.
                let trained = fit(&data, Solver::Auto, 0.0, MulticlassChoice::Multinomial);
                let expected = if case.separation == "complete" {
                    Termination::Separable
                } else {
                    Termination::QuasiSeparable
                };
                let found = trained.report.separation.as_ref();
                println!(
                    "{name} λ=0: {:?}, {:?}",
                    trained.report.termination,
                    found.map(|s| (s.rows_separated, s.rows, &s.diverging))
                );
                if trained.report.termination != expected {
                    failures.push(format!(
                        "{name} λ=0: {:?}, expected {expected:?} ({:?})",
                        trained.report.termination, trained.separation_unchecked
                    ));
                }
                continue;
            }
            let optimum = reference::multinomial_optimum(&problem, k, l2, true, weights)
                .unwrap_or_else(|| panic!("{name}: no reference optimum at λ = {l2}"));
            for solver in [Solver::Auto, Solver::Newton, Solver::Lbfgs] {
                let trained = fit(&data, solver, l2, MulticlassChoice::Multinomial);
                let model = &trained.model;
                assert_eq!(model.multiclass, Multiclass::Multinomial);
                let j = reference::multinomial_cost(
                    &problem,
                    k,
                    l2,
                    true,
                    weights,
                    &model.weights,
                    &model.bias,
                );
                let p = reference::softmax_probabilities(&problem, &model.weights, &model.bias);
                let q =
                    reference::softmax_probabilities(&problem, &optimum.weights, &optimum.biases);
                let dp = p
                    .iter()
                    .flatten()
                    .zip(q.iter().flatten())
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                let gap = (j - optimum.cost) / optimum.cost;
                let t = trained.report.termination;
                let what = format!(
                    "{name} {} λ={l2}: {t:?} after {} iterations, gap {gap:.1e}, |Δp| {dp:.1e}, bound {:?}",
                    solver.name(),
                    trained.report.iterations,
                    trained.report.gap_bound
                );
                println!("{what}");
                if t != Termination::Converged {
                    failures.push(format!("{what}: did not converge"));
                } else if !(gap <= 1e-8 && dp <= 1e-5) {
                    failures.push(format!("{what}: converged but not optimal"));
                }
                // The weights are centred across the classes.
                for j in 0..data.n_features() {
                    let sum: f64 = model.weights.iter().map(|w| w[j]).sum();
                    let size: f64 = model.weights.iter().map(|w| w[j].abs()).sum();
                    assert!(sum.abs() <= 1e-9 * (1.0 + size), "{what}: not centred");
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn one_vs_rest_is_k_binary_fits() {
    for name in ["iris.csv", "anes96.csv", "housing_mass.csv"] {
        let case = manifest()
            .into_iter()
            .find(|c| c.file.ends_with(name))
            .unwrap();
        let data = load(&case);
        let problem = Problem::from_dataset(&data);
        let ovr = fit(&data, Solver::Auto, 1e-3, MulticlassChoice::Ovr);
        assert_eq!(ovr.model.multiclass, Multiclass::Ovr);
        assert_eq!(ovr.report.termination, Termination::Converged, "{name}");
        for k in 0..case.classes {
            // Class k against the rest, as a binary problem of its own.
            let binary = Problem {
                x: problem.x.clone(),
                y: problem
                    .y
                    .iter()
                    .map(|&c| f64::from(u8::from(c as usize == k)))
                    .collect(),
                sparse: false,
            };
            let opt =
                reference::optimum_weighted(&binary, 1e-3, true, data.weights.as_deref()).unwrap();
            let j = reference::cost_weighted(
                &binary,
                1e-3,
                true,
                data.weights.as_deref(),
                &ovr.model.weights[k],
                ovr.model.bias[k],
            );
            assert!(
                relative(j, opt.cost) <= 1e-8,
                "{name} class {k}: J {j} vs J* {}",
                opt.cost
            );
            assert_eq!(
                ovr.model.training.per_class[k].termination,
                Termination::Converged
            );
        }
        // The probabilities are the normalised sigmoids and sum to 1.
        let x = data.design();
        let logp = ovr.model.log_probabilities(x);
        for row in logp.chunks_exact(case.classes) {
            let s: f64 = row.iter().map(|l| l.exp()).sum();
            assert!((s - 1.0).abs() < 1e-12);
        }
    }
}

#[test]
fn integer_weights_give_the_optimum_of_the_repeated_rows() {
    for (weighted, expanded) in [
        ("housing_mass.csv", "housing_mass_expanded.csv"),
        ("titanic.csv", "titanic_expanded.csv"),
    ] {
        let cases = manifest();
        let find = |f: &str| cases.iter().find(|c| c.file.ends_with(f)).unwrap();
        let (a, b) = (load(find(weighted)), load(find(expanded)));
        for l2 in [1e-2, 1e-4] {
            let (fa, fb) = (
                fit(&a, Solver::Newton, l2, MulticlassChoice::Auto),
                fit(&b, Solver::Newton, l2, MulticlassChoice::Auto),
            );
            assert!(
                relative(fa.report.cost, fb.report.cost) <= 1e-10,
                "{weighted} λ={l2}: J* {} vs {}",
                fa.report.cost,
                fb.report.cost
            );
            for (wa, wb) in fa
                .model
                .weights
                .iter()
                .flatten()
                .zip(fb.model.weights.iter().flatten())
            {
                assert!(
                    (wa - wb).abs() <= 1e-6 * (1.0 + wb.abs()),
                    "{weighted}: {wa} vs {wb}"
                );
            }
        }
    }
}

#[test]
fn balanced_class_weights_are_the_equivalent_sample_weights() {
    let case = manifest()
        .into_iter()
        .find(|c| c.file.ends_with("fgl_mass.csv"))
        .unwrap();
    let data = load(&case);
    let k = case.classes as f64;
    let m = data.n_rows() as f64;
    let mut counts = vec![0.0; case.classes];
    for &y in &data.y {
        counts[y as usize] += 1.0;
    }
    let balanced = TrainOptions {
        l2: 1e-3,
        class_weight: Some(logreg::train::ClassWeight::Balanced),
        ..TrainOptions::default()
    };
    let a = logreg::train(&data, None, &balanced, &mut |_: &Progress| {
        Control::Continue
    })
    .unwrap();
    let mut weighted = data.clone();
    weighted.weights = Some(
        data.y
            .iter()
            .map(|&y| m / (k * counts[y as usize]))
            .collect(),
    );
    let plain = TrainOptions {
        l2: 1e-3,
        ..TrainOptions::default()
    };
    let b = logreg::train(&weighted, None, &plain, &mut |_: &Progress| {
        Control::Continue
    })
    .unwrap();
    assert!(relative(a.report.cost, b.report.cost) <= 1e-12);
    for (wa, wb) in a
        .model
        .weights
        .iter()
        .flatten()
        .zip(b.model.weights.iter().flatten())
    {
        assert!((wa - wb).abs() <= 1e-6 * (1.0 + wb.abs()), "{wa} vs {wb}");
    }
    assert_eq!(a.model.training.class_weight.as_deref(), Some("balanced"));
}

#[test]
fn multinomial_is_independent_of_the_thread_count() {
    // Enough rows for several tasks of the fixed reduction tree.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("three.csv");
    let spec = logreg::synthetic::Spec {
        rows: 40_000,
        features: 6,
        classes: 3,
        seed: 3,
        ..Default::default()
    };
    spec.write(&path).unwrap();
    let data = logreg::data::load_training(&path, &LoadOptions::default()).unwrap();
    assert!(logreg::parallel::task_ranges(data.n_rows()).len() > 1);
    for solver in [Solver::Newton, Solver::Lbfgs] {
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| fit(&data, solver, 1e-4, MulticlassChoice::Auto))
        };
        let (one, three) = (run(1), run(3));
        let bits = |t: &logreg::Trained| -> Vec<u64> {
            t.model
                .weights
                .iter()
                .flatten()
                .chain(&t.model.bias)
                .map(|w| w.to_bits())
                .collect()
        };
        assert_eq!(bits(&one), bits(&three), "{solver:?}");
        assert_eq!(one.report.history, three.report.history);
        assert_eq!(one.report.termination, Termination::Converged);
    }
}
