//! Apache Parquet input (the `parquet` cargo feature): numeric and text columns are features,
//! one named column is the target, and row groups are decoded in parallel.
//!
//! The file's footer is read once with the `parquet` crate's Arrow reader. Its row groups give
//! the row count up front, so X is allocated once at its final size, m × n row-major, and each
//! row group is then decoded on its own rayon task (with its own file handle) into its own block
//! of rows, like a parse chunk of CSV. Only the feature and target columns are decoded.
//!
//! Numeric feature columns may be floating-point (16, 32 or 64 bit), integer (signed or
//! unsigned, 8 to 64 bit) or boolean (false = 0, true = 1); integers beyond 2^53 round to the
//! nearest f64, as they do when read from text. Text and dictionary columns are categorical,
//! read into the same [`Table`] as CSV's and encoded by [`super::encoding`]; nulls (and NaN) are
//! missing cells, an error unless `--missing` says what to do with them. The target may be text (also dictionary-encoded, as pandas
//! writes categoricals), boolean or numeric: each label is turned into its text form ("1" for
//! 1.0, "true", "malignant") and mapped to y ∈ {0, 1} by the same rules as CSV labels
//! ([`LabelMap`]). A column of any other type is an error naming the file, the column and its
//! type; an infinity (or a refused null) is an error naming the file, the column, the row group
//! and the row. Pages may be uncompressed, Snappy, Zstandard or gzip.
//!
//! Reference: the Apache Parquet format, <https://parquet.apache.org/docs/file-format/>.

use super::Design;
use super::csv::{Kind, Table, is_missing};
use super::dense::{DenseMatrix, Element};
use super::labels::{
    ChunkLabels, ClassProblem, LabelMap, MAX_CLASSES_LIMIT, MISSING_ID, RawLabels,
};
use super::{Dataset, Features, LoadOptions, Precision, SPARSE_DENSITY, Schema};
use crate::error::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;
use std::cell::Cell;
use std::fmt::Write;
use std::fs::File;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Rows per decoded Arrow batch.
const BATCH_ROWS: usize = 8192;

/// An opened Parquet file whose footer (schema and row groups) has been read.
struct ParquetFile {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    /// The top-level column names, in file order.
    header: Vec<String>,
    /// Rows per row group.
    group_rows: Vec<usize>,
}

/// A value-level failure inside a row group, turned into [`Error::ParquetValue`] once the row
/// group's place in the file is known.
struct ValueError {
    /// 0-based row within the row group.
    row: usize,
    column: String,
    reason: String,
}

/// The panic hook displaced while shielded code runs: how many shielded calls are running, the
/// hook that was in place before the first, and the address of the wrapper put in its stead.
struct Displaced {
    running: usize,
    previous: Option<Arc<PanicHook>>,
    wrapper: usize,
}

type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

static DISPLACED: Mutex<Displaced> = Mutex::new(Displaced {
    running: 0,
    previous: None,
    wrapper: 0,
});

/// A shielded call's hold on the panic hook: the first installs a wrapper that stays silent for
/// panics on threads inside [`shielded`] and passes every other panic to the hook it displaced;
/// the last one out puts that hook back, unless some other code has replaced the wrapper in the
/// meantime (then that code's hook stays). The wrapper itself locks nothing, so a thread
/// panicking elsewhere while a hold is taken or released cannot deadlock with it.
struct QuietHook;

impl QuietHook {
    fn enter() -> QuietHook {
        let mut displaced = DISPLACED.lock().unwrap_or_else(|e| e.into_inner());
        displaced.running += 1;
        if displaced.running == 1 {
            let previous = Arc::new(std::panic::take_hook());
            let forward = Arc::clone(&previous);
            let wrapper: PanicHook = Box::new(move |info| {
                if !SHIELDED.with(Cell::get) {
                    forward(info);
                }
            });
            displaced.wrapper = address(&wrapper);
            displaced.previous = Some(previous);
            std::panic::set_hook(wrapper);
        }
        QuietHook
    }
}

impl Drop for QuietHook {
    fn drop(&mut self) {
        let mut displaced = DISPLACED.lock().unwrap_or_else(|e| e.into_inner());
        displaced.running -= 1;
        if displaced.running > 0 {
            return;
        }
        let current = std::panic::take_hook();
        let previous = displaced.previous.take();
        if address(&current) != displaced.wrapper {
            std::panic::set_hook(current); // not ours: someone set a hook meanwhile
            return;
        }
        drop(current); // the wrapper, and with it its handle on the previous hook
        if let Some(previous) = previous.and_then(|p| Arc::try_unwrap(p).ok()) {
            std::panic::set_hook(previous);
        }
    }
}

/// Where a boxed hook's closure lives: the same for a hook while it is installed.
fn address(hook: &PanicHook) -> usize {
    std::ptr::from_ref::<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send>(hook.as_ref())
        .cast::<()>() as usize
}

