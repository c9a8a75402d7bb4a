//! A DXF drawing ([`super::dxf`]) as the GeoJSON features of one layer, so
//! the GeoJSON layer readers (names, category mapping, coordinate
//! conversion) apply unchanged:
//!
//! - townships: the closed polylines and hatch outlines of the chosen CAD
//!   layers, each named by the largest TEXT/MTEXT/attribute inside it (the
//!   text goes to the smallest outline holding it);
//! - facilities: POINTs and block INSERTs, the category from the block name
//!   (the layer name for a POINT), the name from an attribute such as NAME
//!   or 名称; every attribute becomes a property;
//! - roads: LINEs, polylines and ARCs, the road class from the CAD layer
//!   (the user's mapping, else guessed from its name: 主干路 → primary …).
//!
//! CAD files carry no coordinate system: unless the user chose one, an
//! easting with a zone number in front (e.g. 40 514 923 m) is taken as that
//! CGCS2000 3° or 6° Gauss–Krüger zone, with a note saying so, and other
//! projected numbers are refused with a request to choose.
//!
//! Layer: io.

use super::crs::Crs;
use super::dxf::{self, CadPolygon, Drawing};
use super::options::{CadChoice, ImportOptions};
use super::{LayerKind, LoadError, Source};
use serde_json::{Map, Value, json};

/// What closed outlines are read as: they lead to different CAD layers
/// when none is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outlines {
    Townships,
    TownAreas,
}

impl Outlines {
    /// Words in CAD layer names that say the layer holds these outlines.
    fn words(self) -> &'static [&'static str] {
        match self {
            Outlines::Townships => &[
                "乡镇", "镇界", "乡界", "街道", "行政", "边界", "界线", "township", "boundary",
                "admin",
            ],
            Outlines::TownAreas => &["镇区", "城镇开发", "建成区", "集镇", "town", "urban"],
        }
    }

    fn matches(self, layer: &str) -> bool {
        let l = layer.to_lowercase();
        let other = match self {
            Outlines::Townships => Outlines::TownAreas,
            Outlines::TownAreas => Outlines::Townships,
        };
        self.words().iter().any(|w| l.contains(w))
            && !(self == Outlines::Townships && other.words().iter().any(|w| l.contains(w)))
    }
}

/// The drawing's features for `layer` as GeoJSON text (drawing
/// coordinates, with a `crs` member when a zone was guessed), and notes.
pub(crate) fn to_geojson(
    source: &Source,
    bytes: &[u8],
    layer: LayerKind,
    options: &ImportOptions,
) -> Result<(String, Vec<String>), LoadError> {
    to_geojson_as(source, bytes, layer, Outlines::Townships, options)
}

/// [`to_geojson`], with closed outlines read as `outlines` (townships or
/// town areas).
pub(crate) fn to_geojson_as(
    source: &Source,
    bytes: &[u8],
    layer: LayerKind,
    outlines: Outlines,
    options: &ImportOptions,
) -> Result<(String, Vec<String>), LoadError> {
    let drawing = read(source, bytes)?;
    let mut notes = Vec::new();
    let features = match layer {
        LayerKind::Townships => townships(source, &drawing, &options.cad, outlines, &mut notes)?,
        LayerKind::Facilities => facilities(source, &drawing, &options.cad)?,
        LayerKind::Roads => roads(source, &drawing, &options.cad, &mut notes)?,
        LayerKind::Residents => {
            return Err(LoadError::NotForLayer {
                layer,
                format: "DXF",
                advice: "a drawing holds no population; use a table, GeoJSON or Shapefile of residents",
                path: source.path.clone(),
            });
        }
    };
    let mut root = json!({"type": "FeatureCollection", "features": features});
    if options.crs == Crs::FromPrj {
        match guess_crs(&drawing) {
            Guess::Zone(code, name) => {
                root["crs"] =
                    json!({"type": "name", "properties": {"name": format!("EPSG:{code}")}});
                notes.push(format!(
                    "CAD drawings carry no coordinate system; the eastings carry a zone number, so the drawing is taken as {name} (EPSG:{code}); choose the coordinate system if it is Xian 1980 or Beijing 1954"
                ));
            }
            Guess::LonLat => {}
            Guess::Unknown(why) => {
                return Err(LoadError::Crs {
                    message: why,
                    path: source.path.clone(),
                });
            }
        }
    }
    let skipped: Vec<String> = drawing
        .skipped
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    if !skipped.is_empty() {
        notes.push(format!(
            "entities LifeCircle does not read were left out: {}",
            skipped.join(", ")
        ));
    }
    Ok((root.to_string(), notes))
}

