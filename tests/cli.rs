//! The real `logreg` binary on small files in a temporary folder: the happy path of every
//! subcommand, and every class of bad input with its message and exit code.

mod common;

use common::{BREAST_CANCER, Dir, assert_fails, logreg, ok, text};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

/// Runs `logreg args` in `dir` with its stdout closed at once, as `logreg ... | head -0` would.
fn run_into_closed_pipe(dir: &Dir, args: &[&str]) -> Output {
    let mut child = logreg(dir.root())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

/// A small separable-ish dataset with a `label` column and string-free features.
const SMALL: &str = "x1,x2,label\n0.1,1.0,0\n0.4,0.2,0\n1.2,0.3,1\n2.0,1.1,1\n0.3,0.4,0\n1.8,0.1,1\n0.9,0.9,1\n0.2,0.8,0\n";

fn train_small(dir: &Dir) -> PathBuf {
    let data = dir.file("small.csv", SMALL);
    ok(&dir.run(&[
        "train",
        data.to_str().unwrap(),
        "-o",
        "model.json",
        "--quiet",
    ]));
    dir.path("model.json")
}

#[test]
fn train_predict_eval_explain_on_breast_cancer() {
    let dir = Dir::new();
    let out = dir.run(&[
        "train",
        BREAST_CANCER,
        "-o",
        "m.json",
        "--target",
        "diagnosis",
        "--solver",
        "gd",
        "--learning-rate",
        "0.5",
        "--max-iterations",
        "300",
        "--validation-fraction",
        "0.2",
        "--seed",
        "1",
    ]);
    let stdout = ok(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("iteration 0: cost 0.693147"), "{stderr}");
    assert!(stderr.contains("iteration 100: cost "), "{stderr}");
    assert!(
        stdout.contains("validation (113 rows): accuracy"),
        "{stdout}"
    );

    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("m.json")).unwrap()).unwrap();
    assert_eq!(model["format"], "logreg-model");
    assert_eq!(model["format_version"], 2);
    assert_eq!(model["multiclass"], "binary");
    assert_eq!(model["classes"][1], "malignant");
    assert_eq!(model["weights"][0].as_array().unwrap().len(), 30);

    let eval = ok(&dir.run(&["eval", "m.json", BREAST_CANCER, "--json"]));
    let metrics: serde_json::Value = serde_json::from_str(&eval).unwrap();
    assert!(metrics["accuracy"].as_f64().unwrap() > 0.95);
    assert_eq!(metrics["rows"], 569);

    let predictions = ok(&dir.run(&["predict", "m.json", BREAST_CANCER, "--proba"]));
    let lines: Vec<&str> = predictions.lines().collect();
    assert_eq!(lines[0], "prediction,probability");
    assert_eq!(lines.len(), 570);
    assert!(lines[1].starts_with("malignant,"), "{}", lines[1]);

    let explain = ok(&dir.run(&["explain", "m.json", BREAST_CANCER, "--row", "1"]));
    for needle in [
        "y = 1",
        "z = w·x + b",
        "a = σ(z)",
        "da = dL/da",
        "dz = dL/dz",
        "dw1",
        "db = dz",
    ] {
        assert!(
            explain.contains(needle),
            "explain lacks {needle:?}: {explain}"
        );
    }
}

#[test]
fn predict_writes_a_file_in_input_order_and_ignores_the_target() {
    let dir = Dir::new();
    let model = train_small(&dir);
    let unlabeled = dir.file("new.csv", "x2,x1\n1.0,0.0\n0.2,3.0\n");
    ok(&dir.run(&[
        "predict",
        model.to_str().unwrap(),
        unlabeled.to_str().unwrap(),
        "-o",
        "p.csv",
    ]));
    let p = std::fs::read_to_string(dir.path("p.csv")).unwrap();
    assert_eq!(
        p, "prediction\n0\n1\n",
        "features are matched by name, not position"
    );
}

#[test]
fn c_matches_l2_by_the_documented_conversion() {
    // C = 1/(λ·m): with m = 8 rows, C = 12.5 is λ = 0.01.
    let dir = Dir::new();
    let data = dir.file("small.csv", SMALL);
    let d = data.to_str().unwrap();
    ok(&dir.run(&["train", d, "-o", "a.json", "--quiet", "--l2", "0.01"]));
    ok(&dir.run(&["train", d, "-o", "b.json", "--quiet", "--c", "12.5"]));
    let weights = |f: &str| {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path(f)).unwrap()).unwrap();
        v["weights"].clone()
    };
    assert_eq!(weights("a.json"), weights("b.json"));
}

#[test]
fn model_floats_round_trip_bit_exact() {
    let dir = Dir::new();
    let model_path = train_small(&dir);
    let model = logreg::Model::load(&model_path).unwrap();
    model.save(&dir.path("again.json")).unwrap();
    let again = logreg::Model::load(&dir.path("again.json")).unwrap();
    assert_eq!(model, again);
    for (a, b) in model
        .weights
        .iter()
        .flatten()
        .zip(again.weights.iter().flatten())
    {
        assert_eq!(a.to_bits(), b.to_bits());
    }
}