thread_local! {
    /// Set while this thread runs [`shielded`] code: its panics are reported as errors, so the
    /// panic hook stays silent for them.
    static SHIELDED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into [`Error::ParquetFile`]. The parquet crate panics on some
/// corrupt files instead of returning an error (seen: "column start and length should not be
/// negative", from a corrupted byte in the column-chunk metadata, in a fuzzing of the
/// breast-cancer file); a corrupt input must be an error naming the file, never a panic. While
/// any thread runs shielded code the process's panic hook is wrapped (see [`QuietHook`]) so that
/// it prints nothing for these panics and behaves as before for every other one; the hook in
/// place before is put back, itself, when the last shielded call ends.
fn shielded<R>(path: &Path, f: impl FnOnce() -> Result<R>) -> Result<R> {
    let _quiet = QuietHook::enter();
    let outer = SHIELDED.with(|s| s.replace(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    SHIELDED.with(|s| s.set(outer));
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".into());
        Err(Error::ParquetFile {
            path: path.into(),
            reason: format!("the file is corrupt (the Parquet decoder failed: {message})"),
        })
    })
}

/// `len` zeros, or None where so many cannot be allocated (rather than aborting the process):
/// a trial reservation first, which touches no memory, then the zeroed vector itself.
fn zeroed<T: Clone + Default>(len: usize) -> Option<Vec<T>> {
    Vec::<T>::new().try_reserve_exact(len).ok()?;
    Some(vec![T::default(); len])
}

/// The file as the Parquet decoder reads it: like `File`, except that a read past the end of the
/// file is an error rather than 0 bytes. The decoder's skipping of unknown page-header fields
/// takes 0 bytes for progress, so a corrupt header that declares a collection of two billion
/// elements hung it (found by fuzzing).
struct Strict(File);

/// A reader that takes end of input as an error (see [`Strict`]).
struct StrictRead<R>(R);

impl<R: std::io::Read> std::io::Read for StrictRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        if n == 0 && !buf.is_empty() {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(n)
    }
}

impl parquet::file::reader::Length for Strict {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl parquet::file::reader::ChunkReader for Strict {
    type T = StrictRead<std::io::BufReader<File>>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(StrictRead(self.0.get_read(start)?))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        self.0.get_bytes(start, length)
    }
}

impl ParquetFile {
    fn open(path: &Path) -> Result<Self> {
        shielded(path, || Self::open_unshielded(path))
    }

