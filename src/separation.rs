//! Exact detection of complete and quasi-complete separation, by a linear program on [1, X].
//!
//! With λ = 0, J has a finite minimum (the maximum-likelihood estimate exists) unless some
//! direction β ≠ 0 never misclassifies: s_i x̃_iᵀβ ≥ 0 for every row, where x̃_i = (x_i, 1) and
//! s_i = +1 for y_i = 1, −1 for y_i = 0 (Albert & Anderson, Biometrika 1984). Along such a
//! direction J falls without bound towards its infimum, and the coefficients with β_j ≠ 0
//! diverge. It is *complete* separation when a direction makes every row strictly correct, and
//! *quasi-complete* when the best direction makes only some rows strictly correct and leaves
//! the others on the boundary.
//!
//! Two linear programs decide it. The first is small whatever the number of rows: by Stiemke's
//! lemma of the alternative, no such β exists exactly when some u > 0 has Σ_i u_i s_i x̃_i = 0,
//! and since that set is a cone, u_i ≥ 1 may be asked. Finding such a u is a program with one
//! equality per coefficient (n + 1 of them) and m bounded variables; a u found is checked in
//! f64, and then the MLE exists. Only when the program is infeasible are the data separated,
//! and the second program, after Konis ("Linear programming algorithms for detecting separated
//! data in binary logistic regression models", DPhil thesis, Oxford, 2007; R's
//! `detectseparation`), finds a direction and counts the rows that some direction predicts
//! perfectly:
//!
//!   maximise Σ_i t_i  subject to  s_i x̃_iᵀβ ≥ τ·t_i,  0 ≤ t_i ≤ 1,  −1 ≤ β_j ≤ 1,
//!
//! in standardised coordinates (each column divided by its scale, dense ones also centred: a
//! change of variables that maps separating directions to separating directions), with τ a
//! margin below which a row counts as on the boundary. The directions form a convex cone, so
//! one direction reaches every row that any direction can: the optimum is the number of rows
//! predicted perfectly, all m for complete separation, 0 when the MLE exists. The simplex is
//! microlp's. Its answer is checked in f64 before it is believed: β must misclassify no row
//! (by more than rounding), and the rows it predicts perfectly are counted again from β.

use crate::data::Design;
use crate::standardize::Standardization;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The margin τ, in standardised units, that a row must clear to count as strictly correct.
const MARGIN: f64 = 1e-6;

/// The most rows × (features + 1) the linear programs are built for (at 1,000,000 the check
/// took about a second and 100 MB here; at 4,000,000, 4 s and 400 MB); larger problems are not
/// checked, and the solvers' own test, every row correct at an iterate, is all that catches
/// separation there.
pub const MAX_ENTRIES: usize = 1_000_000;

/// The most entries for which a direction is computed when the separation is complete (for
/// 1,924 × 500 text it took 2.6 s); beyond, only the kind is reported.
pub const DIRECTION_MAX_ENTRIES: usize = 250_000;

/// How long the simplex may run.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Complete or quasi-complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeparationKind {
    Complete,
    Quasi,
}

/// What the linear program found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Separation {
    pub kind: SeparationKind,
    /// Rows predicted perfectly along the direction found.
    pub rows_separated: usize,
    pub rows: usize,
    /// The coefficients that diverge (non-zero in the direction): feature indices, and
    /// `bias` when the intercept does.
    pub diverging: Vec<usize>,
    pub bias_diverges: bool,
    /// Was a direction computed? (Not for complete separation of data with more than
    /// [`DIRECTION_MAX_ENTRIES`] entries: then `diverging` is empty.)
    pub direction: bool,
}

/// Why the check could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unchecked {
    /// More than [`MAX_ENTRIES`] entries.
    TooLarge,
    /// The simplex failed or ran out of time; the reason.
    Solver(String),
}

