//! The import dialog window: what the file holds (first rows, encoding,
//! coordinate system, feature count, extent sketch, warnings), the choices
//! (layer, coordinate system, encoding, sheet, columns), Import, and after
//! an import the category values the profile does not know, each mapped to
//! a profile category by a combo box. State and work live in
//! [`crate::state::import_dialog`].

use super::i18n::Lang;
use crate::io::{self, Crs, Format, LayerKind, Preview};
use crate::model::Profile;
use crate::state::files::Import;
use crate::state::import_dialog::{
    CrsChoice, EncodingChoice, ImportDialog, ImportEvent, SpreadChoice,
};
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
            .show(ui, |ui| top(ui, lang, dialog, current, &mut events));
        ui.separator();
        bottom(ui, lang, dialog, profile, &mut events);
    });
    if !open {
        events.push(ImportEvent::Close);
    }
    events
}

/// What the file holds and the choices (scrolled).
fn top(
    ui: &mut egui::Ui,
    lang: Lang,
    d: &mut ImportDialog,
    current: Option<[f64; 4]>,
    events: &mut Vec<ImportEvent>,
) {
    let busy = d.is_importing();
    ui.weak(format!("{} · {}", d.format.label(), d.path.display()));
    ui.add_enabled_ui(!busy, |ui| choices(ui, lang, d));
    let polygons = matches!(d.format, Format::GeoJson | Format::Shapefile | Format::Kml);
    if d.layer == LayerKind::Residents && polygons {
        ui.add_enabled_ui(!busy, |ui| spreading(ui, lang, d, events));
    }
    if d.format == Format::Dxf {
        ui.separator();
        ui.add_enabled_ui(!busy, |ui| cad_choices(ui, lang, d, current));
    }
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

            if d.old_datum().is_some() || !d.towgs84.trim().is_empty() || d.approximate_datum {
                datum_row(ui, d, lang);
                ui.end_row();
            }

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

/// Residents polygons: centroid, grid or buildings, with the polygons'
/// sizes and the proposal to spread large ones.
fn spreading(ui: &mut egui::Ui, lang: Lang, d: &mut ImportDialog, events: &mut Vec<ImportEvent>) {
    ui.separator();
    ui.label(RichText::new(lang.pick("面要素的人口", "Population of polygons")).strong());
    if let Some(sizes) = d.polygon_sizes.as_ref().filter(|s| s.polygons > 0) {
        ui.label(format!(
            "{} {} · {} {:.1} {} · {} {:.1} {}",
            sizes.polygons,
            lang.pick("个面", "polygons"),
            lang.pick("中位面积", "median"),
            sizes.median_ha,
            lang.pick("公顷", "ha"),
            lang.pick("最大", "largest"),
            sizes.largest_ha,
            lang.pick("公顷", "ha"),
        ));
        if sizes.proposes_spreading() {
            ui.label(
                RichText::new(format!(
                    "{} {} {}",
                    lang.pick(
                        "面较大（中位面积超过",
                        "The polygons are large (median above"
                    ),
                    io::PROPOSE_SPREAD_ABOVE_HA,
                    lang.pick(
                        "公顷）：建议把人口分摊到网格或建筑，而不是放在质心一点。",
                        "ha): spreading their population over the grid or buildings is proposed, rather than one point at the centroid."
                    ),
                ))
                .color(Color32::from_rgb(150, 90, 0)),
            );
        }
    }
    ui.horizontal_wrapped(|ui| {
        ui.radio_value(
            &mut d.spread,
            SpreadChoice::Centroid,
            lang.pick("质心一点", "One point at the centroid"),
        );
        ui.radio_value(
            &mut d.spread,
            SpreadChoice::Grid,
            lang.pick("按100米网格面积分摊", "Spread over the 100 m grid by area"),
        );
        ui.radio_value(
            &mut d.spread,
            SpreadChoice::Buildings,
            lang.pick(
                "按建筑面积×层数分摊",
                "Spread over buildings by area × levels",
            ),
        );
    });
    if d.spread == SpreadChoice::Buildings {
        ui.horizontal(|ui| {
            let label = ui.label(lang.pick("建筑轮廓文件", "Building footprints"));
            ui.add(
                egui::TextEdit::singleline(&mut d.buildings)
                    .hint_text("buildings.geojson / .shp")
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
            if ui.button(lang.pick("选择…", "Choose…")).clicked() {
                events.push(ImportEvent::PickBuildings);
            }
        });
        ui.weak(lang.pick(
            "建筑属于包含其质心的面；没有建筑的面按网格分摊。",
            "A building belongs to the polygon holding its centroid; a polygon without buildings is spread over the grid.",
        ));
    }
    ui.horizontal(|ui| {
        let label = ui.label(lang.pick(
            "人口表（按名称连接，可选）",
            "Population table (joined by name, optional)",
        ));
        ui.add(
            egui::TextEdit::singleline(&mut d.population_table)
                .hint_text("name,population,pop_…  .csv")
                .desired_width(260.0),
        )
        .labelled_by(label.id);
        if ui
            .button(lang.pick("选择人口表…", "Choose table…"))
            .clicked()
        {
            events.push(ImportEvent::PickPopulationTable);
        }
    });
    ui.weak(lang.pick(
        "每个面的人口和各 pop_<人群> 值总数保持不变。",
        "Each polygon's population and pop_<group> totals are kept exactly.",
    ));
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

/// The road classes offered for a CAD layer (OSM `highway` values).
const ROAD_CLASSES: [&str; 10] = [
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "residential",
    "unclassified",
    "service",
    "track",
    "footway",
];

/// A DXF drawing: its extent and the proposed coordinate system, the CAD
/// layers to read, the name source (townships) and the road class of each
/// road layer.
fn cad_choices(ui: &mut egui::Ui, lang: Lang, d: &mut ImportDialog, current: Option<[f64; 4]>) {
    let Some(Ok(preview)) = &d.preview else {
        return;
    };
    let Some(cad) = preview.cad.clone() else {
        return;
    };
    let proposed = d.proposed_crs(current);
    egui::Grid::new("import_cad")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            ui.label(RichText::new(lang.pick("图纸范围", "Drawing extent")).strong());
            ui.vertical(|ui| {
                if let Some([x0, y0, x1, y1]) = cad.extent {
                    ui.label(format!("X {x0:.1} – {x1:.1}\nY {y0:.1} – {y1:.1}"));
                }
                match proposed {
                    Some(crs) => {
                        ui.horizontal(|ui| {
                            ui.label(format!(
                                "{}{crs}",
                                lang.pick("建议坐标系：", "Proposed system: ")
                            ));
                            let chosen = d.crs().ok() == Some(crs);
                            if !chosen && ui.button(lang.pick("采用", "Use")).clicked() {
                                match crs {
                                    Crs::Epsg(code) => {
                                        d.crs = CrsChoice::Epsg;
                                        d.epsg = code.to_string();
                                    }
                                    _ => d.crs = CrsChoice::Wgs84,
                                }
                            }
                        });
                    }
                    None => {
                        if let Some(why) = &cad.why_not {
                            ui.add(egui::Label::new(RichText::new(why).color(ERROR)).wrap());
                        }
                    }
                }
            });
            ui.end_row();

            // Which count says a CAD layer holds this kind.
            let slot = match d.layer {
                LayerKind::Townships => 0,
                LayerKind::Roads => 1,
                _ => 2,
            };
            let offered: Vec<String> = cad
                .layers
                .iter()
                .filter(|(_, counts)| counts[slot] > 0)
                .map(|(name, _)| name.clone())
                .collect();
            ui.label(RichText::new(lang.pick("CAD 图层", "CAD layers")).strong());
            ui.vertical(|ui| {
                if offered.is_empty() {
                    ui.label(
                        RichText::new(lang.pick(
                            "图纸中没有此类图元",
                            "The drawing holds nothing of this kind",
                        ))
                        .color(ERROR),
                    );
                }
                for name in &offered {
                    let mut on = d.cad_layer_on(name);
                    let counts = cad.layers[name];
                    let text = format!("{name} ({})", counts[slot]);
                    if ui.checkbox(&mut on, text).changed() {
                        d.set_cad_layer(name, on, &offered);
                    }
                }
            });
            ui.end_row();

            if d.layer == LayerKind::Townships {
                let label = ui.label(RichText::new(lang.pick("名称来源", "Names from")).strong());
                let any = lang.pick("框内任意文字", "any text inside");
                let texts: Vec<String> = cad
                    .layers
                    .iter()
                    .filter(|(_, c)| c[3] > 0)
                    .map(|(n, _)| n.clone())
                    .collect();
                egui::ComboBox::from_id_salt("import_cad_names")
                    .selected_text(d.cad.name_layer.clone().unwrap_or_else(|| any.to_string()))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut d.cad.name_layer, None, any);
                        for t in texts {
                            ui.selectable_value(&mut d.cad.name_layer, Some(t.clone()), t);
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            }

            if d.layer == LayerKind::Roads {
                ui.label(RichText::new(lang.pick("道路等级", "Road classes")).strong());
                ui.vertical(|ui| {
                    let read: Vec<String> = offered
                        .iter()
                        .filter(|n| d.cad_layer_on(n))
                        .cloned()
                        .collect();
                    for name in &read {
                        ui.horizontal(|ui| {
                            let label = ui.label(name);
                            let guessed = crate::io::guess_road_class(name);
                            let auto = match guessed {
                                Some(g) => format!("{} {g}", lang.pick("自动：", "auto:")),
                                None => lang.pick("自动：无", "auto: none").to_string(),
                            };
                            let current = d.cad.road_classes.get(name).cloned();
                            let mut chosen = current.clone();
                            egui::ComboBox::from_id_salt(("import_cad_class", name.as_str()))
                                .selected_text(chosen.clone().unwrap_or_else(|| auto.clone()))
                                .show_ui(ui, |ui| {
                                    ui.selectable_value(&mut chosen, None, auto.clone());
                                    for class in ROAD_CLASSES {
                                        ui.selectable_value(
                                            &mut chosen,
                                            Some(class.to_string()),
                                            class,
                                        );
                                    }
                                })
                                .response
                                .labelled_by(label.id);
                            if chosen != current {
                                match chosen {
                                    Some(c) => {
                                        d.cad.road_classes.insert(name.clone(), c);
                                    }
                                    None => {
                                        d.cad.road_classes.remove(name);
                                    }
                                }
                            }
                        });
                    }
                });
                ui.end_row();
            }
        });
}

/// Beijing 1954 / Xian 1980: the bureau's 3 or 7 parameters, or the
/// approximate set after its warning.
fn datum_row(ui: &mut egui::Ui, d: &mut ImportDialog, lang: Lang) {
    let label = ui.label(RichText::new(lang.pick("基准转换", "Datum shift")).strong());
    ui.vertical(|ui| {
        let datum = d.old_datum().map_or("Beijing 1954 / Xian 1980", |o| o.name());
        ui.label(match lang {
            Lang::Zh => format!(
                "{datum}：请输入当地测绘部门公布的3参数或7参数（dx,dy,dz 米；rx,ry,rz 秒；s ppm）"
            ),
            Lang::En => format!(
                "{datum}: enter the local bureau's 3 or 7 parameters (dx,dy,dz m; rx,ry,rz arc-seconds; s ppm)"
            ),
        });
        ui.add(
            egui::TextEdit::singleline(&mut d.towgs84)
                .hint_text("dx,dy,dz[,rx,ry,rz,s]")
                .desired_width(280.0),
        )
        .labelled_by(label.id);
        if let Err(e) = d.towgs84() {
            ui.label(RichText::new(e).color(ERROR));
        }
        if d.towgs84.trim().is_empty() {
            ui.checkbox(
                &mut d.approximate_datum,
                lang.pick(
                    "没有参数：使用近似参数（误差可达数十米）",
                    "No parameters: use an approximate set (off by tens of metres)",
                ),
            );
            if d.approximate_datum {
                let warning = d
                    .old_datum()
                    .map(|o| o.approximate_warning())
                    .unwrap_or_default();
                ui.label(RichText::new(warning).color(ERROR));
            }
        }
    });
}
