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
//! f64, and then the MLE exists. It is first tried on an evenly spaced sample of the rows: if
//! the sample overlaps in this sense and its columns have full rank, the MLE exists for all the
//! rows (see [`detect`]), so large data with overlapping classes, the usual case, are decided
//! from a few thousand rows. Only when the program is infeasible are the data separated,
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
use crate::parallel;
use crate::standardize::Standardization;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The margin τ, in standardised units, that a row must clear to count as strictly correct.
const MARGIN: f64 = 1e-6;

/// The most rows × (features + 1) the linear programs over every row are built for (at
/// 1,000,000 the check took about a second and 100 MB here; at 4,000,000, 4 s and 400 MB);
/// larger problems the sample does not settle are not checked, and the solvers' own test,
/// every row correct at an iterate, is all that catches separation there.
pub const MAX_ENTRIES: usize = 1_000_000;

/// The most entries for which a direction is computed when the separation is complete (for
/// 1,924 × 500 text it took 2.6 s); beyond, only the kind is reported.
pub const DIRECTION_MAX_ENTRIES: usize = 250_000;

/// Rows in the evenly spaced sample whose overlap, with full rank, proves the MLE exists
/// without a program over every row (at least ten per coefficient).
const SAMPLE_ROWS: usize = 2_000;

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
    Layout {
        x,
        y,
        scaling,
        classes: None,
        kept: (0..x.n_rows()).collect(),
    }
    .decide()
}

/// The same over the rows in `kept` (those of non-zero weight), for one sigmoid neuron
/// (`classes` None, labels 0 or 1) or K softmax neurons (labels 0, …, K − 1). For K neurons the
/// multinomial MLE does not exist exactly when some direction (β_1, …, β_K), not constant
/// across the classes, has (β_{y_i} − β_k)·x̃_i ≥ 0 for every row i and class k ≠ y_i: the
/// binary problem over the m(K − 1) rows (e_{y_i} − e_k) ⊗ x̃_i, all of label 1, with β_K
/// held at 0 (adding one vector to every β_k changes no row, so that loses nothing). A data
/// row counts as predicted perfectly when all its K − 1 rows are strictly separated.
pub fn detect_in(
    x: &dyn Design,
    y: &[f64],
    classes: Option<usize>,
    scaling: &Standardization,
    kept: Vec<usize>,
) -> Result<Option<Separation>, Unchecked> {
    Layout {
        x,
        y,
        scaling,
        classes,
        kept,
    }
    .decide()
}

/// The rows of the linear programs: one per data row (binary), or K − 1 per data row.
struct Layout<'a> {
    x: &'a dyn Design,
    y: &'a [f64],
    scaling: &'a Standardization,
    /// K for K softmax neurons; None for one sigmoid neuron.
    classes: Option<usize>,
    /// The data rows that take part (those of non-zero weight), in order.
    kept: Vec<usize>,
}

