//! Reading any supported format into a layer, with the [`ImportOptions`] of
//! the file: the dispatch behind `load_*_with`, `parse_*` and [`preview`].

use super::categories::CategoryMatcher;
use super::options::{ColumnChoice, ImportOptions, PREVIEW_ROWS, PopulationSpread, Preview};
use super::spread::{self, Spread};
use super::table::Bbox;
use super::{
    Format, LayerKind, LoadError, Loaded, Source, csv_points, dxf_layers, excel, fields,
    geojson_layers, kml, osm_pbf, reproject, shapefile, table, text,
};
use crate::model::{Facility, Resident, Road, Township};
use serde_json::Value;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

/// Where a file's bytes come from. Shapefiles need a path (their `.dbf`
/// and `.prj` lie beside the `.shp`); PBF files are streamed from a path.
#[derive(Clone, Copy)]
pub(crate) enum Input<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
}

/// A file's bytes: given, read, or mapped (see [`Input::bytes`]).
enum FileBytes<'a> {
    Given(&'a [u8]),
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Given(b) => b,
            FileBytes::Read(v) => v,
            FileBytes::Mapped(m) => m,
        }
    }
}

/// Files from this size on are mapped rather than read.
const MAP_FROM_BYTES: u64 = 16 << 20;

impl<'a> Input<'a> {
    /// The whole file. A large file is mapped into memory instead of being
    /// copied: its pages come straight from the system's file cache (W4's
    /// loading went from 0.77–0.85 s to 0.73–0.74 s in turns). A file that
    /// cannot be mapped is read.
    fn bytes(self) -> Result<FileBytes<'a>, LoadError> {
        let p = match self {
            Input::Bytes(b) => return Ok(FileBytes::Given(b)),
            Input::Path(p) => p,
        };
        let error = |source| LoadError::Read {
            path: p.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(p).map_err(error)?;
        let len = file.metadata().map_err(error)?.len();
        if len >= MAP_FROM_BYTES {
            // SAFETY: the map is only read, and only while the file is
            // being loaded; like every program that maps its input, this
            // relies on no other program cutting the file short meanwhile.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(FileBytes::Mapped(map));
            }
        }
        let mut bytes = Vec::with_capacity(len as usize);
        (&file).read_to_end(&mut bytes).map_err(error)?;
        Ok(FileBytes::Read(bytes))
    }

    /// Opens the stream anew for each pass over a PBF file.
    fn opener(self) -> impl Fn() -> std::io::Result<Box<dyn Read + Send + 'a>> + Sync + 'a {
        move || -> std::io::Result<Box<dyn Read + Send + 'a>> {
            match self {
                Input::Bytes(b) => Ok(Box::new(std::io::Cursor::new(b))),
                Input::Path(p) => Ok(Box::new(std::io::BufReader::with_capacity(
                    1 << 20,
                    std::fs::File::open(p)?,
                ))),
            }
        }
    }
}

fn shapefile_path<'a>(source: &Source, input: Input<'a>) -> Result<&'a Path, LoadError> {
    match input {
        Input::Path(p) => Ok(p),
        Input::Bytes(_) => Err(LoadError::Unreadable {
            what: "Shapefile",
            message: "a Shapefile comes with its .dbf and .prj; open it from its folder, not as a single file"
                .to_string(),
            path: source.path.clone(),
        }),
    }
}

/// GeoJSON text in WGS84 with the chosen attributes in place, and what
/// happened on the way (the decoding note first).
struct Features<'t> {
    text: Cow<'t, str>,
    notes: Vec<String>,
    dropped: std::collections::HashMap<usize, String>,
    system: String,
    encoding: Option<&'static encoding_rs::Encoding>,
}

fn geojson_features<'t>(
    source: &Source,
    decoded: &'t text::Decoded<'t>,
    options: &ImportOptions,
) -> Result<Features<'t>, LoadError> {
    let prepared = reproject::prepare_geojson_with(
        source,
        &decoded.text,
        options.crs,
        options.towgs84.as_ref(),
        &options.columns,
    )?;
    let mut notes: Vec<String> = decoded.note.iter().cloned().collect();
    notes.extend(prepared.notes);
    Ok(Features {
        text: prepared.text,
        notes,
        dropped: prepared.dropped,
        system: prepared.system,
        encoding: Some(decoded.encoding),
    })
}

