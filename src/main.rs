//! `lifecircle`: no subcommand opens the desktop app on the demo district
//! (or on the project file given);
//! subcommands (`assess`, `report`, …) run headless.

use clap::Parser as _;
use std::process::ExitCode;

/// mimalloc: a province's millions of small allocations (features while
/// loading, rows of tables) from both cores without contending for one
/// lock; on the 1M-resident district loading takes about half the time it
/// takes with the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = lifecircle::cli::Cli::parse();
    match cli.command {
        Some(command) => {
            // A command's peak is what limits the size of study a laptop
            // can assess: freed memory goes back after 100 ms.
            lifecircle::cli::tune_allocator(100);
            lifecircle::cli::run(command)
        }
        None => {
            // The app reallocates its map meshes every frame: memory handed
            // back would be faulted in again on the next (frames at the
            // 1M-resident district averaged 11–13 ms against 10–11 ms).
            lifecircle::cli::tune_allocator(-1);
            match lifecircle::app::run(cli.project) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: could not open the window: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
