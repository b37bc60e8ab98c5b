//! K classes and row weights through the real binary: every new flag, the model file format
//! (version 2, and version 1 still read), and every bad input named with its file, row and
//! column.

mod common;

use common::{Dir, assert_fails, ok};

const IRIS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/corpus/iris.csv"
);
const HOUSING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/corpus/housing_mass.csv"
);
const HEART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/heart_scale.svm");
const BREAST_CANCER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv");

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn multinomial_and_ovr_train_predict_eval_explain() {
    let dir = Dir::new();
    for method in ["multinomial", "ovr"] {
        let model = format!("{method}.json");
        ok(&dir.run(&[
            "train",
            IRIS,
            "--target",
            "species",
            "-o",
            &model,
            "--multiclass",
            method,
            "--quiet",
        ]));
        let m = json(&std::fs::read_to_string(dir.path(&model)).unwrap());
        assert_eq!(m["format_version"], 2);
        assert_eq!(m["multiclass"], method);
        assert_eq!(
            m["classes"],
            serde_json::json!(["setosa", "versicolor", "virginica"])
        );
        assert_eq!(m["weights"].as_array().unwrap().len(), 3);
        assert_eq!(m["bias"].as_array().unwrap().len(), 3);
        // predict --proba: one column per class, in class order, summing to 1.
        let out = ok(&dir.run(&["predict", &model, IRIS, "--proba"]));
        let mut lines = out.lines();
        assert_eq!(
            lines.next().unwrap(),
            "prediction,probability_setosa,probability_versicolor,probability_virginica"
        );
        let rows: Vec<Vec<String>> = lines
            .map(|l| l.split(',').map(String::from).collect())
            .collect();
        assert_eq!(rows.len(), 150);
        for r in &rows {
            let p: Vec<f64> = r[1..].iter().map(|v| v.parse().unwrap()).collect();
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            // The prediction is the most probable class.
            let best = (0..3).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            assert_eq!(r[0], ["setosa", "versicolor", "virginica"][best]);
        }
        // eval: the metrics, and the confusion matrix counts the predictions.
        let e = json(&ok(&dir.run(&["eval", &model, IRIS, "--json"])));
        assert!(e["accuracy"].as_f64().unwrap() > 0.9);
        assert_eq!(e["per_class"].as_array().unwrap().len(), 3);
        let truth = std::fs::read_to_string(IRIS).unwrap();
        let labels: Vec<&str> = truth
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap())
            .collect();
        let classes = ["setosa", "versicolor", "virginica"];
        for (t, tc) in classes.iter().enumerate() {
            for (p, pc) in classes.iter().enumerate() {
                let count = labels
                    .iter()
                    .zip(&rows)
                    .filter(|(l, r)| *l == tc && r[0] == *pc)
                    .count();
                assert_eq!(e["confusion"][t][p].as_f64().unwrap(), count as f64);
            }
        }
        assert!(e["macro_roc_auc"].as_f64().unwrap() > 0.95);
        let text = ok(&dir.run(&["eval", &model, IRIS]));
        assert!(text.contains("macro avg") && text.contains("virginica"));
        // explain: the K-neuron graph of one example, and its DOT.
        let x = ok(&dir.run(&["explain", &model, IRIS, "--row", "60"]));
        assert!(x.contains("z2 = w2·x + b2") && x.contains("dz_k"), "{x}");
        let dot = ok(&dir.run(&["explain", &model, IRIS, "--row", "60", "--dot"]));
        assert!(dot.starts_with("digraph neurons") && dot.contains("z2 ["));
    }
}

#[test]
fn a_validation_split_keeps_every_class() {
    let dir = Dir::new();
    let out = ok(&dir.run(&[
        "train",
        IRIS,
        "--target",
        "species",
        "-o",
        "v.json",
        "--json",
        "--validation-fraction",
        "0.2",
        "--quiet",
    ]));
    let v = json(&out);
    // 120 training rows (40 per class) and 30 held out (10 per class).
    assert_eq!(v["rows"], 120);
    let m = json(&std::fs::read_to_string(dir.path("v.json")).unwrap());
    assert_eq!(m["training"]["rows"], 120);
    let last = v["validation"].as_array().unwrap().last().unwrap().clone();
    assert!(last["accuracy"].as_f64().unwrap() > 0.8, "{last}");
}

