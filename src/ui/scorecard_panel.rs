//! The Scorecard tab (对标): one card per township with each tier's complete
//! share against the profile's target (达标 / 未达标) and its 短板 — the
//! required categories with the most people not covered, the nearest
//! existing facility of each and the neighbouring townships that already
//! serve part of those people. Cards can be ordered by how far a township
//! is from its target, so the furthest behind come first.

use super::i18n::Lang;
use crate::analysis::TownshipScorecard;
use crate::model::Profile;
use eframe::egui;
use egui::{Color32, RichText};

/// How the cards are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CardOrder {
    /// Furthest below the selected tier's target first.
    #[default]
    DistanceToTarget,
    /// Furthest below the targets over all tiers (the sum of the gaps) first.
    TotalDistance,
    /// File order.
    File,
}

/// The Scorecard tab's choices.
#[derive(Default)]
pub struct ScorecardPanel {
    pub order: CardOrder,
}

const MET: Color32 = Color32::from_rgb(46, 125, 50);
const NOT_MET: Color32 = Color32::from_rgb(198, 40, 40);

impl ScorecardPanel {
    /// Indices of `cards` in the chosen order for the selected `tier`.
    pub fn sorted(&self, cards: &[TownshipScorecard], tier: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..cards.len()).collect();
        let gap = |i: usize| -> f64 {
            match self.order {
                CardOrder::File => 0.0,
                CardOrder::DistanceToTarget => cards[i]
                    .tiers
                    .get(tier)
                    .and_then(|t| t.distance_to_target)
                    .unwrap_or(f64::NEG_INFINITY),
                CardOrder::TotalDistance => cards[i]
                    .tiers
                    .iter()
                    .filter_map(|t| t.distance_to_target)
                    .map(|d| d.max(0.0))
                    .sum(),
            }
        };
        if self.order != CardOrder::File {
            order.sort_by(|&a, &b| gap(b).total_cmp(&gap(a)).then(a.cmp(&b)));
        }
        order
    }

    /// Draw the tab. `cards`: `None` while they are computed.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        lang: Lang,
        profile: &Profile,
        cards: Option<&[TownshipScorecard]>,
        tier: usize,
    ) {
        let zh = lang.is_chinese();
        ui.label(RichText::new(lang.pick("乡镇对标", "Township scorecards")).strong());
        ui.small(lang.pick(
            "各生活圈完整率与目标对比；短板为未覆盖人数最多的必需类别，附最近的现有设施和已部分服务该镇的邻镇。",
            "Each life circle's complete share against its target; the 短板 are the required categories with the most people not covered, with the nearest existing facility and the neighbours that already serve part of them.",
        ));
        ui.horizontal(|ui| {
            let label = ui.label(lang.pick("排序：", "Order:"));
            let name = |o: CardOrder| match o {
                CardOrder::DistanceToTarget => {
                    lang.pick("距目标（当前生活圈）", "Distance to target (this circle)")
                }
                CardOrder::TotalDistance => {
                    lang.pick("距目标（全部生活圈）", "Distance to target (all circles)")
                }
                CardOrder::File => lang.pick("文件顺序", "File order"),
            };
            egui::ComboBox::from_id_salt("scorecard_order")
                .selected_text(name(self.order))
                .show_ui(ui, |ui| {
                    for o in [
                        CardOrder::DistanceToTarget,
                        CardOrder::TotalDistance,
                        CardOrder::File,
                    ] {
                        ui.selectable_value(&mut self.order, o, name(o));
                    }
                })
                .response
                .labelled_by(label.id);
        });
        let Some(cards) = cards else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak(lang.pick("正在计算对标…", "Computing the scorecards…"));
            });
            return;
        };
        for i in self.sorted(cards, tier) {
            card(ui, lang, profile, &cards[i], zh);
        }
    }
}

