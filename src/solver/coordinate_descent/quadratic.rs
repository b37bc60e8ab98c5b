//! The quadratic model of one Newton iteration, q(d) = gᵀd + ½dᵀHd + Σ_i l_i |θ_i + d_i| over
//! a working set of coordinates, and coordinate descent on it.
//!
//! H = (1/S) Σ_i s_i (C_i ⊗ x̃_i x̃_iᵀ) + λ₂ diag(c_j on weights, 0 on biases) restricted to the
//! working set, with x̃_ij = (x_ij − μ_j)/s_j, x̃ with a 1 for the bias, and the curvature of
//! the objective's pass: for one neuron D_i = s_i a_i(1 − a_i)/S, for K neurons
//! p_ik = s_i a_ik/S, so that (s_i/S) C_i = diag(p_i) − p_i a_iᵀ.
//!
//! Coordinate i's exact minimiser given the others is a soft threshold:
//! θ_i + d_i ← S(θ_i + d_i − G_i/H_ii, l_i/H_ii), G_i = g_i + (Hd)_i. Two ways to know G_i:
//! - [`GramModel`] holds H of the working set (one neuron): G = g + Hd is kept, a step of δ
//!   on coordinate i adds δ·H_{·i}.
//! - [`ColumnModel`] keeps u = X̃d (K per row; for K neurons also r_i = a_i·u_i): then
//!   (Hd)_kj = Σ_i x̃_ij (p_ik (u_ik − r_i)) + λ₂c_j d_kj, read from column j, and a step adds
//!   δx̃_ij to u_ik on the column's rows (a bias: on every row).

use crate::data::columns::Columns;
use crate::gram::{BLOCK_ROWS, Gram, mirrored};
use crate::objective::Objective;
use crate::parallel;

/// One coordinate of the working set: a weight of class `class`, or its bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coordinate {
    pub class: usize,
    /// None: the bias.
    pub feature: Option<usize>,
}

/// What coordinate descent needs of H.
pub trait Quadratic {
    /// H_ii.
    fn curvature(&self, i: usize) -> f64;
    /// G_i = g_i + (Hd)_i at the current d.
    fn slope(&self, i: usize) -> f64;
    /// d_i += δ.
    fn step(&mut self, i: usize, delta: f64);
}

/// The distance of 0 from ∂_i of the objective: with slope g at θ_i and L1 weight l,
/// |g + l·sign θ_i| if θ_i ≠ 0, else (|g| − l)₊.
pub fn violation(g: f64, theta: f64, l: f64) -> f64 {
    if theta > 0.0 {
        (g + l).abs()
    } else if theta < 0.0 {
        (g - l).abs()
    } else {
        (g.abs() - l).max(0.0)
    }
}

/// S(v, t) = sign(v)·(|v| − t)₊.
fn soft(v: f64, t: f64) -> f64 {
    if v > t {
        v - t
    } else if v < -t {
        v + t
    } else {
        0.0
    }
}

/// Coordinate descent on q from d = 0: sweeps of the coordinates that are non-zero (and the
/// biases) until they settle, then a sweep of all; stops when a full sweep finds no violation
/// above `tolerance`, or after `max_sweeps` sweeps. Returns d and q(d) − q(0) (≤ 0).
pub fn descend(
    model: &mut dyn Quadratic,
    start: &[f64],
    l1: &[f64],
    tolerance: f64,
    max_sweeps: usize,
) -> (Vec<f64>, f64) {
    let len = start.len();
    let mut d = vec![0.0; len];
    let mut change = 0.0;
    let mut sweeps = 0;
    let update = |i: usize, d: &mut [f64], change: &mut f64, model: &mut dyn Quadratic| {
        let h = model.curvature(i);
        let g = model.slope(i);
        let current = start[i] + d[i];
        let worst = violation(g, current, l1[i]);
        // No curvature (a constant column without λ₂): nothing to minimise along it.
        if h.is_nan() || h <= 0.0 {
            return 0.0;
        }
        let new = soft(current - g / h, l1[i] / h);
        let delta = new - current;
        if delta != 0.0 {
            model.step(i, delta);
            d[i] = new - start[i];
            *change += g * delta + 0.5 * h * delta * delta + l1[i] * (new.abs() - current.abs());
        }
        worst
    };
    while sweeps < max_sweeps {
        sweeps += 1;
        let mut worst: f64 = 0.0;
        for i in 0..len {
            worst = worst.max(update(i, &mut d, &mut change, model));
        }
        if worst <= tolerance {
            break;
        }
        let active: Vec<usize> = (0..len)
            .filter(|&i| l1[i] == 0.0 || start[i] + d[i] != 0.0)
            .collect();
        while sweeps < max_sweeps {
            sweeps += 1;
            let mut worst: f64 = 0.0;
            for &i in &active {
                worst = worst.max(update(i, &mut d, &mut change, model));
            }
            if worst <= tolerance {
                break;
            }
        }
    }
    (d, change)
}

