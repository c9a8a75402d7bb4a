//! Bringing a live assessment's study up to edited roads or residents
//! (issue 16, road and population scenarios) without a fresh assessment.
//!
//! The study is rebuilt from the edited layers exactly as a fresh
//! assessment builds it (the same network with the same numbering, every
//! resident snapped again, METHOD steps 2–3), so snaps and figures equal a
//! fresh assessment's. What is saved is the searches: a road edit tells
//! which nodes it touched per mode ([`RoadEdit`]), and a search whose
//! settled region (nodes within its time limit) holds none of them keeps
//! its times, carried over node by node onto the new numbering. A
//! population edit keeps the network and every search.
//!
//! Layer: analysis (uses `engine`, `extent`, `network`, `model`).

use super::aggregate::Areas;
use super::engine::{self, Placed, SlotState, Study};
use super::extent::{SetAside, without_strays};
use super::routing::{PhaseTimings, Routing, road_prints};
use super::{Cancelled, Progress, groups};
use crate::model::{DemandKind, Layers, Mode, Profile};
use crate::network::{CoordHasher, ModeGraph, Network, Snap};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;
use std::time::Instant;

/// What a road edit did to the network, for deciding which searches to
/// run again.
#[derive(Debug)]
pub(crate) struct RoadEdit {
    /// Per mode (`Mode::index()`), the nodes of the old network at an end
    /// of a segment the mode could use that was removed or changed, or of
    /// a segment it can use that was added or changed (old numbering).
    pub touched: [Vec<u32>; 3],
    /// The old node of every new node (`u32::MAX`: a new vertex).
    pub old_node: Vec<u32>,
}

/// A study rebuilt by [`restudy`].
#[derive(Debug)]
pub(crate) struct Restudied {
    pub study: Study,
    /// The road edit, when the network changed.
    pub edit: Option<RoadEdit>,
    /// Whether the network (and so every search state) is the old one.
    pub same_network: bool,
    /// Whether every demand point is where it was (same network too):
    /// the minute columns stand, only the figures change.
    pub same_minutes: bool,
}

