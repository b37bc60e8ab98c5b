//! Classification metrics at a threshold, threshold-free ranking quality, for two classes or K,
//! with optional row weights.
//!
//! **Two classes.** With predictions ŷ = \[a ≥ threshold\] against labels y: accuracy =
//! (TP + TN)/m, precision = TP/(TP + FP), recall = TP/(TP + FN), F1 = 2PR/(P + R) (each 0 when
//! its denominator is 0, as scikit-learn reports them). Log loss is the mean cross-entropy,
//! computed from the logits so it stays finite. ROC AUC is the Mann–Whitney statistic: the
//! probability that a random positive scores above a random negative, with ties counted as one
//! half (average ranks), so it equals the area under the ROC curve drawn with tied scores as
//! diagonal segments.
//!
//! **Row weights** sᵢ ≥ 0 follow scikit-learn's `sample_weight`: every count above becomes the
//! total weight of its rows (TP = Σ_{ŷᵢ=1, yᵢ=1} sᵢ, ...), so accuracy = Σ sᵢ\[ŷᵢ = yᵢ\] / Σ sᵢ,
//! log loss = Σ sᵢ Lᵢ / Σ sᵢ, and the AUC is the weighted Mann–Whitney statistic
//!
//! AUC = Σ_{p positive} Σ_{n negative} sₚ sₙ (\[scoreₚ > scoreₙ\] + ½\[scoreₚ = scoreₙ\]) / (Σ sₚ · Σ sₙ),
//!
//! computed in O(m log m): sort by score, and for each group of tied scores add
//! (positive weight of the group) · (negative weight below it + ½ negative weight in it). An
//! integer weight is the same as repeating the row, and weight 0 the same as leaving it out.
//! Without weights every sᵢ = 1 and the sums are exact integers, so the unweighted numbers are
//! unchanged.
//!
//! **K classes.** With log-probabilities log p_{ik} the prediction is ŷᵢ = argmax_k p_{ik} (the
//! lowest index on a tie) and C\[t\]\[p\] = Σ_{yᵢ=t, ŷᵢ=p} sᵢ is the confusion matrix. Per class k:
//! precision = C\[k\]\[k\] / Σ_t C\[t\]\[k\], recall = C\[k\]\[k\] / Σ_p C\[k\]\[p\], F1 = 2PR/(P + R), support
//! = Σ_p C\[k\]\[p\] (scikit-learn's `precision_recall_fscore_support`, 0 on a zero denominator).
//! The macro average is the plain mean over the K classes, the weighted average the mean
//! weighted by support (`average='macro'` and `'weighted'` with `labels=range(K)`). Log loss is
//! Σ sᵢ (−log p_{i,yᵢ}) / Σ sᵢ. The AUC of class k is one-vs-rest with score p_{ik}, and the
//! macro AUC their mean (scikit-learn's `roc_auc_score(multi_class='ovr')`, after Provost &
//! Domingos, "Well-trained PETs", 2000).

use crate::loss;
use serde::{Deserialize, Serialize};

/// Counts of the four outcomes (rows, whatever their weights).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    pub true_positive: usize,
    pub false_positive: usize,
    pub true_negative: usize,
    pub false_negative: usize,
}

/// Total weight of the rows in each of the four outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightedConfusion {
    pub true_positive: f64,
    pub false_positive: f64,
    pub true_negative: f64,
    pub false_negative: f64,
}

/// Every metric `eval` reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Rows given, including any of weight 0.
    pub rows: usize,
    pub threshold: f64,
    pub accuracy: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub log_loss: f64,
    /// None when the data hold only one class, or one class has total weight 0 (the AUC is
    /// undefined).
    pub roc_auc: Option<f64>,
    /// Row counts, including rows of weight 0.
    pub confusion: Confusion,
    /// The weighted counts the rates above are computed from; Some only with weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_confusion: Option<WeightedConfusion>,
    /// Σ sᵢ; Some only with weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_total: Option<f64>,
}

/// Precision, recall and F1 of one class in a K-class problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// The (weighted) count of rows whose true class this is.
    pub support: f64,
    /// One-vs-rest with score p_{ik}; None when the class, or every other class, is absent.
    pub roc_auc: Option<f64>,
}

/// Precision, recall and F1 averaged over the classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Averages {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Every metric of a K-class evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MulticlassMetrics {
    /// Rows given, including any of weight 0.
    pub rows: usize,
    pub classes: usize,
    pub accuracy: f64,
    pub log_loss: f64,
    /// One entry per class, in class order.
    pub per_class: Vec<ClassMetrics>,
    /// The plain mean over all K classes, absent ones included (as scikit-learn with
    /// `labels=range(K)`).
    pub macro_average: Averages,
    /// The mean weighted by support; 0 when the total support is 0.
    pub weighted_average: Averages,
    /// The mean of the per-class AUCs, or None when any class has none (where scikit-learn
    /// raises an error instead).
    pub macro_roc_auc: Option<f64>,
    /// confusion\[t\]\[p\]: (weighted) rows of true class t predicted as p
    pub confusion: Vec<Vec<f64>>,
    /// Σ sᵢ; Some only with weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_total: Option<f64>,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

