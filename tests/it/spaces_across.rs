//! A collège and two écoles on three nodes run a shared space (the écoles are not linked to
//! each other): invite, post, moderate, leave, survive a host outage, end a link.

use ent_tests::federation::eventually;
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2};

#[tokio::test]
async fn a_shared_space_lives_through_a_school_year() {
    let mut c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy on école 1");
    let e2 = c.local_id(ECOLE2, &group).await.expect("copy on école 2");
    let host_page = format!("/espaces/{id}");
    let (page1, page2) = (format!("/espaces/{e1}"), format!("/espaces/{e2}"));

    // Each member's school shows on every node, though the écoles are not linked.
    let pupil2 = c.pupil(ECOLE2).await;
    let seen = pupil2.get(&page2).await;
    assert_eq!(seen.status, 200);
    for school in ["École Jules Ferry", "École Pasteur", "Collège Jean Moulin"] {
        assert!(
            seen.body.contains(school),
            "{school} missing: {}",
            seen.body
        );
    }

    // A pupil of école 1 posts from its own node: the space is pre-moderated.
    let pupil1 = c.pupil(ECOLE1).await;
    let text = "Nous avons planté des haricots !";
    let sent = pupil1
        .submit(&page1, &format!("{page1}/messages"), &[("content", text)])
        .await;
    assert!(sent.redirects_to(&page1), "{}", sent.body);
    c.wait_status(COLLEGE, text, Some("pending")).await;
    c.wait_status(ECOLE1, text, Some("pending")).await;
    c.drained(COLLEGE, ECOLE2).await;
    assert_eq!(
        c.status_of(ECOLE2, text).await,
        None,
        "a pending post stays with its author"
    );
    assert!(
        pupil1
            .get(&page1)
            .await
            .body
            .contains("en attente de validation")
    );

    // The collège's teacher approves it on the host: it appears everywhere.
    let teacher = c.teacher(COLLEGE).await;
    let post = c.post_id(COLLEGE, text).await;
    let moderate = format!("{host_page}/messages/{post}/moderer");
    teacher
        .submit(&host_page, &moderate, &[("action", "approuver")])
        .await;
    c.wait_status(ECOLE2, text, Some("published")).await;
    c.wait_status(ECOLE1, text, Some("published")).await;
    assert!(pupil2.get(&page2).await.body.contains(text));

    // A moderator hides it: it disappears for members everywhere.
    teacher
        .submit(&host_page, &moderate, &[("action", "masquer")])
        .await;
    c.wait_status(ECOLE1, text, Some("hidden")).await;
    c.wait_status(ECOLE2, text, Some("hidden")).await;
    assert!(!pupil2.get(&page2).await.body.contains(text));
    assert!(!pupil1.get(&page1).await.body.contains(text));

    // A pupil of école 2 leaves, after being asked: the space is gone for them.
    let leave2 = format!("{page2}/quitter");
    assert!(
        pupil2
            .get(&page2)
            .await
            .body
            .contains(&format!("href=\"{leave2}\""))
    );
    let asked = pupil2.get(&leave2).await;
    assert!(
        asked.body.contains("Tu veux vraiment quitter"),
        "{}",
        asked.body
    );
    assert_eq!(
        pupil2.get(&page2).await.status,
        200,
        "asking changed nothing"
    );
    pupil2
        .submit(&leave2, &leave2, &[("confirme", "oui")])
        .await;
    c.wait_members(COLLEGE, &group, 4).await;
    assert_eq!(pupil2.get(&page2).await.status, 404);

    // The last member of école 2 leaves: nothing more goes there.
    let teacher2 = c.teacher(ECOLE2).await;
    teacher2
        .submit(&leave2, &leave2, &[("confirme", "oui")])
        .await;
    c.wait_members(COLLEGE, &group, 3).await;
    c.drained(COLLEGE, ECOLE2).await;
    let later = "Rendez-vous au collège le 12 juin.";
    teacher
        .submit(
            &host_page,
            &format!("{host_page}/messages"),
            &[("content", later)],
        )
        .await;
    assert_eq!(
        c.status_of(COLLEGE, later).await.as_deref(),
        Some("published")
    );
    assert_eq!(
        c.queued(COLLEGE, ECOLE2).await,
        0,
        "école 2 has no member left"
    );
    c.wait_status(ECOLE1, later, Some("published")).await;
    assert_eq!(c.status_of(ECOLE2, later).await, None);

    // The host goes down: école 1 still reads its copy and queues what its pupil writes.
    let down = c.linked.nodes.remove(COLLEGE).take_down().await;
    let during = "Écrit pendant que le collège était injoignable";
    let read = pupil1.get(&page1).await;
    assert_eq!(read.status, 200);
    assert!(read.body.contains(later));
    pupil1
        .submit(&page1, &format!("{page1}/messages"), &[("content", during)])
        .await;
    assert_eq!(
        c.status_of(ECOLE1, during).await.as_deref(),
        Some("sending")
    );
    let db1 = c.node(ECOLE1).state.db.clone();
    eventually("école 1 notices the host is unreachable", || {
        let db1 = db1.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM federation_peers WHERE failing_since > 0",
            )
            .fetch_one(db1.pool())
            .await
            .unwrap_or(0)
                > 0
        }
    })
    .await;
    let banner = pupil1.get(&page1).await;
    assert!(
        banner.body.contains("l'ENT hôte est injoignable"),
        "{}",
        banner.body
    );
    assert!(banner.body.contains("en cours d&#39;envoi"));

    // It comes back: everything converges.
    c.linked.nodes.push(down.start().await);
    c.linked.wait_active(ECOLE1, COLLEGE).await;
    c.linked.advance(3600);
    // An hour without a click ends a pupil's session (45 minutes): sign in again.
    let pupil1 = c.pupil(ECOLE1).await;
    c.wait_status(COLLEGE, during, Some("pending")).await;
    c.wait_status(ECOLE1, during, Some("pending")).await;
    let teacher = c.teacher(COLLEGE).await;
    let post = c.post_id(COLLEGE, during).await;
    teacher
        .submit(
            &host_page,
            &format!("{host_page}/messages/{post}/moderer"),
            &[("action", "approuver")],
        )
        .await;
    c.wait_status(ECOLE1, during, Some("published")).await;

    // The link with école 1 ends: its guests lose access on the host, its copy is purged.
    for (node, peer) in [(COLLEGE, ECOLE1), (ECOLE1, COLLEGE)] {
        let app = c.node(node);
        let mut links = app.state.config.links.clone();
        for link in &mut links {
            if link.normalized_domain() == c.linked.domains[peer] {
                link.valid_until = "2020-06-30".into();
            }
        }
        app.federation().reload(&links).await;
        app.federation().check_links().await;
    }
    let host_db = c.node(COLLEGE).state.db.clone();
    let peer = c.linked.domains[ECOLE1].clone();
    eventually("école 1's guests expired on the host", || {
        let (db, peer) = (host_db.clone(), peer.clone());
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM guests g JOIN users u ON u.id = g.user_id WHERE g.peer = $1 AND (g.expired_at = 0 OR u.active = 1)",
            )
            .bind(&peer)
            .fetch_one(db.pool())
            .await
            .unwrap_or(-1)
                == 0
        }
    })
    .await;
    c.wait_members(COLLEGE, &group, 1).await;
    assert_eq!(
        c.local_id(ECOLE1, &group).await,
        None,
        "école 1's copy is purged"
    );
    assert_eq!(pupil1.get(&page1).await.status, 404);
    // What école 1's pupil wrote stays on the host, attributed to a former member.
    assert_eq!(
        c.status_of(COLLEGE, during).await.as_deref(),
        Some("published")
    );
    let wall = c.teacher(COLLEGE).await.get(&host_page).await.body;
    assert!(
        wall.contains(during) && wall.contains("ancien membre"),
        "{wall}"
    );
}

