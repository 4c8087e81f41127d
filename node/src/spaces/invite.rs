//! Invitations pages: the owner invites a local class or a class of a linked node (listed from
//! what that node shares for the purpose); the invited class's teacher answers, choosing which
//! pupils join. Also the class directory this node serves to linked nodes.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::SpaceError;
use super::directory::PeerDirectory;
use super::invitations::{self, Invitation};
use super::joining::Invitee;
use super::service;
use super::store::{self, Space};
use crate::accounts::Viewer;
use crate::classes::store::MemberRow;
use crate::classes::{ClassRow, store as classes};
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, SpaceFacts};
use crate::state::AppState;
use crate::web::flash::{Done, Flash};
use crate::web::{Page, render};

#[derive(Template)]
#[template(path = "space_invite.html")]
struct InvitePage<'a> {
    page: Page<'a>,
    space: &'a Space,
    local: &'a [ClassRow],
    remote: &'a [PeerDirectory],
    guests: &'a [(String, String)],
    sent: &'a [Invitation],
    message: Option<&'a str>,
}

impl InvitePage<'_> {
    /// Whether the class or teacher at `url` of `peer` has an invitation waiting or accepted.
    fn invited(&self, peer: &str, url: &str) -> bool {
        self.sent.iter().any(|i| {
            i.peer == peer
                && matches!(i.state.as_str(), "open" | "accepted")
                && (i.invitee == url
                    || (!i.class_ref.is_empty() && url.ends_with(&format!("/{}", i.class_ref))))
        })
    }
}

#[derive(Template)]
#[template(path = "space_invitation.html")]
struct InvitationPage<'a> {
    page: Page<'a>,
    invitation: &'a Invitation,
    space: &'a Space,
    pupils: &'a [MemberRow],
}

fn fields(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

async fn owned_space(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<Space> {
    let mut conn = state.db.pool().acquire().await?;
    let space = store::get(&mut conn, id)
        .await?
        .filter(|s| s.is_ours() && s.closed_at == 0)
        .ok_or(AppError::NotFound)?;
    let member = store::member_by_user(&mut conn, id, viewer.id())
        .await?
        .filter(|m| m.state == "active");
    let facts = SpaceFacts {
        role: member.map(|m| m.role),
    };
    policy::require(viewer, Action::ManageSpace(&facts))?;
    policy::require(
        viewer,
        Action::InviteClasses {
            viewer_teaches: true,
        },
    )?;
    Ok(space)
}

async fn invite_response(
    state: &AppState,
    viewer: &Viewer,
    space: &Space,
    status: StatusCode,
    message: Option<&str>,
) -> AppResult<Response> {
    let year = SchoolYear::containing(state.clock.today()).0;
    let mut local = Vec::new();
    // Classes of the schools where the policy lets the viewer bring one in.
    for m in viewer.memberships.iter().filter(|m| {
        policy::allows(
            viewer,
            Action::AddLocalClass {
                school_id: &m.school_id,
            },
        )
    }) {
        local.extend(classes::of_school(&state.db, &m.school_id, year).await?);
    }
    let remote = if space.local_only {
        Vec::new()
    } else {
        super::directory::of_linked_nodes(state).await
    };
    let sent = invitations::sent(&state.db, &space.id).await?;
    let guests = offered_guests(state, viewer).await?;
    let html = render(&InvitePage {
        page: viewer.page("Inviter des classes", &state.config.node.name),
        space,
        local: &local,
        remote: &remote,
        guests: &guests,
        sent: &sent,
        message,
    })?;
    Ok((status, html).into_response())
}

/// `GET /espaces/{id}/inviter`: classes the owner may invite.
pub async fn invite_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let space = owned_space(&state, &viewer, &id).await?;
    let message = flash.message(viewer.is_pupil_only());
    invite_response(&state, &viewer, &space, StatusCode::OK, message).await
}

/// `POST /espaces/{id}/inviter`: invites a local class (added at once) or a remote one.
pub async fn invite(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let form = fields(&body);
    viewer.check_csrf(field(&form, "csrf"))?;
    let space = owned_space(&state, &viewer, &id).await?;
    let outcome = match field(&form, "kind") {
        "local" => {
            let class = classes::by_id(&state.db, field(&form, "class_id"))
                .await?
                .ok_or(AppError::NotFound)?;
            policy::require(
                &viewer,
                Action::AddLocalClass {
                    school_id: &class.school_id,
                },
            )?;
            // A class one manages (one's own, or any of one's school as director) comes in at
            // once; another teacher's class is theirs to bring.
            let facts = classes::facts(&state.db, &class, &viewer).await?;
            if policy::allows(&viewer, Action::ManageClass(&facts)) {
                service::invite_local_class(&state, &space, &class.id)
                    .await
                    .map(|_| Done::ClassAdded)
            } else {
                ask_class_teacher(&state, &viewer, &space, &class).await
            }
        }
        "guest" => {
            let id = field(&form, "user_id");
            let guests = offered_guests(&state, &viewer).await?;
            if !guests.iter().any(|(g, _)| g == id) {
                return Err(AppError::NotFound);
            }
            service::add_local_guest(&state, &space, id)
                .await
                .map(|()| Done::GuestAdded)
        }
        kind @ ("remote" | "teacher") => {
            let url = field(
                &form,
                if kind == "remote" {
                    "class_url"
                } else {
                    "teacher_url"
                },
            );
            invite_remote(&state, &viewer, &space, field(&form, "peer"), kind, url).await
        }
        _ => Err(SpaceError::Refused("Choisissez une classe.".into())),
    };
    match outcome {
        // POST/redirect/GET: the page says what happened; a reload sends nothing again.
        Ok(done) => Ok(done.redirect(&format!("/espaces/{}/inviter", space.id))),
        Err(SpaceError::Refused(message)) => {
            invite_response(
                &state,
                &viewer,
                &space,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&message),
            )
            .await
        }
        Err(SpaceError::Storage(e)) => Err(e.into()),
    }
}

