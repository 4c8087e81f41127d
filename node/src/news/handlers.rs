//! The news pages: the viewer's items (paged), one item, writing, deleting.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::accounts::Viewer;
use crate::audience::Audience;
use crate::domain::SchoolYear;
use crate::domain::local_time::paris_label;
use crate::error::{AppError, AppResult};
use crate::policy::publishing;
use crate::quiet_hours::QuietHours;
use crate::state::AppState;
use crate::web::flash::{Done, Flash};
use crate::web::richtext::render_text;
use crate::web::{ConfirmForm, Confirmation, Page, PageQuery, Pager, render};

use super::service::{self, Draft, Reachable};
use super::store::{self, NewsItem, NewsLine};

/// Items per page.
const PER_PAGE: usize = 10;

#[derive(Template)]
#[template(path = "news_list.html")]
struct ListPage<'a> {
    page: Page<'a>,
    items: Vec<NewsLine>,
    upcoming: Vec<NewsLine>,
    pager: Pager,
    writes: bool,
    flash: Option<&'static str>,
    quiet: QuietHours,
    now: i64,
}

impl ListPage<'_> {
    fn when(&self, at: &i64) -> String {
        paris_label(*at)
    }

    fn shows_at(&self, at: &i64) -> String {
        self.quiet.label(*at, self.now)
    }
}

/// `GET /actualites`: the viewer's current items, paged in SQL.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(paging): Query<PageQuery>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let year = SchoolYear::containing(state.clock.today());
    let codes = crate::audience::codes_of(&state.db, viewer.id(), year).await?;
    let total = store::count(&state.db, viewer.id(), &codes, now).await?;
    let pager = Pager::new(paging.page, total, PER_PAGE, "/actualites").words(
        "Pages d'actualités",
        "Actualités plus récentes",
        "Actualités plus anciennes",
    );
    let items = store::page(
        &state.db,
        viewer.id(),
        &codes,
        now,
        pager.offset(),
        PER_PAGE,
    )
    .await?;
    let writes = publishing::publishes_news(&viewer);
    let upcoming = if writes {
        store::upcoming(&state.db, viewer.id(), now).await?
    } else {
        Vec::new()
    };
    let page = viewer.page("Actualités", &state.config.node.name);
    let flash = flash.message(page.simple);
    Ok(render(&ListPage {
        page,
        items,
        upcoming,
        pager,
        writes,
        flash,
        quiet: QuietHours::of(&state.config.quiet_hours),
        now,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "news_item.html")]
struct ItemPage<'a> {
    page: Page<'a>,
    item: NewsLine,
    html: String,
    when: String,
    audiences: Vec<String>,
    deletes: bool,
    waiting: Option<String>,
    flash: Option<&'static str>,
    files: Vec<crate::attachments::StoredFile>,
}

/// An item the viewer may read (addressed to them and current, or one they may delete), and
/// whether it is addressed to them and current; else 404.
async fn readable(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<(NewsItem, bool)> {
    let now = state.clock.now();
    let item = store::get(&state.db, id, viewer.id())
        .await?
        .ok_or(AppError::NotFound)?;
    let is_author = item.author_id == viewer.id();
    let deletes = publishing::deletes_news(viewer, is_author, item.school_id.as_deref());
    let current = item.line.visible_at <= now && item.line.end_at.is_none_or(|end| end > now);
    let year = SchoolYear::containing(state.clock.today());
    let codes = crate::audience::codes_of(&state.db, viewer.id(), year).await?;
    let addressed = current && item.audiences.iter().any(|c| codes.contains(c));
    if !(deletes || addressed) {
        return Err(AppError::NotFound);
    }
    Ok((item, addressed))
}

/// `GET /actualites/fichiers/{id}`: a file of an item the viewer may read.
pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (news_id, file, bytes) = super::files::TABLES
        .get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    readable(&state, &viewer, &news_id).await?;
    Ok(crate::attachments::serve(
        &file.name,
        &file.media_type,
        bytes,
    ))
}

