//! Residents as GeoJSON with their minutes to every category: one property
//! per minute column (`{mode}_{category}`, e.g. `walk_kindergarten`;
//! `null` when not reached within the column's limit), whether the resident
//! is complete for each tier (`complete_{tier}`), its population and
//! township. Written by hand, feature by feature, so that a million
//! residents do not need a million JSON trees.

use crate::analysis::Assessment;
use crate::model::{Profile, Township};
use std::fmt::Write as _;

/// The residents (demand points) of an assessment as a GeoJSON
/// FeatureCollection of points (see module docs), as a string.
pub fn residents_geojson(
    assessment: &Assessment,
    profile: &Profile,
    townships: &[Township],
) -> String {
    let mut bytes = Vec::new();
    let _ = write_residents_geojson(&mut bytes, assessment, profile, townships);
    String::from_utf8_lossy(&bytes).into_owned()
}

/// [`residents_geojson`] streamed into `out`, feature by feature.
pub fn write_residents_geojson(
    out: &mut dyn std::io::Write,
    assessment: &Assessment,
    profile: &Profile,
    townships: &[Township],
) -> std::io::Result<()> {
    let names: Vec<String> = townships.iter().map(|t| json_string(&t.name)).collect();
    let keys: Vec<String> = assessment
        .slots
        .iter()
        .map(|s| json_string(&format!("{}_{}", s.mode.id(), s.category)))
        .collect();
    // Per tier: the property key and the minute columns of its required
    // categories.
    let tiers: Vec<(String, f32, Vec<usize>)> = profile
        .tiers
        .iter()
        .map(|t| {
            let columns = t
                .categories
                .iter()
                .filter_map(|c| assessment.slot(t.mode, c))
                .collect();
            (
                json_string(&format!("complete_{}", t.id)),
                t.minutes as f32,
                columns,
            )
        })
        .collect();
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut line = String::with_capacity(1024);
    for (r, resident) in assessment.demand.iter().enumerate() {
        line.clear();
        if r > 0 {
            line.push(',');
        }
        line.push('\n');
        let township = assessment
            .resident_township
            .get(r)
            .copied()
            .flatten()
            .and_then(|t| names.get(t as usize))
            .map_or("null", String::as_str);
        let _ = write!(
            line,
            "{{\"type\":\"Feature\",\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{},{}]}},\"properties\":{{\"population\":{},\"township\":{township}",
            number(round_to(resident.location.x(), 1e7)),
            number(round_to(resident.location.y(), 1e7)),
            number(resident.population),
        );
        let minutes = |s: usize| assessment.minutes.get(s).and_then(|c| c.get(r)).copied();
        for (s, key) in keys.iter().enumerate() {
            let _ = match minutes(s).filter(|m| m.is_finite()) {
                Some(m) => write!(line, ",{key}:{}", number(round_to(m as f64, 100.0))),
                None => write!(line, ",{key}:null"),
            };
        }
        for (key, limit, columns) in &tiers {
            let complete = columns
                .iter()
                .all(|&s| minutes(s).is_some_and(|m| m <= *limit));
            let _ = write!(line, ",{key}:{complete}");
        }
        line.push_str("}}");
        out.write_all(line.as_bytes())?;
    }
    out.write_all(b"\n]}\n")
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn round_to(x: f64, per_unit: f64) -> f64 {
    (x * per_unit).round() / per_unit
}

/// A finite number as JSON (`null` otherwise, which JSON cannot say as a number).
fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "null".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Progress, assess};

    /// The hand-worked case of `analysis::tests::tiny_case`.
    #[test]
    fn residents_carry_their_minutes() {
        let (layers, profile) = crate::analysis::tests::tiny_case();
        let a = assess(&layers, &profile, &Progress::new()).unwrap();
        let text = residents_geojson(&a, &profile, &layers.townships);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let features = v["features"].as_array().unwrap();
        assert_eq!(features.len(), 3);
        // The engine may reorder demand; find residents by location.
        let at = |lon: f64, lat: f64| {
            features
                .iter()
                .find(|f| {
                    let xy = &f["geometry"]["coordinates"];
                    (xy[0].as_f64(), xy[1].as_f64()) == (Some(lon), Some(lat))
                })
                .map(|f| &f["properties"])
                .expect("a resident there")
        };
        let r1 = at(0.003, 0.0);
        assert_eq!(r1["township"], "East");
        assert_eq!(r1["population"], 10.0);
        assert!((r1["walk_shop"].as_f64().unwrap() - 1.11).abs() < 0.006);
        assert!((r1["walk_school"].as_f64().unwrap() - 4.82).abs() < 0.006);
        assert!(r1["walk_park"].is_null());
        assert_eq!(r1["complete_t5"], true);
        assert_eq!(r1["complete_t10"], true);
        let r2 = at(0.0005, 0.0002);
        assert_eq!(r2["township"], "West");
        assert_eq!(r2["complete_t5"], false);
        assert_eq!(r2["complete_t10"], true);
        let r3 = at(0.001, 0.0095);
        assert!(r3["walk_shop"].is_null());
        assert_eq!(r3["complete_t10"], false);
    }
}
