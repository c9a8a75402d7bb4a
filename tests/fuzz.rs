//! A mutation fuzzer over every loader: GeoJSON (the four layers), CSV,
//! Excel, Shapefile (`.shp`, `.dbf`, `.prj`), OSM PBF, profile and project
//! files. Seeds are the demo in `data/` and the fixtures of
//! `tests/fixtures/`; each case applies one to four mutations (bit flips,
//! interesting bytes, truncation, cut and duplicated ranges, splices from
//! another seed, numbers swapped for extreme ones, JSON strings swapped,
//! deep nesting) and runs the loader on a watchdog thread.
//!
//! A finding is a panic, a run longer than [`HANG`] or one that allocates
//! more than [`MEMORY_LIMIT`] bytes at its peak.
//!
//! - `cargo test` runs a short bounded pass ([`SHORT_CASES`] cases per
//!   target) and replays every saved finding in `tests/fuzz/` (each must
//!   now load or fail cleanly).
//! - `LIFECIRCLE_FUZZ_SECONDS=3600 cargo test --release --test fuzz -- --nocapture`
//!   (`LIFECIRCLE_FUZZ_TARGETS=excel,profile` limits it to those targets)
//!   fuzzes each target for that many seconds, saves every finding under
//!   `tests/fuzz/` as `<target>-<kind>-<hash>.<ext>`, and prints the
//!   executions and findings per target.

mod fixtures;

use lifecircle::generate::SplitMix64;
use lifecircle::io::{self, CategoryMatcher, ImportOptions};
use lifecircle::model::{Edit, Facility, FacilityId, LayerFiles, Layout, Profile, Project};
use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A run that uses more processor time than this is a hang. Processor time,
/// not wall time: on a machine shared with builds (or at `nice 19`) a case
/// may wait far longer than it computes.
const HANG: Duration = Duration::from_secs(10);
/// A run that has not ended after this much wall time is a hang even when
/// it computes nothing (a blocked loader).
const STUCK: Duration = Duration::from_secs(600);
/// A run whose allocations peak above this is a finding.
const MEMORY_LIMIT: usize = 2 << 30;
/// Cases per target in the short pass of `cargo test`.
const SHORT_CASES: usize = 120;

// ------------------------------------------------------------ allocator

/// Counts the bytes allocated now and their peak since the last reset,
/// so one case's memory can be measured.
struct CountingAllocator;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        unsafe { System.dealloc(ptr, layout) };
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = ALLOCATED.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                ALLOCATED.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

// ------------------------------------------------------------ targets

/// A loader and the file it reads.
struct Target {
    name: &'static str,
    /// The file the mutated bytes are written to (its extension chooses
    /// the format); other files of the target (a Shapefile's) stay intact.
    file: PathBuf,
    seed: Vec<u8>,
    /// Loads `file` and whatever belongs to it.
    run: fn(&Path),
}

fn profile() -> Profile {
    Profile::from_json(lifecircle::generate::DEFAULT_PROFILE_JSON).unwrap()
}

fn demo(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data")
            .join(name),
    )
    .unwrap()
}

/// The first `n` features of a demo GeoJSON file, as a FeatureCollection.
fn demo_features(name: &str, n: usize) -> Vec<u8> {
    let value: serde_json::Value = serde_json::from_slice(&demo(name)).unwrap();
    let features: Vec<_> = value["features"]
        .as_array()
        .unwrap()
        .iter()
        .take(n)
        .cloned()
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({
        "type": "FeatureCollection",
        "features": features,
    }))
    .unwrap()
}

fn load_all_layers(path: &Path) {
    let options = ImportOptions::default();
    let matcher = CategoryMatcher::from_profile(&profile());
    let _ = io::load_townships_with(path, &options);
    let _ = io::load_facilities_with(path, &options, &matcher);
    let _ = io::load_residents_with(path, &options);
    let _ = io::load_roads_with(path, &options);
    let _ = io::preview(path, &options);
}

fn load_points(path: &Path) {
    let options = ImportOptions::default();
    let matcher = CategoryMatcher::from_profile(&profile());
    let _ = io::load_facilities_with(path, &options, &matcher);
    let _ = io::load_residents_with(path, &options);
    let _ = io::preview(path, &options);
}

