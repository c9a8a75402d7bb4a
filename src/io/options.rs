//! How one input file is to be read: its coordinate system, its text
//! encoding, which columns hold what, and the user's category decisions.
//! The same options come from the command line (`--facilities-crs gcj02`)
//! and from the app's import dialog, and are kept with the project.

use super::Format;
use super::crs::Crs;
use super::datum::DatumShift;
use super::spread::Spread;
use crate::model::{CategoryMapping, LoadWarning};
use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Options for importing one file; the default reads it as the file itself
/// says (`.prj`, BOM/GBK detection, columns guessed from their headers).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// The coordinate system of the file's coordinates.
    #[serde(default)]
    pub crs: Crs,
    /// The transformation to WGS84 when the file is in Beijing 1954 or
    /// Xian 1980 (`--towgs84`); ignored for other systems.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub towgs84: Option<DatumShift>,
    /// The text encoding of a CSV or of a Shapefile's `.dbf`; `None`: a
    /// byte order mark or `.cpg` decides, else UTF-8 when the bytes are
    /// valid UTF-8, else GBK/GB18030.
    #[serde(default, with = "encoding_label")]
    pub encoding: Option<&'static Encoding>,
    /// Which columns (or attributes) hold what; unset ones are guessed.
    #[serde(default)]
    pub columns: ColumnChoice,
    /// The worksheet of an Excel file; `None`: the first one with data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The user's decisions for category values the profile does not map.
    #[serde(default, skip_serializing_if = "CategoryMapping::is_empty")]
    pub mapping: CategoryMapping,
    /// Residents only: how polygons become demand points (centroid, the
    /// 100 m grid or buildings) and the population table joined by name.
    #[serde(default, skip_serializing_if = "PopulationSpread::is_default")]
    pub spread: PopulationSpread,
    /// Which CAD layers of a DXF drawing hold this layer, and how they map.
    #[serde(default, skip_serializing_if = "CadChoice::is_empty")]
    pub cad: CadChoice,
}

/// How residents polygons become demand points (see [`Spread`]), and an
/// optional table (`name,population[,pop_<group>…]`) that gives polygons
/// their population by name first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PopulationSpread {
    #[serde(default)]
    pub rule: Spread,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<PathBuf>,
    /// Lon/lat bounds of the study (the townships' extent): the grid's
    /// projection is centred on them, as the grid demand's is; `None`: the
    /// residents polygons' own extent. Set by the loader, not stored.
    #[serde(skip)]
    pub frame: Option<[f64; 4]>,
}

impl PopulationSpread {
    /// Centroids and no table: the file is read as it is.
    pub fn is_default(&self) -> bool {
        self.rule.is_centroid() && self.table.is_none()
    }
}

/// The user's choices for a DXF drawing (see `io::dxf_layers`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CadChoice {
    /// The CAD layers to read; empty: the usual ones (for roads, the layers
    /// named like roads, else all; for others, all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
    /// The CAD layer whose TEXT/MTEXT/attributes name the polygons; `None`:
    /// any text inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_layer: Option<String>,
    /// CAD layer → road class (OSM `highway`: primary, secondary,
    /// residential …); layers not listed are guessed from their names
    /// (主干路 → primary, 次干路 → secondary, 支路 → residential …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub road_classes: BTreeMap<String, String>,
}

impl CadChoice {
    /// Whether nothing was chosen.
    pub fn is_empty(&self) -> bool {
        *self == CadChoice::default()
    }
}

/// Column (CSV/Excel) or attribute (GeoJSON/Shapefile) names chosen by the
/// user; `None` means "guess from the usual names" (`lon`, `经度`, `名称` …).
/// A name matches a header ignoring case and surrounding spaces; a number
/// such as `3` picks the third column when no header is called that.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnChoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    /// A facility's capacity (seats, beds, m² …; METHOD 13).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<String>,
}

impl ColumnChoice {
    /// Whether nothing was chosen.
    pub fn is_empty(&self) -> bool {
        *self == ColumnChoice::default()
    }
}

