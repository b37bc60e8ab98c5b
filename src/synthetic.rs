//! Synthetic data from a known logistic model, for tests and benchmarks.
//!
//! The model: true weights w* and bias b*, then for each row i
//!
//! - features x_i: dense, x_ij ~ N(0, 1) (Box–Muller, both deviates of each draw); or, with
//!   density P < 1, sparse and tf-idf-like: each column is present independently with
//!   probability P (so about P·n non-zeros per row, at least one); a present entry is
//!   (1 + ln(1 + c))·idf_j with a count c = ⌊E⌋, E ~ Exp(mean 2), and a column weight
//!   idf_j = 1 + Exp(1); the row is then scaled to unit L2 norm;
//! - every value is rounded to `decimals` decimal places (the file holds exactly these values);
//! - z_i = w*·x_i + b*, y_i ~ Bernoulli(σ(z_i)), computed from the rounded values, so the file is
//!   an exact sample from the model.
//!
//! w*_j ~ N(0, scale² / E‖x‖²), with E‖x‖² = n for dense rows and 1 for unit-norm sparse rows, so
//! that the true logit w*·x has standard deviation about `scale` whatever the shape: `scale`
//! sets how separable the classes are (the Bayes error), `bias` how unbalanced.
//!
//! **Categorical columns** (dense rows only): column c = 1, …, C, named `catc`, has L_c levels
//! named `cc_0`, …, `cc_{L_c − 1}` (text that no reader takes for a number). Their popularity
//! is Zipf's law with exponent 1: a random permutation gives each level a rank r = 1, …, L_c
//! and the probability p_r = (1/r) / H_{L_c}, H_L = 1 + 1/2 + … + 1/L, so the commonest level
//! holds 1/H_L of the rows (34% for 10 levels, 13% for 1000) and the rarest 1/(L·H_L): a small
//! file may not show every level. Level l of column c adds the effect β_cl to the logit,
//!
//!   β_cl = σ_c (g_l − Σ_k p_k g_k),  g_l ~ N(0, 1),
//!
//! centred so that the popularity-weighted mean effect of each column is 0 (b* stays the logit
//! of an average row). Over rows, the column then adds the variance Σ_l p_l β_cl², whose
//! expectation over g is σ_c² (1 − Σ_l p_l²); σ_c² = (scale²/2) / (C (1 − Σ_l p_l²)) makes the C
//! columns add scale²/2 together, and w* is then drawn with scale²/2 in place of scale², so the
//! numeric and the categorical parts contribute the same variance and the logit's standard
//! deviation stays about `scale` (with no numeric feature, the categorical part has all of
//! scale²; a column of one level has effect 0). With K ≥ 3 classes each class has its own
//! effects, drawn alike.
//!
//! **Missing cells**: with `missing` = P > 0 each feature cell (numeric or categorical, never
//! the label) is written empty with probability P, independently. The label is drawn from the
//! complete row first, so the file is a sample from the model with values missing completely at
//! random.
//!
//! Determinism: the random streams are SplitMix64 ([`crate::rng`]). Stream 0, seeded from the
//! seed, draws w* then (sparse only) idf, the K class weight vectors, and then each categorical
//! column's permutation and effects; rows are cut into fixed blocks of [`ROWS_PER_BLOCK`] and
//! block k has its own stream k + 1, which per row draws the numeric values, one uniform per
//! categorical cell, the label, and (with `missing` > 0) one uniform per feature cell. Blocks
//! are generated in parallel and written in order, so a seed gives the same bytes on any number
//! of threads. A spec without categorical columns or missing cells draws exactly the numbers it
//! drew before they existed, so its files are unchanged.
//!
//! Formats ([`Spec::format_for`]): CSV has a header `x1,...,xn,cat1,...,catC,label` and labels
//! 0/1 (0, …, K − 1 with K classes), an empty field for a missing cell; LIBSVM is
//! `label idx:val ...` with labels +1/−1 (0, …, K − 1) and 1-based increasing indices, zeros
//! left out. Dense rows may be written as either, sparse rows only as LIBSVM, categorical
//! columns and missing cells only as CSV. A name ending in `.gz` is gzip-compressed. Values are
//! written in fixed-point with `decimals` digits after the point (default 6: about 7
//! significant digits for N(0, 1) values, as many as f32 storage keeps). The file is written to
//! a temporary file beside the target and renamed over it only when complete.

use crate::data::Format;
use crate::error::{Error, Result};
use crate::loss::sigmoid;
use crate::outputs::{OutputTarget, finish, open_device, temporary_beside};
use crate::rng::SplitMix64;
use rayon::prelude::*;
use serde::Serialize;
use serde::ser::SerializeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Rows per independently seeded block (fixed: the output must not depend on the thread count).
pub const ROWS_PER_BLOCK: usize = 4096;
/// Blocks generated in parallel before they are written, bounding the memory in flight.
const BLOCKS_PER_BATCH: usize = 32;
/// Most digits after the decimal point (10^12 · |x| stays exact in an i64 for any |x| < 9000).
const MAX_DECIMALS: u32 = 12;
/// Most levels of all categorical columns together (each costs a name and a few numbers).
pub const MAX_LEVELS: usize = 10_000_000;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub rows: usize,
    /// Numeric features `x1`, …, `xn` (0 is allowed when there are categorical columns).
    pub features: usize,
    /// Fraction of non-zero entries; 1.0 means dense, less means sparse (LIBSVM only).
    pub density: f64,
    pub seed: u64,
    /// Standard deviation of the true logit w*·x (default 2: about 20% Bayes error).
    pub scale: f64,
    /// The true bias b* (default 0.25).
    pub bias: f64,
    /// Digits after the decimal point (default 6).
    pub decimals: u32,
    /// Classes (default 2). With K ≥ 3 the labels 0, …, K − 1 are drawn from softmax(z) with
    /// z_k = w*_k·x, K true weight vectors drawn like the binary one (biases 0).
    pub classes: usize,
    /// The number of levels of each categorical column `cat1`, `cat2`, … (default none; dense
    /// rows and CSV only).
    pub categorical: Vec<usize>,
    /// Probability that a feature cell is left empty (default 0; CSV only).
    pub missing: f64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            rows: 1000,
            features: 10,
            density: 1.0,
            seed: 0,
            scale: 2.0,
            bias: 0.25,
            decimals: 6,
            classes: 2,
            categorical: Vec::new(),
            missing: 0.0,
        }
    }
}