fn load_shapefile(path: &Path) {
    // The mutated file may be the .dbf or .prj: load through the .shp.
    let shp = path.with_extension("shp");
    let options = ImportOptions::default();
    let _ = io::load_townships_with(&shp, &options);
    let _ = io::load_residents_with(&shp, &options);
    let _ = io::preview(&shp, &options);
}

fn load_dxf(path: &Path) {
    let matcher = CategoryMatcher::from_profile(&profile());
    for options in [
        ImportOptions::default(),
        ImportOptions {
            crs: io::Crs::Epsg(4528),
            ..ImportOptions::default()
        },
    ] {
        let _ = io::load_townships_with(path, &options);
        let _ = io::load_facilities_with(path, &options, &matcher);
        let _ = io::load_roads_with(path, &options);
        let _ = io::load_town_areas_with(path, &options);
        let _ = io::preview_layer(path, io::LayerKind::Roads, &options);
    }
}

/// A small township plan as ASCII DXF: a closed LWPOLYLINE with a bulge, a
/// HATCH with line and arc edges, TEXT, MTEXT, a block INSERT with an
/// ATTRIB, a LINE and an ARC, eastings with the zone number 40.
fn dxf_seed() -> Vec<u8> {
    let (x, y) = (40_510_000.0, 3_206_000.0);
    let pairs: Vec<(i32, String)> = vec![
        (0, "SECTION".into()),
        (2, "ENTITIES".into()),
        (0, "LWPOLYLINE".into()),
        (8, "乡镇界".into()),
        (90, "4".into()),
        (70, "1".into()),
        (10, format!("{x}")),
        (20, format!("{y}")),
        (42, "0.3".into()),
        (10, format!("{}", x + 900.0)),
        (20, format!("{y}")),
        (10, format!("{}", x + 900.0)),
        (20, format!("{}", y + 700.0)),
        (10, format!("{x}")),
        (20, format!("{}", y + 700.0)),
        (0, "TEXT".into()),
        (8, "注记".into()),
        (10, format!("{}", x + 400.0)),
        (20, format!("{}", y + 300.0)),
        (40, "20".into()),
        (1, "甲镇".into()),
        (0, "HATCH".into()),
        (8, "镇区".into()),
        (10, "0".into()),
        (20, "0".into()),
        (30, "0".into()),
        (2, "SOLID".into()),
        (70, "1".into()),
        (71, "0".into()),
        (91, "1".into()),
        (92, "1".into()),
        (93, "2".into()),
        (72, "1".into()),
        (10, format!("{}", x + 100.0)),
        (20, format!("{}", y + 100.0)),
        (11, format!("{}", x + 300.0)),
        (21, format!("{}", y + 100.0)),
        (72, "2".into()),
        (10, format!("{}", x + 200.0)),
        (20, format!("{}", y + 100.0)),
        (40, "100".into()),
        (50, "0".into()),
        (51, "180".into()),
        (73, "1".into()),
        (97, "0".into()),
        (75, "1".into()),
        (76, "1".into()),
        (98, "0".into()),
        (0, "MTEXT".into()),
        (8, "注记".into()),
        (10, format!("{}", x + 200.0)),
        (20, format!("{}", y + 150.0)),
        (40, "5".into()),
        (1, "{\\fSimHei;镇区}\\P(示意)".into()),
        (0, "INSERT".into()),
        (8, "公服".into()),
        (66, "1".into()),
        (2, "kindergarten".into()),
        (10, format!("{}", x + 500.0)),
        (20, format!("{}", y + 500.0)),
        (0, "ATTRIB".into()),
        (8, "公服".into()),
        (10, format!("{}", x + 500.0)),
        (20, format!("{}", y + 500.0)),
        (1, "幼儿园".into()),
        (2, "名称".into()),
        (0, "SEQEND".into()),
        (0, "LINE".into()),
        (8, "主干路".into()),
        (10, format!("{x}")),
        (20, format!("{y}")),
        (11, format!("{}", x + 900.0)),
        (21, format!("{}", y + 700.0)),
        (0, "ARC".into()),
        (8, "支路".into()),
        (10, format!("{}", x + 450.0)),
        (20, format!("{}", y + 350.0)),
        (40, "200".into()),
        (50, "10".into()),
        (51, "170".into()),
        (0, "ENDSEC".into()),
        (0, "EOF".into()),
    ];
    pairs
        .iter()
        .map(|(c, v)| format!("{c:>3}\r\n{v}\r\n"))
        .collect::<String>()
        .into_bytes()
}

