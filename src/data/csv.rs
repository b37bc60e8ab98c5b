//! CSV with a header row: memory-mapped and parsed in parallel.
//!
//! The file is cut into chunks at line boundaries. A first parallel pass counts the data rows
//! of each chunk, so the matrix is allocated once at its final size; a second pass parses each
//! chunk straight into its own rows with `fast-float2`. Fields are split on commas; a field may
//! be wrapped in double quotes (a quoted field may hold commas, but not line breaks). Blank
//! lines are skipped, CRLF line ends and a UTF-8 byte-order mark are accepted, and spaces around
//! a value are ignored.
//!
//! Errors name the file, the line and the column (the 1-based field number) and say what was
//! wrong with the cell: empty, not a number, not finite, or too large for f32 storage.

use super::dense::{DenseMatrix, Element};
use super::labels::LabelMap;
use super::{Dataset, Features, Precision};
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes per parse chunk (before moving the cut to the next line end).
const CHUNK_BYTES: usize = 1 << 22;

/// Most label values tracked per chunk; enough to find the first third class.
const MAX_LABELS_PER_CHUNK: usize = 3;

enum Bytes {
    Mapped(memmap2::Mmap),
    Static(&'static [u8]),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Static(b) => b,
        }
    }
}

/// An opened CSV file whose header has been read.
pub struct CsvFile {
    path: PathBuf,
    bytes: Bytes,
    header: Vec<String>,
    body_start: usize,
}

/// Which header columns are features (in the order wanted) and which, if any, is the target.
#[derive(Debug, Clone)]
pub struct Columns {
    pub features: Vec<usize>,
    pub target: Option<usize>,
}

/// The distinct label values of a file, each with the byte offset of its first row, in order of
/// first appearance, and each row's index into them.
#[derive(Debug, Clone)]
pub struct RawLabels {
    pub values: Vec<String>,
    pub first_offset: Vec<usize>,
    pub ids: Vec<u32>,
}

/// What a parse returns: the chosen feature columns, and the raw target column if asked for.
pub struct Table<T> {
    pub features: DenseMatrix<T>,
    pub labels: Option<RawLabels>,
}

/// A cell-level failure inside a chunk, turned into an [`Error::Parse`] once the line is known.
struct CellError {
    offset: usize,
    column: usize,
    reason: String,
}

impl CsvFile {
    /// Maps the file and reads its header.
    pub fn open(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let bytes = if len == 0 {
            Bytes::Static(&[])
        } else {
            // SAFETY: the map is read-only; as with any reader, a file truncated by another
            // process while we read it is outside what we can guard against.
            Bytes::Mapped(unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?)
        };
        Self::from_bytes(path, bytes)
    }

    /// Reads CSV held in memory (such as the demo's embedded data); `name` is used in messages.
    pub fn from_static(name: &Path, bytes: &'static [u8]) -> Result<Self> {
        Self::from_bytes(name, Bytes::Static(bytes))
    }

