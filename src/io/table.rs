//! Point layers from tables — CSV files and Excel sheets — with the columns
//! guessed from their headers or chosen by the user, and the coordinates
//! converted to WGS84 from the file's coordinate system.
//!
//! Headers are matched loosely (`lon`, `lng`, `经度`, `经度wgs84`, `名称`,
//! `类别` …, case and surrounding spaces ignored). Amap (高德) exports are
//! recognised: a `typecode`/`类型编码` column, or the type split over
//! `大类`/`中类`/`小类`, and coordinate columns named like `lng_gcj02` are
//! taken as GCJ-02 unless the user says otherwise. Row numbers in warnings
//! are those a spreadsheet shows (the header is row 1 of a CSV file).

use super::categories::CategoryMatcher;
use super::crs::{CoordinateSystem, Crs, Transform};
use super::fields::{self, Field};
use super::geometry;
use super::options::{ColumnChoice, ImportOptions, PREVIEW_ROWS};
use super::records::{FacilityBuilder, Record, ResidentBuilder};
use super::{LoadError, Loaded, Source};
use crate::model::{Facility, LoadWarning, Resident};
use geo::Point;

/// Amap exports that split the type into three columns.
const TYPE_LEVELS: [&[&str]; 3] = [
    &["大类", "big_category"],
    &["中类", "mid_category"],
    &["小类", "sub_category"],
];

/// A table as read from a file: headers and the rows that are not blank.
#[derive(Debug)]
pub(crate) struct Table {
    /// Header names as written (trimmed).
    pub columns: Vec<String>,
    /// Data rows with the row number a spreadsheet shows.
    pub rows: Vec<(usize, Vec<String>)>,
    /// Rows that could not be read at all.
    pub warnings: Vec<LoadWarning>,
}

/// Which column holds what, and how coordinates become WGS84.
struct Layout {
    lon: usize,
    lat: usize,
    category: Option<usize>,
    levels: Vec<usize>,
    type_code: Option<usize>,
    name: Option<usize>,
    population: Option<usize>,
    capacity: Option<usize>,
    transform: Transform,
    /// Whether the offset scheme was taken from the coordinate header.
    crs_from_header: bool,
    notes: Vec<String>,
}

impl Table {
    fn normalized(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|h| fields::normalize_key(h))
            .collect()
    }

    fn cell<'a>(row: &'a [String], column: Option<usize>) -> Field<'a> {
        Field::from_cell(column.and_then(|c| row.get(c)).map(String::as_str))
    }
}

/// The column the user named: by header (ignoring case and spaces), else
/// by 1-based position when the name is a number.
fn named_column(
    source: &Source,
    table: &Table,
    what: &'static str,
    name: &str,
) -> Result<usize, LoadError> {
    let want = fields::normalize_key(name);
    if let Some(i) = table.normalized().iter().position(|h| *h == want) {
        return Ok(i);
    }
    if let Ok(n) = want.parse::<usize>()
        && (1..=table.columns.len()).contains(&n)
    {
        return Ok(n - 1);
    }
    Err(LoadError::NoSuchColumn {
        what,
        column: name.to_string(),
        columns: table.columns.clone(),
        path: source.path.clone(),
    })
}

/// The user's column, or the first one named by `aliases`.
fn optional_column(
    source: &Source,
    table: &Table,
    what: &'static str,
    chosen: &Option<String>,
    aliases: &[&str],
) -> Result<Option<usize>, LoadError> {
    match chosen {
        Some(name) => named_column(source, table, what, name).map(Some),
        None => Ok(fields::column(&table.normalized(), aliases)),
    }
}

/// The best-ranked column for a coordinate; when several qualify, a note
/// says which one is used.
fn guess_coordinate(
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
    if candidates.len() > 1 {
        let all: Vec<&str> = candidates
            .iter()
            .filter_map(|&(i, _)| headers.get(i).map(|h| h.trim()))
            .collect();
        notes.push(format!(
            "several columns look like {what} ({}); using {:?}",
            all.join(", "),
            headers.get(chosen).map(|h| h.trim()).unwrap_or_default()
        ));
    }
    Some(chosen)
}

/// The offset scheme a coordinate header names, if any.
fn offset_in_header(header: &str) -> Option<Crs> {
    let h = header.to_lowercase();
    if h.contains("bd09") || h.contains("bd-09") || h.contains("百度") || h.contains("baidu") {
        Some(Crs::Bd09)
    } else if h.contains("gcj") || h.contains("火星") || h.contains("高德") || h.contains("amap")
    {
        Some(Crs::Gcj02)
    } else {
        None
    }
}

