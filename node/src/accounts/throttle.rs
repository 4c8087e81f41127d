//! Sign-in throttling per account and per client address, kept in the database so that several
//! node processes behind one load balancer share the same counts.

use crate::store::{Db, new_id};

/// What is counted: an identifier as typed (known or not, so that throttling reveals nothing)
/// and the client address.
pub struct Subjects {
    account: String,
    address: String,
}

impl Subjects {
    /// Subjects for one attempt.
    pub fn new(identifier: &str, address: &str) -> Self {
        Self {
            account: format!("account:{}", identifier.trim().to_lowercase()),
            address: format!("address:{address}"),
        }
    }
}

/// Limits read from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures allowed per account within the window.
    pub per_account: i64,
    /// Failures allowed per address within the window.
    pub per_address: i64,
    /// Window length, seconds.
    pub window_secs: i64,
}

impl Limits {
    /// From `[accounts]`.
    pub fn from_config(config: &ent_config::AccountsSection) -> Self {
        Self {
            per_account: config.max_failures_per_account.into(),
            per_address: config.max_failures_per_address.into(),
            window_secs: i64::from(config.throttle_window_minutes) * 60,
        }
    }
}

/// Whether another attempt is allowed now.
pub async fn allowed(
    db: &Db,
    subjects: &Subjects,
    limits: Limits,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let since = now - limits.window_secs;
    let count = |subject: String| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM sign_in_failures WHERE subject = $1 AND at > $2",
        )
        .bind(subject)
        .bind(since)
        .fetch_one(db.pool())
        .await
    };
    let account = count(subjects.account.clone()).await?;
    let address = count(subjects.address.clone()).await?;
    Ok(account < limits.per_account && address < limits.per_address)
}

/// Records a failure for both subjects (and forgets failures older than a day).
pub async fn record_failure(db: &Db, subjects: &Subjects, now: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    for subject in [&subjects.account, &subjects.address] {
        sqlx::query("INSERT INTO sign_in_failures (id, subject, at) VALUES ($1, $2, $3)")
            .bind(new_id())
            .bind(subject)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
        .bind(now - 86_400)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// A success clears the account's failures (not the address's: one pupil signing in must not
/// reset a classroom-wide guessing attempt).
pub async fn record_success(db: &Db, subjects: &Subjects) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE subject = $1")
        .bind(&subjects.account)
        .execute(db.pool())
        .await?;
    Ok(())
}