/// What an import dialog shows before the user commits: the columns, the
/// first rows, where the data lies and what was noticed on the way.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    /// The format recognised from the extension.
    pub format: Format,
    /// Column or attribute names, in file order.
    pub columns: Vec<String>,
    /// The first rows (at most [`PREVIEW_ROWS`]), one text per column.
    pub first_rows: Vec<Vec<String>>,
    /// `[min_lon, min_lat, max_lon, max_lat]` in WGS84 after conversion;
    /// `None` when no coordinate could be read.
    pub bbox: Option<[f64; 4]>,
    /// Rows, features or (OSM) road ways and POIs in the file.
    pub feature_count: usize,
    /// The coordinate system used, e.g. "CGCS2000 / 3-degree Gauss-Kruger
    /// zone 40 (from the .prj)".
    pub crs: String,
    /// The encoding used for text, e.g. "GBK".
    pub encoding: Option<String>,
    /// The columns that would be used when nothing is chosen.
    pub guessed: ColumnChoice,
    /// The worksheets of an Excel file.
    pub sheets: Vec<String>,
    /// What was noticed: encoding, coordinate system, unreadable rows …
    pub warnings: Vec<LoadWarning>,
    /// For a DXF drawing: its CAD layers, extent and proposed system.
    pub cad: Option<CadSummary>,
}

/// What a DXF drawing holds, for the import dialog's choices.
#[derive(Clone, Debug, PartialEq)]
pub struct CadSummary {
    /// CAD layer → [closed outlines, lines, points, texts].
    pub layers: BTreeMap<String, [usize; 4]>,
    /// `[min_x, min_y, max_x, max_y]` in drawing units.
    pub extent: Option<[f64; 4]>,
    /// The system the numbers suggest (an easting with a zone number).
    pub proposed: Option<Crs>,
    /// Why no system could be proposed, when none was.
    pub why_not: Option<String>,
    /// The numbers look like Gauss–Krüger metres without the zone number:
    /// the central meridian must come from elsewhere (the data loaded).
    pub gk_without_zone: bool,
}

/// How many rows a [`Preview`] holds.
pub const PREVIEW_ROWS: usize = 10;

/// The encoding for a label such as `gbk`, `GB18030`, `utf-8`, `big5`
/// (WHATWG labels, as browsers accept them).
///
/// ```
/// let gbk = lifecircle::io::parse_encoding("GBK").unwrap();
/// assert_eq!(gbk.name(), "GBK");
/// assert!(lifecircle::io::parse_encoding("klingon").is_err());
/// ```
pub fn parse_encoding(label: &str) -> Result<&'static Encoding, String> {
    let label = label.trim();
    let label = match label.to_ascii_lowercase().as_str() {
        "utf8" => "utf-8",
        "cp936" | "936" | "ansi" => "gbk",
        _ => label,
    };
    Encoding::for_label(label.as_bytes()).ok_or_else(|| {
        format!("unknown text encoding {label:?}: use e.g. utf-8, gbk, gb18030 or big5")
    })
}

/// `Option<&'static Encoding>` as its name in JSON.
mod encoding_label {
    use encoding_rs::Encoding;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(
        value: &Option<&'static Encoding>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(e) => s.serialize_some(e.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<&'static Encoding>, D::Error> {
        let label: Option<String> = Option::deserialize(d)?;
        label
            .map(|l| super::parse_encoding(&l).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_round_trip_through_json() {
        let mut options = ImportOptions {
            crs: Crs::Epsg(4528),
            encoding: Some(encoding_rs::GBK),
            sheet: Some("POI".into()),
            ..ImportOptions::default()
        };
        options.columns.lon = Some("经度".into());
        options
            .mapping
            .values
            .insert("餐饮服务;中餐厅;中餐厅".into(), None);
        let json = serde_json::to_string(&options).unwrap();
        assert!(json.contains(r#""crs":"EPSG:4528""#), "{json}");
        assert!(json.contains(r#""encoding":"GBK""#), "{json}");
        let back: ImportOptions = serde_json::from_str(&json).unwrap();
        assert_eq!(back, options);
        let empty: ImportOptions = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, ImportOptions::default());
        assert!(serde_json::from_str::<ImportOptions>(r#"{"encoding":"nope"}"#).is_err());
    }

    #[test]
    fn encoding_labels() {
        assert_eq!(parse_encoding("gb18030").unwrap(), encoding_rs::GB18030);
        assert_eq!(parse_encoding("UTF8").unwrap(), encoding_rs::UTF_8);
        assert_eq!(parse_encoding("cp936").unwrap(), encoding_rs::GBK);
        assert!(parse_encoding("").is_err());
    }
}
