//! Export and import dialogs on the demo district, driven by label through
//! egui_kittest: the real app, loaders, engine and report writer, jobs run
//! inline, file and folder dialogs scripted.

mod common;

use calamine::Reader;
use common::{TOWNSHIPS, demo_harness};
use eframe::egui;
use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;
use lifecircle::state::export::ExportOutcome;
use lifecircle::state::files::ScriptedDialogs;
use lifecircle::ui::i18n::Lang;
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-ui-io-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn exporting_a_report_writes_the_chosen_files() {
    let dir = temp_dir("export");
    let mut harness = demo_harness();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(dir.clone())])));
    harness.get_by_label("文件").click();
    harness.run_ok();
    harness.get_by_label("导出报告…").click();
    harness.run_ok();
    assert!(harness.state().export_dialog().is_some());

    // No PNG files, and small maps for the HTML report (debug builds are slow).
    harness
        .get_by_role_and_label(Role::CheckBox, "地图图片（PNG）")
        .click();
    harness.get_by_label("1000 px").click();
    harness.run_ok();
    // Export stays disabled until a folder is chosen.
    harness.get_by_label("请选择导出文件夹。");
    harness.get_by_label("选择文件夹…").click();
    harness.run_ok();
    harness.get_by_label("导出").click();
    harness.run_ok();

    let outcome = harness
        .state()
        .export_dialog()
        .and_then(|d| d.outcome.clone())
        .expect("the export did not finish");
    let ExportOutcome::Written(files) = outcome else {
        panic!("{outcome:?}");
    };
    harness.get_by_label_contains("已写入");
    for name in [
        "report.xlsx",
        "report.html",
        "coverage.csv",
        "coverage.json",
        "blind_spots.geojson",
        "residents.geojson",
    ] {
        let path = dir.join(name);
        assert!(path.is_file(), "{name} missing: {files:?}");
        assert!(files.contains(&path), "{name} not listed: {files:?}");
    }
    assert!(!dir.join("maps").exists(), "PNG maps were written");

    let mut book = calamine::open_workbook_auto(dir.join("report.xlsx")).unwrap();
    let mut text = String::new();
    for sheet in book.sheet_names() {
        let range = book.worksheet_range(&sheet).unwrap();
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\n');
            }
        }
    }
    for name in TOWNSHIPS {
        assert!(text.contains(name), "{name} not in report.xlsx");
    }
    harness.get_by_label("关闭").click();
    harness.run_ok();
    assert!(harness.state().export_dialog().is_none());
    std::fs::remove_dir_all(&dir).ok();
}

/// Metres between two WGS84 points (small distances).
fn metres(a: [f64; 2], b: [f64; 2]) -> f64 {
    let lat = ((a[1] + b[1]) / 2.0).to_radians();
    let dx = (a[0] - b[0]).to_radians() * lat.cos() * 6_371_000.0;
    let dy = (a[1] - b[1]).to_radians() * 6_371_000.0;
    (dx * dx + dy * dy).sqrt()
}

