//! L1 and elastic net (`--l1`, `--solver cd`) against an independent float64 reference on the
//! real-data corpus, the optimality (KKT) conditions at every returned solution, λ_max, and the
//! invariances: dense = sparse storage, any thread count, weights = repeated rows.
//!
//! The reference is written here from the formulas and shares no code with the library:
//! proximal Newton with the exact dense Hessian, whose quadratic model is minimised by cyclic
//! coordinate descent to 1e-15, with a backtracking search on J, until the minimum-norm
//! subgradient is below 1e-10. J is the library's:
//!
//!   J(u) = (1/S) Σ_i s_i ℓ(x̃_iᵀw̃ + b̃, y_i) + λ₁ Σ_j p_j |w̃_j| + (λ₂/2) Σ_j c_j w̃_j²,
//!
//! in the standardised coordinates of `common::reference` (x̃_j = (x_j − μ_j)/s_j), with
//! p_j = c_j = 1 when the penalty is on the standardised weights and p_j = 1/s_j, c_j = 1/s_j²
//! when it is on the raw ones.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

mod common;

use common::densified;
use common::reference::{Problem, loss, sigmoid};
use logreg::solver::{Control, Progress};
use logreg::{Dataset, Precision, Solver, Termination, TrainOptions};
use std::path::Path;

fn corpus(file: &str, target: Option<&str>, positive: &str, precision: Precision) -> Dataset {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/corpus")
        .join(file);
    let options = logreg::data::LoadOptions {
        target,
        positive: Some(positive),
        precision,
        ..Default::default()
    };
    logreg::data::load_training(&path, &options).unwrap()
}

fn fit(data: &Dataset, options: &TrainOptions) -> logreg::Trained {
    logreg::train(data, None, options, &mut |_: &Progress| Control::Continue).unwrap()
}

fn l1_options(l1: f64, l2: f64, standardize: bool) -> TrainOptions {
    TrainOptions {
        l1,
        l2,
        standardize,
        tol: 1e-12,
        ..TrainOptions::default()
    }
}

/// A problem in the reference's standardised coordinates.
struct Scaled {
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    s: Vec<f64>,
    mean: Vec<f64>,
    scale: Vec<f64>,
    /// p_j and c_j.
    p: Vec<f64>,
    c: Vec<f64>,
}

