//! OpenStreetMap PBF extracts (`.osm.pbf`, e.g. Geofabrik's China or a
//! province): roads with `highway`, `oneway`, `maxspeed`, and facilities
//! recognised by the tag rules of the profile's categories.
//!
//! The file is streamed twice and never held in memory: the first pass
//! keeps the ways that are roads (or POI areas) with their node ids, the
//! second looks up the coordinates of just those nodes (and reads POI
//! nodes). Blocks are decoded in parallel; the output keeps file order.
//! Roads whose nodes lie outside the extract are cut where the nodes are
//! missing. POIs mapped as multipolygon relations are not read.

use super::categories::{CategoryMatcher, Classified};
use super::fields::{self, Field};
use super::geometry;
use super::mapping::{POI_KEYS, Poi};
use super::records::{FacilityBuilder, Record};
use super::table::Bbox;
use super::{LayerKind, LoadError, Loaded, Source};
use crate::model::{Facility, Oneway, Road};
use geo::{Centroid as _, Coord, LineString, Point, Polygon};
use osmpbf::{BlobDecode, BlobReader, Element, PrimitiveBlock};
use rayon::prelude::*;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// `highway` values that are not (yet, or any more) usable roads.
const NOT_ROADS: [&str; 16] = [
    "proposed",
    "construction",
    "planned",
    "abandoned",
    "disused",
    "razed",
    "no",
    "platform",
    "rest_area",
    "services",
    "elevator",
    "bus_stop",
    "corridor",
    "emergency_bay",
    "escape",
    "raceway",
];

/// Opens the PBF stream anew for each pass.
pub(crate) type Opener<'a> = dyn Fn() -> std::io::Result<Box<dyn Read + Send + 'a>> + Sync + 'a;

fn damaged(source: &Source, message: String) -> LoadError {
    LoadError::Unreadable {
        what: "OSM PBF file",
        message,
        path: source.path.clone(),
    }
}

/// Runs `f` on every data block in parallel, returning the results in file
/// order. It is an error when the stream is not PBF or has no header block.
fn blocks<'a, T: Send>(
    source: &Source,
    open: &Opener<'a>,
    f: impl Fn(&PrimitiveBlock) -> T + Sync,
) -> Result<Vec<T>, LoadError> {
    let reader = open().map_err(|e| LoadError::Read {
        path: source.path.clone(),
        source: e,
    })?;
    type Out<T> = Result<(usize, Option<T>, bool), String>;
    let results: Vec<Out<T>> = BlobReader::new(reader)
        .enumerate()
        .par_bridge()
        .map(|(i, blob)| {
            let blob = blob.map_err(|e| e.to_string())?;
            catch_unwind(AssertUnwindSafe(|| match blob.decode() {
                Ok(BlobDecode::OsmHeader(_)) => Ok((i, None, true)),
                Ok(BlobDecode::OsmData(block)) => Ok((i, Some(f(&block)), false)),
                Ok(BlobDecode::Unknown(_)) => Ok((i, None, false)),
                Err(e) => Err(e.to_string()),
            }))
            .unwrap_or_else(|_| Err(format!("block {} is damaged", i + 1)))
        })
        .collect();
    let mut ordered = Vec::with_capacity(results.len());
    let mut header = false;
    for r in results {
        let (i, value, is_header) = r.map_err(|m| damaged(source, m))?;
        header |= is_header;
        if let Some(v) = value {
            ordered.push((i, v));
        }
    }
    if !header {
        return Err(damaged(
            source,
            "it has no OSMHeader block; is it really an .osm.pbf file?".to_string(),
        ));
    }
    ordered.sort_by_key(|(i, _)| *i);
    Ok(ordered.into_iter().map(|(_, v)| v).collect())
}

/// A road way from the first pass.
struct WayRoad {
    refs: Vec<i64>,
    highway: String,
    oneway: Oneway,
    maxspeed_kmh: Option<f64>,
}

fn tags_of<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    tags.collect()
}

fn road_of(tags: &[(&str, &str)], refs: Vec<i64>) -> Option<WayRoad> {
    let get = |k: &str| tags.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
    let highway = get("highway")?;
    if NOT_ROADS.contains(&highway) || get("area") == Some("yes") || refs.len() < 2 {
        return None;
    }
    let oneway = match get("oneway") {
        Some(v) => fields::oneway(&Field::Text(v)),
        None if get("junction") == Some("roundabout")
            || matches!(highway, "motorway" | "motorway_link") =>
        {
            Oneway::Forward
        }
        None => Oneway::No,
    };
    Some(WayRoad {
        refs,
        highway: highway.to_string(),
        oneway,
        maxspeed_kmh: get("maxspeed").and_then(|v| fields::maxspeed_kmh(&Field::Text(v))),
    })
}

