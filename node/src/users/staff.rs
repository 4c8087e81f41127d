//! Staff accounts made by hand by the operator (web and `ent-admin users add`): a teacher, a
//! director or a member of staff whom no import lists (a collège before the AAF import, a
//! municipal employee).
//!
//! Such an account is no import's to deactivate: an ONDE import only ever deactivates the
//! accounts it created itself (those with a match key in `import_keys` for the school), and
//! a hand-made account has none. If a later teachers file lists the same person, the import
//! creates its own account beside this one (namesakes are different people); the operator
//! deactivates the one not used.

use sqlx::AnyConnection;

use crate::accounts::codes::{self, IssuedCode};
use crate::domain::{InvalidValue, Profile, refuse_control_chars};

use super::store::{self, NewUser};

/// Longest first or last name, as for imported people and guests.
const NAME_MAX: usize = 100;

/// A checked request for a staff account.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// First name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Teacher, director or staff.
    pub profile: Profile,
    /// E-mail, if given.
    pub email: Option<String>,
}

impl NewStaff {
    /// Checks what the operator typed; the error is the French message to show.
    pub fn parse(
        first_name: &str,
        last_name: &str,
        profile: &str,
        email: &str,
    ) -> Result<Self, InvalidValue> {
        let (first, last, email) = (first_name.trim(), last_name.trim(), email.trim());
        if first.is_empty() || last.is_empty() {
            return Err(InvalidValue::new(
                "Indiquez le prénom et le nom de la personne.",
            ));
        }
        if first.chars().count() > NAME_MAX || last.chars().count() > NAME_MAX {
            return Err(InvalidValue::new(format!(
                "Le prénom et le nom ont au plus {NAME_MAX} caractères."
            )));
        }
        refuse_control_chars(first, "Le prénom")?;
        refuse_control_chars(last, "Le nom")?;
        let profile = match Profile::parse(profile) {
            // An IEN reads the schools of their circonscription: one membership per école.
            Ok(
                p @ (Profile::Teacher | Profile::Director | Profile::Staff | Profile::Inspector),
            ) => p,
            _ => {
                return Err(InvalidValue::new(
                    "Choisissez le profil : enseignant, directeur, personnel ou inspecteur.",
                ));
            }
        };
        let email = if email.is_empty() {
            None
        } else {
            let valid = email.len() <= 254
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.contains('@')
                });
            if !valid {
                return Err(InvalidValue::new(format!(
                    "Adresse électronique invalide « {email} »."
                )));
            }
            Some(email.to_owned())
        };
        Ok(Self {
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            profile,
            email,
        })
    }
}

/// The account just made, with its activation code (shown once).
#[derive(Debug, Clone)]
pub struct CreatedStaff {
    /// User id.
    pub id: String,
    /// Sign-in identifier (a namesake gets `…2`).
    pub identifier: String,
    /// The activation code, as printed on imported staff's sheets.
    pub code: IssuedCode,
}

/// Creates the account, its profile in the school and its activation code, with the audit
/// entry, in the caller's transaction.
pub async fn create(
    conn: &mut AnyConnection,
    school_id: &str,
    staff: &NewStaff,
    by: Option<&str>,
    now: i64,
    code_days: u32,
) -> Result<CreatedStaff, sqlx::Error> {
    let user = NewUser {
        first_name: staff.first_name.clone(),
        last_name: staff.last_name.clone(),
        email: staff.email.clone(),
        ..NewUser::default()
    };
    let (id, identifier) = store::create(conn, &user, now).await?;
    store::set_membership(conn, &id, school_id, staff.profile).await?;
    let code = codes::issue(conn, &id, now, code_days).await?;
    store::audit(conn, now, by, "account.create_staff", &id, school_id).await?;
    Ok(CreatedStaff {
        id,
        identifier: identifier.to_string(),
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_staff_profiles_and_clean_names_are_accepted() {
        let staff = NewStaff::parse(" Zoé ", "Œuvray", "directrice", "").unwrap();
        assert_eq!(
            (staff.first_name.as_str(), staff.profile),
            ("Zoé", Profile::Director)
        );
        assert!(NewStaff::parse("Léa", "Martin", "élève", "").is_err());
        assert_eq!(
            NewStaff::parse("Paul", "Roux", "inspecteur", "")
                .unwrap()
                .profile,
            Profile::Inspector
        );
        assert!(NewStaff::parse("Léa", "Mar\u{1b}[2Jtin", "enseignant", "").is_err());
        assert!(NewStaff::parse("Léa", "", "enseignant", "").is_err());
        assert!(NewStaff::parse("Léa", "Martin", "personnel", "pas-une-adresse").is_err());
    }
}
