//! Coordinate systems of input files, and their conversion to WGS84.
//!
//! Chinese planning data comes in CGCS2000 Gauss–Krüger zones (3° or 6°,
//! with or without the zone number in front of the easting), in WGS84 UTM,
//! in Web Mercator, or as longitude/latitude that may carry the GCJ-02/BD-09
//! offsets. [`Crs`] is what the user chooses per file; [`CoordinateSystem`]
//! is a resolved system that converts coordinates to WGS84.
//!
//! The WGS84/CGCS2000 transverse Mercator and Mercator systems are our
//! own code: transverse Mercator reuses [`crate::geodesy::LocalProjection`]
//! (Krüger's series on WGS84, sub-millimetre within a zone) with a false
//! easting/northing, a scale factor and a linear unit on top; the CGCS2000
//! ellipsoid (GRS80) differs from WGS84's in flattening by 1.6e-11, which
//! moves a point by less than a millimetre, and the CGCS2000 and WGS84
//! frames agree to a few centimetres. Mercator (ellipsoidal and Web) is
//! closed-form. Everything else — Albers, Lambert, any other EPSG code, and
//! Beijing 1954 / Xian 1980 with the user's Bursa–Wolf parameters (see
//! [`super::datum`]) — goes through the `proj4rs` crate
//! ([`super::proj_systems`]).

use super::coords;
use super::datum::{DatumShift, OldDatum};
use super::proj_systems::{self, ProjSystem, Target};
use crate::geodesy::LocalProjection;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

const WGS84_A: f64 = 6_378_137.0;
const WGS84_F: f64 = 1.0 / 298.257_223_563;

/// The coordinate system of one input file, as the user chooses it.
///
/// Written and parsed as text: `auto`, `wgs84`, `gcj02`, `bd09`, `EPSG:4528`.
///
/// ```
/// use lifecircle::io::Crs;
/// assert_eq!("EPSG:4528".parse::<Crs>(), Ok(Crs::Epsg(4528)));
/// assert_eq!("gcj02".parse::<Crs>(), Ok(Crs::Gcj02));
/// assert_eq!(Crs::Bd09.to_string(), "bd09");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Crs {
    /// What the file itself says: a Shapefile's `.prj`, a GeoJSON `crs`
    /// member, coordinate columns named like `lng_gcj02`; WGS84
    /// longitude/latitude when it says nothing.
    #[default]
    FromPrj,
    /// WGS84 (or CGCS2000) longitude/latitude, as GPS and OSM use.
    Wgs84,
    /// GCJ-02 longitude/latitude (Amap/高德, Tencent).
    Gcj02,
    /// BD-09 longitude/latitude (Baidu/百度).
    Bd09,
    /// An EPSG code, e.g. 4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40).
    Epsg(u32),
}

impl fmt::Display for Crs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Crs::FromPrj => f.write_str("auto"),
            Crs::Wgs84 => f.write_str("wgs84"),
            Crs::Gcj02 => f.write_str("gcj02"),
            Crs::Bd09 => f.write_str("bd09"),
            Crs::Epsg(code) => write!(f, "EPSG:{code}"),
        }
    }
}

impl FromStr for Crs {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | ' '))
            .collect();
        let code = key.strip_prefix("epsg:").unwrap_or(&key);
        match code {
            "auto" | "prj" | "fromprj" | "file" => Ok(Crs::FromPrj),
            "wgs84" | "wgs" | "gps" | "cgcs2000" | "4326" => Ok(Crs::Wgs84),
            "gcj02" | "gcj" | "amap" | "gaode" | "高德" | "火星" | "tencent" => Ok(Crs::Gcj02),
            "bd09" | "bd09ll" | "baidu" | "百度" => Ok(Crs::Bd09),
            digits if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => digits
                .parse()
                .map(Crs::Epsg)
                .map_err(|_| format!("{s:?} is not an EPSG code")),
            _ => Err(format!(
                "unknown coordinate system {s:?}: use wgs84, gcj02, bd09, EPSG:<code> (e.g. EPSG:4528) or auto"
            )),
        }
    }
}

impl From<Crs> for String {
    fn from(crs: Crs) -> String {
        crs.to_string()
    }
}

