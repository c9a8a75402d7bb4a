//! The Supply panel (供需, issue 13): for a tier × category with a
//! 千人指标 standard, each township's demand (its group's population),
//! supply per 1,000, the standard (提议值 when proposed), the shortfall in
//! the category's unit and the share of demand served to the standard,
//! the district last; below, every facility with its capacity, demand,
//! load and status, the most loaded first. While it shows a table the map
//! rings that category's facilities by load ([`paint_load_rings`]).
//! Rows come from [`crate::state::supply`].

use super::i18n::Lang;
use super::map_transform::MapTransform;
use super::style::GoalStatus;
use crate::analysis::{CapacityTable, LoadStatus};
use crate::model::{FacilityId, Layers, Profile, Tier};
use crate::report::{status_name, unit_name};
use crate::state::map_geometry::MapGeometry;
use crate::state::project::Results;
use crate::state::supply::{FacilitySupply, SupplyView, facility_rows, township_rows};
use eframe::egui;
use egui::{Color32, RichText, Stroke};

/// Colour of a load status, as the report's supply maps draw it.
pub fn load_color(status: LoadStatus) -> Color32 {
    match status {
        LoadStatus::OverCapacity => Color32::from_rgb(205, 35, 45),
        LoadStatus::UnderUsed => Color32::from_rgb(150, 150, 150),
        LoadStatus::Balanced => Color32::from_rgb(40, 140, 90),
    }
}

/// A table's name in the picker: life circle · category · group.
fn table_label(profile: &Profile, table: &CapacityTable, lang: Lang) -> String {
    let chinese = lang.is_chinese();
    let tier = profile
        .tiers
        .get(table.tier)
        .map(|t: &Tier| t.display_name(chinese).to_string())
        .unwrap_or_default();
    format!(
        "{tier} · {}",
        profile.category_name(&table.category, chinese)
    )
}

/// The group a table serves, in words.
fn group_label(profile: &Profile, table: &CapacityTable, lang: Lang) -> String {
    table
        .group
        .as_deref()
        .and_then(|g| profile.group(g))
        .map(|g| {
            if lang.is_chinese() && !g.name_zh.is_empty() {
                g.name_zh.clone()
            } else if !g.name_en.is_empty() {
                g.name_en.clone()
            } else {
                g.id.clone()
            }
        })
        .unwrap_or_else(|| lang.pick("全体居民", "all residents").to_string())
}

/// Draw the panel: the table picker, the township table and the facility
/// list of the chosen table (`layers` and `ids`: the facilities shown and
/// their layout ids).
pub fn ui(
    ui: &mut egui::Ui,
    lang: Lang,
    view: &mut SupplyView,
    results: Option<&Results>,
    layers: &Layers,
    ids: &[FacilityId],
) {
    let Some(Results {
        assessment,
        profile,
        ..
    }) = results
    else {
        ui.label(lang.pick("尚无评估结果。", "No results yet."));
        return;
    };
    if assessment.capacity.is_empty() {
        ui.label(lang.pick(
            "评估方案中没有带千人指标的类别，或设施没有容量。",
            "No category of the profile has a standard per 1,000, or no facility has a capacity.",
        ));
        return;
    }
    let Some(table) = view.table_in(assessment) else {
        return;
    };
    let label = ui.label(lang.pick("类别", "Category"));
    egui::ComboBox::from_id_salt("supply_table")
        .selected_text(table_label(profile, table, lang))
        .width(300.0)
        .show_ui(ui, |ui| {
            for t in &assessment.capacity {
                let chosen = t.tier == table.tier && t.category == table.category;
                if ui
                    .selectable_label(chosen, table_label(profile, t, lang))
                    .clicked()
                {
                    view.table = Some((t.tier, t.category.clone()));
                }
            }
        })
        .response
        .labelled_by(label.id);
    let info = profile.category_info(&table.category);
    let unit = unit_name(lang, info.and_then(|c| c.unit.as_deref()));
    let proposed = info.is_some_and(|c| c.standard_proposed);
    ui.label(format!(
        "{}: {} · {}: {} {unit}/{}{}",
        lang.pick("服务人群", "Serves"),
        group_label(profile, table, lang),
        lang.pick("标准", "standard"),
        lang.count(table.standard_per_1000),
        lang.pick("千人", "1,000 people"),
        if proposed {
            lang.pick("（提议值）", " (proposed)")
        } else {
            ""
        }
    ));
    if table.without_capacity > 0 {
        ui.weak(format!(
            "{} {}",
            table.without_capacity,
            lang.pick(
                "处设施没有容量，未计入供给。",
                "facilities have no capacity and are left out of supply."
            )
        ));
    }
    ui.checkbox(
        &mut view.by_shortfall,
        lang.pick("按缺口排序", "Sort by shortfall"),
    );
    let by_shortfall = view.by_shortfall;
    township_table(
        ui,
        lang,
        &assessment.report,
        table,
        by_shortfall,
        &unit,
        proposed,
    );
    ui.add_space(8.0);
    ui.label(RichText::new(lang.pick("设施负荷", "Facility loads")).strong());
    let rows = facility_rows(table, layers, ids, &assessment.report, profile);
    facility_table(ui, lang, &rows);
}

