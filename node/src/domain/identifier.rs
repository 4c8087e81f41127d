//! Sign-in identifiers such as `lea.martin2`.

use super::{InvalidValue, fold_ascii};

/// A sign-in identifier: 3 to 64 characters among lower-case ASCII letters, digits, `.` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identifier(String);

impl Identifier {
    /// Parses what a user typed (surrounding spaces and case are forgiven).
    pub fn parse(value: &str) -> Result<Self, InvalidValue> {
        let value = value.trim().to_lowercase();
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
        if (3..=64).contains(&value.len()) && valid_chars {
            Ok(Self(value))
        } else {
            Err(InvalidValue::new(
                "identifiant invalide : 3 à 64 lettres sans accent, chiffres, points ou tirets",
            ))
        }
    }

    /// The identifier `first.last` built from a person's names, before uniqueness suffixes.
    pub fn base_for(first_name: &str, last_name: &str) -> String {
        let clean = |name: &str| {
            fold_ascii(name)
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("-")
        };
        let mut base = format!("{}.{}", clean(first_name), clean(last_name));
        base.truncate(58);
        let base = base.trim_matches(|c| c == '.' || c == '-').to_owned();
        if base.len() < 3 {
            format!("{base}.ent")
        } else {
            base
        }
    }

    /// `base` with the n-th suffix: `lea.martin`, `lea.martin2`, `lea.martin3`…
    pub fn with_suffix(base: &str, n: u32) -> Self {
        if n <= 1 {
            Self(base.to_owned())
        } else {
            Self(format!("{base}{n}"))
        }
    }

    /// The one allocation rule of every account creator: the first of `first.last`,
    /// `first.last2`… that `taken` does not hold. Callers ask it under the node-wide
    /// identifier lock (`users::store::lock_identifiers`), so two creators never pick the same.
    pub fn first_free(first_name: &str, last_name: &str, taken: impl Fn(&str) -> bool) -> Self {
        let base = Self::base_for(first_name, last_name);
        (1..)
            .map(|n| Self::with_suffix(&base, n))
            .find(|candidate| !taken(candidate.as_str()))
            .expect("a free suffix")
    }

    /// The identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_readable_identifiers() {
        assert_eq!(Identifier::base_for("Léa", "Martin"), "lea.martin");
        assert_eq!(
            Identifier::base_for("Jean Pierre", "D'Angelo"),
            "jean-pierre.d-angelo"
        );
        assert_eq!(
            Identifier::with_suffix("lea.martin", 2).as_str(),
            "lea.martin2"
        );
        assert!(Identifier::parse(&Identifier::base_for("Ö", "")).is_ok());
    }

    #[test]
    fn typed_identifiers_are_forgiving_but_strict() {
        assert_eq!(
            Identifier::parse("  Lea.Martin ").unwrap().as_str(),
            "lea.martin"
        );
        assert!(Identifier::parse("lé").is_err());
        assert!(Identifier::parse("a b c").is_err());
    }
}
