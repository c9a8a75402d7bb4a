//! Sharing between townships (METHOD.md steps 18–19): which facility serves
//! each covered resident, the township that facility belongs to, and per
//! tier × category how much of township A's demand township B's facilities
//! serve.
//!
//! The serving facility is the exact argmin of `(t_ij, file index)`: the
//! coverage search keeps no labels and breaks ties by whichever source
//! reaches a node first, so this module runs its own multi-source search
//! with lexicographic `(seconds, facility index)` labels in double
//! precision. It runs after the assessment (for reports), so the main
//! assessment keeps its speed. Which residents are covered is read from the
//! assessment's minute columns, so a township's row of the sharing table
//! adds up to its covered demand.

use super::engine::{self, Attachment, facility_seeds_exact, layer_bounds};
use super::{Assessment, CoverageReport, TownshipIndex};
use crate::geodesy::LocalProjection;
use crate::model::{Layers, Mode, Profile};
use crate::network::{
    ModeGraph, Network, Snap, TRAVERSE_BACKWARD, TRAVERSE_FORWARD, TimeBuckets, prefetch,
};
use rayon::prelude::*;
use std::borrow::Cow;
use std::cmp::Ordering;
#[cfg(test)]
use std::collections::BinaryHeap;
use std::collections::HashMap;

/// No facility serves the resident (not covered, or not reached).
pub const NOT_SERVED: u32 = u32::MAX;

/// Who serves whom for one tier and category.
#[derive(Clone, Debug, PartialEq)]
pub struct SharingTable {
    /// Index of the tier in the profile.
    pub tier: usize,
    pub category: String,
    /// `demand[from][to]`: demand of residents of township `from` served by
    /// facilities of township `to`; index `townships.len()` is "outside".
    pub demand: Vec<Vec<f64>>,
    /// `(facility index in the facilities file, served township or None for
    /// outside, demand)`, by facility then township (outside last).
    pub by_facility: Vec<(u32, Option<u32>, f64)>,
}

impl SharingTable {
    /// Demand of `from`'s covered residents (the row sum).
    pub fn covered(&self, from: usize) -> f64 {
        self.demand[from].iter().sum()
    }

    /// METHOD 19: demand served by own facilities / covered demand (0 when
    /// nothing is covered); `from` = `townships.len()` is "outside".
    pub fn served_by_own_share(&self, from: usize) -> f64 {
        let covered = self.covered(from);
        if covered > 0.0 {
            self.demand[from][from] / covered
        } else {
            0.0
        }
    }

    /// The district's share: demand served in its own township (outside by
    /// outside included) over all covered demand.
    pub fn total_served_by_own_share(&self) -> f64 {
        let all: f64 = self.demand.iter().flatten().sum();
        let own: f64 = (0..self.demand.len()).map(|i| self.demand[i][i]).sum();
        if all > 0.0 { own / all } else { 0.0 }
    }
}

/// Sharing of every tier × category, in profile order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sharing {
    /// Township of every facility (file order); `None`: outside.
    pub facility_township: Vec<Option<u32>>,
    /// Per tier (profile order), per category (required then optional).
    pub tables: Vec<SharingTable>,
}

impl Sharing {
    /// Put `served_by_own_share` on every township × tier × category of
    /// `report` and on `total`.
    pub fn fill_report(&self, report: &mut CoverageReport) {
        for table in &self.tables {
            for (ti, township) in report.townships.iter_mut().enumerate() {
                if let Some(c) = category_of(&mut township.figures.tiers, table) {
                    c.served_by_own_share = Some(table.served_by_own_share(ti));
                }
            }
            if let Some(c) = category_of(&mut report.total.tiers, table) {
                c.served_by_own_share = Some(table.total_served_by_own_share());
            }
        }
    }
}

fn category_of<'a>(
    tiers: &'a mut [super::TierCoverage],
    table: &SharingTable,
) -> Option<&'a mut super::CategoryCoverage> {
    tiers
        .get_mut(table.tier)?
        .categories
        .iter_mut()
        .find(|c| c.id == table.category)
}

/// The sharing figures of `assessment` (an assessment of `layers` against
/// `profile`).
pub fn sharing(assessment: &Assessment, layers: &Layers, profile: &Profile) -> Sharing {
    sharing_reading(assessment, layers, profile, Reading::WithinTiers)
}

/// Which residents' serving facilities [`sharing_reading`] looks up.
#[derive(Clone, Copy, PartialEq)]
enum Reading {
    /// Only those the tables read: within their tier's minutes.
    WithinTiers,
    /// Everyone (the tables must come out the same; tested).
    #[cfg(test)]
    Everyone,
}

