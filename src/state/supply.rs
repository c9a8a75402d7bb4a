//! The Supply panel's state and rows (issue 13, 供需): which capacity
//! table (tier × category with a 千人指标 standard) is shown, and the rows
//! the panel and the map's load rings draw, taken from the assessment
//! (METHOD 13–17): per township demand, supply per 1,000, standard,
//! shortfall and served share; per facility capacity, demand, load and
//! status. Drawn by [`crate::ui::supply_panel`].
//!
//! Layer: state; reads `analysis` results and `model` layers.

use super::files::Import;
use super::{Message, Workspace};
use crate::analysis::{Assessment, CapacityTable, CoverageReport, LoadStatus, SupplyFigures};
use crate::io::{self, LayerKind};
use crate::model::{FacilityId, Layers, Profile};

/// What the user asked of the supply side in the Data tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupplyAction {
    /// Choose a group-shares CSV (`township,<group id>…`), put it into the
    /// profile's `township_shares` and re-assess.
    LoadGroupShares,
    /// Drop the shares of that file (the profile's own stay) and re-assess.
    ClearGroupShares,
}

/// A group-shares table in use: its file name and the profile's own
/// `township_shares` from before it, restored when it is cleared.
#[derive(Clone, Debug, PartialEq)]
pub struct SharesFile {
    pub file: String,
    before: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>>,
}

/// What the Supply panel shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SupplyView {
    /// The panel is shown (in place of the results table); the map then
    /// draws the chosen table's facilities by load.
    pub shown: bool,
    /// The table shown: tier index and category id; `None`: the first.
    pub table: Option<(usize, String)>,
    /// Townships by shortfall, largest first (else file order).
    pub by_shortfall: bool,
    /// The group-shares table loaded in the Data tab, if any.
    pub shares_file: Option<SharesFile>,
}

impl SupplyView {
    /// The capacity table shown, when the panel is shown and the
    /// assessment has one.
    pub fn shown_table<'a>(&self, assessment: &'a Assessment) -> Option<&'a CapacityTable> {
        if !self.shown {
            return None;
        }
        self.table_in(assessment)
    }

    /// The chosen table (else the first) of `assessment`.
    pub fn table_in<'a>(&self, assessment: &'a Assessment) -> Option<&'a CapacityTable> {
        let chosen = self.table.as_ref().and_then(|(tier, category)| {
            assessment
                .capacity
                .iter()
                .find(|t| t.tier == *tier && t.category == *category)
        });
        chosen.or_else(|| assessment.capacity.first())
    }
}

/// One row of the township table.
#[derive(Clone, Debug, PartialEq)]
pub struct TownshipSupply {
    /// Index into the report's townships; `None`: the district total.
    pub township: Option<usize>,
    pub name: String,
    /// The group's population (or the population).
    pub demand: f64,
    pub figures: SupplyFigures,
}

/// The township rows of `table` (file order, or by shortfall), the
/// district total last.
pub fn township_rows(
    report: &CoverageReport,
    table: &CapacityTable,
    by_shortfall: bool,
) -> Vec<TownshipSupply> {
    let row = |township: Option<usize>, name: &str, area: &crate::analysis::AreaCoverage| {
        let c = area
            .tiers
            .get(table.tier)?
            .categories
            .iter()
            .find(|c| c.id == table.category)?;
        Some(TownshipSupply {
            township,
            name: name.to_string(),
            demand: c.demand_population,
            figures: c.supply.clone()?,
        })
    };
    let mut rows: Vec<TownshipSupply> = report
        .townships
        .iter()
        .enumerate()
        .filter_map(|(i, t)| row(Some(i), &t.name, &t.figures))
        .collect();
    if by_shortfall {
        rows.sort_by(|a, b| b.figures.shortfall.total_cmp(&a.figures.shortfall));
    }
    rows.extend(row(None, "", &report.total));
    rows
}

/// One facility of a capacity table, with where it is on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct FacilitySupply {
    /// Index into the shown `Layers::facilities` (and the map's marks).
    pub index: usize,
    /// Its name (may be empty).
    pub name: String,
    /// The township holding it.
    pub township: Option<String>,
    pub capacity: f64,
    pub demand: f64,
    pub load: f64,
    pub status: LoadStatus,
}

