//! `logreg report`: the page is self-contained, holds the model, fit and metrics, its images
//! are valid PNGs, and it opens in headless Chromium without console errors with every image
//! decoded.

mod common;

use common::{BREAST_CANCER, assert_fails, run, run_ok, write};
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

/// Trains on the breast-cancer data with a validation split, then writes the report; returns
/// the page and the fit record (`plots/fit.json`).
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
    (
        std::fs::read_to_string(dir.join("report.html")).unwrap(),
        serde_json::from_slice(&std::fs::read(dir.join("plots/fit.json")).unwrap()).unwrap(),
    )
}

/// The page from `<h2>Metrics on {heading}</h2>` to the next heading.
fn section<'a>(html: &'a str, heading: &str) -> &'a str {
    let start = html
        .find(&format!("<h2>Metrics on {heading}</h2>"))
        .unwrap_or_else(|| panic!("no metrics on {heading}"));
    let rest = &html[start + 4..];
    &rest[..rest.find("<h2>").unwrap_or(rest.len())]
}

/// The value of the row named `name` in `html` (the first one).
fn cell<'a>(html: &'a str, name: &str) -> &'a str {
    let key = format!("<tr><th>{name}</th><td class=\"n\">");
    let start = html.find(&key).unwrap_or_else(|| panic!("no row {name:?}")) + key.len();
    &html[start..start + html[start..].find("</td>").unwrap()]
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
    let (html, fit) = make_report(tmp.path());
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
        "<h2>Metrics on the training rows</h2>",
        "<h2>Metrics on the validation rows</h2>",
        "<h2>Plots</h2>",
        "<h2>Weights</h2>",
    ] {
        assert!(html.contains(section), "missing {section}");
    }
    // The validation rows' metrics are those of train's last validation check (same model,
    // same rows), and the plots are on those rows.
    let validation = section(&html, "the validation rows");
    let last = fit["validation"].as_array().unwrap().last().unwrap();
    let accuracy = format!("{:.4}", last["accuracy"].as_f64().unwrap());
    assert_eq!(cell(validation, "accuracy"), accuracy);
    assert!(html.contains("the other plots are on the validation rows."));
    let auc = cell(validation, "ROC AUC");
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
    assert!(html.contains("The plots are on the training rows."));
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
        // Every class's weights, in one column each, the features by their largest
        // standardised weight; odds ratios (against the rest) only for one-vs-rest.
        assert!(html.contains(&format!(
            "<tr><th>feature</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            escaped(THREE[0]),
            escaped(THREE[1]),
            escaped(THREE[2])
        )));
        let standardised = table_rows(&html, "standardised-weights-table");
        let largest = |r: &Vec<String>| {
            r[1..]
                .iter()
                .map(|c| c.parse::<f64>().unwrap().abs())
                .fold(0.0, f64::max)
        };
        assert!(largest(&standardised[0]) >= largest(&standardised[1]));
        let raw = table_rows(&html, "weights-table");
        let scales = table_rows(&html, "scales-table");
        for ((w, ws), s) in raw.iter().zip(&standardised).zip(&scales) {
            assert_eq!((&w[0], &ws[0]), (&s[0], &s[0]), "the same feature order");
            let s: f64 = s[1].parse().unwrap();
            for (w, ws) in w[1..].iter().zip(&ws[1..]) {
                let (w, ws): (f64, f64) = (w.parse().unwrap(), ws.parse().unwrap());
                assert!(
                    (w * s - ws).abs() <= 1e-6 * (w.abs() + s + 1.0),
                    "{method}: {w}·{s} is not {ws}"
                );
            }
        }
        match method {
            "ovr" => assert_eq!(table_rows(&html, "odds-table").len(), 2),
            _ => {
                assert!(!html.contains("odds-table"));
                assert!(html.contains("No odds ratios for a multinomial model"));
            }
        }
    }
}

/// The rows of the table `id` as lists of cell texts (header row left out).
fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<table id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|c| {
                    let c = &c[c.find('>').unwrap() + 1..];
                    c[..c.find("</td>").unwrap()].to_owned()
                })
                .collect()
        })
        .collect()
}

