//! Outputs are all or nothing: a command that fails or is stopped by a signal leaves every file
//! as it was, and no temporary file behind.

mod common;

use common::{BREAST_CANCER, assert_fails, logreg, run};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The `.logreg-*.tmp` files in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".logreg-") && name.ends_with(".tmp"))
        .collect()
}

#[test]
fn a_train_that_fails_after_the_model_keeps_the_old_model() {
    // `--plot` names a file, so the plots cannot be written: the model, written first, once
    // replaced m.json before the command failed.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.json"), "old\n").unwrap();
    std::fs::write(dir.path().join("taken"), "a file\n").unwrap();
    let out = run(
        dir.path(),
        &[
            "train",
            BREAST_CANCER,
            "--target",
            "diagnosis",
            "-o",
            "m.json",
            "--plot",
            "taken",
        ],
    );
    assert_fails(&out, 1, &["cannot write the plots to taken"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("m.json")).unwrap(),
        "old\n"
    );
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

/// Starts `logreg generate` of a large file in `dir`, waits until its temporary file exists,
/// sends `signal`, and returns the exit code.
fn signal_during_generate(dir: &Path, signal: &str) -> Option<i32> {
    let mut child = logreg(dir)
        .args(["generate", "--rows", "20000000", "--features", "20"])
        .args(["-o", "big.csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temporaries(dir).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no temporary file"
        );
        assert!(child.try_wait().unwrap().is_none(), "generate ended early");
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    let sent = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("no output written"), "{err}");
    out.status.code()
}

#[test]
fn sigterm_while_writing_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(signal_during_generate(dir.path(), "-TERM"), Some(143));
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    assert!(!dir.path().join("big.csv").exists());
}

#[test]
fn ctrl_c_while_writing_exits_130_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.csv"), "old\n").unwrap();
    assert_eq!(signal_during_generate(dir.path(), "-INT"), Some(130));
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("big.csv")).unwrap(),
        "old\n"
    );
}

#[test]
fn library_writes_without_a_batch_are_renamed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    logreg::outputs::write_atomically(&path, b"new\n").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
    assert_eq!(temporaries(dir.path()), Vec::<String>::new());
}

#[test]
fn a_regular_file_under_dev_shm_is_written_like_any_other() {
    // Every path under /dev was once taken for a device: a new /dev/shm/m.json could not be
    // created ("No such file or directory").
    let shm = Path::new("/dev/shm");
    if !shm.is_dir() {
        return;
    }
    let path = shm.join(format!("logreg-test-{}.txt", std::process::id()));
    logreg::outputs::write_atomically(&path, b"one\n").unwrap();
    logreg::outputs::write_atomically(&path, b"two\n").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(text, "two\n");
}
