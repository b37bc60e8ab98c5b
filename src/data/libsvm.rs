//! LIBSVM / SVMlight text format, read and written.
//!
//! One example per line: `label index:value index:value ... [# comment]`, indices 1-based and
//! strictly increasing, zeros omitted. A `qid:N` token (ranking data) is accepted and ignored,
//! `#` starts a comment, blank lines are skipped. Labels may be 0/1, −1/+1 or any two values.
//! Feature j (0-based) of the model is index j + 1 of the file, and is named `"j+1"`.
//!
//! Reading streams like CSV's (see [`super::source`]): chunks of lines are parsed in parallel,
//! each after a first pass that counts its rows and bounds its non-zeros (by the colons) so its
//! arrays are allocated once, and appended in file order. Errors name the file, the line and
//! the byte position in the line.

use super::dense::Element;
use super::labels::{ChunkLabels, LabelMap, RawLabels};
use super::source::{Chunk, Source, is_blank, lines, parse_chunks};
use super::sparse::CsrMatrix;
use super::{Dataset, Features, Precision};
use crate::error::{Error, Result};
use std::io::Write;
use std::ops::Range;
use std::path::Path;

/// What one chunk holds: its rows in CSR form (their lengths, not offsets) and label ids.
struct Rows<T> {
    labels: ChunkLabels,
    indices: Vec<u32>,
    values: Vec<T>,
    lengths: Vec<usize>,
    ids: Vec<u32>,
    /// Largest 1-based index seen (0 if none), and the first line with it.
    max_index: (u32, usize),
    /// Whether the chunk is only white space.
    blank: bool,
}

/// A failure on a 1-based line, at 1-based position `column` in it.
struct LineError {
    line: usize,
    column: usize,
    reason: String,
}

/// The part of a line before any `#` comment, right-trimmed.
fn content(line: &[u8]) -> &[u8] {
    let end = memchr::memchr(b'#', line).unwrap_or(line.len());
    line[..end].trim_ascii_end()
}

/// Rows (lines with content) and colons of a chunk.
fn count(chunk: &[u8]) -> (usize, usize) {
    let mut rows = 0;
    let mut colons = 0;
    for line in lines(chunk) {
        let c = content(line);
        if !is_blank(c) {
            rows += 1;
            colons += memchr::memchr_iter(b':', c).count();
        }
    }
    (rows, colons)
}

/// Tokens of a line separated by spaces or tabs, with their start positions.
fn tokens(line: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < line.len() && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        if i >= line.len() {
            return None;
        }
        let start = i;
        while i < line.len() && line[i] != b' ' && line[i] != b'\t' {
            i += 1;
        }
        Some((start, &line[start..i]))
    })
}

/// The fast path for the pairs of a plain line: `␣index:value` repeated, single spaces, plain
/// decimals (see `csv::scan_decimal`), increasing indices within the model's width.
/// The largest feature index a training file may use: 2²⁶ = 67,108,864 (the weights alone then
/// take 512 MB, and each solver keeps a few vectors of that size). A tiny file naming index
/// 4,294,967,295 would otherwise make logreg allocate about 100 GB.
pub const MAX_FEATURES: usize = 1 << 26;

/// The width any training file may have: 2²⁰ = 1,048,576 features. Beyond it a file may be no
/// wider than its number of stored values, so a tiny file cannot make logreg allocate gigabytes
/// (a 20-byte file naming index 2²⁶ once took 2.2 GB for its feature names alone, before any
/// solver vector).
pub const FREE_WIDTH: usize = 1 << 20;

