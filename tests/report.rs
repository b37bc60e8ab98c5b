//! `logreg report`: the page is self-contained, holds the model, fit and metrics, its images
//! are valid PNGs, and it opens in headless Chromium without console errors with every image
//! decoded.

mod common;

use common::{BREAST_CANCER, assert_fails, run, run_ok, write};
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Trains on the breast-cancer data with a validation split, then writes the report; returns
/// the page and the metrics `eval --json` reports on the same data.
fn make_report(dir: &Path) -> (String, serde_json::Value) {
    run_ok(
        dir,
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "model.json",
            "--target",
            "diagnosis",
            "--validation-fraction",
            "0.2",
            "--learning-rate",
            "0.5",
            "--max-iterations",
            "500",
            "-q",
            "--plot",
            "plots",
        ],
    );
    run_ok(
        dir,
        &[
            "report",
            "model.json",
            BREAST_CANCER,
            "-o",
            "report.html",
            "--fit",
            "plots/fit.json",
        ],
    );
    let eval = run_ok(dir, &["eval", "model.json", BREAST_CANCER, "--json"]);
    (
        std::fs::read_to_string(dir.join("report.html")).unwrap(),
        serde_json::from_slice(&eval.stdout).unwrap(),
    )
}

/// Standard base64 (with padding) back to bytes.
fn unbase64(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk
            .iter()
            .take_while(|&&c| c != b'=')
            .fold((0u32, 0usize), |(n, k), &c| {
                ((n << 6) | u32::from(value(c)), k + 1)
            });
        let (bits, count) = (n.0 << (6 * (4 - n.1)), n.1);
        let bytes = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        out.extend_from_slice(&bytes[..count.saturating_sub(1)]);
    }
    out
}

#[test]
fn report_is_self_contained_and_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, metrics) = make_report(tmp.path());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy"));
    for external in [
        "http://",
        "https://",
        "src=\"/",
        "href=\"http",
        "@import",
        "url(",
    ] {
        assert!(
            !html.contains(external),
            "the page refers outside: {external}"
        );
    }
    for section in [
        "<h2>Model</h2>",
        "<h2>Fit</h2>",
        "<h2>Metrics on",
        "<h2>Plots</h2>",
        "<h2>Weights</h2>",
    ] {
        assert!(html.contains(section), "missing {section}");
    }
    let accuracy = format!("{:.4}", metrics["accuracy"].as_f64().unwrap());
    let auc = format!("{:.4}", metrics["roc_auc"].as_f64().unwrap());
    assert!(html.contains(&format!("<th>accuracy</th><td class=\"n\">{accuracy}</td>")));
    assert!(html.contains(&format!("<th>ROC AUC</th><td class=\"n\">{auc}</td>")));
    assert!(html.contains(&format!("ROC curve, AUC = {auc}")));
    assert!(html.contains("last validation check"));
    // Every image is an inline PNG that decodes.
    let images: Vec<&str> = html.split("src=\"data:image/png;base64,").skip(1).collect();
    let ids: Vec<&str> = html
        .split("<figure id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        ids,
        ["cost", "roc", "precision_recall", "calibration", "weights"]
    );
    assert_eq!(images.len(), ids.len());
    for image in images {
        let bytes = unbase64(&image[..image.find('"').unwrap()]);
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).expect("a whole PNG");
        assert_eq!((info.width, info.height), (800, 600));
    }
}

#[test]
fn report_without_fit_record_says_how_to_add_it() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        tmp.path(),
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--target",
            "diagnosis",
            "--max-iterations",
            "50",
            "-q",
        ],
    );
    run_ok(
        tmp.path(),
        &["report", "m.json", BREAST_CANCER, "-o", "r.html"],
    );
    let html = std::fs::read_to_string(tmp.path().join("r.html")).unwrap();
    assert!(html.contains("No fit record given"));
    assert!(!html.contains("<figure id=\"cost\""));
    assert!(html.contains("<figure id=\"roc\""));
}

#[test]
fn report_rejects_a_bad_fit_record() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        tmp.path(),
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--target",
            "diagnosis",
            "--max-iterations",
            "5",
            "-q",
        ],
    );
    write(tmp.path(), "bad.json", "{\"report\": 3}");
    let out = run(
        tmp.path(),
        &[
            "report",
            "m.json",
            BREAST_CANCER,
            "-o",
            "r.html",
            "--fit",
            "bad.json",
        ],
    );
    assert_fails(&out, 1, &["bad.json: not a fit record"]);
    assert!(!tmp.path().join("r.html").exists());
}

