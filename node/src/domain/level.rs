//! Class levels of écoles and collèges.

use super::{InvalidValue, normalize_name};

/// A class level, from toute petite section to 3e.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClassLevel {
    /// Toute petite section.
    Tps,
    /// Petite section.
    Ps,
    /// Moyenne section.
    Ms,
    /// Grande section.
    Gs,
    /// Cours préparatoire.
    Cp,
    /// Cours élémentaire 1.
    Ce1,
    /// Cours élémentaire 2.
    Ce2,
    /// Cours moyen 1.
    Cm1,
    /// Cours moyen 2.
    Cm2,
    /// Sixième.
    Sixieme,
    /// Cinquième.
    Cinquieme,
    /// Quatrième.
    Quatrieme,
    /// Troisième.
    Troisieme,
}

const ALL: [(ClassLevel, &str, &[&str]); 13] = [
    (ClassLevel::Tps, "TPS", &["toute petite section"]),
    (ClassLevel::Ps, "PS", &["petite section"]),
    (ClassLevel::Ms, "MS", &["moyenne section"]),
    (ClassLevel::Gs, "GS", &["grande section"]),
    (ClassLevel::Cp, "CP", &["cours preparatoire"]),
    (
        ClassLevel::Ce1,
        "CE1",
        &[
            "cours elementaire 1",
            "cours elementaire premiere annee",
            "cours elementaire 1ere annee",
        ],
    ),
    (
        ClassLevel::Ce2,
        "CE2",
        &[
            "cours elementaire 2",
            "cours elementaire deuxieme annee",
            "cours elementaire 2eme annee",
            "cours elementaire 2e annee",
        ],
    ),
    (
        ClassLevel::Cm1,
        "CM1",
        &[
            "cours moyen 1",
            "cours moyen premiere annee",
            "cours moyen 1ere annee",
        ],
    ),
    (
        ClassLevel::Cm2,
        "CM2",
        &[
            "cours moyen 2",
            "cours moyen deuxieme annee",
            "cours moyen 2eme annee",
            "cours moyen 2e annee",
        ],
    ),
    (
        ClassLevel::Sixieme,
        "6e",
        &["6eme", "6 eme", "sixieme", "6"],
    ),
    (
        ClassLevel::Cinquieme,
        "5e",
        &["5eme", "5 eme", "cinquieme", "5"],
    ),
    (
        ClassLevel::Quatrieme,
        "4e",
        &["4eme", "4 eme", "quatrieme", "4"],
    ),
    (
        ClassLevel::Troisieme,
        "3e",
        &["3eme", "3 eme", "troisieme", "3"],
    ),
];

impl ClassLevel {
    /// Parses a short code (`CM2`, `6e`) or an ONDE label (`Cours moyen 2e année`, `CM2 - …`).
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        let normalized = normalize_name(value);
        let first_word = normalized.split(' ').next().unwrap_or_default();
        for (level, code, labels) in ALL {
            let code = normalize_name(code);
            if normalized == code
                || labels.iter().any(|l| *l == normalized)
                || (first_word == code && normalized.len() > code.len())
            {
                return Ok(level);
            }
        }
        Err(InvalidValue::new(format!(
            "niveau inconnu « {} » (attendu : TPS, PS, MS, GS, CP, CE1, CE2, CM1, CM2, 6e, 5e, 4e ou 3e)",
            value.trim()
        )))
    }

    /// The short code stored and shown: `CM2`, `6e`.
    pub fn code(self) -> &'static str {
        ALL.iter()
            .find(|(l, _, _)| *l == self)
            .map(|(_, c, _)| *c)
            .unwrap_or("?")
    }

    /// Whether the level belongs to cycle 3 (CM1, CM2, 6e).
    pub fn is_cycle_3(self) -> bool {
        matches!(self, Self::Cm1 | Self::Cm2 | Self::Sixieme)
    }

    /// Parses a stored list such as `CM1,CM2`.
    pub fn parse_list(value: &str) -> Result<Vec<Self>, InvalidValue> {
        let mut levels = value
            .split([',', '+', '/'])
            .filter(|s| !s.trim().is_empty())
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        levels.sort();
        levels.dedup();
        Ok(levels)
    }

    /// Renders a list for storage and display: `CM1,CM2`.
    pub fn join(levels: &[Self]) -> String {
        levels
            .iter()
            .map(|l| l.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_onde_labels_are_understood() {
        assert_eq!(ClassLevel::parse("CM2").unwrap(), ClassLevel::Cm2);
        assert_eq!(ClassLevel::parse("cm1").unwrap(), ClassLevel::Cm1);
        assert_eq!(
            ClassLevel::parse("Cours moyen 2e année").unwrap(),
            ClassLevel::Cm2
        );
        assert_eq!(
            ClassLevel::parse("CE1 - Cours élémentaire 1").unwrap(),
            ClassLevel::Ce1
        );
        assert_eq!(ClassLevel::parse("GRANDE SECTION").unwrap(), ClassLevel::Gs);
        assert_eq!(ClassLevel::parse("6ème").unwrap(), ClassLevel::Sixieme);
        assert!(ClassLevel::parse("CM3").is_err());
        assert!(ClassLevel::parse("C").is_err());
    }

    #[test]
    fn lists_round_trip_sorted() {
        let levels = ClassLevel::parse_list("CM2+CM1").unwrap();
        assert_eq!(ClassLevel::join(&levels), "CM1,CM2");
        assert!(levels.iter().all(|l| l.is_cycle_3()));
    }
}
