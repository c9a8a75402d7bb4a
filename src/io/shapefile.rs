//! Shapefile input: `.shp` geometry (via the `shapefile` crate), `.dbf`
//! attributes (our own reader, see `dbf.rs`), `.prj` coordinate system and
//! `.cpg` encoding.
//!
//! The shapes are converted to WGS84 and handed to the GeoJSON layer
//! readers as features, so a Shapefile is validated exactly like a GeoJSON
//! file. The attribute encoding is the user's choice, else the `.cpg`, else
//! the DBF's language driver byte, else UTF-8 when every text is valid
//! UTF-8 and GBK/GB18030 otherwise. Without a `.prj`, longitude/latitude
//! coordinates are taken as WGS84; projected ones are an error that
//! suggests the likely Gauss–Krüger zone from the easting's zone prefix.

use super::crs::{CoordinateSystem, Transform};
use super::dbf::Dbf;
use super::options::ImportOptions;
use super::reproject;
use super::table::Bbox;
use super::{LoadError, Source};
use encoding_rs::Encoding;
use geo::{Contains as _, Coord, LineString, Point, Polygon};
use serde_json::{Map, Value, json};
use shapefile::record::traits::HasXY;
use shapefile::{PolygonRing, Shape};
use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// A Shapefile's features as a GeoJSON FeatureCollection in WGS84.
pub(crate) struct Features {
    pub text: String,
    pub notes: Vec<String>,
    /// Why the geometry of feature N (1-based) could not be used.
    pub dropped: HashMap<usize, String>,
    /// The coordinate system used.
    pub system: String,
    /// The attribute encoding used.
    pub encoding: &'static Encoding,
    /// Attribute names.
    pub columns: Vec<String>,
    /// The first records' attributes, as text.
    pub first_rows: Vec<Vec<String>>,
    /// Shapes in the file.
    pub count: usize,
    /// WGS84 extent of the converted shapes.
    pub bbox: Option<[f64; 4]>,
}

/// The sidecar file with extension `ext` (any case), if it exists.
fn sidecar(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.is_file())
}

fn read_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The encoding a `.cpg` file names (`UTF-8`, `GBK`, `936`, `ANSI 936` …).
fn cpg_encoding(text: &str) -> Option<&'static Encoding> {
    let label = text.trim().trim_start_matches('\u{feff}').trim();
    let lower = label.to_ascii_lowercase();
    let last = lower.split_whitespace().last().unwrap_or_default();
    match last {
        "65001" | "utf8" | "utf-8" => Some(encoding_rs::UTF_8),
        "936" | "cp936" | "gbk" | "gb2312" => Some(encoding_rs::GBK),
        "54936" | "gb18030" => Some(encoding_rs::GB18030),
        "950" | "big5" => Encoding::for_label(b"big5"),
        other if other.chars().all(|c| c.is_ascii_digit()) && !other.is_empty() => {
            Encoding::for_label(format!("cp{other}").as_bytes())
                .or_else(|| Encoding::for_label(format!("windows-{other}").as_bytes()))
        }
        _ => Encoding::for_label(label.as_bytes()),
    }
}

/// The EPSG code a projected easting's zone prefix suggests.
fn suggested_zone(x: f64) -> Option<String> {
    let zone = (x / 1.0e6).floor();
    if (25.0..=45.0).contains(&zone) {
        Some(format!(
            "EPSG:{} (CGCS2000 / 3-degree Gauss-Kruger zone {zone})",
            4488.0 + zone
        ))
    } else if (13.0..=23.0).contains(&zone) {
        Some(format!(
            "EPSG:{} (CGCS2000 / Gauss-Kruger zone {zone})",
            4478.0 + zone
        ))
    } else {
        None
    }
}

