//! The plots, the DOT graph, progress output and Ctrl-C, through the real binary: files are
//! produced, parse as PNG and SVG, and show what their titles claim.

mod common;

use common::{BREAST_CANCER, logreg, run_ok, write};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Decodes a PNG and returns its (width, height), checking every pixel row is there.
fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane PNG size")];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: truncated PNG: {e}", path.display()));
    // Not a blank image: more than one colour.
    let first = &buf[..3];
    assert!(
        buf[..info.buffer_size()].chunks(3).any(|p| p != first),
        "{}: the image is one flat colour",
        path.display()
    );
    (info.width, info.height)
}

/// All text of an SVG file (which must parse as XML with an `<svg>` root).
fn svg_text(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{}: not XML: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks DIR/NAME.png and DIR/NAME.svg, and that the SVG shows every one of `texts`.
fn check_figure(dir: &Path, name: &str, texts: &[&str]) -> String {
    assert_eq!(png_size(&dir.join(format!("{name}.png"))), (800, 600));
    let text = svg_text(&dir.join(format!("{name}.svg")));
    for t in texts {
        assert!(
            text.contains(t),
            "{name}.svg lacks {t:?}; its text is:\n{text}"
        );
    }
    text
}

/// The points of every `<polyline>` in an SVG, with its stroke colour.
fn polylines(path: &Path) -> Vec<(String, Vec<(f64, f64)>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .map(|n| {
            let points = n
                .attribute("points")
                .unwrap_or("")
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').expect("x,y");
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            (n.attribute("stroke").unwrap_or("").to_uppercase(), points)
        })
        .collect()
}

fn train_breast_cancer(dir: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec![
        "train",
        BREAST_CANCER,
        "-o",
        "model.json",
        "--target",
        "diagnosis",
        "--learning-rate",
        "0.5",
        "-q",
    ];
    args.extend_from_slice(extra);
    run_ok(dir, &args);
    dir.join("model.json")
}

#[test]
fn demo_leaves_readable_plots() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_ok(tmp.path(), &["demo", "--plot", "plots"]);
    let dir = tmp.path().join("plots");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("roc.png"), "lists the files: {stderr}");
    let cost = check_figure(
        &dir,
        "cost",
        &[
            "Cost J per iteration",
            "iteration",
            "cost J",
            "training J",
            "validation log loss",
        ],
    );
    assert!(cost.contains("log scale"), "J falls tenfold: log scale");
    // J* from the demo's Newton solve, and gradient descent's distance to it.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let optimum = stdout
        .split("exact optimum J* = ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("the demo prints J*");
    check_figure(
        &dir,
        "cost_gap",
        &[
            "Cost above the optimum, J − J* (log scale): gradient descent",
            "J − J* (log scale)",
            &format!("training J − J*, J* = {optimum}"),
        ],
    );
    // One curve, falling: on screen, y grows downwards.
    let curve = polylines(&dir.join("cost_gap.svg"))
        .into_iter()
        .find(|(stroke, _)| stroke == "#1F77B4")
        .expect("the J − J* curve")
        .1;
    assert!(curve.len() > 100);
    assert!(curve.last().unwrap().1 > curve[0].1, "J − J* falls");
    check_figure(
        &dir,
        "roc",
        &[
            "ROC curve (AUC = 0.",
            "false positive rate",
            "true positive rate",
            "chance",
        ],
    );
    check_figure(
        &dir,
        "precision_recall",
        &[
            "Precision–recall curve",
            "recall TP/P",
            "precision",
            "base rate",
        ],
    );
    check_figure(
        &dir,
        "calibration",
        &[
            "Reliability diagram",
            "mean predicted probability",
            "fraction of positives",
        ],
    );
    check_figure(
        &dir,
        "weights",
        &[
            "largest weights",
            "standardised",
            "feature",
            "worst_texture",
        ],
    );
    assert!(
        !dir.join("decision_boundary.png").exists(),
        "30 features: no boundary picture"
    );
    let fit: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("fit.json")).unwrap()).unwrap();
    assert_eq!(fit["report"]["history"].as_array().unwrap().len(), 2001);
    assert_eq!(fit["validation"].as_array().unwrap().len(), 21);
}

