//! The bytes of a data file, and the line-level helpers every text format shares.
//!
//! A plain file is memory-mapped; a gzip file (recognised by its magic bytes, whatever its
//! name) is decompressed into memory first. Text formats cut the bytes into chunks at line
//! breaks and parse the chunks in parallel; once a chunk is parsed its mapped pages are released
//! so the peak memory of a load is the parsed matrix plus the chunks in flight. Offsets are
//! turned into 1-based line numbers only when an error needs one.

use crate::error::{Error, Result};
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes per parse chunk (before moving the cut to the next line end).
const CHUNK_BYTES: usize = 1 << 22;

enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
    Static(&'static [u8]),
}

/// An opened data file.
pub struct Source {
    path: PathBuf,
    bytes: Bytes,
}

impl Source {
    /// Maps `path`, or decompresses it if it is gzip.
    pub fn open(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
        if metadata.is_dir() {
            // Mapping a folder fails with "No such device", which says nothing useful.
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "is a folder, not a data file",
                ),
            ));
        }
        let len = metadata.len();
        if len == 0 {
            return Ok(Self::from_static(path, &[]));
        }
        // SAFETY: the map is read-only; as with any reader, a file truncated by another process
        // while we read it is outside what we can guard against.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let bytes = if map.starts_with(&[0x1f, 0x8b]) {
            Bytes::Owned(gunzip(path, &map)?)
        } else {
            Bytes::Mapped(map)
        };
        Ok(Source {
            path: path.into(),
            bytes,
        })
    }

    /// Bytes held in the binary (such as the demo's data); `name` is used in messages.
    pub fn from_static(name: &Path, bytes: &'static [u8]) -> Self {
        Source {
            path: name.into(),
            bytes: Bytes::Static(bytes),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
            Bytes::Static(b) => b,
        }
    }

    /// Lets the kernel drop the mapped pages of `range` once they are read.
    pub fn release(&self, range: Range<usize>) {
        if let Bytes::Mapped(map) = &self.bytes {
            // SAFETY: the map is a read-only, file-backed mapping; after MADV_DONTNEED a later
            // access reads the same bytes back from the file, so no Rust reference can observe
            // a change. Failure only means the pages stay resident.
            let _ = unsafe {
                map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    range.start,
                    range.len(),
                )
            };
        }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let bytes = self.bytes();
        1 + memchr::memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count()
    }

    /// A parse error at byte `offset`, `column` counted from 1.
    pub fn error_at(&self, offset: usize, column: usize, reason: String) -> Error {
        Error::Parse {
            path: self.path.clone(),
            line: self.line_of(offset),
            column,
            reason,
        }
    }
}

/// The decompressed contents of the gzip file `bytes`: its members one after another (as
/// `cat a.gz b.gz` makes), and, like GNU gzip, zero bytes after the last member ignored (tape
/// and block devices pad files with them).
fn gunzip(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    let mut text = Vec::new();
    let mut rest = bytes;
    // Another member follows unless nothing is left, or only zero padding after some text.
    let padding = |rest: &[u8], text: &[u8]| !text.is_empty() && rest.iter().all(|&b| b == 0);
    while !rest.is_empty() && !padding(rest, &text) {
        let mut member = flate2::bufread::GzDecoder::new(rest);
        member
            .read_to_end(&mut text)
            .map_err(|e| Error::Decompress {
                path: path.into(),
                reason: format!("{e} (after {} bytes of decompressed data)", text.len()),
            })?;
        rest = member.into_inner();
    }
    Ok(text)
}

/// `line` without a trailing carriage return.
pub fn trim_line(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// Cuts `body` into ranges of about 4 MiB, each ending just after a line break.
pub fn chunk_ranges(body: &[u8]) -> Vec<Range<usize>> {
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
pub fn lines(chunk: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let lines: usize = chunks.iter().map(|c| lines(&body[c.clone()]).count()).sum();
        assert_eq!(lines, 800_000);
    }
}
