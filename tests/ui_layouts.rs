//! Alternative layouts on the demo district, driven through egui_kittest:
//! editing on the map with undo/redo, comparing with the baseline, site
//! suggestions, and saving and opening a project (the real app, jobs run
//! inline, file dialogs scripted).

mod common;

use eframe::egui;
use egui::accesskit::Role;
use egui::{Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use lifecircle::app::LifeCircleApp;
use lifecircle::model::Edit;
use lifecircle::state::Action;
use lifecircle::state::files::ScriptedDialogs;
use lifecircle::state::layouts::{EditRequest, LayoutAction};
use lifecircle::state::project_file::ProjectAction;
use std::path::PathBuf;

fn demo_harness() -> Harness<'static, LifeCircleApp> {
    let harness = common::demo_harness();
    assert!(
        harness.state().layouts().live.is_some(),
        "no live assessment"
    );
    harness
}

fn act(harness: &mut Harness<'static, LifeCircleApp>, action: Action) {
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(action, &ctx);
    harness.run_ok();
}

fn open_layouts_tab(harness: &mut Harness<'static, LifeCircleApp>) {
    harness.get_by_label("布局方案").click();
    harness.run_ok();
}

/// District complete share of tier `t` in the results shown.
fn complete_share(app: &LifeCircleApp, t: usize) -> f64 {
    app.results().unwrap().assessment.report.total.tiers[t].complete_share
}

/// Covered demand of tier `t`'s required categories, summed over the
/// townships.
fn covered_sum(app: &LifeCircleApp, t: usize) -> f64 {
    let r = app.results().unwrap();
    let tier = &r.profile.tiers[t];
    r.assessment
        .report
        .townships
        .iter()
        .flat_map(|town| &town.figures.tiers[t].categories)
        .filter(|c| tier.categories.contains(&c.id))
        .map(|c| c.covered_population)
        .sum()
}

/// A resident of tier `t` that misses exactly one required category, with
/// that category: adding it at the resident's place makes it complete.
fn one_short(app: &LifeCircleApp, t: usize) -> (u32, String, [f64; 2]) {
    let r = app.results().unwrap();
    let tier = &r.profile.tiers[t];
    let columns: Vec<(&str, &[f32])> = tier
        .categories
        .iter()
        .map(|c| (c.as_str(), r.assessment.minutes_for(tier, c).unwrap()))
        .collect();
    let limit = tier.minutes as f32;
    for (i, d) in r.assessment.demand.iter().enumerate() {
        let missing: Vec<&str> = columns
            .iter()
            .filter(|(_, m)| m[i].is_nan() || m[i] > limit)
            .map(|(c, _)| *c)
            .collect();
        if missing.len() == 1 && d.population > 0.0 {
            return (
                i as u32,
                missing[0].to_string(),
                [d.location.x(), d.location.y()],
            );
        }
    }
    panic!("no resident misses exactly one category");
}

/// A click at `p` (press and release without moving).
fn click_at(harness: &mut Harness<'static, LifeCircleApp>, p: Pos2) {
    harness.hover_at(p);
    harness.run_ok();
    harness.drag_at(p);
    harness.run_ok();
    harness.drop_at(p);
    harness.run_ok();
}

