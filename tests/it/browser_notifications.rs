//! The notification pages in headless Chromium, checked by axe-core and at 320 px wide
//! (`Browser::check_page`): the centre and the preferences, for a parent (with the e-mail
//! section) and a pupil (the simple view). With `ENT_SCREENSHOTS_DIR` set, it also takes the
//! screenshots of `docs/notifications.md`.

use ent_node::notifications::{Event, notify};
use ent_tests::browser::{self, Browser};
use ent_tests::smtp;
use ent_tests::{PASSWORD, World, spawn_app_with};

#[tokio::test]
async fn notification_pages_pass_axe_and_fit_320_px() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app_with(|c| smtp::configure(c, smtp::free_port())).await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    for who in [&w.parent.id, &w.pupil.id] {
        for event in [
            Event::MessageDelivered { message_id: "m" },
            Event::PostRefused { space_id: "s" },
        ] {
            notify(&app.state, std::slice::from_ref(who), event).await;
        }
    }
    let browser = Browser::start(&tools, &app.base_url).await;
    browser.sign_in(&w.parent.identifier, PASSWORD).await;
    browser.goto("/notifications").await;
    assert!(browser.body_text().await.contains("Notifications 2"));
    browser.doc_screenshot("notifications-centre").await;
    browser
        .follow_link("Choisir mes notifications et les courriels")
        .await;
    browser.fill("#address", "parent@famille.test.fr").await;
    browser
        .click_through("form[action='/notifications/courriel'] button")
        .await;
    assert!(
        browser
            .body_text()
            .await
            .contains("en attente de confirmation")
    );
    browser
        .doc_screenshot_of("notifications-choix", "header.top, main")
        .await;
    browser.sign_out().await;

    browser.sign_in(&w.pupil.identifier, PASSWORD).await;
    browser.goto("/notifications").await;
    assert!(browser.body_text().await.contains("Notifications nouveau"));
    browser.follow_link("Choisir mes notifications").await;
    let text = browser.body_text().await;
    assert!(
        text.contains("Je veux savoir") && !text.contains("courriel"),
        "{text}"
    );
    browser.sign_out().await;

    // The unsubscribe link of a mail, signed out.
    let token =
        ent_node::notifications::mail::compose::unsubscribe_token(&app.state.config, &w.parent.id);
    browser
        .goto(&format!("/notifications/desabonnement/{token}"))
        .await;
    browser.click_through("main form button").await;
    assert!(
        browser
            .body_text()
            .await
            .contains("Désabonnement enregistré")
    );
    browser.close().await;
    app.stop().await;
}
