//! Plots of training and evaluation, as PNG and SVG, drawn in pure Rust.
//!
//! What is drawn, and the maths behind each figure:
//!
//! | figure | file | shows |
//! |---|---|---|
//! | [`Figure::Cost`] | `cost` | J(θ_k) per iteration k (training, with its L2 term) and the validation log loss at each check; log scale when J spans more than a factor 4 |
//! | [`Figure::Gap`] | `cost_gap` | J(θ_k) − J* per iteration on a log scale, when J* is known (the demo solves the same J to the optimum); iterations where J − J* ≤ 0 (J* reached, to rounding) are left out |
//! | [`Figure::Roc`] | `roc` | TPR against FPR over every threshold, with the AUC (see [`curves`]) |
//! | [`Figure::PrecisionRecall`] | `precision_recall` | precision against recall, with average precision and the base rate P/m |
//! | [`Figure::Calibration`] | `calibration` | fraction of positives against mean predicted a per bin, each bin's marker sized by its rows (area ∝ count), over a histogram of the predictions; and the Brier score |
//! | [`Figure::Weights`] | `weights` | the largest weights by magnitude, named by feature (standardised when the model was trained that way, so they are comparable) |
//! | [`Figure::Boundary`] | `decision_boundary` | two-feature data: the examples and the line w1·x1 + w2·x2 + b = 0 where a = 1/2 |
//! | [`Figure::Confusion`] | `confusion` | K classes: the K×K counts C\[t\]\[p\] of rows of actual class t predicted as p = argmax_k p_k, each cell coloured by its share of the row, C\[t\]\[p\] / Σ_q C\[t\]\[q\] (the recall of t on the diagonal) |
//! | [`Figure::ClassRoc`] | `roc_per_class` | K classes, one against the rest: for each class k the ROC curve of the score p_k = exp(log p_k) with y = [class = k], and its AUC |
//! | [`Figure::ClassWeights`] | `weights` | K classes: for each feature j the largest standardised weight over the classes, w̃_{k*j} with k* = argmax_k \|w̃_kj\|, named by feature and class k*; the features with the largest such weights |
//!
//! The multiclass figures come from [`multiclass_figures`]. A multinomial model's weights are
//! centred over the classes (Σ_k w_kj = 0, see [`crate::objective::center`]), so w̃_kj > 0 means
//! feature j raises class k's logit above the classes' mean; a one-vs-rest neuron's w̃_kj pushes
//! towards class k against the rest, as a binary weight does. The ROC curves and the AUCs in
//! their legend are unweighted even when the metrics were weighted (like the binary figures);
//! the confusion matrix shows the counts it is given, weighted or not.
//!
//! PNG text is drawn with the DejaVu Sans font compiled into the binary
//! (`assets/DejaVuSans.ttf`, registered as `sans-serif`), so PNGs do not depend on the fonts of
//! the machine. SVG text stays text, in `font-family="sans-serif"`: the viewer draws it in its
//! own sans-serif font (plotters' SVG backend does not embed glyph outlines). PNGs are rendered
//! into memory and encoded with the `png` crate; files are written atomically.

pub mod curves;
mod draw;

use crate::data::{Design, cut};
use crate::error::{Error, Result};
use crate::loss;
use crate::metrics::MulticlassMetrics;
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

/// How far a fit's cost is above the optimum: J(θ_k) − J* per iteration, J* known (from a
/// solve to the optimum of the same J).
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// J after each iteration, from iteration 0.
    pub history: Vec<f64>,
    /// J*, the optimal cost.
    pub optimum: f64,
    /// The solver that made the history.
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

/// The K×K confusion matrix of a K-class prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion {
    /// The class labels (cut to 80 characters), in class order.
    pub classes: Vec<String>,
    /// counts\[t\]\[p\]: (weighted) rows of actual class t predicted as p; K rows of K.
    pub counts: Vec<Vec<f64>>,
    /// Are the counts sums of row weights?
    pub weighted: bool,
}

impl Confusion {
    /// Σ_t counts\[t\]\[t\] / Σ counts, or None without rows.
    pub fn accuracy(&self) -> Option<f64> {
        let total: f64 = self.counts.iter().flatten().sum();
        let hits: f64 = (0..self.counts.len())
            .filter_map(|t| self.counts[t].get(t))
            .sum();
        (total > 0.0).then(|| hits / total)
    }
}

