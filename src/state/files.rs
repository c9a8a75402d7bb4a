//! The seam between the app and the file system's dialogs: a
//! [`FileDialogs`] trait with the real `rfd` dialogs for the desktop and a
//! scripted stand-in for tests (which must never open a dialog), and the
//! guess of what a dropped file holds.

use crate::io::LayerKind;
use crate::report::Lang;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

/// What a file is imported as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Import {
    /// One of the four input layers.
    Layer(LayerKind),
    /// An assessment profile (JSON).
    Profile,
}

impl Import {
    /// Everything that can be imported, in menu order.
    pub const ALL: [Import; 5] = [
        Import::Layer(LayerKind::Townships),
        Import::Layer(LayerKind::Facilities),
        Import::Layer(LayerKind::Residents),
        Import::Layer(LayerKind::Roads),
        Import::Profile,
    ];

    /// The name shown to users.
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Import::Layer(LayerKind::Townships) => lang.pick("乡镇边界", "Townships"),
            Import::Layer(LayerKind::Facilities) => lang.pick("设施点", "Facilities"),
            Import::Layer(LayerKind::Residents) => lang.pick("居民点", "Residents"),
            Import::Layer(LayerKind::Roads) => lang.pick("道路", "Roads"),
            Import::Profile => lang.pick("评估方案", "Profile"),
        }
    }

    /// File-type filters for the open dialog: (description, extensions).
    pub fn filters(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Import::Layer(LayerKind::Facilities) => &[(
                "GeoJSON / CSV / Excel / Shapefile / KML / DXF / OSM PBF",
                &[
                    "geojson", "json", "csv", "tsv", "xlsx", "xls", "xlsm", "xlsb", "ods", "shp",
                    "kml", "kmz", "dxf", "pbf",
                ],
            )],
            Import::Layer(LayerKind::Residents) => &[(
                "GeoJSON / CSV / Excel / Shapefile",
                &[
                    "geojson", "json", "csv", "tsv", "xlsx", "xls", "xlsm", "xlsb", "ods", "shp",
                ],
            )],
            Import::Layer(LayerKind::Townships) => &[(
                "GeoJSON / Shapefile / KML / DXF",
                &["geojson", "json", "shp", "kml", "kmz", "dxf"],
            )],
            Import::Layer(LayerKind::Roads) => &[(
                "GeoJSON / Shapefile / KML / DXF / OSM PBF",
                &["geojson", "json", "shp", "kml", "kmz", "dxf", "pbf"],
            )],
            Import::Profile => &[("JSON", &["json"])],
        }
    }
}

/// Asks the user for files. The desktop uses [`RfdDialogs`]; tests use
/// [`ScriptedDialogs`].
pub trait FileDialogs {
    /// A file to import as `what`, or `None` when the user cancels.
    fn pick(&mut self, what: Import, lang: Lang) -> Option<PathBuf>;

    /// A folder to write into (report export), or `None` when the user
    /// cancels.
    fn pick_folder(&mut self, lang: Lang) -> Option<PathBuf>;

    /// Where to save a project (`.lifecircle.json`), or `None` when the
    /// user cancels.
    fn save_project(&mut self, lang: Lang) -> Option<PathBuf>;

    /// A project file to open, or `None` when the user cancels.
    fn pick_project(&mut self, lang: Lang) -> Option<PathBuf>;

    /// A town-area file (镇区范围, GeoJSON polygons), or `None` when the
    /// user cancels.
    fn pick_town_areas(&mut self, lang: Lang) -> Option<PathBuf>;
}

/// The file-type filter of project files.
const PROJECT_FILTER: (&str, &[&str]) = ("LifeCircle (.lifecircle.json)", &["json"]);

/// Native dialogs through `rfd` (xdg portal on Linux). Without a portal
/// (e.g. under Xvfb) the dialog returns `None` at once.
#[derive(Default)]
pub struct RfdDialogs {
    last_dir: Option<PathBuf>,
}

impl FileDialogs for RfdDialogs {
    fn pick(&mut self, what: Import, lang: Lang) -> Option<PathBuf> {
        let title = format!("{} – {}", lang.pick("导入", "Import"), what.name(lang));
        let mut dialog = rfd::FileDialog::new().set_title(title);
        for (name, extensions) in what.filters() {
            dialog = dialog.add_filter(*name, extensions);
        }
        if let Some(dir) = &self.last_dir {
            dialog = dialog.set_directory(dir);
        }
        let path = dialog.pick_file()?;
        self.last_dir = path.parent().map(Path::to_path_buf);
        Some(path)
    }

