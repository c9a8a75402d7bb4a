//! GeoJSON input: the four layers of METHOD.md from RFC 7946 files.
//!
//! The file is parsed as JSON once; each feature's geometry is then read with
//! the `geojson` crate on its own, so one broken feature becomes a warning
//! instead of making the whole file unreadable. A FeatureCollection, a single
//! Feature or a bare geometry (a feature without properties) are accepted.

use super::categories::CategoryMatcher;
use super::fields;
use super::geometry;
use super::records::{FacilityBuilder, ResidentBuilder};
use super::spread;
use super::{LayerKind, LoadError, Loaded, Source};
use crate::model::{Facility, LoadWarning, Resident, Road, Township};
use geo::{Centroid as _, MultiPolygon, Point};
use geojson::GeometryValue;
use rayon::prelude::*;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One feature as found in the file, before the layer's rules are applied;
/// its geometry already read (or why it cannot be).
struct RawFeature {
    /// 1-based position in the file.
    number: usize,
    properties: Map<String, Value>,
    geometry: Result<GeometryValue, String>,
}

impl RawFeature {
    /// The feature's name for messages, when it has one.
    fn label(&self, aliases: &[&str]) -> Option<String> {
        fields::name(&fields::property(&self.properties, aliases))
    }

    /// The geometry, read by the `geojson` crate, or why it cannot be.
    fn geometry(&mut self) -> Result<GeometryValue, String> {
        std::mem::replace(&mut self.geometry, Err("has no geometry".to_string()))
    }
}

/// A geometry read from its JSON text by the `geojson` crate.
fn parse_geometry(raw: Option<&RawValue>) -> Result<GeometryValue, String> {
    match raw.map(RawValue::get) {
        None | Some("null") => Err("has no geometry".to_string()),
        Some(text) => serde_json::from_str::<geojson::Geometry>(text)
            .map(|g| g.value)
            .map_err(|e| format!("has an invalid geometry ({e})")),
    }
}

const GEOMETRY_TYPES: [&str; 7] = [
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
];

/// The top level of a GeoJSON document, its parts left as JSON text.
#[derive(serde::Deserialize)]
struct RawRoot<'a> {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(borrow, default)]
    features: Option<&'a RawValue>,
}

/// A feature, its parts left as JSON text.
#[derive(serde::Deserialize)]
struct RawEntry<'a> {
    #[serde(rename = "type", default)]
    kind: Option<&'a RawValue>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
    #[serde(borrow, default)]
    geometry: Option<&'a RawValue>,
}

