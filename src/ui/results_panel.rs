//! The results panel: district totals, a sortable township × tier table of
//! complete shares and per-category shares coloured against the goal, and a
//! bar chart of the complete share per township for the selected tier.
//! Choosing a township row zooms the map to it. The 城乡对比 toggle shows
//! town (镇区) and village (乡村) shares side by side with the gap
//! (METHOD 20), per tier and per category.

use super::i18n::Lang;
use super::style::GoalStatus;
use crate::analysis::{AreaCoverage, CoverageReport};
use crate::model::{DemandKind, Profile};
use crate::state::Action;
use crate::state::project::Results;
use eframe::egui;
use egui::{Align2, Color32, FontId, RichText, Sense, vec2};
use egui_plot::{Bar, BarChart, GridMark, Plot, VLine};

/// Column the table is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    /// File order.
    #[default]
    File,
    /// Township name.
    Name,
    /// Population (or hectares).
    Population,
    /// Complete share of the tier with this index.
    Complete(usize),
    /// Share of the selected tier's category with this index.
    Category(usize),
}

/// The results panel: the table's sort order.
#[derive(Default)]
pub struct ResultsPanel {
    /// Column sorted by.
    pub sort: SortKey,
    /// Largest first.
    pub descending: bool,
    /// Show town and village shares (城乡对比) instead of the totals.
    pub town_village: bool,
}

/// Set-aside features offered with a "show on map" button.
const SET_ASIDE_SHOWN: usize = 50;
const CELL: egui::Vec2 = vec2(62.0, 20.0);

/// Short display name of a category: the part before the first `/`.
fn short(name: &str) -> &str {
    name.split(['/', '／']).next().unwrap_or(name)
}

impl ResultsPanel {
    /// The township indices of `report` in the current sort order.
    pub fn order(&self, report: &CoverageReport, tier: usize) -> Vec<usize> {
        let mut rows: Vec<usize> = (0..report.townships.len()).collect();
        let value = |i: usize| -> f64 {
            let t = &report.townships[i].figures;
            match self.sort {
                SortKey::File | SortKey::Name => 0.0,
                SortKey::Population => t.population,
                SortKey::Complete(k) => t.tiers.get(k).map_or(0.0, |c| c.complete_share),
                SortKey::Category(k) => t
                    .tiers
                    .get(tier)
                    .and_then(|c| c.categories.get(k))
                    .map_or(0.0, |c| c.covered_share),
            }
        };
        match self.sort {
            SortKey::File => {}
            SortKey::Name => {
                rows.sort_by(|a, b| report.townships[*a].name.cmp(&report.townships[*b].name))
            }
            _ => rows.sort_by(|a, b| value(*a).total_cmp(&value(*b)).then(a.cmp(b))),
        }
        if self.descending {
            rows.reverse();
        }
        rows
    }

    fn header(&mut self, ui: &mut egui::Ui, key: SortKey, text: &str, hover: &str) {
        super::style::sort_header(
            ui,
            (text, None, hover),
            key,
            &mut self.sort,
            &mut self.descending,
            |k| !matches!(k, SortKey::Name | SortKey::File),
        );
    }

