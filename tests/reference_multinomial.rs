//! Self-tests of the multinomial (and sample-weighted) reference of `common/reference.rs` on the
//! multiclass half of the corpus (`tests/fixtures/corpus/MULTICLASS.tsv`). Nothing here calls
//! the library: the CSV files are read by the small reader below. The checks:
//!
//! * ∇J vanishes at the reference's optimum (central finite differences of `multinomial_cost`);
//! * every optimum it returns is centred (Σ_k w_kj = 0, Σ_k b_k = 0);
//! * it finds no optimum at λ = 0 on the sets that the manifest says are separated;
//! * J* agrees with statsmodels' MNLogit/Logit at λ = 0 and with scikit-learn at λ > 0
//!   (the values `make.py` prints, quoted in the corpus README);
//! * K = 2 at λ gives the binary reference at λ/2;
//! * integer sample weights are repeated rows, and scaling the weights changes nothing.

mod common;

use common::reference::{self, MultiOptimum, Problem};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus")
}

/// One line of MULTICLASS.tsv.
struct Entry {
    file: String,
    target: String,
    separation: String,
    weight: Option<String>,
    labels: Vec<String>,
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(corpus().join("MULTICLASS.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(
        header,
        [
            "file",
            "format",
            "target",
            "classes",
            "separation",
            "shapes",
            "weight",
            "labels"
        ]
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), header.len(), "{line}");
            assert_eq!(f[1], "csv");
            let labels: Vec<String> = f[7].split(',').map(str::to_string).collect();
            assert_eq!(labels.len(), f[3].parse::<usize>().unwrap(), "{line}");
            assert!(["none", "quasi", "complete"].contains(&f[4]), "{line}");
            Entry {
                file: f[0].to_string(),
                target: f[2].to_string(),
                separation: f[4].to_string(),
                weight: (!f[6].is_empty()).then(|| f[6].to_string()),
                labels,
            }
        })
        .collect()
}

fn entry(file: &str) -> Entry {
    manifest().into_iter().find(|e| e.file == file).unwrap()
}

/// A table read for the reference: the features, y as class indices, the sample weights.
struct Table {
    name: String,
    problem: Problem,
    classes: usize,
    weights: Option<Vec<f64>>,
}

/// Reads a corpus CSV file (a header, then comma-separated cells; no quoting in the corpus):
/// the target column becomes the index of its label in `labels`, the weight column (if any)
/// the sample weights, every other column a feature.
fn read_csv(file: &str, target: &str, labels: &[String], weight: Option<&str>) -> Table {
    let text = std::fs::read_to_string(corpus().join(file)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let t = header.iter().position(|h| *h == target).expect("target");
    let w = weight.map(|w| header.iter().position(|h| *h == w).expect("weight column"));
    let (mut x, mut y, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "{file}: {line}");
        let label = labels
            .iter()
            .position(|l| l == cells[t])
            .unwrap_or_else(|| panic!("{file}: unknown label {}", cells[t]));
        y.push(label as f64);
        let number = |c: &str| -> f64 { c.parse().unwrap_or_else(|_| panic!("{file}: {c}")) };
        if let Some(w) = w {
            s.push(number(cells[w]));
        }
        x.push(
            (0..cells.len())
                .filter(|&j| j != t && Some(j) != w)
                .map(|j| number(cells[j]))
                .collect::<Vec<f64>>(),
        );
    }
    Table {
        name: file.to_string(),
        problem: Problem {
            x,
            y,
            sparse: false,
        },
        classes: labels.len(),
        weights: w.map(|_| s),
    }
}

fn load(file: &str) -> Table {
    let e = entry(file);
    read_csv(&e.file, &e.target, &e.labels, e.weight.as_deref())
}

/// The reference's optimum, checked to be centred.
fn solve(table: &Table, l2: f64, standardize: bool) -> Option<MultiOptimum> {
    let opt = reference::multinomial_optimum(
        &table.problem,
        table.classes,
        l2,
        standardize,
        table.weights.as_deref(),
    )?;
    assert_eq!(opt.weights.len(), table.classes);
    assert_eq!(opt.biases.len(), table.classes);
    let n = table.problem.features();
    for j in 0..n {
        let sum: f64 = opt.weights.iter().map(|w| w[j]).sum();
        let size = opt.weights.iter().map(|w| w[j].abs()).fold(0.0, f64::max);
        assert!(
            sum.abs() <= 1e-13 * size.max(f64::MIN_POSITIVE),
            "{}: weights of feature {j} not centred: sum {sum:e}",
            table.name
        );
    }
    let sum: f64 = opt.biases.iter().sum();
    let size = opt.biases.iter().map(|b| b.abs()).fold(0.0, f64::max);
    assert!(
        sum.abs() <= 1e-13 * size.max(1.0),
        "{}: biases not centred: sum {sum:e}",
        table.name
    );
    Some(opt)
}

