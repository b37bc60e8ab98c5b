//! The mapping between a file's two label values and the lesson's y ∈ {0, 1}.
//!
//! Labels may be written 0/1, −1/+1, false/true, or as any two distinct strings. Unless the
//! user names the positive class, the rule is the one scikit-learn uses for `classes_[1]`: if
//! both values are numbers, the larger is positive; otherwise the later in byte order
//! ("malignant" after "benign", "true" after "false", "yes" after "no").

use super::source::Source;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Most label values tracked per parse chunk: any file with more distinct values than the two
/// classes shows a third one among the first few values of some chunk.
const MAX_LABELS_PER_CHUNK: usize = 8;

/// The distinct label values of one parse chunk, each with the byte offset of its first row.
#[derive(Debug, Default)]
pub struct ChunkLabels(Vec<(String, usize)>);

impl ChunkLabels {
    /// The chunk-local id of `text`, adding it if new (past the tracking limit: `u32::MAX`).
    pub fn id(&mut self, text: &[u8], offset: usize) -> u32 {
        match self.0.iter().position(|(v, _)| v.as_bytes() == text) {
            Some(p) => p as u32,
            None if self.0.len() < MAX_LABELS_PER_CHUNK => {
                self.0
                    .push((String::from_utf8_lossy(text).into_owned(), offset));
                (self.0.len() - 1) as u32
            }
            None => u32::MAX,
        }
    }
}

/// The label column as read: distinct values in order of first appearance (each with the byte
/// offset of its first row) and each row's index into them.
#[derive(Debug, Clone)]
pub struct RawLabels {
    pub values: Vec<String>,
    pub first_offset: Vec<usize>,
    pub ids: Vec<u32>,
}

impl RawLabels {
    /// Merges chunk-local tables, given in file order with `counts` rows each, remapping the
    /// chunk-local `ids` to file-wide ones.
    pub fn merge(chunks: Vec<ChunkLabels>, counts: &[usize], mut ids: Vec<u32>) -> RawLabels {
        let (mut values, mut first_offset): (Vec<String>, Vec<usize>) = (Vec::new(), Vec::new());
        let mut row = 0;
        for (local, &count) in chunks.into_iter().zip(counts) {
            let remap: Vec<u32> = local
                .0
                .into_iter()
                .map(
                    |(value, offset)| match values.iter().position(|v| *v == value) {
                        Some(p) => p as u32,
                        None => {
                            values.push(value);
                            first_offset.push(offset);
                            (values.len() - 1) as u32
                        }
                    },
                )
                .collect();
            // (No ids at all when the file has no label column.)
            for id in ids.get_mut(row..row + count).unwrap_or_default() {
                *id = remap.get(*id as usize).copied().unwrap_or(u32::MAX);
            }
            row += count;
        }
        RawLabels {
            values,
            first_offset,
            ids,
        }
    }

    /// The two classes of training data and y for every row; one class, or a third one, is an
    /// error naming the file (and the line of the third class).
    pub fn classes(&self, source: &Source, positive: Option<&str>) -> Result<(LabelMap, Vec<f64>)> {
        let path = source.path();
        // Spellings of one number ("1", "1.0", "+1"; "0", "-0") are one class.
        let mut classes: Vec<usize> = Vec::new();
        for (i, v) in self.values.iter().enumerate() {
            if !classes.iter().any(|&c| same_label(&self.values[c], v)) {
                classes.push(i);
            }
        }
        let value = |k: usize| self.values[classes[k]].clone();
        let labels = match classes.len() {
            0 => return Err(Error::NoRows { path: path.into() }),
            1 => {
                return Err(Error::SingleClass {
                    path: path.into(),
                    label: value(0),
                });
            }
            2 => LabelMap::from_values(&value(0), &value(1), positive)?,
            _ => {
                return Err(Error::TooManyClasses {
                    path: path.into(),
                    line: source.line_of(self.first_offset[classes[2]]),
                    first: value(0),
                    second: value(1),
                    third: value(2),
                });
            }
        };
        let y = self.encode(source, 1, &labels)?;
        Ok((labels, y))
    }

