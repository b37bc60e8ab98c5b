//! Drawing each [`Figure`] on any plotters backend (bitmap or SVG).
//!
//! Every chart has a title that says what is shown, labelled axes, and a legend when it holds
//! more than one series. Colours: the model's curves in blue, validation in orange, reference
//! lines (chance, perfect calibration, base rate) in grey; one colour per class from
//! [`CLASSES`] where there are several; the confusion matrix from white (share 0) to dark blue
//! (share 1).

use super::{
    Boundary, Calibration, ClassRoc, ClassWeights, Confusion, Cost, Figure, Gap, PrecisionRecall,
    Roc, Weights, curves,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::error::Error as StdError;

type DrawResult = Result<(), Box<dyn StdError>>;

/// The model's curve.
pub const CURVE: RGBColor = RGBColor(31, 119, 180);
/// Validation.
pub const VALIDATION: RGBColor = RGBColor(255, 127, 14);
/// Reference lines (chance diagonal, perfect calibration, base rate).
pub const REFERENCE: RGBColor = RGBColor(128, 128, 128);
/// The positive class in scatter plots and positive weights.
pub const POSITIVE: RGBColor = RGBColor(214, 39, 40);

/// One colour per class (matplotlib's tab10 with black for its grey, which is the reference
/// lines' colour), repeated past ten classes.
pub const CLASSES: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(0, 0, 0),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// How many classes a legend names; the rest are drawn and counted in one more line.
pub const LEGEND_CLASSES: usize = 10;

/// Grid lines: major ticks, and the minor lines between them.
const GRID: RGBColor = RGBColor(215, 215, 215);
const MINOR_GRID: RGBColor = RGBColor(243, 243, 243);

const FONT: &str = "sans-serif";
const TITLE: u32 = 24;
const AXIS: u32 = 18;
const LABEL: u32 = 15;

/// Draws `figure` on `backend` and flushes it.
pub fn figure<DB: DrawingBackend>(figure: &Figure, backend: DB) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let root = backend.into_drawing_area();
    root.fill(&WHITE)?;
    match figure {
        Figure::Cost(c) => cost(&root, c)?,
        Figure::Gap(g) => gap(&root, g)?,
        Figure::Roc(r) => roc(&root, r)?,
        Figure::PrecisionRecall(p) => precision_recall(&root, p)?,
        Figure::Calibration(c) => calibration(&root, c)?,
        Figure::Weights(w) => weights(&root, w)?,
        Figure::Boundary(b) => boundary(&root, b)?,
        Figure::Confusion(c) => confusion(&root, c)?,
        Figure::ClassRoc(r) => class_roc(&root, r)?,
        Figure::ClassWeights(w) => class_weights(&root, w)?,
    }
    root.present()?;
    Ok(())
}

fn legend_line(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
}

fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .label_font((FONT, LABEL))
        .draw()?;
    Ok(())
}

/// The grid and axes of a plot against the iteration, y labelled `y_desc` and formatted by
/// `y_label`.
fn iteration_mesh<'a, DB, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    y_desc: &str,
    y_label: &dyn Fn(&f64) -> String,
) -> DrawResult
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(MINOR_GRID)
        .x_desc("iteration")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_desc(y_desc)
        .y_label_formatter(y_label)
        .axis_desc_style((FONT, AXIS))
        .label_style((FONT, LABEL))
        .draw()?;
    Ok(())
}

/// Draws the axes and J per iteration on a chart whose y axis may be linear or logarithmic.
fn cost_series<'a, DB, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, Y>>,
    c: &Cost,
    y_desc: &str,
) -> DrawResult
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    iteration_mesh(chart, y_desc, &|v| format!("{v:.3}"))?;
    chart
        .draw_series(LineSeries::new(
            c.history.iter().enumerate().map(|(k, &j)| (k as f64, j)),
            CURVE.stroke_width(2),
        ))?
        .label("training J (log loss + L2 term)")
        .legend(legend_line(CURVE));
    if !c.validation.is_empty() {
        let points: Vec<(f64, f64)> = c
            .validation
            .iter()
            .map(|v| (v.iteration as f64, v.cost))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), VALIDATION.stroke_width(2)))?
            .label("validation log loss")
            .legend(legend_line(VALIDATION));
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 4, VALIDATION.filled())),
        )?;
    }
    legend(chart, SeriesLabelPosition::UpperRight)
}

