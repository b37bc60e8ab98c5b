//! Datasets: feature storage behind one kernel interface, labels, and file formats.
//!
//! A [`Dataset`] is the matrix X (m rows, n features), the labels y ∈ {0, 1}, the feature names
//! and the mapping from the file's two label values to 0 and 1. Solvers and metrics see X only
//! through [`Design`], the two kernels of the lesson's vectorised passes, so dense and (later)
//! sparse storage share every solver.
//!
//! [`load_training`] and [`load_for_model`] read any supported format ([`Format`]), detected
//! from the file name unless given.

pub mod columns;
pub mod csv;
pub mod dense;
pub mod encoding;
pub mod labels;
pub mod libsvm;
pub mod mixed;
mod multi;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod source;
pub mod sparse;
pub mod split;

use std::ops::Range;
use std::path::{Path, PathBuf};

pub use dense::{DenseMatrix, Element};
pub use labels::{DEFAULT_MAX_CLASSES, LabelMap, MAX_CLASSES_LIMIT};
pub use mixed::MixedMatrix;
pub use sparse::CsrMatrix;

/// The operations on X that the objective, the solvers and prediction use.
pub trait Design: Sync {
    fn n_rows(&self) -> usize;
    fn n_features(&self) -> usize;
    /// out\[k\] = x_{rows.start + k} · w for every row in `rows`.
    fn dots(&self, rows: Range<usize>, w: &[f64], out: &mut [f64]);
    /// g += Σ_k coef\[k\] · x_{rows.start + k}.
    fn add_rows(&self, rows: Range<usize>, coef: &[f64], g: &mut [f64]);
    /// g_j += Σ_k coef\[k\]·(x_ij − shift_j)² over the rows i in `rows` (column variances, the
    /// Hessian's diagonal); no shift means zero.
    fn add_squared_rows(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
    );
    /// Both sums of a Newton pass over the same rows: g += Σ_k coef\[k\]·x_k (as
    /// [`Design::add_rows`]) and h_j += Σ_k curvature\[k\]·(x_kj − shift_j)² (as
    /// [`Design::add_squared_rows`]). Storage that can do both in one sweep over the rows
    /// overrides it.
    fn add_rows_and_squares(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        curvature: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
        h: &mut [f64],
    ) {
        add_rows_then_squares(self, rows, coef, curvature, shift, g, h);
    }
    /// K dot products per row: out\[r·K + k\] = x_{rows.start + r} · w_k, with the K weight
    /// vectors stored feature by feature, wt\[j·K + k\] = w_k,j (see the `multi` module). Storage that
    /// can read each row once overrides it; the default makes K passes of [`Design::dots`].
    fn dots_k(&self, rows: Range<usize>, wt: &[f64], k: usize, out: &mut [f64]) {
        dots_one_class_at_a_time(self, rows, wt, k, out);
    }
    /// g\[j·K + k\] += Σ_r coef\[r·K + k\] · x_rj: [`Design::add_rows`] for K columns at once.
    /// The default makes K passes of [`Design::add_rows`], each into zeroed sums that are then
    /// added to g.
    fn add_rows_k(&self, rows: Range<usize>, coef: &[f64], k: usize, g: &mut [f64]) {
        rows_one_class_at_a_time(self, rows, coef, k, g);
    }
    /// h\[j·K + k\] += Σ_r coef\[r·K + k\] · (x_rj − shift_j)²: [`Design::add_squared_rows`] for
    /// K columns at once.
    fn add_squares_k(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        k: usize,
        shift: Option<&[f64]>,
        h: &mut [f64],
    ) {
        squares_one_class_at_a_time(self, rows, coef, k, shift, h);
    }
    /// The values of columns `cols` (ascending) in rows `rows`, row by row:
    /// out\[r·|cols| + c\] = x_{rows.start + r, cols\[c\]}. Dense storage overrides the default,
    /// which looks each row's non-zeros up in `cols`.
    fn gather(&self, rows: Range<usize>, cols: &[usize], out: &mut [f64]) {
        let width = cols.len();
        out[..rows.len() * width].fill(0.0);
        for (r, i) in rows.enumerate() {
            let row = &mut out[r * width..(r + 1) * width];
            self.for_each_nonzero(i, &mut |j, v| {
                if let Ok(c) = cols.binary_search(&j) {
                    row[c] = v;
                }
            });
        }
    }
    /// The non-zeros of the columns with `slot[j] < width` in CSC form (pointers, rows, values
    /// in f32; see [`columns::Columns`]). Storage by rows overrides the default, which lists
    /// each row through [`Design::for_each_nonzero`].
    fn columns_of(&self, slot: &[u32], width: usize) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
        columns::by_columns(self.n_rows(), slot, width, |i| {
            let mut entries = Vec::new();
            self.for_each_nonzero(i, &mut |j, v| entries.push((j, v)));
            entries.into_iter()
        })
    }
    /// Row i as a dense vector (for `explain` and tests).
    fn row_values(&self, i: usize) -> Vec<f64>;
    /// Calls `f(j, x_ij)` for every non-zero of row i, in column order.
    fn for_each_nonzero(&self, i: usize, f: &mut dyn FnMut(usize, f64));
    /// The storage element type, "f32" or "f64".
    fn precision(&self) -> &'static str;
    /// The entries a pass reads: m·n for dense storage, the non-zeros for sparse.
    fn stored(&self) -> usize {
        self.n_rows() * self.n_features()
    }
    /// Does the storage keep only non-zeros (so centering would destroy its sparsity)?
    fn is_sparse(&self) -> bool {
        false
    }
}

