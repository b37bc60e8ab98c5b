//! Statistical inference for a fitted model: standard errors, z statistics, p-values,
//! confidence intervals and odds ratios per coefficient; the likelihood-ratio test against the
//! intercept-only model, pseudo-R², AIC and BIC; Wald tests of linear restrictions ([`wald`]);
//! likelihood-ratio tests between nested models ([`lr_test`]); and Firth's bias-reduced fit
//! ([`firth`]), whose estimates stay finite under separation.
//!
//! ## The estimate
//! The parameters θ are laid out as [`likelihood`] describes (intercept first; a multinomial
//! model's K − 1 non-reference classes against class 0, as statsmodels' `MNLogit`; one-vs-rest
//! as K separate binary models). The summary first **refines** the model file's estimate on the
//! data given, in f64, by Newton steps on the objective the model was fitted to (step halving
//! guards each step), until no coordinate moves by more than 1e-10 relative: a model trained on
//! f32 storage, or stopped at a tolerance, is then at the exact optimum of these data, and the
//! standard errors belong to that optimum. The summary reports the steps and how far the
//! estimate moved; a large move means the data are not the training data.
//!
//! ## Covariance (`--cov`)
//! With H = −∇²ℓ the observed information (frequency weights s_i count row i s_i times),
//! g_i = (y_i − a_i) ⊗ x̃_i the score of row i, and n = Σ s_i:
//!
//! | type | V |
//! |---|---|
//! | `nonrobust` | H⁻¹ |
//! | `HC0` | H⁻¹ M H⁻¹, M = Σ_i s_i g_i g_iᵀ |
//! | `HC1` | n/(n − P) · HC0 |
//! | `HC2` | M = Σ_i s_i g_i g_iᵀ/(1 − h_i), h_i = a_i(1 − a_i) x̃_iᵀ H⁻¹ x̃_i (binary) |
//! | `HC3` | M = Σ_i s_i g_i g_iᵀ/(1 − h_i)² (binary) |
//! | `cluster` | G/(G − 1) · (n − 1)/(n − P) · H⁻¹ (Σ_g u_g u_gᵀ) H⁻¹, u_g = Σ_{i∈g} s_i g_i |
//!
//! HC1–HC3 are R sandwich's `vcovHC` for a glm; the cluster correction is statsmodels'
//! default (`use_correction=True`), equal to sandwich's `vcovCL(type = "HC1")`.
//!
//! ## Penalised fits
//! With λ > 0 the estimate is not the maximum-likelihood one and H⁻¹ is not its covariance, so
//! the summary refuses unless `--penalized-covariance` is given. Then, with H_λ = H + Λ the
//! Hessian of the penalised objective (Λ = nλ diag(0, σ²): the penalty on the standardised
//! weights w̃ = σ ⊙ w, on the sum scale), V = H_λ⁻¹ M H_λ⁻¹ with M = H for `nonrobust` and the
//! chosen meat otherwise: the sandwich of the penalised estimator around its own (biased)
//! target, labelled as such.

pub mod covariance;
pub mod distributions;
pub mod firth;
pub mod likelihood;
pub mod wald;

use crate::error::{Error, Result};
use crate::model::{Model, Multiclass};
use crate::{Features, separation::Separation};
use likelihood::Likelihood;
use serde::Serialize;

pub use wald::{WaldTest, wald};

/// The intercept's name in summaries and in `--test`.
pub const INTERCEPT: &str = "const";

/// Most Newton steps of the refinement.
const MAX_REFINE: usize = 25;

/// The covariance of the estimate (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Covariance {
    #[serde(rename = "nonrobust")]
    Nonrobust,
    HC0,
    HC1,
    HC2,
    HC3,
    #[serde(rename = "cluster")]
    Cluster,
}

impl Covariance {
    pub fn name(self) -> &'static str {
        match self {
            Covariance::Nonrobust => "nonrobust",
            Covariance::HC0 => "HC0",
            Covariance::HC1 => "HC1",
            Covariance::HC2 => "HC2",
            Covariance::HC3 => "HC3",
            Covariance::Cluster => "cluster",
        }
    }
}

