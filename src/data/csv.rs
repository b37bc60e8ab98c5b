//! CSV with a header row, read in chunks and parsed in parallel (see [`super::source`]).
//!
//! The file comes in chunks that end at line breaks; each batch of chunks is parsed in
//! parallel, each chunk into its own rows with `fast-float2`, and appended in file order. Fields
//! are split on the separator the header line uses: the most frequent of `,`, `;`, tab and `|`
//! outside quotes (see [`detect_delimiter`]), a comma if none appears. A field may
//! be wrapped in double quotes as RFC 4180 has it (a quoted field may hold the separator and,
//! written `""`, quotes, but not line breaks; only spaces may follow its closing quote). Blank lines are
//! skipped, CRLF line ends and a UTF-8 byte-order mark are accepted, and spaces around a value
//! are ignored. Lines ending in a bare CR (classic Mac OS) are an error that says so.
//!
//! Errors name the file, the line and the column (the 1-based field number) and say what was
//! wrong with the cell: empty, not a number, not finite, or too large or too small for f32
//! storage.

use super::dense::{DenseMatrix, Element};
use super::encoding::EncodeOptions;
use super::labels::{ChunkLabels, MISSING_ID, RawLabels};
use super::source::{Chunk, Source, is_blank, parse_chunks, trim_line};
use super::{Dataset, Features, Precision};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

/// An opened CSV file whose header has been read.
pub struct CsvFile {
    source: Source,
    header: Vec<String>,
    /// The field separator, told from the header (see [`detect_delimiter`]).
    delimiter: u8,
    /// The rest of the chunk that held the header: the first rows.
    first: Chunk,
    /// The header line and its number (to split it again with another separator).
    header_line: (Vec<u8>, usize),
}

/// Which header columns are features (in the order wanted), and which, if any, are the target
/// and the row weights.
#[derive(Debug, Clone)]
pub struct Columns {
    pub features: Vec<usize>,
    pub target: Option<usize>,
    pub weight: Option<usize>,
    /// How each feature's cells are read; empty: every feature is a number and no cell may be
    /// missing.
    pub kinds: Vec<Kind>,
    /// Cells that count as missing besides the standard ones (see [`is_missing`]).
    pub na_values: Vec<String>,
    /// Columns whose text is kept as it is, per row (`predict --keep`).
    pub keep: Vec<usize>,
}

impl Columns {
    /// Numeric `features`, with no cell missing.
    pub fn numeric(features: Vec<usize>, target: Option<usize>, weight: Option<usize>) -> Self {
        Columns {
            features,
            target,
            weight,
            kinds: Vec::new(),
            na_values: Vec::new(),
            keep: Vec::new(),
        }
    }

    fn kind(&self, slot: usize) -> Kind {
        self.kinds.get(slot).copied().unwrap_or(Kind::Number {
            missing: false,
            trained: false,
        })
    }
}

/// How the cells of a feature column are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Numbers. With `missing`, a missing cell is accepted (and listed in
    /// [`Table::missing`]); `trained` says the column was numeric in the model's training data
    /// (for the message about a text value).
    Number { missing: bool, trained: bool },
    /// Numbers, unless the column holds text (a value that is not a number and not missing),
    /// and then text: training data, where a column's kind is told from its values. A column
    /// with both numbers and text is an error.
    Either { missing: bool },
    /// Text: each distinct value (numbers too) is a level; a missing cell is its own.
    Text,
}

/// What a parse returns: the chosen feature columns, and the raw target column and the weight
/// column if asked for.
pub struct Table<T> {
    /// One column per feature; a text column's and a missing cell's entries are 0.
    pub features: DenseMatrix<T>,
    pub labels: Option<RawLabels>,
    pub weights: Option<Vec<f64>>,
    /// Per feature: its values if it was read as text (each row's id; a missing cell's is
    /// [`MISSING_ID`]).
    pub text: Vec<Option<RawLabels>>,
    /// The missing numeric cells, as indices row · n + feature into the features.
    pub missing: Vec<usize>,
}

/// Is this trimmed cell a missing value? Empty, `NA`, `NaN` or `null` (any case), or one of
/// `extra` exactly.
pub fn is_missing(cell: &[u8], extra: &[String]) -> bool {
    cell.is_empty()
        || (cell.len() <= 4
            && [&b"na"[..], b"nan", b"null"]
                .iter()
                .any(|t| cell.eq_ignore_ascii_case(t)))
        || extra.iter().any(|e| e.as_bytes() == cell)
}

/// A cell-level failure inside a chunk, on a 1-based line.
struct CellError {
    line: usize,
    column: usize,
    reason: String,
}

impl CellError {
    /// The error naming `path` too.
    fn in_file(self, path: &Path) -> Error {
        Error::Parse {
            path: path.into(),
            line: self.line,
            column: self.column,
            reason: self.reason,
        }
    }
}

/// What one chunk holds: its rows' values (row-major), chunk-local label ids and weights.
struct Rows<T> {
    count: usize,
    values: Vec<T>,
    ids: Vec<u32>,
    weights: Vec<f64>,
    labels: ChunkLabels,
    text: ChunkText,
    /// Missing numeric cells, as indices row · n + feature within the chunk.
    missing: Vec<usize>,
    firsts: Firsts,
    /// The kept columns' text, row after row.
    kept: Vec<String>,
}

/// Per feature whose kind is told from its values ([`Kind::Either`]): the first line with a
/// number in it and the first with a missing cell, 0 for none (empty when no kind is told).
#[derive(Debug, Clone, Default)]
struct Firsts {
    number: Vec<usize>,
    missing: Vec<usize>,
}

impl Firsts {
    fn new(n: usize, columns: &Columns) -> Self {
        if columns
            .kinds
            .iter()
            .any(|k| matches!(k, Kind::Either { .. }))
        {
            Firsts {
                number: vec![0; n],
                missing: vec![0; n],
            }
        } else {
            Firsts::default()
        }
    }

    #[inline]
    fn number(&mut self, slot: usize, line: usize) {
        if let Some(first @ 0) = self.number.get_mut(slot) {
            *first = line;
        }
    }

    #[inline]
    fn missing(&mut self, slot: usize, line: usize) {
        if let Some(first @ 0) = self.missing.get_mut(slot) {
            *first = line;
        }
    }

    /// The first number's line of `slot`, if any.
    fn number_at(&self, slot: usize) -> Option<usize> {
        self.number.get(slot).copied().filter(|&l| l != 0)
    }

    /// Takes the lines of a later chunk where this has none.
    fn merge(&mut self, later: &Firsts) {
        for (mine, theirs) in [
            (&mut self.number, &later.number),
            (&mut self.missing, &later.missing),
        ] {
            for (m, &t) in mine.iter_mut().zip(theirs) {
                if *m == 0 {
                    *m = t;
                }
            }
        }
    }
}

/// The text columns of one chunk.
#[derive(Default)]
struct ChunkText {
    /// Feature → index into `columns`, `u32::MAX` for none; empty until a column has text.
    at: Vec<u32>,
    columns: Vec<TextCells>,
}

/// One text column of one chunk: its distinct values and each row's id.
struct TextCells {
    feature: usize,
    /// Told from the values ([`Kind::Either`]): a number among them is an error.
    told: bool,
    /// The line of its first text value.
    first_line: usize,
    values: ChunkLabels,
    ids: Vec<u32>,
}

