//! The numbers behind the evaluation plots: ROC and precision–recall curves, a reliability
//! (calibration) table, the largest weights, and the decision boundary's segment in a box.
//!
//! Scores s_i (logits or probabilities: any increasing function of a gives the same curves) are
//! sorted from high to low and swept as a threshold t; after each group of tied scores the
//! counts TP(t), FP(t) give one point.
//!
//! - ROC: (FPR, TPR) = (FP/N, TP/P) from (0, 0) to (1, 1). A group of tied scores is one
//!   straight segment, so the trapezoidal area under the points equals the Mann–Whitney AUC of
//!   [`crate::metrics::roc_auc`] (ties count one half) exactly, up to rounding.
//! - Precision–recall: (R, P) = (TP/P, TP/(TP + FP)), starting at (0, 1) as scikit-learn does;
//!   average precision AP = Σ_k (R_k − R_{k−1})·P_k (the step-wise area, no interpolation).
//! - Reliability: predictions a = σ(z) binned into equal-width bins on [0, 1]; for each
//!   non-empty bin the mean prediction against the fraction of positives. A calibrated model
//!   lies on the diagonal. The Brier score (1/m) Σ (a_i − y_i)² summarises it.
//!
//! Reference: T. Fawcett, "An introduction to ROC analysis", Pattern Recognition Letters 27
//! (2006); Niculescu-Mizil & Caruana, "Predicting good probabilities with supervised learning"
//! (ICML 2005).

use serde::Serialize;

/// One point of a threshold sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub x: f64,
    pub y: f64,
}

/// The positive and negative counts of 0/1 labels.
fn class_counts(y: &[f64]) -> (usize, usize) {
    let p = y.iter().filter(|&&v| v > 0.5).count();
    (p, y.len() - p)
}

/// Cumulative (TP, FP) after each group of tied scores, highest score first.
fn sweep(y: &[f64], score: &[f64]) -> Vec<(usize, usize)> {
    assert_eq!(y.len(), score.len(), "one score per label");
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&i, &j| score[j].total_cmp(&score[i]));
    let mut counts = Vec::new();
    let (mut tp, mut fp) = (0, 0);
    let mut i = 0;
    while i < order.len() {
        let s = score[order[i]];
        while i < order.len() && score[order[i]] == s {
            if y[order[i]] > 0.5 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        counts.push((tp, fp));
    }
    counts
}

/// The ROC curve, with points (FPR, TPR); None when a class is absent.
pub fn roc_curve(y: &[f64], score: &[f64]) -> Option<Vec<CurvePoint>> {
    let (p, n) = class_counts(y);
    if p == 0 || n == 0 {
        return None;
    }
    let mut points = vec![CurvePoint { x: 0.0, y: 0.0 }];
    points.extend(sweep(y, score).into_iter().map(|(tp, fp)| CurvePoint {
        x: fp as f64 / n as f64,
        y: tp as f64 / p as f64,
    }));
    Some(points)
}

/// The precision–recall curve, with points (recall, precision); None without positives.
pub fn precision_recall_curve(y: &[f64], score: &[f64]) -> Option<Vec<CurvePoint>> {
    let (p, _) = class_counts(y);
    if p == 0 {
        return None;
    }
    let mut points = vec![CurvePoint { x: 0.0, y: 1.0 }];
    points.extend(sweep(y, score).into_iter().map(|(tp, fp)| CurvePoint {
        x: tp as f64 / p as f64,
        y: tp as f64 / (tp + fp) as f64,
    }));
    Some(points)
}

/// The area under a piecewise-linear curve (trapezoidal rule), points ordered by x.
pub fn trapezoid_area(points: &[CurvePoint]) -> f64 {
    points
        .windows(2)
        .map(|w| (w[1].x - w[0].x) * (w[0].y + w[1].y) / 2.0)
        .sum()
}

/// Average precision: Σ_k (R_k − R_{k−1})·P_k over the points of [`precision_recall_curve`].
pub fn average_precision(points: &[CurvePoint]) -> f64 {
    points.windows(2).map(|w| (w[1].x - w[0].x) * w[1].y).sum()
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// The bin is [lower, upper) (the last one includes 1).
    pub lower: f64,
    pub upper: f64,
    pub count: usize,
    /// Mean predicted probability of the rows in the bin.
    pub mean_predicted: f64,
    /// Fraction of those rows that are positive.
    pub fraction_positive: f64,
}

