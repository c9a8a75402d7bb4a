//! `lifecircle`: no subcommand opens the desktop app on the demo district;
//! subcommands (`assess`, `report`, …) run headless.

use clap::Parser as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = lifecircle::cli::Cli::parse();
    match cli.command {
        Some(command) => lifecircle::cli::run(command),
        None => match lifecircle::app::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: could not open the window: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
