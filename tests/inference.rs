//! `logreg summary`, `train --summary` and `logreg lrtest` against references: statsmodels and
//! R (sandwich, brglm2) values recorded in `tests/fixtures/inference/reference.json` (see its
//! README for the commands), and an inverse Hessian and sandwiches computed here in f64 from
//! the formulas, sharing no code with the library.

mod common;

use common::{Dir, assert_fails, ok, run_ok};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn reference() -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}/inference/reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn file(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn spector() -> String {
    file("corpus/spector.csv")
}

fn psid() -> String {
    file("inference/psid7682_union.csv")
}

/// |a − b| ≤ tol · max(|b|, 1e-300) (and NaN fails).
fn assert_close(a: f64, b: f64, tol: f64, what: &str) {
    let scale = b.abs().max(1e-300);
    assert!(
        (a - b).abs() <= tol * scale,
        "{what}: {a} against {b} (relative {:.2e})",
        (a - b).abs() / scale
    );
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Trains `data` with λ = 0 into `dir/name` and returns its path.
fn train(dir: &Dir, data: &str, name: &str, extra: &[&str]) -> String {
    let model = dir.path(name).display().to_string();
    run_ok(
        dir.root(),
        &[
            &["train", data, "--l2", "0", "--quiet", "-o", &model][..],
            extra,
        ]
        .concat(),
    );
    model
}

/// Trains the Spector data with the default penalty (λ = 1e-4) into `dir/p.json`.
fn train_penalised(dir: &Dir) -> String {
    let model = dir.path("p.json").display().to_string();
    let args = [
        "train",
        &spector(),
        "--target",
        "GRADE",
        "--quiet",
        "-o",
        &model,
    ];
    run_ok(dir.root(), &args);
    model
}

/// `logreg summary model data extra --json`, parsed.
fn summary(dir: &Dir, model: &str, data: &str, extra: &[&str]) -> Value {
    let out = run_ok(
        dir.root(),
        &[&["summary", model, data, "--json"][..], extra].concat(),
    );
    serde_json::from_str(&ok(&out)).unwrap()
}

/// The coefficients of table `k` of a summary.
fn coefficients(s: &Value, k: usize) -> &Vec<Value> {
    s["summary"]["tables"][k]["coefficients"]
        .as_array()
        .unwrap()
}

/// Checks estimates, standard errors, z, p and the intervals of table `k` against a reference
/// block (one class's rows when `class` is given).
fn check_table(s: &Value, k: usize, block: &Value, class: Option<usize>, tol: f64, what: &str) {
    let pick = |key: &str| -> Vec<f64> {
        match class {
            Some(c) => numbers(&block[key][c]),
            None => numbers(&block[key]),
        }
    };
    let (params, bse, z, p) = (
        pick("params"),
        pick("bse"),
        pick("zvalues"),
        pick("pvalues"),
    );
    let cis = match class {
        Some(c) => block["conf_int"][c].as_array().unwrap().clone(),
        None => block["conf_int"].as_array().unwrap().clone(),
    };
    let rows = coefficients(s, k);
    assert_eq!(rows.len(), params.len(), "{what}: coefficient count");
    for (j, row) in rows.iter().enumerate() {
        let name = row["name"].as_str().unwrap();
        let what = format!("{what} {name}");
        assert_close(
            row["estimate"].as_f64().unwrap(),
            params[j],
            tol,
            &format!("{what} estimate"),
        );
        assert_close(
            row["std_error"].as_f64().unwrap(),
            bse[j],
            tol,
            &format!("{what} std error"),
        );
        assert_close(row["z"].as_f64().unwrap(), z[j], tol, &format!("{what} z"));
        assert_close(
            row["p_value"].as_f64().unwrap(),
            p[j],
            1e-5,
            &format!("{what} p"),
        );
        let ci = numbers(&cis[j]);
        assert_close(
            row["ci_low"].as_f64().unwrap(),
            ci[0],
            tol,
            &format!("{what} lower"),
        );
        assert_close(
            row["ci_high"].as_f64().unwrap(),
            ci[1],
            tol,
            &format!("{what} upper"),
        );
        assert_close(
            row["odds_ratio"].as_f64().unwrap(),
            params[j].exp(),
            tol,
            &format!("{what} odds ratio"),
        );
    }
}

/// The model-level numbers against statsmodels' names.
fn check_fit(s: &Value, k: usize, model: &Value, tol: f64) {
    let fit = &s["summary"]["fits"][k];
    for (ours, theirs) in [
        ("observations", "nobs"),
        ("df_model", "df_model"),
        ("df_resid", "df_resid"),
        ("log_likelihood", "llf"),
        ("null_log_likelihood", "llnull"),
        ("lr_chi2", "llr"),
        ("pseudo_r2", "prsquared"),
        ("aic", "aic"),
        ("bic", "bic"),
    ] {
        assert_close(
            fit[ours].as_f64().unwrap(),
            model[theirs].as_f64().unwrap(),
            tol,
            ours,
        );
    }
    assert_close(
        fit["lr_p_value"].as_f64().unwrap(),
        model["llr_pvalue"].as_f64().unwrap(),
        1e-5,
        "LR p-value",
    );
    if let Some(d) = model["deviance"].as_f64() {
        assert_close(fit["deviance"].as_f64().unwrap(), d, tol, "deviance");
    }
}

/// The recorded Wald tests of a dataset under covariance `cov`.
fn wald_references<'r>(r: &'r Value, cov: &str) -> Vec<&'r Value> {
    r["wald"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["cov"] == cov)
        .collect()
}

