//! Real tables: categorical columns and missing cells, on the Titanic passenger list
//! (`tests/fixtures/tables/`, carData's `TitanicSurvival`: names with commas in quotes, text
//! categories, 263 missing ages) against R's `glm` and the independent float64 reference, and
//! on small tables made here for each rule and each bad input.

mod common;

use common::reference::{self, Problem};
use logreg::data::encoding::{EncodeOptions, Missing};
use logreg::data::{LoadOptions, ReadOptions, Selection, load_for_model, load_training};
use logreg::solver::{Control, Progress};
use logreg::{Dataset, Precision, Solver, Termination, TrainOptions};
use std::path::{Path, PathBuf};

const TITANIC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tables/titanic_survival.csv"
);
const GLM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tables/glm_reference.tsv"
);

fn titanic(encode: EncodeOptions) -> Dataset {
    let ignore = ["name".to_string()];
    let options = LoadOptions {
        target: Some("survived"),
        precision: Precision::F64,
        selection: Selection {
            features: None,
            ignore: &ignore,
        },
        encode,
        ..LoadOptions::default()
    };
    load_training(Path::new(TITANIC), &options).unwrap()
}

fn fit(data: &Dataset, solver: Solver, l2: f64) -> logreg::Trained {
    let options = TrainOptions {
        solver,
        l2,
        ..TrainOptions::default()
    };
    logreg::train(data, None, &options, &mut |_: &Progress| Control::Continue).unwrap()
}

/// R's coefficients in `column` of glm_reference.tsv (`drop` or `mean`), by term.
fn glm(column: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(GLM).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let at = header.iter().position(|h| *h == column).unwrap();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[at].parse().unwrap())
        })
        .collect()
}

#[test]
fn unpenalised_fits_match_r_glm_on_the_titanic_passenger_list() {
    for (missing, column, rows) in [(Missing::Drop, "drop", 1046), (Missing::Mean, "mean", 1309)] {
        // λ = 0: the first level of each column is the reference, as R's treatment contrasts.
        let data = titanic(EncodeOptions {
            missing,
            drop_first: true,
            ..EncodeOptions::default()
        });
        assert_eq!(data.n_rows(), rows);
        assert_eq!(data.dropped_rows, 1309 - rows);
        assert_eq!(
            data.feature_names,
            [
                "age",
                "sex=male",
                "passengerClass=2nd",
                "passengerClass=3rd"
            ]
        );
        let r = glm(column);
        // R's order: intercept, sexmale, age, passengerClass2nd, passengerClass3rd.
        let expected = [r[2].1, r[1].1, r[3].1, r[4].1];
        for solver in [Solver::Newton, Solver::Lbfgs] {
            let trained = fit(&data, solver, 0.0);
            assert_eq!(trained.report.termination, Termination::Converged);
            let m = &trained.model;
            for (j, (w, e)) in m.weights[0].iter().zip(expected).enumerate() {
                assert!(
                    (w - e).abs() <= 1e-5 * e.abs(),
                    "{column} {solver:?} {}: {w} vs R's {e}",
                    data.feature_names[j]
                );
            }
            assert!((m.bias[0] - r[0].1).abs() <= 1e-5 * r[0].1.abs());
        }
    }
}