/// `GET /actualites/{id}`: an item addressed to the viewer (current), or theirs; opening it
/// reads it.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let now = state.clock.now();
    let (item, addressed) = readable(&state, &viewer, &id).await?;
    let deletes = publishing::deletes_news(
        &viewer,
        item.author_id == viewer.id(),
        item.school_id.as_deref(),
    );
    if addressed {
        store::mark_read(&state.db, &id, viewer.id(), now).await?;
    }
    let mut audiences = Vec::new();
    if !viewer.is_pupil_only() {
        for code in &item.audiences {
            if let Some(a) = Audience::parse(code) {
                audiences.push(a.label(&state.db).await?);
            }
        }
    }
    let waiting = (item.line.visible_at > now)
        .then(|| QuietHours::of(&state.config.quiet_hours).label(item.line.visible_at, now));
    let page = viewer.page("Actualité", &state.config.node.name);
    let flash = flash.message(page.simple);
    Ok(render(&ItemPage {
        html: render_text(&item.line.body),
        when: paris_label(item.line.visible_at),
        item: item.line,
        page,
        audiences,
        deletes,
        waiting,
        flash,
        files: super::files::TABLES.list(&state.db, &id).await?,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "news_write.html")]
struct WritePage<'a> {
    page: Page<'a>,
    reach: Vec<Reachable>,
    chosen: Vec<String>,
    title: &'a str,
    body: &'a str,
    start: &'a str,
    end: &'a str,
    pinned: bool,
    error: Option<&'a str>,
}

impl WritePage<'_> {
    fn is_chosen(&self, code: String) -> bool {
        self.chosen.contains(&code)
    }
}

/// `GET /actualites/ecrire`: authors only.
pub async fn write(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    if !publishing::publishes_news(&viewer) {
        return Err(AppError::Forbidden);
    }
    let reach = service::reachable(&state, &viewer).await?;
    let page = viewer.page("Écrire une actualité", &state.config.node.name);
    Ok(render(&WritePage {
        page,
        reach,
        chosen: Vec::new(),
        title: "",
        body: "",
        start: "",
        end: "",
        pinned: false,
        error: None,
    })?
    .into_response())
}

/// `POST /actualites/ecrire`.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    request: Request,
) -> AppResult<Response> {
    let form = crate::attachments::read_form(&state, request).await?;
    viewer.check_csrf(form.get("csrf"))?;
    let quiet = QuietHours::of(&state.config.quiet_hours);
    let outcome = async {
        let date = |name: &str, what: &str| -> AppResult<Option<i64>> {
            let text = form.get(name).trim();
            if text.is_empty() {
                return Ok(None);
            }
            quiet.local_input(text).map(Some).ok_or_else(|| {
                AppError::Invalid(format!(
                    "{what} illisible (jour attendu, par exemple 2026-12-07)."
                ))
            })
        };
        let draft = Draft {
            title: form.get("title").to_owned(),
            body: form.get("body").to_owned(),
            audiences: form.all("to").into_iter().map(str::to_owned).collect(),
            publish_at: date("debut", "Date de publication")?,
            // The end date is the last day shown: hidden from the next midnight.
            end_at: date("fin", "Date de fin")?.map(|d| d + 86_400),
            pinned: form.get("epingle") == "oui",
            uploads: crate::attachments::parse_uploads(&form.files).map_err(AppError::Invalid)?,
        };
        service::publish(&state, &viewer, draft).await
    }
    .await;
    match outcome {
        Ok((id, at)) if at > state.clock.now() => {
            Ok(Done::NewsScheduled.redirect(&format!("/actualites/{id}")))
        }
        Ok((id, _)) => Ok(Done::NewsPublished.redirect(&format!("/actualites/{id}"))),
        Err(AppError::Invalid(message)) => {
            let reach = service::reachable(&state, &viewer).await?;
            let page = viewer.page("Écrire une actualité", &state.config.node.name);
            let html = render(&WritePage {
                page,
                reach,
                chosen: form.all("to").into_iter().map(str::to_owned).collect(),
                title: form.get("title"),
                body: form.get("body"),
                start: form.get("debut"),
                end: form.get("fin"),
                pinned: form.get("epingle") == "oui",
                error: Some(&message),
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other),
    }
}

/// `POST /actualites/{id}/supprimer`: asks first.
pub async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let item = store::get(&state.db, &id, viewer.id())
        .await?
        .ok_or(AppError::NotFound)?;
    let is_author = item.author_id == viewer.id();
    if !publishing::deletes_news(&viewer, is_author, item.school_id.as_deref()) {
        return Err(AppError::Forbidden);
    }
    if !form.confirmed() {
        let ask = Confirmation {
            to_child: "Supprimer cette actualité ?".into(),
            to_adult: format!(
                "Supprimer l'actualité « {} » ? Elle disparaîtra pour tous ceux qui la voient ; \
                 ce n'est pas réversible.",
                item.line.title
            ),
            action: format!("/actualites/{id}/supprimer"),
            fields: Vec::new(),
            yes: "Oui, supprimer l'actualité".into(),
            no: "Non, la garder".into(),
            back: format!("/actualites/{id}"),
        };
        return crate::web::confirm::ask(
            viewer.page("Supprimer une actualité", &state.config.node.name),
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
        "news.deleted",
        &id,
        &format!("« {} »", item.line.title),
    )
    .await?;
    tx.commit().await?;
    Ok(Done::NewsDeleted.redirect("/actualites"))
}
