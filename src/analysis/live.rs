//! A live assessment for editing layouts: it keeps the search state of every
//! (mode, category) column, so that adding, moving, deleting or
//! re-categorising a facility recomputes only the columns of the categories
//! involved, and within them only the nodes the change reaches.

use super::capacity;
use super::engine::{self, Placed, SlotState, Study};
use super::restudy;
use super::routing::residents_print;
use super::{Assessment, Cancelled, PhaseTimings, Progress};
use crate::model::{Edit, Facility, FacilityId, Layers, Profile};
use rayon::prelude::*;
use std::time::Instant;

/// Why an edit could not be applied (the layout is unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("facility #{0} does not exist in this layout")]
    UnknownFacility(u32),
    #[error("facility #{0} exists already")]
    AlreadyExists(u32),
    #[error("facility #{0} cannot be added: the next free id is #{1}")]
    NotNextId(u32, u32),
}

/// What an edit cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EditEffect {
    /// Minute columns recomputed.
    pub columns: usize,
    /// Wall-clock seconds, search and figures together.
    pub seconds: f64,
}

/// What a road or population edit cost (see [`LiveAssessment::reassess`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScenarioEffect {
    /// Searches (minute columns) run again; the others were kept.
    pub searched: usize,
    /// Minute columns in all.
    pub columns: usize,
    /// Whether the road network changed.
    pub roads_changed: bool,
    /// Wall-clock seconds, edit to updated figures.
    pub seconds: f64,
}

/// An assessment that follows edits of its facilities (see module docs).
#[derive(Debug)]
pub struct LiveAssessment {
    pub(crate) profile: Profile,
    pub(crate) study: Study,
    facilities: Vec<Option<Facility>>,
    pub(crate) placed: Vec<Option<Placed>>,
    pub(crate) states: Vec<Option<SlotState>>,
    assessment: Assessment,
    /// Fingerprint of the residents layer assessed (see `restudy`).
    residents_print: u128,
}

impl LiveAssessment {
    /// Assess `layers` and keep what edits need.
    pub fn new(layers: &Layers, profile: &Profile, progress: &Progress) -> Result<Self, Cancelled> {
        let mut timings = PhaseTimings::default();
        let study = engine::prepare(layers, profile, progress, &mut timings)?;
        let clock = Instant::now();
        let placed: Vec<Option<Placed>> = study.place_all(&layers.facilities);
        timings.snap += clock.elapsed().as_secs_f64();
        progress.check()?;
        progress.phase("routes", 0.35);
        let clock = Instant::now();
        let slots = engine::slots_of(profile);
        let computed: Vec<(Vec<f32>, Option<SlotState>)> = slots
            .par_iter()
            .map(|slot| {
                progress.check()?;
                Ok(engine::compute_slot(&study, profile, slot, &placed, true))
            })
            .collect::<Result<_, Cancelled>>()?;
        let (minutes, states): (Vec<_>, Vec<_>) = computed.into_iter().unzip();
        timings.dijkstra = clock.elapsed().as_secs_f64();
        Ok(Self::finish(
            study,
            profile,
            layers.facilities.iter().cloned().map(Some).collect(),
            placed,
            states,
            minutes,
            timings,
            residents_print(layers.residents.as_deref()),
            progress,
        ))
    }

