//! Invitations pages: the owner invites a local class or a class of a linked node (listed from
//! what that node shares for the purpose); the invited class's teacher answers, choosing which
//! pupils join. Also the class directory this node serves to linked nodes.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use ent_config::Scope;

use super::SpaceError;
use super::invitations::{self, Invitation, RemoteClass};
use super::service;
use super::store::{self, Space};
use crate::accounts::Viewer;
use crate::app::AppState;
use crate::classes::store::MemberRow;
use crate::classes::{ClassRow, store as classes};
use crate::domain::SchoolYear;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, SpaceFacts};
use crate::web::{Page, render};

/// Classes of one linked node, or why they could not be listed.
pub struct PeerClasses {
    /// The peer's domain.
    pub peer: String,
    /// The link's label.
    pub label: String,
    /// Its classes (empty when unreachable).
    pub classes: Vec<RemoteClass>,
    /// "injoignable" when the directory could not be read.
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "space_invite.html")]
struct InvitePage<'a> {
    page: Page<'a>,
    space: &'a Space,
    local: &'a [ClassRow],
    remote: &'a [PeerClasses],
    sent: &'a [Invitation],
    message: Option<&'a str>,
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

/// The classes every active spaces link shares, fetched now (signed GET).
async fn remote_classes(state: &AppState) -> Vec<PeerClasses> {
    let Some(federation) = &state.federation else {
        return Vec::new();
    };
    let mut all = Vec::new();
    for (peer, _) in federation.recipients(Some(Scope::Spaces)) {
        let label = federation
            .shared()
            .links
            .configured(&peer)
            .map(|p| p.config.label)
            .unwrap_or_default();
        let url = ent_federation::actors::join(
            &federation.shared().peer_base(&peer),
            "/federation/classes",
        );
        let fetched = ent_federation::fetch::signed_get(federation.shared(), &url).await;
        let parsed = fetched
            .ok()
            .filter(|f| f.status == 200)
            .and_then(|f| serde_json::from_slice::<Vec<RemoteClass>>(&f.body).ok());
        let problem = parsed
            .is_none()
            .then(|| "ENT injoignable pour l'instant : réessayez plus tard.".to_owned());
        all.push(PeerClasses {
            peer,
            label,
            classes: parsed.unwrap_or_default(),
            problem,
        });
    }
    all
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
    for m in &viewer.memberships {
        local.extend(classes::of_school(&state.db, &m.school_id, year).await?);
    }
    let remote = if space.local_only {
        Vec::new()
    } else {
        remote_classes(state).await
    };
    let sent = invitations::sent(&state.db, &space.id).await?;
    let html = render(&InvitePage {
        page: viewer.page("Inviter des classes", &state.config.node.name),
        space,
        local: &local,
        remote: &remote,
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
) -> AppResult<Response> {
    let space = owned_space(&state, &viewer, &id).await?;
    invite_response(&state, &viewer, &space, StatusCode::OK, None).await
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
            if !viewer
                .memberships
                .iter()
                .any(|m| m.school_id == class.school_id)
            {
                return Err(AppError::Forbidden);
            }
            service::invite_local_class(&state, &space, &class.id)
                .await
                .map(|n| format!("{n} membre(s) ajouté(s) : {}.", class.name))
        }
        "remote" => {
            invite_remote(
                &state,
                &viewer,
                &space,
                field(&form, "peer"),
                field(&form, "class_url"),
            )
            .await
        }
        _ => Err(SpaceError::Refused("Choisissez une classe.".into())),
    };
    match outcome {
        Ok(message) => {
            invite_response(&state, &viewer, &space, StatusCode::OK, Some(&message)).await
        }
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
    class_url: &str,
) -> Result<String, SpaceError> {
    // The class is read again from the peer's directory: what the form says is not trusted.
    let class = remote_classes(state)
        .await
        .into_iter()
        .filter(|p| p.peer == peer)
        .flat_map(|p| p.classes)
        .find(|c| c.url == class_url)
        .ok_or_else(|| {
            SpaceError::Refused("Cette classe n'est plus proposée par cet ENT.".into())
        })?;
    let mut conn = state.db.pool().acquire().await?;
    let me = store::member_by_user(&mut conn, &space.id, viewer.id())
        .await?
        .ok_or_else(|| SpaceError::Refused("Vous ne faites pas partie de cet espace.".into()))?;
    drop(conn);
    service::invite_remote_class(state, space, &me, peer, &class).await?;
    Ok(format!(
        "Invitation envoyée à {} ({}).",
        class.teacher, class.name
    ))
}

async fn received_invitation(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
) -> AppResult<(Invitation, Space)> {
    let invitation = invitations::received_one(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let class = classes::by_id(&state.db, &invitation.class_ref)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = classes::facts(&state.db, &class, viewer).await?;
    policy::require(
        viewer,
        Action::InviteClasses {
            viewer_teaches: facts.viewer_teaches,
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
    match outcome {
        Ok(()) => Ok(Redirect::to("/espaces").into_response()),
        Err(SpaceError::Refused(message)) => Err(AppError::Invalid(message)),
        Err(SpaceError::Storage(e)) => Err(e.into()),
    }
}

/// `GET /federation/classes`: to a linked node with the `spaces` scope only (signed), the
/// classes of this school year as teachers of other nodes may invite them: name, level,
/// school, teacher's display name, headcount. Nothing about any pupil.
pub async fn directory(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> AppResult<Response> {
    let peer = crate::federation::handlers::spaces_peer(&state, &uri, &headers).await?;
    let federation = state.federation.as_ref().ok_or(AppError::NotFound)?;
    let year = SchoolYear::containing(state.clock.today()).0;
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT c.id, c.name, c.levels, s.name, (SELECT COUNT(*) FROM class_members p WHERE p.class_id = c.id AND p.role = 'pupil') \
         FROM classes c JOIN schools s ON s.id = c.school_id WHERE c.school_year = $1 ORDER BY s.name, c.name",
    )
    .bind(i64::from(year))
    .fetch_all(state.db.pool())
    .await?;
    let mut list = Vec::new();
    for (id, name, levels, school, headcount) in rows {
        let teachers = classes::members(&state.db, &id, "teacher").await?;
        list.push(RemoteClass {
            url: federation
                .local_url(&format!("/federation/classes/{id}"))
                .to_string(),
            name,
            level: levels.replace(',', " · "),
            school,
            teacher: teachers
                .first()
                .map(MemberRow::short_name)
                .unwrap_or_default(),
            headcount,
        });
    }
    let mut conn = state.db.pool().acquire().await?;
    crate::users::store::audit(
        &mut conn,
        state.clock.now(),
        None,
        "space.directory",
        &peer,
        "liste des classes invitables lue",
    )
    .await?;
    Ok((
        [(header::CONTENT_TYPE, ent_federation::ACTIVITY_CONTENT_TYPE)],
        serde_json::to_string(&list).map_err(AppError::internal)?,
    )
        .into_response())
}
