//! Layout editing on the map and the layouts' map layers, drawn over the
//! map view: the add tool turns a click into an added facility at the
//! clicked lon/lat, the move tool drags a facility, the delete tool removes
//! the facility clicked. Drawn on top: the difference map of a comparison
//! (newly covered green, lost red), suggested sites (numbered) and grey
//! rings around redundant facilities; the road and population tools and
//! changes are in [`super::map_scenario`].

use crate::model::FacilityId;
use crate::state::Action;
use crate::state::layouts::{ComparisonView, EditRequest, EditTool, LayoutAction, SuggestionsView};
use crate::state::map_geometry::MapGeometry;
use crate::ui::i18n::Lang;
use crate::ui::map_transform::MapTransform;
use crate::ui::map_view::MapView;
use eframe::egui;
use egui::{Align2, Color32, FontId, Pos2, Rect, Sense, Stroke};

/// Newly covered residents on the difference map.
pub const GAINED: Color32 = Color32::from_rgb(30, 160, 60);
/// Residents no longer covered on the difference map.
pub const LOST: Color32 = Color32::from_rgb(210, 40, 40);
/// Rings around redundant facilities.
pub const REDUNDANT: Color32 = Color32::from_rgb(120, 120, 120);
/// Suggested sites.
pub const SUGGESTED: Color32 = Color32::from_rgb(120, 40, 170);

/// Pick radius around a facility, points.
const PICK_RADIUS: f32 = 12.0;

/// What the overlay reads.
pub struct MapEditInputs<'a> {
    pub lang: Lang,
    pub tool: EditTool,
    /// Category the add tool adds.
    pub add_category: &'a str,
    pub geometry: &'a MapGeometry,
    /// Facility id of each map mark.
    pub ids: &'a [FacilityId],
    /// Selected tier index.
    pub tier: usize,
    pub comparison: Option<&'a ComparisonView>,
    pub suggestions: Option<&'a SuggestionsView>,
    /// Ids of redundant facilities of the layout shown.
    pub redundant: &'a [FacilityId],
    /// Road and population changes of the layout shown (drawn when no
    /// comparison is; the road tools read them) and the study's roads.
    pub scenario: Option<&'a crate::model::Scenario>,
    pub roads: &'a [crate::model::Road],
}

/// The overlay's drag state.
#[derive(Default)]
pub struct MapEditor {
    /// Mark index being dragged by the move tool.
    dragging: Option<usize>,
    /// The road or area being drawn.
    draft: super::map_scenario::ScenarioDraft,
}

/// The action of an add-tool click at `pointer` (screen) on the map.
pub fn add_click(t: &MapTransform, pointer: Pos2, category: &str) -> Option<LayoutAction> {
    if category.is_empty() || !t.rect().contains(pointer) {
        return None;
    }
    let [lon, lat] = t.to_world(pointer);
    Some(LayoutAction::Edit(EditRequest::Add {
        category: category.to_string(),
        lonlat: [lon, lat],
    }))
}