#[test]
fn bad_training_data_names_file_line_and_column() {
    let dir = Dir::new();
    // 150 distinct values: a continuous target, not classes.
    let continuous: String = std::iter::once("a,label\n".to_string())
        .chain((0..150).map(|i| format!("{i},{}\n", 0.5 * i as f64)))
        .collect();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "missing.csv",
            "a,b,label\n1,2,0\n3,,1\n",
            &["missing.csv:3:2", "empty cell", "--missing"],
        ),
        (
            "word.csv",
            "a,b,label\n1,2,0\n3,abc,1\n",
            &["word.csv:3:2", "\"abc\"", "not", "number"],
        ),
        (
            "ragged.csv",
            "a,b,label\n1,2,0\n3,1\n",
            &["ragged.csv:3:", "2 fields", "header has 3"],
        ),
        (
            "nan.csv",
            "a,b,label\n1,NaN,0\n3,1,1\n",
            &["nan.csv:2:2", "missing value", "NaN", "--missing"],
        ),
        (
            "inf.csv",
            "a,b,label\n1,2,0\n-inf,1,1\n",
            &["inf.csv:3:1", "not a finite number"],
        ),
        ("empty.csv", "", &["empty.csv", "empty"]),
        ("header.csv", "a,b,label\n", &["header.csv", "no data rows"]),
        (
            "one.csv",
            "a,b,label\n1,2,0\n3,1,0\n",
            &["one.csv", "every row has the label \"0\""],
        ),
        (
            "continuous.csv",
            continuous.as_str(),
            &[
                "continuous.csv:102",
                "more than 100 distinct values",
                "continuous target",
            ],
        ),
        (
            "big.csv",
            "a,label\n1e39,0\n2,1\n",
            &["big.csv:2:1", "too large for f32", "--precision f64"],
        ),
        (
            // Below f32's smallest normal number a value would silently lose digits or be 0.
            "tiny.csv",
            "a,label\n1e-40,0\n2,1\n",
            &["tiny.csv:2:1", "too small for f32", "--precision f64"],
        ),
    ];
    for (name, body, needles) in cases {
        let path = dir.file(name, body);
        let out = dir.run(&["train", path.to_str().unwrap(), "-o", "m.json"]);
        assert_fails(&out, 1, needles);
        assert!(!dir.path("m.json").exists(), "{name} left a model");
    }
    let path = dir.file("ok.csv", SMALL);
    let out = dir.run(&[
        "train",
        path.to_str().unwrap(),
        "-o",
        "m.json",
        "--target",
        "nope",
    ]);
    assert_fails(&out, 1, &["no column named \"nope\"", "x1, x2, label"]);
}

