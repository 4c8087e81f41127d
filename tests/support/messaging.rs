//! The messagerie from a browser's side: writing, reading folders, the audience codes.

use crate::client::{Page, TestClient};

/// The code of one person as a recipient.
pub fn person(id: &str) -> String {
    format!("personne:{id}")
}

/// Sends a message (`extra`: parent, forward, urgent, schedule…) from the compose page.
pub async fn send(
    client: &TestClient,
    to: &[&str],
    subject: &str,
    body: &str,
    extra: &[(&str, &str)],
) -> Page {
    let mut fields: Vec<(&str, &str)> = to.iter().map(|t| ("to", *t)).collect();
    fields.extend([("subject", subject), ("body", body), ("action", "envoyer")]);
    fields.extend_from_slice(extra);
    client
        .submit("/messagerie/ecrire", "/messagerie/ecrire", &fields)
        .await
}

/// Whether the compose page offers `code` as a recipient.
pub async fn offers(client: &TestClient, code: &str) -> bool {
    client
        .get("/messagerie/ecrire")
        .await
        .body
        .contains(&format!("value=\"{code}\""))
}

/// A folder's page (`recus`, `envoyes`, `brouillons`, `corbeille`), with an optional search.
pub async fn folder(client: &TestClient, folder: &str, search: &str) -> Page {
    client
        .get(&format!("/messagerie?dossier={folder}&q={search}"))
        .await
}

/// Whether `text` shows in a folder of `client`'s mailbox.
pub async fn in_folder(client: &TestClient, name: &str, text: &str) -> bool {
    folder(client, name, "").await.body.contains(text)
}

/// The id of the message a send redirected to (`/messagerie/{id}?fait=…`).
pub fn sent_id(page: &Page) -> String {
    let location = page.location.as_deref().expect("redirect after sending");
    location
        .trim_start_matches("/messagerie/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Moves the node's clock to the next `weekday` (0 = Monday) at `hour`:`minute` UTC, a week
/// ahead at least, so that tests do not depend on the hour they run at (the quiet hours).
pub fn move_to(app: &crate::TestApp, weekday: i64, hour: i64, minute: i64) {
    let now = app.state.clock.now();
    let day = now.div_euclid(86_400);
    // 1970-01-01 was a Thursday (weekday 3).
    let target = day + (weekday - (day + 3).rem_euclid(7)).rem_euclid(7) + 7;
    app.state
        .clock
        .advance(target * 86_400 + hour * 3600 + minute * 60 - now);
}

/// A Tuesday, 09:00 UTC (10:00 or 11:00 in Paris): outside the quiet hours.
pub fn to_tuesday_morning(app: &crate::TestApp) {
    move_to(app, 1, 9, 0);
}