/// [`Design::dots_k`] as K calls of [`Design::dots`], one weight vector gathered from `wt` at a
/// time: the trait's default, and the fallback of storage that has its own kernel only where
/// the CPU allows.
pub(crate) fn dots_one_class_at_a_time<D: Design + ?Sized>(
    x: &D,
    rows: Range<usize>,
    wt: &[f64],
    k: usize,
    out: &mut [f64],
) {
    let len = rows.len();
    let mut z = vec![0.0; len];
    let n = x.n_features();
    for c in 0..k {
        let w: Vec<f64> = (0..n).map(|j| wt[j * k + c]).collect();
        x.dots(rows.clone(), &w, &mut z);
        for (r, v) in z.iter().enumerate() {
            out[r * k + c] = *v;
        }
    }
}

/// [`Design::add_rows_k`] as K calls of [`Design::add_rows`]: the trait's default, and the
/// fallback of storage that has its own kernel only where the CPU allows.
pub(crate) fn rows_one_class_at_a_time<D: Design + ?Sized>(
    x: &D,
    rows: Range<usize>,
    coef: &[f64],
    k: usize,
    g: &mut [f64],
) {
    let n = x.n_features();
    one_class_at_a_time(rows.len(), n, coef, k, g, |cc, gc| {
        x.add_rows(rows.clone(), cc, gc)
    });
}

/// [`Design::add_squares_k`] as K calls of [`Design::add_squared_rows`]: the trait's default,
/// and the fallback of storage that fuses the K columns only where it can.
pub(crate) fn squares_one_class_at_a_time<D: Design + ?Sized>(
    x: &D,
    rows: Range<usize>,
    coef: &[f64],
    k: usize,
    shift: Option<&[f64]>,
    h: &mut [f64],
) {
    let n = x.n_features();
    one_class_at_a_time(rows.len(), n, coef, k, h, |cc, hc| {
        x.add_squared_rows(rows.clone(), cc, shift, hc)
    });
}

/// sums\[j·K + k\] += s_k\[j\] for every class k, where `sum(column k of coef, s_k)` adds a
/// one-class sum of n entries into the zeroed s_k (`len` rows of coef): the K-column kernels
/// one class at a time.
fn one_class_at_a_time(
    len: usize,
    n: usize,
    coef: &[f64],
    k: usize,
    sums: &mut [f64],
    mut sum: impl FnMut(&[f64], &mut [f64]),
) {
    for c in 0..k {
        let column: Vec<f64> = (0..len).map(|r| coef[r * k + c]).collect();
        let mut one = vec![0.0; n];
        sum(&column, &mut one);
        for (j, v) in one.iter().enumerate() {
            sums[j * k + c] += v;
        }
    }
}

