//! The vocabulary that the routing core (`engine`) and the one-shot
//! assessment (`assess`) share: minute columns, phase timings and the kept
//! routing state. Its own module so that `engine` sits below `assess` and
//! neither imports the other's types.

use crate::model::{Mode, Resident, Road};
use crate::network::{ModeGraph, Network};
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
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

/// A fingerprint of each road (vertices, class, one-way, speed limit): two
/// roads with the same print are taken to be the same road. 128 bits from
/// two independently seeded hashes.
pub(crate) fn road_prints(roads: &[Road]) -> Vec<u128> {
    roads
        .par_iter()
        .map(|r| {
            print_of(|h| {
                for c in r.line.coords() {
                    (c.x + 0.0).to_bits().hash(h);
                    (c.y + 0.0).to_bits().hash(h);
                }
                r.highway.hash(h);
                (r.oneway as u8).hash(h);
                r.maxspeed_kmh.map(f64::to_bits).hash(h);
            })
        })
        .collect()
}

/// A fingerprint of the residents layer (`None`: no layer), in file order.
pub(crate) fn residents_print(residents: Option<&[Resident]>) -> u128 {
    let Some(residents) = residents else {
        return 0;
    };
    let pieces: Vec<u128> = residents
        .par_chunks(4096)
        .map(|piece| {
            print_of(|h| {
                for r in piece {
                    r.location.x().to_bits().hash(h);
                    r.location.y().to_bits().hash(h);
                    r.population.to_bits().hash(h);
                    r.settlement.hash(h);
                    for (g, v) in r.groups.iter() {
                        g.hash(h);
                        v.to_bits().hash(h);
                    }
                }
            })
        })
        .collect();
    print_of(|h| {
        residents.len().hash(h);
        pieces.hash(h);
    })
}

fn print_of(feed: impl Fn(&mut std::collections::hash_map::DefaultHasher)) -> u128 {
    let mut lo = std::collections::hash_map::DefaultHasher::new();
    let mut hi = std::collections::hash_map::DefaultHasher::new();
    0x5eed_u64.hash(&mut hi);
    feed(&mut lo);
    feed(&mut hi);
    ((lo.finish() as u128) << 64) | hi.finish() as u128
}
