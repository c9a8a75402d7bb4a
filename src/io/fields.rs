//! Attribute values of input features, read the same way from GeoJSON
//! properties and CSV cells.
//!
//! Real files name their attributes in many ways (`name`, `NAME`, `名称`,
//! `人口`, Geofabrik's `fclass` …) and write numbers as numbers or as text
//! ("50 km/h"). This module turns such values into the model's units and
//! explains in plain words why a value cannot be used.

use crate::model::{Oneway, Settlement};
use serde_json::{Map, Value};

/// Attribute names accepted for a facility's or resident's name, in priority order.
pub(crate) const NAME: &[&str] = &["name", "名称", "名字", "设施名称", "mc"];
/// Attribute names accepted for a township's name.
pub(crate) const TOWNSHIP_NAME: &[&str] = &[
    "name",
    "名称",
    "乡镇名称",
    "乡镇",
    "街道名称",
    "街道",
    "xzmc",
    "mc",
];
/// Attribute names accepted for a township's administrative code.
pub(crate) const CODE: &[&str] = &[
    "code",
    "代码",
    "编码",
    "行政代码",
    "行政区划代码",
    "xzqdm",
    "adcode",
];
/// Attribute names accepted for a facility's category.
pub(crate) const CATEGORY: &[&str] = &["category", "类别", "类型", "分类", "type"];
/// Attribute names accepted for a resident's population.
pub(crate) const POPULATION: &[&str] = &["population", "人口", "人口数", "常住人口", "pop"];
/// Attribute names accepted for a resident's town/village class.
pub(crate) const SETTLEMENT: &[&str] = &["settlement", "城乡", "城乡属性"];
/// Attribute names accepted for a facility's capacity.
pub(crate) const CAPACITY: &[&str] = &["capacity", "容量", "规模"];
/// Attribute names accepted for an Amap type code column.
pub(crate) const TYPE_CODE: &[&str] = &[
    "typecode",
    "type_code",
    "类型编码",
    "类型代码",
    "分类编码",
    "分类代码",
];

/// Attribute names accepted for a road's OSM class (`fclass`: Geofabrik shapefiles).
pub(crate) const HIGHWAY: &[&str] = &["highway", "fclass"];
/// Attribute names accepted for a road's direction rule.
pub(crate) const ONEWAY: &[&str] = &["oneway"];
/// Attribute names accepted for a road's speed limit.
pub(crate) const MAXSPEED: &[&str] = &["maxspeed"];

/// One attribute value as found in the file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Field<'a> {
    /// Absent, JSON `null`, or an empty cell.
    Missing,
    Text(&'a str),
    Number(f64),
    Bool(bool),
    /// A JSON array or object.
    Nested,
}

impl<'a> Field<'a> {
    /// A GeoJSON property value.
    pub(crate) fn from_json(value: Option<&'a Value>) -> Self {
        match value {
            None | Some(Value::Null) => Field::Missing,
            Some(Value::String(s)) => Field::from_cell(Some(s)),
            Some(Value::Number(n)) => n.as_f64().map_or(Field::Nested, Field::Number),
            Some(Value::Bool(b)) => Field::Bool(*b),
            Some(Value::Array(_) | Value::Object(_)) => Field::Nested,
        }
    }

    /// A CSV cell (or JSON string); blank text counts as missing.
    pub(crate) fn from_cell(cell: Option<&'a str>) -> Self {
        match cell.map(str::trim) {
            None | Some("") => Field::Missing,
            Some(s) => Field::Text(s),
        }
    }

    /// How the value reads in a message, e.g. `"abc"`, `-3`, `true`.
    fn shown(&self) -> String {
        match self {
            Field::Missing => "empty".to_string(),
            Field::Text(s) => format!("{s:?}"),
            Field::Number(n) => n.to_string(),
            Field::Bool(b) => b.to_string(),
            Field::Nested => "a list or object".to_string(),
        }
    }
}

/// Normalises an attribute or column name for matching: trimmed, lower case.
pub(crate) fn normalize_key(key: &str) -> String {
    key.trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
}

/// The first property named by `aliases`: an exact key first, then a key that
/// matches when trimmed and ASCII case is ignored (`NAME`, ` Population `).
pub(crate) fn property<'a>(props: &'a Map<String, Value>, aliases: &[&str]) -> Field<'a> {
    if let Some(v) = aliases.iter().find_map(|alias| props.get(*alias)) {
        return Field::from_json(Some(v));
    }
    for alias in aliases {
        let loose = props.iter().find(|(k, _)| {
            k.trim()
                .trim_start_matches('\u{feff}')
                .trim()
                .eq_ignore_ascii_case(alias)
        });
        if let Some((_, v)) = loose {
            return Field::from_json(Some(v));
        }
    }
    Field::Missing
}

