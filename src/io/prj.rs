//! Reading the WKT of a Shapefile's `.prj` into a [`CoordinateSystem`].
//!
//! ArcGIS and QGIS write WKT1 (`PROJCS[…, GEOGCS[…], PROJECTION["Gauss_Kruger"],
//! PARAMETER[…]…]`); newer tools may write WKT2 (`PROJCRS[…, BASEGEOGCRS[…],
//! CONVERSION[…, METHOD[…], PARAMETER[…]]]`). Both are parsed into a small
//! tree; an EPSG code in the WKT decides when LifeCircle knows it, otherwise
//! the projection method and its parameters do: transverse Mercator and
//! Mercator on WGS84/CGCS2000 with our own code, Albers, Lambert conformal
//! conic and the Beijing 1954 / Xian 1980 datums (with the user's
//! transformation) as a proj definition for the projection library. Anything
//! else is refused with a message that names the WKT's PROJECTION and
//! GEOGCS, so the user can look the system up and pass it explicitly.

use super::crs::{CoordinateSystem, old_datum_of_epsg};
use super::datum::{DatumShift, OldDatum};

/// One WKT value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    /// A bare word such as `EAST` or `Cartesian`.
    Word(String),
    Node(Node),
}

/// `KEYWORD[value, value, …]`.
#[derive(Clone, Debug, PartialEq)]
struct Node {
    keyword: String,
    values: Vec<Value>,
}

impl Node {
    /// The first text value: the name of a CRS, datum, parameter …
    fn name(&self) -> Option<&str> {
        self.values.iter().find_map(|v| match v {
            Value::Text(t) => Some(t.as_str()),
            _ => None,
        })
    }

    /// The `i`-th number among the values.
    fn number(&self, i: usize) -> Option<f64> {
        self.values
            .iter()
            .filter_map(|v| match v {
                Value::Number(n) => Some(*n),
                Value::Text(t) => t.trim().parse().ok(),
                _ => None,
            })
            .nth(i)
    }

    fn children(&self) -> impl Iterator<Item = &Node> {
        self.values.iter().filter_map(|v| match v {
            Value::Node(n) => Some(n),
            _ => None,
        })
    }

    /// The first direct child with one of `keywords`.
    fn child(&self, keywords: &[&str]) -> Option<&Node> {
        self.children()
            .find(|c| keywords.contains(&c.keyword.as_str()))
    }

    /// The first node with one of `keywords` anywhere below (depth first).
    fn find(&self, keywords: &[&str]) -> Option<&Node> {
        self.children().find_map(|c| {
            if keywords.contains(&c.keyword.as_str()) {
                Some(c)
            } else {
                c.find(keywords)
            }
        })
    }

    /// An EPSG code given directly on this node (`AUTHORITY["EPSG","4528"]`
    /// or `ID["EPSG",4528]`).
    fn epsg(&self) -> Option<u32> {
        let id = self.child(&["AUTHORITY", "ID"])?;
        if !id.name()?.eq_ignore_ascii_case("epsg") {
            return None;
        }
        let code = id.values.get(1)?;
        match code {
            Value::Number(n) if n.fract() == 0.0 && *n > 0.0 && *n < 1e9 => Some(*n as u32),
            Value::Text(t) => t.trim().parse().ok(),
            _ => None,
        }
    }
}

