//! What a model holds and how it decides, through the real binary: `logreg show` (text and
//! JSON, the weights ranked by |w_j·s_j|, `--top`) and decision thresholds (`--threshold` of
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

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The test helper that stores a threshold in a model file by hand (`null` removes it), as a
/// later cross-validation feature will.
fn store_threshold(model: &str, threshold: Value) {
    let mut json = read_json(Path::new(model));
    match threshold {
        Value::Null => json.as_object_mut().unwrap().remove("threshold"),
        t => {
            // A stored threshold needs format version 3 (a reader of version 2 would skip it).
            json["format_version"] = serde_json::json!(3);
            json.as_object_mut().unwrap().insert("threshold".into(), t)
        }
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

/// The feature names of `show`'s weights table, in printed order.
fn text_table_features(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("j "))
        .skip(1)
        .take_while(|l| l.starts_with("  ") && !l.trim_start().starts_with('…'))
        .map(|l| l.split_whitespace().nth(1).unwrap().to_owned())
        .collect()
}

#[test]
fn show_ranks_the_weights_by_their_standardised_size_in_text_and_json() {
    let dir = Dir::new();
    let model = train_breast_cancer(&dir, "m.json", &["--validation-fraction", "0.2"]);
    let file = read_json(Path::new(&model));
    let w = floats(&file["weights"][0]);
    let s = floats(&file["standardization"]["scale"]);
    let names: Vec<&str> = file["feature_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    // The ranking computed here from the file: by |w_j·s_j|, largest first.
    let mut expected: Vec<usize> = (0..w.len()).collect();
    expected.sort_by(|&i, &j| (w[j] * s[j]).abs().total_cmp(&(w[i] * s[i]).abs()));

    let all = parse(&ok(&dir.run(&["show", &model, "--json", "--top", "0"])));
    let mut keys: Vec<&str> = all
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    // The documented keys (serde_json's map here sorts them).
    let mut documented = [
        "model",
        "format_version",
        "target",
        "multiclass",
        "classes",
        "positive",
        "threshold",
        "features",
        "ignored",
        "encoding",
        "standardized",
        "bias",
        "weights",
        "training",
    ];
    documented.sort_unstable();
    assert_eq!(keys, documented);
    assert_eq!(all["target"], "diagnosis");
    assert_eq!(all["multiclass"], "binary");
    assert_eq!(all["classes"], serde_json::json!(["benign", "malignant"]));
    assert_eq!(all["positive"], "malignant");
    assert_eq!(all["threshold"], Value::Null);
    assert_eq!(all["features"], 30);
    assert_eq!(all["standardized"], true);
    assert_eq!(all["bias"], file["bias"]);
    // The training summary is the file's, as it is.
    assert_eq!(all["training"], file["training"]);
    let rows = all["weights"].as_array().unwrap();
    assert_eq!(rows.len(), 30);
    let order: Vec<usize> = rows
        .iter()
        .map(|r| r["index"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(order, expected);
    for r in rows {
        let j = r["index"].as_u64().unwrap() as usize;
        assert_eq!(r["feature"], names[j]);
        assert_eq!(r["weight"].as_f64().unwrap(), w[j]);
        assert_eq!(r["scale"].as_f64().unwrap(), s[j]);
        let ws = r["standardized"].as_f64().unwrap();
        assert!((ws - w[j] * s[j]).abs() <= 1e-12 * ws.abs());
        let odds = r["odds_ratio"].as_f64().unwrap();
        assert!((odds - w[j].exp()).abs() <= 1e-12 * odds);
        let per_sd = r["odds_ratio_per_sd"].as_f64().unwrap();
        assert!((per_sd - ws.exp()).abs() <= 1e-12 * per_sd);
    }
    let sizes: Vec<f64> = rows
        .iter()
        .map(|r| r["standardized"].as_f64().unwrap().abs())
        .collect();
    assert!(sizes.windows(2).all(|p| p[0] >= p[1]), "{sizes:?}");

    // --top K keeps the first K of the same order; the default is 20.
    let top5 = parse(&ok(&dir.run(&["show", &model, "--json", "--top", "5"])));
    assert_eq!(top5["weights"].as_array().unwrap()[..], rows[..5]);
    assert_eq!(top5["features"], 30);
    let default = parse(&ok(&dir.run(&["show", &model, "--json"])));
    assert_eq!(default["weights"].as_array().unwrap().len(), 20);

    // The text lists the same features in the same order, and says what it left out.
    let text = ok(&dir.run(&["show", &model, "--top", "5"]));
    let shown: Vec<String> = expected[..5].iter().map(|&j| names[j].into()).collect();
    assert_eq!(text_table_features(&text), shown, "{text}");
    for needle in [
        "target       diagnosis",
        "positive class y = 1: \"malignant\"",
        "threshold    0.5 (the default; the model stores none)",
        "features     30",
        "the 5 of 30 features with the largest |w_j·s_j|",
        "… 25 more features (--top 0 shows them all)",
        "e^(w_j)",
        "solver         lbfgs",
        "λ (l2)         0.0001",
        "termination    converged after",
        "rows           456 fitted on",
        "validation     113 rows held out of the training file by --validation-fraction 0.2 --seed 0",
    ] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
    let everything = ok(&dir.run(&["show", &model, "--top", "0"]));
    assert_eq!(text_table_features(&everything).len(), 30);
    assert!(everything.contains("weights of all 30 features"));
    assert!(!everything.contains("more features"));
}

#[test]
fn show_of_a_multinomial_model_has_one_column_per_class() {
    let dir = Dir::new();
    let model = train_iris(&dir, "iris.json");
    let file = read_json(Path::new(&model));
    let json = parse(&ok(&dir.run(&["show", &model, "--json"])));
    assert_eq!(json["multiclass"], "multinomial");
    assert_eq!(json["positive"], Value::Null);
    assert_eq!(json["threshold"], Value::Null);
    assert_eq!(json["bias"].as_array().unwrap().len(), 3);
    let rows = json["weights"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let largest: Vec<f64> = rows
        .iter()
        .map(|r| {
            let j = r["index"].as_u64().unwrap() as usize;
            let s = r["scale"].as_f64().unwrap();
            let raw = floats(&r["weights"]);
            let standardized = floats(&r["standardized"]);
            for k in 0..3 {
                assert_eq!(raw[k], file["weights"][k][j].as_f64().unwrap());
                assert!((standardized[k] - raw[k] * s).abs() <= 1e-12 * raw[k].abs() * s);
            }
            standardized.iter().fold(0.0f64, |m, v| m.max(v.abs()))
        })
        .collect();
    assert!(largest.windows(2).all(|p| p[0] >= p[1]), "{largest:?}");
    let text = ok(&dir.run(&["show", &model]));
    for needle in [
        "classes      3: setosa, versicolor, virginica (multinomial",
        "max_k |w_kj·s_j|",
        "setosa",
        "virginica",
    ] {
        assert!(text.contains(needle), "lacks {needle:?}:\n{text}");
    }
    assert!(!text.contains("threshold"), "{text}");
    let first = rows[0]["feature"].as_str().unwrap().to_owned();
    assert_eq!(text_table_features(&text)[0], first);
}

#[test]
fn show_without_standardisation_ranks_the_raw_weights() {
    let dir = Dir::new();
    let model = train_breast_cancer(&dir, "raw.json", &["--no-standardize"]);
    let json = parse(&ok(&dir.run(&["show", &model, "--json", "--top", "0"])));
    assert_eq!(json["standardized"], false);
    let rows = json["weights"].as_array().unwrap();
    let sizes: Vec<f64> = rows
        .iter()
        .map(|r| {
            assert_eq!(r["scale"], 1.0);
            assert_eq!(r["standardized"], r["weight"]);
            r["weight"].as_f64().unwrap().abs()
        })
        .collect();
    assert!(sizes.windows(2).all(|p| p[0] >= p[1]), "{sizes:?}");
    let text = ok(&dir.run(&["show", &model]));
    assert!(text.contains("s_j = 1"), "{text}");
    assert!(text.contains("on the raw weights"), "{text}");
}

#[test]
fn show_of_a_missing_or_bad_model_fails_as_every_command_does() {
    let dir = Dir::new();
    let bad = dir.file(
        "bad.json",
        "{\"format\": \"logreg-model\", \"format_version\": 2",
    );
    for model in ["missing.json", bad.to_str().unwrap()] {
        let shown = dir.run(&["show", model]);
        let predicted = dir.run(&["predict", model, BREAST_CANCER]);
        assert_fails(&shown, 1, &[model]);
        assert_eq!(shown.stderr, predicted.stderr);
        assert_fails(&dir.run(&["show", model, "--json"]), 1, &[model]);
    }
    assert_fails(&dir.run(&["show", "missing.json", "--top", "-1"]), 2, &[]);
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
    let shown = parse(&ok(&dir.run(&["show", &stored, "--json"])));
    assert_eq!(shown["threshold"], 0.9);
    let text = ok(&dir.run(&["show", &stored]));
    assert!(
        text.contains("threshold    0.9 (stored in the model)"),
        "{text}"
    );
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
        &dir.run(&["show", &iris]),
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
