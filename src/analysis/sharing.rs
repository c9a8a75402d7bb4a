//! Sharing between townships (METHOD.md steps 18–19): which facility serves
//! each covered resident, the township that facility belongs to, and per
//! tier × category how much of township A's demand township B's facilities
//! serve.
//!
//! The serving facility is the exact argmin of `(t_ij, file index)`: the
//! coverage search keeps no labels and breaks ties by whichever source
//! reaches a node first, so this module runs its own multi-source search
//! with lexicographic `(seconds, facility index)` labels in double
//! precision. For the app it runs after the assessment (for reports), so
//! the assessment keeps its speed; the command line, which always wants
//! the tables, walks the network once per column for both searches
//! ([`minutes_and_serving`]) and makes each column's tables as it is found.
//! Which residents are covered is read from the assessment's minute
//! columns, so a township's row of the sharing table adds up to its
//! covered demand.

use super::engine::{self, Attachment, Placed, facility_seeds_exact, layer_bounds};
use super::{Assessment, CoverageReport, SetAside, Slot, TownshipIndex};
use crate::geodesy::LocalProjection;
use crate::model::{Facility, Layers, Mode, Profile, Resident, Township};
use crate::network::{ModeGraph, Network, Snap, TRAVERSE_BACKWARD, TRAVERSE_FORWARD, TimeBuckets};
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
    let maker = TableMaker::new(
        profile,
        &assessment.slots,
        &assessment.demand,
        &assessment.resident_township,
        &layers.townships,
        &layers.facilities,
    );
    let mut read_within = maker.read_within(assessment.slots.len());
    if reading != Reading::WithinTiers {
        read_within.fill(None);
    }
    let mut tables: Vec<Option<SharingTable>> = vec![None; maker.table_count()];
    // The serving columns come a few at a time and go once their tables
    // are made: all of them at once would be a u32 per resident and column.
    serving_columns(
        assessment,
        layers,
        profile,
        SERVING_WAITING,
        &read_within,
        |slot, served| {
            for (k, table) in maker.tables(slot, &assessment.minutes[slot], &served) {
                tables[k] = Some(table);
            }
        },
    );
    maker.sharing(tables)
}

/// What the sharing tables need besides each column's minutes and serving
/// facilities: which tier × category reads which column, every resident's
/// demand by group and township, and every facility's township.
pub(crate) struct TableMaker<'a> {
    /// Every tier × category in profile order, with its minute column.
    wanted: Vec<(usize, &'a str, usize)>,
    /// The demand group each of `wanted` serves (`None`: everyone).
    group_of: Vec<Option<&'a str>>,
    /// Each resident's demand by group, made once per group rather than
    /// once per column.
    weights_of: HashMap<Option<&'a str>, Vec<f64>>,
    tier_minutes: Vec<f32>,
    resident_township: &'a [Option<u32>],
    facility_township: Vec<Option<u32>>,
    /// Number of townships (the index of "outside").
    townships: usize,
    facilities: usize,
}

impl<'a> TableMaker<'a> {
    pub(crate) fn new(
        profile: &'a Profile,
        slots: &[Slot],
        demand: &[Resident],
        resident_township: &'a [Option<u32>],
        townships: &[Township],
        facilities: &[Facility],
    ) -> Self {
        let index = TownshipIndex::new(townships);
        let facility_township: Vec<Option<u32>> = facilities
            .par_iter()
            .map(|f| index.locate([f.location.x(), f.location.y()]))
            .collect();
        let wanted: Vec<(usize, &str, usize)> = profile
            .tiers
            .iter()
            .enumerate()
            .flat_map(|(ti, tier)| tier.all_categories().map(move |c| (ti, tier, c)))
            .filter_map(|(ti, tier, category)| {
                let slot = slots
                    .iter()
                    .position(|s| s.mode == tier.mode && s.category == category)?;
                Some((ti, category, slot))
            })
            .collect();
        let group_of: Vec<Option<&str>> =
            wanted.iter().map(|w| profile.category_group(w.1)).collect();
        let mut groups: Vec<(Option<&str>, &str)> = Vec::new();
        for (&group, w) in group_of.iter().zip(&wanted) {
            if !groups.iter().any(|g| g.0 == group) {
                groups.push((group, w.1));
            }
        }
        let weights_of = groups
            .into_par_iter()
            .map(|(group, category)| {
                let weights = super::groups::category_weights(
                    profile,
                    category,
                    demand,
                    resident_township,
                    townships,
                );
                (group, weights)
            })
            .collect();
        Self {
            wanted,
            group_of,
            weights_of,
            tier_minutes: profile.tiers.iter().map(|t| t.minutes as f32).collect(),
            resident_township,
            facility_township,
            townships: townships.len(),
            facilities: facilities.len(),
        }
    }