    fn from_bytes(path: &Path, bytes: Bytes) -> Result<Self> {
        let mut start = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        // The header is the first line that is not blank.
        loop {
            if start >= bytes.len() {
                return Err(Error::EmptyFile { path: path.into() });
            }
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p);
            let line = trim_line(&bytes[start..end]);
            if is_blank(line) {
                start = end + 1;
                continue;
            }
            let mut ranges = Vec::new();
            split_fields(line, &mut ranges).map_err(|column| Error::Parse {
                path: path.into(),
                line: line_of(&bytes, start),
                column,
                reason: "unterminated quoted field in the header".into(),
            })?;
            let header: Vec<String> = ranges
                .iter()
                .map(|r| String::from_utf8_lossy(trim(&line[r.clone()])).into_owned())
                .collect();
            if let Some(column) = header.iter().position(|h| h.is_empty()) {
                return Err(Error::Parse {
                    path: path.into(),
                    line: line_of(&bytes, start),
                    column: column + 1,
                    reason: "empty column name in the header".into(),
                });
            }
            for (j, name) in header.iter().enumerate() {
                if header[..j].contains(name) {
                    return Err(Error::Parse {
                        path: path.into(),
                        line: line_of(&bytes, start),
                        column: j + 1,
                        reason: format!("column name {name:?} appears twice in the header"),
                    });
                }
            }
            let body_start = (end + 1).min(bytes.len());
            return Ok(CsvFile {
                path: path.into(),
                bytes,
                header,
                body_start,
            });
        }
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Parses every data row, keeping the `columns` asked for.
    pub fn read<T: Element>(&self, columns: &Columns) -> Result<Table<T>> {
        let body = &self.bytes[self.body_start..];
        let chunks = chunk_ranges(body);
        let counts: Vec<usize> = chunks
            .par_iter()
            .map(|r| count_rows(&body[r.clone()]))
            .collect();
        let rows: usize = counts.iter().sum();
        if rows == 0 {
            return Err(Error::NoRows {
                path: self.path.clone(),
            });
        }
        let n = columns.features.len();
        let mut values = vec![T::default(); rows * n];
        let mut ids = vec![0u32; if columns.target.is_some() { rows } else { 0 }];

        // Hand each chunk its own slice of the output.
        let mut jobs = Vec::with_capacity(chunks.len());
        let (mut rest_values, mut rest_ids) = (values.as_mut_slice(), ids.as_mut_slice());
        for (range, &count) in chunks.iter().zip(&counts) {
            let (v, vr) = rest_values.split_at_mut(count * n);
            let take_ids = if columns.target.is_some() { count } else { 0 };
            let (l, lr) = rest_ids.split_at_mut(take_ids);
            rest_values = vr;
            rest_ids = lr;
            jobs.push((range.clone(), v, l));
        }
        let width = self.header.len();
        let results: Vec<Result<Vec<(String, usize)>, CellError>> = jobs
            .into_par_iter()
            .map(|(range, v, l)| {
                let offset = self.body_start + range.start;
                parse_chunk(&body[range], offset, width, columns, &self.header, v, l)
            })
            .collect();

        // Merge chunk-local label tables in file order.
        let mut labels = RawLabels {
            values: Vec::new(),
            first_offset: Vec::new(),
            ids,
        };
        let mut row = 0;
        for (result, &count) in results.into_iter().zip(&counts) {
            let local = result.map_err(|e| self.cell_error(e))?;
            if columns.target.is_none() {
                continue;
            }
            let remap: Vec<u32> = local
                .into_iter()
                .map(
                    |(value, offset)| match labels.values.iter().position(|v| *v == value) {
                        Some(p) => p as u32,
                        None => {
                            labels.values.push(value);
                            labels.first_offset.push(offset);
                            (labels.values.len() - 1) as u32
                        }
                    },
                )
                .collect();
            for id in &mut labels.ids[row..row + count] {
                // Rows past the per-chunk limit keep u32::MAX; the caller rejects such a file
                // for its third class before reading them.
                *id = remap.get(*id as usize).copied().unwrap_or(u32::MAX);
            }
            row += count;
        }
        Ok(Table {
            features: DenseMatrix::from_row_major(values, rows, n),
            labels: columns.target.map(|_| labels),
        })
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        line_of(&self.bytes, offset)
    }

    fn cell_error(&self, e: CellError) -> Error {
        Error::Parse {
            path: self.path.clone(),
            line: self.line_of(e.offset),
            column: e.column,
            reason: e.reason,
        }
    }
}

fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + memchr::memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count()
}

fn trim_line(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim(field: &[u8]) -> &[u8] {
    field.trim_ascii()
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Cuts `body` into ranges of about [`CHUNK_BYTES`], each ending just after a line break.
fn chunk_ranges(body: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < body.len() {
        let mut end = (start + CHUNK_BYTES).min(body.len());
        if end < body.len() {
            end = memchr::memchr(b'\n', &body[end..]).map_or(body.len(), |p| end + p + 1);
        }
        ranges.push(start..end);
        start = end;
    }
    ranges
}

/// The lines of `chunk`, each with its offset within the chunk, CR stripped.
fn lines(chunk: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= chunk.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |p| start + p);
        let item = (start, trim_line(&chunk[start..end]));
        start = end + 1;
        Some(item)
    })
}

