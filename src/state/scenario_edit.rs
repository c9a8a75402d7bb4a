//! Road and population edits of a layout in the app (issue 16): a road
//! drawn on the map (ends snapped onto the network), a road segment closed,
//! a residential area drawn with its population, the population inside a
//! drawn area scaled (0: relocated). They change the active layout's
//! [`Scenario`]; the layout is then re-assessed afresh on
//! `scenario.apply_to(&layers)` as a background job, and facility edits
//! keep applying on top. Undo and redo interleave with facility edits.
//!
//! Layer: state (below `ui`, which draws the tools and sends
//! [`ScenarioRequest`]s through [`super::layouts::LayoutAction::Scenario`]).

use super::{Message, Workspace};
use crate::model::{
    Layers, Layout, Oneway, PopulationChange, ResidentialArea, Road, SAME_POINT_DEG, Scenario,
    Settlement, check_outline,
};
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Ends of a drawn road within [`snap_tolerance_m`] of a road snap onto it
/// (onto a vertex, else onto the nearest point of a segment, which is then
/// split there so the roads share the vertex, METHOD step 2): at least
/// this many metres ...
pub const SNAP_TOLERANCE_M: f64 = 30.0;
/// ... or this many screen points at the zoom the road is drawn at.
pub const SNAP_POINTS: f64 = 8.0;
/// Tolerances above this (metres) are refused (a drawing zoomed far out).
pub const MAX_SNAP_TOLERANCE_M: f64 = 500.0;

/// The snap tolerance at a zoom of `metres_per_point`.
pub fn snap_tolerance_m(metres_per_point: f64) -> f64 {
    (SNAP_POINTS * metres_per_point).clamp(SNAP_TOLERANCE_M, MAX_SNAP_TOLERANCE_M)
}

/// The choices the road and area tools draw with.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawOptions {
    /// OSM `highway` class of a drawn road.
    pub road_class: String,
    /// Posted speed of a drawn road, km/h; `None`: the class's speed.
    pub maxspeed_kmh: Option<f64>,
    /// Whether a drawn road is one-way in the drawn direction.
    pub oneway: bool,
    /// People living in a drawn residential area.
    pub area_population: f64,
    /// Settlement class of a drawn residential area.
    pub area_settlement: Option<Settlement>,
    /// Factor the scale tool multiplies the population inside its area by.
    pub scale_factor: f64,
}

impl Default for DrawOptions {
    fn default() -> Self {
        DrawOptions {
            road_class: "residential".into(),
            maxspeed_kmh: None,
            oneway: false,
            area_population: 1000.0,
            area_settlement: None,
            scale_factor: 0.0,
        }
    }
}

/// Road classes offered by the road tool (OSM `highway` values).
pub const ROAD_CLASSES: [&str; 7] = [
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "track",
    "footway",
];

/// A road or population edit asked for on the map.
#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioRequest {
    /// A road through `vertices` (lon/lat) drawn with the current options;
    /// its ends snap onto roads within `tolerance_m` metres.
    AddRoad {
        vertices: Vec<[f64; 2]>,
        tolerance_m: f64,
    },
    /// Close the road segment between two consecutive road vertices.
    CloseSegment { from: [f64; 2], to: [f64; 2] },
    /// Give the road segment between two consecutive road vertices the
    /// current class, speed and one-way (in the `from` → `to` direction).
    RestyleSegment { from: [f64; 2], to: [f64; 2] },
    /// A residential area with this outline (lon/lat, unclosed ring) and
    /// the current population options.
    AddArea { outline: Vec<[f64; 2]> },
    /// Scale the population inside this outline by the current factor.
    ScaleArea { outline: Vec<[f64; 2]> },
}

/// One road or population edit made in this session: the layout's scenario
/// before and after, and how many facility edits the layout had then (to
/// interleave undo with facility edits).
#[derive(Clone, Debug)]
pub struct ScenarioStep {
    pub layout: usize,
    pub facility_edits: usize,
    pub before: Scenario,
    pub after: Scenario,
}

/// Undo and redo of road and population edits.
#[derive(Clone, Debug, Default)]
pub struct ScenarioHistory {
    pub undo: Vec<ScenarioStep>,
    pub redo: Vec<ScenarioStep>,
}

