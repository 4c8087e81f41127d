//! One mot: its page (the families' signatures for who manages its class, the signing form
//! for parents), the printable list of missing signatures, and the actions on it: sign,
//! remind, answer privately, delete.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::audience::Audience;
use crate::domain::local_time::paris_label;
use crate::error::{AppError, AppResult};
use crate::policy::publishing::MotFacts;
use crate::policy::{self, Action};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::{Done, Flash};
use crate::web::richtext::render_text;
use crate::web::{ConfirmForm, Confirmation, Page, TokenForm, render};

use super::service;
use super::store::{self, Mot, PupilStatus};

#[derive(Template)]
#[template(path = "liaison_mot.html")]
struct MotPage<'a> {
    page: Page<'a>,
    mot: Mot,
    html: String,
    facts: MotFacts,
    follows: bool,
    statuses: Vec<PupilStatus>,
    /// The viewer's children in the mot, and whether each still needs the viewer's signature.
    mine: Vec<(PupilStatus, bool)>,
    waiting: Option<String>,
    flash: Option<&'static str>,
}

impl MotPage<'_> {
    fn when(&self, at: &i64) -> String {
        paris_label(*at)
    }

    fn signed(&self) -> usize {
        self.statuses
            .iter()
            .filter(|s| s.complete(self.mot.signature))
            .count()
    }
}

/// `GET /liaison/mots/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let (mot, facts) = service::readable(&state, &viewer, &id).await?;
    let all = store::statuses(&state.db, &id).await?;
    let mine: Vec<(PupilStatus, bool)> = all
        .iter()
        .filter(|s| s.guardians.iter().any(|g| g.id == viewer.id()))
        .map(|s| {
            let needs = s.missing(mot.signature).iter().any(|g| g.id == viewer.id());
            (s.clone(), needs)
        })
        .collect();
    let follows = policy::allows(&viewer, Action::FollowMot(&facts));
    let statuses = if follows { all } else { Vec::new() };
    let now = state.clock.now();
    let waiting = (mot.visible_at > now)
        .then(|| QuietHours::of(&state.config.quiet_hours).label(mot.visible_at, now));
    let page = viewer.page("Mot du cahier de liaison", &state.config.node.name);
    let flash = flash.message(page.simple);
    Ok(render(&MotPage {
        html: render_text(&mot.body),
        page,
        mot,
        facts,
        follows,
        statuses,
        mine,
        waiting,
        flash,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "liaison_missing.html")]
struct MissingPage<'a> {
    page: Page<'a>,
    mot: Mot,
    missing: Vec<(String, Vec<String>)>,
    printed: String,
}

/// `GET /liaison/mots/{id}/manquantes`: the printable list of missing signatures.
pub async fn missing(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (mot, facts) = service::readable(&state, &viewer, &id).await?;
    if !policy::allows(&viewer, Action::FollowMot(&facts)) {
        return Err(AppError::NotFound);
    }
    let missing = store::statuses(&state.db, &id)
        .await?
        .iter()
        .filter(|s| !s.complete(mot.signature))
        .map(|s| {
            let names = s
                .missing(mot.signature)
                .iter()
                .map(|g| g.name.clone())
                .collect();
            (s.name.clone(), names)
        })
        .collect();
    let page = viewer.page("Signatures manquantes", &state.config.node.name);
    Ok(render(&MissingPage {
        page,
        mot,
        missing,
        printed: paris_label(state.clock.now()),
    })?
    .into_response())
}

/// The signing form.
#[derive(Debug, Deserialize)]
pub struct SignForm {
    csrf: String,
    #[serde(default)]
    eleve: String,
}

