//! The training report: one self-contained HTML page with the model summary, the fit report,
//! the metrics on a labelled data set and every plot inline.
//!
//! Self-contained means the page loads nothing: styles are inline, images are PNGs in `data:`
//! URIs (base64, RFC 4648), and a Content-Security-Policy forbids every other source, so the
//! page opens the same offline, from an e-mail attachment or from a CI artefact. A few lines of
//! inline script check after loading that every image decoded (`naturalWidth > 0`) and record
//! the count in `<body data-images-ok="K/N">`, which the browser test reads.
//!
//! A model of K > 2 classes (multinomial, z_k = w_k·x + b_k and p = softmax(z), or one-vs-rest,
//! p_k = σ(z_k) / Σ_l σ(z_l)) gets the same page with its own tables: the classes and their
//! biases b_k, the K-class metrics (accuracy, log loss, one-vs-rest AUCs, per-class precision,
//! recall and F1 with their macro and support-weighted averages, the K×K confusion counts) and a
//! weights table with one column per class.

use crate::data::{cut, split};
use crate::error::Result;
use crate::metrics::{Metrics, MulticlassMetrics};
use crate::model::{Model, Multiclass, ValidationSplit};
use crate::plot::{Figure, Format};
use crate::solver::FitReport;
use crate::train::ValidationPoint;
use crate::weights::{Ranked, odds_ratio_text};
use std::fmt::Write;
use std::path::Path;

/// A fit's report and validation curve, as `logreg train --json` prints them.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct FitRecord {
    pub report: FitReport,
    #[serde(default)]
    pub validation: Vec<ValidationPoint>,
}

/// Everything on the page.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    pub model: &'a Model,
    /// Where the model came from, as the user named it.
    pub model_source: String,
    /// The data the metrics were measured on.
    pub data_source: String,
    /// The metrics, one set per part of the data (see [`parts`]).
    pub metrics: Vec<Measured<'a>>,
    /// The part of the data the evaluation plots are drawn on, as its heading says it.
    pub plots_on: String,
    /// s_j, the scale of each feature, for the standardised weights w_j·s_j.
    pub scales: FeatureScales,
    pub fit: Option<&'a FitRecord>,
    /// The figures, in page order.
    pub figures: Vec<Figure>,
    /// `report --summary`: the statistical summary on the training rows, or why there is none.
    pub summary: Option<std::result::Result<&'a crate::inference::Summary, String>>,
}

/// The metrics on the page: a binary model's, or a K-class model's.
#[derive(Debug, Clone, Copy)]
pub enum Evaluation<'a> {
    Binary(&'a Metrics),
    Multiclass(&'a MulticlassMetrics),
}

/// One set of metrics and the rows it is on.
#[derive(Debug, Clone)]
pub struct Measured<'a> {
    /// The rows, as a heading says them ("the training rows").
    pub heading: String,
    /// Which rows exactly, in a sentence.
    pub rows: String,
    pub metrics: Evaluation<'a>,
}

/// The scale s_j of each feature, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureScales {
    pub scale: Vec<f64>,
    /// Where the scales came from, in a sentence.
    pub source: String,
}

/// A part of the report's data file: the training rows, the validation rows, or all rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// As a heading says it: "the training rows", "the validation rows", or the file's name.
    pub heading: String,
    /// Which rows, in a sentence that says whether the model was fitted on them.
    pub rows: String,
    /// The rows' indices in the file, in file order; None: every row.
    pub indices: Option<Vec<usize>>,
}

/// Are `a` and `b` the same file: the same name, or the same file after following links?
fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