/// A χ² test's statistic, degrees of freedom and p-value against a recorded one.
fn check_chi2(ours: &Value, theirs: &Value, what: &str) {
    assert_close(
        ours["statistic"].as_f64().unwrap(),
        theirs["statistic"].as_f64().unwrap(),
        1e-6,
        &format!("{what} statistic"),
    );
    assert_eq!(ours["df"].as_f64(), theirs["df"].as_f64());
    assert_close(
        ours["p_value"].as_f64().unwrap(),
        theirs["pvalue"].as_f64().unwrap(),
        1e-5,
        &format!("{what} p"),
    );
}

/// A summary's `--test` results against the recorded ones, in order.
fn check_wald(s: &Value, references: &[&Value]) {
    let ours = s["tests"].as_array().unwrap();
    assert_eq!(ours.len(), references.len());
    for (ours, theirs) in ours.iter().zip(references) {
        check_chi2(ours, theirs, "Wald");
    }
}

#[test]
fn spector_matches_statsmodels_and_r_sandwich_for_every_covariance() {
    let r = reference();
    let r = &r["spector"];
    let dir = Dir::new();
    let model = train(&dir, &spector(), "m.json", &["--target", "GRADE"]);
    for cov in ["nonrobust", "HC0", "HC1", "HC2", "HC3"] {
        let mut extra = vec!["--cov", cov];
        let waldref = wald_references(r, cov);
        for w in &waldref {
            extra.extend(["--test", w["restriction"].as_str().unwrap()]);
        }
        let s = summary(&dir, &model, &spector(), &extra);
        check_table(&s, 0, &r["cov"][cov], None, 1e-6, cov);
        check_fit(&s, 0, &r["model"], 1e-8);
        check_wald(&s, &waldref);
    }
    // The documented values, to the digits statsmodels prints.
    let s = summary(&dir, &model, &spector(), &[]);
    let rows = coefficients(&s, 0);
    for (row, (b, se)) in rows.iter().zip([
        (-13.0213, 4.931),
        (2.8261, 1.263),
        (0.0952, 0.142),
        (2.3787, 1.065),
    ]) {
        assert!((row["estimate"].as_f64().unwrap() - b).abs() < 5e-5);
        assert!((row["std_error"].as_f64().unwrap() - se).abs() < 5e-4);
    }
}

#[test]
fn clustered_panel_matches_statsmodels_and_vcovcl() {
    let r = reference();
    let r = &r["psid7682_union"];
    let dir = Dir::new();
    let model = train(
        &dir,
        &psid(),
        "m.json",
        &["--target", "union", "--ignore", "id"],
    );
    for cov in ["nonrobust", "cluster"] {
        let mut extra = vec!["--cov", cov];
        if cov == "cluster" {
            extra.extend(["--cluster", "id"]);
        }
        let waldref = wald_references(r, cov);
        for w in &waldref {
            extra.extend(["--test", w["restriction"].as_str().unwrap()]);
        }
        let s = summary(&dir, &model, &psid(), &extra);
        check_table(&s, 0, &r["cov"][cov], None, 1e-6, cov);
        check_fit(&s, 0, &r["model"], 1e-8);
        check_wald(&s, &waldref);
        if cov == "cluster" {
            let text = s["summary"]["covariance"].as_str().unwrap();
            assert!(text.contains("595 clusters"), "{text}");
        }
    }
    // R's vcovCL(type = "HC1") is the same matrix.
    let s = summary(
        &dir,
        &model,
        &psid(),
        &["--cov", "cluster", "--cluster", "id"],
    );
    for (row, se) in coefficients(&s, 0)
        .iter()
        .zip(numbers(&r["cov"]["cluster_R"]["bse"]))
    {
        assert_close(row["std_error"].as_f64().unwrap(), se, 1e-6, "vcovCL");
    }
    // train --summary gives the same summary, the cluster column left out of the features.
    let out = run_ok(
        dir.root(),
        &[
            "train",
            &psid(),
            "--target",
            "union",
            "--l2",
            "0",
            "--quiet",
            "-o",
            "t.json",
            "--summary",
            "--cov",
            "cluster",
            "--cluster",
            "id",
            "--json",
        ],
    );
    let t: Value = serde_json::from_str(&ok(&out)).unwrap();
    check_table(
        &serde_json::json!({"summary": t["summary"]}),
        0,
        &r["cov"]["cluster"],
        None,
        1e-6,
        "train --summary",
    );
}

