//! Deterministic data parallelism: fixed row blocks, reduced in a fixed order.
//!
//! Rows are cut into tasks whose boundaries depend only on the number of rows, never on the
//! number of threads. Each task produces a partial result (for example a partial gradient summed
//! in row order), and the partials are then added in task order. Floating-point addition is not
//! associative, so this is what makes `--threads 1` and `--threads 8` give bit-identical models.

use rayon::prelude::*;
use std::ops::Range;

/// Fewest rows worth a task of its own.
const MIN_ROWS_PER_TASK: usize = 8192;
/// Most tasks per pass: bounds the memory of per-task partial results.
const MAX_TASKS: usize = 64;

/// The fixed partition of `rows` rows into contiguous tasks.
pub fn task_ranges(rows: usize) -> Vec<Range<usize>> {
    let tasks = (rows / MIN_ROWS_PER_TASK).clamp(1, MAX_TASKS);
    let base = rows / tasks;
    let extra = rows % tasks;
    let mut start = 0;
    (0..tasks)
        .map(|t| {
            let len = base + usize::from(t < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// Maps every task of `rows` in parallel, then folds the partial results in task order.
pub fn map_reduce<T, M, R>(rows: usize, map: M, mut reduce: R) -> T
where
    T: Send,
    M: Fn(Range<usize>) -> T + Sync,
    R: FnMut(T, T) -> T,
{
    let partials: Vec<T> = task_ranges(rows).into_par_iter().map(&map).collect();
    let mut iter = partials.into_iter();
    let first = iter.next().expect("task_ranges is never empty");
    iter.fold(first, &mut reduce)
}

/// Adds `b` into `a` element by element (the usual reduce step for partial gradients).
pub fn add_into(mut a: Vec<f64>, b: Vec<f64>) -> Vec<f64> {
    for (x, y) in a.iter_mut().zip(&b) {
        *x += y;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_cover_all_rows_in_order() {
        for rows in [0, 1, 8191, 8192, 100_000, 10_000_000] {
            let ranges = task_ranges(rows);
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, rows);
            assert!(ranges.windows(2).all(|p| p[0].end == p[1].start));
            assert!(ranges.len() <= MAX_TASKS);
        }
    }
}