fn cost<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Cost) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let values: Vec<f64> = c
        .history
        .iter()
        .copied()
        .chain(c.validation.iter().map(|v| v.cost))
        .filter(|v| v.is_finite())
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let last = c.history.len().saturating_sub(1).max(1) as f64;
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80);
    if curves::log_scale_helps(&values) {
        builder.caption(
            format!("Cost J per iteration (log scale): {}", lowering(&c.solver)),
            (FONT, TITLE - 4),
        );
        // Below 1e-300 a log axis means nothing (and 10^k underflows): start there.
        let (lo, hi) = ((lo * 0.9).max(1e-300), (hi * 1.1).max(1e-299));
        let mut chart = builder.build_cartesian_2d(
            0.0..last,
            (lo..hi).log_scale().with_key_points(log_ticks(lo, hi)),
        )?;
        cost_series(&mut chart, c, "cost J (log scale)")
    } else {
        builder.caption(
            format!("Cost J per iteration: {}", lowering(&c.solver)),
            (FONT, TITLE - 4),
        );
        let pad = ((hi - lo) * 0.05).max(1e-3);
        let mut chart = builder.build_cartesian_2d(0.0..last, (lo - pad).max(0.0)..hi + pad)?;
        cost_series(&mut chart, c, "cost J")
    }
}

/// J − J* per iteration on a log axis: how many digits of the optimum the fit has reached.
/// Iterations at or below J* (to rounding) have no logarithm and are left out.
fn gap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, g: &Gap) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let points: Vec<(f64, f64)> = g
        .history
        .iter()
        .enumerate()
        .map(|(k, &j)| (k as f64, j - g.optimum))
        .filter(|(_, d)| d.is_finite() && *d > 0.0)
        .collect();
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let hi = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        ((lo * 0.5).max(1e-300), (hi * 2.0).max(1e-299))
    } else {
        (1e-16, 1.0)
    };
    let last = g.history.len().saturating_sub(1).max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "Cost above the optimum, J − J* (log scale): {}",
                method(&g.solver)
            ),
            (FONT, TITLE - 4),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(
            0.0..last,
            (lo..hi).log_scale().with_key_points(log_ticks(lo, hi)),
        )?;
    iteration_mesh(&mut chart, "J − J* (log scale)", &|v| format!("{v:.0e}"))?;
    chart
        .draw_series(LineSeries::new(points, CURVE.stroke_width(2)))?
        .label(format!("training J − J*, J* = {:.6}", g.optimum))
        .legend(legend_line(CURVE));
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

/// What lowered the cost, for the cost curve's title: "L-BFGS lowering the cost", or for a
/// one-vs-rest fit ("ovr(lbfgs)", whose history is the K neurons' curves one after another;
/// "ovr(lbfgs|lbfgs+newton)" when the neurons' fits differ) "L-BFGS on each one-vs-rest neuron
/// in turn".
fn lowering(solver: &str) -> String {
    match solver
        .strip_prefix("ovr(")
        .and_then(|s| s.strip_suffix(')'))
    {
        Some(inner) => {
            let methods: Vec<String> = inner.split('|').map(method).collect();
            format!(
                "{} on each one-vs-rest neuron in turn",
                methods.join(" or ")
            )
        }
        None => format!("{} lowering the cost", method(solver)),
    }
}

/// The method a fit report's solver name stands for, in words ("lbfgs+newton": L-BFGS, then
/// trust-region Newton).
fn method(solver: &str) -> String {
    let word = |s: &str| {
        match s {
            "gd" => "gradient descent",
            "lbfgs" => "L-BFGS",
            "newton" => "trust-region Newton",
            other => other,
        }
        .to_owned()
    };
    solver
        .split('+')
        .map(word)
        .collect::<Vec<_>>()
        .join(", then ")
}

/// Tick values 1, 2, 3, 5 × 10^k inside [lo, hi] (lo > 0), for a log axis: at most 64, over
/// at most the 620 decades f64 has (a decade that underflowed to 0 once made this loop forever).
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut decade = 10f64.powi(lo.log10().floor() as i32).max(f64::MIN_POSITIVE);
    for _ in 0..620 {
        if decade > hi || ticks.len() >= 64 {
            break;
        }
        for m in [1.0, 2.0, 3.0, 5.0] {
            let t = m * decade;
            if t >= lo && t <= hi {
                ticks.push(t);
            }
        }
        decade *= 10.0;
    }
    ticks
}