/// The Titanic table written out with one 0/1 column per level and the missing ages filled
/// with the mean, computed here from the text.
fn one_hot_titanic(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(TITANIC).unwrap();
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|line| {
            // The name is quoted and has commas: the last four fields are the rest.
            let mut f: Vec<String> = line.rsplitn(5, ',').map(|s| s.replace('"', "")).collect();
            f.reverse();
            f
        })
        .collect();
    let ages: Vec<f64> = rows.iter().filter_map(|r| r[3].parse().ok()).collect();
    let mean = ages.iter().sum::<f64>() / ages.len() as f64;
    let mut out = String::from(
        "age,sex=female,sex=male,passengerClass=1st,passengerClass=2nd,passengerClass=3rd,survived\n",
    );
    for r in &rows {
        let age = r[3].parse::<f64>().unwrap_or(mean);
        let is = |v: &str, level: &str| u8::from(v == level);
        out += &format!(
            "{age:?},{},{},{},{},{},{}\n",
            is(&r[2], "female"),
            is(&r[2], "male"),
            is(&r[4], "1st"),
            is(&r[4], "2nd"),
            is(&r[4], "3rd"),
            r[1]
        );
    }
    let path = dir.join("one_hot.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn text_categories_and_their_one_hot_columns_give_one_model() {
    let dir = tempfile::tempdir().unwrap();
    let text = titanic(EncodeOptions {
        missing: Missing::Mean,
        ..EncodeOptions::default()
    });
    let options = LoadOptions {
        target: Some("survived"),
        precision: Precision::F64,
        ..LoadOptions::default()
    };
    let numeric = load_training(&one_hot_titanic(dir.path()), &options).unwrap();
    assert_eq!(text.feature_names, numeric.feature_names);
    assert_eq!(text.y, numeric.y);
    assert!(matches!(text.features, logreg::Features::Mixed(_)));
    for i in 0..text.n_rows() {
        let (a, b) = (text.design().row_values(i), numeric.design().row_values(i));
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-12 * y.abs().max(1.0),
                "row {i}: {a:?} vs {b:?}"
            );
        }
    }
    // Penalised and standardised, every level kept: the same optimum, and the reference's.
    let l2 = 1e-4;
    let problem = Problem::from_dataset(&numeric);
    let best = reference::optimum(&problem, l2, true).unwrap();
    for solver in [Solver::Newton, Solver::Lbfgs] {
        let (a, b) = (fit(&text, solver, l2), fit(&numeric, solver, l2));
        for (x, y) in a.model.weights[0].iter().zip(&b.model.weights[0]) {
            assert!(
                (x - y).abs() <= 1e-6 * y.abs().max(1e-3),
                "{solver:?}: {x} vs {y}"
            );
        }
        let j = reference::cost(&problem, l2, true, &a.model.weights[0], a.model.bias[0]);
        assert!(
            (j - best.cost) <= 1e-8 * best.cost,
            "{solver:?}: J = {j}, J* = {}",
            best.cost
        );
    }
}

#[test]
fn the_encoding_goes_through_the_model_file_to_new_data() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.csv");
    std::fs::write(
        &train,
        "x,home,z,label\n1,rent,4,0\n2,own,,1\n3,rent,6,0\n,own,8,1\n5,boat,10,1\n6,,12,0\n\
         1,rent,2,1\n2,own,3,0\n",
    )
    .unwrap();
    let options = LoadOptions {
        precision: Precision::F64,
        encode: EncodeOptions {
            missing: Missing::Indicator,
            min_frequency: 2,
            ..EncodeOptions::default()
        },
        ..LoadOptions::default()
    };
    let data = load_training(&train, &options).unwrap();
    assert_eq!(
        data.feature_names,
        [
            "x",
            "x=(missing)",
            "z",
            "z=(missing)",
            "home=own",
            "home=rent",
            "home=(other)",
            "home=(missing)"
        ]
    );
    let trained = fit(&data, Solver::Newton, 1e-2);
    let model_path = dir.path().join("m.json");
    trained.model.save(&model_path).unwrap();
    let model = logreg::Model::load(&model_path).unwrap();
    assert_eq!(model.encoding, trained.model.encoding);
    assert_eq!(model.weights, trained.model.weights);
    assert_eq!(model.format_version, 3);
    // New rows: a pooled level, an unseen one, missing cells; columns in another order and
    // without the target.
    let new = dir.path().join("new.csv");
    std::fs::write(&new, "home,z,x\nboat,,2\ncar,5,NA\nown,1,1\n,2,3\n").unwrap();
    let read = load_for_model(&new, None, &model, Default::default()).unwrap();
    assert_eq!(read.unseen.len(), 1);
    assert_eq!((read.unseen[0].rows, read.unseen[0].line), (1, 3));
    assert_eq!(read.unseen[0].example, "car");
    let x_fill = (1.0 + 2.0 + 3.0 + 5.0 + 6.0 + 1.0 + 2.0) / 7.0;
    let z_fill = (4.0 + 6.0 + 8.0 + 10.0 + 12.0 + 2.0 + 3.0) / 7.0;
    let expected = [
        [2.0, 0.0, z_fill, 1.0, 0.0, 0.0, 1.0, 0.0],
        [x_fill, 1.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0],
        [3.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0],
    ];
    for (i, row) in expected.iter().enumerate() {
        let got = read.features.design().row_values(i);
        for (g, e) in got.iter().zip(row) {
            assert!((g - e).abs() < 1e-12, "row {i}: {got:?} vs {row:?}");
        }
    }
    let e = load_for_model(
        &new,
        None,
        &model,
        ReadOptions {
            strict: true,
            delimiter: None,
        },
    )
    .err()
    .unwrap();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:3:1: column \"home\": the level \"car\" was not seen in training (levels: own, rent, (other), (missing))",
            new.display()
        )
    );
    // Text in a column that was numeric in training.
    let text = dir.path().join("text.csv");
    std::fs::write(&text, "x,home,z\n1,own,2\nabc,own,3\n").unwrap();
    let e = load_for_model(&text, None, &model, Default::default())
        .err()
        .unwrap();
    let message = e.to_string();
    assert!(message.contains("text.csv:3:1"), "{message}");
    assert!(
        message.contains("numeric in the model's training data"),
        "{message}"
    );
}