impl ScenarioHistory {
    /// The last step, if undoing it is the next undo of `layout` (no facility
    /// edit came after it).
    pub fn undo_next(&self, active: Option<usize>, layout: Option<&Layout>) -> bool {
        match (self.undo.last(), active, layout) {
            (Some(s), Some(i), Some(l)) => {
                s.layout == i && s.after == l.scenario && s.facility_edits == l.edits.len()
            }
            _ => false,
        }
    }

    /// Whether the next redo is a road or population step.
    pub fn redo_next(&self, active: Option<usize>, layout: Option<&Layout>) -> bool {
        match (self.redo.last(), active, layout) {
            (Some(s), Some(i), Some(l)) => {
                s.layout == i && s.before == l.scenario && s.facility_edits == l.edits.len()
            }
            _ => false,
        }
    }
}

fn coord([x, y]: [f64; 2]) -> Coord<f64> {
    Coord { x, y }
}

fn same(a: Coord<f64>, b: Coord<f64>) -> bool {
    (a.x - b.x).abs() <= SAME_POINT_DEG && (a.y - b.y).abs() <= SAME_POINT_DEG
}

/// The roads of `layers` with `scenario` applied, in the order
/// [`Scenario::apply_to`] leaves them: the study's roads (closures cut out)
/// then the added roads.
fn applied_roads(layers: &Layers, scenario: &Scenario) -> Result<Vec<Road>, String> {
    let roads_only = Layers {
        roads: layers.roads.clone(),
        ..Layers::default()
    };
    let only_roads = Scenario {
        roads_added: scenario.roads_added.clone(),
        roads_closed: scenario.roads_closed.clone(),
        ..Scenario::default()
    };
    only_roads
        .apply_to(&roads_only)
        .map(|l| l.roads.unwrap_or_default())
        .map_err(|e| e.to_string())
}

/// `scenario` with a road through `vertices` added: its ends snapped onto
/// the roads (study roads and roads added before) within `tolerance_m`. A
/// split of a study road is a closure of the split segment plus its two
/// halves added; a split of an added road inserts the vertex into it.
pub fn with_road(
    layers: &Layers,
    scenario: &Scenario,
    vertices: &[[f64; 2]],
    options: &DrawOptions,
    tolerance_m: f64,
) -> Result<Scenario, String> {
    let mut line: Vec<Coord<f64>> = vertices.iter().copied().map(coord).collect();
    line.dedup_by(|a, b| same(*a, *b));
    if line.len() < 2 {
        return Err("a road needs at least 2 distinct vertices".into());
    }
    let drawn = Road {
        line: LineString(line),
        highway: Some(options.road_class.clone()),
        oneway: if options.oneway {
            Oneway::Forward
        } else {
            Oneway::No
        },
        maxspeed_kmh: options.maxspeed_kmh.filter(|v| v.is_finite() && *v > 0.0),
    };
    let before = applied_roads(layers, scenario)?;
    let mut roads = before.clone();
    let snapped = Scenario::snap_road(&drawn, &mut roads, tolerance_m);
    let first_added = before.len() - scenario.roads_added.len();
    let mut out = scenario.clone();
    for (ri, (was, now)) in before.iter().zip(&roads).enumerate() {
        if was.line.0.len() == now.line.0.len() {
            continue;
        }
        if ri >= first_added {
            out.roads_added[ri - first_added] = now.clone();
            continue;
        }
        // Each study segment that gained vertices is closed and its pieces
        // are added (both ends may split the same road).
        let (was, now) = (&was.line.0, &now.line.0);
        let mut at = 0;
        for k in 0..was.len().saturating_sub(1) {
            let end = (at + 1..now.len())
                .find(|&j| now[j] == was[k + 1])
                .unwrap_or(now.len() - 1);
            if end - at > 1 {
                out.roads_closed.push(LineString(vec![was[k], was[k + 1]]));
                for w in now[at..=end].windows(2) {
                    out.roads_added.push(Road {
                        line: LineString(w.to_vec()),
                        ..before[ri].clone()
                    });
                }
            }
            at = end;
        }
    }
    if snapped.line.0.windows(2).all(|w| same(w[0], w[1])) {
        return Err("the road snaps onto a single point: draw it longer".into());
    }
    out.roads_added.push(snapped);
    Ok(out)
}

