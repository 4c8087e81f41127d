//! Actualités and the cahier de liaison from a browser's side: publishing, writing a mot,
//! families with more than one guardian or child.

use ent_node::AppState;
use ent_node::domain::Profile;
use ent_node::users::NewUser;
use ent_node::users::store as users;

use crate::client::{Page, TestClient};
use crate::world::{Person, World};

/// Publishes a news item from the writing page (`extra`: debut, fin, epingle).
pub async fn publish(
    client: &TestClient,
    to: &[&str],
    title: &str,
    extra: &[(&str, &str)],
) -> Page {
    let mut fields: Vec<(&str, &str)> = to.iter().map(|t| ("to", *t)).collect();
    fields.extend([("title", title), ("body", "Texte de l'actualité.")]);
    fields.extend_from_slice(extra);
    client
        .submit("/actualites", "/actualites/ecrire", &fields)
        .await
}

/// Writes a mot to the families of `class` (`pupils` empty: the whole class); `signature` is
/// `aucune`, `chaque` or `famille`.
pub async fn write_mot(
    client: &TestClient,
    class: &str,
    pupils: &[&str],
    title: &str,
    signature: &str,
) -> Page {
    let mut fields: Vec<(&str, &str)> = pupils.iter().map(|p| ("eleves", *p)).collect();
    fields.extend([
        ("classe", class),
        ("title", title),
        ("body", "Merci de signer."),
        ("signature", signature),
    ]);
    client.submit("/liaison", "/liaison/ecrire", &fields).await
}

/// The id at the end of a redirect (`/actualites/{id}?fait=…`).
pub fn id_of(page: &Page, prefix: &str) -> String {
    let location = page.location.as_deref().expect("a redirect");
    location
        .trim_start_matches(prefix)
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Adds a parent (with the world's password) of `child` to the world's school.
pub async fn add_parent(state: &AppState, w: &World, child: &str, first: &str) -> Person {
    let mut tx = state.db.begin_write().await.expect("tx");
    let user = NewUser {
        first_name: first.into(),
        last_name: "Martin".into(),
        ..NewUser::default()
    };
    let (id, identifier) = users::create(&mut tx, &user, state.clock.now())
        .await
        .expect("user");
    users::set_membership(&mut tx, &id, &w.school_id, Profile::Parent)
        .await
        .expect("membership");
    users::link_guardian(&mut tx, &id, child)
        .await
        .expect("guardian");
    tx.commit().await.expect("commit");
    crate::world::give_password(state, &id).await;
    Person {
        id,
        identifier: identifier.to_string(),
    }
}

/// Makes `parent` a guardian of `child` too.
pub async fn link(state: &AppState, parent: &str, child: &str) {
    let mut tx = state.db.begin_write().await.expect("tx");
    users::link_guardian(&mut tx, parent, child)
        .await
        .expect("guardian");
    tx.commit().await.expect("commit");
}

/// Rows of a table (what a refused form must not have written).
pub async fn rows(state: &AppState, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(state.db.pool())
        .await
        .expect("count")
}

/// How many times `needle` occurs in `page`'s body.
pub fn occurrences(page: &Page, needle: &str) -> usize {
    page.body.matches(needle).count()
}
