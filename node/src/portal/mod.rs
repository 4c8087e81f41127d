//! The portal: the user's services as tiles, their schools, classes and children; and help.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::accounts::{MaybeViewer, Viewer};
use crate::classes::ClassRow;
use crate::classes::store as classes;
use crate::domain::{Profile, SchoolYear};
use crate::error::AppResult;
use crate::policy::{self, Action, ClassFacts};
use crate::state::AppState;
use crate::users::UserRow;
use crate::users::store as users;
use crate::web::{Page, render};

/// `/`, `/portail`, `/aide`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/portail", get(portal))
        .route("/aide", get(help))
}

/// A child of a parent, with the child's classes.
pub struct ChildCard {
    /// The child.
    pub child: UserRow,
    /// The child's classes this year.
    pub classes: Vec<ClassRow>,
    /// The teachers of each of those classes ("Prénom Nom, Prénom Nom"), same order.
    pub teachers: Vec<String>,
}

/// The classes of a school its director (or another manager of all its classes) reaches.
pub struct SchoolClasses {
    /// The school's name.
    pub school_name: String,
    /// Its classes this year.
    pub classes: Vec<ClassRow>,
}

/// A tile on the portal: a service the user may open.
pub struct Tile {
    /// Target.
    pub href: String,
    /// Label.
    pub label: String,
    /// Icon name (an inline SVG in the template).
    pub icon: &'static str,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage<'a> {
    page: Page<'a>,
    viewer: &'a Viewer,
    tiles: Vec<Tile>,
    classes: Vec<ClassRow>,
    children: Vec<ChildCard>,
    schools: Vec<SchoolClasses>,
    /// "À la une": the viewer's current news items.
    news: Vec<crate::news::NewsLine>,
}

impl PortalPage<'_> {
    fn when(&self, at: &i64) -> String {
        crate::domain::local_time::paris_label(*at)
    }
}

#[derive(Template)]
#[template(path = "help.html")]
struct HelpPage<'a> {
    page: Page<'a>,
}

async fn home(MaybeViewer(viewer): MaybeViewer) -> Response {
    match viewer {
        Some(_) => Redirect::to("/portail").into_response(),
        None => Redirect::to("/connexion").into_response(),
    }
}

/// The services a user sees, from their profiles and links.
fn tiles(
    viewer: &Viewer,
    classes: &[ClassRow],
    children: &[ChildCard],
    in_spaces: bool,
    unread: i64,
) -> Vec<Tile> {
    let mut tiles = Vec::new();
    let pupil = viewer.has_profile(Profile::Pupil);
    // Adults read how many messages wait; pupils only that something is new.
    let label = match (viewer.is_pupil_only(), unread) {
        (_, 0) => "Messagerie".to_owned(),
        (true, _) => "Messagerie · nouveau".to_owned(),
        (false, 1) => "Messagerie · 1 non lu".to_owned(),
        (false, n) => format!("Messagerie · {n} non lus"),
    };
    if policy::allows(viewer, Action::UseMessaging) {
        tiles.push(Tile {
            href: "/messagerie".into(),
            label,
            icon: "mail",
        });
    }
    tiles.push(Tile {
        href: "/agenda".into(),
        label: "Agenda".into(),
        icon: "agenda",
    });
    if viewer.is_operator()
        || viewer
            .memberships
            .iter()
            .any(|m| m.profile != Profile::Guest)
    {
        tiles.push(Tile {
            href: "/actualites".into(),
            label: if pupil {
                "Les nouvelles"
            } else {
                "Actualités"
            }
            .into(),
            icon: "news",
        });
    }
    // The cahier de textes: pupils, parents, teachers; directors and inspectors read it.
    if policy::allows(viewer, Action::OpenHomework) {
        tiles.push(Tile {
            href: "/cahier-de-textes".into(),
            label: if pupil {
                "Mes devoirs"
            } else {
                "Cahier de textes"
            }
            .into(),
            icon: "homework",
        });
    }
    if crate::policy::publishing::uses_liaison(viewer) {
        tiles.push(Tile {
            href: "/liaison".into(),
            label: if pupil {
                "Mon carnet"
            } else {
                "Cahier de liaison"
            }
            .into(),
            icon: "book",
        });
    }
    // Spaces come first for whoever has one (pupils, guests) or may create one (teachers).
    if in_spaces || policy::allows(viewer, Action::CreateSpace) {
        tiles.push(Tile {
            href: "/espaces".into(),
            label: "Mes espaces".into(),
            icon: "group",
        });
    }
    for class in classes {
        let label = if pupil {
            "Ma classe".to_owned()
        } else {
            format!("Classe {}", class.name)
        };
        tiles.push(Tile {
            href: format!("/classes/{}", class.id),
            label,
            icon: "class",
        });
    }
    for card in children {
        for class in &card.classes {
            tiles.push(Tile {
                href: format!("/classes/{}", class.id),
                label: format!("Classe de {}", card.child.first_name),
                icon: "child",
            });
        }
    }
    // The operator runs groups in every school; staff in the schools the policy names.
    let runs_groups = policy::allows(viewer, Action::ManageSchools)
        || viewer.memberships.iter().any(|m| {
            policy::allows(
                viewer,
                Action::ManageGroups {
                    school_id: &m.school_id,
                },
            )
        });
    if runs_groups {
        tiles.push(Tile {
            href: "/groupes".into(),
            label: "Groupes".into(),
            icon: "group",
        });
    }
    if policy::allows(viewer, Action::ManageSchools) {
        tiles.push(Tile {
            href: "/admin/ecoles".into(),
            label: "Écoles".into(),
            icon: "school",
        });
        tiles.push(Tile {
            href: "/admin/utilisateurs".into(),
            label: "Comptes".into(),
            icon: "people",
        });
        tiles.push(Tile {
            href: "/admin/journal".into(),
            label: "Journal".into(),
            icon: "help",
        });
    }
    if policy::allows(viewer, Action::ManageLocalGuests) {
        tiles.push(Tile {
            href: "/admin/invites".into(),
            label: "Invités".into(),
            icon: "people",
        });
    }
    if policy::allows(viewer, Action::ManageFederation) {
        tiles.push(Tile {
            href: "/admin/federation".into(),
            label: "ENT liés".into(),
            icon: "group",
        });
    }
    tiles.push(Tile {
        href: "/compte".into(),
        label: "Mon compte".into(),
        icon: "account",
    });
    tiles.push(Tile {
        href: "/aide".into(),
        label: "Aide".into(),
        icon: "help",
    });
    tiles
}