/// The model the labels were drawn from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrueModel {
    pub weights: Vec<f64>,
    pub bias: f64,
    /// Per-column tf-idf weights of sparse data (empty for dense data).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub idf: Vec<f64>,
    /// With K ≥ 3 classes: the K true weight vectors (the labels ignore `weights` and `bias`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub class_weights: Vec<Vec<f64>>,
    /// The categorical columns, serialised as `level_effects` (two classes) or
    /// `class_level_effects` (one map per class) and `level_probabilities`, maps keyed by
    /// `catc=level` (`cat1=c1_17`).
    #[serde(flatten)]
    pub categorical: Categorical,
}

/// The categorical columns of a [`TrueModel`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Categorical {
    pub columns: Vec<CategoricalColumn>,
}

/// One categorical column: its levels, their probabilities and effects on the logit.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalColumn {
    /// `catc`.
    pub name: String,
    /// The level names, `cc_0`, `cc_1`, …
    pub levels: Vec<String>,
    /// Each level's probability.
    pub probabilities: Vec<f64>,
    /// Each level's effect β on the logit (two classes; empty with K ≥ 3).
    pub effects: Vec<f64>,
    /// With K ≥ 3 classes: each class's effects, `class_effects[k][l]`.
    pub class_effects: Vec<Vec<f64>>,
    /// The levels by decreasing probability (rank 1 first).
    by_rank: Vec<u32>,
    /// The running sums of the probabilities in rank order, for drawing a level.
    cumulative: Vec<f64>,
}

impl CategoricalColumn {
    /// A level drawn from the column's popularity.
    fn draw(&self, rng: &mut SplitMix64) -> usize {
        let u = rng.next_f64();
        let rank = self.cumulative.partition_point(|&c| c <= u);
        self.by_rank[rank.min(self.by_rank.len() - 1)] as usize
    }
}

impl Serialize for Categorical {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let by = |pick| ByLevel {
            columns: &self.columns,
            pick,
        };
        let mut map = serializer.serialize_map(None)?;
        if let Some(first) = self.columns.first() {
            if first.class_effects.is_empty() {
                map.serialize_entry("level_effects", &by(Pick::Effects))?;
            } else {
                let classes: Vec<ByLevel> = (0..first.class_effects.len())
                    .map(|k| by(Pick::ClassEffects(k)))
                    .collect();
                map.serialize_entry("class_level_effects", &classes)?;
            }
            map.serialize_entry("level_probabilities", &by(Pick::Probabilities))?;
        }
        map.end()
    }
}

/// Which number of each level a [`ByLevel`] map holds.
#[derive(Clone, Copy)]
enum Pick {
    Effects,
    ClassEffects(usize),
    Probabilities,
}

/// A map from `catc=level` to one number per level, in column then level order.
struct ByLevel<'a> {
    columns: &'a [CategoricalColumn],
    pick: Pick,
}

impl Serialize for ByLevel<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for column in self.columns {
            let values = match self.pick {
                Pick::Effects => &column.effects,
                Pick::ClassEffects(k) => &column.class_effects[k],
                Pick::Probabilities => &column.probabilities,
            };
            for (level, value) in column.levels.iter().zip(values) {
                map.serialize_entry(&format!("{}={level}", column.name), value)?;
            }
        }
        map.end()
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub rows: usize,
    /// Numeric features.
    pub features: usize,
    /// Rows with label 1 (with K ≥ 3 classes: with a label other than 0).
    pub positives: usize,
    /// Non-zero numeric values written (for dense rows as CSV: the numeric cells written, rows ×
    /// features less the missing ones).
    pub nonzeros: usize,
    /// Feature cells left empty (numeric and categorical).
    pub missing: usize,
    /// Bytes of text written (before any gzip compression).
    pub bytes: u64,
}

/// One generated block of rows, as text.
struct Block {
    text: Vec<u8>,
    positives: usize,
    nonzeros: usize,
    missing: usize,
}

/// Whether a file named `path` is written gzip-compressed: its name ends in `.gz` (any case).
pub fn gzipped(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().to_lowercase().ends_with(".gz"))
}

/// Levels for `columns` categorical columns spread log-uniformly from `lo` (the first column) to
/// `hi` (the last), rounded: `log_spaced_levels(5, 10, 1000)` is 10, 32, 100, 316, 1000. One
/// column gets `lo`.
pub fn log_spaced_levels(columns: usize, lo: usize, hi: usize) -> Vec<usize> {
    (0..columns)
        .map(|c| match c {
            0 => lo,
            c if c == columns - 1 => hi,
            c => {
                let t = c as f64 / (columns - 1) as f64;
                (lo as f64 * (hi as f64 / lo as f64).powf(t)).round() as usize
            }
        })
        .collect()
}

