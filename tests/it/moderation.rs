//! Moderation on one node: an edit waits for a moderator like a new post, a post is reported
//! once and only by who can see it, nothing irreversible happens in one tap, and a closed
//! space can be reopened for 30 days.

use ent_tests::{TestApp, TestClient, World, spawn_app};

/// A pre-moderated space of the CM2 teacher holding class A, with a second pupil (Tom) in the
/// class; returns (space page, Tom).
async fn space_of_class_a(app: &TestApp, world: &World) -> (String, ent_tests::world::Person) {
    let tom = world
        .add_pupil(&app.state, &world.class_a, "Tom", "Petit")
        .await;
    let teacher = app.signed_in(&world.teacher).await;
    let created = teacher
        .submit("/espaces", "/espaces", &[("title", "Défi lecture")])
        .await;
    let page = created.location.clone().expect("redirect to the space");
    let invite = format!("{page}/inviter");
    ent_tests::spaces::add_local_class(&teacher, &invite, &world.class_a).await;
    (page, tom)
}

async fn post_id(app: &TestApp, text: &str) -> String {
    sqlx::query_scalar("SELECT id FROM space_posts WHERE content = $1")
        .bind(text)
        .fetch_one(app.state.db.pool())
        .await
        .expect("post")
}

async fn texts(app: &TestApp, id: &str) -> (String, String, String) {
    sqlx::query_as("SELECT content, proposed, status FROM space_posts WHERE id = $1")
        .bind(id)
        .fetch_one(app.state.db.pool())
        .await
        .expect("post")
}

/// `client` writes `text` in the space and a moderator approves it; returns its id.
async fn approved(
    app: &TestApp,
    page: &str,
    client: &TestClient,
    teacher: &TestClient,
    text: &str,
    parent: Option<&str>,
) -> String {
    let mut fields = vec![("content", text)];
    if let Some(parent) = parent {
        fields.push(("parent", parent));
    }
    let sent = client
        .submit(page, &format!("{page}/messages"), &fields)
        .await;
    assert!(sent.redirects_to(page), "{}", sent.body);
    let id = post_id(app, text).await;
    let done = teacher
        .submit(
            page,
            &format!("{page}/messages/{id}/moderer"),
            &[("action", "approuver")],
        )
        .await;
    assert!(done.redirects_to(page), "{}", done.body);
    id
}