#[test]
fn report_shows_training_and_validation_metrics_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, fit) = make_report(tmp.path());
    // The model records the training file and the split.
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("model.json")).unwrap()).unwrap();
    let t = &model["training"];
    assert_eq!(t["data"], BREAST_CANCER);
    assert_eq!(
        t["validation"],
        serde_json::json!({"from": "fraction", "fraction": 0.2, "seed": 0,
                           "training_rows": 456, "validation_rows": 113})
    );
    assert_eq!(cell(&html, "training file"), BREAST_CANCER);
    // Two sets of metrics, each saying which rows it is on.
    let training = section(&html, "the training rows");
    let validation = section(&html, "the validation rows");
    assert_eq!(cell(training, "rows"), "456");
    assert_eq!(cell(validation, "rows"), "113");
    assert!(training.contains("that the model was fitted on"));
    assert!(validation.contains("held out (stratified by class): the fit never saw them"));
    let last = fit["validation"].as_array().unwrap().last().unwrap();
    assert_eq!(
        cell(validation, "log loss"),
        format!("{:.4}", last["cost"].as_f64().unwrap())
    );
    // The model fits its own rows better than the held-out ones.
    let loss = |s: &str| cell(s, "log loss").parse::<f64>().unwrap();
    assert!(loss(training) < loss(validation));
    assert!(
        !html.contains("<h2>Metrics on /"),
        "no metrics on the whole file"
    );
}

#[test]
fn report_says_whether_its_rows_were_trained_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    run_ok(
        dir,
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--target",
            "diagnosis",
            "-q",
        ],
    );
    let report = |model: &str, data: &str| {
        run_ok(dir, &["report", model, data, "-o", "r.html"]);
        std::fs::read_to_string(dir.join("r.html")).unwrap()
    };
    // The training file itself: every row was fitted on.
    let html = report("m.json", BREAST_CANCER);
    assert!(section(&html, "the training rows").contains("so these metrics are not held out"));
    // Another file.
    let text = std::fs::read_to_string(BREAST_CANCER).unwrap();
    let head: Vec<&str> = text.lines().take(101).collect();
    write(dir, "other.csv", &(head.join("\n") + "\n"));
    let html = report("m.json", "other.csv");
    assert!(
        section(&html, "other.csv")
            .contains("all 100 rows of other.csv, which is not the training file")
    );
    // The validation file of a fit.
    run_ok(
        dir,
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "v.json",
            "--target",
            "diagnosis",
            "-q",
            "--validation",
            "other.csv",
        ],
    );
    let html = report("v.json", "other.csv");
    assert!(section(&html, "the validation rows").contains(
        "the validation file of the fit (--validation): watched during the fit, never fitted on"
    ));
    assert_eq!(
        cell(&html, "validation rows (not fitted on)"),
        "100, from other.csv (--validation)"
    );
    // A model file from before the training file was recorded.
    let mut model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("m.json")).unwrap()).unwrap();
    model["training"].as_object_mut().unwrap().remove("data");
    write(dir, "old.json", &model.to_string());
    let html = report("old.json", BREAST_CANCER);
    assert!(html.contains("whether the model was fitted on these rows is not known"));
    assert!(cell(&html, "training file").starts_with("not recorded"));
}

#[test]
fn the_model_and_fit_tables_do_not_repeat_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let (with_fit, _) = make_report(tmp.path());
    run_ok(
        tmp.path(),
        &["report", "model.json", BREAST_CANCER, "-o", "bare.html"],
    );
    let bare = std::fs::read_to_string(tmp.path().join("bare.html")).unwrap();
    for html in [&with_fit, &bare] {
        for name in [
            "solver",
            "termination",
            "iterations",
            "final cost J",
            "relative gap to the optimum",
        ] {
            assert_eq!(
                html.matches(&format!("<tr><th>{name}</th>")).count(),
                1,
                "{name} shown more than once"
            );
        }
    }
    assert_eq!(cell(&bare, "solver"), "lbfgs");
}

