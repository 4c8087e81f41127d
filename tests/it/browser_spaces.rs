//! Cycle 3 spaces in headless Chromium, on three linked nodes served over TLS under their test
//! names (a collège hosting, two écoles linked to it): teachers create, invite and answer
//! invitations; a pupil posts from their own ENT; teachers moderate on the host and on a
//! member node; members keep reading while the host is down. Every page reached is checked by
//! axe-core (serious or critical violations fail). Skipped with a message when Chromium,
//! chromedriver or axe-core are missing, except in CI.
//!
//! With `ENT_SCREENSHOTS_DIR` set, the tests also save the screenshots of `docs/cycle3.md`
//! (`cycle3-*.png`) in that folder.

use ent_tests::browser::{self, Browser, DESKTOP, Options, Tools, VIEWPORT};
use ent_tests::federation::eventually;
use ent_tests::spaces::{COLLEGE, Cycle3, ECOLE1, ECOLE2};
use ent_tests::{PASSWORD, TestApp, world::Person};

/// Title of the space the collège's teacher creates.
const TITLE: &str = "Sciences CM2-6e";

async fn rename(app: &TestApp, user_id: &str, first: &str, last: &str) {
    sqlx::query("UPDATE users SET first_name = $1, last_name = $2 WHERE id = $3")
        .bind(first)
        .bind(last)
        .bind(user_id)
        .execute(app.state.db.pool())
        .await
        .expect("renamed");
}

/// Labels the links of `node` as an operator would (badges show them as the ENT's name).
async fn label_links(c: &Cycle3, node: usize, labels: &[(usize, &str)]) {
    let app = c.node(node);
    let mut links = app.state.config.links.clone();
    for link in &mut links {
        for (peer, label) in labels {
            if link.normalized_domain() == c.linked.domains[*peer] {
                link.label = (*label).to_owned();
            }
        }
    }
    app.federation().reload(&links).await;
}

/// Gives the three test nodes the names of a real sector, for readable pages and screenshots:
/// distinct people, a 6e class on the collège, links labelled by their ENT's name. École 1's
/// class A gets two more pupils (Nathan, Chloé), so that its teacher has pupils to choose
/// from; returns Chloé.
async fn dress(c: &Cycle3) -> Person {
    let college = c.node(COLLEGE);
    let w = &c.worlds[COLLEGE];
    rename(college, &w.teacher.id, "Claire", "Dubois").await;
    rename(college, &w.pupil.id, "Emma", "Girard").await;
    for (class, name) in [(&w.class_a, "6e A"), (&w.class_b, "6e B")] {
        sqlx::query("UPDATE classes SET name = $1, levels = '6e' WHERE id = $2")
            .bind(name)
            .bind(class)
            .execute(college.state.db.pool())
            .await
            .expect("class renamed");
    }
    let ecole2 = c.node(ECOLE2);
    rename(ecole2, &c.worlds[ECOLE2].teacher.id, "Karim", "Benali").await;
    rename(ecole2, &c.worlds[ECOLE2].pupil.id, "Jade", "Moreau").await;
    let ecole1 = c.node(ECOLE1);
    let w1 = &c.worlds[ECOLE1];
    w1.add_pupil(&ecole1.state, &w1.class_a, "Nathan", "Lefèvre")
        .await;
    let chloe = w1
        .add_pupil(&ecole1.state, &w1.class_a, "Chloé", "Garnier")
        .await;
    label_links(
        c,
        COLLEGE,
        &[(ECOLE1, "ENT de Villeneuve"), (ECOLE2, "ENT de Saint-Rémy")],
    )
    .await;
    for ecole in [ECOLE1, ECOLE2] {
        label_links(c, ecole, &[(COLLEGE, "ENT du collège Jean Moulin")]).await;
    }
    chloe
}

/// A browser (phone or desktop sized) on node `i`, reaching every node by its test name.
async fn open(tools: &Tools, c: &Cycle3, i: usize, viewport: (u32, u32)) -> Browser {
    let options = Options::linked(&c.linked, viewport);
    Browser::start_with(tools, &c.node(i).base_url, &options).await
}

