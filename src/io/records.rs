//! Layer rules for point layers, shared by the GeoJSON and CSV readers.
//!
//! Whether a facility row comes from a GeoJSON feature or a spreadsheet line,
//! the same rules decide if it is used: a valid location, a known category,
//! a population that is a number >= 0. Keeping them in one place keeps the two
//! formats from drifting apart.

use super::categories::{CategoryMatcher, UnknownCategories};
use super::fields::{self, Field};
use super::{LayerKind, LoadError, Loaded, Source};
use crate::model::{Facility, LoadWarning, Resident};
use geo::Point;

/// Collects facilities, skipping and explaining bad ones.
pub(crate) struct FacilityBuilder<'a> {
    source: &'a Source,
    matcher: &'a CategoryMatcher,
    unknown: UnknownCategories,
    items: Vec<Facility>,
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
            warnings,
        }
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

    /// One facility record: feature `number` (1-based), its name, raw
    /// category and capacity, and its location or why it has none.
    pub(crate) fn add(
        &mut self,
        number: usize,
        name: Option<String>,
        category: Field,
        capacity: Field,
        location: Result<Point<f64>, String>,
    ) {
        let label = name.as_deref();
        let location = match location {
            Ok(p) => p,
            Err(why) => return self.warn(Some(number), label, format!("{why}; it is skipped")),
        };
        let Some(raw) = fields::text(&category) else {
            return self.warn(
                Some(number),
                label,
                "has no category (the \"category\" value is missing or empty); it is skipped",
            );
        };
        let Some(id) = self.matcher.resolve(&raw) else {
            self.unknown.note(&raw, number);
            return;
        };
        let id = id.to_string();
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
        self.items.push(Facility {
            category: id,
            name: name.unwrap_or_default(),
            capacity,
            location,
        });
    }

    pub(crate) fn finish(mut self) -> Result<Loaded<Facility>, LoadError> {
        let unknown = self.unknown.warnings(self.source, self.matcher);
        self.warnings.extend(unknown);
        self.source
            .finish(LayerKind::Facilities, self.items, self.warnings)
    }
}

/// Collects residents (demand points), skipping and explaining bad ones.
pub(crate) struct ResidentBuilder<'a> {
    source: &'a Source,
    items: Vec<Resident>,
    warnings: Vec<LoadWarning>,
    saw_population: bool,
}

impl<'a> ResidentBuilder<'a> {
    pub(crate) fn new(source: &'a Source, warnings: Vec<LoadWarning>) -> Self {
        Self {
            source,
            items: Vec::new(),
            warnings,
            saw_population: false,
        }
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
    /// messages, the raw population and the location or why it has none.
    pub(crate) fn add(
        &mut self,
        number: usize,
        name: Option<String>,
        population: Field,
        location: Result<Point<f64>, String>,
    ) {
        let label = name.as_deref();
        let location = match location {
            Ok(p) => p,
            Err(why) => return self.warn(Some(number), label, format!("{why}; it is skipped")),
        };
        self.saw_population |= population != Field::Missing;
        match fields::population(&population) {
            Ok(population) => self.items.push(Resident {
                location,
                population,
            }),
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
        self.source
            .finish(LayerKind::Residents, self.items, self.warnings)
    }
}