/// A KML or KMZ file's placemarks as GeoJSON text (UTF-8).
fn kml_decoded(source: &Source, input: Input) -> Result<text::Decoded<'static>, LoadError> {
    let bytes = input.bytes()?;
    Ok(text::Decoded {
        text: Cow::Owned(kml::to_geojson(source, &bytes)?),
        note: None,
        encoding: encoding_rs::UTF_8,
    })
}

/// A DXF drawing's features for `layer` as GeoJSON text, and its notes.
fn dxf_decoded(
    source: &Source,
    input: Input,
    layer: LayerKind,
    options: &ImportOptions,
) -> Result<(text::Decoded<'static>, Vec<String>), LoadError> {
    let bytes = input.bytes()?;
    let (text, notes) = dxf_layers::to_geojson(source, &bytes, layer, options)?;
    Ok((
        text::Decoded {
            text: Cow::Owned(text),
            note: None,
            encoding: encoding_rs::UTF_8,
        },
        notes,
    ))
}

/// Runs a GeoJSON layer reader on a DXF drawing's features for `layer`.
fn via_dxf<T>(
    source: &Source,
    input: Input,
    layer: LayerKind,
    options: &ImportOptions,
    reader: impl Fn(&Source, &str) -> Result<Loaded<T>, LoadError>,
) -> Result<Loaded<T>, LoadError> {
    let (decoded, mut notes) = dxf_decoded(source, input, layer, options)?;
    let f = geojson_features(source, &decoded, options)?;
    notes.extend(f.notes);
    reproject::finish(source, reader(source, &f.text), notes, &f.dropped)
}

/// What a preview shows of a Shapefile besides its features.
struct ShapefileTable {
    columns: Vec<String>,
    first_rows: Vec<Vec<String>>,
    count: usize,
    bbox: Option<[f64; 4]>,
}

fn shapefile_features(
    source: &Source,
    input: Input,
    options: &ImportOptions,
) -> Result<(Features<'static>, ShapefileTable), LoadError> {
    let read = shapefile::read(source, shapefile_path(source, input)?, options)?;
    let features = Features {
        text: Cow::Owned(read.text),
        notes: read.notes,
        dropped: read.dropped,
        system: read.system,
        encoding: Some(read.encoding),
    };
    let table = ShapefileTable {
        columns: read.columns,
        first_rows: read.first_rows,
        count: read.count,
        bbox: read.bbox,
    };
    Ok((features, table))
}

/// Runs a GeoJSON layer reader on the features of a GeoJSON file or a
/// Shapefile.
fn via_features<T>(
    source: &Source,
    input: Input,
    format: Format,
    options: &ImportOptions,
    reader: impl Fn(&Source, &str) -> Result<Loaded<T>, LoadError>,
) -> Result<Loaded<T>, LoadError> {
    match format {
        Format::Shapefile => {
            let (f, _) = shapefile_features(source, input, options)?;
            reproject::finish(source, reader(source, &f.text), f.notes, &f.dropped)
        }
        Format::Kml => {
            let decoded = kml_decoded(source, input)?;
            let f = geojson_features(source, &decoded, options)?;
            reproject::finish(source, reader(source, &f.text), f.notes, &f.dropped)
        }
        _ => {
            let bytes = input.bytes()?;
            let decoded = text::decode_with(&bytes, options.encoding);
            let f = geojson_features(source, &decoded, options)?;
            reproject::finish(source, reader(source, &f.text), f.notes, &f.dropped)
        }
    }
}

