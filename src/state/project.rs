//! The study the workspace shows and the work that changes it: loading the
//! demo, importing files, assessing, and a facility's reach. The work
//! functions take owned or `Arc` inputs and a [`Progress`], so the app can
//! run them as background [`super::jobs::Job`]s; none of them touches egui.

use super::files::{Import, guess_from_content, guess_from_name};
use super::map_geometry::PlaneOrigin;
use super::map_geometry::{DemandGeometry, MapGeometry};
use crate::analysis::{self, Assessment, Cancelled, Progress};
use crate::io::{self, CategoryMatcher, Format, LayerKind};
use crate::model::{Layers, LoadWarning, Profile};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The inputs on screen: layers, profile, where they came from, what was
/// wrong with them, and their map geometry.
#[derive(Clone)]
pub struct Study {
    /// The input layers.
    pub layers: Arc<Layers>,
    /// The assessment profile.
    pub profile: Profile,
    /// File name each input came from, per [`Import`] (in `Import::ALL` order).
    pub files: Vec<(Import, String)>,
    /// Loader warnings per input.
    pub warnings: Vec<(Import, Vec<LoadWarning>)>,
    /// The layers projected for the map.
    pub geometry: Arc<MapGeometry>,
    /// Bumped whenever layers or profile change.
    pub generation: u64,
    /// The town-area layer (镇区范围): its file name and polygons.
    pub town_areas: Option<(String, Arc<Vec<geo::MultiPolygon<f64>>>)>,
    /// Bumped whenever the town-area layer changes.
    pub town_areas_generation: u64,
}

impl Study {
    /// A study of `layers` assessed with `profile`, with no file names.
    pub fn new(layers: Layers, profile: Profile) -> Self {
        let geometry = Arc::new(MapGeometry::build(&layers, &profile));
        Self {
            layers: Arc::new(layers),
            profile,
            files: Vec::new(),
            warnings: Vec::new(),
            geometry,
            generation: 1,
            town_areas: None,
            town_areas_generation: 0,
        }
    }

    /// The file an input came from.
    pub fn file(&self, what: Import) -> Option<&str> {
        self.files
            .iter()
            .find(|(w, _)| *w == what)
            .map(|(_, f)| f.as_str())
    }

    /// All loader warnings, with the input they belong to.
    pub fn all_warnings(&self) -> impl Iterator<Item = (Import, &LoadWarning)> {
        self.warnings
            .iter()
            .flat_map(|(what, list)| list.iter().map(move |w| (*what, w)))
    }

    /// Replace the inputs in `outcome`, keeping the others.
    pub fn apply(&mut self, outcome: LoadOutcome) {
        for (what, file, warnings) in outcome.replaced {
            self.files.retain(|(w, _)| *w != what);
            self.files.push((what, file));
            self.warnings.retain(|(w, _)| *w != what);
            self.warnings.push((what, warnings));
        }
        let order = |w: &Import| Import::ALL.iter().position(|x| x == w);
        self.files.sort_by_key(|(w, _)| order(w));
        self.warnings.sort_by_key(|(w, _)| order(w));
        self.layers = Arc::new(outcome.layers);
        self.profile = outcome.profile;
        self.geometry = Arc::new(outcome.geometry);
        self.generation += 1;
    }

    /// Use a new profile (e.g. after editing), keeping the layers.
    pub fn set_profile(&mut self, profile: Profile) {
        self.geometry = Arc::new(MapGeometry::build(&self.layers, &profile));
        self.profile = profile;
        self.generation += 1;
    }
}

/// The result of a load or import, ready to replace parts of a [`Study`].
pub struct LoadOutcome {
    /// The complete layers after the load.
    pub layers: Layers,
    /// The profile after the load.
    pub profile: Profile,
    /// Each input that was read: what, file name, its warnings.
    pub replaced: Vec<(Import, String, Vec<LoadWarning>)>,
    /// The layers projected for the map.
    pub geometry: MapGeometry,
}