/// Finds complete or quasi-complete separation of the rows of `x` with labels `y` (0 or 1);
/// None when the maximum-likelihood estimate exists. `scaling` gives the coordinates.
pub fn detect(
    x: &dyn Design,
    y: &[f64],
    scaling: &Standardization,
) -> Result<Option<Separation>, Unchecked> {
    let (m, n) = (x.n_rows(), x.n_features());
    if m.saturating_mul(n + 1) > MAX_ENTRIES {
        return Err(Unchecked::TooLarge);
    }
    let rows = standardised_rows(x, scaling);
    if overlap(&rows, y, n, Strictly::Every)? {
        return Ok(None);
    }
    // Separated. Completely, unless some u ≥ 0, u ≠ 0 has Σ_i u_i s_i x̃_i = 0 (Gordan).
    let complete = !overlap(&rows, y, n, Strictly::Some)?;
    if complete && m * (n + 1) > DIRECTION_MAX_ENTRIES {
        // Every row can be separated; finding a sparse direction would take seconds.
        return Ok(Some(Separation {
            kind: SeparationKind::Complete,
            rows_separated: m,
            rows: m,
            diverging: Vec::new(),
            bias_diverges: false,
            direction: false,
        }));
    }
    let b = direction(&rows, y, n, complete)?;
    Ok(verify(&rows, y, &b))
}

/// What the overlap program asks of u.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strictly {
    /// u_i ≥ 1 for every row (Stiemke: no direction separates at all).
    Every,
    /// u ≥ 0 with Σ u_i = 1 (Gordan: no direction separates every row strictly).
    Some,
}

/// A separating direction β in [−1, 1]^(n+1), from the linear program of the module docs:
/// with a margin variable per row when the separation is quasi-complete (to reach every row
/// that can be separated), one shared margin when it is complete.
fn direction(
    rows: &[Vec<(usize, f64)>],
    y: &[f64],
    n: usize,
    complete: bool,
) -> Result<Vec<f64>, Unchecked> {
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    lp.set_time_limit(TIME_LIMIT);
    let beta: Vec<_> = (0..=n).map(|_| lp.add_var(0.0, (-1.0, 1.0))).collect();
    let shared = complete.then(|| lp.add_var(1.0, (0.0, 1.0)));
    for (i, row) in rows.iter().enumerate() {
        let t = shared.unwrap_or_else(|| lp.add_var(1.0, (0.0, 1.0)));
        let sign = if y[i] > 0.5 { 1.0 } else { -1.0 };
        let mut terms: Vec<_> = row.iter().map(|&(j, v)| (beta[j], sign * v)).collect();
        terms.push((t, -MARGIN));
        lp.add_constraint(terms.as_slice(), ComparisonOp::Ge, 0.0);
    }
    let outcome = lp.solve().map_err(|e| Unchecked::Solver(e.to_string()))?;
    let microlp::SolveOutcome::Solution(solution) = outcome else {
        return Err(Unchecked::Solver("the time limit came first".into()));
    };
    Ok(beta.iter().map(|&v| solution.var_value(v)).collect())
}

/// Is there a u as `strictly` asks with Σ_i u_i s_i x̃_i = 0 (checked in f64)? Its program
/// has one equality per coefficient, however many rows there are.
fn overlap(
    rows: &[Vec<(usize, f64)>],
    y: &[f64],
    n: usize,
    strictly: Strictly,
) -> Result<bool, Unchecked> {
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    lp.set_time_limit(TIME_LIMIT);
    let lower = if strictly == Strictly::Every {
        1.0
    } else {
        0.0
    };
    let u: Vec<_> = rows
        .iter()
        .map(|_| lp.add_var(1.0, (lower, f64::INFINITY)))
        .collect();
    if strictly == Strictly::Some {
        let all: Vec<_> = u.iter().map(|&v| (v, 1.0)).collect();
        lp.add_constraint(all.as_slice(), ComparisonOp::Eq, 1.0);
    }
    let sign = |i: usize| if y[i] > 0.5 { 1.0 } else { -1.0 };
    let mut columns: Vec<Vec<(microlp::Variable, f64)>> = vec![Vec::new(); n + 1];
    for (i, row) in rows.iter().enumerate() {
        for &(j, v) in row {
            columns[j].push((u[i], sign(i) * v));
        }
    }
    for column in &columns {
        lp.add_constraint(column.as_slice(), ComparisonOp::Eq, 0.0);
    }
    let solution = match lp.solve() {
        Ok(microlp::SolveOutcome::Solution(solution)) => solution,
        Ok(microlp::SolveOutcome::Interrupted(_)) => {
            return Err(Unchecked::Solver("the time limit came first".into()));
        }
        Err(microlp::Error::Infeasible) => return Ok(false),
        Err(e) => return Err(Unchecked::Solver(e.to_string())),
    };
    let values: Vec<f64> = u.iter().map(|&v| solution.var_value(v)).collect();
    // Each Σ_i u_i s_i x̃_ij must vanish relative to Σ_i u_i |x̃_ij|.
    let mut sums = vec![(0.0, 0.0); n + 1];
    for (i, row) in rows.iter().enumerate() {
        for &(j, v) in row {
            sums[j].0 += values[i] * sign(i) * v;
            sums[j].1 += values[i] * v.abs();
        }
    }
    if values.iter().all(|&v| v >= lower - 1e-9) && sums.iter().all(|&(s, a)| s.abs() <= 1e-7 * a) {
        Ok(true)
    } else {
        Err(Unchecked::Solver(
            "the solution of the overlap program did not check out in f64".into(),
        ))
    }
}