    /// Per column of `slots` minute columns: the largest of the tier
    /// limits its tables read (residents beyond it need no serving
    /// facility); `Some(-inf)` for a column no table reads.
    pub(crate) fn read_within(&self, slots: usize) -> Vec<Option<f32>> {
        let mut read_within: Vec<Option<f32>> = vec![Some(f32::NEG_INFINITY); slots];
        for &(ti, _, slot) in &self.wanted {
            read_within[slot] = read_within[slot].map(|l| l.max(self.tier_minutes[ti]));
        }
        read_within
    }

    /// The tables that read minute column `slot`, with their place in
    /// [`Sharing::tables`], from the column and its serving facilities.
    pub(crate) fn tables(
        &self,
        slot: usize,
        minutes: &[f32],
        served: &[u32],
    ) -> Vec<(usize, SharingTable)> {
        let n = self.townships;
        let mut tables = Vec::new();
        for (k, &(ti, category, _)) in self.wanted.iter().enumerate().filter(|w| w.1.2 == slot) {
            let limit = self.tier_minutes[ti];
            let weights = &self.weights_of[&self.group_of[k]];
            let mut demand = vec![vec![0.0; n + 1]; n + 1];
            // Per facility, the townships it serves with their demand,
            // each summed in resident order (a facility serves few).
            let mut by_facility: Vec<Vec<(u32, f64)>> = vec![Vec::new(); self.facilities];
            for (i, &m) in minutes.iter().enumerate() {
                let j = served[i];
                if beyond(m, limit) || j == NOT_SERVED {
                    continue;
                }
                let w = weights[i];
                let from = self.resident_township[i].map_or(n, |t| t as usize);
                let to = self.facility_township[j as usize].map_or(n, |t| t as usize);
                demand[from][to] += w;
                let rows = &mut by_facility[j as usize];
                match rows.iter_mut().find(|r| r.0 == from as u32) {
                    Some(row) => row.1 += w,
                    None => rows.push((from as u32, w)),
                }
            }
            let table = SharingTable {
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
            };
            tables.push((k, table));
        }
        tables
    }

    /// The sharing figures from every wanted table (in [`Sharing::tables`]
    /// order).
    pub(crate) fn sharing(self, tables: Vec<Option<SharingTable>>) -> Sharing {
        Sharing {
            facility_township: self.facility_township,
            tables: tables
                .into_iter()
                .map(|t| t.expect("every wanted column was served"))
                .collect(),
        }
    }

    /// Number of tables [`Self::sharing`] takes.
    pub(crate) fn table_count(&self) -> usize {
        self.wanted.len()
    }
}

/// The facilities of `slot`'s category, in file order, but those the
/// assessment set aside as stray (METHOD 1).
fn of_category(slot: &Slot, facilities: &[Facility], set_aside: &[SetAside]) -> Vec<u32> {
    (0..facilities.len() as u32)
        .filter(|&j| facilities[j as usize].category == slot.category)
        .filter(|&j| {
            !set_aside
                .iter()
                .any(|s| s.layer == "facilities" && s.feature == j as usize + 1)
        })
        .collect()
}

/// `of_category` attached to mode `m`'s roads: as the assessment placed
/// them when it did and they are the same facilities (position and
/// category), else snapped here; those no road takes are left out.
fn attached_facilities(
    of_category: &[u32],
    facilities: &[Facility],
    placed: &[Option<Placed>],
    facility_xy: &[[f64; 2]],
    net: &Network,
    m: usize,
) -> Vec<(u32, Snap)> {
    let kept = |j: usize| {
        let p = placed.get(j)?.as_ref()?;
        (p.xy == facility_xy[j] && p.category == facilities[j].category).then_some(p.snaps[m])
    };
    of_category
        .iter()
        .filter_map(|&j| {
            let xy = facility_xy[j as usize];
            let s = kept(j as usize).unwrap_or_else(|| net.snap(xy, 1 << m)[m]);
            s.map(|s| (j, s))
        })
        .collect()
}

