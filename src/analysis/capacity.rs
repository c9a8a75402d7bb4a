//! Supply against demand (METHOD.md steps 13–17, 千人指标): reach alone
//! does not say whether a kindergarten has seats for the children around
//! it. The two-step floating catchment shares each facility's capacity
//! among the demand within its catchment (`R_j = S_j / D_j`) and gives each
//! resident the sum of the ratios that reach it (`A_i`); per area that
//! becomes supply per 1,000 against the profile's standard, the shortfall
//! in units, and the share of demand whose own access meets the standard;
//! per facility the load `D_j / S_j`.
//!
//! Catchments use the engine's own times: one bounded search from each
//! facility alone (`ModeGraph::search`, sparse, reusing its memory between
//! searches) and the coverage columns' formula for the last stretch
//! (`engine::minutes_from_ends`), so a resident lies in some catchment of a
//! category exactly when it is covered for it.

use super::aggregate::{Areas, add_up};
use super::engine::{self, Attachment, Placed, Study, along_to, facility_seeds, minutes_from_ends};
use super::grouped::{Grouped, points_by_segment, segments_by_node};
use super::{CoverageReport, SupplyFigures, TownshipIndex};
use crate::model::{Facility, Profile, Tier};
use crate::network::{ModeGraph, SearchBuffer, Snap};
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Relative tolerance of "meets the standard" (METHOD 16).
const STANDARD_TOLERANCE: f64 = 1e-9;

/// Facilities searched at once before their ratios are added up (bounds
/// the memory of catchments held at a time).
const FACILITY_CHUNK: usize = 512;

/// Demand, capacity and load of one facility in one tier (METHOD 17).
#[derive(Clone, Debug, PartialEq)]
pub struct FacilityLoad {
    /// Index of the facility in the facilities file (0-based).
    pub facility: u32,
    /// Township containing the facility (`None`: outside every township).
    pub township: Option<u32>,
    /// `S_j`: its capacity, or the category's default capacity.
    pub capacity: f64,
    /// `D_j`: the demand within its catchment.
    pub demand: f64,
}

/// How full a facility is, by its load and the profile's `underused_below`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadStatus {
    /// Load above 1.
    OverCapacity,
    /// Load below `underused_below`.
    UnderUsed,
    Balanced,
}

impl FacilityLoad {
    /// `D_j / S_j`.
    pub fn load(&self) -> f64 {
        self.demand / self.capacity
    }

    pub fn status(&self, underused_below: f64) -> LoadStatus {
        let load = self.load();
        if load > 1.0 {
            LoadStatus::OverCapacity
        } else if load < underused_below {
            LoadStatus::UnderUsed
        } else {
            LoadStatus::Balanced
        }
    }
}

/// The capacity figures of one tier and category with a standard.
#[derive(Clone, Debug, PartialEq)]
pub struct CapacityTable {
    /// Index of the tier in the profile.
    pub tier: usize,
    pub category: String,
    /// The category's demand group (`None`: everyone).
    pub group: Option<String>,
    pub standard_per_1000: f64,
    /// Every facility of the category with a capacity, in file order.
    pub facilities: Vec<FacilityLoad>,
    /// Facilities of the category left out for want of a capacity.
    pub without_capacity: usize,
    /// `A_i` of every demand point (the assessment's demand order): supply
    /// units reaching it per person of the group.
    pub access: Vec<f64>,
}

impl CapacityTable {
    /// Figures of every area (townships, then the district) from `access`
    /// weighted by `areas` (the category's demand weights), METHOD 16.
    pub(crate) fn area_figures(&self, areas: &Areas) -> Vec<SupplyFigures> {
        let n = areas.count();
        let mut supplied = vec![0.0; n];
        let mut served = vec![0.0; n];
        let threshold = self.standard_per_1000 * (1.0 - STANDARD_TOLERANCE);
        for (i, (a, g)) in areas.members() {
            let access = self.access[i];
            supplied[a] += g * access;
            if 1000.0 * access >= threshold {
                served[a] += g;
            }
        }
        let supplied = areas.with_district_total(supplied);
        let served = areas.with_district_total(served);
        (0..n)
            .map(|a| {
                let demand = areas.population_of[a];
                let ratio = |x: f64| if demand > 0.0 { x / demand } else { 0.0 };
                SupplyFigures {
                    supply_per_1000: 1000.0 * ratio(supplied[a]),
                    standard_per_1000: self.standard_per_1000,
                    shortfall: (self.standard_per_1000 * demand / 1000.0 - supplied[a]).max(0.0),
                    served_share: ratio(served[a]).min(1.0),
                }
            })
            .collect()
    }
}