/// Cluster membership for `--cov cluster`: each row's cluster, 0 … count − 1.
pub struct Clusters {
    pub column: String,
    pub ids: Vec<u32>,
    pub count: usize,
}

/// What to compute.
pub struct Options {
    pub covariance: Covariance,
    /// Intervals at 1 − α.
    pub alpha: f64,
    /// Accept a penalised model (λ > 0) and give the sandwich of its estimator.
    pub penalized: bool,
    /// Fit Firth's bias-reduced model instead of using the model's estimate.
    pub firth: bool,
    /// Firth: Wald intervals instead of profile penalised-likelihood ones.
    pub wald_intervals: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            covariance: Covariance::Nonrobust,
            alpha: 0.05,
            penalized: false,
            firth: false,
            wald_intervals: false,
        }
    }
}

/// The data a summary is computed on: features in the model's order, class indices, frequency
/// weights and clusters.
pub struct Data<'a> {
    pub x: &'a Features,
    pub y: &'a [f64],
    pub weights: Option<&'a [f64]>,
    pub clusters: Option<&'a Clusters>,
}

/// One coefficient's line.
#[derive(Debug, Clone, Serialize)]
pub struct Coefficient {
    pub name: String,
    pub estimate: f64,
    pub std_error: f64,
    pub z: f64,
    pub p_value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub odds_ratio: f64,
    pub odds_ratio_low: f64,
    pub odds_ratio_high: f64,
}

/// One table: a binary model's, or one class's (against the reference class for a
/// multinomial model, against the rest for one-vs-rest).
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// None for a binary model.
    pub class: Option<String>,
    pub coefficients: Vec<Coefficient>,
}

/// The model-level statistics (of each class's fit, for one-vs-rest).
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    /// Σ s_i (the rows, under frequency weights).
    pub observations: f64,
    pub df_model: f64,
    pub df_resid: f64,
    pub log_likelihood: f64,
    pub null_log_likelihood: f64,
    /// 2(ℓ − ℓ₀), with df_model degrees of freedom; for a Firth fit the penalised ratio
    /// 2(ℓ* − ℓ*₀) of logistf (see [`firth`]).
    pub lr_chi2: Option<f64>,
    pub lr_p_value: Option<f64>,
    /// McFadden's 1 − ℓ/ℓ₀.
    pub pseudo_r2: f64,
    pub aic: f64,
    pub bic: f64,
    pub deviance: f64,
    /// Firth: ℓ + ½ log det H at the estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub penalized_log_likelihood: Option<f64>,
}

/// How the estimate was brought to the optimum of the data.
#[derive(Debug, Clone, Serialize)]
pub struct Refinement {
    pub newton_steps: usize,
    /// The largest |θ_j − θ_j(model)| / (1 + |θ_j|).
    pub largest_change: f64,
    /// ‖∇‖_∞ of the objective at the final estimate, on the sum scale.
    pub gradient_norm: f64,
}

/// A model's summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The covariance type, in words (with the cluster column and count, or the penalty).
    pub covariance: String,
    pub alpha: f64,
    /// "maximum likelihood", "Firth (bias-reduced)" or "penalised (λ = …)".
    pub method: String,
    pub rows: usize,
    pub tables: Vec<Table>,
    /// One per table for one-vs-rest, else one.
    pub fits: Vec<Fit>,
    pub refinement: Vec<Refinement>,
    /// The parameters' names (`class:name` for K classes) and their covariance, P × P.
    pub parameters: Vec<String>,
    pub estimates: Vec<f64>,
    pub covariance_matrix: Vec<Vec<f64>>,
    /// Parameters of different one-vs-rest classes come from separate fits: no joint
    /// covariance.
    #[serde(skip)]
    pub blocks_independent: bool,
    /// How the training ended, from the model file.
    pub training: String,
}