/// The study of `layers` built as [`engine::prepare`] builds it, from the
/// parts of `old` that the edit left alone: the demand when the residents
/// did not change (`residents_changed`), the network, timed graphs and
/// snaps when the roads did not. `old`'s townships and extent must equal
/// `layers`'; its demand and snaps are moved out. Returns the road edit
/// when the network changed.
pub(crate) fn restudy(
    old: &mut Study,
    layers: &Layers,
    profile: &Profile,
    residents_changed: bool,
    progress: &Progress,
    timings: &mut PhaseTimings,
) -> Result<Restudied, Cancelled> {
    let clock = Instant::now();
    let (layers, set_aside) = match &old.extent {
        Some(extent) => without_strays(layers, extent),
        None => (std::borrow::Cow::Borrowed(layers), Vec::new()),
    };
    let layers: &Layers = &layers;
    let mut warnings: Vec<String> = set_aside.iter().map(SetAside::message).collect();
    let prints = layers.roads.as_deref().map(road_prints);
    let roads_changed = match &prints {
        Some(p) => old.routing.is_none() || *p != old.road_prints,
        None => old.routing.is_some(),
    };
    let projection = old.projection;
    let (demand, resident_township, resident_xy, demand_kind) = if residents_changed {
        engine::prepare_demand(layers, &projection)
    } else {
        (
            std::mem::take(&mut old.demand),
            std::mem::take(&mut old.resident_township),
            std::mem::take(&mut old.resident_xy),
            old.demand_kind,
        )
    };
    let same_points = !residents_changed || resident_xy == old.resident_xy;
    if demand_kind == DemandKind::AreaHectares {
        warnings.push(engine::NO_RESIDENTS_WARNING.to_string());
    }
    let (areas, group_areas) = if residents_changed {
        let areas = Areas::new(&resident_township, &demand, layers.townships.len());
        let group_areas = groups::group_areas(
            profile,
            &areas,
            &demand,
            &resident_township,
            &layers.townships,
        );
        (areas, group_areas)
    } else {
        (old.areas.clone(), std::mem::take(&mut old.group_areas))
    };
    timings.prepare = clock.elapsed().as_secs_f64();
    progress.check()?;
    let mut study = Study {
        projection,
        demand,
        demand_kind,
        resident_township,
        areas,
        group_areas,
        resident_xy,
        routing: None,
        resident_snaps: Vec::new(),
        attachments: Default::default(),
        modes_bits: old.modes_bits,
        unreachable_population: 0.0,
        warnings,
        townships: old.townships.clone(),
        extent: old.extent.clone(),
        set_aside,
        road_prints: prints.clone().unwrap_or_default(),
    };
    let Some(roads) = layers.roads.as_deref() else {
        study.warnings.push(engine::no_roads_warning(profile));
        let same = old.routing.is_none();
        return Ok(Restudied {
            study,
            edit: None,
            same_network: same,
            same_minutes: same && same_points,
        });
    };
    let used: Vec<Mode> = Mode::ALL
        .into_iter()
        .filter(|m| study.modes_bits & (1 << m.index()) != 0)
        .collect();
    if !roads_changed {
        // Same network: the timed graphs and searches stand; residents
        // snap again only when they moved or came and went.
        let routing = old.routing.clone().expect("roads unchanged, so routed");
        if !same_points {
            let clock = Instant::now();
            study.resident_snaps = routing
                .network
                .snap_many(&study.resident_xy, study.modes_bits);
            timings.snap = clock.elapsed().as_secs_f64();
            engine::attach(&mut study, &routing.network, &routing.graphs);
        } else {
            study.resident_snaps = std::mem::take(&mut old.resident_snaps);
            study.attachments = std::mem::take(&mut old.attachments);
        }
        study.unreachable_population = engine::unreachable_population(&study, &used);
        study.routing = Some(routing);
        return Ok(Restudied {
            study,
            edit: None,
            same_network: true,
            same_minutes: same_points,
        });
    }
    progress.phase("network", 0.1);
    let clock = Instant::now();
    let network = Arc::new(Network::build(roads, projection));
    let (graphs, snaps) = rayon::join(
        || engine::mode_graphs(&network, &used, profile),
        || {
            network.index();
            network.snap_many(&study.resident_xy, study.modes_bits)
        },
    );
    timings.build = clock.elapsed().as_secs_f64();
    progress.check()?;
    let clock = Instant::now();
    study.resident_snaps = snaps;
    study.unreachable_population = engine::unreachable_population(&study, &used);
    engine::attach(&mut study, &network, &graphs);
    timings.snap = clock.elapsed().as_secs_f64();
    let edit = old.routing.as_ref().map(|was| {
        road_edit(
            &was.network,
            &old.road_prints,
            &network,
            prints.as_deref().unwrap_or_default(),
        )
    });
    study.routing = Some(Arc::new(Routing { network, graphs }));
    Ok(Restudied {
        study,
        edit,
        same_network: false,
        same_minutes: false,
    })
}

type Key = (u64, u64);

fn key([x, y]: [f64; 2]) -> Key {
    ((x + 0.0).to_bits(), (y + 0.0).to_bits())
}

