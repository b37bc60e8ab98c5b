//! Derivatives three ways: the computation graph (one example at a time, summed), the fused
//! vectorised objective, and central finite differences of J. Also the Hessian-vector product
//! against finite differences of the gradient.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

use logreg::data::DenseMatrix;
use logreg::graph::Neuron;
use logreg::loss::Loss;
use logreg::objective::Objective;
use logreg::standardize::Standardization;
use proptest::prelude::*;

/// A small problem: m rows of n features, labels, parameters θ = (w, b), λ.
#[derive(Debug, Clone)]
struct Problem {
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    theta: Vec<f64>,
    l2: f64,
}

fn problem() -> impl Strategy<Value = Problem> {
    (1usize..6, 1usize..9).prop_flat_map(|(n, m)| {
        (
            prop::collection::vec(prop::collection::vec(-3.0..3.0f64, n), m),
            prop::collection::vec(prop::bool::ANY, m),
            prop::collection::vec(-2.0..2.0f64, n + 1),
            0.0..1.0f64,
        )
            .prop_map(|(x, y, theta, l2)| Problem {
                x,
                y: y.into_iter().map(|v| f64::from(u8::from(v))).collect(),
                theta,
                l2,
            })
    })
}

fn matrix(x: &[Vec<f64>]) -> DenseMatrix<f64> {
    DenseMatrix::from_row_major(x.concat(), x.len(), x[0].len())
}

/// Central difference of f along coordinate j with step h.
fn central(f: impl Fn(&[f64]) -> f64, theta: &[f64], j: usize, h: f64) -> f64 {
    let mut plus = theta.to_vec();
    let mut minus = theta.to_vec();
    plus[j] += h;
    minus[j] -= h;
    (f(&plus) - f(&minus)) / (2.0 * h)
}

fn assert_close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol * (1.0 + b.abs()), "{what}: {a} vs {b}");
}

proptest! {
    #[test]
    fn graph_equals_vectorised_equals_finite_differences(p in problem()) {
        let n = p.x[0].len();
        let m = p.x.len() as f64;
        let x = matrix(&p.x);
        let identity = Standardization::identity(n);
        let objective = Objective::new(&x, &p.y, p.l2, &identity);
        let eval = objective.evaluate(&p.theta);

        // The graph, one example at a time: dw = (1/m) Σ x·dz + λw, db = (1/m) Σ dz.
        let (w, b) = (&p.theta[..n], p.theta[n]);
        let mut graph_grad = vec![0.0; n + 1];
        let mut graph_cost = 0.0;
        for (xi, &yi) in p.x.iter().zip(&p.y) {
            let t = Neuron::new(xi, yi, w, b).trace();
            graph_cost += t.loss / m;
            for j in 0..n {
                graph_grad[j] += t.dw[j] / m;
            }
            graph_grad[n] += t.db / m;
        }
        graph_cost += 0.5 * p.l2 * w.iter().map(|v| v * v).sum::<f64>();
        for j in 0..n {
            graph_grad[j] += p.l2 * w[j];
        }
        assert_close(eval.cost, graph_cost, 1e-12, "cost");
        for j in 0..=n {
            assert_close(eval.gradient[j], graph_grad[j], 1e-12, "graph gradient");
            let fd = central(|t| objective.cost(t), &p.theta, j, 1e-5);
            assert_close(eval.gradient[j], fd, 1e-7, "finite difference");
        }
        // The gradient-only pass agrees with the fused one.
        prop_assert_eq!(objective.gradient(&p.theta), eval.gradient);
    }

    #[test]
    fn standardised_coordinates_differentiate_correctly(p in problem()) {
        let n = p.x[0].len();
        let x = matrix(&p.x);
        let scaling = Standardization::fit(&x);
        let objective = Objective::new(&x, &p.y, p.l2, &scaling);
        let eval = objective.evaluate(&p.theta);
        for j in 0..=n {
            let fd = central(|t| objective.cost(t), &p.theta, j, 1e-5);
            assert_close(eval.gradient[j], fd, 1e-6, "standardised gradient");
        }
    }

    #[test]
    fn hessian_vector_product_matches_gradient_differences(
        p in problem(),
        v in prop::collection::vec(-1.0..1.0f64, 6),
    ) {
        let n = p.x[0].len();
        let x = matrix(&p.x);
        let scaling = Standardization::fit(&x);
        let objective = Objective::new(&x, &p.y, p.l2, &scaling);
        let v = &v[..=n];
        let hv = objective.hessian(&p.theta).apply(v);
        // (∇J(θ + hv) − ∇J(θ − hv)) / 2h → H v
        let h = 1e-5;
        let step = |s: f64| -> Vec<f64> { p.theta.iter().zip(v).map(|(t, d)| t + s * h * d).collect() };
        let (gp, gm) = (objective.gradient(&step(1.0)), objective.gradient(&step(-1.0)));
        for j in 0..=n {
            assert_close(hv[j], (gp[j] - gm[j]) / (2.0 * h), 1e-6, "Hv");
        }
        // The diagonal is the Hessian applied to unit vectors.
        let hessian = objective.hessian(&p.theta);
        let diag = hessian.diagonal();
        for j in 0..=n {
            let mut e = vec![0.0; n + 1];
            e[j] = 1.0;
            assert_close(diag[j], hessian.apply(&e)[j], 1e-12, "diagonal");
        }
    }
}

