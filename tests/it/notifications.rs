//! The notification centre: the bell of every page (a number for adults, "nouveau" for pupils),
//! the list paged in the query, opening marks read, the kinds one turns off, and the space
//! events (a post awaiting moderation, one's own post approved or refused).

use ent_node::notifications::{Event, notify};
use ent_tests::messaging::{person, send, sent_id, to_tuesday_morning};
use ent_tests::{World, spawn_app};

#[tokio::test]
async fn a_message_rings_the_bell_the_centre_lists_it_and_opening_marks_it_read() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let sent = send(
        &teacher,
        &[&person(&w.parent.id), &person(&w.pupil.id)],
        "Sortie",
        "Le secret du goûter",
        &[],
    )
    .await;
    let id = sent_id(&sent);

    let parent = app.signed_in(&w.parent).await;
    let portal = parent.get("/portail").await.body;
    assert!(
        portal.contains(
            "Notifications <span class=\"badge\">1<span class=\"visually-hidden\"> non lue</span>"
        ),
        "{portal}"
    );
    let pupil = app.signed_in(&w.pupil).await;
    let page = pupil.get("/portail").await.body;
    assert!(
        page.contains("Notifications <span class=\"badge\">nouveau</span>"),
        "{page}"
    );

    let centre = parent.get("/notifications").await;
    assert!(centre.body.contains("Nouveau message dans la messagerie"));
    // Only that there is something to see: never the text.
    assert!(!centre.body.contains("secret"));
    let line: String = sqlx::query_scalar("SELECT id FROM notifications WHERE user_id = $1")
        .bind(&w.parent.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let opened = parent.get(&format!("/notifications/{line}")).await;
    assert!(
        opened.redirects_to(&format!("/messagerie/{id}")),
        "{opened:?}"
    );
    assert!(
        !parent
            .get("/portail")
            .await
            .body
            .contains("class=\"badge\">1")
    );
    // Someone else's line is not found.
    assert_eq!(
        pupil.get(&format!("/notifications/{line}")).await.status,
        404
    );

    // Reading the message itself reads its notification too.
    let read = pupil.get(&format!("/messagerie/{id}")).await.body;
    assert!(
        !read.contains("Notifications <span class=\"badge\">"),
        "{read}"
    );
    notify(
        &app.state,
        std::slice::from_ref(&w.pupil.id),
        Event::PostApproved { space_id: "s" },
    )
    .await;

    // "Tout marquer comme lu".
    let done = pupil
        .submit("/notifications", "/notifications/tout-lu", &[])
        .await;
    assert!(done.redirects_to("/notifications"));
    assert!(
        !pupil
            .get("/portail")
            .await
            .body
            .contains("Notifications <span class=\"badge\">")
    );
}

#[tokio::test]
async fn the_centre_is_paged_in_the_query_and_muted_kinds_stay_silent() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    for _ in 0..25 {
        notify(
            &app.state,
            std::slice::from_ref(&w.director.id),
            Event::MessageDelivered { message_id: "m" },
        )
        .await;
    }
    let director = app.signed_in(&w.director).await;
    let first = director.get("/notifications").await.body;
    assert_eq!(first.matches("<li class=\"card unread\">").count(), 20);
    assert!(first.contains("Page 1 sur 2"));
    let second = director.get("/notifications?page=2").await.body;
    assert_eq!(second.matches("<li class=\"card unread\">").count(), 5);
    assert!(first.contains("class=\"badge\">25<"));

    // The director turns messages off (keeps the two others).
    let saved = director
        .submit(
            "/notifications/preferences",
            "/notifications/preferences",
            &[("kind.moderation", "oui"), ("kind.own_post", "oui")],
        )
        .await;
    assert!(saved.redirects_to("/notifications/preferences?fait=notifications-enregistrees"));
    let prefs = director.get("/notifications/preferences").await.body;
    assert!(!prefs.contains("name=\"kind.message\" value=\"oui\" checked"));
    assert!(prefs.contains("name=\"kind.moderation\" value=\"oui\" checked"));
    notify(
        &app.state,
        std::slice::from_ref(&w.director.id),
        Event::MessageDelivered { message_id: "m" },
    )
    .await;
    notify(
        &app.state,
        std::slice::from_ref(&w.director.id),
        Event::PostApproved { space_id: "s" },
    )
    .await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1")
        .bind(&w.director.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(count, 26);
}

#[tokio::test]
async fn moderators_hear_of_a_pending_post_and_its_author_of_the_decision() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let created = teacher
        .submit("/espaces", "/espaces", &[("title", "Défi lecture")])
        .await;
    let page = created.location.clone().expect("redirect to the space");
    ent_tests::spaces::add_local_class(&teacher, &format!("{page}/inviter"), &w.class_a).await;
    let pupil = app.signed_in(&w.pupil).await;
    for text in ["Mon livre préféré", "Un autre avis"] {
        let sent = pupil
            .submit(&page, &format!("{page}/messages"), &[("content", text)])
            .await;
        assert!(sent.redirects_to(&page), "{}", sent.body);
    }
    let centre = teacher.get("/notifications").await.body;
    assert_eq!(
        centre
            .matches("Un message attend la validation d&#39;un modérateur")
            .count(),
        2,
        "{centre}"
    );
    assert!(!centre.contains("livre"));

    for (text, action, label) in [
        (
            "Mon livre préféré",
            "approuver",
            "Message publié dans un espace",
        ),
        (
            "Un autre avis",
            "refuser",
            "Message refusé par les modérateurs d",
        ),
    ] {
        let id: String = sqlx::query_scalar("SELECT id FROM space_posts WHERE content = $1")
            .bind(text)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
        let done = teacher
            .submit(
                &page,
                &format!("{page}/messages/{id}/moderer"),
                &[("action", action)],
            )
            .await;
        assert!(done.redirects_to(&page), "{}", done.body);
        assert!(
            pupil.get("/notifications").await.body.contains(label),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_pending_post_from_a_linked_node_reaches_the_host_s_moderators() {
    use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1};
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    c.pupil_posts(ECOLE1, &group, "Nos haricots ont germé")
        .await;
    let teacher = c.teacher(COLLEGE).await;
    ent_tests::federation::eventually("the collège's moderator notified", || {
        let teacher = &teacher;
        async move {
            let centre = teacher.get("/notifications").await.body;
            centre.contains("Un message attend la validation d&#39;un modérateur")
                && !centre.contains("haricots")
        }
    })
    .await;
}
