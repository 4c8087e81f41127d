//! The durable outbox of mails, modelled on the federation's: a mail is stored in the
//! transaction that decided it, then sent by the job, retried with a growing wait, and kept
//! across restarts.
//!
//! Delivery is at least once, with one narrow window: a sender marks a mail `sending` with a
//! lease before talking to the SMTP server, so no other process sends it meanwhile. If the
//! process dies after the server accepted the mail but before `sent` is written, the lease
//! expires and the mail is sent again, with the same Message-ID (mail clients and many servers
//! drop the second copy by that id). A crash before the server accepted it loses nothing: the
//! lease expires and the mail goes. Nothing is sent in the quiet hours.

use lettre::AsyncTransport;
use lettre::message::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use sqlx::AnyConnection;

use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::store::new_id;

/// Mails sent per pass at most (the next pass sends the rest).
const BATCH: usize = 200;
/// Sent and given-up mails are kept this long (for the operator's questions), then purged.
const KEEP_SECS: i64 = 30 * 86_400;

/// Queues a mail, to be sent from `not_before` (the end of the quiet hours, or now).
pub async fn queue(
    conn: &mut AnyConnection,
    user_id: &str,
    address: &str,
    subject: &str,
    body: &str,
    not_before: i64,
    now: i64,
) -> sqlx::Result<()> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO mail_outbox (id, user_id, address, subject, body, message_id, state, not_before, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(address)
    .bind(subject)
    .bind(body)
    .bind(&id)
    .bind(not_before)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The wait after the `attempts`-th failure: 1, 2, 4… minutes, at most 6 hours.
pub fn backoff(attempts: i64) -> i64 {
    (60_i64 << attempts.clamp(1, 20).saturating_sub(1)).min(6 * 3600)
}

/// `List-Unsubscribe` (RFC 2369) and `List-Unsubscribe-Post` (RFC 8058): mail clients offer a
/// one-click unsubscribe that posts to the signed link.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

#[derive(sqlx::FromRow)]
struct Due {
    id: String,
    user_id: String,
    address: String,
    subject: String,
    body: String,
    message_id: String,
    attempts: i64,
}

/// Sends the mails whose time has come (none in the quiet hours); returns how many were sent.
pub async fn send_due(state: &AppState) -> sqlx::Result<usize> {
    let config = &state.config.mail;
    if !config.enabled() {
        return Ok(0);
    }
    let quiet = QuietHours::of(&state.config.quiet_hours);
    if quiet.is_quiet(state.clock.now()) {
        return Ok(0);
    }
    let transport = match super::transport::of(config) {
        Ok(transport) => transport,
        Err(error) => {
            tracing::error!(%error, "mail: no SMTP transport");
            return Ok(0);
        }
    };
    let mut sent = 0;
    for _ in 0..BATCH {
        let now = state.clock.now();
        let Some(mail) = claim(state, now).await? else {
            break;
        };
        match send(state, &transport, &mail).await {
            Ok(()) => {
                sqlx::query(
                    "UPDATE mail_outbox SET state = 'sent', sent_at = $1, last_error = '' WHERE id = $2 AND state = 'sending'",
                )
                .bind(state.clock.now())
                .bind(&mail.id)
                .execute(state.db.pool())
                .await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(%error, attempts = mail.attempts, "mail: send failed");
                let given_up = mail.attempts >= i64::from(config.max_attempts);
                let retry = quiet.end_of_quiet(now + backoff(mail.attempts));
                sqlx::query(
                    "UPDATE mail_outbox SET state = $1, not_before = $2, lease_until = 0, last_error = $3 WHERE id = $4 AND state = 'sending'",
                )
                .bind(if given_up { "failed" } else { "queued" })
                .bind(retry)
                .bind(error.chars().take(500).collect::<String>())
                .bind(&mail.id)
                .execute(state.db.pool())
                .await?;
                // The server is likely down: the others wait for the next pass.
                break;
            }
        }
    }
    Ok(sent)
}

/// Purges sent and given-up mails older than 30 days; returns how many.
pub async fn purge(state: &AppState) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "DELETE FROM mail_outbox WHERE state IN ('sent', 'failed') AND created_at < $1",
    )
    .bind(state.clock.now() - KEEP_SECS)
    .execute(state.db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// Takes the next due mail: marks it `sending` with a lease (the condition in the UPDATE makes
/// the claim atomic between processes on both engines).
async fn claim(state: &AppState, now: i64) -> sqlx::Result<Option<Due>> {
    const DUE: &str =
        "((state = 'queued' AND not_before <= $1) OR (state = 'sending' AND lease_until < $1))";
    loop {
        let next: Option<Due> = sqlx::query_as(&format!(
            "SELECT id, user_id, address, subject, body, message_id, attempts FROM mail_outbox WHERE {DUE} \
             ORDER BY not_before, id LIMIT 1"
        ))
        .bind(now)
        .fetch_optional(state.db.pool())
        .await?;
        let Some(mut mail) = next else {
            return Ok(None);
        };
        let taken = sqlx::query(&format!(
            "UPDATE mail_outbox SET state = 'sending', lease_until = $2, attempts = attempts + 1 \
             WHERE id = $3 AND {DUE}"
        ))
        .bind(now)
        // How long this sender holds it (`[mail] lease_seconds`, twice the SMTP timeout).
        .bind(now + i64::from(state.config.mail.lease_seconds))
        .bind(&mail.id)
        .execute(state.db.pool())
        .await?;
        if taken.rows_affected() == 1 {
            mail.attempts += 1;
            return Ok(Some(mail));
        }
    }
}

async fn send(
    state: &AppState,
    transport: &lettre::AsyncSmtpTransport<lettre::Tokio1Executor>,
    mail: &Due,
) -> Result<(), String> {
    let config = &state.config.mail;
    let message = Message::builder()
        .from(config.from.parse().map_err(|e| format!("from: {e}"))?)
        .to(mail.address.parse().map_err(|e| format!("to: {e}"))?)
        .subject(mail.subject.clone())
        .message_id(Some(format!(
            "<{}@{}>",
            mail.message_id, state.config.node.domain
        )))
        .header(ContentType::TEXT_PLAIN)
        .header(ListUnsubscribe(format!(
            "{}/notifications/desabonnement/{}",
            state.config.public_url(),
            super::compose::unsubscribe_token(&state.config, &mail.user_id)
        )))
        .header(ListUnsubscribePost)
        .body(mail.body.clone())
        .map_err(|e| e.to_string())?;
    transport
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}