#[test]
fn f32_storage_is_stable_at_extreme_logits() {
    // Features large enough that z reaches ±1e4: J and ∇J stay finite in f32 and f64 storage.
    let x32 = DenseMatrix::from_row_major(vec![1e4f32, -1e4, 800.0, -800.0], 4, 1);
    let x64 = DenseMatrix::from_row_major(vec![1e4f64, -1e4, 800.0, -800.0], 4, 1);
    let y = [0.0, 1.0, 1.0, 0.0];
    let identity = Standardization::identity(1);
    for x in [&x32 as &dyn logreg::Design, &x64] {
        let objective = Objective::new(x, &y, 0.0, &identity);
        let eval = objective.evaluate(&[1.0, 0.0]);
        // Rows 1 and 2 are wrong by |z| = 1e4, rows 3 and 4 right by 800.
        assert_close(eval.cost, (1e4 + 1e4 + 0.0 + 0.0) / 4.0, 1e-12, "cost");
        assert!(eval.gradient.iter().all(|g| g.is_finite()));
    }
}

/// A multinomial problem: m rows of n features, K classes, row weights, θ = (w_k, b_k) per
/// class, λ.
#[derive(Debug, Clone)]
struct Multi {
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    weights: Vec<f64>,
    classes: usize,
    theta: Vec<f64>,
    l2: f64,
}

fn multi() -> impl Strategy<Value = Multi> {
    (1usize..5, 1usize..9, 2usize..5).prop_flat_map(|(n, m, k)| {
        (
            prop::collection::vec(prop::collection::vec(-3.0..3.0f64, n), m),
            prop::collection::vec(0..k, m),
            prop::collection::vec(prop_oneof![Just(0.0), 0.1..3.0f64], m),
            prop::collection::vec(-2.0..2.0f64, k * (n + 1)),
            0.0..1.0f64,
        )
            .prop_map(move |(x, y, mut weights, theta, l2)| {
                if weights.iter().all(|&w| w == 0.0) {
                    weights[0] = 1.0;
                }
                Multi {
                    x,
                    y: y.into_iter().map(|c| c as f64).collect(),
                    weights,
                    classes: k,
                    theta,
                    l2,
                }
            })
    })
}

/// J from its definition: (1/S) Σ s_i (log Σ_k e^(z_ik) − z_i,y_i) + (λ/2) Σ_k ‖w_k‖², on raw
/// coordinates (identity scaling).
fn multinomial_cost(p: &Multi, theta: &[f64]) -> f64 {
    let n = p.x[0].len();
    let mut total = 0.0;
    let mut sum = 0.0;
    for ((xi, &yi), &s) in p.x.iter().zip(&p.y).zip(&p.weights) {
        let z: Vec<f64> = theta
            .chunks(n + 1)
            .map(|t| t[..n].iter().zip(xi).map(|(w, x)| w * x).sum::<f64>() + t[n])
            .collect();
        let top = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = top + z.iter().map(|v| (v - top).exp()).sum::<f64>().ln();
        total += s * (lse - z[yi as usize]);
        sum += s;
    }
    let penalty: f64 = theta
        .chunks(n + 1)
        .map(|t| t[..n].iter().map(|w| w * w).sum::<f64>())
        .sum();
    total / sum + 0.5 * p.l2 * penalty
}

