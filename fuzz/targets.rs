//! The fuzz targets' bodies, one function per target, shared by the libFuzzer binaries
//! (`fuzz/fuzz_targets/*.rs`) and the corpus test (`tests/fuzz_corpus.rs`).
//!
//! Each body writes its input to a scratch file (the readers take paths), calls the loaders
//! and checks that they return `Ok` or `Err` and never panic; an `Ok` dataset must also be
//! consistent (see [`check_dataset`]). A few leading input bytes choose the loader's options
//! where the format leaves room for them (CSV, LIBSVM), so the fuzzer explores those too.

use logreg::data::ReadOptions;
use logreg::data::encoding::{EncodeOptions, Missing};
use logreg::data::{
    DEFAULT_MAX_CLASSES, Dataset, Features, Format, LabelMap, LoadOptions, MAX_CLASSES_LIMIT,
    Precision, Schema, load_matching, load_training,
};
use logreg::model::Model;
use std::cell::RefCell;
use std::path::{Path, PathBuf};

/// CSV: the first byte chooses the options, the rest is the file. Training data is read, then
/// the same file as data for a model whose columns are the file's own header.
pub fn csv(data: &[u8]) {
    let (options, text) = split_options(data);
    let header = first_line_fields(text);
    let path = scratch("csv", ".csv", text);
    let field = |k: usize| header.get(k).map(String::as_str);
    // bits 0-1: the target (default, first, last, "label"); bit 5: the next to last column
    // holds row weights (as in the corpus's housing and titanic data).
    let target = match options & 0b11 {
        0 => None,
        1 => field(0),
        2 => header.last().map(String::as_str),
        _ => Some("label"),
    };
    let sample_weight = (options & 0b10_0000 != 0)
        .then(|| field(header.len().wrapping_sub(2)))
        .flatten();
    let positive = (options & 0b100_0000 != 0).then(|| second_line_last_field(text));
    let load = LoadOptions {
        format: Some(Format::Csv),
        target,
        positive: positive.as_deref(),
        precision: precision(options),
        max_classes: max_classes(options),
        sample_weight,
        selection: Default::default(),
        // Every rule for missing cells, and pooling, chosen by the length (the option bits are
        // all taken).
        encode: EncodeOptions {
            missing: match text.len() % 4 {
                0 => Missing::Error,
                1 => Missing::Mean,
                2 => Missing::Indicator,
                _ => Missing::Drop,
            },
            min_frequency: 1 + text.len() % 3,
            ..EncodeOptions::default()
        },
        delimiter: (text.len() % 5 == 4).then_some(b';'),
    };
    if let Ok(data) = load_training(&path, &load) {
        check_dataset(&data, &load);
        // The file read again through the encoding learned on it.
        if data.encoding.is_some() {
            let schema = Schema {
                feature_names: &data.feature_names,
                target: &data.target,
                labels: &data.labels,
                sample_weight,
                ignored: &data.ignored,
                encoding: data.encoding.as_ref(),
            };
            let again = ReadOptions {
                strict: false,
                delimiter: load.delimiter,
            };
            let read = load_matching(&path, Some(Format::Csv), &schema, precision(options), again);
            if load.encode.missing == Missing::Drop {
                // A dropped row's missing cell has no fill.
                if let Ok(again) = read {
                    check_matching(&again.features, again.y.as_deref(), &schema);
                }
            } else {
                let again = read.expect("training data read again through its own encoding");
                assert!(again.unseen.is_empty(), "every level was seen");
                check_matching(&again.features, again.y.as_deref(), &schema);
                assert_eq!(again.y.as_deref(), Some(&data.y[..]), "the same labels");
            }
        }
    }
    // bit 7: also read the file as data for a model: features all but the last header field,
    // which is the target, with two classes "0" and "1".
    if options & 0x80 != 0 && header.len() >= 2 {
        let (target, features) = header.split_last().expect("two fields");
        let labels = LabelMap::binary("0", "1");
        let schema = Schema {
            feature_names: features,
            target,
            labels: &labels,
            sample_weight: None,
            ignored: &[],
            encoding: None,
        };
        let read = load_matching(
            &path,
            Some(Format::Csv),
            &schema,
            precision(options),
            Default::default(),
        );
        if let Ok(data) = read {
            check_matching(&data.features, data.y.as_deref(), &schema);
        }
    }
}

