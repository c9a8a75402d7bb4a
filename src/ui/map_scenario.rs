//! Road and population edits on the map (issue 16): the draw-road,
//! close-road, draw-area and scale-area tools, and the layer that shows a
//! layout's changes — added roads (thick blue), closed segments (red with a
//! cross), new residential areas (orange, with their population) and areas
//! whose population is scaled (dashed, with the factor). The tools turn
//! clicks into [`ScenarioRequest`]s; the state checks and applies them.
//!
//! Layer: ui (draws state, returns actions).

use crate::model::{Road, SAME_POINT_DEG, Scenario};
use crate::state::Action;
use crate::state::layouts::{EditTool, LayoutAction};
use crate::state::scenario_edit::{ScenarioRequest, snap_tolerance_m};
use crate::ui::i18n::Lang;
use crate::ui::map_transform::MapTransform;
use eframe::egui;
use egui::{Color32, FontId, Pos2, Response, Shape, Stroke};

/// Added roads.
pub const ADDED_ROAD: Color32 = Color32::from_rgb(20, 90, 220);
/// Closed road segments.
pub const CLOSED_ROAD: Color32 = Color32::from_rgb(210, 30, 30);
/// New residential areas.
pub const NEW_AREA: Color32 = Color32::from_rgb(235, 130, 20);
/// Areas whose population is scaled.
pub const SCALED_AREA: Color32 = Color32::from_rgb(130, 60, 160);

/// Pick distance for the close-road tool, points.
const PICK_SEGMENT: f32 = 10.0;

/// The road or area being drawn.
#[derive(Default)]
pub struct ScenarioDraft {
    tool: Option<EditTool>,
    points: Vec<[f64; 2]>,
}

fn screen(t: &MapTransform, c: geo::Coord<f64>) -> Pos2 {
    t.to_screen(c.x, c.y)
}

fn dashed_ring(painter: &egui::Painter, points: &[Pos2], stroke: Stroke) {
    let mut ring = points.to_vec();
    if let Some(first) = points.first() {
        ring.push(*first);
    }
    painter.extend(Shape::dashed_line(&ring, stroke, 6.0, 4.0));
}

/// Draw the road and population changes of `scenario`.
pub fn paint(painter: &egui::Painter, t: &MapTransform, scenario: &Scenario, lang: Lang) {
    for area in &scenario.residential_areas {
        let pts: Vec<Pos2> = area
            .outline
            .exterior()
            .0
            .iter()
            .map(|c| screen(t, *c))
            .collect();
        painter.add(Shape::closed_line(pts.clone(), Stroke::new(2.0, NEW_AREA)));
        if let Some(r) = area.resident() {
            let at = t.to_screen(r.location.x(), r.location.y());
            painter.circle_filled(at, 4.0, NEW_AREA);
            painter.text(
                at + egui::vec2(6.0, -6.0),
                egui::Align2::LEFT_BOTTOM,
                format!("+{}{}", lang.count(area.population), lang.pick("人", "")),
                FontId::proportional(12.0),
                NEW_AREA,
            );
        }
    }
    for change in &scenario.population_changes {
        for p in &change.area.0 {
            let pts: Vec<Pos2> = p.exterior().0.iter().map(|c| screen(t, *c)).collect();
            dashed_ring(painter, &pts, Stroke::new(2.0, SCALED_AREA));
            if let Some(top) = pts.iter().min_by(|a, b| a.y.total_cmp(&b.y)) {
                painter.text(
                    *top - egui::vec2(0.0, 4.0),
                    egui::Align2::CENTER_BOTTOM,
                    format!(
                        "{}{:.2}",
                        lang.pick("人口 ×", "population ×"),
                        change.factor
                    ),
                    FontId::proportional(12.0),
                    SCALED_AREA,
                );
            }
        }
    }
    for road in &scenario.roads_added {
        let pts: Vec<Pos2> = road.line.0.iter().map(|c| screen(t, *c)).collect();
        painter.add(Shape::line(pts.clone(), Stroke::new(4.0, Color32::WHITE)));
        painter.add(Shape::line(pts, Stroke::new(2.5, ADDED_ROAD)));
    }
    for closed in &scenario.roads_closed {
        let pts: Vec<Pos2> = closed.0.iter().map(|c| screen(t, *c)).collect();
        painter.add(Shape::line(pts.clone(), Stroke::new(3.5, CLOSED_ROAD)));
        for w in pts.windows(2) {
            let m = w[0].lerp(w[1], 0.5);
            for d in [egui::vec2(5.0, 5.0), egui::vec2(5.0, -5.0)] {
                painter.line_segment([m - d, m + d], Stroke::new(2.5, CLOSED_ROAD));
            }
        }
    }
}