#[test]
fn multinomial_matches_mnlogit_per_class() {
    let r = reference();
    let r = &r["anes96"];
    let dir = Dir::new();
    let data = file("corpus/anes96.csv");
    let model = train(&dir, &data, "m.json", &["--target", "PID"]);
    let s = summary(&dir, &model, &data, &[]);
    let block = &r["cov"]["nonrobust"];
    let classes = block["classes"].as_array().unwrap();
    assert_eq!(
        s["summary"]["tables"].as_array().unwrap().len(),
        classes.len()
    );
    for (k, class) in classes.iter().enumerate() {
        assert_eq!(s["summary"]["tables"][k]["class"], *class);
        check_table(&s, k, block, Some(k), 1e-6, &format!("class {class}"));
    }
    check_fit(&s, 0, &r["model"], 1e-8);
    // HC2 needs a binary model's leverages.
    let out = dir.run(&["summary", &model, &data, "--cov", "HC2"]);
    assert_fails(
        &out,
        1,
        &["HC2 and HC3 need the leverages of a binary model"],
    );
}

#[test]
fn firth_matches_brglm2_with_profile_intervals_on_separated_data() {
    let r = reference();
    let r = &r["endometrial"]["firth"];
    let dir = Dir::new();
    let data = file("corpus/endometrial.csv");
    let model = train(&dir, &data, "m.json", &["--target", "HG"]);
    // Without Firth: separation, and no standard errors.
    let out = dir.run(&["summary", &model, &data]);
    assert_fails(
        &out,
        1,
        &[
            "separated",
            "quasi-complete",
            "NV",
            "no standard errors",
            "--firth",
        ],
    );
    let s = summary(&dir, &model, &data, &["--firth"]);
    let rows = coefficients(&s, 0);
    let (params, bse) = (numbers(&r["params"]), numbers(&r["bse"]));
    let profile = r["profile_conf_int"].as_array().unwrap();
    for (j, row) in rows.iter().enumerate() {
        assert_close(
            row["estimate"].as_f64().unwrap(),
            params[j],
            1e-6,
            "Firth estimate",
        );
        assert_close(
            row["std_error"].as_f64().unwrap(),
            bse[j],
            1e-6,
            "Firth std error",
        );
        let ci = numbers(&profile[j]);
        assert_close(
            row["ci_low"].as_f64().unwrap(),
            ci[0],
            1e-6,
            "profile lower",
        );
        assert_close(
            row["ci_high"].as_f64().unwrap(),
            ci[1],
            1e-6,
            "profile upper",
        );
    }
    assert_close(
        s["summary"]["fits"][0]["penalized_log_likelihood"]
            .as_f64()
            .unwrap(),
        r["loglik_penalized"].as_f64().unwrap(),
        1e-9,
        "penalised log-likelihood",
    );
    // logistf's penalised likelihood-ratio test against the intercept-only fit.
    let fit = &s["summary"]["fits"][0];
    assert_close(
        fit["lr_chi2"].as_f64().unwrap(),
        r["lr"].as_f64().unwrap(),
        1e-8,
        "Firth LR",
    );
    assert_close(
        fit["lr_p_value"].as_f64().unwrap(),
        r["lr_pvalue"].as_f64().unwrap(),
        1e-6,
        "Firth LR p",
    );
    let s = summary(&dir, &model, &data, &["--firth", "--wald-intervals"]);
    let wald = r["wald_conf_int"].as_array().unwrap();
    for (row, ci) in coefficients(&s, 0).iter().zip(wald) {
        let ci = numbers(ci);
        assert_close(row["ci_low"].as_f64().unwrap(), ci[0], 1e-6, "Wald lower");
        assert_close(row["ci_high"].as_f64().unwrap(), ci[1], 1e-6, "Wald upper");
    }
}

