//! Times the dense kernels on a synthetic 100,000 × 100 f32 matrix (a quick check, not a test).
use logreg::Design;
use logreg::data::DenseMatrix;
use std::time::Instant;

fn main() {
    let (m, n) = (100_000, 100);
    let values: Vec<f32> = (0..m * n)
        .map(|k| ((k * 7919) % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    let x = DenseMatrix::from_row_major(values, m, n);
    let w: Vec<f64> = (0..n).map(|j| j as f64 / n as f64).collect();
    let mut z = vec![0.0; m];
    let mut g = vec![0.0; n];
    for _ in 0..3 {
        let t = Instant::now();
        x.dots(0..m, &w, &mut z);
        let a = t.elapsed();
        let t = Instant::now();
        x.add_rows(0..m, &z, &mut g);
        let b = t.elapsed();
        let t = Instant::now();
        let s: f64 = z
            .iter()
            .map(|&v| logreg::loss::loss_from_logit(v, 1.0) + logreg::loss::sigmoid(v))
            .sum();
        let c = t.elapsed();
        println!(
            "dots {:?}  add_rows {:?}  loss+sigmoid {:?} ({s:.3})",
            a, b, c
        );
    }
}
