//! Catchment of each facility: the people whose travel time to *this*
//! facility (not merely to the nearest one of its category) is within a
//! tier's minutes, by the tier's mode. Reports list it per facility.
//!
//! Travel times are the engine's own: the study is prepared as for an
//! assessment (`engine::prepare`, `Study::place`), the facility alone is
//! searched from with `SlotState::build`, and residents are timed with
//! `SlotState::minutes_at`; so a resident is covered for a category exactly
//! when it lies in the catchment of at least one facility of that category.
//! Without a road network, straight-line distance × the detour factor
//! (METHOD.md step 9), as `engine::straight_line_minutes` computes it.
//!
//! Only residents inside some township count, as in the district totals.

use super::engine::{self, Attachment, SlotState, Study};
use super::grouped::{Grouped, points_by_segment, segments_by_node};
use super::{Cancelled, PhaseTimings, Progress, TownshipIndex};
use crate::model::{Layers, Profile, Tier};
use crate::network::Snap;
use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Reach of one facility (same index as `Layers::facilities`).
#[derive(Clone, Debug, PartialEq)]
pub struct FacilityCatchment {
    /// Index into `Layers::townships` of the township containing the
    /// facility; `None` when it lies outside every township.
    pub township: Option<u32>,
    /// Per profile tier (same order): the demand (population of the
    /// category's group, or everyone; hectares for area demand) inside
    /// townships within the tier's minutes of this facility by the tier's
    /// mode. `None` when the tier does not list the facility's
    /// category (neither required nor optional).
    pub population: Vec<Option<f64>>,
}

/// The catchment of every facility of `layers` for every tier of
/// `profile`. Prepares the study again (projection, demand, network,
/// attachments), so it costs about one assessment plus one bounded search
/// per facility and tier. Returns `Err(Cancelled)` once `progress` is
/// cancelled; `progress` is only checked, its fraction is left alone.
pub fn facility_catchments(
    layers: &Layers,
    profile: &Profile,
    progress: &Progress,
) -> Result<Vec<FacilityCatchment>, Cancelled> {
    let reach = Reach::new(layers, profile, progress)?;
    let index = TownshipIndex::new(&layers.townships);
    (0..layers.facilities.len())
        .into_par_iter()
        .map(|f| {
            progress.check()?;
            let facility = &layers.facilities[f];
            let township = index.locate([facility.location.x(), facility.location.y()]);
            let population = profile
                .tiers
                .iter()
                .map(|tier| {
                    reach
                        .residents_within(f, tier)
                        .map(|members| reach.population(&members, &facility.category))
                })
                .collect();
            Ok(FacilityCatchment {
                township,
                population,
            })
        })
        .collect()
}

/// The prepared study and what is needed to time residents against single
/// facilities.
struct Reach<'a> {
    layers: &'a Layers,
    profile: &'a Profile,
    study: Study,
    /// Limit of the minute column of each (mode, category), as the engine
    /// searches.
    slots: Vec<super::Slot>,
    how: How,
}

enum How {
    Network {
        /// Per mode, residents inside townships by the segment they are
        /// attached to.
        by_segment: [Grouped<(u32, Attachment)>; 3],
        /// Segments touching each node.
        by_node: Grouped<u32>,
        facility_snaps: Vec<[Option<Snap>; 3]>,
    },
    StraightLine {
        residents: RTree<GeomWithData<[f64; 2], u32>>,
        /// `None`: a stray facility, set aside.
        facility_xy: Vec<Option<[f64; 2]>>,
    },
}

