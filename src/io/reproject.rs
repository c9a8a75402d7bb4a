//! Bringing GeoJSON-shaped features into the form the layer readers expect:
//! coordinates in WGS84, and the attributes the user chose copied to the
//! standard names (`name`, `category`, `population`).
//!
//! GeoJSON files in WGS84 with the usual attribute names pass through
//! untouched (and unparsed). Others — a GeoJSON in a Gauss–Krüger zone (an
//! old-style `crs` member, or the user's choice), or a Shapefile already
//! turned into features — are rewritten once. A feature whose coordinates
//! cannot be converted loses its geometry, and the reason replaces the
//! reader's "has no geometry" in the warnings afterwards.

use super::crs::{CoordinateSystem, Crs, Transform};
use super::datum::DatumShift;
use super::options::ColumnChoice;
use super::{LoadError, Loaded, Source};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// The reader's message for a feature without geometry.
const NO_GEOMETRY: &str = "has no geometry; it is skipped";

/// Features ready for the layer readers, and what happened on the way.
#[derive(Debug)]
pub(crate) struct Prepared<'t> {
    pub text: Cow<'t, str>,
    /// File-level notes (conversion done, slips forgiven).
    pub notes: Vec<String>,
    /// Why the geometry of feature N (1-based) was dropped.
    pub dropped: HashMap<usize, String>,
    /// The coordinate system used.
    pub system: String,
}

/// The EPSG code an old-style GeoJSON `crs` member names
/// (`urn:ogc:def:crs:EPSG::4549`, `EPSG:4549`, `…CRS84` = WGS84).
fn crs_member_code(crs: &Value) -> Option<u32> {
    let name = crs.get("properties")?.get("name")?.as_str()?;
    let upper = name.to_ascii_uppercase();
    if upper.ends_with("CRS84") {
        return Some(4326);
    }
    let digits: String = upper
        .rsplit([':', '/'])
        .next()?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    (upper.contains("EPSG") && !digits.is_empty())
        .then(|| digits.parse().ok())
        .flatten()
}

/// The coordinate system for a GeoJSON document: the user's choice, else
/// its `crs` member, else WGS84.
fn system_for(
    source: &Source,
    crs: Crs,
    shift: Option<&DatumShift>,
    root_crs: Option<&Value>,
) -> Result<CoordinateSystem, LoadError> {
    let to_error = |message: String| LoadError::Crs {
        message,
        path: source.path.clone(),
    };
    if let Some(chosen) = CoordinateSystem::from_choice_with(crs, shift) {
        return chosen.map_err(to_error);
    }
    match root_crs {
        None | Some(Value::Null) => Ok(CoordinateSystem::wgs84()),
        Some(member) => match crs_member_code(member) {
            Some(code) => CoordinateSystem::from_epsg_with(code, shift)
                .map_err(|e| to_error(format!("the file's \"crs\" member names {e}"))),
            None => Err(to_error(format!(
                "the file's \"crs\" member ({member}) names no EPSG code; give the coordinate system explicitly"
            ))),
        },
    }
}

/// Converts every position under `value` (nested coordinate arrays).
fn convert_positions(value: &mut Value, t: &Transform) -> Result<(), String> {
    let Value::Array(items) = value else {
        return Ok(());
    };
    let is_position = items.len() >= 2 && items.iter().take(2).all(Value::is_number);
    if !is_position {
        return items.iter_mut().try_for_each(|v| convert_positions(v, t));
    }
    let x = items[0].as_f64().unwrap_or(f64::NAN);
    let y = items[1].as_f64().unwrap_or(f64::NAN);
    let (lon, lat) = t.apply(x, y)?;
    match (Number::from_f64(lon), Number::from_f64(lat)) {
        (Some(lon), Some(lat)) => {
            items[0] = Value::Number(lon);
            items[1] = Value::Number(lat);
            Ok(())
        }
        _ => Err(format!(
            "coordinates ({x:?}, {y:?}) do not convert to a finite position"
        )),
    }
}

