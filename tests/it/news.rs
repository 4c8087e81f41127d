//! Actualités: every author profile against every audience (forged forms refused, nothing
//! written), a parent of two children in two classes, pupils' simple view, read marks, pinned
//! items, end dates, paging, the quiet hours and deletion through the confirmation page.

use ent_tests::liaison::{id_of, link, occurrences, publish, rows};
use ent_tests::messaging::{move_to, to_tuesday_morning};
use ent_tests::{World, spawn_app};

#[tokio::test]
async fn every_author_reaches_only_its_audiences_and_forged_posts_write_nothing() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let codes = [
        "noeud:tout".to_owned(),
        format!("eleves:{}", w.class_a),
        format!("parents:{}", w.class_a),
        format!("eleves:{}", w.class_b),
        format!("parents:{}", w.class_b),
        format!("personnels-ecole:{}", w.school_id),
        format!("eleves-ecole:{}", w.school_id),
        format!("parents-ecole:{}", w.school_id),
        format!("personne:{}", w.parent.id),
    ];
    let allowed = |who: &str, code: &str| -> bool {
        let class_a = code.ends_with(&w.class_a);
        let class_b = code.ends_with(&w.class_b);
        let school = code.contains("-ecole:");
        match who {
            "teacher" => class_a,
            "other teacher" => class_b,
            "director" => class_a || class_b || school,
            "operator" => school || code == "noeud:tout",
            _ => false,
        }
    };
    for (who, person) in w.profiles() {
        let client = app.signed_in(person).await;
        let writes =
            who == "teacher" || who == "other teacher" || who == "director" || who == "operator";
        let page = client.get("/actualites/ecrire").await;
        assert_eq!(
            page.status.as_u16() == 200,
            writes,
            "{who}: {}",
            page.status
        );
        for code in &codes {
            let before = rows(&app.state, "news_items").await;
            let title = format!("Pour {code} par {who}");
            let sent = client
                .post_signed(
                    "/actualites/ecrire",
                    &[("to", code), ("title", &title), ("body", "Texte.")],
                )
                .await;
            let after = rows(&app.state, "news_items").await;
            if allowed(who, code) {
                assert!(
                    sent.status.is_redirection(),
                    "{who} → {code}: {}",
                    sent.status
                );
                assert_eq!(after, before + 1, "{who} → {code}");
            } else {
                assert_eq!(sent.status.as_u16(), 403, "{who} → {code}: {}", sent.body);
                assert!(
                    sent.body.contains("Vous ne pouvez pas publier")
                        || sent.body.contains("pas accessible avec ce compte"),
                    "{who} → {code}: {}",
                    sent.body
                );
                assert_eq!(after, before, "{who} → {code}: written");
            }
            if writes {
                // Offered on the writing page exactly when allowed.
                assert_eq!(
                    page.body.contains(&format!("value=\"{code}\"")),
                    allowed(who, code),
                    "{who} offered {code}"
                );
            }
        }
    }
    assert_eq!(rows(&app.state, "news_reads").await, 0);
    // The operator's item for the whole node reaches every member of a school, never a guest.
    let whole = "Pour noeud:tout par operator";
    for (who, person) in w.profiles() {
        let list = app.signed_in(person).await.get("/actualites").await;
        assert_eq!(list.body.contains(whole), who != "guest", "{who}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_parent_of_two_children_in_two_classes_sees_each_item_once_and_pupils_theirs() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    link(&app.state, &w.parent.id, &w.other_pupil.id).await;
    let (teacher, other, director) = (
        app.signed_in(&w.teacher).await,
        app.signed_in(&w.other_teacher).await,
        app.signed_in(&w.director).await,
    );
    let parents_a = format!("parents:{}", w.class_a);
    let parents_b = format!("parents:{}", w.class_b);
    let pupils_a = format!("eleves:{}", w.class_a);
    let school = format!("parents-ecole:{}", w.school_id);
    publish(&teacher, &[&parents_a], "Sortie au musée", &[]).await;
    app.state.clock.advance(60);
    publish(&other, &[&parents_b], "Piscine du jeudi", &[]).await;
    app.state.clock.advance(60);
    let pinned = publish(
        &director,
        &[&school],
        "Kermesse de juin",
        &[("epingle", "oui")],
    )
    .await;
    assert!(pinned.status.is_redirection(), "{}", pinned.body);
    app.state.clock.advance(60);
    // One item to both classes and the school: still once.
    publish(
        &director,
        &[&parents_a, &parents_b, &school],
        "Cantine fermée vendredi",
        &[],
    )
    .await;
    app.state.clock.advance(60);
    publish(&teacher, &[&pupils_a], "Apportez vos feutres", &[]).await;

    let parent = app.signed_in(&w.parent).await;
    let list = parent.get("/actualites").await;
    for title in [
        "Sortie au musée",
        "Piscine du jeudi",
        "Kermesse de juin",
        "Cantine fermée vendredi",
    ] {
        assert_eq!(occurrences(&list, title), 1, "{title}: {}", list.body);
    }
    assert_eq!(occurrences(&list, "Apportez vos feutres"), 0);
    // Pinned first, then newest first.
    let at = |t: &str| list.body.find(t).unwrap();
    assert!(at("Kermesse de juin") < at("Cantine fermée vendredi"));
    assert!(at("Cantine fermée vendredi") < at("Piscine du jeudi"));
    assert!(at("Piscine du jeudi") < at("Sortie au musée"));
    assert_eq!(occurrences(&list, ">non lu<"), 4);
    // "À la une" on the portal, read once opened; no counts anywhere.
    let portal = parent.get("/portail").await;
    assert!(portal.body.contains("À la une") && portal.body.contains("Kermesse de juin"));
    let id = sqlx::query_scalar::<_, String>(
        "SELECT id FROM news_items WHERE title = 'Kermesse de juin'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    let item = parent.get(&format!("/actualites/{id}")).await;
    assert!(item.status.is_success() && !item.body.contains("vue"));
    assert_eq!(occurrences(&parent.get("/actualites").await, ">non lu<"), 3);

    // The pupil: only what is addressed to pupils, in the simple view.
    let pupil = app.signed_in(&w.pupil).await;
    let mine = pupil.get("/actualites").await;
    assert!(mine.body.contains("Les nouvelles") && mine.body.contains("Apportez vos feutres"));
    assert!(mine.body.contains("nouveau") && !mine.body.contains("Sortie au musée"));
    assert!(
        pupil
            .get("/portail")
            .await
            .body
            .contains("Apportez vos feutres")
    );
    // Not addressed to them: not found.
    assert_eq!(
        pupil
            .get(&format!("/actualites/{id}"))
            .await
            .status
            .as_u16(),
        404
    );
    // The other class's pupil sees neither class A's item nor the parents'.
    let hugo = app.signed_in(&w.other_pupil).await;
    assert!(
        !hugo
            .get("/actualites")
            .await
            .body
            .contains("Apportez vos feutres")
    );
    app.stop().await;
}

#[tokio::test]
async fn end_dates_paging_and_deletion_through_the_confirmation_page() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let director = app.signed_in(&w.director).await;
    let staff = format!("personnels-ecole:{}", w.school_id);
    let today = ent_node::domain::local_time::paris(app.state.clock.now())
        .unwrap()
        .date()
        .to_string();
    publish(&director, &[&staff], "Réunion ce soir", &[("fin", &today)]).await;
    for i in 0..11 {
        publish(&director, &[&staff], &format!("Note numéro {i}"), &[]).await;
    }
    let teacher = app.signed_in(&w.teacher).await;
    let first = teacher.get("/actualites").await;
    assert!(first.body.contains("Page 1 sur 2"), "{}", first.body);
    assert!(
        teacher
            .get("/actualites?page=2")
            .await
            .body
            .contains("Réunion ce soir")
    );
    // The end date is the last day shown.
    app.state.clock.advance(2 * 86_400);
    let teacher = app.signed_in(&w.teacher).await;
    for page in ["/actualites", "/actualites?page=2"] {
        assert!(!teacher.get(page).await.body.contains("Réunion ce soir"));
    }

    // Deleting: the teacher may not; the director is asked first.
    let director = app.signed_in(&w.director).await;
    let id =
        sqlx::query_scalar::<_, String>("SELECT id FROM news_items WHERE title = 'Note numéro 3'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    let path = format!("/actualites/{id}/supprimer");
    assert_eq!(teacher.post_signed(&path, &[]).await.status.as_u16(), 403);
    let asked = director.post_signed(&path, &[]).await;
    assert!(
        asked.body.contains("<h1>Supprimer une actualité</h1>"),
        "{}",
        asked.body
    );
    assert_eq!(rows(&app.state, "news_items").await, 12);
    let done = director.post_signed(&path, &[("confirme", "oui")]).await;
    assert!(
        done.redirects_to("/actualites?fait=actualite-supprimee"),
        "{done:?}"
    );
    assert_eq!(rows(&app.state, "news_items").await, 11);
    let journal: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'news.deleted'")
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(journal, 1);
    app.stop().await;
}

#[tokio::test]
async fn items_for_families_written_in_the_quiet_hours_show_at_their_end() {
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    // Friday 20:30 UTC: quiet in Paris.
    move_to(&app, 4, 20, 30);
    let teacher = app.signed_in(&w.teacher).await;
    let director = app.signed_in(&w.director).await;
    let parents_a = format!("parents:{}", w.class_a);
    let sent = publish(&teacher, &[&parents_a], "Devoirs du week-end", &[]).await;
    assert!(
        sent.location
            .as_deref()
            .unwrap_or_default()
            .ends_with("?fait=actualite-programmee")
    );
    let id = id_of(&sent, "/actualites/");
    let own = teacher.get(&format!("/actualites/{id}")).await;
    assert!(
        own.body.contains("sera affichée lundi à 7 h 00"),
        "{}",
        own.body
    );
    assert!(
        teacher
            .get("/actualites")
            .await
            .body
            .contains("Vos actualités à venir")
    );
    // Between staff: at once.
    let staff = format!("personnels-ecole:{}", w.school_id);
    publish(&director, &[&staff], "Conseil des maîtres", &[]).await;
    assert!(
        teacher
            .get("/actualites")
            .await
            .body
            .contains("Conseil des maîtres")
    );
    let parent = app.signed_in(&w.parent).await;
    assert!(
        !parent
            .get("/actualites")
            .await
            .body
            .contains("Devoirs du week-end")
    );
    assert_eq!(
        parent
            .get(&format!("/actualites/{id}"))
            .await
            .status
            .as_u16(),
        404
    );
    ent_node::news::run_once(&app.state).await;
    let notified = || async {
        sqlx::query_scalar::<_, i64>("SELECT notified FROM news_items WHERE id = $1")
            .bind(&id)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap()
    };
    assert_eq!(notified().await, 0);

    // Monday 06:30 UTC (07:30 or 08:30 in Paris).
    app.state.clock.advance(2 * 86_400 + 10 * 3600);
    let parent = app.signed_in(&w.parent).await;
    assert!(
        parent
            .get("/actualites")
            .await
            .body
            .contains("Devoirs du week-end")
    );
    ent_node::news::run_once(&app.state).await;
    assert_eq!(notified().await, 1);
    app.stop().await;
}

#[tokio::test]
async fn an_image_goes_with_an_item_and_only_its_readers_fetch_it() {
    use ent_tests::spaces::{PNG, multipart};
    let app = spawn_app().await;
    let w = World::build(&app.state).await;
    to_tuesday_morning(&app);
    let teacher = app.signed_in(&w.teacher).await;
    let csrf = teacher.get("/actualites/ecrire").await.csrf();
    let parents_a = format!("parents:{}", w.class_a);
    let (kind, body) = multipart(
        &[
            ("csrf", &csrf),
            ("to", &parents_a),
            ("title", "Le potager"),
            ("body", "Les premières salades."),
        ],
        &[("salades.png", PNG)],
    );
    let sent = teacher.post_bytes("/actualites/ecrire", &kind, body).await;
    assert!(sent.status.is_redirection(), "{sent:?}");
    let id = id_of(&sent, "/actualites/");
    let parent = app.signed_in(&w.parent).await;
    let page = parent.get(&format!("/actualites/{id}")).await;
    assert!(
        page.body.contains("Image jointe : salades.png"),
        "{}",
        page.body
    );
    let file: String = sqlx::query_scalar("SELECT id FROM news_files WHERE news_id = $1")
        .bind(&id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let fetched = parent.get(&format!("/actualites/fichiers/{file}")).await;
    assert_eq!(fetched.header("content-type"), Some("image/png"));
    let other = app.signed_in(&w.other_pupil).await;
    assert_eq!(
        other
            .get(&format!("/actualites/fichiers/{file}"))
            .await
            .status
            .as_u16(),
        404
    );
    // Not an image: refused with a French message, nothing written.
    let csrf = teacher.get("/actualites/ecrire").await.csrf();
    let (kind, body) = multipart(
        &[
            ("csrf", &csrf),
            ("to", &parents_a),
            ("title", "Faux"),
            ("body", "x"),
        ],
        &[("virus.png", b"<script>alert(1)</script>")],
    );
    let refused = teacher.post_bytes("/actualites/ecrire", &kind, body).await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(refused.body.contains("ni une image"), "{}", refused.body);
    assert_eq!(rows(&app.state, "news_items").await, 1);
    app.stop().await;
}