impl TryFrom<String> for Crs {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Transverse Mercator (Gauss–Krüger, UTM) parameters, lengths in metres.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Tm {
    central_meridian: f64,
    latitude_of_origin: f64,
    scale: f64,
    false_easting: f64,
    false_northing: f64,
}

/// Mercator parameters, lengths in metres.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Mercator {
    central_meridian: f64,
    scale: f64,
    false_easting: f64,
    false_northing: f64,
    /// Spherical (Web/Pseudo-Mercator, EPSG:3857) instead of ellipsoidal.
    spherical: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// WGS84-compatible longitude/latitude in degrees.
    Geographic,
    Gcj02,
    Bd09,
    TransverseMercator(Tm),
    Mercator(Mercator),
    /// Anything else, through the projection library.
    Proj(Arc<ProjSystem>),
}

/// A coordinate system LifeCircle can convert to WGS84, resolved from a
/// [`Crs`] choice, an EPSG code or a `.prj` file.
#[derive(Clone, Debug, PartialEq)]
pub struct CoordinateSystem {
    /// Human-readable name, e.g. "CGCS2000 / 3-degree Gauss-Kruger zone 40".
    pub name: String,
    /// A caveat to show the user, e.g. an unknown datum taken as WGS84.
    pub caveat: Option<String>,
    kind: Kind,
    /// Metres per unit of the file's coordinates (projected systems).
    unit: f64,
}

impl CoordinateSystem {
    /// WGS84 longitude/latitude.
    pub fn wgs84() -> Self {
        Self::plain("WGS 84 longitude/latitude", Kind::Geographic)
    }

    /// GCJ-02 longitude/latitude (Amap, Tencent).
    pub fn gcj02() -> Self {
        Self::plain("GCJ-02 longitude/latitude (Amap/高德)", Kind::Gcj02)
    }

    /// BD-09 longitude/latitude (Baidu).
    pub fn bd09() -> Self {
        Self::plain("BD-09 longitude/latitude (Baidu/百度)", Kind::Bd09)
    }

    fn plain(name: &str, kind: Kind) -> Self {
        Self {
            name: name.to_string(),
            caveat: None,
            kind,
            unit: 1.0,
        }
    }

    fn tm(name: String, cm: f64, scale: f64, false_easting: f64, false_northing: f64) -> Self {
        Self {
            name,
            caveat: None,
            kind: Kind::TransverseMercator(Tm {
                central_meridian: cm,
                latitude_of_origin: 0.0,
                scale,
                false_easting,
                false_northing,
            }),
            unit: 1.0,
        }
    }

    /// The system of an explicit choice; `None` for [`Crs::FromPrj`], which
    /// depends on the file.
    pub fn from_choice(crs: Crs) -> Option<Result<Self, String>> {
        Self::from_choice_with(crs, None)
    }

    /// [`from_choice`](Self::from_choice) with the user's transformation
    /// for Beijing 1954 / Xian 1980 systems (ignored for others).
    pub fn from_choice_with(crs: Crs, shift: Option<&DatumShift>) -> Option<Result<Self, String>> {
        match crs {
            Crs::FromPrj => None,
            Crs::Wgs84 => Some(Ok(Self::wgs84())),
            Crs::Gcj02 => Some(Ok(Self::gcj02())),
            Crs::Bd09 => Some(Ok(Self::bd09())),
            Crs::Epsg(code) => Some(Self::from_epsg_with(code, shift)),
        }
    }

    /// A system the projection library converts, from a proj definition.
    /// A definition with a datum shift converts to WGS84 through it; one
    /// without is taken on its own ellipsoid, with a caveat unless that is
    /// WGS84's or GRS80's.
    pub fn from_proj_definition(name: String, definition: &str) -> Result<Self, String> {
        let target = if proj_systems::has_datum(definition) {
            Target::Wgs84
        } else {
            Target::SameDatum
        };
        let system = ProjSystem::new(definition, target)?;
        let caveat = (target == Target::SameDatum && !proj_systems::is_wgs84_ellipsoid(definition))
            .then(|| {
                format!(
                    "{name} has no datum shift to WGS84 in its definition; its longitude/latitude are \
                     taken as WGS84, which may be off by tens to hundreds of metres"
                )
            });
        Ok(Self {
            name,
            caveat,
            kind: Kind::Proj(Arc::new(system)),
            unit: 1.0,
        })
    }

