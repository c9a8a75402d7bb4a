//! The import dialog window: what the file holds (first rows, encoding,
//! coordinate system, feature count, extent sketch, warnings), the choices
//! (layer, coordinate system, encoding, sheet, columns), Import, and after
//! an import the category values the profile does not know, each mapped to
//! a profile category by a combo box. State and work live in
//! [`crate::state::import_dialog`].

use super::i18n::Lang;
use crate::io::{Format, LayerKind, Preview};
use crate::model::Profile;
use crate::state::files::Import;
use crate::state::import_dialog::{CrsChoice, EncodingChoice, ImportDialog, ImportEvent};
use eframe::egui;
use egui::{Color32, RichText};

const ERROR: Color32 = Color32::from_rgb(190, 20, 20);
/// Preview columns and characters per cell shown.
const COLUMNS_SHOWN: usize = 12;
const CELL_CHARS: usize = 24;

/// Draw the dialog. `current` is the extent of the data already loaded
/// (`[min_lon, min_lat, max_lon, max_lat]`), drawn under the file's.
pub fn show(
    ctx: &egui::Context,
    lang: Lang,
    dialog: &mut ImportDialog,
    profile: &Profile,
    current: Option<[f64; 4]>,
) -> Vec<ImportEvent> {
    let mut events = Vec::new();
    let mut open = true;
    egui::Window::new(format!(
        "{}{}",
        lang.pick("导入：", "Import: "),
        dialog.file
    ))
    .id(egui::Id::unique("import_dialog"))
    .open(&mut open)
    .collapsible(false)
    .resizable(true)
    .default_width(620.0)
    .pivot(egui::Align2::CENTER_TOP)
    .default_pos(ctx.content_rect().center_top() + egui::vec2(0.0, 60.0))
    .show(ctx, |ui| {
        egui::ScrollArea::vertical()
            .id_salt("import_dialog_scroll")
            .min_scrolled_height(ctx.content_rect().height() * 0.4)
            .max_height(ctx.content_rect().height() * 0.55)
            .show(ui, |ui| top(ui, lang, dialog, current));
        ui.separator();
        bottom(ui, lang, dialog, profile, &mut events);
    });
    if !open {
        events.push(ImportEvent::Close);
    }
    events
}

/// What the file holds and the choices (scrolled).
fn top(ui: &mut egui::Ui, lang: Lang, d: &mut ImportDialog, current: Option<[f64; 4]>) {
    let busy = d.is_importing();
    ui.weak(format!("{} · {}", d.format.label(), d.path.display()));
    ui.add_enabled_ui(!busy, |ui| choices(ui, lang, d));
    ui.separator();
    preview(ui, lang, d, current);
}

/// Progress, the outcome, the category mapping and the buttons (always
/// in view).
fn bottom(
    ui: &mut egui::Ui,
    lang: Lang,
    d: &mut ImportDialog,
    profile: &Profile,
    events: &mut Vec<ImportEvent>,
) {
    if let Some((fraction, phase)) = d.import_progress() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("{}{phase}", lang.pick("正在导入：", "Importing: ")));
        });
        ui.add(egui::ProgressBar::new(fraction).show_percentage());
        if ui.button(lang.pick("取消", "Cancel")).clicked() {
            events.push(ImportEvent::Close);
        }
        return;
    }
    if let Some(error) = &d.error {
        ui.label(
            RichText::new(format!(
                "{} {}{}{error}",
                lang.pick("无法导入", "Could not import"),
                d.file,
                lang.pick("（保留原有数据）：", " (the previous data stay): ")
            ))
            .color(ERROR),
        );
    }
    if let Some(n) = d.imported {
        ui.label(format!(
            "{}{} {}",
            lang.pick("已导入：", "Imported: "),
            lang.count(n as f64),
            Import::Layer(d.layer).name(lang)
        ));
    }
    if !d.unmapped.is_empty() {
        mapping(ui, lang, d, profile, events);
    }
    ui.horizontal(|ui| {
        let label = if d.imported.is_some() {
            lang.pick("重新导入", "Import again")
        } else {
            lang.pick("导入", "Import")
        };
        if ui.button(label).clicked() {
            events.push(ImportEvent::Import);
        }
        if ui.button(lang.pick("关闭", "Close")).clicked() {
            events.push(ImportEvent::Close);
        }
    });
}