/// Splits a GeoJSON document into features; entries of a FeatureCollection
/// that are not Features become warnings. Features are read in parallel,
/// each on its own, so a province-size file loads in seconds and one broken
/// feature does not spoil the rest.
fn read_features(
    source: &Source,
    text: &str,
) -> Result<(Vec<RawFeature>, Vec<LoadWarning>), LoadError> {
    let json_error = |e: serde_json::Error| LoadError::Json {
        message: e.to_string(),
        path: source.path.clone(),
    };
    let not_geojson = |found: String| LoadError::NotGeoJson {
        found,
        path: source.path.clone(),
    };
    let root: RawRoot<'_> = match serde_json::from_str(text) {
        Ok(root) => root,
        Err(e) => {
            if let Some(twice) = duplicate_key(&e) {
                return Err(LoadError::Unreadable {
                    what: "GeoJSON file",
                    message: twice,
                    path: source.path.clone(),
                });
            }
            // Valid JSON but not an object: say what it is.
            let value: Value = serde_json::from_str(text).map_err(json_error)?;
            return Err(not_geojson(json_kind(&value)));
        }
    };
    let kind = root.kind.clone().unwrap_or_default();
    let mut warnings = Vec::new();
    let features = match kind.as_str() {
        "FeatureCollection" => {
            let entries: Vec<&RawValue> = match root.features.map(|f| serde_json::from_str(f.get()))
            {
                Some(Ok(entries)) => entries,
                _ => {
                    return Err(not_geojson(
                        "a FeatureCollection without a \"features\" list".to_string(),
                    ));
                }
            };
            let parsed: Vec<Result<RawFeature, String>> = entries
                .par_iter()
                .enumerate()
                .map(|(i, entry)| feature(i + 1, entry))
                .collect();
            let mut features = Vec::with_capacity(parsed.len());
            for (i, f) in parsed.into_iter().enumerate() {
                match f {
                    Ok(f) => features.push(f),
                    Err(why) => warnings.push(source.warning(Some(i + 1), None, why)),
                }
            }
            features
        }
        "Feature" => {
            let whole: &RawValue = serde_json::from_str(text).map_err(json_error)?;
            vec![feature(1, whole).map_err(not_geojson)?]
        }
        t if GEOMETRY_TYPES.contains(&t) => {
            let whole: &RawValue = serde_json::from_str(text).map_err(json_error)?;
            vec![RawFeature {
                number: 1,
                properties: Map::new(),
                geometry: parse_geometry(Some(whole)),
            }]
        }
        "Topology" => {
            return Err(not_geojson(
                "TopoJSON (type \"Topology\"); convert it to GeoJSON".to_string(),
            ));
        }
        "" => return Err(not_geojson("an object without a \"type\"".to_string())),
        other => return Err(not_geojson(format!("an object of type {other:?}"))),
    };
    Ok((features, warnings))
}

/// "the key "features" appears twice (line …, column …)" for serde's
/// duplicate-field error, which otherwise reads as a wrong type.
pub(crate) fn duplicate_key(e: &serde_json::Error) -> Option<String> {
    let text = e.to_string();
    let key = text.strip_prefix("duplicate field `")?.split('`').next()?;
    Some(format!(
        "the key {key:?} appears twice (line {}, column {})",
        e.line(),
        e.column()
    ))
}

fn feature(number: usize, raw: &RawValue) -> Result<RawFeature, String> {
    let entry: RawEntry<'_> = match serde_json::from_str(raw.get()) {
        Ok(entry) => entry,
        Err(e) if duplicate_key(&e).is_some() => {
            let twice = duplicate_key(&e).unwrap_or_default();
            return Err(format!("{twice} in this feature; it is skipped"));
        }
        Err(_) => {
            let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
            return Err(format!(
                "is {}, not a Feature; it is skipped",
                json_kind(&value)
            ));
        }
    };
    match entry.kind.map(|k| serde_json::from_str::<Value>(k.get())) {
        Some(Ok(Value::String(k))) if k == "Feature" => {}
        Some(Ok(Value::String(other))) => {
            return Err(format!(
                "has type {other:?}, not \"Feature\"; it is skipped"
            ));
        }
        _ => return Err("has no \"type\": \"Feature\"; it is skipped".to_string()),
    }
    let properties = match entry
        .properties
        .map(|p| serde_json::from_str::<Value>(p.get()))
    {
        Some(Ok(Value::Object(map))) => map,
        _ => Map::new(),
    };
    Ok(RawFeature {
        number,
        properties,
        geometry: parse_geometry(entry.geometry),
    })
}

fn json_kind(value: &Value) -> String {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "a text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
    .to_string()
}

fn wrong_type(found: &GeometryValue, layer: LayerKind) -> String {
    format!(
        "has a {} geometry, but {layer} need {}",
        found.type_name(),
        layer.geometry_needed()
    )
}

