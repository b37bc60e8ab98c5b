//! The mapping between a file's label values and the class indices y ∈ {0, …, K − 1}.
//!
//! Labels may be written 0/1, −1/+1, false/true, or as any distinct strings. Classes are
//! ordered as scikit-learn orders `classes_`: by value if every label is a number, otherwise in
//! byte order. With two classes the second is the positive one, y = 1 ("malignant" after
//! "benign", "true" after "false", 1 after 0), unless the user names the positive class.
//! Spellings of one number ("1", "1.0", "+1") are one class.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Most label values tracked per parse chunk: more than [`MAX_CLASSES_LIMIT`], so a file with
/// more distinct values than the classes allowed shows them among the values of some chunk.
const MAX_LABELS_PER_CHUNK: usize = MAX_CLASSES_LIMIT + 1;

/// The default of `--max-classes`: a target with more distinct values looks continuous.
pub const DEFAULT_MAX_CLASSES: usize = 100;

/// The largest `--max-classes` accepted.
pub const MAX_CLASSES_LIMIT: usize = 1000;

/// Values tracked by a linear scan before a chunk's table is indexed by a hash map.
const SCANNED: usize = 4;

/// The distinct label values of one parse chunk, each with the line (or row) of its first row,
/// and the first value past the tracking limit. A value is its text read as UTF-8 (with
/// U+FFFD for bytes that are not), as the model file will hold it. The values of a text
/// (categorical) feature column are tracked the same way, without a limit.
#[derive(Debug)]
pub struct ChunkLabels {
    values: Vec<(String, usize)>,
    /// Keyed by FxHash (rustc-hash): text cells are looked up once per row, and SipHash's
    /// protection against chosen collisions is not worth a fifth of the load time here.
    index: rustc_hash::FxHashMap<Vec<u8>, u32>,
    untracked: Option<(String, usize)>,
    limit: usize,
}

impl Default for ChunkLabels {
    fn default() -> Self {
        ChunkLabels {
            values: Vec::new(),
            index: Default::default(),
            untracked: None,
            limit: MAX_LABELS_PER_CHUNK,
        }
    }
}

/// The id of a missing cell in a text column ([`RawLabels::merge`] keeps it).
pub const MISSING_ID: u32 = u32::MAX - 1;

impl ChunkLabels {
    /// A table with no limit on its values (a text feature column's).
    pub fn unlimited() -> Self {
        ChunkLabels {
            limit: usize::MAX,
            ..Default::default()
        }
    }

    /// The distinct values so far.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The chunk-local id of `text`, adding it if new (past the tracking limit: `u32::MAX`).
    pub fn id(&mut self, text: &[u8], line: usize) -> u32 {
        if let Some(p) = self.find(text) {
            return p;
        }
        let value = String::from_utf8_lossy(text);
        if let std::borrow::Cow::Owned(value) = &value
            && let Some(p) = self.find(value.as_bytes())
        {
            return p;
        }
        if self.values.len() == self.limit {
            if self.untracked.is_none() {
                self.untracked = Some((value.into_owned(), line));
            }
            return u32::MAX;
        }
        let id = self.values.len() as u32;
        if self.values.len() == SCANNED {
            for (k, (v, _)) in self.values.iter().enumerate() {
                self.index.insert(v.as_bytes().to_vec(), k as u32);
            }
        }
        if self.values.len() >= SCANNED {
            self.index.insert(value.as_bytes().to_vec(), id);
        }
        self.values.push((value.into_owned(), line));
        id
    }

    fn find(&self, value: &[u8]) -> Option<u32> {
        if self.values.len() <= SCANNED {
            self.values
                .iter()
                .position(|(v, _)| v.as_bytes() == value)
                .map(|p| p as u32)
        } else {
            self.index.get(value).copied()
        }
    }
}

/// The label column as read: distinct values in order of first appearance (each with where it
/// was first seen: the 1-based line of a text file, the 0-based row of a Parquet file) and each
/// row's index into them; `untracked` is the first value (with where it was seen) of a row whose
/// id is `u32::MAX`, one value too many for its chunk.
#[derive(Debug, Clone)]
pub struct RawLabels {
    pub values: Vec<String>,
    pub first_seen: Vec<usize>,
    pub ids: Vec<u32>,
    pub untracked: Option<(String, usize)>,
}