/// The non-empty bins of `bins` equal-width bins of the probabilities `a`.
pub fn calibration(y: &[f64], a: &[f64], bins: usize) -> Vec<CalibrationBin> {
    assert_eq!(y.len(), a.len(), "one probability per label");
    assert!(bins > 0, "at least one bin");
    let mut sum_a = vec![0.0; bins];
    let mut sum_y = vec![0.0; bins];
    let mut count = vec![0usize; bins];
    for (&yi, &ai) in y.iter().zip(a) {
        // a = 1 falls in the last bin; NaN (never produced by σ) would land in bin 0.
        let k = ((ai * bins as f64) as usize).min(bins - 1);
        sum_a[k] += ai;
        sum_y[k] += if yi > 0.5 { 1.0 } else { 0.0 };
        count[k] += 1;
    }
    (0..bins)
        .filter(|&k| count[k] > 0)
        .map(|k| CalibrationBin {
            lower: k as f64 / bins as f64,
            upper: (k + 1) as f64 / bins as f64,
            count: count[k],
            mean_predicted: sum_a[k] / count[k] as f64,
            fraction_positive: sum_y[k] / count[k] as f64,
        })
        .collect()
}

/// The Brier score (1/m) Σ (a_i − y_i)².
pub fn brier_score(y: &[f64], a: &[f64]) -> f64 {
    let sum: f64 = y.iter().zip(a).map(|(y, a)| (a - y) * (a - y)).sum();
    sum / y.len().max(1) as f64
}

/// Indices of the `k` weights largest in absolute value, largest first (ties by index).
pub fn largest_weights(weights: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&i, &j| {
        weights[j]
            .abs()
            .total_cmp(&weights[i].abs())
            .then(i.cmp(&j))
    });
    order.truncate(k);
    order
}

