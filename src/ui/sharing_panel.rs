//! The Sharing view (共享, METHOD 18–19): for the selected tier and a
//! category, a township × township matrix of the demand each township's
//! facilities serve for the others (heat-coloured by the share of the row,
//! sortable by any column or the row total), and on the map flow lines from
//! each township's residents to the townships whose facilities serve them
//! (width by people), with the facilities that serve two or more townships
//! ringed and labelled 共享. It shows where towns already share facilities
//! and where a joint facility (共建) would serve several.

use super::i18n::Lang;
use crate::model::Profile;
use crate::state::map_geometry::MapGeometry;
use crate::state::sharing::SharedFigures;
use eframe::egui;
use egui::{Align2, Color32, FontId, Pos2, RichText, Sense, Stroke, vec2};

/// How the matrix rows are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MatrixSort {
    /// File order.
    #[default]
    File,
    /// By the demand served by the facilities of this column's township
    /// (index `townships.len()`: outside).
    Column(usize),
    /// By the row total (covered demand).
    Total,
    /// By the share served by the township's own facilities.
    Own,
}

/// The Sharing view's choices.
#[derive(Default)]
pub struct SharingPanel {
    /// The category shown; `None`: the tier's first required category.
    pub category: Option<String>,
    pub sort: MatrixSort,
    /// Largest first.
    pub descending: bool,
}

/// Flow lines are drawn from this colour, more opaque for more people.
pub const FLOW: Color32 = Color32::from_rgb(123, 31, 162);
/// The ring around a facility serving two or more townships.
pub const SHARED: Color32 = Color32::from_rgb(0, 121, 107);

const CELL: egui::Vec2 = vec2(46.0, 20.0);

/// White to deep orange by `fraction` (0–1) of the row.
fn heat(fraction: f64) -> Color32 {
    let f = fraction.clamp(0.0, 1.0) as f32;
    let lerp = |a: u8, b: u8| (a as f32 + (b as f32 - a as f32) * f).round() as u8;
    Color32::from_rgb(lerp(250, 230), lerp(250, 81), lerp(250, 0))
}

impl SharingPanel {
    /// The category shown for `tier` of `profile`.
    pub fn category_for(&self, profile: &Profile, tier: usize) -> Option<String> {
        let t = profile.tiers.get(tier)?;
        match &self.category {
            Some(c) if t.all_categories().any(|x| x == c) => Some(c.clone()),
            _ => t.all_categories().next().map(str::to_string),
        }
    }

    /// The matrix rows (township indices, `n` = outside) in sort order.
    pub fn order(&self, demand: &[Vec<f64>], n: usize) -> Vec<usize> {
        let total = |r: usize| demand[r].iter().sum::<f64>();
        // Outside is listed only when it has residents served.
        let mut rows: Vec<usize> = (0..n).collect();
        if total(n) > 0.0 {
            rows.push(n);
        }
        let value = |r: usize| match self.sort {
            MatrixSort::File => r as f64,
            MatrixSort::Column(c) => demand[r].get(c).copied().unwrap_or(0.0),
            MatrixSort::Total => total(r),
            MatrixSort::Own => {
                let t = total(r);
                if t > 0.0 { demand[r][r] / t } else { 0.0 }
            }
        };
        rows.sort_by(|a, b| value(*a).total_cmp(&value(*b)).then(a.cmp(b)));
        if self.descending {
            rows.reverse();
        }
        rows
    }

    fn header(&mut self, ui: &mut egui::Ui, key: MatrixSort, text: &str, hover: &str) {
        super::style::sort_header(
            ui,
            (text, Some(12.0), hover),
            key,
            &mut self.sort,
            &mut self.descending,
            |k| k != MatrixSort::File,
        );
    }