/// `S_j` (METHOD 13): the facility's capacity when above 0, else the
/// category's default capacity.
pub fn supply_of(facility: &Facility, profile: &Profile) -> Option<f64> {
    facility
        .capacity
        .filter(|c| c.is_finite() && *c > 0.0)
        .or_else(|| {
            profile
                .category_info(&facility.category)
                .and_then(|c| c.default_capacity)
                .filter(|c| c.is_finite() && *c > 0.0)
        })
}

/// The capacity tables of every tier × category of `profile` with a
/// standard and for which `wanted` holds, for the facilities (by file index
/// or layout id; `None`: deleted) as `placed` by the study. Adds one warning
/// per category whose facilities lack a capacity.
pub(crate) fn capacity_tables(
    study: &Study,
    profile: &Profile,
    facilities: &[Option<&Facility>],
    placed: &[Option<Placed>],
    wanted: impl Fn(&str) -> bool,
    warnings: &mut Vec<String>,
) -> Vec<CapacityTable> {
    let jobs: Vec<(usize, &Tier, &str, f64)> = profile
        .tiers
        .iter()
        .enumerate()
        .flat_map(|(ti, tier)| {
            tier.all_categories().filter_map(move |c| {
                let standard = profile.category_info(c)?.standard_per_1000?;
                Some((ti, tier, c, standard))
            })
        })
        .filter(|j| wanted(j.2))
        .collect();
    if jobs.is_empty() {
        return Vec::new();
    }
    let index = TownshipIndex::new(&study.townships);
    let mut warned: Vec<&str> = Vec::new();
    // Facilities with a supply per job, first: the catchment search is
    // set up only for the modes that have some.
    let mut supplied_of: Vec<(Vec<(u32, f64)>, usize)> = Vec::with_capacity(jobs.len());
    for &(_, _, category, _) in &jobs {
        let of_category: Vec<u32> = (0..facilities.len() as u32)
            .filter(|&j| facilities[j as usize].is_some_and(|f| f.category == category))
            .collect();
        let supplied: Vec<(u32, f64)> = of_category
            .iter()
            .filter_map(|&j| Some((j, supply_of(facilities[j as usize]?, profile)?)))
            .collect();
        let without_capacity = of_category.len() - supplied.len();
        if without_capacity > 0 && !warned.contains(&category) {
            warned.push(category);
            warnings.push(format!(
                "{} of {} facilities of category {category} have no capacity and the profile gives no default_capacity; they count for coverage but not for supply figures",
                without_capacity,
                of_category.len()
            ));
        }
        supplied_of.push((supplied, without_capacity));
    }
    let modes = jobs
        .iter()
        .zip(&supplied_of)
        .filter(|(_, (supplied, _))| !supplied.is_empty())
        .fold(0u8, |bits, (job, _)| bits | (1 << job.1.mode.index()));
    let reach = (modes != 0).then(|| Reach::new(study, modes));
    let mut tables = Vec::new();
    for ((ti, tier, category, standard), (supplied, without_capacity)) in
        jobs.into_iter().zip(supplied_of)
    {
        let areas = study.areas_of(profile, category);
        let weights = areas.weights();
        let limit_minutes = engine::slots_of(profile)
            .iter()
            .find(|s| s.mode == tier.mode && s.category == category)
            .map_or(tier.minutes, |s| s.limit_minutes);
        let mut access = vec![0.0; study.demand.len()];
        let mut loads = Vec::with_capacity(supplied.len());
        for chunk in supplied.chunks(FACILITY_CHUNK) {
            let catchments: Vec<Vec<u32>> = chunk
                .par_iter()
                .map_init(SearchBuffer::default, |buf, &(j, _)| {
                    let Some(reach) = &reach else {
                        return Vec::new();
                    };
                    reach.catchment(
                        placed.get(j as usize).and_then(Option::as_ref),
                        tier,
                        limit_minutes,
                        profile,
                        buf,
                    )
                })
                .collect();
            // Ratios are added in file order, so figures do not depend on
            // the threads.
            for (&(j, capacity), members) in chunk.iter().zip(&catchments) {
                let demand = add_up(members.iter().map(|&i| weights[i as usize]));
                if demand > 0.0 {
                    let ratio = capacity / demand;
                    for &i in members {
                        access[i as usize] += ratio;
                    }
                }
                let location =
                    facilities[j as usize].map_or(geo::Point::new(0.0, 0.0), |f| f.location);
                loads.push(FacilityLoad {
                    facility: j,
                    township: index.locate([location.x(), location.y()]),
                    capacity,
                    demand,
                });
            }
        }
        tables.push(CapacityTable {
            tier: ti,
            category: category.to_string(),
            group: profile.category_group(category).map(str::to_string),
            standard_per_1000: standard,
            facilities: loads,
            without_capacity,
            access,
        });
    }
    tables
}