/// Why a summary has no standard errors: separation.
pub fn separation_message(model: &Model, s: &Separation) -> String {
    let mut names: Vec<String> = s
        .diverging
        .iter()
        .filter_map(|&j| model.feature_names.get(j).cloned())
        .collect();
    if s.bias_diverges {
        names.insert(0, INTERCEPT.into());
    }
    let kind = match s.kind {
        crate::separation::SeparationKind::Complete => "complete",
        crate::separation::SeparationKind::Quasi => "quasi-complete",
    };
    let which = if names.is_empty() {
        String::new()
    } else {
        format!(" (diverging: {})", names.join(", "))
    };
    format!(
        "the training data are separated ({kind}: {} of {} rows predicted perfectly){which}: \
         the maximum-likelihood estimate does not exist, so there are no standard errors. \
         Use --firth for Firth's bias-reduced estimates, which stay finite",
        s.rows_separated, s.rows
    )
}

/// The summary of `model` on `data`.
pub fn summarize(model: &Model, data: &Data, options: &Options) -> Result<Summary> {
    if !(options.alpha > 0.0 && options.alpha < 1.0) {
        return Err(Error::InvalidParameter {
            name: "alpha",
            value: options.alpha.to_string(),
            reason: "must be between 0 and 1 (0.05 gives 95% intervals)",
        });
    }
    let l2 = model.training.l2;
    if model.training.l1 > 0.0 {
        let kept = model.selected_features().len();
        return Err(Error::Inference {
            reason: format!(
                "the model was fitted with an L1 penalty (λ₁ = {}), which chose {kept} of {} \
                 features from these data: standard errors and p-values that ignore that \
                 choice are too small, and the L1 estimate is not differentiable where it \
                 selects. Refit the selected features without L1 (train --features …) on \
                 other rows than those that selected them, and summarise that model",
                model.training.l1,
                model.feature_names.len()
            ),
        });
    }
    if options.firth {
        if model.multiclass != Multiclass::Binary {
            return Err(Error::Inference {
                reason: "--firth fits binary models only".into(),
            });
        }
        if options.covariance != Covariance::Nonrobust {
            return Err(Error::Inference {
                reason: "--firth gives the model-based standard errors of Firth's estimator \
                         (--cov nonrobust)"
                    .into(),
            });
        }
    } else if l2 > 0.0 && !options.penalized {
        return Err(Error::Inference {
            reason: format!(
                "the model was fitted with an L2 penalty (λ = {l2}): its estimate is shrunk \
                 towards 0, and the textbook standard errors, which assume the \
                 maximum-likelihood estimate, do not apply. Train with --l2 0 for them, use \
                 --firth, or ask for --penalized-covariance (the sandwich covariance of the \
                 penalised estimator, around its shrunk target)"
            ),
        });
    }
    let separated = model
        .training
        .separation
        .as_ref()
        .filter(|_| !options.firth && l2 <= 0.0);
    let clusters = match options.covariance {
        Covariance::Cluster => {
            let c = data.clusters.ok_or_else(|| Error::Inference {
                reason: "--cov cluster needs --cluster COLUMN".into(),
            })?;
            if c.ids.len() != data.y.len() {
                return Err(Error::Inference {
                    reason: format!(
                        "the cluster column {:?} has {} rows and the data {} (rows left out \
                         for missing cells cannot be matched to their clusters)",
                        c.column,
                        c.ids.len(),
                        data.y.len()
                    ),
                });
            }
            if c.count < 2 {
                return Err(Error::Inference {
                    reason: format!(
                        "the cluster column {:?} has one cluster: clustered standard errors \
                         need at least two",
                        c.column
                    ),
                });
            }
            Some(c)
        }
        _ => None,
    };
    let weights = class_weighted(model, data);
    let s = weights.as_deref().or(data.weights);
    let penalized = !options.firth && l2 > 0.0;
    let names = &model.feature_names;
    let mut out = Summary {
        covariance: describe(options.covariance, clusters, penalized, l2),
        alpha: options.alpha,
        method: if options.firth {
            "Firth (bias-reduced)".into()
        } else if penalized {
            format!("penalised (L2, λ = {l2})")
        } else {
            "maximum likelihood".into()
        },
        rows: data.y.len(),
        tables: Vec::new(),
        fits: Vec::new(),
        refinement: Vec::new(),
        parameters: Vec::new(),
        estimates: Vec::new(),
        covariance_matrix: Vec::new(),
        blocks_independent: model.multiclass == Multiclass::Ovr,
        training: format!("{:?}", model.training.termination).to_lowercase(),
    };
    let mut covariances = Vec::new();
    let fits: Vec<Separate> = match model.multiclass {
        Multiclass::Binary => vec![(
            None,
            data.y.to_vec(),
            2,
            [&[model.bias[0]][..], &model.weights[0]].concat(),
        )],
        Multiclass::Multinomial => {
            if penalized {
                return Err(Error::Inference {
                    reason: "--penalized-covariance is for binary and one-vs-rest models; fit \
                             the multinomial model with --l2 0"
                        .into(),
                });
            }
            let k = model.classes();
            let mut theta = Vec::new();
            for c in 1..k {
                theta.push(model.bias[c] - model.bias[0]);
                theta.extend(
                    model.weights[c]
                        .iter()
                        .zip(&model.weights[0])
                        .map(|(a, b)| a - b),
                );
            }
            vec![(None, data.y.to_vec(), k, theta)]
        }
        Multiclass::Ovr => (0..model.classes())
            .map(|c| {
                let y = data
                    .y
                    .iter()
                    .map(|&v| f64::from(u8::from(v as usize == c)))
                    .collect();
                (
                    Some(model.labels.label(c).to_string()),
                    y,
                    2,
                    [&[model.bias[c]][..], &model.weights[c]].concat(),
                )
            })
            .collect(),
    };
    for (class, y, classes, start) in fits {
        let lik = Likelihood {
            x: data.x,
            y: &y,
            s,
            classes,
        };
        let blocks = lik.blocks();
        let block_classes: Vec<Option<String>> = match (&class, classes) {
            (Some(c), _) => vec![Some(c.clone())],
            (None, 2) => vec![None],
            (None, k) => (1..k)
                .map(|c| Some(model.labels.label(c).to_string()))
                .collect(),
        };
        let params: Vec<String> = block_classes
            .iter()
            .flat_map(|c| {
                std::iter::once(INTERCEPT.to_string())
                    .chain(names.iter().cloned())
                    .map(move |n| match c {
                        Some(c) => format!("{c}:{n}"),
                        None => n,
                    })
            })
            .collect();
        if let Some(sep) = separated {
            // Collinear columns look separated to the linear program (J is flat along the
            // combination): name them first, as they are the cause to fix.
            let (a, _) = lik.probabilities(&lik.logits(&start));
            covariance::inverse(&lik.information(&a), &params)?;
            return Err(Error::Inference {
                reason: separation_message(model, sep),
            });
        }
        let penalty = penalty_diagonal(model, &lik, penalized);
        let (theta, refinement, firth_fit, eval) = if options.firth {
            let fit = firth::fit(&lik, &start, &params)?;
            let eval = lik.evaluate(&fit.theta);
            (fit.theta.clone(), fit.refinement.clone(), Some(fit), eval)
        } else {
            let (theta, refinement, eval) = refine(&lik, &start, &penalty, &params)?;
            (theta, refinement, None, eval)
        };
        let p = params.len();
        let mut h_pen = eval.information.clone();
        for j in 0..p {
            h_pen[j * p + j] += penalty[j];
        }
        let bread = covariance::inverse(&h_pen, &params)?;
        // The probabilities, for the sandwiches (a binary evaluation leaves them out).
        let probabilities = match options.covariance {
            Covariance::Nonrobust => Vec::new(),
            _ if eval.probabilities.is_empty() => lik.probabilities(&lik.logits(&theta)).0,
            _ => eval.probabilities.clone(),
        };
        let a = &probabilities;
        let n = lik.observations();
        let v = match options.covariance {
            Covariance::Nonrobust if !penalized => bread.clone(),
            Covariance::Nonrobust => covariance::sandwich(&bread, &eval.information, p),
            Covariance::HC0 | Covariance::HC1 => {
                let mut v = covariance::sandwich(&bread, &lik.meat(a, None), p);
                if options.covariance == Covariance::HC1 {
                    scale(&mut v, n / (n - p as f64));
                }
                v
            }
            Covariance::HC2 | Covariance::HC3 => {
                if blocks != 1 {
                    return Err(Error::Inference {
                        reason: "HC2 and HC3 need the leverages of a binary model; use HC0, \
                                 HC1 or cluster for a multinomial one"
                            .into(),
                    });
                }
                let h = lik.leverages(a, &bread);
                let power = if options.covariance == Covariance::HC2 {
                    1
                } else {
                    2
                };
                let factor: Vec<f64> = h.iter().map(|h| 1.0 / (1.0 - h).powi(power)).collect();
                covariance::sandwich(&bread, &lik.meat(a, Some(&factor)), p)
            }
            Covariance::Cluster => {
                let c = clusters.expect("checked above");
                let u = lik.cluster_scores(a, &c.ids, c.count);
                let mut meat = vec![0.0; p * p];
                for g in 0..c.count {
                    let ug = &u[g * p..(g + 1) * p];
                    for r in 0..p {
                        for col in 0..p {
                            meat[r * p + col] += ug[r] * ug[col];
                        }
                    }
                }
                let mut v = covariance::sandwich(&bread, &meat, p);
                let g = c.count as f64;
                scale(&mut v, g / (g - 1.0) * (n - 1.0) / (n - p as f64));
                v
            }
        };
        let profile = match &firth_fit {
            Some(_) if !options.wald_intervals => Some(firth::profile_intervals(
                &lik,
                &theta,
                options.alpha,
                &params,
            )?),
            _ => None,
        };
        let z_crit = distributions::normal_quantile(1.0 - options.alpha / 2.0);
        for (b, class) in block_classes.iter().enumerate() {
            let coefficients = (0..lik.q())
                .map(|j| {
                    let at = b * lik.q() + j;
                    let estimate = theta[at];
                    let std_error = v[at * p + at].max(0.0).sqrt();
                    let z = estimate / std_error;
                    let (ci_low, ci_high) = match &profile {
                        Some(bounds) => bounds[at],
                        None => (estimate - z_crit * std_error, estimate + z_crit * std_error),
                    };
                    Coefficient {
                        name: if j == 0 {
                            INTERCEPT.into()
                        } else {
                            names[j - 1].clone()
                        },
                        estimate,
                        std_error,
                        z,
                        p_value: distributions::two_sided(z),
                        ci_low,
                        ci_high,
                        odds_ratio: estimate.exp(),
                        odds_ratio_low: ci_low.exp(),
                        odds_ratio_high: ci_high.exp(),
                    }
                })
                .collect();
            out.tables.push(Table {
                class: class.clone(),
                coefficients,
            });
        }
        out.fits.push(fit_statistics(
            &lik,
            eval.log_likelihood,
            firth_fit
                .as_ref()
                .map(|f| (f.penalized_log_likelihood, f.null_penalized_log_likelihood)),
        ));
        out.refinement.push(refinement);
        out.parameters.extend(params);
        out.estimates.extend(theta);
        covariances.push(v);
    }
    out.covariance_matrix = block_diagonal(&covariances);
    Ok(out)
}