/// Writes the pairs from the start of `indices`/`values` and returns how many and the last index,
/// or None at anything unusual (a tab, `qid:`, an error of any kind); the careful token-by-token
/// path then reads the line again and reports any error precisely.
fn scan_pairs<T: Element>(
    line: &[u8],
    max_features: Option<usize>,
    indices: &mut [u32],
    values: &mut [T],
) -> Option<(usize, u32)> {
    let limit = max_features.unwrap_or(MAX_FEATURES) as u64;
    let (mut i, mut k, mut previous) = (0, 0, 0u64);
    while i < line.len() {
        if line[i] != b' ' {
            return None;
        }
        let mut index = 0u64;
        let (end, count) = super::csv::digits(line, i + 1, &mut index);
        i = end;
        // At most 10 digits: the index is then exact in u64 and can be compared to the limit.
        if count == 0 || count > 10 || line.get(i) != Some(&b':') {
            return None;
        }
        if index <= previous || index > limit {
            return None;
        }
        let (value, end) = super::csv::scan_decimal(line, i + 1)?;
        *indices.get_mut(k)? = (index - 1) as u32;
        *values.get_mut(k)? = T::from_f64(value)?;
        (i, k, previous) = (end, k + 1, index);
    }
    Some((k, previous as u32))
}

/// Parses the rows of one chunk. A first pass counts its rows and bounds its non-zeros (by the
/// colons), so its arrays are allocated once.
fn parse_chunk<T: Element>(
    chunk: &Chunk,
    max_features: Option<usize>,
) -> std::result::Result<Rows<T>, LineError> {
    let (rows, bound) = count(&chunk.bytes);
    let mut found = Rows {
        labels: ChunkLabels::default(),
        indices: vec![0; bound],
        values: vec![T::default(); bound],
        lengths: vec![0; rows],
        ids: vec![0; rows],
        max_index: (0, 0),
        blank: rows == 0 && is_blank(&chunk.bytes),
    };
    let (indices, values) = (&mut found.indices, &mut found.values);
    let (lengths, ids) = (&mut found.lengths, &mut found.ids);
    let mut nnz = 0;
    let mut row = 0;
    for (line_number, line) in chunk.lines() {
        let line = content(line);
        if is_blank(line) {
            continue;
        }
        let fail = |position: usize, reason: String| LineError {
            line: line_number,
            column: position + 1,
            reason,
        };
        let mut toks = tokens(line);
        let (label_start, label) = toks.next().expect("a line with content has a token");
        if label.contains(&b':') {
            return Err(fail(
                0,
                "the line starts with an index:value pair, not a label".into(),
            ));
        }
        if label.contains(&b',') {
            return Err(fail(
                memchr::memchr(b',', label).unwrap_or(0),
                "a comma in the label: this looks like CSV, not LIBSVM (`label index:value …`); \
                 name the file .csv or drop --format libsvm"
                    .into(),
            ));
        }
        ids[row] = found.labels.id(label, line_number);
        let row_start = nnz;
        let pairs = &line[label_start + label.len()..];
        let (fast_i, fast_v) = (&mut indices[row_start..], &mut values[row_start..]);
        if let Some((n, last)) = scan_pairs(pairs, max_features, fast_i, fast_v) {
            nnz += n;
            if last > found.max_index.0 {
                found.max_index = (last, line_number);
            }
            lengths[row] = n;
            row += 1;
            continue;
        }
        if let Some(cr) = memchr::memchr(b'\r', line) {
            return Err(fail(
                cr,
                "a carriage return (CR) inside the line: the lines seem to end in a bare CR; \
                 convert the file to LF or CRLF line endings"
                    .into(),
            ));
        }
        let mut previous = 0u32;
        for (position, tok) in toks {
            let Some(colon) = memchr::memchr(b':', tok) else {
                return Err(fail(
                    position,
                    format!(
                        "expected index:value, found {:?}",
                        String::from_utf8_lossy(tok)
                    ),
                ));
            };
            let (index, value) = (&tok[..colon], &tok[colon + 1..]);
            if index == b"qid" {
                continue;
            }
            let show = || super::cut(&String::from_utf8_lossy(tok));
            let index: u64 = std::str::from_utf8(index)
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    fail(
                        position,
                        format!("{:?}: the index is not a positive integer", show()),
                    )
                })?;
            if max_features.is_none() && index > MAX_FEATURES as u64 {
                return Err(fail(
                    position,
                    format!(
                        "{:?}: index {index} is above the limit of {MAX_FEATURES} features (a \
                         model that wide would need {:.1} GB for its weights alone)",
                        show(),
                        index as f64 * 8e-9
                    ),
                ));
            }
            if let Some(n) = max_features.filter(|&n| index > n as u64) {
                return Err(fail(
                    position,
                    format!("feature index {index}, but the model has {n} features"),
                ));
            }
            // At most MAX_FEATURES, or the model's width: it fits in u32.
            let index = index as u32;
            if index == 0 {
                return Err(fail(position, format!("{:?}: indices start at 1", show())));
            }
            if index <= previous {
                return Err(fail(
                    position,
                    format!(
                        "{:?}: index {index} after {previous}; indices must increase",
                        show()
                    ),
                ));
            }
            let value_position = position + colon + 1;
            let v = super::csv::parse_number::<T>(value)
                .map_err(|reason| fail(value_position, format!("feature {index}: {reason}")))?;
            indices[nnz] = index - 1;
            values[nnz] = v;
            nnz += 1;
            previous = index;
        }
        if previous > found.max_index.0 {
            found.max_index = (previous, line_number);
        }
        lengths[row] = nnz - row_start;
        row += 1;
    }
    Ok(found)
}

