//! The training report: one self-contained HTML page with the model summary, the fit report,
//! the metrics on a labelled data set and every plot inline.
//!
//! Self-contained means the page loads nothing: styles are inline, images are PNGs in `data:`
//! URIs (base64, RFC 4648), and a Content-Security-Policy forbids every other source, so the
//! page opens the same offline, from an e-mail attachment or from a CI artefact. A few lines of
//! inline script check after loading that every image decoded (`naturalWidth > 0`) and record
//! the count in `<body data-images-ok="K/N">`, which the browser test reads.

use crate::error::Result;
use crate::metrics::Metrics;
use crate::model::Model;
use crate::plot::{Figure, Format};
use crate::solver::FitReport;
use crate::train::ValidationPoint;
use std::fmt::Write;

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
    pub metrics: &'a Metrics,
    pub fit: Option<&'a FitRecord>,
    /// The figures, in page order.
    pub figures: Vec<Figure>,
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
        let _ = writeln!(
            h,
            "<h1>Training report: {}</h1>\n<p class=\"note\">One neuron: z = w·x + b, a = σ(z). Metrics and plots on <code>{}</code>. Written by logreg {}.</p>",
            escape(&self.model_source),
            escape(&self.data_source),
            env!("CARGO_PKG_VERSION")
        );

        h.push_str("<h2>Model</h2>\n<table>\n");
        row(&mut h, "features", m.feature_names.len());
        row(&mut h, "target column", &m.target);
        row(
            &mut h,
            "classes (y = 0, y = 1)",
            format!("{}, {}", m.labels.negative(), m.labels.positive()),
        );
        row(&mut h, "bias b", format!("{:.6}", m.bias[0]));
        row(
            &mut h,
            "standardised features",
            if m.standardization.is_some() {
                "yes"
            } else {
                "no"
            },
        );
        row(&mut h, "solver", &m.training.solver);
        row(&mut h, "λ (L2 penalty)", m.training.l2);
        row(&mut h, "training rows", m.training.rows);
        row(&mut h, "iterations", m.training.iterations);
        row(&mut h, "final cost J", format!("{:.6}", m.training.cost));
        row(
            &mut h,
            "gradient norm ‖∇J‖",
            format!("{:.3e}", m.training.gradient_norm),
        );
        row(&mut h, "termination", m.training.termination);
        row(
            &mut h,
            "relative gap to the optimum",
            gap_text(m.training.gap_bound),
        );
        h.push_str("</table>\n");

        h.push_str("<h2>Fit</h2>\n");
        match self.fit {
            Some(fit) => {
                let r = &fit.report;
                h.push_str("<table>\n");
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
                    "gradient norm (start → end)",
                    format!("{:.3e} → {:.3e}", r.initial_gradient_norm, r.gradient_norm),
                );
                row(
                    &mut h,
                    "relative gap to the optimum",
                    gap_text(r.gap_bound),
                );
                row(&mut h, "passes over the data", r.evaluations.passes);
                row(&mut h, "solver time", format!("{:.3} s", r.seconds));
                if let Some(v) = fit.validation.last() {
                    row(
                        &mut h,
                        "last validation check",
                        format!(
                            "iteration {}: log loss {:.4}, accuracy {:.4}",
                            v.iteration, v.cost, v.accuracy
                        ),
                    );
                }
                h.push_str("</table>\n");
            }
            None => h.push_str("<p class=\"note\">No fit record given: pass <code>--fit FILE</code> with the JSON of <code>logreg train --json</code> (or the <code>fit.json</code> that <code>logreg train --plot DIR</code> writes) to include the cost curve.</p>\n"),
        }

        let x = self.metrics;
        let _ = writeln!(
            h,
            "<h2>Metrics on {}</h2>\n<table>",
            escape(&self.data_source)
        );
        row(&mut h, "rows", x.rows);
        row(&mut h, "threshold", x.threshold);
        row(&mut h, "accuracy", format!("{:.4}", x.accuracy));
        row(&mut h, "precision", format!("{:.4}", x.precision));
        row(&mut h, "recall", format!("{:.4}", x.recall));
        row(&mut h, "F1", format!("{:.4}", x.f1));
        row(&mut h, "log loss", format!("{:.4}", x.log_loss));
        row(
            &mut h,
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

        h.push_str("<h2>Plots</h2>\n");
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

        h.push_str("<h2>Weights</h2>\n<table>\n<tr><th>feature</th><th>w (raw scale)</th></tr>\n");
        let order = crate::plot::curves::largest_weights(&m.weights[0], m.weights[0].len());
        for j in order {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{:.6}</td></tr>",
                escape(&m.feature_names[j]),
                m.weights[0][j]
            );
        }
        h.push_str("</table>\n</body>\n</html>\n");
        Ok(h)
    }
}

/// "≤ 3.1e-13", or that no bound was computed.
fn gap_text(bound: Option<f64>) -> String {
    match bound {
        Some(b) if b.is_finite() => format!("≤ {b:.1e}"),
        _ => "not bounded".into(),
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
