//! Town areas (镇区范围, issue 15) in the app: a layer loaded like the Data
//! tab does is listed in the map legend (and drawn; the fill itself is
//! tested in `ui::map_layers`), saved in the project file relative to it,
//! read back when the project opens, and cleared; a project saved before
//! town areas were kept still opens, without any.

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lifecircle::app::LifeCircleApp;
use lifecircle::state::Action;
use lifecircle::state::files::ScriptedDialogs;
use lifecircle::state::project_file::ProjectAction;

fn act(harness: &mut Harness<'static, LifeCircleApp>, action: Action) {
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(action, &ctx);
    harness.run_ok();
}

/// A town area around the middle of the demo's residents, with a hole.
fn town_areas_file(dir: &std::path::Path) -> std::path::PathBuf {
    let app = common::demo_harness();
    let residents = app.state().study().layers.residents.clone().unwrap();
    let n = residents.len() as f64;
    let (x, y) = residents.iter().fold((0.0, 0.0), |(x, y), r| {
        (x + r.location.x() / n, y + r.location.y() / n)
    });
    let ring = |d: f64| {
        format!(
            "[[{},{}],[{},{}],[{},{}],[{},{}],[{},{}]]",
            x - d,
            y - d,
            x + d,
            y - d,
            x + d,
            y + d,
            x - d,
            y + d,
            x - d,
            y - d
        )
    };
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"name":"镇区"}},"geometry":{{"type":"Polygon","coordinates":[{},{}]}}}}]}}"#,
        ring(0.02),
        ring(0.005)
    );
    let path = dir.join("areas.geojson");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn town_areas_are_drawn_saved_in_the_project_and_read_back() {
    let dir = std::env::temp_dir().join(format!("lifecircle-town-areas-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let areas = town_areas_file(&dir);

    let mut harness = common::demo_harness();
    assert!(harness.state().study().town_areas.is_none());
    assert!(harness.query_by_label("镇区范围").is_none());
    act(&mut harness, Action::LoadTownAreasFrom(areas.clone()));
    let app = harness.state();
    let (name, polygons) = app.study().town_areas.clone().expect("not loaded");
    assert_eq!(name, "areas.geojson");
    assert_eq!(polygons.len(), 1);
    assert_eq!(polygons[0].0[0].interiors().len(), 1);
    assert!(app.is_dirty(), "a new town-area layer is an unsaved change");
    // The legend lists the layer with its switch (on by default).
    harness.get_by_label("镇区范围");
    assert!(harness.state().settings().map.town_areas);

    let file = dir.join("study.lifecircle.json");
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(file.clone())])));
    act(&mut harness, Action::Project(ProjectAction::SaveAs));
    assert!(file.is_file(), "{:?}", harness.state().message());
    assert!(!harness.state().is_dirty());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("\"town_areas\": \"areas.geojson\""), "{text}");

    // Another window opens the project: the town areas come back.
    let mut other = common::demo_harness();
    act(
        &mut other,
        Action::Project(ProjectAction::OpenPath(file.clone())),
    );
    let app = other.state();
    assert!(
        app.message().is_none_or(|m| !m.is_error()),
        "{:?}",
        app.message()
    );
    let (_, back) = app.study().town_areas.clone().expect("not read back");
    assert_eq!(*back, *polygons);
    assert!(!app.is_dirty(), "opening is no change");
    other.get_by_label("镇区范围");

    // A project saved before town areas were kept opens without them,
    // replacing those on screen.
    let old = dir.join("old.lifecircle.json");
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["layers"]
        .as_object_mut()
        .unwrap()
        .remove("town_areas")
        .unwrap();
    let without = serde_json::to_string_pretty(&json).unwrap();
    std::fs::write(&old, &without).unwrap();
    act(&mut other, Action::Project(ProjectAction::OpenPath(old)));
    let app = other.state();
    assert!(
        app.message().is_none_or(|m| !m.is_error()),
        "{:?}",
        app.message()
    );
    assert!(app.results().is_some());
    assert!(app.study().town_areas.is_none());
    assert!(other.query_by_label("镇区范围").is_none());

    // Clearing them is an unsaved change, and a save drops them.
    act(&mut harness, Action::ClearTownAreas);
    assert!(harness.state().study().town_areas.is_none());
    assert!(harness.state().is_dirty());
    act(&mut harness, Action::Project(ProjectAction::Save));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains("town_areas"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}
