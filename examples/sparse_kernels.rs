//! Times the passes on a LIBSVM file (a quick check of the sparse kernels, not a test).
//! Usage: `cargo run --release --example sparse_kernels FILE.svm`.
use logreg::Objective;
use logreg::data::{self, LoadOptions};
use logreg::standardize::Standardization;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("a LIBSVM file");
    let d = data::load_training(path.as_ref(), &LoadOptions::default()).expect("readable data");
    let n = d.n_features();
    let scaling = Standardization::identity(n);
    let objective = Objective::new(d.design(), &d.y, 1e-4, &scaling);
    let theta: Vec<f64> = (0..=n).map(|j| (j % 7) as f64 * 0.01).collect();
    let time = |f: &dyn Fn()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .fold(f64::INFINITY, f64::min)
    };
    let fused = time(&|| drop(std::hint::black_box(objective.evaluate(&theta))));
    let newton = time(&|| {
        drop(std::hint::black_box(
            objective.evaluate_with_hessian(&theta),
        ))
    });
    let hessian = objective.hessian(&theta);
    let hv = time(&|| drop(std::hint::black_box(hessian.apply(&theta))));
    println!(
        "{} rows, {n} features, {} threads: J+grad {fused:.1} ms, Newton pass {newton:.1} ms, Hv {hv:.1} ms",
        d.n_rows(),
        rayon::current_num_threads()
    );
}
