//! ONDE re-imports of changed files, dry runs, and imported pupils signing in end to end.

use ent_node::provisioning::onde::{Counts, ImportReport};
use ent_node::users::store as users;
use ent_tests::world::give_password;
use ent_tests::{PASSWORD, TestApp, spawn_app};
use reqwest::StatusCode;

use crate::import::{Files, add_school, created, data_lines, run, table_counts, texts, unchanged};

/// The unquoted fields of a line of a quoted `;` file.
pub(crate) fn fields(line: &str) -> Vec<String> {
    line.split(';')
        .map(|f| f.trim_matches('"').to_owned())
        .collect()
}

fn join(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(";")
}

/// Pupils export columns.
const LAST: usize = 0;
const FIRST: usize = 2;
const BIRTH: usize = 3;
const LEVEL: usize = 10;
pub(crate) const CLASS: usize = 11;
/// Guardians export: the first child group starts here, four columns per child.
const CHILDREN: usize = 12;

/// The children `(first, last)` named on a guardian line.
fn children(line: &str) -> Vec<(String, String)> {
    let fields = fields(line);
    fields[CHILDREN..]
        .chunks(4)
        .filter(|c| c.len() == 4 && !c[1].is_empty())
        .map(|c| (c[2].clone(), c[1].clone()))
        .collect()
}

/// Edits of the sample: one pupil moves class, one leaves, one arrives.
struct Edit {
    moved: (String, String),
    target_class: String,
    removed: (String, String),
    removed_guardians: u64,
    texts: ent_node::provisioning::onde::sample::SampleTexts,
}

/// Picks pupils who are only children with a unique name (no homonym, twin or sibling).
fn edit() -> Edit {
    let mut texts = texts();
    let pupils: Vec<Vec<String>> = texts.pupils.lines().skip(1).map(fields).collect();
    let guardian_lines: Vec<String> = texts.guardians.lines().skip(1).map(str::to_owned).collect();
    let single = |p: &Vec<String>| {
        let name = (p[FIRST].clone(), p[LAST].clone());
        pupils
            .iter()
            .filter(|q| (q[FIRST].clone(), q[LAST].clone()) == name)
            .count()
            == 1
            && guardian_lines
                .iter()
                .filter(|g| children(g).contains(&name))
                .all(|g| children(g).len() == 1)
    };
    let first_class = pupils[0][CLASS].clone();
    let mover = pupils
        .iter()
        .find(|p| p[CLASS] == first_class && single(p))
        .expect("a pupil to move")
        .clone();
    let leaver = pupils
        .iter()
        .rev()
        .find(|p| p[CLASS] != first_class && single(p))
        .expect("a pupil to remove")
        .clone();
    let target = pupils
        .iter()
        .find(|p| p[CLASS] != first_class)
        .expect("second class")
        .clone();
    let name = |p: &Vec<String>| (p[FIRST].clone(), p[LAST].clone());

    let mut lines: Vec<String> = vec![texts.pupils.lines().next().unwrap().to_owned()];
    for pupil in &pupils {
        if name(pupil) == name(&leaver) {
            continue;
        }
        let mut pupil = pupil.clone();
        if name(&pupil) == name(&mover) {
            (pupil[LEVEL], pupil[CLASS]) = (target[LEVEL].clone(), target[CLASS].clone());
        }
        lines.push(join(&pupil));
    }
    let mut newcomer = mover.clone();
    (newcomer[LAST], newcomer[FIRST], newcomer[BIRTH]) =
        ("Nouvel".into(), "Timéo".into(), "05/06/2020".into());
    lines.push(join(&newcomer));
    texts.pupils = lines.join("\n") + "\n";

    let kept: Vec<&String> = guardian_lines
        .iter()
        .filter(|g| !children(g).contains(&name(&leaver)))
        .collect();
    let removed_guardians = (guardian_lines.len() - kept.len()) as u64;
    assert!(removed_guardians > 0);
    let header = texts.guardians.lines().next().unwrap().to_owned();
    let moved_class = format!("\"{}\"", mover[CLASS]);
    let new_class = format!("\"{}\"", target[CLASS]);
    let kept = kept.iter().map(|g| {
        if children(g).contains(&name(&mover)) {
            g.replace(&moved_class, &new_class)
        } else {
            (*g).clone()
        }
    });
    texts.guardians = std::iter::once(header)
        .chain(kept)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    Edit {
        moved: name(&mover),
        target_class: target[CLASS].clone(),
        removed: name(&leaver),
        removed_guardians,
        texts,
    }
}