/// `scenario` with the segment `from`–`to` closed: cut out of an added road
/// when it is one, else a closure of the study's roads.
pub fn with_closure(scenario: &Scenario, from: [f64; 2], to: [f64; 2]) -> Scenario {
    let (a, b) = (coord(from), coord(to));
    let mut out = scenario.clone();
    for ri in 0..out.roads_added.len() {
        let v = &out.roads_added[ri].line.0;
        let Some(k) = (0..v.len().saturating_sub(1)).find(|&k| {
            (same(v[k], a) && same(v[k + 1], b)) || (same(v[k], b) && same(v[k + 1], a))
        }) else {
            continue;
        };
        let road = out.roads_added.remove(ri);
        for part in [&road.line.0[..=k], &road.line.0[k + 1..]] {
            if part.len() >= 2 {
                out.roads_added.insert(
                    ri,
                    Road {
                        line: LineString(part.to_vec()),
                        ..road.clone()
                    },
                );
            }
        }
        return out;
    }
    out.roads_closed.push(LineString(vec![a, b]));
    out
}

/// `scenario` with the segment `from`–`to` given the class, speed and
/// one-way of `options`: the segment is closed (see [`with_closure`]) and
/// added back as a road of its own, sharing both vertices.
pub fn with_restyled(
    scenario: &Scenario,
    from: [f64; 2],
    to: [f64; 2],
    options: &DrawOptions,
) -> Scenario {
    let mut out = with_closure(scenario, from, to);
    out.roads_added.push(Road {
        line: LineString(vec![coord(from), coord(to)]),
        highway: Some(options.road_class.clone()),
        oneway: if options.oneway {
            Oneway::Forward
        } else {
            Oneway::No
        },
        maxspeed_kmh: options.maxspeed_kmh.filter(|v| v.is_finite() && *v > 0.0),
    });
    out
}

fn polygon(outline: &[[f64; 2]]) -> Result<Polygon<f64>, String> {
    let ring = LineString(outline.iter().copied().map(coord).collect());
    check_outline(&ring).map_err(|p| format!("the area {p}"))?;
    Ok(Polygon::new(ring, vec![]))
}

/// `scenario` with a residential area of `options.area_population` people.
pub fn with_area(
    scenario: &Scenario,
    outline: &[[f64; 2]],
    options: &DrawOptions,
) -> Result<Scenario, String> {
    let p = options.area_population;
    if !(0.0..=crate::model::MAX_POPULATION).contains(&p) {
        return Err(format!(
            "population {p} must be a number of at least 0 and at most 1e7"
        ));
    }
    let mut out = scenario.clone();
    out.residential_areas.push(ResidentialArea {
        outline: polygon(outline)?,
        population: p,
        settlement: options.area_settlement,
    });
    Ok(out)
}

/// `scenario` with the population inside `outline` multiplied by
/// `options.scale_factor`.
pub fn with_scaled_area(
    scenario: &Scenario,
    outline: &[[f64; 2]],
    options: &DrawOptions,
) -> Result<Scenario, String> {
    let f = options.scale_factor;
    if !(0.0..=crate::model::MAX_FACTOR).contains(&f) {
        return Err(format!(
            "factor {f} must be a number of at least 0 and at most 1,000"
        ));
    }
    let mut out = scenario.clone();
    out.population_changes.push(PopulationChange {
        area: MultiPolygon(vec![polygon(outline)?]),
        factor: f,
    });
    Ok(out)
}

