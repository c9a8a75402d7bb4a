//! A project file whose layouts hold edits that do not fit (an id no
//! facility has, a position outside the study, an unknown category) opens
//! in the app without those edits, saying which and why (issue 14).

mod common;

use egui_kittest::Harness;
use lifecircle::app::LifeCircleApp;
use lifecircle::io;
use lifecircle::model::{LayerFiles, Layout, Project};
use lifecircle::state::project_file::ProjectAction;
use lifecircle::state::{Action, Message};
use serde_json::{Value, json};

fn act(harness: &mut Harness<'static, LifeCircleApp>, action: Action) {
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(action, &ctx);
    harness.run_ok();
}

#[test]
fn a_project_with_unfit_edits_opens_without_them() {
    let dir = std::env::temp_dir().join(format!("lifecircle-ui-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths = io::demo_layer_paths();
    let profile = io::load_profile(&io::demo_profile_path()).unwrap();
    let n = io::load_facilities(&paths.facilities, &profile.category_ids())
        .unwrap()
        .items
        .len();
    let mut project = Project::new(
        "bad",
        LayerFiles {
            townships: Some(paths.townships.clone()),
            facilities: Some(paths.facilities.clone()),
            residents: paths.residents.clone(),
            roads: paths.roads.clone(),
            town_areas: None,
        },
        profile,
    );
    project.layouts.push(Layout {
        name: "方案".into(),
        facilities_file: None,
        scenario: Default::default(),
        edits: vec![],
    });
    project.active_layout = Some(0);
    let path = dir.join("bad.lifecircle.json");
    io::save_project(&path, &project).unwrap();
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let f = |x: f64, y: f64| json!({"category": "kindergarten", "name": "x", "location": {"x": x, "y": y}});
    v["layouts"][0]["edits"] = json!([
        {"edit": "delete", "id": 0, "facility": f(0.0, 0.0)},
        {"edit": "add", "id": 4294967295u64, "facility": f(0.0, 0.0)},
        {"edit": "add", "id": n, "facility": f(1e308, -1e308)},
        {"edit": "set_category", "id": 1, "from": "a", "to": "casino"},
    ]);
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();

    let mut harness = common::demo_harness();
    act(
        &mut harness,
        Action::Project(ProjectAction::OpenPath(path.clone())),
    );
    let app = harness.state();
    let layouts = &app.layouts().layouts;
    assert_eq!(layouts.len(), 1);
    assert_eq!(layouts[0].edits.len(), 1, "only the delete fits");
    let Some(Message::ProjectFailed(text)) = app.message() else {
        panic!("no message: {:?}", app.message());
    };
    for part in [
        "bad.lifecircle.json",
        "layout \"方案\", edit 2:",
        "edit 3:",
        "edit 4:",
        "casino",
    ] {
        assert!(text.contains(part), "{part:?} missing in {text}");
    }
    // The figures are those of the layout with its one fitting edit.
    assert!(app.results().is_some());
    assert_eq!(app.study().layers.facilities.len(), n - 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_broken_project_file_is_named_and_the_study_stays() {
    let dir = std::env::temp_dir().join(format!("lifecircle-ui-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut harness = common::demo_harness();
    let before = harness.state().study().layers.facilities.len();
    for (name, text, says) in [
        ("list.lifecircle.json", "[]", "no \"format\""),
        ("cut.lifecircle.json", "{\"format\":", "not valid JSON"),
        (
            "twice.lifecircle.json",
            r#"{"format":"lifecircle-project","version":1,"name":"a","name":"b"}"#,
            "the key \"name\" appears twice",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        act(&mut harness, Action::Project(ProjectAction::OpenPath(path)));
        let app = harness.state();
        let Some(Message::ProjectFailed(text)) = app.message() else {
            panic!("{name}: no message: {:?}", app.message());
        };
        assert!(text.contains(name) && text.contains(says), "{text}");
        assert_eq!(app.study().layers.facilities.len(), before);
    }
    std::fs::remove_dir_all(&dir).ok();
}