/// Nesting deeper than this is not a `.prj` (and must not overflow the stack).
const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.chars.peek().is_some_and(|c| c.is_whitespace()) {
            self.chars.next();
        }
    }

    fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some(&c) = self.chars.peek() {
            if c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+') {
                w.push(c);
                self.chars.next();
            } else {
                break;
            }
        }
        w
    }

    fn node(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err("the WKT is nested too deeply".to_string());
        }
        self.skip_space();
        let keyword = self.word().to_ascii_uppercase();
        if keyword.is_empty() {
            return Err("the WKT does not start with a keyword such as PROJCS or GEOGCS".into());
        }
        self.skip_space();
        let close = match self.chars.next() {
            Some('[') => ']',
            Some('(') => ')',
            _ => return Err(format!("{keyword} is not followed by '['")),
        };
        let mut values = Vec::new();
        loop {
            self.skip_space();
            match self.chars.peek().copied() {
                Some(c) if c == close => {
                    self.chars.next();
                    return Ok(Node { keyword, values });
                }
                Some(',') => {
                    self.chars.next();
                }
                Some('"') => {
                    self.chars.next();
                    values.push(Value::Text(self.quoted()?));
                }
                Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => {
                    let w = self.word();
                    let n = w
                        .parse()
                        .map_err(|_| format!("{w:?} in {keyword} is not a number"))?;
                    values.push(Value::Number(n));
                }
                Some(c) if c.is_alphabetic() => {
                    let mut probe = Parser {
                        chars: self.chars.clone(),
                    };
                    let w = probe.word();
                    probe.skip_space();
                    if matches!(probe.chars.peek(), Some('[' | '(')) {
                        values.push(Value::Node(self.node(depth + 1)?));
                    } else {
                        self.chars = probe.chars;
                        values.push(Value::Word(w));
                    }
                }
                Some(c) => return Err(format!("unexpected {c:?} in {keyword}")),
                None => return Err(format!("{keyword}[…] is not closed")),
            }
        }
    }

    /// A quoted string after its opening quote; `""` is a quote.
    fn quoted(&mut self) -> Result<String, String> {
        let mut s = String::new();
        loop {
            match self.chars.next() {
                Some('"') if self.chars.peek() == Some(&'"') => {
                    self.chars.next();
                    s.push('"');
                }
                Some('"') => return Ok(s),
                Some(c) => s.push(c),
                None => return Err("a quoted name is not closed".to_string()),
            }
        }
    }
}

fn parse_tree(text: &str) -> Result<Node, String> {
    let text = text.trim_start_matches('\u{feff}');
    let mut p = Parser {
        chars: text.chars().peekable(),
    };
    p.node(0)
}

/// Lower-case letters and digits only: "False_Easting" and "False easting"
/// both become "falseeasting".
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What the WKT says about its datum and projection, for messages.
struct Described {
    geogcs: String,
    projection: Option<String>,
}

impl Described {
    fn text(&self) -> String {
        match &self.projection {
            Some(p) => format!("PROJECTION[{p:?}], GEOGCS[{:?}]", self.geogcs),
            None => format!("GEOGCS[{:?}]", self.geogcs),
        }
    }
}

/// Parses `.prj` text (see module docs).
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<CoordinateSystem, String> {
    parse_with(text, None)
}