impl RawLabels {
    /// Merges chunk-local tables, given in file order with `counts` rows each, remapping the
    /// chunk-local `ids` to file-wide ones ([`MISSING_ID`] stays as it is).
    pub fn merge(chunks: Vec<ChunkLabels>, counts: &[usize], mut ids: Vec<u32>) -> RawLabels {
        let (mut values, mut first_seen): (Vec<String>, Vec<usize>) = (Vec::new(), Vec::new());
        let mut index = rustc_hash::FxHashMap::<String, u32>::default();
        let mut row = 0;
        let mut untracked = None;
        for (local, &count) in chunks.into_iter().zip(counts) {
            untracked = untracked.or(local.untracked);
            let remap: Vec<u32> = local
                .values
                .into_iter()
                .map(|(value, line)| {
                    *index.entry(value).or_insert_with_key(|value| {
                        values.push(value.clone());
                        first_seen.push(line);
                        (values.len() - 1) as u32
                    })
                })
                .collect();
            // (No ids at all when the file has no label column.)
            for id in ids.get_mut(row..row + count).unwrap_or_default() {
                if *id != MISSING_ID {
                    *id = remap.get(*id as usize).copied().unwrap_or(u32::MAX);
                }
            }
            row += count;
        }
        RawLabels {
            values,
            first_seen,
            ids,
            untracked,
        }
    }

    /// The classes of training data and y for every row; one class, or more than
    /// `max_classes`, is an error naming the file (and the line of the first class too many).
    pub fn classes(
        &self,
        path: &Path,
        column: usize,
        positive: Option<&str>,
        max_classes: usize,
    ) -> Result<(LabelMap, Vec<f64>)> {
        // A value the chunks did not track is not among the values: say so before counting.
        if let Some(e) = self.untracked_error(path, column) {
            return Err(e);
        }
        let labels = match LabelMap::from_labels(&self.values, positive, max_classes) {
            Ok(labels) => labels,
            Err(ClassProblem::Rejected(e)) => return Err(e),
            Err(ClassProblem::NoRows) => return Err(Error::NoRows { path: path.into() }),
            Err(ClassProblem::Single(label)) => {
                return Err(Error::SingleClass {
                    path: path.into(),
                    label,
                });
            }
            Err(ClassProblem::TooMany { at }) => {
                return Err(Error::TooManyClasses {
                    path: path.into(),
                    line: self.first_seen[at],
                    label: self.values[at].clone(),
                    max: max_classes,
                });
            }
        };
        let y = self.encode(path, column, &labels)?;
        Ok((labels, y))
    }

    /// y for every row under a model's classes; the first unknown label is an error naming its
    /// line and `column`.
    pub fn encode(&self, path: &Path, column: usize, labels: &LabelMap) -> Result<Vec<f64>> {
        let unknown = |value: &str, line: usize| Error::UnknownLabel {
            path: path.into(),
            line,
            column,
            label: super::cut(value),
            classes: labels.listed(),
        };
        let codes = self
            .values
            .iter()
            .zip(&self.first_seen)
            .map(|(v, &line)| labels.encode(v).ok_or_else(|| unknown(v, line)))
            .collect::<Result<Vec<f64>>>()?;
        if let Some(e) = self.untracked_error(path, column) {
            return Err(e);
        }
        Ok(self.ids.iter().map(|&id| codes[id as usize]).collect())
    }

    /// An untracked id (u32::MAX) is a value beyond a chunk's limit: too many classes, named
    /// on its line.
    fn untracked_error(&self, path: &Path, column: usize) -> Option<Error> {
        let (value, line) = self.untracked.as_ref()?;
        let reason = format!(
            "the target has more than {MAX_CLASSES_LIMIT} distinct values (here {:?})",
            super::cut(value)
        );
        Some(Error::Parse {
            path: path.into(),
            line: *line,
            column,
            reason,
        })
    }
}

/// Why training labels give no classes.
#[derive(Debug)]
pub enum ClassProblem {
    NoRows,
    /// Every row has this label.
    Single(String),
    /// More distinct values than allowed; `at` indexes the first value too many.
    TooMany {
        at: usize,
    },
    /// `--positive` names no label, or there are more than two classes.
    Rejected(Error),
}

/// The class labels, in class order: y = k for a row labelled `classes[k]`. With two classes,
/// `classes[0]` is the negative and `classes[1]` the positive one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LabelMap {
    pub classes: Vec<String>,
}

impl LabelMap {
    /// Two classes: y = 0 for `negative`, y = 1 for `positive`.
    pub fn binary(negative: &str, positive: &str) -> Self {
        LabelMap {
            classes: vec![negative.to_owned(), positive.to_owned()],
        }
    }

