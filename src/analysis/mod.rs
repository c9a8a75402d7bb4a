//! Life-circle coverage (METHOD.md steps 3–9): travel minutes from every
//! resident to every profile category, then per-township aggregation and
//! blind spots. Pure functions over `model` types; no egui, no files.
//!
//! Layer: may import `network`, `io`, `generate`, `model`, `geodesy`; never
//! `report`, `state`, `ui`, `app` or `cli`. Inside, `engine` (the routing
//! core) sits below `assess` (the one-shot orchestration); the types both
//! use live in `routing`.

mod aggregate;
mod assess;
mod capacity;
mod compare;
mod demand;
mod engine;
mod extent;
mod facility_catchment;
mod grouped;
mod groups;
mod live;
mod plan;
mod progress;
mod redundancy;
mod report_types;
mod restudy;
mod routing;
mod scorecard;
mod shared_assess;
mod sharing;
mod suggest;
mod suggest_capacity;
mod town_village;
mod townships;

pub use aggregate::BlindSpot;
pub use assess::{Assessment, assess, assess_releasing_inputs, facility_reach};
pub use capacity::{CapacityTable, FacilityLoad, LoadStatus, supply_of};
pub use compare::{AreaDelta, CategoryDelta, Comparison, ResidentChange, TierDelta, compare};
pub use demand::area_grid;
pub use extent::{STRAY_DISTANCE_M, SetAside, StudyExtent, checked_layout, cut_label};
pub use facility_catchment::{FacilityCatchment, facility_catchments};
pub use groups::{category_weights as category_demand, group_weights as group_population};
pub use live::{EditEffect, EditError, LiveAssessment, ScenarioEffect};
pub use plan::{
    PhaseOutcome, Plan, PlanError, PlanObjective, PlanPhase, PlanRequest, PlanStep, parse_phases,
    plan,
};
pub use progress::{Cancelled, Progress};
pub use redundancy::{FacilityRedundancy, redundancy};
pub use report_types::{
    AreaCoverage, CategoryCoverage, CoverageReport, MethodInfo, SupplyFigures, TierCoverage,
    TownshipCoverage,
};
pub use routing::{PhaseTimings, Routing, Slot};
pub use scorecard::{
    NearestFacility, SHORTFALLS_LISTED, Shortfall, TierScore, TownshipScorecard, scorecards,
};
pub use shared_assess::assess_and_share_releasing_inputs;
pub use sharing::{NOT_SERVED, Sharing, SharingTable, serving_facilities, sharing};
pub use suggest::{SiteSuggestion, SuggestRequest, suggest_joint_sites, suggest_sites};
pub use suggest_capacity::{CapacitySuggestion, suggest_sites_with_capacity};
pub use town_village::{fill_town_village, settlement_classes};
pub use townships::TownshipIndex;

#[cfg(test)]
mod restudy_tests;
#[cfg(test)]
mod scenario_tests;
#[cfg(test)]
pub(crate) mod tests;