async fn invite_remote(
    state: &AppState,
    viewer: &Viewer,
    space: &Space,
    peer: &str,
    kind: &str,
    url: &str,
) -> Result<Done, SpaceError> {
    // The invitee is read again from the peer's directory: what the form says is not trusted.
    let gone = || SpaceError::Refused("Cette invitation n'est plus proposée par cet ENT.".into());
    let directory = super::directory::of_linked_nodes(state)
        .await
        .into_iter()
        .find(|p| p.peer == peer)
        .ok_or_else(gone)?
        .directory;
    let mut conn = state.db.pool().acquire().await?;
    let me = store::member_by_user(&mut conn, &space.id, viewer.id())
        .await?
        .ok_or_else(|| SpaceError::Refused("Ce compte ne fait pas partie de cet espace.".into()))?;
    drop(conn);
    let invitee = match kind {
        "remote" => Invitee::Class(
            directory
                .classes
                .iter()
                .find(|c| c.url == url)
                .ok_or_else(gone)?,
        ),
        _ => Invitee::Teacher(
            directory
                .teachers
                .iter()
                .find(|t| t.url == url)
                .ok_or_else(gone)?,
        ),
    };
    service::invite_remote(state, space, &me, peer, invitee).await?;
    // The page lists the invitation with whom it went to.
    Ok(Done::InvitationSent)
}

async fn received_invitation(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> AppResult<(Invitation, Space)> {
    let invitation = invitations::received_one(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // A class invitation is answered by a teacher of the class; a personal one by its invitee.
    let concerned = if invitation.is_for_a_teacher() {
        invitation.invitee == viewer.id()
    } else {
        let class = classes::by_id(&state.db, &invitation.class_ref)
            .await?
            .ok_or(AppError::NotFound)?;
        classes::facts(&state.db, &class, viewer)
            .await?
            .viewer_teaches
    };
    policy::require(
        viewer,
        Action::InviteClasses {
            viewer_teaches: concerned,
        },
    )?;
    let mut conn = state.db.pool().acquire().await?;
    let space = store::get(&mut conn, &invitation.space_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((invitation, space))
}

/// `GET /espaces/invitations/{id}`: the invited class's teacher sees the invitation and the
/// pupils of the class (all ticked).
pub async fn invitation_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (invitation, space) = received_invitation(&state, &viewer, &id).await?;
    let pupils = classes::members(&state.db, &invitation.class_ref, "pupil").await?;
    let html = render(&InvitationPage {
        page: viewer.page("Invitation à un espace", &state.config.node.name),
        invitation: &invitation,
        space: &space,
        pupils: &pupils,
    })?;
    Ok(html.into_response())
}

/// `POST /espaces/invitations/{id}`: accept with the ticked pupils, or decline.
pub async fn answer_invitation(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    body: Bytes,
) -> AppResult<Response> {
    let form = fields(&body);
    viewer.check_csrf(field(&form, "csrf"))?;
    let (invitation, _) = received_invitation(&state, &viewer, &id).await?;
    if invitation.state != "open" {
        return Err(AppError::Invalid(
            "Cette invitation a déjà reçu une réponse.".into(),
        ));
    }
    let outcome = if field(&form, "answer") == "accepter" {
        let pupils = classes::members(&state.db, &invitation.class_ref, "pupil").await?;
        let chosen: Vec<String> = form
            .iter()
            .filter(|(k, _)| k == "pupil")
            .map(|(_, v)| v.clone())
            .filter(|v| pupils.iter().any(|p| &p.id == v))
            .collect();
        service::accept_invitation(&state, &invitation, viewer.id(), &chosen).await
    } else {
        service::decline_invitation(&state, &invitation).await
    };
    outcome?;
    Ok(Redirect::to("/espaces").into_response())
}

/// Local guests the viewer may add to a space, as (user id, name): those the policy lets them
/// see, by the same decision as the guests list (a guest belongs to its creator's school).
async fn offered_guests(state: &AppState, viewer: &Viewer) -> AppResult<Vec<(String, String)>> {
    Ok(crate::guests::store::local_valid(&state.db)
        .await?
        .into_iter()
        .filter(|g| policy::allows(viewer, crate::guests::admin::see(viewer, g)))
        .map(|g| (g.user_id, g.display_name))
        .collect())
}

async fn ask_class_teacher(
    state: &AppState,
    viewer: &Viewer,
    space: &Space,
    class: &ClassRow,
) -> Result<Done, SpaceError> {
    let mut conn = state.db.pool().acquire().await?;
    let me = store::member_by_user(&mut conn, &space.id, viewer.id())
        .await?
        .ok_or_else(|| SpaceError::Refused("Ce compte ne fait pas partie de cet espace.".into()))?;
    drop(conn);
    let asked = service::ask_local_class(state, space, &me, class).await?;
    Ok(if asked {
        Done::TeacherAsked
    } else {
        Done::TeacherAlreadyAsked
    })
}
