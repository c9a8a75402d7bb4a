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

/// Transparent huge pages off (zeroing 2 MB pages for tables used a few
/// KB at a time cost a fifth of a province-sized run), and freed memory
/// handed back to the system after `purge_delay_ms` (`-1`: never).
fn tune_allocator(purge_delay_ms: std::ffi::c_long) {
    // `mi_option_purge_delay` in mimalloc 3's option list (mimalloc.h);
    // libmimalloc-sys names only the options whose numbers did not change.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: mi_option_set only stores the value; purging reads it later.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, purge_delay_ms) };
    #[cfg(target_os = "linux")]
    {
        unsafe extern "C" {
            fn prctl(option: std::ffi::c_int, ...) -> std::ffi::c_int;
        }
        const PR_SET_THP_DISABLE: std::ffi::c_int = 41;
        // SAFETY: PR_SET_THP_DISABLE takes one integer and changes only
        // how this process's later page faults are served.
        unsafe {
            prctl(
                PR_SET_THP_DISABLE,
                1 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
                0 as std::ffi::c_ulong,
            );
        }
    }
}

fn main() -> ExitCode {
    let cli = lifecircle::cli::Cli::parse();
    match cli.command {
        Some(command) => {
            // A command's peak is what limits the size of study a laptop
            // can assess: freed memory goes back after 100 ms.
            tune_allocator(100);
            lifecircle::cli::run(command)
        }
        None => match {
            // The app reallocates its map meshes every frame: memory handed
            // back would be faulted in again on the next (frames at the
            // 1M-resident district averaged 11–13 ms against 10–11 ms).
            tune_allocator(-1);
            lifecircle::app::run(cli.project)
        } {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: could not open the window: {e}");
                ExitCode::FAILURE
            }
        },
    }
}
