//! The one place that answers "may this user…". Handlers load the facts an answer needs, ask
//! here, and never decide rights themselves. Decisions are pure functions of the viewer and
//! the facts, so they are unit-tested without a database.

use crate::accounts::Viewer;
use crate::domain::Profile;
use crate::error::AppError;

/// What the viewer is to a class, loaded by the handler from the store.
#[derive(Debug, Clone, Default)]
pub struct ClassFacts {
    /// The class's school.
    pub school_id: String,
    /// The viewer is a teacher of this class.
    pub viewer_teaches: bool,
    /// The viewer is a pupil of this class.
    pub viewer_is_pupil: bool,
    /// One of the viewer's children is a pupil of this class.
    pub viewer_child_in_class: bool,
}

/// What the viewer is to another account of a class.
#[derive(Debug, Clone, Default)]
pub struct AccountFacts {
    /// The class the account is reached through.
    pub class: ClassFacts,
    /// The account is a pupil of that class, or a parent of one.
    pub belongs_to_class: bool,
}

/// Something a user may want to do.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// See one's portal.
    SeePortal,
    /// See one's account page, change one's password.
    ManageOwnAccount,
    /// See a class page (name, teachers, pupils' first names).
    ViewClass(&'a ClassFacts),
    /// See identifiers and activation state of a class's accounts, print connection sheets.
    ManageClass(&'a ClassFacts),
    /// Issue a new activation code for a pupil of a class or a parent of one.
    RegenerateCode(&'a AccountFacts),
    /// Create groups in a school, fill, empty and delete them.
    ManageGroups {
        /// The group's school.
        school_id: &'a str,
    },
    /// See a group and its members.
    ViewGroup {
        /// The group's school.
        school_id: &'a str,
        /// The viewer belongs to the group.
        viewer_is_member: bool,
    },
    /// List and add schools.
    ManageSchools,
    /// See links with other nodes, send notices to their operators.
    ManageFederation,
    /// List, inspect, deactivate and reset any account of the node.
    ManageUsers,
    /// Use the JSON API.
    UseApi,
}

/// Whether `viewer` may do `action`.
pub fn allows(viewer: &Viewer, action: Action<'_>) -> bool {
    if !viewer.user.active {
        return false;
    }
    match action {
        Action::SeePortal | Action::ManageOwnAccount | Action::UseApi => true,
        Action::ViewClass(class) => {
            manages_class(viewer, class) || class.viewer_is_pupil || class.viewer_child_in_class
        }
        Action::ManageClass(class) => manages_class(viewer, class),
        Action::RegenerateCode(account) => {
            manages_class(viewer, &account.class) && account.belongs_to_class
        }
        Action::ManageGroups { school_id } => manages_groups(viewer, school_id),
        Action::ViewGroup {
            school_id,
            viewer_is_member,
        } => viewer_is_member || manages_groups(viewer, school_id),
        Action::ManageSchools | Action::ManageUsers | Action::ManageFederation => {
            viewer.is_operator()
        }
    }
}

/// Operator; director or teacher of the school (teachers run project groups).
fn manages_groups(viewer: &Viewer, school_id: &str) -> bool {
    viewer.is_operator()
        || matches!(
            viewer.profile_in(school_id),
            Some(Profile::Director | Profile::Teacher)
        )
}

/// Operator; director of the class's school; teacher of the class (guests never, even if
/// a stale class link existed).
fn manages_class(viewer: &Viewer, class: &ClassFacts) -> bool {
    if viewer.is_operator() {
        return true;
    }
    match viewer.profile_in(&class.school_id) {
        Some(Profile::Director) => true,
        Some(Profile::Teacher) => class.viewer_teaches,
        _ => false,
    }
}

/// Asks the policy and turns a refusal into the error handlers return.
pub fn require(viewer: &Viewer, action: Action<'_>) -> Result<(), AppError> {
    if allows(viewer, action) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{Membership, UserRow};

    fn viewer(profile: Option<Profile>, operator: bool) -> Viewer {
        Viewer {
            user: UserRow {
                id: "u".into(),
                identifier: "u.u".into(),
                first_name: "U".into(),
                last_name: "U".into(),
                usage_name: None,
                birth_date: None,
                email: None,
                password_hash: Some("h".into()),
                is_operator: operator,
                active: true,
            },
            memberships: profile
                .map(|p| Membership {
                    school_id: "s1".into(),
                    school_name: "École".into(),
                    profile: p,
                })
                .into_iter()
                .collect(),
            csrf: String::new(),
        }
    }

    #[test]
    fn class_management_follows_profile_and_links() {
        let mine = ClassFacts {
            school_id: "s1".into(),
            viewer_teaches: true,
            ..Default::default()
        };
        let other = ClassFacts {
            school_id: "s1".into(),
            ..Default::default()
        };
        let elsewhere = ClassFacts {
            school_id: "s2".into(),
            ..Default::default()
        };
        let teacher = viewer(Some(Profile::Teacher), false);
        assert!(allows(&teacher, Action::ManageClass(&mine)));
        assert!(!allows(&teacher, Action::ManageClass(&other)));
        let director = viewer(Some(Profile::Director), false);
        assert!(allows(&director, Action::ManageClass(&other)));
        assert!(!allows(&director, Action::ManageClass(&elsewhere)));
        for p in [
            Profile::Pupil,
            Profile::Parent,
            Profile::Staff,
            Profile::Inspector,
            Profile::Guest,
        ] {
            let v = viewer(Some(p), false);
            let teaches_flag_ignored = ClassFacts {
                viewer_teaches: true,
                ..mine.clone()
            };
            assert!(
                !allows(&v, Action::ManageClass(&teaches_flag_ignored)),
                "{p:?}"
            );
        }
        assert!(allows(&viewer(None, true), Action::ManageClass(&elsewhere)));
    }

    #[test]
    fn pupils_and_parents_see_only_their_class() {
        let pupil = viewer(Some(Profile::Pupil), false);
        let own = ClassFacts {
            school_id: "s1".into(),
            viewer_is_pupil: true,
            ..Default::default()
        };
        let other = ClassFacts {
            school_id: "s1".into(),
            ..Default::default()
        };
        assert!(allows(&pupil, Action::ViewClass(&own)));
        assert!(!allows(&pupil, Action::ViewClass(&other)));
        let parent = viewer(Some(Profile::Parent), false);
        let child = ClassFacts {
            school_id: "s1".into(),
            viewer_child_in_class: true,
            ..Default::default()
        };
        assert!(allows(&parent, Action::ViewClass(&child)));
        assert!(!allows(&parent, Action::ManageClass(&child)));
    }

    #[test]
    fn codes_only_for_accounts_of_the_class() {
        let teacher = viewer(Some(Profile::Teacher), false);
        let class = ClassFacts {
            school_id: "s1".into(),
            viewer_teaches: true,
            ..Default::default()
        };
        let inside = AccountFacts {
            class: class.clone(),
            belongs_to_class: true,
        };
        let outside = AccountFacts {
            class,
            belongs_to_class: false,
        };
        assert!(allows(&teacher, Action::RegenerateCode(&inside)));
        assert!(!allows(&teacher, Action::RegenerateCode(&outside)));
    }

    #[test]
    fn groups_are_run_by_the_school_staff_and_seen_by_members() {
        let manage = Action::ManageGroups { school_id: "s1" };
        assert!(allows(&viewer(Some(Profile::Teacher), false), manage));
        assert!(allows(&viewer(Some(Profile::Director), false), manage));
        assert!(!allows(
            &viewer(Some(Profile::Teacher), false),
            Action::ManageGroups { school_id: "s2" }
        ));
        for p in [
            Profile::Pupil,
            Profile::Parent,
            Profile::Staff,
            Profile::Inspector,
            Profile::Guest,
        ] {
            assert!(!allows(&viewer(Some(p), false), manage), "{p:?}");
            let member = Action::ViewGroup {
                school_id: "s1",
                viewer_is_member: true,
            };
            let outsider = Action::ViewGroup {
                school_id: "s1",
                viewer_is_member: false,
            };
            assert!(allows(&viewer(Some(p), false), member));
            assert!(!allows(&viewer(Some(p), false), outsider));
        }
    }

    #[test]
    fn deactivated_users_may_do_nothing() {
        let mut operator = viewer(None, true);
        operator.user.active = false;
        assert!(!allows(&operator, Action::SeePortal));
        assert!(!allows(&operator, Action::ManageSchools));
    }

    #[test]
    fn only_the_operator_manages_the_node() {
        for p in Profile::all() {
            let v = viewer(Some(p), false);
            assert!(!allows(&v, Action::ManageSchools));
            assert!(!allows(&v, Action::ManageUsers));
        }
        assert!(allows(&viewer(None, true), Action::ManageUsers));
    }
}
