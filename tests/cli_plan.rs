//! `lifecircle plan` on the demo district: the files it writes and what
//! they promise (budgets kept, the complete share never falling), and bad
//! input refused with a clear message and nothing written.

use std::path::{Path, PathBuf};
use std::process::Command;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-plan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn plan(args: &[&str], out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lifecircle"))
        .arg("plan")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_two_phase_plan_on_the_demo_keeps_its_budgets() {
    let out = temp_dir("demo");
    let o = plan(
        &["--budget", "3000", "--phases", "近期:1000,远期:2000"],
        &out,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("plan.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "phase",
            "step",
            "category",
            "name",
            "township",
            "lon",
            "lat",
            "cost",
            "gain",
            "cumulative_cost",
            "complete_share",
            "tier"
        ]
    );
    let mut spent = std::collections::BTreeMap::<String, f64>::new();
    let mut share = std::collections::BTreeMap::<String, f64>::new();
    let mut cumulative = 0.0;
    let mut n = 0;
    for r in rows.records() {
        let r = r.unwrap();
        let num = |i: usize| r[i].parse::<f64>().unwrap();
        *spent.entry(r[0].to_string()).or_default() += num(7);
        assert!(num(9) >= cumulative && num(9) <= 3000.0 + 1e-9, "{r:?}");
        assert!((num(9) - cumulative - num(7)).abs() < 1e-6);
        cumulative = num(9);
        let before = share.insert(r[11].to_string(), num(10)).unwrap_or(0.0);
        assert!(num(10) >= before - 1e-12, "{r:?}");
        assert!(num(8) > 0.0);
        n += 1;
    }
    assert!(n >= 5, "{n} steps");
    assert!(
        spent.get("近期").copied().unwrap_or(0.0) <= 1000.0 + 1e-9,
        "{spent:?}"
    );
    assert!(
        spent.get("远期").copied().unwrap_or(0.0) <= 2000.0 + 1e-9,
        "{spent:?}"
    );
    let geo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.geojson")).unwrap()).unwrap();
    assert_eq!(geo["features"].as_array().unwrap().len(), n);
    let html = std::fs::read_to_string(out.join("plan.html")).unwrap();
    assert!(html.contains("建设时序 / Phased plan") && html.contains("<polyline"));
    assert!(
        html.matches("data:image/png;base64,").count() >= 2,
        "maps per phase"
    );
    let xlsx = std::fs::read(out.join("plan.xlsx")).unwrap();
    assert!(xlsx.starts_with(b"PK"));
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn bad_input_is_named_and_nothing_is_written() {
    let dir = temp_dir("bad");
    std::fs::create_dir_all(&dir).unwrap();
    // A profile whose 30-minute tier needs a category without cost or default.
    let text = std::fs::read_to_string(lifecircle::io::demo_profile_path()).unwrap();
    let mut profile: serde_json::Value = serde_json::from_str(&text).unwrap();
    profile["tiers"][2]["categories"]
        .as_array_mut()
        .unwrap()
        .push("kiosk".into());
    let costless = dir.join("profile.json");
    std::fs::write(&costless, profile.to_string()).unwrap();
    let costless = costless.to_str().unwrap();
    for (args, named) in [
        (vec!["--budget", "-5"], "budget -5"),
        (
            vec!["--budget", "3000", "--phases", "近期:1000,远期:1000"],
            "add up to 2000",
        ),
        (
            vec!["--budget", "100", "--profile", costless, "--tier", "t30"],
            "\"kiosk\" has no cost",
        ),
        (vec!["--budget", "100", "--tier", "t99"], "no tier \"t99\""),
        (
            vec!["--budget", "100", "--tier", "t5", "--objective", "served"],
            "\"kindergarten\" has a standard but no default_capacity",
        ),
        (
            vec!["--budget", "100", "--objective", "most"],
            "objective \"most\"",
        ),
    ] {
        let out = dir.join("out");
        let o = plan(&args, &out);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} wrote {}", out.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