/// Converts a geometry object in place (GeometryCollections included).
pub(crate) fn convert_geometry(geometry: &mut Value, t: &Transform) -> Result<(), String> {
    if let Some(parts) = geometry.get_mut("geometries").and_then(Value::as_array_mut) {
        return parts.iter_mut().try_for_each(|g| convert_geometry(g, t));
    }
    match geometry.get_mut("coordinates") {
        Some(c) => convert_positions(c, t),
        None => Ok(()),
    }
}

/// Copies the chosen attributes to the names the readers look for first.
pub(crate) fn apply_choice(properties: &mut Map<String, Value>, choice: &ColumnChoice) {
    for (chosen, standard) in [
        (&choice.name, "name"),
        (&choice.category, "category"),
        (&choice.population, "population"),
        (&choice.capacity, "capacity"),
    ] {
        let Some(chosen) = chosen else { continue };
        let found = properties
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(chosen.trim()))
            .map(|(_, v)| v.clone());
        properties.insert(standard.to_string(), found.unwrap_or(Value::Null));
    }
}

/// Checks that every chosen attribute exists in some feature.
pub(crate) fn check_choice(
    source: &Source,
    features: &[Value],
    choice: &ColumnChoice,
) -> Result<(), LoadError> {
    let mut keys: Vec<String> = Vec::new();
    for f in features {
        if let Some(props) = f.get("properties").and_then(Value::as_object) {
            for k in props.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    for (chosen, what) in [
        (&choice.name, "name"),
        (&choice.category, "category"),
        (&choice.population, "population"),
        (&choice.capacity, "capacity"),
    ] {
        if let Some(c) = chosen
            && !keys.iter().any(|k| k.trim().eq_ignore_ascii_case(c.trim()))
        {
            return Err(LoadError::NoSuchColumn {
                what,
                column: c.clone(),
                columns: keys,
                path: source.path.clone(),
            });
        }
    }
    Ok(())
}

/// Prepares a GeoJSON document without a datum transformation.
#[cfg(test)]
pub(crate) fn prepare_geojson<'t>(
    source: &Source,
    text: &'t str,
    crs: Crs,
    choice: &ColumnChoice,
) -> Result<Prepared<'t>, LoadError> {
    prepare_geojson_with(source, text, crs, None, choice)
}

/// Prepares a GeoJSON document (see module docs); `shift` is the user's
/// transformation for Beijing 1954 / Xian 1980.
pub(crate) fn prepare_geojson_with<'t>(
    source: &Source,
    text: &'t str,
    crs: Crs,
    shift: Option<&DatumShift>,
    choice: &ColumnChoice,
) -> Result<Prepared<'t>, LoadError> {
    #[derive(serde::Deserialize)]
    struct Peek {
        #[serde(default)]
        crs: Option<Value>,
    }
    // Only a file that may carry an old-style `crs` member is looked at
    // twice; a big WGS84 file is passed on unparsed.
    let root_crs =
        if crs == Crs::FromPrj && memchr::memmem::find(text.as_bytes(), b"\"crs\"").is_some() {
            serde_json::from_str::<Peek>(text).ok().and_then(|p| p.crs)
        } else {
            None
        };
    let system = system_for(source, crs, shift, root_crs.as_ref())?;
    let unchanged = Prepared {
        text: Cow::Borrowed(text),
        notes: Vec::new(),
        dropped: HashMap::new(),
        system: system.name.clone(),
    };
    if system.is_wgs84() && choice.is_empty() && system.caveat.is_none() {
        return Ok(unchanged);
    }
    // What is not JSON is left to the reader's own messages.
    let Ok(mut root) = serde_json::from_str::<Value>(text) else {
        return Ok(unchanged);
    };
    if let Some(object) = root.as_object_mut() {
        object.remove("crs");
    }
    let transform = Transform::new(system);
    let mut dropped = HashMap::new();
    match root.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            if let Some(features) = root.get_mut("features").and_then(Value::as_array_mut) {
                check_choice(source, features, choice)?;
                for (i, f) in features.iter_mut().enumerate() {
                    prepare_feature(f, &transform, choice, i + 1, &mut dropped);
                }
            }
        }
        Some("Feature") => {
            check_choice(source, std::slice::from_ref(&root), choice)?;
            prepare_feature(&mut root, &transform, choice, 1, &mut dropped);
        }
        Some(_) => {
            if let Err(why) = convert_geometry(&mut root, &transform) {
                dropped.insert(1, why);
                root = Value::Null;
            }
        }
        None => return Ok(unchanged),
    }
    let text = serde_json::to_string(&root).map_err(|e| LoadError::Json {
        message: e.to_string(),
        path: source.path.clone(),
    })?;
    Ok(Prepared {
        text: Cow::Owned(text),
        notes: transform.notes(),
        dropped,
        system: transform.system.name.clone(),
    })
}

