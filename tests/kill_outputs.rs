//! All or nothing on disk (issue 14 item 6): `lifecircle assess`, `report`
//! and a project save are killed (SIGKILL) at 50 random moments each; the
//! output folder (or project file) then holds either the old files or the
//! complete new ones, never a mix and never a half-written file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EXE: &str = env!("CARGO_BIN_EXE_lifecircle");
const KILLS: usize = 50;

/// Every file under `dir` (relative path → bytes), staging folders aside.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            if is_temporary(&e.file_name().to_string_lossy()) {
                continue;
            }
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|x| x == "xlsx") {
                // The workbook's entries, without its creation time.
                let mut zip = zip::ZipArchive::new(std::fs::File::open(&p).unwrap()).unwrap();
                let mut bytes = Vec::new();
                for i in 0..zip.len() {
                    let mut entry = zip.by_index(i).unwrap();
                    if entry.name().unwrap() != "docProps/core.xml" {
                        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
                    }
                }
                out.insert(rel, bytes);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Put the copy `saved` of a folder back in place of `dir`.
fn restore(dir: &Path, saved: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    copy_dir(saved, dir);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Hidden temporaries (a staging folder, a `.name.pid-n.tmp` file) that a
/// killed process could not remove; the next write clears them.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') && (name.ends_with(".tmp") || name.contains(".staging-"))
}

/// A small deterministic generator (xorshift), seeded from the clock; the
/// seed is printed so that a failure can be replayed.
struct Moments(u64);

impl Moments {
    fn new() -> Self {
        let seed = std::env::var("LIFECIRCLE_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        println!("seed {seed} (LIFECIRCLE_KILL_SEED replays it)");
        Self(seed)
    }

    /// A moment in `0..span`.
    fn within(&mut self, span: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        span.mul_f64((self.0 % 10_000) as f64 / 10_000.0)
    }
}

/// Run `command` to the end once (the new files), then `KILLS` times from
/// the old files, killed at a random moment: old or new, nothing else.
fn kill_repeatedly(label: &str, dir: &Path, mut command: impl FnMut() -> Command) {
    let old = snapshot(dir);
    assert!(!old.is_empty(), "{label}: no old files");
    let saved = dir.with_extension("saved");
    copy_dir(dir, &saved);
    let clock = Instant::now();
    assert!(command().status().unwrap().success(), "{label} failed");
    let span = clock.elapsed().mul_f64(1.2);
    let new = snapshot(dir);
    assert_ne!(old, new, "{label}: the new files equal the old ones");
    restore(dir, &saved);
    let mut moments = Moments::new();
    let (mut saw_old, mut saw_new) = (0, 0);
    for i in 0..KILLS {
        let mut child = command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(moments.within(span));
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot(dir);
        if now == old {
            saw_old += 1;
        } else if now == new {
            saw_new += 1;
            restore(dir, &saved);
        } else {
            let differ: Vec<&String> = now
                .keys()
                .chain(old.keys())
                .filter(|k| now.get(*k) != old.get(*k) && now.get(*k) != new.get(*k))
                .collect();
            panic!("{label}, kill {i}: a mix of old and new files: {differ:?}");
        }
    }
    println!("{label}: {KILLS} kills, {saw_old} left the old files, {saw_new} the new ones");
    let _ = std::fs::remove_dir_all(&saved);
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lifecircle-kill-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn killed_assess_and_report_leave_old_or_new_files() {
    let root = scratch("cli");
    let out = root.join("out");
    // Old files: Chinese headers; new: English. A file of the planner's
    // own in the folder is kept throughout.
    let run = |cmd: &str, lang: &str, out: &Path| {
        let mut c = Command::new(EXE);
        c.arg(cmd);
        if cmd == "report" {
            c.args(["--format", "json,csv,geojson,xlsx"]);
        }
        c.args(["--lang", lang, "--out", out.to_str().unwrap()]);
        c
    };
    assert!(run("assess", "zh", &out).status().unwrap().success());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    kill_repeatedly("assess", &out, || run("assess", "en", &out));
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );

    let out = root.join("report");
    assert!(run("report", "zh", &out).status().unwrap().success());
    kill_repeatedly("report", &out, || run("report", "en", &out));
    // No staging folder is left once a run into each folder completes.
    assert!(run("report", "en", &out).status().unwrap().success());
    let assess_out = root.join("out");
    assert!(run("assess", "en", &assess_out).status().unwrap().success());
    let left: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    let _ = std::fs::remove_dir_all(&root);
}

/// The child of the project-save test: saves a project again and again.
#[test]
fn project_save_child() {
    let Ok(path) = std::env::var("LIFECIRCLE_SAVE_CHILD") else {
        return;
    };
    let profile = lifecircle::io::load_profile(&lifecircle::io::demo_profile_path()).unwrap();
    let mut project =
        lifecircle::model::Project::new("新", lifecircle::model::LayerFiles::default(), profile);
    project.name = "new".repeat(20_000);
    lifecircle::io::save_project(Path::new(&path), &project).unwrap();
}

#[test]
fn a_killed_project_save_leaves_the_old_or_the_new_file() {
    let dir = scratch("save");
    let path = dir.join("plan.lifecircle.json");
    let profile = lifecircle::io::load_profile(&lifecircle::io::demo_profile_path()).unwrap();
    let project =
        lifecircle::model::Project::new("old", lifecircle::model::LayerFiles::default(), profile);
    lifecircle::io::save_project(&path, &project).unwrap();
    let exe = std::env::current_exe().unwrap();
    kill_repeatedly("project save", &dir, || {
        let mut c = Command::new(&exe);
        c.args(["--exact", "project_save_child", "--nocapture"])
            .env("LIFECIRCLE_SAVE_CHILD", &path);
        c
    });
    // Whatever was killed, the file opens.
    assert!(lifecircle::io::load_project(&path).is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}
