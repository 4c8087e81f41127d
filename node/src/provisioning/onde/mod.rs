//! Import of ONDE "CSVExtraction" exports (pupils, guardians, teachers) into one school.
//!
//! Repeatable: people are matched on stable keys (a pupil on name + birth date within the
//! school), so a second import of the same files changes nothing, a changed file updates, and
//! people missing from a new import are deactivated, never deleted. One transaction: a file
//! with any error imports nothing. Passwords are not hashed here: accounts wait for their
//! activation code, printed on connection sheets.

mod checks;
mod import;
mod namesakes;
pub(crate) mod plan;
pub mod questions;
pub mod read;
mod report;
pub mod sample;
pub(crate) mod snapshot;

pub use import::{ImportError, ImportInput, SourceFile, import};

/// Share of a school's active accounts one import may deactivate when the configuration does
/// not say (`[import] max_deactivation_percent`).
pub const DEFAULT_MAX_DEACTIVATION_PERCENT: u8 = 10;
pub use report::{Counts, ImportReport};

/// Imports generated sample files (pupils, guardians, teachers) into the school `uai`: a
/// populated school for the demo node and the benchmarks, through the real importer.
pub async fn import_sample(
    db: &crate::store::Db,
    uai: &crate::domain::Uai,
    options: &sample::SampleOptions,
    year: crate::domain::SchoolYear,
    now: i64,
) -> Result<ImportReport, ImportError> {
    let files = sample::files(options);
    let input = ImportInput {
        uai,
        pupils: SourceFile {
            name: "eleves.csv",
            bytes: &files.pupils,
        },
        guardians: SourceFile {
            name: "responsables.csv",
            bytes: &files.guardians,
        },
        teachers: Some(SourceFile {
            name: "enseignants.csv",
            bytes: &files.teachers,
        }),
        dry_run: false,
        max_deactivation_percent: DEFAULT_MAX_DEACTIVATION_PERCENT,
        allow_mass_deactivation: true,
        year,
        now,
    };
    import(db, input, &|_, _| {}).await
}
