//! `logreg show`: what a model file holds, without data: the classes, the features, the weights
//! ranked by |w_j·s_j| with their odds ratios (see [`logreg::weights`]), the bias, the decision
//! threshold and how the model was trained.

use super::output::{diverging, gap_phrase, significant};
use anyhow::Result;
use clap::Args;
use logreg::Model;
use logreg::data::some_of;
use logreg::model::{Multiclass, ValidationSplit};
use logreg::separation::SeparationKind;
use logreg::weights::{Ranked, odds_ratio_text};
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A model written by `logreg train`.
    pub model: PathBuf,
    /// Show the weights of the K features of largest |w_j·s_j| (for K neurons: largest over
    /// the neurons), largest first; 0 shows every feature.
    #[arg(long, value_name = "K", default_value_t = 20)]
    pub top: usize,
    /// Print one JSON object instead (its keys are in the README).
    #[arg(long)]
    pub json: bool,
}

/// Feature names and class labels longer than this are cut in the tables.
const NAME_WIDTH: usize = 32;

pub fn run(args: ShowArgs) -> Result<ExitCode> {
    let model = Model::load(&args.model)?;
    let ranked = Ranked::by_training_scale(&model);
    let shown = match args.top {
        0 => ranked.order.len(),
        k => k.min(ranked.order.len()),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        let json = to_json(&args, &model, &ranked, shown);
        writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
    } else {
        let mut text = Vec::new();
        write_text(&mut text, &args, &model, &ranked, shown)?;
        out.write_all(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `show --json`: one object, keys in this order (documented in the README).
#[derive(Serialize)]
struct Shown<'a> {
    model: String,
    format_version: u64,
    target: &'a str,
    multiclass: Multiclass,
    classes: &'a [String],
    /// Binary models: the class of y = 1.
    positive: Option<&'a str>,
    /// The stored decision threshold (null: none, so 0.5 for a binary model).
    threshold: Option<f64>,
    features: usize,
    ignored: &'a [String],
    /// How the input columns become the features (the model file's `encoding`), if not one
    /// to one.
    encoding: Option<&'a logreg::data::encoding::Encoding>,
    /// Do the scales s_j come from the model's standardisation (else s_j = 1)?
    standardized: bool,
    bias: &'a [f64],
    weights: Vec<WeightRow<'a>>,
    training: &'a logreg::model::TrainingSummary,
}

/// One feature's weights in `show --json`.
#[derive(Serialize)]
#[serde(untagged)]
enum WeightRow<'a> {
    Binary {
        feature: &'a str,
        index: usize,
        scale: f64,
        weight: f64,
        standardized: f64,
        odds_ratio: f64,
        odds_ratio_per_sd: f64,
    },
    Classes {
        feature: &'a str,
        index: usize,
        scale: f64,
        weights: Vec<f64>,
        standardized: Vec<f64>,
    },
}

fn to_json<'a>(args: &ShowArgs, model: &'a Model, ranked: &Ranked, shown: usize) -> Shown<'a> {
    let binary = model.multiclass == Multiclass::Binary;
    let weights = ranked.order[..shown]
        .iter()
        .map(|&j| {
            let feature = model.feature_names[j].as_str();
            let scale = ranked.scale[j];
            if binary {
                let (weight, standardized) = (model.weights[0][j], ranked.standardized[0][j]);
                WeightRow::Binary {
                    feature,
                    index: j,
                    scale,
                    weight,
                    standardized,
                    odds_ratio: weight.exp(),
                    odds_ratio_per_sd: standardized.exp(),
                }
            } else {
                WeightRow::Classes {
                    feature,
                    index: j,
                    scale,
                    weights: model.weights.iter().map(|w| w[j]).collect(),
                    standardized: ranked.standardized.iter().map(|w| w[j]).collect(),
                }
            }
        })
        .collect();
    Shown {
        model: args.model.display().to_string(),
        format_version: model.format_version,
        target: &model.target,
        multiclass: model.multiclass,
        classes: &model.labels.classes,
        positive: binary.then(|| model.labels.positive()),
        threshold: model.threshold,
        features: model.feature_names.len(),
        ignored: &model.ignored,
        encoding: model.encoding.as_ref(),
        standardized: model.standardization.is_some(),
        bias: &model.bias,
        weights,
        training: &model.training,
    }
}

/// `name` cut to [`NAME_WIDTH`] characters, with "…" where it was cut.
fn clip(name: &str) -> String {
    match name.char_indices().nth(NAME_WIDTH) {
        None => name.to_owned(),
        Some((end, _)) => format!("{}…", &name[..end]),
    }
}