/// Training on `body` with `encode`: the error.
fn training_error(body: &str, encode: EncodeOptions) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, body).unwrap();
    let options = LoadOptions {
        encode,
        ..LoadOptions::default()
    };
    let e = load_training(&path, &options).expect_err("an error");
    e.to_string().replace(&path.display().to_string(), "t.csv")
}

#[test]
fn bad_tables_get_errors_that_name_the_row_and_column() {
    let plain = EncodeOptions::default;
    assert_eq!(
        training_error("a,b,label\n1,2,0\n3,x,1\n", plain()),
        "t.csv:3:2: column \"b\" has both numbers and text: cannot read \"x\" as a number, but \
         line 2 has a number; if the column is categorical (codes, ids), say so with \
         --categorical b, and if the text marks a missing value, name it with --na-values"
    );
    assert!(
        training_error("a,b,label\n1,x,0\n3,7,1\n", plain())
            .starts_with("t.csv:3:2: column \"b\" has both numbers and text: \"7\" is a number")
    );
    // A missing cell in a numeric column, after the column's kind is known.
    assert!(
        training_error("a,b,label\n,x,0\n3,y,1\n", plain())
            .starts_with("t.csv:2:1: column \"a\": a missing value (an empty cell, NA, NaN, null")
    );
    let ids: String = (0..30).map(|i| format!("u{i},{}\n", i % 2)).collect();
    assert_eq!(
        training_error(
            &format!("id,label\n{ids}"),
            EncodeOptions {
                max_levels: 20,
                ..plain()
            }
        ),
        "t.csv: column \"id\": 30 levels, more than --max-levels 20: it looks like an \
         identifier; leave it out with --ignore id, pool rare levels with --min-frequency N, or \
         raise --max-levels"
    );
    assert!(
        training_error(
            "a,b,label\n1,2,0\n3,4,1\n",
            EncodeOptions {
                categorical: vec!["c".into()],
                ..plain()
            }
        )
        .contains("\"c\"")
    );
    assert_eq!(
        training_error(
            "a,b,label\n1,,0\n3,,1\n",
            EncodeOptions {
                missing: Missing::Mean,
                ..plain()
            }
        ),
        "t.csv: column \"b\": every cell is missing: there is nothing to fill missing cells \
         with; leave the column out with --ignore"
    );
    assert!(training_error("a,b,label\n1,(other),0\n3,x,1\n", plain()).contains("rename it"));
    assert!(training_error("a,b,label\n1,x,0\n3,1\n", plain()).contains("2 fields"));
}

