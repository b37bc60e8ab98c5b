//! The K-column kernels of a dense multinomial pass, old against new, interleaved in one
//! process: `dots_k` (K logits per row) and `add_rows_k` (Xᵀdz for K columns) over the
//! objective's blocks of rows, and a whole J + ∇J pass, each with the `Design` trait's defaults
//! (K passes of the one-vector kernels, through a wrapper that hides the dense overrides) and
//! with the register-blocked dense kernels. Times in ns per element of X times K (m · n · K),
//! the best of each round, for several rounds. With the default 2,048 rows everything sits in
//! L2 (the arithmetic alone); with 1,000,000 rows a pass reads X from memory. Not a test.
//!
//! Usage: `cargo run --release --example class_kernels [ROWS] [FEATURES] [CLASSES] [ROUNDS] [f32|f64]`
use logreg::Objective;
use logreg::data::{DenseMatrix, Design, Element};
use logreg::loss::{Loss, block};
use logreg::standardize::Standardization;
use std::ops::Range;
use std::time::Instant;

/// A design with every kernel of `D` but the K-column ones: those are the trait's defaults.
struct OneClassAtATime<'a, D>(&'a D);

impl<D: Design> Design for OneClassAtATime<'_, D> {
    fn n_rows(&self) -> usize {
        self.0.n_rows()
    }
    fn n_features(&self) -> usize {
        self.0.n_features()
    }
    fn dots(&self, rows: Range<usize>, w: &[f64], out: &mut [f64]) {
        self.0.dots(rows, w, out)
    }
    fn add_rows(&self, rows: Range<usize>, coef: &[f64], g: &mut [f64]) {
        self.0.add_rows(rows, coef, g)
    }
    fn add_squared_rows(
        &self,
        rows: Range<usize>,
        coef: &[f64],
        shift: Option<&[f64]>,
        g: &mut [f64],
    ) {
        self.0.add_squared_rows(rows, coef, shift, g)
    }
    fn row_values(&self, i: usize) -> Vec<f64> {
        self.0.row_values(i)
    }
    fn for_each_nonzero(&self, i: usize, f: &mut dyn FnMut(usize, f64)) {
        self.0.for_each_nonzero(i, f)
    }
    fn precision(&self) -> &'static str {
        self.0.precision()
    }
}

/// Best time of `tries` runs of `f`, in seconds.
fn best(tries: usize, f: &mut dyn FnMut()) -> f64 {
    (0..tries)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn run<T: Element>(m: usize, n: usize, k: usize, rounds: usize) {
    let values: Vec<T> = (0..m * n)
        .map(|v| T::from_f64(((v * 7919) % 1000) as f64 / 1000.0 - 0.5).unwrap())
        .collect();
    let y: Vec<f64> = (0..m).map(|i| (i % k) as f64).collect();
    let x = DenseMatrix::from_row_major(values, m, n);
    let old = OneClassAtATime(&x);
    let designs: [(&str, &dyn Design); 2] = [("old", &old), ("new", &x)];
    let wt: Vec<f64> = (0..n * k).map(|v| (v as f64 * 0.37).sin() * 0.01).collect();
    let coef: Vec<f64> = (0..m * k).map(|v| (v as f64 * 0.11).cos() * 0.1).collect();
    let b = block::MAX_BLOCK;
    let blocks: Vec<_> = (0..m).step_by(b).map(|s| s..(s + b).min(m)).collect();
    let repeats = (200_000_000 / (m * n * k)).max(1);
    let scaling = Standardization::identity(n);
    let theta: Vec<f64> = (0..k * (n + 1))
        .map(|v| (v as f64 * 0.3).sin() * 0.01)
        .collect();
    let per_element = |t: f64| t / (m * n * k * repeats) as f64 * 1e9;
    let passes = (20_000_000 / (m * n)).clamp(1, 20);
    let per_pass_element = |t: f64| t / (m * n * k * passes) as f64 * 1e9;
    // [kernel][design] → the best time of each round.
    let mut times = vec![vec![Vec::new(); 2]; 3];
    for _ in 0..rounds {
        for (d, (_, x)) in designs.iter().enumerate() {
            let mut z = vec![0.0; m * k];
            times[0][d].push(per_element(best(5, &mut || {
                for _ in 0..repeats {
                    for r in &blocks {
                        x.dots_k(r.clone(), &wt, k, &mut z[r.start * k..r.end * k]);
                    }
                }
                std::hint::black_box(&z);
            })));
            let mut g = vec![0.0; n * k];
            times[1][d].push(per_element(best(5, &mut || {
                for _ in 0..repeats {
                    for r in &blocks {
                        x.add_rows_k(r.clone(), &coef[r.start * k..r.end * k], k, &mut g);
                    }
                }
                std::hint::black_box(&g);
            })));
            let objective =
                Objective::new(*x, &y, 1e-4, &scaling).with_loss(Loss::Multinomial { classes: k });
            times[2][d].push(per_pass_element(best(3, &mut || {
                for _ in 0..passes {
                    std::hint::black_box(objective.evaluate(&theta));
                }
            })));
        }
    }
    println!(
        "{m} x {n} {}, K = {k}, {} thread(s), ns per element of X times K, best of each of {rounds} rounds:",
        T::NAME,
        rayon::current_num_threads()
    );
    for (name, t) in ["dots_k", "add_rows_k", "J + grad pass"].iter().zip(&times) {
        let median = |v: &[f64]| {
            let mut v = v.to_vec();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let show = |v: &[f64]| {
            v.iter()
                .map(|t| format!("{t:.4}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "  {name:>13}: old {} | new {} | new/old (medians) {:.3}",
            show(&t[0]),
            show(&t[1]),
            median(&t[1]) / median(&t[0])
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| {
        args.get(i)
            .map_or(default, |a| a.parse().expect("a whole number"))
    };
    let (m, n, k, rounds) = (number(0, 2048), number(1, 100), number(2, 10), number(3, 5));
    match args.get(4).map_or("f32", String::as_str) {
        "f64" => run::<f64>(m, n, k, rounds),
        _ => run::<f32>(m, n, k, rounds),
    }
}
