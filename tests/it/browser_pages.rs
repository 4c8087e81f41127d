//! Everyday pages in headless Chromium that the other browser tests do not reach, each checked
//! by axe-core and at 320 px wide (see `Browser::check_page`); and "Se connecter avec mon ENT"
//! driven by a real browser between two linked nodes, redirects and CSP included. Skipped
//! with a message when Chromium, chromedriver or axe-core are missing, except in CI.

use ent_tests::browser::{self, Browser, Options, VIEWPORT};
use ent_tests::federation::spawn_linked;
use ent_tests::guests::admit_to_a_space;
use ent_tests::{PASSWORD, World, spawn_app};

/// A long identifier and long names, as real families have: nothing may widen the page.
const LONG_IDENTIFIER: &str = "marie-charlotte.de-la-villemarque-dupont-aignan";

#[tokio::test]
async fn a_long_identifier_and_long_names_fit_a_small_phone() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    sqlx::query(
        "UPDATE users SET identifier = $1, first_name = 'Marie-Charlotte', \
         last_name = 'De La Villemarqué-Dupont-Aignan' WHERE id = $2",
    )
    .bind(LONG_IDENTIFIER)
    .bind(&world.parent.id)
    .execute(app.state.db.pool())
    .await
    .expect("long names");
    sqlx::query("UPDATE schools SET name = 'École élémentaire publique Jean-de-La-Fontaine-et-Charles-Perrault'")
        .execute(app.state.db.pool())
        .await
        .expect("long school name");
    let browser = Browser::start(&tools, &app.base_url).await;

    browser.sign_in(LONG_IDENTIFIER, PASSWORD).await;
    browser.follow_link("Mon compte").await;
    assert!(browser.body_text().await.contains(LONG_IDENTIFIER));
    browser.goto("/portail").await;
    let text = browser.body_text().await;
    assert!(
        text.contains("Mes enfants") && text.contains("Paul Durand"),
        "{text}"
    );
    browser.sign_out().await;

    // The director's portal lists every class of the school.
    browser.sign_in(&world.director.identifier, PASSWORD).await;
    browser.follow_link("CM1 B").await;
    assert_eq!(browser.path().await, format!("/classes/{}", world.class_b));
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn pages_not_reached_elsewhere_pass_axe_and_fit_320_px() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    // What issue 10's pages show only in some states: a delayed account, an import's question
    // about a parent's child.
    let now = app.state.clock.now();
    sqlx::query(
        "INSERT INTO sign_in_throttle (subject, attempts, last_at, blocked_until) \
         VALUES ($1, 6, $2, $3)",
    )
    .bind(format!("account:{}", world.parent.identifier))
    .bind(now)
    .bind(now + 600)
    .execute(app.state.db.pool())
    .await
    .expect("delayed account");
    let pool = app.state.db.pool();
    sqlx::query(
        "INSERT INTO guardian_link_questions (id, school_id, parent_id, child_key, child_label, \
         asked_at) VALUES ('question', $1, $2, 'martin lea cm2 a', 'Léa Martin (CM2 A)', $3)",
    )
    .bind(&world.school_id)
    .bind(&world.parent.id)
    .bind(now)
    .execute(pool)
    .await
    .expect("question");
    sqlx::query(
        "INSERT INTO guardian_link_candidates (question_id, child_id) VALUES ('question', $1)",
    )
    .bind(&world.pupil.id)
    .execute(pool)
    .await
    .expect("candidate");
    let browser = Browser::start(&tools, &app.base_url).await;

    browser.goto("/connexion").await;
    browser.follow_link("Mot de passe oublié ?").await;
    let text = browser.body_text().await;
    assert!(
        text.contains("Demande une nouvelle fiche à ton enseignant"),
        "{text}"
    );
    browser.follow_link("Première connexion (adultes)").await;
    assert!(
        browser
            .body_text()
            .await
            .contains("Recopiez votre identifiant")
    );

    browser.sign_in(&world.operator.identifier, PASSWORD).await;
    for path in ["/admin/journal", "/admin/invites", "/groupes", "/aide"] {
        browser.goto(path).await;
    }
    browser
        .goto(&format!("/admin/ecoles/{}/personnel", world.school_id))
        .await;
    browser.goto("/admin/utilisateurs").await;
    let users = browser.body_text().await;
    assert!(users.contains(&world.parent.identifier), "{users}");
    // The journal filtered by kind, person and days (around today, whatever the time zone).
    let today = app.state.clock.today();
    let (from, to) = (today.pred_opt().unwrap(), today.succ_opt().unwrap());
    browser
        .goto(&format!(
            "/admin/journal?type=comptes&qui=Martin&du={from}&au={to}"
        ))
        .await;
    browser.sign_out().await;
    // A local guest with long names: the page with their code fits too.
    browser.sign_in(&world.director.identifier, PASSWORD).await;
    browser.goto("/admin/invites").await;
    browser.fill("#first_name", "Marie-Charlotte").await;
    browser
        .fill("#last_name", "De La Villemarqué-Dupont-Aignan")
        .await;
    // A date field's typing depends on the locale: set its value as a date picker would.
    let last_day = "const d = document.getElementById('last_day'); d.value = d.max;";
    browser
        .client()
        .execute(last_day, vec![])
        .await
        .expect("last day set");
    browser
        .click_through("form[action=\"/admin/invites\"] button[type=submit]")
        .await;
    assert!(browser.body_text().await.contains("Compte invité créé"));
    browser.sign_out().await;
    browser.sign_in(&world.teacher.identifier, PASSWORD).await;
    // The class page asks which child the parent is responsible for.
    browser.goto(&format!("/classes/{}", world.class_a)).await;
    let class = browser.body_text().await;
    assert!(class.contains("Léa Martin (CM2 A)"), "{class}");
    // Closing a space asks once more; the closed space is then listed for 30 days.
    browser.goto("/espaces").await;
    browser.fill("#title", "Atelier du mardi").await;
    browser
        .click_through("form[action=\"/espaces\"] button[type=submit]")
        .await;
    browser.click_through("button[name=\"close\"]").await;
    assert!(
        browser
            .body_text()
            .await
            .contains("Fermer « Atelier du mardi » ?")
    );
    browser.click_through("button.danger.big").await;
    browser.goto("/espaces/fermes").await;
    assert!(browser.body_text().await.contains("Atelier du mardi"));
    // Deleting a group asks once more.
    browser.goto("/groupes").await;
    browser.fill("#name", "Chorale").await;
    browser
        .click_through("form[action=\"/groupes\"] button[type=submit]")
        .await;
    browser
        .click_through("form[action$=\"/supprimer\"] button")
        .await;
    assert!(browser.body_text().await.contains("Chorale"));
    browser.sign_out().await;
    browser.sign_in(&world.pupil.identifier, PASSWORD).await;
    // A page that does not exist speaks to a pupil neutrally, and fits too.
    browser.goto("/espaces/inconnu").await;
    assert!(!browser.body_text().await.contains("vous"));
    browser.goto("/aide").await;
    assert!(
        browser
            .body_text()
            .await
            .contains("Demande une nouvelle fiche")
    );

    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_guest_signs_in_through_their_own_ent_in_a_real_browser() {
    let Some(tools) = browser::tools() else {
        return;
    };
    const HOST: usize = 0;
    const HOME: usize = 1;
    let linked = spawn_linked(&["college.test", "ecole.test"], &[(HOST, HOME)]).await;
    let (host, home) = (linked.node(HOST), linked.node(HOME));
    let world = World::build(&home.state).await;
    admit_to_a_space(host, home, &world.pupil.id).await;
    let browser =
        Browser::start_with(&tools, &host.base_url, &Options::linked(&linked, VIEWPORT)).await;

    browser.goto("/connexion").await;
    browser.follow_link("Se connecter avec mon ENT").await;
    // The form's POST is answered by a redirect to the home node: the page's CSP must let
    // the browser follow it (Chromium applies form-action to redirects).
    browser.click_through("main button[type=submit]").await;
    let at = |url: url::Url| url.host_str().unwrap_or_default().to_owned();
    let url = browser.client().current_url().await.expect("url");
    assert_eq!(
        (at(url.clone()), url.path()),
        ("ecole.test".into(), "/connexion")
    );
    browser.fill("#identifier", &world.pupil.identifier).await;
    browser.fill("#password", PASSWORD).await;
    browser.click_through("main button[type=submit]").await;
    assert_eq!(browser.path().await, "/federation/login/authorize");
    assert!(browser.body_text().await.contains("Léa M."));
    browser.click_through("button[value=autoriser]").await;
    let url = browser.client().current_url().await.expect("url");
    assert_eq!(
        (at(url.clone()), url.path()),
        ("college.test".into(), "/portail")
    );
    assert!(browser.body_text().await.contains("Léa M."));

    browser.close().await;
    drop(linked);
}