#[test]
fn missing_cells_are_dropped_filled_or_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.csv");
    std::fs::write(
        &path,
        "a,b,label\n1,10,0\nNA,20,1\n3,?,0\n4,40,1\n10,null,1\n",
    )
    .unwrap();
    let load = |missing| {
        let options = LoadOptions {
            precision: Precision::F64,
            encode: EncodeOptions {
                missing,
                na_values: vec!["?".into()],
                ..EncodeOptions::default()
            },
            ..LoadOptions::default()
        };
        load_training(&path, &options).unwrap()
    };
    let dropped = load(Missing::Drop);
    assert_eq!((dropped.n_rows(), dropped.dropped_rows), (2, 3));
    assert_eq!(dropped.y, [0.0, 1.0]);
    let column = |d: &Dataset, j: usize| -> Vec<f64> {
        (0..d.n_rows())
            .map(|i| d.design().row_values(i)[j])
            .collect()
    };
    let median = load(Missing::Median);
    assert_eq!(column(&median, 0), [1.0, 3.5, 3.0, 4.0, 10.0]);
    assert_eq!(column(&median, 1), [10.0, 20.0, 20.0, 40.0, 20.0]);
    let flagged = load(Missing::Indicator);
    assert_eq!(
        flagged.feature_names,
        ["a", "a=(missing)", "b", "b=(missing)"]
    );
    assert_eq!(column(&flagged, 0), [1.0, 4.5, 3.0, 4.0, 10.0]);
    assert_eq!(column(&flagged, 1), [0.0, 1.0, 0.0, 0.0, 0.0]);
    assert_eq!(column(&flagged, 3), [0.0, 0.0, 1.0, 0.0, 1.0]);
}

#[test]
fn a_text_column_is_found_in_any_chunk_and_mixing_across_chunks_is_an_error() {
    // More than one 4 MiB chunk: the column's first text value is far down the file, after
    // rows where it is missing; and a file where another chunk has a number.
    let dir = tempfile::tempdir().unwrap();
    let rows = 700_000;
    let mut body = String::from("a,c,label\n");
    for i in 0..rows {
        body += &format!("{},,{}\n", i % 10, i % 2);
    }
    let late = format!("{body}3,late,1\n4,late,0\n");
    let path = dir.path().join("late.csv");
    std::fs::write(&path, &late).unwrap();
    let data = load_training(&path, &LoadOptions::default()).unwrap();
    assert_eq!(data.feature_names, ["a", "c=late", "c=(missing)"]);
    let codes: Vec<f64> = (0..data.n_rows())
        .map(|i| data.design().row_values(i)[1])
        .collect();
    assert_eq!(codes.iter().sum::<f64>(), 2.0);
    assert_eq!(codes[rows], 1.0);
    let mixed = format!("a,c,label\n1,7,0\n{}", &late["a,c,label\n".len()..]);
    let path = dir.path().join("mixed.csv");
    std::fs::write(&path, &mixed).unwrap();
    let e = load_training(&path, &LoadOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains(&format!(
            ":{}:2: column \"c\" has both numbers and text",
            rows + 3
        )),
        "{e}"
    );
    assert!(e.contains("line 2 has a number"), "{e}");
}

#[test]
fn prediction_streams_a_file_a_chunk_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.csv");
    std::fs::write(
        &train,
        "id,x,home,label\na,1,rent,0\nb,2,own,1\nc,3,rent,1\nd,0,own,0\n",
    )
    .unwrap();
    let ignore = ["id".to_string()];
    let options = LoadOptions {
        selection: Selection {
            features: None,
            ignore: &ignore,
        },
        ..LoadOptions::default()
    };
    let data = load_training(&train, &options).unwrap();
    let model = fit(&data, Solver::Newton, 1e-2).model;
    // About 14 MB: several 4 MiB chunks.
    let rows = 1_000_000;
    let mut body = String::from("home,id,x\n");
    for i in 0..rows {
        body += &format!("{},r{i},{}\n", ["rent", "own"][i % 2], i % 4);
    }
    let path = dir.path().join("big.csv");
    std::fs::write(&path, &body).unwrap();
    let mut seen = 0;
    let mut in_order = true;
    let stats = logreg::data::csv::stream_for_model(
        &path,
        &model.schema(),
        Default::default(),
        &["id".to_string()],
        &mut |batch| {
            let n = batch.features.design().n_rows();
            assert_eq!(batch.kept.len(), n);
            for (k, id) in batch.kept.iter().enumerate() {
                in_order &= *id == format!("r{}", seen + k);
            }
            let z = model.logits(batch.features.design());
            for (k, z) in z.iter().enumerate() {
                let i = seen + k;
                let x = [(i % 4) as f64, f64::from(i % 2 == 1), f64::from(i % 2 == 0)];
                let expected: f64 = model.bias[0]
                    + x.iter()
                        .zip(&model.weights[0])
                        .map(|(a, b)| a * b)
                        .sum::<f64>();
                assert!((z - expected).abs() < 1e-12);
            }
            seen += n;
            Ok(())
        },
    )
    .unwrap();
    assert!(in_order);
    assert_eq!((stats.rows, seen), (rows, rows));
    // Rows are held a chunk at a time, never the whole file.
    assert!(stats.batches >= 3, "{stats:?}");
    assert!(stats.largest_batch < rows / 2, "{stats:?}");
}