    /// y for every row under a model's classes; the first unknown label is an error naming its
    /// line and `column`.
    pub fn encode(&self, source: &Source, column: usize, labels: &LabelMap) -> Result<Vec<f64>> {
        let unknown = |value: &str, offset: usize| Error::UnknownLabel {
            path: source.path().into(),
            line: source.line_of(offset),
            column,
            label: value.to_owned(),
            negative: labels.negative.clone(),
            positive: labels.positive.clone(),
        };
        let codes = self
            .values
            .iter()
            .zip(&self.first_offset)
            .map(|(v, &offset)| labels.encode(v).ok_or_else(|| unknown(v, offset)))
            .collect::<Result<Vec<f64>>>()?;
        // An untracked id (u32::MAX) is a value beyond the chunk limit: more than two classes.
        self.ids
            .iter()
            .map(|&id| {
                codes
                    .get(id as usize)
                    .copied()
                    .ok_or_else(|| unknown("(one of many)", 0))
            })
            .collect()
    }
}

/// Which label value is y = 0 and which is y = 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelMap {
    pub negative: String,
    pub positive: String,
}

impl LabelMap {
    /// Orders two distinct label values, or honours `positive` if given.
    pub fn from_values(first: &str, second: &str, positive: Option<&str>) -> Result<Self> {
        let (a, b) = (first.to_owned(), second.to_owned());
        let a_is_positive = match positive {
            Some(p) if same_label(p, &a) => true,
            Some(p) if same_label(p, &b) => false,
            Some(p) => {
                return Err(Error::UnknownPositive {
                    value: p.to_owned(),
                    labels: [a, b],
                });
            }
            None => match (number(&a), number(&b)) {
                (Some(x), Some(y)) => x > y,
                _ => a > b,
            },
        };
        Ok(if a_is_positive {
            LabelMap {
                negative: b,
                positive: a,
            }
        } else {
            LabelMap {
                negative: a,
                positive: b,
            }
        })
    }

    /// y for a label value: Some(1.0) for the positive class, Some(0.0) for the negative, None
    /// for anything else. Numeric labels compare by value, so "1" and "1.0" are the same.
    pub fn encode(&self, label: &str) -> Option<f64> {
        if same_label(label, &self.positive) {
            Some(1.0)
        } else if same_label(label, &self.negative) {
            Some(0.0)
        } else {
            None
        }
    }

    /// The label value for y = 1 (true) or y = 0 (false).
    pub fn decode(&self, positive: bool) -> &str {
        if positive {
            &self.positive
        } else {
            &self.negative
        }
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
        assert_eq!((m.negative.as_str(), m.positive.as_str()), ("0", "1"));
        let m = LabelMap::from_values("+1", "-1", None).unwrap();
        assert_eq!(m.positive, "+1");
        assert_eq!(m.encode("1"), Some(1.0));
        let m = LabelMap::from_values("true", "false", None).unwrap();
        assert_eq!(m.positive, "true");
        let m = LabelMap::from_values("malignant", "benign", None).unwrap();
        assert_eq!(m.positive, "malignant");
        assert_eq!(m.encode("benign"), Some(0.0));
        assert_eq!(m.encode("other"), None);
        // Numbers compare as numbers, not text: 10 > 9.
        assert_eq!(
            LabelMap::from_values("10", "9", None).unwrap().positive,
            "10"
        );
    }

    #[test]
    fn chosen_positive_class() {
        let m = LabelMap::from_values("malignant", "benign", Some("benign")).unwrap();
        assert_eq!(m.positive, "benign");
        assert!(matches!(
            LabelMap::from_values("a", "b", Some("c")),
            Err(Error::UnknownPositive { .. })
        ));
    }
}