/// Parses `.prj` text with the user's transformation for Beijing 1954 /
/// Xian 1980.
pub(crate) fn parse_with(
    text: &str,
    shift: Option<&DatumShift>,
) -> Result<CoordinateSystem, String> {
    let root = parse_tree(text).map_err(|why| format!("the .prj is not readable WKT ({why})"))?;
    let projected = matches!(root.keyword.as_str(), "PROJCS" | "PROJCRS" | "PROJECTEDCRS");
    let geographic = matches!(
        root.keyword.as_str(),
        "GEOGCS" | "GEOGCRS" | "GEOGRAPHICCRS" | "GEODCRS" | "GEODETICCRS"
    );
    if !projected && !geographic {
        return Err(format!(
            "the .prj describes a {} coordinate system, which LifeCircle cannot convert",
            root.keyword
        ));
    }
    let base = if projected {
        root.child(&["GEOGCS", "BASEGEOGCRS", "BASEGEODCRS", "GEOGCRS", "GEODCRS"])
    } else {
        Some(&root)
    };
    let name = root.name().unwrap_or("unnamed").to_string();
    let projection = if projected {
        root.child(&["PROJECTION"])
            .or_else(|| {
                root.child(&["CONVERSION"])
                    .and_then(|c| c.child(&["METHOD"]))
            })
            .and_then(Node::name)
            .map(str::to_string)
            .or_else(|| Some("none".to_string()))
    } else {
        None
    };
    let described = Described {
        geogcs: base.and_then(Node::name).unwrap_or("none").to_string(),
        projection,
    };
    let datum = datum_check(base, &described)?;
    if let Some(code) = root.epsg() {
        match (&datum, old_datum_of_epsg(code)) {
            (Datum::Old(_), Some(_)) | (Datum::Compatible(_), None) => {
                if let Ok(mut known) = CoordinateSystem::from_epsg_with(code, shift) {
                    if let Datum::Compatible(caveat) = &datum {
                        known.caveat = caveat.clone();
                    }
                    return Ok(known);
                }
            }
            _ => {}
        }
    }
    match datum {
        Datum::Compatible(caveat) => {
            let mut cs = if projected {
                projected_system(&root, name, &described)?
            } else {
                geographic_system(&root, name, &described)?
            };
            cs.caveat = caveat;
            Ok(cs)
        }
        Datum::Old(old) => {
            let what = format!("the .prj ({})", described.text());
            let Some(shift) = shift else {
                return Err(old.needs_parameters(&what));
            };
            let spheroid = base.and_then(|b| b.find(&["SPHEROID", "ELLIPSOID"]));
            let ellipsoid = match (
                spheroid.and_then(|s| s.number(0)),
                spheroid.and_then(|s| s.number(1)),
            ) {
                (Some(a), Some(rf)) if a > 6.0e6 && a < 7.0e6 && rf > 250.0 && rf < 350.0 => {
                    format!("+a={a} +rf={rf}")
                }
                _ => old.ellipsoid().to_string(),
            };
            let definition = if projected {
                proj_definition(&root, &described, &ellipsoid)?
            } else {
                geographic_system(&root, name.clone(), &described)?;
                format!("+proj=longlat {ellipsoid} +no_defs")
            };
            CoordinateSystem::old_datum(&name, &definition, old, Some(shift))
        }
    }
}

/// What the datum check found.
enum Datum {
    /// WGS84, CGCS2000 or a datum on their ellipsoid (with a caveat).
    Compatible(Option<String>),
    /// Beijing 1954 or Xian 1980.
    Old(OldDatum),
}

/// Accepts WGS84-compatible datums; recognises Beijing 1954 / Xian 1980;
/// refuses unknown ellipsoids. An unknown datum on the WGS84/GRS80
/// ellipsoid is accepted with a caveat.
fn datum_check(base: Option<&Node>, described: &Described) -> Result<Datum, String> {
    let Some(base) = base else {
        return Err(format!(
            "the .prj names no geographic coordinate system ({})",
            described.text()
        ));
    };
    let datum = base.find(&["DATUM", "TRF"]);
    let spheroid = base.find(&["SPHEROID", "ELLIPSOID"]);
    let names: String = [
        base.name(),
        datum.and_then(Node::name),
        spheroid.and_then(Node::name),
    ]
    .into_iter()
    .flatten()
    .map(squash)
    .collect::<Vec<_>>()
    .join(" ");
    let a = spheroid.and_then(|s| s.number(0));
    let inv_f = spheroid.and_then(|s| s.number(1));
    if names.contains("beijing") || names.contains("krass") {
        return Ok(Datum::Old(OldDatum::Beijing1954));
    }
    if names.contains("xian") || a == Some(6_378_140.0) {
        return Ok(Datum::Old(OldDatum::Xian1980));
    }
    let known = [
        "wgs84",
        "wgs1984",
        "cgcs2000",
        "china2000",
        "chinageodetic",
        "etrs89",
        "etrs1989",
        "euref",
        "itrf",
    ];
    if known.iter().any(|k| names.contains(k)) {
        return Ok(Datum::Compatible(None));
    }
    let wgs_like = a == Some(6_378_137.0)
        && inv_f.is_some_and(|f| {
            (f - 298.257_223_563).abs() < 1e-5 || (f - 298.257_222_101).abs() < 1e-5
        });
    if wgs_like {
        return Ok(Datum::Compatible(Some(format!(
            "the datum of {} is not WGS84 or CGCS2000 but uses the same ellipsoid; it is taken as WGS84, which may be off by a metre or two",
            described.geogcs
        ))));
    }
    Err(format!(
        "the .prj uses a datum LifeCircle cannot convert to WGS84 ({}); reproject the file to WGS84 or CGCS2000 in your GIS, or give its coordinate system explicitly",
        described.text()
    ))
}

