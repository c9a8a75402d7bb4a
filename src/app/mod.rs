//! The window shell: [`LifeCircleApp`] is the `eframe::App`. It owns the
//! [`Workspace`] (the session's state) and the panels that draw it, and runs
//! a frame: poll jobs → draw panels, which collect [`Action`]s → apply them
//! at the end of the frame → hand the workspace's map moves to the map view.
//! Settings (language, layers, tier, window size) persist between runs.
//!
//! Layer: the top. May import `ui`, `state` and everything below; nothing
//! imports it but `main` and `cli` (to open the window).
//!
//! `cargo run --release` calls [`run`]: the window opens on the demo
//! district (or on the project file given), which loads and is assessed in
//! the background. With `LIFECIRCLE_FRAME_PROBE=out.json` set, the scripted
//! frame-time probe of [`frame_probe`] pans and zooms the map and ends the
//! process.

pub mod frame_probe;

use crate::model::FacilityId;
use crate::model::{Layers, Profile};
use crate::report::Lang;
use crate::state::jobs::Runner;
use crate::state::{Action, LeftTab, MapRequest, RightTab, Settings, Workspace};
use crate::ui::bars;
use crate::ui::data_panel::DataPanel;
use crate::ui::layouts_panel::{self, LayoutsInputs, LayoutsPanel};
use crate::ui::legend::{Legend, LegendInputs};
use crate::ui::map_edit::{MapEditInputs, MapEditor};
use crate::ui::map_transform::GeoBounds;
use crate::ui::map_view::{MapInputs, MapView};
use crate::ui::plan_panel::{PlanInputs, PlanPanel};
use crate::ui::profile_panel::ProfilePanel;
use crate::ui::results_panel::ResultsPanel;
use crate::ui::scorecard_panel::ScorecardPanel;
use crate::ui::sharing_panel::{self, SharingPanel};
use crate::ui::supply_panel;
use crate::ui::{
    compare_panel, export_dialog, import_dialog, install_fonts, project_prompts, style,
};
use eframe::egui;
use egui::Color32;
use frame_probe::{FrameProbe, ProbeStep, StudySize};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

/// The window title.
pub const TITLE: &str = "LifeCircle 生活圈评估";

/// Open the desktop window (the `lifecircle` binary without a subcommand),
/// on `project` if given, else on the demo district.
pub fn run(project: Option<std::path::PathBuf>) -> eframe::Result {
    let size = 64;
    let icon = egui::IconData {
        rgba: style::icon_rgba(size),
        width: size,
        height: size,
    };
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title(TITLE)
            .with_app_id("lifecircle")
            .with_inner_size([1400.0, 900.0])
            .with_min_inner_size([900.0, 600.0])
            .with_icon(Arc::new(icon)),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "LifeCircle",
        options,
        Box::new(|cc| {
            let mut app = LifeCircleApp::new(cc);
            app.probe = FrameProbe::from_env();
            app.probe_waits_for_project = project.is_some();
            if let Some(path) = project {
                let open =
                    Action::Project(crate::state::project_file::ProjectAction::OpenPath(path));
                app.apply(open, &cc.egui_ctx);
            }
            Ok(Box::new(app))
        }),
    )
}

/// Rolling frame times for the debug overlay.
#[derive(Default)]
struct FrameStats {
    /// Our `ui()` time per frame, seconds.
    ui: VecDeque<f32>,
    /// eframe's CPU time of the previous frame (UI + tessellation), seconds.
    cpu: VecDeque<f32>,
}

impl FrameStats {
    const LEN: usize = 120;

    fn push(list: &mut VecDeque<f32>, v: f32) {
        if list.len() == Self::LEN {
            list.pop_front();
        }
        list.push_back(v);
    }

    fn summary(list: &VecDeque<f32>) -> (f32, f32) {
        if list.is_empty() {
            return (0.0, 0.0);
        }
        let mean = list.iter().sum::<f32>() / list.len() as f32;
        let max = list.iter().copied().fold(0.0, f32::max);
        (mean * 1000.0, max * 1000.0)
    }

