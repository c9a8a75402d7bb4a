//! CSV input: facilities and residents as tables with longitude/latitude
//! columns, as planners get them from POI crawls and Excel.
//!
//! Headers are matched loosely (`lon`, `lng`, `经度`, `经度wgs84`, `名称`,
//! `类别` …, case and surrounding spaces ignored); the delimiter may be a
//! comma, semicolon or tab. Row numbers in warnings are line numbers of the
//! file (the header is line 1), which is what a spreadsheet shows.

use super::categories::CategoryMatcher;
use super::fields::{self, Field};
use super::geometry;
use super::records::{FacilityBuilder, ResidentBuilder};
use super::{LoadError, Loaded, Source};
use crate::model::{Facility, LoadWarning, Resident};
use csv::StringRecord;
use geo::Point;

/// An open CSV table with its coordinate columns found.
struct Table<'t> {
    reader: csv::Reader<&'t [u8]>,
    /// Header names as written (trimmed), for messages.
    columns: Vec<String>,
    /// Normalised header names, for matching.
    headers: Vec<String>,
    lon: usize,
    lat: usize,
    /// File-level notes about the column choice.
    notes: Vec<String>,
}

impl<'t> Table<'t> {
    fn open(source: &Source, text: &'t str) -> Result<Self, LoadError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(sniff_delimiter(text))
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let raw_headers: Vec<String> = reader
            .headers()
            .map_err(|e| LoadError::Csv {
                message: e.to_string(),
                path: source.path.clone(),
            })?
            .iter()
            .map(str::to_string)
            .collect();
        let headers: Vec<String> = raw_headers
            .iter()
            .map(|h| fields::normalize_key(h))
            .collect();
        let mut notes = Vec::new();
        let lon = pick_column(
            &raw_headers,
            fields::longitude_rank,
            "longitude",
            &mut notes,
        );
        let lat = pick_column(&raw_headers, fields::latitude_rank, "latitude", &mut notes);
        let columns: Vec<String> = raw_headers.iter().map(|h| h.trim().to_string()).collect();
        let (Some(lon), Some(lat)) = (lon, lat) else {
            return Err(LoadError::CsvNoCoordinates {
                columns,
                path: source.path.clone(),
            });
        };
        Ok(Self {
            reader,
            columns,
            headers,
            lon,
            lat,
            notes,
        })
    }

    fn column(&self, aliases: &[&str]) -> Option<usize> {
        fields::column(&self.headers, aliases)
    }

    /// Data rows that are not entirely blank, with their line numbers; rows
    /// the CSV reader rejects become warnings.
    fn rows(
        &mut self,
        source: &Source,
        warnings: &mut Vec<LoadWarning>,
    ) -> Vec<(usize, StringRecord)> {
        let mut rows = Vec::new();
        for (i, result) in self.reader.records().enumerate() {
            match result {
                Ok(record) => {
                    if record.iter().all(str::is_empty) {
                        continue;
                    }
                    let line = record
                        .position()
                        .and_then(|p| usize::try_from(p.line()).ok())
                        .unwrap_or(i + 2);
                    rows.push((line, record));
                }
                Err(e) => {
                    let line = e.position().and_then(|p| usize::try_from(p.line()).ok());
                    warnings.push(source.warning(
                        line,
                        None,
                        format!("unreadable row ({e}); it is skipped"),
                    ));
                }
            }
        }
        rows
    }

    /// The row's location, or why it has none.
    fn location(&self, row: &StringRecord) -> Result<Point<f64>, String> {
        let coordinate = |index: usize, what: &str| match Field::from_cell(row.get(index)) {
            Field::Missing => Err(format!("has no {what}")),
            field => fields::number(&field, what)?.ok_or_else(|| format!("has no {what}")),
        };
        let x = coordinate(self.lon, "longitude")?;
        let y = coordinate(self.lat, "latitude")?;
        geometry::lonlat(x, y).map(Point::from)
    }
}

/// The delimiter used most in the header line: comma, semicolon or tab.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or_default();
    let count = |c: char| header.matches(c).count();
    [(b',', count(',')), (b';', count(';')), (b'\t', count('\t'))]
        .into_iter()
        .fold((b',', 0), |best, candidate| {
            if candidate.1 > best.1 {
                candidate
            } else {
                best
            }
        })
        .0
}

/// The best-ranked column for a coordinate; when several qualify, a note
/// says which one is used. GCJ-02/BD-09 columns get a note too.
fn pick_column(
    headers: &[String],
    rank: fn(&str) -> Option<u8>,
    what: &str,
    notes: &mut Vec<String>,
) -> Option<usize> {
    let candidates: Vec<(usize, u8)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| rank(h).map(|r| (i, r)))
        .collect();
    let best_rank = candidates.iter().map(|&(_, r)| r).max()?;
    let (chosen, _) = *candidates.iter().find(|&&(_, r)| r == best_rank)?;
    let name = |i: usize| headers.get(i).map(|h| h.trim()).unwrap_or_default();
    if candidates.len() > 1 {
        let all: Vec<&str> = candidates.iter().map(|&(i, _)| name(i)).collect();
        notes.push(format!(
            "several columns look like {what} ({}); using {:?}",
            all.join(", "),
            name(chosen)
        ));
    }
    let lower = name(chosen).to_lowercase();
    if lower.contains("gcj")
        || lower.contains("bd09")
        || lower.contains("百度")
        || lower.contains("火星")
    {
        notes.push(format!(
            "column {:?} seems to hold GCJ-02/BD-09 coordinates, which are offset by hundreds of metres from WGS84; convert them to WGS84 first",
            name(chosen)
        ));
    }
    Some(chosen)
}

/// Facilities from a CSV table: a location and a category are required.
pub(crate) fn facilities(
    source: &Source,
    text: &str,
    matcher: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    let mut table = Table::open(source, text)?;
    let Some(category) = table.column(fields::CATEGORY) else {
        return Err(LoadError::CsvMissingColumn {
            column: "category (类别, 类型)",
            columns: table.columns.clone(),
            path: source.path.clone(),
        });
    };
    let name = table.column(fields::NAME);
    let capacity = table.column(fields::CAPACITY);
    let mut warnings = file_notes(source, &table.notes);
    let rows = table.rows(source, &mut warnings);
    let mut builder = FacilityBuilder::new(source, matcher, warnings);
    for (line, row) in rows {
        let cell = |column: Option<usize>| Field::from_cell(column.and_then(|c| row.get(c)));
        builder.add(
            line,
            fields::text(&cell(name)),
            cell(Some(category)),
            cell(capacity),
            table.location(&row),
        );
    }
    builder.finish()
}

/// Residents from a CSV table: a location, and a population (1 when absent).
pub(crate) fn residents(source: &Source, text: &str) -> Result<Loaded<Resident>, LoadError> {
    let mut table = Table::open(source, text)?;
    let name = table.column(fields::NAME);
    let population = table.column(fields::POPULATION);
    let mut warnings = file_notes(source, &table.notes);
    let rows = table.rows(source, &mut warnings);
    let mut builder = ResidentBuilder::new(source, warnings);
    for (line, row) in rows {
        let cell = |column: Option<usize>| Field::from_cell(column.and_then(|c| row.get(c)));
        builder.add(
            line,
            fields::text(&cell(name)),
            cell(population),
            table.location(&row),
        );
    }
    builder.finish()
}

fn file_notes(source: &Source, notes: &[String]) -> Vec<LoadWarning> {
    notes
        .iter()
        .map(|n| source.warning(None, None, n.clone()))
        .collect()
}
