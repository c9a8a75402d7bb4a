//! `lifecircle`: no subcommand opens the desktop app on the demo district
//! (or on the project file given);
//! subcommands (`assess`, `report`, …) run headless.

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = lifecircle::cli::Cli::parse();
    match cli.command {
        Some(command) => lifecircle::cli::run(command),
        None => match lifecircle::app::run(cli.project) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: could not open the window: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