/// Why a load failed. The message is the loader's, in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadFailure {
    /// A file could not be used; the previous data stay.
    File {
        /// What the file was imported as, when known.
        what: Option<Import>,
        /// The file name.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A dropped file whose content could not be told.
    Unrecognised {
        /// The file name.
        file: String,
    },
    /// The user cancelled.
    Cancelled,
}

/// One file to import; `what: None` guesses from name and content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRequest {
    /// What to import the file as; `None`: guess.
    pub what: Option<Import>,
    /// The file.
    pub path: PathBuf,
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Per layer file of `paths`: what it is, its name and its own warnings.
pub(crate) fn layer_entries(
    paths: &io::LayerPaths,
    warnings: &[LoadWarning],
) -> Vec<(Import, String, Vec<LoadWarning>)> {
    [
        (LayerKind::Townships, Some(&paths.townships)),
        (LayerKind::Facilities, Some(&paths.facilities)),
        (LayerKind::Residents, paths.residents.as_ref()),
        (LayerKind::Roads, paths.roads.as_ref()),
    ]
    .into_iter()
    .filter_map(|(kind, path)| {
        let name = file_name(path?);
        let mine = warnings
            .iter()
            .filter(|w| w.file == name)
            .cloned()
            .collect();
        Some((Import::Layer(kind), name, mine))
    })
    .collect()
}

/// Load the demo district and the default profile (`data/`).
pub fn load_demo(progress: &Progress) -> Result<LoadOutcome, LoadFailure> {
    let profile_path = io::demo_profile_path();
    let paths = io::demo_layer_paths();
    let fail = |what: Option<Import>, e: io::LoadError| LoadFailure::File {
        what,
        file: file_name(e.path()),
        message: e.to_string(),
    };
    progress.phase("profile", 0.05);
    let profile = io::load_profile(&profile_path).map_err(|e| fail(Some(Import::Profile), e))?;
    progress.check().map_err(|_| LoadFailure::Cancelled)?;
    progress.phase("layers", 0.2);
    let (layers, warnings) = io::load_layers(&paths, &profile).map_err(|e| fail(None, e))?;
    progress.check().map_err(|_| LoadFailure::Cancelled)?;
    progress.phase("map", 0.9);
    let geometry = MapGeometry::build(&layers, &profile);
    let mut replaced = vec![(Import::Profile, file_name(&profile_path), Vec::new())];
    replaced.extend(layer_entries(&paths, &warnings));
    Ok(LoadOutcome {
        layers,
        profile,
        replaced,
        geometry,
    })
}

