//! The `logreg` command line: parse arguments, run the subcommand, map the outcome to an exit
//! code (0 success or a closed pipe, 1 data or I/O error, 2 usage error).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::signals::install();
    // Every output of the command is renamed into place together, once it has succeeded.
    let outputs = logreg::outputs::Batch::open();
    match cli::run(args).and_then(|code| {
        if code == ExitCode::SUCCESS {
            outputs.commit()?;
        }
        Ok(code)
    }) {
        Ok(code) => code,
        Err(err) if cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            cli::say!("logreg: error: {}", cli::message(&err));
            ExitCode::from(cli::exit_code(&err))
        }
    }
}
