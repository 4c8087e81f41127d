//! Files in shared spaces: sent with a post from a member node, copied by the host and by every
//! member node (checked against size, SHA-256 and type), served only to members and to linked
//! nodes holding the space.

use ent_tests::federation::eventually;
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2, PNG, multipart};

async fn file_bytes(c: &Cycle3, node: usize, name: &str) -> Option<Vec<u8>> {
    sqlx::query_scalar(
        "SELECT d.data FROM space_files f JOIN space_file_data d ON d.file_id = f.id WHERE f.name = $1",
    )
    .bind(name)
    .fetch_optional(c.node(node).state.db.pool())
    .await
    .expect("file")
}

async fn wait_file(c: &Cycle3, node: usize, name: &str) {
    eventually(&format!("node {node} holds {name}"), || async move {
        file_bytes(c, node, name).await.is_some()
    })
    .await;
}

#[tokio::test]
async fn a_photo_posted_on_an_ecole_reaches_every_member_node() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy");
    let e2 = c.local_id(ECOLE2, &group).await.expect("copy");
    let page1 = format!("/espaces/{e1}");
    let pupil1 = c.pupil(ECOLE1).await;
    let csrf = pupil1.get(&page1).await.csrf();
    let (kind, body) = multipart(
        &[("csrf", &csrf), ("content", "")],
        &[("haricots.png", PNG)],
    );
    let sent = pupil1
        .post_bytes(&format!("{page1}/messages"), &kind, body)
        .await;
    assert!(sent.redirects_to(&page1), "{}", sent.body);
    // The host copies it from école 1, then a moderator publishes the post.
    wait_file(&c, COLLEGE, "haricots.png").await;
    let post: String =
        sqlx::query_scalar("SELECT post_id FROM space_files WHERE name = 'haricots.png'")
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();
    let host_page = format!("/espaces/{id}");
    c.teacher(COLLEGE)
        .await
        .submit(
            &host_page,
            &format!("{host_page}/messages/{post}/moderer"),
            &[("action", "approuver")],
        )
        .await;
    // École 2 copies it from the host (école 1 and école 2 are not linked).
    wait_file(&c, ECOLE2, "haricots.png").await;
    assert_eq!(
        file_bytes(&c, ECOLE2, "haricots.png").await.as_deref(),
        Some(PNG)
    );
    let pupil2 = c.pupil(ECOLE2).await;
    let wall = pupil2.get(&format!("/espaces/{e2}")).await;
    assert!(
        wall.body.contains("Image jointe : haricots.png"),
        "{}",
        wall.body
    );
    let file: String = sqlx::query_scalar("SELECT id FROM space_files WHERE name = 'haricots.png'")
        .fetch_one(c.node(ECOLE2).state.db.pool())
        .await
        .unwrap();
    let download = pupil2.get(&format!("/espaces/{e2}/fichiers/{file}")).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), Some("image/png"));
    // Not to someone outside the space, nor to an unsigned or unconcerned request.
    let outsider = c
        .node(ECOLE2)
        .signed_in(&c.worlds[ECOLE2].other_pupil)
        .await;
    assert_eq!(
        outsider
            .get(&format!("/espaces/{e2}/fichiers/{file}"))
            .await
            .status,
        404
    );
    let host_file: String =
        sqlx::query_scalar("SELECT id FROM space_files WHERE name = 'haricots.png'")
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();
    let path = format!("/federation/files/{host_file}");
    assert_eq!(c.linked.get_as(None, COLLEGE, &path).await.0, 404);
    assert_eq!(c.linked.get_as(Some(ECOLE2), COLLEGE, &path).await.0, 200);
    // Deleting the post removes the copies everywhere.
    let pupil_page = format!("/espaces/{e1}");
    let own: String =
        sqlx::query_scalar("SELECT post_id FROM space_files WHERE name = 'haricots.png'")
            .fetch_one(c.node(ECOLE1).state.db.pool())
            .await
            .unwrap();
    pupil1
        .submit(
            &pupil_page,
            &format!("{pupil_page}/messages/{own}/supprimer"),
            &[("confirme", "oui")],
        )
        .await;
    for node in [COLLEGE, ECOLE2, ECOLE1] {
        let c = &c;
        eventually(&format!("node {node} dropped the file"), || async move {
            file_bytes(c, node, "haricots.png").await.is_none()
        })
        .await;
    }
}

