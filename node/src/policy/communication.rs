//! Who may write to whom: the communication rules of the messagerie, kept as data (one table
//! per question, as entcore keeps them) and read by `messaging::contacts`, which resolves each
//! reach to people in the store. Sources and choices: `shared/formats/regles-communication.md`;
//! the rules are issue 13's defaults.

use crate::domain::audience::AudienceKind;

/// What a sender is, for these rules, in one school (or on the node, for the operator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// A teacher.
    Teacher,
    /// The director (in a collège, direction and administration staff too).
    Direction,
    /// Municipal staff and partners of an école.
    Staff,
    /// A pupil.
    Pupil,
    /// A parent.
    Parent,
    /// A guest (of spaces).
    Guest,
    /// The operator of the node.
    Operator,
}

/// Whom a rule reaches, as the store resolves it for one sender in one school.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reach {
    /// Teachers, direction and staff of the school.
    SchoolStaff,
    /// Everyone of the school (pupils, parents, staff).
    SchoolEveryone,
    /// Pupils of the classes the sender teaches.
    PupilsOfMyClasses,
    /// Parents of those pupils.
    ParentsOfMyClasses,
    /// A pupil's teachers.
    MyTeachers,
    /// A pupil's classmates, when their teacher turned it on for the class.
    ClassmatesIfOpen,
    /// A parent's children's teachers.
    ChildrensTeachers,
    /// The direction of the school.
    SchoolDirection,
    /// A parent's own children.
    MyChildren,
    /// The owners of the spaces a guest is in.
    SpaceOwners,
    /// Every director of the node.
    Directors,
    /// The operator(s) of the node.
    Operators,
    /// Whoever wrote to the sender (one may always answer).
    WroteToMe,
}

/// The table: each sender and whom it reaches.
pub const RULES: &[(Sender, &[Reach])] = &[
    (
        Sender::Teacher,
        &[
            Reach::SchoolStaff,
            Reach::PupilsOfMyClasses,
            Reach::ParentsOfMyClasses,
            Reach::WroteToMe,
        ],
    ),
    (
        Sender::Direction,
        &[Reach::SchoolEveryone, Reach::Operators, Reach::WroteToMe],
    ),
    (Sender::Staff, &[Reach::SchoolStaff, Reach::WroteToMe]),
    (
        Sender::Pupil,
        &[Reach::MyTeachers, Reach::ClassmatesIfOpen, Reach::WroteToMe],
    ),
    (
        Sender::Parent,
        &[
            Reach::ChildrensTeachers,
            Reach::SchoolDirection,
            Reach::MyChildren,
            Reach::WroteToMe,
        ],
    ),
    (Sender::Guest, &[Reach::SpaceOwners, Reach::WroteToMe]),
    (Sender::Operator, &[Reach::Directors, Reach::WroteToMe]),
];

/// The audiences (beyond one person) each sender may address as a whole. Which classes:
/// those a teacher teaches, every class of the direction's school, a pupil's own class when
/// open (the store applies it). A group: only when every member is reachable. Only the
/// direction writes to all the school's pupils or parents at once (ministry, 2024).
pub const AUDIENCES: &[(Sender, &[AudienceKind])] = &[
    (
        Sender::Teacher,
        &[
            AudienceKind::ClassPupils,
            AudienceKind::ClassParents,
            AudienceKind::SchoolStaff,
            AudienceKind::Group,
        ],
    ),
    (
        Sender::Direction,
        &[
            AudienceKind::ClassPupils,
            AudienceKind::ClassParents,
            AudienceKind::SchoolStaff,
            AudienceKind::SchoolPupils,
            AudienceKind::SchoolParents,
            AudienceKind::Group,
        ],
    ),
    (Sender::Staff, &[AudienceKind::SchoolStaff]),
    (Sender::Pupil, &[AudienceKind::ClassPupils]),
    (Sender::Parent, &[]),
    (Sender::Guest, &[]),
    (Sender::Operator, &[]),
];

/// Most recipients of one message, by sender (a parent writes to a few people, the direction
/// to the school).
pub const MAX_RECIPIENTS: &[(Sender, usize)] = &[
    (Sender::Teacher, 200),
    (Sender::Direction, 5000),
    (Sender::Staff, 100),
    (Sender::Pupil, 40),
    (Sender::Parent, 10),
    (Sender::Guest, 5),
    (Sender::Operator, 500),
];

/// Messages one account may send in an hour, by sender.
pub const MAX_PER_HOUR: &[(Sender, i64)] = &[
    (Sender::Teacher, 60),
    (Sender::Direction, 60),
    (Sender::Staff, 30),
    (Sender::Pupil, 10),
    (Sender::Parent, 20),
    (Sender::Guest, 10),
    (Sender::Operator, 30),
];

/// Whom `sender` reaches.
pub fn reaches(sender: Sender) -> &'static [Reach] {
    RULES
        .iter()
        .find(|(s, _)| *s == sender)
        .map_or(&[], |(_, r)| r)
}

/// Whether `sender` may address an audience of `kind` as a whole (a person: always, when
/// reachable).
pub fn may_address(sender: Sender, kind: AudienceKind) -> bool {
    kind == AudienceKind::Person
        || AUDIENCES
            .iter()
            .any(|(s, kinds)| *s == sender && kinds.contains(&kind))
}

/// The most recipients of one message for someone who is all of `senders` (the widest).
pub fn max_recipients(senders: &[Sender]) -> usize {
    widest(senders, MAX_RECIPIENTS).unwrap_or(5)
}