impl Scaled {
    fn new(problem: &Problem, weights: Option<&[f64]>, standardize: bool) -> Self {
        let (mean, scale) = problem.scaling_weighted(weights);
        let x = problem
            .x
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(j, v)| (v - mean[j]) / scale[j])
                    .collect()
            })
            .collect();
        let (p, c) = if standardize {
            (vec![1.0; scale.len()], vec![1.0; scale.len()])
        } else {
            (
                scale.iter().map(|s| 1.0 / s).collect(),
                scale.iter().map(|s| 1.0 / (s * s)).collect(),
            )
        };
        Scaled {
            x,
            y: problem.y.clone(),
            s: weights.map_or(vec![1.0; problem.rows()], <[f64]>::to_vec),
            mean,
            scale,
            p,
            c,
        }
    }

    fn n(&self) -> usize {
        self.mean.len()
    }

    fn total(&self) -> f64 {
        self.s.iter().sum()
    }

    /// z_i for u = (w̃, b̃).
    fn logits(&self, u: &[f64]) -> Vec<f64> {
        let n = self.n();
        self.x
            .iter()
            .map(|r| (0..n).map(|j| r[j] * u[j]).sum::<f64>() + u[n])
            .collect()
    }

    /// J(u).
    fn cost(&self, u: &[f64], l1: f64, l2: f64) -> f64 {
        let n = self.n();
        let z = self.logits(u);
        let data: f64 = (0..z.len())
            .map(|i| self.s[i] * loss(z[i], self.y[i]))
            .sum();
        let penalty: f64 = (0..n)
            .map(|j| l1 * self.p[j] * u[j].abs() + 0.5 * l2 * self.c[j] * u[j] * u[j])
            .sum();
        data / self.total() + penalty
    }

    /// ∇ of the smooth part, and the Hessian ((n + 1)², the bias last).
    fn derivatives(&self, u: &[f64], l2: f64) -> (Vec<f64>, Vec<f64>) {
        let n = self.n();
        let q = n + 1;
        let z = self.logits(u);
        let (mut g, mut h) = (vec![0.0; q], vec![0.0; q * q]);
        for (i, r) in self.x.iter().enumerate() {
            let a = sigmoid(z[i]);
            let (dz, d) = (self.s[i] * (a - self.y[i]), self.s[i] * a * (1.0 - a));
            let xt = |j: usize| if j == n { 1.0 } else { r[j] };
            for j in 0..q {
                g[j] += dz * xt(j);
                for k in 0..q {
                    h[j * q + k] += d * xt(j) * xt(k);
                }
            }
        }
        let total = self.total();
        for v in g.iter_mut().chain(h.iter_mut()) {
            *v /= total;
        }
        for j in 0..n {
            g[j] += l2 * self.c[j] * u[j];
            h[j * q + j] += l2 * self.c[j];
        }
        (g, h)
    }

    /// The minimum-norm subgradient's largest entry.
    fn violation(&self, u: &[f64], g: &[f64], l1: f64) -> f64 {
        let n = self.n();
        (0..=n)
            .map(|j| {
                let l = if j == n { 0.0 } else { l1 * self.p[j] };
                if u[j] > 0.0 {
                    (g[j] + l).abs()
                } else if u[j] < 0.0 {
                    (g[j] - l).abs()
                } else {
                    (g[j].abs() - l).max(0.0)
                }
            })
            .fold(0.0, f64::max)
    }

    /// The reference optimum u* (see the module docs).
    fn optimum(&self, l1: f64, l2: f64) -> Vec<f64> {
        let n = self.n();
        let q = n + 1;
        let mut u = vec![0.0; q];
        for _ in 0..200 {
            let (g, h) = self.derivatives(&u, l2);
            if self.violation(&u, &g, l1) <= 1e-10 {
                return u;
            }
            // Cyclic coordinate descent on q(d) = gᵀd + ½dᵀHd + λ₁Σp|u + d|.
            let mut d = vec![0.0; q];
            let mut hd = vec![0.0; q];
            for _ in 0..20_000 {
                let mut largest: f64 = 0.0;
                for j in 0..q {
                    let hjj = h[j * q + j];
                    if hjj <= 0.0 {
                        continue;
                    }
                    let slope = g[j] + hd[j];
                    let l = if j == n { 0.0 } else { l1 * self.p[j] };
                    let v = u[j] + d[j] - slope / hjj;
                    let new = v.signum() * (v.abs() - l / hjj).max(0.0);
                    let delta = new - (u[j] + d[j]);
                    if delta != 0.0 {
                        d[j] += delta;
                        for k in 0..q {
                            hd[k] += delta * h[k * q + j];
                        }
                        largest = largest.max(delta.abs());
                    }
                }
                if largest <= 1e-15 {
                    break;
                }
            }
            let before = self.cost(&u, l1, l2);
            let mut t = 1.0;
            loop {
                let trial: Vec<f64> = (0..q).map(|j| u[j] + t * d[j]).collect();
                let after = self.cost(&trial, l1, l2);
                if after < before {
                    u = trial;
                    break;
                }
                t *= 0.5;
                if t < 1e-12 || after == before {
                    // No decrease left in floating point: the optimum to rounding, if the
                    // subgradient says so.
                    assert!(self.violation(&u, &g, l1) <= 1e-9, "the reference stalled");
                    return u;
                }
            }
        }
        let (g, _) = self.derivatives(&u, l2);
        panic!(
            "the reference did not converge: violation {:e}",
            self.violation(&u, &g, l1)
        );
    }

    /// The library's raw model in the reference's coordinates.
    fn coordinates(&self, model: &logreg::Model) -> Vec<f64> {
        let n = self.n();
        let w = &model.weights[0];
        let mut u: Vec<f64> = (0..n).map(|j| w[j] * self.scale[j]).collect();
        u.push(model.bias[0] + (0..n).map(|j| w[j] * self.mean[j]).sum::<f64>());
        u
    }

    /// ‖X̃ᵀ(y − ȳ)‖_∞/S over p_j, with ȳ the weighted mean.
    fn lambda_max(&self) -> f64 {
        let total = self.total();
        let ybar = (0..self.y.len())
            .map(|i| self.s[i] * self.y[i])
            .sum::<f64>()
            / total;
        (0..self.n())
            .map(|j| {
                let g: f64 = (0..self.y.len())
                    .map(|i| self.s[i] * self.x[i][j] * (self.y[i] - ybar))
                    .sum();
                (g / total).abs() / self.p[j]
            })
            .fold(0.0, f64::max)
    }
}