    fn open_unshielded(path: &Path) -> Result<Self> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        if file.metadata().map_err(|e| Error::io(path, e))?.len() == 0 {
            return Err(Error::EmptyFile { path: path.into() });
        }
        // The reader looks only at the footer; a file must also start with the magic "PAR1".
        let mut magic = [0u8; 4];
        {
            use std::io::{Read, Seek};
            let read = file.read_exact(&mut magic);
            file.rewind().map_err(|e| Error::io(path, e))?;
            if read.is_err() || &magic != b"PAR1" {
                return Err(Error::ParquetFile {
                    path: path.into(),
                    reason: "the file does not start with the Parquet magic bytes \"PAR1\"".into(),
                });
            }
        }
        let metadata = ArrowReaderMetadata::load(&file, Default::default()).map_err(|e| {
            Error::ParquetFile {
                path: path.into(),
                reason: e.to_string(),
            }
        })?;
        let header: Vec<String> = metadata
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        if let Some((first, j)) = super::first_duplicate(&header) {
            return Err(Error::ParquetColumn {
                path: path.into(),
                column: header[j].clone(),
                position: j + 1,
                reason: format!(
                    "the column name appears twice in the schema (also column {})",
                    first + 1
                ),
            });
        }
        // The footer's row counts size X before any value is decoded: a corrupt count must be
        // an error, not a wrapped sum or a capacity overflow.
        let corrupt = |reason: String| Error::ParquetFile {
            path: path.into(),
            reason: format!("the file is corrupt ({reason})"),
        };
        let mut group_rows = Vec::new();
        let mut rows = 0usize;
        for (group, g) in metadata.metadata().row_groups().iter().enumerate() {
            let count = usize::try_from(g.num_rows())
                .map_err(|_| corrupt(format!("row group {group} claims {} rows", g.num_rows())))?;
            rows = rows
                .checked_add(count)
                .ok_or_else(|| corrupt("the row groups' row counts overflow".into()))?;
            group_rows.push(count);
        }
        Ok(ParquetFile {
            path: path.into(),
            metadata,
            header,
            group_rows,
        })
    }

    fn data_type(&self, column: usize) -> &DataType {
        self.metadata.schema().field(column).data_type()
    }

    /// Checks that `column` can be read as a feature of this kind: numbers or booleans, or for a
    /// categorical column also text (or a dictionary of either).
    fn check_feature(&self, column: usize, kind: Kind) -> Result<()> {
        let data_type = self.data_type(column);
        match kind {
            Kind::Text if is_text_type(data_type) || is_numeric(data_type) => return Ok(()),
            Kind::Number { .. } | Kind::Either { .. } if is_numeric(data_type) => return Ok(()),
            _ => {}
        }
        let reason = match kind {
            Kind::Number { trained: true, .. } => format!(
                "has type {data_type}, but the column was numeric in the model's training data"
            ),
            Kind::Text => format!(
                "has type {data_type}, but a categorical column must hold text, numbers or booleans"
            ),
            _ => format!(
                "has type {data_type}, but a feature column must hold numbers (floating-point, integer or boolean) or text; drop it or convert it before training"
            ),
        };
        Err(self.column_error(column, reason))
    }

    /// The kind a training column is read as: text and dictionary columns, and those named by
    /// `--categorical`, are categorical; the others numbers.
    fn training_kind(&self, column: usize, options: &super::encoding::EncodeOptions) -> Kind {
        let data_type = self.data_type(column);
        if options.categorical.contains(&self.header[column])
            || (is_text_type(data_type) && !is_numeric(data_type))
        {
            Kind::Text
        } else {
            Kind::Number {
                missing: options.missing != super::encoding::Missing::Error,
                trained: false,
            }
        }
    }

    /// Checks that `column` can be read as labels (text, boolean, numbers, or a dictionary of
    /// those).
    fn check_target(&self, column: usize) -> Result<()> {
        let data_type = self.data_type(column);
        let usable = match data_type {
            DataType::Dictionary(_, values) => is_label_type(values),
            other => is_label_type(other),
        };
        if usable {
            return Ok(());
        }
        Err(self.column_error(
            column,
            format!(
                "has type {data_type}, but the target column must hold text, booleans or numbers"
            ),
        ))
    }

    fn column_error(&self, column: usize, reason: String) -> Error {
        Error::ParquetColumn {
            path: self.path.clone(),
            column: self.header[column].clone(),
            position: column + 1,
            reason,
        }
    }

    /// The error for a value at 0-based `row` of the file.
    fn value_error(&self, row: usize, column: String, reason: String) -> Error {
        let mut first = 0;
        for (group, &count) in self.group_rows.iter().enumerate() {
            if row < first + count {
                return Error::ParquetValue {
                    path: self.path.clone(),
                    column,
                    row_group: group,
                    row_in_group: row - first + 1,
                    row: row + 1,
                    reason,
                };
            }
            first += count;
        }
        unreachable!("row {row} beyond the file's {first} rows")
    }

    /// Decodes every row group in parallel: the `features` columns into X (in that order), read
    /// as `kinds` says (numbers, with missing cells or not, or text), and the `target` column,
    /// if asked for, into raw labels. Rows of text columns and labels are 0-based.
    fn read<T: Element>(
        &self,
        features: &[usize],
        kinds: &[Kind],
        na_values: &[String],
        target: Option<usize>,
    ) -> Result<Table<T>> {
        let rows: usize = self.group_rows.iter().sum();
        if rows == 0 {
            return Err(Error::NoRows {
                path: self.path.clone(),
            });
        }
        let n = features.len();
        let too_many = || Error::ParquetFile {
            path: self.path.clone(),
            reason: format!(
                "the footer claims {rows} rows of {n} columns, more values than memory can hold (is the file corrupt?)"
            ),
        };
        let mut values = rows.checked_mul(n).and_then(zeroed).ok_or_else(too_many)?;
        let mut ids = zeroed(if target.is_some() { rows } else { 0 }).ok_or_else(too_many)?;

        // Hand each row group its own block of rows.
        let mut jobs = Vec::with_capacity(self.group_rows.len());
        let (mut rest_values, mut rest_ids) = (values.as_mut_slice(), ids.as_mut_slice());
        let mut first_row = 0;
        for (group, &count) in self.group_rows.iter().enumerate() {
            let (v, vr) = rest_values.split_at_mut(count * n);
            let (l, lr) = rest_ids.split_at_mut(if target.is_some() { count } else { 0 });
            (rest_values, rest_ids) = (vr, lr);
            jobs.push((group, first_row, v, l));
            first_row += count;
        }
        let columns = GroupColumns {
            features,
            kinds,
            na_values,
            target,
        };
        let results: Vec<Result<std::result::Result<GroupRead, ValueError>>> = jobs
            .into_par_iter()
            .map(|(group, first_row, v, l)| {
                shielded(&self.path, || {
                    self.read_group(group, first_row, &columns, v, l)
                })
            })
            .collect();
        let mut chunks = Vec::with_capacity(results.len());
        let mut text: Vec<Option<(Vec<ChunkLabels>, Vec<u32>)>> = (0..n)
            .map(|slot| (kinds.get(slot) == Some(&Kind::Text)).then(|| (Vec::new(), Vec::new())))
            .collect();
        let mut missing = Vec::new();
        let mut first_row = 0;
        for (result, &count) in results.into_iter().zip(&self.group_rows) {
            let read =
                result?.map_err(|e| self.value_error(first_row + e.row, e.column, e.reason))?;
            chunks.push(read.labels);
            for (slot, values, codes) in read.text {
                let (locals, all) = text[slot].as_mut().expect("a text column");
                locals.push(values);
                all.extend_from_slice(&codes);
            }
            missing.extend(read.missing.iter().map(|m| first_row * n + m));
            first_row += count;
        }
        let labels = target.map(|_| RawLabels::merge(chunks, &self.group_rows, ids));
        let text = text
            .into_iter()
            .map(|t| t.map(|(locals, ids)| RawLabels::merge(locals, &self.group_rows, ids)))
            .collect();
        Ok(Table {
            features: DenseMatrix::from_row_major(values, rows, n),
            labels,
            weights: None,
            text,
            missing,
        })
    }

    /// Checks the dictionary page (a column chunk's first page, if it has one) of every leaf
    /// column under the top-level columns `roots` in row group `group`: the decoder allocates as
    /// many values as the page header claims before it decodes them, so a corrupt count of two
    /// billion once aborted logreg allocating 15 GB (found by fuzzing). A dictionary whose
    /// values cannot fit in its bytes is an error instead.
    fn check_dictionaries(&self, group: usize, roots: &[usize]) -> std::result::Result<(), String> {
        use parquet::basic::Type;
        use parquet::column::page::{Page, PageReader};
        use parquet::file::serialized_reader::SerializedPageReader;
        let file = File::open(&self.path).map_err(|e| e.to_string())?;
        let len = file.metadata().map_err(|e| e.to_string())?.len();
        let file = Arc::new(Strict(file));
        let meta = self.metadata.metadata();
        let row_group = meta.row_group(group);
        let schema = meta.file_metadata().schema_descr();
        for leaf in 0..schema.num_columns() {
            if !roots.contains(&schema.get_column_root_idx(leaf)) {
                continue;
            }
            let chunk = row_group.column(leaf);
            // Pages are read within the chunk's byte range, which must lie in the file.
            let (start, size) = chunk.byte_range();
            if start.checked_add(size).is_none_or(|end| end > len) {
                return Err(format!(
                    "column {:?}: its pages claim bytes {start}..{} of a {len}-byte file (the \
                     file is corrupt)",
                    schema.column(leaf).name(),
                    start.saturating_add(size)
                ));
            }
            let mut pages =
                SerializedPageReader::new(file.clone(), chunk, self.group_rows[group], None)
                    .map_err(|e| e.to_string())?;
            if !pages
                .peek_next_page()
                .map_err(|e| e.to_string())?
                .is_some_and(|p| p.is_dict)
            {
                continue;
            }
            let Some(Page::DictionaryPage {
                buf, num_values, ..
            }) = pages.get_next_page().map_err(|e| e.to_string())?
            else {
                continue;
            };
            // The fewest bits a value can take: a byte array has at least its 4-byte length.
            let bits: u64 = match chunk.column_type() {
                Type::BOOLEAN => 1,
                Type::INT32 | Type::FLOAT | Type::BYTE_ARRAY => 32,
                Type::INT64 | Type::DOUBLE => 64,
                Type::INT96 => 96,
                Type::FIXED_LEN_BYTE_ARRAY => 8 * schema.column(leaf).type_length().max(0) as u64,
            };
            if u64::from(num_values) * bits > 8 * buf.len() as u64 {
                return Err(format!(
                    "column {:?}: the dictionary page claims {num_values} values in {} bytes (the \
                     file is corrupt)",
                    schema.column(leaf).name(),
                    buf.len()
                ));
            }
        }
        Ok(())
    }

    /// Decodes row group `group`, whose first row is row `first_row` of the file, into `values`
    /// (its rows of X) and `ids` (its rows' chunk-local label ids). Label positions are 0-based
    /// rows of the file.
    fn read_group<T: Element>(
        &self,
        group: usize,
        first_row: usize,
        columns: &GroupColumns,
        values: &mut [T],
        ids: &mut [u32],
    ) -> Result<std::result::Result<GroupRead, ValueError>> {
        let GroupColumns {
            features,
            kinds,
            na_values,
            target,
        } = *columns;
        let file_error = |e: &dyn std::fmt::Display| Error::ParquetFile {
            path: self.path.clone(),
            reason: format!("row group {group}: {e}"),
        };
        let roots: Vec<usize> = features.iter().copied().chain(target).collect();
        self.check_dictionaries(group, &roots)
            .map_err(|e| file_error(&e))?;
        // Each task opens the file itself: clones of one `File` would share its read position.
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let mask = ProjectionMask::roots(
            self.metadata.parquet_schema(),
            features.iter().copied().chain(target),
        );
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(Strict(file), self.metadata.clone())
                .with_row_groups(vec![group])
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| file_error(&e))?;
        let n = features.len();
        let mut labels = ChunkLabels::default();
        let mut text: Vec<(usize, ChunkLabels, Vec<u32>)> = (0..n)
            .filter(|&slot| kinds.get(slot) == Some(&Kind::Text))
            .map(|slot| (slot, ChunkLabels::unlimited(), Vec::new()))
            .collect();
        let mut missing = Vec::new();
        let mut row = 0;
        for batch in reader {
            let batch = batch.map_err(|e| file_error(&e))?;
            let m = batch.num_rows();
            if row + m > self.group_rows[group] {
                return Err(file_error(&format!(
                    "the footer promises {} rows, the pages hold more",
                    self.group_rows[group]
                )));
            }
            let block = &mut values[row * n..(row + m) * n];
            for (slot, &j) in features.iter().enumerate() {
                let name = &self.header[j];
                let array = column(&batch, name);
                let accepts_missing = matches!(
                    kinds.get(slot),
                    Some(Kind::Number { missing: true, .. } | Kind::Either { missing: true })
                );
                if let Some((_, values, codes)) = text.iter_mut().find(|t| t.0 == slot) {
                    let result = for_each_label(array, &mut |i, cell| {
                        codes.push(match cell {
                            Some(cell) if !is_missing(cell.trim_ascii(), na_values) => {
                                values.id(cell.trim_ascii(), first_row + row + i)
                            }
                            _ => MISSING_ID,
                        });
                        Ok(())
                    });
                    if let Err((i, reason)) = result {
                        return Ok(Err(self.value_at(row + i, name, reason)));
                    }
                    continue;
                }
                let mut nulls = Vec::new();
                let accept = accepts_missing.then_some(&mut nulls);
                if let Err((i, reason)) = copy_feature(array, block, n, slot, accept) {
                    return Ok(Err(self.value_at(row + i, name, reason)));
                }
                missing.extend(nulls.iter().map(|i| (row + i) * n + slot));
            }
            if let Some(t) = target {
                let name = &self.header[t];
                let ids = &mut ids[row..row + m];
                let result = for_each_label(column(&batch, name), &mut |i, text| match text {
                    Some(text) if !text.is_empty() => {
                        ids[i] = labels.id(text, first_row + row + i);
                        Ok(())
                    }
                    _ => Err((i, "missing label (null or empty)".to_string())),
                });
                if let Err((i, reason)) = result {
                    return Ok(Err(self.value_at(row + i, name, reason)));
                }
            }
            row += m;
        }
        if row != self.group_rows[group] {
            return Err(file_error(&format!(
                "the footer promises {} rows, the pages hold {row}",
                self.group_rows[group]
            )));
        }
        Ok(Ok(GroupRead {
            labels,
            text,
            missing,
        }))
    }

    fn value_at(&self, row: usize, column: &str, reason: String) -> ValueError {
        ValueError {
            row,
            column: column.to_owned(),
            reason,
        }
    }

    /// y for every row under `labels`; an unknown label is an error naming its row.
    fn encode(&self, raw: &RawLabels, target: usize, labels: &LabelMap) -> Result<Vec<f64>> {
        let codes: Vec<Option<f64>> = raw.values.iter().map(|v| labels.encode(v)).collect();
        let unknown = |row: usize, value: &str| {
            self.value_error(
                row,
                self.header[target].clone(),
                format!(
                    "label {value:?} is not one of the model's classes ({})",
                    labels.listed()
                ),
            )
        };
        if let Some(k) = codes.iter().position(Option::is_none) {
            return Err(unknown(raw.first_seen[k], &raw.values[k]));
        }
        // An untracked id (u32::MAX) is one value too many for its row group.
        if let Some((value, row)) = &raw.untracked {
            return Err(self.value_error(
                *row,
                self.header[target].clone(),
                format!(
                    "the target has more than {MAX_CLASSES_LIMIT} distinct values (here {:?})",
                    super::cut(value)
                ),
            ));
        }
        let codes: Vec<f64> = codes.into_iter().flatten().collect(); // every one is known
        Ok(raw.ids.iter().map(|&id| codes[id as usize]).collect())
    }
}