    fn pick_folder(&mut self, lang: Lang) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .set_title(lang.pick("选择导出文件夹", "Choose the export folder"));
        if let Some(dir) = &self.last_dir {
            dialog = dialog.set_directory(dir);
        }
        let dir = dialog.pick_folder()?;
        self.last_dir = Some(dir.clone());
        Some(dir)
    }

    fn save_project(&mut self, lang: Lang) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .set_title(lang.pick("保存项目", "Save project"))
            .add_filter(PROJECT_FILTER.0, PROJECT_FILTER.1)
            .set_file_name("project.lifecircle.json");
        if let Some(dir) = &self.last_dir {
            dialog = dialog.set_directory(dir);
        }
        let path = dialog.save_file()?;
        self.last_dir = path.parent().map(Path::to_path_buf);
        Some(path)
    }

    fn pick_project(&mut self, lang: Lang) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .set_title(lang.pick("打开项目", "Open project"))
            .add_filter(PROJECT_FILTER.0, PROJECT_FILTER.1);
        if let Some(dir) = &self.last_dir {
            dialog = dialog.set_directory(dir);
        }
        let path = dialog.pick_file()?;
        self.last_dir = path.parent().map(Path::to_path_buf);
        Some(path)
    }

    fn pick_town_areas(&mut self, lang: Lang) -> Option<PathBuf> {
        let mut dialog = rfd::FileDialog::new()
            .set_title(lang.pick("导入镇区范围", "Import town areas"))
            .add_filter("GeoJSON", &["geojson", "json"]);
        if let Some(dir) = &self.last_dir {
            dialog = dialog.set_directory(dir);
        }
        let path = dialog.pick_file()?;
        self.last_dir = path.parent().map(Path::to_path_buf);
        Some(path)
    }
}

/// Answers dialogs from a list, in order; `None` once the list is empty.
#[derive(Default)]
pub struct ScriptedDialogs {
    answers: VecDeque<Option<PathBuf>>,
    /// What was asked, in order (for assertions).
    pub asked: Vec<Import>,
    /// How many folders were asked for.
    pub folders_asked: usize,
}

impl ScriptedDialogs {
    /// Dialogs that answer `answers` one after the other.
    pub fn new(answers: impl IntoIterator<Item = Option<PathBuf>>) -> Self {
        Self {
            answers: answers.into_iter().collect(),
            asked: Vec::new(),
            folders_asked: 0,
        }
    }
}

impl FileDialogs for ScriptedDialogs {
    fn pick(&mut self, what: Import, _lang: Lang) -> Option<PathBuf> {
        self.asked.push(what);
        self.answers.pop_front().flatten()
    }

    /// Answers from the same list as [`FileDialogs::pick`]; counted in
    /// `folders_asked`.
    fn pick_folder(&mut self, _lang: Lang) -> Option<PathBuf> {
        self.folders_asked += 1;
        self.answers.pop_front().flatten()
    }

    /// Answers from the same list as [`FileDialogs::pick`].
    fn save_project(&mut self, _lang: Lang) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }

    /// Answers from the same list as [`FileDialogs::pick`].
    fn pick_project(&mut self, _lang: Lang) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }

    /// Answers from the same list as [`FileDialogs::pick`].
    fn pick_town_areas(&mut self, _lang: Lang) -> Option<PathBuf> {
        self.answers.pop_front().flatten()
    }
}

/// What a file probably holds, from its name alone (English or Chinese
/// keywords), e.g. `roads.geojson` → roads, `乡镇边界.json` → townships.
///
/// ```
/// use lifecircle::state::files::{guess_from_name, Import};
/// use lifecircle::io::LayerKind;
/// use std::path::Path;
/// assert_eq!(guess_from_name(Path::new("/d/roads.geojson")), Some(Import::Layer(LayerKind::Roads)));
/// assert_eq!(guess_from_name(Path::new("设施POI.csv")), Some(Import::Layer(LayerKind::Facilities)));
/// assert_eq!(guess_from_name(Path::new("profile-default.json")), Some(Import::Profile));
/// assert_eq!(guess_from_name(Path::new("data.geojson")), None);
/// ```
pub fn guess_from_name(path: &Path) -> Option<Import> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&["profile", "方案", "标准"]) {
        Some(Import::Profile)
    } else if has(&[
        "township",
        "boundar",
        "admin",
        "town",
        "乡镇",
        "边界",
        "行政区",
    ]) {
        Some(Import::Layer(LayerKind::Townships))
    } else if has(&["road", "street", "network", "osm_line", "道路", "路网"]) {
        Some(Import::Layer(LayerKind::Roads))
    } else if has(&[
        "resident",
        "population",
        "demand",
        "building",
        "pop",
        "居民",
        "人口",
        "建筑",
        "village",
        "行政村",
    ]) {
        Some(Import::Layer(LayerKind::Residents))
    } else if has(&["facilit", "poi", "service", "设施", "服务"]) {
        Some(Import::Layer(LayerKind::Facilities))
    } else {
        None
    }
}

