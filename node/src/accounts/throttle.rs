//! Sign-in throttling per account and per client address, kept in the database so that several
//! node processes on one database share the same counts.
//!
//! Concurrency: an attempt is *reserved* (counted) in one write transaction before its password
//! is checked, so 30 parallel guesses cannot all pass a limit of 5 by reading the count before
//! any of them records a failure. A success gives the reservation back. Past the free attempts,
//! a subject gets a progressive delay (30 s, 1 min, 2 min… up to the window): attempts during
//! the delay are answered at once, unchecked, and the right password works again once it has
//! passed. The attacker waits; the account's owner is never locked out for good.

use sqlx::{AnyConnection, Row};

use crate::store::Db;

/// First delay once the free attempts are spent, seconds; each further attempt doubles it.
const FIRST_DELAY_SECS: i64 = 30;

/// What is counted: an identifier as typed (known or not, so that throttling reveals nothing)
/// and the client address, unless it is in a trusted network.
#[derive(Debug, Clone)]
pub struct Subjects {
    account: String,
    address: Option<String>,
}

impl Subjects {
    /// Subjects for one attempt; an address in `accounts.trusted_networks` is not counted.
    pub fn new(identifier: &str, address: &str, config: &ent_config::AccountsSection) -> Self {
        let trusted = address.parse::<std::net::IpAddr>().is_ok_and(|ip| {
            config
                .trusted_networks
                .iter()
                .filter_map(|n| ent_config::parse_network(n))
                .any(|network| network.contains(&ip))
        });
        Self {
            account: account_subject(identifier),
            address: (!trusted).then(|| format!("address:{address}")),
        }
    }

    fn all(&self) -> impl Iterator<Item = (&str, bool)> {
        std::iter::once((self.account.as_str(), true))
            .chain(self.address.as_deref().map(|a| (a, false)))
    }
}

/// The subject of an account, as typed at sign-in (trimmed, lower-case, and cut at 128
/// characters: identifiers are far shorter, and a megabyte typed as one must not be stored).
pub fn account_subject(identifier: &str) -> String {
    let typed: String = identifier.trim().to_lowercase().chars().take(128).collect();
    format!("account:{typed}")
}

/// Limits read from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Attempts per account within the window before delays start.
    pub per_account: i64,
    /// Attempts per address within the window before delays start.
    pub per_address: i64,
    /// Window length, seconds; also the longest delay.
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

    fn free(&self, is_account: bool) -> i64 {
        if is_account {
            self.per_account
        } else {
            self.per_address
        }
    }

    /// The delay after the `n`-th attempt past the free ones (n ≥ 1).
    fn delay(&self, n: i64) -> i64 {
        let doubled = FIRST_DELAY_SECS.saturating_mul(1_i64 << (n - 1).clamp(0, 20));
        doubled.min(self.window_secs)
    }
}

/// The answer to a reservation.
#[derive(Debug)]
pub enum Reserved {
    /// The attempt is counted: check the password, then [`succeeded`] or keep it as a failure.
    Go,
    /// Not now: no password is checked until this many seconds have passed.
    Wait(i64),
}

/// One subject's row, read under its lock.
struct Counter {
    attempts: i64,
    last_at: i64,
    blocked_until: i64,
}

async fn lock_and_read(
    conn: &mut AnyConnection,
    subject: &str,
    now: i64,
) -> Result<Counter, sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (subject, attempts, last_at, blocked_until) \
         VALUES ($1, 0, $2, 0) ON CONFLICT (subject) DO NOTHING",
    )
    .bind(subject)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // A no-op update takes the row lock on PostgreSQL (SQLite holds the database's write lock
    // since BEGIN IMMEDIATE): concurrent reservations of one subject queue here.
    sqlx::query("UPDATE sign_in_throttle SET attempts = attempts WHERE subject = $1")
        .bind(subject)
        .execute(&mut *conn)
        .await?;
    let row = sqlx::query(
        "SELECT attempts, last_at, blocked_until FROM sign_in_throttle WHERE subject = $1",
    )
    .bind(subject)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Counter {
        attempts: row.try_get(0)?,
        last_at: row.try_get(1)?,
        blocked_until: row.try_get(2)?,
    })
}

