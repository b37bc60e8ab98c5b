//! The options shared by the commands that read tables: categorical columns and missing cells
//! at training, and what to do with levels training did not see.

use clap::{Args, ValueEnum};
use logreg::data::ReadOptions;
use logreg::data::encoding::{DEFAULT_MAX_LEVELS, EncodeOptions, Missing, Unseen};
use std::path::Path;

/// How `train` reads categorical columns and missing cells (CSV).
#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Columns that are categorical although their values are numbers (zip codes, product
    /// ids): `--categorical zip,product`. A column with text in it is categorical without this.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Levels seen in fewer rows than this are pooled into one level, `(other)`.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub min_frequency: usize,
    /// A categorical column with more levels than this (after pooling) is an error: it is
    /// probably an identifier.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_LEVELS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_levels: usize,
    /// Missing cells in numeric columns (empty, NA, NaN, null, --na-values): an error naming
    /// the row and column; drop the row; fill with the column's mean or median; or fill with
    /// the mean and add an indicator feature `column=(missing)`. In a categorical column a
    /// missing cell is a level of its own, `(missing)`.
    #[arg(long, value_enum, default_value = "error")]
    pub missing: MissingArg,
    /// Cell values that also mean missing, besides the standard ones: `--na-values ?,-999`.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub na_values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MissingArg {
    Error,
    Drop,
    Mean,
    Median,
    Indicator,
}

impl EncodeArgs {
    /// The library's options; `unpenalised` (λ = 0) drops each categorical column's first
    /// level (see `logreg::data::encoding`).
    pub fn options(&self, unpenalised: bool) -> EncodeOptions {
        EncodeOptions {
            missing: match self.missing {
                MissingArg::Error => Missing::Error,
                MissingArg::Drop => Missing::Drop,
                MissingArg::Mean => Missing::Mean,
                MissingArg::Median => Missing::Median,
                MissingArg::Indicator => Missing::Indicator,
            },
            na_values: self.na_values.clone(),
            categorical: self.categorical.clone(),
            min_frequency: self.min_frequency,
            max_levels: self.max_levels,
            drop_first: unpenalised,
        }
    }
}

/// Warns about the rows of `path` whose categorical levels the model does not know.
pub fn warn_unseen(path: &Path, unseen: &[Unseen]) {
    for u in unseen {
        let first = if u.line == 0 {
            "a missing cell, which training never had".to_owned()
        } else {
            format!("the first, {:?}, on line {}", u.example, u.line)
        };
        super::say!(
            "logreg: warning: {}: column {:?}: {} row{} with {} level{} not seen in training \
             ({first}); their indicators are all 0 (--strict makes an unseen value an error)",
            path.display(),
            u.column,
            u.rows,
            if u.rows == 1 { "" } else { "s" },
            u.values,
            if u.values == 1 { "" } else { "s" },
        );
    }
}

/// How `predict`, `eval`, `explain` and `report` read their data.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// A level of a categorical column that training did not see is an error naming the row
    /// and value (default: a warning, and the row's indicators for that column are all 0).
    #[arg(long)]
    pub strict: bool,
    /// The CSV field separator: one character, or `tab` [default: told from the header line,
    /// the most frequent of `,` `;` tab `|` outside quotes].
    #[arg(long, value_name = "C", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
}

impl ReadArgs {
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            strict: self.strict,
            delimiter: self.delimiter,
        }
    }
}

/// `--delimiter`: one ASCII character other than a quote or a line break, or `tab`.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ => match text.as_bytes() {
            [c] if c.is_ascii() && !matches!(c, b'"' | b'\n' | b'\r') => Ok(*c),
            _ => Err(format!(
                "{text:?} is not a field separator: give one character (such as , ; or |) or tab"
            )),
        },
    }
}