/// [`Design::add_rows_and_squares`] as two sweeps, [`Design::add_rows`] then
/// [`Design::add_squared_rows`]: the trait's default, and the fallback of the storage types that
/// fuse the two where they can.
pub(crate) fn add_rows_then_squares<D: Design + ?Sized>(
    x: &D,
    rows: Range<usize>,
    coef: &[f64],
    curvature: &[f64],
    shift: Option<&[f64]>,
    g: &mut [f64],
    h: &mut [f64],
) {
    x.add_rows(rows.clone(), coef, g);
    x.add_squared_rows(rows, curvature, shift, h);
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
    /// Numeric columns beside categorical codes (see [`mixed`]).
    Mixed(Box<MixedMatrix>),
}

impl Features {
    /// The kernels over this storage.
    pub fn design(&self) -> &dyn Design {
        match self {
            Features::Dense32(m) => m,
            Features::Dense64(m) => m,
            Features::Sparse32(m) => m,
            Features::Sparse64(m) => m,
            Features::Mixed(m) => m.as_ref(),
        }
    }

    /// The rows at `indices`, in that order.
    pub fn select_rows(&self, indices: &[usize]) -> Features {
        match self {
            Features::Dense32(m) => Features::Dense32(m.select_rows(indices)),
            Features::Dense64(m) => Features::Dense64(m.select_rows(indices)),
            Features::Sparse32(m) => Features::Sparse32(m.select_rows(indices)),
            Features::Sparse64(m) => Features::Sparse64(m.select_rows(indices)),
            Features::Mixed(m) => Features::Mixed(Box::new(m.select_rows(indices))),
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
            Features::Mixed(m) => m.stored() / all,
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
            Features::Mixed(m) => Features::Mixed(Box::new(m.sparsify_numeric_if_below(threshold))),
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
    /// One entry per row: the class index (for two classes, 1.0 for the positive class and 0.0
    /// for the negative one).
    pub y: Vec<f64>,
    /// Row weights s_i ≥ 0 (finite, not all 0), from `--sample-weight`; None: all 1.
    pub weights: Option<Vec<f64>>,
    pub feature_names: Vec<String>,
    /// The name of the target column.
    pub target: String,
    pub labels: LabelMap,
    /// Columns of the file that are none of the above (`--ignore`, or outside `--features`):
    /// files for the model may hold them too.
    pub ignored: Vec<String>,
    /// How the file's columns became the features, when not one to one (categorical columns,
    /// missing cells): see [`encoding`].
    pub encoding: Option<encoding::Encoding>,
    /// Rows left out for missing cells (`--missing drop`).
    pub dropped_rows: usize,
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

    /// No rows, with this dataset's columns, target and classes (to build another dataset of
    /// the same layout).
    pub fn clone_schema(&self) -> Dataset {
        Dataset {
            source: self.source.clone(),
            features: self.features.select_rows(&[]),
            y: Vec::new(),
            weights: self.weights.as_ref().map(|_| Vec::new()),
            feature_names: self.feature_names.clone(),
            target: self.target.clone(),
            labels: self.labels.clone(),
            ignored: self.ignored.clone(),
            encoding: self.encoding.clone(),
            dropped_rows: 0,
        }
    }

    /// The rows at `indices` as a new dataset with the same columns and labels.
    pub fn select_rows(&self, indices: &[usize]) -> Dataset {
        Dataset {
            source: self.source.clone(),
            features: self.features.select_rows(indices),
            y: indices.iter().map(|&i| self.y[i]).collect(),
            weights: self
                .weights
                .as_ref()
                .map(|s| indices.iter().map(|&i| s[i]).collect()),
            feature_names: self.feature_names.clone(),
            target: self.target.clone(),
            labels: self.labels.clone(),
            ignored: self.ignored.clone(),
            encoding: self.encoding.clone(),
            dropped_rows: self.dropped_rows,
        }
    }
}

/// A data file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// LIBSVM / SVMlight `label index:value ...`.
    LibSvm,
    /// Apache Parquet (with the `parquet` cargo feature).
    Parquet,
}

impl Format {
    /// The format a file name implies: `.csv`; `.svm`, `.libsvm`, `.svmlight`; `.parquet`
    /// (each optionally followed by `.gz`). Anything else is read as CSV.
    pub fn from_path(path: &Path) -> Format {
        Format::named_by(path).unwrap_or(Format::Csv)
    }

