//! The assessment pipeline: project, build the network, snap, one bounded
//! multi-source Dijkstra per (mode, category), aggregate.

use super::aggregate::{self, BlindSpot, TierColumns};
use super::demand::area_grid;
use super::townships::TownshipIndex;
use super::{AreaCoverage, Cancelled, CoverageReport, MethodInfo, Progress, TownshipCoverage};
use crate::geodesy::LocalProjection;
use crate::model::{DemandKind, Facility, Layers, Mode, Profile, Resident, Tier};
use crate::network::{
    MAX_CONNECTOR_M, ModeGraph, Network, Snap, TRAVERSE_BACKWARD, TRAVERSE_FORWARD,
};
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

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
    /// Projection, demand points and township lookup.
    pub prepare: f64,
    /// Road graph, segment index and timed graphs per mode.
    pub build: f64,
    /// Attaching residents and facilities to the network.
    pub snap: f64,
    /// Shortest paths and per-resident minutes.
    pub dijkstra: f64,
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

/// Everything an assessment produced, for reports and the map.
#[derive(Clone, Debug)]
pub struct Assessment {
    /// The figures, in the shape of `coverage.json`.
    pub report: CoverageReport,
    /// Demand points used: the residents layer, or the area grid.
    pub demand: Vec<Resident>,
    pub demand_kind: DemandKind,
    /// Township index of every demand point (`None`: outside every township).
    pub resident_township: Vec<Option<u32>>,
    /// The minute columns, see [`Slot`].
    pub slots: Vec<Slot>,
    /// `minutes[slot][resident]`: travel minutes, `INFINITY` when beyond the
    /// slot's limit or unreachable.
    pub minutes: Vec<Vec<f32>>,
    /// Residents not complete for a tier, in tier then resident order.
    pub blind_spots: Vec<BlindSpot>,
    /// The road network (absent without a road layer).
    pub network: Option<Arc<Network>>,
    /// Timed graphs (absent without a road layer).
    pub routing: Option<Arc<Routing>>,
    pub timings: PhaseTimings,
}

impl Assessment {
    /// Column of (mode, category), if the profile uses it.
    pub fn slot(&self, mode: Mode, category: &str) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| s.mode == mode && s.category == category)
    }

    /// Minutes from every resident to `category` by the mode of `tier`.
    pub fn minutes_for(&self, tier: &Tier, category: &str) -> Option<&[f32]> {
        self.slot(tier.mode, category)
            .map(|s| self.minutes[s].as_slice())
    }
}

/// The minute columns the profile needs, in first-use order.
fn slots_of(profile: &Profile) -> Vec<Slot> {
    let mut slots: Vec<Slot> = Vec::new();
    for tier in &profile.tiers {
        for c in tier.all_categories() {
            match slots
                .iter_mut()
                .find(|s| s.mode == tier.mode && s.category == c)
            {
                Some(s) => s.limit_minutes = s.limit_minutes.max(tier.minutes),
                None => slots.push(Slot {
                    mode: tier.mode,
                    category: c.to_string(),
                    limit_minutes: tier.minutes,
                }),
            }
        }
    }
    slots
}

/// Lon/lat bounds of every layer: `[min_lon, min_lat, max_lon, max_lat]`.
fn layer_bounds(layers: &Layers) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut add = |x: f64, y: f64| {
        b[0] = b[0].min(x);
        b[1] = b[1].min(y);
        b[2] = b[2].max(x);
        b[3] = b[3].max(y);
    };
    for t in &layers.townships {
        for p in &t.boundary.0 {
            p.exterior().coords().for_each(|c| add(c.x, c.y));
        }
    }
    layers
        .facilities
        .iter()
        .for_each(|f| add(f.location.x(), f.location.y()));
    for r in layers.residents.iter().flatten() {
        add(r.location.x(), r.location.y());
    }
    for road in layers.roads.iter().flatten() {
        road.line.coords().for_each(|c| add(c.x, c.y));
    }
    if b[0] > b[2] { [0.0; 4] } else { b }
}