fn sharing_reading(
    assessment: &Assessment,
    layers: &Layers,
    profile: &Profile,
    reading: Reading,
) -> Sharing {
    let index = TownshipIndex::new(&layers.townships);
    let facility_township: Vec<Option<u32>> = layers
        .facilities
        .par_iter()
        .map(|f| index.locate([f.location.x(), f.location.y()]))
        .collect();
    let n = layers.townships.len();
    // Every tier × category in profile order, with its minute column.
    let wanted: Vec<(usize, &str, usize)> = profile
        .tiers
        .iter()
        .enumerate()
        .flat_map(|(ti, tier)| tier.all_categories().map(move |c| (ti, tier, c)))
        .filter_map(|(ti, tier, category)| {
            assessment.minutes_for(tier, category)?;
            Some((ti, category, assessment.slot(tier.mode, category)?))
        })
        .collect();
    let mut tables: Vec<Option<SharingTable>> = wanted.iter().map(|_| None).collect();
    // Each resident's demand by the group a category serves (`None`:
    // everyone), made once per group rather than once per column.
    let mut weights_of: HashMap<Option<&str>, Vec<f64>> = HashMap::new();
    // The tables read only residents within their tier's minutes: per
    // column, the largest of those limits; residents beyond it need no
    // serving facility.
    let mut read_within: Vec<Option<f32>> = vec![Some(f32::NEG_INFINITY); assessment.slots.len()];
    for &(ti, _, slot) in &wanted {
        let limit = profile.tiers[ti].minutes as f32;
        read_within[slot] = read_within[slot].map(|l| l.max(limit));
    }
    if reading != Reading::WithinTiers {
        read_within.fill(None);
    }
    // The serving columns come a few at a time and go once their tables
    // are made: all of them at once would be a u32 per resident and column.
    serving_columns(
        assessment,
        layers,
        profile,
        SERVING_WAITING,
        &read_within,
        |slot, served| {
            for (k, &(ti, category, _)) in wanted.iter().enumerate().filter(|w| w.1.2 == slot) {
                let tier = &profile.tiers[ti];
                let minutes = &assessment.minutes[slot];
                let limit = tier.minutes as f32;
                let weights = weights_of
                    .entry(profile.category_group(category))
                    .or_insert_with(|| {
                        super::groups::category_weights(
                            profile,
                            category,
                            &assessment.demand,
                            &assessment.resident_township,
                            &layers.townships,
                        )
                    });
                let mut demand = vec![vec![0.0; n + 1]; n + 1];
                // Per facility, the townships it serves with their demand,
                // each summed in resident order (a facility serves few).
                let mut by_facility: Vec<Vec<(u32, f64)>> =
                    vec![Vec::new(); layers.facilities.len()];
                for (i, &m) in minutes.iter().enumerate() {
                    let j = served[i];
                    if m > limit || m.is_nan() || j == NOT_SERVED {
                        continue;
                    }
                    let w = weights[i];
                    let from = assessment.resident_township[i].map_or(n, |t| t as usize);
                    let to = facility_township[j as usize].map_or(n, |t| t as usize);
                    demand[from][to] += w;
                    let rows = &mut by_facility[j as usize];
                    match rows.iter_mut().find(|r| r.0 == from as u32) {
                        Some(row) => row.1 += w,
                        None => rows.push((from as u32, w)),
                    }
                }
                tables[k] = Some(SharingTable {
                    tier: ti,
                    category: category.to_string(),
                    demand,
                    by_facility: by_facility
                        .into_iter()
                        .enumerate()
                        .flat_map(|(j, mut rows)| {
                            rows.sort_unstable_by_key(|r| r.0);
                            rows.into_iter()
                                .map(move |(t, d)| (j as u32, (t as usize != n).then_some(t), d))
                        })
                        .collect(),
                });
            }
        },
    );
    let tables = tables
        .into_iter()
        .map(|t| t.expect("every wanted column was served"))
        .collect();
    Sharing {
        facility_township,
        tables,
    }
}

/// Per minute column of `assessment` (`assessment.slots` order), per demand
/// point: the facility (index in `layers.facilities`) with the smallest
/// travel time within the column's limit, ties to the first in file order;
/// [`NOT_SERVED`] when none is reached.
pub fn serving_facilities(
    assessment: &Assessment,
    layers: &Layers,
    profile: &Profile,
) -> Vec<Vec<u32>> {
    let mut columns: Vec<Option<Vec<u32>>> = vec![None; assessment.slots.len()];
    let everyone = vec![None; assessment.slots.len()];
    serving_columns(
        assessment,
        layers,
        profile,
        usize::MAX,
        &everyone,
        |slot, column| {
            columns[slot] = Some(column);
        },
    );
    columns
        .into_iter()
        .map(|c| c.expect("every slot has a mode"))
        .collect()
}

/// Serving columns found but not yet handed on in [`sharing`], at most: a
/// u32 per resident each.
const SERVING_WAITING: usize = 4;

