//! The bytes of a data file, read as a stream of line-aligned chunks, and the line-level helpers
//! every text format shares.
//!
//! A file is read, not memory-mapped: a mapped file that another process truncates kills the
//! reader with SIGBUS, while a read just ends early, which [`Source`] reports as an error naming
//! the file. A gzip file (recognised by its magic bytes, whatever its name) is decompressed as it
//! is read, member after member (as `cat a.gz b.gz` makes), with zero bytes after the last member
//! ignored as GNU gzip ignores them. Nothing holds the whole file: text formats take chunks of
//! about [`CHUNK_BYTES`], each ending just after a line break, a batch at a time, parse the batch
//! in parallel while the next one is read, and keep only what they parsed. The peak memory of a
//! load is the parsed data plus two batches of chunks, whatever the file's size or compression
//! ratio; a line longer than [`MAX_LINE_BYTES`] is an error, which bounds what one line (a
//! decompression bomb of a billion zero bytes, say) can make logreg hold.
//!
//! `-` reads standard input, plain or gzip, the same way.
//!
//! Each chunk carries the 1-based number of its first line, so an error anywhere names its line
//! without the rest of the file at hand.

use crate::error::{Error, Result};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Bytes per parse chunk (before extending the chunk to the next line end).
pub const CHUNK_BYTES: usize = 1 << 22;

/// The longest line accepted: 256 MiB (a LIBSVM row of some 15 million non-zeros, or a CSV
/// header of some 20 million names).
pub const MAX_LINE_BYTES: usize = 1 << 28;

/// Chunks of consecutive lines, with the number of the first.
#[derive(Debug, Default)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// The 1-based line number of the chunk's first byte.
    pub first_line: usize,
}

impl Chunk {
    /// The lines of the chunk, each with its 1-based line number in the file, CR stripped.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &[u8])> {
        lines(&self.bytes)
            .enumerate()
            .map(|(k, line)| (self.first_line + k, line))
    }
}

/// An opened data file, read chunk by chunk.
pub struct Source {
    path: PathBuf,
    input: Box<dyn Read + Send>,
    /// Whether `input` decompresses gzip (its errors are then decompression errors).
    gzip: bool,
    /// The size of a plain file when it was opened: fewer bytes read means it shrank.
    expected: Option<u64>,
    /// Bytes of input read so far (decompressed ones for gzip).
    read: u64,
    /// Bytes read past the end of the last chunk: the start of the next line.
    carry: Vec<u8>,
    /// Buffers of chunks already parsed, to be filled again ([`Source::recycle`]): reused
    /// pages cost no page faults, fresh ones do (a tenth of the time to load a table).
    spare: Vec<Vec<u8>>,
    next_line: usize,
    finished: bool,
}

