//! `[agenda]`: the school-holiday zone of the node's schools, whose holidays every agenda shows.

use serde::{Deserialize, Serialize};

use crate::Problem;

/// The zone values of the ministry's dataset `fr-en-calendrier-scolaire`, spelled as it spells
/// them (the importer and the shipped dates use the same words).
pub const ZONES: [&str; 11] = [
    "Zone A",
    "Zone B",
    "Zone C",
    "Corse",
    "Guadeloupe",
    "Guyane",
    "Martinique",
    "Mayotte",
    "Réunion",
    "Polynésie",
    "Saint-Pierre-et-Miquelon",
];

/// `[agenda]` as written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgendaSection {
    /// The schools' holiday zone (`Zone A`, `Zone B`, `Zone C`, `Corse`, an overseas
    /// territory); empty: no holidays shown.
    pub zone: String,
}

impl AgendaSection {
    /// The zone, when one is set.
    pub fn zone(&self) -> Option<&str> {
        Some(self.zone.trim()).filter(|z| !z.is_empty())
    }
}

/// Adds a problem when the zone is not one of the dataset's.
pub(crate) fn check(section: &AgendaSection, problems: &mut Vec<Problem>) {
    if let Some(zone) = section.zone()
        && !ZONES.contains(&zone)
    {
        problems.push(Problem::new(
            "agenda.zone",
            zone,
            "zone de vacances attendue : « Zone A », « Zone B », « Zone C », « Corse » \
                     ou un territoire d'outre-mer (« Réunion »…)",
        ));
    }
}