fn prepare_feature(
    feature: &mut Value,
    transform: &Transform,
    choice: &ColumnChoice,
    number: usize,
    dropped: &mut HashMap<usize, String>,
) {
    let Some(object) = feature.as_object_mut() else {
        return;
    };
    if !choice.is_empty()
        && let Some(Value::Object(props)) = object.get_mut("properties")
    {
        apply_choice(props, choice);
    }
    if let Some(geometry) = object.get_mut("geometry")
        && !geometry.is_null()
        && let Err(why) = convert_geometry(geometry, transform)
    {
        dropped.insert(number, why);
        *geometry = Value::Null;
    }
}

/// Puts the real reasons for dropped geometries into the warnings, and the
/// notes first.
pub(crate) fn finish<T>(
    source: &Source,
    loaded: Result<Loaded<T>, LoadError>,
    notes: Vec<String>,
    dropped: &HashMap<usize, String>,
) -> Result<Loaded<T>, LoadError> {
    match loaded {
        Ok(mut loaded) => {
            for w in &mut loaded.warnings {
                if let Some(why) = w.feature.and_then(|n| dropped.get(&n))
                    && w.message == NO_GEOMETRY
                {
                    w.message = format!("{why}; it is skipped");
                }
            }
            let notes = notes.into_iter().map(|n| source.warning(None, None, n));
            loaded.warnings.splice(0..0, notes);
            Ok(loaded)
        }
        Err(LoadError::NothingUsable {
            layer,
            mut problems,
            more,
            path,
        }) => {
            for p in &mut problems {
                for (n, why) in dropped {
                    let prefix = format!("feature {n}");
                    let numbered = p
                        .strip_prefix(&prefix)
                        .is_some_and(|rest| rest.starts_with([':', ' ']));
                    if numbered && p.ends_with(NO_GEOMETRY) {
                        let keep = p.len() - NO_GEOMETRY.len();
                        *p = format!("{}{why}; it is skipped", &p[..keep]);
                    }
                }
            }
            Err(LoadError::NothingUsable {
                layer,
                problems,
                more,
                path,
            })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_members() {
        let member = |name: &str| serde_json::json!({"type": "name", "properties": {"name": name}});
        assert_eq!(
            crs_member_code(&member("urn:ogc:def:crs:EPSG::4549")),
            Some(4549)
        );
        assert_eq!(crs_member_code(&member("EPSG:4528")), Some(4528));
        assert_eq!(
            crs_member_code(&member("urn:ogc:def:crs:OGC:1.3:CRS84")),
            Some(4326)
        );
        assert_eq!(crs_member_code(&member("local")), None);
    }

    #[test]
    fn gauss_kruger_geojson_is_converted_and_bad_points_explained() {
        let text = r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4549"}},
            "features":[
              {"type":"Feature","properties":{"名字":"杭州"},"geometry":{"type":"Point","coordinates":[514923.7343,3350508.8698]}},
              {"type":"Feature","properties":{"名字":"远"},"geometry":{"type":"Point","coordinates":[99999999.0,3350508.8698]}}]}"#;
        let choice = ColumnChoice {
            name: Some("名字".into()),
            ..ColumnChoice::default()
        };
        let source = Source::from_label("p.geojson");
        let p = prepare_geojson(&source, text, Crs::FromPrj, &choice).unwrap();
        assert_eq!(p.system, "CGCS2000 / 3-degree Gauss-Kruger CM 120E");
        let v: Value = serde_json::from_str(&p.text).unwrap();
        let c = &v["features"][0]["geometry"]["coordinates"];
        assert!((c[0].as_f64().unwrap() - 120.1551).abs() < 1e-7, "{c}");
        assert!((c[1].as_f64().unwrap() - 30.2741).abs() < 1e-7, "{c}");
        assert_eq!(v["features"][0]["properties"]["name"], "杭州");
        assert!(v.get("crs").is_none());
        assert!(p.dropped[&2].starts_with("coordinates (99999999.0, 3350508.8698) are not in"));
        let missing = ColumnChoice {
            category: Some("类型".into()),
            ..ColumnChoice::default()
        };
        let err = prepare_geojson(&source, text, Crs::FromPrj, &missing).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no column \"类型\" for the category (found 名字): p.geojson"
        );
        let err = prepare_geojson(&source, text, Crs::Epsg(1), &choice).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("coordinate system not usable (EPSG:1 is not"),
            "{err}"
        );
    }

    #[test]
    fn plain_wgs84_passes_untouched() {
        let text = r#"{"type":"FeatureCollection","features":[]}"#;
        let source = Source::from_label("p.geojson");
        let p = prepare_geojson(&source, text, Crs::FromPrj, &ColumnChoice::default()).unwrap();
        assert!(matches!(p.text, Cow::Borrowed(_)));
        let p = prepare_geojson(&source, "not json", Crs::Gcj02, &ColumnChoice::default()).unwrap();
        assert_eq!(p.text, "not json");
    }
}

