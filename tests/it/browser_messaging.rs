//! The mailbox pages in headless Chromium: each page reached is checked by axe-core and at
//! 320 px wide (`Browser::check_page`), for a teacher on a phone and a desktop, the director on a
//! desktop (the full view) and a pupil (the simple, large one), without JavaScript being needed
//! to write. With `ENT_SCREENSHOTS_DIR` set, it also takes the screenshots of the user guide
//! `docs/messagerie.md`.

use ent_tests::browser::{self, Browser, DESKTOP, Options};
use ent_tests::messaging::{person, send, sent_id};
use ent_tests::{PASSWORD, World, spawn_app};

/// What a documentation screenshot of a whole page covers: the top bar and the page's content.
const PAGE: &str = "header.top, main";

#[tokio::test]
async fn mailbox_pages_pass_axe_and_fit_320_px() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    // Something in each folder, with a long subject that must wrap.
    let parent = app.signed_in(&w.parent).await;
    let teacher_code = person(&w.teacher.id);
    let received = sent_id(
        &send(
            &parent,
            &[&teacher_code],
            "Une question sur la sortie scolaire du jeudi au musée départemental d'archéologie",
            "Bonjour,\n\nFaut-il un **pique-nique** ?",
            &[],
        )
        .await,
    );
    let director = app.signed_in(&w.director).await;
    send(
        &director,
        &[&teacher_code],
        "Conseil des maîtres jeudi à 17 h",
        "Ordre du jour : la kermesse et les **sorties de printemps**.",
        &[],
    )
    .await;
    let browser = Browser::start(&tools, &app.base_url).await;
    browser.sign_in(&w.teacher.identifier, PASSWORD).await;
    browser.follow_link("Messagerie · 2 non lus").await;
    browser.doc_screenshot_of("messagerie-recus", PAGE).await;
    browser.goto(&format!("/messagerie/{received}")).await;
    browser.doc_screenshot_of("messagerie-lire", PAGE).await;
    browser
        .goto(&format!("/messagerie/ecrire?repondre={received}"))
        .await;
    browser.doc_screenshot_of("messagerie-repondre", PAGE).await;
    browser
        .click_through("button[name=action][value=envoyer]")
        .await;
    for folder in ["envoyes", "brouillons", "corbeille"] {
        browser.goto(&format!("/messagerie?dossier={folder}")).await;
    }
    browser.goto("/messagerie?q=musee").await;
    assert!(browser.body_text().await.contains("musée"));
    browser
        .doc_screenshot_of("messagerie-recherche", PAGE)
        .await;
    browser.goto("/messagerie").await;
    browser
        .doc_screenshot_of(
            "messagerie-mes-classes",
            "section[aria-labelledby=class-options]",
        )
        .await;
    // In the evening, a message to a family is held until 07:00 (droit à la déconnexion).
    ent_tests::messaging::move_to(&app, 1, 19, 30);
    browser.sign_out().await;
    browser.sign_in(&w.teacher.identifier, PASSWORD).await;
    browser.goto("/messagerie/ecrire").await;
    browser
        .click(&format!("input[value='{}']", person(&w.parent.id)))
        .await;
    browser.fill("#subject", "Cahier oublié").await;
    browser
        .fill(
            "#body",
            "Bonsoir, Léa a oublié son cahier de poésie sur sa table.",
        )
        .await;
    browser
        .click_through("button[name=action][value=envoyer]")
        .await;
    let held = browser.body_text().await;
    assert!(held.contains("sera remis"), "{held}");
    browser.doc_screenshot_of("messagerie-retenu", PAGE).await;
    browser.sign_out().await;
    ent_tests::messaging::to_tuesday_morning(&app);

    // On a desktop: the teacher's pages and the director's compose page (school-wide audiences,
    // "urgent").
    let options = Options {
        viewport: DESKTOP,
        ..Options::default()
    };
    let desk = Browser::start_with(&tools, &app.base_url, &options).await;
    desk.sign_in(&w.teacher.identifier, PASSWORD).await;
    desk.goto("/messagerie").await;
    desk.goto(&format!("/messagerie/{received}")).await;
    desk.goto("/messagerie/ecrire").await;
    desk.goto("/messagerie/a-valider").await;
    desk.goto("/messagerie?dossier=envoyes").await;
    desk.sign_out().await;
    desk.sign_in(&w.director.identifier, PASSWORD).await;
    desk.goto("/messagerie/ecrire").await;
    let text = desk.body_text().await;
    assert!(text.contains("Urgent"), "{text}");
    desk.doc_screenshot_of("messagerie-direction-ecrire", PAGE)
        .await;
    desk.close().await;

    // The pupil's simple view: "tu", large targets, the teacher offered.
    browser.sign_in(&w.pupil.identifier, PASSWORD).await;
    browser.follow_link("Messagerie").await;
    browser.goto("/messagerie/ecrire").await;
    let text = browser.body_text().await;
    assert!(
        text.contains("À qui j'écris ?") && text.contains("Paul Durand"),
        "{text}"
    );
    browser.doc_screenshot("messagerie-eleve-ecrire").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn the_director_s_class_options_page_passes_axe_and_works_without_javascript() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let browser = Browser::start(&tools, &app.base_url).await;
    browser.sign_in(&w.director.identifier, PASSWORD).await;
    browser.goto("/messagerie").await;
    browser
        .follow_link("Messagerie des classes de l'école : les élèves s'écrivent-ils entre eux ?")
        .await;
    browser.doc_screenshot("messagerie-classes").await;
    // Class A: pupils write to each other after a teacher's validation.
    browser.click(&format!("#c{}-valide", w.class_a)).await;
    browser
        .click_through(&format!(
            "form[action='/messagerie/classes/{}/entre-eleves'] button[type=submit]",
            w.class_a
        ))
        .await;
    assert_eq!(browser.path().await, "/messagerie/classes");
    assert!(browser.body_text().await.contains("est enregistrée"));
    let saved: (i64, i64) = sqlx::query_as(
        "SELECT pupils_write_classmates, moderated FROM class_messaging WHERE class_id = $1",
    )
    .bind(&w.class_a)
    .fetch_one(app.state.db.pool())
    .await
    .expect("options");
    assert_eq!(saved, (1, 1));
    browser.close().await;
    app.stop().await;
}