#[tokio::test]
async fn a_file_that_is_not_what_it_claims_is_refused() {
    let c = Cycle3::start().await;
    let id = c.create_space("Arts plastiques").await;
    let page = format!("/espaces/{id}");
    let teacher = c.teacher(COLLEGE).await;
    let csrf = teacher.get(&page).await.csrf();
    let (kind, body) = multipart(
        &[("csrf", &csrf), ("content", "Voici")],
        &[("photo.png", b"<html><script>alert(1)</script></html>")],
    );
    let refused = teacher
        .post_bytes(&format!("{page}/messages"), &kind, body)
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("photo.png"), "{}", refused.body);
    assert!(refused.body.contains("Voici"), "the typed text is kept");
    let posts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM space_posts")
        .fetch_one(c.node(COLLEGE).state.db.pool())
        .await
        .unwrap();
    assert_eq!(posts, 0, "nothing half-written");
}

#[tokio::test]
async fn a_photo_the_host_copies_after_the_approval_still_reaches_every_member_node() {
    let mut c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy");
    let e2 = c.local_id(ECOLE2, &group).await.expect("copy");
    let caption = "Nos haricots ont germé";

    // The pupil posts while the host is down, so that the switch below is in place before
    // the host ever asks for the photo.
    let down = c.linked.nodes.remove(COLLEGE).take_down().await;
    let page1 = format!("/espaces/{e1}");
    let pupil1 = c.pupil(ECOLE1).await;
    let csrf = pupil1.get(&page1).await.csrf();
    let (kind, body) = multipart(
        &[("csrf", &csrf), ("content", caption)],
        &[("haricots.png", PNG)],
    );
    let sent = pupil1
        .post_bytes(&format!("{page1}/messages"), &kind, body)
        .await;
    assert!(sent.redirects_to(&page1), "{}", sent.body);
    // The switch: école 1 answers 404 for the photo until its bytes are put back.
    let db1 = c.node(ECOLE1).state.db.clone();
    let (file_id, bytes): (String, Vec<u8>) = sqlx::query_as(
        "SELECT d.file_id, d.data FROM space_file_data d JOIN space_files f ON f.id = d.file_id \
         WHERE f.name = 'haricots.png'",
    )
    .fetch_one(db1.pool())
    .await
    .unwrap();
    sqlx::query("DELETE FROM space_file_data WHERE file_id = $1")
        .bind(&file_id)
        .execute(db1.pool())
        .await
        .unwrap();

    // The host comes back, receives the post, cannot copy the photo yet; a teacher approves.
    c.linked.nodes.push(down.start().await);
    c.linked.wait_active(ECOLE1, COLLEGE).await;
    c.linked.advance(3600);
    c.wait_status(COLLEGE, caption, Some("pending")).await;
    c.approve(&id, caption).await;
    c.wait_status(ECOLE2, caption, Some("published")).await;
    assert_eq!(file_bytes(&c, COLLEGE, "haricots.png").await, None);
    assert_eq!(file_bytes(&c, ECOLE2, "haricots.png").await, None);

    // École 1 serves the photo again: the host copies it, then every member node does.
    sqlx::query("INSERT INTO space_file_data (file_id, data) VALUES ($1, $2)")
        .bind(&file_id)
        .bind(&bytes)
        .execute(db1.pool())
        .await
        .unwrap();
    c.linked.advance(3600);
    wait_file(&c, COLLEGE, "haricots.png").await;
    wait_file(&c, ECOLE2, "haricots.png").await;
    assert_eq!(
        file_bytes(&c, ECOLE2, "haricots.png").await.as_deref(),
        Some(PNG)
    );
    let wall = c.pupil(ECOLE2).await.get(&format!("/espaces/{e2}")).await;
    assert!(
        wall.body.contains("Image jointe : haricots.png"),
        "{}",
        wall.body
    );
}
