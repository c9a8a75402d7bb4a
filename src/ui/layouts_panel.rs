//! The layouts tab (方案): the baseline and named layouts, the edit tools and
//! the list of edits with undo/redo, comparing two layouts, site
//! suggestions and redundancy ("不浪费"). It reports
//! [`LayoutAction`]s; the app carries them out.

use crate::model::Edit;
use crate::state::Action;
use crate::state::layouts::{EditRequest, EditTool, JobKind, LayoutAction, Layouts};
use crate::state::project::{Results, Study};
use crate::ui::i18n::Lang;
use eframe::egui;

/// What the panel reads.
pub struct LayoutsInputs<'a> {
    pub lang: Lang,
    pub study: &'a Study,
    pub results: Option<&'a Results>,
    pub layouts: &'a Layouts,
    /// Selected tier index.
    pub tier: usize,
    /// The facility selected on the map (index into the layers' facilities).
    pub selected_facility: Option<u32>,
}

/// The layouts tab's own choices (not part of the project).
#[derive(Default)]
pub struct LayoutsPanel {
    rename: Option<(usize, String)>,
    compare: [Option<usize>; 2],
    suggest_category: Option<String>,
    /// Sites to suggest; `None`: as many as the categories asked for.
    suggest_k: Option<usize>,
    suggest_township: Option<u32>,
    /// Joint sites (共建) only.
    suggest_joint: bool,
}

fn push(actions: &mut Vec<Action>, a: LayoutAction) {
    actions.push(Action::Layout(a));
}

/// One line describing an edit.
pub fn describe_edit(edit: &Edit, profile: &crate::model::Profile, lang: Lang) -> String {
    let zh = lang.is_chinese();
    match edit {
        Edit::Add { id, facility } => format!(
            "{} #{} {}",
            lang.pick("添加", "Add"),
            id.0,
            profile.category_name(&facility.category, zh)
        ),
        Edit::Move { id, to, .. } => format!(
            "{} #{} → {:.5}, {:.5}",
            lang.pick("移动", "Move"),
            id.0,
            to.x(),
            to.y()
        ),
        Edit::Delete { id, facility } => format!(
            "{} #{} {}",
            lang.pick("删除", "Delete"),
            id.0,
            profile.category_name(&facility.category, zh)
        ),
        Edit::SetCategory { id, from, to } => format!(
            "#{} {} → {}",
            id.0,
            profile.category_name(from, zh),
            profile.category_name(to, zh)
        ),
    }
}

impl LayoutsPanel {
    /// Draw the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, input: &LayoutsInputs<'_>, actions: &mut Vec<Action>) {
        let lang = input.lang;
        let layouts = input.layouts;
        let profile = &input.study.profile;
        let zh = lang.is_chinese();