/// The weights that are exactly zero.
fn zeros(w: &[f64]) -> Vec<bool> {
    w.iter().map(|&v| v == 0.0).collect()
}

/// The KKT conditions of J at the library's model, in the reference's formulas: for w_j = 0,
/// |∂_j f| ≤ λ₁p_j; otherwise ∂_j f = −λ₁p_j sign(w_j); ∂_b f = 0; each to `tol`·(λ₁ + 1e-3).
fn assert_kkt(scaled: &Scaled, model: &logreg::Model, l1: f64, l2: f64, what: &str) {
    let u = scaled.coordinates(model);
    let (g, _) = scaled.derivatives(&u, l2);
    let n = scaled.n();
    let tol = 1e-5 * (l1 + 1e-3);
    for j in 0..n {
        let l = l1 * scaled.p[j];
        if model.weights[0][j] == 0.0 {
            assert!(
                g[j].abs() <= l + tol,
                "{what}: zero w_{j} has |g| {} > λ₁p {l}",
                g[j].abs()
            );
        } else {
            let r = g[j] + l * u[j].signum();
            assert!(
                r.abs() <= tol,
                "{what}: w_{j} = {} has residual {r:e}",
                u[j]
            );
        }
    }
    assert!(g[n].abs() <= tol, "{what}: bias gradient {:e}", g[n]);
}

#[test]
fn cd_reaches_the_reference_optimum_and_support_on_real_data() {
    // (file, target, positive): dense tables with raw scales and imbalance, wide and separable
    // data, quasi-separation, and sparse text.
    let cases = [
        ("spector.csv", Some("GRADE"), "1"),
        ("endometrial.csv", Some("HG"), "1"),
        ("pima_mass.csv", Some("diabetes"), "1"),
        ("default_islp.csv", Some("default"), "1"),
        ("birthwt_mass.csv", Some("low"), "1"),
        ("digits_3v8_wide.csv", Some("eight"), "1"),
        ("reuters_acq_crude.svm", None, "1"),
        ("austen_pp_ss.svm", None, "1"),
    ];
    let mut lines = Vec::new();
    for (file, target, positive) in cases {
        let data = corpus(file, target, positive, Precision::F64);
        let problem = Problem::from_dataset(&data);
        for (standardize, l2) in [(true, 0.0), (false, 0.0), (true, 1e-3)] {
            let scaled = Scaled::new(&problem, None, standardize);
            let top = scaled.lambda_max();
            for fraction in [0.5, 0.05] {
                let l1 = fraction * top;
                let trained = fit(&data, &l1_options(l1, l2, standardize));
                let what = format!("{file} std={standardize} λ₂={l2} λ₁={fraction}·λ_max");
                assert_eq!(trained.report.termination, Termination::Converged, "{what}");
                assert_eq!(trained.report.solver, "cd", "{what}");
                let reported = trained.lambda_max.expect("λ_max with λ₁ > 0");
                assert!(
                    (reported - top).abs() <= 1e-9 * top,
                    "{what}: λ_max {reported} vs {top}"
                );
                let u = scaled.optimum(l1, l2);
                let best = scaled.cost(&u, l1, l2);
                let got = scaled.cost(&scaled.coordinates(&trained.model), l1, l2);
                let gap = (got - best) / best;
                assert!(gap <= 1e-8, "{what}: relative gap {gap:e}");
                assert!(
                    (trained.report.cost - got).abs() <= 1e-9 * best,
                    "{what}: reported J"
                );
                assert_eq!(
                    zeros(&trained.model.weights[0]),
                    zeros(&u[..scaled.n()]),
                    "{what}: the support: {:?} vs the reference {:?} (gap {gap:e})",
                    scaled.coordinates(&trained.model),
                    u
                );
                assert_kkt(&scaled, &trained.model, l1, l2, &what);
                let kept = trained.model.weights[0]
                    .iter()
                    .filter(|&&w| w != 0.0)
                    .count();
                lines.push(format!(
                    "{what}: gap {gap:.1e}, {kept} of {} kept",
                    scaled.n()
                ));
            }
        }
    }
    println!("{}", lines.join("\n"));
}

