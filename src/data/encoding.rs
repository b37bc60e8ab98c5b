//! From a table's columns to features: categorical columns one-hot encoded, missing cells
//! dropped, filled or flagged. Learned on the training data, stored in the model file, applied
//! unchanged to the data a model predicts.
//!
//! **Categorical columns.** A column with text in it (a value that is neither a number nor a
//! missing cell), or one named by `--categorical`, has one level per distinct value. Levels are
//! in byte order (the file's row order does not change the model). A level seen in fewer than
//! `--min-frequency` rows is pooled into one `(other)` level; a missing cell is the level
//! `(missing)`. Feature names are `column=level`. The column is stored as one code per row (see
//! [`super::mixed`]), never as its block of indicators.
//!
//! **Reference level.** Every level keeps its indicator when the model is penalised (λ > 0):
//! the penalty makes the solution unique, and no level is singled out as the one the others
//! are measured against, which is what glmnet and scikit-learn do. Without a penalty (λ = 0)
//! the indicators of a column sum to 1, as the bias's input does, so the fit would not be
//! unique: then the first level is dropped ([`EncodeOptions::drop_first`]), as R's treatment
//! contrasts do, and its rows have all indicators 0.
//!
//! **Missing cells** (empty, `NA`, `NaN`, `null` in any case, and `--na-values` tokens) in a
//! numeric column, by [`Missing`]: an error naming the row and column (the default); the row
//! dropped; the column's mean or median over the rows that have it (unweighted, as
//! scikit-learn's `SimpleImputer`); or the mean and an indicator feature `column=(missing)`
//! for each column that had missing cells in training. Prediction fills with the stored value;
//! a model trained with `error` or `drop` cannot predict a row with a missing numeric cell.
//!
//! **Layout.** The numeric columns come first, in file order, each followed by its missing
//! indicator if it has one; then each categorical column's levels, then its `(other)` and
//! `(missing)` levels where present.

use super::csv::{Kind, Table};
use super::dense::{DenseMatrix, Element};
use super::labels::{MISSING_ID, RawLabels};
use super::mixed::{Codes, MixedMatrix, NO_LEVEL};
use super::{Design, Features, cut};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// The level that pools the rare levels.
pub const OTHER: &str = "(other)";
/// The level of a missing cell in a categorical column, and the name of a missing indicator.
pub const MISSING: &str = "(missing)";

/// What to do with missing cells in numeric columns (`--missing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// An error naming the row and the column.
    #[default]
    Error,
    /// Rows with a missing numeric cell are left out of training.
    Drop,
    /// Filled with the column's mean.
    Mean,
    /// Filled with the column's median.
    Median,
    /// Filled with the mean, plus an indicator feature for each column that had missing cells.
    Indicator,
}

impl Missing {
    /// The name `--missing` and the model file use.
    pub fn name(self) -> &'static str {
        match self {
            Missing::Error => "error",
            Missing::Drop => "drop",
            Missing::Mean => "mean",
            Missing::Median => "median",
            Missing::Indicator => "indicator",
        }
    }
}

/// How to encode training data.
#[derive(Debug, Clone)]
pub struct EncodeOptions {
    pub missing: Missing,
    /// Tokens that mean a missing cell besides the standard ones.
    pub na_values: Vec<String>,
    /// Columns that are categorical even if every value is a number (codes, ids).
    pub categorical: Vec<String>,
    /// Levels seen in fewer rows are pooled into `(other)`.
    pub min_frequency: usize,
    /// A categorical column with more levels (after pooling) is an error: probably an id.
    pub max_levels: usize,
    /// Drop each categorical column's first level (for unpenalised fits; see the module docs).
    pub drop_first: bool,
}

/// The default of `--max-levels`.
pub const DEFAULT_MAX_LEVELS: usize = 10_000;

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            missing: Missing::Error,
            na_values: Vec::new(),
            categorical: Vec::new(),
            min_frequency: 1,
            max_levels: DEFAULT_MAX_LEVELS,
            drop_first: false,
        }
    }
}