#[tokio::test]
async fn a_pupils_edit_waits_for_a_moderator_and_is_in_the_journal() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let (page, tom) = space_of_class_a(&app, &world).await;
    let pupil = app.signed_in(&world.pupil).await;
    let classmate = app.signed_in(&tom).await;
    let teacher = app.signed_in(&world.teacher).await;
    let post = approved(&app, &page, &pupil, &teacher, "Mon livre préféré", None).await;
    let comment = approved(
        &app,
        &page,
        &classmate,
        &teacher,
        "Le mien aussi",
        Some(&post),
    )
    .await;

    // Léa changes her approved post: members keep reading the approved text.
    let edit = |id: &str| format!("{page}/messages/{id}/modifier");
    let sent = pupil
        .submit(&page, &edit(&post), &[("content", "Un gros mot caché")])
        .await;
    assert!(sent.redirects_to(&page), "{}", sent.body);
    assert_eq!(
        texts(&app, &post).await,
        (
            "Mon livre préféré".into(),
            "Un gros mot caché".into(),
            "published".into()
        )
    );
    let seen = classmate.get(&page).await.body;
    assert!(seen.contains("Mon livre préféré") && !seen.contains("gros mot"));
    // Its author sees it waiting; the moderators see what changed, in their queue.
    let mine = pupil.get(&page).await.body;
    assert!(mine.contains("Un gros mot caché") && mine.contains("modification en attente"));
    let queue = teacher.get(&page).await.body;
    assert!(queue.contains("À valider (1)"), "{queue}");
    assert!(queue.contains("Texte publié") && queue.contains("Nouveau texte proposé"));
    assert!(queue.contains("Mon livre préféré") && queue.contains("Un gros mot caché"));
    assert!(teacher.get("/espaces").await.body.contains("1 à valider"));

    // Refused: the approved text stays. A new edit, approved: everyone reads it.
    let moderate = format!("{page}/messages/{post}/moderer");
    teacher
        .submit(&page, &moderate, &[("action", "refuser")])
        .await;
    assert_eq!(
        texts(&app, &post).await,
        (
            "Mon livre préféré".into(),
            String::new(),
            "published".into()
        )
    );
    pupil
        .submit(
            &page,
            &edit(&post),
            &[("content", "Matilda, de Roald Dahl")],
        )
        .await;
    teacher
        .submit(&page, &moderate, &[("action", "approuver")])
        .await;
    assert!(
        classmate
            .get(&page)
            .await
            .body
            .contains("Matilda, de Roald Dahl")
    );

    // A comment too: its edit waits.
    classmate
        .submit(&page, &edit(&comment), &[("content", "Bof")])
        .await;
    assert_eq!(texts(&app, &comment).await.1, "Bof");
    assert!(!pupil.get(&page).await.body.contains("Bof"));

    // A moderator's own edit goes live at once.
    let own = approved(&app, &page, &teacher, &teacher, "Consigne", None).await;
    teacher
        .submit(&page, &edit(&own), &[("content", "Consigne précisée")])
        .await;
    assert_eq!(texts(&app, &own).await.0, "Consigne précisée");

    // Every edit is in the journal, with the text before and after.
    let journal: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'space.post_edited' ORDER BY at, id",
    )
    .fetch_all(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(journal.len(), 4, "{journal:?}");
    assert!(
        journal
            .iter()
            .any(|d| d.contains("Mon livre préféré") && d.contains("Un gros mot caché")),
        "{journal:?}"
    );
}

#[tokio::test]
async fn a_post_is_reported_once_and_only_by_who_sees_it() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let (page, tom) = space_of_class_a(&app, &world).await;
    let pupil = app.signed_in(&world.pupil).await;
    let classmate = app.signed_in(&tom).await;
    let teacher = app.signed_in(&world.teacher).await;
    pupil
        .submit(
            &page,
            &format!("{page}/messages"),
            &[("content", "En attente")],
        )
        .await;
    let waiting = post_id(&app, "En attente").await;
    let report = |id: &str| format!("{page}/messages/{id}/signaler");
    // A post waiting for a moderator does not exist for a classmate.
    let unseen = classmate
        .submit(&page, &report(&waiting), &[("reason", "?")])
        .await;
    assert_eq!(unseen.status, 404);

    let shown = approved(&app, &page, &pupil, &teacher, "Publié", None).await;
    // Twice in a row, then twice at once: one report.
    for _ in 0..2 {
        let done = classmate
            .submit(&page, &report(&shown), &[("reason", "méchant")])
            .await;
        assert!(
            done.redirects_to(&format!("{page}?fait=signalement")),
            "{done:?}"
        );
    }
    // The wall the report redirects to thanks the reporter.
    let thanked = classmate.get(&format!("{page}?fait=signalement")).await;
    assert!(
        ent_tests::guests::unescape(&thanked.body)
            .contains("Merci : les modérateurs de l'espace vont regarder ce message."),
        "{}",
        thanked.body
    );
    let csrf = classmate.get(&page).await.csrf();
    let fields = [("reason", "encore"), ("csrf", csrf.as_str())];
    let target = report(&shown);
    let (a, b) = tokio::join!(
        classmate.post_form(&target, &fields),
        classmate.post_form(&target, &fields)
    );
    assert!(a.status == 303 && b.status == 303, "{a:?} {b:?}");
    let count = |id: String| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM space_reports WHERE post_id = $1")
                .bind(id)
                .fetch_one(db.pool())
                .await
                .unwrap()
        }
    };
    assert_eq!(count(shown.clone()).await, 1);
    assert_eq!(count(waiting.clone()).await, 0);
    let queue = teacher.get(&page).await.body;
    assert_eq!(queue.matches("Message signalé").count(), 1, "{queue}");

    // Hidden by a moderator: members cannot report it any more.
    teacher
        .submit(
            &page,
            &format!("{page}/messages/{shown}/moderer"),
            &[("action", "masquer")],
        )
        .await;
    let hidden = pupil
        .submit(&page, &report(&shown), &[("reason", "?")])
        .await;
    // Its author still sees nothing of it once hidden: hidden is for moderators.
    assert_eq!(hidden.status, 404);
}

