//! # logreg: logistic regression as a neural network
//!
//! One neuron: inputs x (n features), weights w, bias b.
//!
//! | the lesson | where it lives |
//! |---|---|
//! | z = w·x + b, a = σ(z) | [`graph`] (one example), [`objective`] (the batch) |
//! | L(a, y) = −(y log a + (1 − y) log(1 − a)), computed from z | [`loss`] |
//! | J = (1/m) Σ L + (λ/2)‖w‖² | [`objective::Objective::cost`] |
//! | dz = a − y, dw = x·dz, db = dz | [`graph::Graph::backward`], [`objective::Objective::evaluate`] |
//! | w ← w − α·dw, b ← b − α·db | [`solver::gradient_descent`] |
//! | K neurons: z_k = w_k·x + b_k, a = softmax(z), L = −log a_y, dz_k = a_k − y_k | [`loss::multinomial`], [`objective`] |
//! | row weights: J = Σ s_i L_i / Σ s_i + penalty | [`objective::Objective::weighted`] |
//! | standardised features, model on the raw scale | [`standardize`] |
//! | accuracy, precision, recall, F1, log loss, ROC AUC (per class for K) | [`metrics`] |
//! | the saved model | [`model`] |
//! | weights ranked by \|w_j·s_j\|, odds ratios e^(w_j) | [`weights`] |
//! | the graph drawn: forward values on nodes, dL/du on edges | [`graph_dot`] |
//! | cost curve, ROC, precision–recall, reliability diagram, weights, decision boundary | [`plot`] |
//! | one self-contained HTML training report | [`report`] |
//! | standard errors, p-values, intervals, Wald and likelihood-ratio tests, Firth's fit | [`inference`] |
//! | synthetic data from a known w*, b* | [`synthetic`] |
//!
//! [`train::train`] ties these together; the `logreg` binary is a thin command line over them.

#![warn(clippy::undocumented_unsafe_blocks)]

pub mod data;
pub mod error;
mod gram;
pub mod graph;
pub mod graph_dot;
pub mod inference;
pub mod loss;
pub mod metrics;
pub mod model;
pub mod objective;
pub mod outputs;
pub mod parallel;
pub mod plot;
pub mod report;
pub mod rng;
pub mod separation;
pub mod solver;
pub mod standardize;
pub mod synthetic;
pub mod train;
pub mod weights;

pub use data::{Dataset, Design, Features, Precision};
pub use error::{Error, Result};
pub use model::Model;
pub use objective::{Evaluation, Objective};
pub use solver::{FitReport, Termination};
pub use train::{Init, Solver, TrainOptions, Trained, train};
