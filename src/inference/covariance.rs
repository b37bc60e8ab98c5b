//! The inverse of the information matrix, and what to say when it has none.
//!
//! H is scaled to unit diagonal first, H̄ = S H S with S = diag(1/√H_jj) (columns in dollars
//! and columns in fractions then weigh alike), factored H̄ = L Lᵀ by faer's Cholesky in f64, and
//! inverted: H⁻¹ = S H̄⁻¹ S. The squared pivot L_jj² is the share of parameter j's information
//! that the parameters before it do not already carry; below [`COLLINEAR`] (or not positive)
//! the parameter is a linear combination of earlier ones, and the error names them: the
//! coefficients c of that combination solve H̄_AA c = H̄_Aj over the earlier parameters A.

use crate::error::{Error, Result};
use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

/// The smallest squared pivot of the unit-diagonal information accepted.
pub const COLLINEAR: f64 = 1e-11;

/// The inverse of the symmetric P × P matrix `h` (row-major), or an error naming the
/// parameters (`names`) that are collinear.
pub fn inverse(h: &[f64], names: &[String]) -> Result<Vec<f64>> {
    let p = names.len();
    debug_assert_eq!(h.len(), p * p);
    for j in 0..p {
        if h[j * p + j].partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
            || !h[j * p + j].is_finite()
        {
            return Err(Error::Inference {
                reason: format!(
                    "{} carries no information (its column is 0 in every row with weight)",
                    names[j]
                ),
            });
        }
    }
    let scale: Vec<f64> = (0..p).map(|j| 1.0 / h[j * p + j].sqrt()).collect();
    let unit = Mat::<f64>::from_fn(p, p, |r, c| h[r * p + c] * scale[r] * scale[c]);
    let llt = match unit.llt(Side::Lower) {
        Ok(llt) => llt,
        Err(faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index }) => {
            return Err(collinear(&unit, index, names));
        }
    };
    let l = llt.L();
    if let Some(j) = (0..p).find(|&j| l[(j, j)] * l[(j, j)] < COLLINEAR) {
        return Err(collinear(&unit, j, names));
    }
    let inv = llt.inverse();
    let mut out = vec![0.0; p * p];
    for r in 0..p {
        for c in 0..p {
            out[r * p + c] = inv[(r, c)] * scale[r] * scale[c];
        }
    }
    Ok(out)
}

/// The error for parameter `j`, a combination of the ones before it.
fn collinear(unit: &Mat<f64>, j: usize, names: &[String]) -> Error {
    let involved: Vec<&str> = if j == 0 {
        Vec::new()
    } else {
        let a = Mat::<f64>::from_fn(j, j, |r, c| unit[(r, c)]);
        let mut rhs = Mat::<f64>::from_fn(j, 1, |r, _| unit[(r, j)]);
        match a.llt(Side::Lower) {
            Ok(llt) => {
                use faer::linalg::solvers::Solve;
                llt.solve_in_place(rhs.as_mut());
                let largest = (0..j).map(|r| rhs[(r, 0)].abs()).fold(0.0, f64::max);
                (0..j)
                    .filter(|&r| rhs[(r, 0)].abs() > 1e-6 * largest.max(1e-300))
                    .map(|r| names[r].as_str())
                    .collect()
            }
            Err(_) => Vec::new(),
        }
    };
    let intercept = is_intercept(involved.first().copied());
    let reason = match involved.as_slice() {
        [] => format!("{} is collinear with other columns", names[j]),
        [one] if intercept => format!(
            "{} is constant (collinear with the intercept {one}): drop it (--ignore)",
            names[j]
        ),
        _ => format!(
            "{} is a linear combination of {} (collinear columns): drop one of them (--ignore)",
            names[j],
            involved.join(", ")
        ),
    };
    Error::Inference { reason }
}

fn is_intercept(name: Option<&str>) -> bool {
    name.is_some_and(|n| n == super::INTERCEPT || n.ends_with(&format!(":{}", super::INTERCEPT)))
}

/// log det H of a symmetric positive definite matrix (row-major), from the Cholesky factor of
/// its unit-diagonal scaling: log det H = 2 Σ log L̄_jj + Σ log H_jj.
pub fn log_det(h: &[f64], names: &[String]) -> Result<f64> {
    let p = names.len();
    let scale: Vec<f64> = (0..p).map(|j| 1.0 / h[j * p + j].sqrt()).collect();
    let unit = Mat::<f64>::from_fn(p, p, |r, c| h[r * p + c] * scale[r] * scale[c]);
    let llt = unit
        .llt(Side::Lower)
        .map_err(|_| collinear(&unit, 0, names))?;
    let l = llt.L();
    Ok((0..p)
        .map(|j| 2.0 * l[(j, j)].ln() + h[j * p + j].ln())
        .sum())
}

/// B M B for symmetric P × P matrices (row-major): the sandwich.
pub fn sandwich(bread: &[f64], meat: &[f64], p: usize) -> Vec<f64> {
    let b = Mat::<f64>::from_fn(p, p, |r, c| bread[r * p + c]);
    let m = Mat::<f64>::from_fn(p, p, |r, c| meat[r * p + c]);
    let v = &b * &m * &b;
    let mut out = vec![0.0; p * p];
    for r in 0..p {
        for c in 0..p {
            // Symmetric up to rounding: take the mean of the two halves.
            out[r * p + c] = 0.5 * (v[(r, c)] + v[(c, r)]);
        }
    }
    out
}

/// Solves H δ = g for symmetric positive definite H (row-major): the Newton step.
pub fn solve(h: &[f64], g: &[f64], names: &[String]) -> Result<Vec<f64>> {
    let v = inverse(h, names)?;
    let p = g.len();
    Ok((0..p)
        .map(|r| (0..p).map(|c| v[r * p + c] * g[c]).sum())
        .collect())
}
