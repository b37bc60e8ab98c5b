//! Firth's bias-reduced logistic regression (Firth 1993; Heinze & Schemper 2002), binary.
//!
//! It maximises the penalised log-likelihood ℓ*(θ) = ℓ(θ) + ½ log det H(θ), H = X̃ᵀ diag(s a(1−a)) X̃
//! the Fisher information (Jeffreys' prior as a penalty). Its gradient is the modified score
//!
//!   U*(θ) = Σ_i s_i (y_i − a_i + h_i (½ − a_i)) x̃_i,   h_i = a_i (1 − a_i) x̃_iᵀ H⁻¹ x̃_i,
//!
//! and its estimate exists even when the data are separated. The fit takes the steps
//! θ ← θ + H⁻¹ U*, halving a step that does not increase ℓ*, from the intercept-only start
//! (as R's `logistf`), until no coordinate moves by 1e-10 relative; the standard errors are
//! √diag H(θ̂)⁻¹ (brglm2's). Profile penalised-likelihood intervals (logistf's default) are
//! the β_j where 2 (ℓ*(θ̂) − max_{θ: θ_j = β_j} ℓ*(θ)) = χ²₁(1 − α), found by false position
//! (Illinois) on brackets grown from the Wald interval, each constrained maximum by the same
//! steps with θ_j held. The likelihood-ratio test of the model is logistf's:
//! 2 (ℓ*(θ̂) − ℓ*(θ̂₀)), θ̂₀ the maximum of ℓ* with every slope held at 0 (the penalty still
//! that of the whole design).

use super::likelihood::Likelihood;
use super::{Refinement, covariance, distributions};
use crate::error::{Error, Result};

/// Most steps of one fit.
const MAX_STEPS: usize = 200;

/// A Firth fit.
#[derive(Debug, Clone)]
pub struct FirthFit {
    pub theta: Vec<f64>,
    pub penalized_log_likelihood: f64,
    /// ℓ* of the intercept-only model, the slopes held at 0 in the same penalty.
    pub null_penalized_log_likelihood: f64,
    pub refinement: Refinement,
}

/// ℓ*(θ), and the modified score and information there.
fn penalized(
    lik: &Likelihood,
    theta: &[f64],
    names: &[String],
) -> Result<(f64, Vec<f64>, Vec<f64>)> {
    let (a, ll) = lik.probabilities(&lik.logits(theta));
    let h = lik.information(&a);
    let v = covariance::inverse(&h, names)?;
    let half_log_det = 0.5 * covariance::log_det(&h, names)?;
    let lev = lik.leverages(&a, &v);
    let y = lik.y;
    let score = lik.row_sums(|i, _| {
        let s = lik.s.map_or(1.0, |s| s[i]);
        s * (y[i] - a[i] + lev[i] * (0.5 - a[i]))
    });
    Ok((ll + half_log_det, score, h))
}

/// Maximises ℓ* over θ with the coordinates in `fixed` held at their values in `start`.
fn maximise(
    lik: &Likelihood,
    start: &[f64],
    fixed: &[usize],
    names: &[String],
) -> Result<(Vec<f64>, f64, usize)> {
    let p = start.len();
    let free: Vec<usize> = (0..p).filter(|j| !fixed.contains(j)).collect();
    let sub_names: Vec<String> = free.iter().map(|&j| names[j].clone()).collect();
    let mut theta = start.to_vec();
    let (mut value, mut score, mut h) = penalized(lik, &theta, names)?;
    for step in 0..MAX_STEPS {
        let hs: Vec<f64> = free
            .iter()
            .flat_map(|&r| free.iter().map(move |&c| (r, c)))
            .map(|(r, c)| h[r * p + c])
            .collect();
        let gs: Vec<f64> = free.iter().map(|&j| score[j]).collect();
        let delta = covariance::solve(&hs, &gs, &sub_names)?;
        let moved = free
            .iter()
            .zip(&delta)
            .map(|(&j, d)| d.abs() / (1.0 + theta[j].abs()))
            .fold(0.0, f64::max);
        if moved < 1e-10 {
            return Ok((theta, value, step));
        }
        let mut t = 1.0;
        loop {
            let mut trial = theta.clone();
            for (&j, d) in free.iter().zip(&delta) {
                trial[j] += t * d;
            }
            let (v, s, hh) = penalized(lik, &trial, names)?;
            if v >= value - 1e-12 * value.abs() || t < 1e-8 {
                theta = trial;
                (value, score, h) = (v, s, hh);
                break;
            }
            t *= 0.5;
        }
    }
    Err(Error::Inference {
        reason: format!("Firth's fit did not converge in {MAX_STEPS} steps"),
    })
}

