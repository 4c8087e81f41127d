//! Invitations across nodes: within the link's guest quota (refused at once with a clear
//! message, or at join time with a Reject, nothing half-made), declined, or sent to one teacher.

use ent_tests::federation::eventually;
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2};

/// Sets the guest quota of the collège's link with école `ecole`.
async fn quota(c: &Cycle3, ecole: usize, quota: u32) {
    let app = c.node(COLLEGE);
    let mut links = app.state.config.links.clone();
    for link in &mut links {
        if link.normalized_domain() == c.linked.domains[ecole] {
            link.guest_quota = quota;
        }
    }
    app.federation().reload(&links).await;
}

async fn count(c: &Cycle3, node: usize, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(c.node(node).state.db.pool())
        .await
        .expect(sql)
}

#[tokio::test]
async fn an_invitation_over_the_guest_quota_is_refused_with_a_clear_message() {
    let c = Cycle3::start().await;
    quota(&c, ECOLE1, 1).await;
    let id = c.create_space("Sciences CM2-6e").await;
    let page = c.invite(&id, ECOLE1).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("quota d&#39;invités"), "{}", page.body);
    assert!(page.body.contains("Demandez à l&#39;administrateur"));
    assert_eq!(
        count(&c, COLLEGE, "SELECT COUNT(*) FROM space_invitations").await,
        0
    );
    assert_eq!(
        count(&c, COLLEGE, "SELECT COUNT(*) FROM federation_deliveries").await,
        0
    );
    // École 2's link has room: the same space invites it, and the class shows as invited.
    let invited = c.invite(&id, ECOLE2).await;
    assert_eq!(invited.status, 200);
    assert!(
        invited
            .body
            .contains("<span class=\"badge\">invitée</span>"),
        "{}",
        invited.body
    );
}

#[tokio::test]
async fn a_join_over_the_quota_is_rejected_and_the_teacher_is_told() {
    let c = Cycle3::start().await;
    let id = c.create_space("Sciences CM2-6e").await;
    assert_eq!(c.invite(&id, ECOLE1).await.status, 200);
    // The quota shrinks between the invitation and the answer: the teacher fits, the pupil not.
    quota(&c, ECOLE1, 1).await;
    c.accept(ECOLE1).await;
    let group = c.group_of(&id).await;
    c.wait_members(COLLEGE, &group, 2).await;
    let db = c.node(ECOLE1).state.db.clone();
    eventually("école 1 learns the pupil was refused", || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT state FROM space_invitations WHERE direction = 'in'",
            )
            .fetch_one(db.pool())
            .await
            .map(|s| s == "refused")
            .unwrap_or(false)
        }
    })
    .await;
    let guests = "SELECT COUNT(*) FROM guests WHERE expired_at = 0";
    assert_eq!(
        count(&c, COLLEGE, guests).await,
        1,
        "one guest, no half-made second one"
    );
    let teacher = c.teacher(ECOLE1).await;
    let list = teacher.get("/espaces").await;
    assert!(list.body.contains("refus de l'ENT hôte"), "{}", list.body);
    assert!(list.body.contains("quota"), "{}", list.body);
}

#[tokio::test]
async fn a_teacher_declines_and_the_host_knows() {
    let c = Cycle3::start().await;
    let id = c.create_space("Sciences CM2-6e").await;
    c.invite(&id, ECOLE1).await;
    let db = c.node(ECOLE1).state.db.clone();
    eventually("the invitation arrived", || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM space_invitations")
                .fetch_one(db.pool())
                .await
                .unwrap_or(0)
                == 1
        }
    })
    .await;
    let invitation: String = sqlx::query_scalar("SELECT id FROM space_invitations")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let path = format!("/espaces/invitations/{invitation}");
    // Only a teacher of the class answers.
    let other = c
        .node(ECOLE1)
        .signed_in(&c.worlds[ECOLE1].other_teacher)
        .await;
    assert_eq!(other.get(&path).await.status, 403);
    let teacher = c.teacher(ECOLE1).await;
    let answer = teacher
        .submit(&path, &path, &[("answer", "decliner")])
        .await;
    assert!(answer.redirects_to("/espaces"));
    let host = c.node(COLLEGE).state.db.clone();
    eventually("the host sees it declined", || {
        let host = host.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT state FROM space_invitations")
                .fetch_one(host.pool())
                .await
                .map(|s| s == "declined")
                .unwrap_or(false)
        }
    })
    .await;
    assert_eq!(count(&c, COLLEGE, "SELECT COUNT(*) FROM guests").await, 0);
}

