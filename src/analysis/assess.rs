//! The one-shot assessment: prepare the study, one bounded multi-source
//! Dijkstra per (mode, category), aggregate. Also the facility catchment
//! drawn on the map.

use super::aggregate::BlindSpot;
use super::capacity::{self, CapacityTable};
use super::engine::{self, facility_seeds};
use super::routing::{PhaseTimings, Routing, Slot};
use super::{Cancelled, CoverageReport, Progress};
use crate::model::{DemandKind, Facility, Layers, Mode, Profile, Resident, Tier};
use crate::network::{Network, TRAVERSE_BACKWARD, TRAVERSE_FORWARD};
use rayon::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Everything an assessment produced, for reports and the map.
#[derive(Clone, Debug)]
pub struct Assessment {
    /// The figures, in the shape of `coverage.json`.
    pub report: CoverageReport,
    /// Demand points used: the residents layer, or the area grid, in
    /// spatial (Z-curve) order rather than file order. Every per-resident
    /// list below uses this order.
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
    /// Supply against demand of every tier × category with a standard
    /// (METHOD 13–17), in profile order.
    pub capacity: Vec<CapacityTable>,
    /// Timed graphs (absent without a road layer).
    pub routing: Option<Arc<Routing>>,
    /// Every demand point's attachment to each mode's graph, as the
    /// coverage search read them: the sharing search (who serves whom)
    /// reads the same ones rather than snapping every resident again.
    /// Empty when the assessment does not keep them (then sharing snaps).
    pub(crate) attachments: ResidentAttachments,
    /// Every facility as the coverage search placed it (projected and
    /// snapped; `None`: set aside), in facility order: the sharing search
    /// reads these snaps rather than snapping each facility again per
    /// column. Empty when the assessment does not keep them.
    pub(crate) placed: PlacedFacilities,
    pub timings: PhaseTimings,
    /// Features left out because they lie far outside the townships
    /// (METHOD.md step 1; each also has a warning in `report`).
    pub set_aside: Vec<super::SetAside>,
}

/// Per mode (`Mode::index()`), every demand point's attachment; shared
/// between clones of an assessment (at province scale they are hundreds of
/// MB), and shown by their counts only in debug output.
#[derive(Clone, Default)]
pub(crate) struct ResidentAttachments(pub(crate) Arc<[Vec<engine::Attachment>; 3]>);

impl std::fmt::Debug for ResidentAttachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let counts: Vec<usize> = self.0.iter().map(Vec::len).collect();
        write!(f, "ResidentAttachments({counts:?})")
    }
}

/// The facilities as placed by an assessment; shared between clones and
/// shown by their count only in debug output.
#[derive(Clone, Default)]
pub(crate) struct PlacedFacilities(pub(crate) Arc<Vec<Option<engine::Placed>>>);

impl std::fmt::Debug for PlacedFacilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PlacedFacilities({})", self.0.len())
    }
}

impl Assessment {
    /// The road network (absent without a road layer).
    pub fn network(&self) -> Option<&Arc<Network>> {
        self.routing.as_ref().map(|r| &r.network)
    }

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

/// Assess `layers` against `profile` (METHOD.md). Returns `Err(Cancelled)`
/// when `progress` is cancelled.
pub fn assess(
    layers: &Layers,
    profile: &Profile,
    progress: &Progress,
) -> Result<Assessment, Cancelled> {
    let mut timings = PhaseTimings::default();
    let study = engine::prepare(layers, profile, progress, &mut timings)?;
    assess_prepared(study, timings, &layers.facilities, profile, progress)
}

/// [`assess`] for a caller that needs the residents and roads layers no
/// more: they are dropped from `layers` as soon as the assessment holds its
/// own demand points and road network, before the searches (on a
/// 1M-resident district about 100 MB less at the peak). The residents stay
/// when there is no road layer (a study without roads frames its
/// straight-line searches by every layer, see [`super::sharing`]).
/// `released` runs once they are dropped (the command line hands the freed
/// memory back to the system there). The figures are those of [`assess`]
/// (tested).
pub fn assess_releasing_inputs(
    layers: &mut Layers,
    profile: &Profile,
    progress: &Progress,
    released: impl FnOnce(),
) -> Result<Assessment, Cancelled> {
    let (study, timings) = prepare_releasing_inputs(layers, profile, progress, released)?;
    assess_prepared(study, timings, &layers.facilities, profile, progress)
}

/// The study of [`assess_releasing_inputs`], the inputs it no longer needs
/// dropped from `layers`.
pub(super) fn prepare_releasing_inputs(
    layers: &mut Layers,
    profile: &Profile,
    progress: &Progress,
    released: impl FnOnce(),
) -> Result<(engine::Study, PhaseTimings), Cancelled> {
    let mut timings = PhaseTimings::default();
    let study = engine::prepare(layers, profile, progress, &mut timings)?;
    if study.routing.is_some() {
        layers.residents = None;
    }
    layers.roads = None;
    released();
    Ok((study, timings))
}

/// The rest of [`assess`] once the study is prepared: place the
/// facilities, search, and add up.
pub(super) fn assess_prepared(
    study: engine::Study,
    timings: PhaseTimings,
    facilities: &[Facility],
    profile: &Profile,
    progress: &Progress,
) -> Result<Assessment, Cancelled> {
    assess_prepared_with(study, timings, facilities, profile, progress, None)
}

/// Finds minute columns before the searches of [`assess_prepared_with`]
/// (which then searches only for the slots still `None`), from the study,
/// the slots, the placed facilities and those set aside.
pub(super) type ColumnsFirst<'a> = dyn FnMut(
        &engine::Study,
        &[Slot],
        &[Option<engine::Placed>],
        &[super::SetAside],
        &mut [Option<Vec<f32>>],
    ) -> Result<(), Cancelled>
    + 'a;