/// Waits until node `i` has received an invitation, and returns its id there.
async fn received_invitation(c: &Cycle3, i: usize) -> String {
    let db = c.node(i).state.db.clone();
    let query = "SELECT id FROM space_invitations WHERE direction = 'in' AND state = 'open'";
    eventually(&format!("node {i} received the invitation"), || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, String>(query)
                .fetch_optional(db.pool())
                .await
                .expect("invitations")
                .is_some()
        }
    })
    .await;
    sqlx::query_scalar(query)
        .fetch_one(db.pool())
        .await
        .expect("invitation")
}

/// Whether node `i` currently counts its deliveries to the host as failing.
async fn host_failing(c: &Cycle3, i: usize) -> bool {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM federation_peers WHERE domain = $1 AND failing_since > 0",
    )
    .bind(&c.linked.domains[COLLEGE])
    .fetch_one(c.node(i).state.db.pool())
    .await
    .unwrap_or(0)
        > 0
}

/// Whether the page holds an element that `css` selects.
async fn shows(browser: &Browser, css: &str) -> bool {
    browser
        .client()
        .find(fantoccini::Locator::Css(css))
        .await
        .is_ok()
}

/// The space id of the page a browser is on (`/espaces/{id}`).
async fn space_on_page(browser: &Browser) -> String {
    let path = browser.path().await;
    path.strip_prefix("/espaces/")
        .unwrap_or_else(|| panic!("not on a space page: {path}"))
        .to_owned()
}

