//! The map at scale (issue 17 item 5), in the real app under kittest: on a
//! synthetic district of 10,000 residents, zoomed out the residents are
//! drawn aggregated in screen cells (far fewer shapes than residents),
//! zoomed in one dot each; panning moves the cached meshes without a
//! rebuild; township names do not pile up.

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lifecircle::app::LifeCircleApp;
use lifecircle::generate::{DEFAULT_PROFILE_JSON, SyntheticParams, synthetic_district};
use lifecircle::model::Profile;

fn synthetic_harness() -> Harness<'static, LifeCircleApp> {
    let layers = synthetic_district(&SyntheticParams::small());
    let profile = Profile::from_json(DEFAULT_PROFILE_JSON).unwrap();
    let mut harness = Harness::builder()
        .with_size([1400.0, 900.0])
        .with_context_setup(lifecircle::ui::install_fonts)
        .build_eframe(move |cc| LifeCircleApp::with_project(cc, layers, profile));
    harness.run_ok();
    assert!(harness.state().results().is_some(), "not assessed");
    harness
}

/// Residents whose dot centre is on the map's screen rectangle.
fn residents_on_screen(app: &LifeCircleApp) -> usize {
    let t = app.map().transform().expect("a view");
    let s = t.plane_to_screen(&app.study().geometry.plane);
    let r = app.results().unwrap();
    r.demand
        .pos
        .iter()
        .filter(|p| t.rect().contains(s.apply(**p)))
        .count()
}

#[test]
fn residents_aggregate_when_zoomed_out_and_are_dots_when_zoomed_in() {
    let mut harness = synthetic_harness();
    harness.get_by_label("居民点").click();
    harness.run_ok();
    let app = harness.state();
    assert!(app.settings().map.residents);
    let residents = app.results().unwrap().demand.pos.len();
    assert_eq!(residents, 10_000);
    // The whole district: every resident on screen, drawn in cells of
    // 6 points, far fewer quads (4 vertices) than residents.
    assert_eq!(residents_on_screen(app), residents);
    let v = app.map().stats.vertices[2];
    // (Tiles of the cached mesh copy a few shared corners.)
    let quads = v / 4;
    assert!(v > 0, "{v} vertices");
    assert!(
        quads < residents / 2,
        "{quads} shapes for {residents} residents"
    );

    // Zoomed in 16×: few residents on screen, each its own dot (an
    // anti-aliased circle or an octagon: at least 8 vertices).
    harness.state_mut().map_mut().zoom(16.0);
    harness.run_ok();
    let app = harness.state();
    let on_screen = residents_on_screen(app);
    assert!(
        on_screen > 0 && on_screen < 2_000,
        "{on_screen} residents on screen"
    );
    let v = app.map().stats.vertices[2];
    assert!(v >= 8 * on_screen, "{v} vertices for {on_screen} residents");
}

#[test]
fn panning_moves_cached_layers_and_township_names_do_not_pile_up() {
    let mut harness = synthetic_harness();
    harness.run_ok();
    let before = harness.state().map().stats;
    assert!(before.vertices[1] > 0, "roads drawn");
    assert!(before.vertices[0] > 0, "heat drawn");
    harness.state_mut().map_mut().pan(egui::vec2(40.0, -25.0));
    harness.run_ok();
    let after = harness.state().map().stats;
    // Moved, not rebuilt: the same meshes (the tiles on screen).
    assert_eq!(after.rebuilds, before.rebuilds);
    assert!(after.vertices[1] > 0 && after.vertices[0] > 0);
    // The 100 townships' names: as many as fit, none overlapping.
    let app = harness.state();
    let names = app.study().layers.townships.len();
    assert_eq!(names, 100);
    assert!(
        after.labels > 0 && after.labels <= names,
        "{} names",
        after.labels
    );
    // A zoom rebuilds (at this size, within the frame).
    harness.state_mut().map_mut().zoom(2.0);
    harness.run_ok();
    assert!(harness.state().map().stats.rebuilds > after.rebuilds);
}
