//! Coordinate systems converted by the `proj4rs` crate (PROJ.4 in Rust):
//! every projected system our own code does not cover — Albers, Lambert
//! conformal conic, any other EPSG code, non-WGS84 ellipsoids — and the
//! Beijing 1954 / Xian 1980 datum shifts (`+towgs84`).
//!
//! Our own Gauss–Krüger/UTM and Mercator (crs.rs) stay in front for the
//! WGS84/CGCS2000 systems they handle: they are as accurate and need no
//! proj string. A system here is a proj definition plus the target it
//! converts to: WGS84 (`+datum=WGS84`) when the definition has a datum
//! shift, else longitude/latitude on the definition's own ellipsoid, taken
//! as WGS84 (right for GRS80/WGS84 datums; a caveat says so for others).
//!
//! Layer: io.

use proj4rs::Proj;
use proj4rs::transform::transform;
use std::fmt;

/// What the converted longitude/latitude are referred to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// WGS84 through the definition's `+towgs84`/`+datum`.
    Wgs84,
    /// The definition's own ellipsoid, no datum change.
    SameDatum,
}

/// A proj definition ready to convert to and from WGS84 longitude/latitude.
#[derive(Clone)]
pub(crate) struct ProjSystem {
    /// The proj string, e.g. `+proj=aea +lat_1=25 … +ellps=WGS84`.
    pub definition: String,
    src: Proj,
    dst: Proj,
}

impl fmt::Debug for ProjSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProjSystem({:?})", self.definition)
    }
}

impl PartialEq for ProjSystem {
    fn eq(&self, other: &Self) -> bool {
        self.definition == other.definition
    }
}

/// The ellipsoid parameters of a proj definition (`+ellps=…`, `+a=…` …).
pub(crate) fn ellipsoid_of(definition: &str) -> String {
    let keep: Vec<&str> = definition
        .split_whitespace()
        .filter(|t| {
            ["+ellps=", "+a=", "+b=", "+rf=", "+f=", "+R=", "+es=", "+e="]
                .iter()
                .any(|k| t.starts_with(k))
        })
        .collect();
    if keep.is_empty() {
        // `+datum=WGS84` and friends imply an ellipsoid.
        match definition
            .split_whitespace()
            .find_map(|t| t.strip_prefix("+datum="))
        {
            Some("NAD27") => "+ellps=clrk66".to_string(),
            Some("potsdam") => "+ellps=bessel".to_string(),
            Some("OSGB36") => "+ellps=airy".to_string(),
            Some(_) => "+ellps=GRS80".to_string(),
            None => "+ellps=WGS84".to_string(),
        }
    } else {
        keep.join(" ")
    }
}

/// Whether a definition's ellipsoid is WGS84's or GRS80's (CGCS2000's),
/// which differ by less than a millimetre on the ground.
pub(crate) fn is_wgs84_ellipsoid(definition: &str) -> bool {
    let e = ellipsoid_of(definition);
    let words: Vec<&str> = e.split_whitespace().collect();
    match words.as_slice() {
        ["+ellps=WGS84"] | ["+ellps=GRS80"] => true,
        _ => {
            let value = |k: &str| {
                words
                    .iter()
                    .find_map(|w| w.strip_prefix(k))
                    .and_then(|v| v.parse::<f64>().ok())
            };
            value("+a=") == Some(6_378_137.0)
                && (value("+rf=").is_some_and(|f| (f - 298.257_223).abs() < 1e-3)
                    || value("+b=").is_some_and(|b| (b - 6_356_752.314).abs() < 1e-2))
        }
    }
}

/// Whether a definition carries a datum shift to WGS84.
pub(crate) fn has_datum(definition: &str) -> bool {
    definition.split_whitespace().any(|t| {
        t.starts_with("+towgs84=") || t.starts_with("+datum=") || t.starts_with("+nadgrids=")
    })
}

/// The definition without any datum shift (`+towgs84`, `+datum`,
/// `+nadgrids`), the ellipsoid kept.
pub(crate) fn without_datum(definition: &str) -> String {
    let ellipsoid = ellipsoid_of(definition);
    let mut rest: Vec<&str> = definition
        .split_whitespace()
        .filter(|t| {
            !(t.starts_with("+towgs84=")
                || t.starts_with("+datum=")
                || t.starts_with("+nadgrids=")
                || t.starts_with("+ellps=")
                || ["+a=", "+b=", "+rf=", "+f=", "+R=", "+es=", "+e="]
                    .iter()
                    .any(|k| t.starts_with(k)))
        })
        .collect();
    rest.push(&ellipsoid);
    rest.join(" ")
}