#[test]
fn a_planner_adds_two_facilities_undoes_one_and_compares_with_the_baseline() {
    let mut harness = demo_harness();
    let baseline_share = complete_share(harness.state(), 0);
    let (resident, category, lonlat) = one_short(harness.state(), 0);
    open_layouts_tab(&mut harness);
    harness.get_by_label("添加设施").click();
    harness.run_ok();
    act(
        &mut harness,
        Action::Layout(LayoutAction::SetAddCategory(category.clone())),
    );

    // Two clicks on the map: at the resident, then near the map's centre.
    let t = *harness.state().map().transform().unwrap();
    let first = t.to_screen(lonlat[0], lonlat[1]);
    let second = t.rect().center() + egui::vec2(40.0, 30.0);
    click_at(&mut harness, first);
    click_at(&mut harness, second);

    let app = harness.state();
    let layouts = app.layouts();
    assert_eq!(layouts.active, Some(0), "the first edit makes a layout");
    let edits = layouts.active_edits();
    assert_eq!(edits.len(), 2, "{edits:?}");
    for (edit, p) in edits.iter().zip([first, second]) {
        let Edit::Add { facility, .. } = edit else {
            panic!("{edit:?}")
        };
        assert_eq!(facility.category, category);
        let [lon, lat] = t.to_world(p);
        assert!((facility.location.x() - lon).abs() < 1e-6);
        assert!((facility.location.y() - lat).abs() < 1e-6);
    }
    let with_two = complete_share(app, 0);
    assert!(with_two > baseline_share, "{with_two} ≤ {baseline_share}");
    // The list of edits shows both.
    harness.get_by_label_contains("1. 添加");
    harness.get_by_label_contains("2. 添加");

    // Undo the second.
    harness.key_press_modifiers(Modifiers::COMMAND, egui::Key::Z);
    harness.run_ok();
    assert_eq!(harness.state().layouts().active_edits().len(), 1);
    assert_eq!(harness.state().layouts().redo.len(), 1);

    // Compare with the baseline: A = baseline, B = the layout shown.
    harness.get_by_label("对比").click();
    harness.run_ok();
    let app = harness.state();
    let view = app.layouts().comparison.as_ref().expect("no comparison");
    assert_eq!((view.a, view.b), (None, Some(0)));
    let tier = &view.comparison.total.tiers[0];
    assert!(tier.delta_pp > 0.0, "{tier:?}");
    assert!(tier.newly_complete > 0.0);
    let cat = tier.categories.iter().find(|c| c.id == category).unwrap();
    assert!(
        cat.newly_covered > 0.0 && cat.no_longer_covered == 0.0,
        "{cat:?}"
    );
    assert!(
        view.comparison
            .changes
            .iter()
            .any(|c| c.resident == resident && c.tier == 0 && c.gained),
        "the resident is not on the difference map"
    );
    // The table: district totals and a row per township.
    harness.get_by_label_contains("A = 基准");
    harness.get_by_label_contains("差值为 B − A");
    assert!(harness.query_all_by_label("新增覆盖").count() >= 1);
    assert!(harness.query_all_by_label("航埠镇").count() >= 2);
}

#[test]
fn undo_and_redo_restore_the_figures() {
    let mut harness = demo_harness();
    let before = complete_share(harness.state(), 0);
    let (_, category, lonlat) = one_short(harness.state(), 0);
    open_layouts_tab(&mut harness);
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Add { category, lonlat })),
    );
    let after = complete_share(harness.state(), 0);
    assert!(after > before);
    // A delete of a baseline facility, then undo both by button and key.
    let id = harness.state().layouts().ids[0];
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Delete { id })),
    );
    assert_eq!(harness.state().layouts().active_edits().len(), 2);
    harness.get_by_label("撤销").click();
    harness.run_ok();
    assert_eq!(complete_share(harness.state(), 0), after);
    harness.key_press_modifiers(Modifiers::COMMAND, egui::Key::Z);
    harness.run_ok();
    assert_eq!(complete_share(harness.state(), 0), before);
    assert!(harness.state().layouts().active_edits().is_empty());
    // Redo by key, then by button.
    harness.key_press_modifiers(Modifiers::COMMAND, egui::Key::Y);
    harness.run_ok();
    assert_eq!(complete_share(harness.state(), 0), after);
    harness.get_by_label("重做").click();
    harness.run_ok();
    assert_eq!(harness.state().layouts().active_edits().len(), 2);
    assert!(harness.state().layouts().redo.is_empty());
    // The map shows the layout's facilities.
    let app = harness.state();
    assert_eq!(
        app.study().layers.facilities.len(),
        app.layouts().baseline.len()
    );
}