/// Whether a GeoJSON file's first position is outside longitude/latitude
/// range (projected metres written without a `crs` member), from its first
/// megabyte: the import dialog then opens to ask for the coordinate system.
pub fn geojson_looks_projected(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(1 << 20).read_to_end(&mut head))
        .is_ok();
    read && first_position_out_of_range(&String::from_utf8_lossy(&head))
}

/// The first two numbers after the first `"coordinates"` key, out of
/// longitude/latitude range.
fn first_position_out_of_range(text: &str) -> bool {
    let Some(at) = text.find("\"coordinates\"") else {
        return false;
    };
    let mut numbers = text[at + "\"coordinates\"".len()..]
        .split(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .filter(|s| !s.is_empty())
        .take(2)
        .map(|s| s.parse::<f64>().ok());
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(x), Some(y)) => x.abs() > 180.0 || y.abs() > 90.0,
        _ => false,
    }
}

#[cfg(test)]
mod projected_tests {
    use super::first_position_out_of_range;

    #[test]
    fn a_projected_first_position_is_noticed() {
        let point = |x: &str, y: &str| {
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"name":"a"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[1,2]]]}}}}]}}"#
            )
        };
        assert!(first_position_out_of_range(&point(
            "40387887.3",
            "3204272.2"
        )));
        assert!(first_position_out_of_range(&point("1.2e6", "3.3e6")));
        assert!(!first_position_out_of_range(&point("118.85", "28.95")));
        assert!(!first_position_out_of_range(&point("-75.5", "-33.1")));
        assert!(!first_position_out_of_range(
            r#"{"type":"FeatureCollection","features":[]}"#
        ));
    }
}