#[test]
fn roc_area_from_the_drawn_curve_is_the_auc() {
    let tmp = tempfile::tempdir().unwrap();
    let model = train_breast_cancer(tmp.path(), &["--max-iterations", "300"]);
    let out = run_ok(
        tmp.path(),
        &[
            "eval",
            model.to_str().unwrap(),
            BREAST_CANCER,
            "--json",
            "--plot",
            "p",
        ],
    );
    let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let auc = metrics["roc_auc"].as_f64().unwrap();
    let svg = tmp.path().join("p/roc.svg");
    let text = svg_text(&svg);
    assert!(text.contains(&format!("AUC = {auc:.4}")), "{text}");
    // The chance diagonal runs from (0, 0) to (1, 1): its ends give the pixel frame.
    let lines = polylines(&svg);
    let diagonal = lines
        .iter()
        .find(|(stroke, p)| {
            stroke == "#808080" && p.len() == 2 && p[0].0 != p[1].0 && p[0].1 != p[1].1
        })
        .expect("the chance diagonal");
    let ((x0, y0), (x1, y1)) = (diagonal.1[0], diagonal.1[1]);
    let curve = lines
        .iter()
        .filter(|(stroke, _)| stroke == "#1F77B4")
        .max_by_key(|(_, p)| p.len())
        .expect("the ROC curve");
    let unit: Vec<(f64, f64)> = curve
        .1
        .iter()
        .map(|&(x, y)| ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0)))
        .collect();
    let area: f64 = unit
        .windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum();
    // Pixels are whole numbers: about 1/480 of the axis.
    assert!((area - auc).abs() < 5e-3, "area {area} vs AUC {auc}");
}

#[test]
fn two_features_show_the_decision_boundary() {
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = String::from("height,weight,label\n");
    for i in 0..60 {
        let y = i % 2;
        let t = i as f64 / 60.0;
        csv.push_str(&format!(
            "{:.3},{:.3},{}\n",
            (t * 7.0).sin() + 1.5 * y as f64,
            (t * 11.0).cos() - y as f64,
            if y == 1 { "tall" } else { "short" }
        ));
    }
    write(tmp.path(), "two.csv", &csv);
    run_ok(
        tmp.path(),
        &["train", "two.csv", "-o", "m.json", "-q", "--plot", "p"],
    );
    check_figure(&tmp.path().join("p"), "cost", &["iteration", "cost J"]);
    run_ok(tmp.path(), &["eval", "m.json", "two.csv", "--plot", "p"]);
    check_figure(
        &tmp.path().join("p"),
        "decision_boundary",
        &[
            "Decision boundary",
            "x1: height",
            "x2: weight",
            "y = 1 (tall)",
            "y = 0 (short)",
        ],
    );
}

#[test]
fn explain_dot_shows_forward_values_and_derivatives() {
    let tmp = tempfile::tempdir().unwrap();
    let model = train_breast_cancer(tmp.path(), &["--max-iterations", "50"]);
    let out = run_ok(
        tmp.path(),
        &[
            "explain",
            model.to_str().unwrap(),
            BREAST_CANCER,
            "--row",
            "1",
            "--dot",
        ],
    );
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.starts_with("digraph neuron {"));
    for part in [
        "x1 mean_radius",
        "z = w·x + b",
        "a = σ(z)",
        "L(a, y)",
        "dw30 = x30·dz",
        "db = dz",
        "dz = a − y",
        "da = ",
    ] {
        assert!(dot.contains(part), "DOT lacks {part:?}");
    }
    if let Ok(render) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        let mut render = render;
        render
            .stdin
            .take()
            .unwrap()
            .write_all(dot.as_bytes())
            .unwrap();
        let out = render.wait_with_output().unwrap();
        assert!(out.status.success(), "Graphviz rejects the DOT");
    }
}