/// The columns of [`serving_facilities`], handed to `each(slot, column)`
/// mode by mode as they are found (not in slot order), at most `waiting`
/// of them found and not yet handed on. With
/// `read_within[slot] = Some(minutes)`, residents whose travel time in the
/// column is beyond `minutes` (or unknown) are left [`NOT_SERVED`] without
/// a look (on roads; the straight-line search serves everyone).
fn serving_columns(
    assessment: &Assessment,
    layers: &Layers,
    profile: &Profile,
    waiting: usize,
    read_within: &[Option<f32>],
    mut each: impl FnMut(usize, Vec<u32>) + Send,
) {
    let projection = match assessment.network() {
        Some(net) => net.projection,
        None => LocalProjection::for_bounds(layer_bounds(layers)),
    };
    // Projected only when needed: the assessment's kept attachments spare
    // the snapping (at province scale 3M projections).
    let projected = std::sync::OnceLock::new();
    let resident_xy = || -> &Vec<[f64; 2]> {
        projected.get_or_init(|| {
            assessment
                .demand
                .par_iter()
                .map(|r| projection.forward(r.location.x(), r.location.y()))
                .collect()
        })
    };
    let facility_xy: Vec<[f64; 2]> = layers
        .facilities
        .iter()
        .map(|f| projection.forward(f.location.x(), f.location.y()))
        .collect();
    // Mode by mode: the residents' attachments of that mode once, then its
    // columns in parallel; the attachments go before the next mode's are
    // made (at province scale each mode's take hundreds of MB).
    for mode in Mode::ALL {
        let of_mode: Vec<usize> = (0..assessment.slots.len())
            .filter(|&i| assessment.slots[i].mode == mode)
            .collect();
        if of_mode.is_empty() {
            continue;
        }
        let m = mode.index();
        let network = assessment
            .routing
            .as_ref()
            .and_then(|r| Some((r.graphs[m].as_ref()?, &*r.network)));
        // The assessment's own attachments when it kept them (the same
        // snaps), else the residents snapped to this mode here.
        let kept = &assessment.attachments.0[m];
        let attachments: Option<Cow<'_, [Attachment]>> = network.map(|(graph, net)| {
            if kept.len() == assessment.demand.len() {
                Cow::Borrowed(kept.as_slice())
            } else {
                Cow::Owned(
                    net.snap_many(resident_xy(), 1 << m)
                        .into_par_iter()
                        .map(|s| Attachment::new(graph, net, s[m]))
                        .collect(),
                )
            }
        });
        // The serving column of slot `i`.
        let serve = |i: usize| -> Vec<u32> {
            let slot = &assessment.slots[i];
            // Stray facilities were set aside by the assessment (METHOD 1).
            let of_category: Vec<u32> = (0..layers.facilities.len() as u32)
                .filter(|&j| layers.facilities[j as usize].category == slot.category)
                .filter(|&j| {
                    !assessment
                        .set_aside
                        .iter()
                        .any(|s| s.layer == "facilities" && s.feature == j as usize + 1)
                })
                .collect();
            match (network, &attachments) {
                (Some((graph, net)), Some(attachments)) => {
                    // As the assessment placed them when it kept
                    // them and they are the same facilities.
                    let kept = |j: usize| {
                        let p = assessment.placed.0.get(j)?.as_ref()?;
                        (p.xy == facility_xy[j] && p.category == layers.facilities[j].category)
                            .then_some(p.snaps[m])
                    };
                    let facilities: Vec<(u32, Snap)> = of_category
                        .iter()
                        .filter_map(|&j| {
                            let xy = facility_xy[j as usize];
                            let s = kept(j as usize).unwrap_or_else(|| net.snap(xy, 1 << m)[m]);
                            s.map(|s| (j, s))
                        })
                        .collect();
                    // A little beyond the limit, so that a resident the
                    // single-precision column counts as covered is reached.
                    let limit_s = slot.limit_minutes * 60.0 * 1.001 + 1.0;
                    let only = read_within[i].map(|m| (&assessment.minutes[i][..], m));
                    nearest_on_network(graph, net, &facilities, attachments, only, limit_s)
                }
                _ => {
                    let speed = engine::straight_line_speed_mps(profile, slot.mode);
                    let limit_m =
                        (slot.limit_minutes * 60.0 * 1.001 + 1.0) * speed / profile.detour_factor;
                    nearest_straight(&facility_xy, &of_category, resident_xy(), limit_m)
                }
            }
        };
        // The columns are searched in parallel and handed on as each is
        // found, on a thread of their own, so that no core waits for the
        // slowest column of a batch.
        let (found, handed) =
            std::sync::mpsc::sync_channel::<(usize, Vec<u32>)>(waiting.clamp(1, of_mode.len()));
        std::thread::scope(|scope| {
            let each = &mut each;
            scope.spawn(move || handed.into_iter().for_each(|(i, column)| each(i, column)));
            of_mode.par_iter().for_each_with(found, |found, &i| {
                // The receiver ends only when every sender has.
                let _ = found.send((i, serve(i)));
            });
        });
        drop(attachments);
    }
}

/// A search label: seconds, then the facility index (smaller wins).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Label {
    secs: f64,
    facility: u32,
}

impl Label {
    const NONE: Label = Label {
        secs: f64::INFINITY,
        facility: NOT_SERVED,
    };

    fn better_than(self, other: Label) -> bool {
        match self.secs.total_cmp(&other.secs) {
            Ordering::Less => true,
            Ordering::Equal => self.facility < other.facility,
            Ordering::Greater => false,
        }
    }
}

/// Heap entry: the smallest label first.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq)]
struct Entry(Label, u32);

