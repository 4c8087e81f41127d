//! The cahier de textes in headless Chromium, on a phone and on a desktop: the pupil's
//! "Mes devoirs" (big buttons, a work ticked), a work with its hand-in form, a parent's lists,
//! the teacher's week, writing form, the warning of the quiet hours and a class's cahier, the
//! director's list; each page checked by axe-core and at 320 px (`Browser::goto`).

use chrono::Duration;
use ent_tests::browser::{self, Browser, DESKTOP, Options, VIEWPORT};
use ent_tests::{PASSWORD, World, spawn_app};

#[tokio::test]
async fn homework_pages_pass_axe_and_fit_320_px_on_phone_and_desktop() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let today = ent_node::domain::local_time::paris(app.state.clock.now())
        .unwrap()
        .date();
    let teacher = app.signed_in(&w.teacher).await;
    let mut ids = Vec::new();
    for (title, kind, days) in [
        (
            "Apprendre la poésie « Le cancre » de Jacques Prévert pour la récitation",
            "travail",
            1,
        ),
        ("Séance : les fractions décimales", "seance", 0),
        ("Exposé sur les volcans d'Auvergne", "travail", 3),
    ] {
        let page = teacher
            .post_signed(
                "/cahier-de-textes/ecrire",
                &[
                    ("classe", &w.class_a),
                    ("type", kind),
                    ("jour", &(today + Duration::days(days)).to_string()),
                    ("titre", title),
                    ("texte", "Consignes : lire **deux fois**.\n\nPuis réciter."),
                    ("liens", "https://fr.wikipedia.org/wiki/Volcan"),
                    ("minutes", "30"),
                    ("a_rendre", "oui"),
                ],
            )
            .await;
        let location = page.location.expect("saved");
        ids.push(
            location
                .trim_start_matches("/cahier-de-textes/")
                .split('?')
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    let pupil = app.signed_in(&w.pupil).await;
    pupil
        .post_signed(
            &format!("/cahier-de-textes/{}/fait", ids[0]),
            &[("fait", "oui")],
        )
        .await;
    for viewport in [VIEWPORT, DESKTOP] {
        let options = Options {
            viewport,
            ..Options::default()
        };
        let browser = Browser::start_with(&tools, &app.base_url, &options).await;
        browser.sign_in(&w.pupil.identifier, PASSWORD).await;
        browser.follow_link("Mes devoirs").await;
        assert!(browser.body_text().await.contains("Demain"));
        browser.click_through("form[action$='/fait'] button").await;
        assert!(browser.body_text().await.contains("C'est noté."));
        browser.goto(&format!("/cahier-de-textes/{}", ids[2])).await;
        browser.fill("#texte", "J'ai trouvé trois volcans.").await;
        browser
            .click_through("form[action$='/rendre'] button")
            .await;
        assert!(browser.body_text().await.contains("Ton travail est rendu."));
        browser
            .goto(&format!("/cahier-de-textes/classes/{}", w.class_a))
            .await;
        browser.sign_out().await;
        browser.sign_in(&w.parent.identifier, PASSWORD).await;
        browser.goto("/cahier-de-textes").await;
        assert!(browser.body_text().await.contains("À faire · Léa"));
        browser.goto(&format!("/cahier-de-textes/{}", ids[0])).await;
        browser.sign_out().await;
        browser.sign_in(&w.teacher.identifier, PASSWORD).await;
        browser.goto("/cahier-de-textes").await;
        browser.goto("/cahier-de-textes/ecrire").await;
        browser.goto(&format!("/cahier-de-textes/{}", ids[2])).await;
        assert!(
            browser
                .body_text()
                .await
                .contains("J'ai trouvé trois volcans.")
        );
        browser
            .click_through("form[action$='/supprimer'] button")
            .await;
        assert!(browser.body_text().await.contains("pas réversible"));
        browser
            .goto(&format!("/cahier-de-textes/classes/{}", w.class_a))
            .await;
        browser.sign_out().await;
        browser.sign_in(&w.director.identifier, PASSWORD).await;
        browser.goto("/cahier-de-textes").await;
        browser
            .goto(&format!("/cahier-de-textes/classes/{}", w.class_a))
            .await;
        browser.close().await;
    }
    app.stop().await;
}
