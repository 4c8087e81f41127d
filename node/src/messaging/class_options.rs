//! The class options of the messagerie: pupils may write to their classmates, and those
//! messages wait for a teacher's validation (as Beneylu does). A teacher sets them for their
//! classes from the mailbox; the director sees every class of the school on one page and sets
//! them too. Opening without a word about validation means validated: the safe default. Every
//! change is journaled.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::Viewer;
use crate::classes::ClassRow;
use crate::domain::{Profile, SchoolYear};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::web::flash::{Done, Flash};
use crate::web::{Page, render};

use super::files;

/// The director's page.
pub const PATH: &str = "/messagerie/classes";

/// One school of the director, with its classes and their options (open, validated).
struct SchoolClasses {
    name: String,
    classes: Vec<(ClassRow, bool, bool)>,
}

#[derive(Template)]
#[template(path = "messaging_classes.html")]
struct ClassesPage<'a> {
    page: Page<'a>,
    schools: Vec<SchoolClasses>,
    flash: Option<&'static str>,
}

/// `GET /messagerie/classes`: every class of the schools the viewer directs, with both
/// options and a form per class.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    let year = SchoolYear::containing(state.clock.today()).0;
    let mut schools = Vec::new();
    for membership in &viewer.memberships {
        let school_id = membership.school_id.as_str();
        if membership.profile != Profile::Director
            || !policy::allows(&viewer, Action::ListClassMessaging { school_id })
        {
            continue;
        }
        let mut classes = Vec::new();
        for class in crate::classes::store::of_school(&state.db, school_id, year).await? {
            let open = files::classmates_open(&state.db, &class.id).await?;
            let moderated = files::classmates_moderated(&state.db, &class.id).await?;
            classes.push((class, open, moderated));
        }
        schools.push(SchoolClasses {
            name: membership.school_name.clone(),
            classes,
        });
    }
    if schools.is_empty() {
        return Err(AppError::Forbidden);
    }
    let page = viewer.page("Messagerie des classes", &state.config.node.name);
    let flash = flash.done().map(|d| d.message(page.simple));
    Ok(render(&ClassesPage {
        page,
        schools,
        flash,
    })?
    .into_response())
}

/// The class option form: either `choix` (`ferme`, `valide`, `libre`: the director's page)
/// or `ouvert` and `moderation` (the teacher's buttons).
#[derive(Debug, Deserialize)]
pub struct ClassOptionForm {
    csrf: String,
    #[serde(default)]
    choix: String,
    #[serde(default)]
    ouvert: String,
    /// `non` only turns the validation off: missing, it is on.
    #[serde(default)]
    moderation: String,
    /// `direction`: back to the director's page.
    #[serde(default)]
    depuis: String,
}

impl ClassOptionForm {
    /// (pupils write to classmates, a teacher validates first), or a French refusal.
    fn options(&self) -> AppResult<(bool, bool)> {
        match self.choix.as_str() {
            "ferme" => Ok((false, false)),
            "valide" => Ok((true, true)),
            "libre" => Ok((true, false)),
            "" => Ok((self.ouvert == "oui", self.moderation != "non")),
            _ => Err(AppError::Invalid(
                "Choisissez une des trois options proposées pour la classe.".into(),
            )),
        }
    }
}

/// `POST /messagerie/classes/{id}/entre-eleves`: sets the class's options (a teacher of the
/// class or the director of its school), journaled.
pub async fn set(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(class_id): Path<String>,
    Form(form): Form<ClassOptionForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    let class = crate::classes::store::by_id(&state.db, &class_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = crate::classes::store::facts(&state.db, &class, &viewer).await?;
    policy::require(&viewer, Action::SetClassMessaging(&facts))?;
    let (open, moderated) = form.options()?;
    let moderated = open && moderated;
    let detail = match (open, moderated) {
        (false, _) => "élèves entre eux : non".to_owned(),
        (true, true) => "élèves entre eux : oui, après validation d'un enseignant".to_owned(),
        (true, false) => "élèves entre eux : oui, sans validation".to_owned(),
    };
    let mut tx = state.db.begin_write().await?;
    files::set_classmates_open(&mut tx, &class_id, open, moderated).await?;
    crate::users::store::audit(
        &mut tx,
        state.clock.now(),
        Some(viewer.id()),
        "class.messaging",
        &class_id,
        &format!("{} : {detail}", class.name),
    )
    .await?;
    tx.commit().await?;
    let back = if form.depuis == "direction" {
        PATH
    } else {
        "/messagerie"
    };
    Ok(Done::ClassOptionSaved.redirect(back))
}