#[cfg(test)]
impl Eq for Entry {}
#[cfg(test)]
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .secs
            .total_cmp(&self.0.secs)
            .then(other.0.facility.cmp(&self.0.facility))
            .then(other.1.cmp(&self.1))
    }
}
#[cfg(test)]
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The serving facility of every resident on the network: a search over
/// incoming arcs with lexicographic labels ([`node_labels`]),
/// then at each resident the best of both ends of its segment and of the
/// facilities on the same segment. With `only = Some((minutes, limit))`,
/// residents whose `minutes` are beyond `limit` (or NaN) are left
/// [`NOT_SERVED`] unlooked at.
fn nearest_on_network(
    graph: &ModeGraph,
    net: &Network,
    facilities: &[(u32, Snap)],
    attachments: &[Attachment],
    only: Option<(&[f32], f32)>,
    limit_s: f64,
) -> Vec<u32> {
    let mut seeds = Vec::new();
    // `(segment, position, connector seconds, facility)` by segment: a
    // resident looks up the facilities on its own segment by bisection.
    let mut on_segment: Vec<(u32, f64, f64, u32)> = Vec::with_capacity(facilities.len());
    for &(j, ref snap) in facilities {
        for (v, secs) in facility_seeds_exact(graph, net, snap) {
            seeds.push((v, Label { secs, facility: j }));
        }
        on_segment.push((
            snap.segment,
            snap.t as f64,
            snap.connector_m as f64 / graph.connector_mps,
            j,
        ));
    }
    on_segment.sort_unstable_by_key(|e| e.0);
    // Whether a segment holds any of them: most residents' do not.
    let mut holds_facility = vec![0u64; net.segments.len().div_ceil(64)];
    for e in &on_segment {
        holds_facility[e.0 as usize / 64] |= 1 << (e.0 % 64);
    }
    let best = node_labels(graph, &seeds, limit_s);
    attachments
        .par_iter()
        .enumerate()
        .map(|(i, at)| {
            if at.dirs == 0 {
                return NOT_SERVED;
            }
            if let Some((minutes, limit)) = only
                && (minutes[i] > limit || minutes[i].is_nan())
            {
                return NOT_SERVED;
            }
            let (t, w) = (at.t as f64, at.w as f64);
            let (la, lb) = (best.get(at.a), best.get(at.b));
            let mut pick = Label::NONE;
            let mut offer = |secs: f64, facility: u32| {
                let l = Label { secs, facility };
                if facility != NOT_SERVED && l.better_than(pick) {
                    pick = l;
                }
            };
            if t == 0.0 {
                offer(la.secs, la.facility);
            } else if t == 1.0 {
                offer(lb.secs, lb.facility);
            }
            if at.dirs & TRAVERSE_FORWARD != 0 {
                offer((1.0 - t) * w + lb.secs, lb.facility);
            }
            if at.dirs & TRAVERSE_BACKWARD != 0 {
                offer(t * w + la.secs, la.facility);
            }
            let holds = holds_facility
                .get(at.segment as usize / 64)
                .is_some_and(|bits| bits & (1 << (at.segment % 64)) != 0);
            let first = if holds {
                on_segment.partition_point(|e| e.0 < at.segment)
            } else {
                on_segment.len()
            };
            for &(_, tf, conn_f, j) in on_segment[first..].iter().take_while(|e| e.0 == at.segment)
            {
                if at.dirs & TRAVERSE_FORWARD != 0 && tf >= t {
                    offer((tf - t) * w + conn_f, j);
                }
                if at.dirs & TRAVERSE_BACKWARD != 0 && tf <= t {
                    offer((t - tf) * w + conn_f, j);
                }
            }
            if pick.facility != NOT_SERVED && at.conn_s as f64 + pick.secs <= limit_s {
                pick.facility
            } else {
                NOT_SERVED
            }
        })
        .collect()
}

/// The best label `(seconds, facility)` of every node: the seconds from the
/// node to its nearest seed (a facility's entry into the network) within
/// `limit_s`, ties to the lower facility index; `Label::NONE` beyond.
///
/// Label-correcting over time buckets (like the coverage search in
/// `network::graph`, see [`TimeBuckets`]): a node lowered inside the bucket
/// being worked on is processed again, so every arc ends relaxed from its
/// head's final label. The fixpoint is the lexicographic minimum over all
/// paths, and since `a ≤ b` implies `a + w ≤ b + w` in floating point too,
/// the sums are those the heap search ([`node_labels_by_heap`]) finds:
/// the same labels, bit for bit (tested), in a third of the time on large
/// networks.
fn node_labels(graph: &ModeGraph, seeds: &[(u32, Label)], limit_s: f64) -> BestLabels {
    let mut best = BestLabels {
        secs: vec![f64::INFINITY; graph.node_count()],
        facility: vec![NOT_SERVED; graph.node_count()],
    };
    let mut queue = TimeBuckets::default();
    queue.reset(limit_s as f32);
    for &(v, label) in seeds {
        if label.secs <= limit_s && label.better_than(best.get(v)) {
            best.set(v, label);
            queue.push(label.secs as f32, v);
        }
    }
    for b in 0..queue.bucket_count() {
        let mut list = queue.take(b);
        let mut i = 0;
        while i < list.len() {
            // As in the coverage search: ask early for what comes next.
            if let Some(&(_, far)) = list.get(i + 32) {
                graph.prefetch_offsets(far);
                prefetch(&best.secs, far as usize);
            }
            if let Some(&(_, mid)) = list.get(i + 12) {
                graph.prefetch_arcs(mid);
            }
            let (key, v) = list[i];
            i += 1;
            let secs = best.secs[v as usize];
            // A later, lower entry of this node follows: skip this one.
            if key > secs as f32 {
                continue;
            }
            let facility = best.facility[v as usize];
            for (u, w) in graph.in_arcs(v) {
                let next = secs + w as f64;
                // Lexicographic (seconds, facility); the facility array is
                // read only on a tie of seconds.
                let old = best.secs[u as usize];
                if next <= limit_s
                    && (next < old || (next == old && facility < best.facility[u as usize]))
                {
                    best.secs[u as usize] = next;
                    best.facility[u as usize] = facility;
                    let key = next as f32;
                    if queue.bucket_of(key) <= b {
                        list.push((key, u));
                    } else {
                        queue.push(key, u);
                    }
                }
            }
        }
        queue.put_back(b, list);
    }
    best
}