#[test]
fn lrtest_matches_statsmodels_and_refuses_models_that_are_not_nested() {
    let r = reference();
    let dir = Dir::new();
    for (name, data, target, ignore) in [
        ("spector", spector(), "GRADE", None),
        ("psid7682_union", psid(), "union", Some("id")),
    ] {
        let test = &r[name]["lrtest"][0];
        let small_features: Vec<&str> = test["small_features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let joined = small_features.join(",");
        let mut big_args = vec!["--target", target];
        if let Some(c) = ignore {
            big_args.extend(["--ignore", c]);
        }
        let big = train(&dir, &data, "big.json", &big_args);
        let small = train(
            &dir,
            &data,
            "small.json",
            &["--target", target, "--features", &joined],
        );
        let out = run_ok(dir.root(), &["lrtest", &small, &big, &data, "--json"]);
        let t: Value = serde_json::from_str(&ok(&out)).unwrap();
        check_chi2(&t, test, "LR");
        assert_close(
            t["small_log_likelihood"].as_f64().unwrap(),
            test["llf_small"].as_f64().unwrap(),
            1e-9,
            "small ℓ",
        );
        // The other way round is not nested.
        let out = dir.run(&["lrtest", &big, &small, &data]);
        assert_fails(&out, 1, &["not nested"]);
    }
    // Models with different features, neither inside the other.
    let a = train(
        &dir,
        &spector(),
        "a.json",
        &["--target", "GRADE", "--features", "GPA,TUCE"],
    );
    let b = train(
        &dir,
        &spector(),
        "b.json",
        &["--target", "GRADE", "--features", "GPA,PSI"],
    );
    let out = dir.run(&["lrtest", &a, &b, &spector()]);
    assert_fails(&out, 1, &["not nested", "\"TUCE\""]);
}

/// The data of a CSV file with numeric columns: rows of (1, features) and labels.
fn read_design(
    path: &str,
    target: &str,
    features: &[&str],
) -> (Vec<Vec<f64>>, Vec<f64>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (t, cols): (usize, Vec<usize>) = (at(target), features.iter().map(|f| at(f)).collect());
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut rest = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let mut row = vec![1.0];
        row.extend(cols.iter().map(|&c| cells[c].parse::<f64>().unwrap()));
        x.push(row);
        y.push(cells[t].parse().unwrap());
        rest.push(line.to_string());
    }
    (x, y, rest)
}

/// The inverse of a symmetric positive definite matrix by Gauss–Jordan elimination with
/// partial pivoting, in f64.
fn invert(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| f64::from(u8::from(i == j))));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| m[i][c].abs().total_cmp(&m[j][c].abs()))
            .unwrap();
        m.swap(c, p);
        let pivot = m[c][c];
        for v in &mut m[c] {
            *v /= pivot;
        }
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let pivot_row = m[c].clone();
                for (v, pv) in m[r].iter_mut().zip(&pivot_row) {
                    *v -= f * pv;
                }
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

fn outer_sum(x: &[Vec<f64>], d: &[f64]) -> Vec<Vec<f64>> {
    let q = x[0].len();
    let mut h = vec![vec![0.0; q]; q];
    for (row, &di) in x.iter().zip(d) {
        for a in 0..q {
            for b in 0..q {
                h[a][b] += di * row[a] * row[b];
            }
        }
    }
    h
}

fn product(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| (0..n).map(|k| a[i][k] * b[k][j]).sum())
                .collect()
        })
        .collect()
}

