//! KML and KMZ (Google Earth, 奥维 and most phone map apps export these):
//! each Placemark becomes a GeoJSON feature with its name, its folder and
//! its ExtendedData as properties, so the GeoJSON layer readers (category
//! mapping, GCJ-02 correction when the user asks) apply unchanged.

use super::{LoadError, Source};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value, json};
use std::io::Read;

/// The KML text inside a KMZ archive (`doc.kml`, else the first `.kml`).
fn kml_in_kmz(source: &Source, bytes: &[u8]) -> Result<String, LoadError> {
    let unreadable = |message: String| LoadError::Unreadable {
        what: "KMZ",
        message,
        path: source.path.clone(),
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| unreadable(format!("not a ZIP archive ({e})")))?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();
    let is_kml = |n: &String| n.to_ascii_lowercase().ends_with(".kml");
    let chosen = names
        .iter()
        .find(|n| n.eq_ignore_ascii_case("doc.kml"))
        .or_else(|| names.iter().find(|n| is_kml(n)))
        .cloned()
        .ok_or_else(|| {
            unreadable(format!(
                "the KMZ archive holds no .kml file (it holds: {})",
                if names.is_empty() {
                    "nothing".to_string()
                } else {
                    names.join(", ")
                }
            ))
        })?;
    let index = names.iter().position(|n| *n == chosen).unwrap_or(0);
    let mut entry = archive
        .by_index(index)
        .map_err(|e| unreadable(format!("{chosen} cannot be read ({e})")))?;
    let mut kml = Vec::new();
    entry
        .read_to_end(&mut kml)
        .map_err(|e| unreadable(format!("{chosen} cannot be unpacked ({e})")))?;
    Ok(super::text::decode(&kml).text.into_owned())
}

/// Whether `bytes` are a ZIP archive (a KMZ), whatever the file is called.
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The features of a KML or KMZ file as a GeoJSON FeatureCollection text.
pub(crate) fn to_geojson(source: &Source, bytes: &[u8]) -> Result<String, LoadError> {
    let text = if is_zip(bytes) {
        kml_in_kmz(source, bytes)?
    } else {
        super::text::decode(bytes).text.into_owned()
    };
    let features = placemarks(source, &text)?;
    Ok(json!({"type": "FeatureCollection", "features": features}).to_string())
}

/// One Placemark's geometry parts as they are read.
#[derive(Default)]
struct Shapes {
    points: Vec<Value>,
    lines: Vec<Value>,
    polygons: Vec<Vec<Value>>,
}

impl Shapes {
    fn geometry(self) -> Value {
        let kinds = [
            !self.points.is_empty(),
            !self.lines.is_empty(),
            !self.polygons.is_empty(),
        ];
        if kinds.iter().filter(|k| **k).count() > 1 {
            let mut parts = Vec::new();
            parts.extend(
                self.points
                    .into_iter()
                    .map(|p| json!({"type": "Point", "coordinates": p})),
            );
            parts.extend(
                self.lines
                    .into_iter()
                    .map(|l| json!({"type": "LineString", "coordinates": l})),
            );
            parts.extend(
                self.polygons
                    .into_iter()
                    .map(|r| json!({"type": "Polygon", "coordinates": r})),
            );
            return json!({"type": "GeometryCollection", "geometries": parts});
        }
        fn one_or_many(kind: &str, mut items: Vec<Value>) -> Value {
            if items.len() == 1 {
                json!({"type": kind, "coordinates": items.remove(0)})
            } else {
                json!({"type": format!("Multi{kind}"), "coordinates": items})
            }
        }
        if !self.points.is_empty() {
            one_or_many("Point", self.points)
        } else if !self.lines.is_empty() {
            one_or_many("LineString", self.lines)
        } else if !self.polygons.is_empty() {
            one_or_many(
                "Polygon",
                self.polygons.into_iter().map(Value::from).collect(),
            )
        } else {
            Value::Null
        }
    }
}

/// `lon,lat[,alt]` tuples separated by white space.
fn coordinates(text: &str) -> Result<Vec<Value>, String> {
    text.split_whitespace()
        .map(|tuple| {
            let mut parts = tuple.split(',');
            let mut number = |what: &str| -> Result<f64, String> {
                let part = parts.next().unwrap_or("").trim();
                part.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("the {what} in \"{tuple}\" is not a number"))
            };
            let lon = number("longitude")?;
            let lat = number("latitude")?;
            Ok(json!([lon, lat]))
        })
        .collect()
}

