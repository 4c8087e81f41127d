//! Guests and federated sign-in for tests: the browser's trip between host and home node
//! (driven by hand, one client per node, as a browser keeps one cookie jar per site). Until the
//! spaces code admits guests by itself, [`admit_to_a_space`] makes one directly in the host's
//! database: replace it with the real invitation flow once it exists.

use std::path::Path;

use ent_node::guests::token::LoginClaims;

use crate::client::Page;
use crate::world::Person;
use crate::{PASSWORD, TestApp, TestClient};

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

/// On the host: chooses `home` on "Se connecter avec mon ENT".
pub async fn choose(browser: &TestClient, home: &str) -> Page {
    browser
        .submit("/connexion/ent", "/connexion/ent", &[("home", home)])
        .await
}

/// On the host: asks to sign in through `home`; the request's path there and its nonce.
pub async fn request(browser: &TestClient, home: &str) -> (String, String) {
    let sent = choose(browser, home).await;
    assert_eq!(sent.status, 303, "{sent:?}");
    let location = sent.location.expect("sent home");
    let prefix = format!("https://{home}/federation/login/authorize?");
    assert!(location.starts_with(&prefix), "{location}");
    let nonce = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.into_owned())
        .expect("nonce");
    (path_of(&location), nonce)
}

/// On the home node: signs in as `person` when asked to, then sees the approval page.
pub async fn approval(browser: &TestClient, authorize: &str, person: &Person) -> Page {
    let asked = browser.get(authorize).await;
    if asked.status == 303 {
        let sign_in = asked.location.expect("to sign-in");
        assert!(sign_in.starts_with("/connexion?retour="), "{sign_in}");
        let form = browser.get(&sign_in).await;
        let retour = hidden(&form, "retour").expect("way back kept");
        assert_eq!(retour, authorize);
        let csrf = form.csrf();
        let fields = [
            ("identifier", person.identifier.as_str()),
            ("password", PASSWORD),
            ("retour", &retour),
            ("csrf", &csrf),
        ];
        let signed = browser.post_form("/connexion", &fields).await;
        assert!(signed.redirects_to(authorize), "{signed:?}");
        return browser.get(authorize).await;
    }
    asked
}

/// On the home node: approves (or declines) the request shown on `page`.
pub async fn decide(browser: &TestClient, page: &Page, decision: &str) -> Page {
    let fields = [
        ("host", hidden(page, "host").expect("host")),
        ("nonce", hidden(page, "nonce").expect("nonce")),
        ("decision", decision.to_owned()),
        ("csrf", page.csrf()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser
        .post_form("/federation/login/authorize", &fields)
        .await
}

/// The whole trip for `person` (approved), between the nodes named by `domains` (host, home):
/// the path of the way back on the host, with its token.
pub async fn trip(
    host: &TestClient,
    home: &TestClient,
    domains: (&str, &str),
    person: &Person,
) -> String {
    let (authorize, _) = request(host, domains.1).await;
    let page = approval(home, &authorize, person).await;
    assert_eq!(page.status, 200, "{page:?}");
    let back = decide(home, &page, "autoriser").await;
    assert_eq!(back.status, 303, "{back:?}");
    let location = back.location.expect("way back");
    let prefix = format!("https://{}/connexion/ent/retour?token=", domains.0);
    assert!(location.starts_with(&prefix), "{location}");
    path_of(&location)
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
