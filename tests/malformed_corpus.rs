//! The malformed-input corpus (issue 14 item 8): more than 80 broken files
//! of every layer, the profile and the project, each given to one of the
//! commands (`assess`, `report`, `compare`, `suggest`, `scorecard`,
//! `convert`) or opened as a project. Each case asserts the exit status,
//! that the message names the file and says what is wrong, and that no
//! output is left behind.

use std::path::Path;
use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_lifecircle");

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Which input a case replaces.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Townships,
    Facilities,
    Residents,
    Roads,
    Profile,
}

impl Slot {
    fn flag(self) -> &'static str {
        match self {
            Slot::Townships => "--townships",
            Slot::Facilities => "--facilities",
            Slot::Residents => "--residents",
            Slot::Roads => "--roads",
            Slot::Profile => "--profile",
        }
    }

    fn layer(self) -> &'static str {
        match self {
            Slot::Townships => "townships",
            Slot::Facilities => "facilities",
            Slot::Residents => "residents",
            Slot::Roads => "roads",
            Slot::Profile => "profile",
        }
    }
}

/// One broken file: its name, its bytes, and what the message must say
/// (`a|b`: either).
struct Broken {
    name: &'static str,
    bytes: Vec<u8>,
    says: &'static str,
}

fn broken(name: &'static str, bytes: impl Into<Vec<u8>>, says: &'static str) -> Broken {
    Broken {
        name,
        bytes: bytes.into(),
        says,
    }
}

fn fc(features: &str) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#)
}

fn feature(props: &str, geometry: &str) -> String {
    format!(r#"{{"type":"Feature","properties":{props},"geometry":{geometry}}}"#)
}

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[118.8,28.9],[118.9,28.9],[118.9,29.0],[118.8,29.0],[118.8,28.9]]]}"#;
const POINT: &str = r#"{"type":"Point","coordinates":[118.85,28.95]}"#;
const LINE: &str = r#"{"type":"LineString","coordinates":[[118.85,28.95],[118.86,28.95]]}"#;

