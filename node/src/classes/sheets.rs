//! Connection sheets ("fiches de connexion"): one per pupil and per parent of a class, with the
//! identifier and a fresh activation code, laid out to print on A4.
//!
//! Printing never cancels a code already handed out: a sheet carries the account's current code
//! (derived from the node's secret, see `codes::issue_for_sheet`), printed again as often as
//! needed; an account without a live code gets one. Codes are renewed only on an explicit,
//! confirmed choice ([`Codes::Renew`]); activated accounts are never touched.

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
    /// Waiting accounts without a sheet here (code shown on a screen).
    handed_out: usize,
    /// The renewal form's token (none in a file written by `ent-admin sheets`).
    csrf: Option<&'a str>,
    /// Embed the print stylesheet (file written by `ent-admin sheets`) rather than link it.
    standalone: bool,
    stylesheet: &'a str,
}

impl SheetsPage<'_> {
    /// A one-time submission token for the renewal form (`web::once`).
    fn once(&self) -> String {
        crate::web::once::token()
    }
}

/// Print stylesheet (A4 portrait, two sheets per page, cut lines).
const PRINT_CSS: &str = include_str!("../../static/sheets.css");

fn expiry_label(expires_at: i64) -> String {
    DateTime::from_timestamp(expires_at, 0)
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_default()
}

/// Which codes the sheets carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codes {
    /// The codes in force (new ones only for accounts without a live code).
    Current,
    /// New codes for every account still waiting: earlier sheets stop working.
    Renew,
}

/// The sheets of a class, and how many waiting accounts have a code that was shown once on
/// a screen (not printable again, left alone).
#[derive(Debug, Clone, Default)]
pub struct Printout {
    /// Sheets, pupils first.
    pub sheets: Vec<Sheet>,
    /// Waiting accounts whose live code was handed out on a screen: no sheet here.
    pub handed_out: usize,
}

impl Printout {
    /// Accounts still waiting for their first sign-in (those a renewal would touch).
    pub fn waiting(&self) -> usize {
        self.sheets.len() + self.handed_out
    }
}

/// The sheets of every pending pupil and parent of the class (one transaction), pupils first.
pub async fn for_class(
    db: &Db,
    class: &ClassRow,
    now: i64,
    valid_days: u32,
    secret: &str,
    which: Codes,
    actor: Option<&str>,
) -> Result<Printout, AppError> {
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
    let mut printout = Printout::default();
    let mut issued_count = 0;
    for (member, role, pupil) in wanted {
        let current = match which {
            Codes::Renew => codes::SheetCode::None,
            Codes::Current => codes::current_for_sheet(&mut tx, &member.id, now, secret).await?,
        };
        let issued = match current {
            codes::SheetCode::Current(code) => code,
            codes::SheetCode::HandedOut => {
                printout.handed_out += 1;
                continue;
            }
            codes::SheetCode::None => {
                issued_count += 1;
                codes::issue_for_sheet(&mut tx, &member.id, now, valid_days, secret).await?
            }
        };
        printout.sheets.push(single(&member, &role, pupil, &issued));
    }
    let detail = match which {
        Codes::Current => format!(
            "{} fiche(s), {issued_count} nouveau(x) code(s)",
            printout.sheets.len()
        ),
        Codes::Renew => format!("{issued_count} code(s) renouvelé(s)"),
    };
    let action = match which {
        Codes::Current => "class.sheets",
        Codes::Renew => "class.codes_renewed",
    };
    audit(&mut tx, now, actor, action, &class.id, &detail).await?;
    tx.commit().await?;
    Ok(printout)
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

/// Renders the printable HTML page; `csrf` adds the form that renews the codes (asked once
/// more before).
pub fn render(
    node_name: &str,
    address: &str,
    class: &ClassRow,
    printout: &Printout,
    csrf: Option<&str>,
    standalone: bool,
) -> Result<String, AppError> {
    SheetsPage {
        node_name,
        address,
        class,
        sheets: &printout.sheets,
        handed_out: printout.handed_out,
        csrf,
        standalone,
        stylesheet: PRINT_CSS,
    }
    .render()
    .map_err(AppError::internal)
}