/// What [`ParquetFile::read_group`] reads: the columns and how.
#[derive(Clone, Copy)]
struct GroupColumns<'a> {
    features: &'a [usize],
    kinds: &'a [Kind],
    na_values: &'a [String],
    target: Option<usize>,
}

/// One row group's labels, text columns (feature, values, each row's id) and missing cells
/// (row · n + feature, rows from the group's first).
struct GroupRead {
    labels: ChunkLabels,
    text: Vec<(usize, ChunkLabels, Vec<u32>)>,
    missing: Vec<usize>,
}

/// The column called `name` of a batch read with a projection that includes it.
fn column<'b>(batch: &'b RecordBatch, name: &str) -> &'b dyn Array {
    batch
        .column_by_name(name)
        .expect("the projection includes every column read")
        .as_ref()
}

/// `match $data_type { DataType::Int8 => $each!(Int8Type), ..., $arms }`: an arm for each Arrow
/// primitive numeric type a column may hold, then the `$arms` given. The one list of those types,
/// for the type check and for both readers.
macro_rules! match_primitive {
    ($data_type:expr, $each:ident, { $($arms:tt)* }) => {
        match $data_type {
            DataType::Int8 => $each!(Int8Type),
            DataType::Int16 => $each!(Int16Type),
            DataType::Int32 => $each!(Int32Type),
            DataType::Int64 => $each!(Int64Type),
            DataType::UInt8 => $each!(UInt8Type),
            DataType::UInt16 => $each!(UInt16Type),
            DataType::UInt32 => $each!(UInt32Type),
            DataType::UInt64 => $each!(UInt64Type),
            DataType::Float16 => $each!(Float16Type),
            DataType::Float32 => $each!(Float32Type),
            DataType::Float64 => $each!(Float64Type),
            $($arms)*
        }
    };
}