#[test]
fn standard_errors_equal_an_inverse_hessian_and_sandwiches_computed_here() {
    let dir = Dir::new();
    let features = ["experience", "education", "wage", "south", "blue"];
    let (x, y, _) = read_design(&psid(), "union", &features);
    let model = train(
        &dir,
        &psid(),
        "m.json",
        &["--target", "union", "--ignore", "id"],
    );
    // Clusters made by hand: rows i and i + 1 share cluster i / 2 (2,083 clusters).
    let with_pairs = {
        let text = std::fs::read_to_string(psid()).unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            if i == 0 {
                out.push_str(&format!("{line},pair\n"));
            } else {
                out.push_str(&format!("{line},p{}\n", (i - 1) / 2));
            }
        }
        dir.file("pairs.csv", &out)
    };
    let pairs = with_pairs.display().to_string();
    let s = summary(&dir, &model, &psid(), &[]);
    let theta: Vec<f64> = coefficients(&s, 0)
        .iter()
        .map(|c| c["estimate"].as_f64().unwrap())
        .collect();
    let a: Vec<f64> = x
        .iter()
        .map(|row| {
            let z: f64 = row.iter().zip(&theta).map(|(v, t)| v * t).sum();
            1.0 / (1.0 + (-z).exp())
        })
        .collect();
    let e: Vec<f64> = y.iter().zip(&a).map(|(y, a)| y - a).collect();
    let h = outer_sum(&x, &a.iter().map(|a| a * (1.0 - a)).collect::<Vec<_>>());
    let v = invert(&h);
    let q = theta.len();
    let n = x.len() as f64;
    let sandwich = |meat: Vec<Vec<f64>>| product(&product(&v, &meat), &v);
    let leverage: Vec<f64> = x
        .iter()
        .zip(&a)
        .map(|(row, a)| {
            let form: f64 = (0..q)
                .map(|i| (0..q).map(|j| row[i] * v[i][j] * row[j]).sum::<f64>())
                .sum();
            a * (1.0 - a) * form
        })
        .collect();
    let hc = |power: i32| {
        let d: Vec<f64> = e
            .iter()
            .zip(&leverage)
            .map(|(e, h)| e * e / (1.0 - h).powi(power))
            .collect();
        sandwich(outer_sum(&x, &d))
    };
    let mut cluster_meat = vec![vec![0.0; q]; q];
    for start in (0..x.len()).step_by(2) {
        let mut u = vec![0.0; q];
        for i in start..(start + 2).min(x.len()) {
            for (uj, xj) in u.iter_mut().zip(&x[i]) {
                *uj += e[i] * xj;
            }
        }
        for a in 0..q {
            for b in 0..q {
                cluster_meat[a][b] += u[a] * u[b];
            }
        }
    }
    let g = x.len().div_ceil(2) as f64;
    let mut cluster = sandwich(cluster_meat);
    for row in &mut cluster {
        for c in row.iter_mut() {
            *c *= g / (g - 1.0) * (n - 1.0) / (n - q as f64);
        }
    }
    let mut hc1 = hc(0);
    for row in &mut hc1 {
        for c in row.iter_mut() {
            *c *= n / (n - q as f64);
        }
    }
    for (cov, want, extra) in [
        ("nonrobust", v.clone(), vec![]),
        ("HC0", hc(0), vec![]),
        ("HC1", hc1, vec![]),
        ("HC2", hc(1), vec![]),
        ("HC3", hc(2), vec![]),
        ("cluster", cluster, vec!["--cluster", "pair"]),
    ] {
        // (The pair column is allowed in the file as the cluster column only.)
        let data = if extra.is_empty() {
            psid()
        } else {
            pairs.clone()
        };
        let s = summary(&dir, &model, &data, &[&["--cov", cov][..], &extra].concat());
        for (j, row) in coefficients(&s, 0).iter().enumerate() {
            assert_close(
                row["std_error"].as_f64().unwrap(),
                want[j][j].sqrt(),
                1e-8,
                &format!("{cov} {}", row["name"]),
            );
        }
        let m = &s["summary"]["covariance_matrix"];
        for a in 0..q {
            for b in 0..q {
                let ours = m[a][b].as_f64().unwrap();
                assert!(
                    (ours - want[a][b]).abs() <= 1e-8 * (want[a][a] * want[b][b]).sqrt(),
                    "{cov} [{a}][{b}]: {ours} against {}",
                    want[a][b]
                );
            }
        }
    }
}

#[test]
fn integer_frequency_weights_are_repeated_rows() {
    let dir = Dir::new();
    let text = std::fs::read_to_string(spector()).unwrap();
    let mut weighted = String::from("GPA,TUCE,PSI,GRADE,w,g\n");
    let mut repeated = String::from("GPA,TUCE,PSI,GRADE,g\n");
    for (i, line) in text.lines().skip(1).enumerate() {
        let w = 1 + i % 3;
        let g = i % 5;
        weighted.push_str(&format!("{line},{w},g{g}\n"));
        for _ in 0..w {
            repeated.push_str(&format!("{line},g{g}\n"));
        }
    }
    let weighted = dir.file("weighted.csv", &weighted).display().to_string();
    let repeated = dir.file("repeated.csv", &repeated).display().to_string();
    let mw = train(
        &dir,
        &weighted,
        "w.json",
        &["--target", "GRADE", "--sample-weight", "w", "--ignore", "g"],
    );
    let mr = train(
        &dir,
        &repeated,
        "r.json",
        &["--target", "GRADE", "--ignore", "g"],
    );
    for extra in [
        vec!["--cov", "nonrobust"],
        vec!["--cov", "HC0"],
        vec!["--cov", "HC1"],
        vec!["--cov", "HC3"],
        vec!["--cov", "cluster", "--cluster", "g"],
    ] {
        let a = summary(&dir, &mw, &weighted, &extra);
        let b = summary(&dir, &mr, &repeated, &extra);
        for (ra, rb) in coefficients(&a, 0).iter().zip(coefficients(&b, 0)) {
            for key in ["estimate", "std_error", "p_value"] {
                assert_close(
                    ra[key].as_f64().unwrap(),
                    rb[key].as_f64().unwrap(),
                    1e-8,
                    &format!("{extra:?} {key} {}", ra["name"]),
                );
            }
        }
        for key in ["observations", "log_likelihood", "aic", "bic", "df_resid"] {
            assert_close(
                a["summary"]["fits"][0][key].as_f64().unwrap(),
                b["summary"]["fits"][0][key].as_f64().unwrap(),
                1e-10,
                key,
            );
        }
    }
}