/// Read `requests` on top of `base` layers and `profile`. Every file must
/// load; otherwise nothing changes and the first problem is returned.
pub fn import_files(
    base: Arc<Layers>,
    profile: Profile,
    requests: Vec<ImportRequest>,
    progress: &Progress,
) -> Result<LoadOutcome, LoadFailure> {
    let mut layers = (*base).clone();
    let mut profile = profile;
    let mut replaced = Vec::new();
    let n = requests.len().max(1) as f32;
    // The profile first: facilities are matched against it.
    let mut requests: Vec<(Import, ImportRequest, Vec<u8>)> = requests
        .into_iter()
        .map(|r| {
            let name = file_name(&r.path);
            let bytes = std::fs::read(&r.path).map_err(|e| LoadFailure::File {
                what: r.what,
                file: name.clone(),
                message: io::LoadError::Read {
                    path: r.path.clone(),
                    source: e,
                }
                .to_string(),
            })?;
            let what = r
                .what
                .or_else(|| guess_from_name(&r.path))
                .or_else(|| guess_from_content(&bytes))
                .ok_or(LoadFailure::Unrecognised { file: name })?;
            Ok((what, r, bytes))
        })
        .collect::<Result<_, _>>()?;
    requests.sort_by_key(|(what, _, _)| *what != Import::Profile);
    for (i, (what, request, bytes)) in requests.into_iter().enumerate() {
        progress.check().map_err(|_| LoadFailure::Cancelled)?;
        progress.phase(&file_name(&request.path), i as f32 / n);
        let name = file_name(&request.path);
        let fail = |e: io::LoadError| LoadFailure::File {
            what: Some(what),
            file: name.clone(),
            message: e.to_string(),
        };
        let format = || {
            Format::from_path(&request.path).or_else(|e| match what {
                // A dropped `.txt`/no-extension file whose content was recognised.
                Import::Layer(_) if guess_from_content(&bytes).is_some() => Ok(Format::GeoJson),
                _ => Err(e),
            })
        };
        let warnings = match what {
            Import::Profile => {
                profile = io::parse_profile(&name, &bytes).map_err(fail)?;
                Vec::new()
            }
            Import::Layer(LayerKind::Townships) => {
                let loaded =
                    io::parse_townships(&name, &bytes, format().map_err(fail)?).map_err(fail)?;
                layers.townships = loaded.items;
                loaded.warnings
            }
            Import::Layer(LayerKind::Facilities) => {
                let matcher = CategoryMatcher::from_profile(&profile);
                let loaded =
                    io::parse_facilities_matching(&name, &bytes, format().map_err(fail)?, &matcher)
                        .map_err(fail)?;
                layers.facilities = loaded.items;
                loaded.warnings
            }
            Import::Layer(LayerKind::Residents) => {
                let loaded =
                    io::parse_residents(&name, &bytes, format().map_err(fail)?).map_err(fail)?;
                layers.residents = Some(loaded.items);
                loaded.warnings
            }
            Import::Layer(LayerKind::Roads) => {
                let loaded =
                    io::parse_roads(&name, &bytes, format().map_err(fail)?).map_err(fail)?;
                layers.roads = Some(loaded.items);
                loaded.warnings
            }
        };
        replaced.push((what, name, warnings));
    }
    progress.phase("map", 0.95);
    let geometry = MapGeometry::build(&layers, &profile);
    Ok(LoadOutcome {
        layers,
        profile,
        replaced,
        geometry,
    })
}

/// An assessment and what the map needs of it.
pub struct Results {
    /// The engine's result.
    pub assessment: Arc<Assessment>,
    /// The demand points projected for the map.
    pub demand: Arc<DemandGeometry>,
    /// The profile that was assessed.
    pub profile: Profile,
    /// The study generation that was assessed.
    pub study_generation: u64,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
    /// Sharing, town–village and scorecard figures, once computed (see
    /// [`super::sharing`]).
    pub shared: Option<Arc<super::sharing::SharedFigures>>,
}

/// Assess `layers` with `profile` and project the demand onto `plane`.
pub fn assess_study(
    layers: Arc<Layers>,
    profile: Profile,
    plane: PlaneOrigin,
    study_generation: u64,
    progress: &Progress,
) -> Result<Results, Cancelled> {
    let start = Instant::now();
    let assessment = analysis::assess(&layers, &profile, progress)?;
    progress.phase("map", 0.99);
    let demand = DemandGeometry::build(&assessment, profile.tiers.len(), &plane);
    Ok(Results {
        assessment: Arc::new(assessment),
        demand: Arc::new(demand),
        profile,
        study_generation,
        seconds: start.elapsed().as_secs_f64(),
        shared: None,
    })
}

/// The road pieces a facility reaches within a tier, in plane coordinates.
#[derive(Clone, Debug)]
pub struct Reach {
    /// Index into `Layers::facilities`.
    pub facility: u32,
    /// Index into the assessed profile's tiers.
    pub tier: usize,
    /// Reached road pieces as plane-coordinate segments.
    pub segments: Vec<[[f32; 2]; 2]>,
    /// Bumped per computation, for map caches.
    pub id: u64,
}

