//! What a new facility costs, for the budgeted plan (建设时序): the
//! profile's `unit_cost` (万元 per facility) plus `cost_per_unit` × the
//! category's `default_capacity`, or, for a category the profile gives no
//! cost, a proposed default (提议值) from [`DEFAULT_UNIT_COSTS`]. Kept apart
//! from `profile.rs` so the cost rules and their defaults read in one place.
//!
//! Layer: the bottom (`model`); imports nothing of the crate above it.

use super::profile::{Profile, ProfileError};

/// Proposed construction costs (提议值) in 万元 per new facility, by
/// category id of the default profile. Order-of-magnitude figures for a
/// small facility of the kind in a rural Zhejiang township (building and
/// fit-out, no land); no standard publishes them. Replace them with local
/// estimates through the profile's `unit_cost`.
pub const DEFAULT_UNIT_COSTS: &[(&str, f64)] = &[
    ("convenience_store", 30.0),
    ("kindergarten", 800.0),
    ("nursery", 300.0),
    ("elderly_day_care", 150.0),
    ("health_station", 100.0),
    ("community_service", 200.0),
    ("outdoor_fitness", 20.0),
    ("bus_stop", 5.0),
    ("pharmacy", 30.0),
    ("public_toilet", 40.0),
    ("parcel_point", 10.0),
    ("primary_school", 3000.0),
    ("junior_middle_school", 4000.0),
    ("township_health_centre", 2500.0),
    ("farmers_market", 600.0),
    ("supermarket", 200.0),
    ("elderly_care_home", 1500.0),
    ("culture_station", 300.0),
    ("sports_ground", 500.0),
    ("admin_service_centre", 800.0),
    ("park_square", 300.0),
    ("bank", 100.0),
    ("post_office", 100.0),
    ("general_hospital", 20000.0),
    ("police_station", 1500.0),
    ("senior_high_school", 8000.0),
    ("large_retail", 3000.0),
    ("culture_sports_venue", 5000.0),
    ("transport_hub", 3000.0),
    ("fire_station", 2000.0),
];

/// The cost of one new facility of a category.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FacilityCost {
    /// 万元 (10,000 yuan).
    pub wan_yuan: f64,
    /// Whether the figure is the proposed default rather than the profile's.
    pub proposed: bool,
}

impl Profile {
    /// What one new facility of `category` costs: the profile's `unit_cost`
    /// (plus `cost_per_unit` × `default_capacity` when both are given), else
    /// the proposed default. Errors name the category when it has neither.
    pub fn new_facility_cost(&self, category: &str) -> Result<FacilityCost, String> {
        let info = self.categories.iter().find(|c| c.id == category);
        let per_unit = info
            .and_then(|c| Some(c.cost_per_unit? * c.default_capacity?))
            .unwrap_or(0.0);
        if let Some(cost) = info.and_then(|c| c.unit_cost) {
            return Ok(FacilityCost {
                wan_yuan: cost + per_unit,
                proposed: false,
            });
        }
        match DEFAULT_UNIT_COSTS.iter().find(|(id, _)| *id == category) {
            Some(&(_, cost)) => Ok(FacilityCost {
                wan_yuan: cost + per_unit,
                proposed: true,
            }),
            None => Err(format!(
                "category {category:?} has no cost: give it \"unit_cost\" (万元 per new \
                 facility) in the profile's \"categories\" (there is no default for it)"
            )),
        }
    }

    /// The cost checks of [`Profile::validate`]: `unit_cost` a positive
    /// number, `cost_per_unit` a number of at least 0.
    pub(super) fn validate_costs(&self) -> Result<(), ProfileError> {
        for c in &self.categories {
            let bad = |problem: String| ProfileError::BadCategory {
                category: c.id.clone(),
                problem,
            };
            if let Some(v) = c.unit_cost.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(bad(format!(
                    "unit_cost {v} must be a positive number (万元 per new facility)"
                )));
            }
            if let Some(v) = c.cost_per_unit.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(bad(format!(
                    "cost_per_unit {v} must be a number of at least 0"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COSTED: &str = r#"{"tiers":[{"id":"a","minutes":5,"mode":"walk","categories":["kindergarten","kiosk"]}],
        "categories":[{"id":"kindergarten","unit_cost":600,"cost_per_unit":0.5,"default_capacity":90},
                      {"id":"kiosk"}]}"#;

    #[test]
    fn costs_come_from_the_profile_then_the_proposed_defaults() {
        let p = Profile::from_json(COSTED).unwrap();
        let k = p.new_facility_cost("kindergarten").unwrap();
        assert_eq!(k.wan_yuan, 600.0 + 0.5 * 90.0);
        assert!(!k.proposed);
        let store = p.new_facility_cost("convenience_store").unwrap();
        assert_eq!(store.wan_yuan, 30.0);
        assert!(store.proposed);
        let err = p.new_facility_cost("kiosk").unwrap_err();
        assert!(
            err.contains("\"kiosk\"") && err.contains("unit_cost"),
            "{err}"
        );
        let back = Profile::from_json(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn every_default_profile_category_has_a_positive_default() {
        let text = include_str!("../../data/profile-default.json");
        let p = Profile::from_json(text).unwrap();
        for id in p.category_ids() {
            let cost = p.new_facility_cost(id).unwrap();
            assert!(cost.wan_yuan > 0.0, "{id}");
        }
        for (i, (id, _)) in DEFAULT_UNIT_COSTS.iter().enumerate() {
            assert!(
                !DEFAULT_UNIT_COSTS[..i].iter().any(|(o, _)| o == id),
                "{id}"
            );
        }
    }

    #[test]
    fn rejects_bad_costs_naming_the_category() {
        for (from, to, named) in [
            ("\"unit_cost\":600", "\"unit_cost\":-5", "unit_cost -5"),
            ("\"unit_cost\":600", "\"unit_cost\":0", "unit_cost 0"),
            (
                "\"cost_per_unit\":0.5",
                "\"cost_per_unit\":-1",
                "cost_per_unit",
            ),
        ] {
            let err = Profile::from_json(&COSTED.replace(from, to)).unwrap_err();
            assert!(err.contains("kindergarten") && err.contains(named), "{err}");
        }
    }
}