/// A chart on the unit square with the given title and axis names.
fn unit_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    Box<dyn StdError>,
>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, 0.0..1.02)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(MINOR_GRID)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .axis_desc_style((FONT, AXIS))
        .label_style((FONT, LABEL))
        .draw()?;
    Ok(chart)
}

/// A curve on the unit square with a thin reference line under it (chance, base rate).
struct UnitCurve<'a> {
    title: String,
    x_desc: &'a str,
    y_desc: &'a str,
    reference: [(f64, f64); 2],
    reference_label: String,
    points: Vec<(f64, f64)>,
    label: String,
    legend_at: SeriesLabelPosition,
}

fn unit_curve<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: UnitCurve) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut chart = unit_chart(root, &c.title, c.x_desc, c.y_desc)?;
    chart
        .draw_series(LineSeries::new(c.reference, REFERENCE.stroke_width(1)))?
        .label(c.reference_label)
        .legend(legend_line(REFERENCE));
    chart
        .draw_series(LineSeries::new(c.points, CURVE.stroke_width(3)))?
        .label(c.label)
        .legend(legend_line(CURVE));
    legend(&mut chart, c.legend_at)
}

fn roc<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Roc) -> DrawResult
where
    DB::ErrorType: 'static,
{
    unit_curve(
        root,
        UnitCurve {
            title: format!("ROC curve (AUC = {:.4})", r.auc),
            x_desc: "false positive rate FP/N",
            y_desc: "true positive rate (recall) TP/P",
            reference: [(0.0, 0.0), (1.0, 1.0)],
            reference_label: "chance (AUC = 0.5)".into(),
            points: r.points.iter().map(|p| (p.x, p.y)).collect(),
            label: format!("model (AUC = {:.4})", r.auc),
            legend_at: SeriesLabelPosition::LowerRight,
        },
    )
}

fn precision_recall<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &PrecisionRecall,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    unit_curve(
        root,
        UnitCurve {
            title: format!(
                "Precision–recall curve (average precision = {:.4})",
                p.average_precision
            ),
            x_desc: "recall TP/P",
            y_desc: "precision TP/(TP + FP)",
            reference: [(0.0, p.base_rate), (1.0, p.base_rate)],
            reference_label: format!("base rate P/m = {:.3}", p.base_rate),
            points: p.points.iter().map(|q| (q.x, q.y)).collect(),
            label: format!("model (AP = {:.4})", p.average_precision),
            legend_at: SeriesLabelPosition::LowerLeft,
        },
    )
}

/// The marker radius of a bin of `count` rows when the largest bin has `most`: 3 pixels plus up
/// to 9 more, the marker's area growing with the count, so that a bin of one row is a dot and
/// not a claim.
pub fn bin_radius(count: usize, most: usize) -> u32 {
    let share = count as f64 / most.max(1) as f64;
    (3.0 + 9.0 * share.clamp(0.0, 1.0).sqrt()).round() as u32
}

