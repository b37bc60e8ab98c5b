//! Plots of training and evaluation, as PNG and SVG, drawn in pure Rust.
//!
//! What is drawn, and the maths behind each figure:
//!
//! | figure | file | shows |
//! |---|---|---|
//! | [`Figure::Cost`] | `cost` | J(θ_k) per iteration k (training, with its L2 term) and the validation log loss at each check; log scale when J spans more than a factor 4 |
//! | [`Figure::Roc`] | `roc` | TPR against FPR over every threshold, with the AUC (see [`curves`]) |
//! | [`Figure::PrecisionRecall`] | `precision_recall` | precision against recall, with average precision and the base rate P/m |
//! | [`Figure::Calibration`] | `calibration` | fraction of positives against mean predicted a per bin, and the Brier score |
//! | [`Figure::Weights`] | `weights` | the largest weights by magnitude, named by feature (standardised when the model was trained that way, so they are comparable) |
//! | [`Figure::Boundary`] | `decision_boundary` | two-feature data: the examples and the line w1·x1 + w2·x2 + b = 0 where a = 1/2 |
//!
//! Text is drawn with the DejaVu Sans font compiled into the binary (`assets/DejaVuSans.ttf`,
//! registered as `sans-serif`), so nothing depends on the fonts of the machine. PNGs are
//! rendered into memory and encoded with the `png` crate; files are written atomically.

pub mod curves;
mod draw;

use crate::data::Design;
use crate::error::{Error, Result};
use crate::loss;
use crate::model::Model;
use crate::train::ValidationPoint;
use curves::{CalibrationBin, CurvePoint};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// DejaVu Sans 2.37 (Bitstream Vera license, see `assets/DejaVuSans-LICENSE`).
pub const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Size of every figure in pixels (PNG) or user units (SVG).
pub const SIZE: (u32, u32) = (800, 600);

/// An image file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// The cost curve's data.
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// J after each iteration, from iteration 0 (the fit report's `history`).
    pub history: Vec<f64>,
    /// Validation checks, if any.
    pub validation: Vec<ValidationPoint>,
    /// The solver that made the history, as the fit report names it ("gd", "lbfgs+newton").
    pub solver: String,
}

/// The ROC curve and its area.
#[derive(Debug, Clone, PartialEq)]
pub struct Roc {
    pub points: Vec<CurvePoint>,
    pub auc: f64,
}

/// The precision–recall curve, its average precision and the positive rate P/m.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionRecall {
    pub points: Vec<CurvePoint>,
    pub average_precision: f64,
    pub base_rate: f64,
}

/// A reliability diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub bins: Vec<CalibrationBin>,
    pub brier: f64,
}

/// The largest weights, largest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub names: Vec<String>,
    pub values: Vec<f64>,
    /// Are these the weights on standardised features?
    pub standardized: bool,
    /// The positive class's label, for the caption.
    pub positive: String,
}

/// Two-feature data with the model's decision boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    pub names: [String; 2],
    pub x1: Vec<f64>,
    pub x2: Vec<f64>,
    pub y: Vec<f64>,
    pub labels: [String; 2],
    pub weights: [f64; 2],
    pub bias: f64,
}

/// One figure and its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Cost(Cost),
    Roc(Roc),
    PrecisionRecall(PrecisionRecall),
    Calibration(Calibration),
    Weights(Weights),
    Boundary(Boundary),
}

impl Figure {
    /// The file name without extension.
    pub fn name(&self) -> &'static str {
        match self {
            Figure::Cost(_) => "cost",
            Figure::Roc(_) => "roc",
            Figure::PrecisionRecall(_) => "precision_recall",
            Figure::Calibration(_) => "calibration",
            Figure::Weights(_) => "weights",
            Figure::Boundary(_) => "decision_boundary",
        }
    }

    /// A one-line description, for alt texts and logs.
    pub fn description(&self) -> String {
        match self {
            Figure::Cost(c) => format!(
                "cost J per iteration ({} iterations)",
                c.history.len().saturating_sub(1)
            ),
            Figure::Roc(r) => format!("ROC curve, AUC = {:.4}", r.auc),
            Figure::PrecisionRecall(p) => {
                format!(
                    "precision–recall curve, average precision = {:.4}",
                    p.average_precision
                )
            }
            Figure::Calibration(c) => format!("reliability diagram, Brier score = {:.4}", c.brier),
            Figure::Weights(w) => format!("the {} largest weights", w.values.len()),
            Figure::Boundary(b) => {
                format!("decision boundary over {} and {}", b.names[0], b.names[1])
            }
        }
    }

    /// The figure as the bytes of a file in `format`.
    pub fn render(&self, format: Format) -> Result<Vec<u8>> {
        register_font()?;
        let failed = |reason: String| Error::Plot {
            figure: self.name(),
            reason,
        };
        match format {
            Format::Svg => {
                let mut svg = String::new();
                draw::figure(
                    self,
                    plotters::backend::SVGBackend::with_string(&mut svg, SIZE),
                )
                .map_err(|e| failed(e.to_string()))?;
                Ok(svg.into_bytes())
            }
            Format::Png => {
                let (w, h) = SIZE;
                let mut rgb = vec![0u8; w as usize * h as usize * 3];
                draw::figure(
                    self,
                    plotters::backend::BitMapBackend::with_buffer(&mut rgb, SIZE),
                )
                .map_err(|e| failed(e.to_string()))?;
                encode_png(&rgb, SIZE).map_err(|e| failed(e.to_string()))
            }
        }
    }
}

/// Registers the bundled font as `sans-serif`, once.
fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", plotters::style::FontStyle::Normal, FONT)
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Plot {
            figure: "any",
            reason: "the bundled font does not parse".into(),
        })
    }
}