/// A CSV or Excel table, with the decoding note as its first warning.
fn read_table(
    source: &Source,
    input: Input,
    format: Format,
    options: &ImportOptions,
) -> Result<table::Table, LoadError> {
    let bytes = input.bytes()?;
    match format {
        Format::Excel => excel::read_table(source, &bytes, options).map(|(_, t)| t),
        _ => {
            let decoded = text::decode_with(&bytes, options.encoding);
            let mut table = csv_points::read_table(source, &decoded.text)?;
            if let Some(note) = decoded.note {
                table.warnings.insert(0, source.warning(None, None, note));
            }
            Ok(table)
        }
    }
}

fn not_for(layer: LayerKind, format: Format, advice: &'static str, source: &Source) -> LoadError {
    match format {
        Format::Csv => LoadError::CsvPointsOnly {
            layer,
            path: source.path.clone(),
        },
        _ => LoadError::NotForLayer {
            layer,
            format: format.label(),
            advice,
            path: source.path.clone(),
        },
    }
}

pub(crate) fn townships(
    source: &Source,
    input: Input,
    format: Format,
    options: &ImportOptions,
) -> Result<Loaded<Township>, LoadError> {
    match format {
        Format::GeoJson | Format::Shapefile | Format::Kml => {
            via_features(source, input, format, options, geojson_layers::townships)
        }
        Format::Dxf => via_dxf(
            source,
            input,
            LayerKind::Townships,
            options,
            geojson_layers::townships,
        ),
        Format::Csv | Format::Excel => Err(not_for(
            LayerKind::Townships,
            format,
            "a table holds points only; use GeoJSON or a Shapefile of the boundaries",
            source,
        )),
        Format::OsmPbf => Err(not_for(
            LayerKind::Townships,
            format,
            "use the township boundaries as GeoJSON or a Shapefile",
            source,
        )),
    }
}

pub(crate) fn facilities(
    source: &Source,
    input: Input,
    format: Format,
    options: &ImportOptions,
    matcher: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    let with_mapping;
    let matcher = if options.mapping.is_empty() {
        matcher
    } else {
        with_mapping = matcher.clone().with_mapping(&options.mapping);
        &with_mapping
    };
    match format {
        Format::GeoJson | Format::Shapefile | Format::Kml => {
            via_features(source, input, format, options, |s, t| {
                geojson_layers::facilities(s, t, matcher)
            })
        }
        Format::Dxf => via_dxf(source, input, LayerKind::Facilities, options, |s, t| {
            geojson_layers::facilities(s, t, matcher)
        }),
        Format::Csv | Format::Excel => {
            let table = read_table(source, input, format, options)?;
            table::facilities(source, &table, options, matcher)
        }
        Format::OsmPbf => osm_pbf::facilities(source, &input.opener(), matcher),
    }
}

pub(crate) fn residents(
    source: &Source,
    input: Input,
    format: Format,
    options: &ImportOptions,
) -> Result<Loaded<Resident>, LoadError> {
    match format {
        Format::GeoJson | Format::Shapefile | Format::Kml => {
            if options.spread.is_default() {
                return via_features(source, input, format, options, geojson_layers::residents);
            }
            let (spreader, mut notes) = spreader(&options.spread)?;
            let mut loaded = via_features(source, input, format, options, |s, t| {
                geojson_layers::residents_spread(s, t, Some(&spreader))
            })?;
            // Parts of one polygon repeat its warnings: keep one.
            loaded.warnings.dedup();
            notes.append(&mut loaded.warnings);
            loaded.warnings = notes;
            Ok(loaded)
        }
        Format::Dxf => via_dxf(
            source,
            input,
            LayerKind::Residents,
            options,
            geojson_layers::residents,
        ),
        Format::Csv | Format::Excel => {
            let table = read_table(source, input, format, options)?;
            let mut loaded = table::residents(source, &table, options)?;
            if !options.spread.is_default() {
                loaded.warnings.push(source.warning(
                    None,
                    None,
                    "a table holds points, which are not spread and get no population table; spreading applies to polygons (GeoJSON, Shapefile, KML)",
                ));
            }
            Ok(loaded)
        }
        Format::OsmPbf => Err(not_for(
            LayerKind::Residents,
            format,
            "OSM has no population; use a table or GeoJSON of residents (e.g. WorldPop cells)",
            source,
        )),
    }
}