    fn text(&self, lang: Lang) -> String {
        let (ui_mean, ui_max) = Self::summary(&self.ui);
        let (cpu_mean, cpu_max) = Self::summary(&self.cpu);
        format!(
            "{} {cpu_mean:.1} ms / {} {cpu_max:.1} ms\nui() {ui_mean:.1} ms / {} {ui_max:.1} ms ({} {})",
            lang.pick("帧 CPU 平均", "frame CPU mean"),
            lang.pick("最大", "max"),
            lang.pick("最大", "max"),
            self.ui.len(),
            lang.pick("帧", "frames"),
        )
    }
}

/// The planner's window: the workspace and the panels that draw it (see
/// module docs). It dereferences to its [`Workspace`], so tests and
/// benchmarks read the session's state through it.
pub struct LifeCircleApp {
    ws: Workspace,
    map: MapView,
    legend: Legend,
    data_panel: DataPanel,
    profile_panel: ProfilePanel,
    results_panel: ResultsPanel,
    /// Load rings drawn on the map in the last frame.
    supply_rings_drawn: usize,
    sharing_panel: SharingPanel,
    scorecard_panel: ScorecardPanel,
    layouts_panel: LayoutsPanel,
    plan_panel: PlanPanel,
    map_editor: MapEditor,
    frames: FrameStats,
    /// The scripted frame-time probe, when asked for.
    probe: Option<FrameProbe>,
    /// The probe waits for the project given on the command line (not the
    /// demo that loads first).
    probe_waits_for_project: bool,
}

impl std::ops::Deref for LifeCircleApp {
    type Target = Workspace;
    fn deref(&self) -> &Workspace {
        &self.ws
    }
}

impl std::ops::DerefMut for LifeCircleApp {
    fn deref_mut(&mut self) -> &mut Workspace {
        &mut self.ws
    }
}

/// The look the app uses: the bundled CJK font, light theme, quick tooltips.
fn set_up_context(ctx: &egui::Context) {
    install_fonts(ctx);
    ctx.set_theme(egui::Theme::Light);
    ctx.style_mut_of(egui::Theme::Light, |s| {
        s.interaction.tooltip_delay = 0.25;
    });
}

impl LifeCircleApp {
    fn around(ctx: &egui::Context, ws: impl FnOnce() -> Workspace) -> Self {
        set_up_context(ctx);
        let mut app = Self {
            ws: ws(),
            map: MapView::default(),
            legend: Legend,
            data_panel: DataPanel,
            profile_panel: ProfilePanel::default(),
            results_panel: ResultsPanel::default(),
            supply_rings_drawn: 0,
            sharing_panel: SharingPanel::default(),
            scorecard_panel: ScorecardPanel::default(),
            layouts_panel: LayoutsPanel::default(),
            plan_panel: PlanPanel::default(),
            map_editor: MapEditor::default(),
            frames: FrameStats::default(),
            probe: None,
            probe_waits_for_project: false,
        };
        app.apply_map_requests();
        app
    }