/// Reads the drawing, naming the file in errors.
pub(crate) fn read(source: &Source, bytes: &[u8]) -> Result<Drawing, LoadError> {
    dxf::read(bytes).map_err(|message| LoadError::Unreadable {
        what: "DXF drawing",
        message,
        path: source.path.clone(),
    })
}

/// What the numbers of a drawing say about its coordinate system.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Guess {
    /// An easting with a zone prefix: the CGCS2000 zone's EPSG code.
    Zone(u32, String),
    /// Longitude/latitude.
    LonLat,
    /// Projected numbers without a zone: why the user must choose.
    Unknown(String),
}

/// The coordinate system the numbers suggest (see module docs).
pub(crate) fn guess_crs(drawing: &Drawing) -> Guess {
    let Some([x0, y0, x1, y1]) = drawing.extent() else {
        return Guess::LonLat;
    };
    if x0 >= -180.0 && x1 <= 180.0 && y0 >= -90.0 && y1 <= 90.0 {
        return Guess::LonLat;
    }
    let zone = (x0 / 1e6).floor();
    let same_zone = zone == (x1 / 1e6).floor();
    let in_zone = (100_000.0..=900_000.0).contains(&(x0 - zone * 1e6))
        && (100_000.0..=900_000.0).contains(&(x1 - zone * 1e6));
    let northing = (1.0e6..=6.0e6).contains(&y0) && (1.0e6..=6.0e6).contains(&y1);
    if x0 >= 1e7 && same_zone && in_zone && northing {
        let z = zone as u32;
        if (25..=45).contains(&z) {
            return Guess::Zone(
                4488 + z,
                format!("CGCS2000 / 3-degree Gauss-Kruger zone {z}"),
            );
        }
        if (13..=23).contains(&z) {
            return Guess::Zone(4478 + z, format!("CGCS2000 / Gauss-Kruger zone {z}"));
        }
    }
    let looks_gk = in_zone && zone == 0.0 && northing;
    Guess::Unknown(if looks_gk {
        format!(
            "CAD drawings carry no coordinate system, and the eastings ({x0:.0} to {x1:.0}) have no zone number in front; \
             choose the system, e.g. EPSG:4549 for CGCS2000 3-degree Gauss-Kruger CM 120E (EPSG:4534-4554 by central meridian)"
        )
    } else {
        format!(
            "CAD drawings carry no coordinate system, and the numbers (x {x0:.0} to {x1:.0}, y {y0:.0} to {y1:.0}) are not \
             longitude/latitude or a Gauss-Kruger zone; choose the system the drawing was made in"
        )
    })
}

/// Whether a CAD layer is one the user chose (all when none chosen).
fn chosen(choice: &CadChoice, layer: &str) -> bool {
    choice.layers.is_empty() || choice.layers.iter().any(|l| l == layer)
}

fn ring_area(ring: &[[f64; 2]]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        .abs()
        / 2.0
}

fn contains(ring: &[[f64; 2]], [x, y]: [f64; 2]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let ([xi, yi], [xj, yj]) = (w[0], w[1]);
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    inside
}

/// An outline's box and area, to tell the same outline drawn twice (a
/// hatch over its boundary polyline).
#[derive(Clone, Copy)]
struct Shape {
    bbox: [f64; 4],
    area: f64,
}

impl Shape {
    fn of(ring: &[[f64; 2]]) -> Self {
        let bbox = ring
            .iter()
            .fold([f64::MAX, f64::MAX, f64::MIN, f64::MIN], |e, p| {
                [
                    e[0].min(p[0]),
                    e[1].min(p[1]),
                    e[2].max(p[0]),
                    e[3].max(p[1]),
                ]
            });
        Self {
            bbox,
            area: ring_area(ring),
        }
    }

    /// Boxes within 0.1 % of the size and areas within 0.1 %.
    fn same_as(&self, other: &Shape) -> bool {
        let e = self.bbox;
        let size = (e[2] - e[0]).max(e[3] - e[1]).max(1e-9);
        let close = e
            .iter()
            .zip(&other.bbox)
            .all(|(p, q)| (p - q).abs() <= 1e-3 * size);
        close && (self.area - other.area).abs() <= 1e-3 * self.area.max(other.area)
    }
}

