//! Signals: Ctrl-C stops a fit politely, everything else ends the process at once, and nothing
//! is left behind either way.
//!
//! SIGINT while a fit runs (see [`polite`]) sets a flag that the training observer reads after
//! every iteration: the solver returns, the command writes nothing and exits with 130. A second
//! SIGINT, a SIGINT at any other moment (loading data, writing outputs), and SIGTERM or SIGHUP
//! at any moment remove every temporary output file ([`logreg::outputs::abandon`], which also
//! blocks any rename still to come) and exit with 128 + the signal's number, as a shell reports
//! a process killed by it. Since the outputs of a command are renamed together (see
//! [`logreg::outputs::Batch`]), an interrupted command leaves every file as it was.

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static POLITE: AtomicBool = AtomicBool::new(false);

/// Starts the thread that handles SIGINT, SIGTERM and SIGHUP (once, at start-up).
pub fn install() {
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return; // The defaults then apply: the process ends, as it would have anyway.
    };
    std::thread::spawn(move || {
        for signal in signals.forever() {
            // The first Ctrl-C during a fit only asks it to stop.
            if signal == SIGINT
                && POLITE.load(Ordering::SeqCst)
                && !INTERRUPTED.swap(true, Ordering::SeqCst)
            {
                continue;
            }
            let _renames_blocked = logreg::outputs::abandon();
            let name = match signal {
                SIGINT => "interrupted",
                SIGTERM => "terminated",
                _ => "hung up",
            };
            super::say!("logreg: {name}; no output written");
            std::process::exit(128 + signal);
        }
    });
}

/// While `on`, the first SIGINT asks the running fit to stop rather than ending the process.
pub fn polite(on: bool) {
    POLITE.store(on, Ordering::SeqCst);
}

/// Has SIGINT asked the fit to stop?
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
