//! The profile panel: edit a draft of the assessment profile (tier minutes
//! and modes, mode speeds, required and optional categories per tier) and
//! apply it, which re-assesses.

use super::i18n::Lang;
use crate::model::{Mode, Profile};
use crate::state::Action;
use eframe::egui;
use egui::{RichText, Ui};

/// A category's role in one tier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Required,
    Optional,
    Unused,
}

/// The profile panel: a draft copy of the study's profile.
#[derive(Default)]
pub struct ProfilePanel {
    draft: Option<Profile>,
    /// The profile the draft was made from.
    base: Option<Profile>,
}

impl ProfilePanel {
    /// Draw the panel for the study's `profile` (`townships`: the study's
    /// township names, for the per-township group shares).
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        lang: Lang,
        profile: &Profile,
        townships: &[String],
        actions: &mut Vec<Action>,
    ) {
        let zh = lang.is_chinese();
        // A new profile (loaded, or applied) replaces the draft.
        if self.base.as_ref() != Some(profile) {
            self.base = Some(profile.clone());
            self.draft = Some(profile.clone());
        }
        let Some(draft) = self.draft.as_mut() else {
            return;
        };
        let changed = draft != profile;
        let problem = draft.validate().err();

        ui.horizontal(|ui| {
            let apply = ui.add_enabled(
                problem.is_none(),
                egui::Button::new(lang.pick("应用并重新评估", "Apply and re-assess")),
            );
            if apply.clicked() {
                actions.push(Action::ApplyProfile(draft.clone()));
            }
            if ui
                .add_enabled(changed, egui::Button::new(lang.pick("还原", "Revert")))
                .clicked()
            {
                *draft = profile.clone();
            }
        });
        if let Some(p) = &problem {
            ui.colored_label(
                super::style::MISSING_TEXT,
                format!("{}{p}", lang.pick("方案无效：", "Invalid profile: ")),
            );
        } else if changed {
            ui.weak(lang.pick("有未应用的修改。", "There are changes not applied yet."));
        }
        if !draft.name.is_empty() {
            ui.small(&draft.name);
        }
        ui.separator();

        ui.label(RichText::new(lang.pick("生活圈", "Life circles")).strong());
        egui::Grid::new("tiers_grid")
            .num_columns(3)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                ui.weak(lang.pick("名称", "Name"));
                ui.weak(lang.pick("阈值（分钟）", "Minutes"));
                ui.weak(lang.pick("出行方式", "Mode"));
                ui.end_row();
                for (i, tier) in draft.tiers.iter_mut().enumerate() {
                    let name = ui.label(tier.display_name(zh).to_string());
                    ui.add(
                        egui::DragValue::new(&mut tier.minutes)
                            .range(1.0..=240.0)
                            .speed(0.2)
                            .max_decimals(1),
                    )
                    .labelled_by(name.id);
                    egui::ComboBox::from_id_salt(("tier_mode", i))
                        .selected_text(lang.mode_name(tier.mode))
                        .show_ui(ui, |ui| {
                            for m in Mode::ALL {
                                ui.selectable_value(&mut tier.mode, m, lang.mode_name(m));
                            }
                        })
                        .response
                        .labelled_by(name.id);
                    ui.end_row();
                }
            });
        ui.add_space(6.0);

        ui.label(RichText::new(lang.pick("出行速度（公里/小时）", "Speeds (km/h)")).strong());
        egui::Grid::new("speeds_grid")
            .num_columns(2)
            .spacing([8.0, 6.0])
            .show(ui, |ui| {
                speed_row(
                    ui,
                    lang.pick("步行", "Walk"),
                    &mut draft.modes.walk.speed_kmh,
                    1.0..=10.0,
                );
                speed_row(
                    ui,
                    lang.pick("慢行（骑行）", "Bike"),
                    &mut draft.modes.bike.speed_kmh,
                    3.0..=40.0,
                );
                speed_row(
                    ui,
                    lang.pick("机动车（未分级道路）", "Drive (other roads)"),
                    &mut draft.modes.drive.other_kmh,
                    5.0..=120.0,
                );
                let label = ui.label(lang.pick("绕行系数（无路网时）", "Detour factor (no roads)"));
                ui.add(
                    egui::DragValue::new(&mut draft.detour_factor)
                        .range(1.0..=3.0)
                        .speed(0.01)
                        .max_decimals(2),
                )
                .labelled_by(label.id);
                ui.end_row();
            });
        ui.add_space(6.0);
        super::plan_panel::unit_costs_ui(ui, lang, draft);
        ui.add_space(6.0);

        ui.label(RichText::new(lang.pick("设施类别", "Facility categories")).strong());
        ui.weak(lang.pick(
            "必需：居民须在阈值内到达全部必需设施才算完整覆盖；可选：只统计，不影响完整率。",
            "Required: a resident is complete only when it reaches all of them; optional: reported only.",
        ));
        let ids: Vec<String> = draft
            .category_ids()
            .into_iter()
            .map(str::to_string)
            .collect();
        let names: Vec<String> = ids
            .iter()
            .map(|c| draft.category_name(c, zh).to_string())
            .collect();
        for ti in 0..draft.tiers.len() {
            let t = &draft.tiers[ti];
            let title = match lang {
                Lang::Zh => format!(
                    "{}（{} 项必需，{} 项可选）",
                    t.display_name(zh),
                    t.categories.len(),
                    t.optional.len()
                ),
                Lang::En => format!(
                    "{} ({} required, {} optional)",
                    t.display_name(zh),
                    t.categories.len(),
                    t.optional.len()
                ),
            };
            egui::CollapsingHeader::new(title)
                .id_salt(("tier_categories", ti))
                .default_open(false)
                .show(ui, |ui| {
                    let tier = &mut draft.tiers[ti];
                    egui::Grid::new(("cat_grid", ti))
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for (id, name) in ids.iter().zip(&names) {
                                let role = if tier.categories.contains(id) {
                                    Role::Required
                                } else if tier.optional.contains(id) {
                                    Role::Optional
                                } else {
                                    Role::Unused
                                };
                                ui.label(name);
                                let mut new = role;
                                ui.horizontal(|ui| {
                                    ui.selectable_value(
                                        &mut new,
                                        Role::Required,
                                        lang.pick("必需", "required"),
                                    );
                                    ui.selectable_value(
                                        &mut new,
                                        Role::Optional,
                                        lang.pick("可选", "optional"),
                                    );
                                    ui.selectable_value(
                                        &mut new,
                                        Role::Unused,
                                        lang.pick("不用", "unused"),
                                    );
                                });
                                if new != role {
                                    tier.categories.retain(|c| c != id);
                                    tier.optional.retain(|c| c != id);
                                    match new {
                                        Role::Required => tier.categories.push(id.clone()),
                                        Role::Optional => tier.optional.push(id.clone()),
                                        Role::Unused => {}
                                    }
                                }
                                ui.end_row();
                            }
                        });
                });
        }
        supply_section(ui, lang, draft);
        township_shares_editor(ui, lang, draft, townships);
    }
}

