//! Derivatives three ways: the computation graph (one example at a time, summed), the fused
//! vectorised objective, and central finite differences of J. Also the Hessian-vector product
//! against finite differences of the gradient.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

use logreg::data::DenseMatrix;
use logreg::graph::Neuron;
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
