//! Beijing 1954 and Xian 1980: the two old Chinese datums, and the
//! transformation to WGS84 the user gives for them.
//!
//! Survey data and old township plans still come in these datums. Their
//! shift to WGS84/CGCS2000 is up to about 100 m and differs by region, and
//! local bureaus publish their own three- or seven-parameter (Bursa–Wolf)
//! sets, so LifeCircle takes the user's parameters (`--towgs84
//! dx,dy,dz[,rx,ry,rz,s]`, the import dialog) and keeps them with the
//! project. Without them it offers one documented approximate set, only when
//! asked (`--towgs84 approximate`), and marks everything made from it.
//!
//! The formula is PROJ's `+towgs84` (EPSG method 9606, position vector):
//! with (X, Y, Z) the geocentric coordinates on the old ellipsoid (height 0),
//!
//! ```text
//! X' = dx + (1 + s·1e-6) · ( X − rz·Y + ry·Z)
//! Y' = dy + (1 + s·1e-6) · ( rz·X + Y − rx·Z)
//! Z' = dz + (1 + s·1e-6) · (−ry·X + rx·Y + Z)
//! ```
//!
//! dx, dy, dz in metres, rx, ry, rz in arc-seconds (small angles, in
//! radians in the formula), s in parts per million; (X', Y', Z') is then
//! read as WGS84. A three-parameter set is the same with rx = ry = rz = s = 0.
//!
//! Layer: io.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How to get from Beijing 1954 / Xian 1980 to WGS84, as the user chose.
///
/// Written and parsed as text: `15.8,-154.4,-82.3`, seven numbers, or
/// `approximate`.
///
/// ```
/// use lifecircle::io::DatumShift;
/// let three: DatumShift = "15.8, -154.4, -82.3".parse().unwrap();
/// assert_eq!(three, DatumShift::Parameters(vec![15.8, -154.4, -82.3]));
/// assert!("1,2,3,4".parse::<DatumShift>().unwrap_err().contains("got 4"));
/// assert_eq!("approximate".parse::<DatumShift>(), Ok(DatumShift::Approximate));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum DatumShift {
    /// `dx,dy,dz` (metres) or `dx,dy,dz,rx,ry,rz,s` (metres, arc-seconds,
    /// ppm), position vector convention.
    Parameters(Vec<f64>),
    /// The documented approximate set of [`OldDatum::approximate`]; the
    /// user has seen the warning about its error.
    Approximate,
}

impl DatumShift {
    /// The seven parameters (three-parameter sets padded with zeros).
    pub fn seven(&self) -> Option<[f64; 7]> {
        match self {
            DatumShift::Parameters(p) => {
                let mut seven = [0.0; 7];
                seven[..p.len()].copy_from_slice(p);
                Some(seven)
            }
            DatumShift::Approximate => None,
        }
    }
}

impl fmt::Display for DatumShift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatumShift::Approximate => f.write_str("approximate"),
            DatumShift::Parameters(p) => {
                let texts: Vec<String> = p.iter().map(|v| v.to_string()).collect();
                f.write_str(&texts.join(","))
            }
        }
    }
}

impl FromStr for DatumShift {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if matches!(
            t.to_ascii_lowercase().as_str(),
            "approximate" | "approx" | "近似"
        ) {
            return Ok(DatumShift::Approximate);
        }
        let parts: Vec<&str> = t
            .split([',', '，', ';', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        let mut numbers = Vec::with_capacity(parts.len());
        for p in &parts {
            match p.parse::<f64>() {
                Ok(v) if v.is_finite() => numbers.push(v),
                _ => {
                    return Err(format!(
                        "datum transformation parameters {s:?}: {p:?} is not a number; {}",
                        SHIFT_FORMAT
                    ));
                }
            }
        }
        if numbers.len() != 3 && numbers.len() != 7 {
            return Err(format!(
                "datum transformation parameters {s:?}: got {} numbers; {}",
                numbers.len(),
                SHIFT_FORMAT
            ));
        }
        // Sanity bounds: a datum shift of more than 10 km, a rotation of
        // more than a minute of arc or a scale of more than 1000 ppm is a
        // typo (or parameters in other units), not a geodetic datum.
        let bad = numbers[..3].iter().any(|v| v.abs() > 10_000.0)
            || numbers
                .get(3..6)
                .is_some_and(|r| r.iter().any(|v| v.abs() > 60.0))
            || numbers.get(6).is_some_and(|v| v.abs() > 1000.0);
        if bad {
            return Err(format!(
                "datum transformation parameters {s:?} are out of range (shifts up to 10 km, rotations up to 60 arc-seconds, scale up to 1000 ppm); {}",
                SHIFT_FORMAT
            ));
        }
        Ok(DatumShift::Parameters(numbers))
    }
}

/// What a valid set of parameters looks like, for messages.
const SHIFT_FORMAT: &str = "give 3 numbers (dx,dy,dz in metres) or 7 (dx,dy,dz in metres, \
     rx,ry,rz in arc-seconds, s in ppm; position vector convention as PROJ's +towgs84), \
     or \"approximate\"";

impl From<DatumShift> for String {
    fn from(shift: DatumShift) -> String {
        shift.to_string()
    }
}

impl TryFrom<String> for DatumShift {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// The old Chinese datums.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OldDatum {
    /// Beijing 1954 (北京54), Krassowsky 1940 ellipsoid.
    Beijing1954,
    /// Xian 1980 (西安80), IAG 1975 ellipsoid.
    Xian1980,
}

impl OldDatum {
    /// The old datum of an EPSG code, if it is a Beijing 1954 or Xian 1980
    /// system (geographic, Gauss–Krüger 3° and 6° zones).
    pub fn of_epsg(code: u32) -> Option<OldDatum> {
        match code {
            4214 | 2401..=2442 | 21413..=21423 | 21453..=21463 | 21473..=21483 => {
                Some(OldDatum::Beijing1954)
            }
            4610 | 2327..=2390 => Some(OldDatum::Xian1980),
            _ => None,
        }
    }

