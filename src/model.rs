//! The fitted model and its versioned, human-readable file format.
//!
//! A model file is one JSON object (see the README for every field). Weights are on the raw
//! feature scale, so prediction is z_k = w_k·x + b_k and a = σ(z) (one neuron, two classes) or
//! softmax(z) (K neurons) with no preprocessing; the standardisation used in training is
//! recorded for reference. Version 2 holds K classes; version 1 files (two classes, one weight
//! vector) are read unchanged. Floats are written in their
//! shortest round-trip form and read back bit-exact. Files are written atomically (see
//! [`crate::outputs`]), so a failed or interrupted write never leaves a truncated model or
//! clobbers an existing one.

use crate::data::encoding::Encoding;
use crate::data::{Design, LabelMap, Precision, Schema};
use crate::error::{Error, Result};
use crate::loss;
pub use crate::outputs::write_atomically;
use crate::solver::Termination;
use crate::standardize::Standardization;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The value of the `format` field of every model file.
pub const FORMAT: &str = "logreg-model";
/// The newest format version this build writes (it reads versions 1 to this one). A file is
/// written at the lowest version that holds it: 3 when it has an input `encoding` or a decision
/// `threshold`, which a reader of version 2 would skip and then predict wrongly; 2 otherwise.
pub const FORMAT_VERSION: u64 = 3;

/// The decision threshold of a binary model that stores none: a row is positive when a ≥ 1/2.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// A model file to parse: from its text when small, as it is read when large, so a large file
/// costs the memory of what it holds, not of its text too (a field this version does not know
/// then costs nothing, however large).
enum ModelFile<'a> {
    Text(Vec<u8>),
    Large(&'a Path),
}

impl<'a> ModelFile<'a> {
    /// Files up to this size are read whole, which parses about twice as fast.
    const READ_WHOLE: u64 = 16 << 20;

    fn open(path: &'a Path) -> Result<Self> {
        let len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if len <= Self::READ_WHOLE {
            let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            return Ok(ModelFile::Text(text));
        }
        Ok(ModelFile::Large(path))
    }

    /// The file as a `T`, or why not.
    fn parse<T: serde::de::DeserializeOwned>(&self) -> std::result::Result<T, String> {
        match self {
            ModelFile::Text(text) => serde_json::from_slice(text).map_err(|e| e.to_string()),
            ModelFile::Large(path) => {
                let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
                let reader = std::io::BufReader::with_capacity(1 << 16, file);
                serde_json::from_reader(reader).map_err(|e| e.to_string())
            }
        }
    }
}

/// How the classes are modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Multiclass {
    /// Two classes, one sigmoid neuron: a = σ(w·x + b) is the probability of the positive class.
    Binary,
    /// K softmax neurons, one per class, fitted together.
    Multinomial,
    /// K sigmoid neurons, each fitted alone to tell its class from the rest; the probabilities
    /// are σ(z_k) divided by their sum (as scikit-learn's one-vs-rest).
    Ovr,
}

impl Multiclass {
    pub fn name(self) -> &'static str {
        match self {
            Multiclass::Binary => "binary",
            Multiclass::Multinomial => "multinomial",
            Multiclass::Ovr => "ovr",
        }
    }
}

/// One neuron's fit in a one-vs-rest model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassFit {
    pub class: String,
    pub iterations: usize,
    pub cost: f64,
    pub termination: Termination,
    pub gap_bound: Option<f64>,
}

