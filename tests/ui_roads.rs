//! Road and population edits in the app on the demo district (issue 16),
//! driven through egui_kittest with real map clicks: a road drawn from a
//! 华墅乡 demand point to the nearest facility of a 30-minute category it
//! misses (a neighbour's: 华墅乡 has no hospital or police station) raises
//! 华墅乡's 30-minute figure in the compare table, and undo removes it; a road segment is
//! closed and another restyled; bad drawings are refused with a message;
//! a saved project keeps the scenario.

mod common;

use eframe::egui;
use egui::{Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use lifecircle::app::LifeCircleApp;
use lifecircle::state::Action;
use lifecircle::state::files::ScriptedDialogs;
use lifecircle::state::layouts::{EditRequest, EditTool, LayoutAction};
use lifecircle::state::project_file::ProjectAction;
use lifecircle::state::scenario_edit::{DrawOptions, ScenarioRequest};

fn act(harness: &mut Harness<'static, LifeCircleApp>, action: Action) {
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(action, &ctx);
    harness.run_ok();
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

/// Index of the 30-minute tier and of 华墅乡 in the report.
fn t30_and_huashu(app: &LifeCircleApp) -> (usize, usize) {
    let r = app.results().unwrap();
    let t = r
        .profile
        .tiers
        .iter()
        .position(|t| t.minutes == 30.0)
        .unwrap();
    let h = r
        .assessment
        .report
        .townships
        .iter()
        .position(|x| x.name == "华墅乡")
        .unwrap();
    (t, h)
}

fn huashu_t30(app: &LifeCircleApp) -> f64 {
    let (t, h) = t30_and_huashu(app);

    app.results().unwrap().assessment.report.townships[h]
        .figures
        .tiers[t]
        .complete_share
}

/// The road vertex nearest to `p` (lon/lat).
fn nearest_vertex(app: &LifeCircleApp, p: [f64; 2]) -> [f64; 2] {
    let roads = app.study().layers.roads.as_ref().unwrap();
    roads
        .iter()
        .flat_map(|r| r.line.0.iter())
        .map(|c| [c.x, c.y])
        .min_by(|a, b| {
            let d = |q: &[f64; 2]| (q[0] - p[0]).hypot(q[1] - p[1]);
            d(a).total_cmp(&d(b))
        })
        .unwrap()
}

/// A road from the biggest 华墅乡 demand point not complete at 30 minutes
/// to the nearest facility of a category it lacks, vertex to vertex, and
/// the index of that facility.
fn a_road_and_facility_for_huashu(app: &LifeCircleApp) -> ([f64; 2], [f64; 2], usize) {
    let (t, h) = t30_and_huashu(app);
    let r = app.results().unwrap();
    let tier = &r.profile.tiers[t];
    let a = &r.assessment;
    let limit = tier.minutes as f32;
    let mut best: Option<(f64, usize, String)> = None;
    for (i, d) in a.demand.iter().enumerate() {
        if a.resident_township[i] != Some(h as u32) {
            continue;
        }
        let missing = tier.categories.iter().find(|c| {
            let m = a.minutes_for(tier, c).unwrap()[i];
            m.is_nan() || m > limit
        });
        if let Some(c) = missing
            && best.as_ref().is_none_or(|b| d.population > b.0)
        {
            best = Some((d.population, i, c.clone()));
        }
    }
    let (_, i, category) = best.expect("华墅乡 is complete at 30 minutes already");
    let from = [a.demand[i].location.x(), a.demand[i].location.y()];
    let (index, facility) = app
        .study()
        .layers
        .facilities
        .iter()
        .enumerate()
        .filter(|(_, f)| f.category == category)
        .min_by(|(_, p), (_, q)| {
            let d = |f: &lifecircle::model::Facility| {
                (f.location.x() - from[0]).hypot(f.location.y() - from[1])
            };
            d(p).total_cmp(&d(q))
        })
        .unwrap();
    (
        nearest_vertex(app, from),
        nearest_vertex(app, [facility.location.x(), facility.location.y()]),
        index,
    )
}

#[test]
fn a_road_drawn_on_the_map_raises_huashu_and_undo_removes_it() {
    let mut harness = common::demo_harness();
    let before = huashu_t30(harness.state());
    assert!(
        before < 1.0,
        "华墅乡 has no 30-minute blind spot on the demo"
    );
    let (from, to, facility) = a_road_and_facility_for_huashu(harness.state());
    // The road leads to a neighbour's facility: 华墅乡 has none of its own.
    let app = harness.state();
    let (_, h) = t30_and_huashu(app);
    let layers = &app.study().layers;
    use geo::Contains as _;
    assert!(
        !layers.townships[h]
            .boundary
            .contains(&layers.facilities[facility].location)
    );
    harness.get_by_label("布局方案").click();
    harness.run_ok();
    harness.get_by_label("画道路").click();
    harness.run_ok();
    assert_eq!(harness.state().layouts().tool, EditTool::DrawRoad);
    act(
        &mut harness,
        Action::Layout(LayoutAction::SetDrawOptions(DrawOptions {
            road_class: "primary".into(),
            maxspeed_kmh: Some(80.0),
            ..DrawOptions::default()
        })),
    );
    // Real clicks at the two road vertices, then Enter.
    let t = *harness.state().map().transform().unwrap();
    click_at(&mut harness, t.to_screen(from[0], from[1]));
    click_at(&mut harness, t.to_screen(to[0], to[1]));
    harness.key_press(egui::Key::Enter);
    harness.run_ok();

    let app = harness.state();
    assert!(
        app.message().is_none_or(|m| !m.is_error()),
        "{:?}",
        app.message()
    );
    let layouts = app.layouts();
    assert_eq!(layouts.active, Some(0), "the first edit makes a layout");
    let scenario = &layouts.layouts[0].scenario;
    assert_eq!(scenario.roads_added.len(), 1, "{scenario:?}");
    let line = &scenario.roads_added[0].line.0;
    // Both ends snapped onto the network (they were clicked on vertices).
    assert!((line[0].x - from[0]).abs() < 1e-9 && (line[0].y - from[1]).abs() < 1e-9);
    let last = line[line.len() - 1];
    assert!((last.x - to[0]).abs() < 1e-9 && (last.y - to[1]).abs() < 1e-9);
    let seconds = layouts.last_edit_seconds.expect("the edit was timed");
    eprintln!("road edit → updated figures: {:.0} ms", seconds * 1000.0);
    let with_road = huashu_t30(app);
    assert!(with_road > before, "华墅乡 t30 {with_road} ≤ {before}");
    harness.get_by_label_contains("新建道路 主干路");

    // A facility edit on top applies incrementally; the figures equal a
    // fresh assessment of the edited data (roads and facilities).
    let (_, h) = t30_and_huashu(harness.state());
    let category = harness.state().results().unwrap().profile.tiers[0].categories[0].clone();
    act(
        &mut harness,
        Action::Layout(LayoutAction::Edit(EditRequest::Add {
            category,
            lonlat: from,
        })),
    );
    let app = harness.state();
    assert_eq!(app.layouts().active_edits().len(), 1);
    let edited = app.layouts().layouts[0]
        .scenario
        .apply_to(&app.study().layers)
        .unwrap();
    let fresh = lifecircle::analysis::assess(
        &edited,
        &app.results().unwrap().profile,
        &lifecircle::analysis::Progress::new(),
    )
    .unwrap();
    let live = &app.results().unwrap().assessment.report;
    for (a, b) in live.townships.iter().zip(&fresh.report.townships) {
        for (x, y) in a.figures.tiers.iter().zip(&b.figures.tiers) {
            assert!(
                (x.complete_share - y.complete_share).abs() < 1e-9,
                "{}: {} vs fresh {}",
                a.name,
                x.complete_share,
                y.complete_share
            );
        }
    }
    assert!(live.townships[h].figures.tiers.len() == fresh.report.townships[h].figures.tiers.len());
    // Undo the facility: the road stays.
    harness.key_press_modifiers(Modifiers::COMMAND, egui::Key::Z);
    harness.run_ok();
    assert!(harness.state().layouts().active_edits().is_empty());
    assert_eq!(huashu_t30(harness.state()), with_road);

    // The compare table shows the rise for 华墅乡 and names the road.
    harness.get_by_label("对比").click();
    harness.run_ok();
    let app = harness.state();
    let view = app.layouts().comparison.as_ref().expect("no comparison");
    let (t, h) = t30_and_huashu(app);
    let row = &view.comparison.townships[h].tiers[t];
    assert!(row.complete_share_b > row.complete_share_a, "{row:?}");
    assert!(row.newly_complete > 0.0);
    assert_eq!(view.scenarios[1].roads_added.len(), 1);
    harness.get_by_label_contains("B: 新建道路");

    // Undo removes the road and its effect.
    harness.get_by_label("关闭对比").click();
    harness.run_ok();
    harness.key_press_modifiers(Modifiers::COMMAND, egui::Key::Z);
    harness.run_ok();
    let app = harness.state();
    assert!(app.layouts().layouts[0].scenario.is_empty());
    assert_eq!(huashu_t30(app), before);
    // Redo brings it back (the undone facility is the next redo after it).
    harness.get_by_label("重做").click();
    harness.run_ok();
    assert_eq!(huashu_t30(harness.state()), with_road);
    assert!(harness.state().layouts().active_edits().is_empty());
    harness.get_by_label("重做").click();
    harness.run_ok();
    assert_eq!(harness.state().layouts().active_edits().len(), 1);
}

#[test]
fn a_closed_road_is_kept_by_a_saved_project() {
    let mut harness = common::demo_harness();
    harness.get_by_label("布局方案").click();
    harness.run_ok();
    harness.get_by_label("封闭道路").click();
    harness.run_ok();
    // Click the middle of a road segment on screen.
    let app = harness.state();
    let t = *app.map().transform().unwrap();
    let roads = app.study().layers.roads.as_ref().unwrap();
    let mut segments = roads
        .iter()
        .flat_map(|r| r.line.0.windows(2))
        .map(|w| (t.to_screen(w[0].x, w[0].y), t.to_screen(w[1].x, w[1].y)))
        .filter(|(a, b)| a.distance(*b) > 1.0 && t.rect().shrink(80.0).contains(a.lerp(*b, 0.5)));
    let (a, b) = segments.next().expect("a segment on screen");
    let (c, d) = segments
        .find(|(c, _)| c.distance(a) > 100.0)
        .expect("another segment on screen");
    click_at(&mut harness, a.lerp(b, 0.5));
    let app = harness.state();
    assert!(
        app.message().is_none_or(|m| !m.is_error()),
        "{:?}",
        app.message()
    );
    let scenario = app.layouts().layouts[0].scenario.clone();
    assert_eq!(scenario.roads_closed.len(), 1, "{scenario:?}");
    harness.get_by_label_contains("封闭路段");
    // Another segment becomes a primary road with a speed limit.
    harness.get_by_label("改道路等级").click();
    harness.run_ok();
    act(
        &mut harness,
        Action::Layout(LayoutAction::SetDrawOptions(DrawOptions {
            road_class: "primary".into(),
            maxspeed_kmh: Some(60.0),
            ..DrawOptions::default()
        })),
    );
    click_at(&mut harness, c.lerp(d, 0.5));
    let app = harness.state();
    assert!(
        app.message().is_none_or(|m| !m.is_error()),
        "{:?}",
        app.message()
    );
    let scenario = app.layouts().layouts[0].scenario.clone();
    assert_eq!(scenario.roads_closed.len(), 2, "{scenario:?}");
    assert_eq!(scenario.roads_added.len(), 1);
    assert_eq!(scenario.roads_added[0].maxspeed_kmh, Some(60.0));
    harness.get_by_label_contains("路段改为");
    let share = app.results().unwrap().assessment.report.total.tiers[0].complete_share;

    // Save, then open in a fresh app: the scenario and figures come back.
    let dir = std::env::temp_dir().join(format!("lifecircle-roads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(dir.join("roads"))])));
    act(&mut harness, Action::Project(ProjectAction::Save));
    let path = dir.join("roads.lifecircle.json");
    assert!(path.is_file(), "{:?}", harness.state().message());
    let mut other = common::demo_harness();
    other
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(path)])));
    act(&mut other, Action::Project(ProjectAction::Open));
    let app = other.state();
    assert_eq!(app.layouts().layouts[0].scenario, scenario);
    assert_eq!(app.layouts().active, Some(0));
    let reopened = app.results().unwrap().assessment.report.total.tiers[0].complete_share;
    assert_eq!(reopened, share);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_drawings_get_a_message_and_leave_the_layout_unchanged() {
    let mut harness = common::demo_harness();
    let scenario_now = |h: &Harness<'static, LifeCircleApp>| {
        let l = h.state().layouts();
        l.scenario_of(l.active)
    };
    // A road of one vertex: one click, then Enter.
    harness.get_by_label("布局方案").click();
    harness.run_ok();
    harness.get_by_label("画道路").click();
    harness.run_ok();
    let t = *harness.state().map().transform().unwrap();
    click_at(&mut harness, t.rect().center());
    harness.key_press(egui::Key::Enter);
    harness.run_ok();
    let m = format!("{:?}", harness.state().message());
    assert!(m.contains("at least 2"), "{m}");
    assert!(scenario_now(&harness).is_empty());
    assert_eq!(harness.state().layouts().layouts.len(), 0, "no layout made");

    let c = t.to_world(t.rect().center());
    let square = |d: f64| {
        vec![
            [c[0], c[1]],
            [c[0] + d, c[1]],
            [c[0] + d, c[1] + d],
            [c[0], c[1] + d],
        ]
    };
    // A self-overlapping area.
    let mut bowtie = square(0.01);
    bowtie.swap(2, 3);
    act(
        &mut harness,
        Action::Layout(LayoutAction::Scenario(ScenarioRequest::AddArea {
            outline: bowtie,
        })),
    );
    let m = format!("{:?}", harness.state().message());
    assert!(m.contains("crosses itself"), "{m}");
    // A negative population.
    act(
        &mut harness,
        Action::Layout(LayoutAction::SetDrawOptions(DrawOptions {
            area_population: -100.0,
            ..DrawOptions::default()
        })),
    );
    act(
        &mut harness,
        Action::Layout(LayoutAction::Scenario(ScenarioRequest::AddArea {
            outline: square(0.01),
        })),
    );
    let m = format!("{:?}", harness.state().message());
    assert!(m.contains("at least 0"), "{m}");
    // A closure that matches no road.
    act(
        &mut harness,
        Action::Layout(LayoutAction::Scenario(ScenarioRequest::CloseSegment {
            from: [c[0] + 0.1234, c[1]],
            to: [c[0] + 0.2345, c[1]],
        })),
    );
    let m = format!("{:?}", harness.state().message());
    assert!(m.contains("matches no run"), "{m}");
    assert!(scenario_now(&harness).is_empty());
    assert_eq!(harness.state().layouts().layouts.len(), 0);

    // A good area adds its people, drawn with real clicks.
    act(
        &mut harness,
        Action::Layout(LayoutAction::SetDrawOptions(DrawOptions {
            area_population: 3000.0,
            ..DrawOptions::default()
        })),
    );
    let people = |h: &Harness<'static, LifeCircleApp>| {
        h.state()
            .results()
            .unwrap()
            .assessment
            .report
            .total
            .population
    };
    let before = people(&harness);
    harness.get_by_label("画居住区").click();
    harness.run_ok();
    let centre = t.rect().center();
    for d in [
        egui::vec2(0.0, 0.0),
        egui::vec2(40.0, 0.0),
        egui::vec2(40.0, 40.0),
        egui::vec2(0.0, 40.0),
    ] {
        click_at(&mut harness, centre + d);
        // Keep the clicks apart in time (no double-click).
        harness.step();
    }
    harness.key_press(egui::Key::Enter);
    harness.run_ok();
    let s = scenario_now(&harness);
    assert_eq!(
        s.residential_areas.len(),
        1,
        "{:?}",
        harness.state().message()
    );
    assert_eq!(people(&harness), before + 3000.0);
    harness.get_by_label_contains("新建居住区");
}

#[test]
fn a_facility_reaches_along_a_new_road() {
    let mut harness = common::demo_harness();
    let (from, to, facility) = a_road_and_facility_for_huashu(harness.state());
    let reached = |h: &mut Harness<'static, LifeCircleApp>| {
        act(h, Action::SelectFacility(None));
        act(h, Action::SelectFacility(Some(facility as u32)));
        let reach = h.state().reach().expect("no reach");
        assert_eq!(reach.facility as usize, facility);
        reach.segments.len()
    };
    let before = reached(&mut harness);
    act(
        &mut harness,
        Action::Layout(LayoutAction::Scenario(ScenarioRequest::AddRoad {
            vertices: vec![to, from],
            tolerance_m: 30.0,
        })),
    );
    assert_eq!(
        harness.state().layouts().layouts[0]
            .scenario
            .roads_added
            .len(),
        1
    );
    let after = reached(&mut harness);
    assert!(after > before, "reach {after} ≤ {before} road pieces");
}