    /// A Beijing 1954 / Xian 1980 system from its proj definition (any
    /// datum shift in it is replaced) and the user's transformation.
    pub(crate) fn old_datum(
        name: &str,
        definition: &str,
        datum: OldDatum,
        shift: Option<&DatumShift>,
    ) -> Result<Self, String> {
        let Some(shift) = shift else {
            return Err(datum.needs_parameters(name));
        };
        let bare = proj_systems::without_datum(definition);
        let towgs84 = |p: &[f64]| {
            let texts: Vec<String> = p.iter().map(|v| v.to_string()).collect();
            format!("{bare} +towgs84={}", texts.join(","))
        };
        let (definition, target, label, caveat) = match shift {
            DatumShift::Parameters(p) => (
                towgs84(&shift.seven().unwrap_or_default()),
                Target::Wgs84,
                format!(
                    "{name} on {}, with the given {}-parameter transformation {shift}",
                    datum.name(),
                    p.len()
                ),
                None,
            ),
            DatumShift::Approximate => match datum.approximate() {
                Some(three) => (
                    towgs84(&three),
                    Target::Wgs84,
                    format!(
                        "{name} on {}, with an approximate transformation",
                        datum.name()
                    ),
                    Some(datum.approximate_warning()),
                ),
                None => (
                    bare.clone(),
                    Target::SameDatum,
                    format!(
                        "{name} on {}, with an approximate transformation",
                        datum.name()
                    ),
                    Some(datum.approximate_warning()),
                ),
            },
        };
        Ok(Self {
            name: label,
            caveat,
            kind: Kind::Proj(Arc::new(ProjSystem::new(&definition, target)?)),
            unit: 1.0,
        })
    }

    /// The system of an EPSG code, or why LifeCircle cannot convert it.
    ///
    /// ```
    /// use lifecircle::io::CoordinateSystem;
    /// let cs = CoordinateSystem::from_epsg(4528).unwrap();
    /// assert_eq!(cs.name, "CGCS2000 / 3-degree Gauss-Kruger zone 40");
    /// let [lon, lat] = cs.to_wgs84(40514923.7343, 3350508.8698).unwrap();
    /// assert!((lon - 120.1551).abs() < 1e-8 && (lat - 30.2741).abs() < 1e-8);
    /// assert!(CoordinateSystem::from_epsg(2385).unwrap_err().contains("Xian 1980"));
    /// ```
    pub fn from_epsg(code: u32) -> Result<Self, String> {
        Self::from_epsg_with(code, None)
    }

    /// [`from_epsg`](Self::from_epsg) with the user's transformation for
    /// Beijing 1954 / Xian 1980 codes.
    pub fn from_epsg_with(code: u32, shift: Option<&DatumShift>) -> Result<Self, String> {
        let c = f64::from(code);
        let cs = match code {
            4326 => Self::wgs84(),
            4490 => Self::plain("CGCS2000 longitude/latitude", Kind::Geographic),
            4258 => Self::plain("ETRS89 longitude/latitude", Kind::Geographic),
            3857 | 900_913 | 102_100 | 102_113 => Self {
                kind: Kind::Mercator(Mercator {
                    central_meridian: 0.0,
                    scale: 1.0,
                    false_easting: 0.0,
                    false_northing: 0.0,
                    spherical: true,
                }),
                ..Self::plain("WGS 84 / Pseudo-Mercator (Web Mercator)", Kind::Geographic)
            },
            32601..=32660 => {
                let zone = c - 32600.0;
                Self::tm(
                    format!("WGS 84 / UTM zone {zone}N"),
                    6.0 * zone - 183.0,
                    0.9996,
                    500_000.0,
                    0.0,
                )
            }
            32701..=32760 => {
                let zone = c - 32700.0;
                Self::tm(
                    format!("WGS 84 / UTM zone {zone}S"),
                    6.0 * zone - 183.0,
                    0.9996,
                    500_000.0,
                    10_000_000.0,
                )
            }
            25828..=25838 => {
                let zone = c - 25800.0;
                Self::tm(
                    format!("ETRS89 / UTM zone {zone}N"),
                    6.0 * zone - 183.0,
                    0.9996,
                    500_000.0,
                    0.0,
                )
            }
            3067 => Self::tm(
                "ETRS89 / TM35FIN(E,N)".to_string(),
                27.0,
                0.9996,
                500_000.0,
                0.0,
            ),
            4491..=4501 => {
                let zone = c - 4478.0;
                Self::tm(
                    format!("CGCS2000 / Gauss-Kruger zone {zone}"),
                    6.0 * zone - 3.0,
                    1.0,
                    zone * 1e6 + 500_000.0,
                    0.0,
                )
            }
            4502..=4512 => {
                let cm = 75.0 + 6.0 * (c - 4502.0);
                Self::tm(
                    format!("CGCS2000 / Gauss-Kruger CM {cm}E"),
                    cm,
                    1.0,
                    500_000.0,
                    0.0,
                )
            }
            4513..=4533 => {
                let zone = c - 4488.0;
                Self::tm(
                    format!("CGCS2000 / 3-degree Gauss-Kruger zone {zone}"),
                    3.0 * zone,
                    1.0,
                    zone * 1e6 + 500_000.0,
                    0.0,
                )
            }
            4534..=4554 => {
                let cm = 75.0 + 3.0 * (c - 4534.0);
                Self::tm(
                    format!("CGCS2000 / 3-degree Gauss-Kruger CM {cm}E"),
                    cm,
                    1.0,
                    500_000.0,
                    0.0,
                )
            }
            _ => return Self::from_epsg_library(code, shift),
        };
        Ok(cs)
    }

