//! The routing core shared by one-shot assessments and live (editable)
//! ones: preparing a study (projection, demand, townships, network, snaps),
//! the per-(mode, category) search state, and aggregation into figures.

use super::aggregate::{self, Areas, BlindSpot, TierColumns};
use super::demand::area_grid;
use super::extent::{SetAside, StudyExtent, without_strays};
use super::groups;
use super::routing::{PhaseTimings, Routing, Slot};
use super::townships::TownshipIndex;
use super::{
    AreaCoverage, Cancelled, CategoryCoverage, CoverageReport, MethodInfo, Progress, TierCoverage,
    TownshipCoverage,
};
use crate::geodesy::LocalProjection;
use crate::model::{DemandKind, Facility, Layers, Mode, Profile, Resident, Township};
use crate::network::{
    MAX_CONNECTOR_M, ModeGraph, Network, Snap, TRAVERSE_BACKWARD, TRAVERSE_FORWARD,
};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// `owner` of a node no source reaches.
pub(crate) const NO_OWNER: u32 = u32::MAX;

/// A resident's attachment to the timed graph of one mode, copied out of
/// the network so that reading minutes is one sequential pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Attachment {
    pub a: u32,
    pub b: u32,
    pub segment: u32,
    /// Position along the segment, 0 at `a`.
    pub t: f32,
    /// Seconds to travel the whole segment.
    pub w: f32,
    /// Seconds on the straight connector.
    pub conn_s: f32,
    /// Allowed directions; 0 for a resident no usable road reaches.
    pub dirs: u8,
}

impl Attachment {
    pub(crate) const UNREACHABLE: Attachment = Attachment {
        a: 0,
        b: 0,
        segment: u32::MAX,
        t: 0.0,
        w: 0.0,
        conn_s: 0.0,
        dirs: 0,
    };

    pub(crate) fn new(graph: &ModeGraph, net: &Network, snap: Option<Snap>) -> Self {
        let Some(snap) = snap else {
            return Self::UNREACHABLE;
        };
        let s = snap.segment as usize;
        let seg = &net.segments[s];
        Attachment {
            a: seg.a,
            b: seg.b,
            segment: snap.segment,
            t: snap.t,
            w: graph.seg_seconds[s],
            conn_s: (snap.connector_m as f64 / graph.connector_mps) as f32,
            dirs: graph.seg_dirs[s],
        }
    }
}

/// Everything about a study that does not depend on the facilities.
#[derive(Debug)]
pub(crate) struct Study {
    pub projection: LocalProjection,
    pub demand: Vec<Resident>,
    pub demand_kind: DemandKind,
    pub resident_township: Vec<Option<u32>>,
    /// Townships and district as the figures read them.
    pub areas: Areas,
    /// The same weighted by each demand group some category names
    /// (METHOD 12): `(group id, areas)`.
    pub group_areas: Vec<(String, Areas)>,
    pub resident_xy: Vec<[f64; 2]>,
    pub routing: Option<Arc<Routing>>,
    /// Per resident, its attachment for each mode the profile uses.
    pub resident_snaps: Vec<[Option<Snap>; 3]>,
    /// Per mode (`Mode::index()`), every resident's attachment (empty for
    /// modes the profile does not use, and without roads).
    pub attachments: [Vec<Attachment>; 3],
    /// Bit `mode.index()` for each mode the profile uses.
    pub modes_bits: u8,
    pub unreachable_population: f64,
    pub warnings: Vec<String>,
    pub townships: Vec<Township>,
    /// The townships' extent (`None` without townships).
    pub extent: Option<StudyExtent>,
    /// Residents and roads left out as stray (see `extent`).
    pub set_aside: Vec<SetAside>,
    /// A fingerprint of every road the network was built from (after
    /// strays), in network road order: what a road edit changed is read
    /// off these (see `restudy`).
    pub road_prints: Vec<u128>,
}

/// A facility as the router sees it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Placed {
    pub category: String,
    pub xy: [f64; 2],
    pub snaps: [Option<Snap>; 3],
}

