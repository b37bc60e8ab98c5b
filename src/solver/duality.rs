//! The duality gap of the elastic-net J: a bound on J(θ) − J* that holds at any θ, the
//! certificate of [`super::coordinate_descent`].
//!
//! Write J(w, b) = F(X̃w + b) + R(w), with F(z) = (1/S) Σ_i s_i L(z_i, y_i) and
//! R(w) = Σ_kj [λ₁ p_j |w_kj| + (λ₂/2) c_j w_kj²] (the biases are not penalised). Fenchel
//! duality gives, for every ν (m × K) with Σ_i ν_ik = 0 for every class k,
//!
//!   J* ≥ D(ν) = −F*(ν) − R*(−X̃ᵀν).
//!
//! With ν_ik = (s_i/S)(q_ik − y_ik), F*(ν) = −(1/S) Σ_i s_i H(q_i), H the entropy of the
//! distribution q_i (binary: −q ln q − (1 − q) ln(1 − q)), defined when every q_i is a
//! distribution. R* is a sum over coordinates of h(v) = (|v| − λ₁p_j)₊² / (2λ₂c_j), or, when
//! λ₂c_j = 0, of 0 for |v| ≤ λ₁p_j and +∞ beyond.
//!
//! The dual point comes from θ: first the biases are moved to their optimum for the weights
//! of θ, β solving Σ_i s_i (a_ik − y_ik) = 0 by Newton's method (the returned θ keeps that
//! move, which can only lower J), so that ν = (s/S)(a − y) satisfies Σ_i ν_ik = 0 to rounding;
//! then ν is scaled by the largest κ ≤ 1 with κ|v_kj| ≤ λ₁p_j where λ₂c_j = 0, v = X̃ᵀν the
//! data term's gradient. q_i = y_i + κ(a_i − y_i) stays a distribution. At the optimum κ = 1
//! and the gap is 0; it falls as θ approaches it.
//!
//! The gap is summed per row as (s_i/S)[L(z_i, y_i) − H(q_i)], then R(w) + R*(−v) added, so
//! that two large nearly equal sums are never subtracted. A bias residual Σ_i ν_ik of rounding
//! size is ignored.

use crate::loss::{self, Loss};
use crate::objective::{Evaluation, Hessian, Objective};
use crate::parallel;

/// θ with its biases refitted, J and ∇J there, and the bound on J − J*.
pub(crate) struct Certificate<'a> {
    pub theta: Vec<f64>,
    pub eval: Evaluation,
    pub hessian: Hessian<'a>,
    /// J(θ) with the L1 term.
    pub cost: f64,
    /// The duality gap, ≥ J(θ) − J*.
    pub gap: f64,
}

/// λ₁ p_j and λ₂ c_j of one weight.
#[derive(Clone, Copy)]
pub(crate) struct Penalty<'p> {
    pub l1: f64,
    /// p_j (None: all 1).
    pub p: Option<&'p [f64]>,
}

impl Penalty<'_> {
    /// λ₁ p_j.
    pub fn l1(&self, j: usize) -> f64 {
        self.l1 * self.p.map_or(1.0, |p| p[j])
    }

    /// λ₁ Σ_kj p_j |θ_kj|.
    pub fn norm(&self, theta: &[f64], n: usize) -> f64 {
        theta
            .chunks_exact(n + 1)
            .map(|block| {
                block[..n]
                    .iter()
                    .enumerate()
                    .map(|(j, w)| self.l1(j) * w.abs())
                    .sum::<f64>()
            })
            .sum()
    }
}

/// The bias shift β (K values) that minimises J's data term over the biases with the weights
/// held: Newton's method with step halving, from β = 0, on the logits `z` (m × K).
pub(crate) fn bias_shift(objective: &Objective, z: &[f64]) -> Vec<f64> {
    let k = objective.outputs();
    let mut beta = vec![0.0; k];
    let (mut value, mut g, mut h) = bias_pass(objective, z, &beta);
    for _ in 0..50 {
        let step = solve(&h, &g, k);
        let size = step.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let scale = 1.0 + beta.iter().map(|v| v.abs()).fold(0.0, f64::max);
        if size.is_nan() || size <= 1e-15 * scale {
            break;
        }
        // Where the decrease Newton's step promises, ½gᵀH⁻¹g, is below the rounding of the
        // value, the value cannot judge the step but the quadratic model is exact: take it.
        let decrement: f64 = g.iter().zip(&step).map(|(g, s)| g * s).sum();
        let trust = decrement <= 1e-12 * value.abs().max(1.0);
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..30 {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b - t * s).collect();
            let (v, tg, th) = bias_pass(objective, z, &trial);
            if trust || v <= value {
                (beta, value, g, h) = (trial, v, tg, th);
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            break;
        }
    }
    beta
}

