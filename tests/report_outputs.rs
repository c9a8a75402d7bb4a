//! The report files on the demo district, read back and checked against the
//! engine: every number of the workbook (opened with `calamine`) equals the
//! assessment's (`coverage.json`), the maps decode and are not blank, the
//! HTML names every township and embeds its maps, the GeoJSON and CSV match.

use calamine::{Data, Range, Reader, open_workbook_auto};
use lifecircle::analysis::{Assessment, Progress, assess, facility_catchments};
use lifecircle::cli::{InputArgs, LoadedStudy, load_study};
use lifecircle::model::Layers;
use lifecircle::report::{
    ComparisonInput, DataFile, ExportError, ExportInput, ExportRequest, Format, Lang, export,
};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Demo {
    study: LoadedStudy,
    assessment: Assessment,
    files: PathBuf,
}

/// The demo district, generated into a temporary folder and loaded as the
/// command line loads it, assessed once.
fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let files = scratch("demo-data");
        lifecircle::generate::write_demo(&files).expect("write the demo district");
        let input = InputArgs {
            townships: Some(files.join("townships.geojson")),
            facilities: Some(files.join("facilities.geojson")),
            residents: Some(files.join("residents.geojson")),
            roads: Some(files.join("roads.geojson")),
            profile: None,
            ..Default::default()
        };
        let study = load_study(&input).unwrap_or_else(|e| panic!("demo loads: {e:?}"));
        let assessment = assess(&study.layers, &study.profile, &Progress::new()).unwrap();
        Demo {
            study,
            assessment,
            files,
        }
    })
}

/// A fresh empty folder under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn data_files(d: &Demo) -> Vec<DataFile> {
    vec![DataFile {
        kind: "townships".into(),
        path: d.files.join("townships.geojson"),
        features: Some(d.study.layers.townships.len()),
    }]
}

fn input<'a>(d: &'a Demo, warnings: &'a [String], files: &'a [DataFile]) -> ExportInput<'a> {
    ExportInput {
        layers: &d.study.layers,
        profile: &d.study.profile,
        assessment: &d.assessment,
        warnings,
        data_files: files,
        comparison: None,
        redundancy: None,
    }
}

fn request(
    dir: &Path,
    formats: &[Format],
    lang: Lang,
    width: u32,
    townships: bool,
) -> ExportRequest {
    ExportRequest {
        formats: formats.to_vec(),
        lang,
        dir: dir.to_path_buf(),
        township_maps: townships,
        map_width_px: width,
        title: None,
        cad_crs: None,
    }
}

fn sheet(path: &Path, name: &str) -> Range<Data> {
    let mut wb = open_workbook_auto(path).expect("open the workbook");
    wb.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name:?}: {e}; sheets {:?}", wb.sheet_names()))
}

fn num(r: &Range<Data>, row: u32, col: u32) -> Option<f64> {
    match r.get_value((row, col)) {
        Some(Data::Float(x)) => Some(*x),
        Some(Data::Int(x)) => Some(*x as f64),
        Some(Data::Empty) | None => None,
        Some(other) => panic!("({row}, {col}) is not a number: {other:?}"),
    }
}

fn text(r: &Range<Data>, row: u32, col: u32) -> String {
    match r.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other}"),
    }
}

/// Row of the table header (its first cell is `first`).
fn header_row(r: &Range<Data>, first: &str) -> u32 {
    (0..r.end().map_or(0, |e| e.0) + 1)
        .find(|&row| text(r, row, 0) == first)
        .unwrap_or_else(|| panic!("no header {first:?}"))
}

fn all_townships_then_total(a: &Assessment) -> Vec<(String, &lifecircle::analysis::AreaCoverage)> {
    let mut areas: Vec<_> = a
        .report
        .townships
        .iter()
        .map(|t| (t.name.clone(), &t.figures))
        .collect();
    areas.push(("district total".into(), &a.report.total));
    areas
}