impl<'a> Reach<'a> {
    fn new(
        layers: &'a Layers,
        profile: &'a Profile,
        progress: &Progress,
    ) -> Result<Self, Cancelled> {
        // `prepare` reports its own phases; keep the caller's.
        let quiet = Progress::new();
        if progress.is_cancelled() {
            return Err(Cancelled);
        }
        let study = engine::prepare(layers, profile, &quiet, &mut PhaseTimings::default())?;
        let inside = |r: usize| study.resident_township.get(r).is_some_and(|t| t.is_some());
        let how = match &study.routing {
            Some(routing) => {
                let net = &routing.network;
                How::Network {
                    by_segment: points_by_segment(&study, net, 0b111, inside),
                    by_node: segments_by_node(net),
                    facility_snaps: study
                        .place_all(&layers.facilities)
                        .into_iter()
                        .map(|p| p.map_or([None; 3], |p| p.snaps))
                        .collect(),
                }
            }
            None => How::StraightLine {
                residents: RTree::bulk_load(
                    study
                        .resident_xy
                        .iter()
                        .enumerate()
                        .filter(|&(r, _)| inside(r))
                        .map(|(r, xy)| GeomWithData::new(*xy, r as u32))
                        .collect(),
                ),
                facility_xy: study
                    .place_all(&layers.facilities)
                    .into_iter()
                    .map(|p| p.map(|p| p.xy))
                    .collect(),
            },
        };
        Ok(Reach {
            layers,
            profile,
            slots: engine::slots_of(profile),
            study,
            how,
        })
    }

    /// Demand of residents (indices into the study's demand) for
    /// `category`: its group's population, or the population (METHOD 12).
    fn population(&self, members: &[u32], category: &str) -> f64 {
        let weights = self.study.areas_of(self.profile, category).weights();
        members
            .iter()
            .filter_map(|&r| weights.get(r as usize))
            .fold(0.0, |sum, w| sum + w)
    }

