//! The log-likelihood of a fitted model's parameters, its derivatives, and the per-row sums the
//! sandwich covariances need, in f64 over fixed row tasks (so every result is the same for any
//! thread count).
//!
//! Parameters θ: one block of q = n + 1 values (b, w) per non-reference class, intercept first.
//! A binary model has one block (its one neuron); a multinomial model K − 1 blocks, block k − 1
//! holding (b_k − b_0, w_k − w_0), class 0 the reference (statsmodels' `MNLogit`), since the K
//! softmax neurons are identified only up to a common shift. With x̃ = (1, x), z_k = θ_k·x̃,
//! z_0 = 0, a_k = e^(z_k) / Σ_l e^(z_l) (binary: a = σ(z)), and frequency weights s_i:
//!
//! - ℓ(θ) = Σ_i s_i log a_{i,y_i}, each term from the logits (log-sum-exp);
//! - the score ∇ℓ: block k is Σ_i s_i (y_ik − a_ik) x̃_i;
//! - the information H = −∇²ℓ: block (k, l) is Σ_i s_i a_ik (δ_kl − a_il) x̃_i x̃_iᵀ (binary:
//!   X̃ᵀ diag(s a (1 − a)) X̃).
//!
//! The sums X̃ᵀ diag(d) X̃ ([`gram`]) are the costly part: for dense storage each task of rows is
//! copied, BLOCK_ROWS rows at a time, into a row-major block and multiplied by faer (one thread
//! per task: faer's own threads busy-wait when another process holds a core); see [`Gram`].

use crate::data::{Design, Features};
use crate::gram::{BLOCK_ROWS, mirrored, to_row_major};
use crate::parallel;

/// A model's likelihood on one data set.
pub struct Likelihood<'a> {
    pub x: &'a Features,
    /// The class index of each row (0 … K − 1).
    pub y: &'a [f64],
    /// Frequency weights (None: every row weighs 1).
    pub s: Option<&'a [f64]>,
    /// K, the classes (2 for a binary model).
    pub classes: usize,
}

/// ℓ, its gradient and the information at one θ.
pub struct Evaluation {
    pub log_likelihood: f64,
    pub score: Vec<f64>,
    /// H = −∇²ℓ, P × P row-major (P = blocks · q).
    pub information: Vec<f64>,
    /// The probabilities a_ik of the non-reference classes (m × blocks).
    pub probabilities: Vec<f64>,
}

impl<'a> Likelihood<'a> {
    /// q, the parameters of one block (the intercept and the features).
    pub fn q(&self) -> usize {
        self.x.design().n_features() + 1
    }

    /// The blocks: K − 1.
    pub fn blocks(&self) -> usize {
        self.classes - 1
    }

    /// P, all parameters.
    pub fn parameters(&self) -> usize {
        self.blocks() * self.q()
    }

    pub fn rows(&self) -> usize {
        self.y.len()
    }

    fn weight(&self, i: usize) -> f64 {
        self.s.map_or(1.0, |s| s[i])
    }

    /// Σ s_i: the number of observations under frequency weights.
    pub fn observations(&self) -> f64 {
        self.s.map_or(self.rows() as f64, |s| s.iter().sum())
    }

    /// z_ik = θ_k·x̃_i for every row and block (m × blocks).
    pub fn logits(&self, theta: &[f64]) -> Vec<f64> {
        let (q, blocks) = (self.q(), self.blocks());
        let x = self.x.design();
        let m = self.rows();
        let mut z = vec![0.0; m * blocks];
        let chunk = 4096;
        use rayon::prelude::*;
        z.par_chunks_mut(chunk * blocks)
            .enumerate()
            .for_each(|(c, out)| {
                let start = c * chunk;
                let rows = out.len() / blocks;
                let mut zk = vec![0.0; rows];
                for k in 0..blocks {
                    let block = &theta[k * q..(k + 1) * q];
                    x.dots(start..start + rows, &block[1..], &mut zk);
                    for (r, v) in zk.iter().enumerate() {
                        out[r * blocks + k] = v + block[0];
                    }
                }
            });
        z
    }