fn township_table(
    ui: &mut egui::Ui,
    lang: Lang,
    report: &crate::analysis::CoverageReport,
    table: &CapacityTable,
    by_shortfall: bool,
    unit: &str,
    proposed: bool,
) {
    let rows = township_rows(report, table, by_shortfall);
    egui::Grid::new("supply_townships")
        .striped(true)
        .num_columns(6)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            for h in [
                lang.pick("乡镇", "Township"),
                lang.pick("需求", "Demand"),
                lang.pick("每千人供给", "Supply per 1,000"),
                lang.pick("每千人标准", "Standard per 1,000"),
                &format!("{} ({unit})", lang.pick("缺口", "Shortfall")),
                lang.pick("达标服务率", "Served share"),
            ] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for r in &rows {
                let name = match r.township {
                    Some(_) => r.name.clone(),
                    None => lang.pick("全区合计", "District").to_string(),
                };
                let name = RichText::new(name);
                ui.label(if r.township.is_none() {
                    name.strong()
                } else {
                    name
                });
                ui.label(lang.count(r.demand));
                ui.label(format!("{:.1}", r.figures.supply_per_1000));
                let standard = lang.count(r.figures.standard_per_1000);
                ui.label(if proposed {
                    format!("{standard} {}", lang.pick("提议值", "proposed"))
                } else {
                    standard
                });
                let shortfall = RichText::new(lang.count(r.figures.shortfall));
                ui.label(if r.figures.shortfall > 0.0 {
                    shortfall.color(load_color(LoadStatus::OverCapacity))
                } else {
                    shortfall
                });
                let share = r.figures.served_share;
                ui.label(
                    RichText::new(lang.percent(share))
                        .background_color(GoalStatus::of(share).fill())
                        .color(Color32::BLACK),
                );
                ui.end_row();
            }
        });
}

fn facility_table(ui: &mut egui::Ui, lang: Lang, rows: &[FacilitySupply]) {
    egui::Grid::new("supply_facilities")
        .striped(true)
        .num_columns(6)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            for h in [
                lang.pick("设施", "Facility"),
                lang.pick("乡镇", "Township"),
                lang.pick("容量", "Capacity"),
                lang.pick("需求", "Demand"),
                lang.pick("负荷", "Load"),
                lang.pick("状态", "Status"),
            ] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for r in rows {
                let name = if r.name.is_empty() {
                    format!("#{}", r.index + 1)
                } else {
                    r.name.clone()
                };
                ui.label(name);
                ui.label(
                    r.township
                        .clone()
                        .unwrap_or_else(|| lang.pick("辖区外", "outside").to_string()),
                );
                ui.label(lang.count(r.capacity));
                ui.label(lang.count(r.demand));
                ui.label(format!("{:.2}", r.load));
                ui.label(RichText::new(status_name(lang, r.status)).color(load_color(r.status)));
                ui.end_row();
            }
        });
}

/// Radius in points of a facility's load ring: by the square root of its
/// capacity against the largest of the table, 5–16 points.
pub fn ring_radius(capacity: f64, largest: f64) -> f32 {
    if largest <= 0.0 {
        return 5.0;
    }
    5.0 + 11.0 * (capacity.max(0.0) / largest).sqrt() as f32
}

/// The load rings of `rows` on the map (sized by capacity, coloured by
/// status); returns the row under the pointer, for the tooltip.
pub fn paint_load_rings(
    painter: &egui::Painter,
    transform: &MapTransform,
    geometry: &MapGeometry,
    rows: &[FacilitySupply],
    pointer: Option<egui::Pos2>,
) -> Option<usize> {
    let to_screen = transform.plane_to_screen(&geometry.plane);
    let largest = rows.iter().map(|r| r.capacity).fold(0.0, f64::max);
    let mut hovered = None;
    // The least loaded first, so over-capacity rings lie on top.
    for (k, r) in rows.iter().enumerate().rev() {
        let Some(mark) = geometry.facilities.get(r.index) else {
            continue;
        };
        let at = to_screen.apply(mark.pos);
        if !painter.clip_rect().expand(20.0).contains(at) {
            continue;
        }
        let radius = ring_radius(r.capacity, largest);
        let color = load_color(r.status);
        painter.circle(
            at,
            radius,
            color.gamma_multiply(0.35),
            Stroke::new(2.5, color),
        );
        if pointer.is_some_and(|p| p.distance(at) <= radius.max(6.0)) {
            hovered = Some(k);
        }
    }
    hovered
}

/// The tooltip text of a facility's ring.
pub fn ring_tooltip(lang: Lang, r: &FacilitySupply) -> String {
    format!(
        "{}\n{}: {}\n{}: {}\n{}: {:.2} ({})",
        if r.name.is_empty() {
            format!("#{}", r.index + 1)
        } else {
            r.name.clone()
        },
        lang.pick("容量", "Capacity"),
        lang.count(r.capacity),
        lang.pick("需求", "Demand"),
        lang.count(r.demand),
        lang.pick("负荷", "Load"),
        r.load,
        status_name(lang, r.status)
    )
}

/// The Data tab's group-shares table (`township,<group id>…`, METHOD 11):
/// load one (its shares go over the profile's own and the study is
/// assessed again) or clear it.
pub fn group_shares_ui(
    ui: &mut egui::Ui,
    lang: Lang,
    view: &SupplyView,
    actions: &mut Vec<crate::state::Action>,
) {
    use crate::state::Action;
    use crate::state::supply::SupplyAction;
    ui.separator();
    ui.label(RichText::new(lang.pick("各乡镇人群占比", "Group shares per township")).strong());
    ui.weak(lang.pick(
        "CSV：township 列和每个人群一列（如 children_3_6），0–1 或百分数。",
        "CSV: a township column and one column per group id (e.g. children_3_6), 0–1 or percent.",
    ));
    ui.horizontal(|ui| {
        if ui
            .button(lang.pick("导入人群占比表…", "Import group shares…"))
            .clicked()
        {
            actions.push(Action::Supply(SupplyAction::LoadGroupShares));
        }
        if let Some(shares) = &view.shares_file {
            ui.label(&shares.file);
            if ui.button(lang.pick("清除", "Clear")).clicked() {
                actions.push(Action::Supply(SupplyAction::ClearGroupShares));
            }
        }
    });
}
