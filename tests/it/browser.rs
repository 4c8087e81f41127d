//! The UI in headless Chromium: first sign-in, a teacher's new code, and axe-core on every page
//! reached (each navigation of a [`Browser`] runs axe-core and fails on serious or critical
//! violations). Skipped with a message when Chromium, chromedriver or axe-core are missing,
//! except in CI.

use ent_node::accounts::codes;
use ent_tests::browser::{self, Browser};
use ent_tests::{PASSWORD, TestApp, World, spawn_app};

/// The password a pupil chooses on the activation page.
const CHOSEN: &str = "mon-beau-cartable";

/// Makes an account wait for its first sign-in and returns a fresh code for it.
async fn pending_with_code(app: &TestApp, user_id: &str) -> String {
    sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1")
        .bind(user_id)
        .execute(app.state.db.pool())
        .await
        .expect("pending");
    let mut tx = app.state.db.begin_write().await.expect("tx");
    let issued = codes::issue(&mut tx, user_id, app.state.clock.now(), 60)
        .await
        .expect("code");
    tx.commit().await.expect("commit");
    issued.code
}

/// Fills the activation form (already open) and checks that the pupil's portal opened.
async fn activate(browser: &Browser, identifier: &str, code: &str) {
    assert_eq!(browser.path().await, "/activation");
    browser.fill("#identifier", identifier).await;
    browser.fill("#code", code).await;
    browser.fill("#password", CHOSEN).await;
    browser.fill("#confirmation", CHOSEN).await;
    browser.click_through("main button[type=submit]").await;
    assert_eq!(
        browser.path().await,
        "/portail",
        "{}",
        browser.body_text().await
    );
    let text = browser.body_text().await;
    assert!(text.contains("Bonjour Léa"), "{text}");
    assert!(text.contains("Ma classe"), "{text}");
}

#[tokio::test]
async fn a_pupil_activates_their_account_and_reaches_the_portal() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let code = pending_with_code(&app, &world.pupil.id).await;
    let browser = Browser::start(&tools, &app.base_url).await;

    browser.goto("/connexion").await;
    browser.follow_link("J'ai un code").await;
    browser.screenshot("activation").await;
    activate(&browser, &world.pupil.identifier, &code).await;
    browser.screenshot("portal-pupil").await;
    browser.follow_link("Ma classe").await;
    assert_eq!(browser.path().await, format!("/classes/{}", world.class_a));
    let text = browser.body_text().await;
    assert!(
        text.contains("CM2 A") && text.contains("Les élèves"),
        "{text}"
    );
    browser.screenshot("class-pupil").await;

    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_teacher_gives_a_pupil_a_new_code_that_activates_the_account() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = Browser::start(&tools, &app.base_url).await;

    teacher.sign_in(&world.teacher.identifier, PASSWORD).await;
    let tile = format!("a.tile[href=\"/classes/{}\"]", world.class_a);
    teacher.click_through(&tile).await;
    teacher
        .click_through("button[aria-label=\"Nouveau code pour Léa Martin\"]")
        .await;
    // Léa's account is activated: asked once more, in a page axe checks too.
    assert!(teacher.body_text().await.contains("déjà activé"));
    teacher.click_through("button.danger").await;
    let code = teacher.text("#issued-code").await;
    let shaped = code.len() == 9
        && code.chars().enumerate().all(|(i, c)| {
            if i == 4 {
                c == '-'
            } else {
                c.is_ascii_uppercase() || c.is_ascii_digit()
            }
        });
    assert!(shaped, "{code:?}");
    let identifier = teacher.text("#issued-identifier").await;
    assert_eq!(identifier, world.pupil.identifier);
    teacher.close().await;

    let pupil = Browser::start(&tools, &app.base_url).await;
    pupil.goto("/activation").await;
    activate(&pupil, &identifier, &code).await;
    pupil.close().await;
    app.stop().await;
}

