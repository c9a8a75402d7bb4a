//! Import flags (coordinate system, encoding, columns, sheet per layer) and
//! `lifecircle convert`, which writes any supported input as a WGS84
//! GeoJSON layer.

use crate::io::{
    self, CategoryMatcher, ColumnChoice, Crs, DatumShift, ImportOptions, LayerKind, LayerOptions,
};
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

fn parse_towgs84(s: &str) -> Result<DatumShift, String> {
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
    /// Transformation to WGS84 for files in Beijing 1954 or Xian 1980
    /// (EPSG:2401-2442, 2327-2390, 4214, 4610 … or such a .prj):
    /// dx,dy,dz (metres) or dx,dy,dz,rx,ry,rz,s (metres, arc-seconds, ppm;
    /// position vector, as PROJ's +towgs84), as the local bureau publishes
    /// them; or "approximate" for a documented set that may be off by tens
    /// of metres (every report then says so). Applies to every layer.
    #[arg(long, value_name = "PARAMS", value_parser = parse_towgs84, allow_hyphen_values = true)]
    pub towgs84: Option<DatumShift>,
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
    /// How residents polygons (村/社区 with their population) become demand
    /// points: centroid (default), grid (over the 100 m cells inside, by
    /// area) or buildings:FILE (over the footprints inside, by area ×
    /// building:levels). Each polygon's population and pop_<group> values
    /// are preserved exactly.
    #[arg(long, value_name = "RULE", value_parser = parse_spread)]
    pub residents_spread: Option<io::Spread>,
    /// A CSV table name,population[,pop_<group>…] giving each residents
    /// polygon its population by name (a name without a row is an error).
    #[arg(long, value_name = "FILE")]
    pub residents_table: Option<PathBuf>,
}

