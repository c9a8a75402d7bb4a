//! Layer rules for point layers, shared by the GeoJSON and CSV readers.
//!
//! Whether a facility row comes from a GeoJSON feature or a spreadsheet line,
//! the same rules decide if it is used: a valid location, a known category,
//! a population that is a number >= 0. Keeping them in one place keeps the two
//! formats from drifting apart.

use super::categories::{CategoryMatcher, Classified, UnknownCategories};
use super::fields::{self, Field};
use super::mapping::Poi;
use super::{LayerKind, LoadError, Loaded, Source};
use crate::model::{Facility, LoadWarning, Resident};
use geo::Point;
use serde_json::{Map, Value};

/// Collects facilities, skipping and explaining bad ones.
pub(crate) struct FacilityBuilder<'a> {
    source: &'a Source,
    matcher: &'a CategoryMatcher,
    unknown: UnknownCategories,
    items: Vec<Facility>,
    /// The feature number of each item.
    numbers: Vec<usize>,
    warnings: Vec<LoadWarning>,
}

impl<'a> FacilityBuilder<'a> {
    pub(crate) fn new(
        source: &'a Source,
        matcher: &'a CategoryMatcher,
        warnings: Vec<LoadWarning>,
    ) -> Self {
        Self {
            source,
            matcher,
            unknown: UnknownCategories::default(),
            items: Vec::new(),
            numbers: Vec::new(),
            warnings,
        }
    }

    /// Puts `warnings` (about the file's entries) before those noted so far.
    pub(crate) fn warnings_first(&mut self, warnings: Vec<LoadWarning>) {
        self.warnings.splice(0..0, warnings);
    }

    /// A warning about feature `number` (or the file, for `None`).
    pub(crate) fn warn(
        &mut self,
        number: Option<usize>,
        name: Option<&str>,
        message: impl Into<String>,
    ) {
        self.warnings
            .push(self.source.warning(number, name, message));
    }

    /// A facility from GeoJSON-like properties: `category`, `capacity`, an
    /// Amap type code, and every text or number attribute as a tag (so OSM
    /// exports and Geofabrik's `fclass` match the profile's tag rules).
    pub(crate) fn add_properties(
        &mut self,
        number: usize,
        name: Option<String>,
        properties: &Map<String, Value>,
        location: Result<Point<f64>, String>,
    ) {
        let category = fields::text(&fields::property(properties, fields::CATEGORY));
        let type_code = fields::text(&fields::property(properties, fields::TYPE_CODE));
        let owned: Vec<(&str, String)> = properties
            .iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.as_str(), s.trim().to_string())),
                Value::Number(n) => Some((k.as_str(), n.to_string())),
                _ => None,
            })
            .collect();
        let tags: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let record = Record {
            category: category.as_deref(),
            type_code: type_code.as_deref(),
            tags: &tags,
        };
        let capacity = fields::property(properties, fields::CAPACITY);
        self.add_record(number, name, record, capacity, location);
    }

    /// One facility record: feature `number` (1-based), its name, what it
    /// is (a category value, an Amap type code, OSM-like tags), its capacity
    /// and its location or why it has none. A POI that fills several
    /// categories becomes one facility per category.
    pub(crate) fn add_record(
        &mut self,
        number: usize,
        name: Option<String>,
        record: Record,
        capacity: Field,
        location: Result<Point<f64>, String>,
    ) {
        let label = name.as_deref();
        let location = match location {
            Ok(p) => p,
            Err(why) => return self.warn(Some(number), label, format!("{why}; it is skipped")),
        };
        let poi = Poi {
            category: record.category,
            type_code: record.type_code,
            name: label,
            tags: record.tags,
        };
        let ids: Vec<String> = match self.matcher.classify(&poi) {
            Classified::Ids(ids) => ids.into_iter().map(str::to_string).collect(),
            Classified::Skipped => return,
            Classified::Unknown(value) => {
                self.unknown.note(&value, number);
                return;
            }
            Classified::Missing => {
                return self.warn(
                    Some(number),
                    label,
                    "has no category (the \"category\" value is missing or empty); it is skipped",
                );
            }
        };
        let capacity = match fields::capacity(&capacity) {
            Ok(c) => c,
            Err(why) => {
                self.warn(
                    Some(number),
                    label,
                    format!("{why}; the capacity is left empty"),
                );
                None
            }
        };
        let name = name.unwrap_or_default();
        for id in ids {
            self.numbers.push(number);
            self.items.push(Facility {
                category: id,
                name: name.clone(),
                capacity,
                location,
            });
        }
    }

    pub(crate) fn finish(mut self) -> Result<Loaded<Facility>, LoadError> {
        let values = self.unknown.values();
        if self.items.is_empty() && !values.is_empty() && !self.matcher.accepts_any() {
            // Every facility has a category, none the profile's: the
            // profile and the file do not belong together.
            let found: Vec<String> = values
                .iter()
                .take(8)
                .map(|(v, n)| format!("{v:?} ({n})"))
                .collect();
            let more = values.len().saturating_sub(8);
            return Err(LoadError::NoCommonCategory {
                profile: self.matcher.ids().join(", "),
                found: if more > 0 {
                    format!("{} and {more} more", found.join(", "))
                } else {
                    found.join(", ")
                },
                path: self.source.path.clone(),
            });
        }
        let unknown = self.unknown.warnings(self.source, self.matcher);
        self.warnings.extend(unknown);
        self.source.finish(
            LayerKind::Facilities,
            self.items,
            Some(self.numbers),
            self.warnings,
        )
    }

    /// Like [`finish`](Self::finish), with the unknown values summed up in
    /// one warning (for OSM extracts, where most POIs are of no interest).
    pub(crate) fn finish_summarised(mut self, what: &str) -> Result<Loaded<Facility>, LoadError> {
        if let Some(w) = self.unknown.summary(self.source, what) {
            self.warnings.push(w);
        }
        self.source.finish(
            LayerKind::Facilities,
            self.items,
            Some(self.numbers),
            self.warnings,
        )
    }
}

