//! The profiles a user can hold in a school.

use super::InvalidValue;

/// A user's profile in a school (SDET profiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Élève.
    Pupil,
    /// Responsable légal.
    Parent,
    /// Enseignant.
    Teacher,
    /// Directeur d'école (also teaches).
    Director,
    /// Personnel municipal or partner (périscolaire, ATSEM).
    Staff,
    /// Inspecteur (IEN) and circonscription team.
    Inspector,
    /// The operator of the node.
    Admin,
    /// Invité: a user admitted only to some spaces.
    Guest,
}

/// Every profile, in the order used by tables and tests.
pub const ALL_PROFILES: [Profile; 8] = [
    Profile::Pupil,
    Profile::Parent,
    Profile::Teacher,
    Profile::Director,
    Profile::Staff,
    Profile::Inspector,
    Profile::Admin,
    Profile::Guest,
];

impl Profile {
    /// Every profile.
    pub fn all() -> [Self; 8] {
        ALL_PROFILES
    }

    /// The code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Pupil => "pupil",
            Self::Parent => "parent",
            Self::Teacher => "teacher",
            Self::Director => "director",
            Self::Staff => "staff",
            Self::Inspector => "inspector",
            Self::Admin => "admin",
            Self::Guest => "guest",
        }
    }

    /// Parses a stored code or a French label (`élève`, `enseignant`…).
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        let v = super::normalize_name(value);
        let found = match v.as_str() {
            "pupil" | "eleve" => Self::Pupil,
            "parent" | "responsable" => Self::Parent,
            "teacher" | "enseignant" => Self::Teacher,
            "director" | "directeur" | "directrice" => Self::Director,
            "staff" | "personnel" => Self::Staff,
            "inspector" | "inspecteur" | "inspectrice" => Self::Inspector,
            "admin" => Self::Admin,
            "guest" | "invite" => Self::Guest,
            _ => {
                return Err(InvalidValue::new(format!(
                    "profil inconnu « {value} » (élève, parent, enseignant, directeur, personnel, inspecteur, admin, invité)"
                )));
            }
        };
        Ok(found)
    }

    /// The French label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pupil => "Élève",
            Self::Parent => "Parent",
            Self::Teacher => "Enseignant",
            Self::Director => "Directeur",
            Self::Staff => "Personnel",
            Self::Inspector => "Inspecteur",
            Self::Admin => "Administrateur",
            Self::Guest => "Invité",
        }
    }

    /// Profiles that receive an activation code rather than a password chosen by the operator.
    pub fn activates_with_code(self) -> bool {
        matches!(self, Self::Pupil | Self::Parent | Self::Guest)
    }

    /// Teachers and directors: the staff who run classes.
    pub fn teaches(self) -> bool {
        matches!(self, Self::Teacher | Self::Director)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_french_labels_parse() {
        for p in Profile::all() {
            assert_eq!(Profile::parse(p.code()).unwrap(), p);
        }
        assert_eq!(Profile::parse("Élève").unwrap(), Profile::Pupil);
        assert_eq!(Profile::parse("invité").unwrap(), Profile::Guest);
        assert!(Profile::parse("chef").is_err());
    }
}