/// Should a curve of positive values be drawn on a log scale? Yes when every value is positive
/// and finite and the largest is more than four times the smallest: then a linear axis would
/// squash the tail of the curve, where the interesting convergence happens, into a flat line.
pub fn log_scale_helps(values: &[f64]) -> bool {
    let finite_positive = values.iter().all(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    finite_positive && !values.is_empty() && hi > 4.0 * lo
}

/// The part of the line w1·x1 + w2·x2 + b = 0 (where z = 0, a = 1/2) inside the box
/// [x1_min, x1_max] × [x2_min, x2_max], as its two end points; None if it misses the box or
/// w = 0.
pub fn boundary_segment(
    w: [f64; 2],
    b: f64,
    x1: (f64, f64),
    x2: (f64, f64),
) -> Option<[(f64, f64); 2]> {
    let [w1, w2] = w;
    let mut hits: Vec<(f64, f64)> = Vec::new();
    let inside = |v: f64, (lo, hi): (f64, f64)| {
        let slack = 1e-12 * (hi - lo).abs().max(1.0);
        v >= lo - slack && v <= hi + slack
    };
    if w2 != 0.0 {
        for x in [x1.0, x1.1] {
            let y = -(w1 * x + b) / w2;
            if inside(y, x2) {
                hits.push((x, y));
            }
        }
    }
    if w1 != 0.0 {
        for y in [x2.0, x2.1] {
            let x = -(w2 * y + b) / w1;
            if inside(x, x1) {
                hits.push((x, y));
            }
        }
    }
    // Two distinct points (a corner can be hit twice).
    let first = *hits.first()?;
    let far = hits.iter().copied().max_by(|p, q| {
        let d = |r: &(f64, f64)| (r.0 - first.0).powi(2) + (r.1 - first.1).powi(2);
        d(p).total_cmp(&d(q))
    })?;
    (far != first).then_some([first, far])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::roc_auc;
    use crate::rng::SplitMix64;

    #[test]
    fn roc_area_is_the_mann_whitney_auc_with_ties() {
        let y = [0.0, 1.0, 0.0, 1.0];
        let s = [0.1, 0.5, 0.5, 0.9];
        let roc = roc_curve(&y, &s).unwrap();
        // (0,0) → (0, 1/2) at s = 0.9 → (1/2, 1) at the tie → (1, 1).
        let expected = [(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)];
        assert_eq!(roc.len(), expected.len());
        for (p, (x, y)) in roc.iter().zip(expected) {
            assert_eq!((p.x, p.y), (x, y));
        }
        assert!((trapezoid_area(&roc) - 3.5 / 4.0).abs() < 1e-15);
    }

    #[test]
    fn roc_area_matches_metrics_on_random_scores() {
        let mut rng = SplitMix64::new(7);
        for m in [2usize, 5, 50, 500] {
            let y: Vec<f64> = (0..m).map(|i| (i % 3 == 0) as u8 as f64).collect();
            // Scores rounded to one decimal to force many ties.
            let s: Vec<f64> = (0..m)
                .map(|i| (rng.next_f64() * 10.0 + y[i] * 3.0).round() / 10.0)
                .collect();
            let area = trapezoid_area(&roc_curve(&y, &s).unwrap());
            let auc = roc_auc(&y, &s).unwrap();
            assert!((area - auc).abs() < 1e-12, "m = {m}: {area} vs {auc}");
        }
        assert!(roc_curve(&[1.0, 1.0], &[0.2, 0.3]).is_none());
    }

    #[test]
    fn precision_recall_by_hand() {
        // Scores high to low: +, −, +, −.
        let y = [1.0, 0.0, 1.0, 0.0];
        let s = [0.9, 0.8, 0.7, 0.1];
        let pr = precision_recall_curve(&y, &s).unwrap();
        let expected = [
            (0.0, 1.0),
            (0.5, 1.0),
            (0.5, 0.5),
            (1.0, 2.0 / 3.0),
            (1.0, 0.5),
        ];
        for (p, (r, q)) in pr.iter().zip(expected) {
            assert!((p.x - r).abs() < 1e-15 && (p.y - q).abs() < 1e-15);
        }
        // AP = 0.5·1 + 0.5·(2/3).
        assert!((average_precision(&pr) - (0.5 + 1.0 / 3.0)).abs() < 1e-15);
    }

    #[test]
    fn calibration_bins_and_brier() {
        let y = [0.0, 1.0, 1.0, 1.0, 0.0];
        let a = [0.05, 0.15, 0.95, 1.0, 0.92];
        let bins = calibration(&y, &a, 10);
        assert_eq!(bins.len(), 3);
        assert_eq!((bins[0].count, bins[0].fraction_positive), (1, 0.0));
        assert_eq!(bins[2].count, 3, "a = 1 belongs to the last bin");
        assert!((bins[2].mean_predicted - (0.95 + 1.0 + 0.92) / 3.0).abs() < 1e-15);
        assert!((bins[2].fraction_positive - 2.0 / 3.0).abs() < 1e-15);
        let brier = (0.05f64.powi(2) + 0.85f64.powi(2) + 0.05f64.powi(2) + 0.92f64.powi(2)) / 5.0;
        assert!((brier_score(&y, &a) - brier).abs() < 1e-15);
    }

    #[test]
    fn largest_weights_by_magnitude() {
        assert_eq!(largest_weights(&[0.1, -3.0, 2.0, -2.0], 3), vec![1, 2, 3]);
        assert_eq!(largest_weights(&[1.0], 5), vec![0]);
    }

    #[test]
    fn log_scale_only_for_wide_positive_ranges() {
        assert!(log_scale_helps(&[0.693, 0.3, 0.1, 0.07]));
        assert!(!log_scale_helps(&[0.693, 0.5, 0.4]));
        assert!(!log_scale_helps(&[0.693, 0.0]));
        assert!(!log_scale_helps(&[]));
    }

    #[test]
    fn boundary_segment_in_a_box() {
        // x1 + x2 − 1 = 0 in the unit box: from (0, 1) to (1, 0).
        let s = boundary_segment([1.0, 1.0], -1.0, (0.0, 1.0), (0.0, 1.0)).unwrap();
        let mut ends = [s[0], s[1]];
        ends.sort_by(|p, q| p.0.total_cmp(&q.0));
        assert_eq!(ends, [(0.0, 1.0), (1.0, 0.0)]);
        // A vertical line x1 = 0.25.
        let v = boundary_segment([4.0, 0.0], -1.0, (0.0, 1.0), (0.0, 1.0)).unwrap();
        assert_eq!((v[0].0, v[1].0), (0.25, 0.25));
        // Misses the box, and w = 0.
        assert!(boundary_segment([1.0, 1.0], 5.0, (0.0, 1.0), (0.0, 1.0)).is_none());
        assert!(boundary_segment([0.0, 0.0], 1.0, (0.0, 1.0), (0.0, 1.0)).is_none());
    }
}
