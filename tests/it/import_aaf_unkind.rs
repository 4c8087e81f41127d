//! AAF imports where feeds and operators are unkind: one collège's extract after an
//! academy's, two imports at once, a feed that lost half its pupils, an id twice across
//! chunks, a Complet without its structures.

use ent_node::provisioning::aaf::AafError;
use ent_node::provisioning::aaf::sample::{self, Model};
use ent_tests::spawn_app;

use crate::import_aaf::{folder, host, options, run, user_of};

fn file_of(dir: &std::path::Path, entity: &str) -> std::path::PathBuf {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(&format!("_{entity}_")))
        .collect();
    files.sort();
    files.remove(0)
}

async fn active(app: &ent_tests::TestApp, jointure: &str) -> bool {
    let user = user_of(app, jointure).await.expect("imported");
    let active: i64 = sqlx::query_scalar("SELECT active FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    active == 1
}

#[tokio::test]
async fn one_collèges_extract_after_the_academys_leaves_the_other_collège_alone() {
    let app = spawn_app().await;
    let both = options(2, 60);
    let model = Model::build(&both);
    host(&app, &model, &[0, 1]).await;
    run(&app, folder(&sample::complet(&both)).path(), |_| {})
        .await
        .expect("academy feed");
    let one = options(1, 60);
    assert_eq!(Model::build(&one).colleges[0].uai, model.colleges[0].uai);
    let report = run(&app, folder(&sample::complet(&one)).path(), |_| {})
        .await
        .expect("one collège's extract");
    assert_eq!(report.schools.len(), 1, "{report:#?}");
    let other = model.pupils.iter().find(|p| p.college == 1).unwrap();
    assert!(
        active(&app, &other.id).await,
        "the other collège's pupils stay"
    );
    let teacher = &model.expected.two_college_teacher;
    let memberships: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships m JOIN directory_ids d ON d.user_id = m.user_id WHERE d.jointure = $1",
    )
    .bind(teacher)
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert!(memberships >= 1 && active(&app, teacher).await);
    app.stop().await;
}

#[tokio::test]
async fn two_imports_at_once_make_one_account_each() {
    let app = spawn_app().await;
    let options = options(1, 80);
    let model = Model::build(&options);
    host(&app, &model, &[0]).await;
    let dir = folder(&sample::complet(&options));
    let (a, b) = tokio::join!(run(&app, dir.path(), |_| {}), run(&app, dir.path(), |_| {}));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert_eq!(a.pupils.created + b.pupils.created, 80, "{a:#?} {b:#?}");
    let users: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN directory_ids d ON d.user_id = u.id WHERE d.kind = 'pupil'",
    )
    .fetch_one(app.state.db.pool())
    .await
    .unwrap();
    assert_eq!(users, 80);
    app.stop().await;
}

#[tokio::test]
async fn a_complet_that_lost_half_its_pupils_stops_until_the_operator_confirms() {
    let app = spawn_app().await;
    let options = options(1, 60);
    let model = Model::build(&options);
    host(&app, &model, &[0]).await;
    let feed = sample::complet(&options);
    run(&app, folder(&feed).path(), |_| {})
        .await
        .expect("complet");
    let dir = folder(&feed);
    let pupils = file_of(dir.path(), "Eleve");
    let text = String::from_utf8(std::fs::read(&pupils).unwrap()).unwrap();
    let mut kept = String::new();
    for (index, part) in text.split_inclusive("</addRequest>").enumerate() {
        if index % 2 == 0 || !part.contains("<addRequest>") {
            kept.push_str(part);
        }
    }
    std::fs::write(&pupils, kept).unwrap();
    let error = run(&app, dir.path(), |_| {}).await.expect_err("guard");
    assert!(
        matches!(error, AafError::MassDeactivation { .. }),
        "{error}"
    );
    assert!(active(&app, &model.pupils[1].id).await, "nothing written");
    let dry = run(&app, dir.path(), |i| i.dry_run = true)
        .await
        .expect("a simulation shows it");
    assert!(
        dry.warnings
            .iter()
            .any(|w| w.message.contains("--allow-mass-deactivation"))
    );
    let report = run(&app, dir.path(), |i| i.allow_mass_deactivation = true)
        .await
        .expect("confirmed");
    assert_eq!(report.pupils.deactivated, 30);
    assert!(!active(&app, &model.pupils[1].id).await);
    app.stop().await;
}