/// The parts of the data file `data` (rows with class indices `y`) that get metrics of their
/// own, from what the model records of its training: with the training file of a
/// `--validation-fraction` fit, the training rows and the validation rows, found by making the
/// recorded split again ([`split::stratified`] with the recorded fraction and seed, checked
/// against the recorded row counts); otherwise one part, all rows, said to be the training
/// rows, the validation rows of `--validation FILE`, or rows whose use in training is not known.
pub fn parts(model: &Model, data: &Path, y: &[f64]) -> Vec<Part> {
    let n = y.len();
    let file = data.display().to_string();
    let t = &model.training;
    let is_training_file = t
        .data
        .as_deref()
        .is_some_and(|d| same_file(Path::new(d), data));
    let all = |heading: &str, rows: String| {
        vec![Part {
            heading: heading.to_owned(),
            rows,
            indices: None,
        }]
    };
    match &t.validation {
        Some(ValidationSplit::Fraction {
            fraction,
            seed,
            training_rows,
            validation_rows,
        }) if is_training_file => {
            let again = split::stratified(y, *fraction, *seed).ok().filter(|s| {
                s.train.len() == *training_rows && s.validation.len() == *validation_rows
            });
            match again {
                Some(s) => vec![
                    Part {
                        heading: "the training rows".into(),
                        rows: format!(
                            "the {training_rows} rows of {file} that the model was fitted on: those that --validation-fraction {fraction} --seed {seed} kept for training"
                        ),
                        indices: Some(s.train),
                    },
                    Part {
                        heading: "the validation rows".into(),
                        rows: format!(
                            "the {validation_rows} rows of {file} that --validation-fraction {fraction} --seed {seed} held out (stratified by class): the fit never saw them"
                        ),
                        indices: Some(s.validation),
                    },
                ],
                None => all(
                    &file,
                    format!(
                        "all {n} rows of {file}; the model was fitted on {training_rows} of the {} rows this file had when it was trained, and the file has changed since, so which rows those were is not known",
                        training_rows + validation_rows
                    ),
                ),
            }
        }
        Some(ValidationSplit::File { path, rows })
            if same_file(Path::new(path), data) && *rows == n =>
        {
            all(
                "the validation rows",
                format!(
                    "all {n} rows of {file}, the validation file of the fit (--validation): watched during the fit, never fitted on"
                ),
            )
        }
        _ if is_training_file && t.rows == n => all(
            "the training rows",
            format!(
                "all {n} rows of {file}, the training file: the model was fitted on every one of them, so these metrics are not held out"
            ),
        ),
        _ => match &t.data {
            Some(d) => all(
                &file,
                format!(
                    "all {n} rows of {file}, which is not the training file ({d}) as the model records it"
                ),
            ),
            None => all(
                &file,
                format!(
                    "all {n} rows of {file}; the model file does not name its training file, so whether the model was fitted on these rows is not known"
                ),
            ),
        },
    }
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Text safe inside HTML elements and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .8rem;border-bottom:1px solid #eee;text-align:left}\
td.n{text-align:right;font-variant-numeric:tabular-nums}figure{margin:1rem 0}img{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{color:#555;font-size:.9rem}.note{color:#555}";

const SCRIPT: &str = "window.addEventListener('load',function(){var all=Array.prototype.slice.call(document.images);\
var ok=all.filter(function(i){return i.complete&&i.naturalWidth>0;}).length;\
document.body.setAttribute('data-images-ok',ok+'/'+all.length);\
if(ok!==all.length){console.error('logreg report: '+(all.length-ok)+' image(s) failed to decode');}});";

fn row(html: &mut String, name: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        html,
        "<tr><th>{}</th><td class=\"n\">{}</td></tr>",
        escape(name),
        escape(&value.to_string())
    );
}

impl Report<'_> {
    /// The page as HTML text.
    pub fn to_html(&self) -> Result<String> {
        let m = self.model;
        let mut h = String::new();
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n");
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        h.push_str("<link rel=\"icon\" href=\"data:,\">\n");
        let _ = writeln!(
            h,
            "<title>logreg report: {}</title>",
            escape(&self.model_source)
        );
        let _ = writeln!(h, "<style>{STYLE}</style>\n<script>{SCRIPT}</script>");
        h.push_str("</head>\n<body>\n");
        let k = m.classes();
        let neurons = match m.multiclass {
            Multiclass::Binary => "One neuron: z = w·x + b, a = σ(z).".to_owned(),
            Multiclass::Multinomial => format!(
                "{k} softmax neurons, one per class: z_k = w_k·x + b_k, p_k = exp(z_k) / Σ_l exp(z_l)."
            ),
            Multiclass::Ovr => format!(
                "{k} sigmoid neurons, each its class against the rest: a_k = σ(w_k·x + b_k), p_k = a_k / Σ_l a_l."
            ),
        };
        let _ = writeln!(
            h,
            "<h1>Training report: {}</h1>\n<p class=\"note\">{} Metrics and plots on <code>{}</code>. Written by logreg {}.</p>",
            escape(&self.model_source),
            escape(&neurons),
            escape(&self.data_source),
            env!("CARGO_PKG_VERSION")
        );

        // What was fitted, and to which rows; how the fit went is the next section's.
        h.push_str("<h2>Model</h2>\n<table id=\"model-table\">\n");
        row(&mut h, "features", m.feature_names.len());
        row(&mut h, "target column", &m.target);
        if m.multiclass == Multiclass::Binary {
            row(
                &mut h,
                "classes (y = 0, y = 1)",
                format!("{}, {}", m.labels.negative(), m.labels.positive()),
            );
            row(&mut h, "bias b", format!("{:.6}", m.bias[0]));
            if let Some(t) = m.threshold {
                row(&mut h, "decision threshold (stored in the model)", t);
            }
        } else {
            let names: Vec<&str> = m.labels.classes.iter().map(String::as_str).collect();
            row(
                &mut h,
                "classes",
                format!("{k}: {}", crate::data::some_of(&names)),
            );
            row(
                &mut h,
                "method",
                match m.multiclass {
                    Multiclass::Ovr => "ovr (one-vs-rest: K neurons fitted apart)",
                    _ => "multinomial (softmax: K neurons fitted together)",
                },
            );
        }
        row(
            &mut h,
            "standardised features",
            if m.standardization.is_some() {
                "yes"
            } else {
                "no"
            },
        );
        row(&mut h, "λ (L2 penalty)", m.training.l2);
        if m.training.l1 > 0.0 {
            row(&mut h, "λ₁ (L1 penalty)", m.training.l1);
            row(
                &mut h,
                "features selected",
                format!(
                    "{} of {}",
                    m.selected_features().len(),
                    m.feature_names.len()
                ),
            );
        }
        row(
            &mut h,
            "training file",
            m.training
                .data
                .as_deref()
                .unwrap_or("not recorded (a model file from before logreg recorded it)"),
        );
        row(&mut h, "training rows (fitted on)", m.training.rows);
        row(
            &mut h,
            "validation rows (not fitted on)",
            match &m.training.validation {
                Some(ValidationSplit::Fraction {
                    fraction,
                    seed,
                    validation_rows,
                    ..
                }) => format!(
                    "{validation_rows}, held out of the training file by --validation-fraction {fraction} --seed {seed}"
                ),
                Some(ValidationSplit::File { path, rows }) => {
                    format!("{rows}, from {path} (--validation)")
                }
                None => "none recorded".into(),
            },
        );
        h.push_str("</table>\n");
        if m.multiclass != Multiclass::Binary {
            class_table(&mut h, m);
        }

        h.push_str("<h2>Fit</h2>\n<table id=\"fit-table\">\n");
        match self.fit {
            Some(fit) => {
                let r = &fit.report;
                row(&mut h, "solver", &r.solver);
                row(&mut h, "termination", r.termination);
                row(&mut h, "iterations", r.iterations);
                row(
                    &mut h,
                    "initial cost J(θ₀)",
                    r.history.first().map_or("–".into(), |j| format!("{j:.6}")),
                );
                row(&mut h, "final cost J", format!("{:.6}", r.cost));
                row(
                    &mut h,
                    "gradient norm ‖∇J‖ (start → end)",
                    format!("{:.3e} → {:.3e}", r.initial_gradient_norm, r.gradient_norm),
                );
                row(&mut h, "relative gap to the optimum", gap_text(r.gap_bound));
                row(&mut h, "passes over the data", r.evaluations.passes);
                row(&mut h, "solver time", format!("{:.3} s", r.seconds));
                if let Some(v) = fit.validation.last() {
                    row(
                        &mut h,
                        "last validation check (on the validation rows)",
                        format!(
                            "iteration {}: log loss {:.4}, accuracy {:.4}",
                            v.iteration, v.cost, v.accuracy
                        ),
                    );
                }
                h.push_str("</table>\n");
            }
            None => {
                let t = &m.training;
                row(&mut h, "solver", &t.solver);
                row(&mut h, "termination", t.termination);
                row(&mut h, "iterations", t.iterations);
                row(&mut h, "final cost J", format!("{:.6}", t.cost));
                row(
                    &mut h,
                    "gradient norm ‖∇J‖",
                    format!("{:.3e}", t.gradient_norm),
                );
                row(&mut h, "relative gap to the optimum", gap_text(t.gap_bound));
                h.push_str("</table>\n");
                h.push_str("<p class=\"note\">From the model file. No fit record given: pass <code>--fit FILE</code> with the JSON of <code>logreg train --json</code> (or the <code>fit.json</code> that <code>logreg train --plot DIR</code> writes) to include the cost curve and the validation checks.</p>\n");
            }
        }

        for part in &self.metrics {
            let _ = writeln!(
                h,
                "<h2>Metrics on {}</h2>\n<p class=\"note\">On {}.</p>\n<table>",
                escape(&part.heading),
                escape(&part.rows)
            );
            match part.metrics {
                Evaluation::Binary(x) => binary_metrics(&mut h, m, x),
                Evaluation::Multiclass(x) => multiclass_metrics(&mut h, m, x),
            }
        }

        if let Some(summary) = &self.summary {
            statistical_summary(&mut h, summary);
        }

        h.push_str("<h2>Plots</h2>\n");
        let _ = writeln!(
            h,
            "<p class=\"note\">{} on {}.</p>",
            if self.fit.is_some() {
                "The cost curve is the fit's; the other plots are"
            } else {
                "The plots are"
            },
            escape(&self.plots_on)
        );
        for figure in &self.figures {
            let png = figure.render(Format::Png)?;
            let description = escape(&figure.description());
            let _ = writeln!(
                h,
                "<figure id=\"{}\"><img alt=\"{description}\" width=\"{}\" height=\"{}\" src=\"data:image/png;base64,{}\"><figcaption>{description}</figcaption></figure>",
                figure.name(),
                crate::plot::SIZE.0,
                crate::plot::SIZE.1,
                base64(&png)
            );
        }

        if m.multiclass == Multiclass::Binary {
            weights_table(&mut h, m, &self.scales);
        } else {
            class_weights_table(&mut h, m, &self.scales);
        }
        h.push_str("</body>\n</html>\n");
        Ok(h)
    }
}

/// The binary model's weights, by |w_j·s_j| (the weight on the standardised scale, which is
/// comparable across features), with the odds ratios per raw unit, e^(w_j), and per standard
/// deviation, e^(w_j·s_j).
fn weights_table(h: &mut String, m: &Model, scales: &FeatureScales) {
    let w = &m.weights[0];
    let ranked = Ranked::new(m, &scales.scale);
    let standardized = &ranked.standardized[0];
    let _ = writeln!(
        h,
        "<h2>Weights</h2>\n<p class=\"note\">Sorted by |w_j·s_j|, the weight on the standardised feature (x_j − μ_j)/s_j, which is comparable across features; {} The odds a/(1 − a) of {} are multiplied by e^(w_j) per unit of x_j, and by e^(w_j·s_j) per standard deviation, the other features held fixed.</p>",
        escape(&scales.source),
        escape(&format!("{:?}", m.labels.positive()))
    );
    h.push_str("<table id=\"weights-table\">\n<tr><th>feature</th><th>w_j (raw scale)</th><th>s_j</th><th>w_j·s_j (standardised)</th><th>odds ratio per unit, e^(w_j)</th><th>odds ratio per s.d., e^(w_j·s_j)</th></tr>\n");
    for &j in &ranked.order {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{:.6}</td><td class=\"n\">{:.6}</td><td class=\"n\">{:.6}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&m.feature_names[j]),
            w[j],
            ranked.scale[j],
            standardized[j],
            odds_ratio_text(w[j]),
            odds_ratio_text(standardized[j])
        );
    }
    h.push_str("</table>\n");
}

