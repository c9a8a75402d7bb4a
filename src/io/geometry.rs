//! Geometry checks on the way in: coordinates, lines and polygon rings.
//!
//! The analysis assumes WGS84 longitude/latitude and well-formed shapes. The
//! usual ways real files break that — projected coordinates, swapped axes,
//! a (0, 0) placeholder for a missing location, too-short rings — are caught
//! here and explained, so a planner knows what to fix in the source file.

use geo::{Area as _, Coord, Line, LineString, MultiPolygon, Point, Polygon};
use geojson::Position;

/// A WGS84 lon/lat coordinate, or why `(x, y)` is not one.
pub(crate) fn lonlat(x: f64, y: f64) -> Result<Coord<f64>, String> {
    if !(x.is_finite() && y.is_finite()) {
        return Err(format!("coordinates ({x:?}, {y:?}) are not finite numbers"));
    }
    let lon_ok = (-180.0..=180.0).contains(&x);
    let lat_ok = (-90.0..=90.0).contains(&y);
    if lon_ok && lat_ok {
        if x == 0.0 && y == 0.0 {
            return Err("coordinates (0.0, 0.0) look like a missing location".to_string());
        }
        return Ok(Coord { x, y });
    }
    if (-90.0..=90.0).contains(&x) && (-180.0..=180.0).contains(&y) {
        return Err(format!(
            "coordinates ({x:?}, {y:?}) are outside longitude/latitude range: longitude and latitude look swapped; longitude must come first"
        ));
    }
    Err(format!(
        "coordinates ({x:?}, {y:?}) are outside longitude/latitude range: the file looks projected; convert it to WGS84 lon/lat"
    ))
}

/// A coordinate from a GeoJSON position (extra values such as height are ignored).
pub(crate) fn position(p: &Position) -> Result<Coord<f64>, String> {
    match p.as_slice() {
        [x, y, ..] => lonlat(*x, *y),
        other => Err(format!(
            "a position has {} number(s); it needs longitude and latitude",
            other.len()
        )),
    }
}

/// A point from a GeoJSON position.
pub(crate) fn point(p: &Position) -> Result<Point<f64>, String> {
    position(p).map(Point::from)
}

/// A line from GeoJSON positions, kept exactly as given (repeated vertices
/// included); it needs at least two positions.
pub(crate) fn line(positions: &[Position]) -> Result<LineString<f64>, String> {
    if positions.len() < 2 {
        return Err(format!(
            "a line needs at least 2 positions, this one has {}",
            positions.len()
        ));
    }
    positions
        .iter()
        .map(position)
        .collect::<Result<Vec<_>, _>>()
        .map(LineString::new)
}

/// A polygon from GeoJSON rings. An unclosed ring is closed. A bad exterior
/// ring is an error; a bad hole is dropped and explained in `caveats`.
pub(crate) fn polygon(
    rings: &[Vec<Position>],
    caveats: &mut Vec<String>,
) -> Result<Polygon<f64>, String> {
    let Some((exterior, holes)) = rings.split_first() else {
        return Err("the polygon has no rings".to_string());
    };
    let exterior = ring(exterior, "the outer ring")?;
    let mut interiors = Vec::with_capacity(holes.len());
    for (i, hole) in holes.iter().enumerate() {
        match ring(hole, &format!("hole {}", i + 1)) {
            Ok(r) => interiors.push(r),
            Err(why) => caveats.push(format!("{why}; the hole is ignored")),
        }
    }
    Ok(Polygon::new(exterior, interiors))
}

/// A multipolygon from GeoJSON polygons. Bad parts are dropped and explained
/// in `caveats`; it is an error only when no part is usable.
pub(crate) fn multi_polygon(
    polygons: &[Vec<Vec<Position>>],
    caveats: &mut Vec<String>,
) -> Result<MultiPolygon<f64>, String> {
    if polygons.len() == 1
        && let Some(only) = polygons.first()
    {
        return polygon(only, caveats).map(|p| MultiPolygon::new(vec![p]));
    }
    let mut parts = Vec::with_capacity(polygons.len());
    let mut first_problem = None;
    for (i, rings) in polygons.iter().enumerate() {
        let mut part_caveats = Vec::new();
        match polygon(rings, &mut part_caveats) {
            Ok(p) => {
                parts.push(p);
                caveats.extend(
                    part_caveats
                        .into_iter()
                        .map(|c| format!("part {}: {c}", i + 1)),
                );
            }
            Err(why) => {
                let why = format!("part {}: {why}", i + 1);
                caveats.push(format!("{why}; the part is ignored"));
                first_problem.get_or_insert(why);
            }
        }
    }
    if parts.is_empty() {
        return Err(first_problem.unwrap_or_else(|| "the MultiPolygon has no polygons".to_string()));
    }
    Ok(MultiPolygon::new(parts))
}

