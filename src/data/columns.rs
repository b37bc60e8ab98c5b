//! A column view of X, compressed by columns (CSC), for coordinate descent: column j's rows and
//! values lie together, so one coordinate's update reads only its own column.
//!
//! Sparse storage keeps its non-zeros. Dense storage keeps every entry, zeros included: the
//! solver centres dense columns (x_ij − μ_j), which makes a stored zero non-zero. Values are
//! kept in f32, as the data usually are; the view only steers Newton directions (see
//! [`crate::solver::coordinate_descent`]), while J, ∇J and the certificate are always computed
//! on the data as stored.

use super::Design;
use crate::gram::BLOCK_ROWS;

/// X by columns.
pub struct Columns {
    /// Column j is `rows[indptr[j]..indptr[j + 1]]` with its `values`.
    indptr: Vec<usize>,
    rows: Vec<u32>,
    values: Vec<f32>,
}

impl Columns {
    /// The column view of `x` (sparse: its non-zeros; dense: every entry).
    pub fn new(x: &dyn Design) -> Self {
        let (m, n) = (x.n_rows(), x.n_features());
        assert!(
            u32::try_from(m).is_ok(),
            "at most 2³² rows in a column view"
        );
        if !x.is_sparse() {
            let mut values = vec![0.0f32; m * n];
            let all: Vec<usize> = (0..n).collect();
            let mut block = vec![0.0; BLOCK_ROWS * n];
            let mut start = 0;
            while start < m {
                let end = (start + BLOCK_ROWS).min(m);
                x.gather(start..end, &all, &mut block);
                for (r, row) in block[..(end - start) * n].chunks_exact(n).enumerate() {
                    for (j, &v) in row.iter().enumerate() {
                        values[j * m + start + r] = v as f32;
                    }
                }
                start = end;
            }
            return Columns {
                indptr: (0..=n).map(|j| j * m).collect(),
                rows: (0..n).flat_map(|_| 0..m as u32).collect(),
                values,
            };
        }
        let mut counts = vec![0usize; n + 1];
        for i in 0..m {
            x.for_each_nonzero(i, &mut |j, _| counts[j + 1] += 1);
        }
        for j in 0..n {
            counts[j + 1] += counts[j];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let nnz = indptr[n];
        let (mut rows, mut values) = (vec![0u32; nnz], vec![0.0f32; nnz]);
        for i in 0..m {
            x.for_each_nonzero(i, &mut |j, v| {
                rows[next[j]] = i as u32;
                values[next[j]] = v as f32;
                next[j] += 1;
            });
        }
        Columns {
            indptr,
            rows,
            values,
        }
    }

    /// Column j: its rows (ascending) and values.
    pub fn column(&self, j: usize) -> (&[u32], &[f32]) {
        let range = self.indptr[j]..self.indptr[j + 1];
        (&self.rows[range.clone()], &self.values[range])
    }

    /// The bytes the view holds.
    pub fn bytes(&self) -> usize {
        self.indptr.len() * 8 + self.rows.len() * 4 + self.values.len() * 4
    }
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
        let d = Columns::new(&dense);
        assert_eq!(d.column(1), (&[0u32, 1][..], &[0.0f32, 3.0][..]));
        let s = Columns::new(&sparse);
        assert_eq!(s.column(0), (&[0u32][..], &[1.0f32][..]));
        assert_eq!(s.column(1), (&[1u32][..], &[3.0f32][..]));
        assert_eq!(s.column(2), (&[0u32][..], &[2.0f32][..]));
    }
}
