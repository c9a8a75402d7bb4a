//! Long work off the UI thread: a [`Job`] runs a closure on a worker thread
//! with a shared [`Progress`] (phase, fraction, cancel) and hands its result
//! back through a channel. The UI polls it every frame and keeps drawing.
//!
//! A newer run supersedes an older one simply by replacing the `Job`:
//! dropping a job cancels its progress and drops the receiver, so the old
//! worker stops at its next check and its result is discarded.
//!
//! Tests use [`Runner::Inline`], which runs the work at once on the calling
//! thread, so results arrive within the frame that asked for them.
//!
//! A panic inside the work (a bug, or an engine part not written yet) is
//! caught and returned as [`JobFailed`] with its message; it never takes the
//! UI down.

use crate::analysis::Progress;
use eframe::egui;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// Where jobs run.
#[derive(Clone)]
pub enum Runner {
    /// On a new worker thread; the context is repainted when the job ends.
    Threads(egui::Context),
    /// Synchronously, inside `Job::spawn` (tests).
    Inline,
}

/// The work panicked; the message says where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("internal error: {0}")]
pub struct JobFailed(pub String);

/// What polling a job found.
#[derive(Debug)]
pub enum Poll<T> {
    /// Still running.
    Running,
    /// Finished (or failed). The job is spent; drop it.
    Done(Result<T, JobFailed>),
}

/// One piece of long work (see module docs).
pub struct Job<T> {
    progress: Arc<Progress>,
    rx: Receiver<Result<T, JobFailed>>,
    started: Instant,
}

impl<T: Send + 'static> Job<T> {
    /// Start `work` on `runner`. The work should call `progress.phase(..)`
    /// as it goes and return early when `progress.is_cancelled()`.
    pub fn spawn(runner: &Runner, work: impl FnOnce(&Progress) -> T + Send + 'static) -> Self {
        let progress = Arc::new(Progress::new());
        let (tx, rx) = mpsc::channel();
        let started = Instant::now();
        match runner {
            Runner::Inline => {
                tx.send(run_caught(work, &progress)).ok();
            }
            Runner::Threads(ctx) => {
                let ctx = ctx.clone();
                let shared = Arc::clone(&progress);
                let worker_tx = tx.clone();
                let spawned = std::thread::Builder::new()
                    .name("lifecircle-job".into())
                    .spawn(move || {
                        // Receiver gone = a newer run superseded this one.
                        worker_tx.send(run_caught(work, &shared)).ok();
                        ctx.request_repaint();
                    });
                if let Err(e) = spawned {
                    tx.send(Err(JobFailed(format!(
                        "could not start a worker thread: {e}"
                    ))))
                    .ok();
                }
            }
        }
        Self {
            progress,
            rx,
            started,
        }
    }

    /// Whether the job has a result (without taking it).
    pub fn poll(&mut self) -> Poll<T> {
        match self.rx.try_recv() {
            Ok(result) => Poll::Done(result),
            Err(TryRecvError::Empty) => Poll::Running,
            Err(TryRecvError::Disconnected) => Poll::Done(Err(JobFailed(
                "the worker stopped without a result".to_string(),
            ))),
        }
    }
}

impl<T> Job<T> {
    /// Shared progress: phase name, fraction, cancel.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Ask the work to stop; its result will be discarded by the caller.
    pub fn cancel(&self) {
        self.progress.cancel();
    }

    /// Time since the job started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        // Superseded or abandoned: let the worker stop early.
        self.progress.cancel();
    }
}

fn run_caught<T>(work: impl FnOnce(&Progress) -> T, progress: &Progress) -> Result<T, JobFailed> {
    catch_unwind(AssertUnwindSafe(|| work(progress))).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        JobFailed(message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn wait<T: Send + 'static>(job: &mut Job<T>) -> Result<T, JobFailed> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Poll::Done(r) = job.poll() {
                return r;
            }
            assert!(Instant::now() < deadline, "job did not finish");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn inline_jobs_finish_inside_spawn() {
        let mut job = Job::spawn(&Runner::Inline, |p| {
            p.phase("adding", 0.5);
            2 + 2
        });
        assert!(matches!(job.poll(), Poll::Done(Ok(4))));
        assert_eq!(job.progress().phase_name(), "adding");
    }

    #[test]
    fn thread_jobs_report_results_and_panics() {
        let ctx = egui::Context::default();
        let mut ok = Job::spawn(&Runner::Threads(ctx.clone()), |_| "done");
        assert_eq!(wait(&mut ok), Ok("done"));
        let mut bad: Job<()> = Job::spawn(&Runner::Threads(ctx), |_| panic!("engine not ready"));
        let err = wait(&mut bad).unwrap_err();
        assert!(err.0.contains("engine not ready"), "{err}");
        let mut inline_bad: Job<()> = Job::spawn(&Runner::Inline, |_| panic!("boom {}", 7));
        assert!(matches!(inline_bad.poll(), Poll::Done(Err(JobFailed(m))) if m == "boom 7"));
    }

    #[test]
    fn dropping_a_job_cancels_its_work() {
        let ctx = egui::Context::default();
        let (started_tx, started_rx) = mpsc::channel();
        let stopped = Arc::new(AtomicBool::new(false));
        let stopped_in_job = Arc::clone(&stopped);
        let job = Job::spawn(&Runner::Threads(ctx), move |p| {
            started_tx.send(()).ok();
            let deadline = Instant::now() + Duration::from_secs(10);
            while !p.is_cancelled() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            stopped_in_job.store(p.is_cancelled(), Ordering::SeqCst);
        });
        started_rx.recv().unwrap();
        assert!(!job.progress().is_cancelled());
        drop(job); // superseded
        let deadline = Instant::now() + Duration::from_secs(10);
        while !stopped.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < deadline,
                "the worker did not see the cancel"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
