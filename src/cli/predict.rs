//! `logreg predict`: label (and optionally the probability of) every row of a data file.
//!
//! A CSV file is streamed: read, encoded and predicted a chunk at a time, each chunk's lines
//! written before the next is read, so memory stays bounded whatever the file's size. Other
//! formats are read whole.

use anyhow::{Context, Result};
use clap::Args;
use logreg::Model;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// Data laid out like the training file; its target column, if present, is ignored.
    pub data: PathBuf,
    #[command(flatten)]
    pub read: super::table::ReadArgs,
    /// Write the predictions here (atomically) instead of to stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Add a column with the probability of the positive class (two classes), or one column
    /// `probability_<label>` per class, in class order.
    #[arg(long)]
    pub proba: bool,
    /// Two classes: label a row positive when its probability is at least T (0 < T < 1)
    /// [default: the model's stored threshold, else 0.5].
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub threshold: Option<f64>,
    /// Copy these columns of the data (an id, a date) into the output, before the predictions:
    /// `--keep id,date` (CSV).
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub keep: Vec<String>,
    /// The data's format [default: from the file name: .csv, .svm/.libsvm, .parquet, each
    /// optionally .gz; otherwise CSV].
    #[arg(long, value_enum)]
    pub format: Option<super::FormatArg>,
}

pub fn run(args: PredictArgs) -> Result<ExitCode> {
    super::check_threshold(args.threshold)?;
    let model = Model::load(&args.model)?;
    let threshold = super::decision_threshold(args.threshold, &model)?;
    let format = super::FormatArg::resolve(args.format)
        .unwrap_or_else(|| logreg::data::Format::from_path(&args.data));
    if format != logreg::data::Format::Csv && !args.keep.is_empty() {
        return Err(super::usage(
            "--keep copies columns of a CSV file; this file's format has no named columns to \
             keep (or is read whole)"
                .into(),
        ));
    }
    let mut out: Box<dyn Output> = match &args.output {
        Some(path) => Box::new(logreg::outputs::Streamed::open(path)?),
        None => Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        )),
    };
    let writer = Rows {
        model: &model,
        threshold,
        proba: args.proba,
    };
    out.put(&writer.header(&args.keep))?;
    let mut unseen = Unseen::default();
    if format == logreg::data::Format::Csv {
        // A batch at a time: memory holds a few chunks of the file, whatever its size.
        logreg::data::csv::stream_for_model(
            &args.data,
            &model.schema(),
            args.read.options(),
            &args.keep,
            &mut |batch| {
                unseen.add(&batch.unseen);
                let text = writer.rows(&batch.features, &batch.kept, args.keep.len());
                out.put(&text)
                    .map_err(|e| logreg::Error::io(out_name(&args), e))
            },
        )?;
    } else {
        let data =
            logreg::data::load_for_model(&args.data, Some(format), &model, args.read.options())?;
        unseen.add(&data.unseen);
        out.put(&writer.rows(&data.features, &[], 0))?;
    }
    super::table::warn_unseen(&args.data, &unseen.all);
    out.done()
        .with_context(|| format!("cannot write predictions to {}", out_name(&args).display()))?;
    Ok(ExitCode::SUCCESS)
}

fn out_name(args: &PredictArgs) -> &std::path::Path {
    args.output
        .as_deref()
        .unwrap_or(std::path::Path::new("(standard output)"))
}

/// Where predictions go: standard output, or a file written as it is made.
trait Output: Send {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    fn done(self: Box<Self>) -> Result<()>;
}

impl<W: Write + Send> Output for std::io::BufWriter<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_all(bytes)
    }
    fn done(mut self: Box<Self>) -> Result<()> {
        Ok(self.flush()?)
    }
}

impl Output for logreg::outputs::Streamed {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write(bytes).map_err(std::io::Error::other)
    }
    fn done(self: Box<Self>) -> Result<()> {
        Ok(self.finish()?)
    }
}

/// Unseen levels over every batch, one entry per column.
#[derive(Default)]
struct Unseen {
    all: Vec<logreg::data::encoding::Unseen>,
    /// Per entry of `all`, its levels as a set (so that millions of unseen values, an id
    /// column, cost linear time over the batches).
    sets: Vec<std::collections::HashSet<String>>,
}

impl Unseen {
    fn add(&mut self, batch: &[logreg::data::encoding::Unseen]) {
        for u in batch {
            match self.all.iter().position(|a| a.column == u.column) {
                Some(k) => {
                    let (a, set) = (&mut self.all[k], &mut self.sets[k]);
                    a.rows += u.rows;
                    for level in &u.levels {
                        if set.insert(level.clone()) {
                            a.levels.push(level.clone());
                        }
                    }
                    a.values = a.levels.len();
                }
                None => {
                    self.sets.push(u.levels.iter().cloned().collect());
                    self.all.push(u.clone());
                }
            }
        }
    }
}

/// Writes prediction rows.
struct Rows<'m> {
    model: &'m Model,
    threshold: f64,
    proba: bool,
}

impl Rows<'_> {
    fn header(&self, keep: &[String]) -> Vec<u8> {
        let mut text = Vec::new();
        for name in keep {
            text.extend_from_slice(quote(name).as_bytes());
            text.push(b',');
        }
        text.extend_from_slice(b"prediction");
        if self.proba {
            if self.model.multiclass == logreg::model::Multiclass::Binary {
                text.extend_from_slice(b",probability");
            } else {
                for label in &self.model.labels.classes {
                    text.push(b',');
                    text.extend_from_slice(quote(&format!("probability_{label}")).as_bytes());
                }
            }
        }
        text.push(b'\n');
        text
    }

    /// One line per row of `x`, after its `width` kept fields.
    fn rows(&self, x: &logreg::Features, kept: &[String], width: usize) -> Vec<u8> {
        let model = self.model;
        let mut text = Vec::new();
        let lead = |text: &mut Vec<u8>, i: usize| {
            for field in &kept[i * width..(i + 1) * width] {
                text.extend_from_slice(quote(field).as_bytes());
                text.push(b',');
            }
        };
        if model.multiclass == logreg::model::Multiclass::Binary {
            let a = model.probabilities(x.design());
            text.reserve(a.len() * 24);
            for (i, p) in a.into_iter().enumerate() {
                lead(&mut text, i);
                let label = quote(model.labels.decode(p >= self.threshold));
                if self.proba {
                    let _ = writeln!(text, "{label},{p}");
                } else {
                    let _ = writeln!(text, "{label}");
                }
            }
        } else {
            let logp = model.log_probabilities(x.design());
            let k = model.classes();
            for (i, (row, c)) in logp.chunks_exact(k).zip(model.predict(&logp)).enumerate() {
                lead(&mut text, i);
                let _ = write!(text, "{}", quote(model.labels.label(c)));
                if self.proba {
                    for lp in row {
                        let _ = write!(text, ",{}", lp.exp());
                    }
                }
                let _ = writeln!(text);
            }
        }
        text
    }
}

/// A CSV field, quoted if it holds a comma, quote or line break.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