impl EncodeOptions {
    /// Whether data read this way may need an encoding in the model (a categorical column
    /// forced, or a rule for missing cells).
    pub fn is_set(&self) -> bool {
        self.missing != Missing::Error || !self.categorical.is_empty() || !self.na_values.is_empty()
    }
}

/// The encoding of a model's input columns, as stored in its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    pub missing: Missing,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub na_values: Vec<String>,
    /// The input columns in file order.
    pub columns: Vec<Column>,
}

/// One input column and the features it becomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Column {
    Numeric {
        name: String,
        /// The value a missing cell gets (none: a missing cell is an error).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill: Option<f64>,
        /// Whether the feature `name=(missing)` follows it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        indicator: bool,
    },
    Categorical {
        name: String,
        /// The levels with an indicator, in order.
        levels: Vec<String>,
        /// Levels pooled into `(other)`, which has an indicator when this is not empty.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pooled: Vec<String>,
        /// The reference level, without an indicator (λ = 0 fits).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dropped: Option<String>,
        /// Whether `(missing)` is a level (the column had missing cells in training).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        missing: bool,
    },
}

impl Column {
    pub fn name(&self) -> &str {
        match self {
            Column::Numeric { name, .. } | Column::Categorical { name, .. } => name,
        }
    }

    /// The features of a categorical column, in order: levels, `(other)`, `(missing)`.
    fn level_names(&self) -> Vec<&str> {
        match self {
            Column::Numeric { .. } => Vec::new(),
            Column::Categorical {
                levels,
                pooled,
                missing,
                ..
            } => {
                let mut names: Vec<&str> = levels.iter().map(String::as_str).collect();
                if !pooled.is_empty() {
                    names.push(OTHER);
                }
                if *missing {
                    names.push(MISSING);
                }
                names
            }
        }
    }
}

/// Rows of one categorical column whose level the model does not know: their indicators are
/// all 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Unseen {
    pub column: String,
    pub rows: usize,
    /// Distinct unknown values.
    pub values: usize,
    /// The first of them, and its line (0 when the only one is a missing cell in a column that
    /// had none in training, which is counted but not an error with `strict`).
    pub example: String,
    pub line: usize,
    /// Every distinct unknown value.
    pub levels: Vec<String>,
}

/// Encoded training data.
pub struct Encoded {
    pub features: Features,
    pub feature_names: Vec<String>,
    pub encoding: Option<Encoding>,
    /// With [`Missing::Drop`]: the rows kept (None: all).
    pub kept: Option<Vec<usize>>,
}

/// How a table's feature columns become features.
struct Plan {
    /// Numeric columns: the table's feature, the fill and whether it has an indicator.
    numeric: Vec<(usize, Option<f64>, bool)>,
    /// Categorical columns: the table's feature, its level count, the code of each of the
    /// table's values, and the code of a missing cell.
    blocks: Vec<(usize, usize, Vec<u32>, u32)>,
}

