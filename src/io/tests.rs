//! Loader tests on inputs built in memory, plus the real Helsinki files.

use super::*;
use crate::model::Oneway;

fn fc(features: &[&str]) -> Vec<u8> {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
    .into_bytes()
}

fn feature(properties: &str, geometry: &str) -> String {
    format!(r#"{{"type":"Feature","properties":{properties},"geometry":{geometry}}}"#)
}

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[120.0,30.0],[120.1,30.0],[120.1,30.1],[120.0,30.1],[120.0,30.0]]]}"#;
const POINT: &str = r#"{"type":"Point","coordinates":[120.05,30.05]}"#;

fn messages(warnings: &[LoadWarning]) -> Vec<String> {
    warnings.iter().map(ToString::to_string).collect()
}

// ---------------------------------------------------------------- formats

#[test]
fn format_follows_the_extension() {
    assert_eq!(
        Format::from_path(Path::new("a/b.geojson")).unwrap(),
        Format::GeoJson
    );
    assert_eq!(
        Format::from_path(Path::new("b.JSON")).unwrap(),
        Format::GeoJson
    );
    assert_eq!(Format::from_path(Path::new("点.csv")).unwrap(), Format::Csv);
    assert_eq!(
        Format::from_path(Path::new("data/roads.shp")).unwrap(),
        Format::Shapefile
    );
    assert_eq!(
        Format::from_path(Path::new("zhejiang-latest.osm.pbf")).unwrap(),
        Format::OsmPbf
    );
    assert_eq!(
        Format::from_path(Path::new("设施.XLSX")).unwrap(),
        Format::Excel
    );
    assert_eq!(
        Format::from_path(Path::new("data/roads.KMZ")).unwrap(),
        Format::Kml
    );
    let err = Format::from_path(Path::new("data/roads.dwg")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unsupported file type (\".dwg\"): use GeoJSON (.geojson, .json), CSV (.csv), Excel (.xlsx, .xls), Shapefile (.shp), KML (.kml, .kmz), DXF (.dxf; save a DWG as DXF in CAD) or OSM PBF (.osm.pbf): data/roads.dwg"
    );
    let err = Format::from_path(Path::new("towns.dbf")).unwrap_err();
    assert!(
        err.to_string()
            .contains("part of a Shapefile; open its .shp"),
        "{err}"
    );
    let err = Format::from_path(Path::new("roads")).unwrap_err();
    assert!(err.to_string().contains("no extension"), "{err}");
}

#[test]
fn missing_file_is_a_read_error() {
    let path = Path::new("no/such/dir/townships.geojson");
    let err = load_townships(path).unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("could not read the file ("),
        "{err}"
    );
    assert!(
        err.to_string().ends_with(": no/such/dir/townships.geojson"),
        "{err}"
    );
    assert_eq!(err.path(), path);
    assert!(matches!(load_profile(path), Err(LoadError::Read { .. })));
}

#[test]
fn unreadable_documents_are_errors() {
    let err = parse_roads("r.geojson", b"{\"type\": ", Format::GeoJson).unwrap_err();
    assert!(matches!(err, LoadError::Json { .. }), "{err:?}");
    assert!(err.to_string().starts_with("not valid JSON ("), "{err}");
    assert!(err.to_string().ends_with(": r.geojson"), "{err}");

    let err = parse_roads("r.geojson", b"[1, 2]", Format::GeoJson).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not GeoJSON: expected a FeatureCollection, a Feature or a geometry, found a list: r.geojson"
    );
    let err = parse_roads("r.json", br#"{"type":"Topology"}"#, Format::GeoJson).unwrap_err();
    assert!(err.to_string().contains("TopoJSON"), "{err}");
    let err = parse_roads(
        "r.json",
        br#"{"type":"FeatureCollection"}"#,
        Format::GeoJson,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("without a \"features\" list"),
        "{err}"
    );
    let err = parse_roads("r.json", br#"{"name":"x"}"#, Format::GeoJson).unwrap_err();
    assert!(err.to_string().contains("without a \"type\""), "{err}");
}

#[test]
fn empty_collection_has_nothing_usable() {
    let err = parse_residents("p.geojson", &fc(&[]), Format::GeoJson).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no usable residents in the file (the file holds no features): p.geojson"
    );
}

#[test]
fn polygons_and_lines_are_not_csv() {
    let err = parse_townships("t.csv", b"name,lon,lat\n", Format::Csv).unwrap_err();
    assert_eq!(
        err.to_string(),
        "townships need Polygon or MultiPolygon geometry, but a CSV file holds points only; save them as GeoJSON: t.csv"
    );
    let err = parse_roads("r.csv", b"lon,lat\n", Format::Csv).unwrap_err();
    assert!(matches!(
        err,
        LoadError::CsvPointsOnly {
            layer: LayerKind::Roads,
            ..
        }
    ));
}

// ---------------------------------------------------------------- townships

