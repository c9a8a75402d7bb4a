//! Loading the inputs of a study: township boundaries, facilities, residents,
//! roads (GeoJSON, or CSV for the point layers) and the assessment profile.
//!
//! Real files are messy, and a planner should be able to fix them from the
//! messages alone. So every layer is validated on the way in: bad features
//! are skipped and listed as [`LoadWarning`]s naming the file, the feature
//! number, its name and what is wrong; only a file that cannot be read at all,
//! or holds nothing usable, is a [`LoadError`]. No input makes a loader panic.
//!
//! Formats follow METHOD.md: WGS84 lon/lat, UTF-8 (GBK/GB18030 and UTF-16
//! with a byte order mark are recognised too). Each `load_*` function has a
//! `parse_*` twin working on bytes, for tests and drag-and-drop.

mod atomic;
mod categories;
mod csv_points;
mod fields;
mod geojson_layers;
mod geometry;
mod records;
mod text;

pub use atomic::write_atomic;
pub use categories::CategoryMatcher;

use crate::model::{Facility, Layers, LoadWarning, Profile, Resident, Road, Township};
use std::fmt;
use std::path::{Path, PathBuf};

/// File format of a layer, chosen from the file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// RFC 7946 GeoJSON (`.geojson`, `.json`).
    GeoJson,
    /// A table with longitude/latitude columns (`.csv`); point layers only.
    Csv,
}

impl Format {
    /// The format for a file extension (without the dot, any case).
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension.to_ascii_lowercase().as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    /// The format of the file at `path`, or [`LoadError::UnsupportedFormat`].
    pub fn from_path(path: &Path) -> Result<Format, LoadError> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        Format::from_extension(&extension).ok_or_else(|| LoadError::UnsupportedFormat {
            extension,
            path: path.to_path_buf(),
        })
    }
}

/// One of the four input layers of METHOD.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LayerKind {
    /// Township boundaries (乡镇边界).
    Townships,
    /// Public-service facilities (设施点).
    Facilities,
    /// Demand points (居民点).
    Residents,
    /// The road network (道路).
    Roads,
}

impl LayerKind {
    /// All layers, in the order the UI lists them.
    pub const ALL: [LayerKind; 4] = [
        LayerKind::Townships,
        LayerKind::Facilities,
        LayerKind::Residents,
        LayerKind::Roads,
    ];

    /// Plural English name, as used in messages: "townships", "roads" …
    pub fn label(self) -> &'static str {
        match self {
            LayerKind::Townships => "townships",
            LayerKind::Facilities => "facilities",
            LayerKind::Residents => "residents",
            LayerKind::Roads => "roads",
        }
    }

    /// Chinese name of the layer: "乡镇边界", "设施点", "居民点", "道路".
    pub fn label_zh(self) -> &'static str {
        match self {
            LayerKind::Townships => "乡镇边界",
            LayerKind::Facilities => "设施点",
            LayerKind::Residents => "居民点",
            LayerKind::Roads => "道路",
        }
    }

    /// Geometry a feature of this layer needs, for messages.
    fn geometry_needed(self) -> &'static str {
        match self {
            LayerKind::Townships => "Polygon or MultiPolygon",
            LayerKind::Facilities => "Point",
            LayerKind::Residents => "Point, Polygon or MultiPolygon",
            LayerKind::Roads => "LineString or MultiLineString",
        }
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The usable features of one file, and what was wrong with the others.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<T> {
    /// Features that passed validation, in file order.
    pub items: Vec<T>,
    /// Skipped features and caveats; one without a feature number is about
    /// the whole file (encoding, column choice, unknown categories).
    pub warnings: Vec<LoadWarning>,
}