/// The minute columns the profile needs, in first-use order.
pub(crate) fn slots_of(profile: &Profile) -> Vec<Slot> {
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

/// Lon/lat bounds of the study: the townships' extent (METHOD.md step 1),
/// never moved by stray points of other layers; every layer's only
/// without townships. `[min_lon, min_lat, max_lon, max_lat]`.
pub(crate) fn layer_bounds(layers: &Layers) -> [f64; 4] {
    if let Some(extent) = StudyExtent::of(&layers.townships) {
        return extent.bounds;
    }
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut add = |x: f64, y: f64| {
        if x.is_finite() && y.is_finite() {
            b[0] = b[0].min(x);
            b[1] = b[1].min(y);
            b[2] = b[2].max(x);
            b[3] = b[3].max(y);
        }
    };
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

/// Project, build demand and the network, and snap residents.
pub(crate) fn prepare(
    layers: &Layers,
    profile: &Profile,
    progress: &Progress,
    timings: &mut PhaseTimings,
) -> Result<Study, Cancelled> {
    let mut warnings = Vec::new();
    progress.phase("prepare", 0.0);
    let projection = LocalProjection::for_bounds(layer_bounds(layers));
    let extent = StudyExtent::of(&layers.townships);
    let (layers, set_aside) = match &extent {
        Some(extent) => without_strays(layers, extent),
        None => (std::borrow::Cow::Borrowed(layers), Vec::new()),
    };
    let layers: &Layers = &layers;
    warnings.extend(set_aside.iter().map(SetAside::message));
    warnings.extend(super::extent::duplicate_facility_warnings(
        &layers.facilities,
    ));
    let used: Vec<Mode> = Mode::ALL
        .into_iter()
        .filter(|m| profile.tiers.iter().any(|t| t.mode == *m))
        .collect();
    let modes_bits = used.iter().fold(0u8, |b, m| b | (1 << m.index()));
    // Demand and the road network do not depend on each other: build both
    // at once. Building the network takes longer; the demand side also adds
    // up its areas and fingerprints the roads meanwhile.
    let (demand_part, network) = rayon::join(
        || {
            let clock = Instant::now();
            let part = prepare_demand(layers, &projection);
            let prepare_s = clock.elapsed().as_secs_f64();
            let (demand, resident_township, _, demand_kind) = &part;
            let overlaps = if *demand_kind == DemandKind::People {
                super::townships::overlap_warnings(&layers.townships, demand, resident_township)
            } else {
                Vec::new()
            };
            let areas = Areas::new(resident_township, demand, layers.townships.len());
            let group_areas = groups::group_areas(
                profile,
                &areas,
                demand,
                resident_township,
                &layers.townships,
            );
            let road_prints = layers
                .roads
                .as_deref()
                .map_or_else(Vec::new, super::routing::road_prints);
            let side = DemandSide {
                part,
                overlaps,
                areas,
                group_areas,
                road_prints,
            };
            (side, prepare_s)
        },
        || {
            let clock = Instant::now();
            let network = layers
                .roads
                .as_ref()
                .map(|roads| Arc::new(Network::build(roads, projection)));
            (network, clock.elapsed().as_secs_f64())
        },
    );
    let (
        DemandSide {
            part: (demand, resident_township, resident_xy, demand_kind),
            overlaps,
            areas,
            group_areas,
            road_prints,
        },
        prepare_s,
    ) = demand_part;
    warnings.extend(overlaps);
    let (network, network_s) = network;
    timings.prepare = prepare_s;
    timings.build = network_s;
    if demand_kind == DemandKind::AreaHectares {
        warnings.push(NO_RESIDENTS_WARNING.to_string());
    }
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
        modes_bits,
        unreachable_population: 0.0,
        warnings,
        townships: layers.townships.clone(),
        extent,
        set_aside,
        road_prints,
    };
    let Some(network) = network else {
        study.warnings.push(no_roads_warning(profile));
        return Ok(study);
    };
    progress.phase("snap", 0.25);
    // Residents snap while the timed graphs are built: snapping needs only
    // the segments and their index. Demand is in spatial order, so nearby
    // points snap together.
    let (graphs, snaps) = rayon::join(
        || {
            let clock = Instant::now();
            let graphs = mode_graphs(&network, &used, profile);
            (graphs, clock.elapsed().as_secs_f64())
        },
        || {
            let clock = Instant::now();
            network.index();
            let index_s = clock.elapsed().as_secs_f64();
            let snaps = network.snap_many(&study.resident_xy, modes_bits);
            (snaps, index_s, clock.elapsed().as_secs_f64() - index_s)
        },
    );
    let (graphs, graphs_s) = graphs;
    let (resident_snaps, index_s, snap_s) = snaps;
    timings.build += graphs_s.max(index_s);
    let clock = Instant::now();
    study.resident_snaps = resident_snaps;
    study.unreachable_population = unreachable_population(&study, &used);
    attach(&mut study, &network, &graphs);
    study.routing = Some(Arc::new(Routing { network, graphs }));
    timings.snap = snap_s + clock.elapsed().as_secs_f64();
    Ok(study)
}

/// The warning of a study without a residents layer.
pub(crate) const NO_RESIDENTS_WARNING: &str = "No residents layer: demand is a 100 m grid clipped to each township and weighted by area (hectares), not people.";

/// The warning of a study without a road layer.
pub(crate) fn no_roads_warning(profile: &Profile) -> String {
    format!(
        "No road layer: travel times are straight-line distance × detour factor {} (METHOD.md step 9).",
        profile.detour_factor
    )
}

/// The people whose snap misses a road usable by one of the modes `used`.
pub(crate) fn unreachable_population(study: &Study, used: &[Mode]) -> f64 {
    aggregate::add_up(
        study
            .resident_snaps
            .iter()
            .zip(&study.demand)
            .filter(|(s, _)| used.iter().any(|m| s[m.index()].is_none()))
            .map(|(_, r)| r.population),
    )
}

/// Every mode's attachments from the study's snaps, in one pass over them.
pub(crate) fn attach(study: &mut Study, network: &Network, graphs: &[Option<ModeGraph>; 3]) {
    let used_graphs: Vec<(usize, &ModeGraph)> = graphs
        .iter()
        .enumerate()
        .filter_map(|(m, g)| g.as_ref().map(|g| (m, g)))
        .collect();
    // A mode at a time, each written in parallel straight into its
    // column: at a million residents a mode's column is 28 MB, whose pages
    // are then first touched on every core rather than by one filling it
    // beforehand.
    let snaps = &study.resident_snaps;
    let attachments: Vec<Vec<Attachment>> = used_graphs
        .iter()
        .map(|&(m, graph)| {
            let mut column = Vec::new();
            snaps
                .par_iter()
                .map(|s| Attachment::new(graph, network, s[m]))
                .collect_into_vec(&mut column);
            column
        })
        .collect();
    study.attachments = Default::default();
    for ((m, _), a) in used_graphs.iter().zip(attachments) {
        study.attachments[*m] = a;
    }
}

pub(crate) type DemandPart = (Vec<Resident>, Vec<Option<u32>>, Vec<[f64; 2]>, DemandKind);

/// What [`prepare`] makes of the demand while the network is being built:
/// the demand points, the overlap warnings, the areas (all and by group)
/// and the roads' fingerprints.
struct DemandSide {
    part: DemandPart,
    overlaps: Vec<String>,
    areas: Areas,
    group_areas: Vec<(String, Areas)>,
    road_prints: Vec<u128>,
}

/// Demand points (residents, or the area grid), their townships and
/// projected positions, in Z-order.
pub(crate) fn prepare_demand(layers: &Layers, projection: &LocalProjection) -> DemandPart {
    // Demand in Z-order: neighbours on the map sit together in memory, which
    // makes snapping and reading search results several times faster on
    // large districts than in file order.
    let in_spatial_order = |points: &[Resident]| {
        let lonlat: Vec<[f64; 2]> = points
            .par_iter()
            .map(|r| [r.location.x(), r.location.y()])
            .collect();
        crate::network::spatial_order(&lonlat)
    };
    let project = |r: &Resident| projection.forward(r.location.x(), r.location.y());
    match &layers.residents {
        Some(residents) => {
            let order = in_spatial_order(residents);
            let demand: Vec<Resident> = order
                .par_iter()
                .map(|&i| residents[i as usize].clone())
                .collect();
            let index = TownshipIndex::new(&layers.townships);
            let (owners, xy) = demand
                .par_iter()
                .map(|r| (index.locate([r.location.x(), r.location.y()]), project(r)))
                .unzip();
            (demand, owners, xy, DemandKind::People)
        }
        None => {
            let (grid, grid_owners) = area_grid(&layers.townships, projection);
            let order = in_spatial_order(&grid);
            let demand: Vec<Resident> = order.iter().map(|&i| grid[i as usize].clone()).collect();
            let owners = order.iter().map(|&i| grid_owners[i as usize]).collect();
            let xy = demand.par_iter().map(project).collect();
            (demand, owners, xy, DemandKind::AreaHectares)
        }
    }
}

/// The timed graph of each mode used, built side by side.
pub(crate) fn mode_graphs(
    network: &Network,
    used: &[Mode],
    profile: &Profile,
) -> [Option<ModeGraph>; 3] {
    let built: Vec<(usize, ModeGraph)> = used
        .par_iter()
        .map(|m| (m.index(), ModeGraph::build(network, *m, profile)))
        .collect();
    let mut graphs: [Option<ModeGraph>; 3] = Default::default();
    for (i, g) in built {
        graphs[i] = Some(g);
    }
    graphs
}

impl Study {
    /// The areas `category`'s figures read: weighted by its demand group
    /// when it names one, else by population.
    pub fn areas_of(&self, profile: &Profile, category: &str) -> &Areas {
        profile
            .category_group(category)
            .and_then(|g| self.group_areas.iter().find(|(id, _)| id == g))
            .map_or(&self.areas, |(_, a)| a)
    }

    /// Project and snap one facility; `None` when it lies outside the
    /// study (see [`Study::stray_facilities`]).
    pub fn place(&self, f: &Facility) -> Option<Placed> {
        self.place_all(std::slice::from_ref(f))
            .pop()
            .expect("one facility placed")
    }

    /// Whether a facility at (lon, lat) is set aside as stray.
    pub fn is_stray(&self, lon: f64, lat: f64) -> bool {
        self.extent.as_ref().is_some_and(|e| e.is_stray(lon, lat))
    }

    /// Project and snap many facilities, in parallel and (for the snapping)
    /// in spatial order. A stray facility is not placed (`None`): it takes
    /// no part, exactly as if it were not in the file.
    pub fn place_all(&self, facilities: &[Facility]) -> Vec<Option<Placed>> {
        let kept: Vec<usize> = (0..facilities.len())
            .filter(|&i| {
                let at = facilities[i].location;
                !self.is_stray(at.x(), at.y())
            })
            .collect();
        let xy: Vec<[f64; 2]> = kept
            .par_iter()
            .map(|&i| {
                let at = facilities[i].location;
                self.projection.forward(at.x(), at.y())
            })
            .collect();
        let mut snaps = vec![[None; 3]; xy.len()];
        if let Some(r) = &self.routing {
            let order = crate::network::spatial_order(&xy);
            let sorted: Vec<[f64; 2]> = order.iter().map(|&i| xy[i as usize]).collect();
            let sorted_snaps = r.network.snap_many(&sorted, self.modes_bits);
            for (&i, s) in order.iter().zip(sorted_snaps) {
                snaps[i as usize] = s;
            }
        }
        let mut placed = vec![None; facilities.len()];
        for ((i, xy), snaps) in kept.into_iter().zip(xy).zip(snaps) {
            placed[i] = Some(Placed {
                category: facilities[i].category.clone(),
                xy,
                snaps,
            });
        }
        placed
    }

    /// The facilities (by position; `None`: none there) that lie outside
    /// the study and are not placed.
    pub fn stray_facilities<'a>(
        &self,
        facilities: impl IntoIterator<Item = Option<&'a Facility>>,
    ) -> Vec<SetAside> {
        let Some(extent) = &self.extent else {
            return Vec::new();
        };
        facilities
            .into_iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let f = f?;
                extent.check_point(
                    "facilities",
                    i,
                    Some(&f.name),
                    f.location.x(),
                    f.location.y(),
                )
            })
            .collect()
    }

    /// Warnings about facilities no road reaches, per mode.
    pub fn placement_warnings(&self, placed: &[Placed]) -> Vec<String> {
        let mut out = Vec::new();
        if self.routing.is_none() {
            return out;
        }
        for m in Mode::ALL {
            if self.modes_bits & (1 << m.index()) == 0 {
                continue;
            }
            let lost = placed
                .iter()
                .filter(|p| p.snaps[m.index()].is_none())
                .count();
            if lost > 0 {
                out.push(format!(
                    "{lost} facilities are farther than {MAX_CONNECTOR_M} m from any road usable by {}; they serve nobody by that mode.",
                    m.id()
                ));
            }
        }
        out
    }

    /// The timed graph of a mode (only with a road network).
    pub fn graph(&self, mode: Mode) -> Option<(&ModeGraph, &Network)> {
        let r = self.routing.as_ref()?;
        Some((r.graphs[mode.index()].as_ref()?, &r.network))
    }
}