/// Index of the map mark nearest to `pointer` within the pick radius.
fn nearest_mark(t: &MapTransform, geometry: &MapGeometry, pointer: Pos2) -> Option<usize> {
    let to_screen = t.plane_to_screen(&geometry.plane);
    geometry
        .facilities
        .iter()
        .enumerate()
        .map(|(i, m)| (i, to_screen.apply(m.pos).distance(pointer)))
        .filter(|(_, d)| *d <= PICK_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

impl MapEditor {
    /// Handle edit input over `rect` (the map) and draw the overlay layers.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        rect: Rect,
        map: &mut MapView,
        input: &MapEditInputs<'_>,
        actions: &mut Vec<Action>,
    ) {
        let Some(t) = map.transform().copied() else {
            return;
        };
        let painter = ui.painter_at(rect);
        let to_screen = t.plane_to_screen(&input.geometry.plane);

        // Difference map.
        if let Some(view) = input.comparison {
            for c in view
                .comparison
                .changes
                .iter()
                .filter(|c| c.tier as usize == input.tier)
            {
                let Some(p) = view.positions.get(c.resident as usize) else {
                    continue;
                };
                let s = to_screen.apply(*p);
                if rect.contains(s) {
                    let color = if c.gained { GAINED } else { LOST };
                    painter.circle_filled(s, 3.5, color);
                }
            }
        }
        // Redundant facilities.
        if !input.redundant.is_empty() {
            for (i, m) in input.geometry.facilities.iter().enumerate() {
                if input
                    .ids
                    .get(i)
                    .is_some_and(|id| input.redundant.contains(id))
                {
                    let s = to_screen.apply(m.pos);
                    if rect.contains(s) {
                        painter.circle_stroke(s, 9.0, Stroke::new(2.5, REDUNDANT));
                    }
                }
            }
        }
        // Suggested sites.
        if let Some(view) = input.suggestions {
            // Sites at one place (several categories) share a marker.
            let mut marks: Vec<(Pos2, Vec<String>)> = Vec::new();
            for s in &view.sites {
                let p = t.to_screen(s.location.x(), s.location.y());
                match marks.iter_mut().find(|(q, _)| q.distance(p) < 1.0) {
                    Some((_, ranks)) => ranks.push(s.rank.to_string()),
                    None => marks.push((p, vec![s.rank.to_string()])),
                }
            }
            for (p, ranks) in marks {
                if rect.contains(p) {
                    let galley = painter.layout_no_wrap(
                        ranks.join(","),
                        FontId::proportional(11.0),
                        Color32::WHITE,
                    );
                    let size = galley.size() + egui::vec2(8.0, 4.0);
                    let r = Rect::from_center_size(p, size.max(egui::vec2(18.0, 18.0)));
                    painter.rect_filled(r, 9.0, SUGGESTED);
                    painter.galley(r.center() - galley.size() / 2.0, galley, Color32::WHITE);
                }
            }
        }

        // Road and population changes: both sides of a comparison, else
        // the layout shown.
        match input.comparison {
            Some(view) => {
                for s in &view.scenarios {
                    super::map_scenario::paint(&painter, &t, s, input.lang);
                }
            }
            None => {
                if let Some(s) = input.scenario {
                    super::map_scenario::paint(&painter, &t, s, input.lang);
                }
            }
        }

        let sense = match input.tool {
            EditTool::Select => return,
            EditTool::DrawRoad
            | EditTool::CloseRoad
            | EditTool::RestyleRoad
            | EditTool::DrawArea
            | EditTool::ScaleArea => Sense::click(),
            EditTool::Add | EditTool::Delete => Sense::click(),
            EditTool::Move => Sense::click_and_drag(),
        };
        let response = ui.interact(rect, ui.scope_id().with("map_edit"), sense);
        // The map below does not see the wheel while this is on top: zoom
        // toward the pointer here.
        if let Some(p) = response.hover_pos() {
            let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta(), i.zoom_delta()));
            let factor = (scroll.y as f64 * 0.003).exp() * zoom as f64;
            if (factor - 1.0).abs() > 1e-6 {
                let c = t.rect().center();
                map.pan(c - p);
                map.zoom(factor);
                map.pan(p - c);
            }
        }
        let hover_text = match input.tool {
            tool if tool.is_scenario() => super::map_scenario::hint(tool, input.lang),
            EditTool::Add => input.lang.pick("点击添加设施", "Click to add a facility"),
            EditTool::Move => input
                .lang
                .pick("拖动设施以移动", "Drag a facility to move it"),
            _ => input
                .lang
                .pick("点击设施以删除", "Click a facility to delete it"),
        };
        let at = rect.center_top() + egui::vec2(0.0, 12.0);
        let galley = painter.layout_no_wrap(
            hover_text.to_string(),
            FontId::proportional(14.0),
            Color32::from_rgb(40, 40, 40),
        );
        let text_rect = Align2::CENTER_TOP
            .anchor_size(at, galley.size())
            .expand(5.0);
        painter.rect_filled(text_rect, 4.0, Color32::from_white_alpha(220));
        painter.galley(text_rect.min + egui::vec2(5.0, 5.0), galley, Color32::BLACK);
        match input.tool {
            tool @ (EditTool::DrawRoad
            | EditTool::CloseRoad
            | EditTool::RestyleRoad
            | EditTool::DrawArea
            | EditTool::ScaleArea) => {
                let empty = crate::model::Scenario::default();
                self.draft.ui(
                    ui,
                    &painter,
                    &response,
                    &t,
                    tool,
                    input.roads,
                    input.scenario.unwrap_or(&empty),
                    actions,
                );
            }
            EditTool::Add => {
                if response.clicked()
                    && let Some(p) = response.interact_pointer_pos()
                    && let Some(a) = add_click(&t, p, input.add_category)
                {
                    actions.push(Action::Layout(a));
                }
                if let Some(p) = response.hover_pos() {
                    painter.circle_stroke(p, 7.0, Stroke::new(2.0, SUGGESTED));
                }
            }
            EditTool::Delete => {
                let hovered = response
                    .hover_pos()
                    .and_then(|p| nearest_mark(&t, input.geometry, p));
                if let Some(i) = hovered {
                    let s = to_screen.apply(input.geometry.facilities[i].pos);
                    painter.circle_stroke(s, 10.0, Stroke::new(2.5, LOST));
                }
                if response.clicked()
                    && let Some(i) = hovered
                    && let Some(id) = input.ids.get(i)
                {
                    actions.push(Action::Layout(LayoutAction::Edit(EditRequest::Delete {
                        id: *id,
                    })));
                }
            }
            EditTool::Move => {
                if response.drag_started() {
                    // Where the button went down, not where the drag was
                    // recognised.
                    let origin = ui
                        .input(|i| i.pointer.press_origin())
                        .or(response.interact_pointer_pos());
                    self.dragging = origin.and_then(|p| nearest_mark(&t, input.geometry, p));
                }
                match self.dragging {
                    Some(i) => {
                        if let (Some(p), Some(m)) = (
                            response.interact_pointer_pos(),
                            input.geometry.facilities.get(i),
                        ) {
                            let from = to_screen.apply(m.pos);
                            painter.line_segment([from, p], Stroke::new(1.5, SUGGESTED));
                            painter.circle_stroke(p, 8.0, Stroke::new(2.5, SUGGESTED));
                            if response.drag_stopped() {
                                if let Some(id) = input.ids.get(i) {
                                    actions.push(Action::Layout(LayoutAction::Edit(
                                        EditRequest::Move {
                                            id: *id,
                                            lonlat: t.to_world(p),
                                        },
                                    )));
                                }
                                self.dragging = None;
                            }
                        }
                        if !response.dragged() && !response.drag_stopped() {
                            self.dragging = None;
                        }
                    }
                    None => {
                        if response.dragged() {
                            map.pan(response.drag_delta());
                        }
                    }
                }
            }
            EditTool::Select => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::map_transform::MapTransform;

    #[test]
    fn an_add_click_adds_at_the_clicked_lon_lat() {
        let rect = Rect::from_min_size(Pos2::new(0.0, 0.0), egui::vec2(800.0, 600.0));
        let t = MapTransform::new(rect, [118.9, 28.95], 2000.0, 28.95);
        let p = Pos2::new(500.0, 200.0);
        let Some(LayoutAction::Edit(EditRequest::Add { category, lonlat })) =
            add_click(&t, p, "clinic")
        else {
            panic!("no add action");
        };
        assert_eq!(category, "clinic");
        let back = t.to_screen(lonlat[0], lonlat[1]);
        assert!(back.distance(p) < 0.01, "{back:?}");
        // Right of centre is east, above is north.
        assert!(lonlat[0] > 118.9 && lonlat[1] > 28.95, "{lonlat:?}");
        assert!(add_click(&t, Pos2::new(900.0, 10.0), "clinic").is_none());
        assert!(add_click(&t, p, "").is_none());
    }
}
