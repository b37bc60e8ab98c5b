//! Preconditioned conjugate gradients for the Newton system H s = −∇J, matrix-free, with the
//! trust-region boundary of Steihaug and Toint when one is given.
//!
//! With the preconditioner M (here the Hessian's diagonal), residual r_k = −∇J − H s_k,
//! z_k = M⁻¹r_k and step length α_k = r_kᵀz_k / d_kᵀHd_k, each step lowers the quadratic model
//! q(s) = ∇Jᵀs + ½ sᵀHs by ½ α_k r_kᵀz_k. Their sum, the *energy* E_k = −2 q(s_k) = −∇Jᵀs_k,
//! rises monotonically to the Newton decrement δ² = ∇JᵀH⁻¹∇J, and what is still missing is the
//! error in the H-norm, ‖s_k − s*‖²_H = Σ_{j≥k} α_j r_jᵀz_j (Hestenes & Stiefel 1952; the
//! basis of Arioli's stopping rule, "A stopping criterion for the conjugate gradient
//! algorithm in a finite element method framework", Numer. Math. 97, 2004). So E_k is a lower
//! bound on δ², and E_k plus an estimate of the remaining increments is an estimate of δ²
//! from above; [`CgInfo::decrement`] takes the remaining sum as the geometric continuation of the
//! last two increments (and at least the last one). That is what the certified stopping rule
//! of [`super`] needs, and CG can stop as soon as the decrement is known to be below a target,
//! or known to be above it.

use super::dot;
use crate::objective::Hessian;

/// Why CG stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CgEnd {
    /// ‖r‖ fell to the residual tolerance.
    Residual,
    /// The decrement is below the energy target, with the remaining increments estimated.
    Below,
    /// The decrement is above the energy target: E_k, a lower bound, already exceeds it.
    Above,
    /// The step reached the trust-region boundary.
    Boundary,
    /// dᵀHd ≤ 0 (cannot happen for positive definite H; a guard against rounding).
    NegativeCurvature,
    /// The iteration limit.
    Limit,
}

/// A trust region ‖s‖_M ≤ Δ in the norm of the preconditioner.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    pub delta: f64,
}

/// How to run CG.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cg {
    pub max_iterations: usize,
    /// Stop once the Euclidean residual ‖r‖ is at most this.
    pub residual_tolerance: f64,
    pub region: Option<Region>,
    /// A target for the decrement δ²: stop once it is known to be below (see the module docs).
    pub energy_target: Option<f64>,
    /// Also stop once δ² is known to be above the target.
    pub stop_above: bool,
}

/// What CG found: the step s, its residual r = −∇J − Hs, and the energy bookkeeping.
#[derive(Debug, Clone)]
pub(crate) struct CgInfo {
    pub s: Vec<f64>,
    pub r: Vec<f64>,
    /// E = −∇Jᵀs, a lower bound on δ².
    pub energy: f64,
    /// The estimate of δ² − E from the last increments (infinite when they do not shrink).
    pub remaining: f64,
    pub end: CgEnd,
}

impl CgInfo {
    /// The estimate of the Newton decrement δ² = ∇JᵀH⁻¹∇J from above.
    pub fn decrement(&self) -> f64 {
        self.energy + self.remaining
    }
}

/// ‖v‖_M = √(Σ M_j v_j²).
pub(crate) fn m_norm(v: &[f64], m: &[f64]) -> f64 {
    v.iter()
        .zip(m)
        .map(|(x, mj)| mj * x * x)
        .sum::<f64>()
        .sqrt()
}

/// The remaining sum of CG's increments after the last one, `last`, when the one before was
/// `previous`: geometric with the ratio of the two, and at least `last` itself.
fn remaining(previous: f64, last: f64) -> f64 {
    let ratio = last / previous;
    if !(ratio < 0.99) {
        return f64::INFINITY;
    }
    last * (ratio / (1.0 - ratio)).max(1.0)
}

