//! A fitted model's weights ranked by their size on the standardised scale, and odds ratios.
//!
//! A raw weight w_j is per unit of x_j, so its size depends on the unit (a balance in dollars
//! gets a tiny weight, a 0/1 dummy a large one). With s_j the standard deviation of feature j,
//! w_j·s_j is the weight on the standardised feature (x_j − μ_j)/s_j, which is comparable across
//! features: features are ranked by |w_j·s_j|, and for K neurons by their largest |w_kj·s_j|
//! over the neurons. For one sigmoid neuron, e^(w_j) is the odds ratio per unit of x_j (the
//! odds a/(1 − a) are multiplied by it when x_j grows by 1, the other features held fixed) and
//! e^(w_j·s_j) the odds ratio per standard deviation (Hosmer, Lemeshow & Sturdivant, *Applied
//! Logistic Regression*, 3rd ed., ch. 3). `logreg show`, the HTML report ([`crate::report`]) and
//! the weights plots ([`crate::plot`]) all rank with [`Ranked`].

use crate::model::Model;
use crate::plot::curves::largest_weights;

/// A model's standardised weights w_kj·s_j and its features ranked by them.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// s_j of each feature (1 where none is known).
    pub scale: Vec<f64>,
    /// w_kj·s_j, one vector per neuron (one for a binary model), one entry per feature.
    pub standardized: Vec<Vec<f64>>,
    /// Every feature, by its largest |w_kj·s_j| over the neurons, largest first (ties: the
    /// lower index first).
    pub order: Vec<usize>,
}

impl Ranked {
    /// The ranking of `model`'s weights with the scales `scale` (a missing entry counts as 1).
    pub fn new(model: &Model, scale: &[f64]) -> Self {
        let n = model.feature_names.len();
        let scale: Vec<f64> = (0..n)
            .map(|j| scale.get(j).copied().unwrap_or(1.0))
            .collect();
        let standardized: Vec<Vec<f64>> = model
            .weights
            .iter()
            .map(|w| {
                (0..n)
                    .map(|j| w.get(j).copied().unwrap_or(0.0) * scale[j])
                    .collect()
            })
            .collect();
        let mut ranked = Ranked {
            scale,
            standardized,
            order: Vec::new(),
        };
        let largest: Vec<f64> = (0..n).map(|j| ranked.largest(j).1).collect();
        ranked.order = largest_weights(&largest, n);
        ranked
    }

    /// The ranking with the scales the model's standardisation records (the training rows'
    /// standard deviations), or with s_j = 1, the raw weights, when it records none.
    pub fn by_training_scale(model: &Model) -> Self {
        let scale = model
            .standardization
            .as_ref()
            .map_or(&[][..], |s| &s.scale[..]);
        Self::new(model, scale)
    }

    /// The neuron k of the largest |w_kj·s_j| for feature j (the first of equal ones), and
    /// w_kj·s_j.
    pub fn largest(&self, j: usize) -> (usize, f64) {
        let mut top = (0, 0.0f64);
        for (k, w) in self.standardized.iter().enumerate() {
            if w[j].abs() > top.1.abs() {
                top = (k, w[j]);
            }
        }
        top
    }
}

/// An odds ratio e^w to four significant digits: fixed-point from 0.001 to 10,000, else
/// e-notation, and e^w itself where it is beyond f64's range.
pub fn odds_ratio_text(w: f64) -> String {
    let r = w.exp();
    if (1e-3..1e4).contains(&r) {
        let decimals = (3 - r.log10().floor() as i32).max(0) as usize;
        format!("{r:.decimals$}")
    } else if r > 0.0 && r.is_finite() {
        format!("{r:.3e}")
    } else {
        format!("e^({w:.1})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odds_ratios_keep_four_digits() {
        assert_eq!(odds_ratio_text(0.0), "1.000");
        assert_eq!(odds_ratio_text(2f64.ln()), "2.000");
        assert_eq!(odds_ratio_text(20.0), "4.852e8");
        assert_eq!(odds_ratio_text(-800.0), "e^(-800.0)");
    }
}
