//! Notifications by e-mail: the outbox (`outbox.rs`) filled in the transaction that decided a
//! mail, the daily digest (`digest.rs`), the words (`compose.rs`) and the SMTP connection
//! (`transport.rs`). Nothing leaves in the quiet hours.

pub mod compose;
pub mod digest;
pub mod outbox;
mod transport;

use crate::state::AppState;

/// One pass of the job: digests whose day came are queued, then due mails are sent. Failures
/// are logged, never fatal.
pub async fn run_once(state: &AppState) {
    if let Err(error) = digest::queue_due(state).await {
        tracing::error!(%error, "mail: digests not queued");
    }
    match outbox::send_due(state).await {
        Ok(0) => {}
        Ok(sent) => tracing::info!(sent, "mail: sent"),
        Err(error) => tracing::error!(%error, "mail: outbox failed"),
    }
    if let Err(error) = outbox::purge(state).await {
        tracing::error!(%error, "mail: purge failed");
    }
}