/// What a facility record has besides its name: the raw category value, an
/// Amap type code and OSM-like tags.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Record<'a> {
    pub category: Option<&'a str>,
    pub type_code: Option<&'a str>,
    pub tags: &'a [(&'a str, &'a str)],
}

/// Collects residents (demand points), skipping and explaining bad ones.
pub(crate) struct ResidentBuilder<'a> {
    source: &'a Source,
    items: Vec<Resident>,
    /// The feature number of each item.
    numbers: Vec<usize>,
    warnings: Vec<LoadWarning>,
    saw_population: bool,
}

impl<'a> ResidentBuilder<'a> {
    pub(crate) fn new(source: &'a Source, warnings: Vec<LoadWarning>) -> Self {
        Self {
            source,
            items: Vec::new(),
            numbers: Vec::new(),
            warnings,
            saw_population: false,
        }
    }

    /// Puts `warnings` (about the file's entries) before those noted so far.
    pub(crate) fn warnings_first(&mut self, warnings: Vec<LoadWarning>) {
        self.warnings.splice(0..0, warnings);
    }

    /// A warning about feature `number` (or the file, for `None`).
    pub(crate) fn warn(
        &mut self,
        number: Option<usize>,
        name: Option<&str>,
        message: impl Into<String>,
    ) {
        self.warnings
            .push(self.source.warning(number, name, message));
    }

    /// One demand record: feature `number` (1-based), an optional label for
    /// messages, the raw population, the raw `settlement` value (METHOD 20),
    /// the raw `pop_<group id>` values as `(group id, value)` (METHOD 11)
    /// and the location or why it has none. An unknown settlement is a
    /// warning naming the feature; the resident is kept without a class (the
    /// town-area layer, if any, then decides). A group value that is not a
    /// number >= 0 is a warning too; the group's share then applies.
    pub(crate) fn add_resident(
        &mut self,
        number: usize,
        name: Option<String>,
        population: Field,
        settlement: Field,
        groups: Vec<(&str, Field)>,
        location: Result<Point<f64>, String>,
    ) {
        let settlement = match fields::settlement(&settlement) {
            Ok(s) => s,
            Err(why) => {
                self.warn(Some(number), name.as_deref(), why);
                None
            }
        };
        let label = name.as_deref();
        let location = match location {
            Ok(p) => p,
            Err(why) => return self.warn(Some(number), label, format!("{why}; it is skipped")),
        };
        let mut own = Vec::new();
        for (group, value) in groups {
            match fields::group_population(&value, group) {
                Ok(Some(v)) => own.push((group.to_string(), v)),
                Ok(None) => {}
                Err(why) => self.warn(Some(number), label, why),
            }
        }
        self.saw_population |= population != Field::Missing;
        match fields::population(&population) {
            Ok(population) => {
                self.numbers.push(number);
                self.items.push(Resident {
                    location,
                    population,
                    settlement,
                    groups: crate::model::GroupPopulations::new(own),
                })
            }
            Err(why) => self.warn(Some(number), label, format!("{why}; it is skipped")),
        }
    }

    pub(crate) fn finish(mut self) -> Result<Loaded<Resident>, LoadError> {
        if !self.items.is_empty() {
            if !self.saw_population {
                self.warn(
                    None,
                    None,
                    "no feature has a population value, so each counts as 1 person",
                );
            } else if self.items.iter().all(|r| r.population == 0.0) {
                self.warn(
                    None,
                    None,
                    "every population is 0, so every covered share will be 0",
                );
            }
        }
        self.source.finish(
            LayerKind::Residents,
            self.items,
            Some(self.numbers),
            self.warnings,
        )
    }
}
