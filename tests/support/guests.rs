//! Guests and federated sign-in for tests. Until the spaces code admits guests by itself,
//! [`admit_to_a_space`] makes one directly in the host's database: replace it with the real
//! invitation flow once it exists.

use std::path::Path;

use ent_node::guests::token::LoginClaims;

use crate::TestApp;
use crate::client::Page;

/// The Person actor URL of `user_id` on `home` (the actor is created if needed).
pub async fn actor_url(home: &TestApp, user_id: &str) -> (String, String) {
    let actor =
        ent_node::federation::persons::ensure(&home.state.db, user_id, home.state.clock.now())
            .await
            .expect("person actor");
    (
        ent_node::federation::persons::actor_url(home.federation(), &actor.id),
        actor.display_name,
    )
}

/// Makes the user `user_id` of `home` a guest of `host` and an active member of one space there
/// (a stand-in for the spaces code). Returns the guest's account id on the host.
pub async fn admit_to_a_space(host: &TestApp, home: &TestApp, user_id: &str) -> String {
    let (actor, name) = actor_url(home, user_id).await;
    let peer = home.federation().shared().authority.clone();
    let now = host.state.clock.now();
    let mut tx = host.state.db.begin_write().await.expect("tx");
    let guest = ent_node::guests::store::ensure_remote(
        &mut tx,
        &peer,
        &actor,
        &name,
        30,
        now + 30 * 86_400,
        now,
    )
    .await
    .expect("guest");
    let space = ent_node::store::new_id();
    sqlx::query(
        "INSERT INTO spaces (id, group_id, host, title, description, school_year, host_school, \
         premoderated, comments_on, files_allowed, open_until, local_only, created_at) \
         VALUES ($1, $2, '', 'Liaison CM2-6e', '', 2026, 'Collège', 0, 1, 1, 0, 0, $3)",
    )
    .bind(&space)
    .bind(format!("{}/federation/groups/{space}", host.base_url))
    .bind(now)
    .execute(&mut *tx)
    .await
    .expect("space");
    sqlx::query(
        "INSERT INTO space_members (space_id, actor_id, user_id, node, display_name, school, \
         level, role, state, joined_at) VALUES ($1, $2, $3, $4, $5, '', 'CM2', 'member', 'active', $6)",
    )
    .bind(&space)
    .bind(&actor)
    .bind(&guest)
    .bind(&peer)
    .bind(&name)
    .bind(now)
    .execute(&mut *tx)
    .await
    .expect("space member");
    tx.commit().await.expect("commit");
    guest
}

/// The path and query of an absolute URL (a test client is bound to one node).
pub fn path_of(url: &str) -> String {
    let url = url::Url::parse(url).expect("absolute URL");
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The value of the hidden field `name` of a page, unescaped.
pub fn hidden(page: &Page, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.body.find(&marker)? + marker.len();
    let end = page.body[start..].find('"')?;
    Some(unescape(&page.body[start..start + end]))
}

/// HTML text with its character references (`&#38;`, `&#x27;`, `&amp;`…) decoded.
pub fn unescape(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';') else { break };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Signs `claims` with the node key kept in `data_dir` (what that node would send).
pub fn mint(data_dir: &Path, claims: &LoginClaims) -> String {
    let identity = ent_federation::NodeIdentity::load(data_dir).expect("node key");
    ent_node::guests::token::sign(identity.private_key_pem(), claims).expect("token")
}

/// How many audit entries of `action` a node holds.
pub async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(app.state.db.pool())
        .await
        .expect("audit count")
}
