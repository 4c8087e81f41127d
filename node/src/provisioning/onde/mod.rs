//! Import of ONDE "CSVExtraction" exports (pupils, guardians, teachers) into one school.
//!
//! Repeatable: people are matched on stable keys (a pupil on name + birth date within the
//! school), so a second import of the same files changes nothing, a changed file updates, and
//! people missing from a new import are deactivated, never deleted. One transaction: a file
//! with any error imports nothing. Passwords are not hashed here: accounts wait for their
//! activation code, printed on connection sheets.

mod batch;
mod import;
pub mod read;
mod report;
pub mod sample;
mod snapshot;

pub use import::{ImportError, ImportInput, SourceFile, import};
pub use report::{Counts, ImportReport};
