//! Output files, written so that nothing the user had is lost: atomically each, and all or
//! nothing per command.
//!
//! A regular file is written to a temporary file beside it (`.logreg-XXXX.tmp`, in the same
//! folder so the rename cannot cross file systems), synced, given the permissions of the file it
//! replaces or of any new file under the umask, then renamed over it; a symbolic link is
//! followed, so the link stays a link. A device or pipe (`/dev/null`, `/dev/stdout`, a FIFO) is
//! written through and never replaced (see [`OutputTarget`]).
//!
//! **All or nothing.** While a [`Batch`] is open (the command line opens one per command), the
//! renames wait: every output is written to its temporary file, and the renames happen together
//! when the batch is committed, so a command that fails halfway (a plot folder that cannot be
//! made, a full disk) leaves every earlier output untouched. Without an open batch (a library
//! user) each write is renamed at once.
//!
//! **Signals.** Every live temporary file is registered. [`abandon`] removes them all and blocks
//! any later commit; a signal handler calls it before exiting, so neither SIGINT, SIGTERM nor
//! SIGHUP leaves a temporary file behind, or lets a half-finished command rename anything.
//! Commits hold the same lock, so a signal lands either before a commit (nothing renamed) or
//! after it (everything renamed), never between two renames of one command.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The process-wide state: live temporary files and the open batch's staged renames.
#[derive(Default)]
struct State {
    /// Temporary files not yet renamed or removed (what a signal must clean up).
    live: Vec<PathBuf>,
    /// Whether a batch is open, and the renames it holds back.
    batch: Option<Vec<(tempfile::TempPath, PathBuf)>>,
    /// Set by [`abandon`]: nothing may be renamed any more.
    abandoned: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    live: Vec::new(),
    batch: None,
    abandoned: false,
});

fn state() -> MutexGuard<'static, State> {
    // A panic while holding the lock leaves plain data that is still consistent.
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where an output named `path` goes.
pub enum OutputTarget {
    /// A regular file (new or existing) at this path, after following symbolic links: written
    /// to a temporary file beside it, then renamed over it, so the link stays a link.
    File(PathBuf),
    /// Something that is not a regular file, such as /dev/null, /dev/stdout or a named pipe:
    /// written through, never replaced.
    Device(PathBuf),
}

impl OutputTarget {
    /// Classifies `path`, following symbolic links. A link under /dev or /proc is written
    /// through, whatever it points to: /dev/stdout is a link to the process's standard output,
    /// which may be a regular file that a shell redirection opened, and must not be replaced.
    /// A regular file there (on the /dev/shm file system, say) is a file like any other.
    pub fn of(path: &Path) -> Result<OutputTarget> {
        let special = path.starts_with("/dev") || path.starts_with("/proc");
        if special && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Ok(OutputTarget::Device(path.into()));
        }
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() && !m.is_dir() => Ok(OutputTarget::Device(path.into())),
            Ok(_) => {
                let real = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
                Ok(OutputTarget::File(real))
            }
            // A link to a file that does not exist yet: create that file.
            Err(_) => match std::fs::read_link(path) {
                Ok(target) => {
                    let base = path.parent().unwrap_or(Path::new("."));
                    Ok(OutputTarget::File(base.join(target)))
                }
                Err(_) => Ok(OutputTarget::File(path.into())),
            },
        }
    }
}

/// Opens a device or pipe (see [`OutputTarget::Device`]) to write through it: no truncation,
/// no replacement.
pub fn open_device(device: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .open(device)
        .map_err(|e| Error::io(device, e))
}

/// A private temporary file in the folder of `path`, to be renamed over it by [`finish`];
/// registered, so a signal removes it.
pub fn temporary_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut state = state();
    if state.abandoned {
        return Err(abandoned(path));
    }
    let tmp = tempfile::Builder::new()
        .prefix(".logreg-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    state.live.push(tmp.path().to_path_buf());
    Ok(tmp)
}

/// Gives the written temporary file `tmp` its final permissions (those of the file at `path`
/// it replaces, or of any new file under the umask), syncs it, and renames it over `path`: now,
/// or when the open [`Batch`] commits.
pub fn finish(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => new_file_permissions(),
    };
    tmp.as_file()
        .set_permissions(permissions)
        .map_err(|e| Error::io(tmp.path(), e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io(tmp.path(), e))?;
    let tmp = tmp.into_temp_path();
    let mut state = state();
    if state.abandoned {
        return Err(abandoned(path));
    }
    match &mut state.batch {
        Some(staged) => staged.push((tmp, path.to_path_buf())),
        None => rename(&mut state, tmp, path)?,
    }
    Ok(())
}

/// Renames `tmp` over `path` and forgets it.
fn rename(state: &mut State, tmp: tempfile::TempPath, path: &Path) -> Result<()> {
    let from = tmp.to_path_buf();
    let result = tmp.persist(path).map_err(|e| Error::io(path, e.error));
    state.live.retain(|p| *p != from);
    result
}

