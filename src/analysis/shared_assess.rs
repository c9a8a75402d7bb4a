//! The command line's assessment: the coverage searches find the sharing
//! between townships (METHOD 18–19) on their way, one walk over the
//! network per minute column for both (see `sharing::minutes_and_serving`),
//! instead of a second search per column after the assessment. Apart from
//! `assess` and `sharing`, which it joins, so that neither imports the
//! other.

use super::assess::{Assessment, assess_prepared, assess_prepared_with, prepare_releasing_inputs};
use super::engine::{self, Placed, Study};
use super::routing::Slot;
use super::sharing::{self, Sharing, TableMaker};
use super::{Cancelled, Progress, SetAside};
use crate::model::{Facility, Layers, Profile, Township};
use crate::network::Snap;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// [`super::assess_releasing_inputs`] with the sharing figures
/// ([`super::sharing()`]) of the result, found in the coverage searches
/// themselves where the study has roads: each search walks the network
/// once for the minute column and its serving facilities (see
/// `sharing::minutes_and_serving`). Figures and tables are those of
/// `assess` then `sharing` (tested).
pub fn assess_and_share_releasing_inputs(
    layers: &mut Layers,
    profile: &Profile,
    progress: &Progress,
    released: impl FnOnce(),
) -> Result<(Assessment, Sharing), Cancelled> {
    let (study, timings) = prepare_releasing_inputs(layers, profile, progress, released)?;
    let on_roads = engine::slots_of(profile)
        .iter()
        .all(|slot| study.graph(slot.mode).is_some());
    if !on_roads {
        let assessment = assess_prepared(study, timings, &layers.facilities, profile, progress)?;
        let sharing = sharing::sharing(&assessment, layers, profile);
        return Ok((assessment, sharing));
    }
    let (facilities, townships) = (&layers.facilities, &layers.townships);
    let mut sharing = None;
    let mut first = |study: &Study,
                     slots: &[Slot],
                     placed: &[Option<Placed>],
                     set_aside: &[SetAside],
                     columns: &mut [Option<Vec<f32>>]| {
        let found = columns_and_sharing(
            study, profile, slots, facilities, placed, set_aside, townships, progress, columns,
        )?;
        sharing = Some(found);
        Ok(())
    };
    let assessment = assess_prepared_with(
        study,
        timings,
        facilities,
        profile,
        progress,
        Some(&mut first),
    )?;
    Ok((assessment, sharing.expect("the searches found the sharing")))
}

/// Every minute column of `slots` into `columns` and the sharing figures,
/// one search per column for both (see `sharing::minutes_and_serving`);
/// every slot's mode has its road graph. The columns are taken longest
/// limit first by whichever core is free, so that the short ones fill the
/// end; each column's tables are made as soon as it is found, and its
/// serving facilities go.
#[allow(clippy::too_many_arguments)]
fn columns_and_sharing(
    study: &Study,
    profile: &Profile,
    slots: &[Slot],
    facilities: &[Facility],
    placed: &[Option<Placed>],
    set_aside: &[SetAside],
    townships: &[Township],
    progress: &Progress,
    columns: &mut [Option<Vec<f32>>],
) -> Result<Sharing, Cancelled> {
    let maker = TableMaker::new(
        profile,
        slots,
        &study.demand,
        &study.resident_township,
        townships,
        facilities,
    );
    let read_within = maker.read_within(slots.len());
    let projection = match &study.routing {
        Some(r) => r.network.projection,
        None => study.projection,
    };
    let facility_xy: Vec<[f64; 2]> = facilities
        .iter()
        .map(|f| projection.forward(f.location.x(), f.location.y()))
        .collect();
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by(|&a, &b| slots[b].limit_minutes.total_cmp(&slots[a].limit_minutes));
    let done = AtomicUsize::new(0);
    let found = order
        .into_iter()
        .par_bridge()
        .map(|i| {
            progress.check()?;
            let slot = &slots[i];
            let m = slot.mode.index();
            let (graph, net) = study.graph(slot.mode).expect("every slot's mode has roads");
            let serving = sharing::serving_facilities_of(
                slot,
                facilities,
                set_aside,
                placed,
                &facility_xy,
                net,
            );
            let covering: Vec<(u32, Snap)> =
                engine::attached_of(placed, &slot.category, m, u32::MAX)
                    .map(|(j, snap)| (j, *snap))
                    .collect();
            let (minutes, served) = sharing::minutes_and_serving(
                graph,
                net,
                slot,
                &covering,
                &serving,
                &study.attachments[m],
                read_within[i],
            );
            let tables = maker.tables(i, &minutes, &served);
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress.set(0.35 + 0.5 * n as f32 / slots.len() as f32);
            Ok((i, minutes, tables))
        })
        .collect::<Result<Vec<_>, Cancelled>>()?;
    let mut tables = vec![None; maker.table_count()];
    for (i, minutes, made) in found {
        columns[i] = Some(minutes);
        for (k, table) in made {
            tables[k] = Some(table);
        }
    }
    Ok(maker.sharing(tables))
}