/// What a file holds, from its content: a profile has `tiers`; a GeoJSON
/// layer is told by its first geometry (Polygon → townships, LineString →
/// roads, Point with `category` → facilities, other points → residents); a
/// CSV by its header (`category`/`类别` → facilities, else residents).
pub fn guess_from_content(bytes: &[u8]) -> Option<Import> {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(4 << 20)]);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        if value.get("tiers").is_some() {
            return Some(Import::Profile);
        }
        let feature = value
            .get("features")
            .and_then(|f| f.as_array())
            .and_then(|f| {
                f.iter()
                    .find(|f| f.get("geometry").is_some_and(|g| !g.is_null()))
            })?;
        let kind = feature.pointer("/geometry/type")?.as_str()?;
        let props = feature.get("properties");
        let has_prop = |k: &str| props.and_then(|p| p.get(k)).is_some();
        return Some(Import::Layer(match kind {
            "Polygon" | "MultiPolygon" if has_prop("population") => LayerKind::Residents,
            "Polygon" | "MultiPolygon" => LayerKind::Townships,
            "LineString" | "MultiLineString" => LayerKind::Roads,
            "Point" | "MultiPoint" if has_prop("category") => LayerKind::Facilities,
            "Point" | "MultiPoint" => LayerKind::Residents,
            _ => return None,
        }));
    }
    let header = trimmed.lines().next()?.to_lowercase();
    if ["category", "类别", "类型", "type"]
        .iter()
        .any(|w| header.contains(w))
    {
        Some(Import::Layer(LayerKind::Facilities))
    } else if ["population", "人口", "pop"]
        .iter()
        .any(|w| header.contains(w))
    {
        Some(Import::Layer(LayerKind::Residents))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_dialogs_answer_in_order_and_record_questions() {
        let mut d = ScriptedDialogs::new([Some(PathBuf::from("a.geojson")), None]);
        assert_eq!(
            d.pick(Import::Profile, Lang::Zh),
            Some(PathBuf::from("a.geojson"))
        );
        assert_eq!(d.pick(Import::Layer(LayerKind::Roads), Lang::En), None);
        assert_eq!(d.pick(Import::Profile, Lang::En), None);
        assert_eq!(d.asked.len(), 3);
    }

    #[test]
    fn content_tells_layers_apart() {
        let fc = |geom: &str, props: &str| {
            format!(
                r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{props},"geometry":{{"type":"{geom}","coordinates":[]}}}}]}}"#
            )
        };
        let cases = [
            (
                fc("Polygon", r#"{"name":"a"}"#),
                Import::Layer(LayerKind::Townships),
            ),
            (fc("MultiLineString", "{}"), Import::Layer(LayerKind::Roads)),
            (
                fc("Point", r#"{"category":"bank"}"#),
                Import::Layer(LayerKind::Facilities),
            ),
            (
                fc("Point", r#"{"population":3}"#),
                Import::Layer(LayerKind::Residents),
            ),
            (r#"{"tiers":[]}"#.to_string(), Import::Profile),
            (
                "name,category,lon,lat\n".to_string(),
                Import::Layer(LayerKind::Facilities),
            ),
            (
                "lon,lat,人口\n".to_string(),
                Import::Layer(LayerKind::Residents),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(guess_from_content(text.as_bytes()), Some(want), "{text}");
        }
        assert_eq!(guess_from_content(b"{not json"), None);
        assert_eq!(guess_from_content(b""), None);
        assert_eq!(guess_from_content(b"\xff\xfe\x00garbage"), None);
    }

    #[test]
    fn every_import_has_filters_and_names() {
        for what in Import::ALL {
            assert!(!what.filters().is_empty());
            assert_ne!(what.name(Lang::Zh), what.name(Lang::En));
        }
    }
}