impl Layout<'_> {
    /// Coordinates of the direction: n + 1, or (K − 1)(n + 1).
    fn dim(&self) -> usize {
        let block = self.x.n_features() + 1;
        self.classes.map_or(block, |k| (k - 1) * block)
    }

    /// Program rows per data row.
    fn per_row(&self) -> usize {
        self.classes.map_or(1, |k| k - 1)
    }

    /// The size of the programs over `rows` data rows, counted as for dense rows of the binary
    /// problem: program rows × coordinates each touches.
    fn entries(&self, rows: usize) -> usize {
        let block = self.x.n_features() + 1;
        let touched = if self.classes.is_some() {
            2 * block
        } else {
            block
        };
        rows.saturating_mul(self.per_row()).saturating_mul(touched)
    }

    /// The program rows of data rows `picked` and their labels.
    fn rows(&self, picked: &[usize]) -> (Vec<Vec<(usize, f64)>>, Vec<f64>) {
        let base = standardised_rows(self.x, self.scaling, picked.iter().copied());
        let Some(k) = self.classes else {
            return (base, picked.iter().map(|&i| self.y[i]).collect());
        };
        let block = self.x.n_features() + 1;
        let mut rows = Vec::with_capacity(picked.len() * (k - 1));
        for (row, &i) in base.iter().zip(picked) {
            let c = self.y[i] as usize;
            for other in (0..k).filter(|&o| o != c) {
                let mut r = Vec::with_capacity(2 * row.len());
                if c < k - 1 {
                    r.extend(row.iter().map(|&(j, v)| (c * block + j, v)));
                }
                if other < k - 1 {
                    r.extend(row.iter().map(|&(j, v)| (other * block + j, -v)));
                }
                rows.push(r);
            }
        }
        let labels = vec![1.0; rows.len()];
        (rows, labels)
    }

    /// Which coordinates are non-zero in some row.
    fn active(&self) -> Vec<bool> {
        let columns = nonzero_columns(self.x, self.scaling);
        match self.classes {
            None => columns,
            Some(k) => columns.repeat(k - 1),
        }
    }

    fn decide(&self) -> Result<Option<Separation>, Unchecked> {
        let m = self.kept.len();
        let dim = self.dim();
        // A sample of the rows that overlaps, and whose columns have full rank, proves that the
        // MLE exists for all of them: a β with s_i x̃_iᵀβ ≥ 0 on every row would have it on the
        // sample, where Σ u_i s_i x̃_iᵀβ = 0 with u > 0 makes each term 0, and full rank then
        // β = 0.
        let sample = SAMPLE_ROWS.max(10 * dim);
        if m > sample && self.entries(sample) <= MAX_ENTRIES {
            let picked: Vec<usize> = (0..sample).map(|k| self.kept[k * m / sample]).collect();
            let (rows, labels) = self.rows(&picked);
            if full_rank(&rows, &self.active())
                && overlap(&rows, &labels, dim - 1, Strictly::Every)?
            {
                return Ok(None);
            }
        }
        if self.entries(m) > MAX_ENTRIES {
            return Err(Unchecked::TooLarge);
        }
        let (rows, labels) = self.rows(&self.kept);
        // Separated, completely unless some u ≥ 0, u ≠ 0 has Σ_i u_i s_i x̃_i = 0 (Gordan). When
        // the simplex's answer does not check out (degenerate programs, such as the pairs of K
        // classes, can fool it), a direction that separates some rows, checked in f64, is still
        // a proof, and says itself whether it separates every row; without one the data stay
        // unchecked.
        let (complete, doubt) = match overlap(&rows, &labels, dim - 1, Strictly::Every) {
            Ok(true) => return Ok(None),
            Ok(false) => match overlap(&rows, &labels, dim - 1, Strictly::Some) {
                Ok(some) => (!some, None),
                Err(e) => (false, Some(e)),
            },
            Err(e) => (false, Some(e)),
        };
        if complete && self.entries(m) > DIRECTION_MAX_ENTRIES {
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
        let b = direction(&rows, &labels, dim - 1, complete)?;
        let Some(strict) = verify(&rows, &labels, &b) else {
            return match doubt {
                Some(e) => Err(e),
                None => Ok(None),
            };
        };
        // Back to data rows and to features: coordinate j of any class block is feature j.
        let per_row = self.per_row();
        let separated = strict
            .chunks(per_row)
            .filter(|pairs| pairs.iter().all(|&s| s))
            .count();
        let n = self.x.n_features();
        let mut diverging: Vec<usize> = (0..dim)
            .filter(|&j| b[j].abs() > 1e-9 && j % (n + 1) < n)
            .map(|j| j % (n + 1))
            .collect();
        diverging.sort_unstable();
        diverging.dedup();
        let all = strict.iter().all(|&s| s);
        Ok(Some(Separation {
            kind: if all {
                SeparationKind::Complete
            } else {
                SeparationKind::Quasi
            },
            rows_separated: separated,
            rows: m,
            diverging,
            bias_diverges: (0..dim).any(|j| b[j].abs() > 1e-9 && j % (n + 1) == n),
            direction: true,
        }))
    }
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
fn standardised_rows(
    x: &dyn Design,
    scaling: &Standardization,
    rows: impl Iterator<Item = usize>,
) -> Vec<Vec<(usize, f64)>> {
    let n = x.n_features();
    let centred = !x.is_sparse() && !scaling.mean.iter().all(|&m| m == 0.0);
    rows.map(|i| {
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

/// Which coordinates of x̃ (and the intercept, last) are non-zero in some row: one pass.
fn nonzero_columns(x: &dyn Design, scaling: &Standardization) -> Vec<bool> {
    let (m, n) = (x.n_rows(), x.n_features());
    let centred = !x.is_sparse() && !scaling.mean.iter().all(|&mu| mu == 0.0);
    let shift = centred.then_some(&scaling.mean[..]);
    let ones = vec![1.0; m];
    let squares = parallel::map_reduce(
        m,
        |rows| {
            let mut g = vec![0.0; n];
            x.add_squared_rows(rows.clone(), &ones[rows], shift, &mut g);
            g
        },
        parallel::add_into,
    );
    let mut active: Vec<bool> = squares.iter().map(|&q| q > 0.0).collect();
    active.push(true);
    active
}

/// Does the Gram matrix Σ_i x̃_i x̃_iᵀ of these rows have full rank on the coordinates in
/// `active` (the others are zero in every row of the data and play no part in separation)?
/// A Cholesky factorisation in f64 whose every pivot keeps more than 1e-9 of its diagonal entry
/// (the columns are standardised, so the entries are comparable); a column closer than that to
/// the span of the others counts as dependent, which only costs the fast proof.
fn full_rank(rows: &[Vec<(usize, f64)>], active: &[bool]) -> bool {
    // Positions of the active coordinates in the Gram matrix.
    let mut position = vec![usize::MAX; active.len()];
    let mut dim = 0;
    for (j, _) in active.iter().enumerate().filter(|(_, a)| **a) {
        position[j] = dim;
        dim += 1;
    }
    let mut g = vec![0.0; dim * dim];
    for row in rows {
        for &(p, u) in row {
            for &(q, v) in row {
                let (p, q) = (position[p], position[q]);
                if p != usize::MAX && q != usize::MAX && q <= p {
                    g[p * dim + q] += u * v;
                }
            }
        }
    }
    for p in 0..dim {
        for q in 0..=p {
            let mut s = g[p * dim + q];
            for k in 0..q {
                s -= g[p * dim + k] * g[q * dim + k];
            }
            if p == q {
                let diagonal = g[p * dim + p];
                if s.is_nan() || s <= 1e-9 * diagonal {
                    return false;
                }
                g[p * dim + p] = s.sqrt();
            } else {
                g[p * dim + q] = s / g[q * dim + q];
            }
        }
    }
    true
}

/// Checks the LP's direction `b` in f64: no row misclassified beyond rounding. Returns which
/// rows it predicts perfectly (strictly correct by the margin), or None if it is not a
/// separating direction or separates no row.
fn verify(rows: &[Vec<(usize, f64)>], y: &[f64], b: &[f64]) -> Option<Vec<bool>> {
    let mut strict = Vec::with_capacity(rows.len());
    for (row, &yi) in rows.iter().zip(y) {
        let sign = if yi > 0.5 { 1.0 } else { -1.0 };
        let (margin, size) = row.iter().fold((0.0, 0.0), |(s, a), &(j, v)| {
            (s + sign * v * b[j], a + (v * b[j]).abs())
        });
        if margin < -1e-9 * size.max(1.0) {
            return None; // not a separating direction after all
        }
        strict.push(margin >= 0.5 * MARGIN);
    }
    strict.contains(&true).then_some(strict)
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

    /// m rows of two columns: a noisy predictor and a rare indicator that is 1 in `rare` rows,
    /// all of class 1; labels from a fixed pseudo-random sequence.
    fn rare_indicator(m: usize, rare: &[usize]) -> (DenseMatrix<f64>, Vec<f64>) {
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut x = Vec::with_capacity(2 * m);
        let mut y = Vec::with_capacity(m);
        for i in 0..m {
            let u = next();
            x.push(u);
            x.push(if rare.contains(&i) { 1.0 } else { 0.0 });
            y.push(if rare.contains(&i) || next() < 0.3 + 0.4 * u {
                1.0
            } else {
                0.0
            });
        }
        (DenseMatrix::from_row_major(x, m, 2), y)
    }

    #[test]
    fn a_sample_proves_overlap_beyond_the_size_of_the_full_program() {
        // 600,000 × 3 entries: more than MAX_ENTRIES, decided from the sample alone.
        let (x, y) = rare_indicator(600_000, &[]);
        let scaling = Standardization::fit(&x);
        assert_eq!(detect(&x, &y, &scaling), Ok(None));
    }

    #[test]
    fn a_sample_that_misses_a_rare_column_falls_back_to_every_row() {
        // The indicator is 1 in three rows, none of them in the evenly spaced sample (whose
        // column is then all zero: not of full rank), and all of class 1: quasi-separation.
        let (x, y) = rare_indicator(5_000, &[1, 2, 3]);
        let scaling = Standardization::fit(&x);
        let s = detect(&x, &y, &scaling).unwrap().unwrap();
        assert_eq!(s.kind, SeparationKind::Quasi);
        assert_eq!(s.rows_separated, 3);
        assert_eq!(s.diverging, vec![1]);
    }

    #[test]
    fn a_dependent_column_is_not_full_rank() {
        let rows = |third: f64| -> Vec<Vec<(usize, f64)>> {
            (0..5)
                .map(|i| {
                    let a = i as f64;
                    vec![
                        (0, a),
                        (1, a * a),
                        (2, 2.0 * a + third * a * a * a),
                        (3, 1.0),
                    ]
                })
                .collect()
        };
        let all = [true; 4];
        assert!(full_rank(&rows(1.0), &all));
        assert!(!full_rank(&rows(0.0), &all), "column 2 = 2 × column 0");
        // Without the dependent column, the rest have full rank.
        assert!(full_rank(&rows(0.0), &[true, true, false, true]));
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

#[cfg(test)]
mod classes_tests {
    use super::*;
    use crate::data::DenseMatrix;

    #[test]
    fn a_class_apart_is_quasi_separation_of_the_classes() {
        // Class 0 at x < 0, classes 1 and 2 mixed at x > 0.
        let x = vec![-3.0, -2.0, -1.5, 1.0, 2.0, 3.0, 1.5, 2.5, 3.5, 1.2];
        let y = vec![0.0, 0.0, 0.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 2.0];
        let m = DenseMatrix::from_row_major(x, 10, 1);
        let scaling = Standardization::fit(&m);
        let found = detect_in(&m, &y, Some(3), &scaling, (0..10).collect());
        println!("{found:?}");
        let found = found.unwrap().expect("separated");
        assert_eq!(found.kind, SeparationKind::Quasi);
        assert_eq!(found.rows_separated, 3);
    }
}
