//! The liaison pages: the carnet (by profile) and writing a mot (one mot and its actions:
//! `mot.rs`).

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::classes::ClassRow;
use crate::classes::store::MemberRow;
use crate::domain::Profile;
use crate::domain::local_time::paris_label;
use crate::error::{AppError, AppResult};
use crate::policy::publishing;
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::{Done, Flash};
use crate::web::{Page, PageQuery, Pager, render};

use super::absence::{self, AbsenceLine};
use super::service::{self, Written};
use super::store::{self, Carnets, Mot, Signature};

/// Mots per page.
const PER_PAGE: usize = 10;

#[derive(Template)]
#[template(path = "liaison_home.html")]
struct HomePage<'a> {
    page: Page<'a>,
    mots: Vec<(Mot, bool)>,
    pager: Pager,
    writes: bool,
    parent: bool,
    absences: Vec<AbsenceLine>,
    flash: Option<&'static str>,
    quiet: QuietHours,
    now: i64,
}

impl HomePage<'_> {
    fn when(&self, at: &i64) -> String {
        paris_label(*at)
    }

    fn delivered_at(&self, at: &i64) -> String {
        self.quiet.label(*at, self.now)
    }
}

/// `GET /liaison`: the mots the viewer writes or follows, their children's, or their own
/// carnet (pupils); mots d'absence.
pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(paging): Query<PageQuery>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    if !publishing::uses_liaison(&viewer) {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let classes: Vec<String> = service::writable_classes(&state, &viewer)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let writes = !classes.is_empty();
    let parent = viewer.has_profile(Profile::Parent);
    let carnets = if writes {
        Carnets::Classes(&classes)
    } else if parent {
        Carnets::Guardian(viewer.id())
    } else {
        Carnets::Pupil(viewer.id())
    };
    let total = store::count(&state.db, &carnets, now).await?;
    let pager = Pager::new(paging.page, total, PER_PAGE, "/liaison").words(
        "Pages du cahier de liaison",
        "Mots plus récents",
        "Mots plus anciens",
    );
    let mut mots = Vec::new();
    for mot in store::page(&state.db, &carnets, now, pager.offset(), PER_PAGE).await? {
        let pending = to_do(&state, &viewer, &mot, writes).await?;
        mots.push((mot, pending));
    }
    let absences = if writes {
        absence::of_classes(&state, &classes).await?
    } else if parent {
        absence::of_parent(&state, viewer.id()).await?
    } else {
        Vec::new()
    };
    let title = if viewer.is_pupil_only() {
        "Mon carnet"
    } else {
        "Cahier de liaison"
    };
    let page = viewer.page(title, &state.config.node.name);
    let flash = flash.message(page.simple);
    Ok(render(&HomePage {
        page,
        mots,
        pager,
        writes,
        parent,
        absences,
        flash,
        quiet: QuietHours::of(&state.config.quiet_hours),
        now,
    })?
    .into_response())
}

/// Whether a mot still waits for something: signatures (its author), the viewer's signature
/// (a parent), a grown-up's signature (a pupil).
async fn to_do(state: &AppState, viewer: &Viewer, mot: &Mot, writes: bool) -> AppResult<bool> {
    if mot.signature == Signature::None {
        return Ok(false);
    }
    let statuses = store::statuses(&state.db, &mot.id).await?;
    Ok(statuses.iter().any(|s| {
        if writes || s.pupil_id == viewer.id() {
            !s.complete(mot.signature)
        } else {
            s.missing(mot.signature).iter().any(|g| g.id == viewer.id())
        }
    }))
}

#[derive(Template)]
#[template(path = "liaison_write.html")]
struct WritePage<'a> {
    page: Page<'a>,
    classes: Vec<ClassRow>,
    class: Option<ClassRow>,
    pupils: Vec<MemberRow>,
    chosen: Vec<String>,
    title: &'a str,
    body: &'a str,
    signature: &'a str,
    error: Option<&'a str>,
}

impl WritePage<'_> {
    fn is_chosen(&self, id: &str) -> bool {
        self.chosen.iter().any(|c| c == id)
    }
}

/// `?classe=`.
#[derive(Debug, Deserialize, Default)]
pub struct WriteQuery {
    #[serde(default)]
    classe: String,
}

/// `GET /liaison/ecrire`: the class first, then the mot.
pub async fn write(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<WriteQuery>,
) -> AppResult<Response> {
    let classes = service::writable_classes(&state, &viewer).await?;
    if classes.is_empty() {
        return Err(AppError::Forbidden);
    }
    let class = if classes.len() == 1 && query.classe.is_empty() {
        classes.first().cloned()
    } else {
        classes.iter().find(|c| c.id == query.classe).cloned()
    };
    let pupils = match &class {
        Some(c) => crate::classes::store::members(&state.db, &c.id, "pupil").await?,
        None => Vec::new(),
    };
    let page = viewer.page("Écrire un mot", &state.config.node.name);
    Ok(render(&WritePage {
        page,
        classes,
        class,
        pupils,
        chosen: Vec::new(),
        title: "",
        body: "",
        signature: "aucune",
        error: None,
    })?
    .into_response())
}

/// `POST /liaison/ecrire`.
pub async fn send(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> AppResult<Response> {
    let form = crate::attachments::read_form(&state, request).await?;
    viewer.check_csrf(form.get("csrf"))?;
    if !publishing::writes_some_mots(&viewer) {
        return Err(AppError::Forbidden);
    }
    let written = Written {
        class_id: form.get("classe").to_owned(),
        pupils: form.all("eleves").into_iter().map(str::to_owned).collect(),
        title: form.get("title").to_owned(),
        body: form.get("body").to_owned(),
        signature: form.get("signature").to_owned(),
    };
    match service::write(&state, &viewer, written).await {
        Ok((id, at)) if at > state.clock.now() => {
            Ok(Done::MotHeld.redirect(&format!("/liaison/mots/{id}")))
        }
        Ok((id, _)) => Ok(Done::MotSent.redirect(&format!("/liaison/mots/{id}"))),
        Err(AppError::Invalid(message)) => {
            let classes = service::writable_classes(&state, &viewer).await?;
            let class = classes.iter().find(|c| c.id == form.get("classe")).cloned();
            let pupils = match &class {
                Some(c) => crate::classes::store::members(&state.db, &c.id, "pupil").await?,
                None => Vec::new(),
            };
            let page = viewer.page("Écrire un mot", &state.config.node.name);
            let html = render(&WritePage {
                page,
                classes,
                class,
                pupils,
                chosen: form.all("eleves").into_iter().map(str::to_owned).collect(),
                title: form.get("title"),
                body: form.get("body"),
                signature: form.get("signature"),
                error: Some(&message),
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}
