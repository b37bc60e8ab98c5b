//! How a model decides, through the real binary: decision thresholds (`--threshold` of
//! predict, eval, report and train, and the threshold a model file stores).

mod common;

use common::{BREAST_CANCER, Dir, assert_fails, ok};
use serde_json::Value;
use std::path::Path;

const IRIS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/corpus/iris.csv"
);

/// Trains on the breast-cancer data into `dir/name` with `extra` options.
fn train_breast_cancer(dir: &Dir, name: &str, extra: &[&str]) -> String {
    ok(&dir.run_with(
        &[
            "train",
            BREAST_CANCER,
            "-o",
            name,
            "--target",
            "diagnosis",
            "--quiet",
        ],
        extra,
    ));
    dir.path(name).display().to_string()
}

fn train_iris(dir: &Dir, name: &str) -> String {
    ok(&dir.run(&["train", IRIS, "-o", name, "--target", "species", "--quiet"]));
    dir.path(name).display().to_string()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn parse(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The test helper that stores a threshold in a model file by hand (`null` removes it), as a
/// later cross-validation feature will.
fn store_threshold(model: &str, threshold: Value) {
    let mut json = read_json(Path::new(model));
    match threshold {
        Value::Null => json.as_object_mut().unwrap().remove("threshold"),
        t => json.as_object_mut().unwrap().insert("threshold".into(), t),
    };
    std::fs::write(model, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
}

/// The breast-cancer labels, 1 for malignant (the positive class), in file order.
fn breast_cancer_labels() -> Vec<u8> {
    let text = std::fs::read_to_string(BREAST_CANCER).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|&c| c == "diagnosis").unwrap();
    lines
        .map(|l| u8::from(l.split(',').nth(column).unwrap() == "malignant"))
        .collect()
}

/// `predict --proba`'s rows as (label, probability).
fn predictions(stdout: &str) -> Vec<(String, f64)> {
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("prediction,probability"));
    lines
        .map(|l| {
            let (label, p) = l.split_once(',').unwrap();
            (label.to_owned(), p.parse().unwrap())
        })
        .collect()
}

#[test]
fn predict_and_eval_label_at_the_threshold_given() {
    let dir = Dir::new();
    let model = train_breast_cancer(&dir, "m.json", &[]);
    let y = breast_cancer_labels();
    let at = |t: &str| {
        let mut args = vec!["predict", &model, BREAST_CANCER, "--proba"];
        if !t.is_empty() {
            args.extend(["--threshold", t]);
        }
        predictions(&ok(&dir.run(&args)))
    };
    let default = at("");
    assert_eq!(default, at("0.5"));
    let strict = at("0.9");
    assert_eq!(strict.len(), y.len());
    let mut changed = 0;
    for ((label, p), (label_05, _)) in strict.iter().zip(&default) {
        let expected = if *p >= 0.9 { "malignant" } else { "benign" };
        assert_eq!(label, expected, "p = {p}");
        changed += usize::from(label != label_05);
    }
    assert!(
        changed > 0,
        "no row between 0.5 and 0.9: the test would not see a threshold"
    );

    // eval at 0.9 counts exactly those labels; the threshold-free metrics do not move.
    let eval = |t: &str| {
        parse(&ok(&dir.run(&[
            "eval",
            &model,
            BREAST_CANCER,
            "--json",
            "--threshold",
            t,
        ])))
    };
    let (m, m05) = (eval("0.9"), eval("0.5"));
    let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
    for ((label, _), &yi) in strict.iter().zip(&y) {
        match (label == "malignant", yi == 1) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, false) => tn += 1,
            (false, true) => fn_ += 1,
        }
    }
    assert_eq!(m["threshold"], 0.9);
    assert_eq!(
        m["confusion"],
        serde_json::json!({"true_positive": tp, "false_positive": fp, "true_negative": tn, "false_negative": fn_})
    );
    let accuracy = (tp + tn) as f64 / y.len() as f64;
    assert!((m["accuracy"].as_f64().unwrap() - accuracy).abs() < 1e-12);
    let recall = tp as f64 / (tp + fn_) as f64;
    assert!((m["recall"].as_f64().unwrap() - recall).abs() < 1e-12);
    assert_ne!(m["confusion"], m05["confusion"]);
    assert_eq!(m["log_loss"], m05["log_loss"]);
    assert_eq!(m["roc_auc"], m05["roc_auc"]);
    let text = ok(&dir.run(&["eval", &model, BREAST_CANCER, "--threshold", "0.9"]));
    assert!(text.contains("threshold   0.9"), "{text}");
}