/// Index of the first column named by `aliases` (columns already normalised).
pub(crate) fn column(headers: &[String], aliases: &[&str]) -> Option<usize> {
    aliases
        .iter()
        .find_map(|alias| headers.iter().position(|h| h == alias))
}

/// Text of a name-like value: strings as they are, numbers written out
/// (`101`, not `101.0`); `None` when missing or blank.
pub(crate) fn text(field: &Field) -> Option<String> {
    match field {
        Field::Text(s) => Some((*s).to_string()),
        Field::Number(n) => Some(n.to_string()),
        Field::Bool(b) => Some(b.to_string()),
        Field::Missing | Field::Nested => None,
    }
}

/// The most characters a name (of a township, a facility, a resident
/// point) keeps: real names are far shorter, and a name repeats in every
/// row of every table and on every map.
pub const MAX_NAME_CHARS: usize = 200;

/// `text` cut to at most `max` characters, with an ellipsis when cut
/// (names in warnings, on map images and in the app: a 100,000-character
/// township name must not become 100,000 glyphs).
pub fn cut_label(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// A feature's name: its text, cut to [`MAX_NAME_CHARS`] with an ellipsis.
pub(crate) fn name(field: &Field) -> Option<String> {
    text(field).map(|t| cut_label(&t, MAX_NAME_CHARS))
}

/// A number written as a number or as text; `Ok(None)` when missing.
pub(crate) fn number(field: &Field, what: &str) -> Result<Option<f64>, String> {
    let n = match field {
        Field::Missing => return Ok(None),
        Field::Number(n) => *n,
        Field::Text(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("{what} {} is not a number", field.shown()))?,
        Field::Bool(_) | Field::Nested => {
            return Err(format!("{what} {} is not a number", field.shown()));
        }
    };
    if n.is_finite() {
        Ok(Some(n))
    } else {
        Err(format!("{what} {} is not a finite number", field.shown()))
    }
}

pub use crate::model::MAX_POPULATION;

/// The largest capacity a facility may have, in any category's unit
/// (places, beds, m²): beyond it the value is surely a mistake.
pub const MAX_CAPACITY: f64 = 1e7;

/// Population of a demand point: a number from 0 to [`MAX_POPULATION`];
/// missing means 1 (METHOD.md).
pub(crate) fn population(field: &Field) -> Result<f64, String> {
    match number(field, "population")? {
        None => Ok(1.0),
        Some(p) if p < 0.0 => Err(format!("population {p} is negative")),
        Some(p) if p > MAX_POPULATION => Err(format!(
            "population {p:e} is more than {MAX_POPULATION:e} people on one point"
        )),
        Some(p) => Ok(p),
    }
}

/// Prefix of a resident's group-population property: `pop_<group id>`.
pub(crate) const GROUP_PREFIX: &str = "pop_";

/// The group id of a property or column named `pop_<id>` (the prefix in
/// any ASCII case), when it is one.
pub(crate) fn group_of_key(key: &str) -> Option<&str> {
    let key = key.trim().trim_start_matches('\u{feff}').trim();
    let head = key.get(..GROUP_PREFIX.len())?;
    let id = &key[GROUP_PREFIX.len()..];
    (head.eq_ignore_ascii_case(GROUP_PREFIX) && !id.is_empty()).then_some(id)
}

/// A resident's own population of a demand group (METHOD 11): a number
/// of at least 0 (JSON number or numeric text); `Ok(None)` when empty.
/// Anything else is an error saying the group's share is used instead.
pub(crate) fn group_population(field: &Field, group: &str) -> Result<Option<f64>, String> {
    if let Field::Text(t) = field
        && t.trim().is_empty()
    {
        return Ok(None);
    }
    let what = format!("{GROUP_PREFIX}{group}");
    match number(field, &what) {
        Ok(Some(v)) if v > MAX_POPULATION => Err(format!(
            "{what} {v:e} is more than {MAX_POPULATION:e} people on one point; the group's share of the population is used instead"
        )),
        Ok(Some(v)) if v >= 0.0 => Ok(Some(v)),
        Ok(Some(v)) => Err(format!(
            "{what} {v} is negative; the group's share of the population is used instead"
        )),
        Ok(None) => Ok(None),
        Err(why) => Err(format!(
            "{why}; the group's share of the population is used instead"
        )),
    }
}

/// Optional town/village class of a resident (METHOD 20): `town`,
/// `village`, 镇区 or 乡村 (case and spaces ignored); empty means not given.
pub(crate) fn settlement(field: &Field) -> Result<Option<Settlement>, String> {
    match field {
        Field::Missing => Ok(None),
        Field::Text(t) if t.trim().is_empty() => Ok(None),
        other => {
            let text = text(other).unwrap_or_default();
            Settlement::parse(&text).map(Some).ok_or_else(|| {
                format!(
                    "settlement \"{text}\" is not town, village, 镇区 or 乡村; it is counted in neither class"
                )
            })
        }
    }
}

/// Optional capacity of a facility: a number > 0 and at most
/// [`MAX_CAPACITY`] (METHOD 13: otherwise the category's default applies).
pub(crate) fn capacity(field: &Field) -> Result<Option<f64>, String> {
    match number(field, "capacity")? {
        Some(c) if c < 0.0 => Err(format!("capacity {c} is negative")),
        Some(c) if c <= 0.0 => Err("capacity 0 is not a number > 0".to_string()),
        Some(c) if c > MAX_CAPACITY => Err(format!("capacity {c:e} is more than {MAX_CAPACITY:e}")),
        c => Ok(c),
    }
}

/// Direction rule of a road: `yes`/`true`/`1` forward, `-1`/`reverse`
/// backward; Geofabrik's `F` (forward) and `T` (against the line) too.
/// Anything else, including missing, is two-way.
pub(crate) fn oneway(field: &Field) -> Oneway {
    match field {
        Field::Bool(true) => Oneway::Forward,
        Field::Number(n) if *n == 1.0 => Oneway::Forward,
        Field::Number(n) if *n == -1.0 => Oneway::Backward,
        Field::Text("F") => Oneway::Forward,
        Field::Text("T") => Oneway::Backward,
        Field::Text(s) => match s.to_ascii_lowercase().as_str() {
            "yes" | "true" | "1" => Oneway::Forward,
            "-1" | "reverse" => Oneway::Backward,
            _ => Oneway::No,
        },
        _ => Oneway::No,
    }
}

/// Posted speed in km/h: a positive number, or text such as `"50"`,
/// `"50 km/h"`, `"30 mph"` (converted) or `"10 knots"`. Anything else
/// (`"none"`, `"signals"`, `"RU:urban"`, `0`) is `None`.
pub(crate) fn maxspeed_kmh(field: &Field) -> Option<f64> {
    let kmh = match field {
        Field::Number(n) => *n,
        Field::Text(s) => {
            let s = s.trim().to_ascii_lowercase();
            let split = s
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(s.len());
            let (digits, unit) = s.split_at(split);
            let value: f64 = digits.parse().ok()?;
            let factor = match unit.trim() {
                "" | "km/h" | "kmh" | "kph" | "km" => 1.0,
                "mph" => 1.609_344,
                "knots" | "kn" => 1.852,
                _ => return None,
            };
            value * factor
        }
        _ => return None,
    };
    (kmh.is_finite() && kmh > 0.0).then_some(kmh)
}

/// Whether a column header names a longitude (`lon`, `lng`, `longitude`,
/// `经度`, `经度wgs84`, `lng_wgs84`, `x` …), and how strongly: headers that
/// mention WGS84 rank above plain ones, plain ones above `x`.
pub(crate) fn longitude_rank(header: &str) -> Option<u8> {
    coordinate_rank(
        header,
        &["lon", "lng", "long", "longitude"],
        "经度",
        &["x", "point_x"],
    )
}

/// Like [`longitude_rank`] for latitude (`lat`, `latitude`, `纬度`, `y` …).
pub(crate) fn latitude_rank(header: &str) -> Option<u8> {
    coordinate_rank(header, &["lat", "latitude"], "纬度", &["y", "point_y"])
}

fn coordinate_rank(header: &str, words: &[&str], chinese: &str, plain: &[&str]) -> Option<u8> {
    let h = normalize_key(header);
    if plain.contains(&h.as_str()) {
        return Some(1);
    }
    let not_letter = |c: Option<char>| !c.is_some_and(|c| c.is_ascii_alphabetic());
    let named = h.starts_with(chinese)
        || words.iter().any(|w| {
            h.strip_prefix(w)
                .is_some_and(|rest| not_letter(rest.chars().next()))
                || h.strip_suffix(w)
                    .is_some_and(|rest| not_letter(rest.chars().next_back()))
        });
    match named {
        false => None,
        true if h.contains("wgs") => Some(3),
        true => Some(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn population_rules() {
        assert_eq!(population(&Field::Missing), Ok(1.0));
        assert_eq!(population(&Field::Number(12.5)), Ok(12.5));
        assert_eq!(population(&Field::Text(" 40 ")), Ok(40.0));
        assert_eq!(population(&Field::Number(0.0)), Ok(0.0));
        assert_eq!(
            population(&Field::Number(-3.0)),
            Err("population -3 is negative".to_string())
        );
        assert_eq!(
            population(&Field::Text("abc")),
            Err("population \"abc\" is not a number".to_string())
        );
        assert_eq!(
            population(&Field::Text("NaN")),
            Err("population \"NaN\" is not a finite number".to_string())
        );
        assert!(population(&Field::Bool(true)).is_err());
        assert!(population(&Field::Nested).is_err());
        assert_eq!(population(&Field::Number(MAX_POPULATION)), Ok(1e7));
        assert_eq!(
            population(&Field::Number(1.797e308)),
            Err("population 1.797e308 is more than 1e7 people on one point".to_string())
        );
    }

    #[test]
    fn group_populations_are_bounded_like_populations() {
        assert_eq!(
            group_population(&Field::Number(3.0), "elderly_60"),
            Ok(Some(3.0))
        );
        let err = group_population(&Field::Number(1.797e308), "elderly_60").unwrap_err();
        assert!(
            err.starts_with("pop_elderly_60 1.797e308 is more than 1e7 people on one point"),
            "{err}"
        );
    }

    #[test]
    fn capacity_rules() {
        assert_eq!(capacity(&Field::Missing), Ok(None));
        assert_eq!(capacity(&Field::Number(60.0)), Ok(Some(60.0)));
        assert!(
            capacity(&Field::Number(0.0))
                .unwrap_err()
                .contains("not a number > 0")
        );
        assert!(
            capacity(&Field::Number(-1.0))
                .unwrap_err()
                .contains("negative")
        );
        assert!(
            capacity(&Field::Number(2e7))
                .unwrap_err()
                .contains("2e7 is more than 1e7")
        );
        assert!(
            capacity(&Field::Text("inf"))
                .unwrap_err()
                .contains("not a finite")
        );
    }

    #[test]
    fn maxspeed_parsing() {
        assert_eq!(maxspeed_kmh(&Field::Number(50.0)), Some(50.0));
        assert_eq!(maxspeed_kmh(&Field::Text("50")), Some(50.0));
        assert_eq!(maxspeed_kmh(&Field::Text("50 km/h")), Some(50.0));
        assert_eq!(maxspeed_kmh(&Field::Text("60kmh")), Some(60.0));
        let mph = maxspeed_kmh(&Field::Text("30 mph")).unwrap();
        assert!((mph - 48.28032).abs() < 1e-9, "{mph}");
        assert_eq!(maxspeed_kmh(&Field::Text("none")), None);
        assert_eq!(maxspeed_kmh(&Field::Text("signals")), None);
        assert_eq!(maxspeed_kmh(&Field::Text("RU:urban")), None);
        assert_eq!(maxspeed_kmh(&Field::Text("50;30")), None);
        assert_eq!(maxspeed_kmh(&Field::Number(0.0)), None);
        assert_eq!(maxspeed_kmh(&Field::Number(-20.0)), None);
        assert_eq!(maxspeed_kmh(&Field::Missing), None);
        assert_eq!(maxspeed_kmh(&Field::Text("")), None);
        assert_eq!(maxspeed_kmh(&Field::Text(".")), None);
    }

    #[test]
    fn oneway_values() {
        for yes in ["yes", "YES", "true", "1", "F"] {
            assert_eq!(oneway(&Field::Text(yes)), Oneway::Forward, "{yes}");
        }
        for back in ["-1", "reverse", "T"] {
            assert_eq!(oneway(&Field::Text(back)), Oneway::Backward, "{back}");
        }
        for no in ["no", "B", "alternating", ""] {
            assert_eq!(oneway(&Field::Text(no)), Oneway::No, "{no}");
        }
        assert_eq!(oneway(&Field::Bool(true)), Oneway::Forward);
        assert_eq!(oneway(&Field::Number(-1.0)), Oneway::Backward);
        assert_eq!(oneway(&Field::Missing), Oneway::No);
    }

    #[test]
    fn properties_match_loosely() {
        let props = json!({"NAME": "航埠镇", "人口": "1200", "code": 330802101})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(property(&props, TOWNSHIP_NAME), Field::Text("航埠镇"));
        assert_eq!(property(&props, POPULATION), Field::Text("1200"));
        assert_eq!(text(&property(&props, CODE)).as_deref(), Some("330802101"));
        assert_eq!(property(&props, CAPACITY), Field::Missing);
    }

    #[test]
    fn coordinate_headers() {
        for lon in [
            "lon",
            "LNG",
            " longitude ",
            "经度",
            "经度wgs84",
            "lng_wgs84",
            "wgs84_lng",
            "x",
        ] {
            assert!(longitude_rank(lon).is_some(), "{lon}");
        }
        for not_lon in ["salon", "longname", "lat", "名称", "xx"] {
            assert!(longitude_rank(not_lon).is_none(), "{not_lon}");
        }
        assert!(longitude_rank("经度wgs84") > longitude_rank("经度"));
        assert!(longitude_rank("lon") > longitude_rank("x"));
        for lat in ["lat", "Latitude", "纬度", "纬度WGS84", "y"] {
            assert!(latitude_rank(lat).is_some(), "{lat}");
        }
        assert!(latitude_rank("plate").is_none());
    }
}
