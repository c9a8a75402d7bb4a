//! The Export dialog window: formats, report language, maps, folder, then
//! Export with a progress bar and Cancel, and the list of written files (or
//! the error). State and work live in [`crate::state::export`].

use super::i18n::Lang;
use crate::report::{self, Format};
use crate::state::export::{ExportDialog, ExportEvent, ExportOutcome, MAP_WIDTHS};
use eframe::egui;
use egui::{Color32, RichText};

/// A format's name in `lang`.
pub fn format_name(format: Format, lang: Lang) -> &'static str {
    match format {
        Format::Xlsx => lang.pick("Excel 报告（report.xlsx）", "Excel workbook (report.xlsx)"),
        Format::Html => lang.pick("网页报告（report.html，含地图）", "HTML report with maps"),
        Format::Png => lang.pick("地图图片（PNG）", "Map images (PNG)"),
        Format::Geojson => lang.pick(
            "GeoJSON（盲区、居民点）",
            "GeoJSON (blind spots, residents)",
        ),
        Format::Csv => lang.pick("CSV 表格", "CSV tables"),
        Format::Json => lang.pick("coverage.json", "coverage.json"),
        Format::Dxf => lang.pick(
            "CAD 图（results.dxf：盲区、设施）",
            "CAD drawing (results.dxf: blind spots, facilities)",
        ),
    }
}

fn phase_name(phase: &str, lang: Lang) -> String {
    match phase {
        "report" => lang.pick("准备", "preparing"),
        "facilities" | "catchments" => lang.pick("设施服务范围", "facility catchments"),
        "maps" => lang.pick("绘制地图", "drawing maps"),
        "tables" => lang.pick("生成表格", "building tables"),
        "write" => lang.pick("写入文件", "writing files"),
        "done" => lang.pick("完成", "done"),
        other => other,
    }
    .to_string()
}

/// Draw the dialog; `blocked` says why Export is not possible now.
pub fn show(
    ctx: &egui::Context,
    lang: Lang,
    dialog: &mut ExportDialog,
    blocked: Option<&str>,
) -> Vec<ExportEvent> {
    let mut events = Vec::new();
    let mut open = true;
    egui::Window::new(lang.pick("导出报告", "Export report"))
        .id(egui::Id::unique("export_dialog"))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .default_width(420.0)
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(ctx.content_rect().center_top() + egui::vec2(0.0, 60.0))
        .show(ctx, |ui| body(ui, lang, dialog, blocked, &mut events));
    if !open {
        events.push(ExportEvent::Close);
    }
    events
}

fn body(
    ui: &mut egui::Ui,
    lang: Lang,
    dialog: &mut ExportDialog,
    blocked: Option<&str>,
    events: &mut Vec<ExportEvent>,
) {
    let running = dialog.is_running();
    ui.add_enabled_ui(!running, |ui| {
        ui.label(RichText::new(lang.pick("格式", "Formats")).strong());
        for (format, on) in &mut dialog.formats {
            ui.checkbox(on, format_name(*format, lang));
        }
        let dxf = dialog
            .formats
            .iter()
            .any(|(f, on)| *f == Format::Dxf && *on);
        if dxf {
            ui.horizontal(|ui| {
                let label = ui.label(lang.pick("CAD 坐标系 EPSG", "CAD coordinates EPSG"));
                ui.add(
                    egui::TextEdit::singleline(&mut dialog.cad_epsg)
                        .hint_text(lang.pick("自动：本地3度带", "auto: local 3° zone"))
                        .desired_width(140.0),
                )
                .labelled_by(label.id);
            });
            if let Err(e) = dialog.cad_crs() {
                ui.label(RichText::new(e).color(Color32::from_rgb(190, 20, 20)));
            }
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.label(RichText::new(lang.pick("报告语言", "Report language")).strong());
            ui.radio_value(&mut dialog.lang, report::Lang::Zh, "中文");
            ui.radio_value(&mut dialog.lang, report::Lang::En, "English");
        });
        ui.horizontal(|ui| {
            ui.label(RichText::new(lang.pick("地图宽度", "Map width")).strong());
            for width in MAP_WIDTHS {
                let label = match width {
                    w if w == report::ExportRequest::PRINT_WIDTH_PX => {
                        format!("{w} px（{}）", lang.pick("打印", "print"))
                    }
                    w => format!("{w} px"),
                };
                ui.radio_value(&mut dialog.map_width_px, width, label);
            }
        });
        ui.checkbox(
            &mut dialog.township_maps,
            lang.pick("每个乡镇单独出图", "A map per township"),
        );
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            ui.label(RichText::new(lang.pick("文件夹", "Folder")).strong());
            match &dialog.dir {
                Some(dir) => {
                    let text = dir.display().to_string();
                    ui.add(egui::Label::new(&text).truncate())
                        .on_hover_text(&text);
                }
                None => {
                    ui.weak(lang.pick("未选择", "not chosen"));
                }
            }
        });
        if ui
            .button(lang.pick("选择文件夹…", "Choose folder…"))
            .clicked()
        {
            events.push(ExportEvent::PickFolder);
        }
    });
    ui.separator();

    if let Some((fraction, phase, elapsed)) = dialog.progress() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!(
                "{}{}",
                lang.pick("正在导出：", "Exporting: "),
                phase_name(&phase, lang)
            ));
            ui.weak(format!(
                "{:.1} {}",
                elapsed.as_secs_f32(),
                lang.pick("秒", "s")
            ));
        });
        ui.add(egui::ProgressBar::new(fraction).show_percentage());
        if ui.button(lang.pick("取消", "Cancel")).clicked() {
            events.push(ExportEvent::Cancel);
        }
        return;
    }

    let missing = if dialog.formats.iter().all(|(_, on)| !on) {
        Some(lang.pick("请至少选择一种格式。", "Choose at least one format."))
    } else if dialog.dir.is_none() {
        Some(lang.pick("请选择导出文件夹。", "Choose the folder to export into."))
    } else {
        None
    };
    if let Some(why) = blocked.or(missing) {
        ui.weak(why);
    }
    ui.horizontal(|ui| {
        let ready = blocked.is_none() && missing.is_none();
        if ui
            .add_enabled(ready, egui::Button::new(lang.pick("导出", "Export")))
            .clicked()
        {
            events.push(ExportEvent::Export);
        }
        if ui.button(lang.pick("关闭", "Close")).clicked() {
            events.push(ExportEvent::Close);
        }
    });

    match &dialog.outcome {
        Some(ExportOutcome::Written(files)) => {
            ui.separator();
            ui.label(format!(
                "{} {} {}",
                lang.pick("已写入", "Wrote"),
                files.len(),
                lang.pick("个文件：", "files:")
            ));
            egui::ScrollArea::vertical()
                .id_salt("export_files")
                .min_scrolled_height(160.0)
                .max_height(220.0)
                .show(ui, |ui| {
                    for f in files {
                        let shown = dialog
                            .dir
                            .as_ref()
                            .and_then(|d| f.strip_prefix(d).ok())
                            .unwrap_or(f);
                        ui.monospace(shown.display().to_string());
                    }
                });
        }
        Some(ExportOutcome::Failed(problem)) => {
            ui.separator();
            ui.label(
                RichText::new(format!(
                    "{}{problem}",
                    lang.pick("导出失败：", "Export failed: ")
                ))
                .color(Color32::from_rgb(190, 20, 20)),
            );
        }
        Some(ExportOutcome::Cancelled) => {
            ui.separator();
            ui.label(lang.pick(
                "已取消，未写入任何文件。",
                "Cancelled; no file was written.",
            ));
        }
        None => {}
    }
}