fn card(ui: &mut egui::Ui, lang: Lang, profile: &Profile, card: &TownshipScorecard, zh: bool) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.label(RichText::new(&card.township).strong().size(15.0));
            ui.weak(format!(
                "{} {}",
                lang.count(card.population),
                lang.pick("人", "people")
            ));
        });
        egui::Grid::new(("score_tiers", &card.township))
            .num_columns(4)
            .spacing([10.0, 2.0])
            .show(ui, |ui| {
                ui.weak(lang.pick("生活圈", "Life circle"));
                ui.weak(lang.pick("完整率", "Complete"));
                ui.weak(lang.pick("目标", "Target"));
                ui.weak(lang.pick("对标", "Status"));
                ui.end_row();
                for (t, score) in profile.tiers.iter().zip(&card.tiers) {
                    ui.label(t.display_name(zh));
                    ui.label(lang.percent(score.complete_share));
                    ui.label(score.target.map_or("–".into(), |x| lang.percent(x)));
                    match score.met {
                        Some(true) => ui.colored_label(MET, lang.pick("达标", "met")),
                        Some(false) => ui.colored_label(
                            NOT_MET,
                            format!(
                                "{} (−{:.1} pp)",
                                lang.pick("未达标", "not met"),
                                score.distance_to_target.unwrap_or(0.0) * 100.0
                            ),
                        ),
                        None => ui.weak("–"),
                    };
                    ui.end_row();
                }
            });
        if card.shortfalls.is_empty() {
            ui.weak(lang.pick(
                "无短板：必需设施全部覆盖。",
                "No 短板: every required category reaches everyone.",
            ));
            return;
        }
        ui.label(RichText::new(lang.pick("短板", "短板 (shortfalls)")).strong());
        for s in &card.shortfalls {
            let tier = profile.tiers.iter().find(|t| t.id == s.tier);
            let minutes = tier.map_or(String::new(), |t| {
                format!("{}{}", t.minutes, lang.pick("分钟", " min"))
            });
            ui.label(format!(
                "{minutes} {}{}{} {}（{} {}）",
                profile.category_name(&s.category, zh),
                lang.pick("：", ": "),
                lang.count(s.not_covered),
                lang.pick("人未覆盖", "people not covered"),
                lang.pick("覆盖率", "covered"),
                lang.percent(s.covered_share),
            ));
            let nearest = match &s.nearest_facility {
                Some(f) => {
                    let town = if f.township == "outside" {
                        lang.pick("区外", "outside").to_string()
                    } else {
                        f.township.clone()
                    };
                    let name = if f.name.is_empty() {
                        format!("#{}", f.facility + 1)
                    } else {
                        f.name.clone()
                    };
                    format!(
                        "{}{name}（{town}，{:.1} {}）",
                        lang.pick("最近现有设施：", "Nearest existing: "),
                        f.distance_m / 1000.0,
                        lang.pick("公里", "km")
                    )
                }
                None => lang
                    .pick(
                        "全区无此类设施",
                        "No facility of this category in the district",
                    )
                    .to_string(),
            };
            ui.small(format!("    {nearest}"));
            if !s.served_by_neighbours.is_empty() {
                ui.small(format!(
                    "    {}{}",
                    lang.pick("邻镇已部分服务：", "Partly served by neighbours: "),
                    s.served_by_neighbours.join(lang.pick("、", ", "))
                ));
            }
        }
    });
    ui.add_space(4.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::TierScore;

    fn card(name: &str, gaps: &[Option<f64>]) -> TownshipScorecard {
        TownshipScorecard {
            township: name.into(),
            population: 1.0,
            tiers: gaps
                .iter()
                .map(|g| TierScore {
                    tier: "t".into(),
                    complete_share: 0.5,
                    target: g.map(|_| 0.9),
                    met: g.map(|g| g <= 0.0),
                    distance_to_target: *g,
                })
                .collect(),
            shortfalls: Vec::new(),
        }
    }

    #[test]
    fn cards_sort_by_distance_to_target() {
        let cards = vec![
            card("A", &[Some(0.1), Some(-0.2)]),
            card("B", &[Some(0.3), Some(0.0)]),
            card("C", &[Some(-0.05), Some(0.5)]),
            card("D", &[None, None]),
        ];
        let mut p = ScorecardPanel::default();
        assert_eq!(p.sorted(&cards, 0), vec![1, 0, 2, 3]);
        assert_eq!(p.sorted(&cards, 1), vec![2, 1, 0, 3]);
        p.order = CardOrder::TotalDistance;
        // Gaps above 0 only: A 0.1, B 0.3, C 0.5, D 0.
        assert_eq!(p.sorted(&cards, 0), vec![2, 1, 0, 3]);
        p.order = CardOrder::File;
        assert_eq!(p.sorted(&cards, 1), vec![0, 1, 2, 3]);
    }
}
