//! Parquet input (the `parquet` feature): files are written here with the `parquet` crate's
//! Arrow writer, in several small row groups, then read through the library and the real binary.
#![cfg(feature = "parquet")]

mod common;

use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int32Array, Int64Array,
    RecordBatch, StringArray, UInt8Array, types::Int8Type,
};
use common::{BREAST_CANCER, Dir, assert_fails, ok, text};
use logreg::data::{Features, LoadOptions, Precision, load_training};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes `columns` to `path` in row groups of `group_rows` rows, with `compression`.
fn write(path: &Path, columns: Vec<(&str, ArrayRef)>, group_rows: usize, compression: Compression) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(group_rows))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    let metadata = writer.close().unwrap();
    assert_eq!(
        metadata.num_row_groups(),
        batch.num_rows().div_ceil(group_rows),
        "row groups as asked"
    );
}

fn floats(values: &[f64]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// `data/breast_cancer.csv` as Parquet: 30 Float64 features and the Utf8 target `diagnosis`,
/// in row groups of 100 rows (the last one shorter).
fn breast_cancer_parquet(path: &Path, compression: Compression) {
    let csv = std::fs::read_to_string(BREAST_CANCER).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let columns = header
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let cells: Vec<&str> = rows.iter().map(|r| r[j]).collect();
            let array = if j + 1 == header.len() {
                strings(&cells)
            } else {
                floats(&cells.iter().map(|c| c.parse().unwrap()).collect::<Vec<_>>())
            };
            (*name, array)
        })
        .collect();
    write(path, columns, 100, compression);
}

fn model_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn reads_the_same_data_as_csv() {
    let dir = Dir::new();
    let parquet = dir.path("bc.parquet");
    breast_cancer_parquet(&parquet, Compression::SNAPPY);
    for precision in [Precision::F32, Precision::F64] {
        let options = LoadOptions {
            precision,
            ..Default::default()
        };
        let from_csv = load_training(Path::new(BREAST_CANCER), &options).unwrap();
        let from_parquet = load_training(&parquet, &options).unwrap();
        assert_eq!(from_parquet.features, from_csv.features);
        assert_eq!(from_parquet.y, from_csv.y);
        assert_eq!(from_parquet.feature_names, from_csv.feature_names);
        assert_eq!(from_parquet.target, "diagnosis");
        assert_eq!(from_parquet.labels, from_csv.labels);
        assert_eq!(from_parquet.labels.positive(), "malignant");
    }
}

#[test]
fn reads_gzip_compressed_files() {
    // Was "Disabled feature at compile time: flate2".
    let dir = Dir::new();
    let (snappy, gzip) = (dir.path("snappy.parquet"), dir.path("gzip.parquet"));
    breast_cancer_parquet(&snappy, Compression::SNAPPY);
    breast_cancer_parquet(&gzip, Compression::GZIP(GzipLevel::default()));
    let options = LoadOptions::default();
    let from_snappy = load_training(&snappy, &options).unwrap();
    let from_gzip = load_training(&gzip, &options).unwrap();
    assert_eq!(from_gzip.features, from_snappy.features);
    assert_eq!(from_gzip.y, from_snappy.y);
}

