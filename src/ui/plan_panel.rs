//! The Plan tab (建设时序): budget and phases, objective, tier and
//! township; the ranked list of new facilities with cost and gain; the
//! curve of complete share against cumulative cost with the layout shown
//! marked; and "Make layouts per phase". It reports [`PlanAction`]s.
//!
//! Layer: `ui`; reads `state`, reports actions.

use crate::analysis::PlanObjective;
use crate::state::Action;
use crate::state::layouts::Layouts;
use crate::state::plan::{PlanAction, PlanState};
use crate::state::project::{Results, Study};
use crate::ui::i18n::Lang;
use eframe::egui::{self, Color32};
use egui_plot::{Line, MarkerShape, Plot, Points, VLine};

/// What the panel reads.
pub struct PlanInputs<'a> {
    pub lang: Lang,
    pub study: &'a Study,
    pub results: Option<&'a Results>,
    pub layouts: &'a Layouts,
    pub plan: &'a PlanState,
}

/// The tab's own choices.
pub struct PlanPanel {
    /// 万元.
    budget: f64,
    phases: String,
    /// `None`: every tier.
    tier: Option<usize>,
    township: Option<u32>,
    objective: PlanObjective,
    /// Capacity of a new facility for the `served` objective (used where
    /// the profile gives no `default_capacity`).
    capacity: f64,
}

impl Default for PlanPanel {
    fn default() -> Self {
        Self {
            budget: 3000.0,
            phases: "近期:1000,远期:2000".into(),
            tier: None,
            township: None,
            objective: PlanObjective::PeopleCovered,
            capacity: 100.0,
        }
    }
}

/// Colours of the planned tiers' curves.
const CURVES: [Color32; 4] = [
    Color32::from_rgb(31, 119, 180),
    Color32::from_rgb(214, 39, 40),
    Color32::from_rgb(44, 160, 44),
    Color32::from_rgb(148, 103, 189),
];

fn objective_name(o: PlanObjective, lang: Lang) -> &'static str {
    match o {
        PlanObjective::PeopleCovered => lang.pick("新增覆盖人口", "People newly covered"),
        PlanObjective::NewlyComplete => lang.pick("新增完整覆盖居民", "Residents newly complete"),
        PlanObjective::GroupServed => lang.pick("按千人指标达标", "Served to the standard"),
    }
}