    /// The format a file name names, if it names one: `.csv`; `.svm`, `.libsvm`, `.svmlight`;
    /// `.parquet`, `.pq` (each optionally followed by `.gz`; any case).
    pub fn named_by(path: &Path) -> Option<Format> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match name.rsplit('.').next() {
            Some("csv") => Some(Format::Csv),
            Some("svm" | "libsvm" | "svmlight") => Some(Format::LibSvm),
            Some("parquet" | "pq") => Some(Format::Parquet),
            _ => None,
        }
    }
}

/// How to read training data.
#[derive(Debug, Clone)]
pub struct LoadOptions<'a> {
    /// The format; detected from the file name when None.
    pub format: Option<Format>,
    /// The target column (CSV, Parquet); default `label`, else the last column.
    pub target: Option<&'a str>,
    /// The label value that is y = 1 (two classes only).
    pub positive: Option<&'a str>,
    pub precision: Precision,
    /// More distinct labels than this are an error (the target looks continuous). Default
    /// [`DEFAULT_MAX_CLASSES`].
    pub max_classes: usize,
    /// The column of row weights (CSV, Parquet), which is then not a feature.
    pub sample_weight: Option<&'a str>,
    /// Which columns are features (CSV, Parquet).
    pub selection: Selection<'a>,
    /// Categorical columns and missing cells (CSV).
    pub encode: encoding::EncodeOptions,
    /// The CSV field separator (default: told from the header line).
    pub delimiter: Option<u8>,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        LoadOptions {
            format: None,
            target: None,
            positive: None,
            precision: Precision::default(),
            max_classes: DEFAULT_MAX_CLASSES,
            sample_weight: None,
            selection: Selection::default(),
            encode: encoding::EncodeOptions::default(),
            delimiter: None,
        }
    }
}

/// Which columns of a file with named columns are features: `features` (in the order given),
/// or else every column but the target, the weight column and `ignore`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection<'a> {
    pub features: Option<&'a [String]>,
    pub ignore: &'a [String],
}

impl Selection<'_> {
    /// Whether anything is chosen (the default takes every column).
    pub fn is_set(&self) -> bool {
        self.features.is_some() || !self.ignore.is_empty()
    }
}

/// The feature columns of `header` under `selection` (see [`Selection`]), and the columns left
/// unused. A name not in the header is an error listing the columns; naming the target or the
/// weight column as a feature is a usage error.
pub(crate) fn feature_columns(
    path: &Path,
    header: &[String],
    target: usize,
    weight: Option<usize>,
    selection: &Selection,
) -> crate::Result<(Vec<usize>, Vec<String>)> {
    let find = |at: &std::collections::HashMap<&str, usize>, name: &String| {
        at.get(name.as_str())
            .copied()
            .ok_or_else(|| crate::Error::MissingTarget {
                path: path.into(),
                name: name.clone(),
                available: header.to_vec(),
            })
    };
    // Which columns are taken (the target, the weights, then the features), in one mask: no
    // scan of a list per column, which 100,000 columns would make quadratic.
    let mut taken = vec![false; header.len()];
    taken[target] = true;
    if let Some(w) = weight {
        taken[w] = true;
    }
    let features: Vec<usize> = if selection.is_set() {
        let at = positions(header);
        let mut ignored = vec![false; header.len()];
        for name in selection.ignore {
            ignored[find(&at, name)?] = true;
        }
        match selection.features {
            Some(names) => names
                .iter()
                .map(|name| find(&at, name))
                .collect::<crate::Result<_>>()?,
            None => (0..header.len())
                .filter(|&j| !taken[j] && !ignored[j])
                .collect(),
        }
    } else {
        (0..header.len()).filter(|&j| !taken[j]).collect()
    };
    for &j in &features {
        if taken[j] {
            let reason = if j == target || Some(j) == weight {
                "is the target or the weight column, which cannot also be a feature"
            } else {
                "is named twice"
            };
            return Err(crate::Error::InvalidParameter {
                name: "features",
                value: header[j].clone(),
                reason,
            });
        }
        taken[j] = true;
    }
    let unused = (0..header.len())
        .filter(|&j| !taken[j])
        .map(|j| header[j].clone())
        .collect();
    Ok((features, unused))
}

