//! The window's menu bar and status bar: they draw the workspace's state and
//! report [`Action`]s.
//!
//! Layer: `ui` (draws `state`; never imports `app`).

use super::i18n::Lang;
use crate::state::files::Import;
use crate::state::project_file::ProjectAction;
use crate::state::{Action, Task, Workspace};
use eframe::egui;
use egui::{Color32, RichText};

/// The menu bar: file, view and language menus and the tier picker.
pub fn menu_bar(ui: &mut egui::Ui, ws: &Workspace, actions: &mut Vec<Action>) {
    let lang = ws.settings.lang;
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button(lang.pick("文件", "File"), |ui| {
            for (zh, en, a) in [
                ("打开项目…", "Open project…", ProjectAction::Open),
                ("保存项目", "Save project", ProjectAction::Save),
                ("项目另存为…", "Save project as…", ProjectAction::SaveAs),
            ] {
                if ui.button(lang.pick(zh, en)).clicked() {
                    actions.push(Action::Project(a));
                }
            }
            ui.separator();
            for what in Import::ALL {
                if ui
                    .button(format!(
                        "{}{}…",
                        lang.pick("导入", "Import "),
                        what.name(lang)
                    ))
                    .clicked()
                {
                    actions.push(Action::Import(what));
                }
            }
            ui.separator();
            if ui
                .button(lang.pick("载入示例数据", "Load the demo district"))
                .clicked()
            {
                actions.push(Action::LoadDemo);
            }
            if ui.button(lang.pick("重新评估", "Assess again")).clicked() {
                actions.push(Action::Reassess);
            }
            if ui
                .button(lang.pick("导出报告…", "Export report…"))
                .clicked()
            {
                actions.push(Action::OpenExport);
            }
            ui.separator();
            if ui.button(lang.pick("退出", "Quit")).clicked() {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
        ui.menu_button(lang.pick("视图", "View"), |ui| {
            if ui.button(lang.pick("缩放至全图", "Fit to data")).clicked() {
                actions.push(Action::FitMap);
            }
            let mut debug = ws.settings.show_debug;
            if ui
                .checkbox(
                    &mut debug,
                    lang.pick("显示帧时间（调试）", "Show frame time (debug)"),
                )
                .changed()
            {
                actions.push(Action::ToggleDebug);
            }
        });
        ui.menu_button(lang.pick("语言", "Language"), |ui| {
            for l in Lang::ALL {
                if ui.radio(lang == l, l.native_name()).clicked() {
                    actions.push(Action::SetLang(l));
                }
            }
        });
        ui.separator();
        let profile = ws
            .results
            .as_ref()
            .map_or(&ws.study.profile, |r| &r.profile);
        if !profile.tiers.is_empty() {
            let tier = ws.tier_index();
            let label = ui.label(lang.pick("生活圈：", "Life circle:"));
            let selected = profile
                .tiers
                .get(tier)
                .map(|t| describe_tier(t, lang))
                .unwrap_or_default();
            egui::ComboBox::from_id_salt("tier_select")
                .selected_text(selected)
                .width(260.0)
                .show_ui(ui, |ui| {
                    for (i, t) in profile.tiers.iter().enumerate() {
                        if ui
                            .selectable_label(i == tier, describe_tier(t, lang))
                            .clicked()
                        {
                            actions.push(Action::SelectTier(i));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
        }
    });
}

/// The status bar: the running job with its progress and a cancel button,
/// else the latest message, else a summary of the results.
pub fn status_bar(ui: &mut egui::Ui, ws: &Workspace, actions: &mut Vec<Action>) {
    let lang = ws.settings.lang;
    ui.horizontal(|ui| {
        let running = ws.running_job().map(|j| {
            let what = match j.task {
                Task::Load => lang.pick("正在载入", "Loading"),
                _ => lang.pick("正在评估", "Assessing"),
            };
            (what, j.fraction, j.phase, j.elapsed)
        });
        let is_running = running.is_some();
        if let Some((what, fraction, phase, elapsed)) = running {
            ui.spinner();
            ui.label(format!("{what}：{}", phase_name(&phase, lang)));
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(220.0)
                    .show_percentage(),
            );
            ui.weak(format!(
                "{:.1} {}",
                elapsed.as_secs_f32(),
                lang.pick("秒", "s")
            ));
            if ui.button(lang.pick("取消", "Cancel")).clicked() {
                actions.push(Action::Cancel);
            }
            ui.separator();
        }
        if let Some(m) = &ws.message {
            let color = if m.is_error() {
                Color32::from_rgb(190, 20, 20)
            } else {
                ui.visuals().text_color()
            };
            let text = m.text(lang);
            ui.add(egui::Label::new(RichText::new(&text).color(color)).truncate())
                .on_hover_text(&text);
            if ui
                .small_button("×")
                .on_hover_text(lang.pick("关闭消息", "Dismiss"))
                .clicked()
            {
                actions.push(Action::DismissMessage);
            }
        } else if !is_running && let Some(r) = &ws.results {
            ui.weak(format!(
                "{} · {} {} · {} {}",
                lang.pick("就绪", "Ready"),
                lang.count(r.assessment.report.townships.len() as f64),
                lang.pick("个乡镇", "townships"),
                lang.pick("评估用时", "assessed in"),
                super::results_panel::seconds(lang, r.seconds),
            ));
        }
    });
}

pub fn describe_tier(t: &crate::model::Tier, lang: Lang) -> String {
    format!(
        "{} · {}",
        t.display_name(lang.is_chinese()),
        lang.mode_name(t.mode)
    )
}

/// Engine and loader phase names in the user's language.
pub fn phase_name(phase: &str, lang: Lang) -> String {
    let known = match phase {
        "prepare" => lang.pick("准备", "preparing"),
        "build" => lang.pick("构建路网", "building the network"),
        "snap" => lang.pick("连接到道路", "attaching to roads"),
        "routes" => lang.pick("计算出行时间", "travel times"),
        "aggregate" => lang.pick("汇总", "summing up"),
        "done" => lang.pick("完成", "done"),
        "profile" => lang.pick("读取评估方案", "reading the profile"),
        "layers" => lang.pick("读取图层", "reading layers"),
        "map" => lang.pick("准备地图", "preparing the map"),
        _ => return phase.to_string(),
    };
    known.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_translated() {
        assert_eq!(phase_name("routes", Lang::Zh), "计算出行时间");
        assert_eq!(phase_name("routes", Lang::En), "travel times");
        assert_eq!(phase_name("roads.geojson", Lang::Zh), "roads.geojson");
    }
}