    /// The desktop app: remembered settings, native dialogs, background
    /// jobs, and the demo district loading at once.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let settings = cc
            .storage
            .and_then(|s| eframe::get_value::<Settings>(s, eframe::APP_KEY))
            .unwrap_or_default();
        let data_dir = eframe::storage_dir("lifecircle")
            .unwrap_or_else(|| std::env::temp_dir().join("lifecircle"));
        let ctx = &cc.egui_ctx;
        Self::around(ctx, || Workspace::new(ctx, settings, data_dir))
    }

    /// A study of `layers` and `profile` with jobs run inline (results
    /// arrive within the frame) and dialogs that answer nothing: for tests.
    pub fn with_project(
        cc: &eframe::CreationContext<'_>,
        layers: Layers,
        profile: Profile,
    ) -> Self {
        let ctx = &cc.egui_ctx;
        Self::around(ctx, || Workspace::with_project(ctx, layers, profile))
    }

    /// A study of `layers` and `profile`, assessed at once on `runner`, with
    /// default settings and native dialogs (previews and benchmarks in a
    /// real window use `Runner::Threads`).
    pub fn with_runner(
        cc: &eframe::CreationContext<'_>,
        layers: Layers,
        profile: Profile,
        runner: Runner,
    ) -> Self {
        let ctx = &cc.egui_ctx;
        Self::around(ctx, || Workspace::with_runner(ctx, layers, profile, runner))
    }

    /// The demo district, loaded and assessed inline: for tests.
    pub fn with_demo(cc: &eframe::CreationContext<'_>) -> Self {
        let ctx = &cc.egui_ctx;
        Self::around(ctx, || Workspace::with_demo(ctx))
    }

    /// The session's state.
    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// The map view.
    pub fn map(&self) -> &MapView {
        &self.map
    }

    /// The map view, to pan or zoom it (benchmarks, tests).
    pub fn map_mut(&mut self) -> &mut MapView {
        &mut self.map
    }

    /// Carry out an action, then move the map as the workspace asks.
    pub fn apply(&mut self, action: Action, ctx: &egui::Context) {
        self.ws.apply(action, ctx);
        self.apply_map_requests();
    }

    /// Hand the workspace's map moves to the map view.
    fn apply_map_requests(&mut self) {
        for request in self.ws.take_map_requests() {
            match request {
                MapRequest::FitAll => self.map.fit_all(),
                MapRequest::FitBounds(bounds) => self.map.fit_bounds(bounds),
                MapRequest::Show {
                    center: [lon, lat],
                    zoom,
                } => {
                    // `zoom` is points per degree of longitude at the
                    // centre; the view needs the map's size to show it.
                    let Some(t) = self.map.transform() else {
                        continue;
                    };
                    let rect = t.rect();
                    let lat_scale = zoom / lat.to_radians().cos().max(0.01);
                    let half_w = rect.width() as f64 / 2.0 / zoom;
                    let half_h = rect.height() as f64 / 2.0 / lat_scale;
                    self.map.fit_bounds(GeoBounds::from_points([
                        [lon - half_w, lat - half_h],
                        [lon + half_w, lat + half_h],
                    ]));
                }
            }
        }
    }

    /// Draw the Export dialog (when open) and carry out what the user did.
    fn export_window(&mut self, ctx: &egui::Context) {
        let Some((mut dialog, blocked)) = self.ws.take_export_dialog() else {
            return;
        };
        let lang = self.ws.settings.lang;
        let events = export_dialog::show(ctx, lang, &mut dialog, blocked.as_deref());
        self.ws.export_dialog_done(dialog, blocked, events, ctx);
    }

    /// Draw the import dialog (when open) and carry out what the user did.
    fn import_window(&mut self, ctx: &egui::Context) {
        let Some(mut dialog) = self.ws.take_import_dialog(ctx) else {
            return;
        };
        let lang = self.ws.settings.lang;
        let extent = self.ws.loaded_extent();
        let events = import_dialog::show(ctx, lang, &mut dialog, &self.ws.study.profile, extent);
        self.ws.import_dialog_done(dialog, events, ctx);
        self.apply_map_requests();
    }

    /// The Supply panel's facilities ringed by load (sized by capacity),
    /// with a tooltip on hover, over the map just drawn.
    fn supply_map_overlay(&mut self, ui: &mut egui::Ui) {
        let rows = self.ws.supply_rings();
        self.supply_rings_drawn = 0;
        let Some(transform) = self.map.transform().filter(|_| !rows.is_empty()) else {
            return;
        };
        let painter = ui.painter_at(ui.max_rect());
        let pointer = ui.ctx().pointer_hover_pos();
        let hovered = supply_panel::paint_load_rings(
            &painter,
            transform,
            &self.ws.study.geometry,
            &rows,
            pointer,
        );
        self.supply_rings_drawn = rows.len();
        if let (Some(k), Some(p)) = (hovered, pointer) {
            let text = supply_panel::ring_tooltip(self.ws.settings.lang, &rows[k]);
            egui::Area::new(egui::Id::unique("lifecircle_supply_hover"))
                .order(egui::Order::Tooltip)
                .pivot(egui::Align2::RIGHT_TOP)
                .fixed_pos(p + egui::vec2(-16.0, 16.0))
                .interactable(false)
                .show(ui.ctx(), |ui| {
                    egui::Frame::popup(ui.style()).show(ui, |ui| ui.label(text));
                });
        }
    }

    /// Load rings drawn on the map in the last frame (tests).
    pub fn supply_rings_drawn(&self) -> usize {
        self.supply_rings_drawn
    }

    /// The Sharing view's flow lines and shared facilities, over the map
    /// just drawn, while that view is open.
    fn sharing_map_overlay(&self, ui: &egui::Ui, tier: usize) {
        if self.ws.settings.right_tab != RightTab::Sharing {
            return;
        }
        let (Some(t), Some(r)) = (self.map.transform(), self.ws.results.as_ref()) else {
            return;
        };
        let Some(shared) = r.shared.as_deref() else {
            return;
        };
        if let Some(category) = self.sharing_panel.category_for(&r.profile, tier) {
            sharing_panel::draw_on_map(
                ui,
                t,
                self.ws.settings.lang,
                shared,
                &self.ws.study.geometry,
                tier,
                &category,
            );
        }
    }

    /// One frame of the frame-time probe, if it runs (see [`frame_probe`]).
    fn probe_frame(&mut self, ctx: &egui::Context, prev_cpu: Option<f32>) {
        let Some(probe) = &mut self.probe else {
            return;
        };
        let ws = &self.ws;
        let ready = ws
            .results
            .as_ref()
            .filter(|r| !ws.is_busy() && r.study_generation == ws.study.generation)
            .filter(|_| !self.probe_waits_for_project || ws.project_state().path.is_some())
            .map(|r| StudySize {
                residents: r.demand.pos.len(),
                road_segments: ws.study.geometry.roads.segments,
                facilities: ws.study.layers.facilities.len(),
                townships: ws.study.layers.townships.len(),
            });
        let prev_ui = self.frames.ui.back().copied();
        match probe.frame(ready, prev_cpu, prev_ui, &mut self.map) {
            ProbeStep::Wait | ProbeStep::Continue => {}
            ProbeStep::Begin => {
                let map = &mut self.ws.settings.map;
                (map.townships, map.roads, map.facilities) = (true, true, true);
                (map.residents, map.heat, map.blind_spots) = (true, true, true);
                self.map.fit_all();
            }
            ProbeStep::Finished(result) => {
                let code = match result {
                    Ok(path) => {
                        eprintln!("frame probe: wrote {}", path.display());
                        0
                    }
                    Err(e) => {
                        eprintln!("error: frame probe: {e}");
                        1
                    }
                };
                std::process::exit(code);
            }
        }
        ctx.request_repaint();
    }

    /// Map editing and the layouts' map layers, over the map just drawn.
    fn layouts_map_overlay(&mut self, ui: &mut egui::Ui, tier: usize, actions: &mut Vec<Action>) {
        let rect = ui.max_rect();
        let redundant: Vec<FacilityId> = match &self.ws.layouts.redundancy {
            Some((layout, list)) if *layout == self.ws.layouts.active => {
                list.iter().filter(|r| r.redundant).map(|r| r.id).collect()
            }
            _ => Vec::new(),
        };
        let input =
            MapEditInputs {
                lang: self.ws.settings.lang,
                tool: self.ws.layouts.tool,
                add_category: &self.ws.layouts.add_category,
                geometry: &self.ws.study.geometry,
                ids: &self.ws.layouts.ids,
                tier,
                comparison: self.ws.layouts.comparison.as_ref(),
                // On the Plan tab, the plan's sites numbered by step.
                suggestions: self.ws.layouts.suggestions.as_ref().or(
                    match self.ws.settings.left_tab {
                        LeftTab::Plan => self.ws.plan.view.as_ref().map(|v| &v.sites),
                        _ => None,
                    },
                ),
                redundant: &redundant,
                scenario: self
                    .ws
                    .layouts
                    .active
                    .and_then(|i| self.ws.layouts.layouts.get(i))
                    .map(|l| &l.scenario),
                roads: self.ws.study.layers.roads.as_deref().unwrap_or(&[]),
            };
        self.map_editor.ui(ui, rect, &mut self.map, &input, actions);
    }
}

