//! Cycle 3 fixtures: a collège hosting a space and two écoles linked to it (not to each
//! other), each with its world, driven through the pages as teachers and pupils use them.

use ent_node::spaces::store;
use sqlx::Row;

use crate::federation::{Linked, eventually, spawn_linked_with};
use crate::{TestApp, TestClient, World};

/// First école.
pub const ECOLE1: usize = 0;
/// Second école.
pub const ECOLE2: usize = 1;
/// The host (collège); last, so that taking it down leaves the others' indexes alone.
pub const COLLEGE: usize = 2;

/// Three linked nodes with their worlds.
pub struct Cycle3 {
    /// The nodes.
    pub linked: Linked,
    /// One world per node, same order.
    pub worlds: Vec<World>,
}

/// School names, per node.
const SCHOOLS: [&str; 3] = ["École Jules Ferry", "École Pasteur", "Collège Jean Moulin"];

impl Cycle3 {
    /// Starts the three nodes (collège linked to each école) with a world each.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// As [`Cycle3::start`], after `adjust` changes every node's configuration.
    pub async fn start_with(adjust: impl Fn(&mut ent_config::NodeConfig)) -> Self {
        let linked = spawn_linked_with(
            &["ecole1.test", "ecole2.test", "college.test"],
            &[(COLLEGE, ECOLE1), (COLLEGE, ECOLE2)],
            adjust,
        )
        .await;
        let mut worlds = Vec::new();
        for (i, node) in linked.nodes.iter().enumerate() {
            let world = World::build(&node.state).await;
            sqlx::query("UPDATE schools SET name = $1 WHERE id = $2")
                .bind(SCHOOLS[i])
                .bind(&world.school_id)
                .execute(node.state.db.pool())
                .await
                .expect("school name");
            worlds.push(world);
        }
        Self { linked, worlds }
    }

    /// Node `i`.
    pub fn node(&self, i: usize) -> &TestApp {
        self.linked.node(i)
    }

    /// The class teacher of node `i`, signed in.
    pub async fn teacher(&self, i: usize) -> TestClient {
        self.node(i).signed_in(&self.worlds[i].teacher).await
    }

    /// The class-A pupil of node `i`, signed in.
    pub async fn pupil(&self, i: usize) -> TestClient {
        self.node(i).signed_in(&self.worlds[i].pupil).await
    }

    /// The URL of class A of node `i`, as its directory names it.
    pub fn class_url(&self, i: usize) -> String {
        format!(
            "https://{}/federation/classes/{}",
            self.linked.domains[i], self.worlds[i].class_a
        )
    }

    /// The collège's teacher creates a space; returns its id.
    pub async fn create_space(&self, title: &str) -> String {
        let teacher = self.teacher(COLLEGE).await;
        let page = teacher
            .submit(
                "/espaces",
                "/espaces",
                &[("title", title), ("description", "Liaison CM2-6e")],
            )
            .await;
        let location = page.location.clone().expect("redirect to the space");
        location.trim_start_matches("/espaces/").to_owned()
    }

    /// The collège's teacher invites class A of école `i`; returns the page shown (after the
    /// redirect, when the invitation went).
    pub async fn invite(&self, space_id: &str, i: usize) -> crate::client::Page {
        let teacher = self.teacher(COLLEGE).await;
        let page = format!("/espaces/{space_id}/inviter");
        let sent = teacher
            .submit(
                &page,
                &page,
                &[
                    ("kind", "remote"),
                    ("peer", &self.linked.domains[i]),
                    ("class_url", &self.class_url(i)),
                ],
            )
            .await;
        teacher.follow(sent).await
    }

    /// École `i`'s teacher waits for the invitation and accepts it with its class-A pupil.
    pub async fn accept(&self, i: usize) {
        let db = self.node(i).state.db.clone();
        eventually("the invitation reached the école", || {
            let db = db.clone();
            async move { received_invitation(&db).await.is_some() }
        })
        .await;
        let id = received_invitation(&db).await.expect("invitation");
        let teacher = self.teacher(i).await;
        let page = format!("/espaces/invitations/{id}");
        let answer = teacher
            .submit(
                &page,
                &page,
                &[("answer", "accepter"), ("pupil", &self.worlds[i].pupil.id)],
            )
            .await;
        assert!(answer.redirects_to("/espaces"), "{}", answer.body);
    }

    /// A space shared by the collège with both écoles, everyone admitted everywhere; returns
    /// the space id on the host.
    pub async fn shared_space(&self) -> String {
        let id = self.create_space("Sciences CM2-6e").await;
        for ecole in [ECOLE1, ECOLE2] {
            let page = self.invite(&id, ecole).await;
            assert_eq!(page.status, 200, "{}", page.body);
            self.accept(ecole).await;
        }
        let group = self.group_of(&id).await;
        for node in [COLLEGE, ECOLE1, ECOLE2] {
            self.wait_members(node, &group, 5).await;
        }
        id
    }

