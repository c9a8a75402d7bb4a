//! Alternative facility layouts (方案): the baseline facilities plus a list
//! of edits, or a whole facilities file loaded as an alternative. Edits carry
//! what they replace, so each has an exact inverse for undo.

use super::Facility;
use geo::Point;
use serde::{Deserialize, Serialize};

/// Stable id of a facility within a study: baseline facilities are numbered
/// in file order; added ones get the next free numbers. Shown as "#12".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FacilityId(pub u32);

/// One change to a layout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    /// A new facility.
    Add { id: FacilityId, facility: Facility },
    /// A facility moved from `from` to `to` (lon/lat).
    Move {
        id: FacilityId,
        from: Point<f64>,
        to: Point<f64>,
    },
    /// A facility removed; `facility` is what it was, for undo.
    Delete { id: FacilityId, facility: Facility },
    /// A facility's category changed.
    SetCategory {
        id: FacilityId,
        from: String,
        to: String,
    },
}

impl Edit {
    /// The edit that undoes this one.
    pub fn inverse(&self) -> Edit {
        match self.clone() {
            Edit::Add { id, facility } => Edit::Delete { id, facility },
            Edit::Delete { id, facility } => Edit::Add { id, facility },
            Edit::Move { id, from, to } => Edit::Move {
                id,
                from: to,
                to: from,
            },
            Edit::SetCategory { id, from, to } => Edit::SetCategory {
                id,
                from: to,
                to: from,
            },
        }
    }

    /// The facility the edit is about.
    pub fn facility_id(&self) -> FacilityId {
        match self {
            Edit::Add { id, .. }
            | Edit::Move { id, .. }
            | Edit::Delete { id, .. }
            | Edit::SetCategory { id, .. } => *id,
        }
    }

    /// Apply to a facility table indexed by id (`None`: deleted). Returns
    /// `false` and changes nothing when the edit does not fit the table.
    /// An added facility takes the next id or a deleted one's: the table
    /// grows by one at most, whatever id a file holds.
    pub fn apply_to(&self, table: &mut Vec<Option<Facility>>) -> bool {
        let i = self.facility_id().0 as usize;
        match self {
            Edit::Add { facility, .. } => {
                if i == table.len() {
                    table.push(None);
                }
                match table.get_mut(i) {
                    Some(slot @ None) => *slot = Some(facility.clone()),
                    _ => return false,
                }
            }
            Edit::Delete { .. } => match table.get_mut(i) {
                Some(slot @ Some(_)) => *slot = None,
                _ => return false,
            },
            Edit::Move { to, .. } => match table.get_mut(i) {
                Some(Some(f)) => f.location = *to,
                _ => return false,
            },
            Edit::SetCategory { to, .. } => match table.get_mut(i) {
                Some(Some(f)) => f.category = to.clone(),
                _ => return false,
            },
        }
        true
    }
}

/// A named alternative layout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub name: String,
    /// A facilities file that replaces the baseline facilities as this
    /// layout's starting point (a whole alternative), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facilities_file: Option<String>,
    /// Edits on top of the starting point, oldest first.
    #[serde(default)]
    pub edits: Vec<Edit>,
    /// Road and population changes (issue 16), applied to the study's
    /// layers before assessing this layout.
    #[serde(default, skip_serializing_if = "super::Scenario::is_empty")]
    pub scenario: super::Scenario,
}

