//! Watching training from the terminal: a progress bar (indicatif) with the cost, iteration and
//! rate when stderr is a terminal, the plain `iteration K: cost J` lines otherwise, and Ctrl-C
//! turned into a clean stop.
//!
//! Ctrl-C during a fit sets a flag (see [`super::signals`]) that the training observer reads
//! after every iteration; it answers `Control::Stop(Termination::Interrupted)`, the solver
//! returns, and the caller writes nothing (see [`interrupted_message`]). A second Ctrl-C, or one
//! outside the fit, exits at once with status 130.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use logreg::FitReport;
use logreg::solver::{Control, Progress, Termination};
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

/// The exit status of a process stopped by SIGINT (128 + 2), as shells report it.
pub const INTERRUPTED_EXIT: u8 = 130;

/// From now until [`Watch::finish`], the first Ctrl-C stops the fit instead of the process.
pub fn catch_interrupt() {
    super::signals::polite(true);
}

/// Has Ctrl-C asked the fit to stop?
pub fn interrupted() -> bool {
    super::signals::interrupted()
}

/// Should progress bars be drawn? Only on a terminal, and never with --quiet or --json.
pub fn bars_wanted(quiet: bool, json: bool) -> bool {
    !quiet && !json && std::io::stderr().is_terminal()
}

/// Runs `load` with a spinner naming `path` when `show` is set.
pub fn loading<T>(path: &Path, show: bool, load: impl FnOnce() -> T) -> T {
    if !show {
        return load();
    }
    let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    spinner.set_style(
        ProgressStyle::with_template("{spinner} loading {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    spinner.set_message(path.display().to_string());
    spinner.enable_steady_tick(Duration::from_millis(100));
    let value = load();
    spinner.finish_and_clear();
    value
}

/// The training observer: a progress bar when `bar` is set, else a cost line every `every`
/// iterations (unless `quiet`); stops on Ctrl-C.
pub struct Watch {
    bar: Option<ProgressBar>,
    /// When the bar's cost was last updated (formatting it every iteration is wasted work on
    /// fast iterations; the bar redraws at most 20 times a second anyway).
    updated: Option<Instant>,
    every: usize,
    quiet: bool,
}

impl Watch {
    pub fn new(max_iterations: usize, every: usize, quiet: bool, bar: bool) -> Self {
        let bar = bar.then(|| {
            let b = ProgressBar::with_draw_target(
                Some(max_iterations as u64),
                ProgressDrawTarget::stderr(),
            );
            b.set_style(
                ProgressStyle::with_template(
                    "training [{bar:24.cyan/blue}] {pos}/{len}  J {msg}  {rate}  eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} it/s", state.per_sec());
                    },
                )
                .progress_chars("=> "),
            );
            b
        });
        Watch {
            bar,
            updated: None,
            every,
            quiet,
        }
    }

    /// The observer to hand to `logreg::train`.
    pub fn observe(&mut self, p: &Progress) -> Control {
        match &self.bar {
            Some(bar) => {
                bar.set_position(p.iteration as u64);
                if self
                    .updated
                    .is_none_or(|t| t.elapsed() >= Duration::from_millis(50))
                {
                    bar.set_message(format!("{:.6}", p.cost));
                    self.updated = Some(Instant::now());
                }
            }
            None => {
                if !self.quiet && self.every > 0 && p.iteration.is_multiple_of(self.every) {
                    super::say!("iteration {}: cost {:.6}", p.iteration, p.cost);
                }
            }
        }
        if interrupted() {
            Control::Stop(Termination::Interrupted)
        } else {
            Control::Continue
        }
    }

    /// Removes the bar, if any, before the summary is printed; from now on Ctrl-C ends the
    /// process at once (writing nothing).
    pub fn finish(&self) {
        super::signals::polite(false);
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// What to say when training was interrupted: where it stopped, and that nothing was written.
pub fn interrupted_message(report: &FitReport, what: &str) -> String {
    format!(
        "interrupted at iteration {} (cost {:.6}); {what}",
        report.iterations, report.cost
    )
}