/// One fit to summarise: its class (one-vs-rest), labels, K and starting estimate.
type Separate = (Option<String>, Vec<f64>, usize, Vec<f64>);

/// Frequency weights times the model's class weights, when it has them.
fn class_weighted(model: &Model, data: &Data) -> Option<Vec<f64>> {
    let cw = model.training.class_weights.as_ref()?;
    Some(
        data.y
            .iter()
            .enumerate()
            .map(|(i, &y)| data.weights.map_or(1.0, |s| s[i]) * cw[y as usize])
            .collect(),
    )
}

/// The penalty's diagonal on the sum scale, per parameter (zeros when not penalised).
fn penalty_diagonal(model: &Model, lik: &Likelihood, penalized: bool) -> Vec<f64> {
    let (q, p) = (lik.q(), lik.parameters());
    if !penalized {
        return vec![0.0; p];
    }
    let n = lik.observations();
    let l2 = model.training.l2;
    (0..p)
        .map(|at| {
            let j = at % q;
            if j == 0 {
                0.0
            } else {
                let sigma = model
                    .standardization
                    .as_ref()
                    .map_or(1.0, |st| st.scale[j - 1]);
                n * l2 * sigma * sigma
            }
        })
        .collect()
}

/// Newton steps on ℓ(θ) − ½ θᵀΛθ from `start`, halving a step that does not increase it; the
/// estimate, how it moved, and the likelihood's evaluation there.
fn refine(
    lik: &Likelihood,
    start: &[f64],
    penalty: &[f64],
    names: &[String],
) -> Result<(Vec<f64>, Refinement, likelihood::Evaluation)> {
    let p = start.len();
    let objective = |theta: &[f64], ll: f64| {
        ll - 0.5
            * theta
                .iter()
                .zip(penalty)
                .map(|(t, l)| l * t * t)
                .sum::<f64>()
    };
    let mut theta = start.to_vec();
    let mut steps = 0;
    let mut eval = lik.evaluate(&theta);
    loop {
        let mut h = eval.information.clone();
        for j in 0..p {
            h[j * p + j] += penalty[j];
        }
        let g: Vec<f64> = (0..p)
            .map(|j| eval.score[j] - penalty[j] * theta[j])
            .collect();
        let delta = covariance::solve(&h, &g, names)?;
        let moved = (0..p)
            .map(|j| delta[j].abs() / (1.0 + theta[j].abs()))
            .fold(0.0, f64::max);
        if moved >= 1e-10 && steps == MAX_REFINE {
            return Err(Error::Inference {
                reason: format!(
                    "the estimate did not settle in {MAX_REFINE} Newton steps on these data (the \
                     last moved it by {moved:.1e} relative): the maximum-likelihood estimate may \
                     not exist here (separated data, which training checks on its own rows), \
                     or the data are not the ones the model was trained on. --firth gives \
                     finite estimates"
                ),
            });
        }
        if moved < 1e-10 {
            let largest_change = (0..p)
                .map(|j| (theta[j] - start[j]).abs() / (1.0 + theta[j].abs()))
                .fold(0.0, f64::max);
            let gradient_norm = g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            return Ok((
                theta,
                Refinement {
                    newton_steps: steps,
                    largest_change,
                    gradient_norm,
                },
                eval,
            ));
        }
        let before = objective(&theta, eval.log_likelihood);
        let mut t = 1.0;
        loop {
            let trial: Vec<f64> = (0..p).map(|j| theta[j] + t * delta[j]).collect();
            let next = lik.evaluate(&trial);
            if objective(&trial, next.log_likelihood) >= before - 1e-12 * before.abs() || t < 1e-10
            {
                theta = trial;
                eval = next;
                break;
            }
            t *= 0.5;
        }
        steps += 1;
    }
}

