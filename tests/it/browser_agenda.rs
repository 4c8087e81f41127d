//! The agenda pages in headless Chromium, on a phone and on a desktop: the week and the month
//! (with a series, a moved date, a long title, the zone's holidays and, for the director, an
//! announced absence), an event, the new-event form, the form changing an event and the
//! import form, each checked by axe-core and at 320 px (`Browser::goto`). With
//! `ENT_SCREENSHOTS_DIR` set, it also takes the screenshots of `docs/vie-de-l-ecole-agenda.md`.

use chrono::Duration;
use ent_tests::agenda::{create, event_id};
use ent_tests::browser::{self, Browser, DESKTOP, Options, VIEWPORT};
use ent_tests::{PASSWORD, World, spawn_app_with};

#[tokio::test]
async fn agenda_pages_pass_axe_and_fit_320_px_on_phone_and_desktop() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let app = spawn_app_with(|c| c.agenda.zone = "Zone B".into()).await;
    let w = World::build(&app.state).await;
    ent_tests::messaging::to_tuesday_morning(&app);
    let today = app.state.clock.today();
    let teacher = app.signed_in(&w.teacher).await;
    let id = event_id(
        &create(
            &teacher,
            &[
                ("cible", &format!("classe:{}", w.class_a)),
                (
                    "titre",
                    "Sortie pédagogique au musée départemental d'archéologie et d'histoire locale",
                ),
                (
                    "lieu",
                    "Musée départemental, salle des fouilles gallo-romaines",
                ),
                ("jour", &today.to_string()),
                ("debut", "09:00"),
                ("fin", "11:30"),
                ("jusqu_au", &(today + Duration::weeks(3)).to_string()),
            ],
        )
        .await,
    );
    teacher
        .post_signed(
            &format!("/agenda/evenements/{id}/occurrence"),
            &[
                ("action", "deplacer"),
                ("jour", &(today + Duration::weeks(1)).to_string()),
                (
                    "nouveau_jour",
                    &(today + Duration::weeks(1) + Duration::days(2)).to_string(),
                ),
                ("debut", "14:00"),
                ("fin", "15:00"),
            ],
        )
        .await;
    let parent = app.signed_in(&w.parent).await;
    let absence = parent
        .submit(
            "/liaison/absence",
            "/liaison/absence",
            &[
                ("eleve", w.pupil.id.as_str()),
                ("du", &today.to_string()),
                ("au", &today.to_string()),
                ("motif", "famille"),
            ],
        )
        .await;
    assert!(absence.status.is_redirection(), "{absence:?}");
    for viewport in [VIEWPORT, DESKTOP] {
        let options = Options {
            viewport,
            ..Options::default()
        };
        let browser = Browser::start_with(&tools, &app.base_url, &options).await;
        browser.sign_in(&w.parent.identifier, PASSWORD).await;
        // Screenshots: the phone's pages for the parent, the desktop's for the director.
        let phone = viewport == VIEWPORT;
        browser.follow_link("Agenda").await;
        assert!(browser.body_text().await.contains("Sortie pédagogique"));
        if phone {
            browser
                .doc_screenshot_of("agenda-semaine", "header.top, main")
                .await;
        }
        browser.goto("/agenda?vue=mois").await;
        if phone {
            browser
                .doc_screenshot_of("agenda-mois", "header.top, main")
                .await;
        }
        browser.goto("/agenda?vue=semaine&jour=2026-12-21").await;
        assert!(browser.body_text().await.contains("Vacances de Noël"));
        browser.goto(&format!("/agenda/evenements/{id}")).await;
        if phone {
            browser
                .doc_screenshot_of("agenda-evenement", "header.top, main")
                .await;
        }
        browser.goto("/agenda/nouveau").await;
        browser.sign_out().await;
        browser.sign_in(&w.director.identifier, PASSWORD).await;
        browser.goto(&format!("/agenda/evenements/{id}")).await;
        browser.goto("/agenda").await;
        assert!(browser.body_text().await.contains("Absences annoncées"));
        if !phone {
            browser
                .doc_screenshot_of("agenda-absences", "header.top, main")
                .await;
        }
        browser.goto("/agenda/importer").await;
        browser.goto("/agenda?vue=mois").await;
        if !phone {
            browser.goto("/agenda/nouveau").await;
            browser
                .doc_screenshot_of("agenda-nouveau", "header.top, main")
                .await;
        }
        browser.sign_out().await;
        browser.sign_in(&w.teacher.identifier, PASSWORD).await;
        browser
            .goto(&format!("/agenda/evenements/{id}/modifier"))
            .await;
        assert!(
            browser
                .body_text()
                .await
                .contains("Enregistrer les changements")
        );
        if !phone {
            browser
                .doc_screenshot_of("agenda-modifier", "header.top, main")
                .await;
        }
        browser.close().await;
    }
    app.stop().await;
}
