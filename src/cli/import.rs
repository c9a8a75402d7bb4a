//! Import flags (coordinate system, encoding, columns, sheet per layer) and
//! `lifecircle convert`, which writes any supported input as a WGS84
//! GeoJSON layer.

use crate::io::{self, CategoryMatcher, ColumnChoice, Crs, ImportOptions, LayerKind, LayerOptions};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// A layer name on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LayerArg {
    Townships,
    Facilities,
    Residents,
    Roads,
}

impl From<LayerArg> for LayerKind {
    fn from(l: LayerArg) -> LayerKind {
        match l {
            LayerArg::Townships => LayerKind::Townships,
            LayerArg::Facilities => LayerKind::Facilities,
            LayerArg::Residents => LayerKind::Residents,
            LayerArg::Roads => LayerKind::Roads,
        }
    }
}

fn parse_crs(s: &str) -> Result<Crs, String> {
    s.parse()
}

fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    io::parse_encoding(s)
}

/// How the layer files are read: `--facilities-crs gcj02`,
/// `--townships-crs EPSG:4528`, `--facilities-encoding gbk`,
/// `--lon-column 经度` …
#[derive(Debug, Args, Clone, Default)]
pub struct ImportFlags {
    /// Coordinate system of the townships file: auto (its .prj), wgs84,
    /// gcj02, bd09 or EPSG:<code> (e.g. EPSG:4528).
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub townships_crs: Option<Crs>,
    /// Coordinate system of the facilities file (gcj02 for Amap/高德 POIs).
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub facilities_crs: Option<Crs>,
    /// Coordinate system of the residents file.
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub residents_crs: Option<Crs>,
    /// Coordinate system of the roads file.
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub roads_crs: Option<Crs>,
    /// Text encoding of the townships file or its .dbf (utf-8, gbk …).
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub townships_encoding: Option<&'static encoding_rs::Encoding>,
    /// Text encoding of the facilities file.
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub facilities_encoding: Option<&'static encoding_rs::Encoding>,
    /// Text encoding of the residents file.
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub residents_encoding: Option<&'static encoding_rs::Encoding>,
    /// Text encoding of the roads file.
    #[arg(long, value_name = "ENCODING", value_parser = parse_encoding)]
    pub roads_encoding: Option<&'static encoding_rs::Encoding>,
    /// Longitude (or x) column of the facilities table.
    #[arg(long, value_name = "COLUMN")]
    pub lon_column: Option<String>,
    /// Latitude (or y) column of the facilities table.
    #[arg(long, value_name = "COLUMN")]
    pub lat_column: Option<String>,
    /// Category column of the facilities.
    #[arg(long, value_name = "COLUMN")]
    pub category_column: Option<String>,
    /// Name column of the facilities.
    #[arg(long, value_name = "COLUMN")]
    pub name_column: Option<String>,
    /// Population column of the residents.
    #[arg(long, value_name = "COLUMN")]
    pub population_column: Option<String>,
    /// Capacity column of the facilities (seats, beds, m² …).
    #[arg(long, value_name = "COLUMN")]
    pub capacity_column: Option<String>,
    /// Any other column choice, as LAYER.FIELD=COLUMN with FIELD one of
    /// lon, lat, category, name, population, capacity (e.g. residents.lon=X坐标,
    /// townships.name=XZMC); repeatable.
    #[arg(long = "column", value_name = "LAYER.FIELD=COLUMN")]
    pub columns: Vec<String>,
    /// Excel worksheet of a layer, as LAYER=SHEET (e.g. facilities=POI);
    /// repeatable.
    #[arg(long = "sheet", value_name = "LAYER=SHEET")]
    pub sheets: Vec<String>,
}

fn layer_named(name: &str) -> Result<LayerKind, String> {
    LayerArg::from_str(name.trim(), true)
        .map(LayerKind::from)
        .map_err(|_| {
            format!("unknown layer {name:?}: use townships, facilities, residents or roads")
        })
}

/// Sets one field of a column choice.
fn set_column(choice: &mut ColumnChoice, field: &str, column: &str) -> Result<(), String> {
    let slot = match field.trim() {
        "lon" | "lng" | "x" => &mut choice.lon,
        "lat" | "y" => &mut choice.lat,
        "category" => &mut choice.category,
        "name" => &mut choice.name,
        "population" => &mut choice.population,
        "capacity" => &mut choice.capacity,
        other => {
            return Err(format!(
                "unknown column field {other:?}: use lon, lat, category, name, population or capacity"
            ));
        }
    };
    *slot = Some(column.to_string());
    Ok(())
}

