//! A CAD drawing through the app's import dialog: the demo townships drawn
//! as DXF in CGCS2000 3-degree Gauss–Krüger (with and without the zone
//! number in front of the eastings), imported by label through
//! egui_kittest, and the study assessed again.

mod common;

use common::{TOWNSHIPS, demo_harness};
use egui_kittest::kittest::Queryable as _;
use geo::InteriorPoint;
use lifecircle::io::{CoordinateSystem, Crs};
use lifecircle::state::files::ScriptedDialogs;
use std::path::PathBuf;

/// The demo townships as closed LWPOLYLINEs on 乡镇界 with MTEXT names,
/// eastings with or without the zone number 40.
fn townships_dxf(zone_prefix: bool) -> String {
    let cs = CoordinateSystem::from_epsg(4528).unwrap();
    let xy = |lon: f64, lat: f64| {
        let [x, y] = cs.from_wgs84(lon, lat);
        [if zone_prefix { x } else { x - 40_000_000.0 }, y]
    };
    let mut out = String::from("  0\nSECTION\n  2\nENTITIES\n");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/townships.geojson");
    let towns = lifecircle::io::load_townships(std::path::Path::new(path)).unwrap();
    for t in &towns.items {
        for p in &t.boundary {
            let ring: Vec<[f64; 2]> = p.exterior().coords().map(|c| xy(c.x, c.y)).collect();
            out.push_str(&format!(
                "  0\nLWPOLYLINE\n  8\n乡镇界\n 90\n{}\n 70\n1\n",
                ring.len() - 1
            ));
            for v in &ring[..ring.len() - 1] {
                out.push_str(&format!(" 10\n{}\n 20\n{}\n", v[0], v[1]));
            }
        }
        let c = t.boundary.interior_point().unwrap();
        let [x, y] = xy(c.x(), c.y());
        out.push_str(&format!(
            "  0\nTEXT\n  8\n注记\n 10\n{x}\n 20\n{y}\n 40\n50\n  1\n{}\n",
            t.name
        ));
    }
    out.push_str("  0\nENDSEC\n  0\nEOF\n");
    out
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-ui-dxf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Import townships from a drawing through the dialog; `use_proposal`
/// clicks the proposed system's "采用" button first.
fn import_townships(
    file: PathBuf,
    use_proposal: bool,
) -> egui_kittest::Harness<'static, lifecircle::app::LifeCircleApp> {
    let mut harness = demo_harness();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(file)])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    harness.get_by_label("导入乡镇边界…").click();
    harness.run_ok();
    {
        let dialog = harness
            .state()
            .import_dialog()
            .expect("no import dialog for the DXF");
        let preview = dialog.preview.clone().unwrap().unwrap();
        let cad = preview.cad.expect("no CAD summary");
        assert_eq!(cad.layers["乡镇界"][0], 9);
    }
    // The CAD layer is offered with its outline count.
    harness.get_by_label("乡镇界 (9)");
    if use_proposal {
        harness.get_by_label("采用").click();
        harness.run_ok();
        assert_eq!(
            harness.state().import_dialog().unwrap().crs().unwrap(),
            Crs::Epsg(4549)
        );
    }
    // Let the window settle at its size before clicking at its bottom.
    for _ in 0..3 {
        harness.step();
    }
    harness.get_by_label("导入").click();
    harness.run_ok();
    harness
}

#[test]
fn a_zoned_drawing_imports_through_the_dialog_and_is_assessed() {
    let file = temp_file("镇域规划-zoned.dxf", &townships_dxf(true));
    let harness = import_townships(file, false);
    let app = harness.state();
    assert!(
        app.import_dialog().is_none(),
        "the dialog stayed open: {:?} {:?}",
        app.import_dialog().map(|d| (&d.error, &d.preview)),
        app.message()
            .map(|m| m.text(lifecircle::ui::i18n::Lang::En))
    );
    let message = app.message().expect("no message");
    assert!(
        !message.is_error(),
        "{}",
        message.text(lifecircle::ui::i18n::Lang::En)
    );
    let names: Vec<&str> = app
        .study()
        .layers
        .townships
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, TOWNSHIPS);
    assert_eq!(
        app.results().unwrap().study_generation,
        app.study().generation
    );
}

#[test]
fn a_drawing_without_zone_numbers_takes_the_proposed_zone() {
    let file = temp_file("镇域规划-cm120.dxf", &townships_dxf(false));
    let harness = import_townships(file, true);
    let app = harness.state();
    assert!(app.import_dialog().is_none(), "the dialog stayed open");
    assert_eq!(app.study().layers.townships.len(), 9);
    assert_eq!(
        app.results().unwrap().study_generation,
        app.study().generation
    );

    // The project file keeps the system chosen for the drawing, and its
    // layers load again with it.
    let project = app.workspace().current_project();
    let json = serde_json::to_string(&project).unwrap();
    let back: lifecircle::model::Project = serde_json::from_str(&json).unwrap();
    let options: lifecircle::io::LayerOptions =
        serde_json::from_value(back.import_options.expect("no import options saved")).unwrap();
    assert_eq!(options.townships.crs, Crs::Epsg(4549));
    assert!(
        back.layers
            .townships
            .as_ref()
            .unwrap()
            .ends_with("镇域规划-cm120.dxf")
    );
    let outcome = lifecircle::state::project_file::load_project_layers(
        back.layers.clone(),
        &options,
        back.profile.clone(),
        &lifecircle::analysis::Progress::new(),
    )
    .unwrap_or_else(|_| panic!("the project's layers did not load"));
    assert_eq!(outcome.layers.townships.len(), 9);
    // Without the options the drawing cannot be placed.
    let without = lifecircle::state::project_file::load_project_layers(
        back.layers,
        &lifecircle::io::LayerOptions::default(),
        back.profile,
        &lifecircle::analysis::Progress::new(),
    );
    assert!(without.is_err());
}