/// Checks that every `--categorical` name is one of the feature columns `names` (an error
/// listing the columns if it is not in `header`).
pub(crate) fn check_categorical(
    path: &Path,
    header: &[String],
    names: &[String],
    categorical: &[String],
) -> crate::Result<()> {
    for name in categorical {
        if !names.contains(name) {
            if !header.contains(name) {
                return Err(crate::Error::MissingTarget {
                    path: path.into(),
                    name: name.clone(),
                    available: header.to_vec(),
                });
            }
            return Err(crate::Error::InvalidParameter {
                name: "categorical",
                value: name.clone(),
                reason: "is not a feature (it is the target, the weight column or ignored)",
            });
        }
    }
    Ok(())
}

/// Checks row weights read from `path` (`column` names where they came from): each finite and
/// ≥ 0, and not all 0. The error names the row (1-based, data rows).
pub fn check_weights(path: &Path, column: &str, weights: &[f64]) -> crate::Result<()> {
    let bad = |row: usize, reason: String| crate::Error::BadWeight {
        path: path.into(),
        row: row + 1,
        column: column.to_owned(),
        reason,
    };
    if let Some(i) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        let reason = if weights[i].is_nan() {
            "is not a number".to_owned()
        } else if weights[i].is_infinite() {
            "is infinite".to_owned()
        } else {
            format!("is negative ({})", weights[i])
        };
        return Err(bad(
            i,
            format!("the weight {reason}; weights must be finite and ≥ 0"),
        ));
    }
    if !weights.is_empty() && weights.iter().all(|&w| w == 0.0) {
        return Err(crate::Error::BadWeight {
            path: path.into(),
            row: 0,
            column: column.to_owned(),
            reason: "every weight is 0: no row counts".into(),
        });
    }
    Ok(())
}

/// The target column among `header`: `target` if given (an error if absent), else the column
/// named `label`, else the last column. `header` must not be empty.
pub fn target_column(path: &Path, header: &[String], target: Option<&str>) -> crate::Result<usize> {
    match target {
        Some(name) => {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| crate::Error::MissingTarget {
                    path: path.into(),
                    name: name.into(),
                    available: header.to_vec(),
                })
        }
        None => Ok(header
            .iter()
            .position(|h| h == "label")
            .unwrap_or(header.len() - 1)),
    }
}

/// The column `name` of a CSV or Parquet file as row weights, checked (see [`check_weights`]).
pub fn load_weights(path: &Path, format: Option<Format>, name: &str) -> crate::Result<Vec<f64>> {
    let weights = match format.unwrap_or_else(|| Format::from_path(path)) {
        Format::Csv => csv::read_named_column(path, name)?,
        Format::Parquet => parquet_column(path, name)?,
        Format::LibSvm => {
            return Err(crate::Error::InvalidParameter {
                name: "sample weight",
                value: name.to_owned(),
                reason: "names a column, but LIBSVM files have none; give one weight per line in a file with --sample-weight-file",
            });
        }
    };
    check_weights(path, name, &weights)?;
    Ok(weights)
}

