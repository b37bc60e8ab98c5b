//! Wald tests of linear restrictions on the coefficients: `--test "x1 = 0, x2 = x3"`.
//!
//! The restrictions R θ = r (one row per comma-separated equation) are tested by
//! W = (Rθ̂ − r)ᵀ (R V Rᵀ)⁻¹ (Rθ̂ − r), χ² with as many degrees of freedom as restrictions
//! under the null, V the summary's covariance (so a robust or clustered V gives the robust
//! test). Each side of an equation is a sum of terms `c * name`, `name` or `c`; names are the
//! summary's parameters (`const` for the intercept, also `intercept`; `CLASS:name` for a
//! model with several classes), written in backticks when they hold spaces or any of
//! `+ - * = , \``, as a categorical level's `column=level` does.

use super::{INTERCEPT, Summary, covariance, distributions};
use crate::error::{Error, Result};
use serde::Serialize;

/// A Wald test's result.
#[derive(Debug, Clone, Serialize)]
pub struct WaldTest {
    pub restrictions: String,
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Plus,
    Minus,
    Times,
    Equals,
    Comma,
}

fn bad(text: &str, reason: String) -> Error {
    Error::Inference {
        reason: format!("--test {text:?}: {reason}"),
    }
}

fn tokens(text: &str) -> Result<Vec<Token>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let special = |c: char| "+-*=,`".contains(c) || c.is_whitespace();
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            c if c.is_whitespace() => {}
            '+' => out.push(Token::Plus),
            '-' => out.push(Token::Minus),
            '*' => out.push(Token::Times),
            '=' => out.push(Token::Equals),
            ',' => out.push(Token::Comma),
            '`' => {
                let start = i;
                while i < chars.len() && chars[i] != '`' {
                    i += 1;
                }
                if i == chars.len() {
                    return Err(bad(text, "a backtick is not closed".into()));
                }
                out.push(Token::Name(chars[start..i].iter().collect()));
                i += 1;
            }
            _ => {
                let start = i - 1;
                // A number may carry an exponent sign (1e-3).
                while i < chars.len()
                    && (!special(chars[i])
                        || ("+-".contains(chars[i])
                            && matches!(chars[i - 1], 'e' | 'E')
                            && chars[start].is_ascii_digit()))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.parse::<f64>() {
                    Ok(v) if v.is_finite() && !word.chars().all(char::is_alphabetic) => {
                        out.push(Token::Number(v))
                    }
                    _ => out.push(Token::Name(word)),
                }
            }
        }
    }
    Ok(out)
}

/// The parameter index of `name` among `parameters`.
fn resolve(text: &str, name: &str, parameters: &[String]) -> Result<usize> {
    if let Some(k) = parameters.iter().position(|p| p == name) {
        return Ok(k);
    }
    let alias = |n: &str| match n {
        "intercept" | "(intercept)" | "bias" => INTERCEPT.to_string(),
        other => other.to_string(),
    };
    let canonical = match name.rsplit_once(':') {
        Some((class, n)) => format!("{class}:{}", alias(n)),
        None => alias(name),
    };
    if let Some(k) = parameters.iter().position(|p| *p == canonical) {
        return Ok(k);
    }
    let suffixed: Vec<&String> = parameters
        .iter()
        .filter(|p| p.rsplit_once(':').is_some_and(|(_, n)| n == canonical))
        .collect();
    let reason = if suffixed.is_empty() {
        format!(
            "no coefficient named {name:?} (coefficients: {})",
            crate::data::some_of(&parameters.iter().map(String::as_str).collect::<Vec<_>>())
        )
    } else {
        format!(
            "{name:?} is a coefficient of every class: say which, as {}",
            suffixed[0]
        )
    };
    Err(bad(text, reason))
}

