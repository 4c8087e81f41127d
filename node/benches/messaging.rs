//! Benchmark: the messagerie of a school of 400 families, on SQLite (and PostgreSQL when
//! `ENT_TEST_DATABASE_URL` is set), through the service and store the handlers call:
//! - the director writes to all the school's parents: contacts, checks and the one
//!   transaction that files the message in every parent's mailbox (committed when it returns);
//! - a teacher's mailbox of 20,000 messages: listing its first page, searching it.
//!
//! Run: `cargo bench -p ent-node --bench messaging`. Goals (issue 13): the 400-family message
//! stored in < 1 s, listing < 20 ms, search < 100 ms.

mod common;

use common::fresh_postgres;
use std::time::{Duration, Instant};

use ent_config::NodeConfig;
use ent_node::audience::Audience;
use ent_node::domain::{SchoolKind, SchoolYear, Uai, normalize_name};
use ent_node::messaging::{self, service, store::Folder};
use ent_node::provisioning::onde::{self, sample};

const MAILBOX: usize = 20_000;
const SENDS: usize = 5;
const RUNS: usize = 50;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut targets = vec![(
        "SQLite",
        format!("sqlite://{}", dir.path().join("bench.db").display()),
    )];
    if let Ok(server) = std::env::var("ENT_TEST_DATABASE_URL") {
        targets.push(("PostgreSQL", fresh_postgres(&server).await?));
    }
    for (engine, url) in targets {
        let data = tempfile::tempdir()?;
        let text = format!(
            "[node]\ndomain = \"bench.test\"\nname = \"Banc d'essai\"\ndata_dir = {:?}\n\
             [database]\nurl = {url:?}\n[security]\nsecret_key = \"{}\"\n",
            data.path().display().to_string(),
            "f".repeat(40)
        );
        let config = NodeConfig::from_toml_str_only(&text)?;
        let state = ent_node::server::prepare(config).await?;
        // A Tuesday, 09:00 UTC: outside the quiet hours (a message to families would be held).
        let now = state.clock.now();
        let day = now.div_euclid(86_400);
        let tuesday = day + (1 - (day + 3).rem_euclid(7)).rem_euclid(7) + 7;
        state.clock.advance(tuesday * 86_400 + 9 * 3600 - now);
        let (school, director, teacher) = seed(&state).await?;
        let parents: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM memberships WHERE school_id = $1 AND profile = 'parent'",
        )
        .bind(&school)
        .fetch_one(state.db.pool())
        .await?;

        let viewer = ent_node::accounts::Viewer::load(&state.db, &director, String::new())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no director"))?;
        let mut times = Vec::new();
        for i in 0..SENDS {
            // What the POST handler does once the form is read: contacts, checks, one
            // transaction that files the message in every mailbox.
            let started = Instant::now();
            let contacts = messaging::contacts::of(&state, &viewer)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let to = vec![
                Audience::parse(&format!("parents-ecole:{school}"))
                    .ok_or_else(|| anyhow::anyhow!("audience"))?,
            ];
            let composed = service::Composed {
                to,
                subject: format!("Kermesse de juin ({i})"),
                body: "Chers parents,\n\nla kermesse aura lieu le 20 juin.".into(),
                ..service::Composed::default()
            };
            let (_, outcome) = service::submit(&state, &viewer, &contacts, composed, false)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            times.push(started.elapsed());
            anyhow::ensure!(outcome == service::Outcome::Sent, "not sent: {outcome:?}");
        }
        let filed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mailbox b JOIN messages m ON m.id = b.message_id \
             WHERE m.sender_id = $1 AND b.folder = 'inbox'",
        )
        .bind(&director)
        .fetch_one(state.db.pool())
        .await?;
        anyhow::ensure!(filed == parents * SENDS as i64, "{filed} mailboxes filled");
        times.sort();
        println!(
            "{engine:<10} director → all {parents} parents (one message, {parents} mailboxes)  median {:>8.2?}  max {:>8.2?}",
            times[SENDS / 2],
            times[SENDS - 1]
        );

        let started = Instant::now();
        fill_mailbox(&state, &director, &teacher).await?;
        println!(
            "  filled a mailbox of {MAILBOX} messages in {:.1?}",
            started.elapsed()
        );
        for (what, search) in [
            ("list Reçus (page 1)", ""),
            ("search 'piscine' (1 %)", "piscine"),
            ("search 'élodie CAHIER'", "élodie CAHIER"),
            ("search, no match", "introuvable"),
        ] {
            let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
            for _ in 0..RUNS {
                let started = Instant::now();
                let (lines, total) =
                    messaging::store::list(&state.db, &teacher, Folder::Inbox, search, 0, 20)
                        .await?;
                times.push(started.elapsed());
                anyhow::ensure!(
                    search == "introuvable" || (!lines.is_empty() && total > 0),
                    "{what}: nothing"
                );
            }
            times.sort();
            println!(
                "{engine:<10} mailbox of {MAILBOX}: {what:<24} median {:>8.2?}  p95 {:>8.2?}",
                times[RUNS / 2],
                times[RUNS * 95 / 100]
            );
        }
        state.db.close().await;
    }
    Ok(())
}

