//! The comparison report of a layout with road and population changes
//! (issue 16 item 4): the difference map draws the new road and areas, and
//! the HTML and the workbook list the changes.

use calamine::{Data, Reader, open_workbook_auto};
use geo::{Coord, LineString, Polygon};
use lifecircle::analysis::{Progress, assess};
use lifecircle::generate::{DEFAULT_PROFILE_JSON, demo_district};
use lifecircle::model::{Layers, Oneway, Profile, ResidentialArea, Road, Scenario};
use lifecircle::report::map_image::{
    MapOptions, MapOverlay, render_map_marked, render_map_overlaid,
};
use lifecircle::report::{
    ComparisonDetail, ComparisonInput, ExportInput, ExportRequest, Format, Lang, export,
};

/// A new tertiary road between two far-apart road vertices of the demo,
/// and a new residential area beside it.
fn scenario(layers: &Layers) -> Scenario {
    let roads = layers.roads.as_ref().unwrap();
    let a = roads[0].line.0[0];
    let b = roads
        .iter()
        .flat_map(|r| r.line.0.iter().copied())
        .find(|c| ((c.x - a.x).powi(2) + (c.y - a.y).powi(2)).sqrt() > 0.02)
        .unwrap();
    let m = Coord {
        x: (a.x + b.x) / 2.0 + 0.003,
        y: (a.y + b.y) / 2.0,
    };
    let outline = Polygon::new(
        LineString::from(vec![
            (m.x, m.y),
            (m.x + 0.004, m.y),
            (m.x + 0.004, m.y + 0.004),
            (m.x, m.y + 0.004),
            (m.x, m.y),
        ]),
        vec![],
    );
    Scenario {
        roads_added: vec![Road {
            line: LineString(vec![a, b]),
            highway: Some("tertiary".into()),
            oneway: Oneway::No,
            maxspeed_kmh: None,
        }],
        residential_areas: vec![ResidentialArea {
            outline,
            population: 600.0,
            settlement: None,
            points: Vec::new(),
        }],
        ..Scenario::default()
    }
}

fn options(lang: Lang) -> MapOptions {
    MapOptions {
        tier: 2,
        township: None,
        width_px: 800,
        lang,
        title: "t".into(),
        date: "2026-12-04".into(),
        supply: None,
    }
}

/// Pixels of exactly the added-road blue (20, 90, 220).
fn blue_pixels(rgba: &[u8]) -> usize {
    rgba.chunks_exact(4)
        .filter(|p| p[..3] == [20, 90, 220])
        .count()
}

#[test]
fn the_difference_map_draws_the_new_road() {
    let layers = demo_district().layers;
    let profile = Profile::from_json(DEFAULT_PROFILE_JSON).unwrap();
    let s = scenario(&layers);
    let b_layers = s.apply_to(&layers).unwrap();
    let b = assess(&b_layers, &profile, &Progress::new()).unwrap();
    let plain = render_map_marked(&b_layers, &profile, &b, &options(Lang::En), &[]).unwrap();
    let overlay = MapOverlay::of_scenario(&s);
    assert_eq!(overlay.roads_added.len(), 1);
    assert_eq!(overlay.areas.len(), 1);
    let drawn = render_map_overlaid(
        &b_layers,
        &profile,
        &b,
        &options(Lang::En),
        &[],
        Some(&overlay),
    )
    .unwrap();
    assert_eq!((plain.width, plain.height), (drawn.width, drawn.height));
    assert_eq!(blue_pixels(&plain.rgba), 0);
    // The road is a few km long on an 800 px map of a ≈ 30 km district: a
    // line of 2–3 px width over 60 px at least.
    assert!(
        blue_pixels(&drawn.rgba) > 100,
        "{}",
        blue_pixels(&drawn.rgba)
    );
    // Without the road, only the area is drawn: no blue.
    let area_only = MapOverlay {
        roads_added: Vec::new(),
        ..overlay
    };
    let no_road = render_map_overlaid(
        &b_layers,
        &profile,
        &b,
        &options(Lang::En),
        &[],
        Some(&area_only),
    )
    .unwrap();
    assert_eq!(blue_pixels(&no_road.rgba), 0);
    assert_ne!(no_road.rgba, plain.rgba, "the area's outline is drawn");
}

#[test]
fn the_comparison_report_lists_the_changes_and_has_difference_maps() {
    let layers = demo_district().layers;
    let profile = Profile::from_json(DEFAULT_PROFILE_JSON).unwrap();
    let a = assess(&layers, &profile, &Progress::new()).unwrap();
    let s = scenario(&layers);
    let b_layers = s.apply_to(&layers).unwrap();
    let b = assess(&b_layers, &profile, &Progress::new()).unwrap();
    let out =
        std::env::temp_dir().join(format!("lifecircle-report-scenario-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let input = ExportInput {
        layers: &layers,
        profile: &profile,
        assessment: &a,
        warnings: &[],
        data_files: &[],
        comparison: Some(ComparisonInput {
            base_label: "现状".into(),
            label: "新路".into(),
            report: &b.report,
            detail: Some(ComparisonDetail {
                layers: &b_layers,
                assessment: &b,
                scenario: &s,
            }),
        }),
        redundancy: None,
    };
    let request = ExportRequest {
        formats: vec![Format::Xlsx, Format::Html, Format::Png],
        lang: Lang::Zh,
        dir: out.clone(),
        township_maps: false,
        map_width_px: 600,
        title: None,
        cad_crs: None,
    };
    export(&request, &input, &Progress::new()).unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html.split("<section class=\"comparison\">").nth(1).unwrap();
    let section = section.split("</section>").next().unwrap();
    assert!(section.contains("道路与人口变更"));
    assert!(section.contains("新增道路") && section.contains("tertiary"));
    assert!(section.contains("新增居住区") && section.contains("600"));
    // One difference map per tier, inside the comparison section.
    assert_eq!(
        section.matches("<img").count(),
        profile.tiers.len(),
        "difference maps"
    );
    for t in &profile.tiers {
        assert!(
            out.join("maps")
                .join(format!("difference_{}.png", t.id))
                .exists()
        );
    }
    // The workbook's comparison sheet lists them below the table.
    let mut wb = open_workbook_auto(out.join("report.xlsx")).unwrap();
    let sheet = wb.worksheet_range("方案对比").unwrap();
    let texts: Vec<String> = sheet
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|c| match c {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(texts.iter().any(|t| t == "新增道路"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "新增居住区"));
    assert!(texts.iter().any(|t| t == "tertiary"));
    let _ = std::fs::remove_dir_all(&out);
}