/// Node id → coordinates in 1e-7 degrees, for the ids the first pass needs.
struct NodeTable {
    ids: Vec<i64>,
    coords: Vec<Option<[i32; 2]>>,
}

impl NodeTable {
    fn new(mut ids: Vec<i64>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        let coords = vec![None; ids.len()];
        Self { ids, coords }
    }

    fn index(&self, id: i64) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    fn get(&self, id: i64) -> Option<Coord<f64>> {
        let [lon, lat] = (*self.coords.get(self.index(id)?)?)?;
        Some(Coord {
            x: f64::from(lon) * 1e-7,
            y: f64::from(lat) * 1e-7,
        })
    }

    /// Fills in the coordinates of the needed nodes (second pass).
    fn fill(&mut self, source: &Source, open: &Opener) -> Result<(), LoadError> {
        let found = blocks(source, open, |block| {
            let mut out = Vec::new();
            for element in block.elements() {
                let (id, lon, lat) = match element {
                    Element::DenseNode(n) => (n.id(), n.decimicro_lon(), n.decimicro_lat()),
                    Element::Node(n) => (n.id(), n.decimicro_lon(), n.decimicro_lat()),
                    _ => continue,
                };
                if let Some(i) = self.index(id) {
                    out.push((i, [lon, lat]));
                }
            }
            out
        })?;
        for (i, c) in found.into_iter().flatten() {
            if let Some(slot) = self.coords.get_mut(i) {
                *slot = Some(c);
            }
        }
        Ok(())
    }
}

