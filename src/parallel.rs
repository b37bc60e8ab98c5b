//! Deterministic data parallelism: fixed row blocks, reduced in a fixed order.
//!
//! Rows are cut into tasks whose boundaries depend only on the number of rows, never on the
//! number of threads. Each task produces a partial result (for example a partial gradient summed
//! in row order), and the partials are then combined pairwise in a fixed binary tree over the
//! tasks: the result for a run of tasks is (its left half) + (its right half), halves split at
//! the middle task. Floating-point addition is not associative, so a fixed shape is what makes
//! `--threads 1` and `--threads 8` give bit-identical models. The tree also runs in parallel and
//! keeps only a few partials alive at a time: with wide sparse data each partial gradient is
//! n × 8 bytes, and holding every task's at once (64 × 400 KB at n = 50,000) cost page faults
//! and cache misses on every pass.

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

/// Maps every task of `rows` in parallel and combines the partial results in the fixed tree
/// described in the module docs; `reduce(left, right)` always gets the earlier rows on the left.
pub fn map_reduce<T, M, R>(rows: usize, map: M, reduce: R) -> T
where
    T: Send,
    M: Fn(Range<usize>) -> T + Sync,
    R: Fn(T, T) -> T + Sync,
{
    tree(&task_ranges(rows), &map, &reduce)
}

fn tree<T, M, R>(tasks: &[Range<usize>], map: &M, reduce: &R) -> T
where
    T: Send,
    M: Fn(Range<usize>) -> T + Sync,
    R: Fn(T, T) -> T + Sync,
{
    match tasks {
        [] => unreachable!("task_ranges is never empty"),
        [task] => map(task.clone()),
        _ => {
            let (left, right) = tasks.split_at(tasks.len() / 2);
            let (a, b) = rayon::join(|| tree(left, map, reduce), || tree(right, map, reduce));
            reduce(a, b)
        }
    }
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

    #[test]
    fn partials_combine_in_a_fixed_tree_whatever_the_threads() {
        // Concatenating task numbers shows the order and the brackets of the combination.
        let run = || {
            map_reduce(
                5 * MIN_ROWS_PER_TASK,
                |rows| (rows.start / MIN_ROWS_PER_TASK).to_string(),
                |a, b| format!("({a}{b})"),
            )
        };
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(pool.install(run), "((01)(2(34)))");
        }
    }
}