#[test]
fn workbook_numbers_equal_the_assessment() {
    let d = demo();
    let a = &d.assessment;
    let profile = &d.study.profile;
    let out = scratch("xlsx");
    let warnings = vec!["a loading warning".to_string()];
    let files = data_files(d);
    let written = export(
        &request(&out, &[Format::Xlsx, Format::Json], Lang::En, 400, false),
        &input(d, &warnings, &files),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(
        written,
        vec![out.join("report.xlsx"), out.join("coverage.json")]
    );

    // coverage.json is the engine's report with the loading warnings first
    // the sharing shares and the town/village split filled in (compared as text: serde_json's
    // default float parsing may be off by an ulp).
    let mut expected = a.report.clone();
    expected.warnings.insert(0, warnings[0].clone());
    lifecircle::analysis::sharing(a, &d.study.layers, profile).fill_report(&mut expected);
    // … and the town/village split of the demo's `settlement` values.
    let classes = lifecircle::analysis::settlement_classes(a, None).expect("demo settlements");
    lifecircle::analysis::fill_town_village(&mut expected, a, &classes);
    assert!(
        expected.townships[0].figures.tiers[0].categories[0]
            .served_by_own_share
            .is_some()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("coverage.json")).unwrap(),
        lifecircle::report::coverage_json(&expected)
    );

    let xlsx = out.join("report.xlsx");
    let names = open_workbook_auto(&xlsx).unwrap().sheet_names();
    let mut expected_names = vec!["Summary".to_string()];
    expected_names.extend(
        profile
            .tiers
            .iter()
            .map(|t| t.display_name(false).to_string()),
    );
    // The demo's residents carry `settlement`, so the town/village sheet is there.
    expected_names.extend(
        [
            "Town and village",
            "Supply and demand",
            "Scorecard",
            "Blind spots",
            "Facilities",
            "Method",
        ]
        .map(String::from),
    );
    assert_eq!(names, expected_names);

    // Summary: population, then per tier complete share and blind-spot population.
    let s = sheet(&xlsx, "Summary");
    let h = header_row(&s, "township");
    let areas = all_townships_then_total(a);
    for (i, (name, figures)) in areas.iter().enumerate() {
        let row = h + 1 + i as u32;
        assert_eq!(&text(&s, row, 0), name);
        assert_eq!(num(&s, row, 1), Some(figures.population), "{name}");
        for (t, tier) in figures.tiers.iter().enumerate() {
            let col = 2 + 2 * t as u32;
            assert_eq!(
                num(&s, row, col),
                Some(tier.complete_share),
                "{name} {}",
                tier.id
            );
            let blind = num(&s, row, col + 1).unwrap();
            let expect = figures.population * (1.0 - tier.complete_share);
            assert!(
                (blind - expect).abs() < 1e-6 * figures.population.max(1.0),
                "{name}"
            );
        }
    }
    assert_eq!(
        text(&s, h + 2 + areas.len() as u32, 0),
        "outside every township"
    );
    let outside = num(&s, h + 2 + areas.len() as u32, 2);
    assert_eq!(outside, Some(a.report.outside_population));
    let unreachable = num(&s, h + 3 + areas.len() as u32, 2);
    assert_eq!(unreachable, Some(a.report.unreachable_population));

    // One sheet per tier: complete share, then share, mean and p90 per category.
    for (t, tier) in profile.tiers.iter().enumerate() {
        let s = sheet(&xlsx, tier.display_name(false));
        let h = header_row(&s, "township");
        assert_eq!(text(&s, h, 3), "covered share");
        for (i, (name, figures)) in areas.iter().enumerate() {
            let row = h + 1 + i as u32;
            let f = &figures.tiers[t];
            assert_eq!(&text(&s, row, 0), name);
            assert_eq!(num(&s, row, 2), Some(f.complete_share));
            for (k, c) in f.categories.iter().enumerate() {
                let col = 3 + 3 * k as u32;
                assert_eq!(num(&s, row, col), Some(c.covered_share), "{name} {}", c.id);
                assert_eq!(num(&s, row, col + 1), c.mean_minutes, "{name} {}", c.id);
                assert_eq!(num(&s, row, col + 2), c.p90_minutes, "{name} {}", c.id);
            }
        }
    }

    // Blind spots: one row each, in the engine's order.
    let s = sheet(&xlsx, "Blind spots");
    let h = header_row(&s, "tier");
    assert!(!a.blind_spots.is_empty());
    for (i, b) in a.blind_spots.iter().enumerate() {
        let row = h + 1 + i as u32;
        let r = &a.demand[b.resident as usize];
        assert_eq!(
            text(&s, row, 0),
            profile.tiers[b.tier as usize].display_name(false)
        );
        assert_eq!(num(&s, row, 2), Some(r.location.x()));
        assert_eq!(num(&s, row, 3), Some(r.location.y()));
        assert_eq!(num(&s, row, 4), Some(r.population));
        assert_eq!(num(&s, row, 5), Some(b.missing_count() as f64));
    }
    assert_eq!(text(&s, h + 1 + a.blind_spots.len() as u32, 0), "");

    // Facilities: people within each tier equal the catchments; a facility
    // reaches no more than its category covers, and together they reach at
    // least that.
    let layers: &Layers = &d.study.layers;
    let catchments = facility_catchments(layers, profile, &Progress::new()).unwrap();
    let s = sheet(&xlsx, "Facilities");
    let h = header_row(&s, "no.");
    for (i, f) in layers.facilities.iter().enumerate() {
        let row = h + 1 + i as u32;
        assert_eq!(num(&s, row, 0), Some(i as f64 + 1.0));
        assert_eq!(text(&s, row, 3), f.category);
        for t in 0..profile.tiers.len() {
            assert_eq!(
                num(&s, row, 7 + t as u32),
                catchments[i].population[t],
                "facility {i}"
            );
        }
    }
    for (t, tier) in a.report.total.tiers.iter().enumerate() {
        for c in &tier.categories {
            let within: Vec<f64> = layers
                .facilities
                .iter()
                .zip(&catchments)
                .filter(|(f, _)| f.category == c.id)
                .map(|(_, x)| x.population[t].unwrap())
                .collect();
            let most = within.iter().copied().fold(0.0, f64::max);
            let sum: f64 = within.iter().sum();
            let covered = c.covered_population;
            assert!(
                most <= covered + 1e-6,
                "{} {}: {most} > {covered}",
                tier.id,
                c.id
            );
            assert!(
                sum + 1e-6 >= covered,
                "{} {}: {sum} < {covered}",
                tier.id,
                c.id
            );
        }
    }

    // Method: profile, data files, warnings.
    let s = sheet(&xlsx, "Method");
    let rows: Vec<(String, String)> = (1..=s.end().unwrap().0)
        .map(|r| (text(&s, r, 0), text(&s, r, 1)))
        .collect();
    assert!(rows.contains(&("profile".into(), profile.name.clone())));
    assert!(
        rows.iter()
            .any(|(k, v)| k == "data file townships" && v.contains("(9 features)"))
    );
    let warned: Vec<&String> = rows
        .iter()
        .filter(|(k, _)| k == "warning")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(warned.len(), expected.warnings.len());
    assert_eq!(warned[0], "a loading warning");
}