impl Spec {
    /// Are the rows sparse (density < 1)?
    pub fn is_sparse(&self) -> bool {
        self.density < 1.0
    }

    /// The format of a file whose name names none: CSV for dense rows, LIBSVM for sparse.
    pub fn default_format(&self) -> Format {
        if self.is_sparse() {
            Format::LibSvm
        } else {
            Format::Csv
        }
    }

    /// The format `path` is written in: the one its name names (`.csv`; `.svm`, `.libsvm`,
    /// `.svmlight`; either optionally followed by `.gz`), else [`Spec::default_format`]. An error
    /// if the spec cannot be written so: sparse rows as CSV (a dense CSV of them could be
    /// huge), categorical columns or missing cells as LIBSVM (it has neither text nor empty
    /// cells), anything as Parquet. Dense rows may be written as LIBSVM.
    pub fn format_for(&self, path: &Path) -> Result<Format> {
        let format = Format::named_by(path).unwrap_or(self.default_format());
        self.check_format(format)
            .map_err(|reason| Error::InvalidParameter {
                name: "output",
                value: path.display().to_string(),
                reason,
            })?;
        Ok(format)
    }

    /// Why the spec cannot be written in `format`, if it cannot.
    fn check_format(&self, format: Format) -> std::result::Result<(), &'static str> {
        match format {
            Format::Parquet => Err(
                "generate writes CSV (.csv) or LIBSVM (.svm, .libsvm, .svmlight), optionally gzip-compressed (.gz), not Parquet",
            ),
            Format::Csv if self.is_sparse() => {
                Err("sparse rows (density < 1) are written as LIBSVM only: name the file .svm")
            }
            Format::LibSvm if !self.categorical.is_empty() => {
                Err("LIBSVM has no text cells: write categorical columns to a .csv file")
            }
            Format::LibSvm if self.missing > 0.0 => {
                Err("LIBSVM has no empty cells: write missing cells to a .csv file")
            }
            _ => Ok(()),
        }
    }

    /// Checks every field's domain.
    pub fn validate(&self) -> Result<()> {
        let invalid = |name, value: String, reason| {
            Err(Error::InvalidParameter {
                name,
                value,
                reason,
            })
        };
        if self.rows == 0 {
            return invalid("rows", "0".into(), "need at least one row");
        }
        if self.features == 0 && self.categorical.is_empty() {
            return invalid(
                "features",
                "0".into(),
                "need at least one feature (or a categorical column)",
            );
        }
        if self.features > crate::data::libsvm::MAX_FEATURES {
            return invalid(
                "features",
                self.features.to_string(),
                "must be at most 2^26 = 67,108,864 (the most a LIBSVM file may use)",
            );
        }
        if !(self.density > 0.0 && self.density <= 1.0) {
            return invalid("density", self.density.to_string(), "must be in (0, 1]");
        }
        if !(self.scale.is_finite() && self.scale >= 0.0) {
            return invalid("scale", self.scale.to_string(), "must be finite and ≥ 0");
        }
        if !self.bias.is_finite() {
            return invalid("bias", self.bias.to_string(), "must be finite");
        }
        if !(2..=crate::data::MAX_CLASSES_LIMIT).contains(&self.classes) {
            return invalid(
                "classes",
                self.classes.to_string(),
                "must be between 2 and 1000",
            );
        }
        if self.decimals == 0 || self.decimals > MAX_DECIMALS {
            return invalid(
                "decimals",
                self.decimals.to_string(),
                "must be between 1 and 12",
            );
        }
        if self.categorical.contains(&0) {
            return invalid(
                "categorical",
                "0 levels".into(),
                "every categorical column needs at least one level",
            );
        }
        let levels = self
            .categorical
            .iter()
            .try_fold(0usize, |total, &l| total.checked_add(l));
        if levels.is_none_or(|total| total > MAX_LEVELS) {
            return invalid(
                "categorical",
                levels.map_or("more than 2^64".into(), |total| format!("{total} levels")),
                "must have at most 10,000,000 levels in all",
            );
        }
        if !(self.missing >= 0.0 && self.missing < 1.0) {
            return invalid("missing", self.missing.to_string(), "must be in [0, 1)");
        }
        if self.is_sparse() && (!self.categorical.is_empty() || self.missing > 0.0) {
            return invalid(
                "density",
                self.density.to_string(),
                "categorical columns and missing cells need dense rows (density 1)",
            );
        }
        Ok(())
    }

    /// w*, b* (and the sparse idf weights, the class weights, the categorical columns), from
    /// stream 0.
    pub fn true_model(&self) -> TrueModel {
        let mut rng = stream(self.seed, 0);
        let expected_norm2 = if self.is_sparse() {
            1.0
        } else {
            (self.features as f64).max(1.0)
        };
        // The numeric part's share of the logit's variance scale².
        let numeric_share: f64 = match (self.features, self.categorical.len()) {
            (_, 0) => 1.0,
            (0, _) => 0.0,
            _ => 0.5,
        };
        let sd = self.scale * numeric_share.sqrt() / expected_norm2.sqrt();
        let weights = (0..self.features).map(|_| sd * rng.normal()).collect();
        let idf = if self.is_sparse() {
            (0..self.features)
                .map(|_| 1.0 + exponential(&mut rng))
                .collect()
        } else {
            Vec::new()
        };
        // Drawn after the binary model's numbers, so two-class files stay as they were.
        let class_weights = if self.classes > 2 {
            (0..self.classes)
                .map(|_| (0..self.features).map(|_| sd * rng.normal()).collect())
                .collect()
        } else {
            Vec::new()
        };
        let column_variance =
            self.scale * self.scale * (1.0 - numeric_share) / self.categorical.len().max(1) as f64;
        let columns = (self.categorical.iter().enumerate())
            .map(|(c, &levels)| self.categorical_column(c + 1, levels, column_variance, &mut rng))
            .collect();
        TrueModel {
            weights,
            bias: self.bias,
            idf,
            class_weights,
            categorical: Categorical { columns },
        }
    }

    /// Categorical column `number` (from 1) with `levels` levels, whose effects add `variance`
    /// to the logit's in expectation (see the module docs).
    fn categorical_column(
        &self,
        number: usize,
        levels: usize,
        variance: f64,
        rng: &mut SplitMix64,
    ) -> CategoricalColumn {
        let mut by_rank: Vec<u32> = (0..levels as u32).collect();
        rng.shuffle(&mut by_rank);
        let harmonic: f64 = (1..=levels).map(|r| 1.0 / r as f64).sum();
        let mut probabilities = vec![0.0; levels];
        let mut cumulative = Vec::with_capacity(levels);
        let mut total = 0.0;
        for (r, &l) in by_rank.iter().enumerate() {
            let p = 1.0 / ((r + 1) as f64 * harmonic);
            probabilities[l as usize] = p;
            total += p;
            cumulative.push(total);
        }
        let concentration: f64 = probabilities.iter().map(|p| p * p).sum();
        // One level: 1 − Σ p² = 0 and the centred effect is 0 whatever σ is.
        let sd = if concentration < 1.0 {
            (variance / (1.0 - concentration)).sqrt()
        } else {
            0.0
        };
        let effects = |rng: &mut SplitMix64| -> Vec<f64> {
            let g: Vec<f64> = (0..levels).map(|_| rng.normal()).collect();
            let mean: f64 = g.iter().zip(&probabilities).map(|(g, p)| g * p).sum();
            g.iter().map(|g| sd * (g - mean)).collect()
        };
        let (effects, class_effects) = if self.classes > 2 {
            (
                Vec::new(),
                (0..self.classes).map(|_| effects(rng)).collect(),
            )
        } else {
            (effects(rng), Vec::new())
        };
        CategoricalColumn {
            name: format!("cat{number}"),
            levels: (0..levels).map(|l| format!("c{number}_{l}")).collect(),
            probabilities,
            effects,
            class_effects,
            by_rank,
            cumulative,
        }
    }

    /// Writes the data set to `path` atomically (temporary file, then rename), in the format
    /// [`Spec::format_for`] gives, gzip-compressed if the name ends in `.gz`.
    pub fn write(&self, path: &Path) -> Result<Summary> {
        self.validate()?;
        let format = self.format_for(path)?;
        let gzip = gzipped(path);
        let path = match OutputTarget::of(path)? {
            OutputTarget::Device(device) => {
                let out = BufWriter::with_capacity(1 << 20, open_device(&device)?);
                let (summary, mut out) = self
                    .write_compressed(out, format, gzip)
                    .map_err(|e| Error::io(&device, e))?;
                out.flush().map_err(|e| Error::io(&device, e))?;
                return Ok(summary);
            }
            OutputTarget::File(file) => file,
        };
        let path = path.as_path();
        let tmp = temporary_beside(path)?;
        let out = BufWriter::with_capacity(1 << 20, tmp);
        let (summary, out) = self
            .write_compressed(out, format, gzip)
            .map_err(|e| Error::io(path, e))?;
        let tmp = out
            .into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?;
        finish(tmp, path)?;
        Ok(summary)
    }

    /// Writes the data set to `out`, through a gzip encoder if `gzip`, and gives `out` back.
    fn write_compressed<W: Write>(
        &self,
        mut out: W,
        format: Format,
        gzip: bool,
    ) -> std::io::Result<(Summary, W)> {
        if gzip {
            // flate2 writes a header without a name or a time: the same bytes on any machine.
            let mut encoder = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            let summary = self.write_to(&mut encoder, format)?;
            Ok((summary, encoder.finish()?))
        } else {
            let summary = self.write_to(&mut out, format)?;
            Ok((summary, out))
        }
    }

    /// Writes the data set to any writer in `format`. Panics if the spec is invalid (see
    /// [`Spec::validate`]) or cannot be written in `format` (see [`Spec::format_for`]).
    pub fn write_to(&self, out: &mut impl Write, format: Format) -> std::io::Result<Summary> {
        self.validate().expect("a valid spec");
        if let Err(reason) = self.check_format(format) {
            panic!("cannot write this spec as {format:?}: {reason}");
        }
        let model = self.true_model();
        let mut summary = Summary {
            rows: self.rows,
            features: self.features,
            positives: 0,
            nonzeros: 0,
            missing: 0,
            bytes: 0,
        };
        if format == Format::Csv {
            let mut header = Vec::new();
            for j in 1..=self.features {
                write!(header, "x{j},")?;
            }
            for column in &model.categorical.columns {
                write!(header, "{},", column.name)?;
            }
            header.extend_from_slice(b"label\n");
            out.write_all(&header)?;
            summary.bytes += header.len() as u64;
        }
        let blocks = self.rows.div_ceil(ROWS_PER_BLOCK);
        for first in (0..blocks).step_by(BLOCKS_PER_BATCH) {
            let batch: Vec<Block> = (first..blocks.min(first + BLOCKS_PER_BATCH))
                .into_par_iter()
                .map(|k| self.block(&model, format, k))
                .collect();
            for block in batch {
                out.write_all(&block.text)?;
                summary.bytes += block.text.len() as u64;
                summary.positives += block.positives;
                summary.nonzeros += block.nonzeros;
                summary.missing += block.missing;
            }
        }
        out.flush()?;
        Ok(summary)
    }

    /// Block k: rows k·B .. min((k+1)·B, rows), from stream k + 1.
    fn block(&self, model: &TrueModel, format: Format, k: usize) -> Block {
        let mut rng = stream(self.seed, k as u64 + 1);
        let start = k * ROWS_PER_BLOCK;
        let end = self.rows.min(start + ROWS_PER_BLOCK);
        let unit = 10f64.powi(self.decimals as i32);
        let categorical = &model.categorical.columns;
        let cells = self.features + categorical.len();
        let mut block = Block {
            text: Vec::with_capacity((end - start) * cells.max(1) * 11),
            positives: 0,
            nonzeros: 0,
            missing: 0,
        };
        // Reused per row: the rounded values as integers q (x = q / 10^decimals), their columns
        // (sparse rows), the categorical levels and which feature cells are left empty.
        let mut q: Vec<i64> = Vec::with_capacity(self.features);
        let mut columns: Vec<usize> = Vec::new();
        let mut raw: Vec<f64> = Vec::new();
        let mut levels: Vec<usize> = Vec::with_capacity(categorical.len());
        let mut empty: Vec<bool> = Vec::new();
        for _ in start..end {
            q.clear();
            levels.clear();
            empty.clear();
            let mut z = model.bias;
            if self.is_sparse() {
                sparse_row(
                    &mut rng,
                    self.features,
                    self.density,
                    &mut columns,
                    &mut raw,
                );
                for (v, &j) in raw.iter_mut().zip(&columns) {
                    *v *= model.idf[j];
                }
                let norm = raw.iter().map(|v| v * v).sum::<f64>().sqrt();
                for (&v, &j) in raw.iter().zip(&columns) {
                    let qv = (v / norm * unit).round() as i64;
                    q.push(qv);
                    z += model.weights[j] * (qv as f64 / unit);
                }
            } else {
                for pair in model.weights.chunks(2) {
                    let (g0, g1) = normal_pair(&mut rng);
                    for (w, g) in pair.iter().zip([g0, g1]) {
                        let qv = (g * unit).round() as i64;
                        q.push(qv);
                        z += w * (qv as f64 / unit);
                    }
                }
            }
            for column in categorical {
                let level = column.draw(&mut rng);
                levels.push(level);
                if let Some(effect) = column.effects.get(level) {
                    z += effect;
                }
            }
            let (positive, class) = if model.class_weights.is_empty() {
                let positive = rng.next_f64() < sigmoid(z);
                (positive, usize::from(positive))
            } else {
                let class = self.draw_class(model, &q, &columns, &levels, unit, &mut rng);
                (class > 0, class)
            };
            // Cells are removed after the label is drawn from the complete row.
            if self.missing > 0.0 {
                empty.extend((0..cells).map(|_| rng.next_f64() < self.missing));
            }
            block.positives += usize::from(positive);
            let text = &mut block.text;
            let multiclass = !model.class_weights.is_empty();
            if format == Format::LibSvm {
                if multiclass {
                    push_uint(text, class as u64);
                } else {
                    text.extend_from_slice(if positive { b"+1" } else { b"-1" });
                }
                for (i, &qv) in q.iter().enumerate() {
                    // A value that rounds to 0 is not a non-zero: leave it out.
                    if qv != 0 {
                        let j = if self.is_sparse() { columns[i] } else { i };
                        text.push(b' ');
                        push_uint(text, j as u64 + 1);
                        text.push(b':');
                        push_fixed(text, qv, self.decimals);
                        block.nonzeros += 1;
                    }
                }
            } else {
                let is_empty = |cell: usize| empty.get(cell).copied().unwrap_or(false);
                for (j, &qv) in q.iter().enumerate() {
                    if is_empty(j) {
                        block.missing += 1;
                    } else {
                        push_fixed(text, qv, self.decimals);
                        block.nonzeros += 1;
                    }
                    text.push(b',');
                }
                for (c, (column, &level)) in categorical.iter().zip(&levels).enumerate() {
                    if is_empty(q.len() + c) {
                        block.missing += 1;
                    } else {
                        text.extend_from_slice(column.levels[level].as_bytes());
                    }
                    text.push(b',');
                }
                if multiclass {
                    push_uint(text, class as u64);
                } else {
                    text.push(if positive { b'1' } else { b'0' });
                }
            }
            text.push(b'\n');
        }
        block
    }

    /// A class drawn from softmax(z), z_k = w*_k·x + Σ_c β_kc(level_c) for the row's rounded
    /// values `q` (at `columns` for sparse rows) and categorical `levels`.
    fn draw_class(
        &self,
        model: &TrueModel,
        q: &[i64],
        columns: &[usize],
        levels: &[usize],
        unit: f64,
        rng: &mut SplitMix64,
    ) -> usize {
        let z: Vec<f64> = (model.class_weights.iter().enumerate())
            .map(|(k, w)| {
                let numeric: f64 = if self.is_sparse() {
                    q.iter()
                        .zip(columns)
                        .map(|(&v, &j)| w[j] * (v as f64 / unit))
                        .sum()
                } else {
                    q.iter().zip(w).map(|(&v, w)| w * (v as f64 / unit)).sum()
                };
                let categorical: f64 = (model.categorical.columns.iter().zip(levels))
                    .map(|(column, &level)| column.class_effects[k][level])
                    .sum();
                numeric + categorical
            })
            .collect();
        let top = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = z.iter().map(|v| (v - top).exp()).collect();
        let total: f64 = e.iter().sum();
        let mut u = rng.next_f64() * total;
        for (k, v) in e.iter().enumerate() {
            if u < *v {
                return k;
            }
            u -= v;
        }
        e.len() - 1
    }
}