fn choices(ui: &mut egui::Ui, lang: Lang, d: &mut ImportDialog) {
    egui::Grid::new("import_choices")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label(RichText::new(lang.pick("图层", "Layer")).strong());
            ui.horizontal_wrapped(|ui| {
                for kind in LayerKind::ALL {
                    ui.radio_value(&mut d.layer, kind, Import::Layer(kind).name(lang));
                }
            });
            ui.end_row();

            ui.label(RichText::new(lang.pick("坐标系", "Coordinates")).strong());
            ui.vertical(|ui| {
                if d.crs_unknown {
                    ui.label(
                        RichText::new(lang.pick(
                            "无法识别文件的坐标系，请选择：",
                            "The file's coordinate system is not known; choose one:",
                        ))
                        .color(ERROR),
                    );
                }
                ui.horizontal_wrapped(|ui| {
                    ui.radio_value(&mut d.crs, CrsChoice::Auto, lang.pick("自动", "Auto"));
                    ui.radio_value(&mut d.crs, CrsChoice::Wgs84, "WGS84");
                    ui.radio_value(&mut d.crs, CrsChoice::Gcj02, "GCJ-02")
                        .on_hover_text(lang.pick("高德、腾讯地图", "Amap, Tencent maps"));
                    ui.radio_value(&mut d.crs, CrsChoice::Bd09, "BD-09")
                        .on_hover_text(lang.pick("百度地图", "Baidu maps"));
                    ui.radio_value(&mut d.crs, CrsChoice::Epsg, "EPSG");
                    if d.crs == CrsChoice::Epsg {
                        ui.add(
                            egui::TextEdit::singleline(&mut d.epsg)
                                .hint_text("4528")
                                .desired_width(80.0),
                        );
                    }
                });
            });
            ui.end_row();

            if matches!(d.format, Format::Csv | Format::Shapefile) {
                ui.label(RichText::new(lang.pick("编码", "Encoding")).strong());
                ui.horizontal(|ui| {
                    for e in EncodingChoice::ALL {
                        let name = match e {
                            EncodingChoice::Auto => lang.pick("自动", "Auto"),
                            EncodingChoice::Utf8 => "UTF-8",
                            EncodingChoice::Gbk => "GBK",
                            EncodingChoice::Gb18030 => "GB18030",
                        };
                        ui.radio_value(&mut d.encoding, e, name);
                    }
                });
                ui.end_row();
            }

            let (sheets, columns) = match &d.preview {
                Some(Ok(p)) => (p.sheets.clone(), p.columns.clone()),
                _ => (Vec::new(), Vec::new()),
            };
            if d.format == Format::Excel && !sheets.is_empty() {
                let label = ui.label(RichText::new(lang.pick("工作表", "Sheet")).strong());
                let auto = lang.pick("（自动）", "(first with data)");
                egui::ComboBox::from_id_salt("import_sheet")
                    .selected_text(d.sheet.clone().unwrap_or_else(|| auto.to_string()))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut d.sheet, None, auto);
                        for s in sheets {
                            ui.selectable_value(&mut d.sheet, Some(s.clone()), s);
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            }

            if columns.is_empty() {
                return;
            }
            let tables = matches!(d.format, Format::Csv | Format::Excel);
            let points = matches!(d.layer, LayerKind::Facilities | LayerKind::Residents);
            let c = &mut d.columns;
            let wanted: Vec<(&str, &str, &mut Option<String>)> = [
                (
                    "lon",
                    lang.pick("经度列", "Longitude column"),
                    &mut c.lon,
                    tables && points,
                ),
                (
                    "lat",
                    lang.pick("纬度列", "Latitude column"),
                    &mut c.lat,
                    tables && points,
                ),
                (
                    "category",
                    lang.pick("类别列", "Category column"),
                    &mut c.category,
                    d.layer == LayerKind::Facilities,
                ),
                (
                    "name",
                    lang.pick("名称列", "Name column"),
                    &mut c.name,
                    d.layer != LayerKind::Roads,
                ),
                (
                    "population",
                    lang.pick("人口列", "Population column"),
                    &mut c.population,
                    d.layer == LayerKind::Residents,
                ),
                (
                    "capacity",
                    lang.pick("容量列", "Capacity column"),
                    &mut c.capacity,
                    d.layer == LayerKind::Facilities,
                ),
            ]
            .into_iter()
            .filter(|(_, _, _, on)| *on)
            .map(|(id, label, value, _)| (id, label, value))
            .collect();
            for (id, label, value) in wanted {
                let label = ui.label(RichText::new(label).strong());
                let guess = lang.pick("（自动识别）", "(guess)");
                egui::ComboBox::from_id_salt(("import_column", id))
                    .selected_text(value.clone().unwrap_or_else(|| guess.to_string()))
                    .width(220.0)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(value, None, guess);
                        for col in &columns {
                            ui.selectable_value(value, Some(col.clone()), col);
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            }
        });
}