/// The groups of column `name` (clusters): each row's group, numbered from 0 in order of first
/// appearance, and how many there are. CSV columns may hold any text; Parquet ones numbers.
pub fn load_groups(
    path: &Path,
    format: Option<Format>,
    name: &str,
) -> crate::Result<(Vec<u32>, usize)> {
    match format.unwrap_or_else(|| Format::from_path(path)) {
        Format::Csv => csv::read_groups(path, name),
        Format::Parquet => {
            let values = parquet_column(path, name)?;
            let mut seen = std::collections::HashMap::new();
            let ids = values
                .iter()
                .map(|v| {
                    let next = seen.len() as u32;
                    *seen.entry(v.to_bits()).or_insert(next)
                })
                .collect();
            Ok((ids, seen.len()))
        }
        Format::LibSvm => Err(crate::Error::InvalidParameter {
            name: "cluster",
            value: name.to_owned(),
            reason: "names a column, but LIBSVM files have none",
        }),
    }
}

/// Row weights from a text file of one number per line (blank lines and surrounding spaces
/// ignored), for data without columns (LIBSVM); there must be one per row of the data.
pub fn read_weight_file(path: &Path, rows: usize) -> crate::Result<Vec<f64>> {
    let mut source = source::Source::open(path)?;
    let mut weights = Vec::with_capacity(rows);
    while let Some(chunk) = source.next_chunk()? {
        for (line, bytes) in chunk.lines() {
            let cell = String::from_utf8_lossy(bytes);
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let value: f64 = cell.parse().map_err(|_| crate::Error::Parse {
                path: path.into(),
                line,
                column: 1,
                reason: format!("{:?} is not a number (one weight per line)", cut(cell)),
            })?;
            weights.push(value);
        }
    }
    if weights.len() != rows {
        return Err(crate::Error::BadWeight {
            path: path.into(),
            row: 0,
            column: "(file)".into(),
            reason: format!(
                "{} weights for {rows} rows of data: give one weight per row",
                weights.len()
            ),
        });
    }
    check_weights(path, "(file)", &weights)?;
    Ok(weights)
}

/// The weight column among `header`, if asked for: not the target, and an error if absent.
pub(crate) fn weight_column(
    path: &Path,
    header: &[String],
    name: Option<&str>,
    target: usize,
) -> crate::Result<Option<usize>> {
    let Some(name) = name else { return Ok(None) };
    let j = target_column(path, header, Some(name))?;
    if j == target {
        return Err(crate::Error::InvalidParameter {
            name: "sample weight",
            value: name.to_owned(),
            reason: "is the target column",
        });
    }
    Ok(Some(j))
}

/// The first column name that appears twice in `header`: its two 0-based positions. One pass
/// with a hash map, so 100,000 columns take milliseconds, not the quadratic scan's seconds.
pub(crate) fn first_duplicate(header: &[String]) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::with_capacity(header.len());
    for (j, name) in header.iter().enumerate() {
        if let Some(&first) = seen.get(name.as_str()) {
            return Some((first, j));
        }
        seen.insert(name.as_str(), j);
    }
    None
}

/// Each column name's 0-based position in `header` (names are distinct).
pub(crate) fn positions(header: &[String]) -> std::collections::HashMap<&str, usize> {
    header
        .iter()
        .enumerate()
        .map(|(j, h)| (h.as_str(), j))
        .collect()
}

/// At most ten of `names`, comma-separated, then how many more: a readable list however many
/// there are.
pub fn some_of(names: &[&str]) -> String {
    const SHOWN: usize = 10;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|n| cut(n))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text += &format!(" and {} more", names.len() - SHOWN);
    }
    text
}

