//! Accounts waiting after wrong passwords, shown to the operator on the accounts page, and
//! their unlocking (the same as `ent-admin users unlock`).

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::{Viewer, throttle};
use crate::domain::Identifier;
use crate::error::AppResult;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::users::store as users;

/// One delayed account as the accounts page lists it.
pub struct DelayedRow {
    /// The identifier as typed at sign-in.
    pub identifier: String,
    /// The account's name, when the identifier names one.
    pub name: Option<String>,
    /// Attempts counted in the window.
    pub attempts: i64,
    /// "30 s", "4 min": until the next attempt is checked.
    pub wait: String,
}

/// The accounts delayed now (identifiers nobody holds included: someone is guessing).
pub async fn rows(state: &AppState) -> AppResult<Vec<DelayedRow>> {
    let now = state.clock.now();
    let mut rows = Vec::new();
    for delayed in throttle::delayed_accounts(&state.db, now).await? {
        let name = match Identifier::parse(&delayed.identifier) {
            Ok(identifier) => users::by_identifier(&state.db, &identifier)
                .await?
                .map(|u| u.display_name()),
            Err(_) => None,
        };
        rows.push(DelayedRow {
            wait: crate::error::wait_text(delayed.blocked_until - now),
            identifier: delayed.identifier,
            name,
            attempts: delayed.attempts,
        });
    }
    Ok(rows)
}

/// The unlock form.
#[derive(Deserialize)]
pub struct UnlockForm {
    csrf: String,
    identifier: String,
}

/// `POST /admin/utilisateurs/debloquer`: forgets an identifier's failed attempts.
pub async fn unlock(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<UnlockForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageUsers)?;
    let subject = throttle::account_subject(&form.identifier);
    throttle::clear(&state.db, &subject).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    users::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "account.unlock",
        form.identifier.trim(),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/admin/utilisateurs").into_response())
}