#[tokio::test]
async fn at_the_end_of_the_school_year_remote_guests_leave_everywhere() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    // A year later, the host's daily job expires the guests of both écoles.
    c.linked.advance(400 * 24 * 3600);
    let host = c.node(COLLEGE);
    ent_node::guests::expiry::run_once(&host.state.db, &host.state.clock, Some(host.federation()))
        .await;
    c.wait_members(COLLEGE, &group, 1).await;
    // Each école learns that its own members are out (a node left without members is sent
    // nothing more, so its copy may still list the others).
    for ecole in [ECOLE1, ECOLE2] {
        let db = c.node(ecole).state.db.clone();
        eventually(&format!("école {ecole}'s members are out"), || {
            let db = db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM space_members WHERE user_id IS NOT NULL AND state = 'active'",
                )
                .fetch_one(db.pool())
                .await
                .unwrap_or(-1)
                    == 0
            }
        })
        .await;
    }
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy");
    assert_eq!(
        c.pupil(ECOLE1)
            .await
            .get(&format!("/espaces/{e1}"))
            .await
            .status,
        404
    );
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN guests g ON g.user_id = u.id WHERE u.active = 1",
    )
    .fetch_one(host.state.db.pool())
    .await
    .unwrap();
    assert_eq!(active, 0);
}

#[tokio::test]
async fn a_pupil_admitted_by_invitation_signs_in_on_the_host_with_their_own_ent() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let other = c.create_space("Espace du collège seul").await;
    let (host, home) = (c.node(COLLEGE).client(), c.node(ECOLE1).client());
    let domains = (
        c.linked.domains[COLLEGE].as_str(),
        c.linked.domains[ECOLE1].as_str(),
    );
    let back = ent_tests::guests::trip(&host, &home, domains, &c.worlds[ECOLE1].pupil).await;
    assert!(host.get(&back).await.redirects_to("/portail"));
    let spaces = host.get("/espaces").await;
    assert!(spaces.body.contains("Sciences CM2-6e"), "{}", spaces.body);
    assert!(!spaces.body.contains("Espace du collège seul"));
    assert_eq!(host.get(&format!("/espaces/{id}")).await.status, 200);
    assert_eq!(host.get(&format!("/espaces/{other}")).await.status, 404);
    let classes = format!("/classes/{}", c.worlds[COLLEGE].class_a);
    assert_eq!(host.get(&classes).await.status, 403);
    // Their reading on the host is in the host's journal.
    let read: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'space.read'")
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();
    assert!(read >= 1);
}