impl Cg {
    /// Solves H s = −`gradient` approximately, preconditioned by `m`; `count` is called once per
    /// Hessian-vector product.
    pub fn solve(
        &self,
        hessian: &Hessian,
        gradient: &[f64],
        m: &[f64],
        mut count: impl FnMut(),
    ) -> CgInfo {
        let dim = gradient.len();
        let mut s = vec![0.0; dim];
        let mut r: Vec<f64> = gradient.iter().map(|g| -g).collect();
        let mut z: Vec<f64> = r.iter().zip(m).map(|(ri, mi)| ri / mi).collect();
        let mut d = z.clone();
        let mut z_r = dot(&z, &r);
        let mut energy = 0.0;
        let (mut previous, mut last) = (f64::INFINITY, f64::INFINITY);
        let mut iterations = 0;
        let info = |s, r, _iterations: usize, energy, remaining, end| CgInfo {
            s,
            r,
            energy,
            remaining,
            end,
        };
        loop {
            if dot(&r, &r).sqrt() <= self.residual_tolerance {
                // A small residual: the increments have shrunk, whatever their last ratio.
                let rest = match remaining(previous, last) {
                    _ if iterations == 0 => 0.0,
                    rest if rest.is_finite() => rest,
                    _ => last,
                };
                return info(s, r, iterations, energy, rest, CgEnd::Residual);
            }
            if let Some(target) = self.energy_target
                && iterations >= 2
            {
                let rest = remaining(previous, last);
                if energy + rest <= target {
                    return info(s, r, iterations, energy, rest, CgEnd::Below);
                }
                if self.stop_above && energy > target {
                    return info(s, r, iterations, energy, rest, CgEnd::Above);
                }
            }
            if iterations >= self.max_iterations {
                let rest = remaining(previous, last);
                return info(s, r, iterations, energy, rest, CgEnd::Limit);
            }
            let hd = hessian.apply(&d);
            count();
            iterations += 1;
            let d_hd = dot(&d, &hd);
            if d_hd <= 0.0 {
                return info(
                    s,
                    r,
                    iterations,
                    energy,
                    f64::INFINITY,
                    CgEnd::NegativeCurvature,
                );
            }
            let alpha = z_r / d_hd;
            let next: Vec<f64> = s.iter().zip(&d).map(|(si, di)| si + alpha * di).collect();
            if let Some(region) = self.region
                && m_norm(&next, m) > region.delta
            {
                // Move from s along d to the boundary: ‖s + τd‖_M = Δ, τ ≥ 0.
                let delta = region.delta;
                let std = s
                    .iter()
                    .zip(&d)
                    .zip(m)
                    .map(|((si, di), mi)| mi * si * di)
                    .sum::<f64>();
                let sts = m_norm(&s, m).powi(2);
                let dtd = m_norm(&d, m).powi(2);
                let rad = (std * std + dtd * (delta * delta - sts)).max(0.0).sqrt();
                let tau = if std >= 0.0 {
                    (delta * delta - sts) / (std + rad)
                } else {
                    (rad - std) / dtd
                };
                for ((si, ri), (di, hdi)) in s.iter_mut().zip(r.iter_mut()).zip(d.iter().zip(&hd)) {
                    *si += tau * di;
                    *ri -= tau * hdi;
                }
                let energy = -dot(gradient, &s);
                return info(s, r, iterations, energy, f64::INFINITY, CgEnd::Boundary);
            }
            s = next;
            for (ri, hdi) in r.iter_mut().zip(&hd) {
                *ri -= alpha * hdi;
            }
            let increment = alpha * z_r;
            energy += increment;
            (previous, last) = (last, increment);
            z = r.iter().zip(m).map(|(ri, mi)| ri / mi).collect();
            let z_r_next = dot(&z, &r);
            let beta = z_r_next / z_r;
            for (di, zi) in d.iter_mut().zip(&z) {
                *di = zi + beta * *di;
            }
            z_r = z_r_next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remaining_increments_follow_their_ratio() {
        // Halving increments: the rest of 1/2 + 1/4 + … after 1 is 1 (at least the last).
        assert_eq!(remaining(2.0, 1.0), 1.0);
        // Increments falling tenfold: the rest is at least the last one.
        assert_eq!(remaining(10.0, 1.0), 1.0);
        // Ratio 0.9: 0.9/(1 − 0.9) = 9 times the last.
        assert!((remaining(1.0, 0.9) - 0.9 * 9.0).abs() < 1e-9);
        // Not shrinking: unknown.
        assert_eq!(remaining(1.0, 1.0), f64::INFINITY);
    }
}