/// H of the working set of one neuron on dense data (see the module docs).
pub struct GramModel {
    width: usize,
    /// H, width × width row-major, coordinates in working-set order (the bias last).
    h: Vec<f64>,
    /// G = g + Hd.
    slope: Vec<f64>,
}

impl GramModel {
    /// Sums X̃_Wᵀ D X̃_W in one pass over the rows (faer products of row blocks, fixed tasks).
    pub fn new(objective: &Objective, d: &[f64], coords: &[Coordinate], g: &[f64]) -> Self {
        let x = objective.design();
        let scaling = objective.scaling();
        let features: Vec<usize> = coords.iter().filter_map(|c| c.feature).collect();
        let width = features.len() + 1;
        let mean: Vec<f64> = features.iter().map(|&j| scaling.mean[j]).collect();
        let inv: Vec<f64> = features.iter().map(|&j| 1.0 / scaling.scale[j]).collect();
        let total = parallel::map_reduce(
            x.n_rows(),
            |rows| {
                let mut gram = Gram::new(width);
                let mut raw = vec![0.0; BLOCK_ROWS * features.len()];
                let mut start = rows.start;
                while start < rows.end {
                    let end = (start + BLOCK_ROWS).min(rows.end);
                    let len = end - start;
                    x.gather(start..end, &features, &mut raw);
                    gram.add_block(len, &d[start..end], |b| {
                        for (out, row) in b
                            .chunks_exact_mut(width)
                            .zip(raw.chunks_exact(features.len().max(1)))
                        {
                            for (((o, &v), mu), inv) in out.iter_mut().zip(row).zip(&mean).zip(&inv)
                            {
                                *o = (v - mu) * inv;
                            }
                            out[width - 1] = 1.0;
                        }
                    });
                    start = end;
                }
                gram.sum
            },
            |a, b| a + b,
        );
        let total = mirrored(total);
        let l2 = objective.l2();
        let mut h = vec![0.0; width * width];
        for r in 0..width {
            for c in 0..width {
                h[r * width + c] = total[(r, c)];
            }
        }
        for (i, &j) in features.iter().enumerate() {
            h[i * width + i] += l2 * objective.penalty_factors().map_or(1.0, |c| c[j]);
        }
        GramModel {
            width,
            h,
            slope: g.to_vec(),
        }
    }
}

impl Quadratic for GramModel {
    fn curvature(&self, i: usize) -> f64 {
        self.h[i * self.width + i]
    }

    fn slope(&self, i: usize) -> f64 {
        self.slope[i]
    }

    fn step(&mut self, i: usize, delta: f64) {
        let row = &self.h[i * self.width..(i + 1) * self.width];
        for (s, h) in self.slope.iter_mut().zip(row) {
            *s += delta * h;
        }
    }
}

/// H through a column view and u = X̃d (see the module docs).
pub struct ColumnModel<'c> {
    columns: &'c Columns,
    coords: Vec<Coordinate>,
    mean: &'c [f64],
    scale: &'c [f64],
    k: usize,
    /// p_ik (K = 1: D_i).
    p: &'c [f64],
    /// a_ik = p_ik / Σ_l p_il (K > 1 only).
    a: Vec<f64>,
    /// u = X̃d, m × K.
    u: Vec<f64>,
    /// r_i = a_i·u_i (K > 1 only).
    r: Vec<f64>,
    g: Vec<f64>,
    /// λ₂c_j per coordinate (0 on biases).
    ridge: Vec<f64>,
    d: Vec<f64>,
    h: Vec<f64>,
}