/// Assess `layers` against `profile` (METHOD.md). Returns `Err(Cancelled)`
/// when `progress` is cancelled.
pub fn assess(
    layers: &Layers,
    profile: &Profile,
    progress: &Progress,
) -> Result<Assessment, Cancelled> {
    let mut timings = PhaseTimings::default();
    let mut warnings = Vec::new();
    let clock = Instant::now();
    progress.phase("prepare", 0.0);
    let projection = LocalProjection::for_bounds(layer_bounds(layers));
    let (demand, resident_township, demand_kind) = match &layers.residents {
        Some(residents) => {
            let index = TownshipIndex::new(&layers.townships);
            let owners = residents
                .par_iter()
                .map(|r| index.locate([r.location.x(), r.location.y()]))
                .collect();
            (residents.clone(), owners, DemandKind::People)
        }
        None => {
            warnings.push(
                "No residents layer: demand is a 100 m grid clipped to each township and weighted by area (hectares), not people."
                    .to_string(),
            );
            let (d, o) = area_grid(&layers.townships, &projection);
            (d, o, DemandKind::AreaHectares)
        }
    };
    let resident_xy: Vec<[f64; 2]> = demand
        .par_iter()
        .map(|r| projection.forward(r.location.x(), r.location.y()))
        .collect();
    let facility_xy: Vec<[f64; 2]> = layers
        .facilities
        .iter()
        .map(|f| projection.forward(f.location.x(), f.location.y()))
        .collect();
    let slots = slots_of(profile);
    timings.prepare = lap(&clock, 0.0);
    progress.check()?;

    let mut unreachable_population = 0.0;
    let (network, routing, minutes) = match &layers.roads {
        Some(roads) => {
            progress.phase("build", 0.1);
            let network = Arc::new(Network::build(roads, projection));
            let used: Vec<Mode> = Mode::ALL
                .into_iter()
                .filter(|m| profile.tiers.iter().any(|t| t.mode == *m))
                .collect();
            let mut graphs: [Option<ModeGraph>; 3] = Default::default();
            for m in &used {
                graphs[m.index()] = Some(ModeGraph::build(&network, *m, profile));
            }
            timings.build = lap(&clock, timings.prepare);
            progress.check()?;

            progress.phase("snap", 0.25);
            let modes_bits = used.iter().fold(0u8, |b, m| b | (1 << m.index()));
            let resident_snaps: Vec<[Option<Snap>; 3]> = resident_xy
                .par_iter()
                .map(|&xy| network.snap(xy, modes_bits))
                .collect();
            let facility_snaps: Vec<[Option<Snap>; 3]> = facility_xy
                .par_iter()
                .map(|&xy| network.snap(xy, modes_bits))
                .collect();
            for m in &used {
                let lost = facility_snaps
                    .iter()
                    .filter(|s| s[m.index()].is_none())
                    .count();
                if lost > 0 {
                    warnings.push(format!(
                        "{lost} facilities are farther than {MAX_CONNECTOR_M} m from any road usable by {}; they serve nobody by that mode.",
                        m.id()
                    ));
                }
            }
            unreachable_population = aggregate::add_up(
                resident_snaps
                    .iter()
                    .zip(&demand)
                    .filter(|(s, _)| used.iter().any(|m| s[m.index()].is_none()))
                    .map(|(_, r)| r.population),
            );
            timings.snap = lap(&clock, timings.prepare + timings.build);
            progress.check()?;

            progress.phase("routes", 0.35);
            let done = AtomicUsize::new(0);
            let minutes = slots
                .par_iter()
                .map(|slot| {
                    progress.check()?;
                    let graph = graphs[slot.mode.index()]
                        .as_ref()
                        .expect("graph of a used mode");
                    let sources = layers
                        .facilities
                        .iter()
                        .zip(&facility_snaps)
                        .filter(|(f, _)| f.category == slot.category)
                        .filter_map(|(_, s)| s[slot.mode.index()]);
                    let column = network_minutes(
                        graph,
                        &network,
                        sources,
                        &resident_snaps,
                        slot.limit_minutes,
                    );
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.set(0.35 + 0.55 * n as f32 / slots.len() as f32);
                    Ok(column)
                })
                .collect::<Result<Vec<_>, Cancelled>>()?;
            let routing = Routing {
                network: network.clone(),
                graphs,
            };
            (Some(network), Some(Arc::new(routing)), minutes)
        }
        None => {
            warnings.push(format!(
                "No road layer: travel times are straight-line distance × detour factor {} (METHOD.md step 9).",
                profile.detour_factor
            ));
            progress.phase("routes", 0.35);
            let minutes = slots
                .par_iter()
                .map(|slot| {
                    progress.check()?;
                    let sources: Vec<[f64; 2]> = layers
                        .facilities
                        .iter()
                        .zip(&facility_xy)
                        .filter(|(f, _)| f.category == slot.category)
                        .map(|(_, xy)| *xy)
                        .collect();
                    let speed = straight_line_speed_mps(profile, slot.mode);
                    Ok(straight_line_minutes(
                        &sources,
                        &resident_xy,
                        speed,
                        profile.detour_factor,
                        slot.limit_minutes,
                    ))
                })
                .collect::<Result<Vec<_>, Cancelled>>()?;
            (None, None, minutes)
        }
    };
    timings.dijkstra = lap(&clock, timings.prepare + timings.build + timings.snap);
    progress.check()?;

    progress.phase("aggregate", 0.9);
    let tier_columns: Vec<TierColumns<'_>> = profile
        .tiers
        .iter()
        .map(|t| TierColumns {
            categories: t
                .all_categories()
                .enumerate()
                .map(|(i, c)| {
                    let s = slots
                        .iter()
                        .position(|s| s.mode == t.mode && s.category == c)
                        .expect("every tier category has a slot");
                    (c, minutes[s].as_slice(), i < t.categories.len())
                })
                .collect(),
        })
        .collect();
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); layers.townships.len()];
    let mut inside = Vec::with_capacity(demand.len());
    let mut outside_population = 0.0;
    for (r, owner) in resident_township.iter().enumerate() {
        match owner {
            Some(t) => {
                members[*t as usize].push(r as u32);
                inside.push(r as u32);
            }
            None => outside_population += demand[r].population,
        }
    }
    let (townships, total): (Vec<TownshipCoverage>, AreaCoverage) = rayon::join(
        || {
            layers
                .townships
                .par_iter()
                .zip(&members)
                .map(|(t, m)| TownshipCoverage {
                    name: t.name.clone(),
                    figures: aggregate::area_figures(profile, &tier_columns, &demand, m),
                })
                .collect()
        },
        || aggregate::area_figures(profile, &tier_columns, &demand, &inside),
    );
    let blind_spots = aggregate::blind_spots(profile, &tier_columns, demand.len());
    drop(tier_columns);
    if outside_population > 0.0 {
        warnings.push(format!(
            "{} of demand lies outside every township; it is reported as outside and not in the totals.",
            round2(outside_population)
        ));
    }
    timings.aggregate = lap(
        &clock,
        timings.prepare + timings.build + timings.snap + timings.dijkstra,
    );
    let method = MethodInfo {
        distance: if network.is_some() {
            "network"
        } else {
            "straight_line"
        }
        .to_string(),
        detour_factor: network.is_none().then_some(profile.detour_factor),
        demand: match demand_kind {
            DemandKind::People => "people",
            DemandKind::AreaHectares => "area_hectares",
        }
        .to_string(),
        projection: projection.proj_string(),
        max_connector_m: MAX_CONNECTOR_M,
        walk_kmh: profile.modes.walk.speed_kmh,
        bike_kmh: profile.modes.bike.speed_kmh,
        road_nodes: network.as_ref().map_or(0, |n| n.node_count()),
        road_segments: network.as_ref().map_or(0, |n| n.segments.len()),
        residents: demand.len(),
        facilities: layers.facilities.len(),
        townships: layers.townships.len(),
        profile: profile.name.clone(),
    };
    progress.phase("done", 1.0);
    Ok(Assessment {
        report: CoverageReport {
            townships,
            total,
            outside_population,
            unreachable_population,
            warnings,
            method,
        },
        demand,
        demand_kind,
        resident_township,
        slots,
        minutes,
        blind_spots,
        network,
        routing,
        timings,
    })
}