/// The roads that differ between the two networks (by print, as
/// multisets), their segments' ends per mode, and the new → old node map.
fn road_edit(old: &Network, old_prints: &[u128], new: &Network, new_prints: &[u128]) -> RoadEdit {
    let mut count: HashMap<u128, i64> = HashMap::new();
    for p in old_prints {
        *count.entry(*p).or_default() += 1;
    }
    for p in new_prints {
        *count.entry(*p).or_default() -= 1;
    }
    // A print with more copies on one side: that many of its roads (the
    // last ones) changed there; in practice each road is there once.
    let changed = |prints: &[u128], sign: i64| -> Vec<bool> {
        let mut left: HashMap<u128, i64> = count
            .iter()
            .filter(|(_, c)| **c * sign > 0)
            .map(|(p, c)| (*p, c * sign))
            .collect();
        let mut out = vec![false; prints.len()];
        for (i, p) in prints.iter().enumerate().rev() {
            if let Some(c) = left.get_mut(p)
                && *c > 0
            {
                *c -= 1;
                out[i] = true;
            }
        }
        out
    };
    let removed = changed(old_prints, 1);
    let added = changed(new_prints, -1);
    let mut old_id: HashMap<Key, u32, BuildHasherDefault<CoordHasher>> =
        HashMap::with_capacity_and_hasher(old.node_count(), Default::default());
    for (i, p) in old.node_lonlat.iter().enumerate() {
        old_id.insert(key(*p), i as u32);
    }
    let old_node: Vec<u32> = new
        .node_lonlat
        .par_iter()
        .map(|p| old_id.get(&key(*p)).copied().unwrap_or(u32::MAX))
        .collect();
    let mut touched: [Vec<u32>; 3] = Default::default();
    for m in Mode::ALL {
        let out = &mut touched[m.index()];
        for (s, seg) in old.segments.iter().enumerate() {
            if removed[seg.road as usize] && old.is_usable(s as u32, m) {
                out.extend([seg.a, seg.b]);
            }
        }
        for (s, seg) in new.segments.iter().enumerate() {
            if added[seg.road as usize] && new.is_usable(s as u32, m) {
                out.extend(
                    [seg.a, seg.b]
                        .iter()
                        .map(|&v| old_node[v as usize])
                        .filter(|&v| v != u32::MAX),
                );
            }
        }
        out.sort_unstable();
        out.dedup();
    }
    RoadEdit { touched, old_node }
}

/// Where a facility joins a mode's graph, in terms that do not depend on
/// the numbering: the segment's ends, position, connector, directions and
/// seconds.
type SnapKey = ([u64; 4], u32, u32, u8, u32);

fn snap_key(graph: &ModeGraph, net: &Network, snap: &Option<Snap>) -> Option<SnapKey> {
    let s = snap.as_ref()?;
    let seg = &net.segments[s.segment as usize];
    let (a, b) = (
        key(net.node_lonlat[seg.a as usize]),
        key(net.node_lonlat[seg.b as usize]),
    );
    Some((
        [a.0, a.1, b.0, b.1],
        s.t.to_bits(),
        s.connector_m.to_bits(),
        graph.seg_dirs[s.segment as usize],
        graph.seg_seconds[s.segment as usize].to_bits(),
    ))
}

/// The search state of a (mode, category) column on the new network:
/// carried over from `old` when no facility of the category joins the
/// network differently and its settled region holds no touched node;
/// `None` when it must be searched afresh.
#[allow(clippy::too_many_arguments)]
pub(crate) fn carry_over(
    edit: &RoadEdit,
    old_state: &SlotState,
    old_routing: &Routing,
    old_placed: &[Option<Placed>],
    study: &Study,
    placed: &[Option<Placed>],
    mode: Mode,
    category: &str,
    limit_minutes: f64,
) -> Option<SlotState> {
    let m = mode.index();
    let old_graph = old_routing.graphs[m].as_ref()?;
    let (graph, net) = study.graph(mode)?;
    if edit.touched[m]
        .iter()
        .any(|&v| old_state.dist[v as usize].is_finite())
    {
        return None;
    }
    fn of<'a>(p: Option<&'a Option<Placed>>, category: &str) -> Option<&'a Placed> {
        p?.as_ref().filter(|p| p.category == category)
    }
    for i in 0..old_placed.len().max(placed.len()) {
        let before = of(old_placed.get(i), category);
        let after = of(placed.get(i), category);
        let same = match (before, after) {
            (None, None) => true,
            (Some(b), Some(a)) => {
                snap_key(old_graph, &old_routing.network, &b.snaps[m])
                    == snap_key(graph, net, &a.snaps[m])
            }
            _ => false,
        };
        if !same {
            return None;
        }
    }
    let labelled = !old_state.owner.is_empty();
    let (dist, owner): (Vec<f32>, Vec<u32>) = edit
        .old_node
        .par_iter()
        .map(|&o| match o {
            u32::MAX => (f32::INFINITY, engine::NO_OWNER),
            o => (
                old_state.dist[o as usize],
                if labelled {
                    old_state.owner[o as usize]
                } else {
                    engine::NO_OWNER
                },
            ),
        })
        .unzip();
    Some(SlotState::carried(
        graph,
        net,
        engine::attached_of(placed, category, m, u32::MAX),
        limit_minutes,
        dist,
        if labelled { owner } else { Vec::new() },
    ))
}