fn townships(
    source: &Source,
    d: &Drawing,
    choice: &CadChoice,
    kind: Outlines,
    notes: &mut Vec<String>,
) -> Result<Vec<Value>, LoadError> {
    let mut outlines: Vec<&CadPolygon> = Vec::new();
    // With no CAD layers chosen, the layers named for these outlines (乡镇界
    // for townships, 镇区范围 for town areas) when there are any.
    let named = choice.layers.is_empty() && d.polygons.iter().any(|p| kind.matches(&p.layer));
    let use_layer = |layer: &str| {
        if named {
            kind.matches(layer)
        } else {
            chosen(choice, layer)
        }
    };
    if named {
        let mut left: Vec<&str> = d
            .polygons
            .iter()
            .map(|p| p.layer.as_str())
            .filter(|l| !kind.matches(l))
            .collect();
        left.sort_unstable();
        left.dedup();
        if !left.is_empty() {
            notes.push(format!(
                "only the outlines on CAD layers named like {} were read; left out: {} (choose the layers to read them)",
                match kind {
                    Outlines::Townships => "township boundaries",
                    Outlines::TownAreas => "town areas",
                },
                left.join(", ")
            ));
        }
    }
    // Polylines first, so a hatch over its boundary is the duplicate.
    let mut candidates: Vec<&CadPolygon> =
        d.polygons.iter().filter(|p| use_layer(&p.layer)).collect();
    candidates.sort_by_key(|p| p.from_hatch);
    let mut shapes: Vec<Shape> = Vec::new();
    for p in candidates {
        let shape = Shape::of(&p.ring);
        if !shapes.iter().any(|s| s.same_as(&shape)) {
            outlines.push(p);
            shapes.push(shape);
        }
    }
    if outlines.is_empty() {
        let layers: Vec<String> = d
            .layer_counts()
            .into_iter()
            .filter(|(_, c)| c[1] > 0)
            .map(|(l, c)| format!("{l} ({} lines)", c[1]))
            .collect();
        return Err(LoadError::Unreadable {
            what: "DXF drawing",
            message: format!(
                "it has no closed polylines or hatches{} to take as boundaries (boundaries must be closed LWPOLYLINE/POLYLINE or HATCH); its layers with lines: {}",
                if choice.layers.is_empty() {
                    String::new()
                } else {
                    format!(" on the layers {}", choice.layers.join(", "))
                },
                if layers.is_empty() {
                    "none".to_string()
                } else {
                    layers.join(", ")
                }
            ),
            path: source.path.clone(),
        });
    }
    let areas: Vec<f64> = shapes.iter().map(|s| s.area).collect();
    // Each text names the smallest outline it lies in; the largest text wins.
    let mut names: Vec<Option<(f64, String)>> = vec![None; outlines.len()];
    let texts = d
        .texts
        .iter()
        .filter(|t| choice.name_layer.as_ref().is_none_or(|l| *l == t.layer));
    let texts: Vec<&dxf::CadText> = texts.collect();
    let rings: Vec<&[[f64; 2]]> = outlines.iter().map(|o| o.ring.as_slice()).collect();
    let points: Vec<[f64; 2]> = texts.iter().map(|t| t.at).collect();
    for (t, holder) in texts.iter().zip(smallest_holders(&rings, &areas, &points)) {
        if let Some(i) = holder {
            let better = names[i].as_ref().is_none_or(|(h, _)| t.height > *h);
            if better {
                names[i] = Some((t.height, t.text.clone()));
            }
        }
    }
    Ok(outlines
        .iter()
        .zip(names)
        .map(|(o, name)| {
            let mut props = Map::new();
            if let Some((_, n)) = name {
                props.insert("name".into(), json!(n));
            }
            props.insert("cad_layer".into(), json!(o.layer));
            props.insert("cad_entity".into(), json!(if o.from_hatch { "HATCH" } else { "POLYLINE" }));
            json!({"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [o.ring]}})
        })
        .collect())
}

/// For each point, the smallest ring (by `areas`) holding it. The rings'
/// boxes go into an R-tree first: a plan may hold thousands of closed
/// polylines and texts.
fn smallest_holders(
    rings: &[&[[f64; 2]]],
    areas: &[f64],
    points: &[[f64; 2]],
) -> Vec<Option<usize>> {
    use rstar::primitives::{GeomWithData, Rectangle};
    let boxes: Vec<GeomWithData<Rectangle<[f64; 2]>, usize>> = rings
        .iter()
        .enumerate()
        .map(|(i, ring)| {
            let (lo, hi) = ring.iter().fold(
                ([f64::MAX, f64::MAX], [f64::MIN, f64::MIN]),
                |(lo, hi), p| {
                    (
                        [lo[0].min(p[0]), lo[1].min(p[1])],
                        [hi[0].max(p[0]), hi[1].max(p[1])],
                    )
                },
            );
            GeomWithData::new(Rectangle::from_corners(lo, hi), i)
        })
        .collect();
    let tree = rstar::RTree::bulk_load(boxes);
    points
        .iter()
        .map(|p| {
            tree.locate_all_at_point(p)
                .map(|b| b.data)
                .filter(|&i| contains(rings[i], *p))
                .min_by(|&a, &b| areas[a].total_cmp(&areas[b]).then(a.cmp(&b)))
        })
        .collect()
}

/// Attribute tags that hold a facility's name.
const NAME_TAGS: &[&str] = &["name", "名称", "设施名称", "mc", "名字"];

fn facilities(source: &Source, d: &Drawing, choice: &CadChoice) -> Result<Vec<Value>, LoadError> {
    let features: Vec<Value> = d
        .points
        .iter()
        .filter(|p| chosen(choice, &p.layer))
        .map(|p| {
            let mut props = Map::new();
            for (tag, value) in &p.attributes {
                props.insert(tag.clone(), json!(value));
            }
            let name = p
                .attributes
                .iter()
                .find(|(t, _)| NAME_TAGS.contains(&t.to_lowercase().as_str()))
                .map(|(_, v)| v.clone());
            let category = p.block.clone().unwrap_or_else(|| p.layer.clone());
            props.insert("category".into(), json!(category));
            if let Some(n) = name {
                props.insert("name".into(), json!(n));
            }
            props.insert("cad_layer".into(), json!(p.layer));
            if let Some(b) = &p.block {
                props.insert("cad_block".into(), json!(b));
            }
            json!({"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": p.at}})
        })
        .collect();
    if features.is_empty() {
        return Err(LoadError::Unreadable {
            what: "DXF drawing",
            message: "it has no POINTs or block INSERTs to take as facilities".to_string(),
            path: source.path.clone(),
        });
    }
    Ok(features)
}

/// The road class a CAD layer name suggests (Chinese plan conventions and
/// English names), as an OSM `highway` value.
pub fn guess_road_class(layer: &str) -> Option<&'static str> {
    let l = layer.to_lowercase();
    let rules: &[(&[&str], &str)] = &[
        (&["高速", "motorway", "expressway"], "motorway"),
        (&["快速", "国道", "trunk"], "trunk"),
        (&["主干", "省道", "primary", "arterial"], "primary"),
        (&["次干", "县道", "secondary", "collector"], "secondary"),
        (&["乡道", "tertiary"], "tertiary"),
        (
            &["支路", "街坊", "residential", "local", "street"],
            "residential",
        ),
        (&["村道", "村路", "unclassified"], "unclassified"),
        (&["内部", "service"], "service"),
        (&["机耕", "track"], "track"),
        (&["步行", "绿道", "footway", "path"], "footway"),
    ];
    rules
        .iter()
        .find(|(keys, _)| keys.iter().any(|k| l.contains(k)))
        .map(|(_, class)| *class)
}