/// Every Placemark of a KML document as a GeoJSON feature.
fn placemarks(source: &Source, text: &str) -> Result<Vec<Value>, LoadError> {
    let unreadable = |message: String| LoadError::Unreadable {
        what: "KML",
        message,
        path: source.path.clone(),
    };
    let mut reader = Reader::from_str(text);
    // Text is trimmed at each element's end, not per event: an entity
    // reference splits a text into several events.
    let mut stack: Vec<String> = Vec::new();
    // Folders and Documents (true for a Folder) with their names, innermost
    // last; None until the name is read.
    let mut folders: Vec<(bool, Option<String>)> = Vec::new();
    let mut features = Vec::new();
    let mut seen_kml = false;
    // The Placemark being read.
    let mut in_placemark = false;
    let mut props = Map::new();
    let mut shapes = Shapes::default();
    let mut rings: Vec<Value> = Vec::new();
    let mut data_name: Option<String> = None;
    let mut chars = String::new();
    let mut count = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| {
            unreadable(format!(
                "not well-formed XML near byte {} ({e})",
                reader.buffer_position()
            ))
        })?;
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                chars.clear();
                match name.as_str() {
                    "kml" => seen_kml = true,
                    "Folder" => folders.push((true, None)),
                    "Document" => folders.push((false, None)),
                    "Placemark" => {
                        in_placemark = true;
                        count += 1;
                        props = Map::new();
                        shapes = Shapes::default();
                    }
                    "Polygon" => rings.clear(),
                    "Data" | "SimpleData" => {
                        data_name = e
                            .try_get_attribute("name")
                            .ok()
                            .flatten()
                            .map(|a| a.value.into_owned());
                    }
                    _ => {}
                }
                stack.push(name);
            }
            Event::Empty(_) => {}
            Event::Text(t) => chars.push_str(&t.xml10_content()),
            Event::CData(t) => chars.push_str(&t.into_inner()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => chars.push(c),
                _ => chars.push_str(match r.into_inner().as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                }),
            },
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    continue;
                };
                let parent = stack.last().map(String::as_str);
                let value = chars.trim().to_string();
                let placemark_label = || {
                    props.get("name").and_then(Value::as_str).map_or_else(
                        || format!("Placemark {count}"),
                        |n| format!("Placemark {count} \"{n}\""),
                    )
                };
                match name.as_str() {
                    "name" if parent == Some("Placemark") => {
                        props.insert("name".into(), Value::from(value));
                    }
                    "name" if matches!(parent, Some("Folder" | "Document")) => {
                        if let Some(last) = folders.last_mut() {
                            last.1 = Some(value);
                        }
                    }
                    "Folder" | "Document" => {
                        folders.pop();
                    }
                    "value" if parent == Some("Data") => {
                        if let Some(key) = data_name.clone() {
                            props.insert(key, Value::from(value));
                        }
                    }
                    "SimpleData" => {
                        if let Some(key) = data_name.take() {
                            props.insert(key, Value::from(value));
                        }
                    }
                    "coordinates" if in_placemark => {
                        let points = coordinates(&value)
                            .map_err(|m| unreadable(format!("{}: {m}", placemark_label())))?;
                        match parent {
                            Some("Point") => {
                                let p = points.into_iter().next().ok_or_else(|| {
                                    unreadable(format!(
                                        "{}: the Point has no coordinates",
                                        placemark_label()
                                    ))
                                })?;
                                shapes.points.push(p);
                            }
                            Some("LineString") => shapes.lines.push(Value::from(points)),
                            Some("LinearRing") => rings.push(Value::from(points)),
                            _ => {}
                        }
                    }
                    "Polygon" if in_placemark => {
                        if rings.is_empty() {
                            return Err(unreadable(format!(
                                "{}: the Polygon has no boundary",
                                placemark_label()
                            )));
                        }
                        shapes.polygons.push(std::mem::take(&mut rings));
                    }
                    "Placemark" => {
                        in_placemark = false;
                        // A Folder's name is the category (unless ExtendedData
                        // has one); a Document's name (the file's title) is
                        // not, so names like "东幼儿园" still match by keyword.
                        let named = |folder_only: bool| {
                            folders
                                .iter()
                                .rev()
                                .filter(|(is_folder, _)| *is_folder || !folder_only)
                                .find_map(|(_, name)| name.clone())
                        };
                        if let Some(category) = named(true) {
                            props.entry("category").or_insert(Value::from(category));
                        }
                        if let Some(folder) = named(false) {
                            props.insert("folder".into(), Value::from(folder));
                        }
                        let geometry = std::mem::take(&mut shapes).geometry();
                        features.push(json!({
                            "type": "Feature",
                            "properties": std::mem::take(&mut props),
                            "geometry": geometry,
                        }));
                    }
                    _ => {}
                }
                chars.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_kml {
        return Err(unreadable(
            "no <kml> element: this is not a KML document".to_string(),
        ));
    }
    if features.is_empty() {
        return Err(unreadable("the KML document has no Placemark".to_string()));
    }
    Ok(features)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn source() -> Source {
        Source::from_path(std::path::Path::new("/tmp/test.kml"))
    }

    /// A KML document written the way Google Earth writes one.
    fn sample() -> String {
        r#"<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>镇</name>
<Folder><name>幼儿园</name>
 <Placemark><name>阳光 &amp; 幼儿园</name>
  <ExtendedData><Data name="capacity"><value>120</value></Data>
  <SchemaData><SimpleData name="code">K1</SimpleData></SchemaData></ExtendedData>
  <Point><coordinates>116.5,39.9,0</coordinates></Point></Placemark>
</Folder>
<Placemark><name>一号路</name><LineString><coordinates>
  116.0,39.0 116.1,39.1
</coordinates></LineString></Placemark>
<Placemark><name>东街道</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
 116,39 117,39 117,40 116,39</coordinates></LinearRing></outerBoundaryIs>
 <innerBoundaryIs><LinearRing><coordinates>116.2,39.2 116.3,39.2 116.3,39.3 116.2,39.2</coordinates></LinearRing></innerBoundaryIs>
</Polygon></Placemark>
</Document></kml>"#
            .to_string()
    }

    #[test]
    fn placemarks_become_features_with_folder_and_extended_data() {
        let text = to_geojson(&source(), sample().as_bytes()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        let f = v["features"].as_array().unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[0]["properties"]["name"], "阳光 & 幼儿园");
        assert_eq!(f[0]["properties"]["category"], "幼儿园");
        assert_eq!(f[0]["properties"]["capacity"], "120");
        assert_eq!(f[0]["properties"]["code"], "K1");
        assert_eq!(f[0]["geometry"]["coordinates"], json!([116.5, 39.9]));
        assert_eq!(f[1]["geometry"]["type"], "LineString");
        // Outside the folder: the document's name is the nearest folder.
        assert_eq!(f[1]["properties"]["folder"], "镇");
        assert_eq!(f[1]["properties"].get("category"), None);
        assert_eq!(f[2]["geometry"]["type"], "Polygon");
        assert_eq!(f[2]["geometry"]["coordinates"].as_array().unwrap().len(), 2);
    }

    fn kmz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            for (name, bytes) in entries {
                w.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(bytes).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn a_kmz_is_read_like_its_kml() {
        let plain = to_geojson(&source(), sample().as_bytes()).unwrap();
        let packed = kmz(&[("files/icon.png", b"png"), ("doc.kml", sample().as_bytes())]);
        assert_eq!(to_geojson(&source(), &packed).unwrap(), plain);
    }

    #[test]
    fn a_kmz_without_kml_names_the_file_and_what_it_holds() {
        let packed = kmz(&[("files/icon.png", b"png")]);
        let e = to_geojson(&source(), &packed).unwrap_err().to_string();
        assert!(
            e.contains("test.kml") && e.contains("no .kml") && e.contains("icon.png"),
            "{e}"
        );
    }

    #[test]
    fn bad_coordinates_name_the_placemark() {
        let bad = sample().replace("116.5,39.9,0", "116.5,abc");
        let e = to_geojson(&source(), bad.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(e.contains("阳光 & 幼儿园") && e.contains("latitude"), "{e}");
        let e = to_geojson(&source(), b"<html></html>")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a KML"), "{e}");
    }
}