/// LIBSVM: the first byte chooses the options, the rest is the file. Training data is read,
/// then the file as data for a model of 1 to 16 features with classes "-1" and "1".
pub fn libsvm(data: &[u8]) {
    let (options, text) = split_options(data);
    let path = scratch("libsvm", ".svm", text);
    let positive = match options & 0b11 {
        0 | 1 => None,
        2 => Some("1"),
        _ => Some("-1"),
    };
    let load = LoadOptions {
        format: Some(Format::LibSvm),
        positive,
        precision: precision(options),
        max_classes: max_classes(options),
        ..LoadOptions::default()
    };
    if let Ok(data) = load_training(&path, &load) {
        check_dataset(&data, &load);
    }
    if options & 0x80 != 0 {
        let n = 1 + usize::from((options >> 5) & 0b11) * 5;
        let names: Vec<String> = (1..=n).map(|j| j.to_string()).collect();
        let labels = LabelMap::binary("-1", "1");
        let schema = Schema {
            feature_names: &names,
            target: "label",
            labels: &labels,
            sample_weight: None,
            ignored: &[],
            encoding: None,
        };
        let read = load_matching(
            &path,
            Some(Format::LibSvm),
            &schema,
            precision(options),
            Default::default(),
        );
        if let Ok(data) = read {
            check_matching(&data.features, data.y.as_deref(), &schema);
        }
    }
}

/// gzip: the input is the compressed file (given the gzip magic bytes if it lacks them, so the
/// decoder is reached), read as CSV and as LIBSVM.
pub fn gzip(data: &[u8]) {
    let mut bytes = Vec::with_capacity(data.len() + 2);
    if !data.starts_with(&[0x1f, 0x8b]) {
        bytes.extend_from_slice(&[0x1f, 0x8b]);
    }
    bytes.extend_from_slice(data);
    let path = scratch("gzip", ".csv.gz", &bytes);
    for format in [Format::Csv, Format::LibSvm] {
        let load = LoadOptions {
            format: Some(format),
            ..LoadOptions::default()
        };
        if let Ok(data) = load_training(&path, &load) {
            check_dataset(&data, &load);
        }
    }
}

/// Parquet: the input is the file, read as training data, then as data for a model laid out
/// like what was read.
#[cfg(feature = "parquet")]
pub fn parquet(data: &[u8]) {
    let path = scratch("parquet", ".parquet", data);
    // Missing cells filled for inputs of even length: both paths of the reader.
    let missing = if data.len().is_multiple_of(2) {
        Missing::Mean
    } else {
        Missing::Error
    };
    let load = LoadOptions {
        format: Some(Format::Parquet),
        encode: EncodeOptions {
            missing,
            ..EncodeOptions::default()
        },
        ..LoadOptions::default()
    };
    let Ok(data) = load_training(&path, &load) else {
        return;
    };
    check_dataset(&data, &load);
    let schema = Schema {
        feature_names: &data.feature_names,
        target: &data.target,
        labels: &data.labels,
        sample_weight: None,
        ignored: &data.ignored,
        encoding: data.encoding.as_ref(),
    };
    let again = load_matching(
        &path,
        Some(Format::Parquet),
        &schema,
        Precision::F64,
        Default::default(),
    )
    .expect("a file read as training data reads as data for its own layout");
    let y = again.y;
    check_matching(&again.features, y.as_deref(), &schema);
    assert_eq!(y.as_deref(), Some(&data.y[..]), "the same labels both ways");
}

/// Model files: the input is the file. A model that loads is saved and loaded again, and must
/// come back equal.
pub fn model(data: &[u8]) {
    let path = scratch("model", ".json", data);
    let Ok(model) = Model::load(&path) else {
        return;
    };
    let n = model.feature_names.len();
    assert!(
        model.weights.iter().all(|w| w.len() == n),
        "weights per feature"
    );
    assert_eq!(model.weights.len(), model.bias.len(), "a bias per neuron");
    assert!(model.classes() >= 2, "at least two classes");
    let copy = scratch_path("model-copy", ".json", &scratch_dir());
    model.save(&copy).expect("a loaded model saves");
    let again = Model::load(&copy).expect("a saved model loads");
    assert_eq!(again, model, "save then load gives the same model");
}