/// The model-level statistics of one fit.
/// The model-level statistics; `firth`: the penalised log-likelihoods of the model and of its
/// intercept-only fit, whose ratio is then the test.
fn fit_statistics(lik: &Likelihood, ll: f64, firth: Option<(f64, f64)>) -> Fit {
    let n = lik.observations();
    let k = lik.classes;
    // The intercept-only model: each class at its share of the (weighted) rows.
    let mut share = vec![0.0; k];
    for (i, &y) in lik.y.iter().enumerate() {
        share[y as usize] += lik.s.map_or(1.0, |s| s[i]);
    }
    let null: f64 = share
        .iter()
        .filter(|&&c| c > 0.0)
        .map(|&c| c * (c / n).ln())
        .sum();
    let p = lik.parameters() as f64;
    let df_model = p - lik.blocks() as f64;
    let lr = match firth {
        Some((full, intercept_only)) => 2.0 * (full - intercept_only),
        None => 2.0 * (ll - null),
    };
    Fit {
        observations: n,
        df_model,
        df_resid: n - p,
        log_likelihood: ll,
        null_log_likelihood: null,
        lr_chi2: Some(lr),
        lr_p_value: Some(distributions::chi2_sf(lr, df_model)),
        pseudo_r2: 1.0 - ll / null,
        aic: -2.0 * ll + 2.0 * p,
        bic: -2.0 * ll + n.ln() * p,
        deviance: -2.0 * ll,
        penalized_log_likelihood: firth.map(|(full, _)| full),
    }
}

