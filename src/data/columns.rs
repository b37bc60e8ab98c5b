//! A column view of X, compressed by columns (CSC), for coordinate descent: column j's rows and
//! values lie together, so one coordinate's update reads only its own column. The view holds
//! only the columns asked for (a working set), so its memory follows the features in play.
//!
//! Sparse storage keeps its non-zeros. Dense storage keeps every entry, zeros included: the
//! solver centres dense columns (x_ij − μ_j), which makes a stored zero non-zero. Values are
//! kept in f32, as the data usually are; the view only steers Newton directions (see
//! [`crate::solver::coordinate_descent`]), while J, ∇J and the certificate are always computed
//! on the data as stored.

use super::Design;
use crate::gram::BLOCK_ROWS;

/// Some columns of X.
pub struct Columns {
    /// The columns held, ascending.
    features: Vec<usize>,
    /// Where feature j is held (u32::MAX: not held).
    slot: Vec<u32>,
    /// Held column c is `rows[indptr[c]..indptr[c + 1]]` with its `values`.
    indptr: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f32>,
}

impl Columns {
    /// The columns `features` (ascending) of `x` (sparse: their non-zeros; dense: every
    /// entry), in one sweep over the rows.
    pub fn new(x: &dyn Design, features: &[usize]) -> Self {
        let (m, n) = (x.n_rows(), x.n_features());
        assert!(
            u32::try_from(m).is_ok(),
            "at most 2³² rows in a column view"
        );
        let width = features.len();
        let mut slot = vec![u32::MAX; n];
        for (c, &j) in features.iter().enumerate() {
            slot[j] = c as u32;
        }
        let features = features.to_vec();
        if !x.is_sparse() {
            let mut values = vec![0.0f32; m * width];
            let mut block = vec![0.0; BLOCK_ROWS * width];
            let mut start = 0;
            while start < m && width > 0 {
                let end = (start + BLOCK_ROWS).min(m);
                x.gather(start..end, &features, &mut block);
                for (r, row) in block[..(end - start) * width]
                    .chunks_exact(width)
                    .enumerate()
                {
                    for (c, &v) in row.iter().enumerate() {
                        values[c * m + start + r] = v as f32;
                    }
                }
                start = end;
            }
            return Columns {
                features,
                slot,
                indptr: (0..=width).map(|c| c * m).collect(),
                rows: (0..width).flat_map(|_| 0..m as u32).collect(),
                values,
            };
        }
        let (indptr, rows, values) = x.columns_of(&slot, width);
        Columns {
            features,
            slot,
            indptr,
            rows,
            values,
        }
    }

    /// Does the view hold column j?
    pub fn holds(&self, j: usize) -> bool {
        self.slot[j] != u32::MAX
    }

    /// The columns held.
    pub fn features(&self) -> &[usize] {
        &self.features
    }

    /// Column j (which the view must hold): its rows (ascending) and values.
    pub fn column(&self, j: usize) -> (&[u32], &[f32]) {
        let c = self.slot[j] as usize;
        let range = self.indptr[c]..self.indptr[c + 1];
        (&self.rows[range.clone()], &self.values[range])
    }

    /// The entries of column j (held).
    pub fn entries(&self, j: usize) -> usize {
        let c = self.slot[j] as usize;
        self.indptr[c + 1] - self.indptr[c]
    }

    /// The bytes the view holds.
    pub fn bytes(&self) -> usize {
        self.slot.len() * 4 + self.indptr.len() * 8 + self.rows.len() * 4 + self.values.len() * 4
    }
}

/// The stored entries of the columns with `slot[j] < width` (column j held as number
/// `slot[j]`), in CSC form, from rows that `row(i)` lists as (column, value) in column order:
/// one sweep to count, one to fill.
pub(crate) fn by_columns<I: Iterator<Item = (usize, f64)>>(
    m: usize,
    slot: &[u32],
    width: usize,
    row: impl Fn(usize) -> I,
) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
    let mut counts = vec![0usize; width + 1];
    for i in 0..m {
        for (j, _) in row(i) {
            let c = slot[j];
            if c != u32::MAX {
                counts[c as usize + 1] += 1;
            }
        }
    }
    for c in 0..width {
        counts[c + 1] += counts[c];
    }
    let indptr = counts.clone();
    let mut next = counts;
    let nnz = indptr[width];
    let (mut rows, mut values) = (vec![0u32; nnz], vec![0.0f32; nnz]);
    for i in 0..m {
        for (j, v) in row(i) {
            let c = slot[j];
            if c != u32::MAX {
                let at = &mut next[c as usize];
                rows[*at] = i as u32;
                values[*at] = v as f32;
                *at += 1;
            }
        }
    }
    (indptr, rows, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{CsrMatrix, DenseMatrix};

    #[test]
    fn columns_hold_the_entries_of_dense_and_sparse_storage() {
        let values = vec![1.0f32, 0.0, 2.0, 0.0, 3.0, 0.0];
        let dense = DenseMatrix::from_row_major(values, 2, 3);
        let sparse = CsrMatrix::from_dense(&dense);
        let d = Columns::new(&dense, &[0, 1, 2]);
        assert_eq!(d.column(1), (&[0u32, 1][..], &[0.0f32, 3.0][..]));
        let s = Columns::new(&sparse, &[0, 1, 2]);
        assert_eq!(s.column(0), (&[0u32][..], &[1.0f32][..]));
        assert_eq!(s.column(1), (&[1u32][..], &[3.0f32][..]));
        assert_eq!(s.column(2), (&[0u32][..], &[2.0f32][..]));
        let part = Columns::new(&sparse, &[2]);
        assert!(part.holds(2) && !part.holds(0));
        assert_eq!(part.column(2), (&[0u32][..], &[2.0f32][..]));
        let part = Columns::new(&dense, &[1]);
        assert_eq!(part.column(1), (&[0u32, 1][..], &[0.0f32, 3.0][..]));
    }
}
