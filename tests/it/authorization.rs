//! Every route × every profile, against the rules of `node/src/policy.rs`.
//!
//! One table: a row per route, one expected outcome per profile. Each profile runs all rows
//! with one signed-in client (and one API token), forms carry that session's valid token so
//! the policy is what is exercised, and every mismatch is listed before the test fails once.

use ent_node::domain::Uai;
use ent_node::groups::store as groups;
use ent_tests::client::Page;
use ent_tests::{PASSWORD, TestApp, TestClient, World, spawn_app};
use reqwest::StatusCode;

/// What a profile gets on a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// 2xx, or a redirect elsewhere than the sign-in page.
    Allow,
    /// 403.
    Deny,
    /// Redirect to `/connexion` (browser routes) or 401 (API).
    SignIn,
    /// Not exercised for this profile.
    NotApplicable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
    /// `GET /api/v1…` with the profile's bearer token.
    Api,
}

use Method::{Api, Get, Post};

/// Columns of the table, in order.
const PROFILES: [&str; 10] = [
    "anonymous",
    "pupil",
    "parent",
    "teacher",
    "other teacher",
    "director",
    "staff",
    "inspector",
    "guest",
    "operator",
];

/// `(method, path template, form fields, expected per profile)`; expectations are one letter
/// per column of [`PROFILES`]: `A` allow, `D` deny, `S` sign in, `-` not applicable.
/// Placeholders: `{class_a}`, `{class_b}`, `{school}`, `{pupil}`, `{parent}`, `{new_uai}`,
/// `{group}` (a group of the school whose only member is the parent), `{own_group}` (a group
/// only this profile's row may delete) and `{column}` (the profile's column number).
type Row = (
    Method,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    //                                                                        an pu pa te ot di st in gu op
    (Get,  "/",                                              &[],             "S  A  A  A  A  A  A  A  A  A"),
    (Get,  "/portail",                                       &[],             "S  A  A  A  A  A  A  A  A  A"),
    (Get,  "/aide",                                          &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/compte",                                        &[],             "S  A  A  A  A  A  A  A  A  A"),
    (Get,  "/connexion",                                     &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/activation",                                    &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/mot-de-passe-oublie",                           &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/static/ent.css",                                &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/favicon.svg",                                   &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/healthz",                                       &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/readyz",                                        &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/metrics",                                       &[],             "A  A  A  A  A  A  A  A  A  A"),
    (Get,  "/static/sheets.css",                             &[],             "A  A  A  A  A  A  A  A  A  A"),
    // ViewClass: operator, director of the school, teacher / pupil of the class, parent of a pupil.
    (Get,  "/classes/{class_a}",                             &[],             "S  A  A  A  D  A  D  D  D  A"),
    (Get,  "/classes/{class_b}",                             &[],             "S  D  D  D  A  A  D  D  D  A"),
    // ManageSchools / ManageUsers: the operator only.
    (Get,  "/admin/ecoles",                                  &[],             "S  D  D  D  D  D  D  D  D  A"),
    (Get,  "/admin/ecoles/{school}",                         &[],             "S  D  D  D  D  D  D  D  D  A"),
    (Get,  "/admin/utilisateurs",                            &[],             "S  D  D  D  D  D  D  D  D  A"),
    (Get,  "/admin/utilisateurs/{pupil}",                    &[],             "S  D  D  D  D  D  D  D  D  A"),
    // ManageFederation: the operator only (this node has no link: sending a notice is a 404
    // for the operator, tested with linked nodes in federation_admin.rs).
    (Get,  "/admin/federation",                              &[],             "S  D  D  D  D  D  D  D  D  A"),
    (Post, "/admin/federation/avis",
        &[("title", "Avis"), ("content", "Texte")],                          "S  D  D  D  D  D  D  D  D  -"),
    // ManageClass: operator, director, teacher of the class.
    (Post, "/classes/{class_a}/fiches",                      &[],             "S  D  D  A  D  A  D  D  D  A"),
    (Post, "/classes/{class_b}/fiches",                      &[],             "S  D  D  D  A  A  D  D  D  A"),
    // Renewing a class's codes: ManageClass (the first tap only asks).
    (Post, "/classes/{class_a}/fiches/renouveler",           &[],             "S  D  D  A  D  A  D  D  D  A"),
    // RegenerateCode: ManageClass, and the account is a pupil of the class or a parent of one.
    // A new code also ends the account's password and sessions: the pupil and parent columns
    // run before the first column allowed to do it.
    (Post, "/classes/{class_a}/comptes/{pupil}/code",        &[],             "S  D  D  A  D  A  D  D  D  A"),
    (Post, "/classes/{class_a}/comptes/{parent}/code",       &[],             "S  D  D  A  D  A  D  D  D  A"),
    (Post, "/classes/{class_b}/comptes/{pupil}/code",        &[],             "S  D  D  D  D  D  D  D  D  D"),
    (Post, "/admin/ecoles",
        &[("uai", "{new_uai}"), ("name", "École du Parc"), ("kind", "elementaire")],  "S  D  D  D  D  D  D  D  D  A"),
    // Reactivating keeps the pupil active for the rows (and profiles) that follow.
    (Post, "/admin/utilisateurs/{pupil}/etat", &[("active", "1")],            "S  D  D  D  D  D  D  D  D  A"),
    (Post, "/admin/utilisateurs/{pupil}/code",               &[],             "S  D  D  D  D  D  D  D  D  A"),
    // UseApi, then ViewClass through the API (before the password change below, which voids
    // the API tokens issued until then).
    (Api,  "/me",                                            &[],             "S  A  A  A  A  A  A  A  A  A"),
    (Api,  "/classes/{class_a}",                             &[],             "S  A  A  A  D  A  D  D  D  A"),
    (Api,  "/classes/{class_b}",                             &[],             "S  D  D  D  A  A  D  D  D  A"),
    // ManageOwnAccount: the same password again keeps every later sign-in valid.
    (Post, "/compte/mot-de-passe",
        &[("current", PASSWORD), ("password", PASSWORD), ("confirmation", PASSWORD)], "S  A  A  A  A  A  A  A  A  A"),
    // Groups: every signed-in user lists theirs; ManageGroups: operator, director and teachers
    // of the school; ViewGroup: ManageGroups or member.
    (Get,  "/groupes",                                       &[],             "S  A  A  A  A  A  A  A  A  A"),
    (Post, "/groupes",
        &[("school_id", "{school}"), ("name", "Projet {column}")],          "S  D  D  A  A  A  D  D  D  A"),
    (Get,  "/groupes/{group}",                               &[],             "S  D  A  A  A  A  D  D  D  A"),
    (Post, "/groupes/{group}/membres",
        &[("class_id", "{class_a}"), ("who", "parents")],                    "S  D  D  A  A  A  D  D  D  A"),
    (Post, "/groupes/{group}/membres/{pupil}/retirer",       &[],             "S  D  D  A  A  A  D  D  D  A"),
    (Post, "/groupes/{own_group}/supprimer",                 &[],             "S  D  D  A  A  A  D  D  D  A"),
];

fn expected(row: &Row) -> Vec<Outcome> {
    let outcomes: Vec<Outcome> = row
        .3
        .split_whitespace()
        .map(|cell| match cell {
            "A" => Outcome::Allow,
            "D" => Outcome::Deny,
            "S" => Outcome::SignIn,
            "-" => Outcome::NotApplicable,
            other => panic!("unknown outcome {other:?} in row {}", row.1),
        })
        .collect();
    assert_eq!(
        outcomes.len(),
        PROFILES.len(),
        "row {} needs one outcome per profile",
        row.1
    );
    outcomes
}

/// The world and the fixtures the placeholders name.
struct Fixtures {
    world: World,
    new_uai: String,
    group: String,
    /// One disposable group per column.
    own_groups: Vec<String>,
}

impl Fixtures {
    async fn build(app: &TestApp) -> Self {
        let world = World::build(&app.state).await;
        let (db, now) = (&app.state.db, app.state.clock.now());
        let create = async |name: String| {
            groups::create(db, &world.school_id, &name, &world.operator.id, now)
                .await
                .unwrap()
                .expect("new group")
        };
        let group = create("Parents des CM2".to_owned()).await;
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(&group)
            .bind(&world.parent.id)
            .execute(db.pool())
            .await
            .unwrap();
        let mut own_groups = Vec::new();
        for column in 0..PROFILES.len() {
            own_groups.push(create(format!("Jetable {column}")).await);
        }
        let new_uai = Uai::from_number(7_654_321).to_string();
        Self {
            world,
            new_uai,
            group,
            own_groups,
        }
    }

    fn fill(&self, template: &str, column: usize) -> String {
        let world = &self.world;
        template
            .replace("{class_a}", &world.class_a)
            .replace("{class_b}", &world.class_b)
            .replace("{school}", &world.school_id)
            .replace("{pupil}", &world.pupil.id)
            .replace("{parent}", &world.parent.id)
            .replace("{new_uai}", &self.new_uai)
            .replace("{own_group}", &self.own_groups[column])
            .replace("{group}", &self.group)
            .replace("{column}", &column.to_string())
    }
}

/// What a browser response means, or `Err` with what was unexpected.
fn classify(page: &Page) -> Result<Outcome, String> {
    let status = page.status;
    if status.is_success() {
        return Ok(Outcome::Allow);
    }
    match (status, page.location.as_deref()) {
        (StatusCode::SEE_OTHER, Some("/connexion")) => Ok(Outcome::SignIn),
        (StatusCode::SEE_OTHER, Some(_)) => Ok(Outcome::Allow),
        (StatusCode::UNAUTHORIZED, _) => Ok(Outcome::SignIn),
        (StatusCode::FORBIDDEN, _) => Ok(Outcome::Deny),
        (other, location) => Err(format!("{other} {}", location.unwrap_or(""))),
    }
}

fn classify_api(status: StatusCode) -> Result<Outcome, String> {
    match status {
        s if s.is_success() => Ok(Outcome::Allow),
        StatusCode::UNAUTHORIZED => Ok(Outcome::SignIn),
        StatusCode::FORBIDDEN => Ok(Outcome::Deny),
        other => Err(other.to_string()),
    }
}

/// Runs every row as one profile; returns the mismatches.
async fn run_profile(
    column: usize,
    client: &TestClient,
    token: Option<&str>,
    fixtures: &Fixtures,
) -> Vec<String> {
    // Anonymous clients have no session token: a dummy one shows the policy answers first.
    let csrf = match token {
        Some(_) => client.session_csrf().await,
        None => "sans-session".to_owned(),
    };
    let mut mismatches = Vec::new();
    for row in TABLE {
        let want = expected(row)[column];
        if want == Outcome::NotApplicable {
            continue;
        }
        let path = fixtures.fill(row.1, column);
        let got = match row.0 {
            Get => classify(&client.get(&path).await),
            Post => {
                let values: Vec<(String, String)> = row
                    .2
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), fixtures.fill(v, column)))
                    .collect();
                let mut fields: Vec<(&str, &str)> = values
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                fields.push(("csrf", &csrf));
                classify(&client.post_form(&path, &fields).await)
            }
            Api => classify_api(client.api_get_as(&path, token).await.0),
        };
        if got.as_ref() != Ok(&want) {
            let method = format!("{:?}", row.0).to_uppercase();
            let got = got.map_or_else(|unexpected| unexpected, |outcome| format!("{outcome:?}"));
            mismatches.push(format!(
                "{:<14} {method:<4} {:<45} expected {want:?}, got {got}",
                PROFILES[column], row.1
            ));
        }
    }
    mismatches
}

#[tokio::test]
async fn every_route_answers_every_profile_as_the_policy_says() {
    let app = spawn_app().await;
    let fixtures = Fixtures::build(&app).await;
    let world = &fixtures.world;
    let mut mismatches = run_profile(0, &app.client(), None, &fixtures).await;
    for (index, (name, person)) in world.profiles().into_iter().enumerate() {
        assert_eq!(
            PROFILES[index + 1],
            name,
            "World::profiles follows the table's columns"
        );
        let client = app.client();
        assert!(
            client
                .sign_in(&person.identifier, PASSWORD)
                .await
                .redirects_to("/portail"),
            "{name} signs in"
        );
        let (status, token) = client.api_token(&person.identifier, PASSWORD).await;
        let token = token.unwrap_or_else(|| panic!("{name} gets an API token: {status}"));
        mismatches.extend(run_profile(index + 1, &client, Some(&token), &fixtures).await);
    }
    let active: i64 = sqlx::query_scalar("SELECT active FROM users WHERE id = $1")
        .bind(&world.pupil.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(active, 1, "the state row reactivates, never deactivates");
    assert!(
        mismatches.is_empty(),
        "{} authorization mismatch(es):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    app.stop().await;
}