fn coordinate_system(
    shp: &Path,
    options: &ImportOptions,
    header_bbox: [f64; 4],
    notes: &mut Vec<String>,
) -> Result<CoordinateSystem, LoadError> {
    let crs_error = |message: String, path: &Path| LoadError::Crs {
        message,
        path: path.to_path_buf(),
    };
    if let Some(chosen) = CoordinateSystem::from_choice_with(options.crs, options.towgs84.as_ref())
    {
        return chosen.map_err(|m| crs_error(m, shp));
    }
    if let Some(prj) = sidecar(shp, "prj") {
        let bytes = read_file(&prj)?;
        let text = super::text::decode(&bytes).text.into_owned();
        return super::prj::parse_with(&text, options.towgs84.as_ref())
            .map_err(|m| crs_error(m, &prj));
    }
    let [min_x, min_y, max_x, max_y] = header_bbox;
    let geographic = [min_x, max_x].iter().all(|x| (-180.0..=180.0).contains(x))
        && [min_y, max_y].iter().all(|y| (-90.0..=90.0).contains(y));
    if geographic {
        notes.push(
            "there is no .prj beside the file; its coordinates are taken as WGS84 longitude/latitude"
                .to_string(),
        );
        return Ok(CoordinateSystem::wgs84());
    }
    let hint = suggested_zone(min_x)
        .map(|s| format!("; the eastings suggest {s}"))
        .unwrap_or_default();
    Err(crs_error(
        format!(
            "there is no .prj beside the file and its coordinates are projected (x {min_x:.0} to {max_x:.0}, y {min_y:.0} to {max_y:.0}); choose its coordinate system, e.g. an EPSG code{hint}"
        ),
        shp,
    ))
}

fn encoding_for(
    shp: &Path,
    options: &ImportOptions,
    dbf: Option<&Dbf>,
) -> Result<&'static Encoding, LoadError> {
    if let Some(e) = options.encoding {
        return Ok(e);
    }
    if let Some(cpg) = sidecar(shp, "cpg") {
        let text = String::from_utf8_lossy(&read_file(&cpg)?).into_owned();
        if let Some(e) = cpg_encoding(&text) {
            return Ok(e);
        }
    }
    Ok(match dbf {
        Some(d) => d.declared_encoding().unwrap_or_else(|| d.guess_encoding()),
        None => encoding_rs::UTF_8,
    })
}

/// Reads a Shapefile into features (see module docs).
pub(crate) fn read(
    source: &Source,
    shp: &Path,
    options: &ImportOptions,
) -> Result<Features, LoadError> {
    let mut bytes = read_file(shp)?;
    let unreadable = |message: String, path: &Path| LoadError::Unreadable {
        what: "Shapefile",
        message,
        path: path.to_path_buf(),
    };
    // Records whose sizes do not fit the file would make the reader
    // allocate what they claim (gigabytes): keep the sound records only.
    let mut damage = None;
    if let Some((record, end, why)) = first_damaged_record(&bytes) {
        if record == 1 {
            return Err(unreadable(
                format!("the first shape cannot be read ({why})"),
                shp,
            ));
        }
        bytes.truncate(end);
        damage = Some(format!(
            "the .shp is damaged at shape {record} ({why}); it and the shapes after it are ignored"
        ));
    }
    let mut reader = shapefile::ShapeReader::new(Cursor::new(bytes.as_slice()))
        .map_err(|e| unreadable(e.to_string(), shp))?;
    let b = reader.header().bbox;
    let header_bbox = [b.min.x, b.min.y, b.max.x, b.max.y];
    let mut notes = Vec::new();
    notes.extend(damage);
    let system = coordinate_system(shp, options, header_bbox, &mut notes)?;
    let transform = Transform::new(system);

    let dbf_bytes = match sidecar(shp, "dbf") {
        Some(path) => Some((read_file(&path)?, path)),
        None => {
            notes.push(
                "there is no .dbf beside the file, so the features have no attributes".into(),
            );
            None
        }
    };
    let dbf = match &dbf_bytes {
        Some((bytes, path)) => Some(Dbf::parse(bytes).map_err(|m| LoadError::Unreadable {
            what: "Shapefile attribute table (.dbf)",
            message: m,
            path: path.clone(),
        })?),
        None => None,
    };
    let encoding = encoding_for(shp, options, dbf.as_ref())?;
    let columns = dbf
        .as_ref()
        .map(|d| d.column_names(encoding))
        .unwrap_or_default();

    let mut features = Vec::new();
    let mut dropped = HashMap::new();
    let mut bbox = Bbox::default();
    let mut count = 0;
    let mut first_rows = Vec::new();
    for (i, shape) in reader.iter_shapes().enumerate() {
        let shape = match shape {
            Ok(s) => s,
            Err(e) if count == 0 => {
                return Err(unreadable(
                    format!("the first shape cannot be read ({e})"),
                    shp,
                ));
            }
            Err(e) => {
                notes.push(format!(
                    "the .shp is damaged after feature {count} ({e}); the rest is ignored"
                ));
                break;
            }
        };
        count += 1;
        let number = i + 1;
        let properties = match &dbf {
            Some(d) => match d.record(i, encoding) {
                Some(p) => p,
                None if i < d.len() => continue, // deleted record
                None => Map::new(),
            },
            None => Map::new(),
        };
        if first_rows.len() < super::options::PREVIEW_ROWS {
            first_rows.push(
                columns
                    .iter()
                    .map(|c| match properties.get(c) {
                        Some(Value::String(s)) => s.clone(),
                        Some(Value::Null) | None => String::new(),
                        Some(other) => other.to_string(),
                    })
                    .collect(),
            );
        }
        let geometry = match geometry_json(&shape, &transform, &mut bbox) {
            Ok(g) => g,
            Err(why) => {
                dropped.insert(number, why);
                Value::Null
            }
        };
        features.push(json!({"type": "Feature", "properties": properties, "geometry": geometry}));
    }
    if let Some(d) = &dbf {
        if d.len() != count {
            notes.push(format!(
                "the .shp has {count} shapes but the .dbf has {} records; shapes and records are paired in order",
                d.len()
            ));
        } else if d.missing_records > 0 {
            notes.push(format!(
                "the .dbf announces {} more records than it holds",
                d.missing_records
            ));
        }
    }
    reproject::check_choice(source, &features, &options.columns)?;
    if !options.columns.is_empty() {
        for f in &mut features {
            if let Some(Value::Object(props)) = f.get_mut("properties") {
                reproject::apply_choice(props, &options.columns);
            }
        }
    }
    notes.extend(transform.notes());
    let collection = json!({"type": "FeatureCollection", "features": features});
    Ok(Features {
        text: collection.to_string(),
        notes,
        dropped,
        system: transform.system.name.clone(),
        encoding,
        columns,
        first_rows,
        count,
        bbox: bbox.get(),
    })
}