/// The whole cycle 3 story through the pages: the collège's teacher creates a space and
/// invites a local class and the CM2 classes of both écoles; école 1's teacher answers,
/// choosing pupils; a pupil of école 1 posts from their ENT and sees the post waiting; the
/// host's teacher approves it in "À valider" and it shows on école 1.
#[tokio::test]
async fn a_pupil_posts_from_their_ent_and_the_host_teacher_approves_it() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let c = Cycle3::start().await;
    let chloe = dress(&c).await;

    // The collège's teacher creates the space from "Mes espaces".
    let teacher = open(&tools, &c, COLLEGE, DESKTOP).await;
    teacher
        .sign_in(&c.worlds[COLLEGE].teacher.identifier, PASSWORD)
        .await;
    teacher.follow_link("Mes espaces").await;
    assert!(
        teacher
            .body_text()
            .await
            .contains("Vous ne faites partie d'aucun espace")
    );
    teacher.fill("#title", TITLE).await;
    teacher
        .fill(
            "#description",
            "Liaison CM2-6e : nos expériences de sciences, de l'école au collège.",
        )
        .await;
    teacher
        .doc_screenshot_of("cycle3-creer-espace", "header.top, main")
        .await;
    teacher
        .click_through("form[action=\"/espaces\"] button[type=submit]")
        .await;
    let id = space_on_page(&teacher).await;
    assert!(teacher.text("h1").await.contains(TITLE));

    // Invitations: the collège's own 6e A at once, the CM2 classes of both écoles.
    teacher.follow_link("Inviter des classes").await;
    let text = teacher.body_text().await;
    for expected in [
        "Classes de cet ENT",
        "ENT de Villeneuve",
        "ENT de Saint-Rémy",
        "École Jules Ferry",
        "École Pasteur",
        "3 élève(s)",
    ] {
        assert!(text.contains(expected), "{expected} missing: {text}");
    }
    teacher
        .click_through("button[aria-label=\"Ajouter la classe 6e A\"]")
        .await;
    assert!(
        teacher
            .body_text()
            .await
            .contains("La classe a été ajoutée")
    );
    teacher
        .click_through("button[aria-label=\"Inviter la classe CM2 A de École Jules Ferry\"]")
        .await;
    assert!(teacher.body_text().await.contains("Invitation envoyée"));
    teacher
        .click_through("button[aria-label=\"Inviter la classe CM2 A de École Pasteur\"]")
        .await;
    let text = teacher.body_text().await;
    assert!(text.contains("Invitations envoyées"), "{text}");
    assert!(text.contains("en attente de réponse"), "{text}");
    teacher
        .doc_screenshot_of("cycle3-inviter", "header.top, main")
        .await;

    // École 1's teacher answers from their own ENT, leaving one pupil out.
    let invitation = received_invitation(&c, ECOLE1).await;
    let teacher1 = open(&tools, &c, ECOLE1, DESKTOP).await;
    teacher1
        .sign_in(&c.worlds[ECOLE1].teacher.identifier, PASSWORD)
        .await;
    teacher1.follow_link("Mes espaces").await;
    let text = teacher1.body_text().await;
    assert!(text.contains("Invitations pour mes classes"), "{text}");
    assert!(text.contains("Claire D. (Collège Jean Moulin)"), "{text}");
    teacher1.follow_link("Répondre").await;
    assert_eq!(
        teacher1.path().await,
        format!("/espaces/invitations/{invitation}")
    );
    let text = teacher1.body_text().await;
    for name in ["Léa M.", "Nathan L.", "Chloé G."] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
    teacher1.click(&format!("#pupil-{}", chloe.id)).await;
    teacher1
        .doc_screenshot_of("cycle3-invitation-recue", "header.top, main")
        .await;
    teacher1.click_through("button[value=accepter]").await;
    assert_eq!(teacher1.path().await, "/espaces");
    assert!(teacher1.body_text().await.contains("acceptée"));
    // École 2's teacher accepts too (through the pages, without a browser).
    c.accept(ECOLE2).await;

    // Claire and Emma (collège), Paul, Léa and Nathan (école 1), Karim and Jade (école 2).
    let group = c.group_of(&id).await;
    for node in [COLLEGE, ECOLE1, ECOLE2] {
        c.wait_members(node, &group, 7).await;
    }
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy on école 1");
    let page1 = format!("/espaces/{e1}");

    // A pupil of école 1 signs in on their own ENT and writes from "Mes espaces".
    let pupil = open(&tools, &c, ECOLE1, VIEWPORT).await;
    pupil
        .sign_in(&c.worlds[ECOLE1].pupil.identifier, PASSWORD)
        .await;
    pupil.doc_screenshot("cycle3-portail-eleve").await;
    pupil.follow_link("Mes espaces").await;
    assert!(pupil.body_text().await.contains("espace partagé"));
    pupil
        .click_through(&format!("a.tile[href=\"{page1}\"]"))
        .await;
    assert!(pupil.text("h1").await.contains(TITLE));
    assert!(pupil.body_text().await.contains("J'écris un message"));
    let text = "Nous avons planté des haricots dans du coton. Ils ont germé en 4 jours !";
    pupil.fill("#content", text).await;
    pupil
        .click_through("form[aria-labelledby=compose] button[type=submit]")
        .await;
    assert_eq!(pupil.path().await, page1);
    let seen = pupil.body_text().await;
    assert!(seen.contains(text), "{seen}");
    assert!(
        seen.contains("en cours d'envoi à l'ENT hôte") || seen.contains("en attente de validation"),
        "{seen}"
    );
    // Once the host has it, the post waits for a moderator.
    c.wait_status(COLLEGE, text, Some("pending")).await;
    c.wait_status(ECOLE1, text, Some("pending")).await;
    pupil.goto(&page1).await;
    let seen = pupil.body_text().await;
    assert!(seen.contains("en attente de validation"), "{seen}");
    let on_ecole1 = c.post_id(ECOLE1, text).await;
    pupil
        .doc_screenshot_of(
            "cycle3-eleve-message-en-attente",
            &format!("header.top, #message-{on_ecole1}"),
        )
        .await;

    // The host's teacher approves it in "À valider".
    teacher.goto(&format!("/espaces/{id}")).await;
    let queue = teacher.text("section[aria-labelledby=queue]").await;
    assert!(queue.contains("À valider (1)"), "{queue}");
    assert!(queue.contains(text), "{queue}");
    assert!(queue.contains("Léa M."), "{queue}");
    assert!(
        queue.contains("École Jules Ferry · ENT de Villeneuve"),
        "{queue}"
    );
    // The teacher's page has the members (with where each comes from) and the settings.
    let members = teacher.text("section[aria-labelledby=members]").await;
    assert!(members.contains("Membres (7)"), "{members}");
    assert!(
        members.contains("Léa M. CM2 · École Jules Ferry · ENT de Villeneuve"),
        "{members}"
    );
    assert!(members.contains("Nathan L."), "{members}");
    assert!(
        !members.contains("Chloé"),
        "left out by her teacher: {members}"
    );
    assert!(
        teacher
            .text("form[aria-labelledby=settings]")
            .await
            .contains("Réglages")
    );
    teacher
        .doc_screenshot_of(
            "cycle3-a-valider",
            "header.top, section[aria-labelledby=queue]",
        )
        .await;
    teacher
        .click_through("section[aria-labelledby=queue] button[value=approuver]")
        .await;
    let after = teacher.body_text().await;
    assert!(!after.contains("À valider"), "{after}");
    assert!(after.contains(text), "{after}");

    // It shows on école 1's page, without a label.
    c.wait_status(ECOLE1, text, Some("published")).await;
    pupil.goto(&page1).await;
    let post = pupil.text(&format!("#message-{on_ecole1}")).await;
    assert!(post.contains(text), "{post}");
    assert!(!post.contains("en attente"), "{post}");
    pupil
        .doc_screenshot_of(
            "cycle3-eleve-message-publie",
            &format!("header.top, #message-{on_ecole1}"),
        )
        .await;
    c.wait_status(ECOLE2, text, Some("published")).await;
    assert_eq!(
        c.status_of(COLLEGE, text).await.as_deref(),
        Some("published")
    );

    pupil.close().await;
    teacher1.close().await;
    teacher.close().await;
}