/// The most messages an hour for someone who is all of `senders` (the widest).
pub fn max_per_hour(senders: &[Sender]) -> i64 {
    widest(senders, MAX_PER_HOUR).unwrap_or(10)
}

fn widest<T: Copy + Ord>(senders: &[Sender], table: &[(Sender, T)]) -> Option<T> {
    table
        .iter()
        .filter(|(s, _)| senders.contains(s))
        .map(|(_, n)| *n)
        .max()
}

/// Whether a message from someone who is all of `senders` to a recipient (a family member or
/// not) is held in the quiet hours: staff to families, families to staff; never between staff.
pub fn held_in_quiet_hours(senders: &[Sender], recipient_is_family: bool) -> bool {
    let staff = senders
        .iter()
        .any(|s| matches!(s, Sender::Teacher | Sender::Direction | Sender::Staff));
    let family = senders.contains(&Sender::Parent);
    (staff && recipient_is_family) || (family && !recipient_is_family)
}

/// Whether someone who is all of `senders` may mark a message urgent (never held): the
/// direction only, an explicit and journaled choice.
pub fn may_send_urgent(senders: &[Sender]) -> bool {
    senders.contains(&Sender::Direction)
}

/// Whether someone who is all of `senders` may schedule a message: staff.
pub fn may_schedule(senders: &[Sender]) -> bool {
    senders
        .iter()
        .any(|s| matches!(s, Sender::Teacher | Sender::Direction | Sender::Staff))
}

/// Whether someone who is all of `senders` may write to (and receive from) teachers and
/// directors of linked nodes: teachers and direction only; never a pupil, a parent or a guest.
pub fn may_write_across(senders: &[Sender]) -> bool {
    senders
        .iter()
        .any(|s| matches!(s, Sender::Teacher | Sender::Direction))
}

/// Whether a profile code received from a linked node (`entAuthorRole`, or a local recipient's
/// profile) may take part in messages between nodes.
pub fn crosses_links(profile: &str) -> bool {
    matches!(profile, "teacher" | "director")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Sender; 7] = [
        Sender::Teacher,
        Sender::Direction,
        Sender::Staff,
        Sender::Pupil,
        Sender::Parent,
        Sender::Guest,
        Sender::Operator,
    ];

    #[test]
    fn every_sender_has_one_row_in_each_table() {
        for sender in ALL {
            assert_eq!(RULES.iter().filter(|r| r.0 == sender).count(), 1);
            assert_eq!(AUDIENCES.iter().filter(|r| r.0 == sender).count(), 1);
            assert_eq!(MAX_RECIPIENTS.iter().filter(|r| r.0 == sender).count(), 1);
            assert_eq!(MAX_PER_HOUR.iter().filter(|r| r.0 == sender).count(), 1);
        }
    }

    #[test]
    fn only_the_direction_writes_to_the_whole_school() {
        for sender in ALL {
            let whole = may_address(sender, AudienceKind::SchoolPupils)
                || may_address(sender, AudienceKind::SchoolParents);
            assert_eq!(whole, sender == Sender::Direction, "{sender:?}");
            assert!(may_address(sender, AudienceKind::Person));
            assert_eq!(may_send_urgent(&[sender]), sender == Sender::Direction);
        }
        assert!(may_address(Sender::Teacher, AudienceKind::ClassParents));
        assert!(!may_address(Sender::Parent, AudienceKind::ClassParents));
        assert!(!may_address(Sender::Staff, AudienceKind::ClassPupils));
        assert!(may_schedule(&[Sender::Teacher]) && !may_schedule(&[Sender::Parent]));
        assert!(may_write_across(&[Sender::Teacher]) && may_write_across(&[Sender::Direction]));
        for family in [Sender::Pupil, Sender::Parent, Sender::Guest, Sender::Staff] {
            assert!(!may_write_across(&[family]));
        }
        assert!(crosses_links("director") && !crosses_links("pupil") && !crosses_links("parent"));
    }

    #[test]
    fn the_reaches_follow_the_issue() {
        assert!(reaches(Sender::Teacher).contains(&Reach::ParentsOfMyClasses));
        assert!(!reaches(Sender::Teacher).contains(&Reach::SchoolEveryone));
        assert!(reaches(Sender::Pupil).contains(&Reach::ClassmatesIfOpen));
        assert!(!reaches(Sender::Pupil).contains(&Reach::SchoolStaff));
        assert!(reaches(Sender::Parent).contains(&Reach::SchoolDirection));
        assert!(!reaches(Sender::Parent).contains(&Reach::ParentsOfMyClasses));
        assert_eq!(
            reaches(Sender::Guest),
            [Reach::SpaceOwners, Reach::WroteToMe]
        );
        assert!(reaches(Sender::Operator).contains(&Reach::Directors));
        assert!(reaches(Sender::Direction).contains(&Reach::Operators));
        assert_eq!(max_recipients(&[Sender::Parent, Sender::Teacher]), 200);
        assert_eq!(max_recipients(&[]), 5);
    }

    #[test]
    fn quiet_hours_hold_only_between_staff_and_families() {
        assert!(held_in_quiet_hours(&[Sender::Teacher], true));
        assert!(!held_in_quiet_hours(&[Sender::Teacher], false));
        assert!(held_in_quiet_hours(&[Sender::Parent], false));
        assert!(!held_in_quiet_hours(&[Sender::Pupil], false));
    }
}
