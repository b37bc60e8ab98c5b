//! The library's one error type.
//!
//! Every error that data from outside can cause is a variant with structured fields, so the CLI
//! can print a message that names the file, line and column, and tests can match on the kind.
//! Non-convergence is not an error: it is a [`crate::Termination`] in the fit report.

use std::path::PathBuf;

/// Errors from loading data, fitting, and reading or writing model files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system refused a read or write.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A cell, row or field that cannot be read. `line` and `column` count from 1, as editors do.
    #[error("{}:{line}:{column}: {reason}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        reason: String,
    },

    /// A gzip stream that is corrupt or ends early.
    #[error("{}: corrupt or truncated gzip stream: {reason}", path.display())]
    Decompress { path: PathBuf, reason: String },

    /// A format this build was compiled without.
    #[error("{}: reading {format} needs logreg built with the `{feature}` feature: cargo install --features {feature} (or cargo build --release --features {feature})", path.display())]
    FormatUnavailable {
        path: PathBuf,
        format: &'static str,
        feature: &'static str,
    },

    /// A Parquet file that cannot be read: not Parquet, corrupt, or compressed with a codec this
    /// build lacks.
    #[error("{}: cannot read the Parquet file: {reason}", path.display())]
    ParquetFile { path: PathBuf, reason: String },

    /// A Parquet column that cannot be used as it is typed (a text feature, say). `position`
    /// counts the file's top-level columns from 1.
    #[error("{}: column {position} ({column:?}): {reason}", path.display())]
    ParquetColumn {
        path: PathBuf,
        column: String,
        position: usize,
        reason: String,
    },

    /// A Parquet value that cannot be used: a null, NaN or infinity, an unknown or third label.
    /// `row` (in the file) and `row_in_group` count from 1 like logreg's other row numbers;
    /// `row_group` counts from 0, as pyarrow's `read_row_group(i)` and `parquet-tools` do.
    #[error("{}: row {row} (row {row_in_group} of row group {row_group}), column {column:?}: {reason}", path.display())]
    ParquetValue {
        path: PathBuf,
        column: String,
        row_group: usize,
        row_in_group: usize,
        row: usize,
        reason: String,
    },

    /// The file holds no bytes at all (not even a header).
    #[error("{}: the file is empty", path.display())]
    EmptyFile { path: PathBuf },

    /// The file has a header but no data rows.
    #[error("{}: the file has a header but no data rows", path.display())]
    NoRows { path: PathBuf },

    /// `--target NAME` names a column the header does not have.
    #[error("{}: no column named {name:?} (columns: {})", path.display(), crate::data::some_of(&available.iter().map(String::as_str).collect::<Vec<_>>()))]
    MissingTarget {
        path: PathBuf,
        name: String,
        available: Vec<String>,
    },

    /// Every training row has the same label: there is nothing to separate.
    #[error("{}: every row has the label {label:?}; logistic regression needs two classes", path.display())]
    SingleClass { path: PathBuf, label: String },

    /// A row weight that is not finite and ≥ 0, or weights that are all 0 (`row` 0: the whole
    /// column).
    #[error("{}: {}: {reason}", path.display(), if *row == 0 { format!("sample weights {column:?}") } else { format!("row {row}, sample weight {column:?}") })]
    BadWeight {
        path: PathBuf,
        row: usize,
        column: String,
        reason: String,
    },

    /// An option names a class the labels do not have.
    #[error("{option} names the class {label:?}, which is not one of the classes ({classes})")]
    UnknownClass {
        option: &'static str,
        label: String,
        classes: String,
    },

    /// More distinct labels than `--max-classes`.
    #[error("{}:{line}: the target has more than {max} distinct values (here {label:?}); it looks like a continuous target, not classes (raise --max-classes if these are classes)", path.display())]
    TooManyClasses {
        path: PathBuf,
        line: usize,
        label: String,
        max: usize,
    },

    /// A label in evaluation data that the model does not know.
    #[error("{}:{line}:{column}: label {label:?} is not one of the model's classes ({classes})", path.display())]
    UnknownLabel {
        path: PathBuf,
        line: usize,
        column: usize,
        label: String,
        classes: String,
    },

    /// `--positive VALUE` names a value that is not one of the labels.
    #[error("--positive {value:?} is not one of the labels {:?}", labels)]
    UnknownPositive { value: String, labels: Vec<String> },

    /// A column that cannot be encoded as a whole (too many levels, no values to fill with).
    #[error("{}: column {column:?}: {reason}", path.display())]
    Column {
        path: PathBuf,
        column: String,
        reason: String,
    },

    /// Prediction data whose features do not match the model's.
    #[error("{}: {reason}", path.display())]
    FeatureMismatch { path: PathBuf, reason: String },

    /// A model file that is not valid JSON of the expected shape (for example, truncated).
    #[error("{}: not a valid logreg model file: {reason}", path.display())]
    ModelFormat { path: PathBuf, reason: String },

    /// A model file written by another version of the format.
    #[error("{}: model format version {found} is not supported (this logreg reads version {supported})", path.display())]
    ModelVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
    },

    /// A parameter value outside its domain, such as a negative learning rate.
    /// A summary that cannot be computed: a penalised or separated fit, collinear columns, a
    /// test that does not parse.
    #[error("cannot compute the summary: {reason}")]
    Inference { reason: String },

    #[error("invalid {name} {value}: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: String,
        reason: &'static str,
    },

    /// `explain --row K` beyond the data.
    #[error("{}: row {row} does not exist (the file has {rows} data rows; rows count from 1)", path.display())]
    RowOutOfRange {
        path: PathBuf,
        row: usize,
        rows: usize,
    },

    /// A figure that could not be drawn or encoded.
    #[error("cannot draw the {figure} plot: {reason}")]
    Plot {
        figure: &'static str,
        reason: String,
    },
}

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