/// Each row's non-zeros in standardised coordinates, with the intercept as column n.
fn standardised_rows(x: &dyn Design, scaling: &Standardization) -> Vec<Vec<(usize, f64)>> {
    let n = x.n_features();
    let centred = !x.is_sparse() && !scaling.mean.iter().all(|&m| m == 0.0);
    (0..x.n_rows())
        .map(|i| {
            let mut row = Vec::new();
            if centred {
                for (j, v) in x.row_values(i).into_iter().enumerate() {
                    let v = (v - scaling.mean[j]) / scaling.scale[j];
                    if v != 0.0 {
                        row.push((j, v));
                    }
                }
            } else {
                x.for_each_nonzero(i, &mut |j, v| row.push((j, v / scaling.scale[j])));
            }
            row.push((n, 1.0));
            row
        })
        .collect()
}

/// Checks the LP's direction `b` in f64: no row misclassified beyond rounding, and counts the
/// rows it predicts perfectly.
fn verify(rows: &[Vec<(usize, f64)>], y: &[f64], b: &[f64]) -> Option<Separation> {
    let n = b.len() - 1;
    let mut separated = 0;
    for (row, &yi) in rows.iter().zip(y) {
        let sign = if yi > 0.5 { 1.0 } else { -1.0 };
        let (margin, size) = row.iter().fold((0.0, 0.0), |(s, a), &(j, v)| {
            (s + sign * v * b[j], a + (v * b[j]).abs())
        });
        if margin < -1e-9 * size.max(1.0) {
            return None; // not a separating direction after all
        }
        if margin >= 0.5 * MARGIN {
            separated += 1;
        }
    }
    if separated == 0 {
        return None;
    }
    let diverging: Vec<usize> = (0..n).filter(|&j| b[j].abs() > 1e-9).collect();
    Some(Separation {
        kind: if separated == rows.len() {
            SeparationKind::Complete
        } else {
            SeparationKind::Quasi
        },
        rows_separated: separated,
        rows: rows.len(),
        diverging,
        bias_diverges: b[n].abs() > 1e-9,
        direction: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::DenseMatrix;

    fn check(x: Vec<f64>, y: &[f64]) -> Option<Separation> {
        let m = y.len();
        let x = DenseMatrix::from_row_major(x, m, 1);
        let scaling = Standardization::fit(&x);
        detect(&x, y, &scaling).unwrap()
    }

    #[test]
    fn overlapping_classes_have_an_estimate() {
        assert_eq!(check(vec![1.0, 2.0, 3.0, 4.0], &[0.0, 1.0, 0.0, 1.0]), None);
    }

    #[test]
    fn a_threshold_that_splits_the_classes_is_complete_separation() {
        let s = check(vec![1.0, 2.0, 3.0, 4.0], &[0.0, 0.0, 1.0, 1.0]).unwrap();
        assert_eq!(s.kind, SeparationKind::Complete);
        assert_eq!(s.rows_separated, 4);
        assert_eq!(s.diverging, vec![0]);
    }

    #[test]
    fn classes_that_meet_at_one_value_are_quasi_separated() {
        // x ≤ 2 is class 0 except at x = 2, where both classes occur: the rows at x = 1 and
        // x = 3 are predicted perfectly by a boundary at x = 2, the two rows at x = 2 are not.
        let s = check(vec![1.0, 2.0, 2.0, 3.0], &[0.0, 0.0, 1.0, 1.0]).unwrap();
        assert_eq!(s.kind, SeparationKind::Quasi);
        assert_eq!(s.rows_separated, 2);
        assert_eq!(s.diverging, vec![0]);
    }
}
