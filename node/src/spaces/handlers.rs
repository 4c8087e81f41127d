//! Handlers of the space pages: "Mes espaces", a space's wall and its forms.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub use super::actions::{delete, edit, moderate, report, settings};
pub use super::compose::write;
pub use super::departures::{leave, leave_page, remove_member};
pub use super::directory::serve as directory;
pub use super::invite::{answer_invitation, invitation_page, invite, invite_page};

use super::SpaceError;
use super::invitations::{self, Invitation};
use super::model::{Role, Settings, SpaceText};
use super::service;
use super::store::{self, Member, Post, Report, Space};
use super::view::{self, FileView, MemberView, PostView};
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, SpaceFacts};
use crate::state::AppState;
use crate::web::flash::Flash;
use crate::web::{Page, PageQuery, Pager, render};

#[derive(Template)]
#[template(path = "spaces.html")]
struct SpacesPage<'a> {
    page: Page<'a>,
    spaces: &'a [(Space, Role, i64)],
    invitations: &'a [(Invitation, String)],
    can_create: bool,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "space.html")]
struct SpacePage<'a> {
    page: Page<'a>,
    space: &'a Space,
    role: Role,
    moderate: bool,
    manage: bool,
    open: bool,
    host_down: bool,
    host_label: String,
    wall: Vec<PostView>,
    pager: Pager,
    files_area: Vec<FileView>,
    queue: Vec<PostView>,
    reports: &'a [Report],
    members: Vec<MemberView>,
    message: Option<&'a str>,
    draft: &'a str,
}

/// New space form.
#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    local_only: Option<String>,
}

async fn list_response(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<&str>,
) -> AppResult<Response> {
    // Moderators see at a glance where posts wait for them (a count of work, never of views).
    let mut spaces = Vec::new();
    for (space, role) in store::of_user(&state.db, viewer.id()).await? {
        let waiting = if role.moderates() {
            store::pending_count(&state.db, &space.id).await?
        } else {
            0
        };
        spaces.push((space, role, waiting));
    }
    let invitations = invitations::received_for(&state.db, viewer.id()).await?;
    let html = render(&SpacesPage {
        page: viewer.page("Mes espaces", &state.config.node.name),
        spaces: &spaces,
        invitations: &invitations,
        can_create: policy::allows(viewer, Action::CreateSpace),
        error,
    })?;
    Ok((status, html).into_response())
}

/// `GET /espaces`: the viewer's spaces, invitations for their classes, and a new-space form.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    policy::require(&viewer, Action::SeePortal)?;
    list_response(&state, &viewer, StatusCode::OK, None).await
}

/// `POST /espaces`: creates a space owned by the viewer.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::CreateSpace)?;
    let text = match SpaceText::parse(&form.title, &form.description) {
        Ok(text) => text,
        Err(message) => {
            return list_response(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(message),
            )
            .await;
        }
    };
    let space = service::create(
        &state,
        viewer.id(),
        &text,
        Settings::default(),
        form.local_only.is_some(),
    )
    .await?;
    Ok(Redirect::to(&format!("/espaces/{}", space.id)).into_response())
}

/// The space and the viewer's membership in it (404 when not a member: a space one does not
/// belong to does not exist for one).
pub(super) async fn load(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> AppResult<(Space, Member, SpaceFacts)> {
    let mut conn = state.db.pool().acquire().await?;
    let space = store::get(&mut conn, id)
        .await?
        .filter(|s| s.closed_at == 0)
        .ok_or(AppError::NotFound)?;
    let member = store::member_by_user(&mut conn, id, viewer.id())
        .await?
        .filter(|m| m.state == "active");
    let facts = SpaceFacts {
        role: member.as_ref().map(|m| m.role),
    };
    if !policy::allows(viewer, Action::ViewSpace(&facts)) {
        return Err(AppError::NotFound);
    }
    Ok((space, member.ok_or(AppError::NotFound)?, facts))
}

pub(super) async fn show_response(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    status: StatusCode,
    message: Option<&str>,
    draft: &str,
    page: usize,
) -> AppResult<Response> {
    let (space, me, facts) = load(state, viewer, id).await?;
    let moderate = policy::allows(viewer, Action::ModerateSpace(&facts));
    let posts = store::posts(&state.db, &space.id).await?;
    let names = view::NodeNames::of(state);
    let all_files = super::files::of_space(&state.db, &space.id).await?;
    let members = store::members(&state.db, &space.id).await?;
    let active: Vec<String> = members.iter().map(|m| m.actor_id.clone()).collect();
    let shown = view::Shown {
        space_id: &space.id,
        files: &all_files,
        members: &active,
    };
    let (wall, queue) = view::wall(&posts, &shown, &me, moderate, &names);
    let files_area = view::files_area(&wall);
    // Newest first, a page at a time: a year of posts stays quick to read and to send.
    let pager = Pager::new(
        Some(page),
        wall.len(),
        PER_PAGE,
        &format!("/espaces/{}", space.id),
    )
    .words(
        "Pages de messages",
        "Messages plus récents",
        "Messages plus anciens",
    );
    let wall: Vec<PostView> = wall
        .into_iter()
        .skip(pager.offset())
        .take(PER_PAGE)
        .collect();
    let reports = if moderate {
        store::reports(&state.db, &space.id).await?
    } else {
        Vec::new()
    };
    let host_down = !space.is_ours() && view::host_unreachable(state, &space.host).await?;
    if crate::guests::store::of_user(&state.db, viewer.id())
        .await?
        .is_some()
    {
        let mut conn = state.db.pool().acquire().await?;
        crate::users::store::audit(
            &mut conn,
            state.clock.now(),
            Some(viewer.id()),
            "space.read",
            &space.id,
            "lecture par un invité",
        )
        .await?;
    }
    let html = render(&SpacePage {
        page: viewer.page(&space.title, &state.config.node.name),
        role: me.role,
        moderate,
        manage: policy::allows(viewer, Action::ManageSpace(&facts)) && space.is_ours(),
        open: super::host::check_open(&space, state.clock.now()).is_ok(),
        host_down,
        host_label: names.label(&space.host),
        wall,
        pager,
        files_area,
        queue,
        reports: &reports,
        members: members.iter().map(|m| view::member(m, &names)).collect(),
        space: &space,
        message,
        draft,
    })?;
    Ok((status, html).into_response())
}

/// `GET /espaces/{id}`: the wall.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let page = query.page.unwrap_or(1);
    let message = flash.message(viewer.is_pupil_only());
    show_response(&state, &viewer, &id, StatusCode::OK, message, "", page).await
}

/// Top-level posts per page of the wall.
const PER_PAGE: usize = 30;

/// Runs a change; a refusal shows the space again with the reason (and the typed text).
pub(super) async fn after(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    outcome: Result<(), SpaceError>,
    draft: &str,
) -> AppResult<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/espaces/{id}")).into_response()),
        Err(SpaceError::Refused(message)) => {
            show_response(
                state,
                viewer,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&message),
                draft,
                1,
            )
            .await
        }
        Err(SpaceError::Storage(e)) => Err(e.into()),
    }
}

pub(super) async fn post_of(state: &AppState, space: &Space, post: &str) -> AppResult<Post> {
    let mut conn = state.db.pool().acquire().await?;
    store::post_in(&mut conn, &space.id, post)
        .await?
        .ok_or(AppError::NotFound)
}
