//! `lifecircle convert`: any supported input (Shapefile, OSM PBF, Excel,
//! CSV in GCJ-02, GeoJSON in a Gauss–Krüger zone, a DXF drawing …) written
//! as one METHOD.md layer in WGS84 GeoJSON, validated exactly as the
//! assessment would read it — or, to a `.dxf` output, as a CAD drawing in
//! the coordinate system the user names.

use super::categories::CategoryMatcher;
use super::crs::CoordinateSystem;
use super::dxf_write::{CadDrawing, cad_colour};
use super::import::{self, Input};
use super::options::ImportOptions;
use super::{Format, LayerKind, LoadError, Source, write_atomic_with};
use crate::generate::{
    CollectionMeta, write_facilities, write_residents, write_roads, write_townships,
};
use crate::model::{Facility, LoadWarning, Resident, Road, Township};
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
    /// A DXF output needs a coordinate system: CAD files carry none.
    #[error(
        "a DXF drawing needs the coordinate system to draw in (CAD files carry none); give --out-crs, e.g. EPSG:4528 for CGCS2000 3-degree Gauss-Kruger zone 40: {}",
        .path.display()
    )]
    NeedsCrs { path: PathBuf },
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
    convert_with(input, output, layer, options, categories, None)
}

/// Whether a path names a DXF file.
fn is_dxf(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("dxf"))
}

/// [`convert`], and to a `.dxf` output a CAD drawing in `output_crs`
/// (required for DXF; ignored for GeoJSON).
pub fn convert_with(
    input: &Path,
    output: &Path,
    layer: Option<LayerKind>,
    options: &ImportOptions,
    categories: &CategoryMatcher,
    output_crs: Option<&CoordinateSystem>,
) -> Result<ConvertSummary, ConvertError> {
    let to_dxf = is_dxf(output);
    if to_dxf && output_crs.is_none() {
        return Err(ConvertError::NeedsCrs {
            path: output.to_path_buf(),
        });
    }
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
    if let (true, Some(cs)) = (to_dxf, output_crs) {
        let mut d = CadDrawing::new();
        let (features, warnings) = match layer {
            LayerKind::Townships => {
                let l = import::townships(&source, from, format, options)?;
                draw_townships(&mut d, &l.items, cs);
                (l.items.len(), l.warnings)
            }
            LayerKind::Facilities => {
                let l = import::facilities(&source, from, format, options, categories)?;
                draw_facilities(&mut d, &l.items, cs, "");
                (l.items.len(), l.warnings)
            }
            LayerKind::Residents => {
                let l = import::residents(&source, from, format, options)?;
                draw_residents(&mut d, &l.items, cs);
                (l.items.len(), l.warnings)
            }
            LayerKind::Roads => {
                let l = import::roads(&source, from, format, options)?;
                draw_roads(&mut d, &l.items, cs);
                (l.items.len(), l.warnings)
            }
        };
        let text = d.finish();
        write(&mut |w: &mut dyn std::io::Write| w.write_all(text.as_bytes()))?;
        return Ok(ConvertSummary {
            layer,
            features,
            crs,
            warnings,
        });
    }
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

/// Label height and symbol radius in the drawing's units: metres in a
/// projected system, degrees (about the same size) in longitude/latitude.
pub(crate) fn cad_sizes(cs: &CoordinateSystem) -> (f64, f64) {
    if cs.is_geographic() {
        (1e-4, 5e-5)
    } else {
        (10.0, 5.0)
    }
}

fn to_cad(cs: &CoordinateSystem, lon: f64, lat: f64) -> [f64; 2] {
    cs.from_wgs84(lon, lat)
}

/// Township boundaries as closed polylines on 乡镇界, names as TEXT on
/// 乡镇名称 at an interior point.
pub(crate) fn draw_townships(d: &mut CadDrawing, townships: &[Township], cs: &CoordinateSystem) {
    use geo::InteriorPoint;
    let (height, _) = cad_sizes(cs);
    d.layer("乡镇界", cad_colour(2));
    d.layer("乡镇名称", cad_colour(2));
    for t in townships {
        for polygon in &t.boundary {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                let points: Vec<[f64; 2]> = ring.coords().map(|c| to_cad(cs, c.x, c.y)).collect();
                d.polyline("乡镇界", &points, true);
            }
        }
        if let Some(p) = t.boundary.interior_point() {
            d.text("乡镇名称", to_cad(cs, p.x(), p.y()), height * 5.0, &t.name);
        }
    }
}

/// Facilities: one CAD layer per category (`prefix` + category), one
/// block per category inserted at each facility, the name as TEXT.
pub(crate) fn draw_facilities(
    d: &mut CadDrawing,
    facilities: &[Facility],
    cs: &CoordinateSystem,
    prefix: &str,
) {
    let (height, radius) = cad_sizes(cs);
    let mut categories: Vec<&str> = facilities.iter().map(|f| f.category.as_str()).collect();
    categories.sort_unstable();
    categories.dedup();
    for (i, c) in categories.iter().enumerate() {
        d.layer(&format!("{prefix}{c}"), cad_colour(i));
        d.block(c, radius);
    }
    for f in facilities {
        let layer = format!("{prefix}{}", f.category);
        let at = to_cad(cs, f.location.x(), f.location.y());
        d.insert(&layer, &f.category, at);
        d.text(&layer, [at[0] + radius * 1.5, at[1]], height, &f.name);
    }
}

/// Residents as POINTs on 居民 with their population as TEXT.
fn draw_residents(d: &mut CadDrawing, residents: &[Resident], cs: &CoordinateSystem) {
    let (height, _) = cad_sizes(cs);
    d.layer("居民", cad_colour(5));
    for r in residents {
        let at = to_cad(cs, r.location.x(), r.location.y());
        d.point("居民", at);
        d.text("居民", at, height / 2.0, &format!("{}", r.population));
    }
}

/// Roads as polylines, one CAD layer per road class (道路-primary …).
fn draw_roads(d: &mut CadDrawing, roads: &[Road], cs: &CoordinateSystem) {
    for r in roads {
        let layer = match &r.highway {
            Some(h) => format!("道路-{h}"),
            None => "道路".to_string(),
        };
        let points: Vec<[f64; 2]> = r.line.coords().map(|c| to_cad(cs, c.x, c.y)).collect();
        d.polyline(&layer, &points, false);
    }
}