/// The rows after the metrics table's heading of a binary model: the metrics, then the 2×2
/// confusion matrix.
fn binary_metrics(h: &mut String, m: &Model, x: &Metrics) {
    row(h, "rows", x.rows);
    row(h, "threshold", x.threshold);
    row(h, "accuracy", format!("{:.4}", x.accuracy));
    row(h, "precision", format!("{:.4}", x.precision));
    row(h, "recall", format!("{:.4}", x.recall));
    row(h, "F1", format!("{:.4}", x.f1));
    row(h, "log loss", format!("{:.4}", x.log_loss));
    row(
        h,
        "ROC AUC",
        x.roc_auc
            .map_or("undefined (one class only)".into(), |a| format!("{a:.4}")),
    );
    h.push_str("</table>\n");
    let c = &x.confusion;
    let (neg, pos) = (escape(m.labels.negative()), escape(m.labels.positive()));
    let _ = writeln!(
        h,
        "<table><caption>confusion matrix (rows: actual, columns: predicted)</caption>\n\
         <tr><th></th><th>{neg}</th><th>{pos}</th></tr>\n\
         <tr><th>{neg}</th><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n\
         <tr><th>{pos}</th><td class=\"n\">{}</td><td class=\"n\">{}</td></tr></table>",
        c.true_negative, c.false_positive, c.false_negative, c.true_positive
    );
}

