//! Road and population changes of a layout (issue 16): a district's other
//! levers besides facilities — a new rural road or bridge, a closed
//! crossing, a new residential quarter, a relocated village. A scenario is
//! applied to the study's layers before assessing, so its figures are by
//! construction those of an assessment of the edited data.
//!
//! Rules, in METHOD terms (step 2: lines connect only where they share a
//! vertex):
//! - an added road connects where its end points coincide with road
//!   vertices; [`Scenario::snap_road`] moves a drawn road's ends onto the
//!   nearest road within a tolerance, inserting a vertex into that road
//!   (splitting its segment) when the nearest point is not a vertex;
//! - a closure is a line whose vertices equal a run of consecutive vertices
//!   of a road (either direction, within [`SAME_POINT_DEG`]); those
//!   segments are removed for every mode, the rest of the road stays;
//! - added residents are appended; a residential area drawn in the app
//!   adds one resident at its centroid (there is no population spreading
//!   module yet); a population change multiplies the population (and
//!   group populations) of the residents inside an area.

use super::{Layers, Resident, Road, Settlement};
use geo::{Centroid as _, Coord, Intersects, Line, LineString, MultiPolygon, Polygon};
use serde::{Deserialize, Serialize};

/// Two coordinates closer than this (degrees, about 1 cm) are the same
/// point when closures are matched.
pub const SAME_POINT_DEG: f64 = 1e-7;

/// An end snaps onto a road vertex rather than splitting a segment when
/// the vertex is at most this much (metres) farther than the segment.
pub const VERTEX_PREFERENCE_M: f64 = 1.0;

/// A population change over an area: every resident inside `area`
/// (boundary included) has its population multiplied by `factor` (0
/// removes it, e.g. a relocated village; 1.5 grows it by half).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationChange {
    pub area: MultiPolygon<f64>,
    pub factor: f64,
}

/// A new residential quarter drawn in the app: its outline and the people
/// who will live there, added as one resident at the outline's centroid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResidentialArea {
    pub outline: Polygon<f64>,
    pub population: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
}

impl ResidentialArea {
    /// The resident the area adds (at the outline's centroid).
    pub fn resident(&self) -> Option<Resident> {
        Some(Resident {
            location: self.outline.centroid()?,
            population: self.population,
            settlement: self.settlement,
            groups: Default::default(),
        })
    }
}

/// The road and population changes of a layout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roads_added: Vec<Road>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roads_closed: Vec<LineString<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub residents_added: Vec<Resident>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub residential_areas: Vec<ResidentialArea>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub population_changes: Vec<PopulationChange>,
}

/// The largest factor of a population change (a village growing
/// thousandfold is surely a typing mistake).
pub const MAX_FACTOR: f64 = 1000.0;

/// Why a scenario cannot be applied; the layout is left unchanged.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("added road {0} has fewer than 2 distinct vertices")]
    ShortRoad(usize),
    #[error("added road {0} has a coordinate that is not a finite longitude/latitude")]
    BadRoad(usize),
    #[error("closure {0} matches no run of consecutive vertices of any road")]
    ClosureMatchesNothing(usize),
    #[error("closure {0} has fewer than 2 vertices")]
    ShortClosure(usize),
    #[error(
        "added resident {index} has population {population}: it must be a number of at least 0 and at most 1e7 (its group populations too)"
    )]
    BadPopulation { index: usize, population: f64 },
    #[error(
        "population change {index}: factor {factor} must be a number of at least 0 and at most 1,000 that leaves no point with more than 1e7 people"
    )]
    BadFactor { index: usize, factor: f64 },
    #[error("residential area {index}: {problem}")]
    BadArea { index: usize, problem: AreaProblem },
    #[error("population change {index}: its area {problem}")]
    BadChangeArea { index: usize, problem: AreaProblem },
    #[error("the study has no road layer, so roads can be neither added to nor closed in it")]
    NoRoads,
}

/// What is wrong with a drawn area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AreaProblem {
    #[error("has fewer than 3 distinct corners")]
    TooFewCorners,
    #[error("has a corner that is not a finite longitude/latitude")]
    BadCorner,
    #[error("crosses itself (two of its sides overlap)")]
    SelfOverlapping,
    #[error("has population below 0, above 1e7 or not a number")]
    BadPopulation,
}

