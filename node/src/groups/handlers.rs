//! Handlers of the group pages.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::classes::{ClassRow, store as classes};
use crate::domain::{Profile, SchoolYear};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::{Page, render};

use super::store::{self, GroupMember, GroupRow, Selection};

#[derive(Template)]
#[template(path = "groups.html")]
struct GroupsPage<'a> {
    page: Page<'a>,
    groups: &'a [GroupRow],
    schools: &'a [(String, String)],
    /// Requests waiting for the viewer as a class's teacher.
    requests: &'a [super::requests::GroupRequest],
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "group.html")]
struct GroupPage<'a> {
    page: Page<'a>,
    group: &'a GroupRow,
    members: &'a [GroupMember],
    classes: &'a [ClassRow],
    manage: bool,
    /// Full names (staff) or short ones ("Léa M.", pupils and parents).
    full_names: bool,
    message: Option<&'a str>,
}

impl GroupPage<'_> {
    fn profile_label(code: &str) -> &'static str {
        Profile::parse(code).map(Profile::label).unwrap_or("")
    }
}

/// New group form.
#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    school_id: String,
    name: String,
}

/// Add members form.
#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    class_id: String,
    who: String,
}

/// Schools where the policy lets the viewer run groups: (id, name).
async fn managed_schools(state: &AppState, viewer: &Viewer) -> AppResult<Vec<(String, String)>> {
    let year = SchoolYear::containing(state.clock.today()).0;
    Ok(crate::schools::store::list(&state.db, year)
        .await?
        .into_iter()
        .filter(|s| policy::allows(viewer, Action::ManageGroups { school_id: &s.id }))
        .map(|s| (s.id, s.name))
        .collect())
}

async fn list_response(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<&str>,
) -> AppResult<Response> {
    let schools = managed_schools(state, viewer).await?;
    let school_ids: Vec<String> = schools.iter().map(|(id, _)| id.clone()).collect();
    let groups = store::visible(&state.db, &school_ids, viewer.id()).await?;
    let requests = super::requests::for_teacher(&state.db, viewer.id()).await?;
    let page = viewer.page("Groupes", &state.config.node.name);
    let html = render(&GroupsPage {
        page,
        groups: &groups,
        schools: &schools,
        requests: &requests,
        error,
    })?;
    Ok((status, html).into_response())
}

/// `GET /groupes`: the groups the viewer runs or belongs to.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> AppResult<Response> {
    policy::require(&viewer, Action::SeePortal)?;
    list_response(&state, &viewer, StatusCode::OK, None).await
}

/// `POST /groupes`: creates a group in one of the viewer's schools.
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(
        &viewer,
        Action::ManageGroups {
            school_id: &form.school_id,
        },
    )?;
    let name = form.name.trim();
    let clean = crate::domain::refuse_control_chars(name, "Le nom du groupe").is_ok();
    if name.is_empty() || name.chars().count() > 100 || !clean {
        let message = if clean {
            "Le nom du groupe est obligatoire (100 caractères au plus)."
        } else {
            "Le nom du groupe contient un caractère de contrôle (invisible) : retapez-le sans \
             copier-coller."
        };
        return list_response(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(message),
        )
        .await;
    }
    match store::create(
        &state.db,
        &form.school_id,
        name,
        viewer.id(),
        state.clock.now(),
    )
    .await?
    {
        Some(id) => Ok(Redirect::to(&format!("/groupes/{id}")).into_response()),
        None => {
            let message = format!("Un groupe « {name} » existe déjà dans cette école.");
            list_response(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&message),
            )
            .await
        }
    }
}

async fn load(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<(GroupRow, bool)> {
    let group = store::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let member = store::is_member(&state.db, &group.id, viewer.id()).await?;
    policy::require(
        viewer,
        Action::ViewGroup {
            school_id: &group.school_id,
            viewer_is_member: member,
        },
    )?;
    let manage = policy::allows(
        viewer,
        Action::ManageGroups {
            school_id: &group.school_id,
        },
    );
    Ok((group, manage))
}

/// A group about to change: the form's token, then the right to run the group's school.
pub(super) async fn load_for_change(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    csrf: &str,
) -> AppResult<GroupRow> {
    viewer.check_csrf(csrf)?;
    let (group, _) = load(state, viewer, id).await?;
    policy::require(
        viewer,
        Action::ManageGroups {
            school_id: &group.school_id,
        },
    )?;
    Ok(group)
}

async fn group_response(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    message: Option<&str>,
) -> AppResult<Response> {
    let (group, manage) = load(state, viewer, id).await?;
    let members = store::members(&state.db, &group).await?;
    let classes = if manage {
        let year = SchoolYear::containing(state.clock.today()).0;
        classes::of_school(&state.db, &group.school_id, year).await?
    } else {
        Vec::new()
    };
    let title = format!("Groupe {}", group.name);
    let page = viewer.page(&title, &state.config.node.name);
    Ok(render(&GroupPage {
        page,
        group: &group,
        members: &members,
        classes: &classes,
        manage,
        full_names: policy::allows(
            viewer,
            Action::SeeFullNames {
                school_id: &group.school_id,
            },
        ),
        message,
    })?
    .into_response())
}

/// `GET /groupes/{id}`.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    group_response(&state, &viewer, &id, None).await
}

/// `POST /groupes/{id}/membres`: adds a class's pupils, parents or teachers.
pub async fn add_members(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AddForm>,
) -> AppResult<Response> {
    let group = load_for_change(&state, &viewer, &id, &form.csrf).await?;
    let selection = Selection::parse(&form.who)
        .ok_or_else(|| AppError::Invalid("Choisissez qui ajouter.".into()))?;
    let class = classes::by_id(&state.db, &form.class_id).await?;
    let class = class
        .filter(|c| c.school_id == group.school_id)
        .ok_or_else(|| {
            AppError::Invalid("Cette classe n'appartient pas à l'école du groupe.".into())
        })?;
    // A class one manages comes in at once; another teacher's class is theirs to bring.
    let facts = classes::facts(&state.db, &class, &viewer).await?;
    let message = if policy::allows(&viewer, Action::ManageClass(&facts)) {
        let added = store::add_from_class(
            &state.db,
            &group.id,
            &class.id,
            selection,
            viewer.id(),
            state.clock.now(),
        )
        .await?;
        format!(
            "{added} personne(s) ajoutée(s) depuis la classe {}.",
            class.name
        )
    } else if super::requests::ask(
        &state.db,
        &group.id,
        &class.id,
        selection,
        viewer.id(),
        state.clock.now(),
    )
    .await?
    {
        format!(
            "La classe {} a un autre enseignant : la demande lui est envoyée ; {} rejoindront le groupe quand il ou elle l'acceptera.",
            class.name,
            selection.label()
        )
    } else {
        format!(
            "Une demande attend déjà la réponse de l'enseignant de la classe {}.",
            class.name
        )
    };
    group_response(&state, &viewer, &id, Some(&message)).await
}
