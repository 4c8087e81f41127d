//! The entry point through which services tell people something happened (a message arrived;
//! later a news item, a note to sign). The notifications issue will fill it (mail, push, the
//! morning digest of the quiet hours); today it only records the event in the logs, so that
//! every service already calls it at the right moment: after its transaction committed.

use crate::state::AppState;

/// Something someone should hear of.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A message reached their Reçus.
    MessageDelivered {
        /// The message.
        message_id: &'a str,
    },
    /// An event of an agenda they follow was added, changed, cancelled or deleted (sent to
    /// families at the end of the quiet hours when made during them).
    EventChanged {
        /// The event (gone when it was deleted).
        event_id: &'a str,
    },
    /// A message was reported to them.
    MessageReported {
        /// The report (itself a message).
        message_id: &'a str,
    },
    /// A news item addressed to them became visible.
    NewsPublished {
        /// The item.
        news_id: &'a str,
    },
    /// A mot of the cahier de liaison reached their carnet (parents and pupils).
    MotDelivered {
        /// The mot.
        mot_id: &'a str,
    },
    /// A mot asks for their signature (at delivery, or again in a reminder).
    MotToSign {
        /// The mot.
        mot_id: &'a str,
        /// A reminder of the author, not the first delivery.
        reminder: bool,
    },
    /// A parent told the school of a child's absence (teachers and direction).
    AbsenceReported {
        /// The mot d'absence.
        absence_id: &'a str,
    },
}

/// Tells `recipients` of `event` (today: recorded in the logs only).
pub fn notify(_state: &AppState, recipients: &[String], event: Event<'_>) {
    tracing::debug!(
        ?event,
        recipients = recipients.len(),
        "notification recorded"
    );
}