fn geographic_system(
    root: &Node,
    name: String,
    described: &Described,
) -> Result<CoordinateSystem, String> {
    if let Some(pm) = root.find(&["PRIMEM"])
        && pm.number(0).is_some_and(|v| v != 0.0)
    {
        return Err(format!(
            "the prime meridian is not Greenwich ({})",
            described.text()
        ));
    }
    if let Some(unit) = root.child(&["UNIT", "ANGLEUNIT"])
        && let Some(radians) = unit.number(0)
        && (radians - 1f64.to_radians()).abs() > 1e-9
    {
        return Err(format!(
            "the angles are in {:?}, not degrees ({})",
            unit.name().unwrap_or("an unknown unit"),
            described.text()
        ));
    }
    Ok(CoordinateSystem::geographic(name))
}

/// The parameters of a projection method, by squashed name.
struct Parameters<'a> {
    nodes: Vec<&'a Node>,
}

impl Parameters<'_> {
    fn get(&self, names: &[&str]) -> Option<f64> {
        self.nodes.iter().find_map(|p| {
            let n = squash(p.name()?);
            names.contains(&n.as_str()).then(|| p.number(0)).flatten()
        })
    }
}

/// A projection method and its parameters, lengths in metres.
struct Projection {
    /// The squashed method name, e.g. "gausskruger", "albers".
    method: String,
    unit: f64,
    cm: f64,
    lat0: f64,
    scale: f64,
    fe: f64,
    fn_: f64,
    lat1: Option<f64>,
    lat2: Option<f64>,
    /// Web/Pseudo-Mercator.
    pseudo: bool,
}

fn projection_of(root: &Node, name: &str, described: &Described) -> Result<Projection, String> {
    let method = squash(described.projection.as_deref().unwrap_or_default());
    let params = Parameters {
        nodes: root
            .children()
            .chain(
                root.child(&["CONVERSION"])
                    .into_iter()
                    .flat_map(Node::children),
            )
            .filter(|n| n.keyword == "PARAMETER")
            .collect(),
    };
    // WKT1: the UNIT of the PROJCS; WKT2: the unit of its axes.
    let unit = root
        .child(&["UNIT", "LENGTHUNIT"])
        .or_else(|| root.find(&["LENGTHUNIT"]))
        .and_then(|u| u.number(0))
        .filter(|u| u.is_finite() && *u > 0.0)
        .unwrap_or(1.0);
    let cm = params
        .get(&[
            "centralmeridian",
            "longitudeofnaturalorigin",
            "longitudeoforigin",
            "longitudeofcenter",
            "longitudeoffalseorigin",
        ])
        .unwrap_or(0.0);
    let lat0 = params
        .get(&[
            "latitudeoforigin",
            "latitudeofnaturalorigin",
            "latitudeofcenter",
            "latitudeoffalseorigin",
        ])
        .unwrap_or(0.0);
    let scale = params
        .get(&["scalefactor", "scalefactoratnaturalorigin"])
        .unwrap_or(1.0);
    let fe = params
        .get(&["falseeasting", "eastingatfalseorigin"])
        .unwrap_or(0.0)
        * unit;
    let fn_ = params
        .get(&["falsenorthing", "northingatfalseorigin"])
        .unwrap_or(0.0)
        * unit;
    let lat1 = params.get(&["standardparallel1", "latitudeof1ststandardparallel"]);
    let lat2 = params.get(&["standardparallel2", "latitudeof2ndstandardparallel"]);
    let usable = [scale, cm, lat0, fe, fn_]
        .into_iter()
        .chain(lat1)
        .chain(lat2)
        .all(f64::is_finite)
        && scale > 0.0;
    if !usable {
        return Err(format!(
            "the projection parameters are not usable ({})",
            described.text()
        ));
    }
    let pseudo = method.contains("pseudo")
        || method.contains("auxiliarysphere")
        || squash(name).contains("webmercator")
        || squash(name).contains("pseudomercator")
        || root
            .child(&["EXTENSION"])
            .and_then(|e| e.values.get(1))
            .is_some_and(|v| matches!(v, Value::Text(t) if t.contains("+b=6378137")));
    if method.contains("south") {
        return Err(format!(
            "south-orientated transverse Mercator is not supported ({})",
            described.text()
        ));
    }
    Ok(Projection {
        method,
        unit,
        cm,
        lat0,
        scale,
        fe,
        fn_,
        lat1,
        lat2,
        pseudo,
    })
}