    /// Residents (inside townships, indices into the study's demand, which
    /// is the assessment's) within `tier` of facility `f`, in no particular
    /// order; `None` when the tier does not list its category.
    fn residents_within(&self, f: usize, tier: &Tier) -> Option<Vec<u32>> {
        let facility = self.layers.facilities.get(f)?;
        if !tier.all_categories().any(|c| c == facility.category) {
            return None;
        }
        // The engine searches up to the slot's limit and then compares with
        // the tier's minutes; so do we, for identical rounding.
        let limit_minutes = self
            .slots
            .iter()
            .find(|s| s.mode == tier.mode && s.category == facility.category)
            .map_or(tier.minutes, |s| s.limit_minutes);
        let threshold = tier.minutes as f32;
        let m = tier.mode.index();
        let mut out = Vec::new();
        match &self.how {
            How::Network {
                by_segment,
                by_node,
                facility_snaps,
            } => {
                let Some((graph, net)) = self.study.graph(tier.mode) else {
                    return Some(out);
                };
                let Some(snap) = facility_snaps.get(f).and_then(|s| s[m]) else {
                    return Some(out);
                };
                let state = SlotState::build(
                    graph,
                    net,
                    std::iter::once((0, &snap)),
                    limit_minutes,
                    false,
                );
                // Residents with a finite time are attached to the
                // facility's segment or to a segment at a reached node.
                let mut segments: Vec<u32> = vec![snap.segment];
                for (v, d) in state.dist.iter().enumerate() {
                    if d.is_finite() {
                        segments.extend(by_node.get(v).iter().copied());
                    }
                }
                segments.sort_unstable();
                segments.dedup();
                for s in segments {
                    for (r, at) in by_segment[m].get(s as usize) {
                        if state.minutes_at(at) <= threshold {
                            out.push(*r);
                        }
                    }
                }
            }
            How::StraightLine {
                residents,
                facility_xy,
            } => {
                let from = (*facility_xy.get(f)?)?;
                let speed = engine::straight_line_speed_mps(self.profile, tier.mode);
                let detour = self.profile.detour_factor;
                // A metre of slack; the exact test below decides.
                let radius = limit_minutes * 60.0 * speed / detour + 1.0;
                for p in residents.locate_within_distance(from, radius * radius) {
                    let minutes = crate::network::dist(from, *p.geom()) * detour / speed / 60.0;
                    if minutes <= limit_minutes && minutes as f32 <= threshold {
                        out.push(p.data);
                    }
                }
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{random_case, tiny_case};
    use super::super::{Progress, assess};
    use super::*;

    /// A resident is covered for a category exactly when it lies in the
    /// catchment of some facility of that category; and each catchment's
    /// population adds up its members.
    fn check_against_engine(layers: &Layers, profile: &Profile, case: &str) {
        let a = assess(layers, profile, &Progress::new()).unwrap();
        let reach = Reach::new(layers, profile, &Progress::new()).unwrap();
        assert_eq!(
            reach.study.demand, a.demand,
            "{case}: the same demand order"
        );
        let catchments = facility_catchments(layers, profile, &Progress::new()).unwrap();
        assert_eq!(catchments.len(), layers.facilities.len());
        for (ti, tier) in profile.tiers.iter().enumerate() {
            for category in tier.all_categories() {
                let minutes = a.minutes_for(tier, category).unwrap();
                let mut union = vec![false; a.demand.len()];
                for (f, facility) in layers.facilities.iter().enumerate() {
                    let members = reach.residents_within(f, tier);
                    if facility.category != category {
                        continue;
                    }
                    let members = members.expect("the tier lists the category");
                    let population: f64 = members
                        .iter()
                        .map(|&r| a.demand[r as usize].population)
                        .sum();
                    let reported = catchments[f].population[ti].unwrap();
                    assert!((population - reported).abs() < 1e-9, "{case}: facility {f}");
                    for r in members {
                        union[r as usize] = true;
                    }
                }
                for (r, covered) in union.iter().enumerate() {
                    let inside = a.resident_township[r].is_some();
                    let engine = inside && minutes[r] <= tier.minutes as f32;
                    assert_eq!(
                        *covered, engine,
                        "{case}: tier {} category {category} resident {r}: engine {} min",
                        tier.id, minutes[r]
                    );
                }
            }
            for (f, facility) in layers.facilities.iter().enumerate() {
                let listed = tier.all_categories().any(|c| c == facility.category);
                assert_eq!(catchments[f].population[ti].is_some(), listed, "{case}");
            }
        }
    }

    #[test]
    fn catchments_agree_with_the_engine_on_random_networks() {
        for seed in 1..=12u64 {
            let (layers, profile) = random_case(seed);
            check_against_engine(&layers, &profile, &format!("seed {seed}"));
        }
    }

    #[test]
    fn catchments_agree_with_the_engine_without_roads() {
        for seed in 1..=4u64 {
            let (mut layers, profile) = random_case(seed);
            layers.roads = None;
            check_against_engine(&layers, &profile, &format!("no roads, seed {seed}"));
        }
    }

    /// The hand-worked case of `analysis::tests::tiny_case`: the shop
    /// reaches R1 (10 people, East) within 5 minutes and R1 and R2 (30,
    /// West) within 10; the school reaches R1 and R2 within 10 and is not
    /// listed by the 5-minute tier. R3 (60) reaches no road.
    #[test]
    fn tiny_case_by_hand() {
        let (layers, profile) = tiny_case();
        check_against_engine(&layers, &profile, "tiny");
        let c = facility_catchments(&layers, &profile, &Progress::new()).unwrap();
        assert_eq!(c[0].township, Some(1));
        assert_eq!(c[0].population, vec![Some(10.0), Some(40.0)]);
        assert_eq!(c[1].township, Some(0));
        assert_eq!(c[1].population, vec![None, Some(40.0)]);
    }

    #[test]
    fn cancelled_progress_stops() {
        let (layers, profile) = tiny_case();
        let progress = Progress::new();
        progress.cancel();
        assert_eq!(
            facility_catchments(&layers, &profile, &progress),
            Err(Cancelled)
        );
    }
}
