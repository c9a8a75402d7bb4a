//! `lifecircle convert`: any supported input (Shapefile, OSM PBF, Excel,
//! CSV in GCJ-02, GeoJSON in a Gauss–Krüger zone …) written as one
//! METHOD.md layer in WGS84 GeoJSON, validated exactly as the assessment
//! would read it.

use super::categories::CategoryMatcher;
use super::import::{self, Input};
use super::options::ImportOptions;
use super::{Format, LayerKind, LoadError, Source, write_atomic_with};
use crate::generate::{
    CollectionMeta, write_facilities, write_residents, write_roads, write_townships,
};
use crate::model::LoadWarning;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What [`convert`] wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvertSummary {
    /// The layer the file was read as.
    pub layer: LayerKind,
    /// Features written.
    pub features: usize,
    /// The coordinate system the input was converted from.
    pub crs: String,
    /// What was skipped or noticed while reading.
    pub warnings: Vec<LoadWarning>,
}

/// Why [`convert`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// The input could not be read as the layer.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The layer was not given and cannot be told from the file.
    #[error(
        "cannot tell which layer the file holds ({reason}); give --layer townships, facilities, residents or roads: {}",
        .path.display()
    )]
    UnknownLayer { reason: String, path: PathBuf },
    /// The output could not be written.
    #[error("could not write ({source}): {}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The layer a file most likely holds: OSM extracts are roads, tables are
/// facilities when they have a category column and residents otherwise,
/// GeoJSON and Shapefiles go by their first geometry.
pub fn guess_layer(path: &Path, options: &ImportOptions) -> Result<LayerKind, ConvertError> {
    let format = Format::from_path(path)?;
    if format == Format::OsmPbf {
        return Ok(LayerKind::Roads);
    }
    let unknown = |reason: String| ConvertError::UnknownLayer {
        reason,
        path: path.to_path_buf(),
    };
    if format == Format::Dxf {
        return Err(unknown(
            "a CAD drawing can hold boundaries, roads and facilities at once".to_string(),
        ));
    }
    let preview = import::preview(path, LayerKind::Facilities, options)?;
    let points = || {
        if preview.guessed.category.is_some() {
            LayerKind::Facilities
        } else {
            LayerKind::Residents
        }
    };
    match format {
        Format::Csv | Format::Excel => Ok(points()),
        _ => {
            let geometry = first_geometry_type(path, format, options)?
                .ok_or_else(|| unknown("no feature has a geometry".to_string()))?;
            match geometry.as_str() {
                "Polygon" | "MultiPolygon" => Ok(LayerKind::Townships),
                "LineString" | "MultiLineString" => Ok(LayerKind::Roads),
                "Point" | "MultiPoint" => Ok(points()),
                other => Err(unknown(format!("its geometry is {other}"))),
            }
        }
    }
}

fn first_geometry_type(
    path: &Path,
    format: Format,
    options: &ImportOptions,
) -> Result<Option<String>, LoadError> {
    // Only the type is needed: read the file as plain WGS84 GeoJSON or the
    // Shapefile's features with the user's options.
    let source = Source::from_path(path);
    let text = match format {
        Format::Shapefile => super::shapefile::read(&source, path, options)?.text,
        Format::Kml => {
            let bytes = std::fs::read(path).map_err(|e| LoadError::Read {
                path: path.to_path_buf(),
                source: e,
            })?;
            super::kml::to_geojson(&source, &bytes)?
        }
        _ => {
            let bytes = std::fs::read(path).map_err(|e| LoadError::Read {
                path: path.to_path_buf(),
                source: e,
            })?;
            super::text::decode(&bytes).text.into_owned()
        }
    };
    let root: Value = serde_json::from_str(&text).map_err(|e| LoadError::Json {
        message: e.to_string(),
        path: path.to_path_buf(),
    })?;
    let kind = |g: &Value| g.get("type").and_then(Value::as_str).map(str::to_string);
    Ok(match root.get("features").and_then(Value::as_array) {
        Some(features) => features
            .iter()
            .filter_map(|f| f.get("geometry"))
            .find_map(kind),
        None => root.get("geometry").map_or_else(|| kind(&root), kind),
    })
}

/// Reads `input` as `layer` (guessed when `None`, see [`guess_layer`]) with
/// `options`, and writes it to `output` as WGS84 GeoJSON in the METHOD.md
/// layer format. Facilities are mapped to categories with `categories`.
/// Nothing is written when the input has no usable feature.
pub fn convert(
    input: &Path,
    output: &Path,
    layer: Option<LayerKind>,
    options: &ImportOptions,
    categories: &CategoryMatcher,
) -> Result<ConvertSummary, ConvertError> {
    let layer = match layer {
        Some(l) => l,
        None => guess_layer(input, options)?,
    };
    let format = Format::from_path(input)?;
    let source = Source::from_path(input);
    let from = Input::Path(input);
    let crs = match format {
        Format::OsmPbf => "WGS 84 (OSM)".to_string(),
        _ => import::preview(input, layer, options)
            .map(|p| p.crs)
            .unwrap_or_default(),
    };
    let name = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let note = format!(
        "Converted by `lifecircle convert` from {} ({}, {crs}) to WGS84.",
        source.label,
        format.label()
    );
    let meta = CollectionMeta {
        name: &name,
        note: &note,
    };
    let write = |f: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>| {
        write_atomic_with(output, |w| f(w)).map_err(|e| ConvertError::Write {
            path: output.to_path_buf(),
            source: e,
        })
    };
    let (features, warnings) = match layer {
        LayerKind::Townships => {
            let l = import::townships(&source, from, format, options)?;
            write(&mut |mut w: &mut dyn std::io::Write| write_townships(&mut w, &l.items, meta))?;
            (l.items.len(), l.warnings)
        }
        LayerKind::Facilities => {
            let l = import::facilities(&source, from, format, options, categories)?;
            write(&mut |mut w: &mut dyn std::io::Write| write_facilities(&mut w, &l.items, meta))?;
            (l.items.len(), l.warnings)
        }
        LayerKind::Residents => {
            let l = import::residents(&source, from, format, options)?;
            write(&mut |mut w: &mut dyn std::io::Write| write_residents(&mut w, &l.items, meta))?;
            (l.items.len(), l.warnings)
        }
        LayerKind::Roads => {
            let l = import::roads(&source, from, format, options)?;
            write(&mut |mut w: &mut dyn std::io::Write| write_roads(&mut w, &l.items, None, meta))?;
            (l.items.len(), l.warnings)
        }
    };
    Ok(ConvertSummary {
        layer,
        features,
        crs,
        warnings,
    })
}