/// Whether a CAD layer looks like one holding roads.
fn looks_like_roads(layer: &str) -> bool {
    let l = layer.to_lowercase();
    guess_road_class(layer).is_some()
        || ["道路", "路网", "road", "street", "街", "公路"]
            .iter()
            .any(|k| l.contains(k))
}

fn roads(
    source: &Source,
    d: &Drawing,
    choice: &CadChoice,
    notes: &mut Vec<String>,
) -> Result<Vec<Value>, LoadError> {
    let road_layers_named =
        choice.layers.is_empty() && d.lines.iter().any(|l| looks_like_roads(&l.layer));
    let use_line = |layer: &str| {
        if road_layers_named {
            looks_like_roads(layer) || choice.road_classes.contains_key(layer)
        } else {
            chosen(choice, layer)
        }
    };
    let features: Vec<Value> = d
        .lines
        .iter()
        .filter(|l| use_line(&l.layer) && l.points.len() >= 2)
        .map(|l| {
            let class = choice
                .road_classes
                .get(&l.layer)
                .cloned()
                .or_else(|| guess_road_class(&l.layer).map(str::to_string));
            let mut props = Map::new();
            if let Some(c) = class {
                props.insert("highway".into(), json!(c));
            }
            props.insert("cad_layer".into(), json!(l.layer));
            props.insert("cad_entity".into(), json!(l.entity));
            json!({"type": "Feature", "properties": props, "geometry": {"type": "LineString", "coordinates": l.points}})
        })
        .collect();
    if road_layers_named {
        let left: Vec<String> = d
            .layer_counts()
            .into_iter()
            .filter(|(l, c)| c[1] > 0 && !use_line(l))
            .map(|(l, _)| l)
            .collect();
        if !left.is_empty() {
            notes.push(format!(
                "only the CAD layers named like roads were read; left out: {} (choose the layers to read them)",
                left.join(", ")
            ));
        }
    }
    if features.is_empty() {
        return Err(LoadError::Unreadable {
            what: "DXF drawing",
            message: "it has no LINEs, polylines or ARCs on the chosen layers to take as roads"
                .to_string(),
            path: source.path.clone(),
        });
    }
    Ok(features)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::dxf::{CadLine, CadPoint, CadText};

    fn square(layer: &str, x: f64, y: f64, size: f64, hatch: bool) -> CadPolygon {
        CadPolygon {
            layer: layer.into(),
            ring: vec![
                [x, y],
                [x + size, y],
                [x + size, y + size],
                [x, y + size],
                [x, y],
            ],
            from_hatch: hatch,
        }
    }

    fn text(t: &str, at: [f64; 2], height: f64) -> CadText {
        CadText {
            layer: "注记".into(),
            text: t.into(),
            at,
            height,
        }
    }

    #[test]
    fn texts_name_the_smallest_outline_and_duplicates_go() {
        let d = Drawing {
            polygons: vec![
                square("镇界", 0.0, 0.0, 100.0, false),
                square("镇界", 0.0, 0.0, 100.0, true),
                square("镇区", 10.0, 10.0, 20.0, false),
            ],
            texts: vec![
                text("小字", [50.0, 50.0], 1.0),
                text("甲镇", [60.0, 60.0], 5.0),
                text("镇区", [15.0, 15.0], 3.0),
            ],
            ..Drawing::default()
        };
        let source = Source::from_label("plan.dxf");
        let read = |choice: &CadChoice, kind: Outlines| {
            townships(&source, &d, choice, kind, &mut Vec::new())
        };
        // All outlines when every layer is read: each text names the
        // smallest outline holding it, the largest text wins.
        let all = CadChoice {
            layers: vec!["镇界".into(), "镇区".into()],
            ..CadChoice::default()
        };
        let f = read(&all, Outlines::Townships).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0]["properties"]["name"], "甲镇");
        assert_eq!(f[1]["properties"]["name"], "镇区");
        // Without a choice, the layers named for the purpose.
        let mut notes = Vec::new();
        let f = townships(
            &source,
            &d,
            &CadChoice::default(),
            Outlines::Townships,
            &mut notes,
        )
        .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0]["properties"]["name"], "甲镇");
        assert!(notes[0].contains("left out: 镇区"), "{notes:?}");
        let f = read(&CadChoice::default(), Outlines::TownAreas).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0]["properties"]["name"], "镇区");
        let only = CadChoice {
            layers: vec!["镇界".into()],
            ..CadChoice::default()
        };
        assert_eq!(read(&only, Outlines::Townships).unwrap().len(), 1);
        let none = CadChoice {
            layers: vec!["道路".into()],
            ..CadChoice::default()
        };
        let err = read(&none, Outlines::Townships).unwrap_err().to_string();
        assert!(
            err.contains("no closed polylines") && err.contains("plan.dxf"),
            "{err}"
        );
    }

    /// The R-tree search finds what trying every ring finds.
    #[test]
    fn holders_match_a_search_of_every_ring() {
        let mut rng = crate::generate::SplitMix64::new(7);
        let rings: Vec<Vec<[f64; 2]>> = (0..300)
            .map(|_| {
                let (x, y) = (rng.next_f64() * 1000.0, rng.next_f64() * 1000.0);
                let (w, h) = (5.0 + rng.next_f64() * 200.0, 5.0 + rng.next_f64() * 200.0);
                // A triangle-notched box, not convex.
                vec![
                    [x, y],
                    [x + w, y],
                    [x + w / 2.0, y + h / 2.0],
                    [x + w, y + h],
                    [x, y + h],
                    [x, y],
                ]
            })
            .collect();
        let refs: Vec<&[[f64; 2]]> = rings.iter().map(Vec::as_slice).collect();
        let areas: Vec<f64> = rings.iter().map(|r| ring_area(r)).collect();
        let points: Vec<[f64; 2]> = (0..2000)
            .map(|_| [rng.next_f64() * 1100.0, rng.next_f64() * 1100.0])
            .collect();
        let fast = smallest_holders(&refs, &areas, &points);
        let slow: Vec<Option<usize>> = points
            .iter()
            .map(|p| {
                (0..rings.len())
                    .filter(|&i| contains(&rings[i], *p))
                    .min_by(|&a, &b| areas[a].total_cmp(&areas[b]).then(a.cmp(&b)))
            })
            .collect();
        assert_eq!(fast, slow);
        assert!(fast.iter().filter(|h| h.is_some()).count() > 500);
    }

    #[test]
    fn road_layers_and_classes() {
        let line = |layer: &str| CadLine {
            layer: layer.into(),
            points: vec![[0.0, 0.0], [1.0, 1.0]],
            entity: "LINE",
        };
        let d = Drawing {
            lines: vec![line("主干路"), line("次干路"), line("支路"), line("建筑")],
            ..Drawing::default()
        };
        let mut notes = Vec::new();
        let source = Source::from_label("plan.dxf");
        let f = roads(&source, &d, &CadChoice::default(), &mut notes).unwrap();
        let classes: Vec<&str> = f
            .iter()
            .map(|f| f["properties"]["highway"].as_str().unwrap())
            .collect();
        assert_eq!(classes, ["primary", "secondary", "residential"]);
        assert!(notes[0].contains("建筑"), "{notes:?}");
        let mut mapped = CadChoice {
            layers: vec!["建筑".into()],
            ..CadChoice::default()
        };
        mapped.road_classes.insert("建筑".into(), "service".into());
        let f = roads(&source, &d, &mapped, &mut Vec::new()).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0]["properties"]["highway"], "service");
        assert_eq!(guess_road_class("ROAD-Arterial"), Some("primary"));
    }

    #[test]
    fn facilities_take_block_names_and_attributes() {
        let mut attributes = std::collections::BTreeMap::new();
        attributes.insert("名称".to_string(), "航埠小学".to_string());
        let d = Drawing {
            points: vec![
                CadPoint {
                    layer: "公服".into(),
                    block: Some("小学".into()),
                    at: [1.0, 2.0],
                    attributes,
                },
                CadPoint {
                    layer: "公厕".into(),
                    block: None,
                    at: [3.0, 4.0],
                    attributes: Default::default(),
                },
            ],
            ..Drawing::default()
        };
        let f = facilities(&Source::from_label("plan.dxf"), &d, &CadChoice::default()).unwrap();
        assert_eq!(f[0]["properties"]["category"], "小学");
        assert_eq!(f[0]["properties"]["name"], "航埠小学");
        assert_eq!(f[1]["properties"]["category"], "公厕");
    }

    #[test]
    fn zones_are_guessed_from_the_eastings() {
        let at = |x: f64, y: f64| Drawing {
            points: vec![CadPoint {
                layer: "0".into(),
                block: None,
                at: [x, y],
                attributes: Default::default(),
            }],
            ..Drawing::default()
        };
        assert!(matches!(
            guess_crs(&at(40_514_923.7, 3_350_508.9)),
            Guess::Zone(4528, _)
        ));
        assert!(matches!(
            guess_crs(&at(21_226_207.9, 3_353_927.2)),
            Guess::Zone(4499, _)
        ));
        assert_eq!(guess_crs(&at(120.15, 30.27)), Guess::LonLat);
        let Guess::Unknown(why) = guess_crs(&at(514_923.7, 3_350_508.9)) else {
            panic!()
        };
        assert!(why.contains("no zone number"), "{why}");
        let Guess::Unknown(why) = guess_crs(&at(1234.0, 5678.0)) else {
            panic!()
        };
        assert!(why.contains("choose the system"), "{why}");
    }
}