/// The labels of [`node_labels`], seconds and facility in separate arrays:
/// the search reads the seconds of every neighbour and the facility only on
/// a tie, so the array it walks is half as large.
struct BestLabels {
    secs: Vec<f64>,
    facility: Vec<u32>,
}

impl BestLabels {
    fn get(&self, v: u32) -> Label {
        Label {
            secs: self.secs[v as usize],
            facility: self.facility[v as usize],
        }
    }

    fn set(&mut self, v: u32, label: Label) {
        self.secs[v as usize] = label.secs;
        self.facility[v as usize] = label.facility;
    }
}

/// [`node_labels`] by the textbook search: Dijkstra with a binary heap of
/// lexicographic labels. The reference the fast search is tested against.
#[cfg(test)]
fn node_labels_by_heap(graph: &ModeGraph, seeds: &[(u32, Label)], limit_s: f64) -> Vec<Label> {
    let mut best = vec![Label::NONE; graph.node_count()];
    let mut heap = BinaryHeap::new();
    for &(v, label) in seeds {
        if label.secs <= limit_s && label.better_than(best[v as usize]) {
            best[v as usize] = label;
            heap.push(Entry(label, v));
        }
    }
    while let Some(Entry(label, v)) = heap.pop() {
        if best[v as usize] != label {
            continue;
        }
        for (u, w) in graph.in_arcs(v) {
            let next = Label {
                secs: label.secs + w as f64,
                facility: label.facility,
            };
            if next.secs <= limit_s && next.better_than(best[u as usize]) {
                best[u as usize] = next;
                heap.push(Entry(next, u));
            }
        }
    }
    best
}

