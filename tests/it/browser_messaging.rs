//! The mailbox pages in headless Chromium: each page reached is checked by axe-core and at
//! 320 px wide (`Browser::check_page`), for a teacher (the full view) and a pupil (the simple,
//! large one), without JavaScript being needed to write.

use ent_tests::browser::{self, Browser};
use ent_tests::messaging::{person, send, sent_id};
use ent_tests::{PASSWORD, World, spawn_app};

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
    let browser = Browser::start(&tools, &app.base_url).await;
    browser.sign_in(&w.teacher.identifier, PASSWORD).await;
    browser.follow_link("Messagerie · 1 non lu").await;
    browser.goto(&format!("/messagerie/{received}")).await;
    browser
        .goto(&format!("/messagerie/ecrire?repondre={received}"))
        .await;
    browser
        .click_through("button[name=action][value=envoyer]")
        .await;
    for folder in ["envoyes", "brouillons", "corbeille"] {
        browser.goto(&format!("/messagerie?dossier={folder}")).await;
    }
    browser.goto("/messagerie?q=musee").await;
    assert!(browser.body_text().await.contains("musée"));
    browser.sign_out().await;

    // The pupil's simple view: "tu", large targets, the teacher offered.
    browser.sign_in(&w.pupil.identifier, PASSWORD).await;
    browser.follow_link("Messagerie").await;
    browser.goto("/messagerie/ecrire").await;
    let text = browser.body_text().await;
    assert!(
        text.contains("À qui j'écris ?") && text.contains("Paul Durand"),
        "{text}"
    );
    browser.close().await;
    app.stop().await;
}