#[test]
fn suggested_sites_become_a_layout_that_covers_more_people() {
    let mut harness = demo_harness();
    let before = covered_sum(harness.state(), 0);
    let (_, category, _) = one_short(harness.state(), 0);
    let name = harness
        .state()
        .study()
        .profile
        .category_name(&category, true)
        .to_string();
    open_layouts_tab(&mut harness);
    // The button: three sites for one category, chosen in the combo.
    harness
        .get_by_role_and_label(Role::ComboBox, "类别：")
        .click();
    harness.run_ok();
    // The combo's item, a toggle (the name may show on other buttons too).
    harness
        .query_all_by_role_and_label(Role::Button, &name)
        .find(|n| n.accesskit_node().toggled().is_some())
        .expect("the category in the combo")
        .click();
    harness.run_ok();
    harness.get_by_label("计算建议选址").click();
    harness.run_ok();
    let sites = &harness
        .state()
        .layouts()
        .suggestions
        .as_ref()
        .unwrap()
        .sites;
    assert!(!sites.is_empty() && sites.len() <= 3);
    assert!(
        sites
            .iter()
            .all(|s| s.gained > 0.0 && s.category == category)
    );
    harness.get_by_label("新增覆盖人数");
    // Every required category of the tier, twelve sites.
    act(
        &mut harness,
        Action::Layout(LayoutAction::Suggest {
            tier: 0,
            category: None,
            k: 12,
            township: None,
            joint: false,
        }),
    );
    let sites = &harness
        .state()
        .layouts()
        .suggestions
        .as_ref()
        .unwrap()
        .sites;
    assert!(!sites.is_empty());
    assert!(sites.windows(2).all(|w| w[0].rank < w[1].rank));
    let n = sites.len();
    harness.get_by_label("生成新方案").click();
    harness.run_ok();
    let app = harness.state();
    assert_eq!(app.layouts().layouts.len(), 1);
    assert_eq!(app.layouts().active, Some(0));
    assert_eq!(app.layouts().active_edits().len(), n);
    // What the suggestions maximise: people (of each category's demand
    // group) newly covered, summed over the tier's required categories.
    let after = covered_sum(app, 0);
    assert!(after > before, "{after} ≤ {before}");
}

#[test]
fn redundant_facilities_are_listed() {
    let mut harness = demo_harness();
    open_layouts_tab(&mut harness);
    harness.get_by_label("查找冗余设施").click();
    harness.run_ok();
    let app = harness.state();
    let (_, list) = app.layouts().redundancy.as_ref().unwrap();
    assert_eq!(list.len(), app.layouts().baseline.len());
    assert!(
        app.layouts().live.is_some(),
        "the live assessment came back"
    );
    harness.get_by_label_contains("灰色圆圈");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn saving_then_opening_a_project_round_trips_the_layouts() {
    let dir = temp_dir("ui-project");
    let mut harness = demo_harness();
    let (_, category, lonlat) = one_short(harness.state(), 0);
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Add { category, lonlat })),
    );
    act(&mut harness, Action::Layout(LayoutAction::New));
    act(
        &mut harness,
        Action::Layout(LayoutAction::Rename(1, "北区方案".into())),
    );
    let id = harness.state().layouts().ids[3];
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Delete { id })),
    );
    let share = complete_share(harness.state(), 0);
    assert!(harness.state().is_dirty());

    // File ▸ Save project asks for a file (none yet) and adds the extension.
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(dir.join("plan"))])));
    harness.get_by_label("文件").click();
    harness.run_ok();
    harness.get_by_label("保存项目").click();
    harness.run_ok();
    let path = dir.join("plan.lifecircle.json");
    assert!(path.is_file(), "{:?}", harness.state().message());
    assert!(!harness.state().is_dirty());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains(&*dir.to_string_lossy()),
        "paths are relative"
    );
    let saved = harness.state().layouts().layouts.clone();

    // A fresh app opens it: layouts, active layout and figures come back.
    let mut other = demo_harness();
    other
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(path.clone())])));
    act(&mut other, Action::Project(ProjectAction::Open));
    let app = other.state();
    assert_eq!(app.layouts().layouts, saved);
    assert_eq!(app.layouts().active, Some(1));
    assert_eq!(app.project_state().path.as_deref(), Some(path.as_path()));
    assert_eq!(complete_share(app, 0), share);
    assert!(!app.is_dirty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_autosaved_copy_is_offered_and_restored() {
    let dir = temp_dir("ui-recovery");
    let mut harness = demo_harness();
    harness.state_mut().use_data_dir(dir.clone());
    let (_, category, lonlat) = one_short(harness.state(), 0);
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Add { category, lonlat })),
    );
    let copy = harness.state_mut().autosave_now().unwrap();
    assert!(copy.starts_with(&dir));
    let saved = harness.state().layouts().layouts.clone();

    // Next start: the copy is offered; restore brings the layout back.
    let mut next = demo_harness();
    next.state_mut().use_data_dir(dir.clone());
    next.run_ok();
    next.get_by_label("恢复未保存的工作");
    next.get_by_label("恢复").click();
    next.run_ok();
    let app = next.state();
    assert_eq!(app.layouts().layouts, saved);
    assert!(app.is_dirty(), "a restored copy is not saved yet");
    assert!(app.project_state().path.is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn closing_with_unsaved_changes_asks_first() {
    let mut harness = demo_harness();
    let (_, category, lonlat) = one_short(harness.state(), 0);
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Add { category, lonlat })),
    );
    harness
        .input_mut()
        .viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .events
        .push(egui::ViewportEvent::Close);
    harness.run_ok();
    harness.get_by_label("有未保存的更改");
    harness.get_by_label("取消").click();
    harness.run_ok();
    assert!(harness.query_by_label("有未保存的更改").is_none());
}