fn layout(
    source: &Source,
    table: &Table,
    options: &ImportOptions,
    facilities: bool,
) -> Result<Layout, LoadError> {
    let choice: &ColumnChoice = &options.columns;
    let mut notes = Vec::new();
    let lon = match &choice.lon {
        Some(name) => Some(named_column(source, table, "longitude", name)?),
        None => guess_coordinate(
            &table.columns,
            fields::longitude_rank,
            "longitude",
            &mut notes,
        ),
    };
    let lat = match &choice.lat {
        Some(name) => Some(named_column(source, table, "latitude", name)?),
        None => guess_coordinate(
            &table.columns,
            fields::latitude_rank,
            "latitude",
            &mut notes,
        ),
    };
    let (Some(lon), Some(lat)) = (lon, lat) else {
        return Err(LoadError::CsvNoCoordinates {
            columns: table.columns.clone(),
            path: source.path.clone(),
        });
    };
    let header = table
        .columns
        .get(lon)
        .map(String::as_str)
        .unwrap_or_default();
    let mut crs_from_header = false;
    let transform = match CoordinateSystem::from_choice_with(options.crs, options.towgs84.as_ref())
    {
        Some(system) => Transform::new(system.map_err(|message| LoadError::Crs {
            message,
            path: source.path.clone(),
        })?),
        None => match offset_in_header(header) {
            Some(crs) => {
                notes.push(format!(
                    "column {header:?} holds {} coordinates by its name; they are converted to WGS84 (choose the coordinate system to override)",
                    if crs == Crs::Bd09 { "BD-09" } else { "GCJ-02" }
                ));
                crs_from_header = true;
                let system = CoordinateSystem::from_choice(crs)
                    .and_then(Result::ok)
                    .unwrap_or_else(CoordinateSystem::wgs84);
                Transform::new(system)
            }
            None => Transform::identity(),
        },
    };
    let normalized = table.normalized();
    let levels: Vec<usize> = TYPE_LEVELS
        .iter()
        .filter_map(|aliases| fields::column(&normalized, aliases))
        .collect();
    let category = optional_column(
        source,
        table,
        "category",
        &choice.category,
        fields::CATEGORY,
    )?;
    if facilities && category.is_none() && levels.is_empty() {
        return Err(LoadError::CsvMissingColumn {
            column: "category (类别, 类型)",
            columns: table.columns.clone(),
            path: source.path.clone(),
        });
    }
    Ok(Layout {
        lon,
        lat,
        category,
        levels,
        type_code: fields::column(&normalized, fields::TYPE_CODE),
        name: optional_column(source, table, "name", &choice.name, fields::NAME)?,
        population: optional_column(
            source,
            table,
            "population",
            &choice.population,
            fields::POPULATION,
        )?,
        capacity: optional_column(
            source,
            table,
            "capacity",
            &choice.capacity,
            fields::CAPACITY,
        )?,
        transform,
        crs_from_header,
        notes,
    })
}

impl Layout {
    /// The row's location in WGS84, or why it has none.
    fn location(&self, row: &[String]) -> Result<Point<f64>, String> {
        let (x_name, y_name) = if self.transform.system.is_geographic() {
            ("longitude", "latitude")
        } else {
            ("easting (x)", "northing (y)")
        };
        let coordinate = |index: usize, what: &str| match Table::cell(row, Some(index)) {
            Field::Missing => Err(format!("has no {what}")),
            field => fields::number(&field, what)?.ok_or_else(|| format!("has no {what}")),
        };
        let x = coordinate(self.lon, x_name)?;
        let y = coordinate(self.lat, y_name)?;
        let (lon, lat) = self.transform.apply(x, y)?;
        geometry::lonlat(lon, lat).map(Point::from)
    }

    /// The category value: the category column, else the Amap levels
    /// joined as a type path.
    fn category(&self, row: &[String]) -> Option<String> {
        if let Some(text) = fields::text(&Table::cell(row, self.category)) {
            return Some(text);
        }
        let parts: Vec<&str> = self
            .levels
            .iter()
            .filter_map(|&c| row.get(c).map(|s| s.trim()))
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(";"))
    }

    fn notes(&self, source: &Source, table: &Table) -> Vec<LoadWarning> {
        let mut warnings: Vec<LoadWarning> = self
            .notes
            .iter()
            .map(|n| source.warning(None, None, n.clone()))
            .collect();
        warnings.extend(table.warnings.iter().cloned());
        warnings
    }

    fn transform_notes(&self, source: &Source) -> Vec<LoadWarning> {
        let mut notes = self.transform.notes();
        if self.crs_from_header {
            // The header note already says so.
            notes.retain(|n| !n.starts_with("coordinates were converted"));
        }
        notes
            .into_iter()
            .map(|n| source.warning(None, None, n))
            .collect()
    }
}

