//! Saving and opening project files (`.lifecircle.json`) atomically, with
//! layer paths made relative to the project file on the way out and
//! absolute on the way in; and the recovery copy written by autosave.

use super::write_atomic;
use crate::model::{PROJECT_FORMAT, PROJECT_VERSION, Project};
use std::path::{Component, Path, PathBuf};

/// Why a project file could not be opened or saved.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("could not read the project ({source}): {}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not save the project ({source}): {}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a LifeCircle project ({message}): {}", .path.display())]
    Format { path: PathBuf, message: String },
    #[error("the project was saved by a newer LifeCircle (format version {version}); update LifeCircle to open it: {}", .path.display())]
    TooNew { path: PathBuf, version: u32 },
}

/// The recovery file autosave writes beside (or instead of) a project.
pub fn recovery_path(project: Option<&Path>, data_dir: &Path) -> PathBuf {
    match project {
        Some(p) => {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            p.with_file_name(format!(".{name}.recovery"))
        }
        None => data_dir.join("unsaved.lifecircle.json.recovery"),
    }
}

/// Save atomically: a crash during the save leaves the previous file intact.
pub fn save_project(path: &Path, project: &Project) -> Result<(), ProjectError> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut on_disk = project.clone();
    for p in layer_paths_mut(&mut on_disk) {
        *p = relative_to(p, base);
    }
    for l in &mut on_disk.layouts {
        if let Some(f) = &mut l.facilities_file {
            *f = relative_to(Path::new(f), base)
                .to_string_lossy()
                .into_owned();
        }
    }
    let text = serde_json::to_string_pretty(&on_disk).map_err(|e| ProjectError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(path, text.as_bytes()).map_err(|source| ProjectError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Open a project; its layer paths come back absolute.
pub fn load_project(path: &Path) -> Result<Project, ProjectError> {
    let bytes = std::fs::read(path).map_err(|source| ProjectError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let format_error = |message: String| ProjectError::Format {
        path: path.to_path_buf(),
        message,
    };
    // A byte-order mark (Windows editors add one) is not part of the JSON.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format_error(format!("not valid JSON: {e}")))?;
    if value.get("format").and_then(|f| f.as_str()) != Some(PROJECT_FORMAT) {
        return Err(format_error(format!("no \"format\": \"{PROJECT_FORMAT}\"")));
    }
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    if version > PROJECT_VERSION {
        return Err(ProjectError::TooNew {
            path: path.to_path_buf(),
            version,
        });
    }
    if let Err(e) = serde_json::from_slice::<Project>(bytes)
        && let Some(twice) = super::geojson_layers::duplicate_key(&e)
    {
        return Err(format_error(twice));
    }
    let mut project: Project =
        serde_json::from_value(value).map_err(|e| format_error(e.to_string()))?;
    project
        .profile
        .validate()
        .map_err(|e| format_error(format!("profile: {e}")))?;
    let base = path.parent().unwrap_or(Path::new("."));
    for p in layer_paths_mut(&mut project) {
        if p.is_relative() {
            *p = normalise(&base.join(&*p));
        }
    }
    for l in &mut project.layouts {
        if let Some(f) = &mut l.facilities_file
            && Path::new(f).is_relative()
        {
            *f = normalise(&base.join(&*f)).to_string_lossy().into_owned();
        }
    }
    Ok(project)
}

fn layer_paths_mut(p: &mut Project) -> impl Iterator<Item = &mut PathBuf> {
    let l = &mut p.layers;
    [
        &mut l.townships,
        &mut l.facilities,
        &mut l.residents,
        &mut l.roads,
        &mut l.town_areas,
    ]
    .into_iter()
    .flatten()
}

/// Drop `.` and resolve `..` lexically (no file system access).
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to the folder `base` when both are absolute and share
/// a root; otherwise `target` unchanged.
fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let (t, b) = (normalise(target), normalise(base));
    if !(t.is_absolute() && b.is_absolute()) {
        return t;
    }
    let tc: Vec<Component> = t.components().collect();
    let bc: Vec<Component> = b.components().collect();
    let common = tc.iter().zip(&bc).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return t;
    }
    let mut out = PathBuf::new();
    for _ in common..bc.len() {
        out.push("..");
    }
    for c in &tc[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Edit, FacilityId, LayerFiles, Layout, Profile};

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("lifecircle-project-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn profile() -> Profile {
        Profile::from_json(
            r#"{"tiers":[{"id":"t5","minutes":5,"mode":"walk","categories":["shop"]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn round_trips_with_relative_paths() {
        let dir = scratch("roundtrip");
        let data = dir.join("data");
        let layers = LayerFiles {
            townships: Some(data.join("towns.geojson")),
            facilities: Some(data.join("shops.csv")),
            residents: None,
            roads: Some(
                dir.join("..")
                    .join(dir.file_name().unwrap())
                    .join("roads.geojson"),
            ),
            town_areas: Some(data.join("town-areas.geojson")),
        };
        let mut p = Project::new("test", layers, profile());
        p.layouts.push(Layout {
            name: "方案一".into(),
            facilities_file: None,
            scenario: Default::default(),
            edits: vec![Edit::Delete {
                id: FacilityId(1),
                facility: crate::model::Facility {
                    category: "shop".into(),
                    name: "x".into(),
                    capacity: None,
                    location: geo::Point::new(1.0, 2.0),
                },
            }],
        });
        p.active_layout = Some(0);
        let file = dir.join("study.lifecircle.json");
        save_project(&file, &p).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("\"data/towns.geojson\""), "{text}");
        assert!(text.contains("\"roads.geojson\""), "{text}");
        let back = load_project(&file).unwrap();
        assert_eq!(back.layers.townships, Some(data.join("towns.geojson")));
        assert_eq!(back.layers.roads, Some(dir.join("roads.geojson")));
        assert!(text.contains("\"data/town-areas.geojson\""), "{text}");
        assert_eq!(back.layers.town_areas, p.layers.town_areas);
        assert_eq!(back.layouts, p.layouts);
        assert_eq!(back.active_layout, Some(0));
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let dir = scratch("bad");
        let f = dir.join("x.lifecircle.json");
        std::fs::write(&f, "{\"format\":\"something else\"}").unwrap();
        assert!(
            load_project(&f)
                .unwrap_err()
                .to_string()
                .contains("not a LifeCircle project")
        );
        std::fs::write(&f, "{ nope").unwrap();
        assert!(
            load_project(&f)
                .unwrap_err()
                .to_string()
                .contains("not valid JSON")
        );
        std::fs::write(
            &f,
            format!("{{\"format\":\"{PROJECT_FORMAT}\",\"version\":99}}"),
        )
        .unwrap();
        assert!(matches!(
            load_project(&f),
            Err(ProjectError::TooNew { version: 99, .. })
        ));
        assert!(matches!(
            load_project(&dir.join("missing.json")),
            Err(ProjectError::Read { .. })
        ));
    }

    #[test]
    fn a_byte_order_mark_is_accepted_and_a_key_twice_is_named() {
        let dir = scratch("bom");
        let f = dir.join("x.lifecircle.json");
        let p = Project::new("bom", LayerFiles::default(), profile());
        let text = serde_json::to_string(&p).unwrap();
        std::fs::write(&f, format!("\u{feff}{text}")).unwrap();
        assert_eq!(load_project(&f).unwrap().name, "bom");
        let twice = text.replacen("{", "{\"layouts\":[],", 1);
        std::fs::write(&f, twice).unwrap();
        let err = load_project(&f).unwrap_err().to_string();
        assert!(err.contains("the key \"layouts\" appears twice"), "{err}");
    }

    /// A save killed half-way (here: a save whose temporary file cannot be
    /// renamed into place because the target is a folder) leaves the
    /// previous project file as it was.
    #[test]
    fn failed_save_keeps_the_previous_file() {
        let dir = scratch("failed");
        let file = dir.join("p.lifecircle.json");
        let p = Project::new("one", LayerFiles::default(), profile());
        save_project(&file, &p).unwrap();
        let before = std::fs::read(&file).unwrap();
        // Saving into a path whose folder vanished fails without touching `file`.
        let gone = dir.join("gone").join("p.lifecircle.json");
        assert!(save_project(&gone, &p).is_err());
        assert_eq!(std::fs::read(&file).unwrap(), before);
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn recovery_file_sits_beside_the_project() {
        let p = recovery_path(
            Some(Path::new("/x/study.lifecircle.json")),
            Path::new("/data"),
        );
        assert_eq!(p, PathBuf::from("/x/.study.lifecircle.json.recovery"));
        assert_eq!(
            recovery_path(None, Path::new("/data")),
            PathBuf::from("/data/unsaved.lifecircle.json.recovery")
        );
    }
}
