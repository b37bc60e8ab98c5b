//! Without the `parquet` feature, a Parquet file is an error that says how to enable it.
#![cfg(not(feature = "parquet"))]

use std::process::Command;

#[test]
fn parquet_without_the_feature_says_how_to_enable_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.parquet"), b"PAR1").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_logreg"))
        .args(["train", "x.parquet", "-o", "m.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.contains("x.parquet"), "{err}");
    assert!(err.contains("--features parquet"), "{err}");
    assert!(!dir.path().join("m.json").exists());
}