#[tokio::test]
async fn nothing_irreversible_happens_in_one_tap() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let (page, tom) = space_of_class_a(&app, &world).await;
    let pupil = app.signed_in(&world.pupil).await;
    let classmate = app.signed_in(&tom).await;
    let teacher = app.signed_in(&world.teacher).await;
    let post = approved(&app, &page, &pupil, &teacher, "À supprimer", None).await;
    approved(
        &app,
        &page,
        &classmate,
        &teacher,
        "Un commentaire",
        Some(&post),
    )
    .await;
    let exists = |id: String| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM space_posts WHERE id = $1 OR parent_id = $1",
            )
            .bind(id)
            .fetch_one(db.pool())
            .await
            .unwrap()
        }
    };

    // "Supprimer": asked in words a child reads, with what goes (its comment), no script.
    let delete = format!("{page}/messages/{post}/supprimer");
    let asked = pupil.submit(&page, &delete, &[]).await;
    assert_eq!(asked.status, 200);
    assert!(
        asked
            .body
            .contains("Tu veux vraiment supprimer ce message et son commentaire"),
        "{}",
        asked.body
    );
    assert!(asked.body.contains("name=\"confirme\" value=\"oui\""));
    assert!(!asked.body.contains("<script"));
    assert_eq!(exists(post.clone()).await, 2, "asking deleted nothing");
    let to_adult = teacher.submit(&page, &delete, &[]).await;
    assert!(to_adult.body.contains("Il disparaît pour tous les membres"));
    let done = pupil.submit(&page, &delete, &[("confirme", "oui")]).await;
    assert!(done.redirects_to(&page), "{}", done.body);
    assert_eq!(exists(post).await, 0);

    // Removing a member.
    let actor: String = sqlx::query_scalar("SELECT actor_id FROM space_members WHERE user_id = $1")
        .bind(&tom.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    let remove = format!("{page}/membres/retirer");
    let asked = teacher.submit(&page, &remove, &[("actor", &actor)]).await;
    assert!(asked.body.contains("Retirer Tom P."), "{}", asked.body);
    assert_eq!(classmate.get(&page).await.status, 200, "still a member");
    teacher
        .submit(&page, &remove, &[("actor", &actor), ("confirme", "oui")])
        .await;
    assert_eq!(classmate.get(&page).await.status, 404);

    // Leaving, asked even when posted straight from a stale page.
    let leave = format!("{page}/quitter");
    let asked = pupil.submit(&page, &leave, &[]).await;
    assert!(asked.body.contains("Tu veux vraiment quitter"));
    assert_eq!(pupil.get(&page).await.status, 200);

    // "Nouveau code" on an activated account: its password would stop working.
    let class = format!("/classes/{}", world.class_a);
    let code = format!("{class}/comptes/{}/code", world.pupil.id);
    let asked = teacher.submit(&class, &code, &[]).await;
    assert!(asked.body.contains("déjà activé"), "{}", asked.body);
    assert_eq!(pupil.get("/portail").await.status, 200, "still signed in");
    let issued = teacher.submit(&class, &code, &[("confirme", "oui")]).await;
    assert!(issued.issued_code().is_some(), "{}", issued.body);
    // The operator's "Nouveau code d'activation" too.
    let operator = app.signed_in(&world.operator).await;
    let account = format!("/admin/utilisateurs/{}", tom.id);
    let asked = operator
        .submit(&account, &format!("{account}/code"), &[])
        .await;
    assert!(
        asked.body.contains("Ce compte est déjà activé"),
        "{}",
        asked.body
    );
    assert_eq!(
        classmate.get("/portail").await.status,
        200,
        "still signed in"
    );

    // Groups: removing a member and deleting the group.
    let director = app.signed_in(&world.director).await;
    let created = director
        .submit(
            "/groupes",
            "/groupes",
            &[("school_id", &world.school_id), ("name", "Chorale")],
        )
        .await;
    let group = created.location.expect("group");
    director
        .submit(
            &group,
            &format!("{group}/membres"),
            &[("who", "pupils"), ("class_id", &world.class_a)],
        )
        .await;
    let remove = format!("{group}/membres/{}/retirer", tom.id);
    let asked = director.submit(&group, &remove, &[]).await;
    assert!(
        asked.body.contains("Retirer Tom Petit du groupe"),
        "{}",
        asked.body
    );
    assert!(director.get(&group).await.body.contains("Tom Petit"));
    let delete = format!("{group}/supprimer");
    let asked = director.submit(&group, &delete, &[]).await;
    assert!(
        asked.body.contains("Supprimer le groupe « Chorale »"),
        "{}",
        asked.body
    );
    assert_eq!(director.get(&group).await.status, 200);
    director
        .submit(&group, &delete, &[("confirme", "oui")])
        .await;
    assert_eq!(director.get(&group).await.status, 404);
}