/// How the model was trained (informational; prediction does not use it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub solver: String,
    /// λ₂ of J, on the standardised weights when `standardization` is set.
    pub l2: f64,
    /// λ₁ of J, on the same weights; absent (0) in files written before L1 existed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub l1: f64,
    /// With λ₁ > 0: λ_max, the smallest λ₁ that makes every weight 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_max: Option<f64>,
    pub rows: usize,
    pub precision: Precision,
    pub iterations: usize,
    /// J at the solution.
    pub cost: f64,
    pub gradient_norm: f64,
    pub termination: Termination,
    /// The bound on the relative gap (J − J*)/J* at the solution (see [`crate::solver`]);
    /// absent in files written before it existed, and null when no bound was computed.
    #[serde(default)]
    pub gap_bound: Option<f64>,
    /// With λ = 0: the separation found (see [`crate::separation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separation: Option<crate::separation::Separation>,
    /// The column (or file) the row weights came from; absent when every row weighed 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_weight: Option<String>,
    /// `balanced` or `LABEL=W,...`, and the weight each class got (in class order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weight: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weights: Option<Vec<f64>>,
    /// One-vs-rest: each neuron's own fit (the fields above then sum or take the worst).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_class: Vec<ClassFit>,
    /// The training file, as named on the command line; absent in files written before it was
    /// recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Where the validation rows came from; absent when there were none (or in files written
    /// before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationSplit>,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// The validation rows of a fit: held out of the training file, or a file of their own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "lowercase")]
pub enum ValidationSplit {
    /// `--validation-fraction`: [`crate::data::split::stratified`] with this fraction and seed
    /// sent `validation_rows` rows of the training file to validation and kept
    /// `training_rows` (= `rows`) to fit on.
    Fraction {
        fraction: f64,
        seed: u64,
        training_rows: usize,
        validation_rows: usize,
    },
    /// `--validation FILE`: every row of the training file was fitted on.
    File { path: String, rows: usize },
}

/// A fitted logistic regression model: one sigmoid neuron for two classes, K neurons for K.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    pub format_version: u64,
    pub feature_names: Vec<String>,
    /// Columns of the training file that the model does not use (`--ignore`, or outside
    /// `--features`): a file for the model may hold them. Absent when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// How the input columns become the features (categorical levels, fills for missing
    /// cells); absent when each feature is a column (version 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// The target column's name.
    pub target: String,
    /// The class labels, in class order (y = k for `classes[k]`).
    #[serde(rename = "classes")]
    pub labels: LabelMap,
    pub multiclass: Multiclass,
    /// Raw-scale weights, one vector per neuron (one neuron for a binary model), one weight
    /// per feature.
    pub weights: Vec<Vec<f64>>,
    /// Raw-scale biases, one per neuron.
    pub bias: Vec<f64>,
    /// Binary models: label a row positive when a ≥ this, 0 < t < 1 (see
    /// [`Model::decision_threshold`]); absent, the default [`DEFAULT_THRESHOLD`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    /// Column means and scales used in training; `null` when standardisation was off.
    pub standardization: Option<Standardization>,
    pub training: TrainingSummary,
}

/// A version 1 file: two classes, one neuron.
#[derive(Deserialize)]
struct ModelV1 {
    feature_names: Vec<String>,
    weights: Vec<f64>,
    bias: f64,
    target: String,
    labels: V1Labels,
    standardization: Option<Standardization>,
    training: TrainingSummary,
}

#[derive(Deserialize)]
struct V1Labels {
    negative: String,
    positive: String,
}

impl Model {
    /// The features with a non-zero weight in some neuron (all of them unless an L1 penalty
    /// zeroed some), in model order.
    pub fn selected_features(&self) -> Vec<usize> {
        let n = self.feature_names.len();
        (0..n)
            .filter(|&j| self.weights.iter().any(|w| w[j] != 0.0))
            .collect()
    }

    /// K, the classes.
    pub fn classes(&self) -> usize {
        self.labels.len()
    }

    /// The probability at or above which a binary model labels a row positive: the stored
    /// threshold, else [`DEFAULT_THRESHOLD`].
    pub fn decision_threshold(&self) -> f64 {
        self.threshold.unwrap_or(DEFAULT_THRESHOLD)
    }