proptest! {
    #[test]
    fn multinomial_gradient_matches_the_definition_and_finite_differences(p in multi()) {
        let n = p.x[0].len();
        let x = matrix(&p.x);
        let identity = Standardization::identity(n);
        let objective = Objective::new(&x, &p.y, p.l2, &identity)
            .with_loss(Loss::Multinomial { classes: p.classes })
            .weighted(&p.weights);
        let eval = objective.evaluate(&p.theta);
        assert_close(eval.cost, multinomial_cost(&p, &p.theta), 1e-12, "cost");
        for j in 0..p.theta.len() {
            let fd = central(|t| multinomial_cost(&p, t), &p.theta, j, 1e-5);
            assert_close(eval.gradient[j], fd, 1e-7, "finite difference");
        }
        prop_assert_eq!(objective.gradient(&p.theta), eval.gradient);
    }

    #[test]
    fn multinomial_hessian_matches_gradient_differences(
        p in multi(),
        v in prop::collection::vec(-1.0..1.0f64, 20),
    ) {
        let x = matrix(&p.x);
        let scaling = Standardization::fit_weighted(&x, Some(&p.weights));
        let objective = Objective::new(&x, &p.y, p.l2, &scaling)
            .with_loss(Loss::Multinomial { classes: p.classes })
            .weighted(&p.weights);
        let dim = p.theta.len();
        let v = &v[..dim];
        let hessian = objective.hessian(&p.theta);
        let hv = hessian.apply(v);
        let h = 1e-5;
        let step = |s: f64| -> Vec<f64> { p.theta.iter().zip(v).map(|(t, d)| t + s * h * d).collect() };
        let (gp, gm) = (objective.gradient(&step(1.0)), objective.gradient(&step(-1.0)));
        for j in 0..dim {
            assert_close(hv[j], (gp[j] - gm[j]) / (2.0 * h), 1e-6, "Hv");
        }
        let diag = hessian.diagonal();
        for j in 0..dim {
            let mut e = vec![0.0; dim];
            e[j] = 1.0;
            assert_close(diag[j], hessian.apply(&e)[j], 1e-12, "diagonal");
        }
        // The cheap curvature pass gives the same operator.
        let (_, cheap) = objective.evaluate_with_curvature(&p.theta);
        let hv2 = cheap.apply(v);
        for j in 0..dim {
            assert_close(hv2[j], hv[j], 1e-13, "Hv from the curvature pass");
        }
    }

    #[test]
    fn weighted_binomial_matches_finite_differences_and_the_multinomial_of_two(p in multi()) {
        // Binary labels from the classes; weights as drawn.
        let y: Vec<f64> = p.y.iter().map(|&c| f64::from(u8::from(c > 0.5))).collect();
        let n = p.x[0].len();
        let x = matrix(&p.x);
        let scaling = Standardization::fit_weighted(&x, Some(&p.weights));
        let binary = Objective::new(&x, &y, p.l2, &scaling).weighted(&p.weights);
        let theta = &p.theta[..=n];
        let eval = binary.evaluate(theta);
        for j in 0..=n {
            let fd = central(|t| binary.cost(t), theta, j, 1e-5);
            assert_close(eval.gradient[j], fd, 1e-6, "weighted binomial gradient");
        }
        let v: Vec<f64> = (0..=n).map(|j| 1.0 - 0.3 * j as f64).collect();
        let hv = binary.hessian(theta).apply(&v);
        let h = 1e-5;
        let step = |s: f64| -> Vec<f64> { theta.iter().zip(&v).map(|(t, d)| t + s * h * d).collect() };
        let (gp, gm) = (binary.gradient(&step(1.0)), binary.gradient(&step(-1.0)));
        for j in 0..=n {
            assert_close(hv[j], (gp[j] - gm[j]) / (2.0 * h), 1e-6, "weighted binomial Hv");
        }
        // Two softmax neurons with θ_0 = 0, θ_1 = θ have the binary model's data term.
        let two = Objective::new(&x, &y, 0.0, &scaling)
            .with_loss(Loss::Multinomial { classes: 2 })
            .weighted(&p.weights);
        let mut both = vec![0.0; n + 1];
        both.extend_from_slice(theta);
        let unpenalised = Objective::new(&x, &y, 0.0, &scaling).weighted(&p.weights);
        assert_close(two.cost(&both), unpenalised.cost(theta), 1e-12, "K = 2 is binary");
    }
}

#[test]
fn integer_weights_are_repeated_rows() {
    // Rows repeated by their weight give the same J and ∇J (and weight 0 drops a row).
    let rows = [[0.5, -1.0], [1.5, 0.25], [-2.0, 0.75], [0.0, 1.0]];
    let y = [0.0, 2.0, 1.0, 2.0];
    let weights = [2.0, 0.0, 3.0, 1.0];
    let x = DenseMatrix::from_row_major(rows.concat(), 4, 2);
    let mut repeated = Vec::new();
    let mut repeated_y = Vec::new();
    for ((row, &c), &w) in rows.iter().zip(&y).zip(&weights) {
        for _ in 0..w as usize {
            repeated.extend_from_slice(row);
            repeated_y.push(c);
        }
    }
    let xr = DenseMatrix::from_row_major(repeated, repeated_y.len(), 2);
    let s = Standardization::fit_weighted(&x, Some(&weights));
    let sr = Standardization::fit(&xr);
    for (a, b) in s
        .mean
        .iter()
        .zip(&sr.mean)
        .chain(s.scale.iter().zip(&sr.scale))
    {
        assert_close(*a, *b, 1e-15, "weighted moments");
    }
    let loss = Loss::Multinomial { classes: 3 };
    let weighted = Objective::new(&x, &y, 0.1, &s)
        .with_loss(loss)
        .weighted(&weights);
    let plain = Objective::new(&xr, &repeated_y, 0.1, &sr).with_loss(loss);
    let theta: Vec<f64> = (0..9).map(|j| 0.1 * j as f64 - 0.4).collect();
    let (a, b) = (weighted.evaluate(&theta), plain.evaluate(&theta));
    assert_close(a.cost, b.cost, 1e-14, "J");
    for (ga, gb) in a.gradient.iter().zip(&b.gradient) {
        assert_close(*ga, *gb, 1e-14, "∇J");
    }
}