fn scale(v: &mut [f64], by: f64) {
    for x in v {
        *x *= by;
    }
}

fn describe(cov: Covariance, clusters: Option<&Clusters>, penalized: bool, l2: f64) -> String {
    let base = match (cov, clusters) {
        (Covariance::Cluster, Some(c)) => format!(
            "cluster ({:?}, {} clusters; G/(G−1)·(n−1)/(n−P) correction)",
            c.column, c.count
        ),
        _ => cov.name().to_string(),
    };
    if penalized {
        format!(
            "{base}, sandwich of the penalised estimator (λ = {l2}; not the textbook standard errors)"
        )
    } else {
        base
    }
}

/// The covariances of separate fits as one block-diagonal matrix.
fn block_diagonal(parts: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let sizes: Vec<usize> = parts
        .iter()
        .map(|v| (v.len() as f64).sqrt() as usize)
        .collect();
    let total: usize = sizes.iter().sum();
    let mut out = vec![vec![0.0; total]; total];
    let mut at = 0;
    for (v, &p) in parts.iter().zip(&sizes) {
        for r in 0..p {
            for c in 0..p {
                out[at + r][at + c] = v[r * p + c];
            }
        }
        at += p;
    }
    out
}

/// A likelihood-ratio test between nested models.
#[derive(Debug, Clone, Serialize)]
pub struct LrTest {
    pub small_log_likelihood: f64,
    pub big_log_likelihood: f64,
    pub statistic: f64,
    pub df: f64,
    pub p_value: f64,
}