/// One class's one-vs-rest ROC curve.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassCurve {
    /// The class label (cut to 80 characters).
    pub class: String,
    pub points: Vec<CurvePoint>,
    pub auc: f64,
}

/// The one-vs-rest ROC curves of a K-class model, in class order.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRoc {
    /// One curve per class that is present in the data but not alone there.
    pub curves: Vec<ClassCurve>,
    /// The classes without a curve (absent from the data, or the only class in it).
    pub without_curve: Vec<String>,
}

impl ClassRoc {
    /// The mean AUC of the curves, when every class has one (as the metrics' macro AUC).
    pub fn macro_auc(&self) -> Option<f64> {
        (self.without_curve.is_empty() && !self.curves.is_empty())
            .then(|| self.curves.iter().map(|c| c.auc).sum::<f64>() / self.curves.len() as f64)
    }
}

/// The features with the largest weights of a K-class model, largest first: for each feature
/// its largest weight in magnitude over the classes, and that class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassWeights {
    pub names: Vec<String>,
    /// The class whose weight each bar shows.
    pub classes: Vec<String>,
    pub values: Vec<f64>,
    /// Are these the weights on standardised features?
    pub standardized: bool,
}

/// One figure and its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Figure {
    Cost(Cost),
    Gap(Gap),
    Roc(Roc),
    PrecisionRecall(PrecisionRecall),
    Calibration(Calibration),
    Weights(Weights),
    Boundary(Boundary),
    Confusion(Confusion),
    ClassRoc(ClassRoc),
    ClassWeights(ClassWeights),
}