/// Reserves one attempt for every subject, or says how long to wait. Rows are always locked
/// in the same order (account, then address), so concurrent reservations cannot deadlock.
pub async fn reserve(
    db: &Db,
    subjects: &Subjects,
    limits: Limits,
    now: i64,
) -> Result<Reserved, sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let mut updates = Vec::new();
    let mut wait = 0;
    for (subject, is_account) in subjects.all() {
        let counter = lock_and_read(&mut tx, subject, now).await?;
        // A quiet window forgets everything (delays never exceed the window).
        let attempts = if now - counter.last_at > limits.window_secs {
            0
        } else {
            counter.attempts
        };
        let free = limits.free(is_account);
        if attempts >= free && now < counter.blocked_until {
            wait = wait.max(counter.blocked_until - now);
            continue;
        }
        let attempts = attempts + 1;
        let blocked_until = if attempts >= free {
            now + limits.delay(attempts - free + 1)
        } else {
            0
        };
        updates.push((subject, attempts, blocked_until));
    }
    if wait > 0 {
        tx.rollback().await?;
        return Ok(Reserved::Wait(wait));
    }
    for (subject, attempts, blocked_until) in updates {
        sqlx::query(
            "UPDATE sign_in_throttle SET attempts = $1, last_at = $2, blocked_until = $3 \
             WHERE subject = $4",
        )
        .bind(attempts)
        .bind(now)
        .bind(blocked_until)
        .bind(subject)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM sign_in_throttle WHERE last_at < $1")
        .bind(now - 86_400)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Reserved::Go)
}

/// Gives one reserved attempt back (it was not a failure); the subject's delay ends when it
/// falls back under its free attempts.
async fn give_back(db: &Db, subject: &str, free: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sign_in_throttle SET attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
         blocked_until = CASE WHEN attempts - 1 < $1 THEN 0 ELSE blocked_until END \
         WHERE subject = $2",
    )
    .bind(free)
    .bind(subject)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The right password: the account's counter is cleared; the address only gets its attempt
/// back (one pupil signing in must not reset a guessing run from the same school address).
pub async fn succeeded(db: &Db, subjects: &Subjects, limits: Limits) -> Result<(), sqlx::Error> {
    clear(db, &subjects.account).await?;
    if let Some(address) = &subjects.address {
        give_back(db, address, limits.per_address).await?;
    }
    Ok(())
}

/// The attempt was never checked (the server was too busy): every subject gets it back.
pub async fn not_checked(db: &Db, subjects: &Subjects, limits: Limits) -> Result<(), sqlx::Error> {
    for (subject, is_account) in subjects.all() {
        give_back(db, subject, limits.free(is_account)).await?;
    }
    Ok(())
}

/// Forgets a subject's counter (a success, or the operator unlocking an account).
pub async fn clear(db: &Db, subject: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_throttle WHERE subject = $1")
        .bind(subject)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// An account the operator should know about: attempts past the free ones, waiting now.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delayed {
    /// The identifier as typed.
    pub identifier: String,
    /// Attempts counted in the window.
    pub attempts: i64,
    /// When the next attempt will be checked (seconds since the epoch).
    pub blocked_until: i64,
}

/// Accounts (as typed) currently delayed, the longest delays first.
pub async fn delayed_accounts(db: &Db, now: i64) -> Result<Vec<Delayed>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT subject, attempts, blocked_until FROM sign_in_throttle \
         WHERE blocked_until > $1 AND subject LIKE 'account:%' ORDER BY blocked_until DESC LIMIT 200",
    )
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let subject: String = row.try_get(0)?;
            Ok(Delayed {
                identifier: subject.trim_start_matches("account:").to_owned(),
                attempts: row.try_get(1)?,
                blocked_until: row.try_get(2)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_window() {
        let limits = Limits {
            per_account: 5,
            per_address: 500,
            window_secs: 900,
        };
        let delays: Vec<i64> = (1..=7).map(|n| limits.delay(n)).collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 900, 900]);
        assert_eq!(limits.delay(500), 900);
    }

    #[test]
    fn trusted_networks_are_not_counted_per_address() {
        let config = ent_config::AccountsSection {
            trusted_networks: vec!["10.12.0.0/16".into()],
            ..Default::default()
        };
        assert!(Subjects::new("Léa", "10.12.3.4", &config).address.is_none());
        let outside = Subjects::new(" Léa ", "10.13.0.1", &config);
        assert_eq!(outside.address.as_deref(), Some("address:10.13.0.1"));
        assert_eq!(outside.account, "account:léa");
        assert!(Subjects::new("x", "unknown", &config).address.is_some());
        let huge = "a".repeat(100_000);
        assert_eq!(account_subject(&huge).len(), "account:".len() + 128);
    }
}