    /// The probabilities a_ik of the non-reference classes (m × blocks) and ℓ, from the logits.
    pub fn probabilities(&self, z: &[f64]) -> (Vec<f64>, f64) {
        let blocks = self.blocks();
        use rayon::prelude::*;
        let parts: Vec<(Vec<f64>, f64)> = parallel::task_ranges(self.rows())
            .into_par_iter()
            .map(|rows| {
                let mut a = Vec::with_capacity(rows.len() * blocks);
                let mut ll = 0.0;
                for i in rows {
                    let zi = &z[i * blocks..(i + 1) * blocks];
                    let yi = self.y[i] as usize;
                    let s = self.weight(i);
                    if blocks == 1 {
                        a.push(crate::loss::sigmoid(zi[0]));
                        ll -= s * crate::loss::loss_from_logit(zi[0], self.y[i]);
                    } else {
                        // log Σ_l e^(z_l) with z_0 = 0, shifted by the largest.
                        let top = zi.iter().copied().fold(0.0f64, f64::max);
                        let sum: f64 =
                            (-top).exp() + zi.iter().map(|v| (v - top).exp()).sum::<f64>();
                        let lse = top + sum.ln();
                        a.extend(zi.iter().map(|v| (v - lse).exp()));
                        let zy = if yi == 0 { 0.0 } else { zi[yi - 1] };
                        ll += s * (zy - lse);
                    }
                }
                (a, ll)
            })
            .collect();
        let mut a = Vec::with_capacity(self.rows() * blocks);
        let mut ll = 0.0;
        for (part, l) in parts {
            a.extend(part);
            ll += l;
        }
        (a, ll)
    }

    /// y_ik − a_ik for row i and block k (class k + 1).
    fn residual(&self, a: &[f64], i: usize, k: usize) -> f64 {
        let blocks = self.blocks();
        let hit = if self.y[i] as usize == k + 1 {
            1.0
        } else {
            0.0
        };
        hit - a[i * blocks + k]
    }

    /// ℓ, the score and the information at θ (for a binary model in one fused pass over the
    /// rows, without the probabilities).
    pub fn evaluate(&self, theta: &[f64]) -> Evaluation {
        if self.blocks() == 1 {
            return self.evaluate_binary(theta);
        }
        let (a, log_likelihood) = self.probabilities(&self.logits(theta));
        let score = self.score(&a);
        let information = self.information(&a);
        Evaluation {
            log_likelihood,
            score,
            information,
            probabilities: a,
        }
    }