#[test]
fn piped_stderr_gets_plain_cost_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_ok(
        tmp.path(),
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--target",
            "diagnosis",
            "--solver",
            "gd",
            "--max-iterations",
            "200",
        ],
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("iteration 0: cost 0.693147"), "{stderr}");
    assert!(stderr.contains("iteration 200: cost"), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "no terminal escapes in a pipe: {stderr:?}"
    );
    let quiet = run_ok(
        tmp.path(),
        &[
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--target",
            "diagnosis",
            "--solver",
            "gd",
            "--max-iterations",
            "200",
            "-q",
        ],
    );
    assert!(
        !String::from_utf8(quiet.stderr)
            .unwrap()
            .contains("iteration 0:")
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_training_and_writes_nothing() {
    use std::io::{BufRead, BufReader, Read};
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.json");
    let mut child = logreg(tmp.path())
        .args([
            "train",
            BREAST_CANCER,
            "-o",
            "model.json",
            "--target",
            "diagnosis",
        ])
        .args([
            "--solver",
            "gd",
            "--max-iterations",
            "1000000000",
            "--tol",
            "0",
            "--log-every",
            "100",
        ])
        .args(["--plot", "p"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // Wait until training is under way (the handler is installed before loading).
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "ended early: {seen}"
        );
        seen.push_str(&line);
        if line.starts_with("iteration 200:") {
            break;
        }
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    stderr.read_to_string(&mut seen).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}");
    let last = seen.lines().last().unwrap_or("");
    assert!(
        last.starts_with("logreg: interrupted at iteration ")
            && last.ends_with("; no model written"),
        "{seen}"
    );
    assert!(!model.exists(), "no model file after Ctrl-C");
    assert!(!tmp.path().join("p").exists(), "no plots after Ctrl-C");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "nothing half-written: {leftovers:?}");
}

/// The labels of [`three_classes`], in class order (by bytes); markup in them checks escaping.
const THREE: [&str; 3] = ["setosa", "versi<color>", "virginica & co"];

/// Writes `three.csv`: 30 rows of two features, ten per class around the centres (0, 0),
/// (3, 0) and (1.5, 2.6) at radii from 0.3 to 2.1, so that the classes overlap a little.
fn three_classes(dir: &Path) -> PathBuf {
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

/// The polyline of `stroke` with the most points, mapped to the unit square by the chance
/// diagonal (grey, from (0, 0) to (1, 1)), and the area under it.
fn unit_area(lines: &[(String, Vec<(f64, f64)>)], stroke: &str) -> f64 {
    let diagonal = lines
        .iter()
        .find(|(s, p)| s == "#808080" && p.len() == 2 && p[0].0 != p[1].0 && p[0].1 != p[1].1)
        .expect("the chance diagonal");
    let ((x0, y0), (x1, y1)) = (diagonal.1[0], diagonal.1[1]);
    let curve = lines
        .iter()
        .filter(|(s, _)| s == stroke)
        .max_by_key(|(_, p)| p.len())
        .unwrap_or_else(|| panic!("no curve drawn in {stroke}"));
    let unit: Vec<(f64, f64)> = curve
        .1
        .iter()
        .map(|&(x, y)| ((x - x0) / (x1 - x0), (y - y0) / (y1 - y0)))
        .collect();
    unit.windows(2)
        .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
        .sum()
}

#[test]
fn multiclass_eval_plots_the_confusion_matrix_and_per_class_roc() {
    let tmp = tempfile::tempdir().unwrap();
    three_classes(tmp.path());
    for method in ["multinomial", "ovr"] {
        let model = format!("{method}.json");
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
                &model,
                "-q",
            ],
        );
        let out = run_ok(
            tmp.path(),
            &["eval", &model, "three.csv", "--json", "--plot", method],
        );
        let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let dir = tmp.path().join(method);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "--json is quiet: {stderr}");

        // The confusion matrix: the labels on both axes, and the K² counts row by row (actual
        // class), as eval counts them; the only texts that are whole numbers.
        let confusion: Vec<f64> = metrics["confusion"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
            .collect();
        assert_eq!(confusion.len(), 9);
        assert!(
            (0..9).any(|i| i % 4 != 0 && confusion[i] > 0.0),
            "{method}: the fixture's classes overlap: {confusion:?}"
        );
        let mut texts = vec![
            "Confusion matrix: rows actual, columns predicted",
            "actual class",
            "predicted class",
            "share of the actual class's rows",
        ];
        texts.extend(THREE);
        let text = check_figure(&dir, "confusion", &texts);
        for label in THREE {
            assert_eq!(
                text.lines().filter(|l| *l == label).count(),
                2,
                "{method}: {label:?} names a row and a column:\n{text}"
            );
        }
        let cells: Vec<f64> = text
            .lines()
            .filter_map(|l| l.parse::<u64>().ok())
            .map(|v| v as f64)
            .collect();
        assert_eq!(cells, confusion, "{method}: cells row by row");

        // One curve per class, in tab10's first three colours, whose drawn area is the AUC that
        // eval reports for the class, which the legend shows.
        let per_class = metrics["per_class"].as_array().unwrap();
        let legend: Vec<String> = THREE
            .iter()
            .zip(per_class)
            .map(|(label, c)| format!("{label} (AUC = {:.4})", c["roc_auc"].as_f64().unwrap()))
            .collect();
        let mut texts = vec![
            "ROC curves, each class against the rest (macro AUC = ",
            "chance (AUC = 0.5)",
            "false positive rate",
            "true positive rate",
        ];
        texts.extend(legend.iter().map(String::as_str));
        check_figure(&dir, "roc_per_class", &texts);
        let lines = polylines(&dir.join("roc_per_class.svg"));
        for (c, stroke) in per_class.iter().zip(["#1F77B4", "#FF7F0E", "#2CA02C"]) {
            let auc = c["roc_auc"].as_f64().unwrap();
            let area = unit_area(&lines, stroke);
            assert!(
                (area - auc).abs() < 5e-3,
                "{method} {stroke}: area {area} vs AUC {auc}"
            );
        }

        // Each feature's bar names the class of its largest standardised weight |w_kj·s_j|.
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join(&model)).unwrap()).unwrap();
        let scale = m["standardization"]["scale"].as_array().unwrap();
        let weights = m["weights"].as_array().unwrap();
        let bars: Vec<String> = ["length", "width"]
            .iter()
            .enumerate()
            .map(|(j, name)| {
                let s = scale[j].as_f64().unwrap();
                let k = (0..3)
                    .max_by(|&a, &b| {
                        let w = |k: usize| (weights[k][j].as_f64().unwrap() * s).abs();
                        w(a).total_cmp(&w(b))
                    })
                    .unwrap();
                format!("{name} ({})", THREE[k])
            })
            .collect();
        let mut texts = vec!["Largest weight of each feature over the classes (standardised)"];
        texts.extend(bars.iter().map(String::as_str));
        check_figure(&dir, "weights", &texts);
        for binary_only in [
            "roc",
            "precision_recall",
            "calibration",
            "decision_boundary",
        ] {
            assert!(
                !dir.join(format!("{binary_only}.png")).exists(),
                "{method}: no {binary_only} figure for three classes"
            );
        }
    }
}

