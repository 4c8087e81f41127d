//! "Se connecter avec mon ENT" between two real linked nodes over TLS: the host (a collège)
//! and the home node (an école). The browser's redirects are driven by hand, one client per
//! node, as a browser holds one cookie jar per site.

use ent_node::guests::token::{LIFETIME_SECS, LoginClaims};
use ent_tests::client::Page;
use ent_tests::federation::{Linked, spawn_linked};
use ent_tests::guests::{
    self, actor_url, admit_to_a_space, approval, audited, choose, decide, mint, path_of, unescape,
};
use ent_tests::world::Person;
use ent_tests::{TestClient, World};

const HOST: usize = 0;
const HOME: usize = 1;

/// The host and the home node, linked, with the home node's people; a third node, when
/// named, is linked to the home node only.
async fn pair(names: &[&str]) -> (Linked, World) {
    let pairs: &[(usize, usize)] = match names.len() {
        2 => &[(HOST, HOME)],
        _ => &[(HOST, HOME), (HOME, 2)],
    };
    let linked = spawn_linked(names, pairs).await;
    let world = World::build(&linked.node(HOME).state).await;
    (linked, world)
}

/// On the host: asks to sign in through the home node; the request's path there and its nonce.
async fn request(linked: &Linked, browser: &TestClient) -> (String, String) {
    guests::request(browser, &linked.domains[HOME]).await
}

/// The whole trip for `person`: the path of the way back on the host, with its token.
async fn trip(linked: &Linked, host: &TestClient, home: &TestClient, person: &Person) -> String {
    let domains = (linked.domains[HOST].as_str(), linked.domains[HOME].as_str());
    guests::trip(host, home, domains, person).await
}

/// Claims as the home node would make them for `person`, for the request `nonce`.
async fn claims(linked: &Linked, person: &Person, nonce: &str) -> LoginClaims {
    let home = linked.node(HOME);
    let (sub, name) = actor_url(home, &person.id).await;
    let now = home.state.clock.now();
    LoginClaims {
        iss: linked.domains[HOME].clone(),
        sub,
        aud: linked.domains[HOST].clone(),
        exp: now + LIFETIME_SECS,
        iat: now,
        nonce: nonce.to_owned(),
        jti: uuid::Uuid::new_v4().to_string(),
        name,
        school: String::new(),
    }
}

/// Asserts a refusal page with `status` that says `words`.
fn refused(page: &Page, status: u16, words: &str) {
    assert_eq!(page.status, status, "{page:?}");
    let text = unescape(&page.body);
    assert!(text.contains("Connexion refusée"), "{text}");
    assert!(text.contains(words), "« {words} » absent : {text}");
}