fn f1_score(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

/// The weight of row i: sᵢ, or 1 without weights.
fn weight_at(weights: Option<&[f64]>, i: usize) -> f64 {
    weights.map_or(1.0, |s| s[i])
}

/// Σ sᵢ, or m without weights.
fn weight_total(weights: Option<&[f64]>, rows: usize) -> f64 {
    weights.map_or(rows as f64, |s| s.iter().sum())
}

fn check_weights(weights: Option<&[f64]>, rows: usize) {
    if let Some(s) = weights {
        assert_eq!(s.len(), rows, "one weight per row");
        debug_assert!(
            s.iter().all(|&v| v >= 0.0 && v.is_finite()),
            "weights are finite and non-negative"
        );
    }
}

/// Metrics of logits `z` against labels `y` (0 or 1), every row weighing 1.
pub fn evaluate(y: &[f64], z: &[f64], threshold: f64) -> Metrics {
    evaluate_weighted(y, z, threshold, None)
}

/// Metrics of logits `z` against labels `y` (0 or 1) with row weights sᵢ ≥ 0 (validated by the
/// caller), or every row weighing 1 with `None`. With no rows, or total weight 0, the rates are
/// 0 and the log loss is NaN (0/0).
pub fn evaluate_weighted(y: &[f64], z: &[f64], threshold: f64, weights: Option<&[f64]>) -> Metrics {
    assert_eq!(y.len(), z.len(), "one score per label");
    check_weights(weights, y.len());
    let mut counts = Confusion::default();
    let mut sums = WeightedConfusion::default();
    let mut log_loss = 0.0;
    for (i, (&yi, &zi)) in y.iter().zip(z).enumerate() {
        let s = weight_at(weights, i);
        let predicted = loss::sigmoid(zi) >= threshold;
        let (count, sum) = match (predicted, yi > 0.5) {
            (true, true) => (&mut counts.true_positive, &mut sums.true_positive),
            (true, false) => (&mut counts.false_positive, &mut sums.false_positive),
            (false, false) => (&mut counts.true_negative, &mut sums.true_negative),
            (false, true) => (&mut counts.false_negative, &mut sums.false_negative),
        };
        *count += 1;
        *sum += s;
        // A row of weight 0 is absent: skipping it keeps 0 · ∞ from turning the sum into NaN.
        if s != 0.0 {
            log_loss += s * loss::loss_from_logit(zi, yi);
        }
    }
    let total = weight_total(weights, y.len());
    let precision = ratio(sums.true_positive, sums.true_positive + sums.false_positive);
    let recall = ratio(sums.true_positive, sums.true_positive + sums.false_negative);
    Metrics {
        rows: y.len(),
        threshold,
        accuracy: ratio(sums.true_positive + sums.true_negative, total),
        precision,
        recall,
        f1: f1_score(precision, recall),
        log_loss: log_loss / total,
        roc_auc: roc_auc_weighted(y, z, weights),
        confusion: counts,
        weighted_confusion: weights.map(|_| sums),
        weight_total: weights.map(|_| total),
    }
}

/// Area under the ROC curve with ties as half, or None if a class is absent.
pub fn roc_auc(y: &[f64], score: &[f64]) -> Option<f64> {
    roc_auc_weighted(y, score, None)
}

/// The weighted Mann–Whitney AUC of `score` for labels `y` (positive where y > 0.5), ties as
/// half, as `sklearn.metrics.roc_auc_score(sample_weight=...)`; None if a class is absent or
/// has total weight 0.
pub fn roc_auc_weighted(y: &[f64], score: &[f64], weights: Option<&[f64]>) -> Option<f64> {
    assert_eq!(y.len(), score.len(), "one score per label");
    check_weights(weights, y.len());
    mann_whitney(score, |i| y[i] > 0.5, weights)
}

/// Σ_{p,n} sₚ sₙ ([scoreₚ > scoreₙ] + ½[scoreₚ = scoreₙ]) / (Σ sₚ · Σ sₙ), by one sort.
fn mann_whitney(
    score: &[f64],
    is_positive: impl Fn(usize) -> bool,
    weights: Option<&[f64]>,
) -> Option<f64> {
    let mut order: Vec<usize> = (0..score.len()).collect();
    order.sort_by(|&i, &j| score[i].total_cmp(&score[j]));
    let mut positive_total = 0.0;
    // Weight of the negatives scoring strictly below the current group.
    let mut negative_below = 0.0;
    let mut pairs_won = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && score[order[end]] == score[order[start]] {
            end += 1;
        }
        let (mut positive, mut negative) = (0.0, 0.0);
        for &k in &order[start..end] {
            if is_positive(k) {
                positive += weight_at(weights, k);
            } else {
                negative += weight_at(weights, k);
            }
        }
        pairs_won += positive * (negative_below + 0.5 * negative);
        negative_below += negative;
        positive_total += positive;
        start = end;
    }
    let negative_total = negative_below;
    if positive_total == 0.0 || negative_total == 0.0 {
        return None;
    }
    Some(pairs_won / (positive_total * negative_total))
}