#[test]
fn failing_train_leaves_an_existing_model_untouched() {
    let dir = Dir::new();
    let model = train_small(&dir);
    let before = std::fs::read(&model).unwrap();
    let bad = dir.file("bad.csv", "x1,x2,label\n1,2,0\n3,oops,1\n");
    let out = dir.run(&[
        "train",
        bad.to_str().unwrap(),
        "-o",
        model.to_str().unwrap(),
    ]);
    assert_fails(&out, 1, &["bad.csv:3:2"]);
    // A diverging fit is a failure too, and must not overwrite the model either.
    let data = dir.file("small.csv", SMALL);
    let out = dir.run(&[
        "train",
        data.to_str().unwrap(),
        "-o",
        model.to_str().unwrap(),
        "--solver",
        "gd",
        "--learning-rate",
        "1e6",
        "--no-standardize",
        "--l2",
        "1",
    ]);
    assert_fails(&out, 1, &["diverged", "learning rate 1000000"]);
    assert_eq!(std::fs::read(&model).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.root())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn bad_model_files_and_mismatched_features() {
    let dir = Dir::new();
    let model = train_small(&dir);
    let good = std::fs::read_to_string(&model).unwrap();
    let data = dir.file("small.csv", SMALL);
    let d = data.to_str().unwrap();

    dir.file("truncated.json", &good[..good.len() / 2]);
    assert_fails(
        &dir.run(&["predict", "truncated.json", d]),
        1,
        &["truncated.json", "not a valid logreg model"],
    );

    dir.file(
        "v2.json",
        &good.replace("\"format_version\": 2", "\"format_version\": 4"),
    );
    assert_fails(
        &dir.run(&["eval", "v2.json", d]),
        1,
        &["v2.json", "version 4 is not supported"],
    );

    let other = dir.file("other.csv", "x1,x3,label\n1,2,0\n");
    assert_fails(
        &dir.run(&["predict", "model.json", other.to_str().unwrap()]),
        1,
        &["other.csv", "missing: x2", "not in the model: x3"],
    );
    let unknown = dir.file("unknown.csv", "x1,x2,label\n1,2,0\n1,2,7\n");
    assert_fails(
        &dir.run(&["eval", "model.json", unknown.to_str().unwrap()]),
        1,
        &["unknown.csv:3:3", "label \"7\""],
    );
    assert_fails(
        &dir.run(&["explain", "model.json", d, "--row", "9"]),
        1,
        &["row 9 does not exist", "8 data rows"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = Dir::new();
    assert_fails(&dir.run(&["train"]), 2, &["Usage"]);
    assert_fails(
        &dir.run(&["train", "x.csv", "-o", "m.json", "--l2", "1", "--c", "1"]),
        2,
        &["--c"],
    );
    assert_fails(&dir.run(&["frobnicate"]), 2, &["unrecognized subcommand"]);
    // Found after parsing, by logreg or by the library: still exit 2, in logreg's words (a
    // negative number is a value, not clap's "did you mean -- -1").
    let train = |extra: &[&str]| dir.run_with(&["train", BREAST_CANCER, "-o", "m.json"], extra);
    for (extra, needle) in [
        (&["--l2", "-1"][..], "invalid l2 -1"),
        (&["--c", "-1"], "--c must be a positive number"),
        (&["--tol", "-1"], "invalid tol -1"),
        (&["--learning-rate", "-0.5"], "invalid learning rate"),
        (
            &["--validation-fraction", "1.5"],
            "invalid validation fraction 1.5",
        ),
        (&["--patience", "3"], "--patience needs a validation set"),
    ] {
        assert_fails(&train(extra), 2, &[needle]);
    }
    assert!(!dir.path("m.json").exists());
    let model = train_small(&dir);
    let model = model.to_str().unwrap();
    for sub in ["eval", "report"] {
        let mut args = vec![sub, model, BREAST_CANCER, "--threshold", "-0.5"];
        if sub == "report" {
            args.extend_from_slice(&["-o", "r.html"]);
        }
        assert_fails(&dir.run(&args), 2, &["--threshold must be between 0 and 1"]);
    }
    assert_fails(
        &dir.run(&["demo", "--test-fraction", "-1"]),
        2,
        &["invalid"],
    );
}

#[test]
fn a_closed_stderr_is_not_a_panic() {
    // `logreg train … --log-every 1 2>&1 | head -1`: every later line meets a closed pipe.
    let dir = Dir::new();
    let mut child = logreg(dir.root())
        .args([
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--solver",
            "gd",
            "--log-every",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "a closed stderr made it exit {status}"
    );
    assert!(dir.path("m.json").exists());
}

#[test]
fn thousands_of_threads_are_capped() {
    let dir = Dir::new();
    let out = dir.run(&[
        "--threads",
        "100000",
        "train",
        BREAST_CANCER,
        "-o",
        "m.json",
        "--quiet",
    ]);
    ok(&out);
    assert!(
        text(&out.stderr).contains("more than 256; using 256"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn labels_in_other_spellings_and_a_chosen_positive_class() {
    let dir = Dir::new();
    let data = dir.file("pm.csv", "a,label\n-1,-1\n-2,-1\n1,+1\n2,+1\n");
    ok(&dir.run(&["train", data.to_str().unwrap(), "-o", "m.json", "--quiet"]));
    let p = ok(&dir.run(&["predict", "m.json", data.to_str().unwrap()]));
    assert_eq!(p, "prediction\n-1\n-1\n+1\n+1\n");
    let data = dir.file("tf.csv", "a,y\n-1,yes\n-2,yes\n1,no\n2,no\n");
    ok(&dir.run(&[
        "train",
        data.to_str().unwrap(),
        "-o",
        "m.json",
        "--quiet",
        "--positive",
        "no",
    ]));
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("m.json")).unwrap()).unwrap();
    assert_eq!(model["classes"][1], "no");
    assert!(
        model["weights"][0][0].as_f64().unwrap() > 0.0,
        "a is larger for the positive class"
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = Dir::new();
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "-o",
        "m.json",
        "--quiet",
        "--max-iterations",
        "10",
    ]));
    // Make the output large enough to overflow the pipe buffer before we close it.
    let big: String = std::iter::once(std::fs::read_to_string(BREAST_CANCER).unwrap())
        .chain((0..40).map(|_| {
            let t = std::fs::read_to_string(BREAST_CANCER).unwrap();
            t.split_once('\n').unwrap().1.to_owned()
        }))
        .collect();
    let path: &Path = &dir.file("big.csv", &big);
    let out = run_into_closed_pipe(
        &dir,
        &["predict", "m.json", path.to_str().unwrap(), "--proba"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn demo_runs_and_reaches_the_accuracy_target() {
    let out = Dir::new().run(&["demo"]);
    let stdout = ok(&out);
    assert!(stdout.contains("iteration 0: cost 0.693147"));
    assert!(stdout.contains("iteration 2000: cost"));
    let accuracy: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("accuracy"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(accuracy >= 0.95, "held-out accuracy {accuracy}");
}

#[test]
fn every_solver_from_the_command_line_and_strict_mode() {
    let dir = Dir::new();
    for solver in ["auto", "newton", "lbfgs"] {
        let out = dir.run(&[
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--solver",
            solver,
            "--json",
        ]);
        let report: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
        assert_eq!(report["report"]["termination"], "converged", "{solver}");
        assert!(report["report"]["evaluations"]["passes"].as_u64().unwrap() > 0);
    }
    // Not converging is a warning, or with --strict an error that writes nothing.
    let out = dir.run(&[
        "train",
        BREAST_CANCER,
        "-o",
        "limit.json",
        "--solver",
        "lbfgs",
        "--max-iterations",
        "2",
    ]);
    ok(&out);
    assert!(text(&out.stderr).contains("iteration limit"));
    let out = dir.run(&[
        "train",
        BREAST_CANCER,
        "-o",
        "strict.json",
        "--max-iterations",
        "2",
        "--strict",
    ]);
    assert_fails(&out, 1, &["iteration limit", "--strict"]);
    assert!(!dir.path("strict.json").exists());
    // Separable classes without a penalty: stopped with a diagnosis instead of running forever.
    let out = dir.run(&["train", BREAST_CANCER, "-o", "sep.json", "--l2", "0"]);
    ok(&out);
    assert!(
        text(&out.stderr).contains("completely separated"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn model_files_are_readable_by_others_like_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let model = train_small(&dir);
    let mode = std::fs::metadata(&model).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

#[test]
fn demo_into_a_closed_pipe_exits_cleanly() {
    let dir = Dir::new();
    let out = run_into_closed_pipe(&dir, &["demo"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("panicked"));
}

/// The endometrial data (brglm2; Heinze & Schemper 2002): quasi-completely separated by NV.
const ENDOMETRIAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/corpus/endometrial.csv"
);

#[test]
fn separation_is_diagnosed_exactly_and_never_blamed_on_the_iteration_limit() {
    let dir = Dir::new();
    // Quasi-complete: 13 of 79 rows (every NV = 1 row has HG = 1) are predicted perfectly.
    let out = dir.run(&[
        "train",
        ENDOMETRIAL,
        "-o",
        "q.json",
        "--target",
        "HG",
        "--l2",
        "0",
    ]);
    ok(&out);
    let err = text(&out.stderr);
    for needle in ["quasi-completely separated", "13 of 79 rows", "NV"] {
        assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    }
    assert!(!err.contains("--max-iterations"), "{err}");
    let out = dir.run(&[
        "train",
        ENDOMETRIAL,
        "-o",
        "q.json",
        "--target",
        "HG",
        "--l2",
        "0",
        "--json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(json["report"]["termination"], "quasi_separable");
    assert_eq!(json["report"]["separation"]["rows_separated"], 13);
    let out = dir.run(&[
        "train",
        ENDOMETRIAL,
        "-o",
        "strict.json",
        "--target",
        "HG",
        "--l2",
        "0",
        "--strict",
    ]);
    assert_fails(&out, 1, &["quasi-completely separated", "--strict"]);
    assert!(!dir.path("strict.json").exists());
    // Complete, on the raw scale too, by every solver.
    for solver in ["auto", "newton", "lbfgs", "gd"] {
        let out = dir.run(&[
            "train",
            BREAST_CANCER,
            "-o",
            "c.json",
            "--l2",
            "0",
            "--no-standardize",
            "--solver",
            solver,
        ]);
        ok(&out);
        let err = text(&out.stderr);
        assert!(err.contains("completely separated"), "{solver}: {err}");
        assert!(!err.contains("--max-iterations"), "{solver}: {err}");
    }
    // With a penalty the optimum exists: no diagnosis.
    let out = dir.run(&[
        "train",
        ENDOMETRIAL,
        "-o",
        "p.json",
        "--target",
        "HG",
        "--l2",
        "1e-4",
    ]);
    assert!(
        !text(&out.stderr).contains("separated"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_summary_states_the_certified_gap() {
    let dir = Dir::new();
    let out = dir.run(&["train", BREAST_CANCER, "-o", "m.json", "--quiet", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    let bound = json["report"]["gap_bound"].as_f64().unwrap();
    assert!(bound <= 1e-12, "{bound}");
    let out = dir.run(&["train", BREAST_CANCER, "-o", "m.json"]);
    assert!(ok(&out).contains("relative gap to the optimum ≤"));
}

#[test]
fn messages_say_each_thing_once() {
    let dir = Dir::new();
    // The OS error once, not once for the file and again as its cause.
    let out = dir.run(&["train", "nope.csv", "-o", "m.json"]);
    assert_fails(&out, 1, &["nope.csv"]);
    let err = text(&out.stderr);
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
    // --strict turns the warning into an error: "error: warning: …" no more.
    let out = dir.run(&[
        "train",
        BREAST_CANCER,
        "-o",
        "m.json",
        "--max-iterations",
        "1",
        "--strict",
    ]);
    assert_fails(&out, 1, &["logreg: error: ", "iteration limit"]);
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn spellings_of_one_number_are_one_class() {
    let dir = Dir::new();
    // "1" and "1.0" are one class: a single class is an error, not a model of all-ones.
    let one = dir.file("one.csv", "a,label\n1,1\n2,1.0\n3,1\n");
    assert_fails(
        &dir.run(&["train", one.to_str().unwrap(), "-o", "m.json"]),
        1,
        &["every row has the label"],
    );
    // 0, -0, 1 and 1.0 are two classes, not "a third class".
    let two = dir.file("two.csv", "a,label\n1,0\n2,1\n3,1.0\n4,-0\n5,1\n6,0\n");
    ok(&dir.run(&["train", two.to_str().unwrap(), "-o", "m.json", "--quiet"]));
}

#[test]
fn splits_that_leave_nothing_to_learn_or_measure_are_usage_errors() {
    let dir = Dir::new();
    let six = dir.file("six.csv", "a,label\n1,0\n2,0\n3,0\n4,1\n5,1\n6,1\n");
    let six = six.to_str().unwrap();
    let run = |extra: &[&str]| dir.run_with(&["train", six, "-o", "m.json"], extra);
    assert_fails(
        &run(&["--validation-fraction", "0.9"]),
        2,
        &["leaves a class out of the training rows"],
    );
    assert_fails(
        &run(&["--validation-fraction", "0.1"]),
        2,
        &["holds out no row"],
    );
    assert_fails(
        &run(&["--validation-fraction", "0.4", "--patience", "0"]),
        2,
        &["--patience"],
    );
    assert!(!dir.path("m.json").exists());
    assert_fails(
        &dir.run(&["demo", "--test-fraction", "0.999"]),
        2,
        &["leaves a class out"],
    );
}

#[test]
fn a_folder_as_data_and_a_key_given_twice_are_named() {
    let dir = Dir::new();
    std::fs::create_dir(dir.path("folder")).unwrap();
    assert_fails(
        &dir.run(&["train", "folder", "-o", "m.json"]),
        1,
        &["folder: is a folder, not a data file"],
    );
    // A model file with "bias" twice is refused, not read with the last value.
    let model = train_small(&dir);
    let text = std::fs::read_to_string(&model).unwrap();
    let doubled = text.replacen("\"bias\":", "\"bias\": [5.0],\n  \"bias\":", 1);
    let twice = dir.file("twice.json", &doubled);
    let data = dir.file("small.csv", SMALL);
    assert_fails(
        &dir.run(&["predict", twice.to_str().unwrap(), data.to_str().unwrap()]),
        1,
        &["duplicate field `bias`"],
    );
}

#[test]
fn a_large_model_file_is_parsed_as_it_is_read_with_the_same_checks() {
    // Over 16 MiB, the file is parsed from the reader rather than from a copy of its text (a
    // 125 MB file with an unknown array once took 1.66 GB): same model, same duplicate check.
    let dir = Dir::new();
    let model = train_small(&dir);
    let original = std::fs::read_to_string(&model).unwrap();
    let padding = format!("\"padding\": [{}0],\n  ", "0,".repeat(9_000_000));
    let large = dir.file(
        "large.json",
        &original.replacen("\"bias\":", &format!("{padding}\"bias\":"), 1),
    );
    assert!(std::fs::metadata(&large).unwrap().len() > 16 << 20);
    let data = dir.file("small.csv", SMALL);
    let (d, m, l) = (
        data.to_str().unwrap(),
        model.to_str().unwrap(),
        large.to_str().unwrap(),
    );
    let small_out = dir.run(&["predict", m, d, "--proba"]);
    let large_out = dir.run(&["predict", l, d, "--proba"]);
    assert!(large_out.status.success(), "{}", text(&large_out.stderr));
    assert_eq!(small_out.stdout, large_out.stdout);
    let doubled = std::fs::read_to_string(&large).unwrap().replacen(
        "\"bias\":",
        "\"bias\": [5.0],\n  \"bias\":",
        1,
    );
    let twice = dir.file("large-twice.json", &doubled);
    assert_fails(
        &dir.run(&["predict", twice.to_str().unwrap(), d]),
        1,
        &["duplicate field `bias`"],
    );
}

#[test]
fn long_names_cells_and_lists_are_cut_to_a_readable_length() {
    let dir = Dir::new();
    // A 100 kB cell is quoted in 80 characters, not in full.
    let cell = format!("a,label\n2,0\n{},1\n", "x".repeat(100_000));
    let big = dir.file("big.csv", &cell);
    let out = dir.run(&["train", big.to_str().unwrap(), "-o", "m.json"]);
    assert_fails(&out, 1, &["cannot read", "…"]);
    assert!(
        out.stderr.len() < 1_000,
        "{} bytes of stderr",
        out.stderr.len()
    );
    // A model of 5,000 features against a file without them: ten names, then a count.
    let n = 5_000;
    let header: Vec<String> = (0..n).map(|j| format!("c{j}")).collect();
    let rows: Vec<String> = (0..4)
        .map(|i| format!("{},{}", vec!["1"; n].join(","), i % 2))
        .collect();
    let wide = dir.file(
        "wide.csv",
        &format!("{},label\n{}\n", header.join(","), rows.join("\n")),
    );
    ok(&dir.run(&[
        "train",
        wide.to_str().unwrap(),
        "-o",
        "wide.json",
        "--quiet",
    ]));
    let out = dir.run(&["predict", "wide.json", BREAST_CANCER]);
    assert_fails(&out, 1, &["missing: c0, c1", "and 4990 more"]);
    assert!(
        out.stderr.len() < 2_000,
        "{} bytes of stderr",
        out.stderr.len()
    );
    // A name given twice: both positions.
    let twice = dir.file("twice.csv", "a,b,a,label\n1,2,3,0\n");
    assert_fails(
        &dir.run(&["train", twice.to_str().unwrap(), "-o", "m.json"]),
        1,
        &["appears twice in the header (columns 1 and 3)"],
    );
}

#[test]
fn tiny_files_cannot_make_logreg_allocate_gigabytes() {
    let dir = Dir::new();
    // Index 2³² − 1 in a 20-byte file: over the feature limit, named, before any allocation.
    let svm = dir.file("x.svm", "1 4294967295:1\n0 1:1\n");
    assert_fails(
        &dir.run(&["train", svm.to_str().unwrap(), "-o", "m.json"]),
        1,
        &["x.svm:1:3", "above the limit of 67108864 features"],
    );
    // 20,000 header names over rows of one field: the short row is reported before the
    // 20,000 × rows matrix is allocated.
    let header: Vec<String> = (0..20_000).map(|j| format!("c{j}")).collect();
    let csv = dir.file(
        "bomb.csv",
        &format!("{}\n{}", header.join(","), "1\n".repeat(100_000)),
    );
    assert_fails(
        &dir.run(&["train", csv.to_str().unwrap(), "-o", "m.json"]),
        1,
        &["bomb.csv:2:2", "row has 1 fields but the header has 20000"],
    );
    assert_fails(
        &dir.run(&[
            "generate",
            "--rows",
            "10",
            "--features",
            "2305843009213693952",
            "-o",
            "g.csv",
        ]),
        2,
        &["invalid features"],
    );
}

#[cfg(unix)]
#[test]
fn outputs_go_through_links_and_devices_and_respect_the_umask() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let dir = Dir::new();
    // A link to a file: the file gets the model, the link stays a link.
    std::fs::write(dir.path("real.json"), "old").unwrap();
    std::os::unix::fs::symlink(dir.path("real.json"), dir.path("link.json")).unwrap();
    ok(&dir.run(&["train", BREAST_CANCER, "-o", "link.json", "--quiet"]));
    assert!(
        std::fs::symlink_metadata(dir.path("link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(dir.path("real.json"))
            .unwrap()
            .contains("logreg-model")
    );
    // A link to /dev/null: written through; neither the link nor the device is replaced.
    std::os::unix::fs::symlink("/dev/null", dir.path("null")).unwrap();
    ok(&dir.run(&["train", BREAST_CANCER, "-o", "null", "--quiet"]));
    ok(&dir.run(&["generate", "--rows", "5", "--features", "2", "-o", "null"]));
    assert!(
        std::fs::symlink_metadata(dir.path("null"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    // Under umask 077 a new model is private.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 077 && exec '{}' train '{BREAST_CANCER}' -o private.json --quiet",
            env!("CARGO_BIN_EXE_logreg")
        ))
        .current_dir(dir.root())
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(dir.path("private.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

#[test]
fn a_constant_large_column_gets_weight_zero_and_prediction_sees_what_training_saw() {
    // a = 1.7e12 in every row (1700000038912 once stored in f32), x predictive.
    let dir = Dir::new();
    let mut text = String::from("a,x,label\n");
    for i in 0..200 {
        let x = ((i * 37) % 200) as f64 / 50.0 - 2.0;
        let noise = ((i * 91) % 13) as f64 / 6.5 - 1.0;
        text += &format!("1700000000000,{x},{}\n", u8::from(x + noise > 0.0));
    }
    let data = dir.file("constant.csv", &text);
    let data = data.to_str().unwrap();
    for extra in [&[][..], &["--no-standardize"]] {
        let out = dir.run_with(&["train", data, "-o", "m.json", "--quiet"], extra);
        ok(&out);
        assert!(text_of(&out).is_empty(), "{}", text_of(&out));
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path("m.json")).unwrap()).unwrap();
        assert_eq!(model["weights"][0][0], 0.0, "{extra:?}");
        // (Before, the bias went to −9e9 to cancel the constant column's rounded weight.)
        assert!(
            model["bias"][0].as_f64().unwrap().abs() < 1e3,
            "{extra:?}: {}",
            model["bias"]
        );
        let eval: serde_json::Value =
            serde_json::from_str(&ok(&dir.run(&["eval", "m.json", data, "--json"]))).unwrap();
        assert!(
            eval["accuracy"].as_f64().unwrap() > 0.7,
            "{extra:?}: {eval}"
        );
    }
}

fn text_of(out: &std::process::Output) -> String {
    text(&out.stderr)
}

#[test]
fn a_history_value_below_the_smallest_normal_does_not_hang_the_report() {
    // The log axis's decade underflowed to 0 and its tick loop never ended.
    let dir = Dir::new();
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "-o",
        "m.json",
        "--plot",
        "plots",
        "--quiet",
    ]));
    let fit = std::fs::read_to_string(dir.path("plots/fit.json")).unwrap();
    let mut fit: serde_json::Value = serde_json::from_str(&fit).unwrap();
    let history = fit["report"]["history"].as_array_mut().unwrap();
    *history.last_mut().unwrap() = serde_json::json!(1e-320);
    dir.file("tiny.json", &fit.to_string());
    ok(&dir.run(&[
        "report",
        "m.json",
        BREAST_CANCER,
        "-o",
        "r.html",
        "--fit",
        "tiny.json",
    ]));
    assert!(dir.path("r.html").exists());
}

#[test]
fn weights_near_the_largest_f64_do_not_hang_the_plots() {
    // max |w·s| × 1.1 overflowed the axis to ±∞, and the tick search never ended.
    let dir = Dir::new();
    ok(&dir.run(&["train", BREAST_CANCER, "-o", "m.json", "--quiet"]));
    let text = std::fs::read_to_string(dir.path("m.json")).unwrap();
    let mut model: serde_json::Value = serde_json::from_str(&text).unwrap();
    let scale = model["standardization"]["scale"][0].as_f64().unwrap();
    model["weights"][0][0] = serde_json::json!(1.7e308 / scale);
    dir.file("huge.json", &model.to_string());
    ok(&dir.run(&["eval", "huge.json", BREAST_CANCER, "--plot", "plots"]));
    assert!(dir.path("plots/weights.svg").exists());
}

#[test]
fn quoted_fields_follow_rfc_4180() {
    let dir = Dir::new();
    // Text after a closing quote was dropped: `"1" 9` read as 1.
    for (name, body, needles) in [
        (
            "after.csv",
            "a,b,label\n0,1,0\n\"1\" 9,2,0\n3,1,1\n",
            &["after.csv:3:1: text after a closing quote"][..],
        ),
        (
            "glued.csv",
            "a,b,label\n0,1,0\n3,\"1\"x,1\n",
            &["glued.csv:3:2: text after a closing quote"],
        ),
        (
            "header.csv",
            "a,\"b\"c,label\n0,1,0\n3,1,1\n",
            &["header.csv:1:2: text after a closing quote in the header"],
        ),
    ] {
        let path = dir.file(name, body);
        assert_fails(
            &dir.run(&["train", path.to_str().unwrap(), "-o", "m.json"]),
            1,
            needles,
        );
    }
    // A doubled quote in a quoted name is one quote, as in the label values; spaces around
    // the quotes are trimmed.
    let data = dir.file(
        "quoted.csv",
        "\"b\"\"q\",label\n 0 ,\"say \"\"no\"\"\"\n\"1\" ,yes\n0,\"say \"\"no\"\"\" \n1,yes\n",
    );
    ok(&dir.run(&["train", data.to_str().unwrap(), "-o", "m.json", "--quiet"]));
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("m.json")).unwrap()).unwrap();
    let model = model.to_string();
    assert!(model.contains(r#"["b\"q"]"#), "{model}");
    assert!(model.contains(r#"["say \"no\"","yes"]"#), "{model}");
}

#[test]
fn line_endings_crlf_is_read_and_bare_cr_is_named() {
    let dir = Dir::new();
    let crlf = dir.file("dos.csv", &SMALL.replace('\n', "\r\n"));
    let plain = dir.file("unix.csv", SMALL);
    ok(&dir.run(&["train", crlf.to_str().unwrap(), "-o", "dos.json", "--quiet"]));
    ok(&dir.run(&[
        "train",
        plain.to_str().unwrap(),
        "-o",
        "unix.json",
        "--quiet",
    ]));
    let read = |name: &str| std::fs::read_to_string(dir.path(name)).unwrap();
    // The same model, but for the name of its training file.
    assert_eq!(
        read("dos.json").replace("dos.csv", "unix.csv"),
        read("unix.json")
    );
    assert!(read("dos.json").contains(&format!("\"data\": {:?}", crlf.to_str().unwrap())));
    let eval = ok(&dir.run(&["eval", "dos.json", crlf.to_str().unwrap(), "--json"]));
    assert!(
        eval.contains("\"rows\":8") || eval.contains("\"rows\": 8"),
        "{eval}"
    );

    let mac = dir.file("mac.csv", &SMALL.replace('\n', "\r"));
    assert_fails(
        &dir.run(&["train", mac.to_str().unwrap(), "-o", "m.json"]),
        1,
        &[
            "mac.csv:1:3: lines end in a bare carriage return (CR)",
            "convert the file to LF or CRLF line endings",
        ],
    );
}

#[test]
fn labels_that_are_not_utf8_are_read_lossily_and_named_on_their_line() {
    let dir = Dir::new();
    // 2,400 rows labelled "a" or 0xFF, which is not UTF-8: each bad row used to count as a new
    // value, past the 1,001 a chunk tracks, and the error named line 1 and "(one of many)".
    let mut body = b"x,label\n".to_vec();
    for i in 0..2400 {
        body.extend_from_slice(format!("{},", i % 7).as_bytes());
        body.extend_from_slice(if i % 2 == 0 { b"a" } else { b"\xff" });
        body.push(b'\n');
    }
    std::fs::write(dir.path("bytes.csv"), &body).unwrap();
    ok(&dir.run(&["train", "bytes.csv", "-o", "m.json", "--quiet"]));
    let model = std::fs::read_to_string(dir.path("m.json")).unwrap();
    assert!(model.contains("\u{FFFD}"), "{model}");
    let eval = ok(&dir.run(&["eval", "m.json", "bytes.csv", "--json"]));
    assert!(eval.contains("2400"), "{eval}");

    // A model without that class names the row, with the value read lossily and cut.
    let ab = dir.file("ab.csv", "x,label\n0,a\n1,b\n0,b\n1,a\n2,b\n");
    ok(&dir.run(&["train", ab.to_str().unwrap(), "-o", "ab.json", "--quiet"]));
    let mut body = b"x,label\n1,a\n2,b\n2,".to_vec();
    body.extend_from_slice(&[b'z'; 100]);
    body.extend_from_slice(b"\xfe\n");
    std::fs::write(dir.path("unknown.csv"), &body).unwrap();
    let shown = format!("label \"{}…\"", "z".repeat(80));
    assert_fails(
        &dir.run(&["eval", "ab.json", "unknown.csv"]),
        1,
        &[
            "unknown.csv:4:2: ",
            &shown,
            "is not one of the model's classes (a, b)",
        ],
    );
    // A value past the 1,001 a chunk tracks is named on its line too (it was line 1 and
    // "(one of many)"): here 1,001 spellings of 1, then a 0.
    let numbers = dir.file("01.csv", "x,label\n0,0\n1,1\n0,1\n1,0\n2,1\n");
    ok(&dir.run(&[
        "train",
        numbers.to_str().unwrap(),
        "-o",
        "01.json",
        "--quiet",
    ]));
    let spellings: String = std::iter::once("x,label\n".to_string())
        .chain((0..1001).map(|k| format!("1,1.{}\n", "0".repeat(k))))
        .chain(["2,0\n".to_string()])
        .collect();
    let spellings = dir.file("spellings.csv", &spellings);
    assert_fails(
        &dir.run(&["eval", "01.json", spellings.to_str().unwrap()]),
        1,
        &["spellings.csv:1003:2: the target has more than 1000 distinct values (here \"0\")"],
    );
    // Training names the target's own column (it said column 1 whatever the target was).
    assert_fails(
        &dir.run(&["train", spellings.to_str().unwrap(), "-o", "sp.json"]),
        1,
        &["spellings.csv:1003:2: the target has more than 1000 distinct values (here \"0\")"],
    );
    // ... and an unknown one among 1,200 rows, past a chunk's first 1,001.
    let mut body = b"x,label\n".to_vec();
    for i in 0..1200 {
        body.extend_from_slice(format!("{},", i % 7).as_bytes());
        body.extend_from_slice(if i == 1100 { b"b\xff" } else { b"a" });
        body.push(b'\n');
    }
    std::fs::write(dir.path("late.csv"), &body).unwrap();
    assert_fails(
        &dir.run(&["eval", "ab.json", "late.csv"]),
        1,
        &["late.csv:1102:2: label \"b\u{FFFD}\" is not one of the model's classes"],
    );
}

#[test]
fn semicolons_tabs_and_pipes_are_told_from_the_header() {
    // Each once needed `tr` first: `a;b;label` was one column named "a;b;label".
    let dir = Dir::new();
    let text = std::fs::read_to_string(BREAST_CANCER).unwrap();
    let model = |name: &str, text: &str| {
        let path = dir.file(name, text);
        let out = format!("{name}.json");
        ok(&dir.run(&[
            "train",
            path.to_str().unwrap(),
            "--target",
            "diagnosis",
            "-o",
            &out,
            "-q",
        ]));
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path(&out)).unwrap()).unwrap();
        (m["weights"].clone(), m["bias"].clone())
    };
    let comma = model("comma.csv", &text);
    for (name, delimiter) in [("semi.csv", ";"), ("tab.tsv", "\t"), ("pipe.csv", "|")] {
        assert_eq!(model(name, &text.replace(',', delimiter)), comma, "{name}");
    }
}

#[test]
fn a_dash_reads_standard_input_plain_or_gzip() {
    use std::io::Write;
    let dir = Dir::new();
    let text = std::fs::read(BREAST_CANCER).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let piped = |args: &[&str], input: &[u8]| {
        let mut child = logreg(dir.root())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // (A command that fails before reading closes the pipe early.)
        let _ = child.stdin.take().unwrap().write_all(input);
        child.wait_with_output().unwrap()
    };
    let train = ["train", "-", "--target", "diagnosis", "-q", "-o"];
    ok(&piped(&[&train[..], &["plain.json"]].concat(), &text));
    ok(&piped(&[&train[..], &["gzip.json"]].concat(), &gz));
    ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "-q",
        "-o",
        "file.json",
    ]));
    let weights = |name: &str| {
        let m: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path(name)).unwrap()).unwrap();
        m["weights"].clone()
    };
    assert_eq!(weights("plain.json"), weights("file.json"));
    assert_eq!(weights("gzip.json"), weights("file.json"));
    // predict and eval read `-` too; a bad row is named on "(standard input)".
    let from_pipe = ok(&piped(&["predict", "file.json", "-"], &gz));
    let from_file = ok(&dir.run(&["predict", "file.json", BREAST_CANCER]));
    assert_eq!(from_pipe, from_file);
    let bad = piped(&["train", "-", "-o", "bad.json"], b"a,label\n1,0\nx,1\n");
    assert_fails(&bad, 1, &["(standard input):3:1"]);
    // eval's weights take a second pass, which a pipe cannot give: a usage error, not a
    // confusing "no data rows".
    let weighted = piped(&["eval", "file.json", "-", "--sample-weight", "w"], &text);
    assert_fails(&weighted, 2, &["standard input can be read only once"]);
}

#[test]
fn ignore_and_features_choose_the_columns_and_predict_accepts_the_ignored_ones() {
    let dir = Dir::new();
    let rows: String = (0..40)
        .map(|i| {
            let a = (i % 7) as f64 / 7.0;
            let b = (i % 5) as f64;
            format!(
                "{i},2024-01-{:02},{a},{b},{}\n",
                i % 28 + 1,
                (i * 3 % 4 < 2) as u8
            )
        })
        .collect();
    let data = dir.file("t.csv", &format!("id,date,a,b,label\n{rows}"));
    let d = data.to_str().unwrap();
    // The date is text: as a feature it is categorical, one level per date.
    ok(&dir.run(&["train", d, "-o", "all.json", "-q"]));
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("all.json")).unwrap()).unwrap();
    let names = all["feature_names"].as_array().unwrap();
    assert_eq!(names.len(), 3 + 28, "{names:?}");
    assert_eq!(names[3], "date=2024-01-01");
    ok(&dir.run(&["train", d, "--ignore", "id,date", "-o", "ig.json", "-q"]));
    let model = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.path(name)).unwrap()).unwrap()
    };
    let ig = model("ig.json");
    assert_eq!(ig["feature_names"], serde_json::json!(["a", "b"]));
    assert_eq!(ig["ignored"], serde_json::json!(["id", "date"]));
    // --features in its own order; the rest is ignored.
    ok(&dir.run(&["train", d, "--features", "b,a", "-o", "ft.json", "-q"]));
    let ft = model("ft.json");
    assert_eq!(ft["feature_names"], serde_json::json!(["b", "a"]));
    assert_eq!(ft["ignored"], serde_json::json!(["id", "date"]));
    // predict takes the file with or without the ignored columns, not with unknown ones.
    let with = ok(&dir.run(&["predict", "ig.json", d]));
    let bare: String = std::fs::read_to_string(&data)
        .unwrap()
        .lines()
        .map(|l| l.splitn(3, ',').nth(2).unwrap().to_owned() + "\n")
        .collect();
    let bare = dir.file("bare.csv", &bare);
    assert_eq!(
        ok(&dir.run(&["predict", "ig.json", bare.to_str().unwrap()])),
        with
    );
    let extra = dir.file("extra.csv", "zzz,a,b,label\n1,0.5,1,0\n");
    assert_fails(
        &dir.run(&["predict", "ig.json", extra.to_str().unwrap()]),
        1,
        &["not in the model: zzz"],
    );
    // Names that are not columns, or not features.
    assert_fails(
        &dir.run(&["train", d, "--features", "a,nope", "-o", "x.json"]),
        1,
        &["no column named \"nope\"", "id, date, a, b, label"],
    );
    assert_fails(
        &dir.run(&["train", d, "--features", "a,label", "-o", "x.json"]),
        2,
        &["label", "is the target or the weight column"],
    );
    // LIBSVM: --ignore takes feature indices, --features nothing.
    assert_fails(
        &dir.run(&["train", common::HEART, "--features", "3", "-o", "x.json"]),
        2,
        &["LIBSVM files have none", "--ignore 3,7"],
    );
    assert_fails(
        &dir.run(&["train", common::HEART, "--ignore", "age", "-o", "x.json"]),
        2,
        &["not a feature index"],
    );
    assert!(!dir.path("x.json").exists());
    ok(&dir.run(&[
        "train",
        common::HEART,
        "--ignore",
        "3",
        "-o",
        "x.json",
        "-q",
    ]));
}

#[test]
fn log_every_0_prints_nothing_and_checks_every_100_iterations() {
    // "0: never print" once also meant a validation check at every iteration.
    let dir = Dir::new();
    let out = ok(&dir.run(&[
        "train",
        BREAST_CANCER,
        "--target",
        "diagnosis",
        "--solver",
        "gd",
        "--max-iterations",
        "250",
        "--validation-fraction",
        "0.2",
        "--log-every",
        "0",
        "--json",
        "-o",
        "m.json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let at: Vec<u64> = report["validation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["iteration"].as_u64().unwrap())
        .collect();
    assert_eq!(at, [0, 100, 200, 250]);
}
