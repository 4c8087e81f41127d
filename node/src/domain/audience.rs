//! Kinds of audience a message (later a news item, a note of the cahier de liaison, an agenda
//! event) is addressed to. The ids and their resolution to people are `crate::audience`'s; the
//! kinds are here so that the policy decides on them without importing a feature.

/// A kind of audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudienceKind {
    /// One person.
    Person,
    /// The pupils of a class.
    ClassPupils,
    /// The parents of a class's pupils.
    ClassParents,
    /// The members of a group.
    Group,
    /// The teachers, direction and staff of a school.
    SchoolStaff,
    /// Every pupil of a school.
    SchoolPupils,
    /// Every parent of a school's pupils.
    SchoolParents,
    /// Everyone of the node (the operator's news: the municipality speaks to all its schools).
    Node,
}

impl AudienceKind {
    /// Whether it may reach pupils or parents: what is aimed at them waits for the end of the
    /// quiet hours (a person or a group may be a family member too).
    pub fn reaches_families(self) -> bool {
        !matches!(self, Self::SchoolStaff)
    }
}
