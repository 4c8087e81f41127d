//! What crosses a link for a shared space: display name, school, class level and role, nothing
//! else; every remote access is in the host's audit log, which the operator reads and exports.

use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2};
use sqlx::Row;

/// Every text a node holds about people and spaces, in one string.
async fn everything_on(c: &Cycle3, node: usize) -> String {
    let db = c.node(node).state.db.pool();
    let mut all = String::new();
    for sql in [
        "SELECT first_name || ' ' || last_name || ' ' || COALESCE(birth_date, '') || ' ' || COALESCE(email, '') FROM users",
        "SELECT display_name || ' ' || school || ' ' || level || ' ' || role FROM space_members",
        "SELECT author_name || ' ' || author_school || ' ' || content FROM space_posts",
        "SELECT target || ' ' || detail FROM audit_log",
    ] {
        for row in sqlx::query(sql).fetch_all(db).await.expect(sql) {
            all.push_str(&row.get::<String, _>(0));
            all.push('\n');
        }
    }
    all
}

#[tokio::test]
async fn only_what_a_space_needs_crosses_a_link_and_remote_access_is_logged() {
    let c = Cycle3::start().await;
    let pupil = &c.worlds[ECOLE1].pupil;
    sqlx::query("UPDATE users SET last_name = 'Zéphyrin-Delacour', birth_date = '2015-03-02', email = 'famille@exemple.fr' WHERE id = $1")
        .bind(&pupil.id)
        .execute(c.node(ECOLE1).state.db.pool())
        .await
        .unwrap();
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let text = "Bonjour de l'école Jules Ferry";
    c.pupil_posts(ECOLE1, &group, text).await;

    for node in [COLLEGE, ECOLE2] {
        let held = everything_on(&c, node).await;
        for private in ["Zéphyrin-Delacour", "2015-03-02", "famille@exemple.fr"] {
            assert!(!held.contains(private), "node {node} holds {private}");
        }
    }
    let host_view = everything_on(&c, COLLEGE).await;
    assert!(
        host_view.contains(" Z."),
        "the display name is first name and initial"
    );

    // The class directory: classes and headcounts, no pupil, and only for linked nodes.
    let (status, directory) = c
        .linked
        .get_as(Some(COLLEGE), ECOLE1, "/federation/classes")
        .await;
    assert_eq!(status, 200);
    assert!(directory.contains("CM2 A") && !directory.contains("Zéphyrin"));
    let first_name: String = sqlx::query_scalar("SELECT first_name FROM users WHERE id = $1")
        .bind(&pupil.id)
        .fetch_one(c.node(ECOLE1).state.db.pool())
        .await
        .unwrap();
    assert!(!directory.contains(&first_name), "{directory}");
    assert_eq!(
        c.linked.get_as(None, ECOLE1, "/federation/classes").await.0,
        404
    );
    assert_eq!(
        c.linked
            .get_as(Some(ECOLE2), ECOLE1, "/federation/classes")
            .await
            .0,
        404
    );

    // The Group actor: to the nodes of the space only.
    let group_path = url::Url::parse(&group).unwrap().path().to_owned();
    let (status, actor) = c.linked.get_as(Some(ECOLE2), COLLEGE, &group_path).await;
    assert_eq!(status, 200);
    assert!(
        actor.contains("\"type\":\"Group\"") && actor.contains("Sciences CM2-6e"),
        "{actor}"
    );
    assert_eq!(c.linked.get_as(None, COLLEGE, &group_path).await.0, 404);
    // The host's operator reads who did what from école 1, and exports it.
    let operator = c.node(COLLEGE).signed_in(&c.worlds[COLLEGE].operator).await;
    let journal = operator.get("/admin/journal?type=federation").await;
    assert_eq!(journal.status, 200);
    assert!(
        journal.body.contains("ENT lié dans un espace"),
        "{}",
        journal.body
    );
    assert!(journal.body.contains(&c.linked.domains[ECOLE1]));
    let export = operator
        .get("/admin/journal?type=federation&format=csv")
        .await;
    assert_eq!(
        export.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        export
            .body
            .starts_with("date (heure de Paris),compte,action,objet,détail")
    );
    assert!(export.body.contains("Create par https://"));
    // And école 1's operator sees that the collège read its class directory.
    let operator1 = c.node(ECOLE1).signed_in(&c.worlds[ECOLE1].operator).await;
    assert!(
        operator1
            .get("/admin/journal?type=federation")
            .await
            .body
            .contains("Annuaire lu par un ENT lié")
    );
    // Nobody else reads the journal.
    let teacher = c.teacher(COLLEGE).await;
    assert_eq!(teacher.get("/admin/journal").await.status, 403);
}