/// Types a feature column may have.
fn is_numeric(data_type: &DataType) -> bool {
    macro_rules! yes {
        ($t:ident) => {
            true
        };
    }
    match_primitive!(data_type, yes, {
        DataType::Boolean => true,
        _ => false,
    })
}

/// Types a target column (or its dictionary's values) may have.
fn is_label_type(data_type: &DataType) -> bool {
    use DataType::*;
    is_numeric(data_type) || matches!(data_type, Utf8 | LargeUtf8 | Utf8View)
}

/// Text, or a dictionary (of text or numbers): a categorical column.
fn is_text_type(data_type: &DataType) -> bool {
    use DataType::*;
    match data_type {
        Dictionary(_, values) => is_label_type(values),
        other => matches!(other, Utf8 | LargeUtf8 | Utf8View),
    }
}

/// Row of the first null in `array`, if any.
fn first_null(array: &dyn Array) -> Option<usize> {
    if array.logical_null_count() == 0 {
        return None;
    }
    (0..array.len()).find(|&i| array.is_null(i))
}

/// Writes `array` (already checked by [`is_numeric`]) into position `slot` of each n-wide row of
/// `out`. Fails with the 0-based row and the reason at a null, NaN, infinity or a value too
/// large for `T`.
fn copy_feature<T: Element>(
    array: &dyn Array,
    out: &mut [T],
    n: usize,
    slot: usize,
    mut missing: Option<&mut Vec<usize>>,
) -> std::result::Result<(), (usize, String)> {
    if missing.is_none()
        && let Some(i) = first_null(array)
    {
        return Err((
            i,
            "missing value (null); choose what to do with missing values with --missing drop|mean|median|indicator"
                .into(),
        ));
    }
    let nulls = array.logical_null_count() > 0;
    let mut put = |out: &mut [T], values: &mut dyn Iterator<Item = f64>| {
        for (i, v) in values.enumerate() {
            if let Some(missing) = missing.as_deref_mut()
                && ((nulls && array.is_null(i)) || v.is_nan())
            {
                missing.push(i);
                continue;
            }
            if !v.is_finite() {
                return Err((i, format!("{v} is not a finite number")));
            }
            out[i * n + slot] = T::from_f64(v)
                .ok_or_else(|| (i, super::dense::unstorable::<T>(v, &v.to_string())))?;
        }
        Ok(())
    };
    macro_rules! primitive {
        // f16 has no `as` cast to f64.
        (Float16Type) => {
            put(
                out,
                &mut array
                    .as_primitive::<Float16Type>()
                    .values()
                    .iter()
                    .map(|v| v.to_f64()),
            )
        };
        ($t:ident) => {
            put(
                out,
                &mut array
                    .as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| v as f64),
            )
        };
    }
    match_primitive!(array.data_type(), primitive, {
        DataType::Boolean => put(
            out,
            &mut array
                .as_boolean()
                .values()
                .iter()
                .map(|b| f64::from(u8::from(b))),
        ),
        other => unreachable!("feature column of type {other} passed the type check"),
    })
}

