//! Benchmark of the coverage engine: the demo district and a synthetic
//! district of 1,000,000 road nodes / 1,000,000 residents / 20,000
//! facilities. Prints the wall time of every phase, peak memory, and the time
//! of incremental re-assessment after layout edits (add, move, delete).
//!
//! `cargo bench --bench coverage` (add `-- --demo-only` for the demo alone;
//! `-- --synthetic-only --no-cli --no-edits --runs 5` for the phases alone).
//! The synthetic district is written once to `target/bench-synthetic/` as
//! GeoJSON, then `lifecircle assess` runs on it end to end as a child
//! process, whose own peak memory it reports.

use lifecircle::analysis::{Assessment, LiveAssessment, Progress, assess};
use lifecircle::cli::{InputArgs, load_study};
use lifecircle::generate::{SyntheticParams, synthetic_district, write_layers_geojson};
use lifecircle::model::{Edit, Facility, FacilityId};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn input_for(dir: &Path) -> InputArgs {
    InputArgs {
        townships: Some(dir.join("townships.geojson")),
        facilities: Some(dir.join("facilities.geojson")),
        residents: Some(dir.join("residents.geojson")),
        roads: Some(dir.join("roads.geojson")),
        ..InputArgs::default()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Load once, then assess `runs` times; prints the median of every phase.
fn bench_in_process(label: &str, input: &InputArgs, runs: usize) {
    let clock = Instant::now();
    let study = load_study(input).unwrap_or_else(|e| panic!("{label}: {e:?}"));
    let load = clock.elapsed().as_secs_f64();
    let mut phases: Vec<[f64; 6]> = Vec::new();
    let mut last: Option<Assessment> = None;
    for _ in 0..runs {
        drop(last.take());
        let clock = Instant::now();
        let a = assess(&study.layers, &study.profile, &Progress::new()).expect("not cancelled");
        let total = clock.elapsed().as_secs_f64();
        let t = a.timings;
        phases.push([t.prepare, t.build, t.snap, t.dijkstra, t.aggregate, total]);
        last = Some(a);
    }
    let col = |i: usize| median(phases.iter().map(|p| p[i]).collect());
    let a = last.expect("at least one run");
    println!("== {label} ({runs} runs, median seconds)");
    println!(
        "   input: {} townships, {} facilities, {} residents, {} road nodes, {} segments",
        a.report.method.townships,
        a.report.method.facilities,
        a.report.method.residents,
        a.report.method.road_nodes,
        a.report.method.road_segments
    );
    println!("   load (GeoJSON)     {load:8.3}");
    println!("   prepare            {:8.3}", col(0));
    println!("   build network      {:8.3}", col(1));
    println!("   snap               {:8.3}", col(2));
    println!("   Dijkstra + minutes {:8.3}", col(3));
    println!("   aggregate          {:8.3}", col(4));
    println!("   all after loading  {:8.3}", col(5));
    println!(
        "   slots (mode × category): {}, blind spots: {}",
        a.slots.len(),
        a.blind_spots.len()
    );
}

/// Times edits on a live assessment: each edit recomputes only its category.
fn bench_edits(label: &str, input: &InputArgs) {
    let study = load_study(input).unwrap_or_else(|e| panic!("{label}: {e:?}"));
    let clock = Instant::now();
    let mut live = LiveAssessment::new(&study.layers, &study.profile, &Progress::new())
        .expect("not cancelled");
    let setup = clock.elapsed().as_secs_f64();
    let facilities = study.layers.facilities.clone();
    let step = (facilities.len() / 7).max(1);
    let mut times: Vec<(&str, f64)> = Vec::new();
    for (k, i) in (0..facilities.len()).step_by(step).take(7).enumerate() {
        let f = &facilities[i];
        let moved = geo::Point::new(f.location.x() + 0.002, f.location.y() + 0.001);
        let added = Facility {
            name: format!("bench {k}"),
            location: moved,
            ..f.clone()
        };
        let id = live.next_id();
        let edits = [
            (
                "add",
                Edit::Add {
                    id,
                    facility: added,
                },
            ),
            (
                "move",
                Edit::Move {
                    id: FacilityId(i as u32),
                    from: f.location,
                    to: moved,
                },
            ),
            (
                "delete",
                Edit::Delete {
                    id,
                    facility: f.clone(),
                },
            ),
        ];
        for (name, edit) in edits {
            let effect = live.apply(&edit).expect("valid edit");
            times.push((name, effect.seconds));
        }
    }
    let all: Vec<f64> = times.iter().map(|t| t.1).collect();
    println!(
        "== {label}: live assessment set-up {setup:.3} s; {} edits",
        all.len()
    );
    for kind in ["add", "move", "delete"] {
        let v: Vec<f64> = times
            .iter()
            .filter(|t| t.0 == kind)
            .map(|t| t.1 * 1000.0)
            .collect();
        println!(
            "   {kind:<6} median {:7.1} ms, max {:7.1} ms",
            median(v.clone()),
            v.iter().copied().fold(0.0, f64::max)
        );
    }
    println!(
        "   all    median {:7.1} ms",
        median(all.iter().map(|t| t * 1000.0).collect())
    );
}

/// Runs `lifecircle assess` on `dir` and prints its wall time and peak memory.
fn bench_cli(label: &str, dir: &Path) {
    let exe = env!("CARGO_BIN_EXE_lifecircle");
    let out = std::env::temp_dir().join("lifecircle-bench-out");
    let clock = Instant::now();
    let output = Command::new(exe)
        .args(["assess", "--lang", "en", "--out"])
        .arg(&out)
        .args(
            ["--townships", "--facilities", "--residents", "--roads"]
                .iter()
                .zip(
                    ["townships", "facilities", "residents", "roads"]
                        .iter()
                        .map(|f| dir.join(format!("{f}.geojson"))),
                )
                .flat_map(|(flag, path)| [flag.into(), path.into_os_string()])
                .collect::<Vec<std::ffi::OsString>>(),
        )
        .output()
        .expect("run lifecircle");
    let wall = clock.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    println!("== {label}: `lifecircle assess` end to end from GeoJSON: {wall:.3} s");
    for line in String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with("time") || l.contains("peak"))
    {
        println!("   {line}");
    }
}

fn synthetic_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-synthetic");
    let params = SyntheticParams::benchmark();
    let stamp = dir.join(format!(
        "params-{}-{}-{}-{}",
        params.road_nodes, params.residents, params.facilities, params.seed
    ));
    if !stamp.exists() {
        let clock = Instant::now();
        let layers = synthetic_district(&params);
        std::fs::create_dir_all(&dir).unwrap();
        write_layers_geojson(&layers, &dir).unwrap();
        std::fs::write(&stamp, b"").unwrap();
        println!(
            "(generated the synthetic district in {:.1} s)",
            clock.elapsed().as_secs_f64()
        );
    }
    dir
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    if flag("--list") {
        return;
    }
    // `--synthetic-only`, `--no-cli`, `--no-edits` and `--runs N` narrow the
    // run, e.g. for profiling one phase.
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    if !flag("--synthetic-only") {
        let demo = lifecircle::io::demo_data_dir();
        bench_in_process("demo district", &input_for(&demo), 10);
        bench_cli("demo district", &demo);
        bench_edits("demo district", &input_for(&demo));
    }
    if flag("--demo-only") {
        return;
    }
    let dir = synthetic_dir();
    bench_in_process(
        "synthetic 1M nodes / 1M residents / 20k facilities",
        &input_for(&dir),
        runs,
    );
    if !flag("--no-cli") {
        bench_cli("synthetic 1M/1M/20k", &dir);
    }
    if !flag("--no-edits") {
        bench_edits("synthetic 1M/1M/20k", &input_for(&dir));
    }
}