    /// Draw the panel.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        results: Option<&Results>,
        tier: usize,
        selected_township: Option<usize>,
        actions: &mut Vec<Action>,
    ) {
        let zh = lang.is_chinese();
        let Some(r) = results else {
            ui.weak(lang.pick("尚无评估结果。", "No results yet."));
            return;
        };
        let report = &r.assessment.report;
        let profile = &r.profile;
        let Some(tier_def) = profile.tiers.get(tier) else {
            return;
        };

        // District totals and how the figures were made.
        ui.label(RichText::new(lang.pick("全区合计", "District totals")).strong());
        totals(ui, lang, profile, &report.total);
        let method = if report.method.distance == "network" {
            lang.pick("路网出行时间", "network travel time")
        } else {
            lang.pick(
                "直线距离 × 绕行系数（无路网）",
                "straight line × detour (no roads)",
            )
        };
        let demand = match r.assessment.demand_kind {
            DemandKind::People => lang.pick("按人口", "by population"),
            DemandKind::AreaHectares => lang.pick("按面积（无居民点）", "by area (no residents)"),
        };
        ui.small(format!(
            "{method} · {demand} · {} {}",
            lang.pick("用时", "took"),
            seconds(lang, r.seconds)
        ));
        if report.outside_population > 0.0 || report.unreachable_population > 0.0 {
            ui.small(format!(
                "{} {} · {} {}",
                lang.pick("乡镇外：", "Outside townships:"),
                lang.count(report.outside_population),
                lang.pick("1 公里内无可用道路：", "No usable road within 1 km:"),
                lang.count(report.unreachable_population),
            ));
        }
        if !report.warnings.is_empty() {
            egui::CollapsingHeader::new(format!(
                "{} ({})",
                lang.pick("评估提示", "Assessment notes"),
                report.warnings.len()
            ))
            .id_salt("report_warnings")
            .show(ui, |ui| {
                for w in &report.warnings {
                    ui.colored_label(Color32::from_rgb(170, 100, 0), w);
                }
                // Features set aside as stray (METHOD 1): show where they lie.
                for s in r.assessment.set_aside.iter().take(SET_ASIDE_SHOWN) {
                    if s.distance_m.is_some()
                        && ui
                            .small_button(format!(
                                "{} {} {}",
                                lang.pick("在地图上显示", "Show on map"),
                                s.layer,
                                s.feature
                            ))
                            .clicked()
                    {
                        actions.push(Action::ShowOnMap([s.lon, s.lat]));
                    }
                }
            });
        }
        ui.separator();

        // The table.
        ui.label(
            RichText::new(format!(
                "{} · {}",
                lang.pick("乡镇覆盖率", "Coverage by township"),
                tier_def.display_name(zh)
            ))
            .strong(),
        );
        ui.small(lang.pick(
            "完整率 = 在阈值内到达全部必需设施的人口比例。颜色：绿 ≥95%，黄 ≥70%，红 <70%（目标 100%）。单击乡镇名缩放地图。",
            "Complete = share reaching every required category in time. Green ≥ 95 %, amber ≥ 70 %, red below (goal 100 %). Click a township to zoom to it.",
        ));
        ui.horizontal(|ui| {
            ui.toggle_value(&mut self.town_village, lang.pick("城乡对比", "Town vs village"))
                .on_hover_text(lang.pick(
                    "镇区与乡村居民分别的完整率、差距（百分点）和各类别覆盖率",
                    "Complete shares of town and village residents, the gap (percentage points) and each category's shares",
                ));
        });
        let rows = self.order(report, tier);
        if self.town_village {
            let categories: Vec<String> = report
                .total
                .tiers
                .get(tier)
                .map(|t| t.categories.iter().map(|c| c.id.clone()).collect())
                .unwrap_or_default();
            town_village_table(
                ui,
                lang,
                r,
                &rows,
                tier,
                &categories,
                selected_township,
                actions,
            );
            ui.separator();
            ui.label(
                RichText::new(format!(
                    "{} · {}",
                    lang.pick("镇区与乡村完整率", "Town and village complete share"),
                    tier_def.display_name(zh)
                ))
                .strong(),
            );
            if let Some(shared) = r.shared.as_deref().filter(|s| s.split) {
                town_village_chart(ui, lang, &shared.report, &rows, tier);
            }
            return;
        }
        let categories = report
            .total
            .tiers
            .get(tier)
            .map(|t| t.categories.clone())
            .unwrap_or_default();
        let table_height = (ui.available_height() * 0.55).max(160.0);
        let scroll = egui::ScrollArea::both()
            .id_salt("results_table")
            .max_height(table_height)
            .auto_shrink([false, true]);
        // A province's thousand townships: only the rows in view are laid
        // out (one row per township and the district's last).
        let row_height = ui.spacing().interact_size.y + 3.0;
        let mut table = |ui: &mut egui::Ui, shown: std::ops::Range<usize>| {
            egui::Grid::new("results_grid")
                .num_columns(3 + profile.tiers.len() + categories.len())
                .spacing([4.0, 3.0])
                .striped(true)
                .show(ui, |ui| {
                    self.header(
                        ui,
                        SortKey::Name,
                        lang.pick("乡镇", "Township"),
                        lang.pick("按名称排序", "Sort by name"),
                    );
                    self.header(
                        ui,
                        SortKey::Population,
                        match r.assessment.demand_kind {
                            DemandKind::People => lang.pick("人口", "People"),
                            DemandKind::AreaHectares => lang.pick("公顷", "Hectares"),
                        },
                        lang.pick("按人口排序", "Sort by population"),
                    );
                    for (k, t) in profile.tiers.iter().enumerate() {
                        let text = format!(
                            "{} {}",
                            fmt_minutes(t.minutes),
                            lang.pick("分钟完整", "min complete")
                        );
                        self.header(ui, SortKey::Complete(k), &text, t.display_name(zh));
                    }
                    for (k, c) in categories.iter().enumerate() {
                        let name = profile.category_name(&c.id, zh);
                        let optional = !tier_def.categories.contains(&c.id);
                        let text = if optional {
                            format!("{}*", short(name))
                        } else {
                            short(name).to_string()
                        };
                        let hover = if optional {
                            format!("{name}{}", lang.pick("（可选）", " (optional)"))
                        } else {
                            name.to_string()
                        };
                        self.header(ui, SortKey::Category(k), &text, &hover);
                    }
                    ui.end_row();

                    let from = shown.start.min(rows.len());
                    for &i in &rows[from..shown.end.min(rows.len())] {
                        let t = &report.townships[i];
                        let name = ui.selectable_label(selected_township == Some(i), &t.name);
                        if name.clicked() {
                            actions.push(Action::SelectTownship(Some(i)));
                        }
                        row_cells(ui, lang, &t.figures, tier, categories.len());
                        ui.end_row();
                    }
                    if shown.end > rows.len() {
                        ui.label(RichText::new(lang.pick("全区", "District")).strong());
                        row_cells(ui, lang, &report.total, tier, categories.len());
                        ui.end_row();
                    }
                });
        };
        if rows.len() > VIRTUAL_ROWS {
            scroll.show_rows(ui, row_height, rows.len() + 1, table);
        } else {
            scroll.show(ui, |ui| table(ui, 0..rows.len() + 1));
        }
        if selected_township.is_some()
            && ui
                .small_button(lang.pick("取消选择", "Clear selection"))
                .clicked()
        {
            actions.push(Action::SelectTownship(None));
        }
        ui.separator();

        // The chart.
        ui.label(
            RichText::new(format!(
                "{} · {}",
                lang.pick("各乡镇完整率", "Complete share by township"),
                tier_def.display_name(zh)
            ))
            .strong(),
        );
        // A bar per township: a province's would be metres long.
        let charted = &rows[..rows.len().min(VIRTUAL_ROWS)];
        if charted.len() < rows.len() {
            ui.weak(match lang {
                Lang::Zh => format!("图表显示排序前 {VIRTUAL_ROWS} 个乡镇"),
                Lang::En => {
                    format!("The chart shows the first {VIRTUAL_ROWS} townships in table order")
                }
            });
        }
        complete_chart(ui, lang, report, charted, tier);
    }
}