/// Why a file could not be loaded at all. The message names the problem and
/// ends with the file's path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file is missing or unreadable.
    #[error("could not read the file ({source}): {}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },

    /// The extension is not `.geojson`, `.json` or `.csv`.
    #[error(
        "unsupported file type ({}): use GeoJSON (.geojson, .json) or CSV (.csv), e.g. exported from QGIS in EPSG:4326: {}",
        describe_extension(.extension),
        .path.display()
    )]
    UnsupportedFormat { extension: String, path: PathBuf },

    /// A GeoJSON file that is not JSON at all.
    #[error("not valid JSON ({message}): {}", .path.display())]
    Json { message: String, path: PathBuf },

    /// JSON, but not a FeatureCollection, Feature or geometry.
    #[error(
        "not GeoJSON: expected a FeatureCollection, a Feature or a geometry, found {found}: {}",
        .path.display()
    )]
    NotGeoJson { found: String, path: PathBuf },

    /// Townships or roads given as CSV.
    #[error(
        "{layer} need {} geometry, but a CSV file holds points only; save them as GeoJSON: {}",
        .layer.geometry_needed(),
        .path.display()
    )]
    CsvPointsOnly { layer: LayerKind, path: PathBuf },

    /// A CSV table without recognisable longitude/latitude columns.
    #[error(
        "no longitude/latitude columns (expected lon, lng, longitude, 经度 or x, and lat, latitude, 纬度 or y; found {}): {}",
        describe_columns(.columns),
        .path.display()
    )]
    CsvNoCoordinates { columns: Vec<String>, path: PathBuf },

    /// A CSV table without a required column (the facility category).
    #[error("no {column} column (found {}): {}", describe_columns(.columns), .path.display())]
    CsvMissingColumn {
        column: &'static str,
        columns: Vec<String>,
        path: PathBuf,
    },

    /// A CSV header that cannot be read.
    #[error("not a readable CSV table ({message}): {}", .path.display())]
    Csv { message: String, path: PathBuf },

    /// Every feature was skipped (or there were none).
    #[error("no usable {layer} in the file ({}): {}", describe_problems(.problems, *.more), .path.display())]
    NothingUsable {
        layer: LayerKind,
        /// The first few problems, each "feature N (name): what is wrong".
        problems: Vec<String>,
        /// How many more problems there were.
        more: usize,
        path: PathBuf,
    },

    /// A profile that does not parse or does not validate.
    #[error("not a usable profile ({message}): {}", .path.display())]
    Profile { message: String, path: PathBuf },
}

impl LoadError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            LoadError::Read { path, .. }
            | LoadError::UnsupportedFormat { path, .. }
            | LoadError::Json { path, .. }
            | LoadError::NotGeoJson { path, .. }
            | LoadError::CsvPointsOnly { path, .. }
            | LoadError::CsvNoCoordinates { path, .. }
            | LoadError::CsvMissingColumn { path, .. }
            | LoadError::Csv { path, .. }
            | LoadError::NothingUsable { path, .. }
            | LoadError::Profile { path, .. } => path,
        }
    }
}

fn describe_extension(extension: &str) -> String {
    if extension.is_empty() {
        "the file name has no extension".to_string()
    } else {
        format!("\".{extension}\"")
    }
}

fn describe_columns(columns: &[String]) -> String {
    if columns.iter().all(|c| c.is_empty()) {
        "no header row".to_string()
    } else {
        columns.join(", ")
    }
}

fn describe_problems(problems: &[String], more: usize) -> String {
    match (problems.is_empty(), more) {
        (true, _) => "the file holds no features".to_string(),
        (false, 0) => problems.join("; "),
        (false, more) => format!("{}; and {more} more problems", problems.join("; ")),
    }
}

/// How many problems a [`LoadError::NothingUsable`] lists.
const PROBLEMS_SHOWN: usize = 3;

/// Where a file's contents came from: the label for warnings and the path
/// for errors.
pub(crate) struct Source {
    pub label: String,
    pub path: PathBuf,
}

impl Source {
    fn from_path(path: &Path) -> Self {
        let label = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Self {
            label,
            path: path.to_path_buf(),
        }
    }

    pub(crate) fn from_label(label: &str) -> Self {
        Self {
            label: label.to_string(),
            path: PathBuf::from(label),
        }
    }

