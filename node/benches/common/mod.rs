//! What the benchmarks share.

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