/// The reliability diagram over the histogram of the predictions: each bin's marker sized by
/// its rows, and under it the rows per bin, on the same axis of a.
fn calibration<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Calibration) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 * 7 / 10);
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("Reliability diagram (Brier score = {:.4})", c.brier),
            (FONT, TITLE),
        )
        .margin(20)
        .margin_bottom(4)
        .x_label_area_size(25)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, 0.0..1.02)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(MINOR_GRID)
        .y_desc("fraction of positives")
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .axis_desc_style((FONT, AXIS))
        .label_style((FONT, LABEL))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            REFERENCE.stroke_width(1),
        ))?
        .label("perfectly calibrated")
        .legend(legend_line(REFERENCE));
    let points: Vec<(f64, f64)> = c
        .bins
        .iter()
        .map(|b| (b.mean_predicted, b.fraction_positive))
        .collect();
    let most = c.bins.iter().map(|b| b.count).max().unwrap_or(1);
    chart
        .draw_series(LineSeries::new(points, CURVE.mix(0.5).stroke_width(2)))?
        .label("model: one dot per bin, sized by its row count")
        .legend(legend_line(CURVE));
    chart.draw_series(c.bins.iter().map(|b| {
        Circle::new(
            (b.mean_predicted, b.fraction_positive),
            bin_radius(b.count, most),
            CURVE.filled(),
        )
    }))?;
    chart.draw_series(c.bins.iter().map(|b| {
        let r = bin_radius(b.count, most) as i32;
        EmptyElement::at((b.mean_predicted, b.fraction_positive))
            + Text::new(
                format!("{}", b.count),
                // Below the dot near the top edge, above it elsewhere; left of it at the right.
                (
                    if b.mean_predicted > 0.95 {
                        -20 - r
                    } else {
                        2 + r
                    },
                    if b.fraction_positive > 0.9 {
                        2 + r
                    } else {
                        -14 - r
                    },
                ),
                (FONT, 14).into_font().color(&BLACK),
            )
    }))?;
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;

    // The histogram of the predictions: the rows in each bin.
    let mut histogram = ChartBuilder::on(&bottom)
        .margin(20)
        .margin_top(4)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, 0.0..(most as f64 * 1.1).max(1.0))?;
    histogram
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(MINOR_GRID)
        .disable_x_mesh()
        .y_labels(3)
        .x_desc("mean predicted probability a (dots); rows per bin of width 0.1 (bars)")
        .y_desc("rows")
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .axis_desc_style((FONT, AXIS - 2))
        .label_style((FONT, LABEL - 2))
        .draw()?;
    histogram.draw_series(c.bins.iter().map(|b| {
        let mut bar = Rectangle::new(
            [(b.lower, 0.0), (b.upper, b.count as f64)],
            CURVE.mix(0.6).filled(),
        );
        bar.set_margin(0, 0, 1, 1);
        bar
    }))?;
    Ok(())
}

fn weights<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, w: &Weights) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let k = w.values.len();
    let title = if w.standardized {
        format!("The {k} largest weights (on standardised features)")
    } else {
        format!("The {k} largest weights")
    };
    bars(
        root,
        Bars {
            title,
            names: &w.names,
            values: &w.values,
            x_desc: format!("weight w_j (> 0 pushes towards {:?})", w.positive),
        },
    )
}

fn class_weights<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, w: &ClassWeights) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let names: Vec<String> = w
        .names
        .iter()
        .zip(&w.classes)
        .map(|(name, class)| format!("{} ({})", shorten(name, 28), shorten(class, 14)))
        .collect();
    let title = if w.standardized {
        "Largest weight of each feature over the classes (standardised)"
    } else {
        "Largest weight of each feature over the classes"
    };
    bars(
        root,
        Bars {
            title: title.into(),
            names: &names,
            values: &w.values,
            x_desc: "weight w_kj of the class k in brackets (> 0 pushes towards k)".into(),
        },
    )
}

/// A horizontal bar chart of named values, the first on top: red bars > 0, blue bars < 0.
struct Bars<'a> {
    title: String,
    names: &'a [String],
    values: &'a [f64],
    x_desc: String,
}

fn bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, w: Bars) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let k = w.values.len();
    // Within ±1e300: an axis whose width overflows to ∞ made plotters' tick search loop forever
    // (weights near f64's largest); longer bars are drawn to the edge.
    let m = (w
        .values
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(1e-12)
        * 1.1)
        .min(1e300);
    let longest = w.names.iter().map(|n| n.chars().count()).max().unwrap_or(1) as u32;
    // Bar i (from the bottom) is the (k − i)-th largest, so the largest is on top.
    let name_of = |i: usize| {
        k.checked_sub(i + 1)
            .and_then(|j| w.names.get(j))
            .cloned()
            .unwrap_or_default()
    };
    let mut chart = ChartBuilder::on(root)
        .caption(w.title, (FONT, TITLE))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size((longest * 8 + 20).clamp(60, 320))
        .build_cartesian_2d(-m..m, (0..k.saturating_sub(1)).into_segmented())?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(MINOR_GRID)
        .disable_y_mesh()
        .y_labels(k.max(1))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => name_of(*i),
            _ => String::new(),
        })
        .x_desc(w.x_desc)
        .y_desc("feature")
        .axis_desc_style((FONT, AXIS))
        .label_style((FONT, LABEL))
        .draw()?;
    chart.draw_series((0..k).map(|i| {
        let v = w.values[k - 1 - i].clamp(-m, m);
        let color = if v > 0.0 { POSITIVE } else { CURVE };
        let mut bar = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(i)),
                (v, SegmentValue::Exact(i + 1)),
            ],
            color.filled(),
        );
        bar.set_margin(3, 3, 0, 0);
        bar
    }))?;
    Ok(())
}

