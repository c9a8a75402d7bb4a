//! The coverage result in the exact shape of `coverage.json` (issue #2):
//! plain serializable structs, sorted in file/profile order.

use crate::model::Mode;
use serde::{Deserialize, Serialize};

/// Coverage of one category within one tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryCoverage {
    pub id: String,
    /// The demand group the category serves (METHOD 12); `null`: everyone.
    #[serde(default)]
    pub group: Option<String>,
    /// The demand the figures below are measured against: the area's
    /// population of the group, or its whole population (METHOD 12).
    #[serde(default)]
    pub demand_population: f64,
    pub covered_population: f64,
    /// Covered / demand population, 0–1 (0 when that is 0).
    pub covered_share: f64,
    /// Population-weighted mean minutes of the covered residents.
    pub mean_minutes: Option<f64>,
    /// Smallest minutes whose cumulative covered population share is ≥ 0.9.
    pub p90_minutes: Option<f64>,
    /// Covered demand served by facilities of the area's own township /
    /// covered demand (METHOD 19); set by [`super::Sharing::fill_report`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_by_own_share: Option<f64>,
    /// Supply against the 千人指标 (METHOD 14–16), for categories with a
    /// standard; set by the capacity step of the assessment.
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub supply: Option<SupplyFigures>,
}

/// Two-step floating catchment figures of one area, tier and category
/// (METHOD 16). Flattened into the category's object of `coverage.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SupplyFigures {
    /// Capacity units reaching the area's demand per 1,000 of it.
    pub supply_per_1000: f64,
    /// The profile's standard (units per 1,000 of the group).
    pub standard_per_1000: f64,
    /// Units missing to meet the standard (0 when it is met).
    pub shortfall: f64,
    /// Share of the demand whose own access meets the standard.
    pub served_share: f64,
}

/// Coverage of one tier (life circle).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierCoverage {
    pub id: String,
    pub minutes: f64,
    pub mode: Mode,
    /// Share of the population that reaches every required category, 0–1.
    pub complete_share: f64,
    /// Complete share of the town (镇区) residents, of the village (乡村)
    /// residents (METHOD 20); absent without a split or when that
    /// population is 0. Set by [`super::fill_town_village`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town_complete_share: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village_complete_share: Option<f64>,
    /// Required categories first, then optional ones.
    pub categories: Vec<CategoryCoverage>,
}

/// Figures of an area (a township or the whole district).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaCoverage {
    pub population: f64,
    pub tiers: Vec<TierCoverage>,
}

/// Figures of one township.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TownshipCoverage {
    pub name: String,
    #[serde(flatten)]
    pub figures: AreaCoverage,
}

/// How the figures were computed, for the record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodInfo {
    /// "network" or "straight_line".
    pub distance: String,
    /// Detour factor applied to straight lines (only with `straight_line`).
    pub detour_factor: Option<f64>,
    /// "people" or "area_hectares".
    pub demand: String,
    /// Local projection, as a PROJ string.
    pub projection: String,
    pub max_connector_m: f64,
    pub walk_kmh: f64,
    pub bike_kmh: f64,
    pub road_nodes: usize,
    pub road_segments: usize,
    pub residents: usize,
    pub facilities: usize,
    pub townships: usize,
    pub profile: String,
}

/// The whole of `coverage.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoverageReport {
    pub townships: Vec<TownshipCoverage>,
    pub total: AreaCoverage,
    /// People in no township (not in any township's figures, in the total).
    pub outside_population: f64,
    /// People with no usable road within 1,000 m for at least one mode used.
    pub unreachable_population: f64,
    pub warnings: Vec<String>,
    pub method: MethodInfo,
}

impl CoverageReport {
    /// Figures of a township by name.
    pub fn township(&self, name: &str) -> Option<&TownshipCoverage> {
        self.townships.iter().find(|t| t.name == name)
    }
}

impl AreaCoverage {
    /// A tier by id.
    pub fn tier(&self, id: &str) -> Option<&TierCoverage> {
        self.tiers.iter().find(|t| t.id == id)
    }
}

impl TierCoverage {
    /// A category by id.
    pub fn category(&self, id: &str) -> Option<&CategoryCoverage> {
        self.categories.iter().find(|c| c.id == id)
    }
}