#[test]
fn a_gbk_csv_of_gcj02_facilities_imports_through_the_dialog() {
    let dir = temp_dir("gbk");
    // Points in the demo district, given in GCJ-02 as Amap would.
    let wgs = [
        [118.8472986, 28.9809478],
        [118.9012, 28.9511],
        [118.8700, 28.9600],
    ];
    let mut csv = String::from("名称,类型,经度,纬度\n");
    for (i, p) in wgs.iter().enumerate() {
        let [lon, lat] = lifecircle::io::wgs84_to_gcj02(p[0], p[1]);
        let category = if i % 2 == 0 { "幼儿园" } else { "药店" };
        csv.push_str(&format!("新设施{i},{category},{lon:.8},{lat:.8}\n"));
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&csv);
    assert!(!unmappable);
    let file = dir.join("设施-gbk.csv");
    std::fs::write(&file, &bytes).unwrap();

    let mut harness = demo_harness();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(file.clone())])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    harness.get_by_label("导入设施点…").click();
    harness.run_ok();
    {
        let app = harness.state();
        let dialog = app.import_dialog().expect("no import dialog");
        let preview = dialog.preview.clone().unwrap().unwrap();
        let encoding = preview.encoding.clone().unwrap().to_lowercase();
        assert!(encoding == "gbk" || encoding == "gb18030", "{encoding}");
        assert_eq!(preview.feature_count, 3);
        assert_eq!(preview.guessed.lon.as_deref(), Some("经度"));
    }
    // The preview's first rows are shown, decoded.
    harness.get_by_label("新设施0");
    harness.get_by_label("GCJ-02").click();
    harness.run_ok();
    harness.get_by_label("导入").click();
    harness.run_ok();

    let app = harness.state();
    assert!(app.import_dialog().is_none(), "the dialog stayed open");
    let message = app.message().expect("no message");
    assert!(!message.is_error(), "{}", message.text(Lang::En));
    let facilities = &app.study().layers.facilities;
    assert_eq!(facilities.len(), 3);
    for (f, want) in facilities.iter().zip(&wgs) {
        let got = [f.location.x(), f.location.y()];
        assert!(metres(got, *want) < 1.0, "{got:?} vs {want:?}");
    }
    assert_eq!(facilities[0].category, "kindergarten");
    assert_eq!(facilities[1].category, "pharmacy");
    // The app re-assessed with the new facilities.
    assert_eq!(
        app.results().unwrap().study_generation,
        app.study().generation
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_csv_without_coordinates_fails_clearly_and_keeps_the_facilities() {
    let dir = temp_dir("broken");
    let file = dir.join("设施-无坐标.csv");
    std::fs::write(&file, "名称,类型,地址\n甲,幼儿园,某路1号\n").unwrap();

    let mut harness = demo_harness();
    let before = harness.state().study().layers.facilities.len();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(file.clone())])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    harness.get_by_label("导入设施点…").click();
    harness.run_ok();
    assert!(harness.state().import_dialog().is_some());
    harness.get_by_label("导入").click();
    harness.run_ok();

    let app = harness.state();
    let message = app.message().expect("no error message");
    assert!(message.is_error());
    let text = message.text(Lang::Zh);
    assert!(text.contains("设施-无坐标.csv"), "{text}");
    assert!(text.contains("longitude/latitude"), "{text}");
    assert_eq!(app.study().layers.facilities.len(), before);
    // The dialog stays open with the error, to fix the choices.
    let dialog = app.import_dialog().expect("the dialog closed");
    assert!(dialog.error.is_some());
    // Shown in the status bar and in the dialog.
    assert_eq!(
        harness.query_all_by_label_contains("保留原有数据").count(),
        2
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_categories_can_be_mapped_and_imported_again() {
    let dir = temp_dir("mapping");
    let file = dir.join("poi.csv");
    std::fs::write(
        &file,
        "name,category,lon,lat\nA,幼儿园,118.85,28.98\nB,托儿所,118.86,28.97\nC,托儿所,118.87,28.96\n",
    )
    .unwrap();
    let mut harness = demo_harness();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(file.clone())])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    harness.get_by_label("导入设施点…").click();
    harness.run_ok();
    harness.get_by_label("导入").click();
    harness.run_ok();
    {
        let app = harness.state();
        assert_eq!(app.study().layers.facilities.len(), 1);
        let dialog = app.import_dialog().expect("the dialog closed");
        assert_eq!(dialog.unmapped, vec![("托儿所".to_string(), 2)]);
    }
    harness.get_by_label("托儿所 (2)");
    harness
        .state_mut()
        .import_dialog_mut()
        .unwrap()
        .mapping
        .insert("托儿所".into(), Some("kindergarten".into()));
    harness.run_ok();
    harness.get_by_label("按此对应重新导入").click();
    harness.run_ok();
    let app = harness.state();
    assert_eq!(app.study().layers.facilities.len(), 3);
    assert!(app.import_dialog().is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unusable_coordinate_system_makes_the_dialog_ask_for_one() {
    let dir = temp_dir("crs");
    let file = dir.join("poi.csv");
    std::fs::write(&file, "name,category,x,y\nA,幼儿园,118.85,28.98\n").unwrap();
    let mut harness = demo_harness();
    let before = harness.state().study().layers.facilities.len();
    harness
        .state_mut()
        .set_file_dialogs(Box::new(ScriptedDialogs::new([Some(file.clone())])));
    harness.get_by_label("数据").click();
    harness.run_ok();
    harness.get_by_label("导入设施点…").click();
    harness.run_ok();
    harness.get_by_label("EPSG").click();
    harness.run_ok();
    harness.state_mut().import_dialog_mut().unwrap().epsg = "99999".into();
    harness.run_ok();
    assert!(harness.state().import_dialog().unwrap().crs_unknown);
    harness.get_by_label("无法识别文件的坐标系，请选择：");
    harness.get_by_label("导入").click();
    harness.run_ok();
    assert_eq!(harness.state().study().layers.facilities.len(), before);
    assert!(harness.state().message().unwrap().is_error());

    harness.get_by_label("WGS84").click();
    harness.run_ok();
    harness.get_by_label("导入").click();
    harness.run_ok();
    let app = harness.state();
    assert_eq!(app.study().layers.facilities.len(), 1);
    assert!(app.import_dialog().is_none());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_dropped_table_opens_the_dialog_with_the_layer_guessed() {
    let dir = temp_dir("drop");
    let residents = dir.join("data.csv");
    std::fs::write(&residents, "lon,lat,人口\n118.85,28.98,12\n").unwrap();
    let mut harness = demo_harness();
    let before = harness
        .state()
        .study()
        .layers
        .residents
        .as_ref()
        .map(Vec::len);
    let ctx = harness.ctx.clone();
    harness.state_mut().apply(
        lifecircle::state::Action::ImportFiles(vec![lifecircle::state::project::ImportRequest {
            what: None,
            path: residents.clone(),
        }]),
        &ctx,
    );
    harness.run_ok();
    let dialog = harness.state().import_dialog().expect("no dialog");
    assert_eq!(dialog.layer, lifecircle::io::LayerKind::Residents);
    assert_eq!(dialog.preview.clone().unwrap().unwrap().feature_count, 1);
    harness.get_by_label("人口列");
    harness.get_by_label("关闭").click();
    harness.run_ok();
    assert!(harness.state().import_dialog().is_none());
    // Nothing changed.
    assert_eq!(
        harness
            .state()
            .study()
            .layers
            .residents
            .as_ref()
            .map(Vec::len),
        before
    );
    std::fs::remove_dir_all(&dir).ok();
}