impl Encoding {
    /// The input columns' names, in file order.
    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name().to_owned()).collect()
    }

    /// How the CSV reader is to read each input column for this model.
    pub fn kinds(&self) -> Vec<Kind> {
        self.columns
            .iter()
            .map(|c| match c {
                Column::Numeric { fill, .. } => Kind::Number {
                    missing: fill.is_some(),
                    trained: true,
                },
                Column::Categorical { .. } => Kind::Text,
            })
            .collect()
    }

    /// The features' names, in the layout of the module docs.
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for c in &self.columns {
            if let Column::Numeric {
                name, indicator, ..
            } = c
            {
                names.push(name.clone());
                if *indicator {
                    names.push(format!("{name}={MISSING}"));
                }
            }
        }
        for c in &self.columns {
            for level in c.level_names() {
                names.push(format!("{}={level}", c.name()));
            }
        }
        names
    }

    /// Whether the encoding changes anything: without categorical columns or fills the
    /// features are the columns themselves.
    pub fn is_identity(&self) -> bool {
        self.columns
            .iter()
            .all(|c| matches!(c, Column::Numeric { fill: None, .. }))
            && self.missing == Missing::Error
    }

    /// The features of a table read with [`Encoding::kinds`] (its features are this encoding's
    /// columns, in order): missing cells filled, levels coded. Unknown levels are counted (see
    /// [`Unseen`]); with `strict` the first is an error naming its line. `file_columns` are the
    /// 1-based file positions of the columns, for messages.
    pub fn apply<T: Element>(
        &self,
        path: &Path,
        table: Table<T>,
        file_columns: &[usize],
        strict: bool,
    ) -> Result<(Features, Vec<Unseen>)> {
        let mut plan = Plan {
            numeric: Vec::new(),
            blocks: Vec::new(),
        };
        let mut unseen = Vec::new();
        for (f, c) in self.columns.iter().enumerate() {
            match c {
                Column::Numeric {
                    fill, indicator, ..
                } => plan.numeric.push((f, *fill, *indicator)),
                Column::Categorical {
                    levels,
                    pooled,
                    dropped,
                    ..
                } => {
                    let names = c.level_names();
                    let mut code: HashMap<&str, u32> = names
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n != OTHER && **n != MISSING)
                        .map(|(k, n)| (*n, k as u32))
                        .collect();
                    debug_assert_eq!(code.len(), levels.len());
                    let other = names.iter().position(|n| *n == OTHER);
                    for p in pooled {
                        code.insert(p, other.expect("pooled levels have (other)") as u32);
                    }
                    if let Some(d) = dropped {
                        code.insert(d, NO_LEVEL);
                    }
                    let missing_code = names
                        .iter()
                        .position(|n| *n == MISSING)
                        .map_or(NO_LEVEL, |k| k as u32);
                    let raw = table.text[f]
                        .as_ref()
                        .expect("categorical columns are read as text");
                    let mut unknown = Vec::new();
                    let codes: Vec<u32> = raw
                        .values
                        .iter()
                        .enumerate()
                        .map(|(id, v)| {
                            code.get(v.as_str()).copied().unwrap_or_else(|| {
                                unknown.push(id);
                                NO_LEVEL
                            })
                        })
                        .collect();
                    // Rows with a level training did not see, and missing cells where training
                    // had none: their indicators are all 0, and they are counted.
                    let (mut rows, mut missing_rows) = (0, 0);
                    if !unknown.is_empty() || missing_code == NO_LEVEL {
                        let mut is_unknown = vec![false; raw.values.len()];
                        for &id in &unknown {
                            is_unknown[id] = true;
                        }
                        for &id in &raw.ids {
                            if id == MISSING_ID {
                                missing_rows += usize::from(missing_code == NO_LEVEL);
                            } else if is_unknown[id as usize] {
                                rows += 1;
                            }
                        }
                    }
                    let mut levels: Vec<String> =
                        unknown.iter().map(|&id| raw.values[id].clone()).collect();
                    if missing_rows > 0 {
                        levels.push(MISSING.to_owned());
                    }
                    let first = unknown.iter().min_by_key(|&&id| raw.first_seen[id]);
                    if !levels.is_empty() {
                        let found = Unseen {
                            column: c.name().to_owned(),
                            rows: rows + missing_rows,
                            values: levels.len(),
                            example: first.map_or(MISSING.to_owned(), |&id| cut(&raw.values[id])),
                            line: first.map_or(0, |&id| raw.first_seen[id]),
                            levels,
                        };
                        // (A missing cell has no line to name, so it is never the error.)
                        if strict && first.is_some() {
                            return Err(Error::Parse {
                                path: path.into(),
                                line: found.line,
                                column: file_columns[f],
                                reason: format!(
                                    "column {:?}: the level {:?} was not seen in training (levels: {})",
                                    cut(c.name()),
                                    found.example,
                                    super::some_of(&names)
                                ),
                            });
                        }
                        unseen.push(found);
                    }
                    plan.blocks.push((f, names.len(), codes, missing_code));
                }
            }
        }
        Ok((assemble(table, &plan), unseen))
    }
}