/// The first record of a `.shp` whose declared sizes do not fit: its
/// 1-based number, the byte offset where it starts (the sound records end
/// there), and what is wrong. Checks each record's content length against
/// the file, and its count of parts and points against its content length
/// (ESRI Shapefile Technical Description, 1998), so that no record can
/// claim more memory than the file holds.
fn first_damaged_record(bytes: &[u8]) -> Option<(usize, usize, String)> {
    let be = |at: usize| -> Option<i64> {
        let b = bytes.get(at..at + 4)?;
        Some(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    };
    let le = |at: usize| -> Option<i64> {
        let b = bytes.get(at..at + 4)?;
        Some(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])))
    };
    let mut at = 100;
    let mut record = 0;
    while at + 8 <= bytes.len() {
        record += 1;
        let words = be(at + 4)?;
        let content = words.saturating_mul(2);
        let available = (bytes.len() - at - 8) as i64;
        if words < 2 || content > available {
            return Some((
                record,
                at,
                format!("it claims {content} bytes where {available} remain in the file"),
            ));
        }
        let body = at + 8;
        let shape_type = le(body)?;
        // Bytes before the part indices, bytes per part index, and bytes
        // per point (x, y only: Z and M arrays only add to the need).
        let layout = match shape_type {
            3 | 5 | 13 | 15 | 23 | 25 => Some((44, 4, 16)),
            31 => Some((44, 8, 16)),
            8 | 18 | 28 => Some((40, 0, 16)),
            _ => None,
        };
        if let Some((fixed, per_part, per_point)) = layout {
            let (parts, points) = if per_part == 0 {
                (0, le(body + 36)?)
            } else {
                (le(body + 36)?, le(body + 40)?)
            };
            let need = (parts.max(0) as i128) * per_part as i128
                + (points.max(0) as i128) * per_point as i128
                + fixed as i128;
            if parts < 0 || points < 0 || need > content as i128 {
                return Some((
                    record,
                    at,
                    format!(
                        "it declares {parts} parts and {points} points, which need {need} bytes, in {content} bytes"
                    ),
                ));
            }
            // Each part starts at a point index: from 0, never going back,
            // never past the points (the reader sizes a part by the next
            // index, so a wild one asks for gigabytes).
            let mut previous = 0;
            for k in 0..parts.max(0) as usize {
                let start = le(body + fixed + k * per_part)?;
                if start < previous || start > points || (k == 0 && start != 0) {
                    return Some((
                        record,
                        at,
                        format!(
                            "part {} starts at point {start}, outside its {points} points",
                            k + 1
                        ),
                    ));
                }
                previous = start;
            }
        }
        at = body + content as usize;
    }
    None
}