#[test]
fn a_facilities_file_is_a_whole_alternative_layout_and_is_saved() {
    let dir = temp_dir("ui-file-layout");
    // The demo's facilities without the first 100: a whole alternative.
    let text = std::fs::read_to_string(lifecircle::io::demo_layer_paths().facilities).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let features = json["features"].as_array_mut().unwrap();
    let total = features.len();
    features.drain(..100);
    let file = dir.join("fewer-facilities.geojson");
    std::fs::write(&file, json.to_string()).unwrap();

    let mut harness = demo_harness();
    let before = complete_share(harness.state(), 0);
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([
            Some(file.clone()),
            Some(dir.join("alt.lifecircle.json")),
        ])));
    open_layouts_tab(&mut harness);
    harness.get_by_label("从设施文件新建方案…").click();
    harness.run_ok();
    let app = harness.state();
    assert_eq!(app.layouts().active, Some(0));
    let layout = &app.layouts().layouts[0];
    assert_eq!(layout.name, "fewer-facilities");
    assert!(layout.facilities_file.is_some());
    assert_eq!(app.study().layers.facilities.len(), total - 100);
    assert_eq!(app.layouts().baseline.len(), total);
    let after = complete_share(app, 0);
    assert!(after < before, "{after} ≥ {before}");
    // Edits on top of the file, then save and open again.
    let id = harness.state().layouts().ids[0];
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Delete { id })),
    );
    let edited = complete_share(harness.state(), 0);
    act(&mut harness, Action::Project(ProjectAction::SaveAs));
    let path = dir.join("alt.lifecircle.json");
    assert!(path.is_file(), "{:?}", harness.state().message());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"facilities_file\": \"fewer-facilities.geojson\""),
        "{text}"
    );

    let mut other = demo_harness();
    act(&mut other, Action::Project(ProjectAction::OpenPath(path)));
    let app = other.state();
    assert_eq!(app.layouts().active, Some(0));
    assert_eq!(app.study().layers.facilities.len(), total - 101);
    assert_eq!(complete_share(app, 0), edited);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn edits_of_big_studies_run_as_jobs_with_the_same_result() {
    let mut inline = demo_harness();
    let (_, category, lonlat) = one_short(inline.state(), 0);
    let request = Action::Layout(LayoutAction::Edit(EditRequest::Add { category, lonlat }));
    act(&mut inline, request.clone());
    let mut as_job = demo_harness();
    as_job.state_mut().set_inline_edit_limit(0);
    act(&mut as_job, request);
    let (a, b) = (inline.state(), as_job.state());
    assert!(b.layouts().job.is_none(), "the job was taken");
    assert_eq!(b.layouts().active_edits(), a.layouts().active_edits());
    assert_eq!(complete_share(b, 0), complete_share(a, 0));
    // Undo runs as a job too.
    act(&mut as_job, Action::Layout(LayoutAction::Undo));
    assert!(as_job.state().layouts().active_edits().is_empty());
    assert_eq!(as_job.state().layouts().redo.len(), 1);
}
