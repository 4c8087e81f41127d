//! The one place that answers "may this user…". Handlers load the facts an answer needs, ask
//! here, and never decide rights themselves. Decisions are pure functions of the viewer and
//! the facts, so they are unit-tested without a database.

pub mod communication;
pub mod homework;
pub mod publishing;

use crate::domain::Profile;
use crate::domain::space::PostStatus;
use crate::domain::user::Viewer;
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

/// What the viewer is to a space, loaded by the handler from the store.
#[derive(Debug, Clone, Default)]
pub struct SpaceFacts {
    /// The viewer's role, when an active member.
    pub role: Option<crate::domain::space::Role>,
}

/// Which agenda an event goes to, with what the viewer is to it.
#[derive(Debug, Clone, Copy)]
pub enum EventTarget<'a> {
    /// A school's agenda.
    School {
        /// The school.
        school_id: &'a str,
    },
    /// A class's agenda.
    Class(&'a ClassFacts),
    /// A group's agenda.
    Group {
        /// The group's school.
        school_id: &'a str,
        /// The viewer belongs to the group.
        viewer_is_member: bool,
    },
    /// The viewer's own agenda.
    Personal,
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
    /// Create a space (teachers and directors).
    CreateSpace,
    /// Read a space: its wall, members and files.
    ViewSpace(&'a SpaceFacts),
    /// Post, comment, edit and delete one's own posts, report, leave.
    WriteInSpace(&'a SpaceFacts),
    /// Approve, hide, restore, delete any post; see reports; remove members.
    ModerateSpace(&'a SpaceFacts),
    /// See one post (or its files) of a space.
    ReadPost {
        /// The viewer's place in the space.
        space: &'a SpaceFacts,
        /// Where the post stands.
        status: crate::domain::space::PostStatus,
        /// The viewer wrote it.
        viewer_is_author: bool,
    },
    /// Delete one post: one's own, or any as a moderator.
    DeletePost {
        /// The viewer's place in the space.
        space: &'a SpaceFacts,
        /// The viewer wrote it.
        viewer_is_author: bool,
    },
    /// Bring a class of this node into one's space (a class of one's own school).
    AddLocalClass {
        /// The class's school.
        school_id: &'a str,
    },
    /// Change a space's settings, invite classes, close it.
    ManageSpace(&'a SpaceFacts),
    /// See classes of linked nodes one may invite, answer invitations for one's class.
    InviteClasses {
        /// The viewer teaches the class concerned (for answers; `true` for listing).
        viewer_teaches: bool,
    },
    /// Create local guests (partners without a node) and see those one created; the operator
    /// sees every guest of the node.
    ManageLocalGuests,
    /// See one guest account: in the guests list, and among the guests one may add to a space
    /// (one decision for both).
    SeeGuest {
        /// The viewer created it (a local guest).
        created_by_viewer: bool,
        /// The school a local guest belongs to (its creator's).
        school_id: Option<&'a str>,
    },
    /// Read people's full names in a school's lists (groups): its staff and the operator;
    /// pupils and parents read short names ("Léa M.").
    SeeFullNames {
        /// The school.
        school_id: &'a str,
    },
    /// Reopen a space of this node closed less than 30 days ago: its owner or the operator.
    ReopenSpace {
        /// The viewer owns the space.
        viewer_is_owner: bool,
    },
    /// Delete a local guest account: who created it, or the operator.
    DeleteGuest {
        /// The viewer created it.
        created_by_viewer: bool,
    },
    /// List and add schools.
    ManageSchools,
    /// See links with other nodes, send notices to their operators.
    ManageFederation,
    /// List, inspect, deactivate and reset any account of the node.
    ManageUsers,
    /// Use the JSON API.
    UseApi,
    /// Open one's mailbox (whom one may write to: `communication`).
    UseMessaging,
    /// Set a class's messaging options (pupils write to classmates; the teacher validates those
    /// messages first): a teacher of the class or the director of its school, nobody else (not
    /// the operator: the school decides).
    SetClassMessaging(&'a ClassFacts),
    /// See the options of every class of a school on one page: its director only.
    ListClassMessaging {
        /// The school.
        school_id: &'a str,
    },
    /// Write in an agenda (create, change, cancel, delete events; import an .ics file into a
    /// school's): a school's is its director's, a class's its teachers' (and director's), a
    /// group's its teaching members' (and director's); everyone has their own.
    WriteEvent(EventTarget<'a>),
    /// Write mots in a class's cahier de liaison: its teachers and the director of its school
    /// (the operator does not write in a carnet).
    WriteMots(&'a ClassFacts),
    /// See a class's absences (the mots d'absence of its families, on the liaison page and on
    /// the class's days in the agenda): who writes its mots, never parents or pupils.
    SeeAbsences(&'a ClassFacts),
    /// Follow a mot as its writer does: each family's signatures, reminders, the list of
    /// missing signatures, deleting it (who writes mots in its class, or who wrote it).
    FollowMot(&'a publishing::MotFacts),
    /// Read a mot: who follows it, and once delivered the families of its carnets.
    ReadMot(&'a publishing::MotFacts),
    /// Sign a mot or answer it privately: a guardian of a pupil of its carnets, once delivered.
    SignMot(&'a publishing::MotFacts),
    /// Use a class's cahier de textes (`homework`): write, read, do, follow.
    Homework(&'a ClassFacts, homework::HomeworkUse),
    /// Open the cahier de textes page (pupils, parents, teachers, directors, inspectors).
    OpenHomework,
    /// List a school's cahiers de textes (its director and inspector).
    ReadSchoolHomework {
        /// The school.
        school_id: &'a str,
    },
}

fn writes_in_agenda(viewer: &Viewer, target: EventTarget<'_>) -> bool {
    let directs = |school_id: &str| {
        viewer.is_operator() || viewer.profile_in(school_id) == Some(Profile::Director)
    };
    match target {
        EventTarget::Personal => true,
        EventTarget::School { school_id } => directs(school_id),
        EventTarget::Class(class) => manages_class(viewer, class),
        EventTarget::Group {
            school_id,
            viewer_is_member,
        } => {
            directs(school_id)
                || (viewer_is_member && viewer.profile_in(school_id) == Some(Profile::Teacher))
        }
    }
}

/// Whether `viewer` may do `action`.
pub fn allows(viewer: &Viewer, action: Action<'_>) -> bool {
    if !viewer.user.active {
        return false;
    }
    match action {
        Action::SeePortal | Action::ManageOwnAccount | Action::UseApi | Action::UseMessaging => {
            true
        }
        Action::WriteEvent(target) => writes_in_agenda(viewer, target),
        Action::WriteMots(class) | Action::SeeAbsences(class) => {
            publishing::writes_mots(viewer, class)
        }
        Action::FollowMot(mot) => publishing::follows_mot(viewer, mot),
        Action::ReadMot(mot) => publishing::reads_mot(viewer, mot),
        Action::SignMot(mot) => publishing::signs_mot(viewer, mot),
        Action::Homework(class, what) => homework::allows(viewer, class, what),
        Action::OpenHomework => homework::opens(viewer),
        Action::ReadSchoolHomework { school_id } => homework::reads_school(viewer, school_id),
        Action::ViewClass(class) => {
            manages_class(viewer, class) || class.viewer_is_pupil || class.viewer_child_in_class
        }
        Action::ManageClass(class) => manages_class(viewer, class),
        Action::SetClassMessaging(class) => match viewer.profile_in(&class.school_id) {
            Some(Profile::Director) => true,
            Some(Profile::Teacher) => class.viewer_teaches,
            _ => false,
        },
        Action::ListClassMessaging { school_id } => {
            viewer.profile_in(school_id) == Some(Profile::Director)
        }
        Action::RegenerateCode(account) => {
            manages_class(viewer, &account.class) && account.belongs_to_class
        }
        Action::ManageGroups { school_id } => manages_groups(viewer, school_id),
        Action::ViewGroup {
            school_id,
            viewer_is_member,
        } => viewer_is_member || manages_groups(viewer, school_id),
        Action::CreateSpace => is_teaching(viewer),
        Action::ManageLocalGuests => {
            viewer.is_operator()
                || viewer
                    .memberships
                    .iter()
                    .any(|m| m.profile == Profile::Director)
        }
        Action::ViewSpace(space) | Action::WriteInSpace(space) => space.role.is_some(),
        Action::ModerateSpace(space) => space
            .role
            .is_some_and(crate::domain::space::Role::moderates),
        Action::ManageSpace(space) => space.role == Some(crate::domain::space::Role::Owner),
        Action::ReadPost {
            space,
            status,
            viewer_is_author,
        } => space
            .role
            .is_some_and(|role| post_visible(status, viewer_is_author, role.moderates())),
        Action::DeletePost {
            space,
            viewer_is_author,
        } => space
            .role
            .is_some_and(|role| viewer_is_author || role.moderates()),
        Action::AddLocalClass { school_id } => matches!(
            viewer.profile_in(school_id),
            Some(Profile::Director | Profile::Teacher)
        ),
        Action::SeeGuest {
            created_by_viewer,
            school_id,
        } => {
            viewer.is_operator()
                || (created_by_viewer && allows(viewer, Action::ManageLocalGuests))
                // A local guest belongs to its creator's school: its staff may add it to a space,
                // nobody of another school may.
                || school_id.is_some_and(|school| {
                    matches!(
                        viewer.profile_in(school),
                        Some(Profile::Director | Profile::Teacher)
                    )
                })
        }
        Action::SeeFullNames { school_id } => {
            viewer.is_operator()
                || matches!(
                    viewer.profile_in(school_id),
                    Some(Profile::Director | Profile::Teacher | Profile::Staff)
                )
        }
        Action::ReopenSpace { viewer_is_owner } => viewer_is_owner || viewer.is_operator(),
        Action::DeleteGuest { created_by_viewer } => {
            viewer.is_operator() || (created_by_viewer && allows(viewer, Action::ManageLocalGuests))
        }
        Action::InviteClasses { viewer_teaches } => viewer_teaches && is_teaching(viewer),
        Action::ManageSchools | Action::ManageUsers | Action::ManageFederation => {
            viewer.is_operator()
        }
    }
}

/// Teacher or director somewhere (guests, pupils, parents never).
fn is_teaching(viewer: &Viewer) -> bool {
    viewer
        .memberships
        .iter()
        .any(|m| matches!(m.profile, Profile::Director | Profile::Teacher))
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

/// Who sees a post in a given state (what `Action::ReadPost` applies, and the wall too): everyone
/// when published, moderators when hidden, only its author while it is on its way, waiting or
/// refused.
pub fn post_visible(status: PostStatus, is_author: bool, moderates: bool) -> bool {
    match status {
        PostStatus::Published => true,
        PostStatus::Hidden => moderates,
        PostStatus::Pending | PostStatus::Sending | PostStatus::Refused => is_author,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::{Membership, UserRow};

    /// A viewer of school `s1` with `profile` (none: no membership), operator or not; the one
    /// test viewer of the policy's test modules (`homework`, `publishing` use it too).
    pub(super) fn viewer(profile: Option<Profile>, operator: bool) -> Viewer {
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
            notifications: 0,
        }
    }

    #[test]
    fn agendas_are_written_by_who_runs_them() {
        let school = EventTarget::School { school_id: "s1" };
        let mine = ClassFacts {
            school_id: "s1".into(),
            viewer_teaches: true,
            ..ClassFacts::default()
        };
        let other = ClassFacts {
            school_id: "s1".into(),
            ..ClassFacts::default()
        };
        let group = |member| EventTarget::Group {
            school_id: "s1",
            viewer_is_member: member,
        };
        let director = viewer(Some(Profile::Director), false);
        let teacher = viewer(Some(Profile::Teacher), false);
        let may = |v: &Viewer, t| allows(v, Action::WriteEvent(t));
        assert!(may(&director, school) && may(&director, EventTarget::Class(&other)));
        assert!(!may(&teacher, school));
        assert!(may(&teacher, EventTarget::Class(&mine)));
        assert!(!may(&teacher, EventTarget::Class(&other)));
        assert!(may(&teacher, group(true)) && !may(&teacher, group(false)));
        for profile in [
            Profile::Parent,
            Profile::Pupil,
            Profile::Staff,
            Profile::Guest,
        ] {
            let v = viewer(Some(profile), false);
            assert!(may(&v, EventTarget::Personal), "{profile:?}");
            assert!(!may(&v, school) && !may(&v, EventTarget::Class(&mine)));
            assert!(!may(&v, group(true)), "{profile:?}");
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
    fn class_messaging_options_belong_to_the_school() {
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
        assert!(allows(&teacher, Action::SetClassMessaging(&mine)));
        assert!(!allows(&teacher, Action::SetClassMessaging(&other)));
        assert!(!allows(
            &teacher,
            Action::ListClassMessaging { school_id: "s1" }
        ));
        let director = viewer(Some(Profile::Director), false);
        assert!(allows(&director, Action::SetClassMessaging(&other)));
        assert!(!allows(&director, Action::SetClassMessaging(&elsewhere)));
        assert!(allows(
            &director,
            Action::ListClassMessaging { school_id: "s1" }
        ));
        assert!(!allows(
            &director,
            Action::ListClassMessaging { school_id: "s2" }
        ));
        let operator = viewer(None, true);
        assert!(!allows(&operator, Action::SetClassMessaging(&elsewhere)));
        assert!(!allows(
            &operator,
            Action::ListClassMessaging { school_id: "s1" }
        ));
        for p in [
            Profile::Pupil,
            Profile::Parent,
            Profile::Staff,
            Profile::Guest,
        ] {
            assert!(
                !allows(&viewer(Some(p), false), Action::SetClassMessaging(&mine)),
                "{p:?}"
            );
        }
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
    fn spaces_follow_the_role_in_the_space() {
        use crate::domain::space::Role;
        let facts = |role| SpaceFacts { role };
        let pupil = viewer(Some(Profile::Pupil), false);
        let member = facts(Some(Role::Member));
        assert!(allows(&pupil, Action::ViewSpace(&member)));
        assert!(allows(&pupil, Action::WriteInSpace(&member)));
        assert!(!allows(&pupil, Action::ModerateSpace(&member)));
        assert!(!allows(&pupil, Action::ViewSpace(&facts(None))));
        assert!(!allows(&pupil, Action::CreateSpace));
        let teacher = viewer(Some(Profile::Teacher), false);
        assert!(allows(&teacher, Action::CreateSpace));
        assert!(allows(
            &teacher,
            Action::ModerateSpace(&facts(Some(Role::Moderator)))
        ));
        assert!(!allows(
            &teacher,
            Action::ManageSpace(&facts(Some(Role::Moderator)))
        ));
        assert!(allows(
            &teacher,
            Action::ManageSpace(&facts(Some(Role::Owner)))
        ));
        assert!(!allows(
            &teacher,
            Action::InviteClasses {
                viewer_teaches: false
            }
        ));
        // A guest holds no membership: only its spaces, never moderation or invitations.
        let guest = viewer(None, false);
        assert!(allows(
            &guest,
            Action::WriteInSpace(&facts(Some(Role::Guest)))
        ));
        assert!(!allows(
            &guest,
            Action::ModerateSpace(&facts(Some(Role::Guest)))
        ));
        assert!(!allows(
            &guest,
            Action::InviteClasses {
                viewer_teaches: true
            }
        ));
        assert!(!allows(&guest, Action::CreateSpace));
        assert!(!allows(&guest, Action::ManageLocalGuests));
        assert!(!allows(&teacher, Action::ManageLocalGuests));
        assert!(allows(
            &viewer(Some(Profile::Director), false),
            Action::ManageLocalGuests
        ));
        assert!(allows(&viewer(None, true), Action::ManageLocalGuests));
        // Posts: published for all members, hidden for moderators, in transit for the author.
        use crate::domain::space::PostStatus;
        let (member, moderator, outsider) = (
            facts(Some(Role::Member)),
            facts(Some(Role::Moderator)),
            facts(None),
        );
        let read = |space, status, viewer_is_author| Action::ReadPost {
            space,
            status,
            viewer_is_author,
        };
        assert!(allows(&pupil, read(&member, PostStatus::Published, false)));
        assert!(!allows(&pupil, read(&member, PostStatus::Hidden, false)));
        assert!(allows(
            &teacher,
            read(&moderator, PostStatus::Hidden, false)
        ));
        assert!(!allows(
            &teacher,
            read(&moderator, PostStatus::Pending, false)
        ));
        assert!(allows(&pupil, read(&member, PostStatus::Pending, true)));
        assert!(!allows(
            &pupil,
            read(&outsider, PostStatus::Published, false)
        ));
        let delete = |space, viewer_is_author| Action::DeletePost {
            space,
            viewer_is_author,
        };
        assert!(allows(&pupil, delete(&member, true)));
        assert!(!allows(&pupil, delete(&member, false)));
        assert!(allows(&teacher, delete(&moderator, false)));
        assert!(!allows(&teacher, delete(&outsider, true)));
        // Local classes: of one's own school only.
        assert!(allows(&teacher, Action::AddLocalClass { school_id: "s1" }));
        assert!(!allows(&teacher, Action::AddLocalClass { school_id: "s2" }));
        assert!(!allows(&pupil, Action::AddLocalClass { school_id: "s1" }));
        // Guests list: the operator sees all, a director their own, a teacher none.
        let director = viewer(Some(Profile::Director), false);
        let see = |created_by_viewer| Action::SeeGuest {
            created_by_viewer,
            school_id: None,
        };
        assert!(allows(&viewer(None, true), see(false)));
        assert!(allows(&director, see(true)) && !allows(&director, see(false)));
        assert!(!allows(&teacher, see(true)));
        // A local guest belongs to its creator's school: its staff see it, another school's
        // do not (the same decision lists it and offers it in a space's invite page).
        let of_school = |school_id| Action::SeeGuest {
            created_by_viewer: false,
            school_id: Some(school_id),
        };
        assert!(allows(&teacher, of_school("s1")) && allows(&director, of_school("s1")));
        assert!(!allows(&teacher, of_school("s2")) && !allows(&director, of_school("s2")));
        assert!(!allows(&pupil, of_school("s1")));
        // Deleting one: its creator (who may create guests) or the operator.
        let delete = |created_by_viewer| Action::DeleteGuest { created_by_viewer };
        assert!(allows(&director, delete(true)) && !allows(&director, delete(false)));
        assert!(allows(&viewer(None, true), delete(false)) && !allows(&teacher, delete(true)));
        // Full names in a school's groups: its staff; short names for pupils and parents.
        let names = Action::SeeFullNames { school_id: "s1" };
        assert!(allows(&teacher, names) && !allows(&pupil, names));
        assert!(!allows(&teacher, Action::SeeFullNames { school_id: "s2" }));
        // Reopening a closed space: its owner or the operator.
        let reopen = |viewer_is_owner| Action::ReopenSpace { viewer_is_owner };
        assert!(allows(&teacher, reopen(true)) && !allows(&teacher, reopen(false)));
        assert!(allows(&viewer(None, true), reopen(false)));
        // The operator is no member of a space by office.
        assert!(!allows(
            &viewer(None, true),
            Action::ViewSpace(&facts(None))
        ));
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