#[tokio::test]
async fn reports_reach_the_moderators_of_every_node() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let host_page = format!("/espaces/{id}");
    let text = "Qui a trouvé la réponse ?";
    let owner = c.teacher(COLLEGE).await;
    owner
        .submit(
            &host_page,
            &format!("{host_page}/messages"),
            &[("content", text)],
        )
        .await;
    c.wait_status(ECOLE2, text, Some("published")).await;
    let e2 = c.local_id(ECOLE2, &group).await.expect("copy");
    let page2 = format!("/espaces/{e2}");
    let post = c.post_id(ECOLE2, text).await;
    c.pupil(ECOLE2)
        .await
        .submit(
            &page2,
            &format!("{page2}/messages/{post}/signaler"),
            &[("reason", "hors sujet")],
        )
        .await;
    // The moderator of école 1 sees it on their own ENT.
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy");
    let teacher1 = c.teacher(ECOLE1).await;
    let page1 = format!("/espaces/{e1}");
    eventually("école 1's moderator sees the report", || {
        let (teacher1, page1) = (&teacher1, &page1);
        async move { teacher1.get(page1).await.body.contains("hors sujet") }
    })
    .await;
    assert!(owner.get(&host_page).await.body.contains("hors sujet"));
    // Pupils do not see reports.
    assert!(
        !c.pupil(ECOLE1)
            .await
            .get(&page1)
            .await
            .body
            .contains("hors sujet")
    );
    // A moderator hides the post: the report is dealt with everywhere.
    let host_post = c.post_id(COLLEGE, text).await;
    owner
        .submit(
            &host_page,
            &format!("{host_page}/messages/{host_post}/moderer"),
            &[("action", "masquer")],
        )
        .await;
    eventually("école 1's report is resolved", || {
        let (teacher1, page1) = (&teacher1, &page1);
        async move { !teacher1.get(page1).await.body.contains("hors sujet") }
    })
    .await;
}

#[tokio::test]
async fn what_a_guest_wrote_is_deleted_everywhere_when_asked() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let text = "Mon premier message";
    c.pupil_posts(ECOLE1, &group, text).await;
    c.approve(&id, text).await;
    c.wait_status(ECOLE2, text, Some("published")).await;
    // The host's operator deletes, on request, what the guest wrote.
    let guest: String =
        sqlx::query_scalar("SELECT user_id FROM space_members WHERE role = 'member' AND node = $1")
            .bind(&c.linked.domains[ECOLE1])
            .fetch_one(c.node(COLLEGE).state.db.pool())
            .await
            .unwrap();
    let operator = c.node(COLLEGE).signed_in(&c.worlds[COLLEGE].operator).await;
    let account = format!("/admin/utilisateurs/{guest}");
    assert!(operator.get(&account).await.body.contains("1 message(s)"));
    // Asked once more first: nothing goes in one tap.
    let asked = operator
        .submit(&account, &format!("{account}/messages"), &[])
        .await;
    assert!(asked.body.contains("C&#39;est définitif"), "{}", asked.body);
    assert!(c.status_of(COLLEGE, text).await.is_some());
    let erased = operator
        .submit(
            &account,
            &format!("{account}/messages"),
            &[("confirme", "oui")],
        )
        .await;
    assert!(erased.redirects_to(&account), "{erased:?}");
    assert_eq!(c.status_of(COLLEGE, text).await, None);
    c.wait_status(ECOLE2, text, None).await;
    c.wait_status(ECOLE1, text, None).await;
    let journal = operator.get("/admin/journal?type=federation").await.body;
    assert!(journal.contains("une personne effacés"), "{journal}");
}

#[tokio::test]
async fn a_post_the_host_refuses_is_shown_refused_to_its_author() {
    let c = Cycle3::start().await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    // The host no longer counts école 1's pupil as a member, and école 1 does not know yet.
    sqlx::query("UPDATE space_members SET state = 'removed' WHERE role = 'member' AND node = $1")
        .bind(&c.linked.domains[ECOLE1])
        .execute(c.node(COLLEGE).state.db.pool())
        .await
        .unwrap();
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy");
    let page1 = format!("/espaces/{e1}");
    let pupil = c.pupil(ECOLE1).await;
    let text = "Ce message ne passera pas";
    pupil
        .submit(&page1, &format!("{page1}/messages"), &[("content", text)])
        .await;
    c.wait_status(ECOLE1, text, Some("refused")).await;
    assert!(
        pupil
            .get(&page1)
            .await
            .body
            .contains("refusé par l&#39;ENT hôte")
    );
    assert!(
        !c.teacher(ECOLE1)
            .await
            .get(&page1)
            .await
            .body
            .contains(text)
    );
    assert_eq!(c.status_of(COLLEGE, text).await, None);
}