    /// [`Likelihood::evaluate`] for one block: each BLOCK_ROWS rows are read for z = θ·x̃, then
    /// again, while still in cache, for the score and for the information, with
    /// a(1 − a) = e/(1 + e)², e = e^(−|z|), which keeps its digits where a rounds to 1.
    fn evaluate_binary(&self, theta: &[f64]) -> Evaluation {
        let q = self.q();
        let x = self.x.design();
        let (b, w) = (theta[0], &theta[1..]);
        let (log_likelihood, score, information) = parallel::map_reduce(
            self.rows(),
            |rows| {
                let mut gram = Gram::new(q);
                let mut g = vec![0.0; q];
                let mut ll = 0.0;
                let mut z = vec![0.0; BLOCK_ROWS];
                let mut coef = vec![0.0; BLOCK_ROWS];
                let mut d = vec![0.0; BLOCK_ROWS];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK_ROWS).min(rows.end);
                    let len = end - start;
                    x.dots(start..end, w, &mut z[..len]);
                    for r in 0..len {
                        let i = start + r;
                        let zi = z[r] + b;
                        let (y, s) = (self.y[i], self.weight(i));
                        ll -= s * crate::loss::loss_from_logit(zi, y);
                        coef[r] = -s * crate::loss::dz(zi, y);
                        let e = (-zi.abs()).exp();
                        d[r] = s * e / ((1.0 + e) * (1.0 + e));
                    }
                    g[0] += coef[..len].iter().sum::<f64>();
                    x.add_rows(start..end, &coef[..len], &mut g[1..]);
                    gram.add(self.x, start..end, &d[..len]);
                    start = end;
                }
                (ll, g, gram.0.sum)
            },
            |a, b| (a.0 + b.0, parallel::add_into(a.1, b.1), a.2 + b.2),
        );
        Evaluation {
            log_likelihood,
            score,
            information: to_row_major(&mirrored(information)),
            probabilities: Vec::new(),
        }
    }

    /// Per block k: Σ_i coef(i, k) x̃_i, the blocks one after another.
    pub(crate) fn row_sums(&self, coef: impl Fn(usize, usize) -> f64 + Sync) -> Vec<f64> {
        let (q, blocks) = (self.q(), self.blocks());
        let x = self.x.design();
        parallel::map_reduce(
            self.rows(),
            |rows| {
                let mut g = vec![0.0; blocks * q];
                let mut c = vec![0.0; rows.len()];
                for k in 0..blocks {
                    for (r, i) in rows.clone().enumerate() {
                        c[r] = coef(i, k);
                    }
                    let block = &mut g[k * q..(k + 1) * q];
                    block[0] += c.iter().sum::<f64>();
                    x.add_rows(rows.clone(), &c, &mut block[1..]);
                }
                g
            },
            parallel::add_into,
        )
    }

    /// ∇ℓ from the probabilities.
    pub fn score(&self, a: &[f64]) -> Vec<f64> {
        self.row_sums(|i, k| self.weight(i) * self.residual(a, i, k))
    }

    /// H = −∇²ℓ from the probabilities.
    pub fn information(&self, a: &[f64]) -> Vec<f64> {
        let blocks = self.blocks();
        self.blocked(|i, k, l| {
            let ak = a[i * blocks + k];
            let al = a[i * blocks + l];
            self.weight(i) * ak * (f64::from(u8::from(k == l)) - al)
        })
    }

    /// The meat Σ_i s_i c_i g_i g_iᵀ of the sandwich, with g_i the score of row i and c_i a
    /// per-row factor (1 for HC0, 1/(1 − h_i) for HC2, 1/(1 − h_i)² for HC3).
    pub fn meat(&self, a: &[f64], factor: Option<&[f64]>) -> Vec<f64> {
        self.blocked(|i, k, l| {
            let c = factor.map_or(1.0, |f| f[i]);
            self.weight(i) * c * self.residual(a, i, k) * self.residual(a, i, l)
        })
    }

    /// The P × P matrix whose block (k, l) is X̃ᵀ diag(d(·, k, l)) X̃, symmetric in (k, l).
    fn blocked(&self, d: impl Fn(usize, usize, usize) -> f64 + Sync) -> Vec<f64> {
        let (q, blocks) = (self.q(), self.blocks());
        let p = blocks * q;
        let mut out = vec![0.0; p * p];
        let m = self.rows();
        for k in 0..blocks {
            for l in k..blocks {
                let dkl: Vec<f64> = (0..m).map(|i| d(i, k, l)).collect();
                let g = gram(self.x, &dkl);
                for r in 0..q {
                    for c in 0..q {
                        let v = g[r * q + c];
                        out[(k * q + r) * p + l * q + c] = v;
                        out[(l * q + c) * p + k * q + r] = v;
                    }
                }
            }
        }
        out
    }

    /// Per cluster g: u_g = Σ_{i ∈ g} s_i g_i (the rows' scores summed), G × P row-major, in
    /// row order.
    pub fn cluster_scores(&self, a: &[f64], cluster: &[u32], clusters: usize) -> Vec<f64> {
        let (q, blocks) = (self.q(), self.blocks());
        let p = blocks * q;
        let x = self.x.design();
        let mut u = vec![0.0; clusters * p];
        for (i, &g) in cluster.iter().enumerate() {
            let g = g as usize;
            for k in 0..blocks {
                let c = self.weight(i) * self.residual(a, i, k);
                let block = &mut u[g * p + k * q..g * p + (k + 1) * q];
                block[0] += c;
                x.for_each_nonzero(i, &mut |j, v| block[1 + j] += c * v);
            }
        }
        u
    }

    /// The leverages h_i = a_i (1 − a_i) x̃_iᵀ V x̃_i of a binary model, V = H⁻¹ (q × q).
    pub fn leverages(&self, a: &[f64], v: &[f64]) -> Vec<f64> {
        let q = self.q();
        let x = self.x.design();
        use rayon::prelude::*;
        (0..self.rows())
            .into_par_iter()
            .map(|i| {
                let mut nz = Vec::new();
                augmented_row(x, i, &mut nz);
                let mut form = 0.0;
                for &(r, xr) in &nz {
                    let mut row = 0.0;
                    for &(c, xc) in &nz {
                        row += v[r * q + c] * xc;
                    }
                    form += xr * row;
                }
                a[i] * (1.0 - a[i]) * form
            })
            .collect()
    }
}

