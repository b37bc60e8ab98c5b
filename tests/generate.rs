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

/// FNV-1a, 64 bits: a fingerprint of a file's bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[test]
fn existing_flags_write_the_bytes_they_always_did() {
    // Benchmarks keep generated files and compare runs on them. The hashes are of the files
    // `logreg generate` wrote at commit 2207a09, before --categorical, --missing and the
    // format-from-name rule (a name naming no format, like `d`, still follows the density).
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str, u64); 6] = [
        (
            &["--rows", "100", "--features", "3", "--seed", "1"],
            "d.csv",
            0xf5d7_2e96_c143_b5bf,
        ),
        (
            &["--rows", "100", "--features", "3", "--seed", "1"],
            "d",
            0xf5d7_2e96_c143_b5bf,
        ),
        (
            &[
                "--rows",
                "100",
                "--features",
                "30",
                "--density",
                "0.1",
                "--seed",
                "1",
            ],
            "s.svm",
            0x4056_ca46_3fad_2cd6,
        ),
        (
            &[
                "--rows",
                "100",
                "--features",
                "30",
                "--density",
                "0.1",
                "--seed",
                "1",
            ],
            "s",
            0x4056_ca46_3fad_2cd6,
        ),
        (
            &[
                "--rows",
                "300",
                "--features",
                "40",
                "--density",
                "0.1",
                "--classes",
                "3",
                "--seed",
                "2",
            ],
            "m.svm",
            0xaefc_3443_1a50_3201,
        ),
        (
            &[
                "--rows",
                "300",
                "--features",
                "3",
                "--classes",
                "3",
                "--seed",
                "2",
            ],
            "m.csv",
            0x20af_6464_0f58_b46a,
        ),
    ];
    for (flags, name, hash) in cases {
        let args = [&["generate", "-q", "-o", name], flags].concat();
        run_ok(dir.path(), &args);
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        assert_eq!(fnv1a(&bytes), hash, "logreg {args:?}");
    }
    run_ok(
        dir.path(),
        &[
            "generate",
            "--rows",
            "10",
            "--features",
            "3",
            "--seed",
            "3",
            "-o",
            "t.csv",
            "--truth",
            "t.json",
            "--quiet",
        ],
    );
    let truth = std::fs::read(dir.path().join("t.json")).unwrap();
    assert_eq!(fnv1a(&truth), 0x2e56_26e0_be57_b7cc);
}

#[test]
fn the_file_name_sets_the_format_and_a_mismatch_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let generate = |extra: &[&str]| {
        let args = [
            &["generate", "--rows", "50", "--features", "3", "--quiet"],
            extra,
        ]
        .concat();
        run(dir.path(), &args)
    };
    // Dense rows may be LIBSVM: every line is a ±1 label and up to three index:value pairs.
    assert!(generate(&["-o", "dense.svm"]).status.success());
    let text = std::fs::read_to_string(dir.path().join("dense.svm")).unwrap();
    assert_eq!(text.lines().count(), 50);
    for line in text.lines() {
        let mut fields = line.split(' ');
        assert!(matches!(fields.next(), Some("+1" | "-1")), "{line}");
        let indices: Vec<&str> = fields.map(|f| f.split_once(':').unwrap().0).collect();
        assert!(indices.len() <= 3 && indices.iter().all(|i| ["1", "2", "3"].contains(i)));
    }
    // A .gz name is gzip-compressed, and train reads it.
    assert!(generate(&["-o", "dense.csv.gz"]).status.success());
    let gz = std::fs::read(dir.path().join("dense.csv.gz")).unwrap();
    assert_eq!(gz[..2], [0x1f, 0x8b]);
    run_ok(
        dir.path(),
        &["train", "dense.csv.gz", "-o", "m.json", "--quiet"],
    );
    // What the named format cannot hold is a usage error, and nothing is written.
    let cases: [(&[&str], &str); 5] = [
        (&["--density", "0.1", "-o", "x.csv"], "LIBSVM only"),
        (&["--categorical", "2:3", "-o", "x.svm"], "no text cells"),
        (&["--missing", "0.1", "-o", "x.libsvm"], "no empty cells"),
        (&["-o", "x.parquet"], "not Parquet"),
        (
            &["--categorical", "2:3", "--density", "0.5", "-o", "x"],
            "dense rows",
        ),
    ];
    for (extra, needle) in cases {
        assert_fails(&generate(extra), 2, &[needle]);
    }
    for name in ["x.csv", "x.svm", "x.libsvm", "x.parquet", "x"] {
        assert!(!dir.path().join(name).exists(), "{name} was written");
    }
}

#[test]
fn categorical_columns_and_missing_cells_are_csv_with_their_truth() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "generate",
        "--rows",
        "6000",
        "--features",
        "2",
        "--categorical",
        "4:2-40",
        "--missing",
        "0.1",
        "--seed",
        "9",
        "-o",
        "c.csv",
        "--truth",
        "c.json",
        "--quiet",
    ];
    run_ok(dir.path(), &args);
    let text = std::fs::read_to_string(dir.path().join("c.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("x1,x2,cat1,cat2,cat3,cat4,label"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6000);
    // 2, 40 and log-uniform between: 2·20^(1/3) ≈ 5.4 and 2·20^(2/3) ≈ 14.7.
    let expected = [2, 5, 15, 40];
    for (c, &levels) in expected.iter().enumerate() {
        let seen: std::collections::BTreeSet<&str> = rows
            .iter()
            .map(|r| r[2 + c])
            .filter(|v| !v.is_empty())
            .collect();
        // Zipf popularity: the rarest of 40 levels has p = 1/(40·H_40) ≈ 0.6%, about 31 rows.
        assert_eq!(seen.len(), levels, "cat{}: {seen:?}", c + 1);
        assert!(seen.iter().all(|v| v.parse::<f64>().is_err()), "{seen:?}");
    }
    let empty = rows
        .iter()
        .flat_map(|r| &r[..6])
        .filter(|v| v.is_empty())
        .count();
    let share = empty as f64 / (6000.0 * 6.0);
    // 36,000 cells: the standard error of the share is 0.0016.
    assert!((share - 0.1).abs() < 0.01, "empty share {share}");
    assert!(rows.iter().all(|r| r[6] == "0" || r[6] == "1"));
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("c.json")).unwrap()).unwrap();
    assert_eq!(truth["categorical"], serde_json::json!(expected));
    assert_eq!(truth["missing"], 0.1);
    let effects = truth["model"]["level_effects"].as_object().unwrap();
    assert_eq!(effects.len(), 2 + 5 + 15 + 40);
    assert!(effects.contains_key("cat4=c4_39"));
    // The same seed gives the same bytes.
    run_ok(dir.path(), &args);
    assert_eq!(
        std::fs::read(dir.path().join("c.csv")).unwrap(),
        text.as_bytes()
    );
}