type LabelVisitor<'a> =
    dyn FnMut(usize, Option<&[u8]>) -> std::result::Result<(), (usize, String)> + 'a;

/// Calls `f(row, text)` for each row of a label column (checked by [`is_label_type`], possibly
/// dictionary-encoded), with the label's text form, or None for a null.
fn for_each_label(
    array: &dyn Array,
    f: &mut LabelVisitor,
) -> std::result::Result<(), (usize, String)> {
    if let Some(dictionary) = array.as_any_dictionary_opt() {
        let mut texts: Vec<Option<Vec<u8>>> = vec![None; dictionary.values().len()];
        for_each_label(dictionary.values().as_ref(), &mut |k, text| {
            texts[k] = text.map(<[u8]>::to_vec);
            Ok(())
        })?;
        for (i, k) in dictionary.normalized_keys().into_iter().enumerate() {
            let text = if array.is_null(i) {
                None
            } else {
                texts.get(k).and_then(Option::as_deref)
            };
            f(i, text)?;
        }
        return Ok(());
    }
    let mut text = String::new();
    let mut visit_display = |f: &mut LabelVisitor, i: usize, value: &dyn std::fmt::Display| {
        if array.is_null(i) {
            return f(i, None);
        }
        text.clear();
        write!(text, "{value}").expect("writing to a String");
        f(i, Some(text.as_bytes()))
    };
    macro_rules! primitive {
        ($t:ident) => {{
            for (i, v) in array.as_primitive::<$t>().values().iter().enumerate() {
                visit_display(f, i, v)?;
            }
            Ok(())
        }};
    }
    macro_rules! strings {
        ($strings:expr) => {{
            for (i, s) in $strings.iter().enumerate() {
                f(i, s.map(str::as_bytes))?;
            }
            Ok(())
        }};
    }
    match_primitive!(array.data_type(), primitive, {
        DataType::Utf8 => strings!(array.as_string::<i32>()),
        DataType::LargeUtf8 => strings!(array.as_string::<i64>()),
        DataType::Utf8View => strings!(array.as_string_view()),
        DataType::Boolean => {
            for (i, b) in array.as_boolean().values().iter().enumerate() {
                visit_display(f, i, &b)?;
            }
            Ok(())
        }
        other => unreachable!("target column of type {other} passed the type check"),
    })
}