fn load_pbf(path: &Path) {
    let options = ImportOptions::default();
    let matcher = CategoryMatcher::from_profile(&profile());
    let _ = io::load_roads_with(path, &options);
    let _ = io::load_facilities_with(path, &options, &matcher);
}

fn load_profile(path: &Path) {
    let _ = io::load_profile(path);
}

fn load_project(path: &Path) {
    let _ = io::load_project(path);
}

/// A project file with a layout of each kind of edit.
fn project_seed(dir: &Path) -> Vec<u8> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let mut project = Project::new(
        "fuzz",
        LayerFiles {
            townships: Some(data.join("townships.geojson")),
            facilities: Some(data.join("facilities.geojson")),
            residents: Some(data.join("residents.geojson")),
            roads: None,
            town_areas: None,
        },
        profile(),
    );
    let facility = Facility {
        category: "kindergarten".into(),
        name: "新幼儿园".into(),
        capacity: Some(180.0),
        location: geo::Point::new(118.9, 28.95),
    };
    project.layouts.push(Layout {
        name: "方案一".into(),
        facilities_file: None,
        scenario: Default::default(),
        edits: vec![
            Edit::Add {
                id: FacilityId(900),
                facility: facility.clone(),
            },
            Edit::Move {
                id: FacilityId(900),
                from: geo::Point::new(118.9, 28.95),
                to: geo::Point::new(118.91, 28.96),
            },
            Edit::SetCategory {
                id: FacilityId(3),
                from: "kindergarten".into(),
                to: "health_station".into(),
            },
            Edit::Delete {
                id: FacilityId(4),
                facility,
            },
        ],
    });
    let path = dir.join("seed.lcproj");
    io::save_project(&path, &project).unwrap();
    std::fs::read(&path).unwrap()
}

fn targets(dir: &Path) -> Vec<Target> {
    let shp = fixtures::write_township_shapefile(dir, "townships", true);
    let pbf = fixtures::write_pbf(dir);
    let xlsx = fixtures::write_residents_xlsx(dir);
    let amap = fixtures::write_amap_csv(dir);
    let read = |p: &Path| std::fs::read(p).unwrap();
    let geojson = |name: &'static str, seed: Vec<u8>| Target {
        name,
        file: dir.join(format!("{name}.geojson")),
        seed,
        run: load_all_layers,
    };
    vec![
        geojson("geojson-townships", demo_features("townships.geojson", 9)),
        geojson("geojson-facilities", demo_features("facilities.geojson", 30)),
        geojson("geojson-residents", demo_features("residents.geojson", 30)),
        geojson("geojson-roads", demo_features("roads.geojson", 30)),
        Target {
            name: "csv-amap-gbk",
            file: dir.join("amap.csv"),
            seed: read(&amap),
            run: load_points,
        },
        Target {
            name: "csv-utf8",
            file: dir.join("points.csv"),
            seed: "name,category,lon,lat,population,capacity\n甲,kindergarten,118.9,28.95,5,180\n\"乙, 村\",clinic,118.91,28.96,,\n丙,,1e3,-91,-4,x\n"
                .as_bytes()
                .to_vec(),
            run: load_points,
        },
        Target {
            name: "excel",
            file: xlsx.clone(),
            seed: read(&xlsx),
            run: load_points,
        },
        Target {
            name: "shapefile-shp",
            file: shp.clone(),
            seed: read(&shp),
            run: load_shapefile,
        },
        Target {
            name: "shapefile-dbf",
            file: shp.with_extension("dbf"),
            seed: read(&shp.with_extension("dbf")),
            run: load_shapefile,
        },
        Target {
            name: "shapefile-prj",
            file: shp.with_extension("prj"),
            seed: read(&shp.with_extension("prj")),
            run: load_shapefile,
        },
        Target {
            name: "dxf",
            file: dir.join("plan.dxf"),
            seed: dxf_seed(),
            run: load_dxf,
        },
        Target {
            name: "osm-pbf",
            file: pbf.clone(),
            seed: read(&pbf),
            run: load_pbf,
        },
        Target {
            name: "profile",
            file: dir.join("profile.json"),
            seed: demo("profile-default.json"),
            run: load_profile,
        },
        Target {
            name: "project",
            file: dir.join("project.lcproj"),
            seed: project_seed(dir),
            run: load_project,
        },
    ]
}

