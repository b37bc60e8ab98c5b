//! Data formats: LIBSVM reading, writing and rejecting bad input; gzip; the same model from dense
//! and sparse storage; wide data with more features than rows.

mod common;

use common::{BREAST_CANCER, HEART, assert_fails, densified, run, run_ok, write};
use logreg::data::{self, Format, LoadOptions, libsvm};
use logreg::solver::{Control, Progress};
use logreg::{Precision, Solver, TrainOptions};
use std::io::Write;
use std::path::Path;

fn options(precision: Precision) -> LoadOptions<'static> {
    LoadOptions {
        precision,
        ..LoadOptions::default()
    }
}

fn no_observer() -> impl FnMut(&Progress) -> Control {
    |_: &Progress| Control::Continue
}

#[test]
fn heart_scale_reads_as_sparse_with_its_labels() {
    let d = data::load_training(Path::new(HEART), &options(Precision::F64)).unwrap();
    assert_eq!((d.n_rows(), d.n_features()), (270, 13));
    assert!(d.design().is_sparse());
    assert_eq!((d.labels.negative(), d.labels.positive()), ("0", "1"));
    assert_eq!(d.y.iter().filter(|&&y| y == 1.0).count(), 120);
    // First line: "1 1:0.708333 2:1 3:1.0 4:-0.320755 ... 12:1.0 13:-1.0" (11 is absent).
    let row = d.design().row_values(0);
    assert_eq!(row[0], 0.708333);
    assert_eq!(row[10], 0.0);
    assert_eq!(row[12], -1.0);
}

/// J* for heart_scale with standardisation off and λ = 1e-3, from scikit-learn 1.9.1:
/// `LogisticRegression(C=1/(1e-3·270), solver="newton-cholesky", tol=1e-14)` on
/// `load_svmlight_file("heart_scale.svm")` (densified), then
/// J = mean(logaddexp(0, z) − y·z) + λ/2·‖w‖².
const HEART_OPTIMUM_L2_1E3: f64 = 0.33854451996555884;

#[test]
fn heart_scale_optimum_matches_the_independent_computation() {
    let d = data::load_training(Path::new(HEART), &options(Precision::F64)).unwrap();
    for solver in [Solver::Newton, Solver::Lbfgs, Solver::Gd] {
        let o = TrainOptions {
            solver,
            l2: 1e-3,
            tol: 1e-9,
            max_iterations: 200_000,
            // A step in the solvers' scaled coordinates (the features' spread is about 0.5).
            learning_rate: 0.5,
            standardize: false,
            ..TrainOptions::default()
        };
        let r = logreg::train(&d, None, &o, &mut no_observer())
            .unwrap()
            .report;
        let gap = (r.cost - HEART_OPTIMUM_L2_1E3) / HEART_OPTIMUM_L2_1E3;
        assert!(gap.abs() <= 1e-6, "{solver:?}: relative gap {gap:e}");
    }
}

#[test]
fn dense_and_sparse_storage_give_the_same_model() {
    let sparse = data::load_training(Path::new(HEART), &options(Precision::F64)).unwrap();
    let dense = densified(&sparse);
    assert!(!dense.design().is_sparse());
    for solver in [Solver::Newton, Solver::Lbfgs, Solver::Gd] {
        for standardize in [false, true] {
            let o = TrainOptions {
                solver,
                standardize,
                tol: 1e-13,
                max_iterations: 100_000,
                learning_rate: 0.5,
                ..TrainOptions::default()
            };
            let a = logreg::train(&sparse, None, &o, &mut no_observer()).unwrap();
            let b = logreg::train(&dense, None, &o, &mut no_observer()).unwrap();
            // The same J either way: sparse columns are scaled without centring, but by the
            // same standard deviations, so the penalty on w̃ = w·s is the same function of the
            // raw weights (centring moves only the unpenalised bias). Sums run in another order
            // for CSR, so the two stops differ by rounding; gradient descent stops where a
            // relative gap of 1e-13 is certified, which leaves weights uncertain to about
            // √(2·1e-13·J/μ) with μ the smallest curvature, here about 1e-5.
            let close = if solver == Solver::Gd { 1e-4 } else { 1e-6 };
            for (wa, wb) in a.model.weights[0].iter().zip(&b.model.weights[0]) {
                assert!(
                    (wa - wb).abs() <= close * (1.0 + wb.abs()),
                    "{solver:?}, standardize {standardize}: {wa} vs {wb}"
                );
            }
            let spread = (a.report.cost - b.report.cost).abs() / b.report.cost;
            assert!(spread <= 1e-12, "{solver:?}: costs differ by {spread:e}");
        }
    }
}