#[test]
fn the_cost_title_names_the_solver_that_ran() {
    let tmp = tempfile::tempdir().unwrap();
    for (solver, words) in [
        ("gd", "gradient descent lowering the cost"),
        ("newton", "trust-region Newton lowering the cost"),
        ("lbfgs", "L-BFGS lowering the cost"),
    ] {
        let plots = format!("plots-{solver}");
        train_breast_cancer(
            tmp.path(),
            &[
                "--solver",
                solver,
                "--max-iterations",
                "200",
                "--plot",
                &plots,
            ],
        );
        let title = check_figure(&tmp.path().join(&plots), "cost", &[words]);
        for other in ["gradient descent", "Newton", "L-BFGS"] {
            assert!(
                words.contains(other) || !title.contains(other),
                "{solver}: the title names {other}: {title}"
            );
        }
    }
    // One-vs-rest: the history is the neurons' curves one after another.
    let iris = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/corpus/iris.csv"
    );
    run_ok(
        tmp.path(),
        &[
            "train",
            iris,
            "-o",
            "iris.json",
            "--multiclass",
            "ovr",
            "--solver",
            "newton",
            "-q",
            "--plot",
            "plots-ovr",
        ],
    );
    check_figure(
        &tmp.path().join("plots-ovr"),
        "cost",
        &["trust-region Newton on each one-vs-rest neuron in turn"],
    );
}

/// The ids j (from 0) of the `x{j + 1} [` nodes of a DOT graph, in the order they are listed.
fn feature_nodes(dot: &str) -> Vec<usize> {
    dot.lines()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix('x')?;
            let (id, tail) = rest.split_once(' ')?;
            tail.starts_with("[label=")
                .then(|| id.parse::<usize>().ok())
                .flatten()
                .map(|j| j - 1)
        })
        .collect()
}