impl Figure {
    /// The file name without extension.
    pub fn name(&self) -> &'static str {
        match self {
            Figure::Cost(_) => "cost",
            Figure::Gap(_) => "cost_gap",
            Figure::Roc(_) => "roc",
            Figure::PrecisionRecall(_) => "precision_recall",
            Figure::Calibration(_) => "calibration",
            Figure::Weights(_) => "weights",
            Figure::Boundary(_) => "decision_boundary",
            Figure::Confusion(_) => "confusion",
            Figure::ClassRoc(_) => "roc_per_class",
            // A model is binary or not: one weights figure either way, under one name.
            Figure::ClassWeights(_) => "weights",
        }
    }

    /// A one-line description, for alt texts and logs.
    pub fn description(&self) -> String {
        match self {
            Figure::Cost(c) => format!(
                "cost J per iteration ({} iterations)",
                c.history.len().saturating_sub(1)
            ),
            Figure::Gap(g) => format!(
                "cost above the optimum, J − J* with J* = {:.6}, per iteration on a log scale",
                g.optimum
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
            Figure::Confusion(c) => format!(
                "confusion matrix of {} classes (rows actual, columns predicted), accuracy = {}",
                c.classes.len(),
                c.accuracy()
                    .map_or("undefined (no rows)".into(), |a| format!("{a:.4}"))
            ),
            Figure::ClassRoc(r) => format!(
                "ROC curves of {} classes, each against the rest, macro AUC = {}",
                r.curves.len() + r.without_curve.len(),
                r.macro_auc()
                    .map_or("undefined".into(), |a| format!("{a:.4}"))
            ),
            Figure::ClassWeights(w) => format!(
                "the {} largest weights, each feature with its class of largest weight",
                w.values.len()
            ),
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

/// J − J* per iteration of a fit by `solver` whose optimal cost is `optimum`.
pub fn gap_figure(history: &[f64], optimum: f64, solver: &str) -> Figure {
    Figure::Gap(Gap {
        history: history.to_vec(),
        optimum,
        solver: solver.to_owned(),
    })
}

/// A confusion count: whole counts as integers, weighted sums to three significant digits or so.
pub fn count_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() < 10.0 {
        format!("{v:.2}")
    } else if v.abs() < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
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
    let ranked = crate::weights::Ranked::by_training_scale(model);
    let values = &ranked.standardized[0];
    let standardized = model
        .standardization
        .as_ref()
        .is_some_and(|s| !s.is_identity());
    let top = &ranked.order[..ranked.order.len().min(WEIGHTS_SHOWN)];
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

/// The figures of a K-class `model` on rows with class indices `y` (0..K as f64) and
/// `log_probabilities` log p_ik (m × K, row-major), with the `metrics` computed from them: the
/// confusion matrix (the metrics' counts), the per-class ROC curves (when some class has one)
/// and the largest weights.
pub fn multiclass_figures(
    model: &Model,
    y: &[f64],
    log_probabilities: &[f64],
    metrics: &MulticlassMetrics,
) -> Vec<Figure> {
    let k = model.classes();
    let classes: Vec<String> = model.labels.classes.iter().map(|c| cut(c)).collect();
    let mut figures = vec![Figure::Confusion(Confusion {
        classes: classes.clone(),
        counts: metrics.confusion.clone(),
        weighted: metrics.weight_total.is_some(),
    })];

    // Class c against the rest: y = [y_i = c], score p_ic = exp(log p_ic).
    let mut roc = ClassRoc {
        curves: Vec::new(),
        without_curve: Vec::new(),
    };
    for (c, class) in classes.iter().enumerate() {
        let is_c: Vec<f64> = y
            .iter()
            .map(|&v| if v == c as f64 { 1.0 } else { 0.0 })
            .collect();
        let score: Vec<f64> = log_probabilities
            .chunks_exact(k.max(1))
            .map(|row| row.get(c).map_or(0.0, |lp| lp.exp()))
            .collect();
        match (score.len() == is_c.len())
            .then(|| curves::roc_curve(&is_c, &score))
            .flatten()
        {
            Some(points) => roc.curves.push(ClassCurve {
                class: class.clone(),
                auc: curves::trapezoid_area(&points),
                points,
            }),
            None => roc.without_curve.push(class.clone()),
        }
    }
    if !roc.curves.is_empty() {
        figures.push(Figure::ClassRoc(roc));
    }

    // Per feature j, the class k* of largest |w̃_kj| (the first of equal ones) and w̃_k*j.
    let ranked = crate::weights::Ranked::by_training_scale(model);
    let standardized = model
        .standardization
        .as_ref()
        .is_some_and(|s| !s.is_identity());
    let (best_class, best): (Vec<usize>, Vec<f64>) = (0..model.feature_names.len())
        .map(|j| ranked.largest(j))
        .unzip();
    let top = &ranked.order[..ranked.order.len().min(WEIGHTS_SHOWN)];
    if !top.is_empty() {
        figures.push(Figure::ClassWeights(ClassWeights {
            names: top.iter().map(|&j| cut(&model.feature_names[j])).collect(),
            classes: top
                .iter()
                .map(|&j| classes.get(best_class[j]).cloned().unwrap_or_default())
                .collect(),
            values: top.iter().map(|&j| best[j]).collect(),
            standardized,
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
            // J* above every J (nothing to draw on a log axis), and at the last J.
            renders(&gap_figure(&history, 1.0, "gd"));
            renders(&gap_figure(&history, history[history.len() - 1], "gd"));
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

    fn svg_text(figure: &Figure) -> String {
        String::from_utf8(figure.render(Format::Svg).unwrap()).unwrap()
    }

    /// Does the SVG hold a text element of exactly `text`? (plotters puts each on its own line.)
    fn has_text(svg: &str, text: &str) -> bool {
        svg.lines().any(|l| l.trim() == text)
    }

    fn classes(k: usize) -> Vec<String> {
        (0..k).map(|c| format!("class {c}")).collect()
    }

    #[test]
    fn degenerate_multiclass_data_still_draws() {
        // No rows at all, one class (a K = 1 matrix), and counts missing from a short matrix.
        for (k, counts) in [
            (3, vec![vec![0.0; 3]; 3]),
            (1, vec![vec![5.0]]),
            (4, vec![vec![1.0, 2.0]]),
        ] {
            renders(&Figure::Confusion(Confusion {
                classes: classes(k),
                counts,
                weighted: false,
            }));
        }
        // No curves: only the notes in the legend.
        renders(&Figure::ClassRoc(ClassRoc {
            curves: Vec::new(),
            without_curve: classes(2),
        }));
        renders(&Figure::ClassWeights(ClassWeights {
            names: vec!["x".into()],
            classes: vec!["a".into()],
            values: vec![0.0],
            standardized: false,
        }));
    }

    #[test]
    fn the_confusion_matrix_prints_every_count_up_to_thirty_classes() {
        for k in [2usize, 20, 30, 45] {
            let counts: Vec<Vec<f64>> = (0..k)
                .map(|t| (0..k).map(|p| (1000 + t * k + p) as f64).collect())
                .collect();
            let figure = Figure::Confusion(Confusion {
                classes: classes(k),
                counts,
                weighted: false,
            });
            renders(&figure);
            let svg = svg_text(&figure);
            let printed = (0..k * k)
                .filter(|i| has_text(&svg, &(1000 + i).to_string()))
                .count();
            // Beyond 30 classes the cells are too small to hold a number: colours only.
            assert_eq!(printed, if k <= 30 { k * k } else { 0 }, "K = {k}");
            // Every class names its row and its column; beyond 40 classes every second one.
            let names = svg
                .lines()
                .filter(|l| l.trim().starts_with("class "))
                .count();
            assert_eq!(
                names,
                2 * if k <= 40 { k } else { k.div_ceil(2) },
                "K = {k}"
            );
        }
        let weighted = Figure::Confusion(Confusion {
            classes: classes(2),
            counts: vec![vec![1.5, 0.25], vec![0.0, 120.4]],
            weighted: true,
        });
        let svg = svg_text(&weighted);
        assert!(svg.contains("(weighted)"));
        for text in ["1.50", "0.25", "120", "0"] {
            assert!(has_text(&svg, text), "{text}");
        }
    }

    #[test]
    fn the_roc_legend_names_ten_classes_and_counts_the_rest() {
        let diagonal = vec![CurvePoint { x: 0.0, y: 0.0 }, CurvePoint { x: 1.0, y: 1.0 }];
        let curves: Vec<ClassCurve> = classes(13)
            .into_iter()
            .map(|class| ClassCurve {
                class,
                points: diagonal.clone(),
                auc: 0.5,
            })
            .collect();
        let roc = Figure::ClassRoc(ClassRoc {
            curves,
            without_curve: vec!["gone".into()],
        });
        let svg = svg_text(&roc);
        assert!(svg.contains("class 9 (AUC = 0.5000)"));
        assert!(!svg.contains("class 10 (AUC"), "the eleventh is not named");
        assert!(svg.contains("… and 3 more classes"));
        assert!(svg.contains("no curve for 1 class absent or alone"));
        // A class without a curve leaves the macro AUC undefined, as in the metrics.
        let Figure::ClassRoc(r) = &roc else {
            unreachable!()
        };
        assert_eq!(r.macro_auc(), None);
        assert!(!svg.contains("macro AUC"));
    }

    #[test]
    fn confusion_accuracy_and_count_text() {
        let c = Confusion {
            classes: classes(2),
            counts: vec![vec![3.0, 1.0], vec![0.0, 4.0]],
            weighted: false,
        };
        assert_eq!(c.accuracy(), Some(7.0 / 8.0));
        let empty = Confusion {
            counts: vec![vec![0.0; 2]; 2],
            ..c
        };
        assert_eq!(empty.accuracy(), None);
        assert_eq!(count_text(12.0), "12");
        assert_eq!(count_text(2.5), "2.50");
        assert_eq!(count_text(12.25), "12.2");
        assert_eq!(count_text(1234.6), "1235");
    }

    #[test]
    fn calibration_markers_grow_with_their_bins_over_a_histogram() {
        let bin = |lower: f64, count: usize| CalibrationBin {
            lower,
            upper: lower + 0.1,
            count,
            mean_predicted: lower + 0.05,
            fraction_positive: lower,
        };
        let figure = Figure::Calibration(Calibration {
            bins: vec![bin(0.0, 400), bin(0.5, 1), bin(0.9, 100)],
            brier: 0.1,
        });
        renders(&figure);
        let svg = svg_text(&figure);
        let radii: Vec<u32> = svg
            .lines()
            .filter(|l| l.trim_start().starts_with("<circle"))
            .filter_map(|l| {
                let r = &l[l.find(" r=\"")? + 4..];
                r[..r.find('"')?].parse().ok()
            })
            .collect();
        // One marker per bin, its area in proportion to its rows: radius 3 + 9·sqrt(share).
        assert_eq!(radii, [12, 3, 8]);
        assert!(has_text(&svg, "rows"), "the histogram's axis");
        // The histogram: one bar per bin, in the bars' colour.
        let bars = svg
            .lines()
            .filter(|l| l.trim_start().starts_with("<rect") && l.contains("opacity=\"0.6\""))
            .count();
        assert_eq!(bars, 3);
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