/// `(id, attachment)` by mode `m` of the placed facilities of `category`,
/// leaving out facility `except` (pass `u32::MAX` to keep all).
pub(crate) fn attached_of<'a>(
    placed: &'a [Option<Placed>],
    category: &'a str,
    m: usize,
    except: u32,
) -> impl Iterator<Item = (u32, &'a Snap)> + 'a {
    placed
        .iter()
        .enumerate()
        .filter(move |(i, _)| *i as u32 != except)
        .filter_map(|(i, p)| p.as_ref().map(|p| (i as u32, p)))
        .filter(move |(_, p)| p.category == category)
        .filter_map(move |(i, p)| p.snaps[m].as_ref().map(|s| (i, s)))
}

/// Dijkstra seeds of a facility attached at `snap`: `(node, seconds from the
/// node to the facility)`, in the search's single precision; see
/// [`facility_seeds_exact`].
pub(crate) fn facility_seeds(graph: &ModeGraph, net: &Network, snap: &Snap) -> Vec<(u32, f32)> {
    facility_seeds_exact(graph, net, snap)
        .into_iter()
        .map(|(v, s)| (v, s as f32))
        .collect()
}

/// Dijkstra seeds of a facility attached at `snap`, in double precision:
/// `(node, seconds from the node to the facility)`. From `a` one travels
/// forward to the attachment point, from `b` backward; attached at a
/// vertex, the vertex itself (METHOD 3–4).
pub(crate) fn facility_seeds_exact(
    graph: &ModeGraph,
    net: &Network,
    snap: &Snap,
) -> Vec<(u32, f64)> {
    let conn = snap.connector_m as f64 / graph.connector_mps;
    let s = snap.segment as usize;
    let (t, w) = (snap.t as f64, graph.seg_seconds[s] as f64);
    let seg = &net.segments[s];
    let mut seeds = Vec::with_capacity(3);
    if t == 0.0 {
        seeds.push((seg.a, conn));
    } else if t == 1.0 {
        seeds.push((seg.b, conn));
    }
    if graph.seg_dirs[s] & TRAVERSE_FORWARD != 0 {
        seeds.push((seg.a, conn + t * w));
    }
    if graph.seg_dirs[s] & TRAVERSE_BACKWARD != 0 {
        seeds.push((seg.b, conn + (1.0 - t) * w));
    }
    seeds
}

/// The search state of one (mode, category) column: seconds from every node
/// to the nearest facility and which facility that is, and the facilities
/// by segment (for residents on the same segment).
#[derive(Clone, Debug)]
pub(crate) struct SlotState {
    pub dist: Vec<f32>,
    pub owner: Vec<u32>,
    /// `(segment, t, connector seconds, facility id)`, sorted by segment.
    pub on_segment: Vec<(u32, f64, f64, u32)>,
    /// Bit per segment: some facility is attached to it.
    pub has_facility: Vec<u64>,
    pub limit_s: f32,
}

impl SlotState {
    /// The state for `facilities` `(id, attachment)` from scratch.
    /// Without `labelled`, which facility is nearest is not kept (the state
    /// then cannot take removals).
    pub fn build<'a>(
        graph: &ModeGraph,
        net: &Network,
        facilities: impl Iterator<Item = (u32, &'a Snap)>,
        limit_minutes: f64,
        labelled: bool,
    ) -> Self {
        let limit_s = (limit_minutes * 60.0) as f32;
        let n = graph.node_count();
        let mut state = SlotState {
            dist: vec![f32::INFINITY; n],
            owner: if labelled {
                vec![NO_OWNER; n]
            } else {
                Vec::new()
            },
            on_segment: Vec::new(),
            has_facility: vec![0; net.segments.len().div_ceil(64)],
            limit_s,
        };
        let mut seeds = Vec::new();
        for (id, snap) in facilities {
            seeds.extend(
                facility_seeds(graph, net, snap)
                    .into_iter()
                    .map(|(v, s)| (v, s, id)),
            );
            state.on_segment.push(state.segment_entry(graph, id, snap));
            state.mark(snap.segment, true);
        }
        state.on_segment.sort_by_key(|e| e.0);
        let owner = (!state.owner.is_empty()).then_some(state.owner.as_mut_slice());
        graph.relax(&mut state.dist, owner, &seeds, limit_s);
        state
    }

    /// The state of a search carried over from an earlier network (node
    /// times and owners already mapped onto this one, see `restudy`): only
    /// the facilities' segments are set up again, no search runs.
    pub fn carried<'a>(
        graph: &ModeGraph,
        net: &Network,
        facilities: impl Iterator<Item = (u32, &'a Snap)>,
        limit_minutes: f64,
        dist: Vec<f32>,
        owner: Vec<u32>,
    ) -> Self {
        let mut state = SlotState {
            dist,
            owner,
            on_segment: Vec::new(),
            has_facility: vec![0; net.segments.len().div_ceil(64)],
            limit_s: (limit_minutes * 60.0) as f32,
        };
        for (id, snap) in facilities {
            state.on_segment.push(state.segment_entry(graph, id, snap));
            state.mark(snap.segment, true);
        }
        state.on_segment.sort_by_key(|e| e.0);
        state
    }

    fn mark(&mut self, segment: u32, on: bool) {
        let (word, bit) = (segment as usize / 64, segment % 64);
        if on {
            self.has_facility[word] |= 1 << bit;
        } else {
            self.has_facility[word] &= !(1 << bit);
        }
    }

    /// Whether a facility may sit on `segment` (always, for a state built
    /// without the bit set).
    fn marked(&self, segment: u32) -> bool {
        self.has_facility.is_empty()
            || self
                .has_facility
                .get(segment as usize / 64)
                .is_some_and(|w| w & (1 << (segment % 64)) != 0)
    }

    fn segment_entry(&self, graph: &ModeGraph, id: u32, snap: &Snap) -> (u32, f64, f64, u32) {
        (
            snap.segment,
            snap.t as f64,
            snap.connector_m as f64 / graph.connector_mps,
            id,
        )
    }

    /// Add facility `id`: only nodes it brings closer change.
    pub fn add(&mut self, graph: &ModeGraph, net: &Network, id: u32, snap: &Snap) {
        let seeds: Vec<(u32, f32, u32)> = facility_seeds(graph, net, snap)
            .into_iter()
            .map(|(v, s)| (v, s, id))
            .collect();
        let entry = self.segment_entry(graph, id, snap);
        let at = self.on_segment.partition_point(|e| e.0 <= entry.0);
        self.on_segment.insert(at, entry);
        self.mark(snap.segment, true);
        let owner = (!self.owner.is_empty()).then_some(self.owner.as_mut_slice());
        graph.relax(&mut self.dist, owner, &seeds, self.limit_s);
    }

    /// Remove facility `id`. Only the nodes it was nearest to (its cell)
    /// are searched again, from the cell's border and from the remaining
    /// facilities (`(id, attachment)`) attached inside it.
    pub fn remove<'a>(
        &mut self,
        graph: &ModeGraph,
        net: &Network,
        id: u32,
        remaining: impl Iterator<Item = (u32, &'a Snap)>,
    ) {
        if let Some(e) = self.on_segment.iter().find(|e| e.3 == id).copied() {
            self.on_segment.retain(|x| x.3 != id);
            let others = self.on_segment.iter().any(|x| x.0 == e.0);
            self.mark(e.0, others);
        }
        let mut in_cell = vec![false; self.dist.len()];
        let mut any = false;
        for (v, o) in self.owner.iter_mut().enumerate() {
            if *o == id {
                in_cell[v] = true;
                *o = NO_OWNER;
                self.dist[v] = f32::INFINITY;
                any = true;
            }
        }
        if !any {
            return;
        }
        let mut seeds: Vec<(u32, f32, u32)> = Vec::new();
        // Border: an arc u→v from the cell to a node v that keeps its value.
        for v in 0..self.dist.len() as u32 {
            let dv = self.dist[v as usize];
            if in_cell[v as usize] || !dv.is_finite() {
                continue;
            }
            for (u, w) in graph.in_arcs(v) {
                if in_cell[u as usize] {
                    seeds.push((u, dv + w, self.owner[v as usize]));
                }
            }
        }
        for (fid, snap) in remaining {
            for (v, s) in facility_seeds(graph, net, snap) {
                if in_cell[v as usize] {
                    seeds.push((v, s, fid));
                }
            }
        }
        let owner = (!self.owner.is_empty()).then_some(self.owner.as_mut_slice());
        graph.relax(&mut self.dist, owner, &seeds, self.limit_s);
    }

    /// Minutes from every resident (METHOD.md step 4), `INFINITY` beyond the limit.
    pub fn resident_minutes(&self, attachments: &[Attachment]) -> Vec<f32> {
        resident_minutes_many(&[self], attachments)
            .pop()
            .expect("one column per state")
    }

    /// Minutes from a point attached at `at` to the nearest facility.
    /// Single precision throughout (times up to hours keep better than a
    /// millisecond); this runs once per resident and column.
    #[inline(always)]
    pub fn minutes_at(&self, at: &Attachment) -> f32 {
        if at.dirs == 0 {
            return f32::INFINITY;
        }
        self.minutes_between(at, self.dist[at.a as usize], self.dist[at.b as usize])
    }

    /// [`Self::minutes_at`] (for `at.dirs != 0`) with the search's times at
    /// the segment's ends, `da` and `db`, given: for a search whose times
    /// are kept elsewhere (the state then holds none).
    #[inline(always)]
    pub fn minutes_between(&self, at: &Attachment, da: f32, db: f32) -> f32 {
        let along = if self.marked(at.segment) {
            self.along_segment(at)
        } else {
            f32::INFINITY
        };
        minutes_from_ends(at, da, db, along, self.limit_s)
    }

    /// Seconds from `at` directly along its segment to a facility attached
    /// to the same segment (METHOD.md: a resident and a facility on the same
    /// edge), `INFINITY` when none is reachable that way.
    #[cold]
    fn along_segment(&self, at: &Attachment) -> f32 {
        let (t, w) = (at.t as f64, at.w as f64);
        let first = self.on_segment.partition_point(|f| f.0 < at.segment);
        let mut best = f64::INFINITY;
        for &(_, tf, conn_f, _) in self.on_segment[first..]
            .iter()
            .take_while(|f| f.0 == at.segment)
        {
            best = best.min(along_to(at, t, w, tf, conn_f));
        }
        best as f32
    }
}

/// Seconds from a point attached at `at` (position `t`, segment seconds
/// `w`) along its segment to a facility on it at `tf` with connector
/// seconds `conn_f`, in the direction the segment allows; `INFINITY` when
/// it does not allow that direction.
#[inline]
pub(crate) fn along_to(at: &Attachment, t: f64, w: f64, tf: f64, conn_f: f64) -> f64 {
    let mut best = f64::INFINITY;
    if at.dirs & TRAVERSE_FORWARD != 0 && tf >= t {
        best = best.min((tf - t) * w + conn_f);
    }
    if at.dirs & TRAVERSE_BACKWARD != 0 && tf <= t {
        best = best.min((t - tf) * w + conn_f);
    }
    best
}

/// Minutes from a point attached at `at` (with `dirs != 0`) to the sources
/// of a search whose seconds at the segment's ends are `da` and `db`, and
/// `along` seconds directly along the segment (METHOD.md steps 3–4), in
/// single precision; `INFINITY` beyond `limit_s` seconds. One formula for
/// the coverage columns and the per-facility catchments, so that both
/// round alike.
#[inline(always)]
pub(crate) fn minutes_from_ends(
    at: &Attachment,
    da: f32,
    db: f32,
    along: f32,
    limit_s: f32,
) -> f32 {
    let (t, w) = (at.t, at.w);
    // Attached at a vertex: every road leaving it is open, whichever of
    // the segments meeting there was the nearest.
    let mut best = if t == 0.0 {
        da
    } else if t == 1.0 {
        db
    } else {
        f32::INFINITY
    };
    if at.dirs & TRAVERSE_FORWARD != 0 {
        best = best.min((1.0 - t) * w + db);
    }
    if at.dirs & TRAVERSE_BACKWARD != 0 {
        best = best.min(t * w + da);
    }
    best = best.min(along);
    let total = at.conn_s + best;
    if total <= limit_s {
        total / 60.0
    } else {
        f32::INFINITY
    }
}

/// Speed for straight lines without roads: the mode's speed; `drive` uses
/// the drive table's default speed.
pub(crate) fn straight_line_speed_mps(profile: &Profile, mode: Mode) -> f64 {
    profile
        .constant_speed_mps(mode)
        .unwrap_or(profile.modes.drive.other_kmh / 3.6)
}

/// Minutes by straight line × detour factor to the nearest source.
pub(crate) fn straight_line_minutes(
    sources: &[[f64; 2]],
    residents: &[[f64; 2]],
    speed_mps: f64,
    detour: f64,
    limit_minutes: f64,
) -> Vec<f32> {
    let tree = rstar::RTree::bulk_load(sources.to_vec());
    residents
        .par_iter()
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

/// Residents per piece of [`resident_minutes_many`]: small enough that a
/// piece of attachments stays in cache while every column reads it.
pub(crate) const RESIDENT_PIECE: usize = 4096;

/// Minutes from every resident for each of `states` (all of one mode, whose
/// `attachments` these are): one column per state. Residents are taken in
/// pieces, each piece read once for all the states.
pub(crate) fn resident_minutes_many(
    states: &[&SlotState],
    attachments: &[Attachment],
) -> Vec<Vec<f32>> {
    // Every value is written below; zeros come from the allocator for free.
    let mut columns: Vec<Vec<f32>> = states
        .iter()
        .map(|_| vec![0.0; attachments.len()])
        .collect();
    fill_in_pieces(&mut columns, RESIDENT_PIECE, |rows, outs| {
        let ats = &attachments[rows];
        for (state, out) in states.iter().zip(outs.iter_mut()) {
            for (o, at) in out.iter_mut().zip(ats) {
                *o = state.minutes_at(at);
            }
        }
    });
    columns
}

/// Fill equally long `columns` in parallel, in pieces of `piece` rows:
/// `fill(rows, parts)` gets a range of rows and that piece of every column,
/// so that what a row reads is read once for all the columns.
pub(crate) fn fill_in_pieces<T: Send>(
    columns: &mut [Vec<T>],
    piece: usize,
    fill: impl Fn(std::ops::Range<usize>, &mut [&mut [T]]) + Sync,
) {
    let n = columns.first().map_or(0, Vec::len);
    let mut pieces: Vec<(usize, Vec<&mut [T]>)> = (0..n.div_ceil(piece))
        .map(|p| (p * piece, Vec::with_capacity(columns.len())))
        .collect();
    for column in columns.iter_mut() {
        debug_assert_eq!(column.len(), n);
        for (p, part) in pieces.iter_mut().zip(column.chunks_mut(piece)) {
            p.1.push(part);
        }
    }
    pieces.into_par_iter().for_each(|(start, mut parts)| {
        let end = (start + piece).min(n);
        fill(start..end, &mut parts);
    });
}

/// The search state of `slot` for `placed` facilities (all categories;
/// filtered here); `None` without a road network.
pub(crate) fn slot_state(
    study: &Study,
    slot: &Slot,
    placed: &[Option<Placed>],
    labelled: bool,
) -> Option<SlotState> {
    let (graph, net) = study.graph(slot.mode)?;
    Some(SlotState::build(
        graph,
        net,
        attached_of(placed, &slot.category, slot.mode.index(), u32::MAX),
        slot.limit_minutes,
        labelled,
    ))
}

/// Every minute column from the slots' search states (`states[i]` of
/// `slots[i]`, see [`slot_state`]): on the network, one pass per mode for all
/// its columns; without it, straight lines.
pub(crate) fn slot_columns(
    study: &Study,
    profile: &Profile,
    slots: &[Slot],
    states: &[Option<SlotState>],
    placed: &[Option<Placed>],
) -> Vec<Vec<f32>> {
    let mut columns: Vec<Option<Vec<f32>>> = vec![None; slots.len()];
    for mode in Mode::ALL {
        let of_mode: Vec<usize> = (0..slots.len())
            .filter(|&i| slots[i].mode == mode && states[i].is_some())
            .collect();
        let refs: Vec<&SlotState> = of_mode.iter().filter_map(|&i| states[i].as_ref()).collect();
        if refs.is_empty() {
            continue;
        }
        let computed = resident_minutes_many(&refs, &study.attachments[mode.index()]);
        for (i, column) in of_mode.into_iter().zip(computed) {
            columns[i] = Some(column);
        }
    }
    columns
        .into_par_iter()
        .zip(slots)
        .map(|(column, slot)| match column {
            Some(c) => c,
            None => compute_slot(study, profile, slot, placed, false).0,
        })
        .collect()
}

/// The minute column of `slot` for `placed` facilities (all categories;
/// filtered here), keeping the search state when asked.
pub(crate) fn compute_slot(
    study: &Study,
    profile: &Profile,
    slot: &Slot,
    placed: &[Option<Placed>],
    keep_state: bool,
) -> (Vec<f32>, Option<SlotState>) {
    match slot_state(study, slot, placed, keep_state) {
        Some(state) => {
            let column = state.resident_minutes(&study.attachments[slot.mode.index()]);
            (column, keep_state.then_some(state))
        }
        None => {
            let sources: Vec<[f64; 2]> = placed
                .iter()
                .flatten()
                .filter(|p| p.category == slot.category)
                .map(|p| p.xy)
                .collect();
            let column = straight_line_minutes(
                &sources,
                &study.resident_xy,
                straight_line_speed_mps(profile, slot.mode),
                profile.detour_factor,
                slot.limit_minutes,
            );
            (column, None)
        }
    }
}

/// The minute columns each tier reads, required categories first.
fn tier_columns<'a>(
    profile: &'a Profile,
    slots: &[Slot],
    minutes: &'a [Vec<f32>],
) -> Vec<TierColumns<'a>> {
    profile
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
        .collect()
}