#[tokio::test]
async fn an_id_twice_across_chunks_and_a_complet_without_structures_are_refused() {
    let app = spawn_app().await;
    let options = sample::SampleOptions {
        chunk_records: 20,
        ..options(1, 60)
    };
    let model = Model::build(&options);
    host(&app, &model, &[0]).await;
    let feed = sample::complet(&options);
    let dir = folder(&feed);
    let first = file_of(dir.path(), "Eleve");
    let text = String::from_utf8(std::fs::read(&first).unwrap()).unwrap();
    let start = text.find("<addRequest>").unwrap();
    let end = text.find("</addRequest>").unwrap() + "</addRequest>".len();
    let record = &text[start..end];
    let mut chunks: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("_Eleve_"))
        .collect();
    chunks.sort();
    let last = chunks.last().unwrap();
    let tail = String::from_utf8(std::fs::read(last).unwrap()).unwrap();
    std::fs::write(
        last,
        tail.replace("</ficAlimMENESR>", &format!("{record}\n</ficAlimMENESR>")),
    )
    .unwrap();
    let error = run(&app, dir.path(), |_| {}).await.expect_err("duplicate");
    assert!(error.to_string().contains("en double"), "{error}");
    assert!(
        user_of(&app, &model.pupils[0].id).await.is_none(),
        "nothing written"
    );

    let dir = folder(&feed);
    for path in std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
    {
        if path.to_string_lossy().contains("EtabEducNat") {
            std::fs::remove_file(path).unwrap();
        }
    }
    let error = run(&app, dir.path(), |_| {})
        .await
        .expect_err("no structures");
    assert!(error.to_string().contains("EtabEducNat"), "{error}");
    app.stop().await;
}

#[tokio::test]
async fn an_unknown_attribute_is_told_and_a_record_without_id_is_refused_with_its_place() {
    let app = spawn_app().await;
    let options = sample::SampleOptions {
        link_codes: sample::LinkCodes::Old,
        ..options(1, 30)
    };
    let model = Model::build(&options);
    host(&app, &model, &[0]).await;
    let feed = sample::complet(&options);
    let dir = folder(&feed);
    let pupils = file_of(dir.path(), "Eleve");
    let text = String::from_utf8(std::fs::read(&pupils).unwrap()).unwrap();
    let changed = text.replacen(
        "<attributes>",
        "<attributes><attr name=\"ENTEleveNouveauChamp2031\"><value>X</value></attr>",
        1,
    );
    std::fs::write(&pupils, &changed).unwrap();
    let report = run(&app, dir.path(), |_| {})
        .await
        .expect("a new AAF version imports");
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.message.contains("ENTEleveNouveauChamp2031")),
        "{report:#?}"
    );
    assert_eq!(report.pupils.created, 30);
    assert_eq!(
        report.guardians.created, feed.expected.legal_relations,
        "old link codes: legal parts 1 and 2 are both legal representatives"
    );

    let dir = folder(&feed);
    let pupils = file_of(dir.path(), "Eleve");
    let text = String::from_utf8(std::fs::read(&pupils).unwrap()).unwrap();
    let second = &model.pupils[1].id;
    std::fs::write(
        &pupils,
        text.replacen(
            &format!("<identifier><id>{second}</id></identifier>"),
            "",
            1,
        ),
    )
    .unwrap();
    let error = run(&app, dir.path(), |_| {}).await.expect_err("no id");
    assert!(error.to_string().contains("sans identifiant"), "{error}");
    app.stop().await;
}

#[tokio::test]
async fn a_feed_said_to_be_of_another_académie_is_refused_before_it_duplicates_everyone() {
    let app = spawn_app().await;
    let options = options(1, 20);
    let model = Model::build(&options);
    host(&app, &model, &[0]).await;
    let dir = folder(&sample::complet(&options));
    run(&app, dir.path(), |_| {}).await.expect("complet");
    let error = run(&app, dir.path(), |i| i.academy = Some("13"))
        .await
        .expect_err("another académie");
    assert!(
        error.to_string().contains("académies différentes"),
        "{error}"
    );
    app.stop().await;
}