/// Roads of an OSM extract.
pub(crate) fn roads(source: &Source, open: &Opener) -> Result<Loaded<Road>, LoadError> {
    let ways: Vec<WayRoad> = blocks(source, open, |block| {
        block
            .elements()
            .filter_map(|e| match e {
                Element::Way(w) => road_of(&tags_of(w.tags()), w.refs().collect()),
                _ => None,
            })
            .collect::<Vec<_>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let mut nodes = NodeTable::new(ways.iter().flat_map(|w| w.refs.iter().copied()).collect());
    nodes.fill(source, open)?;
    let mut items = Vec::new();
    let mut warnings = Vec::new();
    let mut cut = 0;
    for way in &ways {
        let mut run: Vec<Coord<f64>> = Vec::new();
        let flush = |run: &mut Vec<Coord<f64>>, items: &mut Vec<Road>| {
            if run.len() >= 2 {
                items.push(Road {
                    line: LineString::new(std::mem::take(run)),
                    highway: Some(way.highway.clone()),
                    oneway: way.oneway,
                    maxspeed_kmh: way.maxspeed_kmh,
                });
            }
            run.clear();
        };
        for &id in &way.refs {
            match nodes.get(id).filter(|c| geometry::lonlat(c.x, c.y).is_ok()) {
                Some(c) => run.push(c),
                None => {
                    cut += 1;
                    flush(&mut run, &mut items);
                }
            }
        }
        flush(&mut run, &mut items);
    }
    if cut > 0 {
        warnings.push(source.warning(
            None,
            None,
            format!(
                "{cut} road nodes are missing from the extract (roads leaving its area); the roads are cut there"
            ),
        ));
    }
    source.finish(LayerKind::Roads, items, None, warnings)
}

/// Whether an OSM object may be a POI: it has a POI key (ways: not only
/// `highway`), or it is a named building.
fn is_candidate(tags: &[(&str, &str)], way: bool) -> bool {
    let has = |k: &str| tags.iter().any(|(key, _)| *key == k);
    POI_KEYS
        .iter()
        .filter(|k| **k != "building" && !(way && matches!(**k, "highway" | "place")))
        .any(|k| has(k))
        || (has("building") && has("name"))
}

fn name_of<'a>(tags: &[(&'a str, &'a str)]) -> Option<&'a str> {
    ["name", "name:zh", "name:zh-Hans", "official_name"]
        .iter()
        .find_map(|k| tags.iter().find(|(key, _)| key == k).map(|(_, v)| *v))
}

/// A POI found in the first or second pass.
struct FoundPoi {
    name: Option<String>,
    tags: Vec<(String, String)>,
    at: PoiAt,
}

enum PoiAt {
    Node(Coord<f64>),
    /// A closed way: the centroid of its nodes, found after the node pass.
    Way(Vec<i64>),
}

fn found(tags: &[(&str, &str)], at: PoiAt) -> FoundPoi {
    FoundPoi {
        name: name_of(tags).map(str::to_string),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        at,
    }
}

/// Facilities of an OSM extract, by the profile's tag rules.
pub(crate) fn facilities(
    source: &Source,
    open: &Opener,
    matcher: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    // Skip objects nothing maps that are only named buildings: they are
    // not POIs of an unmapped kind.
    let wanted = |tags: &[(&str, &str)]| {
        let poi = Poi {
            name: name_of(tags),
            tags,
            ..Poi::default()
        };
        !matches!(matcher.classify(&poi), Classified::Unknown(ref v) if v.starts_with("building="))
    };
    let pois: Vec<FoundPoi> = blocks(source, open, |block| {
        let mut out = Vec::new();
        for element in block.elements() {
            let (tags, at) = match element {
                Element::Node(n) => {
                    let tags = tags_of(n.tags());
                    (
                        tags,
                        PoiAt::Node(Coord {
                            x: n.lon(),
                            y: n.lat(),
                        }),
                    )
                }
                Element::DenseNode(n) => {
                    let tags = tags_of(n.tags());
                    (
                        tags,
                        PoiAt::Node(Coord {
                            x: n.lon(),
                            y: n.lat(),
                        }),
                    )
                }
                Element::Way(w) => {
                    let refs: Vec<i64> = w.refs().collect();
                    if refs.len() < 4 || refs.first() != refs.last() {
                        continue;
                    }
                    (tags_of(w.tags()), PoiAt::Way(refs))
                }
                Element::Relation(_) => continue,
            };
            let is_way = matches!(at, PoiAt::Way(_));
            if !tags.is_empty() && is_candidate(&tags, is_way) && wanted(&tags) {
                out.push(found(&tags, at));
            }
        }
        out
    })?
    .into_iter()
    .flatten()
    .collect();
    let mut nodes = NodeTable::new(
        pois.iter()
            .flat_map(|p| match &p.at {
                PoiAt::Way(refs) => refs.clone(),
                PoiAt::Node(_) => Vec::new(),
            })
            .collect(),
    );
    if !nodes.ids.is_empty() {
        nodes.fill(source, open)?;
    }
    let mut builder = FacilityBuilder::new(source, matcher, Vec::new());
    for (i, poi) in pois.iter().enumerate() {
        let location = match &poi.at {
            PoiAt::Node(c) => geometry::lonlat(c.x, c.y).map(Point::from),
            PoiAt::Way(refs) => {
                let ring: Option<Vec<Coord<f64>>> = refs.iter().map(|&id| nodes.get(id)).collect();
                match ring {
                    Some(ring) => Polygon::new(LineString::new(ring), vec![])
                        .centroid()
                        .ok_or_else(|| "the area has no centroid".to_string())
                        .and_then(|c| geometry::lonlat(c.x(), c.y()).map(Point::from)),
                    None => Err("the area has nodes outside the extract".to_string()),
                }
            }
        };
        let tags: Vec<(&str, &str)> = poi
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let record = Record {
            tags: &tags,
            ..Record::default()
        };
        builder.add_record(i + 1, poi.name.clone(), record, Field::Missing, location);
    }
    builder.finish_summarised("OSM objects with POI tags")
}

/// What the import dialog shows for an extract: its extent (from the
/// header, or the nodes) and the number of road ways and POI objects.
pub(crate) struct PbfSummary {
    pub bbox: Option<[f64; 4]>,
    pub roads: usize,
    pub pois: usize,
}

pub(crate) fn summary(source: &Source, open: &Opener) -> Result<PbfSummary, LoadError> {
    let counts = blocks(source, open, |block| {
        let mut bbox = Bbox::default();
        let (mut roads, mut pois) = (0, 0);
        for element in block.elements() {
            match element {
                Element::DenseNode(n) => {
                    bbox.add(n.lon(), n.lat());
                    let tags = tags_of(n.tags());
                    pois += usize::from(!tags.is_empty() && is_candidate(&tags, false));
                }
                Element::Node(n) => {
                    bbox.add(n.lon(), n.lat());
                    let tags = tags_of(n.tags());
                    pois += usize::from(!tags.is_empty() && is_candidate(&tags, false));
                }
                Element::Way(w) => {
                    let tags = tags_of(w.tags());
                    roads += usize::from(road_of(&tags, vec![0, 0]).is_some());
                    pois += usize::from(is_candidate(&tags, true));
                }
                Element::Relation(_) => {}
            }
        }
        (bbox, roads, pois)
    })?;
    let mut bbox = Bbox::default();
    let (mut roads, mut pois) = (0, 0);
    for (b, r, p) in counts {
        if let Some([a, b2, c, d]) = b.get() {
            bbox.add(a, b2);
            bbox.add(c, d);
        }
        roads += r;
        pois += p;
    }
    Ok(PbfSummary {
        bbox: bbox.get(),
        roads,
        pois,
    })
}