/// Compute the reach of facility `facility` for tier `tier`.
pub fn facility_reach(
    results: (&Arc<Assessment>, &Profile),
    layers: &Layers,
    facility: u32,
    tier: usize,
    plane: PlaneOrigin,
    id: u64,
) -> Option<Reach> {
    let (assessment, profile) = results;
    let f = layers.facilities.get(facility as usize)?;
    let t = profile.tiers.get(tier)?;
    let lines = analysis::facility_reach(assessment, profile, f, t);
    let segments = lines
        .iter()
        .map(|l| {
            [
                plane.project(l.start.x, l.start.y),
                plane.project(l.end.x, l.end.y),
            ]
        })
        .collect();
    Some(Reach {
        facility,
        tier,
        segments,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Facility, Township};

    fn square(name: &str, x: f64) -> Township {
        let poly = geo::Polygon::new(
            geo::LineString::from(vec![
                (x, 0.0),
                (x + 1.0, 0.0),
                (x + 1.0, 1.0),
                (x, 1.0),
                (x, 0.0),
            ]),
            vec![],
        );
        Township {
            name: name.to_string(),
            code: None,
            boundary: geo::MultiPolygon(vec![poly]),
        }
    }

    fn profile() -> Profile {
        Profile::from_json(
            r#"{"tiers":[{"id":"t5","minutes":5,"mode":"walk","categories":["shop"]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_broken_import_changes_nothing_and_names_the_file() {
        let dir = std::env::temp_dir().join(format!("lifecircle-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let broken = dir.join("townships-broken.geojson");
        std::fs::write(
            &broken,
            b"{\"type\": \"FeatureCollection\", \"features\": [",
        )
        .unwrap();
        let base = Arc::new(Layers {
            townships: vec![square("A", 0.0)],
            ..Default::default()
        });
        let err = import_files(
            Arc::clone(&base),
            profile(),
            vec![ImportRequest {
                what: Some(Import::Layer(LayerKind::Townships)),
                path: broken.clone(),
            }],
            &Progress::new(),
        )
        .err()
        .unwrap();
        match err {
            LoadFailure::File { file, message, .. } => {
                assert_eq!(file, "townships-broken.geojson");
                assert!(message.contains("JSON"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(base.townships.len(), 1);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn imports_guess_the_layer_and_replace_only_it() {
        let dir = std::env::temp_dir().join(format!("lifecircle-guess-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("poi.geojson");
        std::fs::write(
            &file,
            br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"shop","name":"S"},"geometry":{"type":"Point","coordinates":[0.5,0.5]}}]}"#,
        )
        .unwrap();
        let base = Arc::new(Layers {
            townships: vec![square("A", 0.0), square("B", 1.0)],
            ..Default::default()
        });
        let outcome = import_files(
            base,
            profile(),
            vec![ImportRequest {
                what: None,
                path: file,
            }],
            &Progress::new(),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(outcome.layers.townships.len(), 2);
        assert_eq!(outcome.layers.facilities.len(), 1);
        assert_eq!(outcome.replaced[0].0, Import::Layer(LayerKind::Facilities));
        assert_eq!(outcome.geometry.facilities.len(), 1);

        let mut study = Study::new(
            Layers {
                facilities: vec![Facility {
                    category: "x".into(),
                    name: String::new(),
                    capacity: None,
                    location: geo::Point::new(0.0, 0.0),
                }],
                ..Default::default()
            },
            profile(),
        );
        let g = study.generation;
        study.apply(outcome);
        assert_eq!(study.generation, g + 1);
        assert_eq!(
            study.file(Import::Layer(LayerKind::Facilities)),
            Some("poi.geojson")
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn an_unknown_dropped_file_is_reported() {
        let dir = std::env::temp_dir().join(format!("lifecircle-unknown-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("notes.txt");
        std::fs::write(&file, b"hello").unwrap();
        let err = import_files(
            Arc::new(Layers::default()),
            profile(),
            vec![ImportRequest {
                what: None,
                path: file,
            }],
            &Progress::new(),
        )
        .err();
        assert_eq!(
            err,
            Some(LoadFailure::Unrecognised {
                file: "notes.txt".into()
            })
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