#[test]
fn the_summary_is_the_same_for_any_thread_count() {
    let dir = Dir::new();
    let model = train(
        &dir,
        &psid(),
        "m.json",
        &["--target", "union", "--ignore", "id"],
    );
    let run = |threads: &str, cov: &[&str]| {
        ok(&run_ok(
            dir.root(),
            &[
                &["summary", &model, &psid(), "--json", "--threads", threads][..],
                cov,
            ]
            .concat(),
        ))
    };
    for cov in [
        &["--cov", "HC3"][..],
        &["--cov", "cluster", "--cluster", "id"],
    ] {
        assert_eq!(run("1", cov), run("2", cov));
    }
}

#[test]
fn bad_input_gets_reasons() {
    let dir = Dir::new();
    // A penalised model: refused, unless the sandwich of the penalised estimator is asked.
    let penalised = train_penalised(&dir);
    let out = dir.run(&["summary", &penalised, &spector()]);
    assert_fails(
        &out,
        1,
        &["L2 penalty", "--l2 0", "--firth", "--penalized-covariance"],
    );
    let s = summary(&dir, &penalised, &spector(), &["--penalized-covariance"]);
    assert!(
        s["summary"]["covariance"]
            .as_str()
            .unwrap()
            .contains("penalised estimator")
    );
    assert!(
        s["summary"]["method"]
            .as_str()
            .unwrap()
            .starts_with("penalised")
    );
    let model = train(&dir, &spector(), "m.json", &["--target", "GRADE"]);
    for (extra, code, says) in [
        (
            vec!["--test", "GPA = 0, x9 = 0"],
            1,
            vec!["no coefficient named \"x9\"", "TUCE"],
        ),
        (
            vec!["--test", "GPA = GPA"],
            1,
            vec!["involves no coefficient"],
        ),
        (
            vec!["--test", "GPA = 0, 2*GPA = 0"],
            1,
            vec!["not independent"],
        ),
        (vec!["--cov", "cluster"], 2, vec!["--cluster COLUMN"]),
        (vec!["--cluster", "GPA"], 2, vec!["--cov cluster"]),
        (vec!["--alpha", "1.5"], 2, vec!["alpha"]),
        (
            vec!["--cov", "cluster", "--cluster", "nothere"],
            1,
            vec!["nothere"],
        ),
    ] {
        let out = dir.run(&[&["summary", &model, &spector()][..], &extra].concat());
        assert_fails(&out, code, &says);
    }
    // One cluster.
    let one = {
        let text = std::fs::read_to_string(spector()).unwrap();
        let mut out = String::new();
        for (i, line) in text.lines().enumerate() {
            out.push_str(&format!("{line},{}\n", if i == 0 { "c" } else { "same" }));
        }
        dir.file("one.csv", &out).display().to_string()
    };
    let out = dir.run(&[
        "summary",
        &model,
        &one,
        "--cov",
        "cluster",
        "--cluster",
        "c",
    ]);
    assert_fails(&out, 1, &["one cluster", "at least two"]);
    // Collinear and constant columns are named.
    let (_, _, lines) = read_design(&spector(), "GRADE", &[]);
    let mut collinear = String::from("GPA,TUCE,PSI,GPA2,GRADE\n");
    let mut constant = String::from("GPA,TUCE,ONE,PSI,GRADE\n");
    for line in &lines {
        let c: Vec<&str> = line.split(',').collect();
        let gpa: f64 = c[0].parse().unwrap();
        collinear.push_str(&format!(
            "{},{},{},{},{}\n",
            c[0],
            c[1],
            c[2],
            2.0 * gpa + 1.0,
            c[3]
        ));
        constant.push_str(&format!("{},{},7,{},{}\n", c[0], c[1], c[2], c[3]));
    }
    for (name, text, says) in [
        (
            "collinear.csv",
            collinear,
            vec!["GPA2", "linear combination", "GPA", "const"],
        ),
        ("constant.csv", constant, vec!["ONE", "constant"]),
    ] {
        let data = dir.file(name, &text).display().to_string();
        let m = train(&dir, &data, "c.json", &["--target", "GRADE"]);
        let out = dir.run(&["summary", &m, &data]);
        assert_fails(&out, 1, &says);
    }
    // Other data on which the model's likelihood has no maximum (GRADE = PSI: separated).
    let separated = {
        let mut out = String::from("GPA,TUCE,PSI,GRADE\n");
        for line in &lines {
            let c: Vec<&str> = line.split(',').collect();
            out.push_str(&format!("{},{},{},{}\n", c[0], c[1], c[2], c[2]));
        }
        dir.file("separated.csv", &out).display().to_string()
    };
    let out = dir.run(&["summary", &model, &separated]);
    assert_fails(&out, 1, &["did not settle", "may not exist", "--firth"]);
    // Firth is for binary models; train's summary options need --summary.
    let iris = file("corpus/iris.csv");
    let m = train(&dir, &iris, "iris.json", &["--target", "species"]);
    let out = dir.run(&["summary", &m, &iris, "--firth"]);
    assert_fails(&out, 1, &["binary models only"]);
    let out = dir.run(&[
        "train",
        &spector(),
        "--target",
        "GRADE",
        "--cov",
        "HC1",
        "-o",
        "x.json",
    ]);
    assert_fails(&out, 2, &["add --summary"]);
    assert!(!dir.path("x.json").exists());
}