pub(crate) fn roads(
    source: &Source,
    input: Input,
    format: Format,
    options: &ImportOptions,
) -> Result<Loaded<Road>, LoadError> {
    match format {
        Format::GeoJson | Format::Shapefile | Format::Kml => {
            via_features(source, input, format, options, geojson_layers::roads)
        }
        Format::Dxf => via_dxf(
            source,
            input,
            LayerKind::Roads,
            options,
            geojson_layers::roads,
        ),
        Format::Csv | Format::Excel => Err(not_for(
            LayerKind::Roads,
            format,
            "a table holds points only; use GeoJSON, a Shapefile or an OSM extract",
            source,
        )),
        Format::OsmPbf => roads_pbf(source, input),
    }
}

/// The spreading of `spread`, its buildings and table read, and the
/// warnings about the building file.
fn spreader(
    spread: &PopulationSpread,
) -> Result<(spread::Spreader, Vec<crate::model::LoadWarning>), LoadError> {
    let mut notes = Vec::new();
    let rule = match &spread.rule {
        Spread::Centroid => None,
        Spread::Grid => Some(spread::Rule::Grid),
        Spread::Buildings(path) => {
            let source = Source::from_path(path);
            let format = Format::from_path(path)?;
            if !matches!(format, Format::GeoJson | Format::Shapefile | Format::Kml) {
                return Err(not_for_buildings(format, &source));
            }
            let loaded = via_features(
                &source,
                Input::Path(path),
                format,
                &ImportOptions::default(),
                geojson_layers::buildings,
            )?;
            notes.extend(loaded.warnings);
            Some(spread::Rule::Buildings {
                file: source.label.clone(),
                buildings: loaded.items,
            })
        }
    };
    let table = spread.table.as_deref().map(population_table).transpose()?;
    Ok((
        spread::Spreader {
            rule,
            table,
            frame: spread.frame,
        },
        notes,
    ))
}

/// A population table (`--residents-table`): a CSV read as any table.
fn population_table(path: &Path) -> Result<spread::PopulationTable, LoadError> {
    let source = Source::from_path(path);
    let bytes = Input::Path(path).bytes()?;
    let decoded = text::decode(&bytes);
    let table = csv_points::read_table(&source, &decoded.text)?;
    spread::PopulationTable::from_rows(path, &table.columns, &table.rows)
}

fn not_for_buildings(format: Format, source: &Source) -> LoadError {
    LoadError::Unreadable {
        what: "building footprint file",
        message: format!(
            "{} cannot hold footprints; use GeoJSON, a Shapefile or KML of building polygons",
            format.label()
        ),
        path: source.path.clone(),
    }
}

/// Sizes of the polygons of a residents file (tables hold none).
pub(crate) fn polygon_sizes(
    source: &Source,
    input: Input,
    format: Format,
    options: &ImportOptions,
) -> Result<spread::PolygonSizes, LoadError> {
    match format {
        Format::GeoJson | Format::Shapefile | Format::Kml => {
            let shapes = via_features(
                source,
                input,
                format,
                options,
                geojson_layers::polygon_shapes,
            )?;
            Ok(spread::PolygonSizes::of(&shapes.items))
        }
        _ => Ok(spread::PolygonSizes::default()),
    }
}

fn roads_pbf(source: &Source, input: Input) -> Result<Loaded<Road>, LoadError> {
    osm_pbf::roads(source, &input.opener())
}

/// Text of an attribute value for a preview table.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Every position under a geometry, into a bounding box.
fn extend_bbox(bbox: &mut Bbox, value: &Value) {
    match value {
        Value::Array(items) if items.len() >= 2 && items.iter().take(2).all(Value::is_number) => {
            bbox.add(
                items[0].as_f64().unwrap_or(f64::NAN),
                items[1].as_f64().unwrap_or(f64::NAN),
            );
        }
        Value::Array(items) => items.iter().for_each(|v| extend_bbox(bbox, v)),
        Value::Object(o) => {
            if let Some(c) = o.get("coordinates") {
                extend_bbox(bbox, c);
            }
            if let Some(g) = o.get("geometries") {
                extend_bbox(bbox, g);
            }
        }
        _ => {}
    }
}

