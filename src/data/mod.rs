//! Datasets: feature storage behind one kernel interface, labels, and file formats.
//!
//! A [`Dataset`] is the matrix X (m rows, n features), the labels y ∈ {0, 1}, the feature names
//! and the mapping from the file's two label values to 0 and 1. Solvers and metrics see X only
//! through [`Design`], the two kernels of the lesson's vectorised passes, so dense and (later)
//! sparse storage share every solver.

pub mod csv;
pub mod dense;
pub mod labels;
pub mod source;
pub mod sparse;
pub mod split;

use std::ops::Range;
use std::path::{Path, PathBuf};

pub use dense::{DenseMatrix, Element};
pub use labels::LabelMap;
pub use sparse::CsrMatrix;

/// The operations on X that the objective, the solvers and prediction use.
pub trait Design: Sync {
    fn n_rows(&self) -> usize;
    fn n_features(&self) -> usize;
    /// out[k] = x_{rows.start + k} · w for every row in `rows`.
    fn dots(&self, rows: Range<usize>, w: &[f64], out: &mut [f64]);
    /// g += Σ_k coef[k] · x_{rows.start + k}.
    fn add_rows(&self, rows: Range<usize>, coef: &[f64], g: &mut [f64]);
    /// g_j += Σ_k coef[k]·(x_ij − shift_j)² over the rows i in `rows` (column variances, the
    /// Hessian's diagonal); no shift means zero.
    fn add_squared_rows(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
    );
    /// Row i as a dense vector (for `explain` and tests).
    fn row_values(&self, i: usize) -> Vec<f64>;
    /// The storage element type, "f32" or "f64".
    fn precision(&self) -> &'static str;
    /// Does the storage keep only non-zeros (so centering would destroy its sparsity)?
    fn is_sparse(&self) -> bool {
        false
    }
}

/// How feature values are stored in memory. Sums are always f64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Single precision: half the memory and memory traffic.
    #[default]
    F32,
    /// Double precision.
    F64,
}

/// Feature storage, one variant per layout and element type.
#[derive(Debug, Clone, PartialEq)]
pub enum Features {
    Dense32(DenseMatrix<f32>),
    Dense64(DenseMatrix<f64>),
    Sparse32(CsrMatrix<f32>),
    Sparse64(CsrMatrix<f64>),
}

impl Features {
    /// The kernels over this storage.
    pub fn design(&self) -> &dyn Design {
        match self {
            Features::Dense32(m) => m,
            Features::Dense64(m) => m,
            Features::Sparse32(m) => m,
            Features::Sparse64(m) => m,
        }
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Features {
        match self {
            Features::Dense32(m) => Features::Dense32(m.select_rows(indices)),
            Features::Dense64(m) => Features::Dense64(m.select_rows(indices)),
            Features::Sparse32(m) => Features::Sparse32(m.select_rows(indices)),
            Features::Sparse64(m) => Features::Sparse64(m.select_rows(indices)),
        }
    }

    /// Stored entries over all entries: 1 for dense storage.
    pub fn density(&self) -> f64 {
        let d = self.design();
        let all = (d.n_rows() * d.n_features()).max(1) as f64;
        match self {
            Features::Dense32(_) | Features::Dense64(_) => 1.0,
            Features::Sparse32(m) => m.nnz() as f64 / all,
            Features::Sparse64(m) => m.nnz() as f64 / all,
        }
    }

    /// Dense storage as CSR when at most `threshold` of its entries are non-zero: the sparse
    /// kernels then read less memory than the dense ones.
    pub fn sparsify_if_below(self, threshold: f64) -> Features {
        let nonzero_fraction = |values: &dyn Fn() -> (usize, usize)| {
            let (nz, all) = values();
            nz as f64 <= threshold * all.max(1) as f64
        };
        match self {
            Features::Dense32(m) if nonzero_fraction(&|| m.count_nonzero()) => {
                Features::Sparse32(CsrMatrix::from_dense(&m))
            }
            Features::Dense64(m) if nonzero_fraction(&|| m.count_nonzero()) => {
                Features::Sparse64(CsrMatrix::from_dense(&m))
            }
            other => other,
        }
    }
}

/// Training or evaluation data: X, y and what the columns and labels mean.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file the data came from (for messages).
    pub source: PathBuf,
    pub features: Features,
    /// One entry per row: 1.0 for the positive class, 0.0 for the negative class.
    pub y: Vec<f64>,
    pub feature_names: Vec<String>,
    /// The name of the target column.
    pub target: String,
    pub labels: LabelMap,
}

impl Dataset {
    pub fn n_rows(&self) -> usize {
        self.y.len()
    }

    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    pub fn design(&self) -> &dyn Design {
        self.features.design()
    }

    pub fn path(&self) -> &Path {
        &self.source
    }

    /// The rows at `indices` as a new dataset with the same columns and labels.
    pub fn select_rows(&self, indices: &[usize]) -> Dataset {
        Dataset {
            source: self.source.clone(),
            features: self.features.select_rows(indices),
            y: indices.iter().map(|&i| self.y[i]).collect(),
            feature_names: self.feature_names.clone(),
            target: self.target.clone(),
            labels: self.labels.clone(),
        }
    }
}