/// `text` cut to at most `most` characters, "…" included where it was cut.
fn shorten(text: &str, most: usize) -> String {
    match text.char_indices().nth(most.max(1)) {
        None => text.to_owned(),
        Some(_) => {
            let kept: String = text.chars().take(most.max(1) - 1).collect();
            format!("{kept}…")
        }
    }
}

/// The colour of a share s in [0, 1]: white to dark blue (matplotlib's "Blues" end points).
fn share_color(s: f64) -> RGBColor {
    let s = if s.is_finite() {
        s.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * s).round() as u8;
    RGBColor(mix(247, 8), mix(251, 48), mix(255, 107))
}

/// Approximate width in pixels of `chars` characters of DejaVu Sans at `size` pixels.
fn text_width(chars: usize, size: u32) -> u32 {
    (chars as f64 * f64::from(size) * 0.6).ceil() as u32
}

fn confusion<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Confusion) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let k = c.classes.len().max(1);
    let count = |t: usize, p: usize| {
        c.counts
            .get(t)
            .and_then(|row| row.get(p))
            .copied()
            .unwrap_or(0.0)
    };
    let row_totals: Vec<f64> = (0..k).map(|t| (0..k).map(|p| count(t, p)).sum()).collect();
    let share = |t: usize, p: usize| {
        let total = row_totals[t];
        if total > 0.0 {
            count(t, p) / total
        } else {
            0.0
        }
    };
    // Sizes for K up to ~20 classes: labels shrink from 15 to 10 pixels, counts from 20 to 10;
    // beyond 30 classes the counts are left out, and beyond 40 only every step-th class is
    // named.
    let label = ((150 / k) as u32).clamp(10, LABEL);
    let number = ((160 / k) as u32).clamp(10, 20);
    let show_counts = k <= 30;
    let step = k.div_ceil(40);
    let named = |i: usize| i.is_multiple_of(step);
    let title = format!(
        "Confusion matrix{}: rows actual, columns predicted",
        if c.weighted { " (weighted)" } else { "" }
    );
    let root = root.margin(14, 0, 0, 0).titled(&title, (FONT, TITLE - 4))?;
    let width = root.dim_in_pixel().0;
    let (main, bar) = root.split_horizontally(width.saturating_sub(110));
    let y_chars = c
        .classes
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(1);
    let y_chars = y_chars.min(22);
    let y_area = (text_width(y_chars, label) + 40).clamp(60, 220);
    // The plot's width, roughly: what the margins and the y labels leave.
    let cell = (main.dim_in_pixel().0.saturating_sub(y_area + 40) / k as u32).max(1);
    let x_chars = c
        .classes
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(1);
    // Names that fit under their column stay level; longer ones turn to run downwards.
    let level = text_width(x_chars.min(22), label) + 6 <= cell * step as u32;
    let x_chars = if level {
        x_chars.min(22)
    } else {
        x_chars.min(16)
    };
    let x_area = if level {
        50
    } else {
        text_width(x_chars, label) + 45
    };
    let mut chart = ChartBuilder::on(&main)
        .margin(20)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d((0..k - 1).into_segmented(), (0..k - 1).into_segmented())?;
    // Row t (actual class t) is segment K − 1 − t from the bottom, so class 0 is on top.
    // Level names go through the mesh; turned ones are drawn below (plotters places turned
    // axis labels by their unturned box).
    let x_name = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(p) if level && named(*p) => c
            .classes
            .get(*p)
            .map_or(String::new(), |n| shorten(n, x_chars)),
        _ => String::new(),
    };
    let y_name = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) if named(k - 1 - i.min(&(k - 1))) => c
            .classes
            .get(k - 1 - i.min(&(k - 1)))
            .map_or(String::new(), |n| shorten(n, y_chars)),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_labels(k)
        .y_labels(k)
        .x_label_formatter(&x_name)
        .y_label_formatter(&y_name)
        .x_label_style((FONT, label))
        .y_label_style((FONT, label))
        .x_desc("predicted class")
        .y_desc("actual class")
        .axis_desc_style((FONT, AXIS))
        .draw()?;
    let cells = (0..k).flat_map(|t| (0..k).map(move |p| (t, p)));
    chart.draw_series(cells.clone().map(|(t, p)| {
        let row = k - 1 - t;
        Rectangle::new(
            [
                (SegmentValue::Exact(p), SegmentValue::Exact(row)),
                (SegmentValue::Exact(p + 1), SegmentValue::Exact(row + 1)),
            ],
            share_color(share(t, p)).filled(),
        )
    }))?;
    // Thin white lines between the cells.
    chart.draw_series(cells.clone().map(|(t, p)| {
        let row = k - 1 - t;
        Rectangle::new(
            [
                (SegmentValue::Exact(p), SegmentValue::Exact(row)),
                (SegmentValue::Exact(p + 1), SegmentValue::Exact(row + 1)),
            ],
            WHITE.stroke_width(1),
        )
    }))?;
    if show_counts {
        chart.draw_series(cells.map(|(t, p)| {
            let color = if share(t, p) > 0.5 { WHITE } else { BLACK };
            Text::new(
                super::count_text(count(t, p)),
                (SegmentValue::CenterOf(p), SegmentValue::CenterOf(k - 1 - t)),
                (FONT, number)
                    .into_font()
                    .color(&color)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )
        }))?;
    }
    if !level {
        // Turned a quarter clockwise, reading downwards from just below the axis, centred on
        // the column.
        let style = TextStyle::from((FONT, label).into_font())
            .transform(FontTransform::Rotate90)
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart.draw_series((0..k).filter(|&p| named(p)).map(|p| {
            EmptyElement::at((SegmentValue::CenterOf(p), SegmentValue::Exact(0)))
                + Text::new(
                    c.classes
                        .get(p)
                        .map_or(String::new(), |n| shorten(n, x_chars)),
                    (0, 10),
                    style.clone(),
                )
        }))?;
    }
    colour_bar(&bar, "share of the actual class's rows")
}