/// The likelihood-ratio test of `small` within `big`, on the data each was read for (the same
/// rows): both maximum-likelihood fits (λ = 0), of the same target, classes and kind, the small
/// model's features among the big one's.
pub fn lr_test(small: (&Model, &Data), big: (&Model, &Data)) -> Result<LrTest> {
    let (ms, ds) = small;
    let (mb, db) = big;
    let refuse = |reason: String| Err(Error::Inference { reason });
    if ms.target != mb.target || ms.labels != mb.labels || ms.multiclass != mb.multiclass {
        return refuse(
            "the models are not nested: they differ in target, classes or multiclass method".into(),
        );
    }
    if ms.multiclass == Multiclass::Ovr {
        return refuse(
            "one-vs-rest models are K separate fits: compare binary or multinomial models".into(),
        );
    }
    for (which, m) in [("first", ms), ("second", mb)] {
        if m.training.l2 > 0.0 {
            return refuse(format!(
                "the {which} model was fitted with an L2 penalty (λ = {}): a likelihood-ratio \
                 test compares maximum-likelihood fits (train with --l2 0)",
                m.training.l2
            ));
        }
        if let Some(s) = &m.training.separation {
            return refuse(separation_message(m, s));
        }
    }
    let missing: Vec<&String> = ms
        .feature_names
        .iter()
        .filter(|f| !mb.feature_names.contains(f))
        .collect();
    if !missing.is_empty() {
        return refuse(format!(
            "the models are not nested: the first model's {} not among the second's features",
            match missing.as_slice() {
                [one] => format!("feature {one:?} is"),
                many => format!(
                    "features {} are",
                    many.iter()
                        .map(|f| format!("{f:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        ));
    }
    if ms.feature_names.len() == mb.feature_names.len() {
        return refuse("the models have the same features: nothing to test".into());
    }
    if ds.y != db.y {
        return refuse("the two models' data have different rows or labels".into());
    }
    let options = Options::default();
    let a = summarize(ms, ds, &options)?;
    let b = summarize(mb, db, &options)?;
    let (ls, lb) = (a.fits[0].log_likelihood, b.fits[0].log_likelihood);
    let df = (b.parameters.len() - a.parameters.len()) as f64;
    let statistic = 2.0 * (lb - ls);
    if statistic < -1e-8 * ls.abs().max(1.0) {
        return refuse(format!(
            "the bigger model fits worse (log-likelihood {lb} against {ls}): the models are not nested fits of the same data"
        ));
    }
    let statistic = statistic.max(0.0);
    Ok(LrTest {
        small_log_likelihood: ls,
        big_log_likelihood: lb,
        statistic,
        df,
        p_value: distributions::chi2_sf(statistic, df),
    })
}
