//! Comparing two layouts assessed on the same residents and profile: per
//! township, tier and category, both shares, the difference in percentage
//! points and the people newly covered or no longer covered; and, per
//! resident, whether it became complete or stopped being complete (the
//! difference map).

use super::Assessment;
use crate::model::Profile;
use serde::{Deserialize, Serialize};

/// Change of one category within a tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryDelta {
    pub id: String,
    pub covered_share_a: f64,
    pub covered_share_b: f64,
    /// (b − a) × 100.
    pub delta_pp: f64,
    /// People covered in b but not in a.
    pub newly_covered: f64,
    /// People covered in a but not in b.
    pub no_longer_covered: f64,
}

/// Change of one tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierDelta {
    pub id: String,
    pub complete_share_a: f64,
    pub complete_share_b: f64,
    pub delta_pp: f64,
    pub newly_complete: f64,
    pub no_longer_complete: f64,
    pub categories: Vec<CategoryDelta>,
}

/// Changes in one area (a township, or the district when `name` is `None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaDelta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub population: f64,
    pub tiers: Vec<TierDelta>,
}

/// A resident whose completeness for a tier differs between a and b.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentChange {
    pub resident: u32,
    pub tier: u32,
    /// `true`: complete in b, not in a; `false`: the reverse.
    pub gained: bool,
}

/// The comparison of layout b against layout a.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub townships: Vec<AreaDelta>,
    pub total: AreaDelta,
    #[serde(skip)]
    pub changes: Vec<ResidentChange>,
}

/// Compare `b` against `a`. Both must come from the same residents layer
/// (or area grid) and `profile`; the shorter demand list bounds the
/// comparison otherwise.
pub fn compare(a: &Assessment, b: &Assessment, profile: &Profile) -> Comparison {
    let n = a.demand.len().min(b.demand.len());
    let townships = a.report.townships.len();
    // Per area (townships, then the total) and tier: sums in a flat buffer.
    let tiers = &profile.tiers;
    let mut changes = Vec::new();
    let mut areas: Vec<AreaDelta> = (0..=townships)
        .map(|t| AreaDelta {
            name: a.report.townships.get(t).map(|x| x.name.clone()),
            population: if t < townships {
                a.report.townships[t].figures.population
            } else {
                a.report.total.population
            },
            tiers: Vec::new(),
        })
        .collect();
    for (ti, tier) in tiers.iter().enumerate() {
        let limit = tier.minutes as f32;
        let cats: Vec<&str> = tier.all_categories().collect();
        let cols_a: Vec<&[f32]> = cats
            .iter()
            .map(|c| a.minutes_for(tier, c).unwrap_or(&[]))
            .collect();
        let cols_b: Vec<&[f32]> = cats
            .iter()
            .map(|c| b.minutes_for(tier, c).unwrap_or(&[]))
            .collect();
        let required = tier.categories.len();
        // [area][category] newly / lost; [area] newly / lost complete.
        let mut newly = vec![vec![0.0; cats.len()]; townships + 1];
        let mut lost = vec![vec![0.0; cats.len()]; townships + 1];
        let mut newly_complete = vec![0.0; townships + 1];
        let mut lost_complete = vec![0.0; townships + 1];
        for r in 0..n {
            let Some(t) = a.resident_township[r] else {
                continue;
            };
            let pop = a.demand[r].population;
            let covered = |cols: &[&[f32]], c: usize| cols[c].get(r).is_some_and(|m| *m <= limit);
            let mut complete_a = true;
            let mut complete_b = true;
            for c in 0..cats.len() {
                let (ca, cb) = (covered(&cols_a, c), covered(&cols_b, c));
                if c < required {
                    complete_a &= ca;
                    complete_b &= cb;
                }
                if cb && !ca {
                    for area in [t as usize, townships] {
                        newly[area][c] += pop;
                    }
                } else if ca && !cb {
                    for area in [t as usize, townships] {
                        lost[area][c] += pop;
                    }
                }
            }
            if complete_a != complete_b {
                changes.push(ResidentChange {
                    resident: r as u32,
                    tier: ti as u32,
                    gained: complete_b,
                });
                let sums = if complete_b {
                    &mut newly_complete
                } else {
                    &mut lost_complete
                };
                sums[t as usize] += pop;
                sums[townships] += pop;
            }
        }
        for (area, delta) in areas.iter_mut().enumerate() {
            let fig = |x: &Assessment| {
                if area < townships {
                    x.report.townships.get(area).map(|t| &t.figures)
                } else {
                    Some(&x.report.total)
                }
                .and_then(|f| f.tiers.get(ti))
                .cloned()
            };
            let (Some(fa), Some(fb)) = (fig(a), fig(b)) else {
                continue;
            };
            let categories = cats
                .iter()
                .enumerate()
                .map(|(c, id)| {
                    let sa = fa.categories.get(c).map_or(0.0, |x| x.covered_share);
                    let sb = fb.categories.get(c).map_or(0.0, |x| x.covered_share);
                    CategoryDelta {
                        id: id.to_string(),
                        covered_share_a: sa,
                        covered_share_b: sb,
                        delta_pp: (sb - sa) * 100.0,
                        newly_covered: newly[area][c],
                        no_longer_covered: lost[area][c],
                    }
                })
                .collect();
            delta.tiers.push(TierDelta {
                id: tier.id.clone(),
                complete_share_a: fa.complete_share,
                complete_share_b: fb.complete_share,
                delta_pp: (fb.complete_share - fa.complete_share) * 100.0,
                newly_complete: newly_complete[area],
                no_longer_complete: lost_complete[area],
                categories,
            });
        }
    }
    let total = areas.pop().expect("the total area");
    Comparison {
        townships: areas,
        total,
        changes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{LiveAssessment, Progress, assess};
    use crate::model::{Edit, Facility, FacilityId};
    use geo::Point;

    /// In the tiny case, a new shop beside R2 (30 people, West) brings it
    /// within 5 minutes of a shop; nobody loses coverage.
    #[test]
    fn adding_a_facility_shows_as_newly_covered() {
        let (layers, profile) = crate::analysis::tests::tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let mut live = LiveAssessment::new(&layers, &profile, &Progress::new()).unwrap();
        let shop = Facility {
            category: "shop".into(),
            name: "new".into(),
            capacity: None,
            location: Point::new(0.0005, 0.0001),
        };
        live.apply(&Edit::Add {
            id: FacilityId(2),
            facility: shop,
        })
        .unwrap();
        let d = compare(&a, live.assessment(), &profile);
        // R2 (30 people, West) now reaches a shop in 5 minutes.
        let west_t5 = &d.townships[0].tiers[0];
        assert_eq!(west_t5.categories[0].newly_covered, 30.0);
        assert_eq!(west_t5.newly_complete, 30.0);
        assert!((west_t5.delta_pp - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(d.total.tiers[0].no_longer_complete, 0.0);
        assert_eq!(d.total.tiers[0].newly_complete, 30.0);
        let r2 = crate::analysis::tests::at(&a, 0.0005, 0.0002) as u32;
        assert_eq!(
            d.changes,
            vec![ResidentChange {
                resident: r2,
                tier: 0,
                gained: true
            }]
        );
        // Compared with itself: nothing changes.
        let same = compare(&a, &a, &profile);
        assert!(same.changes.is_empty());
        assert!(same.total.tiers.iter().all(|t| t.delta_pp == 0.0));
    }
}