#[tokio::test]
async fn the_accessibility_check_sees_violations() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let browser = Browser::start(&tools, &app.base_url).await;
    browser.goto("/aide").await;
    let image = "document.querySelector('main').insertAdjacentHTML('beforeend', \
                 '<img src=\"/favicon.svg\">');";
    browser
        .client()
        .execute(image, vec![])
        .await
        .expect("image added");
    let (blocking, _) = browser.accessibility_violations().await;
    let rules: Vec<&str> = blocking.iter().filter_map(|v| v["id"].as_str()).collect();
    assert!(rules.contains(&"image-alt"), "{rules:?}");
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn pages_before_sign_in_and_errors_pass_axe() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let browser = Browser::start(&tools, &app.base_url).await;

    for path in ["/connexion", "/activation", "/aide"] {
        browser.goto(path).await;
    }
    browser.goto("/nulle-part").await;
    assert!(browser.body_text().await.contains("404"));
    // Refused sign-in: the page with its alert.
    browser.goto("/connexion").await;
    browser.fill("#identifier", &world.pupil.identifier).await;
    browser.fill("#password", "pas-le-bon").await;
    browser.click_through("main button[type=submit]").await;
    assert!(
        browser
            .body_text()
            .await
            .contains("Identifiant ou mot de passe incorrect")
    );

    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn pupil_and_parent_pages_pass_axe() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let browser = Browser::start(&tools, &app.base_url).await;
    let class = format!("/classes/{}", world.class_a);

    for person in [&world.pupil, &world.parent] {
        browser.sign_in(&person.identifier, PASSWORD).await;
        for path in ["/portail", "/compte", "/aide", class.as_str()] {
            browser.goto(path).await;
        }
        assert!(!browser.body_text().await.contains("Nouveau code"));
        browser.sign_out().await;
    }

    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn teacher_and_director_pages_pass_axe() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    pending_with_code(&app, &world.pupil.id).await;
    let browser = Browser::start(&tools, &app.base_url).await;
    let class = format!("/classes/{}", world.class_a);

    browser.sign_in(&world.teacher.identifier, PASSWORD).await;
    for path in ["/portail", "/compte", class.as_str()] {
        browser.goto(path).await;
    }
    browser.screenshot("class-teacher").await;
    let print = format!("form[action=\"{class}/fiches\"] button");
    browser.click_through(&print).await;
    assert_eq!(browser.path().await, format!("{class}/fiches"));
    // Léa's code was given on a screen: printing leaves it alone and says so.
    assert!(browser.body_text().await.contains("code affiché à l'écran"));
    // Renewing the codes is a choice asked once more.
    browser
        .click_through(&format!(
            "form[action=\"{class}/fiches/renouveler\"] button"
        ))
        .await;
    assert!(
        browser
            .body_text()
            .await
            .contains("Renouveler le code de ce compte")
    );
    browser.click_through("button.danger").await;
    assert!(browser.body_text().await.contains(&world.pupil.identifier));
    browser.goto("/classes/inconnue").await;
    assert!(browser.body_text().await.contains("404"));
    browser.sign_out().await;

    browser.sign_in(&world.director.identifier, PASSWORD).await;
    for path in ["/portail", "/compte", class.as_str()] {
        browser.goto(path).await;
    }
    assert!(browser.body_text().await.contains("Nouveau code"));

    // Groups: list, create, fill from a class; each page checked by axe.
    browser.goto("/groupes").await;
    browser.fill("#name", "Parents des CM2").await;
    browser
        .click_through("form[action=\"/groupes\"] button")
        .await;
    assert!(browser.path().await.starts_with("/groupes/"));
    browser
        .click_through("form[action$=\"/membres\"] button")
        .await;
    assert!(
        browser
            .body_text()
            .await
            .contains("1 personne(s) ajoutée(s)")
    );
    // Removing a member is asked once more; "Non" changes nothing.
    browser
        .click_through("form[action*=\"/retirer\"] button")
        .await;
    assert!(browser.body_text().await.contains("Retirer"));
    browser.click_through("a.button.primary").await;
    assert!(browser.path().await.starts_with("/groupes/"));

    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn operator_pages_pass_axe() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let browser = Browser::start(&tools, &app.base_url).await;

    browser.sign_in(&world.operator.identifier, PASSWORD).await;
    let school = format!("/admin/ecoles/{}", world.school_id);
    let user = format!("/admin/utilisateurs/{}", world.pupil.id);
    let (school, user) = (school.as_str(), user.as_str());
    for path in [
        "/portail",
        "/compte",
        "/admin/ecoles",
        school,
        "/admin/utilisateurs",
        user,
    ] {
        browser.goto(path).await;
    }
    assert!(browser.body_text().await.contains(&world.pupil.identifier));
    browser.goto(&format!("/classes/{}", world.class_b)).await;

    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn the_linked_nodes_page_passes_axe() {
    let Some(tools) = browser::tools() else {
        return;
    };
    // A link whose peer is not reachable: the page shows it pending, with its reason.
    let app = ent_tests::spawn_app_with(|config| {
        config.links = vec![ent_config::LinkConfig {
            domain: "college-voltaire.test".into(),
            fingerprint: "ab".repeat(32),
            scopes: vec![ent_config::Scope::Spaces],
            guest_quota: 30,
            label: "Convention cycle 3 – collège Voltaire".into(),
            valid_from: "2020-01-01".into(),
            valid_until: "2099-12-31".into(),
            source: Default::default(),
        }];
    })
    .await;
    let world = World::build(&app.state).await;
    let browser = Browser::start(&tools, &app.base_url).await;
    browser.sign_in(&world.operator.identifier, PASSWORD).await;
    browser.goto("/admin/federation").await;
    assert!(browser.body_text().await.contains("collège Voltaire"));
    browser.fill("#title", "Maintenance samedi").await;
    browser
        .fill("#content", "Le serveur sera arrêté de 8 h à 12 h.")
        .await;
    browser
        .click_through("form[action='/admin/federation/avis'] button")
        .await;
    // The sent notice comes back as an editable form (its title is an input's value).
    let source = browser.client().source().await.unwrap();
    assert!(source.contains("value=\"Maintenance samedi\""), "{source}");
    browser.screenshot("federation-admin").await;
    browser.close().await;
    app.stop().await;
}