/// Township boundaries: Polygon/MultiPolygon with a unique name.
pub(crate) fn townships(source: &Source, text: &str) -> Result<Loaded<Township>, LoadError> {
    let (features, mut warnings) = read_features(source, text)?;
    let mut items: Vec<Township> = Vec::new();
    let mut first_with_name: HashMap<String, usize> = HashMap::new();
    for mut f in features {
        let name = f.label(fields::TOWNSHIP_NAME);
        let label = name.as_deref();
        let number = f.number;
        let mut warn =
            |message: String| warnings.push(source.warning(Some(number), label, message));
        let mut caveats = Vec::new();
        let boundary = match f.geometry() {
            Ok(GeometryValue::Polygon { coordinates }) => {
                geometry::polygon(&coordinates, &mut caveats).map(|p| MultiPolygon::new(vec![p]))
            }
            Ok(GeometryValue::MultiPolygon { coordinates }) => {
                geometry::multi_polygon(&coordinates, &mut caveats)
            }
            Ok(other) => Err(wrong_type(&other, LayerKind::Townships)),
            Err(why) => Err(why),
        };
        let boundary = match boundary {
            Ok(b) => b,
            Err(why) => {
                let why = match &name {
                    Some(n) => why.replace(
                        "the boundary crosses",
                        &format!("the boundary of township {n:?} crosses"),
                    ),
                    None => why,
                };
                warn(format!("{why}; it is skipped"));
                continue;
            }
        };
        let Some(name) = name.clone() else {
            warn("has no name (townships need a \"name\" property); it is skipped".to_string());
            continue;
        };
        if let Some(first) = first_with_name.get(&name) {
            warn(format!(
                "township name {name:?} is already used by feature {first}; this one is skipped"
            ));
            continue;
        }
        for caveat in caveats {
            warn(caveat);
        }
        let crossings = geometry::crossing_caveats(&boundary);
        if !crossings.is_empty() {
            warn(format!(
                "the boundary of township {name:?} crosses itself: {}; it is kept, but residents near the crossing may be counted in the wrong township",
                crossings.join(", ")
            ));
        }
        first_with_name.insert(name.clone(), f.number);
        items.push(Township {
            name,
            code: fields::text(&fields::property(&f.properties, fields::CODE)),
            boundary,
        });
    }
    source.finish(LayerKind::Townships, items, warnings)
}

/// A point from a Point geometry or a MultiPoint holding exactly one point.
fn single_point(geometry: &GeometryValue, layer: LayerKind) -> Result<Point<f64>, String> {
    match geometry {
        GeometryValue::Point { coordinates } => geometry::point(coordinates),
        GeometryValue::MultiPoint { coordinates } if coordinates.len() == 1 => {
            coordinates.first().map_or_else(
                || Err("the MultiPoint is empty".to_string()),
                geometry::point,
            )
        }
        other => Err(wrong_type(other, layer)),
    }
}

/// Facilities: Points with a category known to `matcher`.
pub(crate) fn facilities(
    source: &Source,
    text: &str,
    matcher: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    let (features, warnings) = read_features(source, text)?;
    let mut builder = FacilityBuilder::new(source, matcher, warnings);
    for mut f in features {
        let location = f
            .geometry()
            .and_then(|g| single_point(&g, LayerKind::Facilities));
        builder.add_properties(f.number, f.label(fields::NAME), &f.properties, location);
    }
    builder.finish()
}

/// Residents: Points, or Polygons/MultiPolygons represented by their centroid.
pub(crate) fn residents(source: &Source, text: &str) -> Result<Loaded<Resident>, LoadError> {
    residents_spread(source, text, None)
}