fn preview(ui: &mut egui::Ui, lang: Lang, d: &ImportDialog, current: Option<[f64; 4]>) {
    match &d.preview {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(lang.pick("正在读取文件…", "Reading the file…"));
            });
        }
        Some(Err(problem)) => {
            ui.label(
                RichText::new(format!(
                    "{}{problem}",
                    lang.pick("无法预览：", "No preview: ")
                ))
                .color(ERROR),
            );
        }
        Some(Ok(p)) => preview_of(ui, lang, p, current),
    }
}

fn preview_of(ui: &mut egui::Ui, lang: Lang, p: &Preview, current: Option<[f64; 4]>) {
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            egui::Grid::new("import_facts")
                .num_columns(2)
                .spacing([10.0, 3.0])
                .show(ui, |ui| {
                    ui.label(lang.pick("要素数", "Features"));
                    ui.label(lang.count(p.feature_count as f64));
                    ui.end_row();
                    if let Some(e) = &p.encoding {
                        ui.label(lang.pick("编码", "Encoding"));
                        ui.label(e);
                        ui.end_row();
                    }
                    ui.label(lang.pick("坐标系", "Coordinates"));
                    ui.add(egui::Label::new(&p.crs).wrap());
                    ui.end_row();
                    ui.label(lang.pick("范围", "Extent"));
                    ui.label(match p.bbox {
                        Some([x0, y0, x1, y1]) => format!(
                            "{} {x0:.4}–{x1:.4}\n{} {y0:.4}–{y1:.4}",
                            lang.pick("经度", "lon"),
                            lang.pick("纬度", "lat")
                        ),
                        None => lang.pick("无坐标", "no coordinates").to_string(),
                    });
                    ui.end_row();
                });
        });
        sketch(ui, lang, p.bbox, current);
    });

    if !p.columns.is_empty() && !p.first_rows.is_empty() {
        ui.add_space(4.0);
        ui.label(RichText::new(lang.pick("前几行", "First rows")).strong());
        egui::ScrollArea::horizontal()
            .id_salt("import_rows")
            .show(ui, |ui| {
                egui::Grid::new("import_rows_grid")
                    .striped(true)
                    .spacing([10.0, 2.0])
                    .show(ui, |ui| {
                        for c in p.columns.iter().take(COLUMNS_SHOWN) {
                            ui.label(RichText::new(cut(c)).strong());
                        }
                        ui.end_row();
                        for row in &p.first_rows {
                            for cell in row.iter().take(COLUMNS_SHOWN) {
                                ui.label(cut(cell));
                            }
                            ui.end_row();
                        }
                    });
            });
    }
    if !p.warnings.is_empty() {
        ui.add_space(4.0);
        egui::CollapsingHeader::new(format!(
            "{} ({})",
            lang.pick("提示", "Notes"),
            p.warnings.len()
        ))
        .id_salt("import_warnings")
        .default_open(true)
        .show(ui, |ui| {
            for w in p.warnings.iter().take(50) {
                ui.label(RichText::new(w.message.as_str()).small());
            }
        });
    }
}

fn cut(text: &str) -> String {
    if text.chars().count() > CELL_CHARS {
        let mut s: String = text.chars().take(CELL_CHARS - 1).collect();
        s.push('…');
        s
    } else {
        text.to_string()
    }
}

