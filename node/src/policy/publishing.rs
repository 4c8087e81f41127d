//! Who may publish news and write in the cahier de liaison, and to whom: kept as data like the
//! communication rules, and resolved to classes and schools by `news::service` and `liaison`.
//! The operator speaks for the municipality (every school, or the whole node), a director for
//! the school, a teacher for the classes they teach.

use crate::domain::Profile;
use crate::domain::audience::AudienceKind;
use crate::domain::user::Viewer;

use super::ClassFacts;

/// What an author of news is, in one school (or on the node, for the operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Author {
    /// A teacher: their classes.
    Teacher,
    /// A director: their school and its classes.
    Direction,
    /// The operator: every school, or the whole node.
    Operator,
}

/// The audiences each author may address a news item to.
pub const NEWS_AUDIENCES: &[(Author, &[AudienceKind])] = &[
    (
        Author::Teacher,
        &[AudienceKind::ClassPupils, AudienceKind::ClassParents],
    ),
    (
        Author::Direction,
        &[
            AudienceKind::ClassPupils,
            AudienceKind::ClassParents,
            AudienceKind::SchoolStaff,
            AudienceKind::SchoolPupils,
            AudienceKind::SchoolParents,
        ],
    ),
    (
        Author::Operator,
        &[
            AudienceKind::Node,
            AudienceKind::SchoolStaff,
            AudienceKind::SchoolPupils,
            AudienceKind::SchoolParents,
        ],
    ),
];

/// What a membership makes its holder as an author of news (staff, pupils, parents, guests and
/// inspectors publish none).
pub fn author_of(profile: Profile) -> Option<Author> {
    match profile {
        Profile::Teacher => Some(Author::Teacher),
        Profile::Director => Some(Author::Direction),
        _ => None,
    }
}

/// Whether `author` may address a news item to an audience of `kind`.
pub fn may_publish_to(author: Author, kind: AudienceKind) -> bool {
    NEWS_AUDIENCES
        .iter()
        .any(|(a, kinds)| *a == author && kinds.contains(&kind))
}

/// Whether the viewer publishes news at all (the "Écrire" page).
pub fn publishes_news(viewer: &Viewer) -> bool {
    viewer.user.active
        && (viewer.is_operator()
            || viewer
                .memberships
                .iter()
                .any(|m| author_of(m.profile).is_some()))
}

/// Whether the viewer may delete a news item: its author, the operator, the director of the
/// school it speaks for.
pub fn deletes_news(viewer: &Viewer, is_author: bool, school_id: Option<&str>) -> bool {
    viewer.user.active
        && (is_author
            || viewer.is_operator()
            || school_id.is_some_and(|s| viewer.profile_in(s) == Some(Profile::Director)))
}

/// Whether the viewer may write a mot to the parents of this class: its teacher or the
/// director of its school (the operator does not write in a carnet).
pub fn writes_mots(viewer: &Viewer, class: &ClassFacts) -> bool {
    viewer.user.active
        && match viewer.profile_in(&class.school_id) {
            Some(Profile::Director) => true,
            Some(Profile::Teacher) => class.viewer_teaches,
            _ => false,
        }
}

/// Whether the viewer writes mots in some class (the "Écrire un mot" link).
pub fn writes_some_mots(viewer: &Viewer) -> bool {
    viewer.user.active
        && viewer
            .memberships
            .iter()
            .any(|m| matches!(m.profile, Profile::Director | Profile::Teacher))
}

/// What the viewer is to a mot of the cahier de liaison, loaded by the handler.
#[derive(Debug, Clone, Default)]
pub struct MotFacts {
    /// What the viewer is to the mot's class (default when the class is gone).
    pub class: ClassFacts,
    /// The viewer wrote the mot.
    pub viewer_is_author: bool,
    /// The mot was delivered (the quiet hours are over).
    pub delivered: bool,
    /// The viewer is a guardian of a pupil whose carnet holds it.
    pub guardian: bool,
    /// The viewer is a pupil whose carnet holds it.
    pub pupil: bool,
    /// The mot asks for a signature.
    pub asks_signature: bool,
}