    /// An EPSG code our own code does not handle, from the EPSG proj4
    /// definitions through the projection library.
    fn from_epsg_library(code: u32, shift: Option<&DatumShift>) -> Result<Self, String> {
        let definition = u16::try_from(code)
            .ok()
            .and_then(crs_definitions::from_code)
            .map(|d| d.proj4)
            .ok_or_else(|| {
                format!(
                    "EPSG:{code} is not a coordinate system LifeCircle knows: it is not in the EPSG \
                     definitions (check the code, e.g. 4528 for CGCS2000 / 3-degree Gauss-Kruger zone 40, \
                     or give the file a .prj)"
                )
            })?;
        let name = format!("EPSG:{code} ({})", describe_definition(definition));
        if let Some(datum) = old_datum_of_epsg(code) {
            return Self::old_datum(&name, definition, datum, shift);
        }
        if definition.contains("+proj=geocent") {
            return Err(format!(
                "EPSG:{code} is a geocentric (X, Y, Z) system, not map coordinates; reproject the file \
                 to longitude/latitude or a projection in your GIS"
            ));
        }
        Self::from_proj_definition(name, definition)
    }

    /// A transverse Mercator system (Gauss–Krüger or UTM); for `.prj` files.
    pub(crate) fn transverse_mercator(
        name: String,
        central_meridian: f64,
        latitude_of_origin: f64,
        scale: f64,
        false_easting: f64,
        false_northing: f64,
        unit: f64,
    ) -> Self {
        Self {
            name,
            caveat: None,
            kind: Kind::TransverseMercator(Tm {
                central_meridian,
                latitude_of_origin,
                scale,
                false_easting,
                false_northing,
            }),
            unit,
        }
    }

    /// A Mercator system; `spherical` for Web Mercator; for `.prj` files.
    pub(crate) fn mercator(
        name: String,
        central_meridian: f64,
        scale: f64,
        false_easting: f64,
        false_northing: f64,
        spherical: bool,
        unit: f64,
    ) -> Self {
        Self {
            name,
            caveat: None,
            kind: Kind::Mercator(Mercator {
                central_meridian,
                scale,
                false_easting,
                false_northing,
                spherical,
            }),
            unit,
        }
    }

    /// Geographic longitude/latitude on a WGS84-compatible datum.
    pub(crate) fn geographic(name: String) -> Self {
        Self::plain(&name, Kind::Geographic)
    }

    /// Whether the file's coordinates are longitude/latitude (of any datum
    /// or offset scheme) rather than projected metres.
    pub fn is_geographic(&self) -> bool {
        match &self.kind {
            Kind::Geographic | Kind::Gcj02 | Kind::Bd09 => true,
            Kind::Proj(p) => p.is_latlong(),
            _ => false,
        }
    }

    /// Whether this is plain WGS84-compatible longitude/latitude (no
    /// conversion at all).
    pub fn is_wgs84(&self) -> bool {
        self.kind == Kind::Geographic
    }