/// What is wrong with one edit of a layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EditProblem {
    /// 1-based position of the edit in its layout.
    pub number: usize,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Layout {
    /// This layout without the edits that do not fit `start`, and what is
    /// wrong with each left out. Edits are checked in order, each against
    /// the table the valid ones before it made: the facility must exist
    /// (an added one takes the next id or a deleted one's), a category must
    /// be `known`, a position must pass `place` (which says what is wrong
    /// with it, e.g. outside the study area), a capacity must be a finite
    /// number > 0.
    pub fn checked(
        &self,
        start: &[Facility],
        known: &dyn Fn(&str) -> bool,
        place: &dyn Fn(f64, f64) -> Result<(), String>,
    ) -> (Layout, Vec<EditProblem>) {
        let mut table: Vec<Option<Facility>> = start.iter().cloned().map(Some).collect();
        let mut kept = Layout {
            edits: Vec::with_capacity(self.edits.len()),
            ..self.clone()
        };
        let mut problems = Vec::new();
        for (n, edit) in self.edits.iter().enumerate() {
            match Self::problem(edit, &table, known, place) {
                Some(message) => problems.push(EditProblem {
                    number: n + 1,
                    message,
                }),
                None => {
                    edit.apply_to(&mut table);
                    kept.edits.push(edit.clone());
                }
            }
        }
        (kept, problems)
    }

    fn problem(
        edit: &Edit,
        table: &[Option<Facility>],
        known: &dyn Fn(&str) -> bool,
        place: &dyn Fn(f64, f64) -> Result<(), String>,
    ) -> Option<String> {
        let id = edit.facility_id().0;
        let exists = table.get(id as usize).is_some_and(Option::is_some);
        let at = |p: &Point<f64>| {
            place(p.x(), p.y())
                .err()
                .map(|e| format!("position ({}, {}): {e}", p.x(), p.y()))
        };
        let category =
            |c: &str| (!known(c)).then(|| format!("category {c:?} is not in the profile"));
        match edit {
            Edit::Add { facility, .. } => {
                if exists {
                    return Some(format!("adds facility {id}, which exists already"));
                }
                if id as usize > table.len() {
                    return Some(format!(
                        "adds facility {id}, but the layout has {} facilities: the next id is {}",
                        table.len(),
                        table.len()
                    ));
                }
                if let Some(c) = facility.capacity
                    && !(c.is_finite() && c > 0.0)
                {
                    return Some(format!("capacity {c} is not a number > 0"));
                }
                category(&facility.category).or_else(|| at(&facility.location))
            }
            _ if !exists => Some(format!(
                "is about facility {id}, which this layout does not have ({} facilities)",
                table.iter().flatten().count()
            )),
            Edit::Move { to, .. } => at(to),
            Edit::SetCategory { to, .. } => category(to),
            Edit::Delete { .. } => None,
        }
    }

    /// The facility table of this layout from its starting facilities.
    pub fn facility_table(&self, start: &[Facility]) -> Vec<Option<Facility>> {
        let mut table: Vec<Option<Facility>> = start.iter().cloned().map(Some).collect();
        for e in &self.edits {
            e.apply_to(&mut table);
        }
        table
    }

    /// The next unused facility id for an added facility.
    pub fn next_id(&self, start_len: usize) -> FacilityId {
        let added = self
            .edits
            .iter()
            .filter_map(|e| match e {
                Edit::Add { id, .. } => Some(id.0 + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        FacilityId(added.max(start_len as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop(x: f64) -> Facility {
        Facility {
            category: "shop".into(),
            name: format!("shop {x}"),
            capacity: None,
            location: Point::new(x, 0.0),
        }
    }

    #[test]
    fn edits_apply_and_invert() {
        let start = vec![shop(0.0), shop(1.0)];
        let mut layout = Layout::default();
        let id = layout.next_id(start.len());
        assert_eq!(id, FacilityId(2));
        layout.edits.push(Edit::Add {
            id,
            facility: shop(2.0),
        });
        layout.edits.push(Edit::Move {
            id: FacilityId(0),
            from: Point::new(0.0, 0.0),
            to: Point::new(0.5, 0.0),
        });
        layout.edits.push(Edit::Delete {
            id: FacilityId(1),
            facility: shop(1.0),
        });
        let t = layout.facility_table(&start);
        assert_eq!(t[0].as_ref().unwrap().location, Point::new(0.5, 0.0));
        assert!(t[1].is_none());
        assert_eq!(t[2].as_ref().unwrap().name, "shop 2");
        assert_eq!(layout.next_id(start.len()), FacilityId(3));
        // Applying every inverse in reverse order gives the start back.
        let mut table = t;
        for e in layout.edits.iter().rev() {
            assert!(e.inverse().apply_to(&mut table));
        }
        assert_eq!(table[..2], [Some(shop(0.0)), Some(shop(1.0))]);
        assert!(table[2].is_none());
        // Edits that do not fit change nothing.
        assert!(
            !Edit::Delete {
                id: FacilityId(9),
                facility: shop(9.0)
            }
            .apply_to(&mut table)
        );
    }

    #[test]
    fn an_id_from_a_file_never_sizes_the_table() {
        let start = vec![shop(0.0)];
        let mut table: Vec<Option<Facility>> = start.iter().cloned().map(Some).collect();
        let huge = Edit::Add {
            id: FacilityId(u32::MAX),
            facility: shop(1.0),
        };
        assert!(!huge.apply_to(&mut table));
        assert_eq!(table.len(), 1);
        let layout = Layout {
            name: "plan B".into(),
            facilities_file: None,
            scenario: Default::default(),
            edits: vec![
                huge,
                Edit::Add {
                    id: FacilityId(1),
                    facility: shop(0.5),
                },
                Edit::Move {
                    id: FacilityId(0),
                    from: Point::new(0.0, 0.0),
                    to: Point::new(1e308, -1e308),
                },
                Edit::SetCategory {
                    id: FacilityId(1),
                    from: "shop".into(),
                    to: "casino".into(),
                },
                Edit::Delete {
                    id: FacilityId(7),
                    facility: shop(7.0),
                },
            ],
        };
        let known = |c: &str| c == "shop";
        let place = |x: f64, y: f64| {
            if x.abs() <= 180.0 && y.abs() <= 90.0 {
                Ok(())
            } else {
                Err("not a longitude/latitude".to_string())
            }
        };
        let (kept, problems) = layout.checked(&start, &known, &place);
        assert_eq!(kept.edits, vec![layout.edits[1].clone()]);
        let numbers: Vec<usize> = problems.iter().map(|p| p.number).collect();
        assert_eq!(numbers, [1, 3, 4, 5]);
        assert!(problems[0].message.contains("next id is 1"), "{problems:?}");
        assert!(
            problems[1].message.contains("not a longitude"),
            "{problems:?}"
        );
        assert!(problems[2].message.contains("\"casino\""), "{problems:?}");
        assert!(
            problems[3].message.contains("does not have"),
            "{problems:?}"
        );
        assert_eq!(kept.facility_table(&start).len(), 2);
    }

    #[test]
    fn edits_round_trip_through_json() {
        let e = Edit::SetCategory {
            id: FacilityId(3),
            from: "shop".into(),
            to: "kindergarten".into(),
        };
        let text = serde_json::to_string(&e).unwrap();
        assert!(text.contains("\"edit\":\"set_category\""));
        assert_eq!(serde_json::from_str::<Edit>(&text).unwrap(), e);
    }
}
