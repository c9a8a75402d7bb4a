//! The comparison of two layouts: district totals and a table per township ×
//! tier × category with both shares, the difference in percentage points
//! and the people newly covered or no longer covered.

use crate::analysis::AreaDelta;
use crate::model::Profile;
use crate::state::layouts::ComparisonView;
use crate::ui::i18n::Lang;
use eframe::egui;

fn signed_pp(lang: Lang, pp: f64) -> String {
    let unit = lang.pick("个百分点", " pp");
    if pp.abs() < 0.05 {
        format!("0.0{unit}")
    } else {
        format!("{pp:+.1}{unit}")
    }
}

fn area_rows(
    ui: &mut egui::Ui,
    area: &AreaDelta,
    tier: usize,
    profile: &Profile,
    lang: Lang,
    name: &str,
) {
    let zh = lang.is_chinese();
    if let Some(t) = area.tiers.get(tier) {
        ui.strong(name);
        ui.strong(lang.pick("全部达标", "complete"));
        ui.strong(lang.percent(t.complete_share_a));
        ui.strong(lang.percent(t.complete_share_b));
        ui.strong(signed_pp(lang, t.delta_pp));
        ui.strong(lang.count(t.newly_complete));
        ui.strong(lang.count(t.no_longer_complete));
        ui.end_row();
        for c in &t.categories {
            ui.label("");
            ui.label(profile.category_name(&c.id, zh));
            ui.label(lang.percent(c.covered_share_a));
            ui.label(lang.percent(c.covered_share_b));
            ui.label(signed_pp(lang, c.delta_pp));
            ui.label(lang.count(c.newly_covered));
            ui.label(lang.count(c.no_longer_covered));
            ui.end_row();
        }
    }
}

/// Draw the comparison (right panel): district totals of every tier, and
/// the table of the selected `tier`.
pub fn ui(ui: &mut egui::Ui, lang: Lang, view: &ComparisonView, profile: &Profile, tier: usize) {
    ui.heading(lang.pick("方案对比", "Layout comparison"));
    ui.label(format!(
        "A = {}  ·  B = {}  ({})",
        view.names[0],
        view.names[1],
        lang.pick("差值为 B − A", "differences are B − A")
    ));
    // The road and population changes each side makes.
    for (side, scenario) in ["A", "B"].iter().zip(&view.scenarios) {
        for line in super::scenario_panel::describe(scenario, lang) {
            ui.label(format!("{side}: {line}"));
        }
    }
    let total = &view.comparison.total;
    ui.strong(lang.pick("全区合计", "District totals"));
    for (ti, t) in total.tiers.iter().enumerate() {
        let name = profile
            .tiers
            .get(ti)
            .map_or(t.id.as_str(), |x| x.display_name(lang.is_chinese()));
        ui.label(format!(
            "{name}: {} → {} ({}), {} {}, {} {}",
            lang.percent(t.complete_share_a),
            lang.percent(t.complete_share_b),
            signed_pp(lang, t.delta_pp),
            lang.pick("新增覆盖", "newly covered"),
            lang.count(t.newly_complete),
            lang.pick("不再覆盖", "no longer covered"),
            lang.count(t.no_longer_complete),
        ));
    }
    let tier_name = profile
        .tiers
        .get(tier)
        .map_or("", |t| t.display_name(lang.is_chinese()));
    ui.strong(format!(
        "{}{tier_name}{}",
        lang.pick("各乡镇 · ", "By township · "),
        lang.pick(
            "（在上方切换生活圈）",
            " (switch the life circle at the top)"
        )
    ));
    egui::ScrollArea::horizontal()
        .id_salt("comparison_scroll")
        .show(ui, |ui| {
            egui::Grid::new("comparison_table")
                .striped(true)
                .num_columns(7)
                .show(ui, |ui| {
                    for h in [
                        lang.pick("乡镇", "Township"),
                        lang.pick("类别", "Category"),
                        "A",
                        "B",
                        lang.pick("差值", "Difference"),
                        lang.pick("新增覆盖", "Newly covered"),
                        lang.pick("不再覆盖", "No longer covered"),
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    area_rows(
                        ui,
                        total,
                        tier,
                        profile,
                        lang,
                        lang.pick("全区", "District"),
                    );
                    for area in &view.comparison.townships {
                        let name = area.name.clone().unwrap_or_default();
                        area_rows(ui, area, tier, profile, lang, &name);
                    }
                });
        });
}
