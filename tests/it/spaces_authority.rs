//! Authority in shared spaces: the host checks every activity a member node sends, and a member
//! node accepts announces from the space's Group only. Each case is its own test.

use ent_tests::federation::Forged;
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2};
use serde_json::{Value, json};

/// A shared space with one published post by école 1's pupil; (space id, group, note id).
async fn with_a_post(c: &Cycle3) -> (String, String, String) {
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let text = "Le message de Léa";
    c.pupil_posts(ECOLE1, &group, text).await;
    let note: String = sqlx::query_scalar("SELECT object_id FROM space_posts WHERE content = $1")
        .bind(text)
        .fetch_one(c.node(COLLEGE).state.db.pool())
        .await
        .expect("note");
    (id, group, note)
}

/// The Person actor URL of node `i`'s user (created if needed).
async fn actor_of(c: &Cycle3, i: usize, user_id: &str) -> String {
    let actor = ent_node::federation::persons::ensure(&c.node(i).state.db, user_id, 0)
        .await
        .expect("actor");
    format!(
        "https://{}/federation/actors/{}",
        c.linked.domains[i], actor.id
    )
}

fn activity(c: &Cycle3, from: usize, kind: &str, actor: &str, group: &str, object: Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("https://{}/federation/activities/{}", c.linked.domains[from], uuid()),
        "type": kind,
        "actor": actor,
        "audience": group,
        "to": [format!("https://{}/federation/node", c.linked.domains[COLLEGE])],
        "object": object,
    })
}

fn uuid() -> String {
    ent_node::store::new_id()
}

async fn status_of_note(c: &Cycle3, note: &str) -> Option<String> {
    sqlx::query_scalar("SELECT status FROM space_posts WHERE object_id = $1")
        .bind(note)
        .fetch_optional(c.node(COLLEGE).state.db.pool())
        .await
        .expect("status")
}

#[tokio::test]
async fn another_node_cannot_edit_or_delete_a_post_it_did_not_write() {
    let c = Cycle3::start().await;
    let (_, group, note) = with_a_post(&c).await;
    let teacher2 = actor_of(&c, ECOLE2, &c.worlds[ECOLE2].teacher.id).await;
    let update = activity(
        &c,
        ECOLE2,
        "Update",
        &teacher2,
        &group,
        json!({ "id": note, "type": "Note", "attributedTo": teacher2, "audience": group, "content": "Texte remplacé" }),
    );
    assert_eq!(
        c.linked.post_as(ECOLE2, COLLEGE, Forged::of(&update)).await,
        400
    );
    // A moderator of another node may delete (moderation), but not as the author: a pupil of
    // école 2 may not.
    let pupil2 = actor_of(&c, ECOLE2, &c.worlds[ECOLE2].pupil.id).await;
    let delete = activity(&c, ECOLE2, "Delete", &pupil2, &group, json!(note));
    assert_eq!(
        c.linked.post_as(ECOLE2, COLLEGE, Forged::of(&delete)).await,
        400
    );
    assert_eq!(status_of_note(&c, &note).await.as_deref(), Some("pending"));
    let content: String =
        sqlx::query_scalar("SELECT content FROM space_posts WHERE object_id = $1")
            .bind(&note)
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();
    assert_eq!(content, "Le message de Léa");
}

#[tokio::test]
async fn a_create_whose_author_is_not_the_sender_is_refused() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let pupil1 = actor_of(&c, ECOLE1, &c.worlds[ECOLE1].pupil.id).await;
    let pupil2 = actor_of(&c, ECOLE2, &c.worlds[ECOLE2].pupil.id).await;
    let note = |author: &str| {
        json!({ "id": format!("https://{}/federation/objects/{}", c.linked.domains[ECOLE2], uuid()),
                "type": "Note", "attributedTo": author, "audience": group, "content": "Usurpation" })
    };
    // Signed by école 2 in the name of école 1's pupil: not one of the signer's actors.
    let foreign_actor = activity(&c, ECOLE2, "Create", &pupil1, &group, note(&pupil1));
    assert_eq!(
        c.linked
            .post_as(ECOLE2, COLLEGE, Forged::of(&foreign_actor))
            .await,
        403
    );
    // École 2's pupil sending a note attributed to école 1's pupil.
    let wrong_author = activity(&c, ECOLE2, "Create", &pupil2, &group, note(&pupil1));
    assert_eq!(
        c.linked
            .post_as(ECOLE2, COLLEGE, Forged::of(&wrong_author))
            .await,
        400
    );
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM space_posts WHERE content = 'Usurpation'")
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();
    assert_eq!(count, 0);
    // The same note, correctly attributed, is accepted (so the refusals above are not vacuous).
    let right = activity(&c, ECOLE2, "Create", &pupil2, &group, note(&pupil2));
    assert_eq!(
        c.linked.post_as(ECOLE2, COLLEGE, Forged::of(&right)).await,
        202
    );
}

