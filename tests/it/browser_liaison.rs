//! Actualités and the cahier de liaison in headless Chromium: every new page is checked by
//! axe-core and at 320 px (`Browser::check_page`), for a teacher on a desktop, a parent and a
//! pupil on a phone; publishing, writing a mot and signing work without JavaScript. With
//! `ENT_SCREENSHOTS_DIR` set, it also takes the screenshots of `docs/vie-de-l-ecole.md`.

use ent_tests::browser::{self, Browser, DESKTOP, Options};
use ent_tests::liaison::{id_of, publish, write_mot};
use ent_tests::{PASSWORD, World, spawn_app};

/// What a documentation screenshot of a whole page covers: the top bar and the page's content.
const PAGE: &str = "header.top, main";

#[tokio::test]
async fn news_and_liaison_pages_pass_axe_and_fit_320_px() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let pupils = format!("eleves:{}", w.class_a);
    publish(
        &teacher,
        &[&pupils],
        "Les plantations du potager de la classe commencent jeudi après la récréation",
        &[("epingle", "oui")],
    )
    .await;
    let mot = id_of(
        &write_mot(
            &teacher,
            &w.class_a,
            &[],
            "Autorisation de sortie à la médiathèque départementale",
            "chaque",
        )
        .await,
        "/liaison/mots/",
    );
    let parent = app.signed_in(&w.parent).await;
    let absence = [
        ("eleve", w.pupil.id.as_str()),
        ("du", "2026-12-08"),
        ("au", "2026-12-09"),
        ("motif", "famille"),
        (
            "precisions",
            "Mariage dans la famille, retour mercredi matin.",
        ),
    ];
    parent
        .submit("/liaison/absence", "/liaison/absence", &absence)
        .await;

    // The teacher, on a desktop.
    let options = Options {
        viewport: DESKTOP,
        ..Options::default()
    };
    let desk = Browser::start_with(&tools, &app.base_url, &options).await;
    desk.sign_in(&w.teacher.identifier, PASSWORD).await;
    desk.follow_link("Actualités").await;
    desk.goto("/actualites/ecrire").await;
    desk.fill("#title", "Réunion de rentrée").await;
    desk.click(&format!("input[value='parents:{}']", w.class_a))
        .await;
    desk.doc_screenshot_of("actualites-ecrire", PAGE).await;
    desk.click_through("form.compose button[type=submit]").await;
    assert!(desk.body_text().await.contains("L'actualité est publiée."));
    desk.goto("/liaison").await;
    assert!(desk.body_text().await.contains("Mariage dans la famille"));
    desk.doc_screenshot_of("liaison-enseignant", PAGE).await;
    desk.goto("/liaison/ecrire").await;
    desk.doc_screenshot_of("liaison-ecrire", PAGE).await;
    desk.goto(&format!("/liaison/mots/{mot}")).await;
    desk.goto(&format!("/liaison/mots/{mot}/manquantes")).await;
    desk.doc_screenshot_of("liaison-manquantes", PAGE).await;
    desk.close().await;

    // The parent, on a phone: signs with one tap.
    let phone = Browser::start(&tools, &app.base_url).await;
    phone.sign_in(&w.parent.identifier, PASSWORD).await;
    phone.doc_screenshot_of("portail-parent", PAGE).await;
    phone.follow_link("Cahier de liaison").await;
    phone.goto(&format!("/liaison/mots/{mot}")).await;
    phone.doc_screenshot("liaison-parent-signer").await;
    phone.click_through("button.primary.big").await;
    assert!(
        phone
            .body_text()
            .await
            .contains("votre signature est enregistrée")
    );
    phone.goto("/liaison/absence").await;
    phone.doc_screenshot("liaison-absence").await;
    phone.goto("/actualites").await;
    phone.doc_screenshot("actualites-parent").await;
    phone.sign_out().await;

    // The pupil: the simple view.
    phone.sign_in(&w.pupil.identifier, PASSWORD).await;
    let portal = phone.body_text().await;
    assert!(
        portal.contains("Les nouvelles") && portal.contains("potager"),
        "{portal}"
    );
    phone.doc_screenshot_of("portail-eleve", PAGE).await;
    phone.follow_link("Mon carnet").await;
    assert!(phone.body_text().await.contains("médiathèque"));
    phone.doc_screenshot("liaison-eleve-carnet").await;
    phone.goto(&format!("/liaison/mots/{mot}")).await;
    assert!(phone.body_text().await.contains("tes parents"));
    phone.goto("/actualites").await;
    phone.close().await;
    app.stop().await;
}