    /// A warning about feature `number` of this file (`None`: the whole file).
    pub(crate) fn warning(
        &self,
        number: Option<usize>,
        name: Option<&str>,
        message: impl Into<String>,
    ) -> LoadWarning {
        LoadWarning {
            file: self.label.clone(),
            feature: number,
            name: name.map(str::to_string),
            message: message.into(),
        }
    }

    /// The loaded layer, or [`LoadError::NothingUsable`] when no feature passed.
    pub(crate) fn finish<T>(
        &self,
        layer: LayerKind,
        items: Vec<T>,
        warnings: Vec<LoadWarning>,
    ) -> Result<Loaded<T>, LoadError> {
        if items.is_empty() {
            let problems = warnings
                .iter()
                .take(PROBLEMS_SHOWN)
                .map(|w| {
                    let mut text = String::new();
                    if let Some(n) = w.feature {
                        text.push_str(&format!("feature {n}"));
                        if let Some(name) = &w.name {
                            text.push_str(&format!(" ({name})"));
                        }
                        text.push_str(": ");
                    }
                    text.push_str(&w.message);
                    text
                })
                .collect();
            return Err(LoadError::NothingUsable {
                layer,
                problems,
                more: warnings.len().saturating_sub(PROBLEMS_SHOWN),
                path: self.path.clone(),
            });
        }
        Ok(Loaded { items, warnings })
    }
}

/// Reads a file whole.
fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Decodes bytes and runs a layer reader on the text, adding a file-level
/// warning when some bytes could not be decoded.
fn with_text<T>(
    source: &Source,
    bytes: &[u8],
    reader: impl FnOnce(&Source, &str) -> Result<Loaded<T>, LoadError>,
) -> Result<Loaded<T>, LoadError> {
    let decoded = text::decode(bytes);
    let mut loaded = reader(source, &decoded.text)?;
    if let Some(note) = decoded.note {
        loaded.warnings.insert(0, source.warning(None, None, note));
    }
    Ok(loaded)
}

fn townships_from(
    source: &Source,
    bytes: &[u8],
    format: Format,
) -> Result<Loaded<Township>, LoadError> {
    match format {
        Format::GeoJson => with_text(source, bytes, geojson_layers::townships),
        Format::Csv => Err(LoadError::CsvPointsOnly {
            layer: LayerKind::Townships,
            path: source.path.clone(),
        }),
    }
}

fn facilities_from(
    source: &Source,
    bytes: &[u8],
    format: Format,
    categories: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    match format {
        Format::GeoJson => with_text(source, bytes, |s, t| {
            geojson_layers::facilities(s, t, categories)
        }),
        Format::Csv => with_text(source, bytes, |s, t| {
            csv_points::facilities(s, t, categories)
        }),
    }
}

fn residents_from(
    source: &Source,
    bytes: &[u8],
    format: Format,
) -> Result<Loaded<Resident>, LoadError> {
    match format {
        Format::GeoJson => with_text(source, bytes, geojson_layers::residents),
        Format::Csv => with_text(source, bytes, csv_points::residents),
    }
}

fn roads_from(source: &Source, bytes: &[u8], format: Format) -> Result<Loaded<Road>, LoadError> {
    match format {
        Format::GeoJson => with_text(source, bytes, geojson_layers::roads),
        Format::Csv => Err(LoadError::CsvPointsOnly {
            layer: LayerKind::Roads,
            path: source.path.clone(),
        }),
    }
}

fn profile_from(source: &Source, bytes: &[u8]) -> Result<Profile, LoadError> {
    Profile::from_json(&text::decode(bytes).text).map_err(|message| LoadError::Profile {
        message,
        path: source.path.clone(),
    })
}

/// Township boundaries (GeoJSON Polygon/MultiPolygon with a unique `name`).
pub fn load_townships(path: &Path) -> Result<Loaded<Township>, LoadError> {
    let format = Format::from_path(path)?;
    townships_from(&Source::from_path(path), &read(path)?, format)
}

