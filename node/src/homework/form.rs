//! Writing a séance or a work: the form (the classes the teacher writes for, with their
//! subjects), and its sending, with the quiet-hours warning asked before saving.

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::attachments::SubmittedForm;
use crate::error::{AppError, AppResult};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::Done;
use crate::web::{Page, render};

use super::service::{self, Draft, Saved, Writable};

/// `?classe=&type=`: what the form starts with.
#[derive(Debug, Deserialize, Default)]
pub struct Start {
    /// Class id.
    #[serde(default)]
    pub classe: String,
    /// `seance` or `travail`.
    #[serde(default, rename = "type")]
    pub kind: String,
}

#[derive(Template)]
#[template(path = "homework/write.html")]
struct WritePage<'a> {
    page: Page<'a>,
    classes: Vec<Writable>,
    form: Fields,
    error: Option<String>,
    warning: Option<String>,
}

/// The form's fields as typed (kept when something is wrong).
#[derive(Debug, Default, Clone)]
pub struct Fields {
    class_id: String,
    kind: String,
    subject: String,
    day: String,
    title: String,
    body: String,
    links: String,
    minutes: String,
    hand_in: bool,
    publish: String,
}

impl Fields {
    fn from(form: &SubmittedForm) -> Self {
        Self {
            class_id: form.get("classe").to_owned(),
            kind: form.get("type").to_owned(),
            subject: form.get("matiere").to_owned(),
            day: form.get("jour").to_owned(),
            title: form.get("titre").to_owned(),
            body: form.get("texte").to_owned(),
            links: form.get("liens").to_owned(),
            minutes: form.get("minutes").to_owned(),
            hand_in: form.get("a_rendre") == "oui",
            publish: form.get("publication").to_owned(),
        }
    }

    fn subject_key(&self, class_id: &str, code: &str) -> bool {
        self.class_id == class_id && self.subject == code
    }
}

fn refuse_non_writer(classes: &[Writable]) -> AppResult<()> {
    if classes.is_empty() {
        return Err(AppError::Refused(service::REFUSED.into()));
    }
    Ok(())
}

/// `GET /cahier-de-textes/ecrire`: the classes' teachers only.
pub async fn write(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(start): Query<Start>,
) -> AppResult<Response> {
    let classes = service::writable(&state, &viewer).await?;
    refuse_non_writer(&classes)?;
    let form = Fields {
        class_id: start.classe,
        kind: if start.kind == "seance" {
            "seance".into()
        } else {
            "travail".into()
        },
        ..Fields::default()
    };
    let page = viewer.page("Écrire dans le cahier de textes", &state.config.node.name);
    Ok(render(&WritePage {
        page,
        classes,
        form,
        error: None,
        warning: None,
    })?
    .into_response())
}

/// `POST /cahier-de-textes/ecrire`.
pub async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> AppResult<Response> {
    let form = crate::attachments::read_form(&state, request).await?;
    viewer.check_csrf(form.get("csrf"))?;
    let quiet = QuietHours::of(&state.config.quiet_hours);
    let fields = Fields::from(&form);
    let outcome = async {
        let text = form.get("publication").trim();
        let publish_at = if text.is_empty() {
            None
        } else {
            Some(quiet.local_input(text).ok_or_else(|| {
                AppError::Invalid(
                    "Date de publication illisible (par exemple 2026-12-07T18:00).".into(),
                )
            })?)
        };
        let draft = Draft {
            class_id: fields.class_id.clone(),
            kind: fields.kind.clone(),
            subject: fields.subject.clone(),
            day: fields.day.clone(),
            title: fields.title.clone(),
            body: fields.body.clone(),
            links: fields.links.clone(),
            minutes: fields.minutes.clone(),
            hand_in: fields.hand_in,
            publish_at,
            confirmed: crate::web::confirm::confirmed(form.get("confirme")),
            uploads: crate::attachments::parse_uploads(&form.files).map_err(AppError::Invalid)?,
        };
        service::save(&state, &viewer, draft).await
    }
    .await;
    let (error, warning) = match outcome {
        Ok(Saved::Done(id, at)) if at > state.clock.now() => {
            return Ok(Done::HomeworkPlanned.redirect(&format!("/cahier-de-textes/{id}")));
        }
        Ok(Saved::Done(id, _)) => {
            return Ok(Done::HomeworkSaved.redirect(&format!("/cahier-de-textes/{id}")));
        }
        Ok(Saved::Warn(warning)) => (None, Some(warning)),
        Err(AppError::Invalid(message)) => (Some(message), None),
        Err(other) => return Err(other),
    };
    let classes = service::writable(&state, &viewer).await?;
    let page = viewer.page("Écrire dans le cahier de textes", &state.config.node.name);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(&WritePage {
        page,
        classes,
        form: fields,
        error,
        warning,
    })?;
    Ok((status, html).into_response())
}