/// Facilities from a table: a location and a category are required.
pub(crate) fn facilities(
    source: &Source,
    table: &Table,
    options: &ImportOptions,
    matcher: &CategoryMatcher,
) -> Result<Loaded<Facility>, LoadError> {
    let layout = layout(source, table, options, true)?;
    let mut builder = FacilityBuilder::new(source, matcher, layout.notes(source, table));
    for (line, row) in &table.rows {
        let category = layout.category(row);
        let type_code = fields::text(&Table::cell(row, layout.type_code));
        let record = Record {
            category: category.as_deref(),
            type_code: type_code.as_deref(),
            tags: &[],
        };
        builder.add_record(
            *line,
            fields::name(&Table::cell(row, layout.name)),
            record,
            Table::cell(row, layout.capacity),
            layout.location(row),
        );
    }
    let mut loaded = builder.finish()?;
    let notes = layout.transform_notes(source);
    loaded.warnings.splice(0..0, notes);
    Ok(loaded)
}

/// Residents from a table: a location, and a population (1 when absent).
pub(crate) fn residents(
    source: &Source,
    table: &Table,
    options: &ImportOptions,
) -> Result<Loaded<Resident>, LoadError> {
    let layout = layout(source, table, options, false)?;
    let mut builder = ResidentBuilder::new(source, layout.notes(source, table));
    let settlement = table.columns.iter().position(|c| {
        let c = c.trim().trim_start_matches('\u{feff}').trim();
        fields::SETTLEMENT.iter().any(|a| c.eq_ignore_ascii_case(a))
    });
    let groups: Vec<(usize, &str)> = table
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, fields::group_of_key(c)?)))
        .collect();
    for (line, row) in &table.rows {
        builder.add_resident(
            *line,
            fields::name(&Table::cell(row, layout.name)),
            Table::cell(row, layout.population),
            Table::cell(row, settlement),
            groups
                .iter()
                .map(|&(i, g)| (g, Table::cell(row, Some(i))))
                .collect(),
            layout.location(row),
        );
    }
    let mut loaded = builder.finish()?;
    let notes = layout.transform_notes(source);
    loaded.warnings.splice(0..0, notes);
    Ok(loaded)
}

/// What an import dialog shows for a table: the columns, the first rows,
/// the WGS84 extent of the rows whose coordinates can be read, and the
/// columns that would be used.
pub(crate) struct TablePreview {
    pub columns: Vec<String>,
    pub first_rows: Vec<Vec<String>>,
    pub bbox: Option<[f64; 4]>,
    pub rows: usize,
    pub crs: String,
    pub guessed: ColumnChoice,
    pub warnings: Vec<LoadWarning>,
}

pub(crate) fn preview(source: &Source, table: &Table, options: &ImportOptions) -> TablePreview {
    let first_rows = table
        .rows
        .iter()
        .take(PREVIEW_ROWS)
        .map(|(_, r)| r.clone())
        .collect();
    let mut result = TablePreview {
        columns: table.columns.clone(),
        first_rows,
        bbox: None,
        rows: table.rows.len(),
        crs: String::new(),
        guessed: ColumnChoice::default(),
        warnings: table.warnings.clone(),
    };
    // A facility layout needs a category column; residents do not.
    let layout = match layout(source, table, options, false) {
        Ok(l) => l,
        Err(e) => {
            result
                .warnings
                .push(source.warning(None, None, e.to_string()));
            return result;
        }
    };
    let name = |c: Option<usize>| c.and_then(|c| table.columns.get(c).cloned());
    result.guessed = ColumnChoice {
        lon: name(Some(layout.lon)),
        lat: name(Some(layout.lat)),
        category: name(layout.category),
        name: name(layout.name),
        population: name(layout.population),
        capacity: name(layout.capacity),
    };
    result.crs = layout.transform.system.name.clone();
    let mut bbox = Bbox::default();
    let mut unreadable = 0;
    for (_, row) in &table.rows {
        match layout.location(row) {
            Ok(p) => bbox.add(p.x(), p.y()),
            Err(_) => unreadable += 1,
        }
    }
    result.bbox = bbox.get();
    result.warnings.extend(layout.notes(
        source,
        &Table {
            columns: Vec::new(),
            rows: Vec::new(),
            warnings: Vec::new(),
        },
    ));
    result.warnings.extend(layout.transform_notes(source));
    if unreadable > 0 {
        result.warnings.push(source.warning(
            None,
            None,
            format!(
                "{unreadable} of {} rows have no usable coordinates",
                table.rows.len()
            ),
        ));
    }
    result
}

/// A growing lon/lat bounding box.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Bbox(Option<[f64; 4]>);

impl Bbox {
    pub(crate) fn add(&mut self, x: f64, y: f64) {
        if !(x.is_finite() && y.is_finite()) {
            return;
        }
        self.0 = Some(match self.0 {
            None => [x, y, x, y],
            Some([a, b, c, d]) => [a.min(x), b.min(y), c.max(x), d.max(y)],
        });
    }

    pub(crate) fn get(self) -> Option<[f64; 4]> {
        self.0
    }
}