/// Moderation and membership through the pages: a member node's teacher approves their pupil's
/// post from their own ENT; a pupil of the other école reports it; the host's teacher hides,
/// restores and deletes it; members' badges; settings; a pupil leaves; the owner closes the
/// space and it leaves every node's "Mes espaces".
#[tokio::test]
async fn teachers_moderate_and_close_a_shared_space_in_the_browser() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let c = Cycle3::start().await;
    dress(&c).await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy on école 1");
    let e2 = c.local_id(ECOLE2, &group).await.expect("copy on école 2");
    let (host_page, page1, page2) = (
        format!("/espaces/{id}"),
        format!("/espaces/{e1}"),
        format!("/espaces/{e2}"),
    );

    // Léa (école 1) posts; her own teacher approves it on école 1's pages.
    let text = "Voici la photo de notre maquette du système solaire.";
    let pupil1 = c.pupil(ECOLE1).await;
    pupil1
        .submit(&page1, &format!("{page1}/messages"), &[("content", text)])
        .await;
    c.wait_status(ECOLE1, text, Some("pending")).await;
    let teacher1 = open(&tools, &c, ECOLE1, DESKTOP).await;
    teacher1
        .sign_in(&c.worlds[ECOLE1].teacher.identifier, PASSWORD)
        .await;
    teacher1.goto(&page1).await;
    let queue = teacher1.text("section[aria-labelledby=queue]").await;
    assert!(queue.contains(text), "{queue}");
    teacher1
        .click_through("section[aria-labelledby=queue] button[value=approuver]")
        .await;
    c.wait_status(COLLEGE, text, Some("published")).await;
    c.wait_status(ECOLE2, text, Some("published")).await;

    // Jade (école 2, not linked to école 1) reads it and reports it.
    let pupil2 = open(&tools, &c, ECOLE2, VIEWPORT).await;
    pupil2
        .sign_in(&c.worlds[ECOLE2].pupil.identifier, PASSWORD)
        .await;
    pupil2.goto(&page2).await;
    let on_ecole2 = c.post_id(ECOLE2, text).await;
    let post = pupil2.text(&format!("#message-{on_ecole2}")).await;
    assert!(post.contains("Léa M."), "{post}");
    assert!(post.contains("École Jules Ferry"), "{post}");
    let members = pupil2.text("section[aria-labelledby=members]").await;
    for school in ["École Jules Ferry", "École Pasteur", "Collège Jean Moulin"] {
        assert!(members.contains(school), "{school} missing: {members}");
    }
    pupil2
        .doc_screenshot_of("cycle3-membres-eleve", "section[aria-labelledby=members]")
        .await;
    pupil2
        .click(&format!("#message-{on_ecole2} .actions summary"))
        .await;
    pupil2
        .fill(
            &format!("#reason-{on_ecole2}"),
            "On voit le nom de l'école sur la photo.",
        )
        .await;
    pupil2
        .click_through(&format!(
            "form[action=\"{page2}/messages/{on_ecole2}/signaler\"] button"
        ))
        .await;
    assert!(
        pupil2
            .body_text()
            .await
            .contains("Merci : les modérateurs de l'espace vont regarder ce message.")
    );

    // The host's teacher sees the report, hides the post, restores it, then deletes it.
    let db = c.node(COLLEGE).state.db.clone();
    eventually("the report reached the host", || {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM space_reports")
                .fetch_one(db.pool())
                .await
                .unwrap_or(0)
                == 1
        }
    })
    .await;
    let teacher = open(&tools, &c, COLLEGE, DESKTOP).await;
    teacher
        .sign_in(&c.worlds[COLLEGE].teacher.identifier, PASSWORD)
        .await;
    teacher.goto(&host_page).await;
    let reports = teacher.text("section[aria-labelledby=reports]").await;
    assert!(reports.contains("Message signalé par Jade M."), "{reports}");
    assert!(reports.contains("On voit le nom de l'école"), "{reports}");
    let on_host = c.post_id(COLLEGE, text).await;
    let message = format!("#message-{on_host}");
    teacher
        .doc_screenshot_of(
            "cycle3-signalement",
            &format!("section[aria-labelledby=reports], {message}"),
        )
        .await;
    teacher
        .click_through(&format!("{message} button[value=masquer]"))
        .await;
    let hidden = teacher.text(&message).await;
    assert!(hidden.contains("masqué par un modérateur"), "{hidden}");
    assert!(hidden.contains("Rétablir"), "{hidden}");
    assert!(
        !teacher.body_text().await.contains("Signalements"),
        "acting on a post resolves its reports"
    );
    teacher
        .doc_screenshot_of("cycle3-message-masque", &message)
        .await;
    c.wait_status(ECOLE2, text, Some("hidden")).await;
    pupil2.goto(&page2).await;
    assert!(!pupil2.body_text().await.contains(text));
    teacher
        .click_through(&format!("{message} button[value=retablir]"))
        .await;
    c.wait_status(ECOLE2, text, Some("published")).await;
    pupil2.goto(&page2).await;
    assert!(pupil2.body_text().await.contains(text));
    teacher
        .click_through(&format!(
            "form[action=\"{host_page}/messages/{on_host}/supprimer\"] button"
        ))
        .await;
    // Asked once more, saying what goes.
    assert!(teacher.body_text().await.contains("Supprimer ce message"));
    teacher.click_through("button.danger").await;
    assert!(!teacher.body_text().await.contains(text));
    c.wait_status(ECOLE2, text, None).await;
    c.wait_status(ECOLE1, text, None).await;

    // Members with their badges, and the settings: pre-moderation turned off.
    let members = teacher.text("section[aria-labelledby=members]").await;
    assert!(members.contains("Membres (5)"), "{members}");
    for badge in [
        "Claire D. Collège Jean Moulin",
        "Paul D. École Jules Ferry · ENT de Villeneuve Modérateur",
        "Jade M. CM2 · École Pasteur · ENT de Saint-Rémy Élève",
    ] {
        assert!(members.contains(badge), "{badge} missing: {members}");
    }
    teacher
        .doc_screenshot_of("cycle3-membres", "section[aria-labelledby=members]")
        .await;
    teacher
        .doc_screenshot_of("cycle3-reglages", "form[aria-labelledby=settings]")
        .await;
    teacher.click("#s-premoderated").await;
    teacher
        .click_through("form[aria-labelledby=settings] button.primary")
        .await;
    let premoderated = teacher
        .client()
        .find(fantoccini::Locator::Css("#s-premoderated"))
        .await
        .expect("checkbox")
        .is_selected()
        .await
        .expect("state");
    assert!(!premoderated);
    let db2 = c.node(ECOLE2).state.db.clone();
    eventually("école 2's copy is no longer pre-moderated", || {
        let (db, e2) = (db2.clone(), e2.clone());
        async move {
            sqlx::query_scalar::<_, i64>("SELECT premoderated FROM spaces WHERE id = $1")
                .bind(&e2)
                .fetch_one(db.pool())
                .await
                .unwrap_or(1)
                == 0
        }
    })
    .await;

    // Jade leaves the space: it is gone from her "Mes espaces".
    pupil2.goto("/espaces").await;
    assert!(shows(&pupil2, &format!("a.tile[href=\"{page2}\"]")).await);
    pupil2.goto(&page2).await;
    // Leaving is asked once more, in words a child reads.
    pupil2.follow_link("Quitter l'espace…").await;
    assert!(
        pupil2
            .body_text()
            .await
            .contains("Tu veux vraiment quitter")
    );
    pupil2.click_through("button.danger").await;
    assert_eq!(pupil2.path().await, "/espaces");
    assert!(!shows(&pupil2, &format!("a.tile[href=\"{page2}\"]")).await);
    c.wait_members(COLLEGE, &group, 4).await;

    // The owner closes the space: it leaves "Mes espaces" on every node.
    teacher1.goto("/espaces").await;
    assert!(shows(&teacher1, &format!("a.tile[href=\"{page1}\"]")).await);
    teacher.goto(&host_page).await;
    teacher.click_through("button[name=close]").await;
    assert!(
        teacher
            .body_text()
            .await
            .contains("Vous pourrez le rouvrir")
    );
    teacher.click_through("button.danger").await;
    assert_eq!(teacher.path().await, "/espaces");
    assert!(!shows(&teacher, &format!("a.tile[href=\"{host_page}\"]")).await);
    let db1 = c.node(ECOLE1).state.db.clone();
    eventually("école 1's copy is closed", || {
        let (db, e1) = (db1.clone(), e1.clone());
        async move {
            sqlx::query_scalar::<_, i64>("SELECT closed_at FROM spaces WHERE id = $1")
                .bind(&e1)
                .fetch_one(db.pool())
                .await
                .unwrap_or(0)
                > 0
        }
    })
    .await;
    teacher1.goto("/espaces").await;
    assert!(!shows(&teacher1, &format!("a.tile[href=\"{page1}\"]")).await);

    pupil2.close().await;
    teacher1.close().await;
    teacher.close().await;
}

