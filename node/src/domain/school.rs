//! Schools: UAI codes, kinds and school years.

use chrono::{Datelike, NaiveDate};

use super::InvalidValue;

/// The 23 letters used as UAI check keys (no I, O or Q).
const UAI_KEYS: &[u8; 23] = b"ABCDEFGHJKLMNPRSTUVWXYZ";

/// A school's UAI (ex-RNE): 7 digits and a check letter, e.g. `0750655E`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uai(String);

impl Uai {
    /// Parses and checks the letter (the 7-digit number modulo 23 indexes `UAI_KEYS`).
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        let value = value.trim().to_ascii_uppercase();
        let bytes = value.as_bytes();
        let shape_ok = bytes.len() == 8
            && bytes[..7].iter().all(u8::is_ascii_digit)
            && bytes[7].is_ascii_uppercase();
        if !shape_ok {
            return Err(InvalidValue::new(format!(
                "UAI invalide « {value} » : 7 chiffres suivis d'une lettre attendus (ex. 0750655E)"
            )));
        }
        let number: u32 = value[..7].parse().unwrap_or(0);
        let expected = UAI_KEYS[(number % 23) as usize] as char;
        if bytes[7] as char != expected {
            return Err(InvalidValue::new(format!(
                "UAI invalide « {value} » : la lettre de contrôle devrait être {expected}"
            )));
        }
        Ok(Self(value))
    }

    /// The UAI as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A valid UAI for a 7-digit number (used by the demo and tests).
    pub fn from_number(number: u32) -> Self {
        let number = number % 10_000_000;
        Self(format!(
            "{number:07}{}",
            UAI_KEYS[(number % 23) as usize] as char
        ))
    }
}

impl std::fmt::Display for Uai {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The kind of a school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchoolKind {
    /// École maternelle (TPS to GS).
    Maternelle,
    /// École élémentaire (CP to CM2).
    Elementaire,
    /// École primaire (maternelle and élémentaire).
    Primaire,
    /// Collège (6e to 3e).
    College,
}

impl SchoolKind {
    /// Parses a stored code or a French label.
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        match super::normalize_name(value).as_str() {
            "maternelle" | "ecole maternelle" => Ok(Self::Maternelle),
            "elementaire" | "ecole elementaire" => Ok(Self::Elementaire),
            "primaire" | "ecole primaire" => Ok(Self::Primaire),
            "college" => Ok(Self::College),
            _ => Err(InvalidValue::new(format!(
                "type d'établissement inconnu « {value} » (maternelle, elementaire, primaire ou college)"
            ))),
        }
    }

    /// The code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Maternelle => "maternelle",
            Self::Elementaire => "elementaire",
            Self::Primaire => "primaire",
            Self::College => "college",
        }
    }

    /// The French label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Maternelle => "École maternelle",
            Self::Elementaire => "École élémentaire",
            Self::Primaire => "École primaire",
            Self::College => "Collège",
        }
    }
}

/// A school year, named by the calendar year it starts in (2026 = 1 Sept 2026 – 31 Aug 2027).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchoolYear(pub i32);

impl SchoolYear {
    /// The school year a date falls in.
    pub fn containing(date: NaiveDate) -> Self {
        if date.month() >= 9 {
            Self(date.year())
        } else {
            Self(date.year() - 1)
        }
    }

    /// The current school year (UTC).
    pub fn current() -> Self {
        Self::containing(chrono::Utc::now().date_naive())
    }

    /// "2026-2027".
    pub fn label(self) -> String {
        format!("{}-{}", self.0, self.0 + 1)
    }

    /// The last day of the school year (31 August).
    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 + 1, 8, 31).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uai_check_letter_is_verified() {
        assert_eq!(Uai::parse("0750655e").unwrap().as_str(), "0750655E");
        assert!(
            Uai::parse("0750655F")
                .unwrap_err()
                .0
                .contains("devrait être E")
        );
        assert!(Uai::parse("075065E").is_err());
        assert!(Uai::parse("A750655E").is_err());
        let made = Uai::from_number(951234);
        assert_eq!(Uai::parse(made.as_str()).unwrap(), made);
    }

    #[test]
    fn school_years_turn_on_the_first_of_september() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(SchoolYear::containing(d(2026, 8, 31)), SchoolYear(2025));
        assert_eq!(SchoolYear::containing(d(2026, 9, 1)), SchoolYear(2026));
        assert_eq!(SchoolYear(2026).label(), "2026-2027");
        assert_eq!(SchoolYear(2026).last_day(), d(2027, 8, 31));
    }

    #[test]
    fn school_kinds_parse_from_labels() {
        assert_eq!(
            SchoolKind::parse("École élémentaire").unwrap(),
            SchoolKind::Elementaire
        );
        assert_eq!(SchoolKind::parse("college").unwrap(), SchoolKind::College);
        assert!(SchoolKind::parse("lycée").is_err());
    }
}