/// The 城乡 table: per tier the town and village complete shares and the
/// gap, per category of `tier` the town / village covered shares.
#[allow(clippy::too_many_arguments)]
fn town_village_table(
    ui: &mut egui::Ui,
    lang: Lang,
    r: &Results,
    rows: &[usize],
    tier: usize,
    categories: &[String],
    selected_township: Option<usize>,
    actions: &mut Vec<Action>,
) {
    let zh = lang.is_chinese();
    let profile = &r.profile;
    let Some(shared) = r.shared.as_deref() else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.weak(lang.pick("正在计算城乡对比…", "Computing town and village shares…"));
        });
        return;
    };
    if !shared.split {
        ui.weak(lang.pick(
            "无法区分镇区与乡村：居民点没有 settlement 属性，也未导入镇区范围（数据页）。",
            "No town/village split: the residents carry no settlement value and no town-area layer is loaded (Data tab).",
        ));
        return;
    }
    ui.small(lang.pick(
        "镇区 / 乡村：两类居民各自的完整率；差距 = 镇区 − 乡村（百分点），红色为乡村落后 5 个百分点以上。类别列为 镇区/乡村 覆盖率（%）。",
        "Town / village: each class's complete share; gap = town − village (percentage points), red where villages lag by more than 5. Category columns: town/village covered share (%).",
    ));
    let report = &shared.report;
    let n = report.townships.len();
    let splits: Vec<Option<&crate::state::sharing::CategorySplit>> = categories
        .iter()
        .map(|c| shared.category_split(tier, c))
        .collect();
    let tier_cells = |ui: &mut egui::Ui, t: &[(Option<f64>, Option<f64>)]| {
        for (town, village) in t {
            opt_share_cell(ui, lang, *town);
            opt_share_cell(ui, lang, *village);
            gap_cell(ui, *town, *village);
        }
    };
    let category_cells = |ui: &mut egui::Ui, row: usize| {
        for split in &splits {
            let (town, village) = split.map_or((None, None), |s| s.shares(row));
            let pct = |x: Option<f64>| x.map_or("–".to_string(), |x| format!("{:.0}", x * 100.0));
            let text = format!("{}/{}", pct(town), pct(village));
            let worst = match (town, village) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let fill = worst.map_or(Color32::from_gray(235), |w| GoalStatus::of(w).fill());
            text_cell(ui, &text, fill);
        }
    };
    egui::ScrollArea::both()
        .id_salt("town_village_table")
        .max_height((ui.available_height() * 0.55).max(160.0))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            egui::Grid::new("town_village_grid")
                .spacing([4.0, 3.0])
                .striped(true)
                .show(ui, |ui| {
                    ui.strong(lang.pick("乡镇", "Township"));
                    for t in &profile.tiers {
                        let m = fmt_minutes(t.minutes);
                        ui.strong(format!("{m}{}", lang.pick("分钟 镇区", " min town")))
                            .on_hover_text(t.display_name(zh));
                        ui.strong(lang.pick("乡村", "village"));
                        ui.strong(lang.pick("差距", "gap"));
                    }
                    for c in categories {
                        ui.strong(short(profile.category_name(c, zh)))
                            .on_hover_text(format!(
                                "{}{}",
                                profile.category_name(c, zh),
                                lang.pick("：镇区/乡村 覆盖率 %", ": town/village covered %")
                            ));
                    }
                    ui.end_row();
                    for &i in rows {
                        let t = &report.townships[i];
                        if ui
                            .selectable_label(selected_township == Some(i), &t.name)
                            .clicked()
                        {
                            actions.push(Action::SelectTownship(Some(i)));
                        }
                        let shares: Vec<_> = t
                            .figures
                            .tiers
                            .iter()
                            .map(|x| (x.town_complete_share, x.village_complete_share))
                            .collect();
                        tier_cells(ui, &shares);
                        category_cells(ui, i);
                        ui.end_row();
                    }
                    ui.label(RichText::new(lang.pick("全区", "District")).strong());
                    tier_cells(ui, &shared.district_town_village);
                    category_cells(ui, n);
                    ui.end_row();
                });
        });
}