/// `GET /portail`.
async fn portal(State(state): State<AppState>, viewer: Viewer) -> AppResult<Html<String>> {
    policy::require(&viewer, Action::SeePortal)?;
    let year = SchoolYear::containing(state.clock.today()).0;
    let classes = classes::of_member(&state.db, viewer.id(), year).await?;
    let mut children = Vec::new();
    if viewer.has_profile(Profile::Parent) {
        for child in users::children(&state.db, viewer.id()).await? {
            let classes = classes::of_member(&state.db, &child.id, year).await?;
            let mut teachers = Vec::new();
            for class in &classes {
                teachers.push(teachers_of(&state, &class.id).await?);
            }
            children.push(ChildCard {
                child,
                classes,
                teachers,
            });
        }
    }
    let schools = managed_schools(&state, &viewer, year).await?;
    let in_spaces = !crate::spaces::store::of_user(&state.db, viewer.id())
        .await?
        .is_empty();
    crate::messaging::service::deliver_due(&state).await?;
    let unread = crate::messaging::store::unread(&state.db, viewer.id()).await?;
    let tiles = tiles(&viewer, &classes, &children, in_spaces, unread);
    let news = crate::news::current(&state, &viewer, 5).await?;
    let page = viewer.page("Accueil", &state.config.node.name);
    render(&PortalPage {
        news,
        page,
        viewer: &viewer,
        tiles,
        classes,
        children,
        schools,
    })
}

/// "Prénom Nom, Prénom Nom": who teaches a class, as a parent reads it.
async fn teachers_of(state: &AppState, class_id: &str) -> AppResult<String> {
    let teachers = classes::members(&state.db, class_id, "teacher").await?;
    Ok(teachers
        .iter()
        .map(|t| format!("{} {}", t.first_name, t.last_name))
        .collect::<Vec<_>>()
        .join(", "))
}

/// Every class of each school of the viewer where the policy lets them manage any class (a
/// director), so that they reach all of them from the portal, not only those they teach.
async fn managed_schools(
    state: &AppState,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Vec<SchoolClasses>> {
    let mut schools = Vec::new();
    for membership in &viewer.memberships {
        let any_class = ClassFacts {
            school_id: membership.school_id.clone(),
            ..ClassFacts::default()
        };
        if !policy::allows(viewer, Action::ManageClass(&any_class)) {
            continue;
        }
        let classes = classes::of_school(&state.db, &membership.school_id, year).await?;
        schools.push(SchoolClasses {
            school_name: membership.school_name.clone(),
            classes,
        });
    }
    Ok(schools)
}

/// `GET /aide`: open to everyone (a parent who cannot sign in needs it most).
async fn help(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
) -> AppResult<Html<String>> {
    let page = match &viewer {
        Some(v) => v.page("Aide", &state.config.node.name),
        None => Page {
            node_name: state.config.node.name.clone(),
            ..Page::anonymous("Aide")
        },
    };
    render(&HelpPage { page })
}