#[test]
fn a_stored_threshold_is_used_unless_one_is_given() {
    let dir = Dir::new();
    let plain = train_breast_cancer(&dir, "plain.json", &[]);
    // A model written without a threshold has no such field.
    assert!(read_json(Path::new(&plain)).get("threshold").is_none());
    let stored = train_breast_cancer(&dir, "stored.json", &["--threshold", "0.9"]);
    assert_eq!(read_json(Path::new(&stored))["threshold"], 0.9);
    let predict =
        |model: &str, extra: &[&str]| ok(&dir.run_with(&["predict", model, BREAST_CANCER], extra));
    assert_eq!(
        predict(&stored, &[]),
        predict(&plain, &["--threshold", "0.9"])
    );
    assert_ne!(predict(&stored, &[]), predict(&plain, &[]));
    // The flag wins over the stored threshold.
    assert_eq!(
        predict(&stored, &["--threshold", "0.5"]),
        predict(&plain, &[])
    );
    let eval = parse(&ok(&dir.run(&["eval", &stored, BREAST_CANCER, "--json"])));
    assert_eq!(eval["threshold"], 0.9);
    let explained = ok(&dir.run(&["explain", &stored, BREAST_CANCER, "--row", "1"]));
    assert!(
        explained.contains("0.9, the model's threshold"),
        "{explained}"
    );

    ok(&dir.run(&["report", &stored, BREAST_CANCER, "-o", "r.html"]));
    let html = std::fs::read_to_string(dir.path("r.html")).unwrap();
    for row in [
        "<tr><th>decision threshold (stored in the model)</th><td class=\"n\">0.9</td></tr>",
        "<tr><th>threshold</th><td class=\"n\">0.9</td></tr>",
    ] {
        assert!(html.contains(row), "the report lacks {row}");
    }

    // A threshold stored by another tool is read the same way; one that is no probability,
    // or on a model of K classes, makes the file invalid.
    let edited = dir.path("edited.json").display().to_string();
    std::fs::copy(&plain, &edited).unwrap();
    store_threshold(&edited, serde_json::json!(0.9));
    assert_eq!(predict(&edited, &[]), predict(&stored, &[]));
    for bad in [
        serde_json::json!(1.5),
        serde_json::json!(0.0),
        serde_json::json!("high"),
    ] {
        store_threshold(&edited, bad);
        assert_fails(
            &dir.run(&["predict", &edited, BREAST_CANCER]),
            1,
            &["edited.json"],
        );
    }
    store_threshold(&edited, Value::Null);
    assert_eq!(predict(&edited, &[]), predict(&plain, &[]));
    let iris = train_iris(&dir, "iris.json");
    store_threshold(&iris, serde_json::json!(0.5));
    assert_fails(
        &dir.run(&["predict", &iris, IRIS]),
        1,
        &["iris.json", "applies to binary models only"],
    );
}

#[test]
fn thresholds_out_of_range_and_on_k_classes_are_usage_errors() {
    let dir = Dir::new();
    let model = train_breast_cancer(&dir, "m.json", &[]);
    for t in ["0", "1", "-0.5", "1.5", "NaN"] {
        for sub in ["predict", "eval", "report"] {
            let mut args = vec![sub, &model, BREAST_CANCER, "--threshold", t];
            if sub == "report" {
                args.extend(["-o", "r.html"]);
            }
            assert_fails(
                &dir.run(&args),
                2,
                &["--threshold must be between 0 and 1 (exclusive)"],
            );
        }
        assert_fails(
            &dir.run(&[
                "train",
                BREAST_CANCER,
                "-o",
                "t.json",
                "--target",
                "diagnosis",
                "--threshold",
                t,
            ]),
            2,
            &["--threshold must be between 0 and 1"],
        );
    }
    assert!(!dir.path("t.json").exists());
    assert!(!dir.path("r.html").exists());

    let iris = train_iris(&dir, "iris.json");
    for sub in ["predict", "eval", "report"] {
        let mut args = vec![sub, &iris, IRIS, "--threshold", "0.3"];
        if sub == "report" {
            args.extend(["-o", "r.html"]);
        }
        assert_fails(
            &dir.run(&args),
            2,
            &[
                "--threshold applies to models of two classes only",
                "3 classes",
            ],
        );
    }
    assert_fails(
        &dir.run(&[
            "train",
            IRIS,
            "-o",
            "t.json",
            "--target",
            "species",
            "--threshold",
            "0.3",
        ]),
        2,
        &["--threshold applies to models of two classes only"],
    );
    assert_fails(
        &dir.run(&[
            "train",
            BREAST_CANCER,
            "-o",
            "t.json",
            "--target",
            "diagnosis",
            "--multiclass",
            "multinomial",
            "--threshold",
            "0.3",
        ]),
        2,
        &["with --multiclass multinomial"],
    );
    assert!(!dir.path("t.json").exists());
    // Without the flag a K-class model predicts as before.
    ok(&dir.run(&["predict", &iris, IRIS]));
}
