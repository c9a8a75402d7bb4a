//! The town-area layer (镇区范围, METHOD.md step 20): polygons of the town
//! seats' built-up areas. A resident without a `settlement` value is `town`
//! inside one of them, else `village`. Only the shapes matter, so the layer
//! is read on its own rather than as one of the four study layers.

use geo::{LineString, MultiPolygon, Polygon};
use serde_json::Value;
use std::path::Path;

/// Read the town areas of a GeoJSON file (WGS84 lon/lat). Every feature must
/// be a Polygon or MultiPolygon; anything else is an error naming the file
/// and the feature, so a wrong layer is not silently taken for town areas.
pub fn load_town_areas(path: &Path) -> Result<Vec<MultiPolygon<f64>>, String> {
    load_town_areas_with(path, &super::ImportOptions::default())
}

/// [`load_town_areas`] with import options; a DXF drawing's closed
/// polylines and hatches (of the chosen CAD layers) are the town areas,
/// in the coordinate system chosen or guessed from the eastings.
pub fn load_town_areas_with(
    path: &Path,
    options: &super::ImportOptions,
) -> Result<Vec<MultiPolygon<f64>>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("could not read the town areas ({e}): {}", path.display()))?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("dxf"))
    {
        let source = super::Source::from_path(path);
        let (text, _) = super::dxf_layers::to_geojson_as(
            &source,
            &bytes,
            super::LayerKind::Townships,
            super::dxf_layers::Outlines::TownAreas,
            options,
        )
        .map_err(|e| format!("town areas: {e}"))?;
        let prepared = super::reproject::prepare_geojson_with(
            &source,
            &text,
            options.crs,
            options.towgs84.as_ref(),
            &super::ColumnChoice::default(),
        )
        .map_err(|e| format!("town areas: {e}"))?;
        return parse_town_areas(&prepared.text, &path.display().to_string());
    }
    parse_town_areas(
        &String::from_utf8_lossy(&bytes),
        &path.display().to_string(),
    )
}

/// [`load_town_areas`] from text; `file` names the source in messages.
pub fn parse_town_areas(text: &str, file: &str) -> Result<Vec<MultiPolygon<f64>>, String> {
    let ext_ok = !file.to_ascii_lowercase().ends_with(".shp");
    if !ext_ok {
        return Err(format!(
            "town areas are read from GeoJSON only; save the layer as .geojson: {file}"
        ));
    }
    let json: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| format!("town areas: not valid JSON ({e}): {file}"))?;
    let geometries: Vec<(usize, Option<&Value>)> = match json["type"].as_str() {
        Some("FeatureCollection") => json["features"]
            .as_array()
            .ok_or_else(|| format!("town areas: the FeatureCollection has no features: {file}"))?
            .iter()
            .enumerate()
            .map(|(i, f)| (i + 1, f.get("geometry")))
            .collect(),
        Some("Feature") => vec![(1, json.get("geometry"))],
        Some(_) => vec![(1, Some(&json))],
        None => return Err(format!("town areas: not GeoJSON (no \"type\"): {file}")),
    };
    let mut areas = Vec::with_capacity(geometries.len());
    for (number, geometry) in geometries {
        let area = geometry
            .filter(|g| !g.is_null())
            .ok_or_else(|| "has no geometry".to_string())
            .and_then(multi_polygon)
            .map_err(|why| {
                format!("town areas: feature {number} {why}; town areas must be polygons: {file}")
            })?;
        areas.push(area);
    }
    if areas.is_empty() {
        return Err(format!("town areas: the file holds no polygons: {file}"));
    }
    Ok(areas)
}

fn multi_polygon(g: &Value) -> Result<MultiPolygon<f64>, String> {
    let kind = g["type"].as_str().unwrap_or("unknown");
    let coords = &g["coordinates"];
    match kind {
        "Polygon" => Ok(MultiPolygon(vec![polygon(coords)?])),
        "MultiPolygon" => coords
            .as_array()
            .ok_or("has MultiPolygon coordinates that are not a list")?
            .iter()
            .map(polygon)
            .collect::<Result<Vec<_>, _>>()
            .map(MultiPolygon),
        other => Err(format!("has a {other} geometry")),
    }
}

fn polygon(rings: &Value) -> Result<Polygon<f64>, String> {
    let rings = rings
        .as_array()
        .ok_or("has polygon coordinates that are not a list of rings")?;
    let mut lines = rings.iter().map(|ring| {
        let points = ring
            .as_array()
            .ok_or("has a ring that is not a list of positions")?
            .iter()
            .map(|p| match (p[0].as_f64(), p[1].as_f64()) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok((x, y)),
                _ => Err(format!("has a position that is not two numbers ({p})")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if points.len() < 3 {
            return Err("has a ring of fewer than 3 positions".to_string());
        }
        Ok(LineString::from(points))
    });
    let exterior = lines.next().ok_or("has a polygon without rings")??;
    let interiors = lines.collect::<Result<Vec<_>, String>>()?;
    Ok(Polygon::new(exterior, interiors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygons_are_read_and_other_geometries_named() {
        let ok = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"MultiPolygon","coordinates":[[[[2,2],[3,2],[3,3],[2,2]]]]}}]}"#;
        let areas = parse_town_areas(ok, "towns.geojson").unwrap();
        assert_eq!(areas.len(), 2);
        let bad = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}"#;
        let e = parse_town_areas(bad, "towns.geojson").unwrap_err();
        assert!(e.contains("feature 2"), "{e}");
        assert!(e.contains("Point"), "{e}");
        assert!(e.contains("towns.geojson"), "{e}");
        assert!(
            parse_town_areas("{", "x.geojson")
                .unwrap_err()
                .contains("x.geojson")
        );
        assert!(parse_town_areas(ok, "x.shp").is_err());
    }

    #[test]
    fn residents_read_settlement_and_warn_on_unknown_values() {
        use crate::model::Settlement;
        let text = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"population":5,"settlement":"Town"},"geometry":{"type":"Point","coordinates":[119,29]}},
            {"type":"Feature","properties":{"population":6,"settlement":" 乡村 "},"geometry":{"type":"Point","coordinates":[119,29]}},
            {"type":"Feature","properties":{"population":7,"settlement":"city"},"geometry":{"type":"Point","coordinates":[119,29]}},
            {"type":"Feature","properties":{"population":8},"geometry":{"type":"Point","coordinates":[119,29]}}]}"#;
        let loaded =
            crate::io::parse_residents("res.geojson", text.as_bytes(), crate::io::Format::GeoJson)
                .unwrap();
        let classes: Vec<_> = loaded.items.iter().map(|r| r.settlement).collect();
        assert_eq!(
            classes,
            [
                Some(Settlement::Town),
                Some(Settlement::Village),
                None,
                None
            ]
        );
        let w = &loaded.warnings[0];
        assert_eq!((w.file.as_str(), w.feature), ("res.geojson", Some(3)));
        assert!(w.message.contains("\"city\""), "{}", w.message);

        let csv = "lon,lat,population,settlement\n119,29,5,镇区\n119,29,6,village\n";
        let loaded =
            crate::io::parse_residents("res.csv", csv.as_bytes(), crate::io::Format::Csv).unwrap();
        let classes: Vec<_> = loaded.items.iter().map(|r| r.settlement).collect();
        assert_eq!(classes, [Some(Settlement::Town), Some(Settlement::Village)]);
    }
}
