//! The journal (audit log) as the operator reads it: who did what, in French, with people's and
//! things' names rather than ids, at Paris time; every entry reachable through pages, filtered by
//! kind, person and dates, and exported as CSV (the same filter, every row) for the DPO.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use sqlx::Row;

use super::journal_words::{KINDS, Kind, action_label, kind};
use crate::accounts::Viewer;
use crate::domain::local_time::{paris_label, paris_midnight};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{Page, Pager, render};

/// Entries per page.
const PER_PAGE: usize = 100;

/// One entry as shown.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `dd/mm/yyyy hh:mm`, Paris time.
    pub at: String,
    /// Who acted: "Prénom Nom (identifiant)", or the node itself.
    pub actor: String,
    /// What was done, in French.
    pub action: String,
    /// On what: a person's, school's, group's, class's or space's name when it is one.
    pub target: String,
    /// Details (for remote actions: the activity, its actor and the link).
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage<'a> {
    page: Page<'a>,
    entries: &'a [Entry],
    total: usize,
    kinds: &'static [Kind],
    filter: &'a Filter,
    query: String,
    pager: Pager,
}

/// The filter, from the address: `?type=&qui=&du=&au=&page=&format=csv`.
#[derive(Debug, Deserialize, Default)]
pub struct Filter {
    /// Kind of action (`journal_words::KINDS`).
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Words of a person's name or identifier (who acted, or whom it concerned).
    #[serde(default)]
    pub qui: String,
    /// First day, `yyyy-mm-dd` (Paris).
    #[serde(default)]
    pub du: String,
    /// Last day, `yyyy-mm-dd` (Paris).
    #[serde(default)]
    pub au: String,
    #[serde(default)]
    page: Option<usize>,
    #[serde(default)]
    format: String,
}

impl Filter {
    /// The filter as a query string (without the page), for links.
    fn query(&self) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("type", &self.kind),
            ("qui", &self.qui),
            ("du", &self.du),
            ("au", &self.au),
        ] {
            if !value.trim().is_empty() {
                pairs.append_pair(name, value.trim());
            }
        }
        pairs.finish()
    }
}

/// A day typed in the filter, or what is wrong with it.
fn day(value: &str, field: &str) -> AppResult<Option<NaiveDate>> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| AppError::Invalid(format!("Date « {field} » attendue au format jj/mm/aaaa.")))
}

/// The WHERE clause and its values.
fn conditions(filter: &Filter) -> AppResult<(String, Vec<Bind>)> {
    let mut clauses = vec![format!("({})", kind(&filter.kind).condition)];
    let mut binds = Vec::new();
    if let Some(from) = day(&filter.du, "du")? {
        binds.push(Bind::Int(paris_midnight(from)));
        clauses.push(format!("a.at >= ${}", binds.len()));
    }
    if let Some(to) = day(&filter.au, "au")? {
        let next = to.succ_opt().unwrap_or(to);
        binds.push(Bind::Int(paris_midnight(next)));
        clauses.push(format!("a.at < ${}", binds.len()));
    }
    // Folded words against the actor's and the concerned person's names and identifiers.
    let people = "COALESCE(u.search_key, '') || ' ' || COALESCE(tu.search_key, '') || ' ' || COALESCE(du.search_key, '')";
    let (words, values) =
        crate::users::store::word_conditions(&filter.qui, people, binds.len() + 1);
    clauses.extend(words);
    binds.extend(values.into_iter().map(Bind::Text));
    Ok((clauses.join(" AND "), binds))
}

/// A value bound to the query.
#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Text(String),
}

/// The log and everything its ids name.
const FROM: &str = "FROM audit_log a \
    LEFT JOIN users u ON u.id = a.actor_id \
    LEFT JOIN users tu ON tu.id = a.target \
    LEFT JOIN users du ON du.id = a.detail \
    LEFT JOIN schools ts ON ts.id = a.target \
    LEFT JOIN groups tg ON tg.id = a.target \
    LEFT JOIN classes tc ON tc.id = a.target \
    LEFT JOIN spaces tsp ON tsp.id = a.target";

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Int(value) => query.bind(*value),
            Bind::Text(value) => query.bind(value.as_str()),
        };
    }
    query
}

/// How many entries match.
async fn count(state: &AppState, filter: &Filter) -> AppResult<usize> {
    let (conditions, binds) = conditions(filter)?;
    let sql = format!("SELECT COUNT(*) {FROM} WHERE {conditions}");
    let total: i64 = bind_all(sqlx::query(&sql), &binds)
        .fetch_one(state.db.pool())
        .await?
        .get(0);
    Ok(usize::try_from(total).unwrap_or(0))
}

