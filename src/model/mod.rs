//! Plain data of a life-circle study: the four input layers of METHOD.md and
//! the assessment profile. No I/O, no egui: loaders in `io` fill these types,
//! `analysis` reads them, the GUI shows them.
//!
//! Layer: the bottom (with `geodesy`); imports nothing of the crate.

mod costs;
mod layout;
mod profile;
mod project;
mod scenario;
mod settlement;

pub use costs::{DEFAULT_UNIT_COSTS, FacilityCost};

/// The most people one demand point may hold: more than any real building,
/// grid cell or village, far less than makes sums lose precision. Loaders
/// and scenario edits refuse more.
pub const MAX_POPULATION: f64 = 1e7;
pub use layout::{Edit, EditProblem, FacilityId, Layout};
pub use project::{LayerFiles, PROJECT_FORMAT, PROJECT_VERSION, Project, ViewState};
pub use scenario::{
    AreaProblem, MAX_FACTOR, PopulationChange, ResidentialArea, SAME_POINT_DEG, Scenario,
    ScenarioError, check_outline,
};
pub use settlement::Settlement;

pub use profile::{
    CategoryInfo, CategoryMapping, DemandGroup, DriveSpeeds, MatchRule, Mode, ModeSpeed, Modes,
    Profile, ProfileError, SupplySettings, Tier,
};

use geo::{MultiPolygon, Point};
use serde::{Deserialize, Serialize};

/// A township (乡镇/街道): the unit every figure is reported for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Township {
    /// Unique name, e.g. "航埠镇".
    pub name: String,
    /// Administrative code, when the file has one.
    pub code: Option<String>,
    /// Boundary in WGS84 lon/lat.
    pub boundary: MultiPolygon<f64>,
}

/// A public-service facility (设施点) of one profile category.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Facility {
    /// Category id of the profile, e.g. "kindergarten".
    pub category: String,
    /// Display name; may be empty.
    pub name: String,
    /// Optional capacity (places, beds …); reported, not used for coverage.
    pub capacity: Option<f64>,
    /// WGS84 lon/lat.
    pub location: Point<f64>,
}

/// A demand point: a building, a grid cell or a polygon's centroid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resident {
    /// WGS84 lon/lat.
    pub location: Point<f64>,
    /// People living here (>= 0). For area-weighted demand, hectares.
    pub population: f64,
    /// Town or village by the file's `settlement` property (METHOD 20);
    /// `None` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    /// Group populations the file gives (`pop_<group id>`, METHOD 10–11).
    #[serde(default, skip_serializing_if = "GroupPopulations::is_empty")]
    pub groups: GroupPopulations,
}

/// A resident's own demand-group populations (`pop_<group id>` properties,
/// METHOD.md step 11), by group id. Most residents have none, so the empty
/// list costs no allocation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupPopulations(Option<Box<[GroupPopulation]>>);

/// `(group id, population)`.
type GroupPopulation = (Box<str>, f64);

impl GroupPopulations {
    /// From `(group id, population)` pairs; a repeated id keeps its last value.
    pub fn new(pairs: impl IntoIterator<Item = (String, f64)>) -> Self {
        let mut list: Vec<GroupPopulation> = Vec::new();
        for (id, value) in pairs {
            match list.iter_mut().find(|(k, _)| **k == *id) {
                Some(entry) => entry.1 = value,
                None => list.push((id.into_boxed_str(), value)),
            }
        }
        list.sort_by(|a, b| a.0.cmp(&b.0));
        GroupPopulations((!list.is_empty()).then(|| list.into_boxed_slice()))
    }

    /// The population of group `id`, when the resident gives one.
    pub fn get(&self, id: &str) -> Option<f64> {
        self.0
            .as_deref()?
            .iter()
            .find(|(k, _)| &**k == id)
            .map(|(_, v)| *v)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `(group id, population)` in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0
            .iter()
            .flat_map(|l| l.iter().map(|(k, v)| (&**k, *v)))
    }
}

/// Direction rule of a road for `drive` (walk and bike ignore it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Oneway {
    /// Both directions.
    #[default]
    No,
    /// Only in the direction the line is drawn (`oneway=yes`).
    Forward,
    /// Only against the direction the line is drawn (`oneway=-1`).
    Backward,
}

/// Drawing class of an OSM `highway` value, from minor to major: 0 paths and
/// tracks, 1 residential and unknown, 2 tertiary, 3 secondary, 4 primary,
/// 5 trunk and motorway (the map styles are indexed by it).
///
/// ```
/// use lifecircle::model::road_class;
/// assert_eq!(road_class(Some("primary_link")), 4);
/// assert_eq!(road_class(Some("footway")), 0);
/// assert_eq!(road_class(None), 1);
/// ```
pub fn road_class(highway: Option<&str>) -> u8 {
    let h = highway.unwrap_or("").trim_end_matches("_link");
    match h {
        "motorway" | "trunk" => 5,
        "primary" => 4,
        "secondary" => 3,
        "tertiary" => 2,
        "footway" | "path" | "steps" | "pedestrian" | "track" | "cycleway" | "bridleway" => 0,
        _ => 1,
    }
}

/// One road line. A MultiLineString in a file becomes several `Road`s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Road {
    /// Vertices in WGS84 lon/lat; lines connect where they share a vertex.
    pub line: geo::LineString<f64>,
    /// OSM `highway` class, e.g. "residential"; `None` when absent.
    pub highway: Option<String>,
    pub oneway: Oneway,
    /// Posted speed in km/h (`maxspeed`), used by `drive`.
    pub maxspeed_kmh: Option<f64>,
}

/// What the demand weights mean.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandKind {
    /// A residents layer: weights are people.
    #[default]
    People,
    /// No residents layer: a 100 m grid clipped to each township, weights are hectares.
    AreaHectares,
}

/// Everything one assessment needs. Layers are already validated and in WGS84.
#[derive(Clone, Debug, Default)]
pub struct Layers {
    pub townships: Vec<Township>,
    pub facilities: Vec<Facility>,
    /// `None`: demand is the area grid of METHOD.md.
    pub residents: Option<Vec<Resident>>,
    /// `None`: straight-line distance × detour factor (METHOD.md step 9).
    pub roads: Option<Vec<Road>>,
}

/// A problem with one feature that was skipped or accepted with a caveat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadWarning {
    /// File name as the user gave it.
    pub file: String,
    /// 1-based feature or row number, when the warning is about one feature.
    pub feature: Option<usize>,
    /// The feature's name, when it has one.
    pub name: Option<String>,
    /// What is wrong, in plain words.
    pub message: String,
}

impl std::fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(i) = self.feature {
            write!(f, ", feature {i}")?;
        }
        if let Some(n) = &self.name {
            write!(f, " ({n})")?;
        }
        write!(f, ": {}", self.message)
    }
}