impl Workspace {
    /// Carry out a road or population edit on the layout shown (the
    /// baseline is copied to a new layout first). A bad edit leaves the
    /// layout unchanged and says why.
    pub(super) fn request_scenario(&mut self, request: ScenarioRequest) {
        if self.assess_job.is_some() || self.layouts.job.is_some() {
            self.message = Some(Message::LayoutBusy);
            return;
        }
        let current = self
            .layouts
            .active
            .and_then(|i| self.layouts.layouts.get(i))
            .map(|l| l.scenario.clone())
            .unwrap_or_default();
        let options = self.layouts.draw.clone();
        let layers = &self.study.layers;
        let next = match &request {
            ScenarioRequest::AddRoad {
                vertices,
                tolerance_m,
            } => {
                let tolerance = tolerance_m.clamp(0.0, MAX_SNAP_TOLERANCE_M);
                let tolerance = if tolerance.is_nan() {
                    SNAP_TOLERANCE_M
                } else {
                    tolerance
                };
                with_road(layers, &current, vertices, &options, tolerance)
            }
            ScenarioRequest::CloseSegment { from, to } => Ok(with_closure(&current, *from, *to)),
            ScenarioRequest::RestyleSegment { from, to } => {
                Ok(with_restyled(&current, *from, *to, &options))
            }
            ScenarioRequest::AddArea { outline } => with_area(&current, outline, &options),
            ScenarioRequest::ScaleArea { outline } => with_scaled_area(&current, outline, &options),
        };
        // The whole scenario must apply to the study (e.g. a closure that
        // matches no road is refused here).
        let next = next.and_then(|s| s.apply_to(layers).map(|_| s).map_err(|e| e.to_string()));
        let next = match next {
            Ok(s) => s,
            Err(problem) => {
                self.message = Some(Message::EditFailed(problem));
                return;
            }
        };
        if self.layouts.active.is_none() {
            let name = self.layouts.unused_name(self.settings.lang);
            self.layouts.layouts.push(Layout {
                name,
                ..Default::default()
            });
            self.layouts.active = Some(self.layouts.layouts.len() - 1);
            self.layouts.redo.clear();
        }
        let Some(i) = self.layouts.active else { return };
        let layout = &mut self.layouts.layouts[i];
        self.layouts.scenario_history.undo.push(ScenarioStep {
            layout: i,
            facility_edits: layout.edits.len(),
            before: layout.scenario.clone(),
            after: next.clone(),
        });
        self.layouts.scenario_history.redo.clear();
        self.layouts.redo.clear();
        layout.scenario = next;
        self.scenario_changed();
    }

    /// Undo the last road or population edit if it is the next undo.
    pub(super) fn undo_scenario(&mut self) -> bool {
        self.step_scenario(true)
    }

    /// Redo the last undone road or population edit if it is the next redo.
    pub(super) fn redo_scenario(&mut self) -> bool {
        self.step_scenario(false)
    }

    /// Undo (`undo`) or redo the last road or population edit when it is
    /// the next one of the active layout; `false` when a facility edit is
    /// next instead.
    fn step_scenario(&mut self, undo: bool) -> bool {
        let active = self.layouts.active;
        let layout = active.and_then(|i| self.layouts.layouts.get(i));
        let history = &self.layouts.scenario_history;
        let next = if undo {
            history.undo_next(active, layout)
        } else {
            history.redo_next(active, layout)
        };
        if !next {
            return false;
        }
        if self.assess_job.is_some() || self.layouts.job.is_some() {
            self.message = Some(Message::LayoutBusy);
            return true;
        }
        let history = &mut self.layouts.scenario_history;
        let (from, to) = if undo {
            (&mut history.undo, &mut history.redo)
        } else {
            (&mut history.redo, &mut history.undo)
        };
        let Some(step) = from.pop() else {
            return false;
        };
        self.layouts.layouts[step.layout].scenario = if undo {
            step.before.clone()
        } else {
            step.after.clone()
        };
        to.push(step);
        self.scenario_changed();
        true
    }

