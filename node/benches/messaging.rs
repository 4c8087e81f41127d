//! Benchmark: the messagerie of a school of 400 families, on SQLite (and PostgreSQL when
//! `ENT_TEST_DATABASE_URL` is set), through the service and store the handlers call:
//! - the director writes to all the school's parents: contacts, checks and the one
//!   transaction that files the message in every parent's mailbox (committed when it returns);
//! - a teacher's mailbox of 20,000 messages: listing its first page, searching it, its
//!   unread badge.
//!
//! Run: `cargo bench -p ent-node --bench messaging`. Goals (issue 13): the 400-family message
//! stored in < 1 s, listing < 20 ms, search < 100 ms.

mod common;

use std::time::{Duration, Instant};

use ent_node::audience::Audience;
use ent_node::domain::normalize_name;
use ent_node::messaging::{self, service, store::Folder};

const MAILBOX: usize = 20_000;
const SENDS: usize = 5;
const RUNS: usize = 50;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    for (engine, url) in common::targets(dir.path()).await? {
        let data = tempfile::tempdir()?;
        let state = common::node(&url, data.path()).await?;
        let common::School {
            id: school,
            director,
            teacher,
        } = common::school(&state).await?;
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
                let (lines, more) =
                    messaging::store::list(&state.db, &teacher, Folder::Inbox, search, 0, 20)
                        .await?;
                times.push(started.elapsed());
                anyhow::ensure!(
                    search == "introuvable" || (lines.len() == 20 && more),
                    "{what}: nothing"
                );
            }
            let (median, p95) = common::median_p95(&mut times);
            println!(
                "{engine:<10} mailbox of {MAILBOX}: {what:<24} median {median:>8.2?}  p95 {p95:>8.2?}"
            );
        }
        // The badge the mailbox page and the portal show: every message of the mailbox is
        // unread here, its worst case.
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            let unread = messaging::store::unread(&state.db, &teacher).await?;
            times.push(started.elapsed());
            anyhow::ensure!(unread == MAILBOX as i64, "{unread} unread");
        }
        let (median, p95) = common::median_p95(&mut times);
        println!(
            "{engine:<10} mailbox of {MAILBOX}: {:<24} median {median:>8.2?}  p95 {p95:>8.2?}",
            "unread badge (all unread)"
        );
        state.db.close().await;
    }
    Ok(())
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

/// One multi-row insert of messages, one of their mailbox rows (with the folded text, as
/// `store::file_in` copies it).
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
        let b = k * 3;
        boxes.push(format!(
            "('{owner}', ${}, 'inbox', ${}, ${})",
            b + 1,
            b + 2,
            b + 3
        ));
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
        "INSERT INTO mailbox (owner_id, message_id, folder, at, search_text) VALUES {}",
        boxes.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (id, _, _, search, at) in binds {
        query = query.bind(id).bind(*at).bind(search);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}