/// Random stream `id` of `seed`: SplitMix64 started from a SplitMix64 output, so that nearby
/// seeds and ids give unrelated streams.
fn stream(seed: u64, id: u64) -> SplitMix64 {
    let mut mixer = SplitMix64::new(seed ^ id.wrapping_mul(0xD1B5_4A32_D192_ED03));
    SplitMix64::new(mixer.next_u64())
}

/// Two independent N(0, 1) deviates from one Box–Muller draw (both the cosine and the sine).
fn normal_pair(rng: &mut SplitMix64) -> (f64, f64) {
    let u1 = 1.0 - rng.next_f64();
    let u2 = rng.next_f64();
    let r = (-2.0 * u1.ln()).sqrt();
    let (sin, cos) = (2.0 * std::f64::consts::PI * u2).sin_cos();
    (r * cos, r * sin)
}

/// An Exp(1) deviate.
fn exponential(rng: &mut SplitMix64) -> f64 {
    -(1.0 - rng.next_f64()).ln()
}

/// The columns of one sparse row (increasing) and their raw tf values (before idf and
/// normalisation). Each column is present with probability `density`: the gaps between present
/// columns are geometric, drawn directly, so a row costs O(non-zeros) rather than O(n).
fn sparse_row(
    rng: &mut SplitMix64,
    n: usize,
    density: f64,
    columns: &mut Vec<usize>,
    raw: &mut Vec<f64>,
) {
    columns.clear();
    raw.clear();
    let log_miss = (1.0 - density).ln();
    let mut j = 0usize;
    loop {
        // Columns skipped before the next present one: ⌊ln U / ln(1 − P)⌋ ~ Geometric(P).
        let skip = ((1.0 - rng.next_f64()).ln() / log_miss).floor();
        if skip >= (n - j) as f64 {
            break;
        }
        j += skip as usize;
        columns.push(j);
        j += 1;
        if j >= n {
            break;
        }
    }
    if columns.is_empty() {
        columns.push(rng.below(n));
    }
    for _ in 0..columns.len() {
        let count = (2.0 * exponential(rng)).floor();
        raw.push(1.0 + count.ln_1p());
    }
}