/// Facilities whose `category` is one of `known_categories` (an empty list
/// accepts every category). Facilities of other categories are skipped with
/// one warning per unknown value.
pub fn load_facilities(
    path: &Path,
    known_categories: &[&str],
) -> Result<Loaded<Facility>, LoadError> {
    load_facilities_matching(path, &CategoryMatcher::from_ids(known_categories))
}

/// Facilities whose `category` `categories` resolves (ids, display names,
/// Amap type paths: see [`CategoryMatcher::from_profile`]).
pub fn load_facilities_matching(
    path: &Path,
    categories: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    let format = Format::from_path(path)?;
    facilities_from(&Source::from_path(path), &read(path)?, format, categories)
}

/// Residents (demand points): Points, or polygons represented by their
/// centroid; `population` >= 0, missing means 1.
pub fn load_residents(path: &Path) -> Result<Loaded<Resident>, LoadError> {
    let format = Format::from_path(path)?;
    residents_from(&Source::from_path(path), &read(path)?, format)
}

/// Road lines (GeoJSON LineString/MultiLineString with optional `highway`,
/// `oneway`, `maxspeed`); a MultiLineString gives one [`Road`] per line.
pub fn load_roads(path: &Path) -> Result<Loaded<Road>, LoadError> {
    let format = Format::from_path(path)?;
    roads_from(&Source::from_path(path), &read(path)?, format)
}

/// An assessment profile (JSON, see `model::Profile`), validated.
pub fn load_profile(path: &Path) -> Result<Profile, LoadError> {
    profile_from(&Source::from_path(path), &read(path)?)
}

/// [`load_townships`] on bytes; `file_label` names the file in messages.
pub fn parse_townships(
    file_label: &str,
    bytes: &[u8],
    format: Format,
) -> Result<Loaded<Township>, LoadError> {
    townships_from(&Source::from_label(file_label), bytes, format)
}

/// [`load_facilities`] on bytes; `file_label` names the file in messages.
pub fn parse_facilities(
    file_label: &str,
    bytes: &[u8],
    format: Format,
    known_categories: &[&str],
) -> Result<Loaded<Facility>, LoadError> {
    parse_facilities_matching(
        file_label,
        bytes,
        format,
        &CategoryMatcher::from_ids(known_categories),
    )
}

/// [`load_facilities_matching`] on bytes; `file_label` names the file in messages.
pub fn parse_facilities_matching(
    file_label: &str,
    bytes: &[u8],
    format: Format,
    categories: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    facilities_from(&Source::from_label(file_label), bytes, format, categories)
}

/// [`load_residents`] on bytes; `file_label` names the file in messages.
pub fn parse_residents(
    file_label: &str,
    bytes: &[u8],
    format: Format,
) -> Result<Loaded<Resident>, LoadError> {
    residents_from(&Source::from_label(file_label), bytes, format)
}

/// [`load_roads`] on bytes; `file_label` names the file in messages.
pub fn parse_roads(
    file_label: &str,
    bytes: &[u8],
    format: Format,
) -> Result<Loaded<Road>, LoadError> {
    roads_from(&Source::from_label(file_label), bytes, format)
}

/// [`load_profile`] on bytes; `file_label` names the file in messages.
pub fn parse_profile(file_label: &str, bytes: &[u8]) -> Result<Profile, LoadError> {
    profile_from(&Source::from_label(file_label), bytes)
}

/// The files of one study. Residents and roads are optional (METHOD.md:
/// area-weighted grid demand; straight-line distance × detour factor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerPaths {
    /// Township boundaries (GeoJSON).
    pub townships: PathBuf,
    /// Facilities (GeoJSON or CSV).
    pub facilities: PathBuf,
    /// Residents (GeoJSON or CSV); `None`: area-weighted grid demand.
    pub residents: Option<PathBuf>,
    /// Roads (GeoJSON); `None`: straight line × detour factor.
    pub roads: Option<PathBuf>,
}

