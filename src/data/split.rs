//! Stratified train/validation split.
//!
//! Each class's row indices are shuffled (Fisher–Yates with [`crate::rng::SplitMix64`], so a
//! seed gives the same split on every platform and version) and round(F · count) of them go to
//! validation, keeping the class balance in both parts. Both index lists come back sorted, so
//! the rows keep their file order.

use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// Row indices of the training and validation parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
}

/// Splits rows with labels `y` (class indices 0, …, K − 1), sending a fraction `fraction` of
/// each class to validation (classes in order, so a binary split is what it always was). A split whose held-out part would be empty, or whose training part would lack
/// a class, is an error: nothing could be learnt or measured from it.
pub fn stratified(y: &[f64], fraction: f64, seed: u64) -> Result<Split> {
    let invalid = |reason| Error::InvalidParameter {
        name: "validation fraction",
        value: fraction.to_string(),
        reason,
    };
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(invalid("must be strictly between 0 and 1"));
    }
    let mut rng = SplitMix64::new(seed);
    let mut split = Split {
        train: Vec::new(),
        validation: Vec::new(),
    };
    let classes = y.iter().fold(0usize, |k, &c| k.max(c as usize + 1)).max(2);
    for class in (0..classes).map(|c| c as f64) {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        rng.shuffle(&mut rows);
        let take = (fraction * rows.len() as f64).round() as usize;
        split.validation.extend_from_slice(&rows[..take]);
        split.train.extend_from_slice(&rows[take..]);
    }
    if split.validation.is_empty() {
        return Err(invalid(
            "holds out no row of data this small; use a larger fraction",
        ));
    }
    let has = |class: f64| split.train.iter().any(|&i| y[i] == class);
    if !(0..classes).all(|c| has(c as f64)) {
        return Err(invalid(
            "leaves a class out of the training rows; use a smaller fraction",
        ));
    }
    split.train.sort_unstable();
    split.validation.sort_unstable();
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_class_balance_and_is_deterministic() {
        let y: Vec<f64> = (0..100)
            .map(|i| if i % 4 == 0 { 1.0 } else { 0.0 })
            .collect();
        let s = stratified(&y, 0.2, 7).unwrap();
        assert_eq!(s.validation.len(), 20);
        assert_eq!(s.validation.iter().filter(|&&i| y[i] == 1.0).count(), 5);
        assert_eq!(s, stratified(&y, 0.2, 7).unwrap());
        assert_ne!(s, stratified(&y, 0.2, 8).unwrap());
        let mut all: Vec<usize> = s.train.iter().chain(&s.validation).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn a_split_that_leaves_a_part_useless_is_an_error() {
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        // 0.9 of three rows per class rounds to all three: no training rows.
        assert!(matches!(
            stratified(&y, 0.9, 0),
            Err(Error::InvalidParameter { reason, .. }) if reason.contains("training")
        ));
        // 0.1 of three rows rounds to none: nothing held out.
        assert!(matches!(
            stratified(&y, 0.1, 0),
            Err(Error::InvalidParameter { reason, .. }) if reason.contains("holds out no row")
        ));
        assert!(stratified(&y, 0.4, 0).is_ok());
    }
}