impl Source {
    /// Opens `path`, decompressing it as it is read if it is gzip; `-` is standard input.
    pub fn open(path: &Path) -> Result<Self> {
        if is_stdin(path) {
            return Source::decoding(Path::new(STDIN_NAME), std::io::stdin(), None);
        }
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
        if metadata.is_dir() {
            return Err(Error::io(
                path,
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "is a folder, not a data file",
                ),
            ));
        }
        // A regular file's size says how much to expect; a pipe or device has none.
        Source::decoding(path, file, metadata.is_file().then_some(metadata.len()))
    }

    /// `input`, decompressed as it is read if it starts with gzip's magic bytes; `size` is
    /// how many bytes a plain file had when opened.
    fn decoding(name: &Path, input: impl Read + Send + 'static, size: Option<u64>) -> Result<Self> {
        let mut input = std::io::BufReader::with_capacity(1 << 16, input);
        let magic = input.fill_buf().map_err(|e| Error::io(name, e))?;
        let gzip = magic.starts_with(&[0x1f, 0x8b]);
        let input: Box<dyn Read + Send> = if gzip {
            Box::new(Gunzip::new(input))
        } else {
            Box::new(input)
        };
        let mut source = Source::from_reader(name, input);
        source.gzip = gzip;
        source.expected = size.filter(|_| !gzip);
        Ok(source)
    }

    /// Bytes held in the binary (such as the demo's data); `name` is used in messages.
    pub fn from_static(name: &Path, bytes: &'static [u8]) -> Self {
        Source::from_reader(name, Box::new(bytes))
    }

    /// Any byte stream (a pipe, say), named `name` in messages.
    pub fn from_reader(name: &Path, input: Box<dyn Read + Send>) -> Self {
        Source {
            path: name.into(),
            input,
            gzip: false,
            expected: None,
            read: 0,
            carry: Vec::new(),
            spare: Vec::new(),
            next_line: 1,
            finished: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next chunk: at least [`CHUNK_BYTES`] unless the input ends first, ending just after a
    /// line break or at the end of the input; None once everything has been handed out.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let mut bytes = self.spare.pop().unwrap_or_default();
        bytes.clear();
        bytes.extend_from_slice(&self.carry);
        // Where the search for the chunk's last line break starts (bytes before it have none).
        let mut searched = 0;
        let mut want = CHUNK_BYTES;
        let cut = loop {
            if bytes.len() < want && !self.finished {
                self.fill(&mut bytes, want)?;
            }
            if self.finished {
                break bytes.len();
            }
            if let Some(p) = memchr::memrchr(b'\n', &bytes[searched..]) {
                break searched + p + 1;
            }
            // One line fills the chunk so far: read on, up to the longest line allowed.
            if bytes.len() >= MAX_LINE_BYTES {
                return Err(self.long_line(&bytes));
            }
            searched = bytes.len();
            want = (2 * want).min(MAX_LINE_BYTES);
        };
        if cut == 0 {
            return Ok(None);
        }
        self.carry.clear();
        self.carry.extend_from_slice(&bytes[cut..]);
        bytes.truncate(cut);
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count();
        Ok(Some(Chunk { bytes, first_line }))
    }

    /// Takes back the buffers of chunks that are done with, for the next chunks to fill.
    pub fn recycle(&mut self, chunks: Vec<Chunk>) {
        let room = batch_size();
        for chunk in chunks {
            if self.spare.len() < room && chunk.bytes.capacity() <= 4 * CHUNK_BYTES {
                self.spare.push(chunk.bytes);
            }
        }
    }

    /// Up to `count` next chunks (fewer at the end of the input).
    pub fn next_chunks(&mut self, count: usize) -> Result<Vec<Chunk>> {
        let mut chunks = Vec::with_capacity(count);
        while chunks.len() < count {
            match self.next_chunk()? {
                Some(chunk) => chunks.push(chunk),
                None => break,
            }
        }
        Ok(chunks)
    }

    /// Reads into `bytes` until it holds `want` bytes or the input ends.
    fn fill(&mut self, bytes: &mut Vec<u8>, want: usize) -> Result<()> {
        let missing = want.saturating_sub(bytes.len());
        bytes.reserve_exact(missing);
        let got = (&mut self.input)
            .take(missing as u64)
            .read_to_end(bytes)
            .map_err(|e| self.read_error(e))?;
        self.read += got as u64;
        if got < missing {
            self.finished = true;
            if let Some(expected) = self.expected.filter(|&e| self.read < e) {
                return Err(Error::io(
                    &self.path,
                    std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!(
                            "the file shrank while it was read: it had {expected} bytes when \
                             opened, and ended after {}",
                            self.read
                        ),
                    ),
                ));
            }
        }
        Ok(())
    }

    fn read_error(&self, e: std::io::Error) -> Error {
        if self.gzip {
            Error::Decompress {
                path: self.path.clone(),
                reason: format!("{e} (after {} bytes of decompressed data)", self.read),
            }
        } else {
            Error::io(&self.path, e)
        }
    }

    /// The error for a line longer than [`MAX_LINE_BYTES`] starting `bytes`.
    fn long_line(&self, bytes: &[u8]) -> Error {
        let reason = if memchr::memchr(b'\r', bytes).is_some() {
            "no line feed in the first 256 MiB: the lines seem to end in a bare carriage \
             return (CR); convert the file to LF or CRLF line endings"
                .to_owned()
        } else {
            format!(
                "the line is longer than {} MiB, the longest logreg reads",
                MAX_LINE_BYTES >> 20
            )
        };
        self.error_at(self.next_line, 1, reason)
    }

    /// A parse error on 1-based `line`, `column` counted from 1.
    pub fn error_at(&self, line: usize, column: usize, reason: String) -> Error {
        Error::Parse {
            path: self.path.clone(),
            line,
            column,
            reason,
        }
    }
}

/// The name standard input goes by in messages.
pub const STDIN_NAME: &str = "(standard input)";