#[test]
fn comparison_sheet_holds_both_values_and_the_difference() {
    let d = demo();
    let a = &d.assessment;
    // Layout B: without the kindergartens.
    let layers_b = Layers {
        facilities: d
            .study
            .layers
            .facilities
            .iter()
            .filter(|f| f.category != "kindergarten")
            .cloned()
            .collect(),
        ..d.study.layers.clone()
    };
    assert!(layers_b.facilities.len() < d.study.layers.facilities.len());
    let b = assess(&layers_b, &d.study.profile, &Progress::new()).unwrap();
    let out = scratch("compare");
    let mut inp = input(d, &[], &[]);
    inp.comparison = Some(ComparisonInput {
        base_label: "now".into(),
        label: "no kindergartens".into(),
        report: &b.report,
        detail: None,
    });
    export(
        &request(
            &out,
            &[Format::Xlsx, Format::Csv, Format::Html],
            Lang::En,
            400,
            false,
        ),
        &inp,
        &Progress::new(),
    )
    .unwrap();
    let s = sheet(&out.join("report.xlsx"), "Comparison");
    let h = header_row(&s, "township");
    assert_eq!(text(&s, h, 3), "now");
    assert_eq!(text(&s, h, 4), "no kindergartens");
    let mut row = h + 1;
    let mut fell = false;
    for ((name, fa), (_, fb)) in all_townships_then_total(a)
        .iter()
        .zip(all_townships_then_total(&b))
    {
        for (ta, tb) in fa.tiers.iter().zip(&fb.tiers) {
            let mut check = |va: f64, vb: f64| {
                assert_eq!(&text(&s, row, 0), name);
                assert_eq!(num(&s, row, 3), Some(va));
                assert_eq!(num(&s, row, 4), Some(vb));
                assert_eq!(num(&s, row, 5), Some(vb - va));
                fell |= vb < va;
                row += 1;
            };
            check(ta.complete_share, tb.complete_share);
            for (ca, cb) in ta.categories.iter().zip(&tb.categories) {
                check(ca.covered_share, cb.covered_share);
            }
        }
    }
    assert!(fell, "removing kindergartens lowers some share");
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert_eq!(csv.lines().count() as u32, row - h);
    // The HTML compares the complete shares: a row per area and tier.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let section = html.split("<section class=\"comparison\">").nth(1).unwrap();
    let section = section.split("</section>").next().unwrap();
    let tiers = d.study.profile.tiers.len();
    let areas = d.study.layers.townships.len() + 1;
    assert_eq!(section.matches("<tr>").count(), 1 + areas * tiers);
    assert!(section.contains("<th>no kindergartens</th>"));
}