/// `text` cut to 80 characters, with "…" where it was cut: a bad 10 MB cell is not echoed whole.
pub fn cut(text: &str) -> String {
    const KEPT: usize = 80;
    match text.char_indices().nth(KEPT) {
        None => text.to_owned(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// Dense CSV or Parquet data at most this dense are stored as CSR.
pub const SPARSE_DENSITY: f64 = 0.1;

/// Reads training data in any format. CSV or Parquet whose non-zeros are at most [`SPARSE_DENSITY`] of
/// its entries is stored sparse.
pub fn load_training(path: &Path, options: &LoadOptions) -> crate::Result<Dataset> {
    match options.format.unwrap_or_else(|| Format::from_path(path)) {
        Format::Csv => {
            let csv_options = csv::TrainingCsv {
                target: options.target,
                positive: options.positive,
                precision: options.precision,
                max_classes: options.max_classes,
                sample_weight: options.sample_weight,
                selection: options.selection,
                encode: options.encode.clone(),
                delimiter: options.delimiter,
            };
            let mut data = csv::read_training(path, &csv_options)?;
            data.features = data.features.sparsify_if_below(SPARSE_DENSITY);
            Ok(data)
        }
        Format::LibSvm => {
            no_encoding(path, options)?;
            if options.selection.features.is_some() {
                return Err(crate::Error::InvalidParameter {
                    name: "features",
                    value: "--features".into(),
                    reason: "chooses columns by name, but LIBSVM files have none (--ignore takes feature indices: --ignore 3,7)",
                });
            }
            let ignore = libsvm::ignored_indices(options.selection.ignore)?;
            if let Some(column) = options.sample_weight {
                return Err(crate::Error::InvalidParameter {
                    name: "sample weight",
                    value: column.to_owned(),
                    reason: "names a column, but LIBSVM files have none; give one weight per line in a file with --sample-weight-file",
                });
            }
            libsvm::read_training(
                path,
                options.positive,
                options.precision,
                options.max_classes,
                &ignore,
            )
        }
        Format::Parquet => parquet_training(path, options),
    }
}

/// Categorical columns and missing cells are read from CSV and Parquet; LIBSVM has neither.
fn no_encoding(path: &Path, options: &LoadOptions) -> crate::Result<()> {
    if options.encode.is_set() {
        return Err(crate::Error::FeatureMismatch {
            path: path.into(),
            reason: "--categorical, --missing and --na-values apply to tables (CSV, Parquet); \
                     this LIBSVM file has no text or missing cells to encode"
                .into(),
        });
    }
    Ok(())
}

/// Data read for a model: its features, y where the file has the target, and the levels of
/// categorical columns that training did not see.
pub struct ModelData {
    pub features: Features,
    pub y: Option<Vec<f64>>,
    pub unseen: Vec<encoding::Unseen>,
}

/// How to read a file for a model (or like the training data).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// A level of a categorical column that training did not see is an error (default: its
    /// indicators are 0, and [`ModelData::unseen`] counts it).
    pub strict: bool,
    /// The CSV field separator (default: told from the header line).
    pub delimiter: Option<u8>,
}

/// Features (in the model's order) and, when the file has the target, y under the model's
/// classes, for predicting or evaluating a model. Values are read as f64.
pub fn load_for_model(
    path: &Path,
    format: Option<Format>,
    model: &crate::Model,
    read: ReadOptions,
) -> crate::Result<ModelData> {
    load_matching(path, format, &model.schema(), Precision::F64, read)
}

/// The columns and classes a file must match (a model's, or the training data's).
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    pub feature_names: &'a [String],
    pub target: &'a str,
    pub labels: &'a LabelMap,
    /// A weight column the file may hold besides the features and the target.
    pub sample_weight: Option<&'a str>,
    /// Columns the training file had and the model does not use, which the file may hold too.
    pub ignored: &'a [String],
    /// How the input columns become the features (None: one feature per column).
    pub encoding: Option<&'a encoding::Encoding>,
}

impl Schema<'_> {
    /// The columns the features come from.
    pub fn input_columns(&self) -> Vec<String> {
        match self.encoding {
            Some(e) => e.column_names(),
            None => self.feature_names.to_vec(),
        }
    }

    /// The columns besides the features that a file may have.
    pub(crate) fn others(&self) -> Vec<&str> {
        let ignored = self.ignored.iter().map(String::as_str);
        self.sample_weight.into_iter().chain(ignored).collect()
    }
}