/// WGS84 `[lon, lat]` positions of a part.
fn positions<P: HasXY>(
    points: &[P],
    t: &Transform,
    bbox: &mut Bbox,
) -> Result<Vec<[f64; 2]>, String> {
    points
        .iter()
        .map(|p| {
            let (lon, lat) = t.apply(p.x(), p.y())?;
            bbox.add(lon, lat);
            Ok([lon, lat])
        })
        .collect()
}

/// Outer rings with their holes. A hole goes to the first outer ring that
/// contains its first vertex (else to the last outer ring before it); a
/// hole before any outer ring is taken as an outer ring.
fn assemble<P: HasXY>(rings: &[PolygonRing<P>]) -> Vec<(&[P], Vec<&[P]>)> {
    let mut polygons: Vec<(&[P], Vec<&[P]>)> = Vec::new();
    let shape = |points: &[P]| {
        Polygon::new(
            LineString::new(
                points
                    .iter()
                    .map(|p| Coord { x: p.x(), y: p.y() })
                    .collect(),
            ),
            vec![],
        )
    };
    let outers: Vec<Polygon<f64>> = rings
        .iter()
        .filter_map(|r| match r {
            PolygonRing::Outer(p) => Some(shape(p)),
            PolygonRing::Inner(_) => None,
        })
        .collect();
    let mut outer_index = Vec::new();
    for ring in rings {
        match ring {
            PolygonRing::Outer(points) => {
                outer_index.push(polygons.len());
                polygons.push((points.as_slice(), Vec::new()));
            }
            PolygonRing::Inner(points) => {
                let first = points.first().map(|p| Point::new(p.x(), p.y()));
                let container = first.and_then(|f| {
                    outers
                        .iter()
                        .position(|o| o.contains(&f))
                        .and_then(|k| outer_index.get(k).copied())
                });
                match container.or_else(|| polygons.len().checked_sub(1)) {
                    Some(k) => {
                        if let Some(p) = polygons.get_mut(k) {
                            p.1.push(points.as_slice());
                        }
                    }
                    None => polygons.push((points.as_slice(), Vec::new())),
                }
            }
        }
    }
    polygons
}

fn polygon_json<P: HasXY>(
    rings: &[PolygonRing<P>],
    t: &Transform,
    bbox: &mut Bbox,
) -> Result<Value, String> {
    let mut parts = Vec::new();
    for (outer, holes) in assemble(rings) {
        let mut part = vec![positions(outer, t, bbox)?];
        for hole in holes {
            part.push(positions(hole, t, bbox)?);
        }
        parts.push(part);
    }
    Ok(match parts.as_slice() {
        [one] => json!({"type": "Polygon", "coordinates": one}),
        _ => json!({"type": "MultiPolygon", "coordinates": parts}),
    })
}

fn lines_json<P: HasXY>(parts: &[Vec<P>], t: &Transform, bbox: &mut Bbox) -> Result<Value, String> {
    let lines = parts
        .iter()
        .map(|p| positions(p, t, bbox))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match lines.as_slice() {
        [one] => json!({"type": "LineString", "coordinates": one}),
        _ => json!({"type": "MultiLineString", "coordinates": lines}),
    })
}

fn points_json<P: HasXY>(points: &[P], t: &Transform, bbox: &mut Bbox) -> Result<Value, String> {
    let p = positions(points, t, bbox)?;
    Ok(match p.as_slice() {
        [one] => json!({"type": "Point", "coordinates": one}),
        _ => json!({"type": "MultiPoint", "coordinates": p}),
    })
}