/// The features of `table` for a model: under its `encoding` (see [`Encoding::apply`]), or, for
/// a model without one, the table's matrix as it is.
pub fn encode<T: Element>(
    encoding: Option<&Encoding>,
    path: &Path,
    table: Table<T>,
    file_columns: &[usize],
    strict: bool,
) -> Result<(Features, Vec<Unseen>)> {
    match encoding {
        Some(e) => e.apply(path, table, file_columns, strict),
        None => Ok((T::into_features(table.features), Vec::new())),
    }
}

/// Learns the encoding of a training table whose feature columns are named `names` and were
/// read with [`training_kinds`], and encodes it. The encoding is None when it would change
/// nothing (numbers only, no rule for missing cells or categorical columns asked for).
pub fn learn<T: Element>(
    path: &Path,
    table: Table<T>,
    names: &[String],
    options: &EncodeOptions,
) -> Result<Encoded> {
    let n = names.len();
    let m = table.features.n_rows();
    let mut missing_in = vec![0usize; n];
    for &cell in &table.missing {
        if table.text[cell % n].is_none() {
            missing_in[cell % n] += 1;
        }
    }
    let mut columns = Vec::with_capacity(n);
    let mut plan = Plan {
        numeric: Vec::new(),
        blocks: Vec::new(),
    };
    // Means from one parallel pass over the rows: a missing cell is stored as 0, so the sum over
    // every row is the sum over the present ones.
    let sums = matches!(options.missing, Missing::Mean | Missing::Indicator)
        .then(|| column_sums(&table.features));
    for (f, name) in names.iter().enumerate() {
        match &table.text[f] {
            None => {
                let present = m - missing_in[f];
                let fill = match (options.missing, &sums) {
                    (Missing::Error | Missing::Drop, _) => None,
                    (_, _) if present == 0 => return Err(no_values(path, name)),
                    (Missing::Median, _) => Some(column_median(path, &table, f, name)?),
                    (_, Some(sums)) => Some(sums[f] / present as f64),
                    (_, None) => unreachable!("sums for the mean"),
                };
                let indicator = options.missing == Missing::Indicator && missing_in[f] > 0;
                plan.numeric.push((f, fill, indicator));
                columns.push(Column::Numeric {
                    name: name.clone(),
                    fill,
                    indicator,
                });
            }
            Some(raw) => {
                let (column, codes, missing_code) = categorical(path, raw, name, options)?;
                let width = column.level_names().len();
                plan.blocks.push((f, width, codes, missing_code));
                columns.push(column);
            }
        }
    }
    let kept = (options.missing == Missing::Drop && !table.missing.is_empty()).then(|| {
        let mut complete = vec![true; m];
        for &cell in &table.missing {
            // (Cells of a text column are missing there before its first text value.)
            if table.text[cell % n].is_none() {
                complete[cell / n] = false;
            }
        }
        (0..m).filter(|&i| complete[i]).collect::<Vec<_>>()
    });
    let encoding = Encoding {
        missing: options.missing,
        na_values: options.na_values.clone(),
        columns,
    };
    let mut features = assemble(table, &plan);
    if let Some(rows) = &kept {
        if rows.is_empty() {
            return Err(Error::NoRows { path: path.into() });
        }
        features = features.select_rows(rows);
    }
    let feature_names = encoding.feature_names();
    let encoding = (!encoding.is_identity() || options.is_set()).then_some(encoding);
    Ok(Encoded {
        features,
        feature_names,
        encoding,
        kept,
    })
}