/// A closed ring with at least 3 distinct positions that encloses some area.
fn ring(positions: &[Position], role: &str) -> Result<LineString<f64>, String> {
    let mut coords = positions
        .iter()
        .map(position)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|why| format!("{role}: {why}"))?;
    if let (Some(first), Some(last)) = (coords.first().copied(), coords.last().copied())
        && first != last
    {
        coords.push(first);
    }
    if coords.len() < 4 {
        return Err(format!(
            "{role} has {} positions; a closed ring needs at least 4",
            positions.len()
        ));
    }
    let mut distinct = coords.clone();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(format!("{role} has fewer than 3 distinct positions"));
    }
    let ring = LineString::new(coords);
    if Polygon::new(ring.clone(), vec![]).unsigned_area() == 0.0 {
        // A bow tie whose two loops cancel also has no area: say why.
        return Err(match ring_crossing(&ring) {
            Some(at) => format!(
                "the boundary crosses itself at ({:.6}, {:.6}), so {role} encloses no area",
                at.x, at.y
            ),
            None => format!("{role} encloses no area (all its positions lie on one line)"),
        });
    }
    Ok(ring)
}

/// Caveats for rings of `boundary` that cross themselves. Such a boundary is
/// kept (point-in-polygon still works), but residents near the crossing may
/// land in the wrong township.
pub(crate) fn crossing_caveats(boundary: &MultiPolygon<f64>) -> Vec<String> {
    let several = boundary.0.len() > 1;
    let mut caveats = Vec::new();
    for (i, polygon) in boundary.0.iter().enumerate() {
        let part = if several {
            format!("part {}: ", i + 1)
        } else {
            String::new()
        };
        let at = |c: Coord<f64>| format!("({:.6}, {:.6})", c.x, c.y);
        if let Some(c) = ring_crossing(polygon.exterior()) {
            caveats.push(format!("{part}the outer ring at {}", at(c)));
        }
        for (h, hole) in polygon.interiors().iter().enumerate() {
            if let Some(c) = ring_crossing(hole) {
                caveats.push(format!("{part}hole {} at {}", h + 1, at(c)));
            }
        }
    }
    caveats
}

/// Whether two non-neighbouring segments of `ring` meet (the rule of
/// `geo::Validation`), found by a sweep over x so large boundaries stay fast.
#[cfg(test)]
pub(crate) fn ring_crosses_itself(ring: &LineString<f64>) -> bool {
    ring_crossing(ring).is_some()
}