#[test]
fn trains_predicts_and_evaluates_like_csv() {
    let dir = Dir::new();
    breast_cancer_parquet(&dir.path("bc.pq"), Compression::ZSTD(ZstdLevel::default()));
    for (data, model) in [(BREAST_CANCER, "csv.json"), ("bc.pq", "pq.json")] {
        ok(&dir.run(&["train", data, "-o", model, "--precision", "f64", "--quiet"]));
    }
    let (a, b) = (
        model_json(&dir.path("csv.json")),
        model_json(&dir.path("pq.json")),
    );
    assert_eq!(a["feature_names"], b["feature_names"]);
    assert_eq!(a["classes"], b["classes"]);
    let weights = |m: &serde_json::Value| -> Vec<f64> {
        let mut w: Vec<f64> = m["weights"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        w.push(m["bias"][0].as_f64().unwrap());
        w
    };
    let (wa, wb) = (weights(&a), weights(&b));
    assert_eq!(wa.len(), 31);
    for (x, y) in wa.iter().zip(&wb) {
        assert!((x - y).abs() <= 1e-12 * x.abs().max(1.0), "{x} vs {y}");
    }

    // The same model scores both files the same, row by row.
    let predict_csv = dir.run(&["predict", "csv.json", BREAST_CANCER, "--proba"]);
    let predict_pq = dir.run(&["predict", "csv.json", "bc.pq", "--proba"]);
    ok(&predict_pq);
    assert_eq!(text(&predict_pq.stdout), text(&predict_csv.stdout));
    assert_eq!(text(&predict_pq.stdout).lines().count(), 569 + 1);
    let eval_csv = dir.run(&["eval", "csv.json", BREAST_CANCER, "--json"]);
    let eval_pq = dir.run(&["eval", "csv.json", "bc.pq", "--json"]);
    ok(&eval_pq);
    let (ea, eb): (serde_json::Value, serde_json::Value) = (
        serde_json::from_slice(&eval_csv.stdout).unwrap(),
        serde_json::from_slice(&eval_pq.stdout).unwrap(),
    );
    assert_eq!(ea["accuracy"], eb["accuracy"]);
    assert!(eb["accuracy"].as_f64().unwrap() > 0.95);
}

/// A small training file: two features `a`, `b` and target `label`, in row groups of 3.
fn small(dir: &Dir, name: &str, a: ArrayRef, label: ArrayRef) -> PathBuf {
    let path = dir.path(name);
    let b = floats(&[1.0, 0.0, 2.0, 1.0, 3.0, 0.5, 2.5, 0.0][..a.len()]);
    write(
        &path,
        vec![("a", a), ("b", b), ("label", label)],
        3,
        Compression::UNCOMPRESSED,
    );
    path
}

const LABELS: [&str; 8] = ["no", "yes", "no", "yes", "yes", "no", "yes", "no"];

#[test]
fn reads_every_numeric_type_and_label_type() {
    let dir = Dir::new();
    let features: Vec<ArrayRef> = vec![
        Arc::new(Float32Array::from(vec![
            0.5f32, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0,
        ])),
        Arc::new(Int32Array::from(vec![-3, 1, 2, 3, 4, 5, 6, 7])),
        Arc::new(Int64Array::from(vec![1i64 << 40, 1, 2, 3, 4, 5, 6, 7])),
        Arc::new(UInt8Array::from(vec![255u8, 1, 2, 3, 4, 5, 6, 7])),
        Arc::new(BooleanArray::from(vec![
            true, false, true, true, false, false, true, false,
        ])),
    ];
    for (k, a) in features.into_iter().enumerate() {
        let expected: Vec<f64> = (0..a.len())
            .map(|i| match a.data_type() {
                arrow_schema::DataType::Boolean => f64::from(u8::from(
                    a.as_any().downcast_ref::<BooleanArray>().unwrap().value(i),
                )),
                _ => arrow_cast_f64(&a, i),
            })
            .collect();
        let path = small(&dir, &format!("t{k}.parquet"), a, strings(&LABELS));
        let data = load_training(&path, &LoadOptions::default()).unwrap();
        let Features::Dense32(x) = &data.features else {
            panic!("dense f32 storage expected");
        };
        let column: Vec<f64> = (0..8).map(|i| f64::from(x.row(i)[0])).collect();
        assert_eq!(column, expected);
        assert_eq!(data.y, [0., 1., 0., 1., 1., 0., 1., 0.]);
    }

    // Boolean, integer and dictionary-encoded (pandas categorical) targets.
    let flags = [false, true, false, true, true, false, true, false];
    let targets: Vec<(ArrayRef, &str)> = vec![
        (Arc::new(BooleanArray::from(flags.to_vec())), "true"),
        (
            Arc::new(Int32Array::from(
                flags
                    .iter()
                    .map(|&f| if f { 1 } else { -1 })
                    .collect::<Vec<_>>(),
            )),
            "1",
        ),
        (
            Arc::new(
                LABELS
                    .iter()
                    .copied()
                    .collect::<DictionaryArray<Int8Type>>(),
            ),
            "yes",
        ),
    ];
    for (k, (label, positive)) in targets.into_iter().enumerate() {
        let a = floats(&[0., 1., 2., 3., 4., 5., 6., 7.]);
        let path = small(&dir, &format!("l{k}.parquet"), a, label);
        let data = load_training(&path, &LoadOptions::default()).unwrap();
        assert_eq!(data.labels.positive(), positive);
        assert_eq!(data.y, [0., 1., 0., 1., 1., 0., 1., 0.]);
    }
}

/// Element i of a numeric array as f64 (what the reader must produce).
fn arrow_cast_f64(a: &ArrayRef, i: usize) -> f64 {
    let any = a.as_any();
    if let Some(a) = any.downcast_ref::<Float32Array>() {
        f64::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<Int32Array>() {
        f64::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<Int64Array>() {
        a.value(i) as f64
    } else if let Some(a) = any.downcast_ref::<UInt8Array>() {
        f64::from(a.value(i))
    } else {
        unreachable!()
    }
}

#[test]
fn text_and_dictionary_columns_are_categorical_as_in_csv() {
    let dir = Dir::new();
    let home = [
        "rent", "own", "rent", "mortgage", "own", "rent", "own", "mortgage", "rent",
    ];
    let zone: Vec<Option<&str>> = vec![
        Some("a"),
        None,
        Some("b"),
        Some("a"),
        Some("b"),
        Some("a"),
        None,
        Some("b"),
        Some("a"),
    ];
    let age: Vec<Option<f64>> = vec![
        Some(30.),
        Some(41.),
        None,
        Some(25.),
        Some(52.),
        Some(33.),
        Some(47.),
        None,
        Some(29.),
    ];
    let label = ["0", "1", "0", "1", "1", "0", "1", "1", "0"];
    let dictionary: DictionaryArray<Int8Type> = zone.iter().copied().collect();
    write(
        &dir.path("t.parquet"),
        vec![
            ("age", Arc::new(Float64Array::from(age.clone())) as ArrayRef),
            ("home", strings(&home)),
            ("zone", Arc::new(dictionary)),
            ("label", strings(&label)),
        ],
        4,
        Compression::SNAPPY,
    );
    let mut csv = String::from("age,home,zone,label\n");
    for i in 0..home.len() {
        let a = age[i].map_or(String::new(), |v| v.to_string());
        csv += &format!("{a},{},{},{}\n", home[i], zone[i].unwrap_or(""), label[i]);
    }
    dir.file("t.csv", &csv);
    for f in ["t.parquet", "t.csv"] {
        let json = f.replace('.', "_") + ".json";
        ok(&dir.run(&["train", f, "-o", &json, "--missing", "mean", "-q"]));
    }
    let (p, c) = (
        model_json(&dir.path("t_parquet.json")),
        model_json(&dir.path("t_csv.json")),
    );
    assert_eq!(p["feature_names"], c["feature_names"]);
    assert_eq!(p["encoding"], c["encoding"]);
    assert_eq!(p["weights"], c["weights"]);
    assert_eq!(
        p["feature_names"],
        serde_json::json!([
            "age",
            "home=mortgage",
            "home=own",
            "home=rent",
            "zone=a",
            "zone=b",
            "zone=(missing)"
        ])
    );
    // The Parquet model predicts the CSV file and the other way round.
    let a = ok(&dir.run(&["predict", "t_parquet.json", "t.csv", "--proba"]));
    let b = ok(&dir.run(&["predict", "t_csv.json", "t.parquet", "--proba"]));
    assert_eq!(a, b);
    // Without a rule for them, the missing ages are an error naming the row.
    assert_fails(
        &dir.run(&["train", "t.parquet", "-o", "m.json"]),
        1,
        &[
            "t.parquet: row 3 (row 3 of row group 0), column \"age\"",
            "--missing",
        ],
    );
}

#[test]
fn nulls_nan_and_overflow_are_errors_naming_row_group_and_row() {
    let dir = Dir::new();
    // Row 5 of the file is row 2 of row group 1 (groups of 3 rows, counted from 0).
    let mut values: Vec<Option<f64>> = (0..8).map(|i| Some(i as f64)).collect();
    values[4] = None;
    small(
        &dir,
        "null.parquet",
        Arc::new(Float64Array::from(values)),
        strings(&LABELS),
    );
    assert_fails(
        &dir.run(&["train", "null.parquet", "-o", "m.json"]),
        1,
        &[
            "null.parquet: row 5 (row 2 of row group 1), column \"a\"",
            "missing value (null)",
        ],
    );
    let mut values: Vec<f64> = (0..8).map(f64::from).collect();
    values[7] = f64::NAN;
    small(&dir, "nan.parquet", floats(&values), strings(&LABELS));
    assert_fails(
        &dir.run(&["train", "nan.parquet", "-o", "m.json"]),
        1,
        &["row 8 (row 2 of row group 2)", "NaN is not a finite number"],
    );
    values[7] = 1e39;
    small(&dir, "big.parquet", floats(&values), strings(&LABELS));
    assert_fails(
        &dir.run(&["train", "big.parquet", "-o", "m.json"]),
        1,
        &["row 8", "too large for f32 storage (use --precision f64)"],
    );
    ok(&dir.run(&[
        "train",
        "big.parquet",
        "-o",
        "m.json",
        "--precision",
        "f64",
        "--quiet",
    ]));
    let mut labels: Vec<Option<&str>> = LABELS.iter().copied().map(Some).collect();
    labels[1] = None;
    let a = floats(&[0., 1., 2., 3., 4., 5., 6., 7.]);
    small(
        &dir,
        "nolabel.parquet",
        a,
        Arc::new(StringArray::from(labels)),
    );
    assert_fails(
        &dir.run(&["train", "nolabel.parquet", "-o", "m.json"]),
        1,
        &[
            "row 2 (row 2 of row group 0), column \"label\"",
            "missing label",
        ],
    );
}

#[test]
fn label_errors() {
    let dir = Dir::new();
    let a = || floats(&[0., 1., 2., 3., 4., 5., 6., 7.]);
    let mut three = LABELS;
    three[6] = "maybe";
    small(&dir, "three.parquet", a(), strings(&three));
    assert_fails(
        &dir.run(&[
            "train",
            "three.parquet",
            "-o",
            "m.json",
            "--max-classes",
            "2",
        ]),
        1,
        &[
            "row 7 (row 1 of row group 2)",
            "more than 2 distinct values (here \"maybe\")",
        ],
    );
    // Without the cap, three classes are a multinomial model.
    ok(&dir.run(&["train", "three.parquet", "-o", "m3.json", "--quiet"]));
    small(&dir, "one.parquet", a(), strings(&["no"; 8]));
    assert_fails(
        &dir.run(&["train", "one.parquet", "-o", "m.json"]),
        1,
        &["every row has the label \"no\""],
    );
    small(&dir, "ok.parquet", a(), strings(&LABELS));
    assert_fails(
        &dir.run(&["train", "ok.parquet", "-o", "m.json", "--target", "nope"]),
        1,
        &[
            "ok.parquet",
            "no column named \"nope\" (columns: a, b, label)",
        ],
    );
    ok(&dir.run(&["train", "ok.parquet", "-o", "m.json", "--quiet"]));
    // A weight column (b: 1, 0, 2, 1, 3, 0.5, 2.5, 0) is not a feature; eval can weigh by it.
    ok(&dir.run(&[
        "train",
        "ok.parquet",
        "-o",
        "w.json",
        "--quiet",
        "--sample-weight",
        "b",
    ]));
    let w = model_json(&dir.path("w.json"));
    assert_eq!(w["feature_names"], serde_json::json!(["a"]));
    assert_eq!(w["training"]["sample_weight"], "b");
    let e: serde_json::Value = serde_json::from_str(&ok(&dir.run(&[
        "eval",
        "w.json",
        "ok.parquet",
        "--json",
        "--sample-weight",
        "b",
    ])))
    .unwrap();
    assert_eq!(e["weight_total"], 10.0);
    let mut other = LABELS;
    other[3] = "perhaps";
    small(&dir, "other.parquet", a(), strings(&other));
    assert_fails(
        &dir.run(&["eval", "m.json", "other.parquet"]),
        1,
        &[
            "row 4 (row 1 of row group 1)",
            "label \"perhaps\" is not one of the model's classes",
        ],
    );
}

#[test]
fn predict_needs_the_models_features_by_name() {
    let dir = Dir::new();
    let a = || floats(&[0., 1., 2., 3., 4., 5., 6., 7.]);
    small(&dir, "train.parquet", a(), strings(&LABELS));
    ok(&dir.run(&["train", "train.parquet", "-o", "m.json", "--quiet"]));

    // Columns in another order, without the target: the same predictions.
    let b = floats(&[1.0, 0.0, 2.0, 1.0, 3.0, 0.5, 2.5, 0.0]);
    let shuffled = dir.path("shuffled.parquet");
    write(
        &shuffled,
        vec![("b", b.clone()), ("a", a())],
        5,
        Compression::SNAPPY,
    );
    let expected = dir.run(&["predict", "m.json", "train.parquet"]);
    let got = dir.run(&["predict", "m.json", "shuffled.parquet"]);
    ok(&got);
    assert_eq!(text(&got.stdout), text(&expected.stdout));

    let mismatched = dir.path("mismatched.parquet");
    write(
        &mismatched,
        vec![("a", a()), ("extra", b)],
        5,
        Compression::SNAPPY,
    );
    assert_fails(
        &dir.run(&["predict", "m.json", "mismatched.parquet"]),
        1,
        &[
            "mismatched.parquet",
            "missing: b",
            "not in the model: extra",
        ],
    );
    let texty = dir.path("texty.parquet");
    let b = strings(&["1", "0", "2", "1", "3", "0", "2", "0"]);
    write(&texty, vec![("a", a()), ("b", b)], 5, Compression::SNAPPY);
    assert_fails(
        &dir.run(&["predict", "m.json", "texty.parquet"]),
        1,
        &["column 2 (\"b\")", "type Utf8"],
    );
}

#[test]
fn a_file_that_is_not_parquet_is_an_error() {
    let dir = Dir::new();
    dir.file("fake.parquet", "a,b,label\n1,2,x\n");
    assert_fails(
        &dir.run(&["train", "fake.parquet", "-o", "m.json"]),
        1,
        &["fake.parquet: cannot read the Parquet file"],
    );
    dir.file("empty.parquet", "");
    assert_fails(
        &dir.run(&["train", "empty.parquet", "-o", "m.json"]),
        1,
        &["empty.parquet: the file is empty"],
    );
    // --format parquet overrides the file name.
    assert_fails(
        &dir.run(&[
            "train",
            BREAST_CANCER,
            "-o",
            "m.json",
            "--format",
            "parquet",
        ]),
        1,
        &["breast_cancer.csv: cannot read the Parquet file"],
    );
}

/// `tests/fixtures/corrupt_footer.parquet`: the first 12 rows and 3 features of the
/// breast-cancer data, written by pandas 3.1.1 / pyarrow 26.0.1 in row groups of 6, with byte
/// 135 (inside a column chunk's metadata) set to 0xff. parquet 60.1 panics on it ("offset + len
/// out of bounds"); it was found by setting every byte of the clean file to a few values in turn
/// (49 of 26,880 such files made the decoder panic).
#[test]
fn a_file_on_which_the_parquet_decoder_panics_is_an_error() {
    let dir = Dir::new();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/corrupt_footer.parquet"
    );
    assert_fails(
        &dir.run(&["train", fixture, "--target", "diagnosis", "-o", "m.json"]),
        1,
        &["corrupt_footer.parquet: cannot read the Parquet file: the file is corrupt"],
    );
    assert!(!dir.path("m.json").exists());
}

/// Damaged bytes anywhere in a Parquet file, and above all in its footer (the metadata), give
/// an error naming the file, or a model where the damage happens to be harmless; never a panic.
/// The parquet crate panics on some corrupt metadata; `data::parquet` turns that into an error.
#[test]
fn corrupt_files_are_errors_never_panics() {
    let dir = Dir::new();
    let good = dir.path("good.parquet");
    breast_cancer_parquet(&good, Compression::SNAPPY);
    let bytes = std::fs::read(&good).unwrap();
    // The last 8 bytes are the footer's length and the magic "PAR1"; the metadata precede them.
    let body = bytes.len() - 8;
    let footer = body.saturating_sub(4000);
    let mut rng = logreg::rng::SplitMix64::new(5);
    let mut errors = 0;
    for k in 0..200 {
        let mut bad = bytes.clone();
        let start = if k % 4 == 0 {
            4 + rng.below(body - 4)
        } else {
            footer + rng.below(body - footer)
        };
        let len = [1, 2, 4, 16][rng.below(4)];
        for b in &mut bad[start..(start + len).min(body)] {
            *b = rng.next_u64() as u8;
        }
        std::fs::write(dir.path("bad.parquet"), &bad).unwrap();
        let out = dir.run(&["train", "bad.parquet", "-o", "m.json", "--quiet"]);
        let err = text(&out.stderr);
        assert!(!err.contains("panicked"), "bytes {start}..+{len}: {err}");
        match out.status.code() {
            Some(0) => {}
            Some(1) => {
                assert!(err.contains("bad.parquet"), "bytes {start}..+{len}: {err}");
                errors += 1;
            }
            code => panic!("bytes {start}..+{len}: exit {code:?}: {err}"),
        }
    }
    assert!(
        errors > 50,
        "only {errors} of 200 damaged files were rejected"
    );
}

#[test]
fn damaged_leading_magic_bytes_are_an_error() {
    // The decoder reads only the footer; the file must still start with "PAR1".
    let dir = Dir::new();
    let good = dir.path("good.parquet");
    breast_cancer_parquet(&good, Compression::SNAPPY);
    let mut bytes = std::fs::read(&good).unwrap();
    bytes[0] = b'X';
    std::fs::write(dir.path("bad.parquet"), &bytes).unwrap();
    assert_fails(
        &dir.run(&[
            "train",
            "bad.parquet",
            "-o",
            "m.json",
            "--target",
            "diagnosis",
        ]),
        1,
        &["bad.parquet", "does not start with the Parquet magic bytes"],
    );
    ok(&dir.run(&[
        "train",
        "good.parquet",
        "-o",
        "m.json",
        "--target",
        "diagnosis",
        "--quiet",
    ]));
}

/// A negative row count in the footer is an error naming the file, not a capacity overflow
/// (one row group: the count cast to usize is about 2^64) or an out-of-bounds split (a later
/// group: the sum wraps to a few rows). Found by fuzzing; the minimised inputs are
/// `fuzz/regressions/parquet/`.
#[test]
fn negative_row_counts_in_the_footer_are_errors() {
    let regressions = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/parquet");
    for (file, says) in [
        (
            "negative_row_count_one_group_capacity_overflow.parquet",
            "the file is corrupt (row group 0 claims -11 rows)",
        ),
        (
            "negative_row_count_second_group_wraps_the_sum.parquet",
            "the file is corrupt (row group 1 claims -3 rows)",
        ),
    ] {
        let path = regressions.join(file);
        let message = load_training(&path, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(message.contains(file), "{message}");
        assert!(message.contains(says), "{file}: {message}");
    }
}

#[test]
fn standard_input_cannot_be_parquet_and_says_why() {
    let options = LoadOptions {
        format: Some(logreg::data::Format::Parquet),
        ..LoadOptions::default()
    };
    let err = load_training(Path::new("-"), &options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot be read as Parquet"), "{err}");
}

#[test]
fn features_and_ignore_choose_parquet_columns_as_they_do_csv_ones() {
    let dir = Dir::new();
    let parquet = dir.path("bc.parquet");
    breast_cancer_parquet(&parquet, Compression::SNAPPY);
    let names: Vec<String> = ["worst_area", "mean_radius"].map(String::from).to_vec();
    let ignore: Vec<String> = vec!["mean_texture".into()];
    for selection in [
        logreg::data::Selection {
            features: Some(&names),
            ignore: &[],
        },
        logreg::data::Selection {
            features: None,
            ignore: &ignore,
        },
    ] {
        let options = LoadOptions {
            selection,
            ..Default::default()
        };
        let from_csv = load_training(Path::new(BREAST_CANCER), &options).unwrap();
        let from_parquet = load_training(&parquet, &options).unwrap();
        assert_eq!(from_parquet.features, from_csv.features);
        assert_eq!(from_parquet.feature_names, from_csv.feature_names);
        assert_eq!(from_parquet.ignored, from_csv.ignored);
    }
}
