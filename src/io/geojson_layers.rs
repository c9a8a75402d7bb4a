//! GeoJSON input: the four layers of METHOD.md from RFC 7946 files.
//!
//! Each feature is read on its own, so one broken feature becomes a warning
//! instead of making the whole file unreadable. A FeatureCollection, a single
//! Feature or a bare geometry (a feature without properties) are accepted.
//!
//! A province's layers hold millions of features, so a plain
//! FeatureCollection is cut into its entries by a byte scanner
//! ([`feature_split`]) and the entries are parsed in waves on all cores,
//! each wave handed to the layer's rules and dropped while the next is
//! parsed: no JSON tree of the file, and never all features' properties in
//! memory at once. Plain geometries are read straight into positions; the
//! `geojson` crate reads the rest. Every other document, and every file with
//! a JSON error, goes through the reference reader
//! ([`read_features_reference`]), so results and messages are its own (the
//! tests in `fast_read_tests.rs` compare the two).

use super::categories::CategoryMatcher;
use super::feature_split::{self, Split};
use super::fields;
use super::geometry;
use super::records::{FacilityBuilder, ResidentBuilder};
use super::spread;
use super::{LayerKind, LoadError, Loaded, Source};
use crate::model::{Facility, LoadWarning, Resident, Road, Township};
use geo::{Centroid as _, MultiPolygon, Point};
use geojson::{GeometryValue, Position};
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

/// A geometry read from its JSON text: by [`plain_geometry`] when it is a
/// plain one, else by the `geojson` crate (whose messages we give).
fn parse_geometry(raw: Option<&RawValue>) -> Result<GeometryValue, String> {
    match raw.map(RawValue::get) {
        None | Some("null") => Err("has no geometry".to_string()),
        Some(text) => plain_geometry(text).map_or_else(|| reference_geometry(text), Ok),
    }
}

/// A geometry read by the `geojson` crate, or why it cannot be.
fn reference_geometry(text: &str) -> Result<GeometryValue, String> {
    serde_json::from_str::<geojson::Geometry>(text)
        .map(|g| g.value)
        .map_err(|e| format!("has an invalid geometry ({e})"))
}

/// A geometry with just `type` and `coordinates`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainGeometry<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
    #[serde(borrow)]
    coordinates: &'a RawValue,
}