/// Bring `report` and `blind_spots` up to date after the columns in
/// `touched` changed: only the tiers that read them are recomputed.
pub(crate) fn refresh_figures(
    study: &Study,
    profile: &Profile,
    slots: &[Slot],
    minutes: &[Vec<f32>],
    touched: &[usize],
    report: &mut CoverageReport,
    blind_spots: &mut Vec<BlindSpot>,
) {
    let affected: Vec<usize> = profile
        .tiers
        .iter()
        .enumerate()
        .filter(|(_, t)| {
            touched.iter().any(|&s| {
                slots[s].mode == t.mode && t.all_categories().any(|c| c == slots[s].category)
            })
        })
        .map(|(i, _)| i)
        .collect();
    if affected.is_empty() {
        return;
    }
    let columns = tier_columns(profile, slots, minutes);
    // Within an affected tier only the edited categories and the complete
    // share can change.
    let edited: Vec<(usize, usize)> = affected
        .iter()
        .flat_map(|&ti| {
            let tier = &profile.tiers[ti];
            let columns = &columns;
            columns[ti]
                .categories
                .iter()
                .enumerate()
                .filter(move |(_, (id, _, _))| {
                    touched
                        .iter()
                        .any(|&s| slots[s].mode == tier.mode && slots[s].category == *id)
                })
                .map(move |(ci, _)| (ti, ci))
        })
        .collect();
    let (categories, tiers) = rayon::join(
        || category_jobs(study, profile, &columns, &edited),
        || completeness_jobs(profile, &columns, &affected, &study.areas),
    );
    for (&(ti, ci), per_area) in edited.iter().zip(categories) {
        for (area, figures) in areas_of(report).zip(per_area) {
            area.tiers[ti].categories[ci] = figures;
        }
    }
    let mut fresh: Vec<Option<Vec<BlindSpot>>> = vec![None; profile.tiers.len()];
    for (&ti, (shares, blind)) in affected.iter().zip(tiers) {
        for (area, share) in areas_of(report).zip(shares) {
            area.tiers[ti].complete_share = share;
        }
        fresh[ti] = Some(blind);
    }
    // The list runs tier by tier: keep the runs of unaffected tiers as they are.
    let mut rebuilt = Vec::with_capacity(blind_spots.len());
    for (ti, new) in fresh.iter_mut().enumerate() {
        match new.take() {
            Some(list) => rebuilt.extend(list),
            None => {
                let lo = blind_spots.partition_point(|b| (b.tier as usize) < ti);
                let hi = blind_spots.partition_point(|b| (b.tier as usize) <= ti);
                rebuilt.extend_from_slice(&blind_spots[lo..hi]);
            }
        }
    }
    *blind_spots = rebuilt;
}

