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
//! from above. `CgInfo::decrement` takes the remaining sum as the larger of two guesses: the
//! geometric continuation of the last two increments, and the sum of the last
//! `DELAY` increments (Arioli's delay: on an ill-conditioned H the increments can dip for a
//! step or two and rise again, and the geometric guess alone then under-estimated δ² up to
//! twentyfold on the breast-cancer data). That is what the certified stopping rule
//! of [`super`] needs, and CG can stop as soon as the decrement is known to be below a target.

use super::dot;
use crate::objective::Hessian;

/// Why CG stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CgEnd {
    /// ‖r‖ fell to the residual tolerance.
    Residual,
    /// The decrement is below the energy target, with the remaining increments estimated.
    Below,
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

/// The increments summed for the delayed estimate of what remains.
pub(crate) const DELAY: usize = 4;

/// ‖v‖_M = √(Σ M_j v_j²).
pub(crate) fn m_norm(v: &[f64], m: &[f64]) -> f64 {
    v.iter()
        .zip(m)
        .map(|(x, mj)| mj * x * x)
        .sum::<f64>()
        .sqrt()
}

/// The increments of CG so far, for the estimate of those to come.
#[derive(Debug, Default)]
struct Increments {
    all: Vec<f64>,
}

impl Increments {
    /// The remaining sum after the last increment: the larger of its geometric continuation,
    /// with the ratio of the last two, and the sum of the last [`DELAY`] increments; infinite
    /// while fewer than that many are known or they do not shrink.
    fn remaining(&self) -> f64 {
        let n = self.all.len();
        if n < DELAY {
            return f64::INFINITY;
        }
        let (previous, last) = (self.all[n - 2], self.all[n - 1]);
        let ratio = last / previous;
        // A NaN ratio (a zero increment before) counts as not shrinking.
        if ratio.is_nan() || ratio >= 0.99 {
            return f64::INFINITY;
        }
        let geometric = last * (ratio / (1.0 - ratio)).max(1.0);
        let delayed: f64 = self.all[n - DELAY..].iter().sum();
        geometric.max(delayed)
    }
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
        let mut increments = Increments::default();
        let mut last_alpha = 0.0;
        let mut iterations = 0;
        let info = |s, r, energy, remaining, end| CgInfo {
            s,
            r,
            energy,
            remaining,
            end,
        };
        loop {
            if dot(&r, &r).sqrt() <= self.residual_tolerance {
                // A small residual: the next increment would be about α·rᵀz with the last
                // step length α, and those after it fall off at least as fast as the last
                // two did.
                let rest = match increments.all.last() {
                    None => 0.0,
                    Some(&last) => {
                        let next = last_alpha * z_r;
                        next / (1.0 - (next / last).min(0.99))
                    }
                };
                return info(s, r, energy, rest, CgEnd::Residual);
            }
            if let Some(target) = self.energy_target {
                let rest = increments.remaining();
                if energy + rest <= target {
                    return info(s, r, energy, rest, CgEnd::Below);
                }
            }
            if iterations >= self.max_iterations {
                let rest = increments.remaining();
                return info(s, r, energy, rest, CgEnd::Limit);
            }
            let hd = hessian.apply(&d);
            count();
            iterations += 1;
            let d_hd = dot(&d, &hd);
            if d_hd <= 0.0 {
                return info(s, r, energy, f64::INFINITY, CgEnd::NegativeCurvature);
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
                return info(s, r, energy, f64::INFINITY, CgEnd::Boundary);
            }
            s = next;
            for (ri, hdi) in r.iter_mut().zip(&hd) {
                *ri -= alpha * hdi;
            }
            let increment = alpha * z_r;
            energy += increment;
            increments.all.push(increment);
            last_alpha = alpha;
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

    fn rest(all: &[f64]) -> f64 {
        Increments { all: all.to_vec() }.remaining()
    }

    #[test]
    fn the_remaining_increments_are_estimated_from_above() {
        // Too few to say.
        assert_eq!(rest(&[4.0, 2.0, 1.0]), f64::INFINITY);
        // Halving: the geometric rest after 1 is 1, the last four sum to 15.
        assert_eq!(rest(&[8.0, 4.0, 2.0, 1.0]), 15.0);
        // Falling tenfold after a plateau: the delayed sum, 1 + 1 + 1 + 0.1, dominates.
        assert!((rest(&[1.0, 1.0, 1.0, 0.1]) - 3.1).abs() < 1e-12);
        // Ratio 0.9: 0.9/(1 − 0.9) = 9 times the last one.
        let r = rest(&[1.0, 1.0, 1.0, 0.9]);
        assert!((r - 8.1).abs() < 1e-9, "{r}");
        // Not shrinking: unknown.
        assert_eq!(rest(&[1.0, 1.0, 1.0, 1.0]), f64::INFINITY);
    }
}