/// A shape as a GeoJSON geometry in WGS84 (`null` for a null shape).
fn geometry_json(shape: &Shape, t: &Transform, bbox: &mut Bbox) -> Result<Value, String> {
    match shape {
        Shape::NullShape => Ok(Value::Null),
        Shape::Point(p) => points_json(std::slice::from_ref(p), t, bbox),
        Shape::PointM(p) => points_json(std::slice::from_ref(p), t, bbox),
        Shape::PointZ(p) => points_json(std::slice::from_ref(p), t, bbox),
        Shape::Multipoint(m) => points_json(m.points(), t, bbox),
        Shape::MultipointM(m) => points_json(m.points(), t, bbox),
        Shape::MultipointZ(m) => points_json(m.points(), t, bbox),
        Shape::Polyline(l) => lines_json(l.parts(), t, bbox),
        Shape::PolylineM(l) => lines_json(l.parts(), t, bbox),
        Shape::PolylineZ(l) => lines_json(l.parts(), t, bbox),
        Shape::Polygon(p) => polygon_json(p.rings(), t, bbox),
        Shape::PolygonM(p) => polygon_json(p.rings(), t, bbox),
        Shape::PolygonZ(p) => polygon_json(p.rings(), t, bbox),
        Shape::Multipatch(_) => {
            Err("has a MultiPatch (3-D surface) shape, which has no use here".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpg_labels() {
        assert_eq!(cpg_encoding("UTF-8\r\n"), Some(encoding_rs::UTF_8));
        assert_eq!(cpg_encoding("936"), Some(encoding_rs::GBK));
        assert_eq!(cpg_encoding("ANSI 936"), Some(encoding_rs::GBK));
        assert_eq!(cpg_encoding("GB2312"), Some(encoding_rs::GBK));
        assert_eq!(cpg_encoding("1252"), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(cpg_encoding("nonsense"), None);
    }

    #[test]
    fn zone_suggestions() {
        assert_eq!(
            suggested_zone(40_512_345.0).as_deref(),
            Some("EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40)")
        );
        assert_eq!(
            suggested_zone(21_226_207.0).as_deref(),
            Some("EPSG:4499 (CGCS2000 / Gauss-Kruger zone 21)")
        );
        assert_eq!(suggested_zone(512_345.0), None);
    }

    /// A .shp of two squares, written by the `shapefile` crate.
    fn two_squares() -> Vec<u8> {
        let square = |x0: f64| {
            shapefile::Polygon::new(PolygonRing::Outer(vec![
                shapefile::Point::new(x0, 0.0),
                shapefile::Point::new(x0, 1.0),
                shapefile::Point::new(x0 + 1.0, 1.0),
                shapefile::Point::new(x0 + 1.0, 0.0),
                shapefile::Point::new(x0, 0.0),
            ]))
        };
        let mut shp = Cursor::new(Vec::new());
        let mut shx = Cursor::new(Vec::new());
        let mut writer = shapefile::ShapeWriter::with_shx(&mut shp, &mut shx);
        writer.write_shape(&square(0.0)).unwrap();
        writer.write_shape(&square(2.0)).unwrap();
        writer.finalize().unwrap();
        drop(writer);
        shp.into_inner()
    }

    #[test]
    fn records_that_claim_more_than_the_file_holds_are_found() {
        let sound = two_squares();
        assert_eq!(first_damaged_record(&sound), None);
        // Record 1 starts at 100; its content length (in 16-bit words) at
        // 104; the second record starts after 8 + 2 × that length.
        let first_len = i32::from_be_bytes(sound[104..108].try_into().unwrap()) as usize * 2;
        let second = 100 + 8 + first_len;
        // The second square claims a billion points.
        let mut points = sound.clone();
        points[second + 8 + 40..second + 8 + 44].copy_from_slice(&1_000_000_000i32.to_le_bytes());
        let (record, at, why) = first_damaged_record(&points).unwrap();
        assert_eq!((record, at), (2, second));
        assert!(why.contains("1000000000 points"), "{why}");
        // The first claims more bytes than the file has.
        let mut length = sound.clone();
        length[104..108].copy_from_slice(&i32::MAX.to_be_bytes());
        assert_eq!(
            first_damaged_record(&length).map(|d| (d.0, d.1)),
            Some((1, 100))
        );
        // A truncated file: the last record is cut.
        let cut = &sound[..sound.len() - 10];
        assert_eq!(first_damaged_record(cut).map(|d| d.0), Some(2));
    }

    #[test]
    fn holes_go_to_the_ring_that_contains_them() {
        let square = |x0: f64, size: f64| {
            vec![
                shapefile::Point::new(x0, x0),
                shapefile::Point::new(x0, x0 + size),
                shapefile::Point::new(x0 + size, x0 + size),
                shapefile::Point::new(x0 + size, x0),
                shapefile::Point::new(x0, x0),
            ]
        };
        let rings = vec![
            PolygonRing::Outer(square(0.0, 10.0)),
            PolygonRing::Outer(square(20.0, 10.0)),
            PolygonRing::Inner(square(2.0, 1.0)),
        ];
        let polygons = assemble(&rings);
        assert_eq!(polygons.len(), 2);
        assert_eq!(polygons[0].1.len(), 1);
        assert!(polygons[1].1.is_empty());
        let orphan = vec![PolygonRing::Inner(square(0.0, 1.0))];
        assert_eq!(assemble(&orphan).len(), 1);
    }
}
