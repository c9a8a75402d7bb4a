//! Reads `demo_district.txt`, the compact description of the demo
//! district (townships, county roads, facility rules, name pools) that
//! `demo.rs` builds the district from. Only reads text: no geometry.
//!
//! Each section is a table, one row per line, columns separated by spaces;
//! a malformed row is an error naming the line.

use geo::Coord;
use std::collections::BTreeMap;

/// One township row.
pub(super) struct TownRow {
    pub name: String,
    pub code: String,
    /// The seat on the local plane (metres).
    pub seat: Coord<f64>,
    /// Blocks east and north, block size in metres.
    pub grid: (usize, usize, f64),
    pub pop: f64,
    pub step: usize,
    /// Seat kindergartens (0: one per cluster) and their seats.
    pub kg: (usize, f64),
    /// Rural roads and their length in metres.
    pub spokes: (usize, f64),
    pub road: String,
    pub villages: usize,
    pub village_pop: f64,
    pub village_services: String,
    pub hamlets: usize,
    pub has: Vec<String>,
    pub lacks: Vec<String>,
    /// Tier ids designed without blind spots.
    pub complete: Vec<String>,
}

/// One facility rule: where a category stands, its names and capacity.
pub(super) struct Rule {
    /// `t5`, `t5o`, `t15`, `t15o` or a `has` flag (`H`, `P`, `O`).
    pub at: String,
    pub category: String,
    pub seat_name: String,
    pub village_name: Option<String>,
    pub capacity: Option<f64>,
}

pub(super) struct Description {
    pub towns: Vec<TownRow>,
    /// Name pools: `streets`, `village_first`, `village_second`.
    pub names: BTreeMap<String, Vec<String>>,
    pub links: Vec<(usize, usize, String, f64)>,
    pub rules: Vec<Rule>,
}

/// The columns of one row, read in turn.
struct Columns<'a> {
    cols: std::str::SplitWhitespace<'a>,
    line: (usize, &'a str),
}

impl Columns<'_> {
    fn bad(&self, what: &str) -> String {
        format!("line {}: {what}: {}", self.line.0, self.line.1)
    }
    fn text(&mut self) -> Result<String, String> {
        self.cols
            .next()
            .map(str::to_owned)
            .ok_or_else(|| self.bad("too few columns"))
    }
    fn num(&mut self) -> Result<f64, String> {
        let t = self.text()?;
        t.parse()
            .map_err(|_| self.bad(&format!("{t} is not a number")))
    }
    fn count(&mut self) -> Result<usize, String> {
        self.num().map(|n| n as usize)
    }
    /// Comma-separated; `-` is empty.
    fn list(&mut self) -> Result<Vec<String>, String> {
        let t = self.text()?;
        Ok(t.split(',')
            .filter(|x| *x != "-")
            .map(str::to_owned)
            .collect())
    }
    fn optional(&mut self) -> Result<Option<String>, String> {
        self.text().map(|t| (t != "-").then_some(t))
    }
}

impl Description {
    pub(super) fn parse(text: &str, centre: Coord<f64>) -> Result<Self, String> {
        let (mut towns, mut names, mut links, mut rules) =
            (vec![], BTreeMap::new(), vec![], vec![]);
        let mut section = "";
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line;
            }
            if line.is_empty() || line.starts_with(['#', '[']) {
                continue;
            }
            let mut c = Columns {
                cols: line.split_whitespace(),
                line: (n + 1, line),
            };
            match section {
                "[townships]" => towns.push(TownRow {
                    name: c.text()?,
                    code: c.text()?,
                    seat: centre
                        + Coord {
                            x: 1_000.0 * c.num()?,
                            y: 1_000.0 * c.num()?,
                        },
                    grid: (c.count()?, c.count()?, c.num()?),
                    pop: c.num()?,
                    step: c.count()?,
                    kg: (c.count()?, c.num()?),
                    spokes: (c.count()?, 1_000.0 * c.num()?),
                    road: c.text()?,
                    villages: c.count()?,
                    village_pop: c.num()?,
                    village_services: c.text()?,
                    hamlets: c.count()?,
                    has: c.list()?,
                    lacks: c.list()?,
                    complete: c.list()?,
                }),
                "[roads]" => {
                    let mut town = || {
                        let name = c.text()?;
                        let k = towns.iter().position(|t: &TownRow| t.name == name);
                        k.ok_or_else(|| c.bad("unknown township"))
                    };
                    let (a, b) = (town()?, town()?);
                    links.push((a, b, c.text()?, c.num()?));
                }
                "[facilities]" => rules.push(Rule {
                    at: c.text()?,
                    category: c.text()?,
                    seat_name: c.text()?,
                    village_name: c.optional()?,
                    capacity: c
                        .optional()?
                        .map(|t| t.parse())
                        .transpose()
                        .map_err(|_| c.bad("bad capacity"))?,
                }),
                "[names]" => {
                    names.insert(c.text()?, c.cols.by_ref().map(str::to_owned).collect());
                }
                _ => return Err(c.bad("outside a known section")),
            }
            if c.cols.next().is_some() {
                return Err(c.bad("too many columns"));
            }
        }
        Ok(Description {
            towns,
            names,
            links,
            rules,
        })
    }

    pub fn rules<'a>(&'a self, at: &'a str) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |r| r.at == at)
    }
}
