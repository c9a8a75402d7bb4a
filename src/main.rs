//! `lifecircle`: subcommands run headless (GUI wiring pending).
use clap::Parser as _;
fn main() -> std::process::ExitCode {
    let cli = lifecircle::cli::Cli::parse();
    match cli.command {
        Some(command) => lifecircle::cli::run(command),
        None => std::process::ExitCode::FAILURE,
    }
}