/// Why `outline` cannot be an area: too few corners, bad coordinates, or
/// two non-neighbouring sides that touch (a self-overlapping polygon).
pub fn check_outline(outline: &LineString<f64>) -> Result<(), AreaProblem> {
    let mut c: Vec<Coord<f64>> = outline.0.clone();
    if c.iter()
        .any(|p| !(p.x.is_finite() && p.y.is_finite() && p.x.abs() <= 180.0 && p.y.abs() <= 90.0))
    {
        return Err(AreaProblem::BadCorner);
    }
    c.dedup_by(|a, b| same(*a, *b));
    if c.len() > 1 && same(c[0], c[c.len() - 1]) {
        c.pop();
    }
    if c.len() < 3 {
        return Err(AreaProblem::TooFewCorners);
    }
    let n = c.len();
    let side = |i: usize| Line::new(c[i], c[(i + 1) % n]);
    for i in 0..n {
        for j in i + 1..n {
            // Neighbouring sides share a corner by construction.
            if j == i + 1 || (i == 0 && j == n - 1) {
                continue;
            }
            if side(i).intersects(&side(j)) {
                return Err(AreaProblem::SelfOverlapping);
            }
        }
    }
    // Neighbouring sides folding back onto each other also overlap.
    for i in 0..n {
        let (a, b, d) = (c[i], c[(i + 1) % n], c[(i + 2) % n]);
        let cross = (b.x - a.x) * (d.y - b.y) - (b.y - a.y) * (d.x - b.x);
        let dot = (b.x - a.x) * (d.x - b.x) + (b.y - a.y) * (d.y - b.y);
        if cross.abs() <= f64::EPSILON * 16.0 && dot < 0.0 {
            return Err(AreaProblem::SelfOverlapping);
        }
    }
    Ok(())
}

impl Scenario {
    pub fn is_empty(&self) -> bool {
        *self == Scenario::default()
    }

    /// `layers` with the scenario applied (see module docs).
    pub fn apply_to(&self, layers: &Layers) -> Result<Layers, ScenarioError> {
        let mut out = layers.clone();
        if !self.roads_added.is_empty() || !self.roads_closed.is_empty() {
            let roads = out.roads.as_mut().ok_or(ScenarioError::NoRoads)?;
            for (i, closure) in self.roads_closed.iter().enumerate() {
                close(roads, closure, i + 1)?;
            }
            for (i, road) in self.roads_added.iter().enumerate() {
                check_road(road, i + 1)?;
                roads.push(road.clone());
            }
        }
        let people = |p: f64| (0.0..=super::MAX_POPULATION).contains(&p);
        for (i, r) in self.residents_added.iter().enumerate() {
            if !(people(r.population) && r.groups.iter().all(|(_, v)| people(v))) {
                return Err(ScenarioError::BadPopulation {
                    index: i + 1,
                    population: r.population,
                });
            }
        }
        if !self.residents_added.is_empty() {
            out.residents
                .get_or_insert_with(Vec::new)
                .extend(self.residents_added.iter().cloned());
        }
        for (i, area) in self.residential_areas.iter().enumerate() {
            let bad = |problem| ScenarioError::BadArea {
                index: i + 1,
                problem,
            };
            check_outline(area.outline.exterior()).map_err(bad)?;
            if !people(area.population) {
                return Err(bad(AreaProblem::BadPopulation));
            }
            let resident = area.resident().ok_or(bad(AreaProblem::TooFewCorners))?;
            out.residents.get_or_insert_with(Vec::new).push(resident);
        }
        for (i, change) in self.population_changes.iter().enumerate() {
            if !(0.0..=MAX_FACTOR).contains(&change.factor) {
                return Err(ScenarioError::BadFactor {
                    index: i + 1,
                    factor: change.factor,
                });
            }
            for polygon in &change.area.0 {
                check_outline(polygon.exterior()).map_err(|problem| {
                    ScenarioError::BadChangeArea {
                        index: i + 1,
                        problem,
                    }
                })?;
            }
            for r in out.residents.iter_mut().flatten() {
                if change.area.intersects(&r.location) {
                    r.population *= change.factor;
                    if !people(r.population) {
                        return Err(ScenarioError::BadFactor {
                            index: i + 1,
                            factor: change.factor,
                        });
                    }
                    r.groups = super::GroupPopulations::new(
                        r.groups
                            .iter()
                            .map(|(g, v)| (g.to_string(), v * change.factor)),
                    );
                }
            }
        }
        Ok(out)
    }