/// Put the supply figures of `tables` on every township × tier × category
/// of `report` and on `total`.
pub(crate) fn fill_report(
    report: &mut CoverageReport,
    tables: &[CapacityTable],
    study: &Study,
    profile: &Profile,
) {
    for table in tables {
        let figures = table.area_figures(study.areas_of(profile, &table.category));
        let areas = report
            .townships
            .iter_mut()
            .map(|t| &mut t.figures)
            .chain(std::iter::once(&mut report.total));
        for (area, f) in areas.zip(figures) {
            if let Some(c) = area
                .tiers
                .get_mut(table.tier)
                .and_then(|t| t.categories.iter_mut().find(|c| c.id == table.category))
            {
                c.supply = Some(f);
            }
        }
    }
}

/// What is needed to find the demand points within a tier of one facility.
struct Reach<'a> {
    study: &'a Study,
    how: How,
}

enum How {
    Network {
        /// Per mode, every reachable demand point by the segment it is
        /// attached to: `(point, attachment)`.
        by_segment: [Grouped<(u32, Attachment)>; 3],
        /// Segments touching each node.
        by_node: Grouped<u32>,
    },
    StraightLine {
        points: RTree<GeomWithData<[f64; 2], u32>>,
    },
}

impl<'a> Reach<'a> {
    /// For the modes of the `modes` bits.
    fn new(study: &'a Study, modes: u8) -> Self {
        let how = match &study.routing {
            Some(routing) => {
                let net = &routing.network;
                How::Network {
                    by_segment: points_by_segment(study, net, modes, |_| true),
                    by_node: segments_by_node(net),
                }
            }
            None => How::StraightLine {
                points: RTree::bulk_load(
                    study
                        .resident_xy
                        .iter()
                        .enumerate()
                        .map(|(i, xy)| GeomWithData::new(*xy, i as u32))
                        .collect(),
                ),
            },
        };
        Reach { study, how }
    }

    /// Demand points (indices into the study's demand) within `tier`'s
    /// minutes of the facility `placed`, in ascending order. The search
    /// runs to `limit_minutes` (the coverage column's limit) and is then
    /// compared with the tier's minutes, as the coverage figures are.
    fn catchment(
        &self,
        placed: Option<&Placed>,
        tier: &Tier,
        limit_minutes: f64,
        profile: &Profile,
        buf: &mut SearchBuffer,
    ) -> Vec<u32> {
        let Some(placed) = placed else {
            return Vec::new();
        };
        let threshold = tier.minutes as f32;
        let m = tier.mode.index();
        let mut out = Vec::new();
        match &self.how {
            How::Network {
                by_segment,
                by_node,
            } => {
                let (Some((graph, net)), Some(snap)) =
                    (self.study.graph(tier.mode), placed.snaps[m])
                else {
                    return out;
                };
                let limit_s = (limit_minutes * 60.0) as f32;
                graph.search(&facility_seeds(graph, net, &snap), limit_s, buf);
                let mut segments: Vec<u32> = vec![snap.segment];
                for &v in buf.reached() {
                    segments.extend_from_slice(by_node.get(v as usize));
                }
                segments.sort_unstable();
                segments.dedup();
                for s in segments {
                    for (i, at) in by_segment[m].get(s as usize) {
                        let minutes = minutes_to(graph, &snap, at, buf, limit_s);
                        if minutes <= threshold {
                            out.push(*i);
                        }
                    }
                }
            }
            How::StraightLine { points } => {
                let speed = engine::straight_line_speed_mps(profile, tier.mode);
                let detour = profile.detour_factor;
                let from = placed.xy;
                // A metre of slack; the exact test below decides.
                let radius = limit_minutes * 60.0 * speed / detour + 1.0;
                for p in points.locate_within_distance(from, radius * radius) {
                    let minutes = crate::network::dist(from, *p.geom()) * detour / speed / 60.0;
                    if minutes <= limit_minutes && minutes as f32 <= threshold {
                        out.push(p.data);
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// Minutes from a point attached at `at` to the one facility attached at
/// `snap`, whose search from it is in `buf`, as a coverage column would
/// give them for that facility alone.
fn minutes_to(
    graph: &ModeGraph,
    snap: &Snap,
    at: &Attachment,
    buf: &SearchBuffer,
    limit_s: f32,
) -> f32 {
    let along = if at.segment == snap.segment {
        let conn_f = snap.connector_m as f64 / graph.connector_mps;
        along_to(at, at.t as f64, at.w as f64, snap.t as f64, conn_f) as f32
    } else {
        f32::INFINITY
    };
    minutes_from_ends(at, buf.time(at.a), buf.time(at.b), along, limit_s)
}

#[cfg(test)]
#[path = "capacity_tests.rs"]
pub(crate) mod tests;