/// Distinct colours and the share of pixels that are not white.
fn decode(path: &Path) -> (u32, u32, usize, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    let (mut inked, mut red) = (0usize, 0usize);
    for p in pixels.chunks_exact(px) {
        colours.insert((p[0], p[1], p[2]));
        if p[..3] != [255, 255, 255] {
            inked += 1;
        }
        if p[0] > 150 && p[1] < 80 && p[2] < 90 {
            red += 1;
        }
    }
    let n = (info.width * info.height) as f64;
    (
        info.width,
        info.height,
        colours.len(),
        inked as f64 / n,
        red,
    )
}

#[test]
fn maps_decode_and_are_not_blank() {
    let d = demo();
    let out = scratch("png");
    let written = export(
        &request(&out, &[Format::Png], Lang::Zh, 500, true),
        &input(d, &[], &[]),
        &Progress::new(),
    )
    .unwrap();
    let tiers = d.study.profile.tiers.len();
    let towns = d.study.layers.townships.len();
    // And a supply map per tier × category with a standard.
    let supply = d.assessment.capacity.len();
    assert!(supply >= 4, "{supply} capacity tables");
    assert_eq!(written.len(), tiers * (1 + towns) + supply);
    assert!(out.join("maps/district_t5.png").is_file());
    assert!(out.join("maps/supply_t5_kindergarten.png").is_file());
    assert!(out.join("maps/01_航埠镇_t5.png").is_file());
    for path in &written {
        let (w, h, colours, inked, red) = decode(path);
        assert_eq!(w, 500, "{}", path.display());
        assert!(h > 400 && h < 1000, "{}: {h}", path.display());
        assert!(colours >= 20, "{}: {colours} colours", path.display());
        assert!(inked > 0.3, "{}: {inked}", path.display());
        // Red blind spots show on every t5 map of an area that has them: the
        // district and each township below a complete share of 1.
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with("_t5.png") {
            let t5 = |f: &lifecircle::analysis::AreaCoverage| f.tier("t5").unwrap().complete_share;
            let report = &d.assessment.report;
            let has_spots = match report.townships.iter().find(|t| name.contains(&t.name)) {
                Some(t) => t5(&t.figures) < 1.0,
                None => t5(&report.total) < 1.0,
            };
            if has_spots {
                assert!(red > 50, "{}: {red} red pixels", path.display());
            }
        }
    }
}