/// Residents, polygons spread into many points by `spreader` (see
/// [`spread`]) when given, else represented by their centroid.
pub(crate) fn residents_spread(
    source: &Source,
    text: &str,
    spreader: Option<&spread::Spreader>,
) -> Result<Loaded<Resident>, LoadError> {
    let (features, mut warnings) = read_features(source, text)?;
    let features = match spreader {
        Some(s) => spread_features(source, features, s, &mut warnings)?,
        None => features,
    };
    let mut builder = ResidentBuilder::new(source, warnings);
    for mut f in features {
        let location = f.geometry().and_then(|g| match &g {
            GeometryValue::Polygon { coordinates } => {
                geometry::polygon(coordinates, &mut Vec::new()).and_then(|p| {
                    p.centroid()
                        .ok_or_else(|| "the polygon has no centroid".to_string())
                })
            }
            GeometryValue::MultiPolygon { coordinates } => {
                geometry::multi_polygon(coordinates, &mut Vec::new()).and_then(|p| {
                    p.centroid()
                        .ok_or_else(|| "the MultiPolygon has no centroid".to_string())
                })
            }
            _ => single_point(&g, LayerKind::Residents),
        });
        let groups = f
            .properties
            .iter()
            .filter_map(|(k, v)| {
                Some((fields::group_of_key(k)?, fields::Field::from_json(Some(v))))
            })
            .collect();
        builder.add_resident(
            f.number,
            f.label(fields::NAME),
            fields::property(&f.properties, fields::POPULATION),
            fields::property(&f.properties, fields::SETTLEMENT),
            groups,
            location,
        );
    }
    builder.finish()
}