        if let Some((kind, fraction)) = layouts.job_progress() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(match kind {
                    JobKind::Edit => lang.pick("正在重新评估", "Re-assessing"),
                    JobKind::Compare => lang.pick("正在对比", "Comparing"),
                    JobKind::Suggest => lang.pick("正在计算建议选址", "Suggesting sites"),
                    JobKind::Redundancy => {
                        lang.pick("正在计算冗余设施", "Finding redundant facilities")
                    }
                    JobKind::LoadFile => {
                        lang.pick("正在读取设施文件", "Reading the facilities file")
                    }
                });
                ui.add(
                    egui::ProgressBar::new(fraction)
                        .desired_width(90.0)
                        .show_percentage(),
                );
                if kind != JobKind::Edit && ui.button(lang.pick("取消", "Cancel")).clicked() {
                    push(actions, LayoutAction::CancelJob);
                }
            });
            ui.separator();
        }

        // The list of layouts.
        ui.heading(lang.pick("方案", "Layouts"));
        if ui
            .radio(
                layouts.active.is_none(),
                lang.pick("基准（现状）", "Baseline (as loaded)"),
            )
            .clicked()
        {
            push(actions, LayoutAction::Activate(None));
        }
        for (i, l) in layouts.layouts.iter().enumerate() {
            ui.horizontal(|ui| match &mut self.rename {
                Some((r, text)) if *r == i => {
                    let edit = ui.add(egui::TextEdit::singleline(text).desired_width(140.0));
                    let done = edit.lost_focus() || ui.button(lang.pick("确定", "OK")).clicked();
                    if done {
                        push(actions, LayoutAction::Rename(i, text.clone()));
                        self.rename = None;
                    }
                }
                _ => {
                    if ui
                        .radio(
                            layouts.active == Some(i),
                            format!(
                                "{} ({})",
                                l.name,
                                l.edits.len()
                                    + super::scenario_panel::describe(&l.scenario, lang).len()
                            ),
                        )
                        .on_hover_text(lang.pick("括号内为修改数", "Number of edits in brackets"))
                        .clicked()
                    {
                        push(actions, LayoutAction::Activate(Some(i)));
                    }
                    if ui.small_button(lang.pick("改名", "Rename")).clicked() {
                        self.rename = Some((i, l.name.clone()));
                    }
                    if ui
                        .small_button(lang.pick("删除", "Remove"))
                        .on_hover_text(lang.pick("删除方案", "Remove the layout"))
                        .clicked()
                    {
                        push(actions, LayoutAction::Remove(i));
                    }
                }
            });
        }
        if ui
            .button(lang.pick("新建方案（复制当前）", "New layout (copy of shown)"))
            .clicked()
        {
            push(actions, LayoutAction::New);
        }
        if ui
            .button(lang.pick("从设施文件新建方案…", "New layout from a facilities file…"))
            .on_hover_text(lang.pick(
                "整个设施文件作为一个备选方案",
                "The whole file is one alternative layout",
            ))
            .clicked()
        {
            push(actions, LayoutAction::NewFromFile);
        }

        // Editing.
        ui.separator();
        ui.strong(lang.pick("在地图上编辑", "Edit on the map"));
        ui.horizontal_wrapped(|ui| {
            for (tool, zh_name, en_name) in [
                (EditTool::Select, "选择", "Select"),
                (EditTool::Add, "添加设施", "Add facility"),
                (EditTool::Move, "拖动移动", "Drag to move"),
                (EditTool::Delete, "点击删除", "Click to delete"),
            ] {
                if ui
                    .selectable_label(layouts.tool == tool, lang.pick(zh_name, en_name))
                    .clicked()
                {
                    push(actions, LayoutAction::SetTool(tool));
                }
            }
        });
        super::scenario_panel::tools_ui(ui, lang, layouts, actions);
        let ids = profile.category_ids();
        if layouts.tool == EditTool::Add {
            let current = if ids.contains(&layouts.add_category.as_str()) {
                layouts.add_category.clone()
            } else {
                ids.first().map(|c| c.to_string()).unwrap_or_default()
            };
            if current != layouts.add_category {
                push(actions, LayoutAction::SetAddCategory(current.clone()));
            }
            ui.horizontal(|ui| {
                let label = ui.label(lang.pick("类别：", "Category:"));
                egui::ComboBox::from_id_salt("add_category")
                    .selected_text(profile.category_name(&current, zh))
                    .show_ui(ui, |ui| {
                        for c in &ids {
                            if ui
                                .selectable_label(*c == current, profile.category_name(c, zh))
                                .clicked()
                            {
                                push(actions, LayoutAction::SetAddCategory(c.to_string()));
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
            ui.weak(lang.pick("点击地图添加设施。", "Click the map to add a facility."));
        }
        if layouts.active.is_none() && layouts.tool != EditTool::Select {
            ui.weak(lang.pick(
                "基准不会被修改：第一次编辑会新建一个方案。",
                "The baseline stays as loaded: the first edit makes a new layout.",
            ));
        }
        // The selected facility: change its category or delete it.
        if let Some(i) = input.selected_facility
            && let (Some(id), Some(f)) = (
                layouts.ids.get(i as usize),
                input.study.layers.facilities.get(i as usize),
            )
        {
            ui.horizontal_wrapped(|ui| {
                let name = if f.name.is_empty() {
                    format!("#{}", id.0)
                } else {
                    format!("#{} {}", id.0, f.name)
                };
                ui.label(format!("{}{name}", lang.pick("所选设施：", "Selected: ")));
                let label = ui.label(lang.pick("改为类别：", "Category:"));
                egui::ComboBox::from_id_salt("selected_category")
                    .selected_text(profile.category_name(&f.category, zh))
                    .show_ui(ui, |ui| {
                        for c in &ids {
                            if ui
                                .selectable_label(*c == f.category, profile.category_name(c, zh))
                                .clicked()
                                && *c != f.category
                            {
                                push(
                                    actions,
                                    LayoutAction::Edit(EditRequest::SetCategory {
                                        id: *id,
                                        category: c.to_string(),
                                    }),
                                );
                            }
                        }
                    })
                    .response
                    .labelled_by(label.id);
                if ui
                    .button(lang.pick("删除设施", "Delete facility"))
                    .clicked()
                {
                    push(actions, LayoutAction::Edit(EditRequest::Delete { id: *id }));
                }
            });
        }
        let edits = layouts.active_edits();
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    layouts.can_undo(),
                    egui::Button::new(lang.pick("撤销", "Undo")),
                )
                .on_hover_text("Ctrl+Z")
                .clicked()
            {
                push(actions, LayoutAction::Undo);
            }
            if ui
                .add_enabled(
                    layouts.can_redo(),
                    egui::Button::new(lang.pick("重做", "Redo")),
                )
                .on_hover_text("Ctrl+Y")
                .clicked()
            {
                push(actions, LayoutAction::Redo);
            }
            if let Some(s) = layouts.last_edit_seconds {
                ui.weak(format!("{:.1} ms", s * 1000.0));
            }
        });
        if !edits.is_empty() {
            egui::CollapsingHeader::new(format!(
                "{} ({})",
                lang.pick("修改列表", "Edits"),
                edits.len()
            ))
            .default_open(true)
            .show(ui, |ui| {
                for (i, e) in edits.iter().enumerate() {
                    ui.label(format!("{}. {}", i + 1, describe_edit(e, profile, lang)));
                }
            });
        }
        let changes = super::scenario_panel::describe(&layouts.scenario_of(layouts.active), lang);
        if !changes.is_empty() {
            egui::CollapsingHeader::new(format!(
                "{} ({})",
                lang.pick("道路与人口变更", "Road and population changes"),
                changes.len()
            ))
            .default_open(true)
            .show(ui, |ui| {
                for (i, c) in changes.iter().enumerate() {
                    ui.label(format!("{}. {c}", i + 1));
                }
            });
        }

        self.compare_ui(ui, input, actions);
        self.suggest_ui(ui, input, actions);
        self.redundancy_ui(ui, input, actions);
    }

    fn layout_combo(
        ui: &mut egui::Ui,
        id: &str,
        label: egui::Id,
        layouts: &Layouts,
        lang: Lang,
        value: &mut Option<usize>,
    ) {
        egui::ComboBox::from_id_salt(id)
            .selected_text(layouts.name(*value, lang))
            .width(130.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(value, None, layouts.name(None, lang));
                for i in 0..layouts.layouts.len() {
                    ui.selectable_value(value, Some(i), layouts.name(Some(i), lang));
                }
            })
            .response
            .labelled_by(label);
    }

    fn compare_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &LayoutsInputs<'_>,
        actions: &mut Vec<Action>,
    ) {
        let lang = input.lang;
        let layouts = input.layouts;
        ui.separator();
        ui.strong(lang.pick("方案对比", "Compare layouts"));
        for v in &mut self.compare {
            if v.is_some_and(|i| i >= layouts.layouts.len()) {
                *v = None;
            }
        }
        if self.compare == [None, None] && layouts.active.is_some() {
            self.compare[1] = layouts.active;
        }
        ui.horizontal(|ui| {
            let a = ui.label("A");
            Self::layout_combo(ui, "compare_a", a.id, layouts, lang, &mut self.compare[0]);
            let b = ui.label("B");
            Self::layout_combo(ui, "compare_b", b.id, layouts, lang, &mut self.compare[1]);
        });
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    !layouts.is_busy(),
                    egui::Button::new(lang.pick("对比", "Compare")),
                )
                .clicked()
            {
                push(
                    actions,
                    LayoutAction::Compare(self.compare[0], self.compare[1]),
                );
            }
            if layouts.comparison.is_some()
                && ui
                    .button(lang.pick("关闭对比", "Close comparison"))
                    .clicked()
            {
                push(actions, LayoutAction::CloseComparison);
            }
        });
        if layouts.comparison.is_some() {
            ui.weak(lang.pick(
                "对比表见右侧；地图上绿色为新增覆盖，红色为不再覆盖。",
                "The table is on the right; on the map green is newly covered, red lost.",
            ));
        }
    }

    fn suggest_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &LayoutsInputs<'_>,
        actions: &mut Vec<Action>,
    ) {
        let lang = input.lang;
        let zh = lang.is_chinese();
        let layouts = input.layouts;
        let profile = &input.study.profile;
        ui.separator();
        ui.strong(lang.pick("建议选址", "Suggest sites"));
        let Some(tier) = profile.tiers.get(input.tier) else {
            return;
        };
        ui.label(format!(
            "{}{}",
            lang.pick("生活圈：", "Life circle: "),
            tier.display_name(zh)
        ));
        if self
            .suggest_category
            .as_ref()
            .is_some_and(|c| !tier.all_categories().any(|x| x == c))
        {
            self.suggest_category = None;
        }
        ui.horizontal(|ui| {
            let label = ui.label(lang.pick("类别：", "Category:"));
            let all = lang.pick("全部必需类别", "All required categories");
            egui::ComboBox::from_id_salt("suggest_category")
                .selected_text(
                    self.suggest_category
                        .as_deref()
                        .map_or(all, |c| profile.category_name(c, zh)),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.suggest_category, None, all);
                    for c in tier.all_categories() {
                        ui.selectable_value(
                            &mut self.suggest_category,
                            Some(c.to_string()),
                            profile.category_name(c, zh),
                        );
                    }
                })
                .response
                .labelled_by(label.id);
        });
        // One site per required category by default, so that people can
        // become complete.
        let default_k = match &self.suggest_category {
            Some(_) => 3,
            None => tier.categories.len().clamp(1, 20),
        };
        let mut k = self.suggest_k.unwrap_or(default_k);
        ui.horizontal(|ui| {
            let label = ui.label(lang.pick("数量：", "Sites:"));
            if ui
                .add(egui::DragValue::new(&mut k).range(1..=20))
                .labelled_by(label.id)
                .changed()
            {
                self.suggest_k = Some(k);
            }
        });
        let townships = &input.study.layers.townships;
        if self
            .suggest_township
            .is_some_and(|t| t as usize >= townships.len())
        {
            self.suggest_township = None;
        }
        ui.horizontal(|ui| {
            let label = ui.label(lang.pick("范围：", "Within:"));
            let whole = lang.pick("全区", "Whole district");
            egui::ComboBox::from_id_salt("suggest_township")
                .selected_text(
                    self.suggest_township
                        .and_then(|t| townships.get(t as usize))
                        .map_or(whole, |t| t.name.as_str()),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.suggest_township, None, whole);
                    for (i, t) in townships.iter().enumerate() {
                        ui.selectable_value(&mut self.suggest_township, Some(i as u32), &t.name);
                    }
                })
                .response
                .labelled_by(label.id);
        });
        ui.checkbox(
            &mut self.suggest_joint,
            lang.pick("共建（服务两个及以上乡镇）", "Joint (serving two or more townships)"),
        )
        .on_hover_text(lang.pick(
            "只计新增覆盖人口分布在两个及以上乡镇的选址，并列出各乡镇的新增人数，便于分摊建设费用。",
            "Count a site only when the people it newly covers live in two or more townships; each site lists the gain per township, so the towns can share its cost.",
        ));
        if ui
            .add_enabled(
                !layouts.is_busy() && input.results.is_some(),
                egui::Button::new(lang.pick("计算建议选址", "Suggest")),
            )
            .clicked()
        {
            push(
                actions,
                LayoutAction::Suggest {
                    tier: input.tier,
                    category: self.suggest_category.clone(),
                    k,
                    township: self.suggest_township,
                    joint: self.suggest_joint,
                },
            );
        }
        if let Some(view) = &layouts.suggestions {
            if view.sites.is_empty() && view.joint {
                ui.weak(lang.pick(
                    "没有能同时新增覆盖两个及以上乡镇居民的选址。",
                    "No site newly covers people of two or more townships.",
                ));
            } else if view.sites.is_empty() {
                ui.weak(lang.pick("没有能增加覆盖的选址。", "No site would cover anybody new."));
            } else {
                egui::ScrollArea::horizontal()
                    .id_salt("suggestions_scroll")
                    .show(ui, |ui| {
                        egui::Grid::new("suggestions").striped(true).show(ui, |ui| {
                            ui.strong("#");
                            ui.strong(lang.pick("类别", "Category"));
                            ui.strong(lang.pick("新增覆盖人数", "People gained"));
                            ui.strong(lang.pick("乡镇", "Township"));
                            if view.joint {
                                ui.strong(lang.pick("各乡镇新增", "Gain by township"));
                            }
                            ui.end_row();
                            for s in &view.sites {
                                ui.label(s.rank.to_string());
                                ui.label(profile.category_name(&s.category, zh));
                                ui.label(lang.count(s.gained));
                                ui.label(
                                    s.township
                                        .and_then(|t| townships.get(t as usize))
                                        .map_or("–", |t| t.name.as_str()),
                                );
                                if view.joint {
                                    let parts: Vec<String> = s
                                        .gain_by_township
                                        .iter()
                                        .map(|(t, g)| {
                                            let name = townships
                                                .get(*t as usize)
                                                .map_or("–", |t| t.name.as_str());
                                            format!("{name} +{}", lang.count(*g))
                                        })
                                        .collect();
                                    ui.label(parts.join(lang.pick("，", ", ")));
                                }
                                ui.end_row();
                            }
                        });
                    });
                ui.horizontal(|ui| {
                    if ui
                        .button(lang.pick("生成新方案", "Make a new layout"))
                        .clicked()
                    {
                        push(actions, LayoutAction::AdoptSuggestions);
                    }
                    if ui.button(lang.pick("清除", "Clear")).clicked() {
                        push(actions, LayoutAction::ClearSuggestions);
                    }
                });
            }
        }
    }

    fn redundancy_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &LayoutsInputs<'_>,
        actions: &mut Vec<Action>,
    ) {
        let lang = input.lang;
        let zh = lang.is_chinese();
        let layouts = input.layouts;
        let profile = &input.study.profile;
        ui.separator();
        ui.strong(lang.pick("不浪费：冗余设施", "Avoid waste: redundant facilities"));
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    !layouts.is_busy() && input.results.is_some(),
                    egui::Button::new(lang.pick("查找冗余设施", "Find redundant facilities")),
                )
                .clicked()
            {
                push(actions, LayoutAction::Redundancy);
            }
            if layouts.redundancy.is_some() && ui.button(lang.pick("清除", "Clear")).clicked() {
                push(actions, LayoutAction::ClearRedundancy);
            }
        });
        let Some((_, list)) = &layouts.redundancy else {
            return;
        };
        let redundant: Vec<_> = list.iter().filter(|r| r.redundant).collect();
        ui.label(format!(
            "{} {} {}",
            lang.pick("冗余设施", "Redundant facilities:"),
            redundant.len(),
            lang.pick("个（地图上以灰色圆圈标出）", "(grey rings on the map)")
        ));
        let table = layouts.table(layouts.active);
        const SHOWN: usize = 200;
        if list.len() > SHOWN {
            ui.weak(format!(
                "{} {SHOWN} {}",
                lang.pick("列出前", "Listing the first"),
                lang.pick("个", "")
            ));
        }
        egui::ScrollArea::both()
            .id_salt("redundancy_scroll")
            .max_height(320.0)
            .show(ui, |ui| {
                egui::Grid::new("redundancy").striped(true).show(ui, |ui| {
                    ui.strong("#");
                    ui.strong(lang.pick("设施", "Facility"));
                    for t in &profile.tiers {
                        ui.strong(lang.minutes(t.minutes))
                            .on_hover_text(t.display_name(zh));
                    }
                    ui.end_row();
                    let mut rows: Vec<_> = list.iter().collect();
                    rows.sort_by(|a, b| {
                        let sa: f64 = a.people_losing.iter().sum();
                        let sb: f64 = b.people_losing.iter().sum();
                        sa.total_cmp(&sb)
                    });
                    for r in rows.into_iter().take(SHOWN) {
                        let f = table.get(r.id.0 as usize).and_then(Option::as_ref);
                        ui.label(format!("#{}", r.id.0));
                        ui.label(f.map_or(String::new(), |f| {
                            let name = if f.name.is_empty() {
                                profile.category_name(&f.category, zh).to_string()
                            } else {
                                f.name.clone()
                            };
                            if r.redundant {
                                format!("{name} ({})", lang.pick("冗余", "redundant"))
                            } else {
                                name
                            }
                        }));
                        for p in &r.people_losing {
                            ui.label(lang.count(*p));
                        }
                        ui.end_row();
                    }
                });
            });
        ui.weak(lang.pick(
            "各列为去掉该设施后失去覆盖的人数，最少的在前。",
            "Columns: people who would lose coverage without the facility, fewest first.",
        ));
    }
}

/// Ctrl+Z / Ctrl+Y (and Ctrl+Shift+Z) when no text field has focus.
pub fn undo_redo_keys(ctx: &egui::Context, actions: &mut Vec<Action>) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    ctx.input_mut(|i| {
        let redo_shift = egui::KeyboardShortcut::new(
            egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
            egui::Key::Z,
        );
        if i.consume_shortcut(&redo_shift)
            || i.consume_shortcut(&egui::KeyboardShortcut::new(
                egui::Modifiers::COMMAND,
                egui::Key::Y,
            ))
        {
            push(actions, LayoutAction::Redo);
        } else if i.consume_shortcut(&egui::KeyboardShortcut::new(
            egui::Modifiers::COMMAND,
            egui::Key::Z,
        )) {
            push(actions, LayoutAction::Undo);
        }
    });
}