impl PlanPanel {
    /// Draw the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, input: &PlanInputs<'_>, actions: &mut Vec<Action>) {
        let lang = input.lang;
        let zh = lang.is_chinese();
        let profile = &input.study.profile;
        ui.heading(lang.pick("建设时序", "Phased plan"));
        ui.label(
            egui::RichText::new(lang.pick(
                "在预算内按单位投资效益选址，分期建设；造价取自评估方案（未设者为提议值）。",
                "Sites chosen by benefit per cost within the budget, phase by phase; costs from the profile (proposed defaults where none is set).",
            ))
            .small(),
        );
        egui::Grid::new("plan_inputs")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label(lang.pick("预算（万元）", "Budget (10k yuan)"));
                ui.add(
                    egui::DragValue::new(&mut self.budget)
                        .speed(50.0)
                        .range(0.0..=1.0e7),
                )
                .labelled_by(l.id);
                ui.end_row();
                let l = ui
                    .label(lang.pick("分期", "Phases"))
                    .on_hover_text(lang.pick(
                        "名称:金额，逗号分隔，合计等于预算；留空为一期",
                        "name:amount, comma-separated, adding up to the budget; empty: one phase",
                    ));
                ui.add(egui::TextEdit::singleline(&mut self.phases).desired_width(170.0))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label(lang.pick("目标", "Objective"));
                egui::ComboBox::from_id_salt("plan_objective")
                    .selected_text(objective_name(self.objective, lang))
                    .show_ui(ui, |ui| {
                        for o in PlanObjective::ALL {
                            ui.selectable_value(&mut self.objective, o, objective_name(o, lang));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                if self.objective == PlanObjective::GroupServed {
                    let l = ui.label(lang.pick("新设施容量", "New facility capacity"))
                        .on_hover_text(lang.pick(
                            "评估方案未给默认容量的类别使用此值（座位、床位、m² 等）",
                            "for categories whose profile entry gives no default capacity (seats, beds, m² …)",
                        ));
                    ui.add(
                        egui::DragValue::new(&mut self.capacity)
                            .range(1.0..=1.0e6)
                            .speed(5.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                }
                let l = ui.label(lang.pick("生活圈", "Tier"));
                let tier_name = |t: Option<usize>| match t.and_then(|t| profile.tiers.get(t)) {
                    Some(t) => t.display_name(zh).to_string(),
                    None => lang.pick("全部", "All").to_string(),
                };
                egui::ComboBox::from_id_salt("plan_tier")
                    .selected_text(tier_name(self.tier))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.tier, None, tier_name(None));
                        for t in 0..profile.tiers.len() {
                            ui.selectable_value(&mut self.tier, Some(t), tier_name(Some(t)));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label(lang.pick("乡镇", "Township"));
                let towns = &input.study.layers.townships;
                let town_name = |t: Option<u32>| match t.and_then(|t| towns.get(t as usize)) {
                    Some(t) => t.name.clone(),
                    None => lang.pick("全区", "Whole district").to_string(),
                };
                egui::ComboBox::from_id_salt("plan_township")
                    .selected_text(town_name(self.township))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.township, None, town_name(None));
                        for t in 0..towns.len() as u32 {
                            ui.selectable_value(&mut self.township, Some(t), town_name(Some(t)));
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
            });
        let plan_state = input.plan;
        match plan_state.progress() {
            Some(fraction) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(lang.pick("正在制定计划", "Planning"));
                    ui.add(
                        egui::ProgressBar::new(fraction)
                            .desired_width(90.0)
                            .show_percentage(),
                    );
                    if ui.button(lang.pick("取消", "Cancel")).clicked() {
                        actions.push(Action::Plan(PlanAction::Cancel));
                    }
                });
            }
            None => {
                let ready = input.results.is_some() && !input.layouts.is_busy();
                if ui
                    .add_enabled(
                        ready,
                        egui::Button::new(lang.pick("制定计划", "Make the plan")),
                    )
                    .clicked()
                {
                    actions.push(Action::Plan(PlanAction::Run {
                        budget: self.budget,
                        phases: self.phases.clone(),
                        tier: self.tier,
                        township: self.township,
                        objective: self.objective,
                        capacity: Some(self.capacity),
                    }));
                }
            }
        }
        if let Some(problem) = &plan_state.problem {
            ui.colored_label(Color32::from_rgb(200, 40, 40), problem);
        }
        let Some(view) = &plan_state.view else {
            return;
        };
        let plan = &view.plan;
        ui.separator();
        // Where each planned tier stands now and after the plan.
        for (k, &t) in plan.tiers.iter().enumerate() {
            let after = plan.curve(t).last().map_or(0.0, |p| p[1]);
            ui.label(format!(
                "{}: {:.1}% → {:.1}%",
                profile.tiers.get(t).map_or("", |t| t.display_name(zh)),
                plan.start_share[k] * 100.0,
                after * 100.0
            ));
        }
        ui.label(format!(
            "{} {:.0} / {:.0} {} · {} {}",
            lang.pick("已用", "Spent"),
            plan.spent(),
            plan.budget(),
            lang.pick("万元", "10k yuan"),
            plan.steps.len(),
            lang.pick("处新建设施", "new facilities")
        ));
        if !plan.bound_holds {
            ui.label(
                egui::RichText::new(lang.pick(
                    "该目标非次模：不保证近似比。",
                    "This objective is not submodular: no guarantee.",
                ))
                .small(),
            );
        }
        self.curve(ui, input, view);
        let base_known = view
            .base
            .as_ref()
            .is_none_or(|n| input.layouts.layouts.iter().any(|l| &l.name == n));
        let can_make = !plan.steps.is_empty() && base_known && !input.layouts.is_busy();
        if ui
            .add_enabled(
                can_make,
                egui::Button::new(lang.pick("按阶段生成布局方案", "Make layouts per phase")),
            )
            .on_hover_text(lang.pick(
                "每期生成一个累计方案（近期、近期+中期…），可对比、可导出",
                "One cumulative layout per phase (near, near+middle …), for Compare and the reports",
            ))
            .clicked()
        {
            actions.push(Action::Plan(PlanAction::MakeLayouts));
        }
        ui.separator();
        egui::Grid::new("plan_steps")
            .striped(true)
            .num_columns(6)
            .show(ui, |ui| {
                for h in [
                    lang.pick("序", "#"),
                    lang.pick("阶段", "Phase"),
                    lang.pick("设施", "Facility"),
                    lang.pick("乡镇", "Township"),
                    lang.pick("造价", "Cost"),
                    lang.pick("受益", "Gain"),
                ] {
                    ui.strong(h);
                }
                ui.end_row();
                for s in &plan.steps {
                    ui.label(s.step.to_string());
                    ui.label(plan.phases.get(s.phase).map_or("", |p| p.name.as_str()));
                    ui.label(profile.category_name(&s.category, zh));
                    ui.label(
                        s.township
                            .and_then(|t| input.study.layers.townships.get(t as usize))
                            .map_or("-", |t| t.name.as_str()),
                    );
                    ui.label(format!(
                        "{:.0}{}",
                        s.cost,
                        if s.cost_proposed { "*" } else { "" }
                    ));
                    ui.label(format!("+{:.0}", s.gain));
                    ui.end_row();
                }
            });
        if plan.steps.iter().any(|s| s.cost_proposed) {
            ui.label(
                egui::RichText::new(lang.pick(
                    "* 提议值：默认造价，请在评估方案中按当地造价设置。",
                    "* proposed default cost: set local costs in the profile.",
                ))
                .small(),
            );
        }
    }

    /// The curve of each planned tier's complete share against cumulative
    /// cost, the phase budgets as dashed lines, and the layout shown marked.
    fn curve(
        &self,
        ui: &mut egui::Ui,
        input: &PlanInputs<'_>,
        view: &crate::state::plan::PlanView,
    ) {
        let lang = input.lang;
        let zh = lang.is_chinese();
        let plan = &view.plan;
        let profile = &input.study.profile;
        // The layout shown: one of the phase layouts, or the one planned on.
        let active_name = input
            .layouts
            .active
            .and_then(|i| input.layouts.layouts.get(i))
            .map(|l| l.name.clone());
        let marked_phase = view
            .layouts
            .iter()
            .find(|(_, n)| Some(n) == active_name.as_ref())
            .map(|(p, _)| *p);
        let at_base = marked_phase.is_none() && active_name == view.base;
        let marked_x = marked_phase.map(|p| {
            plan.steps
                .iter()
                .filter(|s| s.phase <= p)
                .map(|s| s.cost)
                .sum::<f64>()
        });
        Plot::new("plan_curve")
            .height(200.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .include_x(0.0)
            .include_x(plan.budget().max(1.0))
            .include_y(0.0)
            .include_y(108.0)
            .x_axis_label(lang.pick("累计投资（万元）", "cumulative cost (10k yuan)"))
            .y_axis_label(lang.pick("完整覆盖率 %", "complete %"))
            .legend(egui_plot::Legend::default().position(egui_plot::Corner::RightBottom))
            .show(ui, |p| {
                // Phase budgets: dashed lines named at the top (not in the legend).
                let mut edge = 0.0;
                for ph in &plan.phases {
                    edge += ph.budget;
                    p.vline(
                        VLine::new("", edge)
                            .color(Color32::GRAY)
                            .style(egui_plot::LineStyle::dashed_loose()),
                    );
                    p.text(
                        egui_plot::Text::new(
                            "",
                            egui_plot::PlotPoint::new(edge, 104.0),
                            ph.name.clone(),
                        )
                        .anchor(egui::Align2::RIGHT_BOTTOM),
                    );
                }
                for (k, &t) in plan.tiers.iter().enumerate() {
                    let colour = CURVES[k % CURVES.len()];
                    let name = profile
                        .tiers
                        .get(t)
                        .map_or(String::new(), |t| t.display_name(zh).to_string());
                    let points: Vec<[f64; 2]> =
                        plan.curve(t).iter().map(|q| [q[0], q[1] * 100.0]).collect();
                    p.line(
                        Line::new(name.clone(), points.clone())
                            .color(colour)
                            .width(2.0),
                    );
                    let shown = if at_base {
                        points.first().copied()
                    } else {
                        marked_x
                            .and_then(|x| points.iter().rev().find(|q| q[0] <= x + 1e-9).copied())
                    };
                    if let Some(q) = shown {
                        p.points(
                            Points::new(lang.pick("当前方案", "layout shown"), vec![q])
                                .shape(MarkerShape::Diamond)
                                .radius(6.0)
                                .color(colour),
                        );
                    }
                }
            });
    }
}

