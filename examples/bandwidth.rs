//! Memory-bandwidth probe for the benchmark: how long one plain read of a matrix's bytes takes.
//!
//! Allocates `rows × features` f32 values (the size of logreg's default in-memory X), then sums
//! them in parallel row chunks, `reps` times, and prints the best time as JSON. A solver pass
//! over X can be no faster than this, so the benchmark reports (fit seconds / passes) divided by
//! this time: the closer to 1, the nearer a pass is to the memory-bandwidth limit.
//!
//! Run: `cargo run --release --example bandwidth -- ROWS FEATURES [REPS] [f32|f64]`

use rayon::prelude::*;
use std::time::Instant;

/// Sums a slice with 16 independent accumulators, so the loop vectorises.
fn sum<T: Copy + Into<f64> + Default + std::ops::Add<Output = T>>(x: &[T]) -> f64 {
    let mut acc = [T::default(); 16];
    let chunks = x.chunks_exact(16);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..16 {
            acc[k] = acc[k] + c[k];
        }
    }
    acc.iter().chain(rest).map(|&v| v.into()).sum()
}

fn probe<T>(len: usize, reps: usize) -> (f64, f64)
where
    T: Copy + Into<f64> + Default + std::ops::Add<Output = T> + Send + Sync + From<u8>,
{
    let chunk = 1 << 16;
    let mut x = vec![T::default(); len];
    x.par_chunks_mut(chunk).enumerate().for_each(|(c, part)| {
        for (i, v) in part.iter_mut().enumerate() {
            *v = T::from(((c + i) % 7) as u8);
        }
    });
    let mut best = f64::INFINITY;
    let mut total = 0.0;
    for _ in 0..reps {
        let start = Instant::now();
        total = x.par_chunks(chunk).map(sum).sum::<f64>();
        best = best.min(start.elapsed().as_secs_f64());
    }
    (best, total)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| {
        args.get(i)
            .map(|a| a.parse::<usize>().expect("a whole number"))
            .unwrap_or(default)
    };
    let rows = number(0, 1_000_000);
    let features = number(1, 100);
    let reps = number(2, 20).max(1);
    let precision = args.get(3).map(String::as_str).unwrap_or("f32");
    let len = rows * features;
    let (best, checksum, width) = match precision {
        "f64" => {
            let (b, c) = probe::<f64>(len, reps);
            (b, c, 8)
        }
        _ => {
            let (b, c) = probe::<f32>(len, reps);
            (b, c, 4)
        }
    };
    let bytes = len * width;
    println!(
        "{{\"rows\": {rows}, \"features\": {features}, \"precision\": \"{precision}\", \"bytes\": {bytes}, \"threads\": {}, \"best_seconds\": {best}, \"gb_per_s\": {}, \"checksum\": {checksum}}}",
        rayon::current_num_threads(),
        bytes as f64 / best / 1e9
    );
}
