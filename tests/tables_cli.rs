//! The command line on real tables: `--keep`, standard input, `--delimiter`, unseen levels
//! with and without `--strict`, `show` of an encoded model.

mod common;

use common::{Dir, assert_fails, ok};

const TABLE: &str = "id;age;home;label\n\
                     a1;30;rent;0\n\
                     a2;;own;1\n\
                     a3;50;rent;1\n\
                     a4;20;own;0\n\
                     a5;45;mortgage;1\n\
                     a6;33;rent;0\n";

/// A folder with `TABLE` as t.csv and the model m.json trained on it with `--missing MISSING`.
fn trained_on_table(missing: &str) -> Dir {
    let dir = Dir::new();
    dir.file("t.csv", TABLE);
    ok(&dir.run(&[
        "train",
        "t.csv",
        "-o",
        "m.json",
        "--ignore",
        "id",
        "--missing",
        missing,
        "-q",
    ]));
    dir
}

#[test]
fn keep_stdin_and_delimiters_reach_the_predictions() {
    let dir = trained_on_table("median");
    // The kept columns come first, in the order asked, rows in file order; `-` is stdin.
    let mut child = common::logreg(dir.root())
        .args(["predict", "m.json", "-", "--keep", "home,id", "--proba"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(TABLE.as_bytes())
        .unwrap();
    let piped = child.wait_with_output().unwrap();
    assert!(piped.status.success());
    let text = String::from_utf8(piped.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "home,id,prediction,probability");
    assert_eq!(lines.len(), 7);
    for (i, line) in lines[1..].iter().enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let row: Vec<&str> = TABLE.lines().nth(i + 1).unwrap().split(';').collect();
        assert_eq!((fields[0], fields[1]), (row[2], row[0]), "{line}");
    }
    // The same file with commas, told from its header; and a forced separator.
    dir.file("c.csv", &TABLE.replace(';', ","));
    let commas = ok(&dir.run(&["predict", "m.json", "c.csv", "--keep", "home,id", "--proba"]));
    assert_eq!(commas, text);
    assert_fails(
        &dir.run(&["predict", "m.json", "c.csv", "--delimiter", ";"]),
        1,
        &["c.csv", "not in the model"],
    );
    assert_fails(
        &dir.run(&["predict", "m.json", "c.csv", "--keep", "nope"]),
        1,
        &["nope"],
    );
    assert_fails(
        &dir.run(&["predict", "m.json", "c.csv", "--delimiter", "ab"]),
        2,
        &["not a field separator"],
    );
}

#[test]
fn unseen_levels_warn_or_fail_and_show_lists_the_encoding() {
    let dir = trained_on_table("mean");
    dir.file(
        "new.csv",
        "id;age;home\nb1;40;boat\nb2;41;rent\nb3;42;boat\n",
    );
    let out = dir.run(&["predict", "m.json", "new.csv"]);
    let predictions = ok(&out);
    assert_eq!(predictions.lines().count(), 4);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("column \"home\": 2 rows with 1 level not seen in training (the first, \"boat\", on line 2)"),
        "{stderr}"
    );
    assert_fails(
        &dir.run(&["predict", "m.json", "new.csv", "--strict", "-o", "p.csv"]),
        1,
        &["new.csv:2:3", "\"boat\" was not seen in training"],
    );
    assert!(
        !dir.path("p.csv").exists(),
        "a failed predict left its output"
    );
    assert_fails(
        &dir.run(&["eval", "m.json", "new.csv", "--strict"]),
        1,
        &["\"boat\""],
    );
    // Text where training had numbers.
    dir.file("text.csv", "id;age;home;label\nb1;old;rent;1\n");
    assert_fails(
        &dir.run(&["predict", "m.json", "text.csv"]),
        1,
        &[
            "text.csv:2:2",
            "cannot read \"old\" as a number",
            "numeric in the model's training data",
        ],
    );
    let shown = ok(&dir.run(&["show", "m.json"]));
    for needle in ["home", "mortgage", "age"] {
        assert!(shown.contains(needle), "show lacks {needle}: {shown}");
    }
}

#[test]
fn unseen_levels_are_counted_over_every_streamed_chunk() {
    let dir = trained_on_table("mean");
    // About 10 MB: several chunks, with the same unseen level in the first and the last.
    let mut body = String::from("id;age;home\nz0;30;boat\n");
    for i in 0..700_000 {
        body += &format!("r{i};{};rent\n", 20 + i % 50);
    }
    body += "z1;31;boat\nz2;32;car\n";
    dir.file("big.csv", &body);
    let out = dir.run(&["predict", "m.json", "big.csv", "-o", "p.csv"]);
    ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("column \"home\": 3 rows with 2 levels not seen in training (the first, \"boat\", on line 2)"),
        "{stderr}"
    );
    let predictions = std::fs::read_to_string(dir.path("p.csv")).unwrap();
    assert_eq!(predictions.lines().count(), 700_004);
}
