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
//!
//! The files planners actually have are read too, through the `load_*_with`
//! functions and an [`ImportOptions`] per file: Shapefiles (`.shp` with
//! `.dbf`, `.prj`, `.cpg`; GBK attributes; CGCS2000 Gauss–Krüger, UTM, Web
//! Mercator), OSM PBF extracts (roads, and POIs by the profile's tag rules),
//! Excel sheets, and POI tables in GCJ-02/BD-09. Everything is converted to
//! WGS84 on the way in; [`preview`] shows a file before it is imported and
//! [`convert`] writes any of them as METHOD.md GeoJSON.
//!
//! Layer: may import `model`, `geodesy` and `generate` (the demo's files);
//! never `network`, `analysis` or anything above.

mod atomic;
mod categories;
mod convert;
mod coords;
mod crs;
mod csv_points;
mod datum;
mod dbf;
mod dxf;
mod dxf_layers;
mod dxf_write;
mod excel;
mod feature_split;
mod fields;
mod geojson_layers;
mod geometry;
mod group_shares;
mod import;
mod kml;
mod mapping;
mod options;
mod osm_pbf;
mod prj;
mod proj_systems;
mod project;
mod records;
mod reproject;
mod shapefile;
mod spread;
mod table;
mod text;
mod town_areas;

pub use atomic::{StagedFolder, write_atomic, write_atomic_with};
pub use categories::CategoryMatcher;
pub use convert::convert_with;
pub use convert::{ConvertError, ConvertSummary, convert, guess_layer};
pub use coords::{
    bd09_to_gcj02, bd09_to_wgs84, gcj02_to_bd09, gcj02_to_wgs84, outside_china, wgs84_to_bd09,
    wgs84_to_gcj02,
};
pub use crs::{CoordinateSystem, Crs};
pub use datum::{DatumShift, OldDatum};
pub use dbf::write_dbf;
pub use dxf_layers::guess_road_class;
pub use dxf_write::{CadDrawing, cad_colour, cad_name};
pub use fields::{MAX_CAPACITY, MAX_NAME_CHARS, MAX_POPULATION, cut_label};
pub use group_shares::{
    TownshipShares, apply_group_shares, check_share_townships, load_group_shares,
    parse_group_shares,
};
pub use options::{
    CadChoice, CadSummary, ColumnChoice, ImportOptions, PREVIEW_ROWS, PopulationSpread, Preview,
    parse_encoding,
};
pub use project::{ProjectError, load_project, recovery_path, save_project};
pub use reproject::geojson_looks_projected;
pub use spread::{PROPOSE_SPREAD_ABOVE_HA, PolygonSizes, Spread, spread_over_grid};
pub use town_areas::{load_town_areas, load_town_areas_with, parse_town_areas};

/// The coordinate system a `.prj` WKT describes, with the user's
/// transformation for Beijing 1954 / Xian 1980 (see [`DatumShift`]).
pub fn coordinate_system_from_wkt(
    wkt: &str,
    shift: Option<&DatumShift>,
) -> Result<CoordinateSystem, String> {
    prj::parse_with(wkt, shift)
}

use crate::model::{Facility, Layers, LoadWarning, Profile, Resident, Road, Township};
use import::Input;
use std::fmt;
use std::path::{Path, PathBuf};

/// File format of a layer, chosen from the file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// RFC 7946 GeoJSON (`.geojson`, `.json`).
    GeoJson,
    /// A table with longitude/latitude columns (`.csv`); point layers only.
    Csv,
    /// An Esri Shapefile (`.shp` with its `.dbf`, `.prj`, `.cpg`).
    Shapefile,
    /// An OpenStreetMap extract (`.osm.pbf`): roads and POIs.
    OsmPbf,
    /// A spreadsheet (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`); point
    /// layers only.
    Excel,
    /// Google Earth KML (`.kml`) or a zipped one (`.kmz`).
    Kml,
    /// An AutoCAD drawing (`.dxf`, ASCII or binary; DWG exported to DXF).
    Dxf,
}

