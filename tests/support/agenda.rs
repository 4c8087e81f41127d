//! The agenda from a browser's side: writing events, reading the week and the month.

use crate::client::{Page, TestClient};

/// Posts the new-event form (fields: `cible`, `titre`, `jour`, `debut`, `fin`, `journee`,
/// `jusqu_au`, `lieu`…) with the page's token.
pub async fn create(client: &TestClient, fields: &[(&str, &str)]) -> Page {
    client
        .submit("/agenda/nouveau", "/agenda/nouveau", fields)
        .await
}

/// The id of the event a creation redirected to.
pub fn event_id(page: &Page) -> String {
    let location = page.location.as_deref().expect("redirect to the event");
    location
        .trim_start_matches("/agenda/evenements/")
        .to_owned()
}

/// The week (`vue=semaine`) or month (`vue=mois`) page around `day`.
pub async fn view(client: &TestClient, vue: &str, day: &str) -> Page {
    client.get(&format!("/agenda?vue={vue}&jour={day}")).await
}

/// How many times `text` shows on a page.
pub fn times(page: &Page, text: &str) -> usize {
    page.body.matches(text).count()
}

/// Number of events stored.
pub async fn events(state: &ent_node::AppState) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM agenda_events")
        .fetch_one(state.db.pool())
        .await
        .expect("count")
}
