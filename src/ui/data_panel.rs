//! The data panel: import each input (file dialog or drop on the window),
//! what was loaded from which file, the town-area layer (镇区范围) that
//! splits residents into town and village, and the loader's warnings.

use super::i18n::Lang;
use crate::io::LayerKind;
use crate::state::Action;
use crate::state::files::Import;
use crate::state::project::Study;
use eframe::egui;
use egui::RichText;

/// Warnings listed before the list is cut (the rest are counted).
const WARNINGS_SHOWN: usize = 300;

/// The data panel (stateless).
#[derive(Default)]
pub struct DataPanel;

impl DataPanel {
    /// Draw the panel. `busy`: a load is running (imports stay possible; a
    /// new one supersedes it).
    pub fn ui(&mut self, ui: &mut egui::Ui, lang: Lang, study: &Study, actions: &mut Vec<Action>) {
        ui.label(
            RichText::new(lang.pick(
                "导入 GeoJSON、CSV、Excel、Shapefile 或 OSM PBF（可选坐标系与编码），也可将文件直接拖入窗口。",
                "Import GeoJSON, CSV, Excel, Shapefile or OSM PBF (coordinate system and encoding can be chosen), or drop files on the window.",
            ))
            .weak(),
        );
        ui.add_space(4.0);
        let layers = &study.layers;
        for what in Import::ALL {
            let count = match what {
                Import::Layer(LayerKind::Townships) => Some(layers.townships.len()),
                Import::Layer(LayerKind::Facilities) => Some(layers.facilities.len()),
                Import::Layer(LayerKind::Residents) => layers.residents.as_ref().map(Vec::len),
                Import::Layer(LayerKind::Roads) => layers.roads.as_ref().map(Vec::len),
                Import::Profile => None,
            };
            let detail = match (what, count) {
                (Import::Profile, _) => format!(
                    "{} {}",
                    study.profile.tiers.len(),
                    lang.pick("个生活圈", "tiers")
                ),
                (Import::Layer(LayerKind::Roads), Some(n)) => format!(
                    "{} {} · {} {}",
                    lang.count(n as f64),
                    lang.pick("条线", "lines"),
                    lang.count(study.geometry.roads.segments as f64),
                    lang.pick("段", "segments")
                ),
                (Import::Layer(LayerKind::Residents), Some(n)) => {
                    let people: f64 = layers
                        .residents
                        .iter()
                        .flatten()
                        .map(|r| r.population)
                        .sum();
                    format!(
                        "{} {} · {} {}",
                        lang.count(n as f64),
                        lang.pick("个点", "points"),
                        lang.count(people),
                        lang.pick("人", "people")
                    )
                }
                (Import::Layer(LayerKind::Residents), None) => lang
                    .pick("无：按 100 米网格面积计", "none: 100 m area grid")
                    .to_string(),
                (Import::Layer(LayerKind::Roads), None) => lang
                    .pick("无：直线距离 × 绕行系数", "none: straight line × detour")
                    .to_string(),
                (_, Some(n)) => lang.count(n as f64),
                (_, None) => "–".to_string(),
            };
            ui.horizontal(|ui| {
                ui.label(RichText::new(what.name(lang)).strong());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let button = format!("{}{}…", lang.pick("导入", "Import "), what.name(lang));
                    if ui.button(button).clicked() {
                        actions.push(Action::Import(what));
                    }
                });
            });
            ui.label(detail);
            let file = study
                .file(what)
                .unwrap_or(lang.pick("（未导入）", "(none)"));
            ui.small(RichText::new(file).weak());
            ui.add_space(2.0);
        }
        town_areas(ui, lang, study, actions);
        ui.add_space(6.0);
        if ui
            .button(lang.pick("重新载入示例数据", "Reload the demo district"))
            .clicked()
        {
            actions.push(Action::LoadDemo);
        }

        ui.separator();
        let total: usize = study.warnings.iter().map(|(_, w)| w.len()).sum();
        ui.label(
            RichText::new(format!(
                "{} ({})",
                lang.pick("导入警告", "Loader warnings"),
                lang.count(total as f64)
            ))
            .strong(),
        );
        if total == 0 {
            ui.weak(lang.pick("没有警告。", "No warnings."));
            return;
        }
        egui::ScrollArea::both()
            .id_salt("warnings_scroll")
            .auto_shrink([false, true])
            .max_height(ui.available_height().max(120.0))
            .show(ui, |ui| {
                egui::Grid::new("warnings")
                    .num_columns(3)
                    .striped(true)
                    .show(ui, |ui| {
                        ui.strong(lang.pick("文件", "File"));
                        ui.strong(lang.pick("要素", "Feature"));
                        ui.strong(lang.pick("问题", "Problem"));
                        ui.end_row();
                        for (_, w) in study.all_warnings().take(WARNINGS_SHOWN) {
                            ui.label(&w.file);
                            let feature = match (w.feature, &w.name) {
                                (Some(n), Some(name)) => format!("#{n} {name}"),
                                (Some(n), None) => format!("#{n}"),
                                (None, Some(name)) => name.clone(),
                                (None, None) => "–".to_string(),
                            };
                            ui.label(feature);
                            ui.add(egui::Label::new(&w.message).wrap());
                            ui.end_row();
                        }
                    });
                if total > WARNINGS_SHOWN {
                    ui.weak(format!(
                        "{} {}",
                        lang.count((total - WARNINGS_SHOWN) as f64),
                        lang.pick("条警告未列出", "more warnings not listed")
                    ));
                }
            });
    }
}

/// The town-area layer's row: load, clear, what is loaded.
fn town_areas(ui: &mut egui::Ui, lang: Lang, study: &Study, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(lang.pick("镇区范围", "Town areas")).strong());
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if study.town_areas.is_some()
                && ui
                    .button(lang.pick("清除镇区范围", "Clear town areas"))
                    .clicked()
            {
                actions.push(Action::ClearTownAreas);
            }
            if ui
                .button(lang.pick("导入镇区范围…", "Import town areas…"))
                .clicked()
            {
                actions.push(Action::LoadTownAreas);
            }
        });
    });
    match &study.town_areas {
        Some((file, areas)) => {
            ui.label(format!(
                "{} {}",
                lang.count(areas.len() as f64),
                lang.pick("个面", "polygons")
            ));
            ui.small(RichText::new(file).weak());
        }
        None => {
            ui.label(lang.pick(
                "未导入：按居民点的 settlement 属性区分镇区与乡村",
                "none: town and village by the residents' settlement values",
            ));
        }
    }
    ui.small(
        RichText::new(lang.pick(
            "GeoJSON 面要素；没有 settlement 属性的居民点在面内为镇区，否则为乡村。",
            "GeoJSON polygons; residents without a settlement value are town inside them, else village.",
        ))
        .weak(),
    );
    ui.add_space(2.0);
}
