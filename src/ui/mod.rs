//! The planner's workspace, drawn with egui: one struct per panel, the map
//! (its projection, batched layers and painter), the dialogs, colours and the
//! two languages. Panels read the workspace's state and report
//! [`crate::state::Action`]s; only `state` changes state and opens file
//! dialogs.
//!
//! Layer: below the `app` shell, above `state`. May import `state` and
//! everything below it; never `app`.

pub mod bars;
pub mod compare_panel;
pub mod data_panel;
pub mod export_dialog;
pub mod i18n;
pub mod import_dialog;
pub mod layouts_panel;
pub mod legend;
pub mod map_cache;
pub mod map_edit;
pub mod map_layers;
pub mod map_scenario;
pub mod map_transform;
pub mod map_view;
pub mod plan_panel;
pub mod profile_panel;
pub mod project_prompts;
pub mod results_panel;
pub mod scenario_panel;
pub mod scorecard_panel;
pub mod sharing_panel;
pub mod style;
pub mod supply_panel;

use eframe::egui;
use std::sync::Arc;

/// The bundled CJK font: Noto Sans SC, subset (see `assets/README.md`).
pub const CJK_FONT: &[u8] = include_bytes!("../../assets/NotoSansSC-subset.otf");

/// Add the bundled Chinese font to `ctx` as a fallback after egui's own
/// fonts, for both proportional and monospace text. Call once at start-up
/// (the app does) and in UI tests (`HarnessBuilder::with_context_setup`).
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "noto_sans_sc".to_owned(),
        Arc::new(egui::FontData::from_static(CJK_FONT)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("noto_sans_sc".to_owned());
    }
    ctx.set_fonts(fonts);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character in the GUI's source text and the demo names must
    /// render: kittest panics on a missing glyph, and users would see boxes.
    #[test]
    fn the_bundled_font_covers_our_text() {
        let sources = [
            include_str!("data_panel.rs"),
            include_str!("export_dialog.rs"),
            include_str!("import_dialog.rs"),
            include_str!("../state/export.rs"),
            include_str!("../state/import_dialog.rs"),
            include_str!("i18n.rs"),
            include_str!("legend.rs"),
            include_str!("map_view.rs"),
            include_str!("profile_panel.rs"),
            include_str!("results_panel.rs"),
            include_str!("sharing_panel.rs"),
            include_str!("scorecard_panel.rs"),
            include_str!("layouts_panel.rs"),
            include_str!("../state/sharing.rs"),
            include_str!("style.rs"),
            include_str!("../app/mod.rs"),
            include_str!("../state/mod.rs"),
            include_str!("../state/files.rs"),
            include_str!("bars.rs"),
            include_str!("project_prompts.rs"),
            include_str!("map_scenario.rs"),
            include_str!("scenario_panel.rs"),
            include_str!("../state/scenario_edit.rs"),
            include_str!("layouts_panel.rs"),
            include_str!("compare_panel.rs"),
            include_str!("plan_panel.rs"),
            include_str!("../state/plan.rs"),
            include_str!("../../data/profile-default.json"),
            include_str!("../../data/townships.geojson"),
            include_str!("../../data/facilities.geojson"),
            "航埠镇 七里乡 九华乡 石梁镇 石室乡 荷花街道 沟溪乡 万田乡 华墅乡 ≤≥–—…×·→↑↓",
        ];
        let ctx = egui::Context::default();
        install_fonts(&ctx);
        let mut missing = std::collections::BTreeSet::new();
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            ui.ctx().fonts_mut(|fonts| {
                for text in sources {
                    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                        for c in line.chars().filter(|c| !c.is_ascii()) {
                            if !fonts.has_glyph(&egui::FontId::proportional(14.0), c) {
                                missing.insert(c);
                            }
                        }
                    }
                }
            });
        });
        output.textures_delta.clear();
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }
}