/// The data term at biases shifted by β, its gradient in β and its Hessian (K × K). One neuron
/// takes its rows in blocks through the vectorised kernel of [`loss::block`].
fn bias_pass(objective: &Objective, z: &[f64], beta: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let k = beta.len();
    let (y, s) = (objective.labels(), objective.row_weights());
    let inv = 1.0 / objective.total_weight();
    let (l, g, h) = parallel::map_reduce(
        y.len(),
        |rows| {
            let (mut l, mut g, mut h) = (0.0, vec![0.0; k], vec![0.0; k * k]);
            if let Loss::Binomial = objective.loss() {
                let mut a = [0.0; loss::block::MAX_BLOCK];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + loss::block::MAX_BLOCK).min(rows.end);
                    let (yb, sb) = (&y[start..end], s.map(|s| &s[start..end]));
                    let a = &mut a[..end - start];
                    l += loss::block::forward(&z[start..end], beta[0], yb, sb, a, true);
                    for (r, (&p, &yi)) in a.iter().zip(yb).enumerate() {
                        let si = sb.map_or(1.0, |s| s[r]);
                        g[0] += si * (p - yi);
                        h[0] += si * p * (1.0 - p);
                    }
                    start = end;
                }
                return (l, g, h);
            }
            let mut a = vec![0.0; k];
            for i in rows {
                let si = s.map_or(1.0, |s| s[i]);
                if si == 0.0 {
                    continue;
                }
                l += si * softmax(&z[i * k..(i + 1) * k], beta, &mut a, y[i] as usize);
                for c in 0..k {
                    g[c] += si * (a[c] - f64::from(u8::from(c == y[i] as usize)));
                    for e in 0..k {
                        let delta = if c == e { a[c] } else { 0.0 };
                        h[c * k + e] += si * (delta - a[c] * a[e]);
                    }
                }
            }
            (l, g, h)
        },
        |(l, g, h), (l2, g2, h2)| (l + l2, parallel::add_into(g, g2), parallel::add_into(h, h2)),
    );
    (
        l * inv,
        g.iter().map(|v| v * inv).collect(),
        h.iter().map(|v| v * inv).collect(),
    )
}

/// a = softmax(z + β); returns −log a_y, from the logits.
fn softmax(z: &[f64], beta: &[f64], a: &mut [f64], y: usize) -> f64 {
    let top = z
        .iter()
        .zip(beta)
        .map(|(z, b)| z + b)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for ((a, z), b) in a.iter_mut().zip(z).zip(beta) {
        *a = (z + b - top).exp();
        sum += *a;
    }
    for a in a.iter_mut() {
        *a /= sum;
    }
    sum.ln() - (z[y] + beta[y] - top)
}

/// Solves (H + εI) x = g for a small symmetric positive semi-definite H (k × k), by Gaussian
/// elimination with partial pivoting; ε keeps the softmax's shift direction from making it
/// singular (g is orthogonal to that direction).
fn solve(h: &[f64], g: &[f64], k: usize) -> Vec<f64> {
    let trace: f64 = (0..k).map(|i| h[i * k + i]).sum();
    let ridge = 1e-12 * trace.max(f64::MIN_POSITIVE);
    let mut a: Vec<f64> = h.to_vec();
    for i in 0..k {
        a[i * k + i] += ridge;
    }
    let mut x = g.to_vec();
    for col in 0..k {
        let pivot = (col..k)
            .max_by(|&r, &s| a[r * k + col].abs().total_cmp(&a[s * k + col].abs()))
            .unwrap_or(col);
        if pivot != col {
            for c in 0..k {
                a.swap(col * k + c, pivot * k + c);
            }
            x.swap(col, pivot);
        }
        let diag = a[col * k + col];
        if diag == 0.0 {
            continue;
        }
        for r in col + 1..k {
            let f = a[r * k + col] / diag;
            for c in col..k {
                a[r * k + c] -= f * a[col * k + c];
            }
            x[r] -= f * x[col];
        }
    }
    for col in (0..k).rev() {
        let mut v = x[col];
        for c in col + 1..k {
            v -= a[col * k + c] * x[c];
        }
        let diag = a[col * k + col];
        x[col] = if diag == 0.0 { 0.0 } else { v / diag };
    }
    x
}