    /// A drawn road with its ends moved onto the nearest road of `roads`
    /// within `tolerance_m` metres: onto a vertex when one is that close,
    /// else onto the nearest point of a segment, which is inserted into
    /// that road as a new vertex (so the lines share it, METHOD step 2).
    /// Returns the road as it will be added; `roads` gains the split
    /// vertices. An end with no road that close stays where it is.
    pub fn snap_road(road: &Road, roads: &mut [Road], tolerance_m: f64) -> Road {
        let mut snapped = road.clone();
        let n = snapped.line.0.len();
        if n < 2 {
            return snapped;
        }
        for end in [0, n - 1] {
            let at = snapped.line.0[end];
            // Metres east and north of the end (a tangent plane: exact
            // enough for a tolerance of metres).
            let (mx, my) = (111_320.0 * at.y.to_radians().cos(), 110_574.0);
            let xy = |c: Coord<f64>| [(c.x - at.x) * mx, (c.y - at.y) * my];
            let p = [0.0, 0.0];
            // Nearest vertex, then nearest point on a segment.
            let mut vertex: Option<(f64, Coord<f64>)> = None;
            let mut edge: Option<(f64, usize, usize, Coord<f64>)> = None;
            for (ri, r) in roads.iter().enumerate() {
                for (k, c) in r.line.0.iter().enumerate() {
                    let q = xy(*c);
                    let d = ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
                    if d <= tolerance_m && vertex.is_none_or(|v| d < v.0) {
                        vertex = Some((d, *c));
                    }
                    if k + 1 < r.line.0.len() {
                        let (a, b) = (q, xy(r.line.0[k + 1]));
                        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
                        let l2 = dx * dx + dy * dy;
                        let t = if l2 > 0.0 {
                            (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / l2).clamp(0.0, 1.0)
                        } else {
                            0.0
                        };
                        let (x, y) = (a[0] + t * dx, a[1] + t * dy);
                        let d = ((x - p[0]).powi(2) + (y - p[1]).powi(2)).sqrt();
                        if t > 0.0 && t < 1.0 && d <= tolerance_m && edge.is_none_or(|e| d < e.0) {
                            let (c0, c1) = (r.line.0[k], r.line.0[k + 1]);
                            let point = Coord {
                                x: c0.x + t * (c1.x - c0.x),
                                y: c0.y + t * (c1.y - c0.y),
                            };
                            edge = Some((d, ri, k, point));
                        }
                    }
                }
            }
            match (vertex, edge) {
                // A vertex within a metre of the nearest edge point wins (a
                // click on a vertex is never exactly on it).
                (Some((dv, c)), Some((de, ..))) if dv <= de + VERTEX_PREFERENCE_M => {
                    snapped.line.0[end] = c
                }
                (Some((_, c)), None) => snapped.line.0[end] = c,
                (_, Some((_, ri, k, c))) => {
                    roads[ri].line.0.insert(k + 1, c);
                    snapped.line.0[end] = c;
                }
                (None, None) => {}
            }
        }
        snapped
    }
}

fn check_road(road: &Road, index: usize) -> Result<(), ScenarioError> {
    let coords = &road.line.0;
    if coords
        .iter()
        .any(|c| !(c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0))
    {
        return Err(ScenarioError::BadRoad(index));
    }
    if coords.windows(2).all(|w| w[0] == w[1]) {
        return Err(ScenarioError::ShortRoad(index));
    }
    Ok(())
}

fn same(a: Coord<f64>, b: Coord<f64>) -> bool {
    (a.x - b.x).abs() <= SAME_POINT_DEG && (a.y - b.y).abs() <= SAME_POINT_DEG
}