    /// Orders two distinct label values, or honours `positive` if given.
    pub fn from_values(first: &str, second: &str, positive: Option<&str>) -> Result<Self> {
        let (a, b) = (first.to_owned(), second.to_owned());
        let a_is_positive = match positive {
            Some(p) if same_label(p, &a) => true,
            Some(p) if same_label(p, &b) => false,
            Some(p) => {
                return Err(Error::UnknownPositive {
                    value: p.to_owned(),
                    labels: vec![a, b],
                });
            }
            None => before(&b, &a),
        };
        Ok(if a_is_positive {
            LabelMap::binary(&b, &a)
        } else {
            LabelMap::binary(&a, &b)
        })
    }

    /// The classes of a label column's distinct values (in order of first appearance, as
    /// [`RawLabels`] holds them; spellings of one number are one class): two go through
    /// [`LabelMap::from_values`], more are ordered (see the module docs).
    pub fn from_labels(
        values: &[String],
        positive: Option<&str>,
        max_classes: usize,
    ) -> std::result::Result<Self, ClassProblem> {
        let mut distinct: Vec<usize> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if !distinct.iter().any(|&c| same_label(&values[c], v)) {
                if distinct.len() == max_classes.max(2) {
                    return Err(ClassProblem::TooMany { at: i });
                }
                distinct.push(i);
            }
        }
        match distinct.len() {
            0 => Err(ClassProblem::NoRows),
            1 => Err(ClassProblem::Single(values[distinct[0]].clone())),
            2 => LabelMap::from_values(&values[distinct[0]], &values[distinct[1]], positive)
                .map_err(ClassProblem::Rejected),
            _ if positive.is_some() => Err(ClassProblem::Rejected(Error::InvalidParameter {
                name: "positive",
                value: positive.unwrap_or_default().to_owned(),
                reason: "names the positive class of two; these labels have more classes",
            })),
            _ => {
                let mut classes: Vec<String> =
                    distinct.iter().map(|&i| values[i].clone()).collect();
                // By value if every label is a number, else by bytes: a total order either way.
                if classes.iter().all(|c| number(c).is_some()) {
                    classes.sort_by(|a, b| {
                        number(a)
                            .unwrap_or(0.0)
                            .total_cmp(&number(b).unwrap_or(0.0))
                    });
                } else {
                    classes.sort();
                }
                Ok(LabelMap { classes })
            }
        }
    }

    /// K, the number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// y = 0 of two classes.
    pub fn negative(&self) -> &str {
        &self.classes[0]
    }

    /// y = 1 of two classes.
    pub fn positive(&self) -> &str {
        &self.classes[1]
    }

    /// y for a label value: its class index, or None for anything else. Numeric labels compare
    /// by value, so "1" and "1.0" are the same.
    pub fn encode(&self, label: &str) -> Option<f64> {
        self.classes
            .iter()
            .position(|c| same_label(label, c))
            .map(|k| k as f64)
    }

    /// The label of class k.
    pub fn label(&self, k: usize) -> &str {
        &self.classes[k]
    }

    /// The label value for y = 1 (true) or y = 0 (false) of two classes.
    pub fn decode(&self, positive: bool) -> &str {
        self.label(usize::from(positive))
    }

    /// The classes as a readable list, for messages.
    pub fn listed(&self) -> String {
        let names: Vec<&str> = self.classes.iter().map(String::as_str).collect();
        super::some_of(&names)
    }
}

/// Does label `a` come before `b` of two classes: by value when both are numbers, else by
/// bytes?
fn before(a: &str, b: &str) -> bool {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x < y,
        _ => a < b,
    }
}

fn number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Two label spellings name the same class: equal text, or equal numbers ("+1" and "1").
fn same_label(a: &str, b: &str) -> bool {
    a == b || matches!((number(a), number(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_positive_class() {
        let m = LabelMap::from_values("1", "0", None).unwrap();
        assert_eq!((m.negative(), m.positive()), ("0", "1"));
        let m = LabelMap::from_values("+1", "-1", None).unwrap();
        assert_eq!(m.positive(), "+1");
        assert_eq!(m.encode("1"), Some(1.0));
        let m = LabelMap::from_values("true", "false", None).unwrap();
        assert_eq!(m.positive(), "true");
        let m = LabelMap::from_values("malignant", "benign", None).unwrap();
        assert_eq!(m.positive(), "malignant");
        assert_eq!(m.encode("benign"), Some(0.0));
        assert_eq!(m.encode("other"), None);
        // Numbers compare as numbers, not text: 10 > 9.
        assert_eq!(
            LabelMap::from_values("10", "9", None).unwrap().positive(),
            "10"
        );
    }

    #[test]
    fn chosen_positive_class() {
        let m = LabelMap::from_values("malignant", "benign", Some("benign")).unwrap();
        assert_eq!(m.positive(), "benign");
        assert!(matches!(
            LabelMap::from_values("a", "b", Some("c")),
            Err(Error::UnknownPositive { .. })
        ));
    }
}