#[test]
fn html_names_every_township_and_embeds_its_maps() {
    let d = demo();
    let out = scratch("html");
    export(
        &request(&out, &[Format::Html], Lang::Zh, 400, true),
        &input(d, &[], &[]),
        &Progress::new(),
    )
    .unwrap();
    assert!(!out.join("maps").exists(), "PNG files only when asked");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@page { size: A4"));
    assert!(html.contains("data:font/otf;base64,"));
    let images = html
        .matches("<img src=\"data:image/png;base64,iVBORw0KGgo")
        .count();
    let tiers = d.study.profile.tiers.len();
    let towns = d.study.layers.townships.len();
    assert_eq!(images, tiers * (1 + towns) + d.assessment.capacity.len());
    // The supply section (供需) with a table and map per standard.
    let supply = html
        .split("<section class=\"supply\">")
        .nth(1)
        .expect("a supply section");
    let supply = supply.split("</section>").next().unwrap();
    assert!(supply.contains("<h2>供需</h2>"));
    assert!(supply.contains("幼儿园") && supply.contains("提议值"));
    assert_eq!(supply.matches("<img ").count(), d.assessment.capacity.len());
    assert!(supply.contains("超负荷") && supply.contains("闲置"));
    // A scorecard page (对标与短板) per township, with its tiers' status.
    let cards: Vec<&str> = html
        .split("<section class=\"scorecard\">")
        .skip(1)
        .collect();
    assert_eq!(cards.len(), towns);
    for (card, t) in cards.iter().zip(&d.study.layers.townships) {
        assert!(
            card.starts_with(&format!("\n<h2>{} · 对标与短板</h2>", t.name)),
            "{}",
            t.name
        );
        let own = card.split("</section>").next().unwrap();
        assert_eq!(own.matches("达标</td>").count(), tiers, "{}", t.name);
    }
    // Every township has its section, with its own maps inside it.
    let sections: Vec<&str> = html.split("<section class=\"township\">").skip(1).collect();
    assert_eq!(sections.len(), towns);
    for (section, t) in sections.iter().zip(&d.study.layers.townships) {
        assert!(
            section.contains(&format!("<h2>{}</h2>", t.name)),
            "{}",
            t.name
        );
        let own = section.split("</section>").next().unwrap();
        assert_eq!(own.matches("<img ").count(), tiers, "{}", t.name);
        assert!(own.contains(&format!("alt=\"{} · ", t.name)));
    }
    for tier in &d.study.profile.tiers {
        assert!(html.contains(tier.display_name(true)));
    }
    // The district's complete share, as shown on the cover.
    let share = d.assessment.report.total.tiers[0].complete_share * 100.0;
    assert!(html.contains(&format!("{share:.1}%")));
}

#[test]
fn geojson_and_csv_match_the_assessment() {
    let d = demo();
    let a = &d.assessment;
    let out = scratch("geojson");
    export(
        &request(&out, &[Format::Geojson, Format::Csv], Lang::En, 400, false),
        &input(d, &[], &[]),
        &Progress::new(),
    )
    .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("residents.geojson")).unwrap())
            .unwrap();
    let features = v["features"].as_array().unwrap();
    assert_eq!(features.len(), a.demand.len());
    for (r, f) in features.iter().enumerate().step_by(97) {
        for (s, slot) in a.slots.iter().enumerate() {
            let key = format!("{}_{}", slot.mode.id(), slot.category);
            let m = a.minutes[s][r];
            match f["properties"][&key].as_f64() {
                Some(x) => assert!((x - m as f64).abs() <= 0.005 + 1e-9, "{r} {key}"),
                None => assert!(m.is_infinite(), "{r} {key}: {m}"),
            }
        }
        for (t, tier) in d.study.profile.tiers.iter().enumerate() {
            let blind = a
                .blind_spots
                .iter()
                .any(|b| b.resident as usize == r && b.tier as usize == t);
            assert_eq!(f["properties"][format!("complete_{}", tier.id)], !blind);
        }
    }
    let spots: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("blind_spots.geojson")).unwrap())
            .unwrap();
    assert_eq!(
        spots["features"].as_array().unwrap().len(),
        a.blind_spots.len()
    );

    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let blind = read("blind_spots.csv");
    assert!(blind.starts_with("\u{feff}tier,township,longitude,latitude,population"));
    assert_eq!(blind.lines().count(), a.blind_spots.len() + 1);
    let facilities = read("facilities.csv");
    assert_eq!(
        facilities.lines().count(),
        d.study.layers.facilities.len() + 1
    );
    assert!(read("coverage.csv").lines().count() > 10);
    assert!(!out.join("comparison.csv").exists());
    // Sharing (METHOD 18–19): per tier × category, the township rows add up
    // to the townships' covered population.
    let sharing = read("sharing.csv");
    assert!(sharing.starts_with("tier,category,from,to,demand\n"));
    let mut rows = csv::Reader::from_reader(sharing.as_bytes());
    let mut covered: std::collections::HashMap<(String, String, String), f64> = Default::default();
    for r in rows.records() {
        let r = r.unwrap();
        let demand: f64 = r[4].parse().unwrap();
        assert!(demand > 0.0);
        *covered
            .entry((r[0].to_string(), r[1].to_string(), r[2].to_string()))
            .or_default() += demand;
    }
    for t in &a.report.townships {
        for tier in &t.figures.tiers {
            for c in &tier.categories {
                let got = covered
                    .get(&(tier.id.clone(), c.id.clone(), t.name.clone()))
                    .copied()
                    .unwrap_or(0.0);
                assert!(
                    (got - c.covered_population).abs() < 1e-6,
                    "{} {} {}: {got} vs {}",
                    t.name,
                    tier.id,
                    c.id,
                    c.covered_population
                );
            }
        }
    }
    let service = read("facility_service.csv");
    assert!(service.starts_with("tier,category,facility,name,township,served_township,demand\n"));
    assert!(service.lines().count() > 10);
}