/// `POST /liaison/mots/{id}/signer`: one tap; a second one changes nothing.
pub async fn sign(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (mot, facts) = service::readable(&state, &viewer, &id).await?;
    let guardian: Option<String> = sqlx::query_scalar(
        "SELECT p.pupil_id FROM liaison_pupils p JOIN guardianships g ON g.child_id = p.pupil_id \
         WHERE p.mot_id = $1 AND p.pupil_id = $2 AND g.parent_id = $3",
    )
    .bind(&id)
    .bind(&form.eleve)
    .bind(viewer.id())
    .fetch_optional(state.db.pool())
    .await?;
    if !policy::allows(&viewer, Action::SignMot(&facts))
        || guardian.is_none()
        || !facts.asks_signature
    {
        return Err(AppError::Refused(
            "Seul un parent de l'élève peut signer ce mot.".into(),
        ));
    }
    let mut tx = state.db.begin_write().await?;
    store::sign(&mut tx, &mot, &form.eleve, viewer.id(), state.clock.now()).await?;
    tx.commit().await?;
    Ok(Done::MotSigned.redirect(&format!("/liaison/mots/{id}")))
}

/// `POST /liaison/mots/{id}/relancer`: reminds every guardian still to sign.
pub async fn remind(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (mot, facts) = service::readable(&state, &viewer, &id).await?;
    if !policy::allows(&viewer, Action::FollowMot(&facts)) {
        return Err(AppError::Forbidden);
    }
    let statuses = store::statuses(&state.db, &id).await?;
    service::remind(&state, &viewer, &mot, &statuses).await?;
    Ok(Done::MotReminded.redirect(&format!("/liaison/mots/{id}")))
}

/// The answer form.
#[derive(Debug, Deserialize)]
pub struct ReplyForm {
    csrf: String,
    #[serde(default)]
    body: String,
}

/// `POST /liaison/mots/{id}/repondre`: a parent answers the author privately; the answer is a
/// message of the messagerie (its rules, its quiet hours), the start of a thread.
pub async fn reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ReplyForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (mot, facts) = service::readable(&state, &viewer, &id).await?;
    if !policy::allows(&viewer, Action::SignMot(&facts)) {
        return Err(AppError::Forbidden);
    }
    let contacts = crate::messaging::contacts::of(&state, &viewer).await?;
    let author = Audience::Person(mot.author_id.clone()).code();
    let to = crate::messaging::contacts::check_chosen(&contacts, &[author.as_str()])?;
    let composed = crate::messaging::service::Composed {
        to,
        subject: format!("Mot « {} »", mot.title),
        body: form.body,
        ..Default::default()
    };
    let (message, outcome) =
        crate::messaging::service::submit(&state, &viewer, &contacts, composed, false).await?;
    let done = match outcome {
        crate::messaging::service::Outcome::Held(_) => Done::MessageHeld,
        _ => Done::MessageSent,
    };
    Ok(done.redirect(&format!("/messagerie/{message}")))
}

/// `POST /liaison/mots/{id}/supprimer`: asks first.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let (mot, facts) = service::readable(&state, &viewer, &id).await?;
    if !policy::allows(&viewer, Action::FollowMot(&facts)) {
        return Err(AppError::Forbidden);
    }
    if !form.confirmed() {
        let ask = Confirmation {
            to_child: "Supprimer ce mot ?".into(),
            to_adult: format!(
                "Supprimer le mot « {} » ? Il disparaîtra des carnets avec ses signatures ; ce \
                 n'est pas réversible.",
                mot.title
            ),
            action: format!("/liaison/mots/{id}/supprimer"),
            fields: Vec::new(),
            yes: "Oui, supprimer le mot".into(),
            no: "Non, le garder".into(),
            back: format!("/liaison/mots/{id}"),
        };
        return crate::web::confirm::ask(
            viewer.page("Supprimer un mot", &state.config.node.name),
            &ask,
        );
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    store::delete(&mut tx, &id).await?;
    crate::users::store::audit(
        &mut tx,
        now,
        Some(viewer.id()),
        "liaison.mot_deleted",
        &id,
        &format!("« {} »", mot.title),
    )
    .await?;
    tx.commit().await?;
    Ok(Done::MotDeleted.redirect("/liaison"))
}