#[tokio::test]
async fn a_closed_space_can_be_reopened_for_thirty_days() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let (page, _) = space_of_class_a(&app, &world).await;
    let id = page.trim_start_matches("/espaces/").to_owned();
    let teacher = app.signed_in(&world.teacher).await;
    let pupil = app.signed_in(&world.pupil).await;
    // The settings' "Fermer l'espace" asks first, saying until when it can be undone.
    let settings = format!("{page}/reglages");
    let asked = teacher
        .submit(
            &page,
            &settings,
            &[("title", "Défi lecture"), ("close", "1")],
        )
        .await;
    assert_eq!(asked.status, 200);
    assert!(
        asked.body.contains("Vous pourrez le rouvrir jusqu"),
        "{}",
        asked.body
    );
    assert_eq!(pupil.get(&page).await.status, 200, "asking closed nothing");
    let closed = teacher
        .submit(&page, &format!("{page}/fermer"), &[("confirme", "oui")])
        .await;
    assert!(closed.redirects_to("/espaces"), "{}", closed.body);
    assert_eq!(pupil.get(&page).await.status, 404);

    // Only its owner and the operator may reopen it.
    let list = teacher.get("/espaces/fermes").await.body;
    assert!(
        list.contains("Défi lecture") && list.contains("Rouvrir"),
        "{list}"
    );
    let other = app.signed_in(&world.other_teacher).await;
    assert!(
        !other
            .get("/espaces/fermes")
            .await
            .body
            .contains("Défi lecture")
    );
    let reopen = format!("{page}/rouvrir");
    assert_eq!(
        other.submit("/espaces/fermes", &reopen, &[]).await.status,
        404
    );
    let operator = app.signed_in(&world.operator).await;
    assert!(
        operator
            .get("/espaces/fermes")
            .await
            .body
            .contains("Défi lecture")
    );
    let reopened = teacher.submit("/espaces/fermes", &reopen, &[]).await;
    assert!(reopened.redirects_to(&page), "{}", reopened.body);
    assert_eq!(pupil.get(&page).await.status, 200);
    let journal: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('space.closed', 'space.reopened') AND target = $1",
    )
    .bind(&id)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(journal, 2);

    // Closed again, 31 days on: it stays closed.
    teacher
        .submit(&page, &format!("{page}/fermer"), &[("confirme", "oui")])
        .await;
    app.state.clock.advance(31 * 86_400);
    let teacher = app.signed_in(&world.teacher).await;
    assert!(
        !teacher
            .get("/espaces/fermes")
            .await
            .body
            .contains("Défi lecture")
    );
    let late = teacher.submit("/espaces/fermes", &reopen, &[]).await;
    assert_eq!(late.status, 422, "{}", late.body);
    assert!(late.body.contains("plus de 30 jours"));
}