impl Format {
    /// The format for a file extension (without the dot, any case).
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension.to_ascii_lowercase().as_str() {
            "geojson" | "json" => Some(Format::GeoJson),
            "csv" | "tsv" => Some(Format::Csv),
            "shp" => Some(Format::Shapefile),
            "pbf" => Some(Format::OsmPbf),
            "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => Some(Format::Excel),
            "kml" | "kmz" => Some(Format::Kml),
            "dxf" => Some(Format::Dxf),
            _ => None,
        }
    }

    /// Name of the format in messages: "GeoJSON", "Shapefile" …
    pub fn label(self) -> &'static str {
        match self {
            Format::GeoJson => "GeoJSON",
            Format::Csv => "CSV",
            Format::Shapefile => "Shapefile",
            Format::OsmPbf => "OSM PBF",
            Format::Excel => "Excel",
            Format::Kml => "KML",
            Format::Dxf => "DXF",
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
    /// The file's feature (or row) number of each item, 1-based, as the
    /// warnings count them; `None` when the reader does not record them
    /// (OSM extracts, building footprints). An item made from part of a
    /// feature (a line of a MultiLineString, a spread point of a polygon,
    /// a category of a POI with several) has its feature's number.
    pub numbers: Option<Vec<usize>>,
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

    /// The extension is none of the supported formats.
    #[error(
        "unsupported file type ({}): use GeoJSON (.geojson, .json), CSV (.csv), Excel (.xlsx, .xls), Shapefile (.shp), KML (.kml, .kmz), DXF (.dxf; save a DWG as DXF in CAD) or OSM PBF (.osm.pbf): {}",
        describe_extension(.extension),
        .path.display()
    )]
    UnsupportedFormat { extension: String, path: PathBuf },

    /// A format that cannot hold this layer (e.g. townships from OSM PBF).
    #[error("{layer} cannot be read from {format} files ({advice}): {}", .path.display())]
    NotForLayer {
        layer: LayerKind,
        format: &'static str,
        advice: &'static str,
        path: PathBuf,
    },

    /// A Shapefile, workbook or PBF file that cannot be read.
    #[error("not a readable {what} ({message}): {}", .path.display())]
    Unreadable {
        what: &'static str,
        message: String,
        path: PathBuf,
    },

    /// The coordinate system of the file (from its `.prj`, its `crs`
    /// member or the user's choice) cannot be converted to WGS84.
    #[error("coordinate system not usable ({message}): {}", .path.display())]
    Crs { message: String, path: PathBuf },

    /// A column the user chose is not in the file.
    #[error("no column {column:?} for the {what} (found {}): {}", describe_columns(.columns), .path.display())]
    NoSuchColumn {
        what: &'static str,
        column: String,
        columns: Vec<String>,
        path: PathBuf,
    },

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
    /// No facility of the file has a category of the profile.
    #[error(
        "the profile lists no category that any facility has: the profile has {profile}; the facilities file has {found}; choose the profile that goes with these facilities, or map their categories in the import dialog: {}",
        .path.display()
    )]
    NoCommonCategory {
        profile: String,
        found: String,
        path: PathBuf,
    },
}

impl LoadError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            LoadError::Read { path, .. }
            | LoadError::UnsupportedFormat { path, .. }
            | LoadError::NotForLayer { path, .. }
            | LoadError::Unreadable { path, .. }
            | LoadError::Crs { path, .. }
            | LoadError::NoSuchColumn { path, .. }
            | LoadError::Json { path, .. }
            | LoadError::NotGeoJson { path, .. }
            | LoadError::CsvPointsOnly { path, .. }
            | LoadError::CsvNoCoordinates { path, .. }
            | LoadError::CsvMissingColumn { path, .. }
            | LoadError::Csv { path, .. }
            | LoadError::NothingUsable { path, .. }
            | LoadError::Profile { path, .. }
            | LoadError::NoCommonCategory { path, .. } => path,
        }
    }
}