fn count_rows(chunk: &[u8]) -> usize {
    lines(chunk).filter(|(_, line)| !is_blank(line)).count()
}

/// Splits a line into field ranges (quotes excluded). On an unterminated quote returns the
/// 1-based field number.
fn split_fields(line: &[u8], out: &mut Vec<Range<usize>>) -> std::result::Result<(), usize> {
    out.clear();
    if memchr::memchr(b'"', line).is_none() {
        let mut start = 0;
        for p in memchr::memchr_iter(b',', line) {
            out.push(start..p);
            start = p + 1;
        }
        out.push(start..line.len());
        return Ok(());
    }
    let mut i = 0;
    loop {
        // Skip spaces before a possible opening quote.
        let mut j = i;
        while j < line.len() && line[j] == b' ' {
            j += 1;
        }
        if j < line.len() && line[j] == b'"' {
            let open = j + 1;
            let mut k = open;
            loop {
                match memchr::memchr(b'"', &line[k..]) {
                    None => return Err(out.len() + 1),
                    Some(p) if line.get(k + p + 1) == Some(&b'"') => k += p + 2,
                    Some(p) => {
                        k += p;
                        break;
                    }
                }
            }
            out.push(open..k);
            match memchr::memchr(b',', &line[k..]) {
                Some(p) => i = k + p + 1,
                None => return Ok(()),
            }
        } else {
            match memchr::memchr(b',', &line[i..]) {
                Some(p) => {
                    out.push(i..i + p);
                    i += p + 1;
                }
                None => {
                    out.push(i..line.len());
                    return Ok(());
                }
            }
        }
    }
}

/// Parses one numeric cell.
fn parse_number<T: Element>(cell: &[u8]) -> std::result::Result<T, String> {
    let text = trim(cell);
    if text.is_empty() {
        return Err("empty cell (a missing value)".into());
    }
    let show = || String::from_utf8_lossy(text).into_owned();
    let value: f64 =
        fast_float2::parse(text).map_err(|_| format!("cannot read {:?} as a number", show()))?;
    if !value.is_finite() {
        return Err(format!("{:?} is not a finite number", show()));
    }
    T::from_f64(value).ok_or_else(|| {
        format!(
            "{:?} is too large for {} storage (use --precision f64)",
            show(),
            T::NAME
        )
    })
}

/// Parses the rows of one chunk into `values` (row-major) and `ids` (chunk-local label ids).
/// Returns the chunk's label values with their first byte offsets.
fn parse_chunk<T: Element>(
    chunk: &[u8],
    chunk_offset: usize,
    width: usize,
    columns: &Columns,
    header: &[String],
    values: &mut [T],
    ids: &mut [u32],
) -> std::result::Result<Vec<(String, usize)>, CellError> {
    let n = columns.features.len();
    let mut fields = Vec::with_capacity(width);
    let mut labels: Vec<(String, usize)> = Vec::new();
    let mut row = 0;
    for (start, line) in lines(chunk) {
        if is_blank(line) {
            continue;
        }
        let offset = chunk_offset + start;
        split_fields(line, &mut fields).map_err(|column| CellError {
            offset,
            column,
            reason: "unterminated quoted field".into(),
        })?;
        if fields.len() != width {
            return Err(CellError {
                offset,
                column: fields.len().min(width) + 1,
                reason: format!(
                    "row has {} fields but the header has {}",
                    fields.len(),
                    width
                ),
            });
        }
        let out = &mut values[row * n..(row + 1) * n];
        for (slot, &col) in out.iter_mut().zip(&columns.features) {
            *slot = parse_number(&line[fields[col].clone()]).map_err(|reason| CellError {
                offset,
                column: col + 1,
                reason: format!("column {:?}: {reason}", header[col]),
            })?;
        }
        if let Some(t) = columns.target {
            let text = trim(&line[fields[t].clone()]);
            if text.is_empty() {
                return Err(CellError {
                    offset,
                    column: t + 1,
                    reason: format!("empty label in target column {:?}", header[t]),
                });
            }
            let id = match labels.iter().position(|(v, _)| v.as_bytes() == text) {
                Some(p) => p as u32,
                None if labels.len() < MAX_LABELS_PER_CHUNK => {
                    labels.push((String::from_utf8_lossy(text).into_owned(), offset));
                    (labels.len() - 1) as u32
                }
                None => u32::MAX,
            };
            ids[row] = id;
        }
        row += 1;
    }
    Ok(labels)
}