#[test]
fn a_cancelled_export_writes_nothing() {
    let d = demo();
    let out = std::env::temp_dir().join(format!("lifecircle-report-{}-cancel", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let progress = Progress::new();
    progress.cancel();
    let result = export(&ExportRequest::new(&out), &input(d, &[], &[]), &progress);
    assert!(matches!(result, Err(ExportError::Cancelled)), "{result:?}");
    assert!(!out.exists());
}

#[test]
fn the_report_command_writes_the_chosen_formats() {
    let d = demo();
    let out = scratch("cli");
    let f = |name: &str| d.files.join(name).to_string_lossy().into_owned();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .args([
            "report",
            "--townships",
            &f("townships.geojson"),
            "--facilities",
            &f("facilities.geojson"),
        ])
        .args([
            "--residents",
            &f("residents.geojson"),
            "--roads",
            &f("roads.geojson"),
        ])
        .args([
            "--format",
            "xlsx,csv,json",
            "--lang",
            "en",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "blind_spots.csv",
            "coverage.csv",
            "coverage.json",
            "facilities.csv",
            "facility_load.csv",
            "facility_service.csv",
            "report.xlsx",
            "sharing.csv"
        ]
    );
    // The command's coverage.json is `assess`'s: the figures with sharing.
    let mut assessment = d.assessment.clone();
    d.study.add_shared_figures(&mut assessment);
    let mut expected = assessment.report.clone();
    let mut warnings: Vec<String> = d.study.warnings.iter().map(|w| w.to_string()).collect();
    warnings.append(&mut expected.warnings);
    expected.warnings = warnings;
    assert_eq!(
        std::fs::read_to_string(out.join("coverage.json")).unwrap(),
        lifecircle::report::coverage_json(&expected)
    );
    let s = sheet(&out.join("report.xlsx"), "Method");
    let rows: Vec<String> = (1..=s.end().unwrap().0).map(|r| text(&s, r, 1)).collect();
    assert!(
        rows.iter()
            .any(|v| v.contains("townships.geojson (9 features)")),
        "{rows:?}"
    );
}

/// With settlement values on the residents, coverage.json has the town and
/// village complete shares (checked against a count of the blind spots), the
/// HTML report a 城乡 table per tier and the workbook a 城乡对比 sheet.
#[test]
fn town_and_village_tables_when_residents_have_a_settlement() {
    use lifecircle::model::Settlement;
    let d = demo();
    let mut layers = d.study.layers.clone();
    for (i, r) in layers.residents.as_mut().unwrap().iter_mut().enumerate() {
        r.settlement = Some(if i % 3 == 0 {
            Settlement::Town
        } else {
            Settlement::Village
        });
    }
    let profile = &d.study.profile;
    let a = assess(&layers, profile, &Progress::new()).unwrap();
    let out = scratch("town-village");
    let input = ExportInput {
        layers: &layers,
        profile,
        assessment: &a,
        warnings: &[],
        data_files: &[],
        comparison: None,
        redundancy: None,
    };
    export(
        &request(
            &out,
            &[Format::Html, Format::Xlsx, Format::Json],
            Lang::Zh,
            400,
            false,
        ),
        &input,
        &Progress::new(),
    )
    .unwrap();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        html.matches("城乡对比（镇区与乡村）").count(),
        profile.tiers.len()
    );
    let names = open_workbook_auto(out.join("report.xlsx"))
        .unwrap()
        .sheet_names();
    assert!(names.iter().any(|n| n == "城乡对比"), "{names:?}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    // The first township's town share of the first tier, counted by hand.
    let (mut pop, mut blind) = (0.0, 0.0);
    for (i, r) in a.demand.iter().enumerate() {
        if a.resident_township[i] == Some(0) && r.settlement == Some(Settlement::Town) {
            pop += r.population;
            if a.blind_spots
                .iter()
                .any(|b| b.tier == 0 && b.resident as usize == i)
            {
                blind += r.population;
            }
        }
    }
    let got = json["townships"][0]["tiers"][0]["town_complete_share"]
        .as_f64()
        .unwrap();
    assert!(((pop - blind) / pop - got).abs() < 1e-12, "{got}");
    assert!(json["townships"][0]["tiers"][0]["village_complete_share"].is_f64());
}