/// Parses `text` into rows of R (over `parameters`) and r.
fn restrictions(text: &str, parameters: &[String]) -> Result<(Vec<Vec<f64>>, Vec<f64>)> {
    let p = parameters.len();
    let toks = tokens(text)?;
    let mut rows = Vec::new();
    let mut rhs = Vec::new();
    for equation in toks.split(|t| *t == Token::Comma) {
        if equation.is_empty() {
            return Err(bad(text, "an empty restriction".into()));
        }
        let sides: Vec<&[Token]> = equation.split(|t| *t == Token::Equals).collect();
        if sides.len() != 2 {
            return Err(bad(
                text,
                "each restriction needs one `=` (write names holding `=` in backticks)".into(),
            ));
        }
        let mut row = vec![0.0; p];
        let mut constant = 0.0;
        for (side, sign) in sides.iter().zip([1.0, -1.0]) {
            let mut k = 0;
            if side.is_empty() {
                return Err(bad(text, "a side of `=` is empty".into()));
            }
            while k < side.len() {
                let mut term_sign = sign;
                while let Some(t @ (Token::Plus | Token::Minus)) = side.get(k) {
                    if *t == Token::Minus {
                        term_sign = -term_sign;
                    }
                    k += 1;
                }
                match (side.get(k), side.get(k + 1), side.get(k + 2)) {
                    (Some(Token::Number(c)), Some(Token::Times), Some(Token::Name(n))) => {
                        row[resolve(text, n, parameters)?] += term_sign * c;
                        k += 3;
                    }
                    (Some(Token::Number(c)), _, _) => {
                        constant -= term_sign * c;
                        k += 1;
                    }
                    (Some(Token::Name(n)), _, _) => {
                        row[resolve(text, n, parameters)?] += term_sign;
                        k += 1;
                    }
                    _ => {
                        return Err(bad(
                            text,
                            "expected a term (a number, a name, or number * name)".into(),
                        ));
                    }
                }
                match side.get(k) {
                    None | Some(Token::Plus | Token::Minus) => {}
                    Some(_) => return Err(bad(text, "terms must be joined by + or -".into())),
                }
            }
        }
        if row.iter().all(|&c| c == 0.0) {
            return Err(bad(text, "a restriction involves no coefficient".into()));
        }
        rows.push(row);
        rhs.push(constant);
    }
    Ok((rows, rhs))
}

/// The Wald test of `text` under `summary`'s estimate and covariance.
pub fn wald(summary: &Summary, text: &str) -> Result<WaldTest> {
    let params = &summary.parameters;
    let (r, q) = restrictions(text, params)?;
    if summary.blocks_independent {
        let q_len = params.len() / summary.tables.len();
        for row in &r {
            let blocks: std::collections::BTreeSet<usize> = row
                .iter()
                .enumerate()
                .filter(|(_, c)| **c != 0.0)
                .map(|(j, _)| j / q_len)
                .collect();
            if blocks.len() > 1 {
                return Err(bad(
                    text,
                    "a one-vs-rest model is K separate fits: a restriction may involve one \
                     class only"
                        .into(),
                ));
            }
        }
    }
    let v = &summary.covariance_matrix;
    let theta = &summary.estimates;
    let n = r.len();
    let d: Vec<f64> = r
        .iter()
        .zip(&q)
        .map(|(row, qi)| row.iter().zip(theta).map(|(a, b)| a * b).sum::<f64>() - qi)
        .collect();
    // R V Rᵀ.
    let rv: Vec<Vec<f64>> = r
        .iter()
        .map(|row| {
            (0..theta.len())
                .map(|c| row.iter().zip(v).map(|(a, vr)| a * vr[c]).sum())
                .collect()
        })
        .collect();
    let mut m = vec![0.0; n * n];
    for a in 0..n {
        for b in 0..n {
            m[a * n + b] = rv[a].iter().zip(&r[b]).map(|(x, y)| x * y).sum();
        }
    }
    let names: Vec<String> = (1..=n).map(|k| format!("restriction {k}")).collect();
    let inv = covariance::inverse(&m, &names).map_err(|e| match e {
        Error::Inference { reason } => bad(
            text,
            format!("the restrictions are not independent ({reason})"),
        ),
        other => other,
    })?;
    let mut statistic = 0.0;
    for a in 0..n {
        for b in 0..n {
            statistic += d[a] * inv[a * n + b] * d[b];
        }
    }
    Ok(WaldTest {
        restrictions: text.to_string(),
        statistic,
        df: n,
        p_value: distributions::chi2_sf(statistic, n as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["const", "x1", "x2", "cat=a b"].map(String::from).to_vec()
    }

    #[test]
    fn restrictions_parse_into_rows() {
        let (r, q) = restrictions(
            "x1 = 0, x2 = 2*x1 - 1.5e-1, `cat=a b` + intercept = 3",
            &names(),
        )
        .unwrap();
        assert_eq!(
            r,
            vec![
                vec![0.0, 1.0, 0.0, 0.0],
                vec![0.0, -2.0, 1.0, 0.0],
                vec![1.0, 0.0, 0.0, 1.0]
            ]
        );
        assert_eq!(q, vec![0.0, -0.15, 3.0]);
    }

    #[test]
    fn bad_restrictions_are_named() {
        for (text, says) in [
            ("x9 = 0", "no coefficient named \"x9\""),
            ("x1 = x1", "involves no coefficient"),
            ("x1", "needs one `=`"),
            ("x1 x2 = 0", "joined by + or -"),
            ("`x1 = 0", "not closed"),
            ("x1 = 0,", "empty restriction"),
        ] {
            let e = restrictions(text, &names()).unwrap_err().to_string();
            assert!(e.contains(says), "{text}: {e}");
        }
    }
}