/// The facilities a serving column of `slot` starts from: those of its
/// category but the set-aside ones, attached as in [`attached_facilities`].
pub(crate) fn serving_facilities_of(
    slot: &Slot,
    facilities: &[Facility],
    set_aside: &[SetAside],
    placed: &[Option<Placed>],
    facility_xy: &[[f64; 2]],
    net: &Network,
) -> Vec<(u32, Snap)> {
    let of_category = of_category(slot, facilities, set_aside);
    attached_facilities(
        &of_category,
        facilities,
        placed,
        facility_xy,
        net,
        slot.mode.index(),
    )
}

/// The search limit of a serving column: a little beyond the column's, so
/// that a resident the single-precision column counts as covered is
/// reached.
fn serving_limit_s(slot: &Slot) -> f64 {
    slot.limit_minutes * 60.0 * 1.001 + 1.0
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
/// as they are found (not in slot order), at most `waiting`
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
    // Each mode's road graph and residents' attachments: the assessment's
    // own when it kept them (the same snaps), else the residents snapped
    // to that mode here.
    let mode_network = |m: usize| {
        assessment
            .routing
            .as_ref()
            .and_then(|r| Some((r.graphs[m].as_ref()?, &*r.network)))
    };
    let kept_of = |m: usize| {
        let kept = &assessment.attachments.0[m];
        (kept.len() == assessment.demand.len()).then_some(kept.as_slice())
    };
    let attachments_of = |m: usize| -> Option<Cow<'_, [Attachment]>> {
        let (graph, net) = mode_network(m)?;
        Some(match kept_of(m) {
            Some(kept) => Cow::Borrowed(kept),
            None => Cow::Owned(
                net.snap_many(resident_xy(), 1 << m)
                    .into_par_iter()
                    .map(|s| Attachment::new(graph, net, s[m]))
                    .collect(),
            ),
        })
    };
    let slots_of = |modes: &[Mode]| -> Vec<usize> {
        (0..assessment.slots.len())
            .filter(|&i| modes.contains(&assessment.slots[i].mode))
            .collect()
    };
    // When every mode's attachments are at hand (kept, or no roads), all
    // columns go through one queue, so that no core waits at the end of a
    // mode for its slowest column. Otherwise mode by mode: a mode's
    // attachments are made once and go before the next mode's are made
    // (at province scale each mode's take hundreds of MB).
    let at_hand = Mode::ALL
        .iter()
        .all(|m| mode_network(m.index()).is_none() || kept_of(m.index()).is_some());
    let passes: Vec<Vec<Mode>> = if at_hand {
        vec![Mode::ALL.to_vec()]
    } else {
        Mode::ALL.iter().map(|&m| vec![m]).collect()
    };
    for modes in passes {
        let mut of_pass = slots_of(&modes);
        if of_pass.is_empty() {
            continue;
        }
        let attachments: Vec<Option<Cow<'_, [Attachment]>>> = Mode::ALL
            .iter()
            .map(|m| {
                if modes.contains(m) {
                    attachments_of(m.index())
                } else {
                    None
                }
            })
            .collect();
        // The serving column of slot `i`.
        let serve = |i: usize| -> Vec<u32> {
            let slot = &assessment.slots[i];
            let m = slot.mode.index();
            let of_category = of_category(slot, &layers.facilities, &assessment.set_aside);
            match (mode_network(m), &attachments[m]) {
                (Some((graph, net)), Some(attachments)) => {
                    let facilities = attached_facilities(
                        &of_category,
                        &layers.facilities,
                        &assessment.placed.0,
                        &facility_xy,
                        net,
                        m,
                    );
                    let only = read_within[i].map(|m| (&assessment.minutes[i][..], m));
                    let limit_s = serving_limit_s(slot);
                    nearest_on_network(graph, net, &facilities, attachments, only, limit_s)
                }
                _ => {
                    let speed = engine::straight_line_speed_mps(profile, slot.mode);
                    let limit_m = serving_limit_s(slot) * speed / profile.detour_factor;
                    nearest_straight(&facility_xy, &of_category, resident_xy(), limit_m)
                }
            }
        };
        // Longer limits first (their searches reach farther): the short
        // ones fill the end, when a core would otherwise wait.
        of_pass.sort_by(|&a, &b| {
            let (a, b) = (&assessment.slots[a], &assessment.slots[b]);
            b.limit_minutes.total_cmp(&a.limit_minutes)
        });
        // The columns are taken in that order by whichever core is free
        // and handed on as each is found, on a thread of their own.
        let (found, handed) =
            std::sync::mpsc::sync_channel::<(usize, Vec<u32>)>(waiting.clamp(1, of_pass.len()));
        std::thread::scope(|scope| {
            let each = &mut each;
            scope.spawn(move || handed.into_iter().for_each(|(i, column)| each(i, column)));
            of_pass
                .into_iter()
                .par_bridge()
                .for_each_with(found, |found, i| {
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
    let sources = ServingSources::new(graph, net, facilities);
    let best = node_labels(graph, &sources.seeds, limit_s);
    attachments
        .par_iter()
        .enumerate()
        .map(|(i, at)| {
            // The minutes first: a short tier's column leaves most
            // residents out without their attachment being read.
            if let Some((minutes, limit)) = only
                && beyond(minutes[i], limit)
            {
                return NOT_SERVED;
            }
            sources.serving_at(at, |v| best.get(v), limit_s)
        })
        .collect()
}

/// Whether a resident at `minutes` is beyond a tier's `limit` (unknown
/// minutes are): the tables do not count it.
fn beyond(minutes: f32, limit: f32) -> bool {
    minutes > limit || minutes.is_nan()
}

/// The facilities of one serving search as it starts from them and as
/// residents look them up.
struct ServingSources {
    /// `(node, label)`: the search's seeds (METHOD 3–4).
    seeds: Vec<(u32, Label)>,
    /// `(segment, position, connector seconds, facility)` by segment: a
    /// resident looks up the facilities on its own segment by bisection.
    on_segment: Vec<(u32, f64, f64, u32)>,
    /// Whether a segment holds any of them: most residents' do not.
    holds_facility: Vec<u64>,
}

impl ServingSources {
    fn new(graph: &ModeGraph, net: &Network, facilities: &[(u32, Snap)]) -> Self {
        let mut seeds = Vec::new();
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
        let mut holds_facility = vec![0u64; net.segments.len().div_ceil(64)];
        for e in &on_segment {
            holds_facility[e.0 as usize / 64] |= 1 << (e.0 % 64);
        }
        Self {
            seeds,
            on_segment,
            holds_facility,
        }
    }

    /// The serving facility of a resident attached at `at`, from the nodes'
    /// labels (`label_of`): the best of both ends of its segment and of the
    /// facilities on the same segment, within `limit_s`.
    #[inline]
    fn serving_at(&self, at: &Attachment, label_of: impl Fn(u32) -> Label, limit_s: f64) -> u32 {
        if at.dirs == 0 {
            return NOT_SERVED;
        }
        let (t, w) = (at.t as f64, at.w as f64);
        let (la, lb) = (label_of(at.a), label_of(at.b));
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
        let holds = self
            .holds_facility
            .get(at.segment as usize / 64)
            .is_some_and(|bits| bits & (1 << (at.segment % 64)) != 0);
        let first = if holds {
            self.on_segment.partition_point(|e| e.0 < at.segment)
        } else {
            self.on_segment.len()
        };
        for &(_, tf, conn_f, j) in self.on_segment[first..]
            .iter()
            .take_while(|e| e.0 == at.segment)
        {
            offer(engine::along_to(at, t, w, tf, conn_f), j);
        }
        if pick.facility != NOT_SERVED && at.conn_s as f64 + pick.secs <= limit_s {
            pick.facility
        } else {
            NOT_SERVED
        }
    }
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
            graph.prefetch_ahead(&list, i, &best.secs);
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
                    queue.push_while(b, &mut list, next as f32, u);
                }
            }
        }
        queue.put_back(b, list);
    }
    best
}