/// Writes `bytes` to `path`: for a regular file, through a temporary file beside it (see
/// [`finish`]); for a device or pipe, straight through.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let path = match OutputTarget::of(path)? {
        OutputTarget::Device(device) => {
            return open_device(&device)?
                .write_all(bytes)
                .map_err(|e| Error::io(&device, e));
        }
        OutputTarget::File(file) => file,
    };
    let mut tmp = temporary_beside(&path)?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    finish(tmp, &path)
}

/// An output written as it is made (predictions of a streamed file): into a temporary file
/// beside a regular file, renamed over it by [`Streamed::finish`] as [`finish`] does, or
/// straight through to a device or pipe.
pub struct Streamed {
    path: PathBuf,
    out: std::io::BufWriter<Sink>,
}

enum Sink {
    File(tempfile::NamedTempFile),
    Device(std::fs::File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Device(d) => d.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Device(d) => d.flush(),
        }
    }
}

impl Streamed {
    pub fn open(path: &Path) -> Result<Streamed> {
        let (path, sink) = match OutputTarget::of(path)? {
            OutputTarget::Device(device) => {
                let d = open_device(&device)?;
                (device, Sink::Device(d))
            }
            OutputTarget::File(file) => {
                let tmp = temporary_beside(&file)?;
                (file, Sink::File(tmp))
            }
        };
        Ok(Streamed {
            path,
            out: std::io::BufWriter::with_capacity(1 << 16, sink),
        })
    }

    /// Writes `bytes`; an error names the output.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Flushes, and renames a file into place (now, or when the open [`Batch`] commits).
    pub fn finish(self) -> Result<()> {
        let path = self.path;
        let sink = self
            .out
            .into_inner()
            .map_err(|e| Error::io(&path, e.into_error()))?;
        match sink {
            Sink::File(tmp) => finish(tmp, &path),
            Sink::Device(mut d) => d.flush().map_err(|e| Error::io(&path, e)),
        }
    }
}

/// The outputs of one command, renamed together by [`Batch::commit`]; dropped uncommitted (an
/// error, an interruption), it removes their temporary files and renames nothing.
#[must_use = "a batch renames nothing unless committed"]
pub struct Batch(());

impl Batch {
    /// Opens the batch. Only one is open at a time: opening another commits nothing and holds
    /// its writes in the same batch.
    pub fn open() -> Batch {
        state().batch.get_or_insert_with(Vec::new);
        Batch(())
    }

    /// See [`commit`].
    pub fn commit(&self) -> Result<()> {
        commit()
    }
}

/// Renames every output the open batch holds, in the order written (nothing without a batch);
/// the batch stays open for more. An error (a rename refused) stops at that output and leaves
/// the rest unrenamed.
pub fn commit() -> Result<()> {
    let mut state = state();
    if state.abandoned {
        return Err(abandoned(Path::new(".")));
    }
    let Some(batch) = state.batch.as_mut() else {
        return Ok(());
    };
    for (tmp, path) in std::mem::take(batch) {
        rename(&mut state, tmp, &path)?;
    }
    Ok(())
}

impl Drop for Batch {
    fn drop(&mut self) {
        let mut state = state();
        if let Some(staged) = state.batch.take() {
            for (tmp, _) in staged {
                let from = tmp.to_path_buf();
                drop(tmp);
                state.live.retain(|p| *p != from);
            }
        }
    }
}

/// Removes every live temporary file and refuses every later rename, for a process about to
/// exit on a signal. Returns the lock, which the caller keeps until it exits, so no other thread
/// can start a rename in between.
pub fn abandon() -> impl Sized {
    let mut state = state();
    state.abandoned = true;
    for path in state.live.drain(..) {
        let _ = std::fs::remove_file(path);
    }
    state
}

fn abandoned(path: &Path) -> Error {
    Error::io(
        path,
        std::io::Error::new(std::io::ErrorKind::Interrupted, "interrupted"),
    )
}

/// The permissions of a new file: rw for everyone the umask allows (rw-r--r-- under the usual
/// 022, rw------- under 077), as `open(2)` would give it. The umask is read from
/// /proc/self/status, which does not change it (the `umask` call would, for every thread);
/// where that is unavailable, rw-r--r--.
#[cfg(unix)]
pub fn new_file_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Umask:"))?;
            u32::from_str_radix(line["Umask:".len()..].trim(), 8).ok()
        })
        .unwrap_or(0o022);
    std::fs::Permissions::from_mode(0o666 & !umask)
}

#[cfg(not(unix))]
pub fn new_file_permissions() -> std::fs::Permissions {
    let mut p = tempfile::tempfile()
        .and_then(|f| f.metadata())
        .map(|m| m.permissions())
        .expect("a temporary file");
    p.set_readonly(false);
    p
}