impl ChunkText {
    fn cells(&mut self, feature: usize) -> Option<&mut TextCells> {
        let i = *self.at.get(feature)?;
        self.columns.get_mut(i as usize)
    }

    /// Makes `feature` a text column from row `row` of the chunk (the rows before are missing),
    /// with room for `lines` rows.
    fn start(
        &mut self,
        n: usize,
        feature: usize,
        told: bool,
        row: usize,
        line: usize,
        lines: usize,
    ) {
        if self.at.is_empty() {
            self.at = vec![u32::MAX; n];
        }
        self.at[feature] = self.columns.len() as u32;
        self.columns.push(TextCells {
            feature,
            told,
            first_line: line,
            values: ChunkLabels::unlimited(),
            ids: {
                let mut ids = Vec::with_capacity(lines.max(row));
                ids.resize(row, MISSING_ID);
                ids
            },
        });
    }
}

impl TextCells {
    /// Adds a row's cell (trimmed).
    fn push(
        &mut self,
        cell: &[u8],
        line: usize,
        na_values: &[String],
        header: &[String],
        column: usize,
    ) -> std::result::Result<(), CellError> {
        if is_missing(cell, na_values) {
            self.ids.push(MISSING_ID);
            return Ok(());
        }
        let before = self.values.len();
        let id = self.values.id(cell, line);
        if self.told && self.values.len() > before && parse_number::<f64>(cell).is_ok() {
            return Err(CellError {
                line,
                column: column + 1,
                reason: mixed_column(
                    &header[column],
                    &format!("{:?} is a number", show(cell)),
                    &format!("line {} has text", self.first_line),
                ),
            });
        }
        self.ids.push(id);
        Ok(())
    }
}

/// The message for a column with numbers and text.
fn mixed_column(name: &str, this: &str, other: &str) -> String {
    format!(
        "column {:?} has both numbers and text: {this}, but {other}; if the column is categorical \
         (codes, ids), say so with --categorical {}, and if the text marks a missing value, \
         name it with --na-values",
        super::cut(name),
        super::cut(name)
    )
}

/// A cell as text for a message.
fn show(cell: &[u8]) -> String {
    super::cut(&String::from_utf8_lossy(cell))
}

impl CsvFile {
    /// Opens the file (plain or gzip) and reads its header.
    pub fn open(path: &Path) -> Result<Self> {
        Self::from_source(Source::open(path)?)
    }

    /// Opens the file with this field separator, or the one its header shows.
    pub fn open_with(path: &Path, delimiter: Option<u8>) -> Result<Self> {
        let mut file = Self::open(path)?;
        if let Some(d) = delimiter
            && d != file.delimiter
        {
            file.delimiter = d;
            let line = file.header_line.clone();
            file.header = read_header(&file.source, &line.0, line.1, d)?;
        }
        Ok(file)
    }

    /// Reads CSV held in the binary (such as the demo's data); `name` is used in messages.
    pub fn from_static(name: &Path, bytes: &'static [u8]) -> Result<Self> {
        Self::from_source(Source::from_static(name, bytes))
    }

    /// Reads CSV from any source (a pipe, say).
    pub fn from_source(mut source: Source) -> Result<Self> {
        let mut first_chunk = true;
        // The header is the first line that is not blank.
        loop {
            let Some(mut chunk) = source.next_chunk()? else {
                return Err(Error::EmptyFile {
                    path: source.path().into(),
                });
            };
            if std::mem::take(&mut first_chunk) && chunk.bytes.starts_with(b"\xEF\xBB\xBF") {
                chunk.bytes.drain(..3);
            }
            let mut start = 0;
            let mut line_number = chunk.first_line;
            while start < chunk.bytes.len() {
                let bytes = &chunk.bytes;
                let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |p| start + p);
                let line = trim_line(&bytes[start..end]);
                if is_blank(line) {
                    start = end + 1;
                    line_number += 1;
                    continue;
                }
                let delimiter = detect_delimiter(line);
                let header_line = (line.to_vec(), line_number);
                let header = read_header(&source, line, line_number, delimiter)?;
                let rest = chunk.bytes.split_off((end + 1).min(chunk.bytes.len()));
                return Ok(CsvFile {
                    source,
                    header,
                    delimiter,
                    first: Chunk {
                        bytes: rest,
                        first_line: line_number + 1,
                    },
                    header_line,
                });
            }
        }
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn path(&self) -> &Path {
        self.source.path()
    }

    /// Parses every data row, keeping the `columns` asked for.
    pub fn read<T: Element>(self, columns: &Columns) -> Result<Table<T>> {
        let CsvFile {
            mut source,
            header,
            delimiter,
            first,
            ..
        } = self;
        let path = source.path().to_path_buf();
        let roles = roles(header.len(), columns);
        let n = columns.features.len();
        let (mut values, mut ids, mut weights) = (Vec::new(), Vec::new(), Vec::new());
        let (mut locals, mut counts) = (Vec::new(), Vec::new());
        let mut text = TextColumns::new(n, columns);
        let mut missing = Vec::new();
        let parse = |chunk: &Chunk| {
            parse_chunk::<T>(chunk, delimiter, columns, &roles, &header)
                .map_err(|e| e.in_file(&path))
        };
        parse_chunks(&mut source, Some(first), parse, |rows: Rows<T>| {
            let before: usize = counts.iter().sum();
            text.add(&path, &header, before, rows.count, rows.text, &rows.firsts)?;
            values.extend_from_slice(&rows.values);
            missing.extend(rows.missing.iter().map(|m| before * n + m));
            ids.extend_from_slice(&rows.ids);
            weights.extend_from_slice(&rows.weights);
            counts.push(rows.count);
            locals.push(rows.labels);
            Ok(())
        })?;
        let rows: usize = counts.iter().sum();
        if rows == 0 {
            return Err(Error::NoRows { path });
        }
        // A missing cell in a column told from its values is an error only if the column is
        // numeric and missing cells are not accepted (in a text column it is a level).
        for (slot, &line) in text.firsts.missing.iter().enumerate() {
            let refused = columns.kind(slot) == Kind::Either { missing: false };
            if line != 0 && refused && !text.merged.contains_key(&slot) {
                let column = columns.features[slot];
                return Err(Error::Parse {
                    path,
                    line,
                    column: column + 1,
                    reason: format!("column {:?}: {}", header[column], missing_cell(None, false)),
                });
            }
        }
        let labels = RawLabels::merge(locals, &counts, ids);
        Ok(Table {
            features: DenseMatrix::from_row_major(values, rows, n),
            labels: columns.target.map(|_| labels),
            weights: columns.weight.map(|_| weights),
            text: text.finish(n),
            missing,
        })
    }
}

/// A text column being merged: its chunks' tables and row counts, the rows' ids, and its first
/// text line.
type Merging = (Vec<ChunkLabels>, Vec<usize>, Vec<u32>, usize);

/// The text columns of a file as its chunks come in, in file order.
struct TextColumns<'c> {
    columns: &'c Columns,
    /// Per text feature: the chunks' tables and row counts, the rows' ids, and its first text
    /// line.
    merged: std::collections::BTreeMap<usize, Merging>,
    /// The first lines with a number and with a missing cell, over the chunks so far.
    firsts: Firsts,
}

