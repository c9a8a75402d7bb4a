//! `assess` writes its large outputs on a background thread while the
//! small ones are made (issue 17); these tests check that the folder it
//! leaves is byte for byte what writing everything in turn on one thread
//! gives, on the demo and on a small synthetic district.

use super::*;
use crate::analysis::assess;
use std::collections::BTreeMap;

/// The outputs as the writer before issue 17 made them: shared figures
/// into the assessment, then every text in turn, the blind spots last.
fn written_in_turn(input: &InputArgs, lang: Lang) -> BTreeMap<String, Vec<u8>> {
    let study = load_study(input).expect("loads");
    let mut assessment = assess(&study.layers, &study.profile, &Progress::new()).expect("runs");
    let sharing = study.add_shared_figures(&mut assessment);
    name_set_aside_files(&mut assessment, input, &study.numbers);
    let mut report = assessment.report.clone();
    let mut warnings: Vec<String> = study.warnings.iter().map(|w| w.to_string()).collect();
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    let mut files: BTreeMap<String, Vec<u8>> =
        small_outputs(&study, &report, &sharing, &assessment, lang)
            .into_iter()
            .map(|(name, text)| (name.to_string(), text.into_bytes()))
            .collect();
    let mut blind_spots = Vec::new();
    report::write_blind_spots_geojson(
        &mut blind_spots,
        &assessment,
        &study.profile,
        &study.layers.townships,
    )
    .expect("writes to memory");
    files.insert("blind_spots.geojson".to_string(), blind_spots);
    files
}

/// Every file of `dir` by name.
fn folder(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .expect("output folder")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("readable"),
            )
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lifecircle-streamed-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn assert_same_outputs(input: InputArgs, lang: Lang, out: &Path) {
    let expected = written_in_turn(&input, lang);
    let args = AssessArgs {
        input,
        lang,
        out: out.to_path_buf(),
    };
    run_assess(&args).expect("assess writes");
    let got = folder(out);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &expected {
        assert!(
            got[name] == *bytes,
            "{name} differs ({} bytes written, {} expected)",
            got[name].len(),
            bytes.len()
        );
    }
    // Blind spots were found, so the streamed file is not trivially equal.
    assert!(expected["blind_spots.geojson"].len() > 1_000);
    // Written again over the old folder: the same files, nothing left over.
    run_assess(&args).expect("assess writes again");
    assert_eq!(folder(out), got);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn assess_outputs_on_the_demo_are_those_written_in_turn() {
    let out = scratch("demo");
    assert_same_outputs(InputArgs::default(), Lang::Zh, &out);
}

#[test]
fn assess_outputs_on_a_synthetic_district_are_those_written_in_turn() {
    let dir = scratch("synthetic-in");
    std::fs::create_dir_all(&dir).unwrap();
    let params = crate::generate::SyntheticParams {
        townships: 37,
        ..crate::generate::SyntheticParams::small()
    };
    crate::generate::write_layers_geojson(&crate::generate::synthetic_district(&params), &dir)
        .unwrap();
    let input = InputArgs {
        townships: Some(dir.join("townships.geojson")),
        facilities: Some(dir.join("facilities.geojson")),
        residents: Some(dir.join("residents.geojson")),
        roads: Some(dir.join("roads.geojson")),
        ..InputArgs::default()
    };
    let out = scratch("synthetic-out");
    assert_same_outputs(input, Lang::En, &out);
    std::fs::remove_dir_all(&dir).unwrap();
}