impl ProjSystem {
    /// A system from a proj definition; `why` explains a failure to the
    /// user (the definition is only shown in brackets).
    pub(crate) fn new(definition: &str, target: Target) -> Result<Self, String> {
        let src = Proj::from_proj_string(definition)
            .map_err(|e| format!("the projection library cannot use {definition:?} ({e})"))?;
        let dst_text = match target {
            Target::Wgs84 => "+proj=longlat +datum=WGS84 +no_defs".to_string(),
            Target::SameDatum => format!("+proj=longlat {} +no_defs", ellipsoid_of(definition)),
        };
        let dst = Proj::from_proj_string(&dst_text)
            .map_err(|e| format!("the projection library cannot use {dst_text:?} ({e})"))?;
        if !src.has_inverse() {
            return Err(format!(
                "the projection of {definition:?} cannot be inverted by the projection library"
            ));
        }
        Ok(Self {
            definition: definition.to_string(),
            src,
            dst,
        })
    }

    /// Whether the system's coordinates are longitude/latitude.
    pub(crate) fn is_latlong(&self) -> bool {
        self.src.is_latlong()
    }

    /// The false easting in metres (for the Gauss–Krüger zone prefix).
    pub(crate) fn false_easting(&self) -> f64 {
        self.src.false_easting() * self.src.to_meter()
    }

    /// The central meridian in degrees, for transverse Mercator systems.
    pub(crate) fn central_meridian(&self) -> Option<f64> {
        matches!(self.src.projname(), "tmerc" | "etmerc" | "utm")
            .then(|| self.src.longitude_of_origin().to_degrees())
    }

    /// File coordinates → WGS84 `[lon, lat]` in degrees.
    pub(crate) fn to_wgs84(&self, x: f64, y: f64) -> Option<[f64; 2]> {
        let mut p = if self.src.is_latlong() {
            (x.to_radians(), y.to_radians(), 0.0)
        } else {
            (x, y, 0.0)
        };
        transform(&self.src, &self.dst, &mut p).ok()?;
        let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
        (lon.is_finite() && lat.is_finite() && lon.abs() <= 360.0 && lat.abs() <= 90.0)
            .then_some([lon, lat])
    }

    /// WGS84 `[lon, lat]` in degrees → file coordinates.
    pub(crate) fn wgs84_to_file(&self, lon: f64, lat: f64) -> Option<[f64; 2]> {
        let mut p = (lon.to_radians(), lat.to_radians(), 0.0);
        transform(&self.dst, &self.src, &mut p).ok()?;
        let out = if self.src.is_latlong() {
            [p.0.to_degrees(), p.1.to_degrees()]
        } else {
            [p.0, p.1]
        };
        out.iter().all(|v| v.is_finite()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_taken_apart() {
        let d = "+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=krass +towgs84=15.8,-154.4,-82.3,0,0,0,0 +units=m +no_defs";
        assert_eq!(ellipsoid_of(d), "+ellps=krass");
        assert!(has_datum(d));
        let bare = without_datum(d);
        assert!(!has_datum(&bare) && bare.contains("+ellps=krass"), "{bare}");
        assert!(is_wgs84_ellipsoid("+proj=aea +ellps=GRS80"));
        assert!(is_wgs84_ellipsoid("+proj=aea +datum=NAD83"));
        assert!(is_wgs84_ellipsoid("+proj=aea +a=6378137 +rf=298.257223563"));
        assert!(!is_wgs84_ellipsoid(d));
        assert!(!is_wgs84_ellipsoid(
            "+proj=longlat +a=6378140 +b=6356755.288157528"
        ));
    }

    #[test]
    fn projections_round_trip() {
        let s = ProjSystem::new(
            "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +ellps=WGS84 +units=m",
            Target::SameDatum,
        )
        .unwrap();
        let [x, y] = s.wgs84_to_file(118.8725, 28.9701).unwrap();
        let [lon, lat] = s.to_wgs84(x, y).unwrap();
        assert!((lon - 118.8725).abs() < 1e-9 && (lat - 28.9701).abs() < 1e-9);
        assert!(ProjSystem::new("+proj=nonsense", Target::Wgs84).is_err());
    }
}