impl<'c> TextColumns<'c> {
    fn new(n: usize, columns: &'c Columns) -> Self {
        TextColumns {
            columns,
            merged: Default::default(),
            firsts: Firsts::new(n, columns),
        }
    }

    /// Adds a chunk of `count` rows after `before` rows. A feature with text in one chunk and
    /// numbers in another is an error naming a line of each.
    fn add(
        &mut self,
        path: &Path,
        header: &[String],
        before: usize,
        count: usize,
        chunk: ChunkText,
        firsts: &Firsts,
    ) -> Result<()> {
        let mixed = |feature: usize, number: usize, text: usize| {
            let column = self.columns.features[feature];
            Error::Parse {
                path: path.into(),
                line: number.max(text),
                column: column + 1,
                reason: mixed_column(
                    &header[column],
                    &format!("line {text} has text"),
                    &format!("line {number} has a number"),
                ),
            }
        };
        let mut seen = vec![];
        for cells in chunk.columns {
            let f = cells.feature;
            seen.push(f);
            if !self.merged.contains_key(&f) {
                if let Some(number) = self.firsts.number_at(f) {
                    return Err(mixed(f, number, cells.first_line));
                }
                let padding = (
                    vec![ChunkLabels::unlimited()],
                    vec![before],
                    vec![MISSING_ID; before],
                );
                self.merged
                    .insert(f, (padding.0, padding.1, padding.2, cells.first_line));
            }
            let (locals, counts, ids, _) = self.merged.get_mut(&f).expect("inserted");
            locals.push(cells.values);
            counts.push(count);
            ids.extend_from_slice(&cells.ids);
        }
        for (&f, (locals, counts, ids, first_text)) in &mut self.merged {
            if seen.contains(&f) {
                continue;
            }
            if let Some(number) = firsts.number_at(f) {
                return Err(mixed(f, number, *first_text));
            }
            locals.push(ChunkLabels::unlimited());
            counts.push(count);
            ids.resize(ids.len() + count, MISSING_ID);
        }
        self.firsts.merge(firsts);
        Ok(())
    }

    /// Per feature, its values if it is a text column (the columns merged in parallel).
    fn finish(self, n: usize) -> Vec<Option<RawLabels>> {
        use rayon::prelude::*;
        let mut out: Vec<Option<RawLabels>> = (0..n).map(|_| None).collect();
        let merged: Vec<(usize, RawLabels)> = self
            .merged
            .into_par_iter()
            .map(|(f, (locals, counts, ids, _))| (f, RawLabels::merge(locals, &counts, ids)))
            .collect();
        for (f, raw) in merged {
            out[f] = Some(raw);
        }
        out
    }
}

/// The field separator of a file whose header is `line`: the most frequent of `,`, `;`, tab
/// and `|` outside quotes, the earlier in that list on a tie, and `,` when none appears (a
/// single column).
fn detect_delimiter(line: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &c in line {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(k) = CANDIDATES.iter().position(|&d| d == c) {
            counts[k] += 1;
        }
    }
    let best = (0..4).fold(0, |best, k| if counts[k] > counts[best] { k } else { best });
    CANDIDATES[best]
}

/// The column names of header `line` (on 1-based `line_number` of `source`).
fn read_header(
    source: &Source,
    line: &[u8],
    line_number: usize,
    delimiter: u8,
) -> Result<Vec<String>> {
    let error = |column, reason| source.error_at(line_number, column, reason);
    if let Some(cr) = memchr::memchr(b'\r', line) {
        // No line feed up to here: the file's lines end in a bare CR (classic Mac OS), and what
        // looks like the header is the whole file.
        return Err(error(
            1 + memchr::memchr_iter(delimiter, &line[..cr]).count(),
            "lines end in a bare carriage return (CR); convert the file to LF or CRLF line \
             endings"
                .into(),
        ));
    }
    let mut ranges = Vec::new();
    split_fields(line, delimiter, &mut ranges)
        .map_err(|e| error(e.column, format!("{} in the header", e.reason)))?;
    let header: Vec<String> = ranges
        .iter()
        .map(|r| String::from_utf8_lossy(&field_text(line, r.clone())).into_owned())
        .collect();
    if let Some(column) = header.iter().position(|h| h.is_empty()) {
        return Err(error(column + 1, "empty column name in the header".into()));
    }
    if let Some((first, j)) = super::first_duplicate(&header) {
        return Err(error(
            j + 1,
            format!(
                "column name {:?} appears twice in the header (columns {} and {})",
                super::cut(&header[j]),
                first + 1,
                j + 1
            ),
        ));
    }
    Ok(header)
}

fn trim(field: &[u8]) -> &[u8] {
    field.trim_ascii()
}

/// Why a line cannot be split into fields, and at which 1-based field.
#[derive(Debug, PartialEq, Eq)]
struct QuoteError {
    column: usize,
    reason: &'static str,
}