/// The common case read straight into positions: a Point, LineString,
/// Polygon, MultiPoint, MultiLineString or MultiPolygon with only `type`
/// and `coordinates`, every list non-empty and every position of two or
/// more numbers. The `geojson` crate reads such a geometry to the same
/// value (but through a generic tree, as it keeps foreign members); for
/// anything else this is `None` and the crate reads it.
fn plain_geometry(text: &str) -> Option<GeometryValue> {
    fn positions(p: &[Position]) -> bool {
        !p.is_empty() && p.iter().all(|p| p.len() >= 2)
    }
    fn rings(r: &[Vec<Position>]) -> bool {
        !r.is_empty() && r.iter().all(|r| positions(r))
    }
    let plain: PlainGeometry<'_> = serde_json::from_str(text).ok()?;
    let coordinates = plain.coordinates.get();
    match plain.kind {
        "Point" => {
            let c: Position = serde_json::from_str(coordinates).ok()?;
            (c.len() >= 2).then_some(GeometryValue::Point { coordinates: c })
        }
        "LineString" => {
            let c: Vec<Position> = serde_json::from_str(coordinates).ok()?;
            positions(&c).then_some(GeometryValue::LineString { coordinates: c })
        }
        "MultiPoint" => {
            let c: Vec<Position> = serde_json::from_str(coordinates).ok()?;
            positions(&c).then_some(GeometryValue::MultiPoint { coordinates: c })
        }
        "Polygon" => {
            let c: Vec<Vec<Position>> = serde_json::from_str(coordinates).ok()?;
            rings(&c).then_some(GeometryValue::Polygon { coordinates: c })
        }
        "MultiLineString" => {
            let c: Vec<Vec<Position>> = serde_json::from_str(coordinates).ok()?;
            rings(&c).then_some(GeometryValue::MultiLineString { coordinates: c })
        }
        "MultiPolygon" => {
            let c: Vec<Vec<Vec<Position>>> = serde_json::from_str(coordinates).ok()?;
            (!c.is_empty() && c.iter().all(|p| rings(p)))
                .then_some(GeometryValue::MultiPolygon { coordinates: c })
        }
        _ => None,
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

/// Features read at once before they are handed on: enough to keep both
/// cores busy, few enough that a province's features are never all held
/// (with their properties) at one time.
#[cfg(not(test))]
const WAVE: usize = 1 << 16;
/// Small waves in tests, so that files of a few features cross several.
#[cfg(test)]
const WAVE: usize = 3;

#[cfg(test)]
thread_local! {
    /// Set by tests to read with the reference reader only.
    static REFERENCE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Reads with the reference reader alone while `f` runs (tests compare
/// the two readers).
#[cfg(test)]
pub(crate) fn with_reference_reader<T>(f: impl FnOnce() -> T) -> T {
    REFERENCE_ONLY.with(|r| r.set(true));
    let out = f();
    REFERENCE_ONLY.with(|r| r.set(false));
    out
}

fn reference_only() -> bool {
    #[cfg(test)]
    return REFERENCE_ONLY.with(std::cell::Cell::get);
    #[cfg(not(test))]
    false
}

/// Hands every feature of a GeoJSON document to `each`, in file order, and
/// returns the warnings about entries of a FeatureCollection that are not
/// Features (they stand before the layer's own warnings).
///
/// A plain FeatureCollection is cut into its entries by
/// [`feature_split`], and the entries are parsed in waves on all cores
/// straight into [`RawFeature`]s; each wave is handed on and dropped before
/// the next is read. Any other document goes through
/// [`read_features_reference`], and so does a document with a JSON error,
/// so that errors are the reference reader's, with the feature they lie in
/// named.
fn for_each_feature(
    source: &Source,
    text: &str,
    mut each: impl FnMut(RawFeature) + Send,
) -> Result<Vec<LoadWarning>, LoadError> {
    let split = if reference_only() {
        Split::Other {
            entries: Vec::new(),
        }
    } else {
        feature_split::split_feature_collection(text)
    };
    let entries = match split {
        Split::Features(entries) => entries,
        Split::Other { entries } => {
            let (features, warnings) = read_features_reference(source, text)
                .map_err(|e| name_the_feature(e, text, &entries))?;
            features.into_iter().for_each(each);
            return Ok(warnings);
        }
    };
    // Wave k is handed on while wave k + 1 is parsed.
    let parse = |w: usize| -> Vec<Option<Result<RawFeature, String>>> {
        let first = w * WAVE + 1;
        entries
            .chunks(WAVE)
            .nth(w)
            .unwrap_or_default()
            .par_iter()
            .enumerate()
            .map(|(i, entry)| feature_entry(first + i, entry))
            .collect()
    };
    let waves = entries.len().div_ceil(WAVE);
    let mut warnings = Vec::new();
    let mut current = (waves > 0).then(|| parse(0));
    let mut w = 0;
    while let Some(parsed) = current.take() {
        let first = w * WAVE + 1;
        let (next, not_json) = rayon::join(
            || (w + 1 < waves).then(|| parse(w + 1)),
            || {
                for (i, f) in parsed.into_iter().enumerate() {
                    match f {
                        Some(Ok(f)) => each(f),
                        Some(Err(why)) => {
                            warnings.push(source.warning(Some(first + i), None, why));
                        }
                        None => return Some(first + i),
                    }
                }
                None
            },
        );
        if let Some(number) = not_json {
            // The reference reader's message, with the feature it lies in.
            let ranges: Vec<(usize, usize)> = entries
                .iter()
                .map(|e| {
                    let start = (e.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
                    (start, start + e.len())
                })
                .collect();
            return Err(match read_features_reference(source, text) {
                Err(e) => name_the_feature(e, text, &ranges),
                Ok(_) => LoadError::Json {
                    message: format!("feature {number} is not JSON"),
                    path: source.path.clone(),
                },
            });
        }
        current = next;
        w += 1;
    }
    Ok(warnings)
}

/// All features of a GeoJSON document and the warnings about entries that
/// are not Features (see [`for_each_feature`]).
fn read_features(
    source: &Source,
    text: &str,
) -> Result<(Vec<RawFeature>, Vec<LoadWarning>), LoadError> {
    let mut features = Vec::new();
    let warnings = for_each_feature(source, text, |f| features.push(f))?;
    Ok((features, warnings))
}

/// One entry of a plain FeatureCollection, or `None` when it is not JSON.
fn feature_entry(number: usize, text: &str) -> Option<Result<RawFeature, String>> {
    match serde_json::from_str::<RawEntry<'_>>(text) {
        Ok(entry) => Some(feature_from(number, entry)),
        Err(_) if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() => None,
        Err(_) => Some(feature(number, text)),
    }
}

/// A JSON error of the file with the feature it lies in named, when it
/// lies in (or cuts off) the `"features"` list: "EOF while parsing a list
/// at line 9 column 1, in feature 7".
fn name_the_feature(error: LoadError, text: &str, entries: &[(usize, usize)]) -> LoadError {
    let LoadError::Json { message, path } = error else {
        return error;
    };
    let at = message.rsplit_once(" at line ").and_then(|(_, at)| {
        let (line, column) = at.split_once(" column ")?;
        Some((line.parse::<usize>().ok()?, column.parse::<usize>().ok()?))
    });
    let number = at.and_then(|(line, column)| {
        feature_split::entry_at(entries, feature_split::offset_of(text, line, column))
    });
    let message = match number {
        Some(n) => format!("{message}, in feature {n}"),
        None => message,
    };
    LoadError::Json { message, path }
}

/// Splits a GeoJSON document into features the slow, obvious way (the
/// reference the fast reader is tested against, and the reader of every
/// document that is not a plain FeatureCollection); entries of a
/// FeatureCollection that are not Features become warnings.
fn read_features_reference(
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
            // Valid JSON but not an object: say what it is (read without
            // building it, so a huge cut-off file costs no memory).
            let shape: JsonShape = serde_json::from_str(text).map_err(json_error)?;
            return Err(not_geojson(shape.0.to_string()));
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
                .map(|(i, entry)| feature(i + 1, entry.get()))
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
            vec![feature(1, whole.get()).map_err(not_geojson)?]
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

/// What a JSON document is ("a list", "a number" …), found by reading it
/// through without keeping anything: the same checks, and so the same
/// errors, as reading it into a `serde_json::Value`.
struct JsonShape(&'static str);

impl<'de> serde::Deserialize<'de> for JsonShape {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = JsonShape;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<JsonShape, E> {
                Ok(JsonShape("a true/false value"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<JsonShape, E> {
                Ok(JsonShape("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<JsonShape, E> {
                Ok(JsonShape("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<JsonShape, E> {
                Ok(JsonShape("a number"))
            }
            fn visit_str<E>(self, _: &str) -> Result<JsonShape, E> {
                Ok(JsonShape("a text"))
            }
            fn visit_unit<E>(self) -> Result<JsonShape, E> {
                Ok(JsonShape("null"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<JsonShape, A::Error> {
                while seq.next_element::<JsonShape>()?.is_some() {}
                Ok(JsonShape("a list"))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<JsonShape, A::Error> {
                while map.next_entry::<JsonShape, JsonShape>()?.is_some() {}
                Ok(JsonShape("an object"))
            }
        }
        d.deserialize_any(Visitor)
    }
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

/// One entry of a FeatureCollection (or a whole-file Feature) from its
/// JSON text, or why it is not a Feature.
fn feature(number: usize, raw: &str) -> Result<RawFeature, String> {
    let entry: RawEntry<'_> = match serde_json::from_str(raw) {
        Ok(entry) => entry,
        Err(e) if duplicate_key(&e).is_some() => {
            let twice = duplicate_key(&e).unwrap_or_default();
            return Err(format!("{twice} in this feature; it is skipped"));
        }
        Err(_) => {
            let value: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
            return Err(format!(
                "is {}, not a Feature; it is skipped",
                json_kind(&value)
            ));
        }
    };
    feature_from(number, entry)
}

/// A parsed entry as a feature, or why it is not one.
fn feature_from(number: usize, entry: RawEntry<'_>) -> Result<RawFeature, String> {
    // The usual spelling is taken as it stands, without making a `Value`.
    let plain = entry.kind.is_some_and(|k| k.get() == "\"Feature\"");
    if !plain {
        match entry.kind.map(|k| serde_json::from_str::<Value>(k.get())) {
            Some(Ok(Value::String(k))) if k == "Feature" => {}
            Some(Ok(Value::String(other))) => {
                return Err(format!(
                    "has type {other:?}, not \"Feature\"; it is skipped"
                ));
            }
            _ => return Err("has no \"type\": \"Feature\"; it is skipped".to_string()),
        }
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
    let mut warnings = Vec::new();
    let mut items: Vec<Township> = Vec::new();
    let mut numbers: Vec<usize> = Vec::new();
    let mut first_with_name: HashMap<String, usize> = HashMap::new();
    let entry_warnings = for_each_feature(source, text, |mut f| {
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
                return;
            }
        };
        let Some(name) = name.clone() else {
            warn("has no name (townships need a \"name\" property); it is skipped".to_string());
            return;
        };
        if let Some(first) = first_with_name.get(&name) {
            warn(format!(
                "township name {name:?} is already used by feature {first}; this one is skipped"
            ));
            return;
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
        numbers.push(f.number);
        items.push(Township {
            name,
            code: fields::text(&fields::property(&f.properties, fields::CODE)),
            boundary,
        });
    })?;
    warnings.splice(0..0, entry_warnings);
    source.finish(LayerKind::Townships, items, Some(numbers), warnings)
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
    let mut builder = FacilityBuilder::new(source, matcher, Vec::new());
    let entry_warnings = for_each_feature(source, text, |mut f| {
        let location = f
            .geometry()
            .and_then(|g| single_point(&g, LayerKind::Facilities));
        builder.add_properties(f.number, f.label(fields::NAME), &f.properties, location);
    })?;
    builder.warnings_first(entry_warnings);
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
    let mut builder = ResidentBuilder::new(source, Vec::new());
    let mut add = |mut f: RawFeature| {
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
    };
    match spreader {
        Some(s) => {
            let (features, mut warnings) = read_features(source, text)?;
            let features = spread_features(source, features, s, &mut warnings)?;
            features.into_iter().for_each(&mut add);
            builder.warnings_first(warnings);
        }
        None => {
            let entry_warnings = for_each_feature(source, text, &mut add)?;
            builder.warnings_first(entry_warnings);
        }
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
    Ok(Loaded {
        items,
        numbers: None,
        warnings,
    })
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
    Ok(Loaded {
        items,
        numbers: None,
        warnings,
    })
}

/// Roads: LineStrings; a MultiLineString gives one road per line.
pub(crate) fn roads(source: &Source, text: &str) -> Result<Loaded<Road>, LoadError> {
    let mut warnings = Vec::new();
    let mut items = Vec::new();
    let mut numbers = Vec::new();
    let entry_warnings = for_each_feature(source, text, |mut f| {
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
                return;
            }
            Err(why) => {
                warn(format!("{why}; it is skipped"));
                return;
            }
        };
        if lines.is_empty() {
            warn("the MultiLineString has no lines; it is skipped".to_string());
            return;
        }
        let highway = fields::text(&fields::property(&f.properties, fields::HIGHWAY));
        let oneway = fields::oneway(&fields::property(&f.properties, fields::ONEWAY));
        let maxspeed_kmh = fields::maxspeed_kmh(&fields::property(&f.properties, fields::MAXSPEED));
        let several = lines.len() > 1;
        for (i, positions) in lines.iter().enumerate() {
            match geometry::line(positions) {
                Ok(line) => {
                    numbers.push(number);
                    items.push(Road {
                        line,
                        highway: highway.clone(),
                        oneway,
                        maxspeed_kmh,
                    })
                }
                Err(why) if several => warn(format!("line {}: {why}; that line is skipped", i + 1)),
                Err(why) => warn(format!("{why}; it is skipped")),
            }
        }
    })?;
    warnings.splice(0..0, entry_warnings);
    source.finish(LayerKind::Roads, items, Some(numbers), warnings)
}