/// The first attribute among `aliases` present in `columns`.
fn guess(columns: &[String], aliases: &[&str]) -> Option<String> {
    let normalized: Vec<String> = columns.iter().map(|c| fields::normalize_key(c)).collect();
    fields::column(&normalized, aliases).and_then(|i| columns.get(i).cloned())
}

fn feature_preview(
    source: &Source,
    format: Format,
    f: &Features,
    options: &ImportOptions,
) -> Preview {
    let mut preview = Preview {
        format,
        columns: Vec::new(),
        first_rows: Vec::new(),
        bbox: None,
        feature_count: 0,
        crs: f.system.clone(),
        encoding: f.encoding.map(|e| e.name().to_string()),
        guessed: ColumnChoice::default(),
        sheets: Vec::new(),
        cad: None,
        warnings: f
            .notes
            .iter()
            .map(|n| source.warning(None, None, n.clone()))
            .collect(),
    };
    let root: Value = match serde_json::from_str(&f.text) {
        Ok(v) => v,
        Err(e) => {
            preview
                .warnings
                .push(source.warning(None, None, format!("not valid JSON ({e})")));
            return preview;
        }
    };
    let features: Vec<&Value> = match root.get("features").and_then(Value::as_array) {
        Some(list) => list.iter().collect(),
        None => vec![&root],
    };
    preview.feature_count = features.len();
    let mut bbox = Bbox::default();
    for feature in &features {
        if let Some(props) = feature.get("properties").and_then(Value::as_object) {
            for k in props.keys() {
                if !preview.columns.contains(k) {
                    preview.columns.push(k.clone());
                }
            }
        }
        extend_bbox(&mut bbox, feature.get("geometry").unwrap_or(feature));
    }
    preview.bbox = bbox.get();
    preview.first_rows = features
        .iter()
        .take(PREVIEW_ROWS)
        .map(|f| {
            let props = f.get("properties");
            preview
                .columns
                .iter()
                .map(|c| cell(props.and_then(|p| p.get(c))))
                .collect()
        })
        .collect();
    let chosen = &options.columns;
    preview.guessed = ColumnChoice {
        lon: None,
        lat: None,
        category: chosen
            .category
            .clone()
            .or_else(|| guess(&preview.columns, fields::CATEGORY)),
        name: chosen
            .name
            .clone()
            .or_else(|| guess(&preview.columns, fields::NAME)),
        population: chosen
            .population
            .clone()
            .or_else(|| guess(&preview.columns, fields::POPULATION)),
        capacity: chosen
            .capacity
            .clone()
            .or_else(|| guess(&preview.columns, fields::CAPACITY)),
    };
    if !f.dropped.is_empty() {
        preview.warnings.push(source.warning(
            None,
            None,
            format!(
                "{} features have coordinates that cannot be converted",
                f.dropped.len()
            ),
        ));
    }
    preview
}