// ------------------------------------------------------------ mutations

const NUMBERS: [&str; 12] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1.797e308",
    "4294967295",
    "18446744073709551616",
    "NaN",
    "1e-400",
    "-0",
    "99999999999999999999999999",
    "3.4e38",
];
const BYTES: [u8; 12] = [
    0, 0xFF, b'"', b'{', b'}', b'[', b']', b',', b'-', b'9', b'\n', 0x80,
];

/// A number in `0..n` (0 when `n` is 0).
fn below(rng: &mut SplitMix64, n: usize) -> usize {
    if n == 0 { 0 } else { rng.below(n) }
}

/// One mutation of `bytes`; `other` is another seed for splices.
fn mutate(bytes: &mut Vec<u8>, other: &[u8], rng: &mut SplitMix64) {
    let len = bytes.len();
    match rng.next_u64() % 9 {
        0 if len > 0 => {
            let i = below(rng, len);
            bytes[i] ^= 1 << below(rng, 8);
        }
        1 if len > 0 => {
            let i = below(rng, len);
            bytes[i] = BYTES[below(rng, BYTES.len())];
        }
        2 => bytes.truncate(below(rng, len + 1)),
        3 if len > 0 => {
            let a = below(rng, len);
            let b = (a + 1 + below(rng, 64)).min(len);
            bytes.drain(a..b);
        }
        4 if len > 0 => {
            let a = below(rng, len);
            let b = (a + 1 + below(rng, 256)).min(len);
            let piece = bytes[a..b].to_vec();
            let at = below(rng, len + 1);
            bytes.splice(at..at, piece);
        }
        5 if !other.is_empty() => {
            let a = below(rng, other.len());
            let b = (a + 1 + below(rng, 256)).min(other.len());
            let at = below(rng, len + 1);
            bytes.splice(at..at, other[a..b].iter().copied());
        }
        6 => {
            // A number replaced by an extreme one.
            let starts: Vec<usize> = (0..len)
                .filter(|&i| {
                    bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit())
                })
                .collect();
            if starts.is_empty() {
                return;
            }
            let a = starts[below(rng, starts.len())];
            let mut b = a;
            while b < len && (bytes[b].is_ascii_digit() || bytes[b] == b'.') {
                b += 1;
            }
            let n = NUMBERS[below(rng, NUMBERS.len())];
            bytes.splice(a..b, n.bytes());
        }
        7 => {
            // Two JSON strings (keys or values) swapped.
            let quotes: Vec<usize> = (0..len).filter(|&i| bytes[i] == b'"').collect();
            let strings: Vec<(usize, usize)> =
                quotes.chunks_exact(2).map(|q| (q[0], q[1] + 1)).collect();
            if strings.len() < 2 {
                return;
            }
            let (x, y) = (below(rng, strings.len()), below(rng, strings.len()));
            let (first, second) = if strings[x].0 < strings[y].0 {
                (strings[x], strings[y])
            } else {
                (strings[y], strings[x])
            };
            if first.1 > second.0 {
                return;
            }
            let a = bytes[first.0..first.1].to_vec();
            let b = bytes[second.0..second.1].to_vec();
            bytes.splice(second.0..second.1, a);
            bytes.splice(first.0..first.1, b);
        }
        _ => {
            // Deep nesting at a random place.
            let depth = 1 + below(rng, 20_000);
            let at = below(rng, len + 1);
            let mut piece = vec![b'['; depth];
            piece.extend(std::iter::repeat_n(b']', below(rng, depth + 1)));
            bytes.splice(at..at, piece);
        }
    }
}