    /// The figures, capacity tables and warnings of a study whose searches
    /// are done.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        study: Study,
        profile: &Profile,
        facilities: Vec<Option<Facility>>,
        placed: Vec<Option<Placed>>,
        states: Vec<Option<SlotState>>,
        minutes: Vec<Vec<f32>>,
        mut timings: PhaseTimings,
        residents_print: u128,
        progress: &Progress,
    ) -> Self {
        progress.phase("capacity", 0.85);
        let clock = Instant::now();
        let slots = engine::slots_of(profile);
        let every: Vec<Option<&Facility>> = facilities.iter().map(Option::as_ref).collect();
        let mut warnings = Self::warnings_for(&study, &every, &placed);
        let capacity =
            capacity::capacity_tables(&study, profile, &every, &placed, |_| true, &mut warnings);
        timings.capacity = clock.elapsed().as_secs_f64();
        progress.phase("aggregate", 0.9);
        let clock = Instant::now();
        let (mut report, blind_spots) = engine::figures(
            &study,
            profile,
            &slots,
            &minutes,
            placed.iter().flatten().count(),
            warnings,
        );
        capacity::fill_report(&mut report, &capacity, &study, profile);
        timings.aggregate = clock.elapsed().as_secs_f64();
        progress.phase("done", 1.0);
        let assessment = Assessment {
            report,
            capacity,
            routing: study.routing.clone(),
            // The live study keeps its own; the sharing search snaps anew.
            attachments: Default::default(),
            placed: Default::default(),
            demand: study.demand.clone(),
            demand_kind: study.demand_kind,
            resident_township: study.resident_township.clone(),
            slots,
            minutes,
            blind_spots,
            timings,
            set_aside: study
                .set_aside
                .iter()
                .cloned()
                .chain(study.stray_facilities(facilities.iter().map(Option::as_ref)))
                .collect(),
        };
        Self {
            profile: profile.clone(),
            study,
            facilities,
            placed,
            states,
            assessment,
            residents_print,
        }
    }

    fn warnings_for(
        study: &Study,
        facilities: &[Option<&Facility>],
        placed: &[Option<Placed>],
    ) -> Vec<String> {
        let list: Vec<Placed> = placed.iter().flatten().cloned().collect();
        let mut w = study.warnings.clone();
        w.extend(
            study
                .stray_facilities(facilities.iter().copied())
                .iter()
                .map(super::SetAside::message),
        );
        w.extend(study.placement_warnings(&list));
        w
    }

    /// The current figures, minutes and blind spots.
    pub fn assessment(&self) -> &Assessment {
        &self.assessment
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Facilities by id (`None`: deleted).
    pub fn facilities(&self) -> &[Option<Facility>] {
        &self.facilities
    }

    /// The id an added facility gets next.
    pub fn next_id(&self) -> FacilityId {
        FacilityId(self.facilities.len() as u32)
    }

    /// Apply one edit and bring the figures up to date.
    pub fn apply(&mut self, edit: &Edit) -> Result<EditEffect, EditError> {
        let clock = Instant::now();
        let id = edit.facility_id().0;
        let exists = self
            .facilities
            .get(id as usize)
            .is_some_and(Option::is_some);
        match edit {
            Edit::Add { .. } if exists => return Err(EditError::AlreadyExists(id)),
            Edit::Add { .. } if id as usize > self.facilities.len() => {
                return Err(EditError::NotNextId(id, self.facilities.len() as u32));
            }
            Edit::Add { .. } => {}
            _ if !exists => return Err(EditError::UnknownFacility(id)),
            _ => {}
        }
        let before = self.placed.get(id as usize).cloned().flatten();
        edit.apply_to(&mut self.facilities);
        if self.placed.len() < self.facilities.len() {
            self.placed.resize(self.facilities.len(), None);
        }
        let after = self.facilities[id as usize]
            .as_ref()
            .and_then(|f| self.study.place(f));
        self.placed[id as usize] = after.clone();
        let touched: Vec<usize> = self
            .assessment
            .slots
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                before.as_ref().is_some_and(|p| p.category == s.category)
                    || after.as_ref().is_some_and(|p| p.category == s.category)
            })
            .map(|(i, _)| i)
            .collect();
        let study = &self.study;
        let placed = &self.placed;
        let profile = &self.profile;
        let slots = &self.assessment.slots;
        let updates: Vec<(usize, Vec<f32>)> = self
            .states
            .par_iter_mut()
            .enumerate()
            .filter(|(i, _)| touched.contains(i))
            .map(|(si, state)| {
                let slot = &slots[si];
                let column = match (state.as_mut(), study.graph(slot.mode)) {
                    (Some(state), Some((graph, net))) => {
                        let m = slot.mode.index();
                        if let Some(b) = before.as_ref().filter(|b| b.category == slot.category)
                            && b.snaps[m].is_some()
                        {
                            let remaining = engine::attached_of(placed, &slot.category, m, id);
                            state.remove(graph, net, id, remaining);
                        }
                        if let Some(a) = after.as_ref().filter(|a| a.category == slot.category)
                            && let Some(snap) = &a.snaps[m]
                        {
                            state.add(graph, net, id, snap);
                        }
                        state.resident_minutes(&study.attachments[m])
                    }
                    _ => engine::compute_slot(study, profile, slot, placed, false).0,
                };
                (si, column)
            })
            .collect();
        for (si, column) in updates {
            self.assessment.minutes[si] = column;
        }
        engine::refresh_figures(
            &self.study,
            &self.profile,
            &self.assessment.slots,
            &self.assessment.minutes,
            &touched,
            &mut self.assessment.report,
            &mut self.assessment.blind_spots,
        );
        self.refresh_capacity(before.as_ref(), after.as_ref());
        self.assessment.report.method.facilities = self.placed.iter().flatten().count();
        Ok(EditEffect {
            columns: touched.len(),
            seconds: clock.elapsed().as_secs_f64(),
        })
    }
}