/// What an import dialog shows before the user commits (see [`Preview`]);
/// `layer` matters for DXF drawings, which hold every kind.
pub(crate) fn preview(
    path: &Path,
    layer: LayerKind,
    options: &ImportOptions,
) -> Result<Preview, LoadError> {
    let format = Format::from_path(path)?;
    let source = Source::from_path(path);
    let input = Input::Path(path);
    match format {
        Format::Dxf => {
            let bytes = input.bytes()?;
            let drawing = dxf_layers::read(&source, &bytes)?;
            let (proposed, why_not) = match dxf_layers::guess_crs(&drawing) {
                dxf_layers::Guess::Zone(code, _) => (Some(super::Crs::Epsg(code)), None),
                dxf_layers::Guess::LonLat => (Some(super::Crs::Wgs84), None),
                dxf_layers::Guess::Unknown(why) => (None, Some(why)),
            };
            let gk_without_zone = why_not
                .as_deref()
                .is_some_and(|w| w.contains("no zone number"));
            let cad = super::CadSummary {
                layers: drawing.layer_counts(),
                extent: drawing.extent(),
                proposed,
                why_not,
                gk_without_zone,
            };
            let empty = |warnings: Vec<crate::model::LoadWarning>, crs: String| Preview {
                format,
                columns: Vec::new(),
                first_rows: Vec::new(),
                bbox: None,
                feature_count: 0,
                crs,
                encoding: None,
                guessed: ColumnChoice::default(),
                sheets: Vec::new(),
                warnings,
                cad: Some(cad.clone()),
            };
            // The layer's features; when they cannot be had (no system
            // yet, nothing on the chosen layers) the drawing is still shown.
            let features =
                dxf_decoded(&source, input, layer, options).and_then(|(decoded, notes)| {
                    let f = geojson_features(&source, &decoded, options)?;
                    Ok((notes, feature_preview(&source, format, &f, options)))
                });
            Ok(match features {
                Ok((notes, mut p)) => {
                    let notes = notes.into_iter().map(|n| source.warning(None, None, n));
                    p.warnings.splice(0..0, notes);
                    p.cad = Some(cad);
                    p
                }
                Err(e @ LoadError::Crs { .. }) => {
                    let message = match e {
                        LoadError::Crs { message, .. } => message,
                        _ => String::new(),
                    };
                    empty(
                        vec![source.warning(
                            None,
                            None,
                            format!("coordinate system not usable ({message})"),
                        )],
                        "unknown (CAD drawings carry no coordinate system)".to_string(),
                    )
                }
                Err(e) => empty(
                    vec![source.warning(None, None, e.to_string())],
                    String::new(),
                ),
            })
        }
        Format::GeoJson => {
            let bytes = input.bytes()?;
            let decoded = text::decode_with(&bytes, options.encoding);
            let f = geojson_features(&source, &decoded, options)?;
            Ok(feature_preview(&source, format, &f, options))
        }
        Format::Kml => {
            let decoded = kml_decoded(&source, input)?;
            let f = geojson_features(&source, &decoded, options)?;
            Ok(feature_preview(&source, format, &f, options))
        }
        Format::Shapefile => {
            let (f, read) = shapefile_features(&source, input, options)?;
            let mut p = feature_preview(&source, format, &f, options);
            p.columns = read.columns;
            p.first_rows = read.first_rows;
            p.feature_count = read.count;
            p.bbox = read.bbox;
            Ok(p)
        }
        Format::Csv | Format::Excel => {
            let bytes = input.bytes()?;
            let (sheets, encoding) = match format {
                Format::Excel => (excel::sheet_names(&source, &bytes)?, None),
                _ => (
                    Vec::new(),
                    Some(
                        text::decode_with(&bytes, options.encoding)
                            .encoding
                            .name()
                            .to_string(),
                    ),
                ),
            };
            let table = read_table(&source, input, format, options)?;
            let t = table::preview(&source, &table, options);
            Ok(Preview {
                format,
                columns: t.columns,
                first_rows: t.first_rows,
                bbox: t.bbox,
                feature_count: t.rows,
                crs: t.crs,
                encoding,
                guessed: t.guessed,
                sheets,
                warnings: t.warnings,
                cad: None,
            })
        }
        Format::OsmPbf => {
            let s = osm_pbf::summary(&source, &input.opener())?;
            Ok(Preview {
                format,
                columns: Vec::new(),
                first_rows: Vec::new(),
                bbox: s.bbox,
                feature_count: s.roads + s.pois,
                crs: "WGS 84 longitude/latitude (OSM)".to_string(),
                encoding: Some("UTF-8".to_string()),
                guessed: ColumnChoice::default(),
                sheets: Vec::new(),
                cad: None,
                warnings: vec![source.warning(
                    None,
                    None,
                    format!("{} road ways and {} objects with POI tags", s.roads, s.pois),
                )],
            })
        }
    }
}
