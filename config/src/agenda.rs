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

/// The académies of metropolitan France and their zone (calendrier-scolaire.md §0; Normandie
/// since the 2020 merger of Caen and Rouen; Corse has its own calendar).
pub const ACADEMIES: [(&str, &str); 25] = [
    ("Besançon", "Zone A"),
    ("Bordeaux", "Zone A"),
    ("Clermont-Ferrand", "Zone A"),
    ("Dijon", "Zone A"),
    ("Grenoble", "Zone A"),
    ("Limoges", "Zone A"),
    ("Lyon", "Zone A"),
    ("Poitiers", "Zone A"),
    ("Aix-Marseille", "Zone B"),
    ("Amiens", "Zone B"),
    ("Lille", "Zone B"),
    ("Nancy-Metz", "Zone B"),
    ("Nantes", "Zone B"),
    ("Nice", "Zone B"),
    ("Normandie", "Zone B"),
    ("Orléans-Tours", "Zone B"),
    ("Reims", "Zone B"),
    ("Rennes", "Zone B"),
    ("Strasbourg", "Zone B"),
    ("Créteil", "Zone C"),
    ("Montpellier", "Zone C"),
    ("Paris", "Zone C"),
    ("Toulouse", "Zone C"),
    ("Versailles", "Zone C"),
    ("Corse", "Corse"),
];

/// The zone of an académie (its name as the dataset's `location` spells it).
pub fn zone_of_academie(name: &str) -> Option<&'static str> {
    ACADEMIES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(name.trim()))
        .map(|(_, z)| *z)
}

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
        if let Some(right) = zone_of_academie(zone) {
            let why = format!("« {zone} » est une académie : écrivez zone = \"{right}\"");
            problems.push(Problem::new("agenda.zone", zone, &why));
            return;
        }
        problems.push(Problem::new(
            "agenda.zone",
            zone,
            "zone de vacances attendue : « Zone A », « Zone B », « Zone C », « Corse » \
                     ou un territoire d'outre-mer (« Réunion »…)",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_is_one_of_the_dataset_s_and_an_academie_is_told_its_zone() {
        let check_zone = |zone: &str| {
            let mut problems = Vec::new();
            check(&AgendaSection { zone: zone.into() }, &mut problems);
            problems
        };
        assert!(check_zone("").is_empty());
        assert!(check_zone("Zone B").is_empty());
        assert!(check_zone("Réunion").is_empty());
        let lyon = check_zone("Lyon");
        assert_eq!(lyon.len(), 1);
        assert!(lyon[0].why.contains("zone = \"Zone A\""), "{:?}", lyon[0]);
        assert!(
            check_zone("Zone D")[0]
                .why
                .contains("zone de vacances attendue")
        );
        assert_eq!(zone_of_academie("créteil"), Some("Zone C"));
        assert_eq!(zone_of_academie("Caen"), None);
        assert_eq!(ACADEMIES.iter().filter(|(_, z)| *z == "Zone B").count(), 11);
    }
}