/// Splits a line into field ranges (quotes excluded), as RFC 4180 reads it: a field may be
/// wrapped in double quotes, inside which `""` is one quote (see [`field_text`]); spaces may
/// surround the quotes, but nothing else may follow the closing one before the comma or the
/// end of the line.
fn split_fields(
    line: &[u8],
    delimiter: u8,
    out: &mut Vec<Range<usize>>,
) -> std::result::Result<(), QuoteError> {
    out.clear();
    // Spaces (and tabs, unless they separate fields) may surround a quoted field.
    let pad = |c: u8| c == b' ' || (c == b'\t' && delimiter != b'\t');
    if memchr::memchr(b'"', line).is_none() {
        let mut start = 0;
        for p in memchr::memchr_iter(delimiter, line) {
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
        while j < line.len() && pad(line[j]) {
            j += 1;
        }
        if j < line.len() && line[j] == b'"' {
            let open = j + 1;
            let mut k = open;
            loop {
                match memchr::memchr(b'"', &line[k..]) {
                    None => {
                        return Err(QuoteError {
                            column: out.len() + 1,
                            reason: "unterminated quoted field",
                        });
                    }
                    Some(p) if line.get(k + p + 1) == Some(&b'"') => k += p + 2,
                    Some(p) => {
                        k += p;
                        break;
                    }
                }
            }
            out.push(open..k);
            // After the closing quote (at k): spaces, then the comma or the end of the line.
            let mut after = k + 1;
            while after < line.len() && pad(line[after]) {
                after += 1;
            }
            match line.get(after) {
                None => return Ok(()),
                Some(&c) if c == delimiter => i = after + 1,
                Some(_) => {
                    return Err(QuoteError {
                        column: out.len(),
                        reason: "text after a closing quote",
                    });
                }
            }
        } else {
            match memchr::memchr(delimiter, &line[i..]) {
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

/// The text of the field at `range` of `line` (a range [`split_fields`] gave), trimmed, with
/// each `""` of a quoted field read as one quote. A quoted field's range starts just after its
/// opening quote; an unquoted one's at the line start or just after a comma.
fn field_text(line: &[u8], range: Range<usize>) -> Cow<'_, [u8]> {
    let quoted = range.start > 0 && line[range.start - 1] == b'"';
    let text = trim(&line[range]);
    if !quoted || memchr::memchr(b'"', text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(p) = memchr::memchr(b'"', rest) {
        // Inside quotes every quote is doubled (split_fields ends the field at a single one).
        out.extend_from_slice(&rest[..=p]);
        rest = rest.get(p + 2..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

/// 10^0 … 10^22: every one is exactly representable in f64.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads decimal digits from `s[i..]` into `mantissa`; returns the new position and the count.
pub(crate) fn digits(s: &[u8], i: usize, mantissa: &mut u64) -> (usize, usize) {
    let mut n = 0;
    for &c in s.get(i..).unwrap_or_default() {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        *mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
        n += 1;
    }
    (i + n, n)
}

/// The common case of a plain decimal (`-12.345`, `6e-3`) with at most 19 significant digits,
/// converted by Clinger's fast path: when the digits form an integer M ≤ 2^53 and the decimal
/// exponent e has |e| ≤ 22, both M and 10^|e| are exact in f64, so one multiplication or
/// division rounds correctly. Anything else returns None and goes to `fast-float2`, which
/// handles every case; this path costs a fraction of it per value on typical data. Scanning
/// stops at the first byte that cannot continue the number; returns the value and that index.
pub(crate) fn scan_decimal(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let (negative, i) = match s.get(start) {
        Some(b'-') => (true, start + 1),
        Some(b'+') => (false, start + 1),
        _ => (false, start),
    };
    let mut mantissa: u64 = 0;
    let (mut i, whole) = digits(s, i, &mut mantissa);
    let mut fraction = 0;
    if s.get(i) == Some(&b'.') {
        (i, fraction) = digits(s, i + 1, &mut mantissa);
    }
    let count = whole + fraction;
    if count == 0 || count > 19 {
        return None;
    }
    let mut exponent = -(fraction as i64);
    if let Some(b'e' | b'E') = s.get(i) {
        let (sign, start) = match s.get(i + 1) {
            Some(b'-') => (-1, i + 2),
            Some(b'+') => (1, i + 2),
            _ => (1, i + 1),
        };
        let mut e = 0;
        let (end, n) = digits(s, start, &mut e);
        if n == 0 || n > 4 {
            return None;
        }
        exponent += sign * e as i64;
        i = end;
    }
    if mantissa > 1 << 53 || !(-22..=22).contains(&exponent) {
        return None;
    }
    let m = mantissa as f64;
    let value = if exponent < 0 {
        m / POWERS_OF_TEN[(-exponent) as usize]
    } else {
        m * POWERS_OF_TEN[exponent as usize]
    };
    Some((if negative { -value } else { value }, i))
}

/// A whole cell by [`scan_decimal`], or None.
fn fast_decimal(s: &[u8]) -> Option<f64> {
    scan_decimal(s, 0).and_then(|(v, end)| (end == s.len()).then_some(v))
}

/// Parses one numeric cell.
pub(crate) fn parse_number<T: Element>(cell: &[u8]) -> std::result::Result<T, String> {
    let text = trim(cell);
    if text.is_empty() {
        return Err("empty cell (a missing value)".into());
    }
    let show = || super::cut(&String::from_utf8_lossy(text));
    let value: f64 = fast_decimal(text)
        .map_or_else(|| fast_float2::parse(text), Ok)
        .map_err(|_| format!("cannot read {:?} as a number", show()))?;
    if !value.is_finite() {
        return Err(format!("{:?} is not a finite number", show()));
    }
    T::from_f64(value).ok_or_else(|| super::dense::unstorable::<T>(value, &format!("{:?}", show())))
}

/// What a header column is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The numeric feature stored at this position of a row; `missing`: a missing cell is
    /// accepted.
    Feature {
        slot: usize,
        missing: bool,
    },
    /// The text feature at this position.
    Text(usize),
    Target,
    Weight,
    Ignored,
}

/// The role of every header column.
fn roles(width: usize, columns: &Columns) -> Vec<Role> {
    let mut roles = vec![Role::Ignored; width];
    for (slot, &col) in columns.features.iter().enumerate() {
        roles[col] = match columns.kind(slot) {
            Kind::Number { missing, .. } => Role::Feature { slot, missing },
            // Whether a missing cell is an error is known only at the end (see `CsvFile::read`).
            Kind::Either { .. } => Role::Feature {
                slot,
                missing: true,
            },
            Kind::Text => Role::Text(slot),
        };
    }
    if let Some(t) = columns.target {
        roles[t] = Role::Target;
    }
    if let Some(w) = columns.weight {
        roles[w] = Role::Weight;
    }
    roles
}

/// Where the fast path puts what is not a number: the byte ranges of text cells and the
/// features whose cells are missing.
#[derive(Default)]
struct Aside {
    text: Vec<(usize, Range<usize>)>,
    missing: Vec<usize>,
}

/// The fast path for an unquoted line of plain decimals: fields are split and parsed in one
/// scan, features into `out` and the weight column into `weight`, text cells and missing
/// cells (where accepted) into `aside`; `firsts` records the first numbers and missing cells of
/// the features told from their values. Returns the label's byte range, or None whenever anything
/// is unusual (quotes, spaces, a value the fast decimal path declines, a wrong field count),
/// and the careful path then reads the line and reports any error precisely.
#[allow(clippy::too_many_arguments)]
fn scan_line<T: Element>(
    line: &[u8],
    delimiter: u8,
    roles: &[Role],
    out: &mut [T],
    weight: &mut f64,
    aside: &mut Aside,
    firsts: &mut Firsts,
    line_number: usize,
) -> Option<Option<Range<usize>>> {
    let mut p = 0;
    let mut label = None;
    for role in roles {
        if p > line.len() {
            return None;
        }
        let end = match *role {
            Role::Feature { slot, missing } => match scan_decimal(line, p) {
                Some((value, end)) if line.get(end).is_none_or(|&c| c == delimiter) => {
                    out[slot] = T::from_f64(value)?;
                    firsts.number(slot, line_number);
                    end
                }
                None if missing && line.get(p).is_none_or(|&c| c == delimiter) => {
                    aside.missing.push(slot);
                    firsts.missing(slot, line_number);
                    p
                }
                _ => return None,
            },
            Role::Weight => {
                let (value, end) = scan_decimal(line, p)?;
                *weight = value;
                end
            }
            Role::Text(_) | Role::Target | Role::Ignored => {
                let end = memchr::memchr(delimiter, &line[p..]).map_or(line.len(), |e| p + e);
                match *role {
                    Role::Target => label = Some(p..end),
                    Role::Text(slot) => aside.text.push((slot, p..end)),
                    _ => {}
                }
                end
            }
        };
        if end < line.len() && line[end] != delimiter {
            return None;
        }
        p = end + 1;
    }
    (p == line.len() + 1).then_some(label)
}

/// Parses the rows of one chunk. `roles` as [`roles`] gives them; a feature told from its
/// values turns to text on its first text cell, for the rest of the chunk.
fn parse_chunk<T: Element>(
    chunk: &Chunk,
    delimiter: u8,
    columns: &Columns,
    roles: &[Role],
    header: &[String],
) -> std::result::Result<Rows<T>, CellError> {
    let n = columns.features.len();
    let mut roles = Cow::Borrowed(roles);
    let mut fields = Vec::with_capacity(header.len());
    let mut aside = Aside::default();
    // Sized once from the line count (a memchr sweep costs a fraction of the parse): growing by
    // doubling would copy the values and fault in fresh pages again and again.
    let lines = memchr::memchr_iter(b'\n', &chunk.bytes).count() + 1;
    let mut rows = Rows {
        count: 0,
        values: Vec::with_capacity(lines * n),
        ids: Vec::with_capacity(if columns.target.is_some() { lines } else { 0 }),
        weights: Vec::new(),
        labels: ChunkLabels::default(),
        text: ChunkText::default(),
        missing: Vec::new(),
        firsts: Firsts::new(n, columns),
        kept: Vec::new(),
    };
    for slot in 0..n {
        if columns.kind(slot) == Kind::Text {
            rows.text.start(n, slot, false, 0, chunk.first_line, lines);
        }
    }
    for (line_number, line) in chunk.lines() {
        if is_blank(line) {
            continue;
        }
        let at = rows.values.len();
        rows.values.resize(at + n, T::default());
        let out = &mut rows.values[at..];
        let mut weight = 0.0;
        aside.text.clear();
        aside.missing.clear();
        let fast = if memchr::memchr(b'"', line).is_none() {
            scan_line(
                line,
                delimiter,
                &roles,
                out,
                &mut weight,
                &mut aside,
                &mut rows.firsts,
                line_number,
            )
        } else {
            None
        };
        let label = match fast {
            Some(label) => {
                for (slot, range) in aside.text.drain(..) {
                    let cells = rows.text.cells(slot).expect("text columns start first");
                    let column = columns.features[slot];
                    cells.push(
                        trim(&line[range]),
                        line_number,
                        &columns.na_values,
                        header,
                        column,
                    )?;
                }
                label.map(|r| Cow::Borrowed(trim(&line[r])))
            }
            None => {
                aside.text.clear();
                aside.missing.clear();
                let mut row = Careful {
                    columns,
                    header,
                    roles: &roles,
                    fields: &mut fields,
                    out,
                    missing: &mut aside.missing,
                    text: &mut rows.text,
                    firsts: &mut rows.firsts,
                    row: rows.count,
                    line: line_number,
                    lines,
                };
                let read = careful_line(line, delimiter, &mut row);
                let (label, w, turned) = read.map_err(|(column, reason)| CellError {
                    line: line_number,
                    column,
                    reason,
                })?;
                for slot in turned {
                    roles.to_mut()[columns.features[slot]] = Role::Text(slot);
                }
                weight = w;
                label
            }
        };
        for &slot in &aside.missing {
            rows.missing.push(rows.count * n + slot);
        }
        if !columns.keep.is_empty() {
            // (The line was read whole above, so it splits.)
            split_fields(line, delimiter, &mut fields).map_err(|e| CellError {
                line: line_number,
                column: e.column,
                reason: e.reason.to_owned(),
            })?;
            for &col in &columns.keep {
                let text = field_text(line, fields[col].clone());
                rows.kept.push(String::from_utf8_lossy(&text).into_owned());
            }
        }
        if let (Some(text), Some(t)) = (label, columns.target) {
            if text.is_empty() {
                return Err(CellError {
                    line: line_number,
                    column: t + 1,
                    reason: format!("empty label in target column {:?}", header[t]),
                });
            }
            rows.ids.push(rows.labels.id(&text, line_number));
        }
        if columns.weight.is_some() {
            rows.weights.push(weight);
        }
        rows.count += 1;
    }
    Ok(rows)
}

/// A bad cell: its 1-based column and what is wrong.
type BadCell = (usize, String);

/// A line's label text, if it has a target column, its weight (else 0) and the features that
/// turned to text on it.
type Cells<'l> = (Option<Cow<'l, [u8]>>, f64, Vec<usize>);

/// What the careful path reads a line into.
struct Careful<'a, T> {
    columns: &'a Columns,
    header: &'a [String],
    roles: &'a [Role],
    fields: &'a mut Vec<Range<usize>>,
    out: &'a mut [T],
    missing: &'a mut Vec<usize>,
    text: &'a mut ChunkText,
    firsts: &'a mut Firsts,
    /// The row's index in its chunk, and its line.
    row: usize,
    line: usize,
    /// The chunk's line count (room for a text column that starts here).
    lines: usize,
}

/// Reads one line field by field, numeric features into `out`, text cells into their columns,
/// with an error (the 1-based column and the reason) for any bad cell. Returns the label text
/// if there is a target column, the weight if there is a weight column (else 0), and the
/// features told from their values that turned to text on this line.
fn careful_line<'l, T: Element>(
    line: &'l [u8],
    delimiter: u8,
    at: &mut Careful<T>,
) -> std::result::Result<Cells<'l>, BadCell> {
    let (columns, header) = (at.columns, at.header);
    let width = header.len();
    split_fields(line, delimiter, at.fields).map_err(|e| (e.column, e.reason.to_owned()))?;
    if at.fields.len() != width {
        return Err((
            at.fields.len().min(width) + 1,
            format!(
                "row has {} fields but the header has {}",
                at.fields.len(),
                width
            ),
        ));
    }
    let fields = &*at.fields;
    let bad = |col: usize| move |reason| (col + 1, format!("column {:?}: {reason}", header[col]));
    let mut turned = Vec::new();
    for (slot, &col) in columns.features.iter().enumerate() {
        let cell = field_text(line, fields[col].clone());
        let text_error = |e: CellError| (e.column, e.reason);
        if let Role::Text(_) = at.roles[col] {
            let cells = at.text.cells(slot).expect("text columns start first");
            cells
                .push(&cell, at.line, &columns.na_values, header, col)
                .map_err(text_error)?;
            continue;
        }
        let (missing_ok, told, trained) = match columns.kind(slot) {
            Kind::Number { missing, trained } => (missing, false, trained),
            Kind::Either { missing } => (missing, true, false),
            Kind::Text => unreachable!("text columns have the text role"),
        };
        if is_missing(&cell, &columns.na_values) {
            // A column told from its values may yet turn out to be text, where a missing cell
            // is a level: whether it is an error is known at the end (see `CsvFile::read`).
            if missing_ok || told {
                at.missing.push(slot);
                at.firsts.missing(slot, at.line);
                continue;
            }
            return Err(bad(col)(missing_cell(Some(&cell), trained)));
        }
        match parse_number(&cell) {
            Ok(v) => {
                at.out[slot] = v;
                at.firsts.number(slot, at.line);
            }
            Err(reason) if fast_float2::parse::<f64, _>(&*cell).is_ok() => {
                return Err(bad(col)(reason));
            }
            Err(reason) if !told => {
                let reason = if trained {
                    format!("{reason}: the column was numeric in the model's training data")
                } else {
                    reason
                };
                return Err(bad(col)(reason));
            }
            Err(_) => {
                if let Some(first) = at.firsts.number_at(slot) {
                    return Err((
                        col + 1,
                        mixed_column(
                            &header[col],
                            &format!("cannot read {:?} as a number", show(&cell)),
                            &format!("line {first} has a number"),
                        ),
                    ));
                }
                at.text.start(
                    columns.features.len(),
                    slot,
                    true,
                    at.row,
                    at.line,
                    at.lines,
                );
                let cells = at.text.cells(slot).expect("just started");
                cells
                    .push(&cell, at.line, &columns.na_values, header, col)
                    .map_err(text_error)?;
                turned.push(slot);
            }
        }
    }
    let weight = match columns.weight {
        Some(col) => parse_number::<f64>(&line[fields[col].clone()]).map_err(bad(col))?,
        None => 0.0,
    };
    let label = columns.target.map(|t| field_text(line, fields[t].clone()));
    Ok((label, weight, turned))
}

/// Why a missing cell is an error here.
fn missing_cell(cell: Option<&[u8]>, trained: bool) -> String {
    let what = match cell {
        Some(b"") => "empty cell (a missing value)".to_owned(),
        Some(cell) => format!("{:?} is a missing value", show(cell)),
        None => "a missing value (an empty cell, NA, NaN, null or a --na-values token)".to_owned(),
    };
    if trained {
        format!(
            "{what}, and the model has no value to fill it with (it was trained with --missing \
             error or drop)"
        )
    } else {
        format!(
            "{what}; choose what to do with missing values with --missing drop|mean|median|indicator"
        )
    }
}

/// Options for reading training data.
#[derive(Debug, Clone)]
pub struct TrainingCsv<'a> {
    /// The target column; default `label` if present, else the last column.
    pub target: Option<&'a str>,
    /// The label value that is y = 1; default per [`super::LabelMap::from_values`].
    pub positive: Option<&'a str>,
    pub precision: Precision,
    /// More distinct labels are an error (see [`super::LoadOptions::max_classes`]).
    pub max_classes: usize,
    /// The column of row weights: not a feature.
    pub sample_weight: Option<&'a str>,
    /// Which columns are features.
    pub selection: super::Selection<'a>,
    /// Categorical columns and missing cells.
    pub encode: EncodeOptions,
    /// The field separator (default: told from the header line).
    pub delimiter: Option<u8>,
}

impl Default for TrainingCsv<'_> {
    fn default() -> Self {
        TrainingCsv {
            target: None,
            positive: None,
            precision: Precision::default(),
            max_classes: super::DEFAULT_MAX_CLASSES,
            sample_weight: None,
            selection: super::Selection::default(),
            encode: EncodeOptions::default(),
            delimiter: None,
        }
    }
}

/// Reads a training file: every column but the target and weight columns is a feature.
pub fn read_training(path: &Path, options: &TrainingCsv) -> Result<Dataset> {
    training_dataset(CsvFile::open_with(path, options.delimiter)?, options)
}

/// Reads training data from an opened [`CsvFile`].
pub fn training_dataset(file: CsvFile, options: &TrainingCsv) -> Result<Dataset> {
    let path = file.path().to_path_buf();
    let path = path.as_path();
    let header = file.header();
    let target = super::target_column(path, header, options.target)?;
    let weight = super::weight_column(path, header, options.sample_weight, target)?;
    let (features, ignored) =
        super::feature_columns(path, header, target, weight, &options.selection)?;
    if features.is_empty() {
        return Err(Error::Parse {
            path: path.into(),
            line: 1,
            column: 1,
            reason: "the header names only the target (and weight) column: there are no features"
                .into(),
        });
    }
    let names: Vec<String> = features.iter().map(|&j| header[j].clone()).collect();
    super::check_categorical(path, header, &names, &options.encode.categorical)?;
    let columns = Columns {
        kinds: super::encoding::training_kinds(&names, &options.encode),
        na_values: options.encode.na_values.clone(),
        ..Columns::numeric(features, Some(target), weight)
    };
    let target_name = header[target].clone();
    let (encoded, raw, weights) = match options.precision {
        Precision::F32 => learn::<f32>(file, &columns, &names, &options.encode)?,
        Precision::F64 => learn::<f64>(file, &columns, &names, &options.encode)?,
    };
    let raw = raw.expect("target column requested");
    let (labels, y) = raw.classes(path, target + 1, options.positive, options.max_classes)?;
    let (y, weights) = match &encoded.kept {
        None => (y, weights),
        Some(rows) => (
            rows.iter().map(|&i| y[i]).collect(),
            weights.map(|s| rows.iter().map(|&i| s[i]).collect()),
        ),
    };
    Ok(Dataset {
        source: path.into(),
        features: encoded.features,
        y,
        weights,
        feature_names: encoded.feature_names,
        target: target_name,
        labels,
        ignored,
        dropped_rows: encoded.kept.map_or(0, |kept| {
            let all = raw.ids.len();
            all - kept.len()
        }),
        encoding: encoded.encoding,
    })
}

/// A read table encoded for training, with its raw labels and weights.
type Learned = (
    super::encoding::Encoded,
    Option<RawLabels>,
    Option<Vec<f64>>,
);

fn learn<T: Element>(
    file: CsvFile,
    columns: &Columns,
    names: &[String],
    options: &EncodeOptions,
) -> Result<Learned> {
    let path = file.path().to_path_buf();
    let mut table = file.read::<T>(columns)?;
    let (raw, weights) = (table.labels.take(), table.weights.take());
    let encoded = super::encoding::learn(&path, table, names, options)?;
    Ok((encoded, raw, weights))
}

/// Reads prediction or evaluation data for a model: the feature columns are found by name and
/// returned in the model's order; the target column is read if present. Any other column is an
/// error, since it means the file was not laid out like the training data.
pub fn read_for_model(
    path: &Path,
    schema: &super::Schema,
    precision: Precision,
    read: super::ReadOptions,
) -> Result<super::ModelData> {
    let strict = read.strict;
    let file = CsvFile::open_with(path, read.delimiter)?;
    let columns = model_columns(path, file.header(), schema)?;
    let (features, raw, unseen) = match precision {
        Precision::F32 => apply::<f32>(file, &columns, schema.encoding, strict)?,
        Precision::F64 => apply::<f64>(file, &columns, schema.encoding, strict)?,
    };
    let y = match (raw, columns.target) {
        (Some(raw), Some(t)) => Some(raw.encode(path, t + 1, schema.labels)?),
        _ => None,
    };
    Ok(super::ModelData {
        features,
        y,
        unseen,
    })
}

/// A read table encoded as a model's input, with its raw labels and the unseen levels.
type Applied = (Features, Option<RawLabels>, Vec<super::encoding::Unseen>);

fn apply<T: Element>(
    file: CsvFile,
    columns: &Columns,
    encoding: Option<&super::encoding::Encoding>,
    strict: bool,
) -> Result<Applied> {
    let path = file.path().to_path_buf();
    let mut table = file.read::<T>(columns)?;
    let raw = table.labels.take();
    let file_columns: Vec<usize> = columns.features.iter().map(|j| j + 1).collect();
    let (features, unseen) =
        super::encoding::encode(encoding, &path, table, &file_columns, strict)?;
    Ok((features, raw, unseen))
}

/// The columns of a file with `header` laid out like `schema`: its input columns (in the
/// schema's order, read as its encoding says) and its target if present. Any other column is
/// an error naming the missing and the unknown ones.
fn model_columns(path: &Path, header: &[String], schema: &super::Schema) -> Result<Columns> {
    let mut known = vec![schema.target];
    known.extend_from_slice(&schema.others());
    let inputs = schema.input_columns();
    if let Some(err) = feature_mismatch(path, &inputs, header, &known) {
        return Err(err);
    }
    let at = super::positions(header);
    let mut columns = Columns::numeric(
        inputs.iter().map(|f| at[f.as_str()]).collect(),
        at.get(schema.target).copied(),
        None,
    );
    if let Some(e) = schema.encoding {
        columns.kinds = e.kinds();
        columns.na_values = e.na_values.clone();
    }
    Ok(columns)
}

/// One batch of a file streamed for a model (see [`stream_for_model`]).
pub struct ModelBatch {
    pub features: Features,
    /// Where the file has the target.
    pub y: Option<Vec<f64>>,
    /// The kept columns' text, row after row (`keep` values per row).
    pub kept: Vec<String>,
    pub unseen: Vec<super::encoding::Unseen>,
}

/// What a stream read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    pub rows: usize,
    pub batches: usize,
    /// The most rows one batch held: memory is bounded by this, not by the file.
    pub largest_batch: usize,
}