    /// z_ik = w_k·x_i + b_k for every row and neuron, row by row (m × neurons).
    pub fn scores(&self, x: &dyn Design) -> Vec<f64> {
        let outputs = self.weights.len();
        let chunk = 4096;
        let mut z = vec![0.0; x.n_rows() * outputs];
        z.par_chunks_mut(chunk * outputs)
            .enumerate()
            .for_each(|(c, out)| {
                let start = c * chunk;
                let rows = out.len() / outputs;
                let mut zk = vec![0.0; rows];
                for (k, (w, b)) in self.weights.iter().zip(&self.bias).enumerate() {
                    x.dots(start..start + rows, w, &mut zk);
                    for (r, v) in zk.iter().enumerate() {
                        out[r * outputs + k] = v + b;
                    }
                }
            });
        z
    }

    /// z_i = w·x_i + b for every row: the logit of a binary model's one neuron.
    pub fn logits(&self, x: &dyn Design) -> Vec<f64> {
        assert_eq!(self.weights.len(), 1, "logits of a one-neuron model");
        self.scores(x)
    }

    /// a_i = σ(z_i), the probability of the positive class, for every row (binary models).
    pub fn probabilities(&self, x: &dyn Design) -> Vec<f64> {
        self.logits(x).into_iter().map(loss::sigmoid).collect()
    }

    /// log P(class k | x_i) for every row and class (m × K), from the scores: binary
    /// (log σ(−z), log σ(z)), multinomial log-softmax, one-vs-rest log σ(z_k) − log Σ_l σ(z_l).
    pub fn log_probabilities(&self, x: &dyn Design) -> Vec<f64> {
        log_probabilities(self.multiclass, &self.scores(x), self.classes())
    }

    /// The most probable class of each row, from [`Model::log_probabilities`] (ties: the
    /// lower class).
    pub fn predict(&self, log_probabilities: &[f64]) -> Vec<usize> {
        log_probabilities
            .chunks_exact(self.classes())
            .map(argmax)
            .collect()
    }

