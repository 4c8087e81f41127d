//! Notifications: services tell people something happened with [`notify`], after their own
//! transaction committed. Each notification lands in the person's centre (the bell of every
//! page, `/notifications`), unless they turned its kind off, and, for adults who confirmed an
//! address, in the e-mail outbox (each one, or the daily digest). Labels say only that there is
//! something to see, never what a pupil wrote.
//!
//! A service adding an event adds a variant to [`Event`] with its kind, label and link.

mod handlers;
mod links;
pub mod mail;
pub mod store;

use axum::Router;
use axum::routing::{get, post};
use tokio::sync::watch;

use ent_config::NodeConfig;

use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::store::Db;

/// The kinds of notifications, each of which a user may turn off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Messages received (or reported to them).
    Message,
    /// Posts awaiting their moderation in a space.
    Moderation,
    /// Their own posts approved or refused.
    OwnPost,
    /// News items addressed to them.
    News,
    /// Mots of the cahier de liaison (to read, to sign) and mots d'absence (staff).
    Liaison,
    /// Changes in an agenda they follow.
    Agenda,
    /// Work of the cahier de textes (new work, a teacher's answer to what was handed in).
    Homework,
}

impl Kind {
    /// Every kind, in the order of the preferences page.
    pub const ALL: [Kind; 7] = [
        Kind::Message,
        Kind::Liaison,
        Kind::Homework,
        Kind::News,
        Kind::Agenda,
        Kind::Moderation,
        Kind::OwnPost,
    ];

    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Message => "message",
            Kind::Moderation => "moderation",
            Kind::OwnPost => "own_post",
            Kind::News => "news",
            Kind::Liaison => "liaison",
            Kind::Agenda => "agenda",
            Kind::Homework => "homework",
        }
    }

    /// The kind of a stored key.
    pub fn parse(key: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    /// Its name on the preferences page.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Message => "Nouveaux messages",
            Kind::Moderation => "Messages à valider dans un espace (modérateurs)",
            Kind::OwnPost => "Mes messages validés ou refusés dans un espace",
            Kind::News => "Actualités",
            Kind::Liaison => "Cahier de liaison (mots à lire ou à signer, absences)",
            Kind::Agenda => "Changements dans l'agenda",
            Kind::Homework => "Cahier de textes (travail à faire, réponses aux devoirs rendus)",
        }
    }
}

/// Something someone should hear of.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A message reached their Reçus.
    MessageDelivered {
        /// The message.
        message_id: &'a str,
    },
    /// A message of theirs could not reach some recipients (their node's link ended first).
    MessageNotDelivered {
        /// The message.
        message_id: &'a str,
    },
    /// A message was reported to them.
    MessageReported {
        /// The report (itself a message).
        message_id: &'a str,
    },
    /// A post waits for a moderator of the space.
    PostAwaitingModeration {
        /// The space.
        space_id: &'a str,
    },
    /// A moderator published their post.
    PostApproved {
        /// The space.
        space_id: &'a str,
    },
    /// A moderator refused their post.
    PostRefused {
        /// The space.
        space_id: &'a str,
    },
    /// An event of an agenda they follow was added, changed, cancelled or deleted (sent to
    /// families at the end of the quiet hours when made during them).
    EventChanged {
        /// The event (gone when it was deleted).
        event_id: &'a str,
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
    /// Work of the cahier de textes became visible (pupils and parents of the class).
    HomeworkPublished {
        /// The entry.
        entry_id: &'a str,
    },
    /// A teacher answered what a pupil handed in (the pupil).
    HomeworkAnswered {
        /// The entry.
        entry_id: &'a str,
    },
}