    /// Draw the view for `tier`. `figures`: `None` while they are computed.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        profile: &Profile,
        townships: &[String],
        figures: Option<&SharedFigures>,
        tier: usize,
    ) {
        let zh = lang.is_chinese();
        let Some(tier_def) = profile.tiers.get(tier) else {
            return;
        };
        ui.label(
            RichText::new(format!(
                "{} · {}",
                lang.pick("乡镇间设施共享", "Sharing between townships"),
                tier_def.display_name(zh)
            ))
            .strong(),
        );
        ui.small(lang.pick(
            "每位居民由最近的该类设施服务。行：居民所在乡镇；列：服务设施所在乡镇；格内为人数，颜色深浅为占该行的比例。地图上的连线从乡镇居民中心指向为其服务的其他乡镇设施，线宽表示人数；服务两个及以上乡镇的设施标为“共享”。",
            "Each resident is served by the nearest facility of the category. Rows: the residents' township; columns: the serving facilities' township; cells: people, coloured by their share of the row. On the map, lines run from a township's residents to the other townships' facilities that serve them (width: people); facilities serving two or more townships are marked \"shared\".",
        ));
        let Some(category) = self.category_for(profile, tier) else {
            return;
        };
        ui.horizontal(|ui| {
            let label = ui.label(lang.pick("类别：", "Category:"));
            let mut chosen = category.clone();
            egui::ComboBox::from_id_salt("sharing_category")
                .selected_text(profile.category_name(&chosen, zh))
                .show_ui(ui, |ui| {
                    for c in tier_def.all_categories() {
                        ui.selectable_value(
                            &mut chosen,
                            c.to_string(),
                            profile.category_name(c, zh),
                        );
                    }
                })
                .response
                .labelled_by(label.id);
            if chosen != category {
                self.category = Some(chosen);
            }
        });
        let Some(figures) = figures else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak(lang.pick("正在计算共享情况…", "Computing who serves whom…"));
            });
            return;
        };
        let Some(k) = figures.table_index(tier, &category) else {
            ui.weak(lang.pick("该类别没有数据。", "No figures for this category."));
            return;
        };
        let table = &figures.sharing.tables[k];
        let n = townships.len();
        let name = |i: usize| -> String {
            if i < n {
                townships[i].clone()
            } else {
                lang.pick("区外", "Outside").to_string()
            }
        };
        // Columns: every township and outside when its facilities serve anybody.
        let mut columns: Vec<usize> = (0..n).collect();
        if table.demand.iter().any(|row| row[n] > 0.0) {
            columns.push(n);
        }
        let rows = self.order(&table.demand, n);
        egui::ScrollArea::horizontal()
            .id_salt("sharing_matrix_scroll")
            .show(ui, |ui| {
                egui::Grid::new("sharing_matrix")
                    .spacing([3.0, 3.0])
                    .show(ui, |ui| {
                        self.header(
                            ui,
                            MatrixSort::File,
                            lang.pick("居民＼设施", "Residents＼facilities"),
                            lang.pick("按文件顺序", "File order"),
                        );
                        for &c in &columns {
                            let hover = format!(
                                "{}{}",
                                lang.pick("按此乡镇设施服务人数排序：", "Sort by people served by the facilities of "),
                                name(c)
                            );
                            self.header(ui, MatrixSort::Column(c), &name(c), &hover);
                        }
                        self.header(
                            ui,
                            MatrixSort::Total,
                            lang.pick("覆盖合计", "Covered"),
                            lang.pick("按覆盖人数排序", "Sort by people covered"),
                        );
                        self.header(
                            ui,
                            MatrixSort::Own,
                            lang.pick("本镇服务", "Own"),
                            lang.pick(
                                "本乡镇设施服务的比例（served_by_own_share）",
                                "Share served by the township's own facilities (served_by_own_share)",
                            ),
                        );
                        ui.end_row();
                        for &r in &rows {
                            ui.label(RichText::new(name(r)).size(12.0));
                            let total = table.covered(r);
                            for &c in &columns {
                                let v = table.demand[r][c];
                                let fill = if v <= 0.0 {
                                    Color32::from_gray(248)
                                } else {
                                    heat(v / total.max(1e-12))
                                };
                                let text = if v > 0.0 { lang.count(v) } else { "·".into() };
                                let hover = format!(
                                    "{} → {}: {}",
                                    name(r),
                                    name(c),
                                    lang.count(v)
                                );
                                cell(ui, &text, fill, r == c, &hover);
                            }
                            ui.label(RichText::new(lang.count(total)).size(12.0));
                            let own = table.served_by_own_share(r);
                            let fill = super::style::GoalStatus::of(own).fill();
                            cell(ui, &lang.percent(own), fill, false, "");
                            ui.end_row();
                        }
                    });
            });
        let shared = &figures.shared_facilities[k];
        let flows = &figures.flows[k];
        ui.add_space(4.0);
        ui.label(format!(
            "{}{} · {}{}",
            lang.pick(
                "共享设施（服务两个及以上乡镇）：",
                "Shared facilities (serving two or more townships): "
            ),
            shared.len(),
            lang.pick("跨乡镇服务人数：", "people served across townships: "),
            lang.count(flows.iter().map(|f| f.demand).sum()),
        ));
        // The townships served mostly by others.
        let mostly: Vec<String> = (0..n)
            .filter(|&r| table.covered(r) > 0.0 && table.served_by_own_share(r) < 0.5)
            .map(|r| {
                format!(
                    "{} ({} {})",
                    name(r),
                    lang.percent(1.0 - table.served_by_own_share(r)),
                    lang.pick("由邻镇服务", "by neighbours")
                )
            })
            .collect();
        if !mostly.is_empty() {
            ui.label(format!(
                "{}{}",
                lang.pick("主要由邻镇服务：", "Served mostly by neighbours: "),
                mostly.join(lang.pick("、", ", "))
            ));
        }
    }
}