/// The matching entries, newest first; `page` = (offset, limit), or every one.
async fn entries(
    state: &AppState,
    filter: &Filter,
    page: Option<(usize, usize)>,
) -> AppResult<Vec<Entry>> {
    let (conditions, binds) = conditions(filter)?;
    let window = page.map_or(String::new(), |(offset, limit)| {
        format!(" LIMIT {limit} OFFSET {offset}")
    });
    let person = |alias: &str| {
        format!(
            "CASE WHEN {alias}.id IS NULL THEN '' ELSE {alias}.first_name || ' ' || COALESCE({alias}.usage_name, {alias}.last_name) || ' (' || {alias}.identifier || ')' END"
        )
    };
    let sql = format!(
        "SELECT a.at, a.action, a.target, a.detail, a.actor_id, {}, \
         COALESCE(NULLIF({}, ''), ts.name, tg.name, tc.name, tsp.title, ''), {} \
         {FROM} WHERE {conditions} ORDER BY a.at DESC, a.id DESC{window}",
        person("u"),
        person("tu"),
        person("du"),
    );
    let rows = bind_all(sqlx::query(&sql), &binds)
        .fetch_all(state.db.pool())
        .await?;
    let mut entries: Vec<Entry> = rows.iter().map(entry).collect();
    name_ids(state, &mut entries).await?;
    Ok(entries)
}

/// One row in the operator's words: names where the log holds ids; an id that names nothing
/// any more is said so rather than shown.
fn entry(row: &sqlx::any::AnyRow) -> Entry {
    let target: String = row.get(2);
    let detail: String = row.get(3);
    let actor_id: Option<String> = row.get(4);
    let actor: String = row.get(5);
    let target_name: String = row.get(6);
    let detail_name: String = row.get(7);
    let action: String = row.get(1);
    Entry {
        at: paris_label(row.get(0)),
        actor: match (actor.is_empty(), actor_id) {
            (false, _) => actor,
            (true, Some(_)) => "(compte supprimé)".into(),
            (true, None) => "ENT (automatique, ou ENT lié)".into(),
        },
        action: action_label(&action).to_owned(),
        target: if target_name.is_empty() {
            target
        } else {
            target_name
        },
        detail: if detail_name.is_empty() {
            detail
        } else {
            detail_name
        },
    }
}

/// The ids (UUIDs) written in a text.
fn ids_in(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .filter(|word| word.len() == 36 && uuid::Uuid::parse_str(word).is_ok())
}

/// Replaces the ids left in targets and details (a class in a code's detail, a class a group
/// was filled from…) by the names of what they are, in a few queries for the whole list; an id
/// that names nothing any more (deleted, or a token's own id) is not shown either.
async fn name_ids(state: &AppState, entries: &mut [Entry]) -> AppResult<()> {
    let mut ids: Vec<String> = entries
        .iter()
        .flat_map(|e| ids_in(&e.target).chain(ids_in(&e.detail)))
        .map(str::to_owned)
        .collect();
    ids.sort();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for chunk in ids.chunks(200) {
        let list = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id, first_name || ' ' || COALESCE(usage_name, last_name) || ' (' || identifier || ')' FROM users WHERE id IN ({list}) \
             UNION ALL SELECT id, name FROM classes WHERE id IN ({list}) \
             UNION ALL SELECT id, name FROM schools WHERE id IN ({list}) \
             UNION ALL SELECT id, name FROM groups WHERE id IN ({list}) \
             UNION ALL SELECT id, title FROM spaces WHERE id IN ({list})"
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        for id in chunk {
            query = query.bind(id);
        }
        names.extend(query.fetch_all(state.db.pool()).await?);
    }
    let name = |text: &str| -> String {
        if uuid::Uuid::parse_str(text).is_ok() && text.len() == 36 {
            return names
                .get(text)
                .cloned()
                .unwrap_or_else(|| "(supprimé)".into());
        }
        let mut out = text.to_owned();
        for id in ids_in(text) {
            out = out.replace(id, names.get(id).map_or("…", String::as_str));
        }
        out
    };
    for entry in entries.iter_mut() {
        entry.target = name(&entry.target);
        entry.detail = name(&entry.detail);
    }
    Ok(())
}

/// `GET /admin/journal[?type=…&qui=…&du=…&au=…&page=N][&format=csv]`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(filter): Query<Filter>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageUsers)?;
    if filter.format == "csv" {
        let all = entries(&state, &filter, None).await?;
        let rows = all
            .iter()
            .map(|e| [&e.at, &e.actor, &e.action, &e.target, &e.detail]);
        return crate::web::csv::download(
            "journal.csv",
            &[
                "date (heure de Paris)",
                "compte",
                "action",
                "objet",
                "détail",
            ],
            rows,
        );
    }
    let total = count(&state, &filter).await?;
    let query = filter.query();
    let base = if query.is_empty() {
        "/admin/journal".to_owned()
    } else {
        format!("/admin/journal?{query}")
    };
    let pager = Pager::new(filter.page, total, PER_PAGE, &base).words(
        "Pages du journal",
        "Entrées plus récentes",
        "Entrées plus anciennes",
    );
    let entries = entries(&state, &filter, Some((pager.offset(), PER_PAGE))).await?;
    let html = render(&AuditPage {
        page: viewer.page("Journal", &state.config.node.name),
        entries: &entries,
        total,
        kinds: KINDS,
        filter: &filter,
        query,
        pager,
    })?;
    Ok(html.into_response())
}