    /// File coordinates → WGS84 `[lon, lat]`; `None` when the point lies
    /// outside the area where the system is defined (e.g. an easting far
    /// outside its zone). Geographic systems are passed on for the usual
    /// longitude/latitude checks.
    pub fn to_wgs84(&self, x: f64, y: f64) -> Option<[f64; 2]> {
        if !(x.is_finite() && y.is_finite()) {
            return None;
        }
        match &self.kind {
            Kind::Geographic => Some([x, y]),
            Kind::Gcj02 => Some(coords::gcj02_to_wgs84(x, y)),
            Kind::Bd09 => Some(coords::bd09_to_wgs84(x, y)),
            Kind::TransverseMercator(tm) => {
                let east = (x * self.unit - tm.false_easting) / tm.scale;
                let north = (y * self.unit - tm.false_northing) / tm.scale;
                // Beyond ~2,000 km from the central meridian the series (and
                // the data) make no sense.
                if east.abs() > 2.0e6 || north.abs() > 1.0e7 {
                    return None;
                }
                let p = LocalProjection::new(tm.central_meridian, tm.latitude_of_origin);
                let [lon, lat] = p.inverse(east, north);
                let ok = lon.is_finite()
                    && lat.is_finite()
                    && (lon - tm.central_meridian).abs() <= 15.0
                    && lat.abs() <= 85.0;
                ok.then_some([normalize_lon(lon), lat])
            }
            Kind::Mercator(m) => {
                let east = (x * self.unit - m.false_easting) / m.scale;
                let north = (y * self.unit - m.false_northing) / m.scale;
                let lon = m.central_meridian + (east / WGS84_A).to_degrees();
                let psi = north / WGS84_A;
                let lat = if m.spherical {
                    psi.sinh().atan()
                } else {
                    inverse_isometric_latitude(psi)
                };
                let ok = lon.is_finite() && (-180.0..=180.0).contains(&lon) && lat.abs() <= 85.1;
                ok.then_some([lon, lat.to_degrees()])
            }
            Kind::Proj(p) => {
                let [lon, lat] = p.to_wgs84(x * self.unit, y * self.unit)?;
                if let Some(cm) = p.central_meridian()
                    && (lon - cm).abs() > 15.0
                {
                    return None;
                }
                Some([normalize_lon(lon), lat])
            }
        }
    }

    /// WGS84 `[lon, lat]` → file coordinates (the inverse of
    /// [`to_wgs84`](Self::to_wgs84)); for writing test data and for checks.
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> [f64; 2] {
        match &self.kind {
            Kind::Geographic => [lon, lat],
            Kind::Gcj02 => coords::wgs84_to_gcj02(lon, lat),
            Kind::Bd09 => coords::wgs84_to_bd09(lon, lat),
            Kind::TransverseMercator(tm) => {
                let p = LocalProjection::new(tm.central_meridian, tm.latitude_of_origin);
                let [e, n] = p.forward(lon, lat);
                [
                    (e * tm.scale + tm.false_easting) / self.unit,
                    (n * tm.scale + tm.false_northing) / self.unit,
                ]
            }
            Kind::Mercator(m) => {
                let phi = lat.to_radians();
                let psi = if m.spherical {
                    phi.tan().asinh()
                } else {
                    isometric_latitude(phi)
                };
                [
                    ((lon - m.central_meridian).to_radians() * WGS84_A * m.scale + m.false_easting)
                        / self.unit,
                    (psi * WGS84_A * m.scale + m.false_northing) / self.unit,
                ]
            }
            Kind::Proj(p) => p
                .wgs84_to_file(lon, lat)
                .map_or([f64::NAN, f64::NAN], |[x, y]| {
                    [x / self.unit, y / self.unit]
                }),
        }
    }

    /// The zone number written in front of eastings (`40` for a false
    /// easting of 40,500,000), if the system uses one.
    fn zone_prefix(&self) -> Option<f64> {
        let false_easting = match &self.kind {
            Kind::TransverseMercator(tm) => tm.false_easting * self.unit,
            Kind::Proj(p) if p.central_meridian().is_some() => p.false_easting(),
            _ => return None,
        };
        (false_easting >= 1.0e7).then(|| (false_easting / 1.0e6).floor())
    }