#[tokio::test]
async fn an_announce_not_sent_by_the_spaces_group_is_refused() {
    let c = Cycle3::start().await;
    let (_, group, _) = with_a_post(&c).await;
    let college = format!("https://{}", c.linked.domains[COLLEGE]);
    let inner = json!({
        "id": format!("{college}/federation/activities/{}", uuid()),
        "type": "Update", "actor": format!("{college}/federation/node"), "audience": group,
        "object": { "id": format!("{college}/federation/objects/{}", uuid()), "type": "Note",
                    "attributedTo": format!("{college}/federation/node"), "audience": group,
                    "content": "Annonce forgée", "entAuthorName": "X", "entAuthorSchool": "Y",
                    "updated": "2026-11-30T10:00:00Z" },
    });
    let mut announce = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{college}/federation/activities/{}", uuid()),
        "type": "Announce",
        "actor": format!("{college}/federation/node"),
        "audience": group,
        "to": [format!("https://{}/federation/node", c.linked.domains[ECOLE1])],
        "object": inner,
    });
    assert_eq!(
        c.linked
            .post_as(COLLEGE, ECOLE1, Forged::of(&announce))
            .await,
        400
    );
    // Another group of the host (a space école 1 holds no copy of).
    announce["actor"] = json!(format!("{college}/federation/spaces/{}", uuid()));
    announce["id"] = json!(format!("{college}/federation/activities/{}", uuid()));
    assert_eq!(
        c.linked
            .post_as(COLLEGE, ECOLE1, Forged::of(&announce))
            .await,
        400
    );
    assert_eq!(c.status_of(ECOLE1, "Annonce forgée").await, None);
    // Announced by the group itself, it is applied.
    announce["actor"] = json!(group);
    announce["id"] = json!(format!("{college}/federation/activities/{}", uuid()));
    assert_eq!(
        c.linked
            .post_as(COLLEGE, ECOLE1, Forged::of(&announce))
            .await,
        202
    );
    assert_eq!(
        c.status_of(ECOLE1, "Annonce forgée").await.as_deref(),
        Some("published")
    );
}

#[tokio::test]
async fn moderation_by_a_non_moderator_is_refused() {
    let c = Cycle3::start().await;
    let (_, group, note) = with_a_post(&c).await;
    let pupil2 = actor_of(&c, ECOLE2, &c.worlds[ECOLE2].pupil.id).await;
    for kind in ["Add", "Remove"] {
        let mut moderation = activity(&c, ECOLE2, kind, &pupil2, &group, json!(note));
        moderation["target"] = json!(group);
        assert_eq!(
            c.linked
                .post_as(ECOLE2, COLLEGE, Forged::of(&moderation))
                .await,
            400
        );
    }
    assert_eq!(status_of_note(&c, &note).await.as_deref(), Some("pending"));
    // École 2's teacher moderates: approved.
    let teacher2 = actor_of(&c, ECOLE2, &c.worlds[ECOLE2].teacher.id).await;
    let mut approve = activity(&c, ECOLE2, "Add", &teacher2, &group, json!(note));
    approve["target"] = json!(group);
    assert_eq!(
        c.linked
            .post_as(ECOLE2, COLLEGE, Forged::of(&approve))
            .await,
        202
    );
    assert_eq!(
        status_of_note(&c, &note).await.as_deref(),
        Some("published")
    );
}

#[tokio::test]
async fn a_removed_member_can_no_longer_post() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let pupil1 = actor_of(&c, ECOLE1, &c.worlds[ECOLE1].pupil.id).await;
    let page = format!("/espaces/{id}");
    c.teacher(COLLEGE)
        .await
        .submit(
            &page,
            &format!("{page}/membres/retirer"),
            &[("actor", &pupil1), ("confirme", "oui")],
        )
        .await;
    c.wait_members(ECOLE1, &group, 4).await;
    let note = json!({ "id": format!("https://{}/federation/objects/{}", c.linked.domains[ECOLE1], uuid()),
        "type": "Note", "attributedTo": pupil1, "audience": group, "content": "Toujours là ?" });
    let create = activity(&c, ECOLE1, "Create", &pupil1, &group, note);
    assert_eq!(
        c.linked.post_as(ECOLE1, COLLEGE, Forged::of(&create)).await,
        400
    );
    assert_eq!(c.status_of(COLLEGE, "Toujours là ?").await, None);
    // On their own node the space is gone for them too.
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy");
    assert_eq!(
        c.pupil(ECOLE1)
            .await
            .get(&format!("/espaces/{e1}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_activity_addressed_to_the_public_is_refused() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let pupil1 = actor_of(&c, ECOLE1, &c.worlds[ECOLE1].pupil.id).await;
    let note = json!({ "id": format!("https://{}/federation/objects/{}", c.linked.domains[ECOLE1], uuid()),
        "type": "Note", "attributedTo": pupil1, "audience": group, "content": "Pour tout le monde",
        "cc": ["https://www.w3.org/ns/activitystreams#Public"] });
    let mut create = activity(&c, ECOLE1, "Create", &pupil1, &group, note);
    create["to"] = json!(["https://www.w3.org/ns/activitystreams#Public"]);
    assert_eq!(
        c.linked.post_as(ECOLE1, COLLEGE, Forged::of(&create)).await,
        400
    );
    assert_eq!(c.status_of(COLLEGE, "Pour tout le monde").await, None);
}

#[tokio::test]
async fn a_link_without_the_spaces_scope_carries_no_space_activity() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let host = c.node(COLLEGE);
    let mut links = host.state.config.links.clone();
    for link in &mut links {
        if link.normalized_domain() == c.linked.domains[ECOLE1] {
            link.scopes = vec![ent_config::Scope::Messaging];
        }
    }
    host.federation().reload(&links).await;
    let pupil1 = actor_of(&c, ECOLE1, &c.worlds[ECOLE1].pupil.id).await;
    let note = json!({ "id": format!("https://{}/federation/objects/{}", c.linked.domains[ECOLE1], uuid()),
        "type": "Note", "attributedTo": pupil1, "audience": group, "content": "Par un lien sans espaces" });
    let create = activity(&c, ECOLE1, "Create", &pupil1, &group, note);
    assert_eq!(
        c.linked.post_as(ECOLE1, COLLEGE, Forged::of(&create)).await,
        400
    );
    assert_eq!(c.status_of(COLLEGE, "Par un lien sans espaces").await, None);
    // Nor does the directory answer it.
    assert_eq!(
        c.linked
            .get_as(Some(ECOLE1), COLLEGE, "/federation/classes")
            .await
            .0,
        404
    );
}