/// A vertical colour bar for [`share_color`] from 0 (bottom) to 1 (top), with its name.
fn colour_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, name: &str) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(90)
        .margin_right(10)
        .y_label_area_size(45)
        .right_y_label_area_size(0)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .label_style((FONT, 13))
        .y_desc(name)
        .axis_desc_style((FONT, 14))
        .draw()?;
    const STEPS: usize = 50;
    chart.draw_series((0..STEPS).map(|i| {
        let (lo, hi) = (i as f64 / STEPS as f64, (i + 1) as f64 / STEPS as f64);
        Rectangle::new(
            [(0.0, lo), (1.0, hi)],
            share_color((lo + hi) / 2.0).filled(),
        )
    }))?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, 0.0), (1.0, 1.0)],
        BLACK.mix(0.4).stroke_width(1),
    )))?;
    Ok(())
}

fn class_roc<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &ClassRoc) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let title = match r.macro_auc() {
        Some(auc) => format!("ROC curves, each class against the rest (macro AUC = {auc:.4})"),
        None => "ROC curves, each class against the rest".into(),
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE - 4))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, 0.0..1.02)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(MINOR_GRID)
        .x_desc("false positive rate FP/N (N: rows of the other classes)")
        .y_desc("true positive rate TP/P (P: rows of the class)")
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .axis_desc_style((FONT, AXIS - 2))
        .label_style((FONT, LABEL))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            REFERENCE.stroke_width(1),
        ))?
        .label("chance (AUC = 0.5)")
        .legend(legend_line(REFERENCE));
    // The unnamed classes first, so the named ones lie on top, in class order as the legend.
    let many = r.curves.len() > LEGEND_CLASSES;
    for (i, c) in r.curves.iter().enumerate().skip(LEGEND_CLASSES) {
        let color = CLASSES[i % CLASSES.len()];
        let points = c.points.iter().map(|p| (p.x, p.y));
        chart.draw_series(LineSeries::new(points, color.mix(0.5).stroke_width(1)))?;
    }
    for (i, c) in r.curves.iter().enumerate().take(LEGEND_CLASSES) {
        let color = CLASSES[i % CLASSES.len()];
        let points = c.points.iter().map(|p| (p.x, p.y));
        let width = if many { 2 } else { 3 };
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(width)))?
            .label(format!("{} (AUC = {:.4})", shorten(&c.class, 30), c.auc))
            .legend(legend_line(color));
    }
    let mut notes = Vec::new();
    if many {
        notes.push(format!(
            "… and {} more classes (thin lines)",
            r.curves.len() - LEGEND_CLASSES
        ));
    }
    if !r.without_curve.is_empty() {
        notes.push(format!(
            "no curve for {} class{} absent or alone",
            r.without_curve.len(),
            if r.without_curve.len() == 1 { "" } else { "es" }
        ));
    }
    for note in notes {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
            .label(note)
            .legend(EmptyElement::at);
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn boundary<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, b: &Boundary) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let range = |v: &[f64]| {
        let lo = v
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::INFINITY, f64::min);
        let hi = v
            .iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::NEG_INFINITY, f64::max);
        if !(lo.is_finite() && hi.is_finite()) {
            return (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.05).max(1e-9);
        (lo - pad, hi + pad)
    };
    let (r1, r2) = (range(&b.x1), range(&b.x2));
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Decision boundary w1·x1 + w2·x2 + b = 0 (a = 0.5) over the examples",
            (FONT, TITLE - 4),
        )
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(r1.0..r1.1, r2.0..r2.1)?;
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(MINOR_GRID)
        .x_desc(format!("x1: {}", b.names[0]))
        .y_desc(format!("x2: {}", b.names[1]))
        .axis_desc_style((FONT, AXIS))
        .label_style((FONT, LABEL))
        .draw()?;
    let class = |positive: bool| {
        b.x1.iter()
            .zip(&b.x2)
            .zip(&b.y)
            .filter(move |(_, y)| (**y > 0.5) == positive)
            .map(|((x1, x2), _)| (*x1, *x2))
    };
    chart
        .draw_series(class(false).map(|p| Circle::new(p, 4, CURVE.mix(0.7).filled())))?
        .label(format!("y = 0 ({})", b.labels[0]))
        .legend(|(x, y)| Circle::new((x + 12, y), 4, CURVE.filled()));
    chart
        .draw_series(class(true).map(|p| TriangleMarker::new(p, 5, POSITIVE.mix(0.7).filled())))?
        .label(format!("y = 1 ({})", b.labels[1]))
        .legend(|(x, y)| TriangleMarker::new((x + 12, y), 5, POSITIVE.filled()));
    if let Some([p, q]) = curves::boundary_segment(b.weights, b.bias, r1, r2) {
        chart
            .draw_series(LineSeries::new([p, q], BLACK.stroke_width(3)))?
            .label("decision boundary z = 0")
            .legend(legend_line(BLACK));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_title_names_the_method() {
        assert_eq!(method("gd"), "gradient descent");
        assert_eq!(method("lbfgs+newton"), "L-BFGS, then trust-region Newton");
        assert_eq!(lowering("newton"), "trust-region Newton lowering the cost");
        assert_eq!(
            lowering("ovr(lbfgs+newton)"),
            "L-BFGS, then trust-region Newton on each one-vs-rest neuron in turn"
        );
        assert_eq!(
            lowering("ovr(lbfgs|lbfgs+newton)"),
            "L-BFGS or L-BFGS, then trust-region Newton on each one-vs-rest neuron in turn"
        );
    }

    #[test]
    fn log_ticks_end_for_any_range() {
        let ticks = log_ticks(0.15, 4.0);
        let expected = [0.2, 0.3, 0.5, 1.0, 2.0, 3.0];
        assert_eq!(ticks.len(), expected.len());
        assert!(
            ticks
                .iter()
                .zip(expected)
                .all(|(t, e)| (t - e).abs() < 1e-12)
        );
        // A subnormal bottom (10^k underflowing to 0) and a top near f64's largest: both end.
        assert!(!log_ticks(1e-320, 1.0).is_empty());
        assert!(log_ticks(1e300, f64::MAX).len() <= 64);
    }
}