    /// The zone number a central meridian belongs to in the 3° or 6°
    /// Gauss–Krüger zoning, when it is one.
    fn zones_of_meridian(&self) -> Vec<f64> {
        let cm = match &self.kind {
            Kind::TransverseMercator(tm) => tm.central_meridian,
            Kind::Proj(p) => match p.central_meridian() {
                Some(cm) => cm,
                None => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        let mut zones = Vec::new();
        if cm > 0.0 && (cm / 3.0).fract() == 0.0 {
            zones.push(cm / 3.0);
        }
        if ((cm + 3.0) / 6.0).fract() == 0.0 {
            zones.push((cm + 3.0) / 6.0);
        }
        zones
    }
}

/// The old datum of an EPSG code, if it is a Beijing 1954 or Xian 1980
/// system.
pub(crate) fn old_datum_of_epsg(code: u32) -> Option<OldDatum> {
    OldDatum::of_epsg(code)
}

/// A short description of a proj definition for names: "Albers equal
/// area on GRS80" and the like.
fn describe_definition(definition: &str) -> String {
    let proj = definition
        .split_whitespace()
        .find_map(|t| t.strip_prefix("+proj="))
        .unwrap_or("?");
    let what = match proj {
        "aea" => "Albers equal-area conic",
        "lcc" => "Lambert conformal conic",
        "tmerc" | "etmerc" => "transverse Mercator",
        "utm" => "UTM",
        "merc" => "Mercator",
        "longlat" | "latlong" => "longitude/latitude",
        "laea" => "Lambert azimuthal equal-area",
        "stere" | "sterea" => "stereographic",
        "cea" => "cylindrical equal-area",
        "eqc" => "equidistant cylindrical",
        other => other,
    };
    format!(
        "{what}, {}",
        proj_systems::ellipsoid_of(definition).replace('+', "")
    )
}

fn normalize_lon(lon: f64) -> f64 {
    if lon > 180.0 {
        lon - 360.0
    } else if lon < -180.0 {
        lon + 360.0
    } else {
        lon
    }
}

fn eccentricity() -> f64 {
    (WGS84_F * (2.0 - WGS84_F)).sqrt()
}

/// ψ(φ) on the WGS84 ellipsoid.
fn isometric_latitude(phi: f64) -> f64 {
    let e = eccentricity();
    let s = phi.sin();
    s.atanh() - e * (e * s).atanh()
}

/// φ(ψ) on the WGS84 ellipsoid, iterated (converges in a few steps).
fn inverse_isometric_latitude(psi: f64) -> f64 {
    let e = eccentricity();
    let mut phi = psi.sinh().atan();
    for _ in 0..20 {
        let next = (psi + e * (e * phi.sin()).atanh()).sinh().atan();
        let done = (next - phi).abs() < 1e-14;
        phi = next;
        if done {
            break;
        }
    }
    phi
}

/// Converts a file's coordinates with one [`CoordinateSystem`], forgiving
/// the two usual slips in Chinese survey data and counting them for a note:
/// eastings with (or without) the zone number in front although the system
/// says otherwise, and X/Y in the surveyor's order (X = north).
pub(crate) struct Transform {
    pub system: CoordinateSystem,
    prefix_removed: Cell<usize>,
    prefix_added: Cell<usize>,
    swapped: Cell<usize>,
}

impl Transform {
    pub(crate) fn new(system: CoordinateSystem) -> Self {
        Self {
            system,
            prefix_removed: Cell::new(0),
            prefix_added: Cell::new(0),
            swapped: Cell::new(0),
        }
    }

    /// WGS84 longitude/latitude: no conversion.
    pub(crate) fn identity() -> Self {
        Self::new(CoordinateSystem::wgs84())
    }

    /// File coordinates → `(lon, lat)` in WGS84 (unchecked for geographic
    /// systems: the layer's longitude/latitude checks follow), or why not.
    pub(crate) fn apply(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        if !(x.is_finite() && y.is_finite()) {
            return Err(format!("coordinates ({x:?}, {y:?}) are not finite numbers"));
        }
        if !self.system.is_geographic() && x.abs() <= 180.0 && y.abs() <= 90.0 {
            return Err(format!(
                "coordinates ({x:?}, {y:?}) look like longitude/latitude, not {} metres; choose wgs84, gcj02 or bd09 for this file",
                self.system.name
            ));
        }
        if let Some([lon, lat]) = self.system.to_wgs84(x, y) {
            return Ok((lon, lat));
        }
        if let Some(p) = self.fix_prefix(x, y) {
            return Ok(p);
        }
        let swapped = self
            .system
            .to_wgs84(y, x)
            .map(|[lon, lat]| (lon, lat))
            .or_else(|| self.fix_prefix(y, x));
        if let Some(p) = swapped {
            self.swapped.set(self.swapped.get() + 1);
            return Ok(p);
        }
        Err(format!(
            "coordinates ({x:?}, {y:?}) are not in {}{}",
            self.system.name,
            self.hint(x)
        ))
    }

    /// Tries the easting with its zone prefix removed or added; only
    /// eastings within a zone's usual range (100–900 km) qualify.
    fn fix_prefix(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let unit = self.system.unit;
        let in_zone = |metres: f64| (100_000.0..=900_000.0).contains(&metres);
        match self.system.zone_prefix() {
            Some(zone) if in_zone(x * unit) => {
                let [lon, lat] = self.system.to_wgs84(x + zone * 1e6 / unit, y)?;
                self.prefix_added.set(self.prefix_added.get() + 1);
                Some((lon, lat))
            }
            None if x * unit >= 1.0e7 => {
                let zone = (x * unit / 1.0e6).floor();
                if !self.system.zones_of_meridian().contains(&zone)
                    || !in_zone(x * unit - zone * 1e6)
                {
                    return None;
                }
                let [lon, lat] = self.system.to_wgs84(x - zone * 1e6 / unit, y)?;
                self.prefix_removed.set(self.prefix_removed.get() + 1);
                Some((lon, lat))
            }
            _ => None,
        }
    }

    fn hint(&self, x: f64) -> String {
        if self.system.is_geographic() {
            return String::new();
        }
        let zoned = x.abs() >= 1.0e7;
        match (zoned, self.system.zone_prefix()) {
            (true, None) => format!(
                "; the easting starts with zone number {}, which does not match this system's central meridian",
                (x / 1.0e6).floor()
            ),
            (false, Some(_)) if x.abs() < 1000.0 => {
                "; they look like longitude/latitude, not projected metres".to_string()
            }
            _ => "; check the coordinate system chosen for the file".to_string(),
        }
    }

    /// File-level notes: the system used, and the slips forgiven.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.system.is_wgs84() {
            notes.push(format!(
                "coordinates were converted from {} to WGS84",
                self.system.name
            ));
        }
        if let Some(c) = &self.system.caveat {
            notes.push(c.clone());
        }
        let count = |n: usize| {
            if n == 1 {
                "1 point".to_string()
            } else {
                format!("{n} points")
            }
        };
        if self.prefix_removed.get() > 0 {
            notes.push(format!(
                "{} had the zone number in front of the easting although {} has none; it was removed",
                count(self.prefix_removed.get()),
                self.system.name
            ));
        }
        if self.prefix_added.get() > 0 {
            notes.push(format!(
                "{} lacked the zone number in front of the easting that {} expects; it was added",
                count(self.prefix_added.get()),
                self.system.name
            ));
        }
        if self.swapped.get() > 0 {
            notes.push(format!(
                "{} had X and Y in surveying order (X = north); they were swapped",
                count(self.swapped.get())
            ));
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geodesy::ellipsoid_distance;

    /// Reference coordinates computed with PROJ 9.5.1 (pyproj 3.7.2,
    /// `Transformer.from_crs(4326, code, always_xy=True)`), for Hangzhou,
    /// Quzhou and Shanghai.
    const PROJ_REFERENCE: &[(u32, [f64; 2], [f64; 2])] = &[
        (4528, [120.1551, 30.2741], [40514923.7343, 3350508.8698]),
        (4528, [118.8725, 28.9701], [40390102.2365, 3206479.1240]),
        (4528, [121.4737, 31.2304], [40640412.3150, 3457455.4886]),
        (4549, [120.1551, 30.2741], [514923.7343, 3350508.8698]),
        (4549, [118.8725, 28.9701], [390102.2365, 3206479.1240]),
        (4499, [120.1551, 30.2741], [21226207.9439, 3353927.2232]),
        (4499, [121.4737, 31.2304], [21354575.4792, 3457523.5390]),
        (4508, [118.8725, 28.9701], [1268598.9072, 3231634.1617]),
        (32650, [120.1551, 30.2741], [803538.3259, 3353374.4747]),
        (32650, [118.8725, 28.9701], [682451.2014, 3206117.3247]),
        (32651, [121.4737, 31.2304], [354633.6490, 3456140.5296]),
        (3857, [120.1551, 30.2741], [13375604.5482, 3538831.7244]),
        (3857, [121.4737, 31.2304], [13522390.4288, 3662707.2571]),
    ];

    #[test]
    fn epsg_systems_match_proj_to_a_centimetre() {
        let mut worst: f64 = 0.0;
        for &(code, lonlat, xy) in PROJ_REFERENCE {
            let cs = CoordinateSystem::from_epsg(code).unwrap();
            let back = cs.to_wgs84(xy[0], xy[1]).unwrap();
            let metres = ellipsoid_distance(lonlat, back);
            worst = worst.max(metres);
            let forward = cs.from_wgs84(lonlat[0], lonlat[1]);
            let dx = (forward[0] - xy[0]).hypot(forward[1] - xy[1]);
            assert!(dx < 0.01, "EPSG:{code} forward {forward:?} vs {xy:?}");
        }
        assert!(worst < 0.01, "worst {worst} m");
    }

    #[test]
    fn epsg_names_and_refusals() {
        let name = |c| CoordinateSystem::from_epsg(c).unwrap().name;
        assert_eq!(name(4513), "CGCS2000 / 3-degree Gauss-Kruger zone 25");
        assert_eq!(name(4554), "CGCS2000 / 3-degree Gauss-Kruger CM 135E");
        assert_eq!(name(4491), "CGCS2000 / Gauss-Kruger zone 13");
        assert_eq!(name(4512), "CGCS2000 / Gauss-Kruger CM 135E");
        assert_eq!(name(32750), "WGS 84 / UTM zone 50S");
        assert!(
            CoordinateSystem::from_epsg(2436)
                .unwrap_err()
                .contains("Beijing 1954")
        );
        let unknown = CoordinateSystem::from_epsg(99_999).unwrap_err();
        assert!(
            unknown.starts_with("EPSG:99999 is not a coordinate system"),
            "{unknown}"
        );
        // Codes our own code does not know go to the projection library.
        let bng = CoordinateSystem::from_epsg(27700).unwrap();
        assert!(
            bng.name.starts_with("EPSG:27700 (transverse Mercator"),
            "{}",
            bng.name
        );
        assert!(!bng.is_geographic());
    }

    #[test]
    fn crs_text_round_trips() {
        for crs in [
            Crs::FromPrj,
            Crs::Wgs84,
            Crs::Gcj02,
            Crs::Bd09,
            Crs::Epsg(4549),
        ] {
            assert_eq!(crs.to_string().parse::<Crs>(), Ok(crs));
        }
        assert_eq!("epsg:4528".parse::<Crs>(), Ok(Crs::Epsg(4528)));
        assert_eq!(" 4326 ".parse::<Crs>(), Ok(Crs::Wgs84));
        assert_eq!("GCJ-02".parse::<Crs>(), Ok(Crs::Gcj02));
        assert_eq!("百度".parse::<Crs>(), Ok(Crs::Bd09));
        assert!("mars".parse::<Crs>().unwrap_err().contains("EPSG:<code>"));
        assert!("EPSG:99999999999".parse::<Crs>().is_err());
        let json = serde_json::to_string(&Crs::Epsg(4528)).unwrap();
        assert_eq!(json, "\"EPSG:4528\"");
        assert_eq!(serde_json::from_str::<Crs>(&json).unwrap(), Crs::Epsg(4528));
    }

    /// The zone prefix is forgiven both ways, and X/Y in surveying order too.
    #[test]
    fn zone_prefix_and_swapped_axes_are_forgiven_with_notes() {
        let expected = [120.1551, 30.2741];
        let check = |t: &Transform, x: f64, y: f64| {
            let (lon, lat) = t.apply(x, y).unwrap();
            let d = ellipsoid_distance(expected, [lon, lat]);
            assert!(d < 0.01, "({x}, {y}) → {lon}, {lat}: {d} m");
        };
        let without = Transform::new(CoordinateSystem::from_epsg(4549).unwrap());
        check(&without, 514923.7343, 3350508.8698);
        check(&without, 40514923.7343, 3350508.8698);
        check(&without, 3350508.8698, 514923.7343);
        let notes = without.notes();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(
            notes[1].starts_with("1 point had the zone number"),
            "{notes:?}"
        );
        assert!(notes[2].contains("swapped"), "{notes:?}");
        let with = Transform::new(CoordinateSystem::from_epsg(4528).unwrap());
        check(&with, 514923.7343, 3350508.8698);
        check(&with, 3350508.8698, 40514923.7343);
        assert!(with.notes()[1].contains("lacked the zone number"));
        // A zone-39 easting in a zone-40 system is not "fixed".
        let err = without.apply(39514923.7343, 3350508.8698).unwrap_err();
        assert!(err.contains("zone number 39"), "{err}");
        let err = with.apply(120.15, 30.27).unwrap_err();
        assert!(err.contains("look like longitude/latitude"), "{err}");
        let err = without.apply(118.87, 28.96).unwrap_err();
        assert!(err.contains("look like longitude/latitude"), "{err}");
    }

    #[test]
    fn offsets_and_mercator_round_trip() {
        for cs in [
            CoordinateSystem::gcj02(),
            CoordinateSystem::bd09(),
            CoordinateSystem::from_epsg(3857).unwrap(),
            CoordinateSystem::mercator("m".into(), 100.0, 0.99, 1e5, 2e5, false, 0.3048),
        ] {
            let [x, y] = cs.from_wgs84(118.8725, 28.9701);
            let back = cs.to_wgs84(x, y).unwrap();
            let d = ellipsoid_distance([118.8725, 28.9701], back);
            assert!(d < 0.001, "{}: {d} m", cs.name);
        }
        assert!(CoordinateSystem::wgs84().to_wgs84(f64::NAN, 1.0).is_none());
    }
}