/// Reads a file for a model as [`read_for_model`] does, but a chunk at a time (about 4 MiB of
/// text), calling `each` on every chunk's rows in file order, with the text of the `keep`
/// columns: memory holds a few chunks whatever the file's size, and the first rows are done
/// before the last are read.
pub fn stream_for_model(
    path: &Path,
    schema: &super::Schema,
    read: super::ReadOptions,
    keep: &[String],
    each: &mut (dyn FnMut(ModelBatch) -> Result<()> + Send),
) -> Result<StreamStats> {
    let strict = read.strict;
    let file = CsvFile::open_with(path, read.delimiter)?;
    let header = file.header().to_vec();
    let mut columns = model_columns(path, &header, schema)?;
    let at = super::positions(&header);
    for name in keep {
        match at.get(name.as_str()) {
            Some(&j) => columns.keep.push(j),
            None => {
                return Err(Error::MissingTarget {
                    path: path.into(),
                    name: name.clone(),
                    available: header.clone(),
                });
            }
        }
    }
    let CsvFile {
        mut source,
        header,
        delimiter,
        first,
        ..
    } = file;
    let roles = roles(header.len(), &columns);
    let n = columns.features.len();
    let file_columns: Vec<usize> = columns.features.iter().map(|j| j + 1).collect();
    let parse = |chunk: &Chunk| {
        parse_chunk::<f64>(chunk, delimiter, &columns, &roles, &header).map_err(|e| e.in_file(path))
    };
    let mut stats = StreamStats::default();
    parse_chunks(&mut source, Some(first), parse, |rows: Rows<f64>| {
        if rows.count == 0 {
            return Ok(());
        }
        stats.rows += rows.count;
        stats.batches += 1;
        stats.largest_batch = stats.largest_batch.max(rows.count);
        let count = rows.count;
        let one =
            |values: ChunkLabels, ids: Vec<u32>| RawLabels::merge(vec![values], &[count], ids);
        let mut text: Vec<Option<RawLabels>> = (0..n).map(|_| None).collect();
        for cells in rows.text.columns {
            text[cells.feature] = Some(one(cells.values, cells.ids));
        }
        let raw = columns.target.map(|_| one(rows.labels, rows.ids));
        let table = Table {
            features: DenseMatrix::from_row_major(rows.values, count, n),
            labels: None,
            weights: None,
            text,
            missing: rows.missing,
        };
        let (features, unseen) =
            super::encoding::encode(schema.encoding, path, table, &file_columns, strict)?;
        let y = match (raw, columns.target) {
            (Some(raw), Some(t)) => Some(raw.encode(path, t + 1, schema.labels)?),
            _ => None,
        };
        each(ModelBatch {
            features,
            y,
            kept: rows.kept,
            unseen,
        })
    })?;
    if stats.rows == 0 {
        return Err(Error::NoRows { path: path.into() });
    }
    Ok(stats)
}