#[test]
fn lambda_at_or_above_lambda_max_gives_zero_weights_and_just_below_does_not() {
    let data = corpus("pima_mass.csv", Some("diabetes"), "1", Precision::F64);
    let top = fit(&data, &l1_options(1.0, 0.0, true)).lambda_max.unwrap();
    for l1 in [top, 2.0 * top] {
        let trained = fit(&data, &l1_options(l1, 0.0, true));
        assert!(
            trained.model.weights[0].iter().all(|&w| w == 0.0),
            "λ₁ = {l1}"
        );
        assert_eq!(trained.report.termination, Termination::Converged);
        // The bias is the intercept-only fit's: logit of the positive share.
        let ybar = data.y.iter().sum::<f64>() / data.y.len() as f64;
        let b = (ybar / (1.0 - ybar)).ln();
        assert!(
            (trained.model.bias[0] - b).abs() <= 1e-9,
            "bias {}",
            trained.model.bias[0]
        );
    }
    let below = fit(&data, &l1_options(0.99 * top, 0.0, true));
    assert!(below.model.weights[0].iter().any(|&w| w != 0.0));
}

#[test]
fn without_l1_cd_reproduces_the_l2_optimum() {
    let data = corpus("birthwt_mass.csv", Some("low"), "1", Precision::F64);
    for standardize in [true, false] {
        let smooth = fit(
            &data,
            &TrainOptions {
                solver: Solver::Newton,
                ..l1_options(0.0, 1e-3, standardize)
            },
        );
        let cd = fit(
            &data,
            &TrainOptions {
                solver: Solver::Cd,
                ..l1_options(0.0, 1e-3, standardize)
            },
        );
        assert_eq!(cd.report.termination, Termination::Converged);
        let gap = (cd.report.cost - smooth.report.cost) / smooth.report.cost;
        assert!(gap.abs() <= 1e-10, "relative difference {gap:e}");
        for (a, b) in cd.model.weights[0].iter().zip(&smooth.model.weights[0]) {
            assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }
}

#[test]
fn dense_and_sparse_storage_reach_the_same_l1_optimum() {
    // Without standardisation the J of dense and sparse storage is the same (with it, sparse
    // columns are scaled without centring).
    let sparse = corpus("austen_pp_ss.svm", None, "1", Precision::F64);
    let dense = densified(&sparse);
    let options = l1_options(2e-3, 0.0, false);
    let (a, b) = (fit(&sparse, &options), fit(&dense, &options));
    assert_eq!(a.report.termination, Termination::Converged);
    assert_eq!(b.report.termination, Termination::Converged);
    let gap = (a.report.cost - b.report.cost) / b.report.cost;
    assert!(gap.abs() <= 1e-10, "{gap:e}");
    assert_eq!(zeros(&a.model.weights[0]), zeros(&b.model.weights[0]));
}

#[test]
fn the_thread_count_does_not_change_the_l1_model() {
    // Enough rows for several row tasks: default_islp has 10,000, the dense Gram path; the
    // sparse text the column path.
    for (file, target) in [
        ("default_islp.csv", Some("default")),
        ("austen_pp_ss.svm", None),
    ] {
        let data = corpus(file, target, "1", Precision::F32);
        let top = fit(&data, &l1_options(1.0, 0.0, true)).lambda_max.unwrap();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| fit(&data, &l1_options(0.05 * top, 1e-4, true)))
        };
        let (one, two) = (run(1), run(2));
        let bits = |t: &logreg::Trained| {
            let mut b: Vec<u64> = t.model.weights[0].iter().map(|w| w.to_bits()).collect();
            b.push(t.model.bias[0].to_bits());
            b
        };
        assert_eq!(bits(&one), bits(&two), "{file}");
        assert_eq!(one.report.history, two.report.history, "{file}");
    }
}

