//! Benchmark of the coverage engine: the demo district and a synthetic
//! district of 1,000,000 road nodes / 1,000,000 residents / 20,000
//! facilities. Prints the wall time of every phase, peak memory, and the time
//! of incremental re-assessment after layout edits (add, move, delete) and
//! after road and population edits (road added, closed, class changed,
//! residential area added, population scaled).
//!
//! `cargo bench --bench coverage` (add `-- --demo-only` for the demo alone;
//! `-- --synthetic-only --no-cli --no-edits --runs 5` for the phases alone;
//! `--no-capacity` skips the runs with and without 2SFCA capacity).
//! The synthetic district is written once to `target/bench-synthetic/` as
//! GeoJSON, then `lifecircle assess` runs on it end to end as a child
//! process, whose own peak memory it reports.
//!
//! `-- --province` runs the province size instead (W5: 3,000,000 road
//! nodes and residents, 60,000 facilities, 1,300 townships), written once
//! to `target/bench-province/` (about 1.5 GB; regenerated when its
//! parameters change): the phases with the memory each adds, then
//! `lifecircle assess` end to end, three times each (`--runs N`).

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

/// Current and peak resident memory of this process (Linux `VmRSS`,
/// `VmHWM`), in megabytes.
fn memory_mb() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = |key: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse::<f64>().ok()
    };
    Some((kb("VmRSS:")? / 1024.0, kb("VmHWM:")? / 1024.0))
}

/// Starts a new peak-memory window (Linux: writing 5 to `clear_refs`
/// resets `VmHWM` to the current size). Returns whether it could.
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", b"5").is_ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Categories given capacities and a standard in the capacity runs.
const SUPPLY_CATEGORIES: [(&str, f64, f64); 6] = [
    ("kindergarten", 1000.0, 90.0),
    ("primary_school", 1000.0, 1080.0),
    ("elderly_care_home", 35.0, 60.0),
    ("sports_ground", 2600.0, 4000.0),
    ("elderly_day_care", 20.0, 30.0),
    ("junior_middle_school", 1000.0, 1200.0),
];

/// How the study is set up for a run: the profile's standards removed
/// (coverage only), or six categories with capacities and standards.
#[derive(Clone, Copy, PartialEq)]
enum Supply {
    Without,
    With,
}

fn with_supply(study: &mut lifecircle::cli::LoadedStudy, supply: Supply) {
    for c in &mut study.profile.categories {
        c.standard_per_1000 = None;
        if supply == Supply::With
            && let Some(&(_, standard, _)) = SUPPLY_CATEGORIES.iter().find(|s| s.0 == c.id)
        {
            c.standard_per_1000 = Some(standard);
        }
    }
    // Capacities vary ±50 % around the typical size, deterministically.
    for (i, f) in study.layers.facilities.iter_mut().enumerate() {
        f.capacity = match (supply, SUPPLY_CATEGORIES.iter().find(|s| s.0 == f.category)) {
            (Supply::With, Some(&(_, _, typical))) => {
                Some((typical * (0.5 + (i * 7919 % 1000) as f64 / 1000.0)).round())
            }
            _ => None,
        };
    }
}

/// Load once, then assess `runs` times; prints the median of every phase.
fn bench_in_process(label: &str, input: &InputArgs, runs: usize) {
    bench_in_process_with(label, input, runs, None);
}

