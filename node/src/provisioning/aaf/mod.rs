//! Reading AAF feeds (the académie's "annuaire fédérateur" extracts, 2D and 1D), the source
//! of collège nodes and an alternative to ONDE for écoles. See `docs/aaf-import.md`.
//!
//! This layer only reads: a folder or archive as delivered, every chunk of every entity
//! file, any of the encodings real feeds use, streamed record by record into typed structs,
//! with every refused record located and every repair told. Errors reuse the ONDE report's
//! [`ReadError`](crate::provisioning::onde::read::ReadError) and its per-file cap.

mod decode;
pub mod entity;
pub mod feed;
pub mod import;
mod names;
pub mod records;
pub mod sample;
mod tally;
mod typed;
mod values;
pub mod xml;

#[cfg(test)]
mod read_tests;

pub use entity::Entity;
pub use feed::{Feed, FeedFile, FeedKind, Reading, open};
pub use import::{AafError, AafInput, AafReport, import};
pub use records::{
    Authority, Function, GroupRef, Kinship, Link, Mef, Pupil, Record, Relation, Service, Staff,
    Structure, StructureClass, StructureGroup, Subject,
};
pub use tally::FileTally;
pub use typed::FromAaf;
pub use xml::Operation;