#[test]
fn two_classes_stay_one_neuron_unless_multinomial_is_asked() {
    let dir = Dir::new();
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "-o",
        "b.json",
        "--quiet",
    ]));
    let m = json(&std::fs::read_to_string(dir.path("b.json")).unwrap());
    assert_eq!(m["multiclass"], "binary");
    assert_eq!(m["weights"].as_array().unwrap().len(), 1);
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "-o",
        "m.json",
        "--quiet",
        "--multiclass",
        "multinomial",
        "--l2",
        "0.01",
    ]));
    let m = json(&std::fs::read_to_string(dir.path("m.json")).unwrap());
    assert_eq!(m["multiclass"], "multinomial");
    assert_eq!(m["weights"].as_array().unwrap().len(), 2);
    // Two softmax neurons at λ are the sigmoid neuron at λ/2: w = w_1 − w_0.
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "-o",
        "h.json",
        "--quiet",
        "--l2",
        "0.005",
    ]));
    let h = json(&std::fs::read_to_string(dir.path("h.json")).unwrap());
    for j in 0..30 {
        let d = m["weights"][1][j].as_f64().unwrap() - m["weights"][0][j].as_f64().unwrap();
        let w = h["weights"][0][j].as_f64().unwrap();
        assert!((d - w).abs() <= 1e-5 * (1.0 + w.abs()), "{j}: {d} vs {w}");
    }
}

#[test]
fn a_version_1_model_file_predicts_as_before() {
    let dir = Dir::new();
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "-o",
        "v2.json",
        "--quiet",
    ]));
    let mut m = json(&std::fs::read_to_string(dir.path("v2.json")).unwrap());
    // The version 1 layout: one weight vector, one bias, labels {negative, positive}.
    let v1 = serde_json::json!({
        "format": "logreg-model",
        "format_version": 1,
        "feature_names": m["feature_names"],
        "weights": m["weights"][0],
        "bias": m["bias"][0],
        "target": m["target"],
        "labels": {"negative": m["classes"][0], "positive": m["classes"][1]},
        "standardization": m["standardization"],
        "training": m["training"].take(),
    });
    dir.file("v1.json", &serde_json::to_string_pretty(&v1).unwrap());
    let a = ok(&dir.run(&["predict", "v1.json", BREAST_CANCER, "--proba"]));
    let b = ok(&dir.run(&["predict", "v2.json", BREAST_CANCER, "--proba"]));
    assert_eq!(a, b);
    ok(&dir.run(&["eval", "v1.json", BREAST_CANCER]));
    // Read, it is held in version 2's layout and saved as version 2 (it was once saved in that
    // layout under "format_version": 1, which no build could read back).
    let model = logreg::Model::load(&dir.path("v1.json")).unwrap();
    model.save(&dir.path("resaved.json")).unwrap();
    let again = logreg::Model::load(&dir.path("resaved.json")).unwrap();
    assert_eq!(again.format_version, 2);
    assert_eq!((again.weights, again.bias), (model.weights, model.bias));
}

