//! What an AAF import did (or would do, with `--dry-run`): the ONDE report's counts, per
//! kind of record, plus what the feed held that this node ignores.

use serde::Serialize;

use crate::provisioning::onde::Counts;
use crate::provisioning::onde::read::ReadError;

use super::plan::Ignored;

/// A hosted school the feed touched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchoolLine {
    /// UAI.
    pub uai: String,
    /// Name on the node.
    pub name: String,
    /// Created by this import (`--create-schools`).
    pub created: bool,
}

/// The report of one AAF import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AafReport {
    /// Académie of the feed's ids.
    pub academy: String,
    /// Complet or Delta.
    pub delta: bool,
    /// Nothing was written.
    pub dry_run: bool,
    /// Hosted schools the feed concerns.
    pub schools: Vec<SchoolLine>,
    /// Classes of the school year.
    pub classes: Counts,
    /// Teaching groups (LV2, options), shown as classes.
    pub groups: Counts,
    /// Pupils.
    pub pupils: Counts,
    /// Legal representatives (parent accounts).
    pub guardians: Counts,
    /// Teachers and heads.
    pub teachers: Counts,
    /// Other staff (CPE, vie scolaire, secrétariat…).
    pub staff: Counts,
    /// Responsables listed without parental authority (contacts, persons in charge): no account.
    pub without_account: u64,
    /// Existing accounts (from ONDE or by hand) recognised instead of created.
    pub matched: u64,
    /// Deletions of people this node never had (another structure's, in a Delta).
    pub unknown_deletions: u64,
    /// Records of other structures.
    pub ignored: Ignored,
    /// Records refused and left out (`--partial`).
    pub refused: Vec<ReadError>,
    /// What was imported anyway but deserves a look.
    pub warnings: Vec<ReadError>,
}

impl AafReport {
    /// Rows of the report table, as the ONDE report prints them: (label, counts).
    pub fn rows(&self) -> [(&'static str, Counts); 6] {
        [
            ("Classes", self.classes),
            ("Groupes", self.groups),
            ("Élèves", self.pupils),
            ("Responsables", self.guardians),
            ("Enseignants", self.teachers),
            ("Personnels", self.staff),
        ]
    }

    /// Whether the import changed anything.
    pub fn changed_anything(&self) -> bool {
        self.schools.iter().any(|s| s.created)
            || (self.rows().iter()).any(|(_, c)| c.created + c.updated + c.deactivated > 0)
    }

    /// Accounts the run deactivates.
    pub fn deactivated(&self) -> u64 {
        self.rows().iter().map(|(_, c)| c.deactivated).sum()
    }
}