/// A matrix cell: `text` on `fill`, outlined for a township's own column;
/// readable by screen readers and tests.
fn cell(ui: &mut egui::Ui, text: &str, fill: Color32, own: bool, hover: &str) {
    let (rect, response) = ui.allocate_exact_size(CELL, Sense::hover());
    ui.painter().rect_filled(rect.shrink(1.0), 3.0, fill);
    if own {
        ui.painter().rect_stroke(
            rect.shrink(1.0),
            3.0,
            Stroke::new(1.5, Color32::from_rgb(30, 100, 200)),
            egui::StrokeKind::Inside,
        );
    }
    ui.painter().text(
        rect.center(),
        Align2::CENTER_CENTER,
        text,
        FontId::proportional(11.0),
        Color32::from_gray(20),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
    if !hover.is_empty() {
        response.on_hover_text(hover);
    }
}

/// Draw the flow lines and the shared facilities of `tier` × `category` on
/// the map (`t` the map's transform, `rect` its area).
pub fn draw_on_map(
    ui: &egui::Ui,
    t: &super::map_transform::MapTransform,
    lang: Lang,
    figures: &SharedFigures,
    geometry: &MapGeometry,
    tier: usize,
    category: &str,
) {
    let Some(k) = figures.table_index(tier, category) else {
        return;
    };
    let rect = t.rect();
    let painter = ui.painter().with_clip_rect(rect);
    let flows = &figures.flows[k];
    let max = flows.iter().map(|f| f.demand).fold(0.0, f64::max);
    // Smallest first, so that the big flows lie on top.
    for f in flows.iter().rev() {
        let a = t.to_screen(f.start[0], f.start[1]);
        let b = t.to_screen(f.end[0], f.end[1]);
        if a.distance(b) < 2.0 {
            continue;
        }
        let share = (f.demand / max.max(1e-12)) as f32;
        let width = 1.5 + 8.5 * share.sqrt();
        let colour = FLOW.gamma_multiply(0.45 + 0.5 * share);
        // A gentle arc, so that flows both ways do not overlap.
        let d = b - a;
        let normal = vec2(-d.y, d.x) * 0.12;
        let mid = a + d * 0.5 + normal;
        let points: Vec<Pos2> = (0..=16)
            .map(|i| {
                let s = i as f32 / 16.0;
                let u = 1.0 - s;
                Pos2::new(
                    u * u * a.x + 2.0 * u * s * mid.x + s * s * b.x,
                    u * u * a.y + 2.0 * u * s * mid.y + s * s * b.y,
                )
            })
            .collect();
        painter.add(egui::Shape::line(
            points.clone(),
            Stroke::new(width, colour),
        ));
        // Arrow head at the facilities' end.
        let tip = points[16];
        let dir = (tip - points[14]).normalized();
        let side = vec2(-dir.y, dir.x);
        let size = 6.0 + width;
        painter.add(egui::Shape::convex_polygon(
            vec![
                tip,
                tip - dir * size + side * size * 0.5,
                tip - dir * size - side * size * 0.5,
            ],
            colour,
            Stroke::NONE,
        ));
        painter.circle_filled(a, 2.0 + width * 0.4, colour);
    }
    // Shared facilities: a ring and the word 共享.
    let to_screen = t.plane_to_screen(&geometry.plane);
    let zoomed_in = t.metres_per_point() < 60.0;
    let shared = &figures.shared_facilities[k];
    for mark in &geometry.facilities {
        if shared.binary_search(&mark.index).is_err() {
            continue;
        }
        let p = to_screen.apply(mark.pos);
        if !rect.contains(p) {
            continue;
        }
        painter.circle_stroke(p, 8.0, Stroke::new(2.5, SHARED));
        if zoomed_in || shared.len() <= 30 {
            painter.text(
                p + vec2(9.0, -9.0),
                Align2::LEFT_BOTTOM,
                lang.pick("共享", "shared"),
                FontId::proportional(11.0),
                SHARED,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sort_by_a_column_the_total_or_the_own_share() {
        // Three townships and outside: row r, column c.
        let demand = vec![
            vec![10.0, 0.0, 5.0, 0.0],
            vec![0.0, 2.0, 30.0, 0.0],
            vec![1.0, 0.0, 20.0, 0.0],
            vec![0.0, 0.0, 0.0, 0.0],
        ];
        let mut p = SharingPanel::default();
        assert_eq!(p.order(&demand, 3), vec![0, 1, 2]);
        p.sort = MatrixSort::Column(2);
        p.descending = true;
        assert_eq!(p.order(&demand, 3), vec![1, 2, 0]);
        p.sort = MatrixSort::Total;
        assert_eq!(p.order(&demand, 3), vec![1, 2, 0]);
        p.sort = MatrixSort::Own;
        p.descending = false;
        // Own shares: 10/15, 2/32, 20/21.
        assert_eq!(p.order(&demand, 3), vec![1, 0, 2]);
        // Outside appears once its residents are served.
        let mut with_outside = demand.clone();
        with_outside[3][0] = 4.0;
        p.sort = MatrixSort::File;
        assert_eq!(p.order(&with_outside, 3), vec![0, 1, 2, 3]);
    }

    #[test]
    fn heat_runs_from_white_to_orange() {
        assert_eq!(heat(0.0), Color32::from_rgb(250, 250, 250));
        assert_eq!(heat(1.0), Color32::from_rgb(230, 81, 0));
        assert_eq!(heat(7.0), heat(1.0));
    }
}