/// Per-township group shares (`township_shares`, METHOD 11): one row per
/// township, one column per group, the default share where the township has
/// none of its own; a change applies with the rest of the draft.
fn township_shares_editor(ui: &mut Ui, lang: Lang, draft: &mut Profile, townships: &[String]) {
    if draft.supply.groups.is_empty() || townships.is_empty() {
        return;
    }
    let zh = lang.is_chinese();
    let groups = draft.supply.groups.clone();
    egui::CollapsingHeader::new(lang.pick("各乡镇人群占比", "Group shares per township"))
        .id_salt("township_shares")
        .default_open(false)
        .show(ui, |ui| {
            ui.weak(lang.pick(
                "未单独设定的乡镇用默认占比；修改后点“应用并重新评估”。",
                "Townships without their own share use the default; Apply re-assesses.",
            ));
            egui::ScrollArea::horizontal()
                .id_salt("township_shares_scroll")
                .show(ui, |ui| {
                    egui::Grid::new("township_shares_grid")
                        .striped(true)
                        .num_columns(groups.len() + 1)
                        .show(ui, |ui| {
                            ui.weak(lang.pick("乡镇", "Township"));
                            for g in &groups {
                                let name = if zh && !g.name_zh.is_empty() {
                                    &g.name_zh
                                } else {
                                    &g.id
                                };
                                ui.weak(name.as_str());
                            }
                            ui.end_row();
                            for t in townships {
                                let label = ui.label(t.as_str());
                                for g in &groups {
                                    let own = draft
                                        .supply
                                        .township_shares
                                        .get(t)
                                        .and_then(|m| m.get(&g.id))
                                        .copied();
                                    let mut share = own.unwrap_or(g.share);
                                    let drag = egui::DragValue::new(&mut share)
                                        .range(0.0..=1.0)
                                        .speed(0.001)
                                        .max_decimals(4);
                                    let response = ui.add(drag).labelled_by(label.id);
                                    if response.changed() {
                                        draft
                                            .supply
                                            .township_shares
                                            .entry(t.clone())
                                            .or_default()
                                            .insert(g.id.clone(), share);
                                    }
                                }
                                ui.end_row();
                            }
                        });
                });
            if !draft.supply.township_shares.is_empty()
                && ui
                    .button(lang.pick("清除各乡镇占比", "Clear the township shares"))
                    .clicked()
            {
                draft.supply.township_shares.clear();
            }
        });
}

