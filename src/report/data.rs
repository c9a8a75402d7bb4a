//! What the report writers read: the study and its assessment as the caller
//! hands them over ([`ExportInput`]), and what an export derives from them
//! ([`ReportData`], [`MapImage`]). Its own module so that the writers
//! (`html`, `xlsx`, `tables`) and the one-call `export` import these types
//! from below instead of from each other.

use super::Lang;
use crate::analysis::{Assessment, CoverageReport, FacilityCatchment, TownshipScorecard};
use crate::model::{Layers, Profile, Scenario};
use std::path::PathBuf;

/// An input file of the study, for the method sheet.
#[derive(Clone, Debug, PartialEq)]
pub struct DataFile {
    /// Layer: "townships", "facilities", "residents", "roads" or "profile"
    /// (shown translated), or any other label (shown as it is).
    pub kind: String,
    pub path: PathBuf,
    /// Features (or rows) used from it; `None` for files without features
    /// (the profile).
    pub features: Option<usize>,
}

/// A second layout's figures to compare with the assessment's.
#[derive(Clone, Debug)]
pub struct ComparisonInput<'a> {
    /// Name of the assessed layout, e.g. "现状" (baseline).
    pub base_label: String,
    /// Name of the other layout, e.g. "方案一".
    pub label: String,
    /// Its figures (same townships, tiers and categories are matched by name
    /// and id).
    pub report: &'a CoverageReport,
    /// Its data and assessment when at hand: the report then lists its road
    /// and population changes and draws a difference map per tier.
    pub detail: Option<ComparisonDetail<'a>>,
}

/// The other layout's own data (see [`ComparisonInput::detail`]).
#[derive(Clone, Debug)]
pub struct ComparisonDetail<'a> {
    /// Its layers (roads and residents with its changes applied).
    pub layers: &'a Layers,
    pub assessment: &'a Assessment,
    /// Its road and population changes against the assessed layout.
    pub scenario: &'a Scenario,
}

/// The study and its assessment.
#[derive(Clone, Debug)]
pub struct ExportInput<'a> {
    pub layers: &'a Layers,
    pub profile: &'a Profile,
    /// The assessment of `layers` against `profile`.
    pub assessment: &'a Assessment,
    /// Problems found while loading, listed before the assessment's own.
    pub warnings: &'a [String],
    /// Input files, for the method sheet.
    pub data_files: &'a [DataFile],
    /// Another layout to compare with.
    pub comparison: Option<ComparisonInput<'a>>,
    /// Per facility (same order as `layers.facilities`): `true` when it is
    /// redundant (removing it leaves coverage unchanged). `None`: not known.
    pub redundancy: Option<&'a [bool]>,
}

/// Everything the writers read: the inputs plus what the export derived.
pub struct ReportData<'a> {
    pub input: &'a ExportInput<'a>,
    pub lang: Lang,
    pub title: String,
    /// Day of the report, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// The figures with the loading warnings in front of the assessment's.
    pub report: CoverageReport,
    /// Per facility catchments; `None` when not computed.
    pub catchments: Option<Vec<FacilityCatchment>>,
    /// Each township's scorecard (对标); empty when not computed.
    pub scorecards: Vec<TownshipScorecard>,
    /// A phased plan (建设时序) to report, when one was made.
    pub plan: Option<PlanPart>,
}

impl<'a> ReportData<'a> {
    /// Gather the data of a report (without facility catchments).
    pub fn new(input: &'a ExportInput<'a>, lang: Lang, title: Option<&str>) -> Self {
        let mut report = input.assessment.report.clone();
        let mut warnings = input.warnings.to_vec();
        warnings.append(&mut report.warnings);
        report.warnings = warnings;
        Self {
            input,
            lang,
            title: title
                .map(str::to_string)
                .unwrap_or_else(|| default_title(lang).to_string()),
            date: today(),
            report,
            catchments: None,
            scorecards: Vec::new(),
            plan: None,
        }
    }

    /// Whether demand is people (else hectares of area).
    pub fn people(&self) -> bool {
        self.report.method.demand == "people"
    }
}

/// The default report title.
pub fn default_title(lang: Lang) -> &'static str {
    lang.pick("生活圈评估报告", "Life-circle assessment report")
}

/// A drawn map: which tier and township, and the PNG.
#[derive(Clone, Debug)]
pub struct MapImage {
    /// Index into `Profile::tiers`.
    pub tier: usize,
    /// Index into `Layers::townships`; `None`: the whole district.
    pub township: Option<usize>,
    /// The capacity table (index into `Assessment::capacity`) of a supply
    /// map; `None` for a coverage map.
    pub supply: Option<usize>,
    /// A comparison's difference map: the other layout's map with its
    /// road and population changes and the residents whose completeness
    /// changed (see `map_image::MapOverlay`).
    pub difference: bool,
    /// File name under `maps/`.
    pub file: String,
    pub png: Vec<u8>,
}

/// A phased plan (建设时序) with what the report shows of it.
#[derive(Clone, Debug)]
pub struct PlanPart {
    pub plan: crate::analysis::Plan,
    /// One map per phase and planned tier (empty when not drawn).
    pub maps: Vec<PhaseMap>,
}

/// The layout after a phase of a plan, for one tier, as a PNG.
#[derive(Clone, Debug)]
pub struct PhaseMap {
    /// Index into the plan's phases.
    pub phase: usize,
    /// Index into the profile's tiers.
    pub tier: usize,
    /// File name under `maps/`.
    pub file: String,
    pub png: Vec<u8>,
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

/// The proleptic Gregorian date of a day count since 1970-01-01
/// (H. Hinnant's `civil_from_days`).
///
/// ```
/// use lifecircle::report::data::civil_date;
/// assert_eq!(civil_date(0), "1970-01-01");
/// assert_eq!(civil_date(19_782), "2024-02-29");
/// ```
pub fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
