//! Everyday pages over HTTP: what the portal shows directors and parents, "tu" to children
//! and "vous" to adults, and the "Mot de passe oublié ?" page.

use ent_node::users::store as users;
use ent_tests::client::Page;
use ent_tests::{World, spawn_app};
use reqwest::StatusCode;

/// The text of a page, entities decoded as a reader sees them.
fn text(page: &Page) -> String {
    ent_tests::guests::unescape(&page.body)
}

#[tokio::test]
async fn a_director_reaches_every_class_of_their_school_from_the_portal() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let director = app.signed_in(&world.director).await;
    let portal = director.get("/portail").await;
    for class in [&world.class_a, &world.class_b] {
        let link = format!("href=\"/classes/{class}\"");
        assert!(
            portal.body.contains(&link),
            "{link} missing: {}",
            portal.body
        );
        assert_eq!(director.get(&format!("/classes/{class}")).await.status, 200);
    }
    assert!(text(&portal).contains("Les classes de École des Tilleuls"));
    // A teacher still sees only the class they teach.
    let teacher = app.signed_in(&world.teacher).await.get("/portail").await;
    assert!(
        teacher
            .body
            .contains(&format!("/classes/{}", world.class_a))
    );
    assert!(
        !teacher
            .body
            .contains(&format!("/classes/{}", world.class_b))
    );
    app.stop().await;
}

#[tokio::test]
async fn a_parents_portal_shows_each_child_with_their_class_and_teacher() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    // Léa (CM2 A, Paul Durand) and now Hugo (CM1 B, Anne Petit).
    let mut tx = app.state.db.begin_write().await.unwrap();
    users::link_guardian(&mut tx, &world.parent.id, &world.other_pupil.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let portal = app.signed_in(&world.parent).await.get("/portail").await;
    let shown = text(&portal);
    let children = shown
        .split_once("Mes enfants")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| panic!("no children section: {shown}"));
    let card = |name: &str| {
        children
            .split("<li>")
            .find(|item| item.contains(name))
            .unwrap_or_else(|| panic!("no card for {name}: {children}"))
            .to_owned()
    };
    let (lea_card, hugo_card) = (card("Léa Martin"), card("Hugo Bernard"));
    assert!(
        lea_card.contains("CM2 A") && lea_card.contains("Paul Durand"),
        "{lea_card}"
    );
    assert!(
        hugo_card.contains("CM1 B") && hugo_card.contains("Anne Petit"),
        "{hugo_card}"
    );
    app.stop().await;
}