/// Options for reading training data.
#[derive(Debug, Clone, Default)]
pub struct TrainingCsv<'a> {
    /// The target column; default `label` if present, else the last column.
    pub target: Option<&'a str>,
    /// The label value that is y = 1; default per [`LabelMap::from_values`].
    pub positive: Option<&'a str>,
    pub precision: Precision,
}

/// Reads a training file: every column but the target is a feature.
pub fn read_training(path: &Path, options: &TrainingCsv) -> Result<Dataset> {
    training_dataset(CsvFile::open(path)?, options)
}

/// Reads training data from an opened [`CsvFile`].
pub fn training_dataset(file: CsvFile, options: &TrainingCsv) -> Result<Dataset> {
    let path = file.path().to_path_buf();
    let path = path.as_path();
    let header = file.header();
    let target = match options.target {
        Some(name) => {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| Error::MissingTarget {
                    path: path.into(),
                    name: name.into(),
                    available: header.to_vec(),
                })?
        }
        None => header
            .iter()
            .position(|h| h == "label")
            .unwrap_or(header.len() - 1),
    };
    if header.len() < 2 {
        return Err(Error::Parse {
            path: path.into(),
            line: 1,
            column: 1,
            reason: "the header names only the target column: there are no features".into(),
        });
    }
    let columns = Columns {
        features: (0..header.len()).filter(|&j| j != target).collect(),
        target: Some(target),
    };
    let feature_names = columns
        .features
        .iter()
        .map(|&j| header[j].clone())
        .collect();
    let (features, raw) = read_features(&file, &columns, options.precision)?;
    let raw = raw.expect("target column requested");
    let labels = match raw.values.len() {
        1 => {
            return Err(Error::SingleClass {
                path: path.into(),
                label: raw.values[0].clone(),
            });
        }
        2 => LabelMap::from_values(&raw.values[0], &raw.values[1], options.positive)?,
        _ => {
            return Err(Error::TooManyClasses {
                path: path.into(),
                line: file.line_of(raw.first_offset[2]),
                first: raw.values[0].clone(),
                second: raw.values[1].clone(),
                third: raw.values[2].clone(),
            });
        }
    };
    let positive_id = raw
        .values
        .iter()
        .position(|v| *v == labels.positive)
        .unwrap() as u32;
    Ok(Dataset {
        source: path.into(),
        features,
        y: raw
            .ids
            .iter()
            .map(|&id| f64::from(u8::from(id == positive_id)))
            .collect(),
        feature_names,
        target: header[target].clone(),
        labels,
    })
}

/// Reads prediction or evaluation data for a model: the feature columns are found by name and
/// returned in the model's order; the target column is read if present. Any other column is an
/// error, since it means the file was not laid out like the training data.
pub fn read_for_model(
    path: &Path,
    feature_names: &[String],
    target: &str,
    precision: Precision,
) -> Result<(Features, Option<(RawLabels, CsvFile)>)> {
    let file = CsvFile::open(path)?;
    let header = file.header();
    let missing: Vec<&str> = feature_names
        .iter()
        .filter(|f| !header.contains(f))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = header
        .iter()
        .filter(|h| *h != target && !feature_names.contains(h))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut reason = format!(
            "the model has {} features, the file has {} feature columns",
            feature_names.len(),
            header.len() - usize::from(header.iter().any(|h| h == target))
        );
        if !missing.is_empty() {
            reason += &format!("; missing: {}", missing.join(", "));
        }
        if !extra.is_empty() {
            reason += &format!("; not in the model: {}", extra.join(", "));
        }
        return Err(Error::FeatureMismatch {
            path: path.into(),
            reason,
        });
    }
    let columns = Columns {
        features: feature_names
            .iter()
            .map(|f| header.iter().position(|h| h == f).unwrap())
            .collect(),
        target: header.iter().position(|h| h == target),
    };
    let (features, raw) = read_features(&file, &columns, precision)?;
    Ok((features, raw.map(|r| (r, file))))
}