/// Remove the run of `road` segments that `closure` follows (either
/// direction): the road is cut into what lies before and after it.
fn close(
    roads: &mut Vec<Road>,
    closure: &LineString<f64>,
    index: usize,
) -> Result<(), ScenarioError> {
    let c = &closure.0;
    if c.len() < 2 {
        return Err(ScenarioError::ShortClosure(index));
    }
    let reversed: Vec<Coord<f64>> = c.iter().rev().copied().collect();
    for ri in 0..roads.len() {
        let v = &roads[ri].line.0;
        for run in [c.as_slice(), reversed.as_slice()] {
            let Some(start) = (0..v.len().saturating_sub(run.len() - 1))
                .find(|&s| run.iter().enumerate().all(|(k, p)| same(v[s + k], *p)))
            else {
                continue;
            };
            let end = start + run.len() - 1;
            let road = roads.remove(ri);
            let before = &road.line.0[..=start];
            let after = &road.line.0[end..];
            for part in [before, after] {
                if part.len() >= 2 {
                    roads.push(Road {
                        line: LineString(part.to_vec()),
                        ..road.clone()
                    });
                }
            }
            return Ok(());
        }
    }
    Err(ScenarioError::ClosureMatchesNothing(index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Oneway;

    fn road(points: &[(f64, f64)]) -> Road {
        Road {
            line: LineString::from(points.to_vec()),
            highway: Some("residential".into()),
            oneway: Oneway::No,
            maxspeed_kmh: None,
        }
    }

    #[test]
    fn closures_cut_a_run_out_of_a_road() {
        let mut roads = vec![road(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (3.0, 0.0)])];
        // The middle segment, given backwards.
        close(
            &mut roads,
            &LineString::from(vec![(2.0, 0.0), (1.0, 0.0)]),
            1,
        )
        .unwrap();
        let parts: Vec<Vec<(f64, f64)>> = roads
            .iter()
            .map(|r| r.line.0.iter().map(|c| (c.x, c.y)).collect())
            .collect();
        assert_eq!(
            parts,
            [vec![(0.0, 0.0), (1.0, 0.0)], vec![(2.0, 0.0), (3.0, 0.0)]]
        );
        let e = close(
            &mut roads,
            &LineString::from(vec![(5.0, 0.0), (6.0, 0.0)]),
            2,
        );
        assert_eq!(e, Err(ScenarioError::ClosureMatchesNothing(2)));
        let whole = LineString::from(vec![(0.0, 0.0), (1.0, 0.0)]);
        close(&mut roads, &whole, 3).unwrap();
        assert_eq!(roads.len(), 1);
    }

    #[test]
    fn drawn_roads_snap_to_vertices_or_split_edges() {
        let mut roads = vec![road(&[(0.0, 0.0), (0.001, 0.0)])];
        // One end 2 m from the middle of the segment, the other 1 m from a
        // vertex; tolerance 5 m.
        let drawn = road(&[(0.0005, 0.000018), (0.0005, 0.001), (0.001009, 0.0)]);
        let snapped = Scenario::snap_road(&drawn, &mut roads, 5.0);
        assert_eq!(snapped.line.0[2], Coord { x: 0.001, y: 0.0 });
        let mid = snapped.line.0[0];
        assert!((mid.x - 0.0005).abs() < 1e-9 && mid.y.abs() < 1e-12);
        assert_eq!(roads[0].line.0.len(), 3, "the segment was split");
        assert_eq!(roads[0].line.0[1], mid);
        // Nothing within the tolerance: the end stays.
        let far = road(&[(0.0005, 0.01), (0.0006, 0.02)]);
        assert_eq!(Scenario::snap_road(&far, &mut roads, 5.0), far);
    }

    #[test]
    fn bad_scenarios_are_refused() {
        let layers = Layers {
            roads: Some(vec![road(&[(0.0, 0.0), (1.0, 0.0)])]),
            ..Layers::default()
        };
        let s = Scenario {
            roads_added: vec![road(&[(0.0, 0.0), (0.0, 0.0)])],
            ..Scenario::default()
        };
        assert_eq!(s.apply_to(&layers).err(), Some(ScenarioError::ShortRoad(1)));
        let s = Scenario {
            population_changes: vec![PopulationChange {
                area: MultiPolygon(vec![]),
                factor: -1.0,
            }],
            ..Scenario::default()
        };
        assert!(matches!(
            s.apply_to(&layers),
            Err(ScenarioError::BadFactor { index: 1, .. })
        ));
        let s = Scenario {
            roads_added: vec![road(&[(0.0, 0.0), (0.5, 0.5)])],
            ..Scenario::default()
        };
        assert_eq!(
            s.apply_to(&Layers::default()).err(),
            Some(ScenarioError::NoRoads)
        );
        assert_eq!(s.apply_to(&layers).unwrap().roads.unwrap().len(), 2);
    }

    #[test]
    fn absurd_populations_are_refused() {
        let resident = |population: f64| crate::model::Resident {
            location: geo::Point::new(0.5, 0.5),
            population,
            settlement: None,
            groups: Default::default(),
        };
        let layers = Layers {
            residents: Some(vec![resident(2e6)]),
            ..Layers::default()
        };
        for p in [1e15, f64::INFINITY, f64::NAN, -1.0] {
            let s = Scenario {
                residents_added: vec![resident(p)],
                ..Scenario::default()
            };
            assert!(
                matches!(
                    s.apply_to(&layers),
                    Err(ScenarioError::BadPopulation { index: 1, .. })
                ),
                "{p}"
            );
        }
        let square = MultiPolygon(vec![geo::Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (1.0, 0.0),
                (1.0, 1.0),
                (0.0, 1.0),
                (0.0, 0.0),
            ]),
            vec![],
        )]);
        let scaled = |factor: f64| Scenario {
            population_changes: vec![PopulationChange {
                area: square.clone(),
                factor,
            }],
            ..Scenario::default()
        };
        // Within the factor bound, but 2e6 × 10 people on one point is too many.
        for factor in [1e300, 10.0] {
            assert!(
                matches!(
                    scaled(factor).apply_to(&layers),
                    Err(ScenarioError::BadFactor { index: 1, .. })
                ),
                "{factor}"
            );
        }
        let halved = scaled(0.5).apply_to(&layers).unwrap();
        assert_eq!(halved.residents.unwrap()[0].population, 1e6);
    }
}
