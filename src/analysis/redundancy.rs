//! "Avoid waste" (不浪费): for every facility, the people who would lose
//! coverage if it were removed, per tier; a facility whose removal loses
//! nobody in any tier is flagged as redundant.

use super::{Cancelled, LiveAssessment, Progress};
use crate::model::FacilityId;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What removing one facility would cost.
#[derive(Clone, Debug, PartialEq)]
pub struct FacilityRedundancy {
    pub id: FacilityId,
    /// Per tier (profile order): people covered for the facility's category
    /// now who would not be without it. 0 for tiers not listing the category.
    pub people_losing: Vec<f64>,
    /// Nobody loses coverage in any tier.
    pub redundant: bool,
}

/// Redundancy of every facility of the live layout, in id order. Each
/// facility is taken out on a copy of its category's search state and only
/// its own cell is searched again; the layout itself is not changed.
pub fn redundancy(
    live: &LiveAssessment,
    progress: &Progress,
) -> Result<Vec<FacilityRedundancy>, Cancelled> {
    let a = live.assessment();
    let profile = &live.profile;
    let ids: Vec<u32> = live
        .facilities()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.is_some())
        .map(|(i, _)| i as u32)
        .collect();
    progress.phase("redundancy", 0.0);
    let done = AtomicUsize::new(0);
    ids.par_iter()
        .map(|&id| {
            progress.check()?;
            let Some(placed) = live.placed.get(id as usize).and_then(Option::as_ref) else {
                return Ok(FacilityRedundancy {
                    id: FacilityId(id),
                    people_losing: vec![0.0; profile.tiers.len()],
                    redundant: true,
                });
            };
            let mut losing = vec![0.0; profile.tiers.len()];
            for (si, slot) in a.slots.iter().enumerate() {
                if slot.category != placed.category {
                    continue;
                }
                let m = slot.mode.index();
                let without: Vec<f32> =
                    match (live.states[si].as_ref(), live.study.graph(slot.mode)) {
                        (Some(state), Some((graph, net))) => {
                            if placed.snaps[m].is_none() {
                                continue;
                            }
                            let mut copy = state.clone();
                            let remaining =
                                super::engine::attached_of(&live.placed, &slot.category, m, id);
                            copy.remove(graph, net, id, remaining);
                            copy.resident_minutes(&live.study.attachments[m])
                        }
                        _ => {
                            let mut others = live.placed.clone();
                            others[id as usize] = None;
                            super::engine::compute_slot(&live.study, profile, slot, &others, false)
                                .0
                        }
                    };
                for (ti, tier) in profile.tiers.iter().enumerate() {
                    if tier.mode != slot.mode || !tier.all_categories().any(|c| c == slot.category)
                    {
                        continue;
                    }
                    let limit = tier.minutes as f32;
                    losing[ti] += a.minutes[si]
                        .iter()
                        .zip(&without)
                        .zip(&a.demand)
                        .zip(&a.resident_township)
                        .filter(|(((now, then), _), t)| {
                            t.is_some() && **now <= limit && **then > limit
                        })
                        .map(|(((_, _), r), _)| r.population)
                        .fold(0.0, |s, p| s + p);
                }
            }
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.set(n as f32 / ids.len().max(1) as f32);
            Ok(FacilityRedundancy {
                id: FacilityId(id),
                redundant: losing.iter().all(|p| *p <= 0.0),
                people_losing: losing,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edit, Facility};
    use geo::Point;

    /// In the tiny case the shop serves R1 (10 people) within 5 minutes and
    /// R1 + R2 (40) within 10; the school serves R1 + R2 within 10. A second
    /// shop right beside the first makes both shops redundant.
    #[test]
    fn losses_per_tier_and_redundant_twins() {
        let (layers, profile) = crate::analysis::tests::tiny_case();
        let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
        let r = redundancy(&live, &Progress::new()).unwrap();
        assert_eq!(r[0].people_losing, vec![10.0, 40.0]);
        assert!(!r[0].redundant);
        assert_eq!(r[1].people_losing, vec![0.0, 40.0]);
        let twin = Facility {
            category: "shop".into(),
            name: "twin".into(),
            capacity: None,
            location: Point::new(0.0035, 0.0001),
        };
        let id = live.next_id();
        live.apply(&Edit::Add { id, facility: twin }).unwrap();
        let r = redundancy(&live, &Progress::new()).unwrap();
        assert!(r[0].redundant && r[2].redundant, "{r:?}");
        assert!(!r[1].redundant);
    }
}