#[test]
fn integer_weights_are_repeated_rows_under_l1() {
    let data = corpus("pima_mass.csv", Some("diabetes"), "1", Precision::F64);
    let m = data.n_rows();
    let counts: Vec<f64> = (0..m).map(|i| (i % 3) as f64).collect();
    let weighted = Dataset {
        weights: Some(counts.clone()),
        ..data.clone()
    };
    let rows: Vec<usize> = (0..m)
        .flat_map(|i| std::iter::repeat_n(i, counts[i] as usize))
        .collect();
    let repeated = data.select_rows(&rows);
    let options = l1_options(5e-3, 1e-4, true);
    let (a, b) = (fit(&weighted, &options), fit(&repeated, &options));
    let gap = (a.report.cost - b.report.cost) / b.report.cost;
    assert!(gap.abs() <= 1e-10, "{gap:e}");
    assert_eq!(zeros(&a.model.weights[0]), zeros(&b.model.weights[0]));
    for (x, y) in a.model.weights[0].iter().zip(&b.model.weights[0]) {
        assert!((x - y).abs() <= 1e-6 * (1.0 + y.abs()), "{x} vs {y}");
    }
    // And the weighted fit is the reference's weighted optimum.
    let problem = Problem::from_dataset(&data);
    let scaled = Scaled::new(&problem, Some(&counts), true);
    let u = scaled.optimum(5e-3, 1e-4);
    let best = scaled.cost(&u, 5e-3, 1e-4);
    let got = scaled.cost(&scaled.coordinates(&a.model), 5e-3, 1e-4);
    assert!((got - best) / best <= 1e-8);
}

/// ∂f/∂w_kj of the multinomial J at raw (W, b), in the standardised coordinates.
fn multinomial_gradient(
    scaled: &Scaled,
    model: &logreg::Model,
    l2: f64,
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let (n, k) = (scaled.n(), model.bias.len());
    let mut g = vec![vec![0.0; n]; k];
    let mut gb = vec![0.0; k];
    let m = scaled.y.len();
    for i in 0..m {
        // Raw logits from the standardised row.
        let z: Vec<f64> = (0..k)
            .map(|c| {
                let u = |j: usize| model.weights[c][j] * scaled.scale[j];
                let b = model.bias[c]
                    + (0..n)
                        .map(|j| model.weights[c][j] * scaled.mean[j])
                        .sum::<f64>();
                (0..n).map(|j| u(j) * scaled.x[i][j]).sum::<f64>() + b
            })
            .collect();
        let top = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - top).exp()).collect();
        let total: f64 = e.iter().sum();
        for c in 0..k {
            let r = e[c] / total - f64::from(u8::from(scaled.y[i] as usize == c));
            for j in 0..n {
                g[c][j] += r * scaled.x[i][j] / m as f64;
            }
            gb[c] += r / m as f64;
        }
    }
    for c in 0..k {
        for j in 0..n {
            g[c][j] += l2 * model.weights[c][j] * scaled.scale[j];
        }
    }
    (g, gb)
}