fn is_transverse_mercator(method: &str) -> bool {
    matches!(
        method,
        "transversemercator" | "gausskruger" | "gausskrueger"
    )
}

fn is_albers(method: &str) -> bool {
    method.starts_with("albers")
}

fn is_lambert_conic(method: &str) -> bool {
    method.starts_with("lambertconformalconic")
}

fn unknown_projection(described: &Described) -> String {
    format!(
        "unknown coordinate system in the .prj ({}); LifeCircle converts longitude/latitude, \
         transverse Mercator (Gauss-Kruger, UTM), Mercator, Albers and Lambert conformal conic; \
         give the file's EPSG code explicitly or reproject it to WGS84",
        described.text()
    )
}

/// A WGS84/CGCS2000 projected system: transverse Mercator and Mercator
/// with our own code, Albers and Lambert through the projection library.
fn projected_system(
    root: &Node,
    name: String,
    described: &Described,
) -> Result<CoordinateSystem, String> {
    let p = projection_of(root, &name, described)?;
    let method = p.method.as_str();
    if is_transverse_mercator(method) {
        return Ok(CoordinateSystem::transverse_mercator(
            name, p.cm, p.lat0, p.scale, p.fe, p.fn_, p.unit,
        ));
    }
    if method.starts_with("mercator") || method.contains("pseudomercator") {
        let scale = match p.lat1 {
            Some(sp) if !p.pseudo && sp != 0.0 => {
                let e2 = (1.0 / 298.257_223_563) * (2.0 - 1.0 / 298.257_223_563);
                let phi = sp.to_radians();
                phi.cos() / (1.0 - e2 * phi.sin() * phi.sin()).sqrt()
            }
            _ => p.scale,
        };
        return Ok(CoordinateSystem::mercator(
            name, p.cm, scale, p.fe, p.fn_, p.pseudo, p.unit,
        ));
    }
    if is_albers(method) || is_lambert_conic(method) {
        let definition = proj_definition(root, described, "+ellps=WGS84")?;
        return CoordinateSystem::from_proj_definition(name, &definition);
    }
    Err(unknown_projection(described))
}

