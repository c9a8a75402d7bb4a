//! Life-circle coverage (METHOD.md steps 3–9): travel minutes from every
//! resident to every profile category, then per-township aggregation and
//! blind spots. Pure functions over `model` types; no egui, no files.

mod aggregate;
mod assess;
mod demand;
mod engine;
mod live;
mod progress;
mod report_types;
mod townships;

pub use aggregate::BlindSpot;
pub use assess::{Assessment, PhaseTimings, Routing, Slot, assess, facility_reach};
pub use demand::area_grid;
pub use live::{EditEffect, EditError, LiveAssessment};
pub use progress::{Cancelled, Progress};
pub use report_types::{
    AreaCoverage, CategoryCoverage, CoverageReport, MethodInfo, TierCoverage, TownshipCoverage,
};
pub use townships::TownshipIndex;

#[cfg(test)]
mod tests;
