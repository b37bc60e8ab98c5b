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
//! Determinism: the random streams are SplitMix64 ([`crate::rng`]). Stream 0, seeded from the
//! seed, draws w* then (sparse only) idf; rows are cut into fixed blocks of [`ROWS_PER_BLOCK`]
//! and block k has its own stream k + 1. Blocks are generated in parallel and written in order,
//! so a seed gives the same bytes on any number of threads.
//!
//! Formats: dense data is CSV with a header `x1,...,xn,label` and labels 0/1; sparse data is
//! LIBSVM, `label idx:val ...` with labels +1/−1 and 1-based increasing indices. Values are
//! written in fixed-point with `decimals` digits after the point (default 6: about 7
//! significant digits for N(0, 1) values, as many as f32 storage keeps). The file is written to
//! a temporary file beside the target and renamed over it only when complete.

use crate::error::{Error, Result};
use crate::loss::sigmoid;
use crate::outputs::{OutputTarget, finish, open_device, temporary_beside};
use crate::rng::SplitMix64;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Rows per independently seeded block (fixed: the output must not depend on the thread count).
pub const ROWS_PER_BLOCK: usize = 4096;
/// Blocks generated in parallel before they are written, bounding the memory in flight.
const BLOCKS_PER_BATCH: usize = 32;
/// Most digits after the decimal point (10^12 · |x| stays exact in an i64 for any |x| < 9000).
const MAX_DECIMALS: u32 = 12;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub rows: usize,
    pub features: usize,
    /// Fraction of non-zero entries; 1.0 means dense (CSV), less means sparse (LIBSVM).
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
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub rows: usize,
    pub features: usize,
    /// Rows with label 1 (with K ≥ 3 classes: with a label other than 0).
    pub positives: usize,
    /// Non-zero feature values written (rows × features for dense data).
    pub nonzeros: usize,
    pub bytes: u64,
}

/// One generated block of rows, as text.
struct Block {
    text: Vec<u8>,
    positives: usize,
    nonzeros: usize,
}