fn same(a: geo::Coord<f64>, b: geo::Coord<f64>) -> bool {
    (a.x - b.x).abs() <= SAME_POINT_DEG && (a.y - b.y).abs() <= SAME_POINT_DEG
}

/// The open road segment nearest to `pointer` within the pick distance:
/// its two vertices (lon/lat). Segments already closed are skipped.
pub fn nearest_segment(
    t: &MapTransform,
    roads: &[Road],
    scenario: &Scenario,
    pointer: Pos2,
) -> Option<([f64; 2], [f64; 2])> {
    nearest_on_roads(t, roads, scenario, pointer, PICK_SEGMENT).map(|(a, b, _)| (a, b))
}

/// Where a road end at `pointer` would snap (screen), as a preview: the
/// nearest point of an open road within `radius` points.
fn snap_preview(
    t: &MapTransform,
    roads: &[Road],
    scenario: &Scenario,
    pointer: Pos2,
    radius: f32,
) -> Option<Pos2> {
    nearest_on_roads(t, roads, scenario, pointer, radius).map(|(_, _, p)| p)
}

/// The nearest open segment within `radius` points of `pointer`: its
/// vertices and the nearest point on it (screen).
fn nearest_on_roads(
    t: &MapTransform,
    roads: &[Road],
    scenario: &Scenario,
    pointer: Pos2,
    radius: f32,
) -> Option<([f64; 2], [f64; 2], Pos2)> {
    let closed = |a: geo::Coord<f64>, b: geo::Coord<f64>| {
        scenario.roads_closed.iter().any(|c| {
            c.0.windows(2)
                .any(|w| (same(w[0], a) && same(w[1], b)) || (same(w[0], b) && same(w[1], a)))
        })
    };
    let rect = t.rect().expand(radius);
    let mut best: Option<(f32, [f64; 2], [f64; 2], Pos2)> = None;
    for road in roads.iter().chain(&scenario.roads_added) {
        for w in road.line.0.windows(2) {
            let (a, b) = (screen(t, w[0]), screen(t, w[1]));
            if !rect.contains(a) && !rect.contains(b) {
                continue;
            }
            let ab = b - a;
            let l2 = ab.length_sq();
            let k = if l2 > 0.0 {
                ((pointer - a).dot(ab) / l2).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let q = a + ab * k;
            let d = q.distance(pointer);
            if d <= radius && best.is_none_or(|x| d < x.0) && !closed(w[0], w[1]) {
                best = Some((d, [w[0].x, w[0].y], [w[1].x, w[1].y], q));
            }
        }
    }
    best.map(|(_, a, b, q)| (a, b, q))
}

impl ScenarioDraft {
    /// Whether a road or area is being drawn.
    pub fn is_drawing(&self) -> bool {
        !self.points.is_empty()
    }

    /// Handle a scenario tool's input on the map `response` and draw the
    /// drawing in progress.
    #[allow(clippy::too_many_arguments)]
    pub fn ui(
        &mut self,
        ui: &egui::Ui,
        painter: &egui::Painter,
        response: &Response,
        t: &MapTransform,
        tool: EditTool,
        roads: &[Road],
        scenario: &Scenario,
        actions: &mut Vec<Action>,
    ) {
        if self.tool != Some(tool) {
            self.tool = Some(tool);
            self.points.clear();
        }
        if matches!(tool, EditTool::CloseRoad | EditTool::RestyleRoad) {
            let hovered = response
                .hover_pos()
                .and_then(|p| nearest_segment(t, roads, scenario, p));
            let color = if tool == EditTool::CloseRoad {
                CLOSED_ROAD
            } else {
                ADDED_ROAD
            };
            if let Some((a, b)) = hovered {
                let (a, b) = (t.to_screen(a[0], a[1]), t.to_screen(b[0], b[1]));
                painter.line_segment([a, b], Stroke::new(5.0, color.gamma_multiply(0.6)));
            }
            if response.clicked()
                && let Some((from, to)) = hovered
            {
                let request = if tool == EditTool::CloseRoad {
                    ScenarioRequest::CloseSegment { from, to }
                } else {
                    ScenarioRequest::RestyleSegment { from, to }
                };
                actions.push(Action::Layout(LayoutAction::Scenario(request)));
            }
            return;
        }
        let (enter, escape) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Enter),
                i.key_pressed(egui::Key::Escape),
            )
        });
        if escape {
            self.points.clear();
        }
        if response.clicked()
            && let Some(p) = response.interact_pointer_pos()
        {
            let w = t.to_world(p);
            let repeated = self
                .points
                .last()
                .is_some_and(|q| t.to_screen(q[0], q[1]).distance(p) < 3.0);
            if !repeated {
                self.points.push(w);
            }
        }
        let finish = (enter || response.double_clicked()) && !self.points.is_empty();
        if finish {
            let points = std::mem::take(&mut self.points);
            let request = match tool {
                EditTool::DrawRoad => ScenarioRequest::AddRoad {
                    vertices: points,
                    tolerance_m: snap_tolerance_m(t.metres_per_point()),
                },
                EditTool::DrawArea => ScenarioRequest::AddArea { outline: points },
                _ => ScenarioRequest::ScaleArea { outline: points },
            };
            actions.push(Action::Layout(LayoutAction::Scenario(request)));
            return;
        }
        // The drawing so far, with a rubber band to the pointer.
        let mut pts: Vec<Pos2> = self
            .points
            .iter()
            .map(|q| t.to_screen(q[0], q[1]))
            .collect();
        if let Some(p) = response.hover_pos()
            && !pts.is_empty()
        {
            pts.push(p);
        }
        let color = match tool {
            EditTool::DrawRoad => ADDED_ROAD,
            EditTool::DrawArea => NEW_AREA,
            _ => SCALED_AREA,
        };
        if tool == EditTool::DrawRoad {
            painter.add(Shape::line(pts.clone(), Stroke::new(2.5, color)));
            // Where an end put here would join the network.
            let radius = (snap_tolerance_m(t.metres_per_point()) / t.metres_per_point()) as f32;
            if let Some(p) = response.hover_pos()
                && let Some(q) = snap_preview(t, roads, scenario, p, radius)
            {
                painter.circle_stroke(q, 6.0, Stroke::new(2.0, color));
            }
            // The snap tolerance around the ends.
            let r = (snap_tolerance_m(t.metres_per_point()) / t.metres_per_point()) as f32;
            if let Some(first) = pts.first() {
                painter.circle_stroke(*first, r.max(3.0), Stroke::new(1.0, color));
            }
        } else if pts.len() >= 2 {
            painter.add(Shape::closed_line(pts.clone(), Stroke::new(2.0, color)));
        }
        for p in &pts {
            painter.circle_filled(*p, 3.5, color);
        }
    }
}