/// [`bench_in_process`] with the study set up for `supply` (see [`Supply`]).
fn bench_in_process_with(label: &str, input: &InputArgs, runs: usize, supply: Option<Supply>) {
    // The phases as `assess` runs them: its allocator settings.
    lifecircle::cli::tune_allocator(100);
    let windowed = reset_peak_memory();
    let clock = Instant::now();
    let mut study = load_study(input).unwrap_or_else(|e| panic!("{label}: {e:?}"));
    let load = clock.elapsed().as_secs_f64();
    let after_load = memory_mb();
    if let Some(supply) = supply {
        with_supply(&mut study, supply);
    }
    let mut phases: Vec<[f64; 7]> = Vec::new();
    let mut last: Option<Assessment> = None;
    let mut assess_peak = None;
    for run in 0..runs {
        drop(last.take());
        if run == 0 && windowed {
            reset_peak_memory();
        }
        let clock = Instant::now();
        let a = assess(&study.layers, &study.profile, &Progress::new()).expect("not cancelled");
        let total = clock.elapsed().as_secs_f64();
        let t = a.timings;
        phases.push([
            t.prepare,
            t.build,
            t.snap,
            t.dijkstra,
            t.capacity,
            t.aggregate,
            total,
        ]);
        if run == 0 && windowed {
            assess_peak = memory_mb();
        }
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
    println!("   capacity (2SFCA)   {:8.3}", col(4));
    println!("   aggregate          {:8.3}", col(5));
    println!("   all after loading  {:8.3}", col(6));
    println!(
        "   slots (mode × category): {}, blind spots: {}",
        a.slots.len(),
        a.blind_spots.len()
    );
    if let (true, Some((rss, load_peak)), Some((held, peak))) = (windowed, after_load, assess_peak)
    {
        println!(
            "   memory: loading peak {load_peak:.0} MB, loaded {rss:.0} MB; \
             assessing peak {peak:.0} MB, with the assessment held {held:.0} MB"
        );
    }
    if !a.capacity.is_empty() {
        let searched: usize = a.capacity.iter().map(|t| t.facilities.len()).sum();
        println!(
            "   capacity tables: {}, facility searches: {searched}",
            a.capacity.len()
        );
    }
}

/// Times edits on a live assessment: each edit recomputes only its category.
fn bench_edits(label: &str, input: &InputArgs) {
    // Live edits are the app's path: its allocator settings.
    lifecircle::cli::tune_allocator(-1);
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

/// Times road and population edits on a live assessment (issue 16): each
/// step adds one change to the layout's scenario, which is applied to the
/// layers (`Scenario::apply_to`) and the live assessment brought up to
/// date (`LiveAssessment::reassess`, only the searches the edit reaches).
fn bench_scenario_edits(label: &str, input: &InputArgs) {
    use geo::{Coord, LineString, MultiPolygon, Polygon};
    use lifecircle::model::{Oneway, PopulationChange, ResidentialArea, Road, Scenario};
    lifecircle::cli::tune_allocator(-1);
    let study = load_study(input).unwrap_or_else(|e| panic!("{label}: {e:?}"));
    let base = &study.layers;
    let mut live =
        LiveAssessment::new(base, &study.profile, &Progress::new()).expect("not cancelled");
    let roads = base.roads.as_ref().expect("a road layer");
    let residents = base.residents.as_ref().expect("a residents layer");
    let square = |c: Coord<f64>, half: f64| {
        Polygon::new(
            LineString::from(vec![
                (c.x - half, c.y - half),
                (c.x + half, c.y - half),
                (c.x + half, c.y + half),
                (c.x - half, c.y + half),
                (c.x - half, c.y - half),
            ]),
            vec![],
        )
    };
    let frame = lifecircle::analysis::StudyExtent::of(&base.townships).map(|e| e.bounds);
    let mut scenario = Scenario::default();
    let mut times: Vec<(&str, f64, f64, usize, usize)> = Vec::new();
    let picks = 5;
    for k in 0..picks {
        let r = &roads[(k * roads.len() / picks + 3) % roads.len()];
        let a = r.line.0[0];
        // A link from this road's first vertex to a vertex of another road
        // 300–900 m away, and a dead end with a bend.
        let b = roads
            .iter()
            .flat_map(|o| o.line.0.iter().copied())
            .find(|c| {
                let d = ((c.x - a.x).powi(2) + (c.y - a.y).powi(2)).sqrt();
                (0.003..0.009).contains(&d)
            })
            .unwrap_or(Coord {
                x: a.x + 0.005,
                y: a.y,
            });
        let link = Road {
            line: LineString(vec![a, b]),
            highway: Some("tertiary".into()),
            oneway: Oneway::No,
            maxspeed_kmh: None,
        };
        let seg = &roads[(k * roads.len() / picks + 11) % roads.len()];
        let (s0, s1) = (seg.line.0[0], seg.line.0[1]);
        let resident = &residents[(k * residents.len() / picks + 7) % residents.len()];
        let at = Coord {
            x: resident.location.x() + 0.001,
            y: resident.location.y() + 0.001,
        };
        type Change = Box<dyn Fn(&mut Scenario)>;
        let steps: [(&str, Change); 5] = [
            (
                "road added",
                Box::new(move |s| s.roads_added.push(link.clone())),
            ),
            (
                "road closed",
                Box::new(move |s| s.roads_closed.push(LineString(vec![s0, s1]))),
            ),
            (
                "class changed",
                Box::new(move |s| {
                    let last = s.roads_closed.pop().expect("closed above");
                    s.roads_closed.push(last.clone());
                    s.roads_added.push(Road {
                        line: last,
                        highway: Some("primary".into()),
                        oneway: Oneway::Forward,
                        maxspeed_kmh: Some(60.0),
                    });
                }),
            ),
            (
                "area added",
                Box::new(move |s| {
                    let outline = square(at, 0.001);
                    let points = lifecircle::io::spread_over_grid(&outline, 800.0, frame)
                        .expect("a small square spreads")
                        .into_iter()
                        .map(|(location, population)| lifecircle::model::Resident {
                            location,
                            population,
                            settlement: None,
                            groups: Default::default(),
                        })
                        .collect();
                    s.residential_areas.push(ResidentialArea {
                        outline,
                        population: 800.0,
                        settlement: None,
                        points,
                    })
                }),
            ),
            (
                "population scaled",
                Box::new(move |s| {
                    s.population_changes.push(PopulationChange {
                        area: MultiPolygon(vec![square(at, 0.004)]),
                        factor: 0.5,
                    })
                }),
            ),
        ];
        for (name, change) in steps {
            let mut next = scenario.clone();
            change(&mut next);
            let clock = Instant::now();
            let Ok(edited) = next.apply_to(base) else {
                continue;
            };
            let apply = clock.elapsed().as_secs_f64();
            let effect = live
                .reassess(&edited, &Progress::new())
                .expect("not cancelled");
            let total = clock.elapsed().as_secs_f64();
            scenario = next;
            times.push((name, apply, total, effect.searched, effect.columns));
        }
    }
    println!(
        "== {label}: road and population edits (scenario applied + incremental re-assessment), {} edits",
        times.len()
    );
    let kinds = [
        "road added",
        "road closed",
        "class changed",
        "area added",
        "population scaled",
    ];
    for kind in kinds {
        let of: Vec<&(&str, f64, f64, usize, usize)> =
            times.iter().filter(|t| t.0 == kind).collect();
        if of.is_empty() {
            continue;
        }
        let total: Vec<f64> = of.iter().map(|t| t.2 * 1000.0).collect();
        let apply: Vec<f64> = of.iter().map(|t| t.1 * 1000.0).collect();
        let searched: Vec<String> = of.iter().map(|t| format!("{}/{}", t.3, t.4)).collect();
        println!(
            "   {kind:<18} median {:8.1} ms, max {:8.1} ms (of which applying the scenario: median {:6.1} ms); searches run: {}",
            median(total.clone()),
            total.iter().copied().fold(0.0, f64::max),
            median(apply),
            searched.join(" ")
        );
    }
    let all: Vec<f64> = times.iter().map(|t| t.2 * 1000.0).collect();
    println!(
        "   all                median {:8.1} ms, max {:8.1} ms",
        median(all.clone()),
        all.iter().copied().fold(0.0, f64::max)
    );
}

/// Runs `lifecircle assess` on `dir` `runs` times and prints each run's
/// wall time and peak memory (as the child reports it), then the medians.
fn bench_cli(label: &str, dir: &Path, runs: usize) {
    let exe = env!("CARGO_BIN_EXE_lifecircle");
    let out = std::env::temp_dir().join(format!("lifecircle-bench-out-{}", std::process::id()));
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    println!("== {label}: `lifecircle assess` end to end from GeoJSON");
    for _ in 0..runs {
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
        walls.push(wall);
        println!("   run {}: {wall:.3} s", walls.len());
        for line in String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.starts_with("time") || l.contains("peak"))
        {
            println!("      {line}");
            if let Some(mb) = line
                .strip_prefix("peak memory ")
                .and_then(|r| r.strip_suffix(" MB"))
                .and_then(|n| n.parse::<f64>().ok())
            {
                peaks.push(mb);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    print!("   median of {runs}: {:.3} s", median(walls));
    if !peaks.is_empty() {
        print!(", peak memory {:.0} MB", median(peaks));
    }
    println!();
}

/// The folder holding `params` as GeoJSON under `target/`, generated on
/// first use and again whenever the parameters differ from those in its
/// stamp file.
fn generated_dir(name: &str, params: &SyntheticParams) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(name);
    // The default township count keeps the stamp name of earlier runs.
    let townships = if params.townships == SyntheticParams::benchmark().townships {
        String::new()
    } else {
        format!("-{}", params.townships)
    };
    let stamp = dir.join(format!(
        "params-{}-{}-{}-{}{townships}",
        params.road_nodes, params.residents, params.facilities, params.seed
    ));
    if !stamp.exists() {
        let clock = Instant::now();
        // A stale district (other parameters) goes first, stamp and all.
        let _ = std::fs::remove_dir_all(&dir);
        let layers = synthetic_district(params);
        std::fs::create_dir_all(&dir).unwrap();
        write_layers_geojson(&layers, &dir).unwrap();
        std::fs::write(&stamp, b"").unwrap();
        println!(
            "(generated {} in {:.1} s)",
            dir.display(),
            clock.elapsed().as_secs_f64()
        );
    }
    dir
}

/// The `lifecircle` binary's allocator, with the settings of `assess` for
/// the phases and the app's for live edits (`cli::tune_allocator`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    if flag("--province") {
        let params = SyntheticParams::province();
        let dir = generated_dir("bench-province", &params);
        bench_in_process(
            "W5 province 3M nodes / 3M residents / 60k facilities / 1,300 townships",
            &input_for(&dir),
            runs,
        );
        if !flag("--no-cli") {
            bench_cli("W5 province 3M/3M/60k/1300", &dir, runs);
        }
        return;
    }
    if !flag("--synthetic-only") {
        let demo = lifecircle::io::demo_data_dir();
        bench_in_process("demo district", &input_for(&demo), 10);
        bench_cli("demo district", &demo, 1);
        bench_edits("demo district", &input_for(&demo));
        bench_scenario_edits("demo district", &input_for(&demo));
    }
    if flag("--demo-only") {
        return;
    }
    let dir = generated_dir("bench-synthetic", &SyntheticParams::benchmark());
    bench_in_process(
        "synthetic 1M nodes / 1M residents / 20k facilities",
        &input_for(&dir),
        runs,
    );
    // Capacity (issue 13): the same district without any standard, then
    // with capacities and a standard on six categories, in turns.
    if !flag("--no-capacity") {
        for supply in [Supply::Without, Supply::With] {
            let label = match supply {
                Supply::Without => "synthetic 1M/1M/20k, coverage only (no standards)",
                Supply::With => "synthetic 1M/1M/20k, capacities and 6 standards (2SFCA)",
            };
            bench_in_process_with(label, &input_for(&dir), runs, Some(supply));
        }
    }
    if !flag("--no-cli") {
        bench_cli("synthetic 1M/1M/20k", &dir, runs);
    }
    if !flag("--no-edits") {
        bench_edits("synthetic 1M/1M/20k", &input_for(&dir));
        bench_scenario_edits("synthetic 1M/1M/20k", &input_for(&dir));
    }
}
