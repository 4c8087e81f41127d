//! What an import did (or would do, with `--dry-run`).

use serde::Serialize;

use super::read::ReadError;

/// Counts for one kind of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// New records.
    pub created: u64,
    /// Existing records that changed (including reactivations).
    pub updated: u64,
    /// Existing records left as they were.
    pub unchanged: u64,
    /// Records absent from the new import, now deactivated.
    pub deactivated: u64,
}

impl Counts {
    /// Counts one record: created, else changed, else unchanged.
    pub fn count(&mut self, created: bool, changed: bool) {
        if created {
            self.created += 1;
        } else if changed {
            self.updated += 1;
        } else {
            self.unchanged += 1;
        }
    }
}

/// The report of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// UAI of the school.
    pub school: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// Classes of the school year.
    pub classes: Counts,
    /// Pupils.
    pub pupils: Counts,
    /// Parents.
    pub guardians: Counts,
    /// Teachers and directors.
    pub teachers: Counts,
    /// Parent links waiting for a teacher or the director to choose the child.
    pub links_to_confirm: u64,
    /// What was imported anyway but needs a look (never blocking).
    pub warnings: Vec<ReadError>,
}

impl ImportReport {
    /// Rows of the report table: (label, counts).
    pub fn rows(&self) -> [(&'static str, Counts); 4] {
        [
            ("Classes", self.classes),
            ("Élèves", self.pupils),
            ("Responsables", self.guardians),
            ("Enseignants", self.teachers),
        ]
    }

    /// Whether the import changed anything.
    pub fn changed_anything(&self) -> bool {
        self.rows()
            .iter()
            .any(|(_, c)| c.created + c.updated + c.deactivated > 0)
    }
}