/// Loads every layer of a study for `profile`. Facility categories are
/// matched with [`CategoryMatcher::from_profile`]; a category that a tier
/// requires but no facility has gets a warning (nobody can be covered for it).
/// Stops at the first file that cannot be loaded; see [`load_layers_all`].
pub fn load_layers(
    paths: &LayerPaths,
    profile: &Profile,
) -> Result<(Layers, Vec<LoadWarning>), LoadError> {
    load_layers_all(paths, profile).map_err(|mut errors| errors.remove(0))
}

/// Like [`load_layers`], but tries every file and returns every file's
/// error (never an empty list) when any fails.
pub fn load_layers_all(
    paths: &LayerPaths,
    profile: &Profile,
) -> Result<(Layers, Vec<LoadWarning>), Vec<LoadError>> {
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let townships = take(load_townships(&paths.townships), &mut warnings, &mut errors);
    let facilities = take(
        load_facilities_matching(&paths.facilities, &CategoryMatcher::from_profile(profile)),
        &mut warnings,
        &mut errors,
    );
    // `Some(None)`: the optional layer was not given.
    let residents = match &paths.residents {
        Some(p) => take(load_residents(p), &mut warnings, &mut errors).map(Some),
        None => Some(None),
    };
    let roads = match &paths.roads {
        Some(p) => take(load_roads(p), &mut warnings, &mut errors).map(Some),
        None => Some(None),
    };
    match (townships, facilities, residents, roads) {
        (Some(townships), Some(facilities), Some(residents), Some(roads)) if errors.is_empty() => {
            warnings.extend(missing_categories(
                &Source::from_path(&paths.facilities),
                &facilities,
                profile,
            ));
            let layers = Layers {
                townships,
                facilities,
                residents,
                roads,
            };
            Ok((layers, warnings))
        }
        _ => Err(errors),
    }
}

/// The items of a loaded file (its warnings kept), or `None` with its error kept.
fn take<T>(
    loaded: Result<Loaded<T>, LoadError>,
    warnings: &mut Vec<LoadWarning>,
    errors: &mut Vec<LoadError>,
) -> Option<Vec<T>> {
    match loaded {
        Ok(l) => {
            warnings.extend(l.warnings);
            Some(l.items)
        }
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// One warning per required category that no facility has.
fn missing_categories(
    source: &Source,
    facilities: &[Facility],
    profile: &Profile,
) -> Vec<LoadWarning> {
    let mut missing: Vec<(&str, Vec<&str>)> = Vec::new();
    for tier in &profile.tiers {
        for category in &tier.categories {
            if facilities.iter().any(|f| &f.category == category) {
                continue;
            }
            match missing.iter_mut().find(|(c, _)| c == category) {
                Some((_, tiers)) => tiers.push(&tier.id),
                None => missing.push((category, vec![&tier.id])),
            }
        }
    }
    missing
        .into_iter()
        .map(|(category, tiers)| {
            let tiers: Vec<String> = tiers.iter().map(|t| format!("{t:?}")).collect();
            source.warning(
                None,
                None,
                format!(
                    "no facility has category {category:?}, which tier {} requires; nobody can be covered for it",
                    tiers.join(" and ")
                ),
            )
        })
        .collect()
}

/// The demo data folder: `data/` next to the crate when it exists (running
/// from the source tree), else `data/` beside the executable, else `./data`.
pub fn demo_data_dir() -> PathBuf {
    let crate_data = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/data"));
    if crate_data.is_dir() {
        return crate_data;
    }
    if let Some(beside_exe) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("data")))
        .filter(|dir| dir.is_dir())
    {
        return beside_exe;
    }
    PathBuf::from("data")
}

/// The demo district's layers in [`demo_data_dir`].
pub fn demo_layer_paths() -> LayerPaths {
    let dir = demo_data_dir();
    LayerPaths {
        townships: dir.join("townships.geojson"),
        facilities: dir.join("facilities.geojson"),
        residents: Some(dir.join("residents.geojson")),
        roads: Some(dir.join("roads.geojson")),
    }
}

/// The default profile in [`demo_data_dir`].
pub fn demo_profile_path() -> PathBuf {
    demo_data_dir().join("profile-default.json")
}

#[cfg(test)]
mod tests;