// ------------------------------------------------------------ running

/// What went wrong in one case.
#[derive(Debug, Clone, PartialEq)]
enum Finding {
    Panic(String),
    Hang,
    Memory(usize),
}

impl Finding {
    fn kind(&self) -> &'static str {
        match self {
            Finding::Panic(_) => "panic",
            Finding::Hang => "hang",
            Finding::Memory(_) => "memory",
        }
    }
}

thread_local! {
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Quiet panics of fuzzed loaders: keep their message for the report.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let text = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{text}{at}")));
    }));
}

/// Run `target` on `bytes` on a watchdog thread; what went wrong, if
/// anything. After a hang the thread still runs: stop using the file.
fn run_case(target: &Target, bytes: &[u8]) -> Option<Finding> {
    std::fs::write(&target.file, bytes).unwrap();
    let run = target.run;
    let file = target.file.clone();
    let (tx, rx) = mpsc::channel();
    let baseline = ALLOCATED.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    std::thread::spawn(move || {
        let result = std::panic::catch_unwind(|| run(&file));
        let message = PANIC_MESSAGE.with(|m| m.borrow_mut().take());
        let _ = tx.send(result.err().map(|_| message.unwrap_or_default()));
    });
    let started = Instant::now();
    let cpu_start = process_cpu_time();
    loop {
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(Some(message)) => return Some(Finding::Panic(message)),
            Ok(None) => {
                let peak = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
                return (peak > MEMORY_LIMIT).then_some(Finding::Memory(peak));
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Some(Finding::Panic(
                    "the case's thread ended without a result".into(),
                ));
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let cpu = process_cpu_time().saturating_sub(cpu_start);
                if cpu >= HANG || started.elapsed() >= STUCK {
                    return Some(Finding::Hang);
                }
            }
        }
    }
}

/// Processor time of this process so far, all threads (user + system, from
/// `/proc/self/stat`, in clock ticks of 10 ms). Only the case's thread (and
/// the loader's worker threads) compute while a case runs.
fn process_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses: state is
    // the first, utime the 12th, stime the 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn findings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fuzz")
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Cases run and findings of one target.
struct Tally {
    cases: usize,
    findings: Vec<(Finding, PathBuf)>,
}

fn fuzz_target(target: &Target, other: &[u8], budget: Budget, seed: u64, save_to: &Path) -> Tally {
    let mut rng = SplitMix64::new(seed ^ fnv1a(target.name.as_bytes()));
    let started = Instant::now();
    let mut tally = Tally {
        cases: 0,
        findings: Vec::new(),
    };
    let extension = target
        .file
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    loop {
        let done = match budget {
            Budget::Cases(n) => tally.cases >= n,
            Budget::Time(t) => started.elapsed() >= t,
        };
        if done {
            break;
        }
        let mut bytes = target.seed.clone();
        for _ in 0..1 + below(&mut rng, 4) {
            mutate(&mut bytes, other, &mut rng);
        }
        tally.cases += 1;
        if let Some(finding) = run_case(target, &bytes) {
            let name = format!(
                "{}-{}-{:016x}.{extension}",
                target.name,
                finding.kind(),
                fnv1a(&bytes)
            );
            std::fs::create_dir_all(save_to).unwrap();
            let path = save_to.join(name);
            std::fs::write(&path, &bytes).unwrap();
            let hang = finding == Finding::Hang;
            tally.findings.push((finding, path));
            if hang {
                // The thread still reads the file: leave this target.
                break;
            }
        }
    }
    // Leave the target's file as it was for the next target that reads it
    // (a Shapefile's parts).
    std::fs::write(&target.file, &target.seed).unwrap();
    tally
}

#[derive(Clone, Copy)]
enum Budget {
    Cases(usize),
    Time(Duration),
}