/// The non-zeros of x̃_i = (1, x_i) into `nz` as (position in x̃, value), in order.
fn augmented_row(x: &dyn Design, i: usize, nz: &mut Vec<(usize, f64)>) {
    nz.clear();
    nz.push((0, 1.0));
    x.for_each_nonzero(i, &mut |j, v| nz.push((j + 1, v)));
}

/// X̃ᵀ diag(d) X̃ (q × q row-major, q = n + 1, the column of ones first), summed over the fixed
/// row tasks of [`parallel`] in their fixed order.
pub fn gram(x: &Features, d: &[f64]) -> Vec<f64> {
    let q = x.design().n_features() + 1;
    let total = parallel::map_reduce(
        x.design().n_rows(),
        |rows| {
            let mut g = Gram::new(q);
            let mut start = rows.start;
            while start < rows.end {
                let end = (start + BLOCK_ROWS).min(rows.end);
                g.add(x, start..end, &d[start..end]);
                start = end;
            }
            g.0.sum
        },
        |a, b| a + b,
    );
    to_row_major(&mirrored(total))
}

/// The lower triangle of X̃ᵀ diag(d) X̃ summed block by block: dense blocks through
/// [`crate::gram::Gram`], other storage row by row from its non-zeros.
struct Gram(crate::gram::Gram);

impl Gram {
    fn new(q: usize) -> Self {
        Gram(crate::gram::Gram::new(q))
    }

    /// Adds rows `rows` with weights `d` (d[r] for row rows.start + r).
    fn add(&mut self, x: &Features, rows: std::ops::Range<usize>, d: &[f64]) {
        match x {
            Features::Dense64(dense) => {
                self.add_dense(rows, d, |i, out| out.copy_from_slice(dense.row(i)))
            }
            Features::Dense32(dense) => self.add_dense(rows, d, |i, out| {
                for (o, &v) in out.iter_mut().zip(dense.row(i)) {
                    *o = f64::from(v);
                }
            }),
            _ => self.add_nonzeros(x.design(), rows, d),
        }
    }

    /// Dense rows, each written by `fill` after the column of ones.
    fn add_dense(
        &mut self,
        rows: std::ops::Range<usize>,
        d: &[f64],
        fill: impl Fn(usize, &mut [f64]),
    ) {
        let q = self.0.q();
        self.0.add_block(rows.len(), d, |b| {
            for (out, i) in b.chunks_exact_mut(q).zip(rows) {
                out[0] = 1.0;
                fill(i, &mut out[1..]);
            }
        });
    }

    fn add_nonzeros(&mut self, x: &dyn Design, rows: std::ops::Range<usize>, d: &[f64]) {
        let mut nz = Vec::new();
        for (r, i) in rows.enumerate() {
            augmented_row(x, i, &mut nz);
            for &(row, xr) in &nz {
                let dr = d[r] * xr;
                for &(col, xc) in &nz {
                    if col > row {
                        break;
                    }
                    self.0.sum[(row, col)] += dr * xc;
                }
            }
        }
    }
}