/// A minute column and its serving column from one search (the command
/// line's assessment, see `assess_and_share_releasing_inputs`): the
/// coverage search's single-precision times from `covering` (as
/// [`engine::SlotState::build`] finds them) and the exact labels from
/// `serving` ([`node_labels`]'s) are found in one walk over the network,
/// which costs little more than either (the time goes to reaching each
/// node's memory). Residents beyond `read_within` minutes are left
/// [`NOT_SERVED`].
pub(crate) fn minutes_and_serving(
    graph: &ModeGraph,
    net: &Network,
    slot: &Slot,
    covering: &[(u32, Snap)],
    serving: &[(u32, Snap)],
    attachments: &[Attachment],
    read_within: Option<f32>,
) -> (Vec<f32>, Vec<u32>) {
    let quick_seeds: Vec<(u32, f32)> = covering
        .iter()
        .flat_map(|(_, snap)| engine::facility_seeds(graph, net, snap))
        .collect();
    let sources = ServingSources::new(graph, net, serving);
    let limit_s = serving_limit_s(slot);
    let quick_limit = (slot.limit_minutes * 60.0) as f32;
    let times = node_times(graph, &quick_seeds, quick_limit, &sources.seeds, limit_s);
    // The coverage state's facilities on segments; its node times are read
    // from `times`.
    let state = engine::SlotState::carried(
        graph,
        net,
        covering.iter().map(|(j, snap)| (*j, snap)),
        slot.limit_minutes,
        Vec::new(),
        Vec::new(),
    );
    attachments
        .par_iter()
        .map(|at| {
            if at.dirs == 0 {
                return (f32::INFINITY, NOT_SERVED);
            }
            let (ta, tb) = (times[at.a as usize], times[at.b as usize]);
            let minutes = state.minutes_between(at, ta.quick, tb.quick);
            if read_within.is_some_and(|limit| beyond(minutes, limit)) {
                return (minutes, NOT_SERVED);
            }
            // The ends' labels are in cache by now.
            let label_of = |v: u32| times[v as usize].label();
            (minutes, sources.serving_at(at, label_of, limit_s))
        })
        .unzip()
}

