//! Times one fused cost-and-gradient pass, one gradient-only pass and one Hessian-vector pass
//! on a synthetic m × n f32 matrix, against a plain read of the same bytes (a quick check of the
//! kernels, not a test). Usage: `cargo run --release --example kernels [ROWS] [FEATURES]`.
use logreg::Objective;
use logreg::data::DenseMatrix;
use logreg::standardize::Standardization;
use std::time::Instant;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let (m, n) = (args.next().unwrap_or(1_000_000), args.next().unwrap_or(100));
    let values: Vec<f32> = (0..m * n)
        .map(|k| ((k * 7919) % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    let y: Vec<f64> = (0..m).map(|i| (i % 3 == 0) as u8 as f64).collect();
    let x = DenseMatrix::from_row_major(values.clone(), m, n);
    let scaling = Standardization::identity(n);
    let objective = Objective::new(&x, &y, 1e-4, &scaling);
    let theta: Vec<f64> = (0..=n).map(|j| j as f64 / n as f64 * 0.01).collect();
    let best = |f: &dyn Fn() -> f64| (0..5).map(|_| f()).fold(f64::INFINITY, f64::min);
    let time = |f: &dyn Fn()| {
        best(&|| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
    };
    let read = time(&|| {
        use rayon::prelude::*;
        // Sixteen independent lanes so the adds never limit the read.
        let s: f32 = values
            .par_chunks(1 << 16)
            .map(|c| {
                let mut acc = [0.0f32; 16];
                for block in c.chunks_exact(16) {
                    for k in 0..16 {
                        acc[k] += block[k];
                    }
                }
                acc.iter().sum::<f32>()
            })
            .sum();
        std::hint::black_box(s);
    });
    let fused = time(&|| {
        std::hint::black_box(objective.evaluate(&theta));
    });
    let gradient = time(&|| {
        std::hint::black_box(objective.gradient(&theta));
    });
    let hessian = objective.hessian(&theta);
    let hv = time(&|| {
        std::hint::black_box(hessian.apply(&theta));
    });
    let newton = time(&|| {
        std::hint::black_box(objective.evaluate_with_hessian(&theta));
    });
    let curvature = time(&|| {
        std::hint::black_box(objective.evaluate_with_curvature(&theta));
    });
    // The solvers' coordinates are centred (the Hessian's diagonal then needs the shift).
    let centred = Standardization::fit(&x);
    let centred_objective = Objective::new(&x, &y, 1e-4, &centred);
    let newton_centred = time(&|| {
        std::hint::black_box(centred_objective.evaluate_with_hessian(&theta));
    });
    println!(
        "{m} x {n} f32, {} threads: plain read {read:.1} ms, J+grad {fused:.1} ms ({:.2}x), grad {gradient:.1} ms, Hv {hv:.1} ms ({:.2}x), Newton pass {newton:.1} ms (centred {newton_centred:.1} ms), J+grad+D {curvature:.1} ms",
        rayon::current_num_threads(),
        fused / read,
        hv / read
    );
}
