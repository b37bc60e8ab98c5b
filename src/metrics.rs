//! Classification metrics at a threshold, and threshold-free ranking quality.
//!
//! With predictions ŷ = [a ≥ threshold] against labels y: accuracy = (TP + TN)/m,
//! precision = TP/(TP + FP), recall = TP/(TP + FN), F1 = 2PR/(P + R) (each 0 when its
//! denominator is 0, as scikit-learn reports them). Log loss is the mean cross-entropy, computed
//! from the logits so it stays finite. ROC AUC is the Mann–Whitney statistic: the probability
//! that a random positive scores above a random negative, with ties counted as one half
//! (average ranks), so it equals the area under the ROC curve drawn with tied scores as
//! diagonal segments.

use crate::loss;
use serde::{Deserialize, Serialize};

/// Counts of the four outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub true_positive: usize,
    pub false_positive: usize,
    pub true_negative: usize,
    pub false_negative: usize,
}

/// Every metric `eval` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub rows: usize,
    pub threshold: f64,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub log_loss: f64,
    /// None when the data hold only one class (the AUC is undefined).
    pub roc_auc: Option<f64>,
    pub confusion: Confusion,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Metrics of logits `z` against labels `y` (0 or 1).
pub fn evaluate(y: &[f64], z: &[f64], threshold: f64) -> Metrics {
    assert_eq!(y.len(), z.len(), "one score per label");
    let mut c = Confusion::default();
    let mut log_loss = 0.0;
    for (&yi, &zi) in y.iter().zip(z) {
        let predicted = loss::sigmoid(zi) >= threshold;
        match (predicted, yi > 0.5) {
            (true, true) => c.true_positive += 1,
            (true, false) => c.false_positive += 1,
            (false, false) => c.true_negative += 1,
            (false, true) => c.false_negative += 1,
        }
        log_loss += loss::loss_from_logit(zi, yi);
    }
    let precision = ratio(c.true_positive, c.true_positive + c.false_positive);
    let recall = ratio(c.true_positive, c.true_positive + c.false_negative);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Metrics {
        rows: y.len(),
        threshold,
        accuracy: ratio(c.true_positive + c.true_negative, y.len()),
        precision,
        recall,
        f1,
        log_loss: log_loss / y.len() as f64,
        roc_auc: roc_auc(y, z),
        confusion: c,
    }
}

/// Area under the ROC curve with ties as half, or None if a class is absent.
pub fn roc_auc(y: &[f64], score: &[f64]) -> Option<f64> {
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&i, &j| score[i].total_cmp(&score[j]));
    let positives = y.iter().filter(|&&v| v > 0.5).count();
    let negatives = y.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Sum of the (average, 1-based) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && score[order[j + 1]] == score[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += average_rank * order[i..=j].iter().filter(|&&k| y[k] > 0.5).count() as f64;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ties_as_half() {
        // One positive tied with one negative, the other positive above: (1 + 0.5)/2 · ...
        let y = [0.0, 1.0, 0.0, 1.0];
        let s = [0.1, 0.5, 0.5, 0.9];
        // Pairs (pos, neg): (0.5, 0.1) win, (0.5, 0.5) tie, (0.9, 0.1) win, (0.9, 0.5) win.
        assert_eq!(roc_auc(&y, &s), Some(3.5 / 4.0));
        assert_eq!(roc_auc(&y, &[1.0; 4]), Some(0.5));
        assert_eq!(roc_auc(&[1.0, 1.0], &[0.0, 1.0]), None);
    }

    #[test]
    fn confusion_and_rates() {
        let y = [1.0, 1.0, 0.0, 0.0, 1.0];
        let z = [2.0, -1.0, 3.0, -2.0, 0.5];
        let m = evaluate(&y, &z, 0.5);
        assert_eq!(
            m.confusion,
            Confusion {
                true_positive: 2,
                false_positive: 1,
                true_negative: 1,
                false_negative: 1
            }
        );
        assert_eq!(m.accuracy, 0.6);
        assert!((m.precision - 2.0 / 3.0).abs() < 1e-15);
        assert!((m.recall - 2.0 / 3.0).abs() < 1e-15);
        assert!((m.f1 - 2.0 / 3.0).abs() < 1e-15);
    }
}
