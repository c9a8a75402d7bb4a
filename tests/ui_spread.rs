//! Spreading residents polygons from the import dialog, driven by label
//! through egui_kittest on the demo district: a GeoJSON of large village
//! polygons opens the dialog with the grid proposed, and imports with every
//! village's population kept; the buildings choice takes its file from the
//! (scripted) file dialog.

mod common;

use common::demo_harness;
use egui_kittest::kittest::Queryable as _;
use lifecircle::io::LayerKind;
use lifecircle::state::Action;
use lifecircle::state::files::ScriptedDialogs;
use lifecircle::state::import_dialog::SpreadChoice;
use lifecircle::state::project::ImportRequest;
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lifecircle-ui-spread-{name}-{}",
        std::process::id()
    ));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn square(lon: f64, lat: f64, side: f64, properties: &str) -> String {
    let (a, b) = (lon + side, lat + side);
    format!(
        r#"{{"type":"Feature","properties":{properties},"geometry":{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{a},{lat}],[{a},{b}],[{lon},{b}],[{lon},{lat}]]]}}}}"#
    )
}

fn write_collection(path: &Path, features: &[String]) {
    std::fs::write(
        path,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
}

/// Two villages of about 100 ha and 40 ha in the demo district.
fn villages(dir: &Path) -> PathBuf {
    let path = dir.join("行政村.geojson");
    write_collection(
        &path,
        &[
            square(
                118.85,
                28.97,
                0.01,
                r#"{"name":"上村","population":1200,"pop_elderly_60":240}"#,
            ),
            square(118.87, 28.97, 0.006, r#"{"name":"下村","population":800}"#),
        ],
    );
    path
}

fn open_import(
    harness: &mut egui_kittest::Harness<'static, lifecircle::app::LifeCircleApp>,
    path: &Path,
) {
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(
        Action::ImportFiles(vec![ImportRequest {
            what: None,
            path: path.to_path_buf(),
        }]),
        &ctx,
    );
    harness.run_ok();
}

#[test]
fn large_village_polygons_open_the_dialog_and_spread_over_the_grid() {
    let dir = temp_dir("grid");
    let file = villages(&dir);
    let mut harness = demo_harness();
    open_import(&mut harness, &file);
    {
        let dialog = harness
            .state()
            .import_dialog()
            .expect("no dialog for large polygons");
        assert_eq!(dialog.layer, LayerKind::Residents);
        let sizes = dialog.polygon_sizes.clone().expect("no polygon sizes");
        assert_eq!(sizes.polygons, 2);
        assert!(sizes.median_ha > 50.0, "{sizes:?}");
        assert_eq!(dialog.spread, SpreadChoice::Grid, "the grid is proposed");
        assert!(
            !dialog.crs_unknown,
            "WGS84 GeoJSON needs no coordinate system"
        );
    }
    harness.get_by_label_contains("建议把人口分摊到网格或建筑");
    harness.get_by_label("按100米网格面积分摊");
    harness.get_by_label("导入").click();
    harness.run_ok();
    let app = harness.state();
    assert!(app.import_dialog().is_none(), "the dialog stayed open");
    let message = app.message().expect("no message");
    assert!(
        !message.is_error(),
        "{}",
        message.text(lifecircle::ui::i18n::Lang::En)
    );
    let residents = app.study().layers.residents.as_ref().unwrap();
    let people: f64 = residents.iter().map(|r| r.population).sum();
    assert!((people - 2000.0).abs() < 1e-9, "{people}");
    assert!(residents.len() > 100, "{} points", residents.len());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_buildings_choice_takes_its_file_from_the_file_dialog() {
    let dir = temp_dir("buildings");
    let file = villages(&dir);
    let buildings = dir.join("buildings.geojson");
    write_collection(
        &buildings,
        &[
            square(118.852, 28.972, 0.0002, r#"{"building:levels":4}"#),
            square(118.855, 28.975, 0.0002, r#"{"building:levels":2}"#),
        ],
    );
    let mut harness = demo_harness();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(buildings.clone())])));
    open_import(&mut harness, &file);
    harness.get_by_label("按建筑面积×层数分摊").click();
    harness.run_ok();
    harness.get_by_label("选择…").click();
    harness.run_ok();
    {
        let dialog = harness.state().import_dialog().unwrap();
        assert_eq!(dialog.spread, SpreadChoice::Buildings);
        assert_eq!(Path::new(&dialog.buildings), buildings.as_path());
    }
    harness.get_by_label("导入").click();
    harness.run_ok();
    let app = harness.state();
    assert!(app.import_dialog().is_none(), "the dialog stayed open");
    let residents = app.study().layers.residents.as_ref().unwrap();
    let people: f64 = residents.iter().map(|r| r.population).sum();
    assert!((people - 2000.0).abs() < 1e-9, "{people}");
    // 上村: its two buildings, by floor area (4 : 2 storeys, nearly equal
    // footprints); 下村 has none and falls back to the grid.
    let first: Vec<f64> = residents.iter().take(2).map(|r| r.population).collect();
    assert!((first[0] / first[1] - 2.0).abs() < 1e-3, "{first:?}");
    assert!((first[0] + first[1] - 1200.0).abs() < 1e-9, "{first:?}");
    assert!(residents.len() > 2 + 30, "{}", residents.len());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_population_table_gives_the_polygons_their_people() {
    let dir = temp_dir("table");
    let file = dir.join("行政村.geojson");
    write_collection(
        &file,
        &[
            square(118.85, 28.97, 0.01, r#"{"name":"上村"}"#),
            square(118.87, 28.97, 0.006, r#"{"name":"下村"}"#),
        ],
    );
    let table = dir.join("人口.csv");
    std::fs::write(
        &table,
        "名称,人口,pop_elderly_60\n上村,1500,300\n下村,700,90\n",
    )
    .unwrap();
    let mut harness = demo_harness();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(table.clone())])));
    open_import(&mut harness, &file);
    harness.get_by_label("选择人口表…").click();
    harness.run_ok();
    assert_eq!(
        Path::new(&harness.state().import_dialog().unwrap().population_table),
        table.as_path()
    );
    harness.get_by_label("导入").click();
    harness.run_ok();
    let app = harness.state();
    assert!(app.import_dialog().is_none(), "the dialog stayed open");
    let residents = app.study().layers.residents.as_ref().unwrap();
    let people: f64 = residents.iter().map(|r| r.population).sum();
    assert!((people - 2200.0).abs() < 1e-9, "{people}");
    std::fs::remove_dir_all(&dir).ok();
}