/// A class label as table text: cut to 80 characters, escaped.
fn class_name(label: &str) -> String {
    escape(&cut(label))
}

/// "0.9876", or "undefined" for an AUC that is not.
fn auc_text(auc: Option<f64>) -> String {
    auc.map_or("undefined".into(), |a| format!("{a:.4}"))
}

/// The K-class metrics: the summary rows, the per-class table with its averages, and the K×K
/// confusion matrix.
fn multiclass_metrics(h: &mut String, m: &Model, x: &MulticlassMetrics) {
    row(h, "rows", x.rows);
    if let Some(total) = x.weight_total {
        row(h, "total row weight", total);
    }
    row(h, "classes", x.classes);
    row(h, "prediction", "the most probable class, argmax_k p_k");
    row(h, "accuracy", format!("{:.4}", x.accuracy));
    row(h, "log loss", format!("{:.4}", x.log_loss));
    row(
        h,
        "ROC AUC (one-vs-rest, macro)",
        x.macro_roc_auc
            .map_or("undefined (a class has no curve)".into(), |a| {
                format!("{a:.4}")
            }),
    );
    h.push_str("</table>\n");

    h.push_str(
        "<table id=\"per-class-table\"><caption>per class (ROC AUC: the class against the rest, score p_k)</caption>\n\
         <tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>ROC AUC</th></tr>\n",
    );
    for (label, c) in m.labels.classes.iter().zip(&x.per_class) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            class_name(label),
            c.precision,
            c.recall,
            c.f1,
            crate::plot::count_text(c.support),
            auc_text(c.roc_auc)
        );
    }
    let support: f64 = x.per_class.iter().map(|c| c.support).sum();
    for (name, a, support, auc) in [
        (
            "macro average",
            &x.macro_average,
            String::new(),
            auc_text(x.macro_roc_auc),
        ),
        (
            "weighted average",
            &x.weighted_average,
            crate::plot::count_text(support),
            String::new(),
        ),
    ] {
        let _ = writeln!(
            h,
            "<tr><th>{name}</th><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{support}</td><td class=\"n\">{auc}</td></tr>",
            a.precision, a.recall, a.f1
        );
    }
    h.push_str("</table>\n");

    h.push_str(
        "<table id=\"confusion-table\"><caption>confusion matrix (rows: actual, columns: predicted)</caption>\n<tr><th></th>",
    );
    for label in &m.labels.classes {
        let _ = write!(h, "<th>{}</th>", class_name(label));
    }
    h.push_str("</tr>\n");
    for (label, counts) in m.labels.classes.iter().zip(&x.confusion) {
        let _ = write!(h, "<tr><th>{}</th>", class_name(label));
        for &v in counts {
            let _ = write!(h, "<td class=\"n\">{}</td>", crate::plot::count_text(v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// The K classes, each with its bias b_k (and, one-vs-rest, its neuron's own fit).
fn class_table(h: &mut String, m: &Model) {
    let ovr = m.multiclass == Multiclass::Ovr && !m.training.per_class.is_empty();
    h.push_str("<table id=\"classes-table\"><caption>classes, in class order</caption>\n<tr><th>k</th><th>class</th><th>bias b_k (raw scale)</th>");
    if ovr {
        h.push_str("<th>iterations</th><th>final cost J_k</th><th>termination</th>");
    }
    h.push_str("</tr>\n");
    for (k, (label, b)) in m.labels.classes.iter().zip(&m.bias).enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"n\">{k}</td><td>{}</td><td class=\"n\">{b:.6}</td>",
            class_name(label)
        );
        if ovr {
            match m.training.per_class.iter().find(|f| f.class == *label) {
                Some(fit) => {
                    let _ = write!(
                        h,
                        "<td class=\"n\">{}</td><td class=\"n\">{:.6}</td><td>{}</td>",
                        fit.iterations,
                        fit.cost,
                        escape(&fit.termination.to_string())
                    );
                }
                None => h.push_str("<td class=\"n\">–</td><td class=\"n\">–</td><td>–</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// One table of the K-class weights: a row per feature in `order`, a column per class, each
/// cell `cell(k, j)`.
fn class_table_of(
    h: &mut String,
    m: &Model,
    id: &str,
    caption: &str,
    order: &[usize],
    cell: impl Fn(usize, usize) -> String,
) {
    let _ = write!(
        h,
        "<table id=\"{id}\"><caption>{}</caption>\n<tr><th>feature</th>",
        escape(caption)
    );
    for label in &m.labels.classes {
        let _ = write!(h, "<th>{}</th>", class_name(label));
    }
    h.push_str("</tr>\n");
    for &j in order {
        let _ = write!(h, "<tr><td>{}</td>", escape(&m.feature_names[j]));
        for k in 0..m.weights.len() {
            let _ = write!(h, "<td class=\"n\">{}</td>", cell(k, j));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// The K-class weights, the features by their largest |w_kj·s_j| over the classes: the
/// standardised weights w_kj·s_j (with s_j), the raw-scale w_kj, and for one-vs-rest the odds
/// ratio of class k against the rest per standard deviation, e^(w_kj·s_j).
fn class_weights_table(h: &mut String, m: &Model, scales: &FeatureScales) {
    let weight = |k: usize, j: usize| m.weights[k].get(j).copied().unwrap_or(0.0);
    let ranked = Ranked::new(m, &scales.scale);
    let standardized = |k: usize, j: usize| ranked.standardized[k][j];
    let order = &ranked.order;
    let _ = writeln!(
        h,
        "<h2>Weights</h2>\n<p class=\"note\">Features sorted by their largest |w_kj·s_j| over the classes, the weight on the standardised feature (x_j − μ_j)/s_j, which is comparable across features; {}</p>",
        escape(&scales.source)
    );
    h.push_str("<table id=\"scales-table\"><caption>s_j, the scale of each feature</caption>\n<tr><th>feature</th><th>s_j</th></tr>\n");
    for &j in order {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{:.6}</td></tr>",
            escape(&m.feature_names[j]),
            ranked.scale[j]
        );
    }
    h.push_str("</table>\n");
    class_table_of(
        h,
        m,
        "standardised-weights-table",
        "w_kj·s_j (standardised), one column per class",
        order,
        |k, j| format!("{:.6}", standardized(k, j)),
    );
    class_table_of(
        h,
        m,
        "weights-table",
        "w_kj (raw scale, what prediction uses), one column per class",
        order,
        |k, j| format!("{:.6}", weight(k, j)),
    );
    match m.multiclass {
        Multiclass::Ovr => class_table_of(
            h,
            m,
            "odds-table",
            "odds ratio of class k against the rest per standard deviation of x_j, e^(w_kj·s_j) (each neuron is a binary model of its class against the rest)",
            order,
            |k, j| odds_ratio_text(standardized(k, j)),
        ),
        _ => h.push_str("<p class=\"note\">No odds ratios for a multinomial model: its weights are centred over the classes (Σ_k w_kj = 0), and only differences between classes mean something. The odds of class k against class l, p_k/p_l = e^(z_k − z_l), are multiplied by e^((w_kj − w_lj)·s_j) per standard deviation of x_j.</p>\n"),
    }
}

/// "≤ 3.1e-13", or that no bound was computed.
fn gap_text(bound: Option<f64>) -> String {
    match bound {
        Some(b) if b.is_finite() => format!("≤ {b:.1e}"),
        _ => "not bounded".into(),
    }
}

/// The section of `report --summary`: the likelihood statistics and one coefficient table per
/// class, as `logreg summary` prints them.
fn statistical_summary(
    h: &mut String,
    summary: &std::result::Result<&crate::inference::Summary, String>,
) {
    h.push_str("<h2>Statistical summary</h2>\n");
    let s = match summary {
        Ok(s) => s,
        Err(reason) => {
            let _ = writeln!(h, "<p class=\"note\">No summary: {}.</p>", escape(reason));
            return;
        }
    };
    let level = format!("{:.1}%", 100.0 * (1.0 - s.alpha));
    let _ = writeln!(
        h,
        "<p class=\"note\">{} on {} rows; covariance {}. Standard errors, z = coef/se, two-sided p-values and {level} intervals, as <code>logreg summary</code> gives them.</p>",
        escape(&s.method),
        s.rows,
        escape(&s.covariance)
    );
    for (k, fit) in s.fits.iter().enumerate() {
        if s.fits.len() > 1 {
            let class = s.tables[k].class.as_deref().unwrap_or("");
            let _ = writeln!(h, "<h3>class {} against the rest</h3>", escape(class));
        }
        h.push_str("<table class=\"summary-fit\">\n");
        row(h, "observations", fit.observations);
        row(
            h,
            "df model, df resid",
            format!("{}, {}", fit.df_model, fit.df_resid),
        );
        row(h, "log-likelihood", format!("{:.6}", fit.log_likelihood));
        row(
            h,
            "null log-likelihood",
            format!("{:.6}", fit.null_log_likelihood),
        );
        if let (Some(lr), Some(p)) = (fit.lr_chi2, fit.lr_p_value) {
            row(h, "likelihood-ratio χ² (p)", format!("{lr:.4} ({p:.3e})"));
        }
        if let Some(pl) = fit.penalized_log_likelihood {
            row(h, "penalised log-likelihood", format!("{pl:.6}"));
        }
        row(h, "McFadden pseudo-R²", format!("{:.4}", fit.pseudo_r2));
        row(h, "AIC, BIC", format!("{:.4}, {:.4}", fit.aic, fit.bic));
        row(h, "deviance", format!("{:.4}", fit.deviance));
        h.push_str("</table>\n");
    }
    for table in &s.tables {
        if let (Some(class), 1) = (&table.class, s.fits.len()) {
            let _ = writeln!(h, "<h3>class {} against the reference</h3>", escape(class));
        }
        let _ = writeln!(
            h,
            "<table class=\"summary-coefficients\"><tr><th></th><th>coef</th><th>std err</th><th>z</th><th>P&gt;|z|</th><th>{level} low</th><th>{level} high</th><th>odds ratio</th></tr>"
        );
        for c in &table.coefficients {
            let _ = writeln!(
                h,
                "<tr><th>{}</th><td class=\"n\">{:.6}</td><td class=\"n\">{:.6}</td><td class=\"n\">{:.3}</td><td class=\"n\">{:.3e}</td><td class=\"n\">{:.6}</td><td class=\"n\">{:.6}</td><td class=\"n\">{}</td></tr>",
                escape(&c.name),
                c.estimate,
                c.std_error,
                c.z,
                c.p_value,
                c.ci_low,
                c.ci_high,
                general(c.odds_ratio)
            );
        }
        h.push_str("</table>\n");
    }
}

/// Six significant digits, in exponent form when very large or small.
fn general(v: f64) -> String {
    if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) {
        format!("{v:.5e}")
    } else {
        format!("{v:.6}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
