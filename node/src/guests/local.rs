//! Local guests: partners without a node of their own (an intervenant, a périscolaire
//! association) admitted by hand, with an activation code like any account. They hold no school
//! membership, so the policy grants them nothing beyond the spaces they are added to.

use chrono::NaiveDate;
use sqlx::AnyConnection;

use crate::accounts::codes::{self, IssuedCode};
use crate::domain::{Identifier, SchoolYear, refuse_control_chars};
use crate::users::NewUser;
use crate::users::store as users;

/// Longest first or last name, in characters.
const NAME_MAX: usize = 100;

/// A local guest as the form describes it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLocalGuest {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Last day the account is valid (included).
    pub last_day: NaiveDate,
}

/// The latest last day a guest created on `today` may have: the end of the school year.
pub fn latest_day(today: NaiveDate) -> NaiveDate {
    SchoolYear::containing(today).last_day()
}

/// Checks the form: both names given (at most 100 characters), a last day (`yyyy-mm-dd` as
/// date fields send it, or `dd/mm/yyyy` as typed where there is none) from
/// today to the end of the current school year. The error is the French message to show.
pub fn parse(
    first_name: &str,
    last_name: &str,
    last_day: &str,
    today: NaiveDate,
) -> Result<NewLocalGuest, String> {
    let (first, last) = (first_name.trim(), last_name.trim());
    if first.is_empty() || last.is_empty() {
        return Err("Indiquez le prénom et le nom de la personne invitée.".into());
    }
    if first.chars().count() > NAME_MAX || last.chars().count() > NAME_MAX {
        return Err(format!(
            "Le prénom et le nom ont au plus {NAME_MAX} caractères."
        ));
    }
    refuse_control_chars(first, "Le prénom").map_err(|e| e.0)?;
    refuse_control_chars(last, "Le nom").map_err(|e| e.0)?;
    let latest = latest_day(today);
    let typed = last_day.trim();
    let day = NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(typed, "%d/%m/%Y"))
        .map_err(|_| "Indiquez la date de fin au format jj/mm/aaaa.".to_owned())?;
    if day < today || day > latest {
        return Err(format!(
            "La date de fin doit être comprise entre aujourd'hui et la fin de l'année scolaire \
             ({}).",
            latest.format("%d/%m/%Y")
        ));
    }
    Ok(NewLocalGuest {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        last_day: day,
    })
}

/// When a guest valid through `day` expires: the following midnight, UTC.
pub fn expiry_of(day: NaiveDate) -> i64 {
    day.succ_opt()
        .unwrap_or(day)
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp()
}

/// Creates the account, its guest row (no link, no remote actor), a first activation code and
/// the audit entry, in the caller's transaction.
pub async fn create(
    conn: &mut AnyConnection,
    guest: &NewLocalGuest,
    created_by: &str,
    now: i64,
    code_days: u32,
) -> sqlx::Result<(Identifier, IssuedCode)> {
    let user = NewUser {
        first_name: guest.first_name.clone(),
        last_name: guest.last_name.clone(),
        ..NewUser::default()
    };
    let (user_id, identifier) = users::create(conn, &user, now).await?;
    // The guest belongs to its creator's school (as director first); the operator's guests
    // belong to none.
    let school_id: Option<String> = sqlx::query_scalar(
        "SELECT school_id FROM memberships WHERE user_id = $1 AND profile IN ('director', 'teacher') \
         ORDER BY CASE profile WHEN 'director' THEN 0 ELSE 1 END, school_id LIMIT 1",
    )
    .bind(created_by)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO guests (user_id, peer, remote_actor, created_by, expires_at, created_at, school_id) \
         VALUES ($1, '', NULL, $2, $3, $4, $5)",
    )
    .bind(&user_id)
    .bind(created_by)
    .bind(expiry_of(guest.last_day))
    .bind(now)
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    let code = codes::issue(conn, &user_id, now, code_days).await?;
    let detail = format!("invité local jusqu'au {}", guest.last_day);
    users::audit(
        conn,
        now,
        Some(created_by),
        "guest.create",
        &user_id,
        &detail,
    )
    .await?;
    Ok((identifier, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_last_day_stays_within_the_school_year() {
        let today = day(2026, 11, 27);
        let ok = parse(" Inès ", "Faure", "2027-08-31", today).unwrap();
        assert_eq!(
            (ok.first_name.as_str(), ok.last_day),
            ("Inès", day(2027, 8, 31))
        );
        assert!(parse("Inès", "Faure", "2026-11-27", today).is_ok());
        assert!(parse("Inès", "Faure", "2027-09-01", today).is_err());
        assert!(parse("Inès", "Faure", "2026-11-26", today).is_err());
        assert!(parse("Inès", "Faure", "31/08/2027", today).is_ok());
        assert!(parse("Inès", "Faure", "demain", today).is_err());
        let error = parse("Inès\u{1b}]0;x\u{7}", "Faure", "2027-08-31", today).unwrap_err();
        assert!(error.contains("caractère de contrôle"), "{error}");
        assert!(parse("", "Faure", "2027-01-01", today).is_err());
        assert!(parse("Inès", &"x".repeat(101), "2027-01-01", today).is_err());
        assert_eq!(latest_day(day(2027, 8, 31)), day(2027, 8, 31));
    }

    #[test]
    fn a_guest_expires_at_the_end_of_its_last_day() {
        let end = expiry_of(day(2027, 8, 31));
        assert_eq!(
            chrono::DateTime::from_timestamp(end, 0)
                .unwrap()
                .to_rfc3339(),
            "2027-09-01T00:00:00+00:00"
        );
    }
}