/// Numbers, no cell missing: how a column is read when nothing else is asked.
const PLAIN: Kind = Kind::Number {
    missing: false,
    trained: false,
};

/// Reads training data: the target is `options.target`, else a column named `label`, else the
/// last column; every other column is a feature. Text and dictionary columns are categorical
/// (see [`super::encoding`]).
pub fn read_training(path: &Path, options: &LoadOptions) -> Result<Dataset> {
    let file = ParquetFile::open(path)?;
    let header = &file.header;
    if header.is_empty() {
        return Err(Error::ParquetFile {
            path: path.into(),
            reason: "the schema has no columns".into(),
        });
    }
    let target = super::target_column(path, header, options.target)?;
    let weight = super::weight_column(path, header, options.sample_weight, target)?;
    let (features, ignored) =
        super::feature_columns(path, header, target, weight, &options.selection)?;
    if features.is_empty() {
        return Err(file.column_error(
            target,
            "is the only column besides the weights (the target): there are no features".into(),
        ));
    }
    let names: Vec<String> = features.iter().map(|&j| header[j].clone()).collect();
    super::check_categorical(path, header, &names, &options.encode.categorical)?;
    let kinds: Vec<Kind> = features
        .iter()
        .map(|&j| file.training_kind(j, &options.encode))
        .collect();
    for (&j, &kind) in features.iter().zip(&kinds) {
        file.check_feature(j, kind)?;
    }
    file.check_target(target)?;
    let (encoded, raw) = match options.precision {
        Precision::F32 => learn::<f32>(&file, &features, &kinds, &names, target, options)?,
        Precision::F64 => learn::<f64>(&file, &features, &kinds, &names, target, options)?,
    };
    let labels = match LabelMap::from_labels(&raw.values, options.positive, options.max_classes) {
        Ok(labels) => labels,
        Err(ClassProblem::NoRows) => return Err(Error::NoRows { path: path.into() }),
        Err(ClassProblem::Single(label)) => {
            return Err(Error::SingleClass {
                path: path.into(),
                label,
            });
        }
        Err(ClassProblem::Rejected(e)) => return Err(e),
        Err(ClassProblem::TooMany { at }) => {
            return Err(file.value_error(
                raw.first_seen[at],
                header[target].clone(),
                format!(
                    "the target has more than {} distinct values (here {:?}); it looks like a continuous target, not classes (raise --max-classes if these are classes)",
                    options.max_classes, raw.values[at]
                ),
            ));
        }
    };
    let y = file.encode(&raw, target, &labels)?;
    let weights = match weight {
        Some(j) => Some(column_values(&file, j)?),
        None => None,
    };
    let (y, weights) = match &encoded.kept {
        None => (y, weights),
        Some(rows) => (
            rows.iter().map(|&i| y[i]).collect(),
            weights.map(|s| rows.iter().map(|&i| s[i]).collect()),
        ),
    };
    Ok(Dataset {
        source: path.into(),
        features: encoded.features.sparsify_if_below(SPARSE_DENSITY),
        dropped_rows: encoded.kept.map_or(0, |kept| raw.ids.len() - kept.len()),
        y,
        weights,
        feature_names: encoded.feature_names,
        target: header[target].clone(),
        labels,
        ignored,
        encoding: encoded.encoding,
    })
}