/// The file's extent (blue) over the loaded data's (grey), to spot data in
/// the wrong place (e.g. a wrong coordinate system).
fn sketch(ui: &mut egui::Ui, lang: Lang, file: Option<[f64; 4]>, current: Option<[f64; 4]>) {
    let (rect, response) = ui.allocate_exact_size(egui::vec2(180.0, 120.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, Color32::from_gray(245));
    let boxes: Vec<[f64; 4]> = [current, file].into_iter().flatten().collect();
    let Some(all) = boxes.iter().copied().reduce(|a, b| {
        [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ]
    }) else {
        return;
    };
    let cos = ((all[1] + all[3]) / 2.0).to_radians().cos().max(0.1);
    let w = ((all[2] - all[0]) * cos).max(1e-6);
    let h = (all[3] - all[1]).max(1e-6);
    let inner = rect.shrink(8.0);
    let scale = (inner.width() as f64 / w).min(inner.height() as f64 / h);
    let x0 = inner.center().x as f64 - w * scale / 2.0;
    let y0 = inner.center().y as f64 + h * scale / 2.0;
    let to_screen = |b: [f64; 4]| {
        let min = egui::pos2(
            (x0 + (b[0] - all[0]) * cos * scale) as f32,
            (y0 - (b[3] - all[1]) * scale) as f32,
        );
        let max = egui::pos2(
            (x0 + (b[2] - all[0]) * cos * scale) as f32,
            (y0 - (b[1] - all[1]) * scale) as f32,
        );
        egui::Rect::from_min_max(min, max).expand(1.0)
    };
    if let Some(c) = current {
        painter.rect_stroke(
            to_screen(c),
            0.0,
            egui::Stroke::new(1.5, Color32::from_gray(120)),
            egui::StrokeKind::Middle,
        );
    }
    if let Some(f) = file {
        painter.rect_filled(
            to_screen(f),
            0.0,
            Color32::from_rgba_unmultiplied(30, 110, 220, 90),
        );
    }
    response.on_hover_text(lang.pick(
        "蓝色：文件范围；灰框：已载入数据的范围",
        "Blue: the file's extent; grey frame: the loaded data's extent",
    ));
}

fn mapping(
    ui: &mut egui::Ui,
    lang: Lang,
    d: &mut ImportDialog,
    profile: &Profile,
    events: &mut Vec<ImportEvent>,
) {
    ui.separator();
    ui.label(
        RichText::new(lang.pick(
            "以下类别在评估方案中没有对应，相关设施未导入。可逐一指定对应的设施类别：",
            "These categories are not in the profile; their facilities were skipped. Map each to a profile category:",
        ))
        .strong(),
    );
    let zh = lang.is_chinese();
    let skip = lang.pick("（跳过）", "(skip)");
    let undecided = lang.pick("（未对应）", "(not mapped)");
    egui::ScrollArea::vertical()
        .id_salt("import_mapping_scroll")
        .min_scrolled_height(120.0)
        .max_height(200.0)
        .show(ui, |ui| mapping_rows(ui, d, profile, zh, skip, undecided));
    if ui
        .button(lang.pick("按此对应重新导入", "Import again with this mapping"))
        .clicked()
    {
        events.push(ImportEvent::Import);
    }
}

fn mapping_rows(
    ui: &mut egui::Ui,
    d: &mut ImportDialog,
    profile: &Profile,
    zh: bool,
    skip: &str,
    undecided: &str,
) {
    egui::Grid::new("import_mapping")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (value, count) in d.unmapped.clone() {
                let label = ui.label(format!("{value} ({count})"));
                let current = d.mapping.get(&value).cloned();
                let shown = match &current {
                    None => undecided.to_string(),
                    Some(None) => skip.to_string(),
                    Some(Some(id)) => profile.category_name(id, zh).to_string(),
                };
                egui::ComboBox::from_id_salt(("import_map", value.as_str()))
                    .selected_text(shown)
                    .width(200.0)
                    .show_ui(ui, |ui| {
                        if ui.selectable_label(current == Some(None), skip).clicked() {
                            d.mapping.insert(value.clone(), None);
                        }
                        for c in &profile.categories {
                            let name = profile.category_name(&c.id, zh);
                            if ui
                                .selectable_label(current == Some(Some(c.id.clone())), name)
                                .clicked()
                            {
                                d.mapping.insert(value.clone(), Some(c.id.clone()));
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            }
        });
}