/// Firth's estimate, from the intercept-only start.
pub fn fit(lik: &Likelihood, model_theta: &[f64], names: &[String]) -> Result<FirthFit> {
    let p = lik.parameters();
    let n = lik.observations();
    let positive: f64 = lik
        .y
        .iter()
        .enumerate()
        .map(|(i, &y)| y * lik.s.map_or(1.0, |s| s[i]))
        .sum();
    let share = (positive / n).clamp(1e-6, 1.0 - 1e-6);
    let mut start = vec![0.0; p];
    start[0] = (share / (1.0 - share)).ln();
    // The intercept-only model under the same penalty (the slopes held at 0), for the
    // penalised likelihood-ratio test of logistf.
    let slopes: Vec<usize> = (1..p).collect();
    let (_, null_value, _) = maximise(lik, &start, &slopes, names)?;
    let (theta, value, steps) = maximise(lik, &start, &[], names)?;
    let (_, score, _) = penalized(lik, &theta, names)?;
    let largest_change = (0..p)
        .map(|j| (theta[j] - model_theta[j]).abs() / (1.0 + theta[j].abs()))
        .fold(0.0, f64::max);
    Ok(FirthFit {
        penalized_log_likelihood: value,
        null_penalized_log_likelihood: null_value,
        refinement: Refinement {
            newton_steps: steps,
            largest_change,
            gradient_norm: score.iter().fold(0.0f64, |m, v| m.max(v.abs())),
        },
        theta,
    })
}

/// Profile penalised-likelihood intervals at 1 − α for every parameter.
pub fn profile_intervals(
    lik: &Likelihood,
    theta: &[f64],
    alpha: f64,
    names: &[String],
) -> Result<Vec<(f64, f64)>> {
    let p = theta.len();
    let (top, _, h) = penalized(lik, theta, names)?;
    let v = covariance::inverse(&h, names)?;
    let target = distributions::chi2_quantile(1.0 - alpha, 1.0);
    let z = distributions::normal_quantile(1.0 - alpha / 2.0);
    (0..p)
        .map(|j| {
            let se = v[j * p + j].sqrt();
            // f(β) = 2 (ℓ*(θ̂) − profile(β)) − target: −target at θ̂_j, rising either side.
            let mut warm = theta.to_vec();
            let mut f = |beta: f64| -> Result<f64> {
                warm[j] = beta;
                let (best, value, _) = maximise(lik, &warm, &[j], names)?;
                warm = best;
                Ok(2.0 * (top - value) - target)
            };
            let lower = root(&mut f, theta[j], -z * se)?;
            let upper = root(&mut f, theta[j], z * se)?;
            Ok((lower, upper))
        })
        .collect()
}

/// The root of `f` beyond `from` in the direction of `step` (f(from) < 0): a bracket grown by
/// doubling, then false position with the Illinois rule, to 1e-10 relative in β.
fn root(f: &mut dyn FnMut(f64) -> Result<f64>, from: f64, step: f64) -> Result<f64> {
    let (mut a, mut fa) = (from, f(from)?);
    let mut width = step;
    let (mut b, mut fb) = (from + width, f(from + width)?);
    let mut grown = 0;
    while fb < 0.0 {
        (a, fa) = (b, fb);
        width *= 2.0;
        b = from + width;
        fb = f(b)?;
        grown += 1;
        if grown > 60 {
            return Err(Error::Inference {
                reason: "a profile-likelihood interval is unbounded: use Wald intervals".into(),
            });
        }
    }
    let mut side = 0;
    for _ in 0..200 {
        let c = (a * fb - b * fa) / (fb - fa);
        let fc = f(c)?;
        if (b - a).abs() <= 1e-10 * (1.0 + c.abs()) || fc.abs() < 1e-11 {
            return Ok(c);
        }
        if (fc < 0.0) == (fa < 0.0) {
            (a, fa) = (c, fc);
            if side == -1 {
                fb /= 2.0;
            }
            side = -1;
        } else {
            (b, fb) = (c, fc);
            if side == 1 {
                fa /= 2.0;
            }
            side = 1;
        }
    }
    Ok((a + b) / 2.0)
}