#[test]
fn mutated_inputs_never_panic_hang_or_exhaust_memory() {
    install_panic_hook();
    self_check();
    let dir = scratch();
    let targets = targets(&dir);
    let long = std::env::var("LIFECIRCLE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let (budget, save_to) = match long {
        Some(s) => (Budget::Time(Duration::from_secs(s)), findings_dir()),
        None => (Budget::Cases(SHORT_CASES), dir.join("findings")),
    };
    let seed = std::env::var("LIFECIRCLE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_u64);

    // Saved findings first: each must now load or fail cleanly.
    let mut regressions = Vec::new();
    if let Ok(entries) = std::fs::read_dir(findings_dir()) {
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let Some(target) = targets
                .iter()
                .find(|t| name.starts_with(&format!("{}-", t.name)))
            else {
                continue;
            };
            let bytes = std::fs::read(&file).unwrap();
            if let Some(f) = run_case(target, &bytes) {
                regressions.push(format!("{name}: {f:?}"));
            }
            std::fs::write(&target.file, &target.seed).unwrap();
        }
    }

    // `LIFECIRCLE_FUZZ_TARGETS=geojson-facilities,excel` fuzzes only those
    // targets (e.g. one process per loader, side by side).
    let only: Option<Vec<String>> = std::env::var("LIFECIRCLE_FUZZ_TARGETS")
        .ok()
        .map(|s| s.split(',').map(|t| t.trim().to_string()).collect());
    let mut report = Vec::new();
    let mut found = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        if only
            .as_ref()
            .is_some_and(|only| !only.iter().any(|t| t == target.name))
        {
            continue;
        }
        let other = &targets[(i + 1) % targets.len()].seed;
        let tally = fuzz_target(target, other, budget, seed, &save_to);
        report.push(format!(
            "fuzz {}: {} cases, {} findings",
            target.name,
            tally.cases,
            tally.findings.len()
        ));
        for (f, path) in tally.findings {
            found.push(format!("{}: {f:?} ({})", target.name, path.display()));
        }
    }
    eprintln!("{}", report.join("\n"));
    // Back to the default hook, so the test's own failure is printed.
    drop(std::panic::take_hook());
    assert!(
        regressions.is_empty(),
        "saved findings still fail:\n{}",
        regressions.join("\n")
    );
    assert!(found.is_empty(), "fuzz findings:\n{}", found.join("\n"));
    if long.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The harness itself: mutations change inputs, and the watchdog reports
/// a panic and a memory hog (run first, inside the one test, so that no
/// other test allocates while a case is measured).
fn self_check() {
    let mut rng = SplitMix64::new(1);
    let seed = br#"{"a": [1, 2.5, "x"], "b": "y"}"#.to_vec();
    let mut changed = 0;
    for _ in 0..200 {
        let mut bytes = seed.clone();
        mutate(&mut bytes, b"{\"other\": 7}", &mut rng);
        changed += usize::from(bytes != seed);
    }
    assert!(
        changed > 150,
        "only {changed} of 200 mutations changed the input"
    );
    let dir = scratch().join("self-check");
    std::fs::create_dir_all(&dir).unwrap();
    let panicking = Target {
        name: "self-check",
        file: dir.join("x.json"),
        seed: Vec::new(),
        run: |p| {
            if std::fs::read(p).unwrap().starts_with(b"boom") {
                panic!("boom");
            }
        },
    };
    assert!(matches!(run_case(&panicking, b"boom"), Some(Finding::Panic(m)) if m.contains("boom")));
    assert_eq!(run_case(&panicking, b"calm"), None);
    let hungry = Target {
        name: "self-check",
        file: dir.join("y.json"),
        seed: Vec::new(),
        run: |_| {
            let v = vec![1u8; MEMORY_LIMIT + (1 << 20)];
            std::hint::black_box(&v);
        },
    };
    assert!(matches!(run_case(&hungry, b""), Some(Finding::Memory(_))));
    // The hang clock reads processor time: spinning advances it.
    let before = process_cpu_time();
    let clock = Instant::now();
    while process_cpu_time() < before + Duration::from_millis(100) {
        assert!(
            clock.elapsed() < Duration::from_secs(60),
            "processor time did not advance"
        );
        std::hint::black_box((0..10_000u64).sum::<u64>());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
