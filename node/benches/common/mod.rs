//! What the benchmarks share: the databases measured, a node's state on one of them, and the
//! school of 400 families the messagerie and school-life benchmarks both use.

// Each benchmark is its own crate and uses only a part of what they share.
#![allow(dead_code)]

use ent_config::NodeConfig;
use ent_node::AppState;
use ent_node::domain::{SchoolKind, SchoolYear, Uai};
use ent_node::provisioning::onde::{self, sample};

/// A new, empty PostgreSQL database on `server`; its URL.
pub async fn fresh_postgres(server: &str) -> anyhow::Result<String> {
    use sqlx::Connection;
    let name = format!("ent_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(server).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let mut url = url::Url::parse(server)?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

/// The engines measured: SQLite (a file in `dir`) always, PostgreSQL (a new database) when
/// `ENT_TEST_DATABASE_URL` is set. (engine name, database URL).
pub async fn targets(dir: &std::path::Path) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut targets = vec![(
        "SQLite",
        format!("sqlite://{}", dir.join("bench.db").display()),
    )];
    if let Ok(server) = std::env::var("ENT_TEST_DATABASE_URL") {
        targets.push(("PostgreSQL", fresh_postgres(&server).await?));
    }
    Ok(targets)
}

/// A node on `url` (migrated), its data directory in `data`, its clock moved to a Tuesday,
/// 09:00 UTC: outside the quiet hours (what is written to families would be held).
pub async fn node(url: &str, data: &std::path::Path) -> anyhow::Result<AppState> {
    let text = format!(
        "[node]\ndomain = \"bench.test\"\nname = \"Banc d'essai\"\ndata_dir = {:?}\n\
         [database]\nurl = {url:?}\n[security]\nsecret_key = \"{}\"\n",
        data.display().to_string(),
        "f".repeat(40)
    );
    let config = NodeConfig::from_toml_str_only(&text)?;
    let state = ent_node::server::prepare(config).await?;
    let now = state.clock.now();
    let day = now.div_euclid(86_400);
    let tuesday = day + (1 - (day + 3).rem_euclid(7)).rem_euclid(7) + 7;
    state.clock.advance(tuesday * 86_400 + 9 * 3600 - now);
    Ok(state)
}

/// The school both benchmarks use.
pub struct School {
    /// Its id.
    pub id: String,
    /// A teacher made director.
    pub director: String,
    /// Another teacher.
    pub teacher: String,
}

/// A school of 16 classes × 25 pupils with their guardians (ONDE samples: 400 families); one
/// teacher made director.
pub async fn school(state: &AppState) -> anyhow::Result<School> {
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
    let (director, id) = teachers[0].clone();
    sqlx::query("UPDATE memberships SET profile = 'director' WHERE user_id = $1")
        .bind(&director)
        .execute(state.db.pool())
        .await?;
    Ok(School {
        id,
        director,
        teacher: teachers[1].0.clone(),
    })
}

/// The median and the 95th percentile of `times` (sorted in place).
pub fn median_p95(times: &mut [std::time::Duration]) -> (std::time::Duration, std::time::Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}