fn read_features(
    file: &CsvFile,
    columns: &Columns,
    precision: Precision,
) -> Result<(Features, Option<RawLabels>)> {
    Ok(match precision {
        Precision::F32 => {
            let t = file.read::<f32>(columns)?;
            (Features::Dense32(t.features), t.labels)
        }
        Precision::F64 => {
            let t = file.read::<f64>(columns)?;
            (Features::Dense64(t.features), t.labels)
        }
    })
}

/// Encodes raw labels with a model's label map; the first unknown label is an error naming
/// its line and column.
pub fn encode_labels(
    raw: &RawLabels,
    file: &CsvFile,
    target: &str,
    labels: &LabelMap,
) -> Result<Vec<f64>> {
    let mut codes = Vec::with_capacity(raw.values.len());
    for (value, &offset) in raw.values.iter().zip(&raw.first_offset) {
        match labels.encode(value) {
            Some(y) => codes.push(y),
            None => {
                return Err(Error::UnknownLabel {
                    path: file.path().into(),
                    line: file.line_of(offset),
                    column: file
                        .header()
                        .iter()
                        .position(|h| h == target)
                        .map_or(0, |c| c + 1),
                    label: value.clone(),
                    negative: labels.negative.clone(),
                    positive: labels.positive.clone(),
                });
            }
        }
    }
    // Every id is below MAX_LABELS_PER_CHUNK once all known values were encoded above, unless a
    // chunk saw more distinct values than tracked, which means a third value that was reported.
    raw.ids
        .iter()
        .map(|&id| {
            codes.get(id as usize).copied().ok_or_else(|| Error::Parse {
                path: file.path().into(),
                line: 0,
                column: 0,
                reason: "more than two distinct labels".into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &str) -> Vec<String> {
        let mut r = Vec::new();
        split_fields(line.as_bytes(), &mut r).unwrap();
        r.into_iter().map(|r| line[r].to_string()).collect()
    }

    #[test]
    fn splits_plain_and_quoted_fields() {
        assert_eq!(fields("1,2,abc"), ["1", "2", "abc"]);
        assert_eq!(fields("1,,3"), ["1", "", "3"]);
        assert_eq!(fields(r#""a,b",2, "x""y""#), ["a,b", "2", r#"x""y"#]);
        assert_eq!(fields(""), [""]);
        assert!(split_fields(br#"1,"abc"#, &mut Vec::new()).is_err());
    }

    #[test]
    fn parses_numbers_strictly() {
        assert_eq!(parse_number::<f64>(b" 1.5e3 "), Ok(1500.0));
        assert!(parse_number::<f64>(b"").is_err());
        assert!(parse_number::<f64>(b"1.5x").is_err());
        assert!(parse_number::<f64>(b"nan").is_err());
        assert!(parse_number::<f64>(b"inf").is_err());
        assert!(parse_number::<f32>(b"1e39").is_err());
        assert_eq!(parse_number::<f64>(b"1e39"), Ok(1e39));
    }

    #[test]
    fn chunks_end_on_line_breaks() {
        let body: Vec<u8> = (0..800_000)
            .flat_map(|i| format!("{i},1\n").into_bytes())
            .collect();
        let chunks = chunk_ranges(&body);
        assert!(chunks.len() > 1);
        for c in &chunks {
            assert_eq!(body[c.end - 1], b'\n');
        }
        assert_eq!(
            chunks
                .iter()
                .map(|c| count_rows(&body[c.clone()]))
                .sum::<usize>(),
            800_000
        );
    }
}