fn describe_extension(extension: &str) -> String {
    let sidecars = ["dbf", "shx", "prj", "cpg", "sbn", "sbx"];
    if extension.is_empty() {
        "the file name has no extension".to_string()
    } else if sidecars.contains(&extension.to_ascii_lowercase().as_str()) {
        format!("\".{extension}\" is part of a Shapefile; open its .shp")
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
        numbers: Option<Vec<usize>>,
        warnings: Vec<LoadWarning>,
    ) -> Result<Loaded<T>, LoadError> {
        debug_assert!(numbers.as_ref().is_none_or(|n| n.len() == items.len()));
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
        Ok(Loaded {
            items,
            numbers,
            warnings,
        })
    }
}

/// Reads a file whole.
fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn townships_from(
    source: &Source,
    bytes: &[u8],
    format: Format,
) -> Result<Loaded<Township>, LoadError> {
    import::townships(
        source,
        Input::Bytes(bytes),
        format,
        &ImportOptions::default(),
    )
}

fn facilities_from(
    source: &Source,
    bytes: &[u8],
    format: Format,
    categories: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    let options = ImportOptions::default();
    import::facilities(source, Input::Bytes(bytes), format, &options, categories)
}

fn residents_from(
    source: &Source,
    bytes: &[u8],
    format: Format,
) -> Result<Loaded<Resident>, LoadError> {
    import::residents(
        source,
        Input::Bytes(bytes),
        format,
        &ImportOptions::default(),
    )
}

fn roads_from(source: &Source, bytes: &[u8], format: Format) -> Result<Loaded<Road>, LoadError> {
    import::roads(
        source,
        Input::Bytes(bytes),
        format,
        &ImportOptions::default(),
    )
}

fn profile_from(source: &Source, bytes: &[u8]) -> Result<Profile, LoadError> {
    let text = text::decode(bytes).text;
    let fail = |message: String| LoadError::Profile {
        message,
        path: source.path.clone(),
    };
    // Say what is wrong in a planner's terms before serde's type names.
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(_)) => {}
        Ok(other) => {
            let found = match other {
                serde_json::Value::Array(_) => "a list",
                serde_json::Value::String(_) => "a text",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "true or false",
                _ => "null",
            };
            return Err(fail(format!(
                "the profile file must be an object with \"tiers\" (a list of tiers, each with \"id\", \"minutes\", \"mode\" and \"categories\") and optionally \"categories\", \"modes\" and \"groups\"; this file holds {found}"
            )));
        }
        Err(e) => return Err(fail(format!("not valid JSON: {e}"))),
    }
    if let Err(e) = serde_json::from_str::<Profile>(&text)
        && let Some(twice) = geojson_layers::duplicate_key(&e)
    {
        return Err(fail(twice));
    }
    Profile::from_json(&text).map_err(fail)
}

/// Township boundaries (GeoJSON Polygon/MultiPolygon with a unique `name`).
pub fn load_townships(path: &Path) -> Result<Loaded<Township>, LoadError> {
    load_townships_with(path, &ImportOptions::default())
}

/// Township boundaries from GeoJSON or a Shapefile, read with `options`.
pub fn load_townships_with(
    path: &Path,
    options: &ImportOptions,
) -> Result<Loaded<Township>, LoadError> {
    let format = Format::from_path(path)?;
    import::townships(&Source::from_path(path), Input::Path(path), format, options)
}

/// Facilities from any supported format, read with `options`; categories
/// are resolved by `categories` (ids, names, the profile's rules for OSM
/// tags, Amap types and name keywords) after the user's own mapping in
/// `options.mapping`.
pub fn load_facilities_with(
    path: &Path,
    options: &ImportOptions,
    categories: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    let format = Format::from_path(path)?;
    import::facilities(
        &Source::from_path(path),
        Input::Path(path),
        format,
        options,
        categories,
    )
}

