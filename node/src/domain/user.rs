//! People as every layer sees them: a user, their profiles in schools, and the signed-in
//! user (the viewer) whose rights the policy decides. Loading them is the users' and
//! accounts' business; these types import nothing above the domain.

use super::Profile;

/// A user as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRow {
    /// Opaque id.
    pub id: String,
    /// Sign-in identifier.
    pub identifier: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Usage name, when different from the family name.
    pub usage_name: Option<String>,
    /// Birth date (pupils), `yyyy-mm-dd`.
    pub birth_date: Option<String>,
    /// E-mail (adults only; pupils never have one).
    pub email: Option<String>,
    /// Whether a password has been chosen.
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// Operator of the node.
    pub is_operator: bool,
    /// Deactivated accounts cannot sign in.
    pub active: bool,
}

impl UserRow {
    /// "Léa Martin" (the usage name wins over the family name).
    pub fn display_name(&self) -> String {
        format!(
            "{} {}",
            self.first_name,
            self.usage_name.as_deref().unwrap_or(&self.last_name)
        )
    }

    /// Whether the account still waits for its first sign-in.
    pub fn is_pending(&self) -> bool {
        self.password_hash.is_none()
    }
}

/// A user's profile in one school.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Membership {
    /// The school.
    pub school_id: String,
    /// Its display name.
    pub school_name: String,
    /// The profile held there.
    pub profile: Profile,
}

/// Who is asking: the user, their profiles per school and their session's form token.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The account.
    pub user: UserRow,
    /// Profiles held in schools.
    pub memberships: Vec<Membership>,
    /// The session's anti-forgery token (empty for API tokens, which carry no cookie).
    pub csrf: String,
    /// Unread notifications (the bell of every page), counted when the viewer is loaded.
    pub notifications: i64,
}

impl Viewer {
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
}
