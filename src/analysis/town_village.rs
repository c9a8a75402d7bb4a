//! Town and village (城乡一体, METHOD.md step 20): every demand point is
//! `town` (镇区) or `village` (乡村) by its `settlement` value or, without
//! one, by the town-area layer; per township and tier the complete share of
//! each class shows whether villages lag behind the town seat. Computed
//! from the assessment's blind spots (a point is complete for a tier unless
//! it is a blind spot of it), so the engine is not involved.

use super::{Assessment, CoverageReport, TownshipIndex};
use crate::model::{Settlement, Township};
use geo::MultiPolygon;

/// The class of every demand point of `assessment` (its order), or `None`
/// when no split can be made (no `settlement` value and no town areas).
/// With town areas, a point without a value is `town` inside one of them
/// (boundary included), else `village`; without them, it has no class.
pub fn settlement_classes(
    assessment: &Assessment,
    town_areas: Option<&[MultiPolygon<f64>]>,
) -> Option<Vec<Option<Settlement>>> {
    let any_value = assessment.demand.iter().any(|r| r.settlement.is_some());
    if !any_value && town_areas.is_none() {
        return None;
    }
    let index = town_areas.map(|areas| {
        let shapes: Vec<Township> = areas
            .iter()
            .map(|a| Township {
                name: String::new(),
                code: None,
                boundary: a.clone(),
            })
            .collect();
        TownshipIndex::new(&shapes)
    });
    Some(
        assessment
            .demand
            .iter()
            .map(|r| {
                r.settlement.or_else(|| {
                    index
                        .as_ref()
                        .map(|ix| match ix.locate([r.location.x(), r.location.y()]) {
                            Some(_) => Settlement::Town,
                            None => Settlement::Village,
                        })
                })
            })
            .collect(),
    )
}

/// Set `town_complete_share` and `village_complete_share` on every
/// township × tier of `report` (the figures of `assessment`) from `classes`
/// (see [`settlement_classes`]); a class with no population in a township
/// leaves its key absent.
pub fn fill_town_village(
    report: &mut CoverageReport,
    assessment: &Assessment,
    classes: &[Option<Settlement>],
) {
    let townships = report.townships.len();
    let tiers = report.total.tiers.len();
    // [township][class]: population, and per tier the population not complete.
    let mut population = vec![[0.0f64; 2]; townships];
    let mut blind = vec![vec![[0.0f64; 2]; townships]; tiers];
    let class_index = |c: Settlement| Settlement::ALL.iter().position(|&x| x == c).unwrap_or(0);
    for (i, r) in assessment.demand.iter().enumerate() {
        if let (Some(t), Some(c)) = (assessment.resident_township[i], classes[i]) {
            population[t as usize][class_index(c)] += r.population;
        }
    }
    for b in &assessment.blind_spots {
        let i = b.resident as usize;
        if let (Some(t), Some(c)) = (assessment.resident_township[i], classes[i]) {
            blind[b.tier as usize][t as usize][class_index(c)] += assessment.demand[i].population;
        }
    }
    for (t, township) in report.townships.iter_mut().enumerate() {
        for (ti, tier) in township.figures.tiers.iter_mut().enumerate() {
            let share = |k: usize| {
                let p = population[t][k];
                (p > 0.0).then(|| ((p - blind[ti][t][k]) / p).clamp(0.0, 1.0))
            };
            tier.town_complete_share = share(0);
            tier.village_complete_share = share(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::tiny_case;
    use crate::analysis::{Progress, assess};
    use geo::polygon;

    /// tiny_case: R1 (10, East) complete for t5 and t10; R2 (30, West)
    /// complete for t10 only (the shop is 6.1 min away); R3 (60, West)
    /// reaches nothing.
    #[test]
    fn shares_by_hand_from_values_and_town_areas() {
        let (mut layers, profile) = tiny_case();
        // By value: R2 is town, R3 village; R1 has no value.
        {
            let rs = layers.residents.as_mut().unwrap();
            rs[1].settlement = Some(Settlement::Town);
            rs[2].settlement = Some(Settlement::Village);
        }
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let classes = settlement_classes(&a, None).unwrap();
        let mut report = a.report.clone();
        fill_town_village(&mut report, &a, &classes);
        let west = &report.townships[0].figures.tiers;
        assert_eq!(west[0].town_complete_share, Some(0.0));
        assert_eq!(west[0].village_complete_share, Some(0.0));
        assert_eq!(west[1].town_complete_share, Some(1.0));
        assert_eq!(west[1].village_complete_share, Some(0.0));
        // East: R1 has no class and there is no town-area layer.
        let east = &report.townships[1].figures.tiers;
        assert_eq!(east[0].town_complete_share, None);
        assert_eq!(east[0].village_complete_share, None);
        let json = serde_json::to_string(&report.townships[1]).unwrap();
        assert!(!json.contains("town_complete_share"));

        // A town area around R1: it becomes town; values still win.
        let area = MultiPolygon(vec![polygon![
            (x: 0.0029, y: -0.001), (x: 0.0031, y: -0.001), (x: 0.0031, y: 0.001), (x: 0.0029, y: 0.001)
        ]]);
        let classes = settlement_classes(&a, Some(std::slice::from_ref(&area))).unwrap();
        let mut report = a.report.clone();
        fill_town_village(&mut report, &a, &classes);
        let east = &report.townships[1].figures.tiers;
        assert_eq!(east[0].town_complete_share, Some(1.0));
        assert_eq!(east[0].village_complete_share, None);
        assert_eq!(
            report.townships[0].figures.tiers[1].town_complete_share,
            Some(1.0)
        );

        // Without values and town areas: no split.
        let (layers, profile) = tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        assert!(settlement_classes(&a, None).is_none());
        // Town areas alone: everything outside them is village.
        let classes = settlement_classes(&a, Some(std::slice::from_ref(&area))).unwrap();
        let mut report = a.report.clone();
        fill_town_village(&mut report, &a, &classes);
        let west = &report.townships[0].figures.tiers;
        assert_eq!(west[1].town_complete_share, None);
        assert_eq!(west[1].village_complete_share, Some(30.0 / 90.0));
    }
}