impl Event<'_> {
    /// Which preference governs it.
    pub fn kind(&self) -> Kind {
        match self {
            Event::MessageDelivered { .. }
            | Event::MessageNotDelivered { .. }
            | Event::MessageReported { .. } => Kind::Message,
            Event::PostAwaitingModeration { .. } => Kind::Moderation,
            Event::PostApproved { .. } | Event::PostRefused { .. } => Kind::OwnPost,
            Event::EventChanged { .. } => Kind::Agenda,
            Event::NewsPublished { .. } => Kind::News,
            Event::MotDelivered { .. }
            | Event::MotToSign { .. }
            | Event::AbsenceReported { .. } => Kind::Liaison,
            Event::HomeworkPublished { .. } | Event::HomeworkAnswered { .. } => Kind::Homework,
        }
    }

    /// What the centre and the mail say: only that there is something to see (neither "tu"
    /// nor "vous": the same line reaches pupils and adults).
    pub fn label(&self) -> &'static str {
        match self {
            Event::MessageDelivered { .. } => "Nouveau message dans la messagerie",
            Event::MessageReported { .. } => "Un message a été signalé",
            Event::MessageNotDelivered { .. } => {
                "Un message envoyé n'a pas pu être remis à tous ses destinataires"
            }
            Event::PostAwaitingModeration { .. } => {
                "Un message attend la validation d'un modérateur"
            }
            Event::PostApproved { .. } => "Message publié dans un espace",
            Event::PostRefused { .. } => "Message refusé par les modérateurs d'un espace",
            Event::EventChanged { .. } => "Un événement de l'agenda a changé",
            Event::NewsPublished { .. } => "Nouvelle actualité",
            Event::MotDelivered { .. } => "Nouveau mot dans le cahier de liaison",
            Event::MotToSign {
                reminder: false, ..
            } => "Un mot du cahier de liaison est à signer",
            Event::MotToSign { reminder: true, .. } => {
                "Rappel : un mot du cahier de liaison attend sa signature"
            }
            Event::AbsenceReported { .. } => "Nouveau mot d'absence",
            Event::HomeworkPublished { .. } => "Nouveau travail dans le cahier de textes",
            Event::HomeworkAnswered { .. } => "Réponse à un travail rendu",
        }
    }

    /// Where to see it (a path of this node).
    pub fn link(&self) -> String {
        match self {
            Event::MessageDelivered { message_id }
            | Event::MessageNotDelivered { message_id }
            | Event::MessageReported { message_id } => format!("/messagerie/{message_id}"),
            Event::PostAwaitingModeration { space_id }
            | Event::PostApproved { space_id }
            | Event::PostRefused { space_id } => format!("/espaces/{space_id}"),
            Event::EventChanged { event_id } => format!("/agenda/evenements/{event_id}"),
            Event::NewsPublished { news_id } => format!("/actualites/{news_id}"),
            Event::MotDelivered { mot_id } | Event::MotToSign { mot_id, .. } => {
                format!("/liaison/mots/{mot_id}")
            }
            Event::AbsenceReported { .. } => "/liaison".to_owned(),
            Event::HomeworkPublished { entry_id } | Event::HomeworkAnswered { entry_id } => {
                format!("/cahier-de-textes/{entry_id}")
            }
        }
    }
}

/// Tells `recipients` of `event`: a line in each one's centre (unless they turned the kind
/// off) and, for those who chose a mail for each notification, a mail in the outbox, in one
/// transaction. Called after the service's own commit: a failure here is logged and loses
/// only the notification, never what the service wrote.
pub async fn notify(state: &AppState, recipients: &[String], event: Event<'_>) {
    notify_with(
        &state.db,
        &state.config,
        state.clock.now(),
        recipients,
        event,
    )
    .await;
}

/// [`notify`] where no `AppState` is at hand (the federation's writer of received activities).
pub async fn notify_with(
    db: &Db,
    config: &NodeConfig,
    now: i64,
    recipients: &[String],
    event: Event<'_>,
) {
    if recipients.is_empty() {
        return;
    }
    if let Err(error) = record(db, config, now, recipients, &event).await {
        tracing::error!(%error, ?event, "notification not recorded");
    }
}

async fn record(
    db: &Db,
    config: &NodeConfig,
    now: i64,
    recipients: &[String],
    event: &Event<'_>,
) -> sqlx::Result<()> {
    let kind = event.kind();
    let (label, link) = (event.label(), event.link());
    let quiet = QuietHours::of(&config.quiet_hours);
    let mail_on = config.mail.enabled();
    let mut tx = db.begin_write().await?;
    let mut reached = 0usize;
    for chunk in recipients.chunks(500) {
        let wanted = store::wanting(&mut tx, chunk, kind).await?;
        for user_id in &wanted {
            store::insert(&mut tx, user_id, kind, label, &link, now).await?;
        }
        reached += wanted.len();
        if mail_on {
            for (user_id, address) in store::mailed_each(&mut tx, &wanted).await? {
                let (subject, body) = mail::compose::one(config, &user_id, label, &link);
                let not_before = quiet.end_of_quiet(now);
                mail::outbox::queue(
                    &mut tx, &user_id, &address, &subject, &body, not_before, now,
                )
                .await?;
            }
        }
    }
    tx.commit().await?;
    tracing::debug!(?event, reached, "notification recorded");
    Ok(())
}

/// The routes of the centre, the preferences and the links of mails.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(handlers::list))
        .route("/notifications/tout-lu", post(handlers::all_read))
        .route(
            "/notifications/preferences",
            get(handlers::preferences).post(handlers::save_kinds),
        )
        .route("/notifications/courriel", post(handlers::save_mail))
        .route("/notifications/courriel/{token}", get(links::confirm))
        .route(
            "/notifications/desabonnement/{token}",
            get(links::unsubscribe_page).post(links::unsubscribe),
        )
        .route("/notifications/{id}", get(handlers::open))
}

/// Spawns the mail job (digests due, outbox sent; every minute) until `shutdown` turns true.
pub fn start(state: AppState, shutdown: watch::Receiver<bool>) {
    if !state.config.mail.enabled() {
        return;
    }
    crate::jobs::every(std::time::Duration::from_secs(60), shutdown, move || {
        let state = state.clone();
        async move { mail::run_once(&state).await }
    });
}