async fn user_by_name(app: &TestApp, (first, last): &(String, String)) -> users::UserRow {
    let id: String =
        sqlx::query_scalar("SELECT id FROM users WHERE first_name = $1 AND last_name = $2")
            .bind(first)
            .bind(last)
            .fetch_one(app.state.db.pool())
            .await
            .unwrap();
    users::by_id(&app.state.db, &id).await.unwrap().unwrap()
}

async fn class_names_of(app: &TestApp, user_id: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT c.name FROM class_members cm JOIN classes c ON c.id = cm.class_id WHERE cm.user_id = $1")
        .bind(user_id)
        .fetch_all(app.state.db.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_changed_file_updates_deactivates_and_creates_and_a_dry_run_foresees_it() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let original = texts();
    run(&app, &uai, &Files::onde(&original), false)
        .await
        .expect("first import");
    let edit = edit();
    let leaver = user_by_name(&app, &edit.removed).await;
    give_password(&app.state, &leaver.id).await;
    assert!(
        app.client()
            .sign_in(&leaver.identifier, PASSWORD)
            .await
            .redirects_to("/portail")
    );

    let before = table_counts(&app).await;
    let files = Files::onde(&edit.texts);
    let dry = run(&app, &uai, &files, true).await.expect("dry run");
    assert!(dry.dry_run);
    assert_eq!(table_counts(&app).await, before, "a dry run writes nothing");
    let report = run(&app, &uai, &files, false).await.expect("re-import");
    assert_eq!(
        report,
        ImportReport {
            dry_run: false,
            ..dry
        },
        "the dry run foresaw the real import"
    );

    let guardians = data_lines(&original.guardians);
    assert_eq!(
        report.pupils,
        Counts {
            created: 1,
            updated: 1,
            unchanged: 46,
            deactivated: 1
        }
    );
    assert_eq!(report.classes, unchanged(2));
    assert_eq!(report.teachers, unchanged(2));
    let removed = edit.removed_guardians;
    assert_eq!(
        report.guardians,
        Counts {
            unchanged: guardians - removed,
            deactivated: removed,
            ..Counts::default()
        }
    );

    let moved = user_by_name(&app, &edit.moved).await;
    assert_eq!(
        class_names_of(&app, &moved.id).await,
        [edit.target_class.as_str()]
    );
    assert!(moved.active);
    let leaver_now = users::by_id(&app.state.db, &leaver.id)
        .await
        .unwrap()
        .expect("kept, not deleted");
    assert!(!leaver_now.active);
    assert_eq!(
        app.client()
            .sign_in(&leaver.identifier, PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let newcomer = user_by_name(&app, &("Timéo".to_owned(), "Nouvel".to_owned())).await;
    assert_eq!(newcomer.identifier, "timeo.nouvel");
    assert!(newcomer.active && newcomer.is_pending());

    // The original file again: the leaver and their guardians come back, the newcomer goes.
    let back = run(&app, &uai, &Files::onde(&original), false)
        .await
        .expect("original again");
    assert_eq!(
        back.pupils,
        Counts {
            updated: 2,
            unchanged: 46,
            deactivated: 1,
            ..Counts::default()
        }
    );
    assert_eq!(
        back.guardians,
        Counts {
            updated: removed,
            unchanged: guardians - removed,
            ..Counts::default()
        }
    );
    assert!(
        users::by_id(&app.state.db, &leaver.id)
            .await
            .unwrap()
            .unwrap()
            .active
    );
    let parents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM guardianships WHERE child_id = $1")
        .bind(&leaver.id)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert_eq!(parents as u64, removed, "links restored");
    app.stop().await;
}

#[tokio::test]
async fn a_dry_run_reports_a_first_import_and_writes_nothing() {
    let app = spawn_app().await;
    let uai = add_school(&app).await;
    let texts = texts();
    let before = table_counts(&app).await;
    let dry = run(&app, &uai, &Files::onde(&texts), true)
        .await
        .expect("dry run");
    assert_eq!(table_counts(&app).await, before);
    assert!(dry.dry_run);
    assert_eq!(
        (dry.classes, dry.pupils, dry.teachers),
        (created(2), created(48), created(2))
    );
    let real = run(&app, &uai, &Files::onde(&texts), false)
        .await
        .expect("import");
    assert_eq!(
        real,
        ImportReport {
            dry_run: false,
            ..dry
        }
    );
    app.stop().await;
}
