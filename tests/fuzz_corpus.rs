//! The fuzz targets as ordinary tests: every file of `fuzz/corpus/<target>/` (the seeds) and
//! `fuzz/regressions/<target>/` (past crashes, minimised) goes through the target's body,
//! `fuzz/targets.rs`, the same code the libFuzzer binaries run. No fuzz tooling is needed;
//! `fuzz/run.sh` is the long run. Inputs of bugs not fixed yet wait in `fuzz/pending/`.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

/// Runs `body` on every input of `target`, then reports every input on which it panicked.
fn run_corpus(target: &str, body: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs: Vec<PathBuf> = ["corpus", "regressions"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(fuzz.join(dir).join(target)).ok())
        .flatten()
        .map(|entry| entry.expect("a readable folder").path())
        .filter(|path| path.is_file())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no seeds for the {target} target");
    let failed: Vec<String> = inputs
        .iter()
        .filter(|path| {
            let data = std::fs::read(path).expect("a readable input");
            std::panic::catch_unwind(|| body(&data)).is_err()
        })
        .map(|path| path.display().to_string())
        .collect();
    targets::remove_scratch_files();
    assert!(
        failed.is_empty(),
        "the {target} target panicked on {} of {} inputs: {failed:#?}",
        failed.len(),
        inputs.len()
    );
}

#[test]
fn csv() {
    run_corpus("csv", targets::csv);
}

#[test]
fn libsvm() {
    run_corpus("libsvm", targets::libsvm);
}

#[test]
fn gzip() {
    run_corpus("gzip", targets::gzip);
}

#[test]
fn model() {
    run_corpus("model", targets::model);
}

#[cfg(feature = "parquet")]
#[test]
fn parquet() {
    run_corpus("parquet", targets::parquet);
}

/// Writes the Parquet seeds of `fuzz/corpus/parquet/` (run by hand, with `--ignored`): small
/// files of each column type the reader takes, each compression, several row groups, a
/// dictionary-encoded label, nulls and NaN.
#[cfg(feature = "parquet")]
#[test]
#[ignore = "writes the Parquet seeds; run by hand"]
fn write_parquet_seeds() {
    use arrow_array::{
        ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int8Array, Int32Array,
        Int64Array, RecordBatch, StringArray, UInt16Array, types::Int8Type,
    };
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, GzipLevel, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    use std::sync::Arc;

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/parquet");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, columns: Vec<(&str, ArrayRef)>, rows: usize, c: Compression| {
        let batch = RecordBatch::try_from_iter(columns).unwrap();
        let props = WriterProperties::builder()
            .set_compression(c)
            .set_max_row_group_row_count(Some(rows))
            .build();
        let file = std::fs::File::create(dir.join(format!("{name}.parquet"))).unwrap();
        let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
    };
    let floats = |v: &[f64]| -> ArrayRef { Arc::new(Float64Array::from(v.to_vec())) };
    let labels = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
    let x: Vec<f64> = (0..12).map(|i| f64::from(i) * 0.5 - 2.0).collect();
    let y = ["a", "b", "a", "b", "b", "a", "a", "b", "a", "b", "a", "b"];
    write(
        "float64_utf8_label",
        vec![("x", floats(&x)), ("label", labels(&y))],
        100,
        Compression::UNCOMPRESSED,
    );
    write(
        "snappy_row_groups",
        vec![
            ("x", floats(&x)),
            ("z", Arc::new(Float32Array::from(vec![1.5f32; 12]))),
            ("y", labels(&y)),
        ],
        5,
        Compression::SNAPPY,
    );
    write(
        "zstd_integers_bool_label",
        vec![
            (
                "i32",
                Arc::new(Int32Array::from((0..12).collect::<Vec<_>>())),
            ),
            ("i64", Arc::new(Int64Array::from(vec![i64::MAX; 12]))),
            ("u16", Arc::new(UInt16Array::from(vec![7u16; 12]))),
            (
                "label",
                Arc::new(BooleanArray::from(
                    (0..12).map(|i| i % 3 == 0).collect::<Vec<_>>(),
                )),
            ),
        ],
        4,
        Compression::ZSTD(ZstdLevel::default()),
    );
    write(
        "gzip_three_classes_int_label",
        vec![
            ("x", floats(&x)),
            (
                "class",
                Arc::new(Int8Array::from((0..12).map(|i| i % 3).collect::<Vec<_>>())),
            ),
        ],
        6,
        Compression::GZIP(GzipLevel::default()),
    );
    let dictionary: DictionaryArray<Int8Type> = y.iter().copied().collect();
    write(
        "dictionary_label",
        vec![("x", floats(&x)), ("label", Arc::new(dictionary))],
        100,
        Compression::SNAPPY,
    );
    let mut with_nan = x.clone();
    with_nan[3] = f64::NAN;
    write(
        "nan_feature",
        vec![("x", floats(&with_nan)), ("label", labels(&y))],
        100,
        Compression::UNCOMPRESSED,
    );
    let nulls: ArrayRef = Arc::new(Float64Array::from(
        (0..12)
            .map(|i| (i != 5).then_some(f64::from(i)))
            .collect::<Vec<_>>(),
    ));
    write(
        "null_feature",
        vec![("x", nulls), ("label", labels(&y))],
        100,
        Compression::UNCOMPRESSED,
    );
    write(
        "text_feature",
        vec![("name", labels(&y)), ("label", labels(&y))],
        100,
        Compression::UNCOMPRESSED,
    );
    write(
        "one_class",
        vec![("x", floats(&x)), ("label", labels(&["a"; 12]))],
        100,
        Compression::UNCOMPRESSED,
    );
    let zeros: Vec<f64> = (0..12).map(|i| if i == 4 { 1.0 } else { 0.0 }).collect();
    write(
        "sparse_zeros",
        vec![
            ("a", floats(&zeros)),
            ("b", floats(&zeros)),
            ("label", labels(&y)),
        ],
        100,
        Compression::UNCOMPRESSED,
    );
}