    /// The columns and classes a file for this model must have.
    pub fn schema(&self) -> Schema<'_> {
        Schema {
            feature_names: &self.feature_names,
            target: &self.target,
            labels: &self.labels,
            sample_weight: self.training.sample_weight.as_deref(),
            ignored: &self.ignored,
            encoding: self.encoding.as_ref(),
        }
    }

    /// The lowest format version that holds this model (see [`FORMAT_VERSION`]).
    pub fn needed_version(&self) -> u64 {
        if self.encoding.is_some() || self.threshold.is_some() {
            3
        } else {
            2
        }
    }

    /// Writes the model atomically to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut model = std::borrow::Cow::Borrowed(self);
        if model.format_version != self.needed_version() {
            model.to_mut().format_version = self.needed_version();
        }
        let mut json = serde_json::to_vec_pretty(&model).expect("a model always serialises");
        json.push(b'\n');
        write_atomically(path, &json)
    }

    /// Reads and checks a model file.
    pub fn load(path: &Path) -> Result<Model> {
        let file = ModelFile::open(path)?;
        let format_error = |reason: String| Error::ModelFormat {
            path: path.into(),
            reason,
        };
        // The two fields that say what the file is, read first (everything else is skipped
        // without being built), so a file of another version gets that error, not a field's.
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            format_version: Option<u64>,
        }
        let header: Header = file.parse().map_err(format_error)?;
        if header.format.as_deref() != Some(FORMAT) {
            return Err(format_error(format!(
                "the \"format\" field is not {FORMAT:?}"
            )));
        }
        let model = match header.format_version {
            Some(2..=FORMAT_VERSION) => {
                // Straight from the text: a key given twice is an error ("duplicate field"),
                // not the last one silently winning, and fields this version does not know are
                // skipped.
                file.parse::<Model>().map_err(format_error)?
            }
            Some(1) => {
                let v1: ModelV1 = file.parse().map_err(format_error)?;
                // Held in this version's layout, so saved (if at all) as this version.
                Model {
                    format: FORMAT.into(),
                    format_version: 2,
                    feature_names: v1.feature_names,
                    ignored: Vec::new(),
                    encoding: None,
                    target: v1.target,
                    labels: LabelMap::binary(&v1.labels.negative, &v1.labels.positive),
                    multiclass: Multiclass::Binary,
                    weights: vec![v1.weights],
                    bias: vec![v1.bias],
                    threshold: None,
                    standardization: v1.standardization,
                    training: v1.training,
                }
            }
            Some(found) => {
                return Err(Error::ModelVersion {
                    path: path.into(),
                    found,
                    supported: FORMAT_VERSION,
                });
            }
            None => return Err(format_error("no \"format_version\" number".into())),
        };
        let n = model.feature_names.len();
        let scaling_ok = model
            .standardization
            .as_ref()
            .is_none_or(|s| s.mean.len() == n && s.scale.len() == n);
        if let Some(w) = model.weights.iter().find(|w| w.len() != n) {
            return Err(format_error(format!(
                "{} feature names but {} weights",
                n,
                w.len()
            )));
        }
        if !scaling_ok {
            return Err(format_error(format!(
                "{n} feature names but a standardization of another width"
            )));
        }
        if model.format_version < model.needed_version() {
            return Err(format_error(format!(
                "a version {} file cannot hold what this one does (an input encoding or a threshold needs version {})",
                model.format_version,
                model.needed_version()
            )));
        }
        // Held as the version that holds it, which is what it is saved as.
        let mut model = model;
        model.format_version = model.needed_version();
        if let Some(e) = &model.encoding
            && e.feature_names() != model.feature_names
        {
            return Err(format_error(
                "the encoding's features are not the feature names".into(),
            ));
        }
        let k = model.labels.len();
        let neurons = match model.multiclass {
            Multiclass::Binary => 1,
            Multiclass::Multinomial | Multiclass::Ovr => k,
        };
        let classes_ok = match model.multiclass {
            Multiclass::Binary => k == 2,
            _ => k >= 2,
        };
        if !classes_ok || model.weights.len() != neurons || model.bias.len() != neurons {
            return Err(format_error(format!(
                "a {} model of {k} classes needs {neurons} weight vectors and biases; the file has {} and {}",
                model.multiclass.name(),
                model.weights.len(),
                model.bias.len()
            )));
        }
        if !model
            .weights
            .iter()
            .flatten()
            .chain(&model.bias)
            .all(|w| w.is_finite())
        {
            return Err(format_error("weights must be finite numbers".into()));
        }
        match model.threshold {
            Some(t) if model.multiclass != Multiclass::Binary => {
                return Err(format_error(format!(
                    "a threshold ({t}) applies to binary models only, not to a {} model",
                    model.multiclass.name()
                )));
            }
            Some(t) if !(t > 0.0 && t < 1.0) => {
                return Err(format_error(format!(
                    "the threshold must be between 0 and 1 (exclusive), not {t}"
                )));
            }
            _ => {}
        }
        Ok(model)
    }
}

/// The index of the largest value (the first of equal ones).
fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (k, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = k;
        }
    }
    best
}

/// log P(class k | x_i) from scores z (m × neurons) of a model of `classes` classes (see
/// [`Model::log_probabilities`]).
pub fn log_probabilities(multiclass: Multiclass, z: &[f64], classes: usize) -> Vec<f64> {
    match multiclass {
        Multiclass::Binary => z
            .iter()
            .flat_map(|&z| [-loss::log1p_exp(z), -loss::log1p_exp(-z)])
            .collect(),
        // Log-softmax of the logits; for one-vs-rest, of log σ(z_k), which divides each σ(z_k)
        // by their sum.
        Multiclass::Multinomial | Multiclass::Ovr => {
            let mut out: Vec<f64> = if multiclass == Multiclass::Ovr {
                z.iter().map(|&z| -loss::log1p_exp(-z)).collect()
            } else {
                z.to_vec()
            };
            for row in out.chunks_exact_mut(classes) {
                let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = top + row.iter().map(|v| (v - top).exp()).sum::<f64>().ln();
                for v in row.iter_mut() {
                    *v -= lse;
                }
            }
            out
        }
    }
}