#[test]
fn explain_top_k_shows_the_largest_contributions_and_sums_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let model = train_breast_cancer(tmp.path(), &["--max-iterations", "50"]);
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    let w: Vec<f64> = m["weights"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    // Row 1's features (the target column left out), and the contributions w_j·x_j.
    let text = std::fs::read_to_string(BREAST_CANCER).unwrap();
    let mut lines = text.lines();
    let target = lines
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "diagnosis")
        .unwrap();
    let x: Vec<f64> = lines
        .next()
        .unwrap()
        .split(',')
        .enumerate()
        .filter(|&(i, _)| i != target)
        .map(|(_, v)| v.parse().unwrap())
        .collect();
    let c: Vec<f64> = w.iter().zip(&x).map(|(w, x)| w * x).collect();
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&i, &j| c[j].abs().total_cmp(&c[i].abs()));
    let explain = |extra: &[&str]| {
        let mut args = vec![
            "explain",
            model.to_str().unwrap(),
            BREAST_CANCER,
            "--row",
            "1",
        ];
        args.extend_from_slice(extra);
        String::from_utf8(run_ok(tmp.path(), &args).stdout).unwrap()
    };

    let dot = explain(&["--dot", "--top", "5"]);
    assert_eq!(feature_nodes(&dot), order[..5]);
    assert_eq!(
        dot.lines().filter(|l| l.trim().starts_with("w")).count(),
        5 * 2
    );
    let sum = dot
        .split("… 25 others\\nΣ w_j·x_j = ")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("one node for the other 25")
        .parse::<f64>()
        .unwrap();
    let rest: f64 = order[5..].iter().map(|&j| c[j]).sum();
    assert!(
        (sum - rest).abs() <= 1e-4 * rest.abs().max(1.0),
        "{sum} vs {rest}"
    );
    assert!(dot.contains("others -> z"));
    // Without --top, every feature has its node, in file order.
    assert_eq!(
        feature_nodes(&explain(&["--dot"])),
        (0..30).collect::<Vec<_>>()
    );

    // The text explanation: five features forward and backward, the rest in one line each.
    let text = explain(&["--top", "5"]);
    let listed = |prefix: &str| {
        text.lines()
            .filter(|l| l.trim_start().starts_with(prefix) && l.contains(" = "))
            .count()
    };
    assert_eq!(listed("x"), 5, "{text}");
    assert_eq!(listed("dw"), 5, "{text}");
    assert!(text.contains("the 5 of 30 features with the largest |w_j·x_j|"));
    assert!(text.contains("… 25 others: Σ w_j·x_j = "));
    assert!(text.contains("… 25 others: dw_j = x_j·dz each"));
    let first = text
        .lines()
        .find(|l| l.trim_start().starts_with('x'))
        .unwrap();
    assert!(
        first.contains(&format!("x{} ", order[0] + 1)),
        "the largest first: {first}"
    );

    // K neurons: the features of largest contribution over the classes, the rest summed.
    let iris = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/corpus/iris.csv"
    );
    run_ok(tmp.path(), &["train", iris, "-o", "iris.json", "-q"]);
    let out = run_ok(
        tmp.path(),
        &[
            "explain",
            "iris.json",
            iris,
            "--row",
            "60",
            "--dot",
            "--top",
            "2",
        ],
    );
    let dot = String::from_utf8(out.stdout).unwrap();
    assert_eq!(feature_nodes(&dot).len(), 2);
    for k in 0..3 {
        assert!(dot.contains(&format!("others -> z{k}")));
        assert!(dot.contains(&format!("Σ w{k}j·x_j = ")));
    }
    assert!(dot.contains("… 2 others"));
}

#[test]
fn the_readme_says_what_svg_text_is_drawn_with() {
    // SVG text names a generic font family, which the viewer resolves: the README must not
    // promise that the SVGs look the same everywhere.
    let tmp = tempfile::tempdir().unwrap();
    train_breast_cancer(tmp.path(), &["--max-iterations", "20", "--plot", "plots"]);
    let svg = std::fs::read_to_string(tmp.path().join("plots/cost.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let families: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.attribute("font-family"))
        .collect();
    assert_eq!(families.into_iter().collect::<Vec<_>>(), ["sans-serif"]);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let plots = readme
        .split("### Plots")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        plots.contains(
            "`font-family=\"sans-serif\"`, which the viewer draws in its own sans-serif font"
        ),
        "{plots}"
    );
    assert!(!plots.contains("the pictures look the same"), "{plots}");
}
