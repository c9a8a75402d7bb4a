//! The vocabulary that the routing core (`engine`) and the one-shot
//! assessment (`assess`) share: minute columns, phase timings and the kept
//! routing state. Its own module so that `engine` sits below `assess` and
//! neither imports the other's types.

use crate::model::Mode;
use crate::network::{ModeGraph, Network};
use std::sync::Arc;

/// One column of per-resident minutes: a category reached by a mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    pub mode: Mode,
    pub category: String,
    /// Minutes are computed up to this bound (the largest tier threshold
    /// that uses this mode and category); beyond it they are `INFINITY`.
    pub limit_minutes: f64,
}

/// Wall-clock seconds per phase, for benchmarks and the debug overlay.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseTimings {
    /// Projection, demand points and township lookup (runs at the same
    /// time as `build`).
    pub prepare: f64,
    /// Road graph, segment index and timed graphs per mode (the timed
    /// graphs are built while residents snap).
    pub build: f64,
    /// Attaching residents and facilities to the network (overlaps the
    /// end of `build`).
    pub snap: f64,
    /// Shortest paths and per-resident minutes.
    pub dijkstra: f64,
    /// Per-facility catchments and supply figures (METHOD 13–17).
    pub capacity: f64,
    /// Township figures and blind spots.
    pub aggregate: f64,
}

/// The routing state of an assessment, kept for the map (facility reach).
#[derive(Debug)]
pub struct Routing {
    pub network: Arc<Network>,
    /// Timed graph per mode (`Mode::index()`), for the modes the profile uses.
    pub graphs: [Option<ModeGraph>; 3],
}