/// The index of the largest entry, the lowest on a tie; NaN entries are never chosen over a
/// number.
fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (k, &v) in row.iter().enumerate().skip(1) {
        if v > row[best] || (row[best].is_nan() && !v.is_nan()) {
            best = k;
        }
    }
    best
}

/// Metrics of a K-class prediction: `y\[i\]` is the class index 0..K−1 (as f64),
/// `log_probabilities` the row-major m × K matrix of log p_{ik} (≤ 0, −∞ allowed), and
/// `weights` the row weights sᵢ ≥ 0 (validated by the caller) or None for 1 each. The log loss
/// is +∞ when a row of positive weight gives its true class probability 0, never NaN; with no
/// rows, or total weight 0, the rates are 0 and the log loss NaN (0/0).
///
/// # Panics
/// If `classes` is 0, the lengths disagree, or a label is not a class index: the caller maps
/// the labels to indices, so these are broken contracts, not bad data.
pub fn evaluate_multiclass(
    y: &[f64],
    log_probabilities: &[f64],
    classes: usize,
    weights: Option<&[f64]>,
) -> MulticlassMetrics {
    assert!(classes > 0, "at least one class");
    assert_eq!(
        log_probabilities.len(),
        y.len() * classes,
        "one row of K log-probabilities per label"
    );
    check_weights(weights, y.len());
    let labels: Vec<usize> = y
        .iter()
        .map(|&v| {
            assert!(
                v >= 0.0 && v < classes as f64 && v.fract() == 0.0,
                "label {v} is not a class index 0..{classes}"
            );
            v as usize
        })
        .collect();

    let mut confusion = vec![vec![0.0; classes]; classes];
    let mut correct = 0.0;
    let mut log_loss = 0.0;
    for (i, row) in log_probabilities.chunks_exact(classes).enumerate() {
        let s = weight_at(weights, i);
        let (truth, predicted) = (labels[i], argmax(row));
        confusion[truth][predicted] += s;
        if truth == predicted {
            correct += s;
        }
        // −log p is in [0, +∞], so the sum is never NaN; rows of weight 0 are absent.
        if s != 0.0 {
            log_loss += s * -row[truth];
        }
    }
    let total = weight_total(weights, y.len());

    let per_class: Vec<ClassMetrics> = (0..classes)
        .map(|k| {
            let hits = confusion[k][k];
            let predicted: f64 = confusion.iter().map(|row| row[k]).sum();
            let support: f64 = confusion[k].iter().sum();
            let precision = ratio(hits, predicted);
            let recall = ratio(hits, support);
            let score: Vec<f64> = log_probabilities
                .iter()
                .skip(k)
                .step_by(classes)
                .map(|lp| lp.exp())
                .collect();
            ClassMetrics {
                precision,
                recall,
                f1: f1_score(precision, recall),
                support,
                roc_auc: mann_whitney(&score, |i| labels[i] == k, weights),
            }
        })
        .collect();

    let mean = |value: &dyn Fn(&ClassMetrics) -> f64| {
        per_class.iter().map(value).sum::<f64>() / classes as f64
    };
    let support_total: f64 = per_class.iter().map(|c| c.support).sum();
    let support_mean = |value: &dyn Fn(&ClassMetrics) -> f64| {
        ratio(
            per_class.iter().map(|c| c.support * value(c)).sum(),
            support_total,
        )
    };
    let macro_average = Averages {
        precision: mean(&|c| c.precision),
        recall: mean(&|c| c.recall),
        f1: mean(&|c| c.f1),
    };
    let weighted_average = Averages {
        precision: support_mean(&|c| c.precision),
        recall: support_mean(&|c| c.recall),
        f1: support_mean(&|c| c.f1),
    };
    let macro_roc_auc = per_class
        .iter()
        .map(|c| c.roc_auc)
        .sum::<Option<f64>>()
        .map(|sum| sum / classes as f64);

    MulticlassMetrics {
        rows: y.len(),
        classes,
        accuracy: ratio(correct, total),
        log_loss: log_loss / total,
        per_class,
        macro_average,
        weighted_average,
        macro_roc_auc,
        confusion,
        weight_total: weights.map(|_| total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    /// |a − b| ≤ tolerance · max(1, |a|, |b|).
    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance * 1f64.max(a.abs()).max(b.abs())
    }

    fn close_option(a: Option<f64>, b: Option<f64>, tolerance: f64) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => close(a, b, tolerance),
            (None, None) => true,
            _ => false,
        }
    }

    /// Each row i repeated weights\[i\] times (an integer weight).
    fn repeat<T: Copy>(items: &[T], width: usize, weights: &[f64]) -> Vec<T> {
        let mut out = Vec::new();
        for (chunk, &s) in items.chunks_exact(width).zip(weights) {
            for _ in 0..s as usize {
                out.extend_from_slice(chunk);
            }
        }
        out
    }

    /// log softmax of one row of logits, stably.
    fn log_softmax(logits: &[f64]) -> Vec<f64> {
        let top = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let log_sum = logits.iter().map(|&v| (v - top).exp()).sum::<f64>().ln() + top;
        logits.iter().map(|&v| v - log_sum).collect()
    }

    fn log_rows(p: &[[f64; 3]]) -> Vec<f64> {
        p.iter().flatten().map(|v| v.ln()).collect()
    }

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
    fn weighted_auc_counts_ties_as_half() {
        let y = [0.0, 1.0, 0.0, 1.0];
        let score = [0.1, 0.5, 0.5, 0.9];
        let weights = [2.0, 1.0, 3.0, 1.0];
        // Σ sₚ = 2, Σ sₙ = 5. Positive 0.5 (s 1): beats 0.1 (2), ties 0.5 (3 · ½) = 3.5;
        // positive 0.9 (s 1): beats both = 5. AUC = 8.5 / 10.
        let auc = roc_auc_weighted(&y, &score, Some(&weights)).unwrap();
        assert!(close(auc, 0.85, 1e-15), "{auc}");
        // Every score tied: one half whatever the weights.
        let auc = roc_auc_weighted(&y, &[0.3; 4], Some(&weights)).unwrap();
        assert!(close(auc, 0.5, 1e-15), "{auc}");
    }

    #[test]
    fn auc_is_none_when_a_class_weighs_nothing() {
        let y = [0.0, 1.0, 1.0];
        let score = [0.2, 0.4, 0.6];
        assert_eq!(roc_auc_weighted(&y, &score, Some(&[0.0, 1.0, 2.0])), None);
        assert_eq!(roc_auc_weighted(&y, &score, Some(&[1.0, 0.0, 0.0])), None);
        assert!(roc_auc_weighted(&y, &score, Some(&[1.0, 0.0, 2.0])).is_some());
        let m = evaluate_weighted(&y, &score, 0.5, Some(&[0.0, 1.0, 2.0]));
        assert_eq!(m.roc_auc, None);
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

    #[test]
    fn unweighted_output_keeps_its_shape() {
        let y = [1.0, 1.0, 0.0, 0.0, 1.0];
        let z = [2.0, -1.0, 3.0, -2.0, 0.5];
        let m = evaluate(&y, &z, 0.5);
        assert_eq!(m, evaluate_weighted(&y, &z, 0.5, None));
        assert_eq!(m.weighted_confusion, None);
        assert_eq!(m.weight_total, None);
        let json = serde_json::to_value(&m).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut expected = [
            "rows",
            "threshold",
            "accuracy",
            "precision",
            "recall",
            "f1",
            "log_loss",
            "roc_auc",
            "confusion",
        ];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
        // JSON written before the weighted fields existed still reads.
        let back: Metrics = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
        // Unit weights: the same sums of ones, so the same numbers, plus the weighted fields.
        let weighted = evaluate_weighted(&y, &z, 0.5, Some(&[1.0; 5]));
        assert_eq!(weighted.weight_total, Some(5.0));
        assert_eq!(
            Metrics {
                weighted_confusion: None,
                weight_total: None,
                ..weighted.clone()
            },
            m
        );
        let json = serde_json::to_value(&weighted).unwrap();
        assert_eq!(json["weight_total"], 5.0);
        assert_eq!(json["weighted_confusion"]["true_positive"], 2.0);
    }

    #[test]
    fn weighted_binary_by_hand() {
        let y = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0];
        let z = [2.0, -1.0, -0.5, 0.5, 0.5, 1.5, -2.0, -3.0];
        let s = [1.5, 2.0, 0.5, 1.0, 3.0, 0.25, 2.0, 1.0];
        let m = evaluate_weighted(&y, &z, 0.5, Some(&s));
        // ŷ = [1, 0, 0, 1, 1, 1, 0, 0]: TP rows 0, 3; FP 4, 5; TN 1, 7; FN 2, 6.
        assert_eq!(
            m.confusion,
            Confusion {
                true_positive: 2,
                false_positive: 2,
                true_negative: 2,
                false_negative: 2
            }
        );
        let w = m.weighted_confusion.unwrap();
        assert!(close(w.true_positive, 2.5, 1e-15));
        assert!(close(w.false_positive, 3.25, 1e-15));
        assert!(close(w.true_negative, 3.0, 1e-15));
        assert!(close(w.false_negative, 2.5, 1e-15));
        assert!(close(m.weight_total.unwrap(), 11.25, 1e-15));
        assert_eq!(m.rows, 8);
        assert!(close(m.accuracy, 5.5 / 11.25, 1e-15));
        assert!(close(m.precision, 2.5 / 5.75, 1e-15));
        assert!(close(m.recall, 0.5, 1e-15));
        let f1 = 2.0 * (2.5 / 5.75) * 0.5 / (2.5 / 5.75 + 0.5);
        assert!(close(m.f1, f1, 1e-15));
        // Pairs won, weighted: 1.5 · 6.25 (z = 2) + 1 · (2 + 1 + ½ · 3) (z = 0.5)
        // + 0.5 · (2 + 1) (z = −0.5) + 2 · 1 (z = −2) = 17.375, over Σ sₚ Σ sₙ = 5 · 6.25.
        assert!(close(m.roc_auc.unwrap(), 17.375 / 31.25, 1e-15));
        // scikit-learn 1.9.1 produced these: accuracy_score, precision_score, recall_score,
        // f1_score, log_loss (p = σ(z)) and roc_auc_score (on z), all with sample_weight=s.
        assert!(close(m.accuracy, 0.4888888888888889, 1e-14));
        assert!(close(m.precision, 0.43478260869565216, 1e-14));
        assert!(close(m.f1, 0.46511627906976744, 1e-14));
        assert!(close(m.log_loss, 0.8380496456503788, 1e-13));
        assert!(close(m.roc_auc.unwrap(), 0.556, 1e-14));
    }

    #[test]
    fn weight_zero_is_an_absent_row() {
        let y = [1.0, 0.0, 1.0, 0.0, 1.0];
        let z = [1.0, -0.5, 0.25, 0.75, -1.0];
        let s = [2.0, 1.5, 0.5, 1.0, 3.0];
        let base = evaluate_weighted(&y, &z, 0.5, Some(&s));
        // An extra row, as wrong as it gets (its loss is +∞), at weight 0.
        let mut y_extra = y.to_vec();
        let mut z_extra = z.to_vec();
        let mut s_extra = s.to_vec();
        y_extra.insert(2, 1.0);
        z_extra.insert(2, f64::NEG_INFINITY);
        s_extra.insert(2, 0.0);
        let extra = evaluate_weighted(&y_extra, &z_extra, 0.5, Some(&s_extra));
        assert!(extra.log_loss.is_finite());
        assert_eq!(extra.rows, base.rows + 1);
        assert_eq!(
            extra.confusion.false_negative,
            base.confusion.false_negative + 1
        );
        for (a, b) in [
            (extra.accuracy, base.accuracy),
            (extra.precision, base.precision),
            (extra.recall, base.recall),
            (extra.f1, base.f1),
            (extra.log_loss, base.log_loss),
            (extra.weight_total.unwrap(), base.weight_total.unwrap()),
        ] {
            assert!(close(a, b, 1e-15), "{a} vs {b}");
        }
        assert!(close_option(extra.roc_auc, base.roc_auc, 1e-15));
        assert_eq!(extra.weighted_confusion, base.weighted_confusion);
        // At weight 1 the same row makes the log loss infinite (and not NaN).
        s_extra[2] = 1.0;
        let counted = evaluate_weighted(&y_extra, &z_extra, 0.5, Some(&s_extra));
        assert_eq!(counted.log_loss, f64::INFINITY);
    }

    #[test]
    fn integer_weights_repeat_rows_binary() {
        for seed in 0..24 {
            let mut rng = SplitMix64::new(seed);
            let m = 1 + rng.below(30);
            let y: Vec<f64> = (0..m).map(|_| rng.below(2) as f64).collect();
            // A coarse grid of logits, so there are tied scores.
            let z: Vec<f64> = (0..m).map(|_| rng.below(9) as f64 * 0.5 - 2.0).collect();
            let mut s: Vec<f64> = (0..m).map(|_| rng.below(4) as f64).collect();
            s[0] += 1.0; // at least one row present
            let weighted = evaluate_weighted(&y, &z, 0.5, Some(&s));
            let repeated = evaluate(&repeat(&y, 1, &s), &repeat(&z, 1, &s), 0.5);
            let tolerance = 1e-12;
            for (a, b, name) in [
                (weighted.accuracy, repeated.accuracy, "accuracy"),
                (weighted.precision, repeated.precision, "precision"),
                (weighted.recall, repeated.recall, "recall"),
                (weighted.f1, repeated.f1, "f1"),
                (weighted.log_loss, repeated.log_loss, "log loss"),
            ] {
                assert!(close(a, b, tolerance), "seed {seed} {name}: {a} vs {b}");
            }
            assert!(
                close_option(weighted.roc_auc, repeated.roc_auc, tolerance),
                "seed {seed} auc: {:?} vs {:?}",
                weighted.roc_auc,
                repeated.roc_auc
            );
            let w = weighted.weighted_confusion.unwrap();
            let c = repeated.confusion;
            assert_eq!(w.true_positive, c.true_positive as f64, "seed {seed}");
            assert_eq!(w.false_positive, c.false_positive as f64, "seed {seed}");
            assert_eq!(w.true_negative, c.true_negative as f64, "seed {seed}");
            assert_eq!(w.false_negative, c.false_negative as f64, "seed {seed}");
            assert_eq!(weighted.weight_total.unwrap(), repeated.rows as f64);
        }
    }

    #[test]
    fn multiclass_by_hand() {
        let y = [0.0, 1.0, 2.0, 1.0];
        let p = [
            [0.6, 0.3, 0.1],   // predicted 0, right
            [0.2, 0.5, 0.3],   // predicted 1, right
            [0.5, 0.1, 0.4],   // predicted 0, truly 2
            [0.1, 0.25, 0.65], // predicted 2, truly 1
        ];
        let m = evaluate_multiclass(&y, &log_rows(&p), 3, None);
        assert_eq!((m.rows, m.classes, m.weight_total), (4, 3, None));
        assert_eq!(
            m.confusion,
            vec![
                vec![1.0, 0.0, 0.0],
                vec![0.0, 1.0, 1.0],
                vec![1.0, 0.0, 0.0]
            ]
        );
        assert!(close(m.accuracy, 0.5, 1e-15));
        let log_loss = -(0.6f64.ln() + 0.5f64.ln() + 0.4f64.ln() + 0.25f64.ln()) / 4.0;
        assert!(close(m.log_loss, log_loss, 1e-15));
        // (precision, recall, F1, support, AUC) per class. AUC: class 0 scores 0.6 above
        // 0.2, 0.5, 0.1; class 1's 0.5 beats 0.3 and 0.1, its 0.25 beats 0.1 only (3 of 4);
        // class 2's 0.4 beats 0.1 and 0.3, not 0.65 (2 of 3).
        let expected = [
            (0.5, 1.0, 2.0 / 3.0, 1.0, 1.0),
            (1.0, 0.5, 2.0 / 3.0, 2.0, 0.75),
            (0.0, 0.0, 0.0, 1.0, 2.0 / 3.0),
        ];
        for (c, &(precision, recall, f1, support, auc)) in m.per_class.iter().zip(&expected) {
            assert!(close(c.precision, precision, 1e-15), "{c:?}");
            assert!(close(c.recall, recall, 1e-15), "{c:?}");
            assert!(close(c.f1, f1, 1e-15), "{c:?}");
            assert!(close(c.support, support, 1e-15), "{c:?}");
            assert!(close(c.roc_auc.unwrap(), auc, 1e-15), "{c:?}");
        }
        assert!(close(m.macro_average.precision, 0.5, 1e-15));
        assert!(close(m.macro_average.recall, 0.5, 1e-15));
        assert!(close(m.macro_average.f1, 4.0 / 9.0, 1e-15));
        // Supports 1, 2, 1.
        assert!(close(m.weighted_average.precision, 2.5 / 4.0, 1e-15));
        assert!(close(m.weighted_average.recall, 0.5, 1e-15));
        assert!(close(m.weighted_average.f1, 0.5, 1e-15));
        assert!(close(
            m.macro_roc_auc.unwrap(),
            (1.0 + 0.75 + 2.0 / 3.0) / 3.0,
            1e-15
        ));
    }

    #[test]
    fn multiclass_matches_scikit_learn_with_weights() {
        let y = [0.0, 1.0, 2.0, 2.0, 1.0, 0.0, 1.0, 2.0];
        let p = [
            [0.7, 0.2, 0.1],
            [0.3, 0.4, 0.3],
            [0.2, 0.5, 0.3],
            [0.1, 0.3, 0.6],
            [0.5, 0.3, 0.2],
            [0.3, 0.3, 0.4],
            [0.2, 0.6, 0.2],
            [0.25, 0.25, 0.5],
        ];
        let s = [1.0, 2.5, 0.5, 1.0, 3.0, 0.75, 1.5, 2.0];
        let m = evaluate_multiclass(&y, &log_rows(&p), 3, Some(&s));
        // scikit-learn 1.9.1 produced every number below, from the same y, p and
        // sample_weight=s: accuracy_score, log_loss, precision_recall_fscore_support
        // (labels=[0, 1, 2], average None / 'macro' / 'weighted'), roc_auc_score per class on
        // (y == k, p[:, k]) and with multi_class='ovr', and confusion_matrix.
        let tolerance = 1e-13;
        assert!(close(m.accuracy, 0.6530612244897959, tolerance));
        assert!(close(m.log_loss, 0.8512362949015686, tolerance));
        let expected = [
            (
                0.25,
                0.5714285714285714,
                0.34782608695652173,
                1.75,
                0.826530612244898,
            ),
            (
                0.8888888888888888,
                0.5714285714285714,
                0.6956521739130435,
                7.0,
                0.8537414965986394,
            ),
            (
                0.8,
                0.8571428571428571,
                0.8275862068965517,
                3.5,
                0.9673469387755103,
            ),
        ];
        for (c, &(precision, recall, f1, support, auc)) in m.per_class.iter().zip(&expected) {
            assert!(close(c.precision, precision, tolerance), "{c:?}");
            assert!(close(c.recall, recall, tolerance), "{c:?}");
            assert!(close(c.f1, f1, tolerance), "{c:?}");
            assert!(close(c.support, support, tolerance), "{c:?}");
            assert!(close(c.roc_auc.unwrap(), auc, tolerance), "{c:?}");
        }
        assert!(close(
            m.macro_average.precision,
            0.6462962962962963,
            tolerance
        ));
        assert!(close(m.macro_average.recall, 0.6666666666666666, tolerance));
        assert!(close(m.macro_average.f1, 0.623688155922039, tolerance));
        assert!(close(
            m.weighted_average.precision,
            0.7722222222222223,
            tolerance
        ));
        assert!(close(
            m.weighted_average.recall,
            0.6530612244897959,
            tolerance
        ));
        assert!(close(m.weighted_average.f1, 0.6836581709145428, tolerance));
        assert!(close(
            m.macro_roc_auc.unwrap(),
            0.8825396825396825,
            tolerance
        ));
        let confusion = [[1.0, 0.0, 0.75], [3.0, 4.0, 0.0], [0.0, 0.5, 3.0]];
        for (row, expected_row) in m.confusion.iter().zip(&confusion) {
            for (&a, &b) in row.iter().zip(expected_row) {
                assert!(close(a, b, tolerance), "{:?}", m.confusion);
            }
        }
        assert!(close(m.weight_total.unwrap(), 12.25, tolerance));
    }

    #[test]
    fn multiclass_argmax_ties_go_to_the_lowest_index() {
        let y = [1.0, 2.0];
        let p = [[0.4, 0.4, 0.2], [0.0, 0.5, 0.5]];
        let m = evaluate_multiclass(&y, &log_rows(&p), 3, None);
        // Row 0 predicted 0 (tie of 0 and 1), row 1 predicted 1 (tie of 1 and 2; −∞ at 0).
        assert_eq!(m.confusion[1], vec![1.0, 0.0, 0.0]);
        assert_eq!(m.confusion[2], vec![0.0, 1.0, 0.0]);
        assert!(close(m.accuracy, 0.0, 0.0));
    }

    #[test]
    fn multiclass_log_loss_is_infinite_not_nan() {
        let y = [0.0, 1.0, 2.0];
        let p = [[0.5, 0.25, 0.25], [1.0, 0.0, 0.0], [0.25, 0.25, 0.5]];
        let log_p = log_rows(&p);
        assert_eq!(log_p[4], f64::NEG_INFINITY);
        let m = evaluate_multiclass(&y, &log_p, 3, None);
        assert_eq!(m.log_loss, f64::INFINITY);
        // The same row at weight 0 is absent.
        let m = evaluate_multiclass(&y, &log_p, 3, Some(&[1.0, 0.0, 1.0]));
        assert!(close(m.log_loss, 2.0f64.ln(), 1e-15), "{}", m.log_loss);
        assert!(close(m.accuracy, 1.0, 1e-15));
        assert_eq!(m.confusion[1], vec![0.0, 0.0, 0.0]);
        // Class 1 now weighs nothing: no AUC for it, so none for the macro average.
        assert_eq!(m.per_class[1].roc_auc, None);
        assert!(m.per_class[0].roc_auc.is_some());
        assert_eq!(m.macro_roc_auc, None);
        assert!(close(m.per_class[1].support, 0.0, 0.0));
        assert!(close(m.per_class[1].precision, 0.0, 0.0));
    }

    #[test]
    fn multiclass_auc_ranks_probabilities_not_their_logs() {
        // log p₁ = −800 and −900 are different numbers, but both p₁ round to 0, the scores
        // scikit-learn would see: a tie, worth one half.
        let y = [1.0, 0.0];
        let log_p = [0.0, -800.0, 0.0, -900.0];
        let m = evaluate_multiclass(&y, &log_p, 2, None);
        assert!(close(m.per_class[1].roc_auc.unwrap(), 0.5, 1e-15));
    }

    #[test]
    fn multiclass_absent_class_has_no_auc() {
        let y = [0.0, 1.0, 0.0, 1.0];
        let p = [
            [0.5, 0.3, 0.2],
            [0.2, 0.7, 0.1],
            [0.6, 0.1, 0.3],
            [0.3, 0.3, 0.4],
        ];
        let m = evaluate_multiclass(&y, &log_rows(&p), 3, None);
        assert!(m.per_class[0].roc_auc.is_some() && m.per_class[1].roc_auc.is_some());
        assert_eq!(m.per_class[2].roc_auc, None);
        assert_eq!(m.macro_roc_auc, None);
        // Class 2 was predicted once, wrongly: precision 0 over a denominator of 1, recall 0/0.
        assert!(close(m.per_class[2].precision, 0.0, 0.0));
        assert!(close(m.per_class[2].recall, 0.0, 0.0));
        // The macro average counts it, the weighted one gives it weight 0.
        // Recalls 1, 1/2, 0 with supports 2, 2, 0.
        assert!(close(m.macro_average.recall, 1.5 / 3.0, 1e-15));
        assert!(close(m.weighted_average.recall, 0.75, 1e-15));
    }

    #[test]
    fn integer_weights_repeat_rows_multiclass() {
        for seed in 0..24 {
            let mut rng = SplitMix64::new(1000 + seed);
            let classes = 2 + rng.below(3);
            let m = 1 + rng.below(25);
            let y: Vec<f64> = (0..m).map(|_| rng.below(classes) as f64).collect();
            let log_p: Vec<f64> = (0..m)
                .flat_map(|_| {
                    // A coarse grid, so that scores and argmaxes tie.
                    let logits: Vec<f64> =
                        (0..classes).map(|_| rng.below(4) as f64 * 0.75).collect();
                    log_softmax(&logits)
                })
                .collect();
            let mut s: Vec<f64> = (0..m).map(|_| rng.below(4) as f64).collect();
            s[0] += 1.0;
            let weighted = evaluate_multiclass(&y, &log_p, classes, Some(&s));
            let repeated = evaluate_multiclass(
                &repeat(&y, 1, &s),
                &repeat(&log_p, classes, &s),
                classes,
                None,
            );
            let tolerance = 1e-12;
            let pairs = [
                (weighted.accuracy, repeated.accuracy),
                (weighted.log_loss, repeated.log_loss),
                (weighted.macro_average.f1, repeated.macro_average.f1),
                (
                    weighted.weighted_average.precision,
                    repeated.weighted_average.precision,
                ),
                (
                    weighted.weighted_average.recall,
                    repeated.weighted_average.recall,
                ),
                (weighted.weighted_average.f1, repeated.weighted_average.f1),
            ];
            for (a, b) in pairs {
                assert!(close(a, b, tolerance), "seed {seed}: {a} vs {b}");
            }
            assert!(close_option(
                weighted.macro_roc_auc,
                repeated.macro_roc_auc,
                tolerance
            ));
            for (a, b) in weighted.per_class.iter().zip(&repeated.per_class) {
                assert!(
                    close(a.precision, b.precision, tolerance),
                    "seed {seed}: {a:?} {b:?}"
                );
                assert!(
                    close(a.recall, b.recall, tolerance),
                    "seed {seed}: {a:?} {b:?}"
                );
                assert!(close(a.f1, b.f1, tolerance), "seed {seed}: {a:?} {b:?}");
                assert!(
                    close(a.support, b.support, tolerance),
                    "seed {seed}: {a:?} {b:?}"
                );
                assert!(
                    close_option(a.roc_auc, b.roc_auc, tolerance),
                    "seed {seed}: {a:?} {b:?}"
                );
            }
            // Sums of small integers are exact.
            assert_eq!(weighted.confusion, repeated.confusion, "seed {seed}");
            assert_eq!(weighted.weight_total.unwrap(), repeated.rows as f64);
        }
    }

    #[test]
    fn two_classes_agree_with_the_binary_metrics() {
        for seed in 0..12 {
            let mut rng = SplitMix64::new(2000 + seed);
            let m = 2 + rng.below(40);
            let y: Vec<f64> = (0..m).map(|_| rng.below(2) as f64).collect();
            let z: Vec<f64> = (0..m).map(|_| 2.0 * rng.normal()).collect();
            let s: Vec<f64> = (0..m).map(|_| 0.1 + 2.0 * rng.next_f64()).collect();
            // log p₀ = log σ(−z) = −softplus(z), log p₁ = log σ(z) = −softplus(−z).
            let log_p: Vec<f64> = z
                .iter()
                .flat_map(|&zi| [-loss::log1p_exp(zi), -loss::log1p_exp(-zi)])
                .collect();
            for weights in [None, Some(s.as_slice())] {
                let binary = evaluate_weighted(&y, &z, 0.5, weights);
                let multi = evaluate_multiclass(&y, &log_p, 2, weights);
                let positive = &multi.per_class[1];
                let tolerance = 1e-12;
                for (a, b, name) in [
                    (multi.accuracy, binary.accuracy, "accuracy"),
                    (multi.log_loss, binary.log_loss, "log loss"),
                    (positive.precision, binary.precision, "precision"),
                    (positive.recall, binary.recall, "recall"),
                    (positive.f1, binary.f1, "f1"),
                ] {
                    assert!(close(a, b, tolerance), "seed {seed} {name}: {a} vs {b}");
                }
                assert!(
                    close_option(positive.roc_auc, binary.roc_auc, tolerance),
                    "seed {seed}"
                );
                // Class 0 against the rest ranks by 1 − p₁: the same AUC.
                assert!(close_option(
                    multi.per_class[0].roc_auc,
                    binary.roc_auc,
                    tolerance
                ));
                assert!(close_option(multi.macro_roc_auc, binary.roc_auc, tolerance));
                let w = binary.weighted_confusion.unwrap_or(WeightedConfusion {
                    true_positive: binary.confusion.true_positive as f64,
                    false_positive: binary.confusion.false_positive as f64,
                    true_negative: binary.confusion.true_negative as f64,
                    false_negative: binary.confusion.false_negative as f64,
                });
                let c = &multi.confusion;
                for (a, b) in [
                    (c[1][1], w.true_positive),
                    (c[0][1], w.false_positive),
                    (c[0][0], w.true_negative),
                    (c[1][0], w.false_negative),
                ] {
                    assert!(close(a, b, tolerance), "seed {seed}: {a} vs {b}");
                }
                assert_eq!(multi.weight_total.is_some(), weights.is_some());
            }
        }
    }
}