#[test]
fn a_table_with_text_categories_matches_r_glm() {
    // R's glm on the complete rows, treatment contrasts (tests/fixtures/inference/titanic_glm.R);
    // logreg drops the first level at λ = 0 and the rows with a missing age with --missing drop.
    let dir = Dir::new();
    let out = run_ok(
        dir.root(),
        &[
            "train",
            &file("tables/titanic_survival.csv"),
            "--target",
            "survived",
            "--ignore",
            "name",
            "--missing",
            "drop",
            "--l2",
            "0",
            "--quiet",
            "-o",
            "t.json",
            "--summary",
            "--json",
        ],
    );
    let s: Value = serde_json::from_str(&ok(&out)).unwrap();
    let s = serde_json::json!({"summary": s["summary"]});
    let text = std::fs::read_to_string(file("inference/titanic_glm_se.tsv")).unwrap();
    let rows = coefficients(&s, 0);
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split('\t').collect();
        let name = match cells[0] {
            "(Intercept)" => "const".to_string(),
            "sexmale" => "sex=male".to_string(),
            "passengerClass2nd" => "passengerClass=2nd".to_string(),
            "passengerClass3rd" => "passengerClass=3rd".to_string(),
            other => other.to_string(),
        };
        let row = rows.iter().find(|r| r["name"] == name.as_str()).unwrap();
        let (b, se): (f64, f64) = (cells[1].parse().unwrap(), cells[2].parse().unwrap());
        assert_close(row["estimate"].as_f64().unwrap(), b, 1e-7, &name);
        assert_close(row["std_error"].as_f64().unwrap(), se, 1e-7, &name);
    }
    assert_eq!(s["summary"]["rows"], 1046);
}

#[test]
fn sparse_storage_gives_the_dense_summary() {
    let dir = Dir::new();
    let (x, y, _) = read_design(&spector(), "GRADE", &["GPA", "TUCE", "PSI"]);
    let mut svm = String::new();
    for (row, label) in x.iter().zip(&y) {
        svm.push_str(&format!("{label}"));
        for (j, v) in row[1..].iter().enumerate() {
            if *v != 0.0 {
                svm.push_str(&format!(" {}:{v}", j + 1));
            }
        }
        svm.push('\n');
    }
    let svm = dir.file("spector.svm", &svm).display().to_string();
    let dense = train(&dir, &spector(), "d.json", &["--target", "GRADE"]);
    let sparse = train(&dir, &svm, "s.json", &[]);
    for cov in ["nonrobust", "HC1", "HC3"] {
        let a = summary(&dir, &dense, &spector(), &["--cov", cov]);
        let b = summary(&dir, &sparse, &svm, &["--cov", cov]);
        for (ra, rb) in coefficients(&a, 0).iter().zip(coefficients(&b, 0)) {
            for key in ["estimate", "std_error"] {
                assert_close(
                    rb[key].as_f64().unwrap(),
                    ra[key].as_f64().unwrap(),
                    1e-9,
                    &format!("{cov} {key}"),
                );
            }
        }
    }
}

#[test]
fn the_report_has_the_summary_or_says_why_not() {
    let dir = Dir::new();
    let model = train(&dir, &spector(), "m.json", &["--target", "GRADE"]);
    run_ok(
        dir.root(),
        &[
            "report",
            &model,
            &spector(),
            "-o",
            "r.html",
            "--summary",
            "--cov",
            "HC1",
        ],
    );
    let page = std::fs::read_to_string(dir.path("r.html")).unwrap();
    assert!(page.contains("<h2>Statistical summary</h2>"));
    assert!(page.contains("covariance HC1"));
    // GPA's HC1 standard error from R's sandwich, to the digits shown.
    let r = reference();
    let se = numbers(&r["spector"]["cov"]["HC1"]["bse"])[1];
    assert!(page.contains(&format!("{se:.6}")), "{se:.6}");
    let penalised = train_penalised(&dir);
    run_ok(
        dir.root(),
        &[
            "report",
            &penalised,
            &spector(),
            "-o",
            "p.html",
            "--summary",
        ],
    );
    let page = std::fs::read_to_string(dir.path("p.html")).unwrap();
    assert!(page.contains(
        "No summary: cannot compute the summary: the model was fitted with an L2 penalty"
    ));
}