/// How the CSV reader is to read training columns: `categorical` ones as text, the others
/// told from their values; missing numeric cells accepted unless `missing` is `error`.
pub fn training_kinds(names: &[String], options: &EncodeOptions) -> Vec<Kind> {
    let missing = options.missing != Missing::Error;
    names
        .iter()
        .map(|name| {
            if options.categorical.contains(name) {
                Kind::Text
            } else {
                Kind::Either { missing }
            }
        })
        .collect()
}

/// A categorical column's encoding from its values: levels in byte order, rare ones pooled,
/// at most `max_levels`; and the code of each value and of a missing cell.
fn categorical(
    path: &Path,
    raw: &RawLabels,
    name: &str,
    options: &EncodeOptions,
) -> Result<(Column, Vec<u32>, u32)> {
    let mut rows_with = vec![0usize; raw.values.len()];
    let mut has_missing = false;
    for &id in &raw.ids {
        if id == MISSING_ID {
            has_missing = true;
        } else {
            rows_with[id as usize] += 1;
        }
    }
    for reserved in [OTHER, MISSING] {
        if raw.values.iter().any(|v| v == reserved) {
            return Err(Error::Column {
                path: path.into(),
                column: name.to_owned(),
                reason: format!(
                    "the value {reserved:?} is the name logreg gives a level of its own; rename it"
                ),
            });
        }
    }
    let mut order: Vec<usize> = (0..raw.values.len()).collect();
    order.sort_by(|&a, &b| raw.values[a].as_bytes().cmp(raw.values[b].as_bytes()));
    let (kept, pooled): (Vec<usize>, Vec<usize>) = order
        .into_iter()
        .partition(|&id| rows_with[id] >= options.min_frequency);
    if kept.len() > options.max_levels {
        return Err(Error::Column {
            path: path.into(),
            column: name.to_owned(),
            reason: format!(
                "{} levels, more than --max-levels {}: it looks like an identifier; leave it out \
                 with --ignore {}, pool rare levels with --min-frequency N, or raise --max-levels",
                kept.len(),
                options.max_levels,
                cut(name)
            ),
        });
    }
    let dropped = (options.drop_first && !kept.is_empty()).then(|| kept[0]);
    let with_indicator: Vec<usize> = kept
        .iter()
        .copied()
        .filter(|&id| Some(id) != dropped)
        .collect();
    let mut codes = vec![NO_LEVEL; raw.values.len()];
    for (k, &id) in with_indicator.iter().enumerate() {
        codes[id] = k as u32;
    }
    let other = with_indicator.len() as u32;
    for &id in &pooled {
        codes[id] = other;
    }
    let missing_code = if has_missing {
        other + u32::from(!pooled.is_empty())
    } else {
        NO_LEVEL
    };
    let names = |ids: &[usize]| ids.iter().map(|&id| raw.values[id].clone()).collect();
    let column = Column::Categorical {
        name: name.to_owned(),
        levels: names(&with_indicator),
        pooled: names(&pooled),
        dropped: dropped.map(|id| raw.values[id].clone()),
        missing: has_missing,
    };
    Ok((column, codes, missing_code))
}