#[test]
fn libsvm_round_trip_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    for precision in [Precision::F32, Precision::F64] {
        let d = data::load_training(Path::new(HEART), &options(precision)).unwrap();
        let mut text = Vec::new();
        libsvm::write_rows(&mut text, d.design(), &d.y, &d.labels, 0..d.n_rows()).unwrap();
        let path = dir.path().join("again.svm");
        std::fs::write(&path, &text).unwrap();
        let again = data::load_training(&path, &options(precision)).unwrap();
        assert_eq!(again.y, d.y);
        assert_eq!(again.labels, d.labels);
        assert_eq!(again.features, d.features, "{precision:?}");
    }
}

#[test]
fn gzip_input_is_decompressed_and_a_truncated_stream_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read(HEART).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let path = dir.path().join("heart.svm.gz");
    std::fs::write(&path, &gz).unwrap();
    assert_eq!(Format::from_path(&path), Format::LibSvm);
    let a = data::load_training(&path, &options(Precision::F64)).unwrap();
    let b = data::load_training(Path::new(HEART), &options(Precision::F64)).unwrap();
    assert_eq!(a.features, b.features);

    let cut = dir.path().join("cut.svm.gz");
    std::fs::write(&cut, &gz[..gz.len() / 2]).unwrap();
    let err = data::load_training(&cut, &options(Precision::F64))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cut.svm.gz") && err.contains("truncated gzip"),
        "{err}"
    );
}

#[test]
fn malformed_libsvm_is_rejected_with_line_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[&str])] = &[
        (
            "1 1:0.5 2:1\n0 3:abc\n",
            &["bad.svm:2:5", "feature 3", "cannot read \"abc\""],
        ),
        ("1 1:0.5\n0 0:1\n", &["bad.svm:2:3", "indices start at 1"]),
        ("1 2:0.5 1:1\n0 1:1\n", &["bad.svm:1:9", "index 1 after 2"]),
        ("1 2:0.5 2:1\n0 1:1\n", &["bad.svm:1:9", "index 2 after 2"]),
        (
            "1 1:0.5 7\n0 1:1\n",
            &["bad.svm:1:9", "expected index:value"],
        ),
        (
            "1 x:0.5\n0 1:1\n",
            &["bad.svm:1:3", "not a positive integer"],
        ),
        ("1 1:nan\n0 1:1\n", &["bad.svm:1:5", "not a finite number"]),
        ("1:2 3:4\n", &["bad.svm:1:1", "not a label"]),
        // CSV read as LIBSVM: each line was one label, 50 "classes" and no features.
        (
            "a,b,label\n1,2,0\n3,4,1\n",
            &["bad.svm:1:2", "looks like CSV, not LIBSVM"],
        ),
        ("0\n1\n1\n", &["bad.svm:1:1", "no features: is this LIBSVM"]),
        // A tiny file may not declare two million features (it once could declare 2²⁶, and
        // took 2.2 GB for the names alone).
        (
            "1 1:1\n0 2000000:1\n1 2000000:2\n",
            &[
                "bad.svm:2:1",
                "feature index 2000000 in a file of 3 stored values",
            ],
        ),
        // A file whose lines end in a bare CR is one line: say so, at the first CR.
        (
            "1 1:0.5\r0 1:1\r",
            &["bad.svm:1:8", "lines seem to end in a bare CR"],
        ),
        ("1 1:1\n1 2:1\n", &["every row has the label \"1\""]),
        ("# only a comment\n\n", &["no data rows"]),
    ];
    for (text, needles) in cases {
        let path = write(dir.path(), "bad.svm", text);
        let err = data::load_training(&path, &options(Precision::F32))
            .unwrap_err()
            .to_string();
        for n in *needles {
            assert!(err.contains(n), "{text:?}: {err:?} lacks {n:?}");
        }
    }
    // More classes than --max-classes: the line of the first one too many.
    let path = write(dir.path(), "bad.svm", "1 1:1\n2 2:1\n3 1:1\n");
    let capped = LoadOptions {
        max_classes: 2,
        ..options(Precision::F32)
    };
    let err = data::load_training(&path, &capped).unwrap_err().to_string();
    assert!(
        err.contains("bad.svm:3") && err.contains("more than 2 distinct values"),
        "{err}"
    );
    // Comments, qid and blank lines are fine.
    let ok = write(
        dir.path(),
        "ok.svm",
        "# header\n1 qid:3 1:0.5 # first\n\n-1 qid:3 2:1\n",
    );
    let d = data::load_training(&ok, &options(Precision::F32)).unwrap();
    assert_eq!((d.n_rows(), d.n_features()), (2, 2));
}