/// An 8-bit RGB PNG of `rgb` (row-major, 3 bytes a pixel).
fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> std::result::Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(bytes)
}

/// Writes each figure into `dir` (created if missing) in each format, as `NAME.EXT`, and
/// returns the paths written.
pub fn write_figures(dir: &Path, figures: &[Figure], formats: &[Format]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for figure in figures {
        for &format in formats {
            let path = dir.join(format!("{}.{}", figure.name(), format.extension()));
            let bytes = figure.render(format)?;
            crate::model::write_atomically(&path, &bytes)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The cost curve of a fit by `solver` (the fit report's name for it).
pub fn cost_figure(history: &[f64], validation: &[ValidationPoint], solver: &str) -> Figure {
    Figure::Cost(Cost {
        history: history.to_vec(),
        validation: validation.to_vec(),
        solver: solver.to_owned(),
    })
}

/// How many weights the bar chart shows at most.
pub const WEIGHTS_SHOWN: usize = 15;

/// The evaluation figures of `model` on labelled rows `x`, `y` (0/1): ROC, precision–recall and
/// calibration (when both classes are present), the largest weights, and for two-feature data
/// the decision boundary.
pub fn evaluation_figures(model: &Model, x: &dyn Design, y: &[f64]) -> Vec<Figure> {
    let z = model.logits(x);
    let a: Vec<f64> = z.iter().map(|&z| loss::sigmoid(z)).collect();
    let mut figures = Vec::new();
    if let Some(points) = curves::roc_curve(y, &z) {
        let auc = curves::trapezoid_area(&points);
        figures.push(Figure::Roc(Roc { points, auc }));
    }
    if let Some(points) = curves::precision_recall_curve(y, &z) {
        let positives = y.iter().filter(|&&v| v > 0.5).count();
        figures.push(Figure::PrecisionRecall(PrecisionRecall {
            average_precision: curves::average_precision(&points),
            base_rate: positives as f64 / y.len() as f64,
            points,
        }));
    }
    if !y.is_empty() {
        figures.push(Figure::Calibration(Calibration {
            bins: curves::calibration(y, &a, 10),
            brier: curves::brier_score(y, &a),
        }));
    }
    // Weights on standardised features, w̃_j = w_j·s_j, are comparable across features.
    let (values, standardized): (Vec<f64>, bool) = match &model.standardization {
        Some(s) if !s.is_identity() => (
            model.weights[0]
                .iter()
                .zip(&s.scale)
                .map(|(w, s)| w * s)
                .collect(),
            true,
        ),
        _ => (model.weights[0].clone(), false),
    };
    let top = curves::largest_weights(&values, WEIGHTS_SHOWN);
    if !top.is_empty() {
        figures.push(Figure::Weights(Weights {
            names: top
                .iter()
                .map(|&j| model.feature_names[j].clone())
                .collect(),
            values: top.iter().map(|&j| values[j]).collect(),
            standardized,
            positive: model.labels.positive().to_owned(),
        }));
    }
    if model.feature_names.len() == 2 {
        let (mut x1, mut x2) = (Vec::with_capacity(y.len()), Vec::with_capacity(y.len()));
        for i in 0..x.n_rows() {
            let row = x.row_values(i);
            x1.push(row[0]);
            x2.push(row[1]);
        }
        figures.push(Figure::Boundary(Boundary {
            names: [
                model.feature_names[0].clone(),
                model.feature_names[1].clone(),
            ],
            x1,
            x2,
            y: y.to_vec(),
            labels: [
                model.labels.negative().to_owned(),
                model.labels.positive().to_owned(),
            ],
            weights: [model.weights[0][0], model.weights[0][1]],
            bias: model.bias[0],
        }));
    }
    figures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renders(figure: &Figure) {
        let png = figure.render(Format::Png).expect("PNG renders");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // IHDR: width and height, big-endian, right after the 8-byte signature and 8-byte header.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), SIZE.0);
        assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), SIZE.1);
        let svg = String::from_utf8(figure.render(Format::Svg).expect("SVG renders")).unwrap();
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn degenerate_data_still_draws() {
        // One cost value, a flat cost, a diverged (infinite) cost, zero cost.
        for history in [
            vec![0.693],
            vec![0.5; 10],
            vec![0.7, 0.6, f64::INFINITY],
            vec![0.0, 0.0],
        ] {
            renders(&cost_figure(&history, &[], "gd"));
        }
        renders(&Figure::Roc(Roc {
            points: vec![CurvePoint { x: 0.0, y: 0.0 }, CurvePoint { x: 1.0, y: 1.0 }],
            auc: 0.5,
        }));
        renders(&Figure::Calibration(Calibration {
            bins: Vec::new(),
            brier: 0.0,
        }));
        renders(&Figure::Weights(Weights {
            names: vec!["only".into()],
            values: vec![0.0],
            standardized: false,
            positive: "1".into(),
        }));
        // All examples on one point, and w = 0: no boundary line, no panic.
        renders(&Figure::Boundary(Boundary {
            names: ["a".into(), "b".into()],
            x1: vec![1.0, 1.0],
            x2: vec![2.0, 2.0],
            y: vec![0.0, 1.0],
            labels: ["no".into(), "yes".into()],
            weights: [0.0, 0.0],
            bias: 0.0,
        }));
    }

    #[test]
    fn svg_keeps_titles_and_axis_labels_as_text() {
        let svg = cost_figure(&[0.693, 0.4, 0.3], &[], "gd")
            .render(Format::Svg)
            .unwrap();
        let svg = String::from_utf8(svg).unwrap();
        for text in ["Cost J per iteration", "iteration", "cost J"] {
            assert!(svg.contains(text), "{text}");
        }
    }
}