/// Is `path` the `-` that stands for standard input?
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Gzip members one after another, then optionally zero bytes to the end (tape and block devices
/// pad files with them; GNU gzip ignores them). Anything else after a member must be another
/// member.
struct Gunzip<R: BufRead> {
    member: Option<flate2::bufread::GzDecoder<R>>,
    /// Whether any member has produced bytes (padding needs some data before it).
    produced: bool,
}

impl<R: BufRead> Gunzip<R> {
    fn new(input: R) -> Self {
        Gunzip {
            member: Some(flate2::bufread::GzDecoder::new(input)),
            produced: false,
        }
    }
}

impl<R: BufRead> Read for Gunzip<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let Some(member) = self.member.as_mut() else {
                return Ok(0);
            };
            let n = member.read(out)?;
            if n > 0 || out.is_empty() {
                self.produced |= n > 0;
                return Ok(n);
            }
            // The member has ended: what follows is nothing, zero padding or another member.
            let mut input = self.member.take().expect("a member").into_inner();
            let rest = input.fill_buf()?;
            if rest.is_empty() {
                return Ok(0);
            }
            if rest[0] == 0 && self.produced {
                loop {
                    let rest = input.fill_buf()?;
                    if rest.is_empty() {
                        return Ok(0);
                    }
                    if rest.iter().any(|&b| b != 0) {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "data after the zero padding that follows the last gzip member",
                        ));
                    }
                    let len = rest.len();
                    input.consume(len);
                }
            }
            self.member = Some(flate2::bufread::GzDecoder::new(input));
        }
    }
}

/// `line` without a trailing carriage return.
pub fn trim_line(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

/// The lines of `chunk`, CR stripped.
pub fn lines(chunk: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= chunk.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |p| start + p);
        let line = trim_line(&chunk[start..end]);
        start = end + 1;
        Some(line)
    })
}

/// Chunks in a parse batch: two per thread, so a slow chunk does not idle the others.
pub fn batch_size() -> usize {
    2 * rayon::current_num_threads().max(1)
}

/// Parses `source` a batch of chunks at a time: `parse` runs on the chunks of a batch in
/// parallel while `keep` takes the previous batch's results, in file order, and the next batch
/// is read (a pipeline of three stages, so the serial `keep` costs no idle core). The first
/// error in file order is returned; `first` (a chunk already taken from the source, such as
/// the rest of a CSV header's chunk) comes before the others. The buffers of a parsed batch are
/// [recycled](Source::recycle) for the batch after next.
pub fn parse_chunks<P, F, K>(
    source: &mut Source,
    first: Option<Chunk>,
    parse: F,
    mut keep: K,
) -> Result<()>
where
    P: Send,
    F: Fn(&Chunk) -> Result<P> + Sync,
    K: FnMut(P) -> Result<()> + Send,
{
    use rayon::prelude::*;
    let size = batch_size();
    let mut batch: Vec<Chunk> = first.into_iter().collect();
    batch.extend(source.next_chunks(size - batch.len())?);
    let mut parsed: Vec<Result<P>> = Vec::new();
    let mut done: Vec<Chunk> = Vec::new();
    while !batch.is_empty() {
        let previous = std::mem::take(&mut parsed);
        let finished = std::mem::take(&mut done);
        let (next, now) = rayon::join(
            || -> Result<Vec<Chunk>> {
                for p in previous {
                    keep(p?)?;
                }
                source.recycle(finished);
                source.next_chunks(size)
            },
            || batch.par_iter().map(&parse).collect::<Vec<_>>(),
        );
        done = std::mem::replace(&mut batch, next?);
        parsed = now;
    }
    for p in parsed {
        keep(p?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks_of(text: &'static [u8]) -> Vec<Chunk> {
        let mut source = Source::from_static(Path::new("t"), text);
        let mut out = Vec::new();
        while let Some(c) = source.next_chunk().unwrap() {
            out.push(c);
        }
        out
    }

    #[test]
    fn chunks_end_on_line_breaks_and_count_lines() {
        let body: Vec<u8> = (0..800_000)
            .flat_map(|i| format!("{i},1\n").into_bytes())
            .collect();
        let chunks = chunks_of(body.leak());
        assert!(chunks.len() > 1);
        let mut line = 1;
        for c in &chunks {
            assert_eq!(*c.bytes.last().unwrap(), b'\n');
            assert_eq!(c.first_line, line);
            let (first, text) = c.lines().next().unwrap();
            assert_eq!(first, line);
            assert_eq!(text, format!("{},1", line - 1).as_bytes());
            line += c.lines().count();
        }
        assert_eq!(line, 800_001);
    }

    #[test]
    fn the_last_chunk_may_lack_a_line_break() {
        let chunks = chunks_of(b"a\n\nb");
        assert_eq!(chunks.len(), 1);
        let lines: Vec<_> = chunks[0].lines().collect();
        assert_eq!(lines, [(1, &b"a"[..]), (2, b""), (3, b"b")]);
        assert!(chunks_of(b"").is_empty());
    }

    #[test]
    fn a_line_longer_than_a_chunk_is_read_whole() {
        let mut text = vec![b'x'; CHUNK_BYTES * 3 + 5];
        text.extend(b"\nnext\n");
        let chunks = chunks_of(text.leak());
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].lines().count(), 2);
    }
}