fn parse_spread(s: &str) -> Result<io::Spread, String> {
    s.parse()
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
            o.towgs84.clone_from(&self.towgs84);
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
        options.residents.spread.rule = self.residents_spread.clone().unwrap_or_default();
        options
            .residents
            .spread
            .table
            .clone_from(&self.residents_table);
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

/// `lifecircle convert IN OUT.geojson` (or `OUT.dxf --out-crs …`).
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input: GeoJSON, CSV, Excel, Shapefile (.shp), KML/KMZ, DXF or OSM PBF (.osm.pbf).
    pub input: PathBuf,
    /// Output: a GeoJSON file (WGS84, METHOD.md layer format), or a .dxf
    /// CAD drawing in the system of --out-crs.
    pub output: PathBuf,
    /// Coordinate system of a DXF output: wgs84 or EPSG:<code> (e.g.
    /// EPSG:4528, CGCS2000 3-degree Gauss-Kruger zone 40; Beijing 1954 /
    /// Xian 1980 codes use --towgs84).
    #[arg(long, value_name = "CRS", value_parser = parse_crs)]
    pub out_crs: Option<Crs>,
    /// The layer the input holds; guessed from the file when omitted.
    #[arg(long, value_enum)]
    pub layer: Option<LayerArg>,
    /// Coordinate system of the input: auto (its .prj), wgs84, gcj02, bd09
    /// or EPSG:<code>.
    #[arg(long, value_parser = parse_crs, default_value = "auto")]
    pub crs: Crs,
    /// Transformation to WGS84 for an input in Beijing 1954 or Xian 1980:
    /// dx,dy,dz[,rx,ry,rz,s] or "approximate" (see `assess --help`).
    #[arg(long, value_name = "PARAMS", value_parser = parse_towgs84, allow_hyphen_values = true)]
    pub towgs84: Option<DatumShift>,
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
        towgs84: args.towgs84.clone(),
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
    let out_crs = match args.out_crs {
        None => None,
        Some(Crs::FromPrj) => {
            return Err(vec![
                "--out-crs auto: name the system to draw in, e.g. EPSG:4528".to_string(),
            ]);
        }
        Some(crs) => Some(
            io::CoordinateSystem::from_choice_with(crs, args.towgs84.as_ref())
                .unwrap_or_else(|| Err("no coordinate system".to_string()))
                .map_err(|e| vec![format!("--out-crs: {e}")])?,
        ),
    };
    let summary = io::convert_with(
        &args.input,
        &args.output,
        args.layer.map(LayerKind::from),
        &options,
        &matcher,
        out_crs.as_ref(),
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
    fn residents_spread_flags_on_every_command_that_reads_residents() {
        use clap::Parser as _;
        let required: [(&str, &[&str]); 5] = [
            ("assess", &[]),
            ("report", &[]),
            ("compare", &["--a", "baseline", "--b", "alt.geojson"]),
            ("suggest", &["--tier", "t15"]),
            ("scorecard", &[]),
        ];
        for (command, extra) in required {
            let mut argv = vec![
                "lifecircle",
                command,
                "--residents-spread",
                "buildings:房屋.geojson",
                "--residents-table",
                "人口.csv",
                "--out",
                "o",
            ];
            argv.extend_from_slice(extra);
            let cli =
                crate::cli::Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{command}: {e}"));
            let debug = format!("{cli:?}");
            assert!(
                debug.contains("residents_spread: Some(Buildings(\"房屋.geojson\"))"),
                "{command}: {debug}"
            );
            assert!(
                debug.contains("residents_table: Some(\"人口.csv\")"),
                "{command}: {debug}"
            );
        }
        let err = crate::cli::Cli::try_parse_from([
            "lifecircle",
            "assess",
            "--residents-spread",
            "hexagons",
            "--out",
            "o",
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("centroid, grid or buildings:FILE"), "{err}");
        let flags = ImportFlags {
            residents_spread: Some(io::Spread::Grid),
            residents_table: Some("pop.csv".into()),
            ..ImportFlags::default()
        };
        let o = flags.layer_options().unwrap();
        assert_eq!(o.residents.spread.rule, io::Spread::Grid);
        assert_eq!(
            o.residents.spread.table.as_deref(),
            Some(std::path::Path::new("pop.csv"))
        );
        assert!(o.facilities.spread.is_default());
    }

    /// The demo's townships with village polygons as residents: spread
    /// over the grid from the flags, every person kept.
    #[test]
    fn a_study_loads_with_spread_villages() {
        let dir =
            std::env::temp_dir().join(format!("lifecircle-cli-spread-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let demo = io::demo_layer_paths();
        let townships = io::load_townships(&demo.townships).unwrap().items;
        // One village square (about 1.1 km × 1 km) at each township's
        // interior point.
        let features: Vec<String> = townships
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let p = geo::InteriorPoint::interior_point(&t.boundary).unwrap();
                let (x, y, d) = (p.x() - 0.005, p.y() - 0.005, 0.01);
                format!(
                    r#"{{"type":"Feature","properties":{{"name":"村{i}","population":{}}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{},{y}],[{},{}],[{x},{}],[{x},{y}]]]}}}}"#,
                    1000 + i,
                    x + d,
                    x + d,
                    y + d,
                    y + d
                )
            })
            .collect();
        let villages = dir.join("villages.geojson");
        std::fs::write(
            &villages,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
        let input = crate::cli::InputArgs {
            townships: Some(demo.townships.clone()),
            facilities: Some(demo.facilities.clone()),
            residents: Some(villages),
            import: ImportFlags {
                residents_spread: Some(io::Spread::Grid),
                ..ImportFlags::default()
            },
            ..crate::cli::InputArgs::default()
        };
        let study = crate::cli::load_study(&input).unwrap();
        let residents = study.layers.residents.as_ref().unwrap();
        let people: f64 = residents.iter().map(|r| r.population).sum();
        let expected: f64 = (0..townships.len()).map(|i| 1000.0 + i as f64).sum();
        assert!(
            (people - expected).abs() < 1e-9 * expected,
            "{people} vs {expected}"
        );
        assert!(
            residents.len() > 100 * townships.len(),
            "{}",
            residents.len()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
            towgs84: Some("15.8,-154.4,-82.3".parse().unwrap()),
            ..ImportFlags::default()
        };
        let o = flags.layer_options().unwrap();
        assert_eq!(
            o.roads.towgs84,
            Some(DatumShift::Parameters(vec![15.8, -154.4, -82.3]))
        );
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
