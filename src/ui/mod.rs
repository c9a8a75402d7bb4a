//! The planner's workspace, drawn with egui: one struct per panel, the map
//! (its projection, batched layers and painter), colours and the two
//! languages. Panels read the app's state and report [`crate::app::Action`]s;
//! only `app` changes state and opens file dialogs.

pub mod i18n;
pub mod map_layers;
pub mod map_transform;
pub mod style;

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