#[test]
fn weights_are_sorted_by_standardised_weight_with_odds_ratios() {
    let tmp = tempfile::tempdir().unwrap();
    let (html, _) = make_report(tmp.path());
    let rows = table_rows(&html, "weights-table");
    assert_eq!(rows.len(), 30);
    let number = |s: &str| s.parse::<f64>().unwrap();
    let mut previous = f64::INFINITY;
    let mut raw = Vec::new();
    for r in &rows {
        let (w, s, ws) = (number(&r[1]), number(&r[2]), number(&r[3]));
        // Each printed to six decimals.
        assert!((w * s - ws).abs() <= 1e-6 * (w.abs() + s + 1.0), "{r:?}");
        assert!(ws.abs() <= previous + 1e-6, "not sorted by |w·s|: {r:?}");
        previous = ws.abs();
        raw.push(w.abs());
        // e^(w·s), the odds ratio per standard deviation.
        assert!(
            (number(&r[5]) / ws.exp() - 1.0).abs() < 1e-3,
            "odds ratio per s.d. {r:?}"
        );
        if w.abs() < 5.0 {
            assert!(
                (number(&r[4]) / w.exp() - 1.0).abs() < 1e-3,
                "per unit {r:?}"
            );
        }
    }
    assert!(
        raw.windows(2).any(|p| p[0] < p[1]),
        "the raw |w| would sort these features otherwise"
    );

    // Without standardisation, s_j is the column's standard deviation in the training rows.
    run_ok(
        tmp.path(),
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "raw.json",
            "--target",
            "diagnosis",
            "-q",
            "--no-standardize",
            "--max-iterations",
            "50",
        ],
    );
    run_ok(
        tmp.path(),
        &["report", "raw.json", BREAST_CANCER, "-o", "raw.html"],
    );
    let html = std::fs::read_to_string(tmp.path().join("raw.html")).unwrap();
    assert!(html.contains("the model was trained without standardisation"));
    let text = std::fs::read_to_string(BREAST_CANCER).unwrap();
    let radius: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    let mean = radius.iter().sum::<f64>() / radius.len() as f64;
    let sd = (radius.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / radius.len() as f64).sqrt();
    let row = table_rows(&html, "weights-table")
        .into_iter()
        .find(|r| r[0] == "mean_radius")
        .unwrap();
    assert!((number(&row[2]) - sd).abs() < 1e-5, "{row:?} vs {sd}");
}

#[test]
fn the_last_validation_check_is_at_the_final_iterate() {
    // Each of these fits stops before iteration 100, the first check after iteration 0.
    let tmp = tempfile::tempdir().unwrap();
    for extra in [
        &["--solver", "lbfgs"][..],
        &["--solver", "newton"],
        &["--solver", "lbfgs", "--log-every", "30"],
        &["--solver", "gd", "--max-iterations", "57"],
        &["--solver", "lbfgs", "--log-every", "5", "--patience", "2"],
    ] {
        let mut args = vec![
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--target",
            "diagnosis",
            "--validation-fraction",
            "0.2",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = run_ok(tmp.path(), &args);
        let fit: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let iterations = fit["report"]["iterations"].as_u64().unwrap();
        assert!(iterations < 100, "{extra:?}: {iterations}");
        let last = fit["validation"].as_array().unwrap().last().unwrap();
        assert_eq!(last["iteration"], iterations, "{extra:?}");
        write(
            tmp.path(),
            "fit.json",
            std::str::from_utf8(&out.stdout).unwrap(),
        );
        run_ok(
            tmp.path(),
            &[
                "report",
                "m.json",
                BREAST_CANCER,
                "-o",
                "r.html",
                "--fit",
                "fit.json",
            ],
        );
        let html = std::fs::read_to_string(tmp.path().join("r.html")).unwrap();
        assert!(
            cell(&html, "last validation check (on the validation rows)")
                .starts_with(&format!("iteration {iterations}:")),
            "{extra:?}"
        );
    }
}