fn write_text(
    out: &mut impl Write,
    args: &ShowArgs,
    model: &Model,
    ranked: &Ranked,
    shown: usize,
) -> std::io::Result<()> {
    let n = model.feature_names.len();
    let k = model.classes();
    let binary = model.multiclass == Multiclass::Binary;
    writeln!(
        out,
        "model        {} (format version {})",
        args.model.display(),
        model.format_version
    )?;
    writeln!(out, "target       {}", model.target)?;
    let labels: Vec<&str> = model.labels.classes.iter().map(String::as_str).collect();
    if binary {
        writeln!(
            out,
            "classes      {} (binary, one sigmoid neuron; positive class y = 1: {:?})",
            some_of(&labels),
            model.labels.positive()
        )?;
        let t = model.decision_threshold();
        match model.threshold {
            Some(_) => writeln!(
                out,
                "threshold    {t} (stored in the model): a row is {:?} when a ≥ {t}",
                model.labels.positive()
            )?,
            None => writeln!(
                out,
                "threshold    {t} (the default; the model stores none): a row is {:?} when a ≥ {t}",
                model.labels.positive()
            )?,
        }
    } else {
        writeln!(
            out,
            "classes      {k}: {} ({}, {k} {} neurons; each row gets its most probable class)",
            some_of(&labels),
            model.multiclass.name(),
            match model.multiclass {
                Multiclass::Ovr => "one-vs-rest sigmoid",
                _ => "softmax",
            }
        )?;
    }
    write!(out, "features     {n}")?;
    if !model.ignored.is_empty() {
        let ignored: Vec<&str> = model.ignored.iter().map(String::as_str).collect();
        write!(out, " (columns not used: {})", some_of(&ignored))?;
    }
    writeln!(out)?;
    if let Some(e) = &model.encoding {
        write_encoding(out, e)?;
    }
    if binary {
        writeln!(out, "bias b       {}", significant(model.bias[0]))?;
    } else {
        writeln!(out, "bias b_k     (raw scale, one per class)")?;
        let width = labels
            .iter()
            .map(|l| clip(l).chars().count())
            .max()
            .unwrap_or(0);
        for (c, (label, b)) in labels.iter().zip(&model.bias).enumerate() {
            writeln!(
                out,
                "  {c:<3} {:<width$}  {:>14}",
                clip(label),
                significant(*b)
            )?;
        }
    }
    writeln!(out)?;
    write_weights(out, model, ranked, shown)?;
    writeln!(out)?;
    write_training(out, model)
}