/// The matrix and raw labels of a LIBSVM source.
fn read<T: Element>(
    source: &mut Source,
    max_features: Option<usize>,
) -> Result<(CsrMatrix<T>, RawLabels)> {
    let path = source.path().to_path_buf();
    let (mut indices, mut values) = (Vec::new(), Vec::new());
    let mut indptr = vec![0];
    let (mut ids, mut found, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    let (mut max_index, mut blank) = ((0, 0), true);
    let parse = |chunk: &Chunk| {
        parse_chunk::<T>(chunk, max_features).map_err(|e| Error::Parse {
            path: path.clone(),
            line: e.line,
            column: e.column,
            reason: e.reason,
        })
    };
    parse_chunks(source, None, parse, |rows: Rows<T>| {
        let nnz: usize = rows.lengths.iter().sum();
        indices.extend_from_slice(&rows.indices[..nnz]);
        values.extend_from_slice(&rows.values[..nnz]);
        for len in &rows.lengths {
            indptr.push(indptr.last().unwrap() + len);
        }
        ids.extend_from_slice(&rows.ids);
        counts.push(rows.lengths.len());
        found.push(rows.labels);
        // Chunks come in file order: the first line with the largest index is kept.
        if rows.max_index.0 > max_index.0 {
            max_index = rows.max_index;
        }
        blank &= rows.blank;
        Ok(())
    })?;
    if blank {
        return Err(Error::EmptyFile { path });
    }
    if ids.is_empty() {
        return Err(Error::NoRows { path });
    }
    let nnz = indices.len();
    let (widest, line) = (max_index.0 as usize, max_index.1);
    if max_features.is_none() && widest > FREE_WIDTH && widest > nnz {
        return Err(Error::Parse {
            path,
            line,
            column: 1,
            reason: format!(
                "feature index {widest} in a file of {nnz} stored values: above {FREE_WIDTH} \
                 features, a training file may be no wider than its number of stored values (a \
                 column that no row uses costs memory in every solver vector, and its weight is \
                 0); renumber the features densely"
            ),
        });
    }
    let cols = max_features.unwrap_or(widest);
    let labels = RawLabels::merge(found, &counts, ids);
    Ok((CsrMatrix::from_parts(indptr, indices, values, cols), labels))
}

fn read_features(
    source: &mut Source,
    max_features: Option<usize>,
    precision: Precision,
) -> Result<(Features, RawLabels)> {
    Ok(match precision {
        Precision::F32 => {
            let (m, l) = read::<f32>(source, max_features)?;
            (Features::Sparse32(m), l)
        }
        Precision::F64 => {
            let (m, l) = read::<f64>(source, max_features)?;
            (Features::Sparse64(m), l)
        }
    })
}

/// The names LIBSVM features get: "1", "2", … "n".
pub fn feature_names(n: usize) -> Vec<String> {
    (1..=n).map(|j| j.to_string()).collect()
}

/// The 1-based feature indices named by `--ignore` for a LIBSVM file: positive integers.
pub fn ignored_indices(names: &[String]) -> Result<Vec<usize>> {
    names
        .iter()
        .map(|name| match name.trim().parse::<usize>() {
            Ok(j) if j >= 1 => Ok(j),
            _ => Err(Error::InvalidParameter {
                name: "ignore",
                value: name.clone(),
                reason: "is not a feature index: LIBSVM features are numbered 1, 2, …",
            }),
        })
        .collect()
}

/// The matrix without the columns at the 1-based `ignored` indices, and the names of the
/// columns kept (their indices).
fn without_columns(features: Features, ignored: &[usize]) -> (Features, Vec<String>) {
    let n = features.design().n_features();
    let keep: Vec<usize> = (0..n).filter(|j| !ignored.contains(&(j + 1))).collect();
    let names = keep.iter().map(|j| (j + 1).to_string()).collect();
    let features = match features {
        Features::Sparse32(m) => Features::Sparse32(m.select_columns(&keep)),
        Features::Sparse64(m) => Features::Sparse64(m.select_columns(&keep)),
        other => other,
    };
    (features, names)
}

/// Reads training data from a LIBSVM file (plain or gzip), without the features at the 1-based
/// indices `ignore`.
pub fn read_training(
    path: &Path,
    positive: Option<&str>,
    precision: Precision,
    max_classes: usize,
    ignore: &[usize],
) -> Result<Dataset> {
    let mut source = Source::open(path)?;
    let (features, raw) = read_features(&mut source, None, precision)?;
    let n = features.design().n_features();
    if let Some(&j) = ignore.iter().find(|&&j| j > n) {
        return Err(Error::InvalidParameter {
            name: "ignore",
            value: j.to_string(),
            reason: "is beyond the file's features (its largest index is smaller)",
        });
    }
    if n == 0 {
        return Err(Error::Parse {
            path: path.into(),
            line: 1,
            column: 1,
            reason: "no row has an index:value pair, so there are no features: is this LIBSVM \
                     (`label index:value …`)?"
                .into(),
        });
    }
    let (labels, y) = raw.classes(path, 1, positive, max_classes)?;
    let (features, names) = without_columns(features, ignore);
    if names.is_empty() {
        return Err(Error::InvalidParameter {
            name: "ignore",
            value: format!("{ignore:?}"),
            reason: "leaves no feature",
        });
    }
    Ok(Dataset {
        source: path.into(),
        features,
        y,
        weights: None,
        feature_names: names,
        target: "label".into(),
        labels,
        ignored: ignore.iter().map(|j| j.to_string()).collect(),
        encoding: None,
        dropped_rows: 0,
    })
}

/// Reads data for a model with `n` features: the file may use fewer, but an index above n is
/// an error. Labels are encoded with the model's classes.
pub fn read_for_model(
    path: &Path,
    n: usize,
    labels: &LabelMap,
    precision: Precision,
) -> Result<(Features, Vec<f64>)> {
    read_for_model_without(path, n, &[], labels, precision)
}

/// [`read_for_model`] for a model trained without the 1-based indices `ignored`: the file has
/// up to `n` features counting them, and they are left out.
pub fn read_for_model_without(
    path: &Path,
    n: usize,
    ignored: &[usize],
    labels: &LabelMap,
    precision: Precision,
) -> Result<(Features, Vec<f64>)> {
    let mut source = Source::open(path)?;
    let (features, raw) = read_features(&mut source, Some(n), precision)?;
    let y = raw.encode(path, 1, labels)?;
    if ignored.is_empty() {
        return Ok((features, y));
    }
    Ok((without_columns(features, ignored).0, y))
}

/// Writes rows `rows` of X with labels y (class k → its label) in LIBSVM format, values in
/// their shortest round-trip decimal form, so reading the file back gives the same numbers.
pub fn write_rows(
    out: &mut impl Write,
    x: &dyn super::Design,
    y: &[f64],
    labels: &LabelMap,
    rows: Range<usize>,
) -> std::io::Result<()> {
    let single = x.precision() == "f32";
    for i in rows {
        out.write_all(labels.label(y[i] as usize).as_bytes())?;
        let mut result = Ok(());
        x.for_each_nonzero(i, &mut |j, v| {
            if result.is_ok() {
                result = if single {
                    write!(out, " {}:{}", j + 1, v as f32)
                } else {
                    write!(out, " {}:{}", j + 1, v)
                };
            }
        });
        result?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Parses one chunk the way `read` does; returns (indices, values, row lengths).
    fn parse(text: &str) -> (Vec<u32>, Vec<f64>, Vec<usize>) {
        let chunk = Chunk {
            bytes: text.as_bytes().to_vec(),
            first_line: 1,
        };
        let mut rows = parse_chunk::<f64>(&chunk, None).unwrap_or_else(|e| panic!("{}", e.reason));
        let nnz = rows.lengths.iter().sum();
        rows.indices.truncate(nnz);
        rows.values.truncate(nnz);
        (rows.indices, rows.values, rows.lengths)
    }

    proptest! {
        /// Plain lines take the fast path, lines with tabs, doubled spaces or `qid:` the
        /// careful one: both must read the same numbers as `str::parse`.
        #[test]
        fn fast_and_careful_paths_read_the_same_pairs(
            rows in prop::collection::vec(
                (prop::collection::btree_map(1u32..5000, -1e6f64..1e6, 0..12), 0u8..4),
                1..6,
            )
        ) {
            let mut text = String::new();
            let (mut want_i, mut want_v, mut want_l) = (vec![], vec![], vec![]);
            for (pairs, style) in &rows {
                text.push_str(if style % 2 == 0 { "+1" } else { "-1" });
                if *style == 3 {
                    text.push_str(" qid:7");
                }
                for (&j, &x) in pairs {
                    let sep = match style { 1 => "\t", 2 => "  ", _ => " " };
                    let shown = format!("{x:.6}");
                    text.push_str(&format!("{sep}{j}:{shown}"));
                    want_i.push(j - 1);
                    want_v.push(shown.parse::<f64>().unwrap());
                }
                want_l.push(pairs.len());
                text.push('\n');
            }
            let (i, v, l) = parse(&text);
            prop_assert_eq!(i, want_i);
            prop_assert_eq!(v, want_v);
            prop_assert_eq!(l, want_l);
        }
    }

    #[test]
    fn the_fast_path_declines_what_it_must_not_accept() {
        let mut i = [0u32; 4];
        let mut v = [0.0f64; 4];
        for pairs in [
            " 2:1 1:1",
            " 0:1",
            " 1:1 1:2",
            " 1:abc",
            " 1:1e400",
            " x:1",
            " 1:",
            " 1:1\t2:1",
            " 99999999999:1",
        ] {
            assert_eq!(
                scan_pairs(pairs.as_bytes(), None, &mut i, &mut v),
                None,
                "{pairs}"
            );
        }
        assert_eq!(
            scan_pairs(b" 3:1", Some(2), &mut i, &mut v),
            None,
            "an index above the model's width"
        );
        assert_eq!(
            scan_pairs(b" 1:0.5 3:-2", Some(3), &mut i, &mut v),
            Some((2, 3))
        );
        assert_eq!(
            (i[..2].to_vec(), v[..2].to_vec()),
            (vec![0, 2], vec![0.5, -2.0])
        );
    }
}
