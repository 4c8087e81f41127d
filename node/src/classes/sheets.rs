//! Connection sheets ("fiches de connexion"): one per pupil and per parent of a class, with the
//! identifier and a fresh activation code, laid out to print on A4.
//!
//! Codes are stored hashed, so printing issues new codes for the accounts still waiting for
//! their first sign-in; sheets printed earlier for those accounts stop working.

use askama::Template;
use chrono::DateTime;

use crate::accounts::codes;
use crate::error::AppError;
use crate::store::Db;
use crate::users::store::audit;

use super::store::{self, ClassRow, MemberRow};

/// One printed sheet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sheet {
    /// Full name.
    pub name: String,
    /// "Élève" or "Parent de Léa".
    pub role: String,
    /// Sign-in identifier.
    pub identifier: String,
    /// The fresh code.
    pub code: String,
    /// Expiry date, `dd/mm/yyyy`.
    pub expires: String,
    /// Pupils get the simplified wording.
    pub pupil: bool,
}

/// The print page.
#[derive(Template)]
#[template(path = "sheets.html")]
struct SheetsPage<'a> {
    node_name: &'a str,
    address: &'a str,
    class: &'a ClassRow,
    sheets: &'a [Sheet],
    /// Embed the print stylesheet (file written by `ent-admin sheets`) rather than link it.
    standalone: bool,
    stylesheet: &'a str,
}

/// Print stylesheet (A4 portrait, two sheets per page, cut lines).
const PRINT_CSS: &str = include_str!("../../static/sheets.css");

fn expiry_label(expires_at: i64) -> String {
    DateTime::from_timestamp(expires_at, 0)
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// Issues fresh codes for every pending pupil and parent of the class (one transaction) and
/// returns their sheets, pupils first.
pub async fn issue_for_class(
    db: &Db,
    class: &ClassRow,
    now: i64,
    valid_days: u32,
    actor: Option<&str>,
) -> Result<Vec<Sheet>, AppError> {
    let pupils = store::members(db, &class.id, "pupil").await?;
    let parents = store::parents(db, &class.id).await?;
    let mut wanted: Vec<(MemberRow, String, bool)> = pupils
        .iter()
        .filter(|p| p.pending)
        .map(|p| (p.clone(), "Élève".to_owned(), true))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (child_id, parent) in parents {
        if !parent.pending || !seen.insert(parent.id.clone()) {
            continue;
        }
        let child = pupils
            .iter()
            .find(|p| p.id == child_id)
            .map(|p| p.first_name.clone())
            .unwrap_or_default();
        wanted.push((parent, format!("Parent de {child}"), false));
    }
    let mut tx = db.begin_write().await?;
    let mut sheets = Vec::with_capacity(wanted.len());
    for (member, role, pupil) in wanted {
        let issued = codes::issue(&mut tx, &member.id, now, valid_days).await?;
        sheets.push(Sheet {
            name: format!("{} {}", member.first_name, member.last_name),
            role,
            identifier: member.identifier,
            code: issued.code,
            expires: expiry_label(issued.expires_at),
            pupil,
        });
    }
    audit(
        &mut tx,
        now,
        actor,
        "class.sheets",
        &class.id,
        &format!("{} codes", sheets.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(sheets)
}

/// Builds the sheet of one account after its code was issued.
pub fn single(member: &MemberRow, role: &str, pupil: bool, issued: &codes::IssuedCode) -> Sheet {
    Sheet {
        name: format!("{} {}", member.first_name, member.last_name),
        role: role.to_owned(),
        identifier: member.identifier.clone(),
        code: issued.code.clone(),
        expires: expiry_label(issued.expires_at),
        pupil,
    }
}

/// Renders the printable HTML page.
pub fn render(
    node_name: &str,
    address: &str,
    class: &ClassRow,
    sheets: &[Sheet],
    standalone: bool,
) -> Result<String, AppError> {
    SheetsPage {
        node_name,
        address,
        class,
        sheets,
        standalone,
        stylesheet: PRINT_CSS,
    }
    .render()
    .map_err(AppError::internal)
}