impl LiveAssessment {
    /// Bring the assessment to `edited`: the layers of this study with
    /// roads and/or residents changed (a layout's scenario applied). The
    /// facilities stay this assessment's (`edited.facilities` is not read).
    /// The study is rebuilt exactly as a fresh assessment builds it, but
    /// only the searches the edit can change run again (see `restudy`): a
    /// population edit runs none; a road edit only those of its modes
    /// whose settled region holds a node of an edited segment, or whose
    /// facilities now join the network elsewhere. The figures equal a
    /// fresh assessment of `edited` with these facilities. Changed
    /// townships, or a study without townships (whose projection follows
    /// every layer), are assessed afresh. Cancelled part-way, the
    /// assessment is left incomplete and must be dropped (as the app does
    /// with a cancelled job).
    pub fn reassess(
        &mut self,
        edited: &Layers,
        progress: &Progress,
    ) -> Result<ScenarioEffect, Cancelled> {
        let clock = Instant::now();
        let mut timings = PhaseTimings::default();
        let profile = self.profile.clone();
        let print = residents_print(edited.residents.as_deref());
        let slots = self.assessment.slots.clone();
        let present: Vec<Facility> = self.facilities.iter().flatten().cloned().collect();
        let afresh = self.study.extent.is_none() || edited.townships != self.study.townships;
        let restudied = if afresh {
            let layers = Layers {
                townships: edited.townships.clone(),
                facilities: present.clone(),
                residents: edited.residents.clone(),
                roads: edited.roads.clone(),
            };
            restudy::Restudied {
                study: engine::prepare(&layers, &profile, progress, &mut timings)?,
                edit: None,
                same_network: false,
                same_minutes: false,
            }
        } else {
            restudy::restudy(
                &mut self.study,
                edited,
                &profile,
                print != self.residents_print,
                progress,
                &mut timings,
            )?
        };
        let restudy::Restudied {
            study,
            edit,
            same_network,
            same_minutes,
        } = restudied;
        progress.check()?;
        progress.phase("routes", 0.35);
        let dijkstra = Instant::now();
        let placed = if same_network {
            std::mem::take(&mut self.placed)
        } else {
            let mut placed = vec![None; self.facilities.len()];
            let ids = self
                .facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| f.is_some());
            for ((i, _), p) in ids.zip(study.place_all(&present)) {
                placed[i] = p;
            }
            placed
        };
        let mut searched = 0;
        let states: Vec<Option<SlotState>> = if same_network {
            std::mem::take(&mut self.states)
        } else {
            let old_routing = self.study.routing.clone();
            let old_placed = &self.placed;
            let old_states = &self.states;
            let study = &study;
            let placed = &placed;
            let computed: Vec<(Option<SlotState>, bool)> = slots
                .par_iter()
                .enumerate()
                .map(|(si, slot)| {
                    let kept = match (
                        &edit,
                        old_states.get(si).and_then(Option::as_ref),
                        &old_routing,
                    ) {
                        (Some(edit), Some(old), Some(routing)) => restudy::carry_over(
                            edit,
                            old,
                            routing,
                            old_placed,
                            study,
                            placed,
                            slot.mode,
                            &slot.category,
                            slot.limit_minutes,
                        ),
                        _ => None,
                    };
                    match kept {
                        Some(state) => (Some(state), false),
                        None => (engine::slot_state(study, slot, placed, true), true),
                    }
                })
                .collect();
            searched = computed.iter().filter(|c| c.1).count();
            computed.into_iter().map(|c| c.0).collect()
        };
        let minutes = if same_minutes {
            std::mem::take(&mut self.assessment.minutes)
        } else {
            engine::slot_columns(&study, &profile, &slots, &states, &placed)
        };
        timings.dijkstra = dijkstra.elapsed().as_secs_f64();
        let facilities = std::mem::take(&mut self.facilities);
        *self = Self::finish(
            study, &profile, facilities, placed, states, minutes, timings, print, progress,
        );
        Ok(ScenarioEffect {
            searched,
            columns: slots.len(),
            roads_changed: !same_network,
            seconds: clock.elapsed().as_secs_f64(),
        })
    }

    /// Recompute the capacity tables of the categories an edit touched
    /// (the one before and after it) and their figures in the report.
    fn refresh_capacity(&mut self, before: Option<&Placed>, after: Option<&Placed>) {
        let touched = |c: &str| {
            before.is_some_and(|p| p.category == c) || after.is_some_and(|p| p.category == c)
        };
        if !self
            .assessment
            .capacity
            .iter()
            .any(|t| touched(&t.category))
        {
            return;
        }
        let current: Vec<Option<&Facility>> = self.facilities.iter().map(Option::as_ref).collect();
        let fresh = capacity::capacity_tables(
            &self.study,
            &self.profile,
            &current,
            &self.placed,
            touched,
            &mut Vec::new(),
        );
        capacity::fill_report(
            &mut self.assessment.report,
            &fresh,
            &self.study,
            &self.profile,
        );
        let mut fresh = fresh.into_iter();
        for table in self.assessment.capacity.iter_mut() {
            if touched(&table.category) {
                *table = fresh.next().expect("one fresh table per touched table");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::assess;
    use geo::Point;

    fn facility(category: &str, lon: f64, lat: f64) -> Facility {
        Facility {
            category: category.into(),
            name: String::new(),
            capacity: None,
            location: Point::new(lon, lat),
        }
    }

    /// After every edit, the live figures equal a fresh assessment of the
    /// edited facilities.
    #[test]
    fn edits_match_fresh_assessments() {
        for seed in [3u64, 5, 8] {
            let (layers, profile) = super::super::tests::random_case(seed);
            let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
            let mut rng = seed;
            let mut next = || {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (rng >> 11) as f64 / (1u64 << 53) as f64
            };
            for step in 0..12 {
                let live_ids: Vec<u32> = live
                    .facilities()
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.is_some())
                    .map(|(i, _)| i as u32)
                    .collect();
                let pick = live_ids[(next() * live_ids.len() as f64) as usize % live_ids.len()];
                let current = live.facilities()[pick as usize].clone().unwrap();
                let edit = match step % 4 {
                    0 => Edit::Add {
                        id: live.next_id(),
                        facility: facility(
                            if next() < 0.5 { "a" } else { "b" },
                            next() * 0.012,
                            next() * 0.012,
                        ),
                    },
                    1 => Edit::Move {
                        id: FacilityId(pick),
                        from: current.location,
                        to: Point::new(next() * 0.012, next() * 0.012),
                    },
                    2 => Edit::SetCategory {
                        id: FacilityId(pick),
                        from: current.category.clone(),
                        to: if current.category == "a" {
                            "b".into()
                        } else {
                            "a".into()
                        },
                    },
                    _ => Edit::Delete {
                        id: FacilityId(pick),
                        facility: current,
                    },
                };
                live.apply(&edit).unwrap();
                let now: Vec<Facility> = live.facilities().iter().flatten().cloned().collect();
                let fresh_layers = Layers {
                    facilities: now,
                    ..layers.clone()
                };
                let fresh = assess(&fresh_layers, &profile, &Progress::new()).unwrap();
                for (s, (got, want)) in live
                    .assessment()
                    .minutes
                    .iter()
                    .zip(&fresh.minutes)
                    .enumerate()
                {
                    for (r, (g, w)) in got.iter().zip(want).enumerate() {
                        assert!(
                            (g.is_infinite() && w.is_infinite()) || (g - w).abs() < 1e-4,
                            "seed {seed} step {step} {edit:?}: slot {s} resident {r}: live {g} fresh {w}"
                        );
                    }
                }
                assert_eq!(live.assessment().blind_spots, fresh.blind_spots);
                assert_eq!(live.assessment().report.townships, fresh.report.townships);
                assert_eq!(live.assessment().report.total, fresh.report.total);
            }
        }
    }

    #[test]
    fn bad_edits_change_nothing() {
        let (layers, profile) = super::super::tests::random_case(3);
        let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
        let before = live.assessment().report.clone();
        let ghost = facility("a", 0.0, 0.0);
        assert_eq!(
            live.apply(&Edit::Delete {
                id: FacilityId(999),
                facility: ghost.clone()
            }),
            Err(EditError::UnknownFacility(999))
        );
        assert_eq!(
            live.apply(&Edit::Add {
                id: FacilityId(0),
                facility: ghost
            }),
            Err(EditError::AlreadyExists(0))
        );
        assert_eq!(live.assessment().report, before);
    }
}
