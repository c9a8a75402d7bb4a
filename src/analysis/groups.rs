//! Demand groups (METHOD.md steps 10–12, 一老一小): how many people of a
//! group each demand point holds. A category that names a group is
//! measured against that group alone (kindergartens against children 3–6,
//! care homes against the elderly), so its figures read these weights
//! instead of the whole population.

use super::aggregate::Areas;
use crate::model::{DemandGroup, Profile, Resident, Township};

/// The demand groups some tier category of `profile` names, in the
/// profile's group order.
pub(crate) fn groups_in_use(profile: &Profile) -> Vec<&DemandGroup> {
    profile
        .supply
        .groups
        .iter()
        .filter(|g| {
            profile.tiers.iter().any(|t| {
                t.all_categories()
                    .any(|c| profile.category_group(c) == Some(g.id.as_str()))
            })
        })
        .collect()
}

/// METHOD 11: the population of `group` at every demand point: the point's
/// own `pop_<id>` when it gives one, else its population × the group's
/// share in its township (`township_shares`, else the default share);
/// points outside every township use the default share.
pub fn group_weights(
    profile: &Profile,
    group: &DemandGroup,
    demand: &[Resident],
    resident_township: &[Option<u32>],
    townships: &[Township],
) -> Vec<f64> {
    let share_in: Vec<f64> = townships
        .iter()
        .map(|t| {
            profile
                .group_share(&t.name, &group.id)
                .unwrap_or(group.share)
        })
        .collect();
    demand
        .iter()
        .zip(resident_township)
        .map(|(r, t)| match r.groups.get(&group.id) {
            Some(own) => own,
            None => {
                let share = t.and_then(|t| share_in.get(t as usize).copied());
                r.population * share.unwrap_or(group.share)
            }
        })
        .collect()
}

/// The demand `g_i` of every demand point for `category` (METHOD 12, 18):
/// its group's population, or the population when the category serves
/// everyone.
pub fn category_weights(
    profile: &Profile,
    category: &str,
    demand: &[Resident],
    resident_township: &[Option<u32>],
    townships: &[Township],
) -> Vec<f64> {
    match profile
        .category_group(category)
        .and_then(|g| profile.group(g))
    {
        Some(group) => group_weights(profile, group, demand, resident_township, townships),
        None => demand.iter().map(|r| r.population).collect(),
    }
}

/// The figures' areas of every group in use, weighted by the group's
/// population: `(group id, areas)`.
pub(crate) fn group_areas(
    profile: &Profile,
    areas: &Areas,
    demand: &[Resident],
    resident_township: &[Option<u32>],
    townships: &[Township],
) -> Vec<(String, Areas)> {
    groups_in_use(profile)
        .into_iter()
        .map(|g| {
            let weights = group_weights(profile, g, demand, resident_township, townships);
            (g.id.clone(), areas.weighted(weights))
        })
        .collect()
}