/// Hint shown at the top of the map for a scenario tool.
pub fn hint(tool: EditTool, lang: Lang) -> &'static str {
    match tool {
        EditTool::DrawRoad => lang.pick(
            "单击添加道路节点，双击或回车结束，Esc 取消；端点吸附到 8 像素（至少 30 米）内的现有道路",
            "Click road vertices, double-click or Enter to finish, Esc to cancel; ends snap to roads within 8 px (at least 30 m)",
        ),
        EditTool::CloseRoad => lang.pick("点击路段以封闭", "Click a road segment to close it"),
        EditTool::RestyleRoad => lang.pick(
            "点击路段，改为所选等级、限速和单行",
            "Click a road segment to give it the chosen class, speed limit and one-way",
        ),
        EditTool::DrawArea => lang.pick(
            "单击添加居住区边界点，双击或回车结束，Esc 取消",
            "Click the corners of the residential area, double-click or Enter to finish, Esc to cancel",
        ),
        _ => lang.pick(
            "单击圈定人口变化范围，双击或回车结束，Esc 取消",
            "Click the corners of the area to scale, double-click or Enter to finish, Esc to cancel",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Oneway;
    use geo::LineString;

    #[test]
    fn a_click_near_a_segment_picks_it_unless_it_is_closed() {
        let rect = egui::Rect::from_min_size(Pos2::ZERO, egui::vec2(800.0, 600.0));
        let t = MapTransform::new(rect, [118.9, 28.95], 20_000.0, 28.95);
        let road = Road {
            line: LineString::from(vec![(118.89, 28.95), (118.90, 28.95), (118.91, 28.95)]),
            highway: None,
            oneway: Oneway::No,
            maxspeed_kmh: None,
        };
        let mid = t.to_screen(118.905, 28.95) + egui::vec2(0.0, 4.0);
        let none = Scenario::default();
        let picked = nearest_segment(&t, std::slice::from_ref(&road), &none, mid);
        assert_eq!(picked, Some(([118.90, 28.95], [118.91, 28.95])));
        let far = mid + egui::vec2(0.0, 30.0);
        assert_eq!(
            nearest_segment(&t, std::slice::from_ref(&road), &none, far),
            None
        );
        let closed = Scenario {
            roads_closed: vec![LineString::from(vec![(118.91, 28.95), (118.90, 28.95)])],
            ..Scenario::default()
        };
        assert_eq!(nearest_segment(&t, &[road], &closed, mid), None);
    }
}