#[test]
fn the_penalised_sandwich_is_the_one_computed_here() {
    // The default λ = 1e-4 on standardised weights: J = mean loss + (λ/2) Σ (σ_j w_j)².
    let dir = Dir::new();
    let model = train_penalised(&dir);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let l2 = saved["training"]["l2"].as_f64().unwrap();
    let sigma = numbers(&saved["standardization"]["scale"]);
    assert!(l2 > 0.0);
    let (x, y, _) = read_design(&spector(), "GRADE", &["GPA", "TUCE", "PSI"]);
    let n = x.len() as f64;
    for cov in ["nonrobust", "HC0"] {
        let s = summary(
            &dir,
            &model,
            &spector(),
            &["--penalized-covariance", "--cov", cov],
        );
        // The refinement stays at the model's optimum: the penalty is the one it was fitted to.
        assert!(
            s["summary"]["refinement"][0]["largest_change"]
                .as_f64()
                .unwrap()
                < 1e-5
        );
        let theta = numbers(&s["summary"]["estimates"]);
        let a: Vec<f64> = x
            .iter()
            .map(|row| {
                1.0 / (1.0 + (-row.iter().zip(&theta).map(|(v, t)| v * t).sum::<f64>()).exp())
            })
            .collect();
        let q = theta.len();
        let penalty: Vec<f64> = (0..q)
            .map(|j| {
                if j == 0 {
                    0.0
                } else {
                    n * l2 * sigma[j - 1] * sigma[j - 1]
                }
            })
            .collect();
        // The penalised score is 0 at the estimate.
        for j in 0..q {
            let g: f64 = x
                .iter()
                .zip(&y)
                .zip(&a)
                .map(|((row, y), a)| (y - a) * row[j])
                .sum();
            let scale: f64 = x.iter().map(|row| row[j].abs()).sum();
            assert!(
                (g - penalty[j] * theta[j]).abs() < 1e-9 * scale,
                "score {j}"
            );
        }
        let h = outer_sum(&x, &a.iter().map(|a| a * (1.0 - a)).collect::<Vec<_>>());
        let mut h_pen = h.clone();
        for j in 0..q {
            h_pen[j][j] += penalty[j];
        }
        let bread = invert(&h_pen);
        let meat = match cov {
            "nonrobust" => h,
            _ => outer_sum(
                &x,
                &y.iter()
                    .zip(&a)
                    .map(|(y, a)| (y - a) * (y - a))
                    .collect::<Vec<_>>(),
            ),
        };
        let v = product(&product(&bread, &meat), &bread);
        for (j, row) in coefficients(&s, 0).iter().enumerate() {
            assert_close(
                row["std_error"].as_f64().unwrap(),
                v[j][j].sqrt(),
                1e-8,
                cov,
            );
        }
    }
}

#[test]
fn one_vs_rest_tables_are_the_binary_fits_of_each_class() {
    let dir = Dir::new();
    let data = file("corpus/anes96.csv");
    let model = train(
        &dir,
        &data,
        "ovr.json",
        &["--target", "PID", "--multiclass", "ovr"],
    );
    let s = summary(&dir, &model, &data, &["--cov", "HC1"]);
    assert_eq!(s["summary"]["tables"].as_array().unwrap().len(), 7);
    assert_eq!(s["summary"]["fits"].as_array().unwrap().len(), 7);
    // Class "3" against the rest, as a binary target.
    let text = std::fs::read_to_string(&data).unwrap();
    let mut binary = String::new();
    for (i, line) in text.lines().enumerate() {
        let (rest, label) = line.rsplit_once(',').unwrap();
        let label = if i == 0 {
            "three"
        } else if label == "3" {
            "1"
        } else {
            "0"
        };
        binary.push_str(&format!("{rest},{label}\n"));
    }
    let binary = dir.file("three.csv", &binary).display().to_string();
    let one = train(&dir, &binary, "three.json", &["--target", "three"]);
    let b = summary(&dir, &one, &binary, &["--cov", "HC1"]);
    assert_eq!(s["summary"]["tables"][3]["class"], "3");
    for (ra, rb) in coefficients(&s, 3).iter().zip(coefficients(&b, 0)) {
        for key in ["estimate", "std_error"] {
            assert_close(
                ra[key].as_f64().unwrap(),
                rb[key].as_f64().unwrap(),
                1e-8,
                key,
            );
        }
    }
    assert_close(
        s["summary"]["fits"][3]["log_likelihood"].as_f64().unwrap(),
        b["summary"]["fits"][0]["log_likelihood"].as_f64().unwrap(),
        1e-10,
        "log-likelihood",
    );
    // A restriction across two of its separate fits is refused.
    let out = dir.run(&["summary", &model, &data, "--test", "`1:age` = `2:age`"]);
    assert_fails(&out, 1, &["one-vs-rest", "one class only"]);
}