/// Reads a file laid out like `schema`: features in its order, y if the target is present.
pub fn load_matching(
    path: &Path,
    format: Option<Format>,
    schema: &Schema,
    precision: Precision,
    read: ReadOptions,
) -> crate::Result<ModelData> {
    let format = format.unwrap_or_else(|| Format::from_path(path));
    if schema.encoding.is_some() && format == Format::LibSvm {
        return Err(crate::Error::FeatureMismatch {
            path: path.into(),
            reason: "the model encodes categorical columns or missing cells of a table; give it \
                     a CSV or Parquet file laid out like the training data"
                .into(),
        });
    }
    let plain = |(features, y): (Features, Option<Vec<f64>>)| ModelData {
        features,
        y,
        unseen: Vec::new(),
    };
    match format {
        Format::Csv => {
            let mut data = csv::read_for_model(path, schema, precision, read)?;
            data.features = data.features.sparsify_if_below(SPARSE_DENSITY);
            Ok(data)
        }
        Format::LibSvm => {
            // The features are the indices 1..n but the ignored ones.
            let ignored = libsvm::ignored_indices(schema.ignored).ok();
            let n = schema.feature_names.len() + schema.ignored.len();
            let expected = ignored.as_ref().map(|ignored| {
                (1..=n)
                    .filter(|j| !ignored.contains(j))
                    .map(|j| j.to_string())
                    .collect::<Vec<_>>()
            });
            let Some(ignored) =
                ignored.filter(|_| expected.as_deref() == Some(schema.feature_names))
            else {
                return Err(crate::Error::FeatureMismatch {
                    path: path.into(),
                    reason: "the features have names, but a LIBSVM file only has indices 1..n; use the format the model was trained on".into(),
                });
            };
            let (x, y) =
                libsvm::read_for_model_without(path, n, &ignored, schema.labels, precision)?;
            Ok(plain((x, Some(y))))
        }
        Format::Parquet => parquet_matching(path, schema, precision, read),
    }
}

#[cfg(feature = "parquet")]
fn parquet_training(path: &Path, options: &LoadOptions) -> crate::Result<Dataset> {
    not_stdin(path)?;
    parquet::read_training(path, options)
}

/// Parquet is read by seeking (its footer comes last): standard input cannot be.
#[cfg(feature = "parquet")]
fn not_stdin(path: &Path) -> crate::Result<()> {
    if source::is_stdin(path) {
        return Err(crate::Error::InvalidParameter {
            name: "data",
            value: "-".into(),
            reason: "is standard input, which cannot be read as Parquet (the format needs a file to seek in); save it to a file first",
        });
    }
    Ok(())
}

#[cfg(feature = "parquet")]
fn parquet_matching(
    path: &Path,
    schema: &Schema,
    precision: Precision,
    read: ReadOptions,
) -> crate::Result<ModelData> {
    not_stdin(path)?;
    parquet::read_matching(path, schema, precision, read)
}

#[cfg(not(feature = "parquet"))]
fn parquet_unavailable(path: &Path) -> crate::Error {
    crate::Error::FormatUnavailable {
        path: path.into(),
        format: "Parquet",
        feature: "parquet",
    }
}

#[cfg(feature = "parquet")]
fn parquet_column(path: &Path, name: &str) -> crate::Result<Vec<f64>> {
    parquet::read_named_column(path, name)
}

#[cfg(not(feature = "parquet"))]
fn parquet_column(path: &Path, _: &str) -> crate::Result<Vec<f64>> {
    Err(parquet_unavailable(path))
}

#[cfg(not(feature = "parquet"))]
fn parquet_training(path: &Path, _: &LoadOptions) -> crate::Result<Dataset> {
    Err(parquet_unavailable(path))
}

#[cfg(not(feature = "parquet"))]
fn parquet_matching(
    path: &Path,
    _: &Schema,
    _: Precision,
    _: ReadOptions,
) -> crate::Result<ModelData> {
    Err(parquet_unavailable(path))
}