#[test]
fn multinomial_and_one_vs_rest_l1_fits_are_optimal_and_sparse() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus/wine.csv");
    let options = logreg::data::LoadOptions {
        target: Some("cultivar"),
        precision: Precision::F64,
        ..Default::default()
    };
    let data = logreg::data::load_training(&path, &options).unwrap();
    let problem = Problem::from_dataset(&data);
    let scaled = Scaled::new(&problem, None, true);
    let (l1, l2) = (0.02, 1e-3);
    let trained = fit(&data, &l1_options(l1, l2, true));
    assert_eq!(trained.report.termination, Termination::Converged);
    let (g, gb) = multinomial_gradient(&scaled, &trained.model, l2);
    let tol = 1e-6;
    let mut zero = 0;
    for (c, row) in g.iter().enumerate() {
        for (j, gj) in row.iter().enumerate() {
            let w = trained.model.weights[c][j];
            if w == 0.0 {
                zero += 1;
                assert!(
                    gj.abs() <= l1 + tol,
                    "class {c} w_{j} = 0: |g| {}",
                    gj.abs()
                );
            } else {
                assert!((gj + l1 * w.signum()).abs() <= tol, "class {c} w_{j}");
            }
        }
        assert!(gb[c].abs() <= tol, "class {c} bias gradient {}", gb[c]);
    }
    assert!(zero > 0, "λ₁ = {l1} keeps every weight of wine");
    // One-vs-rest: each neuron is the binary fit of its class, under the same penalty.
    let ovr = fit(
        &data,
        &TrainOptions {
            multiclass: logreg::train::MulticlassChoice::Ovr,
            ..l1_options(l1, l2, true)
        },
    );
    assert_eq!(ovr.report.termination, Termination::Converged);
    for c in 0..3 {
        let y: Vec<f64> = data
            .y
            .iter()
            .map(|&v| f64::from(u8::from(v as usize == c)))
            .collect();
        let binary = Scaled {
            y,
            ..Scaled::new(&problem, None, true)
        };
        let u = binary.optimum(l1, l2);
        let model = logreg::Model {
            weights: vec![ovr.model.weights[c].clone()],
            bias: vec![ovr.model.bias[c]],
            ..ovr.model.clone()
        };
        let best = binary.cost(&u, l1, l2);
        let got = binary.cost(&binary.coordinates(&model), l1, l2);
        assert!((got - best) / best <= 1e-8, "class {c}");
        assert_eq!(
            zeros(&ovr.model.weights[c]),
            zeros(&u[..binary.n()]),
            "class {c}"
        );
    }
}

#[test]
fn bad_penalties_and_smooth_solvers_with_l1_are_refused() {
    let data = corpus("spector.csv", Some("GRADE"), "1", Precision::F64);
    let refuse = |options: TrainOptions, needle: &str| {
        let e = logreg::train(&data, None, &options, &mut |_: &Progress| Control::Continue)
            .err()
            .unwrap_or_else(|| panic!("{options:?} was accepted"));
        assert!(e.to_string().contains(needle), "{e}");
    };
    refuse(l1_options(-1.0, 0.0, true), "l1");
    refuse(l1_options(f64::NAN, 0.0, true), "l1");
    refuse(l1_options(f64::INFINITY, 0.0, true), "l1");
    refuse(
        TrainOptions {
            solver: Solver::Cd,
            ..l1_options(0.0, 0.0, true)
        },
        "needs a penalty",
    );
    for solver in [Solver::Lbfgs, Solver::Newton, Solver::Gd] {
        refuse(
            TrainOptions {
                solver,
                ..l1_options(0.1, 0.0, true)
            },
            "cd and auto",
        );
    }
}