/// The error for a file whose columns (`header`) are not the model's features plus, optionally,
/// the columns in `others` (its target, a weight column): lists the missing features and the
/// columns the model does not know.
pub(crate) fn feature_mismatch(
    path: &Path,
    feature_names: &[String],
    header: &[String],
    others: &[&str],
) -> Option<Error> {
    let in_header = super::positions(header);
    let in_model = super::positions(feature_names);
    let missing: Vec<&str> = feature_names
        .iter()
        .map(String::as_str)
        .filter(|f| !in_header.contains_key(f))
        .collect();
    let extra: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !others.contains(h) && !in_model.contains_key(h))
        .collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mut reason = format!(
            "the model has {} features, the file has {} feature columns",
            feature_names.len(),
            header.len()
                - header
                    .iter()
                    .filter(|h| others.contains(&h.as_str()))
                    .count()
        );
        if !missing.is_empty() {
            reason += &format!("; missing: {}", super::some_of(&missing));
        }
        if !extra.is_empty() {
            reason += &format!("; not in the model: {}", super::some_of(&extra));
        }
        return Some(Error::FeatureMismatch {
            path: path.into(),
            reason,
        });
    }
    None
}

/// The column named `name` as groups (the clusters of `summary --cov cluster`): each row's
/// group in order of first appearance (any text; numbers are compared as written) and the
/// number of groups. A missing cell is an error naming its row.
pub fn read_groups(path: &Path, name: &str) -> Result<(Vec<u32>, usize)> {
    let file = CsvFile::open(path)?;
    let j = super::target_column(path, file.header(), Some(name))?;
    let columns = Columns {
        kinds: vec![Kind::Text],
        ..Columns::numeric(vec![j], None, None)
    };
    let mut table = file.read::<f64>(&columns)?;
    let raw = table.text[0].take().expect("a text column");
    if let Some(row) = raw.ids.iter().position(|&id| id == MISSING_ID) {
        return Err(Error::Column {
            path: path.into(),
            column: name.into(),
            reason: format!("data row {} has no group (a missing cell)", row + 1),
        });
    }
    Ok((raw.ids, raw.values.len()))
}

