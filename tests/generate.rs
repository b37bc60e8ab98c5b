//! `logreg generate` through the real binary: deterministic per seed, readable by `train`,
//! bad arguments rejected.

use std::path::Path;
use std::process::{Command, Output};

fn logreg(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_logreg"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the logreg binary runs")
}

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
        let run = logreg(&gen_args(out, seed), dir.path());
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert_eq!(read("a.csv"), read("b.csv"));
    assert_ne!(read("a.csv"), read("c.csv"));

    let train = logreg(
        &[
            "train",
            "a.csv",
            "-o",
            "m.json",
            "--quiet",
            "--json",
            "--no-standardize",
        ],
        dir.path(),
    );
    assert!(
        train.status.success(),
        "{}",
        String::from_utf8_lossy(&train.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&train.stdout).unwrap();
    assert_eq!(json["rows"], 3000);
    assert_eq!(json["features"], 5);
}

#[test]
fn sparse_output_is_libsvm_and_truth_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = logreg(
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
        dir.path(),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
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
    let bad_density = logreg(
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
        dir.path(),
    );
    assert_eq!(bad_density.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_density.stderr).contains("density"));
    let missing_rows = logreg(&["generate", "--features", "2", "-o", "x.csv"], dir.path());
    assert_eq!(missing_rows.status.code(), Some(2));
    assert!(!dir.path().join("x.csv").exists());
}