fn lap(clock: &Instant, before: f64) -> f64 {
    clock.elapsed().as_secs_f64() - before
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Speed for straight lines without roads: the mode's speed; `drive` uses
/// the drive table's default speed.
fn straight_line_speed_mps(profile: &Profile, mode: Mode) -> f64 {
    profile
        .constant_speed_mps(mode)
        .unwrap_or(profile.modes.drive.other_kmh / 3.6)
}

/// Minutes from every resident to the nearest of `sources` along the network
/// (METHOD.md step 4), `INFINITY` beyond `limit_minutes`.
fn network_minutes(
    graph: &ModeGraph,
    net: &Network,
    sources: impl Iterator<Item = Snap>,
    resident_snaps: &[[Option<Snap>; 3]],
    limit_minutes: f64,
) -> Vec<f32> {
    let limit_s = limit_minutes * 60.0;
    let v = graph.connector_mps;
    let mut seeds: Vec<(u32, f32)> = Vec::new();
    // Facilities by segment, for residents on the same segment.
    let mut on_segment: Vec<(u32, f64, f64)> = Vec::new();
    for snap in sources {
        let conn = snap.connector_m as f64 / v;
        let t = snap.t as f64;
        seeds.extend(facility_seeds(graph, net, &snap));
        on_segment.push((snap.segment, t, conn));
    }
    on_segment.sort_by(|a, b| a.0.cmp(&b.0));
    let to_source = graph.times_to_seeds(&seeds, limit_s as f32);
    let m = graph.mode.index();
    resident_snaps
        .iter()
        .map(|snaps| {
            let Some(snap) = snaps[m] else {
                return f32::INFINITY;
            };
            let s = snap.segment as usize;
            let (t, w, dirs) = (
                snap.t as f64,
                graph.seg_seconds[s] as f64,
                graph.seg_dirs[s],
            );
            let seg = &net.segments[s];
            let mut best = f64::INFINITY;
            // Attached at a vertex: every road leaving it is open, whichever
            // of the segments meeting there was the nearest.
            if t == 0.0 {
                best = to_source[seg.a as usize] as f64;
            } else if t == 1.0 {
                best = to_source[seg.b as usize] as f64;
            }
            if dirs & TRAVERSE_FORWARD != 0 {
                best = best.min((1.0 - t) * w + to_source[seg.b as usize] as f64);
            }
            if dirs & TRAVERSE_BACKWARD != 0 {
                best = best.min(t * w + to_source[seg.a as usize] as f64);
            }
            let first = on_segment.partition_point(|f| f.0 < snap.segment);
            for &(_, tf, conn_f) in on_segment[first..]
                .iter()
                .take_while(|f| f.0 == snap.segment)
            {
                if dirs & TRAVERSE_FORWARD != 0 && tf >= t {
                    best = best.min((tf - t) * w + conn_f);
                }
                if dirs & TRAVERSE_BACKWARD != 0 && tf <= t {
                    best = best.min((t - tf) * w + conn_f);
                }
            }
            let total = snap.connector_m as f64 / v + best;
            if total <= limit_s {
                (total / 60.0) as f32
            } else {
                f32::INFINITY
            }
        })
        .collect()
}

/// Dijkstra seeds of a facility attached at `snap`: `(node, seconds from
/// the node to the facility)`. From `a` one travels forward to the attachment
/// point, from `b` backward; attached at a vertex, the vertex itself.
fn facility_seeds(graph: &ModeGraph, net: &Network, snap: &Snap) -> Vec<(u32, f32)> {
    let conn = snap.connector_m as f64 / graph.connector_mps;
    let s = snap.segment as usize;
    let (t, w) = (snap.t as f64, graph.seg_seconds[s] as f64);
    let seg = &net.segments[s];
    let mut seeds = Vec::with_capacity(2);
    if t == 0.0 {
        seeds.push((seg.a, conn as f32));
    } else if t == 1.0 {
        seeds.push((seg.b, conn as f32));
    }
    if graph.seg_dirs[s] & TRAVERSE_FORWARD != 0 {
        seeds.push((seg.a, (conn + t * w) as f32));
    }
    if graph.seg_dirs[s] & TRAVERSE_BACKWARD != 0 {
        seeds.push((seg.b, (conn + (1.0 - t) * w) as f32));
    }
    seeds
}

/// Minutes by straight line × detour factor to the nearest source.
fn straight_line_minutes(
    sources: &[[f64; 2]],
    residents: &[[f64; 2]],
    speed_mps: f64,
    detour: f64,
    limit_minutes: f64,
) -> Vec<f32> {
    let tree = rstar::RTree::bulk_load(sources.to_vec());
    residents
        .iter()
        .map(|xy| {
            let Some(near) = tree.nearest_neighbor(xy) else {
                return f32::INFINITY;
            };
            let minutes = crate::network::dist(*near, *xy) * detour / speed_mps / 60.0;
            if minutes <= limit_minutes {
                minutes as f32
            } else {
                f32::INFINITY
            }
        })
        .collect()
}

/// The road pieces from which `facility` is reached within `tier`'s minutes
/// (the facility's catchment on the network), as lon/lat line segments.
/// Connectors of residents are not counted (a resident standing on the road).
/// Without a road network, or when the facility is farther than 1,000 m from
/// a usable road: an empty list.
pub fn facility_reach(
    assessment: &Assessment,
    profile: &Profile,
    facility: &Facility,
    tier: &Tier,
) -> Vec<geo::Line<f64>> {
    let _ = profile;
    let Some(routing) = &assessment.routing else {
        return Vec::new();
    };
    let Some(graph) = &routing.graphs[tier.mode.index()] else {
        return Vec::new();
    };
    let net = &routing.network;
    let xy = net
        .projection
        .forward(facility.location.x(), facility.location.y());
    let Some(snap) = net.snap(xy, 1 << tier.mode.index())[tier.mode.index()] else {
        return Vec::new();
    };
    let limit = tier.minutes * 60.0;
    let conn = snap.connector_m as f64 / graph.connector_mps;
    let s = snap.segment as usize;
    let t = snap.t as f64;
    let seeds = facility_seeds(graph, net, &snap);
    let to_facility = graph.times_to_seeds(&seeds, limit as f32);
    let mut out = Vec::new();
    let mut piece = |si: usize, from: f64, to: f64| {
        if to > from {
            let a = net.point_on_segment(si as u32, from);
            let b = net.point_on_segment(si as u32, to);
            out.push(geo::Line::new((a[0], a[1]), (b[0], b[1])));
        }
    };
    for (si, sg) in net.segments.iter().enumerate() {
        let (dirs, w) = (graph.seg_dirs[si], graph.seg_seconds[si] as f64);
        if dirs == 0 || w <= 0.0 {
            continue;
        }
        // Reached part near `a`: residents there travel backward to `a`.
        let near_a = if dirs & TRAVERSE_BACKWARD != 0 {
            ((limit - to_facility[sg.a as usize] as f64) / w).clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Reached part near `b`: residents there travel forward to `b`.
        let near_b = if dirs & TRAVERSE_FORWARD != 0 {
            ((limit - to_facility[sg.b as usize] as f64) / w).clamp(0.0, 1.0)
        } else {
            0.0
        };
        if near_a + near_b >= 1.0 {
            piece(si, 0.0, 1.0);
            continue;
        }
        piece(si, 0.0, near_a);
        piece(si, 1.0 - near_b, 1.0);
        if si == s {
            // On the facility's own segment, directly along it.
            let span = ((limit - conn) / w).max(0.0);
            let fwd = dirs & TRAVERSE_FORWARD != 0;
            let bwd = dirs & TRAVERSE_BACKWARD != 0;
            if fwd {
                piece(si, (t - span).max(0.0), t);
            }
            if bwd {
                piece(si, t, (t + span).min(1.0));
            }
        }
    }
    out
}