/// The facilities of `table` on the layers shown (`ids`: the facility id
/// of each shown facility, empty for the baseline as loaded), by load,
/// the most loaded (over capacity) first.
pub fn facility_rows(
    table: &CapacityTable,
    layers: &Layers,
    ids: &[FacilityId],
    report: &CoverageReport,
    profile: &Profile,
) -> Vec<FacilitySupply> {
    let underused_below = profile.supply.underused_below;
    let mut rows: Vec<FacilitySupply> = table
        .facilities
        .iter()
        .filter_map(|f| {
            let index = if ids.is_empty() {
                f.facility as usize
            } else {
                ids.iter().position(|id| id.0 == f.facility)?
            };
            let facility = layers.facilities.get(index)?;
            Some(FacilitySupply {
                index,
                name: facility.name.clone(),
                township: f
                    .township
                    .and_then(|t| report.townships.get(t as usize))
                    .map(|t| t.name.clone()),
                capacity: f.capacity,
                demand: f.demand,
                load: f.load(),
                status: f.status(underused_below),
            })
        })
        .collect();
    rows.sort_by(|a, b| b.load.total_cmp(&a.load).then(a.index.cmp(&b.index)));
    rows
}

impl Workspace {
    /// Carry out a [`SupplyAction`]; a table that cannot be used leaves the
    /// profile as it was, and the message names the file and the problem.
    pub(super) fn apply_supply(&mut self, action: SupplyAction) {
        match action {
            SupplyAction::LoadGroupShares => {
                let what = Import::Layer(LayerKind::Residents);
                let Some(path) = self.dialogs.pick(what, self.settings.lang) else {
                    return;
                };
                let file = super::project::file_name(&path);
                match self.with_group_shares(&path, &file) {
                    Ok(profile) => {
                        let before = self.supply.shares_file.take().map_or_else(
                            || self.study.profile.supply.township_shares.clone(),
                            |s| s.before,
                        );
                        self.supply.shares_file = Some(SharesFile {
                            file: file.clone(),
                            before,
                        });
                        self.study.set_profile(profile);
                        self.message = Some(Message::Loaded(vec![file]));
                        self.start_assess();
                    }
                    Err(problem) => {
                        self.message = Some(Message::ImportFailed {
                            what: None,
                            file,
                            problem,
                        });
                    }
                }
            }
            SupplyAction::ClearGroupShares => {
                if let Some(shares) = self.supply.shares_file.take() {
                    let mut profile = self.study.profile.clone();
                    profile.supply.township_shares = shares.before;
                    self.study.set_profile(profile);
                    self.start_assess();
                }
            }
        }
    }

    /// The study's profile with the shares of `path` in place (over the
    /// profile's own, and over an earlier table's), checked against the
    /// study's townships.
    fn with_group_shares(&self, path: &std::path::Path, file: &str) -> Result<Profile, String> {
        let shares = io::load_group_shares(path)?;
        let mut profile = self.study.profile.clone();
        if let Some(earlier) = &self.supply.shares_file {
            profile.supply.township_shares = earlier.before.clone();
        }
        io::apply_group_shares(&mut profile, file, shares)?;
        let names = self.study.layers.townships.iter().map(|t| t.name.as_str());
        io::check_share_townships(&profile, names, file)?;
        profile.validate().map_err(|e| format!("{file}: {e}"))?;
        Ok(profile)
    }

    /// What the Supply panel shows.
    pub fn supply(&self) -> &SupplyView {
        &self.supply
    }

    /// What the Supply panel shows, to change it (the panel, tests).
    pub fn supply_mut(&mut self) -> &mut SupplyView {
        &mut self.supply
    }

    /// The facilities the map rings by load: those of the table the Supply
    /// panel shows (none when it is hidden).
    pub fn supply_rings(&self) -> Vec<FacilitySupply> {
        let Some(results) = &self.results else {
            return Vec::new();
        };
        let Some(table) = self.supply.shown_table(&results.assessment) else {
            return Vec::new();
        };
        facility_rows(
            table,
            &self.study.layers,
            &self.layouts.ids,
            &results.assessment.report,
            &results.profile,
        )
    }
}