/// [`assess_prepared`], with the columns `first` finds taken from it (see
/// `shared_assess`).
pub(super) fn assess_prepared_with(
    mut study: engine::Study,
    mut timings: PhaseTimings,
    facilities: &[Facility],
    profile: &Profile,
    progress: &Progress,
    first: Option<&mut ColumnsFirst<'_>>,
) -> Result<Assessment, Cancelled> {
    // The attachments are made from the snaps; a one-shot assessment needs
    // no more (at province scale they are 48 bytes per resident).
    study.resident_snaps = Vec::new();
    let clock = Instant::now();
    let placed: Vec<Option<engine::Placed>> = study.place_all(facilities);
    timings.snap += clock.elapsed().as_secs_f64();
    let placed_list: Vec<engine::Placed> = placed.iter().flatten().cloned().collect();
    let mut set_aside = study.set_aside.clone();
    let stray_facilities = study.stray_facilities(facilities.iter().map(Some));
    let mut warnings = study.warnings.clone();
    warnings.extend(stray_facilities.iter().map(super::SetAside::message));
    set_aside.extend(stray_facilities);
    warnings.extend(study.placement_warnings(&placed_list));
    progress.check()?;

    progress.phase("routes", 0.35);
    let clock = Instant::now();
    let slots = engine::slots_of(profile);
    let done = AtomicUsize::new(0);
    // The search states (a time per road node each) are held only for a
    // batch of columns at a time: at province scale all of them at once
    // would take more memory than the minute columns themselves.
    let mut columns: Vec<Option<Vec<f32>>> = vec![None; slots.len()];
    if let Some(first) = first {
        first(&study, &slots, &placed, &set_aside, &mut columns)?;
    }
    for batch in state_batches(&slots) {
        if batch.iter().all(|&i| columns[i].is_some()) {
            continue;
        }
        let batch_slots: Vec<Slot> = batch.iter().map(|&i| slots[i].clone()).collect();
        let states = batch_slots
            .par_iter()
            .map(|slot| {
                progress.check()?;
                let state = engine::slot_state(&study, slot, &placed, false);
                let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress.set(0.35 + 0.5 * n as f32 / slots.len() as f32);
                Ok(state)
            })
            .collect::<Result<Vec<_>, Cancelled>>()?;
        progress.check()?;
        let computed = engine::slot_columns(&study, profile, &batch_slots, &states, &placed);
        drop(states);
        for (&i, column) in batch.iter().zip(computed) {
            columns[i] = Some(column);
        }
    }
    let minutes: Vec<Vec<f32>> = columns
        .into_iter()
        .map(|c| c.expect("every slot is in one batch"))
        .collect();
    timings.dijkstra = clock.elapsed().as_secs_f64();
    progress.check()?;

    progress.phase("capacity", 0.85);
    let clock = Instant::now();
    let every: Vec<Option<&Facility>> = facilities.iter().map(Some).collect();
    let capacity =
        capacity::capacity_tables(&study, profile, &every, &placed, |_| true, &mut warnings);
    timings.capacity = clock.elapsed().as_secs_f64();
    progress.check()?;

    progress.phase("aggregate", 0.9);
    let clock = Instant::now();
    let (mut report, blind_spots) = engine::figures(
        &study,
        profile,
        &slots,
        &minutes,
        placed_list.len(),
        warnings,
    );
    capacity::fill_report(&mut report, &capacity, &study, profile);
    timings.aggregate = clock.elapsed().as_secs_f64();
    progress.phase("done", 1.0);
    Ok(Assessment {
        report,
        capacity,
        routing: study.routing,
        attachments: ResidentAttachments(Arc::new(study.attachments)),
        placed: PlacedFacilities(Arc::new(placed)),
        demand: study.demand,
        demand_kind: study.demand_kind,
        resident_township: study.resident_township,
        slots,
        minutes,
        blind_spots,
        timings,
        set_aside,
    })
}