/// The features of `table` under `plan`: the numeric columns (missing cells filled, indicators
/// after their columns) as one dense block, beside the categorical codes. A table of numeric
/// columns only, without indicators, keeps its matrix (no copy).
fn assemble<T: Element>(table: Table<T>, plan: &Plan) -> Features {
    let x = table.features;
    let (m, n) = (x.n_rows(), x.n_features());
    // Per table feature: its position among the numeric features, fill and indicator (None:
    // categorical).
    let mut position = vec![None; n];
    let mut width = 0;
    for &(f, fill, indicator) in &plan.numeric {
        position[f] = Some((width, fill, indicator));
        width += 1 + usize::from(indicator);
    }
    let mut values = if width == n {
        x.into_values()
    } else {
        use rayon::prelude::*;
        let mut values = vec![T::default(); m * width];
        const ROWS: usize = 4096;
        values
            .par_chunks_mut((ROWS * width).max(1))
            .enumerate()
            .for_each(|(block, out)| {
                for (r, out) in out.chunks_exact_mut(width.max(1)).enumerate() {
                    let row = x.row(block * ROWS + r);
                    let mut k = 0;
                    for &(f, _, indicator) in &plan.numeric {
                        out[k] = row[f];
                        k += 1 + usize::from(indicator);
                    }
                }
            });
        values
    };
    for &cell in &table.missing {
        let (i, f) = (cell / n, cell % n);
        let Some((at, fill, indicator)) = position[f] else {
            continue;
        };
        let at = i * width + at;
        // A missing cell is accepted only where there is a fill, or its row is dropped.
        values[at] = T::from_f64(fill.unwrap_or(0.0)).unwrap_or_default();
        if indicator {
            values[at + 1] = T::from_f64(1.0).expect("1 fits");
        }
    }
    let numeric = T::into_features(DenseMatrix::from_row_major(values, m, width));
    if plan.blocks.is_empty() {
        return numeric;
    }
    let mut offset = width;
    let mut text = table.text;
    let blocks = plan
        .blocks
        .iter()
        .map(|(f, levels, code, missing_code)| {
            use rayon::prelude::*;
            let mut codes = text[*f].take().expect("a text column").ids;
            // (In place: the ids' pages are warm, a new vector's would fault in.)
            codes.par_iter_mut().for_each(|id| {
                *id = if *id == MISSING_ID {
                    *missing_code
                } else {
                    code[*id as usize]
                }
            });
            let block = Codes {
                offset,
                levels: *levels,
                codes,
            };
            offset += levels;
            block
        })
        .collect();
    Features::Mixed(Box::new(MixedMatrix::new(numeric, blocks)))
}

/// The values of numeric feature `f` that are not missing.
fn present<T: Element>(table: &Table<T>, f: usize) -> Vec<f64> {
    let x = &table.features;
    let n = x.n_features();
    let mut missing = vec![false; x.n_rows()];
    for &cell in &table.missing {
        if cell % n == f {
            missing[cell / n] = true;
        }
    }
    (0..x.n_rows())
        .filter(|&i| !missing[i])
        .map(|i| x.row(i)[f].to_f64())
        .collect()
}

fn no_values(path: &Path, name: &str) -> Error {
    Error::Column {
        path: path.into(),
        column: name.to_owned(),
        reason: "every cell is missing: there is nothing to fill missing cells with; leave the \
                 column out with --ignore"
            .into(),
    }
}

/// Σ_i x_ij of every column, a missing cell counting 0 (as it is stored), in the fixed order of
/// [`crate::parallel`]: the same sums for any thread count.
fn column_sums<T: Element>(x: &DenseMatrix<T>) -> Vec<f64> {
    let n = x.n_features();
    crate::parallel::map_reduce(
        x.n_rows(),
        |rows| {
            let mut sums = vec![0.0; n];
            for i in rows {
                for (s, v) in sums.iter_mut().zip(x.row(i)) {
                    *s += v.to_f64();
                }
            }
            sums
        },
        crate::parallel::add_into,
    )
}

/// The median: the middle value, or the mean of the two middle ones.
fn column_median<T: Element>(path: &Path, table: &Table<T>, f: usize, name: &str) -> Result<f64> {
    let mut v = present(table, f);
    if v.is_empty() {
        return Err(no_values(path, name));
    }
    v.sort_by(f64::total_cmp);
    let h = v.len() / 2;
    Ok(if v.len() % 2 == 1 {
        v[h]
    } else {
        0.5 * (v[h - 1] + v[h])
    })
}
