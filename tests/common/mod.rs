//! Helpers shared by the integration tests that run the real `logreg` binary, after ripgrep's
//! `tests/util.rs`: a temporary folder to run it in, the run itself, the data files under
//! `data/`, and checks on a run's exit code and stderr.

// Each test file compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

pub mod reference;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Wisconsin breast-cancer data: 569 rows, 30 features, target `diagnosis`.
pub const BREAST_CANCER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/breast_cancer.csv");

/// LIBSVM's `heart_scale`: 270 rows, 13 features, sparse.
pub const HEART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/heart_scale.svm");

/// A temporary folder to run the binary in, removed when dropped.
pub struct Dir(tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        self.0.path()
    }

    /// The path of `name` in the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// Writes `text` to `name` in the folder and returns its path.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        write(self.root(), name, text)
    }

    /// Runs `logreg args` in the folder.
    pub fn run(&self, args: &[&str]) -> Output {
        run(self.root(), args)
    }

    /// Runs `logreg args extra` in the folder: one command line with varying options.
    pub fn run_with(&self, args: &[&str], extra: &[&str]) -> Output {
        run(self.root(), &[args, extra].concat())
    }
}

/// The `logreg` binary Cargo built for the tests, to be run in `dir`.
pub fn logreg(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_logreg"));
    command.current_dir(dir);
    command
}

/// Runs `logreg args` in `dir` and waits for it.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    logreg(dir)
        .args(args)
        .output()
        .expect("the logreg binary runs")
}

/// Runs `logreg args` in `dir` and asserts it succeeded, showing its stderr if not.
pub fn run_ok(dir: &Path, args: &[&str]) -> Output {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "logreg {args:?} failed: {}",
        text(&out.stderr)
    );
    out
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a run succeeded, showing its stderr if not, and returns its stdout.
pub fn ok(out: &Output) -> String {
    assert!(out.status.success(), "failed: {}", text(&out.stderr));
    text(&out.stdout)
}

/// Asserts a run failed with `code`, without a panic, and that stderr contains every one of
/// `needles`.
pub fn assert_fails(out: &Output, code: i32, needles: &[&str]) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert!(!err.contains("panicked"), "a panic: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr lacks {n:?}: {err}");
    }
}

/// Writes `text` to `dir/name` and returns its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The same data stored densely (f64).
pub fn densified(d: &logreg::Dataset) -> logreg::Dataset {
    let (m, n) = (d.n_rows(), d.n_features());
    let values: Vec<f64> = (0..m).flat_map(|i| d.design().row_values(i)).collect();
    logreg::Dataset {
        features: logreg::Features::Dense64(logreg::data::DenseMatrix::from_row_major(
            values, m, n,
        )),
        ..d.clone()
    }
}
