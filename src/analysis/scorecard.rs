//! The scorecard (对标) of each township: every tier's complete share
//! against the profile's target (达标 / 未达标), and its 短板 — the required
//! categories with the most people not covered, each with the nearest
//! existing facility of that category and the neighbouring townships whose
//! facilities already serve part of the township. For a township that wants
//! to be a provincial model town: where it stands and what to build first.

use super::{Assessment, Sharing};
use crate::model::{Layers, Profile};
use serde::{Deserialize, Serialize};

/// How many 短板 a scorecard lists per township.
pub const SHORTFALLS_LISTED: usize = 5;

/// One tier of a township's scorecard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierScore {
    pub tier: String,
    pub complete_share: f64,
    /// The profile's goal; `None` when it sets none.
    pub target: Option<f64>,
    /// `complete_share >= target`; `None` without a target.
    pub met: Option<bool>,
    /// `target − complete_share` (above 0: short of the goal).
    pub distance_to_target: Option<f64>,
}

/// The nearest facility of a category to the people a township misses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NearestFacility {
    /// 0-based index in the facilities file.
    pub facility: u32,
    pub name: String,
    /// Its township, or "outside".
    pub township: String,
    /// Straight-line metres from the population-weighted centre of the
    /// people not covered.
    pub distance_m: f64,
}

/// A 短板: a required category many people of the township do not reach.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shortfall {
    pub tier: String,
    pub category: String,
    /// People (or hectares) of the township not covered for it.
    pub not_covered: f64,
    pub covered_share: f64,
    /// The category's own goal, when the profile sets one.
    pub target: Option<f64>,
    /// `None` when the district has no facility of the category.
    pub nearest_facility: Option<NearestFacility>,
    /// Other townships whose facilities already serve part of this
    /// township's people for this tier and category (METHOD 18–19).
    pub served_by_neighbours: Vec<String>,
}

/// One township's scorecard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TownshipScorecard {
    pub township: String,
    pub population: f64,
    pub tiers: Vec<TierScore>,
    /// Most people not covered first; at most [`SHORTFALLS_LISTED`].
    pub shortfalls: Vec<Shortfall>,
}

