//! The mapping between a file's two label values and the lesson's y ∈ {0, 1}.
//!
//! Labels may be written 0/1, −1/+1, false/true, or as any two distinct strings. Unless the
//! user names the positive class, the rule is the one scikit-learn uses for `classes_[1]`: if
//! both values are numbers, the larger is positive; otherwise the later in byte order
//! ("malignant" after "benign", "true" after "false", "yes" after "no").

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

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
