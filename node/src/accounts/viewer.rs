//! The signed-in user as every handler and the policy see them.

use crate::domain::Profile;
use crate::store::Db;
use crate::users::store as users;
use crate::users::{Membership, UserRow};

/// Who is asking: the user, their profiles per school and their session's form token.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The account.
    pub user: UserRow,
    /// Profiles held in schools.
    pub memberships: Vec<Membership>,
    /// The session's anti-forgery token (empty for API tokens, which carry no cookie).
    pub csrf: String,
}

impl Viewer {
    /// Loads a viewer by user id.
    pub async fn load(db: &Db, user_id: &str, csrf: String) -> Result<Option<Self>, sqlx::Error> {
        let Some(user) = users::by_id(db, user_id).await? else {
            return Ok(None);
        };
        let memberships = users::memberships(db, user_id).await?;
        Ok(Some(Self {
            user,
            memberships,
            csrf,
        }))
    }

    /// The user's id.
    pub fn id(&self) -> &str {
        &self.user.id
    }

    /// Whether the user holds `profile` in any school.
    pub fn has_profile(&self, profile: Profile) -> bool {
        self.memberships.iter().any(|m| m.profile == profile)
    }

    /// The profile held in `school_id`, if any.
    pub fn profile_in(&self, school_id: &str) -> Option<Profile> {
        self.memberships
            .iter()
            .find(|m| m.school_id == school_id)
            .map(|m| m.profile)
    }

    /// Operator of the node (the `admin` profile).
    pub fn is_operator(&self) -> bool {
        self.user.is_operator
    }

    /// Whether the user only holds pupil profiles (the simplified interface).
    pub fn is_pupil_only(&self) -> bool {
        !self.memberships.is_empty()
            && self.memberships.iter().all(|m| m.profile == Profile::Pupil)
            && !self.user.is_operator
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