/// The features with every residents polygon replaced by its spread
/// points, each keeping the polygon's feature number (messages name the
/// polygon). Features that are not polygons, or whose population cannot be
/// read, stay as they are for the reader to take or explain.
fn spread_features(
    source: &Source,
    features: Vec<RawFeature>,
    spreader: &spread::Spreader,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Vec<RawFeature>, LoadError> {
    let mut features = features;
    if let Some(table) = &spreader.table {
        let mut rows: Vec<_> = features
            .iter_mut()
            .map(|f| (f.number, f.label(fields::NAME), &mut f.properties))
            .collect();
        table.join(&mut rows, warnings)?;
    }
    if spreader.rule.is_none() {
        return Ok(features);
    }
    let mut areas = Vec::new();
    let mut slots = Vec::with_capacity(features.len());
    for f in &features {
        let shape = match &f.geometry {
            Ok(GeometryValue::Polygon { coordinates }) => {
                geometry::polygon(coordinates, &mut Vec::new())
                    .ok()
                    .map(|p| MultiPolygon::new(vec![p]))
            }
            Ok(GeometryValue::MultiPolygon { coordinates }) => {
                geometry::multi_polygon(coordinates, &mut Vec::new()).ok()
            }
            _ => None,
        };
        slots.push(shape.map(|shape| {
            areas.push(spread::Area {
                number: f.number,
                name: f.label(fields::NAME),
                shape,
                properties: f.properties.clone(),
            });
            areas.len() - 1
        }));
    }
    let mut parts = spread::spread_areas(source, &areas, spreader, warnings)?;
    let mut out = Vec::with_capacity(features.len());
    for (f, slot) in features.into_iter().zip(slots) {
        match slot.and_then(|i| parts.get_mut(i).and_then(Option::take)) {
            Some(points) => out.extend(points.into_iter().map(|p| RawFeature {
                number: f.number,
                properties: p.properties,
                geometry: Ok(GeometryValue::Point {
                    coordinates: [p.location.x(), p.location.y()].into(),
                }),
            })),
            None => out.push(f),
        }
    }
    Ok(out)
}

/// Building footprints for spreading residents (`buildings:FILE`):
/// Polygons/MultiPolygons with `building:levels` (or `levels`, default 1).
/// Other features and bad storeys are warnings naming the feature.
pub(crate) fn buildings(
    source: &Source,
    text: &str,
) -> Result<Loaded<spread::Building>, LoadError> {
    let (features, mut warnings) = read_features(source, text)?;
    let mut items = Vec::new();
    for mut f in features {
        let name = f.label(fields::NAME);
        let number = f.number;
        let mut warn = |message: String| {
            warnings.push(source.warning(Some(number), name.as_deref(), message));
        };
        let footprint = match f.geometry() {
            Ok(GeometryValue::Polygon { coordinates }) => {
                geometry::polygon(&coordinates, &mut Vec::new()).map(|p| MultiPolygon::new(vec![p]))
            }
            Ok(GeometryValue::MultiPolygon { coordinates }) => {
                geometry::multi_polygon(&coordinates, &mut Vec::new())
            }
            Ok(other) => Err(format!(
                "has a {} geometry, but building footprints need Polygon or MultiPolygon",
                other.type_name()
            )),
            Err(why) => Err(why),
        };
        let footprint = match footprint {
            Ok(p) => p,
            Err(why) => {
                warn(format!("{why}; it is skipped"));
                continue;
            }
        };
        let levels = spread::levels(&fields::property(&f.properties, spread::LEVELS))
            .unwrap_or_else(|why| {
                warn(format!("{why}; it counts as 1 storey"));
                1.0
            });
        items.push(spread::Building { footprint, levels });
    }
    if items.is_empty() {
        let first = warnings.iter().find(|w| w.feature.is_some()).map_or_else(
            || "the file holds no features".to_string(),
            |w| w.to_string(),
        );
        return Err(LoadError::Unreadable {
            what: "building footprint file",
            message: format!("no Polygon or MultiPolygon footprint in it ({first})"),
            path: source.path.clone(),
        });
    }
    Ok(Loaded { items, warnings })
}

/// The Polygon/MultiPolygon shapes of a file (other features ignored),
/// to measure residents polygons for the import dialog.
pub(crate) fn polygon_shapes(
    source: &Source,
    text: &str,
) -> Result<Loaded<MultiPolygon<f64>>, LoadError> {
    let (features, warnings) = read_features(source, text)?;
    let items = features
        .into_iter()
        .filter_map(|f| match f.geometry {
            Ok(GeometryValue::Polygon { coordinates }) => {
                geometry::polygon(&coordinates, &mut Vec::new())
                    .ok()
                    .map(|p| MultiPolygon::new(vec![p]))
            }
            Ok(GeometryValue::MultiPolygon { coordinates }) => {
                geometry::multi_polygon(&coordinates, &mut Vec::new()).ok()
            }
            _ => None,
        })
        .collect();
    Ok(Loaded { items, warnings })
}

/// Roads: LineStrings; a MultiLineString gives one road per line.
pub(crate) fn roads(source: &Source, text: &str) -> Result<Loaded<Road>, LoadError> {
    let (features, mut warnings) = read_features(source, text)?;
    let mut items = Vec::new();
    for mut f in features {
        let name = f.label(fields::NAME);
        let number = f.number;
        let mut warn = |message: String| {
            warnings.push(source.warning(Some(number), name.as_deref(), message));
        };
        let lines = match f.geometry() {
            Ok(GeometryValue::LineString { coordinates }) => vec![coordinates],
            Ok(GeometryValue::MultiLineString { coordinates }) => coordinates,
            Ok(other) => {
                warn(format!(
                    "{}; it is skipped",
                    wrong_type(&other, LayerKind::Roads)
                ));
                continue;
            }
            Err(why) => {
                warn(format!("{why}; it is skipped"));
                continue;
            }
        };
        if lines.is_empty() {
            warn("the MultiLineString has no lines; it is skipped".to_string());
            continue;
        }
        let highway = fields::text(&fields::property(&f.properties, fields::HIGHWAY));
        let oneway = fields::oneway(&fields::property(&f.properties, fields::ONEWAY));
        let maxspeed_kmh = fields::maxspeed_kmh(&fields::property(&f.properties, fields::MAXSPEED));
        let several = lines.len() > 1;
        for (i, positions) in lines.iter().enumerate() {
            match geometry::line(positions) {
                Ok(line) => items.push(Road {
                    line,
                    highway: highway.clone(),
                    oneway,
                    maxspeed_kmh,
                }),
                Err(why) if several => warn(format!("line {}: {why}; that line is skipped", i + 1)),
                Err(why) => warn(format!("{why}; it is skipped")),
            }
        }
    }
    source.finish(LayerKind::Roads, items, warnings)
}
