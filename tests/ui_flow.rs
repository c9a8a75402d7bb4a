//! The planner's workspace on the demo district, driven by label through
//! egui_kittest: the real app, the real loaders and engine, jobs run inline,
//! file dialogs scripted.

mod common;

use common::{TOWNSHIPS, demo_harness};
use eframe::egui;
use egui::accesskit::{Role, Toggled};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use lifecircle::app::LifeCircleApp;
use lifecircle::state::files::ScriptedDialogs;
use lifecircle::ui::i18n::Lang;

/// Every percentage shown in the results table and totals, in order.
fn shares(harness: &Harness<'_, LifeCircleApp>) -> Vec<String> {
    harness
        .root()
        .children_recursive()
        .map(|n| n.accesskit_node())
        .filter(|n| n.role() == Role::Label)
        .filter_map(|n| n.value().or_else(|| n.label()))
        .filter(|l| l.ends_with('%') && l.len() < 12)
        .collect()
}

#[test]
fn results_table_lists_the_nine_townships() {
    let harness = demo_harness();
    for name in TOWNSHIPS {
        harness.get_by_label(name);
    }
    harness.get_by_label("全区");
    let app = harness.state();
    let report = &app.results().unwrap().assessment.report;
    assert_eq!(report.townships.len(), 9);
    // One share per township and tier at least, plus the totals.
    assert!(shares(&harness).len() >= 10 * 3);
}

#[test]
fn the_blind_spot_layer_toggles() {
    let mut harness = demo_harness();
    let before = harness.state().settings().map.blind_spots;
    let checkbox = harness.get_by_role_and_label(Role::CheckBox, "盲区");
    assert_eq!(
        checkbox.accesskit_node().toggled(),
        Some(if before {
            Toggled::True
        } else {
            Toggled::False
        })
    );
    checkbox.click();
    harness.run_ok();
    assert_eq!(harness.state().settings().map.blind_spots, !before);
    let checkbox = harness.get_by_role_and_label(Role::CheckBox, "盲区");
    assert_eq!(
        checkbox.accesskit_node().toggled(),
        Some(if before {
            Toggled::False
        } else {
            Toggled::True
        })
    );
    checkbox.click();
    harness.run_ok();
    assert_eq!(harness.state().settings().map.blind_spots, before);
}

#[test]
fn switching_language_changes_the_labels() {
    let mut harness = demo_harness();
    harness.get_by_label("评估结果");
    harness.get_by_label("语言").click();
    harness.run_ok();
    harness.get_by_label("English").click();
    harness.run_ok();
    harness.get_by_label("Results");
    harness.get_by_label("Layers");
    harness.get_by_role_and_label(Role::CheckBox, "Blind spots");
    assert!(harness.query_by_label("评估结果").is_none());
    assert!(harness.query_by_label("图层").is_none());
    // Data (township names) stay as they are.
    harness.get_by_label("航埠镇");
    // And back.
    harness.get_by_label("Language").click();
    harness.run_ok();
    harness.get_by_label("中文").click();
    harness.run_ok();
    harness.get_by_label("评估结果");
}

#[test]
fn changing_a_tier_s_minutes_and_applying_changes_the_table() {
    let mut harness = demo_harness();
    let before = shares(&harness);
    harness.get_by_label("评估方案").click();
    harness.run_ok();
    let t5 = harness.state().study().profile.tiers[0].clone();
    let spin = harness.get_by_role_and_label(Role::SpinButton, t5.display_name(true));
    spin.set_value_accesskit(2.0);
    harness.run_ok();
    harness.get_by_label("应用并重新评估").click();
    harness.run_ok();
    let app = harness.state();
    assert_eq!(app.study().profile.tiers[0].minutes, 2.0);
    let results = app.results().unwrap();
    assert_eq!(results.profile.tiers[0].minutes, 2.0);
    let after = shares(&harness);
    assert_eq!(before.len(), after.len());
    assert_ne!(before, after, "the table did not change");
}