/// A share, or "–" on grey when the class has nobody.
fn opt_share_cell(ui: &mut egui::Ui, lang: Lang, share: Option<f64>) {
    match share {
        Some(s) => share_cell(ui, lang, s),
        None => text_cell(ui, "–", Color32::from_gray(235)),
    }
}

/// The gap town − village in percentage points (as in the reports), red
/// when villages lag by more than 5 points.
fn gap_cell(ui: &mut egui::Ui, town: Option<f64>, village: Option<f64>) {
    match (town, village) {
        (Some(t), Some(v)) => {
            let pp = (t - v) * 100.0;
            let fill = if pp > 5.0 {
                Color32::from_rgb(255, 205, 210)
            } else {
                Color32::from_gray(240)
            };
            text_cell(ui, &format!("{pp:+.1} pp"), fill);
        }
        _ => text_cell(ui, "–", Color32::from_gray(235)),
    }
}

/// `text` on `fill`, readable by screen readers and tests.
fn text_cell(ui: &mut egui::Ui, text: &str, fill: Color32) {
    let (rect, response) = ui.allocate_exact_size(CELL, Sense::hover());
    ui.painter().rect_filled(rect.shrink(1.0), 3.0, fill);
    ui.painter().text(
        rect.center(),
        Align2::CENTER_CENTER,
        text,
        FontId::proportional(12.0),
        Color32::from_gray(20),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
}

/// Town and village complete shares per township as paired bars.
/// A fixed horizontal bar chart of complete shares (0–100 %), one row per
/// township named on the y axis.
fn township_bar_plot(
    id: &'static str,
    height: f32,
    names: Vec<String>,
    lang: Lang,
) -> Plot<'static> {
    let n = names.len();
    Plot::new(id)
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid([true, false])
        .include_x(0.0)
        .include_x(100.0)
        .include_y(-0.6)
        .include_y(n as f64 - 0.4)
        .y_axis_min_width(64.0)
        .x_axis_label(lang.pick("完整率 %", "complete %"))
        .y_grid_spacer(move |_| {
            (0..n)
                // A large step keeps egui_plot from fading the names.
                .map(|v| GridMark {
                    value: v as f64,
                    step_size: 10.0,
                })
                .collect()
        })
        .y_axis_formatter(move |mark: GridMark, _| {
            let v = mark.value.round();
            if (mark.value - v).abs() < 1e-6 && v >= 0.0 {
                names.get(v as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
}

fn town_village_chart(
    ui: &mut egui::Ui,
    lang: Lang,
    report: &CoverageReport,
    rows: &[usize],
    tier: usize,
) {
    let names: Vec<String> = rows
        .iter()
        .rev()
        .map(|&i| report.townships[i].name.clone())
        .collect();
    let series = |village: bool| -> Vec<Bar> {
        rows.iter()
            .rev()
            .enumerate()
            .filter_map(|(y, &i)| {
                let t = report.townships[i].figures.tiers.get(tier)?;
                let share = if village {
                    t.village_complete_share
                } else {
                    t.town_complete_share
                }?;
                let offset = if village { -0.19 } else { 0.19 };
                Some(
                    Bar::new(y as f64 + offset, share * 100.0)
                        .name(&report.townships[i].name)
                        .width(0.36),
                )
            })
            .collect()
    };
    let height = (rows.len() as f32 * 24.0 + 60.0).max(120.0);
    township_bar_plot("town_village_chart", height, names, lang)
        .legend(egui_plot::Legend::default())
        .show(ui, |plot| {
            plot.bar_chart(
                BarChart::new(lang.pick("镇区", "town"), series(false))
                    .horizontal()
                    .color(Color32::from_rgb(30, 100, 200)),
            );
            plot.bar_chart(
                BarChart::new(lang.pick("乡村", "village"), series(true))
                    .horizontal()
                    .color(Color32::from_rgb(230, 130, 20)),
            );
        });
}

/// A duration for people: "0.04 秒", "12.3 s".
pub fn seconds(lang: Lang, s: f64) -> String {
    let unit = lang.pick("秒", "s");
    if s < 1.0 {
        format!("{s:.2} {unit}")
    } else {
        format!("{s:.1} {unit}")
    }
}

fn fmt_minutes(m: f64) -> String {
    if (m - m.round()).abs() < 1e-9 {
        format!("{}", m.round() as i64)
    } else {
        format!("{m:.1}")
    }
}

fn totals(ui: &mut egui::Ui, lang: Lang, profile: &Profile, total: &AreaCoverage) {
    let zh = lang.is_chinese();
    egui::Grid::new("totals_grid")
        .num_columns(2)
        .spacing([8.0, 2.0])
        .show(ui, |ui| {
            for (t, cov) in profile.tiers.iter().zip(&total.tiers) {
                ui.label(t.display_name(zh));
                share_cell(ui, lang, cov.complete_share);
                ui.end_row();
            }
        });
}

/// Townships beyond which the results table lays out only the rows in view.
const VIRTUAL_ROWS: usize = 200;

fn row_cells(
    ui: &mut egui::Ui,
    lang: Lang,
    figures: &AreaCoverage,
    tier: usize,
    categories: usize,
) {
    ui.label(lang.count(figures.population));
    for t in &figures.tiers {
        share_cell(ui, lang, t.complete_share);
    }
    let cats = figures
        .tiers
        .get(tier)
        .map(|t| t.categories.as_slice())
        .unwrap_or(&[]);
    for k in 0..categories {
        match cats.get(k) {
            Some(c) => share_cell(ui, lang, c.covered_share),
            None => {
                ui.label("–");
            }
        }
    }
}

/// A percentage on the goal colour, readable by screen readers and tests.
fn share_cell(ui: &mut egui::Ui, lang: Lang, share: f64) {
    let text = lang.percent(share);
    let (rect, response) = ui.allocate_exact_size(CELL, Sense::hover());
    let status = GoalStatus::of(share);
    ui.painter()
        .rect_filled(rect.shrink(1.0), 3.0, status.fill());
    ui.painter().text(
        rect.center(),
        Align2::CENTER_CENTER,
        &text,
        FontId::proportional(13.0),
        Color32::from_gray(20),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
}

fn complete_chart(
    ui: &mut egui::Ui,
    lang: Lang,
    report: &CoverageReport,
    rows: &[usize],
    tier: usize,
) {
    // Top row of the table at the top of the chart.
    let names: Vec<String> = rows
        .iter()
        .rev()
        .map(|&i| report.townships[i].name.clone())
        .collect();
    let bars: Vec<Bar> = rows
        .iter()
        .rev()
        .enumerate()
        .map(|(y, &i)| {
            let share = report.townships[i]
                .figures
                .tiers
                .get(tier)
                .map_or(0.0, |t| t.complete_share);
            Bar::new(y as f64, share * 100.0)
                .name(&report.townships[i].name)
                .fill(GoalStatus::of(share).strong())
                .width(0.7)
        })
        .collect();
    // 20 points per township: the panel scrolls for long lists.
    let height = (rows.len() as f32 * 20.0 + 50.0).max(120.0);
    township_bar_plot("complete_chart", height, names, lang).show(ui, |plot| {
        plot.bar_chart(BarChart::new("complete", bars).horizontal());
        plot.vline(
            VLine::new(lang.pick("目标 95%", "goal 95%"), 95.0)
                .color(Color32::from_rgb(46, 125, 50))
                .width(1.5),
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{MethodInfo, TierCoverage, TownshipCoverage};
    use crate::model::Mode;

    fn report(shares: &[(&str, f64, f64)]) -> CoverageReport {
        let area = |pop: f64, share: f64| AreaCoverage {
            population: pop,
            tiers: vec![TierCoverage {
                id: "t5".into(),
                minutes: 5.0,
                mode: Mode::Walk,
                complete_share: share,
                town_complete_share: None,
                village_complete_share: None,
                categories: vec![],
            }],
        };
        CoverageReport {
            townships: shares
                .iter()
                .map(|(n, pop, s)| TownshipCoverage {
                    name: n.to_string(),
                    figures: area(*pop, *s),
                })
                .collect(),
            total: area(0.0, 0.0),
            outside_population: 0.0,
            unreachable_population: 0.0,
            warnings: vec![],
            method: MethodInfo {
                distance: "network".into(),
                detour_factor: None,
                demand: "people".into(),
                projection: String::new(),
                max_connector_m: 1000.0,
                walk_kmh: 4.5,
                bike_kmh: 12.0,
                road_nodes: 0,
                road_segments: 0,
                residents: 0,
                facilities: 0,
                townships: 0,
                profile: String::new(),
            },
        }
    }

    #[test]
    fn sorting_by_columns() {
        let r = report(&[("乙", 10.0, 0.5), ("甲", 30.0, 0.9), ("丙", 20.0, 0.1)]);
        let mut p = ResultsPanel::default();
        assert_eq!(p.order(&r, 0), vec![0, 1, 2]);
        p.sort = SortKey::Population;
        assert_eq!(p.order(&r, 0), vec![0, 2, 1]);
        p.descending = true;
        assert_eq!(p.order(&r, 0), vec![1, 2, 0]);
        p.sort = SortKey::Complete(0);
        p.descending = false;
        assert_eq!(p.order(&r, 0), vec![2, 0, 1]);
        p.sort = SortKey::Name;
        assert_eq!(p.order(&r, 0).len(), 3);
    }

    #[test]
    fn short_names_cut_at_the_slash() {
        assert_eq!(short("便利店/便民商店"), "便利店");
        assert_eq!(short("Bank"), "Bank");
    }
}