#[tokio::test]
async fn children_are_told_tu_and_adults_vous_from_activation_to_sheets() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let child = text(&client.get("/activation").await);
    assert!(child.contains("Recopie ton identifiant"), "{child}");
    assert!(
        !child.contains("Recopiez") && !child.contains("votre"),
        "{child}"
    );
    let adult = text(&client.get("/activation?profil=adulte").await);
    assert!(
        adult.contains("Recopiez votre identifiant")
            && adult.contains("Choisissez votre mot de passe"),
        "{adult}"
    );
    for word in [" ton ", " ta ", "Choisis ", "Écris-le", "C'est parti"] {
        assert!(
            !adult.contains(word),
            "« {word} » on the adults' page: {adult}"
        );
    }
    // A refusal keeps the page's way of speaking.
    let fields = [
        ("identifier", "personne.inconnue"),
        ("code", "ABCD-EFGH"),
        ("password", "un-mot-de-passe"),
        ("confirmation", "un-mot-de-passe"),
    ];
    let refused = client.submit("/activation", "/activation", &fields).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(text(&refused).contains("Demande une nouvelle fiche à ton enseignant"));
    let mut adult_fields = fields.to_vec();
    adult_fields.push(("profil", "adulte"));
    let refused = client
        .submit("/activation?profil=adulte", "/activation", &adult_fields)
        .await;
    let refused = text(&refused);
    assert!(refused.contains("Demandez une nouvelle fiche"), "{refused}");
    assert!(refused.contains("Recopiez votre identifiant"), "{refused}");

    // Signed in: a pupil's pages say "tu", an adult's "vous".
    let pupil = app.signed_in(&world.pupil).await;
    let parent = app.signed_in(&world.parent).await;
    let spaces = text(&pupil.get("/espaces").await);
    assert!(
        spaces.contains("Tu ne fais partie d'aucun espace"),
        "{spaces}"
    );
    // Error and refusal pages say neither "vous" nor "tu": a pupil meets them too.
    let adult_words = [
        "vous",
        "Vous",
        "votre",
        "Votre",
        "Revenez",
        "Réessayez",
        "Attendez",
        "rechargez",
    ];
    let not_found = pupil.get("/espaces/inconnu").await;
    let forbidden = pupil.get("/admin/ecoles").await;
    let expired = pupil.post_form("/deconnexion", &[("csrf", "perime")]).await;
    for (status, page) in [(404, not_found), (403, forbidden), (403, expired)] {
        assert_eq!(page.status.as_u16(), status, "{page:?}");
        let shown = text(&page);
        for word in adult_words {
            assert!(!shown.contains(word), "« {word} » said to a pupil: {shown}");
        }
    }
    let help = text(&pupil.get("/aide").await);
    assert!(
        help.contains("Demande une nouvelle fiche à ton enseignant"),
        "{help}"
    );
    assert!(
        !help.contains("Demandez") && !help.contains("Vos données"),
        "{help}"
    );
    let help = text(&parent.get("/aide").await);
    assert!(help.contains("recopiez l'identifiant"), "{help}");
    assert!(
        !help.contains(" ton ") && !help.contains("Demande une"),
        "{help}"
    );

    // Sheets: a pupil's says "Va sur" the children's page, a parent's "Allez sur" the adults'.
    for person in [&world.pupil, &world.parent] {
        ent_tests::world::set_pending(&app.state, &person.id).await;
    }
    let teacher = app.signed_in(&world.teacher).await;
    let sheets = teacher.print_sheets(&world.class_a).await;
    let body = text(&sheets);
    let pupil_sheet = body
        .split("<section class=\"sheet\"")
        .find(|s| s.contains(&world.pupil.identifier))
        .expect("pupil's sheet");
    let parent_sheet = body
        .split("<section class=\"sheet\"")
        .find(|s| s.contains(&world.parent.identifier))
        .expect("parent's sheet");
    assert!(pupil_sheet.contains("Va sur") && pupil_sheet.contains("Choisis ton"));
    assert!(!pupil_sheet.contains("Allez") && !pupil_sheet.contains("votre"));
    assert!(
        parent_sheet.contains("Allez sur") && parent_sheet.contains("/activation?profil=adulte"),
        "{parent_sheet}"
    );
    for word in ["Va sur", "Choisis ", " ton ", " ta "] {
        assert!(
            !parent_sheet.contains(word),
            "« {word} » on a parent's sheet"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_sign_in_page_says_what_to_do_when_the_password_is_forgotten() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let client = app.client();
    let sign_in = client.get("/connexion").await;
    assert!(
        sign_in.body.contains("href=\"/mot-de-passe-oublie\""),
        "{}",
        sign_in.body
    );
    let page = client.get("/mot-de-passe-oublie").await;
    assert_eq!(page.status, StatusCode::OK);
    let shown = text(&page);
    let pupil = shown.split_once("Tu es élève").expect("pupil's part").1;
    assert!(
        pupil.contains("Demande une nouvelle fiche à ton enseignant"),
        "{shown}"
    );
    let parent = shown
        .split_once("Vous êtes parent")
        .expect("parent's part")
        .1;
    assert!(parent.contains("direction de l'école"), "{shown}");
    let staff = shown
        .split_once("Vous êtes enseignant ou personnel")
        .expect("staff's part")
        .1;
    assert!(staff.contains("administrateur de l'ENT"), "{shown}");
    // Signed in, the same page is there (a pupil may look for it on a shared computer).
    let pupil = app.signed_in(&world.pupil).await;
    assert_eq!(
        pupil.get("/mot-de-passe-oublie").await.status,
        StatusCode::OK
    );
    app.stop().await;
}