    /// The layout's roads or people changed: re-assess it afresh.
    fn scenario_changed(&mut self) {
        self.layouts.dirty = true;
        self.layouts.redundancy = None;
        self.layouts.suggestions = None;
        self.layouts.scenario_edit_started = Some(std::time::Instant::now());
        self.start_layout_assess();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn road(points: &[(f64, f64)]) -> Road {
        Road {
            line: LineString::from(points.to_vec()),
            highway: Some("residential".into()),
            oneway: Oneway::No,
            maxspeed_kmh: None,
        }
    }

    fn layers() -> Layers {
        Layers {
            roads: Some(vec![road(&[(0.0, 0.0), (0.01, 0.0)])]),
            ..Layers::default()
        }
    }

    #[test]
    fn a_road_ending_mid_segment_splits_the_study_road_through_the_scenario() {
        let layers = layers();
        let options = DrawOptions::default();
        // Starts 5 m north of the middle of the study road.
        let s = with_road(
            &layers,
            &Scenario::default(),
            &[[0.005, 0.000045], [0.005, 0.01]],
            &options,
            SNAP_TOLERANCE_M,
        )
        .unwrap();
        assert_eq!(s.roads_closed.len(), 1, "the split segment is closed");
        assert_eq!(s.roads_added.len(), 3, "two halves and the new road");
        let applied = s.apply_to(&layers).unwrap().roads.unwrap();
        let new_start = s.roads_added[2].line.0[0];
        assert!((new_start.x - 0.005).abs() < 1e-9 && new_start.y.abs() < 1e-12);
        // The new road's start is a vertex of two other roads: connected.
        let sharing = applied
            .iter()
            .filter(|r| r.line.0.iter().any(|c| same(*c, new_start)))
            .count();
        assert_eq!(sharing, 3);
        // A second road snapping onto the first added one inserts a vertex
        // into it instead of closing it.
        let s2 = with_road(
            &layers,
            &s,
            &[[0.0051, 0.005], [0.02, 0.005]],
            &options,
            SNAP_TOLERANCE_M,
        )
        .unwrap();
        assert_eq!(s2.roads_closed.len(), 1);
        assert_eq!(s2.roads_added.len(), 4);
        assert_eq!(s2.roads_added[2].line.0.len(), 3);
        s2.apply_to(&layers).unwrap();
    }

    #[test]
    fn closing_an_added_segment_cuts_the_added_road() {
        let s = Scenario {
            roads_added: vec![road(&[(0.0, 0.0), (0.0, 0.01), (0.0, 0.02)])],
            ..Scenario::default()
        };
        let closed = with_closure(&s, [0.0, 0.02], [0.0, 0.01]);
        assert!(closed.roads_closed.is_empty());
        assert_eq!(closed.roads_added.len(), 1);
        assert_eq!(closed.roads_added[0].line.0.len(), 2);
        // A study segment becomes a closure; one matching nothing is
        // refused when applied.
        let c = with_closure(&Scenario::default(), [0.0, 0.0], [0.01, 0.0]);
        assert_eq!(c.roads_closed.len(), 1);
        assert!(c.apply_to(&layers()).is_ok());
        let nothing = with_closure(&Scenario::default(), [0.5, 0.5], [0.6, 0.5]);
        assert!(nothing.apply_to(&layers()).is_err());
    }

    #[test]
    fn the_snap_tolerance_follows_the_zoom_within_bounds() {
        assert_eq!(snap_tolerance_m(1.0), SNAP_TOLERANCE_M);
        assert_eq!(snap_tolerance_m(10.0), 80.0);
        assert_eq!(snap_tolerance_m(1000.0), MAX_SNAP_TOLERANCE_M);
    }

    #[test]
    fn a_restyled_segment_keeps_the_network_connected() {
        let layers = Layers {
            roads: Some(vec![road(&[(0.0, 0.0), (0.01, 0.0), (0.02, 0.0)])]),
            ..Layers::default()
        };
        let options = DrawOptions {
            road_class: "primary".into(),
            maxspeed_kmh: Some(60.0),
            ..DrawOptions::default()
        };
        let s = with_restyled(&Scenario::default(), [0.01, 0.0], [0.02, 0.0], &options);
        let roads = s.apply_to(&layers).unwrap().roads.unwrap();
        assert_eq!(roads.len(), 2);
        let primary = roads
            .iter()
            .find(|r| r.highway.as_deref() == Some("primary"))
            .unwrap();
        assert_eq!(primary.maxspeed_kmh, Some(60.0));
        // It shares (0.01, 0) with the rest of the road.
        assert!(
            roads
                .iter()
                .all(|r| r.line.0.contains(&Coord { x: 0.01, y: 0.0 }))
        );
    }

    #[test]
    fn bad_drawings_are_refused() {
        let o = DrawOptions::default();
        let s = Scenario::default();
        assert!(with_road(&layers(), &s, &[[0.1, 0.1]], &o, 30.0).is_err());
        assert!(with_road(&layers(), &s, &[[0.1, 0.1], [0.1, 0.1]], &o, 30.0).is_err());
        let bowtie = [[0.0, 0.0], [0.01, 0.01], [0.01, 0.0], [0.0, 0.01]];
        let e = with_area(&s, &bowtie, &o).unwrap_err();
        assert!(e.contains("crosses itself"), "{e}");
        let square = [[0.0, 0.0], [0.01, 0.0], [0.01, 0.01], [0.0, 0.01]];
        let negative = DrawOptions {
            area_population: -5.0,
            ..o.clone()
        };
        let e = with_area(&s, &square, &negative).unwrap_err();
        assert!(e.contains("at least 0"), "{e}");
        assert!(with_area(&s, &square[..2], &o).is_err());
        let ok = with_area(&s, &square, &o).unwrap();
        let r = ok.apply_to(&layers()).unwrap().residents.unwrap();
        assert_eq!(r.len(), 1);
        assert!((r[0].location.x() - 0.005).abs() < 1e-12);
        assert_eq!(r[0].population, 1000.0);
    }
}
