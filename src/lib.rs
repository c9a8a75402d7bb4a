//! LifeCircle (生活圈评估): 5/15/30-minute life-circle coverage for towns and
//! townships, following `shared/METHOD.md`.
//!
//! Glossary:
//! - **tier** (life circle, 生活圈): a threshold in minutes, a travel mode and
//!   the facility categories a resident must reach (e.g. the 5-minute
//!   neighbourhood circle on foot).
//! - **coverage**: a resident is *covered* for a category when the nearest
//!   facility of it is within the tier's minutes; *complete* for a tier when
//!   covered for every required category.
//! - **blind spot** (盲区): a resident that is not complete for a tier.
//! - **layout**: a set of facilities (the baseline, or an alternative).
//!
//! Layers, from the top; imports only go down (`tests/layers.rs` checks):
//! - `app`: the window shell (`eframe::App`): owns the workspace and the
//!   panels, runs a frame. `cli` (the headless commands) sits beside it.
//! - `ui`: draws the workspace's state and reports actions.
//! - `state`: the workspace: study, results, layouts, jobs, dialogs' state,
//!   `Action` and its `apply`.
//! - `report` (files for people), then `analysis` (the method), then
//!   `network` (road graphs), then `io` (files in and out), `generate` (demo
//!   and synthetic data), then `model` and `geodesy` (plain data, maths).
//!
//! The computation (`model`, `io`, `network`, `analysis`, `report`) knows
//! nothing of the GUI.

pub mod analysis;
pub mod app;
pub mod cli;
pub mod generate;
pub mod geodesy;
pub mod io;
pub mod model;
pub mod network;
pub mod report;
pub mod state;
pub mod ui;