/// The column named `name` as f64 values (the sample weights of `eval --sample-weight`).
pub fn read_named_column(path: &Path, name: &str) -> Result<Vec<f64>> {
    let file = CsvFile::open(path)?;
    let j = super::target_column(path, file.header(), Some(name))?;
    let columns = Columns::numeric(Vec::new(), None, Some(j));
    Ok(file.read::<f64>(&columns)?.weights.expect("asked for"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns 0 and 1 as features, column 2 as the target.
    fn two_features_then_label() -> Columns {
        Columns::numeric(vec![0, 1], Some(2), None)
    }

    fn fields(line: &str) -> Vec<String> {
        let mut r = Vec::new();
        split_fields(line.as_bytes(), b',', &mut r).unwrap();
        r.into_iter().map(|r| line[r].to_string()).collect()
    }

    #[test]
    fn splits_plain_and_quoted_fields() {
        assert_eq!(fields("1,2,abc"), ["1", "2", "abc"]);
        assert_eq!(fields("1,,3"), ["1", "", "3"]);
        assert_eq!(fields(r#""a,b",2, "x""y""#), ["a,b", "2", r#"x""y"#]);
        assert_eq!(fields(""), [""]);
        assert_eq!(fields(r#" "a" ,"b"  "#), ["a", "b"]);
        assert_eq!(fields(r#""a","#), ["a", ""]);
        let error = |line: &[u8]| split_fields(line, b',', &mut Vec::new()).unwrap_err();
        assert_eq!(error(br#"1,"abc"#).reason, "unterminated quoted field");
        for (line, column) in [
            (&br#""1" 9,2,0"#[..], 1),
            (br#"5,"1"x,0"#, 2),
            (br#"0, "a""b"c"#, 2),
        ] {
            let e = error(line);
            assert_eq!((e.column, e.reason), (column, "text after a closing quote"));
        }
    }

    #[test]
    fn doubled_quotes_in_quoted_fields_are_one_quote() {
        let text = |line: &str| {
            let mut r = Vec::new();
            split_fields(line.as_bytes(), b',', &mut r).unwrap();
            r.into_iter()
                .map(|r| String::from_utf8(field_text(line.as_bytes(), r).into_owned()).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            text(r#""b""q", """x""" ,a""b,"""#),
            [r#"b"q"#, r#""x""#, r#"a""b"#, ""]
        );
        let file = CsvFile::from_static(
            Path::new("t.csv"),
            b"a,\"b\"\"q\",label\n1,2,\"x\"\"y\"\n3,4,z\n",
        )
        .unwrap();
        assert_eq!(file.header(), ["a", r#"b"q"#, "label"]);
        let columns = two_features_then_label();
        let labels = file.read::<f64>(&columns).unwrap().labels.unwrap();
        assert_eq!(labels.values, [r#"x"y"#, "z"]);
    }

    #[test]
    fn text_after_a_closing_quote_is_an_error_with_its_line_and_column() {
        let columns = two_features_then_label();
        for (body, column) in [
            (&b"a,b,l\n3,4,0\n\"1\" 9,2,0\n"[..], 1),
            (b"a,b,l\n1,\"1\"x,0\n", 2),
        ] {
            let file = CsvFile::from_static(Path::new("t.csv"), body).unwrap();
            let e = file.read::<f64>(&columns).err().unwrap().to_string();
            let line = body.split(|&c| c == b'\n').count() - 1;
            assert_eq!(
                e,
                format!("t.csv:{line}:{column}: text after a closing quote")
            );
        }
        let e = CsvFile::from_static(Path::new("h.csv"), b"a,\"b\"c,l\n1,2,0\n")
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "h.csv:1:2: text after a closing quote in the header"
        );
    }

    #[test]
    fn bare_carriage_returns_are_named_and_crlf_is_read() {
        let e = CsvFile::from_static(Path::new("mac.csv"), b"a,b,label\r1,2,0\r3,1,1\r")
            .err()
            .unwrap();
        assert_eq!(
            e.to_string(),
            "mac.csv:1:3: lines end in a bare carriage return (CR); convert the file to LF or \
             CRLF line endings"
        );
        let file = CsvFile::from_static(
            Path::new("dos.csv"),
            b"a,\"b\",label\r\n1,2,0\r\n3,\"1\",1\r\n",
        )
        .unwrap();
        assert_eq!(file.header(), ["a", "b", "label"]);
        let columns = two_features_then_label();
        let table = file.read::<f64>(&columns).unwrap();
        assert_eq!(table.features.row(1), &[3.0, 1.0]);
        assert_eq!(table.labels.unwrap().values, ["0", "1"]);
    }

    #[test]
    fn the_delimiter_is_told_from_the_header() {
        assert_eq!(detect_delimiter(b"a,b,label"), b',');
        assert_eq!(detect_delimiter(b"a;b;label"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tlabel"), b'\t');
        assert_eq!(detect_delimiter(b"a|b|label"), b'|');
        assert_eq!(detect_delimiter(b"label"), b',');
        // Separators inside quotes do not count; a tie goes to the earlier candidate.
        assert_eq!(detect_delimiter(br#""a,b,c";d;e"#), b';');
        assert_eq!(detect_delimiter(b"a,b;c"), b',');
        // Tab-separated: empty fields stay fields, and a tab is not padding around quotes.
        let file =
            CsvFile::from_static(Path::new("t.tsv"), b"a\tb\tlabel\n1\t\"2\"\tx\n3\t 4 \ty\n")
                .unwrap();
        assert_eq!(file.header(), ["a", "b", "label"]);
        let columns = two_features_then_label();
        let table = file.read::<f64>(&columns).unwrap();
        assert_eq!(table.features.row(0), &[1.0, 2.0]);
        assert_eq!(table.features.row(1), &[3.0, 4.0]);
        let mut r = Vec::new();
        split_fields(b"1\t\t\"b\"", b'\t', &mut r).unwrap();
        assert_eq!(r.len(), 3, "{r:?}");
        assert!(r[1].is_empty());
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

    proptest::proptest! {
        #[test]
        fn fast_decimal_agrees_with_std(
            int in 0u64..10_000_000_000,
            frac in 0u64..100_000_000,
            frac_digits in 0u32..9,
            exponent in -30i32..30,
            negative in proptest::bool::ANY,
            with_exponent in proptest::bool::ANY,
        ) {
            let mut text = format!("{}{int}", if negative { "-" } else { "" });
            if frac_digits > 0 {
                let f = frac % 10u64.pow(frac_digits);
                text += &format!(".{f:0width$}", width = frac_digits as usize);
            }
            if with_exponent {
                text += &format!("e{exponent}");
            }
            let expected: f64 = text.parse().unwrap();
            if let Some(v) = fast_decimal(text.as_bytes()) {
                proptest::prop_assert_eq!(v.to_bits(), expected.to_bits(), "{}", text);
            }
            let parsed = parse_number::<f64>(text.as_bytes()).unwrap();
            proptest::prop_assert_eq!(parsed.to_bits(), expected.to_bits());
        }
    }

    #[test]
    fn fast_and_careful_paths_read_the_same_values() {
        // Row 1 takes the fast path; rows 2 and 3 (spaces, quotes, a long number, CRLF) the
        // careful one.
        let text: &'static [u8] =
            b"a,b,label\n1.5,-2,x\n 3 ,\"4\",y\r\n\n12345678901234567890,1e-30,x\n";
        let file = CsvFile::from_static(Path::new("t.csv"), text).unwrap();
        let columns = two_features_then_label();
        let table = file.read::<f64>(&columns).unwrap();
        assert_eq!(table.features.row(0), &[1.5, -2.0]);
        assert_eq!(table.features.row(1), &[3.0, 4.0]);
        assert_eq!(table.features.row(2), &[12345678901234567890.0, 1e-30]);
        let labels = table.labels.unwrap();
        assert_eq!(labels.values, ["x", "y"]);
        assert_eq!(labels.ids, [0, 1, 0]);
    }

    #[test]
    fn fast_decimal_declines_what_it_cannot_do_exactly() {
        assert_eq!(fast_decimal(b"0.1"), Some(0.1));
        assert_eq!(fast_decimal(b"-17.25e2"), Some(-1725.0));
        assert_eq!(fast_decimal(b"1e23"), None);
        assert_eq!(fast_decimal(b"12345678901234567890"), None);
        assert_eq!(fast_decimal(b"1.5x"), None);
        assert_eq!(fast_decimal(b"."), None);
        assert_eq!(fast_decimal(b"1e"), None);
        assert_eq!(fast_decimal(b"nan"), None);
    }
}