/// Checks an `Ok` training dataset: one label per row, every label a class index, the classes
/// distinct, one name per feature, every stored value finite and in range, one weight per row.
fn check_dataset(data: &Dataset, options: &LoadOptions) {
    let x = data.design();
    assert_eq!(data.y.len(), x.n_rows(), "one label per row");
    assert_eq!(
        data.feature_names.len(),
        x.n_features(),
        "one name per feature"
    );
    assert_eq!(data.n_features(), x.n_features());
    let k = data.labels.len();
    assert!(k >= 2, "training data has at least two classes");
    assert!(
        k <= options.max_classes.max(2),
        "at most max_classes classes"
    );
    for (a, class) in data.labels.classes.iter().enumerate() {
        assert!(
            !data.labels.classes[..a].contains(class),
            "class {class:?} twice"
        );
    }
    assert!(
        data.y
            .iter()
            .all(|&y| y >= 0.0 && y < k as f64 && y.fract() == 0.0),
        "every label is a class index"
    );
    check_values(&data.features);
    if let Some(weights) = &data.weights {
        assert_eq!(weights.len(), data.y.len(), "one weight per row");
        // The loaders return the column as it is; training checks it (finite, ≥ 0, not all 0):
        // the check must answer, not panic.
        let _ = logreg::data::check_weights(&data.source, "weight", weights);
    }
}

/// Checks data read for a model's `schema`: its features, values finite, labels its classes.
fn check_matching(x: &Features, y: Option<&[f64]>, schema: &Schema) {
    let design = x.design();
    assert_eq!(
        design.n_features(),
        schema.feature_names.len(),
        "the model's features"
    );
    check_values(x);
    if let Some(y) = y {
        assert_eq!(y.len(), design.n_rows(), "one label per row");
        let k = schema.labels.len() as f64;
        assert!(
            y.iter().all(|&y| y >= 0.0 && y < k && y.fract() == 0.0),
            "every label is one of the model's classes"
        );
    }
}

/// Every stored value is finite and every stored column index in range and increasing.
fn check_values(x: &Features) {
    let design = x.design();
    let n = design.n_features();
    for i in 0..design.n_rows() {
        let mut previous = None;
        design.for_each_nonzero(i, &mut |j, v| {
            assert!(v.is_finite(), "row {i}, column {j}: {v} is not finite");
            assert!(j < n, "row {i}: column {j} of {n}");
            assert!(previous < Some(j), "row {i}: columns out of order");
            previous = Some(j);
        });
    }
}

/// The options byte (the first; 0 for an empty input) and the rest.
fn split_options(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&options, rest)) => (options, rest),
        None => (0, &[]),
    }
}

/// bit 2 of the options byte: f32 or f64 storage.
fn precision(options: u8) -> Precision {
    if options & 0b100 == 0 {
        Precision::F32
    } else {
        Precision::F64
    }
}

/// bits 3-4 of the options byte: 2, 3, the default or the largest allowed class count.
fn max_classes(options: u8) -> usize {
    match (options >> 3) & 0b11 {
        0 => DEFAULT_MAX_CLASSES,
        1 => 2,
        2 => 3,
        _ => MAX_CLASSES_LIMIT,
    }
}

/// The comma-separated fields of the first line, naively (no quotes), CR trimmed.
fn first_line_fields(text: &[u8]) -> Vec<String> {
    let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line)
        .split(',')
        .map(str::to_owned)
        .collect()
}

/// The last comma-separated field of the second line (a label value, in a typical file).
fn second_line_last_field(text: &[u8]) -> String {
    let line = text.split(|&b| b == b'\n').nth(1).unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = String::from_utf8_lossy(line);
    text.rsplit(',').next().unwrap_or_default().to_owned()
}

thread_local! {
    /// This thread's scratch files, by name: one per target, reused for every input.
    static SCRATCH: RefCell<Vec<(String, PathBuf)>> = const { RefCell::new(Vec::new()) };
}

/// The scratch file `name` of this process and thread in `dir`, its name ending in `suffix`.
fn scratch_path(name: &str, suffix: &str, dir: &Path) -> PathBuf {
    SCRATCH.with(|files| {
        let mut files = files.borrow_mut();
        if let Some((_, path)) = files.iter().find(|(n, _)| n == name) {
            return path.clone();
        }
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file = format!("logreg-fuzz-{}-{unique}-{name}{suffix}", std::process::id());
        let path = dir.join(file);
        files.push((name.to_owned(), path.clone()));
        path
    })
}

/// Writes `bytes` to the scratch file `name` (under /dev/shm if it exists, else the temporary
/// folder) and returns its path.
fn scratch(name: &str, suffix: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_path(name, suffix, &scratch_dir());
    std::fs::write(&path, bytes).expect("the scratch file is writable");
    path
}

/// /dev/shm if it exists (memory, not disk), else the temporary folder.
fn scratch_dir() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// Removes this thread's scratch files (the corpus test calls it when done).
pub fn remove_scratch_files() {
    SCRATCH.with(|files| {
        for (_, path) in files.borrow_mut().drain(..) {
            let _ = std::fs::remove_file(path);
        }
    });
}