#[test]
fn libsvm_features_are_ignored_by_index() {
    let heart = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/heart_scale.svm"));
    let ignore = ["3".to_string(), "13".to_string()];
    let options = LoadOptions {
        selection: Selection {
            features: None,
            ignore: &ignore,
        },
        ..LoadOptions::default()
    };
    let data = load_training(heart, &options).unwrap();
    assert_eq!(data.n_features(), 11);
    assert_eq!(data.feature_names[2], "4");
    assert_eq!(data.ignored, ignore);
    // The same file with those features removed and the rest renumbered gives the same fit.
    let dir = tempfile::tempdir().unwrap();
    let stripped: String = std::fs::read_to_string(heart)
        .unwrap()
        .lines()
        .map(|line| {
            let mut fields = line.split_whitespace();
            let mut out = fields.next().unwrap().to_string();
            for pair in fields {
                let (j, v) = pair.split_once(':').unwrap();
                let j: usize = j.parse().unwrap();
                if j != 3 && j != 13 {
                    let k = j - usize::from(j > 3);
                    out += &format!(" {k}:{v}");
                }
            }
            out + "\n"
        })
        .collect();
    let path = dir.path().join("stripped.svm");
    std::fs::write(&path, stripped).unwrap();
    let other = load_training(&path, &LoadOptions::default()).unwrap();
    let (a, b) = (
        fit(&data, Solver::Newton, 1e-3),
        fit(&other, Solver::Newton, 1e-3),
    );
    assert_eq!(a.model.weights, b.model.weights);
    // A model without them reads the full file.
    let read = load_for_model(heart, None, &a.model, ReadOptions::default()).unwrap();
    assert_eq!(read.features.design().n_features(), 11);
    for (x, y) in read
        .features
        .design()
        .row_values(0)
        .iter()
        .zip(data.design().row_values(0))
    {
        assert!((x - y).abs() < 1e-6, "{x} vs {y} (f64 read, f32 stored)");
    }
    let e = load_training(
        heart,
        &LoadOptions {
            selection: Selection {
                features: None,
                ignore: &["0".to_string()],
            },
            ..LoadOptions::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a feature index"), "{e}");
}

#[test]
fn a_missing_cell_where_training_had_none_is_counted_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let train = dir.path().join("train.csv");
    std::fs::write(&train, "c,label\na,0\nb,1\na,1\nb,0\n").unwrap();
    let data = load_training(&train, &LoadOptions::default()).unwrap();
    let model = fit(&data, Solver::Newton, 1e-2).model;
    let new = dir.path().join("new.csv");
    std::fs::write(&new, "c\na\n\nz\nNA\n").unwrap();
    // (The blank line is skipped; NA is the missing cell.)
    let read = load_for_model(&new, None, &model, ReadOptions::default()).unwrap();
    assert_eq!(read.features.design().n_rows(), 3);
    let u = &read.unseen[0];
    assert_eq!((u.rows, u.values, u.line), (2, 2, 4));
    assert_eq!(u.levels, ["z", "(missing)"]);
    assert_eq!(read.features.design().row_values(2), [0.0, 0.0]);
    let only_missing = dir.path().join("m.csv");
    std::fs::write(&only_missing, "c\na\nNA\n").unwrap();
    let strict = ReadOptions {
        strict: true,
        delimiter: None,
    };
    let read = load_for_model(&only_missing, None, &model, strict).unwrap();
    assert_eq!((read.unseen[0].rows, read.unseen[0].line), (1, 0));
}