#[tokio::test]
async fn a_guest_signs_in_on_the_host_through_their_own_ent() {
    let (linked, world) = pair(&["college.test", "ecole.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    let guest = admit_to_a_space(host, home, &world.pupil.id).await;
    let (on_host, on_home) = (host.client(), home.client());
    let sign_in = on_host.get("/connexion").await;
    assert!(
        sign_in.body.contains("href=\"/connexion/ent\""),
        "{}",
        sign_in.body
    );
    let choice = on_host.get("/connexion/ent").await;
    assert!(
        choice.body.contains(&linked.domains[HOME]),
        "{}",
        choice.body
    );

    // Declining sends nothing; the same request can still be approved.
    let (authorize, _) = request(&linked, &on_host).await;
    let page = approval(&on_home, &authorize, &world.pupil).await;
    assert!(
        // Léa is a pupil: the page says "tu".
        page.body.contains("demande à te connecter") && !page.body.contains("votre"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Léa M.") && page.body.contains("École des Tilleuls"));
    let declined = decide(&on_home, &page, "refuser").await;
    assert_eq!(declined.status, 200);
    assert!(declined.body.contains("Tu as refusé"), "{}", declined.body);
    let back = decide(&on_home, &page, "autoriser").await;
    let back = path_of(&back.location.expect("way back"));

    let kept_csrf = on_host.get("/connexion/ent").await.csrf();
    let landed = on_host.get(&back).await;
    assert!(landed.redirects_to("/portail"), "{landed:?}");
    let portal = on_host.get("/portail").await;
    assert_eq!(portal.status, 200);
    assert!(portal.body.contains("Léa M."), "{}", portal.body);
    assert_eq!(audited(host, "federated_login.accepted").await, 1);
    assert_eq!(audited(home, "federated_login.issued").await, 1);
    assert_eq!(audited(home, "federated_login.declined").await, 1);
    let actor: Option<String> = sqlx::query_scalar(
        "SELECT actor_id FROM audit_log WHERE action = 'federated_login.accepted'",
    )
    .fetch_one(host.state.db.pool())
    .await
    .unwrap();
    assert_eq!(actor.as_deref(), Some(guest.as_str()));
    // Once signed in at home, a second trip needs no password.
    let again = trip(&linked, &host.client(), &on_home, &world.pupil).await;
    assert!(again.contains("token="));
    // Through the browser that holds a host session already: that session ends, as signing in
    // with a password over a session does (a shared computer keeps no one's session open).
    let sessions = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
            .bind(&guest)
            .fetch_one(host.state.db.pool())
            .await
            .unwrap()
    };
    assert_eq!(sessions().await, 1);
    // The choice form, kept open from before the first sign-in, is sent again.
    let fields = [
        ("home", linked.domains[HOME].as_str()),
        ("csrf", &kept_csrf),
    ];
    let sent = on_host.post_form("/connexion/ent", &fields).await;
    let authorize = path_of(&sent.location.expect("sent home"));
    let page = approval(&on_home, &authorize, &world.pupil).await;
    let back = path_of(
        &decide(&on_home, &page, "autoriser")
            .await
            .location
            .expect("back"),
    );
    assert!(on_host.get(&back).await.redirects_to("/portail"));
    assert_eq!(sessions().await, 1, "the earlier session ended");
    assert_eq!(on_host.get("/portail").await.status, 200);
}

#[tokio::test]
async fn a_replayed_token_is_refused() {
    let (linked, world) = pair(&["college.test", "ecole.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    admit_to_a_space(host, home, &world.pupil.id).await;
    let on_host = host.client();
    let back = trip(&linked, &on_host, &home.client(), &world.pupil).await;
    assert!(on_host.get(&back).await.redirects_to("/portail"));
    refused(&on_host.get(&back).await, 400, "déjà été utilisé");
    refused(&host.client().get(&back).await, 400, "déjà été utilisé");
    assert_eq!(audited(host, "federated_login.accepted").await, 1);
    assert_eq!(audited(host, "federated_login.refused").await, 2);
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let (linked, world) = pair(&["college.test", "ecole.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    admit_to_a_space(host, home, &world.pupil.id).await;
    let on_host = host.client();
    let back = trip(&linked, &on_host, &home.client(), &world.pupil).await;
    host.state.clock.advance(LIFETIME_SECS + 1);
    refused(&on_host.get(&back).await, 400, "a expiré");
    assert!(on_host.get("/portail").await.redirects_to("/connexion"));
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let (linked, world) = pair(&["college.test", "ecole.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    admit_to_a_space(host, home, &world.pupil.id).await;
    let on_host = host.client();
    let (_, nonce) = request(&linked, &on_host).await;
    let mut claims = claims(&linked, &world.pupil, &nonce).await;
    claims.aud = "autre-college.test".into();
    let token = mint(&home.data_dir(), &claims);
    let page = on_host
        .get(&format!("/connexion/ent/retour?token={token}"))
        .await;
    refused(&page, 400, "pour un autre ENT");
    // The same claims for this host pass: only the audience was wrong.
    claims.aud = linked.domains[HOST].clone();
    let token = mint(&home.data_dir(), &claims);
    let page = on_host
        .get(&format!("/connexion/ent/retour?token={token}"))
        .await;
    assert!(page.redirects_to("/portail"), "{page:?}");
}

#[tokio::test]
async fn a_token_signed_by_an_unlinked_node_is_refused() {
    let (linked, world) = pair(&["college.test", "ecole.test", "inconnu.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    admit_to_a_space(host, home, &world.pupil.id).await;
    let on_host = host.client();
    let (_, nonce) = request(&linked, &on_host).await;
    let stranger = linked.node(2).data_dir();
    // The stranger under its own name: not a link of the host.
    let mut claims = claims(&linked, &world.pupil, &nonce).await;
    let own_name = LoginClaims {
        iss: linked.domains[2].clone(),
        sub: claims
            .sub
            .replace(&linked.domains[HOME], &linked.domains[2]),
        ..claims.clone()
    };
    let page = on_host
        .get(&format!(
            "/connexion/ent/retour?token={}",
            mint(&stranger, &own_name)
        ))
        .await;
    refused(&page, 403, "n'est pas lié");
    // The stranger posing as the home node: the pinned key does not verify it.
    claims.jti = uuid::Uuid::new_v4().to_string();
    let page = on_host
        .get(&format!(
            "/connexion/ent/retour?token={}",
            mint(&stranger, &claims)
        ))
        .await;
    refused(&page, 403, "signature");
    // Anonymous refusals are counted, not journaled (anyone can send them).
    assert_eq!(audited(host, "federated_login.refused").await, 0);
    let metrics = host.state.metrics.encode();
    for reason in ["unlinked_issuer", "bad_signature"] {
        let line = format!("ent_anonymous_refusals_total{{reason=\"{reason}\"}} 1");
        assert!(metrics.contains(&line), "{line} in {metrics}");
    }
}

#[tokio::test]
async fn an_unknown_or_inactive_link_cannot_be_chosen() {
    let (linked, world) = pair(&["college.test", "ecole.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    let on_host = host.client();
    refused(
        &choose(&on_host, "inconnu.test:4443").await,
        403,
        "n'est pas lié",
    );
    // The home node does not answer a node it is not linked with either.
    let on_home = home.signed_in(&world.pupil).await;
    let nonce = "c".repeat(48);
    let asked = on_home
        .get(&format!(
            "/federation/login/authorize?host=inconnu.test:4443&nonce={nonce}"
        ))
        .await;
    refused(&asked, 403, "n'est pas lié");
    // The convention ends (the host's clock passes its last day): the link is no longer offered.
    host.state.clock.advance(100 * 366 * 86_400);
    let choice = on_host.get("/connexion/ent").await;
    assert!(
        !choice.body.contains(&linked.domains[HOME]),
        "{}",
        choice.body
    );
    // No form is offered any more: post with the sign-in page's token, as a stale page would.
    let fields = [("home", linked.domains[HOME].as_str())];
    let stale = on_host
        .submit("/connexion", "/connexion/ent", &fields)
        .await;
    refused(&stale, 403, "pas active");
    assert_eq!(audited(host, "federated_login.refused").await, 0);
    let metrics = host.state.metrics.encode();
    assert!(
        metrics.contains("ent_anonymous_refusals_total{reason=\"unknown_link\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_user_in_no_space_of_the_host_is_refused() {
    let (linked, world) = pair(&["college.test", "ecole.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    let (on_host, on_home) = (host.client(), home.client());
    // No guest account at all.
    let back = trip(&linked, &on_host, &on_home, &world.teacher).await;
    refused(&on_host.get(&back).await, 403, "aucun espace");
    // A guest account that has expired.
    admit_to_a_space(host, home, &world.pupil.id).await;
    let peer = linked.domains[HOME].clone();
    let now = host.state.clock.now();
    ent_node::guests::store::expire(&host.state.db, None, Some(&peer), now)
        .await
        .unwrap();
    let (on_host, on_home) = (host.client(), home.client());
    let back = trip(&linked, &on_host, &on_home, &world.pupil).await;
    refused(&on_host.get(&back).await, 403, "aucun espace");
    assert_eq!(audited(host, "federated_login.accepted").await, 0);
}

/// Anyone may send a bogus home node: each refusal is counted (no journal row), and an address
/// refused too often is answered 429 at once, while another address is still served.
#[tokio::test]
async fn anonymous_refusals_are_counted_and_throttled_per_address() {
    let app = ent_tests::spawn_app().await;
    let client = app.client();
    let limit = ent_node::ops::refusals::PER_ADDRESS;
    for _ in 0..limit {
        refused(
            &client
                .submit("/connexion", "/connexion/ent", &[("home", "faux.test")])
                .await,
            403,
            "n'est pas lié",
        );
    }
    let throttled = client
        .submit("/connexion", "/connexion/ent", &[("home", "faux.test")])
        .await;
    assert_eq!(throttled.status, 429, "{throttled:?}");
    assert!(
        throttled.body.contains("Trop de tentatives"),
        "{}",
        throttled.body
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(rows, 0, "no journal row for anonymous refusals");
    let metrics = app.state.metrics.encode();
    let line = format!("ent_anonymous_refusals_total{{reason=\"unknown_link\"}} {limit}");
    assert!(metrics.contains(&line), "{line} in {metrics}");
    assert!(metrics.contains("ent_anonymous_refusals_total{reason=\"throttled\"} 1"));
    // The window passes: the address is served again.
    app.state
        .clock
        .advance(ent_node::ops::refusals::WINDOW_SECS);
    refused(
        &client
            .submit("/connexion", "/connexion/ent", &[("home", "faux.test")])
            .await,
        403,
        "n'est pas lié",
    );
    app.stop().await;
}

#[tokio::test]
async fn only_the_two_pages_that_lead_to_a_linked_node_let_their_form_go_there() {
    let (linked, world) = pair(&["college.test", "ecole.test"]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    let (on_host, on_home) = (host.client(), home.client());
    let csp = |page: &Page| {
        page.header("content-security-policy")
            .unwrap_or_default()
            .to_owned()
    };
    let form_action = |policy: &str| {
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("form-action"))
            .unwrap_or_default()
            .to_owned()
    };
    // The host's choice page: exactly the home nodes offered.
    let choice = on_host.get("/connexion/ent").await;
    assert_eq!(
        form_action(&csp(&choice)),
        format!("form-action 'self' https://{}", linked.domains[HOME])
    );
    // A refused choice is shown again with the same policy.
    let refused = guests::choose(&on_host, "").await;
    assert_eq!(refused.status, 422);
    assert_eq!(form_action(&csp(&refused)), form_action(&csp(&choice)));
    // The home node's approval page: exactly the asking node.
    let (authorize, _) = request(&linked, &on_host).await;
    let page = approval(&on_home, &authorize, &world.pupil).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        form_action(&csp(&page)),
        format!("form-action 'self' https://{}", linked.domains[HOST])
    );
    assert!(csp(&page).contains("frame-ancestors 'none'"));
    // An adult is asked with "vous".
    let (authorize, _) = request(&linked, &on_host).await;
    let adult = approval(&home.client(), &authorize, &world.teacher).await;
    assert!(
        adult.body.contains("demande à vous connecter"),
        "{}",
        adult.body
    );
    // Every other page keeps forms on the node itself.
    for (client, path) in [
        (&on_host, "/connexion"),
        (&on_home, "/portail"),
        (&on_home, "/compte"),
    ] {
        assert_eq!(
            form_action(&csp(&client.get(path).await)),
            "form-action 'self'",
            "{path}"
        );
    }
}