/// The new-facility cost of every required category (万元 per facility),
/// for the profile panel: the profile's `unit_cost`, or the proposed
/// default (marked 提议值) until the planner sets one.
pub fn unit_costs_ui(ui: &mut egui::Ui, lang: Lang, draft: &mut crate::model::Profile) {
    let zh = lang.is_chinese();
    let required: Vec<String> = draft
        .category_ids()
        .into_iter()
        .filter(|c| {
            draft
                .tiers
                .iter()
                .any(|t| t.categories.iter().any(|r| r == c))
        })
        .map(str::to_string)
        .collect();
    egui::CollapsingHeader::new(lang.pick(
        "新建设施造价（万元/处）",
        "New facility costs (10k yuan each)",
    ))
    .id_salt("unit_costs")
    .default_open(false)
    .show(ui, |ui| {
        ui.weak(lang.pick(
            "用于建设时序。标“提议值”者为默认造价，请按当地造价修改。",
            "Used by the phased plan. Values marked proposed are defaults: set local costs.",
        ));
        egui::Grid::new("unit_costs_grid")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for id in &required {
                    let name = ui.label(draft.category_name(id, zh).to_string());
                    let cost = draft.new_facility_cost(id);
                    let mut value = draft
                        .categories
                        .iter()
                        .find(|c| &c.id == id)
                        .and_then(|c| c.unit_cost)
                        .or_else(|| cost.as_ref().ok().map(|c| c.wan_yuan))
                        .unwrap_or(0.0);
                    let edit = ui
                        .add(
                            egui::DragValue::new(&mut value)
                                .range(0.1..=1.0e6)
                                .speed(5.0)
                                .max_decimals(1),
                        )
                        .labelled_by(name.id);
                    if edit.changed() {
                        match draft.categories.iter_mut().find(|c| &c.id == id) {
                            Some(c) => c.unit_cost = Some(value),
                            None => draft.categories.push(crate::model::CategoryInfo {
                                id: id.clone(),
                                unit_cost: Some(value),
                                ..Default::default()
                            }),
                        }
                    }
                    match cost {
                        Ok(c) if c.proposed => ui.weak(lang.pick("提议值", "proposed")),
                        Ok(_) => ui.label(""),
                        Err(_) => ui.colored_label(
                            Color32::from_rgb(200, 40, 40),
                            lang.pick("未设置", "not set"),
                        ),
                    };
                    ui.end_row();
                }
            });
    });
}