#[tokio::test]
async fn a_teacher_invited_alone_joins_as_a_guest() {
    let c = Cycle3::start().await;
    let id = c.create_space("Conseil école-collège").await;
    let (_, directory) = c
        .linked
        .get_as(Some(COLLEGE), ECOLE2, "/federation/classes")
        .await;
    let directory: serde_json::Value = serde_json::from_str(&directory).expect("directory");
    let teacher_url = directory["teachers"]
        .as_array()
        .expect("teachers")
        .iter()
        .find(|t| t["name"] == "Anne P.")
        .expect("Anne P. shared")["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner = c.teacher(COLLEGE).await;
    let invite = format!("/espaces/{id}/inviter");
    let sent = owner
        .submit(
            &invite,
            &invite,
            &[
                ("kind", "teacher"),
                ("peer", &c.linked.domains[ECOLE2]),
                ("teacher_url", &teacher_url),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let sent = owner.follow(sent).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let anne = c
        .node(ECOLE2)
        .signed_in(&c.worlds[ECOLE2].other_teacher)
        .await;
    let db = c.node(ECOLE2).state.db.clone();
    eventually("Anne's invitation arrived", || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM space_invitations WHERE kind = 'teacher'",
            )
            .fetch_one(db.pool())
            .await
            .unwrap_or(0)
                == 1
        }
    })
    .await;
    let list = anne.get("/espaces").await;
    assert!(list.body.contains("Conseil école-collège"), "{}", list.body);
    let invitation: String = sqlx::query_scalar("SELECT id FROM space_invitations")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let path = format!("/espaces/invitations/{invitation}");
    // Not for the class teacher next door.
    assert_eq!(c.teacher(ECOLE2).await.get(&path).await.status, 403);
    let page = anne.get(&path).await;
    assert!(page.body.contains("vous invite personnellement"));
    anne.submit(&path, &path, &[("answer", "accepter")]).await;
    let group = c.group_of(&id).await;
    c.wait_members(COLLEGE, &group, 2).await;
    c.wait_members(ECOLE2, &group, 2).await;
    let role: String = sqlx::query_scalar("SELECT role FROM space_members WHERE node <> ''")
        .fetch_one(c.node(COLLEGE).state.db.pool())
        .await
        .unwrap();
    assert_eq!(role, "guest");
    let copy = c.local_id(ECOLE2, &group).await.expect("copy");
    let wall = anne.get(&format!("/espaces/{copy}")).await;
    assert_eq!(wall.status, 200);
    assert!(
        !wall.body.contains("À valider"),
        "a guest does not moderate"
    );
}

#[tokio::test]
async fn a_class_refused_for_quota_can_be_invited_again_once_it_fits() {
    let c = Cycle3::start().await;
    let id = c.create_space("Sciences CM2-6e").await;
    assert_eq!(c.invite(&id, ECOLE1).await.status, 200);
    quota(&c, ECOLE1, 0).await;
    c.accept(ECOLE1).await;
    let host = c.node(COLLEGE).state.db.clone();
    eventually("the host refused the invitation", || {
        let host = host.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT state FROM space_invitations")
                .fetch_one(host.pool())
                .await
                .map(|s| s == "refused")
                .unwrap_or(false)
        }
    })
    .await;
    let owner = c.teacher(COLLEGE).await;
    let page = owner.get(&format!("/espaces/{id}/inviter")).await;
    assert!(page.body.contains("refusée (quota"), "{}", page.body);
    quota(&c, ECOLE1, 30).await;
    assert_eq!(c.invite(&id, ECOLE1).await.status, 200);
    assert_eq!(count(&c, COLLEGE, "SELECT COUNT(*) FROM guests").await, 0);
}