/// Reads the training columns and learns their encoding.
fn learn<T: Element>(
    file: &ParquetFile,
    features: &[usize],
    kinds: &[Kind],
    names: &[String],
    target: usize,
    options: &LoadOptions,
) -> Result<(super::encoding::Encoded, RawLabels)> {
    let na = &options.encode.na_values;
    let mut table = file.read::<T>(features, kinds, na, Some(target))?;
    let raw = table.labels.take().expect("target column requested");
    let encoded = super::encoding::learn(&file.path, table, names, &options.encode)?;
    Ok((encoded, raw))
}

/// Column j as f64 values, one per row.
fn column_values(file: &ParquetFile, j: usize) -> Result<Vec<f64>> {
    file.check_feature(j, PLAIN)?;
    let table = file.read::<f64>(&[j], &[PLAIN], &[], None)?;
    let m = table.features;
    Ok((0..m.n_rows()).map(|i| m.row(i)[0]).collect())
}

/// The column named `name` as f64 values (the sample weights of `eval --sample-weight`).
pub fn read_named_column(path: &Path, name: &str) -> Result<Vec<f64>> {
    let file = ParquetFile::open(path)?;
    let j = super::target_column(path, &file.header, Some(name))?;
    column_values(&file, j)
}

/// Reads data laid out like `schema` (for prediction or evaluation): the input columns are
/// found by name, read in the schema's order and encoded as its encoding says, and the target
/// is read if present. Any other column is an error, as for CSV.
pub fn read_matching(
    path: &Path,
    schema: &Schema,
    precision: Precision,
    read: super::ReadOptions,
) -> Result<super::ModelData> {
    let file = ParquetFile::open(path)?;
    let header = &file.header;
    let inputs = schema.input_columns();
    if let Some(err) = super::csv::feature_mismatch(path, &inputs, header, &{
        let mut known = vec![schema.target];
        known.extend(schema.others());
        known
    }) {
        return Err(err);
    }
    let at = super::positions(header);
    let features: Vec<usize> = inputs
        .iter()
        .filter_map(|f| at.get(f.as_str()).copied())
        .collect();
    let kinds = match schema.encoding {
        Some(e) => e.kinds(),
        None => vec![PLAIN; features.len()],
    };
    let target = at.get(schema.target).copied();
    for (&j, &kind) in features.iter().zip(&kinds) {
        file.check_feature(j, kind)?;
    }
    if let Some(t) = target {
        file.check_target(t)?;
    }
    let na: &[String] = schema.encoding.map_or(&[], |e| &e.na_values);
    let (features, raw, unseen) = match precision {
        Precision::F32 => apply::<f32>(&file, &features, &kinds, na, target, schema, read)?,
        Precision::F64 => apply::<f64>(&file, &features, &kinds, na, target, schema, read)?,
    };
    let y = match (raw, target) {
        (Some(raw), Some(t)) => Some(file.encode(&raw, t, schema.labels)?),
        _ => None,
    };
    Ok(super::ModelData {
        features: features.sparsify_if_below(SPARSE_DENSITY),
        y,
        unseen,
    })
}

/// What [`apply`] gives: the features, the raw labels and the unseen levels.
type Applied = (Features, Option<RawLabels>, Vec<super::encoding::Unseen>);

#[allow(clippy::too_many_arguments)]
fn apply<T: Element>(
    file: &ParquetFile,
    features: &[usize],
    kinds: &[Kind],
    na: &[String],
    target: Option<usize>,
    schema: &Schema,
    read: super::ReadOptions,
) -> Result<Applied> {
    let mut table = file.read::<T>(features, kinds, na, target)?;
    let raw = table.labels.take();
    // Messages name rows from 1, as the other Parquet errors do.
    for text in table.text.iter_mut().flatten() {
        for row in &mut text.first_seen {
            *row += 1;
        }
    }
    let positions: Vec<usize> = features.iter().map(|j| j + 1).collect();
    let (features, unseen) =
        super::encoding::encode(schema.encoding, &file.path, table, &positions, read.strict)?;
    Ok((features, raw, unseen))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_a_corrupt_file_leaves_the_panic_hook_in_place() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let default = std::panic::take_hook();
        let hook: PanicHook = Box::new(move |info| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            default(info);
        });
        let before = address(&hook);
        std::panic::set_hook(hook);
        let path = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/corrupt_footer.parquet"
        ));
        let e = read_training(path, &LoadOptions::default()).err().unwrap();
        assert!(e.to_string().contains("the file is corrupt"), "{e}");
        // The decoder's panic did not reach the hook, and the hook is the test's own.
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
        let after = std::panic::take_hook();
        assert_eq!(address(&after), before, "the panic hook was replaced");
        std::panic::set_hook(after);
    }
}