    /// The datum a message or system name speaks of.
    pub fn named_in(text: &str) -> Option<OldDatum> {
        if text.contains("Beijing 1954") {
            Some(OldDatum::Beijing1954)
        } else if text.contains("Xian 1980") {
            Some(OldDatum::Xian1980)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OldDatum::Beijing1954 => "Beijing 1954",
            OldDatum::Xian1980 => "Xian 1980",
        }
    }

    /// The ellipsoid as proj parameters.
    pub fn ellipsoid(self) -> &'static str {
        match self {
            OldDatum::Beijing1954 => "+a=6378245 +rf=298.3",
            OldDatum::Xian1980 => "+a=6378140 +rf=298.257",
        }
    }

    /// The documented approximate transformation: for Beijing 1954 the
    /// EPSG "Beijing 1954 to WGS 84 (4)" set (15.8, −154.4, −82.3 m, the
    /// one in the EPSG proj4 definitions); for Xian 1980, for which EPSG
    /// publishes none, `None`: the longitude/latitude on Xian 1980 are
    /// taken as WGS84 (PROJ's "ballpark" offset).
    pub fn approximate(self) -> Option<[f64; 3]> {
        match self {
            OldDatum::Beijing1954 => Some([15.8, -154.4, -82.3]),
            OldDatum::Xian1980 => None,
        }
    }

    /// The warning shown before the approximate set is used, and kept with
    /// every assessment made from it.
    pub fn approximate_warning(self) -> String {
        let what = match self.approximate() {
            Some([dx, dy, dz]) => format!(
                "the approximate three-parameter set dx={dx}, dy={dy}, dz={dz} m (EPSG \"Beijing 1954 to WGS 84 (4)\")"
            ),
            None => "no shift at all (longitude/latitude on Xian 1980 taken as WGS84, as PROJ's ballpark does)".to_string(),
        };
        format!(
            "{} coordinates were converted with {what} because no local transformation parameters were given; \
             positions may be off by tens of metres (up to about 100 m), so coverage near catchment edges is uncertain; \
             enter the local bureau's 3 or 7 parameters (--towgs84) for metre accuracy",
            self.name()
        )
    }

    /// The message when a file is in this datum and no parameters were
    /// given (`what` names the file's system).
    pub fn needs_parameters(self, what: &str) -> String {
        format!(
            "{what} is based on {}, whose shift to WGS84 (up to about 100 m) needs local transformation \
             parameters: enter the local bureau's 3 or 7 Bursa-Wolf parameters (--towgs84 dx,dy,dz[,rx,ry,rz,s], \
             or in the import dialog), or accept an approximate set that may be off by tens of metres \
             (--towgs84 approximate)",
            self.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse_and_round_trip() {
        let seven: DatumShift = "-110.2,-84.5,30.1,1.2,-0.8,2.1,-3.5".parse().unwrap();
        assert_eq!(
            seven.seven().unwrap(),
            [-110.2, -84.5, 30.1, 1.2, -0.8, 2.1, -3.5]
        );
        assert_eq!(seven.to_string().parse::<DatumShift>(), Ok(seven.clone()));
        let json = serde_json::to_string(&seven).unwrap();
        assert_eq!(json, "\"-110.2,-84.5,30.1,1.2,-0.8,2.1,-3.5\"");
        assert_eq!(serde_json::from_str::<DatumShift>(&json).unwrap(), seven);
        let three: DatumShift = "15.8，-154.4，-82.3".parse().unwrap();
        assert_eq!(
            three.seven().unwrap(),
            [15.8, -154.4, -82.3, 0.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(" APPROX ".parse(), Ok(DatumShift::Approximate));
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        for (bad, says) in [
            ("", "got 0 numbers"),
            ("1,2", "got 2 numbers"),
            ("1,2,3,4,5,6", "got 6 numbers"),
            ("1,2,3,4,5,6,7,8", "got 8 numbers"),
            ("1,2,x", "\"x\" is not a number"),
            ("1,2,NaN", "is not a number"),
            ("1,2,30000", "out of range"),
            ("1,2,3,0,0,3600,0", "out of range"),
        ] {
            let err = bad.parse::<DatumShift>().unwrap_err();
            assert!(err.contains(says), "{bad:?}: {err}");
            assert!(err.contains("give 3 numbers"), "{err}");
        }
        assert!(serde_json::from_str::<DatumShift>("\"1,2\"").is_err());
    }

    #[test]
    fn the_warning_names_the_error() {
        for d in [OldDatum::Beijing1954, OldDatum::Xian1980] {
            let w = d.approximate_warning();
            assert!(w.contains("tens of metres") && w.contains(d.name()), "{w}");
            assert!(d.needs_parameters("EPSG:2436").contains("--towgs84"));
        }
    }
}