/// Demand groups (default shares, editable, with their sources) and the
/// categories' 千人指标 (editable, 提议值 marked); changes apply with the
/// rest of the draft.
fn supply_section(ui: &mut Ui, lang: Lang, draft: &mut Profile) {
    let zh = lang.is_chinese();
    if draft.supply.groups.is_empty()
        && draft
            .categories
            .iter()
            .all(|c| c.standard_per_1000.is_none())
    {
        return;
    }
    ui.add_space(6.0);
    ui.label(
        RichText::new(lang.pick("需求人群与千人指标", "Demand groups and standards")).strong(),
    );
    egui::CollapsingHeader::new(
        lang.pick("需求人群（默认占比）", "Demand groups (default shares)"),
    )
    .id_salt("supply_groups")
    .default_open(false)
    .show(ui, |ui| {
        egui::Grid::new("groups_grid")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                for g in &mut draft.supply.groups {
                    let name = if zh && !g.name_zh.is_empty() {
                        &g.name_zh
                    } else if !g.name_en.is_empty() {
                        &g.name_en
                    } else {
                        &g.id
                    };
                    let label = ui.label(name.as_str());
                    if let Some(source) = &g.source {
                        label.clone().on_hover_text(source);
                    }
                    ui.add(
                        egui::DragValue::new(&mut g.share)
                            .range(0.0..=1.0)
                            .speed(0.001)
                            .max_decimals(4),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                }
            });
        if !draft.supply.township_shares.is_empty() {
            ui.weak(format!(
                "{} {}",
                draft.supply.township_shares.len(),
                lang.pick(
                    "个乡镇有各自的占比。",
                    "townships have shares of their own."
                )
            ));
        }
    });
    egui::CollapsingHeader::new(lang.pick("千人指标（每千人）", "Standards (per 1,000)"))
        .id_salt("supply_standards")
        .default_open(false)
        .show(ui, |ui| {
            let groups = draft.supply.groups.clone();
            egui::Grid::new("standards_grid")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    for c in draft
                        .categories
                        .iter_mut()
                        .filter(|c| c.standard_per_1000.is_some())
                    {
                        let name = if zh && !c.name_zh.is_empty() {
                            c.name_zh.clone()
                        } else if !c.name_en.is_empty() {
                            c.name_en.clone()
                        } else {
                            c.id.clone()
                        };
                        let label = ui.label(name);
                        if let Some(source) = &c.standard_source {
                            label.clone().on_hover_text(source);
                        }
                        let group = c
                            .group
                            .as_deref()
                            .and_then(|g| groups.iter().find(|x| x.id == g))
                            .map(|g| {
                                if zh && !g.name_zh.is_empty() {
                                    g.name_zh.clone()
                                } else {
                                    g.id.clone()
                                }
                            })
                            .unwrap_or_else(|| lang.pick("全体居民", "all residents").to_string());
                        ui.weak(group);
                        ui.horizontal(|ui| {
                            if let Some(v) = c.standard_per_1000.as_mut() {
                                ui.add(
                                    egui::DragValue::new(v)
                                        .range(0.0..=1.0e6)
                                        .speed(1.0)
                                        .max_decimals(1),
                                )
                                .labelled_by(label.id);
                            }
                            ui.label(crate::report::unit_name(lang, c.unit.as_deref()));
                            if c.standard_proposed {
                                ui.colored_label(
                                    egui::Color32::from_rgb(150, 90, 0),
                                    lang.pick("提议值", "proposed"),
                                );
                            }
                        });
                        ui.end_row();
                    }
                });
        });
}

fn speed_row(ui: &mut Ui, name: &str, value: &mut f64, range: std::ops::RangeInclusive<f64>) {
    let label = ui.label(name);
    ui.add(
        egui::DragValue::new(value)
            .range(range)
            .speed(0.1)
            .max_decimals(1),
    )
    .labelled_by(label.id);
    ui.end_row();
}