/// The proj definition of a projected WKT on the given ellipsoid (for the
/// projection library): transverse Mercator, Mercator, Albers, Lambert.
fn proj_definition(root: &Node, described: &Described, ellipsoid: &str) -> Result<String, String> {
    let name = root.name().unwrap_or_default();
    let p = projection_of(root, name, described)?;
    let method = p.method.as_str();
    let common = format!(
        "+x_0={} +y_0={} {ellipsoid} +to_meter={} +no_defs",
        p.fe, p.fn_, p.unit
    );
    let (cm, lat0, k) = (p.cm, p.lat0, p.scale);
    if is_transverse_mercator(method) {
        return Ok(format!(
            "+proj=tmerc +lat_0={lat0} +lon_0={cm} +k={k} {common}"
        ));
    }
    if method.starts_with("mercator") && !p.pseudo {
        return Ok(match p.lat1 {
            Some(ts) => format!("+proj=merc +lon_0={cm} +lat_ts={ts} {common}"),
            None => format!("+proj=merc +lon_0={cm} +k={k} {common}"),
        });
    }
    if is_albers(method) {
        let (Some(lat1), Some(lat2)) = (p.lat1, p.lat2) else {
            return Err(format!(
                "the Albers projection in the .prj lacks its standard parallels ({})",
                described.text()
            ));
        };
        return Ok(format!(
            "+proj=aea +lat_0={lat0} +lon_0={cm} +lat_1={lat1} +lat_2={lat2} {common}"
        ));
    }
    if is_lambert_conic(method) {
        // 2SP with both parallels; 1SP: the tangent at the origin, scaled.
        return Ok(match (p.lat1, p.lat2) {
            (Some(lat1), Some(lat2)) => {
                format!("+proj=lcc +lat_0={lat0} +lon_0={cm} +lat_1={lat1} +lat_2={lat2} {common}")
            }
            (Some(lat1), None) if !method.contains("1sp") => {
                format!("+proj=lcc +lat_0={lat0} +lon_0={cm} +lat_1={lat1} +k_0={k} {common}")
            }
            _ => format!("+proj=lcc +lat_0={lat0} +lon_0={cm} +lat_1={lat0} +k_0={k} {common}"),
        });
    }
    Err(unknown_projection(described))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::ellipsoid_distance;

    /// `CRS.from_epsg(4528).to_wkt(WktVersion.WKT1_ESRI)` (pyproj 3.7.2).
    const GK40_ESRI: &str = r#"PROJCS["CGCS2000_3_Degree_GK_Zone_40",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",40500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    const CM120_ESRI: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_120E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    const WEB_ESRI: &str = r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],UNIT["Meter",1.0]]"#;
    const WEB_GDAL: &str = r#"PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Mercator_1SP"],PARAMETER["central_meridian",0],PARAMETER["scale_factor",1],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],EXTENSION["PROJ4","+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs"]]"#;
    const UTM50_ESRI: &str = r#"PROJCS["WGS_1984_UTM_Zone_50N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
    const CGCS_GEO: &str = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    /// `CRS.from_epsg(4528).to_wkt(WktVersion.WKT2_2019)`, shortened.
    const GK40_WKT2: &str = r#"PROJCRS["CGCS2000 / 3-degree Gauss-Kruger zone 40",BASEGEOGCRS["China Geodetic Coordinate System 2000",DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],ID["EPSG",4490]],CONVERSION["3-degree Gauss-Kruger zone 40",METHOD["Transverse Mercator",ID["EPSG",9807]],PARAMETER["Latitude of natural origin",0,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8801]],PARAMETER["Longitude of natural origin",120,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8802]],PARAMETER["Scale factor at natural origin",1,SCALEUNIT["unity",1],ID["EPSG",8805]],PARAMETER["False easting",40500000,LENGTHUNIT["metre",1],ID["EPSG",8806]],PARAMETER["False northing",0,LENGTHUNIT["metre",1],ID["EPSG",8807]]],CS[Cartesian,2],AXIS["northing (X)",north,ORDER[1],LENGTHUNIT["metre",1]],AXIS["easting (Y)",east,ORDER[2],LENGTHUNIT["metre",1]]]"#;
    /// `CRS.from_epsg(2385).to_wkt(WktVersion.WKT1_ESRI)`.
    const XIAN_ESRI: &str = r#"PROJCS["Xian_1980_3_Degree_GK_CM_120E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",120.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

    /// Hangzhou in every system, from PROJ 9.5.1 (see crs.rs tests).
    fn lands_on_hangzhou(wkt: &str, x: f64, y: f64) {
        let cs = parse(wkt).unwrap_or_else(|e| panic!("{e}"));
        let p = cs.to_wgs84(x, y).unwrap();
        let d = ellipsoid_distance(p, [120.1551, 30.2741]);
        assert!(d < 0.01, "{}: {p:?} is {d} m off", cs.name);
    }

    #[test]
    fn common_prj_files_convert() {
        lands_on_hangzhou(GK40_ESRI, 40514923.7343, 3350508.8698);
        lands_on_hangzhou(CM120_ESRI, 514923.7343, 3350508.8698);
        lands_on_hangzhou(GK40_WKT2, 40514923.7343, 3350508.8698);
        lands_on_hangzhou(WEB_ESRI, 13375604.5482, 3538831.7244);
        lands_on_hangzhou(WEB_GDAL, 13375604.5482, 3538831.7244);
        lands_on_hangzhou(UTM50_ESRI, 803538.3259, 3353374.4747);
        lands_on_hangzhou(CGCS_GEO, 120.1551, 30.2741);
        assert_eq!(
            parse(GK40_ESRI).unwrap().name,
            "CGCS2000_3_Degree_GK_Zone_40"
        );
        // The EPSG code decides when there is one.
        assert_eq!(
            parse(GK40_WKT2).unwrap(),
            CoordinateSystem::from_epsg(4528).unwrap()
        );
    }

    #[test]
    fn feet_are_converted() {
        let wkt = UTM50_ESRI.replace("500000.0", "1640416.667").replace(
            r#"UNIT["Meter",1.0]]"#,
            r#"UNIT["Foot_US",0.3048006096012192]]"#,
        );
        let cs = parse(&wkt).unwrap();
        let p = cs
            .to_wgs84(
                803538.3259 / 0.3048006096012192,
                3353374.4747 / 0.3048006096012192,
            )
            .unwrap();
        assert!(ellipsoid_distance(p, [120.1551, 30.2741]) < 0.01, "{p:?}");
    }

    #[test]
    fn unknown_and_old_systems_are_refused_by_name() {
        let polyconic = UTM50_ESRI.replace("Transverse_Mercator", "Polyconic");
        let err = parse(&polyconic).unwrap_err();
        assert!(
            err.starts_with(r#"unknown coordinate system in the .prj (PROJECTION["Polyconic"], GEOGCS["GCS_WGS_1984"])"#),
            "{err}"
        );
        let albers = UTM50_ESRI.replace("Transverse_Mercator", "Albers");
        let err = parse(&albers).unwrap_err();
        assert!(err.contains("lacks its standard parallels"), "{err}");
        let err = parse(XIAN_ESRI).unwrap_err();
        assert!(
            err.contains("Xian 1980") && err.contains("--towgs84"),
            "{err}"
        );
        assert!(err.contains(r#"GEOGCS["GCS_Xian_1980"]"#), "{err}");
        let bessel = CGCS_GEO
            .replace("China_2000", "Tokyo")
            .replace("China_Geodetic_Coordinate_System_2000", "Tokyo")
            .replace(
                "CGCS2000\",6378137.0,298.257222101",
                "Bessel_1841\",6377397.155,299.1528128",
            );
        let err = parse(&bessel).unwrap_err();
        assert!(err.contains(r#"GEOGCS["GCS_Tokyo"]"#), "{err}");
        let nad83 = CGCS_GEO
            .replace("China_2000", "North_American_1983")
            .replace(
                "China_Geodetic_Coordinate_System_2000",
                "North_American_1983",
            )
            .replace("CGCS2000", "GRS_1980");
        assert!(parse(&nad83).unwrap().caveat.is_some());
    }

    #[test]
    fn broken_wkt_is_an_error_not_a_panic() {
        for bad in [
            "",
            "garbage",
            "PROJCS[",
            "PROJCS[\"a\",",
            "PROJCS[\"a\",GEOGCS[\"b\"",
            "GEOGCS[\"unterminated]",
            "LOCAL_CS[\"x\"]",
            "PROJCS[\"a\",GEOGCS[\"b\"],PARAMETER[\"x\",1e999999]]",
            &"A[".repeat(10_000),
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        for cut in 0..GK40_ESRI.len() {
            if GK40_ESRI.is_char_boundary(cut) {
                let _ = parse(&GK40_ESRI[..cut]);
            }
        }
    }
}