/// A school of 16 classes × 25 pupils with their guardians (ONDE samples); one teacher made
/// director. Returns (school id, director id, another teacher's id).
async fn seed(state: &ent_node::AppState) -> anyhow::Result<(String, String, String)> {
    let uai = Uai::from_number(7_654_321);
    ent_node::schools::store::add(
        &state.db,
        &uai,
        "École du banc d'essai",
        SchoolKind::Elementaire,
        None,
        0,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = sample::SampleOptions {
        classes: 16,
        pupils_per_class: 25,
        ..sample::SampleOptions::default()
    };
    let year = SchoolYear::containing(state.clock.today());
    onde::import_sample(&state.db, &uai, &options, year, state.clock.now()).await?;
    let teachers: Vec<(String, String)> = sqlx::query_as(
        "SELECT user_id, school_id FROM memberships WHERE profile = 'teacher' ORDER BY user_id LIMIT 2",
    )
    .fetch_all(state.db.pool())
    .await?;
    let (director, school) = teachers[0].clone();
    sqlx::query("UPDATE memberships SET profile = 'director' WHERE user_id = $1")
        .bind(&director)
        .execute(state.db.pool())
        .await?;
    Ok((school, director, teachers[1].0.clone()))
}

/// Files 20,000 messages from `sender` in `owner`'s Reçus (multi-row inserts): varied
/// subjects, one in a hundred about the swimming pool.
async fn fill_mailbox(state: &ent_node::AppState, sender: &str, owner: &str) -> anyhow::Result<()> {
    let topics = [
        "Sortie au musée",
        "Réunion de rentrée",
        "Cantine de la semaine",
        "Élodie a oublié son cahier",
        "Photos de classe",
    ];
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let all: Vec<usize> = (0..MAILBOX).collect();
    for chunk in all.chunks(200) {
        let rows: Vec<Row> = chunk
            .iter()
            .map(|&i| {
                let subject = if i % 100 == 0 {
                    format!("Piscine : sortie n° {i}")
                } else {
                    format!("{} n° {i}", topics[i % topics.len()])
                };
                let body =
                    format!("Bonjour,\n\nvoici les nouvelles de la semaine {i}. Bonne journée.");
                let search = normalize_name(&format!("{subject} {body} Directeur"));
                let at = now - (MAILBOX - i) as i64 * 60;
                (uuid::Uuid::new_v4().to_string(), subject, body, search, at)
            })
            .collect();
        insert_chunk(&mut tx, sender, owner, &rows).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// id, subject, text, search text, time.
type Row = (String, String, String, String, i64);

/// One multi-row insert of messages, one of their mailbox rows.
async fn insert_chunk(
    conn: &mut sqlx::AnyConnection,
    sender: &str,
    owner: &str,
    binds: &[Row],
) -> anyhow::Result<()> {
    let mut messages = Vec::new();
    let mut boxes = Vec::new();
    for k in 0..binds.len() {
        let b = k * 5;
        messages.push(format!(
            "(${id}, '{sender}', ${s}, ${t}, ${q}, ${id}, 'sent', ${at}, 0, '', ${at}, ${at})",
            id = b + 1,
            s = b + 2,
            t = b + 3,
            q = b + 4,
            at = b + 5
        ));
        let b = k * 2;
        boxes.push(format!("('{owner}', ${}, 'inbox', ${})", b + 1, b + 2));
    }
    let sql = format!(
        "INSERT INTO messages (id, sender_id, subject, body, search_text, thread_id, state, deliver_at, urgent, audiences, created_at, updated_at) VALUES {}",
        messages.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (id, subject, body, search, at) in binds {
        query = query
            .bind(id)
            .bind(subject)
            .bind(body)
            .bind(search)
            .bind(*at);
    }
    query.execute(&mut *conn).await?;
    let sql = format!(
        "INSERT INTO mailbox (owner_id, message_id, folder, at) VALUES {}",
        boxes.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (id, _, _, _, at) in binds {
        query = query.bind(id).bind(*at);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}
