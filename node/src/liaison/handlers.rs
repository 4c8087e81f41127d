//! The liaison pages: the carnet (by profile), writing a mot, one mot with its signatures, the
//! printable list of missing signatures, and the actions on a mot.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::audience::Audience;
use crate::classes::ClassRow;
use crate::classes::store::MemberRow;
use crate::domain::Profile;
use crate::domain::local_time::paris_label;
use crate::error::{AppError, AppResult};
use crate::policy::publishing::{self, MotFacts};
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::{Done, Flash};
use crate::web::richtext::render_text;
use crate::web::{ConfirmForm, Confirmation, Page, PageQuery, Pager, TokenForm, render};

use super::absence::{self, AbsenceLine};
use super::service::{self, Written};
use super::store::{self, Carnets, Mot, PupilStatus, Signature};

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

#[derive(Template)]
#[template(path = "liaison_mot.html")]
struct MotPage<'a> {
    page: Page<'a>,
    mot: Mot,
    html: String,
    facts: MotFacts,
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
    let statuses = if facts.manages { all } else { Vec::new() };
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
    if !facts.manages {
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
    if !publishing::signs_mot(&viewer, facts) || guardian.is_none() || !facts.asks_signature {
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
    if !facts.manages {
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
    if !publishing::signs_mot(&viewer, facts) {
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
    if !facts.manages {
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