/// Search states held at once in [`assess`]: enough to keep every core
/// busy, few enough that at 3,000,000 road nodes they take tens of MB
/// rather than hundreds.
const STATES_AT_ONCE: usize = 8;

/// Slot indices in batches of one mode each (the minutes of a mode's
/// columns are read in one pass over its attachments), at most
/// [`STATES_AT_ONCE`] per batch, in slot order within each mode.
fn state_batches(slots: &[Slot]) -> Vec<Vec<usize>> {
    Mode::ALL
        .iter()
        .flat_map(|&mode| {
            let of_mode: Vec<usize> = (0..slots.len())
                .filter(|&i| slots[i].mode == mode)
                .collect();
            of_mode
                .chunks(STATES_AT_ONCE)
                .map(<[usize]>::to_vec)
                .collect::<Vec<_>>()
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
            if dirs & TRAVERSE_FORWARD != 0 {
                piece(si, (t - span).max(0.0), t);
            }
            if dirs & TRAVERSE_BACKWARD != 0 {
                piece(si, t, (t + span).min(1.0));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{SyntheticParams, synthetic_district};

    #[test]
    fn state_batches_hold_every_slot_once_by_mode() {
        let profile = Profile::from_json(include_str!("../../data/profile-default.json")).unwrap();
        let slots = engine::slots_of(&profile);
        let batches = state_batches(&slots);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..slots.len()).collect::<Vec<_>>());
        for b in &batches {
            assert!(!b.is_empty() && b.len() <= STATES_AT_ONCE);
            assert!(b.iter().all(|&i| slots[i].mode == slots[b[0]].mode));
        }
        // The default profile has a mode with more columns than a batch.
        assert!(batches.len() > Mode::ALL.len());
    }

    /// Releasing the inputs changes no figure: the demo with and without
    /// roads, every minute column and the whole report; the layers that
    /// could go are gone, and `released` ran.
    #[test]
    fn releasing_the_inputs_gives_the_same_assessment() {
        let profile = Profile::from_json(include_str!("../../data/profile-default.json")).unwrap();
        let demo = crate::generate::demo_district().layers;
        let mut without_roads = demo.clone();
        without_roads.roads = None;
        for layers in [demo, without_roads] {
            let a = assess(&layers, &profile, &Progress::new()).unwrap();
            let mut taken = layers.clone();
            let mut ran = false;
            let b = assess_releasing_inputs(&mut taken, &profile, &Progress::new(), || ran = true)
                .unwrap();
            assert!(ran);
            assert_eq!(a.minutes, b.minutes);
            assert_eq!(a.set_aside, b.set_aside);
            assert_eq!(format!("{:?}", a.report), format!("{:?}", b.report));
            assert!(taken.roads.is_none());
            // Without roads the residents frame the straight-line searches.
            assert_eq!(taken.residents.is_some(), layers.roads.is_none());
            assert_eq!(taken.facilities, layers.facilities);
        }
    }

    /// The batched columns of [`assess`] against each column computed on
    /// its own, bit for bit.
    #[test]
    fn batched_columns_are_the_columns_one_by_one() {
        let layers = synthetic_district(&SyntheticParams {
            road_nodes: 2_500,
            residents: 3_000,
            facilities: 300,
            ..SyntheticParams::small()
        });
        let profile = Profile::from_json(include_str!("../../data/profile-default.json")).unwrap();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let study = engine::prepare(
            &layers,
            &profile,
            &Progress::new(),
            &mut PhaseTimings::default(),
        )
        .unwrap();
        let placed = study.place_all(&layers.facilities);
        assert_eq!(a.minutes.len(), a.slots.len());
        let mut reached = 0;
        for (slot, column) in a.slots.iter().zip(&a.minutes) {
            let alone = engine::compute_slot(&study, &profile, slot, &placed, false).0;
            let bits = |c: &[f32]| c.iter().map(|m| m.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(column), bits(&alone), "{slot:?}");
            reached += column.iter().filter(|m| m.is_finite()).count();
        }
        assert!(reached > 0);
    }
}