/// Residents from GeoJSON, a Shapefile, CSV or Excel, read with `options`.
pub fn load_residents_with(
    path: &Path,
    options: &ImportOptions,
) -> Result<Loaded<Resident>, LoadError> {
    let format = Format::from_path(path)?;
    import::residents(&Source::from_path(path), Input::Path(path), format, options)
}

/// Sizes of the polygons in a residents file read with `options` (none for
/// tables): the import dialog proposes spreading when
/// [`PolygonSizes::proposes_spreading`].
pub fn residents_polygon_sizes(
    path: &Path,
    options: &ImportOptions,
) -> Result<PolygonSizes, LoadError> {
    let format = Format::from_path(path)?;
    import::polygon_sizes(&Source::from_path(path), Input::Path(path), format, options)
}

/// Lon/lat bounds `[min_lon, min_lat, max_lon, max_lat]` of the townships'
/// outer rings: the frame of the study's 100 m grid, which spreading
/// residents over the grid uses ([`PopulationSpread::frame`]).
pub fn townships_frame(townships: &[Township]) -> Option<[f64; 4]> {
    townships
        .iter()
        .flat_map(|t| t.boundary.0.iter().flat_map(|p| p.exterior().coords()))
        .map(|c| [c.x, c.y, c.x, c.y])
        .reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ]
        })
}

/// Roads from GeoJSON, a Shapefile or an OSM extract, read with `options`.
pub fn load_roads_with(path: &Path, options: &ImportOptions) -> Result<Loaded<Road>, LoadError> {
    let format = Format::from_path(path)?;
    import::roads(&Source::from_path(path), Input::Path(path), format, options)
}

/// What the import dialog shows before a file is imported: its columns,
/// first rows, WGS84 extent, feature count, coordinate system and the
/// columns that would be used (see [`Preview`]).
pub fn preview(path: &Path, options: &ImportOptions) -> Result<Preview, LoadError> {
    import::preview(path, LayerKind::Facilities, options)
}

/// [`preview`] of the file read as `layer`: a DXF drawing holds every
/// kind, so its preview depends on the layer.
pub fn preview_layer(
    path: &Path,
    layer: LayerKind,
    options: &ImportOptions,
) -> Result<Preview, LoadError> {
    import::preview(path, layer, options)
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
    load_facilities_with(path, &ImportOptions::default(), categories)
}

/// Residents (demand points): Points, or polygons represented by their
/// centroid; `population` >= 0, missing means 1.
pub fn load_residents(path: &Path) -> Result<Loaded<Resident>, LoadError> {
    load_residents_with(path, &ImportOptions::default())
}

/// Road lines (GeoJSON LineString/MultiLineString with optional `highway`,
/// `oneway`, `maxspeed`); a MultiLineString gives one [`Road`] per line.
pub fn load_roads(path: &Path) -> Result<Loaded<Road>, LoadError> {
    load_roads_with(path, &ImportOptions::default())
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
    load_layers_all_with(paths, &LayerOptions::default(), profile)
}

/// How each layer file of a study is read (see [`ImportOptions`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LayerOptions {
    #[serde(default)]
    pub townships: ImportOptions,
    #[serde(default)]
    pub facilities: ImportOptions,
    #[serde(default)]
    pub residents: ImportOptions,
    #[serde(default)]
    pub roads: ImportOptions,
}

impl LayerOptions {
    /// The options of one layer.
    pub fn get(&self, layer: LayerKind) -> &ImportOptions {
        match layer {
            LayerKind::Townships => &self.townships,
            LayerKind::Facilities => &self.facilities,
            LayerKind::Residents => &self.residents,
            LayerKind::Roads => &self.roads,
        }
    }

    /// The options of one layer, to change them.
    pub fn get_mut(&mut self, layer: LayerKind) -> &mut ImportOptions {
        match layer {
            LayerKind::Townships => &mut self.townships,
            LayerKind::Facilities => &mut self.facilities,
            LayerKind::Residents => &mut self.residents,
            LayerKind::Roads => &mut self.roads,
        }
    }
}

