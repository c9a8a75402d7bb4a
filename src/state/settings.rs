//! What is remembered between runs: the interface language, the map's layer
//! switches, the selected tier and the left panel's tab.
//!
//! May import: `report` (the language), `state::map_geometry`; never `ui`.

use super::map_geometry::HeatSource;
use crate::report::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The tab shown in the left panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeftTab {
    /// The legend: layer switches and symbols.
    #[default]
    Layers,
    /// Imports, counts and loader warnings.
    Data,
    /// The assessment profile.
    Profile,
    /// Alternative layouts: edit, compare, suggest sites, redundancy.
    Layouts,
    /// The budgeted, phased plan (建设时序).
    Plan,
}

/// The tab shown in the right panel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RightTab {
    /// Coverage by township: the table and chart.
    #[default]
    Results,
    /// Who serves whom between townships (共享): matrix and flow lines.
    Sharing,
    /// Each township against its targets (对标).
    Scorecard,
    /// Supply against the 千人指标 (供需): township table and facility loads.
    Supply,
}

/// What is remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The interface language.
    pub lang: Lang,
    /// Map layers and their options.
    pub map: MapOptions,
    /// Id of the selected tier.
    pub tier: Option<String>,
    /// Show the frame-time overlay.
    pub show_debug: bool,
    /// The tab open in the left panel.
    pub left_tab: LeftTab,
    /// The tab open in the right panel.
    pub right_tab: RightTab,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            lang: Lang::Zh,
            map: MapOptions::default(),
            tier: None,
            show_debug: false,
            left_tab: LeftTab::Layers,
            right_tab: RightTab::Results,
        }
    }
}

/// Which layers are drawn, and how. Remembered between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MapOptions {
    /// Township outlines and names.
    pub townships: bool,
    /// Town areas (镇区范围), when a layer is loaded.
    pub town_areas: bool,
    /// Roads by class.
    pub roads: bool,
    /// Facility symbols.
    pub facilities: bool,
    /// Residents as dots sized by population.
    pub residents: bool,
    /// Coverage heat (minutes on the 5/15/30 ramp).
    pub heat: bool,
    /// Blind spots of the selected tier.
    pub blind_spots: bool,
    /// Facility categories not drawn.
    pub hidden_categories: BTreeSet<String>,
    /// What the heat layer colours by.
    pub heat_source: HeatSource,
    /// The demand group whose population weighs the heat (a grid cell's
    /// mean; points without any of the group are not drawn); `None`:
    /// everyone.
    pub heat_group: Option<String>,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self {
            townships: true,
            town_areas: true,
            roads: true,
            facilities: true,
            residents: false,
            heat: true,
            blind_spots: false,
            hidden_categories: BTreeSet::new(),
            heat_source: HeatSource::TierComplete,
            heat_group: None,
        }
    }
}
