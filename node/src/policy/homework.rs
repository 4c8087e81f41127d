//! The cahier de textes: who writes a class's (its teachers), who reads it (its teachers, its
//! pupils, their parents, the school's director and inspector), who ticks "fait" and hands in
//! work (its pupils), who sees those marks and hand-ins and answers them (its teachers only).
//! The director and the inspector read; nothing else.

use crate::domain::Profile;
use crate::domain::user::Viewer;

use super::ClassFacts;

/// What one may do with a class's cahier de textes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeworkUse {
    /// Write séances and work, copy them, delete them.
    Write,
    /// Read what is published (and, for its writers, what is planned).
    Read,
    /// Tick "fait", hand work in.
    Do,
    /// See who ticked "fait" and who handed in; answer a hand-in.
    Follow,
}

/// Whether `viewer` may `what` in the cahier de textes of `class`.
pub fn allows(viewer: &Viewer, class: &ClassFacts, what: HomeworkUse) -> bool {
    let profile = viewer.profile_in(&class.school_id);
    let teaches = profile == Some(Profile::Teacher) && class.viewer_teaches;
    match what {
        HomeworkUse::Write | HomeworkUse::Follow => teaches,
        HomeworkUse::Do => profile == Some(Profile::Pupil) && class.viewer_is_pupil,
        HomeworkUse::Read => {
            teaches
                || reads_school(viewer, &class.school_id)
                || (profile == Some(Profile::Pupil) && class.viewer_is_pupil)
                || (viewer.has_profile(Profile::Parent) && class.viewer_child_in_class)
        }
    }
}

/// The director and the inspector of a school read every cahier de textes of it.
pub fn reads_school(viewer: &Viewer, school_id: &str) -> bool {
    matches!(
        viewer.profile_in(school_id),
        Some(Profile::Director | Profile::Inspector)
    )
}

/// Who has a cahier de textes page: pupils, parents, teachers, directors and inspectors
/// (municipal staff, guests and the operator have none).
pub fn opens(viewer: &Viewer) -> bool {
    viewer.memberships.iter().any(|m| {
        matches!(
            m.profile,
            Profile::Pupil
                | Profile::Parent
                | Profile::Teacher
                | Profile::Director
                | Profile::Inspector
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(profile: Profile) -> Viewer {
        crate::policy::tests::viewer(Some(profile), false)
    }

    #[test]
    fn teachers_write_pupils_do_families_and_direction_read() {
        let class = |teaches, pupil, child| ClassFacts {
            school_id: "s1".into(),
            viewer_teaches: teaches,
            viewer_is_pupil: pupil,
            viewer_child_in_class: child,
        };
        let all = [
            HomeworkUse::Write,
            HomeworkUse::Read,
            HomeworkUse::Do,
            HomeworkUse::Follow,
        ];
        let may = |p, c: &ClassFacts| -> Vec<HomeworkUse> {
            all.into_iter()
                .filter(|w| allows(&viewer(p), c, *w))
                .collect()
        };
        use HomeworkUse::*;
        assert_eq!(
            may(Profile::Teacher, &class(true, false, false)),
            [Write, Read, Follow]
        );
        assert!(may(Profile::Teacher, &class(false, false, false)).is_empty());
        assert_eq!(may(Profile::Pupil, &class(false, true, false)), [Read, Do]);
        assert!(may(Profile::Pupil, &class(false, false, false)).is_empty());
        assert_eq!(may(Profile::Parent, &class(false, false, true)), [Read]);
        assert!(may(Profile::Parent, &class(false, false, false)).is_empty());
        assert_eq!(may(Profile::Director, &class(false, false, false)), [Read]);
        assert_eq!(may(Profile::Inspector, &class(false, false, false)), [Read]);
        // A stale link never gives staff or guests anything.
        for p in [Profile::Staff, Profile::Guest] {
            assert!(may(p, &class(true, true, true)).is_empty(), "{p:?}");
        }
        let elsewhere = ClassFacts {
            school_id: "s2".into(),
            ..class(false, false, false)
        };
        assert!(may(Profile::Director, &elsewhere).is_empty());
    }
}