/// A node's times in [`node_times`]: the coverage search's and the serving
/// search's label, side by side so that one cache line holds both.
#[derive(Clone, Copy, Debug)]
struct NodeTimes {
    quick: f32,
    facility: u32,
    secs: f64,
}

impl NodeTimes {
    fn label(self) -> Label {
        Label {
            secs: self.secs,
            facility: self.facility,
        }
    }
}

/// Two searches in one walk: the single-precision times of
/// [`ModeGraph::relax`] from `quick_seeds` within `quick_limit`, and the
/// exact labels of [`node_labels`] from `seeds` within `limit_s`.
///
/// Both are label-correcting searches whose result is their fixpoint (the
/// minimum over paths of the sums in their own precision, ties of the
/// exact one to the lower facility), whatever the order nodes are taken
/// in; so a node taken for either is relaxed for both, and an entry is
/// skipped only when it is stale for both. Tested bit for bit against the
/// two searches run apart.
fn node_times(
    graph: &ModeGraph,
    quick_seeds: &[(u32, f32)],
    quick_limit: f32,
    seeds: &[(u32, Label)],
    limit_s: f64,
) -> Vec<NodeTimes> {
    let mut times = vec![
        NodeTimes {
            quick: f32::INFINITY,
            facility: NOT_SERVED,
            secs: f64::INFINITY,
        };
        graph.node_count()
    ];
    let mut queue = TimeBuckets::default();
    queue.reset(quick_limit.max(limit_s as f32));
    for &(v, secs) in quick_seeds {
        let t = &mut times[v as usize];
        if secs <= quick_limit && secs < t.quick {
            t.quick = secs;
            queue.push(secs, v);
        }
    }
    for &(v, label) in seeds {
        let t = &mut times[v as usize];
        if label.secs <= limit_s && label.better_than(t.label()) {
            t.secs = label.secs;
            t.facility = label.facility;
            queue.push(label.secs as f32, v);
        }
    }
    for b in 0..queue.bucket_count() {
        let mut list = queue.take(b);
        let mut i = 0;
        while i < list.len() {
            // As in the coverage search: ask early for what comes next.
            graph.prefetch_ahead(&list, i, &times);
            let (key, v) = list[i];
            i += 1;
            let here = times[v as usize];
            // A later, lower entry of this node follows for both times.
            if key > here.quick && key > here.secs as f32 {
                continue;
            }
            for (u, w) in graph.in_arcs(v) {
                let there = &mut times[u as usize];
                let mut lowered = f32::INFINITY;
                let quick = here.quick + w;
                if quick < there.quick && quick <= quick_limit {
                    there.quick = quick;
                    lowered = quick;
                }
                let secs = here.secs + w as f64;
                if secs <= limit_s
                    && (secs < there.secs || (secs == there.secs && here.facility < there.facility))
                {
                    there.secs = secs;
                    there.facility = here.facility;
                    lowered = lowered.min(secs as f32);
                }
                if lowered < f32::INFINITY {
                    queue.push_while(b, &mut list, lowered, u);
                }
            }
        }
        queue.put_back(b, list);
    }
    times
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

    /// Every column of the demo district, a small synthetic district and
    /// the random cases that has a road graph, with the facilities of its
    /// category that a road takes, `(file index, snap)`.
    fn each_search_column(mut f: impl FnMut(&ModeGraph, &Network, &Slot, &[(usize, Snap)])) {
        use crate::generate::{
            DEFAULT_PROFILE_JSON, SyntheticParams, demo_district, synthetic_district,
        };
        let default = Profile::from_json(DEFAULT_PROFILE_JSON).unwrap();
        let mut cases = vec![
            (demo_district().layers, default.clone()),
            (synthetic_district(&SyntheticParams::small()), default),
        ];
        cases.extend((0..8).map(random_case));
        for (layers, profile) in &cases {
            let a = assess(layers, profile, &Progress::new()).unwrap();
            let routing = a.routing.as_ref().expect("a road network");
            for slot in &a.slots {
                let m = slot.mode.index();
                let Some(graph) = routing.graphs[m].as_ref() else {
                    continue;
                };
                let net = &*routing.network;
                let snapped: Vec<(usize, Snap)> = layers
                    .facilities
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.category == slot.category)
                    .filter_map(|(j, f)| {
                        let xy = net.projection.forward(f.location.x(), f.location.y());
                        Some((j, net.snap(xy, 1 << m)[m]?))
                    })
                    .collect();
                f(graph, net, slot, &snapped);
            }
        }
    }

    /// Exact seeds of `facilities`, each also given a twin (the next
    /// facility index, same node and time), so that ties are decided too.
    fn twin_seeds(
        graph: &ModeGraph,
        net: &Network,
        facilities: &[&(usize, Snap)],
    ) -> Vec<(u32, Label)> {
        let mut seeds = Vec::new();
        for &&(j, ref snap) in facilities {
            for (v, secs) in facility_seeds_exact(graph, net, snap) {
                for twin in [1, 0] {
                    let facility = 2 * j as u32 + twin;
                    seeds.push((v, Label { secs, facility }));
                }
            }
        }
        seeds
    }

    /// The bucket search gives the heap search's labels bit for bit, for
    /// every mode and category column of the demo district, a small
    /// synthetic district and the random cases, with the tier's limit and
    /// without one; each facility's seeds are also given a twin (the next
    /// facility index, same node and time), so ties are decided too.
    #[test]
    fn bucket_labels_equal_heap_labels() {
        let mut compared = 0;
        each_search_column(|graph, net, slot, snapped| {
            let seeds = twin_seeds(graph, net, &snapped.iter().collect::<Vec<_>>());
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
        });
        assert!(compared > 100_000, "only {compared} labels compared");
    }

    /// The walk that finds both searches' times at once finds each as the
    /// search alone does, bit for bit: the coverage search's single-
    /// precision times and the exact labels, with twin facilities at every
    /// place so that ties of time are broken by index, with the limits of
    /// the assessment and none, and from the same facilities or from
    /// different ones (so that each search's entries go stale apart).
    #[test]
    fn one_walk_finds_what_both_searches_find() {
        let (mut quick_compared, mut exact_compared) = (0, 0);
        each_search_column(|graph, net, slot, snapped| {
            for apart in [false, true] {
                let quick_seeds: Vec<(u32, f32)> = snapped
                    .iter()
                    .filter(|(j, _)| !apart || j % 3 != 0)
                    .flat_map(|(_, snap)| engine::facility_seeds(graph, net, snap))
                    .collect();
                let exact: Vec<&(usize, Snap)> = snapped
                    .iter()
                    .filter(|(j, _)| !apart || j % 3 != 1)
                    .collect();
                let seeds = twin_seeds(graph, net, &exact);
                let limits = [
                    ((slot.limit_minutes * 60.0) as f32, serving_limit_s(slot)),
                    (f32::INFINITY, f64::INFINITY),
                    // The exact search reaching less far than the quick one.
                    (
                        (slot.limit_minutes * 60.0) as f32,
                        slot.limit_minutes * 30.0,
                    ),
                ];
                for (quick_limit, limit_s) in limits {
                    let both = node_times(graph, &quick_seeds, quick_limit, &seeds, limit_s);
                    let mut quick = vec![f32::INFINITY; graph.node_count()];
                    let labelled: Vec<(u32, f32, u32)> =
                        quick_seeds.iter().map(|&(v, s)| (v, s, 0)).collect();
                    graph.relax(&mut quick, None, &labelled, quick_limit);
                    let exact = node_labels(graph, &seeds, limit_s);
                    assert_eq!(both.len(), quick.len());
                    for (v, t) in both.iter().enumerate() {
                        assert_eq!(
                            t.quick.to_bits(),
                            quick[v].to_bits(),
                            "{}: node {v}",
                            slot.category
                        );
                        let e = exact.get(v as u32);
                        assert!(
                            t.secs.to_bits() == e.secs.to_bits() && t.facility == e.facility,
                            "{}: node {v}: {t:?} vs {e:?}",
                            slot.category
                        );
                    }
                    quick_compared += quick.iter().filter(|t| t.is_finite()).count();
                    exact_compared += both.iter().filter(|t| t.facility != NOT_SERVED).count();
                }
            }
        });
        assert!(
            quick_compared > 100_000,
            "only {quick_compared} times compared"
        );
        assert!(
            exact_compared > 100_000,
            "only {exact_compared} labels compared"
        );
    }

    /// The command line's assessment, which finds the sharing in its
    /// coverage searches, gives the figures and tables of `assess` then
    /// `sharing`: on the tiny case, the demo, random cases with townships
    /// across them, with a tier that reads no column beyond a shorter
    /// limit, and without roads (where the sharing comes after).
    #[test]
    fn sharing_found_in_the_searches_equals_sharing_after() {
        use crate::analysis::assess_and_share_releasing_inputs;
        use crate::generate::{DEFAULT_PROFILE_JSON, demo_district};
        let default = Profile::from_json(DEFAULT_PROFILE_JSON).unwrap();
        let mut cases = vec![tiny_case(), (demo_district().layers, default)];
        for seed in 1..=6u64 {
            let (mut layers, mut profile) = random_case(seed);
            split_townships(&mut layers);
            if seed % 2 == 0 {
                // A second, shorter tier on the same columns.
                let mut short = profile.tiers[0].clone();
                short.id = "short".into();
                short.minutes /= 3.0;
                profile.tiers.push(short);
            }
            if seed == 5 {
                layers.roads = None;
            }
            cases.push((layers, profile));
        }
        let mut tables = 0;
        for (i, (layers, profile)) in cases.iter().enumerate() {
            let plain = assess(layers, profile, &Progress::new()).unwrap();
            let after = sharing(&plain, layers, profile);
            let mut owned = layers.clone();
            let (joint, found) =
                assess_and_share_releasing_inputs(&mut owned, profile, &Progress::new(), || {})
                    .unwrap();
            assert_eq!(found, after, "case {i}");
            assert_eq!(joint.report, plain.report, "case {i}");
            assert_eq!(joint.blind_spots, plain.blind_spots, "case {i}");
            assert_eq!(joint.minutes.len(), plain.minutes.len());
            for (x, y) in joint.minutes.iter().zip(&plain.minutes) {
                let bits = |c: &Vec<f32>| c.iter().map(|m| m.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(x), bits(y), "case {i}");
            }
            let served: f64 = found
                .tables
                .iter()
                .flat_map(|t| t.demand.iter().flatten())
                .sum();
            assert!(served > 0.0, "case {i}: nobody served");
            tables += found.tables.len();
        }
        assert!(tables > 20, "only {tables} tables compared");
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