/// Figures of the `(tier, category)` pairs in `jobs` for every area, in
/// parallel: one pass over a minute column each.
fn category_jobs(
    study: &Study,
    profile: &Profile,
    columns: &[TierColumns<'_>],
    jobs: &[(usize, usize)],
) -> Vec<Vec<CategoryCoverage>> {
    jobs.par_iter()
        .map(|&(ti, ci)| {
            let (id, column, _) = columns[ti].categories[ci];
            let areas = study.areas_of(profile, id);
            let mut figures =
                aggregate::category_figures(id, column, profile.tiers[ti].minutes as f32, areas);
            if let Some(group) = profile.category_group(id) {
                for f in &mut figures {
                    f.group = Some(group.to_string());
                }
            }
            figures
        })
        .collect()
}

/// Complete shares per area and blind spots of the tiers in `tiers`, in
/// parallel.
fn completeness_jobs(
    profile: &Profile,
    columns: &[TierColumns<'_>],
    tiers: &[usize],
    areas: &Areas,
) -> Vec<(Vec<f64>, Vec<BlindSpot>)> {
    tiers
        .par_iter()
        .map(|&ti| {
            aggregate::tier_completeness(ti, profile.tiers[ti].minutes as f32, &columns[ti], areas)
        })
        .collect()
}

/// The township figures of `report` in order, then the district's.
fn areas_of(report: &mut CoverageReport) -> impl Iterator<Item = &mut AreaCoverage> {
    report
        .townships
        .iter_mut()
        .map(|t| &mut t.figures)
        .chain(std::iter::once(&mut report.total))
}

/// Figures, blind spots and the method record from the minute columns.
pub(crate) fn figures(
    study: &Study,
    profile: &Profile,
    slots: &[Slot],
    minutes: &[Vec<f32>],
    facility_count: usize,
    mut warnings: Vec<String>,
) -> (CoverageReport, Vec<BlindSpot>) {
    let columns = tier_columns(profile, slots, minutes);
    let every: Vec<(usize, usize)> = columns
        .iter()
        .enumerate()
        .flat_map(|(ti, c)| (0..c.categories.len()).map(move |ci| (ti, ci)))
        .collect();
    let all_tiers: Vec<usize> = (0..profile.tiers.len()).collect();
    let areas = &study.areas;
    let (categories, tiers) = rayon::join(
        || category_jobs(study, profile, &columns, &every),
        || completeness_jobs(profile, &columns, &all_tiers, areas),
    );
    drop(columns);
    // Per area: its tiers, each with its categories.
    let mut categories = categories.into_iter();
    let mut per_area: Vec<AreaCoverage> = (0..areas.count())
        .map(|a| AreaCoverage {
            population: areas.population_of[a],
            tiers: Vec::with_capacity(profile.tiers.len()),
        })
        .collect();
    let mut blind_spots = Vec::new();
    for (tier, (shares, blind)) in profile.tiers.iter().zip(tiers) {
        for (area, share) in per_area.iter_mut().zip(shares) {
            area.tiers.push(TierCoverage {
                id: tier.id.clone(),
                minutes: tier.minutes,
                mode: tier.mode,
                complete_share: share,
                town_complete_share: None,
                village_complete_share: None,
                categories: Vec::new(),
            });
        }
        for _ in tier.all_categories() {
            let figures = categories.next().expect("one result per tier category");
            for (area, f) in per_area.iter_mut().zip(figures) {
                area.tiers
                    .last_mut()
                    .expect("pushed above")
                    .categories
                    .push(f);
            }
        }
        blind_spots.extend(blind);
    }
    let total = per_area.pop().expect("the district is the last area");
    let townships: Vec<TownshipCoverage> = study
        .townships
        .iter()
        .zip(per_area)
        .map(|(t, figures)| TownshipCoverage {
            name: t.name.clone(),
            figures,
        })
        .collect();
    let outside_population = areas.outside_population;
    if outside_population > 0.0 {
        warnings.push(format!(
            "{} of demand lies outside every township; it counts in the district total, in no township.",
            (outside_population * 100.0).round() / 100.0
        ));
    }
    let network = study.routing.as_ref().map(|r| r.network.clone());
    let method = MethodInfo {
        distance: if network.is_some() {
            "network"
        } else {
            "straight_line"
        }
        .to_string(),
        detour_factor: network.is_none().then_some(profile.detour_factor),
        demand: match study.demand_kind {
            DemandKind::People => "people",
            DemandKind::AreaHectares => "area_hectares",
        }
        .to_string(),
        projection: study.projection.proj_string(),
        max_connector_m: MAX_CONNECTOR_M,
        walk_kmh: profile.modes.walk.speed_kmh,
        bike_kmh: profile.modes.bike.speed_kmh,
        road_nodes: network.as_ref().map_or(0, |n| n.node_count()),
        road_segments: network.as_ref().map_or(0, |n| n.segments.len()),
        residents: study.demand.len(),
        facilities: facility_count,
        townships: study.townships.len(),
        profile: profile.name.clone(),
    };
    let report = CoverageReport {
        townships,
        total,
        outside_population,
        unreachable_population: study.unreachable_population,
        warnings,
        method,
    };
    (report, blind_spots)
}