    /// The Group URL of the host's space `id`.
    pub async fn group_of(&self, id: &str) -> String {
        let mut conn = self
            .node(COLLEGE)
            .state
            .db
            .pool()
            .acquire()
            .await
            .expect("conn");
        store::get(&mut conn, id)
            .await
            .expect("space")
            .expect("exists")
            .group_id
    }

    /// The local id of the space (or copy) of `group` on node `i`.
    pub async fn local_id(&self, i: usize, group: &str) -> Option<String> {
        let mut conn = self.node(i).state.db.pool().acquire().await.expect("conn");
        store::by_group(&mut conn, group)
            .await
            .expect("space")
            .map(|s| s.id)
    }

    /// Waits until node `i` holds `count` active members of `group`.
    pub async fn wait_members(&self, i: usize, group: &str, count: i64) {
        let db = self.node(i).state.db.clone();
        let group = group.to_owned();
        eventually(&format!("node {i} sees {count} members"), || {
            let (db, group) = (db.clone(), group.clone());
            async move { active_members(&db, &group).await == count }
        })
        .await;
    }

    /// The status of the post containing `text` on node `i` (None: not there).
    pub async fn status_of(&self, i: usize, text: &str) -> Option<String> {
        sqlx::query_scalar("SELECT status FROM space_posts WHERE content = $1")
            .bind(text)
            .fetch_optional(self.node(i).state.db.pool())
            .await
            .expect("status")
    }

    /// Waits until the post `text` has `status` on node `i` (`None`: is gone or never came).
    pub async fn wait_status(&self, i: usize, text: &str, status: Option<&str>) {
        let want = status.map(str::to_owned);
        eventually(&format!("node {i}: « {text} » is {status:?}"), || {
            let want = want.clone();
            async move { self.status_of(i, text).await == want }
        })
        .await;
    }

    /// École `ecole`'s class-A pupil writes `text` in its copy of `group`, from their own ENT;
    /// waits until the host holds it, waiting for a moderator.
    pub async fn pupil_posts(&self, ecole: usize, group: &str, text: &str) {
        let copy = self
            .local_id(ecole, group)
            .await
            .expect("copy of the space");
        let page = format!("/espaces/{copy}");
        let sent = self
            .pupil(ecole)
            .await
            .submit(&page, &format!("{page}/messages"), &[("content", text)])
            .await;
        assert!(sent.redirects_to(&page), "{}", sent.body);
        self.wait_status(COLLEGE, text, Some("pending")).await;
    }

    /// The collège's teacher approves the post `text` of the host's space `id`.
    pub async fn approve(&self, id: &str, text: &str) {
        let page = format!("/espaces/{id}");
        let post = self.post_id(COLLEGE, text).await;
        let moderate = format!("{page}/messages/{post}/moderer");
        let done = self
            .teacher(COLLEGE)
            .await
            .submit(&page, &moderate, &[("action", "approuver")])
            .await;
        assert!(done.redirects_to(&page), "{}", done.body);
    }

    /// The local id of the post `text` on node `i`.
    pub async fn post_id(&self, i: usize, text: &str) -> String {
        sqlx::query_scalar("SELECT id FROM space_posts WHERE content = $1")
            .bind(text)
            .fetch_one(self.node(i).state.db.pool())
            .await
            .expect("post")
    }

    /// Deliveries waiting on node `from` for node `to`.
    pub async fn queued(&self, from: usize, to: usize) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM federation_deliveries WHERE peer = $1")
            .bind(&self.linked.domains[to])
            .fetch_one(self.node(from).state.db.pool())
            .await
            .expect("queue")
    }

    /// Waits until node `from` has delivered everything to node `to`.
    pub async fn drained(&self, from: usize, to: usize) {
        eventually(
            &format!("node {from} delivered everything to {to}"),
            || async move { self.queued(from, to).await == 0 },
        )
        .await;
    }
}

async fn received_invitation(db: &ent_node::store::Db) -> Option<String> {
    sqlx::query("SELECT id FROM space_invitations WHERE direction = 'in' AND state = 'open'")
        .fetch_optional(db.pool())
        .await
        .expect("invitation")
        .map(|r| r.get(0))
}

async fn active_members(db: &ent_node::store::Db, group: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM space_members m JOIN spaces s ON s.id = m.space_id WHERE s.group_id = $1 AND m.state = 'active'",
    )
    .bind(group)
    .fetch_one(db.pool())
    .await
    .expect("members")
}

/// A `multipart/form-data` body as a browser sends the composer: text fields, then files
/// `(name, bytes)` under `file`; returns (content type, body).
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----ent-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A tiny valid PNG (1×1).
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

/// A teacher adds a class of their own school to a space from its invite page (`invite`):
/// the answer redirects with the outcome, which the page then shows.
pub async fn add_local_class(teacher: &TestClient, invite: &str, class_id: &str) {
    let added = teacher
        .submit(invite, invite, &[("kind", "local"), ("class_id", class_id)])
        .await;
    assert!(
        added.redirects_to(&format!("{invite}?fait=classe-ajoutee")),
        "{added:?}"
    );
    let added = teacher.follow(added).await;
    assert!(
        added.body.contains("La classe a été ajoutée"),
        "{}",
        added.body
    );
}
