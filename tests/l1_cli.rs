//! `--l1`, `--l1-ratio` and `--solver cd` from the command line: what train, show, summary and
//! report say of an L1 model, the C mapping, and bad input.

mod common;

use common::{BREAST_CANCER, Dir, assert_fails, ok};

fn model(dir: &Dir, name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.path(name)).unwrap()).unwrap()
}

fn weights(m: &serde_json::Value) -> Vec<f64> {
    m["weights"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_f64().unwrap())
        .collect()
}

#[test]
fn an_l1_model_says_which_features_it_kept() {
    let dir = Dir::new();
    let out = ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "--positive",
        "malignant",
        "-o",
        "m.json",
        "--l1",
        "0.01",
    ]));
    assert!(
        out.contains("λ₁ = 0.01: 9 of 30 features selected"),
        "{out}"
    );
    assert!(out.contains("cd converged"), "{out}");
    let m = model(&dir, "m.json");
    assert_eq!(m["training"]["l1"], 0.01);
    assert!(m["training"]["lambda_max"].as_f64().unwrap() > 0.01);
    // Zeros on the standardised scale are exact zeros on the raw scale.
    let w = weights(&m);
    assert_eq!(w.iter().filter(|&&v| v == 0.0).count(), 21);
    let shown = ok(&dir.run(&["show", "m.json"]));
    assert!(
        shown.contains("selected       9 of 30 features: mean_texture"),
        "{shown}"
    );
    // No p-values after selection.
    assert_fails(
        &dir.run(&["summary", "m.json", BREAST_CANCER]),
        1,
        &["L1 penalty", "9 of 30 features"],
    );
    ok(&dir.run(&["report", "m.json", BREAST_CANCER, "-o", "r.html"]));
    let html = std::fs::read_to_string(dir.path("r.html")).unwrap();
    assert!(html.contains("features selected"));
}

#[test]
fn c_and_l1_ratio_are_the_lambdas_they_stand_for() {
    let dir = Dir::new();
    let base = [BREAST_CANCER, "--target", "diagnosis", "-o"];
    let run = |name: &str, extra: &[&str]| {
        let mut args = vec!["train"];
        args.extend_from_slice(&base);
        args.push(name);
        args.extend_from_slice(extra);
        args.push("--quiet");
        ok(&dir.run(&args));
        model(&dir, name)
    };
    // m = 569: C = 0.5, r = 0.8 is λ₁ = 0.8/284.5, λ₂ = 0.2/284.5.
    let by_c = run("c.json", &["--c", "0.5", "--l1-ratio", "0.8"]);
    let (l1, l2) = (0.8 / (0.5 * 569.0), 0.2 / (0.5 * 569.0));
    let by_lambda = run(
        "l.json",
        &["--l1", &l1.to_string(), "--l2", &l2.to_string()],
    );
    assert!((by_c["training"]["l1"].as_f64().unwrap() - l1).abs() <= 1e-15);
    assert!((by_c["training"]["l2"].as_f64().unwrap() - l2).abs() <= 1e-15);
    let (a, b) = (weights(&by_c), weights(&by_lambda));
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "{x} vs {y}");
        assert_eq!(*x == 0.0, *y == 0.0);
    }
}

#[test]
fn lambda_above_lambda_max_is_warned_about() {
    let dir = Dir::new();
    let out = dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "-o",
        "m.json",
        "--l1",
        "5",
        "--quiet",
    ]);
    assert!(out.status.success());
    let err = common::text(&out.stderr);
    assert!(err.contains("is at least λ_max"), "{err}");
    assert!(weights(&model(&dir, "m.json")).iter().all(|&w| w == 0.0));
}

#[test]
fn bad_l1_input_gets_a_clear_error() {
    let dir = Dir::new();
    let train = |extra: &[&str]| {
        dir.run_with(
            &[
                "train",
                BREAST_CANCER,
                "--target",
                "diagnosis",
                "-o",
                "m.json",
            ],
            extra,
        )
    };
    for (extra, needle) in [
        (&["--l1", "-1"][..], "invalid l1 -1"),
        (&["--l1", "NaN"], "invalid l1 NaN"),
        (
            &["--c", "1", "--l1-ratio", "1.5"],
            "--l1-ratio must be between 0 and 1",
        ),
        (
            &["--c", "1", "--l1-ratio", "-0.1"],
            "--l1-ratio must be between 0 and 1",
        ),
        (&["--l1", "0.1", "--solver", "lbfgs"], "cd and auto"),
        (&["--l1", "0.1", "--solver", "newton"], "cd and auto"),
        (&["--l1", "0.1", "--solver", "gd"], "cd and auto"),
    ] {
        assert_fails(&train(extra), 2, &[needle]);
    }
    // --l1-ratio needs --c; --l1 and --c are two ways to say λ.
    assert_fails(&train(&["--l1-ratio", "0.5"]), 2, &["--c"]);
    assert_fails(&train(&["--l1", "0.1", "--c", "1"]), 2, &["--c"]);
    assert!(!dir.path("m.json").exists());
}