/// Appends the decimal digits of `v`.
fn push_uint(text: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    text.extend_from_slice(&digits[i..]);
}

/// Appends q / 10^decimals in fixed point with exactly `decimals` digits after the point.
fn push_fixed(text: &mut Vec<u8>, q: i64, decimals: u32) {
    if q < 0 {
        text.push(b'-');
    }
    let q = q.unsigned_abs();
    let unit = 10u64.pow(decimals);
    push_uint(text, q / unit);
    text.push(b'.');
    let mut fraction = q % unit;
    let start = text.len();
    text.resize(start + decimals as usize, b'0');
    for i in (0..decimals as usize).rev() {
        text[start + i] = b'0' + (fraction % 10) as u8;
        fraction /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::csv::{TrainingCsv, read_training};

    fn bytes(spec: &Spec) -> (Vec<u8>, Summary) {
        let mut out = Vec::new();
        let summary = spec.write_to(&mut out, spec.default_format()).unwrap();
        (out, summary)
    }

    fn dense(rows: usize, features: usize, seed: u64) -> Spec {
        Spec {
            rows,
            features,
            seed,
            ..Spec::default()
        }
    }

    #[test]
    fn fixed_point_formatting() {
        let cases = [
            (0, 3, "0.000"),
            (5, 3, "0.005"),
            (-5, 3, "-0.005"),
            (1_234_567, 6, "1.234567"),
            (-12_000_001, 6, "-12.000001"),
            (10, 1, "1.0"),
        ];
        for (q, d, expected) in cases {
            let mut text = Vec::new();
            push_fixed(&mut text, q, d);
            assert_eq!(std::str::from_utf8(&text).unwrap(), expected);
            assert_eq!(
                expected.parse::<f64>().unwrap(),
                q as f64 / 10f64.powi(d as i32)
            );
        }
    }

    #[test]
    fn same_seed_same_bytes_on_any_thread_count() {
        // More than one batch of blocks, and a partial last block.
        let spec = dense(3 * ROWS_PER_BLOCK + 17, 3, 7);
        let (a, _) = bytes(&spec);
        let single = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let (b, _) = single.install(|| bytes(&spec));
        assert_eq!(a, b);
        let (c, _) = bytes(&Spec { seed: 8, ..spec });
        assert_ne!(a, c);
    }

    #[test]
    fn labels_are_plausibly_balanced_and_follow_the_model() {
        let spec = dense(20_000, 5, 1);
        let (_, summary) = bytes(&spec);
        // b* = 0.25 and a symmetric logit: P(y = 1) is a little above 1/2.
        let share = summary.positives as f64 / summary.rows as f64;
        assert!((0.45..0.65).contains(&share), "positive share {share}");
        // Without signal or bias the labels are fair coin flips.
        let coin = Spec {
            scale: 0.0,
            bias: 0.0,
            ..spec
        };
        let share = bytes(&coin).1.positives as f64 / 20_000.0;
        assert!((share - 0.5).abs() < 0.02, "coin share {share}");
    }

    #[test]
    fn dense_csv_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        let spec = dense(5000, 4, 3);
        let summary = spec.write(&path).unwrap();
        assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());
        let data = read_training(&path, &TrainingCsv::default()).unwrap();
        assert_eq!(data.n_rows(), 5000);
        assert_eq!(data.feature_names, ["x1", "x2", "x3", "x4"]);
        assert_eq!(data.target, "label");
        let positives = data.y.iter().filter(|&&y| y == 1.0).count();
        assert_eq!(positives, summary.positives);
        // x ~ N(0, 1): the first column's sample variance is near 1.
        let col: Vec<f64> = (0..5000).map(|i| data.design().row_values(i)[0]).collect();
        let var = col.iter().map(|v| v * v).sum::<f64>() / 5000.0;
        assert!((var - 1.0).abs() < 0.1, "variance {var}");
    }

    #[test]
    fn sparse_libsvm_rows_are_unit_norm_with_increasing_indices() {
        let spec = Spec {
            rows: 2000,
            features: 500,
            density: 0.02,
            seed: 5,
            ..Spec::default()
        };
        let (text, summary) = bytes(&spec);
        let text = std::str::from_utf8(&text).unwrap();
        let mut rows = 0;
        let mut nonzeros = 0;
        for line in text.lines() {
            rows += 1;
            let mut fields = line.split(' ');
            assert!(matches!(fields.next(), Some("+1" | "-1")));
            let mut last = 0;
            let mut norm2 = 0.0;
            for field in fields {
                let (index, value) = field.split_once(':').unwrap();
                let index: usize = index.parse().unwrap();
                let value: f64 = value.parse().unwrap();
                assert!(index > last && index <= 500, "index {index} after {last}");
                assert!(value > 0.0);
                last = index;
                norm2 += value * value;
                nonzeros += 1;
            }
            assert!(last > 0, "an empty row");
            assert!((norm2 - 1.0).abs() < 1e-4, "squared norm {norm2}");
        }
        assert_eq!(rows, 2000);
        assert_eq!(nonzeros, summary.nonzeros);
        // About P·n = 10 non-zeros per row.
        let per_row = nonzeros as f64 / 2000.0;
        assert!((per_row - 10.0).abs() < 1.0, "{per_row} non-zeros per row");
    }

    #[test]
    fn levels_spread_log_uniformly() {
        assert_eq!(log_spaced_levels(5, 10, 1000), [10, 32, 100, 316, 1000]);
        assert_eq!(log_spaced_levels(3, 7, 7), [7, 7, 7]);
        assert_eq!(log_spaced_levels(1, 4, 4), [4]);
    }

    /// The CSV rows of `text` (after the header) split into fields.
    fn csv_rows(text: &[u8]) -> Vec<Vec<String>> {
        let text = std::str::from_utf8(text).unwrap();
        (text.lines().skip(1))
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    }

    #[test]
    fn categorical_columns_have_their_levels_zipf_popularity_and_centred_effects() {
        let spec = Spec {
            categorical: vec![1, 3, 12],
            ..dense(5000, 2, 11)
        };
        let (text, _) = bytes(&spec);
        let header = std::str::from_utf8(&text).unwrap().lines().next().unwrap();
        assert_eq!(header, "x1,x2,cat1,cat2,cat3,label");
        let rows = csv_rows(&text);
        let model = spec.true_model();
        for (c, (column, &levels)) in model
            .categorical
            .columns
            .iter()
            .zip(&spec.categorical)
            .enumerate()
        {
            assert_eq!(column.levels.len(), levels);
            let mut counts = std::collections::BTreeMap::new();
            for row in &rows {
                *counts.entry(row[2 + c].as_str()).or_insert(0usize) += 1;
            }
            assert_eq!(counts.len(), levels, "{counts:?}");
            // Each level is seen about as often as its probability says; the probabilities
            // are 1/(r·H_L) for the ranks r = 1, …, L.
            let harmonic: f64 = (1..=levels).map(|r| 1.0 / r as f64).sum();
            let mut by_rank = column.probabilities.clone();
            by_rank.sort_by(|a, b| b.total_cmp(a));
            for (r, p) in by_rank.iter().enumerate() {
                assert!((p * (r + 1) as f64 * harmonic - 1.0).abs() < 1e-12);
            }
            for (name, &p) in column.levels.iter().zip(&column.probabilities) {
                let share = counts[name.as_str()] as f64 / 5000.0;
                assert!((share - p).abs() < 4.0 * (p * (1.0 - p) / 5000.0).sqrt() + 1e-9);
            }
            let mean: f64 = column
                .effects
                .iter()
                .zip(&column.probabilities)
                .map(|(b, p)| b * p)
                .sum();
            assert!(mean.abs() < 1e-12, "popularity-weighted mean effect {mean}");
        }
        // One level carries nothing; the others do.
        assert_eq!(model.categorical.columns[0].effects, [0.0]);
        assert!(
            model.categorical.columns[2]
                .effects
                .iter()
                .all(|b| *b != 0.0)
        );
    }

    #[test]
    fn categorical_effects_add_about_as_much_variance_as_the_numeric_part() {
        // Averaged over seeds, since one draw of w* or β scatters widely around its mean.
        let (mut numeric, mut categorical) = (0.0, 0.0);
        for seed in 0..200 {
            let spec = Spec {
                categorical: vec![5, 50],
                ..dense(1, 8, seed)
            };
            let model = spec.true_model();
            numeric += model.weights.iter().map(|w| w * w).sum::<f64>() / 200.0;
            for column in &model.categorical.columns {
                let variance: f64 = (column.effects.iter().zip(&column.probabilities))
                    .map(|(b, p)| p * b * b)
                    .sum();
                categorical += variance / 200.0;
            }
        }
        // scale² / 2 = 2 each.
        assert!((numeric - 2.0).abs() < 0.25, "numeric {numeric}");
        assert!(
            (categorical - 2.0).abs() < 0.25,
            "categorical {categorical}"
        );
    }

    #[test]
    fn missing_cells_are_about_the_asked_share_and_never_the_label() {
        let spec = Spec {
            categorical: vec![4],
            missing: 0.25,
            ..dense(4000, 3, 2)
        };
        let (text, summary) = bytes(&spec);
        let rows = csv_rows(&text);
        let empty = rows
            .iter()
            .flat_map(|r| &r[..4])
            .filter(|v| v.is_empty())
            .count();
        assert_eq!(empty, summary.missing);
        let numeric_empty = rows
            .iter()
            .flat_map(|r| &r[..3])
            .filter(|v| v.is_empty())
            .count();
        assert_eq!(summary.nonzeros, 4000 * 3 - numeric_empty);
        // 16,000 cells: the share's standard error is 0.0034.
        let share = empty as f64 / 16_000.0;
        assert!((share - 0.25).abs() < 0.015, "empty share {share}");
        assert!(rows.iter().all(|r| r[4] == "0" || r[4] == "1"));
    }

    #[test]
    fn categorical_and_missing_are_deterministic_and_work_with_classes() {
        let spec = Spec {
            categorical: vec![3, 30],
            missing: 0.1,
            classes: 4,
            ..dense(ROWS_PER_BLOCK + 5, 0, 6)
        };
        let (a, summary) = bytes(&spec);
        let single = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(single.install(|| bytes(&spec)).0, a);
        assert_ne!(
            bytes(&Spec {
                seed: 7,
                ..spec.clone()
            })
            .0,
            a
        );
        let labels: std::collections::BTreeSet<String> =
            csv_rows(&a).into_iter().map(|r| r[2].clone()).collect();
        assert_eq!(labels.into_iter().collect::<Vec<_>>(), ["0", "1", "2", "3"]);
        assert_eq!(summary.nonzeros, 0);
        let json = serde_json::to_value(spec.true_model()).unwrap();
        let classes = json["class_level_effects"].as_array().unwrap();
        assert_eq!(classes.len(), 4);
        assert_eq!(classes[3].as_object().unwrap().len(), 33);
        assert!(classes[3]["cat2=c2_29"].is_f64());
        assert!(json.get("level_effects").is_none());
    }

    #[test]
    fn invalid_specs_are_errors() {
        for spec in [
            Spec {
                rows: 0,
                ..Spec::default()
            },
            Spec {
                density: 0.0,
                ..Spec::default()
            },
            Spec {
                density: 1.5,
                ..Spec::default()
            },
            Spec {
                decimals: 0,
                ..Spec::default()
            },
            Spec {
                features: 2305843009213693952,
                ..Spec::default()
            },
            Spec {
                features: 0,
                ..Spec::default()
            },
            Spec {
                categorical: vec![3, 0],
                ..Spec::default()
            },
            Spec {
                categorical: vec![usize::MAX, 2],
                ..Spec::default()
            },
            Spec {
                missing: 1.0,
                ..Spec::default()
            },
            Spec {
                missing: f64::NAN,
                ..Spec::default()
            },
            Spec {
                density: 0.5,
                missing: 0.1,
                ..Spec::default()
            },
        ] {
            assert!(matches!(
                spec.validate(),
                Err(Error::InvalidParameter { .. })
            ));
        }
        // What the named format cannot hold.
        let sparse = Spec {
            density: 0.5,
            ..Spec::default()
        };
        let categorical = Spec {
            categorical: vec![2],
            ..Spec::default()
        };
        for (spec, name) in [
            (&sparse, "x.csv"),
            (&sparse, "x.CSV.gz"),
            (&categorical, "x.svm"),
            (&Spec::default(), "x.parquet"),
        ] {
            assert!(matches!(
                spec.format_for(Path::new(name)),
                Err(Error::InvalidParameter { name: "output", .. })
            ));
        }
        assert_eq!(sparse.format_for(Path::new("x")).unwrap(), Format::LibSvm);
        assert_eq!(
            categorical.format_for(Path::new("x.txt")).unwrap(),
            Format::Csv
        );
        assert_eq!(
            Spec::default().format_for(Path::new("x.svm.gz")).unwrap(),
            Format::LibSvm
        );
    }
}