/// Files broken the same way whatever layer they stand for.
fn any_layer() -> Vec<Broken> {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    vec![
        broken("empty.geojson", "", "not valid JSON"),
        broken(
            "cut.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Fe"#,
            "not valid JSON",
        ),
        broken("list.geojson", "[1,2,3]", "found a list"),
        broken("null.geojson", "null", "found null"),
        broken("number.geojson", "42", "found a number"),
        broken(
            "topo.geojson",
            r#"{"type":"Topology","objects":{}}"#,
            "TopoJSON",
        ),
        broken("notype.geojson", r#"{"features":[]}"#, "without a \"type\""),
        broken(
            "nofeatures.geojson",
            r#"{"type":"FeatureCollection"}"#,
            "without a \"features\" list",
        ),
        broken(
            "twice.geojson",
            format!(
                r#"{{"type":"FeatureCollection","features":[],"features":[{}]}}"#,
                feature("{}", POINT)
            ),
            "the key \"features\" appears twice",
        ),
        broken("none.geojson", fc(""), "no usable"),
        broken(
            "nulls.geojson",
            fc(&feature(
                r#"{"name":"a","category":"kindergarten"}"#,
                "null",
            )),
            "has no geometry",
        ),
        broken(
            "garbage.geojson",
            vec![0xff, 0xfe, 0x00, 0x13, 0x37, 0x00, 0x42],
            "not valid JSON",
        ),
        broken("deep.geojson", deep, "not valid JSON"),
        broken(
            "huge.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1e999,30]}}]}"#,
            "number out of range",
        ),
        broken("layer.txt", "hello", "unsupported file type"),
        broken("sheet.xlsx", "this is no workbook", "xlsx"),
        broken("shape.shp", vec![0u8; 40], "Shapefile"),
        broken("pbf.osm.pbf", vec![1u8, 2, 3, 4, 5], "pbf"),
        broken("nothing.csv", "", "csv"),
        broken(
            "headers.csv",
            "name,category\n",
            "no longitude/latitude columns|a CSV file holds points only",
        ),
    ]
}

fn townships() -> Vec<Broken> {
    let bow = r#"{"type":"Polygon","coordinates":[[[118.8,28.9],[118.9,29.0],[118.9,28.9],[118.8,29.0],[118.8,28.9]]]}"#;
    let projected = r#"{"type":"Polygon","coordinates":[[[512345.0,3312345.0],[512445.0,3312345.0],[512445.0,3312445.0],[512345.0,3312345.0]]]}"#;
    let flat = r#"{"type":"Polygon","coordinates":[[[118.8,28.9],[118.85,28.9],[118.9,28.9],[118.8,28.9]]]}"#;
    vec![
        broken(
            "bowtie.geojson",
            fc(&feature(r#"{"name":"蝴蝶镇"}"#, bow)),
            "the boundary of township \"蝴蝶镇\" crosses itself at (118.850000, 28.950000)",
        ),
        broken(
            "points.geojson",
            fc(&feature(r#"{"name":"a"}"#, POINT)),
            "townships need Polygon or MultiPolygon",
        ),
        broken(
            "noname.geojson",
            fc(&feature(r#"{"code":"1"}"#, SQUARE)),
            "has no name",
        ),
        broken(
            "projected.geojson",
            fc(&feature(r#"{"name":"a"}"#, projected)),
            "looks projected",
        ),
        broken(
            "flat.geojson",
            fc(&feature(r#"{"name":"a"}"#, flat)),
            "encloses no area",
        ),
        broken(
            "dupkey.geojson",
            fc(
                r#"{"type":"Feature","properties":{"name":"a"},"properties":{"name":"b"},"geometry":null}"#,
            ),
            "the key \"properties\" appears twice",
        ),
        broken(
            "ring.geojson",
            fc(&feature(
                r#"{"name":"a"}"#,
                r#"{"type":"Polygon","coordinates":[[[118.8,28.9],[118.9,28.9],[118.8,28.9]]]}"#,
            )),
            "a closed ring needs at least 4",
        ),
        broken(
            "rings.geojson",
            fc(&feature(
                r#"{"name":"a"}"#,
                r#"{"type":"Polygon","coordinates":[]}"#,
            )),
            "no rings",
        ),
    ]
}

fn facilities() -> Vec<Broken> {
    vec![
        broken(
            "library.geojson",
            fc(&feature(r#"{"category":"casino","name":"x"}"#, POINT)),
            "the profile lists no category that any facility has",
        ),
        broken(
            "nocat.geojson",
            fc(&feature(r#"{"name":"x"}"#, POINT)),
            "has no category",
        ),
        broken(
            "polys.geojson",
            fc(&feature(r#"{"category":"kindergarten"}"#, SQUARE)),
            "facilities need Point",
        ),
        broken(
            "origin.geojson",
            fc(&feature(
                r#"{"category":"kindergarten"}"#,
                r#"{"type":"Point","coordinates":[0,0]}"#,
            )),
            "missing location",
        ),
        broken(
            "swapped.geojson",
            fc(&feature(
                r#"{"category":"kindergarten"}"#,
                r#"{"type":"Point","coordinates":[28.95,118.85]}"#,
            )),
            "swapped",
        ),
        broken(
            "short.geojson",
            fc(&feature(
                r#"{"category":"kindergarten"}"#,
                r#"{"type":"Point","coordinates":[118.85]}"#,
            )),
            "two or more elements",
        ),
        broken(
            "lines.geojson",
            fc(&feature(r#"{"category":"kindergarten"}"#, LINE)),
            "facilities need Point",
        ),
        broken(
            "cols.csv",
            "名称,类别\n幼儿园,kindergarten\n",
            "no longitude/latitude columns",
        ),
        broken(
            "badlon.csv",
            "lon,lat,category\nabc,28.9,kindergarten\n",
            "lon",
        ),
        broken(
            "farlat.csv",
            "lon,lat,category\n118.8,95,kindergarten\n",
            "outside longitude/latitude range",
        ),
    ]
}

fn residents() -> Vec<Broken> {
    let pop = |p: &str| fc(&feature(&format!(r#"{{"population":{p}}}"#), POINT));
    vec![
        broken("negative.geojson", pop("-5"), "population -5 is negative"),
        broken(
            "absurd.geojson",
            pop("1.797e308"),
            "population 1.797e308 is more than 1e7 people on one point",
        ),
        broken(
            "text.geojson",
            pop(r#""many""#),
            "population \"many\" is not a number",
        ),
        broken("nan.geojson", pop(r#""NaN""#), "is not a finite number"),
        broken("inf.geojson", pop(r#""inf""#), "is not a finite number"),
        broken(
            "lines.geojson",
            fc(&feature(r#"{"population":3}"#, LINE)),
            "residents need",
        ),
        broken("bool.geojson", pop("true"), "is not a number"),
        broken(
            "pop.csv",
            "lon,lat,population\n118.85,28.95,-1\n",
            "population -1 is negative",
        ),
    ]
}

fn roads() -> Vec<Broken> {
    vec![
        broken(
            "points.geojson",
            fc(&feature(r#"{"highway":"primary"}"#, POINT)),
            "roads need",
        ),
        broken(
            "onevertex.geojson",
            fc(&feature(
                r#"{"highway":"primary"}"#,
                r#"{"type":"LineString","coordinates":[[118.85,28.95]]}"#,
            )),
            "at least 2",
        ),
        broken(
            "projected.geojson",
            fc(&feature(
                r#"{"highway":"primary"}"#,
                r#"{"type":"LineString","coordinates":[[512345.0,3312345.0],[512445.0,3312345.0]]}"#,
            )),
            "looks projected",
        ),
        broken(
            "polys.geojson",
            fc(&feature(r#"{"highway":"primary"}"#, SQUARE)),
            "roads need",
        ),
        broken(
            "roads.csv",
            "lon,lat\n118.85,28.95\n",
            "CSV file holds points only",
        ),
    ]
}

fn profiles() -> Vec<Broken> {
    let tier = |t: &str| format!(r#"{{"tiers":[{t}]}}"#);
    vec![
        broken(
            "list.json",
            r#"[{"tiers":[]}]"#,
            "the profile file must be an object with \"tiers\"",
        ),
        broken(
            "text.json",
            r#""walk""#,
            "the profile file must be an object",
        ),
        broken(
            "twice.json",
            r#"{"tiers":[],"tiers":[]}"#,
            "the key \"tiers\" appears twice",
        ),
        broken("notiers.json", r#"{"tiers":[]}"#, "tier"),
        broken("cut.json", r#"{"tiers":[{"id":"t5""#, "not valid JSON"),
        broken(
            "minutes.json",
            tier(r#"{"id":"t5","minutes":-5,"mode":"walk","categories":["kindergarten"]}"#),
            "minutes must be a number between 0 and 1440",
        ),
        broken(
            "forever.json",
            tier(r#"{"id":"t5","minutes":1e9,"mode":"walk","categories":["kindergarten"]}"#),
            "minutes must be a number between 0 and 1440",
        ),
        broken(
            "mode.json",
            tier(r#"{"id":"t5","minutes":5,"mode":"teleport","categories":["kindergarten"]}"#),
            "teleport",
        ),
        broken(
            "nocats.json",
            tier(r#"{"id":"t5","minutes":5,"mode":"walk","categories":[]}"#),
            "lists no required category",
        ),
        broken(
            "dup.json",
            format!(
                r#"{{"tiers":[{0},{0}]}}"#,
                r#"{"id":"t5","minutes":5,"mode":"walk","categories":["kindergarten"]}"#
            ),
            "t5",
        ),
        broken(
            "target.json",
            tier(
                r#"{"id":"t5","minutes":5,"mode":"walk","categories":["kindergarten"],"target":90}"#,
            ),
            "target must be a share between 0 and 1",
        ),
        broken("empty.json", "", "not valid JSON"),
    ]
}

/// Outputs a command would write, none of which may exist after a failure.
fn run_case(
    dir: &Path,
    n: usize,
    slot: Slot,
    case: &Broken,
    failures: &mut Vec<String>,
) -> (String, bool) {
    let case_dir = dir.join(format!("case{n:03}"));
    std::fs::create_dir_all(&case_dir).unwrap();
    let file = case_dir.join(case.name);
    std::fs::write(&file, &case.bytes).unwrap();
    let out = case_dir.join("out");
    let commands = [
        "assess",
        "report",
        "compare",
        "suggest",
        "scorecard",
        "convert",
    ];
    let command = match commands[n % commands.len()] {
        // `convert` reads layers only: a profile case goes to `assess`.
        "convert" if slot == Slot::Profile => "assess",
        c => c,
    };
    let mut c = Command::new(EXE);
    c.arg(command);
    if command == "convert" && slot != Slot::Profile {
        c.args(["--layer", slot.layer()]);
        c.arg(&file).arg(case_dir.join("out.geojson"));
    } else {
        let mut input = vec![
            ("--townships", data("townships.geojson")),
            ("--facilities", data("facilities.geojson")),
            ("--residents", data("residents.geojson")),
            ("--roads", data("roads.geojson")),
            ("--profile", data("profile-default.json")),
        ];
        for (flag, path) in input.iter_mut() {
            if *flag == slot.flag() {
                *path = file.to_string_lossy().into_owned();
            }
        }
        for (flag, path) in &input {
            c.args([flag, path.as_str()]);
        }
        match command {
            "compare" => {
                c.args(["--a", "baseline", "--b", "baseline"]);
            }
            "suggest" => {
                c.args(["--tier", "t15", "-k", "1"]);
            }
            "report" => {
                c.args(["--format", "json,csv"]);
            }
            _ => {}
        }
        c.args(["--out", out.to_str().unwrap()]);
    }
    let o = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let label = format!("case {n} ({command}, {} {})", slot.layer(), case.name);
    if o.status.code() != Some(2) {
        failures.push(format!("{label}: exit {:?}\n{stderr}", o.status.code()));
    }
    let error: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    let names_file = error.iter().any(|l| l.contains(case.name));
    let says = error
        .iter()
        .chain(
            stderr
                .lines()
                .filter(|l| l.starts_with("warning:"))
                .collect::<Vec<_>>()
                .iter(),
        )
        .any(|l| {
            // `a|b`: either wording (it depends on the layer).
            case.says
                .split('|')
                .any(|says| l.to_lowercase().contains(&says.to_lowercase()))
        });
    if !names_file {
        failures.push(format!(
            "{label}: the error does not name the file\n{stderr}"
        ));
    }
    if !says {
        failures.push(format!(
            "{label}: the message does not say {:?}\n{stderr}",
            case.says
        ));
    }
    if out.exists() || case_dir.join("out.geojson").exists() {
        failures.push(format!("{label}: output left behind"));
    }
    let left: Vec<String> = std::fs::read_dir(&case_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f != case.name)
        .collect();
    if !left.is_empty() {
        failures.push(format!("{label}: left behind {left:?}"));
    }
    (command.to_string(), stderr.contains("panicked"))
}

#[test]
fn every_malformed_input_is_refused_naming_the_file_and_the_problem() {
    let dir = std::env::temp_dir().join(format!("lifecircle-corpus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut cases: Vec<(Slot, Broken)> = Vec::new();
    for slot in [
        Slot::Townships,
        Slot::Facilities,
        Slot::Residents,
        Slot::Roads,
    ] {
        cases.extend(any_layer().into_iter().map(|b| (slot, b)));
    }
    cases.extend(townships().into_iter().map(|b| (Slot::Townships, b)));
    cases.extend(facilities().into_iter().map(|b| (Slot::Facilities, b)));
    cases.extend(residents().into_iter().map(|b| (Slot::Residents, b)));
    cases.extend(roads().into_iter().map(|b| (Slot::Roads, b)));
    cases.extend(profiles().into_iter().map(|b| (Slot::Profile, b)));
    let mut failures = Vec::new();
    let mut commands = std::collections::BTreeMap::new();
    for (n, (slot, case)) in cases.iter().enumerate() {
        let (command, panicked) = run_case(&dir, n, *slot, case, &mut failures);
        assert!(!panicked, "case {n} panicked");
        *commands.entry(command).or_insert(0) += 1;
    }
    println!("{} cases: {commands:?}", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Broken project files, opened by the command line and by the library.
#[test]
fn broken_project_files_are_refused_naming_the_file() {
    let dir = std::env::temp_dir().join(format!("lifecircle-corpus-prj-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty.lifecircle.json", String::new(), "not valid JSON"),
        ("list.lifecircle.json", "[]".into(), "no \"format\""),
        (
            "other.lifecircle.json",
            r#"{"format":"other"}"#.into(),
            "no \"format\"",
        ),
        (
            "future.lifecircle.json",
            r#"{"format":"lifecircle-project","version":99}"#.into(),
            "99",
        ),
        (
            "twice.lifecircle.json",
            r#"{"format":"lifecircle-project","version":1,"name":"a","name":"b"}"#.into(),
            "the key \"name\" appears twice",
        ),
        (
            "noprofile.lifecircle.json",
            r#"{"format":"lifecircle-project","version":1,"name":"a"}"#.into(),
            "profile",
        ),
        (
            "cut.lifecircle.json",
            r#"{"format":"lifecircle-pro"#.into(),
            "not valid JSON",
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, says) in &cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let err = lifecircle::io::load_project(&path).unwrap_err().to_string();
        if !(err.contains(name) && err.contains(says)) {
            failures.push(format!("{name}: {err}"));
        }
        let out = dir.join("out");
        let o = Command::new(EXE)
            .args(["compare", "--a", "baseline", "--b", "baseline", "--project"])
            .arg(&path)
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        if o.status.code() != Some(2) || !stderr.contains(name) || out.exists() {
            failures.push(format!("{name} (compare): {:?} {stderr}", o.status.code()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let _ = std::fs::remove_dir_all(&dir);
}