#[test]
fn townships_are_validated() {
    let multi = r#"{"type":"MultiPolygon","coordinates":[[[[121,30],[121.1,30],[121.1,30.1],[121,30]]],[[[122,30],[122.1,30],[122.1,30.1],[122,30]]]]}"#;
    let unclosed = r#"{"type":"Polygon","coordinates":[[[123,30],[123.1,30],[123.1,30.1]]]}"#;
    let short = r#"{"type":"Polygon","coordinates":[[[124,30],[124.1,30],[124,30]]]}"#;
    let projected = r#"{"type":"Polygon","coordinates":[[[512345.0,3312345.0],[512445.0,3312345.0],[512445.0,3312445.0],[512345.0,3312345.0]]]}"#;
    let bow = r#"{"type":"Polygon","coordinates":[[[125,30],[125.2,30.2],[125.2,30],[125,30.1],[125,30]]]}"#;
    let bytes = fc(&[
        &feature(r#"{"name":"航埠镇","code":"330802101"}"#, SQUARE),
        &feature(r#"{"name":101}"#, multi),
        &feature(r#"{"code":"x"}"#, SQUARE),
        &feature(r#"{"name":"航埠镇"}"#, SQUARE),
        &feature(r#"{"name":"点"}"#, POINT),
        &feature(r#"{"name":"开口"}"#, unclosed),
        &feature(r#"{"name":"短"}"#, short),
        &feature(r#"{"name":"投影"}"#, projected),
        &feature(r#"{"name":"无几何"}"#, "null"),
        &feature(r#"{"name":"交叉"}"#, bow),
        r#""not a feature""#,
    ]);
    let loaded = parse_townships("towns.geojson", &bytes, Format::GeoJson).unwrap();
    let names: Vec<&str> = loaded.items.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["航埠镇", "101", "开口", "交叉"]);
    assert_eq!(loaded.items[0].code.as_deref(), Some("330802101"));
    assert_eq!(loaded.items[1].code, None);
    assert_eq!(loaded.items[1].boundary.0.len(), 2);
    assert_eq!(
        loaded.items[2].boundary.0[0].exterior().0.len(),
        4,
        "ring is closed"
    );
    assert_eq!(
        messages(&loaded.warnings),
        [
            "towns.geojson, feature 11: is a text, not a Feature; it is skipped",
            "towns.geojson, feature 3: has no name (townships need a \"name\" property); it is skipped",
            "towns.geojson, feature 4 (航埠镇): township name \"航埠镇\" is already used by feature 1; this one is skipped",
            "towns.geojson, feature 5 (点): has a Point geometry, but townships need Polygon or MultiPolygon; it is skipped",
            "towns.geojson, feature 7 (短): the outer ring has 3 positions; a closed ring needs at least 4; it is skipped",
            "towns.geojson, feature 8 (投影): the outer ring: coordinates (512345.0, 3312345.0) are outside longitude/latitude range: the file looks projected; convert it to WGS84 lon/lat; it is skipped",
            "towns.geojson, feature 9 (无几何): has no geometry; it is skipped",
            "towns.geojson, feature 10 (交叉): the boundary of township \"交叉\" crosses itself: the outer ring at (125.066667, 30.066667); it is kept, but residents near the crossing may be counted in the wrong township",
        ]
    );
}

#[test]
fn projected_townships_file_is_an_error_naming_the_problem() {
    let projected = r#"{"type":"Polygon","coordinates":[[[512345.0,3312345.0],[512445.0,3312345.0],[512445.0,3312445.0],[512345.0,3312345.0]]]}"#;
    let features: Vec<String> = (0..5)
        .map(|i| feature(&format!(r#"{{"name":"Z{i}"}}"#), projected))
        .collect();
    let refs: Vec<&str> = features.iter().map(String::as_str).collect();
    let err = parse_townships("t.geojson", &fc(&refs), Format::GeoJson).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("no usable townships in the file (feature 1 (Z0): the outer ring: coordinates (512345.0, 3312345.0) are outside longitude/latitude range: the file looks projected"),
        "{text}"
    );
    assert!(
        text.ends_with("; and 2 more problems): t.geojson"),
        "{text}"
    );
    match err {
        LoadError::NothingUsable {
            layer,
            problems,
            more,
            ..
        } => {
            assert_eq!(layer, LayerKind::Townships);
            assert_eq!(problems.len(), 3);
            assert_eq!(more, 2);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn single_feature_and_uppercase_keys() {
    let one = feature(r#"{"NAME":"城关"}"#, SQUARE);
    let loaded = parse_townships("t.geojson", one.as_bytes(), Format::GeoJson).unwrap();
    assert_eq!(loaded.items[0].name, "城关");
    assert!(loaded.warnings.is_empty());
}

// ---------------------------------------------------------------- facilities

#[test]
fn facilities_unknown_categories_are_counted_and_skipped() {
    let mut features = vec![
        feature(
            r#"{"category":"clinic","name":"卫生院","capacity":20}"#,
            POINT,
        ),
        feature(
            r#"{"category":"kindergarten"}"#,
            r#"{"type":"MultiPoint","coordinates":[[120.06,30.06]]}"#,
        ),
        feature(r#"{"name":"无类别"}"#, POINT),
        feature(
            r#"{"category":"clinic","name":"面","capacity":"many"}"#,
            SQUARE,
        ),
        feature(
            r#"{"category":"clinic","name":"容量","capacity":"many"}"#,
            POINT,
        ),
        feature(
            r#"{"category":"clinic","name":"南极","capacity":-1}"#,
            r#"{"type":"Point","coordinates":[120.0,-95.0]}"#,
        ),
    ];
    for i in 0..12 {
        features.push(feature(
            &format!(r#"{{"category":"hospitl","name":"H{i}"}}"#),
            POINT,
        ));
    }
    let refs: Vec<&str> = features.iter().map(String::as_str).collect();
    let loaded = parse_facilities(
        "fac.geojson",
        &fc(&refs),
        Format::GeoJson,
        &["clinic", "kindergarten", "hospital"],
    )
    .unwrap();
    assert_eq!(loaded.items.len(), 3);
    // Each item keeps its feature's number in the file.
    assert_eq!(loaded.numbers, Some(vec![1, 2, 5]));
    assert_eq!(loaded.items[0].name, "卫生院");
    assert_eq!(loaded.items[0].capacity, Some(20.0));
    assert_eq!(loaded.items[1].category, "kindergarten");
    assert_eq!(loaded.items[1].name, "");
    assert_eq!(loaded.items[1].location, geo::Point::new(120.06, 30.06));
    assert_eq!(loaded.items[2].capacity, None);
    assert_eq!(
        messages(&loaded.warnings),
        [
            "fac.geojson, feature 3 (无类别): has no category (the \"category\" value is missing or empty); it is skipped",
            "fac.geojson, feature 4 (面): has a Polygon geometry, but facilities need Point; it is skipped",
            "fac.geojson, feature 5 (容量): capacity \"many\" is not a number; the capacity is left empty",
            "fac.geojson, feature 6 (南极): coordinates (120.0, -95.0) are outside longitude/latitude range: the file looks projected; convert it to WGS84 lon/lat; it is skipped",
            "fac.geojson: 12 facilities have category \"hospitl\", which the profile does not know; they are skipped (first: feature 7); did you mean \"hospital\"?",
        ]
    );
}

#[test]
fn facilities_all_unknown_is_an_error() {
    let one = feature(r#"{"category":"bank"}"#, POINT);
    let err =
        parse_facilities("f.geojson", &fc(&[&one]), Format::GeoJson, &["clinic"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the profile lists no category that any facility has: the profile has clinic; the facilities file has \"bank\" (1); choose the profile that goes with these facilities, or map their categories in the import dialog: f.geojson"
    );
    // An empty list of known categories accepts everything.
    let loaded = parse_facilities("f.geojson", &fc(&[&one]), Format::GeoJson, &[]).unwrap();
    assert_eq!(loaded.items[0].category, "bank");
}

#[test]
fn facilities_match_profile_names() {
    let mut profile = Profile::from_json(
        r#"{"tiers":[{"id":"t5","minutes":5,"mode":"walk","categories":["kindergarten"]}],
            "categories":[{"id":"kindergarten","name_zh":"幼儿园","name_en":"Kindergarten"}]}"#,
    )
    .unwrap();
    profile.name = "t".into();
    let csv = "名称,类型,经度,纬度\n阳光幼儿园,科教文化服务;学校;幼儿园,120.1,30.2\n";
    let loaded = parse_facilities_matching(
        "poi.csv",
        csv.as_bytes(),
        Format::Csv,
        &CategoryMatcher::from_profile(&profile),
    )
    .unwrap();
    assert_eq!(loaded.items[0].category, "kindergarten");
    assert_eq!(loaded.items[0].name, "阳光幼儿园");
}

// ---------------------------------------------------------------- residents

#[test]
fn residents_population_rules_and_centroids() {
    let bytes = fc(&[
        &feature(r#"{"population":120}"#, POINT),
        &feature(r#"{"population":null}"#, POINT),
        &feature(r#"{}"#, SQUARE),
        &feature(r#"{"population":-5,"name":"负"}"#, POINT),
        &feature(r#"{"population":"abc"}"#, POINT),
        &feature(
            r#"{"population":"7"}"#,
            r#"{"type":"MultiPolygon","coordinates":[[[[121,30],[121.2,30],[121.2,30.2],[121,30.2],[121,30]]]]}"#,
        ),
        &feature(
            r#"{"population":3}"#,
            r#"{"type":"LineString","coordinates":[[120,30],[120.1,30]]}"#,
        ),
        &feature(
            r#"{"population":3}"#,
            r#"{"type":"Point","coordinates":[120]}"#,
        ),
        &feature(
            r#"{"population":3}"#,
            r#"{"type":"Point","coordinates":[[120,30]]}"#,
        ),
    ]);
    let loaded = parse_residents("pop.geojson", &bytes, Format::GeoJson).unwrap();
    let populations: Vec<f64> = loaded.items.iter().map(|r| r.population).collect();
    assert_eq!(populations, [120.0, 1.0, 1.0, 7.0]);
    let centroid = loaded.items[2].location;
    assert!((centroid.x() - 120.05).abs() < 1e-9 && (centroid.y() - 30.05).abs() < 1e-9);
    let centroid = loaded.items[3].location;
    assert!((centroid.x() - 121.1).abs() < 1e-9 && (centroid.y() - 30.1).abs() < 1e-9);
    let w = messages(&loaded.warnings);
    assert_eq!(w.len(), 5, "{w:#?}");
    assert_eq!(
        w[0],
        "pop.geojson, feature 4 (负): population -5 is negative; it is skipped"
    );
    assert_eq!(
        w[1],
        "pop.geojson, feature 5: population \"abc\" is not a number; it is skipped"
    );
    assert_eq!(
        w[2],
        "pop.geojson, feature 7: has a LineString geometry, but residents need Point, Polygon or MultiPolygon; it is skipped"
    );
    assert_eq!(
        w[3],
        "pop.geojson, feature 8: has an invalid geometry (A position must contain two or more elements, but got `1`); it is skipped"
    );
    assert!(
        w[4].starts_with("pop.geojson, feature 9: has an invalid geometry ("),
        "{}",
        w[4]
    );
}

#[test]
fn residents_without_population_are_noted() {
    let loaded = parse_residents("p.geojson", POINT.as_bytes(), Format::GeoJson).unwrap();
    assert_eq!(loaded.items[0].population, 1.0);
    assert_eq!(
        messages(&loaded.warnings),
        ["p.geojson: no feature has a population value, so each counts as 1 person"]
    );
}

// ---------------------------------------------------------------- roads

#[test]
fn roads_split_multilines_and_read_attributes() {
    let bytes = fc(&[
        &feature(
            r#"{"highway":"primary","oneway":"yes","maxspeed":"30 mph","name":"解放路"}"#,
            r#"{"type":"MultiLineString","coordinates":[[[120,30],[120.01,30]],[[120.01,30],[120.01,30],[120.02,30.01]],[[120.03,30]]]}"#,
        ),
        &feature(
            r#"{"highway":"residential","oneway":-1,"maxspeed":50}"#,
            r#"{"type":"LineString","coordinates":[[120,30.1],[120.01,30.1]]}"#,
        ),
        &feature(
            r#"{"oneway":"no","maxspeed":"signals"}"#,
            r#"{"type":"LineString","coordinates":[[120,30.2],[120.01,30.2,15.0]]}"#,
        ),
        &feature(
            r#"{"name":"短路"}"#,
            r#"{"type":"LineString","coordinates":[[120,30.3]]}"#,
        ),
        &feature(r#"{"name":"点"}"#, POINT),
    ]);
    let loaded = parse_roads("roads.geojson", &bytes, Format::GeoJson).unwrap();
    assert_eq!(loaded.items.len(), 4);
    // The two usable lines of feature 1 keep its number.
    assert_eq!(loaded.numbers, Some(vec![1, 1, 2, 3]));
    let first = &loaded.items[0];
    assert_eq!(first.highway.as_deref(), Some("primary"));
    assert_eq!(first.oneway, Oneway::Forward);
    assert!((first.maxspeed_kmh.unwrap() - 48.28032).abs() < 1e-9);
    assert_eq!(loaded.items[1].line.0.len(), 3, "repeated vertex kept");
    assert_eq!(loaded.items[1].oneway, Oneway::Forward);
    assert_eq!(loaded.items[2].oneway, Oneway::Backward);
    assert_eq!(loaded.items[2].maxspeed_kmh, Some(50.0));
    assert_eq!(loaded.items[3].highway, None);
    assert_eq!(loaded.items[3].oneway, Oneway::No);
    assert_eq!(loaded.items[3].maxspeed_kmh, None);
    assert_eq!(
        messages(&loaded.warnings),
        [
            "roads.geojson, feature 1 (解放路): line 3: a line needs at least 2 positions, this one has 1; that line is skipped",
            "roads.geojson, feature 4 (短路): a line needs at least 2 positions, this one has 1; it is skipped",
            "roads.geojson, feature 5 (点): has a Point geometry, but roads need LineString or MultiLineString; it is skipped",
        ]
    );
}

#[test]
fn bare_geometry_is_one_feature() {
    let line = br#"{"type":"LineString","coordinates":[[120,30],[120.01,30]]}"#;
    let loaded = parse_roads("r.geojson", line, Format::GeoJson).unwrap();
    assert_eq!(loaded.items.len(), 1);
    assert!(loaded.warnings.is_empty());
}

// ---------------------------------------------------------------- CSV

#[test]
fn gbk_csv_with_chinese_headers() {
    let text = "名称,类别,经度,纬度,容量\n航埠卫生院,clinic,118.80,28.95,30\n航埠幼儿园,kindergarten,118.81,28.96,\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the test input must really be GBK"
    );
    let loaded =
        parse_facilities("设施.csv", &bytes, Format::Csv, &["clinic", "kindergarten"]).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.items.len(), 2);
    assert_eq!(loaded.items[0].name, "航埠卫生院");
    assert_eq!(loaded.items[0].category, "clinic");
    assert_eq!(loaded.items[0].capacity, Some(30.0));
    assert_eq!(loaded.items[0].location, geo::Point::new(118.80, 28.95));
    assert_eq!(loaded.items[1].capacity, None);
}

/// Table rows are numbered as the warnings number them: a skipped row
/// between two used ones lies between their numbers.
#[test]
fn csv_items_keep_their_row_numbers() {
    let text = "name,category,lon,lat,population\na,clinic,118.80,28.95,1\nb,,118.81,28.96,1\nc,clinic,118.82,28.97,1\n";
    let loaded = parse_facilities("f.csv", text.as_bytes(), Format::Csv, &["clinic"]).unwrap();
    let skipped = loaded.warnings[0]
        .feature
        .expect("the skipped row is named");
    assert_eq!(loaded.numbers, Some(vec![skipped - 1, skipped + 1]));
    let text = "lon,lat,population\n118.80,28.95,1\n118.81,28.96,-1\n118.82,28.97,1\n";
    let loaded = parse_residents("r.csv", text.as_bytes(), Format::Csv).unwrap();
    let skipped = loaded.warnings[0]
        .feature
        .expect("the skipped row is named");
    assert_eq!(loaded.numbers, Some(vec![skipped - 1, skipped + 1]));
}

#[test]
fn utf8_bom_csv() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice("lon,lat,population\n120.1,30.2,15\n120.2,30.3,\n".as_bytes());
    let loaded = parse_residents("bom.csv", &bytes, Format::Csv).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let populations: Vec<f64> = loaded.items.iter().map(|r| r.population).collect();
    assert_eq!(populations, [15.0, 1.0]);
}

#[test]
fn utf16_csv_with_bom() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "经度,纬度,人口\r\n120.1,30.2,8\r\n".encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let loaded = parse_residents("u16.csv", &bytes, Format::Csv).unwrap();
    assert_eq!(loaded.items.len(), 1);
    assert_eq!(loaded.items[0].population, 8.0);
}

#[test]
fn csv_bad_rows_name_their_line() {
    let text = "name,lng,lat,population\n\
                a,120.1,30.1,5\n\
                b,abc,30.1,5\n\
                c,120.1,,5\n\
                d,120.1,30.1,-2\n\
                e,NaN,30.1,1\n\
                ,,,\n\
                f,512345,3312345,1\n\
                g,30.1,120.1,1\n\
                h,120.1,30.1,x\n";
    let loaded = parse_residents("r.csv", text.as_bytes(), Format::Csv).unwrap();
    assert_eq!(loaded.items.len(), 1);
    assert_eq!(
        messages(&loaded.warnings),
        [
            "r.csv, feature 3 (b): longitude \"abc\" is not a number; it is skipped",
            "r.csv, feature 4 (c): has no latitude; it is skipped",
            "r.csv, feature 5 (d): population -2 is negative; it is skipped",
            "r.csv, feature 6 (e): longitude \"NaN\" is not a finite number; it is skipped",
            "r.csv, feature 8 (f): coordinates (512345.0, 3312345.0) are outside longitude/latitude range: the file looks projected; convert it to WGS84 lon/lat; it is skipped",
            "r.csv, feature 9 (g): coordinates (30.1, 120.1) are outside longitude/latitude range: longitude and latitude look swapped; longitude must come first; it is skipped",
            "r.csv, feature 10 (h): population \"x\" is not a number; it is skipped",
        ]
    );
}

#[test]
fn csv_without_coordinates_names_the_columns() {
    let err =
        parse_residents("r.csv", "名称,地址,人口\nx,y,1\n".as_bytes(), Format::Csv).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no longitude/latitude columns (expected lon, lng, longitude, 经度 or x, and lat, latitude, 纬度 or y; found 名称, 地址, 人口): r.csv"
    );
    let err = parse_residents("e.csv", b"", Format::Csv).unwrap_err();
    assert!(err.to_string().contains("found no header row"), "{err}");
    let err = parse_facilities("f.csv", b"name,lon,lat\na,120,30\n", Format::Csv, &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no category (类别, 类型) column (found name, lon, lat): f.csv"
    );
}

#[test]
fn csv_prefers_wgs84_columns_and_other_delimiters() {
    let text = "名称;类别;经度;纬度;经度wgs84;纬度wgs84\nA;clinic;120.0;30.0;119.995;30.003\n";
    let loaded = parse_facilities("f.csv", text.as_bytes(), Format::Csv, &["clinic"]).unwrap();
    assert_eq!(loaded.items[0].location, geo::Point::new(119.995, 30.003));
    assert_eq!(
        messages(&loaded.warnings),
        [
            "f.csv: several columns look like longitude (经度, 经度wgs84); using \"经度wgs84\"",
            "f.csv: several columns look like latitude (纬度, 纬度wgs84); using \"纬度wgs84\"",
        ]
    );
    let gcj = "name\tcategory\tlng_gcj02\tlat_gcj02\nA\tclinic\t120.0\t30.0\n";
    let loaded = parse_facilities("g.csv", gcj.as_bytes(), Format::Csv, &["clinic"]).unwrap();
    assert_eq!(loaded.items.len(), 1);
    assert!(
        loaded.warnings[0].message.contains("GCJ-02"),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn csv_ragged_rows_do_not_panic() {
    let text = "lon,lat,population\n120.1\n120.1,30.1,2,extra,cells\n";
    let loaded = parse_residents("r.csv", text.as_bytes(), Format::Csv).unwrap();
    assert_eq!(loaded.items.len(), 1);
    assert_eq!(
        messages(&loaded.warnings),
        ["r.csv, feature 2: has no latitude; it is skipped"]
    );
}

// ---------------------------------------------------------------- robustness

/// Mutated and truncated versions of valid inputs never panic any loader.
#[test]
fn garbage_never_panics() {
    let seeds: Vec<Vec<u8>> = vec![
        fc(&[
            &feature(
                r#"{"name":"A","category":"clinic","population":3,"oneway":"yes","maxspeed":"50 km/h"}"#,
                SQUARE,
            ),
            &feature(r#"{"name":"B","category":"clinic"}"#, POINT),
            &feature(
                r#"{"highway":"primary"}"#,
                r#"{"type":"MultiLineString","coordinates":[[[120,30],[120.1,30]]]}"#,
            ),
            &feature(
                r#"{"population":2}"#,
                r#"{"type":"MultiPolygon","coordinates":[[[[121,30],[121.2,30],[121.2,30.2],[121,30]]]]}"#,
            ),
        ]),
        "名称,类别,经度,纬度,人口,容量\n甲,clinic,120.1,30.1,5,3\n乙,clinic,120.2,30.2,,\n"
            .as_bytes()
            .to_vec(),
    ];
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        for _ in 0..400 {
            let mut bytes = seed.clone();
            let edits = 1 + (next() % 4) as usize;
            for _ in 0..edits {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() % bytes.len() as u64) as usize;
                match next() % 3 {
                    0 => bytes[at] = (next() % 256) as u8,
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.truncate(at),
                }
            }
            for format in [Format::GeoJson, Format::Csv] {
                let _ = parse_townships("g", &bytes, format);
                let _ = parse_facilities("g", &bytes, format, &["clinic"]);
                let _ = parse_residents("g", &bytes, format);
                let _ = parse_roads("g", &bytes, format);
            }
            let _ = parse_profile("g", &bytes);
        }
    }
}

// ---------------------------------------------------------------- profile & layers

#[test]
fn profile_errors_name_the_file() {
    let err = parse_profile("p.json", br#"{"tiers":[]}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a usable profile (the profile has no tiers): p.json"
    );
    let err = parse_profile("p.json", b"nope").unwrap_err();
    assert!(matches!(err, LoadError::Profile { .. }));
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lifecircle-io-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn load_layers_from_files_warns_about_missing_categories() {
    let dir = scratch_dir("layers");
    let profile = Profile::from_json(
        r#"{"tiers":[{"id":"t5","minutes":5,"mode":"walk","categories":["clinic","park"]},
                     {"id":"t15","minutes":15,"mode":"bike","categories":["park"]}]}"#,
    )
    .unwrap();
    write_atomic(
        &dir.join("t.geojson"),
        &fc(&[&feature(r#"{"name":"A"}"#, SQUARE)]),
    )
    .unwrap();
    write_atomic(
        &dir.join("f.csv"),
        b"name,category,lon,lat\nc,clinic,120.05,30.05\nb,bank,120.05,30.05\n",
    )
    .unwrap();
    write_atomic(&dir.join("r.csv"), b"lon,lat,population\n120.05,30.05,10\n").unwrap();
    let paths = LayerPaths {
        townships: dir.join("t.geojson"),
        facilities: dir.join("f.csv"),
        residents: Some(dir.join("r.csv")),
        roads: None,
    };
    let (layers, warnings) = load_layers(&paths, &profile).unwrap();
    assert_eq!(layers.townships.len(), 1);
    assert_eq!(layers.facilities.len(), 1);
    assert_eq!(layers.residents.as_ref().map(Vec::len), Some(1));
    assert!(layers.roads.is_none());
    assert_eq!(
        messages(&warnings),
        [
            "f.csv: 1 facility has category \"bank\", which the profile does not know; it is skipped (feature 3)",
            "f.csv: no facility has category \"park\", which tier \"t5\" and \"t15\" requires; nobody can be covered for it",
        ]
    );
    let broken = LayerPaths {
        roads: Some(dir.join("roads.csv")),
        ..paths
    };
    let err = load_layers(&broken, &profile).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Read { .. } | LoadError::CsvPointsOnly { .. }
        ),
        "{err:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn demo_paths_point_into_the_data_dir() {
    let dir = demo_data_dir();
    assert!(dir.ends_with("data"), "{}", dir.display());
    let paths = demo_layer_paths();
    assert_eq!(paths.townships, dir.join("townships.geojson"));
    assert_eq!(paths.roads, Some(dir.join("roads.geojson")));
    assert_eq!(demo_profile_path(), dir.join("profile-default.json"));
}

// ---------------------------------------------------------------- real data

const HELSINKI: &str = "../shared/data/helsinki";

fn helsinki() -> Option<PathBuf> {
    let dir = PathBuf::from(HELSINKI);
    if dir.join("roads.geojson").is_file() {
        Some(dir)
    } else {
        println!("skipped: the Helsinki test data is not at {HELSINKI}");
        None
    }
}

#[test]
fn helsinki_layers_load_with_expected_counts() {
    let Some(dir) = helsinki() else { return };
    let profile = load_profile(&dir.join("profile.json")).unwrap();
    let known = profile.category_ids();

    let townships = load_townships(&dir.join("townships.geojson")).unwrap();
    assert_eq!(townships.items.len(), 6);
    assert!(townships.warnings.is_empty(), "{:?}", townships.warnings);
    assert_eq!(townships.items[0].name, "Z01");
    assert_eq!(townships.items[0].code.as_deref(), Some("Z01"));

    let all = load_facilities(&dir.join("facilities.geojson"), &[]).unwrap();
    assert_eq!(all.items.len(), 197);
    assert!(all.warnings.is_empty(), "{:?}", all.warnings);

    // bank (17) and post (2) are in the file but not in the profile.
    let facilities = load_facilities(&dir.join("facilities.geojson"), &known).unwrap();
    assert_eq!(facilities.items.len(), 197 - 17 - 2);
    assert_eq!(
        messages(&facilities.warnings),
        [
            "facilities.geojson: 2 facilities have category \"post\", which the profile does not know; they are skipped (first: feature 1)",
            "facilities.geojson: 17 facilities have category \"bank\", which the profile does not know; they are skipped (first: feature 2)",
        ]
    );
    let bus_stops = facilities
        .items
        .iter()
        .filter(|f| f.category == "bus_stop")
        .count();
    assert_eq!(bus_stops, 92);

    let residents = load_residents(&dir.join("residents.geojson")).unwrap();
    assert_eq!(residents.items.len(), 19);
    let people: f64 = residents.items.iter().map(|r| r.population).sum();
    assert_eq!(people, 5374.0);
    assert!(residents.warnings.is_empty(), "{:?}", residents.warnings);

    let buildings = load_residents(&dir.join("residents_buildings.geojson")).unwrap();
    assert_eq!(buildings.items.len(), 326);
    let people: f64 = buildings.items.iter().map(|r| r.population).sum();
    assert!((people - 5373.998).abs() < 1e-6, "{people}");

    let roads = load_roads(&dir.join("roads.geojson")).unwrap();
    assert_eq!(roads.items.len(), 2433);
    assert!(roads.warnings.is_empty(), "{:?}", roads.warnings);
    let forward = roads
        .items
        .iter()
        .filter(|r| r.oneway == Oneway::Forward)
        .count();
    assert_eq!(forward, 461);
    assert_eq!(
        roads
            .items
            .iter()
            .filter(|r| r.oneway == Oneway::Backward)
            .count(),
        0
    );
    assert_eq!(
        roads
            .items
            .iter()
            .filter(|r| r.maxspeed_kmh.is_some())
            .count(),
        763
    );
    let segments: usize = roads
        .items
        .iter()
        .map(|r| r.line.0.len().saturating_sub(1))
        .sum();
    assert_eq!(segments, 7057);
    assert_eq!(
        roads
            .items
            .iter()
            .filter(|r| r.highway.as_deref() == Some("trail"))
            .count(),
        159
    );

    let paths = LayerPaths {
        townships: dir.join("townships.geojson"),
        facilities: dir.join("facilities.geojson"),
        residents: Some(dir.join("residents.geojson")),
        roads: Some(dir.join("roads.geojson")),
    };
    let (layers, warnings) = load_layers(&paths, &profile).unwrap();
    assert_eq!(layers.facilities.len(), 178);
    assert_eq!(layers.roads.map(|r| r.len()), Some(2433));
    assert_eq!(warnings.len(), 2, "{warnings:?}");
}

/// The shipped default profile loads, and Chinese category names and Amap
/// type paths resolve against it.
#[test]
fn demo_profile_resolves_chinese_categories() {
    let path = demo_profile_path();
    if !path.is_file() {
        println!("skipped: no demo profile at {}", path.display());
        return;
    }
    let profile = load_profile(&path).unwrap();
    let m = CategoryMatcher::from_profile(&profile);
    assert_eq!(m.resolve("幼儿园"), Some("kindergarten"));
    assert_eq!(m.resolve("科教文化服务;学校;小学"), Some("primary_school"));
    assert_eq!(m.resolve("购物服务;超级市场;超市"), Some("supermarket"));
    assert_eq!(m.resolve("敬老院"), Some("elderly_care_home"));
    assert_eq!(m.resolve("kindergarten"), Some("kindergarten"));
}

#[test]
fn profile_and_geojson_shape_mistakes_are_named() {
    let err = parse_profile("p.json", b"[{\"tiers\":[]}]")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the profile file must be an object with \"tiers\"")
            && err.contains("holds a list"),
        "{err}"
    );
    let err = parse_profile("p.json", b"{\"tiers\":[],\"tiers\":[]}")
        .unwrap_err()
        .to_string();
    assert!(err.contains("the key \"tiers\" appears twice"), "{err}");
    let ok = std::fs::read(crate::io::demo_profile_path()).unwrap();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(&ok);
    assert!(parse_profile("p.json", &bom).is_ok(), "a BOM is accepted");

    let twice = format!(
        r#"{{"type":"FeatureCollection","features":[{}],"features":[]}}"#,
        feature(r#"{"name":"A"}"#, SQUARE)
    );
    let err = parse_townships("t.geojson", twice.as_bytes(), Format::GeoJson)
        .unwrap_err()
        .to_string();
    assert!(err.contains("the key \"features\" appears twice"), "{err}");
    let inner =
        r#"{"type":"Feature","properties":{"name":"A"},"properties":{"name":"B"},"geometry":null}"#;
    let bytes = fc(&[&feature(r#"{"name":"C"}"#, SQUARE), inner]);
    let loaded = parse_townships("t.geojson", &bytes, Format::GeoJson).unwrap();
    assert!(
        messages(&loaded.warnings)[0].contains("feature 2: the key \"properties\" appears twice"),
        "{:?}",
        messages(&loaded.warnings)
    );
}

/// The capacity column the user picks (METHOD 13), in a table and in
/// GeoJSON properties; a bad capacity is a warning naming the feature.
#[test]
fn capacity_column_is_chosen_and_checked() {
    let dir = scratch_dir("capacity-column");
    let csv = dir.join("f.csv");
    std::fs::write(
        &csv,
        "名称,类别,lon,lat,床位数,备注\nA,clinic,120,30,40,9\nB,clinic,120.01,30,-3,9\nC,clinic,120.02,30,多,9\n",
    )
    .unwrap();
    let matcher = CategoryMatcher::from_ids(&["clinic"]);
    let mut options = ImportOptions::default();
    options.columns.capacity = Some("床位数".into());
    let loaded = load_facilities_with(&csv, &options, &matcher).unwrap();
    let capacities: Vec<Option<f64>> = loaded.items.iter().map(|f| f.capacity).collect();
    assert_eq!(capacities, [Some(40.0), None, None]);
    let text = messages(&loaded.warnings).join("\n");
    assert!(
        text.contains("feature 3 (B): capacity -3 is negative"),
        "{text}"
    );
    assert!(
        text.contains("feature 4 (C): capacity \"多\" is not a number"),
        "{text}"
    );
    options.columns.capacity = Some("备注".into());
    let loaded = load_facilities_with(&csv, &options, &matcher).unwrap();
    assert_eq!(loaded.items[0].capacity, Some(9.0));
    options.columns.capacity = Some("座位".into());
    let err = load_facilities_with(&csv, &options, &matcher).unwrap_err();
    assert!(err.to_string().contains("座位"), "{err}");

    let geojson = dir.join("f.geojson");
    std::fs::write(
        &geojson,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"category":"clinic","beds":"12"},"geometry":{"type":"Point","coordinates":[120,30]}}]}"#,
    )
    .unwrap();
    options.columns.capacity = Some("beds".into());
    let loaded = load_facilities_with(&geojson, &options, &matcher).unwrap();
    assert_eq!(loaded.items[0].capacity, Some(12.0));
}

/// `pop_<group>` values (METHOD 11): numbers or numeric text are kept; a
/// negative or non-numeric one is a warning and falls back to the shares.
#[test]
fn group_populations_are_read_per_resident() {
    let text = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"population":100,"pop_elderly_60":"31","POP_children_3_6":4},"geometry":{"type":"Point","coordinates":[120,30]}},
        {"type":"Feature","properties":{"name":"b","population":50,"pop_elderly_60":-1,"pop_children_3_6":"few"},"geometry":{"type":"Point","coordinates":[120,30]}}]}"#;
    let loaded = parse_residents("r.geojson", text.as_bytes(), Format::GeoJson).unwrap();
    let r = &loaded.items;
    assert_eq!(r[0].groups.get("elderly_60"), Some(31.0));
    assert_eq!(r[0].groups.get("children_3_6"), Some(4.0));
    assert!(r[1].groups.is_empty());
    let text = messages(&loaded.warnings).join("\n");
    assert!(
        text.contains("feature 2 (b): pop_elderly_60 -1 is negative; the group's share"),
        "{text}"
    );
    assert!(
        text.contains("pop_children_3_6 \"few\" is not a number"),
        "{text}"
    );
    let csv = "lon,lat,population,pop_elderly_60\n120,30,10,3\n120,30,10,\n";
    let loaded = parse_residents("r.csv", csv.as_bytes(), Format::Csv).unwrap();
    assert_eq!(loaded.items[0].groups.get("elderly_60"), Some(3.0));
    assert!(loaded.items[1].groups.is_empty());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}
