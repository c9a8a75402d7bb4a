//! Killing LifeCircle while it saves a project must leave the previous
//! project file intact. A child process (this test binary again) saves a
//! large project over and over; the parent kills it at arbitrary moments
//! and checks that the file on disk always opens as a complete project.

use lifecircle::io::{load_project, save_project};
use lifecircle::model::{Edit, Facility, FacilityId, LayerFiles, Layout, Profile, Project};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD: &str = "LIFECIRCLE_TEST_SAVE_LOOP";

fn profile() -> Profile {
    Profile::from_json(r#"{"tiers":[{"id":"t5","minutes":5,"mode":"walk","categories":["shop"]}]}"#)
        .unwrap()
}

/// A project with `edits` edits in one layout (about 150 bytes each).
fn project(name: &str, edits: usize) -> Project {
    let mut p = Project::new(name, LayerFiles::default(), profile());
    p.layouts.push(Layout {
        name: "big".into(),
        facilities_file: None,
        scenario: Default::default(),
        edits: (0..edits)
            .map(|i| Edit::Add {
                id: FacilityId(i as u32),
                facility: Facility {
                    category: "shop".into(),
                    name: format!("shop {i}"),
                    capacity: None,
                    location: geo::Point::new(119.0 + i as f64 * 1e-6, 29.0),
                },
            })
            .collect(),
    });
    p
}

fn save_forever(path: &Path) -> ! {
    let big = project("child", 40_000);
    loop {
        save_project(path, &big).expect("child save");
    }
}

#[test]
fn killing_during_save_keeps_a_complete_project() {
    if let Ok(path) = std::env::var(CHILD) {
        save_forever(Path::new(&path));
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("lifecircle-kill-save-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("study.lifecircle.json");
    save_project(&file, &project("first", 3)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut outcomes = (0, 0);
    for round in 0..12u64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "killing_during_save_keeps_a_complete_project",
                "--nocapture",
            ])
            .env(CHILD, &file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different moment each round, mostly mid-save.
        std::thread::sleep(Duration::from_millis(40 + round * 37));
        child.kill().unwrap();
        child.wait().unwrap();
        let p = load_project(&file).unwrap_or_else(|e| panic!("round {round}: {e}"));
        match p.name.as_str() {
            "first" => outcomes.0 += 1,
            "child" => {
                assert_eq!(
                    p.layouts[0].edits.len(),
                    40_000,
                    "round {round}: a partial project"
                );
                outcomes.1 += 1;
            }
            other => panic!("round {round}: unexpected project {other:?}"),
        }
    }
    println!(
        "previous file kept {} times, new file complete {} times",
        outcomes.0, outcomes.1
    );
    // Leftover temporary files are allowed (a kill can orphan one), but the
    // project itself was never damaged.
    let _ = std::fs::remove_dir_all(&dir);
}