/// The input columns and what each becomes: levels, pooled levels, fills.
fn write_encoding(
    out: &mut impl Write,
    encoding: &logreg::data::encoding::Encoding,
) -> std::io::Result<()> {
    use logreg::data::encoding::Column;
    writeln!(
        out,
        "columns      {} (missing numeric cells: --missing {})",
        encoding.columns.len(),
        encoding.missing.name()
    )?;
    for c in &encoding.columns {
        match c {
            Column::Numeric {
                name,
                fill,
                indicator,
            } => {
                write!(out, "  {:<24} numeric", clip(name))?;
                if let Some(f) = fill {
                    write!(out, ", missing cells filled with {}", significant(*f))?;
                }
                if *indicator {
                    write!(out, ", with the indicator {}=(missing)", clip(name))?;
                }
                writeln!(out)?;
            }
            Column::Categorical {
                name,
                levels,
                pooled,
                dropped,
                missing,
            } => {
                let shown: Vec<&str> = levels.iter().map(String::as_str).collect();
                write!(
                    out,
                    "  {:<24} categorical, {} level{}: {}",
                    clip(name),
                    levels.len(),
                    if levels.len() == 1 { "" } else { "s" },
                    some_of(&shown)
                )?;
                if !pooled.is_empty() {
                    write!(out, "; {} rare levels pooled into (other)", pooled.len())?;
                }
                if *missing {
                    write!(out, "; (missing)")?;
                }
                if let Some(d) = dropped {
                    write!(out, "; reference level {:?} (no indicator)", clip(d))?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

/// The weights table: the `shown` features of largest |w_j·s_j|, largest first.
fn write_weights(
    out: &mut impl Write,
    model: &Model,
    ranked: &Ranked,
    shown: usize,
) -> std::io::Result<()> {
    let n = model.feature_names.len();
    let binary = model.multiclass == Multiclass::Binary;
    let by = if binary {
        "|w_j·s_j|"
    } else {
        "max_k |w_kj·s_j|"
    };
    if shown == n {
        writeln!(out, "weights of all {n} features, by {by}, largest first")?;
    } else {
        writeln!(
            out,
            "weights of the {shown} of {n} features with the largest {by}, largest first"
        )?;
    }
    if model.standardization.is_some() {
        writeln!(
            out,
            "(s_j: the standard deviation of x_j in the training rows, as the model's standardisation records it)"
        )?;
    } else {
        writeln!(
            out,
            "(s_j = 1: the model was trained without standardisation and records no scales, so the ranking is by the raw weights)"
        )?;
    }
    let names: Vec<String> = ranked.order[..shown]
        .iter()
        .map(|&j| clip(&model.feature_names[j]))
        .collect();
    let width = names
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max("feature".len());
    if binary {
        writeln!(
            out,
            "  {:<5} {:<width$} {:>14} {:>14} {:>14} {:>11} {:>11}",
            "j", "feature", "w_j", "s_j", "w_j·s_j", "e^(w_j)", "e^(w_j·s_j)"
        )?;
        for (&j, name) in ranked.order[..shown].iter().zip(&names) {
            let (w, ws) = (model.weights[0][j], ranked.standardized[0][j]);
            writeln!(
                out,
                "  {:<5} {:<width$} {:>14} {:>14} {:>14} {:>11} {:>11}",
                j + 1,
                name,
                significant(w),
                significant(ranked.scale[j]),
                significant(ws),
                odds_ratio_text(w),
                odds_ratio_text(ws)
            )?;
        }
    } else {
        let classes: Vec<String> = model.labels.classes.iter().map(|l| clip(l)).collect();
        let cell = classes
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
            .max(14);
        write!(out, "  {:<5} {:<width$} {:>14}", "j", "feature", "s_j")?;
        for c in &classes {
            write!(out, " {:>cell$}", c)?;
        }
        writeln!(out)?;
        for (&j, name) in ranked.order[..shown].iter().zip(&names) {
            write!(
                out,
                "  {:<5} {:<width$} {:>14}",
                j + 1,
                name,
                significant(ranked.scale[j])
            )?;
            for w in &ranked.standardized {
                write!(out, " {:>cell$}", significant(w[j]))?;
            }
            writeln!(out)?;
        }
    }
    if shown < n {
        writeln!(
            out,
            "  … {} more features (--top 0 shows them all)",
            n - shown
        )?;
    }
    if binary {
        writeln!(
            out,
            "(j: the feature's place in the model, from 1. The odds a/(1 − a) of {:?} are multiplied\n by e^(w_j) per unit of x_j and by e^(w_j·s_j) per standard deviation, the others held fixed.)",
            model.labels.positive()
        )?;
    } else {
        writeln!(
            out,
            "(j: the feature's place in the model, from 1. Each class's column is its standardised\n weight w_kj·s_j; `logreg show --json` gives the raw weights w_kj too.)"
        )?;
    }
    Ok(())
}

/// The training summary the model records.
fn write_training(out: &mut impl Write, model: &Model) -> std::io::Result<()> {
    let t = &model.training;
    writeln!(out, "training")?;
    writeln!(out, "  solver         {}", t.solver)?;
    writeln!(
        out,
        "  λ (l2)         {} (on the {} weights)",
        t.l2,
        if model.standardization.is_some() {
            "standardised"
        } else {
            "raw"
        }
    )?;
    if t.l1 > 0.0 {
        writeln!(
            out,
            "  λ₁ (l1)        {}{}",
            t.l1,
            t.lambda_max
                .map(|m| format!(" (λ_max {})", significant(m)))
                .unwrap_or_default()
        )?;
        let selected = model.selected_features();
        writeln!(
            out,
            "  selected       {} of {} features: {}",
            selected.len(),
            model.feature_names.len(),
            super::output::selected_names(model, &selected)
        )?;
    }
    writeln!(
        out,
        "  termination    {} after {} iterations",
        t.termination, t.iterations
    )?;
    writeln!(out, "  cost J         {}", significant(t.cost))?;
    writeln!(out, "  gradient norm  {}", significant(t.gradient_norm))?;
    writeln!(out, "  gap            {}", gap_phrase(t.gap_bound))?;
    writeln!(
        out,
        "  rows           {} fitted on (features stored as {})",
        t.rows,
        match t.precision {
            logreg::Precision::F32 => "f32",
            logreg::Precision::F64 => "f64",
        }
    )?;
    writeln!(
        out,
        "  data           {}",
        t.data.as_deref().unwrap_or("not recorded")
    )?;
    let validation = match &t.validation {
        Some(ValidationSplit::Fraction {
            fraction,
            seed,
            validation_rows,
            ..
        }) => format!(
            "{validation_rows} rows held out of the training file by --validation-fraction {fraction} --seed {seed}"
        ),
        Some(ValidationSplit::File { path, rows }) => format!("{rows} rows of {path}"),
        None => "none".into(),
    };
    writeln!(out, "  validation     {validation}")?;
    if let Some(column) = &t.sample_weight {
        writeln!(out, "  sample weight  {column}")?;
    }
    if let Some(spec) = &t.class_weight {
        write!(out, "  class weight   {spec}")?;
        if let Some(w) = &t.class_weights {
            let each: Vec<String> = model
                .labels
                .classes
                .iter()
                .zip(w)
                .map(|(c, w)| format!("{} {w:.4}", clip(c)))
                .collect();
            let each: Vec<&str> = each.iter().map(String::as_str).collect();
            write!(out, " ({})", some_of(&each))?;
        }
        writeln!(out)?;
    }
    if let Some(s) = &t.separation {
        writeln!(
            out,
            "  separation     {}: {} of {} rows predicted perfectly{}",
            match s.kind {
                SeparationKind::Complete => "complete",
                SeparationKind::Quasi => "quasi-complete",
            },
            s.rows_separated,
            s.rows,
            if s.direction {
                format!("; diverging: {}", diverging(s, &model.feature_names))
            } else {
                String::new()
            }
        )?;
    }
    for fit in &t.per_class {
        writeln!(
            out,
            "  class {}: {} after {} iterations, cost J {}",
            clip(&fit.class),
            fit.termination,
            fit.iterations,
            significant(fit.cost)
        )?;
    }
    Ok(())
}