#[test]
fn importing_a_broken_file_shows_its_error_and_keeps_the_previous_data() {
    let dir = std::env::temp_dir().join(format!("lifecircle-ui-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("乡镇-broken.geojson");
    std::fs::write(
        &broken,
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","#,
    )
    .unwrap();

    let mut harness = demo_harness();
    let townships_before = harness.state().study().layers.townships.len();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(broken.clone())])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    harness.get_by_label("导入乡镇边界…").click();
    harness.run_ok();

    let app = harness.state();
    let message = app.message().expect("no error message");
    assert!(message.is_error());
    let text = message.text(app.settings().lang);
    assert!(text.contains("无法导入"), "{text}");
    assert!(text.contains("乡镇-broken.geojson"), "{text}");
    assert!(
        message
            .text(Lang::En)
            .starts_with("Could not import Townships")
    );
    harness.get_by_label_contains("无法导入");
    assert_eq!(app.study().layers.townships.len(), townships_before);
    for name in TOWNSHIPS {
        harness.get_by_label(name);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn choosing_a_township_row_zooms_the_map_to_it() {
    let mut harness = demo_harness();
    let before = *harness.state().map().transform().expect("no map view");
    harness.get_by_label("七里乡").click();
    harness.run_ok();
    let app = harness.state();
    let after = *app.map().transform().unwrap();
    assert!(
        after.points_per_degree() > before.points_per_degree(),
        "did not zoom in"
    );
    let i = app
        .study()
        .layers
        .townships
        .iter()
        .position(|t| t.name == "七里乡")
        .unwrap();
    let bounds = app.study().geometry.townships[i].bounds;
    let view = after.visible_bounds();
    let [lon, lat] = bounds.center();
    assert!(view.contains([lon, lat]));
    assert!(
        view.contains([bounds.min_lon, bounds.min_lat])
            && view.contains([bounds.max_lon, bounds.max_lat])
    );
}

#[test]
fn clicking_a_facility_shows_what_it_reaches() {
    let mut harness = demo_harness();
    let app = harness.state();
    let t = *app.map().transform().unwrap();
    let rect = t.rect().shrink(60.0);
    // A visible facility of a required 5-minute category, away from the map buttons.
    let tier = &app.study().profile.tiers[0];
    let (index, pos) = app
        .study()
        .layers
        .facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| tier.categories.contains(&f.category))
        .map(|(i, f)| (i, t.to_screen(f.location.x(), f.location.y())))
        .find(|(_, p)| rect.contains(*p))
        .expect("no facility on screen");
    harness.hover_at(pos);
    harness.run_ok();
    harness.get_by_label_contains("单击显示其可达范围");
    harness.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    harness.event(egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    harness.run_ok();
    let reach = harness
        .state()
        .reach()
        .expect("no reach after clicking a facility");
    assert_eq!(reach.facility as usize, index);
    assert!(!reach.segments.is_empty(), "the facility reaches no road");
}

#[test]
fn the_debug_overlay_reports_frame_times() {
    let mut harness = demo_harness();
    harness.get_by_label("视图").click();
    harness.run_ok();
    harness.get_by_label("显示帧时间（调试）").click();
    harness.run_ok();
    assert!(harness.state().settings().show_debug);
}

/// Mesh building at benchmark scale (1,000,000 residents, ~2,000,000 road
/// segments): run with `cargo test --release --test ui_flow -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark scale: slow in debug builds"]
fn map_layers_at_a_million_points() {
    use lifecircle::state::map_geometry::{DemandGeometry, MapGeometry, PointGrid};
    use lifecircle::ui::map_layers;
    use lifecircle::ui::map_transform::MapTransform;
    use std::time::Instant;

    let t0 = Instant::now();
    let layers = lifecircle::generate::synthetic_district(
        &lifecircle::generate::SyntheticParams::benchmark(),
    );
    let profile =
        lifecircle::model::Profile::from_json(lifecircle::generate::DEFAULT_PROFILE_JSON).unwrap();
    eprintln!("generate {:.1} s", t0.elapsed().as_secs_f32());
    let t0 = Instant::now();
    let geometry = MapGeometry::build(&layers, &profile);
    eprintln!(
        "geometry {:.1} s: {} road segments, {} facilities",
        t0.elapsed().as_secs_f32(),
        geometry.roads.segments,
        geometry.facilities.len()
    );
    let residents = layers.residents.as_deref().unwrap();
    let pos: Vec<[f32; 2]> = residents
        .iter()
        .map(|r| geometry.plane.project(r.location.x(), r.location.y()))
        .collect();
    let demand = DemandGeometry {
        population: residents.iter().map(|r| r.population as f32).collect(),
        reference_population: 10.0,
        grid: PointGrid::build(&pos),
        blind_by_tier: vec![(0..pos.len() as u32).step_by(3).collect()],
        pos,
    };
    let values: Vec<f32> = (0..residents.len()).map(|i| (i % 40) as f32).collect();
    let rect = egui::Rect::from_min_size(egui::pos2(330.0, 25.0), egui::vec2(590.0, 850.0));
    let full = MapTransform::fit(&geometry.bounds, rect, 24.0, &geometry.plane);
    let mut town = full;
    town.zoom_at(12.0, rect.center());
    for (name, t) in [("whole district", full), ("zoomed 12x", town)] {
        let s = t.plane_to_screen(&geometry.plane);
        let mut times = Vec::new();
        let mut vertices = 0;
        for _ in 0..5 {
            let start = Instant::now();
            let roads = map_layers::roads_mesh(&geometry.roads, &s, rect, 1.0, 1.0);
            let heat = map_layers::heat_mesh(&demand, &values, 4.5, &s, rect);
            let dots = map_layers::dots_mesh(
                &demand,
                Some(&demand.blind_by_tier[0]),
                egui::Color32::RED,
                &s,
                rect,
                1.0,
            );
            let facilities =
                map_layers::facilities_mesh(&geometry.facilities, |_| true, None, &s, rect, 1.0);
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            vertices = roads.vertices.len()
                + heat.vertices.len()
                + dots.vertices.len()
                + facilities.vertices.len();
        }
        times.sort_by(f64::total_cmp);
        eprintln!(
            "{name}: median {:.1} ms, max {:.1} ms, {vertices} vertices",
            times[2], times[4]
        );
    }
}