impl ImportFlags {
    /// The options of every layer; a malformed `--column`/`--sheet` is an error.
    pub fn layer_options(&self) -> Result<LayerOptions, Vec<String>> {
        let mut options = LayerOptions::default();
        let per_layer = [
            (
                LayerKind::Townships,
                self.townships_crs,
                self.townships_encoding,
            ),
            (
                LayerKind::Facilities,
                self.facilities_crs,
                self.facilities_encoding,
            ),
            (
                LayerKind::Residents,
                self.residents_crs,
                self.residents_encoding,
            ),
            (LayerKind::Roads, self.roads_crs, self.roads_encoding),
        ];
        for (layer, crs, encoding) in per_layer {
            let o = options.get_mut(layer);
            o.crs = crs.unwrap_or_default();
            o.encoding = encoding;
        }
        let f = &mut options.facilities.columns;
        f.lon.clone_from(&self.lon_column);
        f.lat.clone_from(&self.lat_column);
        f.category.clone_from(&self.category_column);
        f.name.clone_from(&self.name_column);
        f.capacity.clone_from(&self.capacity_column);
        options
            .residents
            .columns
            .population
            .clone_from(&self.population_column);
        let mut problems = Vec::new();
        for spec in &self.columns {
            let parsed = spec
                .split_once('=')
                .and_then(|(key, column)| key.split_once('.').map(|(l, f)| (l, f, column)))
                .ok_or_else(|| format!("--column {spec:?}: write it as LAYER.FIELD=COLUMN, e.g. residents.population=人口"))
                .and_then(|(layer, field, column)| {
                    let layer = layer_named(layer)?;
                    set_column(&mut options.get_mut(layer).columns, field, column)
                });
            if let Err(p) = parsed {
                problems.push(p);
            }
        }
        for spec in &self.sheets {
            match spec.split_once('=') {
                Some((layer, sheet)) => match layer_named(layer) {
                    Ok(layer) => options.get_mut(layer).sheet = Some(sheet.to_string()),
                    Err(p) => problems.push(p),
                },
                None => problems.push(format!(
                    "--sheet {spec:?}: write it as LAYER=SHEET, e.g. facilities=POI"
                )),
            }
        }
        if problems.is_empty() {
            Ok(options)
        } else {
            Err(problems)
        }
    }
}

/// `lifecircle convert IN OUT.geojson`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input: GeoJSON, CSV, Excel, Shapefile (.shp), KML/KMZ or OSM PBF (.osm.pbf).
    pub input: PathBuf,
    /// Output GeoJSON file (WGS84, METHOD.md layer format).
    pub output: PathBuf,
    /// The layer the input holds; guessed from the file when omitted.
    #[arg(long, value_enum)]
    pub layer: Option<LayerArg>,
    /// Coordinate system of the input: auto (its .prj), wgs84, gcj02, bd09
    /// or EPSG:<code>.
    #[arg(long, value_parser = parse_crs, default_value = "auto")]
    pub crs: Crs,
    /// Text encoding of the input (or its .dbf): utf-8, gbk, gb18030 …
    #[arg(long, value_parser = parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Longitude (or x) column.
    #[arg(long, value_name = "COLUMN")]
    pub lon_column: Option<String>,
    /// Latitude (or y) column.
    #[arg(long, value_name = "COLUMN")]
    pub lat_column: Option<String>,
    /// Category column.
    #[arg(long, value_name = "COLUMN")]
    pub category_column: Option<String>,
    /// Name column.
    #[arg(long, value_name = "COLUMN")]
    pub name_column: Option<String>,
    /// Population column.
    #[arg(long, value_name = "COLUMN")]
    pub population_column: Option<String>,
    /// Capacity column (facilities).
    #[arg(long, value_name = "COLUMN")]
    pub capacity_column: Option<String>,
    /// Excel worksheet (name or number).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Profile whose categories (and mapping rules) facilities are matched
    /// to; default: data/profile-default.json.
    #[arg(long)]
    pub profile: Option<PathBuf>,
}

/// Runs `lifecircle convert`; warnings go to stderr, a summary to stdout.
pub fn run_convert(args: &ConvertArgs) -> Result<(), Vec<String>> {
    let options = ImportOptions {
        crs: args.crs,
        encoding: args.encoding,
        columns: ColumnChoice {
            lon: args.lon_column.clone(),
            lat: args.lat_column.clone(),
            category: args.category_column.clone(),
            name: args.name_column.clone(),
            population: args.population_column.clone(),
            capacity: args.capacity_column.clone(),
        },
        sheet: args.sheet.clone(),
        ..ImportOptions::default()
    };
    let profile_path = args.profile.clone().unwrap_or_else(io::demo_profile_path);
    let profile = io::load_profile(&profile_path).map_err(|e| vec![e.to_string()])?;
    let matcher = CategoryMatcher::from_profile(&profile);
    let summary = io::convert(
        &args.input,
        &args.output,
        args.layer.map(LayerKind::from),
        &options,
        &matcher,
    )
    .map_err(|e| vec![e.to_string()])?;
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "wrote {}: {} {} from {} ({})",
        args.output.display(),
        summary.features,
        summary.layer,
        args.input.display(),
        summary.crs
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_layer_options() {
        let flags = ImportFlags {
            facilities_crs: Some(Crs::Gcj02),
            townships_crs: Some(Crs::Epsg(4528)),
            facilities_encoding: Some(encoding_rs::GBK),
            lon_column: Some("经度".into()),
            population_column: Some("人口".into()),
            columns: vec!["residents.lon=X坐标".into(), "townships.name=XZMC".into()],
            sheets: vec!["facilities=POI".into()],
            ..ImportFlags::default()
        };
        let o = flags.layer_options().unwrap();
        assert_eq!(o.facilities.crs, Crs::Gcj02);
        assert_eq!(o.townships.crs, Crs::Epsg(4528));
        assert_eq!(o.roads.crs, Crs::FromPrj);
        assert_eq!(o.facilities.encoding, Some(encoding_rs::GBK));
        assert_eq!(o.facilities.columns.lon.as_deref(), Some("经度"));
        assert_eq!(o.residents.columns.population.as_deref(), Some("人口"));
        assert_eq!(o.residents.columns.lon.as_deref(), Some("X坐标"));
        assert_eq!(o.townships.columns.name.as_deref(), Some("XZMC"));
        assert_eq!(o.facilities.sheet.as_deref(), Some("POI"));
        let bad = ImportFlags {
            columns: vec!["lon=x".into(), "parks.lon=x".into(), "roads.speed=v".into()],
            sheets: vec!["POI".into()],
            ..ImportFlags::default()
        };
        assert_eq!(bad.layer_options().unwrap_err().len(), 4);
    }
}
