//! Progress and cancellation shared between a running assessment and whoever
//! watches it (the GUI's progress bar and Cancel button, or nobody).

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// Shared progress of one long computation. Cheap to poll from the UI thread.
#[derive(Debug, Default)]
pub struct Progress {
    /// Fraction done × 1,000,000.
    done_millionths: AtomicU32,
    cancelled: AtomicBool,
    phase: Mutex<String>,
}

/// The user cancelled the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled")]
pub struct Cancelled;

impl Progress {
    pub fn new() -> Self {
        Self::default()
    }

    /// Start a named phase at `fraction` (0–1) of the whole.
    pub fn phase(&self, name: &str, fraction: f32) {
        if let Ok(mut p) = self.phase.lock() {
            p.clear();
            p.push_str(name);
        }
        self.set(fraction);
    }

    /// Set the fraction done (0–1).
    pub fn set(&self, fraction: f32) {
        let v = (fraction.clamp(0.0, 1.0) * 1_000_000.0) as u32;
        self.done_millionths.store(v, Ordering::Relaxed);
    }

    /// Fraction done, 0–1.
    pub fn fraction(&self) -> f32 {
        self.done_millionths.load(Ordering::Relaxed) as f32 / 1_000_000.0
    }

    /// Name of the current phase.
    pub fn phase_name(&self) -> String {
        self.phase.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Ask the work to stop at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once `cancel` was called.
    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }
}
