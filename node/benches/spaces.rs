//! Benchmark: rendering a busy space page (a class of 25 pupils, 300 posts and 300 comments)
//! through the whole router (session, policy, queries, template), for its teacher and for a
//! pupil, on SQLite (and PostgreSQL when `ENT_TEST_DATABASE_URL` is set).
//!
//! Run: `cargo bench -p ent-node --bench spaces`. Target (SPEC §8): pages render in
//! milliseconds on the 2-core machine.

mod common;

use common::fresh_postgres;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, header};
use ent_config::NodeConfig;
use ent_node::domain::{SchoolKind, SchoolYear, Uai};
use ent_node::provisioning::onde::{self, sample};
use ent_node::spaces::{Settings, model, service, store};
use tower::ServiceExt;

const POSTS: usize = 300;
const RUNS: usize = 200;

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
        let (teacher, pupil, space) = seed(&state).await?;
        let app = ent_node::router(state.clone());
        for (who, user) in [("teacher", &teacher), ("pupil", &pupil)] {
            let lifetime = ent_node::accounts::session::Lifetime {
                idle_secs: 8 * 3600,
                absolute_secs: 8 * 3600,
            };
            let token =
                ent_node::accounts::session::open(&state.db, user, state.clock.now(), lifetime)
                    .await?;
            let mut times = Vec::with_capacity(RUNS);
            for _ in 0..RUNS {
                let request = Request::get(format!("/espaces/{space}"))
                    .header(
                        header::COOKIE,
                        format!("{}={token}", ent_node::accounts::session::COOKIE),
                    )
                    .body(Body::empty())?;
                let started = Instant::now();
                let response = app.clone().oneshot(request).await?;
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
                times.push(started.elapsed());
                anyhow::ensure!(
                    status == 200 && body.len() > 10_000,
                    "page not rendered: {status}"
                );
            }
            times.sort();
            println!(
                "{engine:<10} space page ({POSTS} posts + {POSTS} comments) as {who:<7}  median {:>8.2?}  p95 {:>8.2?}",
                times[RUNS / 2],
                times[RUNS * 95 / 100]
            );
        }
        state.db.close().await;
    }
    Ok(())
}

/// A school with one class imported from ONDE samples, its teacher's space with the class,
/// posts and comments; returns (teacher id, pupil id, space id).
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
        classes: 1,
        pupils_per_class: 25,
        ..sample::SampleOptions::default()
    };
    let year = SchoolYear::containing(state.clock.today());
    onde::import_sample(&state.db, &uai, &options, year, state.clock.now()).await?;
    let (class, teacher): (String, String) = sqlx::query_as(
        "SELECT class_id, user_id FROM class_members WHERE role = 'teacher' LIMIT 1",
    )
    .fetch_one(state.db.pool())
    .await?;
    let pupil: String =
        sqlx::query_scalar("SELECT user_id FROM class_members WHERE role = 'pupil' LIMIT 1")
            .fetch_one(state.db.pool())
            .await?;
    let text =
        model::SpaceText::parse("Défi lecture", "Banc d'essai").map_err(anyhow::Error::msg)?;
    let settings = Settings {
        premoderated: false,
        ..Settings::default()
    };
    let space = service::create(state, &teacher, &text, settings, true).await?;
    service::invite_local_class(state, &space, &class).await?;
    let members: Vec<String> =
        sqlx::query_scalar("SELECT user_id FROM space_members WHERE space_id = $1")
            .bind(&space.id)
            .fetch_all(state.db.pool())
            .await?;
    let started = Instant::now();
    for i in 0..POSTS {
        let author = &members[i % members.len()];
        let mut conn = state.db.pool().acquire().await?;
        let me = store::member_by_user(&mut conn, &space.id, author)
            .await?
            .expect("member");
        drop(conn);
        let body = model::PostText::parse(&format!(
            "Message {i} : j'ai lu **un livre** et je l'ai aimé.\n\nVoici pourquoi."
        ))
        .map_err(anyhow::Error::msg)?;
        let post = service::write(state, &space, &me, None, &body, &[]).await?;
        let comment = model::PostText::parse("Moi aussi !").map_err(anyhow::Error::msg)?;
        service::write(state, &space, &me, Some(&post), &comment, &[]).await?;
    }
    let per_post = started.elapsed() / (2 * POSTS as u32);
    println!(
        "  wrote {} posts and comments, {per_post:.2?} each",
        2 * POSTS
    );
    Ok((teacher, pupil, space.id))
}