/// The certificate at θ: biases refitted, then the gap of the module docs. Two passes over X
/// (the logits, unless `known` has them, then J, ∇J and the curvature at the refitted θ).
pub(crate) fn certify<'a>(
    objective: &Objective<'a>,
    theta: &[f64],
    known: Option<&[f64]>,
    penalty: Penalty,
) -> Certificate<'a> {
    let (n, k) = (objective.features(), objective.outputs());
    let mut z = match known {
        Some(z) => z.to_vec(),
        None => objective.logits(theta),
    };
    let beta = bias_shift(objective, &z);
    let mut theta = theta.to_vec();
    for (c, b) in beta.iter().enumerate() {
        theta[c * (n + 1) + n] += b;
    }
    for row in z.chunks_exact_mut(k) {
        for (z, b) in row.iter_mut().zip(&beta) {
            *z += b;
        }
    }
    let (eval, hessian) = objective.evaluate_with_curvature(&theta);
    let l2 = objective.l2();
    let c = |j: usize| objective.penalty_factors().map_or(1.0, |c| c[j]);
    // v = X̃ᵀν at κ = 1: the data term's gradient.
    let v = |class: usize, j: usize| {
        let at = class * (n + 1) + j;
        eval.gradient[at] - l2 * c(j) * theta[at]
    };
    let mut kappa: f64 = 1.0;
    for class in 0..k {
        for j in 0..n {
            let vj = v(class, j).abs();
            if l2 * c(j) == 0.0 && vj > 0.0 {
                kappa = kappa.min(penalty.l1(j) / vj);
            }
        }
    }
    // R(w) + R*(−κv), coordinate by coordinate.
    let mut conjugate = 0.0;
    for class in 0..k {
        for j in 0..n {
            let (w, vj) = (theta[class * (n + 1) + j], kappa * v(class, j));
            let (a, b) = (penalty.l1(j), l2 * c(j));
            conjugate += a * w.abs() + 0.5 * b * w * w;
            if b > 0.0 {
                let excess = (vj.abs() - a).max(0.0);
                conjugate += excess * excess / (2.0 * b);
            }
        }
    }
    let rows = entropy_gap(objective, &z, kappa);
    let cost = eval.cost + penalty.norm(&theta, n);
    Certificate {
        theta,
        eval,
        hessian,
        cost,
        gap: (rows + conjugate).max(0.0),
    }
}

/// (1/S) Σ_i s_i [L(z_i, y_i) − H(q_i)] with q_i = y_i + κ(a_i − y_i).
fn entropy_gap(objective: &Objective, z: &[f64], kappa: f64) -> f64 {
    let k = objective.outputs();
    let (y, s) = (objective.labels(), objective.row_weights());
    let zero = vec![0.0; k];
    let sum = parallel::map_reduce(
        y.len(),
        |rows| {
            let mut total = 0.0;
            let mut a = vec![0.0; k];
            for i in rows {
                let si = s.map_or(1.0, |s| s[i]);
                if si == 0.0 {
                    continue;
                }
                let zi = &z[i * k..(i + 1) * k];
                let term = match objective.loss() {
                    Loss::Binomial => {
                        let q = y[i] + kappa * (loss::sigmoid(zi[0]) - y[i]);
                        loss::loss_from_logit(zi[0], y[i]) - entropy(&[q, 1.0 - q])
                    }
                    Loss::Multinomial { .. } => {
                        let label = y[i] as usize;
                        let l = softmax(zi, &zero, &mut a, label);
                        for (c, a) in a.iter_mut().enumerate() {
                            let yc = f64::from(u8::from(c == label));
                            *a = yc + kappa * (*a - yc);
                        }
                        l - entropy(&a)
                    }
                };
                total += si * term;
            }
            total
        },
        |a, b| a + b,
    );
    sum / objective.total_weight()
}

/// −Σ q ln q, with 0 ln 0 = 0.
fn entropy(q: &[f64]) -> f64 {
    -q.iter()
        .map(|&q| if q > 0.0 { q * q.ln() } else { 0.0 })
        .sum::<f64>()
}
