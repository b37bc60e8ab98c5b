//! Where a dense J + ∇J pass spends its time, kernel by kernel, on one thread: the dot products
//! (`dots`), Xᵀc (`add_rows`), the loss and σ for a block of logits (`forward`), and the whole
//! fused pass (`evaluate`), against a plain sum of the same f32 values. With a small matrix
//! (the default, 2,048 × 100 f32 = 800 KB) everything sits in L2, so this shows the arithmetic
//! alone; with 1,000,000 rows it shows one core reading from memory. Not a test.
//!
//! Usage: `RAYON_NUM_THREADS=1 cargo run --release --example pass_parts [ROWS] [FEATURES] [REPEATS]`
use logreg::Objective;
use logreg::data::{DenseMatrix, Design};
use logreg::loss::block;
use logreg::standardize::Standardization;
use std::time::Instant;

/// Best time of 20 runs of `f`, in seconds.
fn best(f: &mut dyn FnMut()) -> f64 {
    (0..20)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a whole number"));
    let m = args.next().unwrap_or(2048);
    let n = args.next().unwrap_or(100);
    let repeats = args.next().unwrap_or((400_000_000 / (m * n)).max(1));
    let values: Vec<f32> = (0..m * n)
        .map(|k| ((k * 7919) % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    let y: Vec<f64> = (0..m).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
    let x = DenseMatrix::from_row_major(values.clone(), m, n);
    let w: Vec<f64> = (0..n).map(|j| j as f64 / n as f64 * 0.01).collect();
    let b = block::MAX_BLOCK;
    let (mut z, mut a, mut g) = (vec![0.0; m], vec![0.0; b], vec![0.0; n]);
    // Each kernel over all rows, in the objective's blocks.
    let blocks: Vec<_> = (0..m).step_by(b).map(|s| s..(s + b).min(m)).collect();
    let sum = best(&mut || {
        for _ in 0..repeats {
            let mut acc = [0.0f32; 16];
            for c in values.chunks_exact(16) {
                for k in 0..16 {
                    acc[k] += c[k];
                }
            }
            std::hint::black_box(acc);
        }
    });
    let dots = best(&mut || {
        for _ in 0..repeats {
            for r in &blocks {
                x.dots(r.clone(), &w, &mut z[r.clone()]);
            }
        }
    });
    let add = best(&mut || {
        for _ in 0..repeats {
            for r in &blocks {
                x.add_rows(r.clone(), &z[r.clone()], &mut g);
            }
        }
    });
    let forward = best(&mut || {
        for _ in 0..repeats {
            for r in &blocks {
                let len = r.len();
                let loss =
                    block::forward(&z[r.clone()], 0.1, &y[r.clone()], None, &mut a[..len], true);
                std::hint::black_box(loss);
            }
        }
    });
    let scaling = Standardization::identity(n);
    let objective = Objective::new(&x, &y, 1e-4, &scaling);
    let theta: Vec<f64> = (0..=n).map(|j| j as f64 / n as f64 * 0.01).collect();
    let evaluate = best(&mut || {
        for _ in 0..repeats {
            std::hint::black_box(objective.evaluate(&theta));
        }
    });
    let per_element = |t: f64| t / (m * n * repeats) as f64 * 1e9;
    println!(
        "{m} x {n} f32, {} thread(s), ns per element: plain sum {:.3}, dots {:.3}, add_rows {:.3}, \
         forward {:.3} ({:.2} ns per row), evaluate {:.3}",
        rayon::current_num_threads(),
        per_element(sum),
        per_element(dots),
        per_element(add),
        per_element(forward),
        forward / (m * repeats) as f64 * 1e9,
        per_element(evaluate),
    );
}