/// Without roads: the nearest facility by straight line (time is distance ×
/// detour / speed, so the nearest is the fastest), ties to the first.
fn nearest_straight(
    facility_xy: &[[f64; 2]],
    of_category: &[u32],
    resident_xy: &[[f64; 2]],
    limit_m: f64,
) -> Vec<u32> {
    use rstar::primitives::GeomWithData;
    let tree = rstar::RTree::bulk_load(
        of_category
            .iter()
            .map(|&j| GeomWithData::new(facility_xy[j as usize], j))
            .collect(),
    );
    resident_xy
        .par_iter()
        .map(|xy| {
            let mut near = tree.nearest_neighbor_iter_with_distance_2(xy);
            let Some((first, d2)) = near.next() else {
                return NOT_SERVED;
            };
            if d2.sqrt() > limit_m {
                return NOT_SERVED;
            }
            let mut pick = first.data;
            for (g, e2) in near {
                if e2 != d2 {
                    break;
                }
                pick = pick.min(g.data);
            }
            pick
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{random_case, tiny_case};
    use crate::analysis::{Progress, assess};
    use crate::model::Township;
    use geo::{MultiPolygon, polygon};

    fn table<'a>(s: &'a Sharing, tier: usize, category: &str) -> &'a SharingTable {
        s.tables
            .iter()
            .find(|t| t.tier == tier && t.category == category)
            .unwrap()
    }

    /// tiny_case (see analysis::tests): West = 0, East = 1, outside = 2.
    /// The shop (facility 0) is in East, the school (facility 1) in West.
    /// R1 (10, East) reaches the shop in 1.11 min and the school in 4.82;
    /// R2 (30, West) the shop in 6.12 and the school in 0.55; R3 nothing.
    #[test]
    fn tiny_case_by_hand() {
        let (layers, profile) = tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let s = sharing(&a, &layers, &profile);
        assert_eq!(s.facility_township, vec![Some(1), Some(0)]);
        let t5 = table(&s, 0, "shop");
        assert_eq!(
            t5.demand,
            vec![vec![0.0; 3], vec![0.0, 10.0, 0.0], vec![0.0; 3]]
        );
        assert_eq!(t5.by_facility, vec![(0, Some(1), 10.0)]);
        let shop = table(&s, 1, "shop");
        assert_eq!(shop.demand[0], vec![0.0, 30.0, 0.0]);
        assert_eq!(shop.demand[1], vec![0.0, 10.0, 0.0]);
        assert_eq!(shop.served_by_own_share(0), 0.0);
        assert_eq!(shop.served_by_own_share(1), 1.0);
        assert_eq!(shop.total_served_by_own_share(), 0.25);
        let school = table(&s, 1, "school");
        assert_eq!(school.demand[0], vec![30.0, 0.0, 0.0]);
        assert_eq!(school.demand[1], vec![10.0, 0.0, 0.0]);
        assert_eq!(school.total_served_by_own_share(), 0.75);
        assert_eq!(
            school.by_facility,
            vec![(1, Some(0), 30.0), (1, Some(1), 10.0)]
        );
        let park = table(&s, 1, "park");
        assert!(park.demand.iter().flatten().all(|&d| d == 0.0));
        assert_eq!(park.served_by_own_share(0), 0.0);

        let mut report = a.report.clone();
        s.fill_report(&mut report);
        let own = |area: &crate::analysis::AreaCoverage, tier: usize, c: &str| {
            area.tiers[tier]
                .categories
                .iter()
                .find(|x| x.id == c)
                .unwrap()
                .served_by_own_share
        };
        assert_eq!(own(&report.townships[0].figures, 1, "school"), Some(1.0));
        assert_eq!(own(&report.townships[1].figures, 1, "school"), Some(0.0));
        assert_eq!(own(&report.total, 1, "shop"), Some(0.25));
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("\"served_by_own_share\":0.25"));
    }

    /// Two shops at the same place: the first in file order serves, whichever
    /// order they come in; by road and by straight line.
    #[test]
    fn ties_go_to_the_first_facility() {
        for roads in [true, false] {
            let (mut layers, profile) = tiny_case();
            if !roads {
                layers.roads = None;
            }
            let shop = layers.facilities[0].clone();
            let mut other = shop.clone();
            other.name = "second".into();
            // Second shop (index 2) at the same place: index 0 still serves.
            layers.facilities.push(other.clone());
            let a = assess(&layers, &profile, &Progress::new()).unwrap();
            let served = serving_facilities(&a, &layers, &profile);
            let col = a.slot(Mode::Walk, "shop").unwrap();
            assert!(served[col].iter().all(|&j| j == 0 || j == NOT_SERVED));
            assert!(served[col].contains(&0));
            // Now the same place comes first (index 0) and the old shop is 2.
            layers.facilities.swap(0, 2);
            let a = assess(&layers, &profile, &Progress::new()).unwrap();
            let served = serving_facilities(&a, &layers, &profile);
            assert!(served[col].iter().all(|&j| j == 0 || j == NOT_SERVED));
        }
    }

    /// The bucket search gives the heap search's labels bit for bit, for
    /// every mode and category column of the demo district, a small
    /// synthetic district and the random cases, with the tier's limit and
    /// without one; each facility's seeds are also given a twin (the next
    /// facility index, same node and time), so ties are decided too.
    #[test]
    fn bucket_labels_equal_heap_labels() {
        use crate::generate::{
            DEFAULT_PROFILE_JSON, SyntheticParams, demo_district, synthetic_district,
        };
        let default = Profile::from_json(DEFAULT_PROFILE_JSON).unwrap();
        let mut cases = vec![
            (demo_district().layers, default.clone()),
            (synthetic_district(&SyntheticParams::small()), default),
        ];
        cases.extend((0..8).map(random_case));
        let mut compared = 0;
        for (layers, profile) in &cases {
            let a = assess(layers, profile, &Progress::new()).unwrap();
            let routing = a.routing.as_ref().expect("a road network");
            for slot in &a.slots {
                let m = slot.mode.index();
                let Some(graph) = routing.graphs[m].as_ref() else {
                    continue;
                };
                let net = &*routing.network;
                let mut seeds = Vec::new();
                for (j, f) in layers.facilities.iter().enumerate() {
                    if f.category != slot.category {
                        continue;
                    }
                    let xy = net.projection.forward(f.location.x(), f.location.y());
                    let Some(snap) = net.snap(xy, 1 << m)[m] else {
                        continue;
                    };
                    for (v, secs) in facility_seeds_exact(graph, net, &snap) {
                        for twin in [1, 0] {
                            let facility = 2 * j as u32 + twin;
                            seeds.push((v, Label { secs, facility }));
                        }
                    }
                }
                for limit_s in [slot.limit_minutes * 60.0, f64::INFINITY] {
                    let fast = node_labels(graph, &seeds, limit_s);
                    let slow = node_labels_by_heap(graph, &seeds, limit_s);
                    assert_eq!(fast.secs.len(), slow.len());
                    let fast: Vec<Label> = (0..slow.len() as u32).map(|v| fast.get(v)).collect();
                    for (v, (f, s)) in fast.iter().zip(&slow).enumerate() {
                        assert!(
                            f.secs.to_bits() == s.secs.to_bits() && f.facility == s.facility,
                            "{}: node {v}: {f:?} vs {s:?}",
                            slot.category
                        );
                    }
                    compared += fast.iter().filter(|l| l.facility != NOT_SERVED).count();
                }
            }
        }
        assert!(compared > 100_000, "only {compared} labels compared");
    }

    /// Three townships across the random cases (some residents and
    /// facilities outside all of them).
    fn split_townships(layers: &mut crate::model::Layers) {
        let strip = |name: &str, y0: f64, y1: f64| Township {
            name: name.into(),
            code: None,
            boundary: MultiPolygon(vec![polygon![
                (x: -0.01, y: y0), (x: 0.03, y: y0), (x: 0.03, y: y1), (x: -0.01, y: y1)
            ]]),
        };
        layers.townships = vec![
            strip("South", -0.01, 0.004),
            strip("Middle", 0.004, 0.008),
            strip("North", 0.008, 0.011),
        ];
    }

    #[test]
    fn rows_add_up_to_each_townships_covered_demand() {
        for seed in 1..=8u64 {
            let (mut layers, profile) = random_case(seed);
            split_townships(&mut layers);
            let a = assess(&layers, &profile, &Progress::new()).unwrap();
            let s = sharing(&a, &layers, &profile);
            let mut report = a.report.clone();
            s.fill_report(&mut report);
            for t in &s.tables {
                for (ti, township) in report.townships.iter().enumerate() {
                    let c = township.figures.tiers[t.tier]
                        .categories
                        .iter()
                        .find(|c| c.id == t.category)
                        .unwrap();
                    assert!(
                        (t.covered(ti) - c.covered_population).abs() < 1e-9,
                        "seed {seed} tier {} {} township {ti}: {} vs {}",
                        t.tier,
                        t.category,
                        t.covered(ti),
                        c.covered_population
                    );
                }
                let by_facility: f64 = t.by_facility.iter().map(|f| f.2).sum();
                let all: f64 = t.demand.iter().flatten().sum();
                assert!((by_facility - all).abs() < 1e-9);
                let total = report.total.tiers[t.tier]
                    .categories
                    .iter()
                    .find(|c| c.id == t.category)
                    .unwrap();
                // The district figures count the residents outside every
                // township too (METHOD 16); the table has them as a last row.
                assert!((all - total.covered_population).abs() < 1e-9);
            }
        }
    }

    /// Reference: a plain Dijkstra from every facility alone (seconds from
    /// each node to it), then per resident the smallest time over all
    /// facilities, the first in file order among equals.
    fn brute_force_serving(
        a: &Assessment,
        layers: &Layers,
        mode: Mode,
        category: &str,
        limit_s: f64,
    ) -> Vec<u32> {
        let routing = a.routing.as_ref().unwrap();
        let (net, graph) = (
            &*routing.network,
            routing.graphs[mode.index()].as_ref().unwrap(),
        );
        let proj = net.projection;
        let n = graph.node_count();
        let mut per_facility: Vec<(u32, Snap, Vec<f64>)> = Vec::new();
        for (j, f) in layers.facilities.iter().enumerate() {
            if f.category != category {
                continue;
            }
            let xy = proj.forward(f.location.x(), f.location.y());
            let Some(snap) = net.snap(xy, 1 << mode.index())[mode.index()] else {
                continue;
            };
            let mut dist = vec![f64::INFINITY; n];
            let mut done = vec![false; n];
            for (v, s) in facility_seeds_exact(graph, net, &snap) {
                dist[v as usize] = dist[v as usize].min(s);
            }
            while let Some(v) = (0..n)
                .filter(|&v| !done[v] && dist[v].is_finite())
                .min_by(|&x, &y| dist[x].total_cmp(&dist[y]))
            {
                done[v] = true;
                for (u, w) in graph.in_arcs(v as u32) {
                    let t = dist[v] + w as f64;
                    if t < dist[u as usize] {
                        dist[u as usize] = t;
                    }
                }
            }
            per_facility.push((j as u32, snap, dist));
        }
        a.demand
            .iter()
            .map(|r| {
                let xy = proj.forward(r.location.x(), r.location.y());
                let at = Attachment::new(graph, net, net.snap(xy, 1 << mode.index())[mode.index()]);
                if at.dirs == 0 {
                    return NOT_SERVED;
                }
                let (t, w) = (at.t as f64, at.w as f64);
                let mut best = (f64::INFINITY, NOT_SERVED);
                for (j, snap, dist) in &per_facility {
                    let mut tij = f64::INFINITY;
                    let (da, db) = (dist[at.a as usize], dist[at.b as usize]);
                    if t == 0.0 {
                        tij = tij.min(da);
                    }
                    if t == 1.0 {
                        tij = tij.min(db);
                    }
                    if at.dirs & TRAVERSE_FORWARD != 0 {
                        tij = tij.min((1.0 - t) * w + db);
                    }
                    if at.dirs & TRAVERSE_BACKWARD != 0 {
                        tij = tij.min(t * w + da);
                    }
                    if snap.segment == at.segment {
                        let (tf, conn) =
                            (snap.t as f64, snap.connector_m as f64 / graph.connector_mps);
                        if at.dirs & TRAVERSE_FORWARD != 0 && tf >= t {
                            tij = tij.min((tf - t) * w + conn);
                        }
                        if at.dirs & TRAVERSE_BACKWARD != 0 && tf <= t {
                            tij = tij.min((t - tf) * w + conn);
                        }
                    }
                    if tij < best.0 {
                        best = (tij, *j);
                    }
                }
                if best.0 + at.conn_s as f64 <= limit_s {
                    best.1
                } else {
                    NOT_SERVED
                }
            })
            .collect()
    }

    #[test]
    fn random_networks_with_ties_match_brute_force() {
        let mut compared = 0;
        let mut tied = 0;
        for seed in 1..=10u64 {
            let (mut layers, profile) = random_case(seed);
            // Deliberate ties: copies of facilities at the same place, some
            // behind and one in front of the originals in file order.
            let copies: Vec<_> = layers.facilities.iter().step_by(3).cloned().collect();
            layers.facilities.extend(copies);
            let first = layers.facilities[1].clone();
            layers.facilities.insert(0, first);
            let a = assess(&layers, &profile, &Progress::new()).unwrap();
            let served = serving_facilities(&a, &layers, &profile);
            for (si, slot) in a.slots.iter().enumerate() {
                if a.routing.as_ref().unwrap().graphs[slot.mode.index()].is_none() {
                    continue;
                }
                let limit_s = slot.limit_minutes * 60.0 * 1.001 + 1.0;
                let expect = brute_force_serving(&a, &layers, slot.mode, &slot.category, limit_s);
                for (i, (&g, &e)) in served[si].iter().zip(&expect).enumerate() {
                    assert_eq!(
                        g, e,
                        "seed {seed}, {:?} {}, resident {i}",
                        slot.mode, slot.category
                    );
                    if a.minutes[si][i].is_finite() {
                        assert_ne!(g, NOT_SERVED, "a covered resident has a serving facility");
                        compared += 1;
                        let f = &layers.facilities[g as usize];
                        if layers.facilities[g as usize + 1..]
                            .iter()
                            .any(|o| o.location == f.location && o.category == f.category)
                        {
                            tied += 1;
                        }
                    }
                }
            }
        }
        assert!(compared > 500, "{compared} residents compared");
        assert!(tied > 20, "{tied} residents at a tie");
    }

    /// Looking up only the residents within a tier's minutes gives the
    /// tables that looking up everyone gives, with two tiers reading the
    /// same column at different limits.
    #[test]
    fn tables_read_within_tiers_equal_tables_read_of_everyone() {
        for seed in 1..=6u64 {
            let (layers, mut profile) = random_case(seed);
            // A second tier of the first tier's mode with a shorter limit:
            // its tables read part of the same column.
            let mut shorter = profile.tiers[0].clone();
            shorter.id = format!("{}-short", shorter.id);
            shorter.minutes = (shorter.minutes / 2.0).max(1.0);
            profile.tiers.push(shorter);
            let a = assess(&layers, &profile, &Progress::new()).unwrap();
            let within = sharing_reading(&a, &layers, &profile, Reading::WithinTiers);
            let everyone = sharing_reading(&a, &layers, &profile, Reading::Everyone);
            assert!(
                within
                    .tables
                    .iter()
                    .any(|t| t.demand.iter().flatten().any(|&d| d > 0.0))
            );
            assert_eq!(
                format!("{:?}", within.tables),
                format!("{:?}", everyone.tables),
                "seed {seed}"
            );
        }
    }

    /// The serving columns read from the attachments and facility snaps
    /// the assessment kept equal those from snapping every resident and
    /// facility again (the path of an assessment that keeps none, e.g. the
    /// app's live one).
    #[test]
    fn kept_attachments_serve_as_snapping_anew() {
        for seed in 1..=4u64 {
            let (layers, profile) = random_case(seed);
            let a = assess(&layers, &profile, &Progress::new()).unwrap();
            assert!(a.attachments.0.iter().any(|m| m.len() == a.demand.len()));
            let mut without = a.clone();
            without.attachments = Default::default();
            without.placed = Default::default();
            assert_eq!(a.placed.0.len(), layers.facilities.len());
            assert!(a.placed.0.iter().flatten().count() > 4);
            assert_eq!(
                serving_facilities(&a, &layers, &profile),
                serving_facilities(&without, &layers, &profile),
                "seed {seed}"
            );
            assert_eq!(
                format!("{:?}", sharing(&a, &layers, &profile).tables),
                format!("{:?}", sharing(&without, &layers, &profile).tables),
                "seed {seed}"
            );
            // Facilities moved since the assessment are snapped where they
            // are now, not read from the kept places.
            let mut moved = layers.clone();
            for f in moved.facilities.iter_mut().step_by(2) {
                f.location = geo::Point::new(f.location.x() + 0.002, f.location.y() - 0.001);
            }
            assert_eq!(
                serving_facilities(&a, &moved, &profile),
                serving_facilities(&without, &moved, &profile),
                "seed {seed}, moved"
            );
        }
    }
}