/// Like [`load_layers_all`], each file read with its layer's options.
pub fn load_layers_all_with(
    paths: &LayerPaths,
    options: &LayerOptions,
    profile: &Profile,
) -> Result<(Layers, Vec<LoadWarning>), Vec<LoadError>> {
    load_layers_numbered(paths, options, profile).map(|(layers, warnings, _)| (layers, warnings))
}

/// Each layer's file numbers of its items (see [`Loaded::numbers`]), so
/// that a message about a loaded feature (one set aside as stray) can name
/// it as the file counts, not as the loaded layer does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerNumbers {
    pub facilities: Option<Vec<usize>>,
    pub residents: Option<Vec<usize>>,
    pub roads: Option<Vec<usize>>,
}

impl LayerNumbers {
    /// The file's number of item `index` (0-based) of `layer`
    /// (`"facilities"`, `"residents"` or `"roads"`), when recorded.
    pub fn of(&self, layer: &str, index: usize) -> Option<usize> {
        let numbers = match layer {
            "facilities" => &self.facilities,
            "residents" => &self.residents,
            "roads" => &self.roads,
            _ => &None,
        };
        numbers.as_ref()?.get(index).copied()
    }
}

/// [`load_layers_all_with`], with each layer's feature numbers.
pub fn load_layers_numbered(
    paths: &LayerPaths,
    options: &LayerOptions,
    profile: &Profile,
) -> Result<(Layers, Vec<LoadWarning>, LayerNumbers), Vec<LoadError>> {
    // Roads load beside the other layers (their parsing is parallel too,
    // but each file also has sequential parts); residents wait for the
    // townships, whose frame spreading over the grid uses.
    let (loaded, roads) = rayon::join(
        || {
            let townships = load_townships_with(&paths.townships, &options.townships);
            let facilities = load_facilities_with(
                &paths.facilities,
                &options.facilities,
                &CategoryMatcher::from_profile(profile),
            );
            let mut residents_options = options.residents.clone();
            if let Ok(t) = &townships {
                residents_options.spread.frame = townships_frame(&t.items);
            }
            let residents = paths
                .residents
                .as_ref()
                .map(|p| load_residents_with(p, &residents_options));
            (townships, facilities, residents)
        },
        || {
            paths
                .roads
                .as_ref()
                .map(|p| load_roads_with(p, &options.roads))
        },
    );
    let (townships, facilities, residents) = loaded;
    // Warnings and errors in layer order, as if read one after another.
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    let mut numbers = LayerNumbers::default();
    let townships = take(townships, &mut warnings, &mut errors).map(|(items, _)| items);
    let facilities = take(facilities, &mut warnings, &mut errors).map(|(items, n)| {
        numbers.facilities = n;
        items
    });
    // `Some(None)`: the optional layer was not given.
    let residents = match residents {
        Some(r) => take(r, &mut warnings, &mut errors).map(|(items, n)| {
            numbers.residents = n;
            Some(items)
        }),
        None => Some(None),
    };
    let roads = match roads {
        Some(r) => take(r, &mut warnings, &mut errors).map(|(items, n)| {
            numbers.roads = n;
            Some(items)
        }),
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
            Ok((layers, warnings, numbers))
        }
        _ => Err(errors),
    }
}

/// The items of a loaded file and their numbers (its warnings kept), or
/// `None` with its error kept.
#[allow(clippy::type_complexity)]
fn take<T>(
    loaded: Result<Loaded<T>, LoadError>,
    warnings: &mut Vec<LoadWarning>,
    errors: &mut Vec<LoadError>,
) -> Option<(Vec<T>, Option<Vec<usize>>)> {
    match loaded {
        Ok(l) => {
            warnings.extend(l.warnings);
            Some((l.items, l.numbers))
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
mod fast_read_tests;
#[cfg(test)]
mod tests;