/// Whether the viewer follows a mot as its writer does (each family's signatures, reminders,
/// the missing list, deleting it): who writes mots in its class, or who wrote it.
pub fn follows_mot(viewer: &Viewer, mot: &MotFacts) -> bool {
    viewer.user.active && (mot.viewer_is_author || writes_mots(viewer, &mot.class))
}

/// Whether the viewer may read a mot: who follows it, and once delivered the families of its
/// carnets.
pub fn reads_mot(viewer: &Viewer, mot: &MotFacts) -> bool {
    viewer.user.active
        && (follows_mot(viewer, mot) || (mot.delivered && (mot.guardian || mot.pupil)))
}

/// Whether the viewer may sign a mot (or answer it privately): a guardian, once delivered.
pub fn signs_mot(viewer: &Viewer, mot: &MotFacts) -> bool {
    viewer.user.active && mot.delivered && mot.guardian
}

/// Whether the viewer uses the cahier de liaison at all (its tile on the portal).
pub fn uses_liaison(viewer: &Viewer) -> bool {
    viewer.user.active
        && viewer.memberships.iter().any(|m| {
            matches!(
                m.profile,
                Profile::Director | Profile::Teacher | Profile::Parent | Profile::Pupil
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(profile: Profile) -> Viewer {
        crate::policy::tests::viewer(Some(profile), false)
    }

    #[test]
    fn a_mot_is_followed_by_its_class_s_writers_and_its_author_only() {
        let class = |teaches| ClassFacts {
            school_id: "s1".into(),
            viewer_teaches: teaches,
            ..ClassFacts::default()
        };
        let mot = |teaches, author| MotFacts {
            class: class(teaches),
            viewer_is_author: author,
            ..MotFacts::default()
        };
        let teacher = member(Profile::Teacher);
        assert!(follows_mot(&teacher, &mot(true, false)));
        assert!(!follows_mot(&teacher, &mot(false, false)));
        // A teacher no longer of the class still follows the mots they wrote.
        assert!(follows_mot(&teacher, &mot(false, true)));
        assert!(follows_mot(&member(Profile::Director), &mot(false, false)));
        for p in [Profile::Parent, Profile::Pupil, Profile::Staff] {
            assert!(!follows_mot(&member(p), &mot(true, false)), "{p:?}");
            assert!(!reads_mot(&member(p), &mot(true, false)), "{p:?}");
        }
        let delivered_to_family = MotFacts {
            delivered: true,
            guardian: true,
            ..MotFacts::default()
        };
        let parent = member(Profile::Parent);
        assert!(reads_mot(&parent, &delivered_to_family));
        assert!(signs_mot(&parent, &delivered_to_family));
        assert!(!follows_mot(&parent, &delivered_to_family));
        let held = MotFacts {
            delivered: false,
            ..delivered_to_family
        };
        assert!(!reads_mot(&parent, &held) && !signs_mot(&parent, &held));
        let mut gone = teacher.clone();
        gone.user.active = false;
        assert!(!follows_mot(&gone, &mot(true, true)));
    }

    #[test]
    fn each_author_reaches_what_the_issue_says() {
        assert!(may_publish_to(Author::Teacher, AudienceKind::ClassParents));
        assert!(!may_publish_to(
            Author::Teacher,
            AudienceKind::SchoolParents
        ));
        assert!(!may_publish_to(Author::Teacher, AudienceKind::Node));
        assert!(may_publish_to(
            Author::Direction,
            AudienceKind::SchoolParents
        ));
        assert!(!may_publish_to(Author::Direction, AudienceKind::Node));
        assert!(may_publish_to(Author::Operator, AudienceKind::Node));
        assert!(!may_publish_to(Author::Operator, AudienceKind::ClassPupils));
        for author in [Author::Teacher, Author::Direction, Author::Operator] {
            assert!(!may_publish_to(author, AudienceKind::Person));
            assert!(!may_publish_to(author, AudienceKind::Group));
        }
        for p in [
            Profile::Pupil,
            Profile::Parent,
            Profile::Staff,
            Profile::Inspector,
            Profile::Guest,
        ] {
            assert_eq!(author_of(p), None, "{p:?}");
        }
    }
}
