//! The legend: one switch per map layer with its symbols and colours, the
//! facility category filter, what the heat layer shows, and the blind-spot
//! total of the selected tier.

use super::i18n::Lang;
use super::map_view::MapOptions;
use super::style;
use crate::state::Action;
use crate::state::map_geometry::HeatSource;
use crate::state::project::{Results, Study};
use eframe::egui;
use egui::{Color32, RichText, Sense, Stroke, vec2};

/// What the legend reads.
pub struct LegendInputs<'a> {
    /// Interface language.
    pub lang: Lang,
    /// The study on screen.
    pub study: &'a Study,
    /// The latest assessment, if any.
    pub results: Option<&'a Results>,
    /// Index of the selected tier.
    pub tier: usize,
}

/// The legend panel (stateless; the options live in the app's settings).
#[derive(Default)]
pub struct Legend;

impl Legend {
    /// Draw the legend; switches change `options` directly.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &LegendInputs<'_>,
        options: &mut MapOptions,
        actions: &mut Vec<Action>,
    ) {
        let LegendInputs {
            lang,
            study,
            results,
            tier,
        } = *input;
        let zh = lang.is_chinese();
        let layers = &study.layers;
        if ui
            .button(lang.pick("缩放至全图", "Zoom to all data"))
            .clicked()
        {
            actions.push(Action::FitMap);
        }
        ui.add_space(4.0);

        // Townships.
        ui.horizontal(|ui| {
            swatch(ui, |p, r| {
                p.rect_stroke(
                    r.shrink(2.0),
                    0.0,
                    Stroke::new(1.5, style::TOWNSHIP_OUTLINE),
                    egui::StrokeKind::Middle,
                );
            });
            ui.checkbox(&mut options.townships, lang.pick("乡镇边界", "Townships"));
            ui.weak(lang.count(layers.townships.len() as f64));
        });

        // Town areas, when a layer is loaded.
        if let Some((_, areas)) = &study.town_areas {
            ui.horizontal(|ui| {
                swatch(ui, |p, r| {
                    let r = r.shrink(2.0);
                    p.rect_filled(r, 0.0, style::TOWN_AREA_FILL);
                    let stroke = Stroke::new(1.5, style::TOWN_AREA_OUTLINE);
                    p.rect_stroke(r, 0.0, stroke, egui::StrokeKind::Middle);
                });
                ui.checkbox(&mut options.town_areas, lang.pick("镇区范围", "Town areas"));
                ui.weak(lang.count(areas.len() as f64));
            });
        }

        // Roads.
        ui.horizontal(|ui| {
            swatch(ui, |p, r| {
                p.line_segment(
                    [r.left_center(), r.right_center()],
                    Stroke::new(2.5, style::ROAD_STYLES[4].color),
                );
            });
            ui.checkbox(&mut options.roads, lang.pick("道路", "Roads"));
            ui.weak(lang.count(study.geometry.roads.segments as f64));
        });
        if options.roads {
            ui.indent("road_classes", |ui| {
                let names = [
                    (5, lang.pick("高速/快速路", "Motorway, trunk")),
                    (4, lang.pick("主干路", "Primary")),
                    (3, lang.pick("次干路", "Secondary")),
                    (2, lang.pick("支路", "Tertiary")),
                    (1, lang.pick("街巷/其他", "Local, other")),
                    (0, lang.pick("步道/小路", "Paths, tracks")),
                ];
                for (class, name) in names {
                    let st = style::ROAD_STYLES[class];
                    ui.horizontal(|ui| {
                        swatch(ui, |p, r| {
                            p.line_segment(
                                [r.left_center(), r.right_center()],
                                Stroke::new(st.width, st.color),
                            );
                        });
                        ui.small(name);
                    });
                }
            });
        }

        // Facilities and the category filter.
        ui.horizontal(|ui| {
            swatch(ui, |p, r| {
                style::Symbol::Circle.paint(p, r.center(), 4.0, style::category_color(0));
            });
            ui.checkbox(&mut options.facilities, lang.pick("设施点", "Facilities"));
            ui.weak(lang.count(layers.facilities.len() as f64));
        });
        if options.facilities {
            let profile = &study.profile;
            let ids = profile.category_ids();
            // Marks carry the category's index in `category_ids()`.
            let mut counts = vec![0usize; ids.len()];
            for m in &study.geometry.facilities {
                if let Some(c) = m.category.and_then(|c| counts.get_mut(c as usize)) {
                    *c += 1;
                }
            }
            egui::CollapsingHeader::new(lang.pick("按类别筛选", "Filter by category"))
                .id_salt("category_filter")
                .default_open(false)
                .show(ui, |ui| {
                    ui.horizontal(|ui| {
                        if ui.small_button(lang.pick("全部显示", "Show all")).clicked() {
                            options.hidden_categories.clear();
                        }
                        if ui.small_button(lang.pick("全部隐藏", "Hide all")).clicked() {
                            options.hidden_categories = ids.iter().map(|s| s.to_string()).collect();
                        }
                    });
                    for (t_index, t) in profile.tiers.iter().enumerate() {
                        ui.label(RichText::new(t.display_name(zh)).strong());
                        for c in t.all_categories() {
                            let Some(i) = ids.iter().position(|x| *x == c) else {
                                continue;
                            };
                            let first_tier = profile
                                .tiers
                                .iter()
                                .position(|t| t.all_categories().any(|x| x == c));
                            if first_tier != Some(t_index) {
                                continue;
                            }
                            let mut shown = !options.hidden_categories.contains(c);
                            ui.horizontal(|ui| {
                                swatch(ui, |p, r| {
                                    style::Symbol::for_tier(Some(t_index)).paint(
                                        p,
                                        r.center(),
                                        4.5,
                                        style::category_color(i),
                                    );
                                });
                                let optional = !t.categories.iter().any(|x| x == c);
                                let mut name = profile.category_name(c, zh).to_string();
                                if optional {
                                    name.push_str(lang.pick("（可选）", " (optional)"));
                                }
                                if ui.checkbox(&mut shown, name).changed() {
                                    if shown {
                                        options.hidden_categories.remove(c);
                                    } else {
                                        options.hidden_categories.insert(c.to_string());
                                    }
                                }
                                ui.weak(counts[i].to_string());
                            });
                        }
                    }
                });
        }

        // Residents.
        ui.horizontal(|ui| {
            swatch(ui, |p, r| {
                p.circle_filled(r.center() - vec2(4.0, 0.0), 2.0, style::RESIDENT);
                p.circle_filled(r.center() + vec2(4.0, 0.0), 4.0, style::RESIDENT);
            });
            ui.checkbox(&mut options.residents, lang.pick("居民点", "Residents"));
            let n = results.map_or(layers.residents.as_ref().map_or(0, Vec::len), |r| {
                r.assessment.demand.len()
            });
            ui.weak(lang.count(n as f64));
        });
        if options.residents {
            ui.indent("residents_note", |ui| {
                ui.small(lang.pick("圆点大小表示人口", "Dot size shows population"));
            });
        }

        // Heat.
        ui.horizontal(|ui| {
            swatch(ui, |p, r| {
                let w = r.width() / 4.0;
                for (i, band) in style::RAMP.iter().enumerate() {
                    let x = r.min.x + i as f32 * w;
                    p.rect_filled(
                        egui::Rect::from_min_size(
                            egui::pos2(x, r.min.y + 3.0),
                            vec2(w, r.height() - 6.0),
                        ),
                        0.0,
                        band.color,
                    );
                }
            });
            ui.checkbox(&mut options.heat, lang.pick("覆盖热力", "Coverage heat"));
        });
        if options.heat {
            ui.indent("heat_options", |ui| {
                let tier_def = study.profile.tiers.get(tier);
                let label = |src: &HeatSource| match src {
                    HeatSource::TierComplete => lang
                        .pick("全部必需设施（最晚一项）", "All required (the last one)")
                        .to_string(),
                    HeatSource::Category(c) => study.profile.category_name(c, zh).to_string(),
                    HeatSource::Supply(c) => format!(
                        "{}{}",
                        lang.pick("供给（每千人）：", "Supply per 1,000: "),
                        study.profile.category_name(c, zh)
                    ),
                };
                let heat_label = ui.label(lang.pick("热力显示：", "Heat shows:"));
                egui::ComboBox::from_id_salt("heat_source")
                    .selected_text(label(&options.heat_source))
                    .width(ui.available_width().min(220.0))
                    .show_ui(ui, |ui| {
                        let mut choices = vec![HeatSource::TierComplete];
                        // Supply against the standard, per capacity table of the tier
                        // (before the single categories, so it shows without scrolling).
                        if let Some(r) = results {
                            choices.extend(
                                r.assessment
                                    .capacity
                                    .iter()
                                    .filter(|t| t.tier == tier)
                                    .map(|t| HeatSource::Supply(t.category.clone())),
                            );
                        }
                        if let Some(t) = tier_def {
                            choices.extend(
                                t.all_categories()
                                    .map(|c| HeatSource::Category(c.to_string())),
                            );
                        }
                        for c in choices {
                            let text = label(&c);
                            ui.selectable_value(&mut options.heat_source, c, text);
                        }
                    })
                    .response
                    .labelled_by(heat_label.id);
                // The heat weighed by a demand group's population (一老一小).
                if let Some(r) = results.filter(|r| !r.profile.supply.groups.is_empty()) {
                    let groups = &r.profile.supply.groups;
                    let name = |id: &Option<String>| match id
                        .as_deref()
                        .and_then(|id| groups.iter().find(|g| g.id == id))
                    {
                        None => lang.pick("全体居民", "everyone").to_string(),
                        Some(g) if zh && !g.name_zh.is_empty() => g.name_zh.clone(),
                        Some(g) if !g.name_en.is_empty() => g.name_en.clone(),
                        Some(g) => g.id.clone(),
                    };
                    let group_label = ui.label(lang.pick("人群权重：", "Weighted by:"));
                    egui::ComboBox::from_id_salt("heat_group")
                        .selected_text(name(&options.heat_group))
                        .width(ui.available_width().min(220.0))
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut options.heat_group, None, name(&None));
                            for g in groups {
                                let id = Some(g.id.clone());
                                let text = name(&id);
                                ui.selectable_value(&mut options.heat_group, id, text);
                            }
                        })
                        .response
                        .labelled_by(group_label.id);
                }
                let supply = matches!(options.heat_source, HeatSource::Supply(_));
                for (i, band) in style::RAMP.iter().enumerate() {
                    let text = match (supply, i) {
                        (false, 0) => lang.pick("≤ 5 分钟", "≤ 5 min"),
                        (false, 1) => lang.pick("5–15 分钟", "5–15 min"),
                        (false, 2) => lang.pick("15–30 分钟", "15–30 min"),
                        (false, _) => lang.pick("30 分钟以上", "over 30 min"),
                        (true, 0) => lang.pick("达到每千人标准", "meets the standard"),
                        (true, 1) => lang.pick("标准的 50–100%", "50–100 % of it"),
                        (true, 2) => lang.pick("标准的 25–50%", "25–50 % of it"),
                        (true, _) => lang.pick("低于标准的 25%", "under 25 % of it"),
                    };
                    ramp_row(ui, band.color, text);
                }
                if supply {
                    ramp_row(ui, style::UNREACHED, lang.pick("无供给", "no supply"));
                    return;
                }
                ramp_row(
                    ui,
                    style::UNREACHED,
                    lang.pick(
                        "不可达（或超出计算上限）",
                        "not reached (or beyond the limit)",
                    ),
                );
            });
        }

        // Blind spots of the selected tier.
        ui.horizontal(|ui| {
            swatch(ui, |p, r| {
                p.circle(
                    r.center(),
                    4.5,
                    style::BLIND_SPOT,
                    Stroke::new(1.0, Color32::WHITE),
                );
            });
            ui.checkbox(&mut options.blind_spots, lang.pick("盲区", "Blind spots"));
        });
        if let Some(r) = results
            && let (Some(t), Some(cov)) = (
                r.profile.tiers.get(tier),
                r.assessment.report.total.tiers.get(tier),
            )
        {
            let total = r.assessment.report.total.population;
            let blind = total * (1.0 - cov.complete_share);
            let spots = r.demand.blind_by_tier.get(tier).map_or(0, Vec::len);
            let unit = match r.assessment.demand_kind {
                crate::model::DemandKind::People => lang.pick("人", "people"),
                crate::model::DemandKind::AreaHectares => lang.pick("公顷", "ha"),
            };
            let text = match lang {
                Lang::Zh => format!(
                    "{}：盲区 {} {unit}（{}），共 {} 个点",
                    t.display_name(zh),
                    lang.count(blind),
                    lang.percent(1.0 - cov.complete_share),
                    lang.count(spots as f64),
                ),
                Lang::En => format!(
                    "{}: {} {unit} ({}) at {} points",
                    t.display_name(zh),
                    lang.count(blind),
                    lang.percent(1.0 - cov.complete_share),
                    lang.count(spots as f64),
                ),
            };
            ui.indent("blind_note", |ui| {
                ui.small(text);
            });
        }
    }
}

/// A 24×16 symbol box in front of a legend entry.
fn swatch(ui: &mut egui::Ui, paint: impl FnOnce(&egui::Painter, egui::Rect)) {
    let (rect, _) = ui.allocate_exact_size(vec2(24.0, 16.0), Sense::hover());
    paint(ui.painter(), rect);
}

fn ramp_row(ui: &mut egui::Ui, color: Color32, text: &str) {
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(vec2(18.0, 12.0), Sense::hover());
        ui.painter().rect_filled(rect, 2.0, color);
        ui.small(text);
    });
}