fn cost(table: &Table, l2: f64, standardize: bool, w: &[Vec<f64>], b: &[f64]) -> f64 {
    reference::multinomial_cost(
        &table.problem,
        table.classes,
        l2,
        standardize,
        table.weights.as_deref(),
        w,
        b,
    )
}

/// The largest component of ∇J at (w, b), by central differences, relative to J, in the
/// standardised coordinates (w̃_kj = w_kj·s_j, b̃_k = b_k + w_k·μ): a step δ in w̃_kj moves
/// the raw w_kj by δ/s_j and b_k by −δ·μ_j/s_j; a step in b̃_k moves b_k alone. (Steps in the
/// raw coordinates would move z by δ·x_j/s_j, up to 100 δ on fgl_mass.csv, where μ_j/s_j ≈ 94
/// for Si: a truncation error of order 1e-6.)
fn gradient_error(table: &Table, l2: f64, standardize: bool, opt: &MultiOptimum) -> f64 {
    let (mean, scale) = table.problem.scaling();
    let delta = 1e-5;
    let j0 = cost(table, l2, standardize, &opt.weights, &opt.biases);
    let mut worst: f64 = 0.0;
    for k in 0..table.classes {
        for j in 0..=table.problem.features() {
            let diff = |h: f64| -> f64 {
                let (mut w, mut b) = (opt.weights.clone(), opt.biases.clone());
                if j < w[k].len() {
                    w[k][j] += h / scale[j];
                    b[k] -= h * mean[j] / scale[j];
                } else {
                    b[k] += h;
                }
                cost(table, l2, standardize, &w, &b)
            };
            let d = (diff(delta) - diff(-delta)) / (2.0 * delta);
            worst = worst.max(d.abs() / j0);
        }
    }
    worst
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

/// The largest |Δ| between two sets of raw coefficients, relative to the largest of them.
fn coefficient_gap(a: &MultiOptimum, b: &MultiOptimum) -> f64 {
    let flat = |o: &MultiOptimum| -> Vec<f64> {
        o.weights
            .iter()
            .flatten()
            .chain(&o.biases)
            .copied()
            .collect()
    };
    let (a, b) = (flat(a), flat(b));
    let size = a.iter().chain(&b).map(|v| v.abs()).fold(0.0, f64::max);
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
        / size
}

#[test]
fn manifest_matches_the_files() {
    for e in manifest() {
        let t = load(&e.file);
        assert!(
            t.problem.rows() > 0 && t.problem.features() > 0,
            "{}",
            e.file
        );
        // Every class occurs (in a row with positive weight).
        for k in 0..t.classes {
            let present = t
                .problem
                .y
                .iter()
                .enumerate()
                .any(|(i, &y)| y == k as f64 && t.weights.as_ref().is_none_or(|s| s[i] > 0.0));
            assert!(present, "{}: class {} has no row", e.file, e.labels[k]);
        }
        if let Some(s) = &t.weights {
            assert!(
                s.iter().all(|v| *v >= 0.0 && v.fract() == 0.0),
                "{}",
                e.file
            );
        }
    }
}

#[test]
fn gradient_vanishes_at_the_optimum_and_the_optimum_is_centred() {
    let mut failures = Vec::new();
    for e in manifest() {
        let table = load(&e.file);
        let mut settings = vec![(1e-2, true), (1e-4, true), (1e-2, false)];
        if e.separation == "none" {
            settings.extend([(0.0, true), (0.0, false)]);
        }
        for (l2, standardize) in settings {
            let started = std::time::Instant::now();
            let opt = solve(&table, l2, standardize).unwrap_or_else(|| {
                panic!("{}: no optimum at λ = {l2}, std = {standardize}", e.file)
            });
            let err = gradient_error(&table, l2, standardize, &opt);
            eprintln!(
                "{:<28} λ={l2:<6} std={standardize:<5} J*={:.12} iterations {:>2} |∇J|/J {err:.1e} ({:.2} s)",
                e.file,
                opt.cost,
                opt.iterations,
                started.elapsed().as_secs_f64()
            );
            if err > 1e-7 {
                failures.push(format!(
                    "{} λ={l2} std={standardize}: |∇J|/J = {err:.1e}",
                    e.file
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_gradient_check_sees_a_point_off_the_optimum() {
    let table = load("anes96.csv");
    let mut opt = solve(&table, 1e-2, true).unwrap();
    assert!(gradient_error(&table, 1e-2, true, &opt) < 1e-7);
    opt.biases[3] += 1e-3;
    opt.biases[4] -= 1e-3;
    assert!(gradient_error(&table, 1e-2, true, &opt) > 1e-5);
}

/// On separated data J has no minimum at λ = 0: it tends to 0 along a separating direction
/// (complete separation) or to a positive limit (quasi-complete). The reference then follows
/// that direction until the reduced Hessian is singular to working precision, some 30–40
/// Newton steps on these sets, and returns None.
#[test]
fn separated_sets_have_no_optimum_at_zero_penalty() {
    for e in manifest() {
        if e.separation == "none" {
            continue;
        }
        let table = load(&e.file);
        let started = std::time::Instant::now();
        // The wide digits take some 30 Newton steps of 570 parameters to diverge: one setting.
        let wide = table.classes * table.problem.features() > 300;
        for standardize in [true, false].into_iter().take(if wide { 1 } else { 2 }) {
            let opt = solve(&table, 0.0, standardize);
            assert!(
                opt.is_none(),
                "{} ({}): an optimum at λ = 0, std = {standardize}: J* = {:e} after {} iterations",
                e.file,
                e.separation,
                opt.as_ref().unwrap().cost,
                opt.as_ref().unwrap().iterations
            );
        }
        eprintln!(
            "{}: no optimum at λ = 0 ({:.2} s)",
            e.file,
            started.elapsed().as_secs_f64()
        );
    }
}

/// J* from statsmodels (λ = 0: MNLogit or Logit, Newton, on the rows repeated by weight) and
/// scikit-learn (λ > 0: newton-cg on the standardised columns, |∇J| ≤ 1e-12), as printed by
/// `python3 make.py --check` and quoted in the corpus README (all of them but digits at
/// λ = 1e-4, which would add a few seconds).
const THIRD_PARTY: &[(&str, f64, f64)] = &[
    ("anes96.csv", 0.0, 1.548646978017104),
    ("housing_mass.csv", 0.0, 1.0321486812436413),
    ("titanic.csv", 0.0, 0.5020584065672333),
    ("iris.csv", 1e-2, 0.2436772266493824),
    ("iris.csv", 1e-4, 0.05398015041382187),
    ("wine.csv", 1e-2, 0.09181973052350331),
    ("wine.csv", 1e-4, 0.005952889476827955),
    ("digits_10class.csv", 1e-2, 0.19516371313256037),
    ("anes96.csv", 1e-2, 1.5792956514994416),
    ("anes96.csv", 1e-4, 1.549023540005422),
    ("fgl_mass.csv", 1e-2, 0.8786328971334675),
    ("fgl_mass.csv", 1e-4, 0.6267213348717798),
    ("housing_mass.csv", 1e-2, 1.0347519471371307),
    ("housing_mass.csv", 1e-4, 1.0321764987380795),
    ("housing_mass_expanded.csv", 0.0, 1.0321486812436413),
    ("housing_mass_expanded.csv", 1e-2, 1.0347519471371307),
    ("housing_mass_expanded.csv", 1e-4, 1.0321764987380795),
    ("titanic.csv", 1e-2, 0.5067234998197259),
    ("titanic.csv", 1e-4, 0.5021088354039898),
    ("titanic_expanded.csv", 0.0, 0.5020584065672333),
    ("titanic_expanded.csv", 1e-2, 0.506723499819726),
    ("titanic_expanded.csv", 1e-4, 0.5021088354039897),
];

#[test]
fn optimum_agrees_with_statsmodels_and_scikit_learn() {
    let mut failures = Vec::new();
    for &(file, l2, expected) in THIRD_PARTY {
        let table = load(file);
        let opt = solve(&table, l2, true).unwrap();
        let gap = relative(opt.cost, expected);
        eprintln!(
            "{file:<28} λ={l2:<6} J*={:.16} third party {expected:.16} gap {gap:.1e}",
            opt.cost
        );
        if gap > 1e-11 {
            failures.push(format!(
                "{file} λ={l2}: J* {} vs {expected}, gap {gap:.1e}",
                opt.cost
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// K = 2: with w_1 = −w_0 = w/2 (centred), z_1 − z_0 = x·w + b and the symmetric penalty is
/// (λ/2)(|w̃_0|² + |w̃_1|²) = (λ/4)|w̃|², the binary penalty at λ/2. So the multinomial optimum
/// at λ is the binary one at λ/2, with w = w_1 − w_0, b = b_1 − b_0 and the same J*.
///
/// The coefficients and probabilities are compared to 1e-8, not closer: the binary reference
/// can stop one Newton step short, where its decrement (about 1e-17·J on spector.csv at
/// λ = 1e-2) is above its acceptance floor of 1e-18·J but its line search no longer sees J
/// decrease; its coefficients are then right to about 1e-9.
fn check_binary(table: &Table, l2: f64, standardize: bool) {
    assert_eq!(table.classes, 2);
    let sw = table.weights.as_deref();
    let multi = solve(table, l2, standardize).unwrap();
    let binary = reference::optimum_weighted(&table.problem, l2 / 2.0, standardize, sw).unwrap();
    let what = format!("{} λ={l2} std={standardize}", table.name);
    let gap = relative(multi.cost, binary.cost);
    assert!(gap < 1e-12, "{what}: J* {} vs {}", multi.cost, binary.cost);
    // The binary J of the difference is the multinomial J of the pair.
    let w: Vec<f64> = (0..table.problem.features())
        .map(|j| multi.weights[1][j] - multi.weights[0][j])
        .collect();
    let b = multi.biases[1] - multi.biases[0];
    let j = reference::cost_weighted(&table.problem, l2 / 2.0, standardize, sw, &w, b);
    assert!(
        relative(j, multi.cost) < 1e-13,
        "{what}: {j} vs {}",
        multi.cost
    );
    let size = binary
        .weights
        .iter()
        .chain([&binary.bias])
        .map(|v| v.abs())
        .fold(0.0, f64::max);
    for (a, c) in w
        .iter()
        .chain([&b])
        .zip(binary.weights.iter().chain([&binary.bias]))
    {
        assert!(
            (a - c).abs() <= 1e-8 * size,
            "{what}: coefficient {a} vs {c}"
        );
    }
    let p = reference::softmax_probabilities(&table.problem, &multi.weights, &multi.biases);
    let q = reference::probabilities(&table.problem, &binary.weights, binary.bias);
    for (pi, qi) in p.iter().zip(&q) {
        assert!((pi[0] + pi[1] - 1.0).abs() < 1e-15);
        assert!((pi[1] - qi).abs() < 1e-8, "{what}: p {} vs {qi}", pi[1]);
    }
}

#[test]
fn two_classes_are_the_binary_reference_at_half_the_penalty() {
    // A binary file of the original corpus, read here with its 0/1 target as labels.
    let labels = ["0".to_string(), "1".to_string()];
    let spector = read_csv("spector.csv", "GRADE", &labels, None);
    let pima = read_csv("pima_mass.csv", "diabetes", &labels, None);
    let titanic = load("titanic.csv");
    for table in [&spector, &pima, &titanic] {
        for standardize in [true, false] {
            for l2 in [0.0, 1e-2, 1e-4] {
                check_binary(table, l2, standardize);
            }
        }
    }
    // Titanic weighted against its expansion, for the binary reference too.
    let expanded = load("titanic_expanded.csv");
    let a = reference::optimum_weighted(&titanic.problem, 0.0, true, titanic.weights.as_deref());
    let b = reference::optimum(&expanded.problem, 0.0, true);
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(relative(a.cost, b.cost) < 1e-12, "{} vs {}", a.cost, b.cost);
}

/// Integer sample weights are repeated rows: the weighted J and the J of the expanded file are
/// the same function of the raw coefficients (the column scales are the weighted ones), at
/// λ = 0 and at λ > 0 with the penalty on the raw weights (with standardisation: see
/// `with_standardisation_weights_are_repeated_rows_at_positive_penalty`).
#[test]
fn integer_weights_are_repeated_rows() {
    for (weighted, expanded) in [
        ("housing_mass.csv", "housing_mass_expanded.csv"),
        ("titanic.csv", "titanic_expanded.csv"),
    ] {
        let (a, b) = (load(weighted), load(expanded));
        let total: f64 = a.weights.as_ref().unwrap().iter().sum();
        assert_eq!(total, b.problem.rows() as f64);
        for (l2, standardize) in [(0.0, true), (0.0, false), (1e-2, false), (1e-4, false)] {
            let (oa, ob) = (
                solve(&a, l2, standardize).unwrap(),
                solve(&b, l2, standardize).unwrap(),
            );
            let what = format!("{weighted} λ={l2} std={standardize}");
            let gap = relative(oa.cost, ob.cost);
            let coef = coefficient_gap(&oa, &ob);
            eprintln!(
                "{what}: J* {:.15} vs {:.15}, gap {gap:.1e}, coefficients {coef:.1e}",
                oa.cost, ob.cost
            );
            assert!(gap < 1e-12, "{what}: J* {} vs {}", oa.cost, ob.cost);
            assert!(coef < 1e-8, "{what}: coefficients differ by {coef:e}");
            // And each J at the other's optimum.
            let jb = cost(&b, l2, standardize, &oa.weights, &oa.biases);
            assert!(relative(jb, ob.cost) < 1e-12, "{what}: {jb} vs {}", ob.cost);
        }
    }
}

/// With standardisation the penalty is on w·s with the column scales s of the weighted rows
/// (as the library computes them), so a weighted file and its expansion are one problem at
/// λ > 0 too.
#[test]
fn with_standardisation_weights_are_repeated_rows_at_positive_penalty() {
    let (a, b) = (load("housing_mass.csv"), load("housing_mass_expanded.csv"));
    let (oa, ob) = (
        solve(&a, 1e-2, true).unwrap(),
        solve(&b, 1e-2, true).unwrap(),
    );
    assert!(
        relative(oa.cost, ob.cost) < 1e-12,
        "{} vs {}",
        oa.cost,
        ob.cost
    );
}

#[test]
fn scaling_the_weights_changes_nothing() {
    let mut table = load("housing_mass.csv");
    let reference = solve(&table, 1e-2, true).unwrap();
    for v in table.weights.as_mut().unwrap() {
        *v *= 0.37;
    }
    let scaled = solve(&table, 1e-2, true).unwrap();
    assert!(relative(reference.cost, scaled.cost) < 1e-13);
    assert!(coefficient_gap(&reference, &scaled) < 1e-10);
    // Unit weights are no weights.
    let mut iris = load("iris.csv");
    let plain = solve(&iris, 1e-2, true).unwrap();
    iris.weights = Some(vec![1.0; iris.problem.rows()]);
    let ones = solve(&iris, 1e-2, true).unwrap();
    assert_eq!(plain.cost, ones.cost);
    assert_eq!(plain.weights, ones.weights);
}

#[test]
fn zero_weights_are_absent_rows() {
    // titanic.csv has 8 cells with count 0; drop them and nothing changes.
    let full = load("titanic.csv");
    let s = full.weights.clone().unwrap();
    assert_eq!(s.iter().filter(|v| **v == 0.0).count(), 8);
    let keep: Vec<usize> = (0..s.len()).filter(|&i| s[i] > 0.0).collect();
    let kept = Table {
        name: "titanic.csv without its empty cells".into(),
        problem: Problem {
            x: keep.iter().map(|&i| full.problem.x[i].clone()).collect(),
            y: keep.iter().map(|&i| full.problem.y[i]).collect(),
            sparse: false,
        },
        classes: 2,
        weights: Some(keep.iter().map(|&i| s[i]).collect()),
    };
    for (l2, standardize) in [(0.0, true), (1e-2, false), (1e-2, true)] {
        let (a, b) = (
            solve(&full, l2, standardize).unwrap(),
            solve(&kept, l2, standardize).unwrap(),
        );
        assert!(relative(a.cost, b.cost) < 1e-12);
        assert!(coefficient_gap(&a, &b) < 1e-8);
    }
}
