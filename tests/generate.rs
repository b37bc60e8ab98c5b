//! `logreg generate` through the real binary: deterministic per seed, readable by `train`,
//! bad arguments rejected.

mod common;

use common::{assert_fails, run, run_ok};

#[test]
fn same_seed_same_file_and_train_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let gen_args = |out: &'static str, seed: &'static str| {
        [
            "generate",
            "--rows",
            "3000",
            "--features",
            "5",
            "--seed",
            seed,
            "-o",
            out,
            "--quiet",
        ]
    };
    for (out, seed) in [("a.csv", "4"), ("b.csv", "4"), ("c.csv", "5")] {
        run_ok(dir.path(), &gen_args(out, seed));
    }
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(read("a.csv"), read("b.csv"));
    assert_ne!(read("a.csv"), read("c.csv"));

    let train = run_ok(
        dir.path(),
        &[
            "train",
            "a.csv",
            "-o",
            "m.json",
            "--quiet",
            "--json",
            "--no-standardize",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&train.stdout).unwrap();
    assert_eq!(json["rows"], 3000);
    assert_eq!(json["features"], 5);
}

#[test]
fn sparse_output_is_libsvm_and_truth_is_written() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        dir.path(),
        &[
            "generate",
            "--rows",
            "100",
            "--features",
            "50",
            "--density",
            "0.1",
            "-o",
            "s.svm",
            "--truth",
            "t.json",
            "--quiet",
        ],
    );
    let text = std::fs::read_to_string(dir.path().join("s.svm")).unwrap();
    assert_eq!(text.lines().count(), 100);
    assert!(
        text.lines()
            .all(|l| l.starts_with("+1 ") || l.starts_with("-1 "))
    );
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("t.json")).unwrap()).unwrap();
    assert_eq!(truth["model"]["weights"].as_array().unwrap().len(), 50);
}

#[test]
fn bad_arguments_fail_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let bad_density = run(
        dir.path(),
        &[
            "generate",
            "--rows",
            "10",
            "--features",
            "2",
            "--density",
            "0",
            "-o",
            "x.csv",
        ],
    );
    assert_fails(&bad_density, 2, &["density"]);
    let missing_rows = run(dir.path(), &["generate", "--features", "2", "-o", "x.csv"]);
    assert_fails(&missing_rows, 2, &[]);
    assert!(!dir.path().join("x.csv").exists());
}