#[test]
fn report_opens_cleanly_in_headless_chromium() {
    if !Path::new(CHROMIUM).exists() {
        if std::env::var_os("CI").is_some() {
            panic!("{CHROMIUM} is missing; CI must install it (.ci/run does)");
        }
        eprintln!("skipped: {CHROMIUM} is not installed (apt-get install -y chromium)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    make_report(tmp.path());
    let profile = tempfile::tempdir().unwrap();
    let page = tmp.path().join("report.html");
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chromium failed: {log}");
    // The page logs nothing when all is well: any console message (a script error, a blocked
    // load, an image that failed) is a failure.
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("Refused to"))
        .collect();
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(
        dom.contains("data-images-ok=\"5/5\""),
        "not every image decoded; body: {}",
        dom.lines()
            .find(|l| l.contains("<body"))
            .unwrap_or("(no body)")
    );
}

/// The labels of [`three_classes`], in class order (by bytes); markup in them checks escaping.
const THREE: [&str; 3] = ["setosa", "versi<color>", "virginica & co"];

/// Writes `three.csv`: 30 rows of two features, ten per class around the centres (0, 0),
/// (3, 0) and (1.5, 2.6) at radii from 0.3 to 2.1, so that the classes overlap a little.
fn three_classes(dir: &Path) -> std::path::PathBuf {
    let centres = [(0.0, 0.0), (3.0, 0.0), (1.5, 2.6)];
    let mut csv = String::from("length,width,species\n");
    for i in 0..30 {
        let (cx, cy): (f64, f64) = centres[i % 3];
        let t = i as f64 * 2.399;
        let r = 0.3 + 2.0 * ((i * 7) % 10) as f64 / 10.0;
        csv.push_str(&format!(
            "{:.3},{:.3},{}\n",
            cx + r * t.cos(),
            cy + r * t.sin(),
            THREE[i % 3]
        ));
    }
    write(dir, "three.csv", &csv)
}

/// Text as the page escapes it.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn multiclass_report_shows_per_class_metrics_and_the_confusion_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let data = three_classes(tmp.path());
    let truth: Vec<usize> = std::fs::read_to_string(&data)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let label = l.rsplit(',').next().unwrap();
            THREE.iter().position(|c| *c == label).unwrap()
        })
        .collect();
    for method in ["multinomial", "ovr"] {
        let plots = format!("plots-{method}");
        run_ok(
            tmp.path(),
            &[
                "train",
                "three.csv",
                "--target",
                "species",
                "--multiclass",
                method,
                "-o",
                "m.json",
                "-q",
                "--plot",
                &plots,
            ],
        );
        let fit = format!("{plots}/fit.json");
        run_ok(
            tmp.path(),
            &[
                "report",
                "m.json",
                "three.csv",
                "-o",
                "r.html",
                "--fit",
                &fit,
            ],
        );
        let html = std::fs::read_to_string(tmp.path().join("r.html")).unwrap();

        // The counts, from what `predict` says of each row.
        let predicted = run_ok(tmp.path(), &["predict", "m.json", "three.csv"]);
        let predicted: Vec<usize> = String::from_utf8(predicted.stdout)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                THREE
                    .iter()
                    .position(|c| *c == l)
                    .unwrap_or_else(|| panic!("predict printed {l:?}"))
            })
            .collect();
        assert_eq!(predicted.len(), truth.len());
        let mut counts = [[0usize; 3]; 3];
        for (&t, &p) in truth.iter().zip(&predicted) {
            counts[t][p] += 1;
        }
        assert!(
            (0..3).any(|t| (0..3).any(|p| t != p && counts[t][p] > 0)),
            "{method}: the fixture's classes overlap: {counts:?}"
        );

        // The model: three classes, the method, a bias per class and no single "bias b".
        assert!(html.contains(&format!(
            "<th>classes</th><td class=\"n\">3: {}</td>",
            escaped(&THREE.join(", "))
        )));
        assert!(html.contains(&format!("<th>method</th><td class=\"n\">{method} (")));
        assert!(
            !html.contains("<th>bias b</th>"),
            "{method}: one bias per class"
        );
        for (k, label) in THREE.iter().enumerate() {
            assert!(
                html.contains(&format!(
                    "<tr><td class=\"n\">{k}</td><td>{}</td>",
                    escaped(label)
                )),
                "{method}: class {k} in the class table"
            );
        }
        for raw in ["versi<color>", "virginica & co"] {
            assert!(!html.contains(raw), "{method}: {raw:?} unescaped");
        }

        // Per class: precision C[k][k]/Σ_t C[t][k], recall C[k][k]/Σ_p C[k][p], their F1, the
        // support, and the AUC that eval reports; then the macro and weighted averages.
        let eval = run_ok(tmp.path(), &["eval", "m.json", "three.csv", "--json"]);
        let eval: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
        let mut f1s = Vec::new();
        let mut rates = Vec::new();
        for (k, label) in THREE.iter().enumerate() {
            let hits = counts[k][k] as f64;
            let support: usize = counts[k].iter().sum();
            let predicted: usize = (0..3).map(|t| counts[t][k]).sum();
            let precision = hits / predicted as f64;
            let recall = hits / support as f64;
            let f1 = 2.0 * precision * recall / (precision + recall);
            f1s.push(f1);
            rates.push((precision, recall, support));
            let auc = eval["per_class"][k]["roc_auc"].as_f64().unwrap();
            let line = format!(
                "<tr><td>{}</td><td class=\"n\">{precision:.4}</td><td class=\"n\">{recall:.4}</td><td class=\"n\">{f1:.4}</td><td class=\"n\">{support}</td><td class=\"n\">{auc:.4}</td></tr>",
                escaped(label)
            );
            assert!(html.contains(&line), "{method}: no per-class row {line}");
        }
        let mean = |v: &dyn Fn(usize) -> f64| (0..3).map(v).sum::<f64>() / 3.0;
        assert!(html.contains(&format!(
            "<tr><th>macro average</th><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td>",
            mean(&|k| rates[k].0),
            mean(&|k| rates[k].1),
            mean(&|k| f1s[k])
        )));
        let weighted = |v: &dyn Fn(usize) -> f64| {
            (0..3).map(|k| rates[k].2 as f64 * v(k)).sum::<f64>() / truth.len() as f64
        };
        assert!(html.contains(&format!(
            "<tr><th>weighted average</th><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{:.4}</td><td class=\"n\">{}</td>",
            weighted(&|k| rates[k].0),
            weighted(&|k| rates[k].1),
            weighted(&|k| f1s[k]),
            truth.len()
        )));
        let correct: usize = (0..3).map(|k| counts[k][k]).sum();
        assert!(html.contains(&format!(
            "<th>accuracy</th><td class=\"n\">{:.4}</td>",
            correct as f64 / truth.len() as f64
        )));

        // The K×K confusion table, row by row.
        let mut table = String::from("<tr><th></th>");
        for label in THREE {
            table += &format!("<th>{}</th>", escaped(label));
        }
        table += "</tr>\n";
        for (label, row) in THREE.iter().zip(counts) {
            table += &format!("<tr><th>{}</th>", escaped(label));
            for v in row {
                table += &format!("<td class=\"n\">{v}</td>");
            }
            table += "</tr>\n";
        }
        assert!(
            html.contains(&format!(
                "<caption>confusion matrix (rows: actual, columns: predicted)</caption>\n{table}</table>"
            )),
            "{method}: no confusion table\n{table}"
        );

        // The cost curve and the multiclass figures, inline PNGs that decode.
        let ids: Vec<&str> = html
            .split("<figure id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
            .collect();
        assert_eq!(ids, ["cost", "confusion", "roc_per_class", "weights"]);
        let images: Vec<&str> = html.split("src=\"data:image/png;base64,").skip(1).collect();
        assert_eq!(images.len(), ids.len());
        for image in images {
            let bytes = unbase64(&image[..image.find('"').unwrap()]);
            let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
                .read_info()
                .expect("a PNG");
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).expect("a whole PNG");
            assert_eq!((info.width, info.height), (800, 600));
        }
        // Every class's weights, in one column each.
        assert!(html.contains(&format!(
            "<tr><th>feature</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            escaped(THREE[0]),
            escaped(THREE[1]),
            escaped(THREE[2])
        )));
    }
}
