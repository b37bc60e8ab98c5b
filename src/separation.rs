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
//! Konis ("Linear programming algorithms for detecting separated data in binary logistic
//! regression models", DPhil thesis, Oxford, 2007; R's `detectseparation`) finds such β by a
//! linear program. The one here also counts the rows that some direction predicts perfectly:
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

/// The most rows × (features + 1) the linear program is built for; larger problems are not
/// checked (the solvers' own test, every row correct, still catches complete separation).
pub const MAX_ENTRIES: usize = 4_000_000;

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
    let mut lp = Problem::new(OptimizationDirection::Maximize);
    lp.set_time_limit(TIME_LIMIT);
    let beta: Vec<_> = (0..=n).map(|_| lp.add_var(0.0, (-1.0, 1.0))).collect();
    for (i, row) in rows.iter().enumerate() {
        let t = lp.add_var(1.0, (0.0, 1.0));
        let sign = if y[i] > 0.5 { 1.0 } else { -1.0 };
        let mut terms: Vec<_> = row.iter().map(|&(j, v)| (beta[j], sign * v)).collect();
        terms.push((t, -MARGIN));
        lp.add_constraint(terms.as_slice(), ComparisonOp::Ge, 0.0);
    }
    let outcome = lp
        .solve()
        .map_err(|e| Unchecked::Solver(e.to_string()))?;
    let microlp::SolveOutcome::Solution(solution) = outcome else {
        return Err(Unchecked::Solver("the time limit came first".into()));
    };
    let b: Vec<f64> = beta.iter().map(|&v| solution.var_value(v)).collect();
    Ok(verify(&rows, y, &b))
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