#[test]
fn sample_and_class_weights() {
    let dir = Dir::new();
    // The weight column is not a feature, and is recorded in the model.
    ok(&dir.run(&[
        "train",
        HOUSING,
        "--target",
        "sat",
        "--sample-weight",
        "count",
        "-o",
        "w.json",
        "--quiet",
    ]));
    let m = json(&std::fs::read_to_string(dir.path("w.json")).unwrap());
    assert_eq!(m["training"]["sample_weight"], "count");
    assert!(
        !m["feature_names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "count")
    );
    // predict and eval accept the file with its weight column; eval weighs rows by it.
    ok(&dir.run(&["predict", "w.json", HOUSING]));
    let plain = json(&ok(&dir.run(&["eval", "w.json", HOUSING, "--json"])));
    let weighted = json(&ok(&dir.run(&[
        "eval",
        "w.json",
        HOUSING,
        "--json",
        "--sample-weight",
        "count",
    ])));
    assert_eq!(weighted["weight_total"].as_f64().unwrap(), 1681.0);
    assert!(plain["weight_total"].is_null());
    assert_ne!(plain["accuracy"], weighted["accuracy"]);
    // Class weights: balanced, or per label.
    ok(&dir.run(&[
        "train",
        IRIS,
        "--target",
        "species",
        "-o",
        "c.json",
        "--quiet",
        "--class-weight",
        "setosa=2,virginica=0.5",
    ]));
    let c = json(&std::fs::read_to_string(dir.path("c.json")).unwrap());
    assert_eq!(
        c["training"]["class_weights"],
        serde_json::json!([2.0, 1.0, 0.5])
    );
    // LIBSVM: one weight per line in a file.
    let weights: String = (0..270).map(|i| format!("{}\n", 1 + i % 3)).collect();
    dir.file("heart.w", &weights);
    ok(&dir.run(&[
        "train",
        HEART,
        "--sample-weight-file",
        "heart.w",
        "-o",
        "h.json",
        "--quiet",
    ]));
}

#[test]
fn bad_weights_and_class_options_are_named() {
    let dir = Dir::new();
    let table = |w: [&str; 4]| {
        format!(
            "a,w,label\n1,{},x\n2,{},y\n3,{},x\n4,{},y\n",
            w[0], w[1], w[2], w[3]
        )
    };
    let cases: Vec<(String, Vec<&str>, i32)> = vec![
        (
            table(["1", "-2", "1", "1"]),
            vec!["row 2", "\"w\"", "negative"],
            1,
        ),
        (
            table(["1", "NaN", "1", "1"]),
            vec!["bad.csv:3:2", "not a finite number"],
            1,
        ),
        (table(["1", "x", "1", "1"]), vec!["bad.csv:3:2", "\"x\""], 1),
        (table(["0", "0", "0", "0"]), vec!["every weight is 0"], 1),
        (
            table(["1", "0", "1", "0"]),
            vec!["class \"y\" has total weight 0"],
            1,
        ),
    ];
    for (body, needles, code) in &cases {
        dir.file("bad.csv", body);
        let out = dir.run(&["train", "bad.csv", "--sample-weight", "w", "-o", "m.json"]);
        assert_fails(&out, *code, needles);
        assert!(!dir.path("m.json").exists());
    }
    dir.file("ok.csv", &table(["1", "2", "3", "4"]));
    assert_fails(
        &dir.run(&["train", "ok.csv", "--sample-weight", "nope", "-o", "m.json"]),
        1,
        &["no column named \"nope\""],
    );
    assert_fails(
        &dir.run(&[
            "train",
            "ok.csv",
            "--sample-weight",
            "label",
            "-o",
            "m.json",
        ]),
        2,
        &["is the target column"],
    );
    assert_fails(
        &dir.run(&["train", HEART, "--sample-weight", "w", "-o", "m.json"]),
        2,
        &["LIBSVM", "--sample-weight-file"],
    );
    dir.file("short.w", "1\n2\n");
    assert_fails(
        &dir.run(&[
            "train",
            HEART,
            "--sample-weight-file",
            "short.w",
            "-o",
            "m.json",
        ]),
        1,
        &["short.w", "2 weights for 270 rows"],
    );
    for (spec, needle, code) in [
        ("x=oops", "not a number", 2),
        ("x", "expected `balanced`", 2),
        ("x=-1", "finite number > 0", 2),
        ("z=2", "names the class \"z\"", 1),
    ] {
        assert_fails(
            &dir.run(&["train", "ok.csv", "--class-weight", spec, "-o", "m.json"]),
            code,
            &[needle],
        );
    }
    assert_fails(
        &dir.run(&[
            "train",
            IRIS,
            "--target",
            "species",
            "--positive",
            "setosa",
            "-o",
            "m.json",
        ]),
        2,
        &["positive", "more classes"],
    );
    assert_fails(
        &dir.run(&[
            "train",
            IRIS,
            "--target",
            "species",
            "--max-classes",
            "2",
            "-o",
            "m.json",
        ]),
        1,
        &["more than 2 distinct values", "--max-classes"],
    );
    assert_fails(
        &dir.run(&[
            "train",
            IRIS,
            "--target",
            "species",
            "--multiclass",
            "ovr",
            "--validation-fraction",
            "0.2",
            "--patience",
            "2",
            "-o",
            "m.json",
        ]),
        2,
        &["one-vs-rest"],
    );
    assert!(!dir.path("m.json").exists());
}

#[test]
fn generate_classes_gives_k_labels_a_model_can_learn() {
    let dir = Dir::new();
    ok(&dir.run(&[
        "generate",
        "--rows",
        "3000",
        "--features",
        "4",
        "--classes",
        "4",
        "--seed",
        "2",
        "-o",
        "g.csv",
    ]));
    let text = std::fs::read_to_string(dir.path("g.csv")).unwrap();
    let labels: std::collections::BTreeSet<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(labels.into_iter().collect::<Vec<_>>(), ["0", "1", "2", "3"]);
    ok(&dir.run(&["train", "g.csv", "-o", "g.json", "--quiet"]));
    let e = json(&ok(&dir.run(&["eval", "g.json", "g.csv", "--json"])));
    // Chance is about 0.25; the true model is learnable.
    assert!(e["accuracy"].as_f64().unwrap() > 0.5, "{e}");
    assert_fails(
        &dir.run(&[
            "generate",
            "--rows",
            "3",
            "--features",
            "2",
            "--classes",
            "1",
            "-o",
            "x.csv",
        ]),
        2,
        &["classes"],
    );
}

#[test]
fn separated_classes_at_zero_penalty_are_named() {
    let dir = Dir::new();
    // Setosa lies apart from the other two species: quasi-complete separation of the three.
    let out = dir.run(&[
        "train", IRIS, "--target", "species", "-o", "m.json", "--l2", "0",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("quasi-completely separated") && stderr.contains("50 of 150 rows"),
        "{stderr}"
    );
    let m = json(&std::fs::read_to_string(dir.path("m.json")).unwrap());
    assert_eq!(m["training"]["termination"], "quasi_separable");
    // One-vs-rest: the setosa neuron's own problem is completely separated.
    let out = dir.run(&[
        "train",
        IRIS,
        "--target",
        "species",
        "-o",
        "o.json",
        "--l2",
        "0",
        "--multiclass",
        "ovr",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        stderr.contains("one-vs-rest: the fit of setosa (separable) against the rest"),
        "{stderr}"
    );
    assert_fails(
        &dir.run(&[
            "train", IRIS, "--target", "species", "-o", "s.json", "--l2", "0", "--strict",
        ]),
        1,
        &["quasi-completely separated", "--strict"],
    );
}

#[test]
fn every_option_is_checked_before_any_data_is_read() {
    // The data file does not exist: the option's error comes first, as a usage error.
    let dir = Dir::new();
    for (option, value, needle) in [
        ("--l2", "-1", "invalid l2 -1"),
        ("--tol", "-1", "invalid tol -1"),
        ("--learning-rate", "0", "invalid learning rate 0"),
        ("--class-weight", "a=0", "finite number > 0"),
    ] {
        assert_fails(
            &dir.run(&["train", "missing.csv", "-o", "m.json", option, value]),
            2,
            &[needle],
        );
    }
}

#[test]
fn the_readmes_model_file_example_is_what_its_command_writes() {
    // The README names the command and shows the file it writes, arrays shortened: every number
    // it shows must be the one this build writes (regenerate the example when they change).
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## The model file")
        .nth(1)
        .expect("the model-file section");
    let example = section
        .split("```json")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a JSON example");
    assert!(section.contains(
        "`logreg train data/breast_cancer.csv -o model.json --target diagnosis\n--validation-fraction 0.2`"
    ));
    let dir = Dir::new();
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "-o",
        "model.json",
        "--target",
        "diagnosis",
        "--validation-fraction",
        "0.2",
        "--quiet",
    ]));
    let m = json(&std::fs::read_to_string(dir.path("model.json")).unwrap());
    let t = &m["training"];
    let shown = |v: &serde_json::Value| v.to_string();
    for (what, value) in [
        ("first weight", shown(&m["weights"][0][0])),
        ("bias", shown(&m["bias"][0])),
        ("iterations", shown(&t["iterations"])),
        ("cost", shown(&t["cost"])),
        ("gradient norm", shown(&t["gradient_norm"])),
        ("gap bound", shown(&t["gap_bound"])),
        ("rows", shown(&t["rows"])),
        (
            "validation rows",
            format!(
                "\"validation_rows\": {}",
                t["validation"]["validation_rows"]
            ),
        ),
        (
            "training rows",
            format!("\"training_rows\": {}", t["validation"]["training_rows"]),
        ),
    ] {
        assert!(
            example.contains(&value),
            "the README's {what} is not {value}:\n{example}"
        );
    }
    assert!(example.contains(r#""classes": ["benign", "malignant"]"#));
    assert!(example.contains(r#""multiclass": "binary""#));
    assert!(example.contains(&format!("\"format_version\": {}", m["format_version"])));
}