impl<'c> ColumnModel<'c> {
    pub fn new(
        objective: &'c Objective,
        columns: &'c Columns,
        p: &'c [f64],
        coords: Vec<Coordinate>,
        g: &[f64],
    ) -> Self {
        let k = objective.outputs();
        let m = objective.rows();
        let scaling = objective.scaling();
        let a = if k > 1 {
            let mut a = p.to_vec();
            for row in a.chunks_exact_mut(k) {
                let total: f64 = row.iter().sum();
                for v in row.iter_mut() {
                    *v = if total > 0.0 { *v / total } else { 0.0 };
                }
            }
            a
        } else {
            Vec::new()
        };
        let l2 = objective.l2();
        let ridge: Vec<f64> = coords
            .iter()
            .map(|c| {
                c.feature.map_or(0.0, |j| {
                    l2 * objective.penalty_factors().map_or(1.0, |f| f[j])
                })
            })
            .collect();
        let mut model = ColumnModel {
            columns,
            mean: &scaling.mean,
            scale: &scaling.scale,
            k,
            p,
            a,
            u: vec![0.0; m * k],
            r: vec![0.0; if k > 1 { m } else { 0 }],
            g: g.to_vec(),
            ridge,
            d: vec![0.0; coords.len()],
            h: Vec::new(),
            coords,
        };
        model.h = (0..model.coords.len())
            .map(|i| {
                let class = model.coords[i].class;
                let mut h = 0.0;
                model.for_each(i, |row, x| {
                    let at = row * k + class;
                    let c = if k > 1 {
                        model.p[at] * (1.0 - model.a[at])
                    } else {
                        model.p[at]
                    };
                    h += c * x * x;
                });
                h + model.ridge[i]
            })
            .collect();
        model
    }

    /// Calls `f(row, x̃)` for every entry of coordinate i's column (a bias: every row, x̃ = 1).
    fn for_each(&self, i: usize, mut f: impl FnMut(usize, f64)) {
        match self.coords[i].feature {
            Some(j) => {
                let (rows, values) = self.columns.column(j);
                let (mu, inv) = (self.mean[j], 1.0 / self.scale[j]);
                for (&row, &v) in rows.iter().zip(values) {
                    f(row as usize, (f64::from(v) - mu) * inv);
                }
            }
            None => {
                for row in 0..self.p.len() / self.k {
                    f(row, 1.0);
                }
            }
        }
    }
}

impl ColumnModel<'_> {
    /// Σ_i x̃_ij c_i over column j's entries, as inv_j·(Σ x_ij c_i − μ_j Σ c_i): two sums per
    /// entry (the second only for centred columns).
    fn column_sum(&self, j: usize, c: impl Fn(usize) -> f64) -> f64 {
        let (rows, values) = self.columns.column(j);
        let (mu, inv) = (self.mean[j], 1.0 / self.scale[j]);
        let (mut xc, mut sc) = (0.0, 0.0);
        if mu == 0.0 {
            for (&row, &v) in rows.iter().zip(values) {
                xc += f64::from(v) * c(row as usize);
            }
        } else {
            for (&row, &v) in rows.iter().zip(values) {
                let ci = c(row as usize);
                xc += f64::from(v) * ci;
                sc += ci;
            }
        }
        inv * (xc - mu * sc)
    }
}

impl Quadratic for ColumnModel<'_> {
    fn curvature(&self, i: usize) -> f64 {
        self.h[i]
    }

    fn slope(&self, i: usize) -> f64 {
        let (k, class) = (self.k, self.coords[i].class);
        // One neuron: D_i u_i; K neurons: p_ik (u_ik − r_i).
        let sum = match (self.coords[i].feature, k) {
            (Some(j), 1) => self.column_sum(j, |row| self.p[row] * self.u[row]),
            (Some(j), _) => self.column_sum(j, |row| {
                let at = row * k + class;
                self.p[at] * (self.u[at] - self.r[row])
            }),
            (None, 1) => self.p.iter().zip(&self.u).map(|(p, u)| p * u).sum(),
            (None, _) => (0..self.r.len())
                .map(|row| {
                    let at = row * k + class;
                    self.p[at] * (self.u[at] - self.r[row])
                })
                .sum(),
        };
        self.g[i] + sum + self.ridge[i] * self.d[i]
    }

    fn step(&mut self, i: usize, delta: f64) {
        let (k, class) = (self.k, self.coords[i].class);
        let mut u = std::mem::take(&mut self.u);
        let mut r = std::mem::take(&mut self.r);
        if k == 1 {
            self.for_each(i, |row, x| u[row] += delta * x);
        } else {
            self.for_each(i, |row, x| {
                let at = row * k + class;
                u[at] += delta * x;
                r[row] += self.a[at] * delta * x;
            });
        }
        self.u = u;
        self.r = r;
        self.d[i] += delta;
    }
}
