//! A saved study (`.lifecircle.json`): where its layers come from, the
//! profile, the alternative layouts and how the map was left. Paths are
//! stored relative to the project file, so a project folder can be moved or
//! shared as a whole.

use super::{Layout, Profile};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The file format tag and version written into every project file.
pub const PROJECT_FORMAT: &str = "lifecircle-project";
pub const PROJECT_VERSION: u32 = 1;

/// The layer files of a study.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerFiles {
    pub townships: Option<PathBuf>,
    pub facilities: Option<PathBuf>,
    pub residents: Option<PathBuf>,
    pub roads: Option<PathBuf>,
    /// The town-area layer (镇区范围, METHOD 20), when one is loaded;
    /// absent in projects saved before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town_areas: Option<PathBuf>,
}

/// How the map was left, restored on opening.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ViewState {
    /// Map centre, lon/lat.
    pub center: Option<[f64; 2]>,
    /// Pixels per degree of longitude.
    pub zoom: Option<f64>,
    /// Selected tier id.
    pub tier: Option<String>,
    /// Selected category id.
    pub category: Option<String>,
}

/// A saved study.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub name: String,
    /// Layer files; absolute in memory, relative to the project file on disk.
    pub layers: LayerFiles,
    pub profile: Profile,
    /// Alternative layouts; the baseline is the facilities layer as loaded.
    #[serde(default)]
    pub layouts: Vec<Layout>,
    /// Index into `layouts` of the layout shown, `None` for the baseline.
    #[serde(default)]
    pub active_layout: Option<usize>,
    #[serde(default)]
    pub view: ViewState,
    /// How the layer files were read, as the import dialog left it
    /// (coordinate system, Beijing 1954 / Xian 1980 parameters, CAD layers
    /// and road classes, columns …): `io::LayerOptions` as JSON, kept as
    /// such here because the model sits below the loaders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_options: Option<serde_json::Value>,
}

impl Project {
    /// A new project on these layers and profile.
    pub fn new(name: &str, layers: LayerFiles, profile: Profile) -> Self {
        Self {
            format: PROJECT_FORMAT.to_string(),
            version: PROJECT_VERSION,
            name: name.to_string(),
            layers,
            profile,
            layouts: Vec::new(),
            active_layout: None,
            view: ViewState::default(),
            import_options: None,
        }
    }
}
