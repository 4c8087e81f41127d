//! Loading the signed-in user ([`Viewer`], a domain type the policy reads) and what pages
//! need of them.

pub use crate::domain::user::Viewer;
use crate::store::Db;
use crate::users::store as users;

impl Viewer {
    /// Loads a viewer by user id.
    pub async fn load(db: &Db, user_id: &str, csrf: String) -> Result<Option<Self>, sqlx::Error> {
        let Some(user) = users::by_id(db, user_id).await? else {
            return Ok(None);
        };
        let memberships = users::memberships(db, user_id).await?;
        let notifications = crate::notifications::store::unread(db, user_id).await?;
        Ok(Some(Self {
            user,
            memberships,
            csrf,
            notifications,
        }))
    }

    /// The frame of a page for this viewer.
    pub fn page<'a>(&self, title: &'a str, node_name: &str) -> crate::web::Page<'a> {
        crate::web::Page {
            title,
            node_name: node_name.to_owned(),
            user_name: Some(self.user.display_name()),
            csrf: self.csrf.clone(),
            simple: self.is_pupil_only(),
            operator: self.is_operator(),
            notifications: self.notifications,
        }
    }

    /// Checks the anti-forgery token of a submitted form.
    pub fn check_csrf(&self, field: &str) -> Result<(), crate::error::AppError> {
        if super::csrf::session_token_ok(&self.csrf, field) {
            Ok(())
        } else {
            Err(crate::error::AppError::Csrf)
        }
    }
}