#[test]
fn more_features_than_rows_trains_and_predicts() {
    // 6 rows, 40 features: each class has its own block of indicator features.
    let mut text = String::new();
    for i in 0..6 {
        let label = if i % 2 == 0 { "+1" } else { "-1" };
        let base = if i % 2 == 0 { 1 } else { 21 };
        text += &format!(
            "{label} {}:1 {}:0.5 {}:0.25\n",
            base + i,
            base + i + 5,
            base + 12
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "wide.svm", &text);
    run_ok(
        dir.path(),
        &[
            "train", "wide.svm", "-o", "m.json", "--l2", "0.01", "--quiet",
        ],
    );
    let model = logreg::Model::load(&dir.path().join("m.json")).unwrap();
    assert_eq!(
        model.weights[0].len(),
        33,
        "features up to the largest index"
    );
    let out = run(
        dir.path(),
        &["eval", "m.json", path.to_str().unwrap(), "--json"],
    );
    let metrics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(metrics["accuracy"], 1.0);
    // Prediction data may use fewer features than the model, but not more.
    write(dir.path(), "few.svm", "+1 1:1\n");
    let out = run(dir.path(), &["predict", "m.json", "few.svm"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "prediction\n+1\n");
    write(dir.path(), "more.svm", "+1 1:1 40:1\n");
    assert_fails(
        &run(dir.path(), &["predict", "m.json", "more.svm"]),
        1,
        &["more.svm:1:8", "feature index 40, but the model has 33"],
    );
}

#[test]
fn sparse_csv_is_stored_as_csr() {
    let mut text = String::from("a,b,c,d,e,f,g,h,i,j,k,label\n");
    for i in 0..50 {
        let mut row = ["0"; 11];
        row[i % 11] = "1.5";
        text += &format!("{},{}\n", row.join(","), i % 2);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "sparse.csv", &text);
    let d = data::load_training(&path, &options(Precision::F32)).unwrap();
    assert!(d.design().is_sparse(), "1 in 11 entries non-zero");
    let dense = data::load_training(Path::new(BREAST_CANCER), &options(Precision::F32)).unwrap();
    assert!(!dense.design().is_sparse());
}

#[test]
fn gzip_members_follow_each_other_and_trailing_zero_padding_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let gz = |text: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    // Two members, as `cat a.gz b.gz` makes, then 512 zero bytes of padding (GNU gzip accepts
    // both).
    let mut bytes = gz("x,label\n1,0\n2,1\n");
    bytes.extend(gz("3,0\n4,1\n"));
    bytes.extend([0u8; 512]);
    let path = dir.path().join("padded.csv.gz");
    std::fs::write(&path, &bytes).unwrap();
    let d = data::load_training(&path, &options(Precision::F64)).unwrap();
    assert_eq!(d.n_rows(), 4);
    assert_eq!(d.y, vec![0.0, 1.0, 0.0, 1.0]);
    // Garbage after the last member is still an error.
    let mut garbage = gz("x,label\n1,0\n2,1\n");
    garbage.extend(b"not gzip");
    std::fs::write(&path, &garbage).unwrap();
    assert!(data::load_training(&path, &options(Precision::F64)).is_err());
}

#[test]
fn a_model_wider_index_is_an_error_even_beyond_32_bits() {
    // 2³² + 1 once wrapped to index 1 and was read as feature 1 of a 5-feature model.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "wide.svm", "1 1:1\n0 4294967297:1\n");
    let labels = data::LabelMap::binary("0", "1");
    let err = libsvm::read_for_model(&path, 5, &labels, Precision::F64)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("wide.svm:2:3")
            && err.contains("feature index 4294967297, but the model has 5"),
        "{err}"
    );
}

#[test]
fn a_file_that_shrinks_while_it_is_read_is_an_error_naming_it() {
    // A memory-mapped file cut short by another process killed logreg with SIGBUS (exit 135);
    // the file is now read, and reading fewer bytes than it had is an error.
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..400_000).map(|i| format!("{i},{}\n", i % 2)).collect();
    let path = write(dir.path(), "big.csv", &format!("x,label\n{text}"));
    let mut source = data::source::Source::open(&path).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(100_000)
        .unwrap();
    let mut result = Ok(None);
    for _ in 0..10 {
        result = source.next_chunk();
        if !matches!(result, Ok(Some(_))) {
            break;
        }
    }
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains("big.csv") && err.contains("shrank while it was read"),
        "{err}"
    );
}

#[test]
fn a_line_longer_than_the_cap_is_an_error_not_an_allocation() {
    // A gzip bomb of a billion zero bytes (no line break) once made logreg hold all of it:
    // reading stops at the cap, which the message names.
    use std::io::Read;
    let limit = data::source::MAX_LINE_BYTES as u64;
    let zeros = Box::new(std::io::repeat(0).take(limit + 1));
    let mut source = data::source::Source::from_reader(Path::new("bomb"), zeros);
    let err = source.next_chunk().unwrap_err().to_string();
    assert_eq!(
        err,
        "bomb:1:1: the line is longer than 256 MiB, the longest logreg reads"
    );
}