impl eframe::App for LifeCircleApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        if let Some(cpu) = frame.info().cpu_usage {
            FrameStats::push(&mut self.frames.cpu, cpu);
        }
        self.ws.poll_jobs(&ctx);
        self.ws.import_dropped_files(&ctx);
        self.apply_map_requests();
        self.probe_frame(&ctx, frame.info().cpu_usage);
        let mut actions = Vec::new();
        let lang = self.ws.settings.lang;

        egui::Panel::top("menu").show(ui, |ui| bars::menu_bar(ui, &self.ws, &mut actions));
        egui::Panel::bottom("status").show(ui, |ui| bars::status_bar(ui, &self.ws, &mut actions));

        let tier = self.ws.tier_index();
        egui::Panel::left("side")
            .resizable(true)
            .default_size(330.0)
            .min_size(240.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let tab = &mut self.ws.settings.left_tab;
                    ui.selectable_value(tab, LeftTab::Layers, lang.pick("图层", "Layers"));
                    ui.selectable_value(tab, LeftTab::Data, lang.pick("数据", "Data"));
                    ui.selectable_value(tab, LeftTab::Profile, lang.pick("评估方案", "Profile"));
                    ui.selectable_value(tab, LeftTab::Layouts, lang.pick("布局方案", "Layouts"));
                    ui.selectable_value(tab, LeftTab::Plan, lang.pick("建设时序", "Plan"));
                });
                ui.separator();
                egui::ScrollArea::vertical()
                    .id_salt("side_scroll")
                    .show(ui, |ui| match self.ws.settings.left_tab {
                        LeftTab::Layers => self.legend.ui(
                            ui,
                            &LegendInputs {
                                lang,
                                study: &self.ws.study,
                                results: self.ws.results.as_ref(),
                                tier,
                            },
                            &mut self.ws.settings.map,
                            &mut actions,
                        ),
                        LeftTab::Data => {
                            self.data_panel.ui(ui, lang, &self.ws.study, &mut actions);
                            supply_panel::group_shares_ui(ui, lang, &self.ws.supply, &mut actions);
                        }
                        LeftTab::Profile => {
                            let townships: Vec<String> = (self.ws.study.layers.townships.iter())
                                .map(|t| t.name.clone())
                                .collect();
                            self.profile_panel.ui(
                                ui,
                                lang,
                                &self.ws.study.profile,
                                &townships,
                                &mut actions,
                            )
                        }
                        LeftTab::Layouts => self.layouts_panel.ui(
                            ui,
                            &LayoutsInputs {
                                lang,
                                study: &self.ws.study,
                                results: self.ws.results.as_ref(),
                                layouts: &self.ws.layouts,
                                tier,
                                selected_facility: self.ws.selected_facility,
                            },
                            &mut actions,
                        ),
                        LeftTab::Plan => self.plan_panel.ui(
                            ui,
                            &PlanInputs {
                                lang,
                                study: &self.ws.study,
                                results: self.ws.results.as_ref(),
                                layouts: &self.ws.layouts,
                                plan: &self.ws.plan,
                            },
                            &mut actions,
                        ),
                    });
            });

        egui::Panel::right("results")
            .resizable(true)
            .default_size(480.0)
            .min_size(300.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let tab = &mut self.ws.settings.right_tab;
                    ui.selectable_value(tab, RightTab::Results, lang.pick("评估结果", "Results"));
                    ui.selectable_value(tab, RightTab::Sharing, lang.pick("共享", "Sharing"));
                    ui.selectable_value(tab, RightTab::Scorecard, lang.pick("对标", "Scorecard"));
                    ui.selectable_value(tab, RightTab::Supply, lang.pick("供需", "Supply"));
                });
                self.ws.supply.shown = self.ws.settings.right_tab == RightTab::Supply;
                ui.separator();
                let results = self.ws.results.as_ref();
                let shared = results.and_then(|r| r.shared.as_deref());
                egui::ScrollArea::vertical()
                    .id_salt("results_scroll")
                    .show(ui, |ui| match self.ws.settings.right_tab {
                        RightTab::Results => {
                            if let Some(view) = &self.ws.layouts.comparison {
                                compare_panel::ui(ui, lang, view, &self.ws.study.profile, tier);
                                ui.separator();
                            }
                            self.results_panel.ui(
                                ui,
                                lang,
                                results,
                                tier,
                                self.ws.selected_township,
                                &mut actions,
                            );
                        }
                        RightTab::Sharing => {
                            if let Some(r) = results {
                                let names: Vec<String> = r
                                    .assessment
                                    .report
                                    .townships
                                    .iter()
                                    .map(|t| t.name.clone())
                                    .collect();
                                self.sharing_panel
                                    .ui(ui, lang, &r.profile, &names, shared, tier);
                            }
                        }
                        RightTab::Scorecard => {
                            if let Some(r) = results {
                                self.scorecard_panel.ui(
                                    ui,
                                    lang,
                                    &r.profile,
                                    shared.map(|s| s.scorecards.as_slice()),
                                    tier,
                                );
                            }
                        }
                        RightTab::Supply => {
                            supply_panel::ui(
                                ui,
                                lang,
                                &mut self.ws.supply,
                                self.ws.results.as_ref(),
                                &self.ws.study.layers,
                                &self.ws.layouts.ids,
                            );
                        }
                    });
            });

        let debug = self.ws.settings.show_debug.then(|| self.frames.text(lang));
        egui::CentralPanel::no_frame().show(ui, |ui| {
            let inputs = MapInputs {
                lang,
                study: &self.ws.study,
                results: self.ws.results.as_ref(),
                tier,
                options: &self.ws.settings.map,
                selected_township: self.ws.selected_township,
                selected_facility: self.ws.selected_facility,
                reach: self.ws.reach.as_ref(),
                debug,
            };
            self.map.ui(ui, &inputs, &mut actions);
            self.sharing_map_overlay(ui, tier);
            self.layouts_map_overlay(ui, tier, &mut actions);
            self.supply_map_overlay(ui);
            self.ws.set_camera(self.map.camera());
            if ctx.input(|i| !i.raw.hovered_files.is_empty()) {
                let rect = ui.max_rect();
                ui.painter()
                    .rect_filled(rect, 0.0, Color32::from_black_alpha(120));
                ui.painter().text(
                    rect.center(),
                    egui::Align2::CENTER_CENTER,
                    lang.pick("松开鼠标以导入文件", "Drop to import"),
                    egui::FontId::proportional(24.0),
                    Color32::WHITE,
                );
            }
        });

        self.import_window(&ctx);
        self.export_window(&ctx);
        layouts_panel::undo_redo_keys(&ctx, &mut actions);
        self.ws.handle_close_request(&ctx);
        project_prompts::show(&ctx, &self.ws, &mut actions);
        self.ws.autosave_tick(&ctx);
        for action in actions {
            self.apply(action, &ctx);
        }
        self.ws.keep_heat_source_in_tier();
        FrameStats::push(&mut self.frames.ui, started.elapsed().as_secs_f32());
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.ws.settings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_stats_keep_a_rolling_window() {
        let mut f = FrameStats::default();
        for i in 0..200 {
            FrameStats::push(&mut f.ui, i as f32 / 1000.0);
        }
        assert_eq!(f.ui.len(), FrameStats::LEN);
        let (mean, max) = FrameStats::summary(&f.ui);
        assert!((max - 199.0).abs() < 1e-3);
        assert!((mean - 139.5).abs() < 1e-2, "{mean}");
        assert!(f.text(Lang::En).contains("199.0 ms"));
    }
}