/// Scorecards of every township (file order) of `assessment`, whose report
/// and `sharing` come from `layers` and `profile`.
pub fn scorecards(
    assessment: &Assessment,
    sharing: &Sharing,
    layers: &Layers,
    profile: &Profile,
) -> Vec<TownshipScorecard> {
    let n = layers.townships.len();
    let township_name = |t: Option<u32>| {
        t.and_then(|t| layers.townships.get(t as usize))
            .map_or("outside".to_string(), |t| t.name.clone())
    };
    let projection =
        crate::geodesy::LocalProjection::for_bounds(super::engine::layer_bounds(layers));
    let facility_xy: Vec<[f64; 2]> = layers
        .facilities
        .iter()
        .map(|f| projection.forward(f.location.x(), f.location.y()))
        .collect();
    let mut cards = Vec::with_capacity(n);
    for (ti, township) in assessment.report.townships.iter().enumerate() {
        let tiers = profile
            .tiers
            .iter()
            .zip(&township.figures.tiers)
            .map(|(tier, figures)| {
                let share = figures.complete_share;
                TierScore {
                    tier: tier.id.clone(),
                    complete_share: share,
                    target: tier.target,
                    met: tier.target.map(|t| share >= t - 1e-12),
                    distance_to_target: tier.target.map(|t| t - share),
                }
            })
            .collect();
        let mut shortfalls = Vec::new();
        for (k, tier) in profile.tiers.iter().enumerate() {
            let Some(figures) = township.figures.tiers.get(k) else {
                continue;
            };
            for c in &figures.categories {
                if !tier.categories.contains(&c.id) {
                    continue;
                }
                let not_covered = (township.figures.population - c.covered_population).max(0.0);
                if not_covered <= 0.0 {
                    continue;
                }
                shortfalls.push((k, c.id.clone(), not_covered, c.covered_share));
            }
        }
        shortfalls.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
        shortfalls.truncate(SHORTFALLS_LISTED);
        let shortfalls = shortfalls
            .into_iter()
            .map(|(k, category, not_covered, covered_share)| {
                let tier = &profile.tiers[k];
                // Centre of the people not covered.
                let minutes = assessment.minutes_for(tier, &category);
                let limit = tier.minutes as f32;
                let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
                for (i, r) in assessment.demand.iter().enumerate() {
                    let covered = minutes.is_some_and(|m| m[i] <= limit);
                    if assessment.resident_township[i] == Some(ti as u32) && !covered {
                        let xy = projection.forward(r.location.x(), r.location.y());
                        let w = r.population.max(1e-9);
                        sx += xy[0] * w;
                        sy += xy[1] * w;
                        sw += w;
                    }
                }
                let centre = [sx / sw.max(1e-12), sy / sw.max(1e-12)];
                let nearest_facility = layers
                    .facilities
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.category == category)
                    .map(|(j, _)| (j, crate::network::dist(facility_xy[j], centre)))
                    .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                    .filter(|_| sw > 0.0)
                    .map(|(j, d)| NearestFacility {
                        facility: j as u32,
                        name: layers.facilities[j].name.clone(),
                        township: township_name(sharing.facility_township[j]),
                        distance_m: d,
                    });
                let served_by_neighbours = sharing
                    .tables
                    .iter()
                    .find(|t| t.tier == k && t.category == category)
                    .map(|t| {
                        (0..n)
                            .filter(|&b| b != ti && t.demand[ti][b] > 0.0)
                            .map(|b| layers.townships[b].name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                Shortfall {
                    tier: tier.id.clone(),
                    target: profile
                        .categories
                        .iter()
                        .find(|x| x.id == category)
                        .and_then(|x| x.target),
                    category,
                    not_covered,
                    covered_share,
                    nearest_facility,
                    served_by_neighbours,
                }
            })
            .collect();
        cards.push(TownshipScorecard {
            township: township.name.clone(),
            population: township.figures.population,
            tiers,
            shortfalls,
        });
    }
    cards
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::tiny_case;
    use crate::analysis::{Progress, assess, sharing};

    /// tiny_case with targets: West (30 + 60 people) has t5 complete 0 and
    /// t10 complete 30/90; East (10) is complete for both.
    #[test]
    fn tiny_case_scorecard_by_hand() {
        let (layers, mut profile) = tiny_case();
        profile.tiers[0].target = Some(0.5);
        profile.tiers[1].target = Some(0.3);
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let s = sharing(&a, &layers, &profile);
        let cards = scorecards(&a, &s, &layers, &profile);
        let west = &cards[0];
        assert_eq!(west.township, "West");
        assert_eq!(west.tiers[0].met, Some(false));
        assert!((west.tiers[0].distance_to_target.unwrap() - 0.5).abs() < 1e-12);
        assert_eq!(west.tiers[1].met, Some(true));
        // 短板: t5 shop misses all 90; t10 shop and school miss R3 (60).
        let list: Vec<(&str, &str, f64)> = west
            .shortfalls
            .iter()
            .map(|x| (x.tier.as_str(), x.category.as_str(), x.not_covered))
            .collect();
        assert_eq!(
            list,
            [
                ("t5", "shop", 90.0),
                ("t10", "shop", 60.0),
                ("t10", "school", 60.0)
            ]
        );
        let t10_shop = &west.shortfalls[1];
        assert_eq!(t10_shop.served_by_neighbours, ["East"]);
        let nearest = t10_shop.nearest_facility.as_ref().unwrap();
        assert_eq!((nearest.facility, nearest.township.as_str()), (0, "East"));
        assert!(west.shortfalls[2].served_by_neighbours.is_empty());
        let east = &cards[1];
        assert!(east.shortfalls.is_empty());
        assert_eq!(
            east.tiers.iter().map(|t| t.met).collect::<Vec<_>>(),
            [Some(true), Some(true)]
        );
    }
}
