//! The project prompts: unsaved changes on closing, and the offer to
//! recover an autosaved copy after a crash. They report [`Action`]s.
//!
//! Layer: `ui` (draws `state`; never imports `app`).

use super::i18n::Lang;
use crate::state::project::file_name;
use crate::state::project_file::ProjectAction;
use crate::state::{Action, Workspace};
use eframe::egui;

/// Draw the prompts the workspace asks for.
pub fn show(ctx: &egui::Context, ws: &Workspace, actions: &mut Vec<Action>) {
    let lang: Lang = ws.settings.lang;
    if ws.project_file.closing {
        egui::Modal::new(egui::Id::unique("unsaved_changes")).show(ctx, |ui| {
            ui.heading(lang.pick("有未保存的更改", "Unsaved changes"));
            ui.label(lang.pick("关闭前是否保存项目？", "Save the project before closing?"));
            ui.horizontal(|ui| {
                if ui.button(lang.pick("保存", "Save")).clicked() {
                    actions.push(Action::Project(ProjectAction::CloseSave));
                }
                if ui.button(lang.pick("不保存", "Discard")).clicked() {
                    actions.push(Action::Project(ProjectAction::CloseDiscard));
                }
                if ui.button(lang.pick("取消", "Cancel")).clicked() {
                    actions.push(Action::Project(ProjectAction::CloseCancel));
                }
            });
        });
    }
    if let Some((copy, project)) = &ws.project_file.recovery_offer {
        egui::Modal::new(egui::Id::unique("recovery_offer")).show(ctx, |ui| {
            ui.heading(lang.pick("恢复未保存的工作", "Recover unsaved work"));
            let what = project
                .as_deref()
                .map(file_name)
                .unwrap_or_else(|| lang.pick("未保存的项目", "an unsaved project").to_string());
            ui.label(format!(
                "{}{what}{}",
                lang.pick(
                    "上次意外退出，找到自动保存的副本：",
                    "LifeCircle did not close normally; an autosaved copy of "
                ),
                lang.pick("。", " was found."),
            ));
            ui.weak(copy.display().to_string());
            ui.horizontal(|ui| {
                if ui.button(lang.pick("恢复", "Restore")).clicked() {
                    actions.push(Action::Project(ProjectAction::Restore));
                }
                if ui.button(lang.pick("放弃", "Discard")).clicked() {
                    actions.push(Action::Project(ProjectAction::DiscardRecovery));
                }
            });
        });
    }
}