/// The host goes down: école 1's pupil still reads the space, with the read-only banner, and
/// what they write waits "en cours d'envoi"; the host comes back and the post goes on to the
/// moderators.
#[tokio::test]
async fn members_read_and_write_while_the_host_is_unreachable() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let mut c = Cycle3::start().await;
    dress(&c).await;
    let id = c.shared_space().await;
    let group = c.group_of(&id).await;
    let e1 = c.local_id(ECOLE1, &group).await.expect("copy on école 1");
    let page1 = format!("/espaces/{e1}");
    let before = "Bienvenue à tous dans notre espace de sciences !";
    let teacher = c.teacher(COLLEGE).await;
    teacher
        .submit(
            &format!("/espaces/{id}"),
            &format!("/espaces/{id}/messages"),
            &[("content", before)],
        )
        .await;
    c.wait_status(ECOLE1, before, Some("published")).await;

    let pupil = open(&tools, &c, ECOLE1, VIEWPORT).await;
    pupil
        .sign_in(&c.worlds[ECOLE1].pupil.identifier, PASSWORD)
        .await;
    pupil.goto(&page1).await;
    assert!(!pupil.body_text().await.contains("lecture seule"));

    let down = c.linked.nodes.remove(COLLEGE).take_down().await;
    let during = "Écrit pendant que le collège était injoignable.";
    pupil.fill("#content", during).await;
    pupil
        .click_through("form[aria-labelledby=compose] button[type=submit]")
        .await;
    let seen = pupil.body_text().await;
    assert!(seen.contains(before), "{seen}");
    assert!(seen.contains("en cours d'envoi à l'ENT hôte"), "{seen}");
    eventually("école 1 notices the host is unreachable", || {
        let c = &c;
        async move { host_failing(c, ECOLE1).await }
    })
    .await;
    pupil.goto(&page1).await;
    let banner = pupil.text("div[role=status]").await;
    assert!(
        banner.contains("Espace en lecture seule, l'ENT hôte est injoignable."),
        "{banner}"
    );
    let during_id = c.post_id(ECOLE1, during).await;
    pupil
        .doc_screenshot_of(
            "cycle3-hote-injoignable",
            &format!("header.top, #message-{during_id}"),
        )
        .await;

    // The host comes back: the post reaches it and waits for a moderator.
    c.linked.nodes.push(down.start().await);
    c.linked.wait_active(ECOLE1, COLLEGE).await;
    c.linked.advance(3600);
    c.wait_status(COLLEGE, during, Some("pending")).await;
    c.wait_status(ECOLE1, during, Some("pending")).await;
    eventually("école 1 delivers to the host again", || {
        let c = &c;
        async move { !host_failing(c, ECOLE1).await }
    })
    .await;
    // An hour without a click ends a pupil's session (45 minutes): sign in again.
    pupil
        .sign_in(&c.worlds[ECOLE1].pupil.identifier, PASSWORD)
        .await;
    pupil.goto(&page1).await;
    let seen = pupil.body_text().await;
    assert!(!seen.contains("lecture seule"), "{seen}");
    assert!(seen.contains("en attente de validation"), "{seen}");

    pupil.close().await;
}