impl Spec {
    /// Is the output sparse (LIBSVM) rather than dense (CSV)?
    pub fn is_sparse(&self) -> bool {
        self.density < 1.0
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
        if self.features == 0 {
            return invalid("features", "0".into(), "need at least one feature");
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
        Ok(())
    }

    /// w*, b* (and the sparse idf weights), from stream 0.
    pub fn true_model(&self) -> TrueModel {
        let mut rng = stream(self.seed, 0);
        let expected_norm2 = if self.is_sparse() {
            1.0
        } else {
            self.features as f64
        };
        let sd = self.scale / expected_norm2.sqrt();
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
        TrueModel {
            weights,
            bias: self.bias,
            idf,
            class_weights,
        }
    }

    /// Writes the data set to `path` atomically (temporary file, then rename).
    pub fn write(&self, path: &Path) -> Result<Summary> {
        self.validate()?;
        let path = match OutputTarget::of(path)? {
            OutputTarget::Device(device) => {
                let mut out = BufWriter::with_capacity(1 << 20, open_device(&device)?);
                let summary = self.write_to(&mut out).map_err(|e| Error::io(&device, e))?;
                out.flush().map_err(|e| Error::io(&device, e))?;
                return Ok(summary);
            }
            OutputTarget::File(file) => file,
        };
        let path = path.as_path();
        let tmp = temporary_beside(path)?;
        let mut out = BufWriter::with_capacity(1 << 20, tmp);
        let summary = self.write_to(&mut out).map_err(|e| Error::io(path, e))?;
        let tmp = out
            .into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?;
        finish(tmp, path)?;
        Ok(summary)
    }

    /// Writes the data set to any writer. Panics if the spec is invalid (see [`Spec::validate`]).
    pub fn write_to(&self, out: &mut impl Write) -> std::io::Result<Summary> {
        self.validate().expect("a valid spec");
        let model = self.true_model();
        let mut summary = Summary {
            rows: self.rows,
            features: self.features,
            positives: 0,
            nonzeros: 0,
            bytes: 0,
        };
        if !self.is_sparse() {
            let mut header = Vec::new();
            for j in 1..=self.features {
                write!(header, "x{j},")?;
            }
            header.extend_from_slice(b"label\n");
            out.write_all(&header)?;
            summary.bytes += header.len() as u64;
        }
        let blocks = self.rows.div_ceil(ROWS_PER_BLOCK);
        for first in (0..blocks).step_by(BLOCKS_PER_BATCH) {
            let batch: Vec<Block> = (first..blocks.min(first + BLOCKS_PER_BATCH))
                .into_par_iter()
                .map(|k| self.block(&model, k))
                .collect();
            for block in batch {
                out.write_all(&block.text)?;
                summary.bytes += block.text.len() as u64;
                summary.positives += block.positives;
                summary.nonzeros += block.nonzeros;
            }
        }
        out.flush()?;
        Ok(summary)
    }

    /// Block k: rows k·B .. min((k+1)·B, rows), from stream k + 1.
    fn block(&self, model: &TrueModel, k: usize) -> Block {
        let mut rng = stream(self.seed, k as u64 + 1);
        let start = k * ROWS_PER_BLOCK;
        let end = self.rows.min(start + ROWS_PER_BLOCK);
        let unit = 10f64.powi(self.decimals as i32);
        let mut block = Block {
            text: Vec::with_capacity((end - start) * self.features.max(1) * 11),
            positives: 0,
            nonzeros: 0,
        };
        // Reused per row: the rounded values as integers q (x = q / 10^decimals) and columns.
        let mut q: Vec<i64> = Vec::with_capacity(self.features);
        let mut columns: Vec<usize> = Vec::new();
        let mut raw: Vec<f64> = Vec::new();
        for _ in start..end {
            q.clear();
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
            let (positive, class) = if model.class_weights.is_empty() {
                let positive = rng.next_f64() < sigmoid(z);
                (positive, usize::from(positive))
            } else {
                let class = self.draw_class(model, &q, &columns, unit, &mut rng);
                (class > 0, class)
            };
            block.positives += usize::from(positive);
            let text = &mut block.text;
            if !model.class_weights.is_empty() {
                push_uint(text, class as u64);
                if !self.is_sparse() {
                    for &qv in &q {
                        push_fixed(text, qv, self.decimals);
                        text.push(b',');
                    }
                    block.nonzeros += q.len();
                    text.truncate(text.len() - 1);
                    // The label goes last in CSV: move it there.
                    let row_start = text.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                    let label_len = decimal_len(class as u64);
                    let row = text.split_off(row_start);
                    text.extend_from_slice(&row[label_len..]);
                    text.push(b',');
                    text.extend_from_slice(&row[..label_len]);
                    text.push(b'\n');
                    continue;
                }
                for (&qv, &j) in q.iter().zip(&columns) {
                    if qv != 0 {
                        text.push(b' ');
                        push_uint(text, j as u64 + 1);
                        text.push(b':');
                        push_fixed(text, qv, self.decimals);
                        block.nonzeros += 1;
                    }
                }
            } else if self.is_sparse() {
                text.extend_from_slice(if positive { b"+1" } else { b"-1" });
                for (&qv, &j) in q.iter().zip(&columns) {
                    // A value that rounds to 0 is not a non-zero: leave it out.
                    if qv != 0 {
                        text.push(b' ');
                        push_uint(text, j as u64 + 1);
                        text.push(b':');
                        push_fixed(text, qv, self.decimals);
                        block.nonzeros += 1;
                    }
                }
            } else {
                for &qv in &q {
                    push_fixed(text, qv, self.decimals);
                    text.push(b',');
                }
                block.nonzeros += q.len();
                text.push(if positive { b'1' } else { b'0' });
            }
            text.push(b'\n');
        }
        block
    }
}

impl Spec {
    /// A class drawn from softmax(z), z_k = w*_k·x for the row's rounded values `q` (at
    /// `columns` for sparse rows).
    fn draw_class(
        &self,
        model: &TrueModel,
        q: &[i64],
        columns: &[usize],
        unit: f64,
        rng: &mut SplitMix64,
    ) -> usize {
        let z: Vec<f64> = model
            .class_weights
            .iter()
            .map(|w| {
                if self.is_sparse() {
                    q.iter()
                        .zip(columns)
                        .map(|(&v, &j)| w[j] * (v as f64 / unit))
                        .sum()
                } else {
                    q.iter().zip(w).map(|(&v, w)| w * (v as f64 / unit)).sum()
                }
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

/// Digits of v in decimal.
fn decimal_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
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
        let summary = spec.write_to(&mut out).unwrap();
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
        ] {
            assert!(matches!(
                spec.validate(),
                Err(Error::InvalidParameter { .. })
            ));
        }
    }
}