/// A point where two non-neighbouring segments of `ring` meet, if any.
pub(crate) fn ring_crossing(ring: &LineString<f64>) -> Option<Coord<f64>> {
    let min_x = |l: &Line<f64>| l.start.x.min(l.end.x);
    let mut segments: Vec<Line<f64>> = ring.lines().collect();
    segments.sort_by(|a, b| min_x(a).total_cmp(&min_x(b)));
    for (i, a) in segments.iter().enumerate() {
        let a_max_x = a.start.x.max(a.end.x);
        let (a_min_y, a_max_y) = (a.start.y.min(a.end.y), a.start.y.max(a.end.y));
        for b in segments.iter().skip(i + 1) {
            if min_x(b) > a_max_x {
                break;
            }
            if b.start.y.max(b.end.y) < a_min_y || b.start.y.min(b.end.y) > a_max_y {
                continue;
            }
            if a.start != b.end
                && a.end != b.start
                && let Some(hit) = geo::algorithm::line_intersection::line_intersection(*a, *b)
            {
                return Some(match hit {
                    geo::algorithm::line_intersection::LineIntersection::SinglePoint {
                        intersection,
                        ..
                    } => intersection,
                    geo::algorithm::line_intersection::LineIntersection::Collinear {
                        intersection,
                    } => intersection.start,
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(points: &[[f64; 2]]) -> Vec<Position> {
        points.iter().map(|p| Position::from(*p)).collect()
    }

    #[test]
    fn projected_swapped_and_missing_coordinates() {
        assert_eq!(
            lonlat(512345.0, 3312345.0).unwrap_err(),
            "coordinates (512345.0, 3312345.0) are outside longitude/latitude range: the file looks projected; convert it to WGS84 lon/lat"
        );
        assert!(lonlat(30.25, 120.16).unwrap_err().contains("look swapped"));
        assert!(lonlat(f64::NAN, 30.0).unwrap_err().contains("not finite"));
        assert!(lonlat(0.0, 0.0).unwrap_err().contains("missing location"));
        assert_eq!(
            lonlat(120.16, 30.25),
            Ok(Coord {
                x: 120.16,
                y: 30.25
            })
        );
        assert!(
            position(&Position::from(vec![120.0]))
                .unwrap_err()
                .contains("1 number")
        );
        assert!(position(&Position::from([120.0, 30.0, 12.0])).is_ok());
    }

    #[test]
    fn lines_keep_repeated_vertices() {
        let l = line(&pos(&[[120.0, 30.0], [120.0, 30.0], [120.1, 30.0]])).unwrap();
        assert_eq!(l.0.len(), 3);
        assert!(
            line(&pos(&[[120.0, 30.0]]))
                .unwrap_err()
                .contains("at least 2")
        );
    }

    #[test]
    fn rings_are_closed_and_checked() {
        let mut caveats = Vec::new();
        let open = pos(&[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1]]);
        let p = polygon(&[open], &mut caveats).unwrap();
        assert_eq!(p.exterior().0.len(), 4);
        let short = pos(&[[120.0, 30.0], [120.1, 30.0], [120.0, 30.0]]);
        assert_eq!(
            polygon(&[short], &mut caveats).unwrap_err(),
            "the outer ring has 3 positions; a closed ring needs at least 4"
        );
        let flat = pos(&[[120.0, 30.0], [120.1, 30.0], [120.2, 30.0], [120.0, 30.0]]);
        assert!(
            polygon(&[flat], &mut caveats)
                .unwrap_err()
                .contains("no area")
        );
        let repeated = pos(&[[120.0, 30.0], [120.1, 30.0], [120.1, 30.0], [120.0, 30.0]]);
        assert!(
            polygon(&[repeated], &mut caveats)
                .unwrap_err()
                .contains("3 distinct")
        );
        assert!(polygon(&[], &mut caveats).is_err());
        assert!(caveats.is_empty());
    }

    #[test]
    fn bad_holes_and_parts_are_dropped_with_caveats() {
        let square = pos(&[
            [120.0, 30.0],
            [121.0, 30.0],
            [121.0, 31.0],
            [120.0, 31.0],
            [120.0, 30.0],
        ]);
        let bad = pos(&[[120.2, 30.2], [120.3, 30.2]]);
        let mut caveats = Vec::new();
        let p = polygon(&[square.clone(), bad.clone()], &mut caveats).unwrap();
        assert!(p.interiors().is_empty());
        assert_eq!(
            caveats,
            vec!["hole 1 has 2 positions; a closed ring needs at least 4; the hole is ignored"]
        );
        caveats.clear();
        let mp = multi_polygon(&[vec![square], vec![bad.clone()]], &mut caveats).unwrap();
        assert_eq!(mp.0.len(), 1);
        assert!(caveats[0].starts_with("part 2: the outer ring has 2 positions"));
        let err = multi_polygon(&[vec![bad.clone()], vec![bad]], &mut Vec::new()).unwrap_err();
        assert!(err.starts_with("part 1: "), "{err}");
        assert!(multi_polygon(&[], &mut Vec::new()).is_err());
    }

    #[test]
    fn bow_tie_crosses_itself() {
        let bow = LineString::from(vec![
            (0.0, 0.0),
            (1.0, 1.0),
            (1.0, 0.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ]);
        assert!(ring_crosses_itself(&bow));
        let square = LineString::from(vec![
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ]);
        assert!(!ring_crosses_itself(&square));
        let mp = MultiPolygon::new(vec![Polygon::new(bow, vec![])]);
        assert_eq!(
            crossing_caveats(&mp),
            vec!["the outer ring at (0.500000, 0.500000)"]
        );
        // Its two loops cancel: no area, and the message says why.
        let err = ring(
            &pos(&[
                [120.0, 30.0],
                [121.0, 31.0],
                [121.0, 30.0],
                [120.0, 31.0],
                [120.0, 30.0],
            ]),
            "the outer ring",
        )
        .unwrap_err();
        assert_eq!(
            err,
            "the boundary crosses itself at (120.500000, 30.500000), so the outer ring encloses no area"
        );
    }

    /// The sweep agrees with geo's own (quadratic) validation on random rings.
    #[test]
    fn sweep_matches_geo_validation() {
        use geo::Validation as _;
        let mut seed = 7_u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % 10) as f64
        };
        for _ in 0..300 {
            let mut pts: Vec<(f64, f64)> = (0..5).map(|_| (next(), next())).collect();
            if let Some(first) = pts.first().copied() {
                pts.push(first);
            }
            let ring = LineString::from(pts);
            let geo_says = Polygon::new(ring.clone(), vec![])
                .validation_errors()
                .iter()
                .any(|e| {
                    matches!(
                        e,
                        geo::algorithm::validation::InvalidPolygon::SelfIntersection(_)
                    )
                });
            assert_eq!(ring_crosses_itself(&ring), geo_says, "{ring:?}");
        }
    }
}
