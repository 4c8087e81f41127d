//! A form sent twice does one thing: every state-changing form carries a one-time token; two
//! identical submissions sent at the same time (a double tap) or one after the other (a reload)
//! are done once, and the second is sent where the first went.

use ent_tests::client::Page;
use ent_tests::{TestApp, TestClient, World, spawn_app};
use reqwest::StatusCode;

/// The anti-forgery token and the one-time token of the form posting to `action`.
pub(crate) fn form_tokens(page: &Page, action: &str) -> (String, String) {
    let form = page
        .body
        .split("<form")
        .find(|form| form.contains(&format!("action=\"{action}\"")))
        .unwrap_or_else(|| panic!("no form to {action} in {}", page.body));
    let value = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = form.find(&marker).expect(name) + marker.len();
        form[start..start + form[start..].find('"').unwrap()].to_owned()
    };
    (value("csrf"), value("once"))
}

/// Sends the form of `from` that posts to `action` twice at the same time, with `fields`.
async fn twice_at_once(
    client: &TestClient,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (Page, Page) {
    let page = client.get(from).await;
    let (csrf, once) = form_tokens(&page, action);
    let mut all = fields.to_vec();
    all.push(("csrf", &csrf));
    all.push(("once", &once));
    tokio::join!(
        client.post_form(action, &all),
        client.post_form(action, &all)
    )
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_guest_created_twice_at_once_exists_once() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let operator = app.signed_in(&world.operator).await;
    let last_day = ent_node::domain::SchoolYear::containing(app.state.clock.today())
        .last_day()
        .format("%Y-%m-%d")
        .to_string();
    let fields = [
        ("first_name", "Paul"),
        ("last_name", "Martin"),
        ("last_day", last_day.as_str()),
    ];
    let (a, b) = twice_at_once(&operator, "/admin/invites", "/admin/invites", &fields).await;
    let created = count(
        &app,
        "SELECT COUNT(*) FROM users WHERE first_name = 'Paul' AND last_name = 'Martin'",
    )
    .await;
    assert_eq!(created, 1, "paul.martin and paul.martin2: {a:?} {b:?}");
    let mut statuses = [a.status, b.status];
    statuses.sort();
    // The code is shown once (by the first); the second says the form was already sent.
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let replay = if a.status == StatusCode::CONFLICT {
        &a
    } else {
        &b
    };
    assert!(replay.body.contains("déjà été envoyé"), "{}", replay.body);
    assert!(replay.issued_code().is_none());
}

#[tokio::test]
async fn a_group_created_twice_at_once_exists_once_and_both_land_on_it() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let director = app.signed_in(&world.director).await;
    let fields = [("school_id", world.school_id.as_str()), ("name", "Chorale")];
    let (a, b) = twice_at_once(&director, "/groupes", "/groupes", &fields).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM groups WHERE name = 'Chorale'").await,
        1
    );
    assert!(a.status.is_redirection(), "{a:?}");
    assert_eq!(
        a.location, b.location,
        "the replay goes where the first went"
    );
    // A reload after the fact (the browser sends the same form again) does nothing either.
    let page = director.get("/groupes").await;
    let (csrf, once) = form_tokens(&page, "/groupes");
    let mut all = fields.to_vec();
    all.extend([("csrf", csrf.as_str()), ("once", once.as_str())]);
    let first = director.post_form("/groupes", &all).await;
    let again = director.post_form("/groupes", &all).await;
    assert_eq!(
        first.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "name taken: {first:?}"
    );
    // A refused form releases its token: sending it again runs again (and is refused again).
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{again:?}");
    let other = [("school_id", world.school_id.as_str()), ("name", "Théâtre")];
    let page = director.get("/groupes").await;
    let (csrf, once) = form_tokens(&page, "/groupes");
    let mut all = other.to_vec();
    all.extend([("csrf", csrf.as_str()), ("once", once.as_str())]);
    let first = director.post_form("/groupes", &all).await;
    let reload = director.post_form("/groupes", &all).await;
    assert!(first.status.is_redirection(), "{first:?}");
    assert_eq!(
        (reload.status, &reload.location),
        (first.status, &first.location)
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM groups WHERE name = 'Théâtre'").await,
        1
    );
}

#[tokio::test]
async fn a_post_sent_twice_at_once_is_written_once() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let created = teacher
        .submit(
            "/espaces",
            "/espaces",
            &[("title", "Sciences"), ("description", "")],
        )
        .await;
    let space = created.location.expect("space created");
    let action = format!("{space}/messages");
    let fields = [("content", "Les haricots ont germé !")];
    let (a, b) = twice_at_once(&teacher, &space, &action, &fields).await;
    assert!(
        a.redirects_to(&space) && b.redirects_to(&space),
        "{a:?} {b:?}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM space_posts WHERE content LIKE '%haricots%'"
        )
        .await,
        1
    );
}
